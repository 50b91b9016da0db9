"""The provider CSV's columns: one table that drives validation, the template and the docs.

Each ``ColumnSpec`` says what a column holds and how to check one cell. A check
returns ``None`` for a good value or a plain-language reason for a bad one, so
the same words reach the admin CLI, the admin page and ``data/README.md``
(a test checks that the data dictionary lists every column here).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import phonenumbers
from rapidfuzz import fuzz, process

from finder.errors import Say
from finder.model import (
    LANGUAGES,
    MA_BOUNDS,
    Accepting,
    Attendance,
    ConfirmedVia,
    Insurance,
    Intake,
    LevelOfCare,
    Population,
    Service,
)
from finder.schedule import ScheduleError, parse_schedule
from finder.untrusted import text_problem, url_problem

__all__ = [
    "COLUMNS",
    "COLUMN_NAMES",
    "MA_COUNTIES",
    "OTHER_STATE_MARGIN_MILES",
    "REQUIRED_COLUMNS",
    "ZIP_RADIUS_MILES",
    "ColumnSpec",
    "canonical",
    "check_location",
    "data_dictionary_markdown",
    "format_phone",
    "split_list",
    "suggest",
]

MA_COUNTIES: tuple[str, ...] = (
    "Barnstable",
    "Berkshire",
    "Bristol",
    "Dukes",
    "Essex",
    "Franklin",
    "Hampden",
    "Hampshire",
    "Middlesex",
    "Nantucket",
    "Norfolk",
    "Plymouth",
    "Suffolk",
    "Worcester",
)

#: Common ways people write a vocabulary value, mapped to ours.
_ALIASES: dict[str, str] = {
    "medicaid": "MassHealth",
    "mass health": "MassHealth",
    "masshealth aco": "MassHealth",
    "bcbs": "Blue Cross Blue Shield of MA",
    "blue cross": "Blue Cross Blue Shield of MA",
    "blue cross blue shield": "Blue Cross Blue Shield of MA",
    "tufts": "Tufts Health Plan",
    "harvard pilgrim health care": "Harvard Pilgrim",
    "mgb health plan": "Mass General Brigham Health Plan",
    "allways": "Mass General Brigham Health Plan",
    "united": "UnitedHealthcare",
    "united healthcare": "UnitedHealthcare",
    "tricare": "Military (TRICARE)",
    "military": "Military (TRICARE)",
    "private": "Private insurance",
    "commercial": "Private insurance",
    "cash": "Self-pay",
    "self pay": "Self-pay",
    "sliding fee": "Sliding scale",
    "sliding fee scale": "Sliding scale",
    "no cost": "Free",
    "in person": "in-person",
    "inperson": "in-person",
    "virtual": "telehealth",
    "walk in": "walk-in",
    "walkin": "walk-in",
    "phone": "call",
    "suboxone": "Buprenorphine",
    "vivitrol": "Naltrexone",
    "co-occurring": "Co-occurring mental health",
    "dual diagnosis": "Co-occurring mental health",
    "lgbtq": "LGBTQ+",
    "lgbt": "LGBTQ+",
    "pregnant": "Pregnant/postpartum",
    "postpartum": "Pregnant/postpartum",
    "teens": "Adolescents",
    "youth": "Adolescents",
    "asl": "American Sign Language",
    "creole": "Haitian Creole",
    "mandarin": "Chinese",
    "cantonese": "Chinese",
}


def _fold(text: str) -> str:
    return " ".join(text.casefold().split())


@functools.lru_cache(maxsize=64)
def _folded(choices: tuple[str, ...]) -> dict[str, str]:
    return {_fold(c): c for c in choices}


def canonical(value: str, choices: Iterable[str]) -> str | None:
    """Return the vocabulary member ``value`` names, ignoring case, or None.

    Parameters
    ----------
    value : str
        What was written.
    choices : Iterable[str]
        The vocabulary.

    Returns
    -------
    str or None
        The canonical spelling, also for known aliases such as "Medicaid".
    """
    choices = tuple(choices)
    folded = _folded(choices)
    key = _fold(value)
    if key in folded:
        return folded[key]
    alias = _ALIASES.get(key)
    return alias if alias in choices else None


def suggest(value: str, choices: Iterable[str]) -> str | None:
    """Return the closest vocabulary value for a "did you mean", or None."""
    key = _fold(value)
    candidates = process.extract(
        key, {c: _fold(c) for c in choices}, scorer=fuzz.WRatio, score_cutoff=70, limit=None
    )
    if not candidates:
        return None
    # WRatio alone rewards partial matches of short words ('IOPP' scored 'OP' above
    # 'IOP'); adding the plain ratio prefers the candidate closest as a whole.
    best = max(candidates, key=lambda c: c[1] + fuzz.ratio(key, c[0]))
    return str(best[2])


def split_list(cell: str) -> list[str]:
    """Split a ``;``-list cell into its trimmed, non-empty items."""
    return [part.strip() for part in cell.split(";") if part.strip()]


def format_phone(cell: str) -> str:
    """Return a phone in the form ``(617) 555-0123``, with ``ext. 12`` if any.

    Raises
    ------
    ValueError
        When the text is not a valid US phone number.
    """
    try:
        number = phonenumbers.parse(cell, "US")
    except phonenumbers.NumberParseException as err:
        raise ValueError(str(err)) from err
    if number.country_code != 1 or not phonenumbers.is_valid_number(number):
        raise ValueError(f"{cell!r} is not a valid US number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


# Checks: value (a non-empty, stripped cell) -> None when good, else the reason.
Check = Callable[[str], str | None]


def _vocab_check(enum_cls: type[StrEnum] | tuple[str, ...], *, many: bool) -> Check:
    choices = [str(c) for c in enum_cls]

    def check(value: str) -> str | None:
        items = split_list(value) if many else [value]
        for item in items:
            if canonical(item, choices) is None:
                hint = suggest(item, choices)
                did_you_mean = f" Did you mean '{hint}'?" if hint else ""
                shown = ", ".join(choices) if len(choices) <= 12 else "see data/README.md"
                return f"'{item}' is not a known value.{did_you_mean} Allowed: {shown}."
        return None

    return check


def _check_program_id(value: str) -> str | None:
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}", value):
        return "must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit"
    return None


def _check_state(value: str) -> str | None:
    if value.upper() != "MA":
        return "must be MA: this finder lists Massachusetts programs only"
    return None


@functools.cache
def _ma_zip_codes() -> frozenset[str]:
    # zipcodes' Massachusetts ZIPs, copied into the package by
    # scripts/make_gazetteer.py: zipcodes itself reads every US ZIP (0.5 s).
    from finder.gazetteer import read_package_csv

    return frozenset(z["zip_code"] for z in read_package_csv("ma_zips.csv"))


def _check_zip(value: str) -> str | None:
    import zipcodes

    # Reasons are errors.Say: the "Update this listing" form says them in the page's language.
    if re.fullmatch(r"[0-9]{4}", value):
        return Say("must have 5 digits; did you mean 0{digits}? "
                   "Spreadsheets drop leading zeros: format the column as text", digits=value)
    # [0-9], not \d: \d also matches other scripts' digits, which crash zipcodes.
    if not re.fullmatch(r"[0-9]{5}", value):
        return Say("must be a 5-digit ZIP code, such as 02139")
    if value in _ma_zip_codes():
        return None
    found = zipcodes.matching(value)
    if not found:
        return Say("is not a US ZIP code")
    if found[0]["state"] != "MA":
        return Say("is a {state} ZIP code, not a Massachusetts one", state=found[0]["state"])
    return None


def _float_check(low: float, high: float, what: str) -> Check:
    def check(value: str) -> str | None:
        try:
            # float() also reads other scripts' digits; a CSV needs plain 0-9.
            number = float(value) if value.isascii() else float("x")
        except ValueError:
            return f"must be a number (decimal degrees), such as {(low + high) / 2:.4f}"
        if not low <= number <= high:
            return f"is outside Massachusetts ({what} must be between {low} and {high})"
        return None

    return check


#: How far a program may lie from the centre of its ZIP code. Measured on real
#: data (2026-11, approximate miles to the gazetteer's ZIP centre): the 80
#: FindTreatment.gov IOP rows of 2025-08-19 are at most 4.6 miles from theirs
#: (median 1.0), the 413 Massachusetts facilities of SAMHSA's 2021 locator at
#: most 11.8 (median 0.8, 99th percentile 5.1; ZIPs in the hills are large),
#: the shipped sample at most 2.9. A wrong digit in a coordinate moves a point
#: 7 to 70 miles.
ZIP_RADIUS_MILES = 15.0

#: A point this much nearer to the centre of a neighbouring state's ZIP code
#: than to every Massachusetts ZIP and town centre is taken to be in that state.
#: Real Massachusetts sites are at most 0.9 miles "nearer" (a Haverhill site by
#: the New Hampshire line); downtown Providence is 4.4, Nashua 5.8, Brattleboro
#: 8.9, Hartford 20. Towns hugging the line (Pawtucket, Woonsocket) pass
#: unless their ZIP gives them away.
OTHER_STATE_MARGIN_MILES = 2.5

_NEIGHBOUR_STATES = {
    "CT": "Connecticut",
    "ME": "Maine",
    "NH": "New Hampshire",
    "NY": "New York",
    "RI": "Rhode Island",
    "VT": "Vermont",
}


@dataclass(frozen=True, slots=True)
class _Reference:
    ma_lat: Any
    ma_lon: Any
    other_lat: Any
    other_lon: Any
    other_zips: tuple[dict[str, Any], ...]


@functools.cache
def _reference() -> _Reference:
    """Centres of every MA ZIP and town, and of nearby out-of-state ZIPs (loaded once)."""
    import numpy as np

    from finder.gazetteer import default_gazetteer, read_package_csv

    gazetteer = default_gazetteer()
    ma = [(z.lat, z.lon) for z in gazetteer.zips.values()]
    ma += [(t.lat, t.lon) for t in gazetteer.towns]
    # The standard ZIPs of neighbouring states within half a degree of
    # MA_BOUNDS (PO-box ZIPs left out: zipcodes parks some of them far from
    # their town), precomputed from zipcodes by scripts/make_gazetteer.py.
    others = tuple(
        z for z in read_package_csv("neighbour_zips.csv") if z["state"] in _NEIGHBOUR_STATES
    )
    return _Reference(
        ma_lat=np.array([lat for lat, _ in ma]),
        ma_lon=np.array([lon for _, lon in ma]),
        other_lat=np.array([float(z["lat"]) for z in others]),
        other_lon=np.array([float(z["long"]) for z in others]),
        other_zips=others,
    )


def _approx_miles(lat: float, lon: float, lats: Any, lons: Any) -> Any:
    # Equirectangular, within 1 % of geodesic over Massachusetts; only compared
    # with thresholds. The distance shown to the admin is geodesic.
    import numpy as np

    dlat = (lats - lat) * 69.05
    dlon = (lons - lon) * 69.17 * np.cos(np.radians(lat))
    return np.hypot(dlat, dlon)


def check_location(latitude: float, longitude: float, zip_code: str) -> str | None:
    """Return why a program's point cannot be right, or None when it is plausible.

    Call it only for cells that passed their own checks (the point inside
    ``MA_BOUNDS``, a Massachusetts ZIP), so that one defect gives one error.
    A point is refused when it lies in a neighbouring state (it is clearly
    nearer to that state's ZIP centres than to any in Massachusetts, see
    ``OTHER_STATE_MARGIN_MILES``), or farther than ``ZIP_RADIUS_MILES`` from
    the centre of its own ZIP code.

    Parameters
    ----------
    latitude, longitude : float
        WGS84 coordinates of the program.
    zip_code : str
        Its 5-digit Massachusetts ZIP code.

    Returns
    -------
    str or None
        A plain-language reason naming what to check, or None.
    """
    from geopy.distance import distance

    ref = _reference()
    nearest_ma = float(_approx_miles(latitude, longitude, ref.ma_lat, ref.ma_lon).min())
    if len(ref.other_zips):
        to_others = _approx_miles(latitude, longitude, ref.other_lat, ref.other_lon)
        index = int(to_others.argmin())
        if nearest_ma - float(to_others[index]) > OTHER_STATE_MARGIN_MILES:
            other = ref.other_zips[index]
            return (
                f"latitude and longitude are in {_NEIGHBOUR_STATES[other['state']]} "
                f"(near {other['city']}, {other['state']} {other['zip_code']}), not Massachusetts; "
                "check both numbers, or leave them empty so the address is geocoded"
            )
    from finder.gazetteer import default_gazetteer

    area = default_gazetteer().zips.get(zip_code)
    if area is None:
        return None
    miles = distance((latitude, longitude), (area.lat, area.lon)).miles
    if miles <= ZIP_RADIUS_MILES:
        return None
    return (
        f"latitude and longitude are {miles:.0f} miles from ZIP {zip_code} ({area.city}); "
        "check latitude and longitude, or the ZIP"
    )


def _check_phone(value: str) -> str | None:
    try:
        format_phone(value)
    except ValueError:
        return Say("is not a valid US phone number; write it like 617-555-0123 (ext. 12)")
    return None


def _check_website(value: str) -> str | None:
    # The one URL parser (finder.untrusted.web_url), the same that builds links.
    return url_problem(value)


@functools.lru_cache(maxsize=4096)
def _check_city(value: str) -> str | None:
    """Check that a city is a Massachusetts city, town or village the gazetteer knows."""
    problem = _check_text(100)(value)
    if problem is not None:
        return problem
    from finder.errors import GeocodeNotFound
    from finder.gazetteer import default_gazetteer

    gazetteer = default_gazetteer()
    try:
        known = gazetteer.lookup_town(value) is not None
    except GeocodeNotFound:  # a name several places share is still a place
        known = True
    if known:
        return None
    hint = next(iter(gazetteer.suggest(value, limit=1)), None)
    if hint:
        return Say("is not a Massachusetts city, town or village we know; did you mean '{town}'?",
                   town=hint)
    return Say("is not a Massachusetts city, town or village we know; check the spelling")


def _check_schedule(value: str) -> str | None:
    try:
        parse_schedule(value)
    except ScheduleError as err:
        return f"cannot be read: {err}"
    return None


def _check_hours(value: str) -> str | None:
    try:
        hours = float(value) if value.isascii() else float("x")
    except ValueError:
        return "must be a number of hours, such as 9 or 12.5"
    if not 0 < hours <= 60:
        return "must be more than 0 and at most 60 hours a week"
    return None


def _check_date(value: str) -> str | None:
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return "must be a date written YYYY-MM-DD, such as 2026-03-31"
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        return "must be a date written YYYY-MM-DD, such as 2026-03-31"
    return None


def _check_county(value: str) -> str | None:
    name = re.sub(r"\s+county$", "", value.strip(), flags=re.IGNORECASE)
    if canonical(name, MA_COUNTIES) is None:
        hint = suggest(name, MA_COUNTIES)
        return "is not a Massachusetts county" + (f"; did you mean '{hint}'?" if hint else "")
    return None


def _check_text(limit: int) -> Check:
    def check(value: str) -> str | None:
        if len(value) > limit:
            return Say("is too long ({n} characters; at most {limit})", n=len(value), limit=limit)
        # Control characters, bidi overrides and Streamlit's :material/...: syntax.
        return text_problem(value)

    return check


@dataclass(frozen=True, slots=True)
class ColumnSpec:
    """One column of the provider CSV.

    Parameters
    ----------
    name : str
        Header name.
    type : str
        Human description of the type, for the data dictionary.
    required : bool
        Whether every row needs a value.
    allowed : str
        The allowed values, for the data dictionary.
    example : str
        An example cell.
    description : str
        What the column means.
    check : callable
        Cell check returning ``None`` or the reason the value is wrong.
    """

    name: str
    type: str
    required: bool
    allowed: str
    example: str
    description: str
    check: Check


def _listing(values: Iterable[str]) -> str:
    return "; ".join(str(v) for v in values)


COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec("program_id", "text (id)", True, "letters, digits, `.` `_` `-`; unique", "ma-0001",
               "Stable identifier of the program; unique in the file.", _check_program_id),
    ColumnSpec("organization", "text", True, "up to 200 characters", "Harborview Recovery Services",
               "The provider (organization) that runs the program.", _check_text(200)),
    ColumnSpec("program_name", "text", True, "up to 200 characters", "Evening IOP - Cambridge",
               "Name of the program at this site.", _check_text(200)),
    ColumnSpec("level_of_care", "vocabulary", True, _listing(LevelOfCare), "IOP",
               "IOP = intensive outpatient; SOAP = structured outpatient addiction program (MA); "
               "PHP = partial hospitalization/day treatment; OP = regular outpatient. "
               "A search for IOP also finds SOAP.", _vocab_check(LevelOfCare, many=False)),
    ColumnSpec("street", "text", True, "up to 200 characters", "125 Main St, Suite 2",
               "Street address of the site.", _check_text(200)),
    ColumnSpec("city", "text", True, "a Massachusetts city, town or village", "Cambridge",
               "City or town of the site.", _check_city),
    ColumnSpec("state", "text", True, "MA", "MA", "Always MA.", _check_state),
    ColumnSpec("zip", "text (5 digits)", True, "a Massachusetts ZIP, leading zero kept", "02139",
               "ZIP code of the site. Keep it as text so the leading zero survives.", _check_zip),
    ColumnSpec("county", "vocabulary", False, _listing(MA_COUNTIES), "Middlesex",
               "County of the site.", _check_county),
    ColumnSpec("latitude", "decimal degrees", False,
               f"{MA_BOUNDS[0]} to {MA_BOUNDS[2]}; with `longitude`, a point in Massachusetts "
               f"within {ZIP_RADIUS_MILES:g} miles of the centre of the row's `zip`", "42.3736",
               "WGS84 latitude. Empty means not geocoded yet (the admin refresh fills it).",
               _float_check(MA_BOUNDS[0], MA_BOUNDS[2], "latitude")),
    ColumnSpec("longitude", "decimal degrees", False, f"{MA_BOUNDS[1]} to {MA_BOUNDS[3]}", "-71.1097",
               "WGS84 longitude.", _float_check(MA_BOUNDS[1], MA_BOUNDS[3], "longitude")),
    ColumnSpec("phone", "US phone", True, "a valid US number, optional extension", "617-555-0142",
               "Main phone number.", _check_phone),
    ColumnSpec("intake_phone", "US phone", False, "a valid US number", "617-555-0143",
               "Phone for intake/admissions, when different.", _check_phone),
    ColumnSpec("website", "URL", False, "http:// or https:// address", "https://harborview.example.org",
               "Program or organization website.", _check_website),
    ColumnSpec("insurance", "`;`-list", False, _listing(Insurance), "MassHealth; Private insurance; Sliding scale",
               "Ways to pay that are accepted. Named plans are listed when known; "
               "'Private insurance' alone means commercial plans in general.",
               _vocab_check(Insurance, many=True)),
    ColumnSpec("schedule", "opening_hours", False, "weekdays and 24-hour times only",
               "Mo-Fr 09:00-12:00, Mo,We,Th 18:00-21:00",
               "Weekly session times in OpenStreetMap opening_hours syntax. Use `,` to add "
               "sessions and `;` only to override a day. Empty means unknown.", _check_schedule),
    ColumnSpec("attendance", "vocabulary", False, _listing(Attendance), "hybrid",
               "Whether sessions are in person, by telehealth, or both.",
               _vocab_check(Attendance, many=False)),
    ColumnSpec("hours_per_week", "number", False, "more than 0, at most 60", "9",
               "Hours of group/individual sessions a week.", _check_hours),
    ColumnSpec("services", "`;`-list", False, _listing(Service), "Buprenorphine; Co-occurring mental health",
               "Medications for opioid use disorder offered or supported, and co-occurring care.",
               _vocab_check(Service, many=True)),
    ColumnSpec("populations", "`;`-list", False, _listing(Population), "Adults; Women",
               "Groups served or with a dedicated track.", _vocab_check(Population, many=True)),
    ColumnSpec("languages", "`;`-list", False, _listing(LANGUAGES),
               "English; Spanish", "Languages sessions are offered in.",
               _vocab_check(LANGUAGES, many=True)),
    ColumnSpec("accepting_new_clients", "vocabulary", False, _listing(Accepting), "yes",
               "Whether new clients are accepted. Empty means unknown.",
               _vocab_check(Accepting, many=False)),
    ColumnSpec("availability_as_of", "date", False, "YYYY-MM-DD, not in the future", "2026-10-01",
               "When a person last confirmed accepting_new_clients with the program.", _check_date),
    ColumnSpec("availability_confirmed_via", "vocabulary", False, _listing(ConfirmedVia), "phone",
               "How accepting_new_clients was confirmed: phone = we called the program; "
               "website = the program's own website; staff = reported by program staff; other.",
               _vocab_check(ConfirmedVia, many=False)),
    ColumnSpec("intake", "`;`-list", False, _listing(Intake), "walk-in; call",
               "How a person gets in.", _vocab_check(Intake, many=True)),
    ColumnSpec("listed_as_of", "date", False, "YYYY-MM-DD, not in the future", "2025-08-19",
               "When the source (column `source`) listed the program, e.g. the date of a "
               "FindTreatment.gov download. Not a confirmation by anyone.", _check_date),
    ColumnSpec("last_verified", "date", False, "YYYY-MM-DD, not in the future", "2026-09-15",
               "When a person last confirmed this row with the program. Empty when nobody has: "
               "such a program is never called verified.", _check_date),
    ColumnSpec("schedule_confirmed_on", "date", False, "YYYY-MM-DD, not in the future", "2026-12-01",
               "When a person last confirmed the session times in `schedule`.", _check_date),
    ColumnSpec("schedule_confirmed_via", "vocabulary", False, _listing(ConfirmedVia), "phone",
               "How the session times were confirmed: phone = we called the program; "
               "website = the program's own website; staff = reported by program staff; other. "
               "Goes with `schedule_confirmed_on`.", _vocab_check(ConfirmedVia, many=False)),
    ColumnSpec("source", "text", True, "up to 200 characters", "Program website, called 2026-09-15",
               "Where the information comes from.", _check_text(200)),
    ColumnSpec("notes", "text", False, "up to 1000 characters", "Payment assistance available",
               "Anything else a searcher or admin should know.", _check_text(1000)),
)

COLUMN_NAMES: tuple[str, ...] = tuple(c.name for c in COLUMNS)
REQUIRED_COLUMNS: tuple[str, ...] = tuple(c.name for c in COLUMNS if c.required)


def data_dictionary_markdown() -> str:
    """Return the data dictionary as a Markdown table (kept in ``data/README.md``)."""
    lines = [
        "| column | type | required | allowed values | example | meaning |",
        "|---|---|---|---|---|---|",
    ]
    for c in COLUMNS:
        cells = (f"`{c.name}`", c.type, "yes" if c.required else "no", c.allowed, f"`{c.example}`", c.description)
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(lines)

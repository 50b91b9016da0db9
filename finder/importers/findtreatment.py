"""Import SAMHSA FindTreatment.gov listings into provider CSV rows.

FindTreatment.gov (SAMHSA's Behavioral Health Treatment Services Locator) is the
public list of US treatment facilities. It flags "Intensive outpatient
treatment" but publishes no session times, so an import gives the admin the
programs, addresses, payment and services, and leaves ``schedule`` empty.

Two input formats are read, told apart by their content:

* the **"Download" CSV** of a search: identity columns (``name1``, ``street1``,
  ``zip``, ``phone``...) followed by ~315 service-code columns whose cells are
  ``1`` or empty (setting ``oit`` is intensive outpatient);
* the **locator API's JSON** (``POST /locator/listing``):
  ``{"page", "totalPages", "recordCount", "rows": [...]}``, where each row's
  ``services`` is a list of ``{f1: category label, f2: category code, f3:
  values joined with "; "}`` (``SET`` holds "Intensive outpatient treatment").

Both are turned into *listings* (identity fields plus a set of lower-case
codes); one mapping table below then turns codes into our vocabulary. The
table maps codes whose meaning is confirmed (``high`` confidence in
``../shared/data/findtreatment/service_codes.csv``, or listed by the import
issue, #3), and the special-group and funding codes of issue 12, whose
labels and confidence docs/IMPORTING.md lists; everything else is ignored.

A listing is a site people go to, so ``attendance`` is in-person; the
telehealth code describes the facility and becomes a note. ``listed_as_of``
is the download date and ``last_verified`` stays empty: a listing is not a
confirmation by anyone (issue 12).

Rows that cannot be imported are skipped with their row number and reason.
Repairs made to a row (a wrong state, a name split over two columns, a street
that is not published) are reported as corrections; listings of the same site
are merged and reported. Source: SAMHSA, FindTreatment.gov (public domain).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from finder.errors import DataError
from finder.geo import in_massachusetts
from finder.load import DEFAULT_MAX_BYTES, read_limited  # the one size check
from finder.model import (
    LANGUAGES,
    Attendance,
    Insurance,
    LevelOfCare,
    Population,
    Service,
)
from finder.schema import COLUMN_NAMES, MA_COUNTIES, canonical, format_phone
from finder.untrusted import url_problem, web_url

__all__ = [
    "FUNDING_NOTES",
    "INSURANCE_CODES",
    "LANGUAGE_CODES",
    "NON_IOP_HINTS",
    "POPULATION_CODES",
    "SERVICE_CODES",
    "SETTING_CODES",
    "SETTING_LEVELS",
    "SOURCE",
    "TELEHEALTH_NOTE",
    "ImportResult",
    "dataset_meta",
    "import_findtreatment",
    "looks_like_findtreatment",
    "parse_settings",
    "summary_text",
    "write_csv",
    "write_meta_file",
]

log = logging.getLogger(__name__)

#: The ``source`` cell of every imported program (cite as "Source: SAMHSA,
#: FindTreatment.gov"); the UI shortens it to "FindTreatment.gov".
SOURCE = "SAMHSA, FindTreatment.gov"

#: Outpatient service settings that can be imported, in the order a program's
#: level is looked for, and the level each one becomes.
SETTING_LEVELS: dict[str, LevelOfCare] = {
    "oit": LevelOfCare.IOP,  # Intensive outpatient treatment
    "odt": LevelOfCare.PHP,  # Outpatient day treatment or partial hospitalization
    "ort": LevelOfCare.OP,  # Regular outpatient treatment
    "op": LevelOfCare.OP,  # Outpatient (the umbrella setting)
}
SETTING_CODES: tuple[str, ...] = tuple(SETTING_LEVELS)
_SPECIFIC_SETTINGS = frozenset({"oit", "odt", "ort"})

#: Payment codes -> our insurance vocabulary (issue #3). ``pa`` (payment
#: assistance) has no vocabulary value; it becomes a note.
INSURANCE_CODES: dict[str, Insurance] = {
    "md": Insurance.MASSHEALTH,  # Medicaid; in Massachusetts that is MassHealth
    "mc": Insurance.MEDICARE,
    "pi": Insurance.PRIVATE,
    "mi": Insurance.MILITARY,
    "si": Insurance.STATE_FINANCED,
    "sf": Insurance.SELF_PAY,
    "ss": Insurance.SLIDING_SCALE,
    "np": Insurance.FREE,
}

#: Medication and co-occurring codes -> services. ``otp`` is a SAMHSA-certified
#: opioid treatment program: the only setting that may dispense methadone for
#: opioid use disorder (42 CFR 8.12), hence Methadone.
SERVICE_CODES: dict[str, Service] = {
    "bu": Service.BUPRENORPHINE,
    "nu": Service.NALTREXONE,
    "mu": Service.METHADONE,
    "otp": Service.METHADONE,
    "co": Service.CO_OCCURRING,
    "sumh": Service.CO_OCCURRING,
}

#: Age-group and special-program codes -> populations. Gender codes are handled
#: in ``_populations``: only a single-gender listing names a gender. The
#: special-group codes (SG, "Special programs/groups offered") say the facility
#: has a program or group for them; their labels and confidence are in
#: docs/IMPORTING.md (from ../shared/data/findtreatment/service_codes.csv).
POPULATION_CODES: dict[str, Population] = {
    "chld": Population.ADOLESCENTS,  # "Children/Adolescents (under 18)"
    "yad": Population.YOUNG_ADULTS,
    "adlt": Population.ADULTS,
    "snr": Population.SENIORS,
    "vet": Population.VETERANS,
    "wn": Population.WOMEN,  # SG "Adult women"
    "pw": Population.PREGNANT_POSTPARTUM,  # SG "Pregnant/postpartum women"
    "mn": Population.MEN,  # SG "Adult men"
    "se": Population.SENIORS,  # SG "Seniors or older adults"
    "ad": Population.ADOLESCENTS,  # SG "Adolescents"
    "tay": Population.YOUNG_ADULTS,  # SG "Transitional age young adults"
}

#: Funding codes with a meaning but no payment vocabulary value: kept as notes.
FUNDING_NOTES: dict[str, str] = {
    "fsa": "Accepts federal or other government funding for substance use treatment.",
    "itu": "Accepts IHS/Tribal/Urban (ITU) Indian health funds.",
}

#: Said of every listing with the telehealth code: it describes the facility,
#: not whether this program's sessions can be joined online.
TELEHEALTH_NOTE = (
    "Telehealth is offered at this facility; ask whether the IOP sessions can be joined online."
)

#: Words of a ``name2`` that names no program ("Outpatient", "Satellite"...).
_GENERIC_NAME_WORDS = frozenset(
    {"outpatient", "outpt", "satellite", "services", "service", "servs", "program", "programs",
     "clinic", "office", "site", "main", "ambulatory", "division", "div", "location", "branch"}
)
_STATE_NAMES = frozenset({"massachusetts", "ma", "mass"})
_DBA = re.compile(r"^\s*d\.?\s*b\.?\s*a\.?\s*[:\-]?\s+", re.IGNORECASE)

#: What a program is called by its level of care, in composed titles.
_KIND: dict[LevelOfCare, str] = {
    LevelOfCare.IOP: "Intensive outpatient program",
    LevelOfCare.SOAP: "Structured outpatient addiction program",
    LevelOfCare.PHP: "Day treatment (partial hospitalization)",
    LevelOfCare.OP: "Outpatient program",
}

#: Listings FindTreatment.gov marks intensive outpatient that are probably
#: something else: (pattern on the names, reason for the admin). Reviewed on the
#: 2025-08-19 download; see docs/IMPORTING.md.
NON_IOP_HINTS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\bstabili[sz]ation\b", re.IGNORECASE),
     "the name says it is a stabilization program (short-term, usually shelter-based), "
     "not outpatient treatment a person attends from home"),
    (re.compile(r"\bshelter\b", re.IGNORECASE),
     "the name says it is a shelter"),
    (re.compile(r"\bin[- ]home\b|\bhome[- ]based\b", re.IGNORECASE),
     "the name says care is given in the client's home, not at this address"),
    (re.compile(r"^aware recovery care\b", re.IGNORECASE),
     "Aware Recovery Care describes its program as in-home addiction treatment, "
     "not sessions at this address"),
)
_GENDER_CODES: dict[str, Population] = {"fem": Population.WOMEN, "male": Population.MEN}

#: Language codes -> names in ``finder.model.LANGUAGES`` (FindTreatment.gov's
#: own labels; "Any Chinese language" is "Chinese"; "Creole" is not said to be
#: Haitian or Cape Verdean, so it stays "Creole").
LANGUAGE_CODES: dict[str, str] = {
    "sp": "Spanish",
    "f4": "Arabic",
    "f17": "Chinese",
    "f19": "Creole",
    "f25": "Farsi",
    "f28": "French",
    "f30": "German",
    "f31": "Greek",
    "f35": "Hebrew",
    "f36": "Hindi",
    "f37": "Hmong",
    "f42": "Italian",
    "f43": "Japanese",
    "f47": "Korean",
    "f66": "Polish",
    "f67": "Portuguese",
    "f70": "Russian",
    "f81": "Tagalog",
    "f92": "Vietnamese",
    "n24": "Ojibwa",
    "n40": "Yupik",
}

_TELEHEALTH = "tele"
_PAYMENT_ASSISTANCE = "pa"
_DEAF_SERVICES = "ah"
_SUBSTANCE_USE = "sa"

#: The locator API's service labels, by category code, -> our codes. Only the
#: codes the tables above use; labels are compared case-insensitively. Older
#: and newer API wordings are both listed.
_JSON_LABELS: dict[str, dict[str, str]] = {
    "SET": {
        "intensive outpatient treatment": "oit",
        "outpatient day treatment or partial hospitalization": "odt",
        "regular outpatient treatment": "ort",
        "outpatient": "op",
        "telemedicine/telehealth": _TELEHEALTH,
        "telemedicine/telehealth therapy": _TELEHEALTH,
    },
    "TC": {
        "substance use treatment": _SUBSTANCE_USE,
        "treatment for co-occurring serious mental illness/serious emotional "
        "disturbance and substance use disorders": "sumh",
    },
    "PAY": {
        "medicaid": "md",
        "medicare": "mc",
        "private health insurance": "pi",
        "military insurance (e.g., tricare)": "mi",
        "state-financed health insurance plan other than medicaid": "si",
        "cash or self-payment": "sf",
        "no payment accepted": "np",
        "no payment accepted (free services)": "np",
        "federal, or any government funding for substance use treatment programs": "fsa",
        "federal, or any government funding for substance abuse programs": "fsa",
        "ihs/tribal/urban (itu) funds": "itu",
    },
    "PYAS": {
        "sliding fee scale (fee is based on income and other factors)": "ss",
        "sliding fee scale": "ss",
        "payment assistance (check with facility for details)": _PAYMENT_ASSISTANCE,
        "payment assistance": _PAYMENT_ASSISTANCE,
    },
    "AGE": {
        "children/adolescents": "chld",
        "children/adolescents (under 18)": "chld",
        "young adults": "yad",
        "adults": "adlt",
        "adults (18 and older)": "adlt",
        "seniors": "snr",
        "seniors (65 or older)": "snr",
    },
    "GN": {"female": "fem", "male": "male"},
    "SG": {
        "veterans": "vet",
        "persons with co-occurring mental and substance use disorders": "co",
        "adult women": "wn",
        "pregnant/postpartum women": "pw",
        "adult men": "mn",
        "seniors or older adults": "se",
        "adolescents": "ad",
        "transitional age young adults": "tay",
    },
    "OT": {
        "buprenorphine used in treatment": "bu",
        "naltrexone used in treatment": "nu",
        "samhsa-certified opioid treatment program": "otp",
    },
    "OM": {
        "methadone used in treatment": "mu",
        "buprenorphine used in treatment": "bu",
        "naltrexone used in treatment": "nu",
        "samhsa-certified opioid treatment program": "otp",
    },
    "SL": {"services for the deaf and hard of hearing": _DEAF_SERVICES},
    "OL": {
        **{name.casefold(): code for code, name in LANGUAGE_CODES.items()},
        "any chinese language": "f17",
    },
}

#: Identity columns of the Download CSV that an import cannot do without.
_REQUIRED_CSV_COLUMNS = ("name1", "street1", "city", "state", "zip", "phone")
_IDENTITY = (
    "name1",
    "name2",
    "street1",
    "street2",
    "city",
    "state",
    "zip",
    "county",
    "phone",
    "intake1",
    "intake2",
    "website",
    "latitude",
    "longitude",
    "type_facility",
)
# FindTreatment.gov cuts names at 38 characters and continues in name2.
_DANGLING_WORD = re.compile(r"\b(?:the|of|for|and|at|in|to|a|&)$", re.IGNORECASE)
_NAME_TAILS = frozenset({"center", "centre", "centers", "inc", "inc.", "llc"})
_NO_STREET = "Street address not published"
_DATE_IN_NAME = re.compile(r"(?<!\d)(\d{4})[-_](\d{2})[-_](\d{2})(?!\d)")


@dataclass(frozen=True, slots=True)
class _Listing:
    """One FindTreatment.gov row: identity text plus the set codes."""

    row: int
    fields: dict[str, str]
    codes: frozenset[str]

    def get(self, name: str) -> str:
        return self.fields.get(name, "")


@dataclass(slots=True)
class _Candidate:
    """One program mapped from one listing, before duplicates are merged."""

    listing: _Listing
    level: LevelOfCare
    row: dict[str, str]
    org_key: str
    street_key: str
    corrected: bool


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What ``import_findtreatment`` returns.

    Attributes
    ----------
    rows : list of dict
        Provider CSV rows keyed by ``finder.schema.COLUMN_NAMES``, all strings.
    summary : dict
        ``{"format", "setting", "listed_as_of", "read", "imported",
        "not_selected", "corrected", "merged", "skipped", "review"}``. ``corrected`` items
        are ``{"row", "column", "old", "new", "reason"}``; ``merged`` items are
        ``{"program_id", "organization", "rows", "kept"}``; ``skipped`` items
        are ``{"row", "reason"}``.
    """

    rows: list[dict[str, str]]
    summary: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------- detection


def _head_text(data: bytes, limit: int = 65536) -> str:
    return data[:limit].decode("utf-8-sig", errors="replace").lstrip("\ufeff \t\r\n")


def _format_of(data: bytes) -> str | None:
    head = _head_text(data)
    if head.startswith(("{", "[")):
        return "json" if '"name1"' in head or '"rows"' in head else None
    first = head.split("\n", 1)[0]
    names = {cell.strip().strip('"').casefold() for cell in first.split(",")}
    if {"name1", "street1", "zip"} <= names:
        return "csv"
    return None


def looks_like_findtreatment(data: bytes) -> bool:
    """Tell cheaply whether bytes are a FindTreatment.gov download or API response.

    Only the start of the data is read: a CSV whose header has ``name1``,
    ``street1`` and ``zip`` (padding allowed), or JSON that has ``rows`` or
    ``name1``. A provider CSV (``organization``...) is not one.

    Parameters
    ----------
    data : bytes
        The file's content, or at least its first few kilobytes.

    Returns
    -------
    bool
    """
    return _format_of(data) is not None


# --------------------------------------------------------------------------- reading


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _read_csv(data: bytes) -> list[_Listing]:
    text = _decode(data)
    try:
        records = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as err:
        raise DataError(
            f"unreadable CSV: {err}",
            "The file is not a readable CSV. Download it again from FindTreatment.gov.",
        ) from err
    if not records:
        raise DataError("empty CSV", "The file is empty.")
    # The real download pads header names ("    name1", "n40 "): strip them.
    header = [h.strip().casefold() for h in records[0]]
    missing = [name for name in _REQUIRED_CSV_COLUMNS if name not in header]
    if missing:
        raise DataError(
            f"missing columns {missing}",
            f"This is not a FindTreatment.gov download: the header lacks {', '.join(missing)}.",
        )
    identity = set(_IDENTITY) | {"zip4", "intake_prompt"}
    listings: list[_Listing] = []
    for index, record in enumerate(records[1:]):
        if not any(cell.strip() for cell in record):
            continue
        cells = dict(zip(header, (c.strip() for c in record), strict=False))
        fields = {name: cells.get(name, "") for name in _IDENTITY}
        # A code is set when its cell holds "1"; empty (or anything else) is unset.
        codes = frozenset(
            name for name, value in cells.items() if name not in identity and value == "1"
        )
        listings.append(_Listing(index + 2, fields, codes))
    return listings


def _json_codes(services: object) -> frozenset[str]:
    codes: set[str] = set()
    if not isinstance(services, list):
        return frozenset()
    for service in services:
        if not isinstance(service, dict):
            continue
        labels = _JSON_LABELS.get(str(service.get("f2", "")).strip().upper(), {})
        for value in str(service.get("f3") or "").split(";"):
            code = labels.get(re.sub(r"\s+", " ", value.strip().casefold()))
            if code:
                codes.add(code)
    return frozenset(codes)


def _read_json(data: bytes) -> list[_Listing]:
    try:
        payload = json.loads(_decode(data))
    except (ValueError, RecursionError) as err:  # nested too deeply too (issue 17)
        raise DataError(
            f"invalid JSON: {err}",
            "The file looks like JSON but cannot be read. Save the locator API's "
            "response again, unchanged.",
        ) from err
    rows = payload.get("rows") if isinstance(payload, dict) else payload
    if not isinstance(rows, list):
        raise DataError(
            "JSON without a rows list",
            'This JSON is not a FindTreatment.gov locator response: it has no "rows" list.',
        )
    listings: list[_Listing] = []
    for index, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            listings.append(_Listing(index, {}, frozenset()))
            continue
        fields = {name: _text(row.get(name)) for name in _IDENTITY}
        fields["type_facility"] = _text(row.get("typeFacility") or row.get("type_facility"))
        listings.append(_Listing(index, fields, _json_codes(row.get("services"))))
    return listings


def _text(value: object) -> str:
    if value is None:
        return ""
    return re.sub(r"\s+", " ", str(value)).strip()


# --------------------------------------------------------------------------- settings


def parse_settings(setting: str) -> tuple[str, ...]:
    """Return the setting codes a ``--setting`` value selects.

    Parameters
    ----------
    setting : str
        ``"all"``, one of ``oit``, ``odt``, ``ort``, ``op``, or several joined
        with commas (``"oit,odt"``).

    Returns
    -------
    tuple of str
        Codes in ``SETTING_CODES`` order.

    Raises
    ------
    DataError
        For an unknown code.
    """
    wanted = {part.strip().casefold() for part in setting.split(",") if part.strip()}
    if wanted == {"all"}:
        return SETTING_CODES
    unknown = sorted(wanted - set(SETTING_CODES))
    if unknown or not wanted:
        raise DataError(
            f"unknown setting {setting!r}",
            f"Unknown setting '{setting}'. Use all, or one or more of "
            f"{', '.join(SETTING_CODES)} separated by commas.",
        )
    return tuple(code for code in SETTING_CODES if code in wanted)


def _levels(listing: _Listing, settings: Sequence[str]) -> list[LevelOfCare]:
    levels: list[LevelOfCare] = []
    for code in settings:
        if code not in listing.codes:
            continue
        # Every outpatient listing carries the umbrella "op"; it names a
        # regular outpatient program only when no specific setting is set.
        if code == "op" and listing.codes & _SPECIFIC_SETTINGS:
            continue
        level = SETTING_LEVELS[code]
        if level not in levels:
            levels.append(level)
    return levels


def _offers_substance_use(listing: _Listing) -> bool:
    kind = listing.get("type_facility").upper()
    return kind in {"SU", "SA"} or _SUBSTANCE_USE in listing.codes or not kind


# --------------------------------------------------------------------------- mapping


class _Skip(Exception):
    """The listing cannot be imported; the message says why."""


_STREET_WORDS = {
    "street": "st",
    "avenue": "ave",
    "av": "ave",
    "road": "rd",
    "drive": "dr",
    "boulevard": "blvd",
    "highway": "hwy",
    "lane": "ln",
    "place": "pl",
    "court": "ct",
    "square": "sq",
    "parkway": "pkwy",
    "terrace": "ter",
    "circle": "cir",
    "turnpike": "tpke",
    "north": "n",
    "south": "s",
    "east": "e",
    "west": "w",
    "route": "rte",
    "saint": "st",
}
_ORG_WORDS = {"inc", "llc", "corp", "corporation", "co", "ltd", "pc", "the", "of"}


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.casefold().replace("&", " and "))


def _street_key(street: str) -> str:
    return "".join(_STREET_WORDS.get(w, w) for w in _words(street))


def _org_key(organization: str) -> str:
    return "".join(w for w in _words(organization) if w not in _ORG_WORDS)


def _program_id(org_key: str, street_key: str, zip_code: str, level: LevelOfCare) -> str:
    digest = hashlib.sha1(f"{org_key}|{street_key}|{zip_code}".encode()).hexdigest()[:10]
    return f"ft-{digest}" if level is LevelOfCare.IOP else f"ft-{digest}-{level.value.lower()}"


def _valid_phone(cell: str) -> bool:
    if not cell:
        return False
    try:
        format_phone(cell)
    except ValueError:
        return False
    return True


def _digits(phone: str) -> str:
    return re.sub(r"\D", "", phone)


def _float(cell: str) -> float | None:
    try:
        return float(cell)
    except ValueError:
        return None




class _Mapper:
    """Map one listing to a provider CSV row, collecting corrections."""

    def __init__(self, listed_as_of: dt.date) -> None:
        self.listed_as_of = listed_as_of.isoformat()
        self.corrections: list[dict[str, Any]] = []

    def _correct(self, row: int, column: str, old: str, new: str, reason: str) -> None:
        self.corrections.append(
            {"row": row, "column": column, "old": old, "new": new, "reason": reason}
        )

    def names(self, listing: _Listing) -> tuple[str, str]:
        name1, name2 = listing.get("name1"), listing.get("name2")
        if not name1 and not name2:
            raise _Skip("it has no facility name (name1 and name2 are empty)")
        if not name1:
            return name2, name2
        if name2 and (_DANGLING_WORD.search(name1) or name2.casefold() in _NAME_TAILS):
            joined = f"{name1} {name2}"
            self._correct(
                listing.row,
                "organization",
                name1,
                joined,
                "the name is split over name1 and name2; joined",
            )
            return joined, joined
        return name1, name2 or name1

    def zip_code(self, listing: _Listing) -> str:
        raw = listing.get("zip")
        digits = raw.split("-", 1)[0].strip()
        if re.fullmatch(r"\d{5}", digits):
            return digits
        if re.fullmatch(r"\d{3,4}", digits):
            padded = digits.zfill(5)
            self._correct(listing.row, "zip", raw, padded, "leading zeros were lost; restored")
            return padded
        raise _Skip(f"the ZIP code {raw!r} is not a 5-digit ZIP" if raw else "it has no ZIP code")

    def state(self, listing: _Listing, zip_code: str, lat: float | None, lon: float | None) -> str:
        import zipcodes

        published = listing.get("state").upper()
        try:
            found = zipcodes.matching(zip_code)
        except (ValueError, TypeError):
            found = []
        if not found:
            if not published:
                raise _Skip(f"it has no state and ZIP {zip_code} is unknown")
            return published
        zip_state = str(found[0]["state"])
        if published == zip_state:
            return published
        county = listing.get("county").removesuffix(" County").casefold()
        zip_county = str(found[0].get("county", "")).removesuffix(" County").casefold()
        evidence = [f"ZIP {zip_code} is in {zip_state}"]
        if county and county == zip_county:
            evidence.append(f"{listing.get('county')} County is too")
        if zip_state == "MA" and in_massachusetts(lat, lon):
            evidence.append("the coordinates are in Massachusetts")
        if not published or len(evidence) >= 2:
            self._correct(
                listing.row,
                "state",
                published,
                zip_state,
                f"published as {published or 'empty'}, but " + "; ".join(evidence),
            )
            return zip_state
        raise _Skip(
            f"the state is {published} but ZIP {zip_code} is in {zip_state}, "
            "and nothing else tells which is right"
        )

    def street(self, listing: _Listing) -> str:
        street1, street2 = listing.get("street1"), listing.get("street2")
        # SAMHSA writes "- - -" where a site's street is withheld.
        if not re.search(r"[A-Za-z0-9]", street1):
            if not re.search(r"[A-Za-z0-9]", street2):
                street2 = ""
            new = f"{_NO_STREET}, {street2}" if street2 else _NO_STREET
            self._correct(
                listing.row,
                "street",
                street1,
                new,
                "FindTreatment.gov publishes no street for this site; its coordinates are kept",
            )
            return new
        return f"{street1}, {street2}" if street2 else street1

    def coordinates(self, listing: _Listing) -> tuple[str, str]:
        lat_text, lon_text = listing.get("latitude"), listing.get("longitude")
        if not lat_text and not lon_text:
            return "", ""
        lat, lon = _float(lat_text), _float(lon_text)
        if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
            self._correct(
                listing.row,
                "latitude",
                f"{lat_text}, {lon_text}",
                "",
                "the coordinates are not numbers; left empty for the refresh to geocode",
            )
            return "", ""
        # Keep the published text so the coordinates stay exactly as published.
        return lat_text, lon_text

    def phones(self, listing: _Listing) -> tuple[str, str, str]:
        published = [listing.get(c) for c in ("phone", "intake1", "intake2")]
        valid = [p for p in published if _valid_phone(p)]
        if not valid:
            raise _Skip("it has no valid phone number")
        phone = valid[0]
        if phone != published[0]:
            self._correct(
                listing.row,
                "phone",
                published[0],
                phone,
                "the main phone is missing or not valid; the intake phone is used",
            )
        seen = {_digits(phone)}
        others: list[str] = []
        for candidate in (p for p in published[1:] if _valid_phone(p)):
            if _digits(candidate) not in seen:
                seen.add(_digits(candidate))
                others.append(candidate)
        intake = others[0] if others else ""
        extra = f"Also for intake: {format_phone(others[1])}." if len(others) > 1 else ""
        return phone, intake, extra

    def website(self, listing: _Listing) -> str:
        site = listing.get("website").strip()
        if not site:
            return ""
        # The one URL parser (issue 17): what it refuses is left empty; characters
        # that are Markdown/HTML syntax come back percent-encoded, so the program
        # is kept and its link can carry nothing but the address.
        candidate, note = None, ""
        if re.fullmatch(r"https?://\S+", site, flags=re.IGNORECASE):
            candidate = site
        elif re.fullmatch(r"(?:www\.)?[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+(?:/\S*)?", site):
            candidate, note = f"http://{site}", "added the missing http://"
        fixed = web_url(candidate) if candidate is not None else None
        if candidate is None or fixed is None:
            self._correct(listing.row, "website", site, "", "not a web address; left empty")
            return ""
        if url_problem(candidate) is not None:
            candidate = fixed
            note = "; ".join(filter(None, [note, "percent-encoded the characters a web address "
                                                 "can't hold as they are"]))
        if note:
            self._correct(listing.row, "website", site, candidate, note)
        return candidate

    def county(self, listing: _Listing, state: str) -> str:
        county = re.sub(r"\s+county$", "", listing.get("county"), flags=re.IGNORECASE)
        if state == "MA" and county:
            return canonical(county, MA_COUNTIES) or ""
        return county

    def map(self, listing: _Listing, level: LevelOfCare) -> _Candidate:
        organization, program_name = self.names(listing)
        zip_code = self.zip_code(listing)
        lat_text, lon_text = self.coordinates(listing)
        state = self.state(listing, zip_code, _float(lat_text), _float(lon_text))
        street = self.street(listing)
        city = listing.get("city")
        if not city:
            raise _Skip("it has no city")
        phone, intake_phone, intake_note = self.phones(listing)
        codes = listing.codes
        review = _non_iop_reason(listing)
        notes = []
        if review:
            notes.append(
                "Check before going: FindTreatment.gov lists this site as intensive outpatient, "
                f"but {review}."
            )
        if intake_note:
            notes.append(intake_note)
        if _TELEHEALTH in codes:
            notes.append(TELEHEALTH_NOTE)
        notes.extend(FUNDING_NOTES[c] for c in FUNDING_NOTES if c in codes)
        if _PAYMENT_ASSISTANCE in codes:
            notes.append("Payment assistance available (ask the program for details).")
        if _DEAF_SERVICES in codes:
            notes.append("Services for the deaf and hard of hearing.")
        if street.startswith(_NO_STREET):
            notes.append("The street address is not published; call for directions.")
        languages = [
            "English",
            *_ordered({LANGUAGE_CODES[c] for c in codes & LANGUAGE_CODES.keys()}, LANGUAGES),
        ]
        row = {
            "program_id": "",
            "organization": organization,
            "program_name": _title(organization, program_name, level, city),
            "level_of_care": level.value,
            "street": street,
            "city": city,
            "state": state,
            "zip": zip_code,
            "county": self.county(listing, state),
            "latitude": lat_text,
            "longitude": lon_text,
            "phone": phone,
            "intake_phone": intake_phone,
            "website": self.website(listing),
            "insurance": "; ".join(
                _ordered({INSURANCE_CODES[c] for c in codes & INSURANCE_CODES.keys()}, Insurance)
            ),
            "schedule": "",  # FindTreatment.gov publishes no session times
            # A listing is a site people go to. The telehealth code describes
            # the facility, not this program (see TELEHEALTH_NOTE), so it is
            # never taken to mean a hybrid program.
            "attendance": Attendance.IN_PERSON.value,
            "hours_per_week": "",
            "services": "; ".join(
                _ordered({SERVICE_CODES[c] for c in codes & SERVICE_CODES.keys()}, Service)
            ),
            "populations": "; ".join(_populations(codes)),
            "languages": "; ".join(languages),
            "accepting_new_clients": "",
            "availability_as_of": "",
            "intake": "",
            # Listed by SAMHSA on the download date; nobody has confirmed it.
            "listed_as_of": self.listed_as_of,
            "last_verified": "",
            "source": SOURCE,
            "notes": " ".join(notes),
        }
        row = {name: row.get(name, "") for name in COLUMN_NAMES}  # the template's order
        org_key = _org_key(organization)
        street_key = _street_key(listing.get("street1") or street)
        row["program_id"] = _program_id(org_key, street_key, zip_code, level)
        corrected = any(
            c["row"] == listing.row and c["column"] == "state" for c in self.corrections
        )
        return _Candidate(listing, level, row, org_key, street_key, corrected)


def _is_place_name(text: str) -> bool:
    from finder.gazetteer import default_gazetteer

    if text.strip().casefold() in _STATE_NAMES:
        return True
    try:
        return default_gazetteer().lookup_town(text) is not None
    except ValueError:
        return False


def _title(organization: str, name: str, level: LevelOfCare, city: str) -> str:
    """Return a card title that says which program this is.

    ``name2`` is kept when it names something ("Salem Clinic", "Familias Unidas
    Outpatient Program"), with a "DBA" prefix stripped. A town or region
    ("Worcester", "Cape Cod"), the state, a generic word ("Outpatient",
    "Satellite") or a repeat of the organization is not a title: then the
    title is the program kind, the organization and the town.
    """
    name = _DBA.sub("", name).strip()
    words = _words(name)
    generic = not words or all(w in _GENERIC_NAME_WORDS for w in words)
    if generic or _org_key(name) == _org_key(organization) or _is_place_name(name):
        return f"{_KIND[level]} at {_DBA.sub('', organization).strip()}, {city}"
    return name


def _non_iop_reason(listing: _Listing) -> str:
    """Why a listing is probably not an IOP one attends, or ``""``."""
    names = " ".join(n for n in (listing.get("name1"), listing.get("name2")) if n)
    for pattern, reason in NON_IOP_HINTS:
        if pattern.search(names):
            return reason
    return ""


def _ordered(values: Iterable[str], order: Iterable[str]) -> list[str]:
    wanted = set(values)
    return [str(v) for v in order if str(v) in wanted]


def _populations(codes: frozenset[str]) -> list[str]:
    found = {POPULATION_CODES[c] for c in codes & POPULATION_CODES.keys()}
    genders = [p for c, p in _GENDER_CODES.items() if c in codes]
    # "Gender accepted: Female, Male" says nothing a searcher can use; a
    # listing that accepts one gender only is a women's or men's program.
    if len(genders) == 1:
        found.add(genders[0])
    return _ordered(found, Population)


# --------------------------------------------------------------------------- merging

_SAME_SITE_DEGREES = 0.0005  # about 50 m: one building, however the street is written


def _same_site(a: _Candidate, b: _Candidate) -> bool:
    if (a.level, a.org_key, a.row["zip"]) != (b.level, b.org_key, b.row["zip"]):
        return False
    if a.street_key and a.street_key == b.street_key:
        return True
    lat_a, lon_a = _float(a.row["latitude"]), _float(a.row["longitude"])
    lat_b, lon_b = _float(b.row["latitude"]), _float(b.row["longitude"])
    if None in (lat_a, lon_a, lat_b, lon_b):
        return False
    return (
        abs(lat_a - lat_b) <= _SAME_SITE_DEGREES  # type: ignore[operator]
        and abs(lon_a - lon_b) <= _SAME_SITE_DEGREES  # type: ignore[operator]
    )


def _preference(candidate: _Candidate) -> tuple[int, int, int, int]:
    """Sort key: the listing to keep when a site is listed more than once."""
    kind = candidate.listing.get("type_facility").upper()
    return (
        int(candidate.corrected),  # a listing that needed no repair first
        int(kind not in {"SU", "SA"}),  # then the substance-use listing
        -len(candidate.listing.codes),  # then the fuller one
        candidate.listing.row,
    )


def _merge(candidates: list[_Candidate]) -> tuple[list[dict[str, str]], list[dict[str, Any]]]:
    clusters: list[list[_Candidate]] = []
    for candidate in candidates:
        for cluster in clusters:
            if any(_same_site(candidate, member) for member in cluster):
                cluster.append(candidate)
                break
        else:
            clusters.append([candidate])
    rows: list[dict[str, str]] = []
    merged: list[dict[str, Any]] = []
    used_ids: set[str] = set()
    for cluster in clusters:
        ranked = sorted(cluster, key=_preference)
        row = dict(ranked[0].row)
        # Fill only what the kept listing lacks; its services stay its own,
        # because another listing may describe an older survey or another service.
        for other in ranked[1:]:
            for column in ("intake_phone", "website", "county", "latitude", "longitude"):
                if not row[column] and other.row[column]:
                    row[column] = other.row[column]
            if not row["latitude"] or not row["longitude"]:
                row["latitude"], row["longitude"] = other.row["latitude"], other.row["longitude"]
        base, suffix = row["program_id"], 2
        while row["program_id"] in used_ids:
            row["program_id"] = f"{base}-{suffix}"
            suffix += 1
        used_ids.add(row["program_id"])
        rows.append(row)
        if len(cluster) > 1:
            merged.append(
                {
                    "program_id": row["program_id"],
                    "organization": row["organization"],
                    "rows": sorted(c.listing.row for c in cluster),
                    "kept": ranked[0].listing.row,
                }
            )
    return rows, merged


# --------------------------------------------------------------------------- public API


def _date_from_name(file_name: str | None) -> dt.date | None:
    if not file_name:
        return None
    for match in _DATE_IN_NAME.finditer(Path(file_name).name):
        try:
            return dt.date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            continue
    return None


def _read_source(source: Path | str | bytes, max_bytes: int) -> tuple[bytes, str | None]:
    data, error = read_limited(source, max_bytes)
    if error is not None or data is None:
        raise DataError(f"cannot use {source if isinstance(source, str | Path) else 'upload'}: "
                        f"{error}", error or "The file could not be read.")
    return data, None if isinstance(source, bytes) else Path(source).name


def import_findtreatment(
    source: Path | str | bytes,
    *,
    setting: str = "oit",
    as_of: dt.date | None = None,
    file_name: str | None = None,
    today: dt.date | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> ImportResult:
    """Turn a FindTreatment.gov download or locator API response into provider CSV rows.

    Parameters
    ----------
    source : Path, str or bytes
        The file, or its bytes (an upload). CSV or JSON is told from the content.
    setting : str
        Which outpatient settings to import: ``"oit"`` (intensive outpatient,
        the default), ``"odt"``, ``"ort"``, ``"op"``, several joined with
        commas, or ``"all"``. ``oit`` becomes IOP, ``odt`` PHP, ``ort`` and
        ``op`` OP. A site with several selected settings gives one program per
        level of care.
    as_of : datetime.date, optional
        The download date, written to ``listed_as_of`` (``last_verified``
        stays empty: a listing is not a confirmation). Defaults to the date
        in the file name (``..._2025-08-19.csv`` or ``..._2025_08_19_150020``).
    file_name : str, optional
        The original file name, to find the date in when ``source`` is bytes.
    today : datetime.date, optional
        For the "not in the future" check of the date; defaults to today.
    max_bytes : int
        Refuse a larger file: the one upload and size limit
        (``Settings.upload_max_bytes``).

    Returns
    -------
    ImportResult
        The rows and the summary; rows that cannot be imported are listed in
        ``summary["skipped"]`` and never stop the import.

    Raises
    ------
    DataError
        When the input is not a FindTreatment.gov file at all, cannot be read,
        has no date, or ``setting`` is unknown. ``user_message`` says what to do.
    """
    settings = parse_settings(setting)
    data, path_name = _read_source(source, max_bytes)
    if not data.strip():
        raise DataError("empty input", "The file is empty.")
    kind = _format_of(data)
    if kind is None:
        raise DataError(
            "not a FindTreatment.gov file",
            "This is not a FindTreatment.gov download: expected the CSV from the "
            "site's Download button (its header starts with name1, name2, street1) "
            "or a locator API JSON response.",
        )
    listed_as_of = as_of or _date_from_name(file_name or path_name)
    if listed_as_of is None:
        raise DataError(
            "no download date",
            "The download date is unknown: give it with --as-of YYYY-MM-DD "
            "(the file name has no date such as 2025-08-19).",
        )
    if listed_as_of > (today or dt.date.today()):
        raise DataError(
            f"download date {listed_as_of} is in the future",
            f"The download date {listed_as_of.isoformat()} is in the future; "
            "give the day the file was downloaded.",
        )
    listings = _read_json(data) if kind == "json" else _read_csv(data)
    log.debug("read %d FindTreatment.gov listings (%s)", len(listings), kind)
    if kind == "csv" and listings and not any(s in _listing_columns(data) for s in settings):
        raise DataError(
            f"no column for settings {settings}",
            f"The file has no {' or '.join(settings)} column, so no listing can be "
            "selected. Is it a complete FindTreatment.gov download?",
        )

    mapper = _Mapper(listed_as_of)
    candidates: list[_Candidate] = []
    skipped: list[dict[str, Any]] = []
    not_selected = 0
    for listing in listings:
        if not listing.fields:
            skipped.append({"row": listing.row, "reason": "the row is not an object"})
            continue
        levels = _levels(listing, settings) if _offers_substance_use(listing) else []
        if not levels:
            not_selected += 1
            continue
        corrections_before = len(mapper.corrections)
        try:
            for level in levels:
                # Repairs repeat once per level; _dedupe reports them once.
                candidates.append(mapper.map(listing, level))
        except _Skip as skip:
            del mapper.corrections[corrections_before:]
            candidates = [c for c in candidates if c.listing is not listing]
            skipped.append({"row": listing.row, "reason": f"skipped: {skip}"})
    corrections = _dedupe(mapper.corrections)
    rows, merged = _merge(candidates)
    kept = {row["program_id"]: row for row in rows}
    review: list[dict[str, Any]] = []
    for candidate in candidates:
        reason = _non_iop_reason(candidate.listing)
        program_id = candidate.row["program_id"]
        if reason and program_id in kept and all(r["program_id"] != program_id for r in review):
            review.append({"row": candidate.listing.row, "program_id": program_id,
                           "organization": kept[program_id]["organization"], "reason": reason})
    summary: dict[str, Any] = {
        "format": kind,
        "setting": ",".join(settings) if settings != SETTING_CODES else "all",
        "listed_as_of": listed_as_of.isoformat(),
        "read": len(listings),
        "imported": len(rows),
        "not_selected": not_selected,
        "corrected": corrections,
        "merged": merged,
        "skipped": skipped,
        "review": review,
    }
    return ImportResult(rows, summary)


def _dedupe(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: set[tuple[object, ...]] = set()
    out = []
    for item in items:
        key = tuple(item.values())
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


def _listing_columns(data: bytes) -> set[str]:
    first = _head_text(data).split("\n", 1)[0]
    return {cell.strip().strip('"').casefold() for cell in first.split(",")}


def write_csv(rows: Sequence[dict[str, str]], path_or_file: Path | str | IO[str]) -> None:
    """Write provider CSV rows with the template's header.

    Parameters
    ----------
    rows : sequence of dict
        Rows keyed by ``finder.schema.COLUMN_NAMES`` (missing keys are empty).
    path_or_file : Path, str or text file
        Where to write. A path is replaced atomically, so a failed write never
        leaves half a file; a new file is readable by all (mode 0644).
    """
    if not isinstance(path_or_file, (str, Path)):
        _write_rows(rows, path_or_file)
        return
    # The one atomic write (temporary file, fsync, rename), which also makes
    # the file 0644 like every published file: mkstemp alone gives 0600.
    from finder.store.atomic import atomic_write

    buffer = io.StringIO(newline="")
    _write_rows(rows, buffer)
    atomic_write(Path(path_or_file), buffer.getvalue().encode("utf-8"))


def dataset_meta(result: ImportResult, file_name: str) -> dict[str, Any]:
    """Return the ``providers.meta.json`` of an imported dataset.

    Deterministic (no clock), so the same download always gives the same bytes.

    Parameters
    ----------
    result : ImportResult
        What ``import_findtreatment`` returned.
    file_name : str
        The download's file name, recorded as ``imported_from``.

    Returns
    -------
    dict
        ``sample`` (false), ``title``, ``source`` ("SAMHSA, FindTreatment.gov"),
        ``data_as_of`` (the download date), ``version``, ``programs``,
        ``imported_from``, ``setting`` and ``review`` (listings flagged as
        probably not an IOP, with the reason).
    """
    as_of = result.summary["listed_as_of"]
    return {
        "sample": False,
        "title": "Massachusetts intensive outpatient programs listed on FindTreatment.gov",
        "source": SOURCE,
        "data_as_of": as_of,
        "version": f"findtreatment-{as_of}",
        "programs": len(result.rows),
        "imported_from": Path(file_name).name,
        "setting": result.summary["setting"],
        "review": list(result.summary.get("review", [])),
    }


def write_meta_file(meta: dict[str, Any], path: Path | str) -> None:
    """Write dataset metadata as JSON, atomically and readable by all (0644).

    Parameters
    ----------
    meta : dict
        E.g. ``dataset_meta(...)``.
    path : Path or str
        Where to write, e.g. ``data/providers.meta.json``.
    """
    from finder.store.atomic import atomic_write

    text = json.dumps(meta, indent=2, ensure_ascii=False) + "\n"
    atomic_write(Path(path), text.encode("utf-8"))


def _write_rows(rows: Sequence[dict[str, str]], out: IO[str]) -> None:
    writer = csv.DictWriter(
        out, fieldnames=list(COLUMN_NAMES), extrasaction="ignore", lineterminator="\n"
    )
    writer.writeheader()
    for row in rows:
        writer.writerow({name: row.get(name, "") for name in COLUMN_NAMES})


def summary_text(summary: dict[str, Any]) -> str:
    """Return an import summary as plain sentences for the admin.

    Parameters
    ----------
    summary : dict
        ``ImportResult.summary``.

    Returns
    -------
    str
    """
    what = {"csv": "FindTreatment.gov download", "json": "FindTreatment.gov locator response"}
    lines = [
        f"{what.get(summary['format'], 'File')}: {summary['read']} listings read, "
        f"{summary['imported']} programs imported (setting: {summary['setting']}; "
        f"{summary['not_selected']} other listings left out: other settings or mental health only). "
        f"Listed as of {summary['listed_as_of']} (listed_as_of); last_verified left empty: "
        "nobody has confirmed these programs yet.",
    ]
    for item in summary["corrected"]:
        lines.append(
            f"corrected row {item['row']}, {item['column']}: {item['old']!r} -> {item['new']!r} "
            f"({item['reason']})"
        )
    for item in summary["merged"]:
        rows = ", ".join(str(r) for r in item["rows"])
        lines.append(
            f"merged rows {rows} (one site of {item['organization']}) into {item['program_id']}, "
            f"keeping row {item['kept']}"
        )
    for item in summary["skipped"]:
        lines.append(f"row {item['row']}: {item['reason']}")
    for item in summary.get("review", []):
        lines.append(
            f"review row {item['row']} ({item['organization']}, {item['program_id']}): "
            f"probably not an IOP: {item['reason']}. It is imported with a note saying so; "
            "remove it if the program confirms it runs no IOP."
        )
    return "\n".join(lines)

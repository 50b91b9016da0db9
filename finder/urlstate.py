"""Search state <-> URL query parameters, as pure functions.

The search page keeps all of its state in the URL so a search can be bookmarked
or sent. Each widget's key is its URL parameter. Privacy rule: a typed street
address never goes into the URL. The typed text goes in only when it is plainly
a ZIP code or a place name the offline gazetteer knows (``place_text_for_url``,
a whitelist); anything else goes in only as coordinates rounded to about 1 km
(2 decimals of a degree is ~1.1 km north-south).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from finder.errors import GeocodeNotFound
from finder.model import LANGUAGES, MOUD, Attendance, Insurance, LevelOfCare, Population
from finder.schedule import PartOfDay
from finder.search import DEFAULT_RADIUS_MILES, RADIUS_CHOICES, SortOrder
from finder.untrusted import printable

if TYPE_CHECKING:
    from finder.gazetteer import Gazetteer

__all__ = [
    "FIELDS",
    "Field",
    "decode_params",
    "encode_state",
    "format_coords",
    "parse_page",
    "parse_program_id",
    "place_text_for_url",
    "round_coords",
]


@dataclass(frozen=True, slots=True)
class Field:
    """One piece of search state: its URL key, kind and default."""

    key: str
    kind: str  # "str", "list", "bool", "int"
    default: object
    allowed: tuple[str, ...] = ()


#: The half-hour times the availability boxes offer (06:00 to 23:30).
TIMES: tuple[str, ...] = tuple(f"{h:02d}:{m:02d}" for h in range(6, 24) for m in (0, 30))
#: The URL's word for "no limit" (radius, attendance).
ANY = "any"
#: The vocabularies of the search form, derived from the enums of the search.
RADII: tuple[str, ...] = (*(str(r) for r in RADIUS_CHOICES), ANY)
PARTS_OF_DAY: tuple[str, ...] = tuple(str(p) for p in PartOfDay)
#: OpenStreetMap opening_hours day codes, Monday first (the availability syntax).
DAYS: tuple[str, ...] = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
#: Hybrid programs match either way, so a person chooses between these two.
ATTENDANCE: tuple[str, ...] = (ANY, str(Attendance.IN_PERSON), str(Attendance.TELEHEALTH))
SORTS: tuple[str, ...] = tuple(str(s) for s in SortOrder)
#: The levels the form offers (OP is not an intensive program).
LEVELS: tuple[str, ...] = tuple(str(v) for v in (LevelOfCare.IOP, LevelOfCare.SOAP, LevelOfCare.PHP))

FIELDS: tuple[Field, ...] = (
    Field("q", "str", ""),
    Field("at", "str", ""),  # "lat,lon" rounded, for device location or a street address
    Field("radius", "str", str(DEFAULT_RADIUS_MILES), RADII),
    Field("ins", "list", (), tuple(str(i) for i in Insurance)),
    Field("when", "list", (), PARTS_OF_DAY),
    Field("days", "list", (), DAYS),
    Field("from", "str", "", TIMES),
    Field("to", "str", "", TIMES),
    Field("moud", "list", (), tuple(sorted(str(s) for s in MOUD))),
    Field("co", "bool", False),
    Field("pop", "list", (), tuple(str(p) for p in Population)),
    # Languages a program speaks. ``lang`` is the page's own language (lang=es,
    # finder.ui.i18n); links made before issue 15 said lang=Spanish, which
    # decode_params still reads as this filter.
    Field("speaks", "list", (), tuple(x for x in LANGUAGES if x != "English")),
    Field("att", "str", ANY, ATTENDANCE),
    Field("acc", "bool", False),
    Field("unk", "bool", False),
    Field("sort", "str", str(SortOrder.DISTANCE), SORTS),
    # Level of care: IOP and SOAP unless the person asks for more (issue 18).
    # "level=any" is how a link says "every level" (an empty list would read as the default).
    Field("level", "list", LEVELS[:2], LEVELS),
    Field("page", "int", 1),
    Field("sl", "list", ()),  # shortlist program ids
)
_BY_KEY = {f.key: f for f in FIELDS}
_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
# ASCII digits only: str.isdigit() also accepts "²" and "٣", which int() then
# refuses or reads differently (issue 17, defect 5).
_PAGE = re.compile(r"[1-9][0-9]{0,3}", re.ASCII)
_MAX_TEXT = 200


def _listify(value: object) -> list[str]:
    raw = value if isinstance(value, (list, tuple)) else [value]
    items = [part for v in raw if v not in (None, "") for part in str(v)[:4000].split(",")]
    return list(dict.fromkeys(i.strip() for i in items if i.strip()))[:50]


def parse_page(text: object) -> int | None:
    """Return a page number from ``?page=``: ASCII digits 1 to 9999, else None.

    Parameters
    ----------
    text : object

    Returns
    -------
    int or None
    """
    value = str(text).strip()
    return int(value) if _PAGE.fullmatch(value) else None


def decode_params(params: Mapping[str, object]) -> dict[str, object]:
    """Turn URL parameters into widget state, dropping anything unknown or malformed.

    Every value goes through one strict parser for its kind: list items and
    choices must be one of the field's allowed values, a page number is ASCII
    digits, coordinates are two decimal numbers, and free text (``q``) is
    cut to 200 characters with control characters removed. Never raises.

    Parameters
    ----------
    params : Mapping[str, object]
        ``st.query_params`` as a dict: strings, or lists of strings.

    Returns
    -------
    dict
        Only the keys present and valid; callers fall back to defaults.
    """
    state: dict[str, object] = {}
    if "lang" in params and "speaks" not in params:
        # An older link: lang=Spanish meant the language filter (a page
        # language code such as "es" is not a language name, so it is dropped).
        params = {**params, "speaks": params["lang"]}
    for key, raw in params.items():
        spec = _BY_KEY.get(key)
        if spec is None:
            continue
        if spec.kind == "list":
            items = _listify(raw)
            if spec.allowed:
                items = [i for i in items if i in spec.allowed]
            if key == "sl":
                items = [i for i in items if _ID.fullmatch(i)]
            state[key] = items
            continue
        value = raw[-1] if isinstance(raw, (list, tuple)) and raw else raw
        if isinstance(raw, (list, tuple)) and not raw:
            continue
        text = printable(str(value)[:_MAX_TEXT]).strip() if value is not None else ""
        if spec.kind == "bool":
            state[key] = text.lower() in {"1", "true", "yes", "on"}
        elif spec.kind == "int":
            page = parse_page(text)
            if page is not None:
                state[key] = page
        elif not spec.allowed or text in spec.allowed:
            if key == "at":
                # A hand-made link may carry full precision: keep only ~1 km.
                coords = round_coords(text)
                if coords is None:
                    continue
                text = format_coords(*coords)
            state[key] = text
    return state


def encode_state(state: Mapping[str, object]) -> dict[str, str]:
    """Turn widget state into URL parameters, leaving out defaults.

    Lists are joined with commas and coordinates in ``at`` are rounded to
    about 1 km. The caller must already have replaced typed text in ``q`` that
    ``place_text_for_url`` does not allow.
    """
    params: dict[str, str] = {}
    for spec in FIELDS:
        value = state.get(spec.key, spec.default)
        if spec.key == "at" and value:
            coords = round_coords(str(value))
            value = format_coords(*coords) if coords else ""
        if spec.kind == "list":
            items = _listify(value)
            if spec.default and sorted(items) == sorted(_listify(spec.default)):
                continue
            if items:
                params[spec.key] = ",".join(items)
            elif spec.default:
                params[spec.key] = "any"
        elif spec.kind == "bool":
            if value:
                params[spec.key] = "1"
        elif value not in (None, "") and str(value) != str(spec.default):
            params[spec.key] = str(value)
    return params


_ZIP_ONLY = re.compile(r"(\d{5})(?:\s?-\s?\d{4})?")
_TRAILING_ZIP = re.compile(r"(?:\s*,\s*|\s+)(\d{5})(?:\s?-\s?\d{4})?$")
_TRAILING_STATE = re.compile(r"(?:\s*,\s*|\s+)(?:MA|Mass\.?|Massachusetts)$", re.IGNORECASE)
# Place names: letters, spaces and the punctuation of names ("Manchester-by-the-Sea",
# "Martha's Vineyard", "Mt. Washington", "Hyannis (Barnstable)"). No digits, no "#".
_NAME_CHARS = re.compile(r"[^\W\d_]+(?:[ .'’()-]+[^\W\d_]+)*[.)]?")
_MAX_URL_TEXT = 80


def place_text_for_url(text: str, gazetteer: Gazetteer | None = None) -> str | None:
    """Return what of the typed text may go into a URL, or None for nothing.

    A whitelist, so that no form of street address slips through: only a
    plain ZIP code (ZIP+4 is cut to five digits), or one or two place names
    the offline gazetteer knows ("Worcester", "Hyannis, Barnstable",
    "Dorchester (Boston), MA"), optionally followed by "MA" and a ZIP code.
    Everything else ("100 5th Street, Boston", "Main St Apt 3, Boston",
    a misspelled town) returns None: the caller puts rounded coordinates in
    the URL instead.

    Parameters
    ----------
    text : str
        What the person typed.
    gazetteer : Gazetteer, optional
        Defaults to the package's offline gazetteer.

    Returns
    -------
    str or None
        The text to put in the URL, with spaces tidied and ZIP+4 cut to five digits.
    """
    cleaned = " ".join(str(text or "").split())
    if not cleaned or len(cleaned) > _MAX_URL_TEXT:
        return None
    zip_only = _ZIP_ONLY.fullmatch(cleaned)
    if zip_only:
        return zip_only.group(1)
    rest, zip_code = cleaned, None
    trailing_zip = _TRAILING_ZIP.search(rest)
    if trailing_zip:
        rest, zip_code = rest[: trailing_zip.start()], trailing_zip.group(1)
    rest = _TRAILING_STATE.sub("", rest)
    names = [part.strip() for part in rest.split(",")]
    if len(names) > 2 or not all(_NAME_CHARS.fullmatch(name) for name in names):
        return None
    if gazetteer is None:
        from finder.gazetteer import default_gazetteer

        gazetteer = default_gazetteer()
    if zip_code is not None and gazetteer.lookup_zip(zip_code) is None:
        return None
    if not all(_is_known_place(name, gazetteer) for name in names):
        return None
    return re.sub(r"(\d{5})\s?-\s?\d{4}", r"\1", cleaned)


def _is_known_place(name: str, gazetteer: Gazetteer) -> bool:
    try:
        return gazetteer.lookup_town(name) is not None
    except GeocodeNotFound:  # a name several places share is still a place name
        return True


def format_coords(lat: float, lon: float) -> str:
    """Return ``"lat,lon"`` with 2 decimals (~1 km), the only form coordinates take in a URL."""
    return f"{lat:.2f},{lon:.2f}"


def round_coords(text: str) -> tuple[float, float] | None:
    """Parse ``"lat,lon"`` and round to 2 decimals (~1 km); None if not coordinates."""
    match = re.fullmatch(r"\s*(-?\d{1,2}(?:\.\d{1,12})?)\s*,\s*(-?\d{1,3}(?:\.\d{1,12})?)\s*", text,
                         flags=re.ASCII)
    if not match:
        return None
    lat, lon = float(match.group(1)), float(match.group(2))
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return round(lat, 2), round(lon, 2)


def parse_program_id(raw: object) -> str | None:
    """Return the program id of ``/program?id=...``, or None when it is not one.

    The same strict rule as the shortlist's ids (``sl``): 1 to 64 letters,
    digits, ``.``, ``_`` or ``-``. With several values the last one counts.

    Parameters
    ----------
    raw : object
        ``st.query_params.get_all("id")`` (a list) or a single string.

    Returns
    -------
    str or None
    """
    values = raw if isinstance(raw, (list, tuple)) else [raw]
    if not values or values[-1] is None:
        return None
    text = str(values[-1]).strip()
    return text if _ID.fullmatch(text) else None

"""Search state <-> URL query parameters, as pure functions.

The search page keeps all of its state in the URL so a search can be bookmarked
or sent. Each widget's key is its URL parameter. Privacy rule: a typed street
address never goes into the URL; only a ZIP code, a town or place name, or
coordinates rounded to about 1 km (2 decimals of a degree is ~1.1 km north-south).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["FIELDS", "Field", "decode_params", "encode_state", "is_street_address", "round_coords"]


@dataclass(frozen=True, slots=True)
class Field:
    """One piece of search state: its URL key, kind and default."""

    key: str
    kind: str  # "str", "list", "bool", "int"
    default: object
    allowed: tuple[str, ...] = ()


FIELDS: tuple[Field, ...] = (
    Field("q", "str", ""),
    Field("at", "str", ""),  # "lat,lon" rounded, for device location or a street address
    Field("radius", "str", "25", ("5", "10", "25", "50", "100", "any")),
    Field("ins", "list", ()),
    Field("when", "list", (), ("morning", "afternoon", "evening", "weekend")),
    Field("days", "list", ()),
    Field("from", "str", ""),
    Field("to", "str", ""),
    Field("moud", "list", ()),
    Field("co", "bool", False),
    Field("pop", "list", ()),
    Field("lang", "list", ()),
    Field("att", "str", "any", ("any", "in-person", "telehealth")),
    Field("acc", "bool", False),
    Field("unk", "bool", False),
    Field("sort", "str", "distance", ("distance", "verified", "fit")),
    Field("page", "int", 1),
    Field("sl", "list", ()),  # shortlist program ids
)
_BY_KEY = {f.key: f for f in FIELDS}
_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def _listify(value: object) -> list[str]:
    raw = value if isinstance(value, (list, tuple)) else [value]
    items = [part for v in raw if v not in (None, "") for part in str(v).split(",")]
    return [i.strip() for i in items if i.strip()][:50]


def decode_params(params: Mapping[str, object]) -> dict[str, object]:
    """Turn URL parameters into widget state, dropping anything unknown or malformed.

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
        text = str(value)[:200]
        if spec.kind == "bool":
            state[key] = text.lower() in {"1", "true", "yes", "on"}
        elif spec.kind == "int":
            if text.isdigit() and 0 < int(text) < 10_000:
                state[key] = int(text)
        elif not spec.allowed or text in spec.allowed:
            if key == "at" and round_coords(text) is None:
                continue
            state[key] = text
    return state


def encode_state(state: Mapping[str, object]) -> dict[str, str]:
    """Turn widget state into URL parameters, leaving out defaults.

    Lists are joined with commas. The caller must already have replaced a
    street address in ``q`` (see ``is_street_address``).
    """
    params: dict[str, str] = {}
    for spec in FIELDS:
        value = state.get(spec.key, spec.default)
        if spec.kind == "list":
            items = _listify(value)
            if items:
                params[spec.key] = ",".join(items)
        elif spec.kind == "bool":
            if value:
                params[spec.key] = "1"
        elif value not in (None, "") and str(value) != str(spec.default):
            params[spec.key] = str(value)
    return params


def is_street_address(text: str) -> bool:
    """Whether typed text looks like a street address (a house number then a word).

    A bare ZIP ("02139") or a town ("Worcester, MA 01608") is not.
    """
    cleaned = re.sub(r"\b\d{5}(?:-\d{4})?\b", "", text)
    return bool(re.search(r"(^|[\s,])\d+[A-Za-z]?\s+[A-Za-z]", cleaned))


def round_coords(text: str) -> tuple[float, float] | None:
    """Parse ``"lat,lon"`` and round to 2 decimals (~1 km); None if not coordinates."""
    match = re.fullmatch(r"\s*(-?\d{1,2}(?:\.\d+)?)\s*,\s*(-?\d{1,3}(?:\.\d+)?)\s*", text)
    if not match:
        return None
    lat, lon = float(match.group(1)), float(match.group(2))
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return round(lat, 2), round(lon, 2)

"""The search engine: which programs near me take my insurance and meet when I can attend.

Pure and fast: no Streamlit, no folium, no I/O. A ``Catalog`` is built once
from the loaded programs; it keeps the coordinates as numpy arrays sorted by
latitude and every filterable field as a per-program bitmask, so a query is a
binary search for the latitude band, a few vectorised bit tests, and a numpy
haversine over what is left (``../shared/NOTES.md`` section 7 measured numpy
haversine as the fastest option at every size).

Filter rules
------------
* Within a group (insurance, parts of day, services, ...) any selected value
  matches; across groups every group must match.
* Insurance: a program that lists only "Private insurance" matches a named
  commercial plan, with the note "call to confirm your plan".
* Level of care: IOP also matches SOAP (Massachusetts' structured outpatient
  programs).
* Attendance: a hybrid program counts as both in-person and telehealth.
* Schedules: a program whose schedule is not listed is left out by any
  schedule filter (parts of day, availability) but counted, unless the query
  asks to include it; it is then marked "schedule not listed: call to ask".
* Programs without coordinates cannot be placed and are skipped.

Distances are great-circle (haversine) miles on a sphere of the mean Earth
radius; they differ from geodesic (WGS84) distances by at most about 0.5 %.
"""

from __future__ import annotations

import enum
import functools
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from finder.errors import FinderError, Say
from finder.geo import EARTH_RADIUS_MILES, MILES_PER_DEGREE_LAT, haversine_miles
from finder.model import (
    LANGUAGES,
    NAMED_COMMERCIAL_PLANS,
    Accepting,
    Attendance,
    Insurance,
    LatLon,
    LevelOfCare,
    Population,
    Program,
    Service,
)
from finder.provenance import provenance_fields
from finder.schedule import (
    Fit,
    PartOfDay,
    ScheduleError,
    Session,
    fit_availability,
    schedule_in_words,
    try_weekly_schedule,
    weekly_schedule,
)

__all__ = [
    "EARTH_RADIUS_MILES",
    "INSURANCE_BITS",
    "LANGUAGE_BITS",
    "LEVEL_BITS",
    "PART_BITS",
    "POPULATION_BITS",
    "RADIUS_CHOICES",
    "SERVICE_BITS",
    "Catalog",
    "Fit",
    "Match",
    "Matches",
    "PartOfDay",
    "QueryError",
    "Reason",
    "SearchQuery",
    "SearchResult",
    "SortOrder",
    "attendance_code",
    "describe",
    "filter_clauses",
    "haversine_miles",
    "mask_of",
    "search",
]

_MILES_PER_DEGREE_LAT = MILES_PER_DEGREE_LAT

#: The radii a person can choose; ``None`` means any distance.
RADIUS_CHOICES: tuple[int, ...] = (5, 10, 25, 50, 100)
DEFAULT_RADIUS_MILES = 25

# Bit layouts of the catalog's per-program masks: bit i is vocabulary[i].
INSURANCE_BITS: tuple[Insurance, ...] = tuple(Insurance)
LEVEL_BITS: tuple[LevelOfCare, ...] = tuple(LevelOfCare)
SERVICE_BITS: tuple[Service, ...] = tuple(Service)
POPULATION_BITS: tuple[Population, ...] = tuple(Population)
LANGUAGE_BITS: tuple[str, ...] = LANGUAGES
PART_BITS: tuple[PartOfDay, ...] = tuple(PartOfDay)
_IN_PERSON, _TELEHEALTH = 1, 2

NO_SCHEDULE_REASON = "schedule not listed: call to ask"
CONFIRM_PLAN = "call to confirm your plan"


class QueryError(FinderError, ValueError):
    """A search query is not valid (bad radius, unknown plan, unreadable availability)."""

    default_user_message = Say("This search can't be run. Check the options and try again.")


class SortOrder(enum.StrEnum):
    """How results are ordered.

    With an availability, full fits always come before partial fits (and those
    before programs with no schedule listed); the sort orders within each tier.
    """

    DISTANCE = "distance"  # nearest first
    VERIFIED = "verified"  # most recently verified first, then nearest
    FIT = "fit"  # most weekly session hours that fit the availability, then nearest


def mask_of(values: Iterable[str], vocabulary: Sequence[str]) -> int:
    """Return the bitmask of ``values`` in ``vocabulary`` (bit i is vocabulary[i]).

    Values not in the vocabulary are ignored.

    Parameters
    ----------
    values : Iterable[str]
        Members to set.
    vocabulary : Sequence[str]
        One of the ``*_BITS`` layouts.

    Returns
    -------
    int
    """
    index = _bit_index(tuple(vocabulary))
    mask = 0
    for value in values:
        bit = index.get(str(value))
        if bit is not None:
            mask |= 1 << bit
    return mask


@functools.lru_cache(maxsize=32)
def _bit_index(vocabulary: tuple[str, ...]) -> dict[str, int]:
    return {str(v): i for i, v in enumerate(vocabulary)}


def attendance_code(attendance: Attendance | str | None) -> int:
    """Return the attendance bits: 1 in person, 2 telehealth, 3 hybrid, 0 unknown."""
    if attendance is None or attendance == "":
        return 0
    return {
        Attendance.IN_PERSON: _IN_PERSON,
        Attendance.TELEHEALTH: _TELEHEALTH,
        Attendance.HYBRID: _IN_PERSON | _TELEHEALTH,
    }[Attendance(attendance)]


# --- The query ---------------------------------------------------------------


def _enum_tuple(kind: type[enum.StrEnum], values: object, what: str) -> tuple[Any, ...]:
    if values is None:
        return ()
    if isinstance(values, str):
        values = (values,)
    items: list[Any] = []
    for value in values:  # type: ignore[attr-defined]
        try:
            member = kind(value)
        except ValueError as err:
            choices = ", ".join(str(m) for m in kind)
            raise QueryError(
                f"unknown {what} {value!r}",
                f"'{value}' is not a {what} we know. Choose from: {choices}.",
            ) from err
        if member not in items:
            items.append(member)
    return tuple(items)


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """What a person is looking for. Immutable; JSON via ``as_dict``/``from_dict``.

    Parameters
    ----------
    origin : LatLon
        Where to measure distance from.
    origin_label : str
        How to name the origin, e.g. ``"Cambridge (02139)"``.
    radius_miles : int or None
        One of ``RADIUS_CHOICES``; None means any distance. Default 25.
    insurance : tuple of Insurance
        Any of these plans.
    sessions : tuple of PartOfDay
        Any of these parts of the day or week.
    available : str
        When the person can attend, as a weekly ``opening_hours`` schedule such
        as ``Mo-Fr 17:30-21:30``; ``""`` for no availability filter.
    include_unknown_schedule : bool
        Keep programs with no schedule listed when a schedule filter is on.
    level_of_care : tuple of LevelOfCare
        Any of these; IOP also matches SOAP. Empty means any level.
    services : tuple of Service
        Any of these (MOUD types, co-occurring mental health care).
    populations : tuple of Population
        Any of these.
    languages : tuple of str
        Any of these (names from ``finder.model.LANGUAGES``).
    attendance : Attendance or None
        In person or telehealth (a hybrid program counts as both); None for any.
    accepting_new_clients : bool
        Only programs that say they are taking new clients.
    sort : SortOrder
        Result order.
    """

    origin: LatLon
    origin_label: str = ""
    radius_miles: int | None = DEFAULT_RADIUS_MILES
    insurance: tuple[Insurance, ...] = ()
    sessions: tuple[PartOfDay, ...] = ()
    available: str = ""
    include_unknown_schedule: bool = False
    level_of_care: tuple[LevelOfCare, ...] = ()
    services: tuple[Service, ...] = ()
    populations: tuple[Population, ...] = ()
    languages: tuple[str, ...] = ()
    attendance: Attendance | None = None
    accepting_new_clients: bool = False
    sort: SortOrder = SortOrder.DISTANCE

    def __post_init__(self) -> None:
        def put(name: str, value: object) -> None:
            object.__setattr__(self, name, value)

        lat, lon = (float(v) for v in self.origin)
        if not (-90 <= lat <= 90 and -180 <= lon <= 180) or math.isnan(lat + lon):
            raise QueryError(
                f"origin must be a valid (lat, lon), got {self.origin!r}",
                "The starting point of this search is not a valid location.",
            )
        put("origin", LatLon(lat, lon))
        if self.radius_miles is not None:
            if self.radius_miles not in RADIUS_CHOICES:
                choices = ", ".join(str(r) for r in RADIUS_CHOICES)
                raise QueryError(
                    f"radius_miles must be one of {choices} or None, got {self.radius_miles!r}",
                    f"Choose a distance of {choices} miles, or any distance.",
                )
            put("radius_miles", int(self.radius_miles))
        put("insurance", _enum_tuple(Insurance, self.insurance, "payment option"))
        put("sessions", _enum_tuple(PartOfDay, self.sessions, "part of the day"))
        put("level_of_care", _enum_tuple(LevelOfCare, self.level_of_care, "level of care"))
        put("services", _enum_tuple(Service, self.services, "service"))
        put("populations", _enum_tuple(Population, self.populations, "population"))
        languages = (self.languages,) if isinstance(self.languages, str) else self.languages
        for language in languages:
            if language not in LANGUAGES:
                raise QueryError(
                    f"unknown language {language!r}",
                    f"'{language}' is not a language we list. Check the spelling.",
                )
        put("languages", tuple(dict.fromkeys(languages)))
        attendance = self.attendance
        if attendance is not None and not isinstance(attendance, Attendance):
            attendance = _enum_tuple(Attendance, attendance, "way to attend")[0]
        put("attendance", attendance)
        put("sort", _enum_tuple(SortOrder, self.sort, "sort order")[0])
        put("available", self.available.strip())
        if self.available:
            try:
                schedule = weekly_schedule(self.available)
            except ScheduleError as err:
                raise QueryError(
                    f"available {self.available!r}: {err}",
                    f"We couldn't read the availability '{self.available}': {err}.",
                ) from err
            if not schedule.sessions:
                raise QueryError(
                    f"available {self.available!r} has no time in it",
                    "The availability has no days and times in it.",
                )
        put("origin_label", str(self.origin_label).strip())
        put("include_unknown_schedule", bool(self.include_unknown_schedule))
        put("accepting_new_clients", bool(self.accepting_new_clients))

    @property
    def filters_schedule(self) -> bool:
        """Whether a schedule filter (parts of day or availability) is on."""
        return bool(self.sessions or self.available)

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON form (plain strings, lists and numbers) for the CLI and URLs."""
        return {
            "origin": {"lat": self.origin.lat, "lon": self.origin.lon},
            "origin_label": self.origin_label,
            "radius_miles": self.radius_miles,
            "insurance": [str(v) for v in self.insurance],
            "sessions": [str(v) for v in self.sessions],
            "available": self.available,
            "include_unknown_schedule": self.include_unknown_schedule,
            "level_of_care": [str(v) for v in self.level_of_care],
            "services": [str(v) for v in self.services],
            "populations": [str(v) for v in self.populations],
            "languages": list(self.languages),
            "attendance": str(self.attendance) if self.attendance else None,
            "accepting_new_clients": self.accepting_new_clients,
            "sort": str(self.sort),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SearchQuery:
        """Build a query from ``as_dict()`` output; missing keys take their defaults.

        Parameters
        ----------
        data : Mapping
            Keys as in ``as_dict``. ``origin`` may be ``{"lat", "lon"}`` or a
            ``[lat, lon]`` pair. Unknown keys are ignored (old bookmarks).

        Returns
        -------
        SearchQuery

        Raises
        ------
        QueryError
            When a value is invalid; ``user_message`` says which.
        """
        origin = data.get("origin")
        try:
            if isinstance(origin, Mapping):
                latlon = LatLon(float(origin["lat"]), float(origin["lon"]))
            else:
                lat, lon = origin  # type: ignore[misc]
                latlon = LatLon(float(lat), float(lon))
        except (KeyError, TypeError, ValueError) as err:
            raise QueryError(
                f"origin must be {{'lat', 'lon'}} or [lat, lon], got {origin!r}",
                "The starting point of this search is missing or not a location.",
            ) from err
        names = set(cls.__dataclass_fields__) - {"origin"}
        kwargs = {name: data[name] for name in names if name in data}
        return cls(origin=latlon, **kwargs)


# --- The catalog -------------------------------------------------------------


class Catalog:
    """All searchable programs, as arrays sorted by latitude. Build once, query often.

    Build with ``Catalog.from_programs(programs)``; ``Catalog.from_arrays`` is
    the fast path for benchmarks that cannot afford a million ``Program``
    objects. Programs without coordinates are skipped (counted in
    ``skipped_no_coordinates``).
    """

    __slots__ = (
        "_accepting",
        "_attendance",
        "_cos_lat",
        "_density",
        "_filter_masks",
        "_insurance",
        "_languages",
        "_lat_base",
        "_lat_deg",
        "_lat_rad",
        "_lat_scale",
        "_lat_table",
        "_latlon_rad",
        "_level",
        "_lon_rad",
        "_parts",
        "_populations",
        "_programs",
        "_row",
        "_schedule",
        "_schedule_hours",
        "_schedule_text",
        "_schedules",
        "_services",
        "_verified",
        "_weekly_hours",
        "_wording",
        "skipped_no_coordinates",
    )

    def __init__(
        self,
        *,
        programs: Sequence[Program],
        latitude: npt.ArrayLike,
        longitude: npt.ArrayLike,
        insurance: npt.ArrayLike,
        level: npt.ArrayLike,
        services: npt.ArrayLike,
        populations: npt.ArrayLike,
        languages: npt.ArrayLike,
        attendance: npt.ArrayLike,
        accepting: npt.ArrayLike,
        last_verified: npt.ArrayLike,
        schedules: Sequence[str],
        schedule_code: npt.ArrayLike,
        skipped_no_coordinates: int = 0,
    ) -> None:
        lat = np.asarray(latitude, dtype=np.float64)
        lon = np.asarray(longitude, dtype=np.float64)
        if lat.shape != lon.shape or lat.ndim != 1:
            raise ValueError("latitude and longitude must be 1-D arrays of the same length")
        if len(programs) != len(lat):
            raise ValueError(f"got {len(programs)} programs for {len(lat)} coordinates")
        order = np.argsort(lat, kind="stable")
        self._programs = programs
        self._row = order
        self._lat_deg = lat[order]
        self._lat_rad = np.radians(self._lat_deg)
        self._lon_rad = np.radians(lon[order])
        self._cos_lat = np.cos(self._lat_rad)
        # Latitude and longitude side by side: one subtraction and one sine for both.
        self._latlon_rad = np.column_stack([self._lat_rad, self._lon_rad])

        def column(values: npt.ArrayLike, dtype: type) -> npt.NDArray[Any]:
            array: npt.NDArray[Any] = np.asarray(values, dtype=dtype)
            if array.shape != lat.shape:
                raise ValueError(f"every column needs {len(lat)} values, got {array.shape}")
            return array[order]

        self._insurance = column(insurance, np.uint32)
        self._level = column(level, np.uint8)
        self._services = column(services, np.uint8)
        self._populations = column(populations, np.uint16)
        self._languages = column(languages, np.uint64)
        self._attendance = column(attendance, np.uint8)
        self._accepting = column(accepting, np.bool_)
        self._verified = column(last_verified, np.int32)
        self._schedule = column(schedule_code, np.int32)
        # Per distinct schedule: parsed once, then shared by every program using it.
        self._schedules = tuple(schedules)
        parsed = [try_weekly_schedule(text) for text in self._schedules]
        self._schedule_text = tuple(
            schedule_in_words(text) if p is not None else "Schedule not listed"
            for text, p in zip(self._schedules, parsed, strict=True)
        )
        self._schedule_hours = np.array(
            [p.hours_per_week if p is not None else -1.0 for p in parsed] + [-1.0]
        )
        # The same, never below 0, as floats a match takes (code -1: the last).
        self._weekly_hours: list[float] = np.maximum(self._schedule_hours, 0.0).tolist()
        part_masks = np.array(
            [mask_of(p.parts, PART_BITS) if p is not None else 0 for p in parsed] + [0],
            dtype=np.uint8,
        )
        # An unreadable schedule is as good as none: code -1 (it indexes the
        # trailing sentinel entries above).
        unknown = np.array([p is None for p in parsed] + [True])
        self._schedule = np.where(unknown[self._schedule], -1, self._schedule).astype(np.int32)
        self._parts = part_masks[self._schedule]
        self.skipped_no_coordinates = int(skipped_no_coordinates)
        # A coarse index of the sorted latitudes as a plain list: a radius's
        # latitude band is two list lookups, not two binary searches.
        self._lat_base, self._lat_scale, self._lat_table = _latitude_table(self._lat_deg)
        # Per filter value(s), which rows pass: computed on first use, then shared.
        self._filter_masks: dict[tuple[str, int], npt.NDArray[np.bool_]] = {}
        # Programs per cell of a coarse grid, made when "any distance" first needs it.
        self._density: dict[tuple[int, int], int] | None = None
        # Reasons worded per set of filters, then per program attributes.
        self._wording: dict[tuple[Any, ...], dict[tuple[int, ...], _Wording]] = {}

    @classmethod
    def from_programs(cls, programs: Iterable[Program]) -> Catalog:
        """Build a catalog from loaded programs.

        Parameters
        ----------
        programs : Iterable[Program]
            Typically ``load_programs(path).programs``. Programs without
            coordinates are skipped.

        Returns
        -------
        Catalog
        """
        placed: list[Program] = []
        skipped = 0
        for program in programs:
            if program.latlon is None:
                skipped += 1
            else:
                placed.append(program)
        schedule_index: dict[str, int] = {}
        codes = []
        for program in placed:
            text = program.schedule.strip()
            codes.append(schedule_index.setdefault(text, len(schedule_index)) if text else -1)
        return cls(
            programs=tuple(placed),
            latitude=[p.latlon[0] for p in placed if p.latlon],
            longitude=[p.latlon[1] for p in placed if p.latlon],
            insurance=[mask_of(p.insurance, INSURANCE_BITS) for p in placed],
            level=[mask_of((p.level_of_care,), LEVEL_BITS) for p in placed],
            services=[mask_of(p.services, SERVICE_BITS) for p in placed],
            populations=[mask_of(p.populations, POPULATION_BITS) for p in placed],
            languages=[mask_of(p.languages, LANGUAGE_BITS) for p in placed],
            attendance=[attendance_code(p.attendance) for p in placed],
            accepting=[p.accepting_new_clients == Accepting.YES for p in placed],
            # Never confirmed sorts last under "recently verified".
            last_verified=[p.last_verified.toordinal() if p.last_verified else 0 for p in placed],
            schedules=list(schedule_index),
            schedule_code=codes,
            skipped_no_coordinates=skipped,
        )

    @classmethod
    def from_arrays(cls, **columns: Any) -> Catalog:
        """Build a catalog straight from columns (fast path for large benchmarks).

        Parameters
        ----------
        **columns
            The keyword arguments of ``Catalog(...)``: ``programs`` (any
            sequence, e.g. one that builds a ``Program`` on access),
            ``latitude``, ``longitude``, the masks ``insurance``, ``level``,
            ``services``, ``populations``, ``languages`` laid out as
            ``*_BITS``, ``attendance`` as ``attendance_code``, ``accepting``
            (bool), ``last_verified`` (date ordinals), ``schedules`` (distinct
            schedule strings) and ``schedule_code`` (index into ``schedules``,
            -1 for none).

        Returns
        -------
        Catalog
        """
        return cls(**columns)

    def __len__(self) -> int:
        return len(self._lat_deg)

    def __repr__(self) -> str:
        return (
            f"<Catalog {len(self)} programs, {len(self._schedules)} distinct schedules, "
            f"{self.skipped_no_coordinates} skipped without coordinates>"
        )

    @property
    def programs(self) -> Sequence[Program]:
        """The searchable programs, in the order they were given."""
        return self._programs

    def _band(self, lat: float, half_height: float) -> tuple[int, int]:
        """Return rows ``lo:hi`` holding every row within ``half_height`` degrees of ``lat``.

        From the coarse table: the window may hold a few rows more (up to one
        step of the table on each side), never fewer; the distance test drops them.
        """
        table, scale, n = self._lat_table, self._lat_scale, len(self._lat_table) - 1
        if n < 1:
            return 0, 0
        base = self._lat_base
        lo = min(max(math.floor((lat - half_height - base) * scale) - 1, 0), n)
        hi = min(max(math.floor((lat + half_height - base) * scale) + 2, 0), n)
        return table[lo], table[hi]

    def _programs_near(self, origin: LatLon) -> tuple[int, float]:
        """Return how many programs are in the grid cells around ``origin``, and their area.

        The grid has cells of ``_CELL_DEGREES``; "around" is the origin's cell
        and its eight neighbours. Area in square miles.
        """
        if self._density is None:
            cells = np.floor(np.column_stack([self._lat_deg, np.degrees(self._lon_rad)])
                             / _CELL_DEGREES).astype(np.int64)
            found, counts = np.unique(cells, axis=0, return_counts=True)
            self._density = {
                (int(a), int(b)): int(c)
                for (a, b), c in zip(found.tolist(), counts.tolist(), strict=True)
            }
        row = math.floor(origin.lat / _CELL_DEGREES)
        column = math.floor(origin.lon / _CELL_DEGREES)
        get = self._density.get
        count = sum(get((row + i, column + j), 0) for i in (-1, 0, 1) for j in (-1, 0, 1))
        side = 3 * _CELL_DEGREES * _MILES_PER_DEGREE_LAT
        return count, side * side * max(math.cos(math.radians(origin.lat)), 0.01)

    def _mask(self, name: str, bits: int) -> npt.NDArray[np.bool_]:
        """Rows whose ``name`` column passes a filter on ``bits``, over the whole catalog.

        Computed once per (column, bits) and kept, like an index: a query only
        combines views of these.
        """
        key = (name, bits)
        found = self._filter_masks.get(key)
        if found is None:
            if name == "attendance":
                found = (self._attendance & np.uint8(bits)) == bits
            elif name == "accepting":
                found = self._accepting
            elif name == "unlisted":  # no schedule listed
                found = self._schedule < 0
            elif name == "parts":  # a row without a listed schedule stays (counted or included)
                found = ((self._parts & np.uint8(bits)) != 0) | (self._schedule < 0)
            else:
                column: npt.NDArray[Any] = getattr(self, f"_{name}")
                found = (column & column.dtype.type(bits)) != 0
            if len(self._filter_masks) >= max(16, min(_FILTER_MASKS_MAX,
                                                       _FILTER_MASKS_BYTES // max(len(self), 1))):
                self._filter_masks.clear()
            self._filter_masks[key] = found
        return found

    @property
    def nbytes(self) -> int:
        """Memory held by the catalog's arrays, in bytes."""
        arrays = (
            self._row, self._lat_deg, self._lat_rad, self._lon_rad, self._cos_lat,
            self._insurance, self._level, self._services, self._populations,
            self._languages, self._attendance, self._accepting, self._verified,
            self._schedule, self._parts, self._latlon_rad,
        )
        return sum(a.nbytes for a in arrays)


#: No rows, no miles: shared empty selections (never written to).
_NO_ROWS: npt.NDArray[np.intp] = np.zeros(0, dtype=np.intp)
_NO_MILES: npt.NDArray[np.float64] = np.zeros(0)
_NO_ROWS.flags.writeable = False
_NO_MILES.flags.writeable = False

#: The coarse latitude table's step (degrees, about 0.14 mile) and largest size.
_LAT_STEP = 0.002
_LAT_TABLE_MAX = 1 << 17
#: The side of a cell of the catalog's density grid, in degrees.
_CELL_DEGREES = 0.5
#: How many filter masks a catalog keeps (one per column and set of values asked
#: for): at most this many, and about this many bytes (at least 16 masks).
_FILTER_MASKS_MAX = 256
_FILTER_MASKS_BYTES = 64 << 20


def _latitude_table(lat_deg: npt.NDArray[np.float64]) -> tuple[float, float, list[int]]:
    """Return ``(base, scale, table)``: ``table[i]`` is the first row at or above ``base + i / scale``.

    The last entry is the number of rows, so a window ending there takes every row.
    """
    if len(lat_deg) == 0:
        return 0.0, 1.0, [0]
    base = float(lat_deg[0])
    span = float(lat_deg[-1]) - base
    steps = max(1, min(_LAT_TABLE_MAX, math.ceil(span / _LAT_STEP)))
    scale = steps / span if span > 0 else 1.0
    edges = base + np.arange(steps + 1) / scale
    table = np.searchsorted(lat_deg, edges, "left").tolist()
    table.append(len(lat_deg))
    return base, scale, table


# --- Results -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a program matched, as a code with its facts: no words (``finder.labels`` words it).

    Parameters
    ----------
    code : str
        One of ``takes``, ``takes_private``, ``no_schedule``, ``part_sessions``,
        ``fits_all``, ``fits_some``, ``soap_counts``, ``level``, ``offers``,
        ``serves``, ``speaks``, ``attend_both``, ``attend_telehealth``,
        ``attend_in_person``, ``accepting``.
    values : tuple of str
        Vocabulary values (plans, services, populations, languages, a level),
        as the enums spell them.
    sessions : tuple of Session
        The sessions meant (``part_sessions``, ``fits_some``).
    part : str
        The part of the day (``part_sessions``), a ``PartOfDay`` value.
    """

    code: str
    values: tuple[str, ...] = ()
    sessions: tuple[Session, ...] = ()
    part: str = ""

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON form: the code, values, part and sessions as minutes of the week."""
        data: dict[str, Any] = {"code": self.code}
        if self.values:
            data["values"] = [str(v) for v in self.values]
        if self.part:
            data["part"] = str(self.part)
        if self.sessions:
            data["sessions"] = [[s.start, s.end] for s in self.sessions]
        return data


@dataclass(frozen=True, slots=True, init=False)
class Match:
    """One program in the results, with why it matched.

    Parameters
    ----------
    program : Program
        The program.
    distance_miles : float
        Great-circle distance from the query's origin.
    fit : Fit or None
        How its sessions fit the query's availability; None when the query has
        no availability or the schedule is not listed.
    fit_hours : float
        Weekly session hours inside the availability (all session hours when
        the query has none; 0 when the schedule is not listed).
    reasons : tuple of Reason
        Why it matched, as codes with their facts, e.g. ``Reason("takes",
        ("MassHealth",))``; ``finder.labels`` words them in a locale.
    plan_notes : tuple of str
        Caveats about payment, e.g. ``"Harvard Pilgrim: call to confirm your plan"``.
    schedule_text : str
        The schedule in words, or ``"Schedule not listed"``.
    """

    program: Program
    distance_miles: float
    fit: Fit | None
    fit_hours: float
    reasons: tuple[Reason, ...]
    plan_notes: tuple[str, ...]
    schedule_text: str

    # Written by hand: the generated frozen __init__ looks up object.__setattr__
    # globally per field, about 3x slower, and a search may build thousands.
    def __init__(
        self,
        program: Program,
        distance_miles: float,
        fit: Fit | None,
        fit_hours: float,
        reasons: tuple[Reason, ...],
        plan_notes: tuple[str, ...],
        schedule_text: str,
    ) -> None:
        put = object.__setattr__
        put(self, "program", program)
        put(self, "distance_miles", distance_miles)
        put(self, "fit", fit)
        put(self, "fit_hours", fit_hours)
        put(self, "reasons", reasons)
        put(self, "plan_notes", plan_notes)
        put(self, "schedule_text", schedule_text)

    @property
    def schedule_listed(self) -> bool:
        """Whether the program's session times are known."""
        return self.schedule_text != "Schedule not listed"

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON form used by ``finder search --format json`` and exports."""
        p = self.program
        return {
            "program_id": p.program_id,
            "organization": p.organization,
            "program_name": p.program_name,
            "level_of_care": str(p.level_of_care),
            "distance_miles": round(self.distance_miles, 2),
            "address": p.address,
            "latitude": p.latitude,
            "longitude": p.longitude,
            "phone": p.phone,
            "intake_phone": p.intake_phone,
            "website": p.website,
            "insurance": [str(i) for i in p.insurance],
            "schedule": p.schedule,
            "schedule_text": self.schedule_text,
            "fit": str(self.fit) if self.fit else None,
            "fit_hours": round(self.fit_hours, 2),
            "reasons": [r.as_dict() for r in self.reasons],
            "plan_notes": list(self.plan_notes),
            "attendance": str(p.attendance) if p.attendance else None,
            "services": [str(s) for s in p.services],
            "populations": [str(x) for x in p.populations],
            "languages": list(p.languages),
            "accepting_new_clients": str(p.accepting_new_clients),
            # Listed vs confirmed, as fields: last_verified is None when nobody confirmed.
            **provenance_fields(p),
        }


@dataclass(frozen=True, slots=True)
class SearchResult:
    """The outcome of ``search``: ordered matches and what was left out.

    Parameters
    ----------
    query : SearchQuery
        The query that produced it.
    matches : Matches
        In result order; a sequence whose ``Match`` objects are built when read.
    unknown_schedule_hidden : int
        Programs that passed every other filter but were left out of
        ``matches`` because their schedule is not listed.
    unknown_schedule : Sequence of Match
        The programs counted by ``unknown_schedule_hidden``, nearest first:
        with a schedule filter on (and ``include_unknown_schedule`` off), the
        second group a person should call to ask about session times. Empty
        otherwise. Built when read, like ``matches``.
    """

    query: SearchQuery
    matches: Sequence[Match]
    unknown_schedule_hidden: int = 0
    unknown_schedule: Sequence[Match] = ()
    message: str = field(init=False)

    def __post_init__(self) -> None:
        n = self.unknown_schedule_hidden
        message = ""
        if n:
            message = (
                f"{n} more program{'s' if n != 1 else ''} "
                f"{'have' if n != 1 else 'has'} no schedule listed"
            )
        object.__setattr__(self, "message", message)

    @property
    def total(self) -> int:
        """How many programs matched."""
        return len(self.matches)


# --- Searching ---------------------------------------------------------------


def _insurance_query_mask(query: SearchQuery) -> int:
    mask = mask_of(query.insurance, INSURANCE_BITS)
    if NAMED_COMMERCIAL_PLANS.intersection(query.insurance):
        mask |= mask_of((Insurance.PRIVATE,), INSURANCE_BITS)
    return mask


def _level_query_mask(query: SearchQuery) -> int:
    levels = set(query.level_of_care)
    if LevelOfCare.IOP in levels:
        levels.add(LevelOfCare.SOAP)
    return mask_of(levels, LEVEL_BITS)


_PRIVATE_BIT = 1 << INSURANCE_BITS.index(Insurance.PRIVATE)


class _Filters:
    """A query's filters as bits, worked out once per search.

    ``None`` (or 0 for ``parts``) means no such filter. ``wording`` is what
    the reasons depend on besides a program's attributes (the filters, not
    the place or the order), as a key.
    """

    __slots__ = ("accepting", "attendance", "explain_bits", "languages", "level", "parts",
                 "plans", "populations", "services", "wording")

    def __init__(self, query: SearchQuery) -> None:
        self.plans = _insurance_query_mask(query) if query.insurance else None
        self.level = _level_query_mask(query) if query.level_of_care else None
        self.services = mask_of(query.services, SERVICE_BITS) if query.services else None
        self.populations = (
            mask_of(query.populations, POPULATION_BITS) if query.populations else None
        )
        self.languages = mask_of(query.languages, LANGUAGE_BITS) if query.languages else None
        self.attendance = (
            attendance_code(query.attendance) if query.attendance is not None else None
        )
        self.accepting = query.accepting_new_clients
        self.parts = mask_of(query.sessions, PART_BITS) if query.sessions else 0
        # The bits of each column a reason is worded from (None: not asked about).
        self.explain_bits = (
            None if self.plans is None else self.plans | _PRIVATE_BIT,
            None if self.level is None else (1 << len(LEVEL_BITS)) - 1,
            self.services, self.populations, self.languages,
            None if self.attendance is None else 3,
        )
        self.wording = (
            query.insurance, query.sessions, query.available, query.include_unknown_schedule,
            query.level_of_care, query.services, query.populations, query.languages,
            query.attendance, query.accepting_new_clients,
        )


def search(catalog: Catalog, query: SearchQuery, *, lazy: bool = True) -> SearchResult:
    """Find the programs that match a query, in result order.

    Parameters
    ----------
    catalog : Catalog
        The programs to search.
    query : SearchQuery
        What to look for.
    lazy : bool, default True
        Order the matches and build each ``Match`` (with its reasons) only
        when it is read, as ``Matches`` does; False builds them all now. The
        results are the same either way.

    Returns
    -------
    SearchResult
        Matches with distance, fit and reasons; plus how many programs were
        left out only because their schedule is not listed.
    """
    radius = query.radius_miles
    if (
        radius is None
        and query.sort == SortOrder.DISTANCE
        and not query.available
        and len(catalog) >= _NEAREST_FIRST_MIN
    ):
        return _search_nearest_first(catalog, query, _Filters(query), lazy=lazy)
    filters = _Filters(query)
    found = _select(catalog, query, radius, filters)
    # The second group (no published times), nearest first; built when read too.
    unknown_matches: Sequence[Match] = ()
    if len(found.unknown_rows):
        unknown_matches = Matches(
            catalog, query, {}, found.unknown_rows, found.unknown_distance, None, None, None,
            sort=SortOrder.DISTANCE, filters=filters, one_tier=True,
        )
    # Nothing is sorted or worded yet: ``Matches`` orders the rows and builds a
    # ``Match`` only for what is read (the page a person sees), and counts come
    # from the arrays.
    matches = Matches(catalog, query, found.fits, found.rows, found.distance, found.codes,
                      found.hours, found.tier, filters=filters, one_tier=not query.available)
    if not lazy:
        matches.materialize()
        if isinstance(unknown_matches, Matches):
            unknown_matches.materialize()
    return SearchResult(query, matches, found.hidden, unknown_matches)


#: From this many programs on, "any distance" sorted by distance looks for the
#: nearest in widening circles instead of measuring the distance to every one.
_NEAREST_FIRST_MIN = 2048
#: The smallest first circle, and how much each next one is wider (miles).
_FIRST_CIRCLE_MILES = 2.0
_WIDER = 4.0
#: Half the Earth's circumference: a circle this wide holds everything.
_WHOLE_EARTH_MILES = math.pi * EARTH_RADIUS_MILES + 1.0


@dataclass(slots=True)
class _Selection:
    """What one pass over the catalog found (rows are catalog positions, in catalog order)."""

    rows: npt.NDArray[Any]
    distance: npt.NDArray[np.float64]
    codes: npt.NDArray[Any] | None  # None: read from the catalog when needed
    hours: npt.NDArray[np.float64] | None  # None: the schedules' hours, when needed
    tier: npt.NDArray[np.int8] | None  # None: one tier
    fits: dict[int, tuple[Fit, float]]
    hidden: int
    unknown_rows: npt.NDArray[Any]
    unknown_distance: npt.NDArray[np.float64]


def _filter_mask(
    catalog: Catalog, query: SearchQuery, filters: _Filters, window: slice
) -> npt.NDArray[np.bool_] | None:
    """Rows of ``window`` passing every filter except schedules and distance (None: all).

    Combines views of the catalog's kept masks (one per column and set of
    values asked for), so a query pays one ``&`` per filter beyond the first.
    The result may be such a view: never change it in place.
    """
    masks = []
    if filters.plans is not None:
        masks.append(catalog._mask("insurance", filters.plans))
    if filters.level is not None:
        masks.append(catalog._mask("level", filters.level))
    if filters.services is not None:
        masks.append(catalog._mask("services", filters.services))
    if filters.populations is not None:
        masks.append(catalog._mask("populations", filters.populations))
    if filters.languages is not None:
        masks.append(catalog._mask("languages", filters.languages))
    if filters.attendance is not None:
        masks.append(catalog._mask("attendance", filters.attendance))
    if filters.accepting:
        masks.append(catalog._mask("accepting", 1))
    if filters.parts and query.available == "":
        # Parts of the day are known per row: test them before any distance. A
        # row without a listed schedule stays (it is counted, or included).
        masks.append(catalog._mask("parts", filters.parts))
    if not masks:
        return None
    keep = masks[0][window]
    for mask in masks[1:]:
        keep = keep & mask[window]
    return keep


def _haversine_rows(
    latlon_rad: npt.NDArray[np.float64], cos_lat: npt.NDArray[np.float64], origin: LatLon
) -> npt.NDArray[np.float64]:
    """``haversine_miles`` on rows of (latitude, longitude) in radians: the same values, bit for bit.

    The same operations in the same order (products and sums swapped only
    where IEEE arithmetic is commutative), fewer numpy calls: latitude and
    longitude go through one subtraction, scaling, sine and square together.
    """
    lat0 = math.radians(origin.lat)
    half = latlon_rad - np.array((lat0, math.radians(origin.lon)))
    half *= 0.5
    np.sin(half, out=half)
    half *= half
    a = cos_lat * math.cos(lat0)
    a *= half[:, 1]
    a += half[:, 0]
    np.minimum(a, 1.0, out=a)
    np.sqrt(a, out=a)
    np.arcsin(a, out=a)
    a *= 2 * EARTH_RADIUS_MILES
    return a


#: Up to this many rows in a latitude band, measure them all straight away;
#: above, a longitude box first spares the trigonometry for most of the band.
_SMALL_BAND = 256


def _select(
    catalog: Catalog,
    query: SearchQuery,
    radius: float | None,
    filters: _Filters,
    keep_all: npt.NDArray[np.bool_] | None = None,
) -> _Selection:
    """Find the rows within ``radius`` miles (None: any) passing every filter.

    ``keep_all``, when given, is ``_filter_mask`` over the whole catalog,
    already computed (widening circles reuse it).
    """
    origin = query.origin
    if radius is None:
        lo, hi = 0, len(catalog)
    else:
        # On a sphere a point is never nearer than its latitude difference, so
        # a latitude band is exact (the catalog's coarse table may add a few
        # rows at its edges; the distance test drops them).
        lo, hi = catalog._band(origin.lat, radius / _MILES_PER_DEGREE_LAT + 1e-9)
    window = slice(lo, hi)
    keep = _filter_mask(catalog, query, filters, window) if keep_all is None else keep_all[window]
    if radius is not None and hi - lo <= _SMALL_BAND:
        # A narrow band: measure every row of it (views, nothing gathered),
        # then keep those inside the circle that pass the filters.
        measured = _haversine_rows(catalog._latlon_rad[window], catalog._cos_lat[window], origin)
        inside = measured <= radius
        if keep is not None:
            inside &= keep
        near = inside.nonzero()[0]
        rows, distance = near + lo, measured[near]
    else:
        if radius is not None:
            # A longitude box too (exact on the sphere, J. P. Matuschek, "Finding
            # points within a distance of a latitude/longitude using bounding
            # coordinates"), unless the circle reaches a pole; it spares the
            # trigonometry for most of the band.
            angle = radius / EARTH_RADIUS_MILES
            lat0 = math.radians(origin.lat)
            if abs(lat0) + angle < math.pi / 2 - 1e-9:
                half_width = math.asin(math.sin(angle) / math.cos(lat0)) + 1e-9
                offset = np.abs(catalog._lon_rad[window] - math.radians(origin.lon))
                box = (offset <= half_width) | (offset >= 2 * math.pi - half_width)
                keep = box if keep is None else keep & box
        rows = np.arange(lo, hi) if keep is None else lo + keep.nonzero()[0]
        distance = _haversine_rows(catalog._latlon_rad[rows], catalog._cos_lat[rows], origin)
        if radius is not None:
            inside = distance <= radius
            rows, distance = rows[inside], distance[inside]

    # Without a schedule filter, schedules are read for the rows built only:
    # codes, hours and tiers None (one tier).
    codes: npt.NDArray[Any] | None = None
    tier: npt.NDArray[np.int8] | None = None  # 2 fits, 1 partly, 0 not listed
    hours: npt.NDArray[np.float64] | None = None
    fits: dict[int, tuple[Fit, float]] = {}
    hidden = 0
    unknown_rows, unknown_distance = _NO_ROWS, _NO_MILES
    if query.filters_schedule:
        codes = catalog._schedule[rows]
        unknown = codes < 0
        ok = ~unknown
        if filters.parts and query.available:  # else _filter_mask tested the parts already
            ok &= (catalog._parts[rows] & np.uint8(filters.parts)) != 0
        if query.available:
            known = np.unique(codes[ok])
            fits = {
                int(c): fit_availability(catalog._schedules[c], query.available) for c in known
            }
            tier_of = np.zeros(len(catalog._schedules) + 1, dtype=np.int8)
            hours_of = np.full(len(catalog._schedules) + 1, -1.0)
            for code, (how, fit_hours) in fits.items():
                tier_of[code] = {Fit.FITS: 2, Fit.PARTLY: 1, Fit.NONE: -1}[how]
                hours_of[code] = fit_hours
            tier = tier_of[codes]
            hours = hours_of[codes]
            ok &= tier > 0
        hidden = int(np.count_nonzero(unknown))
        if query.include_unknown_schedule:
            ok |= unknown
            hidden = 0
        else:
            # The second group: same filters, no published times.
            unknown_rows, unknown_distance = rows[unknown], distance[unknown]
        rows, distance, codes = rows[ok], distance[ok], codes[ok]
        if tier is not None and hours is not None:
            tier, hours = tier[ok], hours[ok]
    return _Selection(rows, distance, codes, hours, tier, fits, hidden,
                      unknown_rows, unknown_distance)


def _search_nearest_first(
    catalog: Catalog, query: SearchQuery, filters: _Filters, *, lazy: bool
) -> SearchResult:
    """Answer an "any distance" query without measuring the distance to every program.

    The counts come from the filter masks over the whole catalog. The matches
    are those of the smallest circle (8, 32, 128... miles) holding enough of
    them for what is read; reading further widens the circle. Every match
    inside a circle is nearer than every program outside it, so the order is
    exactly that of measuring everything.
    """
    keep = _filter_mask(catalog, query, filters, slice(0, len(catalog)))
    keep_all = keep  # every circle reuses it
    if query.filters_schedule:
        unknown = catalog._mask("unlisted", 0)
        if keep is not None:
            unknown = unknown & keep
        hidden = int(np.count_nonzero(unknown))
        total = (len(catalog) if keep is None else int(np.count_nonzero(keep))) - hidden
        if query.include_unknown_schedule:
            total, hidden = total + hidden, 0
    else:
        hidden = 0
        total = len(catalog) if keep is None else int(np.count_nonzero(keep))

    # A first guess at the circle holding what is needed (twice over): from
    # how many programs are around the origin, as if the matches were as
    # common there as in the whole catalog; or, with nobody around, as if
    # they were spread evenly over a square as tall as the catalog. Then widen.
    span_miles = float(catalog._lat_deg[-1] - catalog._lat_deg[0]) * _MILES_PER_DEGREE_LAT
    around, area = catalog._programs_near(query.origin)

    def widen(need: int, group: str) -> _Selection:
        count = total if group == "matches" else hidden
        if around:
            expected = around * count / len(catalog) / area  # matches per square mile
            radius = math.sqrt(2 * need / math.pi / max(expected, 1e-12))
        else:
            radius = span_miles * math.sqrt(need / max(count, 1) / math.pi)
        radius = min(max(_FIRST_CIRCLE_MILES, radius), _WHOLE_EARTH_MILES)
        while True:
            found = _select(catalog, query, radius, filters, keep_all)
            have = len(found.rows) if group == "matches" else len(found.unknown_rows)
            if have >= need or radius >= _WHOLE_EARTH_MILES:
                return found
            # Matches grow about with the area: aim at the circle that holds
            # enough, a little wider, at most four times as wide.
            grow = _WIDER if have == 0 else min(_WIDER, max(1.5, 1.3 * math.sqrt(need / have)))
            radius = min(radius * grow, _WHOLE_EARTH_MILES)

    def more_matches(need: int) -> tuple[Any, ...]:
        found = widen(min(need, total), "matches")
        return found.rows, found.distance, found.codes, found.hours, found.tier

    def more_unknown(need: int) -> tuple[Any, ...]:
        found = widen(min(need, hidden), "unknown")
        return found.unknown_rows, found.unknown_distance, None, None, None

    matches = Matches.growing(catalog, query, total, more_matches, filters=filters)
    unknown_matches = Matches.growing(catalog, query, hidden, more_unknown, filters=filters)
    if not lazy:
        matches.materialize()
        unknown_matches.materialize()
    return SearchResult(query, matches, hidden, unknown_matches)


#: Below this many matches, sort them all at once (cheaper than selecting).
_PARTIAL_SORT_MIN = 512
#: How many matches a first selection orders: a few pages of results.
_FIRST_SELECTION = 32
#: How many matches a first widening circle looks for: a page and a half.
_FIRST_PAGE = 16


class Matches(Sequence[Match]):
    """The matches of one search, in result order, built only when read.

    A search at national scale can match hundreds of thousands of programs,
    and a person reads ten. ``len()`` comes from the arrays; indexing or
    slicing orders just enough rows (a selection of the nearest, when sorting
    by distance) and builds a ``Match`` only for the rows read, then keeps
    them. Reading everything (iterating, ``tuple(...)``) gives exactly the
    order and the matches of a full sort: ties keep catalog order in both.

    Compares equal to a tuple or list of the same matches.
    """

    __slots__ = (
        "_built", "_catalog", "_codes", "_distance", "_explain", "_filters", "_fits", "_hours",
        "_more",
        "_one_tier", "_order", "_order_by", "_query", "_rows", "_sorted", "_tier", "_total",
    )

    def __init__(
        self,
        catalog: Catalog,
        query: SearchQuery,
        fits: dict[int, tuple[Fit, float]],
        rows: npt.NDArray[Any],
        distance: npt.NDArray[Any],
        codes: npt.NDArray[Any] | None,
        hours: npt.NDArray[Any] | None,
        tier: npt.NDArray[Any] | None = None,
        *,
        sort: SortOrder | None = None,
        filters: _Filters | None = None,
        one_tier: bool | None = None,
        ordered: bool | None = None,
    ) -> None:
        self._catalog = catalog
        self._query = query
        self._order_by = sort or query.sort
        self._fits = fits
        self._filters = filters  # the query's, worked out when first needed if not given
        self._explain: _Explainer | None = None  # made when the first match is built
        self._built: list[Match] = []
        self._total: int | None = None
        self._more: Callable[[int], tuple[Any, ...]] | None = None
        self._take(rows, distance, codes, hours, tier, one_tier,
                   tier is None and not one_tier if ordered is None else ordered)

    @classmethod
    def growing(
        cls,
        catalog: Catalog,
        query: SearchQuery,
        total: int,
        more: Callable[[int], tuple[Any, ...]],
        *,
        filters: _Filters | None = None,
    ) -> Matches:
        """Return matches of which only the count is known; ``more(k)`` finds the nearest k.

        ``more(k)`` returns ``(rows, distance, codes, hours, tier)`` of a set
        holding the k nearest matches (or all of them) and every match nearer
        than the farthest of those, in catalog order.
        """
        matches = cls(catalog, query, {}, _NO_ROWS, _NO_MILES, None, None, None,
                      sort=SortOrder.DISTANCE, filters=filters, one_tier=True)
        matches._total, matches._more = total, more
        return matches

    def _take(
        self, rows: npt.NDArray[Any], distance: npt.NDArray[Any],
        codes: npt.NDArray[Any] | None, hours: npt.NDArray[Any] | None,
        tier: npt.NDArray[Any] | None, one_tier: bool | None = None, ordered: bool = False,
    ) -> None:
        # ``codes`` and ``hours`` None: read from the catalog for the rows built.
        self._rows, self._distance, self._codes, self._hours = rows, distance, codes, hours
        # ``tier`` None: one tier (``one_tier``), or rows already in result order (``ordered``).
        self._tier = tier
        # Whether every row has the same tier: given (no availability, no
        # tiers), or worked out once needed.
        self._one_tier: bool | None = True if tier is None else one_tier
        self._order: npt.NDArray[np.intp] = np.arange(len(rows)) if ordered else _NO_ROWS
        self._sorted = len(rows) if ordered else 0

    def __len__(self) -> int:
        return len(self._rows) if self._total is None else self._total

    def __getitem__(self, index: Any) -> Any:
        n = len(self)
        if isinstance(index, slice):
            positions = range(*index.indices(n))
            if positions:
                self._build(max(positions[0], positions[-1]) + 1)
            return tuple(self._built[i] for i in positions)
        i = index.__index__()
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError("match index out of range")
        self._build(i + 1)
        return self._built[i]

    def __iter__(self) -> Any:
        i, n = 0, len(self)
        while i < n:
            if i >= len(self._built):
                self._build(min(n, max(2 * i, _FIRST_SELECTION)))
            yield self._built[i]
            i += 1

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Matches | tuple | list):
            return len(self) == len(other) and tuple(self) == tuple(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<Matches {len(self)} programs, {len(self._built)} built>"

    def materialize(self) -> tuple[Match, ...]:
        """Sort and build every match now; return them all as a tuple."""
        self._build(len(self))
        return tuple(self._built)

    @property
    def program_positions(self) -> npt.NDArray[np.intp]:
        """Where each match's program is in ``Catalog.programs``, in result order.

        For drawing every result (a map) without building a ``Match`` per program.
        """
        self._sort(len(self))
        return self._catalog._row[self._rows[self._order]]

    @property
    def distances_miles(self) -> npt.NDArray[np.float64]:
        """The distance of each match, in result order (see ``program_positions``)."""
        self._sort(len(self))
        return self._distance[self._order]

    def _sort(self, stop: int) -> None:
        """Make sure the first ``stop`` matches are in result order."""
        if stop <= self._sorted:
            return
        if self._more is not None and len(self._rows) < min(stop, len(self)):
            # Find more: a wider circle holds the nearest ``stop`` and keeps the
            # order of those already built (they are nearer than the rest).
            # Growing matches answer distance queries without an availability: one tier.
            rows, distance, codes, hours, tier = self._more(max(stop, _FIRST_PAGE))
            self._take(rows, distance, codes, hours, tier, one_tier=True)
        n = len(self._rows)
        distance, tier = self._distance, self._tier
        if self._one_tier is None:
            assert tier is not None  # None is one tier
            self._one_tier = n == 0 or bool(tier.min() == tier.max())
        if (
            self._order_by == SortOrder.DISTANCE
            and self._one_tier
            and n >= _PARTIAL_SORT_MIN
            and stop * 8 <= n
        ):
            # Select the nearest with a linear-time partition, then sort only
            # those. Every row tied with the farthest selected one is taken
            # too, and a stable sort keeps catalog order among ties, as the
            # full sort does.
            k = max(stop, _FIRST_SELECTION)
            farthest = np.partition(distance, k - 1)[k - 1]
            head = (distance <= farthest).nonzero()[0]
            self._order = head[np.argsort(distance[head], kind="stable")]
            self._sorted = len(head)
            return
        if self._order_by == SortOrder.VERIFIED:
            keys = [distance, -self._catalog._verified[self._rows]]
            self._order = np.lexsort(keys if tier is None else [*keys, -tier])
        elif self._order_by == SortOrder.FIT:
            keys = [distance, -self._hours_of(slice(None))]
            self._order = np.lexsort(keys if tier is None else [*keys, -tier])
        elif self._one_tier:
            self._order = distance.argsort(kind="stable")
        else:
            assert tier is not None
            self._order = np.lexsort((distance, -tier))
        self._sorted = n

    def _build(self, stop: int) -> None:
        """Build the matches up to position ``stop`` (exclusive), in result order."""
        start = len(self._built)
        if stop <= start:
            return
        self._sort(stop)
        where = self._order[start:stop]
        rows = self._rows[where]
        codes = self._catalog._schedule[rows] if self._codes is None else self._codes[where]
        if self._explain is None:
            if self._filters is None:
                self._filters = _Filters(self._query)
            self._explain = _Explainer(self._catalog, self._query, self._fits, self._filters)
        self._built.extend(
            _build_matches(self._catalog, self._explain, rows, self._distance[where], codes,
                           None if self._hours is None else self._hours[where])
        )

    def _hours_of(self, where: Any) -> npt.NDArray[np.float64]:
        """Weekly hours of the matches at ``where`` (the schedules', without an availability)."""
        if self._hours is not None:
            return self._hours[where]
        codes = self._catalog._schedule[self._rows[where]] if self._codes is None else \
            self._codes[where]
        return self._catalog._schedule_hours[codes]


def _matches(
    catalog: Catalog,
    query: SearchQuery,
    fits: dict[int, tuple[Fit, float]],
    rows: npt.NDArray[Any],
    distance: npt.NDArray[Any],
    codes: npt.NDArray[Any],
    hours: npt.NDArray[Any],
) -> Matches:
    """Return the matches of catalog rows already in result order, built when read."""
    return Matches(catalog, query, fits, rows, distance, codes, hours, ordered=True)


#: Setting a ``Match``'s slots straight (frozen: its own ``__setattr__`` refuses).
_MATCH_SLOTS = tuple(
    Match.__dict__[name].__set__
    for name in ("program", "distance_miles", "fit", "fit_hours", "reasons", "plan_notes",
                 "schedule_text")
)


def _build_matches(
    catalog: Catalog,
    explain: _Explainer,
    rows: npt.NDArray[Any],
    distance: npt.NDArray[Any],
    codes: npt.NDArray[Any],
    hours: npt.NDArray[Any] | None,
) -> list[Match]:
    """Build the ``Match`` of each catalog row, in the given order, with its reasons.

    ``hours`` None: each schedule's weekly hours (no availability asked).
    """
    programs = catalog._programs
    program_rows = catalog._row[rows].tolist()
    # Reasons depend only on the attributes the query filters on, and only on
    # the bits it asked about: key the memo on exactly those, so that results
    # share a handful of wordings.
    zeros = [0] * len(rows)
    code_list = codes.tolist()
    if hours is None:
        weekly = catalog._weekly_hours
        hour_list = [weekly[code] for code in code_list]
    else:
        hour_list = np.maximum(hours, 0.0).tolist()
    columns = (catalog._insurance, catalog._level, catalog._services, catalog._populations,
               catalog._languages, catalog._attendance)
    keys = zip(
        *[zeros if bits is None else (column[rows] & column.dtype.type(bits)).tolist()
          for column, bits in zip(columns, explain.filters.explain_bits, strict=True)],
        code_list,
        strict=True,
    )
    new = object.__new__
    put_program, put_miles, put_fit, put_hours, put_reasons, put_notes, put_text = _MATCH_SLOTS
    matches = []
    for row, miles, fit_hours, key in zip(
        program_rows, distance.tolist(), hour_list, keys, strict=True
    ):
        fit, reasons, notes, text = explain(key)
        # As ``Match(...)``, without its seven ``object.__setattr__`` lookups.
        match = new(Match)
        put_program(match, programs[row])
        put_miles(match, miles)
        put_fit(match, fit)
        put_hours(match, fit_hours)
        put_reasons(match, reasons)
        put_notes(match, notes)
        put_text(match, text)
        matches.append(match)
    return matches


_SERVICE_WORDS = {
    Service.BUPRENORPHINE: "buprenorphine",
    Service.METHADONE: "methadone",
    Service.NALTREXONE: "naltrexone",
    Service.CO_OCCURRING: "co-occurring mental health care",
}
_POPULATION_WORDS = {
    Population.ADULTS: "adults",
    Population.YOUNG_ADULTS: "young adults",
    Population.ADOLESCENTS: "adolescents",
    Population.SENIORS: "seniors",
    Population.WOMEN: "women",
    Population.MEN: "men",
    Population.VETERANS: "veterans",
    Population.LGBTQ: "LGBTQ+ people",
    Population.PREGNANT_POSTPARTUM: "pregnant or postpartum people",
}
_PART_WORDS = {
    PartOfDay.MORNING: "in the morning",
    PartOfDay.AFTERNOON: "in the afternoon",
    PartOfDay.EVENING: "in the evening",
    PartOfDay.WEEKEND: "on weekends",
}


def _join(words: Sequence[str], conjunction: str = "and") -> str:
    words = list(words)
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} {conjunction} {words[-1]}"


def _members(mask: int, vocabulary: Sequence[str]) -> list[str]:
    return [v for i, v in enumerate(vocabulary) if mask >> i & 1]


_Wording = tuple[Fit | None, tuple[Reason, ...], tuple[str, ...], str]
#: How many sets of filters, and combinations of attributes per set, a catalog keeps worded.
_WORDING_SETS_MAX = 1024
_WORDING_MAX = 65_536


class _Explainer:
    """Reasons for one query, memoised per combination of program attributes.

    Results share few distinct combinations (plans, schedule, ...), so each is
    worded once, and kept in the catalog for every query with the same
    filters (a rerun, the next page, another place).
    """

    def __init__(
        self, catalog: Catalog, query: SearchQuery, fits: dict[int, tuple[Fit, float]],
        filters: _Filters,
    ) -> None:
        self.catalog = catalog
        self.query = query
        self.fits = fits
        self.filters = filters
        kept = catalog._wording
        memo = kept.get(filters.wording)
        if memo is None:
            if len(kept) >= _WORDING_SETS_MAX:
                kept.clear()
            memo = kept[filters.wording] = {}
        self.memo = memo

    def __call__(self, key: tuple[int, ...]) -> _Wording:
        found = self.memo.get(key)
        if found is None:
            if len(self.memo) >= _WORDING_MAX:
                self.memo.clear()
            found = self.memo[key] = self._explain(*key)
        return found

    def _explain(
        self, plans: int, level: int, services: int, populations: int,
        languages: int, attendance: int, code: int,
    ) -> tuple[Fit | None, tuple[Reason, ...], tuple[str, ...], str]:
        query = self.query
        reasons: list[Reason] = []
        notes: list[str] = []
        if query.insurance:
            accepted = set(_members(plans, INSURANCE_BITS))
            direct = [p for p in query.insurance if p in accepted]
            via_private = [
                p for p in query.insurance
                if p not in accepted and p in NAMED_COMMERCIAL_PLANS
                and Insurance.PRIVATE in accepted
            ]
            if direct:
                reasons.append(Reason("takes", tuple(direct)))
            if via_private:
                reasons.append(Reason("takes_private", tuple(via_private)))
                notes.extend(f"{plan}: {CONFIRM_PLAN}" for plan in via_private)
        fit: Fit | None = None
        schedule = None
        if code >= 0:
            schedule = try_weekly_schedule(self.catalog._schedules[code])
        if query.filters_schedule and schedule is None:
            reasons.append(Reason("no_schedule"))
        elif schedule is not None:
            for part in query.sessions:
                sessions = schedule.sessions_in(part)
                if sessions:
                    reasons.append(Reason("part_sessions", sessions=sessions, part=str(part)))
            if query.available and code in self.fits:
                fit = self.fits[code][0]
                reasons.append(_fit_reason(schedule.text, query.available))
        if query.level_of_care:
            (name,) = _members(level, LEVEL_BITS) or ["?"]
            if name == LevelOfCare.SOAP and LevelOfCare.SOAP not in query.level_of_care:
                reasons.append(Reason("soap_counts", (str(name),)))
            else:
                reasons.append(Reason("level", (str(name),)))
        if query.services:
            offered = tuple(s for s in query.services if s in _members(services, SERVICE_BITS))
            reasons.append(Reason("offers", offered))
        if query.populations:
            served = set(_members(populations, POPULATION_BITS))
            reasons.append(Reason("serves", tuple(p for p in query.populations if p in served)))
        if query.languages:
            spoken = set(_members(languages, LANGUAGE_BITS))
            reasons.append(Reason("speaks", tuple(x for x in query.languages if x in spoken)))
        if query.attendance is not None:
            if attendance == _IN_PERSON | _TELEHEALTH:
                reasons.append(Reason("attend_both"))
            elif attendance == _TELEHEALTH:
                reasons.append(Reason("attend_telehealth"))
            else:
                reasons.append(Reason("attend_in_person"))
        if query.accepting_new_clients:
            reasons.append(Reason("accepting"))
        text = self.catalog._schedule_text[code] if code >= 0 else "Schedule not listed"
        return fit, tuple(reasons), tuple(notes), text


@functools.lru_cache(maxsize=4096)
def _fit_reason(schedule: str, available: str) -> Reason:
    fit, _hours = fit_availability(schedule, available)
    if fit == Fit.FITS:
        return Reason("fits_all")
    window = weekly_schedule(available).mask
    inside = tuple(s for s in weekly_schedule(schedule).sessions if s.mask & ~window == 0)
    return Reason("fits_some", sessions=inside)


def describe(query: SearchQuery) -> str:
    """Say in one plain-English sentence what a query looks for.

    Parameters
    ----------
    query : SearchQuery
        The query.

    Returns
    -------
    str
        For example "IOP programs within 10 miles of Cambridge (02139) that take
        MassHealth and meet in the evening".
    """
    if query.level_of_care:
        subject = f"{_join([str(level) for level in query.level_of_care], 'or')} programs"
    else:
        subject = "Programs"
    place = query.origin_label or f"{query.origin.lat:.4f}, {query.origin.lon:.4f}"
    if place.startswith("Near "):  # a device location: "of your location near Lowell"
        place = f"your location near {place.removeprefix('Near ')}"
    elif place == "Your location":
        place = "your location"
    if query.radius_miles is None:
        where = f"at any distance from {place}"
    else:
        where = f"within {query.radius_miles} miles of {place}"
    clauses = filter_clauses(query)
    sentence = f"{subject} {where}"
    if clauses:
        sentence += f" that {_join(clauses)}"
    if query.filters_schedule and query.include_unknown_schedule:
        sentence += ", plus programs with no schedule listed"
    return sentence


def filter_clauses(query: SearchQuery, *, singular: bool = False) -> list[str]:
    """Say what each filter of a query asks for, as verb phrases.

    Parameters
    ----------
    query : SearchQuery
        The query; its origin and radius are not described.
    singular : bool
        Phrases for one program ("takes MassHealth") instead of several
        ("take MassHealth").

    Returns
    -------
    list of str
        One phrase per active filter, in a fixed order, e.g.
        ``["take MassHealth", "meet in the evening"]``; empty without filters.
    """

    def verb(plural: str) -> str:
        if not singular:
            return plural
        return {"are": "is", "fit": "fits", "meet": "meets", "offer": "offers",
                "serve": "serves", "take": "takes"}[plural]

    clauses: list[str] = []
    if query.insurance:
        clauses.append(f"{verb('take')} {_join([str(p) for p in query.insurance], 'or')}")
    if query.sessions:
        clauses.append(f"{verb('meet')} {_join([_PART_WORDS[p] for p in query.sessions], 'or')}")
    if query.available:
        clauses.append(f"{verb('fit')} your availability ({schedule_in_words(query.available)})")
    if query.services:
        clauses.append(f"{verb('offer')} {_join([_SERVICE_WORDS[s] for s in query.services], 'or')}")
    if query.populations:
        clauses.append(
            f"{verb('serve')} {_join([_POPULATION_WORDS[p] for p in query.populations], 'or')}"
        )
    if query.languages:
        clauses.append(f"{verb('offer')} services in {_join(list(query.languages), 'or')}")
    if query.attendance == Attendance.IN_PERSON:
        clauses.append(f"{verb('meet')} in person")
    elif query.attendance == Attendance.TELEHEALTH:
        clauses.append(f"{verb('offer')} telehealth")
    elif query.attendance == Attendance.HYBRID:
        clauses.append(f"{verb('offer')} both in-person and telehealth sessions")
    if query.accepting_new_clients:
        clauses.append(f"{verb('are')} accepting new clients")
    return clauses

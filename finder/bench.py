"""Benchmark of the search engine against real peers, on a set of queries.

``finder bench`` times a query set (three origins: dense Boston, the sparse
Berkshires and New York City, the densest spot of the national spread; 5 to
100 miles and any distance; with and without the typical filters, MassHealth
and evening sessions) through the real ``search()`` code path, interleaved
with the same queries answered by peers:

* a plain Python loop with the ``math`` haversine;
* numpy vectorized code, and the same with pandas;
* GeoPandas' spatial index (STRtree) in EPSG:26986, refined by haversine;
* scikit-learn's ``BallTree`` with the haversine metric (optional ``bench``
  extra: ``pip install 'iop-finder[bench]'``).

Each peer's answer (the count and the first page, nearest first) is asserted
to be the same as ``search()``'s before anything is timed. Catalogs:

* synthetic catalogs "spread like real facilities": each program is placed
  near a facility drawn at random from the 14,034 real national SAMHSA
  locations (``../shared/data/samhsa_locator_2021``), or near a Massachusetts
  ZIP centre when that file is absent, with a jitter of about two miles;
* the 14,034 real facilities themselves (real coordinates, synthetic
  attributes, since that file has no services or schedules).

Attributes (plans, schedules, services...) are drawn with frequencies close to
the 80 real FindTreatment.gov IOP rows in Massachusetts and the sample dataset.
A million ``Program`` objects would take minutes and gigabytes to build, so
catalogs are built with ``Catalog.from_arrays`` and a program is built the
first time a result needs it, then kept (the app holds its programs in memory
too).

The historical baseline stays in the report as ``ratio``: a per-row Python
loop calling ``geopy.distance.distance`` for every program on the typical
query, the slowest way there is. Above ``baseline_rows`` programs it runs on
a random sample and its time is scaled by ``n / sample``; the report says so.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import functools
import gc
import math
import os
import platform
import resource
import statistics
import time
import tracemalloc
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

import numpy as np
import numpy.typing as npt

from finder.model import (
    Accepting,
    Attendance,
    Insurance,
    LatLon,
    Program,
)
from finder.schedule import PartOfDay, try_weekly_schedule
from finder.search import (
    EARTH_RADIUS_MILES,
    INSURANCE_BITS,
    LANGUAGE_BITS,
    LEVEL_BITS,
    PART_BITS,
    POPULATION_BITS,
    SERVICE_BITS,
    Catalog,
    SearchQuery,
    describe,
    mask_of,
    search,
)

__all__ = [
    "DEFAULT_SIZES",
    "ORIGINS",
    "PAGE_SIZE",
    "QUERY_FILTERS",
    "QUERY_RADII",
    "REAL_FACILITIES",
    "TARGETS",
    "TYPICAL_QUERY",
    "BallTreePeer",
    "GeoPandasPeer",
    "MathLoopPeer",
    "NumpyPeer",
    "PandasPeer",
    "available_peers",
    "baseline_search",
    "format_report",
    "machine_info",
    "query_set",
    "real_coordinates",
    "run_bench",
    "synthetic_catalog",
]

#: The national SAMHSA facility list, relative to the repository (never copied in).
REAL_FACILITIES = (
    Path(__file__).resolve().parent.parent.parent
    / "shared" / "data" / "samhsa_locator_2021" / "SAMHSA_SUD_facilities_national_2021.csv"
)
DEFAULT_SIZES: tuple[int | str, ...] = (100, 10_000, 100_000, 1_000_000, "real")

#: 25 miles around Boston City Hall, MassHealth, evening sessions.
TYPICAL_QUERY = SearchQuery(
    origin=LatLon(42.3603, -71.0580),
    origin_label="Boston City Hall",
    radius_miles=25,
    insurance=(Insurance.MASSHEALTH,),
    sessions=(PartOfDay.EVENING,),
)

#: The issue's targets: (programs, what, limit).
TARGETS: tuple[tuple[int, str, float], ...] = (
    (10_000, "p50_ms", 2.0),
    (1_000_000, "p50_ms", 50.0),
    (10_000, "ratio_min", 100.0),
    (1_000_000, "peak_mb", 1024.0),
    (10_000, "min_ratio_vs_best_peer", 1.0),
    (1_000_000, "min_ratio_vs_best_peer", 1.0),
)

# Share of programs accepting each plan (FindTreatment MA IOP rows, rounded).
_PLAN_SHARE = {
    Insurance.MASSHEALTH: 0.76,
    Insurance.MEDICARE: 0.52,
    Insurance.PRIVATE: 0.96,
    Insurance.SELF_PAY: 0.96,
    Insurance.SLIDING_SCALE: 0.19,
    Insurance.FREE: 0.05,
    Insurance.MILITARY: 0.2,
    Insurance.STATE_FINANCED: 0.3,
    **dict.fromkeys(INSURANCE_BITS[3:13], 0.25),
}
# Typical weekly schedules (from the sample dataset); "" is "not listed".
_SCHEDULES = (
    "",
    "Mo-Fr 09:00-12:00",
    "Mo-Th 17:30-20:30",
    "Mo,We,Th 13:00-16:00",
    "Mo-Th 10:00-13:00, Mo,We,Th 18:00-21:00",
    "Tu,We,Th 17:00-20:00",
    "Tu,Th 13:30-16:30",
    "Sa,Su 10:00-13:00",
    "Mo,We,Th 18:00-21:00",
    "Sa 09:00-12:00, Su 10:00-13:00",
    "Mo-Th 17:30-20:30, Sa 09:00-12:00, Su 10:00-13:00",
    "Mo,We,Fr 09:30-12:30, Mo,Tu,Th 18:00-21:00",
    "Mo,Tu,Th 18:00-21:00",
    "Mo,We,Fr 09:30-12:30",
    "Mo-Fr 09:00-12:00, Mo-Th 17:30-20:30",
)
_SCHEDULE_SHARE = (0.15, *([0.85 / (len(_SCHEDULES) - 1)] * (len(_SCHEDULES) - 1)))
_TODAY = dt.date(2026, 1, 1)


def real_coordinates(path: Path = REAL_FACILITIES) -> npt.NDArray[np.float64] | None:
    """Read the real facility coordinates as an ``(n, 2)`` array of (lat, lon).

    Parameters
    ----------
    path : Path
        The SAMHSA national CSV.

    Returns
    -------
    ndarray or None
        None when the file is not there (e.g. outside the development setup).
    """
    if not path.is_file():
        return None
    points = []
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            try:
                lat, lon = float(row["latitude"]), float(row["longitude"])
            except (KeyError, ValueError):
                continue
            if -90 <= lat <= 90 and -180 <= lon <= 180:
                points.append((lat, lon))
    return np.array(points, dtype=np.float64)


def _ma_zip_centres() -> npt.NDArray[np.float64]:
    import zipcodes

    return np.array(
        [(float(z["lat"]), float(z["long"])) for z in zipcodes.filter_by(state="MA")],
        dtype=np.float64,
    )


class _LazyPrograms(dict[int, Program]):
    """Programs built from the columns on first access, then kept.

    A dict with ``__missing__`` rather than a ``Sequence`` class: a hit is then a
    C-level lookup, like indexing the tuple a real catalog holds, so the timing
    is not dominated by this stand-in.
    """

    def __init__(self, columns: dict[str, Any]) -> None:
        super().__init__()
        self._columns = columns

    def __len__(self) -> int:
        return len(self._columns["latitude"])

    def __missing__(self, index: int) -> Program:
        program = self[index] = self._build(index)
        return program

    def _build(self, i: int) -> Program:
        c = self._columns
        plans = int(c["insurance"][i])
        code = int(c["schedule_code"][i])
        return Program(
            program_id=f"synthetic-{i:07d}",
            organization="Synthetic Organization",
            program_name=f"Synthetic IOP {i}",
            level_of_care=LEVEL_BITS[int(c["level"][i]).bit_length() - 1],
            street="1 Example St",
            city="Example",
            state="MA",
            zip="00000",
            latitude=float(c["latitude"][i]),
            longitude=float(c["longitude"][i]),
            phone="(617) 555-0100",
            last_verified=dt.date.fromordinal(int(c["last_verified"][i])),
            source="Synthetic (benchmark)",
            insurance=tuple(p for b, p in enumerate(INSURANCE_BITS) if plans >> b & 1),
            schedule=c["schedules"][code] if code >= 0 else "",
            attendance=(None, Attendance.IN_PERSON, Attendance.TELEHEALTH, Attendance.HYBRID)[
                int(c["attendance"][i])
            ],
            accepting_new_clients=Accepting.YES if c["accepting"][i] else Accepting.UNKNOWN,
        )


def _bits(rng: np.random.Generator, n: int, shares: Sequence[float], dtype: type) -> Any:
    mask: Any = np.zeros(n, dtype=dtype)
    for bit, share in enumerate(shares):
        mask |= (rng.random(n) < share).astype(dtype) << dtype(bit)
    return mask


def synthetic_catalog(
    n: int | None,
    rng: np.random.Generator,
    anchors: npt.NDArray[np.float64],
    *,
    exact: bool = False,
) -> tuple[Catalog, dict[str, Any]]:
    """Build a catalog of synthetic programs spread like real facilities.

    Parameters
    ----------
    n : int or None
        How many programs; None with ``exact`` means one per anchor.
    rng : numpy.random.Generator
        Source of randomness (seeded, so runs repeat).
    anchors : ndarray
        ``(k, 2)`` real (lat, lon) points to place programs around.
    exact : bool
        Put the programs exactly on the anchors instead (the real dataset).

    Returns
    -------
    tuple[Catalog, dict]
        The catalog and its raw columns (for the baseline).
    """
    if exact:
        points = anchors
    else:
        assert n is not None
        picks = anchors[rng.integers(0, len(anchors), n)]
        jitter = rng.normal(0.0, 0.03, (n, 2))  # about 2 miles
        jitter[:, 1] /= np.cos(np.radians(picks[:, 0]))
        points = picks + jitter
        points[:, 0] = np.clip(points[:, 0], -89.9, 89.9)
        points[:, 1] = (points[:, 1] + 180.0) % 360.0 - 180.0
    size = len(points)
    shares = [_PLAN_SHARE.get(plan, 0.0) for plan in INSURANCE_BITS]
    language_shares = [0.98 if x == "English" else 0.35 if x == "Spanish" else 0.03
                       for x in LANGUAGE_BITS]
    columns: dict[str, Any] = {
        "latitude": points[:, 0].copy(),
        "longitude": points[:, 1].copy(),
        "insurance": _bits(rng, size, shares, np.uint32),
        "level": (np.uint8(1) << rng.choice(
            np.arange(len(LEVEL_BITS), dtype=np.uint8), size, p=[0.7, 0.25, 0.05, 0.0]
        )).astype(np.uint8),
        "services": _bits(rng, size, [0.6, 0.15, 0.5, 0.7][: len(SERVICE_BITS)], np.uint8),
        "populations": _bits(rng, size, [0.85] + [0.15] * (len(POPULATION_BITS) - 1), np.uint16),
        "languages": _bits(rng, size, language_shares, np.uint64),
        "attendance": rng.choice(np.arange(4, dtype=np.uint8), size, p=[0.1, 0.45, 0.07, 0.38]),
        "accepting": rng.random(size) < 0.6,
        "last_verified": _TODAY.toordinal() - rng.integers(0, 365, size, dtype=np.int32),
        "schedules": _SCHEDULES[1:],
        "schedule_code": rng.choice(len(_SCHEDULES), size, p=_SCHEDULE_SHARE).astype(np.int32) - 1,
    }
    programs = cast(Sequence[Program], _LazyPrograms(columns))  # indexed like one
    catalog = Catalog.from_arrays(programs=programs, **columns)
    return catalog, columns


def baseline_search(rows: Sequence[dict[str, Any]], query: SearchQuery) -> list[tuple[float, int]]:
    """Answer the typical query the tutorial way: a Python loop with geopy per row.

    Parameters
    ----------
    rows : Sequence[dict]
        ``{"i", "lat", "lon", "insurance": list[str], "schedule": str}`` per program.
    query : SearchQuery
        Uses origin, radius, insurance and sessions.

    Returns
    -------
    list of (distance_miles, i)
        Matches, nearest first.
    """
    from geopy.distance import distance

    origin = (query.origin.lat, query.origin.lon)
    plans = [str(p) for p in query.insurance]
    parts = set(query.sessions)
    found = []
    for row in rows:
        miles = distance(origin, (row["lat"], row["lon"])).miles
        if query.radius_miles is not None and miles > query.radius_miles:
            continue
        if plans and not any(plan in row["insurance"] for plan in plans):
            continue
        if parts:
            schedule = try_weekly_schedule(row["schedule"])
            if schedule is None or not parts & schedule.parts:
                continue
        found.append((miles, row["i"]))
    found.sort()
    return found


def _baseline_rows(columns: dict[str, Any], picks: npt.NDArray[np.int64]) -> list[dict[str, Any]]:
    schedules = columns["schedules"]
    rows = []
    for i in picks.tolist():
        plans = int(columns["insurance"][i])
        code = int(columns["schedule_code"][i])
        rows.append({
            "i": i,
            "lat": float(columns["latitude"][i]),
            "lon": float(columns["longitude"][i]),
            "insurance": [str(p) for b, p in enumerate(INSURANCE_BITS) if plans >> b & 1],
            "schedule": schedules[code] if code >= 0 else "",
        })
    return rows


def _percentile_ms(samples_ns: Sequence[int], q: float) -> float:
    return float(np.percentile(np.asarray(samples_ns, dtype=np.float64), q)) / 1e6


# --- The query set -----------------------------------------------------------

#: Where the query set searches from: dense, sparse, and the densest spot of
#: the national spread (synthetic programs follow the real facilities, so New
#: York City has the most programs per square mile of any origin).
ORIGINS: tuple[tuple[str, LatLon], ...] = (
    ("Boston", LatLon(42.3603, -71.0580)),
    ("Berkshires", LatLon(42.4501, -73.2454)),
    ("New York City", LatLon(40.7128, -74.0060)),
)
#: Radii of the query set; None is "any distance".
QUERY_RADII: tuple[int | None, ...] = (5, 10, 25, 50, 100, None)
#: The filters of the query set: none, and the typical ones.
QUERY_FILTERS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("no filter", {}),
    ("MassHealth + evening", {"insurance": (Insurance.MASSHEALTH,),
                              "sessions": (PartOfDay.EVENING,)}),
)
#: Results per page: what the find page shows first.
PAGE_SIZE = 10


def query_set() -> list[tuple[str, SearchQuery]]:
    """Return the benchmark's queries: every origin, radius and filter set.

    Returns
    -------
    list of (label, SearchQuery)
        36 queries, labelled like ``"Boston 25 mi, MassHealth + evening"``.
    """
    queries = []
    for place, origin in ORIGINS:
        for radius in QUERY_RADII:
            for filter_label, filters in QUERY_FILTERS:
                distance = "any distance" if radius is None else f"{radius} mi"
                queries.append((
                    f"{place} {distance}, {filter_label}",
                    SearchQuery(origin=origin, origin_label=place, radius_miles=radius, **filters),
                ))
    return queries


# --- Peers: the same question answered with other tools ----------------------
#
# Each peer answers what the find page asks: how many programs match, and the
# first page of them, nearest first. Each gets the same columns the catalog is
# built from (plans as a bitmask, part-of-day masks per row) and prepares its
# structures once, like the catalog, before any query is timed.


class _Peer:
    """One way of answering a query, outside ``finder.search``."""

    name = ""
    description = ""

    def __init__(self, columns: dict[str, Any]) -> None:
        self.n = len(columns["latitude"])
        self.lat = np.asarray(columns["latitude"], dtype=np.float64)
        self.lon = np.asarray(columns["longitude"], dtype=np.float64)
        self.plans = np.asarray(columns["insurance"], dtype=np.uint32)
        parts_of_code = np.array(
            [mask_of(s.parts, PART_BITS) if (s := try_weekly_schedule(t)) else 0
             for t in columns["schedules"]] + [0],
            dtype=np.uint8,
        )
        self.parts = parts_of_code[np.asarray(columns["schedule_code"])]

    @staticmethod
    def masks(query: SearchQuery) -> tuple[int, int]:
        """Return the plan and part-of-day bits a query asks for (0: no such filter)."""
        other = (query.available, query.level_of_care, query.services, query.populations,
                 query.languages, query.attendance, query.accepting_new_clients,
                 query.include_unknown_schedule)
        if any(other):
            raise ValueError("the peers implement the plan and part-of-day filters only")
        return mask_of(query.insurance, INSURANCE_BITS), mask_of(query.sessions, PART_BITS)

    def keep(self, query: SearchQuery) -> npt.NDArray[np.intp] | None:
        """Rows passing the filters, or None when the query has none."""
        plan_bits, part_bits = self.masks(query)
        if not (plan_bits or part_bits):
            return None
        ok = np.ones(self.n, dtype=bool)
        if plan_bits:
            ok &= (self.plans & np.uint32(plan_bits)) != 0
        if part_bits:
            ok &= (self.parts & np.uint8(part_bits)) != 0
        return np.flatnonzero(ok)

    def __call__(self, query: SearchQuery) -> tuple[int, list[int]]:
        """Return the number of matches and the rows of the first page, nearest first."""
        raise NotImplementedError


def _first_page(rows: npt.NDArray[Any], miles: npt.NDArray[np.float64]) -> list[int]:
    if len(rows) > PAGE_SIZE:
        near = np.argpartition(miles, PAGE_SIZE)[:PAGE_SIZE]
        rows, miles = rows[near], miles[near]
    return [int(r) for r in rows[np.argsort(miles, kind="stable")]]


def _haversine(lat_rad: Any, lon_rad: Any, origin: LatLon) -> Any:
    """Return the textbook vectorized haversine (numpy or pandas), in miles.

    The peers' own code on purpose: ``finder.search.haversine_miles`` is what
    they are compared with.
    """
    lat0, lon0 = math.radians(origin.lat), math.radians(origin.lon)
    a = (np.sin((lat_rad - lat0) / 2) ** 2
         + math.cos(lat0) * np.cos(lat_rad) * np.sin((lon_rad - lon0) / 2) ** 2)
    return 2 * EARTH_RADIUS_MILES * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


class MathLoopPeer(_Peer):
    """A plain Python loop with the ``math`` haversine, then a sort."""

    name = "math loop"
    description = "per-row Python loop, math.sin/cos haversine, sorted list"

    def __init__(self, columns: dict[str, Any]) -> None:
        super().__init__(columns)
        self.rows = list(zip(self.lat.tolist(), self.lon.tolist(), self.plans.tolist(),
                             self.parts.tolist(), strict=True))

    def __call__(self, query: SearchQuery) -> tuple[int, list[int]]:
        """Return the number of matches and the rows of the first page, nearest first."""
        plan_bits, part_bits = self.masks(query)
        radius = query.radius_miles
        lat0, lon0 = math.radians(query.origin.lat), math.radians(query.origin.lon)
        cos0 = math.cos(lat0)
        sin, cos, asin, sqrt, radians = math.sin, math.cos, math.asin, math.sqrt, math.radians
        hits = []
        for i, (lat, lon, plans, parts) in enumerate(self.rows):
            if plan_bits and not plans & plan_bits:
                continue
            if part_bits and not parts & part_bits:
                continue
            phi = radians(lat)
            a = sin((phi - lat0) / 2) ** 2 + cos0 * cos(phi) * sin((radians(lon) - lon0) / 2) ** 2
            miles = 2 * EARTH_RADIUS_MILES * asin(sqrt(min(a, 1.0)))
            if radius is None or miles <= radius:
                hits.append((miles, i))
        hits.sort()
        return len(hits), [i for _, i in hits[:PAGE_SIZE]]


class NumpyPeer(_Peer):
    """numpy vectorized: filter masks, the haversine on what is left, a partial sort."""

    name = "numpy"
    description = "numpy arrays (radians precomputed), boolean masks, argpartition"

    def __init__(self, columns: dict[str, Any]) -> None:
        super().__init__(columns)
        self.lat_rad, self.lon_rad = np.radians(self.lat), np.radians(self.lon)

    def __call__(self, query: SearchQuery) -> tuple[int, list[int]]:
        """Return the number of matches and the rows of the first page, nearest first."""
        rows = self.keep(query)
        if rows is None:
            miles = _haversine(self.lat_rad, self.lon_rad, query.origin)
            rows = np.arange(self.n)
        else:
            miles = _haversine(self.lat_rad[rows], self.lon_rad[rows], query.origin)
        if query.radius_miles is not None:
            inside = miles <= query.radius_miles
            rows, miles = rows[inside], miles[inside]
        return len(rows), _first_page(rows, miles)


class PandasPeer(_Peer):
    """pandas: a DataFrame filtered with boolean masks, ``nsmallest`` for the page."""

    name = "pandas"
    description = "DataFrame, boolean masks, vectorized haversine on Series, nsmallest"

    def __init__(self, columns: dict[str, Any]) -> None:
        super().__init__(columns)
        import pandas as pd  # type: ignore[import-untyped,unused-ignore]

        self.frame = pd.DataFrame({
            "lat_rad": np.radians(self.lat), "lon_rad": np.radians(self.lon),
            "plans": self.plans, "parts": self.parts,
        })

    def __call__(self, query: SearchQuery) -> tuple[int, list[int]]:
        """Return the number of matches and the rows of the first page, nearest first."""
        plan_bits, part_bits = self.masks(query)
        frame = self.frame
        if plan_bits:
            frame = frame[(frame["plans"] & plan_bits) != 0]
        if part_bits:
            frame = frame[(frame["parts"] & part_bits) != 0]
        miles = _haversine(frame["lat_rad"], frame["lon_rad"], query.origin)
        if query.radius_miles is not None:
            miles = miles[miles <= query.radius_miles]
        return len(miles), [int(i) for i in miles.nsmallest(PAGE_SIZE, keep="first").index]


class GeoPandasPeer(NumpyPeer):
    """GeoPandas: the spatial index (STRtree) in EPSG:26986 finds candidates, haversine decides.

    Planar distance in the Massachusetts state plane differs from the
    great-circle one (by up to 0.26 % over the state, more far from it), so
    the index is asked for a slightly wider circle and the exact distance
    decides; that is how the same hits come back. "Any distance" gives the
    index nothing to do: that query falls back to the numpy code.
    """

    name = "GeoPandas sindex"
    description = "GeoDataFrame in EPSG:26986, sindex.query(dwithin), haversine refine"
    _MARGIN = 1.03  # wider than any planar scale error near the query origins

    def __init__(self, columns: dict[str, Any]) -> None:
        super().__init__(columns)
        import geopandas as gpd
        from pyproj import Transformer

        frame = gpd.GeoDataFrame(
            geometry=gpd.points_from_xy(self.lon, self.lat), crs="EPSG:4326"
        ).to_crs(26986)
        self.sindex = frame.sindex
        self.to_plane = Transformer.from_crs(4326, 26986, always_xy=True)

    def __call__(self, query: SearchQuery) -> tuple[int, list[int]]:
        """Return the number of matches and the rows of the first page, nearest first."""
        if query.radius_miles is None:
            return super().__call__(query)
        import shapely

        x, y = self.to_plane.transform(query.origin.lon, query.origin.lat)
        reach = query.radius_miles * 1609.344 * self._MARGIN
        rows = np.sort(self.sindex.query(shapely.Point(x, y), predicate="dwithin", distance=reach))
        plan_bits, part_bits = self.masks(query)
        if plan_bits:
            rows = rows[(self.plans[rows] & np.uint32(plan_bits)) != 0]
        if part_bits:
            rows = rows[(self.parts[rows] & np.uint8(part_bits)) != 0]
        miles = _haversine(self.lat_rad[rows], self.lon_rad[rows], query.origin)
        inside = miles <= query.radius_miles
        rows, miles = rows[inside], miles[inside]
        return len(rows), _first_page(rows, miles)


class BallTreePeer(_Peer):
    """scikit-learn ``BallTree`` with the haversine metric (optional ``bench`` extra).

    A radius query is ``query_radius`` (with distances), then the filters. For
    "any distance" it asks for the nearest k, doubling k until a page passes
    the filters, and counts the matches from the filter masks.
    """

    name = "scikit-learn BallTree"
    description = "BallTree(metric='haversine'), query_radius / query(k), masks"

    def __init__(self, columns: dict[str, Any]) -> None:
        super().__init__(columns)
        from sklearn.neighbors import BallTree

        self.tree = BallTree(np.radians(np.column_stack([self.lat, self.lon])), metric="haversine")

    def __call__(self, query: SearchQuery) -> tuple[int, list[int]]:
        """Return the number of matches and the rows of the first page, nearest first."""
        plan_bits, part_bits = self.masks(query)
        point = np.radians([[query.origin.lat, query.origin.lon]])

        def passing(rows: npt.NDArray[Any]) -> npt.NDArray[np.bool_]:
            ok = np.ones(len(rows), dtype=bool)
            if plan_bits:
                ok &= (self.plans[rows] & np.uint32(plan_bits)) != 0
            if part_bits:
                ok &= (self.parts[rows] & np.uint8(part_bits)) != 0
            return ok

        if query.radius_miles is not None:
            (rows,), (angle,) = self.tree.query_radius(
                point, query.radius_miles / EARTH_RADIUS_MILES, return_distance=True
            )
            ok = passing(rows)
            rows, miles = rows[ok], angle[ok] * EARTH_RADIUS_MILES
            return len(rows), _first_page(rows, miles)
        total = self.n if not (plan_bits or part_bits) else int(np.count_nonzero(
            passing(np.arange(self.n))))
        k = min(self.n, 4 * PAGE_SIZE)
        while True:
            angle, rows = self.tree.query(point, k=k)
            ok = passing(rows[0])
            if np.count_nonzero(ok) >= min(PAGE_SIZE, total) or k == self.n:
                rows, miles = rows[0][ok], angle[0][ok] * EARTH_RADIUS_MILES
                return total, _first_page(rows, miles)
            k = min(self.n, k * 4)


def available_peers() -> tuple[list[type[_Peer]], list[str]]:
    """Return the peer classes that can run here, and notes on any that cannot.

    Returns
    -------
    (list of peer classes, list of str)
    """
    peers: list[type[_Peer]] = [MathLoopPeer, NumpyPeer, PandasPeer, GeoPandasPeer]
    notes = []
    try:
        import sklearn  # noqa: F401
    except ImportError:
        notes.append("scikit-learn is not installed (pip install 'iop-finder[bench]'): "
                     "the BallTree peer was skipped.")
    else:
        peers.append(BallTreePeer)
    return peers, notes


def _ours(catalog: Catalog) -> Any:
    def run(query: SearchQuery) -> tuple[int, Sequence[Any]]:
        result = search(catalog, query)
        return result.total, result.matches[:PAGE_SIZE]  # the page a person sees

    return run


def _same_hits(
    what: str, ours: tuple[int, list[int], list[float]], theirs: tuple[int, list[int]],
    miles_of: Any,
) -> None:
    """Fail unless a peer found as many matches and the same first page.

    Ties (programs at the same distance to within a micro-mile, which the
    peers' arithmetic may order either way) may swap places.
    """
    total, page, distances = ours
    their_total, their_page = theirs
    if total != their_total or len(page) != len(their_page):
        raise AssertionError(f"{what}: {their_total} matches, search() found {total}")
    their_distances = [float(miles_of(i)) for i in their_page]
    for i, (mine, other) in enumerate(zip(page, their_page, strict=True)):
        if mine != other and abs(distances[i] - their_distances[i]) > 1e-6:
            raise AssertionError(f"{what}: result {i + 1} differs ({other} instead of {mine})")


def _rss_mb() -> tuple[float | None, float | None]:
    """Return the current and peak resident set size of this process (Linux), in MB."""
    now = peak = None
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                now = int(line.split()[1]) / 1024
            elif line.startswith("VmHWM:"):
                peak = int(line.split()[1]) / 1024
    except OSError:
        pass
    return now, peak


def _reset_peak_rss() -> bool:
    """Restart the kernel's peak-RSS count (``VmHWM``); False where that is not possible."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _repeat_for(n: int) -> int:
    return 15 if n <= 20_000 else 7 if n <= 200_000 else 3


@functools.lru_cache(maxsize=1)
def machine_info() -> dict[str, Any]:
    """Describe the machine the benchmark ran on."""
    model = platform.processor() or platform.machine()
    memory_gb = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
                break
    except OSError:
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count() or 0
    try:
        load = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        load = []
    return {
        "cpu": model,
        "cpus": usable,
        "memory_gb": memory_gb,
        "os": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "load_average_at_start": load,
    }


def run_bench(
    sizes: Sequence[int | str] = DEFAULT_SIZES,
    *,
    repeat: int | None = None,
    baseline_rows: int = 20_000,
    baseline_repeat: int = 3,
    seed: int = 5,
    real_path: Path = REAL_FACILITIES,
    loop_rows: int = 20_000,
) -> dict[str, Any]:
    """Time the query set at each size against the peers, interleaved, same hits asserted.

    For each size, one round runs every query of ``query_set()`` through
    ``search()`` (count plus the first page of ``Match`` objects) and through
    every peer, back to back, in an order that rotates between rounds; rounds
    repeat ``repeat`` times. Before timing, each peer's answer is checked
    against ``search()``'s (same count, same first page) and a mismatch
    raises ``AssertionError``.

    Parameters
    ----------
    sizes : Sequence[int | str]
        Catalog sizes; ``"real"`` is the real national facility list (skipped,
        with a note, when the file is absent).
    repeat : int, optional
        Rounds per size; by default 15 for small catalogs down to 3 at a million.
    baseline_rows : int
        Largest number of rows the geopy baseline loops over; larger catalogs
        are sampled and the time scaled.
    baseline_repeat : int
        Timed geopy baseline runs per size.
    seed : int
        Random seed for the synthetic data and samples.
    real_path : Path
        Where the real facility list is.
    loop_rows : int
        Largest number of rows the ``math`` loop peer runs on; above it, it
        runs on a random sample, its time is scaled and its hits are not
        compared (the report says so).

    Returns
    -------
    dict
        ``{"machine", "query", "queries", "peers", "results": [...], "notes", "targets"}``.
        Each result keeps ``ratio`` (the geopy baseline, the slowest, on the
        typical query) and adds ``best_peer``, ``ratio_vs_best_peer``,
        ``ratio_vs_peer`` and per-query figures in ``queries``.
    """
    rng = np.random.default_rng(seed)
    real = real_coordinates(real_path)
    notes: list[str] = []
    if real is not None:
        anchors = real
        spread = f"around the {len(real):,} real SAMHSA facility locations"
    else:
        anchors = _ma_zip_centres()
        spread = "around Massachusetts ZIP centres (real facility file not found)"
    notes.append(f"Synthetic programs are placed {spread}, with about 2 miles of jitter.")
    peer_classes, peer_notes = available_peers()
    notes.extend(peer_notes)
    queries = query_set()
    typical = next(i for i, (_, q) in enumerate(queries)
                   if dataclasses.replace(q, origin_label=TYPICAL_QUERY.origin_label) == TYPICAL_QUERY)
    results = []
    for size in sizes:
        if size == "real":
            if real is None:
                notes.append(f"Skipped 'real': {real_path.name} not found.")
                continue
            label = "real SAMHSA 2021 facilities (synthetic attributes)"
        else:
            label = "synthetic"
        results.append(_bench_size(
            size, label, rng, anchors, queries, typical, peer_classes, notes,
            repeat=repeat, baseline_rows=baseline_rows, baseline_repeat=baseline_repeat,
            loop_rows=loop_rows,
        ))
    notes.append(
        "Every round runs each query through search() and every peer back to back, in an "
        "order that rotates, so load on the machine falls on all of them alike; garbage "
        "collection is off inside timed calls (as in timeit). p50/p95 are wall-clock over "
        "every query and round; cpu_p50_ms is process CPU time."
    )
    notes.append(
        "search() is timed returning the count and building the first page of 10 Match "
        "objects (program, distance, reasons); a peer returns the count and the row numbers "
        "of its first page. Index and catalog building is not timed (setup_ms)."
    )
    notes.append(
        "peak_mb is tracemalloc's peak while building the catalog and running one query; "
        "peak_rss_mb is the process's peak resident memory (VmHWM, reset before each size) "
        "through building the catalog, every peer's structures and all queries."
    )
    max_rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "machine": {**machine_info(), "max_rss_mb": round(max_rss_kb / 1024, 1)},
        "query": {**TYPICAL_QUERY.as_dict(), "description": describe(TYPICAL_QUERY)},
        "queries": [{"label": text, "query": q.as_dict()} for text, q in queries],
        "peers": {c.name: c.description for c in peer_classes},
        "results": results,
        "targets": _check_targets(results),
        "notes": notes,
    }


def _bench_size(
    size: int | str,
    label: str,
    rng: np.random.Generator,
    anchors: npt.NDArray[np.float64],
    queries: list[tuple[str, SearchQuery]],
    typical: int,
    peer_classes: list[type[_Peer]],
    notes: list[str],
    *,
    repeat: int | None,
    baseline_rows: int,
    baseline_repeat: int,
    loop_rows: int,
) -> dict[str, Any]:
    reset = _reset_peak_rss()
    tracemalloc.start()
    start = time.perf_counter()
    if size == "real":
        catalog, columns = synthetic_catalog(None, rng, anchors, exact=True)
    else:
        catalog, columns = synthetic_catalog(int(size), rng, anchors)
    search(catalog, TYPICAL_QUERY).matches[:PAGE_SIZE]
    peak_mb = tracemalloc.get_traced_memory()[1] / 1_048_576
    tracemalloc.stop()
    setup_ms = {"search (Catalog.from_arrays)": round((time.perf_counter() - start) * 1e3, 1)}
    n = len(catalog)
    runners: dict[str, Any] = {"search": _ours(catalog)}
    sampled_loop = n > loop_rows
    loop_scale = 1.0
    for peer_class in peer_classes:
        start = time.perf_counter()
        if peer_class is MathLoopPeer and sampled_loop:
            picks = np.sort(rng.choice(n, loop_rows, replace=False))
            runners[peer_class.name] = peer_class(
                {k: (v[picks] if isinstance(v, np.ndarray) else v) for k, v in columns.items()}
            )
            loop_scale = n / loop_rows
        else:
            runners[peer_class.name] = peer_class(columns)
        setup_ms[peer_class.name] = round((time.perf_counter() - start) * 1e3, 1)
    if sampled_loop:
        notes.append(
            f"At {n:,} programs the math loop ran on a random sample of {loop_rows:,} rows; its "
            f"time is scaled by {loop_scale:g} and its hits are not compared."
        )

    # Same hits, checked before anything is timed (this also warms every cache).
    lat, lon = columns["latitude"], columns["longitude"]
    rad = np.radians(np.column_stack([lat, lon]))
    counts = []
    for text, query in queries:
        total, page = runners["search"](query)
        ids = [int(m.program.program_id.rsplit("-", 1)[1]) for m in page]
        counts.append(total)
        ours = (total, ids, [m.distance_miles for m in page])

        def miles_of(i: int, origin: LatLon = query.origin) -> float:
            return float(_haversine(rad[i, 0], rad[i, 1], origin))

        for name, peer in runners.items():
            if name == "search" or (name == MathLoopPeer.name and sampled_loop):
                continue
            _same_hits(f"{name} at {n:,} programs, {text}", ours, peer(query), miles_of)

    names = list(runners)
    wall: dict[str, list[list[int]]] = {name: [[] for _ in queries] for name in names}
    cpu: list[int] = []
    rounds = repeat or _repeat_for(n)
    # As timeit does: no garbage collection inside a timed call. Otherwise a
    # collection set off by one contender's allocations walks every object
    # alive, the peers' million shapely points included, and lands on
    # whichever call happens to be running.
    collecting = gc.isenabled()
    gc.disable()
    for round_ in range(rounds):
        gc.collect()
        for qi, (_, query) in enumerate(queries):
            shift = (round_ + qi) % len(names)
            for name in names[shift:] + names[:shift]:
                run = runners[name]
                began, began_cpu = time.perf_counter_ns(), time.process_time_ns()
                run(query)
                elapsed = time.perf_counter_ns() - began
                if name == "search":
                    cpu.append(time.process_time_ns() - began_cpu)
                elif name == MathLoopPeer.name:
                    elapsed = int(elapsed * loop_scale)
                wall[name][qi].append(elapsed)
    if collecting:
        gc.enable()
    rss_now, rss_peak = _rss_mb()

    per_query = []
    for qi, (text, _query) in enumerate(queries):
        ours_ms = statistics.median(wall["search"][qi]) / 1e6
        peer_ms = {name: statistics.median(wall[name][qi]) / 1e6 for name in names[1:]}
        best = min(peer_ms, key=peer_ms.__getitem__) if peer_ms else None
        per_query.append({
            "label": text,
            "matches": counts[qi],
            "p50_ms": round(ours_ms, 3),
            "peers_p50_ms": {k: round(v, 3) for k, v in peer_ms.items()},
            "best_peer": best,
            "ratio_vs_best_peer": round(peer_ms[best] / ours_ms, 2) if best else None,
        })
    total_ms = {name: sum(statistics.median(s) for s in wall[name]) / 1e6 for name in names}
    ratio_vs_peer = {name: round(total_ms[name] / total_ms["search"], 2) for name in names[1:]}
    best_peer = min(ratio_vs_peer, key=ratio_vs_peer.__getitem__) if ratio_vs_peer else None
    everything = [t for samples in wall["search"] for t in samples]

    # The geopy baseline (the slowest) on the typical query, as before: `ratio`.
    sample = min(n, baseline_rows)
    picks = np.arange(n) if sample == n else np.sort(rng.choice(n, sample, replace=False))
    rows = _baseline_rows(columns, picks)
    baseline_ns = []
    for _ in range(baseline_repeat):
        began = time.perf_counter_ns()
        baseline_search(rows, TYPICAL_QUERY)
        baseline_ns.append((time.perf_counter_ns() - began) * n // sample)
    baseline_p50 = statistics.median(baseline_ns) / 1e6
    typical_p50 = per_query[typical]["p50_ms"]
    if sample < n:
        notes.append(
            f"Baseline at {n:,} programs ran on a random sample of {sample:,} rows; "
            f"its time is scaled by {n / sample:g}."
        )
    if counts[typical] == 0:
        notes.append(
            f"At {n:,} programs ({label}) the typical query matched none: its time is that "
            "of an empty answer."
        )
    worst = min(per_query, key=lambda q: q["ratio_vs_best_peer"] or math.inf)
    return {
        "programs": n,
        "data": label,
        "matches": counts[typical],
        "repeat": rounds,
        "queries_timed": len(everything),
        "p50_ms": round(_percentile_ms(everything, 50), 3),
        "p95_ms": round(_percentile_ms(everything, 95), 3),
        "cpu_p50_ms": round(_percentile_ms(cpu, 50), 3),
        "typical_p50_ms": typical_p50,
        "baseline_p50_ms": round(baseline_p50, 1),
        "baseline_sampled_rows": sample if sample < n else None,
        "ratio": round(baseline_p50 / typical_p50, 1) if typical_p50 else None,
        "ratio_vs_peer": ratio_vs_peer,
        "best_peer": best_peer,
        "ratio_vs_best_peer": ratio_vs_peer.get(best_peer) if best_peer else None,
        "min_ratio_vs_best_peer": worst["ratio_vs_best_peer"],
        "slowest_query_vs_best_peer": worst["label"],
        "peak_mb": round(peak_mb, 1),
        "rss_mb": round(rss_now, 1) if rss_now else None,
        "peak_rss_mb": round(rss_peak, 1) if rss_peak and reset else None,
        "catalog_mb": round(catalog.nbytes / 1_048_576, 1),
        "setup_ms": setup_ms,
        "queries": per_query,
    }


def _check_targets(results: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    checks = []
    for programs, what, limit in TARGETS:
        row = next((r for r in results if r["programs"] == programs and r["data"] == "synthetic"),
                   None)
        if row is None:
            continue
        if what in ("ratio_min", "min_ratio_vs_best_peer"):
            key = "ratio" if what == "ratio_min" else what
            value = row[key]
            met = value is not None and value >= limit
            text = (f"ratio >= {limit:g} at {programs:,}" if what == "ratio_min" else
                    f"every query >= {limit:g}x the best peer at {programs:,}")
        else:
            value, met = row[what], row[what] <= limit
            text = f"{what} <= {limit:g} at {programs:,}"
        checks.append({"target": text, "value": value, "met": bool(met)})
    return checks


def format_report(report: dict[str, Any]) -> str:
    """Render ``run_bench`` output as plain-text tables with notes.

    Parameters
    ----------
    report : dict
        What ``run_bench`` returned.

    Returns
    -------
    str
    """
    machine = report["machine"]
    peers = list(report["peers"])
    lines = [
        f"Query: {report['query']['description']}",
        f"Query set: {len(report['queries'])} queries (origins Boston, Berkshires, New York "
        "City; 5 to 100 miles and any; with and without filters)",
        f"Machine: {machine['cpu']}, {machine['cpus']} CPUs, {machine['memory_gb']} GB, "
        f"Python {machine['python']}, numpy {machine['numpy']}, "
        f"load average at start {machine.get('load_average_at_start')}",
        "",
        f"{'programs':>10} {'matches':>8} {'p50 ms':>8} {'p95 ms':>8} {'cpu p50':>8} "
        f"{'baseline ms':>12} {'ratio':>8} {'best peer':>22} {'x best':>7} {'worst q':>8} "
        f"{'peak MB':>8} {'RSS MB':>8}  data",
    ]
    for r in report["results"]:
        sampled = "*" if r["baseline_sampled_rows"] else " "
        lines.append(
            f"{r['programs']:>10,} {r['matches']:>8,} {r['p50_ms']:>8.3f} {r['p95_ms']:>8.3f} "
            f"{r['cpu_p50_ms']:>8.3f} "
            f"{r['baseline_p50_ms']:>11,.1f}{sampled} {r['ratio'] or 0:>8,.0f} "
            f"{r['best_peer'] or '-':>22} {r['ratio_vs_best_peer'] or 0:>7.2f} "
            f"{r['min_ratio_vs_best_peer'] or 0:>8.2f} "
            f"{r['peak_mb']:>8.1f} {r['peak_rss_mb'] or 0:>8.1f}  {r['data']}"
        )
    for r in report["results"]:
        lines.append("")
        lines.append(f"At {r['programs']:,} programs ({r['data']}): ms per query, p50 "
                     f"(ratio = peer / search; setup ms: {r['setup_ms']})")
        header = f"{'query':<44} {'matches':>8} {'search':>8} " + " ".join(
            f"{p[:14]:>14}" for p in peers) + f" {'x best':>7}"
        lines.append(header)
        for q in r["queries"]:
            lines.append(
                f"{q['label']:<44} {q['matches']:>8,} {q['p50_ms']:>8.3f} "
                + " ".join(f"{q['peers_p50_ms'].get(p, 0):>14.3f}" for p in peers)
                + f" {q['ratio_vs_best_peer'] or 0:>7.2f}"
            )
        lines.append("ratio vs each peer (whole set): " + ", ".join(
            f"{k} {v:g}x" for k, v in r["ratio_vs_peer"].items()))
    if report["targets"]:
        lines.append("")
        lines.extend(
            f"target {t['target']}: {t['value']} ({'met' if t['met'] else 'NOT met'})"
            for t in report["targets"]
        )
    lines.append("")
    lines.extend(f"note: {n}" for n in report["notes"])
    lines.append("(* baseline measured on a sample and scaled)")
    return "\n".join(lines)

"""Coverage: how far each Massachusetts town is from a program that fits a need.

For every one of the 351 cities and towns (the points of ``finder/data/ma_towns.csv``,
through ``finder.gazetteer``), ``coverage`` gives the distance to the nearest
program that passes the filters, and how many such programs are within a
radius. Towns with none within the radius are the gaps a planner looks for.

The filtered set of programs comes from the search engine itself: the filters
are a ``SearchQuery`` run at any distance, so coverage can never disagree with
what a searcher would be shown (SOAP counts as IOP, "Private insurance" may
cover a named plan, programs with no schedule listed are left out by schedule
filters, and so on).

Distances are computed with GeoPandas in the Massachusetts State Plane
(EPSG:26986, metres): a nearest join for the distance and a ``dwithin`` query
of the spatial index for the counts. They are straight-line distances from the
town's centre (the middle of its ZIP code centres) to the program's address.
They leave out roads, public transit, travel time and telehealth, which may
serve a town from anywhere; this is planning help, not a statement about any
person's access to care.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from finder.model import LatLon, Program
from finder.search import Catalog, SearchQuery, filter_clauses, search

__all__ = [
    "DEFAULT_RADIUS_MILES",
    "DISTANCE_NOTE",
    "PROJECTED_CRS",
    "TOWN_COLUMNS",
    "CoverageResult",
    "coverage",
    "coverage_heading",
    "distance_bands",
    "filter_programs",
    "towns_geodataframe",
]

#: The Massachusetts State Plane (mainland), in metres: distances are measured here.
PROJECTED_CRS = "EPSG:26986"
DEFAULT_RADIUS_MILES = 25.0
_METERS_PER_MILE = 1609.344

#: What the distance means and what it leaves out; shown with every coverage view.
DISTANCE_NOTE = (
    "Distance is the straight-line distance in miles from the centre of each town "
    "(the middle of its ZIP codes) to the program's address. It is not travel distance: "
    "it leaves out roads, public transit and travel time, and it does not count telehealth, "
    "which can reach a town from anywhere. This is planning help, not a statement about "
    "anyone's access to care."
)

#: Columns of ``CoverageResult.towns`` besides ``geometry``, in order.
TOWN_COLUMNS: tuple[str, ...] = (
    "town",
    "county",
    "latitude",
    "longitude",
    "nearest_miles",
    "programs_within",
    "nearest_program_id",
    "nearest_program",
    "nearest_organization",
    "nearest_city",
)

# Any point will do: the query runs at any distance, only its filters matter.
_ANY_ORIGIN = LatLon(42.3601, -71.0589)


def filter_programs(catalog: Catalog, filters: SearchQuery) -> list[Program]:
    """Return the programs that pass the filters of a query, at any distance.

    Parameters
    ----------
    catalog : Catalog
        The programs (those without coordinates are not in a catalog).
    filters : SearchQuery
        Its origin, radius and sort order are ignored.

    Returns
    -------
    list of Program
        In catalog order.
    """
    import dataclasses

    query = dataclasses.replace(filters, origin=_ANY_ORIGIN, radius_miles=None)
    wanted = {id(m.program) for m in search(catalog, query).matches}
    return [p for p in catalog.programs if id(p) in wanted]


def towns_geodataframe():
    """Return the 351 Massachusetts cities and towns as points (EPSG:4326).

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``town``, ``county``, ``latitude``, ``longitude`` and
        ``geometry``, sorted by county then town.
    """
    import geopandas as gpd
    import pandas as pd  # type: ignore[import-untyped,unused-ignore]

    from finder.gazetteer import default_gazetteer
    from finder.model import to_point

    towns = sorted(default_gazetteer().towns, key=lambda t: (t.county, t.name))
    frame = pd.DataFrame(
        {
            "town": pd.Series([t.name for t in towns], dtype="string"),
            "county": pd.Series([t.county for t in towns], dtype="string"),
            "latitude": [t.lat for t in towns],
            "longitude": [t.lon for t in towns],
        }
    )
    points = [to_point(LatLon(t.lat, t.lon)) for t in towns]
    return gpd.GeoDataFrame(frame, geometry=points, crs="EPSG:4326")


def coverage_heading(
    filters: SearchQuery, radius_miles: float, *, schedule_confirmed: bool = False
) -> str:
    """Name the gap list and its filters in one line.

    Parameters
    ----------
    filters : SearchQuery
        The filters (origin and radius ignored).
    radius_miles : float
        The radius.
    schedule_confirmed : bool
        Whether only programs whose session times a person confirmed count.

    Returns
    -------
    str
        E.g. "Towns more than 25 miles from any program that takes MassHealth".
    """
    if filters.level_of_care:
        levels = " or ".join(str(level) for level in filters.level_of_care)
        subject = f"any {levels} program"
    else:
        subject = "any program"
    clauses = filter_clauses(filters, singular=True)
    if schedule_confirmed:
        clauses.append("has session times a person confirmed")
    heading = f"Towns more than {radius_miles:g} miles from {subject}"
    if clauses:
        heading += " that " + (
            clauses[0] if len(clauses) == 1 else ", ".join(clauses[:-1]) + " and " + clauses[-1]
        )
    if filters.filters_schedule and filters.include_unknown_schedule:
        heading += " (programs with no schedule listed count)"
    return heading


@dataclass(frozen=True)
class CoverageResult:
    """The answer of ``coverage``.

    Parameters
    ----------
    filters : SearchQuery
        The filters used.
    radius_miles : float
        The radius for ``programs_within`` and for the gap list.
    towns : geopandas.GeoDataFrame
        One row per town, EPSG:4326, with ``TOWN_COLUMNS``: ``nearest_miles``
        is ``NaN`` (and the ``nearest_*`` texts are empty) when no program
        passes the filters at all.
    programs : geopandas.GeoDataFrame
        The programs that pass the filters, from ``programs_to_geodataframe``.
    """

    filters: SearchQuery
    radius_miles: float
    towns: Any
    programs: Any
    schedule_confirmed: bool = False

    @property
    def heading(self) -> str:
        """The gap list's heading, naming the filters."""
        return coverage_heading(
            self.filters, self.radius_miles, schedule_confirmed=self.schedule_confirmed
        )

    @property
    def gaps(self):
        """The towns with no program within the radius (a view of ``towns``)."""
        return self.towns[self.towns["programs_within"] == 0]

    def gaps_by_county(self) -> dict[str, list[str]]:
        """Return the towns with no program within the radius, grouped by county.

        Returns
        -------
        dict
            County name to town names, both in alphabetical order; counties
            without a gap are left out.
        """
        grouped: dict[str, list[str]] = {}
        for county, town in zip(self.gaps["county"], self.gaps["town"], strict=True):
            grouped.setdefault(str(county), []).append(str(town))
        return {county: sorted(names) for county, names in sorted(grouped.items())}

    def town_rows(self) -> list[dict[str, object]]:
        """Return one plain dict per town (``TOWN_COLUMNS``), for tables and CSV.

        ``nearest_miles`` is rounded to 0.1 mile and is None when no program
        passes the filters.
        """
        rows = []
        for record in self.towns[list(TOWN_COLUMNS)].itertuples(index=False):
            row = dict(zip(TOWN_COLUMNS, record, strict=True))
            miles = float(row["nearest_miles"])
            row["nearest_miles"] = None if math.isnan(miles) else round(miles, 1)
            row["programs_within"] = int(row["programs_within"])
            rows.append({k: (str(v) if k in ("town", "county") else v) for k, v in row.items()})
        return rows

    def as_dict(self) -> dict[str, object]:
        """Return the JSON form used by ``finder coverage --format json``."""
        return {
            "heading": self.heading,
            "distance_note": DISTANCE_NOTE,
            "radius_miles": self.radius_miles,
            "filters": {
                **{
                    k: v
                    for k, v in self.filters.as_dict().items()
                    if k not in ("origin", "origin_label", "radius_miles", "sort")
                },
                "schedule_confirmed": self.schedule_confirmed,
            },
            "programs": len(self.programs),
            "towns": len(self.towns),
            "towns_without_program_within_radius": len(self.gaps),
            "gaps_by_county": self.gaps_by_county(),
            "rows": self.town_rows(),
        }


def coverage(
    programs: Catalog | Iterable[Program],
    filters: SearchQuery | None = None,
    *,
    radius_miles: float = DEFAULT_RADIUS_MILES,
    schedule_confirmed: bool = False,
) -> CoverageResult:
    """Measure, for every Massachusetts town, how near the programs that fit are.

    Parameters
    ----------
    programs : Catalog or iterable of Program
        All programs; a ``Catalog`` is built when programs are given.
    filters : SearchQuery, optional
        Filters as in a search (its origin, radius and sort are ignored);
        None for every program.
    radius_miles : float
        How far counts as "within reach" for ``programs_within`` and the gaps.
    schedule_confirmed : bool
        Count only programs whose session times a person confirmed
        (``schedule_confirmed_on`` is set), e.g. for "evening sessions,
        confirmed". A listed but unconfirmed schedule then does not count.

    Returns
    -------
    CoverageResult

    Raises
    ------
    ValueError
        When ``radius_miles`` is not a positive, finite number.
    """
    import geopandas as gpd
    import numpy as np

    from finder.io.geo import programs_to_geodataframe

    if not (isinstance(radius_miles, int | float) and math.isfinite(radius_miles) and radius_miles > 0):
        raise ValueError(f"radius_miles must be a positive number, got {radius_miles!r}")
    catalog = programs if isinstance(programs, Catalog) else Catalog.from_programs(programs)
    filters = filters or SearchQuery(origin=_ANY_ORIGIN)
    chosen = filter_programs(catalog, filters)
    if schedule_confirmed:
        chosen = [p for p in chosen if p.schedule_confirmed_on is not None]
    program_frame = programs_to_geodataframe(chosen)
    program_frame = program_frame[program_frame.geometry.notna()].reset_index(drop=True)

    towns = towns_geodataframe()
    towns_m = towns.to_crs(PROJECTED_CRS)
    n = len(towns)
    nearest = np.full(n, np.nan)
    within = np.zeros(n, dtype=np.int64)
    texts: dict[str, list[str]] = {
        name: [""] * n
        for name in ("nearest_program_id", "nearest_program", "nearest_organization", "nearest_city")
    }
    if len(program_frame):
        programs_m = program_frame.to_crs(PROJECTED_CRS)
        joined = gpd.sjoin_nearest(
            towns_m[["geometry"]],
            programs_m[["program_id", "program_name", "organization", "city", "geometry"]],
            how="left",
            distance_col="distance_m",
        )
        # Ties (programs at the same distance) give a town several rows; keep one.
        joined = joined[~joined.index.duplicated(keep="first")].sort_index()
        nearest = joined["distance_m"].to_numpy(dtype=float) / _METERS_PER_MILE
        for column, name in (
            ("program_id", "nearest_program_id"),
            ("program_name", "nearest_program"),
            ("organization", "nearest_organization"),
            ("city", "nearest_city"),
        ):
            texts[name] = [str(v) for v in joined[column].astype("string").fillna("")]
        town_index, _program_index = programs_m.sindex.query(
            towns_m.geometry, predicate="dwithin", distance=radius_miles * _METERS_PER_MILE
        )
        within = np.bincount(town_index, minlength=n)

    towns["nearest_miles"] = nearest
    towns["programs_within"] = within
    for name, values in texts.items():
        towns[name] = values
    towns = towns[[*TOWN_COLUMNS, "geometry"]]
    return CoverageResult(filters, float(radius_miles), towns, program_frame, schedule_confirmed)


def distance_bands(radius_miles: float) -> Sequence[tuple[float, str]]:
    """Return the map's distance bands as ``(upper bound in miles, label)``.

    Parameters
    ----------
    radius_miles : float
        The coverage radius; the bands are half of it, it, and twice it.

    Returns
    -------
    sequence of (float, str)
        The last band's bound is infinity.
    """
    half, double = radius_miles / 2, radius_miles * 2
    return (
        (half, f"within {half:g} mi"),
        (radius_miles, f"{half:g}–{radius_miles:g} mi"),
        (double, f"{radius_miles:g}–{double:g} mi"),
        (math.inf, f"over {double:g} mi"),
    )

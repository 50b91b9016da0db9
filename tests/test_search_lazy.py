"""Issue 16: ``search()`` builds only the matches that are read, and that changes nothing.

Lazy results (a ``Matches`` sequence that orders rows and builds a ``Match``
only when read) must equal eager ones (``search(..., lazy=False)``, every
match built at once after a full sort): same order, same distances, same
reasons, however the pages are read. The catalogs are large enough for the
partial selection of the nearest to be used, and hold programs at identical
points so that ties are exercised.
"""

from __future__ import annotations

from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finder.bench import synthetic_catalog
from finder.load import load_programs
from finder.model import Attendance, Insurance, LatLon, LevelOfCare, Population, Service
from finder.search import (
    _NEAREST_FIRST_MIN,
    _PARTIAL_SORT_MIN,
    Catalog,
    Matches,
    PartOfDay,
    SearchQuery,
    SortOrder,
    search,
)


def _eager(catalog: Catalog, q: SearchQuery):  # type: ignore[no-untyped-def]
    """Every match built at once, measuring every program (no widening circles)."""
    with mock.patch("finder.search._NEAREST_FIRST_MIN", 10**12):
        return search(catalog, q, lazy=False)


def _signature(matches: object) -> list[tuple[object, ...]]:
    return [
        (m.program.program_id, m.distance_miles, m.fit, m.fit_hours, m.reasons, m.plan_notes,
         m.schedule_text)
        for m in matches  # type: ignore[attr-defined]
    ]


@pytest.fixture(scope="module")
def big_catalog() -> Catalog:
    """12,000 synthetic programs around 300 points: many at the very same spot (ties)."""
    rng = np.random.default_rng(16)
    anchors = np.column_stack([rng.uniform(41.3, 42.8, 300), rng.uniform(-73.3, -70.0, 300)])
    # exact=True puts programs on the anchors themselves: repeat them for ties.
    points = anchors[rng.integers(0, len(anchors), 12_000)]
    catalog, _columns = synthetic_catalog(None, rng, points, exact=True)
    assert len(catalog) >= max(_PARTIAL_SORT_MIN, _NEAREST_FIRST_MIN)
    return catalog


@pytest.fixture(scope="module")
def sample_catalog(sample_csv) -> Catalog:  # type: ignore[no-untyped-def]
    loaded = load_programs(sample_csv)
    assert loaded.report.ok
    return Catalog.from_programs(loaded.programs)


def _subsets(values: list[object], size: int = 2) -> st.SearchStrategy[tuple[object, ...]]:
    return st.lists(st.sampled_from(values), max_size=size, unique=True).map(tuple)


queries = st.builds(
    SearchQuery,
    origin=st.builds(LatLon, st.floats(41.3, 42.8), st.floats(-73.3, -70.0)),
    radius_miles=st.sampled_from([5, 10, 25, 50, 100, None]),
    insurance=_subsets(list(Insurance)),
    sessions=_subsets(list(PartOfDay)),
    available=st.sampled_from(["", "Mo-Fr 17:30-21:30", "Sa,Su 08:00-14:00"]),
    include_unknown_schedule=st.booleans(),
    level_of_care=st.sampled_from([(), (LevelOfCare.IOP,)]),
    services=_subsets(list(Service), 1),
    populations=_subsets(list(Population), 1),
    attendance=st.sampled_from([None, *Attendance]),
    accepting_new_clients=st.booleans(),
    # Distance most often: it is the order that selects instead of sorting.
    sort=st.sampled_from([SortOrder.DISTANCE] * 3 + [SortOrder.VERIFIED, SortOrder.FIT]),
)
# How a page reader walks the results: page size, then which pages, in which order.
readings = st.tuples(st.sampled_from([1, 10, 25, 200]), st.lists(st.integers(0, 60), max_size=6))


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(q=queries, reading=readings)
def test_lazy_pages_equal_eager_results_on_a_large_catalog(big_catalog, q, reading):
    eager = _eager(big_catalog, q)
    lazy = search(big_catalog, q)
    assert isinstance(lazy.matches, Matches)
    everything = _signature(eager.matches)
    # Counts come from the arrays, before anything is built.
    assert len(lazy.matches) == len(everything) == lazy.total
    assert lazy.unknown_schedule_hidden == eager.unknown_schedule_hidden
    size, pages = reading
    for page in pages:
        start = page * size
        assert _signature(lazy.matches[start:start + size]) == everything[start:start + size]
    if everything:
        assert _signature([lazy.matches[-1]]) == everything[-1:]
    assert _signature(lazy.matches) == everything
    assert lazy.matches == eager.matches
    positions = lazy.matches.program_positions  # type: ignore[attr-defined]
    programs = big_catalog.programs
    assert [programs[i].program_id for i in positions] == [row[0] for row in everything]
    assert list(lazy.matches.distances_miles) == [row[1] for row in everything]  # type: ignore[attr-defined]
    unknown = _signature(eager.unknown_schedule)
    assert len(lazy.unknown_schedule) == len(unknown) == lazy.unknown_schedule_hidden
    assert _signature(lazy.unknown_schedule[:size]) == unknown[:size]
    assert _signature(lazy.unknown_schedule) == unknown


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=queries)
def test_lazy_equals_eager_on_the_sample_data(sample_catalog, q):
    eager = _eager(sample_catalog, q)
    lazy = search(sample_catalog, q)
    assert _signature(lazy.matches[:10]) == _signature(eager.matches)[:10]
    assert _signature(lazy.matches) == _signature(eager.matches)
    assert _signature(lazy.unknown_schedule) == _signature(eager.unknown_schedule)


def test_a_first_page_builds_only_that_page(big_catalog):
    result = search(big_catalog, SearchQuery(origin=LatLon(42.36, -71.06), radius_miles=None))
    assert result.total == len(big_catalog)
    page = result.matches[:10]
    assert len(page) == 10
    assert len(result.matches._built) == 10  # type: ignore[attr-defined]
    distances = [m.distance_miles for m in page]
    assert distances == sorted(distances)
    # Nothing nearer was left out by the selection.
    assert distances[-1] <= float(np.sort(result.matches.distances_miles)[9])  # type: ignore[attr-defined]


def test_matches_behave_like_a_sequence(sample_catalog):
    result = search(sample_catalog, SearchQuery(origin=LatLon(42.37, -71.11), radius_miles=5))
    matches = result.matches
    assert bool(matches)
    assert len(matches) == result.total
    first = matches[0]
    assert first in matches
    assert matches.index(first) == 0
    assert matches[-1] == tuple(matches)[-1]
    assert matches[::-1] == tuple(reversed(tuple(matches)))
    with pytest.raises(IndexError):
        matches[len(matches)]
    empty = search(sample_catalog, SearchQuery(origin=LatLon(42.37, -71.11), radius_miles=5,
                                               languages=("Yupik",))).matches
    assert empty == ()
    assert not empty
    assert list(empty) == []

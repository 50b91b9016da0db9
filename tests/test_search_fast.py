"""Issue 16: the structures that make a small query cheap change no answer.

The catalog keeps a coarse latitude table, filter masks per column and set of
values, reasons per set of filters, and a density grid for "any distance";
a narrow band is measured whole, a wide one through a longitude box. Each of
these must give exactly what the plain computation gives.
"""

from __future__ import annotations

from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finder.bench import synthetic_catalog
from finder.geo import haversine_miles
from finder.model import Insurance, LatLon
from finder.search import (
    Catalog,
    PartOfDay,
    SearchQuery,
    _haversine_rows,
    search,
)


def _signature(result):  # type: ignore[no-untyped-def]
    return (
        [(m.program.program_id, m.distance_miles, m.reasons, m.schedule_text)
         for m in result.matches],
        result.unknown_schedule_hidden,
        [m.program.program_id for m in result.unknown_schedule],
    )


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    """6,000 synthetic programs over Massachusetts and around it, some at the same spot."""
    rng = np.random.default_rng(61)
    anchors = np.column_stack([rng.uniform(41.0, 43.2, 400), rng.uniform(-73.8, -69.8, 400)])
    points = anchors[rng.integers(0, len(anchors), 6_000)]
    built, _columns = synthetic_catalog(None, rng, points, exact=True)
    return built


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 300))
def test_haversine_rows_gives_haversine_miles_bit_for_bit(seed, n):
    rng = np.random.default_rng(seed)
    lat = np.radians(rng.uniform(-89.9, 89.9, n))
    lon = np.radians(rng.uniform(-180, 180, n))
    origin = LatLon(float(rng.uniform(-89.9, 89.9)), float(rng.uniform(-180, 180)))
    expected = haversine_miles(lat, lon, np.cos(lat), origin)
    got = _haversine_rows(np.column_stack([lat, lon]), np.cos(lat), origin)
    assert np.array_equal(got, expected)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lat=st.floats(38.0, 46.0), half=st.floats(0.0, 4.0))
def test_the_latitude_band_never_leaves_a_row_out(catalog, lat, half):
    lo, hi = catalog._band(lat, half)
    lats = catalog._lat_deg
    inside = np.flatnonzero(np.abs(lats - lat) <= half)
    if len(inside):
        assert lo <= inside[0]
        assert inside[-1] < hi


queries = st.builds(
    SearchQuery,
    origin=st.builds(LatLon, st.floats(41.0, 43.2), st.floats(-73.8, -69.8)),
    radius_miles=st.sampled_from([5, 10, 25, 50, 100]),
    insurance=st.sampled_from([(), (Insurance.MASSHEALTH,), (Insurance.MEDICARE, Insurance.PRIVATE)]),
    sessions=st.sampled_from([(), (PartOfDay.EVENING,), (PartOfDay.MORNING, PartOfDay.WEEKEND)]),
    include_unknown_schedule=st.booleans(),
    accepting_new_clients=st.booleans(),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=queries)
def test_a_narrow_band_measured_whole_equals_the_longitude_box(catalog, q):
    with mock.patch("finder.search._SMALL_BAND", 10**9):
        whole = _signature(search(catalog, q))
    with mock.patch("finder.search._SMALL_BAND", -1):
        boxed = _signature(search(catalog, q))
    assert whole == boxed


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=queries, second=queries)
def test_kept_masks_and_wordings_never_leak_into_another_query(first, second):
    rng = np.random.default_rng(7)
    points = np.column_stack([rng.uniform(41.0, 43.2, 900), rng.uniform(-73.8, -69.8, 900)])
    fresh, _ = synthetic_catalog(None, np.random.default_rng(8), points, exact=True)
    used, _ = synthetic_catalog(None, np.random.default_rng(8), points, exact=True)
    search(used, first).matches[:10]  # leaves masks and wordings in the catalog
    assert _signature(search(used, second)) == _signature(search(fresh, second))


def test_filter_masks_kept_are_bounded(catalog):
    with mock.patch("finder.search._FILTER_MASKS_MAX", 3):
        for bits in range(1, 12):
            catalog._mask("insurance", bits)
            assert len(catalog._filter_masks) <= 16  # at least 16 are allowed
    assert np.array_equal(catalog._mask("insurance", 5), (catalog._insurance & 5) != 0)


def test_any_distance_guesses_from_the_programs_around_the_origin(catalog):
    count, area = catalog._programs_near(LatLon(42.36, -71.06))
    assert count > 0
    assert area > 0
    nobody, _ = catalog._programs_near(LatLon(10.0, 10.0))
    assert nobody == 0
    # Far from every program the first circle falls back to the catalog's size
    # and widens: still the nearest first, as measuring every program gives.
    far = SearchQuery(origin=LatLon(30.0, -90.0), radius_miles=None)
    with mock.patch("finder.search._NEAREST_FIRST_MIN", 10**12):
        everything = search(catalog, far, lazy=False)
    assert _signature(search(catalog, far))[0][:25] == _signature(everything)[0][:25]

"""Issue 16: ``finder bench`` against real peers, on a small catalog (timings never asserted).

Every peer must return the same hits as ``search()`` (the benchmark raises
otherwise), and the JSON keeps its contract: ``results[].ratio`` against the
geopy baseline, plus ``best_peer`` and ``ratio_vs_best_peer``.
"""

from __future__ import annotations

import numpy as np
import pytest

from finder.bench import (
    GeoPandasPeer,
    MathLoopPeer,
    NumpyPeer,
    PandasPeer,
    available_peers,
    query_set,
    run_bench,
    synthetic_catalog,
)
from finder.search import search


def test_query_set_covers_origins_radii_and_filters():
    labels = [label for label, _ in query_set()]
    assert len(labels) == 36
    assert any(label.startswith("Berkshires any distance") for label in labels)
    assert any(label.startswith("New York City 5 mi") for label in labels)
    assert sum("MassHealth + evening" in label for label in labels) == 18


def test_report_keeps_the_ratio_and_adds_the_best_peer():
    report = run_bench([400], repeat=1, baseline_rows=50, baseline_repeat=1)
    (row,) = report["results"]
    assert row["programs"] == 400
    for key in ("ratio", "best_peer", "ratio_vs_best_peer", "ratio_vs_peer", "p50_ms",
                "p95_ms", "peak_rss_mb", "min_ratio_vs_best_peer", "queries"):
        assert key in row
    assert row["best_peer"] in report["peers"]
    assert set(row["ratio_vs_peer"]) == set(report["peers"])
    assert len(row["queries"]) == 36
    assert {"cpu", "load_average_at_start"} <= set(report["machine"])


@pytest.mark.parametrize("peer_class", [MathLoopPeer, NumpyPeer, PandasPeer, GeoPandasPeer])
def test_each_peer_finds_what_search_finds(peer_class):
    rng = np.random.default_rng(3)
    anchors = np.column_stack([rng.uniform(40.5, 43.0, 50), rng.uniform(-74.5, -70.0, 50)])
    catalog, columns = synthetic_catalog(2_000, rng, anchors)
    peer = peer_class(columns)
    for label, query in query_set():
        result = search(catalog, query)
        total, page = peer(query)
        assert total == result.total, label
        ours = [int(m.program.program_id.rsplit("-", 1)[1]) for m in result.matches[:10]]
        assert sorted(page) == sorted(ours), label


def test_balltree_is_optional():
    peers, notes = available_peers()
    names = [p.name for p in peers]
    assert names[:4] == ["math loop", "numpy", "pandas", "GeoPandas sindex"]
    assert ("scikit-learn BallTree" in names) != bool(notes)

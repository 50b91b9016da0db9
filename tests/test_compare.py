"""Side-by-side comparison rows and the week grid (pure)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from finder.compare import comparison, week_grid
from finder.load import load_programs
from finder.model import Insurance


@pytest.fixture(scope="module")
def programs(sample_csv):
    base = load_programs(sample_csv).programs[0]
    return [
        dataclasses.replace(base, program_id="a", schedule="Mo,We 18:00-21:00",
                            insurance=(Insurance.MASSHEALTH,)),
        dataclasses.replace(base, program_id="b", schedule="Mo-Fr 09:00-12:00",
                            insurance=(Insurance.MEDICARE,)),
        dataclasses.replace(base, program_id="c", schedule="", insurance=(Insurance.FREE,)),
    ]


def test_week_grid_marks_sessions_against_availability(programs):
    grid = {row.label: row.values for row in week_grid(programs, "Mo-Fr 17:30-21:30")}
    assert grid["Mon"][0].endswith("✓")
    assert grid["Mon"][1].endswith("✗")
    assert grid["Tue"][0] == "—"
    assert grid["Mon"][2] == "not listed"
    assert grid["Sat"] == ("—", "—", "not listed")


def test_week_grid_without_availability_has_no_marks(programs):
    grid = {row.label: row.values for row in week_grid(programs)}
    assert "✓" not in grid["Mon"][0]
    assert "✗" not in grid["Mon"][0]


def test_comparison_flags_differences_and_highlights_the_clients_plan(programs):
    rows = {r.label: r for r in comparison(programs, distances_miles=[1.0, 2.5, None],
                                           plans=[Insurance.MASSHEALTH], today=dt.date(2026, 11, 23))}
    assert rows["Distance"].values == ("1.0 mi", "2.5 mi", "—")
    assert rows["Insurance"].highlight == (True, False, False)
    assert rows["Insurance"].differs
    assert not rows["Organization"].differs
    assert rows["Sessions"].values[2] == "Not listed: call to ask"
    assert "days ago" in rows["Last verified"].values[0]

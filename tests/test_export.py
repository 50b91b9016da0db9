"""Exports: CSV, Excel and print view; formula injection is neutralized."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from finder.export import (
    EXPORT_COLUMNS,
    ExportMeta,
    export_rows,
    neutralize,
    to_csv,
    to_html,
    to_xlsx,
)
from finder.load import load_programs

INJECTION = '=HYPERLINK("http://example.org","x")'
META = ExportMeta(search="IOP programs within 10 miles of Cambridge (02139)",
                  data_source="Sample data (fictional)", exported_on=dt.date(2026, 11, 23))


@dataclasses.dataclass(frozen=True)
class FakeMatch:
    program: object
    distance_miles: float
    fit: str = ""
    schedule_text: str = ""


@pytest.fixture(scope="module")
def matches(sample_csv):
    programs = load_programs(sample_csv).programs[:3]
    evil = dataclasses.replace(programs[0], program_name=INJECTION, organization="+1+2",
                               notes="@SUM(A1)")
    return [FakeMatch(evil, 1.23, "fits", "Mon 6:00–9:00 PM"),
            *(FakeMatch(p, 2.5 + i) for i, p in enumerate(programs[1:]))]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-cmd", "'-cmd"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("-71.1097", "-71.1097"),
        ("Plain text", "Plain text"),
        (3.5, 3.5),
        (None, None),
    ],
)
def test_neutralize_prefixes_formula_triggers_only(value, expected):
    assert neutralize(value) == expected


def _parse_csv(text):
    lines = list(csv.reader(io.StringIO(text)))
    blank = lines.index([])
    heading = {row[0]: row[1] for row in lines[:blank]}
    table = lines[blank + 1:]
    return heading, [dict(zip(table[0], row, strict=True)) for row in table[1:]]


def test_csv_export_round_trips_and_states_search_date_and_source(matches):
    heading, rows = _parse_csv(to_csv(export_rows(matches, {"x": "y"}), META))
    assert heading == {"Search": META.search, "Exported": "2026-11-23",
                       "Data source": "Sample data (fictional)"}
    assert len(rows) == 3
    assert list(rows[0]) == [header for _, header in EXPORT_COLUMNS]
    assert rows[1]["Phone"] == matches[1].program.phone
    assert rows[0]["Distance (miles)"] == "1.2"


def test_csv_export_neutralizes_formula_injection(matches):
    _, rows = _parse_csv(to_csv(export_rows(matches), META))
    assert rows[0]["Program"] == "'" + INJECTION
    assert rows[0]["Organization"] == "'+1+2"


def test_xlsx_export_is_inert_and_parses_back(matches):
    notes = {matches[0].program.program_id: "=cmd|' /C calc'!A0"}
    book = load_workbook(io.BytesIO(to_xlsx(export_rows(matches, notes), META)))
    sheet = book["Programs"]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[1][:2] == ["Search", META.search]
    assert values[2][:2] == ["Exported", "2026-11-23"]
    header_at = next(i for i, row in enumerate(values) if row[0] == "Program")
    first = dict(zip(values[header_at], values[header_at + 1], strict=True))
    assert first["Program"] == "'" + INJECTION
    assert first["Case manager notes"].startswith("'=")
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_print_view_escapes_html_and_shows_helpline(matches):
    rows = export_rows(matches)
    rows[0]["program_name"] = "<script>alert(1)</script>"
    page = to_html(rows, META)
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "800-327-5050" in page
    assert META.search in page


def test_last_verified_never_says_nobody_beside_a_confirmed_fact(matches):
    """Audit of #12/#13: as on the card, times confirmed by phone are not 'confirmed by anyone'."""
    base = dataclasses.replace(matches[1].program, last_verified=None, schedule_confirmed_on=None,
                               availability_as_of=None)
    times = dataclasses.replace(base, schedule_confirmed_on=dt.date(2025, 11, 1))
    rows = export_rows([FakeMatch(base, 1.0), FakeMatch(times, 2.0)])
    assert rows[0]["last_verified"] == "Not confirmed by anyone"
    assert rows[1]["last_verified"] == "Only the session times or openings (see their columns)"

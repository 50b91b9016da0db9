"""Tests for ``finder.load``: reading, validating and typing the provider CSV.

Every validation rule of issue 2 (item 4) is checked against the tiny files in
``tests/data/`` (see its README). Binary and huge files are generated in
``tmp_path`` rather than committed.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from finder.io.geo import programs_to_geodataframe
from finder.load import (
    Issue,
    ValidationReport,
    load_programs,
    read_meta,
    validate_file,
)
from finder.model import Accepting, Attendance, ConfirmedVia, Insurance, LevelOfCare, Program
from finder.schema import COLUMN_NAMES

DATA = Path(__file__).resolve().parent / "data"
#: A fixed "today" so the "not in the future" rule never depends on the clock.
TODAY = dt.date(2026, 11, 23)


def load(name: str, **kwargs: object):  # type: ignore[no-untyped-def]
    return load_programs(DATA / name, today=TODAY, **kwargs)  # type: ignore[arg-type]


def good_rows() -> list[list[str]]:
    return list(csv.reader(io.StringIO((DATA / "good.csv").read_text(encoding="utf-8"))))


def to_csv(rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue().encode("utf-8")


def with_cell(column: str, value: str, row: int = 1) -> bytes:
    """good.csv with one cell replaced (``row`` 1 is the first program)."""
    rows = good_rows()
    rows[row][COLUMN_NAMES.index(column)] = value
    return to_csv(rows)


# --- the good file --------------------------------------------------------------------------


def test_good_file_loads_every_program_without_errors():
    loaded = load("good.csv")
    assert loaded.report.ok
    assert loaded.report.file_error is None
    assert loaded.report.errors == []
    assert loaded.report.notices == []
    assert (loaded.report.rows, loaded.report.valid_rows) == (3, 3)
    assert [p.program_id for p in loaded.programs] == ["t-001", "t-002", "t-003"]
    assert loaded.header == list(COLUMN_NAMES)


def test_good_file_programs_are_typed_and_normalized():
    first, second, third = load("good.csv").programs
    assert isinstance(first, Program)
    assert first.level_of_care is LevelOfCare.IOP
    assert second.level_of_care is LevelOfCare.SOAP
    assert first.insurance == (Insurance.MASSHEALTH, Insurance.PRIVATE, Insurance.SLIDING_SCALE)
    assert first.attendance is Attendance.HYBRID
    assert first.latitude == pytest.approx(42.3736)
    assert first.longitude == pytest.approx(-71.1097)
    assert first.phone == "(617) 555-0142"
    assert first.last_verified == dt.date(2026, 9, 15)
    assert first.hours_per_week == 9
    assert first.zip == "02139"  # the leading zero survives
    # "Barnstable County" is accepted and stored as the county's name.
    assert third.county == "Barnstable"
    # Empty optional cells mean unknown.
    assert third.latlon is None
    assert third.accepting_new_clients is Accepting.UNKNOWN
    assert third.attendance is None
    assert third.insurance == ()
    assert "ext. 12" in third.phone


def test_load_accepts_path_str_and_bytes_alike():
    path = DATA / "good.csv"
    by_path = load_programs(path, today=TODAY)
    by_str = load_programs(str(path), today=TODAY)
    by_bytes = load_programs(path.read_bytes(), today=TODAY)
    assert by_path.programs == by_str.programs == by_bytes.programs


def test_validate_file_returns_the_same_report_as_load_programs():
    assert validate_file(DATA / "good.csv", today=TODAY) == load("good.csv").report


# --- one defect of each kind ------------------------------------------------------------------

#: (row as a spreadsheet shows it, column, text the message must contain)
EXPECTED_DEFECTS = [
    (2, "organization", "required"),
    (3, "program_id", "already used at row 2"),
    (4, "zip", "not a Massachusetts"),
    (5, "zip", "5 digits"),
    (6, "latitude", "outside Massachusetts"),
    (7, "phone", "not a valid US phone number"),
    (8, "insurance", "Did you mean 'Harvard Pilgrim'?"),
    (9, "schedule", "cannot be read"),
    (10, "level_of_care", "not a known value"),
    (11, "attendance", "not a known value"),
    (12, "last_verified", "in the future"),
]


def test_one_defect_each_gives_exactly_one_error_per_defect():
    report = load("one_defect_each.csv").report
    assert report.file_error is None
    assert [(i.row, i.column) for i in report.errors] == [(r, c) for r, c, _ in EXPECTED_DEFECTS]
    assert report.rows == 12
    assert report.valid_rows == 1  # only the last row, d-13, is clean


@pytest.mark.parametrize(("row", "column", "reason"), EXPECTED_DEFECTS)
def test_one_defect_each_names_row_column_value_and_reason(row, column, reason):
    report = load("one_defect_each.csv").report
    (issue,) = [i for i in report.errors if i.row == row]
    assert issue.column == column
    assert reason in issue.message
    assert issue.message.startswith(column)  # plain sentence naming the column
    assert "Traceback" not in issue.message


def test_one_defect_each_reports_the_offending_value():
    by_row = {i.row: i for i in load("one_defect_each.csv").report.errors}
    assert by_row[2].value == ""
    assert by_row[3].value == "d-02"
    assert by_row[4].value == "10001"
    assert by_row[5].value == "2139"
    assert by_row[6].value == "40.7128"
    assert by_row[7].value == "555-0142"
    assert by_row[8].value == "MassHealth; Harvard Pilgram"
    assert by_row[9].value == "Mondays 6-9pm"
    assert by_row[10].value == "Residential"
    assert by_row[11].value == "carrier pigeon"
    assert by_row[12].value == "2099-01-01"


def test_rows_with_errors_are_left_out_but_good_rows_still_load():
    loaded = load("one_defect_each.csv")
    assert [p.program_id for p in loaded.programs] == ["d-13"]
    assert len(loaded.rows) == 12  # raw rows are all kept, for diffing


def test_four_digit_zip_suggests_the_leading_zero():
    (issue,) = load_programs(with_cell("zip", "2139"), today=TODAY).report.errors
    assert "did you mean 02139?" in issue.message
    assert "format the column as text" in issue.message


def test_duplicate_id_is_reported_on_every_repeat_naming_the_first_row():
    rows = good_rows()
    rows[2][0] = rows[3][0] = rows[1][0]
    report = load_programs(to_csv(rows), today=TODAY).report
    assert [(i.row, i.column) for i in report.errors] == [(3, "program_id"), (4, "program_id")]
    assert all("row 2" in i.message for i in report.errors)


def test_future_date_rule_uses_the_given_today():
    data = with_cell("last_verified", "2026-11-24")
    assert not load_programs(data, today=TODAY).report.ok
    assert load_programs(data, today=dt.date(2026, 11, 24)).report.ok


def test_future_availability_as_of_is_an_error_too():
    (issue,) = load_programs(
        with_cell("availability_as_of", "2030-01-01"), today=TODAY
    ).report.errors
    assert (issue.row, issue.column) == (2, "availability_as_of")


def test_badly_written_future_date_is_one_error_not_two():
    (issue,) = load_programs(with_cell("last_verified", "20991231"), today=TODAY).report.errors
    assert "YYYY-MM-DD" in issue.message


def test_half_coordinates_name_the_missing_one():
    (issue,) = load_programs(with_cell("longitude", ""), today=TODAY).report.errors
    assert (issue.row, issue.column) == (2, "longitude")
    assert "fill both" in issue.message


def test_vocabulary_aliases_and_case_are_accepted():
    loaded = load_programs(with_cell("insurance", "medicaid; BCBS; tricare"), today=TODAY)
    assert loaded.report.ok
    assert loaded.programs[0].insurance == (
        Insurance.MASSHEALTH,
        Insurance.BCBS_MA,
        Insurance.MILITARY,
    )


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("program_id", "has space", "letters, digits"),
        ("state", "NH", "must be MA"),
        ("zip", "0213", "5 digits"),
        ("zip", "021390", "5-digit ZIP"),
        ("zip", "00000", "not a US ZIP"),
        # Other scripts' digits once crashed the zipcodes package (a Rust panic).
        ("zip", "\u0660\u0662\u0661\u0663\u0669", "5-digit ZIP"),
        ("county", "Middlesx", "did you mean 'Middlesex'?"),
        ("latitude", "north", "must be a number"),
        ("latitude", "\u0664\u0662.\u0663", "must be a number"),
        ("longitude", "-74.0", "outside Massachusetts"),
        ("latitude", "nan", "outside Massachusetts"),
        ("phone", "617-555-01", "not a valid US phone"),
        ("phone", "+44 20 7946 0958", "not a valid US phone"),
        ("intake_phone", "call us", "not a valid US phone"),
        ("website", "harborview.example.org", "https://"),
        ("hours_per_week", "0", "more than 0"),
        ("hours_per_week", "many", "number of hours"),
        ("services", "Methadone; Suboxen", "not a known value"),
        ("populations", "Kids", "not a known value"),
        ("languages", "Klingon", "not a known value"),
        ("accepting_new_clients", "maybe", "not a known value"),
        ("intake", "email", "not a known value"),
        ("last_verified", "09/15/2026", "YYYY-MM-DD"),
        ("last_verified", "2026-02-30", "YYYY-MM-DD"),
        ("notes", "line one\nline two", "line breaks"),
        ("organization", "x" * 201, "too long"),
    ],
)
def test_each_cell_rule_reports_one_error_on_the_right_cell(column, value, reason):
    report = load_programs(with_cell(column, value), today=TODAY).report
    assert [(i.row, i.column) for i in report.errors] == [(2, column)]
    assert reason in report.errors[0].message
    assert report.valid_rows == 2


@pytest.mark.parametrize("column", ["phone", "source", "level_of_care"])
def test_every_required_column_rejects_an_empty_cell(column):
    (issue,) = load_programs(with_cell(column, "  "), today=TODAY).report.errors
    assert (issue.row, issue.column) == (2, column)
    assert issue.message == f"{column} is required and is empty"


# --- row numbers ------------------------------------------------------------------------------


def test_blank_and_empty_rows_count_as_spreadsheet_rows_in_error_row_numbers():
    loaded = load("blank_rows.csv")
    report = loaded.report
    # Row 3 is a blank line, row 4 ",,,,", row 5 a cell with a line break, row 8 blank.
    assert [(i.row, i.column) for i in report.errors] == [
        (5, "notes"),
        (6, "zip"),
        (7, "program_id"),
    ]
    assert report.errors[1].value == "10001"


def test_duplicate_id_names_the_true_row_of_the_first_use():
    issue = load("blank_rows.csv").report.errors[-1]
    assert issue.message.startswith("program_id 't-001' is already used at row 2;")


def test_empty_rows_are_skipped_not_counted_as_programs_with_one_notice():
    loaded = load("blank_rows.csv")
    assert (loaded.report.rows, loaded.report.valid_rows) == (5, 2)
    assert [p.program_id for p in loaded.programs] == ["t-001", "t-004"]
    assert loaded.row_numbers == [2, 5, 6, 7, 9]
    assert [n for n, _ in loaded.numbered_rows()] == loaded.row_numbers
    assert [r["program_id"] for _, r in loaded.numbered_rows()] == [
        "t-001", "t-002", "t-003", "t-001", "t-004",
    ]
    # Trailing empty rows (Excel exports often end with ",,,,") are dropped silently.
    assert loaded.report.notices == ["Skipped 3 empty rows (rows 3, 4, 8)."]


def test_a_quoted_cell_with_a_line_break_is_one_row():
    rows = good_rows()
    rows[1][COLUMN_NAMES.index("street")] = "125 Main St\nSuite 2"
    rows[2][COLUMN_NAMES.index("zip")] = "2139"
    report = load_programs(to_csv(rows), today=TODAY).report
    assert [(i.row, i.column) for i in report.errors] == [(2, "street"), (3, "zip")]


def test_one_empty_row_gets_a_singular_notice():
    rows = good_rows()
    rows.insert(2, [])
    loaded = load_programs(to_csv(rows), today=TODAY)
    assert loaded.report.ok
    assert loaded.row_numbers == [2, 4, 5]
    assert loaded.report.notices == ["Skipped 1 empty row (row 3)."]


def test_empty_rows_above_the_header_shift_the_program_rows():
    data = b"\n,,,\n" + with_cell("zip", "2139")
    loaded = load_programs(data, today=TODAY)
    assert [(i.row, i.column) for i in loaded.report.errors] == [(4, "zip")]
    assert loaded.row_numbers == [4, 5, 6]
    assert loaded.report.notices[0].startswith("The header is on row 3;")


def test_missing_column_is_reported_on_row_1_even_below_empty_rows():
    rows = [r[:11] + r[12:] for r in good_rows()]  # drop `phone`
    loaded = load_programs(b"\n" + to_csv(rows), today=TODAY)
    assert [(i.row, i.column) for i in loaded.report.errors] == [(1, "phone")]


# --- coordinates in Massachusetts -------------------------------------------------------------

#: outside_ma.csv: (row, column, text the message must contain); rows 10-13 are clean.
OUTSIDE_MA = [
    (2, "latitude", "are in Rhode Island (near Providence, RI 02903), not Massachusetts"),
    (3, "latitude", "are in New Hampshire (near Nashua, NH 03060)"),
    (4, "latitude", "are in Connecticut (near Hartford, CT 06103)"),
    (5, "latitude", "are in Vermont (near Brattleboro, VT 05301)"),
    (6, "latitude", "are in New York"),
    (7, "latitude", "are 81 miles from ZIP 01060 (Northampton); check latitude and longitude, or the ZIP"),
    (8, "zip", "is a NY ZIP code"),
    (9, "latitude", "is outside Massachusetts (latitude must be between"),
]


def test_points_outside_massachusetts_give_one_error_each_on_the_right_row():
    loaded = load("outside_ma.csv")
    errors = loaded.report.errors
    assert [(i.row, i.column) for i in errors] == [(r, c) for r, c, _ in OUTSIDE_MA]
    for issue, (_, _, reason) in zip(errors, OUTSIDE_MA, strict=True):
        assert reason in issue.message
        assert issue.message.startswith("latitude" if issue.column == "latitude" else "zip")
    assert [p.program_id for p in loaded.programs] == ["o-09", "o-10", "o-11", "o-12"]


def test_coordinate_error_shows_both_numbers_as_the_value():
    by_row = {i.row: i for i in load("outside_ma.csv").report.errors}
    assert by_row[2].value == "41.824, -71.4128"
    assert by_row[9].value == "40.7128"  # the box rule names the one bad cell


def test_coordinates_far_from_the_zip_are_an_error():
    (issue,) = load_programs(with_cell("zip", "01060"), today=TODAY).report.errors
    assert (issue.row, issue.column) == (2, "latitude")
    assert "from ZIP 01060 (Northampton)" in issue.message


def test_bad_zip_with_good_coordinates_is_one_error_on_the_zip():
    (issue,) = load_programs(with_cell("zip", "99999"), today=TODAY).report.errors
    assert issue.column == "zip"


def test_rows_without_coordinates_skip_the_location_check():
    rows = good_rows()
    rows[3][COLUMN_NAMES.index("zip")] = "01060"  # t-003 has no coordinates
    assert load_programs(to_csv(rows), today=TODAY).report.ok


# --- columns ----------------------------------------------------------------------------------


def test_missing_required_column_is_reported_on_the_header_row():
    loaded = load("missing_column.csv")
    assert loaded.report.errors == [
        Issue(1, "phone", "", "the required column 'phone' is missing from the header")
    ]
    assert loaded.report.exit_code == 1
    assert loaded.programs == []  # no program can be built without a required column


def test_missing_optional_column_is_fine():
    rows = [r[:-1] for r in good_rows()]  # drop `notes`
    loaded = load_programs(to_csv(rows), today=TODAY)
    assert loaded.report.ok
    assert len(loaded.programs) == 3


def test_unknown_columns_are_ignored_with_a_notice():
    rows = good_rows()
    rows[0].append("fax")
    for r in rows[1:]:
        r.append("617-555-0100")
    report = load_programs(to_csv(rows), today=TODAY).report
    assert report.ok
    assert report.notices == ["Columns not in the template were ignored: fax."]


def test_repeated_column_is_an_error_not_a_silent_overwrite():
    rows = good_rows()
    rows[0].append("program_id")
    for number, r in enumerate(rows[1:]):
        r.append(f"other-{number}")
    report = load_programs(to_csv(rows), today=TODAY).report
    assert [(i.row, i.column) for i in report.errors] == [(1, "program_id")]
    assert "more than once" in report.errors[0].message


def test_row_with_extra_cells_points_at_an_unquoted_comma():
    rows = good_rows()
    rows[1] += ["stray", "cells"]
    (issue,) = load_programs(to_csv(rows), today=TODAY).report.errors
    assert issue.row == 2
    assert "unquoted comma" in issue.message


def test_short_row_is_padded_and_only_required_cells_complain():
    rows = good_rows()
    rows[3] = rows[3][:2]
    report = load_programs(to_csv(rows), today=TODAY).report
    assert {i.row for i in report.errors} == {4}
    assert all(i.message.endswith("is required and is empty") for i in report.errors)


def test_header_of_another_file_gets_a_file_error():
    report = load_programs(b"name,address\nFoo,1 Main St\n", today=TODAY).report
    assert report.exit_code == 2
    assert "None of the expected columns" in (report.file_error or "")


# --- file-level problems ----------------------------------------------------------------------


def test_fixture_files_really_have_the_problem_they_stand_for():
    """Guard against an editor or git hook 'fixing' the fixtures."""
    assert (DATA / "bom.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in (DATA / "crlf.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        (DATA / "latin1.csv").read_bytes().decode("utf-8")
    assert (DATA / "semicolon.csv").read_text(encoding="utf-8").startswith("program_id;")
    assert (DATA / "empty.csv").read_bytes() == b""


def test_bom_is_ignored_with_a_notice():
    loaded = load("bom.csv")
    assert loaded.report.ok
    assert loaded.programs[0].program_id == "t-001"  # not "\ufefft-001"
    assert any("byte-order mark" in n for n in loaded.report.notices)


def test_crlf_line_endings_are_read_like_lf():
    loaded = load("crlf.csv")
    assert loaded.report.ok
    assert loaded.report.notices == []
    assert loaded.programs[0].notes == ""
    assert loaded.programs == load("good.csv").programs[:1]


def test_latin1_file_is_read_with_a_notice_and_accents_survive():
    loaded = load("latin1.csv")
    assert loaded.report.ok
    assert loaded.programs[0].organization == "Clínica São José Recovery Services"
    assert any("not UTF-8" in n for n in loaded.report.notices)


def test_semicolon_delimiter_is_detected_with_a_notice():
    loaded = load("semicolon.csv")
    assert loaded.report.ok
    assert loaded.programs == load("good.csv").programs
    assert any("semicolons" in n for n in loaded.report.notices)


def test_tab_delimiter_is_detected():
    text = (DATA / "good.csv").read_text(encoding="utf-8")
    buf = io.StringIO()
    csv.writer(buf, delimiter="\t").writerows(csv.reader(io.StringIO(text)))
    loaded = load_programs(buf.getvalue().encode(), today=TODAY)
    assert loaded.report.ok
    assert any("tabs" in n for n in loaded.report.notices)


def test_utf16_file_from_excel_unicode_text_is_read():
    text = (DATA / "good.csv").read_text(encoding="utf-8")
    loaded = load_programs(text.encode("utf-16"), today=TODAY)
    assert loaded.report.ok
    assert len(loaded.programs) == 3
    assert any("UTF-16" in n for n in loaded.report.notices)


@pytest.mark.parametrize("content", [b"", b"   \n\n", b"\n,,,\n,,\n"])
def test_empty_file_gets_a_clear_file_error(content):
    report = load_programs(content, today=TODAY).report
    assert report.exit_code == 2
    assert report.file_error is not None
    assert report.file_error.startswith("The file is empty.")


def test_empty_fixture_file_gets_a_clear_file_error():
    assert load("empty.csv").report.file_error.startswith("The file is empty.")


def test_header_only_file_says_there_are_no_programs():
    report = load("header_only.csv").report
    assert report.file_error == "The file has a header row but no programs."


def test_binary_file_gets_a_clear_file_error(tmp_path):
    path = tmp_path / "image.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    report = load_programs(path, today=TODAY).report
    assert report.exit_code == 2
    assert "binary file" in (report.file_error or "")


@pytest.mark.parametrize("magic", [b"PK\x03\x04", b"\xd0\xcf\x11\xe0"])
def test_excel_workbook_is_told_to_save_as_csv(tmp_path, magic):
    path = tmp_path / "providers.xlsx"
    path.write_bytes(magic + b"\x00" * 100)
    report = load_programs(path, today=TODAY).report
    assert "spreadsheet file (Excel)" in (report.file_error or "")
    assert "CSV UTF-8" in (report.file_error or "")


def test_50_mb_file_is_refused_with_its_size_without_reading_it(tmp_path):
    path = tmp_path / "huge.csv"
    header = (DATA / "good.csv").read_bytes().splitlines(keepends=True)[0]
    with path.open("wb") as out:
        out.write(header)
        out.seek(50 * 1024 * 1024 - 1)
        out.write(b"\n")  # sparse: 50 MB on paper, cheap on disk
    report = load_programs(path, today=TODAY).report
    assert report.exit_code == 2
    assert report.file_error is not None
    assert "50.0 MB" in report.file_error
    assert "the limit is 20 MB" in report.file_error


def test_too_big_bytes_upload_is_refused():
    report = load_programs(b"x" * 600_000, max_bytes=1_048_576 // 2, today=TODAY).report
    assert report.exit_code == 2
    assert "the limit is 0.5 MB" in (report.file_error or "")


def test_loader_refresh_and_importer_share_one_size_check(tmp_path):
    """Issue 14: one size limit, checked in one place, said in the same words everywhere."""
    from finder.config import Settings
    from finder.errors import DataError
    from finder.importers.findtreatment import import_findtreatment
    from finder.load import too_big_message
    from finder.refresh import prepare_refresh

    data = b"x" * 3000
    path = tmp_path / "big.csv"
    path.write_bytes(data)
    limit = Settings(upload_max_mb=0.002).upload_max_bytes
    expected = too_big_message(len(data), limit)
    assert "The file is 2.93 KB; the limit is 0.002 MB (the upload_max_mb setting)" in expected
    for source in (data, path):
        assert load_programs(source, max_bytes=limit, today=TODAY).report.file_error == expected
        plan = prepare_refresh(source, data_dir=tmp_path / "live", max_bytes=limit)
        assert plan.report.file_error == expected
        with pytest.raises(DataError) as caught:
            import_findtreatment(source, max_bytes=limit)
        assert caught.value.user_message == expected


def test_unclosed_quote_in_a_huge_cell_gets_a_plain_message():
    data = (DATA / "good.csv").read_bytes() + b't-004,"never closed' + b"x" * 200_000
    report = load_programs(data, today=TODAY).report
    assert report.exit_code == 2
    assert "quote" in (report.file_error or "")
    assert "field limit" not in (report.file_error or "")


def test_missing_file_and_folder_get_file_errors(tmp_path):
    missing = load_programs(tmp_path / "nope.csv", today=TODAY).report
    assert missing.file_error is not None
    assert missing.file_error.startswith("There is no file at")
    folder = load_programs(tmp_path, today=TODAY).report
    assert "is a folder" in (folder.file_error or "")


# --- never raises -----------------------------------------------------------------------------


def _assert_well_formed(report: ValidationReport) -> None:
    assert report.exit_code in (0, 1, 2)
    assert 0 <= report.valid_rows <= report.rows
    for issue in report.errors:
        assert issue.row >= 1
        assert isinstance(issue.message, str)
        assert issue.message


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_never_raise(data):
    _assert_well_formed(load_programs(data, today=TODAY).report)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=2000))
def test_arbitrary_text_never_raises(text):
    _assert_well_formed(load_programs(text.encode("utf-8"), today=TODAY).report)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=500))
def test_arbitrary_bytes_after_a_valid_header_never_raise(data):
    header = (DATA / "good.csv").read_bytes().splitlines(keepends=True)[0]
    _assert_well_formed(load_programs(header + data, today=TODAY).report)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    column=st.sampled_from(COLUMN_NAMES),
    value=st.text(max_size=40),
)
def test_arbitrary_text_in_any_cell_never_raises(column, value):
    assume(value.strip() not in ("t-002", "t-003"))  # a duplicate id would be a real error
    loaded = load_programs(with_cell(column, value), today=TODAY)
    _assert_well_formed(loaded.report)
    # The two untouched rows still load whatever the first holds, unless the
    # value spoils the whole file (a NUL byte reads as binary) or its header.
    assert (
        loaded.report.valid_rows >= 2
        or loaded.report.file_error is not None
        or any(i.row == 1 for i in loaded.report.errors)
    )


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    header=st.lists(st.sampled_from(COLUMN_NAMES), min_size=1, max_size=30),
    rows=st.lists(st.lists(st.text(max_size=12), max_size=30), max_size=4),
)
def test_arbitrary_table_of_known_columns_never_raises(header, rows):
    _assert_well_formed(load_programs(to_csv([header, *rows]), today=TODAY).report)


# --- other helpers ----------------------------------------------------------------------------


def test_report_text_lists_each_error_with_row_and_column():
    text = load("one_defect_each.csv").report.to_text("f.csv")
    assert text.splitlines()[0] == "f.csv: 12 rows, 1 valid, 11 errors."
    assert "row 8, column insurance: " in text


def test_report_text_says_one_row_and_one_error_in_the_singular():
    # Issue 18: counts use plural forms ("1 row", not "1 rows"), in the CLI too.
    rows = [COLUMN_NAMES, ["bad id!"] + [""] * (len(COLUMN_NAMES) - 1)]
    report = load_programs(to_csv(rows), today=TODAY).report
    first = report.to_text("f.csv").splitlines()[0]
    assert first.startswith("f.csv: 1 row, 0 valid, ")
    assert "1 errors" not in first
    single = load_programs(to_csv([["program_id"], ["x"]]), today=TODAY).report
    assert f"{single.error_count} errors" in single.to_text("g.csv")  # several: plural


def test_report_text_for_an_unusable_file_is_one_sentence():
    assert load("empty.csv").report.to_text("f.csv").startswith("f.csv: cannot be used. ")


def test_geodataframe_is_epsg4326_with_lon_lat_points():
    frame = programs_to_geodataframe(load("good.csv").programs)
    assert frame.crs.to_epsg() == 4326
    assert len(frame) == 3
    point = frame.geometry.iloc[0]
    assert (point.x, point.y) == pytest.approx((-71.1097, 42.3736))
    assert frame.geometry.isna().tolist() == [False, False, True]  # t-003 has no coordinates
    assert str(frame["last_verified"].dtype).startswith("datetime64")


#: Every column of the schema and its dtype in ``programs_to_geodataframe``.
FRAME_DTYPES = {
    "program_id": "string",
    "organization": "string",
    "program_name": "string",
    "level_of_care": "category",
    "street": "string",
    "city": "string",
    "state": "string",
    "zip": "string",
    "county": "category",
    "latitude": "Float64",
    "longitude": "Float64",
    "phone": "string",
    "intake_phone": "string",
    "website": "string",
    "insurance": "object",
    "schedule": "string",
    "attendance": "category",
    "hours_per_week": "Float64",
    "services": "object",
    "populations": "object",
    "languages": "object",
    "accepting_new_clients": "category",
    "availability_as_of": "datetime64[ns]",
    "availability_confirmed_via": "category",
    "intake": "object",
    "listed_as_of": "datetime64[ns]",
    "last_verified": "datetime64[ns]",
    "schedule_confirmed_on": "datetime64[ns]",
    "schedule_confirmed_via": "category",
    "source": "string",
    "notes": "string",
}


def test_frame_dtypes_table_covers_the_schema():
    assert list(FRAME_DTYPES) == list(COLUMN_NAMES)


@pytest.mark.parametrize("programs", ["good.csv", "none"])
def test_geodataframe_has_every_column_with_its_dtype(programs):
    frame = programs_to_geodataframe(load(programs).programs if programs != "none" else [])
    assert list(frame.columns) == [*COLUMN_NAMES, "geometry"]
    assert {c: str(frame[c].dtype) for c in COLUMN_NAMES} == FRAME_DTYPES
    assert frame.geometry.name == "geometry"
    assert str(frame["geometry"].dtype) == "geometry"


def test_geodataframe_category_columns_know_the_whole_vocabulary():
    frame = programs_to_geodataframe(load("good.csv").programs)
    assert list(frame["level_of_care"].cat.categories) == [str(v) for v in LevelOfCare]
    assert "Nantucket" in frame["county"].cat.categories
    assert list(frame["attendance"].cat.categories) == [str(v) for v in Attendance]


def test_geodataframe_values_are_typed_and_empty_cells_are_missing():
    frame = programs_to_geodataframe(load("good.csv").programs)
    first, third = frame.iloc[0], frame.iloc[2]
    assert first["zip"] == "02139"
    assert first["latitude"] == pytest.approx(42.3736)
    assert first["hours_per_week"] == 9
    assert first["phone"] == "(617) 555-0142"
    assert first["insurance"] == ["MassHealth", "Private insurance", "Sliding scale"]
    assert first["intake"] == ["walk-in", "call"]
    assert first["availability_as_of"] == dt.datetime(2026, 10, 1)
    assert first["accepting_new_clients"] == "yes"
    assert third["county"] == "Barnstable"
    assert third["insurance"] == []
    assert third["languages"] == []
    assert third["accepting_new_clients"] == "unknown"
    for column in ("latitude", "hours_per_week", "attendance", "website", "schedule", "notes",
                   "availability_as_of"):
        assert frame[column].isna().iloc[2], column


def test_geodataframe_of_no_programs_is_empty_but_has_a_crs():
    frame = programs_to_geodataframe([])
    assert frame.empty
    assert frame.crs.to_epsg() == 4326


def test_geodataframe_of_the_sample_dataset_round_trips_every_program(sample_csv):
    programs = load_programs(sample_csv, today=TODAY).programs
    frame = programs_to_geodataframe(programs)
    assert len(frame) == len(programs)
    assert frame["program_id"].tolist() == [p.program_id for p in programs]
    assert frame.geometry.notna().all()
    assert frame["insurance"].map(len).tolist() == [len(p.insurance) for p in programs]


def test_read_meta_of_missing_or_broken_file_is_empty(tmp_path):
    assert read_meta(tmp_path) == {}
    (tmp_path / "providers.meta.json").write_text("{not json", encoding="utf-8")
    assert read_meta(tmp_path) == {}
    (tmp_path / "providers.meta.json").write_text("[1, 2]", encoding="utf-8")
    assert read_meta(tmp_path) == {}


# --- provenance (issue 12) --------------------------------------------------------------------


def test_provenance_columns_load_as_dates_and_how_confirmed():
    first = load("good.csv").programs[0]
    assert first.listed_as_of == dt.date(2026, 9, 1)
    assert first.schedule_confirmed_on == dt.date(2026, 9, 15)
    assert first.schedule_confirmed_via == ConfirmedVia.PHONE
    assert first.availability_confirmed_via == ConfirmedVia.PHONE


def test_last_verified_is_optional_and_empty_means_nobody_confirmed():
    loaded = load_programs(with_cell("last_verified", ""), today=TODAY)
    assert loaded.report.ok
    assert loaded.programs[0].last_verified is None


def test_a_file_without_the_provenance_columns_still_loads():
    new = ("listed_as_of", "schedule_confirmed_on", "schedule_confirmed_via",
           "availability_confirmed_via")
    keep = [i for i, name in enumerate(COLUMN_NAMES) if name not in new]
    rows = [[row[i] for i in keep] for row in good_rows()]
    loaded = load_programs(to_csv(rows), today=TODAY)
    assert loaded.report.ok, loaded.report.to_text()
    assert loaded.report.notices == []
    assert [p.listed_as_of for p in loaded.programs] == [None, None, None]
    assert loaded.programs[0].last_verified == dt.date(2026, 9, 15)


def test_how_confirmed_needs_its_date():
    (issue,) = load_programs(with_cell("schedule_confirmed_on", ""), today=TODAY).report.errors
    assert (issue.row, issue.column) == (2, "schedule_confirmed_on")
    assert "schedule_confirmed_via" in issue.message


def test_how_confirmed_is_a_vocabulary():
    (issue,) = load_programs(with_cell("schedule_confirmed_via", "carrier pigeon"),
                             today=TODAY).report.errors
    assert (issue.row, issue.column) == (2, "schedule_confirmed_via")
    assert "phone" in issue.message


@pytest.mark.parametrize("column", ["listed_as_of", "schedule_confirmed_on"])
def test_provenance_dates_may_not_be_in_the_future(column):
    (issue,) = load_programs(with_cell(column, "2030-01-01"), today=TODAY).report.errors
    assert (issue.row, issue.column) == (2, column)
    assert "in the future" in issue.message

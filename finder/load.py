"""Read a provider CSV, validate it, and build typed programs.

Nothing here raises on bad input. A file that cannot be used at all (empty,
binary, too big, not a CSV) sets ``ValidationReport.file_error``; a bad cell
becomes an ``Issue`` naming the row as a spreadsheet shows it (the header is
row 1), the column, the value and the reason. Rows without errors still load.

Cell checks are declared once in ``finder.schema`` and run through a pandera
``DataFrameSchema`` (lazy, so every failure is collected); cross-row and
cross-column rules (duplicate ids, dates in the future, half coordinates) are
checked here.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    import pandas as pd  # type: ignore[import-untyped,unused-ignore]
    import pandera.pandas as pa
else:

    def _imported_on_first_use(name: str) -> Any:
        # pandas and pandera take about 0.4 s to import, and only validating a
        # file needs them: `import finder` and a search of an already validated
        # dataset (finder.validated) never pay for them.
        import importlib
        import types

        class _Module(types.ModuleType):
            def __getattr__(self, attr: str) -> Any:
                return getattr(importlib.import_module(name), attr)

        return _Module(name)

    pd = _imported_on_first_use("pandas")
    pa = _imported_on_first_use("pandera.pandas")

from finder.config import Settings
from finder.model import (
    LANGUAGES,
    Accepting,
    Attendance,
    ConfirmedVia,
    Insurance,
    Intake,
    LevelOfCare,
    Population,
    Program,
    Service,
)
from finder.schema import (
    COLUMN_NAMES,
    COLUMNS,
    MA_COUNTIES,
    REQUIRED_COLUMNS,
    canonical,
    check_location,
    format_phone,
    split_list,
)

__all__ = [
    "DATE_COLUMNS",
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_ROWS",
    "MAX_LISTED_ERRORS",
    "Issue",
    "Loaded",
    "ValidationReport",
    "load_programs",
    "read_limited",
    "read_meta",
    "too_big_message",
    "validate_file",
]

log = logging.getLogger(__name__)

#: The one upload and size limit, as the settings table defaults it (``upload_max_mb``);
#: callers pass ``Settings.upload_max_bytes`` when the setting is changed.
DEFAULT_MAX_BYTES = Settings().upload_max_bytes
#: Most programs (rows below the header) a provider CSV may have: the
#: ``upload_max_rows`` setting's default. Massachusetts has a few hundred IOPs.
DEFAULT_MAX_ROWS = 50_000
#: Most problems kept in a report; the rest are counted (``error_count``).
MAX_LISTED_ERRORS = 1_000
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
#: Date columns: none may be in the future.
DATE_COLUMNS = ("availability_as_of", "listed_as_of", "last_verified", "schedule_confirmed_on")
#: A "how confirmed" column and the date it needs.
_CONFIRMED_VIA = {
    "schedule_confirmed_via": "schedule_confirmed_on",
    "availability_confirmed_via": "availability_as_of",
}
_SPREADSHEET_MAGIC = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")  # xlsx/zip, legacy xls
#: Longest cell read (the csv module's default): longer means an unclosed quote.
_MAX_CELL_CHARS = 131_072


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem in one cell, or with one column of the header when ``row`` is 1.

    ``row`` is the row a spreadsheet shows: the header is row 1, and blank
    lines and empty rows count, as they do in Excel and LibreOffice.
    """

    row: int
    column: str
    value: str
    message: str

    def as_dict(self) -> dict[str, object]:
        """Return the JSON form ``{"row", "column", "value", "message"}``."""
        return {"row": self.row, "column": self.column, "value": self.value, "message": self.message}


class IssueList(list):
    """A list of issues that keeps the first ``limit`` and counts every one.

    A file of a million bad rows must not cost gigabytes or print ten million
    lines (issue 17): ``append`` past the limit only counts the issue and
    remembers its row, so ``total`` and ``rows`` stay exact.
    """

    def __init__(self, limit: int = MAX_LISTED_ERRORS) -> None:
        super().__init__()
        self.limit = limit
        self.total = 0
        self.rows: set[int] = set()

    def append(self, issue: Issue) -> None:
        """Count the issue and its row; keep it while under the limit."""
        self.total += 1
        self.rows.add(issue.row)
        if len(self) < self.limit:
            super().append(issue)

    def extend(self, issues: Iterable[Issue]) -> None:
        """Append each issue."""
        for issue in issues:
            self.append(issue)

    def __reduce__(self) -> tuple[object, ...]:
        # Pickle (finder.validated keeps reports) rebuilds the kept issues and the counts.
        return (_restore_issues, (self.limit, self.total, sorted(self.rows), list(self)))


def _restore_issues(limit: int, total: int, rows: list[int], kept: list[Issue]) -> IssueList:
    issues = IssueList(limit)
    list.extend(issues, kept)
    issues.total, issues.rows = total, set(rows)
    return issues


@dataclass(slots=True)
class ValidationReport:
    """Everything wrong with one provider CSV.

    ``file_error`` is set when the file cannot be used at all; then ``rows``
    is 0. ``notices`` are things handled for the admin (a BOM, Latin-1, a ``;``
    delimiter) that they may want to know about. ``errors`` keeps the first
    ``MAX_LISTED_ERRORS`` problems; ``error_count`` and ``bad_rows`` count them all.
    """

    rows: int = 0
    valid_rows: int = 0
    errors: list[Issue] = field(default_factory=IssueList)
    notices: list[str] = field(default_factory=list)
    file_error: str | None = None

    @property
    def error_count(self) -> int:
        """Every problem found, also those not kept in ``errors``."""
        return self.errors.total if isinstance(self.errors, IssueList) else len(self.errors)

    @property
    def errors_truncated(self) -> bool:
        """True when ``errors`` lists only the first problems."""
        return self.error_count > len(self.errors)

    @property
    def bad_rows(self) -> set[int]:
        """The spreadsheet rows with at least one problem (all of them, listed or not)."""
        if isinstance(self.errors, IssueList):
            return set(self.errors.rows)
        return {i.row for i in self.errors}

    @property
    def ok(self) -> bool:
        """True when the file is usable and no row has an error."""
        return self.file_error is None and not self.errors

    @property
    def exit_code(self) -> int:
        """0 valid, 1 some row has an error, 2 the file cannot be used."""
        if self.file_error is not None:
            return 2
        return 1 if self.errors else 0

    def as_dict(self) -> dict[str, object]:
        """Return the JSON form used by ``finder validate --format json``."""
        out: dict[str, object] = {
            "rows": self.rows,
            "valid_rows": self.valid_rows,
            "errors": [i.as_dict() for i in self.errors],
        }
        if self.errors_truncated:
            out["error_count"] = self.error_count
        if self.notices:
            out["notices"] = list(self.notices)
        if self.file_error is not None:
            out["file_error"] = self.file_error
        return out

    def to_text(self, name: str = "file") -> str:
        """Return a plain-language report for the CLI."""
        if self.file_error is not None:
            return f"{name}: cannot be used. {self.file_error}"
        from finder.labels import count  # Babel's plural rules, loaded only for a report

        lines = [f"{name}: {count(self.rows, 'row', 'rows')}, {self.valid_rows:,} valid, "
                 f"{count(self.error_count, 'error', 'errors')}."]
        lines += [f"note: {n}" for n in self.notices]
        lines += [
            f"row {i.row}, column {i.column}: {i.message} (value: {i.value!r})" for i in self.errors
        ]
        if self.errors_truncated:
            lines.append(f"... and {count(self.error_count - len(self.errors), 'more error', 'more errors')} "
                         f"(only the first {len(self.errors)} are listed).")
        return "\n".join(lines)


@dataclass(slots=True)
class Loaded:
    """What ``load_programs`` returns: the good programs and the report.

    ``rows`` holds every non-empty row below the header as strings, in file
    order; ``row_numbers`` gives the spreadsheet row of each (empty rows are
    skipped, so they need not run 2, 3, 4, ...). Match ``Issue.row`` against
    ``row_numbers``, never against a position in ``rows``.
    """

    programs: list[Program]
    report: ValidationReport
    header: list[str] = field(default_factory=list)
    rows: list[dict[str, str]] = field(default_factory=list)
    row_numbers: list[int] = field(default_factory=list)

    def numbered_rows(self) -> list[tuple[int, dict[str, str]]]:
        """Return ``(spreadsheet row, row)`` pairs, e.g. to drop rows with errors."""
        return list(zip(self.row_numbers, self.rows, strict=True))


def _decode(data: bytes, report: ValidationReport) -> str | None:
    if not data.strip():
        report.file_error = "The file is empty. Export the sheet again with its header row and programs."
        return None
    if data.startswith(_SPREADSHEET_MAGIC):
        report.file_error = (
            "This is a spreadsheet file (Excel), not a CSV. "
            "In Excel use File > Save As > 'CSV UTF-8', then upload that."
        )
        return None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        # Excel's "Unicode Text" export: UTF-16 with a byte-order mark.
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            pass
        else:
            report.notices.append(
                "The file is UTF-16 (Excel 'Unicode Text'); it was read as such. "
                "Save as 'CSV UTF-8' next time."
            )
            return text
    if b"\x00" in data[:8192]:
        report.file_error = (
            "This looks like a binary file, not a CSV text file. "
            "Save the data as 'CSV UTF-8' and try again."
        )
        return None
    if data.startswith(b"\xef\xbb\xbf"):
        report.notices.append("The file starts with a byte-order mark (BOM); it was ignored.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        report.notices.append(
            "The file is not UTF-8; it was read as Windows-1252 (Latin-1). "
            "Check accented names, and save as 'CSV UTF-8' next time."
        )
        return data.decode("cp1252", errors="replace")


def _sniff_delimiter(text: str, report: ValidationReport) -> str:
    first = text.split("\n", 1)[0]
    counts = {d: first.count(d) for d in (",", ";", "\t")}
    delimiter = max(counts, key=lambda d: counts[d])
    if counts[delimiter] == 0 or counts[","] == counts[delimiter]:
        return ","
    name = {";": "semicolons", "\t": "tabs"}[delimiter]
    report.notices.append(f"Columns are separated by {name}, not commas; read accordingly.")
    return delimiter


def _read_table(
    text: str, report: ValidationReport, max_rows: int = DEFAULT_MAX_ROWS
) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Return the header and the non-empty rows below it, each with its spreadsheet row.

    Every CSV record is one spreadsheet row, a blank line too (Excel and
    LibreOffice show it as an empty row), while a quoted cell holding a line
    break stays one row; so records are numbered before empty ones are dropped.
    """
    delimiter = _sniff_delimiter(text, report)
    # The csv module's cell limit is process-wide and other libraries raise it
    # (frictionless does on import); a huge cell must stay a plain file error.
    csv.field_size_limit(_MAX_CELL_CHARS)
    try:
        records = []
        filled = 0
        for record in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            records.append(record)
            if any(cell.strip() for cell in record):
                filled += 1
                if filled > max_rows + 1:  # the header, then max_rows programs
                    report.file_error = (
                        f"The file has more than {max_rows:,} programs (rows); the limit is "
                        f"{max_rows:,} (the upload_max_rows setting). Check that it is the "
                        "provider CSV and not a larger export."
                    )
                    return [], []
    except csv.Error as err:
        if "field larger than field limit" in str(err):
            report.file_error = (
                "One cell is far too long to be real data; usually a quote mark (\") "
                "opens a cell and is never closed. Fix the quotes and save again as 'CSV UTF-8'."
            )
        else:
            report.file_error = (
                f"The file is not a readable CSV ({err}). Save it again as 'CSV UTF-8'."
            )
        return [], []
    numbered = [(n, r) for n, r in enumerate(records, start=1) if any(cell.strip() for cell in r)]
    if not numbered:
        report.file_error = "The file is empty. Export the sheet again with its header row and programs."
        return [], []
    (header_row, header), *body = numbered
    if header_row > 1:
        report.notices.append(
            f"The header is on row {header_row}; the empty rows above it were skipped. "
            "Row numbers below are the spreadsheet's."
        )
    if body:
        kept = {n for n, _ in body}
        skipped = [n for n in range(header_row + 1, body[-1][0]) if n not in kept]
        if skipped:
            shown = ", ".join(str(n) for n in skipped[:5]) + (", ..." if len(skipped) > 5 else "")
            rows = "rows" if len(skipped) > 1 else "row"
            report.notices.append(f"Skipped {len(skipped)} empty {rows} ({rows} {shown}).")
    return [h.strip() for h in header], body


def _build_schema(present: Sequence[str]) -> pa.DataFrameSchema:
    columns: dict[str, pa.Column] = {}
    for spec in COLUMNS:
        if spec.name not in present:
            continue

        def ok(value: str, _check=spec.check) -> bool:
            return value == "" or _check(value) is None

        def filled(value: str) -> bool:
            return value != ""

        checks = [pa.Check(ok, element_wise=True, name=f"{spec.name}:value")]
        if spec.required:
            checks.append(pa.Check(filled, element_wise=True, name=f"{spec.name}:required"))
        columns[spec.name] = pa.Column(None, checks=checks, nullable=False)
    return pa.DataFrameSchema(columns, strict=False, coerce=False)


def _check_cells(frame: pd.DataFrame, report: ValidationReport) -> None:
    specs = {c.name: c for c in COLUMNS}
    schema = _build_schema(list(frame.columns))
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as err:
        cases = err.failure_cases
        for case in cases.itertuples(index=False):
            check = str(case.check)
            if ":" not in check or pd.isna(case.index):
                continue
            column, kind = check.split(":", 1)
            value = str(case.failure_case)
            if kind == "required":
                message = f"{column} is required and is empty"
            else:
                message = f"{column} {specs[column].check(value)}"
            report.errors.append(Issue(int(case.index), column, value, message))


def _check_rows(frame: pd.DataFrame, report: ValidationReport, today: dt.date) -> None:
    if "program_id" in frame:
        first_seen: dict[str, int] = {}
        for index, value in frame["program_id"].items():
            row = int(index)
            if value == "":
                continue
            if value in first_seen:
                report.errors.append(
                    Issue(row, "program_id", value,
                          f"program_id '{value}' is already used at row {first_seen[value]}; ids must be unique")
                )
            else:
                first_seen[value] = row
    for via, on in _CONFIRMED_VIA.items():
        if via not in frame:
            continue
        dates = frame[on] if on in frame else pd.Series("", index=frame.index)
        for index, value in frame[via].items():
            if value != "" and dates[index] == "":
                report.errors.append(
                    Issue(int(index), on, "",
                          f"{on} is needed when {via} is filled: say when it was confirmed")
                )
    for column in DATE_COLUMNS:
        if column not in frame:
            continue
        for index, value in frame[column].items():
            if not _ISO_DATE.fullmatch(value):
                continue  # empty, or already reported as not YYYY-MM-DD
            try:
                when = dt.date.fromisoformat(value)
            except ValueError:
                continue
            if when > today:
                report.errors.append(
                    Issue(int(index), column, value,
                          f"{column} is in the future (today is {today.isoformat()}); use the date it was checked")
                )
    if "latitude" in frame and "longitude" in frame:
        # Cells that already failed their own check: one defect, one error.
        failed = {(i.row, i.column) for i in report.errors}
        zips = frame["zip"] if "zip" in frame else pd.Series("", index=frame.index)
        for index, (lat, lon) in frame[["latitude", "longitude"]].iterrows():
            row = int(index)
            if (lat == "") != (lon == ""):
                missing = "longitude" if lon == "" else "latitude"
                report.errors.append(
                    Issue(row, missing, "",
                          "latitude and longitude go together: fill both, or leave both empty to geocode")
                )
                continue
            zip_code = zips[index]
            if lat == "" or zip_code == "" or failed & {(row, "latitude"), (row, "longitude"), (row, "zip")}:
                continue
            problem = check_location(float(lat), float(lon), zip_code)
            if problem is not None:
                report.errors.append(Issue(row, "latitude", f"{lat}, {lon}", problem))


_E = TypeVar("_E", bound=StrEnum)


def _member(vocabulary: type[_E], cell: str) -> _E | None:
    """Return the member a validated cell names, or None for an empty cell."""
    name = canonical(cell, list(vocabulary)) if cell else None
    return vocabulary(name) if name is not None else None


def _program(row: dict[str, str]) -> Program:
    def many(column: str, vocab: Sequence[str]) -> tuple[str, ...]:
        items = (canonical(item, vocab) for item in split_list(row.get(column, "")))
        return tuple(dict.fromkeys(i for i in items if i))

    def date(column: str) -> dt.date | None:
        value = row.get(column, "")
        return dt.date.fromisoformat(value) if value else None

    def number(column: str) -> float | None:
        value = row.get(column, "")
        return float(value) if value else None

    # Same rule as the county check: "Suffolk", "suffolk county" and "Suffolk County" all pass.
    county = re.sub(r"\s+county$", "", row.get("county", ""), flags=re.IGNORECASE)
    level = _member(LevelOfCare, row["level_of_care"])
    assert level is not None  # required, already validated
    return Program(
        program_id=row["program_id"],
        organization=row["organization"],
        program_name=row["program_name"],
        level_of_care=level,
        street=row["street"],
        city=row["city"],
        state="MA",
        zip=row["zip"],
        county=canonical(county, MA_COUNTIES) or "" if county else "",
        latitude=number("latitude"),
        longitude=number("longitude"),
        phone=format_phone(row["phone"]),
        intake_phone=format_phone(row["intake_phone"]) if row.get("intake_phone") else "",
        website=row.get("website", ""),
        insurance=tuple(Insurance(v) for v in many("insurance", list(Insurance))),
        schedule=row.get("schedule", "").strip(),
        attendance=_member(Attendance, row.get("attendance", "")),
        hours_per_week=number("hours_per_week"),
        services=tuple(Service(v) for v in many("services", list(Service))),
        populations=tuple(Population(v) for v in many("populations", list(Population))),
        languages=many("languages", LANGUAGES),
        accepting_new_clients=(
            _member(Accepting, row.get("accepting_new_clients", "")) or Accepting.UNKNOWN
        ),
        availability_as_of=date("availability_as_of"),
        intake=tuple(Intake(v) for v in many("intake", list(Intake))),
        last_verified=date("last_verified"),
        source=row["source"],
        notes=row.get("notes", ""),
        listed_as_of=date("listed_as_of"),
        schedule_confirmed_on=date("schedule_confirmed_on"),
        schedule_confirmed_via=_member(ConfirmedVia, row.get("schedule_confirmed_via", "")),
        availability_confirmed_via=_member(
            ConfirmedVia, row.get("availability_confirmed_via", "")
        ),
    )


def load_programs(
    source: str | Path | bytes,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    today: dt.date | None = None,
    max_rows: int = DEFAULT_MAX_ROWS,
) -> Loaded:
    """Read and validate a provider CSV; never raises on bad content.

    Parameters
    ----------
    source : str, Path or bytes
        A path to the CSV, or its raw bytes (an upload).
    max_bytes : int
        Larger files are refused with a clear ``file_error``.
    today : datetime.date, optional
        For the "not in the future" rules; defaults to today.
    max_rows : int
        Files with more programs (rows below the header) are refused with a
        clear ``file_error`` before any cell is checked.

    Returns
    -------
    Loaded
        The programs from rows without errors, the report, and the raw rows
        (strings, header order) for diffing and merging.
    """
    today = today or dt.date.today()
    report = ValidationReport()
    data = _read_bytes(source, max_bytes, report)
    if data is None:
        return Loaded([], report)
    text = _decode(data, report)
    if text is None:
        return Loaded([], report)
    header, records = _read_table(text, report, max_rows)
    if report.file_error is not None:
        return Loaded([], report)
    if not records:
        report.file_error = "The file has a header row but no programs."
        return Loaded([], report, header)
    if not set(header) & set(COLUMN_NAMES):
        report.file_error = (
            "None of the expected columns were found in the first row. "
            "Start from `finder template`, or check that row 1 is the header."
        )
        return Loaded([], report, header)

    for name in REQUIRED_COLUMNS:
        if name not in header:
            report.errors.append(Issue(1, name, "", f"the required column '{name}' is missing from the header"))
    repeated = sorted({h for h in header if h in COLUMN_NAMES and header.count(h) > 1}, key=header.index)
    for name in repeated:
        report.errors.append(
            Issue(1, name, name, f"the column '{name}' appears more than once in the header; keep one")
        )
    unknown = [h for h in header if h and h not in COLUMN_NAMES]
    if unknown:
        report.notices.append(f"Columns not in the template were ignored: {', '.join(unknown)}.")

    width = len(header)
    rows: list[dict[str, str]] = []
    row_numbers: list[int] = []
    for number, record in records:
        if len(record) > width and any(cell.strip() for cell in record[width:]):
            report.errors.append(
                Issue(number, header[-1], ";".join(record[width:]),
                      f"this row has {len(record)} cells but the header has {width}; "
                      "check for an unquoted comma")
            )
        cells = [c.strip() for c in record] + [""] * (width - len(record))
        rows.append({h: cells[i] for i, h in enumerate(header) if h})
        row_numbers.append(number)
    # Indexed by spreadsheet row, so every check reports the row the admin sees.
    frame = pd.DataFrame(
        rows, columns=[h for h in header if h], index=row_numbers, dtype=object
    ).fillna("")
    frame = frame.loc[:, ~frame.columns.duplicated()]

    _check_cells(frame, report)
    _check_rows(frame, report, today)
    report.errors.sort(key=lambda i: (i.row, COLUMN_NAMES.index(i.column) if i.column in COLUMN_NAMES else 99))
    report.rows = len(rows)

    bad_rows = report.bad_rows
    missing_required = any(i.row == 1 for i in report.errors)
    programs: list[Program] = []
    if not missing_required:
        for number, row in zip(row_numbers, rows, strict=True):
            if number not in bad_rows:
                programs.append(_program(row))
    report.valid_rows = len(programs)
    return Loaded(programs, report, [h for h in header if h], rows, row_numbers)


def _read_bytes(source: str | Path | bytes, max_bytes: int, report: ValidationReport) -> bytes | None:
    data, error = read_limited(source, max_bytes)
    if error is not None:
        report.file_error = error
    return data


def read_limited(source: str | Path | bytes, max_bytes: int) -> tuple[bytes | None, str | None]:
    """Read a file or an upload, refusing one above the size limit: the one size check.

    The provider CSV loader, the admin's refresh and the FindTreatment.gov
    importer all read through here, with the ``upload_max_mb`` setting
    (``Settings.upload_max_bytes``), so they refuse the same files with the
    same words.

    Parameters
    ----------
    source : str, Path or bytes
        A path, or the bytes of an upload.
    max_bytes : int
        The limit.

    Returns
    -------
    (bytes, None) or (None, str)
        The data, or a plain message saying why the file can't be used.
    """
    if isinstance(source, bytes):
        if len(source) > max_bytes:
            return None, too_big_message(len(source), max_bytes)
        return source, None
    path = Path(source)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            return None, too_big_message(size, max_bytes)
        data = path.read_bytes()
    except FileNotFoundError:
        return None, f"There is no file at {path}."
    except IsADirectoryError:
        return None, f"{path} is a folder, not a file."
    except OSError as err:
        return None, f"The file could not be read ({err.strerror})."
    if len(data) > max_bytes:  # it grew while we looked
        return None, too_big_message(len(data), max_bytes)
    return data, None


def _as_setting(max_bytes: int) -> str:
    """Return the limit in megabytes as the setting says it (the shortest value giving these bytes)."""
    megabytes = max_bytes / 1_048_576
    for digits in range(1, 8):
        shorter = float(f"{megabytes:.{digits}g}")
        if int(shorter * 1_048_576) == max_bytes:  # as Settings.upload_max_bytes rounds
            return f"{shorter:g}"
    return f"{megabytes:g}"


def too_big_message(size: int, max_bytes: int) -> str:
    """Say that a file is over the size limit, with both sizes and the setting's name.

    Parameters
    ----------
    size : int
        The file's size in bytes.
    max_bytes : int
        The limit in bytes (``upload_max_mb`` in megabytes).

    Returns
    -------
    str
    """
    megabytes = size / 1_048_576
    said = f"{megabytes:.1f} MB" if megabytes >= 0.1 else f"{max(size / 1024, 0.1):.3g} KB"
    return (
        f"The file is {said}; the limit is {_as_setting(max_bytes)} MB (the upload_max_mb "
        "setting). Check that it is the provider CSV or the FindTreatment.gov download, "
        "not a larger export."
    )


def validate_file(source: str | Path | bytes, **kwargs: object) -> ValidationReport:
    """Validate a provider CSV and return only the report (see ``load_programs``)."""
    return load_programs(source, **kwargs).report  # type: ignore[arg-type]


def read_meta(data_dir: str | Path) -> dict[str, object]:
    """Return the live metadata of a data folder, or ``{}`` (``finder.store.files.read_meta``).

    The store owns the data folder's files; new code asks ``Store.meta()``.

    Parameters
    ----------
    data_dir : str or Path
        The data folder.

    Returns
    -------
    dict
    """
    from finder.store.files import read_meta as _read_meta

    return _read_meta(data_dir)

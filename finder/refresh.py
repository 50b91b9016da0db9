"""Admin refresh: turn an uploaded file into a reviewed, publishable dataset.

The same pipeline serves the ``finder refresh`` command and the admin page:

1. **Read** a provider CSV or a FindTreatment.gov download (detected from its
   header; the download goes through ``finder.importers.findtreatment``).
2. **Validate** every row (``finder.load.load_programs``): a report of row,
   column, value and reason.
3. **Geocode** the programs without coordinates through a *locator*, any
   object with ``geocode_address(street, city, zip_code) -> Place`` (see
   ``finder.geocode.build_locator``). Coordinates of unchanged addresses are
   reused from the live dataset, so only new or moved sites are looked up.
   Each failure is reported per row; ``progress(done, total)`` is called as it
   goes.
4. **Diff** against the live dataset by ``program_id``: programs added,
   removed, and changed field by field.
5. **Merge** (optional, meant for FindTreatment.gov imports): fields SAMHSA
   does not publish are kept from the live dataset on matched programs, and
   live programs missing from the download are kept and flagged for review,
   never silently deleted.

``prepare_refresh`` never writes anything and never raises on bad input; it
returns a ``RefreshPlan``. ``publish_plan`` publishes a plan through
the store (``finder.store``: validated again, atomic, versioned), and refuses when the
live data changed since the plan was made.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

from finder.errors import DataError, FinderError, GeocodeUnavailable, PublishError
from finder.export import neutralize
from finder.geo import in_massachusetts
from finder.importers import findtreatment
from finder.load import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_ROWS,
    Issue,
    ValidationReport,
    load_programs,
    read_limited,
)
from finder.model import NAMED_COMMERCIAL_PLANS, Place, Precision
from finder.schema import COLUMN_NAMES, split_list
from finder.store.base import Store
from finder.store.dataset import (
    DEFAULT_LOCK_TIMEOUT_S,
    PublishResult,
    csv_rows,
    is_plain_csv,
    rows_to_csv,
    sha256_hex,
)
from finder.store.files import FileStore
from finder.words import count

__all__ = [
    "ADMIN_FIELDS",
    "NOTHING_TO_PUBLISH",
    "DatasetDiff",
    "FieldChange",
    "FlaggedProgram",
    "GeocodeOutcome",
    "Locator",
    "ProgramChange",
    "RefreshPlan",
    "diff_rows",
    "issues_to_csv",
    "merge_rows",
    "prepare_refresh",
    "publish_plan",
]

KIND_PROVIDER_CSV = "provider_csv"
KIND_FINDTREATMENT = "findtreatment"

#: Columns FindTreatment.gov does not publish (or, for notes, that an admin
#: curates). On a merge they are kept from the live dataset (see
#: ``merge_rows``). Named insurance plans (``NAMED_COMMERCIAL_PLANS``) are kept
#: inside the ``insurance`` list.
ADMIN_FIELDS: tuple[str, ...] = (
    "schedule",
    "accepting_new_clients",
    "availability_as_of",
    # What a person confirmed, and how: a new listing confirms nothing (issue 12).
    "availability_confirmed_via",
    "last_verified",
    "schedule_confirmed_on",
    "schedule_confirmed_via",
    "hours_per_week",
    "intake",
    "notes",
)

#: What the admin sees when a plan would leave the live file as it is.
NOTHING_TO_PUBLISH = "Nothing to publish: the file is the same as the live dataset."
NESTED_TOO_DEEP = ("This JSON file is nested far too deeply to be a FindTreatment.gov download. "
                   "Download the file again, unchanged.")
TOO_MANY_PROBLEMS = ("This file has too many problems to publish even its valid rows (only the "
                     "first {listed} of {total} are listed). Check that it is the right file, "
                     "fix it and upload it again.")

_COORDS = ("latitude", "longitude")
_ADDRESS = ("street", "city", "zip")


class Locator(Protocol):
    """What ``prepare_refresh`` needs from the geocoding layer."""

    def geocode_address(self, street: str, city: str, zip_code: str) -> Place:
        """Return the point of a street address, or raise ``GeocodeError``."""
        ...


Progress = Callable[[int, int], None]


# --------------------------------------------------------------------------- diff


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One cell that differs between the live and the new dataset."""

    column: str
    old: str
    new: str

    def describe(self) -> str:
        """Return the change as the CLI prints it: ``phone: '508-555-0146' -> '508-555-0147'``."""
        return f"{self.column}: {self.old!r} -> {self.new!r}"


@dataclass(frozen=True, slots=True)
class ProgramChange:
    """A program added, removed or changed; ``fields`` is empty unless changed."""

    program_id: str
    organization: str = ""
    program_name: str = ""
    city: str = ""
    fields: tuple[FieldChange, ...] = ()

    @property
    def name(self) -> str:
        """``"Organization: program name"``, for lists."""
        org, name = self.organization, self.program_name
        return f"{org}: {name}" if org and name else org or name

    def as_dict(self) -> dict[str, object]:
        """Return the JSON form: id, names, city and the changed fields."""
        out: dict[str, object] = {
            "program_id": self.program_id,
            "program": self.name,
            "city": self.city,
        }
        if self.fields:
            out["fields"] = [{"column": f.column, "old": f.old, "new": f.new} for f in self.fields]
        return out


def _change(row: Mapping[str, str], fields: tuple[FieldChange, ...] = ()) -> ProgramChange:
    return ProgramChange(
        row.get("program_id", ""),
        row.get("organization", ""),
        row.get("program_name", ""),
        row.get("city", ""),
        fields,
    )


@dataclass(frozen=True, slots=True)
class DatasetDiff:
    """What publishing would change, program by program."""

    added: tuple[ProgramChange, ...] = ()
    removed: tuple[ProgramChange, ...] = ()
    changed: tuple[ProgramChange, ...] = ()
    unchanged: int = 0

    @property
    def is_empty(self) -> bool:
        """Whether the new dataset has the same programs with the same values."""
        return not (self.added or self.removed or self.changed)

    def summary(self) -> str:
        """Return e.g. ``"3 added, 1 removed, 5 changed"``."""
        return f"{len(self.added)} added, {len(self.removed)} removed, {len(self.changed)} changed"

    def as_rows(self) -> list[dict[str, str]]:
        """Return one row per change, for a table or a CSV download.

        Keys: ``change`` (added/removed/changed), ``program_id``, ``program``,
        ``column``, ``old``, ``new``.
        """
        out: list[dict[str, str]] = []
        for kind, items in (("added", self.added), ("removed", self.removed)):
            out += [
                {"change": kind, "program_id": p.program_id, "program": p.name,
                 "column": "", "old": "", "new": ""}
                for p in items
            ]
        for p in self.changed:
            out += [
                {"change": "changed", "program_id": p.program_id, "program": p.name,
                 "column": f.column, "old": f.old, "new": f.new}
                for f in p.fields
            ]
        return out

    def as_dict(self) -> dict[str, object]:
        """Return the JSON form used by ``finder refresh --format json``."""
        return {
            "added": [p.as_dict() for p in self.added],
            "removed": [p.as_dict() for p in self.removed],
            "changed": [p.as_dict() for p in self.changed],
            "unchanged": self.unchanged,
        }


def _label(row: Mapping[str, str]) -> str:
    org, name = row.get("organization", ""), row.get("program_name", "")
    return f"{org}: {name}" if org and name else org or name


def _same(column: str, old: str, new: str) -> bool:
    if column in _COORDS or column == "hours_per_week":
        try:
            return round(float(old), 5) == round(float(new), 5)
        except ValueError:
            pass
    return old == new


def diff_rows(old: Sequence[Mapping[str, str]], new: Sequence[Mapping[str, str]]) -> DatasetDiff:
    """Compare two datasets by ``program_id``, field by field.

    Parameters
    ----------
    old, new : sequence of mappings
        Rows keyed by column name (as in ``Loaded.rows``); cells are compared
        as trimmed text, coordinates as numbers to 5 decimals.

    Returns
    -------
    DatasetDiff
    """
    before = {r.get("program_id", ""): r for r in old if r.get("program_id")}
    after = {r.get("program_id", ""): r for r in new if r.get("program_id")}
    added = tuple(_change(r) for pid, r in after.items() if pid not in before)
    removed = tuple(_change(r) for pid, r in before.items() if pid not in after)
    changed: list[ProgramChange] = []
    unchanged = 0
    for pid, row in after.items():
        if pid not in before:
            continue
        was = before[pid]
        columns = [*COLUMN_NAMES, *(c for c in {**was, **row} if c not in COLUMN_NAMES)]
        fields = tuple(
            FieldChange(c, (was.get(c) or "").strip(), (row.get(c) or "").strip())
            for c in columns
            if not _same(c, (was.get(c) or "").strip(), (row.get(c) or "").strip())
        )
        if fields:
            changed.append(_change(row, fields))
        else:
            unchanged += 1
    return DatasetDiff(added, removed, tuple(changed), unchanged)


# --------------------------------------------------------------------------- merge


@dataclass(frozen=True, slots=True)
class FlaggedProgram:
    """A live program kept on a merge that needs an admin's review.

    ``name`` is ``"Organization: program name"``; the parts and the city are
    kept too, for the admin page's table.
    """

    program_id: str
    name: str
    reason: str
    organization: str = ""
    program_name: str = ""
    city: str = ""

    def as_dict(self) -> dict[str, str]:
        """Return id, ``program`` (the combined name), its parts, city and reason."""
        return {
            "program_id": self.program_id,
            "program": self.name,
            "organization": self.organization,
            "program_name": self.program_name,
            "city": self.city,
            "reason": self.reason,
        }


def _merge_insurance(new: str, live: str) -> str:
    items = split_list(new)
    named = {str(p) for p in NAMED_COMMERCIAL_PLANS}
    items += [p for p in split_list(live) if p in named and p not in items]
    return "; ".join(items)


def merge_rows(
    live: Sequence[Mapping[str, str]],
    new: Sequence[Mapping[str, str]],
    *,
    imported_source: str | None = None,
) -> tuple[list[dict[str, str]], tuple[FlaggedProgram, ...]]:
    """Merge a new download into the live dataset without losing admin work.

    Parameters
    ----------
    live : sequence of mappings
        The live rows.
    new : sequence of mappings
        The rows of the new file (e.g. a FindTreatment.gov import).
    imported_source : str, optional
        For an import: the ``source`` cell of imported programs. Live
        programs from other sources (added by an admin) were never in the
        download, so they are kept without a flag.

    Returns
    -------
    rows : list of dict
        The new rows in their order, where a program also in ``live`` keeps
        the live value of each ``ADMIN_FIELDS`` column: always for an import
        (``imported_source`` given; e.g. notes an admin wrote win over the
        import's), otherwise where the new row leaves it empty. It also keeps
        the named plans of its live ``insurance``. Then come the live programs
        missing from the new file, unchanged.
    flagged : tuple of FlaggedProgram
        Those missing programs (from ``imported_source``, when given), to
        review: closed, moved, or renamed?
    """
    live_by_id = {r.get("program_id", ""): r for r in live if r.get("program_id")}
    new_ids = {r.get("program_id", "") for r in new}
    rows: list[dict[str, str]] = []
    for row in new:
        merged = dict(row)
        was = live_by_id.get(row.get("program_id", ""))
        if was is not None:
            for column in ADMIN_FIELDS:
                kept = (was.get(column) or "").strip()
                empty = not (merged.get(column) or "").strip()
                if kept and (empty or imported_source is not None):
                    merged[column] = was[column]
            merged["insurance"] = _merge_insurance(merged.get("insurance", ""), was.get("insurance", ""))
        rows.append(merged)
    flagged: list[FlaggedProgram] = []
    for pid, row in live_by_id.items():
        if pid in new_ids:
            continue
        rows.append(dict(row))
        if imported_source is not None and row.get("source", "") != imported_source:
            continue
        flagged.append(
            FlaggedProgram(
                pid,
                _label(row),
                "not in the new file; kept live. Check whether it closed or moved, "
                "then remove or update it.",
                organization=row.get("organization", ""),
                program_name=row.get("program_name", ""),
                city=row.get("city", ""),
            )
        )
    return rows, tuple(flagged)


def _keep_live_versions(
    numbered_rows: Sequence[tuple[int, Mapping[str, str]]],
    errors: Sequence[Issue],
    live_rows: Sequence[Mapping[str, str]],
) -> tuple[list[tuple[int, Mapping[str, str]]], list[FlaggedProgram]]:
    """Return the rows to publish with "valid rows only", keeping live versions of bad rows.

    One bad phone number must not unlist a program people can find today
    (issue 18): its new row is left out, the live row stays, and the program
    is flagged for review. A new program with errors is simply left out.
    Kept live rows have row number 0 (no row of the new file).
    """
    live_by_id = {r.get("program_id", ""): r for r in live_rows if r.get("program_id")}
    problems: dict[int, list[str]] = {}
    for issue in errors:
        problems.setdefault(issue.row, []).append(issue.column)
    kept: list[tuple[int, Mapping[str, str]]] = []
    flagged: list[FlaggedProgram] = []
    published: set[str] = set()
    for number, row in numbered_rows:
        pid = (row.get("program_id") or "").strip()
        if number not in problems:
            kept.append((number, row))
            published.add(pid)
            continue
        live = live_by_id.get(pid)
        if live is None or pid in published:
            continue
        published.add(pid)
        kept.append((0, live))
        columns = ", ".join(dict.fromkeys(c for c in problems[number] if c)) or "the row"
        flagged.append(
            FlaggedProgram(
                pid,
                _label(live),
                f"row {number} of the new file has errors ({columns}); the live version "
                "is kept. Fix the row and upload the file again.",
                organization=live.get("organization", ""),
                program_name=live.get("program_name", ""),
                city=live.get("city", ""),
            )
        )
    return kept, flagged


# --------------------------------------------------------------------------- the plan


@dataclass(frozen=True, slots=True)
class GeocodeOutcome:
    """What geocoding did for one row without coordinates.

    Parameters
    ----------
    row : int
        Row number in the new file (0 for a live program kept on a merge).
    program_id : str
        The program.
    address : str
        The address that was looked up.
    status : str
        ``"located"`` (street level), ``"approximate"`` (ZIP code or town
        centre: check the pin) or ``"not located"``.
    detail : str
        Plain words: the coordinates and how they were found, or why not.
    """

    row: int
    program_id: str
    address: str
    status: str
    detail: str

    def as_dict(self) -> dict[str, object]:
        """Return ``{"row", "program_id", "address", "status", "detail"}``."""
        return {"row": self.row, "program_id": self.program_id, "address": self.address,
                "status": self.status, "detail": self.detail}


@dataclass(frozen=True, slots=True)
class RefreshPlan:
    """Everything an admin reviews before publishing, and what would be published.

    Parameters
    ----------
    data_dir : Path
        The data folder the plan was made against.
    file_name : str
        The uploaded file's name.
    kind : str
        ``"provider_csv"`` or ``"findtreatment"``.
    report : ValidationReport
        Validation of the new file (for an import: of the imported rows).
    diff : DatasetDiff
        Changes against the live dataset.
    rows : tuple of dict
        The rows that would be published.
    output : bytes or None
        The exact file that would be published (UTF-8), or None.
    rejected : tuple of Issue
        Errors of rows left out (``valid_rows_only``) or blocking the publish.
    geocode_failures : tuple of Issue
        Rows that still have no coordinates after geocoding.
    geocode_warnings : tuple of Issue
        Rows located less precisely than their street address.
    geocoded : int
        How many rows got coordinates from the locator.
    geocode_results : tuple of GeocodeOutcome
        One entry per row the locator was asked about (or skipped because it
        was down), in row order.
    flagged : tuple of FlaggedProgram
        Live programs kept on a merge that need review.
    notices : tuple of str
        Things handled along the way.
    merge, valid_rows_only : bool
        The options the plan was made with.
    live_sha256 : str
        Hash of the live file the diff was made against ("" when none).
    import_summary : str
        The importer's own summary, for a FindTreatment.gov download.
    max_bytes : int
        The upload size limit the plan was made with (the configured
        ``upload_max_mb``).
    store : Store, optional
        The store the plan was compared with and publishes to; None means the
        ``FileStore`` of ``data_dir``.
    """

    data_dir: Path
    file_name: str
    kind: str
    report: ValidationReport
    diff: DatasetDiff = field(default_factory=DatasetDiff)
    rows: tuple[dict[str, str], ...] = ()
    output: bytes | None = None
    rejected: tuple[Issue, ...] = ()
    geocode_failures: tuple[Issue, ...] = ()
    geocode_warnings: tuple[Issue, ...] = ()
    geocoded: int = 0
    geocode_results: tuple[GeocodeOutcome, ...] = ()
    flagged: tuple[FlaggedProgram, ...] = ()
    notices: tuple[str, ...] = ()
    merge: bool = False
    valid_rows_only: bool = False
    live_sha256: str = ""
    import_summary: str = ""
    max_bytes: int = DEFAULT_MAX_BYTES
    store: Store | None = None

    @property
    def can_publish(self) -> bool:
        """Whether ``publish_plan`` may publish this plan.

        True when the file is usable, has programs, and no row has an error,
        or ``valid_rows_only`` was chosen (the rejected rows are left out).
        """
        if self.output is None or self.report.file_error is not None or not self.rows:
            return False
        if any(i.row == 1 for i in self.report.errors):
            return False
        return not self.report.errors or self.valid_rows_only

    @property
    def is_unchanged(self) -> bool:
        """Whether publishing would leave the live file byte for byte the same."""
        return self.output is not None and sha256_hex(self.output) == self.live_sha256

    @property
    def unlocated(self) -> tuple[dict[str, str], ...]:
        """The programs this plan would publish without coordinates.

        The search (``Catalog.from_programs``) leaves out programs without
        coordinates, so nobody can find these until they are located. Empty
        when the plan cannot be published. Keys: ``program_id``,
        ``organization``, ``program_name``, ``address``.
        """
        if not self.can_publish:
            return ()
        return tuple(
            {
                "program_id": row.get("program_id", ""),
                "organization": row.get("organization", ""),
                "program_name": row.get("program_name", ""),
                "address": ", ".join(
                    p for p in (row.get("street", ""), row.get("city", ""),
                                f"MA {row.get('zip', '')}".strip()) if p
                ),
            }
            for row in self.rows
            if not _has_coords(row)
        )

    @property
    def unlocated_message(self) -> str:
        """The warning about ``unlocated`` programs, or "" when there are none."""
        n = len(self.unlocated)
        if n == 0:
            return ""
        who = "This program has" if n == 1 else f"These {n} programs have"
        it = "it" if n == 1 else "they"
        return (
            f"{who} no coordinates, so {it} will not appear in search results until you "
            "add latitude and longitude (or a street address that can be geocoded)."
        )

    @property
    def exit_code(self) -> int:
        """0 ready to publish, 1 rows have errors, 2 the file cannot be used (as ``validate``)."""
        if self.report.file_error is not None:
            return 2
        return 0 if self.can_publish else 1

    @property
    def summary_line(self) -> str:
        """One line for the history: counts of changes, flags and left-out rows."""
        if self.report.file_error is not None:
            return f"{self.file_name}: cannot be used"
        kind = "FindTreatment.gov import" if self.kind == KIND_FINDTREATMENT else "provider CSV"
        parts = [f"{kind} {self.file_name}{' (merge)' if self.merge else ''}",
                 f"{count(len(self.rows), 'program', 'programs')}: {self.diff.summary()}"]
        if self.flagged:
            parts.append(f"{len(self.flagged)} kept and flagged for review")
        if self.rejected and self.valid_rows_only:
            parts.append(count(len({i.row for i in self.rejected}), "invalid row", "invalid rows")
                         + " left out")
        if self.unlocated:
            parts.append(f"{len(self.unlocated)} without coordinates")
        return "; ".join(parts)

    def issues(self) -> list[Issue]:
        """Return every per-row problem: validation errors, then geocoding failures and warnings."""
        return [*self.report.errors, *self.geocode_failures, *self.geocode_warnings]

    def as_dict(self) -> dict[str, object]:
        """Return the JSON form used by ``finder refresh --format json``."""
        return {
            "source": self.file_name,
            "kind": self.kind,
            "merge": self.merge,
            "valid_rows_only": self.valid_rows_only,
            "can_publish": self.can_publish,
            "unchanged": self.is_unchanged,
            "summary": self.summary_line,
            "report": self.report.as_dict(),
            "programs": len(self.rows),
            "geocoded": self.geocoded,
            "geocode_results": [g.as_dict() for g in self.geocode_results],
            "without_coordinates": [r["program_id"] for r in self.unlocated],
            "geocode_failures": [i.as_dict() for i in self.geocode_failures],
            "geocode_warnings": [i.as_dict() for i in self.geocode_warnings],
            "rejected": [i.as_dict() for i in self.rejected],
            "flagged": [f.as_dict() for f in self.flagged],
            "diff": self.diff.as_dict(),
            "notices": list(self.notices),
            **({"import_summary": self.import_summary} if self.import_summary else {}),
        }

    def to_text(self) -> str:
        """Return the plain-language review printed by ``finder refresh``."""
        lines = [self.report.to_text(self.file_name)]
        if self.report.file_error is not None:
            return lines[0]
        if self.import_summary:
            lines.append(f"import: {self.import_summary}")
        lines += [f"note: {n}" for n in self.notices]
        if self.geocoded or self.geocode_failures:
            lines.append(f"geocoding: {self.geocoded} located, {len(self.geocode_failures)} failed.")
        lines += [f"row {i.row}: {i.message} (address: {i.value})" for i in self.geocode_failures]
        lines += [f"row {i.row}: {i.message} (address: {i.value})" for i in self.geocode_warnings]
        if self.unlocated:
            lines.append(f"warning: {self.unlocated_message}")
            lines += [f"  ? {r['program_id']}  {_label(r)}  ({r['address']})" for r in self.unlocated]
        lines.append(f"changes against the live data: {self.diff.summary()}, "
                     f"{self.diff.unchanged} unchanged.")
        lines += [f"  + {p.program_id}  {p.name}" for p in self.diff.added]
        lines += [f"  - {p.program_id}  {p.name}" for p in self.diff.removed]
        for p in self.diff.changed:
            lines.append(f"  ~ {p.program_id}  {p.name}")
            lines += [f"      {f.describe()}" for f in p.fields]
        if self.flagged:
            lines.append(f"flagged for review ({len(self.flagged)}):")
            lines += [f"  ! {f.program_id}  {f.name}" + (f" ({f.city})" if f.city else "")
                      + f": {f.reason}" for f in self.flagged]
        if self.rejected and self.valid_rows_only:
            left_out = count(len({i.row for i in self.rejected}), "row", "rows")
            lines.append(f"left out: {left_out} with errors (listed above).")
        if not self.can_publish:
            lines.append("Not publishable: fix the errors above"
                         + (", or use --valid-rows-only." if self.report.errors else "."))
        elif self.is_unchanged:
            lines.append(NOTHING_TO_PUBLISH)
        return "\n".join(lines)


def issues_to_csv(issues: Sequence[Issue]) -> bytes:
    """Return issues as a UTF-8 CSV with columns row, column, value, message (for download)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["row", "column", "value", "message"])
    for issue in issues:
        # Every cell, the column name and the message too: they quote the file.
        writer.writerow([neutralize(str(cell)) for cell in
                         (issue.row, issue.column, issue.value, issue.message)])
    return buffer.getvalue().encode("utf-8")


def plan_is_current(plan: RefreshPlan) -> bool:
    """Whether the live data is still what the plan was compared with (nobody published since).

    Parameters
    ----------
    plan : RefreshPlan

    Returns
    -------
    bool
    """
    _, live_sha = _live_rows(_plan_store(plan))
    return live_sha == plan.live_sha256


def _plan_store(plan: RefreshPlan) -> Store:
    return plan.store if plan.store is not None else FileStore(plan.data_dir)


# --------------------------------------------------------------------------- pipeline


def _as_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.5f}".rstrip("0").rstrip(".")
    return str(value).strip()


def _import(data: bytes, name: str, as_of: dt.date | None) -> tuple[list[dict[str, str]], str]:
    try:
        result = findtreatment.import_findtreatment(data, file_name=name, as_of=as_of)
    except RecursionError as err:  # deeply nested JSON (issue 17): a bad file, not a crash
        raise DataError("JSON nested too deeply", NESTED_TOO_DEEP) from err
    rows = [{k: _as_text(v) for k, v in dict(row).items()} for row in result.rows]
    return rows, findtreatment.summary_text(result.summary)


def _live_rows(store: Store) -> tuple[list[dict[str, str]], str]:
    live = store.live()
    if live is None:
        return [], ""
    return csv_rows(live.data), live.sha256


def _has_coords(row: Mapping[str, str]) -> bool:
    return bool((row.get("latitude") or "").strip() and (row.get("longitude") or "").strip())


def _reuse_live_coords(
    rows: list[dict[str, str]], live: Sequence[Mapping[str, str]]
) -> int:
    """Copy coordinates from the live row of the same program at the same address."""
    live_by_id = {r.get("program_id", ""): r for r in live if _has_coords(r)}
    reused = 0
    for row in rows:
        was = live_by_id.get(row.get("program_id", ""))
        if _has_coords(row) or was is None:
            continue
        if all((row.get(c) or "").strip().casefold() == (was.get(c) or "").strip().casefold()
               for c in _ADDRESS):
            row["latitude"], row["longitude"] = was["latitude"], was["longitude"]
            reused += 1
    return reused


def _in_ma(place: Place) -> bool:
    return in_massachusetts(place.lat, place.lon)


def _geocode(
    rows: list[dict[str, str]],
    numbers: list[int],
    locator: Locator,
    progress: Progress | None,
) -> tuple[int, list[Issue], list[Issue], list[GeocodeOutcome]]:
    todo = [i for i, row in enumerate(rows) if not _has_coords(row)]
    failures: list[Issue] = []
    warnings: list[Issue] = []
    outcomes: list[GeocodeOutcome] = []
    located = 0
    unavailable: str | None = None
    if progress is not None:
        progress(0, len(todo))
    for done, i in enumerate(todo, start=1):
        row = rows[i]
        street, city, zip_code = (row.get(c, "") for c in _ADDRESS)
        address = f"{street}, {city}, MA {zip_code}"
        who = row.get("program_id", "")
        failed_before = len(failures)
        if unavailable is not None:
            failures.append(Issue(numbers[i], "latitude", address,
                                  f"{who}: not geocoded: {unavailable}"))
        else:
            try:
                place = locator.geocode_address(street, city, zip_code)
            except GeocodeUnavailable as err:
                # Stop asking a service that is down; the rest would only time out.
                unavailable = err.user_message
                failures.append(Issue(numbers[i], "latitude", address,
                                      f"{who}: not geocoded: {err.user_message}"))
            except FinderError as err:
                failures.append(Issue(numbers[i], "latitude", address,
                                      f"{who}: could not be located: {err.user_message}"))
            else:
                if not _in_ma(place):
                    failures.append(Issue(numbers[i], "latitude", address,
                                          f"{who}: was located outside Massachusetts "
                                          f"({place.lat:.4f}, {place.lon:.4f}); check the address"))
                else:
                    row["latitude"], row["longitude"] = f"{place.lat:.5f}", f"{place.lon:.5f}"
                    located += 1
                    at = f"{place.lat:.5f}, {place.lon:.5f}"
                    if place.precision != Precision.ADDRESS:
                        note = f" ({place.note})" if place.note else ""
                        warnings.append(Issue(numbers[i], "latitude", address,
                                              f"{who}: located only to the {place.precision} "
                                              f"level{note}; check the map pin"))
                        outcomes.append(GeocodeOutcome(
                            numbers[i], who, address, "approximate",
                            f"{at}: {place.precision} level{note}; check the map pin"))
                    else:
                        outcomes.append(GeocodeOutcome(numbers[i], who, address, "located",
                                                       f"{at}: street address"))
        if len(failures) > failed_before:
            detail = failures[-1].message.removeprefix(f"{who}: ")
            outcomes.append(GeocodeOutcome(numbers[i], who, address, "not located", detail))
        if progress is not None:
            progress(done, len(todo))
    return located, failures, warnings, outcomes


def prepare_refresh(
    source: Path | bytes,
    *,
    data_dir: str | Path | None = None,
    store: Store | None = None,
    merge: bool = False,
    valid_rows_only: bool = False,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_rows: int = DEFAULT_MAX_ROWS,
    locator: Locator | None = None,
    progress: Progress | None = None,
    file_name: str | None = None,
    as_of: dt.date | None = None,
) -> RefreshPlan:
    """Read, validate, geocode, merge and diff a new file; write nothing.

    Parameters
    ----------
    source : Path or bytes
        A provider CSV or a FindTreatment.gov download: a path, or the bytes
        of an upload.
    data_dir : str or Path, optional
        A data folder whose live dataset to compare with (a ``FileStore``);
        give this or ``store``.
    store : Store, optional
        The store whose live dataset to compare with and publish to.
    merge : bool
        Keep admin-only fields of matched programs and keep (flagged) the
        live programs missing from the new file. Meant for FindTreatment.gov
        imports; see ``merge_rows``.
    valid_rows_only : bool
        Plan to publish the valid rows and leave out those with errors.
    max_bytes : int
        Larger files are refused. Pass the configured limit
        (``Settings.upload_max_mb``); ``publish_plan`` keeps to it.
    max_rows : int
        Files with more programs are refused (``Settings.upload_max_rows``).
    locator : Locator, optional
        Geocodes rows without coordinates. Without one they stay without
        coordinates: published, but left out of search results (see
        ``RefreshPlan.unlocated``).
    progress : callable, optional
        Called as ``progress(done, total)`` while geocoding.
    file_name : str, optional
        Name to show for the file; defaults to the path's name or "upload".
        For a FindTreatment.gov download the importer reads the download date
        from it (``..._2025-08-19.csv``).
    as_of : datetime.date, optional
        The download date of a FindTreatment.gov file, when its name has none.

    Returns
    -------
    RefreshPlan
        Never raises on bad input: an unusable file gives a plan whose
        ``report.file_error`` says why, and ``can_publish`` is False.
    """
    if store is None:
        if data_dir is None:
            raise TypeError("prepare_refresh needs data_dir or store")
        store = FileStore(data_dir)
    name = file_name or (Path(source).name if not isinstance(source, bytes) else "upload")
    report = ValidationReport()
    plan = RefreshPlan(data_dir=store.data_dir, file_name=name, kind=KIND_PROVIDER_CSV,
                       report=report, merge=merge, valid_rows_only=valid_rows_only,
                       max_bytes=max_bytes, store=store)
    data, error = read_limited(source, max_bytes)
    if data is None:
        report.file_error = error
        return plan

    notices: list[str] = []
    import_summary = ""
    kind = KIND_PROVIDER_CSV
    if data.strip() and findtreatment.looks_like_findtreatment(data):
        kind = KIND_FINDTREATMENT
        plan = replace(plan, kind=kind)
        try:
            imported, import_summary = _import(data, name, as_of)
        except FinderError as err:
            report.file_error = err.user_message
            return plan
        if not imported:
            report.file_error = (
                "The FindTreatment.gov download has no intensive outpatient programs to import."
            )
            return plan
        converted = rows_to_csv(imported)
        loaded = load_programs(converted, max_bytes=max(len(converted), max_bytes),
                               max_rows=max_rows)
        notices.append("Row numbers count the imported programs (row 2 is the first one), "
                       "not the lines of the download.")
    else:
        loaded = load_programs(data, max_bytes=max_bytes, max_rows=max_rows)
    report = loaded.report
    plan = replace(plan, report=report, import_summary=import_summary)
    if report.file_error is not None:
        return plan

    live_rows, live_sha = _live_rows(store)
    bad = {i.row for i in report.errors}
    header_broken = any(i.row == 1 for i in report.errors)
    numbered: list[tuple[int, Mapping[str, str]]] = [
        (n, row) for n, row in loaded.numbered_rows() if n not in bad
    ]
    rejected = tuple(report.errors)
    kept_live: list[FlaggedProgram] = []
    if valid_rows_only and not header_broken:
        numbered, kept_live = _keep_live_versions(loaded.numbered_rows(), report.errors, live_rows)
    rows = [dict(row) for _, row in numbered]
    numbers = [n for n, _ in numbered]
    flagged: tuple[FlaggedProgram, ...] = ()
    if merge and not header_broken:
        imported_source = findtreatment.SOURCE if kind == KIND_FINDTREATMENT else None
        fresh = len(rows)
        rows, flagged = merge_rows(live_rows, rows, imported_source=imported_source)
        others = len(rows) - fresh - len(flagged)
        if others:
            notices.append(f"{others} live programs from other sources were kept as they are.")
        numbers += [0] * (len(rows) - len(numbers))  # kept live rows: no row in the new file
    flagged = (*kept_live, *flagged)

    publishable = not header_broken and (not report.errors or valid_rows_only)
    if publishable and report.errors_truncated:
        # Rows with problems beyond the listed ones can't be left out reliably.
        publishable = False
        notices.append(TOO_MANY_PROBLEMS.format(listed=len(report.errors), total=report.error_count))
    touched = merge or bool(rejected)
    reused = _reuse_live_coords(rows, live_rows)
    if reused:
        touched = True
        notices.append(f"Coordinates of {count(reused, 'program', 'programs')} at unchanged "
                       "addresses were kept from the live data.")
    located = 0
    failures: list[Issue] = []
    warnings: list[Issue] = []
    outcomes: list[GeocodeOutcome] = []
    missing = sum(1 for row in rows if not _has_coords(row))
    if missing and not publishable:
        notices.append("Geocoding waits until the errors are fixed.")
    elif missing and locator is None:
        # What this means for searchers is RefreshPlan.unlocated_message.
        notices.append(("No geocoder is set up, so the program without coordinates was not "
                        "looked up.") if missing == 1 else (
                        f"No geocoder is set up, so the {missing:,} programs without "
                        "coordinates were not looked up."))
    elif missing and locator is not None:
        located, failures, warnings, outcomes = _geocode(rows, numbers, locator, progress)
        touched = touched or located > 0

    output: bytes | None = None
    if publishable and rows:
        plain = kind == KIND_PROVIDER_CSV and not touched and is_plain_csv(data, loaded.header)
        output = data if plain else rows_to_csv(rows)
        if not plain and kind == KIND_PROVIDER_CSV and not is_plain_csv(data, loaded.header):
            notices.append("The file will be saved as UTF-8 with commas, the format the app reads.")
        if output is not data:
            # A safety net before the admin reviews it: what we built must validate.
            check = load_programs(output, max_bytes=max(len(output), max_bytes)).report
            if not check.ok:
                output = None
                shown = "; ".join(f"{i.column} {i.message}" for i in check.errors[:3])
                notices.append(f"The combined dataset does not validate, so it can't be "
                               f"published: {check.file_error or shown}")
    diff = diff_rows(live_rows, rows)
    return replace(
        plan,
        diff=diff,
        rows=tuple(rows),
        output=output,
        rejected=rejected,
        geocode_failures=tuple(failures),
        geocode_warnings=tuple(warnings),
        geocoded=located,
        geocode_results=tuple(outcomes),
        flagged=flagged,
        notices=(*report.notices, *notices),
        live_sha256=live_sha,
    )


def publish_plan(
    plan: RefreshPlan,
    *,
    source: str | None = None,
    lock_timeout_s: float = DEFAULT_LOCK_TIMEOUT_S,
) -> PublishResult:
    """Publish a reviewed plan: validated again, atomically, as a new version.

    Parameters
    ----------
    plan : RefreshPlan
        From ``prepare_refresh``.
    source : str, optional
        Where the data comes from, for the metadata and the history; by
        default the kind of file and its name (plus the SAMHSA credit for an
        import).
    lock_timeout_s : float
        How long to wait for another publish to finish.

    Returns
    -------
    PublishResult

    Raises
    ------
    PublishError
        When the plan cannot be published (errors, unusable file), would
        change nothing (``is_unchanged``), the live dataset changed since the
        plan was made, or writing fails. The live dataset is then unchanged.

    Notes
    -----
    The size limit the plan was made with (``plan.max_bytes``, from the
    ``upload_max_mb`` setting) applies to the uploaded file, and was checked
    then. What is published is the reviewed file, which a merge can make
    larger, so it is not measured against the limit again. Programs flagged
    on a merge are recorded in the history entry
    (``Version.flagged_for_review``).
    """
    if plan.is_unchanged:
        raise PublishError("plan is unchanged", NOTHING_TO_PUBLISH)
    if not plan.can_publish or plan.output is None:
        reason = plan.report.file_error or (
            ("1 row has errors" if len(plan.report.bad_rows) == 1 else
             f"{len(plan.report.bad_rows):,} rows have errors")
            + "; fix them or publish the valid rows only."
            if plan.report.errors else "there are no programs to publish."
        )
        raise PublishError(f"plan not publishable: {reason}",
                           f"Nothing was published: {reason[0].lower()}{reason[1:]}")
    kind = "FindTreatment.gov download" if plan.kind == KIND_FINDTREATMENT else "provider CSV"
    if source is None:
        source = f"{kind} {plan.file_name}" + (" (merged)" if plan.merge else "")
    if plan.kind == KIND_FINDTREATMENT and "SAMHSA" not in source:
        source += "; Source: SAMHSA, FindTreatment.gov"
    # A new download brings its own date; any other publish keeps the live one
    # (finder.store.dataset.kept_identity).
    listed = [r.get("listed_as_of", "") for r in plan.rows if r.get("listed_as_of")]
    data_as_of = max(listed) if plan.kind == KIND_FINDTREATMENT and listed else None
    result = _plan_store(plan).publish(
        plan.output,
        source=source,
        data_as_of=data_as_of,
        summary=plan.summary_line,
        expected_live_sha256=plan.live_sha256,
        lock_timeout_s=lock_timeout_s,
        max_bytes=max(plan.max_bytes, len(plan.output)),
        flagged_for_review=[f.program_id for f in plan.flagged],
    )
    if plan.rejected and plan.valid_rows_only:
        result = replace(result, rejected=plan.rejected)
    return result

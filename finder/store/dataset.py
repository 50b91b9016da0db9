"""What every store shares: the versions it keeps and the rules of a publish.

A store (``finder.store.files`` or ``finder.store.sql``) decides *where* the
live dataset and its history live. What may go live is decided here, once, for
both: ``prepare`` validates a provider CSV with ``finder.load.load_programs``
and returns the exact bytes to publish (a clean UTF-8 comma-separated file byte
for byte, anything else rewritten as UTF-8 with commas), or raises
``PublishError``; ``row_summary`` counts what changed.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from finder.errors import PublishError
from finder.load import DEFAULT_MAX_ROWS, Issue, Loaded, load_programs
from finder.schema import COLUMN_NAMES

__all__ = [
    "DEFAULT_LOCK_TIMEOUT_S",
    "DEFAULT_TITLE",
    "PublishResult",
    "Version",
    "csv_rows",
    "is_plain_csv",
    "kept_identity",
    "now_utc",
    "prepare",
    "row_summary",
    "rows_to_csv",
    "sha256_hex",
]

#: The one default title of the dataset: the metadata of a publish, the CLI's
#: and the app's exports (CSV, HSDS, GeoPackage) all use it when the live
#: metadata has none.
DEFAULT_TITLE = "IOP Finder dataset"
DEFAULT_LOCK_TIMEOUT_S = 30.0


@dataclass(frozen=True, slots=True)
class Version:
    """One published version of the dataset, as kept in ``history/``.

    Parameters
    ----------
    version : str
        Identifier such as ``"v0003"``; ``rollback`` also accepts ``"3"``.
    created : str
        When it was published, ISO 8601 in UTC.
    sha256 : str
        Hex digest of the file's bytes.
    size_bytes : int
        Size of the file.
    programs : int
        Number of programs in it.
    summary : str
        One line on what changed compared with the version before.
    source : str
        Where the data came from (file name, import, rollback).
    file : str
        The copy's file name inside ``history/``.
    live : bool
        Whether this is the version being served now.
    flagged_for_review : tuple of str
        ``program_id`` of the programs a merge kept live but flagged for an
        admin's review (missing from the new download). Empty for versions
        recorded before this field existed.
    """

    version: str
    created: str
    sha256: str
    size_bytes: int
    programs: int
    summary: str
    source: str
    file: str
    live: bool = False
    flagged_for_review: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, object]:
        """Return the JSON form used by ``finder history --format json``."""
        return {
            "version": self.version,
            "created": self.created,
            "sha256": self.sha256,
            "size_bytes": self.size_bytes,
            "programs": self.programs,
            "summary": self.summary,
            "source": self.source,
            "file": self.file,
            "live": self.live,
            "flagged_for_review": list(self.flagged_for_review),
        }


@dataclass(frozen=True, slots=True)
class PublishResult:
    """What ``publish`` did.

    Parameters
    ----------
    version : Version
        The version now live.
    rejected : tuple of Issue
        Problems of the rows left out (only with ``valid_rows_only=True``).
    notices : tuple of str
        Things handled along the way, e.g. the file was re-encoded as UTF-8.
    """

    version: Version
    rejected: tuple[Issue, ...] = ()
    notices: tuple[str, ...] = ()


# --------------------------------------------------------------------------- helpers


def kept_identity(
    live_meta: Mapping[str, object] | None, *, title: str | None, source: str,
    data_as_of: str | None = None,
) -> dict[str, object]:
    """Return the ``title``, ``source`` and ``data_as_of`` a publish writes to the metadata.

    A publish (a refresh, an approved correction, ``finder verify``, a
    rollback) keeps the live dataset's name: its title, and when the live
    metadata names where the data is from and its date (``data_as_of``, as
    an import writes it), that source and date too. Otherwise the publish's
    own ``source`` is recorded, as before.

    Parameters
    ----------
    live_meta : mapping or None
        The live dataset's metadata (None or ``{}`` before the first publish).
    title : str or None
        The title the publish brings; None keeps the live title (or
        ``DEFAULT_TITLE`` when there is none).
    source : str
        Where the published data comes from (also kept in the history).
    data_as_of : str, optional
        The date the published data is as of, when the publish brings data
        from a dated source (``source`` then names it); replaces the live
        source and date.

    Returns
    -------
    dict
        ``title`` and ``source``, plus ``data_as_of`` when the live dataset has one.
    """
    live_meta = live_meta or {}
    kept: dict[str, object] = {"title": title or str(live_meta.get("title") or DEFAULT_TITLE)}
    if data_as_of:
        kept["source"] = source
        kept["data_as_of"] = data_as_of
        return kept
    as_of = live_meta.get("data_as_of")
    if as_of:
        kept["source"] = str(live_meta.get("source") or source)
        kept["data_as_of"] = str(as_of)
    else:
        kept["source"] = source
    return kept


def sha256_hex(data: bytes) -> str:
    """Return the hex sha256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def rows_to_csv(rows: Sequence[Mapping[str, str]], header: Sequence[str] | None = None) -> bytes:
    """Serialize rows as a provider CSV: UTF-8, comma-separated, newline line ends.

    Parameters
    ----------
    rows : sequence of mappings
        Rows keyed by column name; missing cells are written empty.
    header : sequence of str, optional
        Column order. Defaults to the template columns (``COLUMN_NAMES``)
        followed by any other columns the rows have, in first-seen order.

    Returns
    -------
    bytes
    """
    if header is None:
        extra: dict[str, None] = {}
        for row in rows:
            extra.update((k, None) for k in row if k and k not in COLUMN_NAMES)
        header = [*COLUMN_NAMES, *extra]
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(name, "") or "" for name in header])
    return buffer.getvalue().encode("utf-8")


def now_utc() -> str:
    """Return the current time as the history records it: ISO 8601, UTC, seconds."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def csv_rows(data: bytes) -> list[dict[str, str]]:
    """Read a provider CSV's rows without validating them (cheap; for diffs and counts).

    Parameters
    ----------
    data : bytes
        A provider CSV as a store publishes it (UTF-8, commas); a BOM
        or Windows-1252 is tolerated.

    Returns
    -------
    list of dict
        Rows keyed by the trimmed header names, cells trimmed; blank lines
        are skipped.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [h.strip() for h in next(reader, [])]
    rows = []
    for record in reader:
        if not any(cell.strip() for cell in record):
            continue
        cells = [c.strip() for c in record] + [""] * (len(header) - len(record))
        rows.append({h: cells[i] for i, h in enumerate(header) if h})
    return rows


def row_summary(old: bytes | None, new: bytes) -> str:
    """Count programs added, removed and changed between two provider CSVs."""

    def by_id(data: bytes | None) -> dict[str, tuple[tuple[str, str], ...]]:
        rows = csv_rows(data) if data is not None else []
        return {row.get("program_id", ""): tuple(sorted(row.items())) for row in rows}

    before, after = by_id(old), by_id(new)
    added = len(after.keys() - before.keys())
    removed = len(before.keys() - after.keys())
    changed = sum(1 for k in after.keys() & before.keys() if after[k] != before[k])
    from finder.labels import count  # plural forms (Babel), loaded only here

    return f"{count(len(after), 'program', 'programs')}: {added} added, {removed} removed, {changed} changed"


def prepare(
    data: bytes, *, valid_rows_only: bool, max_bytes: int, max_rows: int = DEFAULT_MAX_ROWS
) -> tuple[bytes, Loaded, tuple[Issue, ...], list[str]]:
    """Validate ``data`` and return the exact bytes to publish, or raise PublishError."""
    loaded = load_programs(data, max_bytes=max_bytes, max_rows=max_rows)
    report = loaded.report
    notices = list(report.notices)
    if report.file_error is not None:
        raise PublishError(f"unusable file: {report.file_error}", report.file_error)
    header_errors = [i for i in report.errors if i.row == 1]
    if header_errors:
        raise PublishError(
            f"header problems: {header_errors}",
            "The file is missing required columns ("
            + ", ".join(i.column for i in header_errors)
            + "), so no row can be published.",
        )
    rejected: tuple[Issue, ...] = ()
    rows = loaded.rows
    if report.errors:
        if not valid_rows_only or report.errors_truncated:
            from finder.labels import count

            raise PublishError(
                f"{report.error_count} validation errors",
                f"The file has {count(report.error_count, 'error', 'errors')} in "
                f"{count(len(report.bad_rows), 'row', 'rows')}. Fix them"
                + ("." if report.errors_truncated else ", or publish the valid rows only."),
            )
        bad = report.bad_rows
        rows = [row for number, row in loaded.numbered_rows() if number not in bad]
        rejected = tuple(report.errors)
        if not rows:
            raise PublishError("no valid rows", "No row of the file is valid, so nothing was published.")

    verbatim = not rejected and is_plain_csv(data, loaded.header)
    if verbatim:
        return data, loaded, rejected, notices
    header = [h for h in loaded.header if h]
    out = rows_to_csv(rows, header)
    if not is_plain_csv(data, loaded.header):
        notices.append("The file was saved as UTF-8 with commas, the format the app reads.")
    check = load_programs(out, max_bytes=max(max_bytes, len(out)), max_rows=max_rows)
    if not check.report.ok:  # a safety net: never publish what would not validate
        raise PublishError(
            f"re-validation failed: {check.report.to_text()}",
            "The file could not be converted safely, so nothing was published.",
        )
    return out, check, rejected, notices


def is_plain_csv(data: bytes, header: Sequence[str]) -> bool:
    """Return whether the bytes are UTF-8 without BOM and comma-separated (publishable as is)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return False
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    first = next(csv.reader(io.StringIO(text, newline="")), [])
    return [h.strip() for h in first if h.strip()] == [h for h in header if h]

"""Atomic, versioned publishing of the live dataset (``<data_dir>/providers.csv``).

A search must never read a half-written file and a bad file must never go
live, so every publish:

1. validates the new file with ``finder.load.load_programs`` and refuses it on
   any error (``valid_rows_only=True`` publishes only the valid rows and
   returns the rejected ones);
2. takes a lock file (``filelock``), so concurrent publishes run one at a time;
3. copies the new file into ``<data_dir>/history/`` and records it in
   ``history/index.json`` as *pending*;
4. writes ``providers.csv`` through a temporary file in the same folder:
   write, ``fsync``, ``os.replace``, then ``fsync`` the folder (the rename is
   atomic on POSIX, so readers see the entire old or the entire new file);
5. writes ``providers.meta.json`` the same way and marks the version
   *published*.

A crash or ``kill -9`` at any point leaves the live file entirely old or
entirely new. The next publish (or rollback) repairs the rest under the lock:
it deletes stray temporary files, drops a pending version that never went
live, and finishes one that did (its metadata).

Every version ever published stays in ``history/`` with its timestamp, sha256
and a one-line summary of what changed, so ``rollback`` can restore any of
them byte for byte; a rollback is itself recorded as a new version.

``dataset_version`` is a cheap token (inode, size and mtime of the live file)
that the app uses as a cache key: a running session sees a new version on its
next interaction, without a restart.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import hashlib
import io
import json
import os
import re
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock, Timeout

from finder.errors import PublishError
from finder.load import DEFAULT_MAX_BYTES, DEFAULT_MAX_ROWS, Issue, Loaded, load_programs, read_meta
from finder.schema import COLUMN_NAMES

__all__ = [
    "HISTORY_DIR",
    "LOCK_NAME",
    "PublishResult",
    "Version",
    "csv_rows",
    "dataset_version",
    "history",
    "is_plain_csv",
    "publish",
    "rollback",
    "rows_to_csv",
    "sha256_hex",
]

PROVIDERS_NAME = "providers.csv"
META_NAME = "providers.meta.json"
HISTORY_DIR = "history"
INDEX_NAME = "index.json"
LOCK_NAME = ".publish.lock"
DEFAULT_LOCK_TIMEOUT_S = 30.0
DEFAULT_TITLE = "IOP Finder dataset"

#: Test-only hooks, off unless set. ``FINDER_TEST_PUBLISH_PAUSE_AT=<step>``
#: announces ``publish-step <step>`` on stderr and sleeps 60 s there, so a test
#: can kill the process at a known step; ``FINDER_TEST_PUBLISH_DELAY_S`` sleeps
#: that long after every step; ``FINDER_TEST_PUBLISH_TRACE`` names a file every
#: step is appended to as ``"<pid> <step>"`` (for the lock test). Steps:
#: locked, history-written, temp-partial, temp-written, replaced,
#: meta-written, done.
_PAUSE_ENV = "FINDER_TEST_PUBLISH_PAUSE_AT"
_DELAY_ENV = "FINDER_TEST_PUBLISH_DELAY_S"
_TRACE_ENV = "FINDER_TEST_PUBLISH_TRACE"


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


def sha256_hex(data: bytes) -> str:
    """Return the hex sha256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def dataset_version(data_dir: str | Path) -> str:
    """Return a cheap token that changes whenever the live dataset is replaced.

    Built from the inode, size and modification time (ns) of
    ``providers.csv``: ``os.replace`` always brings a new inode, so two
    publishes within one clock tick still differ. Use it as a cache key.

    Parameters
    ----------
    data_dir : str or Path
        The data folder.

    Returns
    -------
    str
        ``"<inode>-<size>-<mtime_ns>"``, or ``"missing"`` when there is no file.
    """
    try:
        st = (Path(data_dir) / PROVIDERS_NAME).stat()
    except OSError:
        return "missing"
    return f"{st.st_ino}-{st.st_size}-{st.st_mtime_ns}"


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


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _step(name: str) -> None:
    """Test-only hook: announce a publish step and pause after it (see module doc)."""
    trace = os.environ.get(_TRACE_ENV)
    if trace:
        fd = os.open(trace, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, f"{os.getpid()} {name}\n".encode())
        finally:
            os.close(fd)
    delay = os.environ.get(_DELAY_ENV)
    pause_at = os.environ.get(_PAUSE_ENV)
    if delay or pause_at:
        print(f"publish-step {name}", file=sys.stderr, flush=True)
        time.sleep(60.0 if name == pause_at else float(delay or 0))


def _fsync_dir(folder: Path) -> None:
    # The rename lives in the directory entry; without this fsync a power loss
    # may bring the old name back (see the rename(2) and fsync(2) man pages).
    flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)
    try:
        fd = os.open(folder, flags)
    except OSError:  # platforms that cannot open a directory (Windows)
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _atomic_write(path: Path, data: bytes, *, steps: bool = False) -> None:
    """Replace ``path`` with ``data`` so that readers see all old or all new bytes."""
    try:
        mode = path.stat().st_mode & 0o777
    except FileNotFoundError:
        mode = 0o644
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            half = len(data) // 2
            fh.write(data[:half])
            if steps:
                fh.flush()
                _step("temp-partial")
            fh.write(data[half:])
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)  # mkstemp makes 0600; the app may run as another user
        if steps:
            _step("temp-written")
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    if steps:
        _step("replaced")
    _fsync_dir(path.parent)


@contextlib.contextmanager
def _locked(data_dir: Path, timeout_s: float) -> Iterator[None]:
    lock = FileLock(str(data_dir / LOCK_NAME), timeout=timeout_s)
    try:
        lock.acquire()
    except Timeout as err:
        raise PublishError(
            f"could not take {data_dir / LOCK_NAME} within {timeout_s} s",
            "Another publish is in progress. Wait a minute and try again; "
            "the live data is unchanged.",
        ) from err
    try:
        _step("locked")
        yield
    finally:
        lock.release()


def _check_data_dir(data_dir: Path) -> None:
    if not data_dir.is_dir():
        raise PublishError(
            f"data folder {data_dir} does not exist",
            f"The data folder {data_dir} does not exist. Check FINDER_DATA_DIR or --data-dir.",
        )


# --------------------------------------------------------------------------- the index


def _index_path(data_dir: Path) -> Path:
    return data_dir / HISTORY_DIR / INDEX_NAME


#: What ``history/index.json`` must look like (JSON Schema). Every field the
#: code reads is required and typed, and ``file`` is a plain file name, so a
#: damaged or hand-edited index can neither crash a publish nor point it at a
#: file outside ``history/`` (issue 17, defect 10).
INDEX_SCHEMA: dict[str, object] = {
    "type": "object",
    "required": ["versions"],
    "properties": {
        "format": {"type": "integer"},
        "versions": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["version", "sha256", "file", "status"],
                "properties": {
                    "version": {"type": "string", "pattern": "^v[0-9]{1,9}$"},
                    "created": {"type": "string", "maxLength": 64},
                    "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                    "size_bytes": {"type": "integer", "minimum": 0},
                    "programs": {"type": "integer", "minimum": 0},
                    "summary": {"type": "string"},
                    "source": {"type": "string"},
                    "file": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$"},
                    "status": {"enum": ["pending", "published"]},
                    "meta": {"type": "object"},
                    "flagged_for_review": {"type": "array", "items": {"type": "string"}},
                    "rolled_back_to": {"type": "string"},
                },
            },
        },
    },
}


def _damaged(path: Path, detail: str) -> PublishError:
    return PublishError(
        f"{path} is damaged: {detail}",
        f"The version history ({HISTORY_DIR}/{INDEX_NAME}) is damaged, so nothing was "
        "published. Restore it from a backup, or move the history folder aside.",
    )


def _history_file(data_dir: Path, entry: Mapping[str, object]) -> Path:
    """Return the path of an entry's copy; refuse one not directly inside ``history/``."""
    history_dir = (data_dir / HISTORY_DIR).resolve()
    name = str(entry.get("file", ""))
    path = (history_dir / name).resolve()
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}", name, flags=re.ASCII) \
            or path.parent != history_dir:
        raise _damaged(data_dir / HISTORY_DIR / INDEX_NAME, f"file {name!r} is outside history/")
    return path


def _read_index(data_dir: Path) -> list[dict[str, object]]:
    """Read and validate the history index; raise PublishError when it is damaged."""
    import jsonschema

    path = _index_path(data_dir)
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as err:
        raise PublishError(f"cannot read {path}: {err}", "The version history can't be read.") from err
    try:
        doc = json.loads(raw)
    except (ValueError, RecursionError) as err:
        raise _damaged(path, f"not JSON: {type(err).__name__}") from err
    try:
        jsonschema.validate(doc, INDEX_SCHEMA)
    except jsonschema.ValidationError as err:
        where = "/".join(str(p) for p in err.absolute_path) or "top level"
        raise _damaged(path, f"{where}: {err.message[:200]}") from err
    entries: list[dict[str, object]] = doc["versions"]
    for entry in entries:
        _history_file(data_dir, entry)
    return entries


def _write_index(data_dir: Path, entries: list[dict[str, object]]) -> None:
    doc = {"format": 1, "versions": entries}
    data = (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    _atomic_write(_index_path(data_dir), data)


def _version_number(entries: Sequence[Mapping[str, object]]) -> int:
    numbers = [int(m.group(1)) for e in entries if (m := re.fullmatch(r"v(\d+)", str(e["version"])))]
    return max(numbers, default=0) + 1


def _entry_to_version(entry: Mapping[str, object], *, live: bool) -> Version:
    flagged = entry.get("flagged_for_review")
    return Version(
        version=str(entry["version"]),
        created=str(entry.get("created", "")),
        sha256=str(entry["sha256"]),
        size_bytes=int(entry.get("size_bytes", 0)),  # type: ignore[call-overload]
        programs=int(entry.get("programs", 0)),  # type: ignore[call-overload]
        summary=str(entry.get("summary", "")),
        source=str(entry.get("source", "")),
        file=str(entry["file"]),
        live=live,
        flagged_for_review=tuple(str(f) for f in flagged) if isinstance(flagged, list) else (),
    )


def _live_bytes(data_dir: Path) -> bytes | None:
    try:
        return (data_dir / PROVIDERS_NAME).read_bytes()
    except FileNotFoundError:
        return None


def _add_entry(
    data_dir: Path,
    entries: list[dict[str, object]],
    data: bytes,
    *,
    programs: int,
    summary: str,
    source: str,
    meta: Mapping[str, object],
    status: str,
    created: str,
    extra: Mapping[str, object] | None = None,
) -> dict[str, object]:
    """Copy ``data`` into history and append its entry (index written atomically)."""
    number = _version_number(entries)
    version = f"v{number:04d}"
    stamp = re.sub(r"[^0-9TZ]", "", created)
    file_name = f"{version}-{stamp}.csv"
    (data_dir / HISTORY_DIR).mkdir(exist_ok=True)
    _atomic_write(data_dir / HISTORY_DIR / file_name, data)
    entry: dict[str, object] = {
        "version": version,
        "created": created,
        "sha256": sha256_hex(data),
        "size_bytes": len(data),
        "programs": programs,
        "summary": summary,
        "source": source,
        "file": file_name,
        "status": status,
        "meta": {**meta, "version": version},
        **(extra or {}),
    }
    entries.append(entry)
    _write_index(data_dir, entries)
    return entry


def _meta_bytes(meta: Mapping[str, object]) -> bytes:
    return (json.dumps(meta, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _recover(data_dir: Path) -> list[dict[str, object]]:
    """Finish or undo what a killed publish left behind. Call under the lock."""
    for pattern in (f".{PROVIDERS_NAME}.*.tmp", f".{META_NAME}.*.tmp"):
        for stray in data_dir.glob(pattern):
            with contextlib.suppress(OSError):
                stray.unlink()
    history_dir = data_dir / HISTORY_DIR
    if history_dir.is_dir():
        for stray in history_dir.glob(".*.tmp"):
            with contextlib.suppress(OSError):
                stray.unlink()
    entries = _read_index(data_dir)
    pending = [e for e in entries if e.get("status") == "pending"]
    if not pending:
        return entries
    live = _live_bytes(data_dir)
    live_sha = sha256_hex(live) if live is not None else None
    for entry in pending:
        if entry["sha256"] == live_sha and entry is pending[-1]:
            # It went live; the crash came before its metadata was written.
            _atomic_write(data_dir / META_NAME, _meta_bytes(entry["meta"]))  # type: ignore[arg-type]
            entry["status"] = "published"
        else:
            entries.remove(entry)
            with contextlib.suppress(OSError):
                _history_file(data_dir, entry).unlink()
    _write_index(data_dir, entries)
    return entries


def _snapshot_live(data_dir: Path, entries: list[dict[str, object]]) -> None:
    """Put the live file into history if it is not there yet (first publish, hand edits)."""
    live = _live_bytes(data_dir)
    if live is None:
        return
    published = [e for e in entries if e.get("status") == "published"]
    if published and published[-1]["sha256"] == sha256_hex(live):
        return
    meta = read_meta(data_dir)
    if published:
        summary = "the live file as found: it was changed outside `finder` after the last publish"
    else:
        label = f" ({meta['version']})" if meta.get("version") else ""
        summary = f"the dataset that was live before the first publish{label}"
    source = str(meta.get("source", "")) or "live file before versioning"
    # When the file was last written is the honest timestamp we have for it.
    mtime = (data_dir / PROVIDERS_NAME).stat().st_mtime
    created = dt.datetime.fromtimestamp(mtime, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    programs = len(csv_rows(live))
    _add_entry(
        data_dir,
        entries,
        live,
        programs=programs,
        summary=summary,
        source=source,
        meta={**meta, "programs": programs, "sha256": sha256_hex(live)},
        status="published",
        created=created,
    )


def csv_rows(data: bytes) -> list[dict[str, str]]:
    """Read a provider CSV's rows without validating them (cheap; for diffs and counts).

    Parameters
    ----------
    data : bytes
        A provider CSV as ``finder.publish`` writes it (UTF-8, commas); a BOM
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


def _row_summary(old: bytes | None, new: bytes) -> str:
    """Count programs added, removed and changed between two provider CSVs."""

    def by_id(data: bytes | None) -> dict[str, tuple[tuple[str, str], ...]]:
        rows = csv_rows(data) if data is not None else []
        return {row.get("program_id", ""): tuple(sorted(row.items())) for row in rows}

    before, after = by_id(old), by_id(new)
    added = len(after.keys() - before.keys())
    removed = len(before.keys() - after.keys())
    changed = sum(1 for k in after.keys() & before.keys() if after[k] != before[k])
    return f"{len(after)} programs: {added} added, {removed} removed, {changed} changed"


# --------------------------------------------------------------------------- public API


def _prepare_bytes(
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
            raise PublishError(
                f"{report.error_count} validation errors",
                f"The file has {report.error_count} errors in "
                f"{len(report.bad_rows)} rows. Fix them"
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


def publish(
    data_dir: str | Path,
    data: bytes,
    *,
    source: str,
    summary: str | None = None,
    valid_rows_only: bool = False,
    max_bytes: int | None = None,
    title: str = DEFAULT_TITLE,
    expected_live_sha256: str | None = None,
    lock_timeout_s: float = DEFAULT_LOCK_TIMEOUT_S,
    flagged_for_review: Sequence[str] = (),
) -> PublishResult:
    """Validate a provider CSV and make it the live dataset, atomically.

    Parameters
    ----------
    data_dir : str or Path
        The data folder holding ``providers.csv``.
    data : bytes
        The new provider CSV. A clean UTF-8 comma-separated file is published
        byte for byte; otherwise (Windows-1252, BOM, ``;``) it is rewritten as
        UTF-8 with commas.
    source : str
        Where the data comes from, for the metadata and the history.
    summary : str, optional
        One line on what changed; by default counts of programs added,
        removed and changed.
    valid_rows_only : bool
        Publish the valid rows and leave out the others (returned in
        ``PublishResult.rejected``) instead of refusing the file.
    max_bytes : int, optional
        Refuse larger files. Pass the configured limit
        (``Settings.upload_max_mb``); by default ``DEFAULT_MAX_BYTES`` (20 MB).
    title : str
        Title written to the metadata.
    expected_live_sha256 : str, optional
        Refuse to publish when the live file no longer has this hash (someone
        published since the admin reviewed the diff). An empty string means
        "there was no live file".
    lock_timeout_s : float
        How long to wait for another publish to finish.
    flagged_for_review : sequence of str
        ``program_id`` of programs a merge kept but flagged for review; kept
        in the history entry (``Version.flagged_for_review``).

    Returns
    -------
    PublishResult

    Raises
    ------
    PublishError
        When the file fails validation, the lock cannot be taken, the live
        data changed since review, or writing fails. The live dataset is then
        unchanged.
    """
    data_dir = Path(data_dir)
    _check_data_dir(data_dir)
    if max_bytes is None:
        max_bytes = DEFAULT_MAX_BYTES  # read at call time, not frozen at import
    out, loaded, rejected, notices = _prepare_bytes(
        data, valid_rows_only=valid_rows_only, max_bytes=max_bytes
    )
    programs = len(loaded.programs)
    try:
        with _locked(data_dir, lock_timeout_s):
            entries = _recover(data_dir)
            live = _live_bytes(data_dir)
            if expected_live_sha256 is not None:
                live_sha = sha256_hex(live) if live is not None else ""
                if live_sha != expected_live_sha256:
                    raise PublishError(
                        "live dataset changed since the plan was prepared",
                        "The live data changed since you reviewed this file (someone else "
                        "published). Review the file again before publishing.",
                    )
            _snapshot_live(data_dir, entries)
            line = summary or _row_summary(live, out)
            if rejected:
                line += f"; {len({i.row for i in rejected})} invalid rows left out"
            meta: dict[str, object] = {
                "sample": False,
                "title": title,
                "source": source,
                "created": _now(),
                "programs": programs,
                "sha256": sha256_hex(out),
                "summary": line,
            }
            flagged = list(dict.fromkeys(flagged_for_review))
            entry = _apply(data_dir, entries, out, programs=programs, summary=line, source=source,
                           meta=meta,
                           extra={"flagged_for_review": flagged} if flagged else None)
    except OSError as err:
        raise PublishError(
            f"writing the dataset failed: {err}",
            f"The dataset could not be written ({err.strerror or err}). The live data is unchanged.",
        ) from err
    return PublishResult(_entry_to_version(entry, live=True), rejected, tuple(notices))


def _refuse_links(data_dir: Path) -> None:
    """Refuse to replace a symbolic link: an atomic rename would silently make it a plain file."""
    for name in (PROVIDERS_NAME, META_NAME):
        path = data_dir / name
        if path.is_symlink():
            raise PublishError(
                f"{path} is a symbolic link",
                f"{name} in the data folder is a symbolic link (to {os.readlink(path)}). "
                "Publishing would replace the link with a plain file, so nothing was "
                "published. Point FINDER_DATA_DIR at the real folder, or replace the link "
                "with the file itself.",
            )


def _apply(
    data_dir: Path,
    entries: list[dict[str, object]],
    out: bytes,
    *,
    programs: int,
    summary: str,
    source: str,
    meta: Mapping[str, object],
    extra: Mapping[str, object] | None = None,
) -> dict[str, object]:
    """Record a pending version, swap the live files, then mark it published."""
    _refuse_links(data_dir)
    entry = _add_entry(data_dir, entries, out, programs=programs, summary=summary,
                       source=source, meta=meta, status="pending",
                       created=str(meta.get("created") or _now()), extra=extra)
    _step("history-written")
    _atomic_write(data_dir / PROVIDERS_NAME, out, steps=True)
    # The kept validation of the old file no longer applies (issue 16); it is
    # keyed by sha256 too, so a crash just here cannot serve it either.
    from finder.validated import forget

    forget(data_dir)
    _atomic_write(data_dir / META_NAME, _meta_bytes(entry["meta"]))  # type: ignore[arg-type]
    _step("meta-written")
    entry["status"] = "published"
    _write_index(data_dir, entries)
    _step("done")
    return entry


def history(data_dir: str | Path) -> list[Version]:
    """Return the published versions, newest first; the live one has ``live=True``.

    Read-only: a version a killed publish left pending is shown only if it
    actually went live.

    Parameters
    ----------
    data_dir : str or Path
        The data folder.

    Returns
    -------
    list of Version

    Raises
    ------
    PublishError
        When the history index is damaged.
    """
    data_dir = Path(data_dir)
    entries = _read_index(data_dir)
    live = _live_bytes(data_dir)
    live_sha = sha256_hex(live) if live is not None else None
    shown = [
        e for e in entries
        if e.get("status") == "published" or (e is entries[-1] and e["sha256"] == live_sha)
    ]
    live_index = next(
        (i for i in range(len(shown) - 1, -1, -1) if shown[i]["sha256"] == live_sha), None
    )
    versions = [_entry_to_version(e, live=i == live_index) for i, e in enumerate(shown)]
    return versions[::-1]


def _normalize_version(version: str) -> str:
    # ASCII digits only: "\d" would also take "٣" or "³" (issue 17, defect 14).
    match = re.fullmatch(r"[vV]?0*([0-9]{1,9})", version.strip(), flags=re.ASCII)
    return f"v{int(match.group(1)):04d}" if match else version.strip()


def rollback(
    data_dir: str | Path, version: str, *, lock_timeout_s: float = DEFAULT_LOCK_TIMEOUT_S
) -> Version:
    """Make an earlier version live again, byte for byte, as a new version.

    Parameters
    ----------
    data_dir : str or Path
        The data folder.
    version : str
        ``"v0003"``, ``"3"`` or a unique prefix (8+ characters) of its sha256.
    lock_timeout_s : float
        How long to wait for another publish to finish.

    Returns
    -------
    Version
        The new version (its bytes equal the restored one's).

    Raises
    ------
    PublishError
        When the version is unknown, its copy is missing or altered, or
        writing fails. The live dataset is then unchanged.
    """
    data_dir = Path(data_dir)
    _check_data_dir(data_dir)
    wanted = _normalize_version(version)
    try:
        with _locked(data_dir, lock_timeout_s):
            entries = _recover(data_dir)
            published = [e for e in entries if e.get("status") == "published"]
            matches = [e for e in published if e["version"] == wanted]
            if not matches and len(version.strip()) >= 8 and version.strip().isascii():
                matches = [e for e in published if str(e["sha256"]).startswith(version.strip().lower())]
            if len(matches) != 1:
                known = ", ".join(str(e["version"]) for e in published[-5:]) or "none"
                raise PublishError(
                    f"unknown version {version!r}",
                    f"There is no version '{version}'. Recent versions: {known}. "
                    "See `finder history`.",
                )
            target = matches[0]
            path = _history_file(data_dir, target)
            try:
                data = path.read_bytes()
            except FileNotFoundError as err:
                raise PublishError(
                    f"{path} is missing", f"The saved copy of {target['version']} is missing."
                ) from err
            if sha256_hex(data) != target["sha256"]:
                raise PublishError(
                    f"{path} does not match its recorded sha256",
                    f"The saved copy of {target['version']} was altered, so it was not restored.",
                )
            _snapshot_live(data_dir, entries)
            live = _live_bytes(data_dir)
            target_meta = target.get("meta")
            meta: dict[str, object] = dict(target_meta) if isinstance(target_meta, dict) else {}
            line = f"rollback to {target['version']}; " + _row_summary(live, data)
            meta.update(
                {
                    "created": _now(),
                    "sha256": target["sha256"],
                    "programs": target.get("programs", 0),
                    "summary": line,
                    "rolled_back_to": target["version"],
                }
            )
            meta.setdefault("sample", False)
            source = f"rollback to {target['version']} ({target.get('source', '')})"
            entry = _apply(data_dir, entries, data, programs=int(target.get("programs", 0)),  # type: ignore[call-overload]
                           summary=line, source=source, meta=meta,
                           extra={"rolled_back_to": target["version"]})
    except OSError as err:
        raise PublishError(
            f"rollback failed: {err}",
            f"The rollback could not be written ({err.strerror or err}). The live data is unchanged.",
        ) from err
    return _entry_to_version(entry, live=True)

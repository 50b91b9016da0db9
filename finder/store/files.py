"""``FileStore``: the live dataset in a data folder, for one machine (the default store).

The folder holds ``providers.csv`` (the live dataset), ``providers.meta.json``
(its metadata), ``history/`` (a copy of every version and ``index.json``) and
``.publish.lock``. Only this module knows these names.

A search must never read a half-written file and a bad file must never go
live, so every publish:

1. validates the new file with ``finder.load.load_programs`` and refuses it on
   any error (``valid_rows_only=True`` publishes only the valid rows and
   returns the rejected ones);
2. takes a lock file (``filelock``), so concurrent publishes run one at a time;
3. copies the new file into ``<data_dir>/history/`` and records it in
   ``history/index.json`` as *pending*;
4. writes ``providers.csv`` with ``finder.store.atomic.atomic_write``
   (a temporary file in the same folder, ``fsync``, mode 0644,
   ``os.replace``, ``fsync`` of the folder: readers see the entire old or the
   entire new file);
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
import datetime as dt
import json
import os
import re
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from filelock import FileLock, Timeout

from finder.errors import PublishError
from finder.load import DEFAULT_MAX_BYTES
from finder.store.atomic import atomic_write
from finder.store.base import LiveDataset, Store
from finder.store.dataset import (
    DEFAULT_LOCK_TIMEOUT_S,
    DEFAULT_TITLE,
    PublishResult,
    Version,
    csv_rows,
    kept_identity,
    now_utc,
    prepare,
    row_summary,
    sha256_hex,
)

__all__ = [
    "HISTORY_DIR",
    "LOCK_NAME",
    "FileStore",
    "dataset_version",
    "history",
    "publish",
    "read_meta",
    "rollback",
]

PROVIDERS_NAME = "providers.csv"
META_NAME = "providers.meta.json"
HISTORY_DIR = "history"
INDEX_NAME = "index.json"
LOCK_NAME = ".publish.lock"
SUBMISSIONS_NAME = "submissions.sqlite"

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


# --------------------------------------------------------------------------- helpers


def read_meta(data_dir: str | Path) -> dict[str, object]:
    """Return the live metadata of a data folder, or ``{}`` if absent or unreadable.

    Parameters
    ----------
    data_dir : str or Path
        The data folder.

    Returns
    -------
    dict
    """
    path = Path(data_dir) / META_NAME
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):  # deeply nested JSON too (issue 17)
        return {}
    return meta if isinstance(meta, dict) else {}


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


def _atomic_write(path: Path, data: bytes, *, steps: bool = False) -> None:
    """Replace ``path`` with ``data`` (the one atomic write), announcing the steps if asked."""
    atomic_write(path, data, on_step=_step if steps else None)


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


# --------------------------------------------------------------------------- public API


def publish(
    data_dir: str | Path,
    data: bytes,
    *,
    source: str,
    summary: str | None = None,
    valid_rows_only: bool = False,
    max_bytes: int | None = None,
    title: str | None = None,
    data_as_of: str | None = None,
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
    title : str, optional
        Title written to the metadata. By default the live dataset's title,
        source and data date are kept (``kept_identity``).
    data_as_of : str, optional
        The date the data is as of when the publish brings data from a dated
        source (``source`` then names it, e.g. a new download).
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
    out, loaded, rejected, notices = prepare(
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
            line = summary or row_summary(live, out)
            if rejected:
                line += f"; {len({i.row for i in rejected})} invalid rows left out"
            meta: dict[str, object] = {
                "sample": False,
                **kept_identity(read_meta(data_dir) if live is not None else None,
                                title=title, source=source,
                                data_as_of=data_as_of),
                "created": now_utc(),
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
                       created=str(meta.get("created") or now_utc()), extra=extra)
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
            line = f"rollback to {target['version']}; " + row_summary(live, data)
            meta.update(
                {
                    "created": now_utc(),
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


class FileStore(Store):
    """The live dataset in a data folder of one machine (the default store).

    Byte for byte what ``finder`` has always written: ``providers.csv``,
    ``providers.meta.json`` and ``history/``, each file replaced atomically
    under ``.publish.lock``. See the module docstring for the crash story.

    Parameters
    ----------
    data_dir : str or Path
        The data folder (``FINDER_DATA_DIR``).
    """

    kind = "files"

    def version_token(self) -> str:
        """Return ``"<inode>-<size>-<mtime_ns>"`` of the live file (see ``dataset_version``).

        Returns
        -------
        str
        """
        return dataset_version(self.data_dir)

    def live(self) -> LiveDataset | None:
        """Return the live file's bytes and metadata, or None when there is none.

        Returns
        -------
        LiveDataset or None
        """
        data = _live_bytes(self.data_dir)
        if data is None:
            return None
        return LiveDataset(data, sha256_hex(data), read_meta(self.data_dir))

    def meta(self) -> dict[str, object]:
        """Return the live metadata (``providers.meta.json``), or ``{}``.

        Returns
        -------
        dict
        """
        return read_meta(self.data_dir)

    def title(self) -> str:
        """Return the live dataset's title, or the one default title.

        Returns
        -------
        str
        """
        return str(self.meta().get("title") or DEFAULT_TITLE)

    def live_file(self) -> Path:
        """Return the live file's path (it may not exist).

        Returns
        -------
        Path
        """
        return self.data_dir / PROVIDERS_NAME

    def history(self) -> list[Version]:
        """Return the published versions, newest first (see ``Store.history``).

        Returns
        -------
        list of Version
        """
        return history(self.data_dir)

    def publish(
        self,
        data: bytes,
        *,
        source: str,
        summary: str | None = None,
        valid_rows_only: bool = False,
        max_bytes: int | None = None,
        title: str | None = None,
        data_as_of: str | None = None,
        expected_live_sha256: str | None = None,
        lock_timeout_s: float = DEFAULT_LOCK_TIMEOUT_S,
        flagged_for_review: Sequence[str] = (),
    ) -> PublishResult:
        """Validate a provider CSV and make it live (see ``Store.publish``).

        Parameters
        ----------
        data, source, summary, valid_rows_only, max_bytes, title, data_as_of, expected_live_sha256, lock_timeout_s, flagged_for_review
            As for ``Store.publish``.

        Returns
        -------
        PublishResult
        """
        return publish(
            self.data_dir, data, source=source, summary=summary, valid_rows_only=valid_rows_only,
            max_bytes=max_bytes, title=title, data_as_of=data_as_of,
            expected_live_sha256=expected_live_sha256,
            lock_timeout_s=lock_timeout_s, flagged_for_review=flagged_for_review,
        )

    def rollback(self, version: str, *, lock_timeout_s: float = DEFAULT_LOCK_TIMEOUT_S) -> Version:
        """Make an earlier version live again (see ``Store.rollback``).

        Parameters
        ----------
        version : str
            ``"v0003"``, ``"3"`` or a sha256 prefix.
        lock_timeout_s : float
            How long to wait for another publish.

        Returns
        -------
        Version
        """
        return rollback(self.data_dir, version, lock_timeout_s=lock_timeout_s)

    def lock(self, timeout_s: float = DEFAULT_LOCK_TIMEOUT_S) -> contextlib.AbstractContextManager[None]:
        """Hold ``.publish.lock`` of the data folder (see ``Store.lock``).

        Parameters
        ----------
        timeout_s : float
            How long to wait for it.

        Returns
        -------
        context manager
        """
        _check_data_dir(self.data_dir)
        return _locked(self.data_dir, timeout_s)

    @property
    def submissions_url(self) -> str:
        """SQLite file ``submissions.sqlite`` in the data folder (absolute URL)."""
        return f"sqlite:///{(self.data_dir / SUBMISSIONS_NAME).resolve()}"

    def describe(self) -> str:
        """Return ``"data folder <path>"``.

        Returns
        -------
        str
        """
        return f"data folder {self.data_dir}"

    def ensure_writable(self) -> None:
        """Raise ``PublishError`` when the data folder does not exist.

        Raises
        ------
        PublishError
        """
        _check_data_dir(self.data_dir)

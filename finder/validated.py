"""The live dataset, validated once per version and kept for the next start.

Validating a provider CSV costs about 0.4 ms a row (six seconds for 14,034
programs) and imports pandas and pandera, yet the live dataset changes only
through a publish. So the outcome of validating it (the programs and the
report) is kept in the app server's data folder (``Store.cache_file("validated")``,
next to the geocoder's cache), keyed by

* the sha256 of the file's bytes: any change to the file, by a publish, a
  rollback or a hand edit, is a new key;
* a fingerprint of the code that validates (``load``, ``schema``, ``model``,
  ``schedule`` and the package's reference data): a new rule is a new key;
* the size and row limits, since a file over them is refused.

A publish also deletes the file (``forget``). A report with errors depends on
the day (a date "in the future" becomes valid later), so it is reused only on
the day it was made; a clean one is reused until the file changes. Nothing
here is needed for correctness: when the folder is read-only, or the cache is
missing, damaged or not ours, the file is validated as usual.

The cache is a pickle, which runs code when read, so it is written readable
by its owner only and read only when this user owns it and nobody else may
write it (the checks ``ssh`` makes of its keys).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import logging
import os
import pickle
import stat
from importlib import resources
from pathlib import Path
from typing import Any

from finder.load import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_ROWS,
    Loaded,
    ValidationReport,
    load_programs,
)
from finder.store.atomic import PRIVATE_MODE, atomic_write
from finder.store.base import cache_file_in

__all__ = ["CACHE_NAME", "cache_path", "forget", "load_validated", "load_validated_bytes"]

log = logging.getLogger(__name__)

#: File name of the cache inside the data folder (the store names it).
CACHE_NAME = cache_file_in(".", "validated").name
_FORMAT = 2
_CODE = ("load.py", "schema.py", "model.py", "schedule.py", "gazetteer.py", "validated.py")


def cache_path(data_dir: str | Path) -> Path:
    """Return where the validated live dataset of a data folder is kept.

    Parameters
    ----------
    data_dir : str or Path
        The data folder.

    Returns
    -------
    Path
    """
    return cache_file_in(data_dir, "validated")


@functools.cache
def _code_fingerprint() -> str:
    digest = hashlib.sha256(f"format {_FORMAT}".encode())
    package = resources.files("finder")
    for name in _CODE:
        digest.update(package.joinpath(name).read_bytes())
    data = package.joinpath("data")
    for item in sorted(data.iterdir(), key=lambda p: p.name):
        if item.is_file():
            digest.update(item.name.encode())
            digest.update(item.read_bytes())
    return digest.hexdigest()


def _trusted(path: Path) -> bool:
    """Whether a cache file is ours and nobody else could have written it."""
    try:
        info = path.lstat()
    except OSError:
        return False
    return (
        stat.S_ISREG(info.st_mode)
        and info.st_uid == os.geteuid()
        and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
    )


def _read(path: Path, key: str, today: dt.date) -> Loaded | None:
    if not _trusted(path):
        return None
    try:
        with path.open("rb") as handle:
            stored = pickle.load(handle)  # our own file, checked by _trusted
    except Exception:  # damaged, truncated, from another version: validate again
        log.info("ignoring an unreadable validation cache at %s", path)
        return None
    if not isinstance(stored, dict) or stored.get("key") != key:
        return None
    if stored.get("day") not in (None, today.isoformat()):
        return None
    try:
        return Loaded(stored["programs"], _thaw(stored["report"]), stored["header"])
    except Exception:  # written by other code: validate again
        return None


def _freeze(report: ValidationReport) -> dict[str, object]:
    """Return the report as plain data (its error list may be a list subclass with counters)."""
    errors = report.errors
    return {
        "rows": report.rows,
        "valid_rows": report.valid_rows,
        "errors": (type(errors), list(errors), dict(getattr(errors, "__dict__", {}))),
        "notices": list(report.notices),
        "file_error": report.file_error,
    }


def _thaw(state: dict[str, Any]) -> ValidationReport:
    kind, issues, attributes = state["errors"]
    errors = kind.__new__(kind)
    list.extend(errors, issues)  # the items as they were, without counting them again
    errors.__dict__.update(attributes)
    return ValidationReport(rows=state["rows"], valid_rows=state["valid_rows"], errors=errors,
                            notices=state["notices"], file_error=state["file_error"])


def _write(path: Path, key: str, loaded: Loaded, today: dt.date) -> None:
    stored = {
        "key": key,
        # A report with errors may change tomorrow (dates in the future).
        "day": today.isoformat() if loaded.report.errors else None,
        "programs": loaded.programs,
        "report": _freeze(loaded.report),
        "header": loaded.header,
    }
    try:
        # A pickle runs code when read: readable and writable by its owner only.
        atomic_write(path, pickle.dumps(stored, protocol=pickle.HIGHEST_PROTOCOL), mode=PRIVATE_MODE)
    except OSError as err:  # a read-only data folder: validate every time
        log.info("could not keep the validated dataset in %s: %s", path, err.strerror)


def load_validated(
    path: str | Path,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    today: dt.date | None = None,
    max_rows: int = DEFAULT_MAX_ROWS,
) -> Loaded:
    """Load and validate a data folder's live file, or reuse the last validation of its bytes.

    Parameters
    ----------
    path : str or Path
        The live file of a data folder (``FileStore(folder).live_file()``).
        Any other file is validated every time, and nothing is written next to it.
    max_bytes : int
        Larger files are refused, as by ``load_programs``.
    today : datetime.date, optional
        For the "not in the future" rules; defaults to today.
    max_rows : int
        More programs than this are refused, as by ``load_programs``.

    Returns
    -------
    Loaded
        As ``load_programs`` returns it, except that ``rows`` and
        ``row_numbers`` are empty when it comes from the cache (the raw rows
        are for diffing a new file, not for searching).
    """
    from finder.store.files import FileStore

    path = Path(path)
    today = today or dt.date.today()
    if path != FileStore(path.parent).live_file():
        return load_programs(path, max_bytes=max_bytes, today=today, max_rows=max_rows)
    try:
        if path.stat().st_size > max_bytes:
            return load_programs(path, max_bytes=max_bytes, today=today, max_rows=max_rows)
        data = path.read_bytes()
    except OSError:
        # Missing or unreadable: load_programs says so in plain words.
        return load_programs(path, max_bytes=max_bytes, today=today, max_rows=max_rows)
    return load_validated_bytes(data, cache_path(path.parent), max_bytes=max_bytes, today=today,
                                max_rows=max_rows)


def load_validated_bytes(
    data: bytes,
    cache: Path | None,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    today: dt.date | None = None,
    max_rows: int = DEFAULT_MAX_ROWS,
) -> Loaded:
    """Validate a live dataset's bytes, or reuse the validation kept in ``cache``.

    Parameters
    ----------
    data : bytes
        The provider CSV.
    cache : Path or None
        Where the outcome is kept (``Store.cache_file("validated")``); None
        validates every time.
    max_bytes : int
        Larger files are refused, as by ``load_programs``.
    today : datetime.date, optional
        For the "not in the future" rules; defaults to today.
    max_rows : int
        More programs than this are refused, as by ``load_programs``.

    Returns
    -------
    Loaded
    """
    today = today or dt.date.today()
    if cache is None or len(data) > max_bytes:
        return load_programs(data, max_bytes=max_bytes, today=today, max_rows=max_rows)
    key = f"{hashlib.sha256(data).hexdigest()}:{_code_fingerprint()}:{max_bytes}:{max_rows}"
    loaded = _read(cache, key, today)
    if loaded is not None:
        return loaded
    loaded = load_programs(data, max_bytes=max_bytes, today=today, max_rows=max_rows)
    if loaded.report.file_error is None and cache.parent.is_dir():
        _write(cache, key, loaded, today)
    return loaded


def forget(data_dir: str | Path) -> None:
    """Delete the kept validation of a data folder (a publish calls this).

    Parameters
    ----------
    data_dir : str or Path
        The data folder.
    """
    try:
        cache_path(data_dir).unlink(missing_ok=True)
    except OSError as err:
        log.info("could not delete the validation cache of %s: %s", data_dir, err.strerror)

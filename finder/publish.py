"""Publishing the live dataset: now ``finder.store`` (kept for older imports).

The rules of a publish are in ``finder.store.dataset``; the data folder's
implementation (atomic, versioned, under a lock file) is
``finder.store.files``. New code opens a store with
``finder.store.open_store(settings)`` and calls its ``publish``,
``history`` and ``rollback``, so the same code serves a PostgreSQL store.
"""

from __future__ import annotations

from finder.store.dataset import (
    DEFAULT_LOCK_TIMEOUT_S,
    DEFAULT_TITLE,
    PublishResult,
    Version,
    csv_rows,
    is_plain_csv,
    rows_to_csv,
    sha256_hex,
)
from finder.store.files import (
    HISTORY_DIR,
    LOCK_NAME,
    dataset_version,
    history,
    publish,
    rollback,
)

__all__ = [
    "DEFAULT_LOCK_TIMEOUT_S",
    "DEFAULT_TITLE",
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

"""The store: the one owner of the live dataset (see ``finder.store.base``).

``open_store(settings)`` returns a ``FileStore`` (the data folder) or, with
``FINDER_DATABASE_URL=postgresql://...``, an ``SqlStore`` shared by several
app servers. The rules of a publish are in ``finder.store.dataset``; the one
atomic file write is ``finder.store.atomic.atomic_write``.
"""

from finder.store.base import STORES, LiveDataset, Store, get_store_for_url, open_store
from finder.store.dataset import DEFAULT_TITLE, PublishResult, Version

__all__ = [
    "DEFAULT_TITLE",
    "STORES",
    "LiveDataset",
    "PublishResult",
    "Store",
    "Version",
    "get_store_for_url",
    "open_store",
]

"""The store interface: the one owner of the live dataset, and how one is chosen.

Everything that reads or changes the live dataset goes through a ``Store``: the
app's pages, the CLI, ``finder.refresh``, the importers and the submissions
review (an approved change is a ``store.publish(...)``). No module outside
``finder/store/`` knows where or how the data is kept.

Two implementations, chosen by settings the way geopy's
``get_geocoder_for_service`` picks a geocoder from a table (``STORES``):

``FileStore`` (``finder.store.files``, the default)
    The data folder (``FINDER_DATA_DIR``) of one machine, as it has always
    been: the live CSV, its metadata and a history folder, written atomically
    under a lock file.
``SqlStore`` (``finder.store.sql``)
    A PostgreSQL database (``FINDER_DATABASE_URL=postgresql://...``) shared
    by several app servers: a publish is one transaction, publishers are
    serialized by an advisory lock, and every server sees a new version on its
    next rerun.

Both keep the same promises, checked by one test suite run against each
(``tests/test_store.py``):

* ``publish`` validates first and never makes a file live that has errors
  (or, with ``valid_rows_only=True``, publishes only the valid rows);
* a publish is all or nothing: readers see the old version or the new one;
* concurrent publishes run one after the other, and one reviewed against a
  version that is no longer live (``expected_live_sha256``) is refused with a
  ``PublishError`` whose ``user_message`` says so; it never overwrites the
  newer version;
* every published version stays in the history, and ``rollback`` restores
  any of them byte for byte as a new version.

Example
-------
>>> from finder.config import Settings
>>> from finder.store import open_store
>>> store = open_store(Settings.from_env())          # doctest: +SKIP
>>> store.publish(csv_bytes, source="admin upload",  # doctest: +SKIP
...               expected_live_sha256=reviewed_sha)
"""

from __future__ import annotations

import abc
import contextlib
import datetime as dt
import importlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Literal

from finder.load import DEFAULT_MAX_BYTES, DEFAULT_MAX_ROWS, Loaded
from finder.store.dataset import DEFAULT_LOCK_TIMEOUT_S, DEFAULT_TITLE, PublishResult, Version

if TYPE_CHECKING:
    from finder.config import Settings

__all__ = [
    "STORES",
    "CacheName",
    "LiveDataset",
    "Store",
    "cache_file_in",
    "get_store_for_url",
    "open_store",
]

#: Files an app server keeps for itself in its data folder, whichever store
#: holds the dataset: derived data that is cheaper to keep than to redo.
CacheName = Literal["validated", "geocode", "geocode-key"]


@dataclass(frozen=True, slots=True)
class LiveDataset:
    """The live dataset as a store holds it.

    Parameters
    ----------
    data : bytes
        The provider CSV, byte for byte as published.
    sha256 : str
        Hex digest of ``data``; pass it back as ``expected_live_sha256`` to
        publish a change reviewed against this version.
    meta : dict
        The version's metadata: ``title``, ``source``, ``created``,
        ``version`` (``"v0003"``), ``programs``, ``summary`` and whatever an
        importer added (``data_date``, ``sample`` ...).
    """

    data: bytes
    sha256: str
    meta: Mapping[str, object] = field(default_factory=dict)

    @property
    def title(self) -> str:
        """The dataset's title, or the one default title when the metadata has none."""
        return str(self.meta.get("title") or DEFAULT_TITLE)

    @property
    def version(self) -> str:
        """The version people see (``"v0003"``), or ``""`` before the first publish."""
        return str(self.meta.get("version") or "")


class Store(abc.ABC):
    """One owner of the live dataset, its history and the lock of its publishers.

    Parameters
    ----------
    data_dir : str or Path
        The app server's data folder. A ``FileStore`` keeps the dataset there;
        every store keeps its server's derived files there (``cache_file``).
    """

    #: Short name in messages and ``finder store info``.
    kind: ClassVar[str] = ""

    def __init__(self, data_dir: str | Path) -> None:
        self.data_dir = Path(data_dir)

    # -- reading -------------------------------------------------------------

    @abc.abstractmethod
    def version_token(self) -> str:
        """Return a cheap token that changes whenever another version goes live.

        The app uses it as a cache key and asks on every rerun, so it costs a
        ``stat`` (files) or one indexed query (SQL).

        Returns
        -------
        str
            Opaque; ``"missing"`` when there is no live dataset.
        """

    @abc.abstractmethod
    def live(self) -> LiveDataset | None:
        """Return the live dataset, or None when nothing was ever published.

        Returns
        -------
        LiveDataset or None
        """

    def meta(self) -> dict[str, object]:
        """Return the live version's metadata, or ``{}``.

        Returns
        -------
        dict
        """
        live = self.live()
        return dict(live.meta) if live is not None else {}

    def title(self) -> str:
        """Return the live dataset's title, or the one default title.

        Returns
        -------
        str
        """
        live = self.live()
        return live.title if live is not None else DEFAULT_TITLE

    def load(
        self,
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        max_rows: int = DEFAULT_MAX_ROWS,
        today: dt.date | None = None,
    ) -> Loaded:
        """Load and validate the live dataset (validated once per version).

        Parameters
        ----------
        max_bytes, max_rows : int
            Larger datasets are refused, as by ``finder.load.load_programs``.
        today : datetime.date, optional
            For the "not in the future" rules; defaults to today.

        Returns
        -------
        Loaded
            With a ``file_error`` in its report when there is no live dataset.
        """
        from finder.load import Loaded, ValidationReport
        from finder.validated import load_validated_bytes

        live = self.live()
        if live is None:
            path = self.live_file()
            where = f"{path} does not exist" if path is not None else "nothing was published yet"
            report = ValidationReport(
                file_error=f"There is no live program list ({where}). Publish one on the admin page "
                "or with `finder refresh`."
            )
            return Loaded([], report, [])
        return load_validated_bytes(live.data, self.cache_file("validated"),
                                    max_bytes=max_bytes, max_rows=max_rows, today=today)

    def live_file(self) -> Path | None:
        """Return the live dataset's file, for tools that read a file; None for a database.

        Returns
        -------
        Path or None
        """
        return None

    # -- history -------------------------------------------------------------

    @abc.abstractmethod
    def history(self) -> list[Version]:
        """Return the published versions, newest first; the live one has ``live=True``.

        Returns
        -------
        list of Version

        Raises
        ------
        PublishError
            When the history is damaged.
        """

    # -- changing ------------------------------------------------------------

    @abc.abstractmethod
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
        """Validate a provider CSV and make it the live dataset, all or nothing.

        Parameters
        ----------
        data : bytes
            The new provider CSV. A clean UTF-8 comma-separated file is
            published byte for byte; otherwise (Windows-1252, BOM, ``;``) it
            is rewritten as UTF-8 with commas.
        source : str
            Where the data comes from, for the metadata and the history
            (``"admin upload: x.csv"``, ``"submission 12 approved by ..."``).
        summary : str, optional
            One line on what changed; by default counts of programs added,
            removed and changed.
        valid_rows_only : bool
            Publish the valid rows and leave out the others (returned in
            ``PublishResult.rejected``) instead of refusing the file.
        max_bytes : int, optional
            Refuse larger files; pass ``Settings.upload_max_bytes``.
        title : str, optional
            Title written to the metadata. By default the live dataset's
            title, and its source and ``data_as_of`` when it has a date, are
            kept (``finder.store.dataset.kept_identity``): a correction does
            not rename the dataset.
        data_as_of : str, optional
            The date the data is as of when the publish brings data from a
            dated source (``source`` then names it, e.g. a new download).
        expected_live_sha256 : str, optional
            The ``LiveDataset.sha256`` the change was reviewed against.
            When another version went live since, the publish is refused
            (never applied over the newer version). ``""`` means "there was
            no live dataset"; None skips the check.
        lock_timeout_s : float
            How long to wait for another publish to finish.
        flagged_for_review : sequence of str
            ``program_id`` of programs a merge kept but flagged for review.

        Returns
        -------
        PublishResult

        Raises
        ------
        PublishError
            When the file fails validation, the lock cannot be taken, the
            live data changed since review, or writing fails. The live
            dataset is then unchanged; ``user_message`` says what to do.
        """

    @abc.abstractmethod
    def rollback(self, version: str, *, lock_timeout_s: float = DEFAULT_LOCK_TIMEOUT_S) -> Version:
        """Make an earlier version live again, byte for byte, as a new version.

        Parameters
        ----------
        version : str
            ``"v0003"``, ``"3"`` or a unique prefix (8+ characters) of its sha256.
        lock_timeout_s : float
            How long to wait for another publish to finish.

        Returns
        -------
        Version
            The new version.

        Raises
        ------
        PublishError
            When the version is unknown or its copy is missing or altered.
        """

    @abc.abstractmethod
    def lock(self, timeout_s: float = DEFAULT_LOCK_TIMEOUT_S) -> contextlib.AbstractContextManager[None]:
        """Return a context manager that holds the publishers' lock.

        ``publish`` and ``rollback`` take it themselves; hold it yourself only
        to keep the live version still while you do something else, and do not
        publish while holding it (an ``SqlStore`` holds it on a connection of
        its own, so the publish would wait for itself until ``timeout_s``). To
        apply a change to the latest version, read ``live()``, apply, and
        publish with ``expected_live_sha256``; on the "changed since you
        reviewed" refusal read again and re-apply.

        Parameters
        ----------
        timeout_s : float
            How long to wait for it.

        Returns
        -------
        context manager

        Raises
        ------
        PublishError
            When the lock cannot be taken in time.
        """

    # -- where other data lives ---------------------------------------------

    @property
    @abc.abstractmethod
    def submissions_url(self) -> str:
        """SQLAlchemy URL of the database for submissions and reviews.

        A SQLite file in the data folder for a ``FileStore``, the same
        database for an ``SqlStore``.
        """

    def cache_file(self, name: CacheName) -> Path:
        """Return the path of one of this app server's derived files.

        Parameters
        ----------
        name : {"validated", "geocode", "geocode-key"}
            The validated live dataset (a pickle), the geocoder's cache and the
            secret of its keys.

        Returns
        -------
        Path
            Inside the data folder; the folder may not exist yet.
        """
        return cache_file_in(self.data_dir, name)

    @abc.abstractmethod
    def describe(self) -> str:
        """Return where the data is kept, for messages (no password).

        Returns
        -------
        str
        """

    def ensure_writable(self) -> None:  # noqa: B027 - optional hook
        """Raise ``PublishError`` when publishing cannot work here (a missing folder).

        Raises
        ------
        PublishError
        """


_CACHE_FILES: dict[str, str] = {
    "validated": ".validated-cache.pickle",
    "geocode": ".geocode-cache.json",
    "geocode-key": ".geocode-cache.key",
}


def cache_file_in(data_dir: str | Path, name: CacheName) -> Path:
    """Return where an app server keeps one of its derived files (see ``Store.cache_file``).

    Parameters
    ----------
    data_dir : str or Path
        The data folder.
    name : {"validated", "geocode", "geocode-key"}
        Which file.

    Returns
    -------
    Path
    """
    return Path(data_dir) / _CACHE_FILES[name]

#: Store implementations by the scheme of ``FINDER_DATABASE_URL`` (``""`` is
#: no database: the data folder). Values are ``"module:Class"`` so the SQL
#: store's dependencies are imported only when it is chosen.
STORES: dict[str, str] = {
    "": "finder.store.files:FileStore",
    "postgresql": "finder.store.sql:SqlStore",
}


def get_store_for_url(database_url: str) -> type[Store]:
    """Return the store class for a database URL (``""``: the data folder).

    Parameters
    ----------
    database_url : str
        ``FINDER_DATABASE_URL``: empty, or ``postgresql://...`` (also
        ``postgresql+psycopg://...``).

    Returns
    -------
    type of Store

    Raises
    ------
    ValueError
        For any other kind of URL; the message lists the ones supported.
    """
    scheme = database_url.split(":", 1)[0].split("+", 1)[0].lower() if database_url else ""
    if scheme == "postgres":
        scheme = "postgresql"
    try:
        target = STORES[scheme]
    except KeyError:
        known = ", ".join(f"{k}://" for k in STORES if k)
        raise ValueError(
            f"FINDER_DATABASE_URL must be empty (the data folder) or start with {known}; "
            f"got a {scheme or 'malformed'} URL"
        ) from None
    module, name = target.split(":")
    cls: type[Store] = getattr(importlib.import_module(module), name)
    return cls


def open_store(settings: Settings) -> Store:
    """Return the store the settings choose.

    Parameters
    ----------
    settings : Settings
        ``database_url`` picks the implementation (``STORES``); ``data_dir``
        is the data folder.

    Returns
    -------
    Store
    """
    cls = get_store_for_url(settings.database_url)
    if settings.database_url:
        return cls(settings.data_dir, database_url=settings.database_url)  # type: ignore[call-arg]
    return cls(settings.data_dir)

"""The submissions database: where it is, one engine per URL, migrations on first use.

The store names the database (``Store.submissions_url``): an SQLite file in
the data folder with the ``FileStore`` (nothing to install), the same
PostgreSQL database as the dataset when ``FINDER_DATABASE_URL`` points there
(several app servers sharing one store). The Alembic migrations ship inside
this package (``migrations/``) and run the first time a process opens a
database, under a lock (a file lock next to an SQLite file, an advisory lock
on PostgreSQL), so two processes starting together don't both create tables.
"""

from __future__ import annotations

import contextlib
import functools
import os
import threading
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from finder.config import Settings

__all__ = ["database_url", "engine_for", "engine_for_url"]

_MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_PG_LOCK_KEY = 0x1F0D_0013  # any constant: "finder, issue 13"
_lock = threading.Lock()


def database_url(settings: Settings) -> str:
    """Return the submissions database's URL, as the store the settings choose names it.

    Parameters
    ----------
    settings : Settings

    Returns
    -------
    str
        An SQLAlchemy URL.
    """
    from finder.store import open_store

    return open_store(settings).submissions_url


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # WAL lets readers go on while one process writes; wait rather than fail on a lock.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _private_file(path: Path) -> None:
    """Create the SQLite file owner-only (0600), or make an existing one so.

    It holds what people sent, and their optional email until a review closes
    it: never readable by other users of the machine. SQLite gives its -wal and
    -shm files the database file's permissions.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    if path.stat().st_mode & 0o077:
        with contextlib.suppress(PermissionError):  # another user's file: theirs to fix
            path.chmod(0o600)


@functools.lru_cache(maxsize=8)
def _engine(url: str) -> sa.Engine:
    if url.startswith("sqlite"):
        path = sa.engine.make_url(url).database
        if path and path != ":memory:":
            _private_file(Path(path))
        engine = sa.create_engine(url, connect_args={"timeout": 30})
        # SQLAlchemy's recipe for SQLite transactions: the driver starts none
        # itself, and each one begins IMMEDIATE (takes the write lock at once),
        # so a read-then-write (rate limits, merges, claims) is never
        # interleaved with another process's.
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        sa.event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))
    else:
        from finder.store.sql import engine_url

        engine = sa.create_engine(engine_url(url), pool_pre_ping=True)
    _migrate(engine)
    return engine


def _migrate(engine: sa.Engine) -> None:
    """Bring the database to the newest migration (Alembic ``upgrade head``)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    if engine.dialect.name == "sqlite":
        from filelock import FileLock

        path = engine.url.database or ""
        lock = FileLock(f"{path}.migrate.lock") if path and path != ":memory:" else threading.Lock()
        with lock, engine.connect() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "head")
            conn.commit()
        return
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
        config.attributes["connection"] = conn
        command.upgrade(config, "head")


def engine_for(settings: Settings) -> sa.Engine:
    """Return the engine of the submissions database, migrated to the newest schema.

    One engine per URL and process; the first call runs the migrations.

    Parameters
    ----------
    settings : Settings

    Returns
    -------
    sqlalchemy.Engine
    """
    return engine_for_url(database_url(settings))


def engine_for_url(url: str) -> sa.Engine:
    """Return the engine for a submissions database URL (see ``engine_for``).

    Parameters
    ----------
    url : str
        An SQLAlchemy URL (``Store.submissions_url``).

    Returns
    -------
    sqlalchemy.Engine
    """
    with _lock:
        return _engine(url)

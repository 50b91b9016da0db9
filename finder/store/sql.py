"""``SqlStore``: the live dataset in PostgreSQL, shared by several app servers.

Chosen with ``FINDER_DATABASE_URL=postgresql://user:password@host/db`` (see
docs/DEPLOY.md). Two tables, created on first use:

``finder_dataset_versions``
    Every version ever published: its number (``v0001`` ...), when, sha256,
    size, program count, summary, source, metadata (JSON), the programs a
    merge flagged for review, and the provider CSV itself, byte for byte.
``finder_dataset_live``
    One row: the number of the version being served.

A publish (or a rollback) is one transaction: it takes
``pg_advisory_xact_lock`` (so publishers from any server run one at a time;
the lock ends with the transaction, even if the process dies), checks the
reviewed version (``expected_live_sha256``) against the live one *inside*
the lock, inserts the new version and points the live row at it. Readers
never see half of it: until the commit they get the old version, after it the
new one. An app server asks for the live version's number and sha256 on every
rerun (one indexed query), so a version published through any server or the
CLI is served on the next click.

The catalog is small (a few hundred programs in Massachusetts), so each server
loads the live CSV into memory once per version; PostGIS is not needed.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from finder.errors import PublishError
from finder.load import DEFAULT_MAX_BYTES
from finder.store.base import LiveDataset, Store
from finder.store.dataset import (
    DEFAULT_LOCK_TIMEOUT_S,
    PublishResult,
    Version,
    kept_identity,
    now_utc,
    prepare,
    row_summary,
    sha256_hex,
)
from finder.store.files import _normalize_version, _step

__all__ = ["PUBLISH_LOCK_KEY", "SqlStore", "engine_url"]

#: The advisory lock every publisher of this app takes (any 64-bit number
#: no other application on the database uses; this is "IOPFIND1" in ASCII).
PUBLISH_LOCK_KEY = 0x494F5046494E4431
_SCHEMA_LOCK_KEY = PUBLISH_LOCK_KEY + 1

metadata = sa.MetaData()

versions_table = sa.Table(
    "finder_dataset_versions",
    metadata,
    sa.Column("number", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("version", sa.String(16), nullable=False, unique=True),
    sa.Column("created", sa.String(64), nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("size_bytes", sa.Integer, nullable=False),
    sa.Column("programs", sa.Integer, nullable=False),
    sa.Column("summary", sa.Text, nullable=False),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("meta", sa.JSON, nullable=False),
    sa.Column("flagged_for_review", sa.JSON, nullable=False),
    sa.Column("rolled_back_to", sa.String(16), nullable=True),
    sa.Column("data", sa.LargeBinary, nullable=False),
)

live_table = sa.Table(
    "finder_dataset_live",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("number", sa.Integer, sa.ForeignKey(versions_table.c.number), nullable=False),
    sa.CheckConstraint("id = 1", name="finder_dataset_live_one_row"),
)


def engine_url(database_url: str) -> str:
    """Return the SQLAlchemy URL for ``FINDER_DATABASE_URL``, with the psycopg 3 driver.

    ``postgresql://`` and ``postgres://`` (as hosting services write them)
    would pick psycopg2, which is not a dependency; an explicit driver is kept.

    Parameters
    ----------
    database_url : str
        The setting's value.

    Returns
    -------
    str
    """
    return re.sub(r"^postgres(?:ql)?://", "postgresql+psycopg://", database_url.strip())


class SqlStore(Store):
    """The live dataset, its history and the publishers' lock in PostgreSQL.

    Parameters
    ----------
    data_dir : str or Path
        This app server's data folder, for its own caches only.
    database_url : str
        ``postgresql://user:password@host:port/db`` (``+psycopg`` optional).
    engine : sqlalchemy.engine.Engine, optional
        An engine to use instead of making one (tests).
    """

    kind = "postgresql"

    def __init__(self, data_dir: str | Path, *, database_url: str,
                 engine: Engine | None = None) -> None:
        super().__init__(data_dir)
        self.database_url = engine_url(database_url)
        self.engine = engine or sa.create_engine(self.database_url, pool_pre_ping=True)
        self._schema_ready = False

    # -- plumbing ------------------------------------------------------------

    def _ensure_schema(self) -> None:
        if self._schema_ready:
            return
        try:
            with self.engine.begin() as conn:
                # Two servers starting at once must not both create the tables.
                conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_SCHEMA_LOCK_KEY)))
                metadata.create_all(conn)
        except sa.exc.DBAPIError as err:
            raise self._unavailable(err) from err
        self._schema_ready = True

    def _unavailable(self, err: Exception) -> PublishError:
        return PublishError(
            f"database {self.describe()} unavailable: {type(err).__name__}",
            "The program database can't be reached right now, so nothing was changed. "
            "Try again in a minute; if it keeps happening, check FINDER_DATABASE_URL.",
        )

    @contextlib.contextmanager
    def _publishing(self, timeout_s: float) -> Iterator[Connection]:
        """One transaction holding the publishers' advisory lock."""
        self._ensure_schema()
        try:
            with self.engine.begin() as conn:
                # lock_timeout bounds the wait for the advisory lock (SQLSTATE 55P03).
                conn.execute(sa.text(f"SET LOCAL lock_timeout = '{max(1, int(timeout_s * 1000))}ms'"))
                try:
                    conn.execute(sa.select(sa.func.pg_advisory_xact_lock(PUBLISH_LOCK_KEY)))
                except sa.exc.OperationalError as err:
                    if getattr(err.orig, "sqlstate", "") == "55P03":
                        raise PublishError(
                            f"could not take the publish lock within {timeout_s} s",
                            "Another publish is in progress. Wait a minute and try again; "
                            "the live data is unchanged.",
                        ) from err
                    raise
                _step("locked")
                yield conn
        except sa.exc.DBAPIError as err:
            raise PublishError(
                f"writing the dataset failed: {type(err).__name__}: {err.orig}",
                "The dataset could not be written to the database. The live data is unchanged.",
            ) from err

    def _live_row(self, conn: Connection, *, with_data: bool = True) -> Any:
        columns = [versions_table.c[name] for name in (
            "number", "version", "sha256", "meta", "source", "programs")]
        if with_data:
            columns.append(versions_table.c.data)
        query = sa.select(*columns).select_from(
            live_table.join(versions_table, live_table.c.number == versions_table.c.number)
        ).where(live_table.c.id == 1)
        return conn.execute(query).first()

    @staticmethod
    def _next_number(conn: Connection) -> int:
        current = conn.execute(sa.select(sa.func.max(versions_table.c.number))).scalar()
        return int(current or 0) + 1

    def _insert(self, conn: Connection, data: bytes, *, number: int, created: str, programs: int,
                summary: str, source: str, meta: Mapping[str, object],
                flagged: Sequence[str] = (), rolled_back_to: str | None = None) -> Version:
        version = f"v{number:04d}"
        conn.execute(versions_table.insert().values(
            number=number, version=version, created=created, sha256=sha256_hex(data),
            size_bytes=len(data), programs=programs, summary=summary, source=source,
            meta={**meta, "version": version}, flagged_for_review=list(flagged),
            rolled_back_to=rolled_back_to, data=data,
        ))
        updated = conn.execute(live_table.update().where(live_table.c.id == 1).values(number=number))
        if updated.rowcount == 0:
            conn.execute(live_table.insert().values(id=1, number=number))
        _step("done")
        return Version(version=version, created=created, sha256=sha256_hex(data),
                       size_bytes=len(data), programs=programs, summary=summary, source=source,
                       file="", live=True, flagged_for_review=tuple(flagged))

    # -- reading -------------------------------------------------------------

    def version_token(self) -> str:
        """Return ``"<number>-<sha256 prefix>"`` of the live version, or ``"missing"``.

        Returns
        -------
        str
        """
        self._ensure_schema()
        try:
            with self.engine.connect() as conn:
                row = self._live_row(conn, with_data=False)
        except sa.exc.DBAPIError as err:
            raise self._unavailable(err) from err
        return "missing" if row is None else f"{row.number}-{row.sha256[:16]}"

    def live(self) -> LiveDataset | None:
        """Return the live version's CSV and metadata, or None before the first publish.

        Returns
        -------
        LiveDataset or None
        """
        self._ensure_schema()
        try:
            with self.engine.connect() as conn:
                row = self._live_row(conn)
        except sa.exc.DBAPIError as err:
            raise self._unavailable(err) from err
        if row is None:
            return None
        meta = dict(row.meta) if isinstance(row.meta, dict) else {}
        return LiveDataset(bytes(row.data), row.sha256, meta)

    def history(self) -> list[Version]:
        """Return the published versions, newest first; the live one has ``live=True``.

        Returns
        -------
        list of Version
        """
        self._ensure_schema()
        t = versions_table
        try:
            with self.engine.connect() as conn:
                live = conn.execute(sa.select(live_table.c.number)).scalar()
                rows = conn.execute(sa.select(
                    t.c.number, t.c.version, t.c.created, t.c.sha256, t.c.size_bytes,
                    t.c.programs, t.c.summary, t.c.source, t.c.flagged_for_review,
                ).order_by(t.c.number.desc())).all()
        except sa.exc.DBAPIError as err:
            raise self._unavailable(err) from err
        return [
            Version(version=r.version, created=r.created, sha256=r.sha256,
                    size_bytes=r.size_bytes, programs=r.programs, summary=r.summary,
                    source=r.source, file="", live=r.number == live,
                    flagged_for_review=tuple(str(f) for f in r.flagged_for_review or ()))
            for r in rows
        ]

    # -- changing ------------------------------------------------------------

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
        """Validate a provider CSV and make it live in one transaction (see ``Store.publish``).

        Parameters
        ----------
        data, source, summary, valid_rows_only, max_bytes, title, data_as_of, expected_live_sha256, lock_timeout_s, flagged_for_review
            As for ``Store.publish``.

        Returns
        -------
        PublishResult
        """
        out, loaded, rejected, notices = prepare(
            data, valid_rows_only=valid_rows_only,
            max_bytes=DEFAULT_MAX_BYTES if max_bytes is None else max_bytes,
        )
        programs = len(loaded.programs)
        with self._publishing(lock_timeout_s) as conn:
            current = self._live_row(conn)
            live_data = bytes(current.data) if current is not None else None
            if expected_live_sha256 is not None:
                live_sha = current.sha256 if current is not None else ""
                if live_sha != expected_live_sha256:
                    raise PublishError(
                        "live dataset changed since the plan was prepared",
                        "The live data changed since you reviewed this file (someone else "
                        "published). Review the file again before publishing.",
                    )
            line = summary or row_summary(live_data, out)
            if rejected:
                line += f"; {len({i.row for i in rejected})} invalid rows left out"
            created = now_utc()
            meta: dict[str, object] = {
                "sample": False,
                **kept_identity(current.meta if current is not None and isinstance(current.meta, dict)
                                else None, title=title, source=source,
                                data_as_of=data_as_of),
                "created": created,
                "programs": programs, "sha256": sha256_hex(out), "summary": line,
            }
            version = self._insert(conn, out, number=self._next_number(conn), created=created,
                                   programs=programs, summary=line, source=source, meta=meta,
                                   flagged=list(dict.fromkeys(flagged_for_review)))
        return PublishResult(version, rejected, tuple(notices))

    def rollback(self, version: str, *, lock_timeout_s: float = DEFAULT_LOCK_TIMEOUT_S) -> Version:
        """Make an earlier version live again as a new version (see ``Store.rollback``).

        Parameters
        ----------
        version : str
            ``"v0003"``, ``"3"`` or a unique prefix (8+ characters) of its sha256.
        lock_timeout_s : float
            How long to wait for another publish.

        Returns
        -------
        Version
        """
        wanted = _normalize_version(version)
        t = versions_table
        with self._publishing(lock_timeout_s) as conn:
            rows = conn.execute(sa.select(t).where(t.c.version == wanted)).all()
            text = version.strip()
            if not rows and len(text) >= 8 and text.isascii():
                rows = conn.execute(
                    sa.select(t).where(t.c.sha256.startswith(text.lower(), autoescape=True))
                ).all()
            if len(rows) != 1:
                recent = conn.execute(sa.select(t.c.version).order_by(t.c.number.desc()).limit(5))
                known = ", ".join(reversed([r.version for r in recent])) or "none"
                raise PublishError(
                    f"unknown version {version!r}",
                    f"There is no version '{version}'. Recent versions: {known}. "
                    "See `finder history`.",
                )
            target = rows[0]
            data = bytes(target.data)
            if sha256_hex(data) != target.sha256:
                raise PublishError(
                    f"{target.version} does not match its recorded sha256",
                    f"The saved copy of {target.version} was altered, so it was not restored.",
                )
            current = self._live_row(conn)
            line = f"rollback to {target.version}; " + row_summary(
                bytes(current.data) if current is not None else None, data)
            created = now_utc()
            meta = dict(target.meta) if isinstance(target.meta, dict) else {}
            meta.update({"created": created, "sha256": target.sha256, "programs": target.programs,
                         "summary": line, "rolled_back_to": target.version})
            meta.setdefault("sample", False)
            return self._insert(conn, data, number=self._next_number(conn), created=created,
                                programs=target.programs, summary=line,
                                source=f"rollback to {target.version} ({target.source})",
                                meta=meta, rolled_back_to=target.version)

    @contextlib.contextmanager
    def _held(self, timeout_s: float) -> Iterator[None]:
        with self._publishing(timeout_s):
            yield

    def lock(self, timeout_s: float = DEFAULT_LOCK_TIMEOUT_S) -> contextlib.AbstractContextManager[None]:
        """Hold the publishers' advisory lock in a transaction of its own (see ``Store.lock``).

        Parameters
        ----------
        timeout_s : float
            How long to wait for it.

        Returns
        -------
        context manager
        """
        return self._held(timeout_s)

    @property
    def submissions_url(self) -> str:
        """The same database (the submissions' tables live next to the dataset's)."""
        return self.database_url

    def describe(self) -> str:
        """Return ``"PostgreSQL database <url without password>"``.

        Returns
        -------
        str
        """
        return f"PostgreSQL database {sa.make_url(self.database_url).render_as_string(hide_password=True)}"

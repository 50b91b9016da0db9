"""A scratch PostgreSQL server for the tests that need a real database.

``../shared/NOTES.md`` §8 shows the recipe: Debian's ``postgresql`` binaries live in
``/usr/lib/postgresql/<major>/bin`` (not on PATH); ``initdb`` refuses to run as root, so
as root the server runs as the ``postgres`` user through ``runuser``, in a temporary
folder that user owns. The server listens on 127.0.0.1 only, on a free port, with a
Unix socket in the same folder, and is stopped when the test session ends.

Use the ``postgres_url`` fixture (tests/conftest.py). Each test that wants a clean
database calls :func:`fresh_database` to get a URL of its own.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["PostgresUnavailable", "find_pg_bin", "fresh_database", "scratch_postgres"]


class PostgresUnavailable(RuntimeError):
    """PostgreSQL's server binaries are not installed here."""


def find_pg_bin() -> Path:
    """Return the newest ``/usr/lib/postgresql/*/bin`` holding ``initdb``."""
    root = Path("/usr/lib/postgresql")
    candidates = sorted(
        (p / "bin" for p in root.glob("*") if (p / "bin" / "initdb").exists()),
        key=lambda p: [int(x) for x in p.parent.name.split(".") if x.isdigit()],
    )
    if not candidates:
        found = shutil.which("initdb")
        if found:
            return Path(found).parent
        raise PostgresUnavailable(
            "PostgreSQL is not installed (apt-get install postgresql); .ci/run installs it"
        )
    return candidates[-1]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_server_user(args: list[str]) -> list[str]:
    """Run as ``postgres`` when we are root (the server refuses root)."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *args]
    return args


@contextmanager
def scratch_postgres() -> Iterator[str]:
    """Start a throw-away server; yield its SQLAlchemy URL (psycopg 3); stop and delete it."""
    pg_bin = find_pg_bin()
    folder = Path(tempfile.mkdtemp(prefix="finder-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, user="postgres")
    port = _free_port()
    db = folder / "db"
    log = folder / "log"
    run = {"check": True, "stdout": subprocess.DEVNULL, "stderr": subprocess.STDOUT, "timeout": 120}
    try:
        subprocess.run(
            _as_server_user([str(pg_bin / "initdb"), "-D", str(db), "-A", "trust", "-U", "postgres"]),
            **run,  # type: ignore[arg-type]
        )
        subprocess.run(
            _as_server_user([
                str(pg_bin / "pg_ctl"), "-D", str(db), "-l", str(log), "-w",
                "-o", f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c max_connections=200",
                "start",
            ]),
            **run,  # type: ignore[arg-type]
        )
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            _as_server_user([str(pg_bin / "pg_ctl"), "-D", str(db), "-m", "immediate", "stop"]),
            check=False, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, timeout=60,
        )
        shutil.rmtree(folder, ignore_errors=True)


def fresh_database(server_url: str) -> str:
    """Create an empty database on the scratch server and return its URL."""
    import sqlalchemy as sa

    name = f"t_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return server_url.rsplit("/", 1)[0] + f"/{name}"

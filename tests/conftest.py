"""Fixtures shared by every test module.

Fixtures specific to one layer live in that layer's test module; only what
several modules need is here.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"
TEST_DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real SAMHSA files in ``../shared/data`` (read-only, never copied here).

    Missing data fails the run in CI (``CI=true``), where it must be present,
    and skips with a reason elsewhere.
    """
    if not SHARED_DATA.is_dir():
        message = f"real data folder {SHARED_DATA} is missing (it is ../shared/data)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return SHARED_DATA


@pytest.fixture(scope="session")
def sample_csv() -> Path:
    """The fictional sample dataset, ``data/sample/providers.csv``."""
    return ROOT / "data" / "sample" / "providers.csv"


@pytest.fixture(scope="session")
def postgres_url():
    """URL of a scratch PostgreSQL server on 127.0.0.1, started once per test session.

    The store and submissions suites run against it as well as SQLite/files, so
    the "several app servers" path is tested against a real server. Missing
    PostgreSQL binaries fail the run in CI (``.ci/run`` installs them) and skip
    elsewhere. Tests that need an empty database call
    ``pgserver.fresh_database(postgres_url)``.
    """
    from pgserver import PostgresUnavailable, find_pg_bin, scratch_postgres

    try:
        find_pg_bin()
    except PostgresUnavailable as err:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(str(err))
        pytest.skip(str(err))
    with scratch_postgres() as url:
        yield url

"""The scratch PostgreSQL fixture really starts a server the tests can use."""

from __future__ import annotations

import sqlalchemy as sa
from pgserver import fresh_database


def test_scratch_postgres_answers_and_gives_fresh_databases(postgres_url):
    first, second = fresh_database(postgres_url), fresh_database(postgres_url)
    assert first != second
    engine = sa.create_engine(first)
    try:
        with engine.connect() as conn:
            assert conn.execute(sa.text("select 1")).scalar() == 1
            assert "127.0.0.1" in str(engine.url)
    finally:
        engine.dispose()

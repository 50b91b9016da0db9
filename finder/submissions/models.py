"""The submissions database's tables (SQLAlchemy Core), as the Alembic migrations create them.

``submissions``
    One row per distinct report about a program. Identical reports are merged
    into one row (``reports`` counts them). ``status`` is ``pending`` until an
    admin decides; ``publishing`` while an approval is being published (a claim,
    so two admins can't apply the same report twice); then ``approved`` or
    ``rejected``. ``email`` is kept only while the row is open.
``submission_attempts``
    When each accepted report arrived and from which session (a one-way hash):
    what the rate limits count. Rows older than a day are deleted.
"""

from __future__ import annotations

import sqlalchemy as sa

__all__ = ["attempts", "metadata", "submissions"]

metadata = sa.MetaData()

submissions = sa.Table(
    "submissions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("program_id", sa.String(64), nullable=False, index=True),
    sa.Column("status", sa.String(16), nullable=False, index=True),
    sa.Column("origin", sa.String(16), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("correction", sa.JSON, nullable=False),
    sa.Column("fingerprint", sa.String(64), nullable=False, index=True),
    sa.Column("reports", sa.Integer, nullable=False, server_default="1"),
    sa.Column("email", sa.String(254), nullable=True),
    sa.Column("session_key", sa.String(64), nullable=False),
    sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("decision", sa.Text, nullable=True),
    sa.Column("applied", sa.JSON, nullable=True),
    sa.Column("version", sa.String(32), nullable=True),
)

attempts = sa.Table(
    "submission_attempts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("session_key", sa.String(64), nullable=False, index=True),
)

"""Submissions and rate-limit attempts (issue 13).

Revision ID: 0001
Revises:
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the two tables."""
    op.create_table(
        "submissions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("program_id", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("origin", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("correction", sa.JSON, nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("reports", sa.Integer, nullable=False, server_default="1"),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("session_key", sa.String(64), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision", sa.Text, nullable=True),
        sa.Column("applied", sa.JSON, nullable=True),
        sa.Column("version", sa.String(32), nullable=True),
    )
    op.create_index("ix_submissions_program_id", "submissions", ["program_id"])
    op.create_index("ix_submissions_status", "submissions", ["status"])
    op.create_index("ix_submissions_fingerprint", "submissions", ["fingerprint"])
    op.create_table(
        "submission_attempts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("session_key", sa.String(64), nullable=False),
    )
    op.create_index("ix_submission_attempts_at", "submission_attempts", ["at"])
    op.create_index("ix_submission_attempts_session_key", "submission_attempts", ["session_key"])


def downgrade() -> None:
    """Drop the two tables."""
    op.drop_table("submission_attempts")
    op.drop_table("submissions")

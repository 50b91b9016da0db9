"""Alembic environment: always run on a connection ``finder.submissions.db`` hands over."""

from __future__ import annotations

from alembic import context

from finder.submissions.models import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata,
                  version_table="submissions_alembic_version", render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()

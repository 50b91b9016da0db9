"""Alembic migrations of the submissions database (run by ``finder.submissions.db``)."""

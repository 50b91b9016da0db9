"""Importers of outside data formats into provider CSV rows.

Each importer returns rows keyed by ``finder.schema.COLUMN_NAMES`` and a
summary of what it read, corrected, merged and skipped; ``write_csv`` writes
them. The admin CLI (``finder import ...``) and the admin refresh use them.
"""

from finder.importers.findtreatment import (
    SOURCE,
    ImportResult,
    import_findtreatment,
    looks_like_findtreatment,
    parse_settings,
    summary_text,
    write_csv,
)

__all__ = [
    "SOURCE",
    "ImportResult",
    "import_findtreatment",
    "looks_like_findtreatment",
    "parse_settings",
    "summary_text",
    "write_csv",
]

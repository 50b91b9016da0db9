"""Counting words: "1 row", "2 rows", by the CLDR plural rules in Babel.

Kept for the modules that import it: the one implementation is
``finder.labels.count`` (``Labels.count``), the label layer's, so plural rules
and number formats live in one place for every language.
"""

from __future__ import annotations

from finder.labels import count

__all__ = ["count"]

"""Counting words: "1 row", "2 rows", by the CLDR plural rules in Babel.

One helper for every count a person reads ("1 invalid row left out", not
"1 invalid rows"), so that a later translation only changes the locale.
"""

from __future__ import annotations

import functools

__all__ = ["count"]


@functools.cache
def _locale(name: str):
    from babel import Locale

    return Locale.parse(name)


def count(n: int, one: str, other: str, *, locale: str = "en") -> str:
    """Return ``n`` with the noun in the right plural form.

    Parameters
    ----------
    n : int
        How many.
    one, other : str
        The noun (with any words around it) for CLDR's "one" and "other" forms,
        e.g. ``"invalid row"`` and ``"invalid rows"``.
    locale : str
        Whose plural rules to use.

    Returns
    -------
    str
        E.g. ``"1 invalid row"``, ``"0 invalid rows"``, ``"2 invalid rows"``.

    Examples
    --------
    >>> count(1, "row", "rows")
    '1 row'
    >>> count(3, "program", "programs")
    '3 programs'
    """
    form = _locale(locale).plural_form(n)
    return f"{n:,} {one if form == 'one' else other}"

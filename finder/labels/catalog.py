"""The catalogs' upkeep: extract the source's messages, update each ``.po``, check them.

``python -m finder.labels.catalog update`` (``make messages``) rewrites
``finder/locales/messages.pot`` from the source and merges it into every
``finder/locales/<code>/LC_MESSAGES/messages.po``: new messages arrive empty,
changed ones are marked fuzzy, and a translator fills them in.
``python -m finder.labels.catalog check`` says what is missing; the test suite
runs the same check, so CI fails while any message lacks a Spanish
translation.
"""

from __future__ import annotations

import argparse
import io
import string
import sys
from collections.abc import Sequence
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from finder.labels import DOMAIN, LOCALES_DIR, available_locales, catalog_path

__all__ = ["KEYWORDS", "MAPPING", "TEMPLATE", "check", "extract", "main", "update"]

ROOT = LOCALES_DIR.parent.parent
TEMPLATE = LOCALES_DIR / f"{DOMAIN}.pot"
#: The translating calls and markers, as Babel keyword specs (argument positions).
#: ``_``/``N_``/``f``/``gettext``/``format``/``g``/``say``/``Say`` take the message first;
#: ``n``/``ng``/``ngettext``/``plural`` take singular and plural.
KEYWORDS: dict[str, tuple[int, ...] | None] = {
    "_": None, "N_": None, "f": None, "gettext": None, "format": None, "g": None, "say": None,
    "Say": None, "n": (1, 2), "ng": (1, 2), "ngettext": (1, 2), "plural": (1, 2),
}
#: The extraction mapping (which files, which extractor): ``babel.cfg`` at the repository's root.
MAPPING = ROOT / "babel.cfg"
#: What no searcher reads: the command line's own output, the admin pages (they may
#: stay English), and the catalogs themselves.
_SKIP = ("finder/locales", "finder/cli/", "finder/submissions/", "finder/ui/admin.py",
         "finder/ui/review.py", "finder/ui/coverage.py")
#: Except ``finder search``, which prints in the language of ``--lang``, and the checks
#: and refusals of the public "Update this listing" form (their ``Say`` sentences; the
#: admin's own messages there are plain strings, not extracted, and stay English).
_KEEP = ("finder/cli/search.py", "finder/submissions/correction.py",
         "finder/submissions/queue.py")


def extract() -> Catalog:
    """Return every message the source marks for translation, with where it is used.

    Returns
    -------
    babel.messages.catalog.Catalog
    """
    catalog = Catalog(domain=DOMAIN, project="IOP Finder", msgid_bugs_address="",
                      charset="utf-8")
    from babel.messages.frontend import parse_mapping_cfg

    with MAPPING.open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    for filename, lineno, message, comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS, comment_tags=("Translators:",),
        strip_comment_tags=True,
    ):
        if (filename.startswith(_SKIP) and filename not in _KEEP) or not message or not any(message if isinstance(
                message, tuple) else (message,)):
            continue
        if isinstance(message, tuple) and not all(message):
            message = next(m for m in message if m)  # a call with a non-literal plural
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def update() -> list[Path]:
    """Write the template and merge it into every locale's ``.po``.

    Returns
    -------
    list of Path
        The files written.
    """
    template = extract()
    written = [TEMPLATE]
    with TEMPLATE.open("wb") as handle:
        write_po(handle, template, width=100, omit_header=False, sort_by_file=True)
    for code in available_locales()[1:]:
        path = catalog_path(code)
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=code, domain=DOMAIN)
        catalog.update(template, no_fuzzy_matching=False)
        with path.open("wb") as handle:
            write_po(handle, catalog, width=100, ignore_obsolete=True, sort_by_file=True)
        written.append(path)
    return written


def check(locale: str) -> list[str]:
    """Say what keeps a locale's catalog from being complete, or nothing.

    Parameters
    ----------
    locale : str

    Returns
    -------
    list of str
        One line per message of the source that is missing, empty or fuzzy
        in the catalog, and any error from compiling it.
    """
    path = catalog_path(locale)
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=locale, domain=DOMAIN)
    problems = []
    for message in extract():
        if not message.id:
            continue
        found = catalog.get(message.id, message.context)
        where = ", ".join(f"{f}:{n}" for f, n in message.locations[:2])
        if found is None:
            problems.append(f"missing: {_first(message.id)!r} ({where})")
        elif found.fuzzy:
            problems.append(f"fuzzy: {_first(message.id)!r} ({where})")
        elif not all(found.string if isinstance(found.string, tuple) else (found.string,)):
            problems.append(f"empty: {_first(message.id)!r} ({where})")
        else:
            problems.extend(_field_problems(message.id, found.string, where))
    for message, errors in catalog.check():
        problems.extend(f"invalid: {_first(message.id)!r}: {err}" for err in errors)
    try:
        write_mo(io.BytesIO(), catalog, use_fuzzy=False)
    except Exception as err:  # any failure to compile is the finding
        problems.append(f"does not compile: {err}")
    return problems


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _field_problems(message_id: object, translation: object, where: str) -> list[str]:
    """Check that a translation fills in exactly the message's ``{fields}`` (else .format fails)."""
    ids = message_id if isinstance(message_id, tuple) else (message_id,)
    strings = translation if isinstance(translation, tuple) else (translation,)
    expected = set().union(*(_fields(str(i)) for i in ids))
    problems = []
    for text in strings:
        try:
            found = _fields(str(text))
        except ValueError as err:
            problems.append(f"invalid: {_first(message_id)!r}: {err} ({where})")
            continue
        # A singular may leave the count out ("Ver el programa"), nothing else.
        if found - expected or expected - found - {"n"}:
            problems.append(f"fields: {_first(message_id)!r}: {sorted(found)} for "
                            f"{sorted(expected)} ({where})")
    return problems


def _first(message_id: object) -> str:
    text = message_id[0] if isinstance(message_id, tuple) else str(message_id)
    return text.strip()[:70]


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``update`` or ``check`` from the command line.

    Parameters
    ----------
    argv : sequence of str, optional

    Returns
    -------
    int
        0 when done (``check``: when every listed locale is complete), 1 otherwise.
    """
    parser = argparse.ArgumentParser(prog="python -m finder.labels.catalog")
    parser.add_argument("action", choices=("update", "check"))
    parser.add_argument("locales", nargs="*", help="for check: the locales (default: es)")
    args = parser.parse_args(argv)
    if args.action == "update":
        for path in update():
            print(f"wrote {path.relative_to(ROOT)}")
        return 0
    status = 0
    for code in args.locales or ["es"]:
        problems = check(code)
        print(f"{code}: {len(problems)} problem(s)")
        for line in problems:
            print(f"  {line}")
        status |= bool(problems)
    return status


if __name__ == "__main__":
    sys.exit(main())

"""The rules that keep the layers apart (docs: ARCHITECTURE's "Rules that keep it livable").

* Only ``finder/store/`` names a file of the data folder: everything else asks
  the store (``finder.store``), so the data can live in a folder or in PostgreSQL.
* Only ``finder/ui/`` and ``streamlit_app.py`` import streamlit.
* Only ``finder/maprender.py`` imports folium.

Checked on the syntax tree, so comments and docstrings may still mention a
file name for the reader; a string the code uses may not.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from finder.store import base, files

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "finder"

#: The data folder's file names, as the store defines them.
DATA_FOLDER_NAMES = (
    files.PROVIDERS_NAME,
    files.META_NAME,
    files.LOCK_NAME,
    files.SUBMISSIONS_NAME,
    *base._CACHE_FILES.values(),
)


def _modules() -> Iterator[Path]:
    yield ROOT / "streamlit_app.py"
    yield from sorted(PACKAGE.rglob("*.py"))


def _relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _docstring_nodes(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def _strings(path: Path) -> Iterator[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = _docstring_nodes(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            yield node.lineno, node.value


def _imports(path: Path) -> Iterator[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module.split(".")[0]


def _names_a_file(text: str) -> bool:
    """A string used as a file name or path (help sentences may mention one for the reader)."""
    return not any(c.isspace() for c in text) and any(name in text for name in DATA_FOLDER_NAMES)


def test_the_data_folder_names_are_what_the_store_writes() -> None:
    assert "providers.csv" in DATA_FOLDER_NAMES
    assert "providers.meta.json" in DATA_FOLDER_NAMES
    assert ".validated-cache.pickle" in DATA_FOLDER_NAMES


def test_only_the_store_names_a_file_of_the_data_folder() -> None:
    store_dir = PACKAGE / "store"
    offenders = [
        f"{_relative(path)}:{line}: {text!r}"
        for path in _modules()
        if store_dir not in path.parents
        for line, text in _strings(path)
        if _names_a_file(text)
    ]
    assert not offenders, "ask finder.store instead of naming its files:\n" + "\n".join(offenders)


@pytest.mark.parametrize(
    ("library", "allowed"),
    [
        ("streamlit", lambda rel: rel == "streamlit_app.py" or rel.startswith("finder/ui/")),
        ("streamlit_folium", lambda rel: rel.startswith("finder/ui/")),
        ("folium", lambda rel: rel == "finder/maprender.py"),
    ],
)
def test_a_library_is_imported_only_where_it_belongs(library, allowed) -> None:
    offenders = [
        f"{_relative(path)}:{line}"
        for path in _modules()
        if not allowed(_relative(path))
        for line, name in _imports(path)
        if name == library
    ]
    assert not offenders, f"{library} imported outside its layer:\n" + "\n".join(offenders)


def test_the_checks_see_a_violation(tmp_path: Path) -> None:
    """The scanners find what they look for (so a passing test means something)."""
    sample = tmp_path / "bad.py"
    sample.write_text('"""Docs may say providers.csv."""\nimport folium\nPATH = "data/providers.csv"\n',
                      encoding="utf-8")
    assert [text for _, text in _strings(sample)] == ["data/providers.csv"]
    assert [text for _, text in _strings(sample) if _names_a_file(text)] == ["data/providers.csv"]
    assert "folium" in {name for _, name in _imports(sample)}

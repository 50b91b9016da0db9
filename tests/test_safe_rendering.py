"""Issue 17: one way to put untrusted text on a page, checked on the source.

Every Streamlit call in ``finder/ui`` that renders Markdown (``st.markdown``,
``st.error``, ``st.caption``, titles, button and widget labels, ...) must get
its text from ``finder.ui.safe`` (``md``, ``html``, ``md_link``, ``html_link``),
from a number, or from a value reviewed below as built only from constants or
escaped parts. A new interpolation of anything else fails this test: route it
through ``safe.md`` (or review it and add it here, saying why it is safe).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UI = ROOT / "finder" / "ui"

RENDERING = {
    "markdown", "caption", "error", "info", "warning", "success", "title", "header", "subheader",
    "write", "toast", "button", "page_link", "expander", "checkbox", "radio", "selectbox",
    "multiselect", "text_input", "text_area", "download_button", "form_submit_button",
    "link_button", "metric",
}
#: Calls whose result is escaped, a number, or our own fixed words.
SAFE_CALLS = {
    "md", "html", "md_link", "html_link", "len", "int", "round", "count", "max", "min",
    "_accepting_text", "_freshness", "_table_html", "_tel", "_time_label", "_banner_html",
    "_table",  # review.py: every cell through safe.html
    "md_text",  # update.py: the thank-you constants
}
#: Reviewed: constants of ours, numbers, or strings assembled only from md()/safe parts.
REVIEWED = {
    "PASSWORD_ENV", "NOTHING_TO_PUBLISH", "DATA_UNAVAILABLE", "CSS", "NOTES_PRIVACY", "MAX_COMPARE",
    "ELSEWHERE", "WHAT_IS_IOP", "NOT_FOUND", "PROGRAM_PAGE", "COMPARE_PAGE", "FIND_PAGE", "find.PAGE",
    "report.valid_rows", "plan.geocoded", "server_mb", "count", "total", "start", "page",
    "pages", "n", "more", "q",  # numbers, and the fixed CALL_SCRIPT questions
    "advice", "source", "directions", "badges", "where", "table", "label", "disclosure",
    "done",  # the admin's success message, built with md() when publishing
    "contact", "details", "phones",  # lists of md()/md_link() parts (find, program, review)
    "s.id", "times", "_PAGE", "i", "line",  # review.py: ids and counts; CALL_SCRIPT lines
    "EMAIL_HELP", "FORM_INTRO",  # update.py constants
    # issue 15: safe.html() of a catalog word; n() of constants; f() with a Babel number.
    "region", "heading", "away", "sessions", "submit",
}


#: finder.ui.i18n (issue 15): the catalog's words are ours, like a constant. ``_`` takes a
#: constant or a reviewed table of constants; ``f`` and ``n`` take constants, and every value
#: they fill in must itself be safe; ``say``, ``describe`` and ``place`` escape the data they carry
#: with ``escape=md``; day, time and number names come from Babel.
TRANSLATING = {"_", "f", "n", "say", "describe", "place", "reason", "plan_note", "schedule",
               "day", "time", "number", "vocab", "language"}
TRANSLATED_TABLES = ("WHEN_LABELS[", "LEVEL_LABELS[", "SORT_LABELS[", "ATTEND_LABELS[")


def _translated(name: str, node: ast.Call) -> bool:
    if name == "_":
        (arg,) = node.args
        text = ast.unparse(arg)
        return _safe(arg) or text.startswith(TRANSLATED_TABLES) or text in REVIEWED
    if name in ("f", "n"):
        return all(isinstance(a, ast.Constant) or _safe(a) for a in node.args) and all(
            _safe(k.value) for k in node.keywords)
    if name in ("say", "describe", "place"):
        return any(k.arg == "escape" and ast.unparse(k.value) == "md" for k in node.keywords)
    # Words made from closed vocabularies (reason codes, enums, Babel's names)
    # are not data, but the UI still passes them through md(); these are safe
    # only where the test finds them inside md().
    return name in ("day", "time", "number")


def _safe(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "join" and isinstance(func.value, ast.Constant):
            return all(_safe(arg) for arg in node.args)
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name in TRANSLATING:
            return _translated(name, node)
        return name in SAFE_CALLS
    if isinstance(node, ast.BinOp):
        return _safe(node.left) and _safe(node.right)
    if isinstance(node, ast.IfExp):
        return _safe(node.body) and _safe(node.orelse)
    if isinstance(node, ast.GeneratorExp | ast.ListComp):
        return _safe(node.elt)
    if isinstance(node, ast.JoinedStr):
        return all(_safe(v.value) for v in node.values if isinstance(v, ast.FormattedValue))
    return ast.unparse(node) in REVIEWED


def _numeric(value: ast.FormattedValue) -> bool:
    spec = ast.unparse(value.format_spec) if value.format_spec else ""
    return any(kind in spec for kind in ("f'", "g'", "d'", "f\"", "g\"", "d\"")) or spec.endswith(
        ("f'", "g'", "d'"))


def unsafe_renderings() -> list[str]:
    found = []
    for path in sorted(UI.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in RENDERING and node.args):
                continue
            text = node.args[0]
            where = f"{path.relative_to(ROOT)}:{text.lineno}"
            if isinstance(text, ast.JoinedStr | ast.BinOp):
                for sub in ast.walk(text):
                    if (isinstance(sub, ast.FormattedValue) and not _numeric(sub)
                            and not _safe(sub.value)):
                        found.append(f"{where}: {ast.unparse(sub.value)}")
            elif not _safe(text):
                found.append(f"{where}: {ast.unparse(text)}")
    return found


def test_every_rendered_text_in_the_ui_goes_through_the_safe_helpers():
    assert unsafe_renderings() == []


def test_the_check_catches_an_unescaped_interpolation(tmp_path, monkeypatch):
    page = tmp_path / "finder" / "ui"
    page.mkdir(parents=True)
    (page / "page.py").write_text(
        "import streamlit as st\n"
        "def render(p, err):\n"
        "    st.markdown(f'[Website]({p.website})')\n"
        "    st.error(err.user_message)\n"
        "    st.caption(f'{md(p.source)} {3.5:.1f}')\n"
    )
    monkeypatch.setattr(__import__(__name__), "UI", page)
    monkeypatch.setattr(__import__(__name__), "ROOT", tmp_path)
    assert unsafe_renderings() == ["finder/ui/page.py:3: p.website", "finder/ui/page.py:4: err.user_message"]

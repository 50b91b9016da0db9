"""The case manager's page: the shortlist side by side, notes, exports and a share link."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlencode

import streamlit as st

from finder.compare import MAX_COMPARE, Row, comparison, week_grid
from finder.export import ExportMeta, export_rows
from finder.labels import N_
from finder.model import Insurance
from finder.ui import common, safe
from finder.ui.i18n import _, f, n, words
from finder.ui.safe import md

if TYPE_CHECKING:
    from collections.abc import Sequence

    from finder.config import Settings
    from finder.model import Program
    from finder.search import Catalog, Match, SearchQuery

#: Notes live in ``st.session_state``: the server's memory for this session only.
NOTES_PRIVACY = N_("Notes are kept only for this session and in the files you export. "
                   "They are never saved on our server.")


def _shortlist(catalog: Catalog) -> list[Program]:
    ids = list(st.session_state.get("sl") or [])
    by_id = {p.program_id: p for p in catalog.programs}
    return [by_id[i] for i in ids if i in by_id]


def _remove(program_id: str) -> None:
    st.session_state["sl"] = [i for i in st.session_state.get("sl") or [] if i != program_id]


def _save_note(program_id: str) -> None:
    notes = dict(st.session_state.get("notes") or {})
    notes[program_id] = st.session_state.get(f"note_{program_id}", "")
    st.session_state["notes"] = notes


def _headings(programs: Sequence[Program]) -> list[tuple[str, str]]:
    """Column headings that tell programs apart: the name, then organization and town.

    Two programs may share a name ("Day & Evening IOP - Springfield"); the
    organization under it tells them apart (issue 18).
    """
    return [(p.program_name, " · ".join(x for x in (p.organization, p.city) if x)) for p in programs]


def _table_html(rows: list[Row], names: list[tuple[str, str]]) -> str:
    esc = safe.html
    head = "".join(
        f"<th scope='col'>{esc(name)}<br><span class='cmp-org'>{esc(org)}</span></th>"
        for name, org in names
    )
    body = []
    for row in rows:
        cls = " class='differs'" if row.differs else ""
        cells = []
        for i, value in enumerate(row.values):
            mine = " class='mine'" if row.highlight and row.highlight[i] else ""
            cells.append(f"<td{mine}>{esc(value)}</td>")
        body.append(f"<tr{cls}><th scope='row'>{esc(row.label)}</th>{''.join(cells)}</tr>")
    return (
        "<div class='cmp-wrap'><table class='cmp'><thead><tr><th scope='col'>" + esc(_("Program"))
        + "</th>"
        f"{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
    )


CSS = """
<style>
.cmp-wrap { overflow-x: auto; }
table.cmp { border-collapse: collapse; font-size: 0.9rem; min-width: 100%; }
table.cmp th, table.cmp td { border: 1px solid #c9ced6; padding: 0.35rem 0.5rem; vertical-align: top; }
table.cmp thead th { background: #eef2f7; text-align: left; }
table.cmp thead th .cmp-org { font-weight: 400; font-size: 0.85rem; color: #333; }
table.cmp tbody th { background: #f7f9fb; text-align: left; white-space: nowrap; }
table.cmp tr.differs th::after { content: " ≠"; color: #8a3b00; }
table.cmp tr.differs td { background: #fffbea; }
table.cmp td.mine { background: #d7f5dd; font-weight: 600; }
</style>
"""


def _matches_for(programs: Sequence[Program], catalog: Catalog, cfg: Settings,
                 ) -> tuple[SearchQuery | None, SearchQuery | None, list[Match | None] | None]:
    """The person's search, and distances and fit for the shortlisted programs.

    Returns ``(query, distance_query, matches)``: ``query`` is the search as the
    person set it (for the export's heading); ``distance_query`` drops the
    filters so that every shortlisted program gets its distance and fit, even
    one the current filters would hide. All None without a location.
    """
    from finder.search import search
    from finder.ui import find

    place = find.current_place(cfg)
    if place is None:
        return None, None, None
    distance_query = find.build_query(place, filters=False)
    result = search(catalog, distance_query)
    by_id = {m.program.program_id: m for m in result.matches}
    return find.build_query(place), distance_query, [by_id.get(p.program_id) for p in programs]


def render() -> None:
    """Draw the shortlist page."""
    cfg = common.settings()
    # Wide: three or more columns side by side fit without scrolling sideways.
    st.set_page_config(layout="wide")
    nav = common.page_chrome(cfg)
    from finder.ui import find

    find.restore_state()
    common.page_nav(nav)
    st.title(_("Shortlist & compare"))
    loaded = common.catalog_or_explain(cfg)
    if loaded is None:
        return
    catalog, info = loaded
    programs = _shortlist(catalog)
    find.sync_url(None, shortlist_only=True)
    if not programs:
        st.info(_("Your shortlist is empty. On **Find a program**, press **Add to shortlist** on "
                  "the programs you want to compare (2 to 6)."))
        return

    query, distance_query, matches = _matches_for(programs, catalog, cfg)
    st.markdown(n("**{n} program on your shortlist.**", "**{n} programs on your shortlist.**",
                  len(programs)) + " " + _(NOTES_PRIVACY))
    for p in programs:
        with st.container(border=True):
            cols = st.columns([4, 1])
            cols[0].markdown(f"**{md(p.program_name)}** · {md(p.organization)} · {md(p.city)}")
            cols[1].button(_("Remove"), key=f"cmp_rm_{p.program_id}", on_click=_remove,
                           args=(p.program_id,))
            notes = st.session_state.get("notes") or {}
            st.session_state.setdefault(f"note_{p.program_id}", notes.get(p.program_id, ""))
            st.text_area(_("Notes for this program"), key=f"note_{p.program_id}", height=68,
                         on_change=_save_note, args=(p.program_id,),
                         placeholder=_("e.g. client prefers evenings; called 11/20, "
                                       "callback Monday"))
            from finder.ui import update

            update.update_listing(p, "cmp")

    shown = programs[:MAX_COMPARE]
    if len(programs) > MAX_COMPARE:
        st.warning(f("Comparing the first {count}. Remove some to compare others.",
                     count=MAX_COMPARE))
    if len(shown) >= 2:
        st.subheader(_("Side by side"))
        st.caption(_("Rows marked ≠ differ between programs. Green = takes your client's plan."))
        plans = tuple(Insurance(v) for v in st.session_state.get("ins") or [])
        distances = [m.distance_miles if m else None for m in matches] if matches else None
        fits = None
        available = distance_query.available if distance_query is not None else ""
        if matches and available:
            fits = [str(m.fit or "—") if m else "—" for m in matches[:MAX_COMPARE]]
        rows = comparison(shown, distances_miles=distances[:MAX_COMPARE] if distances else None,
                          fits=fits, plans=plans, words=words())
        st.markdown(CSS + _table_html(rows, _headings(shown)), unsafe_allow_html=True)
        st.subheader(_("Week at a glance"))
        if available:
            st.caption(f("✓ inside your client's availability ({hours}); ✗ outside it.",
                         hours=md(words().schedule(available))))
        st.markdown(_table_html(week_grid(shown, available, words()), _headings(shown)),
                    unsafe_allow_html=True)
    else:
        st.info(_("Add at least one more program to compare side by side."))

    _exports(programs, matches, query, words().say(info["source"]))
    _share_link()


def _exports(programs: Sequence[Program], matches: Sequence[Match | None] | None,
             query: SearchQuery | None, data_source: str) -> None:
    """Export the shortlist, stating the person's own search (with its filters)."""
    class _Row:  # a program with no location yet still exports
        def __init__(self, program: Program) -> None:
            self.program = program
            self.distance_miles = None

    items = [m if m is not None else _Row(p) for p, m in zip(programs, matches or [None] * len(programs),
                                                             strict=True)]
    label = words()
    meta = ExportMeta(
        title=_("IOP Finder shortlist"),
        search=label.describe(query) if query is not None else _("Shortlist (no location given)"),
        data_source=data_source,
        locale=label.locale,
    )
    rows = export_rows(items, st.session_state.get("notes") or {}, locale=label.locale)
    st.subheader(_("Export"))
    common.export_buttons(lambda: rows, meta, stem="iop-shortlist", key_prefix="dl")


def _share_link() -> None:
    from finder.ui import find

    query = urlencode(find.shareable_params(), safe=",:")
    base = _base_url()
    st.subheader(_("Share"))
    st.caption(_("Copy this link to reopen the search and shortlist. It holds no street address "
                 "and no notes."))
    st.code(share_url(base, query), language=None)


def share_url(base: str, query: str) -> str:
    """The link to the Find page with this search: the app's root plus the query string.

    The Find page is the default page, served at the root: ``/find`` opens a
    "Page not found" dialog in Streamlit 1.67 (issue 18).
    """
    return f"{base}?{query}" if query else base


def _base_url() -> str:
    """The app's root URL (with any ``server.baseUrlPath``), ending in ``/``."""
    try:
        url = str(st.context.url)
    except Exception:
        return "/"
    return url.split("?", 1)[0].split("#", 1)[0].rsplit("/", 1)[0] + "/"

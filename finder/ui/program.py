"""One page per program, at a stable address: ``/program?id=<program_id>``.

A case manager can send one program; the result cards link here. The page
shows every field the exports carry (one list of fields, ``EXPORT_COLUMNS``),
the map, directions, click-to-call, and the shortlist button.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote_plus

import streamlit as st

from finder.labels import N_
from finder.model import LatLon
from finder.ui import common, safe
from finder.ui.i18n import _, f, words
from finder.ui.safe import md
from finder.urlstate import parse_program_id

if TYPE_CHECKING:
    from finder.config import Settings
    from finder.model import Place, Program
    from finder.search import Catalog, Match

#: The page file, for ``st.page_link`` and ``st.switch_page``.
PAGE = "finder/ui/pages/program.py"

NOT_FOUND = N_(
    "We couldn't find that program. The link may be mistyped, or the program may have "
    "left the list. Search for programs near you instead, or call the Massachusetts "
    "Substance Use Helpline at [800-327-5050](tel:+18003275050)."
)

def link(program_id: str) -> dict[str, str]:
    """The query parameters of a program's page (for ``st.page_link``): its id and language."""
    from finder.ui import find

    return find.program_link(program_id)


def render() -> None:
    """Draw the page of the program named by ``?id=``."""
    cfg = common.settings()
    nav = common.page_chrome(cfg)
    from finder.ui import find

    find.restore_state()
    common.page_nav(nav)
    program_id = parse_program_id(st.query_params.get_all("id"))
    loaded = common.catalog_or_explain(cfg)
    if loaded is None:
        return
    catalog, info = loaded
    program = next((p for p in catalog.programs if p.program_id == program_id), None)
    if program is None:
        st.title(_("Program not found"))
        st.warning(_(NOT_FOUND), icon=":material/search_off:")
        st.page_link(find.PAGE, label=_("Find a program"), icon=":material/search:")
        return
    # Keep the address stable and shareable, whatever else the URL held.
    if dict(st.query_params) != link(program.program_id):
        st.query_params.from_dict(link(program.program_id))
    match, place = _match(program, catalog, cfg)
    _details(program, match, place, words().say(info["source"]), cfg)


def _match(program: Program, catalog: Catalog, cfg: Settings) -> tuple[Match | None, Place | None]:
    """The program as a search match: from the person's place if known, else from itself.

    Returns ``(match, place)``; ``place`` is None when the person has not
    searched, and then the distance is not shown.
    """
    from finder.search import SearchQuery, search
    from finder.ui import find

    place = find.current_place(cfg)
    if place is not None:
        origin = LatLon(place.lat, place.lon)
    elif program.latlon is not None:
        origin = program.latlon
    else:
        return None, None  # no location to measure from: no distance, no map
    query = SearchQuery(origin=origin, origin_label=place.label if place else program.city,
                        radius_miles=None, include_unknown_schedule=True)
    if place is not None:
        query = find.build_query(place, filters=False)
    found = [m for m in search(catalog, query).matches if m.program.program_id == program.program_id]
    return (found[0] if found else None), place


def _details(program: Program, match: Match | None, place: Place | None, data_source: str,
             cfg: Settings) -> None:
    from finder.export import export_rows, headers
    from finder.ui import find

    p = program
    label = words()
    st.title(md(p.program_name))  # a title renders Markdown too
    where = (" · " + f("**{miles} miles** from {place}", miles=label.number(match.distance_miles, 1),
                       place=label.place(place.label, escape=md))) if match and place else ""
    st.markdown(f"{md(p.organization)} · {md(p.level_of_care)}{where}")
    directions = "https://www.openstreetmap.org/directions?to=" + quote_plus(
        f"{p.latitude},{p.longitude}"
    )
    st.markdown(f":material/location_on: {md(p.address)} · [" + _("Directions") + f"]({directions})")
    contact = [f":material/call: [{md(p.phone)}]({find._tel(p.phone)})"]
    if p.intake_phone:
        contact.append(_("Intake:") + f" [{md(p.intake_phone)}]({find._tel(p.intake_phone)})")
    if p.website and safe.web_url(p.website):
        contact.append(safe.md_link(_("Website"), p.website))
    st.markdown(" · ".join(contact))
    st.markdown(find._accepting_text(p))
    cols = st.columns(2)
    with cols[0]:
        find._shortlist_button(p.program_id)
    with cols[1]:
        from finder.ui import update

        update.update_listing_button(p, "page")
    update.update_listing_form(p, "page")  # at full width, below the buttons (issue 13)
    find.shortlist_link()

    st.subheader(_("All the details in this listing"))
    row = export_rows([match] if match else [_Bare(p)], locale=label.locale)[0]
    lines = [
        (header, row.get(key))
        for key, header in headers(label.locale)
        if key not in ("notes", "distance_miles", "fit") and row.get(key) not in (None, "")
    ]
    table = "".join(
        f"<tr><th scope='row'>{safe.html(label)}</th><td>{safe.html(value)}</td></tr>"
        for label, value in lines
    )
    st.markdown(CSS + f"<table class='program-fields'><tbody>{table}</tbody></table>",
                unsafe_allow_html=True)
    st.caption(f("Data: {source}. Call the program to confirm before you go.",
                 source=md(data_source)))
    _map(p, match, place, cfg)
    st.page_link(find.PAGE, label=_("Back to Find a program"), icon=":material/arrow_back:")


class _Bare:
    """A program with no search match (it has no coordinates): still shown in full."""

    def __init__(self, program: Program) -> None:
        self.program = program
        self.distance_miles = None


def _map(program: Program, match: Match | None, place: Place | None, cfg: Settings) -> None:
    if match is None:
        st.caption(_("This program has no map location yet."))
        return
    from streamlit_folium import st_folium

    from finder.maprender import build_map

    st.subheader(_("Map"))
    fmap = build_map([match], place, None, locale=words().locale, tiles_url=cfg.tiles_url,
                     tiles_attribution=cfg.tiles_attribution)
    st_folium(fmap, returned_objects=[], height=360, use_container_width=True, key="program_map")


CSS = """
<style>
table.program-fields { border-collapse: collapse; width: 100%; font-size: 0.95rem; }
table.program-fields th, table.program-fields td { text-align: left; vertical-align: top;
  padding: 0.3rem 0.5rem 0.3rem 0; border-top: 1px solid #e3e3e3; overflow-wrap: anywhere; }
table.program-fields th { width: 11rem; font-weight: 600; }
@media (max-width: 640px) { table.program-fields th { width: 8rem; } }
</style>
"""

"""IOP Finder: the Streamlit app. Widgets build a query, ``finder`` answers it, pages render it."""

from pathlib import Path

import streamlit as st

from finder.assets import ensure_static_assets
from finder.ui.admin import admin_enabled
from finder.ui.common import favicon
from finder.ui.i18n import _, f

st.set_page_config(
    page_title=_("IOP Finder: Massachusetts intensive outpatient programs"),
    page_icon=favicon(),
    layout="centered",
    menu_items={"About": _("IOP Finder helps people in Massachusetts find intensive outpatient "
                           "programs for substance use. Crisis? Call or text 988.")},
)
# Leaflet, jQuery and MarkerCluster are served by this app (static/), never from a CDN.
ensure_static_assets(Path(__file__).parent / "static")

shortlisted = len(st.session_state.get("sl") or [])
pages = [
    st.Page("finder/ui/pages/find.py", title=_("Find a program"), icon=":material/search:", url_path="find", default=True),
    st.Page("finder/ui/pages/compare.py",
            title=f("Shortlist ({count}) & compare", count=shortlisted) if shortlisted
            else _("Shortlist & compare"),
            icon=":material/checklist:", url_path="compare"),
    # One page per program, reached from the cards and shared as /program?id=...
    st.Page("finder/ui/pages/program.py", title=_("Program"), icon=":material/info:", url_path="program",
            visibility="hidden"),
]
# The Admin page is in the navigation only when an admin password is set: a visitor
# has no use for a page that says it is off.
if admin_enabled():
    pages.append(st.Page("finder/ui/pages/admin.py", title="Admin", icon=":material/lock:", url_path="admin"))
st.navigation(pages, position="top").run()

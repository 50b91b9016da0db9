"""The case manager's page: the shortlist side by side (issue 7)."""

from __future__ import annotations

import streamlit as st

from finder.ui import common


def render() -> None:
    """Draw the shortlist page."""
    cfg = common.settings()
    common.page_chrome(cfg)
    st.title("Shortlist & compare")
    st.info("Add programs to your shortlist from the search results to compare them here.")

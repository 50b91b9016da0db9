"""The admin page: refresh the provider dataset safely (issue 8)."""

from __future__ import annotations

import streamlit as st

from finder.ui import common


def render() -> None:
    """Draw the admin page."""
    cfg = common.settings()
    common.page_chrome(cfg)
    st.title("Admin")
    st.info("The admin page is not available yet.")

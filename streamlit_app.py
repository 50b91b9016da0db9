"""IOP Finder, the Streamlit app (placeholder until the search page lands)."""

import streamlit as st

st.set_page_config(page_title="IOP Finder (Massachusetts)", page_icon="🧭")
st.title("IOP Finder")
st.write("Find an intensive outpatient program for substance use in Massachusetts.")

"""The Streamlit pages. Only this package and ``streamlit_app.py`` import streamlit."""

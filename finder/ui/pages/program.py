"""Page script for st.navigation (a file, so AppTest can switch to it)."""

from finder.ui import program

program.render()

"""AppTest flows for the shortlist/compare page (issue 7) and the admin page (issue 8)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from apphelpers import copy_sample_data, use_data_dir
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "streamlit_app.py")
COMPARE = "finder/ui/pages/compare.py"
ADMIN = "finder/ui/pages/admin.py"
PASSWORD = "correct horse battery"


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    """A private copy of the sample data; admin password set; geocoder offline."""
    folder = copy_sample_data(tmp_path / "data")
    return use_data_dir(monkeypatch, folder, admin_password=PASSWORD)


def app(query_params=None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in (query_params or {}).items():
        at.query_params[key] = value
    return at.run()


def add_buttons(at):
    return [b.key for b in at.button if b.key and b.key.startswith("add_")]


def shortlist_of_three(at: AppTest) -> AppTest:
    at.text_input(key="q").input("02139").run()
    for _ in range(3):
        at.button(key=add_buttons(at)[0]).click().run()
    return at


def test_add_and_remove_from_shortlist_survives_a_new_search(data_dir):
    at = shortlist_of_three(app())
    assert len(at.session_state["sl"]) == 3
    first = at.session_state["sl"][0]
    at.button(key=f"rm_{first}").click().run()
    assert first not in at.session_state["sl"]
    at.text_input(key="q").input("Worcester").run()
    assert len(at.session_state["sl"]) == 2
    assert at.query_params["sl"] == ",".join(at.session_state["sl"])


def test_compare_page_shows_programs_side_by_side(data_dir):
    at = shortlist_of_three(app())
    at.multiselect(key="ins").set_value(["MassHealth"]).run()
    at.switch_page(COMPARE).run()
    assert not at.exception
    html = "\n".join(str(m.value) for m in at.markdown)
    assert "table class='cmp'" in html
    for label in ("Distance", "Sessions", "Hours per week", "Insurance", "MOUD",
                  "Co-occurring mental health", "Populations", "Languages",
                  "Accepting new clients", "Intake", "Phone", "Website", "Last verified"):
        assert f"<th scope='row'>{label}</th>" in html, label
    assert "Week at a glance" in [s.value for s in at.subheader]
    assert " mi</td>" in html


def test_notes_stay_in_the_session_and_go_into_exports(data_dir):
    at = shortlist_of_three(app())
    at.switch_page(COMPARE).run()
    first = at.session_state["sl"][0]
    at.text_area(key=f"note_{first}").input("=cmd() client prefers evenings").run()
    assert at.session_state["notes"][first] == "=cmd() client prefers evenings"
    downloads = {d.label: d for d in at.get("download_button")}
    assert set(downloads) >= {"CSV", "Excel", "Print view (HTML)"}


def test_shared_link_reopens_the_same_shortlist(data_dir):
    first = shortlist_of_three(app())
    params = {k: first.query_params[k] for k in first.query_params}
    again = app(params)
    assert again.session_state["sl"] == first.session_state["sl"]
    again.switch_page(COMPARE).run()
    assert not again.exception
    assert sum(1 for b in again.button if b.label == "Remove") == 3
    link = next(c.value for c in again.code)
    assert "sl=" in link
    assert "q=02139" in link


def test_share_link_never_holds_a_street_address(data_dir):
    at = app()
    at.text_input(key="q").input("45 Main St, Northampton, MA 01060").run()
    at.button(key=add_buttons(at)[0]).click().run()
    at.switch_page(COMPARE).run()
    link = next(c.value for c in at.code)
    assert "Main" not in link
    assert "at=42." in link


def test_admin_page_is_off_without_a_password(data_dir, monkeypatch):
    """Issue 18: without a password the Admin page is not even in the navigation."""
    monkeypatch.delenv("FINDER_ADMIN_PASSWORD")
    at = app()
    assert not at.exception
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(ADMIN)


def login(password: str) -> AppTest:
    at = app()
    at.switch_page(ADMIN).run()
    at.text_input(key="admin_pw").input(password)
    at.get("form_submit_button")[0].click() if at.get("form_submit_button") else None
    return at.run()


def test_admin_wrong_password_is_rejected_and_nothing_renders(data_dir):
    at = login("wrong")
    assert not at.exception
    assert "not right" in at.error[0].value
    assert not at.get("file_uploader")
    assert not at.dataframe
    assert all("history" not in s.value.lower() for s in at.subheader)


def test_admin_upload_report_diff_publish(data_dir):
    at = login(PASSWORD)
    assert not at.exception
    uploader = at.get("file_uploader")[0]
    rows = list(csv.DictReader(io.StringIO((data_dir / "providers.csv").read_text())))
    rows[0]["phone"] = "617-555-0199"
    del rows[1]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    uploader.set_value(("edited.csv", buffer.getvalue().encode(), "text/csv"))
    at.run()
    assert not at.exception
    page = "\n".join(str(m.value) for m in at.markdown)
    assert "Removed: **1**" in page
    assert "Changed: **1**" in page
    before = (data_dir / "providers.csv").read_bytes()
    at.checkbox(key="admin_sure").check().run()
    at.button(key="admin_publish").click().run()
    assert not at.exception
    assert at.success
    assert (data_dir / "providers.csv").read_bytes() != before
    assert "617-555-0199" in (data_dir / "providers.csv").read_text()


def test_admin_refuses_a_file_with_row_errors(data_dir):
    at = login(PASSWORD)
    bad = (data_dir / "providers.csv").read_text().replace("MassHealth", "MassHelth", 1)
    at.get("file_uploader")[0].set_value(("bad.csv", bad.encode(), "text/csv"))
    at.run()
    assert not at.exception
    assert any("can't be published" in e.value for e in at.error)
    assert not [b for b in at.button if b.key == "admin_publish"]
    assert at.get("download_button")

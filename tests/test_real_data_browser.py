"""The app on the shipped real dataset in Debian's Chromium (issue 12).

A person searches a Boston ZIP and sees real program names, the source and
date of the data, no sample notice, and, with "Evenings", the programs that
have not published session times in their own section.
"""

from __future__ import annotations

import pytest
from apphelpers import copy_real_data
from playwright.sync_api import expect

pytest.register_assert_rewrite("browser")
from browser import (  # noqa: E402  (after register_assert_rewrite)
    LOCAL_HOSTS,
    ROOT,
    TILE_HOSTS,
    run_streamlit,
    save_screenshot,
)

pytestmark = pytest.mark.browser
pytest_plugins = ["browser"]

SEARCH_BOX = "input[aria-label^='Where are you?']"
SOURCE_LINE = "Source: SAMHSA, FindTreatment.gov, data as of 2025-08-19"


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    data_dir = copy_real_data(tmp_path_factory.mktemp("real"))
    env = {"FINDER_DATA_DIR": str(data_dir), "FINDER_GEOCODER": "off"}
    with run_streamlit(ROOT / "streamlit_app.py", env=env) as server:
        yield server.url


def test_boston_zip_shows_real_programs_and_the_source_and_date(app_url, page, request_log):
    page.goto(app_url)
    box = page.locator(SEARCH_BOX)
    box.wait_for(timeout=60_000)
    box.fill("02118")
    box.press("Enter")
    page.get_by_text("programs found").first.wait_for(timeout=60_000)
    expect(page.get_by_text(SOURCE_LINE).first).to_be_visible(timeout=30_000)
    for name in ("Familias Unidas Outpatient Program", "Askia Academy at Dimock"):
        expect(page.get_by_text(name).first).to_be_visible(timeout=30_000)
    expect(page.get_by_text("Listed on FindTreatment.gov, data as of Aug 19, 2025").first
           ).to_be_visible()
    assert page.get_by_text("Sample data.").count() == 0
    assert page.get_by_text("Verified", exact=False).count() == 0
    save_screenshot(page, "real-data-boston")
    request_log.assert_only_hosts(LOCAL_HOSTS | TILE_HOSTS)


def test_evening_search_lists_programs_to_call_in_their_own_section(app_url, page):
    page.goto(f"{app_url}/?q=02118&when=evening")
    heading = page.get_by_text("haven't published session times: call to ask")
    heading.first.wait_for(timeout=60_000)
    expect(page.get_by_text("Which days and times do the groups meet?")).to_be_visible()
    expect(page.get_by_text("East Boston Counseling Center").first).to_be_visible(timeout=30_000)
    assert page.get_by_text("No programs match").count() == 0

"""The real app in Debian's Chromium: search a ZIP, cards and map render, nothing leaves the host.

Also opens a shared shortlist link (issue 7) and saves desktop and phone
screenshots to ``artifacts/`` (the README's screenshot is copied from there).
"""

from __future__ import annotations

import csv

import pytest
from apphelpers import copy_sample_data
from playwright.sync_api import expect

pytest.register_assert_rewrite("browser")
from browser import (  # noqa: E402  (after register_assert_rewrite)
    LOCAL_HOSTS,
    ROOT,
    TILE_HOSTS,
    offline_context,
    phone_context,
    run_streamlit,
    save_screenshot,
    streamlit_frame,
    wait_for_leaflet_idle,
)

pytestmark = pytest.mark.browser
pytest_plugins = ["browser"]

SEARCH_BOX = "input[aria-label^='Where are you?']"


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    data_dir = copy_sample_data(tmp_path_factory.mktemp("data"))
    env = {"FINDER_DATA_DIR": str(data_dir), "FINDER_GEOCODER": "off"}
    with run_streamlit(ROOT / "streamlit_app.py", env=env) as server:
        yield server.url


def search(page, app_url, text):
    page.goto(app_url)
    box = page.locator(SEARCH_BOX)
    box.wait_for(timeout=60_000)
    box.fill(text)
    box.press("Enter")
    page.get_by_text("programs found").first.wait_for(timeout=60_000)


def test_search_by_zip_shows_cards_and_map_from_local_leaflet(app_url, page, request_log):
    search(page, app_url, "02139")
    assert page.get_by_text("Need help now?").first.is_visible()
    assert page.get_by_text("Sample data.").first.is_visible()
    expect(page.get_by_role("button", name="Add to shortlist")).to_have_count(10, timeout=30_000)
    assert page.locator("a[href^='tel:+1-']").count() >= 10
    frame = streamlit_frame(page, "streamlit_folium")
    frame.locator(".marker-cluster, .leaflet-marker-icon").first.wait_for(timeout=60_000)
    wait_for_leaflet_idle(frame)
    assert frame.locator(".marker-cluster, .leaflet-marker-icon").count() >= 2
    leaflet = [u for u in request_log.urls if u.endswith("/leaflet.js")]
    assert leaflet
    assert all(u.startswith(app_url) for u in leaflet)
    request_log.assert_only_hosts(LOCAL_HOSTS | TILE_HOSTS)
    save_screenshot(page, "search-desktop")


def test_search_is_usable_at_phone_size(app_url, chromium):
    context, log = phone_context(chromium)
    try:
        page = context.new_page()
        search(page, app_url, "Worcester")
        frame = streamlit_frame(page, "streamlit_folium")
        frame.locator(".marker-cluster, .leaflet-marker-icon").first.wait_for(timeout=60_000)
        wait_for_leaflet_idle(frame)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390 + 1, "the page scrolls sideways on a phone"
        page.get_by_role("button", name="Add to shortlist").first.scroll_into_view_if_needed()
        save_screenshot(page, "search-phone", full_page=False)
        log.assert_only_hosts(LOCAL_HOSTS | TILE_HOSTS)
    finally:
        context.close()


def test_a_shared_link_reopens_the_same_shortlist(app_url, page, request_log):
    with (ROOT / "data" / "sample" / "providers.csv").open(encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["city"] == "Cambridge"][:2]
    ids = ",".join(r["program_id"] for r in rows)
    page.goto(f"{app_url}/compare?q=02139&sl={ids}")
    page.get_by_text("2 programs on your shortlist").wait_for(timeout=60_000)
    for row in rows:
        expect(page.get_by_text(row["organization"]).first).to_be_visible(timeout=30_000)
    expect(page.locator("table.cmp").first).to_be_visible(timeout=30_000)
    expect(page.get_by_role("button", name="Remove")).to_have_count(2, timeout=30_000)
    save_screenshot(page, "compare-desktop")
    request_log.assert_only_hosts(LOCAL_HOSTS | TILE_HOSTS)


def test_use_my_location_is_opt_in_and_rounds_the_point(app_url, chromium):
    context, log = offline_context(chromium, geolocation={"latitude": 42.3736, "longitude": -71.1097},
                                   permissions=["geolocation"])
    try:
        page = context.new_page()
        page.goto(app_url)
        page.get_by_role("button", name="Use my location").wait_for(timeout=60_000)
        assert "at=" not in page.url
        page.get_by_role("button", name="Use my location").click()
        page.get_by_text("programs found").first.wait_for(timeout=60_000)
        expect(page.get_by_text("Using your device's location")).to_be_visible()
        assert "at=42.37%2C-71.11" in page.url or "at=42.37,-71.11" in page.url
        log.assert_only_hosts(LOCAL_HOSTS | TILE_HOSTS)
    finally:
        context.close()

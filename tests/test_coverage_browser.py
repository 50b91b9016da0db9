"""The admin page's Coverage section in Debian's Chromium: town dots, programs, legend, no CDN."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from apphelpers import copy_sample_data

pytest.register_assert_rewrite("browser")
from browser import (  # noqa: E402  (after register_assert_rewrite)
    LOCAL_HOSTS,
    ROOT,
    TILE_HOSTS,
    run_streamlit,
    save_screenshot,
    streamlit_frame,
    wait_for_leaflet_idle,
)

pytestmark = pytest.mark.browser
pytest_plugins = ["browser"]

PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    data_dir = copy_sample_data(tmp_path_factory.mktemp("data"))
    env = {"FINDER_DATA_DIR": str(data_dir), "FINDER_GEOCODER": "off",
           "FINDER_ADMIN_PASSWORD": PASSWORD}
    with run_streamlit(ROOT / "streamlit_app.py", env=env) as server:
        yield server.url


def test_coverage_map_shows_351_towns_programs_and_a_legend(app_url, page, request_log):
    page.goto(f"{app_url}/admin")
    page.get_by_label("Admin password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_text("Towns more than 25 miles from any program").first.wait_for(timeout=90_000)
    assert page.get_by_text("straight-line").first.is_visible()
    frame = streamlit_frame(page, "streamlit_folium", timeout_s=90)
    frame.locator("path.leaflet-interactive").first.wait_for(timeout=60_000)
    wait_for_leaflet_idle(frame)
    assert frame.locator("path.leaflet-interactive").count() == 351
    assert frame.locator(".leaflet-marker-icon").count() >= 100
    legend = frame.locator(".finder-legend")
    assert "Town centre to nearest program" in legend.inner_text()
    assert "Program" in legend.inner_text()
    for label in ("HSDS 3.0 (ZIP)", "GeoJSON", "GeoPackage", "Download the table (CSV)"):
        assert page.get_by_role("button", name=label).first.is_visible()
    page.get_by_text("Coverage: towns far from a program").first.scroll_into_view_if_needed()
    save_screenshot(page, "admin-coverage-heading", full_page=False)
    page.locator("iframe").last.scroll_into_view_if_needed()
    save_screenshot(page, "admin-coverage-map", full_page=False)
    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("button", name="HSDS 3.0 (ZIP)").click()
    with zipfile.ZipFile(download.value.path()) as archive:
        assert "datapackage.json" in archive.namelist()
        assert archive.read("services.csv").count(b"\n") > 100  # header + one row per program
    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("button", name="GeoPackage").click()
    assert Path(download.value.path()).read_bytes()[:15] == b"SQLite format 3"
    assert not request_log.page_errors
    request_log.assert_only_hosts(LOCAL_HOSTS | TILE_HOSTS)


def test_coverage_section_has_no_serious_accessibility_violations(app_url, page):
    from test_accessibility import _report, axe_scan, blocking

    page.goto(f"{app_url}/admin")
    page.get_by_label("Admin password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    frame = streamlit_frame(page, "streamlit_folium", timeout_s=90)
    frame.locator("path.leaflet-interactive").first.wait_for(timeout=60_000)
    wait_for_leaflet_idle(frame)
    findings = axe_scan(page, "admin-coverage")
    assert not blocking(findings), _report(blocking(findings))

"""The results map in a real Chromium: Leaflet served by the app, markers drawn, no CDN.

A throwaway Streamlit app in ``tmp_path`` renders ``build_map`` through
``st_folium(..., returned_objects=[])``, with ``static/vendor`` filled by
``ensure_static_assets`` and static serving switched on by its own
``.streamlit/config.toml``, the way the real app is set up.
"""

from __future__ import annotations

import os

import pytest

from finder.assets import ensure_static_assets

# Before the import: pytest_plugins below registers the same module, and asserts in
# it are only rewritten (helpful failure messages) if pytest sees it first.
pytest.register_assert_rewrite("browser")
from browser import (  # noqa: E402  (after register_assert_rewrite)
    LOCAL_HOSTS,
    ROOT,
    TILE_HOSTS,
    phone_context,
    run_streamlit,
    save_screenshot,
    streamlit_frame,
    wait_for_leaflet_idle,
)

pytestmark = pytest.mark.browser
# The harness's fixtures (chromium, browser_context, page, request_log).
pytest_plugins = ["browser"]

SCRIPT_NAME = "<script>alert(1)</script>"

# Boston City Hall; the sample data has programs around it. One program is renamed
# to a script tag: the browser must show it as text and never run it.
APP_SOURCE = """
import csv
import dataclasses
import datetime as dt
import math
import os

import streamlit as st
from streamlit_folium import st_folium

from finder.config import Settings
from finder.maprender import build_map
from finder.model import LevelOfCare, Place, Precision, Program


@dataclasses.dataclass(frozen=True)
class Hit:
    program: Program
    distance_miles: float


def miles(lat1, lon1, lat2, lon2):
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (math.sin((p2 - p1) / 2) ** 2
         + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
    return 7917.5 * math.asin(math.sqrt(a))


def read_programs(path):
    # The csv module, not finder.load: this app tests the map only.
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            yield Program(
                row["program_id"], row["organization"], row["program_name"], LevelOfCare.IOP,
                row["street"], row["city"], row["state"], row["zip"],
                float(row["latitude"]), float(row["longitude"]), row["phone"],
                dt.date.fromisoformat(row["last_verified"]), row["source"],
                intake_phone=row["intake_phone"],
            )


origin = Place(42.3603, -71.0580, "Boston, MA 02201", Precision.ZIP, "gazetteer")
radius_miles = float(os.environ.get("MAP_RADIUS_MILES", "25"))
hits = sorted(
    (Hit(p, miles(origin.lat, origin.lon, p.latitude, p.longitude))
     for p in read_programs(os.environ["MAP_PROVIDERS_CSV"])),
    key=lambda hit: hit.distance_miles,
)
hits = [hit for hit in hits if hit.distance_miles <= radius_miles]
hits[0] = Hit(dataclasses.replace(hits[0].program, program_name="<script>alert(1)</script>"),
              hits[0].distance_miles)
settings = Settings.from_env()
st.title("Map test")
st.write(f"{len(hits)} programs on the map")
fmap = build_map(hits, origin, radius_miles, tiles_url=settings.tiles_url,
                 tiles_attribution=settings.tiles_attribution)
st_folium(fmap, returned_objects=[], height=480, use_container_width=True, key="map")
"""

CONFIG = """
[server]
enableStaticServing = true

[browser]
gatherUsageStats = false
"""


@pytest.fixture(scope="module")
def map_app_url(tmp_path_factory):
    """A running throwaway map app, shared by this module's tests."""
    folder = tmp_path_factory.mktemp("map_app")
    (folder / "map_app.py").write_text(APP_SOURCE, encoding="utf-8")
    (folder / ".streamlit").mkdir()
    (folder / ".streamlit" / "config.toml").write_text(CONFIG, encoding="utf-8")
    ensure_static_assets(folder / "static")
    env = {
        "MAP_PROVIDERS_CSV": str(ROOT / "data" / "sample" / "providers.csv"),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    with run_streamlit(folder / "map_app.py", env=env) as server:
        yield server.url


def _open_map(page, url):
    page.goto(url)
    # The first run imports folium and streamlit_folium: slow on 2 busy cores.
    page.get_by_text("programs on the map").wait_for(timeout=90_000)
    frame = streamlit_frame(page, "streamlit_folium", timeout_s=60)
    frame.locator(".leaflet-container").wait_for(timeout=60_000)
    frame.locator(".marker-cluster, .leaflet-marker-icon").first.wait_for(timeout=60_000)
    return frame


def test_map_loads_leaflet_from_the_app_and_draws_clusters(map_app_url, page, request_log):
    frame = _open_map(page, map_app_url)

    leaflet = request_log.urls_matching(
        r"^http://127\.0\.0\.1:\d+/app/static/vendor/leaflet/leaflet\.js$"
    )
    assert leaflet, request_log.urls
    assert request_log.statuses.get(leaflet[0]) == 200
    for asset in (
        "markercluster/leaflet.markercluster.js",
        "markercluster/MarkerCluster.Default.css",
        "leaflet/leaflet.css",
    ):
        assert request_log.urls_matching(f"/app/static/vendor/{asset}$"), asset
    assert frame.evaluate("() => typeof L.markerClusterGroup") == "function"
    assert not request_log.urls_matching("jquery")  # build_map's popups need no jQuery

    clusters = frame.locator(".marker-cluster")
    assert clusters.count() >= 1
    # The person's location (a red person pin) and the dashed radius circle.
    assert frame.locator(".finder-origin svg").count() == 1
    assert frame.locator("path[stroke-dasharray='6 6']").count() == 1
    # Tiles were requested (and answered locally), so the map is not blank.
    assert request_log.urls_matching(r"tile\.openstreetmap\.org/\d+/\d+/\d+\.png")
    wait_for_leaflet_idle(frame)
    save_screenshot(page, "map-browser-desktop")

    assert not request_log.page_errors
    request_log.assert_only_hosts(LOCAL_HOSTS | TILE_HOSTS)


def test_marker_popup_shows_escaped_name_and_runs_no_script(map_app_url, page, request_log):
    frame = _open_map(page, map_app_url)

    # Let MarkerCluster zoom to the renamed program; st_folium keeps the map in window.map.
    # Only once the opening fitBounds has settled: a zoom during it is dropped.
    wait_for_leaflet_idle(frame)
    frame.evaluate(
        """name => {
            let group = null;
            window.map.eachLayer(layer => {
                if (layer instanceof L.MarkerClusterGroup) group = layer;
            });
            const marker = group.getLayers().find(m => m.options.alt === name);
            group.zoomToShowLayer(marker);
        }""",
        SCRIPT_NAME,
    )
    marker = frame.locator(f'.leaflet-marker-icon[alt="{SCRIPT_NAME}"]')
    marker.wait_for()
    wait_for_leaflet_idle(frame)
    icon = frame.locator("img.leaflet-marker-icon").first
    # The default-icon fix: the image loaded from the app instead of a 404.
    assert icon.evaluate("img => img.complete && img.naturalWidth") > 0

    marker.click()
    popup = frame.locator(".leaflet-popup-content")
    popup.wait_for()
    assert SCRIPT_NAME in popup.inner_text()
    assert popup.locator("a[href^='tel:+1-']").count() >= 1
    save_screenshot(page, "map-browser-popup")

    assert not request_log.dialogs
    assert not request_log.page_errors
    request_log.assert_only_hosts(LOCAL_HOSTS | TILE_HOSTS)


def test_map_on_a_phone_keeps_the_key_small(map_app_url, chromium):
    context, log = phone_context(chromium)
    try:
        page = context.new_page()
        frame = _open_map(page, map_app_url)
        wait_for_leaflet_idle(frame)
        map_box = frame.locator(".leaflet-container").bounding_box()
        key_box = frame.locator(".finder-legend").bounding_box()
        assert map_box is not None
        assert key_box is not None
        assert key_box["width"] <= 0.5 * map_box["width"]
        save_screenshot(page, "map-browser-phone")
        assert not log.page_errors
        log.assert_only_hosts(LOCAL_HOSTS | TILE_HOSTS)
    finally:
        context.close()

"""Issue 16, in Chromium: a large result set reaches the map compactly and every match is drawn.

1,360 programs (the sample's 170, eight times, under new ids) searched at any
distance: the map loads the program table (a static file of the app, fetched
from the app's own host), its clusters add up to the count the page states,
and a marker's popup says what the list says (name, distance, a call link).
"""

from __future__ import annotations

import csv
import io
import re

import pytest
from apphelpers import SAMPLE_DIR

pytest.register_assert_rewrite("browser")
from browser import (  # noqa: E402  (after register_assert_rewrite)
    LOCAL_HOSTS,
    ROOT,
    TILE_HOSTS,
    run_streamlit,
    streamlit_frame,
    wait_for_leaflet_idle,
)

pytestmark = pytest.mark.browser
pytest_plugins = ["browser"]
COPIES = 8


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    folder = tmp_path_factory.mktemp("data")
    with (SAMPLE_DIR / "providers.csv").open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        header, rows = reader.fieldnames, list(reader)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(header or []), lineterminator="\n")
    writer.writeheader()
    for copy in range(COPIES):
        for row in rows:
            writer.writerow({**row, "program_id": f"{row['program_id']}-{copy}"})
    (folder / "providers.csv").write_text(out.getvalue(), encoding="utf-8")
    (folder / "providers.meta.json").write_bytes((SAMPLE_DIR / "providers.meta.json").read_bytes())
    env = {"FINDER_DATA_DIR": str(folder), "FINDER_GEOCODER": "off"}
    with run_streamlit(ROOT / "streamlit_app.py", env=env) as server:
        yield server.url


def cluster_total(frame) -> int:  # type: ignore[no-untyped-def]
    """Programs on the map: the clusters' counts plus single program markers."""
    return int(frame.evaluate(
        """() => {
            let n = 0;
            for (const c of document.querySelectorAll('.marker-cluster')) {
                n += parseInt(c.textContent, 10) || 0;
            }
            const singles = document.querySelectorAll(
                'img.leaflet-marker-icon:not(.marker-cluster)');
            return n + singles.length;
        }"""
    ))


def test_every_match_reaches_the_map_from_one_cached_table(app_url, page, request_log):
    page.goto(f"{app_url}/?q=02139&radius=any")
    found = page.get_by_text(re.compile(r"[\d,]+ programs found")).first
    found.wait_for(timeout=90_000)
    # "1,288 programs found": the count is written with a thousands separator.
    total = int(re.match(r"[\d,]+", found.inner_text()).group(0).replace(",", ""))  # type: ignore[union-attr]
    assert total > 1000  # (the default level of care leaves out a few)
    frame = streamlit_frame(page, "streamlit_folium", timeout_s=60)
    frame.locator(".marker-cluster").first.wait_for(timeout=60_000)
    wait_for_leaflet_idle(frame)
    for _ in range(100):
        if cluster_total(frame) == total:
            break
        page.wait_for_timeout(200)
    assert cluster_total(frame) == total
    tables = request_log.urls_matching(r"/app/static/data/programs-[0-9a-f]{16}\.js$")
    assert len(tables) == 1
    assert tables[0].startswith(app_url)
    assert request_log.statuses.get(tables[0]) == 200
    request_log.assert_only_hosts(LOCAL_HOSTS | TILE_HOSTS)


def test_a_marker_popup_says_what_the_list_says(app_url, page):
    page.goto(f"{app_url}/?q=02139&radius=5")
    page.get_by_text(re.compile(r"\d+ programs found")).first.wait_for(timeout=90_000)
    first_card = page.locator("h4").first.inner_text()
    frame = streamlit_frame(page, "streamlit_folium", timeout_s=60)
    frame.locator(".marker-cluster, img.leaflet-marker-icon").first.wait_for(timeout=60_000)
    wait_for_leaflet_idle(frame)
    # The same program is there eight times (same spot): let MarkerCluster
    # zoom and spread its cluster, as a click on it would, then open one.
    opened = frame.evaluate(
        """name => new Promise(done => {
            const group = Object.values(window).find(v => v && v.zoomToShowLayer);
            const marker = group.getLayers().find(m => m.options.alt === name);
            if (!marker) { done(false); return; }
            group.zoomToShowLayer(marker, () => { marker.openPopup(); done(true); });
        })""",
        first_card,
    )
    assert opened
    popup = frame.locator(".leaflet-popup-content")
    popup.wait_for(timeout=10_000)
    text = popup.inner_text()
    assert first_card in text
    assert re.search(r"\d+\.\d mi away", text)
    assert popup.locator("a[href^='tel:']").count() >= 1


def _map_total(page, total: int) -> int:  # type: ignore[no-untyped-def]
    """Wait for the map's clusters to settle on ``total`` (or give up) and return what they add up to."""
    frame = streamlit_frame(page, "streamlit_folium", timeout_s=60)
    frame.locator(".marker-cluster").first.wait_for(timeout=60_000)
    wait_for_leaflet_idle(frame)
    for _ in range(50):
        if cluster_total(frame) == total:
            break
        page.wait_for_timeout(200)
    page.wait_for_timeout(500)  # a repeated script would add its markers after the first ones
    return cluster_total(frame)


def test_the_cached_map_draws_each_match_once_after_reruns(app_url, page, request_log):
    """The map comes from the cache on reruns and in a new session: markers drawn once, map works."""
    page.goto(f"{app_url}/?q=02139&radius=any")
    found = page.get_by_text(re.compile(r"[\d,]+ programs found")).first
    found.wait_for(timeout=90_000)
    total = int(re.match(r"[\d,]+", found.inner_text()).group(0).replace(",", ""))  # type: ignore[union-attr]
    assert _map_total(page, total) == total
    # The next page: a rerun that keeps the search, so the same (cached) map.
    page.get_by_role("button", name="Next →").first.click()
    page.get_by_text(re.compile(r"Page 2\b")).first.wait_for(timeout=60_000)
    assert _map_total(page, total) == total
    # Another search, then back: the first map again, from the cache.
    page.goto(f"{app_url}/?q=02139&radius=5")
    page.get_by_text(re.compile(r"\d+ programs found")).first.wait_for(timeout=90_000)
    page.goto(f"{app_url}/?q=02139&radius=any")
    page.get_by_text(re.compile(r"[\d,]+ programs found")).first.wait_for(timeout=90_000)
    assert _map_total(page, total) == total
    # And it still works: a cluster opens on a click, down to single markers.
    frame = streamlit_frame(page, "streamlit_folium", timeout_s=60)
    zoomed = frame.evaluate(
        """() => new Promise(done => {
            const group = Object.values(window).find(v => v && v.zoomToShowLayer);
            const marker = group.getLayers()[0];
            group.zoomToShowLayer(marker, () => { marker.openPopup(); done(true); });
        })"""
    )
    assert zoomed
    frame.locator(".leaflet-popup-content").wait_for(timeout=10_000)
    assert not request_log.page_errors
    request_log.assert_only_hosts(LOCAL_HOSTS | TILE_HOSTS)

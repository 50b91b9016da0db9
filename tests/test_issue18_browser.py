"""Issue 18 in Debian's Chromium: what a person sees, not only what the DOM holds.

1. the compare page's share link opens the Find page, with no "Page not found" dialog;
2. the print view keeps every value beside its own label (bounding boxes);
3. "Next →" brings the person to the top of the new page of results (scroll position);
8. on a phone, the result count and the first card are on screen right after a search,
   and the crisis line stays visible but compact;
9. on a phone, every page names the pages on screen (Streamlit's own navigation is an
   unlabelled "»" there), tapping reaches the compare page, and the shortlist is counted;
10. a program's own page, opened from a card and by its stable URL.
"""

from __future__ import annotations

import csv
from urllib.parse import urlsplit

import pytest
from apphelpers import SAMPLE_DIR, copy_sample_data
from playwright.sync_api import expect

pytest.register_assert_rewrite("browser")
from browser import (  # noqa: E402  (after register_assert_rewrite)
    LOCAL_HOSTS,
    PHONE_VIEWPORT,
    ROOT,
    TILE_HOSTS,
    offline_context,
    phone_context,
    run_streamlit,
    save_screenshot,
    streamlit_frame,
)

from finder.export import ExportMeta, export_rows, to_html  # noqa: E402
from finder.load import load_programs  # noqa: E402

pytestmark = pytest.mark.browser
pytest_plugins = ["browser"]

SEARCH_BOX = "input[aria-label^='Where are you?']"


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    data_dir = copy_sample_data(tmp_path_factory.mktemp("data"))
    env = {"FINDER_DATA_DIR": str(data_dir), "FINDER_GEOCODER": "off"}
    with run_streamlit(ROOT / "streamlit_app.py", env=env) as server:
        yield server.url


def sample_rows() -> list[dict[str, str]]:
    with (SAMPLE_DIR / "providers.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def search(page, url: str, text: str) -> None:
    page.goto(url)
    box = page.locator(SEARCH_BOX)
    box.wait_for(timeout=60_000)
    box.fill(text)
    box.press("Enter")
    page.get_by_text("programs found").first.wait_for(timeout=60_000)


def assert_no_page_not_found(page) -> None:
    """Streamlit's "Page not found" is a modal dialog over the page, not a JS dialog."""
    page.wait_for_timeout(500)
    assert not page.get_by_text("Page not found").first.is_visible()
    assert not page.locator("[role='dialog']").filter(has_text="not found").count()


def in_viewport(box: dict[str, float] | None, height: float) -> bool:
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height


# -- 1. the share link --------------------------------------------------------------------------------


def test_share_link_opens_the_find_page_without_a_dialog(app_url, page, request_log):
    rows = [r for r in sample_rows() if r["city"] == "Cambridge"][:2]
    page.goto(f"{app_url}/compare?q=02139&sl={','.join(r['program_id'] for r in rows)}")
    page.get_by_text("2 programs on your shortlist").wait_for(timeout=60_000)
    link = page.locator("[data-testid='stCode'] code").last.inner_text().strip()
    parts = urlsplit(link)
    assert parts.path == "/", link  # the Find page is served at the root
    assert "q=02139" in parts.query
    page.goto(link)
    page.get_by_text("programs found").first.wait_for(timeout=60_000)
    assert_no_page_not_found(page)
    expect(page.get_by_text("Shortlist (2) → Compare").first).to_be_visible()
    request_log.assert_only_hosts(LOCAL_HOSTS | TILE_HOSTS)


# -- 2. the print view ----------------------------------------------------------------------------------


@pytest.mark.parametrize("width", [390, 800])
def test_print_view_keeps_each_value_beside_its_label(chromium, width):
    programs = load_programs(SAMPLE_DIR / "providers.csv").programs[:3]

    class Row:
        def __init__(self, program):
            self.program = program
            self.distance_miles = 3.2

    notes = {programs[0].program_id: "Client prefers evenings; called 11/20, callback Monday"}
    html = to_html(export_rows([Row(p) for p in programs], notes),
                   ExportMeta(search="IOP programs within 10 miles of Cambridge", data_source="Sample"))
    context = chromium.new_context(viewport={"width": width, "height": 900})
    try:
        page = context.new_page()
        page.set_content(html)
        sections = page.locator("section")
        assert sections.count() == 3
        wrapped = 0
        for s in range(sections.count()):
            section = sections.nth(s)
            card = section.bounding_box()
            rows = section.locator("tr")
            labels = [rows.nth(i).locator("th").inner_text() for i in range(rows.count())]
            assert labels[-1] == "Program ID"
            for i in range(rows.count()):
                label = rows.nth(i).locator("th").bounding_box()
                value = rows.nth(i).locator("td").bounding_box()
                # Same row: the value starts level with its label and neither runs into
                # the next row; both lie inside the card.
                assert abs(label["y"] - value["y"]) < 1, labels[i]
                assert label["x"] + label["width"] <= value["x"] + 1, labels[i]
                if i + 1 < rows.count():
                    following = rows.nth(i + 1).locator("th").bounding_box()
                    assert value["y"] + value["height"] <= following["y"] + 1, labels[i]
                    assert label["y"] + label["height"] <= following["y"] + 1, labels[i]
                for box in (label, value):
                    assert card["y"] <= box["y"]
                    assert box["y"] + box["height"] <= card["y"] + card["height"]
                    assert box["x"] + box["width"] <= card["x"] + card["width"] + 1
                wrapped += label["height"] > 30
        if width == 390:
            assert wrapped, "no long label wrapped: the test would not catch the drift"
        page.screenshot(path=str(ROOT / "artifacts" / f"print-view-{width}.png"), full_page=True)
    finally:
        context.close()


# -- 3. Next brings the person to the top of the new page ---------------------------------------------


def test_next_page_scrolls_to_the_top_of_the_results(app_url, page):
    page.goto(f"{app_url}/?q=02139&radius=100")
    page.get_by_text("programs found").first.wait_for(timeout=60_000)
    first_name = page.locator("h4").first.inner_text()
    nxt = page.get_by_role("button", name="Next →")
    nxt.scroll_into_view_if_needed()
    nxt.click()
    page.get_by_text("Showing 11–").wait_for(timeout=60_000)
    expect(page.locator("h4").first).not_to_have_text(first_name, timeout=30_000)
    height = page.viewport_size["height"]
    page.wait_for_function(
        """(h) => { const c = [...document.querySelectorAll('h4')][0];
                    if (!c) return false; const r = c.getBoundingClientRect();
                    return r.top >= 0 && r.bottom <= h; }""",
        arg=height, timeout=10_000,
    )
    assert in_viewport(page.get_by_text("Showing 11–").bounding_box(), height)
    assert in_viewport(page.locator("h4").first.bounding_box(), height)
    # The pager that was clicked is now off screen: the person is at the top of page 2.
    assert not in_viewport(page.get_by_role("button", name="Next →").bounding_box(), height)


# -- 8. a search on a phone ------------------------------------------------------------------------------


def test_after_a_search_on_a_phone_the_count_and_first_card_are_on_screen(app_url, chromium):
    context, log = phone_context(chromium)
    try:
        page = context.new_page()
        search(page, app_url, "Worcester")
        height = PHONE_VIEWPORT["height"]
        page.wait_for_function(
            """(h) => { const c = document.querySelector('h4');
                        if (!c) return false; const r = c.getBoundingClientRect();
                        return r.top >= 0 && r.bottom <= h; }""",
            arg=height, timeout=10_000,
        )
        page.wait_for_timeout(400)
        count = page.get_by_text("programs found").first.bounding_box()
        card = page.locator("h4").first.bounding_box()
        assert in_viewport(count, height), count
        assert in_viewport(card, height), card
        banner = page.locator(".help-banner").first
        box = banner.bounding_box()
        assert in_viewport(box, height), box
        assert box["height"] <= 70, "the crisis line should be compact on a phone"
        expect(banner.get_by_role("link", name="988")).to_be_visible()
        expect(banner.get_by_role("link", name="911")).to_be_visible()
        expect(banner.get_by_role("link", name="800-327-5050")).to_be_visible()
        # The banner does not cover the first card.
        assert box["y"] >= card["y"] + card["height"]
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_VIEWPORT["width"] + 1
        save_screenshot(page, "search-phone", full_page=False)
        log.assert_only_hosts(LOCAL_HOSTS | TILE_HOSTS)
    finally:
        context.close()


# -- 9. the pages by name on a phone -------------------------------------------------------------------------


def nav_link(page, name: str):
    return page.locator(".st-key-page_nav").get_by_role("link").filter(has_text=name)


def assert_on_screen(page, link) -> None:
    """Inside the viewport and not covered: the topmost element at the link's centre is the link."""
    expect(link).to_be_visible(timeout=30_000)
    box = link.bounding_box()
    assert in_viewport(box, PHONE_VIEWPORT["height"]), box
    assert box["x"] >= 0, box
    assert box["x"] + box["width"] <= PHONE_VIEWPORT["width"], box
    assert link.evaluate(
        """(a) => { const r = a.getBoundingClientRect();
                    const hit = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
                    return a.contains(hit); }"""
    ), "the link is covered by something else"


def test_on_a_phone_every_page_names_the_pages_on_screen(app_url, chromium):
    rows = [r for r in sample_rows() if r["city"] == "Cambridge"][:2]
    ids = ",".join(r["program_id"] for r in rows)
    context, log = phone_context(chromium)
    try:
        page = context.new_page()
        page.goto(app_url)
        page.locator(SEARCH_BOX).wait_for(timeout=60_000)
        assert_on_screen(page, nav_link(page, "Find a program"))
        assert_on_screen(page, nav_link(page, "Shortlist & compare"))
        # Tapping it reaches the compare page.
        nav_link(page, "Shortlist & compare").tap()
        page.wait_for_url("**/compare", timeout=30_000)
        expect(page.get_by_role("heading", name="Shortlist & compare")).to_be_visible(timeout=30_000)
        assert_no_page_not_found(page)
        assert_on_screen(page, nav_link(page, "Find a program"))

        # With two programs on the shortlist, the link counts them on every page, and leads to them.
        for path in (f"/?sl={ids}", f"/program?id={rows[0]['program_id']}&sl={ids}", f"/compare?sl={ids}"):
            page.goto(f"{app_url}{path}")
            assert_on_screen(page, nav_link(page, "Shortlist (2) & compare"))
            assert_on_screen(page, nav_link(page, "Find a program"))
            assert_no_page_not_found(page)
        page.goto(f"{app_url}/?sl={ids}")
        assert_on_screen(page, nav_link(page, "Shortlist (2) & compare"))
        page.wait_for_timeout(400)
        save_screenshot(page, "nav-phone", full_page=False)
        nav_link(page, "Shortlist (2) & compare").tap()
        page.wait_for_url("**/compare*", timeout=30_000)
        page.get_by_text("2 programs on your shortlist").wait_for(timeout=60_000)
        # The crisis line stays on screen beside the navigation.
        banner = page.locator(".help-banner").first
        assert in_viewport(banner.bounding_box(), PHONE_VIEWPORT["height"])
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_VIEWPORT["width"] + 1
        log.assert_only_hosts(LOCAL_HOSTS | TILE_HOSTS)
    finally:
        context.close()


@pytest.mark.parametrize("width", [700, 767, 768, 1280])
def test_at_every_width_the_pages_are_named_once(app_url, chromium, width):
    """Streamlit folds its labelled top navigation below 768 px; the row shows exactly then."""
    context, log = offline_context(chromium, viewport={"width": width, "height": 900})
    try:
        page = context.new_page()
        page.goto(app_url)
        page.locator(SEARCH_BOX).wait_for(timeout=60_000)
        top = page.get_by_test_id("stTopNavLink").filter(has_text="Shortlist & compare")
        row = nav_link(page, "Shortlist & compare")
        if width < 768:
            expect(row).to_be_visible(timeout=10_000)
            expect(top).to_have_count(0)
        else:
            expect(top).to_be_visible(timeout=10_000)
            expect(row).to_be_hidden()
        log.assert_only_hosts(LOCAL_HOSTS | TILE_HOSTS)
    finally:
        context.close()


# -- 10. a page per program --------------------------------------------------------------------------------


def test_a_card_links_to_the_programs_own_page(app_url, page, request_log):
    search(page, app_url, "02139")
    name = page.locator("h4").first.inner_text()
    page.get_by_role("link", name="Program page (to share)").first.click()
    page.wait_for_url("**/program?id=*", timeout=30_000)
    expect(page.get_by_role("heading", name=name).first).to_be_visible(timeout=30_000)
    assert_no_page_not_found(page)
    request_log.assert_only_hosts(LOCAL_HOSTS | TILE_HOSTS)


def test_program_page_by_its_stable_url_shows_fields_map_and_actions(app_url, page, request_log):
    row = next(r for r in sample_rows() if r["city"] == "Cambridge")
    page.goto(f"{app_url}/program?id={row['program_id']}")
    heading = page.get_by_role("heading", name=row["program_name"]).first
    heading.wait_for(timeout=60_000)
    assert_no_page_not_found(page)
    height = page.viewport_size["height"]
    for target in (heading, page.get_by_role("link", name="Directions").first,
                   page.locator("a[href^='tel:']").nth(3),  # the program's phone (after the banner's)
                   page.get_by_role("button", name="Add to shortlist")):
        expect(target).to_be_visible()
        assert in_viewport(target.bounding_box(), height)
    update = page.get_by_role("button", name="Update this listing")
    expect(update).to_be_visible()
    expect(update).to_be_enabled()
    fields = page.locator("table.program-fields")
    expect(fields.get_by_text(row["organization"]).first).to_be_visible()
    expect(fields.get_by_text("Program ID")).to_be_visible()
    frame = streamlit_frame(page, "streamlit_folium")
    frame.locator(".leaflet-marker-icon").first.wait_for(timeout=60_000)
    page.get_by_role("button", name="Add to shortlist").click()
    expect(page.get_by_text("Shortlist (1) → Compare").first).to_be_visible(timeout=30_000)
    assert f"id={row['program_id']}" in page.url
    save_screenshot(page, "program-desktop")
    request_log.assert_only_hosts(LOCAL_HOSTS | TILE_HOSTS)

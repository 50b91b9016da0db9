"""Issue 15 in Debian's Chromium: the search path in Spanish on a phone.

A phone whose browser language is Spanish (``es-US``) opens the app in Spanish
(``st.context.locale``), searches a ZIP code, sees a card whose sessions are in
Spanish words and a ``tel:`` link, and switches back to English without losing
the search.
"""

from __future__ import annotations

import re

import pytest
from apphelpers import copy_sample_data
from playwright.sync_api import expect

pytest.register_assert_rewrite("browser")
from browser import (  # noqa: E402  (after register_assert_rewrite)
    LOCAL_HOSTS,
    PHONE_VIEWPORT,
    ROOT,
    TILE_HOSTS,
    offline_context,
    run_streamlit,
    save_screenshot,
)

pytestmark = pytest.mark.browser
pytest_plugins = ["browser"]


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    data_dir = copy_sample_data(tmp_path_factory.mktemp("data"))
    env = {"FINDER_DATA_DIR": str(data_dir), "FINDER_GEOCODER": "off"}
    with run_streamlit(ROOT / "streamlit_app.py", env=env) as server:
        yield server.url


def test_a_spanish_phone_searches_a_zip_calls_and_switches_back_keeping_the_search(
        app_url, chromium):
    context, log = offline_context(chromium, viewport=PHONE_VIEWPORT, is_mobile=True,
                                   has_touch=True, device_scale_factor=2, locale="es-US")
    try:
        page = context.new_page()
        page.goto(app_url)
        # The browser's language chooses Spanish: no lang in the link.
        expect(page.get_by_role("heading", name="Encuentre un programa intensivo ambulatorio")
               ).to_be_visible(timeout=60_000)
        banner = page.locator(".help-banner")
        expect(banner).to_contain_text("¿Necesita ayuda ahora?")
        expect(banner.locator("a[href='tel:988']")).to_be_visible()

        box = page.locator("input[aria-label^='¿Dónde está?']")
        box.fill("02139")
        box.press("Enter")
        page.get_by_text(re.compile(r"Encontramos \d+ programas")).first.wait_for(timeout=60_000)
        expect(page.get_by_text("Programas IOP o SOAP a menos de 25 millas de").first
               ).to_be_visible()
        sessions = page.get_by_text(re.compile(r"Sesiones: (lun|mar|mié|jue|vie|sáb|dom)")).first
        expect(sessions).to_be_visible()
        assert re.search(r"\d{1,2}:\d{2}.*[ap]\.m\.", sessions.inner_text())
        # The first card's phone (the crisis lines' links have no dashes).
        phone = page.locator("a[href^='tel:+1-']").first
        phone.scroll_into_view_if_needed()
        expect(phone).to_be_visible()
        assert re.fullmatch(r"tel:\+1-\d{3}-\d{3}-\d{4}", phone.get_attribute("href") or "")
        assert "lang=es" in page.url
        # Screen readers read the page in Spanish (WCAG 3.1.1).
        page.wait_for_function("() => document.documentElement.lang === 'es'")
        save_screenshot(page, "search-phone-es")

        # The switch is a radio group named in both languages, on every page.
        switch = page.get_by_role("radiogroup", name="Language / Idioma")
        expect(switch.get_by_role("radio", name="Español")).to_be_checked()
        switch.get_by_role("radio", name="English").click()
        page.get_by_text(re.compile(r"\d+ programs found")).first.wait_for(timeout=60_000)
        expect(page.get_by_role("heading", name="Find an intensive outpatient program")
               ).to_be_visible()
        expect(page.locator("input[aria-label^='Where are you?']")).to_have_value("02139")
        expect(page.get_by_text(re.compile(r"Sessions: (Mon|Tue|Wed|Thu|Fri|Sat|Sun)")).first
               ).to_be_visible()
        page.wait_for_function("() => document.documentElement.lang === 'en'")
        # The browser says Spanish, so the link says English.
        page.wait_for_function("() => window.location.search.includes('lang=en')")
        assert "q=02139" in page.url
        log.assert_only_hosts(LOCAL_HOSTS | TILE_HOSTS)
        assert log.page_errors == []
    finally:
        context.close()

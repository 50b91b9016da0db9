"""Issue 13 in Debian's Chromium: the "Update this listing" form on a phone-sized screen.

A person opens a program's page on a 390x844 phone, opens the form, enters a
session track (days, start, end) and who they are, and sends it: the form fits
the screen (no sideways scrolling), a wrong time gets a plain message, the
thank-you says what happens next, and the live data is unchanged (nothing is
public until an admin approves it). axe-core finds no serious problem in the
open form. No request leaves the machine.
"""

from __future__ import annotations

import hashlib

import pytest
from apphelpers import copy_sample_data
from playwright.sync_api import expect

pytest.register_assert_rewrite("browser")
from browser import (  # noqa: E402  (after register_assert_rewrite)
    LOCAL_HOSTS,
    PHONE_VIEWPORT,
    ROOT,
    TILE_HOSTS,
    phone_context,
    run_streamlit,
    save_screenshot,
)

from finder.config import Settings  # noqa: E402
from finder.load import load_programs  # noqa: E402
from finder.store import open_store  # noqa: E402
from finder.submissions import Queue  # noqa: E402

pytestmark = pytest.mark.browser
pytest_plugins = ["browser"]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return copy_sample_data(tmp_path_factory.mktemp("data"))


@pytest.fixture(scope="module")
def app_url(data_dir):
    env = {"FINDER_DATA_DIR": str(data_dir), "FINDER_GEOCODER": "off", "FINDER_DATABASE_URL": ""}
    with run_streamlit(ROOT / "streamlit_app.py", env=env) as server:
        yield server.url


def live_sha(folder) -> str:
    return hashlib.sha256(open_store(Settings(data_dir=folder)).live().data).hexdigest()


def pick_time(page, label: str, value: str) -> None:
    """Type a 24-hour time into Streamlit's time field (an hour and a minute segment)."""
    hour, minute = value.split(":")
    page.get_by_role("spinbutton", name=f"hour, {label}").first.click()
    page.keyboard.type(hour)
    page.get_by_role("spinbutton", name=f"minute, {label}").first.click()
    page.keyboard.type(minute)
    page.keyboard.press("Tab")


def choose_days(page, days: list[str]) -> None:
    field = page.get_by_label("Track 1: days").first
    for day in days:
        field.click()
        field.fill(day)
        field.press("Enter")
    page.keyboard.press("Escape")


def fits_width(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_update_form_on_a_phone(app_url, data_dir, chromium):
    program = next(p for p in load_programs(data_dir / "providers.csv").programs if not p.schedule)
    before = live_sha(data_dir)
    context, log = phone_context(chromium)
    try:
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.goto(f"{app_url}/program?id={program.program_id}")
        button = page.get_by_role("button", name="Update this listing")
        button.wait_for(timeout=60_000)
        button.click()
        send = page.get_by_role("button", name="Send update")
        send.wait_for()
        expect(page.get_by_text("Nothing you send appears on the site until someone")).to_be_visible()
        assert fits_width(page)
        save_screenshot(page, "update-listing-form-phone")
        from test_accessibility import _report, axe_scan, blocking

        # Scan the settled page: while a rerun runs, Streamlit dims stale elements
        # (data-stale) and axe then reports their faded colours as low contrast.
        page.wait_for_function(
            """() => !document.querySelector('[data-stale="true"]')
                     && !document.querySelector('[data-testid="stStatusWidget"]')""",
            timeout=60_000,
        )
        findings = blocking(axe_scan(page, "update-listing-form-phone"))
        assert not findings, _report(findings)

        # An end before the start: a plain message, nothing stored.
        choose_days(page, ["Mon", "Wed"])
        pick_time(page, "Starts", "21:00")
        pick_time(page, "Ends", "18:00")
        page.get_by_text("Case manager", exact=True).first.click()
        send.click()
        expect(page.get_by_text("which is not after it starts at 21:00")).to_be_visible()
        assert Queue(Settings(data_dir=data_dir)).list_submissions() == []

        pick_time(page, "Starts", "18:00")
        pick_time(page, "Ends", "21:00")
        send.scroll_into_view_if_needed()
        send.click()
        thanks = page.get_by_text("Your update was sent to the people who keep this list")
        expect(thanks).to_be_visible()
        assert fits_width(page)
        box = thanks.bounding_box()
        assert box is not None
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= PHONE_VIEWPORT["width"]
        save_screenshot(page, "update-listing-phone", full_page=False)

        (sent,) = Queue(Settings(data_dir=data_dir)).list_submissions()
        assert sent.program_id == program.program_id
        assert sent.correction.schedule == "Mo,We 18:00-21:00"
        assert str(sent.correction.role) == "case_manager"
        assert live_sha(data_dir) == before  # nothing public until an admin approves it
        log.assert_only_hosts(LOCAL_HOSTS | TILE_HOSTS)
    finally:
        context.close()

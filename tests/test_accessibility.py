"""Accessibility: an axe-core scan of every page of the real app in Chromium.

The app runs on the shipped sample data. Each page is brought to the state a
person sees (the find page before a search, and after a ZIP search with its
expanders open and the map drawn, at desktop and phone size; the compare page
with a two-program shortlist; the admin page with no password set), then
axe-core scans the page and the component iframes in it.

axe-core comes from ``axe-playwright-python``, which bundles ``axe.min.js``: it
is evaluated in the page from the installed file, never fetched, and a test
checks that the scan makes no request at all.

A test fails on any *critical* or *serious* violation, except the ones listed
in ``STREAMLIT_INTERNAL``: findings inside Streamlit's own widgets or chrome,
which the app cannot change. Each entry is matched by rule id, frame and a
selector pattern, and is explained in ``docs/ACCESSIBILITY.md``; an entry that
no longer matches anything fails ``test_allow_list_has_no_stale_entries``.
Each scan's full report is written to ``artifacts/axe-<name>.txt``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from apphelpers import copy_sample_data
from axe_playwright_python.base import AXE_SCRIPT

pytest.register_assert_rewrite("browser")
from browser import (  # noqa: E402  (after register_assert_rewrite)
    ARTIFACTS,
    LOCAL_HOSTS,
    ROOT,
    TILE_HOSTS,
    offline_context,
    phone_context,
    run_streamlit,
    streamlit_frame,
    wait_for_leaflet_idle,
)

pytestmark = pytest.mark.browser
# The harness's fixtures (chromium, browser_context, page, request_log).
pytest_plugins = ["browser"]

#: Impacts that fail the test; "moderate" and "minor" are reported, not asserted.
BLOCKING = frozenset({"critical", "serious"})

#: Two Cambridge programs of the sample data, near the searched ZIP.
SHORTLIST = ("sample-0077", "sample-0078")
SEARCH = "q=02139"


@dataclass(frozen=True)
class Finding:
    """One element that fails one axe rule."""

    rule: str
    impact: str
    frame: str  # "app" for the Streamlit page, else the component's name
    selector: str  # axe's CSS selector inside that frame
    html: str
    summary: str

    def __str__(self) -> str:
        summary = " ".join(self.summary.split())
        return f"{self.rule} ({self.impact}) in {self.frame}: {self.selector}\n    {self.html[:200]}\n    {summary[:300]}"


@dataclass(frozen=True)
class Allowed:
    """A finding the test accepts: rule id, frame and selector (regular expressions)."""

    rule: str
    frame: str
    selector: str
    why: str

    def matches(self, finding: Finding) -> bool:
        """Return whether ``finding`` is this entry."""
        return (
            finding.rule == self.rule
            and re.fullmatch(self.frame, finding.frame) is not None
            and re.search(self.selector, finding.selector) is not None
        )


#: Findings inside Streamlit's own widgets and chrome (docs/ACCESSIBILITY.md).
#: Empty today: every critical or serious finding so far was fixable by the app.
STREAMLIT_INTERNAL: tuple[Allowed, ...] = ()


def _component_name(url: str) -> str:
    # Streamlit serves a custom component at /component/<module>.<name>/index.html.
    match = re.search(r"/component/([^/]+)/", urlsplit(url).path)
    return match.group(1) if match else url


def axe_scan(page, name: str) -> list[Finding]:
    """Run axe-core over ``page`` and its iframes; return every violation node.

    ``axe.min.js`` is evaluated in every frame first: axe-core only descends into
    an iframe that has axe loaded (``axe-playwright-python`` injects the main frame
    only). The report is saved to ``artifacts/axe-<name>.txt``.
    """
    for frame in page.frames:
        frame.evaluate(AXE_SCRIPT)
    results = page.evaluate("() => axe.run(document, {resultTypes: ['violations'], iframes: true})")
    findings = []
    for violation in results["violations"]:
        for node in violation["nodes"]:
            *frames, selector = node["target"]
            frame_name = "app"
            if frames:
                # The first selector is the iframe in the page; nested frames do not occur.
                handle = page.query_selector(str(frames[0]))
                content = handle.content_frame() if handle else None
                frame_name = _component_name(content.url) if content else str(frames[0])
            findings.append(
                Finding(
                    rule=violation["id"],
                    impact=str(violation["impact"] or node.get("impact") or ""),
                    frame=frame_name,
                    selector=str(selector),
                    html=node["html"],
                    summary=node.get("failureSummary") or violation["help"],
                )
            )
    ARTIFACTS.mkdir(exist_ok=True)
    report = "\n".join(str(f) for f in findings) or "no violations"
    (ARTIFACTS / f"axe-{name}.txt").write_text(
        f"axe-core {results['testEngine']['version']} on {page.url}\n{report}\n", encoding="utf-8"
    )
    return findings


def blocking(findings: list[Finding]) -> list[Finding]:
    """The critical and serious findings that no allow-list entry covers."""
    return [
        f
        for f in findings
        if f.impact in BLOCKING and not any(a.matches(f) for a in STREAMLIT_INTERNAL)
    ]


def _report(findings: list[Finding]) -> str:
    return "\n".join(str(f) for f in findings)


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    """The real app on a copy of the shipped sample data, with an admin password.

    Without one the Admin page is not in the navigation at all (issue 18), so
    the scan of the admin page is of its login form.
    """
    data_dir = copy_sample_data(tmp_path_factory.mktemp("data"))
    env = {"FINDER_DATA_DIR": str(data_dir), "FINDER_ADMIN_PASSWORD": "axe scan password"}
    with run_streamlit(ROOT / "streamlit_app.py", env=env) as server:
        yield server.url


def _settle(page) -> None:
    """Wait until the page's HTML blocks (the app's CSS and the help banner) are drawn.

    Streamlit renders ``unsafe_allow_html`` Markdown only after loading an extra
    script chunk, a few hundred ms after plain elements; scanning earlier sees
    Streamlit's default styles instead of the app's.
    """
    page.locator(".help-banner").wait_for()
    page.wait_for_function(
        """() => Array.from(document.querySelectorAll('style'))
                 .some(s => s.textContent.includes('.help-banner'))"""
    )


def _open_search(page, app_url: str) -> None:
    # The default page lives at "/", so the search goes there (not "/find").
    page.goto(f"{app_url}/?{SEARCH}")
    # The first run imports folium, the geocoder and the dataset: slow on 2 busy cores.
    page.get_by_text(re.compile(r"\d+ programs? found")).wait_for(timeout=90_000)
    frame = streamlit_frame(page, "streamlit_folium", timeout_s=60)
    frame.locator(".marker-cluster, .leaflet-marker-icon").first.wait_for(timeout=60_000)
    wait_for_leaflet_idle(frame)
    # Open the expanders so the "What is an IOP?" text and every filter are scanned too.
    for label in ("What is an IOP?", "More filters"):
        page.locator("summary").filter(has_text=label).click()
    page.get_by_label("Treats co-occurring mental health conditions").wait_for(state="attached")
    page.get_by_text("intensive outpatient program (IOP)").first.wait_for()
    _settle(page)


@pytest.fixture(scope="module")
def find_scans(chromium, app_url):
    """Scans of the find page after a ZIP search, at desktop and phone size.

    Module-scoped: several tests read the same scans, and each costs seconds.
    Also returns, per scan, the requests made while axe ran.
    """
    scans = {}
    for name, open_context in (
        ("find-desktop", offline_context),
        ("find-phone", phone_context),
    ):
        context, log = open_context(chromium)
        try:
            page = context.new_page()
            page.set_default_timeout(30_000)
            _open_search(page, app_url)
            before = len(log.urls)
            findings = axe_scan(page, name)
            scans[name] = (findings, log.urls[before:], log)
        finally:
            context.close()
    return scans


@pytest.mark.parametrize("name", ["find-desktop", "find-phone"])
def test_find_page_has_no_serious_violations(find_scans, name):
    findings, _, log = find_scans[name]
    assert not blocking(findings), _report(blocking(findings))
    assert not log.page_errors
    log.assert_only_hosts(LOCAL_HOSTS | TILE_HOSTS)


def test_axe_scan_makes_no_request(find_scans):
    for name, (_, during_scan, _) in find_scans.items():
        assert during_scan == [], f"{name}: the scan requested {during_scan}"


def test_find_page_before_a_search_has_no_serious_violations(app_url, page, request_log):
    page.goto(app_url)
    page.get_by_text("Type a ZIP code, town or address").wait_for(timeout=90_000)
    _settle(page)
    findings = axe_scan(page, "find-empty")
    assert not blocking(findings), _report(blocking(findings))
    request_log.assert_only_hosts(LOCAL_HOSTS)


def test_compare_page_has_no_serious_violations(app_url, page, request_log):
    page.goto(f"{app_url}/compare?{SEARCH}&sl={','.join(SHORTLIST)}")
    page.get_by_role("heading", name="Side by side").wait_for(timeout=90_000)
    page.get_by_role("heading", name="Share").wait_for()
    page.locator("table.cmp").first.wait_for()
    _settle(page)
    findings = axe_scan(page, "compare")
    assert not blocking(findings), _report(blocking(findings))
    request_log.assert_only_hosts(LOCAL_HOSTS)


def test_admin_login_page_has_no_serious_violations(app_url, page, request_log):
    page.goto(f"{app_url}/admin")
    page.get_by_label("Admin password").wait_for(timeout=90_000)
    _settle(page)
    findings = axe_scan(page, "admin")
    assert not blocking(findings), _report(blocking(findings))
    request_log.assert_only_hosts(LOCAL_HOSTS)


def test_allow_list_has_no_stale_entries(find_scans):
    # An entry that matches nothing any more hides nothing: delete it (and its doc line).
    # Entries are checked against the find-page scans, where Streamlit's widgets are.
    findings = [f for scan in find_scans.values() for f in scan[0]]
    stale = [a for a in STREAMLIT_INTERNAL if not any(a.matches(f) for f in findings)]
    assert not stale, stale

"""Issue 17 in a real Chromium: untrusted text stays inert on every page.

(A script that ran would open an ``alert`` dialog: the request log records
dialogs, and none may appear.)

A hand-made dataset carries a payload in every free-text column (Markdown
images and links, raw HTML, a bare autolink, a script tag), and every query
parameter carries one too. The test walks the find page (results, the
"not found" message), the shortlist/compare page, a program page, the print
view and the admin page after login (with an upload whose column names and
values are payloads), recording every request. Nothing may be fetched except
the app and the map tiles, and no payload may become a link or an image: the
DOM of every frame is searched for ``a[href*=evil]``, ``img[src*=evil]`` and
anything else pointing at the payloads' host, and the request log must not
name it either.
"""

from __future__ import annotations

import csv
import io
from urllib.parse import urlencode, urlsplit

import pytest
from apphelpers import days_ago, write_providers

pytest.register_assert_rewrite("browser")
from browser import LOCAL_HOSTS, ROOT, TILE_HOSTS, run_streamlit, save_screenshot  # noqa: E402

pytestmark = pytest.mark.browser
pytest_plugins = ["browser"]

HOST = "evil.example"
PASSWORD = "correct horse battery"
TEXT_COLUMNS = ("organization", "program_name", "street", "source", "notes")


def payload(tag: str) -> str:
    """Markdown image and link, raw HTML image and script, a bare autolink: all at HOST."""
    return (f"{tag} ![i](http://{HOST}/{tag}.png) [l](https://{HOST}/{tag}) "
            f"<img src=http://{HOST}/{tag}-h.png> www.{HOST}/{tag} <script>alert(1)</script>")


def program(n: int) -> dict[str, str]:
    row = {
        "program_id": f"evil-{n}", "level_of_care": "IOP", "city": "Cambridge", "state": "MA",
        "zip": "02139", "latitude": f"{42.3650 + n / 1000:.4f}", "longitude": "-71.1040",
        "phone": "617-555-0100", "website": "https://test.example.org/", "insurance": "MassHealth",
        "schedule": "Mo-Fr 18:00-21:00", "last_verified": days_ago(10),
        "languages": "English; Spanish", "accepting_new_clients": "yes",
    }
    row.update({column: payload(f"{column[:4]}{n}") for column in TEXT_COLUMNS})
    return row


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    from finder.load import load_programs

    data_dir = write_providers(tmp_path_factory.mktemp("data"), [program(n) for n in range(3)])
    report = load_programs(data_dir / "providers.csv").report
    assert report.ok, report.to_text()  # every payload is valid data: it reaches the pages
    env = {"FINDER_DATA_DIR": str(data_dir), "FINDER_GEOCODER": "off",
           "FINDER_ADMIN_PASSWORD": PASSWORD}
    with run_streamlit(ROOT / "streamlit_app.py", env=env) as server:
        yield server.url


FIND_DOM = """() => {
  const hits = [];
  const selector = 'a[href*="HOST"], img[src*="HOST"], [src*="HOST"], [href*="HOST"], '
    + '[srcset*="HOST"], [style*="HOST"], [action*="HOST"], [data*="HOST"]';
  for (const el of document.querySelectorAll(selector)) hits.push(el.outerHTML.slice(0, 200));
  // An injected <script> element holds exactly the payload's code.
  for (const el of document.querySelectorAll('script')) {
    if (el.textContent.trim() === 'alert(1)') hits.push(el.outerHTML);
  }
  return hits;
}""".replace("HOST", HOST)


def assert_inert(page, request_log) -> None:
    """No element of any frame points at HOST, nothing was fetched from it, no dialog ran."""
    for frame in page.frames:
        try:
            hits = frame.evaluate(FIND_DOM)
        except Exception:  # a frame that navigated away meanwhile
            continue
        assert not hits, f"payload rendered as a link/image in {frame.url}: {hits}"
    fetched = [u for u in request_log.urls if HOST in (urlsplit(u).hostname or "")]
    assert not fetched, fetched
    assert not request_log.dialogs
    request_log.assert_only_hosts(LOCAL_HOSTS | TILE_HOSTS)


def visible_text(page) -> str:
    return page.evaluate("document.body.innerText").replace("\u2060", "")


def wait_idle(page) -> None:
    page.wait_for_load_state("networkidle")
    page.locator("[data-testid='stStatusWidget']").wait_for(state="hidden", timeout=60_000)


def test_payloads_in_every_text_column_stay_text_on_find_compare_and_program_pages(
        app_url, page, request_log):
    page.goto(f"{app_url}/?q=02139")
    page.get_by_text("programs found").first.wait_for(timeout=60_000)
    wait_idle(page)
    # The payload is on the page, as text (word joiners are invisible).
    assert f"![i](http://{HOST}/prog0.png)" in visible_text(page)
    assert_inert(page, request_log)
    save_screenshot(page, "security-find")

    page.goto(f"{app_url}/compare?q=02139&sl=evil-0,evil-1,evil-2")
    page.get_by_text("3 programs on your shortlist").wait_for(timeout=60_000)
    page.locator("table.cmp").first.wait_for(timeout=60_000)
    wait_idle(page)
    assert_inert(page, request_log)

    page.goto(f"{app_url}/program?id=evil-1")
    page.locator("table.program-fields").wait_for(timeout=60_000)
    wait_idle(page)
    assert_inert(page, request_log)


def test_payloads_in_every_query_parameter_stay_text(app_url, page, request_log):
    from finder.urlstate import FIELDS

    evil = payload("param")
    params = {f.key: evil for f in FIELDS}
    params["q"] = "02139"
    page.goto(f"{app_url}/?{urlencode(params)}")
    page.get_by_text("programs found").first.wait_for(timeout=60_000)
    wait_idle(page)
    assert_inert(page, request_log)

    page.goto(f"{app_url}/?{urlencode({'q': evil})}")
    # The "not found" message repeats the typed text: as text.
    page.locator("[data-testid='stAlert']", has_text="couldn't find").wait_for(timeout=60_000)
    wait_idle(page)
    assert f"![i](http://{HOST}" in visible_text(page)
    assert_inert(page, request_log)

    page.goto(f"{app_url}/compare?{urlencode(params)}")
    page.get_by_text("Shortlist").first.wait_for(timeout=60_000)
    wait_idle(page)
    assert_inert(page, request_log)

    page.goto(f"{app_url}/program?{urlencode({'id': evil})}")
    page.get_by_text("Program not found").wait_for(timeout=60_000)
    wait_idle(page)
    assert_inert(page, request_log)


def test_print_view_keeps_payloads_as_text(page, request_log):
    from finder.export import ExportMeta, export_rows, to_html
    from finder.load import load_programs
    from finder.search import Catalog, SearchQuery, search

    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(program(0)), lineterminator="\n")
    writer.writeheader()
    writer.writerows(program(n) for n in range(3))
    loaded = load_programs(buffer.getvalue().encode("utf-8"))
    assert loaded.report.ok, loaded.report.to_text()
    from finder.model import LatLon

    result = search(Catalog.from_programs(loaded.programs),
                    SearchQuery(origin=LatLon(42.3736, -71.1097), origin_label=payload("label")))
    meta = ExportMeta(search=payload("search"), data_source=payload("source"))
    page.set_content(to_html(export_rows(result.matches, {"evil-0": payload("note")}), meta))
    page.wait_for_load_state("networkidle")
    assert f"[l](https://{HOST}/prog0)" in visible_text(page)
    assert_inert(page, request_log)


def test_admin_page_after_login_keeps_upload_payloads_as_text(app_url, page, request_log):
    page.goto(f"{app_url}/admin")
    page.locator("input[type='password']").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_text("Upload a new file").wait_for(timeout=120_000)

    rows = [program(n) for n in range(3)]
    rows[0]["phone"] = "617-555-0199"  # a change to review
    columns = [*rows[0], f"![c](http://{HOST}/column.png) [c](https://{HOST}/column)"]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([*row.values(), payload("extra")])
    page.locator("input[type='file']").set_input_files(files=[{
        "name": f"[x](https://{HOST}/file).csv", "mimeType": "text/csv",
        "buffer": buffer.getvalue().encode("utf-8"),
    }])
    page.get_by_text("rows read").first.wait_for(timeout=120_000)  # a busy machine: slow first check
    wait_idle(page)
    assert page.get_by_text("Columns not in the template were ignored", exact=False).count() >= 1
    assert_inert(page, request_log)
    save_screenshot(page, "security-admin")

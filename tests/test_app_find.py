"""The search page and shortlist tools through AppTest, after the audit of issues 6 and 7.

Covers: no street address in the URL or the share link (a whitelist), exports
from the find page and the shortlist that state the person's real search, a
missing dataset, every field of a result card (hand-made CSV with known
values), typos, the crisis lines on every page, each filter's results
satisfying it, and street-address search through a stub Nominatim server.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from apphelpers import (
    ADMIN,
    COMPARE,
    ROOT,
    copy_sample_data,
    days_ago,
    downloaded,
    parse_csv_export,
    parse_xlsx_export,
    record_downloads,
    result_count,
    run_app,
    search_for,
    shown,
    texts,
    use_data_dir,
    write_providers,
)
from test_geocode import StubNominatim

from finder.load import load_programs
from finder.model import Accepting, Attendance, Insurance, Population, Service
from finder.schedule import PartOfDay, fit_availability, try_weekly_schedule

SAMPLE_SOURCE = "IOP Finder sample dataset (fictional programs), version sample-2026.11"


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    """A private copy of the sample data, read through FINDER_DATA_DIR; geocoder offline."""
    return use_data_dir(monkeypatch, copy_sample_data(tmp_path / "data"))


def url_params(at) -> dict[str, str]:
    return {k: at.query_params[k] for k in at.query_params}


def share_link(at) -> str:
    return next(str(c.value) for c in at.code)


def link_params(link: str) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlsplit(link).query).items()}


def assert_rounded(coords: str) -> None:
    assert re.fullmatch(r"-?\d{1,2}\.\d{2},-?\d{1,3}\.\d{2}", coords), coords


def add_first_results(at, n: int):
    for _ in range(n):
        first = next(k for k in (b.key for b in at.button) if k and k.startswith("add_"))
        at.button(key=first).click().run()
    return at


# -- 1. no street address in the URL or the share link ---------------------------------------------


STREET_ADDRESSES = (
    "45 Main St, Northampton, MA 01060",
    "100 5th Street, Boston, MA 02127",
    "45-47 Main St, Northampton, MA 01060",
    "123 1st Ave, Boston",
    "#12 Elm St, Boston",
    "Main St Apt 3, Boston",
)


@pytest.mark.parametrize("address", STREET_ADDRESSES)
def test_street_address_reaches_neither_the_url_nor_the_share_link(data_dir, address):
    at = search_for(run_app(), address)
    assert not at.exception
    assert result_count(at) > 0
    params = url_params(at)
    assert "q" not in params
    assert_rounded(params["at"])
    add_first_results(at, 1)
    at.switch_page(COMPARE).run()
    assert not at.exception
    link = share_link(at)
    shared = link_params(link)
    assert "q" not in shared
    assert_rounded(shared["at"])
    for word in ("Main", "Street", "St", "Ave", "Elm", "Apt", "5th", "1st", "45", "#"):
        assert word not in link.split("?", 1)[1].replace("at=", "").split("&sl=")[0], word


@pytest.mark.parametrize(("typed", "in_url"), [("02139-4307", "02139"), ("Worcester, MA", "Worcester, MA")])
def test_zip_and_town_go_into_the_url_as_typed(data_dir, typed, in_url):
    at = search_for(run_app(), typed)
    assert url_params(at)["q"] == in_url
    assert "at" not in url_params(at)


def test_hand_made_link_with_full_precision_coordinates_is_rewritten_rounded(data_dir):
    at = run_app({"at": "42.373612,-71.109733"})
    assert not at.exception
    assert url_params(at)["at"] == "42.37,-71.11"
    assert result_count(at) > 0
    assert "the link's location" in texts(at)
    add_first_results(at, 1)
    at.switch_page(COMPARE).run()
    assert link_params(share_link(at))["at"] == "42.37,-71.11"


def test_a_new_address_never_reuses_the_last_addresses_coordinates(data_dir):
    at = search_for(run_app(), "45 Main St, Northampton, MA 01060")
    assert url_params(at)["at"] == "42.32,-72.63"
    at = search_for(at, "9 Nowhere Rd")  # no town or ZIP: not found, so nothing to share
    assert "at" not in url_params(at)
    assert "q" not in url_params(at)


# -- 2, 3, 5. exports state the real search; the find page exports too; notes --------------------


def test_find_page_exports_every_result_with_search_date_and_source(data_dir, monkeypatch):
    seen = record_downloads(monkeypatch)
    at = search_for(run_app(), "02139")
    at.selectbox(key="radius").set_value("100").run()
    assert not at.exception
    labels = {d.label for d in at.get("download_button")}
    assert labels == {"CSV", "Excel", "Print view (HTML)"}
    sentence = next(shown(s.value) for s in at.subheader if "miles of" in str(s.value))
    total = result_count(at)
    assert total > 10  # more than one page: the export holds every page
    heading, rows = parse_csv_export(downloaded(seen, "find_dl_csv"))
    assert heading == {"Search": sentence, "Exported": dt.date.today().isoformat(),
                       "Data source": SAMPLE_SOURCE}
    assert len(rows) == total
    xlsx_heading, xlsx_rows = parse_xlsx_export(downloaded(seen, "find_dl_xlsx"))
    assert xlsx_heading == heading
    assert [r["Program ID"] for r in xlsx_rows] == [r["Program ID"] for r in rows]
    page = downloaded(seen, "find_dl_html").decode("utf-8")
    assert sentence in page
    assert "800-327-5050" in page


def test_shortlist_export_states_the_persons_real_search(data_dir, monkeypatch):
    seen = record_downloads(monkeypatch)
    at = search_for(run_app(), "02139")
    at.selectbox(key="radius").set_value("10")
    at.multiselect(key="ins").set_value(["MassHealth"]).run()
    sentence = next(shown(s.value) for s in at.subheader if "miles of" in str(s.value))
    assert "within 10 miles" in sentence
    assert "MassHealth" in sentence
    add_first_results(at, 2)
    at.switch_page(COMPARE).run()
    assert not at.exception
    heading, rows = parse_csv_export(downloaded(seen, "dl_csv"))
    assert heading["Search"] == sentence
    assert "any distance" not in heading["Search"]
    assert len(rows) == 2
    xlsx_heading, _ = parse_xlsx_export(downloaded(seen, "dl_xlsx"))
    assert xlsx_heading["Search"] == sentence


def test_a_note_goes_into_the_exports_and_the_page_says_where_notes_live(data_dir, monkeypatch):
    seen = record_downloads(monkeypatch)
    at = add_first_results(search_for(run_app(), "02139"), 2)
    at.switch_page(COMPARE).run()
    page = texts(at)
    assert "Notes are kept only for this session and in the files you export" in page
    assert "browser tab" not in page
    first = at.session_state["sl"][0]
    at.text_area(key=f"note_{first}").input("=cmd() client prefers evenings").run()
    _, rows = parse_csv_export(downloaded(seen, "dl_csv"))
    notes = {r["Program ID"]: r["Case manager notes"] for r in rows}
    assert notes[first] == "'=cmd() client prefers evenings"  # kept, and inert in a spreadsheet
    _, xlsx_rows = parse_xlsx_export(downloaded(seen, "dl_xlsx"))
    assert {r["Program ID"]: r["Case manager notes"] for r in xlsx_rows}[first].startswith("'=cmd()")
    assert "client prefers evenings" in downloaded(seen, "dl_html").decode("utf-8")
    assert "prefers" not in share_link(at)


# -- 4, 6. a missing or unusable dataset ------------------------------------------------------------


def assert_plain_data_message(at) -> None:
    assert not at.exception
    page = texts(at)
    assert "The program list could not be loaded" in page
    assert "No programs match" not in page
    for line in ("tel:988", "tel:911", "800-327-5050"):
        assert line in page, line


@pytest.mark.parametrize("contents", [None, b"\x00\xff\xfe garbage", b"program_id,organization\n"])
def test_missing_or_unreadable_dataset_gets_a_plain_message(tmp_path, monkeypatch, contents):
    folder = tmp_path / "data"
    folder.mkdir()
    if contents is not None:
        (folder / "providers.csv").write_bytes(contents)
    monkeypatch.setenv("FINDER_DATA_DIR", str(folder))
    monkeypatch.delenv("FINDER_GEOCODER", raising=False)
    at = search_for(run_app(), "02139")
    assert_plain_data_message(at)
    at = run_app({"sl": "sample-0001,sample-0002"})
    at.switch_page(COMPARE).run()
    assert_plain_data_message(at)


def test_live_dataset_size_limit_comes_from_the_upload_setting(data_dir, monkeypatch):
    size_mb = (data_dir / "providers.csv").stat().st_size / 1_048_576
    monkeypatch.setenv("FINDER_UPLOAD_MAX_MB", f"{size_mb / 4:.6f}")  # read limit: twice this
    assert_plain_data_message(search_for(run_app(), "02139"))
    monkeypatch.setenv("FINDER_UPLOAD_MAX_MB", f"{size_mb:.6f}")
    assert result_count(search_for(run_app(), "02139")) > 0


def test_streamlit_never_shows_tracebacks_to_people():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["showErrorDetails"] == "none"


# -- 7. result cards with known values ------------------------------------------------------------


def handmade_rows() -> list[dict[str, str]]:
    common = {"level_of_care": "IOP", "state": "MA", "county": "Middlesex", "intake": "walk-in",
              "source": "Test fixture (fictional)", "hours_per_week": "6",
              "languages": "English; Spanish", "populations": "Adults"}
    return [
        {**common, "program_id": "test-0001", "organization": "Harbor Test Recovery",
         "program_name": "Evening IOP Fresh", "street": "1 Example Way", "city": "Cambridge",
         "zip": "02139", "latitude": "42.3650", "longitude": "-71.1040",
         "phone": "617-555-0101", "intake_phone": "617-555-0102",
         "website": "https://harbor.example.org", "insurance": "MassHealth; Self-pay",
         "schedule": "Mo,We 18:00-21:00", "attendance": "in-person",
         "services": "Buprenorphine; Co-occurring mental health",
         "accepting_new_clients": "yes", "availability_as_of": days_ago(3),
         "last_verified": days_ago(10)},
        {**common, "program_id": "test-0002", "organization": "Old Mill Test Clinic",
         "program_name": "Morning IOP Stale", "street": "2 Example Way", "city": "Cambridge",
         "zip": "02139", "latitude": "42.3700", "longitude": "-71.1100",
         "phone": "617-555-0103", "website": "https://oldmill.example.org",
         "insurance": "Medicare", "schedule": "Tu,Th 09:00-12:00", "attendance": "telehealth",
         "services": "Naltrexone", "accepting_new_clients": "no",
         "last_verified": days_ago(400)},
    ]


@pytest.fixture
def handmade_dir(tmp_path, monkeypatch):
    folder = write_providers(tmp_path / "data", handmade_rows())
    report = load_programs(folder / "providers.csv").report
    assert report.ok, report.to_text()
    monkeypatch.setenv("FINDER_DATA_DIR", str(folder))
    monkeypatch.delenv("FINDER_GEOCODER", raising=False)
    return folder


def test_result_cards_show_every_field(handmade_dir):
    at = search_for(run_app(), "02139")
    assert not at.exception
    assert result_count(at) == 2
    raw = "\n".join(str(m.value) for m in at.markdown)
    page = texts(at).replace("\\", "")  # Markdown escapes undone
    assert "[Directions](https://www.openstreetmap.org/directions?to=42.365%2C-71.104)" in raw
    assert "[(617) 555-0101](tel:+1-617-555-0101) · Intake: [(617) 555-0102](tel:+1-617-555-0102)" in page
    assert "[Website](https://harbor.example.org)" in raw
    assert "[(617) 555-0103](tel:+1-617-555-0103)" in page
    assert "Sessions:** Mon, Wed 6:00–9:00 PM" in page
    assert "Sessions:** Tue, Thu 9:00 AM–12:00 PM" in page
    as_of = dt.date.today() - dt.timedelta(days=3)
    assert f"Accepting new clients (as of {as_of:%b} {as_of.day}, {as_of:%Y})" in page
    assert "Not accepting new clients" in page
    assert "Verified 10 days ago" in page
    assert "Verified 400 days ago" in page
    fresh = next(c for c in page.splitlines() if "Verified 10 days ago" in c)
    stale = next(c for c in page.splitlines() if "Verified 400 days ago" in c)
    assert "may be out of date" not in fresh
    assert "may be out of date, call to confirm" in stale
    assert "Source: Test fixture (fictional)" in fresh
    assert "Languages:** English, Spanish" in page


def test_crisis_lines_on_every_page_and_the_iop_explainer_on_find(data_dir, monkeypatch):
    monkeypatch.setenv("FINDER_ADMIN_PASSWORD", "a password")  # the Admin page is in the menu
    at = run_app()
    assert "What is an IOP?" in [e.label for e in at.expander]
    assert "intensive outpatient program (IOP)" in texts(at)
    for page in (None, COMPARE, ADMIN):
        if page:
            at.switch_page(page).run()
        assert not at.exception, page
        banner = next(str(m.value) for m in at.markdown if 'class="help-banner"' in str(m.value))
        for line in ('href="tel:988"', 'href="tel:911"', "800-327-5050", "helplinema.org"):
            assert line in banner, (page, line)


# -- 7. typos ---------------------------------------------------------------------------------------


def test_close_typo_is_corrected_and_says_did_you_mean(data_dir):
    at = search_for(run_app(), "Cambrige")
    assert not at.exception
    assert "Did you mean Cambridge? Showing Cambridge, MA." in texts(at)
    assert result_count(at) > 0
    # Shared as the town it was corrected to, never as the misspelling (issue 18).
    assert url_params(at) == {"q": "Cambridge, MA"}


def test_far_typo_offers_did_you_mean_buttons_that_search(data_dir):
    at = search_for(run_app(), "Wrcstr")
    assert not at.exception
    assert "Did you mean" in texts(at)
    assert result_count(at) == 0
    button = next(b for b in at.button if b.key and b.key.startswith("dym_"))
    assert shown(button.label) == "Worcester, MA"
    button.click().run()
    assert result_count(at) > 0
    assert url_params(at)["q"] == "Worcester, MA"


# -- 7. every filter: the results satisfy it --------------------------------------------------------


def exported_programs(at, seen, data_dir):
    _, rows = parse_csv_export(downloaded(seen, "find_dl_csv"))
    by_id = {p.program_id: p for p in load_programs(data_dir / "providers.csv").programs}
    return rows, [by_id[r["Program ID"]] for r in rows]


def parts(program) -> frozenset:
    schedule = try_weekly_schedule(program.schedule)
    return schedule.parts if schedule else frozenset()


FILTERS = [
    ("radius", "selectbox", "5", lambda row, p: float(row["Distance (miles)"]) <= 5.05),
    ("ins", "multiselect", ["MassHealth"], lambda row, p: Insurance.MASSHEALTH in p.insurance),
    ("when", "multiselect", ["evening"], lambda row, p: PartOfDay.EVENING in parts(p)),
    ("moud", "multiselect", ["Buprenorphine"], lambda row, p: Service.BUPRENORPHINE in p.services),
    ("co", "checkbox", True, lambda row, p: Service.CO_OCCURRING in p.services),
    ("pop", "multiselect", ["Women"], lambda row, p: Population.WOMEN in p.populations),
    ("speaks", "multiselect", ["Spanish"], lambda row, p: "Spanish" in p.languages),
    ("att", "radio", "telehealth",
     lambda row, p: p.attendance in (Attendance.TELEHEALTH, Attendance.HYBRID)),
    ("acc", "checkbox", True, lambda row, p: p.accepting_new_clients is Accepting.YES),
]


@pytest.mark.parametrize(("key", "kind", "value", "holds"), FILTERS, ids=[f[0] for f in FILTERS])
def test_each_filter_keeps_exactly_the_programs_that_satisfy_it(data_dir, monkeypatch, key, kind,
                                                                 value, holds):
    seen = record_downloads(monkeypatch)
    at = search_for(run_app(), "Boston")
    before = list(zip(*exported_programs(at, seen, data_dir), strict=True))
    expected = [p.program_id for row, p in before if holds(row, p)]
    assert 0 < len(expected) < len(before) == result_count(at)  # the filter has work to do
    getattr(at, kind)(key=key).set_value(value)
    at.run()
    assert not at.exception
    rows, programs = exported_programs(at, seen, data_dir)
    assert all(holds(row, p) for row, p in zip(rows, programs, strict=True))
    assert sorted(p.program_id for p in programs) == sorted(expected)
    assert result_count(at) == len(expected)


def test_availability_filter_keeps_only_programs_that_fit_and_unknown_schedules_on_request(
        data_dir, monkeypatch):
    seen = record_downloads(monkeypatch)
    at = search_for(run_app(), "Boston")
    at.multiselect(key="days").set_value(["Mo", "Tu", "We", "Th", "Fr"])
    at.selectbox(key="from").set_value("17:00")
    at.selectbox(key="to").set_value("21:30")
    at.run()
    assert not at.exception
    _, programs = exported_programs(at, seen, data_dir)
    assert programs
    for p in programs:
        fit, _hours = fit_availability(p.schedule, "Mo,Tu,We,Th,Fr 17:00-21:30")
        assert fit.value in ("fits", "partly fits"), p.program_id
    at.checkbox(key="unk").check().run()
    _, with_unknown = exported_programs(at, seen, data_dir)
    added = {p.program_id for p in with_unknown} - {p.program_id for p in programs}
    assert added
    by_id = {p.program_id: p for p in with_unknown}
    assert all(not by_id[i].schedule for i in added)


# -- 7. street address through a stub Nominatim server -------------------------------------------


def use_nominatim(monkeypatch, tmp_path: Path, port: int) -> None:
    monkeypatch.setenv("FINDER_GEOCODER", "nominatim")
    monkeypatch.setenv("FINDER_GEOCODER_DOMAIN", f"127.0.0.1:{port}")
    monkeypatch.setenv("FINDER_GEOCODER_SCHEME", "http")
    monkeypatch.setenv("FINDER_GEOCODER_TIMEOUT_S", "2")
    monkeypatch.setenv("FINDER_GEOCODER_MIN_DELAY_S", "0")
    monkeypatch.setenv("FINDER_GEOCODE_CACHE", str(tmp_path / "geocode-cache.json"))


def test_street_address_search_through_a_stub_geocoder(data_dir, tmp_path, monkeypatch):
    with StubNominatim() as stub:
        use_nominatim(monkeypatch, tmp_path, stub.port)
        at = run_app()
        disclosure = f"Street addresses you type are sent to OpenStreetMap Nominatim (127.0.0.1:{stub.port})"
        assert disclosure in texts(at)
        at = search_for(at, "45 Zyxwv Street, Northampton, MA 01060")
        assert not at.exception
        assert [r["params"]["q"] for r in stub.requests] == ["45 Zyxwv Street, Northampton, MA 01060"]
    assert result_count(at) > 0
    assert any("Zyxwv Street, Northampton" in shown(s.value) for s in at.subheader)
    assert "isn't answering" not in texts(at)
    assert url_params(at) == {"at": "42.32,-72.63"}


def test_street_address_search_with_the_geocoder_down_falls_back_to_the_zip(data_dir, tmp_path,
                                                                             monkeypatch):
    stub = StubNominatim()  # bound to a free port, then closed without serving: refused
    stub.server.server_close()
    use_nominatim(monkeypatch, tmp_path, stub.port)
    at = search_for(run_app(), "45 Zyxwv Street, Northampton, MA 01060")
    assert not at.exception
    page = texts(at)
    assert ("The address lookup service isn't answering, so distances are measured from the "
            "ZIP code (Northampton, MA 01060), not the street.") in page
    assert result_count(at) > 0
    assert "Zyxwv" not in str(url_params(at))

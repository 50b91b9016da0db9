"""AppTest flows for issue 18, "What a new user tripped over" (items 4-7 and 11-14).

The browser checks of what is on screen (items 1, 2, 3, 8 and 10) are in
``test_issue18_browser.py``.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from apphelpers import (
    APP,
    COMPARE,
    admin_login,
    copy_sample_data,
    days_ago,
    downloaded,
    live_rows,
    parse_csv_export,
    record_downloads,
    result_count,
    run_app,
    search_for,
    texts,
    to_csv,
    upload,
    use_data_dir,
    write_providers,
)
from streamlit.testing.v1 import AppTest

from finder.ui.safe import md

ADMIN = "finder/ui/pages/admin.py"
PROGRAM = "finder/ui/pages/program.py"
PASSWORD = "correct horse battery"


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    """A private copy of the sample data; admin password set; geocoder offline."""
    return use_data_dir(monkeypatch, copy_sample_data(tmp_path / "data"), admin_password=PASSWORD)


def _row(pid: str, name: str, level: str, **extra: str) -> dict[str, str]:
    row = {"program_id": pid, "organization": f"{name} Org", "program_name": name,
           "level_of_care": level, "street": "1 Example Way", "city": "Cambridge", "state": "MA",
           "zip": "02139", "county": "Middlesex", "latitude": "42.3650", "longitude": "-71.1040",
           "phone": "617-555-0101", "insurance": "MassHealth", "schedule": "Mo,We 18:00-21:00",
           "attendance": "in-person", "hours_per_week": "18.0", "languages": "English",
           "populations": "Adults", "accepting_new_clients": "yes", "intake": "walk-in",
           "source": "Test fixture (fictional)", "last_verified": days_ago(10)}
    return {**row, **extra}


@pytest.fixture
def levels_dir(tmp_path, monkeypatch):
    """Three hand-made programs in Cambridge: an IOP, a SOAP and a PHP (18.0 hours a week)."""
    folder = write_providers(tmp_path / "data", [
        _row("lvl-iop", "Evening IOP Test", "IOP"),
        _row("lvl-soap", "SOAP Test", "SOAP", latitude="42.3660"),
        _row("lvl-php", "Day Treatment PHP Test", "PHP", latitude="42.3670", hours_per_week="25"),
    ])
    return use_data_dir(monkeypatch, folder)


def names(at: AppTest) -> list[str]:
    return [str(m.value).removeprefix("#### ") for m in at.markdown if str(m.value).startswith("#### ")]


def login() -> AppTest:
    return admin_login(PASSWORD)


# -- 4. the admin "Changed" table in words ---------------------------------------------------------


def test_admin_changed_table_says_each_change_like_the_cli(data_dir):
    rows = live_rows(data_dir)
    old_phone = rows[0]["phone"]
    rows[0]["phone"] = "508-555-0147"
    at = upload(login(), "edited.csv", to_csv(rows))
    changed = next(d.value for d in at.dataframe if "change" in d.value.columns)
    assert list(changed.columns) == ["program_id", "program", "city", "change"]
    assert list(changed["change"]) == [f"phone: {old_phone!r} -> '508-555-0147'"]
    assert not any("{" in str(v) for v in changed["change"])  # no raw JSON chip


# -- 5. Streamlit's own upload limit follows the setting -------------------------------------------


@pytest.mark.parametrize(("setting", "limit_mb"), [("3", 3), ("0.5", 1), ("20", 20)])
def test_uploader_limit_follows_the_upload_setting(data_dir, monkeypatch, setting, limit_mb):
    monkeypatch.setenv("FINDER_UPLOAD_MAX_MB", setting)
    at = login()
    uploader = at.get("file_uploader")[0]
    assert uploader.proto.max_upload_size_mb == limit_mb
    assert f"Up to {float(setting):g} MB" in "\n".join(str(c.value) for c in at.caption)


def test_a_setting_above_the_server_limit_is_capped_and_explained(data_dir, monkeypatch):
    monkeypatch.setenv("FINDER_UPLOAD_MAX_MB", "500")
    at = login()
    assert at.get("file_uploader")[0].proto.max_upload_size_mb == 200  # Streamlit's default
    assert any("server.maxUploadSize" in str(w.value) for w in at.warning)


# -- 6. wording ------------------------------------------------------------------------------------


def test_a_device_location_reads_as_your_location_near_a_town(data_dir):
    at = run_app({"at": "42.64,-71.31"})  # a link with a device location near Lowell
    assert not at.exception
    heading = next(str(s.value) for s in at.subheader if "miles of" in str(s.value))
    assert "of your location near Lowell" in heading
    assert "of Near" not in heading


def test_counts_use_the_right_plural(data_dir):
    rows = live_rows(data_dir)
    rows[1]["zip"] = "2601"  # one invalid row
    rows[2]["program_name"] += " (renamed)"  # and one real change, so there is something to publish
    at = login()
    at.checkbox(key="admin_valid_only").check().run()
    at = upload(at, "one-bad.csv", to_csv(rows))
    page = texts(at)
    assert "1 invalid row left out" in page
    assert "1 invalid rows" not in page
    assert "1 problem." in page


def test_hours_per_week_are_whole_numbers_in_csv_and_print(levels_dir, monkeypatch):
    seen = record_downloads(monkeypatch)
    at = search_for(run_app(), "02139")
    assert not at.exception
    _, rows = parse_csv_export(downloaded(seen, "find_dl_csv"))
    assert {r["Hours per week"] for r in rows} == {"18"}
    page = downloaded(seen, "find_dl_html").decode("utf-8")
    assert "<th scope='row'>Hours per week</th><td>18</td>" in page
    assert "18.0" not in page


# -- 7. valid rows only keeps a live program's live version -----------------------------------------


def test_valid_rows_only_keeps_a_live_program_with_one_bad_field_and_flags_it(data_dir):
    rows = live_rows(data_dir)
    kept = rows[0]
    rows[0] = {**kept, "phone": "call us"}
    rows[1] = {**rows[1], "program_name": rows[1]["program_name"] + " (renamed)"}
    at = login()
    at.checkbox(key="admin_valid_only").check().run()
    at = upload(at, "bad-phone.csv", to_csv(rows))
    flagged = next(d.value for d in at.dataframe if "why" in d.value.columns)
    assert list(flagged["program_id"]) == [kept["program_id"]]
    assert "live version is kept" in flagged["why"].iloc[0]
    assert "Removed: **0**" in texts(at)
    at.checkbox(key="admin_sure").check().run()
    at.button(key="admin_publish").click().run()
    assert not at.exception
    assert at.success
    published = {r["program_id"]: r for r in live_rows(data_dir)}
    assert published[kept["program_id"]]["phone"] == kept["phone"]


# -- 11. level of care: IOP and SOAP unless PHP is chosen --------------------------------------------


def test_level_defaults_to_iop_and_soap_and_php_is_offered(levels_dir):
    at = search_for(run_app(), "02139")
    assert not at.exception
    assert at.multiselect(key="level").value == ["IOP", "SOAP"]
    assert set(names(at)) == {"Evening IOP Test", "SOAP Test"}
    assert "PHP" in at.multiselect(key="level").options[2]
    heading = next(str(s.value) for s in at.subheader if "miles of" in str(s.value))
    assert heading.startswith("IOP or SOAP programs")
    assert "level" not in at.query_params  # the default stays out of the URL

    at.multiselect(key="level").select("PHP").run()
    assert "Day Treatment PHP Test" in names(at)
    assert at.query_params["level"] == "IOP,SOAP,PHP"


def test_the_iop_explainer_says_what_php_is(levels_dir):
    at = run_app()
    explainer = texts(at)
    assert "partial hospitalization program (PHP)" in explainer
    assert "More filters" in explainer


def test_a_link_can_ask_for_every_level(levels_dir):
    at = run_app({"q": "02139", "level": "any"})
    assert not at.exception
    assert at.multiselect(key="level").value == []
    assert len(names(at)) == 3


# -- 12. out-of-state searches -----------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "label"), [("Nashua NH", "Nashua, NH"),
                                              ("Providence RI", "Providence, RI")])
def test_a_place_over_the_border_explains_and_lists_the_nearest_ma_programs(data_dir, typed, label):
    at = search_for(run_app(), typed)
    assert not at.exception
    warning = "\n".join(str(w.value) for w in at.warning)
    assert "covers Massachusetts only" in warning
    assert "FindTreatment.gov" in warning
    assert "1-800-662-4357" in warning
    assert result_count(at) > 0
    heading = next(str(s.value) for s in at.subheader if "miles of" in str(s.value))
    assert label.split(",")[0] in heading
    assert any("Massachusetts programs nearest to it" in str(c.value) for c in at.caption)


def test_a_place_far_away_explains_without_results(data_dir):
    at = search_for(run_app(), "Chicago, IL")
    assert not at.exception
    warning = "\n".join(str(w.value) for w in at.warning)
    assert "covers Massachusetts only" in warning
    assert "1-800-662-4357" in warning
    assert result_count(at) == 0


# -- 13. compare on desktop ---------------------------------------------------------------------------


def test_compare_is_wide_and_headers_name_the_organization(data_dir, monkeypatch):
    import streamlit as st

    layouts: list[str] = []
    original = st.set_page_config

    def spy(*args, **kwargs):
        if kwargs.get("layout"):
            layouts.append(kwargs["layout"])
        return original(*args, **kwargs)

    monkeypatch.setattr(st, "set_page_config", spy)
    rows = live_rows(data_dir)[:2]
    at = run_app({"q": "02139", "sl": ",".join(r["program_id"] for r in rows)})
    at.switch_page(COMPARE).run()
    assert not at.exception
    assert layouts[-1] == "wide"
    table = next(str(m.value) for m in at.markdown if "table class='cmp'" in str(m.value))
    head = table.split("<tbody>")[0]
    for row in rows:
        assert row["organization"].replace("&", "&amp;") in head


# -- 14. smaller things --------------------------------------------------------------------------------


def test_a_misspelled_town_is_shared_as_the_corrected_town(data_dir):
    at = search_for(run_app(), "Worcestor")
    assert not at.exception
    assert at.query_params["q"] == "Worcester, MA"
    assert "at" not in at.query_params
    at.button(key=next(b.key for b in at.button if (b.key or "").startswith("add_"))).click().run()
    at.switch_page(COMPARE).run()
    link = next(str(c.value) for c in at.code)
    shared = parse_qs(urlsplit(link).query)
    assert shared["q"] == ["Worcester, MA"]
    assert "at" not in shared


def test_manchester_asks_which_one(data_dir):
    at = search_for(run_app(), "Manchester")
    assert not at.exception
    assert any("Which Manchester did you mean" in str(e.value) for e in at.error)
    labels = [b.label for b in at.button if (b.key or "").startswith("dym_")]
    assert labels[:2] == ["Manchester\\-by\\-the\\-Sea\\, MA", "Manchester\\, NH"]
    assert result_count(at) == 0
    at.button(key="dym_1").click().run()  # Manchester, NH: out of state, near the border
    assert any("covers Massachusetts only" in str(w.value) for w in at.warning)


def test_admin_is_in_the_navigation_only_when_enabled(data_dir, monkeypatch):
    at = run_app()
    at.switch_page(ADMIN).run()  # a password is set: the page exists
    assert not at.exception
    monkeypatch.delenv("FINDER_ADMIN_PASSWORD")
    at = run_app()
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(ADMIN)


def test_shortlist_link_shows_the_count_once_something_is_on_it(data_dir):
    at = search_for(run_app(), "02139")
    assert not [p for p in at.get("page_link") if "Shortlist (" in p.proto.label]
    for _ in range(3):
        key = next(b.key for b in at.button if (b.key or "").startswith("add_"))
        at.button(key=key).click().run()
    labels = [p.proto.label for p in at.get("page_link")]
    assert "Shortlist (3) → Compare" in labels
    # The Find page is the default page, served at / (its link's page is "").
    assert all(p.proto.page.endswith("compare") or "program" in p.proto.page or "find" in p.proto.page
               or p.proto.page == "" for p in at.get("page_link"))


# -- 10. the program page (its on-screen check is in the browser test) -------------------------------


def test_program_page_shows_every_field_and_is_reached_from_the_cards(data_dir):
    at = search_for(run_app(), "02139")
    links = [p for p in at.get("page_link") if p.proto.label.startswith("Program page")]
    assert len(links) == 10
    row = live_rows(data_dir)[0]
    at = run_app({"id": row["program_id"]})
    at.switch_page(PROGRAM)
    at.query_params["id"] = row["program_id"]
    at.run()
    assert not at.exception
    assert at.title[0].value == md(row["program_name"])  # a title renders Markdown: escaped
    page = texts(at)
    for header in ("Organization", "Address", "Phone", "Insurance / payment", "Program ID"):
        assert f"<th scope='row'>{header}</th>" in page
    assert "Directions" in page
    assert [b.label for b in at.button if (b.key or "").startswith("add_")] == ["Add to shortlist"]
    # Issue 13 filled the placeholder: the correction form opens from this button.
    update = next(b for b in at.button if (b.key or "").startswith("page_upd_"))
    assert not update.disabled
    assert update.label == "Update this listing"


def test_program_page_with_a_bad_id_says_so(data_dir):
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page(PROGRAM)
    at.query_params["id"] = "<script>"
    at.run()
    assert not at.exception
    assert at.title[0].value == "Program not found"

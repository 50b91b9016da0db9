"""Issue 17: the red team's 14 defects, one or more tests each, named after the defect.

Markdown is checked with markdown-it (CommonMark, as Streamlit's renderer):
an escaped string must parse to text only, with no link or image. GitHub's
autolinks (``www.x``, ``http://x``), which markdown-it leaves out, are checked
by pattern, and in the real browser by ``test_security_browser.py``.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import time
from pathlib import Path

import pytest
from apphelpers import (
    ADMIN,
    APP,
    COMPARE,
    admin_login,
    copy_sample_data,
    run_app,
    use_data_dir,
    write_providers,
)
from markdown_it import MarkdownIt
from streamlit.testing.v1 import AppTest

import finder.ui.common
from finder.cli import main
from finder.errors import PublishError
from finder.export import ExportMeta, neutralize, to_csv, to_xlsx
from finder.load import MAX_LISTED_ERRORS, Issue, load_programs, read_meta
from finder.model import Place, Precision
from finder.refresh import issues_to_csv, prepare_refresh
from finder.store.files import history, publish, rollback
from finder.ui.safe import html, md, md_link
from finder.untrusted import terminal_text, web_url
from finder.urlstate import decode_params

PASSWORD = "correct horse battery"
EVIL = "evil.example"
MARKDOWN_PAYLOADS = (
    "https://ok.example/a)![pix](http://evil.example/x.png",
    "[![](http://evil.example/i.png)](https://evil.example/phish)",
    "![x](http://evil.example/q.png)",
    "[Call the Helpline](https://evil.example/x)",
    "<img src=http://evil.example/h.png>",
    "www.evil.example/auto",
    "http://evil.example/auto",
    "mail me: a@evil.example",
    ":material/warning: :red[Closed] $x^2$",
    "**bold** _it_ `code` # head > quote | a | b |",
    "line one\n\n# heading\n- item",
    "back\\slash \\) \\]",
)


def rendered_tokens(markdown: str) -> list:
    parser = MarkdownIt("commonmark")
    tokens = []
    for block in parser.parse(markdown):
        tokens.append(block)
        tokens.extend(block.children or [])
    return tokens


def assert_inert_markdown(markdown: str) -> None:
    """No link, image, HTML or autolink-looking text in a Markdown string."""
    kinds = {t.type for t in rendered_tokens(markdown)}
    assert not kinds & {"link_open", "image", "html_inline", "html_block"}, markdown
    assert not re.search(r"(?<!\\)(https?:|www\.|mailto:)", markdown), markdown
    assert not re.search(r"(?<!\\):[a-z]+(/|\[)", markdown), markdown


# -- 1. Markdown injection through `website` ---------------------------------------------


@pytest.mark.parametrize("payload", MARKDOWN_PAYLOADS)
def test_defect01_markdown_injection_escaped_text_renders_as_text_only(payload):
    escaped = md(payload)
    assert_inert_markdown(escaped)
    text = "".join(t.content for t in rendered_tokens(escaped) if t.type == "text")
    # Shown literally (the word joiners after ":" are invisible).
    assert " ".join(text.replace("\u2060", "").split()) == " ".join(payload.split())


@pytest.mark.parametrize(
    "url",
    [
        "https://ok.example/a)![pix](http://evil.example/x.png",
        "[![](x)](https://evil.example/phish)",
        "javascript:alert(1)",
        "https://helpline.example@evil.example/",
        "https://ok.example/a b",
        "https://ok.example\\@evil.example",
        "ftp://ok.example/",
        "https://127.0.0.1/",
        "https:///nohost",
        "https://ok.example:99999/",
    ],
)
def test_defect01_markdown_injection_website_refused_by_validation(url, tmp_path):
    rows = [{**_good_row(), "website": url}]
    write_providers(tmp_path, rows)
    report = load_programs(tmp_path / "providers.csv").report
    assert [i.column for i in report.errors] == ["website"]


def test_defect01_markdown_injection_link_only_from_a_parsed_url():
    link = md_link("Website", "https://ok.example/a)![pix](http://evil.example/x.png")
    tokens = rendered_tokens(link)
    assert [t.type for t in tokens if t.type in {"link_open", "image"}] == ["link_open"]
    href = next(t for t in tokens if t.type == "link_open").attrs["href"]
    assert href == "https://ok.example/a%29%21%5Bpix%5D%28http://evil.example/x.png"
    assert md_link("Website", "javascript:alert(1)") == md("Website")
    assert web_url("HTTPS://Ok.Example/path?q=1#top") == "https://ok.example/path?q=1#top"
    assert html("<b x='1'>") == "&lt;b x=&#x27;1&#x27;&gt;"


def _good_row(**overrides):
    row = {
        "program_id": "t-1", "organization": "Test Org", "program_name": "Evening IOP",
        "level_of_care": "IOP", "street": "1 Main St", "city": "Cambridge", "state": "MA",
        "zip": "02139", "latitude": "42.3650", "longitude": "-71.1040", "phone": "617-555-0100",
        "website": "https://test.example.org", "insurance": "MassHealth",
        "schedule": "Mo-Fr 18:00-21:00", "last_verified": "2026-09-01", "source": "test",
    }
    row.update(overrides)
    return row


@pytest.mark.parametrize(
    ("website", "kept"),
    [
        ("https://ok.example/a)![pix](http://evil.example/x.png",
         "https://ok.example/a%29%21%5Bpix%5D%28http://evil.example/x.png"),
        ("[![](x)](https://evil.example/phish)", ""),
        ("javascript:alert(1)", ""),
        ("https://ok.example/plain", "https://ok.example/plain"),
    ],
)
def test_defect01_markdown_injection_findtreatment_import_website(website, kept):
    """Imported websites go through the same URL parser: refused, or percent-encoded."""
    import datetime as dt

    from finder.importers.findtreatment import import_findtreatment

    fixture = Path(__file__).parent / "data" / "findtreatment" / "locator_listing.json"
    doc = json.loads(fixture.read_text(encoding="utf-8"))
    for row in doc["rows"]:
        row["website"] = website
    result = import_findtreatment(json.dumps(doc).encode("utf-8"), as_of=dt.date(2025, 8, 19),
                                  today=dt.date(2026, 11, 30))
    assert result.rows
    assert {row["website"] for row in result.rows} == {kept}


def test_defect01_markdown_injection_card_website_is_a_real_link(tmp_path, monkeypatch):
    folder = write_providers(tmp_path / "data", [_good_row(website="https://test.example.org/a_b")])
    use_data_dir(monkeypatch, folder)
    at = run_app({"q": "02139"})
    assert not at.exception
    contact = next(m.value for m in at.markdown if "Website" in m.value)
    links = [t.attrs["href"] for t in rendered_tokens(contact) if t.type == "link_open"]
    assert "https://test.example.org/a_b" in links


# -- 2. Reflected Markdown through ?q= and the geocoder's label ------------------------


@pytest.mark.parametrize("payload", MARKDOWN_PAYLOADS[2:6])
def test_defect02_reflected_markdown_through_q_is_escaped(payload, tmp_path, monkeypatch):
    use_data_dir(monkeypatch, copy_sample_data(tmp_path / "data"))
    at = run_app({"q": payload})
    assert not at.exception
    shown = [e.value for e in at.error] + [c.value for c in at.caption] + [s.value for s in at.subheader]
    assert any("evil" in s for s in shown), shown
    for value in shown:
        assert_inert_markdown(value)


def test_defect02_geocoder_label_in_the_heading_is_escaped(tmp_path, monkeypatch):
    use_data_dir(monkeypatch, copy_sample_data(tmp_path / "data"))
    label = "![x](http://evil.example/label.png) [Call](https://evil.example/x)"

    class EvilLocator:
        disclosure = ""
        gazetteer = None

        def locate(self, text):
            return Place(42.3736, -71.1097, label, Precision.ADDRESS, "nominatim",
                         note="Did you mean [this](https://evil.example/n)?")

        def from_device(self, lat, lon):
            return Place(lat, lon, label, Precision.DEVICE, "browser")

    monkeypatch.setattr(finder.ui.common, "locator", lambda cfg: EvilLocator())
    at = run_app({"q": "02139"})
    assert not at.exception
    heading = [s.value for s in at.subheader if "evil" in s.value]
    assert heading
    for value in heading + [c.value for c in at.caption if "evil" in c.value]:
        assert_inert_markdown(value)


# -- 3. The admin's "someone else published" guard ---------------------------------------


@pytest.fixture
def admin_data(tmp_path, monkeypatch):
    folder = copy_sample_data(tmp_path / "data")
    return use_data_dir(monkeypatch, folder, admin_password=PASSWORD)


def _login() -> AppTest:
    return admin_login(PASSWORD)


def _upload(at: AppTest, name: str, data: bytes) -> AppTest:
    at.get("file_uploader")[0].set_value((name, data, "text/csv"))
    at.run()
    assert not at.exception
    return at


def _rows(folder: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO((folder / "providers.csv").read_text(encoding="utf-8"))))


def _csv(rows) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def test_defect03_admin_publish_guard_refuses_when_someone_else_published(admin_data):
    mine = _rows(admin_data)
    mine[0]["phone"] = "617-555-0199"
    at = _upload(_login(), "mine.csv", _csv(mine))
    at.checkbox(key="admin_sure").check().run()

    theirs = _rows(admin_data)
    theirs[1]["phone"] = "617-555-0188"
    publish(admin_data, _csv(theirs), source="a colleague")  # published meanwhile
    before = [v.version for v in history(admin_data)]
    assert "live data changed" in " ".join(w.value for w in at.run().warning)

    at.button(key="admin_publish").click().run()
    assert not at.exception
    assert [v.version for v in history(admin_data)] == before  # nothing published over it
    assert any("someone else published" in e.value for e in at.error)
    assert "617-555-0188" in (admin_data / "providers.csv").read_text(encoding="utf-8")


def test_defect03_admin_plan_is_checked_once_per_upload_not_on_every_rerun(admin_data, monkeypatch):
    import finder.refresh

    calls = []
    real = finder.refresh.prepare_refresh

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(finder.refresh, "prepare_refresh", counting)
    mine = _rows(admin_data)
    mine[0]["phone"] = "617-555-0199"
    at = _upload(_login(), "mine.csv", _csv(mine))
    at.checkbox(key="admin_sure").check().run()
    at.run()
    assert len(calls) == 1
    at.button(key="admin_publish").click().run()
    assert history(admin_data)[0].version == "v0002"
    assert "617-555-0199" in (admin_data / "providers.csv").read_text(encoding="utf-8")


# -- 4. The login throttle, on the page ------------------------------------------------


def test_defect04_login_throttle_a_stranger_cannot_lock_the_admin_out(admin_data, monkeypatch):
    import finder.ui.admin

    # AppTest gives every session the same id: name the two browsers here.
    client = {"keys": ["session:stranger", "ip:203.0.113.9"]}
    monkeypatch.setattr(finder.ui.admin, "_client_keys", lambda: client["keys"])
    stranger = AppTest.from_file(APP, default_timeout=60).run()
    stranger.switch_page(ADMIN).run()
    messages = []
    for _ in range(6):
        stranger.text_input(key="admin_pw").input("guess")
        stranger.get("form_submit_button")[0].click()
        stranger.run()
        messages += [e.value for e in stranger.error]
    assert any("Too many wrong passwords" in m for m in messages)
    client["keys"] = ["session:admin", "ip:198.51.100.4"]
    admin = _login()  # another browser session: not slowed by the stranger's failures
    assert admin.button(key="admin_logout")


# -- 5. ?page=² and every URL value ----------------------------------------------------


@pytest.mark.parametrize("page", ["²", "٣", "1e3", "0", "-1", "99999", " 2", "２"])
def test_defect05_page_superscript_is_dropped_by_the_strict_parser(page):
    state = decode_params({"page": page})
    assert state.get("page") in (None, 2)


@pytest.mark.parametrize("page_path", [None, COMPARE])
def test_defect05_page_superscript_does_not_break_search_or_compare(page_path, tmp_path, monkeypatch):
    use_data_dir(monkeypatch, copy_sample_data(tmp_path / "data"))
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in {"q": "02139", "page": "²", "ins": "Nope", "from": "[x](http://e.x)",
                       "lang": "Klingon", "sl": "sample-0001,<script>"}.items():
        at.query_params[key] = value
    at.run()
    if page_path:
        at.switch_page(page_path).run()
    assert not at.exception
    assert not [e for e in at.error if "Traceback" in e.value]


# -- 6. Markdown injection on the admin page ---------------------------------------------


def test_defect06_admin_markdown_injection_through_column_names_and_summary(admin_data):
    rows = _rows(admin_data)
    evil = "![c](http://evil.example/col.png)"
    text = _csv(rows).decode("utf-8").replace("program_id,", f'program_id,"{evil}",', 1)
    text = "\n".join(line if i == 0 else line.replace(",", ",x,", 1)
                     for i, line in enumerate(text.split("\n")) if line)
    at = _upload(_login(), "[x](https://evil.example/f).csv", text.encode("utf-8"))
    notices = [i.value for i in at.info] + [c.value for c in at.caption] + [m.value for m in at.markdown]
    assert any("evil" in n for n in notices)
    for value in notices:
        if "evil" in value:
            assert_inert_markdown(value)


# -- 7. Formula injection: one guard for every export ---------------------------------


@pytest.mark.parametrize("cell", ["=1+1", " =1+1", "\u00a0=HYPERLINK(\"x\")", "\n=1", "\t1",
                                  "\r=1", "+1", "@SUM(A1)", "-1+2", "\u200b=1", "  \u00a0 -cmd"])
def test_defect07_formula_injection_cells_are_neutralized(cell):
    assert neutralize(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["-71.1", "42", "-5", "Plain text", "", "a=b"])
def test_defect07_formula_injection_plain_numbers_and_text_are_unchanged(cell):
    assert neutralize(cell) == cell


def test_defect07_formula_injection_problems_csv_neutralizes_every_cell():
    data = issues_to_csv([Issue(2, "=cmd|' /C calc'!A0", " =1+1", "@message")])
    row = list(csv.reader(io.StringIO(data.decode("utf-8"))))[1]
    assert row == ["2", "'=cmd|' /C calc'!A0", "' =1+1", "'@message"]


def test_defect07_formula_injection_exports_agree_on_negative_numbers():
    rows = [{"program_name": "-71.1", "organization": " =1", "distance_miles": -1.5}]
    meta = ExportMeta(search="=search", data_source="-src")
    table = list(csv.reader(io.StringIO(to_csv(rows, meta))))
    header = table.index(["Program", *table[4][1:]])
    assert table[header + 1][0] == "-71.1"
    assert table[header + 1][1] == "' =1"
    assert ["Search", "'=search"] in table
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(to_xlsx(rows, meta))).active
    values = [c.value for row in sheet.iter_rows() for c in row if c.value is not None]
    assert "-71.1" in values
    assert "' =1" in values
    assert not any(isinstance(v, str) and v.startswith("=") for v in values)


# -- 8. Resource exhaustion --------------------------------------------------------------


def test_defect08_resource_exhaustion_row_limit_refuses_a_million_rows_quickly():
    data = b"program_id\n" + b"x\n" * 1_000_000
    start = time.perf_counter()
    report = load_programs(data).report
    assert report.file_error is not None
    assert "50,000" in report.file_error
    assert time.perf_counter() - start < 20  # was 2 min 45 s (generous: a busy CI machine)


def test_defect08_resource_exhaustion_errors_are_capped_but_counted(tmp_path):
    rows = [_good_row(program_id=f"t-{i}", phone="bad", zip="1") for i in range(800)]
    write_providers(tmp_path, rows)
    report = load_programs(tmp_path / "providers.csv").report
    assert len(report.errors) == MAX_LISTED_ERRORS
    assert report.error_count == 1600
    assert report.errors_truncated
    assert len(report.bad_rows) == 800
    assert "and 600 more errors" in report.to_text()
    plan = prepare_refresh(tmp_path / "providers.csv", data_dir=tmp_path, valid_rows_only=True)
    assert not plan.can_publish  # rows with unlisted problems can't be left out reliably


def test_defect08_resource_exhaustion_capped_report_survives_pickle(tmp_path):
    """finder.validated keeps reports in a pickle: the counts must come back too."""
    import pickle

    rows = [_good_row(program_id=f"t-{i}", phone="bad", zip="1") for i in range(600)]
    write_providers(tmp_path, rows)
    report = load_programs(tmp_path / "providers.csv").report
    again = pickle.loads(pickle.dumps(report))
    assert (again.error_count, len(again.errors), again.bad_rows) == (1200, MAX_LISTED_ERRORS,
                                                                      report.bad_rows)


def test_defect08_resource_exhaustion_row_limit_setting(tmp_path, monkeypatch, capsys):
    rows = [_good_row(program_id=f"t-{i}") for i in range(5)]
    write_providers(tmp_path, rows)
    monkeypatch.setenv("FINDER_UPLOAD_MAX_ROWS", "3")
    assert main(["validate", str(tmp_path / "providers.csv")]) == 2
    assert "more than 3 programs" in capsys.readouterr().out


# -- 9. Deeply nested JSON -----------------------------------------------------------------


DEEP = b'{"rows": ' + b"[" * 200_000 + b"]" * 200_000 + b"}"


def test_defect09_nested_json_refresh_gives_a_file_error(tmp_path):
    copy_sample_data(tmp_path)
    plan = prepare_refresh(DEEP, data_dir=tmp_path, file_name="locator.json")
    assert plan.report.file_error
    assert not plan.can_publish


def test_defect09_nested_json_import_cli_exits_cleanly(tmp_path, capsys):
    path = tmp_path / "locator.json"
    path.write_bytes(DEEP)
    code = main(["import", "findtreatment", str(path), "--as-of", "2025-08-19",
                 "--output", str(tmp_path / "out.csv")])
    out = capsys.readouterr()
    assert code == 2
    assert "cannot be read" in out.out + out.err
    assert "Traceback" not in out.out + out.err
    assert "RecursionError" not in out.out + out.err


def test_defect09_nested_json_hsds_package_exits_cleanly(tmp_path, capsys):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "datapackage.json").write_bytes(DEEP)
    code = main(["import", "hsds", str(package), "--output", str(tmp_path / "out.csv")])
    out = capsys.readouterr()
    assert code != 0
    assert "not valid JSON" in out.out + out.err


def test_defect09_nested_json_meta_and_history_index(tmp_path):
    copy_sample_data(tmp_path)
    (tmp_path / "providers.meta.json").write_bytes(DEEP)
    assert read_meta(tmp_path) == {}
    (tmp_path / "history").mkdir()
    (tmp_path / "history" / "index.json").write_bytes(DEEP)
    with pytest.raises(PublishError, match="damaged"):
        history(tmp_path)


def test_defect09_nested_json_on_the_admin_page(admin_data):
    at = _upload(_login(), "locator.json", DEEP)
    assert at.error


# -- 10. A damaged history/index.json ---------------------------------------------------


def _published_twice(folder: Path) -> None:
    rows = _rows(folder)
    rows[0]["phone"] = "617-555-0199"
    publish(folder, _csv(rows), source="test")


def test_defect10_history_index_missing_field_is_a_clear_error(tmp_path):
    copy_sample_data(tmp_path)
    _published_twice(tmp_path)
    index = tmp_path / "history" / "index.json"
    doc = json.loads(index.read_text())
    del doc["versions"][0]["sha256"]
    index.write_text(json.dumps(doc))
    for action in (lambda: history(tmp_path), lambda: rollback(tmp_path, "v0001"),
                   lambda: publish(tmp_path, (tmp_path / "providers.csv").read_bytes(), source="x")):
        with pytest.raises(PublishError) as caught:
            action()
        assert "damaged" in caught.value.user_message
    assert main(["history", "--data-dir", str(tmp_path)]) != 0


def test_defect10_history_index_path_outside_history_is_refused(tmp_path):
    copy_sample_data(tmp_path / "data")
    folder = tmp_path / "data"
    _published_twice(folder)
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    index = folder / "history" / "index.json"
    doc = json.loads(index.read_text())
    doc["versions"].append({**doc["versions"][-1], "version": "v0009", "status": "pending",
                            "file": "../../victim.txt", "sha256": "0" * 64})
    index.write_text(json.dumps(doc))
    with pytest.raises(PublishError):
        publish(folder, (folder / "providers.csv").read_bytes(), source="next")
    assert victim.read_text() == "keep me"


# -- 11. Terminal escape sequences -----------------------------------------------------


def test_defect11_terminal_escapes_are_stripped_from_cli_output(tmp_path, capsys):
    header = "program_id,\x1b[31mred\x1b[0m,\u202eevil\n"
    path = tmp_path / "x.csv"
    path.write_text(header + "\x1b]0;title\x07a,b,c\n", encoding="utf-8")
    main(["validate", str(path)])
    out = capsys.readouterr()
    for stream in (out.out, out.err):
        assert "\x1b" not in stream
        assert "\u202e" not in stream
        assert "\x07" not in stream
    assert "\\u001b[31mred" in out.out  # still visible, as text


def test_defect11_terminal_text_keeps_json_valid_and_equal():
    payload = {"a": "x\x1b[31m\u202e\x9b\u00e9"}
    text = terminal_text(json.dumps(payload, ensure_ascii=False))
    assert json.loads(text) == payload
    assert not any(ch in text for ch in "\x1b\u202e\x9b")


# -- 13. A whitespace-only admin password ---------------------------------------------


def test_defect13_whitespace_only_admin_password_keeps_the_admin_page_off(tmp_path, monkeypatch):
    from finder.ui.admin import admin_enabled

    use_data_dir(monkeypatch, copy_sample_data(tmp_path / "data"), admin_password="   ")
    assert not admin_enabled()  # so the Admin page is not in the navigation
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(ADMIN)  # no Admin page at all, so no login form


# -- 14. Text validation gaps -------------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("city", "Paris", "Massachusetts city"),
        ("city", "Atlantis", "Massachusetts city"),
        ("program_name", "Evening \u202eIOP", "override"),
        ("organization", "Org \u2066x\u2069", "override"),
        ("program_name", ":material/warning: Closed", "formatting codes"),
        ("notes", "Call :red[now]", "formatting codes"),
        ("source", "src\x1b[31m", "control characters"),
    ],
)
def test_defect14_text_validation_gaps(column, value, message, tmp_path):
    write_providers(tmp_path, [_good_row(**{column: value})])
    errors = load_programs(tmp_path / "providers.csv").report.errors
    assert [(i.column, message in i.message) for i in errors] == [(column, True)]


@pytest.mark.parametrize("version", ["\u0663", "v\u00b2", "\uff11", "v\u0661"])
def test_defect14_rollback_refuses_unicode_digits(version, tmp_path):
    copy_sample_data(tmp_path)
    _published_twice(tmp_path)
    with pytest.raises(PublishError) as caught:
        rollback(tmp_path, version)
    assert "no version" in caught.value.user_message


def test_defect14_symlinked_providers_csv_is_not_silently_replaced(tmp_path):
    real = copy_sample_data(tmp_path / "real")
    folder = tmp_path / "data"
    folder.mkdir()
    os.symlink(real / "providers.csv", folder / "providers.csv")
    (folder / "providers.meta.json").write_text("{}")
    rows = _rows(folder)
    rows[0]["phone"] = "617-555-0199"
    with pytest.raises(PublishError) as caught:
        publish(folder, _csv(rows), source="test")
    assert "symbolic link" in caught.value.user_message
    assert (folder / "providers.csv").is_symlink()
    assert "617-555-0199" not in (real / "providers.csv").read_text(encoding="utf-8")

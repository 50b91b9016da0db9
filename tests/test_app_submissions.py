"""Issue 13 in the app (AppTest): "Update this listing" → the admin's queue → approve → found.

The round trip the issue asks for: a case manager sends session times from a
result card; nothing changes publicly; the admin sees the report beside the
current value, approves it; an evening search then finds the program with
"confirmed by phone" provenance. Bad input gets a message and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from apphelpers import (
    ADMIN,
    APP,
    run_app,
    search_for,
    shown,
    texts,
    use_data_dir,
    write_providers,
)
from streamlit.testing.v1 import AppTest

from finder.config import Settings
from finder.load import load_programs
from finder.store import open_store
from finder.submissions import Queue

PASSWORD = "correct horse battery staple"
TARGET = "cam-0001"
BASE = {
    "organization": "Riverbend Counseling", "level_of_care": "IOP", "state": "MA",
    "county": "Middlesex", "phone": "617-555-0142", "insurance": "MassHealth",
    "attendance": "in-person", "accepting_new_clients": "unknown", "source": "Test data (fictional)",
}
ROWS = [
    {**BASE, "program_id": TARGET, "program_name": "Riverbend IOP - Cambridge",
     "street": "10 Main St", "city": "Cambridge", "zip": "02139",
     "latitude": "42.3625", "longitude": "-71.0843"},
    {**BASE, "program_id": "cam-0002", "program_name": "Harbor Day IOP - Somerville",
     "street": "20 Elm St", "city": "Somerville", "zip": "02144", "latitude": "42.3967",
     "longitude": "-71.1223", "schedule": "Mo-Fr 09:00-12:00"},
]


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    folder = write_providers(tmp_path / "data", ROWS)
    monkeypatch.delenv("FINDER_DATABASE_URL", raising=False)
    return use_data_dir(monkeypatch, folder, admin_password=PASSWORD)


def live_sha(folder) -> str:
    return hashlib.sha256(open_store(Settings(data_dir=folder)).live().data).hexdigest()


def key(name: str, prefix: str = "card") -> str:
    return f"{prefix}_upd_{TARGET}_{name}"


def said(at: AppTest) -> str:
    """Everything on the page, messages of success included."""
    return texts(at) + "\n" + "\n".join(shown(s.value) for s in at.success)


def open_form(at: AppTest) -> AppTest:
    at.button(key=key("btn")).click()
    return at.run()


def send(at: AppTest) -> AppTest:
    button = next(b for b in at.get("form_submit_button") if b.proto.label == "Send update")
    button.click()
    return at.run()


def fill_evening(at: AppTest) -> None:
    at.multiselect(key=key("t0_days")).set_value(["Mo", "We"])
    at.time_input(key=key("t0_start")).set_value(dt.time(18, 0))
    at.time_input(key=key("t0_end")).set_value(dt.time(21, 0))
    at.radio(key=key("role")).set_value("case_manager")
    at.text_input(key=key("email")).set_value("cm@example.org")


def test_round_trip_card_to_queue_to_approval_to_evening_search(data_dir):
    before = live_sha(data_dir)
    at = search_for(run_app(), "Cambridge")
    assert not at.exception
    at = open_form(at)
    assert "Nothing you send appears on the site until someone" in texts(at)
    fill_evening(at)
    at = send(at)
    assert not at.exception
    assert "Your update was sent to the people who keep this list" in said(at)
    assert "Nothing changes on the site until one of them has checked it" in said(at)
    assert live_sha(data_dir) == before  # nothing public until approved

    # The admin's queue: the current value beside the proposed one.
    admin = AppTest.from_file(APP, default_timeout=60).run()
    admin.switch_page(ADMIN).run()
    admin.text_input(key="admin_pw").input(PASSWORD)
    admin.get("form_submit_button")[0].click()
    admin.run()
    assert not admin.exception
    page = texts(admin)
    assert "Corrections to review" in page
    assert "#1 · Riverbend IOP - Cambridge" in page
    assert "Mon, Wed 6:00–9:00 PM [Mo,We 18:00-21:00]" in page
    assert "Schedule not listed" in page
    assert "cm@example.org" in page  # for the admin's follow-up only
    approve = next(b for b in admin.get("form_submit_button") if b.proto.label == "Approve and publish")
    approve.click()
    admin.run()
    assert not admin.exception
    assert "Approved #1 and published version" in said(admin)
    assert live_sha(data_dir) != before
    assert Queue(Settings(data_dir=data_dir)).email_of(1) == ""

    # An evening search now finds it, with the confirmation's provenance.
    at = run_app()
    at.multiselect(key="when").set_value(["evening"])
    at = search_for(at, "Cambridge")
    assert not at.exception
    page = texts(at)
    assert "Riverbend IOP - Cambridge" in page
    assert "Mon, Wed 6:00–9:00 PM" in page
    assert "Session times confirmed by phone on" in page
    # ... and no "nobody confirmed anything" beside the confirmed times (audit of #12/#13).
    assert "Not yet confirmed with the program by anyone" not in page


def test_compare_says_confirmed_facts_instead_of_nobody_confirmed_like_the_card(tmp_path, monkeypatch):
    """Times confirmed by phone, openings confirmed, the listing as a whole never (audit of #12/#13)."""
    confirmed = {**ROWS[0], "schedule": "Mo,We 18:00-21:00", "schedule_confirmed_on": "2025-11-01",
                 "schedule_confirmed_via": "phone"}
    openings = {**ROWS[1], "accepting_new_clients": "yes", "availability_as_of": "2025-11-02",
                "availability_confirmed_via": "phone"}
    folder = write_providers(tmp_path / "data", [confirmed, openings])
    monkeypatch.delenv("FINDER_DATABASE_URL", raising=False)
    use_data_dir(monkeypatch, folder, admin_password=PASSWORD)
    at = run_app({"sl": f"{TARGET},cam-0002"})
    at.switch_page("finder/ui/pages/compare.py").run()
    assert not at.exception
    html = "\n".join(str(m.value) for m in at.markdown)
    row = html[html.index("<th scope='row'>Last verified</th>"):]
    row = row[:row.index("</tr>")]
    assert "Not confirmed with the program by anyone" not in shown(row)
    assert shown(row).count("Only the facts confirmed above") == 2
    page = texts(at)
    assert "Session times confirmed by phone on" in page
    assert "Not confirmed with the program by anyone" not in page


@pytest.mark.parametrize(
    ("fill", "message"),
    [
        (lambda at: (at.multiselect(key=key("t0_days")).set_value(["Mo"]),
                     at.time_input(key=key("t0_start")).set_value(dt.time(21, 0)),
                     at.time_input(key=key("t0_end")).set_value(dt.time(18, 0))),
         "it ends at 18:00, which is not after it starts at 21:00"),
        (lambda at: (at.time_input(key=key("t0_start")).set_value(dt.time(18, 0)),
                     at.time_input(key=key("t0_end")).set_value(dt.time(21, 0))),
         "choose at least one day of the week"),
        (lambda at: at.text_input(key=key("phone")).set_value("<script>alert(1)</script>"),
         "looks like web page code"),
        (lambda at: at.text_input(key=key("email")).set_value("not-an-email"),
         "email address doesn't look right"),
        (lambda at: None, "Tell us at least one thing that is new"),
    ],
)
def test_bad_input_gets_a_message_and_changes_nothing(data_dir, fill, message):
    before = live_sha(data_dir)
    at = open_form(search_for(run_app(), "Cambridge"))
    fill(at)
    at = send(at)
    assert not at.exception
    errors = " ".join(e.value for e in at.error)
    assert message in errors.replace("\\", "")
    assert live_sha(data_dir) == before
    assert Queue(Settings(data_dir=data_dir)).list_submissions() == []


def test_update_this_listing_is_on_the_compare_and_program_pages(data_dir):
    at = run_app({"sl": f"{TARGET},cam-0002"})
    at.switch_page("finder/ui/pages/compare.py").run()
    assert not at.exception
    assert at.button(key=key("btn", "cmp")).label == "Update this listing"
    at = AppTest.from_file(APP, default_timeout=60)
    at.switch_page("finder/ui/pages/program.py")
    at.query_params["id"] = TARGET
    at.run()
    assert not at.exception
    assert at.button(key=key("btn", "page")).label == "Update this listing"


def login_admin() -> AppTest:
    admin = AppTest.from_file(APP, default_timeout=60).run()
    admin.switch_page(ADMIN).run()
    admin.text_input(key="admin_pw").input(PASSWORD)
    admin.get("form_submit_button")[0].click()
    return admin.run()


def test_admin_records_a_call_from_the_call_list_and_it_is_published(data_dir):
    before = live_sha(data_dir)
    admin = login_admin()
    assert not admin.exception
    page = texts(admin)
    assert "Verification call list" in page
    assert "No session times on file" in page  # the target has none: first on the list
    assert admin.selectbox(key="call_pick").value == TARGET
    assert any(b.proto.label == "Download the call list (CSV)" for b in admin.get("download_button"))
    admin.multiselect(key=key("t0_days", "call")).set_value(["Tu", "Th"])
    admin.time_input(key=key("t0_start", "call")).set_value(dt.time(17, 30))
    admin.time_input(key=key("t0_end", "call")).set_value(dt.time(20, 30))
    admin.selectbox(key=key("accepting", "call")).set_value("yes")
    record = next(b for b in admin.get("form_submit_button")
                  if b.proto.label == "Record this call and publish")
    record.click()
    admin.run()
    assert not admin.exception
    assert "Recorded and published version" in said(admin)
    assert live_sha(data_dir) != before
    (call,) = Queue(Settings(data_dir=data_dir)).list_submissions(status="approved")
    assert call.origin == "call"
    assert call.correction.schedule == "Tu,Th 17:30-20:30"


def test_admin_rejects_with_a_reason_and_nothing_changes(data_dir):
    queue = Queue(Settings(data_dir=data_dir))
    sent = queue.submit({"program_id": TARGET, "via": "other", "role": "other",
                         "remark": "I think they closed"}, email="a@example.org", session="s")
    before = live_sha(data_dir)
    admin = login_admin()
    reject = next(b for b in admin.get("form_submit_button") if b.proto.label == "Reject")
    reject.click()
    admin.run()
    assert "Say why it is rejected" in " ".join(e.value for e in admin.error).replace("\\", "")
    admin.text_input(key=f"review_{sent.id}_note").set_value("Called: they are open.")
    next(b for b in admin.get("form_submit_button") if b.proto.label == "Reject").click()
    admin.run()
    assert f"Rejected #{sent.id}." in said(admin)
    assert "No corrections are waiting for review." in texts(admin)
    assert queue.get(sent.id).decision == "Called: they are open."
    assert queue.email_of(sent.id) == ""
    assert live_sha(data_dir) == before


def test_admin_edits_the_times_before_approving(data_dir):
    queue = Queue(Settings(data_dir=data_dir))
    sent = queue.submit({"program_id": TARGET, "via": "staff", "role": "staff", "accepting": "yes",
                         "tracks": [{"days": ["Mo"], "start": "18:00", "end": "21:00"}]},
                        session="s")
    admin = login_admin()
    admin.text_input(key=f"review_{sent.id}_schedule").set_value("Mo,Th 18:30-21:00")
    admin.selectbox(key=f"review_{sent.id}_accepting").set_value("waitlist")
    next(b for b in admin.get("form_submit_button") if b.proto.label == "Approve and publish").click()
    admin.run()
    assert not admin.exception
    assert f"Approved #{sent.id} and published version" in said(admin)
    live = load_programs(open_store(Settings(data_dir=data_dir)).live().data).programs
    program = next(p for p in live if p.program_id == TARGET)
    assert program.schedule == "Mo,Th 18:30-21:00"
    assert str(program.accepting_new_clients) == "waitlist"
    assert str(program.schedule_confirmed_via) == "staff"


def test_admin_edit_that_is_not_a_schedule_is_refused_and_stays_pending(data_dir):
    queue = Queue(Settings(data_dir=data_dir))
    sent = queue.submit({"program_id": TARGET, "via": "staff", "role": "staff",
                         "tracks": [{"days": ["Mo"], "start": "18:00", "end": "21:00"}]},
                        session="s")
    before = live_sha(data_dir)
    admin = login_admin()
    admin.text_input(key=f"review_{sent.id}_schedule").set_value("evenings, mostly")
    next(b for b in admin.get("form_submit_button") if b.proto.label == "Approve and publish").click()
    admin.run()
    assert not admin.exception
    assert "The schedule can't be read" in " ".join(e.value for e in admin.error).replace("\\", "")
    assert queue.get(sent.id).status == "pending"
    assert live_sha(data_dir) == before

"""Issue 13: corrections, the review queue and the call list, against SQLite and PostgreSQL.

Every test runs twice through the ``backend`` fixture: the default SQLite file
in the data folder, and a fresh database on the scratch PostgreSQL server
(``postgres_url``; skipped where PostgreSQL is not installed, a failure in CI).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import stat
from pathlib import Path

import pytest
from apphelpers import copy_sample_data

from finder.config import Settings
from finder.errors import PublishError
from finder.load import load_programs
from finder.store import open_store
from finder.submissions import (
    AlreadyReviewed,
    CorrectionError,
    Queue,
    SubmissionRefused,
    call_list,
    call_list_csv,
    check_correction,
    tracks_from_spec,
)

TODAY = dt.date(2026, 11, 30)
EVENING = [{"days": ["Mo", "We"], "start": "18:00", "end": "21:00"}]


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request, tmp_path) -> Settings:
    """Settings for a private copy of the sample data, with the submissions in SQLite or PostgreSQL."""
    folder = copy_sample_data(tmp_path / "data")
    if request.param == "sqlite":
        settings = Settings(data_dir=folder)
    else:
        from pgserver import fresh_database

        url = request.getfixturevalue("postgres_url")
        settings = Settings(data_dir=folder, database_url=fresh_database(url))
    _seed(settings)
    return settings


def _seed(settings: Settings) -> None:
    """Publish the sample into the store (data folder or PostgreSQL) as its live version."""
    data = (settings.data_dir / "providers.csv").read_bytes()
    open_store(settings).publish(data, source="sample data")


def _live_sha(settings: Settings) -> str:
    return hashlib.sha256(open_store(settings).live().data).hexdigest()


def _live_programs(settings: Settings):
    return load_programs(open_store(settings).live().data).programs


def history(settings: Settings):
    return open_store(settings).history()


def _program(settings: Settings, program_id: str):
    return next(p for p in _live_programs(settings) if p.program_id == program_id)


def _unscheduled(settings: Settings) -> str:
    return next(p.program_id for p in _live_programs(settings) if not p.schedule)


def _form(program_id: str, **extra) -> dict:
    form = {"program_id": program_id, "tracks": EVENING, "via": "phone",
            "confirmed_on": "2026-11-28", "role": "case_manager"}
    form.update(extra)
    return form


# --------------------------------------------------------------------------- checking


def test_tracks_become_one_opening_hours_value():
    c = check_correction(_form("p1", tracks=[*EVENING, {"days": ["Sa"], "start": "9:00",
                                                         "end": "12:00"}]), today=TODAY)
    assert c.schedule == "Mo,We 18:00-21:00, Sa 09:00-12:00"
    assert c.changes_data
    assert [t.spec for t in tracks_from_spec(c.schedule)] == ["Mo,We 18:00-21:00", "Sa 09:00-12:00"]


def test_empty_track_rows_of_the_form_are_ignored():
    c = check_correction(_form("p1", tracks=[*EVENING, {"days": [], "start": "", "end": ""}]),
                         today=TODAY)
    assert len(c.tracks) == 1


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"tracks": [{"days": [], "start": "18:00", "end": "21:00"}]}, "tracks", "choose at least one day"),
        ({"tracks": [{"days": ["Mo"], "start": "25:00", "end": "26:00"}]}, "tracks", "24-hour times"),
        ({"tracks": [{"days": ["Funday"], "start": "18:00", "end": "21:00"}]}, "tracks", "day of the week"),
        ({"tracks": [{"days": ["Mo"], "start": "21:00", "end": "18:00"}]}, "tracks",
         "ends at 18:00, which is not after it starts at 21:00"),
        ({"tracks": "Mo 18:00-21:00"}, "tracks", "tracks of days and times"),
        ({"remark": "x" * 10_240}, "remark", "10,240 characters long; the most is 1,000"),
        ({"confirmed_on": "2099-01-01"}, "confirmed_on", "can't be in the future"),
        ({"confirmed_on": "yesterday"}, "confirmed_on", "not a date we can read"),
        ({"accepting": "maybe"}, "accepting", "yes, no, or waitlist"),
        ({"phone": "555"}, "phone", "not a valid US phone number"),
        ({"zip": "90210"}, "zip", "not a Massachusetts one"),
        ({"via": "website", "source_url": "javascript:alert(1)"}, "source_url", "web page code"),
        ({"via": "website", "source_url": ""}, "source_url", "starting with https://"),
        ({"via": "carrier pigeon"}, "via", "Say how you know"),
        ({"role": "robot"}, "role", "Say who you are"),
        ({"tracks": []}, "what", "at least one thing that is new"),
    ],
)
def test_bad_input_is_refused_with_a_plain_message(changes, field, words):
    with pytest.raises(CorrectionError) as caught:
        check_correction(_form("p1", **changes), today=TODAY)
    problems = {p.field: p.message for p in caught.value.problems}
    assert field in problems, problems
    assert words in problems[field]
    assert words in caught.value.user_message


@pytest.mark.parametrize("name", ["remark", "phone", "website", "street", "city", "zip", "source_url"])
@pytest.mark.parametrize("payload", ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>",
                                     "[click](https://evil.example)"])
def test_html_or_script_in_any_text_field_is_refused(name, payload):
    extra = {name: payload, **({"via": "website"} if name == "source_url" else {})}
    with pytest.raises(CorrectionError) as caught:
        check_correction(_form("p1", **extra), today=TODAY)
    assert any(p.field == name for p in caught.value.problems)


@pytest.mark.parametrize("email", ["not-an-email", "a@b", "<script>@x.org", "x" * 300 + "@example.org"])
def test_a_wrong_email_gets_a_message(backend, email):
    program_id = _unscheduled(backend)
    with pytest.raises(CorrectionError) as caught:
        Queue(backend).submit(_form(program_id), email=email, session="s", today=TODAY)
    assert "email address doesn't look right" in caught.value.user_message


# --------------------------------------------------------------------------- the queue


def test_a_submission_waits_for_review_and_changes_nothing_live(backend):
    before = _live_sha(backend)
    versions = len(history(backend))
    program_id = _unscheduled(backend)
    queue = Queue(backend)
    result = queue.submit(_form(program_id), email="cm@example.org", session="s1", today=TODAY)
    assert not result.merged
    (pending,) = queue.list_submissions()
    assert pending.program_id == program_id
    assert pending.status == "pending"
    assert pending.has_email
    assert "cm@example.org" not in json.dumps(pending.as_dict())
    assert _live_sha(backend) == before
    assert len(history(backend)) == versions


def test_identical_submissions_are_merged(backend):
    program_id = _unscheduled(backend)
    queue = Queue(backend)
    first = queue.submit(_form(program_id), session="a", today=TODAY)
    second = queue.submit(_form(program_id, role="seeker"), session="b", email="fam@example.org",
                          today=TODAY)
    assert second.merged
    assert second.id == first.id
    (only,) = queue.list_submissions()
    assert only.reports == 2
    assert queue.email_of(only.id) == "fam@example.org"


def test_an_unknown_program_is_refused(backend):
    with pytest.raises(SubmissionRefused) as caught:
        Queue(backend).submit(_form("no-such-program"), session="s", today=TODAY)
    assert "couldn't find this program" in caught.value.user_message


def test_a_flood_from_one_session_is_stopped_and_nothing_goes_live(backend):
    from dataclasses import replace

    settings = replace(backend, submissions_per_session_per_hour=5)
    before = _live_sha(settings)
    program_id = _unscheduled(settings)
    queue = Queue(settings)
    accepted, refused = 0, []
    for number in range(40):
        try:
            queue.submit(_form(program_id, remark=f"report {number}"), session="flood", today=TODAY)
            accepted += 1
        except SubmissionRefused as err:
            refused.append(err.user_message)
    assert accepted == 5
    assert len(refused) == 35
    assert "Please wait an hour" in refused[0]
    # Another person is not slowed down by the flood.
    queue.submit(_form(program_id, remark="a different person"), session="other", today=TODAY)
    assert len(queue.list_submissions()) == 6
    assert _live_sha(settings) == before


def test_the_overall_limit_and_the_cap_per_program(backend):
    from dataclasses import replace

    program_id = _unscheduled(backend)
    capped = Queue(replace(backend, open_submissions_per_program=3))
    for number in range(3):
        capped.submit(_form(program_id, remark=f"r{number}"), session=f"s{number}", today=TODAY)
    with pytest.raises(SubmissionRefused) as caught:
        capped.submit(_form(program_id, remark="one more"), session="s9", today=TODAY)
    assert "many updates waiting for review" in caught.value.user_message
    limited = Queue(replace(backend, submissions_per_hour=4))
    limited.submit(_form(program_id, remark="r0"), session="x", today=TODAY)  # merged: still counted
    with pytest.raises(SubmissionRefused) as caught:
        limited.submit(_form(program_id, remark="r7"), session="y", today=TODAY)
    assert "a lot of updates right now" in caught.value.user_message


def test_an_oversized_form_is_refused_before_it_is_read(backend):
    with pytest.raises(SubmissionRefused) as caught:
        Queue(backend).submit(_form("x", street="y" * 20_000), session="s", today=TODAY)
    assert "too long" in caught.value.user_message


def test_approve_publishes_one_version_naming_the_submission(backend):
    program_id = _unscheduled(backend)
    queue = Queue(backend)
    sent = queue.submit(_form(program_id, accepting="waitlist"), email="cm@example.org",
                        session="s", today=TODAY)
    versions = len(history(backend))
    decision = queue.approve([sent.id], note="called back, confirmed")
    assert decision.version
    newest = history(backend)
    assert len(newest) == versions + 1
    assert newest[0].live
    assert f"#{sent.id}" in newest[0].source
    assert f"#{sent.id}" in newest[0].summary
    program = _program(backend, program_id)
    assert program.schedule == "Mo,We 18:00-21:00"
    assert program.schedule_confirmed_on == dt.date(2026, 11, 28)
    assert str(program.schedule_confirmed_via) == "phone"
    assert str(program.accepting_new_clients) == "waitlist"
    assert program.availability_as_of == dt.date(2026, 11, 28)
    closed = queue.get(sent.id)
    assert closed.status == "approved"
    assert closed.version == decision.version
    assert not closed.has_email
    assert queue.email_of(sent.id) == ""  # deleted when closed
    with pytest.raises(AlreadyReviewed):
        queue.approve([sent.id])


def test_approve_with_edits_publishes_the_edited_value(backend):
    program_id = _unscheduled(backend)
    queue = Queue(backend)
    sent = queue.submit(_form(program_id), session="s", today=TODAY)
    edited = [t.as_dict() for t in tracks_from_spec("Tu,Th 17:30-20:30")]
    queue.approve([sent.id], edits={"tracks": edited})
    assert _program(backend, program_id).schedule == "Tu,Th 17:30-20:30"
    assert queue.get(sent.id).applied.schedule == "Tu,Th 17:30-20:30"


def test_a_bad_edit_is_refused_and_the_submission_stays_pending(backend):
    program_id = _unscheduled(backend)
    queue = Queue(backend)
    sent = queue.submit(_form(program_id), session="s", today=TODAY)
    before = _live_sha(backend)
    with pytest.raises(CorrectionError) as caught:
        queue.approve([sent.id], edits={"tracks": [{"days": ["Mo"], "start": "20:00", "end": "19:00"}]})
    assert "not after" in caught.value.user_message
    assert queue.get(sent.id).status == "pending"
    assert _live_sha(backend) == before


def test_reject_needs_a_reason_and_deletes_the_email(backend):
    program_id = _unscheduled(backend)
    queue = Queue(backend)
    sent = queue.submit(_form(program_id), email="x@example.org", session="s", today=TODAY)
    before = _live_sha(backend)
    with pytest.raises(SubmissionRefused) as caught:
        queue.reject(sent.id, "  ")
    assert "Say why" in caught.value.user_message
    rejected = queue.reject(sent.id, "The program says these are its old times.")
    assert rejected.status == "rejected"
    assert rejected.decision == "The program says these are its old times."
    assert queue.email_of(sent.id) == ""
    assert _live_sha(backend) == before
    with pytest.raises(AlreadyReviewed) as caught:
        queue.approve([sent.id])
    assert "already rejected" in caught.value.user_message


def test_a_remark_alone_is_approved_without_a_new_version(backend):
    program_id = _unscheduled(backend)
    queue = Queue(backend)
    sent = queue.submit(_form(program_id, tracks=[], remark="Ask for Dana at intake."),
                        session="s", today=TODAY)
    versions = len(history(backend))
    decision = queue.approve([sent.id])
    assert decision.version == ""
    assert len(history(backend)) == versions


def test_closed_removes_the_program_after_approval(backend):
    program_id = _unscheduled(backend)
    queue = Queue(backend)
    sent = queue.submit(_form(program_id, tracks=[], closed=True), session="s", today=TODAY)
    assert any(p.program_id == program_id for p in _live_programs(backend))
    queue.approve([sent.id])
    assert all(p.program_id != program_id for p in _live_programs(backend))


def test_a_recorded_call_counts_as_reviewed_and_publishes(backend):
    program_id = _unscheduled(backend)
    queue = Queue(backend)
    decision = queue.record_call({"program_id": program_id, "tracks": EVENING, "via": "phone",
                                  "confirmed_on": "2026-11-29", "accepting": "yes"})
    assert decision.version
    (recorded,) = queue.list_submissions(status="approved")
    assert recorded.origin == "call"
    assert str(recorded.correction.role) == "admin"
    assert _program(backend, program_id).schedule_confirmed_on == dt.date(2026, 11, 29)
    assert queue.list_submissions() == []


def test_a_publish_that_fails_leaves_the_submission_pending(backend, monkeypatch):
    program_id = _unscheduled(backend)
    queue = Queue(backend)
    sent = queue.submit(_form(program_id), session="s", today=TODAY)

    def broken(*args, **kwargs):
        raise PublishError("disk full", "The dataset could not be written.")

    monkeypatch.setattr(queue.store, "publish", broken)
    with pytest.raises(PublishError):
        queue.approve([sent.id])
    assert queue.get(sent.id).status == "pending"


# --------------------------------------------------------------------------- database


def test_the_default_database_is_an_sqlite_file_in_the_data_folder(tmp_path):
    folder = copy_sample_data(tmp_path / "data")
    queue = Queue(Settings(data_dir=folder))
    assert queue.engine.dialect.name == "sqlite"
    database = Path(queue.engine.url.database)
    assert database.is_file()
    assert database.parent == folder.resolve()


def test_the_sqlite_file_is_readable_by_its_owner_only(tmp_path):
    # It holds what people sent and their optional email: not for other users of the machine.
    folder = copy_sample_data(tmp_path / "data")
    queue = Queue(Settings(data_dir=folder))
    queue.submit(_form(_unscheduled(Settings(data_dir=folder))), email="someone@example.org",
                 session="s1", today=TODAY)
    database = Path(queue.engine.url.database)
    for path in [database, *database.parent.glob(database.name + "-*")]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_an_existing_sqlite_file_readable_by_others_is_made_owner_only(tmp_path):
    from finder.submissions.db import engine_for_url

    database = tmp_path / "old.sqlite"
    database.touch(mode=0o644)
    database.chmod(0o644)
    engine_for_url(f"sqlite:///{database}")
    assert stat.S_IMODE(database.stat().st_mode) == 0o600


def test_migrations_ran_and_are_recorded(backend):
    import sqlalchemy as sa

    queue = Queue(backend)
    with queue.engine.connect() as conn:
        version = conn.execute(sa.text("SELECT version_num FROM submissions_alembic_version")).scalar()
    assert version == "0001"
    Queue(backend)  # a second open does not migrate again or fail


# --------------------------------------------------------------------------- call list


def test_call_list_is_ordered_by_need(backend):
    programs = _live_programs(backend)
    queue = Queue(backend)
    scheduled = [p for p in programs if p.schedule]
    target = scheduled[0]
    queue.submit(_form(target.program_id, tracks=[], phone="617-555-0199"), session="s", today=TODAY)
    entries = call_list(programs, queue.open_counts(), today=TODAY)
    assert len(entries) == len(programs)
    no_schedule = [e for e in entries if not e.program.schedule]
    assert entries[: len(no_schedule)] == no_schedule
    confirmed = [e.program.schedule_confirmed_on or dt.date.min for e in entries[len(no_schedule):]]
    assert confirmed == sorted(confirmed)
    entry = next(e for e in entries if e.program.program_id == target.program_id)
    assert entry.wrong_phone_reports == 1
    assert "1 open report of a wrong phone" in entry.reason
    text = call_list_csv(entries).decode()
    assert text.splitlines()[0].startswith("rank,program_id,program_name")
    assert len(text.splitlines()) == len(programs) + 1


def test_calllist_csv_guards_spreadsheet_formulas(backend):
    from dataclasses import replace

    programs = _live_programs(backend)
    evil = replace(programs[0], program_name="=HYPERLINK(\"http://evil.example\")")
    text = call_list_csv(call_list([evil], today=TODAY)).decode()
    assert ",=HYPERLINK" not in text



# --------------------------------------------------------------------------- provenance age


def _confirmed(days_ago: int):
    from dataclasses import replace

    from apphelpers import SAMPLE_DIR

    from finder.model import ConfirmedVia

    program = load_programs(SAMPLE_DIR / "providers.csv").programs[0]
    on = TODAY - dt.timedelta(days=days_ago)
    return replace(program, schedule="Mo 18:00-21:00", schedule_confirmed_on=on,
                   schedule_confirmed_via=ConfirmedVia.PHONE, availability_as_of=on,
                   availability_confirmed_via=ConfirmedVia.STAFF)


@pytest.mark.parametrize(("days_ago", "old"), [(0, False), (90, False), (91, True), (400, True)])
def test_confirmed_facts_older_than_the_limit_may_be_out_of_date(days_ago, old):
    from finder.provenance import (
        availability_confirmation_text,
        out_of_date,
        provenance_fields,
        schedule_confirmation_text,
    )

    program = _confirmed(days_ago)
    text = schedule_confirmation_text(program, TODAY, 90)
    assert text.startswith("Session times confirmed by phone on")
    assert text.endswith(": may be out of date, call to confirm") is old
    assert availability_confirmation_text(program, TODAY, 90).endswith("call to confirm") is old
    assert out_of_date(program, TODAY, 90) == (("schedule", "availability") if old else ())
    assert provenance_fields(program, TODAY, 90)["may_be_out_of_date"] == (
        ["schedule", "availability"] if old else [])


def test_the_age_limit_is_a_setting(monkeypatch):
    from finder.provenance import out_of_date

    program = _confirmed(30)
    monkeypatch.setenv("FINDER_CONFIRMED_STALE_AFTER_DAYS", "10")
    assert out_of_date(program, TODAY) == ("schedule", "availability")
    monkeypatch.delenv("FINDER_CONFIRMED_STALE_AFTER_DAYS")
    assert out_of_date(program, TODAY) == ()


def test_a_database_that_cannot_be_opened_is_a_plain_error(tmp_path):
    from finder.submissions import SubmissionsUnavailable

    folder = copy_sample_data(tmp_path / "data")
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the database's folder should be")
    store = open_store(Settings(data_dir=folder))

    class Elsewhere:
        submissions_url = f"sqlite:///{blocker / 'sub' / 'submissions.sqlite'}"

        def __getattr__(self, name):
            return getattr(store, name)

    with pytest.raises(SubmissionsUnavailable) as caught:
        Queue(Settings(data_dir=folder), store=Elsewhere())
    assert caught.value.user_message == ("Updates can't be saved right now. Please try again "
                                         "later. Nothing was changed.")


def test_a_new_address_is_located_and_no_other_program_is_touched(backend):
    import csv
    import io

    store = open_store(backend)
    rows = list(csv.DictReader(io.StringIO(store.live().data.decode())))
    header = list(rows[0])
    target = next(r for r in rows if r["city"] == "Cambridge")
    other = next(r for r in rows if r["program_id"] != target["program_id"])
    other["latitude"] = other["longitude"] = ""  # a program nobody located yet
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    store.publish(out.getvalue().encode(), source="one program without coordinates")

    queue = Queue(backend)
    sent = queue.submit(_form(target["program_id"], tracks=[], moved=True,
                              street="1 Broadway", city="Cambridge", zip="02142"),
                        session="s", today=TODAY)
    decision = queue.approve([sent.id])
    assert "1 changed" in decision.summary
    live = {p.program_id: p for p in _live_programs(backend)}
    moved = live[target["program_id"]]
    assert moved.street == "1 Broadway"
    assert moved.zip == "02142"
    assert moved.latlon is not None
    assert (round(moved.latitude, 4), round(moved.longitude, 4)) != (
        round(float(target["latitude"]), 4), round(float(target["longitude"]), 4))
    assert live[other["program_id"]].latlon is None  # not geocoded by someone else's correction

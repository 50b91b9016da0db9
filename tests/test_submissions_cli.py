"""Issue 13 from the command line: finder verify, finder submissions, finder calllist."""

from __future__ import annotations

import csv
import io
import json

import pytest
from apphelpers import copy_sample_data

from finder.cli import main
from finder.config import Settings
from finder.load import load_programs
from finder.store import open_store
from finder.submissions import Queue


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    folder = copy_sample_data(tmp_path / "data")
    monkeypatch.setenv("FINDER_DATA_DIR", str(folder))
    monkeypatch.delenv("FINDER_DATABASE_URL", raising=False)
    monkeypatch.delenv("FINDER_GEOCODER", raising=False)
    open_store(Settings(data_dir=folder)).publish((folder / "providers.csv").read_bytes(),
                                                  source="sample data")
    return folder


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def _unscheduled(folder) -> str:
    data = open_store(Settings(data_dir=folder)).live().data
    return next(p.program_id for p in load_programs(data).programs if not p.schedule)


def test_verify_then_an_evening_search_finds_it_with_provenance(data_dir, capsys):
    program_id = _unscheduled(data_dir)
    code, out, _ = run(capsys, "search", "--lat", "42.36", "--lon", "-71.06", "--radius-miles",
                       "any", "--sessions", "evening", "--format", "json")
    assert program_id not in {r["program_id"] for r in json.loads(out)["results"]}
    code, out, err = run(capsys, "verify", program_id, "--schedule", "Mo,We 18:00-21:00",
                         "--accepting", "waitlist", "--source", "phone", "--on", "2026-11-28",
                         "--yes")
    assert code == 0, err
    assert "published version v" in out
    code, out, err = run(capsys, "search", "--lat", "42.36", "--lon", "-71.06", "--radius-miles",
                         "any", "--sessions", "evening", "--format", "json")
    assert code == 0, err
    results = {r["program_id"]: r for r in json.loads(out)["results"]}
    found = results[program_id]
    assert found["schedule"] == "Mo,We 18:00-21:00"
    assert found["schedule_confirmation"] == {"on": "2026-11-28", "via": "phone"}
    assert found["availability_confirmation"] == {"on": "2026-11-28", "via": "phone"}
    assert found["accepting_new_clients"] == "waitlist"
    assert "may_be_out_of_date" in found
    newest = open_store(Settings(data_dir=data_dir)).history()[0]
    assert "#1" in newest.source


def test_verify_without_yes_asks_and_publishes_nothing_when_not_answered(data_dir, capsys):
    versions = len(open_store(Settings(data_dir=data_dir)).history())
    code, out, err = run(capsys, "verify", _unscheduled(data_dir), "--schedule", "Tu 18:00-20:00",
                         "--source", "staff", "--on", "2026-11-28")
    assert code == 1
    assert "Nothing was published" in err
    assert "Session times" in out
    assert len(open_store(Settings(data_dir=data_dir)).history()) == versions


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--schedule", "Mo 25:00-26:00"], "can't be read"),
        (["--schedule", "Mo 18:00-21:00", "--on", "2099-01-01"], "can't be in the future"),
        (["--schedule", "Mo 18:00-21:00", "--source", "website"], "web page"),
    ],
)
def test_verify_bad_input_exits_2_with_a_message(data_dir, capsys, argv, words):
    base = {"--source": "phone", "--on": "2026-11-28"}
    args = list(argv)
    for option, value in base.items():
        if option not in args:
            args += [option, value]
    code, _, err = run(capsys, "verify", _unscheduled(data_dir), *args, "--yes")
    assert code == 2
    assert words in err


def test_verify_an_unknown_program(data_dir, capsys):
    code, _, err = run(capsys, "verify", "nope", "--schedule", "Mo 18:00-21:00", "--source", "phone",
                       "--on", "2026-11-28", "--yes")
    assert code == 2
    assert "no program 'nope'" in err


def test_submissions_list_show_approve_and_reject(data_dir, capsys):
    settings = Settings(data_dir=data_dir)
    queue = Queue(settings)
    program_id = _unscheduled(data_dir)
    form = {"program_id": program_id, "tracks": [{"days": ["Tu"], "start": "17:00", "end": "19:00"}],
            "via": "phone", "confirmed_on": "2026-11-27", "role": "seeker"}
    first = queue.submit(form, email="someone@example.org", session="a")
    second = queue.submit({**form, "remark": "The old number is disconnected", "tracks": []},
                          session="b")

    code, out, _ = run(capsys, "submissions", "list", "--format", "json")
    assert code == 0
    listed = json.loads(out)
    assert listed["count"] == 2
    assert "someone@example.org" not in out  # never shown or exported
    assert listed["submissions"][0]["has_email"] is True

    code, out, _ = run(capsys, "submissions", "show", str(first.id))
    assert code == 0
    assert "now: Schedule not listed" in out
    assert "new: Tue 5:00–7:00 PM [Tu 17:00-19:00]" in out
    assert "someone@example.org" not in out

    code, out, _ = run(capsys, "submissions", "show", str(first.id), "--format", "json")
    compare = json.loads(out)["compare"]
    assert compare[0] == {"field": "Session times", "current": "Schedule not listed",
                          "proposed": "Tue 5:00–7:00 PM [Tu 17:00-19:00]"}

    code, out, err = run(capsys, "submissions", "approve", str(first.id), "--edit",
                         "schedule=Tu,Th 17:00-19:00", "--format", "json")
    assert code == 0, err
    decision = json.loads(out)
    assert decision["ids"] == [first.id]
    assert decision["version"]
    live = load_programs(open_store(settings).live().data).programs
    assert next(p for p in live if p.program_id == program_id).schedule == "Tu,Th 17:00-19:00"

    code, out, err = run(capsys, "submissions", "approve", str(first.id))
    assert code == 1
    assert "already approved" in err

    code, out, err = run(capsys, "submissions", "reject", str(second.id), "--reason",
                         "We called: the number works.")
    assert code == 0, err
    assert "Rejected" in out
    code, out, _ = run(capsys, "submissions", "list", "--status", "all", "--format", "json")
    statuses = {s["id"]: s["status"] for s in json.loads(out)["submissions"]}
    assert statuses == {first.id: "approved", second.id: "rejected"}
    code, out, _ = run(capsys, "submissions", "list")
    assert "No pending submissions." in out


def test_submissions_show_unknown_id(data_dir, capsys):
    code, _, err = run(capsys, "submissions", "show", "999")
    assert code == 2
    assert "no submission number 999" in err


def test_calllist_formats(data_dir, capsys):
    code, out, _ = run(capsys, "calllist", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows[0]["rank"] == "1"
    assert rows[0]["schedule"] == ""
    assert rows[0]["reason"] == "No session times on file"
    code, out, _ = run(capsys, "calllist", "--format", "json", "--limit", "5")
    payload = json.loads(out)
    assert len(payload["programs"]) == 5
    assert payload["script"][0].startswith("Hello")
    code, out, _ = run(capsys, "calllist", "--limit", "2")
    assert "Call script:" in out
    assert "   1. " in out

"""Issue 13: two processes submit and approve at the same time; nothing is lost.

Each worker is a separate Python process with its own engine, started
together (they wait for a "go" file), submitting corrections for its own
programs and approving each one: one publish per approval. Afterwards every
submission is approved, every approval made exactly one new version, and every
change is in the live data. Run against SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest
from apphelpers import copy_sample_data

from finder.config import Settings
from finder.load import load_programs
from finder.store import open_store

PER_WORKER = 3

WORKER = r"""
import json, sys, time
from pathlib import Path
from finder.config import Settings
from finder.submissions import Queue

go, out, ids = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3:]
settings = Settings.from_env()
queue = Queue(settings)
while not go.exists():
    time.sleep(0.01)
done = []
for number, program_id in enumerate(ids):
    form = {"program_id": program_id, "via": "phone", "confirmed_on": "2026-11-28",
            "role": "case_manager",
            "tracks": [{"days": ["Mo", "We"], "start": f"{17 + number}:00", "end": f"{19 + number}:30"}]}
    sent = queue.submit(form, session=f"worker-{ids[0]}")
    decision = queue.approve([sent.id])
    done.append({"id": sent.id, "program_id": program_id, "version": decision.version,
                 "schedule": f"Mo,We {17 + number}:00-{19 + number}:30"})
out.write_text(json.dumps(done))
"""


@pytest.fixture(params=["sqlite", "postgresql"])
def settings(request, tmp_path) -> Settings:
    folder = copy_sample_data(tmp_path / "data")
    url = ""
    if request.param == "postgresql":
        from pgserver import fresh_database

        url = fresh_database(request.getfixturevalue("postgres_url"))
    settings = Settings(data_dir=folder, database_url=url)
    open_store(settings).publish((folder / "providers.csv").read_bytes(), source="sample data")
    return settings


def test_two_processes_submit_and_approve_at_the_same_time(settings, tmp_path):
    unscheduled = [p.program_id for p in load_programs(open_store(settings).live().data).programs
                   if not p.schedule]
    groups = [unscheduled[:PER_WORKER], unscheduled[PER_WORKER:2 * PER_WORKER]]
    go = tmp_path / "go"
    before = len(open_store(settings).history())
    env = {**os.environ, "FINDER_DATA_DIR": str(settings.data_dir),
           "FINDER_DATABASE_URL": settings.database_url}
    outputs = [tmp_path / f"out{n}.json" for n in range(2)]
    workers = [
        subprocess.Popen([sys.executable, "-c", WORKER, str(go), str(out), *ids], env=env,
                         stderr=subprocess.PIPE, text=True)
        for out, ids in zip(outputs, groups, strict=True)
    ]
    time.sleep(1.0)  # both processes up and waiting; not an assertion on time
    go.write_text("go")
    for worker in workers:
        _, err = worker.communicate(timeout=300)
        assert worker.returncode == 0, err

    done = [item for out in outputs for item in json.loads(out.read_text())]
    assert len(done) == 2 * PER_WORKER
    versions = [d["version"] for d in done]
    assert all(versions)
    assert len(set(versions)) == len(versions)  # one new version per publish

    entries = open_store(settings).history()
    assert len(entries) == before + len(done)  # exactly one new version per approval
    named = sorted(int(e.source.rsplit("#", 1)[1]) for e in entries if "#" in e.source)
    assert named == sorted(d["id"] for d in done)

    live = {p.program_id: p for p in load_programs(open_store(settings).live().data).programs}
    for d in done:  # nothing lost: every approved change is live
        assert live[d["program_id"]].schedule == d["schedule"]
        assert str(live[d["program_id"]].schedule_confirmed_via) == "phone"

    from finder.submissions import Queue

    queue = Queue(settings)
    assert queue.list_submissions() == []
    assert len(queue.list_submissions(status="approved")) == len(done)



def test_two_admins_approving_the_same_submission_publish_it_once(settings):
    from concurrent.futures import ThreadPoolExecutor

    from finder.submissions import AlreadyReviewed, Queue

    data = open_store(settings).live().data
    program_id = next(p.program_id for p in load_programs(data).programs if not p.schedule)
    queue = Queue(settings)
    sent = queue.submit({"program_id": program_id, "via": "staff", "role": "staff",
                         "tracks": [{"days": ["Fr"], "start": "17:00", "end": "20:00"}]},
                        session="s")
    before = len(open_store(settings).history())

    def approve(_: int) -> str:
        try:
            return Queue(settings).approve([sent.id]).version
        except AlreadyReviewed:
            return "refused"

    with ThreadPoolExecutor(2) as pool:
        outcomes = sorted(pool.map(approve, range(2)))
    assert outcomes[0] == "refused"  # "refused" sorts before "v0003"
    assert outcomes[1].startswith("v")
    assert len(open_store(settings).history()) == before + 1

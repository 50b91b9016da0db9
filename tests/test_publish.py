"""Atomic, versioned publishing (issue #8): nothing bad or half-written ever goes live."""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from apphelpers import copy_sample_data
from filelock import FileLock

import finder.store.files
from finder.errors import PublishError
from finder.load import load_programs, read_meta
from finder.store.dataset import sha256_hex
from finder.store.files import (
    LOCK_NAME,
    dataset_version,
    history,
    publish,
    rollback,
)

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A live data folder seeded with a copy of the shipped sample dataset."""
    return copy_sample_data(tmp_path / "data")


def live(folder: Path) -> bytes:
    return (folder / "providers.csv").read_bytes()


def edited(original: bytes) -> bytes:
    """The sample with one organization renamed: a valid, different dataset."""
    new = original.replace(b"Kestrel Counseling Center", b"Kestrel Counseling Centre", 1)
    assert new != original
    return new


def test_publish_makes_file_live_byte_for_byte_and_history_lists_previous(data_dir: Path) -> None:
    old = live(data_dir)
    new = edited(old)

    result = publish(data_dir, new, source="edited.csv")

    assert live(data_dir) == new
    assert result.version.live
    assert result.version.sha256 == sha256_hex(new)
    assert result.version.summary == "170 programs: 0 added, 0 removed, 1 changed"
    versions = history(data_dir)
    assert [v.version for v in versions] == [result.version.version, "v0001"]
    previous = versions[1]
    assert previous.sha256 == sha256_hex(old)
    assert not previous.live
    assert "before the first publish" in previous.summary
    assert (data_dir / "history" / previous.file).read_bytes() == old


def test_published_meta_records_source_version_and_is_not_sample(data_dir: Path) -> None:
    result = publish(data_dir, edited(live(data_dir)), source="edited.csv")

    meta = read_meta(data_dir)
    assert meta["sample"] is False
    assert meta["source"] == "edited.csv"
    assert meta["version"] == result.version.version
    assert meta["programs"] == 170
    assert meta["created"] == result.version.created
    assert meta["sha256"] == sha256_hex(live(data_dir))


def test_rollback_restores_byte_for_byte_and_records_a_new_version(data_dir: Path) -> None:
    old = live(data_dir)
    publish(data_dir, edited(old), source="edited.csv")

    restored = rollback(data_dir, "1")

    assert live(data_dir) == old
    assert restored.version == "v0003"
    assert restored.sha256 == sha256_hex(old)
    assert restored.summary.startswith("rollback to v0001")
    assert [v.version for v in history(data_dir)] == ["v0003", "v0002", "v0001"]
    assert [v.live for v in history(data_dir)] == [True, False, False]
    assert read_meta(data_dir)["rolled_back_to"] == "v0001"


def test_rollback_to_unknown_version_raises_and_keeps_live(data_dir: Path) -> None:
    old = live(data_dir)
    publish(data_dir, edited(old), source="edited.csv")
    before = live(data_dir)

    with pytest.raises(PublishError, match="unknown version") as err:
        rollback(data_dir, "v0042")

    assert "There is no version 'v0042'" in err.value.user_message
    assert live(data_dir) == before


def test_rollback_refuses_an_altered_history_copy(data_dir: Path) -> None:
    old = live(data_dir)
    publish(data_dir, edited(old), source="edited.csv")
    copy = data_dir / "history" / history(data_dir)[1].file
    copy.write_bytes(copy.read_bytes() + b"\n")
    before = live(data_dir)

    with pytest.raises(PublishError) as err:
        rollback(data_dir, "v0001")

    assert "altered" in err.value.user_message
    assert live(data_dir) == before


def _bad_files(original: bytes) -> dict[str, bytes]:
    text = original.decode("utf-8")
    header, first, *rest = text.splitlines(keepends=True)
    bad_zip = first.replace(",02601,", ",2601,", 1)
    assert bad_zip != first
    return {
        "row errors": (header + bad_zip + "".join(rest)).encode("utf-8"),
        "wrong encoding (UTF-16, no BOM)": text.encode("utf-16-le"),
        "empty": b"",
        "binary": bytes(range(256)) * 40,
        "spreadsheet": b"PK\x03\x04" + b"\x00" * 200,
        "missing columns": "\n".join(
            ",".join(line.split(",")[1:]) for line in text.splitlines()
        ).encode("utf-8"),
        "header only": header.encode("utf-8"),
    }


@pytest.mark.parametrize(
    "kind",
    ["row errors", "wrong encoding (UTF-16, no BOM)", "empty", "binary", "spreadsheet",
     "missing columns", "header only"],
)
def test_bad_file_is_refused_and_live_stays_byte_identical(data_dir: Path, kind: str) -> None:
    old = live(data_dir)
    meta = (data_dir / "providers.meta.json").read_bytes()
    bad = _bad_files(old)[kind]

    with pytest.raises(PublishError) as err:
        publish(data_dir, bad, source=f"{kind}.csv")

    assert err.value.user_message
    assert live(data_dir) == old
    assert (data_dir / "providers.meta.json").read_bytes() == meta
    assert history(data_dir) == []


def test_oversized_file_is_refused(data_dir: Path) -> None:
    old = live(data_dir)
    with pytest.raises(PublishError, match="limit") as err:
        publish(data_dir, edited(old), source="big.csv", max_bytes=1000)
    assert "the limit is" in err.value.user_message
    assert live(data_dir) == old


def test_max_bytes_given_above_the_default_lets_a_larger_file_through(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The 20 MB default is read when publish() runs; shrunk to 1 KB, the
    # sample stands in for a file bigger than the default.
    monkeypatch.setattr(finder.store.files, "DEFAULT_MAX_BYTES", 1024)
    old = live(data_dir)
    with pytest.raises(PublishError, match="limit"):
        publish(data_dir, edited(old), source="big.csv")
    assert live(data_dir) == old

    publish(data_dir, edited(old), source="big.csv", max_bytes=1_048_576)

    assert live(data_dir) == edited(old)


def test_programs_flagged_for_review_are_kept_in_the_history(data_dir: Path) -> None:
    result = publish(data_dir, edited(live(data_dir)), source="merged.csv",
                     flagged_for_review=["sample-0002", "sample-0001", "sample-0002"])

    assert result.version.flagged_for_review == ("sample-0002", "sample-0001")
    latest, before = history(data_dir)
    assert latest.flagged_for_review == ("sample-0002", "sample-0001")
    assert latest.as_dict()["flagged_for_review"] == ["sample-0002", "sample-0001"]
    assert before.flagged_for_review == ()


def test_history_written_before_flags_existed_still_reads(data_dir: Path) -> None:
    old = live(data_dir)
    (data_dir / "history").mkdir()
    (data_dir / "history" / "v0001-20260101T000000Z.csv").write_bytes(old)
    entry = {"version": "v0001", "created": "2026-01-01T00:00:00Z", "sha256": sha256_hex(old),
             "size_bytes": len(old), "programs": 170, "summary": "first", "source": "x.csv",
             "file": "v0001-20260101T000000Z.csv", "status": "published", "meta": {}}
    (data_dir / "history" / "index.json").write_text(
        json.dumps({"format": 1, "versions": [entry]}), encoding="utf-8")

    [version] = history(data_dir)

    assert version.live
    assert version.flagged_for_review == ()
    publish(data_dir, edited(old), source="next.csv")
    assert [v.version for v in history(data_dir)] == ["v0002", "v0001"]


def test_valid_rows_only_publishes_valid_rows_and_returns_rejected(data_dir: Path) -> None:
    old = live(data_dir)
    bad = _bad_files(old)["row errors"]

    result = publish(data_dir, bad, source="partly-bad.csv", valid_rows_only=True)

    assert [(i.row, i.column) for i in result.rejected] == [(2, "zip")]
    loaded = load_programs(live(data_dir))
    assert loaded.report.ok
    assert len(loaded.programs) == 169
    assert "sample-0001" not in {p.program_id for p in loaded.programs}
    assert result.version.programs == 169
    assert "1 invalid rows left out" in result.version.summary


def _with_blank_rows_and_bad_zip(original: bytes) -> bytes:
    """The sample with a blank line and an empty row after the header, and a bad ZIP on
    the third program (spreadsheet row 6)."""
    lines = original.decode("utf-8").splitlines(keepends=True)
    empty = "," * (lines[0].count(",")) + "\n"
    fields = lines[3].split(",")
    zip_at = lines[0].rstrip("\r\n").split(",").index("zip")
    fields[zip_at] = "2601"
    lines[3] = ",".join(fields)
    return "".join([lines[0], "\n", empty, *lines[1:]]).encode("utf-8")


def test_valid_rows_only_leaves_out_the_right_row_when_the_file_has_blank_rows(
    data_dir: Path,
) -> None:
    bad = _with_blank_rows_and_bad_zip(live(data_dir))
    third = load_programs(live(data_dir)).programs[2].program_id

    result = publish(data_dir, bad, source="blank-rows.csv", valid_rows_only=True)

    assert [(i.row, i.column) for i in result.rejected] == [(6, "zip")]
    kept = {p.program_id for p in load_programs(live(data_dir)).programs}
    assert third not in kept
    assert len(kept) == 169


def test_valid_rows_only_still_refuses_a_file_without_valid_rows(data_dir: Path) -> None:
    old = live(data_dir)
    with pytest.raises(PublishError):
        publish(data_dir, _bad_files(old)["missing columns"], source="x.csv", valid_rows_only=True)
    assert live(data_dir) == old


def test_latin1_file_is_published_as_utf8(data_dir: Path) -> None:
    text = edited(live(data_dir)).decode("utf-8").replace("Kestrel Counseling Centre",
                                                          "Kestrel Counseling Café", 1)
    result = publish(data_dir, text.encode("cp1252"), source="latin1.csv")

    published = live(data_dir)
    assert published.decode("utf-8") == text  # re-encoded, same content
    assert any("UTF-8" in n for n in result.notices)
    assert load_programs(published).report.notices == []


def test_semicolon_file_is_published_comma_separated(data_dir: Path) -> None:
    import csv
    import io

    rows = list(csv.reader(io.StringIO(live(data_dir).decode("utf-8"))))
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";", lineterminator="\n").writerows(rows)

    publish(data_dir, buffer.getvalue().encode("utf-8"), source="semicolons.csv")

    assert live(data_dir).split(b"\n", 1)[0].startswith(b"program_id,organization,")
    assert load_programs(live(data_dir)).report.ok


def test_dataset_version_changes_when_a_version_is_published(data_dir: Path) -> None:
    first = dataset_version(data_dir)
    assert first == dataset_version(data_dir)
    publish(data_dir, edited(live(data_dir)), source="edited.csv")
    second = dataset_version(data_dir)
    rollback(data_dir, "v0001")
    assert len({first, second, dataset_version(data_dir)}) == 3
    assert dataset_version(data_dir.parent / "nowhere") == "missing"


def test_publish_refuses_when_live_changed_since_review(data_dir: Path) -> None:
    reviewed = sha256_hex(live(data_dir))
    publish(data_dir, edited(live(data_dir)), source="someone-else.csv")
    before = live(data_dir)

    with pytest.raises(PublishError) as err:
        publish(data_dir, live(data_dir).replace(b"Hyannis", b"Hyannis Port", 1),
                source="mine.csv", expected_live_sha256=reviewed)

    assert "changed since you reviewed" in err.value.user_message
    assert live(data_dir) == before


def test_live_file_edited_by_hand_is_kept_in_history_before_next_publish(data_dir: Path) -> None:
    old = live(data_dir)
    publish(data_dir, edited(old), source="edited.csv")
    by_hand = old.replace(b"Hyannis", b"Hyannis Port", 1)
    (data_dir / "providers.csv").write_bytes(by_hand)

    publish(data_dir, old, source="back.csv")

    versions = history(data_dir)
    assert [v.version for v in versions] == ["v0004", "v0003", "v0002", "v0001"]
    assert versions[1].sha256 == sha256_hex(by_hand)
    assert "changed outside" in versions[1].summary


def test_damaged_history_index_refuses_publish(data_dir: Path) -> None:
    publish(data_dir, edited(live(data_dir)), source="edited.csv")
    (data_dir / "history" / "index.json").write_text("{not json", encoding="utf-8")
    before = live(data_dir)

    with pytest.raises(PublishError, match="damaged"):
        publish(data_dir, before.replace(b"Hyannis", b"Hyannis Port", 1), source="x.csv")
    with pytest.raises(PublishError, match="damaged"):
        history(data_dir)
    assert live(data_dir) == before


def test_missing_data_folder_is_a_publish_error(tmp_path: Path, sample_csv: Path) -> None:
    with pytest.raises(PublishError) as err:
        publish(tmp_path / "nope", sample_csv.read_bytes(), source="x.csv")
    assert "does not exist" in err.value.user_message


def test_lock_held_by_another_publisher_times_out_and_keeps_live(data_dir: Path) -> None:
    old = live(data_dir)
    with FileLock(str(data_dir / LOCK_NAME)), pytest.raises(PublishError) as err:
        publish(data_dir, edited(old), source="edited.csv", lock_timeout_s=0.2)
    assert "Another publish is in progress" in err.value.user_message
    assert live(data_dir) == old


# --------------------------------------------------------------------------- processes

_PUBLISH_SCRIPT = """
import sys
from pathlib import Path
from finder.store.files import publish
publish(Path(sys.argv[1]), Path(sys.argv[2]).read_bytes(), source=sys.argv[3])
"""


def _publisher(data_dir: Path, new_file: Path, env: dict[str, str], name: str = "new.csv"):
    return subprocess.Popen(
        [sys.executable, "-c", _PUBLISH_SCRIPT, str(data_dir), str(new_file), name],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.parametrize(
    ("step", "expect_new"),
    [
        ("locked", False),
        ("history-written", False),
        ("temp-partial", False),
        ("temp-written", False),
        ("replaced", True),
        ("meta-written", True),
    ],
)
def test_sigkill_mid_publish_leaves_entirely_old_or_new(
    data_dir: Path, tmp_path: Path, step: str, expect_new: bool
) -> None:
    old = live(data_dir)
    new = edited(old)
    new_file = tmp_path / "new.csv"
    new_file.write_bytes(new)
    proc = _publisher(data_dir, new_file, {"FINDER_TEST_PUBLISH_PAUSE_AT": step})
    try:
        assert proc.stderr is not None
        for line in proc.stderr:
            if line.strip() == f"publish-step {step}":
                break
        else:
            pytest.fail(f"the publisher ended before step {step}: rc={proc.wait()}")
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait()
    assert proc.returncode == -signal.SIGKILL

    assert live(data_dir) == (new if expect_new else old)
    assert load_programs(live(data_dir)).report.ok
    shown = history(data_dir)
    assert [v.live for v in shown if v.sha256 == sha256_hex(live(data_dir))][:1] in ([True], [])

    # The next publish repairs what the kill left: stray temp files, a pending version.
    third = new.replace(b"Hyannis", b"Hyannis Port", 1)
    result = publish(data_dir, third, source="third.csv")
    assert live(data_dir) == third
    assert not list(data_dir.glob(".*.tmp"))
    assert not list((data_dir / "history").glob(".*.tmp"))
    versions = history(data_dir)
    assert versions[0] == result.version
    hashes = [v.sha256 for v in versions]
    assert (sha256_hex(new) in hashes) is expect_new
    assert sha256_hex(old) in hashes
    index = json.loads((data_dir / "history" / "index.json").read_text(encoding="utf-8"))
    assert {e["status"] for e in index["versions"]} == {"published"}
    for v in versions:
        assert sha256_hex((data_dir / "history" / v.file).read_bytes()) == v.sha256


def test_killed_after_replace_is_finished_by_the_next_publish(data_dir: Path, tmp_path: Path) -> None:
    old = live(data_dir)
    new = edited(old)
    new_file = tmp_path / "new.csv"
    new_file.write_bytes(new)
    proc = _publisher(data_dir, new_file, {"FINDER_TEST_PUBLISH_PAUSE_AT": "replaced"})
    assert proc.stderr is not None
    for line in proc.stderr:
        if line.strip() == "publish-step replaced":
            break
    proc.kill()
    proc.wait()

    assert read_meta(data_dir)["sample"] is True  # metadata not written yet
    rollback(data_dir, "v0001")

    versions = history(data_dir)
    assert [v.version for v in versions] == ["v0003", "v0002", "v0001"]
    assert versions[1].sha256 == sha256_hex(new)
    assert live(data_dir) == old


def test_lock_serializes_concurrent_publishes(data_dir: Path, tmp_path: Path) -> None:
    old = live(data_dir)
    trace = tmp_path / "trace.txt"
    files = []
    for n, payload in enumerate([edited(old), old.replace(b"Hyannis", b"Hyannis Port", 1)]):
        path = tmp_path / f"new{n}.csv"
        path.write_bytes(payload)
        files.append(path)
    env = {"FINDER_TEST_PUBLISH_DELAY_S": "0.05", "FINDER_TEST_PUBLISH_TRACE": str(trace)}
    procs = [_publisher(data_dir, f, env, name=f.name) for f in files]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err

    lines = [line.split() for line in trace.read_text().splitlines()]
    pids = [pid for pid, _ in lines]
    # Each publisher's steps, from "locked" to "done", form one unbroken run.
    runs = [pids[0]] + [b for a, b in itertools.pairwise(pids) if a != b]
    assert len(runs) == 2, lines
    assert [step for _, step in lines].count("locked") == 2
    versions = history(data_dir)
    assert [v.version for v in versions] == ["v0003", "v0002", "v0001"]
    assert versions[0].live
    assert live(data_dir) in {f.read_bytes() for f in files}


def test_readers_never_see_a_partial_file_during_repeated_publishes(data_dir: Path) -> None:
    # 60 programs: big enough to take many writes, small enough to validate fast.
    first = b"".join(live(data_dir).splitlines(keepends=True)[:61])
    (data_dir / "providers.csv").write_bytes(first)
    second = edited(first)
    allowed = {first, second}
    done = threading.Event()
    errors: list[BaseException] = []

    def publish_repeatedly() -> None:
        try:
            for n in range(6):
                publish(data_dir, second if n % 2 == 0 else first, source=f"round{n}.csv")
        except BaseException as err:  # surfaced in the main thread
            errors.append(err)
        finally:
            done.set()

    writer = threading.Thread(target=publish_repeatedly)
    writer.start()
    reads, seen = 0, set()
    while not done.is_set():
        data = (data_dir / "providers.csv").read_bytes()
        assert data in allowed, f"read {len(data)} bytes that are neither version"
        seen.add(data)
        reads += 1
        time.sleep(0.001)  # let the publisher thread run (the GIL)
    writer.join()
    assert not errors, errors
    assert reads > 6
    assert seen == allowed
    assert len(history(data_dir)) == 7


def test_counts_in_publish_messages_use_plural_forms():
    # Issue 18: "1 program", not "1 programs"; "1 error in 1 row".
    from finder.store.dataset import prepare, row_summary

    header = b"program_id,organization\n"
    assert row_summary(None, header + b"a,Org\n") == "1 program: 1 added, 0 removed, 0 changed"
    assert row_summary(None, header + b"a,Org\nb,Org\n").startswith("2 programs: ")
    sample = (Path(__file__).resolve().parent.parent / "data" / "sample" / "providers.csv")
    lines = sample.read_bytes().splitlines(keepends=True)
    bad = lines[1].replace(b",MA,", b",XX,", 1)
    with pytest.raises(PublishError) as refused:
        prepare(lines[0] + bad, valid_rows_only=False, max_bytes=10_000_000)
    assert "The file has 1 error in 1 row. " in refused.value.user_message

"""Tests for the fictional sample dataset and the data documentation (issue 2, items 3 and 6).

``data/sample/providers.csv`` must be fictional, cover the whole state, be documented
in ``data/README.md`` by the same table the code validates with, and be
reproducible byte for byte from ``scripts/make_sample_data.py``.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from finder.config import Settings
from finder.load import load_programs, read_meta
from finder.schema import COLUMN_NAMES, MA_COUNTIES, data_dictionary_markdown

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"
SAMPLE_DIR = DATA_DIR / "sample"


@pytest.fixture(scope="module")
def sample_rows(sample_csv: Path) -> list[dict[str, str]]:
    with sample_csv.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def meta() -> dict[str, object]:
    return read_meta(SAMPLE_DIR)


def created_date(meta: dict[str, object]) -> dt.date:
    return dt.datetime.fromisoformat(str(meta["created"])).date()


def test_data_readme_contains_the_data_dictionary_verbatim():
    readme = (DATA_DIR / "README.md").read_text(encoding="utf-8")
    assert data_dictionary_markdown() in readme


def test_data_dictionary_has_one_row_per_column():
    table = data_dictionary_markdown().splitlines()[2:]
    assert [re.match(r"\| `([^`]+)`", line).group(1) for line in table] == list(COLUMN_NAMES)


def test_sample_has_the_template_header(sample_csv):
    header = sample_csv.read_text(encoding="utf-8").splitlines()[0]
    assert header == ",".join(COLUMN_NAMES)


def test_sample_is_valid_as_of_its_creation_date(sample_csv, meta):
    created = created_date(meta)
    report = load_programs(sample_csv, today=created).report
    assert report.errors == []
    assert report.ok
    assert report.rows == report.valid_rows == meta["programs"]


def test_sample_has_at_least_150_programs(sample_rows):
    assert len(sample_rows) >= 150
    assert len({r["program_id"] for r in sample_rows}) == len(sample_rows)


def test_sample_covers_at_least_60_towns_and_all_14_counties(sample_rows):
    assert len({r["city"] for r in sample_rows}) >= 60
    assert {r["county"] for r in sample_rows} == set(MA_COUNTIES)
    assert len(MA_COUNTIES) == 14


def test_sample_phones_are_only_the_fictional_555_01xx_range(sample_rows):
    phones = [r[c] for r in sample_rows for c in ("phone", "intake_phone") if r[c]]
    assert phones
    for phone in phones:
        assert re.fullmatch(r"\d{3}-555-01\d\d", phone), phone


def test_sample_websites_are_only_example_org(sample_rows):
    websites = [r["website"] for r in sample_rows if r["website"]]
    assert websites
    for url in websites:
        assert re.fullmatch(r"https://([a-z0-9-]+\.)*example\.org(/\S*)?", url), url


def test_sample_never_mentions_a_web_address_outside_example_org(sample_csv):
    text = sample_csv.read_text(encoding="utf-8")
    for host in re.findall(r"https?://([^/\s,\"]+)", text):
        assert host.endswith("example.org"), host


def test_sample_has_some_stale_and_some_fresh_rows(sample_rows, meta):
    created = created_date(meta)
    stale_days = Settings().stale_after_days
    ages = [(created - dt.date.fromisoformat(r["last_verified"])).days for r in sample_rows]
    assert any(age > stale_days for age in ages)
    assert sum(age <= stale_days for age in ages) > len(ages) / 2


def test_sample_has_a_mix_of_tracks_and_unknowns(sample_rows):
    schedules = [r["schedule"] for r in sample_rows]
    assert any(s == "" for s in schedules)  # unknown session times
    assert any("Sa" in s or "Su" in s for s in schedules)  # weekend
    assert any(re.search(r"1[7-9]:\d\d", s) for s in schedules)  # evening
    assert any(re.search(r"\b09:\d\d", s) for s in schedules)  # day
    assert {r["level_of_care"] for r in sample_rows} >= {"IOP", "SOAP"}
    assert any(r["accepting_new_clients"] in ("", "unknown") for r in sample_rows)
    assert any("Spanish" in r["languages"] for r in sample_rows)
    assert any("Buprenorphine" in r["services"] for r in sample_rows)


def test_meta_declares_sample_data(meta):
    assert meta["sample"] is True
    for key in ("source", "version", "created", "title"):
        assert meta[key], key


def test_meta_creation_time_is_a_fixed_utc_timestamp(meta):
    # A timestamp in the form a publish writes, fixed so the script stays deterministic.
    assert meta["created"] == "2026-11-01T00:00:00Z"
    created = dt.datetime.fromisoformat(str(meta["created"]))
    assert created.utcoffset() == dt.timedelta(0)


def test_make_sample_data_creates_a_missing_output_folder(tmp_path):
    out_dir = tmp_path / "not" / "there"
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "make_sample_data.py"), "--out-dir", str(out_dir)],
        check=False,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    assert (out_dir / "providers.csv").is_file()
    assert (out_dir / "providers.meta.json").is_file()


def test_sample_coordinates_are_near_the_towns_zip(sample_rows):
    import zipcodes

    for row in sample_rows:
        (info,) = zipcodes.matching(row["zip"])
        assert info["state"] == "MA"
        assert abs(float(row["latitude"]) - float(info["lat"])) < 0.2, row["program_id"]
        assert abs(float(row["longitude"]) - float(info["long"])) < 0.2, row["program_id"]


def test_make_sample_data_is_deterministic_and_matches_the_shipped_file(tmp_path, sample_csv):
    script = ROOT / "scripts" / "make_sample_data.py"
    outputs = []
    for name in ("first", "second"):
        out_dir = tmp_path / name
        out_dir.mkdir()
        subprocess.run(
            [sys.executable, str(script), "--out-dir", str(out_dir)],
            check=True,
            capture_output=True,
            cwd=ROOT,
        )
        outputs.append(
            (
                (out_dir / "providers.csv").read_bytes(),
                (out_dir / "providers.meta.json").read_bytes(),
            )
        )
    assert outputs[0] == outputs[1]
    assert outputs[0][0] == sample_csv.read_bytes()
    assert json.loads(outputs[0][1]) == read_meta(SAMPLE_DIR)


def test_sample_carries_fictional_confirmations_of_every_kind(sample_rows):
    # Issue 12: the sample shows every way a confirmation is worded.
    assert {r["schedule_confirmed_via"] for r in sample_rows} >= {"phone", "website", "staff", ""}
    assert {r["availability_confirmed_via"] for r in sample_rows} >= {"phone", "staff", ""}
    for row in sample_rows:
        assert not row["schedule_confirmed_via"] or row["schedule"], row["program_id"]
        assert bool(row["schedule_confirmed_via"]) == bool(row["schedule_confirmed_on"])
        assert not row["availability_confirmed_via"] or row["availability_as_of"]
        assert row["listed_as_of"] == ""  # no source listed these fictional programs

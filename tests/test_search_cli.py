"""``finder search`` and ``finder bench`` through ``main(argv)``."""

from __future__ import annotations

import csv
import io
import json
import shutil
import sys
import types
from pathlib import Path

import pytest

from finder.cli import main
from finder.config import Settings
from finder.errors import GeocodeNotFound, GeocodeUnavailable
from finder.model import Place, Precision

BOSTON = ["--lat", "42.3603", "--lon", "-71.0580"]


@pytest.fixture
def run(capsys, sample_csv):
    """Run ``finder search ... --data sample`` and return (exit code, stdout, stderr)."""

    def runner(*argv: str, data: Path | None = sample_csv) -> tuple[int, str, str]:
        args = ["search", *argv] + (["--data", str(data)] if data else [])
        code = main(args)
        out, err = capsys.readouterr()
        return code, out, err

    return runner


class FakeLocator:
    """Stands in for ``finder.geocode``'s locator: a dict of places; records calls."""

    def __init__(self, settings: Settings, places: dict[str, Place | Exception]) -> None:
        self.settings = settings
        self.places = places
        self.calls: list[str] = []

    def locate(self, text: str) -> Place:
        self.calls.append(text)
        found = self.places[text]
        if isinstance(found, Exception):
            raise found
        return found


@pytest.fixture
def fake_geocode(monkeypatch):
    """Install a fake ``finder.geocode`` module; returns the list of locators built."""
    built: list[FakeLocator] = []
    places: dict[str, Place | Exception] = {
        "Cambridge": Place(42.3736, -71.1097, "Cambridge, MA", Precision.TOWN, "gazetteer"),
        "Cambrige": GeocodeNotFound("no match", suggestions=("Cambridge",)),
        "1 Main St, Springfield": GeocodeUnavailable("timeout"),
    }

    def build_locator(settings: Settings) -> FakeLocator:
        locator = FakeLocator(settings, places)
        built.append(locator)
        return locator

    module = types.ModuleType("finder.geocode")
    module.build_locator = build_locator  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "finder.geocode", module)
    return built


def test_search_json_output(run):
    code, out, _ = run(*BOSTON, "--radius-miles", "10", "--insurance", "MassHealth",
                       "--sessions", "evening", "--format", "json")
    assert code == 0
    payload = json.loads(out)
    assert payload["description"] == (
        "Programs within 10 miles of 42.3603, -71.0580 that take MassHealth "
        "and meet in the evening"
    )
    assert payload["query"]["radius_miles"] == 10
    assert payload["query"]["insurance"] == ["MassHealth"]
    assert payload["total"] == len(payload["results"]) > 0
    first = payload["results"][0]
    for key in ("program_id", "organization", "program_name", "distance_miles", "latitude",
                "longitude", "phone", "insurance", "schedule", "schedule_text", "fit", "reasons"):
        assert key in first
    assert "takes MassHealth" in first["reasons"]
    distances = [r["distance_miles"] for r in payload["results"]]
    assert distances == sorted(distances)
    assert max(distances) <= 10


def test_search_table_output_says_what_was_hidden(run):
    code, out, _ = run(*BOSTON, "--sessions", "evening")
    assert code == 0
    first_line = out.splitlines()[0]
    assert first_line.startswith("Programs within 25 miles of 42.3603, -71.0580 that meet in the")
    assert first_line.endswith("programs found.")
    assert "Sessions: " in out
    # The count of programs with no published times is said once: in the call-to-ask header.
    assert "no schedule listed" not in out
    assert out.count("haven't published session times: call to ask") == 1
    assert "--include-unknown-schedule" in out


def test_json_and_csv_name_the_flag_when_programs_stay_out(run):
    """Issue 12: 'the message names the flag when anything stays hidden'."""
    _, out, _ = run(*BOSTON, "--sessions", "evening", "--format", "json")
    payload = json.loads(out)
    n = len(payload["unknown_schedule"])
    assert n == payload["unknown_schedule_hidden"] > 0
    assert payload["message"].startswith(f"{n} more programs near you haven't published session times")
    assert "--include-unknown-schedule" in payload["message"]
    _, out, err = run(*BOSTON, "--sessions", "evening", "--format", "csv")
    assert f"{n} more programs near you haven't published session times" in err
    assert "--include-unknown-schedule" in err
    _, out, _ = run(*BOSTON, "--sessions", "evening", "--include-unknown-schedule", "--format", "json")
    payload = json.loads(out)
    assert payload["message"] == ""
    assert payload["unknown_schedule"] == []


def test_the_flag_message_is_said_in_spanish(run):
    _, out, _ = run(*BOSTON, "--sessions", "evening", "--format", "json", "--lang", "es")
    message = json.loads(out)["message"]
    assert "--include-unknown-schedule" in message
    assert "haven't" not in message


def test_search_csv_output_uses_the_safe_exporter(run):
    code, out, _ = run(*BOSTON, "--radius-miles", "5", "--format", "csv")
    assert code == 0
    lines = list(csv.reader(io.StringIO(out)))
    blank = lines.index([])
    heading = dict(lines[:blank])
    assert set(heading) == {"Search", "Exported", "Data source"}
    assert heading["Search"].startswith("Programs within 5 miles")
    assert lines[blank + 1][0] == "Program"
    _, as_json, _ = run(*BOSTON, "--radius-miles", "5", "--format", "json")
    assert len(lines) - blank - 2 == json.loads(as_json)["total"]


def test_search_csv_neutralizes_formula_injection(run, tmp_path, sample_csv):
    evil = '=HYPERLINK("http://example.org","x")'
    text = sample_csv.read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    for row in rows:
        row["program_name"] = evil
    out_csv = tmp_path / "providers.csv"
    with out_csv.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    code, out, _ = run(*BOSTON, "--radius-miles", "5", "--format", "csv", data=out_csv)
    assert code == 0
    lines = list(csv.reader(io.StringIO(out)))
    names = [line[0] for line in lines[lines.index([]) + 2:]]
    assert names
    assert all(name == "'" + evil for name in names)


@pytest.mark.parametrize(
    ("argv", "column", "expected"),
    [
        (["--available", "Mo-Fr 17:00-21:30"], "fit", {"fits", "partly fits"}),
        (["--include-unknown-schedule", "--sessions", "weekend"], "schedule_text", None),
        (["--language", "spanish"], "languages", None),
        (["--service", "buprenorphine"], "services", None),
        (["--population", "women"], "populations", None),
        (["--level-of-care", "iop"], "level_of_care", {"IOP", "SOAP"}),
        (["--attendance", "telehealth"], "attendance", {"telehealth", "hybrid"}),
        (["--accepting-new-clients"], "accepting_new_clients", {"yes"}),
    ],
)
def test_search_options_reach_the_query(run, argv, column, expected):
    code, out, _ = run(*BOSTON, "--radius-miles", "any", "--format", "json", *argv)
    assert code == 0
    results = json.loads(out)["results"]
    assert results
    if expected is not None:
        assert {r[column] for r in results} <= expected


def test_sort_by_verified(run):
    _, out, _ = run(*BOSTON, "--sort", "verified", "--format", "json")
    verified = [r["last_verified"] for r in json.loads(out)["results"]]
    assert verified == sorted(verified, reverse=True)


def test_nothing_matched_exits_1(run):
    code, out, _ = run("--lat", "41.0", "--lon", "-69.0", "--radius-miles", "5")
    assert code == 1
    assert "0 programs found" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--insurance", "Masshelth"], "Did you mean 'MassHealth'?"),
        (["--language", "Klingon"], "is not a language we know"),
        (["--available", "weekday evenings"], "We couldn't read the availability"),
        (["--radius-miles", "7"], "Invalid value for '--radius-miles'"),
        (["--near", "Cambridge"], "either --near or --lat/--lon"),
    ],
)
def test_bad_options_exit_2_with_a_plain_message(run, argv, message):
    code, _, err = run(*BOSTON, *argv)
    assert code == 2
    assert message in err


def test_a_place_is_required(run):
    code, _, err = run("--lat", "42.3")
    assert code == 2
    assert "Say where to search from" in err


def test_unusable_data_file_exits_2(run, tmp_path):
    bad = tmp_path / "providers.csv"
    bad.write_bytes(b"PK\x03\x04 this is a spreadsheet, not a CSV")
    code, _, err = run(*BOSTON, data=bad)
    assert code == 2
    assert "cannot be used" in err


def test_data_defaults_to_the_live_dataset(run, monkeypatch, tmp_path, sample_csv):
    shutil.copy(sample_csv, tmp_path / "providers.csv")
    monkeypatch.setenv("FINDER_DATA_DIR", str(tmp_path))
    code, out, _ = run(*BOSTON, "--format", "json", data=None)
    assert code == 0
    assert json.loads(out)["total"] > 0


def test_near_uses_the_locator(run, fake_geocode):
    code, out, _ = run("--near", "Cambridge", "--radius-miles", "5", "--format", "json")
    assert code == 0
    payload = json.loads(out)
    assert payload["query"]["origin"] == {"lat": 42.3736, "lon": -71.1097}
    assert payload["description"].startswith("Programs within 5 miles of Cambridge, MA")
    assert fake_geocode[0].calls == ["Cambridge"]


def test_near_logs_neither_the_typed_text_nor_where_it_is(run, fake_geocode, caplog):
    """What a person types is health-related: not even its coordinates go to the log."""
    caplog.set_level("DEBUG")
    code, _, _ = run("--near", "Cambridge", "--format", "json")
    assert code == 0
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "Cambridge" not in logged
    assert "42.37" not in logged
    assert "-71.1" not in logged


def test_offline_turns_the_online_geocoder_off(run, fake_geocode, monkeypatch):
    monkeypatch.setenv("FINDER_GEOCODER", "nominatim")
    run("--near", "Cambridge", "--offline")
    assert fake_geocode[0].settings.geocoder == "off"
    run("--near", "Cambridge")
    assert fake_geocode[1].settings.geocoder == "nominatim"


def test_near_not_found_suggests(run, fake_geocode):
    code, _, err = run("--near", "Cambrige")
    assert code == 2
    assert "Did you mean: Cambridge?" in err


def test_near_service_down_gives_the_user_message(run, fake_geocode):
    code, _, err = run("--near", "1 Main St, Springfield")
    assert code == 2
    assert GeocodeUnavailable.default_user_message in err


# --- finder bench (a tiny size; timings are never asserted) -------------------------------


def test_bench_json_smoke(capsys):
    code = main(["bench", "--sizes", "50", "--repeat", "3", "--baseline-rows", "20",
                 "--format", "json"])
    out, _ = capsys.readouterr()
    assert code == 0
    report = json.loads(out)
    assert {"cpu", "cpus", "python", "numpy"} <= set(report["machine"])
    (row,) = report["results"]
    assert row["programs"] == 50
    assert row["repeat"] == 3
    for key in ("p50_ms", "p95_ms", "baseline_p50_ms", "ratio", "peak_mb"):
        assert key in row
    assert row["baseline_sampled_rows"] == 20
    assert any("sample of 20 rows" in note for note in report["notes"])


def test_bench_text_smoke(capsys):
    code = main(["bench", "--sizes", "30,40", "--repeat", "2", "--baseline-rows", "100"])
    out, _ = capsys.readouterr()
    assert code == 0
    assert "p50 ms" in out
    assert "Query: Programs within 25 miles of Boston City Hall" in out


def test_bench_rejects_bad_sizes(capsys):
    assert main(["bench", "--sizes", "ten"]) == 2
    assert "--sizes takes numbers" in capsys.readouterr().err


def test_near_with_the_real_offline_locator(run):
    code, out, err = run("--near", "02139", "--offline", "--radius-miles", "5", "--format", "json")
    assert code == 0, err
    payload = json.loads(out)
    assert payload["description"].startswith("Programs within 5 miles of Cambridge")
    assert payload["total"] > 0


def test_an_ambiguous_name_is_asked_once_with_the_places_listed(run):
    code, _, err = run("--near", "Manchester", "--offline")
    assert code == 2
    assert "Which Manchester did you mean? Manchester-by-the-Sea, MA; Manchester, NH" in err
    assert "Did you mean" not in err  # asked once, not twice


def test_near_outside_massachusetts_with_the_real_offline_locator(run):
    code, _, err = run("--near", "Springfield, IL", "--offline")
    assert code == 2
    assert "Massachusetts" in err


def test_near_a_place_over_the_border_lists_the_nearest_massachusetts_programs(run):
    """Issue 18: "Nashua NH" says Massachusetts only and where to look, then searches from it."""
    code, out, err = run("--near", "Nashua NH", "--offline", "--format", "json")
    assert code == 0
    assert "covers Massachusetts only" in err
    assert "1-800-662-4357" in err
    assert "Nashua, NH is about" in err
    assert "Nashua, NH" in json.loads(out)["description"]


def test_near_a_place_far_away_fails_with_where_to_look(run):
    code, _, err = run("--near", "Chicago, IL", "--offline")
    assert code == 2
    assert "covers Massachusetts only" in err
    assert "FindTreatment.gov" in err

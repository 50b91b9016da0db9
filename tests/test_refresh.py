"""Admin refresh (issue #8): validate, geocode, diff, merge, publish; and its CLI."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from apphelpers import copy_sample_data
from click.testing import CliRunner

import finder.store.files
from finder.cli import cli, main
from finder.errors import GeocodeNotFound, GeocodeUnavailable, PublishError
from finder.load import load_programs, read_meta
from finder.model import Place, Precision
from finder.refresh import (
    NOTHING_TO_PUBLISH,
    DatasetDiff,
    FieldChange,
    GeocodeOutcome,
    diff_rows,
    issues_to_csv,
    merge_rows,
    prepare_refresh,
    publish_plan,
)
from finder.schema import format_phone
from finder.search import Catalog
from finder.store.dataset import rows_to_csv, sha256_hex
from finder.store.files import dataset_version, history, publish


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A live data folder seeded with a copy of the shipped sample dataset."""
    return copy_sample_data(tmp_path / "data")


class FakeLocator:
    """Answers from a dict keyed by (street, city, zip); records every call."""

    def __init__(self, places: dict[tuple[str, str, str], Place] | None = None,
                 unavailable: bool = False) -> None:
        self.places = places or {}
        self.unavailable = unavailable
        self.calls: list[tuple[str, str, str]] = []

    def geocode_address(self, street: str, city: str, zip_code: str) -> Place:
        self.calls.append((street, city, zip_code))
        if self.unavailable:
            raise GeocodeUnavailable("stub down", "The address lookup service isn't answering.")
        try:
            return self.places[(street, city, zip_code)]
        except KeyError:
            raise GeocodeNotFound(f"no match for {street}", "We couldn't find that address.") from None


def live(folder: Path) -> bytes:
    return (folder / "providers.csv").read_bytes()


def read_rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


def write_rows(rows: list[dict[str, str]]) -> bytes:
    return rows_to_csv(rows)


NEW_PROGRAM = {
    "program_id": "sample-0999",
    "organization": "Harborlight Recovery Collaborative",
    "program_name": "Evening IOP - Cambridge",
    "level_of_care": "IOP",
    "street": "12 Example Street",
    "city": "Cambridge",
    "state": "MA",
    "zip": "02139",
    "phone": "617-555-0177",
    "last_verified": "2026-01-15",
    "source": "Sample data (fictional)",
}


def changed_copy(original: bytes) -> bytes:
    """The sample with sample-0002 removed, sample-0003's phone changed, one program added."""
    rows = read_rows(original)
    rows = [r for r in rows if r["program_id"] != "sample-0002"]
    for row in rows:
        if row["program_id"] == "sample-0003":
            row["phone"] = "617-555-0188"
    rows.append({**NEW_PROGRAM, "latitude": "42.36500", "longitude": "-71.10400"})
    return write_rows(rows)


# --------------------------------------------------------------------------- bad files


def _bad_file(kind: str, original: bytes, tmp_path: Path) -> tuple[Path, int]:
    text = original.decode("utf-8")
    header, first, *rest = text.splitlines(keepends=True)
    path = tmp_path / f"{kind.replace(' ', '-')}.csv"
    if kind == "row errors":
        path.write_text(header + first.replace(",02601,", ",2601,") + "".join(rest), encoding="utf-8")
        return path, 1
    if kind == "missing columns":
        path.write_text("\n".join(",".join(line.split(",")[1:]) for line in text.splitlines()),
                        encoding="utf-8")
        return path, 1
    if kind == "wrong encoding":
        path.write_bytes(text.encode("utf-16-le"))  # no BOM: unreadable as text
        return path, 2
    if kind == "empty":
        path.write_bytes(b"")
        return path, 2
    if kind == "binary":
        path.write_bytes(bytes(range(256)) * 64)
        return path, 2
    if kind == "oversized":
        path.write_bytes(original * 2)  # over the --max-mb 0.1 given below
        return path, 2
    raise AssertionError(kind)


BAD_KINDS = ["row errors", "wrong encoding", "empty", "binary", "oversized", "missing columns"]


@pytest.mark.parametrize("kind", BAD_KINDS)
def test_bad_file_cannot_be_published_and_live_stays_byte_identical(
    data_dir: Path, tmp_path: Path, kind: str
) -> None:
    old = live(data_dir)
    path, expected_code = _bad_file(kind, old, tmp_path)

    plan = prepare_refresh(path, data_dir=data_dir, max_bytes=100_000)

    assert not plan.can_publish
    assert plan.exit_code == expected_code
    if expected_code == 2:
        assert plan.report.file_error
    with pytest.raises(PublishError) as err:
        publish_plan(plan)
    assert err.value.user_message.startswith("Nothing was published")
    assert live(data_dir) == old


@pytest.mark.parametrize("kind", BAD_KINDS)
def test_cli_refresh_with_bad_file_exits_like_validate_and_keeps_live(
    data_dir: Path, tmp_path: Path, kind: str
) -> None:
    old = live(data_dir)
    path, expected_code = _bad_file(kind, old, tmp_path)

    code = main(["refresh", str(path), "--yes", "--data-dir", str(data_dir), "--max-mb", "0.1",
                 "--no-geocode"])

    assert code == expected_code
    assert live(data_dir) == old
    assert not (data_dir / "history").exists()


def test_row_errors_are_reported_with_row_column_value_and_reason(
    data_dir: Path, tmp_path: Path
) -> None:
    path, _ = _bad_file("row errors", live(data_dir), tmp_path)
    plan = prepare_refresh(path, data_dir=data_dir)

    [issue] = plan.report.errors
    assert (issue.row, issue.column, issue.value) == (2, "zip", "2601")
    assert "did you mean 02601?" in issue.message
    assert plan.rejected == (issue,)
    assert b"2,zip,2601," in issues_to_csv(plan.issues())


# --------------------------------------------------------------------------- good files


def test_good_file_publishes_history_lists_previous_and_rollback_restores(
    data_dir: Path, tmp_path: Path
) -> None:
    old = live(data_dir)
    new = changed_copy(old)
    path = tmp_path / "providers-new.csv"
    path.write_bytes(new)
    token = dataset_version(data_dir)

    assert main(["refresh", str(path), "--yes", "--data-dir", str(data_dir), "--no-geocode"]) == 0

    assert live(data_dir) == new  # a clean UTF-8 file is published byte for byte
    assert dataset_version(data_dir) != token
    assert read_meta(data_dir)["sample"] is False
    runner = CliRunner()
    shown = runner.invoke(cli, ["history", "--data-dir", str(data_dir), "--format", "json"])
    assert shown.exit_code == 0
    versions = json.loads(shown.stdout)
    assert [(v["version"], v["live"]) for v in versions] == [("v0002", True), ("v0001", False)]
    assert versions[1]["sha256"] == sha256_hex(old)
    assert versions[0]["summary"].startswith("provider CSV providers-new.csv; 170 programs: "
                                             "1 added, 1 removed, 1 changed")

    restored = runner.invoke(cli, ["rollback", "v0001", "--yes", "--data-dir", str(data_dir)])

    assert restored.exit_code == 0, restored.output
    assert "Restored as v0003" in restored.stdout
    assert live(data_dir) == old


def test_cli_history_text_marks_the_live_version(data_dir: Path) -> None:
    runner = CliRunner()
    empty = runner.invoke(cli, ["history", "--data-dir", str(data_dir)])
    assert "No versions yet" in empty.stdout
    publish(data_dir, changed_copy(live(data_dir)), source="x.csv")

    shown = runner.invoke(cli, ["history", "--data-dir", str(data_dir)])

    lines = shown.stdout.splitlines()
    assert lines[0].startswith("* v0002")
    assert lines[1].startswith("  v0001")


def test_cli_rollback_of_unknown_version_exits_1(data_dir: Path) -> None:
    result = CliRunner().invoke(cli, ["rollback", "v0009", "--yes", "--data-dir", str(data_dir)])
    assert result.exit_code == 1
    assert "There is no version 'v0009'" in result.stderr


def test_cli_refresh_asks_before_publishing(data_dir: Path, tmp_path: Path) -> None:
    old = live(data_dir)
    path = tmp_path / "new.csv"
    path.write_bytes(changed_copy(old))
    runner = CliRunner()
    args = ["refresh", str(path), "--data-dir", str(data_dir), "--no-geocode"]

    declined = runner.invoke(cli, args, input="n\n")
    assert declined.exit_code == 1
    assert "Publish 170 programs (1 added, 1 removed, 1 changed)?" in declined.stderr
    assert "Not published" in declined.stdout
    assert live(data_dir) == old

    no_answer = runner.invoke(cli, args, input="")
    assert no_answer.exit_code == 1
    assert live(data_dir) == old

    accepted = runner.invoke(cli, args, input="y\n")
    assert accepted.exit_code == 0, accepted.output
    assert "Published v0002" in accepted.stdout
    assert live(data_dir) == path.read_bytes()


def test_cli_refresh_text_shows_report_and_field_by_field_diff(data_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "new.csv"
    path.write_bytes(changed_copy(live(data_dir)))

    result = CliRunner().invoke(cli, ["refresh", str(path), "--data-dir", str(data_dir),
                                      "--no-geocode"], input="n\n")

    out = result.stdout
    assert "new.csv: 170 rows, 170 valid, 0 errors." in out
    assert "  + sample-0999  Harborlight Recovery Collaborative: Evening IOP - Cambridge" in out
    assert "  - sample-0002  " in out
    assert "  ~ sample-0003  " in out
    assert "      phone: " in out
    assert "-> '617-555-0188'" in out


def test_cli_refresh_json_reports_plan_and_published_version(data_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "new.csv"
    path.write_bytes(changed_copy(live(data_dir)))

    result = CliRunner().invoke(cli, ["refresh", str(path), "--yes", "--format", "json",
                                      "--data-dir", str(data_dir), "--no-geocode"])

    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["can_publish"] is True
    assert payload["published"]["version"] == "v0002"
    assert [p["program_id"] for p in payload["diff"]["added"]] == ["sample-0999"]
    assert payload["diff"]["changed"][0]["fields"] == [
        {"column": "phone", "old": "774-555-0134", "new": "617-555-0188"}
    ]


def test_identical_file_is_not_published_again(data_dir: Path, sample_csv: Path) -> None:
    plan = prepare_refresh(sample_csv, data_dir=data_dir)
    assert plan.is_unchanged
    assert plan.diff.is_empty
    assert main(["refresh", str(sample_csv), "--yes", "--data-dir", str(data_dir),
                 "--no-geocode"]) == 0
    assert not (data_dir / "history").exists()


def test_publish_plan_refuses_a_plan_that_changes_nothing(data_dir: Path, sample_csv: Path) -> None:
    plan = prepare_refresh(sample_csv, data_dir=data_dir)

    with pytest.raises(PublishError) as err:
        publish_plan(plan)

    assert err.value.user_message == NOTHING_TO_PUBLISH
    assert NOTHING_TO_PUBLISH in plan.to_text()
    assert not (data_dir / "history").exists()


def test_a_file_published_once_cannot_be_published_again(data_dir: Path) -> None:
    data = changed_copy(live(data_dir))
    publish_plan(prepare_refresh(data, data_dir=data_dir))

    again = prepare_refresh(data, data_dir=data_dir)

    assert again.is_unchanged
    with pytest.raises(PublishError, match="unchanged"):
        publish_plan(again)
    assert len(history(data_dir)) == 2


def test_configured_size_limit_below_the_file_refuses_it(data_dir: Path) -> None:
    old = live(data_dir)

    plan = prepare_refresh(changed_copy(old), data_dir=data_dir, max_bytes=1024)

    assert plan.report.file_error is not None
    assert "the limit is 0.000977 MB (the upload_max_mb setting)" in plan.report.file_error
    with pytest.raises(PublishError, match="limit is"):
        publish_plan(plan)
    assert live(data_dir) == old


def test_configured_size_limit_above_the_default_is_kept_when_publishing(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Regression (issue 8): publish_plan called publish() without max_bytes, so
    # a 21 MB file was refused at the 20 MB default even with a higher setting.
    # The default shrinks to 1 KB here, so the 74 KB sample plays the big file.
    monkeypatch.setattr(finder.store.files, "DEFAULT_MAX_BYTES", 1024)
    data = changed_copy(live(data_dir))
    with pytest.raises(PublishError, match="limit"):
        publish(data_dir, data, source="direct.csv")  # the shrunken default applies

    plan = prepare_refresh(data, data_dir=data_dir, max_bytes=1_048_576)

    assert plan.max_bytes == 1_048_576
    result = publish_plan(plan)
    assert result.version.version == "v0002"
    assert live(data_dir) == data


def test_cli_refresh_reads_the_upload_size_setting_in_both_directions(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(finder.store.files, "DEFAULT_MAX_BYTES", 1024)
    path = tmp_path / "new.csv"
    path.write_bytes(changed_copy(live(data_dir)))
    args = ["refresh", str(path), "--yes", "--data-dir", str(data_dir), "--no-geocode"]

    monkeypatch.setenv("FINDER_UPLOAD_MAX_MB", "0.001")
    refused = CliRunner().invoke(cli, args)
    assert refused.exit_code == 2
    assert "the limit is 0.001 MB" in refused.output
    assert not (data_dir / "history").exists()

    monkeypatch.setenv("FINDER_UPLOAD_MAX_MB", "1")
    accepted = CliRunner().invoke(cli, args)
    assert accepted.exit_code == 0, accepted.output
    assert live(data_dir) == path.read_bytes()


def test_data_dir_defaults_to_finder_data_dir(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "new.csv"
    path.write_bytes(changed_copy(live(data_dir)))
    monkeypatch.setenv("FINDER_DATA_DIR", str(data_dir))

    assert main(["refresh", str(path), "--yes", "--no-geocode"]) == 0
    assert live(data_dir) == path.read_bytes()


def test_missing_data_dir_exits_2(tmp_path: Path, sample_csv: Path) -> None:
    assert main(["refresh", str(sample_csv), "--data-dir", str(tmp_path / "none")]) == 2


# --------------------------------------------------------------------------- diff


def test_diff_lists_added_removed_and_changed_field_by_field(data_dir: Path) -> None:
    old = read_rows(live(data_dir))
    new = read_rows(changed_copy(live(data_dir)))
    old_phone = next(r["phone"] for r in old if r["program_id"] == "sample-0003")

    diff = diff_rows(old, new)

    assert [p.program_id for p in diff.added] == ["sample-0999"]
    assert [p.program_id for p in diff.removed] == ["sample-0002"]
    [change] = diff.changed
    assert change.program_id == "sample-0003"
    assert change.fields == (FieldChange("phone", old_phone, "617-555-0188"),)
    assert diff.unchanged == 168
    assert diff.summary() == "1 added, 1 removed, 1 changed"
    assert {"change": "changed", "program_id": "sample-0003", "program": change.name,
            "column": "phone", "old": old_phone, "new": "617-555-0188"} in diff.as_rows()


def test_diff_ignores_coordinate_formatting() -> None:
    a = [{"program_id": "x", "latitude": "42.3736", "longitude": "-71.1097"}]
    b = [{"program_id": "x", "latitude": "42.37360", "longitude": "-71.10970"}]
    assert diff_rows(a, b) == DatasetDiff(unchanged=1)


# --------------------------------------------------------------------------- geocoding


def _without_coords(original: bytes) -> tuple[bytes, dict[str, str]]:
    """The changed copy, where the new program has no coordinates."""
    rows = read_rows(changed_copy(original))
    new = rows[-1]
    new["latitude"] = new["longitude"] = ""
    return write_rows(rows), new


def test_rows_without_coordinates_are_geocoded_with_progress(data_dir: Path) -> None:
    data, new = _without_coords(live(data_dir))
    place = Place(42.36512, -71.10433, "12 Example Street, Cambridge", Precision.ADDRESS, "fake")
    locator = FakeLocator({(new["street"], new["city"], new["zip"]): place})
    ticks: list[tuple[int, int]] = []

    plan = prepare_refresh(data, data_dir=data_dir, locator=locator,
                           progress=lambda done, total: ticks.append((done, total)))

    assert locator.calls == [("12 Example Street", "Cambridge", "02139")]
    assert ticks == [(0, 1), (1, 1)]
    assert plan.geocoded == 1
    assert plan.geocode_failures == ()
    assert plan.geocode_results == (
        GeocodeOutcome(171, "sample-0999", "12 Example Street, Cambridge, MA 02139", "located",
                       "42.36512, -71.10433: street address"),
    )
    assert plan.unlocated == ()
    geocoded = next(r for r in plan.rows if r["program_id"] == "sample-0999")
    assert (geocoded["latitude"], geocoded["longitude"]) == ("42.36512", "-71.10433")
    result = publish_plan(plan)
    assert result.version.programs == 170
    assert load_programs(live(data_dir)).report.ok


def test_geocoding_failures_are_reported_per_row_and_do_not_block(data_dir: Path) -> None:
    data, _ = _without_coords(live(data_dir))

    plan = prepare_refresh(data, data_dir=data_dir, locator=FakeLocator())

    [failure] = plan.geocode_failures
    assert failure.row == 171
    assert failure.value == "12 Example Street, Cambridge, MA 02139"
    assert failure.message == "sample-0999: could not be located: We couldn't find that address."
    assert plan.geocode_results == (
        GeocodeOutcome(171, "sample-0999", failure.value, "not located",
                       "could not be located: We couldn't find that address."),
    )
    assert plan.can_publish
    assert "1 without coordinates" in plan.summary_line


def test_programs_left_without_coordinates_are_named_with_the_true_consequence(
    data_dir: Path,
) -> None:
    data, _ = _without_coords(live(data_dir))

    plan = prepare_refresh(data, data_dir=data_dir, locator=FakeLocator())

    assert plan.unlocated == ({
        "program_id": "sample-0999",
        "organization": "Harborlight Recovery Collaborative",
        "program_name": "Evening IOP - Cambridge",
        "address": "12 Example Street, Cambridge, MA 02139",
    },)
    message = ("This program has no coordinates, so it will not appear in search results until "
               "you add latitude and longitude (or a street address that can be geocoded).")
    assert plan.unlocated_message == message
    assert f"warning: {message}" in plan.to_text()
    assert "sample-0999" in plan.to_text().split(message)[1]
    assert plan.as_dict()["without_coordinates"] == ["sample-0999"]
    # The message is true: once published, the search leaves the program out.
    publish_plan(plan)
    catalog = Catalog.from_programs(load_programs(live(data_dir)).programs)
    assert catalog.skipped_no_coordinates == 1
    assert len(catalog) == 169


def test_without_a_geocoder_the_unlocated_programs_are_counted_and_not_called_listed(
    data_dir: Path,
) -> None:
    rows = read_rows(live(data_dir))
    for row in rows[:2]:
        row["latitude"] = row["longitude"] = ""
        row["street"] = "1 Moved Street"  # so the live coordinates do not apply

    plan = prepare_refresh(write_rows(rows), data_dir=data_dir)

    assert plan.unlocated_message.startswith("These 2 programs have no coordinates, so they "
                                             "will not appear in search results")
    assert [r["program_id"] for r in plan.unlocated] == ["sample-0001", "sample-0002"]
    text = plan.to_text()
    assert "will be listed" not in text
    assert "not shown on the map" not in text
    assert "No geocoder is set up, so the 2 programs without coordinates were not looked up." in text
    assert "2 without coordinates" in plan.summary_line


def test_coarse_geocode_is_kept_with_a_warning(data_dir: Path) -> None:
    data, new = _without_coords(live(data_dir))
    place = Place(42.3647, -71.1042, "Cambridge, MA 02139", Precision.ZIP, "gazetteer",
                  "located at the ZIP code's center")
    plan = prepare_refresh(data, data_dir=data_dir,
                           locator=FakeLocator({(new["street"], new["city"], new["zip"]): place}))
    [warning] = plan.geocode_warnings
    assert "located only to the zip level" in warning.message
    assert plan.geocoded == 1


def test_geocoder_outage_stops_asking_and_reports_every_row(data_dir: Path) -> None:
    rows = read_rows(live(data_dir))
    for row in rows[:3]:
        row["latitude"] = row["longitude"] = ""
        row["street"] = "1 Moved Street"  # so the live coordinates do not apply
    locator = FakeLocator(unavailable=True)

    plan = prepare_refresh(write_rows(rows), data_dir=data_dir, locator=locator)

    assert len(locator.calls) == 1
    assert [f.row for f in plan.geocode_failures] == [2, 3, 4]
    assert all("isn't answering" in f.message for f in plan.geocode_failures)


def test_live_coordinates_are_reused_for_unchanged_addresses(data_dir: Path) -> None:
    rows = read_rows(live(data_dir))
    expected = (rows[0]["latitude"], rows[0]["longitude"])
    rows[0]["latitude"] = rows[0]["longitude"] = ""
    locator = FakeLocator()

    plan = prepare_refresh(write_rows(rows), data_dir=data_dir, locator=locator)

    assert locator.calls == []
    assert (plan.rows[0]["latitude"], plan.rows[0]["longitude"]) == expected
    assert plan.diff.is_empty


def test_rows_with_errors_are_not_geocoded(data_dir: Path, tmp_path: Path) -> None:
    rows = read_rows(live(data_dir))
    rows[0]["zip"] = "2601"
    rows[1]["latitude"] = rows[1]["longitude"] = ""
    rows[1]["street"] = "1 Moved Street"
    locator = FakeLocator()
    plan = prepare_refresh(write_rows(rows), data_dir=data_dir, locator=locator)
    assert locator.calls == []
    assert "Geocoding waits until the errors are fixed." in plan.notices


# --------------------------------------------------------------------------- valid rows only, encodings


def test_valid_rows_only_publishes_the_valid_rows_and_lists_rejected(
    data_dir: Path, tmp_path: Path
) -> None:
    path, _ = _bad_file("row errors", live(data_dir), tmp_path)

    plan = prepare_refresh(path, data_dir=data_dir, valid_rows_only=True)

    assert plan.can_publish
    assert [(i.row, i.column) for i in plan.rejected] == [(2, "zip")]
    assert "1 invalid row left out" in plan.summary_line  # one row: no "rows" (issue 18)
    # sample-0001 is live: its bad new row is left out, but the live version stays (issue 18)
    assert plan.diff.removed == ()
    assert [f.program_id for f in plan.flagged] == ["sample-0001"]
    assert "row 2 of the new file has errors (zip)" in plan.flagged[0].reason
    # Everything else is as live, so there is nothing to publish: the program stays live.
    assert plan.is_unchanged
    loaded = load_programs(live(data_dir))
    assert loaded.report.ok
    assert len(loaded.programs) == 170
    assert "sample-0001" in {p.program_id for p in loaded.programs}


def test_valid_rows_only_keeps_the_live_version_of_a_live_program_with_a_bad_row(
    data_dir: Path,
) -> None:
    """Issue 18: one bad phone must not unlist a live program; a new bad row is just left out."""
    text = live(data_dir).decode("utf-8")
    lines = text.splitlines(keepends=True)
    header = lines[0].rstrip("\n").split(",")
    phone_at = header.index("phone")
    row = lines[1].split(",")
    live_id = row[0]
    row[phone_at] = "not a phone"
    new_program = lines[2].split(",")
    new_program[0] = "brand-new-1"
    new_program[phone_at] = "12"
    renamed = lines[3].split(",")
    renamed[2] = renamed[2] + " (renamed)"
    edited = "".join([lines[0], ",".join(row), lines[2], ",".join(renamed), *lines[4:],
                      ",".join(new_program)])

    plan = prepare_refresh(edited.encode("utf-8"), data_dir=data_dir, valid_rows_only=True,
                           file_name="edited.csv")

    assert {i.row for i in plan.rejected} == {2, len(lines) + 1}
    assert [f.program_id for f in plan.flagged] == [live_id]
    assert "(phone)" in plan.flagged[0].reason
    assert "live version is kept" in plan.flagged[0].reason
    assert plan.diff.removed == ()
    assert plan.diff.added == ()
    assert len(plan.diff.changed) == 1
    assert "2 invalid rows left out" in plan.summary_line
    before = {p.program_id: p for p in load_programs(live(data_dir)).programs}
    result = publish_plan(plan)
    assert list(result.version.flagged_for_review) == [live_id]
    published = {p.program_id: p for p in load_programs(live(data_dir)).programs}
    assert published[live_id].phone == before[live_id].phone
    assert "brand-new-1" not in published


def test_cli_valid_rows_only(data_dir: Path, tmp_path: Path) -> None:
    path, _ = _bad_file("row errors", live(data_dir), tmp_path)
    args = ["refresh", str(path), "--yes", "--data-dir", str(data_dir), "--no-geocode"]
    assert main(args) == 1
    main([*args, "--valid-rows-only"])
    assert len(load_programs(live(data_dir)).programs) == 170  # the live version is kept


def test_latin1_file_is_published_as_utf8(data_dir: Path) -> None:
    text = changed_copy(live(data_dir)).decode("utf-8").replace(
        "Harborlight Recovery Collaborative", "Harborlight Récupération", 1)

    plan = prepare_refresh(text.encode("cp1252"), data_dir=data_dir, file_name="latin1.csv")

    assert any("Windows-1252" in n for n in plan.notices)
    assert plan.can_publish
    publish_plan(plan)
    published = live(data_dir).decode("utf-8")  # the live file is always UTF-8
    assert "Harborlight Récupération" in published
    assert load_programs(live(data_dir)).report.notices == []


def test_publish_plan_refuses_when_live_changed_after_review(data_dir: Path) -> None:
    plan = prepare_refresh(changed_copy(live(data_dir)), data_dir=data_dir)
    publish(data_dir, live(data_dir).replace(b"Hyannis", b"Hyannis Port", 1), source="other.csv")
    before = live(data_dir)

    with pytest.raises(PublishError) as err:
        publish_plan(plan)

    assert "changed since you reviewed" in err.value.user_message
    assert live(data_dir) == before


# --------------------------------------------------------------------------- merge


def test_merge_keeps_admin_fields_named_plans_and_flags_missing_programs() -> None:
    live_rows = [
        {"program_id": "a", "organization": "A", "phone": "617-555-0101", "schedule": "Mo 09:00-12:00",
         "accepting_new_clients": "yes", "notes": "admin note",
         "insurance": "MassHealth; Harvard Pilgrim", "source": "SAMHSA FindTreatment.gov"},
        {"program_id": "b", "organization": "B", "source": "SAMHSA FindTreatment.gov"},
        {"program_id": "c", "organization": "C", "source": "Called the program"},
    ]
    new_rows = [
        {"program_id": "a", "organization": "A", "phone": "617-555-0102", "schedule": "",
         "accepting_new_clients": "", "notes": "Payment assistance available",
         "insurance": "MassHealth; Private insurance", "source": "SAMHSA FindTreatment.gov"},
        {"program_id": "d", "organization": "D", "source": "SAMHSA FindTreatment.gov"},
    ]

    rows, flagged = merge_rows(live_rows, new_rows, imported_source="SAMHSA FindTreatment.gov")

    assert [r["program_id"] for r in rows] == ["a", "d", "b", "c"]
    a = rows[0]
    assert a["phone"] == "617-555-0102"
    assert (a["schedule"], a["accepting_new_clients"], a["notes"]) == (
        "Mo 09:00-12:00", "yes", "admin note")
    assert a["insurance"] == "MassHealth; Private insurance; Harvard Pilgrim"
    assert [f.program_id for f in flagged] == ["b"]  # c never came from the download
    assert (flagged[0].organization, flagged[0].program_name, flagged[0].city) == ("B", "", "")


def test_merge_flags_are_shown_with_names_and_kept_in_the_history(data_dir: Path) -> None:
    rows = read_rows(live(data_dir))
    missing = rows[:2]

    plan = prepare_refresh(write_rows(rows[2:]), data_dir=data_dir, merge=True)

    assert [(f.program_id, f.organization, f.program_name, f.city) for f in plan.flagged] == [
        (r["program_id"], r["organization"], r["program_name"], r["city"]) for r in missing
    ]
    assert f"({missing[0]['city']}): not in the new file" in plan.to_text()
    assert plan.as_dict()["flagged"][0]["city"] == missing[0]["city"]
    ids = [r["program_id"] for r in missing]

    publish_plan(plan)

    [latest, _] = history(data_dir)
    assert latest.flagged_for_review == tuple(ids)
    assert "2 kept and flagged for review" in latest.summary
    index = json.loads((data_dir / "history" / "index.json").read_text(encoding="utf-8"))
    assert index["versions"][-1]["flagged_for_review"] == ids
    assert "flagged_for_review" not in index["versions"][0]  # nothing flagged: no key
    shown = CliRunner().invoke(cli, ["history", "--data-dir", str(data_dir)])
    assert f"flagged for review: {', '.join(ids)}" in shown.stdout
    as_json = json.loads(CliRunner().invoke(
        cli, ["history", "--data-dir", str(data_dir), "--format", "json"]).stdout)
    assert [v["flagged_for_review"] for v in as_json] == [ids, []]


def test_merge_of_a_provider_csv_takes_new_values_and_fills_empty_ones() -> None:
    live_rows = [{"program_id": "a", "schedule": "Mo 09:00-12:00", "notes": "old"}]
    new_rows = [{"program_id": "a", "schedule": "", "notes": "new"}]
    rows, flagged = merge_rows(live_rows, new_rows)
    assert (rows[0]["schedule"], rows[0]["notes"]) == ("Mo 09:00-12:00", "new")
    assert flagged == ()


def _read_export(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        return header, list(reader)


def _write_export(path: Path, header: list[str], records: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows([header, *records])


@pytest.mark.shared
def test_merge_on_the_real_export_keeps_admin_fields_updates_adds_and_flags(
    shared_data: Path, data_dir: Path, tmp_path: Path
) -> None:
    from finder.importers.findtreatment import import_findtreatment

    export = shared_data / "findtreatment" / "FindTreatment_MA_2025-08-19.csv"

    # 1. Import the real export and publish it (it replaces the sample).
    plan = prepare_refresh(export, data_dir=data_dir)
    assert plan.kind == "findtreatment"
    assert plan.can_publish, plan.to_text()
    assert len(plan.rows) == 80
    assert len(plan.diff.removed) == 170
    publish_plan(plan)
    assert "SAMHSA" in str(read_meta(data_dir)["source"])
    assert read_meta(data_dir)["data_as_of"] == "2025-08-19"

    # 2. An admin adds schedules, availability, named plans and notes to some programs.
    header, records = _read_export(export)
    names = [h.strip() for h in header]
    oit, kind, phone = names.index("oit"), names.index("type_facility"), names.index("phone")
    iop = [i for i, r in enumerate(records) if r[oit] == "1" and r[kind] == "SU"]

    def program_id(record: list[str]) -> str:
        single = tmp_path / "single_2025-08-19.csv"
        _write_export(single, header, [record])
        [row] = import_findtreatment(single).rows
        return row["program_id"]

    removed_i, phone_i, template_i, other_i = iop[3], iop[10], iop[20], iop[30]
    removed_id, phone_id, other_id = (program_id(records[i]) for i in (removed_i, phone_i, other_i))
    rows = read_rows(live(data_dir))
    admin = {
        "schedule": "Mo,We,Th 18:00-21:00",
        "accepting_new_clients": "waitlist",
        "availability_as_of": "2025-09-01",
        "hours_per_week": "9",
        "intake": "call; referral",
        "notes": "Evening track confirmed by phone",
    }
    for row in rows:
        if row["program_id"] in {removed_id, phone_id, other_id}:
            row.update(admin)
            row["insurance"] = "; ".join([*row["insurance"].split("; "), "Harvard Pilgrim"])
    publish(data_dir, write_rows(rows), source="admin edits")
    assert read_meta(data_dir)["data_as_of"] == "2025-08-19"  # an edit keeps the download's date

    # 3. A later download: one listing gone, one phone changed, one new listing.
    changed = [list(r) for r in records]
    changed[phone_i][phone] = "617-555-0142"
    newcomer = list(records[template_i])
    newcomer[names.index("name1")] = "Harborlight Recovery Collaborative"
    newcomer[names.index("name2")] = ""
    newcomer[names.index("street1")] = "12 Example Street"
    newcomer[phone] = "617-555-0177"
    newcomer[names.index("website")] = "https://harborlight.example.org"
    changed.append(newcomer)
    del changed[removed_i]
    later = tmp_path / "FindTreatment_MA_2025-10-01.csv"
    _write_export(later, header, changed)

    plan = prepare_refresh(later, data_dir=data_dir, merge=True)

    # 4. Admin fields kept, phone updated, newcomer added, missing one flagged and kept.
    assert plan.can_publish, plan.to_text()
    by_id = {r["program_id"]: r for r in plan.rows}
    for pid in (phone_id, other_id, removed_id):
        for column, value in admin.items():
            assert by_id[pid][column] == value, (pid, column)
        assert "Harvard Pilgrim" in by_id[pid]["insurance"].split("; ")
    assert format_phone(by_id[phone_id]["phone"]) == "(617) 555-0142"
    assert [p.organization for p in plan.diff.added] == ["Harborlight Recovery Collaborative"]
    assert plan.diff.removed == ()
    assert [f.program_id for f in plan.flagged] == [removed_id]
    phone_change = next(c for c in plan.diff.changed if c.program_id == phone_id)
    assert "phone" in {f.column for f in phone_change.fields}
    assert not {"schedule", "accepting_new_clients", "notes"} & {f.column for f in phone_change.fields}
    assert "1 kept and flagged for review" in plan.summary_line

    publish_plan(plan)
    published = {p.program_id: p for p in load_programs(live(data_dir)).programs}
    assert len(published) == 81
    assert read_meta(data_dir)["data_as_of"] == "2025-10-01"  # the new download's date
    assert removed_id in published  # still live
    assert published[phone_id].phone == "(617) 555-0142"
    assert published[other_id].schedule == admin["schedule"]
    assert history(data_dir)[0].summary == plan.summary_line


def test_cli_geocodes_with_the_offline_locator_and_warns_about_precision(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FINDER_GEOCODER", "off")  # offline gazetteer only: no network
    data, _ = _without_coords(live(data_dir))
    path = tmp_path / "new.csv"
    path.write_bytes(data)

    result = CliRunner().invoke(cli, ["refresh", str(path), "--yes", "--data-dir", str(data_dir)])

    assert result.exit_code == 0, result.output
    assert "geocoding: 1 located, 0 failed." in result.stdout
    assert "sample-0999: located only to the zip level" in result.stdout
    assert "geocoding 1/1" in result.stderr
    new = next(p for p in load_programs(live(data_dir)).programs if p.program_id == "sample-0999")
    assert new.latlon is not None

"""The shipped dataset is the real FindTreatment.gov listings, imported faithfully (issue 12).

Tests that read the raw download use the ``shared_data`` fixture: they fail in
CI when ``../shared`` is missing and skip elsewhere. The rest read only the
committed ``data/providers.csv``.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import stat
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from finder.cli import cli
from finder.importers.findtreatment import (
    FUNDING_NOTES,
    TELEHEALTH_NOTE,
    dataset_meta,
    import_findtreatment,
    write_csv,
)
from finder.load import load_programs, read_meta
from finder.model import Attendance, ConfirmedVia, Population, Program
from finder.provenance import (
    dataset_source,
    is_sample_dataset,
    listed_text,
    provenance_fields,
    schedule_confirmation_text,
    verified_text,
)
from finder.schema import MA_COUNTIES
from finder.search import Catalog, SearchQuery, search

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
SHIPPED = DATA / "providers.csv"
SAMPLE = DATA / "sample" / "providers.csv"
BOSTON = (42.3603, -71.0580)


@pytest.fixture(scope="module")
def shipped():
    return load_programs(SHIPPED)


@pytest.fixture(scope="module")
def shipped_rows() -> list[dict[str, str]]:
    with SHIPPED.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def raw_csv(shared_data: Path) -> Path:
    return shared_data / "findtreatment" / "FindTreatment_MA_2025-08-19.csv"


@pytest.fixture(scope="module")
def raw_iop_rows(raw_csv: Path) -> list[dict[str, str]]:
    with raw_csv.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = [h.strip() for h in next(reader)]
        rows = [dict(zip(header, (c.strip() for c in record), strict=True)) for record in reader]
    return [row for row in rows if row["oit"] == "1"]


def _by_name(rows: list[dict[str, str]], organization: str, city: str) -> dict[str, str]:
    (row,) = [r for r in rows if r["organization"] == organization and r["city"] == city]
    return row


# --------------------------------------------------------------------------- the shipped file


def test_shipped_dataset_validates_and_is_not_the_sample(shipped):
    assert shipped.report.ok, shipped.report.to_text()
    assert len(shipped.programs) == 80
    assert not is_sample_dataset(shipped.programs)
    assert all(p.latlon is not None for p in shipped.programs)


def test_shipped_dataset_matches_the_raw_files_intensive_outpatient_rows(shipped, raw_iop_rows):
    assert len(shipped.programs) == len(raw_iop_rows) == 80
    counties = Counter(p.county for p in shipped.programs)
    assert counties == Counter(r["county"] for r in raw_iop_rows)
    assert set(counties) <= set(MA_COUNTIES)


def test_make_data_rebuilds_the_shipped_files_byte_for_byte(raw_csv, tmp_path):
    # What `make data` runs; the output is ours to commit, the download stays in ../shared.
    out = tmp_path / "providers.csv"
    result = CliRunner().invoke(
        cli, ["import", "findtreatment", str(raw_csv), "-o", str(out), "--write-meta"]
    )
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == SHIPPED.read_bytes()
    meta_path = tmp_path / "providers.meta.json"
    assert meta_path.read_bytes() == (DATA / "providers.meta.json").read_bytes()
    for path in (out, meta_path):
        assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_metadata_names_the_source_and_its_date(shipped):
    meta = read_meta(DATA)
    assert meta["sample"] is False
    assert meta["source"] == "SAMHSA, FindTreatment.gov"
    assert meta["data_as_of"] == "2025-08-19"
    assert meta["programs"] == 80
    line = dataset_source(shipped.programs, meta).line()
    assert line == "SAMHSA, FindTreatment.gov, data as of 2025-08-19"


def test_importer_writes_files_readable_by_all(tmp_path):
    out = tmp_path / "out.csv"
    write_csv([], out)
    assert stat.S_IMODE(out.stat().st_mode) == 0o644


# --------------------------------------------------------------------------- fidelity


def test_nobody_is_said_to_have_verified_a_listing(shipped, shipped_rows):
    assert {r["last_verified"] for r in shipped_rows} == {""}
    assert {r["listed_as_of"] for r in shipped_rows} == {"2025-08-19"}
    program = shipped.programs[0]
    assert program.last_verified is None
    assert listed_text(program) == "Listed on FindTreatment.gov, data as of Aug 19, 2025"
    text, needs_check = verified_text(program, dt.date(2026, 11, 30), 180)
    assert needs_check
    assert "verified" not in text.casefold()
    fields = provenance_fields(program)
    assert fields["last_verified"] is None
    assert fields["listed_as_of"] == "2025-08-19"
    assert fields["schedule_confirmation"] is None


def test_special_groups_map_to_populations_on_real_rows(shipped_rows, raw_iop_rows):
    def count(population: Population) -> int:
        return sum(str(population) in r["populations"].split("; ") for r in shipped_rows)

    # The issue's counts: 50 listings carry "wn" (adult women), 31 "pw".
    assert count(Population.WOMEN) == sum(r["wn"] == "1" for r in raw_iop_rows) == 50
    assert count(Population.PREGNANT_POSTPARTUM) == sum(r["pw"] == "1" for r in raw_iop_rows) == 31
    casa = _by_name(shipped_rows, "Casa Esperanza Inc", "Roxbury")  # wn pw mn se tay
    assert casa["populations"].split("; ") == [
        "Adults", "Young adults", "Seniors", "Women", "Men", "Veterans", "Pregnant/postpartum",
    ]  # fmt: skip
    fathers = _by_name(shipped_rows, "Fathers Uplift Family Group LLC", "Dorchester Center")
    assert "Adolescents" in fathers["populations"]  # the special group "ad"
    pine = _by_name(shipped_rows, "Pine Street Inn", "Jamaica Plain")  # men only
    assert "Men" in pine["populations"]
    assert "Women" not in pine["populations"]


def test_attendance_is_in_person_and_telehealth_describes_the_facility(shipped_rows, raw_iop_rows):
    assert {r["attendance"] for r in shipped_rows} == {str(Attendance.IN_PERSON)}
    with_tele = sum(TELEHEALTH_NOTE in r["notes"] for r in shipped_rows)
    assert with_tele == sum(r["tele"] == "1" for r in raw_iop_rows) == 77
    lake = _by_name(shipped_rows, "Lake Avenue Recovery LLC", "Worcester")  # no telehealth code
    assert TELEHEALTH_NOTE not in lake["notes"]
    assert all("hybrid" not in r["notes"].casefold() for r in shipped_rows)


def test_card_titles_say_which_program_this_is(shipped_rows):
    titles = {(r["organization"], r["city"]): r["program_name"] for r in shipped_rows}
    assert titles[("Square Medical Group", "Woburn")] == (
        "Intensive outpatient program at Square Medical Group, Woburn"  # name2 "Woburn"
    )
    assert titles[("Clear Steps Recovery", "Needham")].startswith("Intensive outpatient program at")
    assert titles[("Hope House Inc", "Roxbury")].startswith("Intensive outpatient program at")
    assert titles[("Evergreen Behavioral LLC", "Woburn")] == "Woburn Wellness"  # "DBA Woburn Wellness"
    assert titles[("Beth Israel Lahey Health", "Salem")] == "Salem Clinic"
    for name in titles.values():
        assert name not in {"Worcester", "Massachusetts", "Outpatient", "Satellite"}
        assert not name.upper().startswith("DBA ")


def test_meaningful_funding_codes_are_kept(shipped_rows, raw_iop_rows):
    for code, note in FUNDING_NOTES.items():
        assert sum(note in r["notes"] for r in shipped_rows) == sum(
            r[code] == "1" for r in raw_iop_rows
        ), code


def test_probable_non_iop_listings_are_flagged_with_the_reason(raw_csv, shipped_rows):
    result = import_findtreatment(raw_csv)
    review = {item["organization"]: item["reason"] for item in result.summary["review"]}
    assert set(review) == {"Pine Street Inn", "Aware Recovery Care"}
    assert "stabilization" in review["Pine Street Inn"]
    assert "in-home" in review["Aware Recovery Care"]
    assert dataset_meta(result, raw_csv.name)["review"] == result.summary["review"]
    # Not shown silently: the card's notes say so first.
    for organization in review:
        (row,) = [r for r in shipped_rows if r["organization"] == organization]
        assert row["notes"].startswith("Check before going:")


# --------------------------------------------------------------------------- searching


def test_evening_search_near_boston_lists_unknown_schedules_as_their_own_group(shipped):
    catalog = Catalog.from_programs(shipped.programs)
    result = search(catalog, SearchQuery(origin=BOSTON, sessions=("evening",)))
    assert result.total == 0  # FindTreatment.gov publishes no session times
    assert len(result.unknown_schedule) == result.unknown_schedule_hidden > 0
    distances = [m.distance_miles for m in result.unknown_schedule]
    assert distances == sorted(distances)
    assert all(not m.program.schedule for m in result.unknown_schedule)
    everything = search(catalog, SearchQuery(origin=BOSTON))
    assert len(result.unknown_schedule) == everything.total


def test_cli_evening_search_near_boston_prints_the_second_group(shipped):
    runner = CliRunner()
    args = ["search", "--lat", str(BOSTON[0]), "--lon", str(BOSTON[1]), "--sessions", "evening"]
    table = runner.invoke(cli, args)
    assert table.exit_code == 0, table.output
    assert "haven't published session times: call to ask" in table.output
    assert "--include-unknown-schedule" in table.output
    assert "0 programs found" not in table.output
    assert "Do you take my insurance?" in table.output
    assert "East Boston Counseling Center" in table.output
    payload = json.loads(runner.invoke(cli, [*args, "--format", "json"]).output)
    assert payload["results"] == []
    assert len(payload["unknown_schedule"]) == payload["unknown_schedule_hidden"] > 0
    first = payload["unknown_schedule"][0]
    assert first["last_verified"] is None
    assert first["listed_as_of"] == "2025-08-19"
    assert first["source"] == "SAMHSA, FindTreatment.gov"
    csv_run = runner.invoke(cli, [*args, "--format", "csv"])
    assert "add --include-unknown-schedule" in csv_run.stderr
    assert "SAMHSA, FindTreatment.gov, data as of 2025-08-19" in csv_run.stdout


def test_readme_example_search_gives_a_useful_answer():
    result = CliRunner().invoke(cli, [
        "search", "--near", "Cambridge", "--radius-miles", "10", "--insurance", "MassHealth",
        "--sessions", "evening", "--offline",
    ])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "haven't published session times: call to ask" in result.output
    assert result.output.count(" mi  ") >= 5


# --------------------------------------------------------------------------- provenance words


def _program(**changes: object) -> Program:
    base = load_programs(SAMPLE).programs[0]
    import dataclasses

    return dataclasses.replace(base, **changes)


@pytest.mark.parametrize(
    ("via", "expected"),
    [
        (ConfirmedVia.PHONE, "Session times confirmed by phone on Dec 1, 2026"),
        (ConfirmedVia.WEBSITE, "Session times from the program's website, checked on Dec 1, 2026"),
        (ConfirmedVia.STAFF, "Session times reported by program staff on Dec 1, 2026"),
    ],
)
def test_schedule_confirmation_says_who_how_and_when(via, expected):
    program = _program(schedule="Mo-Fr 18:00-21:00", schedule_confirmed_on=dt.date(2026, 12, 1),
                       schedule_confirmed_via=via)
    assert schedule_confirmation_text(program) == expected


def test_unconfirmed_schedule_asks_for_a_call():
    program = _program(schedule="Mo 18:00-21:00", schedule_confirmed_on=None,
                       schedule_confirmed_via=None)
    assert schedule_confirmation_text(program) == "Session times not confirmed: call to check"


def test_sample_is_recognised_from_its_data_even_when_edited():
    programs = load_programs(SAMPLE).programs
    assert is_sample_dataset(programs)
    edited = [*programs[:-1], _program(phone="(617) 555-1234", website="https://real.example.com")]
    assert is_sample_dataset(edited)
    assert not is_sample_dataset([])


def test_exports_and_compare_keep_listed_and_confirmed_apart(shipped):
    from finder.compare import comparison
    from finder.export import EXPORT_COLUMNS, export_rows
    from finder.search import Match

    program = shipped.programs[0]
    match = Match(program, 1.0, None, 0.0, (), (), "Schedule not listed")
    (row,) = export_rows([match])
    headers = dict(EXPORT_COLUMNS)
    assert headers["listed_as_of"] == "Listed by source on"
    assert row["listed_as_of"] == "2025-08-19"
    assert row["last_verified"] == "Not confirmed by anyone"
    assert row["source"] == "SAMHSA, FindTreatment.gov"
    assert TELEHEALTH_NOTE in row["listing_notes"]
    rows = {r.label: r.values for r in comparison([program], today=dt.date(2026, 11, 30))}
    assert rows["Listed by source"] == ("Listed on FindTreatment.gov, data as of Aug 19, 2025",)
    assert rows["Last verified"] == ("Not confirmed with the program by anyone",)


def test_json_fields_carry_a_persons_confirmation():
    program = _program(schedule="Mo-Fr 18:00-21:00", schedule_confirmed_on=dt.date(2026, 10, 2),
                       schedule_confirmed_via=ConfirmedVia.WEBSITE,
                       availability_as_of=dt.date(2026, 10, 3),
                       availability_confirmed_via=ConfirmedVia.PHONE)
    fields = provenance_fields(program)
    assert fields["schedule_confirmation"] == {"on": "2026-10-02", "via": "website"}
    assert fields["availability_confirmation"] == {"on": "2026-10-03", "via": "phone"}
    assert fields["listed_as_of"] is None
    assert fields["last_verified"] == program.last_verified.isoformat()

"""HSDS 3.0 export and import (issue 19): complete package, valid, stable ids, lossless round trip."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json
import os
import zipfile
from pathlib import Path

import pytest

from finder.cli import main
from finder.importers import write_csv
from finder.io.hsds import (
    HSDS_TABLES,
    datapackage_descriptor,
    hsds_zip_bytes,
    import_hsds,
    program_uuid,
    schedule_rows,
    service_json,
    write_hsds,
)
from finder.load import load_programs
from finder.model import (
    Accepting,
    Attendance,
    ConfirmedVia,
    Insurance,
    Intake,
    LevelOfCare,
    Population,
    Program,
    Service,
)
from finder.schedule import weekly_schedule

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample" / "providers.csv"
if not SAMPLE.exists():  # before the sample moved to data/sample (issue 12)
    SAMPLE = ROOT / "data" / "providers.csv"
HSDS_DIR = ROOT.parent / "shared" / "hsds"


@pytest.fixture(scope="session")
def hsds_schemas() -> Path:
    """The official HSDS 3.0 ``datapackage.json`` and service JSON Schema in ``../shared/hsds``.

    Read-only and never copied here (CC BY-SA). Missing files fail the run in CI
    (``CI=true``), where they must be present, and skip elsewhere.
    """
    if not (HSDS_DIR / "datapackage.json").is_file():
        message = f"HSDS schemas {HSDS_DIR} are missing (they are ../shared/hsds)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return HSDS_DIR


@pytest.fixture(scope="module")
def programs() -> list[Program]:
    return load_programs(SAMPLE).programs


def full_program(**changes) -> Program:
    """A program with every field filled, the provenance columns included."""
    program = Program(
        program_id="t-full.1",
        organization="Harbor & Hill Recovery, Inc.",
        program_name='Evening IOP "Bridge" - Lowell',
        level_of_care=LevelOfCare.SOAP,
        street="12 Merrimack St, Suite 4",
        city="Lowell",
        state="MA",
        zip="01852",
        county="Middlesex",
        latitude=42.6456,
        longitude=-71.3087,
        phone="(978) 555-0142 ext. 12",
        intake_phone="(978) 555-0143",
        website="https://harborhill.example.org/iop?x=1",
        insurance=(Insurance.MASSHEALTH, Insurance.PRIVATE, Insurance.SLIDING_SCALE),
        schedule="Mo-Fr 09:00-12:00, Mo,We,Th 18:00-21:00; Sa 10:00-12:30, Fr 22:00-02:00",
        attendance=Attendance.HYBRID,
        hours_per_week=12.5,
        services=(Service.BUPRENORPHINE, Service.CO_OCCURRING),
        populations=(Population.WOMEN, Population.LGBTQ),
        languages=("English", "Spanish", "Khmer", "American Sign Language"),
        accepting_new_clients=Accepting.WAITLIST,
        availability_as_of=dt.date(2026, 10, 1),
        availability_confirmed_via=ConfirmedVia.PHONE,
        intake=(Intake.WALK_IN, Intake.CALL),
        listed_as_of=dt.date(2025, 8, 19),
        last_verified=dt.date(2026, 9, 15),
        schedule_confirmed_on=dt.date(2026, 9, 14),
        schedule_confirmed_via=ConfirmedVia.WEBSITE,
        source="Program website, called 2026-09-15",
        notes="Payment assistance; bring ID.",
    )
    return dataclasses.replace(program, **changes)


def read_table(folder: Path, name: str) -> list[dict[str, str]]:
    path = {n: p for n, p, _s in HSDS_TABLES}[name]
    with (folder / path).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def round_trip(programs: list[Program], tmp_path: Path) -> list[Program]:
    folder = write_hsds(programs, tmp_path / "package")
    result = import_hsds(folder)
    buffer = io.StringIO()
    write_csv(result.rows, buffer)
    loaded = load_programs(buffer.getvalue().encode("utf-8"))
    assert loaded.report.ok, loaded.report.to_text()
    return loaded.programs


def test_export_validates_against_the_official_datapackage(hsds_schemas, programs, tmp_path):
    from frictionless import Package, system

    folder = write_hsds([*programs, full_program()], tmp_path / "package")
    descriptor = json.loads((hsds_schemas / "datapackage.json").read_text(encoding="utf-8"))
    with system.use_context(trusted=True):
        report = Package(descriptor, basepath=str(folder)).validate()
    errors = [f"{task.name}: {e.message}" for task in report.tasks for e in task.errors]
    assert report.valid, errors[:10]


def test_export_validates_against_its_own_datapackage_json(programs, tmp_path):
    from frictionless import Package, system

    folder = write_hsds(programs, tmp_path / "package")
    with system.use_context(trusted=True):
        report = Package(str(folder / "datapackage.json")).validate()
    assert report.valid, [e.message for task in report.tasks for e in task.errors][:10]


def test_our_tables_have_the_official_fields_in_order(hsds_schemas):
    official = json.loads((hsds_schemas / "datapackage.json").read_text(encoding="utf-8"))
    ours = datapackage_descriptor()
    assert [(r["name"], r["path"]) for r in ours["resources"]] == [
        (r["name"], r["path"]) for r in official["resources"]]
    for mine, theirs in zip(ours["resources"], official["resources"], strict=True):
        assert [(f["name"], f["type"], f.get("format", "default")) for f in mine["schema"]["fields"]] == [
            (f["name"], f["type"], f.get("format", "default")) for f in theirs["schema"]["fields"]]
        required = {f["name"] for f in theirs["schema"]["fields"]
                    if f.get("constraints", {}).get("required")}
        assert required == {f["name"] for f in mine["schema"]["fields"]
                            if f.get("constraints", {}).get("required")}
        assert sorted(k["fields"] for k in mine["schema"].get("foreignKeys", [])) == sorted(
            k["fields"] for k in theirs["schema"].get("foreignKeys", []))


def test_every_table_is_present_and_empty_ones_have_their_header(programs, tmp_path):
    folder = write_hsds(programs, tmp_path / "package")
    assert (folder / "datapackage.json").is_file()
    for _name, path, spec in HSDS_TABLES:
        text = (folder / path).read_text(encoding="utf-8")
        header = text.splitlines()[0].split(",")
        assert header == [token.split(":")[0].split("=")[0].rstrip("!+") for token in spec.split()]
    for empty in ("contacts.csv", "funding.csv", "programs.csv", "service_areas.csv",
                  "required_documents.csv", "accessibility.csv", "cost_options.csv",
                  "organization_identifiers.csv", "meta_table_descriptions.csv"):
        assert len((folder / empty).read_text(encoding="utf-8").splitlines()) == 1


def test_one_service_location_and_service_at_location_per_program(programs, tmp_path):
    folder = write_hsds(programs, tmp_path / "package")
    for table in ("service", "location", "service_at_location", "address"):
        assert len(read_table(folder, table)) == len(programs)
    organizations = read_table(folder, "organization")
    assert len(organizations) == len({p.organization for p in programs})


def test_ids_are_uuid5_of_program_id_and_stable_across_exports(programs, tmp_path):
    first = write_hsds(programs, tmp_path / "one")
    second = write_hsds(list(reversed(programs)), tmp_path / "two")
    ids_one = {r["id"] for r in read_table(first, "service")}
    ids_two = {r["id"] for r in read_table(second, "service")}
    assert ids_one == ids_two == {program_uuid(p.program_id) for p in programs}
    assert program_uuid("sample-0001") == program_uuid("sample-0001")
    assert program_uuid("sample-0001") != program_uuid("sample-0002")
    import uuid

    assert uuid.UUID(program_uuid("sample-0001")).version == 5


def test_schedules_are_weekly_rows_with_byday_and_full_times():
    assert schedule_rows("Mo,We,Th 18:00-21:00") == [("MO,WE,TH", "18:00:00", "21:00:00")]
    assert schedule_rows("Mo-Fr 09:00-12:00, Mo,We,Th 18:00-21:00") == [
        ("MO,TU,WE,TH,FR", "09:00:00", "12:00:00"), ("MO,WE,TH", "18:00:00", "21:00:00")]
    assert schedule_rows("Fr 22:00-02:00") == [("FR", "22:00:00", "02:00:00")]
    assert schedule_rows("Tu 17:30-24:00") == [("TU", "17:30:00", "00:00:00")]
    assert schedule_rows("") == []
    assert schedule_rows("not a schedule") == []


def test_schedule_table_rows(tmp_path):
    folder = write_hsds([full_program()], tmp_path / "package")
    rows = read_table(folder, "schedule")
    assert {r["freq"] for r in rows} == {"WEEKLY"}
    assert all(r["service_id"] == program_uuid("t-full.1") for r in rows)
    assert ("SA", "10:00:00", "12:30:00") in {(r["byday"], r["opens_at"], r["closes_at"]) for r in rows}


def test_insurance_and_vocabularies_are_attributes_of_one_taxonomy(tmp_path):
    folder = write_hsds([full_program()], tmp_path / "package")
    terms = {t["id"]: t for t in read_table(folder, "taxonomy_term")}
    codes = {terms[a["taxonomy_term_id"]]["code"] for a in read_table(folder, "attribute")}
    assert {"insurance:MassHealth", "insurance:Private insurance", "insurance:Sliding scale",
            "level_of_care:SOAP", "attendance:hybrid", "accepting_new_clients:waitlist",
            "services:Buprenorphine", "populations:LGBTQ+", "intake:walk-in",
            "program_id", "source", "hours_per_week"} <= codes
    (service,) = read_table(folder, "service")
    assert service["fees_description"] == (
        "Ways to pay accepted: MassHealth; Private insurance; Sliding scale")
    assert len(read_table(folder, "taxonomy")) == 1


def test_provenance_goes_into_metadata_and_assured_date(tmp_path):
    folder = write_hsds([full_program()], tmp_path / "package")
    (service,) = read_table(folder, "service")
    assert service["assured_date"] == "2026-09-15"
    facts = {(m["last_action_type"], m["field_name"]): m for m in read_table(folder, "metadata")}
    assert facts[("listed", "source")]["last_action_date"] == "2025-08-19"
    assert facts[("listed", "source")]["updated_by"] == "Program website, called 2026-09-15"
    assert facts[("confirmed", "schedules")]["updated_by"] == "website"
    assert facts[("confirmed", "schedules")]["last_action_date"] == "2026-09-14"
    assert facts[("confirmed", "accepting_new_clients")]["replacement_value"] == "waitlist"
    assert facts[("confirmed", "accepting_new_clients")]["updated_by"] == "phone"


def test_unconfirmed_program_has_no_assured_date_and_no_verified_row(tmp_path):
    program = full_program(last_verified=None, schedule_confirmed_on=None,
                           schedule_confirmed_via=None, availability_as_of=None,
                           availability_confirmed_via=None)
    folder = write_hsds([program], tmp_path / "package")
    (service,) = read_table(folder, "service")
    assert service["assured_date"] == ""
    assert [m["last_action_type"] for m in read_table(folder, "metadata")] == ["listed"]


def test_each_service_validates_against_the_official_json_schema(hsds_schemas, programs):
    import jsonschema

    schema = json.loads((hsds_schemas / "service_with_definitions.json").read_text(encoding="utf-8"))
    validator_class = jsonschema.validators.validator_for(schema)
    validator = validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)
    for program in [*programs, full_program(), full_program(intake_phone="", website="")]:
        document = service_json(program)
        errors = sorted(validator.iter_errors(document), key=lambda e: list(e.path))
        assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]
        assert document["id"] == program_uuid(program.program_id)
        assert document["service_at_locations"][0]["location"]["addresses"][0]["postal_code"] == program.zip


def test_round_trip_is_lossless_for_the_sample(programs, tmp_path):
    back = round_trip(programs, tmp_path)
    assert len(back) == len(programs)
    for before, after in zip(programs, back, strict=True):
        assert_same(before, after)


def test_round_trip_is_lossless_for_every_field(tmp_path):
    programs = [full_program(), full_program(program_id="t-bare", intake_phone="", website="",
                                             insurance=(), schedule="", attendance=None,
                                             hours_per_week=None, services=(), populations=(),
                                             languages=(), accepting_new_clients=Accepting.UNKNOWN,
                                             availability_as_of=None, availability_confirmed_via=None,
                                             intake=(), listed_as_of=None, last_verified=None,
                                             schedule_confirmed_on=None, schedule_confirmed_via=None,
                                             notes="", county="", latitude=None, longitude=None),
                full_program(program_id="t-case", organization="HARBOR & HILL RECOVERY, INC.")]
    back = round_trip(programs, tmp_path)
    for before, after in zip(programs, back, strict=True):
        assert_same(before, after)


def assert_same(before: Program, after: Program) -> None:
    """Equal in every field; a schedule is equal when it has the same weekly sessions."""
    for name in before.__dataclass_fields__:
        a, b = getattr(before, name), getattr(after, name)
        if name == "schedule" and a:
            assert weekly_schedule(a).sessions == weekly_schedule(b).sessions, (before.program_id, a, b)
        else:
            assert a == b, (before.program_id, name, a, b)


def test_zip_package_reads_back_like_a_folder(programs, tmp_path):
    data = hsds_zip_bytes(programs)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = set(archive.namelist())
    assert names == {"datapackage.json", *(p for _n, p, _s in HSDS_TABLES)}
    (tmp_path / "p.zip").write_bytes(data)
    assert import_hsds(tmp_path / "p.zip").rows == import_hsds(write_hsds(programs, tmp_path / "f")).rows
    assert hsds_zip_bytes(programs) == data  # byte-identical re-export


def write_foreign_package(folder: Path) -> Path:
    """A small package as another 211 system might write it: no IOP Finder attributes."""
    folder.mkdir()
    tables = {
        "organizations.csv": [{"id": "11111111-1111-4111-8111-111111111111", "name": "Valley Clinic",
                               "description": "x", "website": "https://valley.example.org"}],
        "services.csv": [
            {"id": "22222222-2222-4222-8222-222222222222",
             "organization_id": "11111111-1111-4111-8111-111111111111",
             "name": "Outpatient Recovery", "status": "active", "description": "Groups  weekly.",
             "assured_date": "2026-05-01"},
            {"id": "33333333-3333-4333-8333-333333333333",
             "organization_id": "11111111-1111-4111-8111-111111111111",
             "name": "Closed Program", "status": "defunct"},
            {"id": "44444444-4444-4444-8444-444444444444",
             "organization_id": "11111111-1111-4111-8111-111111111111",
             "name": "Phone Line", "status": "active"},
        ],
        "locations.csv": [{"id": "55555555-5555-4555-8555-555555555555", "location_type": "physical",
                           "latitude": "42.1015", "longitude": "-72.5898"}],
        "addresses.csv": [{"id": "66666666-6666-4666-8666-666666666666",
                           "location_id": "55555555-5555-4555-8555-555555555555",
                           "address_1": "1 Main St", "city": "Springfield", "state_province": "MA",
                           "postal_code": "01103-1234", "country": "US", "address_type": "physical",
                           "region": "Hampden County"}],
        "service_at_location.csv": [
            {"id": "77777777-7777-4777-8777-777777777777",
             "service_id": "22222222-2222-4222-8222-222222222222",
             "location_id": "55555555-5555-4555-8555-555555555555"},
            {"id": "88888888-8888-4888-8888-888888888888",
             "service_id": "33333333-3333-4333-8333-333333333333",
             "location_id": "55555555-5555-4555-8555-555555555555"},
        ],
        "phones.csv": [
            {"id": "99999999-9999-4999-8999-999999999999",
             "service_id": "22222222-2222-4222-8222-222222222222", "number": "413-555-0100"},
            {"id": "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa",
             "service_id": "22222222-2222-4222-8222-222222222222", "number": "413-555-0101",
             "extension": "7", "description": "Intake line"},
        ],
        "languages.csv": [{"id": "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb",
                           "service_id": "22222222-2222-4222-8222-222222222222", "code": "es"}],
        "schedules.csv": [{"id": "cccccccc-cccc-4ccc-8ccc-cccccccccccc",
                           "service_id": "22222222-2222-4222-8222-222222222222", "freq": "WEEKLY",
                           "byday": "MO,TU,WE", "opens_at": "17:30", "closes_at": "20:30"}],
    }
    for name, rows in tables.items():
        with (folder / name).open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=sorted({k for r in rows for k in r}))
            writer.writeheader()
            writer.writerows(rows)
    return folder


def test_import_of_another_systems_package_reads_the_standard_fields(tmp_path):
    result = import_hsds(write_foreign_package(tmp_path / "other"), level_of_care="IOP")
    (row,) = result.rows
    assert row["program_id"] == "hsds-77777777-7777-4777-8777-777777777777"
    assert row["organization"] == "Valley Clinic"
    assert row["program_name"] == "Outpatient Recovery"
    assert row["level_of_care"] == "IOP"
    assert (row["street"], row["city"], row["state"], row["zip"], row["county"]) == (
        "1 Main St", "Springfield", "MA", "01103", "Hampden")
    assert row["phone"] == "413-555-0100"
    assert row["intake_phone"] == "413-555-0101 ext. 7"
    assert row["website"] == "https://valley.example.org"
    assert row["languages"] == "Spanish"
    assert row["schedule"] == "Mo-We 17:30-20:30"
    assert row["last_verified"] == "2026-05-01"
    assert row["source"] == "HSDS package: other"
    assert row["notes"] == "Groups weekly."
    reasons = " ".join(s["reason"] for s in result.summary["skipped"])
    assert "defunct" in reasons
    assert "no location" in reasons
    loaded = load_programs(_csv(result.rows))
    assert loaded.report.ok, loaded.report.to_text()


@pytest.mark.parametrize(("url", "website", "reason"), [
    # Markdown syntax after the host (issue 17's payload): kept, percent-encoded, noted.
    ("https://ok.example/a)![pix](http://evil.example/x.png",
     "https://ok.example/a%29%21%5Bpix%5D%28http://evil.example/x.png", "percent-encoded"),
    ("[![](x)](https://evil.example/phish)", "", "not a web address"),
    ("javascript:alert(1)", "", "not a web address"),
])
def test_import_puts_another_systems_website_through_the_one_url_parser(tmp_path, url, website,
                                                                         reason):
    folder = write_foreign_package(tmp_path / "other")
    services = (folder / "services.csv").read_text(encoding="utf-8").splitlines()
    with (folder / "services.csv").open("w", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(services))
        writer = csv.DictWriter(handle, fieldnames=[*rows[0], "url"])
        writer.writeheader()
        writer.writerows([{**r, "url": url if r["name"] == "Outpatient Recovery" else ""} for r in rows])
    result = import_hsds(folder, level_of_care="IOP")
    (row,) = result.rows
    assert row["website"] == website
    (note,) = [c for c in result.summary["corrected"] if c["column"] == "website"]
    assert reason in note["reason"]
    assert note["old"] == url
    assert load_programs(_csv(result.rows)).report.ok  # the program is kept


def test_import_without_level_leaves_it_for_the_admin(tmp_path):
    result = import_hsds(write_foreign_package(tmp_path / "other"))
    report = load_programs(_csv(result.rows)).report
    assert [(i.column, i.message) for i in report.errors] == [
        ("level_of_care", "level_of_care is required and is empty")]


def _csv(rows) -> bytes:
    buffer = io.StringIO()
    write_csv(rows, buffer)
    return buffer.getvalue().encode("utf-8")


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p, "There is no file or folder"),
        (lambda p: (p.mkdir(), p)[1], "there is no services.csv"),
        (lambda p: (p.with_suffix(".zip").write_bytes(b"PK\x03\x04garbage"), p.with_suffix(".zip"))[1],
         "could not be read"),
    ],
)
def test_unreadable_packages_are_refused_in_plain_words(tmp_path, make, message):
    from finder.errors import DataError

    with pytest.raises(DataError) as caught:
        import_hsds(make(tmp_path / "pkg"))
    assert message in caught.value.user_message


def test_monthly_schedule_is_left_empty_with_a_note(tmp_path):
    folder = write_foreign_package(tmp_path / "other")
    path = folder / "schedules.csv"
    path.write_text(path.read_text().replace("WEEKLY", "MONTHLY"), encoding="utf-8")
    result = import_hsds(folder, level_of_care="IOP")
    assert result.rows[0]["schedule"] == ""
    assert "monthly" in result.summary["corrected"][0]["reason"]


# --- CLI ----------------------------------------------------------------------------------


def test_cli_export_then_import_gives_the_same_programs(capsys, programs, tmp_path):
    assert main(["export", "--format", "hsds", "-o", str(tmp_path / "pkg.zip"),
                 "--data", str(SAMPLE)]) == 0
    assert main(["import", "hsds", str(tmp_path / "pkg.zip"), "-o", str(tmp_path / "back.csv")]) == 0
    captured = capsys.readouterr()
    assert "170 programs; passes finder validate" in captured.out + captured.err
    back = load_programs(tmp_path / "back.csv").programs
    for before, after in zip(programs, back, strict=True):
        assert_same(before, after)


def test_cli_export_refuses_a_folder_with_other_files(capsys, tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.docx").write_text("keep me")
    code = main(["export", "--format", "hsds", "-o", str(tmp_path / "mine"), "--data", str(SAMPLE)])
    assert code == 2
    assert "already holds other files" in capsys.readouterr().err
    assert (tmp_path / "mine" / "thesis.docx").read_text() == "keep me"


def test_cli_export_replaces_an_earlier_package(capsys, tmp_path):
    target = tmp_path / "pkg"
    assert main(["export", "--format", "hsds", "-o", str(target), "--data", str(SAMPLE)]) == 0
    assert main(["export", "--format", "hsds", "-o", str(target), "--data", str(SAMPLE)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pkg"]


def test_cli_import_of_a_foreign_package_reports_skips_and_exits_1(capsys, tmp_path):
    code = main(["import", "hsds", str(write_foreign_package(tmp_path / "other")),
                 "--level-of-care", "IOP", "-o", str(tmp_path / "out.csv")])
    assert code == 1
    captured = capsys.readouterr()
    assert "skipped Closed Program: its status is 'defunct'" in captured.out + captured.err
    assert (tmp_path / "out.csv").is_file()


def test_cli_import_of_nothing_exits_2(capsys, tmp_path):
    assert main(["import", "hsds", str(tmp_path / "missing")]) == 2
    assert "There is no file or folder" in capsys.readouterr().err


def test_exchange_doc_maps_every_column():
    text = (ROOT / "docs" / "EXCHANGE.md").read_text(encoding="utf-8")
    table = text.split("#### Where each column goes", 1)[1].split("####", 1)[0]
    from finder.schema import COLUMN_NAMES

    missing = [c for c in COLUMN_NAMES if f"`{c}`" not in table]
    assert not missing, f"docs/EXCHANGE.md does not say where these go: {missing}"


def test_real_listings_round_trip(tmp_path):
    meta_path = ROOT / "data" / "providers.meta.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else {}
    if meta.get("sample", True):
        pytest.skip("data/providers.csv is not the real listing yet (issue 12)")
    real = load_programs(ROOT / "data" / "providers.csv").programs
    back = round_trip(list(real), tmp_path)
    assert len(back) == len(real)
    for before, after in zip(real, back, strict=True):
        assert_same(before, after)


def test_sample_programs_carry_an_alert_and_the_cli_warns(capsys, programs, tmp_path):
    folder = write_hsds(programs[:3], tmp_path / "package")
    assert all("Fictional sample program" in s["alert"] for s in read_table(folder, "service"))
    real = full_program(phone="(617) 724-5600", website="https://www.massgeneral.org/")
    (service,) = read_table(write_hsds([real], tmp_path / "real"), "service")
    assert service["alert"] == ""
    assert main(["export", "--format", "hsds", "-o", str(tmp_path / "s.zip"), "--data", str(SAMPLE)]) == 0
    assert "fictional sample dataset" in capsys.readouterr().err

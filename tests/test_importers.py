"""Tests for ``finder.importers``: the FindTreatment.gov importer and its CLI (issue #3)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections import Counter
from pathlib import Path

import pytest

from finder.cli import main
from finder.errors import DataError
from finder.importers import (
    SOURCE,
    import_findtreatment,
    looks_like_findtreatment,
    parse_settings,
    write_csv,
)
from finder.importers.findtreatment import TELEHEALTH_NOTE
from finder.load import load_programs
from finder.model import LANGUAGES, Insurance, Population, Service
from finder.schema import COLUMN_NAMES, format_phone

FIXTURES = Path(__file__).resolve().parent / "data" / "findtreatment"
QUIRKS = FIXTURES / "download_quirks_2025-08-19.csv"
LISTING_JSON = FIXTURES / "locator_listing.json"
TODAY = dt.date(2026, 1, 1)


def _by_org(rows: list[dict[str, str]]) -> dict[str, dict[str, str]]:
    return {row["organization"]: row for row in rows}


def _csv_bytes(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    write_csv(rows, out)
    return out.getvalue().encode("utf-8")


@pytest.fixture(scope="module")
def quirks():
    return import_findtreatment(QUIRKS, today=TODAY)


# --------------------------------------------------------------------------- quirks


def test_padded_header_names_are_read(quirks):
    assert quirks.summary["format"] == "csv"
    assert quirks.summary["read"] == 10
    assert "Harbor Lantern Recovery" in _by_org(quirks.rows)


def test_code_cells_hold_one_or_nothing(quirks):
    harbor = _by_org(quirks.rows)["Harbor Lantern Recovery"]
    assert harbor["insurance"] == "MassHealth; Medicare; Private insurance; Self-pay; Sliding scale"
    # Birchwood's row has empty oit cells: not an IOP.
    assert "Birchwood Counseling" not in _by_org(quirks.rows)


def test_state_published_as_vt_is_corrected_to_ma_and_reported():
    result = import_findtreatment(QUIRKS, setting="ort", today=TODAY)
    (correction,) = [c for c in result.summary["corrected"] if c["column"] == "state"]
    assert correction["row"] == 3
    assert (correction["old"], correction["new"]) == ("VT", "MA")
    assert "ZIP 01089 is in MA" in correction["reason"]
    assert "Hampden County" in correction["reason"]
    assert "coordinates" in correction["reason"]
    assert all(row["state"] == "MA" for row in result.rows)


def test_state_contradicted_only_by_zip_is_skipped_not_guessed():
    text = QUIRKS.read_text(encoding="utf-8").replace(
        "West Springfield,VT,01089,,Hampden,413-555-0110,,,,https://quarryhill.example.org,42.1042316,-72.6197523",
        "West Springfield,VT,01089,,Windsor,413-555-0110,,,,https://quarryhill.example.org,43.6,-72.5",
    )
    result = import_findtreatment(text.encode(), as_of=dt.date(2025, 8, 19), today=TODAY)
    assert {"row": 3, "reason": result.summary["skipped"][0]["reason"]} in result.summary["skipped"]
    assert "nothing else tells which is right" in result.summary["skipped"][0]["reason"]


def test_near_duplicate_listings_of_one_site_are_merged_and_reported(quirks):
    quarry = [row for row in quirks.rows if row["organization"].startswith("Quarry Hill")]
    assert len(quarry) == 1
    (merge,) = quirks.summary["merged"]
    assert merge["rows"] == [3, 4]
    assert merge["kept"] == 4  # the listing that needed no correction
    assert merge["program_id"] == quarry[0]["program_id"]
    assert quarry[0]["intake_phone"] == "413-555-0111"
    assert quarry[0]["street"] == "50 Union St"


def test_phone_extensions_are_kept(quirks):
    harbor = _by_org(quirks.rows)["Harbor Lantern Recovery"]
    assert harbor["phone"] == "617-555-0101 x351"
    assert format_phone(harbor["phone"]) == "(617) 555-0101 ext. 351"
    (program,) = [
        p
        for p in load_programs(_csv_bytes(quirks.rows), today=TODAY).programs
        if p.organization == "Harbor Lantern Recovery"
    ]
    assert program.phone.endswith("ext. 351")


def test_rows_that_cannot_be_imported_are_skipped_with_row_and_reason(quirks):
    skipped = {item["row"]: item["reason"] for item in quirks.summary["skipped"]}
    assert set(skipped) == {6, 7}
    assert "no valid phone" in skipped[6]
    assert "'ABCDE' is not a 5-digit ZIP" in skipped[7]
    assert quirks.summary["imported"] == 5  # the import went on after both


def test_zip_that_lost_its_leading_zero_is_restored_and_reported(quirks):
    mill = _by_org(quirks.rows)["Mill River Women's Program"]
    assert mill["zip"] == "01060"
    assert {"row": 8, "column": "zip", "old": "1060", "new": "01060"}.items() <= next(
        c for c in quirks.summary["corrected"] if c["column"] == "zip"
    ).items()


def test_name_split_over_name1_and_name2_is_joined(quirks):
    pine = _by_org(quirks.rows)["Pine Ridge Comprehensive Treatment Center"]
    # The joined name is the organization's; the title says which program (issue 12).
    assert pine["program_name"] == (
        "Intensive outpatient program at Pine Ridge Comprehensive Treatment Center, Lawrence"
    )
    assert any(c["row"] == 9 and c["column"] == "organization" for c in quirks.summary["corrected"])


def test_withheld_street_keeps_coordinates_and_says_so(quirks):
    relay = _by_org(quirks.rows)["Relay House"]
    assert relay["street"] == "Street address not published, Unit A"
    assert (relay["latitude"], relay["longitude"]) == ("41.5633", "-70.6192")
    assert "call for directions" in relay["notes"]


# --------------------------------------------------------------------------- mapping


def test_listing_maps_to_the_provider_csv_columns(quirks):
    harbor = _by_org(quirks.rows)["Harbor Lantern Recovery"]
    assert list(harbor) == list(COLUMN_NAMES)
    assert harbor["program_name"] == "Evening IOP"
    assert harbor["level_of_care"] == "IOP"
    assert harbor["street"] == "125 Main Street, Suite 2"
    assert (harbor["city"], harbor["state"], harbor["zip"], harbor["county"]) == (
        "Cambridge",
        "MA",
        "02139",
        "Middlesex",
    )
    assert (harbor["latitude"], harbor["longitude"]) == ("42.3736", "-71.1097")
    assert harbor["intake_phone"] == "617-555-0102"
    assert harbor["website"] == "https://harborlantern.example.org"
    # The telehealth code describes the facility: in person, with a note (issue 12).
    assert harbor["attendance"] == "in-person"
    assert "Telehealth is offered at this facility" in harbor["notes"]
    assert harbor["services"] == "Buprenorphine; Naltrexone; Co-occurring mental health"
    # Both genders accepted says nothing; the special group "wn" (adult women) does.
    assert harbor["populations"] == "Adults; Young adults; Women"
    assert harbor["languages"] == "English; Spanish; Portuguese"
    assert "Payment assistance available" in harbor["notes"]
    assert "deaf and hard of hearing" in harbor["notes"]
    assert harbor["schedule"] == ""
    assert harbor["source"] == SOURCE == "SAMHSA, FindTreatment.gov"
    # Listed on the download date; nobody confirmed anything (issue 12).
    assert harbor["listed_as_of"] == "2025-08-19"
    assert harbor["last_verified"] == ""


def test_program_without_name2_is_titled_by_kind_organization_and_town(quirks):
    relay = _by_org(quirks.rows)["Relay House"]
    assert relay["program_name"] == "Intensive outpatient program at Relay House, Falmouth"


def test_single_gender_ages_veterans_and_languages_map_to_vocabulary(quirks):
    mill = _by_org(quirks.rows)["Mill River Women's Program"]
    assert mill["populations"] == "Adults; Adolescents; Women; Veterans"
    assert mill["insurance"] == "MassHealth; Free"
    assert mill["languages"] == "English; Creole; Yupik"
    # No telehealth code: in person, and no telehealth note.
    assert mill["attendance"] == "in-person"
    assert "Telehealth" not in mill["notes"]


def test_opioid_treatment_program_maps_to_methadone_and_extra_intake_phone_to_notes(quirks):
    pine = _by_org(quirks.rows)["Pine Ridge Comprehensive Treatment Center"]
    assert pine["services"] == "Methadone; Co-occurring mental health"
    assert pine["insurance"] == "Military (TRICARE)"
    assert pine["populations"] == "Adults; Seniors"
    assert pine["languages"] == "English; Chinese"
    assert pine["phone"] == "978-555-0150 x200"
    assert pine["intake_phone"] == "978-555-0151"
    assert "Also for intake: (978) 555-0152." in pine["notes"]


def test_every_mapped_language_is_a_known_language():
    from finder.importers.findtreatment import LANGUAGE_CODES

    assert set(LANGUAGE_CODES.values()) <= set(LANGUAGES)


def test_payment_mapping_matches_the_issue():
    from finder.importers.findtreatment import INSURANCE_CODES, SERVICE_CODES

    assert INSURANCE_CODES == {
        "md": Insurance.MASSHEALTH,
        "mc": Insurance.MEDICARE,
        "pi": Insurance.PRIVATE,
        "sf": Insurance.SELF_PAY,
        "ss": Insurance.SLIDING_SCALE,
        "np": Insurance.FREE,
        "mi": Insurance.MILITARY,
        "si": Insurance.STATE_FINANCED,
    }
    assert set(SERVICE_CODES) == {"bu", "nu", "mu", "otp", "co", "sumh"}
    assert SERVICE_CODES["sumh"] is Service.CO_OCCURRING


def test_output_passes_validation(quirks):
    report = load_programs(_csv_bytes(quirks.rows), today=TODAY).report
    assert report.ok, report.to_text()
    assert report.valid_rows == 5


# --------------------------------------------------------------------------- program ids


def test_program_id_is_stable_across_a_reimport_with_other_order_and_spelling(quirks):
    lines = QUIRKS.read_text(encoding="utf-8").splitlines()
    shuffled = [lines[0], *reversed(lines[1:])]
    respelled = (
        "\n".join(shuffled)
        .replace("125 Main Street", "125 MAIN ST.")
        .replace("Harbor Lantern Recovery,", "Harbor Lantern Recovery Inc,")
    )
    again = import_findtreatment(respelled.encode(), as_of=dt.date(2025, 9, 30), today=TODAY)
    first = {row["zip"] + row["city"]: row["program_id"] for row in quirks.rows}
    second = {row["zip"] + row["city"]: row["program_id"] for row in again.rows}
    assert first == second
    assert all(pid.startswith("ft-") for pid in first.values())


def test_program_ids_are_unique_and_name_the_level_for_other_settings():
    result = import_findtreatment(QUIRKS, setting="all", today=TODAY)
    ids = [row["program_id"] for row in result.rows]
    assert len(ids) == len(set(ids))
    birchwood = {
        row["level_of_care"]: row["program_id"]
        for row in result.rows
        if row["organization"] == "Birchwood Counseling"
    }
    assert set(birchwood) == {"PHP", "OP"}
    assert birchwood["PHP"].endswith("-php")
    assert birchwood["OP"].endswith("-op")


# --------------------------------------------------------------------------- settings and dates


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        ("oit", ("oit",)),
        ("ODT", ("odt",)),
        ("op, oit", ("oit", "op")),
        ("all", ("oit", "odt", "ort", "op")),
    ],
)
def test_parse_settings_accepts_codes_lists_and_all(setting, expected):
    assert parse_settings(setting) == expected


@pytest.mark.parametrize("setting", ["", "iop", "oit,res"])
def test_parse_settings_refuses_unknown_codes(setting):
    with pytest.raises(DataError, match="unknown setting") as info:
        parse_settings(setting)
    assert "Use all" in info.value.user_message


@pytest.mark.parametrize(
    ("setting", "levels"),
    [
        ("odt", {"Birchwood Counseling": "PHP"}),
        ("ort", {"Birchwood Counseling": "OP", "Quarry Hill Health Inc": "OP"}),
        # "op" is the umbrella of every outpatient listing: it names an OP
        # program only where no specific setting is set, and here none is.
        ("op", {}),
    ],
)
def test_setting_selects_other_outpatient_settings(setting, levels):
    result = import_findtreatment(QUIRKS, setting=setting, today=TODAY)
    assert {row["organization"]: row["level_of_care"] for row in result.rows} == levels


def test_mental_health_only_listings_are_not_imported():
    result = import_findtreatment(QUIRKS, setting="all", today=TODAY)
    birchwood = [row for row in result.rows if row["organization"] == "Birchwood Counseling"]
    assert len(birchwood) == 2  # PHP and OP from the SU listing; the MH listing adds nothing
    assert not result.summary["merged"] or all(
        11 not in m["rows"] for m in result.summary["merged"]
    )


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("FindTreatment_MA_2025-08-19.csv", dt.date(2025, 8, 19)),
        ("FindTreament_Facility_listing_2025_08_19_150020.csv", dt.date(2025, 8, 19)),
    ],
)
def test_listed_as_of_comes_from_the_file_name(name, expected):
    result = import_findtreatment(QUIRKS.read_bytes(), file_name=name, today=TODAY)
    assert {row["listed_as_of"] for row in result.rows} == {expected.isoformat()}
    assert {row["last_verified"] for row in result.rows} == {""}


def test_as_of_overrides_the_file_name_date():
    result = import_findtreatment(QUIRKS, as_of=dt.date(2025, 9, 1), today=TODAY)
    assert {row["listed_as_of"] for row in result.rows} == {"2025-09-01"}


def test_missing_download_date_is_a_clear_error():
    with pytest.raises(DataError) as info:
        import_findtreatment(QUIRKS.read_bytes(), today=TODAY)
    assert "--as-of" in info.value.user_message


def test_download_date_in_the_future_is_refused():
    with pytest.raises(DataError) as info:
        import_findtreatment(QUIRKS, as_of=dt.date(2026, 1, 2), today=TODAY)
    assert "future" in info.value.user_message


# --------------------------------------------------------------------------- formats


def test_locator_json_is_detected_and_mapped_like_the_csv(quirks):
    result = import_findtreatment(LISTING_JSON, as_of=dt.date(2025, 8, 19), today=TODAY)
    assert result.summary["format"] == "json"
    assert result.summary["read"] == 3
    (row,) = result.rows
    csv_row = _by_org(quirks.rows)["Harbor Lantern Recovery"]
    for column in COLUMN_NAMES:
        if column != "county":  # the API sends no county
            assert row[column] == csv_row[column], column


def test_locator_json_with_setting_all_maps_outpatient_and_leaves_out_mental_health_only():
    result = import_findtreatment(
        LISTING_JSON, setting="all", as_of=dt.date(2025, 8, 19), today=TODAY
    )
    assert {row["organization"]: row["level_of_care"] for row in result.rows} == {
        "Harbor Lantern Recovery": "IOP",
        "Birchwood Counseling": "OP",
    }
    assert result.summary["not_selected"] == 1
    assert load_programs(_csv_bytes(result.rows), today=TODAY).report.ok


def test_looks_like_findtreatment_recognises_both_formats_only(sample_csv):
    assert looks_like_findtreatment(QUIRKS.read_bytes())
    assert looks_like_findtreatment(LISTING_JSON.read_bytes())
    assert not looks_like_findtreatment(sample_csv.read_bytes())
    assert not looks_like_findtreatment(b"")
    assert not looks_like_findtreatment(b"PK\x03\x04\x00\x00binary")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"program_id,organization\nx,y\n", "not a FindTreatment.gov download"),
        (b'{"rows": 5}', 'no "rows" list'),
        (b'{"rows": [', "cannot be read"),
        (b"    name1,street1,zip\nA,1 Main St,02139\n", "lacks city, state, phone"),
    ],
)
def test_unusable_input_raises_data_error_with_a_user_message(data, message):
    with pytest.raises(DataError) as info:
        import_findtreatment(data, as_of=dt.date(2025, 8, 19), today=TODAY)
    assert message in info.value.user_message


def test_write_csv_writes_the_template_header_to_a_path(tmp_path, quirks):
    out = tmp_path / "providers.csv"
    write_csv(quirks.rows, out)
    with out.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        assert tuple(reader.fieldnames or ()) == COLUMN_NAMES
        assert len(list(reader)) == 5
    assert [p.name for p in tmp_path.iterdir()] == ["providers.csv"]  # no temp file left


# --------------------------------------------------------------------------- CLI


def test_cli_writes_a_valid_csv_and_prints_the_summary(tmp_path, capsys):
    out = tmp_path / "out.csv"
    code = main(["import", "findtreatment", str(QUIRKS), "-o", str(out)])
    text = capsys.readouterr().out
    assert code == 1  # two rows were skipped
    assert "10 listings read, 5 programs imported" in text
    assert "row 6: skipped: it has no valid phone number" in text
    assert "merged rows 3, 4" in text
    assert "passes finder validate" in text
    assert main(["validate", str(out)]) == 0


def test_cli_json_summary_and_csv_on_stdout(capsys):
    code = main(
        [
            "import",
            "findtreatment",
            str(LISTING_JSON),
            "--as-of",
            "2025-08-19",
            "--format",
            "json",
            "--setting",
            "all",
        ]
    )
    captured = capsys.readouterr()
    assert code == 0
    summary = json.loads(captured.err)
    assert {"read", "imported", "corrected", "skipped", "merged"} <= set(summary)
    assert summary["validation"]["passes"] is True
    assert captured.out.startswith(",".join(COLUMN_NAMES))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.csv"], "There is no file at"),
        ([str(LISTING_JSON)], "--as-of"),
        ([str(QUIRKS), "--setting", "residential"], "Unknown setting"),
        ([str(QUIRKS), "--as-of", "19/08/2025"], "YYYY-MM-DD"),
    ],
)
def test_cli_bad_input_exits_2_with_a_message_and_no_traceback(
    args, message, capsys, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    assert main(["import", "findtreatment", *args]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_cli_not_a_findtreatment_file_exits_2(sample_csv, capsys):
    assert main(["import", "findtreatment", str(sample_csv), "--as-of", "2025-08-19"]) == 2
    assert "not a FindTreatment.gov download" in capsys.readouterr().err


# --------------------------------------------------------------------------- real data (../shared)


@pytest.fixture(scope="module")
def real_csv(shared_data: Path) -> Path:
    return shared_data / "findtreatment" / "FindTreatment_MA_2025-08-19.csv"


@pytest.fixture(scope="module")
def real_import(real_csv: Path):
    return import_findtreatment(real_csv)


def _published_iop_rows(real_csv: Path) -> list[dict[str, str]]:
    with real_csv.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = [h.strip() for h in next(reader)]
        rows = [dict(zip(header, record, strict=True)) for record in reader]
    return [row for row in rows if row["oit"] == "1"]


@pytest.mark.shared
def test_real_download_gives_exactly_the_80_intensive_outpatient_programs(real_import):
    assert real_import.summary["read"] == 662
    assert real_import.summary["imported"] == 80
    assert len(real_import.rows) == 80
    assert real_import.summary["skipped"] == []
    assert {row["level_of_care"] for row in real_import.rows} == {"IOP"}
    assert {row["listed_as_of"] for row in real_import.rows} == {"2025-08-19"}
    assert {row["last_verified"] for row in real_import.rows} == {""}


@pytest.mark.shared
def test_real_programs_keep_their_published_coordinates_and_are_in_massachusetts(
    real_import, real_csv
):
    published = Counter((r["latitude"], r["longitude"]) for r in _published_iop_rows(real_csv))
    imported = Counter((r["latitude"], r["longitude"]) for r in real_import.rows)
    assert imported == published
    assert {row["state"] for row in real_import.rows} == {"MA"}
    programs = load_programs(_csv_bytes(real_import.rows)).programs
    assert len(programs) == 80
    assert all(p.latlon is not None for p in programs)


@pytest.mark.shared
def test_real_output_passes_validation(real_import):
    report = load_programs(_csv_bytes(real_import.rows)).report
    assert report.ok, report.to_text()


@pytest.mark.shared
def test_real_payment_counts_match_the_code_columns(real_import, real_csv):
    accepted = Counter(
        item for row in real_import.rows for item in row["insurance"].split("; ") if item
    )
    assert accepted["MassHealth"] == 61
    assert accepted["Medicare"] == 42
    assert accepted["Private insurance"] == 77
    published = _published_iop_rows(real_csv)
    assert accepted["Self-pay"] == sum(r["sf"] == "1" for r in published) == 77
    assert accepted["Sliding scale"] == sum(r["ss"] == "1" for r in published) == 15
    notes = sum("Payment assistance" in row["notes"] for row in real_import.rows)
    assert notes == sum(r["pa"] == "1" for r in published) == 12


@pytest.mark.shared
def test_real_vocabulary_counts_match_the_code_columns(real_import):
    def count(column: str, value: str) -> int:
        return sum(value in row[column].split("; ") for row in real_import.rows)

    assert count("languages", "Spanish") == 28
    # chld (13 listings) or the special group ad (12): 18 listings in all.
    assert count("populations", str(Population.ADOLESCENTS)) == 18
    assert count("populations", str(Population.ADULTS)) == 70
    assert {row["attendance"] for row in real_import.rows} == {"in-person"}
    assert sum(TELEHEALTH_NOTE in row["notes"] for row in real_import.rows) == 77


@pytest.mark.shared
def test_real_west_springfield_vt_row_is_corrected_and_merged(real_csv):
    result = import_findtreatment(real_csv, setting="ort")
    corrections = [c for c in result.summary["corrected"] if c["column"] == "state"]
    assert [(c["row"], c["old"], c["new"]) for c in corrections] == [(612, "VT", "MA")]
    merges = [m for m in result.summary["merged"] if 612 in m["rows"]]
    assert len(merges) == 1
    assert merges[0]["rows"] == [612, 613]
    assert merges[0]["kept"] == 613
    assert result.summary["imported"] == 218  # 219 ort listings, one site listed twice
    assert load_programs(_csv_bytes(result.rows)).report.ok


@pytest.mark.shared
def test_real_reimport_gives_the_same_program_ids(real_csv, real_import):
    again = import_findtreatment(real_csv.read_bytes(), as_of=dt.date(2025, 9, 1))
    assert [r["program_id"] for r in again.rows] == [r["program_id"] for r in real_import.rows]


@pytest.mark.shared
def test_real_cli_import_passes_finder_validate(real_csv, tmp_path, capsys):
    out = tmp_path / "providers.csv"
    assert main(["import", "findtreatment", str(real_csv), "-o", str(out)]) == 0
    assert "80 programs imported" in capsys.readouterr().out
    assert main(["validate", str(out)]) == 0


@pytest.mark.shared
def test_real_locator_json_sample_parses_and_all_rows_map(shared_data):
    path = shared_data / "findtreatment" / "locator_listing_sample_VA_2019.json"
    assert looks_like_findtreatment(path.read_bytes())
    result = import_findtreatment(path, setting="all", as_of=dt.date(2019, 6, 1))
    summary = result.summary
    assert summary["format"] == "json"
    assert summary["read"] == 30
    assert summary["skipped"] == []
    assert summary["imported"] > 0
    assert summary["imported"] + summary["not_selected"] >= summary["read"]
    for row in result.rows:
        assert list(row) == list(COLUMN_NAMES)
        assert row["state"] == "VA"
        assert row["level_of_care"] in {"IOP", "PHP", "OP"}
        assert row["program_id"].startswith("ft-")
        assert 36 < float(row["latitude"]) < 40
        assert -84 < float(row["longitude"]) < -75
        format_phone(row["phone"])
    iop = import_findtreatment(path, as_of=dt.date(2019, 6, 1))
    # "Intensive outpatient treatment" appears 5 times under SET.
    assert iop.summary["imported"] == 5

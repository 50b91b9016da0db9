"""Tests for ``finder.schema``: the column table and its helpers."""

from __future__ import annotations

import csv
import dataclasses

import pytest

from finder.model import LANGUAGES, Insurance, LevelOfCare, Program
from finder.schema import (
    COLUMN_NAMES,
    COLUMNS,
    MA_COUNTIES,
    OTHER_STATE_MARGIN_MILES,
    REQUIRED_COLUMNS,
    ZIP_RADIUS_MILES,
    canonical,
    check_location,
    data_dictionary_markdown,
    format_phone,
    split_list,
    suggest,
)


def test_column_names_are_unique_and_match_program_fields():
    assert len(set(COLUMN_NAMES)) == len(COLUMN_NAMES)
    assert set(COLUMN_NAMES) == {f.name for f in dataclasses.fields(Program)}


def test_issue_2_minimum_columns_are_present():
    minimum = {
        "program_id", "organization", "program_name", "level_of_care", "street", "city",
        "state", "zip", "latitude", "longitude", "phone", "intake_phone", "website",
        "insurance", "schedule", "attendance", "hours_per_week", "services", "populations",
        "languages", "accepting_new_clients", "availability_as_of", "intake",
        "last_verified", "source",
    }  # fmt: skip
    assert minimum <= set(COLUMN_NAMES)


def test_required_columns_are_the_ones_a_program_cannot_do_without():
    assert set(REQUIRED_COLUMNS) == {
        "program_id", "organization", "program_name", "level_of_care", "street", "city",
        "state", "zip", "phone", "source",
    }  # fmt: skip


@pytest.mark.parametrize("spec", COLUMNS, ids=lambda c: c.name)
def test_each_documented_example_passes_its_own_check(spec):
    assert spec.check(spec.example) is None


@pytest.mark.parametrize("spec", COLUMNS, ids=lambda c: c.name)
def test_each_column_is_documented(spec):
    assert spec.type
    assert spec.allowed
    assert spec.description.endswith(".")


def test_data_dictionary_escapes_pipes_so_the_table_stays_one_row_per_column():
    lines = data_dictionary_markdown().splitlines()
    assert lines[0].startswith("| column | type | required |")
    assert len(lines) == 2 + len(COLUMNS)
    for line in lines[2:]:
        assert line.replace("\\|", "").count("|") == 7


def test_insurance_vocabulary_covers_issue_2():
    wanted = {
        "MassHealth", "Medicare", "Private insurance", "Blue Cross Blue Shield of MA",
        "Harvard Pilgrim", "Tufts Health Plan", "Mass General Brigham Health Plan", "WellSense",
        "Fallon", "Health New England", "Aetna", "Cigna", "UnitedHealthcare",
        "Military (TRICARE)", "Self-pay", "Sliding scale", "Free",
    }  # fmt: skip
    assert wanted <= {str(i) for i in Insurance}


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("masshealth", "MassHealth"),
        ("  MASSHEALTH ", "MassHealth"),
        ("Medicaid", "MassHealth"),
        ("BCBS", "Blue Cross Blue Shield of MA"),
        ("blue   cross", "Blue Cross Blue Shield of MA"),
        ("Self Pay", "Self-pay"),
        ("Harvard Pilgram", None),
        ("", None),
    ],
)
def test_canonical_matches_case_spacing_and_aliases(written, expected):
    assert canonical(written, [str(i) for i in Insurance]) == expected


def test_canonical_ignores_aliases_outside_the_vocabulary():
    # "tricare" is an insurance alias; it must not leak into another vocabulary.
    assert canonical("tricare", [str(v) for v in LevelOfCare]) is None


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("Harvard Pilgram", "Harvard Pilgrim"),
        ("Mass Health", "MassHealth"),
        ("Tufts Health", "Tufts Health Plan"),
        ("Medicare Advantage", "Medicare"),
    ],
)
def test_suggest_offers_the_closest_insurance(written, expected):
    assert suggest(written, [str(i) for i in Insurance]) == expected


def test_suggest_gives_nothing_for_unrelated_text():
    assert suggest("carrier pigeon", [str(v) for v in LevelOfCare]) is None


def test_suggest_county_typo():
    assert suggest("Worcster", MA_COUNTIES) == "Worcester"


@pytest.mark.parametrize(
    ("cell", "items"),
    [
        ("MassHealth; Medicare", ["MassHealth", "Medicare"]),
        (" a ;; b ; ", ["a", "b"]),
        ("", []),
        (";", []),
    ],
)
def test_split_list(cell, items):
    assert split_list(cell) == items


@pytest.mark.parametrize(
    ("written", "formatted"),
    [
        ("617-555-0142", "(617) 555-0142"),
        ("(617) 555 0142", "(617) 555-0142"),
        ("+1 617.555.0142", "(617) 555-0142"),
        ("6175550142", "(617) 555-0142"),
        ("617-555-0142 ext. 12", "(617) 555-0142 ext. 12"),
    ],
)
def test_format_phone_normalizes_us_numbers(written, formatted):
    assert format_phone(written) == formatted


@pytest.mark.parametrize("written", ["555-0142", "call us", "+44 20 7946 0958", "617-555-01", ""])
def test_format_phone_rejects_non_us_or_invalid(written):
    with pytest.raises(ValueError, match=r"valid US number|not|phone|number"):
        format_phone(written)


def _check(name: str):  # type: ignore[no-untyped-def]
    return next(c.check for c in COLUMNS if c.name == name)


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("zip", "2139", "must have 5 digits; did you mean 02139?"),
        ("zip", "10001", "is a NY ZIP code, not a Massachusetts one"),
        ("zip", "ABCDE", "must be a 5-digit ZIP code"),
        ("program_id", "-leading-dash", "must be 1-64 letters"),
        ("program_id", "x" * 65, "must be 1-64 letters"),
        ("state", "Mass.", "must be MA"),
        ("latitude", "43.5", "between 41.18 and 42.92"),
        ("county", "Suffolk County", None),
        ("county", "suffolk", None),
        ("county", "Kings", "is not a Massachusetts county"),
        ("schedule", "Mo-Fr 09:00-12:00, Sa 10:00-13:00", None),
        ("schedule", "Mo-Fr 09:00-12:00; Tu,Th 18:00-21:00", None),
        ("schedule", "Jan-Mar Mo 09:00-12:00", "cannot be read"),
        ("schedule", "Mo 25:00-26:00", "cannot be read"),
        ("languages", "english; SPANISH; Mandarin", None),
        ("intake", "walk in; call", None),
        ("level_of_care", "soap", None),
        ("level_of_care", "IOPP", "Did you mean 'IOP'?"),
        ("hours_per_week", "61", "at most 60"),
        ("website", "https://harborview.example.org/iop?x=1", None),
        ("website", "javascript:alert(1)", "must be a web address"),
    ],
)
def test_cell_checks(column, value, reason):
    result = _check(column)(value)
    if reason is None:
        assert result is None
    else:
        assert result is not None
        assert reason in result


def test_languages_vocabulary_includes_english_and_asl():
    assert "English" in LANGUAGES
    assert "American Sign Language" in LANGUAGES
    assert _check("languages")("ASL") is None


# --- check_location (issue 2: "coordinates outside Massachusetts") --------------------------

#: Points inside the latitude/longitude box of MA that are not in MA (audit of issue 2).
NEIGHBOURS = [
    ("Providence", 41.824, -71.4128, "02703", "Rhode Island"),
    ("Nashua", 42.7654, -71.4676, "01879", "New Hampshire"),
    ("Hartford", 41.7658, -72.6734, "01103", "Connecticut"),
    ("Brattleboro", 42.8509, -72.5579, "01301", "Vermont"),
    ("east of Albany", 42.6, -73.5, "01237", "New York"),
]


@pytest.mark.parametrize(("place", "lat", "lon", "zip_code", "state"), NEIGHBOURS)
def test_check_location_names_the_neighbouring_state(place, lat, lon, zip_code, state):
    message = check_location(lat, lon, zip_code)
    assert message is not None, place
    assert message.startswith(f"latitude and longitude are in {state} (near ")
    assert "not Massachusetts; check both numbers" in message


@pytest.mark.parametrize(("place", "lat", "lon", "zip_code", "state"), NEIGHBOURS)
def test_check_location_names_the_state_even_with_a_far_zip(place, lat, lon, zip_code, state):
    message = check_location(lat, lon, "02139")  # Cambridge, far from all five
    assert message is not None
    assert state in message
    assert "miles from ZIP" not in message  # one defect, one message


def test_check_location_gives_the_distance_to_the_zip_and_what_to_fix():
    # Boston's coordinates on a Northampton row: in MA, but 80 miles off.
    message = check_location(42.3601, -71.0589, "01060")
    assert message == (
        "latitude and longitude are 81 miles from ZIP 01060 (Northampton); "
        "check latitude and longitude, or the ZIP"
    )


@pytest.mark.parametrize(
    ("place", "lat", "lon", "zip_code"),
    [
        ("Cambridge", 42.3736, -71.1097, "02139"),
        ("Haverhill by the NH line", 42.81, -71.10, "01830"),
        ("Webster by the CT line", 42.05, -71.88, "01570"),
        ("Seekonk by Providence", 41.81, -71.33, "02771"),
        ("Williamstown by NY and VT", 42.71, -73.20, "01267"),
        ("Provincetown", 42.0513, -70.1867, "02657"),
        ("Nantucket", 41.2835, -70.0995, "02554"),
        ("Great Barrington, 8 miles out in a big ZIP", 42.13, -73.23, "01230"),
    ],
)
def test_check_location_accepts_massachusetts_points_near_their_zip(place, lat, lon, zip_code):
    assert check_location(lat, lon, zip_code) is None, place


def test_check_location_thresholds_leave_room_on_both_sides():
    # Chosen from data; see the constants' comments for the distributions.
    assert 11.8 < ZIP_RADIUS_MILES < 20
    assert 0.9 < OTHER_STATE_MARGIN_MILES < 4.4


def test_real_massachusetts_facilities_all_pass_check_location(shared_data):
    """The 413 MA facilities of SAMHSA's 2021 locator, real coordinates and ZIPs."""
    path = shared_data / "samhsa_locator_2021" / "SAMHSA_SUD_facilities_national_2021.csv"
    with path.open(encoding="utf-8", errors="replace", newline="") as handle:
        facilities = [r for r in csv.DictReader(handle) if r["state"] == "MA"]
    assert len(facilities) > 400
    flagged = [
        (r["city"], message)
        for r in facilities
        if (message := check_location(float(r["latitude"]), float(r["longitude"]), r["zip"].zfill(5)))
    ]
    assert flagged == []

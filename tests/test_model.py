"""Tests for ``finder.model``: vocabularies, coordinates, Place and Program."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from finder.model import (
    LANGUAGES,
    MA_BOUNDS,
    MOUD,
    NAMED_COMMERCIAL_PLANS,
    Accepting,
    Attendance,
    Insurance,
    Intake,
    LatLon,
    LevelOfCare,
    Place,
    Population,
    Precision,
    Program,
    Service,
    to_point,
)


def make_program(**changes: object) -> Program:
    fields: dict[str, object] = {
        "program_id": "t-001",
        "organization": "Harborview Recovery Services",
        "program_name": "Evening IOP - Cambridge",
        "level_of_care": LevelOfCare.IOP,
        "street": "125 Main St",
        "city": "Cambridge",
        "state": "MA",
        "zip": "02139",
        "latitude": 42.3736,
        "longitude": -71.1097,
        "phone": "(617) 555-0142",
        "last_verified": dt.date(2026, 9, 15),
        "source": "Test fixture (fictional)",
    }
    fields.update(changes)
    return Program(**fields)  # type: ignore[arg-type]


def test_vocabulary_values_are_the_csv_strings():
    assert LevelOfCare("SOAP") is LevelOfCare.SOAP
    assert str(Insurance.BCBS_MA) == "Blue Cross Blue Shield of MA"
    assert Attendance("in-person") is Attendance.IN_PERSON
    assert Accepting("waitlist") is Accepting.WAITLIST
    assert Intake("walk-in") is Intake.WALK_IN
    assert Population("LGBTQ+") is Population.LGBTQ
    assert f"{Service.CO_OCCURRING}" == "Co-occurring mental health"


@pytest.mark.parametrize(
    ("vocabulary", "values"),
    [
        (LevelOfCare, {"IOP", "SOAP"}),
        (Attendance, {"in-person", "telehealth", "hybrid"}),
        (Service, {"Buprenorphine", "Methadone", "Naltrexone", "Co-occurring mental health"}),
        (Accepting, {"yes", "no", "waitlist", "unknown"}),
        (Intake, {"walk-in", "call", "referral"}),
        (
            Population,
            {"Adults", "Adolescents", "Women", "Men", "Veterans", "LGBTQ+", "Pregnant/postpartum"},
        ),
    ],
)
def test_vocabularies_cover_issue_2(vocabulary, values):
    assert values <= {str(v) for v in vocabulary}


def test_unknown_vocabulary_value_raises_value_error():
    with pytest.raises(ValueError, match="'Residential' is not a valid LevelOfCare"):
        LevelOfCare("Residential")


def test_moud_is_the_three_medications():
    assert {Service.BUPRENORPHINE, Service.METHADONE, Service.NALTREXONE} == MOUD


def test_named_commercial_plans_exclude_public_and_self_pay():
    assert Insurance.BCBS_MA in NAMED_COMMERCIAL_PLANS
    for public in (Insurance.MASSHEALTH, Insurance.MEDICARE, Insurance.SELF_PAY, Insurance.FREE):
        assert public not in NAMED_COMMERCIAL_PLANS


def test_languages_are_unique_and_start_with_english():
    assert LANGUAGES[0] == "English"
    assert len(set(LANGUAGES)) == len(LANGUAGES)


def test_ma_bounds_hold_the_states_corners():
    south, west, north, east = MA_BOUNDS
    for lat, lon in [
        (42.3601, -71.0589),  # Boston
        (42.4501, -73.2454),  # Pittsfield
        (41.2835, -70.0995),  # Nantucket
        (42.7262, -73.1088),  # Williamstown, near the northwest corner
        (41.4540, -70.6030),  # Edgartown, Martha's Vineyard
    ]:
        assert south <= lat <= north
        assert west <= lon <= east


def test_latlon_is_lat_first_and_to_point_flips_to_lon_lat():
    here = LatLon(42.3736, -71.1097)
    assert here.lat == 42.3736
    assert here[0] == 42.3736
    point = to_point(here)
    assert (point.x, point.y) == (-71.1097, 42.3736)


@pytest.mark.parametrize(
    ("lat", "lon", "message"),
    [
        (91.0, -71.0, r"lat must be in \[-90, 90\], got 91.0"),
        (-90.5, -71.0, r"lat must be in \[-90, 90\]"),
        (42.0, 181.0, r"lon must be in \[-180, 180\], got 181.0"),
        (42.0, -200.0, r"lon must be in \[-180, 180\]"),
    ],
)
def test_place_rejects_impossible_coordinates(lat, lon, message):
    with pytest.raises(ValueError, match=message):
        Place(lat, lon, "Somewhere", Precision.TOWN, "gazetteer")


@pytest.mark.parametrize(("lat", "lon"), [(90.0, 180.0), (-90.0, -180.0), (42.37, -71.11)])
def test_place_accepts_valid_coordinates(lat, lon):
    assert Place(lat, lon, "x", Precision.ZIP, "gazetteer").latlon == LatLon(lat, lon)


def test_place_as_dict_omits_an_empty_note():
    place = Place(42.37, -71.11, "Cambridge, MA 02139", Precision.ZIP, "gazetteer")
    assert place.as_dict() == {
        "lat": 42.37,
        "lon": -71.11,
        "label": "Cambridge, MA 02139",
        "precision": "zip",
        "source": "gazetteer",
    }
    noted = dataclasses.replace(place, note="Located by ZIP code only.")
    assert noted.as_dict()["note"] == "Located by ZIP code only."


def test_program_defaults_mean_unknown():
    program = make_program()
    assert program.accepting_new_clients is Accepting.UNKNOWN
    assert program.attendance is None
    assert program.insurance == ()
    assert program.schedule == ""
    assert program.hours_per_week is None


def test_program_latlon_and_address():
    program = make_program()
    assert program.latlon == LatLon(42.3736, -71.1097)
    assert program.address == "125 Main St, Cambridge, MA 02139"


@pytest.mark.parametrize(("lat", "lon"), [(None, None), (42.3, None), (None, -71.1)])
def test_program_without_both_coordinates_has_no_latlon(lat, lon):
    assert make_program(latitude=lat, longitude=lon).latlon is None


def test_program_is_frozen_and_hashable():
    program = make_program()
    with pytest.raises(dataclasses.FrozenInstanceError):
        program.city = "Boston"  # type: ignore[misc]
    assert hash(program) == hash(make_program())
    assert program == make_program()

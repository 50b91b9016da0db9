"""Coverage (issue 19): distance from every town to the nearest program that fits, and the gaps."""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

import pytest
from apphelpers import APP, admin_login, copy_sample_data, use_data_dir
from streamlit.testing.v1 import AppTest

from finder.cli import main
from finder.coverage import DISTANCE_NOTE, TOWN_COLUMNS, coverage, coverage_heading
from finder.gazetteer import default_gazetteer
from finder.load import load_programs
from finder.model import Insurance, LatLon, LevelOfCare
from finder.schedule import PartOfDay
from finder.search import SearchQuery

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample" / "providers.csv"
if not SAMPLE.exists():  # before the sample moved to data/sample (issue 12)
    SAMPLE = ROOT / "data" / "providers.csv"
ANYWHERE = LatLon(42.36, -71.06)


def hand_haversine_miles(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle miles, written out by hand (mean Earth radius 3958.7613 mi)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 3958.7613 * math.asin(math.sqrt(h))


@pytest.fixture(scope="module")
def programs():
    return load_programs(SAMPLE).programs


@pytest.fixture(scope="module")
def towns():
    return {t.name: t for t in default_gazetteer().towns}


def masshealth() -> SearchQuery:
    return SearchQuery(origin=ANYWHERE, insurance=(Insurance.MASSHEALTH,))


@pytest.mark.parametrize("town", ["Pittsfield", "Boston", "Nantucket", "Greenfield", "Worcester"])
@pytest.mark.parametrize("radius", [10.0, 25.0])
def test_coverage_matches_hand_computed_haversine(programs, towns, town, radius):
    result = coverage(programs, masshealth(), radius_miles=radius)
    row = next(r for r in result.town_rows() if r["town"] == town)
    centre = (towns[town].lat, towns[town].lon)
    fitting = [p for p in programs if Insurance.MASSHEALTH in p.insurance and p.latlon]
    by_hand = sorted(hand_haversine_miles(centre, (p.latitude, p.longitude)) for p in fitting)
    # EPSG:26986 is a conformal projection: its scale differs from the sphere by well under 0.5 %.
    assert row["nearest_miles"] == pytest.approx(by_hand[0], rel=0.005, abs=0.06)
    surely_in = sum(d <= radius * 0.995 for d in by_hand)
    maybe_in = sum(d <= radius * 1.005 for d in by_hand)
    assert surely_in <= row["programs_within"] <= maybe_in
    nearest = next(p for p in fitting if p.program_id == row["nearest_program_id"])
    assert hand_haversine_miles(centre, (nearest.latitude, nearest.longitude)) == pytest.approx(
        by_hand[0], rel=0.005, abs=0.06)


def test_every_town_is_listed_once_with_its_county(programs):
    result = coverage(programs)
    assert len(result.towns) == 351
    assert result.towns["town"].is_unique
    assert list(result.towns.columns) == [*TOWN_COLUMNS, "geometry"]
    assert result.towns.crs == "EPSG:4326"
    assert set(result.towns["county"]) == {
        "Barnstable", "Berkshire", "Bristol", "Dukes", "Essex", "Franklin", "Hampden",
        "Hampshire", "Middlesex", "Nantucket", "Norfolk", "Plymouth", "Suffolk", "Worcester"}


@pytest.mark.parametrize("radius", [5.0, 10.0, 25.0])
def test_masshealth_lists_a_superset_of_the_unfiltered_gaps(programs, radius):
    everyone = coverage(programs, radius_miles=radius)
    with_masshealth = coverage(programs, masshealth(), radius_miles=radius)
    gaps = set(everyone.gaps["town"])
    gaps_masshealth = set(with_masshealth.gaps["town"])
    assert gaps <= gaps_masshealth
    assert len(with_masshealth.programs) < len(everyone.programs)


def test_more_filters_never_bring_a_town_nearer(programs):
    base = coverage(programs, masshealth())
    narrower = coverage(programs, SearchQuery(
        origin=ANYWHERE, insurance=(Insurance.MASSHEALTH,), languages=("Spanish",),
        sessions=(PartOfDay.EVENING,)))
    for a, b in zip(base.town_rows(), narrower.town_rows(), strict=True):
        assert a["town"] == b["town"]
        assert b["programs_within"] <= a["programs_within"]
        if b["nearest_miles"] is not None:
            assert b["nearest_miles"] >= a["nearest_miles"]


def test_filters_are_the_search_engines_iop_includes_soap(programs):
    result = coverage(programs, SearchQuery(origin=ANYWHERE, level_of_care=(LevelOfCare.IOP,)))
    levels = set(result.programs["level_of_care"].astype(str))
    assert levels == {"IOP", "SOAP"}


def test_gaps_are_grouped_by_county_and_sorted(programs):
    result = coverage(programs, masshealth(), radius_miles=5)
    grouped = result.gaps_by_county()
    assert list(grouped) == sorted(grouped)
    assert sum(len(v) for v in grouped.values()) == len(result.gaps)
    for county, names in grouped.items():
        assert names == sorted(names)
        assert set(result.towns[result.towns["town"].isin(names)]["county"]) == {county}


def test_no_program_passing_means_every_town_is_a_gap(programs):
    nobody = SearchQuery(origin=ANYWHERE, accepting_new_clients=True, languages=("Yupik",))
    result = coverage(programs, nobody)
    assert len(result.programs) == 0
    assert len(result.gaps) == 351
    assert all(r["nearest_miles"] is None and r["nearest_program"] == "" for r in result.town_rows())


def test_heading_names_the_filters_and_the_radius():
    assert coverage_heading(masshealth(), 25) == (
        "Towns more than 25 miles from any program that takes MassHealth")
    query = SearchQuery(origin=ANYWHERE, level_of_care=(LevelOfCare.IOP,),
                        insurance=(Insurance.MASSHEALTH,), languages=("Spanish",),
                        sessions=(PartOfDay.EVENING,), accepting_new_clients=True)
    assert coverage_heading(query, 12.5) == (
        "Towns more than 12.5 miles from any IOP program that takes MassHealth, meets in the "
        "evening, offers services in Spanish and is accepting new clients")
    assert coverage_heading(SearchQuery(origin=ANYWHERE), 25) == (
        "Towns more than 25 miles from any program")


def test_distance_note_says_what_distance_means_and_leaves_out():
    for words in ("straight-line", "centre of each town", "transit", "telehealth", "planning"):
        assert words in DISTANCE_NOTE


@pytest.mark.parametrize("radius", [0, -5, float("nan"), float("inf")])
def test_a_bad_radius_is_refused(programs, radius):
    with pytest.raises(ValueError, match="radius_miles"):
        coverage(programs, radius_miles=radius)


def test_programs_without_coordinates_are_left_out(programs):
    import dataclasses

    unplaced = [dataclasses.replace(p, latitude=None, longitude=None) for p in programs[:5]]
    result = coverage(unplaced + list(programs[5:]))
    assert len(result.programs) == len(programs) - 5


# --- CLI ----------------------------------------------------------------------------------


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_table_lists_gaps_by_county_under_the_heading(capsys):
    code, out, _err = run(capsys, "coverage", "--data", str(SAMPLE), "--insurance", "medicaid",
                          "--radius-miles", "10")
    assert code == 0
    first = out.splitlines()[0]
    assert first.startswith("Towns more than 10 miles from any program that takes MassHealth: ")
    assert "straight-line" in out
    assert "County (" in out


def test_cli_json_has_every_town_and_the_gap_list(capsys):
    code, out, _err = run(capsys, "coverage", "--data", str(SAMPLE), "--format", "json",
                          "--language", "Spanish")
    assert code == 0
    payload = json.loads(out)
    assert payload["heading"] == (
        "Towns more than 25 miles from any program that offers services in Spanish")
    assert len(payload["rows"]) == 351
    assert payload["filters"]["languages"] == ["Spanish"]
    assert payload["towns_without_program_within_radius"] == sum(
        len(v) for v in payload["gaps_by_county"].values())


def test_cli_csv_is_a_heading_then_one_row_per_town(capsys, tmp_path):
    target = tmp_path / "coverage.csv"
    code, _out, _err = run(capsys, "coverage", "--data", str(SAMPLE), "--format", "csv",
                           "-o", str(target))
    assert code == 0
    lines = target.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "Towns more than 25 miles from any program"
    rows = list(csv.DictReader(io.StringIO("\n".join(lines[3:]))))
    assert len(rows) == 351
    assert list(rows[0]) == list(TOWN_COLUMNS)


def test_cli_geojson_reads_back_as_351_points(capsys, tmp_path):
    import geopandas as gpd

    target = tmp_path / "coverage.geojson"
    code, _out, _err = run(capsys, "coverage", "--data", str(SAMPLE), "--format", "geojson",
                           "-o", str(target))
    assert code == 0
    frame = gpd.read_file(target)
    assert len(frame) == 351
    assert set(TOWN_COLUMNS) <= set(frame.columns)
    assert (frame.geometry.geom_type == "Point").all()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--insurance", "Medicaide"], "Did you mean 'Medicare'?"),
        (["--radius-miles", "0"], "0"),
        (["--available", "whenever"], "availability"),
    ],
)
def test_cli_bad_input_exits_2_with_a_message(capsys, args, message):
    code, out, err = run(capsys, "coverage", "--data", str(SAMPLE), *args)
    assert code == 2
    assert message in out + err


def test_cli_missing_data_file_exits_2(capsys, tmp_path):
    code, _out, err = run(capsys, "coverage", "--data", str(tmp_path / "nope.csv"))
    assert code == 2
    assert "There is no file" in err


# --- map ----------------------------------------------------------------------------------


def test_coverage_map_colours_towns_by_band_escapes_names_and_has_a_legend(programs):
    import dataclasses

    from finder.maprender import BAND_COLORS, build_coverage_map

    nasty = dataclasses.replace(programs[0], program_name="<script>alert(1)</script>{{ 7*7 }}")
    result = coverage([nasty, *programs[1:]], radius_miles=10)
    fmap = build_coverage_map(result, tiles_url="/tiles/{z}/{x}/{y}.png", tiles_attribution="OSM")
    html = fmap.get_root().render()
    assert "<script>alert(1)" not in html
    assert "7*7" in html  # shown as text, never run as a template
    assert "Town centre to nearest program" in html
    for label in ("within 5 mi", "5–10 mi", "10–20 mi", "over 20 mi"):
        assert label in html or json.dumps(label)[1:-1] in html
    assert any(color in html for color in BAND_COLORS)
    assert "cdn" not in html.lower()


# --- admin page ---------------------------------------------------------------------------


PASSWORD = "correct horse battery"


@pytest.fixture
def admin_data(tmp_path, monkeypatch):
    folder = copy_sample_data(tmp_path / "data")
    return use_data_dir(monkeypatch, folder, admin_password=PASSWORD)


def plain(markdown: object) -> str:
    """Markdown escaped by ``finder.ui.safe.md``, unescaped for reading."""
    return str(markdown).replace("\\", "").replace("\u2060", "")


def admin() -> AppTest:
    return admin_login(PASSWORD, timeout=90)


def test_admin_coverage_section_names_filters_and_lists_gaps(admin_data):
    at = admin()
    markdown = "\n".join(str(m.value) for m in at.markdown)
    assert "Towns more than 25 miles from any program" in markdown.replace("\\", "")
    assert any("straight-line" in plain(i.value) for i in at.info)
    at.multiselect(key="cov_insurance").select("MassHealth")
    at.number_input(key="cov_radius").set_value(10)
    at.run()
    assert not at.exception
    markdown = "\n".join(str(m.value) for m in at.markdown).replace("\\", "")
    assert "Towns more than 10 miles from any program that takes MassHealth" in markdown
    table = at.dataframe[-1].value
    assert len(table) == 351


def test_admin_page_offers_the_three_exports(admin_data):
    at = admin()
    labels = {b.proto.label for b in at.get("download_button")}
    assert {"HSDS 3.0 (ZIP)", "GeoJSON", "GeoPackage"} <= labels
    assert {"Download the table (CSV)", "Download the towns (GeoJSON)"} <= labels


def test_coverage_is_not_on_the_find_page(admin_data):
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    text = "\n".join(str(m.value) for m in at.markdown)
    assert "Towns more than" not in text


# --- the real listings (issue 19's figures) ------------------------------------------------


@pytest.fixture(scope="module")
def real_programs():
    """The live dataset when it is the real FindTreatment.gov listing (issue 12), else skip."""
    meta_path = ROOT / "data" / "providers.meta.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else {}
    if meta.get("sample", True) or meta.get("source") != "SAMHSA, FindTreatment.gov":
        pytest.skip("data/providers.csv is not the real FindTreatment.gov listing")
    return load_programs(ROOT / "data" / "providers.csv").programs


def test_real_listings_cover_the_state_unevenly_as_the_issue_says(real_programs):
    result = coverage(real_programs, radius_miles=25)
    rows = {r["town"]: r for r in result.town_rows()}
    assert rows["Pittsfield"]["programs_within"] == 2
    assert rows["Boston"]["programs_within"] == 45
    counties = [str(c) for c in result.programs["county"].astype("string").fillna("")]
    for county in ("Franklin", "Dukes", "Nantucket"):
        assert county not in counties
    assert counties.count("Berkshire") == 2
    with_masshealth = coverage(real_programs, masshealth(), radius_miles=25)
    assert set(result.gaps["town"]) <= set(with_masshealth.gaps["town"])
    assert "Nantucket" in set(with_masshealth.gaps["town"])



def test_schedule_confirmed_counts_only_programs_a_person_confirmed(programs):
    evening = SearchQuery(origin=ANYWHERE, sessions=(PartOfDay.EVENING,))
    listed = coverage(programs, evening)
    confirmed = coverage(programs, evening, schedule_confirmed=True)
    ids = set(confirmed.programs["program_id"].astype(str))
    assert ids
    assert ids < set(listed.programs["program_id"].astype(str))
    assert all(p.schedule_confirmed_on is not None for p in programs if p.program_id in ids)
    assert set(listed.gaps["town"]) <= set(confirmed.gaps["town"])
    assert confirmed.heading == ("Towns more than 25 miles from any program that meets in the "
                                 "evening and has session times a person confirmed")
    assert confirmed.as_dict()["filters"]["schedule_confirmed"] is True


def test_cli_schedule_confirmed_flag(capsys):
    code, out, _err = run(capsys, "coverage", "--data", str(SAMPLE), "--sessions", "evening",
                          "--schedule-confirmed", "--format", "json")
    assert code == 0
    assert json.loads(out)["heading"].endswith("has session times a person confirmed")

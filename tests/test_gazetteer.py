"""The offline gazetteer: coverage of every ZIP, town and common place; tricky inputs."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import zipcodes

from finder.errors import GeocodeNotFound, OutsideMassachusetts
from finder.gazetteer import (
    Gazetteer,
    NamedPlace,
    Town,
    ZipArea,
    default_gazetteer,
    normalize,
)
from finder.model import MA_BOUNDS, Place, Precision

DATA = Path(__file__).resolve().parent.parent / "finder" / "data"


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    """The real package gazetteer, loaded once for the module."""
    return default_gazetteer()


def inside_ma(place: Place) -> bool:
    south, west, north, east = MA_BOUNDS
    return south <= place.lat <= north and west <= place.lon <= east


def read(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


# -- coverage -------------------------------------------------------------------


def test_every_massachusetts_zip_resolves_inside_massachusetts(gaz):
    ma_zips = [z["zip_code"] for z in zipcodes.filter_by(state="MA")]
    assert len(ma_zips) == 704
    for zip_code in ma_zips:
        place = gaz.locate(zip_code)
        assert place.precision is Precision.ZIP, zip_code
        assert place.label.endswith(f"MA {zip_code}")
        assert inside_ma(place), (zip_code, place)


def test_every_one_of_the_351_municipalities_resolves_inside_massachusetts(gaz, shared_data):
    names = [
        line.strip()
        for line in (shared_data / "ma_municipalities_351.txt").read_text().splitlines()
        if line.strip()
    ]
    assert len(names) == 351
    for name in names:
        place = gaz.locate(name)
        assert place.precision is Precision.TOWN, name
        assert place.label == f"{name}, MA"
        assert inside_ma(place), (name, place)
        assert gaz.locate(f"{name}, MA") == place
        assert gaz.locate(name.upper()) == place


def test_town_table_matches_the_municipality_list(shared_data):
    names = {
        line.strip()
        for line in (shared_data / "ma_municipalities_351.txt").read_text().splitlines()
        if line.strip()
    }
    rows = read("ma_towns.csv")
    assert {r["town"] for r in rows} == names
    assert {r["county"] for r in rows} == {
        "Barnstable", "Berkshire", "Bristol", "Dukes", "Essex", "Franklin", "Hampden",
        "Hampshire", "Middlesex", "Nantucket", "Norfolk", "Plymouth", "Suffolk", "Worcester",
    }  # fmt: skip


def test_seven_towns_missing_from_zipcodes_come_from_the_alias_table(gaz):
    for town, usps in [
        ("Freetown", "East Freetown"),
        ("Gosnold", "Cuttyhunk"),
        ("North Attleborough", "North Attleboro"),
        ("Shelburne", "Shelburne Falls"),
        ("Tisbury", "Vineyard Haven"),
        ("Tyngsborough", "Tyngsboro"),
        ("Yarmouth", "South Yarmouth"),
    ]:
        row = next(r for r in read("ma_towns.csv") if r["town"] == town)
        assert usps in row["usps_names"]
        assert gaz.locate(town).label == f"{town}, MA"


def test_at_least_100_villages_and_neighborhoods(gaz):
    rows = read("ma_places.csv")
    local = [r for r in rows if r["kind"] in {"village", "neighborhood"}]
    assert len(local) >= 100
    names = {r["name"] for r in rows}
    for must in ["Dorchester", "Jamaica Plain", "Back Bay", "Hyannis", "Florence", "Assonet",
                 "Woods Hole", "Vineyard Haven", "Siasconset", "Osterville"]:  # fmt: skip
        assert must in names
    for region in ["Cape Cod", "North Shore", "South Shore", "Pioneer Valley", "MetroWest",
                   "Berkshires"]:  # fmt: skip
        place = gaz.locate(region)
        assert place.precision is Precision.PLACE
        assert inside_ma(place)


def test_every_place_and_its_label_resolve_back_to_it(gaz):
    for place in gaz.places:
        found = gaz.locate(place.name)
        assert found.label == place.label, place.name
        assert gaz.locate(found.label) == found
        assert inside_ma(found)
        for alias in place.aliases:
            assert gaz.locate(alias).label == place.label, alias


def test_village_points_lie_near_their_town(gaz):
    towns = {t.name: t for t in gaz.towns}
    for place in gaz.places:
        if place.town:
            town = towns[place.town]
            assert abs(place.lat - town.lat) < 0.2, place
            assert abs(place.lon - town.lon) < 0.2, place


def test_po_box_zip_parked_far_away_takes_its_town_centre(gaz):
    # zipcodes puts 02456 (New Town, a PO box in Newton) near Maynard.
    newton = gaz.locate("Newton")
    place = gaz.locate("02456")
    assert abs(place.lat - newton.lat) < 0.03
    assert abs(place.lon - newton.lon) < 0.03


# -- tricky inputs ----------------------------------------------------------------

TRICKY = [
    # (typed, label, precision, note contains)
    ("02139", "Cambridge, MA 02139", Precision.ZIP, ""),
    ("02139-4307", "Cambridge, MA 02139", Precision.ZIP, ""),
    ("021394307", "Cambridge, MA 02139", Precision.ZIP, ""),
    ("2139", "Cambridge, MA 02139", Precision.ZIP, ""),  # leading zero lost in a spreadsheet
    (" 01060 ", "Northampton, MA 01060", Precision.ZIP, ""),
    ("01060 Northampton", "Northampton, MA 01060", Precision.ZIP, ""),
    ("Worcester", "Worcester, MA", Precision.TOWN, ""),
    ("Worcester, MA", "Worcester, MA", Precision.TOWN, ""),
    ("worcester massachusetts", "Worcester, MA", Precision.TOWN, ""),
    ("Boston, MA, USA", "Boston, MA", Precision.TOWN, ""),
    ("Northampton MA 01060", "Northampton, MA 01060", Precision.ZIP, ""),
    ("Boston MA 02118-1234", "Boston, MA 02118", Precision.ZIP, ""),
    # typos
    ("worchester ma", "Worcester, MA", Precision.TOWN, "Did you mean Worcester?"),
    ("Pittsfeild", "Pittsfield, MA", Precision.TOWN, "Did you mean Pittsfield?"),
    ("Cambrige, MA", "Cambridge, MA", Precision.TOWN, "Did you mean Cambridge?"),
    ("sommerville", "Somerville, MA", Precision.TOWN, "Did you mean Somerville?"),
    ("Dorchestr", "Dorchester (Boston), MA", Precision.PLACE, "Did you mean Dorchester?"),
    ("Hyanis", "Hyannis (Barnstable), MA", Precision.PLACE, "Did you mean Hyannis?"),
    # spellings
    ("Mt. Washington", "Mount Washington, MA", Precision.TOWN, ""),
    ("N Attleboro", "North Attleborough, MA", Precision.TOWN, ""),
    ("Foxboro", "Foxborough, MA", Precision.TOWN, ""),
    ("Marlboro", "Marlborough, MA", Precision.TOWN, ""),
    ("Manchester by the Sea", "Manchester-by-the-Sea, MA", Precision.TOWN, ""),
    ("Tyngsboro", "Tyngsborough, MA", Precision.TOWN, ""),
    # neighborhoods and villages
    ("Dorchester", "Dorchester (Boston), MA", Precision.PLACE, ""),
    ("Jamaica Plain", "Jamaica Plain (Boston), MA", Precision.PLACE, ""),
    ("JP", "Jamaica Plain (Boston), MA", Precision.PLACE, ""),
    ("Southie", "South Boston (Boston), MA", Precision.PLACE, ""),
    ("Back Bay", "Back Bay (Boston), MA", Precision.PLACE, ""),
    ("Harvard Sq", "Harvard Square (Cambridge), MA", Precision.PLACE, ""),
    ("Hyannis", "Hyannis (Barnstable), MA", Precision.PLACE, ""),
    ("Hyannis, Barnstable", "Hyannis (Barnstable), MA", Precision.PLACE, ""),
    ("Florence", "Florence (Northampton), MA", Precision.PLACE, ""),
    ("Assonet", "Assonet (Freetown), MA", Precision.PLACE, ""),
    ("Vineyard Haven", "Vineyard Haven (Tisbury), MA", Precision.PLACE, ""),
    ("'Sconset", "Siasconset (Nantucket), MA", Precision.PLACE, ""),
    ("Martha's Vineyard", "Martha's Vineyard, MA", Precision.PLACE, ""),
    # ambiguous or regional names stay in Massachusetts
    ("Springfield", "Springfield, MA", Precision.TOWN, ""),
    ("Washington", "Washington, MA", Precision.TOWN, ""),
    ("Cape Cod", "Cape Cod, MA", Precision.PLACE, ""),
    ("the Berkshires", "Berkshires, MA", Precision.PLACE, ""),
    ("Worcester County", "Worcester County, MA", Precision.PLACE, ""),
    # street addresses: the ZIP, else the town
    ("45 Main St, Northampton", "Northampton, MA", Precision.TOWN, ""),
    (
        "200 Main Street Suite 4B, Northampton, Massachusetts 01060",
        "Northampton, MA 01060",
        Precision.ZIP,
        "",
    ),
    (
        "45 Washington St., Apt 2, North Attleborough, MA 02760-1234",
        "North Attleboro, MA 02760",
        Precision.ZIP,
        "",
    ),
    ("12 Elm St Apt 3 Worcester", "Worcester, MA", Precision.TOWN, ""),
    ("12345 Main St, Boston", "Boston, MA", Precision.TOWN, ""),  # five-digit house number
    ("PO Box 123, Manchester-by-the-Sea, MA 01944", "Manchester, MA 01944", Precision.ZIP, ""),
    # state words, dotted or not, that mean Massachusetts
    ("Boston, Mass.", "Boston, MA", Precision.TOWN, ""),
    ("Springfield, Mass", "Springfield, MA", Precision.TOWN, ""),
    ("Boston, U.S.A.", "Boston, MA", Precision.TOWN, ""),
    # a county after the town is understood, not reported
    ("Cambridge, Middlesex County", "Cambridge, MA", Precision.TOWN, ""),
    ("Springfield, Hampden", "Springfield, MA", Precision.TOWN, ""),
    # Massachusetts towns that share a name with a country
    ("Wales", "Wales, MA", Precision.TOWN, ""),
    ("Holland, MA", "Holland, MA", Precision.TOWN, ""),
    # an unknown trailing qualifier is not dropped silently (issue 4 audit)
    ("Boston, Lincolnshire", "Boston, MA", Precision.TOWN,
     "We searched Boston, Massachusetts: IOP Finder covers Massachusetts only, "
     "and we don't know 'Lincolnshire'."),
    ("Bostn, Lincolnshire", "Boston, MA", Precision.TOWN,
     "Did you mean Boston? Showing Boston, MA. We searched Boston, Massachusetts"),
    ("Nowhere Village, Boston", "Boston, MA", Precision.TOWN, "we don't know 'Nowhere Village'"),
    # a town and a ZIP code that disagree: the ZIP wins, and the note says so
    ("Lowell, MA 01060", "Northampton, MA 01060", Precision.ZIP,
     "ZIP 01060 is in Northampton, not Lowell; we used the ZIP."),
    ("Lowell 01060-1234", "Northampton, MA 01060", Precision.ZIP,
     "ZIP 01060 is in Northampton, not Lowell"),
    ("45 Main St, Lowell, MA 01060", "Northampton, MA 01060", Precision.ZIP,
     "ZIP 01060 is in Northampton, not Lowell"),
    ("Boston 02139", "Cambridge, MA 02139", Precision.ZIP,
     "ZIP 02139 is in Cambridge, not Boston"),
    # ...but a neighborhood or village with its town's ZIP agrees
    ("Boston, MA 02124", "Dorchester Center, MA 02124", Precision.ZIP, ""),
    ("Dorchester, MA 02124", "Dorchester Center, MA 02124", Precision.ZIP, ""),
    ("Hyannis, MA 02601", "Hyannis, MA 02601", Precision.ZIP, ""),
]  # fmt: skip


@pytest.mark.parametrize(("typed", "label", "precision", "note"), TRICKY)
def test_tricky_input_resolves_to_the_expected_place(gaz, typed, label, precision, note):
    place = gaz.locate(typed)
    assert (place.label, place.precision, place.source) == (label, precision, "gazetteer")
    assert inside_ma(place)
    if note:
        assert note in place.note
    else:
        assert place.note == ""


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("Springfield, IL", "covers Massachusetts only"),
        ("Springfield Illinois", "covers Massachusetts only"),
        ("Seattle, Washington", "covers Massachusetts only"),
        ("Washington DC", "covers Massachusetts only"),
        ("New York", "covers Massachusetts only"),
        ("Washington, DC", "covers Massachusetts only"),
        ("Concord NH", "covers Massachusetts only"),
        ("Worcester, PA", "covers Massachusetts only"),
        # dotted and older state abbreviations (issue 4 audit)
        ("Washington, D.C.", "covers Massachusetts only"),
        ("Washington D. C.", "covers Massachusetts only"),
        ("Springfield, Ill.", "covers Massachusetts only"),
        ("Springfield Ill", "covers Massachusetts only"),
        ("Concord, N.H.", "covers Massachusetts only"),
        ("Hartford, Conn.", "covers Massachusetts only"),
        ("Sacramento, Calif.", "covers Massachusetts only"),
        # full state names and countries
        ("Salem, Oregon", "covers Massachusetts only"),
        ("Concord, New Hampshire", "covers Massachusetts only"),
        ("Cambridge, England", "covers Massachusetts only"),
        ("Plymouth, UK", "covers Massachusetts only"),
        ("Plymouth, U.K.", "covers Massachusetts only"),
        ("Boston, England, UK", "covers Massachusetts only"),
        ("Cambridge, United Kingdom", "covers Massachusetts only"),
        ("Cambridge, Ontario", "covers Massachusetts only"),
        ("Paris, France", "covers Massachusetts only"),
        ("Canada", "covers Massachusetts only"),
        ("10 Downing St, London, UK", "covers Massachusetts only"),
        ("Nashua NH 03060", "covers Massachusetts only"),  # near the border (issue 18)
        ("10001", "10001 is not a Massachusetts ZIP code"),
        ("asdfghjkl", "Check the spelling"),
        ("45 Main St", "add the town or ZIP code"),
        ("02l39", "Did you mean 02139?"),
    ],
)
def test_unmatched_input_raises_not_found_with_a_user_message(gaz, typed, message):
    with pytest.raises(GeocodeNotFound) as info:
        gaz.locate(typed)
    assert message in info.value.user_message


def test_country_and_state_words_never_hide_a_massachusetts_name(gaz):
    from finder.gazetteer import _FOREIGN_NAMES, _OTHER_STATE_ABBREVIATIONS

    names = {normalize(name) for name in gaz._index}
    assert not (_FOREIGN_NAMES | _OTHER_STATE_ABBREVIATIONS) & names
    assert not {name.split()[-1] for name in names} & _OTHER_STATE_ABBREVIATIONS


def test_every_zip_agrees_with_its_own_towns_and_places(gaz):
    # The town-and-ZIP disagreement note must never fire on a right pair.
    pairs = [(area.city, zip_code) for zip_code, area in gaz.zips.items()]
    pairs += [(town.name, zip_code) for town in gaz.towns for zip_code in town.zips]
    pairs += [(place.name, zip_code) for place in gaz.places for zip_code in place.zips]
    assert len(pairs) > 1000
    noted = [(name, zip_code) for name, zip_code in pairs
             if gaz.locate(f"{name}, MA {zip_code}").note]
    assert noted == []


def test_unclear_typo_offers_candidates_instead_of_guessing(gaz):
    with pytest.raises(GeocodeNotFound) as info:
        gaz.locate("Westen")
    assert "Weston, MA" in info.value.suggestions
    assert "Did you mean" in info.value.user_message
    for suggestion in info.value.suggestions:
        assert inside_ma(gaz.locate(suggestion))


def test_zip_typo_suggests_the_corrected_zip(gaz):
    with pytest.raises(GeocodeNotFound) as info:
        gaz.locate("O2139")
    assert info.value.suggestions == ("Cambridge, MA 02139",)


def test_same_name_in_two_towns_returns_both_as_candidates():
    towns = [Town("Barnstable", "Barnstable", 41.70, -70.30), Town("Uxbridge", "Worcester", 42.08, -71.63)]
    places = [
        NamedPlace("Centerville", "Barnstable", "village", 41.65, -70.35),
        NamedPlace("Centerville", "Uxbridge", "village", 42.05, -71.60),
    ]
    gaz = Gazetteer(towns, places, [ZipArea("02632", "Centerville", "Barnstable", 41.65, -70.35, "STANDARD")])
    with pytest.raises(GeocodeNotFound) as info:
        gaz.locate("Centerville")
    assert set(info.value.suggestions) == {
        "Centerville (Barnstable), MA",
        "Centerville (Uxbridge), MA",
    }
    assert gaz.locate("Centerville, Uxbridge").lat == 42.05
    assert gaz.locate("Centerville (Barnstable), MA").lat == 41.65


# -- helpers ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Mt. Washington", "mount washington"),
        ("North Attleborough", "N Attleboro"),
        ("Martha's Vineyard", "marthas  vineyard"),
        ("Manchester-by-the-Sea", "manchester by the sea"),
        ("Newton Centre", "Newton Center"),
    ],
)
def test_normalize_treats_spellings_alike(a, b):
    assert normalize(a) == normalize(b)


def test_suggest_completes_names_towns_first(gaz):
    assert gaz.suggest("worc")[0] == "Worcester, MA"
    assert gaz.suggest("021")[:2] == ["Boston, MA 02108", "Boston, MA 02109"]
    assert "Cape Cod, MA" in gaz.suggest("Cape")
    assert gaz.suggest("") == []
    for typed in ["worc", "Cape", "hyan", "dorch", "springfeild"]:
        for label in gaz.suggest(typed):
            assert inside_ma(gaz.locate(label)), label


def test_nearest_town(gaz):
    town, miles = gaz.nearest_town(42.3736, -71.1190)  # Harvard Square
    assert town.name == "Cambridge"
    assert miles < 2


# -- issue 18: out of state, and names shared with a town next door --------------------------------


@pytest.mark.parametrize(
    ("text", "label", "most_miles"),
    [
        ("Nashua NH", "Nashua, NH", 10),
        ("Nashua, New Hampshire", "Nashua, NH", 10),
        ("Providence RI", "Providence, RI", 10),
        ("Providence, Rhode Island", "Providence, RI", 10),
    ],
)
def test_a_place_near_the_border_is_refused_but_offered_as_a_nearby_point(gaz, text, label, most_miles):
    with pytest.raises(OutsideMassachusetts) as err:
        gaz.locate(text)
    assert "covers Massachusetts only" in err.value.user_message
    assert "FindTreatment.gov" in err.value.user_message
    assert "1-800-662-4357" in err.value.user_message
    nearby = err.value.nearby
    assert nearby is not None
    assert nearby.label == label
    miles = int(nearby.note.split("about ")[1].split()[0])
    assert 1 <= miles <= most_miles
    assert "Massachusetts programs nearest to it" in nearby.note


@pytest.mark.parametrize("text", ["Concord NH", "Albany, NY", "Springfield, IL", "Cambridge, England"])
def test_a_place_far_from_massachusetts_gets_no_nearby_point(gaz, text):
    with pytest.raises(OutsideMassachusetts) as err:
        gaz.locate(text)
    assert err.value.nearby is None
    assert "Try a Massachusetts ZIP code or town name" in err.value.user_message


def test_manchester_asks_which_one_like_other_shared_names(gaz):
    """Issue 18: "Manchester" is Manchester-by-the-Sea, MA, but also Manchester, NH."""
    with pytest.raises(GeocodeNotFound) as err:
        gaz.locate("Manchester")
    assert not isinstance(err.value, OutsideMassachusetts)
    assert err.value.user_message == "Which Manchester did you mean?"
    assert err.value.suggestions[:2] == ("Manchester-by-the-Sea, MA", "Manchester, NH")
    assert gaz.locate(err.value.suggestions[0]).label == "Manchester-by-the-Sea, MA"
    with pytest.raises(OutsideMassachusetts) as nh:
        gaz.locate(err.value.suggestions[1])
    assert nh.value.nearby is not None
    assert nh.value.nearby.label == "Manchester, NH"


@pytest.mark.parametrize("text", ["Salem", "Worcester", "Springfield", "N Attleboro", "Concord"])
def test_massachusetts_town_names_are_not_asked_about(gaz, text):
    assert gaz.locate(text).label.endswith(", MA")


@pytest.mark.parametrize(("zip_code", "label"), [("03060", "Nashua, NH 03060"),
                                                 ("02903", "Providence, RI 02903")])
def test_a_zip_code_over_the_border_is_treated_like_the_town(gaz, zip_code, label):
    with pytest.raises(OutsideMassachusetts) as err:
        gaz.locate(zip_code)
    assert err.value.nearby is not None
    assert err.value.nearby.label == label
    assert "1-800-662-4357" in err.value.user_message


@pytest.mark.parametrize("zip_code", ["60601", "03301"])  # Chicago; Concord, NH (too far)
def test_a_zip_code_far_from_massachusetts_is_just_not_ours(gaz, zip_code):
    with pytest.raises(GeocodeNotFound) as err:
        gaz.locate(zip_code)
    assert not isinstance(err.value, OutsideMassachusetts)
    assert "is not a Massachusetts ZIP code" in err.value.user_message

"""URL state: round trips, defaults left out, junk dropped, no street address."""

from __future__ import annotations

import pytest

from finder.urlstate import (
    decode_params,
    encode_state,
    parse_program_id,
    place_text_for_url,
    round_coords,
)

#: Street addresses in the forms people type; none may reach a URL (audit of issue 6).
STREET_ADDRESSES = (
    "45 Main St, Northampton, MA 01060",
    "200 Main Street Suite 4B, Northampton, Massachusetts 01060",
    "100 5th Street, Boston, MA 02127",
    "45-47 Main St, Northampton, MA 01060",
    "123 1st Ave, Boston",
    "#12 Elm St, Boston",
    "Main St Apt 3, Boston",
    "Elm St, Boston",
    "One Main Street, Boston",
    "PO Box 12, Boston, MA 02101",
)


def test_round_trip_keeps_every_choice():
    state = {"q": "02139", "radius": "10", "ins": ["MassHealth", "Medicare"], "when": ["evening"],
             "days": ["Mo", "We"], "from": "17:30", "to": "21:30", "co": True, "unk": True,
             "sort": "fit", "page": 2, "sl": ["sample-0001", "sample-0002"]}
    params = encode_state(state)
    assert params["ins"] == "MassHealth,Medicare"
    decoded = decode_params(params)
    for key, value in state.items():
        assert decoded[key] == value


def test_defaults_are_left_out_of_the_url():
    assert encode_state({"radius": "25", "sort": "distance", "page": 1, "co": False, "ins": []}) == {}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"radius": "7"}, {}),
        ({"when": "evening,midnight"}, {"when": ["evening"]}),
        ({"page": "-3"}, {}),
        ({"sl": "ok-1,<script>"}, {"sl": ["ok-1"]}),
        ({"at": "not coords"}, {}),
        ({"unknown": "x"}, {}),
        ({"co": "yes"}, {"co": True}),
    ],
)
def test_decode_drops_malformed_values(params, expected):
    assert decode_params(params) == expected


@pytest.mark.parametrize("address", STREET_ADDRESSES)
def test_no_street_address_is_allowed_into_the_url(address):
    assert place_text_for_url(address) is None


@pytest.mark.parametrize(
    ("text", "in_url"),
    [
        ("02139", "02139"),
        (" 02139-4307 ", "02139"),
        ("Worcester", "Worcester"),
        ("Worcester, MA", "Worcester, MA"),
        ("worcester ma 01608", "worcester ma 01608"),
        ("Cambridge MA 02139-4307", "Cambridge MA 02139"),
        ("Jamaica Plain", "Jamaica Plain"),
        ("Hyannis, Barnstable", "Hyannis, Barnstable"),
        ("Hyannis (Barnstable), MA", "Hyannis (Barnstable), MA"),  # a "did you mean" label
        ("Manchester-by-the-Sea", "Manchester-by-the-Sea"),
        ("Martha's Vineyard", "Martha's Vineyard"),
        ("Mt.  Washington", "Mt. Washington"),
    ],
)
def test_zip_codes_and_known_place_names_go_into_the_url(text, in_url):
    assert place_text_for_url(text) == in_url


@pytest.mark.parametrize(
    "text",
    ["Cambrige", "Springfield, IL", "Boston 99999", "Boston, Worcester, Lowell", "", "x" * 100],
)
def test_unknown_names_and_other_text_stay_out_of_the_url(text):
    assert place_text_for_url(text) is None


def test_hand_made_link_coordinates_are_rounded_on_the_way_in_and_out():
    assert decode_params({"at": "42.373612,-71.109733"}) == {"at": "42.37,-71.11"}
    assert encode_state({"at": "42.373612,-71.109733"}) == {"at": "42.37,-71.11"}
    assert encode_state({"at": "not coords"}) == {}


def test_coordinates_are_rounded_to_about_a_kilometre():
    assert round_coords("42.373611, -71.109733") == (42.37, -71.11)
    assert round_coords("420,-71") is None


# -- issue 18: level of care and the program page's id ----------------------------------------------


@pytest.mark.parametrize(
    ("level", "params"),
    [
        (["IOP", "SOAP"], {}),  # the default stays out of the URL
        (["SOAP", "IOP"], {}),
        (["IOP", "SOAP", "PHP"], {"level": "IOP,SOAP,PHP"}),
        ([], {"level": "any"}),  # every level, said explicitly
    ],
)
def test_level_of_care_round_trips_through_the_url(level, params):
    encoded = encode_state({"level": level})
    assert encoded == params
    decoded = decode_params(encoded)
    assert sorted(decoded.get("level", ["IOP", "SOAP"])) == sorted(level)


def test_unknown_levels_in_a_link_are_dropped():
    assert decode_params({"level": "PHP,residential,<b>"}) == {"level": ["PHP"]}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (["sample-0001"], "sample-0001"),
        ("ft-225047df33", "ft-225047df33"),
        (["a", "b.c_d-1"], "b.c_d-1"),  # the last value counts
        ([], None),
        ([""], None),
        (["<script>"], None),
        (["x" * 65], None),
        (["sample 0001"], None),
        (["\u0661\u0662"], None),  # non-ASCII digits
    ],
)
def test_program_id_parameter_is_parsed_strictly(raw, expected):
    assert parse_program_id(raw) == expected

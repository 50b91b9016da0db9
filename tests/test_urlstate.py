"""URL state: round trips, defaults left out, junk dropped, no street address."""

from __future__ import annotations

import pytest

from finder.urlstate import decode_params, encode_state, is_street_address, round_coords


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


@pytest.mark.parametrize(
    ("text", "is_address"),
    [
        ("45 Main St, Northampton", True),
        ("200 Main Street Suite 4B, Northampton, Massachusetts 01060", True),
        ("02139", False),
        ("Worcester, MA 01608", False),
        ("Cambridge MA 02139-4307", False),
        ("Jamaica Plain", False),
    ],
)
def test_street_addresses_are_recognised(text, is_address):
    assert is_street_address(text) is is_address


def test_coordinates_are_rounded_to_about_a_kilometre():
    assert round_coords("42.373611, -71.109733") == (42.37, -71.11)
    assert round_coords("420,-71") is None

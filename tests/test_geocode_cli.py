"""``finder geocode TEXT``: exit codes, JSON shape, and no traceback for nonsense."""

from __future__ import annotations

import json

import pytest

from finder.cli import main


@pytest.fixture(autouse=True)
def offline_env(monkeypatch, tmp_path):
    """Start every test from the default, offline settings."""
    for name in ["FINDER_GEOCODER", "FINDER_GEOCODER_DOMAIN", "FINDER_GEOCODE_CACHE"]:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("FINDER_DATA_DIR", str(tmp_path))


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["geocode", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_found_place_exits_0_with_the_place_as_json(capsys):
    code, out, _ = run(capsys, "02139")
    assert code == 0
    assert json.loads(out) == {
        "lat": 42.3647,
        "lon": -71.1042,
        "label": "Cambridge, MA 02139",
        "precision": "zip",
        "source": "gazetteer",
    }


def test_typo_is_corrected_with_a_note(capsys):
    code, out, _ = run(capsys, "worchester ma")
    assert code == 0
    place = json.loads(out)
    assert place["label"] == "Worcester, MA"
    assert "Did you mean Worcester?" in place["note"]


@pytest.mark.parametrize(
    ("text", "suggested"),
    [("Springfield, IL", False), ("Westen", True), ("10001", False)],
)
def test_no_match_exits_1_with_error_and_suggestions(capsys, text, suggested):
    code, out, _ = run(capsys, text)
    assert code == 1
    payload = json.loads(out)
    assert set(payload) == {"error", "suggestions"}
    assert payload["error"]
    assert bool(payload["suggestions"]) is suggested


@pytest.mark.parametrize("text", ["", "   ", "x" * 1000, "\x00\x01\x7f", "\udcff\udcfe", "%%%"])
def test_nonsense_exits_2_with_a_clear_message_and_no_traceback(capsys, text):
    code, out, err = run(capsys, text)
    assert code == 2
    payload = json.loads(out)
    assert "Traceback" not in out + err
    assert payload["suggestions"] == []
    assert "ZIP code" in payload["error"]


def test_text_format(capsys):
    code, out, _ = run(capsys, "--format", "text", "Cape Cod")
    assert code == 0
    assert out.startswith("Cape Cod, MA: 41.68800, -70.29620 (place, gazetteer)")
    code, _, err = run(capsys, "--format", "text", "Westen")
    assert code == 1
    assert "Did you mean: " in err


def test_offline_flag_never_contacts_the_online_geocoder(capsys, monkeypatch):
    # Port 9 on loopback: a request would fail; --offline must not make one.
    monkeypatch.setenv("FINDER_GEOCODER", "nominatim")
    monkeypatch.setenv("FINDER_GEOCODER_DOMAIN", "127.0.0.1:9")
    monkeypatch.setenv("FINDER_GEOCODER_SCHEME", "http")
    code, out, _ = run(capsys, "--offline", "45 Main St, Northampton, MA 01060")
    assert code == 0
    place = json.loads(out)
    assert place["precision"] == "zip"
    assert "not looked up" in place["note"]


def test_online_failure_falls_back_to_zip(capsys, monkeypatch):
    monkeypatch.setenv("FINDER_GEOCODER", "nominatim")
    monkeypatch.setenv("FINDER_GEOCODER_DOMAIN", "127.0.0.1:9")  # nothing listens there
    monkeypatch.setenv("FINDER_GEOCODER_SCHEME", "http")
    monkeypatch.setenv("FINDER_GEOCODER_TIMEOUT_S", "0.3")
    code, out, _ = run(capsys, "45 Main St, Northampton, MA 01060")
    assert code == 0
    place = json.loads(out)
    assert place["source"] == "gazetteer"
    assert "isn't answering" in place["note"]


def test_bad_setting_is_a_usage_error_not_a_traceback(capsys, monkeypatch):
    monkeypatch.setenv("FINDER_GEOCODER", "google")
    code, out, err = run(capsys, "02139")
    assert code == 2
    assert "FINDER_GEOCODER" in err
    assert "Traceback" not in out + err

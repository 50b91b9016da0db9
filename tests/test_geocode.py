"""The Locator: input checks, offline fallback, device positions, and the real geopy
Nominatim client against a stub server on 127.0.0.1 (never the internet)."""

from __future__ import annotations

import contextlib
import importlib.util
import json
import logging
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from finder.config import Settings
from finder.errors import GeocodeError, GeocodeNotFound, GeocodeUnavailable
from finder.geocode import (
    GeocodeCache,
    Locator,
    NominatimGeocoder,
    OnlineGeocoder,
    build_locator,
)
from finder.model import Place, Precision

ROOT = Path(__file__).resolve().parent.parent

# A street name no test data contains, to prove it never reaches a log.
STREET = "45 Zyxwv Street, Northampton, MA 01060"


# -- fakes ------------------------------------------------------------------------


@dataclass
class FakeOnline:
    """Our OnlineGeocoder interface as a dict; records every query it is sent."""

    answers: dict[str, Place | None] = field(default_factory=dict)
    error: Exception | None = None
    name: str = "Fake Geocoder (geo.example.org)"
    calls: list[str] = field(default_factory=list)

    def geocode(self, query: str) -> Place | None:
        self.calls.append(query)
        if self.error is not None:
            raise self.error
        return self.answers.get(query)


HOUSE = Place(42.3190, -72.6300, "Zyxwv Street, Northampton, MA", Precision.ADDRESS, "fake")


class FakeClock:
    """A clock that only moves when something sleeps (or the test advances it)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


# -- the loopback Nominatim stub --------------------------------------------------


def _result(lat: str = "42.3190", lon: str = "-72.6300") -> list[dict[str, object]]:
    return [
        {
            "place_id": 1,
            "osm_type": "way",
            "osm_id": 2,
            "lat": lat,
            "lon": lon,
            "class": "building",
            "type": "yes",
            "addresstype": "building",
            "display_name": "45, Zyxwv Street, Northampton, Hampshire County, Massachusetts, 01060, United States",
            "address": {
                "house_number": "45",
                "road": "Zyxwv Street",
                "city": "Northampton",
                "county": "Hampshire County",
                "state": "Massachusetts",
                "postcode": "01060",
                "country": "United States",
                "country_code": "us",
            },
            "boundingbox": ["42.31", "42.32", "-72.64", "-72.62"],
            "importance": 0.3,
        }
    ]


class StubNominatim:
    """A stdlib HTTP server that answers ``GET /search`` like Nominatim.

    The behaviour is chosen by a word in the query: ``nomatch``, ``status429``,
    ``status500``, ``notjson``, ``slow`` (sleeps past the client's timeout) or
    ``faraway`` (a result in California). Anything else is a hit.
    """

    def __init__(self) -> None:
        self.requests: list[dict[str, object]] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urlparse(self.path)
                params = {k: v[0] for k, v in parse_qs(url.query).items()}
                stub.requests.append(
                    {"path": url.path, "params": params, "user_agent": self.headers.get("User-Agent")}
                )
                q = params.get("q", "").lower()
                status, body = 200, json.dumps(_result())
                if "nomatch" in q:
                    body = "[]"
                elif "status429" in q:
                    status, body = 429, '{"error": "Too many requests"}'
                elif "status500" in q:
                    status, body = 500, "Internal error"
                elif "notjson" in q:
                    body = "<html>maintenance</html>"
                elif "faraway" in q:
                    body = json.dumps(_result("34.05", "-118.24"))
                elif "slow" in q:
                    time.sleep(1.0)
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.end_headers()
                    self.wfile.write(body.encode())
                except OSError:  # the client gave up (the timeout case)
                    pass

            def log_message(self, format: str, *args: object) -> None:  # keep pytest quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> StubNominatim:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def stub():
    """A Nominatim look-alike on 127.0.0.1, started and stopped by the test."""
    with StubNominatim() as server:
        yield server


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def nominatim_settings(port: int, tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "geocoder": "nominatim",
        "geocoder_domain": f"127.0.0.1:{port}",
        "geocoder_scheme": "http",
        "geocoder_user_agent": "iop-finder-test/0.1 (admin@example.org)",
        "geocoder_timeout_s": 0.3,
        "geocoder_min_delay_s": 1.0,
        "geocoder_api_key": "",
        "geocode_cache": str(tmp_path / "geocode-cache.json"),
        "data_dir": tmp_path,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def nominatim(stub, tmp_path, clock) -> NominatimGeocoder:
    return NominatimGeocoder(nominatim_settings(stub.port, tmp_path), clock=clock, sleep=clock.sleep)


# -- input checks -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Type a ZIP code, town or address"),
        ("   \t ", "Type a ZIP code, town or address"),
        ("x" * 201, "too long"),
        ("\x00\x01\x02binary", "doesn't look like a place"),
        ("Boston\ufffd", "doesn't look like a place"),
        ("!!!???", "doesn't look like a place"),
        (None, "Type a ZIP code, town or address"),
        (b"02139", "Type a ZIP code, town or address"),
    ],
)
def test_unusable_input_raises_geocode_error_with_a_user_message(text, message):
    with pytest.raises(GeocodeError) as info:
        Locator().locate(text)  # type: ignore[arg-type]
    assert not isinstance(info.value, GeocodeNotFound)
    assert message in info.value.user_message


def test_overlong_input_is_not_echoed_back():
    with pytest.raises(GeocodeError) as info:
        Locator().locate("Zyxwv" * 100)
    assert "Zyxwv" not in info.value.user_message
    assert "Zyxwv" not in str(info.value)


# -- offline ----------------------------------------------------------------------


def test_default_locator_is_offline_and_discloses_nothing():
    locator = build_locator(Settings())
    assert locator.online is None
    assert locator.disclosure is None


def test_offline_street_address_falls_back_to_zip_and_says_precision_dropped():
    place = Locator().locate(STREET)
    assert place.precision is Precision.ZIP
    assert place.label == "Northampton, MA 01060"
    assert "not looked up" in place.note
    assert "ZIP code" in place.note


def test_offline_street_address_without_zip_falls_back_to_town():
    place = Locator().locate("45 Zyxwv Street, Northampton")
    assert place.precision is Precision.TOWN
    assert "the town" in place.note


def test_suggestions_are_offline_and_resolve():
    locator = Locator(online=FakeOnline())
    assert locator.suggestions("worc")[0] == "Worcester, MA"
    assert locator.suggestions("") == []
    assert locator.suggestions("\x00") == []
    assert locator.online.calls == []  # type: ignore[union-attr]


# -- the online geocoder behind the gazetteer (fake) -------------------------------


def test_only_street_addresses_go_online():
    fake = FakeOnline({STREET: HOUSE})
    locator = Locator(online=fake)
    for text in ["02139", "Worcester", "Dorchester", "Cape Cod", "worchester ma"]:
        assert locator.locate(text).source == "gazetteer"
    assert fake.calls == []
    assert locator.locate(STREET) == HOUSE
    assert fake.calls == [STREET]


def test_disclosure_names_the_service_when_online():
    locator = Locator(online=FakeOnline())
    assert locator.disclosure is not None
    assert "Fake Geocoder (geo.example.org)" in locator.disclosure
    assert "Street addresses" in locator.disclosure


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (GeocodeUnavailable("down"), "isn't answering"),
        (GeocodeNotFound("no"), "couldn't find that street address"),
        (None, "couldn't find that street address"),  # the service found nothing
    ],
)
def test_online_failure_falls_back_to_the_zip_in_the_input(error, reason):
    locator = Locator(online=FakeOnline(error=error))
    place = locator.locate(STREET)
    assert place.precision is Precision.ZIP
    assert place.source == "gazetteer"
    assert reason in place.note
    assert "ZIP code" in place.note


def test_online_failure_without_zip_or_town_raises_unavailable():
    locator = Locator(online=FakeOnline(error=GeocodeUnavailable("down")))
    with pytest.raises(GeocodeUnavailable) as info:
        locator.locate("45 Zyxwv Street")
    assert "isn't answering" in info.value.user_message


def test_build_locator_uses_the_given_online_geocoder_only_when_enabled():
    fake = FakeOnline()
    assert build_locator(Settings(geocoder="nominatim"), online=fake).online is fake
    assert build_locator(Settings(geocoder="off"), online=fake).online is None


def test_build_locator_builds_nominatim_from_settings(tmp_path):
    locator = build_locator(nominatim_settings(9, tmp_path, geocoder_domain="geo.example.org"))
    assert isinstance(locator.online, NominatimGeocoder)
    assert isinstance(locator.online, OnlineGeocoder)
    assert "geo.example.org" in (locator.disclosure or "")


# -- admin refresh: geocode_address -----------------------------------------------


def test_geocode_address_offline_uses_zip_then_town():
    locator = Locator()
    by_zip = locator.geocode_address("45 Zyxwv Street", "Northampton", "01060")
    assert (by_zip.precision, by_zip.label) == (Precision.ZIP, "Northampton, MA 01060")
    by_town = locator.geocode_address("45 Zyxwv Street", "Northampton", "")
    assert (by_town.precision, by_town.label) == (Precision.TOWN, "Northampton, MA")
    with pytest.raises(GeocodeNotFound):
        locator.geocode_address("1 Main St", "Nashua", "03060")


def test_geocode_address_online_and_its_fallback():
    fake = FakeOnline({"45 Zyxwv Street, Northampton, MA 01060": HOUSE})
    assert Locator(online=fake).geocode_address("45 Zyxwv Street", "Northampton", "01060") == HOUSE
    down = Locator(online=FakeOnline(error=GeocodeUnavailable("down")))
    place = down.geocode_address("45 Zyxwv Street", "Northampton", "01060")
    assert place.precision is Precision.ZIP
    assert "isn't answering" in place.note


# -- device positions -------------------------------------------------------------


def test_from_device_labels_the_nearest_town_offline():
    place = Locator(online=FakeOnline()).from_device(42.3736, -71.1190)
    assert (place.label, place.precision, place.source) == ("Near Cambridge", Precision.DEVICE, "browser")
    assert (place.lat, place.lon) == (42.3736, -71.1190)
    assert place.note == ""


def test_from_device_far_outside_massachusetts_says_so():
    place = Locator().from_device(34.05, -118.24)
    assert place.label == "Your location"
    assert "outside Massachusetts" in place.note


@pytest.mark.parametrize(("lat", "lon"), [(float("nan"), -71.0), (91.0, -71.0), ("abc", -71.0), (None, 1)])
def test_from_device_rejects_positions_that_are_not_on_earth(lat, lon):
    with pytest.raises(GeocodeError) as info:
        Locator().from_device(lat, lon)  # type: ignore[arg-type]
    assert "device's location" in info.value.user_message


# -- geopy Nominatim against the stub ----------------------------------------------


def test_nominatim_success_returns_an_address_place(nominatim, stub):
    place = nominatim.geocode(STREET)
    assert place is not None
    assert (place.lat, place.lon) == (42.3190, -72.6300)
    assert place.precision is Precision.ADDRESS
    assert place.source == "nominatim"
    assert place.label == "Zyxwv Street, Northampton, MA"  # no house number kept
    (request,) = stub.requests
    assert request["path"] == "/search"
    params = request["params"]
    assert params["q"] == STREET
    assert params["format"] == "json"
    assert params["countrycodes"] == "us"
    assert params["bounded"] == "1"
    assert "viewbox" in params
    assert request["user_agent"] == "iop-finder-test/0.1 (admin@example.org)"


def test_nominatim_sends_the_api_key_when_set(stub, tmp_path, clock):
    settings = nominatim_settings(stub.port, tmp_path, geocoder_api_key="k-123")
    NominatimGeocoder(settings, clock=clock, sleep=clock.sleep).geocode(STREET)
    assert stub.requests[0]["params"]["key"] == "k-123"


def test_nominatim_no_match_returns_none(nominatim, stub):
    assert nominatim.geocode("1 nomatch road, Boston") is None
    assert len(stub.requests) == 1


def test_nominatim_result_outside_the_search_box_is_no_match(nominatim):
    assert nominatim.geocode("1 faraway road, Boston") is None


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("1 status429 road, Boston", "busy"),
        ("1 status500 road, Boston", "isn't answering"),
        ("1 notjson road, Boston", "isn't answering"),
        ("1 slow road, Boston", "isn't answering"),  # 1 s reply, 0.3 s timeout
    ],
)
def test_nominatim_failures_map_to_geocode_unavailable(nominatim, stub, query, message):
    with pytest.raises(GeocodeUnavailable) as info:
        nominatim.geocode(query)
    assert message in info.value.user_message
    # The typed text is in neither message, and nothing was retried.
    assert "road" not in str(info.value)
    assert "road" not in info.value.user_message
    assert len(stub.requests) == 1


def test_nominatim_refused_connection_maps_to_unavailable(tmp_path, clock):
    with StubNominatim() as dead:
        port = dead.port  # closed again on exit: nothing listens there now
    geocoder = NominatimGeocoder(nominatim_settings(port, tmp_path), clock=clock, sleep=clock.sleep)
    with pytest.raises(GeocodeUnavailable):
        geocoder.geocode(STREET)


def test_failures_are_not_cached(nominatim, stub):
    for _ in range(2):
        with pytest.raises(GeocodeUnavailable):
            nominatim.geocode("1 status500 road, Boston")
    assert len(stub.requests) == 2


def test_cache_hit_sends_zero_requests(nominatim, stub, tmp_path, clock):
    first = nominatim.geocode(STREET)
    assert len(stub.requests) == 1
    hit = nominatim.geocode("45  zyxwv street northampton ma 01060")  # normalized key
    assert hit is not None
    assert (hit.lat, hit.lon) == (round(first.lat, 3), round(first.lon, 3))
    assert nominatim.geocode("1 nomatch road, Boston") is None
    assert nominatim.geocode("1 NOMATCH ROAD BOSTON") is None  # a cached miss
    assert len(stub.requests) == 2
    # The cache persists: a new client (a restarted app) sends nothing either. It
    # keeps the town and coordinates rounded to ~100 m, not the road (issue 17).
    again = NominatimGeocoder(nominatim_settings(stub.port, tmp_path), clock=clock, sleep=clock.sleep)
    cached = again.geocode(STREET)
    assert cached is not None
    assert (cached.lat, cached.lon) == (round(first.lat, 3), round(first.lon, 3))
    assert cached.label == "Northampton, MA"
    assert (cached.precision, cached.source) == (first.precision, first.source)
    assert len(stub.requests) == 2


def test_cache_file_does_not_list_what_people_typed(nominatim, tmp_path):
    nominatim.geocode(STREET)
    text = (tmp_path / "geocode-cache.json").read_text()
    assert "45" not in json.loads(text)["entries"][nominatim.cache.key(STREET)]["label"]
    assert STREET not in text
    assert nominatim.cache.key(STREET) in text


def test_corrupt_cache_file_starts_empty(tmp_path):
    path = tmp_path / "cache.json"
    path.write_text("{not json")
    cache = GeocodeCache(path, b"secret")
    assert cache.get("anything") == (False, None)
    cache.put("anything", HOUSE)
    assert GeocodeCache(path, b"secret").get("ANYTHING") == (True, HOUSE)


def test_geocode_cache_privacy_keys_are_hmac_with_a_secret_and_entries_keep_no_road(
        nominatim, tmp_path):
    """Issue 17, defect 12: an unsalted SHA-256 key and full coordinates plus road were stored."""
    import hashlib
    import stat

    nominatim.geocode(STREET)
    text = (tmp_path / "geocode-cache.json").read_text()
    doc = json.loads(text)
    plain_sha = hashlib.sha256(b"45 zyxwv street northampton ma 01060").hexdigest()
    assert plain_sha not in text  # a guessed address can't be checked without the secret
    (entry,) = doc["entries"].values()
    assert "Zyxwv" not in entry["label"]
    assert entry["lat"] == round(entry["lat"], 3)
    assert entry["lon"] == round(entry["lon"], 3)
    key_file = tmp_path / ".geocode-cache.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    # Another secret reads nothing back.
    assert GeocodeCache(tmp_path / "geocode-cache.json", b"other").get(STREET) == (False, None)


def test_geocode_cache_from_the_old_format_is_dropped_not_kept(tmp_path):
    path = tmp_path / "cache.json"
    path.write_text(json.dumps({"version": 1, "entries": {"ab": {"lat": 42.123456, "lon": -71.1,
                                "label": "45 Main St, Boston", "precision": "address", "source": "x"}}}))
    assert GeocodeCache(path, b"k").get("45 Main St, Boston") == (False, None)
    assert "Main St" not in path.read_text()


def test_geopy_logger_is_quiet_so_typed_addresses_never_reach_the_log(caplog):
    """Issue 17, defect 12: geopy logs the request URL at INFO when a service echoes it."""
    import finder.geocode  # noqa: F401  (sets the level)

    caplog.set_level(logging.DEBUG)
    assert logging.getLogger("geopy.geocoders.base").getEffectiveLevel() > logging.CRITICAL
    logging.getLogger("geopy.geocoders.base").info("https://nominatim/search?q=45+Zyxwv+Street")
    logging.getLogger("geopy").error("45 Zyxwv Street")
    assert "Zyxwv" not in caplog.text


def test_rate_limit_spaces_requests_with_an_injected_clock(nominatim, stub, clock):
    nominatim.geocode("1 First Street, Boston")
    nominatim.geocode("2 Second Street, Boston")  # immediately after: must wait 1 s
    assert clock.sleeps == [pytest.approx(1.0)]
    clock.now += 5.0  # a later request needs no wait
    nominatim.geocode("3 Third Street, Boston")
    assert clock.sleeps == [pytest.approx(1.0)]
    assert len(stub.requests) == 3


def test_locator_with_nominatim_end_to_end(stub, tmp_path, clock):
    online = NominatimGeocoder(nominatim_settings(stub.port, tmp_path), clock=clock, sleep=clock.sleep)
    locator = build_locator(nominatim_settings(stub.port, tmp_path), online=online)
    assert locator.locate("02139").source == "gazetteer"
    assert locator.locate("Worcester").source == "gazetteer"
    assert stub.requests == []  # ZIP codes and towns never leave the server
    assert locator.locate(STREET).precision is Precision.ADDRESS
    slow = locator.locate("1 slow road, Northampton, MA 01060")
    assert (slow.precision, slow.source) == (Precision.ZIP, "gazetteer")
    assert "isn't answering" in slow.note


def test_nothing_typed_is_logged_at_info_or_above(stub, tmp_path, clock, caplog):
    caplog.set_level(logging.INFO)
    online = NominatimGeocoder(nominatim_settings(stub.port, tmp_path), clock=clock, sleep=clock.sleep)
    locator = Locator(online=online)
    for text in [
        "45 Zyxwv Street, Northampton, MA 01060",
        "1 Zyxwv status429 Rd, Boston",
        "1 Zyxwv status500 Rd, Boston",
        "1 Zyxwv notjson Rd, Boston",
        "1 Zyxwv slow Rd, Boston",
        "1 Zyxwv nomatch Rd, Boston",
        "Zyxwvtown",
    ]:
        with contextlib.suppress(GeocodeError):
            locator.locate(text)
    assert caplog.records  # the failures were logged...
    assert "zyxwv" not in caplog.text.lower()  # ...without what was typed


# -- accuracy on real addresses ----------------------------------------------------


def test_offline_accuracy_on_real_iop_addresses_meets_the_target(shared_data, monkeypatch):
    spec = importlib.util.spec_from_file_location("geocode_accuracy", ROOT / "scripts" / "geocode_accuracy.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)  # dataclasses look their module up
    spec.loader.exec_module(module)
    result = module.measure(shared_data / "findtreatment" / "FindTreatment_MA_2025-08-19.csv")
    assert len(result.distances_miles) == 80
    assert result.failures == 0
    assert result.median_miles <= 2.0

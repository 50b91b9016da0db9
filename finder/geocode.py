"""Turn what a person types into a place: offline first, a real geocoder behind it.

The public API the UI, the admin refresh and the CLI call:

``build_locator(settings, *, online=None) -> Locator``
    The gazetteer alone when ``settings.geocoder == "off"`` (the default), or
    the gazetteer plus :class:`NominatimGeocoder` for typed street addresses.
``Locator.locate(text) -> Place``
    ZIP codes, towns, villages and regions are always answered offline; only a
    street address goes to the online geocoder, and only when it is on.
``Locator.from_device(lat, lon) -> Place``
    The browser's position, labelled with the nearest town, offline.
``Locator.geocode_address(street, city, zip_code) -> Place``
    For the admin refresh of programs that lack coordinates.

Privacy: nothing a person typed is logged at INFO or above, and no error
message carries it (geopy's own messages can hold the request URL, so they are
kept out of ours). With the online geocoder off, nothing leaves the server.

geopy's exceptions are translated here, once, to :class:`~finder.errors.GeocodeUnavailable`
or :class:`~finder.errors.GeocodeNotFound`, each with a ``user_message``.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import logging
import math
import os
import re
import threading
import time
import unicodedata
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from finder.config import Settings
from finder.errors import GeocodeError, GeocodeNotFound, GeocodeUnavailable, Say
from finder.gazetteer import Gazetteer, ParsedInput, default_gazetteer
from finder.geo import in_massachusetts
from finder.model import Place, Precision

__all__ = [
    "MAX_INPUT_CHARS",
    "SEARCH_BOX",
    "GeocodeCache",
    "Locator",
    "NominatimGeocoder",
    "OnlineGeocoder",
    "build_locator",
]

log = logging.getLogger(__name__)

# geopy logs request URLs (with the typed address) and call arguments when a
# service echoes them in an error (issue 17, defect 12). What people type is
# health-related, so geopy's own log is kept quiet; our code logs each failure
# once, without the query (``_translate``).
logging.getLogger("geopy").setLevel(logging.CRITICAL + 1)

#: Decimals kept for cached coordinates: 3 is about 110 m, enough to measure
#: miles to programs, and no more precise than the search needs.
CACHE_DECIMALS = 3

#: Longest text ``locate`` accepts; a real address is far shorter.
MAX_INPUT_CHARS = 200

#: Online results must fall in this box: Massachusetts and its neighboring
#: states' near parts (south, west, north, east).
SEARCH_BOX: tuple[float, float, float, float] = (40.90, -74.10, 43.70, -69.50)

#: A device farther than this from every town centre is labelled "Your location".
_NEAR_TOWN_MILES = 25.0

_NEARBY_STATES = frozenset(
    {"Massachusetts", "Rhode Island", "Connecticut", "New York", "Vermont", "New Hampshire"}
)


@runtime_checkable
class OnlineGeocoder(Protocol):
    """A street-address geocoder behind the gazetteer (a fake in tests).

    Attributes
    ----------
    name : str
        The service as people know it, e.g. ``"OpenStreetMap Nominatim
        (nominatim.openstreetmap.org)"``; named in the privacy disclosure.
    """

    name: str

    def geocode(self, query: str) -> Place | None:
        """Return the place of a street address, or None when nothing matched.

        Parameters
        ----------
        query : str
            A street address in Massachusetts.

        Returns
        -------
        Place or None

        Raises
        ------
        GeocodeUnavailable
            The service failed, timed out or refused the request.
        """
        ...


# -- the persistent cache -------------------------------------------------------


def _normalize_query(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    text = re.sub(r"[\s,.;]+", " ", text)
    return text.strip()


def cache_secret(settings: Settings) -> bytes:
    """Return the secret for the cache's keys: the setting, or a generated file (mode 0600).

    Parameters
    ----------
    settings : Settings
        ``geocode_cache_secret``, else ``geocode_cache_key_path`` is used.

    Returns
    -------
    bytes
    """
    if settings.geocode_cache_secret.strip():
        return settings.geocode_cache_secret.encode("utf-8")
    path = settings.geocode_cache_key_path
    try:
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    except FileNotFoundError:
        pass
    except (OSError, ValueError):
        log.warning("geocode cache key %s is unreadable; the cache is not kept on disk", path)
        return b""
    secret = os.urandom(32)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(secret.hex() + "\n")
    except FileExistsError:  # another process made it first: use theirs
        return cache_secret(settings)
    except OSError as err:
        log.warning("could not write geocode cache key %s: %s", path, err.strerror)
        return b""
    return secret


class GeocodeCache:
    """A JSON file of online answers, keyed by an HMAC of the normalized input.

    Keys are HMAC-SHA256 digests of the normalized query under a secret
    (``cache_secret``), so the file does not list what people typed, and a
    guessed address can't be checked against it without the secret. Entries
    keep no more than the search needs: coordinates rounded to
    ``CACHE_DECIMALS`` and the town, never the road or house number.
    ``None`` values record "no match" so that a repeated miss is not sent
    either. Writes are atomic (temp file and rename); a missing, unreadable
    or corrupt file, or one from an older format, starts an empty cache.
    Without a secret (``b""``) nothing is kept on disk.

    Parameters
    ----------
    path : Path
        The cache file; its folder is created on first write.
    secret : bytes
        The HMAC key.
    """

    FORMAT = 2

    def __init__(self, path: Path, secret: bytes = b"") -> None:
        self.path = Path(path)
        self._secret = secret
        self._lock = threading.Lock()
        self._entries: dict[str, dict[str, Any] | None] | None = None

    def key(self, query: str) -> str:
        """Return the cache key of a query."""
        return hmac.new(self._secret, _normalize_query(query).encode("utf-8"), hashlib.sha256).hexdigest()

    def _load(self) -> dict[str, dict[str, Any] | None]:
        if self._entries is None:
            if not self._secret:
                self._entries = {}
                return self._entries
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
                entries = data.get("entries", {}) if isinstance(data, dict) else {}
                self._entries = entries if isinstance(entries, dict) else {}
                if not isinstance(data, dict) or data.get("version") != self.FORMAT:
                    # An older file kept full coordinates and roads: drop it now.
                    self._entries = {}
                    self._write(self._entries)
            except FileNotFoundError:
                self._entries = {}
            except (OSError, ValueError, RecursionError):
                log.warning("geocode cache %s is unreadable; starting an empty one", self.path)
                self._entries = {}
        return self._entries

    def get(self, query: str) -> tuple[bool, Place | None]:
        """Return ``(hit, place)``; ``place`` is None for a cached "no match".

        Parameters
        ----------
        query : str

        Returns
        -------
        (bool, Place or None)
        """
        with self._lock:
            entries = self._load()
            key = self.key(query)
            if key not in entries:
                return False, None
            value = entries[key]
        if value is None:
            return True, None
        try:
            return True, Place(
                float(value["lat"]),
                float(value["lon"]),
                str(value["label"]),
                Precision(value["precision"]),
                str(value["source"]),
            )
        except (KeyError, TypeError, ValueError):
            return False, None

    def put(self, query: str, place: Place | None) -> None:
        """Store an answer (or a "no match") and write the file.

        Parameters
        ----------
        query : str
        place : Place or None
            Pass the town-level place (``NominatimGeocoder`` does): its label
            is stored as is, its coordinates rounded.
        """
        with self._lock:
            entries = self._load()
            entries[self.key(query)] = None if place is None else {
                "lat": round(place.lat, CACHE_DECIMALS),
                "lon": round(place.lon, CACHE_DECIMALS),
                "label": place.label,
                "precision": str(place.precision),
                "source": place.source,
            }
            if self._secret:
                self._write(entries)

    def __len__(self) -> int:
        with self._lock:
            return len(self._load())

    def _write(self, entries: dict[str, dict[str, Any] | None]) -> None:
        from finder.store.atomic import PRIVATE_MODE, atomic_write

        data = json.dumps({"version": self.FORMAT, "entries": entries}, separators=(",", ":"))
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # Owner only, as mkstemp made it before: what people typed, if keyed by HMAC.
            atomic_write(self.path, data.encode("utf-8"), mode=PRIVATE_MODE)
        except OSError as err:
            # A read-only disk costs repeat lookups, not the search itself.
            log.warning("could not write geocode cache %s: %s", self.path, err.strerror)


# -- Nominatim through geopy ----------------------------------------------------


def _rate_limiter(
    func: Callable[..., Any],
    min_delay_s: float,
    clock: Callable[[], float] | None,
    sleep: Callable[[float], None] | None,
) -> Callable[..., Any]:
    from geopy.extra.rate_limiter import RateLimiter

    class _Limiter(RateLimiter):
        # geopy's RateLimiter reads time through these two methods; tests inject
        # a fake clock here instead of waiting.
        def _clock(self) -> float:
            return clock() if clock is not None else time.monotonic()

        def _sleep(self, seconds: float) -> None:
            (sleep or time.sleep)(seconds)

    # No retries: a retry would wait ``error_wait_seconds`` while a person
    # waits for the page, and geopy logs the call arguments (the typed
    # address) at WARNING when it retries or swallows an error.
    return _Limiter(
        func,
        min_delay_seconds=min_delay_s,
        max_retries=0,
        error_wait_seconds=min_delay_s,
        swallow_exceptions=False,
    )


class NominatimGeocoder:
    """Street addresses through geopy's Nominatim client, politely.

    Nominatim usage policy (https://operations.osmfoundation.org/policies/nominatim/):
    at most 1 request per second, an identifying User-Agent, and cached
    results. Results are bounded to Massachusetts and its neighbors.

    Parameters
    ----------
    settings : Settings
        ``geocoder_domain``, ``geocoder_scheme``, ``geocoder_user_agent``,
        ``geocoder_timeout_s``, ``geocoder_api_key``, ``geocoder_min_delay_s``
        and ``geocode_cache_path`` are used.
    clock, sleep : callable, optional
        Time source and sleep for the rate limiter (tests pass fakes).
    adapter_factory : callable, optional
        geopy adapter factory. The default is geopy's ``RequestsAdapter``
        without retries, so that one request takes at most the timeout: with
        its default retries a timeout costs three times as long and surfaces
        as ``GeocoderUnavailable`` (``../shared/NOTES.md`` section 4).
    """

    source = "nominatim"

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], None] | None = None,
        adapter_factory: Callable[..., Any] | None = None,
    ) -> None:
        from geopy.geocoders import Nominatim

        if adapter_factory is None:
            from geopy.adapters import RequestsAdapter

            adapter_factory = functools.partial(RequestsAdapter, max_retries=0)
        api_key = settings.geocoder_api_key

        class _Nominatim(Nominatim):
            # Nominatim-compatible hosts that need a key take it as ``key=``
            # (as geopy's own OpenMapQuest subclass does).
            def _construct_url(self, base_api: str, params: dict[str, Any]) -> str:
                if api_key:
                    params["key"] = api_key
                return super()._construct_url(base_api, params)

        self.domain = settings.geocoder_domain
        self.name = f"OpenStreetMap Nominatim ({self.domain})"
        self.timeout_s = float(settings.geocoder_timeout_s)
        self._client = _Nominatim(
            domain=settings.geocoder_domain,
            scheme=settings.geocoder_scheme,
            user_agent=settings.geocoder_user_agent,
            timeout=self.timeout_s,
            adapter_factory=adapter_factory,
        )
        self._geocode = _rate_limiter(
            self._client.geocode, float(settings.geocoder_min_delay_s), clock, sleep
        )
        self.cache = GeocodeCache(settings.geocode_cache_path, cache_secret(settings))

    def geocode(self, query: str) -> Place | None:
        """Return the place of a street address, from the cache or the service.

        Parameters
        ----------
        query : str
            A street address.

        Returns
        -------
        Place or None
            None when the service found nothing inside the search box.

        Raises
        ------
        GeocodeUnavailable
            Timeout, refused connection, HTTP error, rate limit or a reply
            that is not JSON.
        """
        hit, cached = self.cache.get(query)
        if hit:
            log.debug("geocode cache hit")
            return cached
        from geopy.point import Point

        south, west, north, east = SEARCH_BOX
        try:
            location = self._geocode(
                query,
                exactly_one=True,
                addressdetails=True,
                country_codes=["us"],
                viewbox=[Point(south, west), Point(north, east)],
                bounded=True,
                timeout=self.timeout_s,
            )
        except Exception as err:
            raise _translate(err, self.name) from err
        place = None if location is None else self._to_place(location.raw)
        # The cache keeps the town, not the road: the person sees the road now,
        # a later search of the same text sees the town.
        self.cache.put(query, None if place is None else replace(place, label=_area_label(location.raw)))
        return place

    def _to_place(self, raw: dict[str, Any]) -> Place | None:
        try:
            lat, lon = float(raw["lat"]), float(raw["lon"])
        except (KeyError, TypeError, ValueError):
            return None
        south, west, north, east = SEARCH_BOX
        if not (south <= lat <= north and west <= lon <= east):
            return None
        address = raw.get("address") or {}
        state = address.get("state")
        if state and state not in _NEARBY_STATES:
            return None
        return Place(lat, lon, _label(raw, address), _precision(raw, address), self.source)


def _label(raw: dict[str, Any], address: dict[str, Any]) -> str:
    # The street and town, without the house number: enough to show where we
    # searched from, and less to keep in the cache.
    road = address.get("road") or address.get("pedestrian") or address.get("street")
    town = next(
        (address[k] for k in ("city", "town", "village", "hamlet", "suburb") if address.get(k)),
        None,
    )
    state = address.get("state")
    abbrev = "MA" if state in (None, "Massachusetts") else state
    if road and town:
        return f"{road}, {town}, {abbrev}"
    if town:
        return f"{town}, {abbrev}"
    parts = [p.strip() for p in str(raw.get("display_name", "")).split(",") if p.strip()]
    parts = [p for p in parts if not p.isdigit()]
    return ", ".join(parts[:3]) or "Address found"


def _area_label(raw: dict[str, Any]) -> str:
    """Return the place's town and state only (what the cache keeps), never the road."""
    address = raw.get("address") or {}
    town = next(
        (address[k] for k in ("city", "town", "village", "hamlet", "suburb") if address.get(k)),
        None,
    )
    state = address.get("state")
    abbrev = "MA" if state in (None, "Massachusetts") else state
    return f"{town}, {abbrev}" if town else "Address found"


def _precision(raw: dict[str, Any], address: dict[str, Any]) -> Precision:
    kind = str(raw.get("addresstype") or raw.get("type") or "")
    if kind == "postcode":
        return Precision.ZIP
    if kind in {"city", "town", "municipality", "county", "state"}:
        return Precision.TOWN
    if kind in {"village", "hamlet", "suburb", "neighbourhood", "quarter", "locality"}:
        return Precision.PLACE
    return Precision.ADDRESS


def _translate(err: Exception, service: str) -> GeocodeError:
    """Map a geopy (or other) exception to ours, once, without the query in it."""
    from geopy import exc

    kind = type(err).__name__
    if isinstance(err, exc.GeocoderRateLimited):
        log.warning("%s rate-limited the request (HTTP 429)", service)
        return GeocodeUnavailable(
            f"{service}: rate limited ({kind})",
            user_message=Say(
                "The address lookup service is busy right now. "
                "Try again in a minute, or search by ZIP code or town."
            ),
        )
    if isinstance(err, exc.GeocoderTimedOut | exc.GeocoderUnavailable):
        # With requests installed, geopy reports a timeout as GeocoderUnavailable
        # when the adapter retries (../shared/NOTES.md section 4): same answer.
        log.warning("%s did not answer (%s)", service, kind)
        return GeocodeUnavailable(f"{service}: no answer ({kind})")
    if isinstance(err, exc.GeocoderAuthenticationFailure | exc.GeocoderInsufficientPrivileges):
        log.error("%s refused us (%s): check the API key and user agent settings", service, kind)
        return GeocodeUnavailable(f"{service}: refused ({kind})")
    if isinstance(err, exc.GeocoderQueryError):
        return GeocodeNotFound(
            f"{service}: query rejected ({kind})",
            user_message=Say("We couldn't find that address. Check it, or try a ZIP code or town."),
        )
    if isinstance(err, exc.GeopyError):
        log.warning("%s failed (%s)", service, kind)
        return GeocodeUnavailable(f"{service}: failed ({kind})")
    log.warning("%s failed unexpectedly (%s)", service, kind)
    return GeocodeUnavailable(f"{service}: unexpected {kind}")


# -- the locator ----------------------------------------------------------------


def _check_text(text: object) -> str:
    if not isinstance(text, str):
        raise GeocodeError(
            f"expected text, got {type(text).__name__}",
            user_message=Say("Type a ZIP code, town or address in Massachusetts."),
        )
    stripped = text.strip()
    if not stripped:
        raise GeocodeError(
            "empty location",
            user_message=Say("Type a ZIP code, town or address in Massachusetts."),
        )
    if len(stripped) > MAX_INPUT_CHARS:
        raise GeocodeError(
            f"location is {len(stripped)} characters long",
            user_message=Say(
                "That is too long for a place (over {limit} characters). "
                "Type just a ZIP code, town or street address.", limit=MAX_INPUT_CHARS
            ),
        )
    if any(
        unicodedata.category(c) in {"Cc", "Cs", "Co", "Cn"} and c not in "\t\n\r"
        for c in stripped
    ) or "\ufffd" in stripped:
        raise GeocodeError(
            "control or binary characters in location",
            user_message=Say(
                "That doesn't look like a place name. "
                "Type a ZIP code, town or address in Massachusetts."
            ),
        )
    if not any(c.isalnum() for c in stripped):
        raise GeocodeError(
            "no letters or digits in location",
            user_message=Say(
                "That doesn't look like a place name. "
                "Type a ZIP code, town or address in Massachusetts."
            ),
        )
    return stripped


class Locator:
    """Turns text or a device position into a :class:`~finder.model.Place`.

    Parameters
    ----------
    gazetteer : Gazetteer, optional
        Defaults to the package data, loaded on first use.
    online : OnlineGeocoder, optional
        Street-address geocoder; None keeps everything offline.
    """

    def __init__(
        self, gazetteer: Gazetteer | None = None, online: OnlineGeocoder | None = None
    ) -> None:
        self._gazetteer = gazetteer
        self.online = online

    @property
    def gazetteer(self) -> Gazetteer:
        """The offline gazetteer (loaded on first use)."""
        if self._gazetteer is None:
            self._gazetteer = default_gazetteer()
        return self._gazetteer

    @property
    def disclosure(self) -> str | None:
        """What the app must tell people about typed addresses, or None when offline-only."""
        if self.online is None:
            return None
        return Say(
            "Street addresses you type are sent to {service} to find them on the "
            "map. ZIP codes and town names are looked up on this server and are not sent "
            "anywhere.", service=self.online.name
        )

    def locate(self, text: str) -> Place:
        """Turn what a person typed into a place.

        Parameters
        ----------
        text : str
            A ZIP code (ZIP+4 too), town ("Worcester", "Worcester, MA"), village
            or neighborhood ("Dorchester", "Hyannis"), region ("Cape Cod"), or a
            street address.

        Returns
        -------
        Place
            ``note`` says when a typo was corrected or when a street address
            was reduced to its ZIP code or town.

        Raises
        ------
        GeocodeError
            Empty, overlong, binary or punctuation-only input.
        GeocodeNotFound
            Nothing in Massachusetts matched; ``suggestions`` may help.
        GeocodeUnavailable
            The online geocoder failed and the text holds no ZIP or town to
            fall back on.
        """
        cleaned = _check_text(text)  # before loading anything
        parsed = self.gazetteer.parse(cleaned)
        if not parsed.is_street_address:
            return self.gazetteer.locate_parsed(parsed)
        if self.online is None:
            return self._fallback(parsed, Say("Street addresses are not looked up on this site"))
        try:
            place = self.online.geocode(parsed.text)
        except GeocodeUnavailable as err:
            return self._fallback(parsed, Say("The address lookup service isn't answering"), err)
        except GeocodeNotFound as err:
            return self._fallback(parsed, Say("We couldn't find that street address"), err)
        if place is None:
            return self._fallback(
                parsed,
                Say("We couldn't find that street address"),
                GeocodeNotFound("online geocoder: no match"),
            )
        return place

    def _fallback(
        self, parsed: ParsedInput, reason: str, err: GeocodeError | None = None
    ) -> Place:
        """Answer with the ZIP or town in the text, saying that precision dropped."""
        try:
            place = self.gazetteer.locate_parsed(parsed)
        except GeocodeNotFound:
            if isinstance(err, GeocodeUnavailable):
                raise err from None
            raise
        what = {
            Precision.ZIP: Say("the ZIP code"),
            Precision.TOWN: Say("the town"),
            Precision.PLACE: Say("the area"),
        }.get(place.precision, Say("the area"))
        note = Say("{reason}, so distances are measured from {what} ({place}), not the street.",
                   reason=reason, what=what, place=place.label)
        return replace(place, note=Say.joined(place.note, note))

    def suggestions(self, text: str) -> list[str]:
        """Return up to five place labels that complete or correct ``text`` (offline).

        Parameters
        ----------
        text : str

        Returns
        -------
        list of str
            Each one resolves with :meth:`locate`. Empty for unusable input.
        """
        try:
            return self.gazetteer.suggest(_check_text(text))
        except GeocodeError:
            return []

    def from_device(self, lat: float, lon: float) -> Place:
        """Return the place of the browser's position, labelled with the nearest town.

        Parameters
        ----------
        lat, lon : float
            WGS84 coordinates from the browser.

        Returns
        -------
        Place
            Precision ``device``, source ``browser``, label e.g. ``"Near Cambridge"``.

        Raises
        ------
        GeocodeError
            When the coordinates are not numbers on Earth.
        """
        try:
            lat, lon = float(lat), float(lon)
        except (TypeError, ValueError) as err:
            raise GeocodeError(
                "device position is not numeric",
                user_message=Say("We couldn't read your device's location. Type a ZIP code or town."),
            ) from err
        if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
            raise GeocodeError(
                "device position out of range",
                user_message=Say("We couldn't read your device's location. Type a ZIP code or town."),
            )
        town, miles = self.gazetteer.nearest_town(lat, lon)
        label = f"Near {town.name}" if miles <= _NEAR_TOWN_MILES else "Your location"
        note = ""
        if not in_massachusetts(lat, lon):
            note = Say(
                "Your device's location is outside Massachusetts; "
                "distances are measured from where you are."
            )
        return Place(lat, lon, label, Precision.DEVICE, "browser", note)

    def geocode_address(self, street: str, city: str, zip_code: str) -> Place:
        """Locate a program's address for the admin refresh.

        Online (when enabled) at street level; otherwise, or when that fails,
        the ZIP code's centroid, then the town's centre, with the matching
        precision and a note.

        Parameters
        ----------
        street, city, zip_code : str
            Columns of the provider CSV.

        Returns
        -------
        Place

        Raises
        ------
        GeocodeNotFound
            Neither the ZIP code nor the town is in Massachusetts.
        """
        street, city, zip_code = (street or "").strip(), (city or "").strip(), (zip_code or "").strip()
        reason = "Street addresses are not looked up"
        if self.online is not None and street:
            query = ", ".join(p for p in (street, city, f"MA {zip_code}".strip()) if p)
            try:
                place = self.online.geocode(query)
            except GeocodeUnavailable:
                place, reason = None, "The address lookup service isn't answering"
            except GeocodeNotFound:
                place, reason = None, "The address was not found"
            else:
                if place is not None:
                    return place
                reason = "The address was not found"
        gaz = self.gazetteer
        zip_place = gaz.lookup_zip(zip_code) if zip_code else None
        if zip_place is not None:
            return replace(zip_place, note=f"{reason}; used the ZIP code's centre.")
        town_place = gaz.lookup_town(city) if city else None
        if town_place is not None:
            return replace(town_place, note=f"{reason}; used the town's centre.")
        raise GeocodeNotFound(
            "neither ZIP nor town is in Massachusetts",
            user_message=(
                "Neither the ZIP code nor the city of this address is in Massachusetts. "
                "Check them, or fill in latitude and longitude."
            ),
        )


def build_locator(
    settings: Settings | None = None, *, online: OnlineGeocoder | None = None
) -> Locator:
    """Return the locator the settings ask for.

    Parameters
    ----------
    settings : Settings, optional
        Defaults to ``Settings.from_env()``. ``geocoder="off"`` (the default)
        keeps everything offline; ``"nominatim"`` adds :class:`NominatimGeocoder`.
    online : OnlineGeocoder, optional
        Use this online geocoder instead of building one (tests pass a fake or
        a Nominatim client pointed at a stub server). Ignored when the settings
        turn the online geocoder off.

    Returns
    -------
    Locator
        Cheap to build: the gazetteer loads on the first lookup.
    """
    settings = Settings.from_env() if settings is None else settings
    if not settings.geocoder_enabled:
        return Locator()
    if online is None:
        online = NominatimGeocoder(settings)
    return Locator(online=online)

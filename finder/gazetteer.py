"""Offline gazetteer: turn a ZIP code, town, village or region into a point.

Everything here runs on the server with no network. The data is loaded once,
lazily, on the first lookup (package CSV files, a few tens of milliseconds);
after that an answer takes well under a millisecond.

Sources
-------
``finder/data/ma_zips.csv``
    Every Massachusetts ZIP code in the ``zipcodes`` package (704), with its
    centroid, copied by ``scripts/make_gazetteer.py``. PO-box and
    single-organization ZIPs whose point sits miles from their town
    (``zipcodes`` parks some of them oddly) take the town's centre.
``finder/data/ma_towns.csv``
    All 351 cities and towns with county and centre, built from ``zipcodes``
    by ``scripts/make_gazetteer.py``.
``finder/data/ma_places.csv``
    Villages, neighborhoods, counties and regions people type ("Dorchester",
    "Hyannis", "Florence", "Cape Cod", "North Shore").

Understood forms: ``"02139"``, ZIP+4 (``"02139-4307"``), ``"Worcester"``,
``"Worcester, MA"``, ``"Town MA 01234"``, ``"Hyannis, Barnstable"``, a street
address from which a ZIP or town can be read (with ``usaddress``), and typos,
which are corrected with ``rapidfuzz`` when one answer is clearly meant
("did you mean"). A name outside Massachusetts is never picked: "Springfield"
is Springfield, MA, while "Springfield, IL", "Springfield, Ill.", "Washington,
D.C." and "Cambridge, England" are refused with a message. What is not used is
said in ``Place.note``: a trailing word that names nothing we know ("Boston,
Lincolnshire" searches Boston, MA and says so), and a town that disagrees with
its ZIP code ("Lowell, MA 01060": the ZIP wins, and the note says it is in
Northampton).
"""

from __future__ import annotations

import csv
import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, replace
from importlib import resources

from finder.errors import GeocodeNotFound, OutsideMassachusetts, Say
from finder.geo import distance_miles
from finder.model import Place, Precision

__all__ = [
    "SOURCE",
    "Gazetteer",
    "NamedPlace",
    "ParsedInput",
    "Town",
    "ZipArea",
    "default_gazetteer",
    "read_package_csv",
]

#: ``Place.source`` of every gazetteer answer.
SOURCE = "gazetteer"

#: A non-STANDARD ZIP whose point lies farther than this from its town's
#: centre is not trusted; the town's centre is used instead.
_PO_BOX_DRIFT_MILES = 3.0

#: A typo is corrected without asking when the best match scores at least this
#: (rapidfuzz ``ratio``, 0-100) and beats the runner-up by ``_AUTO_MARGIN``.
_AUTO_SCORE = 87.0
_AUTO_MARGIN = 4.0
#: Weaker matches are offered as "did you mean" suggestions only.
_SUGGEST_SCORE = 70.0

#: The states around Massachusetts, by how people write them: a place there may be
#: close enough to use a Massachusetts program.
_NEIGHBOUR_STATES = {
    "nh": "NH", "new hampshire": "NH", "ri": "RI", "rhode island": "RI", "ct": "CT",
    "conn": "CT", "connecticut": "CT", "vt": "VT", "vermont": "VT", "ny": "NY",
    "new york": "NY", "me": "ME", "maine": "ME",
}  # fmt: skip
#: An out-of-state place at most this far from Massachusetts (its nearest ZIP code
#: centre) is offered the Massachusetts programs nearest to it.
NEAR_BORDER_MILES = 25.0
#: Where to look outside Massachusetts, said with every out-of-state answer.
ELSEWHERE = Say(
    "For other states, search FindTreatment.gov or call the SAMHSA National Helpline "
    "at 1-800-662-4357."
)

_STATE_WORDS = {"ma", "mass", "massachusetts", "usa", "us", "united states", "u s a", "u s"}

#: Other US states: a name followed by one of these is outside Massachusetts.
_OTHER_STATE_CODES = frozenset(
    {
        "al", "ak", "az", "ar", "ca", "co", "ct", "de", "dc", "fl", "ga", "hi", "id", "il",
        "in", "ia", "ks", "ky", "la", "me", "md", "mi", "mn", "ms", "mo", "mt", "ne", "nv",
        "nh", "nj", "nm", "ny", "nc", "nd", "oh", "ok", "or", "pa", "ri", "sc", "sd", "tn",
        "tx", "ut", "vt", "va", "wa", "wv", "wi", "wy", "pr",
    }
)  # fmt: skip
_OTHER_STATE_NAMES = frozenset(
    {
        "alabama", "alaska", "arizona", "arkansas", "california", "colorado", "connecticut",
        "delaware", "district of columbia", "florida", "georgia", "hawaii", "idaho", "illinois",
        "indiana", "iowa", "kansas", "kentucky", "louisiana", "maine", "maryland", "michigan",
        "minnesota", "mississippi", "missouri", "montana", "nebraska", "nevada",
        "new hampshire", "new jersey", "new mexico", "new york", "north carolina",
        "north dakota", "ohio", "oklahoma", "oregon", "pennsylvania", "rhode island",
        "south carolina", "south dakota", "tennessee", "texas", "utah", "vermont", "virginia",
        "washington", "west virginia", "wisconsin", "wyoming", "puerto rico",
    }
)  # fmt: skip

#: Older (AP-style) state abbreviations, usually written with a dot: "Springfield,
#: Ill.", "Hartford, Conn.". Read only after a comma or after a place name.
_OTHER_STATE_ABBREVIATIONS = frozenset(
    {
        "ala", "ariz", "ark", "calif", "cal", "colo", "conn", "del", "fla", "ill", "ind",
        "kan", "kans", "mich", "minn", "miss", "mont", "neb", "nebr", "nev", "okla", "ore",
        "oreg", "penn", "penna", "tenn", "tex", "wash", "wis", "wisc", "wyo",
    }
)  # fmt: skip
#: Countries and Canadian provinces people add after a town name ("Cambridge,
#: England"). Names that are also Massachusetts towns (Holland, Peru, Wales) are
#: left out: "Wales" is the town.
_FOREIGN_NAMES = frozenset(
    {
        "uk", "gb", "united kingdom", "great britain", "britain", "england", "scotland",
        "northern ireland", "ireland", "canada", "mexico", "france", "germany", "italy",
        "spain", "portugal", "netherlands", "belgium", "switzerland", "austria", "sweden",
        "norway", "denmark", "finland", "iceland", "poland", "greece", "turkey", "israel",
        "india", "pakistan", "china", "japan", "korea", "south korea", "philippines",
        "vietnam", "australia", "new zealand", "brazil", "argentina", "chile", "colombia",
        "ecuador", "venezuela", "cuba", "jamaica", "haiti", "dominican republic",
        "el salvador", "guatemala", "honduras", "cape verde", "cabo verde", "nigeria",
        "ghana", "kenya", "south africa", "egypt", "russia", "ukraine", "ontario", "quebec",
        "nova scotia", "new brunswick", "british columbia", "alberta", "manitoba",
        "saskatchewan", "newfoundland", "prince edward island",
    }
)  # fmt: skip

#: Abbreviations expanded inside names ("Mt Washington", "Harvard Sq").
_ABBREVIATIONS = {
    "mt": "mount",
    "ctr": "center",
    "centre": "center",
    "cntr": "center",
    "sq": "square",
    "vlg": "village",
    "hts": "heights",
    "pt": "point",
    "jct": "junction",
}
#: Compass abbreviations, expanded only as the first of several words.
_COMPASS = {"n": "north", "s": "south", "e": "east", "w": "west", "no": "north", "so": "south"}

#: Initials written with dots: "D.C.", "N. H.", "U.K." (but not "N. Attleboro").
_DOTTED_RE = re.compile(r"\b[A-Za-z](?:\.\s?[A-Za-z]\b)+\.?")
_ZIP_RE = re.compile(r"(?<![\d-])(\d{5})(?:\s?-\s?\d{4}|\d{4})?(?!\d)")
_ZIP_TYPO_RE = re.compile(r"(?<![\w-])([\dOoIiLl]{5})(?:-\d{4})?(?!\w)")
_STREET_WORDS = (
    r"st|street|ave|av|avenue|rd|road|blvd|boulevard|dr|drive|ln|lane|way|pl|place|ct|court"
    r"|ter|terrace|hwy|highway|pkwy|parkway|cir|circle|sq|square|tpke|turnpike|row|pike"
    r"|suite|ste|apt|unit|floor|fl|rte|route"
)
_HOUSE_NUMBER_RE = re.compile(r"^\s*(\d+)[a-z]?(?:-\d+)?\s+[^\W\d]", re.IGNORECASE)
_STREET_RE = re.compile(
    rf"\b(?:{_STREET_WORDS})\b\.?.*\d|\d.*\b(?:{_STREET_WORDS})\b|\bp\.?\s?o\.?\s+box\b",
    re.IGNORECASE,
)




def normalize(text: str) -> str:
    """Return the lookup key of a name: lower case, plain letters, words spelled out.

    ``"Mt. Washington"`` and ``"mount washington"`` share a key, as do
    ``"North Attleborough"`` and ``"N Attleboro"`` and ``"Martha's Vineyard"``
    and ``"marthas vineyard"``.

    Parameters
    ----------
    text : str
        A name as typed.

    Returns
    -------
    str
        Space-separated lower-case words, ``""`` when nothing is left.
    """
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = text.replace("&", " and ")
    text = re.sub(r"['’`ʼ]", "", text)
    words = re.sub(r"[^a-z0-9]+", " ", text).split()
    words = [_ABBREVIATIONS.get(w, w) for w in words]
    if len(words) > 1 and words[0] in _COMPASS:
        words[0] = _COMPASS[words[0]]
    key = " ".join(words)
    # -borough and -boro are the same town to everyone but the post office.
    return re.sub(r"borough\b", "boro", key)


@dataclass(frozen=True, slots=True)
class Town:
    """One of the 351 Massachusetts cities and towns.

    Parameters
    ----------
    name : str
        Legal name, e.g. ``"Manchester-by-the-Sea"``.
    county : str
        County without the word "County", e.g. ``"Essex"``.
    lat, lon : float
        The town's centre (median of its ZIP centroids).
    zips : tuple of str
        ZIP codes USPS files under the town's name.
    usps_names : tuple of str
        Other spellings USPS uses, e.g. ``("North Attleboro",)``.
    """

    name: str
    county: str
    lat: float
    lon: float
    zips: tuple[str, ...] = ()
    usps_names: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """What to show a person, e.g. ``"Worcester, MA"``."""
        return f"{self.name}, MA"


@dataclass(frozen=True, slots=True)
class NamedPlace:
    """A village, neighborhood, county or region.

    Parameters
    ----------
    name : str
        E.g. ``"Hyannis"`` or ``"Cape Cod"``.
    town : str
        The municipality it belongs to; ``""`` for counties and regions.
    kind : str
        ``"village"``, ``"neighborhood"``, ``"county"`` or ``"region"``.
    lat, lon : float
        Its point.
    zips : tuple of str
        ZIP codes with this place as their USPS city, if any.
    aliases : tuple of str
        Other names people use, e.g. ``("JP",)``.
    """

    name: str
    town: str
    kind: str
    lat: float
    lon: float
    zips: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """What to show a person, e.g. ``"Hyannis (Barnstable), MA"``."""
        if self.town:
            return f"{self.name} ({self.town}), MA"
        return f"{self.name}, MA"


@dataclass(frozen=True, slots=True)
class ZipArea:
    """One Massachusetts ZIP code.

    Parameters
    ----------
    zip_code : str
        Five digits, e.g. ``"02139"``.
    city : str
        The USPS city name (a town or a village), e.g. ``"Cambridge"``.
    county : str
        County without the word "County".
    lat, lon : float
        The point used for the ZIP.
    kind : str
        ``"STANDARD"``, ``"PO BOX"`` or ``"UNIQUE"``.
    """

    zip_code: str
    city: str
    county: str
    lat: float
    lon: float
    kind: str

    @property
    def label(self) -> str:
        """What to show a person, e.g. ``"Cambridge, MA 02139"``."""
        return f"{self.city}, MA {self.zip_code}"


@dataclass(frozen=True, slots=True)
class ParsedInput:
    """What could be read from a person's text.

    Parameters
    ----------
    text : str
        The text, trimmed.
    zip_code : str or None
        A five-digit ZIP code found in it (ZIP+4 cut to five).
    names : tuple of str
        Candidate place names, most specific first.
    is_street_address : bool
        Whether the text looks like a street address.
    other_state : str or None
        A US state other than Massachusetts named at the end, e.g. ``"il"``.
    zip_typo : str or None
        A ZIP code with letters for digits (``"02l39"``), corrected.
    town_hint : str or None
        The part most likely to name the town, for spelling correction.
    parts : tuple of str
        The comma-separated parts of a text that is not a street address, with
        state words removed: ``("Boston", "Lincolnshire")``. A match on one
        part alone leaves the others unexplained, which the answer says.
    """

    text: str
    zip_code: str | None = None
    names: tuple[str, ...] = ()
    is_street_address: bool = False
    other_state: str | None = None
    zip_typo: str | None = None
    town_hint: str | None = None
    parts: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class _Entry:
    """One name in the index."""

    label: str
    lat: float
    lon: float
    precision: Precision
    rank: int  # 0 town, 1 village/neighborhood, 2 county/region
    town: str  # the municipality, for "Village, Town" lookups
    display: str  # the name itself, for "did you mean"


class Gazetteer:
    """The offline index of Massachusetts ZIP codes, towns and places.

    Build it with :func:`default_gazetteer` (loads the package data once), or
    directly from rows in tests.

    Parameters
    ----------
    towns : iterable of Town
    places : iterable of NamedPlace
    zips : iterable of ZipArea
    """

    def __init__(
        self,
        towns: Iterable[Town],
        places: Iterable[NamedPlace],
        zips: Iterable[ZipArea],
    ) -> None:
        self.towns: tuple[Town, ...] = tuple(towns)
        self.places: tuple[NamedPlace, ...] = tuple(places)
        self.zips: dict[str, ZipArea] = {z.zip_code: z for z in zips}
        self._index: dict[str, list[_Entry]] = {}
        place_keys = {normalize(p.name) for p in self.places}
        for town in self.towns:
            entry = _Entry(town.label, town.lat, town.lon, Precision.TOWN, 0, town.name, town.name)
            self._add(town.name, entry)
            for name in town.usps_names:
                # "Vineyard Haven" is better answered by the village than by Tisbury.
                if normalize(name) not in place_keys:
                    self._add(name, entry)
        for place in self.places:
            rank = 2 if place.kind in {"county", "region"} else 1
            entry = _Entry(
                place.label, place.lat, place.lon, Precision.PLACE, rank, place.town, place.name
            )
            for name in (place.name, *place.aliases):
                self._add(name, entry)
        for entries in self._index.values():
            entries.sort(key=lambda e: e.rank)
        self._keys: list[str] = sorted(self._index)
        self._towns_by_name: dict[str, Town] = {t.name: t for t in self.towns}
        self._county_keys = frozenset(normalize(t.county) for t in self.towns)
        # The municipalities each ZIP code serves, to notice "Lowell, MA 01060".
        self._zip_towns: dict[str, set[str]] = {}
        for town in self.towns:
            for zip_code in town.zips:
                self._zip_towns.setdefault(zip_code, set()).add(town.name)
        for place in self.places:
            for zip_code in place.zips:
                if place.town:
                    self._zip_towns.setdefault(zip_code, set()).add(place.town)
        for area in self.zips.values():
            if area.zip_code not in self._zip_towns:
                city = self._entries_named(area.city)
                if city and city[0].town:
                    self._zip_towns[area.zip_code] = {city[0].town}

    def _add(self, name: str, entry: _Entry) -> None:
        entries = self._index.setdefault(normalize(name), [])
        if entry not in entries:
            entries.append(entry)

    # -- lookups ---------------------------------------------------------------

    def lookup_zip(self, zip_code: str) -> Place | None:
        """Return the place of a Massachusetts ZIP code, or None.

        Parameters
        ----------
        zip_code : str
            Five digits; ZIP+4 and a missing leading zero are accepted.

        Returns
        -------
        Place or None
        """
        digits = re.sub(r"\D", "", zip_code)[:5] if zip_code else ""
        if len(digits) == 4:
            digits = "0" + digits
        area = self.zips.get(digits)
        if area is None:
            return None
        return Place(area.lat, area.lon, area.label, Precision.ZIP, SOURCE)

    def lookup_town(self, name: str) -> Place | None:
        """Return the place of a town, village or region named exactly (after normalizing).

        Parameters
        ----------
        name : str
            E.g. ``"Worcester"``, ``"N Attleboro"``, ``"Hyannis (Barnstable)"``.

        Returns
        -------
        Place or None
            None when the name is unknown. Raises ``GeocodeNotFound`` with the
            candidates when it names several places equally well.
        """
        entry = self._exact(name)
        return None if entry is None else _place(entry)

    def town_of(self, name: str) -> Town | None:
        """Return the municipality a name belongs to (a town, or a village's town)."""
        entry = self._exact(name)
        if entry is None or not entry.town:
            return None
        return self._towns_by_name.get(entry.town)

    def _entries_named(self, name: str) -> list[_Entry]:
        return self._index.get(normalize(name), [])

    def _is_known(self, name: str) -> bool:
        """Whether a name is a Massachusetts place or county (possibly ambiguous)."""
        key = normalize(name)
        return (
            key in self._index
            or key.removesuffix(" county") in self._county_keys
            or self._in_parentheses_known(name)
        )

    def _in_parentheses_known(self, name: str) -> bool:
        inner = re.fullmatch(r"\s*(.+?)\s*\(\s*(.+?)\s*\)\s*", name)
        if inner is None:
            return False
        return self._is_known(inner.group(1)) and self._is_known(inner.group(2))

    def _exact(self, name: str) -> _Entry | None:
        inner = re.fullmatch(r"\s*(.+?)\s*\(\s*(.+?)\s*\)\s*", name)
        if inner:  # "Hyannis (Barnstable)", the form of our own labels
            return self._in_town(inner.group(1), inner.group(2)) or self._exact(inner.group(1))
        entries = self._index.get(normalize(name))
        if not entries:
            return None
        best = [e for e in entries if e.rank == entries[0].rank]
        if len(best) > 1 and any(
            distance_miles(best[0].lat, best[0].lon, e.lat, e.lon) > 2 for e in best[1:]
        ):
            raise GeocodeNotFound(
                f"{len(best)} places share the name",
                user_message=Say(
                    "There is more than one place with that name in Massachusetts. "
                    "Which one did you mean?"
                ),
                suggestions=tuple(e.label for e in best),
            )
        return best[0]

    def _in_town(self, name: str, town: str) -> _Entry | None:
        town_key = normalize(town)
        for entry in self._index.get(normalize(name), ()):
            if normalize(entry.town) == town_key:
                return entry
        return None

    def nearest_town(self, lat: float, lon: float) -> tuple[Town, float]:
        """Return the town whose centre is nearest to a point, and the distance.

        Parameters
        ----------
        lat, lon : float
            WGS84 coordinates.

        Returns
        -------
        (Town, float)
            The town and the approximate distance to its centre in miles.
        """
        best = min(self.towns, key=lambda t: distance_miles(lat, lon, t.lat, t.lon))
        return best, distance_miles(lat, lon, best.lat, best.lon)

    # -- parsing ---------------------------------------------------------------

    def parse(self, text: str) -> ParsedInput:
        """Read a ZIP code, candidate names and the input's kind from free text.

        Parameters
        ----------
        text : str
            What the person typed (already checked to be sensible text).

        Returns
        -------
        ParsedInput
        """
        text = unicodedata.normalize("NFKC", text).strip()
        if re.fullmatch(r"[12]\d{3}", text):
            # A ZIP code that lost its leading zero in a spreadsheet.
            return ParsedInput(text, zip_code="0" + text)
        house = _HOUSE_NUMBER_RE.match(text)
        # "02118 Boston" leads with a ZIP code, not a house number.
        is_address = bool(_STREET_RE.search(text)) or (
            house is not None and house.group(1) not in self.zips
        )
        zip_code = _pick_zip(text, is_address)
        zip_typo = None
        if zip_code is None:
            typo = _ZIP_TYPO_RE.search(text)
            if typo and sum(c.isdigit() for c in typo.group(1)) >= 3:
                fixed = typo.group(1).translate(str.maketrans("OoIiLl", "001111"))
                if fixed in self.zips:
                    zip_typo = fixed
        rest = _ZIP_RE.sub(" ", text) if zip_code else text
        parts = [_strip_state(p) for p in re.split(r"[,;\n]+", _strip_state(rest))]
        parts = [p for p in parts if p]
        if not parts:
            return ParsedInput(text, zip_code, (), is_address, None, zip_typo)
        whole = " ".join(parts)
        other_state = _other_state(parts[-1], after_comma=len(parts) > 1)
        if len(parts) == 1 and _state_key(whole) in _LONE_OUTSIDE_NAMES:
            other_state = _state_key(whole)  # "New York"; "Washington" still finds the town
        if other_state:
            # Only the whole text may still be a Massachusetts name ("Mount Washington").
            return ParsedInput(text, zip_code, (whole,), is_address, other_state, zip_typo)
        names: list[str] = []
        town_hint: str | None
        if is_address:
            found = _usaddress_places(text)
            names.extend(found)
            names.extend(reversed(parts[1:]))
            names.extend(_tails(parts[-1]))
            town_hint = found[0] if found else (parts[-1] if len(parts) > 1 else None)
        else:
            # Names that end in a state word ("Central Massachusetts") first.
            names.extend(_strip_versions(rest)[:-1])
            names.append(whole)
            if len(parts) >= 2:
                names.append(f"{parts[0]} ({parts[1]})")
            names.extend(parts)
            town_hint = whole if len(parts) == 1 else parts[0]
        unique = tuple(dict.fromkeys(n for n in names if normalize(n)))
        return ParsedInput(
            text,
            zip_code,
            unique,
            is_address,
            None,
            zip_typo,
            town_hint=town_hint,
            parts=() if is_address else tuple(parts),
        )

    # -- resolving -------------------------------------------------------------

    def locate(self, text: str) -> Place:
        """Turn text into a place, or raise ``GeocodeNotFound`` with suggestions.

        Parameters
        ----------
        text : str
            A ZIP code, town, village, region or street address.

        Returns
        -------
        Place
            With ``source="gazetteer"`` and precision ``zip``, ``town`` or ``place``.

        Raises
        ------
        GeocodeNotFound
            Nothing matched; ``suggestions`` holds "did you mean" labels.
        """
        return self.locate_parsed(self.parse(text))

    def locate_parsed(self, parsed: ParsedInput) -> Place:
        """Resolve what :meth:`parse` read; see :meth:`locate`."""
        if parsed.zip_code:
            place = self.lookup_zip(parsed.zip_code)
            if place is not None:
                return replace(place, note=self._zip_town_note(parsed, parsed.zip_code))
        if len(parsed.parts) == 1 and not parsed.zip_code and not parsed.is_street_address:
            self._ask_when_also_next_door(parsed.parts[0])
        for name in parsed.names:
            entry = self._exact(name)
            if entry is not None:
                return replace(_place(entry), note=self._unknown_parts_note(parsed, name, entry))
        shown = _shorten(parsed.text)
        if parsed.zip_code:
            nearby = self._zip_near_border(parsed.zip_code)
            if nearby is not None:
                raise OutsideMassachusetts(
                    "ZIP code in a neighbouring state",
                    user_message=Say.joined(Say("IOP Finder covers Massachusetts only."),
                                            ELSEWHERE, nearby.note),
                    nearby=nearby,
                )
            raise GeocodeNotFound(
                "ZIP code is not in Massachusetts",
                user_message=Say(
                    "{zip} is not a Massachusetts ZIP code. "
                    "Check the ZIP code, or try a town name.", zip=parsed.zip_code
                ),
            )
        if parsed.other_state:
            nearby = self._near_border(parsed)
            if nearby is None:
                message = Say.joined(Say(
                    "IOP Finder covers Massachusetts only. Try a Massachusetts ZIP code or "
                    "town name."), ELSEWHERE)
            else:
                message = Say.joined(Say("IOP Finder covers Massachusetts only."), ELSEWHERE,
                                     nearby.note)
            raise OutsideMassachusetts(
                "place outside Massachusetts", user_message=message, nearby=nearby
            )
        if parsed.zip_typo:
            raise GeocodeNotFound(
                "ZIP code with letters",
                user_message=Say(
                    "We couldn't read '{text}' as a ZIP code. Did you mean {zip}?",
                    text=shown, zip=parsed.zip_typo,
                ),
                suggestions=(self.zips[parsed.zip_typo].label,),
            )
        if parsed.town_hint is None:
            if parsed.is_street_address:
                raise GeocodeNotFound(
                    "street address without town or ZIP",
                    user_message=Say(
                        "Please add the town or ZIP code to the street address, "
                        "for example '45 Main St, Northampton'."
                    ),
                )
            raise GeocodeNotFound(
                "nothing to look up",
                user_message=Say("Type a Massachusetts ZIP code, town or address."),
            )
        matches = self._fuzzy(parsed.town_hint, limit=5)
        if matches:
            (best, score), runner_up = matches[0], (matches[1][1] if len(matches) > 1 else 0.0)
            if (
                score >= _AUTO_SCORE
                and score - runner_up >= _AUTO_MARGIN
                and len(normalize(parsed.town_hint)) >= 4
            ):
                note = Say("Did you mean {town}? Showing {place}.", town=best.display,
                           place=best.label)
                extra = self._unknown_parts_note(parsed, parsed.town_hint, best)
                return replace(_place(best), note=Say.joined(note, extra))
        suggestions = tuple(e.label for e, _ in matches)
        if suggestions:
            message = Say("We couldn't find '{text}' in Massachusetts. Did you mean one of these?",
                          text=shown)
        else:
            message = Say("We couldn't find '{text}' in Massachusetts. Check the spelling, or "
                          "try a ZIP code or a town name.", text=shown)
        raise GeocodeNotFound("no gazetteer match", user_message=message, suggestions=suggestions)

    def _near_border(self, parsed: ParsedInput) -> Place | None:
        """Return the out-of-state town named, when within ``NEAR_BORDER_MILES`` of Massachusetts.

        "Nashua NH" and "Providence, Rhode Island" are a few miles from the
        line: people there may well use a Massachusetts program. The town is
        found in ``zipcodes`` (offline); the distance is to the nearest
        Massachusetts ZIP code centre.
        """
        code = _NEIGHBOUR_STATES.get(parsed.other_state or "")
        if code is None or not parsed.names:
            return None
        words = _undot(parsed.names[0]).split()
        for size in (2, 1):
            if len(words) > size and normalize(" ".join(words[-size:])) == parsed.other_state:
                words = words[:-size]
                break
        name = " ".join(words).strip(" ,")
        found = _neighbour_towns(code).get(normalize(name))
        if found is None:
            return None
        display, lat, lon = found
        return self._near(lat, lon, f"{display}, {code}")

    def _zip_near_border(self, zip_code: str) -> Place | None:
        """Return a neighbouring state's ZIP code as a place, when within ``NEAR_BORDER_MILES``."""
        import zipcodes

        try:
            found = zipcodes.matching(zip_code)
        except (TypeError, ValueError):
            return None
        if not found or found[0].get("state") not in _NEIGHBOUR_STATES.values():
            return None
        z = found[0]
        if not z.get("lat") or not z.get("long"):
            return None
        lat, lon = float(z["lat"]), float(z["long"])
        return self._near(lat, lon, f"{z['city']}, {z['state']} {zip_code}")

    def _near(self, lat: float, lon: float, label: str) -> Place | None:
        """Return the point as a place with a note, when within ``NEAR_BORDER_MILES`` of MA."""
        miles = min(distance_miles(lat, lon, z.lat, z.lon) for z in self.zips.values())
        if miles > NEAR_BORDER_MILES:
            return None
        note = Say.plural(
            "{place} is about {n} mile from Massachusetts: here are the "
            "Massachusetts programs nearest to it.",
            "{place} is about {n} miles from Massachusetts: here are the "
            "Massachusetts programs nearest to it.", max(1, round(miles)), place=label,
        )
        return Place(lat, lon, label, Precision.TOWN, SOURCE, note=note)

    def _ask_when_also_next_door(self, name: str) -> None:
        """Ask which place is meant when a name we know only as a nickname is a town next door.

        "Manchester" is what people call Manchester-by-the-Sea, MA, but it is
        also Manchester, NH, a city of 115,000 an hour away: never guess
        (issue 18). Town names themselves ("Salem") are not asked about.
        """
        entries = self._index.get(normalize(name))
        if not entries or any(normalize(e.display) == normalize(name) for e in entries):
            return
        elsewhere = [
            (found[0], code)
            for code in dict.fromkeys(_NEIGHBOUR_STATES.values())
            if (found := _neighbour_towns(code).get(normalize(name))) is not None
        ]
        if elsewhere:
            raise GeocodeNotFound(
                "name of a Massachusetts town and of a town in another state",
                user_message=Say("Which {town} did you mean?", town=elsewhere[0][0]),
                suggestions=(entries[0].label, *(f"{town}, {code}" for town, code in elsewhere)),
            )

    def _zip_town_note(self, parsed: ParsedInput, zip_code: str) -> str:
        """Say so when the town typed with a ZIP code is not where the ZIP is."""
        if not parsed.town_hint:
            return ""
        try:
            entry = self._exact(parsed.town_hint)
        except GeocodeNotFound:
            return ""  # several places share the name: it can't disagree
        towns = self._zip_towns.get(zip_code)
        if entry is None or not entry.town or not towns or entry.town in towns:
            return ""
        return Say(
            "ZIP {zip} is in {city}, not {town}; we used the ZIP.", zip=zip_code,
            city=self.zips[zip_code].city, town=entry.display,
        )

    def _unknown_parts_note(self, parsed: ParsedInput, name: str, entry: _Entry) -> str:
        """Say which parts of the text were not used, when a part alone matched.

        "Boston, Lincolnshire" finds Boston, MA through "Boston" alone; the
        person must see that "Lincolnshire" played no part.
        """
        if len(parsed.parts) < 2:
            return ""
        if "(" not in name and normalize(name).startswith(normalize(" ".join(parsed.parts))):
            return ""  # the whole text matched
        unknown = [p for p in parsed.parts if p != name and not self._is_known(p)]
        if not unknown:
            return ""
        return Say(
            "We searched {town}, Massachusetts: IOP Finder covers Massachusetts "
            "only, and we don't know '{text}'.", town=entry.display,
            text=_shorten(", ".join(unknown)),
        )

    def _fuzzy(self, text: str, limit: int) -> list[tuple[_Entry, float]]:
        from rapidfuzz import fuzz, process

        key = normalize(text)
        if len(key) < 3:
            return []
        found = process.extract(
            key, self._keys, scorer=fuzz.ratio, limit=limit * 3, score_cutoff=_SUGGEST_SCORE
        )
        out: dict[str, tuple[_Entry, float]] = {}
        for choice, score, _ in found:
            for entry in self._index[choice]:
                if entry.label not in out:
                    out[entry.label] = (entry, float(score))
        ranked = sorted(out.values(), key=lambda pair: (-pair[1], pair[0].rank))
        return ranked[:limit]

    def suggest(self, text: str, limit: int = 5) -> list[str]:
        """Return up to ``limit`` labels that complete or correct ``text``.

        Names that start with the text come first (towns before villages before
        regions), then close spellings. Purely offline, so it may run on every
        keystroke.

        Parameters
        ----------
        text : str
            A partial name or ZIP code.
        limit : int, default 5

        Returns
        -------
        list of str
            Labels, each of which :meth:`locate` resolves.
        """
        text = _strip_state(text or "")
        digits = text.strip()
        if digits.isdigit() and 3 <= len(digits) <= 5:
            return [self.zips[z].label for z in sorted(self.zips) if z.startswith(digits)][:limit]
        key = normalize(text)
        if not key:
            return []
        labels: dict[str, int] = {}
        for choice in self._keys:
            if choice.startswith(key):
                for entry in self._index[choice]:
                    labels.setdefault(entry.label, entry.rank)
        ordered = sorted(labels, key=lambda label: (labels[label], len(label), label))
        for entry, _ in self._fuzzy(text, limit):
            if entry.label not in labels:
                ordered.append(entry.label)
        return ordered[:limit]


@functools.cache
def _neighbour_towns(state: str) -> dict[str, tuple[str, float, float]]:
    """Towns of a neighbouring state: normalized name -> (name, lat, lon) of their centre.

    The centre is the mean of the town's standard ZIP code centres in
    ``zipcodes`` (offline), or of all its ZIP codes when it has no standard one.
    """
    import zipcodes

    by_town: dict[str, tuple[str, list[tuple[float, float]], list[tuple[float, float]]]] = {}
    for z in zipcodes.filter_by(state=state):
        if not z.get("lat") or not z.get("long"):
            continue
        point = (float(z["lat"]), float(z["long"]))
        name = str(z["city"])
        _, standard, other = by_town.setdefault(normalize(name), (name, [], []))
        (standard if z.get("zip_code_type") == "STANDARD" else other).append(point)
    towns: dict[str, tuple[str, float, float]] = {}
    for key, (name, standard, other) in by_town.items():
        points = standard or other
        towns[key] = (
            name,
            round(sum(p[0] for p in points) / len(points), 4),
            round(sum(p[1] for p in points) / len(points), 4),
        )
    return towns


def _place(entry: _Entry) -> Place:
    return Place(entry.lat, entry.lon, entry.label, entry.precision, SOURCE)


def _shorten(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _pick_zip(text: str, is_address: bool) -> str | None:
    found = list(_ZIP_RE.finditer(text))
    if is_address and found and found[0].start() == 0:
        # "12345 Main St": a five-digit house number, not a ZIP code.
        found = found[1:]
    return found[-1].group(1) if found else None


_STATE_SUFFIX_RE = re.compile(
    r"(?:^|[\s,]+)(?:ma|mass|massachusetts|usa|u\.?s\.?(?:a\.?)?|united states(?: of america)?)"
    r"[\s,.]*$",
    re.IGNORECASE,
)


def _strip_versions(part: str) -> list[str]:
    # "Boston, MA, USA" -> ["Boston, MA, USA", "Boston, MA", "Boston"].
    versions = [part.strip(" ,.;")]
    while True:
        shorter = _STATE_SUFFIX_RE.sub("", versions[-1]).strip(" ,.;")
        if shorter == versions[-1]:
            return versions
        versions.append(shorter)


def _strip_state(part: str) -> str:
    return _strip_versions(part)[-1]


def _undot(text: str) -> str:
    # "D.C." -> "DC", "N. H." -> "NH": normalize() would make them two words.
    return _DOTTED_RE.sub(lambda m: re.sub(r"[.\s]", "", m.group()), text)


def _state_key(text: str) -> str:
    return normalize(_undot(text))


#: Names that on their own (no town before them) mean a place outside Massachusetts.
_LONE_OUTSIDE_NAMES = _OTHER_STATE_NAMES | _OTHER_STATE_CODES | _FOREIGN_NAMES


def _other_state(part: str, *, after_comma: bool) -> str | None:
    # "Springfield IL", "Springfield, Ill.", "Nashua, New Hampshire", "Cambridge,
    # England": the state or country another place is in. A lone word is a
    # state only after a comma: "Washington" is a MA town.
    words = _undot(part).split()
    for size in (3, 2, 1):
        if len(words) < size or (len(words) == size and not after_comma):
            continue
        tail = normalize(" ".join(words[-size:]))
        if size == 1 and (tail in _OTHER_STATE_CODES or tail in _OTHER_STATE_ABBREVIATIONS):
            return tail
        if tail in _OTHER_STATE_NAMES or tail in _FOREIGN_NAMES:
            return tail
    return None


def _usaddress_places(text: str) -> list[str]:
    import usaddress

    try:
        tags, _ = usaddress.tag(text)
    except (usaddress.RepeatedLabelError, ValueError, TypeError):
        return []
    place = tags.get("PlaceName")
    return [place] if place else []


def _tails(part: str) -> list[str]:
    # "12 Elm St Apt 3 Worcester": the town is often the last words.
    words = part.split()
    return [" ".join(words[-n:]) for n in (4, 3, 2, 1) if len(words) > n]


def _zip_areas(towns: Iterable[Town], places: Iterable[NamedPlace]) -> list[ZipArea]:
    points: dict[str, tuple[float, float]] = {}
    for place in places:
        if place.kind in {"village", "neighborhood"}:
            points.setdefault(normalize(place.name), (place.lat, place.lon))
    for town in towns:
        for name in (town.name, *town.usps_names):
            points[normalize(name)] = (town.lat, town.lon)
    areas = []
    # zipcodes' Massachusetts rows, copied by scripts/make_gazetteer.py: reading
    # all of zipcodes costs half a second on every start (issue 16).
    for row in _read_csv("ma_zips.csv"):
        lat, lon = float(row["lat"]), float(row["long"])
        city_point = points.get(normalize(row["city"]))
        if (
            row["zip_code_type"] != "STANDARD"
            and city_point is not None
            and distance_miles(lat, lon, *city_point) > _PO_BOX_DRIFT_MILES
        ):
            lat, lon = city_point
        areas.append(
            ZipArea(
                zip_code=row["zip_code"],
                city=row["city"],
                county=row["county"].removesuffix(" County"),
                lat=lat,
                lon=lon,
                kind=row["zip_code_type"],
            )
        )
    return areas


def _split(cell: str, sep: str) -> tuple[str, ...]:
    return tuple(s.strip() for s in cell.split(sep) if s.strip())


def read_package_csv(name: str) -> list[dict[str, str]]:
    """Return the rows of a CSV table of ``finder/data/`` as dicts.

    Parameters
    ----------
    name : str
        File name, e.g. ``"ma_zips.csv"``.

    Returns
    -------
    list of dict
    """
    text = resources.files("finder").joinpath("data", name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


_read_csv = read_package_csv


@functools.cache
def default_gazetteer() -> Gazetteer:
    """Return the gazetteer of the package data, loaded on first call and then shared.

    Returns
    -------
    Gazetteer
    """
    towns = [
        Town(
            name=row["town"],
            county=row["county"],
            lat=float(row["lat"]),
            lon=float(row["lon"]),
            zips=_split(row["zips"], " "),
            usps_names=_split(row["usps_names"], ";"),
        )
        for row in _read_csv("ma_towns.csv")
    ]
    places = [
        NamedPlace(
            name=row["name"],
            town=row["town"],
            kind=row["kind"],
            lat=float(row["lat"]),
            lon=float(row["lon"]),
            zips=_split(row["zips"], " "),
            aliases=_split(row["aliases"], ";"),
        )
        for row in _read_csv("ma_places.csv")
    ]
    gazetteer = Gazetteer(towns, places, _zip_areas(towns, places))
    # Import the parsers now, so that the first search is as fast as the rest.
    import rapidfuzz.process  # noqa: F401
    import usaddress  # noqa: F401

    return gazetteer

"""Build the offline gazetteer tables in ``finder/data/`` from the ``zipcodes`` package.

Writes two small text tables that the package ships:

``finder/data/ma_towns.csv``
    All 351 Massachusetts cities and towns: ``town, county, lat, lon, zips,
    usps_names``. A town's centre is the median of the centroids of the ZIP
    codes USPS files under the town's name (STANDARD ZIPs when it has any, so
    PO-box and single-organization ZIPs parked on odd points do not pull it).
    Towns that USPS only lists as an "acceptable" name use those ZIPs; seven
    towns that USPS spells differently use the alias table below
    (``../shared/data/README.md``).

``finder/data/ma_zips.csv``, ``finder/data/neighbour_zips.csv``
    The Massachusetts ZIP codes of ``zipcodes``, and the standard ZIP codes of
    neighbouring states near Massachusetts (for the location check of
    ``finder.schema``), copied so that no run reads all of ``zipcodes``.
``finder/data/ma_places.csv``
    Villages, neighborhoods, counties and regions people type: ``name, town,
    kind, lat, lon, zips, aliases``. ZIP "cities" that are not municipalities
    (Dorchester, Hyannis, Florence, Assonet...) come from ``zipcodes``; the
    municipality each belongs to comes from the hand-checked ``VILLAGE_TOWN``
    table (USPS's acceptable names are not reliable for that: 01258 South
    Egremont lists Mount Washington). Neighborhoods without their own ZIP and
    regions ("Cape Cod", "North Shore") are hand-placed points in ``MANUAL``;
    counties are the mean of their towns' centres.

Usage::

    python scripts/make_gazetteer.py [--municipalities ../shared/data/ma_municipalities_351.txt]

The municipality list only supplies the 351 legal names; every coordinate and
county comes from ``zipcodes`` or from this script's own tables.
"""

from __future__ import annotations

import argparse
import csv
import math
import re
import statistics
import sys
from collections import Counter, defaultdict
from pathlib import Path

import zipcodes

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MUNICIPALITIES = ROOT.parent / "shared" / "data" / "ma_municipalities_351.txt"
OUT_DIR = ROOT / "finder" / "data"

#: The seven towns USPS files under another name (../shared/data/README.md).
TOWN_ALIASES: dict[str, tuple[str, ...]] = {
    "Freetown": ("East Freetown",),
    "Gosnold": ("Cuttyhunk",),
    "North Attleborough": ("North Attleboro",),
    "Shelburne": ("Shelburne Falls",),
    "Tisbury": ("Vineyard Haven",),
    "Tyngsborough": ("Tyngsboro",),
    "Yarmouth": ("South Yarmouth", "West Yarmouth", "Yarmouth Port"),
}

#: Towns whose ZIPs split evenly between counties: the legal county, by hand.
COUNTY_FIXES: dict[str, str] = {"Montgomery": "Hampden"}

#: Municipalities per county (Massachusetts Secretary of the Commonwealth); the
#: build checks the derived counties against these totals.
COUNTY_TOTALS: dict[str, int] = {
    "Barnstable": 15, "Berkshire": 32, "Bristol": 20, "Dukes": 7, "Essex": 34,
    "Franklin": 26, "Hampden": 23, "Hampshire": 20, "Middlesex": 54, "Nantucket": 1,
    "Norfolk": 28, "Plymouth": 27, "Suffolk": 4, "Worcester": 60,
}

#: USPS spellings that are the same municipality, not a village of it.
SPELLINGS: dict[str, str] = {
    "Foxboro": "Foxborough",
    "Middleboro": "Middleborough",
    "North Attleboro": "North Attleborough",
    "Tyngsboro": "Tyngsborough",
    "Manchester": "Manchester-by-the-Sea",
}

#: The municipality of every ZIP "city" that is a village or neighborhood.
VILLAGE_TOWN: dict[str, str] = {
    "Accord": "Hingham", "Allston": "Boston", "Arlington Heights": "Arlington",
    "Ashley Falls": "Sheffield", "Assonet": "Freetown", "Attleboro Falls": "North Attleborough",
    "Auburndale": "Newton", "Babson Park": "Wellesley", "Baldwinville": "Templeton",
    "Berkshire": "Lanesborough", "Bondsville": "Palmer", "Brant Rock": "Marshfield",
    "Brighton": "Boston", "Brookline Village": "Brookline", "Bryantville": "Pembroke",
    "Buzzards Bay": "Bourne", "Byfield": "Newbury", "Cataumet": "Bourne",
    "Centerville": "Barnstable", "Charlestown": "Boston", "Charlton City": "Charlton",
    "Charlton Depot": "Charlton", "Chartley": "Norton", "Cherry Valley": "Leicester",
    "Chestnut Hill": "Newton", "Cotuit": "Barnstable", "Cummaquid": "Barnstable",
    "Cuttyhunk": "Gosnold", "Dennis Port": "Dennis", "Devens": "Ayer",
    "Dorchester": "Boston", "Dorchester Center": "Boston", "Drury": "Florida",
    "East Boston": "Boston", "East Dennis": "Dennis", "East Falmouth": "Falmouth",
    "East Freetown": "Freetown", "East Mansfield": "Mansfield", "East Orleans": "Orleans",
    "East Otis": "Otis", "East Princeton": "Princeton", "East Sandwich": "Sandwich",
    "East Taunton": "Taunton", "East Templeton": "Templeton", "East Walpole": "Walpole",
    "East Wareham": "Wareham", "East Weymouth": "Weymouth", "Elmwood": "East Bridgewater",
    "Fayville": "Southborough", "Feeding Hills": "Agawam", "Fiskdale": "Sturbridge",
    "Florence": "Northampton", "Forestdale": "Sandwich", "Gilbertville": "Hardwick",
    "Glendale": "Stockbridge", "Green Harbor": "Marshfield", "Greenbush": "Scituate",
    "Hanscom AFB": "Bedford", "Harwich Port": "Harwich", "Hathorne": "Danvers",
    "Haydenville": "Williamsburg", "Housatonic": "Great Barrington", "Humarock": "Scituate",
    "Hyannis": "Barnstable", "Hyannis Port": "Barnstable", "Hyde Park": "Boston",
    "Indian Orchard": "Springfield", "Jamaica Plain": "Boston", "Jefferson": "Holden",
    "Lake Pleasant": "Montague", "Leeds": "Northampton", "Lenox Dale": "Lenox",
    "Linwood": "Northbridge", "Manchaug": "Sutton", "Manomet": "Plymouth",
    "Marshfield Hills": "Marshfield", "Marstons Mills": "Barnstable", "Mattapan": "Boston",
    "Menemsha": "Chilmark", "Mill River": "New Marlborough", "Millers Falls": "Montague",
    "Milton Village": "Milton", "Minot": "Scituate", "Monponsett": "Halifax",
    "Monroe Bridge": "Monroe", "Monument Beach": "Bourne", "Needham Heights": "Needham",
    "New Town": "Newton", "Newton Center": "Newton", "Newton Highlands": "Newton",
    "Newton Lower Falls": "Newton", "Newton Upper Falls": "Newton", "Newtonville": "Newton",
    "Nonantum": "Newton", "North Amherst": "Amherst", "North Billerica": "Billerica",
    "North Carver": "Carver", "North Chatham": "Chatham", "North Chelmsford": "Chelmsford",
    "North Dartmouth": "Dartmouth", "North Dighton": "Dighton", "North Eastham": "Eastham",
    "North Easton": "Easton", "North Egremont": "Egremont", "North Falmouth": "Falmouth",
    "North Grafton": "Grafton", "North Hatfield": "Hatfield", "North Marshfield": "Marshfield",
    "North Oxford": "Oxford", "North Pembroke": "Pembroke", "North Scituate": "Scituate",
    "North Truro": "Truro", "North Uxbridge": "Uxbridge", "North Waltham": "Waltham",
    "North Weymouth": "Weymouth", "Nutting Lake": "Billerica", "Ocean Bluff": "Marshfield",
    "Onset": "Wareham", "Osterville": "Barnstable", "Pinehurst": "Billerica",
    "Pocasset": "Bourne", "Prides Crossing": "Beverly", "Raynham Center": "Raynham",
    "Readville": "Boston", "Rochdale": "Leicester", "Roslindale": "Boston",
    "Roxbury": "Boston", "Roxbury Crossing": "Boston", "Sagamore": "Bourne",
    "Sagamore Beach": "Bourne", "Shelburne Falls": "Shelburne", "Sheldonville": "Wrentham",
    "Siasconset": "Nantucket", "Silver Beach": "Falmouth", "South Barre": "Barre",
    "South Boston": "Boston", "South Carver": "Carver", "South Chatham": "Chatham",
    "South Dartmouth": "Dartmouth", "South Deerfield": "Deerfield", "South Dennis": "Dennis",
    "South Easton": "Easton", "South Egremont": "Egremont", "South Grafton": "Grafton",
    "South Hamilton": "Hamilton", "South Harwich": "Harwich", "South Lancaster": "Lancaster",
    "South Lee": "Lee", "South Orleans": "Orleans", "South Walpole": "Walpole",
    "South Wellfleet": "Wellfleet", "South Weymouth": "Weymouth", "South Yarmouth": "Yarmouth",
    "Southfield": "New Marlborough", "Still River": "Harvard", "Thorndike": "Palmer",
    "Three Rivers": "Palmer", "Turners Falls": "Montague", "Vineyard Haven": "Tisbury",
    "Waban": "Newton", "Waverley": "Belmont", "Wellesley Hills": "Wellesley",
    "Wendell Depot": "Wendell", "West Barnstable": "Barnstable", "West Boxford": "Boxford",
    "West Chatham": "Chatham", "West Chesterfield": "Chesterfield", "West Chop": "Tisbury",
    "West Dennis": "Dennis", "West Falmouth": "Falmouth", "West Groton": "Groton",
    "West Harwich": "Harwich", "West Hatfield": "Hatfield", "West Hyannisport": "Barnstable",
    "West Medford": "Medford", "West Millbury": "Millbury", "West Newton": "Newton",
    "West Roxbury": "Boston", "West Townsend": "Townsend", "West Wareham": "Wareham",
    "West Warren": "Warren", "West Yarmouth": "Yarmouth", "Westport Point": "Westport",
    "Wheelwright": "Hardwick", "White Horse Beach": "Plymouth", "Whitinsville": "Northbridge",
    "Winchendon Springs": "Winchendon", "Woods Hole": "Falmouth", "Woodville": "Hopkinton",
    "Woronoco": "Russell", "Yarmouth Port": "Yarmouth",
}

#: Extra names for ZIP villages, as people type them.
VILLAGE_ALIASES: dict[str, tuple[str, ...]] = {
    "Jamaica Plain": ("JP",),
    "Siasconset": ("Sconset",),
    "Hyannis Port": ("Hyannisport",),
    "Dorchester": ("Dot",),
    "South Boston": ("Southie",),
    "East Boston": ("Eastie",),
    "Roslindale": ("Rozzie",),
    "Newton Center": ("Newton Centre",),
    "Dennis Port": ("Dennisport",),
    "Harwich Port": ("Harwichport",),
    "Hanscom AFB": ("Hanscom Air Force Base", "Hanscom"),
    "Roxbury": ("Nubian Square", "Dudley Square"),
}

# Hand-placed points for neighborhoods without their own ZIP, and for regions.
# (name, town, kind, lat, lon, aliases). Coordinates are the commonly cited centre
# of the place, to about 0.01 degree; a region's point is its best-known hub, so a
# radius search from it covers the region's core.
MANUAL: tuple[tuple[str, str, str, float, float, tuple[str, ...]], ...] = (
    # Boston neighborhoods
    ("Back Bay", "Boston", "neighborhood", 42.3503, -71.0810, ()),
    ("Beacon Hill", "Boston", "neighborhood", 42.3588, -71.0707, ()),
    ("North End", "Boston", "neighborhood", 42.3647, -71.0542, ()),
    ("South End", "Boston", "neighborhood", 42.3388, -71.0765, ()),
    ("West End", "Boston", "neighborhood", 42.3640, -71.0660, ()),
    ("Fenway", "Boston", "neighborhood", 42.3429, -71.1003, ("Fenway Kenmore", "Kenmore Square")),
    ("Mission Hill", "Boston", "neighborhood", 42.3325, -71.1033, ()),
    ("Chinatown", "Boston", "neighborhood", 42.3501, -71.0624, ()),
    ("Downtown Boston", "Boston", "neighborhood", 42.3555, -71.0605,
     ("Downtown Crossing", "Government Center")),
    ("Financial District", "Boston", "neighborhood", 42.3559, -71.0550, ()),
    ("Seaport", "Boston", "neighborhood", 42.3489, -71.0420,
     ("Seaport District", "South Boston Waterfront")),
    ("Bay Village", "Boston", "neighborhood", 42.3487, -71.0685, ()),
    ("Longwood", "Boston", "neighborhood", 42.3376, -71.1060, ("Longwood Medical Area",)),
    ("Fields Corner", "Boston", "neighborhood", 42.3002, -71.0616, ()),
    ("Codman Square", "Boston", "neighborhood", 42.2900, -71.0710, ()),
    ("Savin Hill", "Boston", "neighborhood", 42.3100, -71.0500, ()),
    ("Uphams Corner", "Boston", "neighborhood", 42.3166, -71.0652, ()),
    ("Ashmont", "Boston", "neighborhood", 42.2846, -71.0645, ()),
    ("Neponset", "Boston", "neighborhood", 42.2884, -71.0434, ()),
    ("Grove Hall", "Boston", "neighborhood", 42.3070, -71.0810, ()),
    ("Egleston Square", "Boston", "neighborhood", 42.3133, -71.0960, ()),
    ("Jackson Square", "Boston", "neighborhood", 42.3234, -71.0995, ()),
    ("Forest Hills", "Boston", "neighborhood", 42.3005, -71.1137, ()),
    # Cambridge and Somerville squares
    ("Harvard Square", "Cambridge", "neighborhood", 42.3736, -71.1190, ()),
    ("Central Square", "Cambridge", "neighborhood", 42.3653, -71.1037, ()),
    ("Kendall Square", "Cambridge", "neighborhood", 42.3625, -71.0862, ()),
    ("Inman Square", "Cambridge", "neighborhood", 42.3742, -71.1009, ()),
    ("Porter Square", "Cambridge", "neighborhood", 42.3884, -71.1191, ()),
    ("East Cambridge", "Cambridge", "neighborhood", 42.3698, -71.0780, ()),
    ("North Cambridge", "Cambridge", "neighborhood", 42.3950, -71.1330, ()),
    ("Cambridgeport", "Cambridge", "neighborhood", 42.3600, -71.1090, ()),
    ("Alewife", "Cambridge", "neighborhood", 42.3954, -71.1425, ()),
    ("Davis Square", "Somerville", "neighborhood", 42.3967, -71.1223, ()),
    ("Union Square", "Somerville", "neighborhood", 42.3796, -71.0935, ()),
    ("Assembly Square", "Somerville", "neighborhood", 42.3925, -71.0770, ()),
    ("Teele Square", "Somerville", "neighborhood", 42.4020, -71.1270, ()),
    ("Ball Square", "Somerville", "neighborhood", 42.3996, -71.1114, ()),
    # Quincy, Newton, Milton, Framingham, Natick, Hull
    ("Wollaston", "Quincy", "neighborhood", 42.2660, -71.0200, ()),
    ("North Quincy", "Quincy", "neighborhood", 42.2750, -71.0290, ()),
    ("Quincy Center", "Quincy", "neighborhood", 42.2510, -71.0050, ()),
    ("Squantum", "Quincy", "neighborhood", 42.2900, -71.0120, ()),
    ("Houghs Neck", "Quincy", "neighborhood", 42.2700, -70.9700, ()),
    ("Newton Corner", "Newton", "village", 42.3570, -71.1860, ()),
    ("East Milton", "Milton", "village", 42.2680, -71.0420, ()),
    ("Saxonville", "Framingham", "village", 42.3270, -71.4030, ()),
    ("Nobscot", "Framingham", "village", 42.3250, -71.4650, ()),
    ("South Natick", "Natick", "village", 42.2850, -71.3150, ()),
    ("Nantasket Beach", "Hull", "village", 42.2730, -70.8630, ("Nantasket",)),
    # North Shore and Cape Ann villages
    ("Lanesville", "Gloucester", "village", 42.6690, -70.6540, ()),
    ("Annisquam", "Gloucester", "village", 42.6540, -70.6770, ()),
    ("Magnolia", "Gloucester", "village", 42.5840, -70.7240, ()),
    ("East Gloucester", "Gloucester", "village", 42.6070, -70.6460, ()),
    ("Pigeon Cove", "Rockport", "village", 42.6770, -70.6350, ()),
    ("Beverly Farms", "Beverly", "village", 42.5600, -70.8130, ()),
    ("West Peabody", "Peabody", "village", 42.5360, -70.9860, ()),
    # Merrimack Valley neighborhoods
    ("Centralville", "Lowell", "neighborhood", 42.6470, -71.3000, ()),
    ("Pawtucketville", "Lowell", "neighborhood", 42.6580, -71.3300, ()),
    ("Belvidere", "Lowell", "neighborhood", 42.6400, -71.2910, ()),
    ("Downtown Lowell", "Lowell", "neighborhood", 42.6450, -71.3110, ()),
    ("South Lawrence", "Lawrence", "neighborhood", 42.6950, -71.1600, ()),
    # Cape Cod and Islands villages without their own ZIP
    ("Barnstable Village", "Barnstable", "village", 41.7000, -70.3000, ()),
    ("Teaticket", "Falmouth", "village", 41.5640, -70.5950, ()),
    ("Waquoit", "Falmouth", "village", 41.5850, -70.5200, ()),
    ("Madaket", "Nantucket", "village", 41.2730, -70.1950, ()),
    ("Katama", "Edgartown", "village", 41.3600, -70.5100, ()),
    # South Coast, South Shore and west
    ("Padanaram", "Dartmouth", "village", 41.5770, -70.9430, ()),
    ("Cedarville", "Plymouth", "village", 41.8290, -70.5560, ()),
    ("Old Deerfield", "Deerfield", "village", 42.5480, -72.6060, ("Historic Deerfield",)),
    ("Willimansett", "Chicopee", "neighborhood", 42.1700, -72.6170, ()),
    ("Chicopee Falls", "Chicopee", "neighborhood", 42.1570, -72.5820, ()),
    ("Aldenville", "Chicopee", "neighborhood", 42.1740, -72.5840, ()),
    ("Forest Park", "Springfield", "neighborhood", 42.0790, -72.5580, ()),
    ("Sixteen Acres", "Springfield", "neighborhood", 42.1140, -72.4970, ()),
    # Regions: the hub of each, so a radius search covers the core.
    ("Cape Cod", "", "region", 41.6880, -70.2962, ("The Cape", "Cape")),
    ("Upper Cape", "", "region", 41.6700, -70.5200, ()),
    ("Mid Cape", "", "region", 41.6700, -70.2500, ("Mid-Cape",)),
    ("Lower Cape", "", "region", 41.7400, -69.9900, ()),
    ("Outer Cape", "", "region", 41.9300, -70.0300, ()),
    ("Martha's Vineyard", "", "region", 41.3900, -70.6100, ("The Vineyard", "Marthas Vineyard")),
    ("Nantucket Island", "", "region", 41.2835, -70.0995, ("ACK",)),
    ("North Shore", "", "region", 42.5500, -70.9000, ()),
    ("South Shore", "", "region", 42.1600, -70.8500, ()),
    ("South Coast", "", "region", 41.6500, -71.0200, ("Southcoast",)),
    ("Merrimack Valley", "", "region", 42.6800, -71.2000, ()),
    ("Pioneer Valley", "", "region", 42.2000, -72.6200, ("The Valley",)),
    ("MetroWest", "", "region", 42.3000, -71.4000, ("Metro West",)),
    ("Berkshires", "", "region", 42.4000, -73.2300, ("The Berkshires",)),
    ("Greater Boston", "", "region", 42.3600, -71.0600, ("Boston area", "Metro Boston")),
    ("Central Massachusetts", "", "region", 42.2700, -71.8000, ("Central Mass",)),
    ("Western Massachusetts", "", "region", 42.1500, -72.6000, ("Western Mass", "WMass")),
    ("Blackstone Valley", "", "region", 42.1000, -71.6500, ()),
    ("Cape Ann", "", "region", 42.6300, -70.6800, ()),
    ("North Central Massachusetts", "", "region", 42.5800, -71.8000, ("North Central Mass",)),
    ("Southeastern Massachusetts", "", "region", 41.9000, -71.0000, ("Southeastern Mass",)),
    ("Greater Springfield", "", "region", 42.1000, -72.5900, ()),
)


def _key(name: str) -> str:
    return re.sub(r"[^a-z]", "", name.lower())


#: How far a PO-box ZIP's point may sit from its town before it is not trusted.
PO_BOX_DRIFT_MILES = 3.0


def _approx_miles(a: tuple[float, float], b: tuple[float, float]) -> float:
    # Equirectangular approximation: good to well under 1 % at this scale, and
    # used only to compare against a threshold.

    dlat = (a[0] - b[0]) * 69.05
    dlon = (a[1] - b[1]) * 69.17 * math.cos(math.radians((a[0] + b[0]) / 2))
    return math.hypot(dlat, dlon)


def _median_point(zips: list[dict]) -> tuple[float, float]:
    standard = [z for z in zips if z["zip_code_type"] == "STANDARD"] or zips
    lat = statistics.median(float(z["lat"]) for z in standard)
    lon = statistics.median(float(z["long"]) for z in standard)
    return round(lat, 4), round(lon, 4)


def _county(zips: list[dict]) -> str:
    counts = Counter(z["county"].removesuffix(" County") for z in zips)
    return counts.most_common(1)[0][0]


def build(municipalities: list[str]) -> tuple[list[dict], list[dict]]:
    """Return (town rows, place rows)."""
    ma = zipcodes.filter_by(state="MA")
    by_city: dict[str, list[dict]] = defaultdict(list)
    by_acceptable: dict[str, list[dict]] = defaultdict(list)
    for z in ma:
        by_city[_key(z["city"])].append(z)
        for alt in z["acceptable_cities"]:
            by_acceptable[_key(alt)].append(z)

    towns: list[dict] = []
    centres: dict[str, tuple[float, float]] = {}
    for town in municipalities:
        usps_names = TOWN_ALIASES.get(town, ())
        zips = by_city.get(_key(town), [])
        if not zips:
            zips = by_acceptable.get(_key(town), [])
        if not zips:
            zips = [z for alias in usps_names for z in by_city.get(_key(alias), [])]
        if not zips:
            raise SystemExit(f"no ZIP found for {town}: add it to TOWN_ALIASES")
        lat, lon = _median_point(zips)
        centres[town] = (lat, lon)
        spellings = tuple(s for s, t in SPELLINGS.items() if t == town)
        towns.append(
            {
                "town": town,
                "county": COUNTY_FIXES.get(town) or _county(zips),
                "lat": lat,
                "lon": lon,
                "zips": " ".join(sorted({z["zip_code"] for z in zips})),
                "usps_names": ";".join(dict.fromkeys(usps_names + spellings)),
            }
        )

    counts = Counter(row["county"] for row in towns)
    if len(municipalities) == 351 and counts != Counter(COUNTY_TOTALS):
        raise SystemExit(f"county totals differ: {counts - Counter(COUNTY_TOTALS)}")

    town_keys = {_key(t) for t in municipalities}
    places: list[dict] = []
    villages = sorted({z["city"] for z in ma if _key(z["city"]) not in town_keys} - set(SPELLINGS))
    for village in villages:
        if village not in VILLAGE_TOWN:
            raise SystemExit(f"ZIP city {village!r} has no municipality: add it to VILLAGE_TOWN")
        zips = by_city[_key(village)]
        lat, lon = _median_point(zips)
        town_lat, town_lon = centres[VILLAGE_TOWN[village]]
        if all(z["zip_code_type"] != "STANDARD" for z in zips) and _approx_miles(
            (lat, lon), (town_lat, town_lon)
        ) > PO_BOX_DRIFT_MILES:
            # A PO-box ZIP's point is sometimes parked far from its post office
            # (02456 New Town sits near Maynard): use the town's centre instead.
            lat, lon = town_lat, town_lon
        places.append(
            {
                "name": village,
                "town": VILLAGE_TOWN[village],
                "kind": "neighborhood" if VILLAGE_TOWN[village] == "Boston" else "village",
                "lat": lat,
                "lon": lon,
                "zips": " ".join(sorted(z["zip_code"] for z in zips)),
                "aliases": ";".join(VILLAGE_ALIASES.get(village, ())),
            }
        )
    for name, town, kind, lat, lon, aliases in MANUAL:
        if town and town not in centres:
            raise SystemExit(f"{name}: unknown town {town!r}")
        places.append(
            {"name": name, "town": town, "kind": kind, "lat": lat, "lon": lon, "zips": "",
             "aliases": ";".join(aliases)}
        )
    by_county: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for row in towns:
        by_county[row["county"]].append(centres[row["town"]])
    for county, points in sorted(by_county.items()):
        places.append(
            {
                "name": f"{county} County",
                "town": "",
                "kind": "county",
                "lat": round(statistics.fmean(p[0] for p in points), 4),
                "lon": round(statistics.fmean(p[1] for p in points), 4),
                "zips": "",
                "aliases": "",
            }
        )
    return towns, places


def _write(path: Path, rows: list[dict]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


#: Columns of the ZIP tables: the ``zipcodes`` field names, so code reading
#: them treats a row as it would treat a ``zipcodes`` record.
ZIP_COLUMNS = ("zip_code", "zip_code_type", "city", "county", "state", "lat", "long")
#: Neighbouring states whose ZIP centres the location check compares with.
NEIGHBOUR_STATES = ("CT", "ME", "NH", "NY", "RI", "VT")


def ma_zip_rows() -> list[dict[str, str]]:
    """Every Massachusetts ZIP code of ``zipcodes``, in its order (``finder/data/ma_zips.csv``)."""
    return [{k: str(z[k]) for k in ZIP_COLUMNS} for z in zipcodes.filter_by(state="MA")]


def neighbour_zip_rows() -> list[dict[str, str]]:
    """Standard ZIP codes of neighbouring states near Massachusetts (``neighbour_zips.csv``).

    The same selection ``finder.schema.check_location`` made at run time
    before issue 16: within half a degree of ``MA_BOUNDS``, PO-box ZIPs left
    out (``zipcodes`` parks some far from their town).
    """
    sys.path.insert(0, str(ROOT))
    from finder.model import MA_BOUNDS

    south, west, north, east = MA_BOUNDS
    return [
        {k: str(z[k]) for k in ZIP_COLUMNS}
        for z in zipcodes.list_all()
        if z["state"] in NEIGHBOUR_STATES
        and z["zip_code_type"] == "STANDARD"
        and z["lat"]
        and south - 0.5 < float(z["lat"]) < north + 0.5
        and west - 0.5 < float(z["long"]) < east + 0.5
    ]


def write_zip_tables(out: Path) -> None:
    """Write ``ma_zips.csv`` and ``neighbour_zips.csv``: read at run time instead of ``zipcodes``.

    ``zipcodes`` reads all 42,000 US ZIP codes from JSON on first use (about
    0.5 s); these two small tables make the first lookup and the first
    validation of a command or an app start fast (issue 16).
    """
    _write(out / "ma_zips.csv", ma_zip_rows())
    _write(out / "neighbour_zips.csv", neighbour_zip_rows())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--municipalities", type=Path, default=DEFAULT_MUNICIPALITIES,
                        help="File with the 351 municipality names, one a line.")
    parser.add_argument("--out", type=Path, default=OUT_DIR)
    args = parser.parse_args(argv)
    names = [line.strip() for line in args.municipalities.read_text(encoding="utf-8").splitlines()]
    names = [n for n in names if n]
    if len(names) != 351:
        print(f"warning: expected 351 municipalities, got {len(names)}", file=sys.stderr)
    towns, places = build(names)
    args.out.mkdir(parents=True, exist_ok=True)
    _write(args.out / "ma_towns.csv", towns)
    _write(args.out / "ma_places.csv", places)
    write_zip_tables(args.out)
    print(f"wrote {len(towns)} towns, {len(places)} places and the ZIP tables to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

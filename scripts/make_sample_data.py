"""Generate the fictional sample dataset: ``data/sample/providers.csv`` and its metadata.

Every program is fictional: invented names, phones only in 555-0100..555-0199
(reserved for fiction), websites under example.org. Towns, ZIPs and the
coordinates near each town's centre are real (from the ``zipcodes`` package),
so searches behave as they would on real data. Deterministic: a fixed seed
and a fixed "as of" date, so re-running gives byte-identical files. For the
same reason the creation time in ``providers.meta.json`` is that date at
midnight UTC (``2026-11-01T00:00:00Z``), not the clock.

The sample is for tests and ``make demo``; the shipped ``data/providers.csv``
holds the real FindTreatment.gov listings (``make data``). Sample rows carry
fictional confirmations (``last_verified``, ``schedule_confirmed_on``/``_via``,
``availability_confirmed_via``) so every way of showing them can be seen; they
are drawn from a second random stream per row, so the other columns are the
same as before those columns existed.

Usage: ``python scripts/make_sample_data.py [--out-dir data/sample]``; the
folder is created if it does not exist.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import random
import statistics
from pathlib import Path

import zipcodes

from finder.schema import COLUMN_NAMES

SEED = 20261123
AS_OF = dt.date(2026, 11, 1)
#: The ``created`` timestamp of the metadata, in the form a publish writes (``finder.store``).
CREATED = dt.datetime.combine(AS_OF, dt.time(), tzinfo=dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
VERSION = "sample-2026.11"

#: Municipalities by county, as USPS names them in ``zipcodes`` (all 14 counties).
TOWNS: dict[str, tuple[str, ...]] = {
    "Barnstable": ("Hyannis", "Falmouth", "Orleans", "Sandwich", "Harwich", "Provincetown"),
    "Berkshire": ("Pittsfield", "North Adams", "Great Barrington", "Lee"),
    "Bristol": ("New Bedford", "Fall River", "Taunton", "Attleboro", "Fairhaven"),
    "Dukes": ("Vineyard Haven", "Oak Bluffs", "Edgartown"),
    "Essex": ("Lynn", "Lawrence", "Haverhill", "Salem", "Gloucester", "Peabody", "Beverly", "Methuen"),
    "Franklin": ("Greenfield", "Orange", "Turners Falls"),
    "Hampden": ("Springfield", "Holyoke", "Chicopee", "Westfield", "West Springfield", "Ludlow"),
    "Hampshire": ("Northampton", "Amherst", "Easthampton", "Ware"),
    "Middlesex": (
        "Cambridge", "Somerville", "Lowell", "Framingham", "Malden", "Medford", "Waltham",
        "Newton", "Woburn", "Marlborough", "Arlington", "Billerica", "Everett", "Natick",
    ),
    "Nantucket": ("Nantucket",),
    "Norfolk": ("Quincy", "Brookline", "Dedham", "Braintree", "Norwood", "Weymouth", "Franklin"),
    "Plymouth": ("Brockton", "Plymouth", "Middleboro", "Wareham", "Hingham", "Bridgewater"),
    "Suffolk": (
        "Boston", "Dorchester", "Roxbury", "Jamaica Plain", "East Boston", "Charlestown",
        "Chelsea", "Revere", "Mattapan", "Brighton",
    ),
    "Worcester": (
        "Worcester", "Fitchburg", "Leominster", "Gardner", "Milford", "Southbridge",
        "Webster", "Shrewsbury", "Athol",
    ),
}

AREA_CODES = {
    "Barnstable": ("508", "774"), "Berkshire": ("413",), "Bristol": ("508", "774"),
    "Dukes": ("508",), "Essex": ("978", "351"), "Franklin": ("413",), "Hampden": ("413",),
    "Hampshire": ("413",), "Middlesex": ("617", "781", "978"), "Nantucket": ("508",),
    "Norfolk": ("781", "339", "617"), "Plymouth": ("508", "781"), "Suffolk": ("617", "857"),
    "Worcester": ("508", "774", "978"),
}

NAME_FIRST = (
    "Lantern", "Cobblestone", "Tidewater", "Granite Path", "Bright Harbor", "Riverbend",
    "Second Wind", "Willow Street", "Hearthstone", "Northstar", "Beacon Hill Way", "Seaglass",
    "Open Door", "Maple Bridge", "Clearwater", "Kestrel", "Juniper", "Stillwater", "Cedar Gate",
    "Morning Tide",
)
NAME_SECOND = (
    "Recovery Services", "Behavioral Health", "Counseling Center", "Recovery Collaborative",
    "Health Partners", "Addiction Services", "Wellness Center", "Treatment Network",
)
STREETS = (
    "Main St", "Washington St", "Elm St", "Pleasant St", "Union St", "Center St", "Church St",
    "School St", "Maple Ave", "Summer St", "Water St", "Park Ave", "Highland Ave", "Prospect St",
    "Mill St", "Broadway", "Central St", "Federal St",
)

TRACKS = {
    "day": ("Mo-Fr 09:00-12:00", "Mo,We,Fr 09:30-12:30", "Mo-Th 10:00-13:00", "Tu,We,Th 09:00-12:00"),
    "afternoon": ("Mo,We,Th 13:00-16:00", "Tu,Th 13:30-16:30"),
    "evening": ("Mo,Tu,Th 18:00-21:00", "Mo-Th 17:30-20:30", "Mo,We,Th 18:00-21:00", "Tu,We,Th 17:00-20:00"),
    "weekend": ("Sa 09:00-12:00, Su 10:00-13:00", "Sa 09:00-13:00", "Sa,Su 10:00-13:00"),
}
TRACK_COMBOS = (
    ("day",), ("day",), ("evening",), ("evening",), ("day", "evening"), ("day", "evening"),
    ("evening", "weekend"), ("weekend",), ("afternoon",), ("day", "weekend"), ("afternoon", "evening"),
)
COMMERCIAL = (
    "Blue Cross Blue Shield of MA", "Harvard Pilgrim", "Tufts Health Plan",
    "Mass General Brigham Health Plan", "WellSense", "Fallon", "Health New England",
    "Aetna", "Cigna", "UnitedHealthcare",
)
OTHER_LANGUAGES = (
    "Spanish", "Portuguese", "Haitian Creole", "Cape Verdean Creole", "Chinese", "Vietnamese",
    "Khmer", "Arabic", "Russian",
)


def _town_centres() -> dict[str, tuple[float, float, str]]:
    """Return town -> (lat, lon, a ZIP) from the ZIP centroids USPS lists for it."""
    ma = zipcodes.filter_by(state="MA")
    centres = {}
    for towns in TOWNS.values():
        for town in towns:
            named = [z for z in ma if z["city"].casefold() == town.casefold()]
            # Prefer street-delivery ZIPs; some island towns have only PO boxes.
            zips = sorted((z for z in named if z["zip_code_type"] == "STANDARD"),
                          key=lambda z: z["zip_code"]) or named
            if not zips:
                raise SystemExit(f"zipcodes has no STANDARD ZIP for {town}")
            lat = statistics.fmean(float(z["lat"]) for z in zips)
            lon = statistics.fmean(float(z["long"]) for z in zips)
            centres[town] = (lat, lon, zips[0]["zip_code"])
    return centres


def _schedule(rng: random.Random) -> tuple[str, str]:
    """Return (opening_hours schedule, track label); 15% have no schedule listed."""
    if rng.random() < 0.15:
        return "", "Outpatient"
    combo = rng.choice(TRACK_COMBOS)
    parts = [rng.choice(TRACKS[t]) for t in combo]
    return ", ".join(parts), " & ".join(t.capitalize() for t in combo)


def _hours(schedule: str) -> str:
    if not schedule:
        return ""
    from opening_hours import State

    from finder.schedule import parse_schedule

    oh = parse_schedule(schedule)
    monday = dt.datetime(2025, 1, 6)
    total = sum(
        (end - start).total_seconds() / 3600
        for start, end, state, _ in oh.intervals(monday, monday + dt.timedelta(days=7))
        if state == State.OPEN
    )
    return f"{total:g}"


def _pick(rng: random.Random, pool: tuple[str, ...], low: int, high: int) -> list[str]:
    return rng.sample(pool, rng.randint(low, min(high, len(pool))))


def _realistic_languages(picked: list[str], number: int, county: str) -> list[str]:
    """Shape a uniform pick like Massachusetts: Spanish is by far the most common
    language besides English (about a third of real IOPs), Khmer is offered mostly
    where Cambodian communities live (Lowell, Lynn). Uses its own generator, so the
    main stream (and every other column) stays as it was."""
    rng = random.Random(f"{SEED}-languages-{number}")
    if "Khmer" in picked and county not in ("Middlesex", "Essex"):
        picked = [lang for lang in picked if lang != "Khmer"]
    if "Spanish" not in picked and rng.random() < 0.3:
        picked = ["Spanish", *picked]
    return picked


def _row(rng: random.Random, number: int, town: str, county: str,
         centre: tuple[float, float, str]) -> dict[str, str]:
    lat, lon, zip_code = centre
    org = f"{rng.choice(NAME_FIRST)} {rng.choice(NAME_SECOND)}"
    schedule, track = _schedule(rng)
    level = rng.choices(("IOP", "SOAP", "PHP"), weights=(70, 25, 5))[0]
    area = rng.choice(AREA_CODES[county])
    phone = f"{area}-555-01{rng.randint(0, 99):02d}"
    intake_phone = f"{area}-555-01{rng.randint(0, 99):02d}" if rng.random() < 0.4 else ""
    insurance = []
    if rng.random() < 0.8:
        insurance.append("MassHealth")
    if rng.random() < 0.5:
        insurance.append("Medicare")
    if rng.random() < 0.25:
        insurance.append("Private insurance")
    else:
        insurance += _pick(rng, COMMERCIAL, 1, 5)
    if rng.random() < 0.15:
        insurance.append("Military (TRICARE)")
    insurance.append("Self-pay")
    if rng.random() < 0.35:
        insurance.append("Sliding scale")
    if rng.random() < 0.05:
        insurance = ["Free"]
    services = [s for s, p in (("Buprenorphine", 0.6), ("Naltrexone", 0.45), ("Methadone", 0.15),
                               ("Co-occurring mental health", 0.65)) if rng.random() < p]
    populations = ["Adolescents"] if rng.random() < 0.08 else ["Adults"]
    if populations == ["Adults"]:
        populations += [p for p, chance in (("Young adults", 0.3), ("Women", 0.15), ("Men", 0.1),
                                            ("Veterans", 0.1), ("LGBTQ+", 0.1),
                                            ("Pregnant/postpartum", 0.06)) if rng.random() < chance]
    picked = _pick(rng, OTHER_LANGUAGES, 1, 2) if rng.random() < 0.4 else []
    languages = ["English", *_realistic_languages(picked, number, county)]
    verified = AS_OF - dt.timedelta(days=rng.choice((rng.randint(3, 170), rng.randint(3, 170),
                                                     rng.randint(181, 600))))
    accepting = rng.choices(("yes", "no", "waitlist", "unknown", ""), weights=(55, 8, 15, 10, 12))[0]
    as_of = "" if accepting in ("", "unknown") else (verified + dt.timedelta(days=rng.randint(0, 2))).isoformat()
    slug = org.lower().replace(" ", "")
    # Its own stream, so adding these columns left every other value unchanged.
    extra = random.Random(f"{SEED}-{number}")
    confirmed_via = ("phone", "website", "staff")
    schedule_on = schedule_via = ""
    if schedule and extra.random() < 0.8:
        schedule_on = (verified - dt.timedelta(days=extra.randint(0, 20))).isoformat()
        schedule_via = extra.choices(confirmed_via, weights=(60, 25, 15))[0]
    availability_via = extra.choices(confirmed_via, weights=(70, 0, 30))[0] if as_of else ""
    return {
        "program_id": f"sample-{number:04d}",
        "organization": org,
        "program_name": f"{track} {level} - {town}",
        "level_of_care": level,
        "street": f"{rng.randint(2, 980)} {rng.choice(STREETS)}" + (f", Suite {rng.randint(1, 40)}"
                                                                   if rng.random() < 0.3 else ""),
        "city": town,
        "state": "MA",
        "zip": zip_code,
        "county": county,
        "latitude": f"{lat + rng.uniform(-0.012, 0.012):.5f}",
        "longitude": f"{lon + rng.uniform(-0.015, 0.015):.5f}",
        "phone": phone,
        "intake_phone": intake_phone,
        "website": f"https://{slug}.example.org" if rng.random() < 0.85 else "",
        "insurance": "; ".join(insurance),
        "schedule": schedule,
        "attendance": rng.choices(("in-person", "hybrid", "telehealth", ""), weights=(50, 35, 10, 5))[0],
        "hours_per_week": _hours(schedule),
        "services": "; ".join(services),
        "populations": "; ".join(populations),
        "languages": "; ".join(languages),
        "accepting_new_clients": accepting,
        "availability_as_of": as_of,
        "availability_confirmed_via": availability_via,
        "intake": "; ".join(_pick(rng, ("walk-in", "call", "referral"), 1, 2)),
        "listed_as_of": "",
        "last_verified": verified.isoformat(),
        "schedule_confirmed_on": schedule_on,
        "schedule_confirmed_via": schedule_via,
        "source": "Sample data (fictional)",
        "notes": "",
    }


def build_rows() -> list[dict[str, str]]:
    """Return the sample programs, deterministically."""
    rng = random.Random(SEED)
    centres = _town_centres()
    rows = []
    number = 1
    for county, towns in TOWNS.items():
        for town in towns:
            # Bigger places get more programs; every town gets at least one.
            count = 1 + (town in ("Boston", "Worcester", "Springfield", "Lowell", "Cambridge",
                                  "Brockton", "New Bedford", "Fall River", "Lynn", "Lawrence")) * 3
            count += rng.random() < 0.6
            for _ in range(count):
                rows.append(_row(rng, number, town, county, centres[town]))
                number += 1
    return rows


def main() -> None:
    """Write ``providers.csv`` and ``providers.meta.json`` into the output folder."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out-dir", type=Path, default=Path("data") / "sample")
    out_dir = parser.parse_args().out_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = build_rows()
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMN_NAMES, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    (out_dir / "providers.csv").write_text(buffer.getvalue(), encoding="utf-8")
    meta = {
        "sample": True,
        "title": "IOP Finder sample dataset (fictional programs)",
        "source": "Generated by scripts/make_sample_data.py; every program is fictional.",
        "version": VERSION,
        "created": CREATED,
        "programs": len(rows),
        "seed": SEED,
    }
    (out_dir / "providers.meta.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {len(rows)} programs to {out_dir / 'providers.csv'}")


if __name__ == "__main__":
    main()

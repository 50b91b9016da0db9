"""How far is the offline geocoder from the truth? Measured on real IOP addresses.

Offline-geocodes the street addresses of the 80 intensive outpatient programs
(``oit == 1``) in the FindTreatment.gov Massachusetts export and compares each
point with the coordinates SAMHSA publishes for it. Prints the median and 90th
percentile distance in miles; the target is a median of 2 miles or less.

Usage::

    python scripts/geocode_accuracy.py [../shared/data/findtreatment/FindTreatment_MA_2025-08-19.csv]

Source: SAMHSA, FindTreatment.gov (public domain); the file stays in ../shared.
"""

from __future__ import annotations

import csv
import statistics
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from geopy.distance import geodesic

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from finder.geocode import Locator  # noqa: E402

DEFAULT_CSV = ROOT.parent / "shared" / "data" / "findtreatment" / "FindTreatment_MA_2025-08-19.csv"
TARGET_MEDIAN_MILES = 2.0


@dataclass(frozen=True)
class Accuracy:
    """Distances (miles) between offline points and published coordinates."""

    distances_miles: tuple[float, ...]
    precisions: dict[str, int]
    failures: int

    @property
    def median_miles(self) -> float:
        return statistics.median(self.distances_miles)

    @property
    def p90_miles(self) -> float:
        return statistics.quantiles(self.distances_miles, n=10, method="inclusive")[-1]

    @property
    def max_miles(self) -> float:
        return max(self.distances_miles)


def iop_rows(path: Path) -> list[dict[str, str]]:
    """Return the rows with ``oit == 1``, header names stripped of their padding."""
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.reader(fh)
        header = [name.strip() for name in next(reader)]
        rows = [dict(zip(header, (cell.strip() for cell in row), strict=False)) for row in reader]
    return [r for r in rows if r.get("oit") == "1"]


def measure(path: Path, locator: Locator | None = None, *, with_zip: bool = True) -> Accuracy:
    """Offline-geocode every IOP address in the export and measure the error.

    ``with_zip=False`` leaves the ZIP code out, to measure town-centre answers.
    """
    locator = locator or Locator()
    distances: list[float] = []
    precisions: Counter[str] = Counter()
    failures = 0
    for row in iop_rows(path):
        street = ", ".join(p for p in (row["street1"], row.get("street2", "")) if p)
        address = f"{street}, {row['city']}, MA {row['zip'] if with_zip else ''}"
        try:
            place = locator.locate(address)
        except Exception:  # a failure counts against us, it does not stop the run
            failures += 1
            continue
        precisions[str(place.precision)] += 1
        truth = (float(row["latitude"]), float(row["longitude"]))
        distances.append(geodesic(truth, (place.lat, place.lon)).miles)
    return Accuracy(tuple(distances), dict(precisions), failures)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    path = Path(args[0]) if args else DEFAULT_CSV
    locator = Locator()
    ok = False
    for title, with_zip in (("street, town, ZIP", True), ("street and town, no ZIP", False)):
        result = measure(path, locator, with_zip=with_zip)
        n = len(result.distances_miles)
        print(f"{title}: {n} IOP addresses geocoded offline (failed: {result.failures})")
        print(f"  precision: {result.precisions}")
        print(f"  median distance: {result.median_miles:.2f} mi")
        print(f"  90th percentile: {result.p90_miles:.2f} mi")
        print(f"  max distance:    {result.max_miles:.2f} mi")
        if with_zip:
            ok = result.median_miles <= TARGET_MEDIAN_MILES
    print(f"target median <= {TARGET_MEDIAN_MILES} mi: {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

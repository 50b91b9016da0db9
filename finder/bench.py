"""Benchmark of the search engine against the naive way tutorials do it.

The timed query is the typical one: programs within 25 miles of downtown
Boston that take MassHealth and have evening sessions. It runs through the
real ``search()`` code path on catalogs of several sizes:

* synthetic catalogs "spread like real facilities": each program is placed
  near a facility drawn at random from the 14,034 real national SAMHSA
  locations (``../shared/data/samhsa_locator_2021``), or near a Massachusetts
  ZIP centre when that file is absent, with a jitter of about two miles;
* the 14,034 real facilities themselves (real coordinates, synthetic
  attributes, since that file has no services or schedules).

Attributes (plans, schedules, services...) are drawn with frequencies close to
the 80 real FindTreatment.gov IOP rows in Massachusetts and the sample dataset.
A million ``Program`` objects would take minutes and gigabytes to build, so
catalogs are built with ``Catalog.from_arrays`` and a program is built the
first time a result needs it, then kept (the app holds its programs in memory
too).

The baseline is a per-row Python loop calling ``geopy.distance.distance`` for
every program, then checking plan and evening, then sorting. Above
``baseline_rows`` programs it runs on a random sample and its time is scaled
by ``n / sample``; the report says so.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import os
import platform
import resource
import statistics
import time
import tracemalloc
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

import numpy as np
import numpy.typing as npt

from finder.model import (
    Accepting,
    Attendance,
    Insurance,
    LatLon,
    Program,
)
from finder.schedule import PartOfDay, try_weekly_schedule
from finder.search import (
    INSURANCE_BITS,
    LANGUAGE_BITS,
    LEVEL_BITS,
    POPULATION_BITS,
    SERVICE_BITS,
    Catalog,
    SearchQuery,
    describe,
    search,
)

__all__ = [
    "DEFAULT_SIZES",
    "REAL_FACILITIES",
    "TARGETS",
    "TYPICAL_QUERY",
    "baseline_search",
    "format_report",
    "machine_info",
    "real_coordinates",
    "run_bench",
    "synthetic_catalog",
]

#: The national SAMHSA facility list, relative to the repository (never copied in).
REAL_FACILITIES = (
    Path(__file__).resolve().parent.parent.parent
    / "shared" / "data" / "samhsa_locator_2021" / "SAMHSA_SUD_facilities_national_2021.csv"
)
DEFAULT_SIZES: tuple[int | str, ...] = (100, 10_000, 100_000, 1_000_000, "real")

#: 25 miles around Boston City Hall, MassHealth, evening sessions.
TYPICAL_QUERY = SearchQuery(
    origin=LatLon(42.3603, -71.0580),
    origin_label="Boston City Hall",
    radius_miles=25,
    insurance=(Insurance.MASSHEALTH,),
    sessions=(PartOfDay.EVENING,),
)

#: The issue's targets: (programs, what, limit).
TARGETS: tuple[tuple[int, str, float], ...] = (
    (10_000, "p50_ms", 2.0),
    (1_000_000, "p50_ms", 50.0),
    (10_000, "ratio_min", 100.0),
    (1_000_000, "peak_mb", 1024.0),
)

# Share of programs accepting each plan (FindTreatment MA IOP rows, rounded).
_PLAN_SHARE = {
    Insurance.MASSHEALTH: 0.76,
    Insurance.MEDICARE: 0.52,
    Insurance.PRIVATE: 0.96,
    Insurance.SELF_PAY: 0.96,
    Insurance.SLIDING_SCALE: 0.19,
    Insurance.FREE: 0.05,
    Insurance.MILITARY: 0.2,
    Insurance.STATE_FINANCED: 0.3,
    **dict.fromkeys(INSURANCE_BITS[3:13], 0.25),
}
# Typical weekly schedules (from the sample dataset); "" is "not listed".
_SCHEDULES = (
    "",
    "Mo-Fr 09:00-12:00",
    "Mo-Th 17:30-20:30",
    "Mo,We,Th 13:00-16:00",
    "Mo-Th 10:00-13:00, Mo,We,Th 18:00-21:00",
    "Tu,We,Th 17:00-20:00",
    "Tu,Th 13:30-16:30",
    "Sa,Su 10:00-13:00",
    "Mo,We,Th 18:00-21:00",
    "Sa 09:00-12:00, Su 10:00-13:00",
    "Mo-Th 17:30-20:30, Sa 09:00-12:00, Su 10:00-13:00",
    "Mo,We,Fr 09:30-12:30, Mo,Tu,Th 18:00-21:00",
    "Mo,Tu,Th 18:00-21:00",
    "Mo,We,Fr 09:30-12:30",
    "Mo-Fr 09:00-12:00, Mo-Th 17:30-20:30",
)
_SCHEDULE_SHARE = (0.15, *([0.85 / (len(_SCHEDULES) - 1)] * (len(_SCHEDULES) - 1)))
_TODAY = dt.date(2026, 1, 1)


def real_coordinates(path: Path = REAL_FACILITIES) -> npt.NDArray[np.float64] | None:
    """Read the real facility coordinates as an ``(n, 2)`` array of (lat, lon).

    Parameters
    ----------
    path : Path
        The SAMHSA national CSV.

    Returns
    -------
    ndarray or None
        None when the file is not there (e.g. outside the development setup).
    """
    if not path.is_file():
        return None
    points = []
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            try:
                lat, lon = float(row["latitude"]), float(row["longitude"])
            except (KeyError, ValueError):
                continue
            if -90 <= lat <= 90 and -180 <= lon <= 180:
                points.append((lat, lon))
    return np.array(points, dtype=np.float64)


def _ma_zip_centres() -> npt.NDArray[np.float64]:
    import zipcodes

    return np.array(
        [(float(z["lat"]), float(z["long"])) for z in zipcodes.filter_by(state="MA")],
        dtype=np.float64,
    )


class _LazyPrograms(dict[int, Program]):
    """Programs built from the columns on first access, then kept.

    A dict with ``__missing__`` rather than a ``Sequence`` class: a hit is then a
    C-level lookup, like indexing the tuple a real catalog holds, so the timing
    is not dominated by this stand-in.
    """

    def __init__(self, columns: dict[str, Any]) -> None:
        super().__init__()
        self._columns = columns

    def __len__(self) -> int:
        return len(self._columns["latitude"])

    def __missing__(self, index: int) -> Program:
        program = self[index] = self._build(index)
        return program

    def _build(self, i: int) -> Program:
        c = self._columns
        plans = int(c["insurance"][i])
        code = int(c["schedule_code"][i])
        return Program(
            program_id=f"synthetic-{i:07d}",
            organization="Synthetic Organization",
            program_name=f"Synthetic IOP {i}",
            level_of_care=LEVEL_BITS[int(c["level"][i]).bit_length() - 1],
            street="1 Example St",
            city="Example",
            state="MA",
            zip="00000",
            latitude=float(c["latitude"][i]),
            longitude=float(c["longitude"][i]),
            phone="(617) 555-0100",
            last_verified=dt.date.fromordinal(int(c["last_verified"][i])),
            source="Synthetic (benchmark)",
            insurance=tuple(p for b, p in enumerate(INSURANCE_BITS) if plans >> b & 1),
            schedule=c["schedules"][code] if code >= 0 else "",
            attendance=(None, Attendance.IN_PERSON, Attendance.TELEHEALTH, Attendance.HYBRID)[
                int(c["attendance"][i])
            ],
            accepting_new_clients=Accepting.YES if c["accepting"][i] else Accepting.UNKNOWN,
        )


def _bits(rng: np.random.Generator, n: int, shares: Sequence[float], dtype: type) -> Any:
    mask: Any = np.zeros(n, dtype=dtype)
    for bit, share in enumerate(shares):
        mask |= (rng.random(n) < share).astype(dtype) << dtype(bit)
    return mask


def synthetic_catalog(
    n: int | None,
    rng: np.random.Generator,
    anchors: npt.NDArray[np.float64],
    *,
    exact: bool = False,
) -> tuple[Catalog, dict[str, Any]]:
    """Build a catalog of synthetic programs spread like real facilities.

    Parameters
    ----------
    n : int or None
        How many programs; None with ``exact`` means one per anchor.
    rng : numpy.random.Generator
        Source of randomness (seeded, so runs repeat).
    anchors : ndarray
        ``(k, 2)`` real (lat, lon) points to place programs around.
    exact : bool
        Put the programs exactly on the anchors instead (the real dataset).

    Returns
    -------
    tuple[Catalog, dict]
        The catalog and its raw columns (for the baseline).
    """
    if exact:
        points = anchors
    else:
        assert n is not None
        picks = anchors[rng.integers(0, len(anchors), n)]
        jitter = rng.normal(0.0, 0.03, (n, 2))  # about 2 miles
        jitter[:, 1] /= np.cos(np.radians(picks[:, 0]))
        points = picks + jitter
        points[:, 0] = np.clip(points[:, 0], -89.9, 89.9)
        points[:, 1] = (points[:, 1] + 180.0) % 360.0 - 180.0
    size = len(points)
    shares = [_PLAN_SHARE.get(plan, 0.0) for plan in INSURANCE_BITS]
    language_shares = [0.98 if x == "English" else 0.35 if x == "Spanish" else 0.03
                       for x in LANGUAGE_BITS]
    columns: dict[str, Any] = {
        "latitude": points[:, 0].copy(),
        "longitude": points[:, 1].copy(),
        "insurance": _bits(rng, size, shares, np.uint32),
        "level": (np.uint8(1) << rng.choice(
            np.arange(len(LEVEL_BITS), dtype=np.uint8), size, p=[0.7, 0.25, 0.05, 0.0]
        )).astype(np.uint8),
        "services": _bits(rng, size, [0.6, 0.15, 0.5, 0.7][: len(SERVICE_BITS)], np.uint8),
        "populations": _bits(rng, size, [0.85] + [0.15] * (len(POPULATION_BITS) - 1), np.uint16),
        "languages": _bits(rng, size, language_shares, np.uint64),
        "attendance": rng.choice(np.arange(4, dtype=np.uint8), size, p=[0.1, 0.45, 0.07, 0.38]),
        "accepting": rng.random(size) < 0.6,
        "last_verified": _TODAY.toordinal() - rng.integers(0, 365, size, dtype=np.int32),
        "schedules": _SCHEDULES[1:],
        "schedule_code": rng.choice(len(_SCHEDULES), size, p=_SCHEDULE_SHARE).astype(np.int32) - 1,
    }
    programs = cast(Sequence[Program], _LazyPrograms(columns))  # indexed like one
    catalog = Catalog.from_arrays(programs=programs, **columns)
    return catalog, columns


def baseline_search(rows: Sequence[dict[str, Any]], query: SearchQuery) -> list[tuple[float, int]]:
    """Answer the typical query the tutorial way: a Python loop with geopy per row.

    Parameters
    ----------
    rows : Sequence[dict]
        ``{"i", "lat", "lon", "insurance": list[str], "schedule": str}`` per program.
    query : SearchQuery
        Uses origin, radius, insurance and sessions.

    Returns
    -------
    list of (distance_miles, i)
        Matches, nearest first.
    """
    from geopy.distance import distance

    origin = (query.origin.lat, query.origin.lon)
    plans = [str(p) for p in query.insurance]
    parts = set(query.sessions)
    found = []
    for row in rows:
        miles = distance(origin, (row["lat"], row["lon"])).miles
        if query.radius_miles is not None and miles > query.radius_miles:
            continue
        if plans and not any(plan in row["insurance"] for plan in plans):
            continue
        if parts:
            schedule = try_weekly_schedule(row["schedule"])
            if schedule is None or not parts & schedule.parts:
                continue
        found.append((miles, row["i"]))
    found.sort()
    return found


def _baseline_rows(columns: dict[str, Any], picks: npt.NDArray[np.int64]) -> list[dict[str, Any]]:
    schedules = columns["schedules"]
    rows = []
    for i in picks.tolist():
        plans = int(columns["insurance"][i])
        code = int(columns["schedule_code"][i])
        rows.append({
            "i": i,
            "lat": float(columns["latitude"][i]),
            "lon": float(columns["longitude"][i]),
            "insurance": [str(p) for b, p in enumerate(INSURANCE_BITS) if plans >> b & 1],
            "schedule": schedules[code] if code >= 0 else "",
        })
    return rows


def _percentile_ms(samples_ns: Sequence[int], q: float) -> float:
    return float(np.percentile(np.asarray(samples_ns, dtype=np.float64), q)) / 1e6


def _time_search(
    catalog: Catalog, query: SearchQuery, repeat: int
) -> tuple[list[int], list[int], int]:
    """Wall-clock and CPU nanoseconds of ``repeat`` searches, and the match count."""
    result = search(catalog, query)  # warm up: caches, lazily built programs
    wall, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter_ns(), time.process_time_ns()
        search(catalog, query)
        cpu.append(time.process_time_ns() - start_cpu)
        wall.append(time.perf_counter_ns() - start)
    return wall, cpu, result.total


def _repeat_for(n: int) -> int:
    return 300 if n <= 20_000 else 100 if n <= 200_000 else 30


@functools.lru_cache(maxsize=1)
def machine_info() -> dict[str, Any]:
    """Describe the machine the benchmark ran on."""
    model = platform.processor() or platform.machine()
    memory_gb = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
                break
    except OSError:
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count() or 0
    return {
        "cpu": model,
        "cpus": usable,
        "memory_gb": memory_gb,
        "os": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
    }


def run_bench(
    sizes: Sequence[int | str] = DEFAULT_SIZES,
    *,
    repeat: int | None = None,
    baseline_rows: int = 20_000,
    baseline_repeat: int = 3,
    seed: int = 5,
    real_path: Path = REAL_FACILITIES,
) -> dict[str, Any]:
    """Time the typical query at each size, with the naive baseline.

    Parameters
    ----------
    sizes : Sequence[int | str]
        Catalog sizes; ``"real"`` is the real national facility list (skipped,
        with a note, when the file is absent).
    repeat : int, optional
        Timed queries per size; by default 300 for small catalogs down to 30
        at a million.
    baseline_rows : int
        Largest number of rows the baseline loops over; larger catalogs are
        sampled and the time scaled.
    baseline_repeat : int
        Timed baseline runs per size.
    seed : int
        Random seed for the synthetic data and samples.
    real_path : Path
        Where the real facility list is.

    Returns
    -------
    dict
        ``{"machine", "query", "results": [...], "notes": [...], "targets": [...]}``.
    """
    rng = np.random.default_rng(seed)
    real = real_coordinates(real_path)
    notes: list[str] = []
    if real is not None:
        anchors = real
        spread = f"around the {len(real):,} real SAMHSA facility locations"
    else:
        anchors = _ma_zip_centres()
        spread = "around Massachusetts ZIP centres (real facility file not found)"
    notes.append(f"Synthetic programs are placed {spread}, with about 2 miles of jitter.")
    results = []
    for size in sizes:
        if size == "real":
            if real is None:
                notes.append(f"Skipped 'real': {real_path.name} not found.")
                continue
            label = "real SAMHSA 2021 facilities (synthetic attributes)"
        else:
            label = "synthetic"
        tracemalloc.start()
        if size == "real":
            catalog, columns = synthetic_catalog(None, rng, anchors, exact=True)
        else:
            catalog, columns = synthetic_catalog(int(size), rng, anchors)
        search(catalog, TYPICAL_QUERY)
        peak_mb = tracemalloc.get_traced_memory()[1] / 1_048_576
        tracemalloc.stop()
        n = len(catalog)
        samples, cpu_samples, total = _time_search(catalog, TYPICAL_QUERY, repeat or _repeat_for(n))

        sample = min(n, baseline_rows)
        picks = np.arange(n) if sample == n else np.sort(rng.choice(n, sample, replace=False))
        rows = _baseline_rows(columns, picks)
        baseline_ns = []
        for _ in range(baseline_repeat):
            start = time.perf_counter_ns()
            baseline_search(rows, TYPICAL_QUERY)
            baseline_ns.append((time.perf_counter_ns() - start) * n // sample)
        p50 = _percentile_ms(samples, 50)
        baseline_p50 = statistics.median(baseline_ns) / 1e6
        results.append({
            "programs": n,
            "data": label,
            "matches": total,
            "repeat": len(samples),
            "p50_ms": round(p50, 3),
            "p95_ms": round(_percentile_ms(samples, 95), 3),
            "cpu_p50_ms": round(_percentile_ms(cpu_samples, 50), 3),
            "baseline_p50_ms": round(baseline_p50, 1),
            "baseline_sampled_rows": sample if sample < n else None,
            "ratio": round(baseline_p50 / p50, 1) if p50 else None,
            "peak_mb": round(peak_mb, 1),
            "catalog_mb": round(catalog.nbytes / 1_048_576, 1),
        })
        if sample < n:
            notes.append(
                f"Baseline at {n:,} programs ran on a random sample of {sample:,} rows; "
                f"its time is scaled by {n / sample:g}."
            )
        if total == 0:
            notes.append(
                f"At {n:,} programs ({label}) the query matched none: that row times "
                "an empty answer."
            )
        del catalog, columns, rows
    notes.append(
        "p50/p95 are wall-clock; cpu_p50_ms is the process CPU time of the same queries, "
        "which other load on the machine disturbs less."
    )
    notes.append(
        "peak_mb is the tracemalloc peak while generating the columns, building the "
        "catalog from them (Catalog.from_arrays) and running one query; a Program is "
        "built only for each match. Loading a provider CSV of that size into Program "
        "objects (load_programs, Catalog.from_programs) is not measured."
    )
    notes.append(
        "The baseline is a pure-Python loop and its time varies a lot between runs on "
        "a shared machine; compare ratios across runs with care."
    )
    max_rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "machine": {**machine_info(), "max_rss_mb": round(max_rss_kb / 1024, 1)},
        "query": {**TYPICAL_QUERY.as_dict(), "description": describe(TYPICAL_QUERY)},
        "results": results,
        "targets": _check_targets(results),
        "notes": notes,
    }


def _check_targets(results: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    checks = []
    for programs, what, limit in TARGETS:
        row = next((r for r in results if r["programs"] == programs and r["data"] == "synthetic"),
                   None)
        if row is None:
            continue
        if what == "ratio_min":
            value, met = row["ratio"], row["ratio"] is not None and row["ratio"] >= limit
            text = f"ratio >= {limit:g} at {programs:,}"
        else:
            value, met = row[what], row[what] <= limit
            text = f"{what} <= {limit:g} at {programs:,}"
        checks.append({"target": text, "value": value, "met": bool(met)})
    return checks


def format_report(report: dict[str, Any]) -> str:
    """Render ``run_bench`` output as a plain-text table with notes.

    Parameters
    ----------
    report : dict
        What ``run_bench`` returned.

    Returns
    -------
    str
    """
    machine = report["machine"]
    lines = [
        f"Query: {report['query']['description']}",
        f"Machine: {machine['cpu']}, {machine['cpus']} CPUs, {machine['memory_gb']} GB, "
        f"Python {machine['python']}, numpy {machine['numpy']}",
        "",
        f"{'programs':>10} {'matches':>8} {'p50 ms':>8} {'p95 ms':>8} {'cpu p50':>8} "
        f"{'baseline ms':>12} {'ratio':>8} {'peak MB':>8}  data",
    ]
    for r in report["results"]:
        sampled = "*" if r["baseline_sampled_rows"] else " "
        lines.append(
            f"{r['programs']:>10,} {r['matches']:>8,} {r['p50_ms']:>8.3f} {r['p95_ms']:>8.3f} "
            f"{r['cpu_p50_ms']:>8.3f} "
            f"{r['baseline_p50_ms']:>11,.1f}{sampled} {r['ratio'] or 0:>8,.0f} "
            f"{r['peak_mb']:>8.1f}  {r['data']}"
        )
    if report["targets"]:
        lines.append("")
        lines.extend(
            f"target {t['target']}: {t['value']} ({'met' if t['met'] else 'NOT met'})"
            for t in report["targets"]
        )
    lines.append("")
    lines.extend(f"note: {n}" for n in report["notes"])
    lines.append("(* baseline measured on a sample and scaled)")
    return "\n".join(lines)


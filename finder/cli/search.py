"""``finder search`` and ``finder bench``: the search engine from the command line.

Exit codes follow the rest of the CLI: 0 success, 1 nothing matched, 2 the
input cannot be used (bad option, unreadable data file, place not found).
Registered in ``finder/cli/__init__.py``.
"""

from __future__ import annotations

import dataclasses
import io
import json
import logging
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import click

from finder.cli._common import echo, fail, live_programs, settings, vocabulary
from finder.config import Settings
from finder.errors import FinderError, GeocodeError, GeocodeNotFound, OutsideMassachusetts, Say
from finder.labels import Labels, available_locales, labels
from finder.model import (
    LANGUAGES,
    Attendance,
    Insurance,
    LatLon,
    LevelOfCare,
    Population,
    Program,
    Service,
)
from finder.schedule import PartOfDay
from finder.search import (
    RADIUS_CHOICES,
    Catalog,
    Match,
    SearchQuery,
    SortOrder,
    describe,
    search,
)

__all__ = ["bench_command", "search_command", "write_csv"]

log = logging.getLogger(__name__)

def _locate(text: str, settings: Settings, offline: bool,
            words: Labels | None = None) -> tuple[LatLon, str]:
    """Geocode ``--near`` text; exit 2 with the user message when that fails."""
    w = words or labels()
    from finder.geocode import build_locator

    if offline:
        settings = dataclasses.replace(settings, geocoder="off")
    try:
        place = build_locator(settings).locate(text)
    except OutsideMassachusetts as err:
        if err.nearby is None:
            fail(w.say(err.user_message))
        from finder.gazetteer import ELSEWHERE

        # Near the border: say so, then list the Massachusetts programs nearest to it.
        echo(w.say(Say.joined(Say("IOP Finder covers Massachusetts only."), ELSEWHERE)),
             err=True)
        place = err.nearby
    except GeocodeNotFound as err:
        message = w.say(err.user_message)
        if not err.suggestions:
            tips = ""
        elif message.endswith("?"):  # it already asks ("Which Manchester did you mean?"): list them
            tips = " " + "; ".join(err.suggestions)
        else:
            tips = " " + w.format("Did you mean: {places}?", places=", ".join(err.suggestions))
        fail(message + tips)
    except GeocodeError as err:
        fail(w.say(err.user_message))
    log.debug("located --near text (%s)", place.precision)  # never where: it is what was typed
    if place.note:
        echo(w.say(place.note), err=True)
    return place.latlon, place.label


def write_csv(matches: Sequence[Match], stream: io.TextIOBase | Any, *, search: str,
              data_source: str, locale: str = "en") -> None:
    """Write matches through the formula-safe exporter (``finder.export``).

    The same exporter serves the app's downloads: a heading that states the
    search, the date and the data source, a blank line, then one row per match.

    Parameters
    ----------
    matches : Sequence[Match]
        Search results, in order.
    stream : text stream
        Where to write.
    search : str
        The search in words (``describe(query)``).
    data_source : str
        Where the programs come from.
    locale : str
        The language of the headings and values (``finder.labels``).
    """
    from finder.export import ExportMeta, export_rows, to_csv

    stream.write(to_csv(export_rows(matches, locale=locale),
                        ExportMeta(search=search, data_source=data_source, locale=locale)))


def _data_source(meta: dict[str, Any], programs: Sequence[Program]) -> str:
    """Say where the programs come from, e.g. "SAMHSA, FindTreatment.gov, data as of 2025-08-19"."""
    from finder.provenance import dataset_source

    return dataset_source(programs, meta).line()


def _hidden_message(n: int, w: Labels, fmt: str) -> str:
    """Say how many programs with no published times stay out, and the flag that includes them."""
    if not n:
        return ""
    if fmt == "csv":
        return w.ngettext(
            "{n} more program near you hasn't published session times and is not in this CSV; "
            "add --include-unknown-schedule to include it.",
            "{n} more programs near you haven't published session times and are not in this "
            "CSV; add --include-unknown-schedule to include them.", n)
    return w.ngettext(
        "{n} more program near you hasn't published session times: it is in unknown_schedule, "
        "not in results; add --include-unknown-schedule to list it with the others.",
        "{n} more programs near you haven't published session times: they are in "
        "unknown_schedule, not in results; add --include-unknown-schedule to list them with "
        "the others.", n)


def _unknown_schedule_table(matches: Sequence[Match], *, first: int,
                            words: Labels | None = None) -> str:
    from finder.labels import CALL_SCRIPT  # the questions the page asks too

    w = words or labels()
    lines = [
        "",
        w.ngettext("{n} more program near you hasn't published session times: call to ask",
                   "{n} more programs near you haven't published session times: call to ask",
                   len(matches))
        + ". " + w.gettext("They match everything else; --include-unknown-schedule lists them "
                           "with the others."),
        w.gettext("When you call, ask:"),
        *(f"  - {w.gettext(question)}" for question in CALL_SCRIPT),
        "",
        _table(matches, first=first, words=w),
    ]
    return "\n".join(lines)


def _table(matches: Sequence[Match], *, first: int = 1, words: Labels | None = None) -> str:
    w = words or labels()
    lines = []
    for n, match in enumerate(matches, first):
        p = match.program
        miles = w.format("{miles} mi", miles=w.number(match.distance_miles, 1))
        lines.append(f"{n:>3}. {miles:>9}  {p.program_name} ({p.organization})")
        lines.append(f"     {p.address} · {p.phone}")
        sessions = w.schedule(p.schedule) if match.schedule_listed else w.gettext(
            "Schedule not listed")
        lines.append("     " + w.gettext("Sessions:") + f" {sessions}")
        lines.extend(f"     ✓ {w.reason(reason)}" for reason in match.reasons)
        lines.extend(f"     ! {w.plan_note(plan)}" for reason in match.reasons
                     if reason.code == "takes_private" for plan in reason.values)
    return "\n".join(lines)


def _as_dict(match: Match, words: Labels) -> dict[str, Any]:
    """Return a match's JSON: reasons and notes in the chosen language's words, and as codes."""
    data = match.as_dict()
    data["reason_codes"] = data.pop("reasons")
    data["reasons"] = [words.reason(r) for r in match.reasons]
    data["plan_notes"] = [words.plan_note(plan) for r in match.reasons
                          if r.code == "takes_private" for plan in r.values]
    if words.locale != "en":
        data["schedule_text"] = (words.schedule(match.program.schedule) if match.schedule_listed
                                 else words.gettext("Schedule not listed"))
    return data


@click.command("search")
@click.option("--near", help="A ZIP code, town or address in Massachusetts.")
@click.option("--lat", type=float, help="Latitude to search from (with --lon).")
@click.option("--lon", type=float, help="Longitude to search from (with --lat).")
@click.option("--radius-miles", type=click.Choice([*map(str, RADIUS_CHOICES), "any"]),
              default="25", show_default=True, help="How far to look.")
@click.option("--insurance", multiple=True, metavar="NAME",
              help="A way to pay, e.g. MassHealth (repeat for any of several).")
@click.option("--sessions", multiple=True, type=click.Choice([str(p) for p in PartOfDay]),
              help="Parts of the day the program meets (any of them).")
@click.option("--available", metavar="SPEC",
              help="When you can attend, e.g. 'Mo-Fr 17:30-21:30'.")
@click.option("--include-unknown-schedule", is_flag=True,
              help="Also list programs whose schedule is not listed.")
@click.option("--language", multiple=True, metavar="L", help="A language, e.g. Spanish.")
@click.option("--service", multiple=True, metavar="S",
              help="A service, e.g. Buprenorphine or 'Co-occurring mental health'.")
@click.option("--population", multiple=True, metavar="P", help="A group served, e.g. Women.")
@click.option("--level-of-care", multiple=True, metavar="LEVEL",
              help="IOP (also matches SOAP), SOAP, PHP or OP.")
@click.option("--attendance", type=click.Choice(["in-person", "telehealth"]),
              help="How you want to attend (hybrid programs count for both).")
@click.option("--accepting-new-clients", is_flag=True, help="Only programs taking new clients.")
@click.option("--data", "data_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Provider CSV to search. [default: the live dataset]")
@click.option("--offline", is_flag=True, help="Look up --near without any online service.")
@click.option("--sort", type=click.Choice([str(s) for s in SortOrder]), default="distance",
              show_default=True)
@click.option("--lang", "lang", type=click.Choice(available_locales()), default="en",
              show_default=True, help="The language of the words printed (es: Spanish).")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table",
              show_default=True)
def search_command(
    near: str | None,
    lat: float | None,
    lon: float | None,
    radius_miles: str,
    insurance: tuple[str, ...],
    sessions: tuple[str, ...],
    available: str | None,
    include_unknown_schedule: bool,
    language: tuple[str, ...],
    service: tuple[str, ...],
    population: tuple[str, ...],
    level_of_care: tuple[str, ...],
    attendance: str | None,
    accepting_new_clients: bool,
    data_path: Path | None,
    offline: bool,
    sort: str,
    lang: str,
    fmt: str,
) -> None:
    """Find programs near a place. Exit 0 with results, 1 if none, 2 on bad input."""
    # The live dataset is validated once per version (finder.validated, through
    # the store), so an unchanged one needs neither pandas nor the validation again.
    if near and (lat is not None or lon is not None):
        fail("Give either --near or --lat/--lon, not both.")
    if not near and (lat is None or lon is None):
        fail("Say where to search from: --near TEXT, or both --lat and --lon.")
    cfg = settings()
    plans = vocabulary(insurance, [str(i) for i in Insurance], "payment option")
    languages = vocabulary(language, LANGUAGES, "language")
    services = vocabulary(service, [str(s) for s in Service], "service")
    populations = vocabulary(population, [str(p) for p in Population], "population")
    levels = vocabulary(level_of_care, [str(v) for v in LevelOfCare], "level of care")

    loaded, meta, path = live_programs(cfg, data_path)
    report = loaded.report
    if report.file_error is not None:
        fail(report.to_text(str(path)))
    if report.errors:
        echo(
            f"note: {len(report.errors)} problem(s) in {path}; rows with errors were skipped "
            f"(run 'finder validate {path}' for details).",
            err=True,
        )
    catalog = Catalog.from_programs(loaded.programs)

    if lat is not None and lon is not None:
        origin, label = LatLon(lat, lon), f"{lat:.4f}, {lon:.4f}"
    else:
        origin, label = _locate(near or "", cfg, offline, labels(lang))
    try:
        query = SearchQuery(
            origin=origin,
            origin_label=label,
            radius_miles=None if radius_miles == "any" else int(radius_miles),
            insurance=tuple(Insurance(p) for p in plans),
            sessions=tuple(PartOfDay(s) for s in sessions),
            available=available or "",
            include_unknown_schedule=include_unknown_schedule,
            level_of_care=tuple(LevelOfCare(v) for v in levels),
            services=tuple(Service(s) for s in services),
            populations=tuple(Population(p) for p in populations),
            languages=tuple(languages),
            attendance=Attendance(attendance) if attendance else None,
            accepting_new_clients=accepting_new_clients,
            sort=SortOrder(sort),
        )
    except FinderError as err:  # a QueryError: bad availability, radius...
        fail(labels(lang).say(err.user_message))
    result = search(catalog, query)
    w = labels(lang)
    sentence = describe(query) if lang == "en" else w.describe(query)

    if fmt == "json":
        payload = {
            "query": query.as_dict(),
            "description": sentence,
            "total": result.total,
            "unknown_schedule_hidden": result.unknown_schedule_hidden,
            # Names the flag whenever programs stay out of "results" (issue 12).
            "message": _hidden_message(result.unknown_schedule_hidden, w, "json"),
            "results": [_as_dict(m, w) for m in result.matches],
            # The second group (issue 12): every other filter passes, no published times.
            "unknown_schedule": [_as_dict(m, w) for m in result.unknown_schedule],
        }
        echo(json.dumps(payload, indent=2, ensure_ascii=False))
    elif fmt == "csv":
        out = io.StringIO()
        write_csv(result.matches, out, search=sentence, data_source=_data_source(meta, loaded.programs),
                  locale=lang)
        echo(out.getvalue(), nl=False)
        if result.unknown_schedule_hidden:
            echo(w.gettext("note:") + " " + _hidden_message(result.unknown_schedule_hidden, w, "csv"),
                 err=True)
    else:
        found = w.ngettext("{n} program found", "{n} programs found", result.total)
        if not result.matches and result.unknown_schedule:
            # Never "no programs" while nearby programs simply haven't published times.
            found = w.gettext("none has published session times that fit")
        echo(f"{sentence}: {found}.")
        # The call-to-ask group below says the count itself: say it once.
        if result.unknown_schedule_hidden and not result.unknown_schedule:
            echo("(" + w.ngettext("{n} more program has no schedule listed",
                                  "{n} more programs have no schedule listed",
                                  result.unknown_schedule_hidden) + ".)")
        if result.matches:
            echo(_table(result.matches, words=w))
        if result.unknown_schedule:
            echo(_unknown_schedule_table(result.unknown_schedule, first=result.total + 1, words=w))
    sys.exit(0 if result.matches or result.unknown_schedule else 1)


def _sizes(values: Iterable[str]) -> list[int | str]:
    sizes: list[int | str] = []
    for value in values:
        for item in value.split(","):
            item = item.strip().lower().replace("_", "")
            if not item:
                continue
            if item == "real":
                sizes.append("real")
                continue
            try:
                size = int(float(item))
            except ValueError:
                fail(f"--sizes takes numbers or 'real', got {item!r}")
            if size < 1:
                fail(f"--sizes must be at least 1, got {size}")
            sizes.append(size)
    return sizes


@click.command("bench")
@click.option("--sizes", multiple=True, metavar="N,...",
              help="Catalog sizes to time, comma-separated; 'real' is the 14,034 SAMHSA "
                   "facilities. [default: 100,10000,100000,1000000,real]")
@click.option("--repeat", type=int, default=None,
              help="Queries timed per size. [default: by size, 30 to 300]")
@click.option("--baseline-rows", type=int, default=20_000, show_default=True,
              help="Largest sample the naive baseline loops over; beyond it the time is scaled.")
@click.option("--seed", type=int, default=5, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
def bench_command(
    sizes: tuple[str, ...], repeat: int | None, baseline_rows: int, seed: int, fmt: str
) -> None:
    """Time a typical search (25 miles + insurance + evening) against a naive baseline."""
    from finder.bench import DEFAULT_SIZES, format_report, run_bench

    chosen = _sizes(sizes) if sizes else list(DEFAULT_SIZES)
    report = run_bench(chosen, repeat=repeat, baseline_rows=baseline_rows, seed=seed)
    if fmt == "json":
        echo(json.dumps(report, indent=2))
    else:
        echo(format_report(report))


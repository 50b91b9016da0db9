"""``finder coverage``, ``finder export`` and ``finder import hsds``: planning and exchange.

Exit codes follow the rest of the CLI: 0 success, 1 the output was written but
has problems (an import whose rows fail validation or were skipped), 2 the
input cannot be used (bad option, unreadable data or package, unwritable
output). Registered in ``finder/cli/__init__.py``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from finder.cli._common import echo, fail, imported_csv, live_programs, settings, vocabulary
from finder.errors import DataError, FinderError
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
from finder.store import DEFAULT_TITLE
from finder.words import count

__all__ = ["coverage_command", "export_command", "import_hsds_command"]

_F = TypeVar("_F", bound=Callable[..., Any])


def _filter_options(function: _F) -> _F:
    """Add the search filters of ``finder search`` to a command that filters programs."""
    options = [
        click.option("--insurance", multiple=True, metavar="NAME",
                     help="A way to pay, e.g. MassHealth (repeat for any of several)."),
        click.option("--sessions", multiple=True, type=click.Choice([str(p) for p in PartOfDay]),
                     help="Parts of the day the program meets (any of them)."),
        click.option("--available", metavar="SPEC",
                     help="When a person can attend, e.g. 'Mo-Fr 17:30-21:30'."),
        click.option("--include-unknown-schedule", is_flag=True,
                     help="Count programs whose schedule is not listed, too."),
        click.option("--language", multiple=True, metavar="L", help="A language, e.g. Spanish."),
        click.option("--service", multiple=True, metavar="S",
                     help="A service, e.g. Buprenorphine or 'Co-occurring mental health'."),
        click.option("--population", multiple=True, metavar="P", help="A group served, e.g. Women."),
        click.option("--level-of-care", multiple=True, metavar="LEVEL",
                     help="IOP (also matches SOAP), SOAP, PHP or OP."),
        click.option("--attendance", type=click.Choice(["in-person", "telehealth"]),
                     help="How people attend (hybrid programs count for both)."),
        click.option("--accepting-new-clients", is_flag=True,
                     help="Only programs taking new clients."),
        click.option("--schedule-confirmed", is_flag=True,
                     help="Only programs whose session times a person confirmed."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def _filters(options: dict[str, Any]):
    """Build the filters as a ``SearchQuery``; exit 2 with a "did you mean" on a typo."""
    from finder.search import SearchQuery

    plans = vocabulary(options["insurance"], [str(i) for i in Insurance], "payment option")
    languages = vocabulary(options["language"], LANGUAGES, "language")
    services = vocabulary(options["service"], [str(s) for s in Service], "service")
    populations = vocabulary(options["population"], [str(p) for p in Population], "population")
    levels = vocabulary(options["level_of_care"], [str(v) for v in LevelOfCare], "level of care")
    try:
        return SearchQuery(
            origin=LatLon(42.3601, -71.0589),
            radius_miles=None,
            insurance=tuple(Insurance(p) for p in plans),
            sessions=tuple(PartOfDay(s) for s in options["sessions"]),
            available=options["available"] or "",
            include_unknown_schedule=options["include_unknown_schedule"],
            level_of_care=tuple(LevelOfCare(v) for v in levels),
            services=tuple(Service(s) for s in services),
            populations=tuple(Population(p) for p in populations),
            languages=tuple(languages),
            attendance=Attendance(options["attendance"]) if options["attendance"] else None,
            accepting_new_clients=options["accepting_new_clients"],
        )
    except FinderError as err:
        fail(err.user_message)


def _programs(data_path: Path | None) -> tuple[list[Program], str, dict[str, Any]]:
    """Load the programs to use, how to name them and their metadata; exit 2 when unusable."""
    loaded, meta, path = live_programs(settings(), data_path)
    report = loaded.report
    if report.file_error is not None:
        fail(report.to_text(str(path)))
    if report.errors:
        echo(f"note: {len(report.errors)} problem(s) in {path}; rows with errors were left out "
             f"(run 'finder validate {path}' for details).", err=True)
    return loaded.programs, path, meta


def _data_option(function: _F) -> _F:
    return click.option(
        "--data", "data_path", type=click.Path(dir_okay=False, path_type=Path),
        help="Provider CSV to use. [default: the live dataset]",
    )(function)


def _write_text(text: str, output: Path | None) -> None:
    if output is None:
        echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as err:
        fail(f"{output}: cannot be written ({err.strerror}).")


def _coverage_table(result) -> str:
    from finder.coverage import DISTANCE_NOTE

    gaps = result.gaps_by_county()
    count = sum(len(towns) for towns in gaps.values())
    lines = [f"{result.heading}: {count} of {len(result.towns)} towns.", f"({DISTANCE_NOTE})", ""]
    if not len(result.programs):
        lines.append("No program passes these filters.")
    for county, towns in gaps.items():
        lines.append(f"{county} County ({len(towns)}): {', '.join(towns)}")
    lines += ["", f"{'town':<24} {'county':<11} {'nearest mi':>10} {'within':>6}  nearest program"]
    for row in result.town_rows():
        miles = "-" if row["nearest_miles"] is None else f"{row['nearest_miles']:.1f}"
        nearest = f"{row['nearest_program']} ({row['nearest_city']})" if row["nearest_program"] else ""
        lines.append(f"{row['town']:<24} {row['county']:<11} {miles:>10} "
                     f"{row['programs_within']:>6}  {nearest}")
    return "\n".join(lines) + "\n"


@click.command("coverage")
@click.option("--radius-miles", type=click.FloatRange(min=0, min_open=True, max=200),
              default=25, show_default=True,
              help="Towns with no program this close are listed as gaps.")
@_filter_options
@_data_option
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv", "geojson"]),
              default="table", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write here instead of standard output.")
def coverage_command(radius_miles: float, data_path: Path | None, fmt: str,
                     output: Path | None, **options: Any) -> None:
    """For every Massachusetts town: distance to the nearest program that fits, and the gaps.

    Distance is straight-line miles from the town's centre; it leaves out
    roads, transit and telehealth. Exit 0 when the answer was written.
    """
    from finder.coverage import coverage
    from finder.io.geo import coverage_to_csv, coverage_to_geojson

    schedule_confirmed = bool(options.pop("schedule_confirmed", False))
    filters = _filters(options)
    programs, _path, _meta = _programs(data_path)
    result = coverage(programs, filters, radius_miles=radius_miles,
                      schedule_confirmed=schedule_confirmed)
    if fmt == "json":
        text = json.dumps(result.as_dict(), indent=2, ensure_ascii=False) + "\n"
    elif fmt == "csv":
        text = coverage_to_csv(result)
    elif fmt == "geojson":
        text = coverage_to_geojson(result)
    else:
        text = _coverage_table(result)
    _write_text(text, output)
    sys.exit(0)


@click.command("export")
@click.option("--format", "fmt", type=click.Choice(["hsds", "geojson", "gpkg"]), required=True,
              help="hsds: an Open Referral HSDS 3.0 tabular package (a folder, or a .zip); "
                   "geojson or gpkg: every program as a point with every column.")
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True,
              help="Where to write: a file, or for hsds a folder or a .zip.")
@_data_option
def export_command(fmt: str, output: Path, data_path: Path | None) -> None:
    """Export every program as HSDS, GeoJSON or GeoPackage. Exit 0 when written, 2 if not."""
    from finder.provenance import is_sample_dataset

    programs, path, meta = _programs(data_path)
    if not programs:
        fail(f"{path} has no valid program to export.")
    if is_sample_dataset(programs):
        echo("warning: this is the fictional sample dataset; do not send it to another "
             "directory as real programs.", err=True)
    try:
        if fmt == "hsds":
            from finder.io.hsds import write_hsds

            write_hsds(programs, output, title=str(meta.get("title") or DEFAULT_TITLE))
        else:
            from finder.io.geo import write_geo

            write_geo(programs, output, fmt)
    except DataError as err:
        fail(err.user_message)
    except OSError as err:
        fail(f"{output}: cannot be written ({err.strerror or err}).")
    echo(f"{output}: {count(len(programs), 'program', 'programs')} written as {fmt}.", err=True)
    sys.exit(0)


@click.command("hsds")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the provider CSV here (default: standard output).")
@click.option("--level-of-care", type=click.Choice([str(v) for v in LevelOfCare]),
              help="Level of care of programs whose package does not say (the column is "
                   "required). Only use it when you know every such program is at this level.")
@click.option("--source", help="The source of programs whose package does not say "
                               "[default: 'HSDS package: <its title>'].")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="How to print the summary.")
def import_hsds_command(path: Path, output: Path | None, level_of_care: str | None,
                        source: str | None, fmt: str) -> None:
    """Import an Open Referral HSDS 3.0 tabular package (folder, .zip or datapackage.json).

    Writes a provider CSV for the usual validate, diff and publish steps. Exit
    0 when every service was imported and the CSV passes validation, 1 when
    some were skipped or rows have problems (the CSV is still written), 2 when
    the package cannot be read.
    """
    from finder.importers import write_csv
    from finder.io.hsds import import_hsds, import_summary_text

    try:
        result = import_hsds(path, level_of_care=level_of_care, source=source)
    except DataError as err:
        fail(f"{path}: {err.user_message}")
    csv_text, report, summary = imported_csv(result.rows, result.summary)
    if output is not None:
        try:
            write_csv(result.rows, output)
        except OSError as err:
            fail(f"{output}: cannot be written ({err.strerror}).")
        summary["output"] = str(output)
    else:
        echo(csv_text, nl=False)
    to_stderr = output is None
    if fmt == "json":
        echo(json.dumps(summary, indent=2, ensure_ascii=False), err=to_stderr)
    else:
        lines = [import_summary_text(result.summary)]
        where = str(output) if output is not None else "The output"
        if report.ok and result.rows:
            lines.append(f"{where}: {count(len(result.rows), 'program', 'programs')}; "
                         "passes finder validate.")
        elif result.rows:
            lines.append(f"{where}: finder validate finds "
                         f"{count(report.error_count, 'problem', 'problems')} "
                         "(fix them before publishing):")
            lines += [f"  row {e.row}, column {e.column}: {e.message}" for e in report.errors[:20]]
        else:
            lines.append("No program was imported.")
        echo("\n".join(lines), err=to_stderr)
    problems = bool(result.summary["skipped"]) or not report.ok or not result.rows
    sys.exit(1 if problems else 0)

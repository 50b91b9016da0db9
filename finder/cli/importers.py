"""``finder import ...``: turn outside listings into a provider CSV.

Exit codes follow ``finder validate``: 0 the output passes validation and no
row was skipped, 1 some rows were skipped or the output has validation errors
(it is still written), 2 the input cannot be used at all. Without ``-o`` the
CSV goes to standard output and the summary to standard error.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

import click

from finder.cli._common import echo, imported_csv, settings
from finder.errors import DataError
from finder.importers.findtreatment import (
    dataset_meta,
    import_findtreatment,
    summary_text,
    write_csv,
    write_meta_file,
)

__all__ = ["import_"]


@click.group("import")
def import_() -> None:
    """Import programs from outside sources into a provider CSV."""


def _parse_date(_ctx: click.Context, _param: click.Parameter, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"'{value}' is not a date written YYYY-MM-DD, such as 2025-08-19"
        ) from None


@import_.command("findtreatment")
@click.argument("path", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the provider CSV here (default: standard output).",
)
@click.option(
    "--as-of",
    "as_of",
    callback=_parse_date,
    metavar="YYYY-MM-DD",
    help="The download date, for listed_as_of (default: the date in the file name).",
)
@click.option(
    "--setting",
    default="oit",
    show_default=True,
    help="Service settings to import: oit (IOP), odt (PHP), ort or op (OP), "
    "several joined with commas, or all.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="How to print the summary.",
)
@click.option(
    "--write-meta",
    is_flag=True,
    help="With -o, also write the dataset metadata next to it (OUT.meta.json: source, "
    "data date, programs flagged for review), as data/providers.meta.json.",
)
def findtreatment(
    path: Path,
    output: Path | None,
    as_of: dt.date | None,
    setting: str,
    fmt: str,
    write_meta: bool,
) -> None:
    """Import a FindTreatment.gov download (CSV) or locator API response (JSON).

    Keeps the intensive outpatient listings unless --setting says otherwise,
    and prints what was read, corrected, merged and skipped.
    """
    try:
        result = import_findtreatment(path, setting=setting, as_of=as_of,
                                      max_bytes=settings().upload_max_bytes)
    except DataError as err:
        echo(f"{path}: {err.user_message}", err=True)
        sys.exit(2)

    csv_text, report, summary = imported_csv(result.rows, result.summary)
    if output is not None:
        try:
            write_csv(result.rows, output)
        except OSError as err:
            echo(f"{output}: cannot be written ({err.strerror}).", err=True)
            sys.exit(2)
        summary["output"] = str(output)
        if write_meta:
            meta_path = output.with_suffix(".meta.json")
            try:
                write_meta_file(dataset_meta(result, path.name), meta_path)
            except OSError as err:
                echo(f"{meta_path}: cannot be written ({err.strerror}).", err=True)
                sys.exit(2)
            summary["meta"] = str(meta_path)
    elif write_meta:
        echo("--write-meta needs -o: the metadata is written next to the CSV.", err=True)
        sys.exit(2)
    else:
        echo(csv_text, nl=False)

    to_stderr = output is None
    if fmt == "json":
        echo(json.dumps(summary, indent=2, ensure_ascii=False), err=to_stderr)
    else:
        echo(_text(summary, output), err=to_stderr)
    problems = bool(result.summary["skipped"]) or not report.ok or not result.rows
    sys.exit(1 if problems else 0)


def _text(summary: dict[str, Any], output: Path | None) -> str:
    lines = [summary_text(summary)]
    validation = summary["validation"]
    where = f"{output}" if output is not None else "The output"
    if not summary["imported"]:
        lines.append("No program was imported; check --setting and the file.")
    elif validation["passes"]:
        lines.append(f"{where}: {summary['imported']} programs; passes finder validate.")
    else:
        lines.append(
            f"{where}: {summary['imported']} programs; finder validate finds "
            f"{validation['error_count']} problems (fix them before publishing):"
        )
        lines += [
            f"  row {e['row']}, column {e['column']}: {e['message']}" for e in validation["errors"]
        ]
    return "\n".join(lines)

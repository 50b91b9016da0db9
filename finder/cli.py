"""The ``finder`` command line (click).

Exit codes follow ``finder validate``: 0 success, 1 the input has row-level
problems or nothing matched, 2 the input cannot be used at all. Messages are
plain sentences; a traceback is a bug.

``validate`` and ``template`` are defined here; the other subcommands live in
the modules they drive and are registered at the bottom of this file.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path

import click

from finder.config import Settings
from finder.load import DEFAULT_MAX_BYTES, validate_file
from finder.schema import COLUMN_NAMES
from finder.terminal import echo

__all__ = ["cli", "main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="iop-finder")
def cli() -> None:
    """IOP Finder: Massachusetts intensive outpatient programs, from the command line."""


def _echo_json(payload: object) -> None:
    echo(json.dumps(payload, indent=2, ensure_ascii=False, default=str))


@cli.command()
@click.argument("path", type=click.Path(dir_okay=True, path_type=Path), required=False)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--max-mb", type=click.FloatRange(min=0, min_open=True),
              default=DEFAULT_MAX_BYTES / 1_048_576, show_default=True,
              help="Refuse files larger than this.")
@click.option("--max-rows", type=click.IntRange(min=1), default=None,
              help="Refuse files with more programs (default: the upload_max_rows setting).")
def validate(path: Path | None, fmt: str, max_mb: float, max_rows: int | None) -> None:
    """Check a provider CSV. Exit 0 if valid, 1 if a row has errors, 2 if unusable.

    PATH defaults to the live dataset, <data dir>/providers.csv (FINDER_DATA_DIR).
    At most the first 1,000 problems are listed; the count includes them all.
    """
    if path is None:
        path = settings().providers_path
    if max_rows is None:
        max_rows = settings().upload_max_rows
    report = validate_file(path, max_bytes=int(max_mb * 1_048_576), max_rows=max_rows)
    if fmt == "json":
        _echo_json(report.as_dict())
    else:
        echo(report.to_text(str(path)))
    sys.exit(report.exit_code)


@cli.command()
def template() -> None:
    """Print the provider CSV header row, to start a new file from."""
    echo(",".join(COLUMN_NAMES))


def settings() -> Settings:
    """Return settings from the environment, or exit 2 with the reason."""
    try:
        return Settings.from_env()
    except ValueError as err:
        raise click.UsageError(str(err)) from err


# Subcommands defined next to the code they drive: one line each, below.
# (Each module defines a click command and must not import this module.)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit code (for tests and ``python -m finder``)."""
    try:
        cli.main(args=list(argv) if argv is not None else None, prog_name="finder", standalone_mode=True)
    except SystemExit as exit_:
        return int(exit_.code or 0) if not isinstance(exit_.code, str) else 2
    return 0


from finder.importers.cli import import_  # noqa: E402

cli.add_command(import_)

from finder.refresh_cli import history_command, refresh_command, rollback_command  # noqa: E402

cli.add_command(refresh_command)
cli.add_command(history_command)
cli.add_command(rollback_command)

from finder.search_cli import bench_command, search_command  # noqa: E402

cli.add_command(search_command)
cli.add_command(bench_command)

from finder.geocode_cli import geocode_command  # noqa: E402

cli.add_command(geocode_command)

from finder.exchange_cli import coverage_command, export_command, import_hsds_command  # noqa: E402

cli.add_command(coverage_command)
cli.add_command(export_command)
import_.add_command(import_hsds_command)

from finder.submissions.cli import calllist_command, submissions_group, verify_command  # noqa: E402

cli.add_command(submissions_group)
cli.add_command(calllist_command)
cli.add_command(verify_command)

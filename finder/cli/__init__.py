"""The ``finder`` command line (click).

Exit codes follow ``finder validate``: 0 success, 1 the input has row-level
problems or nothing matched, 2 the input cannot be used at all. Messages are
plain sentences; a traceback is a bug.

A module per command group, as ``finder/ui/`` has a module per page:
``validate`` (validate, template), ``importers`` (import findtreatment),
``exchange`` (coverage, export, import hsds), ``refresh`` (refresh, history,
rollback), ``search`` (search, bench), ``geocode``, ``store`` (store info) and
``submissions`` (submissions, calllist, verify: issue 13). They are
registered below, in one place; ``_common`` holds what they share (settings,
the store, ``echo``, ``echo_json``, ``fail``).
"""

from __future__ import annotations

from collections.abc import Sequence

import click

__all__ = ["cli", "main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="iop-finder")
def cli() -> None:
    """IOP Finder: Massachusetts intensive outpatient programs, from the command line."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit code (for tests and ``python -m finder``)."""
    try:
        cli.main(args=list(argv) if argv is not None else None, prog_name="finder", standalone_mode=True)
    except SystemExit as exit_:
        return int(exit_.code or 0) if not isinstance(exit_.code, str) else 2
    return 0


# Every command, registered in one place; each module defines its commands and
# imports only finder.cli._common from this package.
from finder.cli.exchange import coverage_command, export_command, import_hsds_command  # noqa: E402
from finder.cli.geocode import geocode_command  # noqa: E402
from finder.cli.importers import import_  # noqa: E402
from finder.cli.refresh import history_command, refresh_command, rollback_command  # noqa: E402
from finder.cli.search import bench_command, search_command  # noqa: E402
from finder.cli.store import store_group  # noqa: E402
from finder.cli.submissions import calllist_command, submissions_group, verify_command  # noqa: E402
from finder.cli.validate import template_command, validate_command  # noqa: E402

for _command in (
    validate_command, template_command, import_, refresh_command, history_command,
    rollback_command, search_command, bench_command, geocode_command, coverage_command,
    export_command, store_group, submissions_group, calllist_command, verify_command,
):
    cli.add_command(_command)
import_.add_command(import_hsds_command)

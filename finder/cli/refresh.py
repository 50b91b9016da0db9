"""``finder refresh``, ``finder history`` and ``finder rollback``: the admin's data commands.

Exit codes follow ``finder validate``: 0 success (published, or nothing to
do), 1 rows have errors, the admin declined, or publishing was refused, 2 the
file cannot be used at all. They work on the configured store (the data
folder, or PostgreSQL with FINDER_DATABASE_URL), or on ``--data-dir``.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from finder.cli._common import DATA_DIR_HELP, echo, echo_json, settings, store
from finder.config import Settings
from finder.errors import FinderError, PublishError
from finder.refresh import Locator, RefreshPlan, prepare_refresh, publish_plan
from finder.store import Version
from finder.words import count

__all__ = ["history_command", "refresh_command", "rollback_command"]

def _locator(settings: Settings) -> tuple[Locator | None, str]:
    from finder.geocode import build_locator

    try:
        return build_locator(settings), ""
    except FinderError as err:
        return None, f"Geocoding is off: {err.user_message}"


def _progress(done: int, total: int) -> None:
    if total:
        end = "\n" if done == total else "\r"
        echo(f"geocoding {done}/{total}", err=True, nl=False)
        echo(end, err=True, nl=False)


@click.command("refresh")
@click.argument("path", type=click.Path(dir_okay=True, path_type=Path))
@click.option("--merge", is_flag=True,
              help="Keep admin-only fields (schedule, accepting new clients, ...) of matched "
                   "programs, and keep live programs missing from the file, flagged for review. "
                   "Meant for FindTreatment.gov downloads.")
@click.option("--valid-rows-only", is_flag=True,
              help="Publish the valid rows and leave out the rows with errors.")
@click.option("--yes", "-y", is_flag=True, help="Publish without asking.")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help=DATA_DIR_HELP)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@click.option("--max-mb", type=float, default=None,
              help="Refuse larger files. Default: FINDER_UPLOAD_MAX_MB (20).")
@click.option("--no-geocode", is_flag=True, help="Do not geocode rows without coordinates.")
@click.option("--as-of", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Download date of a FindTreatment.gov file whose name has none (YYYY-MM-DD).")
def refresh_command(
    path: Path,
    merge: bool,
    valid_rows_only: bool,
    yes: bool,
    data_dir: Path | None,
    fmt: str,
    max_mb: float | None,
    no_geocode: bool,
    as_of: dt.datetime | None,
) -> None:
    """Validate, geocode and diff PATH against the live data, then publish it.

    PATH is a provider CSV or a FindTreatment.gov download. Publishing asks
    for confirmation unless --yes is given; the previous version stays in the
    history and can be restored with `finder rollback`.
    """
    cfg = settings()
    live_store = store(cfg, data_dir)
    max_bytes = int(max_mb * 1_048_576) if max_mb is not None else cfg.upload_max_bytes
    locator, locator_note = (None, "") if no_geocode else _locator(cfg)
    plan = prepare_refresh(
        path,
        store=live_store,
        merge=merge,
        valid_rows_only=valid_rows_only,
        max_bytes=max_bytes,
        max_rows=cfg.upload_max_rows,
        locator=locator,
        progress=_progress if fmt == "text" else None,
        as_of=as_of.date() if as_of else None,
    )
    if fmt == "text":
        echo(plan.to_text())
        if locator_note and plan.report.file_error is None:
            echo(f"note: {locator_note}")
    published: Version | None = None
    code = _decide(plan, yes=yes, fmt=fmt)
    if code is None:
        try:
            result = publish_plan(plan)
        except PublishError as err:
            echo(err.user_message, err=True)
            code = 1
        else:
            published = result.version
            code = 0
            if fmt == "text":
                echo(f"Published {published.version} ({published.sha256[:12]}): "
                           f"{published.summary}")
    if fmt == "json":
        echo_json({**plan.as_dict(), "published": published.as_dict() if published else None})
    sys.exit(code)


def _decide(plan: RefreshPlan, *, yes: bool, fmt: str) -> int | None:
    """Return the exit code when not publishing, or None to publish."""
    if not plan.can_publish:
        return plan.exit_code or 1
    if plan.is_unchanged:
        return 0
    if yes:
        return None
    try:
        confirmed = click.confirm(f"Publish {count(len(plan.rows), 'program', 'programs')} "
                                  f"({plan.diff.summary()})?",
                                  default=False, err=True)
    except click.Abort:
        confirmed = False
    if not confirmed:
        if fmt == "text":
            echo("Not published; the live data is unchanged.")
        return 1
    return None


@click.command("history")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help=DATA_DIR_HELP)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
def history_command(data_dir: Path | None, fmt: str) -> None:
    """List the published versions of the dataset, newest first."""
    live_store = store(settings(), data_dir)
    try:
        versions = live_store.history()
    except PublishError as err:
        echo(err.user_message, err=True)
        sys.exit(2)
    if fmt == "json":
        echo_json([v.as_dict() for v in versions])
        return
    if not versions:
        echo("No versions yet: the history starts with the first `finder refresh`.")
        return
    for v in versions:
        mark = "*" if v.live else " "
        echo(f"{mark} {v.version}  {v.created}  {v.sha256[:12]}  {v.programs:>5} programs  "
                   f"{v.summary}")
        if v.flagged_for_review:
            echo(f"      flagged for review: {', '.join(v.flagged_for_review)}")
    echo("* = live. Restore one with `finder rollback VERSION`.")


@click.command("rollback")
@click.argument("version")
@click.option("--yes", "-y", is_flag=True, help="Restore without asking.")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help=DATA_DIR_HELP)
def rollback_command(version: str, yes: bool, data_dir: Path | None) -> None:
    """Make VERSION (from `finder history`) the live dataset again, byte for byte."""
    live_store = store(settings(), data_dir)
    if not yes:
        try:
            confirmed = click.confirm(f"Restore {version} as the live dataset?", default=False,
                                      err=True)
        except click.Abort:
            confirmed = False
        if not confirmed:
            echo("Not restored; the live data is unchanged.")
            sys.exit(1)
    try:
        restored = live_store.rollback(version)
    except PublishError as err:
        echo(err.user_message, err=True)
        sys.exit(1)
    echo(f"Restored as {restored.version} ({restored.sha256[:12]}): {restored.summary}")

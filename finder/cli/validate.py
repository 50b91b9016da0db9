"""``finder validate`` and ``finder template``: check a provider CSV, start a new one."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from finder.cli._common import echo, echo_json, fail, settings, store
from finder.load import DEFAULT_MAX_BYTES, validate_file
from finder.schema import COLUMN_NAMES

__all__ = ["template_command", "validate_command"]


@click.command("validate")
@click.argument("path", type=click.Path(dir_okay=True, path_type=Path), required=False)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--max-mb", type=click.FloatRange(min=0, min_open=True),
              default=DEFAULT_MAX_BYTES / 1_048_576, show_default=True,
              help="Refuse files larger than this.")
@click.option("--max-rows", type=click.IntRange(min=1), default=None,
              help="Refuse files with more programs (default: the upload_max_rows setting).")
def validate_command(path: Path | None, fmt: str, max_mb: float, max_rows: int | None) -> None:
    """Check a provider CSV. Exit 0 if valid, 1 if a row has errors, 2 if unusable.

    PATH defaults to the live dataset of the configured store (FINDER_DATA_DIR
    or FINDER_DATABASE_URL). At most the first 1,000 problems are listed; the
    count includes them all.
    """
    cfg = settings()
    if max_rows is None:
        max_rows = cfg.upload_max_rows
    limits = {"max_bytes": int(max_mb * 1_048_576), "max_rows": max_rows}
    if path is not None:
        report, name = validate_file(path, **limits), str(path)
    else:
        live_store = store(cfg)
        file = live_store.live_file()
        if file is not None:
            report, name = validate_file(file, **limits), str(file)
        else:
            live = live_store.live()
            if live is None:
                fail(f"There is no live dataset in the {live_store.describe()} yet.")
            report, name = validate_file(live.data, **limits), live_store.describe()
    if fmt == "json":
        echo_json(report.as_dict())
    else:
        echo(report.to_text(name))
    sys.exit(report.exit_code)


@click.command("template")
def template_command() -> None:
    """Print the provider CSV header row, to start a new file from."""
    echo(",".join(COLUMN_NAMES))

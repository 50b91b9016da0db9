"""``finder store info``: which store this configuration uses and what is live in it."""

from __future__ import annotations

from pathlib import Path

import click

from finder.cli._common import DATA_DIR_HELP, echo, echo_json, fail, settings, store
from finder.errors import PublishError

__all__ = ["store_group"]


@click.group("store")
def store_group() -> None:
    """Inspect the store of the live dataset (the data folder, or PostgreSQL)."""


@store_group.command("info")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help=DATA_DIR_HELP)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
def info_command(data_dir: Path | None, fmt: str) -> None:
    """Say where the dataset is kept, which version is live and its title.

    Exit 0, or 2 when the store cannot be reached. A database password is never shown.
    """
    live_store = store(settings(), data_dir)
    try:
        live = live_store.live()
        versions = live_store.history()
    except PublishError as err:
        fail(err.user_message)
    payload = {
        "store": live_store.kind,
        "where": live_store.describe(),
        "live_version": live.version if live is not None else None,
        "title": live_store.title(),
        "sha256": live.sha256 if live is not None else None,
        "versions": len(versions),
    }
    if fmt == "json":
        echo_json(payload)
        return
    echo(f"Store: {live_store.describe()}")
    if live is None:
        echo("Nothing is live yet: publish a provider CSV with `finder refresh FILE`.")
        return
    echo(f"Live: {live.version or 'unversioned'} ({live.sha256[:12]}), {live_store.title()}; "
         f"{len(versions)} version(s) in the history.")

"""``finder geocode TEXT``: look a place up the way the search page does.

Exit codes follow the rest of the CLI: 0 found (prints the place), 1 nothing
matched or the service failed (prints ``{"error", "suggestions"}``), 2 the
input is not a place at all (empty, overlong, binary). Never a traceback.
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace

import click

from finder.cli._common import echo
from finder.config import Settings
from finder.errors import GeocodeError, GeocodeNotFound, GeocodeUnavailable
from finder.geocode import build_locator

__all__ = ["geocode_command"]


def _emit_error(fmt: str, message: str, suggestions: tuple[str, ...] | list[str]) -> None:
    if fmt == "json":
        payload = {"error": message, "suggestions": list(suggestions)}
        echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    echo(message, err=True)
    if suggestions:
        echo("Did you mean: " + "; ".join(suggestions), err=True)


@click.command("geocode")
@click.argument("text")
@click.option("--offline", is_flag=True, help="Use only the offline gazetteer, even if an online geocoder is set.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "text"]),
    default="json",
    show_default=True,
)
def geocode_command(text: str, offline: bool, fmt: str) -> None:
    """Turn TEXT (ZIP code, town, village, region or street address) into a point in MA."""
    try:
        settings = Settings.from_env()
    except ValueError as err:
        raise click.UsageError(str(err)) from err
    if offline:
        settings = replace(settings, geocoder="off")
    locator = build_locator(settings)
    try:
        place = locator.locate(text)
    except GeocodeNotFound as err:
        _emit_error(fmt, err.user_message, err.suggestions)
        sys.exit(1)
    except GeocodeUnavailable as err:
        _emit_error(fmt, err.user_message, ())
        sys.exit(1)
    except GeocodeError as err:
        _emit_error(fmt, err.user_message, ())
        sys.exit(2)
    if fmt == "json":
        echo(json.dumps(place.as_dict(), indent=2, ensure_ascii=False))
    else:
        echo(f"{place.label}: {place.lat:.5f}, {place.lon:.5f} ({place.precision}, {place.source})")
        if place.note:
            echo(place.note)

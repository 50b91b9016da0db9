"""What every ``finder`` command shares: settings, the store, printing and failing.

Every line a command prints goes through ``echo`` (``finder.terminal.echo``:
control and format characters from a file or a service are made visible and
inert, issue 17). Exit codes: 0 success, 1 row-level problems, nothing found
or a refused publish, 2 unusable input (``fail``).
"""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from finder.config import Settings
from finder.load import Loaded, ValidationReport, load_programs
from finder.schema import canonical, suggest
from finder.store import Store, open_store
from finder.terminal import echo

__all__ = [
    "DATA_DIR_HELP",
    "echo",
    "echo_json",
    "fail",
    "imported_csv",
    "live_programs",
    "settings",
    "store",
    "vocabulary",
]

DATA_DIR_HELP = (
    "Data folder with the live providers.csv. Default: the configured store "
    "(FINDER_DATABASE_URL, else FINDER_DATA_DIR, else ./data)."
)


def fail(message: str, code: int = 2) -> NoReturn:
    """Print ``message`` on stderr and exit (2: the input cannot be used).

    Parameters
    ----------
    message : str
        A plain sentence saying what to do.
    code : int
        The exit code.
    """
    echo(message, err=True)
    sys.exit(code)


def imported_csv(
    rows: Sequence[dict[str, str]], summary: dict[str, Any]
) -> tuple[str, ValidationReport, dict[str, Any]]:
    """Write imported rows as a provider CSV and check it as ``finder validate`` would.

    Parameters
    ----------
    rows : sequence of dict
        The provider rows an importer made.
    summary : dict
        The importer's summary of what it read.

    Returns
    -------
    tuple of (str, ValidationReport, dict)
        The CSV text, its validation report, and a copy of ``summary`` with a
        ``validation`` entry (passes, the first 20 errors, how many errors).
    """
    from finder.importers import write_csv

    buffer = io.StringIO()
    write_csv(rows, buffer)
    text = buffer.getvalue()
    report = load_programs(text.encode("utf-8")).report
    out: dict[str, Any] = dict(summary)
    out["validation"] = {
        "passes": report.ok,
        "errors": [issue.as_dict() for issue in report.errors[:20]],
        "error_count": len(report.errors),
    }
    return text, report, out


def echo_json(payload: object) -> None:
    """Print ``payload`` as indented JSON (dates and paths as strings).

    Parameters
    ----------
    payload : object
        Anything ``json.dumps`` takes with ``default=str``.
    """
    echo(json.dumps(payload, indent=2, ensure_ascii=False, default=str))


def settings() -> Settings:
    """Return the settings from the environment, or exit 2 naming the bad variable.

    Returns
    -------
    Settings
    """
    try:
        return Settings.from_env()
    except ValueError as err:
        fail(str(err))


def store(cfg: Settings, data_dir: Path | None = None) -> Store:
    """Return the store to use: ``--data-dir``'s folder if given, else the configured one.

    Parameters
    ----------
    cfg : Settings
        The settings (``database_url``, ``data_dir``).
    data_dir : Path, optional
        A data folder given on the command line; it wins over the settings.

    Returns
    -------
    Store
        Exits 2 when the folder does not exist or the database URL is not one
        we support.
    """
    from finder.store.files import FileStore

    if data_dir is not None or not cfg.database_url:
        folder = data_dir if data_dir is not None else cfg.data_dir
        if not folder.is_dir():
            fail(f"The data folder {folder} does not exist. Check --data-dir or FINDER_DATA_DIR.")
        return FileStore(folder)
    try:
        return open_store(cfg)
    except ValueError as err:
        fail(str(err))


def live_programs(cfg: Settings, data_path: Path | None) -> tuple[Loaded, dict[str, Any], str]:
    """Load the programs a command works on: a given file, or the live dataset.

    Parameters
    ----------
    cfg : Settings
        The settings (store, size and row limits).
    data_path : Path, optional
        A provider CSV given with ``--data``; by default the live dataset.

    Returns
    -------
    (Loaded, dict, str)
        The validated programs, the dataset's metadata (``{}`` for a file
        that is not a data folder's live one) and how to name the data in
        messages.
    """
    from finder.store.files import FileStore
    from finder.validated import load_validated

    if data_path is not None:
        folder = FileStore(data_path.parent)
        meta = folder.meta() if data_path == folder.live_file() else {}
        return load_validated(data_path, max_rows=cfg.upload_max_rows), meta, str(data_path)
    live = store(cfg)
    path = live.live_file()
    name = str(path) if path is not None else live.describe()
    return live.load(max_rows=cfg.upload_max_rows), live.meta(), name


def vocabulary(values: Iterable[str], choices: Sequence[str], what: str) -> list[str]:
    """Map what was typed to the vocabulary's spellings, or exit 2 with a "did you mean".

    Parameters
    ----------
    values : iterable of str
        What was typed.
    choices : sequence of str
        The vocabulary (from its enum).
    what : str
        What the values are, for the message ("payment option").

    Returns
    -------
    list of str
    """
    found = []
    for value in values:
        name = canonical(value, choices)
        if name is None:
            hint = suggest(value, choices)
            tip = f" Did you mean '{hint}'?" if hint else ""
            fail(f"'{value}' is not a {what} we know.{tip} Choose from: {', '.join(choices)}.")
        found.append(name)
    return found

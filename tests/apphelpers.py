"""Helpers for the AppTest suites: data folders, running the app, reading its text and downloads.

Imported as ``from apphelpers import ...`` (pytest puts ``tests/`` on ``sys.path``).
Each suite keeps its own ``data_dir`` fixture because the environment it sets
differs (admin password, geocoder); the copying lives here once.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "streamlit_app.py")
FIND = "finder/ui/pages/find.py"
COMPARE = "finder/ui/pages/compare.py"
ADMIN = "finder/ui/pages/admin.py"


#: The fictional sample dataset (``scripts/make_sample_data.py``); ``data/`` holds the real one.
SAMPLE_DIR = ROOT / "data" / "sample"


def copy_sample_data(folder: Path) -> Path:
    """Copy the fictional sample dataset (``data/sample``) and its metadata into ``folder`` (created)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("providers.csv", "providers.meta.json"):
        shutil.copy(SAMPLE_DIR / name, folder / name)
    return folder


def copy_real_data(folder: Path) -> Path:
    """Copy the shipped real dataset (``data/providers.csv``, FindTreatment.gov) into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("providers.csv", "providers.meta.json"):
        shutil.copy(ROOT / "data" / name, folder / name)
    return folder


def use_data_dir(monkeypatch, folder: Path, *, admin_password: str | None = None) -> Path:
    """Point the app at ``folder`` with the geocoder offline and the default upload limit.

    The admin page is on only when ``admin_password`` is given.
    """
    monkeypatch.setenv("FINDER_DATA_DIR", str(folder))
    if admin_password is None:
        monkeypatch.delenv("FINDER_ADMIN_PASSWORD", raising=False)
    else:
        monkeypatch.setenv("FINDER_ADMIN_PASSWORD", admin_password)
    monkeypatch.delenv("FINDER_GEOCODER", raising=False)
    monkeypatch.delenv("FINDER_UPLOAD_MAX_MB", raising=False)
    return folder


def write_providers(folder: Path, rows: Sequence[Mapping[str, object]], *, sample: bool = False) -> Path:
    """Write a hand-made provider CSV (the sample file's header) and its metadata."""
    folder.mkdir(parents=True, exist_ok=True)
    with (SAMPLE_DIR / "providers.csv").open(encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({name: row.get(name, "") for name in header})
    (folder / "providers.csv").write_text(buffer.getvalue(), encoding="utf-8")
    (folder / "providers.meta.json").write_text(
        f'{{"sample": {str(sample).lower()}, "title": "Test programs (fictional)", "version": "t1"}}',
        encoding="utf-8",
    )
    return folder


def run_app(query_params: Mapping[str, str] | None = None) -> AppTest:
    """Run the whole app once, optionally opened with URL parameters."""
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in (query_params or {}).items():
        at.query_params[key] = value
    return at.run()


def admin_login(password: str, *, timeout: float = 60) -> AppTest:
    """Run the app, open the Admin page and sign in with ``password`` (it must work)."""
    at = AppTest.from_file(APP, default_timeout=timeout).run()
    at.switch_page(ADMIN).run()
    at.text_input(key="admin_pw").input(password)
    at.get("form_submit_button")[0].click()
    at.run()
    assert not at.exception
    return at


def upload(at: AppTest, name: str, data: bytes) -> AppTest:
    """Give the admin page's file uploader a CSV file and run the page (it must not crash)."""
    at.get("file_uploader")[0].set_value((name, data, "text/csv"))
    at.run()
    assert not at.exception
    return at


def live_rows(folder: Path) -> list[dict[str, str]]:
    """The rows of a data folder's live ``providers.csv``, as dicts."""
    return list(csv.DictReader(io.StringIO((folder / "providers.csv").read_text(encoding="utf-8"))))


def to_csv(rows: list[dict[str, str]]) -> bytes:
    """Write rows (the header from the first) as a UTF-8 provider CSV."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def shown(markdown: object) -> str:
    """The text a person sees for an escaped Markdown string (``finder.ui.safe.md``).

    Drops the backslash escapes and the invisible word joiners the escaping adds.
    """
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", str(markdown)).replace("\u2060", "")


def texts(at: AppTest) -> str:
    """Every markdown, caption, message and heading of the page, one per line, as shown.

    Escaped untrusted text (``finder.ui.safe.md``) is compared as a person sees it.
    """
    parts = [m.value for m in at.markdown] + [m.value for m in at.caption]
    parts += [e.value for e in at.error] + [i.value for i in at.info] + [w.value for w in at.warning]
    parts += [s.value for s in at.subheader] + [h.value for h in at.header]
    parts += [t.value for t in at.title]
    return "\n".join(shown(p) for p in parts)


def search_for(at: AppTest, text: str) -> AppTest:
    """Type into the location box and run."""
    at.text_input(key="q").input(text)
    return at.run()


def result_count(at: AppTest) -> int:
    """The "N programs found." count, or 0 when there is none."""
    for m in at.markdown:
        if " found.**" in str(m.value):
            return int(str(m.value).split()[0].strip("*"))
    return 0


def record_downloads(monkeypatch) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """Record what every download button carries, by key, while the app runs in AppTest.

    AppTest keeps download data in a mock media store that is gone after the
    run, so the button method is wrapped instead. Read values with ``downloaded``.
    """
    import streamlit as st
    from streamlit.delta_generator import DeltaGenerator

    seen: dict[str, object] = {}
    original = DeltaGenerator.download_button

    def spy(self, label, data, *args, **kwargs):  # type: ignore[no-untyped-def]
        seen[kwargs.get("key") or label] = data
        return original(self, label, data, *args, **kwargs)

    monkeypatch.setattr(DeltaGenerator, "download_button", spy)
    monkeypatch.setattr(st, "download_button", lambda *a, **k: spy(st._main, *a, **k))
    return seen


def downloaded(seen: Mapping[str, object], key: str) -> bytes:
    """The bytes a recorded download button gives (built now if it was deferred)."""
    data = seen[key]
    if callable(data):
        data = data()
    return data.encode("utf-8") if isinstance(data, str) else bytes(data)  # type: ignore[arg-type]


def parse_csv_export(data: bytes) -> tuple[dict[str, str], list[dict[str, str]]]:
    """Split an exported CSV into its heading (label -> value) and its table rows."""
    lines = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    blank = lines.index([])
    heading = {row[0]: row[1] for row in lines[:blank]}
    table = lines[blank + 1:]
    return heading, [dict(zip(table[0], row, strict=True)) for row in table[1:]]


def parse_xlsx_export(data: bytes, header: str = "Program"
                      ) -> tuple[dict[str, str], list[dict[str, object]]]:
    """Split an exported workbook into its heading (label -> value) and its table rows.

    ``header`` is the first column's heading (in the export's language).
    """
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    header_at = next(i for i, row in enumerate(values) if row[0] == header)
    heading = {str(row[0]): str(row[1]) for row in values[1:header_at] if row[0]}
    return heading, [dict(zip(values[header_at], row, strict=True)) for row in values[header_at + 1:]]


def days_ago(days: int) -> str:
    """An ISO date ``days`` before today (for hand-made rows whose age a card shows)."""
    return (dt.date.today() - dt.timedelta(days=days)).isoformat()

"""Issue 16: the live dataset is validated once per version, and a publish invalidates that.

Also: ``import finder`` does not import pandas or pandera, and the reference
tables copied into the package (``ma_zips.csv``, ``neighbour_zips.csv``) are
what ``zipcodes`` says.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from apphelpers import copy_sample_data

from finder import validated
from finder.gazetteer import read_package_csv
from finder.load import load_programs
from finder.store.files import publish
from finder.validated import cache_path, load_validated

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A data folder holding a copy of the shipped sample dataset."""
    folder = tmp_path / "data"
    copy_sample_data(folder)
    return folder


@pytest.fixture
def count_validations(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the full validations ``load_validated`` runs."""
    calls: list[int] = []
    real = validated.load_programs

    def counting(*args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        calls.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(validated, "load_programs", counting)
    return calls


def test_an_unchanged_dataset_is_validated_once(data_dir: Path, count_validations: list[int]):
    first = load_validated(data_dir / "providers.csv")
    assert cache_path(data_dir).is_file()
    second = load_validated(data_dir / "providers.csv")
    assert len(count_validations) == 1
    assert second.programs == first.programs
    assert second.report.as_dict() == first.report.as_dict()
    assert first.programs == load_programs(data_dir / "providers.csv").programs


def test_the_cache_is_readable_by_its_owner_only(data_dir: Path):
    load_validated(data_dir / "providers.csv")
    mode = stat.S_IMODE(cache_path(data_dir).stat().st_mode)
    assert mode & 0o077 == 0


def test_a_publish_invalidates_the_cache(data_dir: Path, count_validations: list[int]):
    live = data_dir / "providers.csv"
    before = load_validated(live)
    lines = live.read_bytes().splitlines(keepends=True)
    smaller = b"".join(lines[:-5])  # the same file without its last five programs
    publish(data_dir, smaller, source="test")
    assert not cache_path(data_dir).exists()
    after = load_validated(live)
    assert len(after.programs) == len(before.programs) - 5
    assert after.programs == load_programs(live).programs
    assert len(count_validations) >= 2


def test_a_hand_edit_is_a_new_version_even_with_the_cache_left_behind(
    data_dir: Path, count_validations: list[int]
):
    live = data_dir / "providers.csv"
    load_validated(live)
    text = live.read_text(encoding="utf-8")
    live.write_text(text.replace("\n", "\n", 1), encoding="utf-8")  # same bytes: still cached
    load_validated(live)
    assert len(count_validations) == 1
    lines = text.splitlines(keepends=True)
    live.write_text("".join(lines[:-1]), encoding="utf-8")  # one program fewer
    assert len(load_validated(live).programs) == len(load_programs(live).programs)
    assert len(count_validations) == 2


def test_a_damaged_or_foreign_cache_is_ignored(data_dir: Path, count_validations: list[int]):
    live = data_dir / "providers.csv"
    good = load_validated(live)
    cache_path(data_dir).write_bytes(b"not a pickle")
    assert load_validated(live).programs == good.programs
    assert len(count_validations) == 2
    # Writable by others: never unpickled, validated again.
    os.chmod(cache_path(data_dir), 0o666)
    assert load_validated(live).programs == good.programs
    assert len(count_validations) == 3


def test_a_report_with_errors_is_reused_only_the_same_day(
    data_dir: Path, count_validations: list[int]
):
    live = data_dir / "providers.csv"
    lines = live.read_text(encoding="utf-8").splitlines(keepends=True)
    live.write_text(lines[0] + lines[1].replace("MA", "NY", 1) + "".join(lines[2:]),
                    encoding="utf-8")
    day = dt.date(2026, 11, 30)
    first = load_validated(live, today=day)
    assert first.report.errors
    load_validated(live, today=day)
    assert len(count_validations) == 1
    load_validated(live, today=day + dt.timedelta(days=1))
    assert len(count_validations) == 2


def test_other_files_and_missing_files_are_not_cached(tmp_path: Path, data_dir: Path):
    other = tmp_path / "mine.csv"
    other.write_bytes((data_dir / "providers.csv").read_bytes())
    assert load_validated(other).programs
    assert not (tmp_path / validated.CACHE_NAME).exists()
    missing = load_validated(tmp_path / "nowhere" / "providers.csv")
    assert missing.report.file_error is not None


def test_a_read_only_data_folder_still_loads(data_dir: Path):
    if os.geteuid() == 0:
        pytest.skip("root may write anywhere")
    os.chmod(data_dir, 0o555)
    try:
        assert load_validated(data_dir / "providers.csv").programs
    finally:
        os.chmod(data_dir, 0o755)


def test_import_finder_does_not_import_pandas_or_pandera():
    code = "import sys, finder, finder.cli; print(sorted(m for m in ('pandas', 'pandera') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=ROOT).stdout
    assert out.strip() == "[]"


def _make_gazetteer():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("make_gazetteer", ROOT / "scripts" / "make_gazetteer.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(("table", "builder"), [
    ("ma_zips.csv", "ma_zip_rows"),
    ("neighbour_zips.csv", "neighbour_zip_rows"),
])
def test_package_zip_tables_are_what_zipcodes_says(table: str, builder: str):
    assert read_package_csv(table) == getattr(_make_gazetteer(), builder)()

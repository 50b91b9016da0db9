"""Tests for the ``finder`` command line: ``validate`` and ``template`` (issue 2, item 5).

Most tests call ``finder.cli.main(argv)`` in-process (datasette's test_cli
style) and read the output with ``capsys``; one runs ``python -m finder`` in a
subprocess to prove the module entry point works.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from finder.cli import main
from finder.schema import COLUMN_NAMES

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys: pytest.CaptureFixture[str], path: Path) -> tuple[int, dict]:
    code, out, _ = run(capsys, "validate", str(path), "--format", "json")
    return code, json.loads(out)


# --- validate: exit codes ---------------------------------------------------------------------


def test_validate_shipped_dataset_exits_0(capsys, sample_csv):
    code, out, err = run(capsys, "validate", str(sample_csv))
    assert code == 0, out
    assert out.strip().endswith("0 errors.")
    assert err == ""


def test_validate_good_file_exits_0_with_a_one_line_summary(capsys):
    code, out, _ = run(capsys, "validate", str(DATA / "good.csv"))
    assert code == 0
    assert out == f"{DATA / 'good.csv'}: 3 rows, 3 valid, 0 errors.\n"


def test_validate_row_errors_exit_1_and_list_each_error(capsys):
    path = DATA / "one_defect_each.csv"
    code, out, _ = run(capsys, "validate", str(path))
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == f"{path}: 12 rows, 1 valid, 11 errors."
    assert len(lines) == 12
    assert (
        lines[1] == "row 2, column organization: organization is required and is empty (value: '')"
    )
    assert any(
        line.startswith("row 8, column insurance:") and "Did you mean 'Harvard Pilgrim'?" in line
        for line in lines
    )
    assert "Traceback" not in out


def test_validate_missing_column_exits_1(capsys):
    code, out, _ = run(capsys, "validate", str(DATA / "missing_column.csv"))
    assert code == 1
    assert "row 1, column phone: the required column 'phone' is missing" in out


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("empty.csv", "The file is empty."),
        ("header_only.csv", "header row but no programs"),
    ],
)
def test_validate_unusable_file_exits_2_with_a_plain_message(capsys, name, message):
    code, out, _ = run(capsys, "validate", str(DATA / name))
    assert code == 2
    assert "cannot be used" in out
    assert message in out


def test_validate_missing_file_exits_2(capsys, tmp_path):
    code, out, _ = run(capsys, "validate", str(tmp_path / "nope.csv"))
    assert code == 2
    assert "There is no file at" in out


def test_validate_binary_file_exits_2_without_a_traceback(capsys, tmp_path):
    path = tmp_path / "providers.csv"
    path.write_bytes(bytes(range(256)) * 64)
    code, out, err = run(capsys, "validate", str(path))
    assert code == 2
    assert "binary file" in out
    assert "Traceback" not in out + err


def test_validate_50_mb_file_exits_2_with_its_size(capsys, tmp_path):
    path = tmp_path / "huge.csv"
    with path.open("wb") as out_file:
        out_file.write((",".join(COLUMN_NAMES) + "\n").encode())
        out_file.truncate(50 * 1024 * 1024)  # sparse: cheap on disk
    code, out, _ = run(capsys, "validate", str(path))
    assert code == 2
    assert "50.0 MB" in out
    assert "limit is 20 MB" in out


def test_validate_max_mb_lowers_the_limit(capsys):
    code, out, _ = run(capsys, "validate", str(DATA / "good.csv"), "--max-mb", "0.0005")
    assert code == 2
    assert "limit is 0.0005 MB" in out


def test_validate_max_mb_must_be_positive(capsys):
    code, _, err = run(capsys, "validate", str(DATA / "good.csv"), "--max-mb", "0")
    assert code == 2
    assert "--max-mb" in err


@pytest.mark.parametrize("name", ["bom.csv", "crlf.csv", "latin1.csv", "semicolon.csv"])
def test_validate_handles_file_quirks_and_exits_0(capsys, name):
    code, out, _ = run(capsys, "validate", str(DATA / name))
    assert code == 0, out
    assert "Traceback" not in out


def test_validate_prints_notices(capsys):
    _, out, _ = run(capsys, "validate", str(DATA / "semicolon.csv"))
    assert "note: Columns are separated by semicolons" in out


# --- validate: JSON -------------------------------------------------------------------------


def test_validate_json_shape(capsys):
    code, payload = run_json(capsys, DATA / "one_defect_each.csv")
    assert code == 1
    assert payload["rows"] == 12
    assert payload["valid_rows"] == 1
    assert len(payload["errors"]) == 11
    for error in payload["errors"]:
        assert set(error) == {"row", "column", "value", "message"}
        assert isinstance(error["row"], int)
        assert isinstance(error["column"], str)
        assert isinstance(error["value"], str)
        assert isinstance(error["message"], str)
    assert payload["errors"][1] == {
        "row": 3,
        "column": "program_id",
        "value": "d-02",
        "message": "program_id 'd-02' is already used at row 2; ids must be unique",
    }


def test_validate_json_for_a_valid_file(capsys):
    code, payload = run_json(capsys, DATA / "good.csv")
    assert code == 0
    assert payload == {"rows": 3, "valid_rows": 3, "errors": []}


def test_validate_json_for_an_unusable_file_is_still_json(capsys):
    code, payload = run_json(capsys, DATA / "empty.csv")
    assert code == 2
    assert payload["rows"] == 0
    assert payload["errors"] == []
    assert payload["file_error"].startswith("The file is empty.")


def test_validate_json_keeps_non_ascii_readable(capsys):
    _, out, _ = run(capsys, "validate", str(DATA / "latin1.csv"), "--format", "json")
    assert json.loads(out)["notices"]
    assert "\\u" not in out


def test_validate_rejects_an_unknown_format(capsys):
    code, _, err = run(capsys, "validate", str(DATA / "good.csv"), "--format", "xml")
    assert code == 2
    assert "xml" in err


# --- validate: the live dataset -------------------------------------------------------------


def test_validate_without_path_checks_the_data_dir_from_the_environment(
    capsys, monkeypatch, tmp_path
):
    shutil.copy(DATA / "good.csv", tmp_path / "providers.csv")
    monkeypatch.setenv("FINDER_DATA_DIR", str(tmp_path))
    code, out, _ = run(capsys, "validate")
    assert code == 0
    assert out.startswith(str(tmp_path / "providers.csv"))


def test_validate_without_path_defaults_to_data_providers_csv(capsys, monkeypatch):
    monkeypatch.delenv("FINDER_DATA_DIR", raising=False)
    monkeypatch.chdir(ROOT)
    code, out, _ = run(capsys, "validate")
    assert code == 0
    assert out.startswith(str(Path("data") / "providers.csv") + ":")


def test_bad_setting_gives_a_usage_error_not_a_traceback(capsys, monkeypatch):
    monkeypatch.setenv("FINDER_PAGE_SIZE", "lots")
    code, out, err = run(capsys, "validate")
    assert code == 2
    assert "FINDER_PAGE_SIZE must be a whole number" in err
    assert "Traceback" not in out + err


# --- template and the group ------------------------------------------------------------------


def test_template_prints_the_header_row(capsys):
    code, out, _ = run(capsys, "template")
    assert code == 0
    assert out == ",".join(COLUMN_NAMES) + "\n"


def test_template_output_is_a_valid_header(capsys, tmp_path):
    _, header, _ = run(capsys, "template")
    path = tmp_path / "new.csv"
    path.write_text(header + (DATA / "good.csv").read_text(encoding="utf-8").split("\n", 1)[1])
    code, _, _ = run(capsys, "validate", str(path))
    assert code == 0


def test_help_lists_validate_and_template(capsys):
    code, out, _ = run(capsys, "--help")
    assert code == 0
    assert "validate" in out
    assert "template" in out


def test_unknown_command_exits_2(capsys):
    code, _, err = run(capsys, "frobnicate")
    assert code == 2
    assert "No such command" in err


def test_python_m_finder_runs_validate(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "finder", "validate", str(DATA / "one_defect_each.csv"),
         "--format", "json"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
        timeout=120,
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    assert json.loads(result.stdout)["valid_rows"] == 1
    assert "Traceback" not in result.stderr

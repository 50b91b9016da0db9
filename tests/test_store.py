"""One suite for every store: FileStore (a data folder) and SqlStore (a real PostgreSQL).

The PostgreSQL cases run against the scratch server of ``tests/pgserver.py``
(127.0.0.1, a fresh database per test); they skip where PostgreSQL is not
installed and fail in CI, where ``.ci/run`` installs it.
"""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from finder.config import Settings
from finder.errors import PublishError
from finder.store import STORES, Store, get_store_for_url, open_store
from finder.store.dataset import DEFAULT_TITLE, csv_rows, rows_to_csv, sha256_hex
from finder.store.files import FileStore
from finder.store.sql import SqlStore, engine_url

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample" / "providers.csv"


@pytest.fixture(params=["files", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """An empty store of each kind."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    if request.param == "files":
        yield FileStore(data_dir)
        return
    from pgserver import fresh_database

    url = fresh_database(request.getfixturevalue("postgres_url"))
    made = SqlStore(data_dir, database_url=url)
    yield made
    made.engine.dispose()


def sample() -> bytes:
    return SAMPLE.read_bytes()


def edited(data: bytes, program_index: int = 0, field: str = "phone",
           value: str = "617-555-0199") -> bytes:
    """The same CSV with one field of one program changed."""
    rows = csv_rows(data)
    rows[program_index][field] = value
    header = [h.strip() for h in data.decode("utf-8").splitlines()[0].split(",")]
    return rows_to_csv(rows, header)


# --------------------------------------------------------------------------- selection


def test_the_settings_choose_the_store_from_a_table(tmp_path: Path) -> None:
    assert get_store_for_url("") is FileStore
    assert get_store_for_url("postgresql://u@h/db") is SqlStore
    assert get_store_for_url("postgresql+psycopg://u@h/db") is SqlStore
    assert get_store_for_url("postgres://u@h/db") is SqlStore
    assert set(STORES) == {"", "postgresql"}
    assert isinstance(open_store(Settings(data_dir=tmp_path)), FileStore)


def test_an_unknown_database_url_is_refused_with_the_setting_named() -> None:
    with pytest.raises(ValueError, match="FINDER_DATABASE_URL must be empty") as err:
        get_store_for_url("mysql://u:secret@h/db")
    assert "secret" not in str(err.value)


def test_postgres_urls_get_the_installed_driver() -> None:
    assert engine_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert engine_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert engine_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"


def test_the_file_store_keeps_submissions_in_an_sqlite_file_of_the_data_folder(tmp_path: Path) -> None:
    url = FileStore(tmp_path).submissions_url
    assert url.startswith("sqlite:///")
    assert Path(url.removeprefix("sqlite:///")).parent == tmp_path.resolve()


# --------------------------------------------------------------------------- one suite, both stores


def test_an_empty_store_has_no_live_dataset(store: Store) -> None:
    assert store.live() is None
    assert store.version_token() == "missing"
    assert store.history() == []
    assert store.meta() == {}
    assert store.title() == DEFAULT_TITLE
    loaded = store.load()
    assert loaded.report.file_error
    assert not loaded.programs


def test_publish_makes_the_file_live_byte_for_byte(store: Store) -> None:
    result = store.publish(sample(), source="sample.csv")
    live = store.live()
    assert live is not None
    assert live.data == sample()
    assert live.sha256 == sha256_hex(sample())
    assert result.version.version == "v0001"
    assert result.version.live
    assert live.meta["version"] == "v0001"
    assert live.meta["source"] == "sample.csv"
    assert live.title == DEFAULT_TITLE
    assert store.load().programs
    assert store.version_token() != "missing"


def test_a_new_version_changes_the_token_and_is_served(store: Store) -> None:
    store.publish(sample(), source="first")
    before = store.version_token()
    store.publish(edited(sample()), source="second")
    assert store.version_token() != before
    phones = {p.phone for p in store.load().programs}
    assert any("0199" in (phone or "") for phone in phones)


def test_a_file_with_errors_is_refused_and_nothing_changes(store: Store) -> None:
    store.publish(sample(), source="good")
    token = store.version_token()
    bad = edited(sample(), field="zip", value="not a zip")
    with pytest.raises(PublishError) as err:
        store.publish(bad, source="bad")
    assert "The file has 1 error in 1 row." in err.value.user_message
    assert store.version_token() == token
    assert len(store.history()) == 1


def test_valid_rows_only_publishes_the_rest_and_returns_the_rejected(store: Store) -> None:
    bad = edited(sample(), field="zip", value="not a zip")
    result = store.publish(bad, source="partly bad", valid_rows_only=True)
    assert result.rejected
    assert len(store.load().programs) == len(csv_rows(sample())) - 1
    assert "invalid rows left out" in result.version.summary


def test_history_lists_versions_newest_first_with_the_live_one_marked(store: Store) -> None:
    store.publish(sample(), source="first")
    store.publish(edited(sample()), source="second", flagged_for_review=["x1"])
    versions = store.history()
    assert [v.version for v in versions] == ["v0002", "v0001"]
    assert [v.live for v in versions] == [True, False]
    assert versions[0].summary.endswith("0 added, 0 removed, 1 changed")
    assert versions[0].flagged_for_review == ("x1",)
    assert versions[1].sha256 == sha256_hex(sample())


def test_a_publish_keeps_the_live_title_source_and_date_unless_it_brings_its_own(store: Store) -> None:
    """A correction (approval, finder verify, refresh) does not rename the dataset (#14)."""
    title = "Massachusetts intensive outpatient programs listed on FindTreatment.gov"
    store.publish(sample(), source="SAMHSA, FindTreatment.gov", title=title, data_as_of="2025-08-19")
    store.publish(edited(sample()), source="submission 3 approved")
    meta = store.meta()
    assert (meta["title"], meta["source"], meta["data_as_of"]) == (
        title, "SAMHSA, FindTreatment.gov", "2025-08-19")
    assert store.title() == title
    assert store.history()[0].source == "submission 3 approved"  # the history says what changed it
    store.publish(edited(sample(), value="617-555-0198"), source="new download",
                  title="Renamed", data_as_of="2025-11-01")
    meta = store.meta()
    assert (meta["title"], meta["source"], meta["data_as_of"]) == ("Renamed", "new download", "2025-11-01")


def test_a_publish_without_a_dated_source_records_its_own_source(store: Store) -> None:
    store.publish(sample(), source="sample.csv")
    store.publish(edited(sample()), source="edit.csv")
    meta = store.meta()
    assert (meta["title"], meta["source"]) == (DEFAULT_TITLE, "edit.csv")
    assert "data_as_of" not in meta


def test_the_first_correction_of_an_imported_data_folder_keeps_its_name(tmp_path: Path) -> None:
    """The shipped folder: providers.csv and the importer's providers.meta.json, no history yet."""
    shutil.copy(ROOT / "data" / "providers.csv", tmp_path / "providers.csv")
    shutil.copy(ROOT / "data" / "providers.meta.json", tmp_path / "providers.meta.json")
    imported = json.loads((tmp_path / "providers.meta.json").read_text(encoding="utf-8"))
    store = FileStore(tmp_path)
    live = store.live()
    assert live is not None
    store.publish(edited(live.data, field="phone", value="617-555-0100"), source="finder verify")
    meta = store.meta()
    for key in ("title", "source", "data_as_of"):
        assert meta[key] == imported[key]


def test_rollback_restores_an_old_version_byte_for_byte_as_a_new_version(store: Store) -> None:
    store.publish(sample(), source="first")
    store.publish(edited(sample()), source="second")
    restored = store.rollback("1")
    live = store.live()
    assert live is not None
    assert live.data == sample()
    assert restored.version == "v0003"
    assert restored.summary.startswith("rollback to v0001")
    assert live.meta["rolled_back_to"] == "v0001"
    assert [v.live for v in store.history()] == [True, False, False]


def test_rollback_by_sha256_prefix(store: Store) -> None:
    store.publish(sample(), source="first")
    store.publish(edited(sample()), source="second")
    store.rollback(sha256_hex(sample())[:10])
    live = store.live()
    assert live is not None
    assert live.data == sample()


def test_rollback_to_an_unknown_version_says_which_exist(store: Store) -> None:
    store.publish(sample(), source="first")
    with pytest.raises(PublishError) as err:
        store.rollback("v0042")
    assert "Recent versions: v0001" in err.value.user_message


def test_a_publish_reviewed_against_an_older_version_is_refused(store: Store) -> None:
    store.publish(sample(), source="first")
    reviewed = store.live()
    assert reviewed is not None
    store.publish(edited(sample(), 0), source="someone else")
    with pytest.raises(PublishError) as err:
        store.publish(edited(sample(), 1), source="me",
                      expected_live_sha256=reviewed.sha256)
    assert "changed since you reviewed" in err.value.user_message
    live = store.live()
    assert live is not None
    assert live.data == edited(sample(), 0)


def test_the_reviewed_version_check_accepts_the_live_one(store: Store) -> None:
    store.publish(sample(), source="first", expected_live_sha256="")
    live = store.live()
    assert live is not None
    result = store.publish(edited(sample()), source="me", expected_live_sha256=live.sha256)
    assert result.version.version == "v0002"


def test_a_held_lock_makes_a_publish_wait_then_give_up(store: Store) -> None:
    store.publish(sample(), source="first")
    token = store.version_token()
    held = threading.Event()
    release = threading.Event()

    def holder() -> None:
        with store.lock(timeout_s=5):
            held.set()
            release.wait(10)

    thread = threading.Thread(target=holder)
    thread.start()
    try:
        assert held.wait(10)
        with pytest.raises(PublishError) as err:
            store.publish(edited(sample()), source="blocked", lock_timeout_s=0.3)
        assert "Another publish is in progress" in err.value.user_message
    finally:
        release.set()
        thread.join()
    assert store.version_token() == token


def test_concurrent_approvals_for_different_programs_both_land_in_order(store: Store) -> None:
    """Each approver re-reads the live data until its publish is not stale: nothing is lost."""
    store.publish(sample(), source="first")
    errors: list[BaseException] = []

    def approve(index: int, phone: str) -> None:
        try:
            for _attempt in range(20):
                live = store.live()
                assert live is not None
                try:
                    store.publish(edited(live.data, index, value=phone), source=f"approval {index}",
                                  expected_live_sha256=live.sha256)
                    return
                except PublishError as err:
                    if "changed since you reviewed" not in err.user_message:
                        raise
            raise AssertionError("never published")
        except BaseException as err:  # report in the main thread
            errors.append(err)

    threads = [threading.Thread(target=approve, args=(i, f"617-555-010{i}")) for i in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    live = store.live()
    assert live is not None
    rows = csv_rows(live.data)
    assert rows[0]["phone"] == "617-555-0100"
    assert rows[1]["phone"] == "617-555-0101"
    versions = store.history()
    assert [v.version for v in versions] == ["v0003", "v0002", "v0001"]
    assert {v.source for v in versions[:2]} == {"approval 0", "approval 1"}


def test_the_server_keeps_its_validation_in_its_data_folder(store: Store) -> None:
    store.publish(sample(), source="first")
    assert store.load().programs
    assert store.cache_file("validated").is_file()
    assert store.load().programs  # from the kept validation


def test_describe_never_shows_a_password(tmp_path: Path) -> None:
    described = SqlStore(tmp_path, database_url="postgresql://u:hunter2@127.0.0.1:1/db").describe()
    assert "hunter2" not in described
    assert "127.0.0.1" in described


# --------------------------------------------------------------------------- FileStore is today's behaviour


def test_a_file_store_publish_writes_the_same_files_as_before(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The bytes finder/publish.py wrote before the store existed (a fixed expectation)."""
    monkeypatch.setattr("finder.store.files.now_utc", lambda: "2026-11-30T08:00:00Z")
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    store = FileStore(data_dir)
    store.publish(sample(), source="sample.csv", summary="first")
    store.publish(edited(sample()), source="edit.csv", summary="second")
    sha1, sha2 = sha256_hex(sample()), sha256_hex(edited(sample()))
    n = len(csv_rows(sample()))
    assert (data_dir / "providers.csv").read_bytes() == edited(sample())
    meta = (
        "{\n"
        '  "sample": false,\n'
        '  "title": "IOP Finder dataset",\n'
        '  "source": "edit.csv",\n'
        '  "created": "2026-11-30T08:00:00Z",\n'
        f'  "programs": {n},\n'
        f'  "sha256": "{sha2}",\n'
        '  "summary": "second",\n'
        '  "version": "v0002"\n'
        "}\n"
    )
    assert (data_dir / "providers.meta.json").read_text(encoding="utf-8") == meta
    history_dir = data_dir / "history"
    assert sorted(p.name for p in history_dir.iterdir()) == [
        "index.json", "v0001-20261130T080000Z.csv", "v0002-20261130T080000Z.csv"]
    assert (history_dir / "v0001-20261130T080000Z.csv").read_bytes() == sample()
    index = (history_dir / "index.json").read_text(encoding="utf-8")
    expected_entry_1 = (
        "    {\n"
        '      "version": "v0001",\n'
        '      "created": "2026-11-30T08:00:00Z",\n'
        f'      "sha256": "{sha1}",\n'
        f'      "size_bytes": {len(sample())},\n'
        f'      "programs": {n},\n'
        '      "summary": "first",\n'
        '      "source": "sample.csv",\n'
        '      "file": "v0001-20261130T080000Z.csv",\n'
        '      "status": "published",\n'
        '      "meta": {\n'
        '        "sample": false,\n'
        '        "title": "IOP Finder dataset",\n'
        '        "source": "sample.csv",\n'
        '        "created": "2026-11-30T08:00:00Z",\n'
        f'        "programs": {n},\n'
        f'        "sha256": "{sha1}",\n'
        '        "summary": "first",\n'
        '        "version": "v0001"\n'
        "      }\n"
        "    },\n"
    )
    assert index.startswith('{\n  "format": 1,\n  "versions": [\n' + expected_entry_1)
    assert index.endswith("    }\n  ]\n}\n")
    for path in (data_dir / "providers.csv", data_dir / "providers.meta.json", history_dir / "index.json"):
        assert path.stat().st_mode & 0o777 == 0o644
    assert not list(data_dir.glob(".*.tmp"))


def test_a_file_store_opened_on_a_copied_folder_serves_the_same(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "data" / "sample", tmp_path / "copy")
    store = FileStore(tmp_path / "copy")
    live = store.live()
    assert live is not None
    assert live.data == sample()
    assert store.title() == str(store.meta().get("title") or DEFAULT_TITLE)


# --------------------------------------------------------------------------- the CLI on either store


def _cli(monkeypatch: pytest.MonkeyPatch, store: Store, *args: str) -> tuple[int, str, str]:
    from click.testing import CliRunner

    from finder.cli import cli

    monkeypatch.setenv("FINDER_DATA_DIR", str(store.data_dir))
    url = store.database_url if isinstance(store, SqlStore) else ""
    monkeypatch.setenv("FINDER_DATABASE_URL", url)
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_the_cli_publishes_lists_and_rolls_back_through_the_configured_store(
    store: Store, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    code, out, _ = _cli(monkeypatch, store, "store", "info")
    assert code == 0
    assert "Nothing is live yet" in out
    new = tmp_path / "new.csv"
    new.write_bytes(sample())
    code, out, err = _cli(monkeypatch, store, "refresh", str(new), "--yes", "--no-geocode")
    assert code == 0, err
    assert "Published v0001" in out
    live = store.live()
    assert live is not None
    assert live.data == sample()
    new.write_bytes(edited(sample()))
    assert _cli(monkeypatch, store, "refresh", str(new), "--yes", "--no-geocode")[0] == 0
    code, out, _ = _cli(monkeypatch, store, "history")
    assert code == 0
    assert "* v0002" in out
    code, out, _ = _cli(monkeypatch, store, "rollback", "v0001", "--yes")
    assert code == 0
    assert "Restored as v0003" in out
    code, out, _ = _cli(monkeypatch, store, "validate")
    assert code == 0, out
    code, out, _ = _cli(monkeypatch, store, "store", "info", "--format", "json")
    info = json.loads(out)
    assert info["store"] == store.kind
    assert info["live_version"] == "v0003"
    assert info["versions"] == 3
    exported = tmp_path / "live.geojson"
    code, _, err = _cli(monkeypatch, store, "export", "--format", "geojson", "-o", str(exported))
    assert code == 0, err
    assert len(json.loads(exported.read_text(encoding="utf-8"))["features"]) == len(csv_rows(sample()))

"""Tests for ``finder.config``: settings from ``FINDER_*`` variables and their docs."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from finder.config import SETTINGS, Settings, env_name

ROOT = Path(__file__).resolve().parent.parent


def test_defaults_without_environment():
    settings = Settings.from_env({})
    assert settings == Settings()
    assert settings.data_dir == Path("data")
    assert settings.geocode_cache_path == Path("data") / ".geocode-cache.json"
    assert settings.geocode_cache_key_path == Path("data") / ".geocode-cache.key"
    assert settings.database_url == ""
    assert settings.upload_max_bytes == 20 * 1_048_576
    assert not settings.geocoder_enabled


def test_settings_table_matches_the_dataclass_fields_and_defaults():
    fields = {f.name: f for f in dataclasses.fields(Settings)}
    assert [s.name for s in SETTINGS] == list(fields)
    defaults = Settings()
    for setting in SETTINGS:
        value = getattr(defaults, setting.name)
        assert value == type(value)(setting.default), setting.name
        assert setting.help.endswith("."), setting.name


def test_readme_settings_table_lists_every_setting():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for setting in SETTINGS:
        assert f"| `{setting.name}` | `{env_name(setting.name)}` |" in readme, setting.name


def test_env_name():
    assert env_name("data_dir") == "FINDER_DATA_DIR"


def test_from_env_reads_each_kind_of_value():
    settings = Settings.from_env(
        {
            "FINDER_DATA_DIR": "/srv/finder-data",
            "FINDER_GEOCODER": "nominatim",
            "FINDER_GEOCODER_TIMEOUT_S": "2.5",
            "FINDER_PAGE_SIZE": " 25 ",
            "FINDER_STALE_AFTER_DAYS": "0",
            "FINDER_GEOCODE_CACHE": "cache.json",
            "UNRELATED": "ignored",
        }
    )
    assert settings.data_dir == Path("/srv/finder-data")
    assert settings.geocoder_enabled
    assert settings.geocoder_timeout_s == 2.5
    assert settings.page_size == 25
    assert settings.stale_after_days == 0
    assert settings.geocode_cache_path == Path("cache.json")


def test_from_env_uses_os_environ_by_default(monkeypatch):
    monkeypatch.setenv("FINDER_DATA_DIR", "elsewhere")
    assert Settings.from_env().data_dir == Path("elsewhere")


def test_empty_variable_means_the_default():
    assert Settings.from_env({"FINDER_PAGE_SIZE": "", "FINDER_DATA_DIR": ""}) == Settings()


def test_geocoder_name_is_case_insensitive():
    assert Settings.from_env({"FINDER_GEOCODER": "Nominatim"}).geocoder_enabled
    assert not Settings.from_env({"FINDER_GEOCODER": "OFF"}).geocoder_enabled


@pytest.mark.parametrize(
    ("variable", "raw", "message"),
    [
        ("FINDER_PAGE_SIZE", "ten", "FINDER_PAGE_SIZE must be a whole number of 0 or more, such as 10; got 'ten'"),
        ("FINDER_PAGE_SIZE", "2.5", "FINDER_PAGE_SIZE must be a whole number"),
        ("FINDER_PAGE_SIZE", "0", "FINDER_PAGE_SIZE must be more than 0, such as 10; got '0'"),
        ("FINDER_STALE_AFTER_DAYS", "-5", "FINDER_STALE_AFTER_DAYS must be a whole number of 0 or more"),
        ("FINDER_GEOCODER_TIMEOUT_S", "5s", "FINDER_GEOCODER_TIMEOUT_S must be a number of 0 or more, such as 5"),
        ("FINDER_GEOCODER_TIMEOUT_S", "nan", "FINDER_GEOCODER_TIMEOUT_S must be a number"),
        ("FINDER_GEOCODER_TIMEOUT_S", "0", "FINDER_GEOCODER_TIMEOUT_S must be more than 0"),
        ("FINDER_UPLOAD_MAX_MB", "inf", "FINDER_UPLOAD_MAX_MB must be a number"),
        ("FINDER_GEOCODER", "google", "FINDER_GEOCODER must be 'off' or 'nominatim', got 'google'"),
    ],
)  # fmt: skip
def test_bad_values_give_a_clear_message_naming_the_variable(variable, raw, message):
    with pytest.raises(ValueError, match="^" + re.escape(message)):
        Settings.from_env({variable: raw})


def test_settings_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        Settings().page_size = 3  # type: ignore[misc]

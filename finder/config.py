"""Settings: one frozen dataclass, filled from ``FINDER_*`` environment variables.

``SETTINGS`` is the table of every setting with its default and help text
(the datasette pattern); the README's settings table is checked against it by
a test, so the docs cannot drift.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path

__all__ = ["SETTINGS", "Setting", "Settings", "env_name"]


@dataclass(frozen=True, slots=True)
class Setting:
    """One row of the settings table."""

    name: str
    default: str
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("data_dir", "data", "Folder holding the live `providers.csv`, its metadata and `history/` (with no database), and this server's caches."),
    Setting(
        "geocoder",
        "off",
        "Online geocoder for street addresses: `off` (offline gazetteer only) or "
        "`nominatim`. When on, typed street addresses are sent to that service.",
    ),
    Setting("geocoder_domain", "nominatim.openstreetmap.org", "Host (and port) of the online geocoder."),
    Setting("geocoder_scheme", "https", "`https` or `http` for the online geocoder."),
    Setting("geocoder_api_key", "", "API key for the online geocoder, if it needs one."),
    Setting(
        "geocoder_user_agent",
        "iop-finder/0.1 (contact: admin@example.org)",
        "User-Agent sent to the geocoder; Nominatim's usage policy requires one that identifies the app.",
    ),
    Setting("geocoder_timeout_s", "5", "Seconds to wait for one geocoder reply."),
    Setting("geocoder_min_delay_s", "1", "Minimum seconds between two geocoder requests (Nominatim policy: 1)."),
    Setting(
        "geocode_cache",
        "",
        "File of the persistent geocoder cache; empty means `<data_dir>/.geocode-cache.json`.",
    ),
    Setting(
        "geocode_cache_secret",
        "",
        "Secret for the geocoder cache's keys (HMAC-SHA256 of what was typed); empty means a "
        "random secret made once in `<data_dir>/.geocode-cache.key` (mode 0600).",
    ),
    Setting("tiles_url", "https://tile.openstreetmap.org/{z}/{x}/{y}.png", "Map tile URL template."),
    Setting(
        "tiles_attribution",
        '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
        "Attribution shown on the map for the tiles.",
    ),
    Setting("upload_max_mb", "20", "Largest CSV the admin page accepts, in megabytes."),
    Setting("upload_max_rows", "50000", "Most programs (rows) a provider CSV may have; larger files are refused before checking."),
    Setting("stale_after_days", "180", "A program verified longer ago than this is flagged as possibly out of date."),
    Setting("page_size", "10", "Result cards per page."),
    Setting(
        "database_url",
        "",
        "PostgreSQL database that holds the live dataset, its history and the submitted "
        "corrections, shared by several app servers, e.g. `postgresql+psycopg://user@host/finder` "
        "(see docs/DEPLOY.md). Empty keeps the dataset in the data folder and the corrections in "
        "an SQLite file there.",
    ),
    Setting(
        "confirmed_stale_after_days",
        "90",
        "Session times or openings a person confirmed longer ago than this are marked "
        "\"may be out of date\".",
    ),
    Setting("submissions_per_session_per_hour", "10",
            "Most corrections one browser session (or one CLI user) may send in an hour."),
    Setting("submissions_per_hour", "300", "Most corrections everyone together may send in an hour."),
    Setting("open_submissions_per_program", "25",
            "Most corrections waiting for review per program; more are refused until some are reviewed."),
)


def env_name(name: str) -> str:
    """Return the environment variable that sets a setting, e.g. ``FINDER_DATA_DIR``."""
    return f"FINDER_{name.upper()}"


def _number(name: str, raw: str, kind: type) -> int | float:
    """Parse a numeric setting, or raise ValueError naming the variable and an example."""
    default = next(s.default for s in SETTINGS if s.name == name)
    what = "a whole number" if kind is int else "a number"
    try:
        value = int(raw) if kind is int else float(raw)
    except ValueError:
        value = None
    # float() also accepts "nan" and "inf", which no setting can use.
    if value is None or not math.isfinite(value) or value < 0:
        raise ValueError(
            f"{env_name(name)} must be {what} of 0 or more, such as {default}; got {raw!r}"
        )
    if value == 0 and name in _POSITIVE:
        raise ValueError(f"{env_name(name)} must be more than 0, such as {default}; got {raw!r}")
    return value


#: Numeric settings for which 0 makes no sense.
_POSITIVE = frozenset({"geocoder_timeout_s", "upload_max_mb", "upload_max_rows", "page_size",
                       "submissions_per_session_per_hour", "submissions_per_hour",
                       "open_submissions_per_program"})


@dataclass(frozen=True, slots=True)
class Settings:
    """Typed settings. Build with ``Settings.from_env()``."""

    data_dir: Path = Path("data")
    geocoder: str = "off"
    geocoder_domain: str = "nominatim.openstreetmap.org"
    geocoder_scheme: str = "https"
    geocoder_api_key: str = ""
    geocoder_user_agent: str = "iop-finder/0.1 (contact: admin@example.org)"
    geocoder_timeout_s: float = 5.0
    geocoder_min_delay_s: float = 1.0
    geocode_cache: str = ""
    geocode_cache_secret: str = ""
    tiles_url: str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    tiles_attribution: str = next(s.default for s in SETTINGS if s.name == "tiles_attribution")
    upload_max_mb: float = 20.0
    upload_max_rows: int = 50_000
    stale_after_days: int = 180
    page_size: int = 10
    database_url: str = ""
    confirmed_stale_after_days: int = 90
    submissions_per_session_per_hour: int = 10
    submissions_per_hour: int = 300
    open_submissions_per_program: int = 25

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read every setting from ``FINDER_<NAME>``, falling back to the default.

        Parameters
        ----------
        env : Mapping[str, str], optional
            Defaults to ``os.environ``.

        Returns
        -------
        Settings

        Raises
        ------
        ValueError
            When a numeric setting is not a number; the message names the variable.
        """
        env = os.environ if env is None else env
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = env.get(env_name(f.name))
            if raw is None or raw == "":
                continue
            kind = type(getattr(cls(), f.name))
            if kind in (int, float):
                values[f.name] = _number(f.name, raw.strip(), kind)
            else:
                values[f.name] = Path(raw) if kind is type(Path()) else kind(raw)
        if str(values.get("geocoder", "off")).lower() not in {"off", "nominatim"}:
            raise ValueError(
                f"{env_name('geocoder')} must be 'off' or 'nominatim', "
                f"got {values['geocoder']!r}"
            )
        return cls(**values)  # type: ignore[arg-type]

    @property
    def geocode_cache_path(self) -> Path:
        """The persistent geocoder cache file (the store names the default one)."""
        from finder.store.base import cache_file_in

        if self.geocode_cache:
            return Path(self.geocode_cache)
        return cache_file_in(self.data_dir, "geocode")

    @property
    def geocode_cache_key_path(self) -> Path:
        """Where the generated secret for the geocoder cache's keys is kept (next to the cache)."""
        from finder.store.base import cache_file_in

        return cache_file_in(self.geocode_cache_path.parent, "geocode-key")

    @property
    def upload_max_bytes(self) -> int:
        """The one upload and size limit, in bytes (``upload_max_mb``)."""
        return int(self.upload_max_mb * 1024 * 1024)

    @property
    def geocoder_enabled(self) -> bool:
        """Whether typed street addresses may go to an online geocoder."""
        return self.geocoder.lower() != "off"

"""Vendored map assets: Leaflet, jQuery and Leaflet.markercluster, served by the app.

The map must never load code from a third-party CDN (privacy, and so it works
offline). The files come from the XStatic packages on PyPI, which carry exactly
the versions folium pins, and are copied into ``static/vendor/`` next to the
Streamlit script. With ``server.enableStaticServing = true`` Streamlit serves
``<app dir>/static/...`` at ``/app/static/...``.

Layout of ``static/vendor/`` (paths relative to it are the ``*_PATH`` names)::

    leaflet/leaflet.js, leaflet/leaflet.css, leaflet/images/*.png
    leaflet/leaflet-imagepath.js
    jquery/jquery.min.js
    markercluster/leaflet.markercluster.js, MarkerCluster.css, MarkerCluster.Default.css
    .stamp            versions of what was copied; makes the next call a no-op

jQuery is vendored for folium elements that call ``$(...)`` (``folium.Popup``);
``finder.maprender`` binds its popups itself and does not load it.

``leaflet-imagepath.js`` points Leaflet's default marker icons at
``leaflet/images/``. Without it the icons 404 under streamlit-folium, because
leaflet.css is appended after the markers are created and Leaflet then guesses
the image folder wrongly (randyzwitch/streamlit-folium#275).
"""

from __future__ import annotations

import hashlib
import importlib
from dataclasses import dataclass
from pathlib import Path

from finder.store.atomic import atomic_write

__all__ = [
    "JQUERY_JS_PATH",
    "LEAFLET_CSS_PATH",
    "LEAFLET_IMAGEPATH_JS_PATH",
    "LEAFLET_JS_PATH",
    "LEAFLET_MARKER_ICON_PATH",
    "MARKERCLUSTER_CSS_PATH",
    "MARKERCLUSTER_DEFAULT_CSS_PATH",
    "MARKERCLUSTER_JS_PATH",
    "VENDOR_DIRNAME",
    "ensure_static_assets",
]

#: Folder under the app's ``static/`` that holds the vendored files.
VENDOR_DIRNAME = "vendor"

LEAFLET_JS_PATH = "leaflet/leaflet.js"
LEAFLET_CSS_PATH = "leaflet/leaflet.css"
LEAFLET_IMAGEPATH_JS_PATH = "leaflet/leaflet-imagepath.js"
LEAFLET_MARKER_ICON_PATH = "leaflet/images/marker-icon.png"
JQUERY_JS_PATH = "jquery/jquery.min.js"
MARKERCLUSTER_JS_PATH = "markercluster/leaflet.markercluster.js"
MARKERCLUSTER_CSS_PATH = "markercluster/MarkerCluster.css"
MARKERCLUSTER_DEFAULT_CSS_PATH = "markercluster/MarkerCluster.Default.css"

# The folder of the script tag itself, so the file works under any URL prefix.
_IMAGEPATH_JS = (
    "/* Written by finder.assets: point Leaflet's default icons at ./images/\n"
    "   (randyzwitch/streamlit-folium#275). */\n"
    'L.Icon.Default.imagePath = document.currentScript.src.replace(/[^/]*$/, "") + "images/";\n'
)

_STAMP_NAME = ".stamp"


@dataclass(frozen=True, slots=True)
class _Bundle:
    """Files to copy from one XStatic package into one vendor subfolder."""

    module: str
    subdir: str
    files: tuple[str, ...]


_BUNDLES: tuple[_Bundle, ...] = (
    _Bundle(
        "xstatic.pkg.leaflet",
        "leaflet",
        (
            "leaflet.js",
            "leaflet.css",
            "images/layers.png",
            "images/layers-2x.png",
            "images/marker-icon.png",
            "images/marker-icon-2x.png",
            "images/marker-shadow.png",
        ),
    ),
    _Bundle("xstatic.pkg.jquery", "jquery", ("jquery.min.js",)),
    _Bundle(
        "xstatic.pkg.leaflet_markercluster",
        "markercluster",
        ("leaflet.markercluster.js", "MarkerCluster.css", "MarkerCluster.Default.css"),
    ),
)


def ensure_static_assets(static_dir: Path) -> Path:
    """Copy the map's JavaScript, CSS and images into ``static_dir/vendor``.

    Idempotent and cheap once done: a stamp file records the package versions
    copied, and when it matches and every file is present nothing is written.
    Safe when several processes call it at once: every file is written to a
    temporary file in the same folder and moved into place with ``os.replace``,
    so a reader never sees a half-written file.

    Parameters
    ----------
    static_dir : Path
        The app's static folder, ``<folder of streamlit_app.py>/static``.

    Returns
    -------
    Path
        The vendor folder, ``static_dir / "vendor"``.

    Raises
    ------
    ModuleNotFoundError
        When an XStatic package is not installed (see ``pyproject.toml``).
    """
    vendor = Path(static_dir) / VENDOR_DIRNAME
    packages = [(bundle, importlib.import_module(bundle.module)) for bundle in _BUNDLES]
    stamp = (
        "".join(f"{bundle.module}=={package.VERSION}\n" for bundle, package in packages)
        + f"leaflet-imagepath.js sha256={hashlib.sha256(_IMAGEPATH_JS.encode()).hexdigest()}\n"
    )
    if _is_current(vendor, stamp):
        return vendor

    for bundle, package in packages:
        source_dir = Path(package.BASE_DIR)
        for name in bundle.files:
            _copy_atomic(source_dir / name, vendor / bundle.subdir / name)
    _write_atomic(vendor / LEAFLET_IMAGEPATH_JS_PATH, _IMAGEPATH_JS)
    # The stamp goes last: it only claims what is already in place.
    _write_atomic(vendor / _STAMP_NAME, stamp)
    return vendor


def _expected_files(vendor: Path) -> list[Path]:
    files = [vendor / b.subdir / name for b in _BUNDLES for name in b.files]
    return [*files, vendor / LEAFLET_IMAGEPATH_JS_PATH]


def _is_current(vendor: Path, stamp: str) -> bool:
    try:
        if (vendor / _STAMP_NAME).read_text(encoding="utf-8") != stamp:
            return False
    except OSError:
        return False
    return all(path.is_file() for path in _expected_files(vendor))


def _copy_atomic(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(target, source.read_bytes())  # 0644: the server may run as another user


def _write_atomic(target: Path, text: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(target, text.encode("utf-8"))

"""ensure_static_assets: the vendored Leaflet, jQuery and MarkerCluster files."""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

import pytest

from finder import assets
from finder.assets import ensure_static_assets

EXPECTED = [
    assets.LEAFLET_JS_PATH,
    assets.LEAFLET_CSS_PATH,
    assets.LEAFLET_IMAGEPATH_JS_PATH,
    "leaflet/images/marker-icon.png",
    "leaflet/images/marker-icon-2x.png",
    "leaflet/images/marker-shadow.png",
    "leaflet/images/layers.png",
    "leaflet/images/layers-2x.png",
    assets.JQUERY_JS_PATH,
    assets.MARKERCLUSTER_JS_PATH,
    assets.MARKERCLUSTER_CSS_PATH,
    assets.MARKERCLUSTER_DEFAULT_CSS_PATH,
]


def snapshot(vendor: Path) -> dict[str, int]:
    """Every file under vendor with its mtime in ns."""
    return {
        str(path.relative_to(vendor)): path.stat().st_mtime_ns
        for path in sorted(vendor.rglob("*"))
        if path.is_file()
    }


def test_copies_every_file_into_static_vendor(tmp_path):
    vendor = ensure_static_assets(tmp_path / "static")
    assert vendor == tmp_path / "static" / "vendor"
    for relative in EXPECTED:
        assert (vendor / relative).stat().st_size > 0, relative


def test_files_are_the_xstatic_versions_folium_expects(tmp_path):
    vendor = ensure_static_assets(tmp_path / "static")
    leaflet = (vendor / assets.LEAFLET_JS_PATH).read_text(encoding="utf-8")
    assert "1.9.3" in leaflet[:200]
    jquery = (vendor / assets.JQUERY_JS_PATH).read_text(encoding="utf-8")
    assert "jQuery v3.7.1" in jquery[:200]
    cluster = (vendor / assets.MARKERCLUSTER_JS_PATH).read_text(encoding="utf-8")
    assert "markerClusterGroup" in cluster
    assert (vendor / "leaflet/images/marker-icon.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_imagepath_script_points_leaflet_at_the_images_next_to_it(tmp_path):
    vendor = ensure_static_assets(tmp_path / "static")
    script = (vendor / assets.LEAFLET_IMAGEPATH_JS_PATH).read_text(encoding="utf-8")
    assert "L.Icon.Default.imagePath" in script
    assert "document.currentScript.src" in script
    assert '"images/"' in script
    assert (vendor / assets.LEAFLET_IMAGEPATH_JS_PATH).parent == (vendor / "leaflet")


def test_second_call_writes_nothing(tmp_path):
    vendor = ensure_static_assets(tmp_path / "static")
    before = snapshot(vendor)
    ensure_static_assets(tmp_path / "static")
    assert snapshot(vendor) == before


def test_missing_file_is_restored(tmp_path):
    vendor = ensure_static_assets(tmp_path / "static")
    (vendor / assets.JQUERY_JS_PATH).unlink()
    ensure_static_assets(tmp_path / "static")
    assert (vendor / assets.JQUERY_JS_PATH).stat().st_size > 0


def test_stale_stamp_recopies(tmp_path):
    vendor = ensure_static_assets(tmp_path / "static")
    (vendor / assets.LEAFLET_JS_PATH).write_text("old", encoding="utf-8")
    (vendor / ".stamp").write_text("xstatic.pkg.leaflet==1.0.0\n", encoding="utf-8")
    ensure_static_assets(tmp_path / "static")
    assert (vendor / assets.LEAFLET_JS_PATH).read_text(encoding="utf-8") != "old"


def test_leaves_no_temporary_files(tmp_path):
    vendor = ensure_static_assets(tmp_path / "static")
    assert not [p for p in vendor.rglob("*") if p.name.endswith(".tmp")]


def test_files_are_world_readable(tmp_path):
    vendor = ensure_static_assets(tmp_path / "static")
    for relative in EXPECTED:
        assert (vendor / relative).stat().st_mode & 0o444 == 0o444, relative


def _ensure_many(static_dir: str, rounds: int) -> None:
    for _ in range(rounds):
        # Drop the stamp so every round copies again and the processes really race.
        Path(static_dir, "vendor", ".stamp").unlink(missing_ok=True)
        ensure_static_assets(Path(static_dir))


@pytest.mark.skipif(os.name != "posix", reason="fork start method")
def test_concurrent_processes_leave_complete_files(tmp_path):
    static_dir = tmp_path / "static"
    reference = ensure_static_assets(tmp_path / "reference")
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_ensure_many, args=(str(static_dir), 5)) for _ in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert [worker.exitcode for worker in workers] == [0, 0, 0]
    vendor = static_dir / "vendor"
    for relative in EXPECTED:
        assert (vendor / relative).read_bytes() == (reference / relative).read_bytes(), relative
    assert not [p for p in vendor.rglob("*") if p.name.endswith(".tmp")]

"""GeoJSON and GeoPackage export (issue 19): every program a point with every column."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from finder.cli import main
from finder.io.geo import GEO_FORMATS, LAYER_NAME, programs_for_gis, to_geo_bytes, write_geo
from finder.load import load_programs
from finder.schema import COLUMN_NAMES

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample" / "providers.csv"
if not SAMPLE.exists():  # before the sample moved to data/sample (issue 12)
    SAMPLE = ROOT / "data" / "providers.csv"


@pytest.fixture(scope="module")
def programs():
    return load_programs(SAMPLE).programs


@pytest.mark.parametrize("fmt", sorted(GEO_FORMATS))
def test_file_reads_back_with_the_same_points_and_columns(programs, tmp_path, fmt):
    path = write_geo(programs, tmp_path / f"programs{GEO_FORMATS[fmt][1]}", fmt)
    back = gpd.read_file(path, layer=LAYER_NAME) if fmt == "gpkg" else gpd.read_file(path)
    assert list(back.columns) == [*COLUMN_NAMES, "geometry"]
    assert back.crs.to_epsg() == 4326
    assert len(back) == len(programs)
    for program, point in zip(programs, back.geometry, strict=True):
        assert (point.x, point.y) == pytest.approx((program.longitude, program.latitude), abs=1e-9)
    expected = programs_for_gis(programs)
    for column in COLUMN_NAMES:
        mine = [None if pd.isna(v) else v for v in expected[column].astype(object)]
        # GDAL's GeoJSON reader turns ISO date text back into dates; the text was the same.
        theirs = [None if pd.isna(v) else v.date().isoformat() if isinstance(v, pd.Timestamp)
                  else v for v in back[column].astype(object)]
        assert mine == theirs, column


def test_lists_and_dates_are_plain_text(programs):
    frame = programs_for_gis(programs[:1])
    program = programs[0]
    assert frame.loc[0, "insurance"] == "; ".join(str(i) for i in program.insurance)
    assert frame.loc[0, "last_verified"] == (program.last_verified.isoformat()
                                             if program.last_verified else frame.loc[0, "last_verified"])
    assert frame.loc[0, "level_of_care"] == str(program.level_of_care)


@pytest.mark.parametrize("fmt", sorted(GEO_FORMATS))
def test_program_without_coordinates_is_a_feature_without_geometry(programs, tmp_path, fmt):
    unplaced = dataclasses.replace(programs[0], latitude=None, longitude=None)
    path = write_geo([unplaced, *programs[1:3]], tmp_path / f"p{GEO_FORMATS[fmt][1]}", fmt)
    back = gpd.read_file(path)
    assert len(back) == 3
    assert back.geometry.iloc[0] is None or back.geometry.iloc[0].is_empty
    assert back.loc[0, "program_id"] == unplaced.program_id


def test_geojson_is_a_feature_collection_of_points(programs):
    payload = json.loads(to_geo_bytes(programs, "geojson"))
    assert payload["type"] == "FeatureCollection"
    assert {f["geometry"]["type"] for f in payload["features"]} == {"Point"}


def test_gpkg_bytes_are_a_geopackage(programs):
    assert to_geo_bytes(programs[:3], "gpkg")[:16] == b"SQLite format 3\x00"


def test_write_replaces_the_file_and_leaves_no_temporary(programs, tmp_path):
    target = tmp_path / "p.gpkg"
    target.write_bytes(b"old")
    write_geo(programs[:2], target, "gpkg")
    write_geo(programs[:3], target, "gpkg")
    assert len(gpd.read_file(target)) == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.gpkg"]


def test_unknown_format_is_refused(programs, tmp_path):
    with pytest.raises(ValueError, match="fmt"):
        write_geo(programs, tmp_path / "x.shp", "shp")


@pytest.mark.parametrize("fmt", ["geojson", "gpkg"])
def test_cli_export(capsys, tmp_path, fmt):
    target = tmp_path / f"programs.{fmt}"
    assert main(["export", "--format", fmt, "-o", str(target), "--data", str(SAMPLE)]) == 0
    assert "programs written" in capsys.readouterr().err
    assert len(gpd.read_file(target)) > 0


def test_cli_export_into_a_missing_folder_exits_2(capsys, tmp_path):
    code = main(["export", "--format", "gpkg", "-o", str(tmp_path / "no" / "such" / "p.gpkg"),
                 "--data", str(SAMPLE)])
    assert code == 2
    assert "cannot be written" in capsys.readouterr().err

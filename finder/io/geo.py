"""GeoJSON and GeoPackage: every program as a point feature with every column.

Built on ``programs_to_geodataframe`` (typed columns, EPSG:4326) and written
by GeoPandas with the pyogrio engine. GeoPandas serves two real paths: these
exports and ``finder.coverage`` (a nearest join in EPSG:26986); the search and
the app never import it. Columns are the provider CSV's, in template order,
with the values a GIS reads without help:

- ``;``-lists (``insurance``, ``languages``, ...) are joined with ``"; "``, as
  in the CSV, since neither format has a list type;
- dates are ISO text (``2026-09-15``), since GeoJSON has no date type and the
  two formats should read back alike;
- numbers (``latitude``, ``longitude``, ``hours_per_week``) are numbers, and
  an empty cell is null.

``coverage_to_csv`` and ``coverage_to_geojson`` write a coverage answer
(``finder.coverage``) for a spreadsheet or a GIS.

A program without coordinates is still a feature, with a null geometry.
The coordinates are WGS84 (EPSG:4326); a GeoPackage opens in QGIS as layer
``programs``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import tempfile
from collections.abc import Sequence
from enum import StrEnum
from pathlib import Path

from finder.load import DATE_COLUMNS
from finder.model import Accepting, Attendance, ConfirmedVia, LevelOfCare, Program, to_point
from finder.schema import COLUMN_NAMES, MA_COUNTIES
from finder.store.atomic import atomic_write

__all__ = [
    "GEO_FORMATS",
    "LAYER_NAME",
    "coverage_to_csv",
    "coverage_to_geojson",
    "programs_for_gis",
    "programs_to_geodataframe",
    "to_geo_bytes",
    "write_geo",
]

#: Format name to (GDAL driver, file suffix).
GEO_FORMATS: dict[str, tuple[str, str]] = {
    "geojson": ("GeoJSON", ".geojson"),
    "gpkg": ("GPKG", ".gpkg"),
}
#: The GeoPackage layer name.
LAYER_NAME = "programs"


#: Columns of ``programs_to_geodataframe`` that hold a Python list of strings.
_LIST_COLUMNS = ("insurance", "services", "populations", "languages", "intake")


def _frame_dtypes() -> dict[str, object]:
    """Return the pandas dtype of each column of ``programs_to_geodataframe``."""
    import pandas as pd  # type: ignore[import-untyped,unused-ignore]

    category: dict[str, list[str]] = {
        "level_of_care": [str(v) for v in LevelOfCare],
        "county": list(MA_COUNTIES),
        "attendance": [str(v) for v in Attendance],
        "accepting_new_clients": [str(v) for v in Accepting],
        "schedule_confirmed_via": [str(v) for v in ConfirmedVia],
        "availability_confirmed_via": [str(v) for v in ConfirmedVia],
    }
    dtypes: dict[str, object] = {}
    for name in COLUMN_NAMES:
        if name in category:
            dtypes[name] = pd.CategoricalDtype(category[name])
        elif name in ("latitude", "longitude", "hours_per_week"):
            dtypes[name] = "Float64"
        elif name in DATE_COLUMNS:
            dtypes[name] = "datetime64[ns]"
        elif name in _LIST_COLUMNS:
            dtypes[name] = object
        else:
            dtypes[name] = "string"
    return dtypes


def _cell(value: object) -> object:
    """Return a Program attribute as a frame cell: "" and None become missing."""
    import pandas as pd  # type: ignore[import-untyped,unused-ignore]

    if value is None or value == "":
        return pd.NA
    if isinstance(value, tuple):
        return [str(v) for v in value]
    if isinstance(value, StrEnum):
        return str(value)
    if isinstance(value, dt.date):
        return pd.Timestamp(value)
    return value


def programs_to_geodataframe(programs: Sequence[Program]):
    """Return programs as a GeoDataFrame in EPSG:4326 with typed columns.

    Every column of the provider CSV is there, in template order, then
    ``geometry``:

    - text (``program_id``, ``zip``, ``phone``, ``schedule``, ...): ``string``;
    - ``level_of_care``, ``county``, ``attendance``, ``accepting_new_clients``,
      ``schedule_confirmed_via``, ``availability_confirmed_via``:
      ``category`` whose categories are the whole vocabulary;
    - ``latitude``, ``longitude``, ``hours_per_week``: nullable ``Float64``;
    - ``listed_as_of``, ``last_verified``, ``schedule_confirmed_on``,
      ``availability_as_of``: ``datetime64[ns]``;
    - ``;``-lists (``insurance``, ``services``, ``populations``, ``languages``,
      ``intake``): ``object`` holding a Python ``list`` of the canonical values,
      in CSV order (``[]`` when empty), so ``"MassHealth" in row.insurance``
      works without splitting.

    An empty cell is missing (``<NA>``, ``NaT``), never ``""``. Phones are in
    the normalized form ``(617) 555-0142``. Programs without coordinates get a
    missing geometry (``None``), so ``frame.geometry.isna()`` finds them.

    Parameters
    ----------
    programs : Sequence[Program]

    Returns
    -------
    geopandas.GeoDataFrame
    """
    import geopandas as gpd
    import pandas as pd  # type: ignore[import-untyped,unused-ignore]

    dtypes = _frame_dtypes()
    data: dict[str, list[object]] = {name: [] for name in COLUMN_NAMES}
    for program in programs:
        for name in COLUMN_NAMES:
            value = _cell(getattr(program, name))
            data[name].append([] if name in _LIST_COLUMNS and value is pd.NA else value)
    frame = pd.DataFrame(
        {name: pd.Series(values, dtype=dtypes[name]) for name, values in data.items()}
    )
    # Not points_from_xy: it turns a missing coordinate into POINT (NaN NaN).
    geometry = gpd.GeoSeries(
        [to_point(p.latlon) if p.latlon is not None else None for p in programs],
        index=frame.index,
        crs="EPSG:4326",
    )
    return gpd.GeoDataFrame(frame, geometry=geometry, crs="EPSG:4326")


def programs_for_gis(programs: Sequence[Program]):
    """Return programs as a GeoDataFrame ready to write (EPSG:4326).

    Parameters
    ----------
    programs : Sequence[Program]

    Returns
    -------
    geopandas.GeoDataFrame
        Every column of the provider CSV in template order, then ``geometry``;
        lists joined with ``"; "``, dates as ISO text, categories as text.
    """
    import pandas as pd  # type: ignore[import-untyped,unused-ignore]

    frame = programs_to_geodataframe(programs)
    for name in frame.columns:
        if name == "geometry":
            continue
        column = frame[name]
        if isinstance(column.dtype, pd.CategoricalDtype):
            frame[name] = column.astype("string")
        elif str(column.dtype).startswith("datetime64"):
            frame[name] = column.dt.strftime("%Y-%m-%d").astype("string")
        elif column.dtype == object:
            frame[name] = pd.Series(
                ["; ".join(v) if isinstance(v, list) and v else pd.NA for v in column],
                index=frame.index,
                dtype="string",
            )
    return frame


def write_geo(programs: Sequence[Program], path: str | Path, fmt: str) -> Path:
    """Write programs as GeoJSON or GeoPackage, replacing ``path`` atomically.

    Parameters
    ----------
    programs : Sequence[Program]
    path : str or Path
        The file to write; it is replaced only once the new file is complete.
    fmt : {"geojson", "gpkg"}

    Returns
    -------
    Path
        The path written.

    Raises
    ------
    ValueError
        For an unknown format.
    OSError
        When the folder cannot be written.
    """
    if fmt not in GEO_FORMATS:
        raise ValueError(f"fmt must be one of {', '.join(GEO_FORMATS)}, got {fmt!r}")
    target = Path(path)
    # The one atomic write (finder.store.atomic): 0644, others may read exports.
    atomic_write(target, to_geo_bytes(programs, fmt))
    return target


def to_geo_bytes(programs: Sequence[Program], fmt: str) -> bytes:
    """Return the GeoJSON or GeoPackage file as bytes (for a download button).

    Parameters
    ----------
    programs : Sequence[Program]
    fmt : {"geojson", "gpkg"}

    Returns
    -------
    bytes
    """
    if fmt not in GEO_FORMATS:
        raise ValueError(f"fmt must be one of {', '.join(GEO_FORMATS)}, got {fmt!r}")
    driver, suffix = GEO_FORMATS[fmt]
    frame = programs_for_gis(programs)
    options = {"layer": LAYER_NAME} if fmt == "gpkg" else {}
    # GDAL writes to a path, so it writes into a private folder of its own.
    with tempfile.TemporaryDirectory(prefix="finder-geo-") as folder:
        path = Path(folder) / f"programs{suffix}"
        frame.to_file(path, driver=driver, engine="pyogrio", **options)
        return path.read_bytes()


def coverage_to_csv(result) -> str:
    """Return the coverage table as CSV: a heading line, the note, then one row per town.

    Every cell goes through the export's formula guard (``finder.export.neutralize``).
    """
    from finder.coverage import DISTANCE_NOTE, TOWN_COLUMNS
    from finder.export import neutralize

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([neutralize(result.heading)])
    writer.writerow([neutralize(DISTANCE_NOTE)])
    writer.writerow([])
    writer.writerow(TOWN_COLUMNS)
    for row in result.town_rows():
        writer.writerow([neutralize("" if row[c] is None else row[c]) for c in TOWN_COLUMNS])
    return buffer.getvalue()


def coverage_to_geojson(result) -> str:
    """Return the towns as GeoJSON points with the coverage columns as properties."""
    from finder.coverage import DISTANCE_NOTE

    frame = result.towns.copy()
    frame["nearest_miles"] = frame["nearest_miles"].round(2)
    payload = json.loads(frame.to_json(na="null", drop_id=True))
    payload["name"] = result.heading
    payload["description"] = DISTANCE_NOTE
    return json.dumps(payload, ensure_ascii=False) + "\n"

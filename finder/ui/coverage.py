"""Admin sections: coverage (where there is no program) and exports (HSDS, GeoJSON, GeoPackage).

Shown only on the admin page, after login: coverage is planning help for the
people who keep the directory, not something searchers see.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import TYPE_CHECKING

import streamlit as st

from finder.config import Settings
from finder.model import (
    LANGUAGES,
    Attendance,
    Insurance,
    LatLon,
    LevelOfCare,
    Population,
    Program,
    Service,
)
from finder.schedule import PartOfDay
from finder.store import Store
from finder.ui import common
from finder.ui.safe import md

if TYPE_CHECKING:
    from finder.coverage import CoverageResult
    from finder.search import SearchQuery

_ANY = "any"
_log = logging.getLogger(__name__)


def _key(cfg: Settings) -> str:
    """Which store a cached value came from (the store object itself is not hashed)."""
    return f"{cfg.database_url}|{cfg.data_dir}"


@st.cache_data(show_spinner=False, max_entries=2)
def _live_programs(_store: Store, key: str, version: str, max_bytes: int) -> list[Program]:
    # ``version`` is part of the cache key: a new publish is a new entry.
    return _store.load(max_bytes=max_bytes).programs


@st.cache_data(show_spinner=False, max_entries=16)
def _coverage(_store: Store, key: str, version: str, max_bytes: int, filters_json: str,
              radius_miles: float, schedule_confirmed: bool) -> CoverageResult:
    from finder.coverage import coverage
    from finder.search import SearchQuery

    filters = SearchQuery.from_dict(json.loads(filters_json))
    programs = _live_programs(_store, key, version, max_bytes)
    return coverage(programs, filters, radius_miles=radius_miles,
                    schedule_confirmed=schedule_confirmed)


def _filters() -> tuple[SearchQuery, float, bool]:
    from finder.search import SearchQuery

    cols = st.columns(3)
    radius = cols[0].number_input("Within (miles)", min_value=1, max_value=100, value=25, step=5,
                                  key="cov_radius")
    insurance = cols[1].multiselect("Takes", [str(i) for i in Insurance], key="cov_insurance")
    languages = cols[2].multiselect("Sessions in", list(LANGUAGES), key="cov_languages")
    cols = st.columns(3)
    sessions = cols[0].multiselect("Meets", [str(p) for p in PartOfDay], key="cov_sessions")
    levels = cols[1].multiselect("Level of care", [str(v) for v in LevelOfCare], key="cov_levels")
    services = cols[2].multiselect("Offers", [str(s) for s in Service], key="cov_services")
    cols = st.columns(3)
    populations = cols[0].multiselect("Serves", [str(p) for p in Population], key="cov_populations")
    attendance = cols[1].selectbox("Attendance", [_ANY, str(Attendance.IN_PERSON),
                                                  str(Attendance.TELEHEALTH)], key="cov_attendance")
    accepting = cols[2].checkbox("Accepting new clients only", key="cov_accepting")
    confirmed = cols[2].checkbox(
        "Session times confirmed", key="cov_confirmed",  # a longer label is cut off here
        help="Count only programs whose session times a person confirmed (by phone, on the "
             "program's website or as staff), not times that are only listed.")
    query = SearchQuery(
        origin=LatLon(42.3601, -71.0589), radius_miles=None,
        insurance=tuple(Insurance(i) for i in insurance), languages=tuple(languages),
        sessions=tuple(PartOfDay(p) for p in sessions),
        level_of_care=tuple(LevelOfCare(v) for v in levels),
        services=tuple(Service(x) for x in services),
        populations=tuple(Population(p) for p in populations),
        attendance=None if attendance == _ANY else Attendance(attendance),
        accepting_new_clients=accepting,
    )
    return query, float(radius), confirmed


def render_coverage(cfg: Settings) -> None:
    """The Coverage section: filters, the gap list by county, a map and a sortable table."""
    from finder.coverage import DISTANCE_NOTE
    from finder.io.geo import coverage_to_csv, coverage_to_geojson

    st.subheader("Coverage: towns far from a program")
    st.caption("For planning. For each of the 351 Massachusetts cities and towns: how far the "
               "nearest program that fits these filters is, and how many are within reach.")
    query, radius, confirmed = _filters()
    try:
        live = common.store(cfg)
        result = _coverage(live, _key(cfg), live.version_token(), common.live_data_max_bytes(cfg), json.dumps(query.as_dict()), radius,
                           confirmed)
    except Exception:
        _log.exception("coverage could not be computed")
        common.data_unavailable()
        return
    gaps = result.gaps_by_county()
    count = sum(len(towns) for towns in gaps.values())
    st.markdown(f"#### {md(result.heading)}: {count} of {len(result.towns)} towns")
    st.info(md(DISTANCE_NOTE), icon=":material/info:")
    if not len(result.programs):
        st.warning("No program passes these filters, so every town is listed.")
    if gaps:
        st.markdown("\n".join(f"- **{md(county)} County** ({len(towns)}): "
                              f"{md(', '.join(towns))}" for county, towns in gaps.items()))
    else:
        st.success(f"Every town has at least one such program within {radius:g} miles.")
    _coverage_map(result, cfg)
    st.dataframe(result.town_rows(), hide_index=True, width="stretch", key="cov_table",
                 column_config={
                     "nearest_miles": st.column_config.NumberColumn("nearest (mi)", format="%.1f"),
                     "programs_within": st.column_config.NumberColumn(f"programs within {radius:g} mi"),
                     "nearest_program_id": "nearest program id",
                     "nearest_program": "nearest program",
                     "nearest_organization": "its organization",
                     "nearest_city": "its town",
                 })
    cols = st.columns(2)
    cols[0].download_button("Download the table (CSV)", lambda: coverage_to_csv(result).encode(
        "utf-8-sig"), file_name="coverage.csv", mime="text/csv", key="cov_dl_csv",
        on_click="ignore")
    cols[1].download_button("Download the towns (GeoJSON)", lambda: coverage_to_geojson(
        result).encode("utf-8"), file_name="coverage.geojson", mime="application/geo+json",
        key="cov_dl_geojson", on_click="ignore")


def _coverage_map(result: CoverageResult, cfg: Settings) -> None:
    from streamlit_folium import st_folium

    from finder.maprender import build_coverage_map

    fmap = build_coverage_map(result, tiles_url=cfg.tiles_url,
                              tiles_attribution=cfg.tiles_attribution)
    st_folium(fmap, returned_objects=[], height=480, use_container_width=True, key="coverage_map")


def render_exports(cfg: Settings) -> None:
    """The Exports section: the live programs as HSDS 3.0, GeoJSON or GeoPackage."""
    from finder.io.geo import to_geo_bytes
    from finder.io.hsds import hsds_zip_bytes
    st.subheader("Export for other directories and GIS")
    st.caption("Every live program. HSDS 3.0 is the Open Referral format 211 systems exchange "
               "(a ZIP of CSV tables with datapackage.json); GeoJSON and GeoPackage open in QGIS "
               "and other GIS tools. See docs/EXCHANGE.md for what goes where.")
    try:
        live = common.store(cfg)
        programs = _live_programs(live, _key(cfg), live.version_token(),
                                  common.live_data_max_bytes(cfg))
    except Exception:
        _log.exception("the live dataset could not be loaded for export")
        common.data_unavailable()
        return
    if not programs:
        st.info("There is no live program to export.")
        return
    from finder.provenance import is_sample_dataset

    if is_sample_dataset(programs):
        st.warning("These are the fictional sample programs. Do not send them to another "
                   "directory as real listings.", icon=":material/warning:")
    title = common.store(cfg).title()
    stamp = dt.date.today().isoformat()
    files = (
        ("hsds", "HSDS 3.0 (ZIP)", lambda: hsds_zip_bytes(programs, title), "zip",
         "application/zip"),
        ("geojson", "GeoJSON", lambda: to_geo_bytes(programs, "geojson"), "geojson",
         "application/geo+json"),
        ("gpkg", "GeoPackage", lambda: to_geo_bytes(programs, "gpkg"), "gpkg",
         "application/geopackage+sqlite3"),
    )
    cols = st.columns(len(files))
    for col, (key, label, build, ext, mime) in zip(cols, files, strict=True):
        col.download_button(label, build, file_name=f"iop-programs-{stamp}.{ext}", mime=mime,
                            key=f"admin_export_{key}", on_click="ignore")

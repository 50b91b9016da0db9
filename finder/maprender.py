"""The results map: a folium map of matched programs, built from app-served assets.

This is the only module that imports folium. ``build_map`` returns a
``folium.Map`` that the UI hands to ``st_folium(..., returned_objects=[])``.

Two rules shape the code:

* **No third-party CDN.** folium's defaults load Leaflet, jQuery, Bootstrap and
  Font Awesome from CDNs. The map and the MarkerCluster plugin get
  ``default_js`` / ``default_css`` that point at the files ``finder.assets``
  copies into ``static/vendor/`` (served at ``/app/static/vendor``). Bootstrap and
  Font Awesome are not vendored, so ``folium.Icon`` is not used: the person's
  location is an inline-SVG ``DivIcon`` and programs use Leaflet's default marker.
* **Every CSV-derived string is escaped.** folium does not escape popup or
  tooltip text, and it places both inside JavaScript template literals
  (`` `...` ``). ``_esc`` applies ``html.escape`` and also encodes the
  characters that are special inside a template literal (backtick, ``$`` and
  backslash), so no program text can end the literal or run code.
"""

from __future__ import annotations

import hashlib
import html
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import folium
import phonenumbers
from folium.elements import JSCSSMixin
from folium.plugins import MarkerCluster
from folium.template import Template

from finder import assets
from finder.geo import MILES_PER_DEGREE_LAT
from finder.labels import labels
from finder.model import MA_BOUNDS, Place, Program

if TYPE_CHECKING:
    from finder.coverage import CoverageResult

__all__ = [
    "BAND_COLORS",
    "DEFAULT_ASSET_BASE",
    "MapMatch",
    "ProgramTable",
    "asset_links",
    "build_coverage_map",
    "build_map",
    "build_results_map",
    "program_table",
    "write_program_table",
]

#: Where Streamlit static serving exposes ``static/vendor`` of the app folder.
DEFAULT_ASSET_BASE = "/app/static/vendor"

_METERS_PER_MILE = 1609.344
_MILES_PER_DEGREE_LAT = MILES_PER_DEGREE_LAT  # the one sphere (finder.geo)
# Closest zoom the map opens at, so one result does not open at street level 18.
_MAX_FIT_ZOOM = 14
# From this many markers, MarkerCluster adds them in chunks between frames.
_CHUNKED_FROM = 1000

# Colors with at least 4.5:1 contrast on the light map background.
_ORIGIN_COLOR = "#b3261e"  # the person's location: red, unlike the blue program pins
_RADIUS_COLOR = "#1d4f91"

# No xmlns: inline SVG in HTML does not need one, and it keeps URLs out of the page.
_ORIGIN_PIN_SVG = (
    '<svg width="28" height="40" viewBox="0 0 28 40" aria-hidden="true" focusable="false">'
    '<path d="M14 1C6.8 1 1 6.6 1 13.6 1 23.2 14 39 14 39s13-15.8 13-25.4C27 6.6 21.2 1 14 1z" '
    f'fill="{_ORIGIN_COLOR}" stroke="#ffffff" stroke-width="2"/>'
    '<circle cx="14" cy="10" r="3.6" fill="#ffffff"/>'
    '<path d="M7.6 21.5c0-4 2.9-6.6 6.4-6.6s6.4 2.6 6.4 6.6z" fill="#ffffff"/>'
    "</svg>"
)

# MarkerCluster's default icon plus words for screen readers: Leaflet makes each
# cluster a role="button", and "12" alone does not say what it is.
_CLUSTER_ICON_JS = """
function (cluster) {
    var count = cluster.getChildCount();
    var size = count < 10 ? "small" : count < 100 ? "medium" : "large";
    var hidden = "position:absolute;width:1px;height:1px;overflow:hidden;"
        + "clip:rect(0 0 0 0);white-space:nowrap;";
    return L.divIcon({
        html: "<div><span>" + count + "<span style='" + hidden + "'> " + WORDS
            + "</span></span></div>",
        className: "marker-cluster marker-cluster-" + size,
        iconSize: new L.Point(40, 40)
    });
}
"""


def _cluster_icon_js(locale: str) -> str:
    """Return the cluster icon's script, its screen-reader words in the locale (static text)."""
    words = _esc(labels(locale).gettext("programs here; select to zoom in"))
    return _CLUSTER_ICON_JS.replace("WORDS", json.dumps(words))


class MapMatch(Protocol):
    """What ``build_map`` needs of a search match (``finder.search.Match`` fits)."""

    @property
    def program(self) -> Program:
        """The matched program."""
        ...

    @property
    def distance_miles(self) -> float:
        """Distance from the search origin, in miles."""
        ...


def build_map(
    matches: Sequence[MapMatch],
    origin: Place | None,
    radius_miles: float | None,
    *,
    tiles_url: str,
    tiles_attribution: str,
    asset_base: str = DEFAULT_ASSET_BASE,
    locale: str = "en",
) -> folium.Map:
    """Build the results map.

    Parameters
    ----------
    matches : sequence of Match
        Results to plot; each has ``.program`` and ``.distance_miles``. Programs
        without coordinates are skipped.
    origin : Place or None
        The person's search location, drawn as a red pin with a person glyph.
    radius_miles : float or None
        Search radius drawn as a circle around ``origin``; None or 0 for none.
    tiles_url : str
        Tile URL template (``Settings.tiles_url``).
    tiles_attribution : str
        Attribution HTML for the tiles (``Settings.tiles_attribution``); it
        comes from the app's settings, not from the CSV, so it is not escaped.
    asset_base : str, default "/app/static/vendor"
        URL of the folder ``finder.assets.ensure_static_assets`` filled.
    locale : str
        The language of the key, tooltips and popups (``finder.labels``).

    Returns
    -------
    folium.Map
        Centred on ``origin`` (else on the results, else on Massachusetts), with
        its bounds fitted to the results and the origin.
    """
    points = [(match, latlon) for match in matches if (latlon := match.program.latlon) is not None]
    markers = _ProgramMarkers(
        [
            (
                latlon.lat,
                latlon.lon,
                match.program.program_name,
                _tooltip_html(match, locale),
                _popup_html(match, locale),
            )
            for match, latlon in points
        ]
    )
    return _assemble(
        [(ll.lat, ll.lon) for _, ll in points], markers, origin, radius_miles,
        tiles_url=tiles_url, tiles_attribution=tiles_attribution, asset_base=asset_base,
        locale=locale,
    )


def _assemble(
    fit_points: list[tuple[float, float]],
    markers: folium.MacroElement,
    origin: Place | None,
    radius_miles: float | None,
    *,
    tiles_url: str,
    tiles_attribution: str,
    asset_base: str,
    locale: str = "en",
) -> folium.Map:
    """Build the map around its program markers: tiles, radius, clusters, the person, the key."""
    base = asset_base.rstrip("/")
    has_points = bool(fit_points)
    if origin is not None:
        fit_points.append((origin.lat, origin.lon))
        if not has_points and radius_miles:
            # No results: show the whole searched circle, not a single dot.
            fit_points.extend(_circle_box(origin.lat, origin.lon, radius_miles))
    bounds = _bounds(fit_points) if fit_points else _ma_bounds()

    center = (origin.lat, origin.lon) if origin is not None else _middle(bounds)
    fmap = folium.Map(
        location=center,
        zoom_start=10,
        tiles=None,
        control_scale=False,  # added by _Legend, placed to suit the map's width
        prefer_canvas=False,
    )
    fmap.default_js = [
        ("leaflet", f"{base}/{assets.LEAFLET_JS_PATH}"),
        ("leaflet_imagepath", f"{base}/{assets.LEAFLET_IMAGEPATH_JS_PATH}"),
    ]
    # No jQuery: only folium.Popup needs it, and _ProgramMarkers binds popups itself.
    fmap.default_css = [("leaflet_css", f"{base}/{assets.LEAFLET_CSS_PATH}")]
    folium.TileLayer(tiles=tiles_url, attr=tiles_attribution, name="Map", max_zoom=19).add_to(fmap)

    if origin is not None and radius_miles:
        circle = folium.Circle(
            location=(origin.lat, origin.lon),
            radius=radius_miles * _METERS_PER_MILE,
            color=_RADIUS_COLOR,
            weight=2,
            dash_array="6 6",
            fill=True,
            fill_opacity=0.05,
        )
        # folium's path_options drops unknown keys; a decorative circle should not
        # take the pointer cursor or swallow clicks.
        circle.options["interactive"] = False
        circle.add_to(fmap)

    cluster = MarkerCluster(
        name="Programs",
        # chunkedLoading: thousands of markers are added without freezing the page.
        options={"showCoverageOnHover": False, "maxClusterRadius": 40,
                 **({"chunkedLoading": True} if len(fit_points) > _CHUNKED_FROM else {})},
        icon_create_function=_cluster_icon_js(locale),
    )
    cluster.default_js = [("markerclusterjs", f"{base}/{assets.MARKERCLUSTER_JS_PATH}")]
    cluster.default_css = [
        ("markerclustercss", f"{base}/{assets.MARKERCLUSTER_CSS_PATH}"),
        ("markerclusterdefaultcss", f"{base}/{assets.MARKERCLUSTER_DEFAULT_CSS_PATH}"),
    ]
    markers.add_to(cluster)
    cluster.add_to(fmap)

    if origin is not None:
        # A red pin with a person glyph: its tip marks the spot, so a cluster
        # drawn there keeps its count readable, and it differs from program pins
        # in shape as well as colour. zIndexOffset draws it above the clusters;
        # it takes no pointer or keyboard focus, so a program right next to the
        # person stays clickable. The page states the location in words.
        folium.Marker(
            location=(origin.lat, origin.lon),
            icon=folium.DivIcon(
                html=_ORIGIN_PIN_SVG,
                icon_size=(28, 40),
                icon_anchor=(14, 40),
                class_name="finder-origin",
            ),
            z_index_offset=1000,
            interactive=False,
            keyboard=False,
        ).add_to(fmap)

    _Legend(
        show_origin=origin is not None,
        show_radius=bool(origin and radius_miles),
        asset_base=base,
        locale=locale,
    ).add_to(fmap)
    fmap.fit_bounds(bounds, padding=(24, 24), max_zoom=_MAX_FIT_ZOOM)
    return fmap


#: Town dot colours by distance band, nearest first (ColorBrewer RdYlGn, 4 classes,
#: colour-blind safe), then the colour of a town with no program at all.
BAND_COLORS: tuple[str, ...] = ("#1a9641", "#a6d96a", "#fdae61", "#d7191c")
NO_PROGRAM_COLOR = "#6b6b6b"
_PROGRAM_COLOR = "#1d2f6f"


def build_coverage_map(
    result: CoverageResult,
    *,
    tiles_url: str,
    tiles_attribution: str,
    asset_base: str = DEFAULT_ASSET_BASE,
) -> folium.Map:
    """Build the coverage map: towns coloured by distance band, programs on top, a legend.

    Parameters
    ----------
    result : CoverageResult
        From ``finder.coverage.coverage``.
    tiles_url, tiles_attribution : str
        As for ``build_map`` (from the app's settings).
    asset_base : str, default "/app/static/vendor"
        URL of the folder ``finder.assets.ensure_static_assets`` filled.

    Returns
    -------
    folium.Map
        Fitted to Massachusetts. Each town is a dot whose tooltip gives its
        name, county, distance to the nearest program and count within the
        radius; each program is a marker with its name and address.
    """
    from finder.coverage import distance_bands

    base = asset_base.rstrip("/")
    bounds = _ma_bounds()
    fmap = folium.Map(location=_middle(bounds), zoom_start=8, tiles=None, control_scale=False)
    fmap.default_js = [
        ("leaflet", f"{base}/{assets.LEAFLET_JS_PATH}"),
        ("leaflet_imagepath", f"{base}/{assets.LEAFLET_IMAGEPATH_JS_PATH}"),
    ]
    fmap.default_css = [("leaflet_css", f"{base}/{assets.LEAFLET_CSS_PATH}")]
    folium.TileLayer(tiles=tiles_url, attr=tiles_attribution, name="Map", max_zoom=19).add_to(fmap)

    bands = distance_bands(result.radius_miles)
    counts = [0] * (len(bands) + 1)
    town_rows: list[list[object]] = []
    radius = result.radius_miles
    for row in result.town_rows():
        miles = row["nearest_miles"]
        if miles is None:
            band = len(bands)
            color = NO_PROGRAM_COLOR
            distance = "no program passes the filters"
        else:
            band = next(i for i, (upper, _label) in enumerate(bands) if float(miles) <= upper)  # type: ignore[arg-type]
            color = BAND_COLORS[band]
            distance = f"nearest program {float(miles):.1f} mi"  # type: ignore[arg-type]
        counts[band] += 1
        within = int(row["programs_within"])  # type: ignore[call-overload]
        tooltip = (
            f"<strong>{_esc(row['town'])}</strong> ({_esc(row['county'])} County)<br>"
            f"{_esc(distance)}<br>{within} program{'s' if within != 1 else ''} within {radius:g} mi"
        )
        town_rows.append([row["latitude"], row["longitude"], color, tooltip])
    program_rows: list[list[object]] = []
    for program in result.programs.itertuples(index=False):
        if program.geometry is None:
            continue
        popup = (
            f"<strong>{_esc(program.program_name)}</strong><br>{_esc(program.organization)}<br>"
            f"{_esc(program.street)}, {_esc(program.city)}, MA {_esc(program.zip)}"
        )
        program_rows.append(
            [program.geometry.y, program.geometry.x, str(program.program_name), popup]
        )
    _CoverageLayers(town_rows, program_rows).add_to(fmap)
    legend = [
        (color, f"{label} ({count} town{'s' if count != 1 else ''})")
        for color, (_upper, label), count in zip(BAND_COLORS, bands, counts, strict=False)
    ]
    if counts[-1]:
        legend.append((NO_PROGRAM_COLOR, f"no program at all ({counts[-1]} towns)"))
    _CoverageLegend(legend).add_to(fmap)
    fmap.fit_bounds(bounds, padding=(12, 12))
    return fmap


class _CoverageLayers(folium.MacroElement):
    """Town dots and program markers, drawn by one script from inert JSON (see ``_ProgramMarkers``)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }};
            {{ this.towns_json }}.forEach(function (row) {
                L.circleMarker([row[0], row[1]], {radius: 6, color: "#333333", weight: 1,
                    fillColor: row[2], fillOpacity: 0.9}).bindTooltip(row[3]).addTo(map);
            });
            // Programs: small navy diamonds above the dots, so they hide few towns.
            var icon = L.divIcon({className: "finder-program", iconSize: [12, 12],
                html: "<span style='display:block;width:8px;height:8px;margin:1px;"
                    + "background:{{ this.program_color }};border:1px solid #fff;"
                    + "transform:rotate(45deg)'></span>"});
            {{ this.programs_json }}.forEach(function (row) {
                L.marker([row[0], row[1]], {icon: icon, title: row[2], zIndexOffset: 1000})
                    .bindPopup(row[3], {maxWidth: 300}).addTo(map);
            });
        })();
        {% endmacro %}
        """
    )

    def __init__(self, towns: Sequence[list[object]], programs: Sequence[list[object]]) -> None:
        super().__init__()
        self._name = "CoverageLayers"
        self.program_color = _PROGRAM_COLOR
        self.towns_json = _inert_json(list(towns))
        self.programs_json = _inert_json(list(programs))


class _CoverageLegend(folium.MacroElement):
    """The coverage map's key: one swatch per distance band with its town count, and programs."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }};
            L.control.scale({position: "bottomleft"}).addTo(map);
            var legend = L.control({position: "bottomleft"});  // over Connecticut: hides no town
            legend.onAdd = function () {
                var div = L.DomUtil.create("div", "finder-legend");
                div.setAttribute("role", "note");
                div.setAttribute("aria-label", "Map key");
                div.style.cssText = "background:#fff;color:#1f2933;padding:4px 8px;"
                    + "border-radius:4px;box-shadow:0 1px 4px rgba(0,0,0,.3);"
                    + "font:12px/20px sans-serif;";
                div.innerHTML = {{ this.rows_html|tojson }};
                return div;
            };
            legend.addTo(map);
        })();
        {% endmacro %}
        """
    )

    def __init__(self, bands: Sequence[tuple[str, str]]) -> None:
        super().__init__()
        self._name = "CoverageLegend"
        swatch = ("display:inline-block;width:12px;height:12px;border-radius:50%;"
                  "border:1px solid #333;margin-right:6px;vertical-align:-1px;")
        rows = ["<strong>Town centre to nearest program</strong>"]
        rows += [f'<span style="{swatch}background:{color}"></span>{_esc(label)}'
                 for color, label in bands]
        rows.append(
            '<span style="display:inline-block;width:8px;height:8px;margin:0 8px 0 2px;'
            f'background:{_PROGRAM_COLOR};transform:rotate(45deg)"></span>Program'
        )
        self.rows_html = "".join(f"<div>{row}</div>" for row in rows)


class _ProgramMarkers(folium.MacroElement):
    """All program markers, added to the parent MarkerCluster by one script.

    Why not a ``folium.Marker`` (+ Popup + Tooltip) per program:

    * **Safety.** branca compiles every element's rendered script as a new
      Jinja template, so CSV text such as ``{{ ... }}`` in a popup, tooltip or
      marker option would be *executed as Jinja on the server*. Here the data
      is one JSON array from ``_inert_json``, which leaves no ``{``, ``}``,
      ``<``, ``>`` or ``&`` in it, so that compile pass finds nothing to run
      and no string can close the ``<script>`` tag.
    * **Speed.** Those per-element compiles cost about 1.5 ms each: 0.5 s for
      170 programs on every Streamlit rerun. One element compiles once.
    * It needs no jQuery (``folium.Popup`` wraps its HTML in ``$(...)``).

    Each row is ``(lat, lon, name, tooltip_html, popup_html)``; the two HTML
    strings are already escaped with ``_esc``. ``alt`` and ``title`` are set as
    DOM properties, so screen readers announce each marker by its program name.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var rows = {{ this.rows_json }};
            var markers = rows.map(function (row) {
                var marker = L.marker([row[0], row[1]], {alt: row[2], title: row[2]});
                marker.bindTooltip(row[3], {sticky: true});
                marker.bindPopup(row[4], {maxWidth: 300});
                return marker;
            });
            {{ this._parent.get_name() }}.addLayers(markers);
        })();
        {% endmacro %}
        """
    )

    def __init__(self, rows: Sequence[tuple[float, float, str, str, str]]) -> None:
        super().__init__()
        self._name = "ProgramMarkers"
        self.rows = list(rows)
        self.rows_json = _inert_json([list(row) for row in self.rows])


def _inert_json(value: object) -> str:
    """JSON for a ``<script>`` that branca's Jinja pass and the HTML parser leave alone.

    Braces only occur inside strings here (the value holds lists, strings and
    numbers), and there they become ``\u007b``/``\u007d`` escapes, which JavaScript
    reads back as the same characters.
    """
    text = json.dumps(value, ensure_ascii=True, allow_nan=False)
    for char, escape in (
        ("{", "\\u007b"),
        ("}", "\\u007d"),
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
    ):
        text = text.replace(char, escape)
    return text


class _Legend(folium.MacroElement):
    """A small key in the map's corner (which symbol is the person, which a program), and the scale.

    Static text only, nothing from the CSV. On narrow (phone) maps the key
    shrinks and the scale bar moves to the top, clear of the attribution.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }};
            // On a phone the attribution fills the bottom edge; the scale goes on top.
            var narrow = map.getSize().x < 480;
            L.control.scale({position: narrow ? "topleft" : "bottomleft"}).addTo(map);
            var legend = L.control({position: "topright"});
            legend.onAdd = function () {
                var div = L.DomUtil.create("div", "finder-legend");
                div.setAttribute("role", "note");
                div.setAttribute("aria-label", {{ this.key_label|tojson }});
                div.style.cssText = "background:#fff;color:#1f2933;padding:4px 8px;"
                    + "border-radius:4px;box-shadow:0 1px 4px rgba(0,0,0,.3);"
                    + "font:12px/20px sans-serif;";
                if (narrow) {
                    div.style.font = "11px/18px sans-serif";
                }
                div.innerHTML = {{ this.rows_html|tojson }};
                return div;
            };
            legend.addTo(map);
        })();
        {% endmacro %}
        """
    )

    def __init__(self, *, show_origin: bool, show_radius: bool, asset_base: str,
                 locale: str = "en") -> None:
        super().__init__()
        self._name = "Legend"
        say = labels(locale).gettext
        self.key_label = say("Map key")
        symbol = "display:inline-block;width:16px;text-align:center;margin-right:6px;"
        rows = []
        if show_origin:
            pin = _ORIGIN_PIN_SVG.replace('width="28" height="40"', 'width="11" height="16"')
            rows.append(f'<span style="{symbol}vertical-align:-3px">{pin}</span>'
                        + _esc(say("Your location")))
        if show_radius:
            rows.append(
                f'<span style="{symbol}border-top:2px dashed {_RADIUS_COLOR};'
                'vertical-align:middle;height:0"></span>' + _esc(say("Search radius"))
            )
        rows.append(
            f'<span style="{symbol}"><img src="{asset_base}/{assets.LEAFLET_MARKER_ICON_PATH}" '
            'alt="" style="height:16px;vertical-align:-3px"></span>' + _esc(say("Program"))
        )
        rows.append(
            f'<span style="{symbol}width:14px;height:14px;margin:0 7px 0 1px;border-radius:50%;'
            'background:rgba(110,204,57,.9);vertical-align:-2px"></span>'
            + _esc(say("Group: select to zoom"))
        )
        self.rows_html = "".join(f"<div>{row}</div>" for row in rows)


def _esc(text: object) -> str:
    r"""Escape CSV text for popup and tooltip HTML.

    ``html.escape`` plus entities for the characters that matter if the HTML
    ever lands in a JS template literal (`` ` ``, ``$``, ``\``) or passes
    through branca's Jinja compile (``{``, ``}``): defence in depth on top
    of ``_inert_json``.
    """
    escaped = html.escape(str(text), quote=True)
    for char, entity in (
        ("\\", "&#92;"),
        ("`", "&#96;"),
        ("$", "&#36;"),
        ("{", "&#123;"),
        ("}", "&#125;"),
    ):
        escaped = escaped.replace(char, entity)
    return escaped


def _tel_href(phone: str) -> str:
    """Return a ``tel:`` URI (RFC 3966) for a phone as written in the CSV."""
    try:
        number = phonenumbers.parse(phone, "US")
        return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.RFC3966))
    except phonenumbers.NumberParseException:
        return "tel:" + "".join(ch for ch in phone if ch.isdigit())


def _distance_text(miles: float, locale: str = "en") -> str:
    words = labels(locale)
    return words.format("{miles} mi away", miles=words.number(miles, 1))


def _tooltip_html(match: MapMatch, locale: str = "en") -> str:
    program = match.program
    return (
        f"<strong>{_esc(program.program_name)}</strong><br>"
        f"{_esc(_distance_text(match.distance_miles, locale))}"
    )


def _popup_html(match: MapMatch, locale: str = "en") -> str:
    head, tail = _popup_parts(match.program, locale)
    return f"{head}{_esc(_distance_text(match.distance_miles, locale))}<br>{tail}"


def _bounds(points: Iterable[tuple[float, float]]) -> list[list[float]]:
    lats, lons = zip(*points, strict=True)
    return [[min(lats), min(lons)], [max(lats), max(lons)]]


def _ma_bounds() -> list[list[float]]:
    south, west, north, east = MA_BOUNDS
    return [[south, west], [north, east]]


def _middle(bounds: list[list[float]]) -> tuple[float, float]:
    (south, west), (north, east) = bounds
    return ((south + north) / 2, (west + east) / 2)


def _circle_box(lat: float, lon: float, radius_miles: float) -> list[tuple[float, float]]:
    """Return the south-west and north-east corners of a circle's bounding box."""
    dlat = radius_miles / _MILES_PER_DEGREE_LAT
    dlon = dlat / max(math.cos(math.radians(lat)), 0.01)
    return [(lat - dlat, lon - dlon), (lat + dlat, lon + dlon)]


# --- The results map at national scale (issue 16) -----------------------------
#
# The find page may match thousands of programs. Their marker data (escaped
# names, tooltips, popups) does not depend on the search, so it is built once
# per dataset version into one JavaScript array, written to a static file whose
# name is its content's hash: the browser fetches it once and caches it. A
# map then carries only which programs matched and how far each is (two
# numbers per marker), and the browser builds the markers and clusters them.


@dataclass(frozen=True, slots=True)
class ProgramTable:
    """Marker data of every program of a catalog, in catalog order; one per dataset version.

    ``script`` defines ``window.finderPrograms``: one row per program,
    ``[lat, lon, name, org, address, phones, plain_name]``, every text already
    escaped for HTML (``_esc``); ``phones`` is the popup's phone links, and
    ``plain_name`` the unescaped name for the marker's ``alt`` and ``title``
    properties, only when it differs (else 0). The map script wraps them in the
    same HTML as ``_popup_html``. ``file_name`` is ``programs-<sha256 prefix>.js``.
    """

    script: str
    file_name: str
    count: int


def program_table(programs: Sequence[Program], locale: str = "en") -> ProgramTable:
    """Build the marker data of every program once (escaped; no search in it).

    Parameters
    ----------
    programs : sequence of Program
        ``Catalog.programs``: a map refers to a program by its position here.
    locale : str
        The language of the popups' words ("Call", "Intake"); one table per
        dataset version and language.

    Returns
    -------
    ProgramTable
    """
    rows: list[list[object]] = []
    for program in programs:
        latlon = program.latlon
        name = _esc(program.program_name)
        rows.append([
            round(latlon.lat, 5) if latlon else None,
            round(latlon.lon, 5) if latlon else None,
            name,
            _esc(program.organization),
            _esc(program.address),
            _phone_links(program, locale),
            program.program_name if name != program.program_name else 0,
        ])
    script = f"window.finderPrograms = {_inert_json(rows)};\n"
    digest = hashlib.sha256(script.encode("utf-8")).hexdigest()[:16]
    return ProgramTable(script=script, file_name=f"programs-{digest}.js", count=len(rows))


def write_program_table(table: ProgramTable, folder: Path, *, keep: int = 8) -> Path:
    """Write a program table into a static folder (atomically), keeping the newest few.

    Parameters
    ----------
    table : ProgramTable
        From ``program_table``.
    folder : Path
        A folder the app serves statically (``static/data``).
    keep : int
        How many tables to keep: older datasets' tables are deleted, but a page
        still showing one keeps working for a while.

    Returns
    -------
    Path
        The file written (or already there).
    """
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / table.file_name
    if not target.exists():
        from finder.store.atomic import atomic_write

        atomic_write(target, table.script.encode("utf-8"))
    tables = sorted(folder.glob("programs-*.js"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in tables[keep:]:
        if old != target:
            old.unlink(missing_ok=True)
    return target


class _ResultMarkers(JSCSSMixin, folium.MacroElement):
    """The matched programs, drawn from the program table by position.

    ``hits`` is ``[position, miles, position, miles, ...]``: numbers only, so
    nothing from the data is in this element; the escaped text comes from the
    table, loaded before the map script like Leaflet itself.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var table = window.finderPrograms || [];
            var hits = {{ this.hits_json }};
            var open = {{ this.popup_open|tojson }};
            var awayText = {{ this.away_text|tojson }};
            var markers = [];
            for (var k = 0; k < hits.length; k += 2) {
                var row = table[hits[k]];
                if (!row || row[0] === null) { continue; }
                var away = awayText.replace("{miles}", hits[k + 1].toFixed(1));
                var plain = row[6] || row[2];
                var marker = L.marker([row[0], row[1]], {alt: plain, title: plain});
                marker.bindTooltip("<strong>" + row[2] + "</strong><br>" + away, {sticky: true});
                marker.bindPopup(open + row[2] + "</strong><br>" + row[3] + "<br>" + away
                                 + "<br>" + row[4] + "<br>" + row[5] + (row[5] ? "<br>" : "")
                                 + "</div>", {maxWidth: 300});
                markers.push(marker);
            }
            {{ this._parent.get_name() }}.addLayers(markers);
        })();
        {% endmacro %}
        """
    )

    def __init__(self, hits: list[float], table_url: str, locale: str = "en") -> None:
        super().__init__()
        self._name = "ResultMarkers"
        # Static text from the catalog, no data; the number is put in by the script.
        self.away_text = _esc(labels(locale).gettext("{miles} mi away")).replace("&#123;", "{") \
            .replace("&#125;", "}")
        self.hits_json = _inert_json(hits)
        self.popup_open = _POPUP_OPEN
        self.default_js = [("finder_programs", table_url)]


def asset_links(fmap: folium.Map) -> tuple[list[str], list[str]]:
    """Return the CSS and JavaScript files a map's elements load, in order, each once.

    As ``st_folium`` collects them for its component (``finder.ui.mapcache``
    keeps them with the rendered map). Every map of this module loads them
    from the app itself (``DEFAULT_ASSET_BASE``), never from a CDN.

    Parameters
    ----------
    fmap : folium.Map
        A map built here.

    Returns
    -------
    (list of str, list of str)
        CSS links, then JavaScript links.
    """
    css: list[str] = []
    js: list[str] = []

    def walk(element: object) -> Iterable[object]:
        if isinstance(element, JSCSSMixin):
            yield element
        for child in getattr(element, "_children", {}).values():
            yield from walk(child)

    for element in walk(fmap):
        css.extend(href for _name, href in getattr(element, "default_css", []))
        js.extend(src for _name, src in getattr(element, "default_js", []))
    return list(dict.fromkeys(css)), list(dict.fromkeys(js))


def build_results_map(
    table_url: str,
    points: Sequence[tuple[float, float]],
    positions: Sequence[int],
    distances_miles: Sequence[float],
    origin: Place | None,
    radius_miles: float | None,
    *,
    tiles_url: str,
    tiles_attribution: str,
    asset_base: str = DEFAULT_ASSET_BASE,
    locale: str = "en",
) -> folium.Map:
    """Build the results map from a program table: what ``build_map`` draws, sent compactly.

    Parameters
    ----------
    table_url : str
        Where the browser gets the ``ProgramTable`` script (a static file).
    points : sequence of (lat, lon)
        The matched programs' coordinates, to fit the map to them.
    positions : sequence of int
        Each match's position in the table (``Matches.program_positions``).
    distances_miles : sequence of float
        Each match's distance (``Matches.distances_miles``).
    origin : Place or None
        The person's search location.
    radius_miles : float or None
        Search radius drawn around ``origin``; None or 0 for none.
    tiles_url, tiles_attribution, asset_base, locale
        As for ``build_map``.

    Returns
    -------
    folium.Map
    """
    hits: list[float] = []
    for position, miles in zip(positions, distances_miles, strict=True):
        hits.append(int(position))
        hits.append(round(float(miles), 2))
    return _assemble(
        [(float(lat), float(lon)) for lat, lon in points], _ResultMarkers(hits, table_url, locale),
        origin, radius_miles,
        tiles_url=tiles_url, tiles_attribution=tiles_attribution, asset_base=asset_base,
        locale=locale,
    )


#: The popup's opening tags, up to the program's name (static: no data in it).
_POPUP_OPEN = (
    '<div class="finder-popup" style="font-size:14px;line-height:1.4;min-width:180px">'
    '<strong style="font-size:15px">'
)


def _phone_links(program: Program, locale: str = "en") -> str:
    """Return the popup's phone lines, without the last line break."""
    say = labels(locale).gettext
    phones = [(say("Call:"), program.phone)]
    if program.intake_phone and program.intake_phone != program.phone:
        phones.append((say("Intake:"), program.intake_phone))
    return "<br>".join(
        f'{_esc(label)} <a href="{_esc(_tel_href(number))}">{_esc(number)}</a>'
        for label, number in phones
        if number
    )


def _popup_parts(program: Program, locale: str = "en") -> tuple[str, str]:
    """Return the popup's HTML before and after the distance (see ``_popup_html``)."""
    head = f"{_POPUP_OPEN}{_esc(program.program_name)}</strong><br>{_esc(program.organization)}<br>"
    phones = _phone_links(program, locale)
    tail = f"{_esc(program.address)}<br>{phones}{'<br>' if phones else ''}</div>"
    return head, tail

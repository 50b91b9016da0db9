"""build_map: location, bounds, clustering, escaping and no CDN, on the rendered HTML."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import folium
import pytest
from folium.plugins import MarkerCluster

from finder.config import Settings
from finder.maprender import _ProgramMarkers, build_map
from finder.model import LevelOfCare, Place, Precision, Program

SETTINGS = Settings()
SCRIPT_NAME = "<script>alert(1)</script>"
CDN_MARKERS = ("cdn.", "jsdelivr", "cdnjs", "code.jquery.com", "bootstrapcdn", "unpkg")


@dataclass(frozen=True)
class FakeMatch:
    """What build_map needs of a search match: a program and its distance."""

    program: Program
    distance_miles: float


def program(n: int, lat: float | None, lon: float | None, **changes: object) -> Program:
    values: dict[str, object] = {
        "program_id": f"test-{n:04d}",
        "organization": f"Test Org {n}",
        "program_name": f"Evening IOP {n}",
        "level_of_care": LevelOfCare.IOP,
        "street": f"{n} Main St",
        "city": "Boston",
        "state": "MA",
        "zip": "02108",
        "latitude": lat,
        "longitude": lon,
        "phone": f"617-555-01{n:02d}",
        "last_verified": dt.date(2026, 1, 5),
        "source": "test",
    }
    values.update(changes)
    return Program(**values)  # type: ignore[arg-type]


ORIGIN = Place(42.3603, -71.0580, "Boston, MA 02201", Precision.ZIP, "gazetteer")
MATCHES = [
    FakeMatch(program(1, 42.3736, -71.1097), 2.7),  # Cambridge
    FakeMatch(program(2, 42.2529, -71.0023), 7.9),  # Quincy
    FakeMatch(program(3, 42.4184, -71.1062), 5.0),  # Medford
]


def render(fmap: folium.Map) -> str:
    return str(fmap.get_root().render())


def make_map(matches=MATCHES, origin=ORIGIN, radius_miles=10.0, **kwargs) -> folium.Map:
    return build_map(
        matches,
        origin,
        radius_miles,
        tiles_url=SETTINGS.tiles_url,
        tiles_attribution=SETTINGS.tiles_attribution,
        **kwargs,
    )


def children_of(element, kind) -> list:
    return [child for child in element._children.values() if isinstance(child, kind)]


def program_rows(fmap: folium.Map) -> list[tuple[float, float, str, str, str]]:
    """The (lat, lon, name, tooltip_html, popup_html) rows in the map's one cluster."""
    (cluster,) = children_of(fmap, MarkerCluster)
    (markers,) = children_of(cluster, _ProgramMarkers)
    return markers.rows


def fit_bounds_of(fmap: folium.Map) -> list[list[float]]:
    (fit,) = children_of(fmap, folium.map.FitBounds)
    return fit.bounds


def test_map_centres_on_the_origin():
    assert make_map().location == [ORIGIN.lat, ORIGIN.lon]


def test_map_fits_results_and_origin():
    south_west, north_east = fit_bounds_of(make_map())
    assert south_west == [42.2529, -71.1097]
    assert north_east == [42.4184, -71.0023]


def test_origin_outside_the_results_widens_the_bounds():
    far = Place(42.10, -70.90, "Somewhere", Precision.TOWN, "gazetteer")
    south_west, north_east = fit_bounds_of(make_map(origin=far))
    assert south_west == [42.10, -71.1097]
    assert north_east == [42.4184, -70.90]


def test_no_results_fits_the_searched_circle():
    south_west, north_east = fit_bounds_of(make_map(matches=[], radius_miles=10))
    assert south_west[0] < ORIGIN.lat - 0.14
    assert north_east[0] > ORIGIN.lat + 0.14
    assert south_west[1] < ORIGIN.lon - 0.19
    assert north_east[1] > ORIGIN.lon + 0.19


def test_no_origin_centres_on_the_results():
    fmap = make_map(origin=None, radius_miles=None)
    lat, lon = fmap.location
    assert 42.2529 < lat < 42.4184
    assert -71.1097 < lon < -71.0023
    assert not origin_markers(fmap)
    assert not children_of(fmap, folium.Circle)


def test_nothing_at_all_shows_massachusetts():
    fmap = make_map(matches=[], origin=None, radius_miles=None)
    south_west, north_east = fit_bounds_of(fmap)
    assert south_west == [41.18, -73.55]
    assert north_east == [42.92, -69.85]


def test_program_markers_are_clustered_one_per_located_program():
    matches = [*MATCHES, FakeMatch(program(9, None, None), 0.0)]  # not geocoded: skipped
    fmap = make_map(matches=matches)
    rows = program_rows(fmap)
    assert [(lat, lon) for lat, lon, *_ in rows] == [
        (42.3736, -71.1097),
        (42.2529, -71.0023),
        (42.4184, -71.1062),
    ]
    assert [name for _, _, name, *_ in rows] == ["Evening IOP 1", "Evening IOP 2", "Evening IOP 3"]
    outside = [
        m
        for m in children_of(fmap, folium.Marker)
        if type(m) is folium.Marker and m not in origin_markers(fmap)
    ]
    assert not outside, "program markers belong in the cluster"


def origin_markers(fmap: folium.Map) -> list[folium.Marker]:
    """Markers outside the cluster that carry the origin's person pin."""
    return [
        m
        for m in children_of(fmap, folium.Marker)
        if type(m) is folium.Marker
        and m.icon is not None
        and "finder-origin" in str(m.icon.options)
    ]


def test_origin_pin_and_radius_circle():
    fmap = make_map(radius_miles=10)
    (circle,) = children_of(fmap, folium.Circle)
    assert circle.options["radius"] == pytest.approx(16093.44)
    assert circle.options["interactive"] is False
    (pin,) = origin_markers(fmap)
    assert pin.location == [ORIGIN.lat, ORIGIN.lon]
    # Drawn above the clusters, but never in the way of a click on a program.
    assert pin.options["interactive"] is False
    assert pin.options["keyboard"] is False
    assert '"zIndexOffset": 1000' in render(fmap)


def test_zero_radius_draws_no_circle():
    assert not children_of(make_map(radius_miles=0), folium.Circle)


def test_popup_and_tooltip_carry_name_organization_distance_and_phone():
    _, _, name, tooltip, popup = program_rows(make_map())[0]
    assert name == "Evening IOP 1"
    assert tooltip == "<strong>Evening IOP 1</strong><br>2.7 mi away"
    assert '<strong style="font-size:15px">Evening IOP 1</strong>' in popup
    assert "Test Org 1<br>" in popup
    assert "2.7 mi away<br>" in popup
    assert "1 Main St, Boston, MA 02108<br>" in popup
    assert 'Call: <a href="tel:+1-617-555-0101">617-555-0101</a>' in popup


def test_intake_phone_gets_its_own_link():
    match = FakeMatch(program(4, 42.36, -71.06, intake_phone="617-555-0150"), 0.2)
    popup = program_rows(make_map(matches=[match]))[0][4]
    assert 'Intake: <a href="tel:+1-617-555-0150">617-555-0150</a>' in popup


HOSTILE = program(
    5,
    42.36,
    -71.06,
    program_name=SCRIPT_NAME,
    organization='Org "quoted" & <b>bold</b>',
    street="1 `${alert(2)}` St\\u",
)


def test_program_named_script_tag_is_escaped_never_raw():
    fmap = make_map(matches=[FakeMatch(HOSTILE, 0.1)])
    html = render(fmap)
    assert SCRIPT_NAME not in html
    assert "<b>bold</b>" not in html
    # The escaped name is in the page, inside a JSON string (< > & as \u escapes).
    assert "\\u0026lt;script\\u0026gt;alert(1)\\u0026lt;/script\\u0026gt;" in html
    _, _, name, tooltip, popup = program_rows(fmap)[0]
    assert name == SCRIPT_NAME  # alt/title: DOM properties, never parsed as HTML
    assert "<strong>&lt;script&gt;alert(1)&lt;/script&gt;</strong>" in tooltip
    assert "Org &quot;quoted&quot; &amp; &lt;b&gt;bold&lt;/b&gt;" in popup
    # Nothing that a JS template literal would treat specially survives.
    assert "1 &#96;&#36;&#123;alert(2)&#125;&#96; St&#92;u" in popup


def test_no_string_can_close_the_script_element():
    html = render(make_map(matches=[FakeMatch(HOSTILE, 0.1)]))
    script = html[html.rindex("<script>") :]
    assert script.count("</script>") == 1


@pytest.mark.parametrize("text", ["{{ 7*7 }}", "{% raw %}", "{# x", "{{ cycler.__init__ }}"])
def test_csv_text_is_never_run_as_a_jinja_template(text):
    # branca compiles each rendered script as Jinja; CSV text must stay inert.
    hostile = program(6, 42.36, -71.06, program_name=f"IOP {text}", organization=text, notes=text)
    html = render(make_map(matches=[FakeMatch(hostile, 0.1)]))
    assert "IOP 49" not in html
    assert "cycler" not in html or "\\u007b\\u007b cycler" in html
    assert program_rows(make_map(matches=[FakeMatch(hostile, 0.1)]))[0][2] == f"IOP {text}"


def test_typed_origin_label_never_reaches_the_map():
    # The page says where the search is from; the map keeps the typed text out.
    origin = Place(42.36, -71.06, "<img src=x onerror=alert(3)>", Precision.TOWN, "gazetteer")
    html = render(make_map(origin=origin))
    assert "<img src=x" not in html
    assert "alert(3)" not in html


def test_rendered_html_uses_no_cdn():
    html = render(make_map())
    for marker in CDN_MARKERS:
        assert marker not in html, marker
    # The only http(s) URL left is the tile server (and the attribution link).
    urls = set(re.findall(r"https?://[^\s\"'<>)\\]+", html))
    assert urls <= {SETTINGS.tiles_url, "https://www.openstreetmap.org/copyright"}, urls


def test_assets_come_from_the_app_static_folder():
    fmap = make_map()
    html = render(fmap)
    for path in (
        "leaflet/leaflet.js",
        "leaflet/leaflet-imagepath.js",
        "leaflet/leaflet.css",
        "markercluster/leaflet.markercluster.js",
        "markercluster/MarkerCluster.css",
        "markercluster/MarkerCluster.Default.css",
    ):
        assert f"/app/static/vendor/{path}" in html, path
    # The imagePath fix must run after Leaflet and before any marker is made.
    names = [name for name, _ in fmap.default_js]
    assert names[:2] == ["leaflet", "leaflet_imagepath"]
    # Popups are bound without folium.Popup, so jQuery is not loaded.
    assert "jquery" not in html


def test_asset_base_is_configurable():
    html = render(make_map(asset_base="/prefix/app/static/vendor/"))
    assert 'src="/prefix/app/static/vendor/leaflet/leaflet.js"' in html
    assert "//leaflet" not in html


def test_cluster_icons_say_what_they_are():
    html = render(make_map())
    assert "iconCreateFunction" in html
    assert "programs here;" in html


def test_map_key_names_every_symbol():
    html = render(make_map())
    for words in ("Your location", "Search radius", "Program", "Group: select to zoom"):
        assert words in html, words
    assert "Search radius" not in render(make_map(radius_miles=None))


def test_no_bootstrap_dependent_icons():
    # folium.Icon needs Bootstrap/Font Awesome, which the app does not serve.
    html = render(make_map())
    assert "awesome" not in html.lower()
    assert "bootstrap" not in html.lower()


def test_tiles_come_from_settings():
    fmap = build_map(
        MATCHES,
        ORIGIN,
        5,
        tiles_url="http://127.0.0.1:9/{z}/{x}/{y}.png",
        tiles_attribution="Local tiles",
    )
    (layer,) = children_of(fmap, folium.TileLayer)
    assert layer.tiles == "http://127.0.0.1:9/{z}/{x}/{y}.png"
    assert layer.options["attribution"] == "Local tiles"


def test_build_map_accepts_search_matches():
    from finder.search import Match

    match = Match(
        program=MATCHES[0].program,
        distance_miles=2.7,
        fit=None,
        fit_hours=0.0,
        reasons=(),
        plan_notes=(),
        schedule_text="Schedule not listed",
    )
    assert len(program_rows(make_map(matches=[match]))) == 1

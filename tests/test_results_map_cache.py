"""Issue 16: the results map is rendered once per dataset version and query, then sent from a cache.

``st_folium`` changes the map it renders, so the cache keeps the rendered
parts (``finder.ui.mapcache``), never the map: these tests check that a rerun
keeping the search builds nothing, that a new search or a publish does, and
that the kept parts are exactly what ``st_folium`` itself would send.
Chromium checks the markers are drawn once (tests/test_results_map_browser.py).
"""

from __future__ import annotations

import itertools
import uuid
from typing import Any
from unittest import mock

import pytest
import streamlit_folium
from apphelpers import copy_sample_data, run_app, use_data_dir

from finder.geocode import Place, Precision
from finder.maprender import build_results_map
from finder.ui import mapcache


@pytest.fixture
def data_dir(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    return use_data_dir(monkeypatch, copy_sample_data(tmp_path / "data"))


@pytest.fixture
def builds(monkeypatch):  # type: ignore[no-untyped-def]
    """Count the results maps built (and start from an empty cache)."""
    from finder.ui import find

    find._results_map_args.clear()
    made: list[Any] = []
    real = build_results_map

    def counting(*args: Any, **kwargs: Any) -> Any:
        made.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr("finder.maprender.build_results_map", counting)
    yield made
    find._results_map_args.clear()


def test_a_rerun_that_keeps_the_search_builds_no_new_map(data_dir, builds):
    at = run_app({"q": "02139", "radius": "any"})
    assert not at.exception
    assert len(builds) == 1
    at.button(key="next").click().run()  # the next page: same search, same map
    assert not at.exception
    at.run()
    assert len(builds) == 1
    at.selectbox(key="radius").set_value("10").run()  # a new search: a new map
    assert len(builds) == 2
    at.selectbox(key="radius").set_value("any").run()  # back: from the cache
    assert len(builds) == 2
    # Another session asking the same thing shares it.
    other = run_app({"q": "02139", "radius": "any"})
    assert not other.exception
    assert len(builds) == 2


def test_a_publish_makes_a_new_map(data_dir, builds):
    at = run_app({"q": "02139"})
    assert len(builds) == 1
    providers = data_dir / "providers.csv"
    lines = providers.read_text(encoding="utf-8").splitlines(keepends=True)
    providers.write_text("".join(lines[:-1]), encoding="utf-8")  # one program fewer
    at.run()
    assert not at.exception
    assert len(builds) == 2


def _map() -> Any:
    origin = Place(42.37, -71.11, "Cambridge (02139)", Precision.PLACE, "search")
    return build_results_map("/app/static/data/programs-0123456789abcdef.js",
                             [(42.3, -71.2), (42.4, -71.0)], [0, 1, 2], [0.5, 1.25, 3.0],
                             origin, 10, tiles_url="http://127.0.0.1:1/{z}/{x}/{y}.png",
                             tiles_attribution="test tiles")


def _sent(show: Any) -> dict[str, Any]:
    """What reached the browser component, with folium's random ids made repeatable."""
    seen: dict[str, Any] = {}

    def component(**kwargs: Any) -> None:
        kwargs.pop("on_change")
        seen.update(kwargs)

    counter = itertools.count()
    with mock.patch.object(streamlit_folium, "_component_func", component), \
            mock.patch("uuid.uuid4", side_effect=lambda: uuid.UUID(int=next(counter))):
        show()
    return seen


def test_the_kept_parts_are_what_st_folium_sends():
    direct = _sent(lambda: streamlit_folium.st_folium(
        _map(), returned_objects=[], height=420, use_container_width=True,
        key="results_map", render=False))
    cached = _sent(lambda: mapcache.show(mapcache.component_args(_map(), "results_map"),
                                         height=420))
    assert cached == direct
    assert "/app/static/data/programs-0123456789abcdef.js" in direct["js_links"]
    assert "1.25" in direct["script"]  # a match's distance: the map's own data


def test_showing_the_kept_parts_again_sends_the_same_and_changes_nothing():
    args = mapcache.component_args(_map(), "results_map")
    before = dict(args)
    first = _sent(lambda: mapcache.show(args, height=420))
    second = _sent(lambda: mapcache.show(args, height=420))
    assert first == second
    assert dict(args) == before
    with pytest.raises(TypeError):
        args["script"] = "changed"  # type: ignore[index]

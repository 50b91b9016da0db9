"""The results map, sent to the browser from what was worked out once per dataset version and query.

``st_folium(fmap)`` renders a folium map into the parts its browser component
takes (the Leaflet script, the header, the map's ``<div>``, the CSS and JS
links) and sends them. Rendering changes the map: folium gives its elements
short ids and its root figure collects their scripts, so a map object kept
and rendered a second time repeats scripts (markers drawn twice). So the
cache keeps the rendered parts, not the map: ``component_args`` renders a
fresh map once, and ``show`` sends the kept parts on every rerun, exactly as
``st_folium(fmap, returned_objects=[], render=False)`` does (version 0.25 to
0.27 of streamlit-folium; the range is pinned in pyproject.toml).
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

import streamlit as st

__all__ = ["component_args", "show"]


def component_args(fmap: Any, key: str) -> MappingProxyType[str, Any]:
    """Render ``fmap`` once into what ``st_folium`` would send the browser.

    Parameters
    ----------
    fmap : folium.Map
        A map never rendered before; rendering changes it, so it must not be
        used again afterwards.
    key : str
        The widget key the map is shown under (part of the component's id).

    Returns
    -------
    Mapping
        Read-only: the script, header, html, element id, CSS and JS links,
        and the component key ``st_folium`` derives from the script.
    """
    import streamlit_folium as sf

    from finder.maprender import asset_links

    fmap.render()
    # As st_folium: html and header before the script, which alters the map.
    html = sf._get_html(fmap)
    header = sf._get_header(fmap)
    script = sf._get_map_string(fmap)
    css_links, js_links = asset_links(fmap)
    return MappingProxyType({
        "script": script,
        "header": header,
        "html": html,
        "id": sf.get_full_id(fmap),
        "css_links": tuple(css_links),
        "js_links": tuple(js_links),
        "hash_key": sf.generate_js_hash(script, key, False),
        "key": key,
    })


def show(args: MappingProxyType[str, Any], *, height: int) -> None:
    """Show a map from ``component_args``: what ``st_folium`` does after rendering.

    Parameters
    ----------
    args : Mapping
        From ``component_args``; not changed.
    height : int
        Pixels; the width is the container's.
    """
    import streamlit_folium as sf

    key, hash_key = args["key"], args["hash_key"]

    def on_change() -> None:
        st.session_state[key] = st.session_state.get(hash_key, {})

    sf._component_func(
        script=args["script"],
        header=args["header"],
        html=args["html"],
        id=args["id"],
        key=hash_key,
        height=height,
        width=None,
        returned_objects=[],
        default={},
        zoom=None,
        center=None,
        feature_group=None,
        return_on_hover=False,
        layer_control=None,
        pixelated=False,
        css_links=list(args["css_links"]),
        js_links=list(args["js_links"]),
        on_change=on_change,
        wrap_longitude=False,
    )

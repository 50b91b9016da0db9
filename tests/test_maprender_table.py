"""Issue 16: the results map at national scale: marker data once per dataset version.

``program_table`` escapes every program's text once into one static script;
``build_results_map`` then carries only numbers (which programs, how far),
so its size grows by a few bytes a match and nothing from the data is in it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import re
from pathlib import Path

from finder.maprender import (
    _popup_html,
    build_results_map,
    program_table,
    write_program_table,
)
from finder.model import LevelOfCare, Place, Precision, Program
from finder.search import Catalog, SearchQuery, search

EVIL = '<script>alert(1)</script> {{ 7*7 }} `${x}` & "Q" \\'


def program(i: int, **fields: object) -> Program:
    values: dict[str, object] = {
        "program_id": f"p{i}",
        "organization": "Example Health",
        "program_name": f"Program {i}",
        "level_of_care": LevelOfCare.IOP,
        "street": f"{i} Main St",
        "city": "Cambridge",
        "state": "MA",
        "zip": "02139",
        "latitude": 42.37 + i / 1000,
        "longitude": -71.11,
        "phone": "617-555-0100",
        "last_verified": dt.date(2026, 1, 1),
        "source": "test",
    }
    values.update(fields)
    return Program(**values)  # type: ignore[arg-type]


def table_rows(script: str) -> list[list[object]]:
    prefix = "window.finderPrograms = "
    assert script.startswith(prefix)
    return json.loads(script[len(prefix):].rstrip().rstrip(";"))


def test_table_escapes_program_text_once_and_leaves_nothing_to_run():
    programs = [program(1), program(2, program_name=EVIL, organization=EVIL, street=EVIL,
                                    intake_phone="617-555-0199")]
    table = program_table(programs)
    for char in "<>{}&":
        assert char not in table.script  # inert: no tag, no Jinja, no entity to close
    rows = table_rows(table.script)
    assert len(rows) == table.count == 2
    lat, lon, name, org, address, phones, plain = rows[1]
    assert "&lt;script&gt;" in address
    assert (lat, lon) == (42.372, -71.11)
    assert "<script>" not in name
    assert name.startswith("&lt;script&gt;")
    assert "{{" not in name
    assert "{{" not in org
    assert plain == EVIL  # the unescaped name only as alt/title properties
    assert rows[0][6] == 0  # same as the escaped name: not repeated
    assert phones.count("tel:") == 2
    assert "Intake" in phones


def test_table_popup_parts_match_the_popup_of_build_map():
    p = program(3, intake_phone="617-555-0150")
    match = search(Catalog.from_programs([p]),
                   SearchQuery(origin=p.latlon, radius_miles=None)).matches[0]
    _lat, _lon, name, org, address, phones, _plain = table_rows(program_table([p]).script)[0]
    away = f"{match.distance_miles:.1f} mi away"
    rebuilt = (
        '<div class="finder-popup" style="font-size:14px;line-height:1.4;min-width:180px">'
        f'<strong style="font-size:15px">{name}</strong><br>{org}<br>{away}<br>{address}<br>'
        f"{phones}<br></div>"
    )
    assert rebuilt == _popup_html(match)


def test_table_name_is_its_content_hash():
    first = program_table([program(1), program(2)])
    assert re.fullmatch(r"programs-[0-9a-f]{16}\.js", first.file_name)
    assert program_table([program(1), program(2)]).file_name == first.file_name
    assert program_table([program(1)]).file_name != first.file_name


def test_write_program_table_keeps_the_newest_few(tmp_path: Path):
    folder = tmp_path / "static" / "data"
    paths = []
    for n in range(1, 7):
        table = program_table([program(i) for i in range(n)])
        path = write_program_table(table, folder, keep=3)
        os.utime(path, (n, n))  # written in this order
        paths.append(path)
        assert path.read_text(encoding="utf-8") == table.script
    assert sorted(folder.glob("programs-*.js")) == sorted(paths[-3:])
    assert not list(folder.glob(".programs-*"))  # no temporary file left


def test_results_map_carries_numbers_only_and_loads_the_table():
    programs = [program(i, program_name=EVIL) for i in range(50)]
    catalog = Catalog.from_programs(programs)
    result = search(catalog, SearchQuery(origin=programs[0].latlon, radius_miles=None))
    matches = result.matches
    fmap = build_results_map(
        "/app/static/data/programs-0123456789abcdef.js",
        [(42.37, -71.11), (42.42, -71.11)],
        matches.program_positions, matches.distances_miles,
        Place(42.37, -71.11, EVIL, Precision.PLACE, "search"), None,
        tiles_url="http://127.0.0.1/{z}/{x}/{y}.png", tiles_attribution="tiles",
    )
    html = fmap.get_root().render()
    assert "alert(1)" not in html
    assert "7*7" not in html
    assert "/app/static/data/programs-0123456789abcdef.js" in html
    hits = json.loads(re.search(r"var hits = (\[[^\]]*\]);", html).group(1))  # type: ignore[union-attr]
    assert hits[0::2] == [int(i) for i in matches.program_positions]
    assert hits[1::2] == [round(float(d), 2) for d in matches.distances_miles]


def test_results_map_grows_by_a_few_bytes_a_match():
    def size(n: int) -> int:
        programs = [dataclasses.replace(program(i), program_name="A long program name " * 5)
                    for i in range(n)]
        matches = search(Catalog.from_programs(programs),
                         SearchQuery(origin=programs[0].latlon, radius_miles=None)).matches
        fmap = build_results_map("/t.js", [(42.0, -71.0), (43.0, -71.0)],
                                 matches.program_positions, matches.distances_miles, None, None,
                                 tiles_url="http://127.0.0.1/{z}/{x}/{y}.png",
                                 tiles_attribution="tiles")
        return len(fmap.get_root().render())

    assert (size(1000) - size(100)) / 900 < 16  # two numbers a match

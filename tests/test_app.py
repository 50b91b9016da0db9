"""The Streamlit app through AppTest: search, filters, empty results, URL state, notices.

Widgets are driven by key. The data folder is set through ``FINDER_DATA_DIR``
before the first run; the map and the geolocation button are custom
components, which AppTest shows as ``UnknownElement`` and does not inspect.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "streamlit_app.py")
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    """A private copy of the shipped sample data, so tests can change it."""
    folder = tmp_path / "data"
    folder.mkdir()
    for name in ("providers.csv", "providers.meta.json"):
        shutil.copy(ROOT / "data" / name, folder / name)
    monkeypatch.setenv("FINDER_DATA_DIR", str(folder))
    monkeypatch.delenv("FINDER_GEOCODER", raising=False)
    monkeypatch.delenv("FINDER_ADMIN_PASSWORD", raising=False)
    return folder


def run_app(query_params=None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in (query_params or {}).items():
        at.query_params[key] = value
    return at.run()


def texts(at) -> str:
    parts = [m.value for m in at.markdown] + [m.value for m in at.caption]
    parts += [e.value for e in at.error] + [i.value for i in at.info] + [w.value for w in at.warning]
    parts += [s.value for s in at.subheader] + [h.value for h in at.header]
    return "\n".join(str(p) for p in parts)


def search_for(at: AppTest, text: str) -> AppTest:
    at.text_input(key="q").input(text)
    return at.run()


def result_count(at) -> int:
    for m in at.markdown:
        if " found.**" in str(m.value):
            return int(str(m.value).split()[0].strip("*"))
    return 0


def test_first_page_shows_help_lines_and_sample_notice(data_dir):
    at = run_app()
    assert not at.exception
    page = texts(at)
    assert "988" in page
    assert "911" in page
    assert "800-327-5050" in page
    assert "Sample data" in page
    assert "Type a ZIP code, town or address" in page


def test_no_sample_notice_for_real_data(data_dir):
    meta = json.loads((data_dir / "providers.meta.json").read_text())
    meta["sample"] = False
    (data_dir / "providers.meta.json").write_text(json.dumps(meta))
    assert "Sample data" not in texts(run_app())


def test_search_by_zip_lists_nearby_programs(data_dir):
    at = search_for(run_app(), "02139")
    assert not at.exception
    assert result_count(at) > 0
    assert any("within 25 miles" in str(s.value) for s in at.subheader)
    assert at.query_params["q"] == "02139"


def test_search_by_town_and_by_typo(data_dir):
    at = search_for(run_app(), "Worcester")
    assert result_count(at) > 0
    at = search_for(run_app(), "worchester ma")
    assert not at.exception
    assert result_count(at) > 0 or "Did you mean" in texts(at) or "did you mean" in texts(at).lower()


def test_nonsense_input_gets_a_friendly_message_not_a_traceback(data_dir):
    at = search_for(run_app(), "zzqqxx!!")
    assert not at.exception
    assert at.error
    assert result_count(at) == 0


def test_street_address_never_goes_into_the_url(data_dir):
    at = search_for(run_app(), "45 Main St, Northampton, MA 01060")
    assert not at.exception
    assert "q" not in at.query_params
    lat, lon = at.query_params["at"].split(",")
    assert len(lat.split(".")[1]) == 2
    assert len(lon.split(".")[1]) == 2


def test_every_filter_narrows_without_error(data_dir):
    at = search_for(run_app(), "Boston")
    base = result_count(at)
    assert base > 0
    changes = [
        ("radius", "selectbox", "5"),
        ("ins", "multiselect", ["MassHealth"]),
        ("when", "multiselect", ["evening"]),
        ("moud", "multiselect", ["Buprenorphine"]),
        ("co", "checkbox", True),
        ("pop", "multiselect", ["Women"]),
        ("lang", "multiselect", ["Spanish"]),
        ("att", "radio", "telehealth"),
        ("acc", "checkbox", True),
    ]
    for key, kind, value in changes:
        at = search_for(run_app(), "Boston")
        getattr(at, kind)(key=key).set_value(value)
        at.run()
        assert not at.exception, key
        assert result_count(at) <= base, key


def test_availability_filter_and_unknown_schedules(data_dir):
    at = search_for(run_app(), "Boston")
    at.multiselect(key="days").set_value(["Mo", "Tu", "We", "Th", "Fr"])
    at.selectbox(key="from").set_value("17:00")
    at.selectbox(key="to").set_value("21:30")
    at.run()
    assert not at.exception
    assert "no schedule listed" in texts(at)
    hidden = result_count(at)
    at.checkbox(key="unk").check().run()
    assert result_count(at) >= hidden


def test_empty_results_suggest_next_steps(data_dir):
    at = search_for(run_app(), "Nantucket")
    at.selectbox(key="radius").set_value("5")
    at.multiselect(key="ins").set_value(["Military (TRICARE)"])
    at.multiselect(key="when").set_value(["weekend"])
    at.run()
    assert not at.exception
    page = texts(at)
    assert "No programs match" in page
    assert "800-327-5050" in page
    labels = [b.label for b in at.button]
    assert "Search any distance" in labels
    assert "Clear filters" in labels


def test_url_round_trip_restores_the_search(data_dir):
    first = search_for(run_app(), "02139")
    first.selectbox(key="radius").set_value("10")
    first.multiselect(key="ins").set_value(["MassHealth"])
    first.run()
    params = {k: first.query_params[k] for k in first.query_params}
    assert params["radius"] == "10"
    again = run_app(params)
    assert not again.exception
    assert again.text_input(key="q").value == "02139"
    assert again.selectbox(key="radius").value == "10"
    assert again.multiselect(key="ins").value == ["MassHealth"]
    assert result_count(again) == result_count(first)


def test_paging_through_long_lists(data_dir):
    at = search_for(run_app(), "Boston")
    at.selectbox(key="radius").set_value("100").run()
    assert result_count(at) > 10
    at.button(key="next").click().run()
    assert not at.exception
    assert any("Page 2 of" in str(m.value) for m in at.markdown)


def test_a_newly_published_dataset_is_picked_up_without_a_restart(data_dir):
    from finder.publish import publish

    at = search_for(run_app(), "02139")
    before = result_count(at)
    lines = (data_dir / "providers.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [lines[0]] + [line for line in lines[1:] if ",Cambridge," not in line]
    publish(data_dir, "".join(kept).encode("utf-8"), source="test: Cambridge removed")
    at.run()
    assert not at.exception
    assert 0 < result_count(at) < before

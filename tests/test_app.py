"""The Streamlit app through AppTest: search, filters, empty results, URL state, notices.

Widgets are driven by key. The data folder is set through ``FINDER_DATA_DIR``
before the first run; the map and the geolocation button are custom
components, which AppTest shows as ``UnknownElement`` and does not inspect.
The stricter checks from the audit of issues 6 and 7 (each filter's results,
typos, card fields, exports, street addresses, a missing dataset, the stub
geocoder) are in ``test_app_find.py``.
"""

from __future__ import annotations

import json

import pytest
from apphelpers import copy_sample_data, result_count, run_app, search_for, texts, use_data_dir


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    """A private copy of the shipped sample data, so tests can change it."""
    return use_data_dir(monkeypatch, copy_sample_data(tmp_path / "data"))


def test_first_page_shows_help_lines_and_sample_notice(data_dir):
    at = run_app()
    assert not at.exception
    page = texts(at)
    assert "988" in page
    assert "911" in page
    assert "800-327-5050" in page
    assert "Sample data" in page
    assert "Type a ZIP code, town or address" in page


def test_sample_notice_comes_from_the_data_not_the_metadata_flag(data_dir):
    # Issue 12: a publish rewrites the metadata; fictional programs stay fictional.
    # The real dataset never shows the notice: tests/test_app_real_data.py.
    meta = json.loads((data_dir / "providers.meta.json").read_text())
    meta["sample"] = False
    (data_dir / "providers.meta.json").write_text(json.dumps(meta))
    assert "Sample data" in texts(run_app())


def test_search_by_zip_lists_nearby_programs(data_dir):
    at = search_for(run_app(), "02139")
    assert not at.exception
    assert result_count(at) > 0
    assert any("within 25 miles" in str(s.value) for s in at.subheader)
    assert at.query_params["q"] == "02139"


def test_search_by_town(data_dir):
    at = search_for(run_app(), "Worcester")
    assert result_count(at) > 0
    assert at.query_params["q"] == "Worcester"


def test_nonsense_input_gets_a_friendly_message_not_a_traceback(data_dir):
    at = search_for(run_app(), "zzqqxx!!")
    assert not at.exception
    assert at.error
    assert result_count(at) == 0


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
    from finder.store.files import publish

    at = search_for(run_app(), "02139")
    before = result_count(at)
    lines = (data_dir / "providers.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [lines[0]] + [line for line in lines[1:] if ",Cambridge," not in line]
    publish(data_dir, "".join(kept).encode("utf-8"), source="test: Cambridge removed")
    at.run()
    assert not at.exception
    assert 0 < result_count(at) < before

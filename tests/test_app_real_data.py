"""The app on the shipped real dataset, and the sample notice, through AppTest (issue 12).

The real dataset is ``data/providers.csv`` (FindTreatment.gov, 2025-08-19),
copied into a private folder; the sample is ``data/sample``.
"""

from __future__ import annotations

import json

import pytest
from apphelpers import copy_real_data, copy_sample_data, run_app, search_for, texts, use_data_dir

from finder.store.files import publish

SOURCE_LINE = "Source: SAMHSA, FindTreatment.gov, data as of 2025-08-19"


def plain(text: str) -> str:
    """Markdown as a person reads it: escapes and word joiners removed."""
    return text.replace("\\", "").replace("\u2060", "")


@pytest.fixture
def real_dir(tmp_path, monkeypatch):
    """A private copy of the shipped real dataset, read through FINDER_DATA_DIR."""
    return use_data_dir(monkeypatch, copy_real_data(tmp_path / "data"))


@pytest.fixture
def sample_dir(tmp_path, monkeypatch):
    """A private copy of the fictional sample, read through FINDER_DATA_DIR."""
    return use_data_dir(monkeypatch, copy_sample_data(tmp_path / "data"))


def evening_search(text: str):  # type: ignore[no-untyped-def]
    at = search_for(run_app(), text)
    at.multiselect(key="when").set_value(["evening"])
    return at.run()


def test_evening_search_near_boston_lists_programs_without_times_in_their_own_group(real_dir):
    at = evening_search("02118")
    assert not at.exception
    page = plain(texts(at))
    headings = [plain(s.value) for s in at.subheader]
    (group,) = [h for h in headings if "haven't published session times: call to ask" in h]
    count = int(group.split()[0])
    assert count > 10
    assert "No programs match" not in page
    assert "No program near you has published session times that fit." in page
    # The call script.
    for question in ("evening or weekend IOP track?", "Which days and times",
                     "take my insurance?", "waitlist"):
        assert question in page
    # Real program names, shown by default (the section's expander starts open).
    (expander,) = [e for e in at.expander if e.label.startswith("Show the")]
    assert expander.proto.expanded
    assert "East Boston Counseling Center" in page
    assert "Familias Unidas Outpatient Program" in page
    assert SOURCE_LINE in page


def test_real_programs_are_listed_never_called_verified(real_dir):
    at = search_for(run_app(), "02118")
    assert not at.exception
    page = plain(texts(at))
    assert "Listed on FindTreatment.gov, data as of Aug 19, 2025" in page
    assert "Not yet confirmed with the program by anyone" in page
    assert "Verified" not in page
    assert "Telehealth is offered at this facility" in page
    assert "Sample data" not in page


def test_sample_notice_shows_for_the_sample(sample_dir):
    assert "Sample data" in texts(run_app())


def test_sample_notice_stays_after_publishing_an_edited_sample(sample_dir):
    lines = (sample_dir / "providers.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    edited = "".join(lines).replace("Kestrel Counseling Center", "Kestrel Counselling Centre", 1)
    assert edited != "".join(lines)
    publish(sample_dir, edited.encode("utf-8"), source="admin edit (test)")
    assert json.loads((sample_dir / "providers.meta.json").read_text())["sample"] is False
    page = texts(run_app())
    assert "Sample data" in page


def test_sample_notice_never_shows_for_the_real_data(real_dir):
    meta = json.loads((real_dir / "providers.meta.json").read_text())
    meta["sample"] = True  # even a wrong flag does not make real programs fictional
    (real_dir / "providers.meta.json").write_text(json.dumps(meta))
    at = search_for(run_app(), "Worcester")
    assert not at.exception
    assert "Sample data" not in texts(at)


def test_with_no_times_that_fit_the_programs_to_call_are_mapped_and_exported(real_dir, monkeypatch):
    """Audit of #12: no fitting times near Boston still shows the map and the exports, of the programs to call."""
    from apphelpers import downloaded, parse_csv_export, record_downloads

    seen = record_downloads(monkeypatch)
    at = evening_search("02118")
    assert not at.exception
    (group,) = [plain(s.value) for s in at.subheader if "call to ask" in str(s.value)]
    count = int(group.split()[0])
    assert "Map" in [s.value for s in at.subheader]
    maps = [e for e in at.main if type(e).__name__ == "UnknownElement"
            and e.type == "component_instance"]
    assert len(maps) == 1
    assert {d.label for d in at.get("download_button")} == {"CSV", "Excel", "Print view (HTML)"}
    heading, rows = parse_csv_export(downloaded(seen, "find_dl_csv"))
    assert len(rows) == count
    assert heading["Data source"] == SOURCE_LINE.removeprefix("Source: ")
    assert any("East Boston Counseling Center" in r["Program"] + r["Organization"] for r in rows)

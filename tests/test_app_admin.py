"""AppTest flows for the admin refresh page (issue 8): publish once, geocode, merge, size limit.

The login and the first upload -> diff -> publish flow are in ``test_app_pages.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from apphelpers import admin_login, copy_sample_data, live_rows, shown, to_csv, upload, use_data_dir
from streamlit.testing.v1 import AppTest

import finder.store.files
import finder.ui.common
from finder.config import Settings
from finder.errors import GeocodeNotFound
from finder.geocode import build_locator
from finder.model import Place
from finder.refresh import NOTHING_TO_PUBLISH
from finder.store.files import history

PASSWORD = "correct horse battery"
NOWHERE = "0 Nowhere Road"


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    """A private copy of the sample data; admin password set; geocoder offline (gazetteer)."""
    folder = copy_sample_data(tmp_path / "data")
    return use_data_dir(monkeypatch, folder, admin_password=PASSWORD)


class GazetteerWithAGap:
    """The app's offline locator (the gazetteer), except that one street is not found.

    The gazetteer places every valid Massachusetts ZIP code, so a failure
    needs a stub; every call is recorded.
    """

    def __init__(self) -> None:
        self.offline = build_locator(Settings(geocoder="off"))
        self.calls: list[tuple[str, str, str]] = []

    def geocode_address(self, street: str, city: str, zip_code: str) -> Place:
        self.calls.append((street, city, zip_code))
        if street == NOWHERE:
            raise GeocodeNotFound("stub: no match", "We couldn't find that address.")
        return self.offline.geocode_address(street, city, zip_code)

    def __getattr__(self, name: str):
        return getattr(self.offline, name)  # the find page asks for its disclosure text


def login() -> AppTest:
    return admin_login(PASSWORD)


def edited(folder: Path) -> bytes:
    rows = live_rows(folder)
    rows[0]["phone"] = "617-555-0199"
    return to_csv(rows)


def publish(at: AppTest) -> AppTest:
    at.checkbox(key="admin_sure").check().run()
    at.button(key="admin_publish").click().run()
    assert not at.exception
    return at


def texts(elements) -> str:
    return "\n".join(shown(e.value) for e in elements)


def tables(at: AppTest) -> list:
    return [d.value for d in at.dataframe]


def table_with(at: AppTest, *columns: str):
    return next(t for t in tables(at) if set(columns) <= set(t.columns))


def test_after_publishing_the_plan_is_cleared_and_cannot_be_published_again(data_dir):
    at = upload(login(), "edited.csv", edited(data_dir))

    publish(at)

    assert "Published as v0002" in texts(at.success)
    assert "0 added, 0 removed, 1 changed" in texts(at.success)
    assert not at.get("file_uploader")[0].value  # the uploader is empty again
    assert not [c for c in at.checkbox if c.key == "admin_sure"]
    assert not [b for b in at.button if b.key == "admin_publish"]
    assert [v.version for v in history(data_dir)] == ["v0002", "v0001"]

    # Uploading the very same file again offers nothing to publish.
    upload(at, "edited.csv", edited(data_dir))
    assert NOTHING_TO_PUBLISH in texts(at.info)
    assert not [b for b in at.button if b.key == "admin_publish"]
    assert "Published as" not in texts(at.success)  # (coverage below may say a success of its own)
    assert len(history(data_dir)) == 2


def test_uploading_the_live_file_says_there_is_nothing_to_publish(data_dir):
    at = upload(login(), "providers.csv", (data_dir / "providers.csv").read_bytes())

    assert NOTHING_TO_PUBLISH in texts(at.info)
    assert not [c for c in at.checkbox if c.key == "admin_sure"]
    assert not [b for b in at.button if b.key == "admin_publish"]
    assert not (data_dir / "history").exists()


def test_upload_geocode_report_diff_publish_with_rows_lacking_coordinates(data_dir, monkeypatch):
    locator = GazetteerWithAGap()
    monkeypatch.setattr(finder.ui.common, "locator", lambda cfg: locator)
    rows = live_rows(data_dir)
    found = dict(rows[0], program_id="sample-0901", street="12 Example Street", city="Cambridge",
                 zip="02139", county="Middlesex", latitude="", longitude="")
    lost = dict(rows[1], program_id="sample-0902", street=NOWHERE, city="Cambridge",
                zip="02139", county="Middlesex", latitude="", longitude="")
    at = upload(login(), "new-sites.csv", to_csv([*rows, found, lost]))

    # Geocode: both rows were looked up, with the progress bar, and each result is shown.
    assert locator.calls == [("12 Example Street", "Cambridge", "02139"),
                             (NOWHERE, "Cambridge", "02139")]
    [bar] = at.get("progress")
    assert (bar.value, bar.text) == (100, "Checked. Coordinates found for 1 of 2 rows.")
    assert "Coordinates found for 1 of 2 rows." in texts(at.caption)
    results = table_with(at, "status", "detail", "address")
    by_id = dict(zip(results["program_id"], results["status"], strict=True))
    assert by_id == {"sample-0901": "approximate", "sample-0902": "not located"}
    assert "zip level" in results["detail"][0]
    assert "couldn't find that address" in results["detail"][1]
    # Report: the per-row problems table lists the failure and the coarse location.
    problems = table_with(at, "row", "column", "message")
    assert list(problems["row"]) == [len(rows) + 3, len(rows) + 2]
    # The unlocated program is named, with the true consequence for searchers.
    assert ("This program has no coordinates, so it will not appear in search results until you "
            "add latitude and longitude (or a street address that can be geocoded).") in texts(
                at.warning)
    unlocated = table_with(at, "program_id", "organization", "address")
    assert list(unlocated["program_id"]) == ["sample-0902"]
    # Diff.
    assert "Added: **2**" in texts(at.markdown)

    publish(at)

    assert "Published as v0002" in texts(at.success)
    published = {r["program_id"]: r for r in live_rows(data_dir)}
    assert published["sample-0901"]["latitude"] == "42.36470"
    assert published["sample-0902"]["latitude"] == ""


def test_one_row_looked_up_is_counted_in_the_singular(data_dir, monkeypatch):
    monkeypatch.setattr(finder.ui.common, "locator", lambda cfg: GazetteerWithAGap())
    rows = live_rows(data_dir)
    found = dict(rows[0], program_id="sample-0901", street="12 Example Street", city="Cambridge",
                 zip="02139", county="Middlesex", latitude="", longitude="")
    at = upload(login(), "new-site.csv", to_csv([*rows, found]))
    [bar] = at.get("progress")
    assert bar.text == "Checked. Coordinates found for 1 of 1 row."
    assert "Coordinates found for 1 of 1 row." in texts(at.caption)


def test_merge_lists_the_flagged_programs_and_history_keeps_them(data_dir):
    rows = live_rows(data_dir)
    missing = rows[:2]
    at = login()
    at.checkbox(key="admin_merge").check().run()
    upload(at, "fewer.csv", to_csv(rows[2:]))

    assert any("2 live programs are kept as they are and flagged for review" in w for w in
               (str(x.value) for x in at.warning))
    flagged = table_with(at, "program_id", "organization", "program_name", "city")
    assert list(flagged["program_id"]) == [r["program_id"] for r in missing]
    assert list(flagged["organization"]) == [r["organization"] for r in missing]
    assert list(flagged["program_name"]) == [r["program_name"] for r in missing]
    assert list(flagged["city"]) == [r["city"] for r in missing]
    assert all("not in the new file" in why for why in flagged["why"])

    publish(at)

    ids = [r["program_id"] for r in missing]
    assert all(i in texts(at.success).replace("\\", "") for i in ids)
    assert history(data_dir)[0].flagged_for_review == tuple(ids)
    shown = table_with(at, "version", "flagged for review")
    assert shown["flagged for review"][0] == ", ".join(ids)
    index = json.loads((data_dir / "history" / "index.json").read_text(encoding="utf-8"))
    assert index["versions"][-1]["flagged_for_review"] == ids


def test_upload_size_setting_is_kept_from_upload_to_publish(data_dir, monkeypatch):
    size = len(edited(data_dir))
    # A limit below the file refuses it before anything else.
    monkeypatch.setenv("FINDER_UPLOAD_MAX_MB", "0.01")
    at = upload(login(), "edited.csv", edited(data_dir))
    assert "the limit is 0.01 MB" in texts(at.error)
    assert not [b for b in at.button if b.key == "admin_publish"]

    # A limit above the built-in default is honoured when publishing too. The
    # 20 MB default is shrunk to 1 KB here, so a small file plays a 21 MB one.
    monkeypatch.setattr(finder.store.files, "DEFAULT_MAX_BYTES", 1024)
    assert size > 1024
    monkeypatch.setenv("FINDER_UPLOAD_MAX_MB", "1")
    at = upload(login(), "edited.csv", edited(data_dir))
    publish(at)
    assert "Published as v0002" in texts(at.success)
    assert not at.error

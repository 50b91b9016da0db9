"""Two app servers sharing one PostgreSQL store, driven in Debian's Chromium.

Two ``streamlit run`` processes on different ports, each with a data folder of
its own (only its caches), share a scratch PostgreSQL database
(``FINDER_DATABASE_URL``), as docs/DEPLOY.md deploys them behind a proxy:

* a version published on server A's admin page, or with the CLI, is served
  by server B on the next rerun of a session that was already open;
* two concurrent publishers of approvals for different programs are
  serialized by the advisory lock and both land, in order;
* a publish reviewed against a version that is no longer live is refused on
  the admin page with a plain message, and the newer version stays live.
"""

from __future__ import annotations

import csv
import io
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from playwright.sync_api import expect

pytest.register_assert_rewrite("browser")
from browser import ROOT, run_streamlit  # noqa: E402  (after register_assert_rewrite)

from finder.store.dataset import csv_rows, rows_to_csv  # noqa: E402
from finder.store.sql import SqlStore  # noqa: E402

pytestmark = pytest.mark.browser
pytest_plugins = ["browser"]

PASSWORD = "correct horse battery"
SAMPLE = ROOT / "data" / "sample" / "providers.csv"
SEARCH_BOX = "input[aria-label^='Where are you?']"


def _header(data: bytes) -> list[str]:
    return next(csv.reader(io.StringIO(data.decode("utf-8"))))


def _renamed(data: bytes, city: str, prefix: str) -> bytes:
    """The CSV with every program of ``city`` renamed ``prefix + name``."""
    rows = csv_rows(data)
    for row in rows:
        if row["city"] == city:
            row["program_name"] = f"{prefix}{row['program_name']}"
    return rows_to_csv(rows, _header(data))


@pytest.fixture(scope="module")
def database_url(postgres_url: str) -> str:
    from pgserver import fresh_database

    return fresh_database(postgres_url)


@pytest.fixture(scope="module")
def servers(database_url, tmp_path_factory):
    """Server A and server B: one database, a data folder (caches) of their own."""
    seed = SqlStore(tmp_path_factory.mktemp("seed"), database_url=database_url)
    seed.publish(SAMPLE.read_bytes(), source="sample, published before the servers start")
    seed.engine.dispose()
    urls = []
    with (
        run_streamlit(ROOT / "streamlit_app.py", env=_env(database_url, tmp_path_factory)) as a,
        run_streamlit(ROOT / "streamlit_app.py", env=_env(database_url, tmp_path_factory)) as b,
    ):
        urls = [a.url, b.url]
        assert urls[0] != urls[1]
        yield urls


def _env(database_url: str, tmp_path_factory) -> dict[str, str]:
    return {
        "FINDER_DATABASE_URL": database_url,
        "FINDER_DATA_DIR": str(tmp_path_factory.mktemp("server")),
        "FINDER_GEOCODER": "off",
        "FINDER_ADMIN_PASSWORD": PASSWORD,
    }


def _store(database_url: str, tmp_path: Path) -> SqlStore:
    return SqlStore(tmp_path, database_url=database_url)


def _search(page, text: str) -> None:
    box = page.locator(SEARCH_BOX)
    box.wait_for(timeout=60_000)
    box.fill(text)
    box.press("Enter")
    page.get_by_text("programs found").first.wait_for(timeout=60_000)


def _admin(page, url: str) -> None:
    page.goto(f"{url}/admin")
    page.get_by_label("Admin password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_text("Upload a new file").first.wait_for(timeout=90_000)


def _review(page, file: Path) -> None:
    page.locator("input[type='file']").set_input_files(str(file))
    page.get_by_text("Ready:").first.wait_for(timeout=90_000)


def _confirm_and_publish(page) -> None:
    page.get_by_text("I have reviewed the changes. Publish them.").click()
    button = page.get_by_role("button", name="Publish", exact=True)
    expect(button).to_be_enabled(timeout=30_000)
    button.click()


def _cli(database_url: str, data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"FINDER_DATABASE_URL": database_url, "FINDER_DATA_DIR": str(data_dir),
           "FINDER_GEOCODER": "off", "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-m", "finder", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def test_a_publish_on_one_server_is_served_by_the_other_on_its_next_rerun(
    servers, database_url, page, tmp_path
):
    url_a, url_b = servers
    page_b = page
    page_b.goto(url_b)
    _search(page_b, "02139")
    expect(page_b.get_by_text("Day & Evening IOP - Cambridge").first).to_be_visible(timeout=30_000)
    assert page_b.get_by_text("Renamed on A:").count() == 0

    # Server A's admin page publishes a new version.
    new_file = tmp_path / "renamed-on-a.csv"
    new_file.write_bytes(_renamed(SAMPLE.read_bytes(), "Cambridge", "Renamed on A: "))
    page_a = page.context.new_page()
    _admin(page_a, url_a)
    _review(page_a, new_file)
    _confirm_and_publish(page_a)
    page_a.get_by_text("Published as v0002").first.wait_for(timeout=60_000)

    # The session already open on server B sees it on its next rerun.
    _search(page_b, "Cambridge")
    expect(page_b.get_by_text("Renamed on A: Day & Evening IOP - Cambridge").first).to_be_visible(
        timeout=30_000)

    # And a version published with the CLI reaches both servers the same way.
    cli_file = tmp_path / "renamed-by-cli.csv"
    cli_file.write_bytes(_renamed(SAMPLE.read_bytes(), "Cambridge", "Renamed by CLI: "))
    done = _cli(database_url, tmp_path / "cli", "refresh", str(cli_file), "--yes", "--no-geocode")
    assert done.returncode == 0, done.stderr
    assert "Published v0003" in done.stdout
    _search(page_b, "02139")
    expect(page_b.get_by_text("Renamed by CLI: Day & Evening IOP - Cambridge").first).to_be_visible(
        timeout=30_000)
    page_a.goto(url_a)
    _search(page_a, "02139")
    expect(page_a.get_by_text("Renamed by CLI: Day & Evening IOP - Cambridge").first).to_be_visible(
        timeout=30_000)
    page_a.close()


_APPROVER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from finder.errors import PublishError
    from finder.store.dataset import csv_rows, rows_to_csv
    from finder.store.sql import SqlStore

    url, folder, program_id, phone = sys.argv[1:5]
    store = SqlStore(Path(folder), database_url=url)
    for attempt in range(50):
        live = store.live()
        rows = csv_rows(live.data)
        for row in rows:
            if row["program_id"] == program_id:
                row["phone"] = phone
        header = live.data.decode("utf-8").splitlines()[0].split(",")
        try:
            result = store.publish(rows_to_csv(rows, header), source=f"approval for {program_id}",
                                   expected_live_sha256=live.sha256)
        except PublishError as err:
            if "changed since you reviewed" in err.user_message:
                continue  # someone published in between: read again, apply again
            raise
        print(result.version.version)
        break
    else:
        sys.exit("never published")
""")


def test_concurrent_approvals_on_two_servers_both_land_in_order(servers, database_url, tmp_path):
    store = _store(database_url, tmp_path)
    before = {v.version for v in store.history()}
    trace = tmp_path / "trace"
    env = {"FINDER_TEST_PUBLISH_TRACE": str(trace), "FINDER_TEST_PUBLISH_DELAY_S": "0.3",
           "PATH": "/usr/bin:/bin"}
    approvals = {"sample-0001": "617-555-0101", "sample-0002": "617-555-0102"}
    procs = [
        subprocess.Popen([sys.executable, "-c", _APPROVER, database_url, str(tmp_path / pid),
                          pid, phone], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
        for pid, phone in approvals.items()
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    live = store.live()
    assert live is not None
    phones = {row["program_id"]: row["phone"] for row in csv_rows(live.data)}
    assert {pid: phones[pid] for pid in approvals} == approvals  # nothing lost
    new = [v for v in store.history() if v.version not in before]
    assert len(new) == 2
    assert {v.source for v in new} == {f"approval for {pid}" for pid in approvals}
    # The advisory lock serialized them: every write ("done") directly follows its own
    # publisher taking the lock; an attempt found stale under the lock ends there.
    steps = [line.split() for line in trace.read_text().splitlines()]
    writes = [i for i, (_pid, step) in enumerate(steps) if step == "done"]
    assert len(writes) == 2
    for i in writes:
        assert steps[i - 1] == [steps[i][0], "locked"]
    store.engine.dispose()


def test_a_publish_reviewed_against_an_older_version_is_refused_on_the_admin_page(
    servers, database_url, page, tmp_path
):
    url_a, _url_b = servers
    store = _store(database_url, tmp_path)
    base = store.live()
    assert base is not None
    reviewed = tmp_path / "reviewed.csv"
    reviewed.write_bytes(_renamed(base.data, "Worcester", "Reviewed: "))
    _admin(page, url_a)
    _review(page, reviewed)

    # Meanwhile someone else publishes (another server, the CLI, an approval).
    newer = _renamed(base.data, "Springfield", "Newer: ")
    store.publish(newer, source="someone else")

    _confirm_and_publish(page)
    page.get_by_text("The live data changed since you reviewed this file").first.wait_for(
        timeout=60_000)
    live = store.live()
    assert live is not None
    assert live.data == newer  # never applied over the newer version
    assert "Reviewed: " not in live.data.decode("utf-8")
    store.engine.dispose()

"""Real-browser test harness: a Streamlit server on 127.0.0.1 and Debian's Chromium.

A helper module, not a conftest: browser test modules import what they need, so
the other tests never pay for Playwright. Tests using it are marked ``browser``.

Usage
-----
In a test module (see ``tests/test_map_browser.py``)::

    import pytest

    pytest.register_assert_rewrite("browser")  # before the import: readable asserts
    from browser import (  # noqa: E402
        LOCAL_HOSTS, ROOT, TILE_HOSTS, run_streamlit, save_screenshot, streamlit_frame,
    )

    pytestmark = pytest.mark.browser
    pytest_plugins = ["browser"]  # the fixtures: chromium, browser_context, page, ...

    @pytest.fixture(scope="module")
    def app_url(tmp_path_factory):
        data_dir = tmp_path_factory.mktemp("data")  # ... copy the sample data in
        env = {"FINDER_DATA_DIR": str(data_dir)}
        with run_streamlit(ROOT / "streamlit_app.py", env=env) as server:
            yield server.url

    def test_search_shows_cards(app_url, page, request_log):
        page.goto(app_url)
        page.get_by_label("Address, ZIP or town").fill("02139")   # etc.
        map_frame = streamlit_frame(page, "streamlit_folium")
        map_frame.locator(".marker-cluster, .leaflet-marker-icon").first.wait_for()
        save_screenshot(page, "search-desktop")
        request_log.assert_only_hosts(LOCAL_HOSTS | TILE_HOSTS)

``pytest_plugins`` rather than importing the fixtures by name: imported fixture
names trip ruff's F811 in every test that takes them as arguments. For a phone
screenshot, open ``context, log = phone_context(chromium)`` in the test (and
``context.close()`` at the end). Run only these tests with ``pytest -m browser``;
skip them with ``-m "not browser"``.

What it gives you
-----------------
``run_streamlit(app, env=..., cwd=...)``
    Context manager: starts ``streamlit run <app>`` on a free 127.0.0.1 port
    (headless, no file watcher, no usage stats), waits for ``/_stcore/health``
    and yields a ``StreamlitServer`` (``.url``, ``.log_path``, ``.log_text()``).
    It stops the server on exit. ``env`` overrides the environment, for example
    ``FINDER_DATA_DIR``. The working folder defaults to the app's folder, so that
    the app's ``.streamlit/config.toml`` is read. Streamlit serves
    ``<app folder>/static`` at ``/app/static``.
``streamlit_server`` fixture
    A factory ``streamlit_server(app, env=None)`` with the same arguments, for
    a server that lives for one test.
``chromium`` fixture (session)
    Playwright Chromium from ``/usr/bin/chromium``, or ``$CHROMIUM_PATH``; no
    browser is ever downloaded. Missing Chromium skips the test, or fails it when
    ``CI=true`` (``.ci/run`` installs it).
``browser_context`` / ``page`` fixtures
    A fresh context (desktop 1280x900; use ``phone_context(chromium)`` for a
    390x844 phone) that is offline by construction: every request is recorded in
    ``request_log``, requests to the OpenStreetMap tile servers are answered with
    a small generated PNG, and any other off-host request is aborted.
``request_log`` fixture
    A ``RequestLog``: ``.urls``, ``.hosts``, ``.statuses`` (URL -> HTTP status),
    ``.console_errors``, ``.page_errors``, ``.dialogs``, and
    ``assert_only_hosts(allowed)``.
``streamlit_frame(page, "streamlit_folium")``
    The ``Frame`` of a custom component's iframe (Leaflet lives in there).
``wait_for_leaflet_idle(frame)``
    Waits until the map's tiles are loaded and zoom/cluster animations ended.
``save_screenshot(page, name)``
    Writes ``artifacts/<name>.png`` (gitignored) and returns its path.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import zlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "artifacts"

#: Hosts the app itself is served from.
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost"})
#: The default tile server (``Settings.tiles_url``) and its legacy subdomains.
TILE_HOSTS = frozenset(
    {
        "tile.openstreetmap.org",
        "a.tile.openstreetmap.org",
        "b.tile.openstreetmap.org",
        "c.tile.openstreetmap.org",
    }
)

DESKTOP_VIEWPORT = {"width": 1280, "height": 900}
PHONE_VIEWPORT = {"width": 390, "height": 844}

# Flags verified on these machines (NOTES.md section 2): no sandbox in containers,
# no GPU, and nothing that phones home (QUIC, component updates, sync).
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-proxy-server",
)

SERVER_START_TIMEOUT_S = 60.0


# --- Streamlit server ---------------------------------------------------------


@dataclass
class StreamlitServer:
    """A running ``streamlit run`` process."""

    url: str
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path

    def log_text(self) -> str:
        """Return everything the server printed so far."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _health_ok(url: str) -> bool:
    # No proxy: the environment's proxy settings must never see loopback traffic.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url + "/_stcore/health", timeout=2) as reply:
            return bool(reply.status == 200 and reply.read().strip() == b"ok")
    except (urllib.error.URLError, OSError):
        return False


@contextlib.contextmanager
def run_streamlit(
    app: Path,
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    extra_args: tuple[str, ...] = (),
    timeout_s: float = SERVER_START_TIMEOUT_S,
) -> Iterator[StreamlitServer]:
    """Run ``streamlit run app`` on 127.0.0.1 until the ``with`` block ends.

    Parameters
    ----------
    app : Path
        The Streamlit script.
    env : Mapping[str, str], optional
        Variables to set on top of the current environment.
    cwd : Path, optional
        Working folder; defaults to the app's folder (its ``.streamlit/`` is read).
    extra_args : tuple of str
        More ``streamlit run`` options, e.g. ``("--server.enableStaticServing", "true")``.
    timeout_s : float
        How long to wait for ``/_stcore/health``.
    """
    app = Path(app).resolve()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log_dir = Path(tempfile.mkdtemp(prefix="streamlit-log-"))
    log_path = log_dir / "server.log"
    full_env = {
        **os.environ,
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
        "PYTHONUNBUFFERED": "1",
        **(env or {}),
    }
    command = [
        sys.executable, "-m", "streamlit", "run", str(app),
        "--server.address", "127.0.0.1",
        "--server.port", str(port),
        "--server.headless", "true",
        "--server.fileWatcherType", "none",
        "--server.runOnSave", "false",
        "--browser.gatherUsageStats", "false",
        *extra_args,
    ]  # fmt: skip
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, cwd=cwd or app.parent, env=full_env, stdout=log, stderr=subprocess.STDOUT
        )
    server = StreamlitServer(url=url, port=port, process=process, log_path=log_path)
    try:
        deadline = time.monotonic() + timeout_s
        while not _health_ok(url):
            if process.poll() is not None:
                raise RuntimeError(
                    f"streamlit exited with code {process.returncode}:\n{server.log_text()}"
                )
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"streamlit was not healthy after {timeout_s} s:\n{server.log_text()}"
                )
            time.sleep(0.2)
        yield server
    finally:
        _stop(process)
        shutil.rmtree(log_dir, ignore_errors=True)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture
def streamlit_server() -> Iterator[Callable[..., StreamlitServer]]:
    """Factory for servers that live until the end of one test.

    Call it as ``streamlit_server(app, env={...})``; it takes ``run_streamlit``'s
    arguments and returns the ``StreamlitServer``.
    """
    with contextlib.ExitStack() as stack:

        def start(app: Path, **kwargs: object) -> StreamlitServer:
            return stack.enter_context(run_streamlit(app, **kwargs))

        yield start


# --- Browser --------------------------------------------------------------------


def chromium_path() -> str | None:
    """Return the Chromium to drive: ``$CHROMIUM_PATH``, else Debian's, else on PATH."""
    for candidate in (os.environ.get("CHROMIUM_PATH"), "/usr/bin/chromium"):
        if candidate and Path(candidate).is_file():
            return candidate
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def chromium():
    """Headless Chromium through Playwright, shared by the whole session."""
    executable = chromium_path()
    if executable is None:
        message = "Chromium is not installed (apt-get install chromium; .ci/run does it)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=list(CHROMIUM_ARGS)
        )
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class RequestLog:
    """Everything a browser context asked for, and what went wrong in its pages."""

    urls: list[str] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)
    failed: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    @property
    def hosts(self) -> set[str]:
        """Every host a request (HTTP or WebSocket) went to; data: and blob: URLs have none."""
        return {host for url in self.urls if (host := urlsplit(url).hostname)}

    def urls_matching(self, pattern: str) -> list[str]:
        """Return the recorded URLs that match a regular expression."""
        return [url for url in self.urls if re.search(pattern, url)]

    def assert_only_hosts(self, allowed: set[str] | frozenset[str]) -> None:
        """Fail, listing the offending URLs, if any request left the allowed hosts."""
        stray = sorted(
            {url for url in self.urls if (host := urlsplit(url).hostname) and host not in allowed}
        )
        assert not stray, f"requests left {sorted(allowed)}: {stray[:10]}"

    def attach(self, context) -> None:
        """Record the requests, responses and page errors of a browser context."""
        context.on("request", lambda request: self.urls.append(request.url))
        context.on(
            "response", lambda response: self.statuses.__setitem__(response.url, response.status)
        )
        context.on("requestfailed", lambda request: self.failed.append(request.url))
        context.on("page", self._watch_page)

    def _watch_page(self, page) -> None:
        page.on("websocket", lambda ws: self.urls.append(ws.url))
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))
        page.on(
            "console",
            lambda msg: self.console_errors.append(msg.text) if msg.type == "error" else None,
        )

        def on_dialog(dialog) -> None:
            # An alert() would mean injected script ran; record it and close it.
            self.dialogs.append(f"{dialog.type}: {dialog.message}")
            dialog.dismiss()

        page.on("dialog", on_dialog)


def tile_png(size: int = 256) -> bytes:
    """Return a light map-coloured PNG tile with a faint grid line, made in memory.

    Generated rather than committed: the repo holds no binaries. Colours follow
    the OpenStreetMap land background so screenshots look like a map, not grey.
    """
    land, line = (242, 239, 233), (221, 216, 206)
    rows = []
    for y in range(size):
        if y in (0, size // 2):
            row = bytes(line) * size
        else:
            pixels = [line if x in (0, size // 2) else land for x in range(size)]
            row = b"".join(bytes(p) for p in pixels)
        rows.append(b"\x00" + row)  # filter type 0 for each scanline

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )  # fmt: skip

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows), 9)) + chunk(b"IEND", b"")
    )  # fmt: skip


def _is_local(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in {"data", "blob", "about"} or parts.hostname in LOCAL_HOSTS


def offline_context(
    browser,
    *,
    viewport: Mapping[str, int] = DESKTOP_VIEWPORT,
    log: RequestLog | None = None,
    **options: object,
):
    """Open a browser context that cannot reach the network, with a ``RequestLog``.

    Tile requests are answered with ``tile_png()``; every other request to a
    host outside ``LOCAL_HOSTS`` is recorded and aborted. Returns
    ``(context, log)``.
    """
    log = log or RequestLog()
    context = browser.new_context(viewport=dict(viewport), **options)
    log.attach(context)
    tile = tile_png()

    def handle(route) -> None:
        if urlsplit(route.request.url).hostname in TILE_HOSTS:
            route.fulfill(status=200, content_type="image/png", body=tile)
        else:
            route.abort("blockedbyclient")

    context.route(lambda url: not _is_local(url), handle)
    return context, log


def phone_context(browser, log: RequestLog | None = None):
    """An offline context like ``browser_context`` at a 390x844 phone viewport."""
    return offline_context(
        browser,
        viewport=PHONE_VIEWPORT,
        log=log,
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
    )


@pytest.fixture
def request_log() -> RequestLog:
    """The record of every request of this test's browser context."""
    return RequestLog()


@pytest.fixture
def browser_context(chromium, request_log):
    """A fresh offline desktop browser context for one test."""
    context, _ = offline_context(chromium, log=request_log)
    try:
        yield context
    finally:
        context.close()


@pytest.fixture
def page(browser_context):
    """A new page in ``browser_context`` with a 20 s default timeout."""
    new_page = browser_context.new_page()
    new_page.set_default_timeout(20_000)
    return new_page


def streamlit_frame(page, component: str, timeout_s: float = 30.0):
    """Return the ``Frame`` of the first custom-component iframe whose URL has ``component``.

    Streamlit serves custom components (``st_folium`` is ``streamlit_folium``)
    in iframes; Leaflet and the map live inside.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        for frame in page.frames:
            if component in frame.url:
                return frame
        if time.monotonic() > deadline:
            raise AssertionError(
                f"no iframe with {component!r} in its URL; frames: {[f.url for f in page.frames]}"
            )
        page.wait_for_timeout(200)


def wait_for_leaflet_idle(frame, timeout_ms: float = 30_000) -> None:
    """Wait until a Leaflet map in ``frame`` has its tiles loaded and no animation runs.

    Take screenshots after this: right after load, ``fitBounds`` and MarkerCluster
    are still animating and half the tiles are missing.
    """
    frame.wait_for_function(
        """() => {
            const tiles = document.querySelectorAll(".leaflet-tile");
            const loaded = document.querySelectorAll(".leaflet-tile.leaflet-tile-loaded");
            const busy = document.querySelector(
                ".leaflet-zoom-anim, .leaflet-cluster-anim, .leaflet-pan-anim");
            return tiles.length > 0 && loaded.length === tiles.length && !busy;
        }""",
        timeout=timeout_ms,
        polling=200,
    )
    # One more frame so the last paint lands before a screenshot.
    frame.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


def save_screenshot(page, name: str, *, full_page: bool = True) -> Path:
    """Save a screenshot to ``artifacts/<name>.png`` and return the path."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path

"""Benchmark the search page in a real browser: first results, filter reruns, page weight.

Starts the real app (``streamlit_app.py``) on 127.0.0.1 with a copy of the
shipped sample data, drives Debian's Chromium through Playwright, and measures:

* **first results**: from navigation start to the first result card in the DOM,
  for a URL that already carries the search (``/?q=02139``). *Cold* is the first
  page load after the server started (imports, dataset and geocoder not cached
  yet); *warm* repeats it on the warm server, each in a fresh browser context (a
  new visitor, empty HTTP cache), and *warm, cached* navigates again in one
  context (a returning visitor).
* **filter rerun**: from the click on a filter to the change of the "N programs
  found" text, for the "Only programs accepting new clients" checkbox and for the
  "Insurance or payment" multiselect; also until the whole rerun (map included)
  stopped sending messages.
* **page weight**: bytes and requests of the cold page load and of a returning
  visitor's load, split into the
  Streamlit bundle, the app's own static files (Leaflet and friends), component
  iframes, the app server's other endpoints, the WebSocket messages and map tiles.

All times are taken inside the page (``performance.now()``, from a
``MutationObserver`` and a ``WebSocket`` wrapper installed before the app's
scripts), so Playwright's polling does not add to them.

Nothing leaves the machine: the map tiles come from a small tile server on
127.0.0.1 started here (``FINDER_TILES_URL``; a generated PNG, so their bytes
are not those of real OpenStreetMap tiles, only their count is), and Chromium
resolves no other host. Playwright's request interception is not used because
it switches the HTTP cache off, and the returning-visitor figures need it.

Usage::

    python scripts/bench_ui.py [--runs 7] [--query 02139] [--json]

Not a test: nothing is asserted. The figures go to docs/BENCHMARKS.md
("Search page in the browser"). Targets on these 2-core machines: warm first
results <= 1.5 s, a filter rerun <= 0.5 s.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
# The browser-test harness: the same server start, Chromium flags and offline
# context as the browser tests, so the benchmark measures what they drive.
sys.path.insert(0, str(ROOT / "tests"))

from browser import (  # noqa: E402
    CHROMIUM_ARGS,
    DESKTOP_VIEWPORT,
    chromium_path,
    run_streamlit,
    tile_png,
)

TARGET_WARM_S = 1.5
TARGET_FILTER_S = 0.5
#: A rerun is over when no WebSocket message arrived for this long.
QUIET_MS = 1500

# Installed in every frame before any page script. Records, in ms since the
# frame's navigation start: the WebSocket opening and its messages, the page
# title (first output of the app script), the help banner, the first result card (an h4:
# only cards use one), every change of the "N programs found" text, the last
# click, and (in the map iframe, as epoch ms) the first marker.
INIT_JS = r"""
(() => {
  if (window.__bench) return;
  const b = window.__bench = {ws: [], wsOpen: null, title: null, banner: null, card: null,
                              countText: null, counts: [], click: null, markersEpoch: null};
  const now = () => performance.now();
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('open', () => { b.wsOpen = now(); });
      this.addEventListener('message', () => { b.ws.push(['in', now()]); });
    }
    send(data) { b.ws.push(['out', now()]); return super.send(data); }
  };
  if (window !== window.top) {
    // Component iframes rewrite their document, which a MutationObserver misses: poll.
    const timer = setInterval(() => {
      if (document.querySelector('.marker-cluster, .leaflet-marker-icon')) {
        b.markersEpoch = performance.timeOrigin + now();
        clearInterval(timer);
      }
    }, 20);
    return;
  }
  const check = () => {
    if (b.title === null && document.querySelector('h1')) b.title = now();
    if (b.banner === null && document.querySelector('.help-banner')) b.banner = now();
    if (b.card === null && document.querySelector('h4')) b.card = now();
    for (const s of document.querySelectorAll('strong')) {
      const text = s.textContent;
      if (/programs? found/.test(text)) {
        if (text !== b.countText) { b.countText = text; b.counts.push([now(), text]); }
        break;
      }
    }
  };
  new MutationObserver(check).observe(document, {subtree: true, childList: true,
                                                 characterData: true});
  document.addEventListener('click', () => { b.click = now(); }, true);
})();
"""


def machine() -> dict[str, object]:
    """Cores, CPU model, load and versions of what is measured."""
    import streamlit

    model = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    from importlib.metadata import version

    return {
        "cores": os.cpu_count(),
        "cpu": model,
        "load_average": os.getloadavg(),
        "python": platform.python_version(),
        "streamlit": streamlit.__version__,
        "playwright": version("playwright"),
        "streamlit_folium": version("streamlit-folium"),
        "os": f"{platform.system()} {platform.release()}",
    }


class Weight:
    """Bytes on the wire per request, from the DevTools protocol (all frames of a page)."""

    def __init__(self, context, page, tiles_origin: str) -> None:
        self.tiles_origin = tiles_origin
        self.urls: dict[str, str] = {}
        self.bytes: dict[str, int] = {}
        self.ws_bytes = 0
        self.ws_frames = 0
        session = context.new_cdp_session(page)
        session.send("Network.enable")
        session.on("Network.requestWillBeSent", self._request)
        session.on("Network.loadingFinished", self._finished)
        session.on("Network.webSocketFrameReceived", self._ws_frame)
        session.on("Network.webSocketFrameSent", self._ws_frame)
        self.session = session

    def _request(self, event) -> None:
        self.urls[event["requestId"]] = event["request"]["url"]

    def _finished(self, event) -> None:
        self.bytes[event["requestId"]] = int(event.get("encodedDataLength") or 0)

    def _ws_frame(self, event) -> None:
        payload = event["response"].get("payloadData", "")
        # Binary frames arrive base64-encoded (opcode 2): count decoded bytes.
        size = len(payload) * 3 // 4 if event["response"].get("opcode") == 2 else len(payload)
        self.ws_bytes += size
        self.ws_frames += 1

    def split(self) -> dict[str, dict[str, int]]:
        """Requests and bytes per group: streamlit, app static, components, server, tiles."""
        groups: dict[str, dict[str, int]] = {}
        for request_id, url in self.urls.items():
            parts = urlsplit(url)
            if parts.scheme in ("data", "blob"):
                continue
            if url.startswith(self.tiles_origin):
                group = "map tiles (generated locally)"
            elif parts.path.startswith("/app/static/"):
                group = "app static files (/app/static: Leaflet, MarkerCluster)"
            elif parts.path.startswith("/component/"):
                group = "component iframes (map, location button)"
            elif parts.path.startswith("/static/") or parts.path in ("/", ""):
                group = "Streamlit bundle (HTML, JS, CSS, fonts)"
            else:
                group = "app server endpoints (_stcore, media)"
            entry = groups.setdefault(group, {"requests": 0, "bytes": 0})
            entry["requests"] += 1
            entry["bytes"] += self.bytes.get(request_id, 0)
        groups["WebSocket messages (both ways)"] = {
            "requests": self.ws_frames,
            "bytes": self.ws_bytes,
        }
        return groups


def _folium_frame(page, timeout_s: float = 120.0):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for frame in page.frames:
            if "streamlit_folium" in frame.url:
                return frame
        page.wait_for_timeout(50)
    raise RuntimeError("the map iframe never appeared")


def _wait_quiet(page, since_ms: float, quiet_ms: float = QUIET_MS) -> float:
    """Wait until no WebSocket message arrived for ``quiet_ms``; return the last one's time."""
    page.wait_for_function(
        """([since, quiet]) => {
            const ins = window.__bench.ws.filter(m => m[0] === 'in' && m[1] >= since);
            const last = ins.length ? ins[ins.length - 1][1] : since;
            return performance.now() - last > quiet;
        }""",
        arg=[since_ms, quiet_ms],
        timeout=120_000,
        polling=100,
    )
    return float(
        page.evaluate(
            """since => Math.max(since, ...window.__bench.ws
                 .filter(m => m[0] === 'in' && m[1] >= since).map(m => m[1]))""",
            since_ms,
        )
    )


def load_once(page, url: str) -> dict[str, float]:
    """Open ``url`` and return the milestones of that load, in ms since navigation start."""
    page.goto(url, wait_until="commit", timeout=120_000)
    page.wait_for_function(
        "() => window.__bench && window.__bench.card !== null", timeout=120_000, polling=100
    )
    frame = _folium_frame(page)
    frame.wait_for_function(
        "() => window.__bench && window.__bench.markersEpoch !== null", timeout=120_000, polling=100
    )
    marks = page.evaluate(
        """() => {
            const nav = performance.getEntriesByType('navigation')[0];
            const b = window.__bench;
            const out = b.ws.filter(m => m[0] === 'out');
            const firstOut = out.length ? out[0][1] : null;
            const firstIn = b.ws.find(m => m[0] === 'in' && m[1] >= firstOut);
            return {html: nav.responseEnd, dom_content_loaded: nav.domContentLoadedEventEnd,
                    load_event: nav.loadEventEnd, ws_open: b.wsOpen, rerun_sent: firstOut,
                    first_message: firstIn ? firstIn[1] : null, title: b.title, banner: b.banner,
                    count: b.counts.length ? b.counts[0][0] : null, card: b.card,
                    origin: performance.timeOrigin};
        }"""
    )
    marks["map_markers"] = frame.evaluate("() => window.__bench.markersEpoch") - marks.pop("origin")
    return marks


class _TileHandler(BaseHTTPRequestHandler):
    body = tile_png()

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(self.body)))
        self.send_header("Cache-Control", "public, max-age=86400")
        self.end_headers()
        # Leaflet cancels the tiles of a zoom level it left: the browser hangs up.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(self.body)

    def log_message(self, *args: object) -> None:
        pass  # quiet


def _fresh_page(browser, off_host: list[str]):
    """A new context (empty HTTP cache) and page with the timing script installed."""
    context = browser.new_context(viewport=dict(DESKTOP_VIEWPORT))
    context.on(
        "request",
        lambda r: (
            off_host.append(r.url) if urlsplit(r.url).hostname not in (None, "127.0.0.1") else None
        ),
    )
    context.add_init_script(INIT_JS)
    page = context.new_page()
    page.set_default_timeout(60_000)
    return context, page


def filter_reruns(page, runs: int) -> dict[str, list[dict[str, float]]]:
    """Toggle the accepting checkbox and pick/unpick an insurance; time each rerun."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.locator("summary").filter(has_text="More filters").click()
    checkbox = page.get_by_text("Only programs accepting new clients", exact=True)
    checkbox.wait_for()
    results: dict[str, list[dict[str, float]]] = {"checkbox": [], "insurance": []}

    def timed(action) -> dict[str, float]:
        before = page.evaluate("() => window.__bench.counts.length")
        action()
        page.wait_for_function(
            "n => window.__bench.counts.length > n", arg=before, timeout=60_000, polling=50
        )
        click, changed = page.evaluate(
            "() => [window.__bench.click, window.__bench.counts.at(-1)[0]]"
        )
        done = _wait_quiet(page, click)
        return {"count_changed": changed - click, "rerun_quiet": done - click}

    for _ in range(runs):
        results["checkbox"].append(timed(checkbox.click))
    insurance = page.locator('[data-testid="stMultiSelect"]').filter(
        has=page.get_by_text("Insurance or payment")
    )
    for i in range(runs * 2):
        if i % 2 == 0:  # pick MassHealth from the dropdown (opening it is not timed)
            option = page.get_by_role("option", name="MassHealth", exact=True)
            for _attempt in range(3):
                insurance.get_by_role("combobox").click()
                try:
                    option.wait_for(timeout=5_000)
                    break
                except PlaywrightTimeout:  # the click closed a list left open: again
                    continue
            results["insurance"].append(timed(option.click))
            page.keyboard.press("Escape")
        else:  # remove it again with the chip's close icon (a rerun, not recorded)
            timed(lambda: insurance.get_by_label("Remove MassHealth").first.click())
    return results


def median_of(rows: list[dict[str, float]], key: str) -> float:
    """The median of one milestone over several runs."""
    return statistics.median(row[key] for row in rows)


def run(runs: int, query: str) -> dict[str, object]:
    """Start the app, take every measurement, return them."""
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    if executable is None:
        raise SystemExit("Chromium not found (apt-get install chromium)")
    data_dir = Path(tempfile.mkdtemp(prefix="bench-ui-data-"))
    for name in ("providers.csv", "providers.meta.json"):
        shutil.copy(ROOT / "data" / name, data_dir / name)
    tiles = ThreadingHTTPServer(("127.0.0.1", 0), _TileHandler)
    threading.Thread(target=tiles.serve_forever, daemon=True).start()
    tiles_origin = f"http://127.0.0.1:{tiles.server_address[1]}"
    env = {
        "FINDER_DATA_DIR": str(data_dir),
        "FINDER_ADMIN_PASSWORD": "",
        "FINDER_TILES_URL": tiles_origin + "/{z}/{x}/{y}.png",
    }
    # Chromium resolves no host but loopback: the benchmark cannot reach the internet.
    args = [*CHROMIUM_ARGS, "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]
    report: dict[str, object] = {"machine": machine(), "runs": runs, "query": query}
    off_host: list[str] = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=executable, headless=True, args=args
            )
            report["machine"]["chromium"] = browser.version  # type: ignore[index]
            started = time.perf_counter()
            with run_streamlit(ROOT / "streamlit_app.py", env=env) as server:
                report["server_start_s"] = time.perf_counter() - started
                url = f"{server.url}/?q={query}"

                # Cold: the first page load after the server started.
                context, page = _fresh_page(browser, off_host)
                weight = Weight(context, page, tiles_origin)
                report["cold"] = load_once(page, url)
                _wait_quiet(page, 0)
                report["weight_cold"] = weight.split()
                context.close()

                # Warm server, new visitor: a fresh context (empty HTTP cache) each time.
                warm = []
                for _ in range(runs):
                    context, page = _fresh_page(browser, off_host)
                    warm.append(load_once(page, url))
                    context.close()
                report["warm"] = warm

                # Returning visitor: new navigations in one context (HTTP cache filled).
                context, page = _fresh_page(browser, off_host)
                load_once(page, url)
                cached = []
                for i in range(runs):
                    if i == runs - 1:
                        weight = Weight(context, page, tiles_origin)
                    cached.append(load_once(page, url))
                _wait_quiet(page, 0)
                report["warm_cached"] = cached
                report["weight_cached"] = weight.split()
                try:
                    report["filter"] = filter_reruns(page, runs)
                except Exception as err:
                    if server.process.poll() is not None:  # e.g. stopped by someone else
                        raise RuntimeError(f"the app server stopped:\n{server.log_text()}") from err
                    raise
                context.close()
            browser.close()
    finally:
        tiles.shutdown()
        tiles.server_close()
        shutil.rmtree(data_dir, ignore_errors=True)
    report["off_host_requests"] = sorted(set(off_host))
    report["machine"]["load_average_after"] = os.getloadavg()  # type: ignore[index]
    return report


MILESTONES = (
    ("html", "HTML received"),
    ("dom_content_loaded", "DOMContentLoaded (Streamlit JS parsed)"),
    ("load_event", "load event"),
    ("ws_open", "WebSocket open"),
    ("rerun_sent", "script run requested"),
    ("first_message", "first server message"),
    ("title", "first app output (page title)"),
    ("count", '"N programs found"'),
    ("card", "**first result card**"),
    ("map_markers", "map markers drawn"),
    ("banner", "crisis help banner (HTML markdown)"),
)


def _s(ms: float | None) -> str:
    return "–" if ms is None else f"{ms / 1000:.2f}"


def render(report: dict[str, object]) -> str:
    """The report as Markdown tables."""
    warm: list = report["warm"]  # type: ignore[assignment]
    cached: list = report["warm_cached"]  # type: ignore[assignment]
    cold: dict = report["cold"]  # type: ignore[assignment]
    lines = [
        f"Server start to healthy: {report['server_start_s']:.2f} s.",
        "",
        "| milestone (s since navigation start) | cold | warm, new visitor (median) "
        "| warm, cached (median) |",
        "|---|---:|---:|---:|",
    ]
    for key, label in MILESTONES:
        lines.append(
            f"| {label} | {_s(cold.get(key))} | {_s(median_of(warm, key))} "
            f"| {_s(median_of(cached, key))} |"
        )
    card_runs = ", ".join(_s(r["card"]) for r in warm)
    cached_runs = ", ".join(_s(r["card"]) for r in cached)
    warm_card = median_of(warm, "card") / 1000
    lines += [
        "",
        f"First result card, warm runs: {card_runs} s; cached: {cached_runs} s.",
        f"Target warm <= {TARGET_WARM_S} s: median {warm_card:.2f} s = "
        f"{warm_card / TARGET_WARM_S:.2f}x the target "
        f"({'met' if warm_card <= TARGET_WARM_S else 'missed'}).",
        "",
        "| filter change (s from the click) | count text changed (median) | runs "
        "| whole rerun quiet (median) |",
        "|---|---:|---|---:|",
    ]
    filters: dict = report["filter"]  # type: ignore[assignment]
    for name, label in (
        ("checkbox", "tick/untick 'Only programs accepting new clients'"),
        ("insurance", "pick 'MassHealth' in 'Insurance or payment'"),
    ):
        rows = filters[name]
        runs = ", ".join(_s(r["count_changed"]) for r in rows)
        lines.append(
            f"| {label} | {_s(median_of(rows, 'count_changed'))} | {runs} "
            f"| {_s(median_of(rows, 'rerun_quiet'))} |"
        )
    worst = max(median_of(filters[n], "count_changed") for n in filters) / 1000
    lines += [
        "",
        f"Target filter rerun <= {TARGET_FILTER_S} s: slowest median {worst:.2f} s = "
        f"{worst / TARGET_FILTER_S:.2f}x the target "
        f"({'met' if worst <= TARGET_FILTER_S else 'missed'}).",
        "",
        "| page weight | cold: requests | cold: KB | returning visitor: requests "
        "| returning visitor: KB |",
        "|---|---:|---:|---:|---:|",
    ]
    cold_w: dict = report["weight_cold"]  # type: ignore[assignment]
    cached_w: dict = report["weight_cached"]  # type: ignore[assignment]
    total = {"cold": [0, 0], "cached": [0, 0]}
    for group in sorted(set(cold_w) | set(cached_w)):
        c = cold_w.get(group, {"requests": 0, "bytes": 0})
        w = cached_w.get(group, {"requests": 0, "bytes": 0})
        if not group.startswith("WebSocket"):
            total["cold"][0] += c["requests"]
            total["cold"][1] += c["bytes"]
            total["cached"][0] += w["requests"]
            total["cached"][1] += w["bytes"]
        unit = "messages" if group.startswith("WebSocket") else ""
        lines.append(
            f"| {group} | {c['requests']} {unit} | {c['bytes'] / 1024:,.0f} "
            f"| {w['requests']} {unit} | {w['bytes'] / 1024:,.0f} |"
        )
    lines.append(
        f"| **HTTP total** | **{total['cold'][0]}** | **{total['cold'][1] / 1024:,.0f}** "
        f"| {total['cached'][0]} | {total['cached'][1] / 1024:,.0f} |"
    )
    m: dict = report["machine"]  # type: ignore[assignment]
    lines += [
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores (shared), {m['os']}; load average "
        f"{m['load_average'][0]:.1f} before and {m['load_average_after'][0]:.1f} after; "
        f"Python {m['python']}, Streamlit {m['streamlit']}, streamlit-folium "
        f"{m['streamlit_folium']}, Playwright {m['playwright']}, Chromium {m['chromium']} "
        f"(headless). {report['runs']} runs each. Requests to other hosts: "
        f"{len(report['off_host_requests'])}.",  # type: ignore[arg-type]
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print Markdown (or JSON with ``--json``)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=7, help="repeats per figure (>= 5)")
    parser.add_argument("--query", default="02139", help="the search in the URL (a ZIP or town)")
    parser.add_argument("--json", action="store_true", help="print the raw figures as JSON")
    args = parser.parse_args(argv)
    report = run(max(args.runs, 1), args.query)
    print(json.dumps(report, indent=2) if args.json else render(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

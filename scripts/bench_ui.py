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

With ``--server`` it measures the server side instead, in-process (issue 16):
filter reruns of the find page (Streamlit's ``AppTest``; the page's own
``render()`` timed apart from AppTest's overhead) on the shipped data and on a
14,034-program scale test (the national SAMHSA facility list, names and
streets placed in Massachusetts: ``national_data_dir``), the bytes the results
map sends for all 14,034 programs, and loading the dataset validated and from
the kept validation. ``--data national`` runs the browser figures on the scale
test.

Usage::

    python scripts/bench_ui.py [--runs 7] [--query 02139] [--data shipped|national] [--json]
    python scripts/bench_ui.py --server [--runs 7] [--json]

Not a test: nothing is asserted. The figures go to docs/BENCHMARKS.md
("Search page in the browser", "The page at national scale"). Targets on these
2-core machines: warm first result card <= 1.0 s, a filter rerun <= 0.5 s in
the browser; server side, a filter rerun <= 30 ms on the shipped data and
<= 100 ms at 14,034 programs, the map's payload < 1 MB at 14,034.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
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

TARGET_WARM_S = 1.0
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
      // The result count, or the sentence that replaces it when nothing matches.
      if (/programs? found|^No programs? (match|near)/.test(text)) {
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
        # The flaky wait (issue 16): this used to wait up to 60 s for the count
        # text to change, and timed out when a filter left it as it was (or the
        # click was lost). Now: the click must register, then the rerun must
        # end (no message for QUIET_MS); the count's change is recorded when
        # there is one.
        before, clicked_before = page.evaluate(
            "() => [window.__bench.counts.length, window.__bench.click]"
        )
        for _attempt in range(3):
            action()
            try:
                page.wait_for_function(
                    "c => window.__bench.click !== c", arg=clicked_before, timeout=5_000,
                    polling=50,
                )
                break
            except PlaywrightTimeout:
                continue
        click = page.evaluate("() => window.__bench.click")
        done = _wait_quiet(page, click)
        counts = page.evaluate("() => window.__bench.counts")
        changed = counts[-1][0] if len(counts) > before else None
        return {"count_changed": None if changed is None else changed - click,
                "rerun_quiet": done - click}

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
    """The median of one milestone over several runs (runs without it left out)."""
    values = [row[key] for row in rows if row.get(key) is not None]
    return statistics.median(values) if values else float("nan")


def run(runs: int, query: str, data: str = "shipped") -> dict[str, object]:
    """Start the app, take every measurement, return them.

    ``data`` is ``"shipped"`` (a copy of ``data/``) or ``"national"`` (the
    14,034-program scale test of ``national_data_dir``).
    """
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    if executable is None:
        raise SystemExit("Chromium not found (apt-get install chromium)")
    data_dir = Path(tempfile.mkdtemp(prefix="bench-ui-data-"))
    if data == "national":
        national_data_dir(data_dir)
        from finder.validated import load_validated

        load_validated(data_dir / "providers.csv")  # validated once, as a publish leaves it
    else:
        for name in ("providers.csv", "providers.meta.json"):
            # The fictional sample (issue 12 moved it to data/sample).
            shutil.copy(ROOT / "data" / "sample" / name, data_dir / name)
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
    report: dict[str, object] = {"machine": machine(), "runs": runs, "query": query, "data": data}
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


# --- Server side (issue 16): reruns, the map's payload, at national scale ---------

#: The national SAMHSA facility list (never copied into the repository).
NATIONAL_CSV = (
    ROOT.parent / "shared" / "data" / "samhsa_locator_2021" / "SAMHSA_SUD_facilities_national_2021.csv"
)
TARGET_RERUN_SHIPPED_MS = 30.0
TARGET_RERUN_NATIONAL_MS = 100.0
TARGET_MAP_PAYLOAD_KB = 1024.0
TARGET_WARM_CARD_S = 1.0


def national_data_dir(folder: Path, source: Path = NATIONAL_CSV, seed: int = 16) -> Path:
    """Write a data folder of 14,034 programs: the national SAMHSA list, placed in Massachusetts.

    The app lists Massachusetts programs only and refuses a point outside the
    state, so each facility keeps its real name and street but is put at a
    Massachusetts ZIP centre (uniformly at random among standard ZIP codes,
    within about a mile), with synthetic services, plans and schedules drawn as
    ``finder bench`` draws them. A scale test, marked as sample data: the
    places are not real.
    """
    import csv as csv_module
    import datetime as dt

    import numpy as np

    from finder.bench import _PLAN_SHARE, _SCHEDULE_SHARE, _SCHEDULES
    from finder.gazetteer import default_gazetteer
    from finder.schema import COLUMN_NAMES
    from finder.search import INSURANCE_BITS

    rng = np.random.default_rng(seed)
    gazetteer = default_gazetteer()
    zips = [z for z in gazetteer.zips.values() if z.kind == "STANDARD"]
    with source.open(newline="", encoding="utf-8") as handle:
        facilities = list(csv_module.DictReader(handle))
    folder.mkdir(parents=True, exist_ok=True)
    plans = [(str(p), _PLAN_SHARE.get(p, 0.0)) for p in INSURANCE_BITS]
    with (folder / "providers.csv").open("w", newline="", encoding="utf-8") as out:
        writer = csv_module.DictWriter(out, fieldnames=list(COLUMN_NAMES), lineterminator="\n")
        writer.writeheader()
        for i, facility in enumerate(facilities):
            area = zips[int(rng.integers(len(zips)))]
            lat = area.lat + rng.normal(0, 0.007)
            lon = area.lon + rng.normal(0, 0.009)
            schedule = _SCHEDULES[int(rng.choice(len(_SCHEDULES), p=_SCHEDULE_SHARE))]
            writer.writerow({
                "program_id": f"natl-{i:05d}",
                "organization": (facility["name2"] or facility["name1"])[:200],
                "program_name": facility["name1"][:200] or f"Facility {i}",
                "level_of_care": "IOP" if rng.random() < 0.8 else "SOAP",
                "street": (facility["street1"] or "1 Main St")[:200],
                "city": area.city,
                "state": "MA",
                "zip": area.zip_code,
                "latitude": f"{lat:.6f}",
                "longitude": f"{lon:.6f}",
                "phone": f"617-555-01{i % 100:02d}",
                "insurance": "; ".join(p for p, share in plans if rng.random() < share),
                "schedule": schedule,
                "attendance": rng.choice(["in-person", "hybrid", "telehealth", ""]),
                "services": "; ".join(s for s, share in (("Buprenorphine", 0.6),
                                      ("Naltrexone", 0.5), ("Co-occurring mental health", 0.7))
                                      if rng.random() < share),
                "languages": "English; Spanish" if rng.random() < 0.35 else "English",
                "accepting_new_clients": "yes" if rng.random() < 0.6 else "",
                "last_verified": (dt.date(2026, 11, 1) - dt.timedelta(days=int(rng.integers(365))))
                .isoformat(),
                "source": "Scale test: SAMHSA 2021 locator name and street, placed in Massachusetts",
            })
    (folder / "providers.meta.json").write_text(json.dumps({
        "title": "Scale test: 14,034 SAMHSA 2021 facility names placed in Massachusetts",
        "sample": True,
    }), encoding="utf-8")
    return folder


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def server_reruns(data_dir: Path, runs: int, query: str) -> dict[str, object]:
    """Time filter reruns of the find page in-process (Streamlit's AppTest), warm.

    Two figures per change: the find page's own ``render()`` (what the server
    does for the page), and the whole ``AppTest.run()`` (plus the app's other
    code and AppTest's own overhead of running a script in a thread).
    """
    from streamlit.testing.v1 import AppTest

    import finder.ui.find as find_page

    spent: list[float] = []
    original = find_page.render

    def timed_render() -> None:
        began = time.perf_counter()
        try:
            original()
        finally:
            spent.append(time.perf_counter() - began)

    saved = {k: os.environ.get(k) for k in ("FINDER_DATA_DIR", "FINDER_GEOCODER")}
    os.environ["FINDER_DATA_DIR"] = str(data_dir)
    os.environ.pop("FINDER_GEOCODER", None)
    find_page.render = timed_render  # type: ignore[assignment]
    try:
        at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=600)
        at.session_state["q"] = query
        began = time.perf_counter()
        at.run()
        first_s = time.perf_counter() - began
        if at.exception:
            raise RuntimeError(f"the app failed: {at.exception}")
        at.run()  # warm

        def timed(change, new_map: bool) -> tuple[float, float]:  # type: ignore[no-untyped-def]
            change()
            if new_map:  # as the first time a search is asked: no map kept for it yet
                find_page._results_map_args.clear()
            began = time.perf_counter()
            at.run()
            whole = time.perf_counter() - began
            if at.exception:
                raise RuntimeError(f"the app failed: {at.exception}")
            return spent[-1], whole

        out: dict[str, object] = {"first_run_s": round(first_s, 3)}
        counts = []
        for name, on, off in (
            ("accepting", lambda: at.checkbox(key="acc").check(),
             lambda: at.checkbox(key="acc").uncheck()),
            ("insurance", lambda: at.multiselect(key="ins").select("MassHealth"),
             lambda: at.multiselect(key="ins").unselect("MassHealth")),
            ("any distance", lambda: at.selectbox(key="radius").set_value("any"),
             lambda: at.selectbox(key="radius").set_value("25")),
        ):
            render_s, whole_s, cached_s = [], [], []
            for _ in range(runs):
                for change in (on, off):
                    page, whole = timed(change, new_map=True)
                    render_s.append(page)
                    whole_s.append(whole)
                for change in (on, off):  # back to a search whose map is kept
                    cached_s.append(timed(change, new_map=False)[0])
            at.run()
            on()
            at.run()
            counts.append((name, next((m.value for m in at.markdown if "found." in m.value), "")))
            off()
            at.run()
            out[name] = {"render_ms": round(_median_ms(render_s), 1),
                         "render_runs_ms": [round(s * 1000, 1) for s in render_s],
                         "render_cached_map_ms": round(_median_ms(cached_s), 1),
                         "apptest_run_ms": round(_median_ms(whole_s), 1)}
        out["counts"] = counts
        return out
    finally:
        find_page.render = original  # type: ignore[assignment]
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def map_payload(data_dir: Path) -> dict[str, object]:
    """Bytes the results map sends for every program of a dataset ("any distance").

    The payload is what ``st_folium`` hands the browser on each rerun (the
    map's script, header and HTML); the program table is a static file the
    browser fetches once per dataset version. Compared with drawing every
    marker from Python (``build_map``, before issue 16).
    """
    import numpy as np
    from streamlit_folium import _get_header, _get_html, _get_map_string

    from finder.maprender import build_map, build_results_map, program_table
    from finder.model import LatLon, Place, Precision
    from finder.search import Catalog, SearchQuery, search
    from finder.validated import load_validated

    catalog = Catalog.from_programs(load_validated(data_dir / "providers.csv").programs)
    query = SearchQuery(origin=LatLon(42.3601, -71.0589), origin_label="Boston",
                        radius_miles=None)
    result = search(catalog, query)
    origin = Place(42.3601, -71.0589, "Boston", Precision.PLACE, "search")

    def sent(fmap) -> tuple[int, float]:  # type: ignore[no-untyped-def]
        began = time.perf_counter()
        fmap.get_root().render()
        size = sum(len(s.encode("utf-8")) for s in
                   (_get_html(fmap), _get_header(fmap), _get_map_string(fmap)))
        return size, time.perf_counter() - began

    began = time.perf_counter()
    table = program_table(catalog.programs)
    table_s = time.perf_counter() - began
    positions, distances = result.matches.program_positions, result.matches.distances_miles
    lat = np.array([catalog.programs[i].latlon.lat for i in positions])
    lon = np.array([catalog.programs[i].latlon.lon for i in positions])
    began = time.perf_counter()
    compact = build_results_map(
        f"/app/static/data/{table.file_name}",
        [(lat.min(), lon.min()), (lat.max(), lon.max())], positions, distances, origin, None,
        tiles_url="http://127.0.0.1/{z}/{x}/{y}.png", tiles_attribution="tiles",
    )
    build_s = time.perf_counter() - began
    compact_bytes, compact_render_s = sent(compact)
    began = time.perf_counter()
    old = build_map(list(result.matches), origin, None,
                    tiles_url="http://127.0.0.1/{z}/{x}/{y}.png", tiles_attribution="tiles")
    old_build_s = time.perf_counter() - began
    old_bytes, old_render_s = sent(old)
    return {
        "programs": len(catalog),
        "markers": result.total,
        "payload_kb": round(compact_bytes / 1024, 1),
        "table_kb": round(len(table.script.encode("utf-8")) / 1024, 1),
        "table_build_ms": round(table_s * 1000, 1),
        "map_build_and_render_ms": round((build_s + compact_render_s) * 1000, 1),
        "before_payload_kb": round(old_bytes / 1024, 1),
        "before_build_and_render_ms": round((old_build_s + old_render_s) * 1000, 1),
    }


def load_times(data_dir: Path, runs: int = 5) -> dict[str, object]:
    """Load the live dataset: validating it, then from the kept validation (``finder.validated``)."""
    from finder.validated import cache_path, load_validated

    cache_path(data_dir).unlink(missing_ok=True)
    began = time.perf_counter()
    load_validated(data_dir / "providers.csv")
    validate_s = time.perf_counter() - began
    cached = []
    for _ in range(runs):
        began = time.perf_counter()
        loaded = load_validated(data_dir / "providers.csv")
        cached.append(time.perf_counter() - began)
    return {"programs": len(loaded.programs), "validate_s": round(validate_s, 2),
            "cached_ms": round(_median_ms(cached), 1)}


def run_server(runs: int, query: str) -> dict[str, object]:
    """Every server-side figure: shipped data and the national scale test."""
    report: dict[str, object] = {"machine": machine(), "runs": runs, "query": query}
    shipped = Path(tempfile.mkdtemp(prefix="bench-server-shipped-"))
    national = Path(tempfile.mkdtemp(prefix="bench-server-national-"))
    try:
        for name in ("providers.csv", "providers.meta.json"):
            shutil.copy(ROOT / "data" / name, shipped / name)
        national_data_dir(national)
        report["load_national"] = load_times(national)
        report["load_shipped"] = load_times(shipped)
        report["reruns_shipped"] = server_reruns(shipped, runs, query)
        report["reruns_national"] = server_reruns(national, runs, query)
        report["map_national"] = map_payload(national)
    finally:
        shutil.rmtree(shipped, ignore_errors=True)
        shutil.rmtree(national, ignore_errors=True)
    report["machine"]["load_average_after"] = os.getloadavg()  # type: ignore[index]
    return report


def render_server(report: dict[str, object]) -> str:
    """The server-side figures as Markdown tables, with the targets."""
    lines = [
        "| filter change (find page, warm) | shipped: render() ms | shipped: AppTest run ms "
        "| shipped: render(), map kept | 14,034 programs: render() ms | 14,034: AppTest run ms "
        "| 14,034: render(), map kept |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    shipped: dict = report["reruns_shipped"]  # type: ignore[assignment]
    national: dict = report["reruns_national"]  # type: ignore[assignment]
    for name in ("accepting", "insurance", "any distance"):
        a, b = shipped[name], national[name]
        lines.append(f"| {name} | {a['render_ms']} | {a['apptest_run_ms']} "
                     f"| {a['render_cached_map_ms']} | {b['render_ms']} | {b['apptest_run_ms']} "
                     f"| {b['render_cached_map_ms']} |")
    worst_shipped = max(shipped[n]["render_ms"] for n in ("accepting", "insurance", "any distance"))
    worst_national = max(national[n]["render_ms"]
                         for n in ("accepting", "insurance", "any distance"))
    m: dict = report["map_national"]  # type: ignore[assignment]
    ln: dict = report["load_national"]  # type: ignore[assignment]
    ls: dict = report["load_shipped"]  # type: ignore[assignment]
    def counts(figures: dict) -> str:  # type: ignore[type-arg]
        found = []
        for name, text in figures["counts"]:
            number = re.match(r"\*\*([\d,]+)", text)
            found.append(f"{name} {number.group(1) if number else 'none (the no-results message)'}")
        return ", ".join(found)

    lines += [
        "",
        "render() and AppTest run: the map of the new search is built (the kept maps are "
        "cleared before each change); \"map kept\": the change returns to a search whose map "
        "the server already rendered (the rerun of a page, or a filter ticked again), sent "
        "from the cache.",
        "",
        f"Programs found with each filter on: shipped data: {counts(shipped)}; "
        f"14,034 programs: {counts(national)}.",
        "",
        f"Target rerun <= {TARGET_RERUN_SHIPPED_MS:g} ms on the shipped data: slowest median "
        f"{worst_shipped} ms ({'met' if worst_shipped <= TARGET_RERUN_SHIPPED_MS else 'missed'}); "
        f"<= {TARGET_RERUN_NATIONAL_MS:g} ms at 14,034: {worst_national} ms "
        f"({'met' if worst_national <= TARGET_RERUN_NATIONAL_MS else 'missed'}).",
        "",
        f"Map of all {m['markers']:,} programs: {m['payload_kb']:,} KB a rerun "
        f"(target < {TARGET_MAP_PAYLOAD_KB:g} KB: "
        f"{'met' if m['payload_kb'] < TARGET_MAP_PAYLOAD_KB else 'missed'}), built and rendered "
        f"in {m['map_build_and_render_ms']} ms; the program table is {m['table_kb']:,} KB, built "
        f"in {m['table_build_ms']} ms once per dataset version and fetched once by the browser. "
        f"Before: {m['before_payload_kb']:,} KB and {m['before_build_and_render_ms']} ms.",
        "",
        f"Loading the dataset: {ln['programs']:,} programs validated in {ln['validate_s']} s, "
        f"then {ln['cached_ms']} ms from the kept validation; shipped ({ls['programs']}): "
        f"{ls['validate_s']} s, then {ls['cached_ms']} ms.",
    ]
    mm: dict = report["machine"]  # type: ignore[assignment]
    lines += ["", f"Machine: {mm['cpu']}, {mm['cores']} cores (shared), load average "
              f"{mm['load_average'][0]:.1f} before and {mm['load_average_after'][0]:.1f} after; "
              f"{report['runs']} on/off pairs per change."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print Markdown (or JSON with ``--json``)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=7, help="repeats per figure (>= 5)")
    parser.add_argument("--query", default="02139", help="the search in the URL (a ZIP or town)")
    parser.add_argument("--json", action="store_true", help="print the raw figures as JSON")
    parser.add_argument("--server", action="store_true",
                        help="server-side figures only (reruns, map payload, loading), no browser")
    parser.add_argument("--data", choices=("shipped", "national"), default="shipped",
                        help="the browser run's dataset: data/ or the 14,034-program scale test")
    args = parser.parse_args(argv)
    if args.server:
        report = run_server(max(args.runs, 1), args.query)
        print(json.dumps(report, indent=2) if args.json else render_server(report))
        return 0
    report = run(max(args.runs, 1), args.query, args.data)
    print(json.dumps(report, indent=2) if args.json else render(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

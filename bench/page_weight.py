"""Page weight and time to interactive of a phone's station page on a slow mobile network.

    .venv/bin/python bench/page_weight.py               # 3 cold loads per network profile
    .venv/bin/python bench/page_weight.py --runs 5 --profiles slow-3g

Starts the real server exactly as the browser tests do (`gallery serve`, gunicorn + gevent, on a
free 127.0.0.1 port, its own process group, seeded with `gallery demo`), then opens a phone
station page in Chromium (Debian's, driven by playwright; 360x740, de-DE) with an empty cache
(a fresh browser context per run) and the network throttled through the DevTools protocol
(`Network.emulateNetworkConditions`). Per run and as a median it prints:

* interactive: from the start of navigation until a participant can write a note, post it and
  have it kept: the page has painted (`first-contentful-paint`: the form is on screen, styled)
  and a submit handler is on the note form (the page's own script that hands the note to the
  outbox: static/js/outbox.js, which the page carries inline right below the form, as it does
  its stylesheet; it used to be station.js, a second round trip after the HTML), whichever
  comes later. From then on a posted note is kept in localStorage and leaves by HTTP POST, or over
  Socket.IO once that is connected.
* HTML arrived: the document's `responseEnd`, the floor for the figure above on a page that
  needs nothing else to work. It can come a little after interactive: the form and its script
  sit above the list of notes, which may still be arriving.
* live: until the socket has joined the station's room (`#connection` turns to "●"): the phone
  now also hears others' notes, +1s, the rotation. Not part of the target.

All three are taken inside the page and read from its performance timeline (no polling
error): a script added through the DevTools protocol before the page's own (page CSP does not
apply to it) wraps `EventTarget.prototype.addEventListener` and sets a mark when a `submit`
listener is added to `#note-form` (by whichever script: inline or a file), and another when
`#connection` first shows "●". It needs nothing from the app, so older versions of the page
are measured by the same rule.
* transferred: the sum of `encodedDataLength` over `Network.loadingFinished` (bytes on the
  wire: headers + gzip-compressed bodies, inline code and style included), once for what the
  phone needed to be interactive (the whole HTML and any file finished by then) and once for
  everything up to live (the Socket.IO client and its handshake polls included; the
  WebSocket frames after the upgrade are not: a few hundred bytes). The target applies to the
  whole page, i.e. the figure up to live.
* the next station: the same figures once, for a visit to another station's page right after
  one to the first (the cache holds the files the first loaded, as on a walk), only that
  second visit throttled.

After the timed runs, one more cold load per profile proves the definition: it types a note
and posts it the moment `outbox-ready` is set (station.js and the Socket.IO client are not
loaded yet), checks that it is kept on the phone and then stored on the server, and once the
page is live (station.js loaded, the socket joined and the outbox flushed again) that it is
stored exactly once and no longer waiting on the phone.

Targets: <= 60 KB transferred, <= 2 s interactive.

Network profiles (latency is per request: Chrome's throttle adds it once per request, not per
round trip, which is why DevTools multiplies the round-trip time it names):

* slow-3g   DevTools' "Slow 3G" preset (named "3G" since Chrome 126) exactly as DevTools and
            puppeteer's `PredefinedNetworkConditions['Slow 3G']` send it: 500 kbit/s x 0.8 =
            50,000 B/s down and up, latency 400 ms x 5 = 2,000 ms. The HTML alone takes
            about 2.1-2.2 s under it, so no page can be interactive within 2 s on this
            preset: the best it can do is to work as soon as its HTML is there.
* 400ms     the same bandwidth with the 400 ms latency the preset is named for.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser.conftest import (  # noqa: E402  (after the path fix above)
    CHROMIUM,
    CHROMIUM_ARGS,
    SCREENS,
    Server,
    _clean_env,
    _wait_until_up,
)
from tests.support import free_port, gallery_bin, stop  # noqa: E402

PROFILES = {
    "slow-3g": {"latency": 2000, "downloadThroughput": 50_000, "uploadThroughput": 50_000},
    "400ms": {"latency": 400, "downloadThroughput": 50_000, "uploadThroughput": 50_000},
}
TARGET_BYTES = 60 * 1024
TARGET_SECONDS = 2.0

# Runs before the page's scripts: marks the two moments on the page's performance timeline.
INSTRUMENT = """(() => {
  const once = name => performance.getEntriesByName(name).length || performance.mark(name);
  const add = EventTarget.prototype.addEventListener;
  EventTarget.prototype.addEventListener = function (type, listener, options) {
    if (type === 'submit' && this.id === 'note-form') once('outbox-ready');
    return add.call(this, type, listener, options);
  };
  new MutationObserver(() => {
    const status = document.getElementById('connection');
    if (status && status.textContent.startsWith('\\u25cf')) once('station-joined');
  }).observe(document, {childList: true, characterData: true, subtree: true});
})();"""

# Milliseconds since navigation start, read from the page's own performance timeline.
TIMELINE = """() => {
  const at = name => {
    const entry = performance.getEntriesByName(name)[0];
    return entry ? entry.startTime : null;
  };
  return {ready: at('outbox-ready'), paint: at('first-contentful-paint'),
          joined: at('station-joined'),
          html: performance.getEntriesByType('navigation')[0].responseEnd};
}"""
READY = "() => performance.getEntriesByName('outbox-ready').length > 0"
JOINED = "() => performance.getEntriesByName('station-joined').length > 0"


def start_server(workdir: Path) -> tuple[subprocess.Popen, Server]:
    """`gallery serve` with the browser tests' command line and environment."""
    gallery = gallery_bin()
    if gallery is None:
        sys.exit("the gallery console script is not installed (pip install -e .)")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = _clean_env(workdir)
    log = workdir / "serve.log"
    db = workdir / "gallery.db"
    command = [gallery, "serve", "--host", "127.0.0.1", "--port", str(port), "--db", str(db)]
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*command, "--public-url", url],
            cwd=workdir,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    _wait_until_up(process, url, log)
    return process, Server(url=url, db=db, workdir=workdir, gallery=Path(gallery), env=env)


class Wire:
    """Every request of one page as the DevTools protocol reports it."""

    def __init__(self, cdp) -> None:
        self.urls: dict[str, str] = {}
        self.sizes: dict[str, int] = {}
        self.encodings: dict[str, str] = {}
        self.sent: dict[str, float] = {}
        self.done: dict[str, float] = {}
        cdp.on("Network.requestWillBeSent", self.request)
        cdp.on("Network.responseReceived", self.response)
        cdp.on("Network.loadingFinished", self.finished)

    def request(self, event) -> None:
        self.sent.setdefault(event["requestId"], event["timestamp"])
        self.urls.setdefault(event["requestId"], event["request"]["url"])

    def response(self, event) -> None:
        headers = {k.lower(): v for k, v in event["response"]["headers"].items()}
        self.encodings[event["requestId"]] = headers.get("content-encoding", "-")

    def finished(self, event) -> None:
        rid = event["requestId"]
        self.sizes[rid] = self.sizes.get(rid, 0) + int(event["encodedDataLength"])
        self.done[rid] = event["timestamp"]

    def clear(self) -> None:
        """Forget the requests so far (a previous page's)."""
        for record in (self.urls, self.sizes, self.encodings, self.sent, self.done):
            record.clear()

    def resources(self) -> list[tuple[str, int, str, float, float]]:
        """(url, bytes, encoding, requested, finished) in seconds since the document's
        request, which is navigation start to within a millisecond."""
        zero = min(self.sent.values())
        return sorted(
            (
                (self.urls.get(rid, rid), size, self.encodings.get(rid, "-"),
                 self.sent[rid] - zero, self.done[rid] - zero)
                for rid, size in self.sizes.items() if rid in self.sent
            ),
            key=lambda item: item[3],
        )  # fmt: skip


UNTHROTTLED = {"latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}


def throttled_page(browser, conditions: dict):
    context = browser.new_context(**SCREENS["phone"])
    context.add_init_script(INSTRUMENT)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {"offline": False, **conditions})
    return context, page, Wire(cdp), cdp


def station_visit(browser, url: str, conditions: dict, after: str | None = None) -> dict:
    """Seconds to interactive and live, bytes on the wire: of a first visit with an empty
    cache, or with `after`, of the visit to `url` right after one to `after` (the phone's next
    station: its cache holds the files `after` loaded), only that second visit throttled."""
    context, page, wire, cdp = throttled_page(browser, UNTHROTTLED if after else conditions)
    try:
        if after:
            page.goto(after, wait_until="commit", timeout=60_000)
            page.wait_for_function(JOINED, polling=50, timeout=60_000)
            cdp.send("Network.emulateNetworkConditions", {"offline": False, **conditions})
            wire.clear()
        page.goto(url, wait_until="commit", timeout=60_000)
        page.wait_for_function(JOINED, polling=50, timeout=60_000)
        page.wait_for_function(
            "() => performance.getEntriesByName('first-contentful-paint').length > 0",
            polling=50, timeout=10_000,
        )  # fmt: skip
        page.wait_for_timeout(200)  # let the last loadingFinished events arrive
        marks = page.evaluate(TIMELINE)
        interactive = max(marks["ready"], marks["paint"]) / 1000
        live = marks["joined"] / 1000
        resources = [r for r in wire.resources() if r[4] <= live + 0.05]
        # What the phone had to load to be interactive: the whole HTML (its tail, the list of
        # notes, may arrive just after) and every file finished by then.
        early = max(interactive, marks["html"] / 1000) + 0.005
        return {
            "seconds": interactive,
            "ready": marks["ready"] / 1000,
            "paint": marks["paint"] / 1000,
            "html": marks["html"] / 1000,
            "live": live,
            "bytes": sum(r[1] for r in resources),
            "bytes_interactive": sum(r[1] for r in resources if r[4] <= early),
            "requests_interactive": sum(1 for r in resources if r[4] <= early),
            "requests": len(resources),
            "resources": resources,
        }
    finally:
        context.close()


def prove(browser, server: Server, token: str, url: str, conditions: dict) -> str:
    """Post a note the moment the page says it is interactive: it must be kept on the phone
    at once, stored on the server, and still stored exactly once when the page has gone live
    (station.js and the socket have taken over the outbox and flushed it again)."""
    context, page, _, _ = throttled_page(browser, conditions)
    try:
        text = f"Gleich beim Laden geschrieben {os.urandom(3).hex()}"
        page.goto(url, wait_until="commit", timeout=60_000)
        page.wait_for_function(READY, polling=20, timeout=60_000)
        posted_at = page.evaluate("performance.now()") / 1000
        socket = page.evaluate("Boolean(window.io)")
        station_js = page.evaluate(
            "performance.getEntriesByType('resource').some(e => e.name.includes('/station.js'))"
        )
        page.fill("#note-text", text)
        page.click("#note-submit")
        kept = page.evaluate(
            "([token, text]) => (localStorage.getItem('gallery.outbox.' + token) || '')"
            ".includes(text) || [...document.querySelectorAll('#notes .note__text')]"
            ".some(p => p.textContent === text)",
            [token, text],
        )
        deadline = time.monotonic() + 60
        stored = 0
        while time.monotonic() < deadline:
            stored = sum(1 for note in server.notes(token) if note["text"] == text)
            if stored:
                break
            time.sleep(0.1)
        saved_at = page.evaluate("performance.now()") / 1000
        page.wait_for_function(JOINED, polling=50, timeout=60_000)
        time.sleep(1)
        stored = sum(1 for note in server.notes(token) if note["text"] == text)
        waiting = page.evaluate(
            "token => JSON.parse(localStorage.getItem('gallery.outbox.' + token) || '[]').length",
            token,
        )
        shown = page.locator("#notes .note__text", has_text=text).count()
        ok = kept and stored == 1 and waiting == 0 and shown == 1
        return (
            f"{'OK' if ok else 'FAILED'}: posted at {posted_at:.2f} s "
            f"(station.js {'loaded' if station_js else 'not loaded yet'}, the Socket.IO client "
            f"{'loaded' if socket else 'not loaded yet'}), "
            f"{'kept on the phone' if kept else 'NOT kept'}, stored on the server by "
            f"{saved_at:.2f} s; once live: stored {stored}x, {waiting} waiting on the phone, "
            f"shown {shown}x"
        )
    finally:
        context.close()


def verdict(value: float, target: float) -> str:
    if value <= target:
        return f"met ({value / target:.0%} of the target)"
    return f"MISSED by {value - target:.{0 if target > 100 else 2}f} ({value / target:.0%})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="cold loads per profile")
    parser.add_argument("--profiles", default="slow-3g,400ms", help=",".join(PROFILES))
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="page-weight-") as tmp:
        process, server = start_server(Path(tmp))
        try:
            links = server.demo()
            station = links["stations"][0]
            url = station["url"]
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
                )
                station_visit(browser, url, UNTHROTTLED)  # warm the server
                for name in args.profiles.split(","):
                    conditions = PROFILES[name]
                    runs = [station_visit(browser, url, conditions) for _ in range(args.runs)]
                    print(f"\n== {name}: latency {conditions['latency']} ms, "
                          f"{conditions['downloadThroughput']} B/s down/up, {url}")  # fmt: skip
                    for run in runs:
                        print(f"  run: interactive {run['seconds']:.2f} s (painted "
                              f"{run['paint']:.2f}, outbox ready {run['ready']:.2f}; HTML "
                              f"arrived {run['html']:.2f}) after "
                              f"{run['requests_interactive']} requests, "
                              f"{run['bytes_interactive']:,} B; live {run['live']:.2f} s after "
                              f"{run['requests']} requests, {run['bytes']:,} B")  # fmt: skip
                    print("  last run: requested -> finished (s), bytes on the wire, encoding")
                    for resource, size, encoding, start, end in runs[-1]["resources"]:
                        print(f"    {start:5.2f} -> {end:5.2f}  {size:>7,}  {encoding:<5} "
                              f"{resource.replace(server.url, '')[:70]}")  # fmt: skip
                    weight = statistics.median(run["bytes"] for run in runs)
                    early = statistics.median(run["bytes_interactive"] for run in runs)
                    seconds = statistics.median(run["seconds"] for run in runs)
                    floor = statistics.median(run["html"] for run in runs)
                    live = statistics.median(run["live"] for run in runs)
                    print(f"  transferred (median): {weight / 1024:.1f} KB up to live "
                          f"({early / 1024:.1f} KB up to interactive) "
                          f"-> target <= {TARGET_BYTES / 1024:.0f} KB: "
                          f"{verdict(weight, TARGET_BYTES)}")  # fmt: skip
                    print(f"  interactive (median): {seconds:.2f} s "
                          f"(floor: the HTML arrived at {floor:.2f} s) "
                          f"-> target <= {TARGET_SECONDS:.0f} s: "
                          f"{verdict(seconds, TARGET_SECONDS)}")  # fmt: skip
                    print(f"  live (median, no target): {live:.2f} s")
                    nxt = station_visit(browser, links["stations"][1]["url"], conditions, after=url)
                    print(f"  the next station (files cached by this one): interactive "
                          f"{nxt['seconds']:.2f} s (HTML arrived {nxt['html']:.2f}) after "
                          f"{nxt['requests_interactive']} requests, "
                          f"{nxt['bytes_interactive']:,} B; live {nxt['live']:.2f} s after "
                          f"{nxt['requests']} requests, {nxt['bytes']:,} B")  # fmt: skip
                    proof = prove(browser, server, station["token"], url, conditions)
                    print(f"  a note posted at interactive: {proof}")
                browser.close()
        finally:
            stop(process)


if __name__ == "__main__":
    main()

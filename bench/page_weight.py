"""Page weight and time to interactive of a phone's station page on a slow mobile network.

    .venv/bin/python bench/page_weight.py               # 3 cold loads per network profile
    .venv/bin/python bench/page_weight.py --runs 5 --profiles slow-3g

Starts the real server exactly as the browser tests do (`gallery serve`, gunicorn + gevent, on a
free 127.0.0.1 port, its own process group, seeded with `gallery demo`), then opens a phone
station page in Chromium (Debian's, driven by playwright; 360x740, de-DE) with an empty cache
(a fresh browser context per run) and the network throttled through the DevTools protocol
(`Network.emulateNetworkConditions`). It prints, per run and as a median:

* transferred: the sum of `encodedDataLength` over `Network.loadingFinished` (bytes on the wire:
  headers + gzip-compressed bodies, Socket.IO's polling requests included) up to interactive;
  the WebSocket frames after the upgrade are not in it (a few hundred bytes);
* interactive: from the start of navigation until the post button is enabled and the socket has
  joined the station (`#connection` shows "●"), i.e. the phone can post and hear others.

Targets: <= 60 KB transferred, <= 2 s interactive.

Network profiles (latency is per request: Chrome's throttle adds it once per request, not per
round trip, which is why DevTools multiplies the round-trip time it names):

* slow-3g   DevTools' "Slow 3G" preset (named "3G" since Chrome 126) exactly as DevTools and
            puppeteer's `PredefinedNetworkConditions` send it: 500 kbit/s x 0.8 = 50,000 B/s down
            and up, latency 400 ms x 5 = 2,000 ms.
* 400ms     the same bandwidth with the 400 ms latency the preset is named for.
"""

from __future__ import annotations

import argparse
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

INTERACTIVE = """() => {
  const button = document.getElementById('note-submit');
  const status = document.getElementById('connection');
  return button && !button.disabled && status && status.textContent.startsWith('●');
}"""


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


def cold_load(browser, url: str, conditions: dict) -> dict:
    """One first visit with an empty cache: bytes on the wire and seconds to interactive."""
    context = browser.new_context(**SCREENS["phone"])
    try:
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.emulateNetworkConditions", {"offline": False, **conditions})
        urls: dict[str, str] = {}
        sizes: dict[str, int] = {}
        encodings: dict[str, str] = {}
        sent: dict[str, float] = {}
        done: dict[str, float] = {}

        def request(event):
            sent.setdefault(event["requestId"], event["timestamp"])

        def response(event):
            urls[event["requestId"]] = event["response"]["url"]
            headers = {k.lower(): v for k, v in event["response"]["headers"].items()}
            encodings[event["requestId"]] = headers.get("content-encoding", "-")

        def finished(event):
            sizes[event["requestId"]] = sizes.get(event["requestId"], 0) + int(
                event["encodedDataLength"]
            )
            done[event["requestId"]] = event["timestamp"]

        cdp.on("Network.requestWillBeSent", request)
        cdp.on("Network.responseReceived", response)
        cdp.on("Network.loadingFinished", finished)
        started = time.perf_counter()
        page.goto(url, wait_until="commit", timeout=60_000)
        page.wait_for_function(INTERACTIVE, polling=20, timeout=60_000)
        interactive = time.perf_counter() - started
        page.wait_for_timeout(200)  # let the last loadingFinished events arrive
        zero = min(sent.values())
        resources = sorted(
            (
                (urls.get(rid, rid), size, encodings.get(rid, "-"),
                 sent.get(rid, zero) - zero, done[rid] - zero)
                for rid, size in sizes.items()
            ),
            key=lambda item: item[3],
        )  # fmt: skip
        return {
            "bytes": sum(item[1] for item in resources),
            "seconds": interactive,
            "resources": resources,
        }
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
            url = links["stations"][0]["url"]
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
                )
                cold_load(browser, url, {"latency": 0, "downloadThroughput": -1,
                                         "uploadThroughput": -1})  # warm the server  # fmt: skip
                for name in args.profiles.split(","):
                    conditions = PROFILES[name]
                    runs = [cold_load(browser, url, conditions) for _ in range(args.runs)]
                    print(f"\n== {name}: latency {conditions['latency']} ms, "
                          f"{conditions['downloadThroughput']} B/s down/up, {url}")  # fmt: skip
                    for run in runs:
                        print(f"  run: {run['bytes']:,} B, {run['seconds']:.2f} s")
                    print("  last run: requested -> finished (s), bytes on the wire, encoding")
                    for resource, size, encoding, start, end in runs[-1]["resources"]:
                        print(f"    {start:5.2f} -> {end:5.2f}  {size:>7,}  {encoding:<5} "
                              f"{resource.replace(server.url, '')[:70]}")  # fmt: skip
                    weight = statistics.median(run["bytes"] for run in runs)
                    seconds = statistics.median(run["seconds"] for run in runs)
                    print(f"  transferred (median): {weight / 1024:.1f} KB "
                          f"-> target <= {TARGET_BYTES / 1024:.0f} KB: "
                          f"{verdict(weight, TARGET_BYTES)}")  # fmt: skip
                    print(f"  interactive (median): {seconds:.2f} s "
                          f"-> target <= {TARGET_SECONDS:.0f} s: "
                          f"{verdict(seconds, TARGET_SECONDS)}")  # fmt: skip
                browser.close()
        finally:
            stop(process)


if __name__ == "__main__":
    main()

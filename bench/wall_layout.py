"""The projected wall in the browser: how long 200 notes take to settle, what a new note costs.

    .venv/bin/python bench/wall_layout.py                 # 3 cold loads, 10 notes; ~1 minute
    .venv/bin/python bench/wall_layout.py --notes 500 --runs 5 --posts 20
    .venv/bin/python bench/wall_layout.py --profile       # + a CPU profile of the wall's JS

Starts the real server as the browser tests do (`gallery serve`, gunicorn + gevent, a free
127.0.0.1 port, its own process group, rate limits off), creates the rehearsal wall with
`gallery demo --notes N` (four stations, N notes with +1s, replies and dots, vote phase) and
opens its wall URL (facilitator key) in Debian's Chromium, headless, 1920x1080, de-DE, a fresh
browser context (empty cache and localStorage) per cold load. Everything is measured inside the
page with the performance API; a script added before the page's own (it changes nothing in
static/js/wall.js) wraps `window.io` so that every Socket.IO handler and ack callback of the
wall is timed (`performance.now()` before and after: the JS plus the layouts it forces), and
wraps `WebSocket.prototype.onmessage` to note when a frame arrived (JSON decoding included).

(a) Settle, per cold load. A requestAnimationFrame loop, from before the page's scripts run,
    takes each frame: how many `#columns li.sticky` there are,
    `document.getAnimations().length`, and a layout signature (the rounded boxes of every column
    body, group and sticky, whether each is hidden, each column body's font size). The wall is
    *settled* at the first frame at which (1) all N notes are in the DOM as `#columns li.sticky`
    (cards the fit pass holds back or folds away stay in the DOM, hidden, if need be as shells),
    (2) no animation or transition runs, and (3) the signature stays the same for the next 2
    frames. Printed from navigation start (the figure the target is about), from the HTML's
    arrival (`responseEnd`: the browser's own part, which a busy server does not stretch), with
    the first frame that holds every note, and, if it came first, from the moment the wall's
    state arrived (the `join_wall` ack callback starts; the page carries the state, so the wall
    usually draws before that, and the ack redraws only what changed). Cards held back may be
    shells (their text only) since 2026-12-07. The loop watches 3 s more: if the layout changes
    again after "settled" (a late `clusters_updated`, a web font), it is said, with the last
    change.
    Also: the ack callback's own time (`load()`: render of all columns + fit, one task), how
    often it reads an element's `scrollHeight` (the wall's overflowing() does; each read after a
    change forces a layout), long tasks (PerformanceObserver 'longtask', > 50 ms) during the
    load, and a refit: the viewport is made 1 px shorter (then back), a real resize, and the
    busiest frame in the 0.4 s after is timed (from its first requestAnimationFrame callback,
    the bench's, queued before the wall's, to a MessageChannel task posted from it, which runs
    once the frame is drawn): whatever the wall does about a resize (a `resize` listener or a
    ResizeObserver, then a rAF: fit() or a whole render()), and the frame's style, layout, paint.
    And a full re-render: clicking the view toggle (clustered -> flat -> clustered) runs
    render() synchronously inside click(): timed around click().

(b) A new note, on the last cold load's page: the wall is switched to the collect phase (its
    own phase button; the demo is in the vote phase, which refuses notes), then `--posts`
    notes are posted 1 s apart through `POST /api/v1/stations/<token>/notes` to the first
    station. For each `note_posted`: script = from the WebSocket frame's arrival to the end of
    the wall's handler (addNote -> renderColumn: rebuild the column, fit it, FLIP glide);
    frame = from the next requestAnimationFrame to the end of that frame's rendering (a
    MessageChannel task posted from the rAF callback runs after style, layout and paint);
    repaint = script + frame, the main thread's work for the note (the target); to screen =
    from the frame's arrival to the end of the next frame drawn, idle wait for vsync
    included. The same for the `clusters_updated` that follows each note ~0.15 s later (the
    note moves into its group and glides there). Cross-check from the DevTools protocol:
    `Performance.getMetrics` before each post and 0.9 s after (ScriptDuration,
    LayoutDuration, RecalcStyleDuration, TaskDuration deltas: everything the page's main
    thread did for that note, both re-renders and the glide included).

--profile: one more cold load and --posts notes under the V8 sampling profiler (CDP
`Profiler`, 100 us), not timed; prints the heaviest functions by self time (a forced layout is
charged to the function that asked for the geometry: `get scrollHeight` is the bench's counting
wrapper, called by the wall's overflowing()) and the wall's own functions (WALL_SCRIPTS) with
their callees.

The first lines name the machine (cores, CPU, load: the figures move with it) and the code
served: the commit and the blobs of the wall's scripts and gallery.css (`git hash-object`),
with a note when the working tree differs. To measure another version, export it and put it first:
`git archive <rev> | tar -x -C /tmp/v && PYTHONPATH=/tmp/v .venv/bin/python bench/wall_layout.py`.

Targets (issue 18): settled <= 300 ms; a new note's repaint <= 16 ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from page_weight import start_server  # noqa: E402  (the browser tests' `gallery serve`)

from tests.browser.conftest import (  # noqa: E402  (after the path fix above)
    CHROMIUM,
    CHROMIUM_ARGS,
    SCREENS,
    Server,
)
from tests.support import stop  # noqa: E402

TARGET_SETTLE_MS = 300.0
TARGET_REPAINT_MS = 16.0
WATCH_AFTER_SETTLE_MS = 3000
# The wall page's own scripts (templates/wall/wall.html inlines them): wall.js and its parts.
WALL_SCRIPTS = ("wall.js", "wall_columns.js", "wall_edit.js", "wall_moderation.js",
                "wall_walk.js", "wall_fit.js")  # fmt: skip

# Runs before the page's scripts. Changes nothing the wall does; only times it.
INSTRUMENT = r"""(() => {
  const B = window.__bench = {calls: [], frames: [], longtasks: [], stop: false};
  const now = () => performance.now();
  try {
    new PerformanceObserver(list => {
      for (const e of list.getEntries()) B.longtasks.push([e.startTime, e.duration]);
    }).observe({type: 'longtask', buffered: true});
  } catch (e) { B.longtasks = null; }

  // When a WebSocket frame arrived (before engine.io decodes it).
  let arrived = null;
  const proto = WebSocket.prototype;
  const desc = Object.getOwnPropertyDescriptor(proto, 'onmessage');
  Object.defineProperty(proto, 'onmessage', {
    configurable: true, enumerable: true,
    get() { return this.__benchOn || null; },
    set(fn) {
      this.__benchOn = fn;
      desc.set.call(this, typeof fn !== 'function' ? fn : function (ev) {
        arrived = now();
        // Socket.IO hands a decoded packet to its handlers in a microtask (its nextTick):
        // forget the arrival only after that one has run.
        try { return fn.call(this, ev); } finally { queueMicrotask(() => { arrived = null; }); }
      });
    },
  });

  // How often the page reads an element's scrollHeight (the wall's overflowing() does, and
  // each read after a change forces a layout).
  B.reads = 0;
  const sh = Object.getOwnPropertyDescriptor(Element.prototype, 'scrollHeight');
  Object.defineProperty(Element.prototype, 'scrollHeight', {
    configurable: true, enumerable: true,
    get() { B.reads++; return sh.get.call(this); },
  });

  // After the frame that follows t: [rAF time, end of that frame's rendering].
  function afterFrame(record) {
    requestAnimationFrame(() => {
      record.raf = now();
      const channel = new MessageChannel();
      channel.port1.onmessage = () => { record.drawn = now(); };
      channel.port2.postMessage(0);
    });
  }
  B.afterFrame = afterFrame;

  function timed(name, fn) {
    return function () {
      const record = {name, arrived: arrived, start: now(), reads: B.reads};
      arrived = null;
      try { return fn.apply(this, arguments); } finally {
        record.end = now();
        record.reads = B.reads - record.reads;
        B.calls.push(record);
        afterFrame(record);
      }
    };
  }

  // window.io is set by the Socket.IO bundle; wrap the sockets it makes.
  let realIo;
  Object.defineProperty(window, 'io', {
    configurable: true,
    get() { return realIo; },
    set(io) {
      const wrapped = function () {
        const socket = io.apply(this, arguments);
        const on = socket.on, emit = socket.emit;
        socket.on = function (event, fn) {
          return on.call(this, event, typeof fn === 'function' ? timed(event, fn) : fn);
        };
        socket.emit = function (event) {
          const args = Array.prototype.slice.call(arguments);
          const last = args.length - 1;
          if (last > 0 && typeof args[last] === 'function') {
            args[last] = timed('ack:' + event, args[last]);
          }
          return emit.apply(this, args);
        };
        // socket.timeout(ms).emit(...) goes through the same emit.
        return socket;
      };
      Object.assign(wrapped, io);
      realIo = wrapped;
    },
  });

  // The settle loop: one entry per frame.
  let last = null;
  function signature() {
    const parts = [];
    const columns = document.getElementById('columns');
    if (!columns) return ['', 0];
    const nodes = columns.querySelectorAll('.column__body, .group, li.sticky');
    for (const n of nodes) {
      const r = n.getBoundingClientRect();
      parts.push(Math.round(r.left), Math.round(r.top), Math.round(r.width), Math.round(r.height),
                 n.hidden ? 1 : 0);
      if (n.classList.contains('column__body')) parts.push(n.style.fontSize);
    }
    return [parts.join(','), columns.querySelectorAll('li.sticky').length];
  }
  function frame() {
    if (B.stop) return;
    const t = now();
    const [sig, stickies] = signature();
    const animations = document.getAnimations().length;
    B.frames.push([t, stickies, animations, sig !== last ? 1 : 0, now() - t]);
    last = sig;
    requestAnimationFrame(frame);
  }
  requestAnimationFrame(frame);
})();"""


def machine() -> str:
    model = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    return f"{os.cpu_count()} cores, {model}, load {load}"


def code_version() -> str:
    """What the server will serve: the commit, and the blobs of the wall's own files (others
    may be editing them; PYTHONPATH=<an exported tree> serves another version)."""

    def run(*argv: str, cwd: Path = ROOT) -> str:
        done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else "?"

    # As the server finds it (its cwd is not the checkout).
    package = run(sys.executable, "-c", "import gallery; print(gallery.__file__)", cwd=Path("/"))
    served = Path(package).resolve().parents[1] if package != "?" else ROOT
    files = [f"static/js/{name}" for name in WALL_SCRIPTS] + ["static/css/gallery.css"]
    blobs = ", ".join(
        f"{f.rsplit('/', 1)[-1]} {run('git', 'hash-object', str(served / f))[:10]}" for f in files
    )
    if served != ROOT.resolve():
        return f"served from {served}; {blobs}"
    dirty = run("git", "status", "--porcelain", "--", *files, "templates/wall")
    return f"commit {run('git', 'rev-parse', '--short', 'HEAD')}; {blobs}" + (
        " (uncommitted changes in the working tree)" if dirty else ""
    )


def settled(frames: list, notes: int) -> dict:
    """Frames are [t, stickies, animations, changed, cost]; see the module's docstring."""
    out = {"settled": None, "last_change": None, "later_change": False}
    for i in range(len(frames) - 2):
        t, stickies, animations, _, _ = frames[i]
        if stickies < notes or animations:
            continue
        if frames[i + 1][3] or frames[i + 2][3]:
            continue
        if frames[i + 1][2] or frames[i + 2][2]:
            continue
        out["settled"] = t
        later = [f[0] for f in frames[i + 1 :] if f[3]]
        if later:
            out["later_change"] = True
            out["last_change"] = later[-1]
        break
    return out


def new_wall_page(browser):
    context = browser.new_context(**SCREENS["wall"])
    context.set_default_timeout(30_000)
    context.add_init_script(INSTRUMENT)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    return context, page, errors


def cold_load(browser, wall_url: str, notes: int, fits: int) -> tuple[dict, object, object]:
    context, page, errors = new_wall_page(browser)
    page.goto(wall_url, wait_until="load")
    page.wait_for_function(
        "n => document.querySelectorAll('#columns li.sticky').length >= n", arg=notes
    )
    # Watch until settled + 3 s.
    deadline = time.monotonic() + 20
    result = {}
    while time.monotonic() < deadline:
        frames = page.evaluate("() => window.__bench.frames")
        result = settled(frames, notes)
        if (
            result["settled"] is not None
            and frames[-1][0] - result["settled"] > WATCH_AFTER_SETTLE_MS
        ):
            break
        time.sleep(0.25)
    page.evaluate("() => { window.__bench.stop = true; }")
    data = page.evaluate(
        """n => {
          const B = window.__bench, nav = performance.getEntriesByType('navigation')[0];
          const all = B.frames.find(f => f[1] >= n);  // the first frame with every note
          return {calls: B.calls, longtasks: B.longtasks, frames: B.frames.length,
                  drawn: all ? all[0] : null,
                  scripts: Math.max(0, ...performance.getEntriesByType('resource')
                    .filter(e => e.initiatorType === 'script' || e.initiatorType === 'link')
                    .map(e => e.responseEnd)),
                  probe: B.frames.map(f => f[4]),
                  dcl: nav.domContentLoadedEventEnd, load: nav.loadEventEnd,
                  response: nav.responseEnd};
        }""",
        notes,
    )
    ack = next((c for c in data["calls"] if c["name"] == "ack:join_wall"), None)
    connect = next((c for c in data["calls"] if c["name"] == "connect"), None)
    result.update(
        drawn=data["drawn"],
        scripts=data["scripts"],
        connect=connect["start"] if connect else None,
        ack_reads=ack["reads"] if ack else None,
        ack_start=ack["start"] if ack else None,
        ack_js=(ack["end"] - ack["start"]) if ack else None,
        ack_frame=(ack["drawn"] - ack["raf"]) if ack and "drawn" in ack else None,
        longtasks=data["longtasks"],
        dcl=data["dcl"],
        response=data["response"],
        probe_ms=statistics.median(data["probe"]) if data["probe"] else 0.0,
        errors=errors,
    )
    # The refit on a real window resize (the viewport 1 px shorter, then back): whatever the
    # wall does about it (a resize listener or a ResizeObserver, then a rAF) lands in one of
    # the next frames; each frame is timed from its first rAF callback (the bench's, queued
    # before the wall's) to a MessageChannel task posted from it (runs once the frame is drawn).
    fit_times = []
    for i in range(fits):
        page.evaluate(
            """() => {
              const B = window.__bench;
              B.refit = [];
              B.refitOn = true;
              function loop() {
                requestAnimationFrame(() => {
                  if (!B.refitOn) return;
                  loop();
                  const t = performance.now(), reads = B.reads;
                  const ch = new MessageChannel();
                  ch.port1.onmessage = () => B.refit.push([performance.now() - t, B.reads - reads]);
                  ch.port2.postMessage(0);
                });
              }
              loop();
            }"""
        )
        page.wait_for_timeout(100)
        page.set_viewport_size({"width": 1920, "height": 1079 if i % 2 == 0 else 1080})
        page.wait_for_timeout(400)
        frames = page.evaluate(
            "() => { window.__bench.refitOn = false; return window.__bench.refit; }"
        )
        busiest = max(frames, key=lambda f: f[0]) if frames else [0.0, 0]
        fit_times.append({"frame": busiest[0], "reads": sum(f[1] for f in frames)})
    page.set_viewport_size(SCREENS["wall"]["viewport"])
    page.wait_for_timeout(300)
    result["fit"] = fit_times
    # A full re-render: the view toggle runs render() inside click().
    renders = []
    for _ in range(fits):
        renders.append(
            page.evaluate(
                """() => new Promise(done => {
                  const b = document.getElementById('toggle-view');
                  const t0 = performance.now(); b.click(); const t1 = performance.now();
                  b.click(); const t2 = performance.now();
                  requestAnimationFrame(() => {
                    const t3 = performance.now();
                    const ch = new MessageChannel();
                    ch.port1.onmessage = () => done({flat: t1 - t0, clustered: t2 - t1,
                                                     frame: performance.now() - t3});
                    ch.port2.postMessage(0);
                  });
                })"""
            )
        )
        page.wait_for_timeout(50)
    result["render"] = renders
    return result, context, page


TEXTS = [
    "Glasfaser auch für die Außenbereiche der Gemeinden",
    "Ein Bürgerportal, in dem alle Anträge an einer Stelle liegen",
    "Mobilfunklöcher an der B101 endlich schließen",
    "WLAN in allen Schulen und Bibliotheken des Landkreises",
    "Digitale Sprechstunde beim Hausarzt für ältere Leute",
    "Coworking-Räume in den kleinen Orten, damit Pendeln entfällt",
    "Förderprogramme verständlich erklären, auf einer Seite",
    "Smarte Straßenbeleuchtung spart Strom in den Dörfern",
    "Azubis über eine regionale App mit Betrieben zusammenbringen",
    "Vereine brauchen Hilfe bei Website und Datenschutz",
]


def to_collect(page) -> None:
    page.evaluate("() => document.querySelector('#phase-buttons [data-phase=collect]').click()")
    page.wait_for_function(
        "() => document.getElementById('wall-phase').dataset.phase === 'collect'"
    )
    page.wait_for_timeout(800)


def new_notes(page, server: Server, token: str, posts: int, label: str) -> dict:
    cdp = page.context.new_cdp_session(page)
    cdp.send("Performance.enable")
    metrics = []
    seen = page.evaluate("() => window.__bench.calls.length")
    for i in range(posts):
        before = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
        server.post_note(token, f"{TEXTS[i % len(TEXTS)]} ({label} {i + 1})")
        time.sleep(0.9)
        after = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
        metrics.append(
            {k: (after[k] - before[k]) * 1000 for k in
             ("ScriptDuration", "LayoutDuration", "RecalcStyleDuration", "TaskDuration")}
        )  # fmt: skip
        time.sleep(0.1)
    page.wait_for_timeout(300)
    calls = page.evaluate("n => window.__bench.calls.slice(n)", seen)
    out: dict[str, list] = defaultdict(list)
    for c in calls:
        if c["name"] not in ("note_posted", "clusters_updated") or "drawn" not in c:
            continue
        begin = c["arrived"] if c["arrived"] is not None else c["start"]
        out[c["name"]].append(
            {
                "script": c["end"] - begin,
                "handler": c["end"] - c["start"],
                "frame": c["drawn"] - c["raf"],
                "repaint": (c["end"] - begin) + (c["drawn"] - c["raf"]),
                "screen": c["drawn"] - begin,
                "ws": c["arrived"] is not None,
                "reads": c["reads"],
            }
        )
    out["metrics"] = metrics
    return out


def profile_pass(browser, server: Server, wall_url: str, token: str, notes: int, posts: int):
    context, page, _ = new_wall_page(browser)
    cdp = context.new_cdp_session(page)
    cdp.send("Profiler.enable")
    cdp.send("Profiler.setSamplingInterval", {"interval": 100})
    cdp.send("Profiler.start")
    page.goto(wall_url, wait_until="load")
    page.wait_for_function(
        "n => document.querySelectorAll('#columns li.sticky').length >= n", arg=notes
    )
    page.wait_for_timeout(1500)
    page.evaluate("() => { window.__bench.stop = true; }")  # the settle probe: not the wall's
    load_profile = cdp.send("Profiler.stop")["profile"]
    to_collect(page)
    cdp.send("Profiler.start")
    for i in range(posts):
        server.post_note(token, f"{TEXTS[i % len(TEXTS)]} (profile {i + 1})")
        time.sleep(1.0)
    notes_profile = cdp.send("Profiler.stop")["profile"]
    context.close()
    return load_profile, notes_profile


def self_times(profile: dict) -> tuple[list, list, float]:
    """By function (name, file:line, ms): self time, best first; the same with callees included
    (the functions of the wall's own scripts only, WALL_SCRIPTS: "wall page:<line>" since they
    are inline in the page, lines counted in the HTML); and the total sampled busy ms
    (idle excluded)."""
    nodes = {n["id"]: n for n in profile["nodes"]}
    parent = {c: n["id"] for n in profile["nodes"] for c in n.get("children", [])}

    def key(node_id: int) -> tuple[str, str]:
        frame = nodes[node_id]["callFrame"]
        url = frame["url"].rsplit("/", 1)[-1]
        if url.split("?")[0] == "wall":  # the wall's scripts, inline in its page since 2026-12-07
            url = "wall page"
        return (
            frame["functionName"] or "(anonymous)",
            f"{url}:{frame['lineNumber'] + 1}" if url else "",
        )

    own: dict[tuple, float] = defaultdict(float)
    whole: dict[tuple, float] = defaultdict(float)
    for sample, dt in zip(profile["samples"], profile["timeDeltas"], strict=False):
        own[key(sample)] += dt / 1000
        seen, node = set(), sample
        while node is not None:
            seen.add(key(node))
            node = parent.get(node)
        for k in seen:
            if k[1].startswith((*WALL_SCRIPTS, "wall page")):
                whole[k] += dt / 1000
    busy = sum(v for (name, _), v in own.items() if name != "(idle)")
    ranked = sorted(((n, w, v) for (n, w), v in own.items() if n != "(idle)"), key=lambda x: -x[2])
    inclusive = sorted(((n, w, v) for (n, w), v in whole.items()), key=lambda x: -x[2])
    return ranked, inclusive, busy


def fmt(values: list[float]) -> str:
    if not values:
        return "-"
    return f"median {statistics.median(values):6.1f}  max {max(values):6.1f}  (n={len(values)})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--notes", type=int, default=200, help="notes on the demo wall (200)")
    parser.add_argument("--runs", type=int, default=3, help="cold loads of the wall (3)")
    parser.add_argument("--posts", type=int, default=10, help="new notes, 1 s apart (10)")
    parser.add_argument("--fits", type=int, default=5, help="forced refits/re-renders a load (5)")
    parser.add_argument("--profile", action="store_true", help="also a CPU profile (untimed)")
    args = parser.parse_args()

    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sys.exit("playwright is not installed (pip install -e '.[test]')")
    if not Path(CHROMIUM).exists():
        sys.exit(f"{CHROMIUM} is missing (apt install chromium)")

    print(f"machine: {machine()}")
    print(f"code: {code_version()}")
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="wall-layout-") as tmp:
        process, server = start_server(Path(tmp))
        try:
            links = server.seed("demo", "--notes", str(args.notes))
            wall_url = links["workshop"]["wall_url"]
            token = links["stations"][0]["token"]
            print(f"server: {server.url}, demo wall of {args.notes} notes, "
                  f"{len(links['stations'])} stations "
                  f"(seeded in {time.monotonic() - started:.1f} s)")  # fmt: skip
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
                )
                print("Chromium", browser.version, "headless, 1920x1080\n")
                loads = []
                page = context = None
                for run in range(args.runs):
                    if context is not None:
                        context.close()
                    result, context, page = cold_load(browser, wall_url, args.notes, args.fits)
                    loads.append(result)
                    lt = result["longtasks"] or []
                    after = " (layout changed again later, last at "
                    after += f"{result['last_change']:.0f} ms)" if result["later_change"] else ""
                    print(
                        f"load {run + 1}: settled {result['settled']:.0f} ms after navigation "
                        f"start, every note drawn at {result['drawn']:.0f} ms, the state "
                        f"arrived at {result['ack_start']:.0f} ms; join_wall callback "
                        f"{result['ack_js']:.0f} ms JS + {result['ack_frame']:.0f} ms frame; "
                        f"long tasks {len(lt)}, {sum(d for _, d in lt):.0f} ms"
                        + (after if result["later_change"] else "")
                    )
                    if result["errors"]:
                        print("  page errors:", *result["errors"], sep="\n    ")
                to_collect(page)
                posted = new_notes(page, server, token, args.posts, "bench")
                context.close()
                profiles = None
                if args.profile:
                    profiles = profile_pass(
                        browser, server, wall_url, token, args.notes, args.posts
                    )
                browser.close()
        finally:
            stop(process)

    settle = [r["settled"] for r in loads]
    # The page carries the state since 0d05565: the wall draws before the join's answer.
    from_state = [r["settled"] - r["ack_start"] for r in loads if r["ack_start"] < r["settled"]]
    print(f"\n(a) settle, {args.notes} notes, {args.runs} cold loads (ms)")
    print(f"  from navigation start       {fmt(settle)}   target <= {TARGET_SETTLE_MS:.0f}:"
          f" {'met' if max(settle) <= TARGET_SETTLE_MS else 'NOT met'}")  # fmt: skip
    # The browser's own part: a busy server delays the HTML, and with it everything after.
    print(f"  from the HTML arriving      {fmt([r['settled'] - r['response'] for r in loads])}")
    print(f"  every note drawn            {fmt([r['drawn'] for r in loads])}")
    if from_state:
        print(f"  from the state arriving     {fmt(from_state)}")
    print(f"  HTML arrived (responseEnd)  {fmt([r['response'] for r in loads])}")
    print(f"  scripts and CSS arrived     {fmt([r['scripts'] for r in loads])}")
    print(f"  DOMContentLoaded end        {fmt([r['dcl'] for r in loads])}")
    print(f"  socket connected            {fmt([r['connect'] for r in loads])}")
    print(f"  state arrived (join ack)    {fmt([r['ack_start'] for r in loads])}")
    print(f"  join_wall callback JS       {fmt([r['ack_js'] for r in loads])}  (load+render+fit)")
    print(f"    scrollHeight reads in it  {fmt([r['ack_reads'] for r in loads])}")
    print(f"  its frame (style/layout/paint) {fmt([r['ack_frame'] for r in loads])}")
    fits = [f for r in loads for f in r["fit"]]
    print(f"  refit on a resize, busiest frame {fmt([f['frame'] for f in fits])}  (JS + drawing)")
    print(f"    scrollHeight reads        {fmt([f['reads'] for f in fits])}")
    print(f"  full render(), flat         {fmt([f['flat'] for r in loads for f in r['render']])}")
    print(
        f"  full render(), clustered    {fmt([f['clustered'] for r in loads for f in r['render']])}"
    )
    print(f"    + its frame               {fmt([f['frame'] for r in loads for f in r['render']])}")
    print(
        "  (the bench's own rAF probe costs "
        f"{statistics.median([r['probe_ms'] for r in loads]):.1f} ms a frame)"
    )
    later = sum(r["later_change"] for r in loads)
    if later:
        print(f"  {later} load(s) changed layout again after settling")

    print(
        f"\n(b) a new note on the {args.notes}-note wall (collect phase), "
        f"{args.posts} notes 1 s apart (ms)"
    )
    for name in ("note_posted", "clusters_updated"):
        rows = posted.get(name, [])
        print(f"  {name}: {len(rows)} messages"
              f"{'' if all(r['ws'] for r in rows) else ' (some not over WebSocket)'}")  # fmt: skip
        print(f"    script (frame in -> handler done) {fmt([r['script'] for r in rows])}")
        print(f"    handler alone                     {fmt([r['handler'] for r in rows])}")
        print(f"    scrollHeight reads in it          {fmt([r['reads'] for r in rows])}")
        print(f"    next frame (style/layout/paint)   {fmt([r['frame'] for r in rows])}")
        met = bool(rows) and max(r["repaint"] for r in rows) <= TARGET_REPAINT_MS
        verdict = f"   target <= {TARGET_REPAINT_MS:.0f}: {'met' if met else 'NOT met'}"
        print(f"    repaint = script + frame          {fmt([r['repaint'] for r in rows])}"
              + (verdict if name == "note_posted" else ""))  # fmt: skip
        print(f"    to screen (incl. vsync wait)      {fmt([r['screen'] for r in rows])}")
    m = posted["metrics"]
    print("  DevTools Performance.getMetrics, per note over 0.9 s (both re-renders + glide):")
    for key in ("ScriptDuration", "LayoutDuration", "RecalcStyleDuration", "TaskDuration"):
        print(f"    {key:20s} {fmt([x[key] for x in m])}")

    if profiles:
        for title, profile in zip(("cold load", f"{args.posts} new notes"), profiles, strict=True):
            ranked, inclusive, busy = self_times(profile)
            print(f"\nCPU profile, {title}: {busy:.0f} ms sampled busy; heaviest self time:")
            for name, where, ms in ranked[:8]:
                print(f"  {ms:7.1f} ms {100 * ms / busy:5.1f}%  {name} {where}")
            print("  the wall's own scripts, callees included:")
            for name, where, ms in inclusive[:10]:
                print(f"  {ms:7.1f} ms {100 * ms / busy:5.1f}%  {name} {where}")
    print(f"\nmachine: {machine()}; bench took {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

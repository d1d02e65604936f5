"""Post-to-wall latency of the real server against a bare python-socketio floor.

    .venv/bin/python bench/latency.py                    # 300 phones, 1 note / 5 s, 3 walls, 30 s
    .venv/bin/python bench/latency.py --quick            # 50 phones, 10 s
    .venv/bin/python bench/latency.py --servers gallery,bare,threading --repeat 3
    .venv/bin/python bench/latency.py --connections 1000 # idle connections, RSS, file descriptors
    .venv/bin/python bench/latency.py --servers gallery --database postgresql://postgres@127.0.0.1/test

Each server in --servers is started in turn on a free loopback port, in its own process group:

* gallery    `gallery serve` (gunicorn, gevent worker, SQLite): production mode.
* bare       bench/bare_server.py under the same gunicorn gevent worker: python-socketio alone,
             same rooms and fan-out, no Flask, no database. The floor.
* threading  gallery with Flask-SocketIO's threading mode (gunicorn gthread, 1000 threads).

Phones are python-socketio AsyncClients on the websocket transport in one asyncio process (or
--client-procs of them); the walls live in a process of their own. Every phone joins a station and
posts one note every 1/rate seconds on a fixed, jittered schedule (open loop: a slow ack does not
delay the next note). All clocks are CLOCK_MONOTONIC, which every process on the machine shares,
so post->wall latency = wall receive time - phone send time, joined by client_id.

Everything talks to 127.0.0.1 only; every loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import json
import multiprocessing as mp
import os
import platform
import random
import resource
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import psutil

BENCH_DIR = Path(__file__).resolve().parent
VENV_BIN = Path(sys.executable).parent
SERVERS = ("gallery", "bare", "threading", "custom")
CONNECT_TIMEOUT = 15.0  # seconds for one client to connect and join
ACK_TIMEOUT = 10.0  # seconds a phone waits for one post_note ack
DRAIN = 5.0  # seconds the walls keep listening after the last ack
# Every PHONE_SAMPLE-th phone of each station records when it hears the other phones' notes
# (gallery sends them to a station's phones in batches, bare one by one); it listens
# PHONE_DRAIN seconds after its last ack for the last batch.
PHONE_SAMPLE = 10
PHONE_DRAIN = 1.5
STAGE_TIMEOUT = 120.0  # seconds any stage of a child process may take


# --- servers ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gallery_bin() -> str:
    exe = VENV_BIN / "gallery"
    found = str(exe) if exe.exists() else shutil.which("gallery")
    if not found:
        sys.exit("the `gallery` console script is not installed (pip install -e .)")
    return found


def serve_supports_async_mode() -> bool:
    out = subprocess.run(
        [gallery_bin(), "serve", "--help"], capture_output=True, text=True, timeout=30
    )
    return "--async-mode" in out.stdout


@dataclass
class Server:
    kind: str
    port: int
    workdir: Path
    process: subprocess.Popen | None = None
    how: str = ""
    tokens: list[str] = field(default_factory=list)
    code: str = ""
    key: str = ""
    log: Path | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    database: str = ""  # a postgresql:// URL (--database); empty: an SQLite file

    @property
    def db(self) -> Path | str:
        return self.database or self.workdir / "bench.db"

    def env(self) -> dict:
        return {**os.environ, "GALLERY_INSTANCE_PATH": str(self.workdir)}

    custom_app: str = ""  # "module:app" for kind "custom"
    custom_path: str = ""

    def prepare(self) -> None:
        """A demo workshop (4 stations) for gallery; made-up tokens for the bare server."""
        if self.kind == "bare":
            self.tokens = [f"bare-station-{i}" for i in range(1, 5)]
            self.code, self.key = "BENCH", "any"
            return
        made = subprocess.run(
            [gallery_bin(), "demo", "--json", "--db", str(self.db), "--public-url", self.base],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        links = json.loads(made.stdout)
        self.tokens = [s["token"] for s in links["stations"]]
        self.code, self.key = links["workshop"]["code"], links["workshop"]["key"]

    def argv(self) -> list[str]:
        if self.kind == "bare":
            bind = f"127.0.0.1:{self.port}"
            # The same gunicorn settings as `gallery serve` (gallery/cli.py gunicorn_argv).
            self.how = "gunicorn --worker-class gevent --workers 1 bench/bare_server.py"
            return [
                sys.executable, "-m", "gunicorn", "--worker-class", "gevent",
                "--worker-connections", "4000", "--workers", "1", "--bind", bind,
                "--graceful-timeout", "10", "--timeout", "60", "--no-control-socket",
                "--access-logfile", "/dev/null", "--pythonpath", str(BENCH_DIR), "bare_server:app",
            ]  # fmt: skip
        serve = [
            gallery_bin(), "serve", "--host", "127.0.0.1", "--port", str(self.port),
            "--db", str(self.db), "--public-url", self.base,
        ]  # fmt: skip
        if self.kind == "gallery":
            self.how = "gallery serve (gunicorn, gevent worker)"
            return serve
        if self.kind == "custom":
            # A candidate change to gallery (a module that builds the app its own way),
            # under exactly the gunicorn command line that `gallery serve` uses.
            from gallery.cli import gunicorn_argv

            argv = gunicorn_argv("127.0.0.1", self.port, 1, "gevent", False)
            self.how = f"gallery serve's gunicorn command with {self.custom_app}"
            return [*argv[:-1], "--pythonpath", self.custom_path, self.custom_app]
        if not serve_supports_async_mode():
            sys.exit("this `gallery serve` has no --async-mode: cannot start the threading server")
        self.how = "gallery serve --async-mode threading (gunicorn, gthread, 1000 threads)"
        return [*serve, "--async-mode", "threading"]

    def start(self, nofile: int | None = None) -> None:
        env = self.env()
        if self.kind == "custom":
            env.update(
                GALLERY_ASYNC_MODE="gevent",
                GALLERY_DATABASE=str(self.db),
                GALLERY_PUBLIC_URL=self.base,
            )
        argv = self.argv()
        self.log = self.workdir / "server.log"

        def limit_files() -> None:
            if nofile:
                hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
                resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, hard))

        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                argv,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: stop() ends the workers too
                preexec_fn=limit_files if nofile else None,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                with urllib.request.urlopen(self.base + "/", timeout=2) as reply:
                    if reply.status < 500:
                        time.sleep(0.5)  # let the worker finish booting
                        return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{self.kind} did not start: {self.log_tail()}")

    def log_tail(self, chars: int = 1500) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log else ""

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)

    def stored_notes(self) -> list[dict]:
        notes: list[dict] = []
        for token in self.tokens:
            more = ""  # the API pages its notes (a server without paging sends no `more`)
            while more is not None:
                url = f"{self.base}/api/v1/stations/{token}" + (f"?before={more}" if more else "")
                with urllib.request.urlopen(url, timeout=30) as reply:
                    page = json.load(reply)
                notes.extend(page["notes"])
                more = page.get("more")
        return notes


class TreeMonitor:
    """CPU time and memory of a server's process tree (gunicorn master + worker), sampled
    by a thread so the peak RSS between two readings is not missed."""

    def __init__(self, pid: int, interval: float = 0.2) -> None:
        self.root = psutil.Process(pid)
        self.interval = interval
        self.peak_rss = 0
        self.peak_worker_rss = 0
        self.peak_fds = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def processes(self) -> list[psutil.Process]:
        try:
            return [self.root, *self.root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def worker(self) -> psutil.Process | None:
        """The process serving the sockets: gunicorn's worker, a direct child of the master
        (gallery's clustering worker, its child, holds the models and is larger)."""
        try:
            children = self.root.children()
        except psutil.NoSuchProcess:
            return None
        return max(children, key=lambda p: p.memory_info().rss) if children else None

    def cpu_seconds(self) -> float:
        total = 0.0
        for proc in self.processes():
            with contextlib.suppress(psutil.NoSuchProcess):
                t = proc.cpu_times()
                total += t.user + t.system
        return total

    def loop_cpu_seconds(self) -> float:
        """CPU of the processes that serve the sockets (gunicorn's workers, the master's
        direct children), without their own children (gallery's clustering worker): the
        time every phone waits on. Steadier than a p99 on a shared machine."""
        total = 0.0
        with contextlib.suppress(psutil.NoSuchProcess):
            for proc in self.root.children():
                with contextlib.suppress(psutil.NoSuchProcess):
                    t = proc.cpu_times()
                    total += t.user + t.system
        return total

    def rss(self) -> tuple[int, int]:
        """(tree RSS, RSS of the worker serving the sockets) in bytes."""
        sizes = []
        for proc in self.processes():
            with contextlib.suppress(psutil.NoSuchProcess):
                sizes.append(proc.memory_info().rss)
        worker = self.worker()
        try:
            serving = worker.memory_info().rss if worker else 0
        except psutil.NoSuchProcess:
            serving = 0
        return sum(sizes), serving

    def fds(self) -> int:
        worker = self.worker()
        try:
            return worker.num_fds() if worker else 0
        except psutil.NoSuchProcess:
            return 0

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            tree, worker = self.rss()
            self.peak_rss = max(self.peak_rss, tree)
            self.peak_worker_rss = max(self.peak_worker_rss, worker)
            self.peak_fds = max(self.peak_fds, self.fds())

    def __enter__(self) -> TreeMonitor:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


# --- clients (child processes) ---------------------------------------------------------


async def open_client(base: str, join: str, payload: dict, sem: asyncio.Semaphore):
    """Connect one client on the websocket transport and join; returns (client, ack)."""
    import socketio

    client = socketio.AsyncClient(reconnection=False)
    async with sem:
        await asyncio.wait_for(
            client.connect(base, transports=["websocket"], wait_timeout=CONNECT_TIMEOUT),
            CONNECT_TIMEOUT + 1,
        )
        ack = await client.call(join, payload, timeout=CONNECT_TIMEOUT)
    if not (isinstance(ack, dict) and ack.get("ok")):
        await client.disconnect()
        raise RuntimeError(f"{join} refused: {ack}")
    return client, ack


async def close_all(clients) -> None:
    with contextlib.suppress(Exception):
        await asyncio.wait_for(
            asyncio.gather(*(c.disconnect() for c in clients), return_exceptions=True), 15
        )


async def wait_for_event(event, seconds: float = STAGE_TIMEOUT) -> bool:
    deadline = time.monotonic() + seconds
    while not event.is_set():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.005)
    return True


def error_counts(results) -> tuple[list, dict]:
    ok = [r for r in results if not isinstance(r, BaseException)]
    errors = collections.Counter(type(r).__name__ for r in results if isinstance(r, BaseException))
    return ok, dict(errors)


async def phones_main(cfg: dict, out, go, start_at) -> None:
    sem = asyncio.Semaphore(cfg["connect_concurrency"])
    tokens = cfg["tokens"]
    indexes = range(cfg["first"], cfg["first"] + cfg["count"])
    opened = await asyncio.gather(
        *(open_client(cfg["base"], "join_station", {"station": tokens[i % len(tokens)]}, sem)
          for i in indexes),
        return_exceptions=True,
    )  # fmt: skip
    _, errors = error_counts(opened)
    phones = [
        (i, r[0]) for i, r in zip(indexes, opened, strict=True) if not isinstance(r, BaseException)
    ]
    disconnects = collections.Counter()
    for _, client in phones:
        client.on("disconnect", lambda *a: disconnects.update(["disconnect"]))
    # phone i is at station i % len(tokens): every station's PHONE_SAMPLE-th phone listens
    heard = {
        i: listen_as_phone(client, cfg["run"] + "-")
        for i, client in phones
        if (i // len(tokens)) % PHONE_SAMPLE == 0
    }
    out.put(("ready", "phones", {"connected": len(phones), "connect_errors": errors}))
    if not await wait_for_event(go):
        await close_all(c for _, c in phones)
        return

    t_start, period, seconds = start_at.value, 1.0 / cfg["rate"], cfg["seconds"]
    rng = random.Random(cfg["first"])
    records: dict[str, list] = {}
    post_errors: collections.Counter = collections.Counter()
    tasks: list[asyncio.Task] = []
    cpu0 = time.process_time()

    async def post(i: int, client, seq: int, scheduled: float) -> None:
        cid = f"{cfg['run']}-{i:04d}-{seq:04d}"
        token = tokens[i % len(tokens)]
        sent = time.monotonic()
        record = records[cid] = [scheduled, sent, None, False]
        payload = {"station": token, "text": f"Bench note {i}/{seq}", "client_id": cid}
        try:
            ack = await client.call("post_note", payload, timeout=ACK_TIMEOUT)
        except Exception as err:  # a timeout or a closed socket: counted, not fatal
            post_errors[type(err).__name__] += 1
            return
        record[2] = time.monotonic()
        note = ack.get("note") if isinstance(ack, dict) else None
        record[3] = bool(ack.get("ok")) and isinstance(note, dict) and note["client_id"] == cid
        if not record[3]:
            post_errors["refused"] += 1

    async def run_phone(i: int, client) -> None:
        offset = rng.uniform(0, period)
        for seq in range(int(seconds * cfg["rate"]) + 1):
            scheduled = t_start + offset + seq * period
            if scheduled - t_start >= seconds:
                break
            delay = scheduled - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(post(i, client, seq, scheduled)))

    await asyncio.gather(*(run_phone(i, c) for i, c in phones))
    if tasks:
        await asyncio.wait(tasks, timeout=ACK_TIMEOUT + 5)
    busy = time.monotonic() - t_start
    cpu_pct = 100 * (time.process_time() - cpu0) / busy
    await asyncio.sleep(PHONE_DRAIN)
    out.put(
        (
            "result",
            "phones",
            {
                "records": records,
                "heard": heard,
                "errors": dict(post_errors),
                "disconnects": sum(disconnects.values()),
                "cpu_pct": cpu_pct,
                "fds": psutil.Process().num_fds(),
            },
        )
    )
    await close_all(c for _, c in phones)


def on_new_notes(client, handler) -> None:
    """Call `handler(note, time.monotonic())` for every new note a phone hears: bare sends
    each note as `note_posted`, gallery the station's notes in batches as `notes_posted`."""

    def on_batch(batch) -> None:
        now = time.monotonic()
        for note in batch.get("notes", []) if isinstance(batch, dict) else []:
            handler(note, now)

    client.on("note_posted", lambda note: handler(note, time.monotonic()))
    client.on("notes_posted", on_batch)


def listen_as_phone(client, prefix: str) -> list[tuple[str, float]]:
    """What a phone hears of the run's notes at its station, and when."""
    got: list[tuple[str, float]] = []

    def on_note(note, now: float) -> None:
        cid = note.get("client_id") if isinstance(note, dict) else None
        if isinstance(cid, str) and cid.startswith(prefix):
            got.append((cid, now))

    on_new_notes(client, on_note)
    return got


async def walls_main(cfg: dict, out, go, phones_done, expected) -> None:
    sem = asyncio.Semaphore(cfg["walls"])
    received: list[list[tuple[str, float]]] = [[] for _ in range(cfg["walls"])]
    prefix = cfg["run"] + "-"

    def listener(wall: int):
        def on_note(note) -> None:
            now = time.monotonic()
            cid = note.get("client_id") if isinstance(note, dict) else None
            if isinstance(cid, str) and cid.startswith(prefix):
                received[wall].append((cid, now))

        return on_note

    payload = {"workshop": cfg["code"], "key": cfg["key"]}
    opened = await asyncio.gather(
        *(open_client(cfg["base"], "join_wall", payload, sem) for _ in range(cfg["walls"])),
        return_exceptions=True,
    )
    walls, errors = error_counts(opened)
    for n, (client, _) in enumerate(walls):
        client.on("note_posted", listener(n))
    out.put(("ready", "walls", {"connected": len(walls), "connect_errors": errors}))
    if not await wait_for_event(go):
        await close_all(c for c, _ in walls)
        return
    cpu0, t0 = time.process_time(), time.monotonic()
    await wait_for_event(phones_done)
    deadline = time.monotonic() + DRAIN
    while time.monotonic() < deadline:
        if all(len({c for c, _ in r}) >= expected.value for r in received[: len(walls)]):
            break
        await asyncio.sleep(0.05)
    cpu_pct = 100 * (time.process_time() - cpu0) / (time.monotonic() - t0)
    out.put(("result", "walls", {"received": received[: len(walls)], "cpu_pct": cpu_pct}))
    await close_all(c for c, _ in walls)


def phones_process(cfg, out, go, start_at) -> None:
    asyncio.run(phones_main(cfg, out, go, start_at))


def walls_process(cfg, out, go, phones_done, expected) -> None:
    asyncio.run(walls_main(cfg, out, go, phones_done, expected))


# --- one latency run -------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def collect(queue, want: int, kind: str, seconds: float) -> list[dict]:
    found = []
    deadline = time.monotonic() + seconds
    while len(found) < want:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"waited {seconds:.0f} s for {want} {kind} messages")
        try:
            tag, role, data = queue.get(timeout=min(left, 1.0))
        except Exception:  # queue.Empty
            continue
        if tag == kind:
            found.append({"role": role, **data})
    return found


def run_latency(kind: str, args, workdir: Path) -> dict:
    quiet = wait_for_quiet(args.quiet_below, args.settle) if args.settle else None
    load_before = os.getloadavg()[0]
    server = Server(kind, free_port(), workdir)
    server.custom_app, server.custom_path = args.custom, str(args.custom_path)
    with contextlib.ExitStack() as cleanup:
        if args.database and kind != "bare":
            server.database = cleanup.enter_context(fresh_postgres(args.database))
        return _run_latency(server, kind, args, workdir, quiet, load_before)


@contextlib.contextmanager
def fresh_postgres(url: str):
    """An empty database beside the one `url` names (which must exist), dropped afterwards."""
    import psycopg2

    admin = psycopg2.connect(url, connect_timeout=5)
    admin.autocommit = True
    name = "gallery_bench_" + secrets.token_hex(4)
    with admin.cursor() as cur:
        cur.execute(f"CREATE DATABASE {name}")
    try:
        base, _, query = url.partition("?")  # ?options=... applies to the fresh one too
        yield base.rsplit("/", 1)[0] + "/" + name + (f"?{query}" if query else "")
    finally:
        with admin.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()


def _run_latency(server: Server, kind: str, args, workdir: Path, quiet, load_before) -> dict:
    server.prepare()
    server.start()
    if server.database:
        server.how += " on PostgreSQL"
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    go, phones_done = ctx.Event(), ctx.Event()
    start_at, expected = ctx.Value("d", 0.0), ctx.Value("i", 0)
    run_id = "b" + secrets.token_hex(3)
    common = {
        "base": server.base, "tokens": server.tokens, "code": server.code, "key": server.key,
        "run": run_id, "rate": args.rate, "seconds": args.seconds,
        "connect_concurrency": args.connect_concurrency, "walls": args.walls,
    }  # fmt: skip
    children = [ctx.Process(target=walls_process, args=(common, out, go, phones_done, expected))]
    share = -(-args.phones // args.client_procs)
    for first in range(0, args.phones, share):
        cfg = {**common, "first": first, "count": min(share, args.phones - first)}
        children.append(ctx.Process(target=phones_process, args=(cfg, out, go, start_at)))
    for child in children:
        child.daemon = True  # never outlive the benchmark, whatever happens to it
    finished = False
    try:
        with TreeMonitor(server.process.pid) as monitor:
            for child in children:
                child.start()
            ready = collect(out, len(children), "ready", STAGE_TIMEOUT)
            cpu0, t0, busy0 = monitor.cpu_seconds(), time.monotonic(), machine_busy_seconds()
            loop0 = monitor.loop_cpu_seconds()
            me0 = time.process_time()
            start_at.value = t0 + 0.5
            go.set()
            phone_results = collect(
                out, len(children) - 1, "result", args.seconds + ACK_TIMEOUT + STAGE_TIMEOUT
            )
            elapsed = time.monotonic() - t0
            server_cpu = 100 * (monitor.cpu_seconds() - cpu0) / elapsed
            loop_cpu = monitor.loop_cpu_seconds() - loop0
            machine_cpu = 100 * (machine_busy_seconds() - busy0) / elapsed
            orchestrator_cpu = 100 * (time.process_time() - me0) / elapsed
            records = {}
            for part in phone_results:
                records.update(part["records"])
            expected.value = sum(1 for r in records.values() if r[3])
            phones_done.set()
            wall_result = collect(out, 1, "result", DRAIN + 30)[0]
        finished = True
        stored = server.stored_notes() if kind != "bare" else None
        if args.trace:
            write_trace(args.trace / f"{workdir.name}.csv", records, wall_result, start_at.value)
        result = summarize(kind, server, run_id, records, phone_results, wall_result, ready, stored)
        ours = (
            server_cpu + sum(result["client_cpu_pct"]) + result["wall_cpu_pct"] + orchestrator_cpu
        )
        result.update(
            server_cpu_pct=server_cpu,
            # per note sent, on the serving process alone (clustering worker excluded)
            loop_ms_per_note=1000 * loop_cpu / max(1, result["sent"]),
            other_cpu_pct=max(0.0, machine_cpu - ours),
            other_cpu_before_pct=quiet,
            peak_rss_mb=monitor.peak_rss / 2**20,
            peak_worker_rss_mb=monitor.peak_worker_rss / 2**20,
            load=(load_before, os.getloadavg()[0]),
        )
        return result
    finally:
        try:
            for child in children:  # done after a full run (they only disconnect); else end them
                if child.pid is not None:
                    child.join(timeout=20 if finished else 0)
                    if child.is_alive():
                        child.terminate()
                        child.join(timeout=5)
        finally:
            server.stop()


def write_trace(path: Path, records: dict, wall_result: dict, t_start: float) -> None:
    """One line per note, to see when slow notes happened: in bursts (a stalled server)
    or spread out (a busy one)."""
    slowest: dict[str, float] = {}
    for got in wall_result["received"]:
        for cid, t in got:
            if cid in records:
                slowest[cid] = max(slowest.get(cid, 0.0), 1000 * (t - records[cid][1]))
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as f:
        f.write("sent_s,client_id,send_lag_ms,ack_ms,slowest_wall_ms\n")
        for cid, (scheduled, sent, acked, _ok) in sorted(records.items(), key=lambda x: x[1][1]):
            ack = f"{1000 * (acked - sent):.2f}" if acked else ""
            wall = f"{slowest[cid]:.2f}" if cid in slowest else ""
            lag = 1000 * (sent - scheduled)
            f.write(f"{sent - t_start:.4f},{cid},{lag:.2f},{ack},{wall}\n")


def wait_for_quiet(limit_pct: float, max_wait: float) -> float:
    """Wait (at most max_wait seconds) until the rest of the machine uses less than limit_pct
    of one core over 2 s: other people's test runs on a shared 2-core box swamp a p99.
    Returns the last reading."""
    deadline = time.monotonic() + max_wait
    while True:
        busy0, t0 = machine_busy_seconds(), time.monotonic()
        time.sleep(2)
        busy = 100 * (machine_busy_seconds() - busy0) / (time.monotonic() - t0)
        if busy < limit_pct or time.monotonic() > deadline:
            return busy


def machine_busy_seconds() -> float:
    """CPU seconds all cores spent on anything but idling, since boot."""
    t = psutil.cpu_times()
    return sum(t) - t.idle - getattr(t, "iowait", 0.0)


def summarize(kind, server, run_id, records, phone_results, wall_result, ready, stored) -> dict:
    acked = {cid for cid, r in records.items() if r[3]}
    ack_ms = [1000 * (r[2] - r[1]) for r in records.values() if r[3]]
    lag_ms = [1000 * (r[1] - r[0]) for r in records.values()]
    wall_ms: list[float] = []
    per_wall, lost, dup, unacked_seen = [], 0, 0, 0
    for got in wall_result["received"]:
        ids = [cid for cid, _ in got]
        unique = set(ids)
        per_wall.append(len(unique))
        dup += len(ids) - len(unique)
        lost += len(acked - unique)
        unacked_seen += len(unique - acked)
        first: dict[str, float] = {}
        for cid, t in got:
            first.setdefault(cid, t)
        wall_ms += [1000 * (t - records[cid][1]) for cid, t in first.items() if cid in records]
    phone_ms, phone_lost = phone_latencies(records, acked, phone_results, len(server.tokens))
    result = {
        "server": kind,
        "how": server.how,
        "phones": sum(r["connected"] for r in ready if r["role"] == "phones"),
        "walls": sum(r["connected"] for r in ready if r["role"] == "walls"),
        "connect_errors": [r["connect_errors"] for r in ready if r["connect_errors"]],
        "sent": len(records),
        "acked": len(acked),
        "post_errors": _merge(p["errors"] for p in phone_results),
        "disconnects": sum(p["disconnects"] for p in phone_results),
        "received_per_wall": per_wall,
        "lost_at_walls": lost,
        "dup_at_walls": dup,
        "seen_unacked": unacked_seen,
        "wall_ms": {q: percentile(wall_ms, q) for q in (50, 95, 99, 100)},
        "ack_ms": {q: percentile(ack_ms, q) for q in (50, 95, 99, 100)},
        "phone_ms": {q: percentile(phone_ms, q) for q in (50, 95, 99, 100)},
        "lost_at_phones": phone_lost,
        "send_lag_ms_p99": percentile(lag_ms, 99),
        "client_cpu_pct": [round(p["cpu_pct"]) for p in phone_results],
        "wall_cpu_pct": round(wall_result["cpu_pct"]),
    }
    if stored is not None:
        ours = [n["client_id"] for n in stored if n["client_id"].startswith(run_id + "-")]
        result["db_notes"] = len(ours)
        result["lost_in_db"] = len(acked - set(ours))
        result["dup_in_db"] = len(ours) - len(set(ours))
    return result


def phone_latencies(records, acked, phone_results, stations: int) -> tuple[list[float], int]:
    """Post-to-phone latencies of the other phones' notes at the sampled phones' stations,
    and how many acked notes a sampled phone never heard."""
    ms: list[float] = []
    lost = 0
    index = {cid: int(cid.split("-")[-2]) for cid in records}  # run-PHONE-SEQ
    for result in phone_results:
        for phone, got in result["heard"].items():
            first: dict[str, float] = {}
            for cid, t in got:
                first.setdefault(cid, t)
            others = {
                cid for cid in acked
                if index[cid] != phone and index[cid] % stations == phone % stations
            }  # fmt: skip
            lost += len(others - set(first))
            ms += [1000 * (first[cid] - records[cid][1]) for cid in others & set(first)]
    return ms, lost


def _merge(counters) -> dict:
    total: collections.Counter = collections.Counter()
    for c in counters:
        total.update(c)
    return dict(total)


# --- idle connections -----------------------------------------------------------------


async def connections_main(server: Server, monitor: TreeMonitor, args) -> dict:
    sem = asyncio.Semaphore(args.connect_concurrency)
    wall, _ = await open_client(
        server.base, "join_wall", {"workshop": server.code, "key": server.key}, sem
    )
    await asyncio.sleep(1)
    rss0, worker0 = monitor.rss()
    fds0 = monitor.fds()
    tokens = server.tokens
    t0 = time.monotonic()
    opened = await asyncio.gather(
        *(open_client(server.base, "join_station", {"station": tokens[i % len(tokens)]}, sem)
          for i in range(args.connections)),
        return_exceptions=True,
    )  # fmt: skip
    connect_s = time.monotonic() - t0
    ok, errors = error_counts(opened)
    phones = [c for c, _ in ok]
    alive = {id(c) for c in phones}
    probe_seen: dict[int, float] = {}
    probe_cid = "probe-" + secrets.token_hex(6)

    def watcher(client):
        def on_note(note, now: float) -> None:
            if isinstance(note, dict) and note.get("client_id") == probe_cid:
                probe_seen[id(client)] = now

        def on_disconnect(*_) -> None:
            alive.discard(id(client))

        on_new_notes(client, on_note)
        client.on("disconnect", on_disconnect)

    for client in phones:
        watcher(client)
    await asyncio.sleep(2)
    rss1, worker1 = monitor.rss()
    fds1 = monitor.fds()
    cpu0, h0 = monitor.cpu_seconds(), time.monotonic()
    await asyncio.sleep(args.hold)  # longer than ping_interval (20 s): heartbeats must flow
    idle_cpu = 100 * (monitor.cpu_seconds() - cpu0) / (time.monotonic() - h0)
    still = len(alive)

    wall_seen = asyncio.get_running_loop().create_future()

    def on_wall_note(note) -> None:
        if isinstance(note, dict) and note.get("client_id") == probe_cid and not wall_seen.done():
            wall_seen.set_result(time.monotonic())

    wall.on("note_posted", on_wall_note)
    ack_ms = wall_ms = fanout_ms = None
    audience = 0
    if phones:
        audience = sum(1 for n, c in enumerate(phones) if n % len(tokens) == 0 and id(c) in alive)
        payload = {"station": tokens[0], "text": "Probe", "client_id": probe_cid}
        sent = time.monotonic()
        ack = await phones[0].call("post_note", payload, timeout=ACK_TIMEOUT)
        ack_ms = 1000 * (time.monotonic() - sent) if ack.get("ok") else None
        with contextlib.suppress(asyncio.TimeoutError):
            wall_ms = 1000 * (await asyncio.wait_for(wall_seen, ACK_TIMEOUT) - sent)
        deadline = time.monotonic() + ACK_TIMEOUT
        while len(probe_seen) < audience and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        if probe_seen:
            fanout_ms = 1000 * (max(probe_seen.values()) - sent)
    me = psutil.Process()
    result = {
        "server": server.kind,
        "how": server.how,
        "asked": args.connections,
        "connected": len(phones),
        "connect_errors": errors,
        "connect_s": connect_s,
        "still_connected_after_hold": still,
        "hold_s": args.hold,
        "server_processes": len(monitor.processes()),
        "worker_rss_mb": (worker0 / 2**20, worker1 / 2**20),
        "tree_rss_mb": (rss0 / 2**20, rss1 / 2**20),
        "rss_per_connection_kb": (worker1 - worker0) / 1024 / max(1, len(phones)),
        "server_fds": (fds0, fds1),
        "client_fds": me.num_fds(),
        "idle_server_cpu_pct": idle_cpu,
        "probe_ack_ms": ack_ms,
        "probe_wall_ms": wall_ms,
        "probe_station_audience": audience,
        "probe_station_reached": len(probe_seen),
        "probe_fanout_ms": fanout_ms,
        "client_rss_mb": me.memory_info().rss / 2**20,
    }
    await close_all([wall, *phones])
    return result


def run_connections(kind: str, args, workdir: Path) -> dict:
    server = Server(kind, free_port(), workdir)
    server.prepare()
    server.start(nofile=args.server_nofile)
    try:
        server_limits = resource.getrlimit(resource.RLIMIT_NOFILE)
        with TreeMonitor(server.process.pid) as monitor:
            worker = monitor.worker()
            if worker is not None:
                with contextlib.suppress(psutil.Error, AttributeError):
                    server_limits = worker.rlimit(psutil.RLIMIT_NOFILE)
            result = asyncio.run(
                asyncio.wait_for(connections_main(server, monitor, args), STAGE_TIMEOUT * 3)
            )
        result["server_nofile"] = tuple(server_limits)
        result["server_log_errors"] = [
            line for line in server.log_tail(20000).splitlines() if "Too many open files" in line
        ][:3]
        return result
    finally:
        server.stop()


# --- output ----------------------------------------------------------------------------


def fmt(value, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def print_latency_table(results: list[dict]) -> None:
    head = (
        f"{'server':<10} {'wall p50':>8} {'p95':>7} {'p99':>7} {'max':>7} {'ack p50':>8}"
        f" {'p99':>7} {'phone p50':>9} {'p99':>7} {'sent':>5} {'acked':>5} {'per wall':>16}"
        f" {'lost':>4} {'dup':>3}"
        f" {'db lost/dup':>11} {'srv cpu%':>8} {'loop ms/note':>12} {'rss MB':>6} {'cli cpu%':>8}"
    )
    print(head)
    print("-" * len(head))
    for r in results:
        db = f"{r['lost_in_db']}/{r['dup_in_db']}" if "lost_in_db" in r else "n/a"
        w, a, p = r["wall_ms"], r["ack_ms"], r["phone_ms"]
        name = r["server"] + ("*" if r["busy"] else "")
        print(
            f"{name:<10} {fmt(w[50]):>8} {fmt(w[95]):>7} {fmt(w[99]):>7} {fmt(w[100]):>7}"
            f" {fmt(a[50]):>8} {fmt(a[99]):>7} {fmt(p[50]):>9} {fmt(p[99]):>7}"
            f" {r['sent']:>5} {r['acked']:>5}"
            f" {'/'.join(map(str, r['received_per_wall'])):>16} {r['lost_at_walls']:>4}"
            f" {r['dup_at_walls']:>3} {db:>11} {r['server_cpu_pct']:>8.0f}"
            f" {r['loop_ms_per_note']:>12.2f}"
            f" {r['peak_rss_mb']:>6.0f} {'+'.join(map(str, r['client_cpu_pct'])):>8}"
        )
    for r in results:
        extras = {
            k: r[k]
            for k in (
                "connect_errors",
                "post_errors",
                "disconnects",
                "seen_unacked",
                "lost_at_phones",
            )
            if r[k]
        }
        lag = r["send_lag_ms_p99"]
        print(
            f"  {r['server']}: {r['how']}; phones {r['phones']}, walls {r['walls']},"
            f" client send lag p99 {fmt(lag)} ms, wall process cpu {r['wall_cpu_pct']}%,"
            f" other processes {r['other_cpu_pct']:.0f}% cpu"
            f" ({fmt(r['other_cpu_before_pct'], 0)}% just before), load {r['load'][0]:.1f}"
            f" -> {r['load'][1]:.1f}" + (f", {extras}" if extras else "")
        )


def print_summary(results: list[dict], max_other: float) -> None:
    """Medians over the runs the rest of the machine left alone (all runs if none was)."""
    by_kind: dict[str, list[dict]] = collections.defaultdict(list)
    for r in results:
        by_kind[r["server"]].append(r)
    for kind, runs in by_kind.items():
        clean = [r for r in runs if not r["busy"]]
        by_kind[kind] = clean or runs
        print(
            f"\n{kind}: {len(clean)} of {len(runs)} runs clean (other processes <= {max_other:g}%"
            " of a core)" + ("" if clean else "; none clean, the medians use all of them")
        )
    p99 = {k: statistics.median(r["wall_ms"][99] for r in rs) for k, rs in by_kind.items()}
    ack99 = {k: statistics.median(r["ack_ms"][99] for r in rs) for k, rs in by_kind.items()}
    print("\npost->wall p99, median: " + ", ".join(f"{k} {v:.1f} ms" for k, v in p99.items()))
    if "bare" in p99:
        for kind in ("gallery", "threading"):
            if kind in p99:
                print(
                    f"{kind} / bare p99 ratio: post->wall {p99[kind] / p99['bare']:.2f}x,"
                    f" ack {ack99[kind] / ack99['bare']:.2f}x (target <= 1.5x)"
                )
    lost = sum(r["lost_at_walls"] + r.get("lost_in_db", 0) for r in results)
    dup = sum(r["dup_at_walls"] + r.get("dup_in_db", 0) for r in results)
    print(f"lost notes: {lost}, duplicated notes: {dup} (target 0 / 0)")


def print_connections(r: dict, limits: dict) -> None:
    w0, w1 = r["worker_rss_mb"]
    f0, f1 = r["server_fds"]
    print(f"{r['server']} ({r['how']}): {r['connected']}/{r['asked']} phones connected and joined")
    print(
        f"  connect+join time {r['connect_s']:.1f} s; server processes in tree:"
        f" {r['server_processes']} (gunicorn master + worker)"
    )
    if r["connect_errors"]:
        print(f"  connect errors: {r['connect_errors']}")
    if r["server_log_errors"]:
        print(f"  server log: {r['server_log_errors']}")
    print(
        f"  still connected after {r['hold_s']:.0f} s idle: {r['still_connected_after_hold']};"
        f" idle server cpu {r['idle_server_cpu_pct']:.1f}% of one core"
    )
    print(
        f"  worker RSS {w0:.1f} MB -> {w1:.1f} MB: {r['rss_per_connection_kb']:.1f} KB"
        f" per connection; tree RSS {r['tree_rss_mb'][1]:.1f} MB"
    )
    print(
        f"  open files in the worker: {f0} -> {f1}; client process: {r['client_fds']}"
        f" (client RSS {r['client_rss_mb']:.0f} MB)"
    )
    print(
        f"  RLIMIT_NOFILE: benchmark process soft {limits['before'][0]} -> {limits['after'][0]}"
        f" (hard {limits['after'][1]}); server worker {r['server_nofile'][0]}"
        f" (hard {r['server_nofile'][1]})"
    )
    print(
        f"  needed: ulimit -n >= {f1 + 64} for the server (its {f1} fds + 64 headroom),"
        f" >= {r['client_fds'] + 64} for this client process"
    )
    print(
        f"  probe note: ack {fmt(r['probe_ack_ms'])} ms, wall {fmt(r['probe_wall_ms'])} ms,"
        f" reached {r['probe_station_reached']}/{r['probe_station_audience']} phones of its"
        f" station within {fmt(r['probe_fanout_ms'])} ms"
    )


def raise_nofile() -> dict:
    before = resource.getrlimit(resource.RLIMIT_NOFILE)
    soft, hard = before
    if hard == resource.RLIM_INFINITY or soft < hard:
        target = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return {"before": before, "after": resource.getrlimit(resource.RLIMIT_NOFILE)}


def code_version() -> str:
    """The commit under test, and whether gallery/ or stations/ differ from it (the editable
    install serves the working tree)."""

    def git(*argv: str) -> str:
        try:
            out = subprocess.run(
                ["git", *argv], cwd=BENCH_DIR.parent, capture_output=True, text=True, timeout=10
            )
        except (OSError, subprocess.TimeoutExpired):
            return ""
        return out.stdout.strip()

    head = git("rev-parse", "--short", "HEAD") or "unknown"
    dirty = git("status", "--porcelain", "--", "gallery", "stations").splitlines()
    return head + (f" + uncommitted changes in {len(dirty)} app files" if dirty else "")


def machine() -> str:
    model = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"{os.cpu_count()} cores, {model}, Python {platform.python_version()}, load {load}"


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--phones", type=int, default=300)
    parser.add_argument("--rate", type=float, default=0.2, help="notes per second per phone")
    parser.add_argument("--walls", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--quick", action="store_true", help="50 phones, 10 s")
    parser.add_argument("--servers", default="gallery,bare,threading")
    parser.add_argument("--repeat", type=int, default=1, help="run every server this often")
    parser.add_argument(
        "--client-procs", type=int, default=1, help="processes the phones are split across"
    )
    parser.add_argument("--connect-concurrency", type=int, default=50)
    parser.add_argument(
        "--connections", type=int, default=0, help="idle mode: open this many phone connections"
    )
    parser.add_argument("--hold", type=float, default=25, help="idle mode: seconds to hold them")
    parser.add_argument(
        "--server-nofile", type=int, default=None, help="idle mode: the server's soft ulimit -n"
    )
    parser.add_argument(
        "--settle",
        type=float,
        default=120,
        help="before each run, wait up to this many seconds for other processes to go quiet",
    )
    parser.add_argument(
        "--quiet-below", type=float, default=20, help="quiet: other processes under this %%cpu"
    )
    parser.add_argument(
        "--max-other",
        type=float,
        default=30,
        help="a run during which other processes used more %%cpu is marked * and run again",
    )
    parser.add_argument("--retries", type=int, default=2, help="extra runs for a marked run")
    parser.add_argument(
        "--nice", type=int, default=0, help="niceness of the benchmark and its servers"
    )
    parser.add_argument(
        "--trace", type=Path, default=None, help="write one CSV per run (a line per note) here"
    )
    parser.add_argument(
        "--custom",
        default="",
        help="server 'custom': a MODULE:APP that builds gallery with a change to measure",
    )
    parser.add_argument(
        "--custom-path", type=Path, default=Path.cwd(), help="where --custom's module lives"
    )
    parser.add_argument(
        "--database",
        default="",
        help="gallery on PostgreSQL: a postgresql:// URL of an existing database, beside which"
        " each run creates (and drops) a fresh one; default: an SQLite file per run",
    )
    parser.add_argument("--json", type=Path, default=None, help="also write results here")
    args = parser.parse_args(argv)
    if args.quick:
        args.phones, args.seconds = 50, 10
    servers = [s.strip() for s in args.servers.split(",") if s.strip()]
    if args.connections and "--servers" not in " ".join(argv or sys.argv):
        servers = ["gallery"]
    unknown = set(servers) - set(SERVERS)
    if unknown:
        parser.error(f"unknown servers {sorted(unknown)}; choose from {','.join(SERVERS)}")
    args.servers = servers
    if "custom" in servers and not args.custom:
        parser.error("server 'custom' needs --custom MODULE:APP")
    if not (1 <= args.phones <= 5000 and 0 < args.rate <= 50 and 1 <= args.walls <= 50):
        parser.error("--phones 1..5000, --rate 0..50, --walls 1..50")
    if not (0 < args.seconds <= 600 and 1 <= args.repeat <= 10 and 0 <= args.connections <= 20000):
        parser.error("--seconds 0..600, --repeat 1..10, --connections 0..20000")
    if not 0 <= args.retries <= 5:
        parser.error("--retries 0..5")
    return args


def _terminate(*_) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # one unwinding is enough
    sys.exit(143)


def main(argv=None) -> None:
    args = parse_args(argv)
    # SIGTERM unwinds like Ctrl+C, so every `finally` stops its server's process group.
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even when started with `&`
    limits = raise_nofile()
    if args.nice:
        os.setpriority(os.PRIO_PROCESS, 0, args.nice)  # inherited by the servers and clients
    print(f"machine: {machine()}")
    print(f"code: {code_version()}")
    results = []
    with tempfile.TemporaryDirectory(prefix="gallery-bench-") as tmp:
        if args.connections:
            for kind in args.servers:
                workdir = Path(tmp) / f"{kind}-connections"
                workdir.mkdir()
                result = run_connections(kind, args, workdir)
                print_connections(result, limits)
                results.append(result)
        else:
            print(
                f"{args.phones} phones x {args.rate:g} notes/s for {args.seconds:g} s,"
                f" {args.walls} walls, servers {','.join(args.servers)}, repeat {args.repeat}\n"
            )
            for n in range(args.repeat):
                for kind in args.servers:
                    for attempt in range(args.retries + 1):
                        workdir = Path(tmp) / f"{kind}-{n}-{attempt}"
                        workdir.mkdir()
                        result = run_latency(kind, args, workdir)
                        result["busy"] = result["other_cpu_pct"] > args.max_other
                        results.append(result)
                        print_latency_table([result])
                        print()
                        if not result["busy"]:
                            break
            print_latency_table(results)
            print_summary(results, args.max_other)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, default=str))


if __name__ == "__main__":
    main()

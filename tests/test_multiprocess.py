"""Several server processes: PostgreSQL holds the notes, Redis carries the broadcasts between
the processes, and nginx (Debian's package) keeps each client on one process.

nginx serves deploy/nginx-gallery.conf, the file docs/deploy.md installs, with only its listen
line, certificate lines and upstream ports changed for loopback. Both processes start at the
same moment on a fresh database and a shared instance folder, as `systemctl start` does.

`pytest -s tests/test_multiprocess.py` prints the counts of the rolling restart.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import subprocess
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
import socketio

from tests.phones import Phone, clean_env, new_workshop, wait_for
from tests.support import PG, free_port, gallery_bin, need, pg_admin, stop, wait_until_up

pytestmark = pytest.mark.server

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "deploy" / "nginx-gallery.conf"
REDIS = os.environ.get("GALLERY_TEST_REDIS", "redis://127.0.0.1:6379/3")


# --- the services ---------------------------------------------------------------------------


def nginx_bin() -> str | None:
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/sbin/nginx") if os.access(p, os.X_OK)), None
    )


def site_for_test(listen: int, upstreams: list[int]) -> str:
    """deploy/nginx-gallery.conf on loopback: plain HTTP on `listen`, our ports upstream."""
    text = SITE.read_text()
    text, n_listen = re.subn(r"listen 443 ssl;", f"listen 127.0.0.1:{listen};", text)
    text, n_ssl = re.subn(r"\n\s*ssl_certificate\S*\s+[^\n]+;", "", text)
    ports = iter(upstreams)
    text, n_up = re.subn(r"(server 127\.0\.0\.1:)\d+", lambda m: f"{m[1]}{next(ports)}", text)
    shape = (n_listen, n_ssl, n_up)
    assert shape == (1, 2, len(upstreams)), f"deploy/nginx-gallery.conf changed: {shape}"
    return text


def nginx_conf(tmp: Path, site: Path) -> str:
    """A main nginx.conf of our own: no root paths, no daemon; the site inside http {}."""
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers would drop to nobody: no tmp
    temp = "".join(
        f"    {kind}_temp_path {tmp}/{kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return (
        f"{user}daemon off;\nworker_processes 1;\npid {tmp}/nginx.pid;\n"
        f"error_log {tmp}/error.log;\nevents {{ worker_connections 1024; }}\n"
        f"http {{\n    access_log {tmp}/access.log;\n{temp}    include {site};\n}}\n"
    )


def start_nginx(tmp: Path, listen: int, upstreams: list[int]) -> subprocess.Popen:
    exe = nginx_bin()
    need(exe is not None, "nginx is not installed (apt-get install nginx)")
    tmp.mkdir()
    site = tmp / "gallery.conf"
    site.write_text(site_for_test(listen, upstreams))
    conf = tmp / "nginx.conf"
    conf.write_text(nginx_conf(tmp, site))
    argv = [exe, "-p", str(tmp), "-c", str(conf), "-e", str(tmp / "error.log")]
    check = subprocess.run([*argv, "-t"], capture_output=True, text=True, timeout=30)
    assert check.returncode == 0, check.stderr
    with (tmp / "nginx.out").open("ab") as log:
        process = subprocess.Popen(argv, stdout=log, stderr=log, start_new_session=True)
    process.log_path = str(tmp / "error.log")
    wait_until_up(f"http://127.0.0.1:{listen}/", process)
    return process


def redis_reachable() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS, socket_timeout=3).ping())
    except redis.RedisError:
        return False


def start_gallery(port: int, env: dict, log: Path) -> subprocess.Popen:
    """`gallery serve` on loopback, in its own process group, as the systemd unit runs it."""
    argv = [gallery_bin(), "serve", "--host", "127.0.0.1", "--port", str(port)]
    with log.open("ab") as out:
        process = subprocess.Popen(argv, env=env, stdout=out, stderr=out, start_new_session=True)
    process.log_path = str(log)
    wait_until_up(f"http://127.0.0.1:{port}/", process)
    return process


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    need(gallery_bin() is not None, "the gallery console script is not installed")
    need(nginx_bin() is not None, "nginx is not installed (apt-get install nginx)")
    need(redis_reachable(), f"Redis is not reachable at {REDIS}")
    admin = pg_admin()
    name = "gallery_multi_" + secrets.token_hex(4)
    with admin.cursor() as cur:
        cur.execute(f"CREATE DATABASE {name}")
    tmp = tmp_path_factory.mktemp("multi")
    ports = [free_port(), free_port()]
    front = free_port()
    env = clean_env(tmp)  # one instance folder: the processes share its secret key
    env.update(
        GALLERY_DATABASE=PG.rsplit("/", 1)[0] + "/" + name,
        GALLERY_MESSAGE_QUEUE=REDIS,
        GALLERY_PUBLIC_URL=f"http://127.0.0.1:{front}",
        GALLERY_TRUSTED_PROXIES="1",
        # One phone writes fast here: the per-person limits are not what this test is about.
        GALLERY_POST_LIMIT_PARTICIPANT="10000/minute",
        GALLERY_POST_LIMIT_IP_BASE="10000",
        GALLERY_SOCKET_EVENT_RATE="100",
    )
    state = {"env": env, "ports": ports, "procs": {}, "tmp": tmp}
    try:
        # Both at once on the empty database and the empty instance folder: one schema, one
        # secret key (test_a_session_made_by_one_process_is_valid_on_the_other).
        def start(port: int) -> None:
            state["procs"][port] = start_gallery(port, env, tmp / f"{port}.log")

        with ThreadPoolExecutor(2) as pool:
            list(pool.map(start, ports))
        state["nginx"] = start_nginx(tmp / "nginx", front, ports)
        links = new_workshop(env["GALLERY_DATABASE"], env["GALLERY_PUBLIC_URL"], env, 2, "Multi")
        state.update(
            links=links,
            front=f"http://127.0.0.1:{front}",
            bases=[f"http://127.0.0.1:{p}" for p in ports],
            db=env["GALLERY_DATABASE"],
        )
        yield state
    finally:
        if "nginx" in state:
            stop(state["nginx"])
        for process in state["procs"].values():
            stop(process)
        with admin.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()


def logs(state) -> str:
    return "".join((state["tmp"] / f"{p}.log").read_text() for p in state["ports"])


def stored_notes(url: str, token: str) -> list[tuple[str, int, str]]:
    """(client_id, note id, text) of a station's notes, from PostgreSQL itself."""
    import psycopg2

    with psycopg2.connect(url) as con, con.cursor() as cur:
        cur.execute(
            "SELECT n.client_id, n.id, n.text FROM note n JOIN station s ON s.id = n.station_id"
            " WHERE s.token = %s ORDER BY n.id",
            (token,),
        )
        rows = cur.fetchall()
    con.close()
    return rows


# --- clients --------------------------------------------------------------------------------


class PollingPhone(Phone):
    """The phone page's transport: long-polling first, then the WebSocket upgrade. Through
    nginx that works only with sticky sessions (every request to the same process)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.ack_times: list[float] = []

    def connect(self, timeout: float = 10) -> dict:
        sio = socketio.Client(reconnection=False)
        sio.on("notes_posted", self._on_notes_posted)
        sio.connect(self.base, wait_timeout=timeout)
        self.sio = sio
        # with the outbox's device id, as station.js joins: each reconnect is the same person
        join = {"station": self.station, "device": self.device}
        ack = sio.call("join_station", join, timeout=timeout)
        assert ack["ok"], ack
        self.resend()
        return ack

    def _on_ack(self, client_id: str, reply: dict) -> None:
        super()._on_ack(client_id, reply)
        self.ack_times.append(time.monotonic())


class Wall:
    def __init__(self, base: str, links: dict, transports: list[str] | None = None) -> None:
        self.heard: dict[str, dict] = {}
        self.sio = socketio.Client(reconnection=False)
        self.sio.on("note_posted", lambda note: self.heard.setdefault(note["client_id"], note))
        self.sio.connect(base, transports=transports, wait_timeout=10)
        ws = links["workshop"]
        self.ack = self.sio.call("join_wall", {"workshop": ws["code"], "key": ws["key"]})
        assert self.ack["ok"], self.ack

    def close(self) -> None:
        self.sio.disconnect()


# --- the tests ------------------------------------------------------------------------------


def test_the_deployment_guide_shows_the_tested_files():
    """docs/deploy.md quotes the files in deploy/ in full; the test serves those files."""
    guide = (ROOT / "docs" / "deploy.md").read_text()
    for name in ("nginx-gallery.conf", "gallery@.service", "gallery.env"):
        text = (ROOT / "deploy" / name).read_text().strip()
        if name == "gallery.env":  # the guide shows the settings, the file also a comment
            text = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
        elif name == "gallery@.service":
            text = text[text.index("[Unit]") :]
        assert text in guide, f"docs/deploy.md does not show deploy/{name} as it is"


def test_a_note_posted_on_one_process_reaches_walls_on_the_other(cluster):
    links, (base_a, base_b) = cluster["links"], cluster["bases"]
    token = links["stations"][0]["token"]
    wall_b = Wall(base_b, links, ["websocket"])  # directly on process B
    wall_front = Wall(cluster["front"], links)  # through nginx, polling first
    phone_a = Phone(base_a, token, "direct-a")  # directly on process A
    phone_front = PollingPhone(cluster["front"], token, "front")
    try:
        phone_a.connect()
        phone_front.connect()
        sent = [phone_a.write("Rufbus per App"), phone_front.write("Carsharing im Dorf")]
        wait_for(lambda: len(phone_a.acked) + len(phone_front.acked) == 2, 10, "the acks")
        for wall in (wall_b, wall_front):
            wait_for(lambda w=wall: set(sent) <= set(w.heard), 10, "note_posted on the walls")
        assert phone_a.refused == phone_front.refused == []
    finally:
        for client in (wall_b, wall_front, phone_a, phone_front):
            client.close() if isinstance(client, Wall) else client.drop()


def test_a_session_made_by_one_process_is_valid_on_the_other(cluster):
    """The processes sign cookies with one key: a form from A posts to B (CSRF token in the
    session), as when nginx moves a client after its process restarted."""
    base_a, base_b = cluster["bases"]
    http = requests.Session()
    page = http.get(base_a + "/new", timeout=10)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)
    made = http.post(
        base_b + "/new",
        data={"csrf_token": token, "title": "Quer", "station_title": "Eins", "station_prompt": "?"},
        allow_redirects=False,
        timeout=10,
    )
    assert made.status_code == 303, made.text[:500]


def test_the_processes_reconnect_after_postgresql_dropped_them(cluster):
    """What a restart of PostgreSQL does to the processes' long-lived connections: each must
    open a new one, not fail "connection already closed" until it is restarted itself."""
    admin = pg_admin()
    name = cluster["db"].rsplit("/", 1)[1]
    with admin.cursor() as cur:
        cur.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = %s",
            (name,),
        )
        assert cur.fetchone()[0] >= 2  # one per process
    admin.close()
    token = cluster["links"]["stations"][0]["token"]
    for n, base in enumerate(cluster["bases"]):
        # HTTP on the first, a socket on the other: each one's first request after the drop
        r = requests.get(f"{base}/api/v1/stations/{token}", timeout=10) if n == 0 else None
        assert r is None or r.status_code == 200
        phone = Phone(base, token, f"after-drop-{n}")
        try:
            phone.connect()
            phone.write("Nach dem Neustart der Datenbank")
            wait_for(lambda p=phone: len(p.acked) == 1, 10, "the ack after the reconnect")
        finally:
            phone.drop()


def test_a_rolling_restart_loses_and_doubles_no_note(cluster):
    """A phone keeps writing through nginx while process A restarts (SIGTERM, as systemctl
    restart does) and then process B crashes (SIGKILL) and comes back. Its outbox resends what
    was not acknowledged; PostgreSQL must hold every note exactly once."""
    links, env, tmp = cluster["links"], cluster["env"], cluster["tmp"]
    token = links["stations"][1]["token"]
    phone = PollingPhone(cluster["front"], token, "walker")
    phone.connect()
    done = threading.Event()
    connects = []

    def keep_connected() -> None:
        """The phone page reconnects by itself; so does this phone."""
        while not done.is_set():
            if not phone.connected:
                try:
                    phone.reconnect(seconds=20)
                    connects.append(time.monotonic())
                except (socketio.exceptions.SocketIOError, OSError):
                    pass
            time.sleep(0.05)

    def write() -> None:
        n = 0
        while not done.is_set():
            n += 1
            phone.write(f"Idee {n}: mehr Bänke am Marktplatz")
            time.sleep(0.1)

    threads = [threading.Thread(target=f, daemon=True) for f in (keep_connected, write)]
    for t in threads:
        t.start()
    started = time.monotonic()
    try:
        time.sleep(1)
        for port, how in zip(cluster["ports"], (signal.SIGTERM, signal.SIGKILL), strict=True):
            stop(cluster["procs"][port], how)
            cluster["procs"][port] = start_gallery(port, env, tmp / f"{port}.log")
            time.sleep(1)
        done.set()
        for t in threads:
            t.join(30)
        if not phone.connected:
            phone.reconnect()
        wait_for(lambda: phone.waiting() == 0, 30, "the outbox to empty")
        wall = Wall(cluster["front"], links)
        wall.close()
    finally:
        done.set()
        phone.drop()
    took = time.monotonic() - started

    rows = stored_notes(cluster["db"], token)
    per_id = Counter(client_id for client_id, _id, _text in rows)
    assert phone.refused == []
    assert [c for c, n in per_id.items() if n > 1] == []
    assert {c: text for c, _id, text in rows} == phone.written
    assert {c: note_id for c, note_id, _t in rows} == phone.acked  # acked means committed
    assert connects, "the phone never lost its process: nothing was tested"
    on_wall = {n["client_id"] for n in wall.ack["notes"]}
    assert set(phone.written) <= on_wall
    assert not re.search(r"IntegrityError|OperationalError|InterfaceError", logs(cluster))
    gap = max(b - a for a, b in zip(phone.ack_times, phone.ack_times[1:], strict=False))
    print(
        f"\nrolling restart: {len(phone.written)} notes written in {took:.1f} s, "
        f"{len(connects)} reconnects, {phone.resent} resent, {phone.already_stored} of them "
        f"stored before their ack was lost; {len(rows)} stored, 0 duplicates, 0 lost; "
        f"longest time without an ack {gap:.1f} s"
    )

"""The real production server (gunicorn + gevent) with real Socket.IO clients."""

from __future__ import annotations

import json
import os
import subprocess
import threading

import pytest
import requests
import socketio

from tests.support import free_port, gallery_bin, need, start_server, stop

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    exe = gallery_bin()
    need(exe is not None, "the gallery console script is not installed")
    tmp = tmp_path_factory.mktemp("live")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    # Rate limits off: test_cli_writes_beside_a_busy_server posts 400 notes as fast as it can
    # from one cookie-less client, a load test and not abuse (limits: tests/test_limits.py).
    env = {**os.environ, "GALLERY_INSTANCE_PATH": str(tmp), "GALLERY_RATE_LIMITS": "false"}
    db = str(tmp / "live.db")
    made = subprocess.run(
        [exe, "demo", "--json", "--db", db, "--public-url", base],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    server = start_server(port, db, env)
    yield {"base": base, "links": json.loads(made.stdout), "db": db, "env": env}
    stop(server)


def connect(base: str, **kwargs) -> socketio.Client:
    client = socketio.Client(reconnection=False)
    client.connect(base, transports=["websocket"], wait_timeout=10, **kwargs)
    return client


def test_phone_posts_wall_receives(live):
    base, links = live["base"], live["links"]
    token = links["stations"][0]["token"]
    got = threading.Event()
    seen = []
    wall = connect(base)
    phone = connect(base)
    try:

        @wall.on("note_posted")
        def on_note(note):
            seen.append(note)
            got.set()

        ack = wall.call(
            "join_wall", {"workshop": links["workshop"]["code"], "key": links["workshop"]["key"]}
        )
        assert ack["ok"] and len(ack["stations"]) == 4
        assert phone.call("join_station", {"station": token})["ok"]
        reply = phone.call(
            "post_note", {"station": token, "text": "Echt jetzt", "client_id": "live-0001"}
        )
        assert reply["ok"] and reply["note"]["text"] == "Echt jetzt"
        assert got.wait(5), "the wall never heard note_posted"
        assert seen[0]["id"] == reply["note"]["id"]
        again = phone.call("post_note", {"station": token, "text": "x", "client_id": "live-0001"})
        assert again["note"]["id"] == reply["note"]["id"]
    finally:
        wall.disconnect()
        phone.disconnect()


def test_http_post_reaches_a_socket_wall(live):
    base, links = live["base"], live["links"]
    token = links["stations"][1]["token"]
    got = threading.Event()
    wall = connect(base)
    try:
        wall.on("note_posted", lambda note: got.set())
        wall.call(
            "join_wall", {"workshop": links["workshop"]["code"], "key": links["workshop"]["key"]}
        )
        r = requests.post(
            f"{base}/api/v1/stations/{token}/notes",
            json={"text": "per HTTP", "client_id": "live-http-1"},
            timeout=5,
        )
        assert r.status_code == 201
        assert got.wait(5)
    finally:
        wall.disconnect()


def test_cross_origin_socket_is_refused(live):
    with pytest.raises(socketio.exceptions.ConnectionError):
        connect(live["base"], headers={"Origin": "http://evil.example"})


def test_static_assets_are_served_from_the_package(live):
    r = requests.get(live["base"] + "/static/vendor/socket.io-4.8.1.min.js", timeout=5)
    assert r.status_code == 200 and b"Socket.IO v4.8.1" in r.content


def test_the_wall_hears_clusters_from_the_worker_process(live):
    """Placement and re-clustering run in the clustering worker process; the wall hears
    clusters_updated with every new note placed."""
    base, links = live["base"], live["links"]
    token = links["stations"][2]["token"]
    updates = []
    done = threading.Event()
    wall = connect(base)
    phone = connect(base)
    posted = set()

    def on_clusters(state):
        updates.append(state)
        placed = {n for c in state["clusters"] for n in c["note_ids"]}
        if state["station"] == token and posted and posted <= placed:
            done.set()

    try:
        wall.on("clusters_updated", on_clusters)
        wall.call(
            "join_wall", {"workshop": links["workshop"]["code"], "key": links["workshop"]["key"]}
        )
        for i, text in enumerate(
            [
                "Windrad-Strom für das Dorf",
                "Windkraft mit Bürgerbeteiligung",
                "Radwege digital planen",
            ]
        ):
            reply = phone.call(
                "post_note", {"station": token, "text": text, "client_id": f"cluster-live-{i}"}
            )
            posted.add(reply["note"]["id"])
        assert done.wait(20), f"notes never placed: {updates[-1:] if updates else 'no update'}"
    finally:
        wall.disconnect()
        phone.disconnect()


def test_cli_writes_beside_a_busy_server(live, tmp_path):
    """`gallery demo` (another process) writes into the database while the server stores
    and clusters notes: SQLite must wait for the lock, never fail with "database is locked"."""
    base, links = live["base"], live["links"]
    token = links["stations"][0]["token"]
    db = str(live["db"])
    stop = threading.Event()
    posted = []

    def post():
        i = 0
        while not stop.is_set() and i < 400:
            r = requests.post(
                f"{base}/api/v1/stations/{token}/notes",
                timeout=10,
                json={"text": f"Idee Nummer {i}", "client_id": f"busy-{i:06d}"},
            )
            posted.append(r.status_code)
            i += 1

    writer = threading.Thread(target=post)
    writer.start()
    try:
        for _ in range(3):
            done = subprocess.run(
                [gallery_bin(), "demo", "--json", "--db", db],
                capture_output=True,
                text=True,
                env=live["env"],
                timeout=120,
            )
            assert done.returncode == 0, done.stderr[-1500:]
    finally:
        stop.set()
        writer.join(30)
    assert posted and set(posted) == {201}

"""Simulated phones for the tests that run the real server: a python-socketio client with the
outbox of static/js/outbox.js, and the plumbing to seed a workshop and read the database.

The outbox rules, as the phone page follows them (docs/protocol.md "Exactly once"): every
note gets its client_id before it is sent; it leaves the outbox only when an ack says `ok`;
after every (re)connect the phone sends `join_station` and then everything still waiting.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import sqlite3
import subprocess
import threading
import time
import uuid
from pathlib import Path

import requests
import socketio

from tests.support import gallery_bin, need


def clean_env(workdir: Path) -> dict[str, str]:
    """The caller's GALLERY_* settings must not leak into a server under test."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GALLERY_")}
    env["GALLERY_INSTANCE_PATH"] = str(workdir / "instance")
    return env


def new_workshop(db: Path, base: str, env: dict, stations: int, title: str = "Crash") -> dict:
    """`gallery workshop new ... --json` on the database: the workshop's links."""
    exe = gallery_bin()
    need(exe is not None, "the gallery console script is not installed")
    argv = [exe, "workshop", "new", title, "--json", "--db", str(db), "--public-url", base]
    for i in range(stations):
        argv += ["--station", f"Station {i + 1}: Was fehlt hier?"]
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def stored_notes(db: Path) -> list[tuple[str, str, int, str]]:
    """(station token, client_id, note id, text) of every note, read from the file itself."""
    with sqlite3.connect(db, timeout=30) as con:
        return con.execute(
            "SELECT s.token, n.client_id, n.id, n.text FROM note n JOIN station s"
            " ON s.id = n.station_id ORDER BY n.id"
        ).fetchall()


def wait_for(condition, seconds: float, what: str, step: float = 0.05) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {seconds:.0f} s waiting for {what}")
        time.sleep(step)


class Phone:
    """One phone on one station: an outbox of unacknowledged notes, resent after reconnects."""

    def __init__(self, base: str, station: str, name: str) -> None:
        self.base = base
        self.station = station
        self.name = name
        self.sio: socketio.Client | None = None
        self.lock = threading.Lock()
        self.outbox: dict[str, dict] = {}  # client_id -> payload, oldest first
        self.written: dict[str, str] = {}  # client_id -> text, everything this phone wrote
        self.acked: dict[str, int] = {}  # client_id -> note id the ack carried
        self.already_stored = 0  # acks with created=false: stored before, the ack was lost
        self.refused: list[dict] = []
        self.heard: dict[str, dict] = {}  # notes of notes_posted broadcasts, by client_id
        self.resent = 0
        self._seq = 0
        # As outbox.js: a device id kept for good, sent with the join and every note, so that
        # each reconnect is the same participant (the connections bring no cookie).
        self.device = uuid.uuid4().hex

    # -- connection ---------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        return self.sio is not None and self.sio.connected

    def connect(self, timeout: float = 10) -> dict:
        """Connect, join the station, resend the outbox; returns the join_station ack."""
        sio = socketio.Client(reconnection=False)
        sio.on("notes_posted", self._on_notes_posted)
        sio.connect(self.base, transports=["websocket"], wait_timeout=timeout)
        self.sio = sio
        join = {"station": self.station, "device": self.device}
        ack = sio.call("join_station", join, timeout=timeout)
        assert ack["ok"], ack
        self.resend()
        return ack

    def reconnect(self, seconds: float = 30) -> dict:
        """Try until the server answers again, as the phone page's socket does."""
        deadline = time.monotonic() + seconds
        while True:
            self.drop()
            try:
                return self.connect(timeout=5)
            except (socketio.exceptions.SocketIOError, OSError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def drop(self) -> None:
        """Go offline (the socket is closed; the outbox stays)."""
        sio, self.sio = self.sio, None
        if sio is not None:
            sio.disconnect()

    # -- the outbox -----------------------------------------------------------------------

    def write(self, text: str) -> str:
        """A person types a note and presses send: into the outbox first, then out."""
        with self.lock:
            self._seq += 1
            client_id = f"{self.name}-{self._seq:05d}"
            payload = {"station": self.station, "text": text, "client_id": client_id,
                       "device": self.device}  # fmt: skip
            self.outbox[client_id] = payload
            self.written[client_id] = text
        self._send(payload)
        return client_id

    def resend(self) -> int:
        with self.lock:
            waiting = list(self.outbox.values())
            self.resent += len(waiting)
        for payload in waiting:
            self._send(payload)
        return len(waiting)

    def resend_over_http(self) -> int:
        """The outbox's other transport (outbox.js posts over HTTP while the socket is down):
        201 stored now, 200 stored before."""
        with self.lock:
            waiting = list(self.outbox.values())
            self.resent += len(waiting)
        for payload in waiting:
            response = requests.post(
                f"{self.base}/api/v1/stations/{self.station}/notes", json=payload, timeout=10
            )
            reply = response.json()
            if reply.get("ok"):
                reply["created"] = response.status_code == 201
            self._on_ack(payload["client_id"], reply)
        return len(waiting)

    def waiting(self) -> int:
        with self.lock:
            return len(self.outbox)

    def _send(self, payload: dict) -> None:
        sio = self.sio
        if sio is None or not sio.connected:
            return  # stays in the outbox until the next reconnect
        callback = functools.partial(self._on_ack, payload["client_id"])
        # The connection may die under us: the outbox keeps the note either way.
        with contextlib.suppress(socketio.exceptions.SocketIOError):
            sio.emit("post_note", payload, callback=callback)

    def _on_ack(self, client_id: str, reply: dict) -> None:
        with self.lock:
            if not reply.get("ok"):
                self.refused.append(reply)
                return
            note_id = reply["note"]["id"]
            if (
                reply["note"]["client_id"] != client_id
                or self.acked.get(client_id, note_id) != note_id
            ):
                self.refused.append({"wrong ack": reply, "client_id": client_id})
                return  # (an assert would die unseen in the client's thread)
            self.outbox.pop(client_id, None)
            self.acked[client_id] = note_id
            if not reply["created"]:
                self.already_stored += 1

    def _on_notes_posted(self, batch: dict) -> None:
        with self.lock:
            for note in batch["notes"]:
                self.heard[note["client_id"]] = note

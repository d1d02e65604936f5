"""Crash safety: the real server is killed with SIGKILL while 50 phones post, then restarted
on the same port and database. Every acknowledged note must be stored exactly once, and the
phones' outboxes must bring every other note in, without a duplicate.

`pytest -s tests/test_crash.py` prints the counts.
"""

from __future__ import annotations

import os
import random
import signal
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import socketio

from tests.phones import Phone, clean_env, new_workshop, stored_notes, wait_for
from tests.support import free_port, start_server, stop

pytestmark = pytest.mark.server

PHONES = 50
STATIONS = 5
NOTES_EACH = 16  # per phone, 2-5 a second; the kill comes when a quarter are acked


def test_sigkill_mid_stream_loses_and_doubles_nothing(tmp_path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = clean_env(tmp_path)
    # 50 phones without cookies, each writing a note every 0.15 s from one address: far
    # beyond people, and not what this test is about (tests/test_limits.py is).
    env["GALLERY_RATE_LIMITS"] = "false"
    db = tmp_path / "crash.db"
    links = new_workshop(db, base, env, STATIONS)
    tokens = [s["token"] for s in links["stations"]]
    server = start_server(port, str(db), env)
    phones = [Phone(base, tokens[i % STATIONS], f"phone{i:02d}") for i in range(PHONES)]
    pool = ThreadPoolExecutor(max_workers=PHONES)
    try:
        list(pool.map(lambda p: p.connect(), phones))

        def walk(phone: Phone, seed: int) -> None:
            """A person writing notes at a station, a few a second, online or not."""
            rng = random.Random(seed)
            for n in range(NOTES_EACH):
                phone.write(f"Idee {n} von {phone.name}: {rng.choice(WORDS)} {rng.choice(WORDS)}")
                stopped.wait(rng.uniform(0.2, 0.5))

        stopped = threading.Event()
        writers = [
            threading.Thread(target=walk, args=(p, i), daemon=True) for i, p in enumerate(phones)
        ]
        for w in writers:
            w.start()

        def acked() -> int:
            return sum(len(p.acked) for p in phones)

        def written() -> int:
            return sum(len(p.written) for p in phones)

        # Mid-stream: a quarter of the notes acked, the people still writing.
        wait_for(lambda: acked() >= PHONES * NOTES_EACH // 4, 60, "the first acks")
        os.killpg(server.pid, signal.SIGKILL)  # the server and its clustering worker, no goodbye
        server.wait(timeout=10)
        wait_for(lambda: not any(p.connected for p in phones), 30, "the phones to notice")
        acked_before = acked()
        waiting_at_kill = sum(p.waiting() for p in phones)

        killed = time.monotonic()
        server = start_server(port, str(db), env)  # same port, same database
        restart = time.monotonic() - killed
        for w in writers:  # the people keep writing: the rest of their notes wait offline
            w.join(60)
        total = written()
        offline_written = sum(p.waiting() for p in phones) - waiting_at_kill
        # Half the phones send their outbox over HTTP first (the page's fallback while its
        # socket is still down), then every phone reconnects: join_station, resend the rest.
        list(pool.map(lambda p: p.resend_over_http(), phones[1::2]))
        list(pool.map(lambda p: p.reconnect(), phones))
        wait_for(lambda: all(p.waiting() == 0 for p in phones), 60, "every outbox to empty")
        caught_up = time.monotonic() - killed

        refused = [r for p in phones for r in p.refused]
        assert not refused, refused[:3]
        resent = sum(p.resent for p in phones)
        already = sum(p.already_stored for p in phones)

        # Through the HTTP API (page after page): each station lists each of its notes once.
        via_api = {}
        for token in tokens:
            notes, more = [], ""
            while more is not None:
                query = {"before": more} if more else {}
                page = requests.get(f"{base}/api/v1/stations/{token}", query, timeout=10).json()
                notes, more = notes + page["notes"], page["more"]
            ids = Counter(n["client_id"] for n in notes)
            assert max(ids.values()) == 1, [c for c, k in ids.items() if k > 1][:5]
            via_api.update({n["client_id"]: (token, n["id"], n["text"]) for n in notes})

        # A wall opened after the restart shows every note once, too.
        wall = socketio.Client(reconnection=False)
        wall.connect(base, transports=["websocket"], wait_timeout=10)
        join = {"workshop": links["workshop"]["code"], "key": links["workshop"]["key"]}
        state = wall.call("join_wall", join, timeout=30)
        wall.disconnect()
        on_wall = Counter(n["client_id"] for n in state["notes"])
        assert set(on_wall) == set(via_api) and max(on_wall.values()) == 1
    finally:
        pool.shutdown(wait=False)
        for p in phones:
            p.drop()
        stop(server)

    # In the database file itself, after the server has stopped.
    rows = stored_notes(db)
    per_key = Counter((token, client_id) for token, client_id, _id, _text in rows)
    duplicates = [key for key, n in per_key.items() if n > 1]
    stored = {client_id: (token, note_id, text) for token, client_id, note_id, text in rows}
    expected = {cid: (p.station, text) for p in phones for cid, text in p.written.items()}

    assert not duplicates, duplicates[:5]
    assert len(rows) == total == len(expected), (len(rows), total)
    assert {cid: (t, text) for cid, (t, _i, text) in stored.items()} == expected
    assert via_api == stored
    # Acknowledged means committed: each ack named the row that is there now.
    assert {cid: stored[cid][1] for p in phones for cid in p.acked} == {
        cid: note_id for p in phones for cid, note_id in p.acked.items()
    }
    assert 0 < acked_before < total
    assert waiting_at_kill + offline_written == resent  # every unacked note was resent once
    print(
        f"\ncrash: {PHONES} phones wrote {total} notes; {acked_before} acked before SIGKILL; "
        f"{waiting_at_kill} unacked at the kill and {offline_written} written while the server "
        f"was down, {resent} resent after the restart ({already} of them had been stored "
        f"before the kill, their ack lost); {len(rows)} stored, 0 duplicates, 0 lost; "
        f"the restart took {restart:.1f} s, every outbox was empty {caught_up:.1f} s after "
        f"the kill"
    )


WORDS = [
    "Glasfaser", "Bürgerbus", "Förderung", "Radweg", "Ärztehaus", "WLAN", "Schule", "Café",
    "Jugendraum", "Car-Sharing", "Photovoltaik", "Dorfladen", "Sprechstunde", "Bücherei",
]  # fmt: skip

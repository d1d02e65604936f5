"""Bounded answers (issue 20): a phone's join and the station API page their notes, a note's
replies are capped and travel newest first within a budget, and the bytes of an answer cost
the connection's event budget."""

from __future__ import annotations

import json
import uuid

from gallery import socketio
from gallery.live import socket as live_socket
from gallery.store.db import utcnow
from gallery.store.models import Note, Reply, Station
from stations.budget import first_within, newest_within
from tests import test_limits
from tests.test_limits import assert_rate_limited

make_app = test_limits.make_app  # the fixture: an app with some settings changed
LONG = "Glasfaser für Dörfer 🚀 " * 21  # 483 characters, most of them escaped in JSON


def wire_bytes(value) -> int:
    return len(json.dumps(value, separators=(",", ":")))


def fill(app, token: str, notes: int, replies_on_first: int = 0) -> list[int]:
    """A station filled straight in the database (as an old server or an import left it)."""
    with app.app_context():
        station = Station.by_token(token)
        now = utcnow()
        rows = [dict(station=station.id, text=LONG, client_id=f"fill-{i:06}", participant=f"p{i}",
                     created_at=now) for i in range(notes)]  # fmt: skip
        Note.insert_many(rows).execute()
        ids = [n.id for n in Note.select(Note.id).where(Note.station == station)]
        if replies_on_first:
            Reply.insert_many(
                [
                    dict(
                        note=ids[0],
                        text=LONG,
                        client_id=f"r-{i:06}",
                        participant=f"q{i}",
                        created_at=now,
                    )
                    for i in range(replies_on_first)
                ]  # fmt: skip
            ).execute()
        return ids


def test_picking_what_fits():
    assert first_within([5, 5, 5], 10, int) == [5, 5]
    assert first_within([50, 5], 10, int) == [50]  # always the first: every page moves on
    assert first_within([], 10, int) == []
    assert newest_within([1, 2, 3, 4], 7, int) == [3, 4]
    assert newest_within([1, 2, 30], 7, int) == [30]


def test_a_full_stations_join_is_paged_and_every_note_arrives_once(make_app):
    # bytes: the last test; the 61 pages at once: more than a connection's burst of events
    app = make_app(MAX_NOTES_PER_STATION=2000, SOCKET_EVENT_BYTES=0, SOCKET_EVENT_BURST=100)
    token = app.stations[0]
    ids = fill(app, token, 2000, replies_on_first=0)
    phone = socketio.test_client(app)
    joined = phone.emit("join_station", {"station": token}, callback=True)
    assert joined["ok"] and wire_bytes(joined) < 64 * 1024
    assert joined["station"]["note_count"] == 2000
    seen = [n["id"] for n in joined["notes"]]
    assert seen == sorted(seen, reverse=True) and seen[0] == max(ids)
    more = joined["more"]
    pages = 1
    while more:
        page = phone.emit("more_notes", {"station": token, "before": more}, callback=True)
        assert page["ok"] and wire_bytes(page) < 64 * 1024, (pages, page.get("error"))
        seen += [n["id"] for n in page["notes"]]
        more, pages = page["more"], pages + 1
    assert sorted(seen) == sorted(ids) and len(seen) == len(set(seen))
    assert pages > 20  # about 32 KiB each
    refused = phone.emit("more_notes", {"station": token, "before": 2**63}, callback=True)
    assert refused["error"]["code"] == "invalid_payload"
    phone.disconnect()

    client = app.test_client()
    first = client.get(f"/api/v1/stations/{token}").get_json()
    assert len(first["notes"]) < 100 and first["more"]
    older = client.get(f"/api/v1/stations/{token}?before={first['more']}").get_json()
    assert older["notes"][0]["id"] == first["more"] - 1
    assert {n["id"] for n in older["notes"]}.isdisjoint(n["id"] for n in first["notes"])
    for bad in ("x", "0", "²", "9" * 30, "-1"):
        answer = client.get(f"/api/v1/stations/{token}?before={bad}")
        assert answer.status_code == 400 and answer.get_json()["error"]["code"] == "invalid_payload"


def test_replies_per_note_are_capped(make_app):
    app = make_app(MAX_REPLIES_PER_NOTE=3)
    token = app.stations[0]
    (note_id,) = fill(app, token, 1)
    phone = socketio.test_client(app, flask_test_client=app.test_client())
    phone.emit("join_station", {"station": token}, callback=True)
    sent = [{"note_id": note_id, "text": f"Antwort {i}", "client_id": uuid.uuid4().hex}
            for i in range(4)]  # fmt: skip
    acks = [phone.emit("reply_note", r, callback=True) for r in sent]
    assert [a["ok"] for a in acks] == [True, True, True, False]
    assert acks[-1]["error"]["code"] == "note_full" and "3" in acks[-1]["error"]["message"]
    assert phone.emit("reply_note", sent[0], callback=True)["created"] is False  # a resend
    phone.disconnect()


def test_a_plus_one_on_a_note_with_many_replies_sends_a_bounded_message(make_app):
    app = make_app()
    token = app.stations[0]
    (note_id,) = fill(app, token, 1, replies_on_first=1200)
    phone = socketio.test_client(app, flask_test_client=app.test_client())
    joined = phone.emit("join_station", {"station": token}, callback=True)
    assert wire_bytes(joined) < 64 * 1024
    assert joined["notes"][0]["reply_count"] == 1200
    other = socketio.test_client(app, flask_test_client=app.test_client())
    other.emit("join_station", {"station": token}, callback=True)
    other.get_received()
    ack = phone.emit("plus_one", {"note_id": note_id}, callback=True)
    assert ack["ok"] and wire_bytes(ack) < 32 * 1024
    (heard,) = [m["args"][0] for m in other.get_received() if m["name"] == "note_updated"]
    assert wire_bytes(heard) < 32 * 1024
    assert heard["plus_ones"] == 1 and heard["reply_count"] == 1200
    assert heard["replies"][-1]["client_id"] == "r-001199"  # the newest ones
    phone.disconnect()
    other.disconnect()


def test_big_answers_cost_their_bytes(make_app, monkeypatch):
    """Asking for a full station's join again and again runs the connection's budget dry
    after a few dozen bytes-heavy answers, not after SOCKET_EVENT_BURST of them."""
    monkeypatch.setattr(live_socket, "clock", lambda: 5000.0)
    app = make_app(MAX_NOTES_PER_STATION=2000)
    token = app.stations[0]
    fill(app, token, 300)
    prober = socketio.test_client(app)
    answers = [prober.emit("join_station", {"station": token}, callback=True) for _ in range(30)]
    served = [a for a in answers if a["ok"]]
    assert 10 <= len(served) <= 20
    assert_rate_limited(answers[-1])
    prober.disconnect()

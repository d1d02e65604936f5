"""New notes reach a station's phones in batches (gallery/live/fanout.py), the wall each at once."""

from __future__ import annotations

import time

import pytest

from gallery.clustering import scheduler
from gallery.live import fanout
from gallery.live.fanout import PhoneFanout


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def fake():
    """A PhoneFanout on a fake clock; `sent` lists (token, notes), `timers` (delay, run)."""
    clock = Clock()
    sent: list[tuple[str, list]] = []
    timers: list[tuple[float, object]] = []
    out = PhoneFanout(lambda token, notes: sent.append((token, notes)),
                      lambda delay, run: timers.append((delay, run)), clock)  # fmt: skip
    return out, clock, sent, timers


def test_the_first_note_goes_at_once_and_a_burst_waits_for_one_send(fake):
    out, clock, sent, timers = fake
    out.add("A", {"id": 1}, 0.25)
    assert sent == [("A", [{"id": 1}])] and timers == []
    clock.now += 0.1
    out.add("A", {"id": 2}, 0.25)
    out.add("B", {"id": 3}, 0.25)  # another station is not held up
    clock.now += 0.05
    out.add("A", {"id": 4}, 0.25)
    assert sent[1:] == [("B", [{"id": 3}])]
    assert [round(delay, 6) for delay, _ in timers] == [0.15]  # one timer per batch
    clock.now += 0.1
    timers[0][1]()
    assert sent[2:] == [("A", [{"id": 2}, {"id": 4}])]
    clock.now += 0.1  # within the interval of that send: waits again
    out.add("A", {"id": 5}, 0.25)
    assert len(sent) == 3 and round(timers[1][0], 6) == 0.15
    clock.now += 1.0  # a timer that finds its notes sent already sends nothing
    out.flush("A")
    timers[1][1]()
    assert sent[3:] == [("A", [{"id": 5}])]
    clock.now += 1.0  # after a quiet moment: at once again
    out.add("A", {"id": 6}, 0.25)
    assert sent[4:] == [("A", [{"id": 6}])] and len(timers) == 2


def test_no_interval_sends_every_note_at_once(fake):
    out, _clock, sent, timers = fake
    for n in range(3):
        out.add("A", {"id": n}, 0)
    assert sent == [("A", [{"id": n}]) for n in range(3)] and timers == []


def test_a_batch_whose_timer_never_ran_goes_with_the_next_note(fake):
    out, clock, sent, timers = fake
    out.add("A", {"id": 1}, 0.25)
    out.add("A", {"id": 2}, 0.25)
    clock.now += 0.25 + fanout.LATE + 0.01  # its timer died: nothing was sent
    out.add("A", {"id": 3}, 0.25)
    assert sent == [("A", [{"id": 1}]), ("A", [{"id": 2}, {"id": 3}])] and len(timers) == 1


def test_without_a_timer_the_notes_go_at_once(fake):
    out, _clock, sent, _timers = fake

    def no_timer(delay, run):
        raise RuntimeError("can't start new thread")

    out._spawn_later = no_timer
    out.add("A", {"id": 1}, 0.25)
    out.add("A", {"id": 2}, 0.25)
    assert sent == [("A", [{"id": 1}]), ("A", [{"id": 2}])]


def test_a_removed_station_is_forgotten_with_its_waiting_notes(fake):
    out, _clock, sent, timers = fake
    out.add("A", {"id": 1}, 0.25)
    out.add("A", {"id": 2}, 0.25)
    out.discard("A")
    timers[0][1]()
    out.add("A", {"id": 3}, 0.25)  # a station of that token would start afresh
    assert sent == [("A", [{"id": 1}]), ("A", [{"id": 3}])]


def received(client) -> list[tuple[str, object]]:
    """What a client heard, in order (the walls' clusters_updated left out)."""
    return [(e["name"], e["args"][0]) for e in client.get_received()
            if e["name"] != "clusters_updated"]  # fmt: skip


def post(phone, station, n: int) -> dict:
    body = {"station": station.token, "text": f"Idee {n}", "client_id": f"fan-{n:04d}"}
    ack = phone.emit("post_note", body, callback=True)
    assert ack["ok"] and ack["created"], ack
    return ack["note"]


@pytest.fixture
def room(app, sio, workshop, monkeypatch):
    """Two phones and a wall at station 1; no clustering (its first run loads the model,
    slower than a batch interval)."""
    monkeypatch.setattr(scheduler, "note_added", lambda note: None)
    ws, key, (s1, _) = workshop
    poster, reader, wall = sio(), sio(), sio()
    for phone in (poster, reader):
        assert phone.emit("join_station", {"station": s1.token}, callback=True)["ok"]
    assert wall.emit("join_wall", {"workshop": ws.code, "key": key}, callback=True)["ok"]
    for c in (poster, reader, wall):
        c.get_received()
    return s1, poster, reader, wall


def test_phones_hear_a_burst_together_and_the_wall_each_note_at_once(app, room):
    s1, poster, reader, wall = room
    app.config["PHONE_BATCH"] = 1.0
    notes = [post(poster, s1, n) for n in range(3)]
    assert received(wall) == [("note_posted", n) for n in notes]
    first = [("notes_posted", {"station": s1.token, "notes": notes[:1]})]
    assert received(reader) == first
    deadline = time.monotonic() + 5
    heard: list = []
    while not heard and time.monotonic() < deadline:
        time.sleep(0.05)
        heard = received(reader)
    assert heard == [("notes_posted", {"station": s1.token, "notes": notes[1:]})]
    assert received(poster) == first + heard  # the poster's phone too (its acks came first)


def test_a_change_to_a_waiting_note_sends_the_note_first(app, room, workshop):
    s1, poster, reader, wall = room
    app.config["PHONE_BATCH"] = 5.0  # only the hiding can send it in time
    first, waiting = post(poster, s1, 1), post(poster, s1, 2)
    ack = wall.emit("hide_note", {"note_id": waiting["id"]}, callback=True)
    assert ack["ok"]
    assert received(reader) == [
        ("notes_posted", {"station": s1.token, "notes": [first]}),
        ("notes_posted", {"station": s1.token, "notes": [waiting]}),
        ("note_hidden", {"station": s1.token, "note_id": waiting["id"]}),
    ]

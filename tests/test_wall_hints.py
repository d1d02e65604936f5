"""The facilitator works with the engine on the wall: a move changes that note (and at most
the notes that follow it into its new group), "Gruppen: N" cuts exactly, typed topics become
the groups, and a regroup asked for is done once."""

from __future__ import annotations

import pytest

from gallery.actions import results
from gallery.clustering import jobs
from gallery.clustering.store import topics_of
from gallery.store.models import Station, Workshop
from stations import export

from .test_topics import NOTES, groups_on_the_wall, members, post_all, state


def where(station) -> dict:
    return {n: key for key, notes in members(station).items() for n in notes}


def test_a_move_changes_that_note_and_nothing_else(client, workshop, wall):
    _, _, (s1, _) = workshop
    ids = post_all(client, s1)
    before = where(s1)
    note = ids[-1]
    target = next(key for n, key in before.items() if key != before[note])
    ack = wall.emit(
        "move_note", {"station": s1.token, "note_id": note, "cluster": target}, callback=True
    )
    assert ack["ok"]
    after = where(s1)
    assert after[note] == target
    changed = {n for n in ids if n != note and after[n] != before[n]}
    # only notes that follow the moved note into its group may change (hold.propagate)
    assert all(after[n] == target for n in changed), (before, after)
    jobs.recluster(s1.id)  # a later re-clustering with nothing new keeps it so
    assert where(s1) == after


def test_arrivals_after_a_move_are_placed_and_the_moved_note_stays(client, workshop, wall):
    _, _, (s1, _) = workshop
    ids = post_all(client, s1, NOTES[:6])
    target = where(s1)[ids[0]]
    wall.emit("move_note", {"station": s1.token, "note_id": ids[5], "cluster": target},
              callback=True)  # fmt: skip
    new = post_all(client, s1, NOTES[6:])
    now = where(s1)
    assert set(now) == set(ids) | set(new)
    assert now[ids[5]] == target
    assert Station.get_by_id(s1.id).settled_note == max(new)


def test_groups_n_cuts_exactly(client, workshop, wall):
    _, _, (s1, _) = workshop
    post_all(client, s1)
    for n in (1, 2, 3):
        ack = wall.emit("set_groups", {"station": s1.token, "groups": n}, callback=True)
        assert ack["ok"] and ack["groups"] == n
        assert groups_on_the_wall(ack) == n
    assert not Station.get_by_id(s1.id).regroup  # done once, then the wall holds again
    ack = wall.emit("set_groups", {"station": s1.token, "groups": None}, callback=True)
    assert ack["ok"] and ack["groups"] is None
    for bad in (0, 51, "3", True, 2.5):
        ack = wall.emit("set_groups", {"station": s1.token, "groups": bad}, callback=True)
        assert ack["error"]["code"] == "invalid_group_count"
        assert "50" in ack["error"]["message"]


def test_typed_topics_become_the_groups(client, workshop, wall):
    _, _, (s1, _) = workshop
    post_all(client, s1)
    ack = wall.emit(
        "set_topics",
        {"station": s1.token, "topics": "Mobilität\nEnergie\n\n mobilität "},
        callback=True,
    )
    assert ack["ok"] and ack["topics"] == ["Mobilität", "Energie"]
    labels = {c["label"] for c in ack["clusters"] if not c["single"]}
    assert labels <= {"Mobilität", "Energie"} and labels
    assert sum(len(c["note_ids"]) for c in ack["clusters"]) == len(NOTES)
    assert topics_of(Station.get_by_id(s1.id).topics) == ["Mobilität", "Energie"]
    ack = wall.emit("set_topics", {"station": s1.token, "topics": []}, callback=True)
    assert ack["ok"] and ack["topics"] == []
    for bad, code in (({"a": 1}, "invalid_topics"), (["x" * 61], "topic_too_long"),
                      ([f"T{i}" for i in range(21)], "too_many_topics")):  # fmt: skip
        ack = wall.emit("set_topics", {"station": s1.token, "topics": bad}, callback=True)
        assert ack["error"]["code"] == code
    assert state(s1)["topics"] == []


def test_topics_typed_in_new_and_changed_on_the_manage_page(client):
    form = {
        "title": "Digital-Gipfel", "language": "de",
        "station_title": ["Mobilität", "Energie"], "station_prompt": ["", ""],
        "station_topics": ["Rufbus\r\nCarsharing\r\n\r\nrufbus", ""],
    }  # fmt: skip
    location = client.post("/new", data=form).headers["Location"]
    client.get(location)  # remembers the key
    ws = Workshop.get()
    first, second = ws.ordered_stations()
    assert topics_of(first.topics) == ["Rufbus", "Carsharing"] and second.topics == ""
    assert "Carsharing" in client.get(f"/w/{ws.code}").get_data(True)
    post_all(client, first, NOTES[:4])
    labels = {c["label"] for c in state(first)["clusters"] if not c["single"]}
    assert labels and labels <= {"Rufbus", "Carsharing"}
    edit = {"title": "Mobilität", "prompt": "", "topics": "E-Bikes\nRufbus"}
    assert client.post(f"/w/{ws.code}/stations/{first.token}", data=edit).status_code == 303
    now = Station.get_by_id(first.id)
    assert topics_of(now.topics) == ["E-Bikes", "Rufbus"] and not now.regroup  # regrouped
    assert {c["label"] for c in state(now)["clusters"] if not c["single"]} <= {"E-Bikes", "Rufbus"}


def test_too_many_topics_on_new_say_so_in_german(client):
    form = {
        "title": "Gipfel", "language": "de", "station_title": ["Eins"],
        "station_topics": ["\n".join(f"Thema {i}" for i in range(25))],
    }  # fmt: skip
    page = client.post("/new", data=form, headers={"Accept-Language": "de"})
    assert page.status_code == 400
    assert "Höchstens 20 Themen pro Station." in page.get_data(True)
    assert not Workshop.select().exists()


def test_topics_travel_through_export_and_import(app, client, workshop, wall):
    ws, _, (s1, _) = workshop
    wall.emit("set_topics", {"station": s1.token, "topics": ["Glasfaser", "Funkloch"]},
              callback=True)  # fmt: skip
    with app.app_context():
        document = export.to_json(results.collect(Workshop.get_by_id(ws.id)))
        assert document["stations"][0]["topics"] == ["Glasfaser", "Funkloch"]
        assert "topics" not in document["stations"][1]  # none: as older files
        restored, _key = results.restore(export.from_json(document))
        stations = list(restored.ordered_stations())
        assert topics_of(stations[0].topics) == ["Glasfaser", "Funkloch"]
        bad = {**document}
        bad["stations"] = [{**document["stations"][0], "topics": ["x" * 61]}]
        with pytest.raises(export.ExportError) as caught:
            export.from_json(bad)
        assert caught.value.path == "$.stations[0].topics[0]"

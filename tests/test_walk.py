"""The walk's server rules over Socket.IO and HTTP: phases, +1, replies, dot voting,
moderation, rotation and groups, and who may do what."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from gallery import create_app
from gallery.actions import walk
from gallery.actions.workshops import create_workshop
from gallery.live import ticker
from gallery.store import db
from gallery.store.models import Note, PlusOne, Reply, SchemaVersion, Vote, Workshop
from gallery.store.schema import MIGRATIONS


def received(client, name):
    return [e["args"][0] for e in client.get_received() if e["name"] == name]


def post(phone, station, text, client_id):
    return phone.emit(
        "post_note", {"station": station.token, "text": text, "client_id": client_id}, callback=True
    )


@pytest.fixture
def room(sio, workshop):
    """A wall (facilitator) and a phone at station 1, both joined, with one note posted."""
    ws, key, (s1, s2) = workshop
    wall, phone = sio(), sio()
    assert wall.emit("join_wall", {"workshop": ws.code, "key": key}, callback=True)["ok"]
    assert phone.emit("join_station", {"station": s1.token}, callback=True)["ok"]
    note = post(phone, s1, "Glasfaser überall", "walk-0001")["note"]
    wall.get_received(), phone.get_received()
    return ws, key, s1, s2, wall, phone, note


def facilitate(wall, event, **payload):
    return wall.emit(event, payload, callback=True)


# --- phases ----------------------------------------------------------------------------------


def test_phase_change_is_broadcast_and_gates_posting(room, client):
    ws, key, s1, _, wall, phone, note = room
    ack = facilitate(wall, "set_phase", workshop=ws.code, phase="review")
    assert ack == {"ok": True, "phase": "review", "dots": 5}
    assert received(phone, "phase_changed") == [{"workshop": ws.code, "phase": "review", "dots": 5}]
    assert received(wall, "phase_changed")[0]["phase"] == "review"

    refused = post(phone, s1, "Noch eine", "walk-0002")
    assert refused["ok"] is False and refused["error"]["code"] == "notes_closed"
    assert "keine neuen Notizen" in refused["error"]["message"]  # the workshop is German
    # a resend of a note stored before the phase changed is still answered "saved"
    again = post(phone, s1, "Glasfaser überall", "walk-0001")
    assert again["ok"] and not again["created"]
    # the same rule for the JSON API and the no-JavaScript form
    api = client.post(
        f"/api/v1/stations/{s1.token}/notes", json={"text": "x", "client_id": "api-00001"}
    )
    assert api.status_code == 409 and api.get_json()["error"]["code"] == "notes_closed"
    form = client.post(f"/s/{s1.token}", data={"text": "x", "client_id": "form-00001"})
    assert form.status_code == 400 and "keine neuen Notizen" in form.get_data(as_text=True)
    assert Note.select().count() == 1


def test_voting_page_leads_with_the_dots_and_keeps_a_refused_notes_words(room, client):
    ws, _, s1, _, wall, _, _ = room
    facilitate(wall, "set_phase", workshop=ws.code, phase="vote")
    page = client.get(f"/s/{s1.token}").get_data(as_text=True)
    # the dots say what to do now; "no new notes" on top of them only hid that
    assert 'id="dots"' in page and 'id="closed"' not in page and 'id="unsent"' not in page
    # a form sent from a page still open from the collecting: refused, its words kept on screen
    sent = {"text": "Mobilfunk <am> Sportplatz", "client_id": "form-00002"}
    form = client.post(f"/s/{s1.token}", data=sent)
    html = form.get_data(as_text=True)
    assert form.status_code == 400 and 'id="closed"' in html and "keine neuen Notizen" in html
    assert ">Mobilfunk &lt;am&gt; Sportplatz</textarea>" in html
    assert "Ihre Notiz wurde nicht veröffentlicht" in html
    assert Note.select().count() == 1


@pytest.mark.parametrize("phase", ["nope", None, 3, ["vote"]])
def test_unknown_phase_is_refused(room, phase):
    ws, _, _, _, wall, _, _ = room
    ack = facilitate(wall, "set_phase", workshop=ws.code, phase=phase)
    assert ack["ok"] is False and ack["error"]["code"] == "invalid_phase"
    assert Workshop.get().phase == "collect"


def test_locked_station_refuses_everything_but_answers_resends(room):
    ws, key, s1, _, wall, phone, note = room
    ack = facilitate(wall, "lock_station", station=s1.token, locked=True)
    assert ack["ok"] and ack["station"]["locked"] is True
    assert received(phone, "station_updated")[0]["locked"] is True
    assert post(phone, s1, "neu", "walk-0003")["error"]["code"] == "station_locked"
    assert phone.emit("plus_one", {"note_id": note["id"]}, callback=True)["error"]["code"] == (
        "station_locked"
    )
    assert post(phone, s1, "Glasfaser überall", "walk-0001")["ok"]
    facilitate(wall, "lock_station", station=s1.token, locked=False)
    assert post(phone, s1, "neu", "walk-0003")["ok"]


# --- +1 and replies ----------------------------------------------------------------------------


def test_plus_one_once_per_participant_and_never_on_ones_own_note(room, sio):
    _, _, s1, _, wall, phone, note = room
    # the author: the phone shows "Ihre Notiz" instead of +1, and the server says the same
    own = phone.emit("plus_one", {"note_id": note["id"]}, callback=True)
    assert own["ok"] is False and own["error"]["code"] == "own_note"
    assert "Ihre eigene Notiz" in own["error"]["message"]
    assert received(wall, "note_updated") == [] and PlusOne.select().count() == 0
    # another person (own cookie jar, so its own participant id)
    other = sio(flask_test_client=create_test_client(phone))
    other.emit("join_station", {"station": s1.token}, callback=True)
    first = other.emit("plus_one", {"note_id": note["id"]}, callback=True)
    assert (
        first["ok"] and first["note"]["plus_ones"] == 1 and first["me"]["plus_ones"] == [note["id"]]
    )
    assert received(wall, "note_updated")[0]["plus_ones"] == 1
    again = other.emit("plus_one", {"note_id": note["id"]}, callback=True)
    assert again["ok"] and again["note"]["plus_ones"] == 1
    assert received(wall, "note_updated") == []  # nothing changed, nothing told
    third = sio(flask_test_client=create_test_client(phone))
    third.emit("join_station", {"station": s1.token}, callback=True)
    assert third.emit("plus_one", {"note_id": note["id"]}, callback=True)["note"]["plus_ones"] == 2
    assert PlusOne.select().count() == 2


def create_test_client(phone):
    """A fresh HTTP client (new cookies = a new participant) for the same app."""
    app = phone.app
    fresh = app.test_client()
    fresh.get("/")  # sets a participant id in its session
    return fresh


def test_reply_is_stored_once_and_attached(room):
    _, _, s1, _, wall, phone, note = room
    payload = {"note_id": note["id"], "text": "Auch im Dorf!", "client_id": "reply-0001"}
    ack = phone.emit("reply_note", payload, callback=True)
    assert ack["ok"] and ack["created"] and ack["reply"]["text"] == "Auch im Dorf!"
    update = received(wall, "note_updated")[0]
    assert [r["text"] for r in update["replies"]] == ["Auch im Dorf!"]
    again = phone.emit("reply_note", payload, callback=True)
    assert again["ok"] and not again["created"] and Reply.select().count() == 1
    bad = phone.emit(
        "reply_note", {**payload, "client_id": "reply-0002", "text": " "}, callback=True
    )
    assert bad["error"]["code"] == "empty_note"
    state = phone.emit("join_station", {"station": s1.token}, callback=True)
    assert state["notes"][0]["replies"][0]["text"] == "Auch im Dorf!"


def test_reactions_close_with_the_vote_phase(room):
    ws, _, _, _, wall, phone, note = room
    facilitate(wall, "set_phase", workshop=ws.code, phase="vote")
    assert phone.emit("plus_one", {"note_id": note["id"]}, callback=True)["error"]["code"] == (
        "reactions_closed"
    )


# --- dot voting --------------------------------------------------------------------------------


def test_vote_budget_per_station(room):
    ws, _, s1, s2, wall, phone, note = room
    second = post(phone, s1, "Mobilfunk an der B12", "walk-0004")["note"]
    at_s2 = post(phone, s2, "Bürgeramt online", "walk-0005")["note"]
    early = phone.emit("vote_note", {"note_id": note["id"]}, callback=True)
    assert early["error"]["code"] == "voting_closed"

    assert facilitate(wall, "set_phase", workshop=ws.code, phase="vote", dots=3)["dots"] == 3
    wall.get_received()
    for target in (note, note, second):
        ack = phone.emit("vote_note", {"note_id": target["id"]}, callback=True)
        assert ack["ok"]
    assert ack["me"]["dots_left"] == 0
    assert ack["me"]["my_votes"] == {str(note["id"]): 2, str(second["id"]): 1}
    tallies = received(wall, "votes_updated")
    assert tallies[-1] == {
        "station": s1.token,
        "votes": {str(note["id"]): 2, str(second["id"]): 1},
        "total": 3,
    }
    out = phone.emit("vote_note", {"note_id": second["id"]}, callback=True)
    assert out["ok"] is False and out["error"]["code"] == "no_dots_left"
    # dots are per station: station 2 still has all three
    phone.emit("join_station", {"station": s2.token}, callback=True)
    assert phone.emit("vote_note", {"note_id": at_s2["id"]}, callback=True)["me"]["dots_left"] == 2
    # take one back and spend it again
    back = phone.emit("unvote_note", {"note_id": note["id"]}, callback=True)
    assert back["me"]["my_votes"][str(note["id"])] == 1 and back["me"]["dots_left"] == 1
    assert phone.emit("vote_note", {"note_id": second["id"]}, callback=True)["ok"]
    assert Vote.select().count() == 4


def test_votes_on_hidden_notes_do_not_count(room):
    ws, _, s1, _, wall, phone, note = room
    facilitate(wall, "set_phase", workshop=ws.code, phase="vote")
    phone.emit("vote_note", {"note_id": note["id"]}, callback=True)
    wall.get_received()
    facilitate(wall, "hide_note", note_id=note["id"])
    assert received(wall, "votes_updated")[-1]["total"] == 0
    ack = phone.emit("vote_note", {"note_id": note["id"]}, callback=True)
    assert ack["error"]["code"] == "note_not_found"


# --- moderation --------------------------------------------------------------------------------


def test_hide_restore_and_edit(room, sio, workshop):
    ws, _, s1, _, wall, phone, note = room
    ack = facilitate(wall, "hide_note", note_id=note["id"])
    assert ack["ok"] and ack["note"]["hidden"] is True
    hidden = {"station": s1.token, "note_id": note["id"]}
    assert received(phone, "note_hidden") == [hidden]
    assert received(wall, "note_hidden") == [hidden]
    fresh = sio()
    assert fresh.emit("join_station", {"station": s1.token}, callback=True)["notes"] == []
    assert Note.get_by_id(note["id"]).hidden  # kept in the database

    assert facilitate(wall, "restore_note", note_id=note["id"])["ok"]
    assert received(phone, "note_updated")[0]["id"] == note["id"]

    edit = facilitate(wall, "edit_note", note_id=note["id"], text="Glasfaser überall!")
    assert edit["ok"] and edit["note"]["text"] == "Glasfaser überall!" and edit["note"]["edited"]
    facilitate(wall, "edit_note", note_id=note["id"], text="Glasfaser für alle")
    stored = Note.get_by_id(note["id"])
    assert stored.text == "Glasfaser für alle" and stored.original_text == "Glasfaser überall"
    assert received(phone, "note_updated")[-1]["text"] == "Glasfaser für alle"
    too_long = facilitate(wall, "edit_note", note_id=note["id"], text="x" * 501)
    assert too_long["error"]["code"] == "note_too_long"


def test_paper_notes_in_any_phase(room):
    ws, _, s1, _, wall, phone, _ = room
    facilitate(wall, "set_phase", workshop=ws.code, phase="results")
    wall.get_received()
    ack = facilitate(
        wall, "add_paper_note", station=s1.token, text="Von der Karte", author="Frau K."
    )
    assert ack["ok"] and ack["created"] and ack["note"]["paper"] is True
    assert received(phone, "notes_posted")[0]["notes"][0]["text"] == "Von der Karte"
    stored = Note.get_by_id(ack["note"]["id"])
    assert stored.source == "paper" and stored.participant == ""


# --- who may do what ---------------------------------------------------------------------------

FACILITATOR_EVENTS = [
    ("set_phase", lambda ws, s, n: {"workshop": ws.code, "phase": "vote"}),
    ("rotation_command", lambda ws, s, n: {"workshop": ws.code, "action": "start", "groups": 2}),
    ("hide_note", lambda ws, s, n: {"note_id": n}),
    ("restore_note", lambda ws, s, n: {"note_id": n}),
    ("edit_note", lambda ws, s, n: {"note_id": n, "text": "gehackt"}),
    ("lock_station", lambda ws, s, n: {"station": s.token, "locked": True}),
    ("add_paper_note", lambda ws, s, n: {"station": s.token, "text": "fremd"}),
]


@pytest.mark.parametrize(
    "event,payload", FACILITATOR_EVENTS, ids=[e for e, _ in FACILITATOR_EVENTS]
)
def test_facilitator_events_are_refused_without_this_workshops_key(room, sio, app, event, payload):
    ws, _, s1, _, _, phone, note = room
    with app.app_context():
        other, other_key = create_workshop("Anderer Workshop", "de", [("X", "")])
    stranger_wall = sio(flask_test_client=app.test_client())
    assert stranger_wall.emit("join_wall", {"workshop": other.code, "key": other_key},
                              callback=True)["ok"]  # fmt: skip
    before = (
        Workshop.get_by_id(ws.id).phase,
        Note.select().count(),
        Note.get_by_id(note["id"]).text,
    )
    for who, extra in [
        (phone, {}),  # a participant of this workshop
        (stranger_wall, {}),  # the facilitator of another workshop
        (stranger_wall, {"key": other_key}),  # ... offering their own key
        (phone, {"key": "wrong-key"}),
    ]:
        ack = who.emit(event, {**payload(ws, s1, note["id"]), **extra}, callback=True)
        assert ack == {"ok": False, "error": ack["error"]} and ack["error"]["code"] == "forbidden"
    after = (
        Workshop.get_by_id(ws.id).phase,
        Note.select().count(),
        Note.get_by_id(note["id"]).text,
    )
    assert after == before and not Workshop.get_by_id(ws.id).rotation


def test_key_in_payload_works_without_joining_the_wall(room, sio, app):
    ws, key, *_ = room
    tool = sio(flask_test_client=app.test_client())
    assert tool.emit("set_phase", {"workshop": ws.code, "phase": "review", "key": key},
                     callback=True)["ok"]  # fmt: skip


# --- rotation and groups -------------------------------------------------------------------------


def test_rotation_commands_and_state(room, monkeypatch):
    ws, _, s1, s2, wall, phone, _ = room
    clock = [1000.0]
    monkeypatch.setattr(walk, "now", lambda: clock[0])
    monkeypatch.setattr(ticker, "now", lambda: clock[0])  # no tick from the real clock
    ack = facilitate(
        wall, "rotation_command", workshop=ws.code, action="start", groups=2, minutes=5
    )
    rotation = ack["rotation"]
    assert rotation["mode"] == "groups" and rotation["groups"] == ["A", "B"]
    assert rotation["state"] == "running" and rotation["round"] == 1 and rotation["rounds"] == 2
    assert rotation["positions"] == {"A": 0, "B": 1} and rotation["next_positions"] == {
        "A": 1,
        "B": 0,
    }
    assert [s["token"] for s in rotation["stations"]] == [s1.token, s2.token]
    assert received(phone, "rotation_updated")[-1]["state"] == "running"

    clock[0] += 100
    paused = facilitate(wall, "rotation_command", workshop=ws.code, action="pause")["rotation"]
    assert paused["state"] == "paused" and paused["remaining"] == 200
    clock[0] += 1000  # a long pause costs no time
    resumed = facilitate(wall, "rotation_command", workshop=ws.code, action="start")["rotation"]
    assert resumed["remaining"] == 200
    clock[0] += 250  # time runs out: the next round started 50 s ago, by itself
    state = phone.emit("get_rotation", {"workshop": ws.code}, callback=True)["rotation"]
    assert (
        state["round"] == 2 and state["remaining"] == 250 and state["positions"] == {"A": 1, "B": 0}
    )
    done = facilitate(wall, "rotation_command", workshop=ws.code, action="next")["rotation"]
    assert done["state"] == "finished"
    bad = facilitate(wall, "rotation_command", workshop=ws.code, action="explode")
    assert bad["error"]["code"] == "invalid_action"
    free = facilitate(wall, "rotation_command", workshop=ws.code, action="stop", groups=0)
    assert free["rotation"]["mode"] == "free"


def test_switching_to_results_pauses_a_running_rotation(room, monkeypatch):
    ws, _, _, _, wall, phone, _ = room
    clock = [1000.0]
    monkeypatch.setattr(walk, "now", lambda: clock[0])
    # the round's ticker on the same clock: on the real one its deadline (1300) had long
    # passed, and its tick could land among the events heard below
    monkeypatch.setattr(ticker, "now", lambda: clock[0])
    facilitate(wall, "rotation_command", workshop=ws.code, action="start", groups=2, minutes=5)
    clock[0] += 100
    wall.get_received(), phone.get_received()

    assert facilitate(wall, "set_phase", workshop=ws.code, phase="results")["ok"]
    for client in (wall, phone):  # everyone hears both, as after a pause
        heard = [(e["name"], e["args"][0]) for e in client.get_received()]
        assert [name for name, _ in heard] == ["phase_changed", "rotation_updated"]
        assert heard[0][1]["phase"] == "results"
        assert heard[1][1]["state"] == "paused" and heard[1][1]["remaining"] == 200
    clock[0] += 1000  # time stands still in the results
    state = phone.emit("get_rotation", {"workshop": ws.code}, callback=True)["rotation"]
    assert state["state"] == "paused" and state["remaining"] == 200 and state["round"] == 1

    # back to collecting resumes nothing; the facilitator starts the walk again
    facilitate(wall, "set_phase", workshop=ws.code, phase="collect")
    assert walk.rotation_state(Workshop.get_by_id(ws.id))["state"] == "paused"
    resumed = facilitate(wall, "rotation_command", workshop=ws.code, action="start")["rotation"]
    assert resumed["state"] == "running" and resumed["remaining"] == 200


def test_results_without_a_running_rotation_announce_only_the_phase(room):
    ws, _, _, _, wall, phone, _ = room
    assert facilitate(wall, "set_phase", workshop=ws.code, phase="results")["ok"]  # free walk
    assert [e["name"] for e in phone.get_received()] == ["phase_changed"]
    facilitate(wall, "set_phase", workshop=ws.code, phase="collect")
    facilitate(wall, "rotation_command", workshop=ws.code, action="pause", groups=2)  # idle
    wall.get_received(), phone.get_received()
    assert facilitate(wall, "set_phase", workshop=ws.code, phase="results")["ok"]
    assert [e["name"] for e in phone.get_received()] == ["phase_changed"]
    assert walk.rotation_state(Workshop.get_by_id(ws.id))["state"] == "idle"


def test_rotation_survives_a_restart(room, monkeypatch, tmp_path):
    ws, _, _, _, wall, _, _ = room
    monkeypatch.setattr(walk, "now", lambda: 5000.0)
    facilitate(wall, "rotation_command", workshop=ws.code, action="start", groups=3, minutes=2)
    db.close()  # the server goes away; the state is in the database
    monkeypatch.setattr(walk, "now", lambda: 5030.0)
    state = walk.rotation_state(Workshop.get_by_id(ws.id))
    assert state["state"] == "running" and state["remaining"] == 90


def test_groups_are_given_evenly_or_chosen(room, sio, app):
    ws, _, s1, _, wall, phone, _ = room
    no_groups = phone.emit("join_group", {"station": s1.token}, callback=True)
    assert no_groups["error"]["code"] == "free_walk"
    facilitate(wall, "rotation_command", workshop=ws.code, action="start", groups=2, minutes=5)
    given = []
    for _ in range(4):
        person = sio(flask_test_client=create_test_client(phone))
        given.append(person.emit("join_group", {"station": s1.token}, callback=True)["group"])
    assert sorted(given) == ["A", "A", "B", "B"]
    assert (
        phone.emit("join_group", {"station": s1.token, "group": "b"}, callback=True)["group"] == "B"
    )
    state = phone.emit("join_station", {"station": s1.token}, callback=True)
    assert state["me"]["group"] == "B" and state["rotation"]["groups"] == ["A", "B"]
    bad = phone.emit("join_group", {"station": s1.token, "group": "Z"}, callback=True)
    assert bad["error"]["code"] == "invalid_group"


# --- migration -----------------------------------------------------------------------------------


def test_a_database_from_before_the_walk_is_migrated_without_losing_notes(tmp_path):
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as con:
        con.executescript((Path(__file__).parent / "data" / "schema_v0.sql").read_text())
    app = create_app({"DATABASE": str(path), "INSTANCE_PATH": str(tmp_path / "i"),
                      "SECRET_KEY": "x", "ASYNC_MODE": "threading"})  # fmt: skip
    with app.app_context():
        assert SchemaVersion.get().version == len(MIGRATIONS)
        note = Note.get()
        assert note.text == "Glasfaser für alle" and note.source == "phone" and not note.hidden
        assert Workshop.get().phase == "collect" and Workshop.get().dots == 5
        assert Workshop.get().address == "sie"  # v2: the formal form of address
        assert Workshop.get().place == ""  # v5: no place given
        assert not note.station.locked
    db.close()


# --- exports -------------------------------------------------------------------------------


def test_exports_carry_plus_ones_dots_replies_and_survive_an_import(room, app, sio):
    from gallery.actions.results import collect, restore
    from stations.export import from_json, to_json

    ws, _, s1, _, wall, phone, note = room
    other = sio(flask_test_client=create_test_client(phone))  # +1s are others' agreement
    other.emit("join_station", {"station": s1.token}, callback=True)
    assert other.emit("plus_one", {"note_id": note["id"]}, callback=True)["ok"]
    phone.emit("reply_note", {"note_id": note["id"], "text": "Ja!", "client_id": "reply-0009",
                              "author": "Eva"}, callback=True)  # fmt: skip
    facilitate(wall, "set_phase", workshop=ws.code, phase="vote")
    phone.emit("vote_note", {"note_id": note["id"]}, callback=True)
    phone.emit("vote_note", {"note_id": note["id"]}, callback=True)
    exported = collect(Workshop.get_by_id(ws.id)).stations[0].notes[0]
    assert (exported.plus_ones, exported.votes, exported.replies) == (1, 2, ("Ja! (Eva)",))

    data = to_json(collect(Workshop.get_by_id(ws.id)))
    copy, _key = restore(from_json(data))
    again = collect(copy).stations[0].notes[0]
    assert (again.plus_ones, again.votes, again.replies) == (1, 2, ("Ja! (Eva)",))


def test_phones_see_the_dots_only_in_the_results(client, sio, workshop):
    """While voting, the tallies stay on the wall: the phones' join ack, the station API and
    note_updated carry no dots; in the results they do."""
    from gallery.actions.walk import change_phase

    ws, key, (s1, _) = workshop
    posted = client.post(
        f"/api/v1/stations/{s1.token}/notes", json={"text": "Radwege", "client_id": "dots-0001"}
    )
    note_id = posted.get_json()["note"]["id"]
    voter = sio()
    assert voter.emit("join_station", {"station": s1.token}, callback=True)["ok"]
    with client.application.app_context():
        change_phase(ws, "vote")
    assert voter.emit("vote_note", {"note_id": note_id}, callback=True)["ok"]
    other = sio(flask_test_client=client.application.test_client())
    ack = other.emit("join_station", {"station": s1.token}, callback=True)
    assert ack["ok"] and all("votes" not in n for n in ack["notes"]), ack["notes"]
    api = client.get(f"/api/v1/stations/{s1.token}").get_json()
    assert all("votes" not in n for n in api["notes"])
    with client.application.app_context():
        change_phase(ws, "results")
    ack = other.emit("join_station", {"station": s1.token}, callback=True)
    assert [n["votes"] for n in ack["notes"] if n["id"] == note_id] == [1]

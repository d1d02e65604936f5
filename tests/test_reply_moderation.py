"""Moderation of replies (issue 20): hide, restore and correct a reply on the moderation page
and from the wall's socket; phones see the change; exports keep hidden replies, marked."""

from __future__ import annotations

import json
import uuid

from gallery import socketio
from gallery.store.models import Reply
from tests import test_limits
from tests.test_limits import note

make_app = test_limits.make_app  # the fixture: an app with some settings changed
API = "/api/v1/stations/{}/notes"


def _replied(app):
    """A note with two replies; a phone watching the station. Returns (note id, reply ids,
    the watching phone)."""
    station = app.stations[0]
    writer = app.test_client()
    writer.get(f"/s/{station}")
    note_id = writer.post(API.format(station), json=note("Glasfaser")).get_json()["note"]["id"]
    sock = socketio.test_client(app, flask_test_client=writer)
    sock.emit("join_station", {"station": station}, callback=True)
    ids = []
    for text in ("Gute Idee", "Spam spam"):
        reply = {"note_id": note_id, "text": text, "client_id": uuid.uuid4().hex}
        ids.append(sock.emit("reply_note", reply, callback=True)["reply"]["id"])
    sock.get_received()
    return note_id, ids, sock


def _heard_replies(sock) -> list[list[str]]:
    return [
        [r["text"] for r in m["args"][0]["replies"]]
        for m in sock.get_received()
        if m["name"] == "note_updated"
    ]


def test_the_moderation_page_hides_restores_and_corrects_replies(make_app):
    app = make_app()
    code, key = app.workshop
    note_id, (good, spam), phone = _replied(app)
    facilitator = app.test_client()
    page = facilitator.get(f"/w/{code}/moderate?key={key}", follow_redirects=True)
    assert "Spam spam" in page.get_data(as_text=True)
    assert f'id="mod-reply-{spam}"' in page.get_data(as_text=True)

    hidden = facilitator.post(f"/w/{code}/replies/{spam}/hidden", data={"hidden": "yes"})
    assert hidden.status_code == 303 and hidden.location.endswith(f"#mod-reply-{spam}")
    assert _heard_replies(phone) == [["Gute Idee"]]
    joined = phone.emit("join_station", {"station": app.stations[0]}, callback=True)
    assert joined["notes"][0]["reply_count"] == 1

    export = json.loads(facilitator.get(f"/w/{code}/export.json").get_data(as_text=True))
    (exported,) = [n for s in export["stations"] for n in s["notes"] if n["id"] == note_id]
    assert exported["replies"] == ["Gute Idee"] and exported["hidden_replies"] == ["Spam spam"]
    csv = facilitator.get(f"/w/{code}/export.csv").get_data(as_text=True)
    assert "Gute Idee" in csv and "[hidden] Spam spam" in csv

    facilitator.post(f"/w/{code}/replies/{spam}/hidden", data={"hidden": "no"})
    assert _heard_replies(phone) == [["Gute Idee", "Spam spam"]]

    fixed = facilitator.post(f"/w/{code}/replies/{good}/text", data={"text": "Sehr gute Idee"})
    assert fixed.status_code == 303
    assert _heard_replies(phone) == [["Sehr gute Idee", "Spam spam"]]
    with app.app_context():
        stored = Reply.get_by_id(good)
        assert (stored.text, stored.original_text) == ("Sehr gute Idee", "Gute Idee")
    empty = facilitator.post(f"/w/{code}/replies/{good}/text", data={"text": "   "})
    assert "error=" in empty.location
    assert facilitator.post(f"/w/{code}/replies/99999/hidden", data={}).status_code == 404
    phone.disconnect()


def test_the_wall_moderates_replies_over_its_socket(make_app):
    app = make_app()
    code, key = app.workshop
    _, (_, spam), phone = _replied(app)
    wall = socketio.test_client(app, flask_test_client=app.test_client())
    assert wall.emit("join_wall", {"workshop": code, "key": key}, callback=True)["ok"]
    ack = wall.emit("hide_reply", {"reply_id": spam}, callback=True)
    assert ack["ok"] and ack["reply"]["hidden"] is True
    assert _heard_replies(phone) == [["Gute Idee"]]
    edited = wall.emit("edit_reply", {"reply_id": spam, "text": "Bereinigt"}, callback=True)
    assert edited["ok"] and edited["reply"]["edited"]
    assert _heard_replies(phone) == []  # still hidden: nobody sees the change
    assert wall.emit("restore_reply", {"reply_id": spam}, callback=True)["ok"]
    assert _heard_replies(phone) == [["Gute Idee", "Bereinigt"]]
    for bad in (2**63, -1, "1", None):
        refused = wall.emit("hide_reply", {"reply_id": bad}, callback=True)
        assert refused["ok"] is False and refused["error"]["code"] == "forbidden"
    stranger = phone.emit("hide_reply", {"reply_id": spam}, callback=True)
    assert stranger["error"]["code"] == "forbidden"
    wall.disconnect()
    phone.disconnect()

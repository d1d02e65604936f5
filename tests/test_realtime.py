"""Socket.IO handlers through Flask-SocketIO's test client."""

from gallery.store.models import Note


def received(client, name):
    return [e["args"][0] for e in client.get_received() if e["name"] == name]


def test_join_station_returns_state(sio, workshop, client):
    _, _, (s1, _) = workshop
    client.post(f"/api/v1/stations/{s1.token}/notes", json={"text": "da", "client_id": "http-0001"})
    phone = sio()
    ack = phone.emit("join_station", {"station": s1.token}, callback=True)
    assert ack["ok"] and ack["station"]["token"] == s1.token
    assert [n["text"] for n in ack["notes"]] == ["da"]


def test_post_note_acks_after_commit_and_broadcasts(sio, workshop):
    ws, key, (s1, s2) = workshop
    phone, other_phone, elsewhere, wall = sio(), sio(), sio(), sio()
    for p in (phone, other_phone):
        p.emit("join_station", {"station": s1.token}, callback=True)
    elsewhere.emit("join_station", {"station": s2.token}, callback=True)
    assert wall.emit("join_wall", {"workshop": ws.code, "key": key}, callback=True)["ok"]
    for c in (phone, other_phone, elsewhere, wall):
        c.get_received()

    ack = phone.emit(
        "post_note", {"station": s1.token, "text": "Live!", "client_id": "sock-0001"}, callback=True
    )
    assert ack["ok"] and ack["created"] and ack["note"]["text"] == "Live!"
    assert Note.get_by_id(ack["note"]["id"]).text == "Live!"  # stored before the ack
    heard = {name: c.get_received() for name, c in (("phone", other_phone), ("wall", wall))}
    batch = {"station": s1.token, "notes": [ack["note"]]}
    assert [(e["name"], e["args"][0]) for e in heard["phone"]] == [("notes_posted", batch)]
    assert [e["args"][0] for e in heard["wall"] if e["name"].startswith("note")] == [ack["note"]]
    assert received(elsewhere, "notes_posted") == []

    # a resend (lost ack) is harmless: same note, no second broadcast
    again = phone.emit(
        "post_note", {"station": s1.token, "text": "Live!", "client_id": "sock-0001"}, callback=True
    )
    assert again["ok"] and not again["created"] and again["note"]["id"] == ack["note"]["id"]
    assert wall.get_received() == other_phone.get_received() == []
    assert Note.select().count() == 1


def test_bad_post_is_answered_to_the_sender_only(sio, workshop):
    ws, key, (s1, _) = workshop
    phone, wall = sio(), sio()
    wall.emit("join_wall", {"workshop": ws.code, "key": key}, callback=True)
    wall.get_received()
    for payload, code in [
        ({"station": s1.token, "text": "  ", "client_id": "sock-0002"}, "empty_note"),
        ({"station": s1.token, "text": "x" * 501, "client_id": "sock-0002"}, "note_too_long"),
        ({"station": "nope", "text": "x", "client_id": "sock-0002"}, "station_not_found"),
        ("garbage", "station_not_found"),
        (None, "station_not_found"),
    ]:
        ack = phone.emit("post_note", payload, callback=True)
        assert ack["ok"] is False and ack["error"]["code"] == code
        assert ack["error"]["message"]
    assert wall.get_received() == []
    assert Note.select().count() == 0


def test_error_message_in_the_workshop_language(sio, workshop):
    _, _, (s1, _) = workshop
    ack = sio().emit(
        "post_note", {"station": s1.token, "text": "", "client_id": "sock-0003"}, callback=True
    )
    assert ack["error"]["message"] == "Bitte schreiben Sie zuerst etwas."


def test_join_wall_refuses_wrong_key_and_leaks_nothing(sio, workshop):
    ws, key, (s1, _) = workshop
    intruder = sio()
    for payload in (
        {"workshop": ws.code, "key": "wrong"},
        {"workshop": ws.code},
        {"workshop": "NOPE0", "key": key},
        {"workshop": 5},
        "x",
    ):
        ack = intruder.emit("join_wall", payload, callback=True)
        assert ack == {"ok": False, "error": ack["error"]} and ack["error"]["code"] in (
            "forbidden",
            "workshop_not_found",
        )
    intruder.get_received()
    sio().emit(
        "post_note",
        {"station": s1.token, "text": "geheim", "client_id": "sock-0004"},
        callback=True,
    )
    assert received(intruder, "note_posted") == []  # never joined the wall room


def test_wall_state_contains_everything(sio, workshop, client):
    ws, key, (s1, s2) = workshop
    client.post(f"/api/v1/stations/{s2.token}/notes", json={"text": "b", "client_id": "http-0002"})
    ack = sio().emit("join_wall", {"workshop": ws.code.lower(), "key": key}, callback=True)
    assert ack["workshop"]["code"] == ws.code
    assert [s["title"] for s in ack["stations"]] == ["Breitband", "Verwaltung"]
    assert [s["note_count"] for s in ack["stations"]] == [0, 1]
    assert [(n["station"], n["text"]) for n in ack["notes"]] == [(s2.token, "b")]


def test_http_post_reaches_socket_listeners(sio, workshop, client):
    ws, key, (s1, _) = workshop
    wall = sio()
    wall.emit("join_wall", {"workshop": ws.code, "key": key}, callback=True)
    wall.get_received()
    client.post(
        f"/api/v1/stations/{s1.token}/notes", json={"text": "via http", "client_id": "h-000003"}
    )
    assert [n["text"] for n in received(wall, "note_posted")] == ["via http"]


def test_station_edits_are_broadcast(sio, workshop, client):
    ws, key, (s1, _) = workshop
    phone, wall = sio(), sio()
    phone.emit("join_station", {"station": s1.token}, callback=True)
    wall.emit("join_wall", {"workshop": ws.code, "key": key}, callback=True)
    client.get(f"/w/{ws.code}?key={key}")
    phone.get_received(), wall.get_received()
    client.post(f"/w/{ws.code}/stations/{s1.token}", data={"title": "Neu", "prompt": "Neu?"})
    assert received(phone, "station_updated")[0]["title"] == "Neu"
    assert received(wall, "station_updated")[0]["prompt"] == "Neu?"
    client.post(f"/w/{ws.code}/stations/{s1.token}/delete", data={"confirm": "yes"})
    assert received(phone, "station_removed") == [{"station": s1.token}]
    assert [s["title"] for s in received(wall, "workshop_updated")[0]["stations"]] == ["Verwaltung"]


def test_events_of_a_connection_share_its_context(sio, workshop, client):
    """Every event of a connection gets the connection's session and URL binding, built once
    (gallery/adapters.py), and sees what earlier events wrote to the session; another
    connection of the same browser has its own."""
    import flask
    from flask.globals import request_ctx

    from gallery import socketio

    @socketio.on("test_probe_context")
    def probe(data=None):
        if data == "write":
            flask.session["probe"] = flask.request.sid
        return {
            "adapter": id(request_ctx.url_adapter),
            "session": id(request_ctx.session),
            "probe": flask.session.get("probe"),
            "pid": flask.session.get("pid"),
            "url": flask.url_for("participant.home"),
        }

    _, _, (s1, _) = workshop
    client.get(f"/s/{s1.token}")  # the page gives this browser its participant id
    first, second = sio(), sio()
    a = first.emit("test_probe_context", "write", callback=True)  # may be the usual way
    b = first.emit("test_probe_context", callback=True)
    b2 = first.emit("test_probe_context", callback=True)
    c = second.emit("test_probe_context", callback=True)
    assert a["pid"] and a["pid"] == b["pid"] == c["pid"]  # the cookie's session, in every one
    assert a["session"] == b["session"] == b2["session"] and b["adapter"] == b2["adapter"]
    assert b["probe"] is not None and b["probe"] == a["probe"]  # kept by the connection
    assert c["probe"] is None and c["session"] != a["session"]  # not shared between connections
    assert a["url"] == b["url"] == "/"

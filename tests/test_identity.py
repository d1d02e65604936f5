"""Identity that costs something (issue 20): one participant per device, new ones limited per
address, every contribution spending the same budgets, the cap counting what is shown, and
the facilitator's "hide everything from this person" with undo."""

from __future__ import annotations

import uuid

from gallery import identity, socketio
from gallery.store.models import Note, Reply
from stations.posting import AddressBudget
from tests import test_limits
from tests.test_limits import note

API = "/api/v1/stations/{}/notes"
make_app = test_limits.make_app  # the fixture: an app with some settings changed


def elsewhere(app, address: str):
    """An HTTP client behind another address."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def device() -> str:
    return uuid.uuid4().hex


def test_a_rotating_identity_flood_runs_dry_and_the_station_stays_open(make_app):
    """A script that throws its cookie away after every note (a new participant each time)
    gets a handful of notes through; a phone elsewhere keeps posting."""
    app = make_app(NEW_PARTICIPANT_LIMIT_IP="20/hour", MAX_NOTES_PER_STATION=100)
    station = app.stations[0]
    codes = []
    for _ in range(200):
        flooder = app.test_client()  # a fresh cookie jar: a new participant every time
        reply = flooder.post(API.format(station), json=note("spam"))
        codes.append(reply.status_code)
    assert codes.count(201) == 20
    refused = flooder.post(API.format(station), json=note("spam"))
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert refused.get_json()["error"]["code"] == "rate_limited"

    # cookieless sockets, each with a new device id, draw on the same budget
    sock = socketio.test_client(app, flask_test_client=app.test_client())
    ack = sock.emit("post_note", {"station": station, "device": device(), **note()}, callback=True)
    assert ack["error"]["code"] == "rate_limited"
    sock.disconnect()

    neighbour = elsewhere(app, "10.0.0.7")
    assert neighbour.get(f"/s/{station}").status_code == 200
    assert neighbour.post(API.format(station), json=note("a real idea")).status_code == 201
    with app.app_context():
        assert Note.select().count() == 21


def test_reading_needs_no_participant_when_none_may_be_issued(make_app):
    app = make_app(NEW_PARTICIPANT_LIMIT_IP="1/hour")
    station = app.stations[0]
    assert app.test_client().get(f"/s/{station}").status_code == 200
    late = app.test_client()
    assert late.get(f"/s/{station}").status_code == 200  # the page, without a participant
    assert late.get(f"/api/v1/stations/{station}").status_code == 200
    sock = socketio.test_client(app, flask_test_client=late)
    assert sock.emit("join_station", {"station": station}, callback=True)["ok"]
    ack = sock.emit("post_note", {"station": station, **note()}, callback=True)
    assert ack["error"]["code"] == "rate_limited"
    sock.disconnect()


def test_one_device_is_one_participant_across_connections(make_app):
    """A phone without cookies keeps its dots by its device id: reconnecting does not hand
    out a second set."""
    app = make_app()
    station = app.stations[0]
    code, key = app.workshop
    phone, facilitator = app.test_client(), app.test_client()
    phone.get(f"/s/{station}")
    assert phone.post(API.format(station), json=note()).status_code == 201
    with app.app_context():
        note_id = Note.select().first().id
    wall = socketio.test_client(app, flask_test_client=facilitator)
    wall.emit("join_wall", {"workshop": code, "key": key}, callback=True)
    assert wall.emit("set_phase", {"workshop": code, "key": key, "phase": "vote", "dots": 2},
                     callback=True)["ok"]  # fmt: skip

    mine = device()
    votes = []
    for _ in range(3):  # three connections of one cookieless phone
        sock = socketio.test_client(app)
        joined = sock.emit("join_station", {"station": station, "device": mine}, callback=True)
        assert joined["ok"]
        votes.append(sock.emit("vote_note", {"note_id": note_id}, callback=True))
        sock.disconnect()
    assert [v["ok"] for v in votes] == [True, True, False]
    assert votes[-1]["error"]["code"] == "no_dots_left"

    other = socketio.test_client(app)
    other.emit("join_station", {"station": station, "device": device()}, callback=True)
    assert other.emit("vote_note", {"note_id": note_id}, callback=True)["ok"]
    other.disconnect()
    wall.disconnect()


def test_a_device_id_must_look_like_one(make_app):
    """Anything else is ignored (a random participant is issued), never stored as given."""
    app = make_app()
    station = app.stations[0]
    sock = socketio.test_client(app)
    bad = {"station": station, "device": "../../x\n", **note()}
    assert sock.emit("post_note", bad, callback=True)["ok"]
    sock.disconnect()
    with app.app_context():
        assert Note.select().first().participant not in ("", "../../x\n")


def test_plus_ones_and_dots_spend_the_posting_budget(make_app):
    app = make_app(POST_LIMIT_PARTICIPANT="3/minute")
    station = app.stations[0]
    writer = elsewhere(app, "10.0.0.8")
    writer.get(f"/s/{station}")
    ids = [writer.post(API.format(station), json=note(f"idea {i}")).get_json()["note"]["id"]
           for i in range(3)]  # fmt: skip
    voter = app.test_client()
    voter.get(f"/s/{station}")
    sock = socketio.test_client(app, flask_test_client=voter)
    sock.emit("join_station", {"station": station}, callback=True)
    acks = [sock.emit("plus_one", {"note_id": i}, callback=True) for i in ids]
    assert [a["ok"] for a in acks] == [True] * 3
    refused = sock.emit("post_note", {"station": station, **note()}, callback=True)
    assert refused["error"]["code"] == "rate_limited"
    sock.disconnect()


def test_the_cap_counts_visible_notes(make_app):
    app = make_app(MAX_NOTES_PER_STATION=3)
    station = app.stations[0]
    code, key = app.workshop
    phone = app.test_client()
    phone.get(f"/s/{station}")
    ids = [phone.post(API.format(station), json=note()).get_json()["note"]["id"]
           for _ in range(3)]  # fmt: skip
    full = phone.post(API.format(station), json=note())
    assert full.get_json()["error"]["code"] == "station_full"
    facilitator = app.test_client()
    hidden = facilitator.post(f"/w/{code}/notes/{ids[0]}/hidden?key={key}", data={"hidden": "yes"})
    assert hidden.status_code == 303
    assert phone.post(API.format(station), json=note()).status_code == 201


def test_hide_everything_from_a_participant_and_undo(make_app):
    app = make_app()
    one, two = app.stations
    code, key = app.workshop
    spammer, person = app.test_client(), app.test_client()
    spammer.get(f"/s/{one}")
    person.get(f"/s/{one}")
    spam = [spammer.post(API.format(s), json=note("spam")).get_json()["note"]["id"]
            for s in (one, one, two)]  # fmt: skip
    good = person.post(API.format(one), json=note("good")).get_json()["note"]["id"]
    already = person.post(API.format(one), json=note("hidden before")).get_json()["note"]["id"]
    sock = socketio.test_client(app, flask_test_client=spammer)
    sock.emit("join_station", {"station": one}, callback=True)
    reply = {"note_id": good, "text": "spam reply", "client_id": uuid.uuid4().hex}
    assert sock.emit("reply_note", reply, callback=True)["ok"]
    sock.disconnect()
    phone = socketio.test_client(app, flask_test_client=person)
    phone.emit("join_station", {"station": one}, callback=True)
    phone.get_received()

    facilitator = app.test_client()
    assert facilitator.get(f"/w/{code}/moderate?key={key}").status_code == 303
    facilitator.post(f"/w/{code}/notes/{already}/hidden", data={"hidden": "yes"})
    phone.get_received()
    done = facilitator.post(f"/w/{code}/notes/{spam[0]}/hide-author")
    assert done.status_code == 303 and "undo=" in done.location and "hidden=4" in done.location
    page = facilitator.get(done.location).get_data(as_text=True)
    assert "4 notes and replies of this person hidden." in page
    with app.app_context():
        assert {n.id for n in Note.select().where(Note.hidden)} == {*spam, already}
        assert Reply.get().hidden
    heard = [(m["name"], m["args"][0]) for m in phone.get_received()]
    assert sorted(a["note_id"] for n, a in heard if n == "note_hidden") == spam[:2]
    assert [a["replies"] for n, a in heard if n == "note_updated"] == [[]]

    batch = done.location.split("undo=")[1].split("&")[0]
    undone = facilitator.post(f"/w/{code}/undo/{batch}")
    assert "undone=4" in undone.location
    with app.app_context():
        assert {n.id for n in Note.select().where(Note.hidden)} == {already}  # hidden by hand
        assert not Reply.get().hidden
    heard = [(m["name"], m["args"][0]) for m in phone.get_received()]
    assert sorted(a["id"] for n, a in heard if n == "note_updated") == sorted([*spam[:2], good])
    phone.disconnect()

    paper = facilitator.post(f"/w/{code}/stations/{one}/paper", data={"text": "card"})
    assert paper.status_code == 303
    with app.app_context():
        card = Note.get(Note.source == "paper")
    assert facilitator.post(f"/w/{code}/notes/{card.id}/hide-author").status_code == 404


# --- a rotating-identity flood under the default budgets -------------------------------------


def test_budget_rule_grows_with_established_participants_not_with_ids():
    rule = AddressBudget(base=30, per_participant=20, newcomers=30, newcomer_seconds=1.0)
    assert rule.per_minute(0) == 30
    assert rule.per_minute(300) >= 300 * 12  # bench/latency.py's load: 300 phones, 12 a minute
    assert not rule.established(0.05) and rule.established(1.0)


def test_a_rotating_identity_flood_gets_a_few_dozen_notes_under_the_default_budgets(
    make_app, monkeypatch
):
    """One client that takes a new identity for every note, +1 or form post (a fresh cookie
    jar, a fresh connection with a new device id) over the form, the API and Socket.IO: its
    ids post the moment they are issued, so together they share one small newcomer budget.
    The people at the same address who opened the page a while ago, and a phone elsewhere,
    keep posting."""
    now = [1_000_000.0]
    monkeypatch.setattr(identity, "clock", lambda: now[0])  # no id ages during the flood
    app = make_app()  # the default budgets
    station = app.stations[0]
    person = app.test_client()  # behind the same router, opened the page a minute ago
    assert person.get(f"/s/{station}").status_code == 200
    now[0] += 60
    target = person.post(API.format(station), json=note("a person's idea")).get_json()["note"]
    accepted = 0
    for _ in range(60):
        flooder = app.test_client()  # the form: the page (a new cookie), then the post
        flooder.get(f"/s/{station}")
        form = flooder.post(f"/s/{station}", data=note("spam"))
        assert form.status_code in (303, 429)
        accepted += form.status_code == 303

        api = app.test_client().post(API.format(station), json=note("spam"))
        assert api.status_code in (201, 429)
        accepted += api.status_code == 201

        for event, payload in (("post_note", {"station": station, **note("spam")}),
                               ("plus_one", {"note_id": target["id"]})):  # fmt: skip
            # a fresh cookie jar and device id on a fresh connection, at the same address
            sock = socketio.test_client(app, flask_test_client=app.test_client())
            mine = device()
            assert sock.emit("join_station", {"station": station, "device": mine}, callback=True)
            ack = sock.emit(event, {**payload, "device": mine}, callback=True)
            sock.disconnect()
            assert ack["ok"] or ack["error"]["code"] == "rate_limited"
            accepted += ack["ok"]
    assert accepted <= 30  # of 240 tries in well under a minute
    last = app.test_client().post(API.format(station), json=note("spam"))
    assert last.status_code == 429 and last.get_json()["error"]["code"] == "rate_limited"

    assert person.post(API.format(station), json=note("still mine")).status_code == 201
    neighbour = elsewhere(app, "10.0.0.7")
    assert neighbour.get(f"/s/{station}").status_code == 200
    assert neighbour.post(API.format(station), json=note("a real idea")).status_code == 201
    with app.app_context():
        assert Note.select().where(Note.text == "spam").count() <= 30


def test_an_address_budget_grows_with_the_people_posting_from_it(make_app, monkeypatch):
    now = [1_000_000.0]
    monkeypatch.setattr(identity, "clock", lambda: now[0])
    app = make_app(POST_LIMIT_IP_BASE=3, POST_LIMIT_IP_PER_PARTICIPANT=2)
    station = app.stations[0]
    first, second = app.test_client(), app.test_client()
    first.get(f"/s/{station}")
    second.get(f"/s/{station}")
    now[0] += 60  # both have read the prompt: established
    posted = [first.post(API.format(station), json=note()).status_code for _ in range(6)]
    assert posted == [201] * 5 + [429]  # 3 + 2 for the one person posting
    assert [second.post(API.format(station), json=note()).status_code for _ in range(3)] == [
        201, 201, 429
    ]  # the second person adds 2 more  # fmt: skip

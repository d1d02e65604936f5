"""Who may do what: every HTTP route and every Socket.IO event, for every kind of person.

Two tables below say what each route and event allows: `HTTP` (one row per endpoint and
method) and `SOCKET` (one row per event). Both are checked against what the app really
registers, so a route or event added later without a row fails `test_every_*_has_a_row`.

Each cell of the matrix runs against a fresh copy of one seeded database (two workshops with
notes, clusters and a rotation): a copy is a file copy, so the 408 cells stay fast. A refused
cell asserts the exact refusal, that the answer carries nothing of either workshop (note
texts, keys, titles, station tokens), that the session learned nothing (no remembered key, no
admin flag), and that every row of every table is unchanged. An allowed cell asserts success,
and for the rows that write, that the database did change (so the refusals above prove
something: the same request with the right to make it has an effect).

Public rows are public by design: station URLs are capability URLs (a 96-bit token), and the
workshop code is what participants type on the start page to find its stations.
"""

from __future__ import annotations

import hashlib
import hmac
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import escape

import gallery.store.models
from gallery import create_app, socketio
from gallery.actions import reactions, walk
from gallery.actions.access import FACILITATED
from gallery.actions.workshops import create_workshop
from gallery.errors import message
from gallery.store import db
from gallery.store.models import Cluster, Note, Station, Workshop
from stations.notes import parse_note
from tests.support import app_config

ADMIN_PASSWORD = "admin-passwort-7f3a"

# --- the people ----------------------------------------------------------------------------
# Each cell gets its own browser (HTTP client with its own cookies) and, for the socket
# matrix, its own Socket.IO connection.

ANONYMOUS = "anonymous"  # fresh browser, no cookies, joined nothing
PARTICIPANT = "participant"  # opened this station's page; its socket joined the station
OTHER_PARTICIPANT = "other_participant"  # a phone of the other workshop
OTHER_FACILITATOR = "other_facilitator"  # remembers the other workshop's key, joined its wall
OTHER_FACILITATOR_OWN_KEY = "other_facilitator_own_key"  # ... and offers that key here too
FACILITATOR = "facilitator"  # opened this workshop's facilitator link; its socket joined the wall
FACILITATOR_KEY = "facilitator_key"  # a fresh client offering this workshop's key in the request
ADMIN = "admin"  # logged in with GALLERY_ADMIN_PASSWORD; knows no workshop key

ROLES = (ANONYMOUS, PARTICIPANT, OTHER_PARTICIPANT, OTHER_FACILITATOR,
         OTHER_FACILITATOR_OWN_KEY, FACILITATOR, FACILITATOR_KEY, ADMIN)  # fmt: skip

PUBLIC = frozenset(ROLES)
FACILITATORS = frozenset({FACILITATOR, FACILITATOR_KEY})
FACILITATORS_OR_ADMIN = FACILITATORS | {ADMIN}
ADMINS = frozenset({ADMIN})
# Participant actions on a note (by its id): the connection must know the note's station
# (it joined it), or be this workshop's wall.
KNOWS_THE_STATION = frozenset({PARTICIPANT, FACILITATOR})


# --- the seeded world ----------------------------------------------------------------------


@dataclass
class World:
    """What the seed created, by name (the same in every cell's copy of the database)."""

    code: str
    key: str
    title: str
    s1: str  # station tokens of this workshop
    s2: str
    n1: int  # visible notes at s1: n1, n2 in cluster c_a; n3 in c_b
    n2: int
    n3: int
    hidden: int  # a hidden note at s1
    c_a: str
    c_b: str
    other_code: str
    other_key: str
    other_title: str
    other_station: str
    other_note: int
    secrets: tuple[str, ...] = ()  # strings no refusal may contain
    private: tuple[str, ...] = ()  # the keys and the hidden note: only for facilitators
    reply: int = 0  # a visible reply on n1

    def private_for(self, role: str) -> tuple[str, ...]:
        """What even an allowed answer must not show this role."""
        if role in FACILITATORS:
            return ()  # the manage page shows the facilitator link; moderation, hidden notes
        keys = (self.key, self.other_key)
        return keys if role == ADMIN else (*keys, self.private[0])  # exports show hidden notes

    def held_key(self, role: str) -> str | None:
        """The key this role could send (remembered or at hand)."""
        if role in FACILITATORS:
            return self.key
        if role in (OTHER_FACILITATOR, OTHER_FACILITATOR_OWN_KEY):
            return self.other_key
        return None


def _seed(app) -> World:
    texts = ["Glasfaser bis ins Dachgeschoss", "Glasfaser auch für Aussiedlerhöfe",
             "Mobilfunkmast am Sportplatz", "Vertraulicher Hinweis zum Bauamt",
             "Terminbuchung im Bürgeramt", "Streng geheime Kantinenidee"]  # fmt: skip
    with app.app_context():
        ws, key = create_workshop(
            "Zukunftswerkstatt Nordhafen",
            "de",
            [("Breitbandausbau", "Was kommt danach?"), ("Verwaltungsportal", "Was noch?")],
        )
        s1, s2 = ws.ordered_stations()
        other, other_key = create_workshop("Geheimrat Sommerklausur", "en", [("Kantine", "")])
        (so,) = other.ordered_stations()

        def note(station, i):
            n, _ = Note.store(station, parse_note({"text": texts[i], "client_id": f"seed-{i:04}"}),
                              f"seed-participant-{i}")  # fmt: skip
            return n

        n1, n2, n3, hidden, n4, no = (note(s1, 0), note(s1, 1), note(s1, 2), note(s1, 3),
                                      note(s2, 4), note(so, 5))  # fmt: skip
        Note.update(hidden=True).where(Note.id == hidden.id).execute()
        answer = parse_note({"text": "Antwort vom Deich", "client_id": "reply-seed-0001"})
        reply, _ = reactions.reply(n1, "seed-participant-9", answer)
        # Clusters by hand: deterministic, and the seed needs no embedding model.
        clusters = {}
        for station, key_name, label, members in [
            (s1, "c1", "Glasfaser", [n1, n2]),
            (s1, "c2", "Mobilfunk", [n3]),
            (s2, "c1", "Termine", [n4]),
            (so, "c1", "Kantine", [no]),
        ]:
            row = Cluster.create(station=station, key=key_name, label=label, position=len(clusters))
            Note.update(cluster=row).where(Note.id << [m.id for m in members]).execute()
            clusters[(station.id, key_name)] = row
        Station.update(cluster_seq=2).where(Station.id == s1.id).execute()
        Station.update(cluster_seq=1).where(Station.id.in_([s2.id, so.id])).execute()
        walk.rotation_command(ws, "stop", groups=2)  # groups, so join_group can succeed
        secrets = (*texts, reply.text, key, other_key, ws.title, other.title,
                   s1.token, s2.token, so.token)  # fmt: skip
        return World(ws.code, key, ws.title, s1.token, s2.token, n1.id, n2.id, n3.id, hidden.id,
                     "c1", "c2", other.code, other_key, other.title, so.token, no.id,
                     secrets, (hidden.text,), reply.id)  # fmt: skip


def _config(path) -> dict:
    # ~400 cells from one address: no rate limits here; the limits have their own tests
    return app_config(path, "template.db", ADMIN_PASSWORD=ADMIN_PASSWORD, RATE_LIMITS=False)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    """One app for the whole module, and the seeded database every cell starts from."""
    path = tmp_path_factory.mktemp("authz")
    app = create_app(_config(path))
    app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    world = _seed(app)
    db.database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    yield app, world, path / "template.db"
    db.close()


@pytest.fixture
def cell(seeded):
    """A fresh copy of the seeded database for one cell, under the module's app."""
    app, world, template = seeded
    db.close()
    target = template.with_name("cell.db")
    for leftover in template.parent.glob("cell.db*"):  # the last cell's file and its WAL
        leftover.unlink()
    shutil.copyfile(template, target)  # checkpointed and closed: the file is the database
    app.config["DATABASE_URL"] = "sqlite:///" + str(target)
    db.open_database(app.config["DATABASE_URL"], shared_connection=False)
    connections = []

    def connect(http):
        c = socketio.test_client(app, flask_test_client=http)
        connections.append(c)
        return c

    yield app, world, connect
    for c in connections:
        if c.is_connected():
            c.disconnect()
    db.close()


def snapshot() -> dict[str, list[tuple]]:
    """Every row of every table: "nothing changed" means this is equal before and after."""
    run = db.database.execute_sql
    return {t: run(f'SELECT * FROM "{t}" ORDER BY 1').fetchall() for t in db.database.get_tables()}


@dataclass
class Person:
    http: Any
    sock: Any
    role: str


def become(app, world: World, connect, role: str, *, sock: bool = True) -> Person:
    """Set up one person of `role`: their browser (cookies) and their Socket.IO connection."""
    http = app.test_client()
    if role == PARTICIPANT:
        assert http.get(f"/s/{world.s1}").status_code == 200
    elif role == OTHER_PARTICIPANT:
        assert http.get(f"/s/{world.other_station}").status_code == 200
    elif role in (OTHER_FACILITATOR, OTHER_FACILITATOR_OWN_KEY):
        assert http.get(f"/w/{world.other_code}?key={world.other_key}").status_code == 303
    elif role == FACILITATOR:
        assert http.get(f"/w/{world.code}?key={world.key}").status_code == 303
    elif role == ADMIN:
        # Logging in is a POST to /new with the password (here without a title: no workshop).
        http.post("/new", data={"admin_password": ADMIN_PASSWORD})
        with http.session_transaction() as session:
            assert session.get("admin") is True
    if not sock:
        return Person(http, None, role)
    connection = connect(http)
    joins = {
        PARTICIPANT: ("join_station", {"station": world.s1}),
        OTHER_PARTICIPANT: ("join_station", {"station": world.other_station}),
        OTHER_FACILITATOR: ("join_wall", {"workshop": world.other_code, "key": world.other_key}),
        OTHER_FACILITATOR_OWN_KEY: (
            "join_wall",
            {"workshop": world.other_code, "key": world.other_key},
        ),
        FACILITATOR: ("join_wall", {"workshop": world.code, "key": world.key}),
    }
    if role in joins:
        event, payload = joins[role]
        assert connection.emit(event, payload, callback=True)["ok"]
    connection.get_received()
    return Person(http, connection, role)


def offers_key(role: str) -> bool:
    return role in (FACILITATOR_KEY, OTHER_FACILITATOR_OWN_KEY)


def assert_no_secrets(text: str, secrets: tuple[str, ...]) -> None:
    leaked = [s for s in secrets if s in text or str(escape(s)) in text]
    assert not leaked, f"the answer leaks {leaked}"


def assert_session_learned_nothing(http, world: World, role: str) -> None:
    with http.session_transaction() as session:
        assert (world.code in session.get(FACILITATED, {})) == (role == FACILITATOR)
        assert (session.get("admin") is True) == (role == ADMIN)


# --- HTTP: one row per endpoint and method -------------------------------------------------


@dataclass(frozen=True)
class Http:
    allowed: frozenset[str]
    request: Callable[[World], dict]  # {"path", "data"?, "json"?} for test_client.open
    writes: bool = False  # an allowed request changes the database
    refusal: int = 403
    why: str = ""


def _get(path: str) -> Callable[[World], dict]:
    return lambda w: {"path": path.format(w=w)}


def _post(path: str, **data) -> Callable[[World], dict]:
    def build(w: World) -> dict:
        return {"path": path.format(w=w), "data": {k: v.format(w=w) for k, v in data.items()}}

    return build


CAPABILITY = "station URLs are capability URLs (96-bit token): whoever holds one may use it"
BY_CODE = "the workshop code is what participants type on the start page"

HTTP: dict[tuple[str, str], Http] = {
    # --- public by design ---
    ("participant.home", "GET"): Http(PUBLIC, _get("/"), why="the start page"),
    ("participant.join", "POST"): Http(PUBLIC, _post("/join", code="{w.code}-1"), why=BY_CODE),
    ("participant.workshop", "GET"): Http(PUBLIC, _get("/j/{w.code}"), why=BY_CODE),
    ("participant.workshop_qr", "GET"): Http(PUBLIC, _get("/j/{w.code}/qr.svg"), why=BY_CODE),
    ("participant.station", "GET"): Http(PUBLIC, _get("/s/{w.s1}"), why=CAPABILITY),
    ("participant.post_form", "POST"): Http(
        PUBLIC,
        _post("/s/{w.s1}", text="Vom Formular ohne JavaScript", client_id="form-00000001"),
        writes=True,
        why=CAPABILITY,
    ),
    ("participant.display", "GET"): Http(PUBLIC, _get("/s/{w.s1}/display"), why=CAPABILITY),
    ("participant.qr_svg", "GET"): Http(PUBLIC, _get("/qr/{w.s1}.svg"), why=CAPABILITY),
    ("offline.service_worker", "GET"): Http(
        PUBLIC, _get("/sw.js"), why="the service worker: the same script for everyone, no data"
    ),
    ("api.api_station", "GET"): Http(PUBLIC, _get("/api/v1/stations/{w.s1}"), why=CAPABILITY),
    ("api.api_post_note", "POST"): Http(
        PUBLIC,
        lambda w: {
            "path": f"/api/v1/stations/{w.s1}/notes",
            "json": {"text": "Über die API", "client_id": "api-00000001"},
        },  # fmt: skip
        writes=True,
        why=CAPABILITY,
    ),
    ("openapi", "GET"): Http(PUBLIC, _get("/api/openapi.json"), why="a static API description"),
    ("staff.new_workshop", "GET"): Http(
        PUBLIC, _get("/new"), why="the form only (it asks for the admin password)"
    ),
    # --- the admin (only when GALLERY_ADMIN_PASSWORD is set; without it, anyone) ---
    ("staff.new_workshop", "POST"): Http(
        ADMINS,
        _post("/new", title="Neuer Workshop", language="de", station_title="Erste Station"),
        writes=True,
        refusal=400,  # the form again, with "the admin password is wrong"
    ),
    # --- this workshop's facilitator (its key, offered or remembered) ---
    ("staff.manage", "GET"): Http(FACILITATORS, _get("/w/{w.code}")),
    ("staff.update_workshop", "POST"): Http(
        FACILITATORS, _post("/w/{w.code}/settings", title="Umbenannt"), writes=True
    ),
    ("staff.add_station", "POST"): Http(
        FACILITATORS, _post("/w/{w.code}/stations", title="Dritte Station"), writes=True
    ),
    ("staff.edit_station", "POST"): Http(
        FACILITATORS, _post("/w/{w.code}/stations/{w.s1}", title="Neuer Titel"), writes=True
    ),
    ("staff.move_station", "POST"): Http(
        FACILITATORS, _post("/w/{w.code}/stations/{w.s1}/move", direction="down"), writes=True
    ),
    ("staff.delete_station", "POST"): Http(
        FACILITATORS, _post("/w/{w.code}/stations/{w.s1}/delete", confirm="yes"), writes=True
    ),
    ("staff.posters", "GET"): Http(FACILITATORS, _get("/w/{w.code}/posters")),
    ("staff.delete_workshop", "POST"): Http(
        FACILITATORS, _post("/w/{w.code}/delete", confirm="{w.code}"), writes=True
    ),
    ("wall.wall", "GET"): Http(FACILITATORS, _get("/w/{w.code}/wall")),
    ("wall.station_wall", "GET"): Http(FACILITATORS, _get("/w/{w.code}/wall/{w.s1}")),
    ("wall.moderate", "GET"): Http(FACILITATORS, _get("/w/{w.code}/moderate")),
    ("wall.set_hidden", "POST"): Http(
        FACILITATORS, _post("/w/{w.code}/notes/{w.n1}/hidden", hidden="yes"), writes=True
    ),
    ("wall.set_reply_hidden", "POST"): Http(
        FACILITATORS, _post("/w/{w.code}/replies/{w.reply}/hidden", hidden="yes"), writes=True
    ),
    ("wall.correct_reply", "POST"): Http(
        FACILITATORS, _post("/w/{w.code}/replies/{w.reply}/text", text="Korrigiert"), writes=True
    ),
    ("wall.hide_author", "POST"): Http(
        FACILITATORS, _post("/w/{w.code}/notes/{w.n1}/hide-author"), writes=True
    ),
    ("wall.undo_hide", "POST"): Http(
        FACILITATORS,
        _post("/w/{w.code}/undo/0123456789abcdef"),
        why="a batch that was never hidden: answered, nothing restored",
    ),
    ("wall.correct_text", "POST"): Http(
        FACILITATORS, _post("/w/{w.code}/notes/{w.n1}/text", text="Korrigiert"), writes=True
    ),
    ("wall.set_locked", "POST"): Http(
        FACILITATORS, _post("/w/{w.code}/stations/{w.s1}/locked", locked="yes"), writes=True
    ),
    ("wall.paper_note", "POST"): Http(
        FACILITATORS,
        _post("/w/{w.code}/stations/{w.s1}/paper", text="Von der Karte", client_id="paper-0001"),
        writes=True,
    ),
    # --- the results: the facilitator, or the admin ---
    ("staff.download", "GET"): Http(FACILITATORS_OR_ADMIN, _get("/w/{w.code}/export.json")),
    ("staff.report", "GET"): Http(FACILITATORS_OR_ADMIN, _get("/w/{w.code}/report")),
}


def _http_cells():
    for endpoint, method in HTTP:
        for role in ROLES:
            yield pytest.param(endpoint, method, role, id=f"{endpoint}-{method}-{role}")


@pytest.mark.parametrize(("endpoint", "method", "role"), list(_http_cells()))
def test_http_matrix(cell, endpoint, method, role):
    app, w, connect = cell
    row = HTTP[(endpoint, method)]
    person = become(app, w, connect, role, sock=False)
    request = row.request(w)
    key = w.held_key(role) if offers_key(role) else None
    if key is not None:  # the facilitator link's way for pages, a header for form posts
        if method == "GET":
            request["query_string"] = {"key": key}
        else:
            request["headers"] = {"X-Facilitator-Key": key}
    before = snapshot()
    response = person.http.open(method=method, **request)
    body = response.get_data(as_text=True)

    if role in row.allowed:
        assert response.status_code < 400, (response.status_code, body[:300])
        assert_no_secrets(body, w.private_for(role))
        if row.writes:
            assert snapshot() != before, "allowed, but the request changed nothing"
        else:
            assert snapshot() == before, "a read changed the database"
        return

    assert response.status_code == row.refusal, (response.status_code, body[:300])
    with app.test_request_context(), force_locale("de"):
        expected = message("forbidden") if row.refusal == 403 else _("The admin password is wrong.")
    assert str(escape(expected)) in body
    assert_no_secrets(body, w.secrets)
    assert "Location" not in response.headers
    assert_session_learned_nothing(person.http, w, role)
    assert snapshot() == before


# --- Socket.IO: one row per event ----------------------------------------------------------


@dataclass(frozen=True)
class Event:
    allowed: frozenset[str]
    payload: Callable[[World], dict]
    writes: bool | None = False  # None: allowed may or may not write (nothing to undo)
    refusal: str = "forbidden"
    phase: str = "collect"
    why: str = ""


# plus_one, reply_note, vote_note and unvote_note act on a note id: the connection must
# have opened the note's station (or its wall), else ids, which are sequential, would let
# anyone read and +1 every workshop's notes by counting (test_a_stranger_cannot_read_...).

SOCKET: dict[str, Event] = {
    # --- phones: public by design, the station token is the capability ---
    "join_station": Event(PUBLIC, lambda w: {"station": w.s1}, why=CAPABILITY),
    "malformed_frame": Event(
        frozenset(), lambda w: {}, refusal="invalid_payload", why="what a broken frame becomes"
    ),
    "more_notes": Event(PUBLIC, lambda w: {"station": w.s1, "before": w.n3 + 1}, why=CAPABILITY),
    "post_note": Event(
        PUBLIC,
        lambda w: {"station": w.s1, "text": "Über den Socket", "client_id": "sock-00000001"},
        writes=True,
        why=CAPABILITY,
    ),
    "join_group": Event(
        PUBLIC, lambda w: {"station": w.s1, "group": "B"}, writes=True, why=CAPABILITY
    ),
    "get_rotation": Event(
        PUBLIC, lambda w: {"workshop": w.code}, why=BY_CODE + " (the same as /j/<code>)"
    ),
    # --- phones, on a note: only a connection that joined the note's station (or the wall) ---
    "plus_one": Event(
        KNOWS_THE_STATION, lambda w: {"note_id": w.n1}, writes=True, refusal="note_not_found"
    ),
    "reply_note": Event(
        KNOWS_THE_STATION,
        lambda w: {"note_id": w.n1, "text": "Meine Antwort", "client_id": "reply-00000001"},
        writes=True,
        refusal="note_not_found",
    ),
    "vote_note": Event(
        KNOWS_THE_STATION,
        lambda w: {"note_id": w.n1},
        writes=True,
        refusal="note_not_found",
        phase="vote",
    ),
    "unvote_note": Event(
        KNOWS_THE_STATION,
        lambda w: {"note_id": w.n1},
        writes=None,  # a person without dots on it takes nothing back
        refusal="note_not_found",
        phase="vote",
    ),
    # --- the wall: the key in the payload (join_wall always; later events optionally) ---
    "join_wall": Event(FACILITATORS, lambda w: {"workshop": w.code}),
    "move_note": Event(
        FACILITATORS, lambda w: {"station": w.s1, "note_id": w.n1, "cluster": "new"}, writes=True
    ),
    "rename_cluster": Event(
        FACILITATORS, lambda w: {"station": w.s1, "cluster": w.c_a, "label": "Neu"}, writes=True
    ),
    "merge_clusters": Event(
        FACILITATORS, lambda w: {"station": w.s1, "clusters": [w.c_a, w.c_b]}, writes=True
    ),
    "split_cluster": Event(
        FACILITATORS, lambda w: {"station": w.s1, "cluster": w.c_a}, writes=True
    ),
    "pin_cluster": Event(
        FACILITATORS, lambda w: {"station": w.s1, "cluster": w.c_a, "pinned": True}, writes=True
    ),
    "set_granularity": Event(
        FACILITATORS, lambda w: {"station": w.s1, "granularity": 2}, writes=True
    ),
    "set_groups": Event(FACILITATORS, lambda w: {"station": w.s1, "groups": 2}, writes=True),
    "set_topics": Event(
        FACILITATORS, lambda w: {"station": w.s1, "topics": ["Glasfaser"]}, writes=True
    ),
    "back_to_suggestion": Event(  # nothing steered yet: nothing to undo
        FACILITATORS, lambda w: {"station": w.s1, "discard": True}, writes=None
    ),
    "set_phase": Event(
        FACILITATORS, lambda w: {"workshop": w.code, "phase": "review"}, writes=True
    ),
    "rotation_command": Event(  # "stop": no round timer left running after the test
        FACILITATORS, lambda w: {"workshop": w.code, "action": "stop", "groups": 3}, writes=True
    ),
    "hide_note": Event(FACILITATORS, lambda w: {"note_id": w.n1}, writes=True),
    "restore_note": Event(FACILITATORS, lambda w: {"note_id": w.hidden}, writes=True),
    "edit_note": Event(
        FACILITATORS, lambda w: {"note_id": w.n1, "text": "Korrigiert"}, writes=True
    ),
    "hide_reply": Event(FACILITATORS, lambda w: {"reply_id": w.reply}, writes=True),
    "restore_reply": Event(FACILITATORS, lambda w: {"reply_id": w.reply}, writes=None),
    "edit_reply": Event(
        FACILITATORS, lambda w: {"reply_id": w.reply, "text": "Korrigiert"}, writes=True
    ),
    "lock_station": Event(FACILITATORS, lambda w: {"station": w.s1, "locked": True}, writes=True),
    "add_paper_note": Event(
        FACILITATORS,
        lambda w: {"station": w.s1, "text": "Von der Karte", "client_id": "paper-00000001"},
        writes=True,
    ),
}

LIFECYCLE = {"connect", "disconnect"}  # not events a client can emit


def _socket_cells():
    for event in SOCKET:
        for role in ROLES:
            yield pytest.param(event, role, id=f"{event}-{role}")


@pytest.mark.parametrize(("event", "role"), list(_socket_cells()))
def test_socket_matrix(cell, event, role):
    app, w, connect = cell
    row = SOCKET[event]
    if row.phase != "collect":
        Workshop.update(phase=row.phase).where(Workshop.code == w.code).execute()
    person = become(app, w, connect, role)
    payload = row.payload(w)
    key = w.held_key(role)
    if key is not None and (offers_key(role) or event == "join_wall"):
        payload["key"] = key  # a wall always sends its key with join_wall
    before = snapshot()
    ack = person.sock.emit(event, payload, callback=True)

    if role in row.allowed:
        assert ack.get("ok") is True, ack
        assert_no_secrets(repr(ack), w.private_for(role))
        if row.writes is True:
            assert snapshot() != before, "allowed, but the event changed nothing"
        elif row.writes is False:
            assert snapshot() == before, "a read changed the database"
        return

    with app.test_request_context(), force_locale("de"):
        expected = message(row.refusal)
    assert ack == {"ok": False, "error": {"code": row.refusal, "message": expected}}
    assert_no_secrets(repr(person.sock.get_received()), w.secrets)  # nor told them anything
    assert snapshot() == before


# --- the tables cover everything the app registers ------------------------------------------


def test_every_http_route_has_a_row(seeded):
    app, _, _ = seeded
    registered = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert set(HTTP) == registered, (
        f"routes without a row: {sorted(registered - set(HTTP))}; "
        f"rows without a route: {sorted(set(HTTP) - registered)}"
    )


def test_every_socket_event_has_a_row(seeded):
    app, _, _ = seeded
    # python-socketio keeps the handlers per namespace; Flask-SocketIO registers ours there.
    server = app.extensions["socketio"].server
    registered = set(server.handlers["/"]) - LIFECYCLE
    assert set(server.handlers) == {"/"}, "a new namespace needs its own rows"
    assert set(SOCKET) == registered, (
        f"events without a row: {sorted(registered - set(SOCKET))}; "
        f"rows without an event: {sorted(set(SOCKET) - registered)}"
    )


def test_the_tables_say_why_public_rows_are_public():
    for name, row in [*HTTP.items(), *SOCKET.items()]:
        if row.allowed == PUBLIC:
            assert row.why, f"{name} is public: say why"


# --- keys: hashed at rest, compared in constant time ----------------------------------------


def test_facilitator_keys_are_stored_only_as_sha256(app, workshop, tmp_path):
    ws, key, _ = workshop
    stored = Workshop.get_by_id(ws.id).key_hash
    assert stored != key and key not in stored
    assert stored == hashlib.sha256(key.encode()).hexdigest()
    db.database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    on_disk = b"".join(p.read_bytes() for p in tmp_path.glob("test.db*"))
    assert key.encode() not in on_disk


def test_keys_and_the_admin_password_are_compared_in_constant_time(
    app, client, sio, workshop, monkeypatch
):
    ws, key, _ = workshop
    app.config["ADMIN_PASSWORD"] = ADMIN_PASSWORD
    calls = []
    real = hmac.compare_digest

    def recording(a, b):
        calls.append((a, b))
        return real(a, b)

    # gallery.store.models and gallery.actions.access both reach it as `hmac.compare_digest`
    monkeypatch.setattr(gallery.store.models.hmac, "compare_digest", recording)
    wrong = "not-the-key-at-all"
    hashed = hashlib.sha256(wrong.encode()).hexdigest()

    # (the session cookie's signature is checked with it too: look for our pairs only)
    assert client.get(f"/w/{ws.code}?key={wrong}").status_code == 403
    assert (hashed, ws.key_hash) in calls
    calls.clear()
    ack = sio().emit("join_wall", {"workshop": ws.code, "key": wrong}, callback=True)
    assert ack["error"]["code"] == "forbidden" and (hashed, ws.key_hash) in calls
    calls.clear()
    assert client.get(f"/w/{ws.code}?key={key}").status_code == 303
    assert (hashlib.sha256(key.encode()).hexdigest(), ws.key_hash) in calls
    calls.clear()
    client.post("/new", data={"admin_password": "falsch"})
    assert (b"falsch", ADMIN_PASSWORD.encode()) in calls


# --- what the matrix cannot show --------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/w/{ws.code}/wall/{other_station}"),
        ("POST", "/w/{ws.code}/notes/{other_note}/hidden"),
        ("POST", "/w/{ws.code}/notes/{other_note}/text"),
        ("POST", "/w/{ws.code}/stations/{other_station}/locked"),
        ("POST", "/w/{ws.code}/stations/{other_station}/paper"),
        ("POST", "/w/{ws.code}/stations/{other_station}"),
        ("POST", "/w/{ws.code}/stations/{other_station}/move"),
        ("POST", "/w/{ws.code}/stations/{other_station}/delete"),
    ],
)
def test_a_facilitator_cannot_reach_another_workshop_through_their_own(
    app, client, workshop, method, path
):
    """Their own code in the URL, another workshop's station or note behind it: 404."""
    ws, key, _ = workshop
    with app.app_context():
        other, _key = create_workshop("Geheimrat Sommerklausur", "en", [("Kantine", "")])
        (station,) = other.ordered_stations()
        note, _ = Note.store(station, parse_note({"text": "Fremde Notiz", "client_id": "x-000001"}))
    client.get(f"/w/{ws.code}?key={key}")
    before = snapshot()
    data = {"hidden": "yes", "text": "Übernommen", "locked": "yes", "confirm": "yes",
            "title": "Übernommen", "client_id": "paper-000001", "direction": "up"}  # fmt: skip
    url = path.format(ws=ws, other_station=station.token, other_note=note.id)
    response = client.open(url, method=method, data=data if method == "POST" else None)
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert "Fremde Notiz" not in body and "Sommerklausur" not in body
    assert snapshot() == before


def test_a_refused_wall_hears_nothing_of_the_workshop(app, sio, workshop):
    """A wrong key on join_wall joins no room: the wall-only events never reach it."""
    ws, key, (s1, _) = workshop
    spy = sio(flask_test_client=app.test_client())
    refused = spy.emit("join_wall", {"workshop": ws.code, "key": "wrong-key-123"}, callback=True)
    assert refused["error"]["code"] == "forbidden"
    wall = sio()
    assert wall.emit("join_wall", {"workshop": ws.code, "key": key}, callback=True)["ok"]
    paper = {"station": s1.token, "text": "Nur für die Wand", "client_id": "paper-000001"}
    assert wall.emit("add_paper_note", paper, callback=True)["ok"]
    assert wall.emit("set_phase", {"workshop": ws.code, "phase": "vote"}, callback=True)["ok"]
    heard = {e["name"] for e in wall.get_received()}
    assert {"note_posted", "phase_changed"} <= heard  # the real wall heard it ...
    assert spy.get_received() == []  # ... the refused one nothing


def test_without_an_admin_password_anyone_may_create_but_not_export(app, client, workshop):
    """No GALLERY_ADMIN_PASSWORD: /new is open (a workshop on a laptop); the results still
    need the workshop's key, since without a password there is no admin to be."""
    ws, _key, _ = workshop
    assert not app.config["ADMIN_PASSWORD"]
    created = client.post("/new", data={"title": "Offen", "station_title": "Eins"})
    assert created.status_code == 303 and Workshop.select().count() == 2
    for path in (f"/w/{ws.code}/export.json", f"/w/{ws.code}/report"):
        refused = client.get(path)
        assert refused.status_code == 403
        secrets = (_key, ws.title, *[s.token for s in ws.ordered_stations()])
        assert_no_secrets(refused.get_data(as_text=True), secrets)


def test_a_wall_cannot_steer_another_workshops_note_through_its_own_station(app, sio, workshop):
    """The key of workshop A, A's station token, and a note id of workshop B: not found."""
    ws, key, (s1, _) = workshop
    with app.app_context():
        other, _key = create_workshop("Geheimrat Sommerklausur", "en", [("Kantine", "")])
        (station,) = other.ordered_stations()
        note, _ = Note.store(station, parse_note({"text": "Fremde Notiz", "client_id": "x-000001"}))
    wall = sio()
    assert wall.emit("join_wall", {"workshop": ws.code, "key": key}, callback=True)["ok"]
    before = snapshot()
    payload = {"station": s1.token, "note_id": note.id, "cluster": "new"}
    ack = wall.emit("move_note", payload, callback=True)
    assert ack["ok"] is False and ack["error"]["code"] == "note_not_found"
    assert "Fremde Notiz" not in repr(ack) and snapshot() == before


def test_a_stranger_cannot_read_another_workshops_notes_by_counting(app, sio, workshop):
    """Found by this matrix: a phone of workshop B counted note ids up from 1 and sent
    `plus_one` for each, and the acks handed it workshop A's notes (and +1ed them)."""
    ws, _key, (s1, _) = workshop
    phone = sio()
    assert phone.emit("join_station", {"station": s1.token}, callback=True)["ok"]
    secret = {"station": s1.token, "text": "Nur für Workshop A", "client_id": "secret-0001"}
    assert phone.emit("post_note", secret, callback=True)["ok"]
    with app.app_context():
        other, _ = create_workshop("Geheimrat Sommerklausur", "en", [("Kantine", "")])
        (station,) = other.ordered_stations()
    browser = app.test_client()
    browser.get(f"/s/{station.token}")
    stranger = sio(flask_test_client=browser)
    assert stranger.emit("join_station", {"station": station.token}, callback=True)["ok"]
    before = snapshot()
    acks = [stranger.emit("plus_one", {"note_id": i}, callback=True) for i in range(1, 4)]
    assert "Nur für Workshop A" not in repr(acks)
    assert snapshot() == before


def test_ids_out_of_range_are_not_found_never_a_crash(app, sio, client, workshop):
    """An id no database can hold (2**63, -1, 0) is answered like an unknown note, on every
    event and route that takes one; a client_id with a trailing newline is refused, not
    stored as another note."""
    ws, key, (s1, _) = workshop
    wall = sio()
    assert wall.emit("join_wall", {"workshop": ws.code, "key": key}, callback=True)["ok"]
    phone = sio()
    assert phone.emit("join_station", {"station": s1.token}, callback=True)["ok"]
    for note_id in (2**63, 2**31, -1, 0):
        for event in ("hide_note", "restore_note", "edit_note"):
            ack = wall.emit(event, {"workshop": ws.code, "key": key, "note_id": note_id,
                                    "text": "x"}, callback=True)  # fmt: skip
            assert ack["ok"] is False and ack["error"]["code"] in ("note_not_found", "forbidden")
        for event in ("plus_one", "reply_note"):
            ack = phone.emit(event, {"note_id": note_id, "text": "x", "client_id": "abcdefgh1"},
                             callback=True)  # fmt: skip
            assert ack == {"ok": False, "error": ack["error"]} and (
                ack["error"]["code"] == "note_not_found"
            )
    client.get(f"/w/{ws.code}/wall?key={key}")
    for path in (f"/w/{ws.code}/notes/{2**63}/hidden", f"/w/{ws.code}/notes/{2**63}/text"):
        assert client.post(path, data={"hidden": "yes", "text": "x"}).status_code == 404
    ack = phone.emit("post_note", {"station": s1.token, "text": "Neu", "client_id": "abcdefgh1\n"},
                     callback=True)  # fmt: skip
    assert ack["ok"] is False and ack["error"]["code"] == "invalid_client_id"

"""Hostile input: garbage to every Socket.IO event and every HTTP route.

Never a 500 or an exception in a handler, every socket refusal is
`{"ok": false, "error": {"code", "message"}}`, every API refusal too, and after the garbage a
valid request still works. The events and routes are read from the running app, so ones added
later are fuzzed without editing this file. Rate limits are off here (tests/test_limits.py).
"""

from __future__ import annotations

import json
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gallery import create_app, socketio
from gallery.actions.workshops import create_workshop
from gallery.store import db
from gallery.store.models import Note
from tests.support import app_config

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,  # the same inputs every run: no flaky CI from a stored example
    derandomize=True,
)
# Field names the handlers read; garbage under the right names gets past the first checks.
FIELDS = ["station", "text", "client_id", "author", "workshop", "key", "note_id", "cluster",
          "clusters", "label", "pinned", "granularity", "group", "phase", "action", "minutes",
          "dots", "groups", "hidden", "locked", "reason", "confirm", "title", "prompt",
          "language", "code", "position", "direction", "sep"]  # fmt: skip


@pytest.fixture
def fuzz_app(tmp_path):
    app = create_app(app_config(tmp_path, "fuzz.db", RATE_LIMITS=False))
    app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    with app.app_context():
        ws, key = create_workshop("Fuzz", "en", [("One", "?"), ("Two", "?")])
        stations = [s.token for s in ws.ordered_stations()]
        client = app.test_client()
        for i in range(3):
            body = {"text": f"Seed {i}", "client_id": f"seed-{i:04d}"}
            assert (
                client.post(f"/api/v1/stations/{stations[0]}/notes", json=body).status_code == 201
            )
        note_ids = [n.id for n in Note.select()]
    app.fuzz = {"code": ws.code, "key": key, "stations": stations, "note_ids": note_ids}
    yield app
    db.close()


def garbage(known: dict) -> st.SearchStrategy:
    """Wrong types, None, huge and odd strings, bytes, deep nesting, and the real tokens,
    codes and ids mixed in so the handlers get past their first checks."""
    real = st.sampled_from(
        [known["code"], known["key"], *known["stations"], *known["note_ids"], "c1", "new"]
    )
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(allow_nan=True, allow_infinity=True),
        st.text(max_size=30),
        st.sampled_from(["", " ", "\x00", "\ud800", "\u202e", "💥" * 300, "x" * 100_000]),
        st.binary(max_size=20),
        real,
    )
    deep = st.just(json.loads("[" * 200 + "]" * 200))
    values = st.recursive(
        scalars,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=3)
        ),
        max_leaves=8,
    )
    shaped = st.dictionaries(st.sampled_from(FIELDS), st.one_of(values, deep), max_size=6)
    return st.one_of(shaped, values, deep)


def assert_error_shape(body) -> None:
    assert isinstance(body, dict), body
    assert body.get("ok") is False, body
    error = body["error"]
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"]


# --- Socket.IO ---------------------------------------------------------------------------


def client_events() -> list[str]:
    """Every client-to-server event that the app registers, read from the server itself."""
    return sorted(e for e in socketio.server.handlers["/"] if e not in ("connect", "disconnect"))


def test_every_socket_event_survives_garbage(fuzz_app):
    known = fuzz_app.fuzz
    events = client_events()
    assert {"join_station", "post_note", "join_wall", "move_note", "set_granularity"} <= set(events)
    phone = socketio.test_client(fuzz_app)
    wall = socketio.test_client(fuzz_app)  # joined with the key: steering events go deep
    assert wall.emit("join_wall", {"workshop": known["code"], "key": known["key"]}, callback=True)[
        "ok"
    ]

    @FUZZ
    @given(
        event=st.sampled_from(events),
        args=st.lists(garbage(known), max_size=2),
        as_wall=st.booleans(),
    )
    def one(event, args, as_wall):
        sender = wall if as_wall else phone
        ack = sender.emit(event, *args, callback=True)
        assert isinstance(ack, dict), (event, args, ack)
        if ack.get("ok") is not True:
            assert_error_shape(ack)

    one()
    # Nothing died: both connections still get real answers.
    for sender in (phone, wall):
        ack = sender.emit("join_station", {"station": known["stations"][1]}, callback=True)
        assert ack["ok"] is True
    phone.disconnect()
    wall.disconnect()


# --- HTTP ----------------------------------------------------------------------------------

DESTRUCTIVE = {"staff.delete_workshop", "staff.delete_station"}  # fuzzed without the key


def routes(app) -> list[tuple[str, str, str, list[str]]]:
    """(endpoint, method, rule, argument names) for every route but static files."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((rule.endpoint, method, rule.rule, sorted(rule.arguments)))
    return found


def bodies() -> st.SearchStrategy:
    text = st.text(max_size=40)
    return st.one_of(
        st.none(),
        st.binary(max_size=64).map(lambda b: ("application/json", b"\xff\xfe" + b)),
        st.just(("application/json", b"[" * 5000 + b"]" * 5000)),
        st.just(("application/json", b'{"text": "' + b"x" * 200_000 + b'"}')),
        st.just(("application/json", b'"just a string"')),
        st.just(("application/json", b"123")),
        st.dictionaries(st.sampled_from(FIELDS), st.one_of(text, st.none()), max_size=5).map(
            lambda d: ("application/json", json.dumps(d).encode())
        ),
        st.dictionaries(st.sampled_from(FIELDS), text, max_size=5).map(lambda d: ("form", d)),
        st.binary(max_size=64).map(lambda b: ("application/x-www-form-urlencoded", b + b"\xc3")),
        st.binary(max_size=64).map(lambda b: ("text/plain", b)),
    )


def test_every_http_route_survives_garbage(fuzz_app):
    known = fuzz_app.fuzz
    table = routes(fuzz_app)
    assert ("api.api_post_note", "POST") in {(e, m) for e, m, _, _ in table}

    arg_values = {
        "code": st.one_of(st.just(known["code"]), st.text(max_size=12)),
        "token": st.one_of(st.sampled_from(known["stations"]), st.text(max_size=20)),
        "note_id": st.one_of(st.sampled_from(known["note_ids"]), st.integers(0, 2**40)),
        "fmt": st.sampled_from(["csv", "xlsx", "json", "md", "pdf", "x"]),
        "filename": st.text(max_size=10),
    }
    client = fuzz_app.test_client()

    @FUZZ
    @given(
        route=st.sampled_from(table),
        data=st.data(),
        body=bodies(),
        with_key=st.booleans(),
        query=st.dictionaries(st.sampled_from(FIELDS), st.text(max_size=10), max_size=3),
    )
    def one(route, data, body, with_key, query):
        endpoint, method, rule, names = route
        args = {name: data.draw(arg_values.get(name, st.text(max_size=8))) for name in names}
        path = rule
        for name, value in args.items():
            path = path.replace(f"<{name}>", str(value)).replace(f"<int:{name}>", str(value))
            path = path.replace(f"<path:{name}>", str(value))
        if not path.startswith("/") or "\n" in path or "?" in path or "#" in path:
            return
        headers = {}
        if with_key and endpoint not in DESTRUCTIVE:
            headers["X-Facilitator-Key"] = known["key"]
        kwargs = {"headers": headers, "query_string": query}
        if body is not None and method == "POST":
            kind, payload = body
            if kind == "form":
                kwargs["data"] = payload
            else:
                kwargs.update(data=payload, content_type=kind)
        response = client.open(path, method=method, **kwargs)
        assert response.status_code < 500, (
            endpoint,
            path,
            kwargs.get("data"),
            response.status_code,
        )
        if path.startswith("/api/") and response.status_code >= 400:
            assert_error_shape(response.get_json())

    one()
    # Still serving: pages, the API, and a real note.
    assert client.get("/").status_code == 200
    station = known["stations"][1]
    assert client.get(f"/api/v1/stations/{station}").status_code == 200
    note = {"text": "Still here", "client_id": uuid.uuid4().hex}
    assert client.post(f"/api/v1/stations/{station}/notes", json=note).status_code in (201, 409)


def test_json_nested_deeper_than_the_decoder_goes_is_a_bad_payload(fuzz_app):
    """Found by the fuzz above: Python's decoder raises RecursionError, not ValueError."""
    station = fuzz_app.fuzz["stations"][0]
    response = fuzz_app.test_client().post(
        f"/api/v1/stations/{station}/notes",
        data=b"[" * 30_000 + b"]" * 30_000,  # under the 64 KiB limit
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_payload"

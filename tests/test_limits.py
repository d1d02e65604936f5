"""Abuse limits (gallery/limits.py, gallery/live/socket.py): posting per participant and per IP,
a token bucket per Socket.IO connection, the cap on notes per station, the largest message.

No test waits for a clock: windows are long (a minute) and the token buckets read
`gallery.live.socket.clock`, which the tests move by hand.
"""

from __future__ import annotations

import time
import uuid

import pytest

from gallery import config as config_module
from gallery import create_app, identity, limits, socketio
from gallery.actions.workshops import create_workshop
from gallery.clustering import scheduler
from gallery.live import socket as live_socket
from gallery.store import db, models
from gallery.store.models import Note, Station
from tests.support import app_config, need

API = "/api/v1/stations/{}/notes"


@pytest.fixture
def make_app(tmp_path):
    """An app like conftest's, with some settings changed; one at a time (one database)."""
    made = []

    def make(**overrides):
        app = create_app(app_config(tmp_path, "limits.db", **overrides))
        app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
        with app.app_context():
            ws, key = create_workshop("Limits", "en", [("One", "?"), ("Two", "?")])
            app.stations = [s.token for s in ws.ordered_stations()]
            app.workshop = (ws.code, key)
        made.append(app)
        return app

    yield make
    db.close()


def phone(app, station: str):
    """A phone's HTTP client: it opened the station page a minute ago (a person reads, then
    writes), so it has a participant id that is no longer new."""
    client = app.test_client()
    assert client.get(f"/s/{station}").status_code == 200
    with client.session_transaction() as session:
        session[identity.BORN] -= 60
    return client


def note(text: str = "An idea") -> dict:
    return {"text": text, "client_id": uuid.uuid4().hex}


def assert_rate_limited(body: dict) -> int:
    assert body["ok"] is False
    error = body["error"]
    assert error["code"] == "rate_limited" and error["message"]
    assert isinstance(error["retry_after"], int) and error["retry_after"] >= 1
    return error["retry_after"]


# --- the token bucket ----------------------------------------------------------------------


def test_token_bucket_allows_a_burst_then_refills_at_its_rate():
    bucket = live_socket.TokenBucket.full(rate=2.0, capacity=3, now=100.0)
    assert [bucket.take(100.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.take(100.0) == pytest.approx(0.5)  # half a second for the next token
    assert bucket.take(100.5) == 0.0
    assert bucket.take(110.0) == 0.0  # ten idle seconds refill it to capacity, not beyond
    assert bucket.tokens == pytest.approx(2.0)


# --- HTTP posting -----------------------------------------------------------------------------


def test_300_people_behind_one_router_post_normally_with_the_default_limits(make_app, monkeypatch):
    monkeypatch.setattr(scheduler, "note_added", lambda note: None)  # clustering is not tested here
    app = make_app()
    station = app.stations[0]
    phones = [phone(app, station) for _ in range(300)]
    for round_ in range(2):
        for p in phones:
            assert p.post(API.format(station), json=note(f"Idea {round_}")).status_code == 201


def test_a_flooding_phone_is_stopped_and_its_neighbours_keep_posting(make_app):
    app = make_app(POST_LIMIT_PARTICIPANT="5/minute", POST_LIMIT_IP="50/minute")
    station = app.stations[0]
    flooder = phone(app, station)
    statuses = [flooder.post(API.format(station), json=note()).status_code for _ in range(200)]
    assert statuses == [201] * 5 + [429] * 195

    last = flooder.post(API.format(station), json=note())
    retry_after = assert_rate_limited(last.get_json())
    assert last.headers["Retry-After"] == str(retry_after) and retry_after <= 61

    # Refused requests spent nothing of the address's budget: 45 neighbours still post...
    neighbours = [phone(app, station) for _ in range(46)]
    for p in neighbours[:45]:
        assert p.post(API.format(station), json=note()).status_code == 201
    # ...and then the address as a whole has had its 50 notes this minute.
    assert_rate_limited(neighbours[45].post(API.format(station), json=note()).get_json())


def test_the_form_keeps_the_text_when_refused(make_app):
    app = make_app(POST_LIMIT_PARTICIPANT="1/minute")
    station = app.stations[0]
    p = phone(app, station)
    form = {"text": "first", "client_id": uuid.uuid4().hex}
    assert p.post(f"/s/{station}", data=form).status_code == 303
    refused = p.post(f"/s/{station}", data={"text": "Keep me", "client_id": uuid.uuid4().hex})
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    page = refused.get_data(as_text=True)
    assert "Keep me" in page and "Please wait a moment" in page


def test_http_and_socket_spend_one_participant_budget(make_app):
    app = make_app(POST_LIMIT_PARTICIPANT="3/minute")
    station = app.stations[0]
    p = phone(app, station)
    sock = socketio.test_client(app, flask_test_client=p)  # the same session cookie
    assert p.post(API.format(station), json=note()).status_code == 201
    assert sock.emit("post_note", {"station": station, **note()}, callback=True)["ok"]
    assert p.post(API.format(station), json=note()).status_code == 201
    assert_rate_limited(sock.emit("post_note", {"station": station, **note()}, callback=True))
    assert p.post(API.format(station), json=note()).status_code == 429
    sock.disconnect()


def test_switched_off_nothing_is_rate_limited(make_app):
    app = make_app(RATE_LIMITS=False, POST_LIMIT_PARTICIPANT="1/minute", SOCKET_EVENT_BURST=1)
    station = app.stations[0]
    p = phone(app, station)
    for _ in range(40):
        assert p.post(API.format(station), json=note()).status_code == 201
    sock = socketio.test_client(app, flask_test_client=p)
    for _ in range(40):
        assert sock.emit("post_note", {"station": station, **note()}, callback=True)["ok"]
    sock.disconnect()


def test_behind_a_proxy_each_forwarded_address_has_its_own_budget(make_app):
    app = make_app(TRUSTED_PROXIES=1, POST_LIMIT_IP="2/minute")
    station = app.stations[0]
    for venue in ("198.51.100.7", "203.0.113.9"):
        headers = {"X-Forwarded-For": venue}
        for status in (201, 201, 429):
            p = phone(app, station)
            assert p.post(API.format(station), json=note(), headers=headers).status_code == status


# --- Socket.IO: every event, per connection ---------------------------------------------------


def test_every_socket_event_spends_the_connection_budget(make_app, monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(live_socket, "clock", lambda: now[0])
    # answers' bytes cost nothing here (test_big_answers_cost_their_bytes)
    app = make_app(SOCKET_EVENT_BURST=3, SOCKET_EVENT_RATE=0.5, SOCKET_EVENT_BYTES=0)
    station = app.stations[0]
    flooder = socketio.test_client(app)
    neighbour = socketio.test_client(app)
    assert flooder.emit("join_station", {"station": station}, callback=True)["ok"]
    assert flooder.emit("pin_cluster", {"station": station}, callback=True)["error"]["code"] == (
        "forbidden"
    )  # any event counts, also a refused one
    assert flooder.emit("post_note", {"station": station, **note()}, callback=True)["ok"]
    refused = flooder.emit("join_station", {"station": station}, callback=True)
    assert assert_rate_limited(refused) == 2  # one token at 0.5 per second
    assert neighbour.emit("join_station", {"station": station}, callback=True)["ok"]

    now[0] += 2.0
    assert flooder.emit("join_station", {"station": station}, callback=True)["ok"]
    flooder.disconnect()
    neighbour.disconnect()


def test_handlers_registered_later_are_guarded_too(make_app, monkeypatch):
    monkeypatch.setattr(live_socket, "clock", lambda: 0.0)

    app = make_app(SOCKET_EVENT_BURST=1)

    @socketio.on("test_limits_echo")  # after create_app: only this app's server knows it
    def echo(data):
        return {"ok": True, "echo": data}

    client = socketio.test_client(app)
    assert client.emit("test_limits_echo", 1, callback=True) == {"ok": True, "echo": 1}
    assert_rate_limited(client.emit("test_limits_echo", 2, callback=True))
    client.disconnect()


def test_socket_posts_spend_the_address_budget(make_app):
    """Connections without a session each count as a participant (a benchmark's phones),
    but together they cannot pass the address's limit."""
    app = make_app(POST_LIMIT_IP="4/minute")
    station = app.stations[0]
    acks = []
    for _ in range(5):
        client = socketio.test_client(app)
        acks.append(client.emit("post_note", {"station": station, **note()}, callback=True))
        client.disconnect()
    assert [a["ok"] for a in acks] == [True] * 4 + [False]
    assert_rate_limited(acks[-1])


# --- the cap on notes per station, message size -------------------------------------------


def test_a_full_station_refuses_new_notes_but_answers_resends(make_app):
    app = make_app(MAX_NOTES_PER_STATION=2)
    full, other = app.stations
    p = phone(app, full)
    first = note()
    for body in (first, note()):
        assert p.post(API.format(full), json=body).status_code == 201
    refused = p.post(API.format(full), json=note())
    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == "station_full"
    assert p.post(API.format(full), json=first).status_code == 200  # a resend is still saved
    sock = socketio.test_client(app, flask_test_client=p)
    ack = sock.emit("post_note", {"station": full, **note()}, callback=True)
    assert ack["error"]["code"] == "station_full" and ack["error"]["message"]
    assert sock.emit("post_note", {"station": other, **note()}, callback=True)["ok"]
    sock.disconnect()


def test_too_large_http_body_is_refused_with_a_code(make_app):
    app = make_app(MAX_MESSAGE_BYTES=4096)
    station = app.stations[0]
    p = phone(app, station)
    response = p.post(API.format(station), json={"text": "x" * 5000, "client_id": "a" * 10})
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "payload_too_large"


def test_the_socketio_message_limit_is_handed_to_engineio(make_app):
    """Engine.IO refuses a larger message itself (HTTP 413 on polling, the connection closed
    on a websocket) before any handler runs: no valid note comes near 64 KiB."""
    make_app(MAX_MESSAGE_BYTES=4096)
    assert socketio.server.eio.max_http_buffer_size == 4096


# --- where the counters live ---------------------------------------------------------------


def test_storage_follows_the_message_queue_unless_set():
    def uri(**env):
        return limits.storage_uri(config_module.load(environ=env))

    assert uri() == "gallery-memory://"
    assert uri(GALLERY_RATELIMIT_STORAGE="memory://") == "gallery-memory://"
    assert uri(GALLERY_MESSAGE_QUEUE="redis://10.0.0.5:6379/0") == "redis://10.0.0.5:6379/0"
    both = {"GALLERY_RATELIMIT_STORAGE": "redis://cache/2", "GALLERY_MESSAGE_QUEUE": "redis://q/0"}
    assert uri(**both) == "redis://cache/2"


def test_memory_counters_do_not_depend_on_the_sweep_which_runs_once_a_second():
    """The in-process storage sweeps expired entries lazily (the sweep only frees memory), so
    its answers must not depend on the sweep: a window refuses at its limit and frees up when
    its entries age out, however rarely the sweep runs."""
    from limits import parse
    from limits.storage import storage_from_string
    from limits.strategies import SlidingWindowCounterRateLimiter

    storage = storage_from_string("gallery-memory://")
    assert isinstance(storage, limits.SweptMemoryStorage)
    limiter = SlidingWindowCounterRateLimiter(storage)
    item = parse("3/second")
    assert all(limiter.hit(item, "k") for _ in range(3))
    timer = storage.timer
    assert not limiter.hit(item, "k")
    assert limiter.hit(item, "other")
    # one sweep pending, due in a second (upstream: 10 ms, and a new timer per hit under gevent)
    assert storage.timer is timer and timer.interval == limits.SweptMemoryStorage.SWEEP_SECONDS
    time.sleep(1.5)
    assert limiter.hit(item, "k")  # the window moved on, swept or not
    assert storage.timer is not timer  # swept, and the next hit scheduled the next sweep


def test_counters_in_redis_are_seen_by_every_process(make_app):
    redis = pytest.importorskip("redis")
    uri = "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(uri).ping()
    except redis.RedisError:
        need(False, "no Redis at 127.0.0.1:6379")
    from limits import parse
    from limits.storage import storage_from_string
    from limits.strategies import SlidingWindowCounterRateLimiter

    address = f"192.0.2.{uuid.uuid4().int % 250 + 1}"  # counters from earlier runs stay apart
    app = make_app(RATELIMIT_STORAGE=uri, TRUSTED_PROXIES=1, POST_LIMIT_IP="100/minute")
    station = app.stations[0]
    for _ in range(3):
        p = phone(app, station)
        post = p.post(API.format(station), json=note(), headers={"X-Forwarded-For": address})
        assert post.status_code == 201
    # Another process opens its own connection to the same Redis and sees the same counter.
    elsewhere = SlidingWindowCounterRateLimiter(storage_from_string(uri))
    stats = elsewhere.get_window_stats(
        parse("100/minute"), limits.KEY_PREFIX, f"ip:{address}", limits.IP_SCOPE
    )
    assert stats.remaining == 97


def test_a_storage_outage_never_turns_a_note_away(make_app):
    pytest.importorskip("redis")
    app = make_app(RATELIMIT_STORAGE="redis://127.0.0.1:9/0")  # nothing listens there
    station = app.stations[0]
    p = phone(app, station)
    assert p.post(API.format(station), json=note()).status_code == 201
    sock = socketio.test_client(app, flask_test_client=p)
    assert sock.emit("post_note", {"station": station, **note()}, callback=True)["ok"]
    sock.disconnect()


def test_an_event_with_the_wrong_number_of_arguments_is_answered(make_app):
    """A client may emit anything: no payload, or two, gets `invalid_payload`, and the
    connection keeps working; a handler's optional arguments may be left out."""
    app = make_app()

    @socketio.on("test_limits_optional")
    def optional(data, extra=None):
        return {"ok": True, "got": [data, extra]}

    client = socketio.test_client(app)
    station = app.stations[0]
    for args in ((), ({"station": station, **note()}, "more")):
        ack = client.emit("post_note", *args, callback=True)
        assert ack["ok"] is False and ack["error"]["code"] == "invalid_payload"
    assert client.emit("test_limits_optional", 1, callback=True)["got"] == [1, None]
    assert client.emit("test_limits_optional", 1, 2, callback=True)["got"] == [1, 2]
    assert client.emit("test_limits_optional", 1, 2, 3, callback=True)["ok"] is False
    assert client.emit("post_note", {"station": station, **note()}, callback=True)["ok"]
    client.disconnect()


def test_a_stale_running_count_never_refuses_a_station_below_its_cap(make_app):
    """Far below the cap the running count decides (Note.count_seen); one that went wrong
    (say a station id reused after a deletion) is checked against an exact count before a
    note is refused, and the exact count replaces it."""
    app = make_app(MAX_NOTES_PER_STATION=40)
    token = app.stations[0]
    with app.app_context():
        station = Station.by_token(token)
        models._counted[station.token] = (10**6, 0, time.monotonic())
    sock = socketio.test_client(app)
    assert sock.emit("post_note", {"station": token, **note()}, callback=True)["ok"]
    sock.disconnect()
    with app.app_context():
        assert models._counted[station.token][0] == 0  # the exact count before the note
        assert Note.count_seen(station) == 1


def test_walking_the_workshop_codes_is_slowed_down(make_app):
    """Codes that do not exist cost an IP address its lookups after a few; codes typed right
    cost nothing, and another address is not affected."""
    app = make_app(LOOKUP_MISS_LIMIT_IP="3/minute")
    code, _ = app.workshop
    client = app.test_client()
    for _ in range(10):
        assert client.get(f"/j/{code}").status_code == 200  # hits are free
    for guess in ("BCDFG", "BCDFH", "BCDFJ"):
        assert client.get(f"/j/{guess}").status_code == 404
    refused = client.get("/j/BCDFK")
    assert refused.status_code == 429 and refused.headers.get("Retry-After")
    assert client.post("/join", data={"code": "BCDFL"}).status_code == 429
    other = app.test_client()
    assert other.get(f"/j/{code}", environ_base={"REMOTE_ADDR": "10.0.0.7"}).status_code == 200


def test_get_rotation_cannot_walk_the_codes_either(make_app):
    """The socket's lookup by code spends the same misses as /j/<code>; once they are gone
    a real code is refused as well (an `ok` would still tell)."""
    app = make_app(LOOKUP_MISS_LIMIT_IP="3/minute")
    code, _ = app.workshop
    client = app.test_client()
    sock = socketio.test_client(app, flask_test_client=client)
    assert sock.emit("get_rotation", {"workshop": code}, callback=True)["ok"]
    for guess in ("BCDFG", "BCDFH"):
        answer = sock.emit("get_rotation", {"workshop": guess}, callback=True)
        assert answer["error"]["code"] == "workshop_not_found"
    assert client.get("/j/BCDFJ").status_code == 404  # the third miss, over HTTP
    assert_rate_limited(sock.emit("get_rotation", {"workshop": "BCDFK"}, callback=True))
    assert_rate_limited(sock.emit("get_rotation", {"workshop": code}, callback=True))
    sock.disconnect()

"""Abuse limits: how fast notes may come, how many a station holds, how big a message may be.

A venue's 300 phones often reach us through one router, so one public IP is not one person.
Posting is therefore limited twice, in this order:

1. per participant (the session's anonymous `pid`; a Socket.IO connection without one counts
   as its own participant; an HTTP request without one shares its IP's anonymous budget):
   strict, a person writes a few notes a minute, an outbox flushed after a dead spot a few
   dozen at once;
2. per IP: generous, about what the server itself can take, so that one address can never
   saturate it. A request refused by (1) never spends (2), so one flooding phone exhausts only
   its own budget and the 299 others behind the same router keep posting.

HTTP (`POST /s/<token>`, `POST /api/v1/stations/<token>/notes`) is limited by Flask-Limiter.
Flask-Limiter does not see Socket.IO events, so `GuardedSocketIO` wraps every client event
handler at registration (handlers added later are covered too): each connection has a token
bucket for all of its events, and `post_note` / `reply_note` also spend the participant and IP
budgets above, in the same storage and under the same keys as HTTP. With several processes the
storage is Redis (`GALLERY_RATELIMIT_STORAGE`, by default the `GALLERY_MESSAGE_QUEUE` when that is
redis://); the per-connection bucket lives in the connection's process, as the connection does.

Every refusal is `{"ok": false, "error": {"code": "rate_limited", "message", "retry_after"}}`
(HTTP 429 with `Retry-After`). `GALLERY_RATE_LIMITS=false` switches all rate limits off (tests,
benchmarks); the cap on notes per station and the message size limits stay.
"""

from __future__ import annotations

import functools
import inspect
import math
import threading
import time
from dataclasses import dataclass

from flask import Flask, current_app, jsonify, request, session
from flask_limiter import Limiter, RateLimitExceeded
from flask_socketio import SocketIO
from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage

KEY_PREFIX = "gallery"
# Spent by both transports; the scope names are part of the storage keys.
PARTICIPANT_SCOPE = "post:participant"
IP_SCOPE = "post:ip"
# Socket.IO events that create content: they spend the posting budgets as well.
POSTING_EVENTS = frozenset({"post_note", "reply_note"})
# Connection lifecycle events are never refused: a disconnect must always run.
UNGUARDED_EVENTS = frozenset({"connect", "disconnect"})

clock = time.monotonic  # the token buckets' clock; tests replace it


def client_ip() -> str:
    return request.remote_addr or "unknown"


def participant_key() -> str:
    """The posting budget's owner: the session's participant, else (no cookie) the IP's
    anonymous budget over HTTP, or the connection itself over Socket.IO."""
    pid = session.get("pid")
    if pid:
        return f"p:{pid}"
    sid = getattr(request, "sid", None)
    return f"sid:{sid}" if sid else f"anon:{client_ip()}"


def _ip_key() -> str:
    return f"ip:{client_ip()}"


def _setting(key: str):
    return lambda: current_app.config[key]


class SweptMemoryStorage(MemoryStorage):
    """`memory://` that sweeps expired counters once a second, with one timer at a time.

    The sweep only frees memory: every check reads the expiry itself. Upstream schedules it
    10 ms out whenever its timer is not alive, and under gevent a timer is not alive until its
    greenlet first runs, so every hit in between started another one, each walking every key
    (with the moving windows used then, copying a 6,000-entry window for 300 phones behind one
    router). That took 17 % of the event loop under a room posting at once (py-spy,
    bench/latency.py)."""

    STORAGE_SCHEME = ["gallery-memory"]
    SWEEP_SECONDS = 1.0

    def __init__(self, *args, **kwargs) -> None:
        self._sweep_pending = False
        super().__init__(*args, **kwargs)
        self.timer.cancel()  # upstream's first sweep, 10 ms out
        self._sweep_pending = False

    # MemoryStorage schedules its sweep through this (name-mangled) method after each hit.
    def _MemoryStorage__schedule_expiry(self) -> None:
        if self._sweep_pending:
            return
        timer = threading.Timer(self.SWEEP_SECONDS, self._sweep)
        timer.daemon = True
        timer.start()  # if this fails, the next hit tries again
        self.timer, self._sweep_pending = timer, True

    def _sweep(self) -> None:
        self._sweep_pending = False
        self._MemoryStorage__expire_events()


def storage_uri(settings) -> str:
    """Where the counters live: explicit, else Redis when the processes already share one,
    else this process's memory (swept once a second)."""
    if settings["RATELIMIT_STORAGE"]:
        uri = settings["RATELIMIT_STORAGE"]
        return "gallery-memory://" if uri.startswith("memory://") else uri
    queue = settings["MESSAGE_QUEUE"] or ""
    if queue.startswith(("redis://", "rediss://")):
        return queue
    return "gallery-memory://"


limiter = Limiter(
    key_func=_ip_key,
    # Two counters per key, the previous window weighted by how much of it still overlaps: a
    # burst at a window edge cannot double the budget, and a key costs the same whatever its
    # limit (a moving window keeps an entry per hit: 6,000 objects for a venue's address, and
    # 300 an hour per participant, each one more for the garbage collector to walk).
    strategy="sliding-window-counter",
    key_prefix=KEY_PREFIX,
    headers_enabled=False,  # Retry-After is written by the 429 handler below
    # Redis gone: count in this process's memory, and never turn a note away for an outage.
    in_memory_fallback_enabled=True,
    swallow_errors=True,
)

_per_participant = limiter.shared_limit(
    _setting("POST_LIMIT_PARTICIPANT"), scope=PARTICIPANT_SCOPE, key_func=participant_key
)
# Only tested before the view and spent after it, unless (1) refused the request: a flooding
# phone's refused requests cost its neighbours nothing.
_per_ip = limiter.shared_limit(
    _setting("POST_LIMIT_IP"),
    scope=IP_SCOPE,
    key_func=_ip_key,
    deduct_when=lambda response: response.status_code != 429,
)


def posting(view):
    """Decorator for the HTTP views that store a note."""
    return _per_participant(_per_ip(view))


# --- refusals ----------------------------------------------------------------------------


class Refusal(Exception):
    def __init__(self, retry_after: float) -> None:
        super().__init__("rate_limited")
        self.retry_after = max(1, math.ceil(retry_after))


def refusal_body(retry_after: int) -> dict:
    from .errors import error_body

    body = error_body("rate_limited")
    body["error"]["retry_after"] = retry_after
    return body


def _http_refusal(err: RateLimitExceeded):
    from flask import g

    from . import participant
    from .errors import message
    from .models import Station

    current = limiter.current_limit
    seconds = current.reset_at - time.time() if current is not None else 60
    retry_after = Refusal(seconds).retry_after
    # The limit ran before the view: find the workshop here, for the message's language.
    station = Station.by_token((request.view_args or {}).get("token"))
    if station is not None:
        g.workshop = station.workshop
    if request.endpoint == "participant.post_form" and station is not None:
        # The no-JavaScript form: show the page again with the text kept and the reason.
        page = participant._render_station(
            station,
            error=message("rate_limited"),
            text=request.form.get("text", ""),
            author=request.form.get("author", ""),
            status=429,
        )
        response = current_app.make_response(page)
    else:
        response = jsonify(refusal_body(retry_after))
        response.status_code = 429
    response.headers["Retry-After"] = str(retry_after)
    return response


# --- Socket.IO: a token bucket per connection ---------------------------------------------


@dataclass
class TokenBucket:
    """`capacity` events at once, refilled at `rate` per second."""

    rate: float
    capacity: float
    tokens: float
    stamp: float

    @classmethod
    def full(cls, rate: float, capacity: float, now: float) -> TokenBucket:
        return cls(rate, capacity, capacity, now)

    def take(self, now: float, cost: float = 1.0) -> float:
        """Spend `cost` tokens: 0.0 when allowed, else the seconds until it would be."""
        elapsed = max(0.0, now - self.stamp)
        self.tokens = min(self.capacity, self.tokens + elapsed * self.rate)
        self.stamp = now
        if self.tokens >= cost:
            self.tokens -= cost
            return 0.0
        return (cost - self.tokens) / self.rate if self.rate > 0 else math.inf


BUCKET = "_events"  # per connection, in the Socket.IO session (which dies with the connection)
_bucket_lock = threading.Lock()  # threading mode handles one connection's events in parallel


def _spend_connection_budget() -> None:
    config = current_app.config
    with _bucket_lock:
        bucket = session.get(BUCKET)
        now = clock()
        if bucket is None:
            bucket = TokenBucket.full(
                config["SOCKET_EVENT_RATE"], config["SOCKET_EVENT_BURST"], now
            )
            session[BUCKET] = bucket
        wait = bucket.take(now)
    if wait:
        raise Refusal(wait)


@functools.lru_cache(maxsize=16)
def _parsed(limits_text: str) -> tuple[RateLimitItem, ...]:
    return tuple(parse_many(limits_text))


def _items(key: str) -> tuple[RateLimitItem, ...]:
    return _parsed(current_app.config[key])


def _spend_posting_budget() -> None:
    """The same per-participant and per-IP budgets that HTTP posting spends."""
    strategy = limiter.limiter
    owner = [KEY_PREFIX, participant_key(), PARTICIPANT_SCOPE]
    for item in _items("POST_LIMIT_PARTICIPANT"):
        if not strategy.hit(item, *owner):
            raise Refusal(strategy.get_window_stats(item, *owner).reset_time - time.time())
    address = [KEY_PREFIX, _ip_key(), IP_SCOPE]
    ip_items = _items("POST_LIMIT_IP")
    for item in ip_items:
        if not strategy.test(item, *address):
            raise Refusal(strategy.get_window_stats(item, *address).reset_time - time.time())
    for item in ip_items:
        strategy.hit(item, *address)


def check_event(event: str) -> dict | None:
    """None when the event may run, else the refusal to send back as its ack."""
    if not current_app.config["RATE_LIMITS"]:
        return None
    try:
        _spend_connection_budget()
        if event in POSTING_EVENTS:
            _spend_posting_budget()
    except Refusal as refusal:
        return refusal_body(refusal.retry_after)
    except Exception:  # the counters' storage failed: a note is worth more than a limit
        current_app.logger.exception("rate limit storage failed; %s let through", event)
    return None


def _arity(handler) -> tuple[int, float]:
    """How many positional arguments the handler takes, at least and at most (counted once:
    binding its signature on every event cost more than the check)."""
    params = inspect.signature(handler).parameters.values()
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    least = sum(1 for p in positional if p.default is p.empty)
    varargs = any(p.kind is p.VAR_POSITIONAL for p in params)
    return least, math.inf if varargs else len(positional)


def guard(event: str, handler):
    """The handler behind the limits; a call with the wrong number of arguments (a client
    may emit anything) is answered with `invalid_payload` instead of killing the handler."""

    least, most = _arity(handler)

    @functools.wraps(handler)
    def guarded(*args):
        refusal = check_event(event)
        if refusal is not None:
            return refusal
        if not least <= len(args) <= most:
            from .errors import error_body

            return error_body("invalid_payload")
        return handler(*args)

    return guarded


class GuardedSocketIO(SocketIO):
    """SocketIO whose client event handlers pass `guard()` first, however they are registered
    (`@socketio.on`, `@socketio.event` and `on_event` all come through `on`)."""

    def on(self, message, namespace=None):
        register = super().on(message, namespace)
        if message in UNGUARDED_EVENTS:
            return register

        def decorator(handler):
            register(guard(message, handler))
            return handler

        return decorator


# --- the cap on notes per station ---------------------------------------------------------


def check_station_room(station, client_id: str) -> None:
    """Refuse a new note when the station holds GALLERY_MAX_NOTES_PER_STATION notes; a resend
    of a stored note is still answered. Soft: two racing posts may end one above the cap."""
    cap = current_app.config["MAX_NOTES_PER_STATION"]
    if not cap:
        return
    from .models import Note
    from .walk import Refused

    # Far from the cap the running count decides; near it an exact count (see count_seen).
    if Note.count_seen(station) < cap - max(20, cap // 10) or Note.count_at(station) < cap:
        return
    if Note.by_client_id(station, client_id) is None:
        raise Refused("station_full", limit=cap)


# --- wiring ------------------------------------------------------------------------------


def init_app(app: Flask) -> None:
    settings = app.config
    app.config["RATELIMIT_ENABLED"] = bool(settings["RATE_LIMITS"])
    app.config["RATELIMIT_STORAGE_URI"] = storage_uri(settings)
    limiter.init_app(app)
    app.register_error_handler(RateLimitExceeded, _http_refusal)

"""The Socket.IO server object, whose every client event passes the abuse limits first.

Flask-Limiter does not see Socket.IO events, so `GuardedSocketIO` wraps every client event
handler at registration (handlers added later are covered too): each connection has a token
bucket for all of its events; the events that add something get a participant first
(gallery/identity.py) and spend the participant and IP posting budgets that HTTP spends
(identity.spend_posting_budget, the one path of both), under the same keys. The bucket lives
in the connection's process, as the connection does.
"""

from __future__ import annotations

import functools
import inspect
import math
import threading
import time
from dataclasses import dataclass
from typing import Any

from flask import current_app, request, session
from flask_socketio import SocketIO

from .. import identity, limits, trouble
from ..actions.reactions import wire_size
from ..adapters import MALFORMED
from ..errors import error_body

# Socket.IO events that add something: they need a participant (issued here if the
# connection has none, gallery/identity.py) and spend the posting budgets, so that dots and
# +1s cost what notes cost.
POSTING_EVENTS = frozenset({"post_note", "reply_note", "plus_one", "vote_note", "unvote_note"})
IDENTIFIED_EVENTS = POSTING_EVENTS | {"join_group"}
# Connection lifecycle events are never refused: a disconnect must always run.
UNGUARDED_EVENTS = frozenset({"connect", "disconnect"})
# The wall's join answers with the whole workshop, once, and only with the key: its bytes
# are not charged (they would hold the facilitator's next clicks back for seconds).
UNCHARGED_ANSWERS = frozenset({"join_wall"})

clock = time.monotonic  # the token buckets' clock; tests replace it


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

    def charge(self, now: float, cost: float) -> None:
        """Spend `cost` tokens after the fact, into debt if need be: the next events wait."""
        self.take(now, 0.0)
        self.tokens -= cost


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
        raise limits.Refusal(wait)


def charge_answer(answer: Any) -> None:
    """An answer's bytes cost the connection's bucket too (one event per
    SOCKET_EVENT_BYTES): asking again and again for big answers (a full station's join)
    cannot buy the loop's time with bytes."""
    config = current_app.config
    if not (config["RATE_LIMITS"] and config["SOCKET_EVENT_BYTES"]) or not isinstance(answer, dict):
        return
    cost = wire_size(answer) / config["SOCKET_EVENT_BYTES"]
    with _bucket_lock:
        bucket = session.get(BUCKET)
        if bucket is not None:
            bucket.charge(clock(), cost)


def check_event(event: str, data: Any = None) -> dict | None:
    """None when the event may run, else the refusal to send back as its ack."""
    limited = current_app.config["RATE_LIMITS"]
    try:
        if limited:
            _spend_connection_budget()
        if event in POSTING_EVENTS:
            identity.spend_posting_budget(identity.device_of(data))
        elif event in IDENTIFIED_EVENTS:
            identity.participant(identity.device_of(data))
    except limits.Refusal as refusal:
        return limits.refusal_body(refusal.retry_after)
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
        refusal = check_event(event, args[0] if args else None)
        if refusal is not None:
            return refusal
        if not least <= len(args) <= most:
            return error_body("invalid_payload")
        try:
            answer = handler(*args)
        except Exception as err:
            code = trouble.classify(err)
            if code is None:
                raise
            return trouble.report(code)  # a full disk, a held lock: the sender tries again
        if event not in UNCHARGED_ANSWERS:
            charge_answer(answer)
        return answer

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


socketio = GuardedSocketIO()


MALFORMED_COUNT = "_malformed"  # per connection: frames that could not be decoded


@socketio.on(MALFORMED)
def malformed_frame(*_) -> dict:
    """What adapters.TolerantPacket makes of a frame that could not be decoded: counted per
    connection and logged once (a flood of them must not flood the log)."""
    count = session.get(MALFORMED_COUNT, 0) + 1
    session[MALFORMED_COUNT] = count
    if count == 1:
        current_app.logger.warning(
            "malformed Socket.IO frame from %s (ignored; further ones from this connection "
            "are only counted)", request.remote_addr,
        )  # fmt: skip
    return error_body("invalid_payload")  # heard only by a client that sent it by name


@socketio.on("disconnect")
def count_malformed_frames(*_) -> None:
    count = session.get(MALFORMED_COUNT, 0)
    if count > 1:
        current_app.logger.warning(
            "%s malformed Socket.IO frames from %s on one connection", count, request.remote_addr
        )

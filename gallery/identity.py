"""Who a participant is: one anonymous id per device, and what a new one costs.

The per-participant limits (notes, replies, +1s, dots) are only worth something if a new
participant cannot be had for free. So an id is issued once per device and kept: in the
signed session cookie, and, for a phone whose Socket.IO connection brings no cookie, derived
from the device id its outbox keeps in localStorage (the same device gets the same id on
every reconnect). Every id issued spends the IP address's budget of new participants
(`GALLERY_NEW_PARTICIPANT_LIMIT_IP`, a few hundred an hour: a venue's router passes, a script
that throws its cookie away after every note does not). Nothing that only reads needs an id.

An id also remembers when it was issued (signed into the cookie with it, or kept by the
connection): one that posts the moment it is issued is a newcomer, and an address's newcomers
share a small budget (gallery/limits.py, stations/posting.py), so taking a new identity for
every note buys a few dozen notes a minute, not hundreds.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import math
import re
import secrets
import time
from typing import Any

from flask import current_app, request, session

from . import limits

SCOPE = "participant:new"
PID = "pid"
BORN = "pid_at"  # when the id was issued (seconds since the epoch)
clock = time.time  # tests replace it
# What the phone's outbox sends as `device`: 128 random bits in hex (static/js/outbox.js).
DEVICE = re.compile(r"[0-9a-f]{32}")


def device_of(data: Any) -> str | None:
    device = data.get("device") if isinstance(data, dict) else None
    return device if isinstance(device, str) and DEVICE.fullmatch(device) else None


def _from_device(device: str) -> str:
    """The device's participant id: the same for the same device, unguessable without the
    server's secret key, so nobody can act as another phone by sending its device id."""
    key = current_app.config["SECRET_KEY"].encode()
    return "d" + hmac.new(key, device.encode(), hashlib.sha256).hexdigest()[:20]


def _spend_new_id() -> None:
    if not current_app.config["RATE_LIMITS"]:
        return
    try:
        limits.spend_ip_budget("NEW_PARTICIPANT_LIMIT_IP", SCOPE)
    except limits.Refusal:
        raise
    except Exception:  # the counters' storage failed: a person is worth more than a limit
        current_app.logger.exception("rate limit storage failed; a participant id let through")


def _issued(pid: str) -> float:
    """When a device's participant was first issued (its earlier connections count)."""
    now = clock()
    if not current_app.config["RATE_LIMITS"]:
        return now
    try:
        return limits.first_issued(pid, now)
    except Exception:  # the counters' storage failed: new for a moment, not refused
        current_app.logger.exception("rate limit storage failed; a device taken as new")
        return now


def participant(device: str | None = None) -> str:
    """This session's participant, issued now if it has none. Raises limits.Refusal when
    the address has had its new participants for now."""
    pid = session.get(PID)
    if pid:
        return pid
    _spend_new_id()
    pid = _from_device(device) if device else secrets.token_urlsafe(12)
    session[PID] = pid
    session[BORN] = _issued(pid) if device else clock()
    session.permanent = True
    return pid


def age() -> float:
    """Seconds since this session's participant was issued; an id issued before ids kept
    their time is old."""
    born = session.get(BORN)
    return clock() - born if isinstance(born, (int, float)) else math.inf


def spend_posting_budget(device: str | None = None) -> None:
    """What a note, reply, +1 or dot costs, on every path: a participant (issued now if
    need be), then its and its address's posting budgets. Raises limits.Refusal."""
    pid = participant(device)
    if not current_app.config["RATE_LIMITS"]:
        return
    try:
        limits.spend_posting_budget(pid, age())
    except limits.Refusal:
        raise
    except Exception:  # the counters' storage failed: a note is worth more than a limit
        current_app.logger.exception("rate limit storage failed; a note let through")


def posting(view):
    """Decorator for the HTTP views that store a note: they pay as a socket's post_note does
    (a refusal is answered 429 by the app's handler for limits.Refusal)."""

    @functools.wraps(view)
    def paid(*args, **kwargs):
        spend_posting_budget(_device_in_body())
        return view(*args, **kwargs)

    return paid


def _device_in_body() -> str | None:
    """The outbox's device id in a JSON post (its way around a dead socket)."""
    try:
        return device_of(request.get_json(silent=True)) if request.is_json else None
    except RecursionError:  # nested deeper than the decoder goes: the view refuses it
        return None


def participant_or_none(device: str | None = None) -> str | None:
    """`participant()`, or None when none may be issued now (reading needs none)."""
    try:
        return participant(device)
    except limits.Refusal:
        return None

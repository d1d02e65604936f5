"""Who a participant is: one anonymous id per device, and what a new one costs.

The per-participant limits (notes, replies, +1s, dots) are only worth something if a new
participant cannot be had for free. So an id is issued once per device and kept: in the
signed session cookie, and, for a phone whose Socket.IO connection brings no cookie, derived
from the device id its outbox keeps in localStorage (the same device gets the same id on
every reconnect). Every id issued spends the IP address's budget of new participants
(`GALLERY_NEW_PARTICIPANT_LIMIT_IP`, a few hundred an hour: a venue's router passes, a script
that throws its cookie away after every note does not). Nothing that only reads needs an id.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from typing import Any

from flask import current_app, session

from . import limits

SCOPE = "participant:new"
PID = "pid"
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


def participant(device: str | None = None) -> str:
    """This session's participant, issued now if it has none. Raises limits.Refusal when
    the address has had its new participants for now."""
    pid = session.get(PID)
    if pid:
        return pid
    _spend_new_id()
    pid = _from_device(device) if device else secrets.token_urlsafe(12)
    session[PID] = pid
    session.permanent = True
    return pid


def participant_or_none(device: str | None = None) -> str | None:
    """`participant()`, or None when none may be issued now (reading needs none)."""
    try:
        return participant(device)
    except limits.Refusal:
        return None

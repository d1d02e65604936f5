"""The live layer: Socket.IO events in (participant_events.py, facilitator_events.py), facts
out to the rooms that see them (broadcast.py), new notes to phones in batches (fanout.py),
and the round timer's tick (ticker.py). Every client event passes the abuse limits first
(socket.py)."""

from __future__ import annotations

from flask import Flask

from ..facts import listen
from . import facilitator_events, participant_events  # noqa: F401  (register the handlers)
from .broadcast import Broadcasts
from .socket import socketio


def init_app(app: Flask, **options) -> None:
    """Bind the Socket.IO server to the app and become the listener of the app's facts."""
    socketio.init_app(app, **options)
    listen(Broadcasts())

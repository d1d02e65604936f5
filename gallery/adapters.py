"""The one place where the app relies on other libraries' internals, each for speed on the
event loop that every phone shares. Versions are pinned in pyproject.toml, and
tests/test_adapters.py fails loudly when an upgrade moves what these lean on.

* peewee: model objects straight from a row of plain SQL (`model_from_row`), clean as
  peewee's own query results leave them (no field marked changed).
* Flask: the request context of a Socket.IO event built from what its connection already
  has (`GalleryFlask`). Flask-SocketIO pushes a context per event from the environ saved at
  connect; Flask then bound the URL map, routed `/socket.io/` and decoded the session
  cookie, only for Flask-SocketIO to replace the session with the connection's own copy.
  The environ is the same for every event of a connection, so the bound URL map and the
  routing result are kept in it, and the connection's session is handed over directly. The
  first event of a connection, and every HTTP request, go the usual way.
* python-socketio: a frame it cannot decode (`42[`, an event that is not a list, an unknown
  packet type) raises inside its Engine.IO message handler, and Engine.IO logs the traceback
  for every such frame. `TolerantPacket` (a serializer, which the server takes as an option)
  turns it into the event `malformed_frame` instead, which gallery/live/socket.py counts.
"""

from __future__ import annotations

from collections.abc import Sequence

import peewee
from flask import Flask
from flask.ctx import RequestContext
from socketio import packet

# --- peewee ----------------------------------------------------------------------------------


def model_from_row(model: type[peewee.Model], fields: Sequence[peewee.Field], values: Sequence):
    """An instance of `model` from `values` of `fields` in database form, as peewee's result
    wrapper builds one (no callable defaults run, nothing marked dirty)."""
    instance = model(
        __no_default__=1,
        **{
            f.name: (None if v is None else f.python_value(v))
            for f, v in zip(fields, values, strict=True)
        },
    )
    instance._dirty.clear()
    return instance


def attach(instance: peewee.Model, name: str, related: peewee.Model) -> None:
    """Set a loaded foreign-key object without marking the field changed."""
    setattr(instance, name, related)
    instance._dirty.discard(name)


# --- Flask -----------------------------------------------------------------------------------

SAVED_SESSION = "saved_session"  # where Flask-SocketIO keeps the connection's session copy
URL_ADAPTER = "gallery.url_adapter"
ROUTE = "gallery.route"


class EventContext(RequestContext):
    def match_request(self) -> None:
        request = self.request
        route = request.environ.get(ROUTE)
        if route is None:
            super().match_request()
            route = (request.url_rule, request.view_args, request.routing_exception)
            request.environ[ROUTE] = route
        request.url_rule, request.view_args, request.routing_exception = route


class GalleryFlask(Flask):
    def request_context(self, environ: dict) -> RequestContext:
        session = environ.get(SAVED_SESSION)
        if session is None:  # HTTP, or the first event of a connection
            return super().request_context(environ)
        return EventContext(self, environ, session=session)

    def create_url_adapter(self, request):
        if request is None or SAVED_SESSION not in request.environ:
            return super().create_url_adapter(request)
        adapter = request.environ.get(URL_ADAPTER)
        if adapter is None:
            adapter = request.environ[URL_ADAPTER] = super().create_url_adapter(request)
        return adapter


# --- python-socketio -------------------------------------------------------------------------

MALFORMED = "malformed_frame"
_TYPES = range(packet.CONNECT, packet.BINARY_ACK + 1)


class TolerantPacket(packet.Packet):
    """python-socketio's packet, except that one that makes no sense decodes as the event
    `malformed_frame` (no ack id: nothing is answered)."""

    def decode(self, encoded_packet):
        try:
            attachments = super().decode(encoded_packet)
            if self._makes_sense():
                return attachments
        except (ValueError, TypeError, RecursionError):
            pass
        self.packet_type, self.namespace, self.id, self.data = packet.EVENT, None, None, [MALFORMED]
        return 0

    def _makes_sense(self) -> bool:
        if self.packet_type not in _TYPES:
            return False
        if self.packet_type in (packet.EVENT, packet.BINARY_EVENT):
            return isinstance(self.data, list) and bool(self.data) and isinstance(self.data[0], str)
        if self.packet_type in (packet.ACK, packet.BINARY_ACK):
            return isinstance(self.data, list)
        return True

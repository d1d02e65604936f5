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
"""

from __future__ import annotations

from collections.abc import Sequence

import peewee
from flask import Flask
from flask.ctx import RequestContext

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

"""Flask's request context for Socket.IO events, built from what the connection already has.

Flask-SocketIO pushes a request context for every event, from the WSGI environ saved when the
connection opened. For each one Flask bound the URL map to that environ, routed its path
(`/socket.io/`, which matches no view) and verified and decoded the session cookie, only for
Flask-SocketIO to replace the session with the connection's own copy (`saved_session`, made on
the connection's first event). Those three were a quarter of the work of every `post_note` on
the event loop the whole room shares (bench/README.md, Latency). The environ is the same for
every event of a connection, so the bound URL map and the routing result are kept in it, and
the connection's session is handed over directly. The first event of a connection, and every
HTTP request, go the usual way.
"""

from __future__ import annotations

from flask import Flask
from flask.ctx import RequestContext

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

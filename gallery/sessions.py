"""The session cookie, opened once per Socket.IO connection instead of once per event.

Flask opens the session for every request context, and Flask-SocketIO pushes one per event,
only to swap in the connection's own copy of the session (`saved_session`, made on the
connection's first event). Verifying and decoding the same cookie again cost ~0.3 ms of
every event on the event loop the whole room shares (bench/README.md, Latency).
"""

from __future__ import annotations

from flask.sessions import SecureCookieSessionInterface

SAVED = "saved_session"  # the environ key Flask-SocketIO keeps the connection's session under


class SocketAwareSessionInterface(SecureCookieSessionInterface):
    def open_session(self, app, request):
        saved = request.environ.get(SAVED)
        if saved is not None:
            return saved  # what Flask-SocketIO would put in place of the decoded cookie
        return super().open_session(app, request)

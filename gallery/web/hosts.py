"""Trusted host names: which `Host` this server answers, and which origins may open Socket.IO.

Links, QR codes and the facilitator link (with its key) are built on the host a request came
in on, and a page at another name (DNS rebinding: evil.example resolving to the venue's
laptop) could otherwise read the answers. So a request naming a host that is not ours gets
400, before Flask or Socket.IO see it, and a browser's Socket.IO connection must come from a
page served under one of these names.

Ours: GALLERY_ALLOWED_HOSTS (comma separated; `*` trusts any), else this machine's own names
and addresses (localhost, its host name, the addresses of its interfaces), plus the hosts of
GALLERY_PUBLIC_URL and GALLERY_LAN_URL. Own addresses are looked up again (at most every
ten seconds, addresses.py) before a host is refused: a laptop that gets a new address from
the venue's router keeps working.
"""

from __future__ import annotations

import functools
from urllib.parse import urlsplit

from flask import Flask

from .addresses import host_name, own_names

ANY = "*"


@functools.lru_cache(maxsize=8)
def configured(setting: str, *urls: str) -> frozenset[str] | None:
    """The allow-list GALLERY_ALLOWED_HOSTS names (None: any host), with the hosts of the
    public and LAN URLs; empty when not set (then: this machine's own names)."""
    names = {host_name(n) for n in setting.split(",") if n.strip()}
    if ANY in names:
        return None
    return frozenset(names | {host_name(urlsplit(u).netloc) for u in urls if u})


def trusts(app: Flask, host: str) -> bool:
    config = app.config
    allowed = configured(config["ALLOWED_HOSTS"], config["PUBLIC_URL"], config["LAN_URL"])
    if allowed is None:
        return True
    name = host_name(host)
    if name in allowed:
        return True
    if config["ALLOWED_HOSTS"].strip():  # an explicit list is the whole list
        return False
    return name in own_names() or name in own_names(fresh=True)


def origin_check(app: Flask):
    """Socket.IO's origin check: a page served under one of our names, or one of
    GALLERY_CORS_ORIGINS."""

    def allows(origin: str | None, environ=None) -> bool:
        if not origin:
            return True  # not a browser (a browser always says where its page came from)
        extra = {o.strip().rstrip("/") for o in app.config["CORS_ORIGINS"].split(",")}
        return origin.rstrip("/") in extra or trusts(app, urlsplit(origin).netloc)

    return allows


class HostGuard:
    """WSGI middleware: 400 for a request whose Host is not one of ours."""

    def __init__(self, app: Flask, wsgi_app) -> None:
        self.app = app
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "")
        if trusts(self.app, host):
            return self.wsgi_app(environ, start_response)
        self.app.logger.warning(
            "refused a request for host %r: not this server's name (GALLERY_ALLOWED_HOSTS)",
            host[:100],
        )
        body = b"Unknown host name. Set GALLERY_ALLOWED_HOSTS to serve it.\n"
        start_response("400 Bad Request", [("Content-Type", "text/plain; charset=utf-8"),
                                           ("Content-Length", str(len(body)))])  # fmt: skip
        return [body]


def init_app(app: Flask) -> None:
    """Wrap the app, Socket.IO included: call after it is bound."""
    app.wsgi_app = HostGuard(app, app.wsgi_app)

"""The service worker at /sw.js (static/js/sw.js): the phone's station page keeps working
through a reload in a dead spot. Browsers run service workers only on HTTPS and localhost; on a
plain-http venue LAN the outbox and draft in localStorage carry the notes instead (README)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from flask import Blueprint, Response, current_app, url_for

bp = Blueprint("offline", __name__)

SOCKETIO_CLIENT = "vendor/socket.io-4.8.1.min.js"  # the pages link it as `socketio_client`
# What the station page loads besides itself: scripts by release (?v=), the rest by name.
VERSIONED = (
    "js/station.js",
    "js/station_notes.js",
    "js/station_walk.js",
    "js/clock.js",
    "js/typography.js",
)
PLAIN = (SOCKETIO_CLIENT, "icons/favicon.svg")


def _assets() -> list[str]:
    version = current_app.config["GALLERY_VERSION"]
    return [url_for("static", filename=name) + f"?v={version}" for name in VERSIONED] + [
        url_for("static", filename=name) for name in PLAIN
    ]


def _worker() -> bytes:
    """The worker's text, with its version: a hash of itself and every file it keeps, so any
    change to them makes phones install the new worker (and drop the old cache)."""
    static = Path(current_app.static_folder)
    digest = hashlib.sha256(current_app.config["GALLERY_VERSION"].encode())
    source = (static / "js" / "sw.js").read_bytes()
    for data in [source, *((static / name).read_bytes() for name in VERSIONED + PLAIN)]:
        digest.update(data)
    config = {"version": digest.hexdigest()[:16], "assets": _assets()}
    return b"var GALLERY = " + json.dumps(config).encode() + b";\n" + source


@bp.record_once
def _template_global(state) -> None:
    state.app.jinja_env.globals["socketio_client"] = SOCKETIO_CLIENT


@bp.get("/sw.js")
def service_worker():
    worker = current_app.extensions.get("gallery.worker")
    if worker is None:
        worker = current_app.extensions["gallery.worker"] = _worker()
    response = Response(worker, mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"  # a new release reaches phones at once
    return response

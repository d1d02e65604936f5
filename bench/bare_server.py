"""The floor for bench/latency.py: python-socketio alone, no Flask, no database.

Same async stack as `gallery serve`: gunicorn's gevent worker (one process, monkey-patched),
python-socketio in gevent mode, websockets through simple-websocket. It answers the events the
benchmark sends (`join_station`, `join_wall`, `post_note`) and fans each note out at once as
`note_posted` to the station room and the wall room, as gallery does with
GALLERY_PHONE_BATCH=0 (by default gallery sends the phones' copies in batches), but validates
nothing and stores nothing. So gallery's latency minus this one (batches off) is what Flask,
peewee and SQLite cost.

Run by latency.py as:
    python -m gunicorn --worker-class gevent --workers 1 --worker-connections 4000 \
        --bind 127.0.0.1:PORT --pythonpath bench bare_server:app
"""

from __future__ import annotations

import datetime as dt
import itertools

import socketio

# The same engine settings as gallery/__init__.py, so heartbeats and limits match.
sio = socketio.Server(
    async_mode="gevent",
    max_http_buffer_size=64 * 1024,
    ping_interval=20,
    ping_timeout=20,
)
_note_ids = itertools.count(1)

# The one workshop every bare station belongs to (gallery looks it up in the database).
WORKSHOP = "BENCH"


def _health(environ, start_response):
    """Anything that is not Socket.IO: a 200 so the benchmark can tell the server is up."""
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"bare\n"]


app = socketio.WSGIApp(sio, _health)


def _token(data) -> str | None:
    value = data.get("station") if isinstance(data, dict) else None
    return value if isinstance(value, str) else None


@sio.on("join_station")
def join_station(sid, data):
    """Sent by a phone; it then hears `note_posted` for its station."""
    token = _token(data)
    if token is None:
        return {"ok": False, "error": {"code": "station_not_found", "message": ""}}
    sio.enter_room(sid, f"station:{token}")
    return {"ok": True, "station": {"token": token}, "notes": []}


@sio.on("join_wall")
def join_wall(sid, data):
    """Sent by a wall; any key is accepted. The wall then hears every `note_posted`."""
    code = data.get("workshop") if isinstance(data, dict) else None
    if not isinstance(code, str):
        return {"ok": False, "error": {"code": "workshop_not_found", "message": ""}}
    sio.enter_room(sid, f"wall:{code.upper()}")
    return {"ok": True, "workshop": {"code": code.upper()}, "stations": [], "notes": []}


@sio.on("post_note")
def post_note(sid, data):
    """Sent by a phone; the station room and the walls hear `note_posted` before the phone
    gets its ack (gallery commits first; here there is nothing to commit)."""
    token = _token(data)
    if token is None:
        return {"ok": False, "error": {"code": "station_not_found", "message": ""}}
    note = {
        "id": next(_note_ids),
        "station": token,
        "text": data.get("text"),
        "author": data.get("author"),
        "client_id": data.get("client_id"),
        "created_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
    }
    sio.emit("note_posted", note, to=[f"wall:{WORKSHOP}", f"station:{token}"])
    return {"ok": True, "note": note, "created": True}

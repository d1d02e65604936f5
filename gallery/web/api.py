"""The participant HTTP API: read a station, post a note (docs/protocol.md, "HTTP API")."""

from __future__ import annotations

from flask import Blueprint, g, jsonify, request

from stations.notes import NoteError, parse_id_text

from .. import identity
from ..actions.notes import submit_note
from ..actions.state import station_state
from ..errors import ApiError, Refused
from ..store.models import Station

api = Blueprint("api", __name__, url_prefix="/api/v1")


def _api_station(token: str) -> Station:
    station = Station.by_token(token)
    if station is None:
        raise ApiError("station_not_found", 404)
    g.workshop = station.workshop
    return station


@api.get("/stations/<token>")
def api_station(token: str):
    """The station and its newest notes; `?before=<note id>` pages back (`more` says to
    which id, or is null at the oldest)."""
    station = _api_station(token)
    before = request.args.get("before")
    cursor = parse_id_text(before)
    if before is not None and cursor is None:
        raise ApiError("invalid_payload", 400)
    return jsonify({"ok": True, **station_state(station, cursor)})


@api.post("/stations/<token>/notes")
@identity.posting
def api_post_note(token: str):
    station = _api_station(token)
    try:
        payload = request.get_json(silent=True)
    except RecursionError:  # nested deeper than the decoder goes (silent= covers ValueError)
        payload = None
    if payload is None:
        raise ApiError("invalid_payload", 400)
    try:
        done = submit_note(station, payload, identity.participant())
    except NoteError as err:
        raise ApiError(
            err.code, 422 if err.code in ("note_too_long", "author_too_long") else 400, **err.params
        ) from None
    except Refused as err:
        raise ApiError(err.code, 409) from None
    return jsonify({"ok": True, "note": done.wire}), 201 if done.created else 200

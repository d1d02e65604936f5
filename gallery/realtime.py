"""Socket.IO: rooms, the handlers phones and walls talk to, one broadcast helper per change.

Client-to-server events are imperatives (`join_station`, `post_note`, `join_wall`);
server-to-client events are facts (`note_posted`, `station_updated`, ...). Rooms are built
only by `station_room()` and `wall_room()`. The full contract is docs/protocol.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import request, session
from flask_babel import force_locale
from flask_socketio import join_room

from stations.notes import NoteError, parse_note

from . import socketio, topics
from .errors import error_body, note_error_body
from .models import Note, Station, Workshop


def station_room(token: str) -> str:
    return f"station:{token}"


def wall_room(code: str) -> str:
    return f"wall:{code}"


# --- broadcast helpers: the only places that emit -------------------------------------


def broadcast_note_posted(note: Note) -> None:
    station = note.station
    # Walls first: the projected wall is what the room watches; phones follow in the same
    # emit (a client in both rooms still gets it once).
    socketio.emit(
        "note_posted",
        note.to_dict(station.token),
        to=[wall_room(station.workshop.code), station_room(station.token)],
    )


def broadcast_clusters_updated(station: Station) -> None:
    """The station's clusters changed (new note placed, re-clustered, steered): walls only."""
    from .topics import clusters_state

    socketio.emit("clusters_updated", clusters_state(station), to=wall_room(station.workshop.code))


def note_stored(note: Note, created: bool) -> None:
    """After a note was committed, from any path (form, HTTP API, socket): tell the rooms
    once, then let the clustering place it (off the request path)."""
    if created:
        broadcast_note_posted(note)
        topics.note_added(note)


def broadcast_station_updated(station: Station) -> None:
    socketio.emit(
        "station_updated",
        station.to_dict(),
        to=[station_room(station.token), wall_room(station.workshop.code)],
    )


def broadcast_station_removed(workshop: Workshop, token: str) -> None:
    socketio.emit(
        "station_removed",
        {"station": token},
        to=[station_room(token), wall_room(workshop.code)],
    )


def broadcast_workshop_updated(workshop: Workshop) -> None:
    """Stations added or reordered, title changed: walls re-render their columns."""
    socketio.emit(
        "workshop_updated", workshop_state(workshop, with_notes=False), to=wall_room(workshop.code)
    )


# --- shared state shapes (acks and HTTP resync use the same ones) ----------------------


def station_state(station: Station) -> dict:
    notes = [n.to_dict(station.token) for n in station.visible_notes()]
    return {"station": station.to_dict(note_count=len(notes)), "notes": notes}


def workshop_state(workshop: Workshop, *, with_notes: bool = True) -> dict:
    stations = list(workshop.ordered_stations())
    by_station: dict[int, list[dict]] = {s.id: [] for s in stations}
    if with_notes:
        notes = (
            Note.select()
            .where((Note.station << [s.id for s in stations]) & (Note.hidden == False))  # noqa: E712
            .order_by(Note.created_at, Note.id)
        )
        tokens = {s.id: s.token for s in stations}
        for note in notes:
            by_station[note.station_id].append(note.to_dict(tokens[note.station_id]))
    state = {
        "workshop": workshop.to_dict(),
        "stations": [
            s.to_dict(note_count=len(by_station[s.id])) if with_notes else s.to_dict()
            for s in stations
        ],
    }
    if with_notes:
        state["notes"] = [n for s in stations for n in by_station[s.id]]
        state["clusters"] = {s.token: topics.clusters_state(s) for s in stations}
    return state


def _cluster_leftovers(workshop: Workshop, state: dict) -> bool:
    ran = [
        topics.ensure_clustered(station, state["clusters"][station.token])
        for station in workshop.ordered_stations()
    ]
    return any(ran)


# --- handlers --------------------------------------------------------------------------


def _participant() -> str:
    return session.get("pid") or f"sid:{request.sid}"


def _station_from(data: Any) -> Station | None:
    if not isinstance(data, Mapping):
        return None
    return Station.by_token(data.get("station"))


@socketio.on("join_station")
def join_station(data: Any) -> dict:
    """Sent by a phone on every (re)connect; the ack carries the station's full state so the
    phone resyncs anything it missed. The phone then hears `note_posted` for its station."""
    station = _station_from(data)
    if station is None:
        return error_body("station_not_found")
    join_room(station_room(station.token))
    return {"ok": True, **station_state(station)}


@socketio.on("post_note")
def post_note(data: Any) -> dict:
    """Sent by a phone (from its outbox, possibly again after a reconnect). Acked only after
    the commit; the station room and the wall room hear `note_posted` once per new note."""
    station = _station_from(data)
    if station is None:
        return error_body("station_not_found")
    with force_locale(station.workshop.language):
        try:
            note_in = parse_note(data)
        except NoteError as err:
            return note_error_body(err)
    note, created = Note.store(station, note_in, _participant())
    note_stored(note, created)
    return {"ok": True, "note": note.to_dict(station.token), "created": created}


@socketio.on("join_wall")
def join_wall(data: Any) -> dict:
    """Sent by the facilitator's wall on every (re)connect with the workshop key. The ack
    carries the workshop, its stations and visible notes; the wall then hears every change."""
    if not isinstance(data, Mapping) or not isinstance(data.get("workshop"), str):
        return error_body("workshop_not_found")
    workshop = Workshop.get_or_none(Workshop.code == data["workshop"].upper())
    if workshop is None or not workshop.check_key(data.get("key")):
        return error_body("forbidden")  # same answer for both: no probing for codes
    join_room(wall_room(workshop.code))
    session[WALLS] = [*session.get(WALLS, [])[-9:], workshop.code]
    state = workshop_state(workshop)
    if _cluster_leftovers(workshop, state):
        state = workshop_state(workshop)
    return {"ok": True, **state}


# --- the facilitator steers the clusters -------------------------------------------------

WALLS = "walls"  # per connection: the workshops whose wall this socket joined with the key


def _facilitated_station(data: Any) -> Station | None:
    """The station named in a facilitator event, if this connection may steer it: it joined
    that workshop's wall with the key, or the payload carries the key."""
    station = _station_from(data)
    if station is None:
        return None
    code = station.workshop.code
    if code in session.get(WALLS, []) or station.workshop.check_key(data.get("key")):
        return station
    return None


def _steer(data: Any, action) -> dict:
    station = _facilitated_station(data)
    if station is None:
        return error_body("forbidden")  # unknown station or no key: the same answer
    with force_locale(station.workshop.language):
        try:
            action(station)
        except topics.SteeringError as err:
            return error_body(err.code)
        return {"ok": True, **topics.clusters_state(station)}


@socketio.on("move_note")
def move_note(data: Any) -> dict:
    """Facilitator (wall): `{"station", "note_id", "cluster": id | "new"}`; the note stays
    there through every later re-clustering. The wall room hears `clusters_updated`."""
    return _steer(data, lambda s: topics.move_note(s, data.get("note_id"), data.get("cluster")))


@socketio.on("rename_cluster")
def rename_cluster(data: Any) -> dict:
    """Facilitator: `{"station", "cluster", "label"}`; the label is kept from now on."""
    return _steer(data, lambda s: topics.rename_cluster(s, data.get("cluster"), data.get("label")))


@socketio.on("merge_clusters")
def merge_clusters(data: Any) -> dict:
    """Facilitator: `{"station", "clusters": [into, other, ...]}`."""
    return _steer(data, lambda s: topics.merge_clusters(s, data.get("clusters")))


@socketio.on("split_cluster")
def split_cluster(data: Any) -> dict:
    """Facilitator: `{"station", "cluster"}`: split into finer topics."""
    return _steer(data, lambda s: topics.split_cluster(s, data.get("cluster")))


@socketio.on("pin_cluster")
def pin_cluster(data: Any) -> dict:
    """Facilitator: `{"station", "cluster", "pinned": bool}`: freeze or release membership."""
    return _steer(data, lambda s: topics.pin_cluster(s, data.get("cluster"), data.get("pinned")))


@socketio.on("set_granularity")
def set_granularity(data: Any) -> dict:
    """Facilitator: `{"station", "granularity": -3..3}` ("fewer / more groups")."""
    return _steer(data, lambda s: topics.set_granularity(s, data.get("granularity")))

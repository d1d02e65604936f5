"""Who is on the other end of a Socket.IO connection, and what it may act on.

Station URLs are capabilities: only a connection that opened a station (`join_station`) may
act on its notes (+1, replies, dots), so note ids cannot be counted through from elsewhere. A
connection facilitates a workshop once it joined that wall with the key, or when an event
carries the key.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import session

from stations.notes import parse_id

from ..identity import PID
from ..store.models import Note, Reply, Station, Workshop

STATIONS = "stations"  # per connection: the stations this socket joined (join_station)
WALLS = "walls"  # per connection: the workshops whose wall this socket joined with the key


def participant() -> str:
    """The session's participant: events that add something have one (socket.py issues it
    before they run); others read as nobody in particular."""
    return session.get(PID) or ""


def joined_station(token: str) -> None:
    joined = [t for t in session.get(STATIONS, []) if t != token]
    session[STATIONS] = [*joined[-19:], token]


def joined_wall(code: str) -> None:
    session[WALLS] = [*session.get(WALLS, [])[-9:], code]


def may_act_on(note: Note) -> bool:
    """A participant's action on a note needs its station opened here, or its wall."""
    station = note.station
    return station.token in session.get(STATIONS, []) or station.workshop.code in session.get(
        WALLS, []
    )


def station_from(data: Any) -> Station | None:
    if not isinstance(data, Mapping):
        return None
    return Station.by_token(data.get("station"))


def workshop_from(data: Any) -> Workshop | None:
    code = data.get("workshop") if isinstance(data, Mapping) else None
    if not isinstance(code, str):
        return None
    return Workshop.get_or_none(Workshop.code == code.upper())


def _facilitates(workshop: Workshop, data: Mapping) -> bool:
    return workshop.code in session.get(WALLS, []) or workshop.check_key(data.get("key"))


def facilitated_station(data: Any) -> Station | None:
    """The station named in a facilitator event, if this connection may steer it."""
    station = station_from(data)
    if station is None or not _facilitates(station.workshop, data):
        return None
    return station


def facilitated_workshop(data: Any) -> Workshop | None:
    workshop = workshop_from(data)
    if workshop is None or not _facilitates(workshop, data):
        return None
    return workshop


def facilitated_workshop_of_reply(data: Any) -> Workshop | None:
    """The workshop of the reply named in a facilitator event, if this connection may act."""
    if not isinstance(data, Mapping):
        return None
    reply_id = parse_id(data.get("reply_id"))
    reply = Reply.get_or_none(Reply.id == reply_id) if reply_id is not None else None
    if reply is None:
        return None
    return facilitated_workshop_of_note({**data, "note_id": reply.note_id})


def facilitated_workshop_of_note(data: Any) -> Workshop | None:
    """The workshop of the note named in a facilitator event, if this connection may act."""
    if not isinstance(data, Mapping):
        return None
    note_id = parse_id(data.get("note_id"))
    if note_id is None:
        return None
    note = Note.select(Note, Station).join(Station).where(Note.id == note_id).first()
    if note is None:
        return None
    return facilitated_workshop({**data, "workshop": note.station.workshop.code})

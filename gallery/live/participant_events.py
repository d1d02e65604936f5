"""Socket.IO events from phones: join a station, post a note, +1, reply, vote, pick a group.

Each answers its sender with an ack (`{"ok": true, ...}` or `{"ok": false, "error": {"code",
"message"}}`); what others hear is sent by broadcast.py when the action announces it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask_babel import force_locale
from flask_socketio import join_room

from stations.notes import NoteError, parse_id, parse_note

from .. import identity, limits
from ..actions import reactions, walk
from ..actions.notes import submit_note
from ..actions.state import for_participants, participant_state, station_state
from ..errors import Refused, error_body, note_error_body
from ..store.models import Note
from .broadcast import rotation_ticker
from .connection import joined_station, may_act_on, participant, station_from, workshop_from
from .rooms import station_room, workshop_room
from .socket import socketio


@socketio.on("join_station")
def join_station(data: Any) -> dict:
    """Sent by a phone on every (re)connect; the ack carries the station's full state so the
    phone resyncs anything it missed. The phone then hears `notes_posted` for its station."""
    station = station_from(data)
    if station is None:
        return error_body("station_not_found")
    join_room(station_room(station.token))
    join_room(workshop_room(station.workshop.code))
    joined_station(station.token)
    # The phone's participant is issued here, once per device; reading needs none.
    pid = identity.participant_or_none(identity.device_of(data)) or ""
    mine = participant_state(station, pid)
    rotation_ticker.follow(station.workshop, mine["rotation"])
    return {"ok": True, **station_state(station), **mine}


@socketio.on("more_notes")
def more_notes(data: Any) -> dict:
    """Sent by a phone after its join when the ack said `more`: `{"station", "before"}`; the
    ack is the next page back, `{"ok", "notes", "more"}` (as GET /api/v1/stations/<token>)."""
    station = station_from(data)
    if station is None:
        return error_body("station_not_found")
    before = parse_id(data.get("before"))
    if before is None:
        return error_body("invalid_payload")
    state = station_state(station, before)
    return {"ok": True, "notes": state["notes"], "more": state["more"]}


@socketio.on("post_note")
def post_note(data: Any) -> dict:
    """Sent by a phone (from its outbox, possibly again after a reconnect). Acked only after
    the commit; the wall room hears `note_posted`, the station room `notes_posted`, once per
    new note."""
    station = station_from(data)
    if station is None:
        return error_body("station_not_found")
    try:
        done = submit_note(station, data, participant())
    except (NoteError, Refused) as err:
        # the message in the workshop's language; switching locale only costs on a refusal
        with force_locale(station.workshop.locale):
            return error_body(err.code, **err.params)
    return {"ok": True, "note": done.wire, "created": done.created}


def _react(data: Any, action: Callable[[Note], dict]) -> dict:
    """Run a participant's action on a visible note; refusals go back to the sender only."""
    note_id = data.get("note_id") if isinstance(data, Mapping) else None
    try:
        note = reactions.visible_note(note_id)
    except Refused as err:
        return error_body(err.code)
    if not may_act_on(note):
        return error_body("note_not_found")  # the same answer as for a note that is not there
    with force_locale(note.station.workshop.locale):
        try:
            return action(note)
        except Refused as err:
            return error_body(err.code, **err.params)
        except NoteError as err:
            return note_error_body(err)


@socketio.on("plus_one")
def plus_one(data: Any) -> dict:
    """Phone: `{"note_id"}`, once per participant and note (again: ok, nothing changes).
    The station and wall rooms hear `note_updated` with the new count."""

    def act(note: Note) -> dict:
        reactions.plus_one(note, participant())
        wire = for_participants(reactions.note_dict(note), note.station.workshop.phase)
        return {"ok": True, "note": wire,
                "me": reactions.my_state(note.station, participant())}  # fmt: skip

    return _react(data, act)


@socketio.on("reply_note")
def reply_note(data: Any) -> dict:
    """Phone: `{"note_id", "text", "client_id", "author"?}`; stored once per client_id, so an
    outbox may resend it. The rooms hear `note_updated` with the replies."""

    def act(note: Note) -> dict:
        item, created = reactions.reply(note, participant(), parse_note(data))
        return {"ok": True, "reply": item.to_dict(), "created": created}

    return _react(data, act)


def _voting(data: Any, change: Callable[[Note, str], Any]) -> dict:
    def act(note: Note) -> dict:
        change(note, participant())
        return {"ok": True, "me": reactions.my_state(note.station, participant())}

    return _react(data, act)


@socketio.on("vote_note")
def vote_note(data: Any) -> dict:
    """Phone, in the vote phase: `{"note_id"}` spends one dot (several on one note are fine,
    up to the workshop's dots per station). Ack carries `me`; walls hear `votes_updated`."""
    return _voting(data, reactions.vote)


@socketio.on("unvote_note")
def unvote_note(data: Any) -> dict:
    """Phone, in the vote phase: `{"note_id"}` takes one dot back."""
    return _voting(data, reactions.unvote)


@socketio.on("join_group")
def join_group(data: Any) -> dict:
    """Phone: `{"station", "group": "B" | null}`: walk with group B, or be given the smallest
    group. Ack: `{"ok", "group"}`."""
    station = station_from(data)
    if station is None:
        return error_body("station_not_found")
    with force_locale(station.workshop.locale):
        try:
            group = walk.join_group(station.workshop, participant(), data.get("group"))
        except Refused as err:
            return error_body(err.code)
    return {"ok": True, "group": group}


@socketio.on("get_rotation")
def get_rotation(data: Any) -> dict:
    """Anyone: `{"workshop"}`; the current `rotation_updated` state (a client whose
    countdown reached zero asks, in case it missed the change)."""
    workshop = workshop_from(data)
    try:
        limits.looked_up(workshop is not None)  # codes cannot be walked here either
    except limits.Refusal as refusal:
        return limits.refusal_body(refusal.retry_after)
    if workshop is None:
        return error_body("workshop_not_found")
    return {"ok": True, "rotation": walk.rotation_state(workshop)}

"""Socket.IO events from the facilitator's wall: join it, steer the groups, run the walk,
moderate. Each needs the workshop key (once per connection, with `join_wall`, or in the
event); an unknown workshop and a wrong key get the same answer, so codes cannot be probed."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask_babel import force_locale
from flask_socketio import join_room

from ..actions import moderation, steering, walk
from ..actions.notes import add_paper_note
from ..actions.reactions import note_dict
from ..actions.state import wall_state
from ..clustering.store import clusters_state
from ..errors import Refused, error_body
from ..store.models import Note, Reply, Station, Workshop
from .broadcast import rotation_ticker
from .connection import (
    facilitated_station,
    facilitated_workshop,
    facilitated_workshop_of_note,
    facilitated_workshop_of_reply,
    joined_wall,
    workshop_from,
)
from .rooms import all_walls_room, wall_room
from .socket import socketio


@socketio.on("join_wall")
def join_wall(data: Any) -> dict:
    """Sent by the facilitator's wall on every (re)connect with the workshop key. The ack
    carries the workshop, its stations and visible notes; the wall then hears every change."""
    if not isinstance(data, Mapping) or not isinstance(data.get("workshop"), str):
        return error_body("workshop_not_found")
    workshop = workshop_from(data)
    if workshop is None or not workshop.check_key(data.get("key")):
        return error_body("forbidden")  # same answer for both: no probing for codes
    join_room(wall_room(workshop.code))
    join_room(all_walls_room())
    joined_wall(workshop.code)
    state = wall_state(workshop)
    rotation_ticker.follow(workshop, state["rotation"])
    return {"ok": True, **state}


def _facilitate(workshop: Workshop | None, action: Callable[[Workshop], dict | None]) -> dict:
    if workshop is None:
        return error_body("forbidden")  # unknown workshop or no key: the same answer
    with force_locale(workshop.language):
        try:
            return {"ok": True, **(action(workshop) or {})}
        except Refused as err:
            return error_body(err.code, **err.params)


# --- the groups --------------------------------------------------------------------------


def _steer(data: Any, action: Callable[[Station], None]) -> dict:
    """A steering event: the ack carries the station's clusters as the walls now show them;
    the wall room hears `clusters_updated`."""
    station = facilitated_station(data)

    def act(workshop: Workshop) -> dict:
        action(station)
        return clusters_state(station)

    return _facilitate(station.workshop if station else None, act)


@socketio.on("move_note")
def move_note(data: Any) -> dict:
    """Facilitator (wall): `{"station", "note_id", "cluster": id | "new"}`; the note stays
    there through every later re-clustering."""
    return _steer(data, lambda s: steering.move_note(s, data.get("note_id"), data.get("cluster")))


@socketio.on("rename_cluster")
def rename_cluster(data: Any) -> dict:
    """Facilitator: `{"station", "cluster", "label"}`; the label is kept from now on."""
    return _steer(
        data, lambda s: steering.rename_cluster(s, data.get("cluster"), data.get("label"))
    )


@socketio.on("merge_clusters")
def merge_clusters(data: Any) -> dict:
    """Facilitator: `{"station", "clusters": [into, other, ...]}`."""
    return _steer(data, lambda s: steering.merge_clusters(s, data.get("clusters")))


@socketio.on("split_cluster")
def split_cluster(data: Any) -> dict:
    """Facilitator: `{"station", "cluster"}`: split into finer topics."""
    return _steer(data, lambda s: steering.split_cluster(s, data.get("cluster")))


@socketio.on("pin_cluster")
def pin_cluster(data: Any) -> dict:
    """Facilitator: `{"station", "cluster", "pinned": bool}`: freeze or release membership."""
    return _steer(data, lambda s: steering.pin_cluster(s, data.get("cluster"), data.get("pinned")))


@socketio.on("set_granularity")
def set_granularity(data: Any) -> dict:
    """Facilitator: `{"station", "granularity": -3..3}` ("fewer / more groups")."""
    return _steer(data, lambda s: steering.set_granularity(s, data.get("granularity")))


@socketio.on("set_groups")
def set_groups(data: Any) -> dict:
    """Facilitator: `{"station", "groups": 1..50 | null}` ("Gruppen: N"; null: the engine's
    own number)."""
    return _steer(data, lambda s: steering.set_groups(s, data.get("groups")))


@socketio.on("set_topics")
def set_topics(data: Any) -> dict:
    """Facilitator: `{"station", "topics": [name, ...] | "one name per line"}`: the expected
    topics; the notes go to their nearest topic, under its name ([] to drop them)."""
    return _steer(data, lambda s: steering.set_topics(s, data.get("topics")))


@socketio.on("back_to_suggestion")
def back_to_suggestion(data: Any) -> dict:
    """Facilitator: `{"station", "discard"?: bool}`: granularity 0, the engine regroups the
    notes left to it; `discard: true` also drops the manual moves, pins and labels."""
    return _steer(data, lambda s: steering.back_to_suggestion(s, data.get("discard")))


# --- the walk ----------------------------------------------------------------------------


@socketio.on("set_phase")
def set_phase(data: Any) -> dict:
    """Facilitator: `{"workshop", "phase": collect|review|vote|results, "dots"?}`. Walls and
    every phone and station display of the workshop hear `phase_changed`."""

    def act(workshop: Workshop) -> dict:
        walk.change_phase(workshop, data.get("phase"), data.get("dots"))
        return {"phase": workshop.phase, "dots": workshop.dots}

    return _facilitate(facilitated_workshop(data), act)


@socketio.on("rotation_command")
def rotation_command(data: Any) -> dict:
    """Facilitator: `{"workshop", "action": start|pause|next|stop, "groups"?, "minutes"?}`;
    `groups: 0` is a free walk. Everyone in the workshop hears `rotation_updated`."""

    def act(workshop: Workshop) -> dict:
        state = walk.steer_rotation(
            workshop, data.get("action"), data.get("groups"), data.get("minutes")
        )
        return {"rotation": state}

    return _facilitate(facilitated_workshop(data), act)


# --- moderation ----------------------------------------------------------------------------


def _moderate(data: Any, action: Callable[[Note], None]) -> dict:
    """A facilitator event about one note of the workshop (hidden ones included)."""

    def act(workshop: Workshop) -> dict:
        note = moderation.station_note(workshop, data.get("note_id"))
        action(note)
        return {"note": {**note_dict(note), "hidden": note.hidden}}

    return _facilitate(facilitated_workshop_of_note(data), act)


@socketio.on("hide_note")
def hide_note(data: Any) -> dict:
    """Facilitator: `{"note_id"}`; the note vanishes from phones and walls (`note_hidden`)
    and stays in the database, marked hidden in exports."""
    return _moderate(data, moderation.hide)


@socketio.on("restore_note")
def restore_note(data: Any) -> dict:
    """Facilitator: `{"note_id"}`; the note comes back (`note_updated`)."""
    return _moderate(data, moderation.restore)


@socketio.on("edit_note")
def edit_note(data: Any) -> dict:
    """Facilitator: `{"note_id", "text"}` corrects a typo; the original text is kept."""
    return _moderate(data, lambda note: moderation.edit(note, data.get("text")))


def _moderate_reply(data: Any, action: Callable[[Reply], None]) -> dict:
    """A facilitator event about one reply of the workshop (hidden ones included); the
    rooms hear `note_updated` with the note's replies as now shown."""

    def act(workshop: Workshop) -> dict:
        reply = moderation.workshop_reply(workshop, data.get("reply_id"))
        action(reply)
        return {"reply": {**reply.to_dict(), "hidden": reply.hidden}}

    return _facilitate(facilitated_workshop_of_reply(data), act)


@socketio.on("hide_reply")
def hide_reply(data: Any) -> dict:
    """Facilitator: `{"reply_id"}`; the reply leaves its note on phones and walls and stays
    in the database, marked hidden in exports."""
    return _moderate_reply(data, moderation.hide_reply)


@socketio.on("restore_reply")
def restore_reply(data: Any) -> dict:
    """Facilitator: `{"reply_id"}`; the reply is shown again."""
    return _moderate_reply(data, moderation.restore_reply)


@socketio.on("edit_reply")
def edit_reply(data: Any) -> dict:
    """Facilitator: `{"reply_id", "text"}` corrects a typo; the original text is kept."""
    return _moderate_reply(data, lambda reply: moderation.edit_reply(reply, data.get("text")))


@socketio.on("lock_station")
def lock_station(data: Any) -> dict:
    """Facilitator: `{"station", "locked": bool}`; a locked station takes no notes, replies,
    +1s or dots. Rooms hear `station_updated`."""
    station = facilitated_station(data)

    def act(workshop: Workshop) -> dict:
        moderation.lock(station, data.get("locked"))
        return {"station": station.to_dict()}

    return _facilitate(station.workshop if station else None, act)


@socketio.on("add_paper_note")
def paper_note_event(data: Any) -> dict:
    """Facilitator: `{"station", "text", "author"?, "client_id"?}`: a note from a paper card,
    in any phase. Rooms hear `note_posted` / `notes_posted` like for any note."""
    station = facilitated_station(data)

    def act(workshop: Workshop) -> dict:
        done = add_paper_note(station, dict(data))
        return {"note": done.note.to_dict(station.token), "created": done.created}

    return _facilitate(station.workshop if station else None, act)

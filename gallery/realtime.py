"""Socket.IO: rooms, the handlers phones and walls talk to, one broadcast helper per change.

Client-to-server events are imperatives (`join_station`, `post_note`, `join_wall`);
server-to-client events are facts (`note_posted`, `station_updated`, ...). Rooms are built
only by `station_room()` and `wall_room()`. The full contract is docs/protocol.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import current_app, request, session
from flask_babel import force_locale
from flask_socketio import join_room

from stations.notes import NoteError, parse_note

from . import limits, moderation, reactions, socketio, topics, walk
from .errors import error_body, note_error_body
from .fanout import PhoneFanout
from .models import Note, Station, Workshop


def station_room(token: str) -> str:
    return f"station:{token}"


def wall_room(code: str) -> str:
    return f"wall:{code}"


def workshop_room(code: str) -> str:
    """Every phone and station display of a workshop: phase and rotation changes."""
    return f"workshop:{code}"


# --- broadcast helpers: the only places that emit -------------------------------------


def _send_to_phones(token: str, notes: list[dict]) -> None:
    socketio.emit("notes_posted", {"station": token, "notes": notes}, to=station_room(token))


def _later(delay: float, run) -> None:
    def wait_then_run() -> None:
        socketio.sleep(delay)
        run()

    socketio.start_background_task(wait_then_run)


phone_fanout = PhoneFanout(_send_to_phones, _later)


def _emit_to_station(event: str, payload: dict, token: str, workshop_code: str) -> None:
    """An event for a station's phones and the wall. The phones get the station's waiting
    new notes first: never a change to a note before the note."""
    phone_fanout.flush(token)
    socketio.emit(event, payload, to=[wall_room(workshop_code), station_room(token)])


def broadcast_note_posted(note: Note) -> dict:
    """The wall hears the note at once, the station's phones with the station's next batch
    (gallery/fanout.py). Returns the note's wire shape (the poster's ack carries the same)."""
    station = note.station
    wire = reactions.note_dict(note, station.token, fresh=True)
    socketio.emit("note_posted", wire, to=wall_room(station.workshop.code))
    phone_fanout.add(station.token, wire, current_app.config["PHONE_BATCH"])
    return wire


def broadcast_note_updated(note: Note) -> None:
    """Text corrected, a +1 or a reply added, or restored after hiding: the whole note."""
    station = note.station
    _emit_to_station(
        "note_updated", reactions.note_dict(note, station.token), station.token,
        station.workshop.code,
    )  # fmt: skip


def broadcast_note_hidden(note: Note) -> None:
    station = note.station
    _emit_to_station(
        "note_hidden", {"station": station.token, "note_id": note.id}, station.token,
        station.workshop.code,
    )  # fmt: skip


def broadcast_votes_updated(station: Station) -> None:
    """Live dot tallies: walls only (phones do not see the tallies while voting)."""
    socketio.emit(
        "votes_updated", reactions.votes_state(station), to=wall_room(station.workshop.code)
    )


def broadcast_phase_changed(workshop: Workshop) -> None:
    socketio.emit(
        "phase_changed",
        {"workshop": workshop.code, "phase": workshop.phase, "dots": workshop.dots},
        to=[wall_room(workshop.code), workshop_room(workshop.code)],
    )


def broadcast_rotation_updated(workshop: Workshop) -> dict:
    """Returns the state it sent (the facilitator's ack carries the same)."""
    state = walk.rotation_state(workshop)
    socketio.emit(
        "rotation_updated", state, to=[wall_room(workshop.code), workshop_room(workshop.code)]
    )
    rotation_ticker.follow(workshop, state)
    return state


def broadcast_clusters_state(workshop_code: str, state: dict) -> None:
    """A station's `topics.clusters_state` after its clusters changed (placed, re-clustered,
    steered), built where that happened (possibly in the clustering worker): walls only."""
    socketio.emit("clusters_updated", state, to=wall_room(workshop_code))


def note_stored(note: Note, created: bool) -> dict | None:
    """After a note was committed, from any path (form, HTTP API, socket): tell the rooms
    once, then let the clustering place it (off the request path). Returns the wire shape
    sent, None for a resend (nothing sent)."""
    if not created:
        return None
    wire = broadcast_note_posted(note)
    topics.note_added(note)
    return wire


def broadcast_station_updated(station: Station) -> None:
    _emit_to_station("station_updated", station.to_dict(), station.token, station.workshop.code)


def broadcast_station_removed(workshop: Workshop, token: str) -> None:
    phone_fanout.discard(token)  # its phones reload onto a page that is gone
    socketio.emit(
        "station_removed", {"station": token}, to=[station_room(token), wall_room(workshop.code)]
    )


def broadcast_workshop_updated(workshop: Workshop) -> None:
    """Stations added or reordered, title changed: walls re-render their columns."""
    socketio.emit(
        "workshop_updated", workshop_state(workshop, with_notes=False), to=wall_room(workshop.code)
    )


# --- shared state shapes (acks and HTTP resync use the same ones) ----------------------


def _with_extras(notes: list[dict], station_id: int) -> list[dict]:
    extras = reactions.note_extras([n["id"] for n in notes], stations=[station_id])
    return [{**n, **extras[n["id"]]} for n in notes]


def station_state(station: Station) -> dict:
    notes = Note.wire_dicts(station.visible_notes(), {station.id: station.token})
    notes = _with_extras(notes, station.id)
    return {
        "station": station.to_dict(note_count=len(notes)),
        "notes": notes,
        "workshop": station.workshop.to_dict(),
    }


def participant_state(station: Station, participant: str) -> dict:
    """What one phone needs besides the notes: its dots, +1s, group, and the rotation."""
    return {
        "me": {
            **reactions.my_state(station, participant),
            "group": walk.group_of(station.workshop, participant),
        },
        "rotation": walk.rotation_state(station.workshop),
    }


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
        by_token = {s.token: by_station[s.id] for s in stations}
        for note in Note.wire_dicts(notes, tokens):
            by_token[note["station"]].append(note)
        for station_id, token_notes in by_station.items():
            token_notes[:] = _with_extras(token_notes, station_id)
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
        state["rotation"] = walk.rotation_state(workshop)
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
    phone resyncs anything it missed. The phone then hears `notes_posted` for its station."""
    station = _station_from(data)
    if station is None:
        return error_body("station_not_found")
    join_room(station_room(station.token))
    join_room(workshop_room(station.workshop.code))
    # Station URLs are capabilities: only a connection that opened this station may act on
    # its notes (+1, replies, dots), so note ids cannot be counted through from elsewhere.
    joined = [t for t in session.get(STATIONS, []) if t != station.token]
    session[STATIONS] = [*joined[-19:], station.token]
    mine = participant_state(station, _participant())
    rotation_ticker.follow(station.workshop, mine["rotation"])
    return {"ok": True, **station_state(station), **mine}


@socketio.on("post_note")
def post_note(data: Any) -> dict:
    """Sent by a phone (from its outbox, possibly again after a reconnect). Acked only after
    the commit; the wall room hears `note_posted`, the station room `notes_posted`, once per
    new note."""
    station = _station_from(data)
    if station is None:
        return error_body("station_not_found")
    try:
        note_in = parse_note(data)
        walk.may_post(station, note_in.client_id)
        limits.check_station_room(station, note_in.client_id)
    except (NoteError, walk.Refused) as err:
        # the message in the workshop's language; switching locale only costs on a refusal
        with force_locale(station.workshop.language):
            return note_error_body(err) if isinstance(err, NoteError) else error_body(err.code)
    note, created = Note.store(station, note_in, _participant())
    wire = note_stored(note, created) or reactions.note_dict(note, station.token)
    return {"ok": True, "note": wire, "created": created}


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
    rotation_ticker.follow(workshop, state["rotation"])
    return {"ok": True, **state}


# --- the facilitator steers the clusters -------------------------------------------------

STATIONS = "stations"  # per connection: the stations this socket joined (join_station)
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


# --- building on notes, dot voting (participants) ------------------------------------------


def _react(data: Any, action) -> dict:
    """Run a participant's action on a visible note; refusals go back to the sender only."""
    note_id = data.get("note_id") if isinstance(data, Mapping) else None
    try:
        note = reactions.visible_note(note_id)
    except walk.Refused as err:
        return error_body(err.code)
    joined = note.station.token in session.get(STATIONS, [])
    if not joined and note.station.workshop.code not in session.get(WALLS, []):
        return error_body("note_not_found")  # the same answer as for a note that is not there
    with force_locale(note.station.workshop.language):
        try:
            return action(note)
        except walk.Refused as err:
            return error_body(err.code, **err.params)
        except NoteError as err:
            return note_error_body(err)


@socketio.on("plus_one")
def plus_one(data: Any) -> dict:
    """Phone: `{"note_id"}`, once per participant and note (again: ok, nothing changes).
    The station and wall rooms hear `note_updated` with the new count."""

    def act(note: Note) -> dict:
        if reactions.plus_one(note, _participant()):
            broadcast_note_updated(note)
        return {"ok": True, "note": reactions.note_dict(note),
                "me": reactions.my_state(note.station, _participant())}  # fmt: skip

    return _react(data, act)


@socketio.on("reply_note")
def reply_note(data: Any) -> dict:
    """Phone: `{"note_id", "text", "client_id", "author"?}`; stored once per client_id, so an
    outbox may resend it. The rooms hear `note_updated` with the replies."""

    def act(note: Note) -> dict:
        item, created = reactions.reply(note, _participant(), parse_note(data))
        if created:
            broadcast_note_updated(note)
        return {"ok": True, "reply": item.to_dict(), "created": created}

    return _react(data, act)


def _voting(data: Any, change) -> dict:
    def act(note: Note) -> dict:
        if change(note, _participant()) is not False:
            broadcast_votes_updated(note.station)
        return {"ok": True, "me": reactions.my_state(note.station, _participant())}

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
    station = _station_from(data)
    if station is None:
        return error_body("station_not_found")
    with force_locale(station.workshop.language):
        try:
            group = walk.join_group(station.workshop, _participant(), data.get("group"))
        except walk.Refused as err:
            return error_body(err.code)
    return {"ok": True, "group": group}


@socketio.on("get_rotation")
def get_rotation(data: Any) -> dict:
    """Anyone: `{"workshop"}`; the current `rotation_updated` state (a client whose
    countdown reached zero asks, in case it missed the change)."""
    code = data.get("workshop") if isinstance(data, Mapping) else None
    workshop = None
    if isinstance(code, str):
        workshop = Workshop.get_or_none(Workshop.code == code.upper())
    if workshop is None:
        return error_body("workshop_not_found")
    return {"ok": True, "rotation": walk.rotation_state(workshop)}


# --- the facilitator runs the walk and moderates ---------------------------------------------


def _facilitated_workshop(data: Any) -> Workshop | None:
    if not isinstance(data, Mapping) or not isinstance(data.get("workshop"), str):
        return None
    workshop = Workshop.get_or_none(Workshop.code == data["workshop"].upper())
    if workshop is None:
        return None
    if workshop.code in session.get(WALLS, []) or workshop.check_key(data.get("key")):
        return workshop
    return None


def _facilitate(workshop: Workshop | None, action) -> dict:
    if workshop is None:
        return error_body("forbidden")  # unknown workshop or no key: the same answer
    with force_locale(workshop.language):
        try:
            return {"ok": True, **(action(workshop) or {})}
        except walk.Refused as err:
            return error_body(err.code, **err.params)


@socketio.on("set_phase")
def set_phase(data: Any) -> dict:
    """Facilitator: `{"workshop", "phase": collect|review|vote|results, "dots"?}`. Walls and
    every phone and station display of the workshop hear `phase_changed`."""

    def act(workshop: Workshop) -> dict:
        changed = False
        if data.get("dots") is not None:
            walk.set_dots(workshop, data["dots"])
            changed = True
        if data.get("phase") is not None or not changed:
            changed = walk.set_phase(workshop, data.get("phase")) or changed
        if changed:
            broadcast_phase_changed(workshop)
        return {"phase": workshop.phase, "dots": workshop.dots}

    return _facilitate(_facilitated_workshop(data), act)


@socketio.on("rotation_command")
def rotation_command(data: Any) -> dict:
    """Facilitator: `{"workshop", "action": start|pause|next|stop, "groups"?, "minutes"?}`;
    `groups: 0` is a free walk. Everyone in the workshop hears `rotation_updated`."""

    def act(workshop: Workshop) -> dict:
        if data.get("groups") == 0:
            walk.set_free_walk(workshop)
        else:
            walk.rotation_command(workshop, data.get("action"), data.get("groups"),
                                  data.get("minutes"))  # fmt: skip
        return {"rotation": broadcast_rotation_updated(workshop)}

    return _facilitate(_facilitated_workshop(data), act)


def _moderate(data: Any, action) -> dict:
    """A facilitator event about one note of the workshop (hidden ones included)."""

    def act(workshop: Workshop) -> dict:
        note = moderation.station_note(workshop, data.get("note_id"))
        action(note)
        return {"note": {**reactions.note_dict(note), "hidden": note.hidden}}

    return _facilitate(_facilitated_workshop_of_note(data), act)


def _facilitated_workshop_of_note(data: Any) -> Workshop | None:
    if not isinstance(data, Mapping):
        return None
    note_id = data.get("note_id")
    if isinstance(note_id, bool) or not isinstance(note_id, int):
        return None
    note = Note.select(Note, Station).join(Station).where(Note.id == note_id).first()
    if note is None:
        return None
    return _facilitated_workshop({**data, "workshop": note.station.workshop.code})


# Moderation changes, each stored and then told to everyone once; the moderation page (HTTP)
# and the wall's socket events both come through here.


def hide(note: Note) -> None:
    if moderation.set_hidden(note, True):
        broadcast_note_hidden(note)
        topics.changed(note.station)
        broadcast_votes_updated(note.station)


def restore(note: Note) -> None:
    if moderation.set_hidden(note, False):
        broadcast_note_updated(note)
        topics.changed(note.station)
        broadcast_votes_updated(note.station)


def edit(note: Note, text: Any) -> None:
    if moderation.edit_text(note, text):
        if not note.hidden:
            broadcast_note_updated(note)
        topics.changed(note.station)


def lock(station: Station, locked: Any) -> None:
    if moderation.set_locked(station, locked):
        broadcast_station_updated(station)


def add_paper_note(station: Station, payload: Any) -> tuple[Note, bool]:
    note, created = moderation.paper_note(station, payload)
    note_stored(note, created)
    return note, created


@socketio.on("hide_note")
def hide_note(data: Any) -> dict:
    """Facilitator: `{"note_id"}`; the note vanishes from phones and walls (`note_hidden`)
    and stays in the database, marked hidden in exports."""
    return _moderate(data, hide)


@socketio.on("restore_note")
def restore_note(data: Any) -> dict:
    """Facilitator: `{"note_id"}`; the note comes back (`note_updated`)."""
    return _moderate(data, restore)


@socketio.on("edit_note")
def edit_note(data: Any) -> dict:
    """Facilitator: `{"note_id", "text"}` corrects a typo; the original text is kept."""
    return _moderate(data, lambda note: edit(note, data.get("text")))


@socketio.on("lock_station")
def lock_station(data: Any) -> dict:
    """Facilitator: `{"station", "locked": bool}`; a locked station takes no notes, replies,
    +1s or dots. Rooms hear `station_updated`."""
    station = _facilitated_station(data)

    def act(workshop: Workshop) -> dict:
        lock(station, data.get("locked"))
        return {"station": station.to_dict()}

    return _facilitate(station.workshop if station else None, act)


@socketio.on("add_paper_note")
def paper_note_event(data: Any) -> dict:
    """Facilitator: `{"station", "text", "author"?, "client_id"?}`: a note from a paper card,
    in any phase. Rooms hear `note_posted` / `notes_posted` like for any note."""
    station = _facilitated_station(data)

    def act(workshop: Workshop) -> dict:
        note, created = add_paper_note(station, dict(data))
        return {"note": note.to_dict(station.token), "created": created}

    return _facilitate(station.workshop if station else None, act)


# --- the round timer ---------------------------------------------------------------------------


class RotationTicker:
    """Tells everyone when a round ends by itself. One sleeping task per running workshop
    and process; any later command or restart re-arms it (`follow`). Clients also ask with
    `get_rotation` when their countdown reaches zero, so a missed tick costs nothing."""

    def __init__(self) -> None:
        self._deadline: dict[str, float] = {}

    def follow(self, workshop: Workshop, state: dict) -> None:
        """`state`: the workshop's `rotation_state`, as the caller just read it."""
        if state["state"] != "running":
            self._deadline.pop(workshop.code, None)
            return
        deadline = state["server_time"] + state["remaining"]
        if abs(self._deadline.get(workshop.code, 0.0) - deadline) < 0.5:
            return  # already armed for this round
        self._deadline[workshop.code] = deadline

        app = current_app._get_current_object()
        socketio.start_background_task(self._wait, app, workshop.code, deadline)

    def _wait(self, app, code: str, deadline: float) -> None:
        socketio.sleep(max(0.0, deadline - walk.now()) + 0.05)
        if self._deadline.get(code) != deadline:
            return  # re-armed or stopped meanwhile
        self._deadline.pop(code, None)
        try:
            with app.app_context():
                workshop = Workshop.get_or_none(Workshop.code == code)
                if workshop is not None:
                    broadcast_rotation_updated(workshop)
        except Exception:  # the app shut down meanwhile (tests): nothing to tell
            app.logger.debug("rotation tick for %s skipped", code, exc_info=True)


rotation_ticker = RotationTicker()

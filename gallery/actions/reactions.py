"""Building on earlier notes (+1, replies) and dot voting: what participants add to notes.

Every function checks the phase rules (`stations.phases`) for the note's station, raises
`Refused` with a stable code, and announces what changed.
"""

from __future__ import annotations

import json
from typing import Any

import peewee as pw
from flask import current_app
from peewee import fn

from stations.budget import newest_within
from stations.notes import NoteIn, parse_id
from stations.phases import admit, check_plus_one, check_vote

from ..errors import Refused, refusing
from ..facts import facts
from ..store.db import database, write_transaction
from ..store.models import Note, PlusOne, Reply, Station, Vote, Workshop
from .walk import ensure_open


def visible_note(note_id: Any, station: Station | None = None) -> Note:
    """A note that participants can see, with its station and workshop (one query)."""
    note_id = parse_id(note_id)
    if note_id is None:
        raise Refused("note_not_found")
    query = (
        Note.select(Note, Station, Workshop)
        .join(Station)
        .join(Workshop)
        .where((Note.id == note_id) & (Note.hidden == False))  # noqa: E712
    )
    if station is not None:
        query = query.where(Note.station == station)
    note = query.first()
    if note is None:
        raise Refused("note_not_found")
    return note


# --- +1 ------------------------------------------------------------------------------------


def plus_one(note: Note, participant: str) -> bool:
    """One "+1" per participant and note; True when this one was new."""
    ensure_open(note.station, "plus_one")
    with refusing():
        check_plus_one(note.participant, participant)
    with write_transaction():
        try:
            with database.atomic():  # savepoint: the unique index decides, in any process
                PlusOne.create(note=note, participant=participant)
        except pw.IntegrityError:
            return False
    facts().note_updated(note)
    return True


# --- replies -------------------------------------------------------------------------------


def reply(note: Note, participant: str, reply_in: NoteIn) -> tuple[Reply, bool]:
    """Store a reply at most once per (note, client_id); returns (reply, created)."""

    def resend() -> bool:
        return (
            Reply.select()
            .where((Reply.note == note) & (Reply.client_id == reply_in.client_id))
            .exists()
        )

    def held() -> int:
        return Reply.select().where((Reply.note == note) & ~Reply.hidden).count()

    station = note.station
    with refusing():
        admit(
            station.workshop.phase, "reply", locked=station.locked, resend=resend,
            cap=current_app.config["MAX_REPLIES_PER_NOTE"], held=held, held_exactly=held,
            full="note_full",
        )  # fmt: skip
    item, created = Reply.store(note, reply_in, participant)
    if created:
        facts().note_updated(note)
    return item, created


# --- dot voting ----------------------------------------------------------------------------


def vote(note: Note, participant: str) -> None:
    """Spend one of the participant's dots at this station on the note."""
    ensure_open(note.station, "vote")
    with write_transaction():
        spent = (
            Vote.select()
            .where((Vote.station == note.station) & (Vote.participant == participant))
            .count()
        )
        with refusing():
            check_vote(spent, note.station.workshop.dots)
        Vote.create(station=note.station, participant=participant, note=note)
    facts().votes_changed(note.station)


def unvote(note: Note, participant: str) -> bool:
    """Take one dot back from the note; False when the participant had none on it."""
    ensure_open(note.station, "vote")
    with write_transaction():
        last = (
            Vote.select(Vote.id)
            .where((Vote.note == note) & (Vote.participant == participant))
            .order_by(Vote.id.desc())
            .first()
        )
        if last is None:
            return False
        Vote.delete().where(Vote.id == last.id).execute()
    facts().votes_changed(note.station)
    return True


# --- shapes --------------------------------------------------------------------------------


def note_extras(
    note_ids: list[int], *, stations: list[int] | None = None, hidden_replies: bool = False
) -> dict[int, dict]:
    """+1 counts, dot counts and replies of these notes, in three queries. With `stations`
    (all the notes are of these stations) the queries select by station: a long `IN` list
    of note ids cost more to build than to run (a wall's join reads every note). With
    `hidden_replies` (exports) the hidden ones come too, as `hidden_replies`."""
    extras = {
        i: {"plus_ones": 0, "votes": 0, "replies": [], "hidden_replies": []} for i in note_ids
    }
    if not note_ids:
        return extras
    if stations is not None:
        scopes = [(Note.station << stations, Note.station << stations, Vote.station << stations)]
    else:  # in chunks: SQLite's variable limit
        chunks = [note_ids[i : i + 500] for i in range(0, len(note_ids), 500)]
        scopes = [(PlusOne.note << c, Reply.note << c, Vote.note << c) for c in chunks]
    for plus_scope, reply_scope, vote_scope in scopes:
        counts = (
            PlusOne.select(PlusOne.note, fn.COUNT(PlusOne.id))
            .join(Note)
            .where(plus_scope)
            .group_by(PlusOne.note)
            .tuples()
        )
        votes = Vote.select(Vote.note, fn.COUNT(Vote.id)).where(vote_scope).group_by(Vote.note)
        for key, rows in (("plus_ones", counts), ("votes", votes.tuples())):
            for note_id, n in rows:
                if note_id in extras:
                    extras[note_id][key] = n
        shown = reply_scope if hidden_replies else reply_scope & ~Reply.hidden
        replies = Reply.select().join(Note).where(shown).order_by(Reply.created_at, Reply.id)
        for r in replies:
            if r.note_id in extras:
                extras[r.note_id]["hidden_replies" if r.hidden else "replies"].append(r.to_dict())
    return extras


# The replies a note carries on the wire at most, in bytes of JSON or of the station page's HTML
# (`page_size`): its newest ones; the others are counted (`reply_count`). With the longest
# texts a note stays near 20 KiB.
REPLY_BYTES = 12 * 1024


def wire_size(value: Any) -> int:
    """Bytes of `value` as Socket.IO sends it (JSON, non-ASCII escaped)."""
    return len(json.dumps(value, separators=(",", ":")))


def page_size(value: Any) -> int:
    """`wire_size`, with each character that HTML escapes weighed by what it is escaped to
    (`<` is `&lt;`, `&` is `&amp;`, a quote `&#34;`): a page of notes that fits a budget then
    fits it as the station page's HTML too, which shows the same notes (actions/state.py)."""
    wire = json.dumps(value, separators=(",", ":"))
    more = 3 * (wire.count("<") + wire.count(">") + wire.count('\\"'))  # \" is 2 bytes, &#34; 5
    return len(wire) + more + 4 * (wire.count("&") + wire.count("'"))


def on_the_wire(extras: dict) -> dict:
    """A note's extras as phones and walls get them: the newest replies that fit
    REPLY_BYTES, and how many there are."""
    replies = extras["replies"]
    shown = newest_within(replies, REPLY_BYTES, page_size) if replies else []
    return {"plus_ones": extras["plus_ones"], "votes": extras["votes"], "replies": shown,
            "reply_count": len(replies)}  # fmt: skip


def note_dict(note: Note, station_token: str | None = None, *, fresh: bool = False) -> dict:
    """A note's wire shape with its +1s, dots and (newest) replies. `fresh`: just stored, so
    it has none yet (no queries on the hot path of posting)."""
    extras = NO_EXTRAS if fresh else on_the_wire(note_extras([note.id])[note.id])
    return {**note.to_dict(station_token), **extras, "replies": list(extras["replies"])}


NO_EXTRAS = {"plus_ones": 0, "votes": 0, "replies": (), "reply_count": 0}


def votes_state(station: Station) -> dict:
    """`votes_updated` payload: dots per visible note and per topic group, for the wall."""
    rows = (
        Vote.select(Vote.note, fn.COUNT(Vote.id))
        .join(Note)
        .where((Vote.station == station) & (Note.hidden == False))  # noqa: E712
        .group_by(Vote.note)
        .tuples()
    )
    votes = {note_id: n for note_id, n in rows}
    return {
        "station": station.token,
        "votes": {str(k): v for k, v in votes.items()},
        "total": sum(votes.values()),
    }


def my_state(station: Station, participant: str) -> dict:
    """What this participant did at the station: dots left, dots per note, +1s given."""
    mine = (
        Vote.select(Vote.note, fn.COUNT(Vote.id))
        .where((Vote.station == station) & (Vote.participant == participant))
        .group_by(Vote.note)
        .tuples()
    )
    my_votes = {str(note_id): n for note_id, n in mine}
    spent = sum(my_votes.values())
    plus = (
        PlusOne.select(PlusOne.note)
        .join(Note)
        .where((Note.station == station) & (PlusOne.participant == participant))
        .tuples()
    )
    return {
        "dots": station.workshop.dots,
        "dots_left": max(0, station.workshop.dots - spent),
        "my_votes": my_votes,
        "plus_ones": sorted(n for (n,) in plus),
    }

"""The facilitator's moderation: hide and restore notes and replies, everything of one
participant at once (and undo that), correct a typo, lock a station.
Nothing is ever deleted here: hidden notes and original texts stay in the database (and in
the exports, marked). Each change is stored, then announced once; the moderation page (HTTP)
and the wall's socket events both come through here."""

from __future__ import annotations

import secrets
from typing import Any

from stations.notes import parse_id_text, parse_text

from ..clustering.scheduler import changed
from ..errors import Refused, refusing
from ..facts import facts
from ..store.db import utcnow, write_transaction
from ..store.models import Note, Reply, Station, Workshop


def station_note(workshop: Workshop, note_id: Any) -> Note:
    """Any note (hidden or not) of this workshop, with its station."""
    note_id = parse_id_text(note_id)
    if note_id is None:
        raise Refused("note_not_found")
    note = (
        Note.select(Note, Station)
        .join(Station)
        .where((Note.id == note_id) & (Station.workshop == workshop))
        .first()
    )
    if note is None:
        raise Refused("note_not_found")
    note.station.workshop = workshop
    return note


def hide(note: Note) -> None:
    if note.set(hidden=True, hidden_batch=None):
        facts().note_hidden(note)
        changed(note.station)
        facts().votes_changed(note.station)


def restore(note: Note) -> None:
    if note.set(hidden=False, hidden_batch=None):
        facts().note_updated(note)
        changed(note.station)
        facts().votes_changed(note.station)


def workshop_reply(workshop: Workshop, reply_id: Any) -> Reply:
    """Any reply (hidden or not) of this workshop, with its note and station."""
    reply = None
    if (reply_id := parse_id_text(reply_id)) is not None:
        reply = Reply.get_or_none(Reply.id == reply_id)
    if reply is None:
        raise Refused("reply_not_found")
    try:
        reply.note = station_note(workshop, reply.note_id)
    except Refused:
        raise Refused("reply_not_found") from None
    return reply


def hidden_replies(workshop: Workshop) -> list[dict]:
    """The hidden replies to the workshop's visible notes, oldest first: the facilitator's wall
    shows them dimmed in edit mode, to be restored there. Phones never get them."""
    stations = [s.id for s in workshop.ordered_stations()]
    query = (
        Reply.select()
        .join(Note)
        .where((Note.station << stations) & ~Note.hidden & Reply.hidden)
        .order_by(Reply.created_at, Reply.id)
    )
    return [reply.to_dict() for reply in query]


def hide_reply(reply: Reply) -> None:
    if reply.set(hidden=True, hidden_batch=None):
        _reply_changed(reply)


def restore_reply(reply: Reply) -> None:
    if reply.set(hidden=False, hidden_batch=None):
        _reply_changed(reply)


def edit_reply(reply: Reply, text: Any) -> None:
    """Correct a reply's text; the first original is kept."""
    with refusing():
        text = parse_text(text)
    if text == reply.text:
        return
    original = reply.original_text if reply.original_text is not None else reply.text
    reply.set(text=text, original_text=original)
    if not reply.hidden:
        _reply_changed(reply)


def _reply_changed(reply: Reply) -> None:
    """Phones and walls see the note's replies anew (a hidden note's are seen by nobody)."""
    if not reply.note.hidden:
        facts().note_updated(reply.note)


def hide_participant(note: Note) -> tuple[str, int]:
    """Hide every visible note and reply in the workshop by the participant who wrote `note`
    (a spammer's flood in one go). Returns the batch, for `undo_batch`, and how many."""
    if not note.participant:  # paper cards have no author to follow
        raise Refused("note_not_found")
    workshop = note.station.workshop
    in_workshop = Note.station << [s.id for s in workshop.ordered_stations()]
    batch = secrets.token_hex(8)
    with write_transaction():
        theirs = in_workshop & (Note.participant == note.participant) & ~Note.hidden
        notes = list(Note.select(Note.id, Note.station).where(theirs))
        Note.update(hidden=True, hidden_batch=batch).where(theirs).execute()
        replies = (
            Reply.update(hidden=True, hidden_batch=batch)
            .where(
                (Reply.participant == note.participant)
                & ~Reply.hidden
                & (Reply.note << Note.select(Note.id).where(in_workshop))
            )
            .execute()
        )
        answered = _shown_notes_with_replies_of(batch, in_workshop)
    _announce(workshop, notes, facts().note_hidden, answered)
    return batch, len(notes) + replies


def undo_batch(workshop: Workshop, batch: Any) -> int:
    """Restore exactly what `hide_participant` hid as `batch` (and is still hidden)."""
    if not isinstance(batch, str) or not batch:
        raise Refused("invalid_payload")
    in_workshop = Note.station << [s.id for s in workshop.ordered_stations()]
    with write_transaction():
        theirs = in_workshop & (Note.hidden_batch == batch)
        notes = list(Note.select(Note.id, Note.station).where(theirs))
        Note.update(hidden=False, hidden_batch=None).where(theirs).execute()
        answered = _shown_notes_with_replies_of(batch, in_workshop)
        replies = (
            Reply.update(hidden=False, hidden_batch=None)
            .where(
                (Reply.hidden_batch == batch)
                & (Reply.note << Note.select(Note.id).where(in_workshop))
            )
            .execute()
        )
    _announce(workshop, notes, facts().note_updated, answered)
    return len(notes) + replies


def _shown_notes_with_replies_of(batch: str, in_workshop) -> list[Note]:
    """The visible notes that hold replies of the batch: their reply lists change."""
    return list(
        Note.select(Note.id, Note.station)
        .join(Reply)
        .where((Reply.hidden_batch == batch) & in_workshop & ~Note.hidden)
        .distinct()
    )


def _announce(workshop: Workshop, notes: list[Note], fact, answered: list[Note]) -> None:
    """`fact` for each note, `note_updated` for the notes whose replies changed, then each
    touched station's clusters and dots once."""
    stations = {s.id: s for s in workshop.ordered_stations()}
    done = {n.id for n in notes}
    for note in notes + [n for n in answered if n.id not in done]:
        note.station = stations[note.station_id]
        (fact if note.id in done else facts().note_updated)(note)
    for station_id in {n.station_id for n in notes}:
        changed(stations[station_id])
        facts().votes_changed(stations[station_id])


def edit(note: Note, text: Any) -> None:
    """Correct the text; the first original is kept."""
    if _edit_text(note, text):
        if not note.hidden:
            facts().note_updated(note)
        changed(note.station)


def lock(station: Station, locked: Any) -> None:
    """Close a station (no new notes, replies, +1s or dots) or open it again."""
    if not isinstance(locked, bool):
        raise Refused("invalid_payload")
    if station.locked == locked:
        return
    with write_transaction():
        Station.update(locked=locked).where(Station.id == station.id).execute()
    station.locked = locked
    facts().station_changed(station)


def _edit_text(note: Note, text: Any) -> bool:
    """Correct the text; the first original is kept. False when nothing changed."""
    with refusing():
        text = parse_text(text)
    if text == note.text:
        return False
    original = note.original_text if note.original_text is not None else note.text
    with write_transaction():
        Note.update(
            text=text, original_text=original, edited_at=utcnow(), vector=None, vector_kind=""
        ).where(Note.id == note.id).execute()
    note.text, note.original_text, note.vector = text, original, None
    return True

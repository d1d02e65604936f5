"""The facilitator's moderation: hide and restore notes, correct a typo, type in paper cards,
lock a station. Nothing is ever deleted here: hidden notes and original texts stay in the
database (and in the exports, marked)."""

from __future__ import annotations

import secrets
from typing import Any

from stations.notes import NoteError, parse_note, parse_text

from .db import utcnow, write_transaction
from .models import Note, Station, Workshop
from .walk import Refused


def station_note(workshop: Workshop, note_id: Any) -> Note:
    """Any note (hidden or not) of this workshop, with its station."""
    if isinstance(note_id, str) and note_id.isdigit():
        note_id = int(note_id)
    if isinstance(note_id, bool) or not isinstance(note_id, int):
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


def set_hidden(note: Note, hidden: bool) -> bool:
    """Hide or restore; False when it already was so."""
    if note.hidden == hidden:
        return False
    with write_transaction():
        Note.update(hidden=hidden).where(Note.id == note.id).execute()
    note.hidden = hidden
    return True


def edit_text(note: Note, text: Any) -> bool:
    """Correct the text; the first original is kept. False when nothing changed."""
    try:
        text = parse_text(text)
    except NoteError as err:
        raise Refused(err.code, **err.params) from None
    if text == note.text:
        return False
    original = note.original_text if note.original_text is not None else note.text
    with write_transaction():
        Note.update(
            text=text, original_text=original, edited_at=utcnow(), vector=None, vector_kind=""
        ).where(Note.id == note.id).execute()
    note.text, note.original_text, note.vector = text, original, None
    return True


def paper_note(station: Station, payload: Any) -> tuple[Note, bool]:
    """A note from a paper card, typed in by the facilitator (never gated by the phase)."""
    if isinstance(payload, dict) and not payload.get("client_id"):
        payload = {**payload, "client_id": "paper" + secrets.token_hex(8)}
    try:
        note_in = parse_note(payload)
    except NoteError as err:
        raise Refused(err.code, **err.params) from None
    return Note.store(station, note_in, participant="", source="paper")


def set_locked(station: Station, locked: Any) -> bool:
    if not isinstance(locked, bool):
        raise Refused("invalid_payload")
    if station.locked == locked:
        return False
    with write_transaction():
        Station.update(locked=locked).where(Station.id == station.id).execute()
    station.locked = locked
    return True

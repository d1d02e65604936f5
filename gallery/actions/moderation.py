"""The facilitator's moderation: hide and restore notes, correct a typo, lock a station.
Nothing is ever deleted here: hidden notes and original texts stay in the database (and in
the exports, marked). Each change is stored, then announced once; the moderation page (HTTP)
and the wall's socket events both come through here."""

from __future__ import annotations

from typing import Any

from stations.notes import parse_id, parse_text

from ..clustering.scheduler import changed
from ..errors import Refused, refusing
from ..facts import facts
from ..store.db import utcnow, write_transaction
from ..store.models import Note, Station, Workshop


def station_note(workshop: Workshop, note_id: Any) -> Note:
    """Any note (hidden or not) of this workshop, with its station."""
    if isinstance(note_id, str) and note_id.isdigit():
        note_id = int(note_id)
    note_id = parse_id(note_id)
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
    if note.set(hidden=True):
        facts().note_hidden(note)
        changed(note.station)
        facts().votes_changed(note.station)


def restore(note: Note) -> None:
    if note.set(hidden=False):
        facts().note_updated(note)
        changed(note.station)
        facts().votes_changed(note.station)


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

"""Submitting a note: the one path for the phone's form, the HTTP API and the socket, and for
a paper card the facilitator types in.

parse once (`stations.notes`) -> admit (`stations.phases.admit`: phase, lock, cap, resend)
-> store at most once per client_id (`Note.store`, committed before any answer) -> announce
a new note once (`facts().note_posted`) -> the clustering places it, off the request path.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from flask import current_app

from stations.notes import parse_note
from stations.phases import admit

from ..clustering import scheduler
from ..errors import refusing
from ..facts import facts
from ..store.models import Note, Station
from .reactions import note_dict


@dataclass(frozen=True, slots=True)
class Submitted:
    note: Note
    created: bool  # False: a resend of a note stored earlier
    wire: dict  # its wire shape, for the sender's answer


def submit_note(station: Station, payload: Any, participant: str) -> Submitted:
    """A participant's note. Raises NoteError (a bad payload) or Refused (the rules)."""
    note_in = parse_note(payload)
    with refusing():
        admit(
            station.workshop.phase, "post", locked=station.locked,
            cap=current_app.config["MAX_NOTES_PER_STATION"],
            held=lambda: Note.count_seen(station), held_exactly=lambda: Note.count_at(station),
            resend=lambda: Note.by_client_id(station, note_in.client_id) is not None,
        )  # fmt: skip
    return _stored(station, *Note.store(station, note_in, participant))


def add_paper_note(station: Station, payload: Any) -> Submitted:
    """A note from a paper card, typed in by the facilitator (never gated by the phase)."""
    if isinstance(payload, dict) and not payload.get("client_id"):
        payload = {**payload, "client_id": "paper" + secrets.token_hex(8)}
    with refusing():
        note_in = parse_note(payload)
    return _stored(station, *Note.store(station, note_in, participant="", source="paper"))


def _stored(station: Station, note: Note, created: bool) -> Submitted:
    """After the commit: a new note is announced once and placed; a resend changes nothing."""
    wire = note_dict(note, station.token, fresh=created)
    if created:
        facts().note_posted(note, wire)
        scheduler.note_added(note)
    return Submitted(note, created, wire)

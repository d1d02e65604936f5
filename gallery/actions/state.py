"""The full state a phone or a wall (re)joins with: the same shapes for Socket.IO acks and
the HTTP API, read from the models."""

from __future__ import annotations

from stations.budget import first_within
from stations.phases import dots_shown_to_participants

from ..clustering import scheduler
from ..clustering.store import clusters_state
from ..store.models import Note, Station, Workshop
from .moderation import hidden_replies
from .reactions import my_state, note_extras, on_the_wire, page_size
from .walk import group_of, rotation_state

# A phone's join, a page of the station API and the station page: the newest notes, at most
# this many and about this many bytes, in JSON and in HTML (always one), then a cursor to the
# older ones (`more`). The station page adds about 29 KiB of its own (the form, its messages)
# and must stay below 64 KiB.
PAGE_NOTES = 100
PAGE_BYTES = 32 * 1024


def _with_extras(notes: list[dict], station_id: int | None = None) -> list[dict]:
    """The notes with their +1s, dots and newest replies; by station when they are all of
    one (a long `IN` list of ids cost more to build than the query)."""
    ids = [n["id"] for n in notes]
    extras = note_extras(ids, stations=[station_id] if station_id is not None else None)
    return [{**n, **on_the_wire(extras[n["id"]])} for n in notes]


def for_participants(note: dict, phase: str) -> dict:
    """A note as phones see it: its dots only in the results."""
    if dots_shown_to_participants(phase):
        return note
    return {k: v for k, v in note.items() if k != "votes"}


def station_state(station: Station, before: int | None = None) -> dict:
    """What a phone (or a station display) joins with: the newest page of notes (older than
    note `before`, when given), `more` (the cursor to the next page, or None), dots hidden
    until the results. `note_count` counts all the visible notes."""
    query = (
        Note.select()
        .where((Note.station == station) & ~Note.hidden)
        .order_by(Note.id.desc())
        .limit(PAGE_NOTES + 1)
    )
    if before is not None:
        query = query.where(Note.id < before)
    notes = Note.wire_dicts(query, {station.id: station.token})
    phase = station.workshop.phase
    page = [for_participants(n, phase) for n in _with_extras(notes[:PAGE_NOTES])]
    page = first_within(page, PAGE_BYTES, page_size)
    more = page[-1]["id"] if len(page) < len(notes) else None
    return {
        "station": station.to_dict(note_count=Note.count_at(station)),
        "notes": page,
        "more": more,
        "workshop": station.workshop.to_dict(),
    }


def participant_state(station: Station, participant: str) -> dict:
    """What one phone needs besides the notes: its dots, +1s, group, and the rotation."""
    return {
        "me": {
            **my_state(station, participant),
            "group": group_of(station.workshop, participant),
        },
        "rotation": rotation_state(station.workshop),
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
        state["clusters"] = {s.token: clusters_state(s) for s in stations}
        state["rotation"] = rotation_state(workshop)
    return state


def wall_state(workshop: Workshop) -> dict:
    """`workshop_state` for a wall that joins, with the hidden replies (`hidden_replies`: the
    facilitator restores them there). Notes stored without clustering (demo data, an import, a
    crash in between) are clustered first when that runs inline (tests)."""
    state = workshop_state(workshop)
    ran = [
        scheduler.ensure_clustered(station, state["clusters"][station.token])
        for station in workshop.ordered_stations()
    ]
    if any(ran):
        state = workshop_state(workshop)
    return {**state, "hidden_replies": hidden_replies(workshop)}

"""The live layer's ear: every fact the app announces (gallery/facts.py) goes from here to
the rooms that see it, once. These are the only places that emit.

Server-to-client events are facts in the past tense (`note_posted`, `station_updated`, ...);
the full contract is docs/protocol.md.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import force_locale

from ..actions.reactions import note_dict, votes_state
from ..actions.state import for_participants, workshop_state
from ..errors import message
from ..facts import Facts
from ..store.models import Note, Station, Workshop
from .fanout import PhoneFanout
from .rooms import all_walls_room, station_room, wall_room, workshop_room
from .socket import socketio
from .ticker import RotationTicker


def _send_to_phones(token: str, notes: list[dict]) -> None:
    socketio.emit("notes_posted", {"station": token, "notes": notes}, to=station_room(token))


def _later(delay: float, run) -> None:
    def wait_then_run() -> None:
        socketio.sleep(delay)
        run()

    socketio.start_background_task(wait_then_run)


phone_fanout = PhoneFanout(_send_to_phones, _later)


def _to_station(
    event: str, payload: dict, token: str, workshop_code: str, phones: dict | None = None
) -> None:
    """An event for a station's phones and the wall (`phones`: what the phones get instead).
    The phones get the station's waiting new notes first: never a change to a note before
    the note."""
    phone_fanout.flush(token)
    if phones is None:
        socketio.emit(event, payload, to=[wall_room(workshop_code), station_room(token)])
    else:
        socketio.emit(event, payload, to=wall_room(workshop_code))
        socketio.emit(event, phones, to=station_room(token))


def _rotation_updated(workshop: Workshop, state: dict) -> None:
    socketio.emit(
        "rotation_updated", state, to=[wall_room(workshop.code), workshop_room(workshop.code)]
    )
    rotation_ticker.follow(workshop, state)


rotation_ticker = RotationTicker(_rotation_updated)


class Broadcasts(Facts):
    def note_posted(self, note: Note, wire: dict) -> None:
        """The wall hears the note at once, the station's phones with the station's next
        batch (fanout.py)."""
        station = note.station
        socketio.emit("note_posted", wire, to=wall_room(station.workshop.code))
        phone_fanout.add(station.token, wire, current_app.config["PHONE_BATCH"])

    def note_updated(self, note: Note) -> None:
        station = note.station
        wire = note_dict(note, station.token)
        phones = for_participants(wire, station.workshop.phase)
        _to_station("note_updated", wire, station.token, station.workshop.code,
                    None if phones is wire else phones)  # fmt: skip

    def note_hidden(self, note: Note) -> None:
        station = note.station
        _to_station("note_hidden", {"station": station.token, "note_id": note.id},
                    station.token, station.workshop.code)  # fmt: skip

    def votes_changed(self, station: Station) -> None:
        """Live dot tallies: walls only (phones do not see the tallies while voting)."""
        socketio.emit("votes_updated", votes_state(station), to=wall_room(station.workshop.code))

    def phase_changed(self, workshop: Workshop) -> None:
        socketio.emit(
            "phase_changed",
            {"workshop": workshop.code, "phase": workshop.phase, "dots": workshop.dots},
            to=[wall_room(workshop.code), workshop_room(workshop.code)],
        )

    def rotation_changed(self, workshop: Workshop, state: dict) -> None:
        _rotation_updated(workshop, state)

    def clusters_changed(self, workshop_code: str, state: dict) -> None:
        """Walls only; built where the change happened (possibly the clustering worker)."""
        socketio.emit("clusters_updated", state, to=wall_room(workshop_code))

    def station_changed(self, station: Station) -> None:
        _to_station("station_updated", station.to_dict(), station.token, station.workshop.code)

    def station_removed(self, workshop: Workshop, token: str) -> None:
        phone_fanout.discard(token)  # its phones reload onto a page that is gone
        socketio.emit(
            "station_removed", {"station": token},
            to=[station_room(token), wall_room(workshop.code)],
        )  # fmt: skip

    def storage_trouble(self, code: str) -> None:
        """Every wall: the server cannot store for now (the message in both languages)."""
        messages = {}
        for language in ("de", "en"):
            with force_locale(language):
                messages[language] = message(code)
        socketio.emit("server_trouble", {"code": code, "messages": messages}, to=all_walls_room())

    def workshop_changed(self, workshop: Workshop) -> None:
        """Stations added or reordered, title changed: walls re-render their columns."""
        socketio.emit(
            "workshop_updated", workshop_state(workshop, with_notes=False),
            to=wall_room(workshop.code),
        )  # fmt: skip

"""Workshops and their stations: create, rename, add, edit, reorder and delete, before and
during the event. Each change is stored, then announced to the walls and phones it changes."""

from __future__ import annotations

from collections.abc import Sequence

from flask import current_app

from ..config import workshop_zone
from ..facts import facts
from ..store.db import write_transaction
from ..store.models import Station, Workshop

MAX_TITLE = 200
MAX_PLACE = 120  # Workshop.place: "Kreishaus Freiberg, Großer Saal"
MAX_PROMPT = 1000
MAX_STATIONS = 30


def create_workshop(
    title: str,
    language: str,
    stations: Sequence[tuple[str, str] | tuple[str, str, Sequence[str]]],
    address: str = "sie",
    place: str = "",
    timezone: str = "",
):
    """Shared by the web form, `gallery workshop new` and `gallery demo`; returns (workshop,
    facilitator key). A station is (title, question) or (title, question, expected topics).
    `timezone` is a zone `config.place_zone` let through, or "" (the server's)."""
    with write_transaction():
        workshop, key = Workshop.create_with_key(title, language)
        if (address, place, timezone) != (workshop.address, workshop.place, workshop.timezone):
            workshop.address, workshop.place, workshop.timezone = address, place, timezone
            workshop.save()
        for position, (station_title, prompt, *topics) in enumerate(stations):
            Station.create(
                workshop=workshop, title=station_title, prompt=prompt, position=position,
                topics="\n".join(topics[0] if topics else ()),
            )  # fmt: skip
    return workshop, key


def update_workshop(
    workshop: Workshop,
    title: str,
    language: str | None,
    address: str | None = None,
    place: str | None = None,
    timezone: str | None = None,
) -> None:
    """The settings form; None leaves that setting as it is."""
    workshop.title = title
    if language is not None:
        workshop.language = language
    if address is not None:
        workshop.address = address
    if place is not None:
        workshop.place = place
    if timezone is not None:
        workshop.timezone = timezone
    with write_transaction():
        workshop.save()
    facts().workshop_changed(workshop)


def zone_of(workshop: Workshop, own: bool = True) -> str:
    """The zone the workshop's report and exports show its times in (config.workshop_zone);
    with `own=False`, the one it would have without a zone of its own."""
    config = current_app.config
    return workshop_zone(workshop.timezone if own else "", workshop.language,
                         config.get("TIMEZONE_SETTING", ""), config["TIMEZONE"])  # fmt: skip


def add_station(workshop: Workshop, title: str, prompt: str) -> Station | None:
    """The new last station; None when the workshop has MAX_STATIONS already."""
    with write_transaction():
        if workshop.stations.count() >= MAX_STATIONS:
            return None
        last = workshop.stations.order_by(Station.position.desc()).first()
        station = Station.create(
            workshop=workshop,
            title=title,
            prompt=prompt,
            position=(last.position + 1) if last else 0,
        )
    facts().workshop_changed(workshop)
    return station


def edit_station(station: Station, title: str, prompt: str) -> None:
    station.title = title or station.title
    station.prompt = prompt
    with write_transaction():
        station.save()
    facts().station_changed(station)


def move_station(workshop: Workshop, station: Station, step: int) -> None:
    """One place up (-1) or down (+1)."""
    with write_transaction():
        ordered = list(workshop.ordered_stations())
        i = next(i for i, s in enumerate(ordered) if s.id == station.id)
        j = i + step
        if 0 <= j < len(ordered):
            ordered[i], ordered[j] = ordered[j], ordered[i]
        _renumber(ordered)
    facts().workshop_changed(workshop)
    for s in workshop.ordered_stations():
        facts().station_changed(s)  # numbers changed on the phones too


def delete_station(workshop: Workshop, station: Station) -> None:
    token = station.token
    with write_transaction():
        station.delete_instance(recursive=True)
        _renumber(workshop.ordered_stations())
    facts().station_removed(workshop, token)
    facts().workshop_changed(workshop)


def delete_workshop(workshop: Workshop) -> None:
    """With everything in it; open phones and walls learn at once that it is gone."""
    tokens = [s.token for s in workshop.stations]
    with write_transaction():
        workshop.delete_instance(recursive=True)
    for token in tokens:
        facts().station_removed(workshop, token)


def _renumber(stations: list[Station]) -> None:
    """Inside the caller's write transaction."""
    for position, s in enumerate(stations):
        if s.position != position:
            s.position = position
            s.save()

"""Data retention: which workshops have ended long enough ago to be deleted (`gallery purge`).

A workshop's last activity is its newest note, or its creation when it has none; it expires
`days` after that.
"""

from __future__ import annotations

import datetime as dt

from peewee import fn

from .db import utcnow, write_transaction
from .models import Note, Station, Workshop


def expired(days: int, now: dt.datetime | None = None) -> list[tuple[Workshop, dt.datetime]]:
    cutoff = (now or utcnow()) - dt.timedelta(days=days)
    newest = dict(
        Note.select(Station.workshop, fn.MAX(Note.created_at))
        .join(Station)
        .group_by(Station.workshop)
        .tuples()
    )
    found = []
    for workshop in list(Workshop.select().order_by(Workshop.created_at)):
        last = newest.get(workshop.id) or workshop.created_at
        if isinstance(last, str):  # SQLite hands MAX() back as text
            last = dt.datetime.fromisoformat(last)
        if last < cutoff:
            found.append((workshop, last))
    return found


def purge_workshop(workshop: Workshop) -> None:
    with write_transaction():
        workshop.delete_instance(recursive=True)

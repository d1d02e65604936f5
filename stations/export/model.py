"""The plain data every export format is built from, and the error `from_json` raises.

The web view and the CLI fill these from the models (gallery/actions/results.py); nothing in
this package knows Flask or peewee.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Literal
from zoneinfo import ZoneInfo

Language = Literal["de", "en"]
LANGUAGES: tuple[str, ...] = ("de", "en")


class ExportError(ValueError):
    """An export document that cannot be read back; `code` is stable, `path` says where."""

    def __init__(self, code: str, message: str, path: str = "$") -> None:
        super().__init__(f"{path}: {message}")
        self.code = code
        self.message = message
        self.path = path


@dataclass(frozen=True)
class ExportNote:
    id: int
    text: str
    author: str | None
    created_at: datetime  # UTC, naive
    hidden: bool = False
    cluster: str | None = None  # ExportCluster.id of the same station
    plus_ones: int = 0
    votes: int = 0
    replies: tuple[str, ...] = ()
    hidden_replies: tuple[str, ...] = ()  # hidden by the facilitator: kept, marked


@dataclass(frozen=True)
class ExportCluster:
    id: str
    label: str
    note_ids: tuple[int, ...]


@dataclass(frozen=True)
class ExportStation:
    number: int
    title: str
    prompt: str
    notes: tuple[ExportNote, ...]
    clusters: tuple[ExportCluster, ...]
    topics: tuple[str, ...] = ()  # the facilitator's expected topics (grouping hints)


@dataclass(frozen=True)
class ExportWorkshop:
    code: str
    title: str
    language: str  # "de" | "en"
    created_at: datetime  # UTC, naive
    stations: tuple[ExportStation, ...]
    participants: int
    place: str = ""  # where it was held ("Kreishaus Freiberg, Saal 2"); "" when not given
    timezone: str = ""  # its own zone's IANA name ("Europe/Berlin"); "": the server's


def utc_naive(value: datetime) -> datetime:
    # The contract is naive UTC; an aware value is converted instead of silently mislabelled.
    if value.tzinfo is None:
        return value
    return value.astimezone(UTC).replace(tzinfo=None)


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local_time(value: datetime, zone: str) -> datetime:
    """A stored (UTC) time as the wall clock in `zone` showed it, naive: spreadsheets
    and printed pages have no time zones, so the zone goes into the label instead."""
    moment = utc_naive(value).replace(tzinfo=UTC).astimezone(_zone(zone))
    return moment.replace(tzinfo=None)

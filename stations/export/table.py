"""The table every format shares: column ids and headers, the words of both languages, the
grouping of a station's notes into topics and single ideas, and one row per note.

Grouping follows the wall: a cluster is a topic when at least two *visible* notes are in it
(the wall never shows hidden notes); every other note is listed under "Einzelne Ideen" /
"Other ideas". Membership is `ExportNote.cluster`; `ExportCluster.note_ids` only gives the
order of the notes inside a topic, as arranged on the wall.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .model import LANGUAGES, ExportNote, ExportStation, ExportWorkshop, utc_naive

# Stable column ids (keys of `rows()`); the headers people see come from `headers()`.
COLUMNS: tuple[str, ...] = (
    "station",
    "cluster",
    "note",
    "author",
    "plus_ones",
    "votes",
    "replies",
    "hidden",
    "created",
)

# "+1" alone would be a header that Excel evaluates (=+1 shows 1), so the +1 column gets a
# word in front; no header may start with a character that `inert()` would have to defuse.
_HEADERS: dict[str, dict[str, str]] = {
    "de": {
        "station": "Station",
        "cluster": "Thema",
        "note": "Notiz",
        "author": "Autor/in",
        "plus_ones": "Zustimmung (+1)",
        "votes": "Stimmen",
        "replies": "Antworten",
        "hidden": "Ausgeblendet",
        "created": "Erstellt (UTC)",
    },
    "en": {
        "station": "Station",
        "cluster": "Topic",
        "note": "Note",
        "author": "Author",
        "plus_ones": "Plus ones (+1)",
        "votes": "Votes",
        "replies": "Replies",
        "hidden": "Hidden",
        "created": "Created (UTC)",
    },
}

WORDS: dict[str, dict[str, str]] = {
    "de": {
        "singles": "Einzelne Ideen",
        "yes": "ja",
        "no": "nein",
        "summary": "Übersicht",
        "title": "Titel",
        "code": "Code",
        "date": "Datum",
        "participants": "Teilnehmende",
        "notes": "Notizen",
        "hidden_count": "Ausgeblendet",
        "topics": "Themen",
        "number": "Nr.",
        "votes": "Stimmen",
        "no_notes": "Keine Notizen.",
        "hidden_one": "1 ausgeblendete Notiz nicht aufgeführt",
        "hidden_many": "{n} ausgeblendete Notizen nicht aufgeführt",
    },
    "en": {
        "singles": "Other ideas",
        "yes": "yes",
        "no": "no",
        "summary": "Summary",
        "title": "Title",
        "code": "Code",
        "date": "Date",
        "participants": "Participants",
        "notes": "Notes",
        "hidden_count": "Hidden",
        "topics": "Topics",
        "number": "No.",
        "votes": "votes",
        "no_notes": "No notes.",
        "hidden_one": "1 hidden note not listed",
        "hidden_many": "{n} hidden notes not listed",
    },
}

REPLY_SEPARATOR = " | "


def language_of(workshop: ExportWorkshop) -> str:
    # An unknown language must not break an export that someone needs right now.
    return workshop.language if workshop.language in LANGUAGES else "en"


def headers(language: str) -> list[str]:
    """The column headers, in `COLUMNS` order, for "de" or "en" (anything else: English)."""
    table = _HEADERS.get(language, _HEADERS["en"])
    return [table[column] for column in COLUMNS]


@dataclass(frozen=True)
class Section:
    """A topic (label) or the single ideas (label None) of one station, in wall order."""

    label: str | None
    notes: tuple[ExportNote, ...]


def _by_time(note: ExportNote) -> tuple[datetime, int]:
    return (note.created_at, note.id)


def sections(station: ExportStation) -> list[Section]:
    """Topics in the station's cluster order, then one section of single ideas."""
    members: dict[str, list[ExportNote]] = {}
    for note in sorted(station.notes, key=_by_time):
        if note.cluster is not None:
            members.setdefault(note.cluster, []).append(note)
    sections: list[Section] = []
    placed: set[int] = set()
    seen_clusters: set[str] = set()
    for cluster in station.clusters:
        notes = members.get(cluster.id, [])
        if cluster.id in seen_clusters or sum(not n.hidden for n in notes) < 2:
            continue
        seen_clusters.add(cluster.id)
        # Wall order first (note_ids), then members the wall order does not mention.
        rank = {note_id: i for i, note_id in enumerate(cluster.note_ids)}
        ordered = sorted(notes, key=lambda n: (rank.get(n.id, len(rank)), *_by_time(n)))
        sections.append(Section(cluster.label, tuple(ordered)))
        placed.update(n.id for n in ordered)
    singles = tuple(n for n in sorted(station.notes, key=_by_time) if n.id not in placed)
    if singles:
        sections.append(Section(None, singles))
    return sections


def _minute(value: datetime) -> str:
    return utc_naive(value).strftime("%Y-%m-%d %H:%M")


def _station_label(station: ExportStation) -> str:
    return f"{station.number}. {one_line(station.title)}"


def one_line(text: str) -> str:
    return " ".join(text.split())


def station_rows(station: ExportStation, language: str) -> list[dict[str, Any]]:
    """Rows of one station; `created` is still a datetime (XLSX keeps it a real date)."""
    words = WORDS[language]
    result: list[dict[str, Any]] = []
    for section in sections(station):
        label = section.label if section.label is not None else words["singles"]
        for note in section.notes:
            result.append(
                {
                    "station": _station_label(station),
                    "cluster": label,
                    "note": note.text,
                    "author": note.author or "",
                    "plus_ones": note.plus_ones,
                    "votes": note.votes,
                    "replies": REPLY_SEPARATOR.join(note.replies),
                    "hidden": words["yes"] if note.hidden else words["no"],
                    "created": utc_naive(note.created_at),
                }
            )
    return result


def rows(workshop: ExportWorkshop) -> list[dict[str, str | int]]:
    """One row per note (hidden ones included), keyed by `COLUMNS`, in wall order.

    The values are the readable text; spreadsheet writers pass them through `inert()`.
    """
    language = language_of(workshop)
    result: list[dict[str, str | int]] = []
    for station in workshop.stations:
        for row in station_rows(station, language):
            row["created"] = _minute(row["created"])
            result.append(row)
    return result

"""The table every format shares: column ids and headers, the words of both languages, and
one row per note, in result order (grouping.py: topics by dots, notes by dots and +1s).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .grouping import board
from .model import LANGUAGES, ExportStation, ExportWorkshop, local_time

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
        "votes": "Punkte",
        "replies": "Antworten",
        "hidden": "Ausgeblendet",
        "created": "Erstellt ({zone})",
    },
    "en": {
        "station": "Station",
        "cluster": "Topic",
        "note": "Note",
        "author": "Author",
        "plus_ones": "Plus ones (+1)",
        "votes": "Dots",
        "replies": "Replies",
        "hidden": "Hidden",
        "created": "Created ({zone})",
    },
}

WORDS: dict[str, dict[str, str]] = {
    "de": {
        "singles": "Einzelne Ideen",
        "single": "Einzelne Idee",
        "yes": "ja",
        "no": "nein",
        "summary": "Übersicht",
        "title": "Titel",
        "code": "Code",
        "date": "Datum",
        "place": "Ort",
        "participants": "Teilnehmende",
        "notes": "Notizen",
        "hidden_count": "Ausgeblendet",
        "topics": "Themen",
        "number": "Nr.",
        "votes": "Punkte",
        "no_notes": "Keine Notizen.",
        "hidden_one": "1 ausgeblendete Notiz nicht aufgeführt",
        "hidden_reply": "ausgeblendet",
        "hidden_many": "{n} ausgeblendete Notizen nicht aufgeführt",
        "hidden_replies_one": "1 ausgeblendete Antwort",
        "hidden_replies_many": "{n} ausgeblendete Antworten",
        "top": "Top-Ergebnisse",
        "top_sheet": "Top",
        "top_groups": "Themen mit den meisten Punkten",
        "top_notes": "Notizen mit den meisten Punkten",
        "no_dots": "Keine Punkte vergeben.",
        "kind": "Art",
        "rank": "Platz",
        "topic": "Thema",
        "note": "Notiz",
        "text": "Text",
    },
    "en": {
        "singles": "Other ideas",
        "single": "Single idea",
        "yes": "yes",
        "no": "no",
        "summary": "Summary",
        "title": "Title",
        "code": "Code",
        "date": "Date",
        "place": "Location",
        "participants": "Participants",
        "notes": "Notes",
        "hidden_count": "Hidden",
        "topics": "Topics",
        "number": "No.",
        "votes": "dots",
        "no_notes": "No notes.",
        "hidden_one": "1 hidden note not listed",
        "hidden_reply": "hidden",
        "hidden_many": "{n} hidden notes not listed",
        "hidden_replies_one": "1 hidden reply",
        "hidden_replies_many": "{n} hidden replies",
        "top": "Top results",
        "top_sheet": "Top",
        "top_groups": "Topics with the most dots",
        "top_notes": "Notes with the most dots",
        "no_dots": "No dots given.",
        "kind": "Kind",
        "rank": "Rank",
        "topic": "Topic",
        "note": "Note",
        "text": "Text",
    },
}

REPLY_SEPARATOR = " | "


def language_of(workshop: ExportWorkshop) -> str:
    # An unknown language must not break an export that someone needs right now.
    return workshop.language if workshop.language in LANGUAGES else "en"


def headers(language: str, zone: str = "UTC") -> list[str]:
    """The column headers, in `COLUMNS` order, for "de" or "en" (anything else: English);
    the time column names the zone its times are in."""
    table = _HEADERS.get(language, _HEADERS["en"])
    return [table[column].format(zone=zone) for column in COLUMNS]


def _minute(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M")


def _station_label(station: ExportStation) -> str:
    return f"{station.number}. {one_line(station.title)}"


def one_line(text: str) -> str:
    return " ".join(text.split())


def station_rows(station: ExportStation, language: str, zone: str = "UTC") -> list[dict[str, Any]]:
    """Rows of one station, topics and single ideas with dots in one ranking by dots (as the
    report and the wall rank them); `created` is still a datetime, naive in `zone` (XLSX
    keeps it a real date)."""
    words = WORDS[language]
    result: list[dict[str, Any]] = []
    for section in board(station):
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
                    "replies": REPLY_SEPARATOR.join(
                        [
                            *note.replies,
                            *(f"[{words['hidden_reply']}] {r}" for r in note.hidden_replies),
                        ]
                    ),
                    "hidden": words["yes"] if note.hidden else words["no"],
                    "created": local_time(note.created_at, zone),
                }
            )
    return result


def rows(workshop: ExportWorkshop, zone: str = "UTC") -> list[dict[str, str | int]]:
    """One row per note (hidden ones included), keyed by `COLUMNS`: per station the topics
    and the single ideas with dots by dots (grouping.board), then the single ideas without;
    inside each, notes by dots, +1s, then time. Times are in `zone` (an IANA name such as
    "Europe/Berlin").

    The values are the readable text; spreadsheet writers pass them through `inert()`.
    """
    language = language_of(workshop)
    result: list[dict[str, str | int]] = []
    for station in workshop.stations:
        for row in station_rows(station, language, zone):
            row["created"] = _minute(row["created"])
            result.append(row)
    return result

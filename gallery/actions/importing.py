"""`gallery import`: a workshop from its JSON export, held to the same limits as the web forms
and cleaned as every other path cleans text, checked in full before anything is written.

`stations.export.from_json` reads the document's shape; `checked` then refuses the first
field beyond a limit (an `ExportError` naming it) and cleans every text. `restore_in_batches`
writes it in short transactions, so a server using the same database keeps answering while
an import runs; should a batch fail, the half-made workshop is removed again.
"""

from __future__ import annotations

import dataclasses
import re

from stations.export import ExportError, ExportNote, ExportStation, ExportWorkshop
from stations.notes import MAX_AUTHOR, MAX_TEXT, NoteError, clean_author, clean_text, parse_id
from stations.notes import parse_text as parse_note_text

from ..config import is_zone
from .workshops import MAX_PLACE, MAX_PROMPT, MAX_STATIONS, MAX_TITLE

# Codes this server makes are CODE_LENGTH of CODE_ALPHABET; older exports have other lengths.
CODE = re.compile(r"[A-Z0-9]{3,12}")
MAX_LABEL = 80  # Cluster.label
MAX_CLUSTER_ID = 16  # Cluster.key
MAX_REACTIONS = 1000  # +1s or dots on one note: a big hall's worth
MAX_PARTICIPANTS = 100_000


def _line(value: str, limit: int, path: str, *, required: bool = True) -> str:
    """One line of text, cleaned as the forms clean it."""
    text = " ".join(clean_text(value).split())
    if required and not text:
        raise ExportError("invalid_value", "must not be empty", path)
    if len(text) > limit:
        raise ExportError("invalid_value", f"is longer than {limit} characters", path)
    return text


def _count(value: int, limit: int, path: str) -> int:
    if value > limit:
        raise ExportError("invalid_value", f"is more than {limit}", path)
    return value


def _note(note: ExportNote, path: str, max_replies: int) -> ExportNote:
    if parse_id(note.id) is None:
        raise ExportError("invalid_value", "is not a note id", f"{path}.id")
    try:
        text = parse_note_text(note.text)
    except NoteError as err:
        raise ExportError("invalid_value", err.message, f"{path}.text") from None
    try:
        author = clean_author(note.author)
    except NoteError as err:
        raise ExportError("invalid_value", err.message, f"{path}.author") from None
    replies = []
    for key in ("replies", "hidden_replies"):
        items = getattr(note, key)
        if max_replies and len(items) > max_replies:
            raise ExportError("invalid_value", f"holds more than {max_replies}", f"{path}.{key}")
        # a reply's text with its author in brackets, as exports write it
        replies.append(tuple(_line(r, MAX_TEXT + MAX_AUTHOR + 3, f"{path}.{key}[{i}]")
                             for i, r in enumerate(items)))  # fmt: skip
    return dataclasses.replace(
        note, text=text, author=author, replies=replies[0], hidden_replies=replies[1],
        plus_ones=_count(note.plus_ones, MAX_REACTIONS, f"{path}.plus_ones"),
        votes=_count(note.votes, MAX_REACTIONS, f"{path}.votes"),
    )  # fmt: skip


def _station(station: ExportStation, path: str, max_notes: int, max_replies: int):
    if max_notes and len(station.notes) > max_notes:
        raise ExportError("invalid_value", f"holds more than {max_notes} notes", f"{path}.notes")
    prompt = clean_text(station.prompt.replace("\r", ""))
    prompt = "\n".join(line.strip() for line in prompt.split("\n")).strip()
    if len(prompt) > MAX_PROMPT:
        too_long = f"is longer than {MAX_PROMPT} characters"
        raise ExportError("invalid_value", too_long, f"{path}.prompt")
    clusters = []
    for i, cluster in enumerate(station.clusters):
        where = f"{path}.clusters[{i}]"
        if not cluster.id or len(cluster.id) > MAX_CLUSTER_ID or not cluster.id.isprintable():
            raise ExportError("invalid_value", "is not a cluster id", f"{where}.id")
        label = _line(cluster.label, MAX_LABEL, f"{where}.label", required=False)
        clusters.append(dataclasses.replace(cluster, label=label))
    return dataclasses.replace(
        station, title=_line(station.title, MAX_TITLE, f"{path}.title"), prompt=prompt,
        clusters=tuple(clusters),
        notes=tuple(_note(n, f"{path}.notes[{i}]", max_replies)
                    for i, n in enumerate(station.notes)),
    )  # fmt: skip


def checked(data: ExportWorkshop, max_notes: int, max_replies: int) -> ExportWorkshop:
    """The workshop cleaned, or ExportError for the first field beyond the forms' limits
    (`max_notes` per station and `max_replies` per note: the server's caps, 0 for none)."""
    if not CODE.fullmatch(data.code):
        raise ExportError("invalid_value", "is not a workshop code (3-12 of A-Z, 0-9)", "$.code")
    if len(data.stations) > MAX_STATIONS:
        too_many = f"holds more than {MAX_STATIONS} stations"
        raise ExportError("invalid_value", too_many, "$.stations")
    if data.timezone and not (len(data.timezone) <= 64 and is_zone(data.timezone)):
        raise ExportError("invalid_value", "is no time zone this server knows", "$.timezone")
    return dataclasses.replace(
        data, title=_line(data.title, MAX_TITLE, "$.title"),
        place=_line(data.place, MAX_PLACE, "$.place", required=False),
        participants=_count(data.participants, MAX_PARTICIPANTS, "$.participants"),
        stations=tuple(_station(s, f"$.stations[{i}]", max_notes, max_replies)
                       for i, s in enumerate(data.stations)),
    )  # fmt: skip

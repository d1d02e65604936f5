"""The JSON export (the complete workshop, hidden notes included) and `from_json`, which reads
it back for `gallery import` and refuses anything it cannot trust with an `ExportError`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from ..clustering.topics import MAX_TOPIC_LENGTH, MAX_TOPICS, clean_topics
from ..notes import cap_marks, is_visible
from .model import (
    LANGUAGES,
    ExportCluster,
    ExportError,
    ExportNote,
    ExportStation,
    ExportWorkshop,
    utc_naive,
)

SCHEMA = "gallery-walk/export"
VERSION = 1


def _iso(value: datetime) -> str:
    # "Z" says UTC to every consumer; isoformat keeps microseconds for an exact round trip.
    return utc_naive(value).isoformat() + "Z"


def _note_json(note: ExportNote) -> dict[str, Any]:
    return {
        "id": note.id,
        "text": note.text,
        "author": note.author,
        "created_at": _iso(note.created_at),
        "hidden": note.hidden,
        "cluster": note.cluster,
        "plus_ones": note.plus_ones,
        "votes": note.votes,
        "replies": list(note.replies),
        # only when there are some: older readers and files stay as they were
        **({"hidden_replies": list(note.hidden_replies)} if note.hidden_replies else {}),
    }


def _station_json(station: ExportStation) -> dict[str, Any]:
    return {
        "number": station.number,
        "title": station.title,
        "prompt": station.prompt,
        # only when there are some: older readers and files stay as they were
        **({"topics": list(station.topics)} if station.topics else {}),
        "clusters": [
            {"id": c.id, "label": c.label, "note_ids": list(c.note_ids)} for c in station.clusters
        ],
        "notes": [_note_json(note) for note in station.notes],
    }


def to_json(workshop: ExportWorkshop) -> dict[str, Any]:
    """The complete workshop (hidden notes included) as a JSON-ready dict; see `from_json`."""
    return {
        "schema": SCHEMA,
        "version": VERSION,
        "code": workshop.code,
        "title": workshop.title,
        "place": workshop.place,
        "timezone": workshop.timezone,
        "language": workshop.language,
        "created_at": _iso(workshop.created_at),
        "participants": workshop.participants,
        "stations": [_station_json(station) for station in workshop.stations],
    }


def to_json_bytes(workshop: ExportWorkshop) -> bytes:
    """`to_json` serialised the one way the download and the golden file use."""
    text = json.dumps(to_json(workshop), ensure_ascii=False, indent=2)
    return (text + "\n").encode("utf-8")


_KIND_NAMES = {
    str: "a string",
    int: "an integer",
    bool: "true or false",
    list: "a list",
    dict: "an object",
}


def _need(
    data: Mapping[str, Any], key: str, kind: type, path: str, *, optional: bool = False
) -> Any:
    """data[key], checked to be of `kind` (bool is never an int here); None if optional."""
    if key not in data:
        raise ExportError("missing_field", f"field {key!r} is missing", path)
    value = data[key]
    where = f"{path}.{key}"
    if value is None and optional:
        return None
    if not _is_kind(value, kind):
        raise ExportError("wrong_type", f"must be {_KIND_NAMES[kind]}", where)
    return value


def _is_kind(value: Any, kind: type) -> bool:
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind is str:  # a lone surrogate ("\ud800" in JSON) is no text: it cannot be stored
        return isinstance(value, str) and _encodable(value)
    return isinstance(value, kind)


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _count(data: Mapping[str, Any], key: str, path: str) -> int:
    value: int = _need(data, key, int, path)
    if value < 0:
        raise ExportError("invalid_value", "must not be negative", f"{path}.{key}")
    return value


def _timestamp(data: Mapping[str, Any], key: str, path: str) -> datetime:
    text: str = _need(data, key, str, path)
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ExportError(
            "invalid_value", "must be an ISO 8601 date and time", f"{path}.{key}"
        ) from None
    return utc_naive(value)


def _strings(data: Mapping[str, Any], key: str, path: str) -> tuple[str, ...]:
    items: list[Any] = _need(data, key, list, path)
    for index, item in enumerate(items):
        if not _is_kind(item, str):
            raise ExportError("wrong_type", "must be a string", f"{path}.{key}[{index}]")
    return tuple(items)


def _objects(data: Mapping[str, Any], key: str, path: str) -> list[tuple[str, dict[str, Any]]]:
    items: list[Any] = _need(data, key, list, path)
    result = []
    for index, item in enumerate(items):
        where = f"{path}.{key}[{index}]"
        if not isinstance(item, dict):
            raise ExportError("wrong_type", "must be an object", where)
        result.append((where, item))
    return result


def _note_text(data: dict[str, Any], path: str) -> str:
    """A note's text under the rule every other way in follows (stations/notes.py): it
    draws something, and its combining marks stay on their letters."""
    text = cap_marks(_need(data, "text", str, path))
    if not is_visible(text):
        raise ExportError("invalid_value", "a note needs visible text", f"{path}.text")
    return text


def _note_from(data: dict[str, Any], path: str) -> ExportNote:
    author = _need(data, "author", str, path, optional=True)
    return ExportNote(
        id=_need(data, "id", int, path),
        text=_note_text(data, path),
        author=None if author is None else cap_marks(author),
        created_at=_timestamp(data, "created_at", path),
        hidden=_need(data, "hidden", bool, path),
        cluster=_need(data, "cluster", str, path, optional=True),
        plus_ones=_count(data, "plus_ones", path),
        votes=_count(data, "votes", path),
        replies=tuple(cap_marks(reply) for reply in _strings(data, "replies", path)),
        hidden_replies=tuple(cap_marks(reply) for reply in _strings(data, "hidden_replies", path))
        if "hidden_replies" in data
        else (),
    )


def _cluster_from(data: dict[str, Any], path: str) -> ExportCluster:
    note_ids: list[Any] = _need(data, "note_ids", list, path)
    for index, note_id in enumerate(note_ids):
        if not _is_kind(note_id, int):
            raise ExportError("wrong_type", "must be an integer", f"{path}.note_ids[{index}]")
    return ExportCluster(
        id=_need(data, "id", str, path),
        label=_need(data, "label", str, path),
        note_ids=tuple(note_ids),
    )


def _station_from(data: dict[str, Any], path: str, note_ids: set[int]) -> ExportStation:
    clusters = tuple(_cluster_from(item, where) for where, item in _objects(data, "clusters", path))
    notes = tuple(_note_from(item, where) for where, item in _objects(data, "notes", path))
    _check_unique([c.id for c in clusters], "cluster id", f"{path}.clusters")
    for index, note in enumerate(notes):
        if note.id in note_ids:
            raise ExportError(
                "duplicate_id", f"note id {note.id} appears twice", f"{path}.notes[{index}]"
            )
        note_ids.add(note.id)
    _check_references(clusters, notes, path)
    return ExportStation(
        number=_need(data, "number", int, path),
        title=_need(data, "title", str, path),
        prompt=_need(data, "prompt", str, path),
        notes=notes,
        clusters=clusters,
        topics=_topics(data, path),
    )


def _topics(data: Mapping[str, Any], path: str) -> tuple[str, ...]:
    """A station's expected topics, within the limits the wall sets for them."""
    if "topics" not in data:
        return ()
    topics = _strings(data, "topics", path)
    if len(topics) > MAX_TOPICS:
        raise ExportError("too_many", f"at most {MAX_TOPICS} topics", f"{path}.topics")
    for index, topic in enumerate(topics):
        if not topic.strip() or len(topic) > MAX_TOPIC_LENGTH:
            raise ExportError(
                "bad_topic", f"1-{MAX_TOPIC_LENGTH} characters", f"{path}.topics[{index}]"
            )
    return tuple(clean_topics(topics))


def _check_unique(values: Sequence[Any], what: str, path: str) -> None:
    seen: set[Any] = set()
    for value in values:
        if value in seen:
            raise ExportError("duplicate_id", f"{what} {value!r} appears twice", path)
        seen.add(value)


def _check_references(
    clusters: Sequence[ExportCluster], notes: Sequence[ExportNote], path: str
) -> None:
    # A dangling id would silently move a note between topics in every later export.
    cluster_ids = {c.id for c in clusters}
    note_ids = {n.id for n in notes}
    for index, note in enumerate(notes):
        if note.cluster is not None and note.cluster not in cluster_ids:
            raise ExportError(
                "unknown_cluster",
                f"cluster {note.cluster!r} is not in this station",
                f"{path}.notes[{index}].cluster",
            )
    for index, cluster in enumerate(clusters):
        for note_id in cluster.note_ids:
            if note_id not in note_ids:
                raise ExportError(
                    "unknown_note",
                    f"note {note_id} is not in this station",
                    f"{path}.clusters[{index}].note_ids",
                )


def from_json(data: Any) -> ExportWorkshop:
    """Read a `to_json` document back; `from_json(to_json(w)) == w` exactly.

    Raises `ExportError` with code wrong_schema, unsupported_version, missing_field,
    wrong_type, invalid_value, duplicate_id, unknown_cluster or unknown_note. Unknown
    extra fields are ignored (later minor additions stay readable by this version).
    """
    if not isinstance(data, dict):
        raise ExportError("wrong_type", "an export document must be a JSON object")
    if data.get("schema") != SCHEMA:
        raise ExportError("wrong_schema", f"schema must be {SCHEMA!r}", "$.schema")
    if "version" not in data:
        raise ExportError("missing_field", "field 'version' is missing")
    if not _is_kind(data["version"], int) or data["version"] != VERSION:
        raise ExportError("unsupported_version", f"only version {VERSION} can be read", "$.version")
    language: str = _need(data, "language", str, "$")
    if language not in LANGUAGES:
        raise ExportError("invalid_value", "language must be 'de' or 'en'", "$.language")
    note_ids: set[int] = set()
    stations = tuple(
        _station_from(item, where, note_ids) for where, item in _objects(data, "stations", "$")
    )
    _check_unique([s.number for s in stations], "station number", "$.stations")
    return ExportWorkshop(
        code=_need(data, "code", str, "$"),
        title=_need(data, "title", str, "$"),
        language=language,
        created_at=_timestamp(data, "created_at", "$"),
        stations=stations,
        participants=_count(data, "participants", "$"),
        place=_need(data, "place", str, "$") if "place" in data else "",  # added later: optional
        timezone=_need(data, "timezone", str, "$") if "timezone" in data else "",  # so is this
    )

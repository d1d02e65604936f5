"""The views of a wall (embeddings; character n-grams, which catch compounds and typos;
stemmed words) and their fused distance: each view is divided by the wall's own mean
distance, so one cut fits a wall of varied topics and a wall on one theme alike."""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse import hstack as sparse_hstack

from stations.text import (
    Lang,
    content_words,
    keyword_stems,
    normalize,
    stem,
    wall_vocabulary,
    word_ngrams,
)

from .embeddings import FUSED_DIM, USEM3_DIM, _forget_e5_vectors
from .model import TUNING, Tuning


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
    all (emoji only). Built directly with numpy, which is faster here than scikit-learn's
    vectorizer. Terms in more than `max_df` documents are left out."""
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
    # On large walls the character n-grams that many notes share (" di", "ung ") make the
    # sparse product nearly dense, yet tell little apart (low idf): they are left out.
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
    sparse product for both keyword views) rather than a matrix per view, which is faster
    on large walls.
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


def clear_caches() -> None:
    """Forget the e5 vectors and the n-gram keys of this process (benchmarks use it to
    measure a cold start; `stations.text.clear_caches` forgets the word analyses)."""
    _forget_e5_vectors()
    for cached in (_term_key, _word_gram_keys, _char_terms):
        cached.cache_clear()

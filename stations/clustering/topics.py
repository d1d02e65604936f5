"""The facilitator's hints: expected topics typed before the walk, or a number of groups.

With topic names each note goes to its nearest topic, judged also by its nearest notes and
the engine's own groups (a short note says little alone); the topics become the groups,
under the facilitator's words. Figures and what was tried: bench/README.md, "The
facilitator's loop".
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

from stations.text import Lang

from .distances import _char_rows, _has_e5, _word_rows
from .embeddings import USEM3_DIM, EmbeddingCache, _note_vectors, _with_e5_view
from .identity import _Draft
from .model import Cluster, EmbedderChoice, Note, NoteId, Tuning

MAX_TOPICS = 20
MAX_TOPIC_LENGTH = 60


def clean_topics(values: Sequence[str]) -> list[str]:
    """Distinct, trimmed topic names in the order given (empty ones dropped; the steering
    rules refuse too long or too many, the engine just cuts them)."""
    seen: set[str] = set()
    topics = []
    for value in values:
        name = " ".join(str(value).split())[:MAX_TOPIC_LENGTH]
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            topics.append(name)
    return topics


def nearest_topics(
    notes: Sequence[Note],
    topics: Sequence[str],
    lang: Lang,
    prompt: str,
    embedder: EmbedderChoice,
    cache: EmbeddingCache | None,
    tuning: Tuning,
    among: np.ndarray,
    groups: Sequence[Sequence[int]] = (),
) -> list[int]:
    """For each note, the index of its topic. `among`: the notes' fused distances to each
    other; `groups`: the engine's own grouping of them (lists of indices into `notes`).

    Each view says how close a note is to each name (`_name_scores`); that spreads over the
    notes' nearest neighbours and the engine's groups (a short note says little alone),
    then a topic is also the notes it holds most surely (`topic_rounds`)."""
    n = len(notes)
    if n == 0 or not topics:
        return [0] * n
    scores = _name_scores(notes, topics, lang, prompt, embedder, cache, tuning)
    among = among.astype(np.float64)
    walk = _walk(among, tuning.topic_neighbours)
    spread = _spread(scores, walk, groups, tuning)
    chosen = np.argmax(spread, axis=1)
    for _round in range(tuning.topic_rounds):
        held = _standard(_member_closeness(among, spread, chosen, len(topics), tuning))
        mixed = (1 - tuning.topic_members) * scores + tuning.topic_members * held
        spread = _spread(mixed, walk, groups, tuning)
        again = np.argmax(spread, axis=1)
        if (again == chosen).all():
            break
        chosen = again
    return [int(i) for i in chosen]


def _name_scores(
    notes: Sequence[Note],
    topics: Sequence[str],
    lang: Lang,
    prompt: str,
    embedder: EmbedderChoice,
    cache: EmbeddingCache | None,
    tuning: Tuning,
) -> np.ndarray:
    """(notes, topics): per view the cosine of each note to each name, standardised per
    topic over the notes, then weighted (`topic_weights`). Standardising per topic takes
    out what the notes share (the station's theme) and a name that is near every note."""
    n = len(notes)
    named = [*notes, *(Note(f"\0topic{i}", t) for i, t in enumerate(topics))]
    texts = [x.text for x in named]
    vectors = _note_vectors(named, embedder, cache)
    vectors = _with_e5_view(texts, vectors, embedder, tuning, wall_size=n)
    views: list[tuple[float, np.ndarray]] = []
    if vectors is None:
        char_w, word_w = tuning.topic_keyword_weights
        views += [(char_w, _char_rows(texts)), (word_w, _word_rows(texts, lang, prompt))]
    else:
        e5_w, usem3_w, char_w = tuning.topic_weights
        if _has_e5(vectors, tuning):
            views += [(e5_w, vectors[:, USEM3_DIM:]), (usem3_w, vectors[:, :USEM3_DIM])]
        else:
            views.append((usem3_w, vectors))
        views.append((char_w, _char_rows(texts)))
    total = np.zeros((n, len(topics)))
    for weight, rows in views:
        if weight <= 0 or rows is None:
            continue
        if isinstance(rows, np.ndarray):
            rows = rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12)
            cosines = rows[:n] @ rows[n:].T
        else:
            cosines = (rows[:n] @ rows[n:].T).toarray()
        total += weight * (_standard(cosines) if n >= MIN_STANDARD_NOTES else cosines)
    return total


# Below this many notes a topic's spread over the notes says nothing: raw cosines then.
MIN_STANDARD_NOTES = 4


def _standard(x: np.ndarray) -> np.ndarray:
    """Each column as z-scores over the rows (a constant column becomes 0)."""
    x = np.asarray(x, dtype=np.float64)
    return (x - x.mean(axis=0)) / np.maximum(x.std(axis=0), 1e-9)


def _walk(among: np.ndarray, k: int) -> np.ndarray | None:
    """A step of a random walk over the notes' k-nearest-neighbour graph (made symmetric)."""
    n = len(among)
    k = min(k, n - 1)
    if k <= 0:
        return None
    apart = among.copy()
    np.fill_diagonal(apart, np.inf)
    nearest = np.argsort(apart, axis=1, kind="stable")[:, :k]
    graph = np.zeros((n, n))
    graph[np.arange(n)[:, None], nearest] = 1.0
    graph = np.maximum(graph, graph.T)
    return graph / graph.sum(axis=1, keepdims=True)


def _spread(
    scores: np.ndarray, walk: np.ndarray | None, groups: Sequence[Sequence[int]], tuning: Tuning
) -> np.ndarray:
    """Scores spread over the neighbour graph (label spreading: each note keeps
    1 - topic_spread of its own), then mixed (topic_groups) with its group's mean."""
    spread = scores
    if walk is not None and tuning.topic_spread > 0:
        for _step in range(SPREAD_STEPS):
            spread = tuning.topic_spread * (walk @ spread) + (1 - tuning.topic_spread) * scores
    if tuning.topic_groups > 0:
        mixed = spread.copy()
        for group in groups:
            if len(group) > 1:
                mixed[list(group)] = spread[list(group)].mean(axis=0)
        spread = (1 - tuning.topic_groups) * spread + tuning.topic_groups * mixed
    return spread


SPREAD_STEPS = 20  # 0.8 ** 20 ~ 1 %: converged enough to pick the largest


def _member_closeness(
    among: np.ndarray, spread: np.ndarray, chosen: np.ndarray, count: int, tuning: Tuning
) -> np.ndarray:
    """(notes, topics): minus the mean distance to the topic's surest notes (the share
    `topic_confident` of those it holds, by their margin over the runner-up); a topic that
    holds none counts as the farthest."""
    ranked = np.sort(spread, axis=1)
    margin = ranked[:, -1] - ranked[:, -2] if spread.shape[1] > 1 else ranked[:, -1]
    close = np.full((len(among), count), np.nan)
    for t in range(count):
        held = np.flatnonzero(chosen == t)
        if len(held):
            keep = math.ceil(tuning.topic_confident * len(held))
            surest = held[np.argsort(-margin[held], kind="stable")[:keep]]
            close[:, t] = -among[:, surest].mean(axis=1)
    if np.isnan(close).all():
        return np.zeros_like(close)
    return np.where(np.isnan(close), np.nanmin(close), close)


def topic_drafts(
    free: Sequence[NoteId],
    chosen: Sequence[int],
    topics: Sequence[str],
    previous: Sequence[Cluster],
    fresh_id: Callable[[], str],
) -> list[_Draft]:
    """One group per topic that holds notes, labelled with the topic as typed; a topic keeps
    the id of the previous cluster under its name."""
    by_label = {c.label.casefold(): c.id for c in previous if c.label and not c.pinned}
    members: dict[int, list[NoteId]] = {}
    for note, topic in zip(free, chosen, strict=True):
        members.setdefault(topic, []).append(note)
    drafts = []
    for t, notes in sorted(members.items()):
        key = by_label.get(topics[t].casefold()) or fresh_id()
        drafts.append(_Draft(key, notes, topics[t], label_locked=True))
    return drafts

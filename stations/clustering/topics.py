"""The facilitator's hints: expected topics typed before the walk, or a number of groups.

With topic names each note goes to its nearest topic, judged also by its nearest notes (a
short note says little alone); the topics become the groups, under the facilitator's words.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from stations.text import Lang

from .distances import fused_distances
from .embeddings import EmbeddingCache, _note_vectors, _with_e5_view
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
) -> list[int]:
    """For each note, the index of its topic: the nearest by fused distance, averaged with
    that of its `topic_neighbours` nearest notes."""
    n = len(notes)
    named = [*notes, *(Note(f"\0topic{i}", t) for i, t in enumerate(topics))]
    texts = [x.text for x in named]
    vectors = _with_e5_view(texts, _note_vectors(named, embedder, cache), embedder, tuning)
    dist = fused_distances(texts, vectors, lang, prompt, tuning).astype(np.float64)
    to_topic = dist[:n, n:]
    k = min(tuning.topic_neighbours, n - 1)
    if k > 0:
        among = dist[:n, :n].copy()
        np.fill_diagonal(among, np.inf)
        neighbours = np.argsort(among, axis=1)[:, :k]
        to_topic = (1 - tuning.topic_spread) * to_topic + tuning.topic_spread * to_topic[
            neighbours
        ].mean(axis=1)
    chosen = np.argmin(to_topic, axis=1)
    among = dist[:n, :n]
    for _round in range(tuning.topic_rounds):
        # a topic is also the notes it holds: a short name says little, its notes say more
        held = np.stack(
            [
                among[:, chosen == t].mean(axis=1) if (chosen == t).any() else to_topic[:, t]
                for t in range(len(topics))
            ],
            axis=1,
        )
        mixed = (1 - tuning.topic_members) * to_topic + tuning.topic_members * held
        again = np.argmin(mixed, axis=1)
        if (again == chosen).all():
            break
        chosen = again
    return [int(i) for i in chosen]


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

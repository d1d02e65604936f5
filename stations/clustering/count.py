""" "Gruppen: N" on a wall the room has seen: reach N groups from the groups shown, one merge or
one split at a time, so "one more" or "one fewer" changes one group and leaves the rest."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import squareform

from .hold import Distances
from .identity import _Draft
from .model import NoteId


def _groups(drafts: Sequence[_Draft]) -> list[_Draft]:
    return [d for d in drafts if len(d.note_ids) > 1]


def _linkage(near: Distances, a: Sequence, b: Sequence) -> float:
    rows, cols = [near.row[n] for n in a], [near.row[n] for n in b]
    return float(near.dist[np.ix_(rows, cols)].mean())


def _merge_closest(drafts: list[_Draft], near: Distances) -> bool:
    """The two groups nearest each other (average linkage) become one, under the first's id."""
    groups = [d for d in _groups(drafts) if not d.pinned]
    if len(groups) < 2:
        return False
    pairs = [(a, b) for i, a in enumerate(groups) for b in groups[i + 1 :]]
    a, b = min(pairs, key=lambda p: _linkage(near, p[0].note_ids, p[1].note_ids))
    keep, gone = (a, b) if len(a.note_ids) >= len(b.note_ids) else (b, a)
    keep.note_ids.extend(gone.note_ids)
    if not keep.label_locked:
        keep.kept_label = None  # a new topic: labelled afresh
    drafts.remove(gone)
    return True


def _halves(near: Distances, notes: Sequence) -> list[list]:
    rows = [near.row[n] for n in notes]
    sub = near.dist[np.ix_(rows, rows)].astype(np.float64)
    labels = fcluster(linkage(squareform(sub, checks=False), "average"), 2, "maxclust")
    return [[n for n, label in zip(notes, labels, strict=True) if label == k] for k in (1, 2)]


def _split_loosest(drafts: list[_Draft], near: Distances, fresh_id: Callable[[], str]) -> bool:
    """The loosest group whose own tree parts in two groups of two or more splits in two; else
    the two closest single notes become a pair."""
    candidates = []
    for d in _groups(drafts):
        if d.pinned or len(d.note_ids) < 4:
            continue
        parts = _halves(near, d.note_ids)
        if min(len(p) for p in parts) >= 2:
            spread = _linkage(near, d.note_ids, d.note_ids)
            candidates.append((spread, d, parts))
    if candidates:
        _spread, d, parts = max(candidates, key=lambda c: c[0])
        big, small = sorted(parts, key=len, reverse=True)
        d.note_ids[:] = big
        if not d.label_locked:
            d.kept_label = None
        drafts.append(_Draft(fresh_id(), small))
        return True
    singles = [d for d in drafts if len(d.note_ids) == 1 and not d.pinned and not d.label_locked]
    if len(singles) < 2:
        return False
    pairs = [(a, b) for i, a in enumerate(singles) for b in singles[i + 1 :]]
    a, b = min(pairs, key=lambda p: _linkage(near, p[0].note_ids, p[1].note_ids))
    a.note_ids.extend(b.note_ids)
    a.kept_label = None
    drafts.remove(b)
    return True


def _single_groups(drafts: Sequence[_Draft], moves: Mapping[NoteId, str]) -> int:
    """One-note groups the wall shows as groups, not as single ideas: pinned, or renamed or put
    there by hand and named (a note moved to "Einzelne Ideen" has no name, for good). The
    wall counts them, and "−" asks for its count less one: counted here too, or the step
    would go the wrong way."""
    return sum(
        len(d.note_ids) == 1
        and (
            d.pinned
            or (bool(d.kept_label) and (d.label_locked or moves.get(d.note_ids[0]) == d.id))
        )
        for d in drafts
    )


def step_to(
    drafts: list[_Draft],
    wanted: int,
    near: Distances,
    fresh_id: Callable[[], str],
    moves: Mapping[NoteId, str] | None = None,
) -> list[_Draft]:
    """The groups shown, merged or split one at a time until `wanted` groups show (or no
    further step is possible); `moves`, the notes the facilitator placed by hand."""
    drafts = [
        _Draft(d.id, list(d.note_ids), d.kept_label, d.pinned, d.label_locked) for d in drafts
    ]
    for _step in range(len(near.row)):
        count = len(_groups(drafts)) + _single_groups(drafts, moves or {})
        if count == wanted:
            break
        moved = (
            _merge_closest(drafts, near)
            if count > wanted
            else _split_loosest(drafts, near, fresh_id)
        )
        if not moved:
            break
    return drafts

"""Stable cluster ids: a new group keeps the id of the previous cluster it continues, and
the facilitator's pins and moves win over the automatic grouping."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
from scipy.optimize import linear_sum_assignment

from .model import Cluster, NoteId, Tuning


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


@dataclass(slots=True)
class _Draft:
    """A cluster under construction: its id, notes and the label it may carry over."""

    id: str
    note_ids: list[NoteId]
    kept_label: str | None = None
    pinned: bool = False
    label_locked: bool = False

    @property
    def single_by_hand(self) -> bool:
        """A note the facilitator moved to the single ideas: locked to no name, for good."""
        return self.label_locked and not self.kept_label


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


def moved_notes(before: Sequence[Cluster], after: Sequence[Cluster]) -> int:
    """How many notes present in both clusterings sit in a cluster with another id."""
    old = {n: c.id for c in before for n in c.note_ids}
    return sum(1 for c in after for n in c.note_ids if n in old and old[n] != c.id)

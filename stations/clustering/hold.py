"""Calm walls: a re-clustering moves a note only where that is clearly better, groups of three
or more never dissolve by themselves, and a hand move teaches only the notes clearly closer
to the facilitator's moved notes than to their own group."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from .identity import _Draft
from .model import Cluster, NoteId, Tuning
from .tree import _reach


class Distances:
    """Mean distances between notes and groups on one wall (rows of the fused matrix)."""

    def __init__(self, dist: np.ndarray, ids: Sequence[NoteId]) -> None:
        self.dist = dist
        self.row = {n: i for i, n in enumerate(ids)}

    def mean(self, note: NoteId, others: Sequence[NoteId]) -> float | None:
        """Mean distance of `note` to `others` (itself left out); None when none are left."""
        rows = [self.row[n] for n in others if n != note and n in self.row]
        if not rows:
            return None
        return float(self.dist[self.row[note], rows].mean())


def settle(
    proposal: Sequence[_Draft],
    previous: Sequence[Cluster],
    free: Sequence[NoteId],
    near: Distances,
    cut: float,
    tuning: Tuning,
) -> list[_Draft]:
    """The proposed grouping of the free notes, applied only where it is clearly better than
    where each note sits now (hysteresis), so groups do not come and go as notes arrive.

    A note of a group of `hold_min_size` or more moves to the proposed group when its mean
    distance there is at most (1 - `hold_margin`) of the one to its own group, and leaves
    for a group of its own only when its own group is farther than the cut; such a group
    never shrinks below `hold_floor` notes by itself (the room saw it as a topic). A note
    of a pair follows the proposal; a single note joins the group proposed for it when it
    is within the cut there. A note nobody placed yet takes the proposal."""
    free_set = set(free)
    before = {n: c.id for c in previous if not c.pinned for n in c.note_ids if n in free_set}
    members_before = {
        c.id: [n for n in c.note_ids if n in near.row] for c in previous if not c.pinned
    }
    proposed = {n: d.id for d in proposal for n in d.note_ids}
    members_proposed = {d.id: list(d.note_ids) for d in proposal}
    place = dict(before)
    leaving: list[tuple[float, NoteId, str, str]] = []  # (how much better, note, from, to)
    for note in free:
        goal, now = proposed.get(note), before.get(note)
        if now is None:  # arrived since: where the proposal puts it
            if goal is not None:
                place[note] = goal
            continue
        if goal is None or goal == now:
            continue
        stay = near.mean(note, members_before[now])
        there = near.mean(note, members_proposed.get(goal, []))
        if stay is None:
            # a single idea joins a group within reach: what the engine is for
            if there is not None and there <= _reach(len(near.row), cut, tuning):
                place[note] = goal
        elif len(members_before[now]) < tuning.hold_min_size:  # a pair: follows the proposal
            leaving.append((1.0 if there is None else there / stay, note, now, goal))
        elif there is None:
            if stay > cut:
                leaving.append((stay and cut / stay, note, now, goal))
        elif there <= (1.0 - tuning.hold_margin) * stay:
            leaving.append((there / stay, note, now, goal))
    for _ratio, note, _now, goal in leaving:
        place[note] = goal
    _keep_topics(place, before, leaving, members_before, tuning)
    return _drafts(place, proposal, previous, free)


def _keep_topics(
    place: dict[NoteId, str],
    before: Mapping[NoteId, str],
    leaving: list[tuple[float, NoteId, str, str]],
    members_before: Mapping[str, Sequence[NoteId]],
    tuning: Tuning,
) -> None:
    """A group of `hold_min_size` notes or more does not shrink below `hold_floor` by itself:
    the room saw it as a topic. Notes that would leave it stay, the least gaining first,
    until it is that big again (notes joining it count, so a wrong group can still turn into
    a right one); a note kept back may shrink the group it was to join, hence the rounds."""
    order = sorted(leaving, key=lambda x: -x[0])  # least gaining first
    for _round in range(len(order) + 1):
        size: dict[str, int] = {}
        for key, notes in members_before.items():  # the facilitator's notes stay put
            size[key] = sum(1 for n in notes if n not in before)
        for key in place.values():
            size[key] = size.get(key, 0) + 1
        short = {
            key
            for key, notes in members_before.items()
            if len(notes) >= tuning.hold_min_size and size[key] < tuning.hold_floor
        }
        back = next(
            (note for _r, note, now, _g in order if now in short and place[note] != now), None
        )
        if back is None:
            return
        place[back] = before[back]


def _drafts(
    place: Mapping[NoteId, str],
    proposal: Sequence[_Draft],
    previous: Sequence[Cluster],
    order: Sequence[NoteId],
) -> list[_Draft]:
    """Clusters from where each note ends up, carrying labels over from the proposal (which
    matched ids to the previous clusters) or, for a kept cluster, from before."""
    from_proposal = {d.id: d for d in proposal}
    from_before = {c.id: c for c in previous}
    drafts: dict[str, _Draft] = {}
    for note in order:
        key = place.get(note)
        if key is None:
            continue
        if key not in drafts:
            if key in from_proposal:
                d = from_proposal[key]
                drafts[key] = _Draft(key, [], d.kept_label, label_locked=d.label_locked)
            else:
                c = from_before[key]
                drafts[key] = _Draft(key, [], c.label or None, label_locked=c.label_locked)
        drafts[key].note_ids.append(note)
    return list(drafts.values())


def kept_as_before(previous: Sequence[Cluster], free: Sequence[NoteId]) -> list[_Draft]:
    """The free notes exactly where `previous` has them (a re-clustering with nothing new)."""
    free_set = set(free)
    place = {n: c.id for c in previous if not c.pinned for n in c.note_ids if n in free_set}
    return _drafts(place, [], previous, free)


def propagate(
    drafts: list[_Draft],
    moves: Mapping[NoteId, str],
    fixed: set[NoteId],
    near: Distances,
    cut: float,
    tuning: Tuning,
) -> None:
    """One pass: a note the facilitator left alone follows the notes they moved into a group
    when it is close to them (mean distance within `teach_cut` of the cut) and clearly closer
    to them than to its own group (`teach_margin`). Changes `drafts` in place."""
    by_id = {d.id: d for d in drafts}
    taught: dict[str, list[NoteId]] = {}
    for note, key in moves.items():
        if key in by_id and note in near.row:
            taught.setdefault(key, []).append(note)
    if not taught:
        return
    home = {n: d for d in drafts for n in d.note_ids}
    size = {d.id: len(d.note_ids) for d in drafts}
    goes: list[tuple[NoteId, _Draft, _Draft]] = []
    for note, own in home.items():
        if note in fixed or own.pinned:
            continue
        best: tuple[float, str] | None = None
        for key, moved in taught.items():
            goal = by_id[key]
            # a note made a single idea by hand is no topic to follow
            if key == own.id or goal.pinned or goal.single_by_hand:
                continue
            d = near.mean(note, moved)
            if d is not None and d <= tuning.teach_cut * cut and (best is None or d < best[0]):
                best = (d, key)
        if best is None:
            continue
        stay = near.mean(note, own.note_ids)
        if stay is not None and best[0] > (1.0 - tuning.teach_margin) * stay:
            continue
        if size[own.id] >= tuning.hold_min_size and size[own.id] - 1 < tuning.hold_min_size:
            continue
        size[own.id] -= 1
        goes.append((note, own, by_id[best[1]]))
    for note, own, goal in goes:
        own.note_ids.remove(note)
        goal.note_ids.append(note)
    drafts[:] = [d for d in drafts if d.note_ids or d.pinned]

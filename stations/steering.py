"""The facilitator's steering of a station's groups: what each request means, as pure rules.

A station's groups are a `Board`: its clusters in wall order and the notes the facilitator
placed by hand. Each steering function takes a board and returns the board after the change,
touching exactly what the facilitator asked for; the web app loads the board, calls one of
them and stores the difference. A hand-placed note stays where it was put through every
later re-clustering (the engine gets `moves`). Every refusal is a `SteeringError` with a
stable code the web app translates.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from .clustering import (
    GRANULARITY_RANGE,  # the wall's "fewer / more groups"; 0: the engine's
    Cluster,
    NoteId,
)
from .clustering.topics import MAX_TOPIC_LENGTH, MAX_TOPICS, clean_topics
from .errors import RuleError

MAX_LABEL = 60  # characters: a group label is read from the back of a room
NEW_CLUSTER = "new"  # the move target that makes a group of its own
SINGLE = "single"  # the move target that makes the note a single idea ("Einzelne Ideen")
NEW_LABEL_CHARS = 40  # a group made of one moved note is labelled with its text's start
MAX_GROUPS = 50  # "Gruppen: N": more would not fit a station's column

T = TypeVar("T")


class SteeringError(RuleError):
    """A steering request that means nothing on this board."""


def parse_label(value: Any) -> str:
    """A facilitator's group label: one line, trimmed, at most MAX_LABEL characters."""
    label = " ".join(value.split()) if isinstance(value, str) else ""
    if not label:
        raise SteeringError("invalid_label")
    if len(label) > MAX_LABEL:
        raise SteeringError("label_too_long")
    return label


def fit_label(label: str) -> str:
    """An engine's or a note's label cut to what a group label may hold."""
    return label[:MAX_LABEL]


def note_label(text: str) -> str:
    """A group of one moved note is labelled with its text's start, cut between words."""
    text = " ".join(text.split())
    if len(text) <= NEW_LABEL_CHARS:
        return text
    head = text[: NEW_LABEL_CHARS - 1]  # room for the "…"
    if " " in head:
        head = head.rsplit(" ", 1)[0]
    return head.rstrip(" ,;:.-") + "…"


def parse_granularity(value: Any) -> int:
    """A number of steps towards fewer (-) or more (+) groups, clamped to the range."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SteeringError("invalid_granularity")
    low, high = GRANULARITY_RANGE
    return int(max(low, min(high, round(value))))


def parse_groups(value: Any) -> int | None:
    """The facilitator's "Gruppen: N": a whole number of groups, or None to let the engine
    choose."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_GROUPS:
        raise SteeringError("invalid_group_count", max=MAX_GROUPS)
    return value


def parse_topics(value: Any) -> list[str]:
    """Expected topics typed by the facilitator: a list of names or one name per line;
    trimmed, blank and repeated ones dropped; at most MAX_TOPICS of MAX_TOPIC_LENGTH."""
    if isinstance(value, str):
        value = value.splitlines()
    if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
        raise SteeringError("invalid_topics")
    names = [" ".join(t.split()) for t in value]
    if any(len(t) > MAX_TOPIC_LENGTH for t in names):
        raise SteeringError("topic_too_long", max=MAX_TOPIC_LENGTH)
    topics = clean_topics(names)
    if len(topics) > MAX_TOPICS:
        raise SteeringError("too_many_topics", max=MAX_TOPICS)
    return topics


def parse_merge(keys: Any) -> list[str]:
    """Groups to merge: at least two different ids."""
    if not isinstance(keys, list) or len(keys) < 2 or len(set(map(str, keys))) != len(keys):
        raise SteeringError("invalid_clusters")
    return keys


def split_parts(notes: Sequence[T], parts: Sequence[Sequence[T]]) -> list[list[T]]:
    """The parts a split makes of a group's `notes`: the engine's `parts` (its groups of the
    group's notes) when it tells at least two apart; one part and the notes it leaves out;
    else two halves (splitting into single notes helps no one)."""
    if len(notes) < 2:
        raise SteeringError("cannot_split")
    if len(parts) >= 2:
        return [list(p) for p in parts]
    if len(parts) == 1 and 0 < len(parts[0]) < len(notes):
        taken = set(parts[0])
        return [list(parts[0]), [n for n in notes if n not in taken]]
    half = len(notes) // 2
    return [list(notes[:half]), list(notes[half:])]


# --- the board and the changes on it --------------------------------------------------------


@dataclass(frozen=True)
class Board:
    """A station's groups: `clusters` in wall order (visible notes only), `moves`, the notes
    the facilitator placed by hand (note id -> cluster id), and `loose`, the notes no
    clustering has placed yet."""

    clusters: tuple[Cluster, ...]
    moves: Mapping[NoteId, str] = field(default_factory=dict)
    loose: tuple[NoteId, ...] = ()

    def cluster(self, key: Any) -> Cluster:
        if isinstance(key, str):
            for c in self.clusters:
                if c.id == key:
                    return c
        raise SteeringError("cluster_not_found")

    def holding(self, note_id: Any) -> Cluster | None:
        """The cluster the note is in; None while it is loose."""
        if isinstance(note_id, int | str) and not isinstance(note_id, bool):
            for c in self.clusters:
                if note_id in c.note_ids:
                    return c
            if note_id in self.loose:
                return None
        raise SteeringError("note_not_found")

    def _with(self, clusters: Sequence[Cluster], placed: Mapping[NoteId, str]) -> Board:
        return Board(
            tuple(c for c in clusters if c.note_ids or c.pinned),
            {**self.moves, **placed},
            tuple(n for n in self.loose if n not in placed),
        )


def move(
    board: Board, note_id: Any, target: Any, new_key: Callable[[], str], text: str = ""
) -> Board:
    """The note goes into `target` (NEW_CLUSTER: a group of its own at the end, labelled with
    the start of its `text`; SINGLE: a single idea, alone and without a label); every other
    note stays where it is. A group left empty goes, unless it is pinned."""
    source = board.holding(note_id)
    if (
        target == SINGLE
        and source is not None
        and source.note_ids == [note_id]
        and not source.label
    ):
        return board._with(board.clusters, {note_id: source.id})  # a single idea already
    if target in (NEW_CLUSTER, SINGLE):
        goal = (
            Cluster(new_key(), [], note_label(text))
            if target == NEW_CLUSTER
            else Cluster(new_key(), [], "", label_locked=True)
        )  # no label, ever: a single idea
        clusters = [*board.clusters, goal]
    else:
        goal = board.cluster(target)
        clusters = list(board.clusters)
    if source is not None and goal.id == source.id:
        return board._with(clusters, {note_id: goal.id})
    changed = []
    for c in clusters:
        if source is not None and c.id == source.id:
            c = replace(c, note_ids=[n for n in c.note_ids if n != note_id])
        elif c.id == goal.id:
            c = replace(c, note_ids=[*c.note_ids, note_id])
        changed.append(c)
    return board._with(changed, {note_id: goal.id})


def rename(board: Board, key: Any, label: Any) -> Board:
    """The group's label, kept from now on (the engine no longer relabels it)."""
    label = parse_label(label)
    target = board.cluster(key)
    return board._with(
        [
            replace(c, label=label, label_locked=True) if c.id == target.id else c
            for c in board.clusters
        ],
        {},
    )


def pin(board: Board, key: Any, pinned: Any) -> Board:
    """A pinned group keeps exactly its notes and label through every re-clustering."""
    target = board.cluster(key)
    return board._with(
        [replace(c, pinned=bool(pinned)) if c.id == target.id else c for c in board.clusters], {}
    )


def merge(board: Board, keys: Any) -> Board:
    """The groups become one, in its place and under its name: the one the facilitator named
    (renamed or pinned), else the largest, else the first; their notes then stay together
    by hand. ("Merge 6 notes with 15": the 15 name the topic the room has been reading.)"""
    keys = parse_merge(keys)
    groups = [board.cluster(k) for k in keys]
    # named: pinned or renamed with words (a single idea is label-locked to no name)
    target = max(groups, key=lambda c: (c.pinned or (c.label_locked and bool(c.label)),
                                        len(c.note_ids)))  # fmt: skip
    others = {c.id for c in groups if c.id != target.id}
    notes = [n for c in groups for n in c.note_ids]
    clusters = [
        replace(c, note_ids=notes) if c.id == target.id else c
        for c in board.clusters
        if c.id not in others
    ]
    return board._with(clusters, dict.fromkeys(notes, target.id))


def split(
    board: Board, key: Any, parts: Sequence[Sequence[NoteId]], labels: Sequence[str],
    new_key: Callable[[], str],
) -> Board:  # fmt: skip
    """The group into `parts` (see `split_parts`): the first part keeps the group's id and
    place, each other part becomes a new group right after it, labelled from `labels` when
    there is one per part. Notes that left the group meanwhile are not taken along; notes
    that joined it meanwhile stay with the first part. The group is no longer pinned, and
    its notes stay where the split put them."""
    group = board.cluster(key)
    members = set(group.note_ids)
    chunks = [[n for n in part if n in members] for part in parts]
    taken = {n for chunk in chunks[1:] for n in chunk}
    first = [n for n in group.note_ids if n not in taken]
    named = len(labels) == len(parts)
    new = [Cluster(new_key(), chunk, fit_label(labels[i]) if named else "")
           for i, chunk in enumerate(chunks[1:], start=1) if chunk]  # fmt: skip
    at = board.clusters.index(group)
    kept = replace(group, note_ids=first, pinned=False)
    clusters = [*board.clusters[:at], kept, *new, *board.clusters[at + 1 :]]
    placed = {n: kept.id for n in first} | {n: c.id for c in new for n in c.note_ids}
    return board._with(clusters, placed)


# --- back to the suggestion -----------------------------------------------------------------


def parse_discard(value: Any) -> bool:
    """Whether "back to the suggestion" discards the facilitator's own changes too: only an
    explicit true does (absent or null: keep them)."""
    if value is None or isinstance(value, bool):
        return bool(value)
    raise SteeringError("invalid_discard")


def discard_changes(board: Board) -> Board:
    """The board without the facilitator's changes: no group is pinned or keeps a label given
    by hand, and the notes placed by hand (moved, merged, split) go loose, so the engine
    places them afresh rather than holding them where the facilitator put them; a group left
    empty goes. The other notes stay where they are until the engine regroups them."""
    placed = set(board.moves)
    clusters = tuple(
        replace(c, note_ids=kept, pinned=False, label_locked=False)
        for c in board.clusters
        if (kept := [n for n in c.note_ids if n not in placed])
    )
    loose = (*board.loose, *(n for c in board.clusters for n in c.note_ids if n in placed))
    return Board(clusters, {}, loose)

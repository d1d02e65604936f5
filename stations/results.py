"""What a station's results put first: the ranking the phones and the report share.

Pure: it sees note ids and their dots and +1s, never the notes themselves.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

TOP_NOTES = 5  # the station's best notes, shown above its groups


@dataclass(frozen=True, slots=True)
class Score:
    votes: int = 0  # dots
    plus_ones: int = 0


@dataclass(frozen=True, slots=True)
class Group:
    label: str
    note_ids: tuple[int, ...]  # ranked
    votes: int


@dataclass(frozen=True, slots=True)
class Ranking:
    votes: Mapping[int, int]  # each note's dots
    groups: tuple[Group, ...]  # most dots first; a tie keeps the wall's order
    singles: tuple[int, ...]  # notes in no group (single ideas, and notes not placed yet)
    top: tuple[int, ...]  # the notes with the most dots, at most TOP_NOTES, none without a dot

    @property
    def board(self) -> tuple[Group, ...]:
        """Groups and single ideas with dots in one ranking, as the wall shows the results: a
        group by the dots of its notes, a single idea (label "") by its own; a group first
        at a tie. Single ideas without a dot follow apart (`rest`)."""
        dotted = [Group("", (n,), self.votes[n]) for n in self.singles if self.votes[n]]
        return tuple(sorted([*self.groups, *dotted], key=lambda g: -g.votes))

    @property
    def rest(self) -> tuple[int, ...]:
        return tuple(n for n in self.singles if not self.votes[n])


def rank_notes(note_ids: Iterable[int], scores: Mapping[int, Score]) -> tuple[int, ...]:
    """By dots, then +1s, then the older note first (ids grow)."""
    return tuple(sorted(note_ids, key=lambda n: (-scores[n].votes, -scores[n].plus_ones, n)))


def rank_station(
    clusters: Sequence[tuple[str, Sequence[int], bool]],
    loose: Sequence[int],
    scores: Mapping[int, Score],
) -> Ranking:
    """`clusters`: (label, note ids, is a single idea) in wall order; only notes in `scores`
    (the visible ones) count."""
    groups, singles = [], list(loose)
    for label, note_ids, single in clusters:
        members = rank_notes((n for n in note_ids if n in scores), scores)
        if single:
            singles.extend(members)
        elif members:
            groups.append(Group(label, members, sum(scores[n].votes for n in members)))
    groups.sort(key=lambda g: -g.votes)
    top = [n for n in rank_notes(scores, scores) if scores[n].votes > 0][:TOP_NOTES]
    votes = {n: s.votes for n, s in scores.items()}
    return Ranking(
        votes, tuple(groups), rank_notes((n for n in singles if n in scores), scores), tuple(top)
    )

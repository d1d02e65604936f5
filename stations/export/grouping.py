"""A station's notes in topics: in the wall's order (`sections`), and in result order
(`board`, which the report, CSV, XLSX and Markdown list; `ranked_sections`, `top`), ranked by
`stations.results` so that the exports, the printed report, the phones and the wall put the
same things first.

Grouping follows the wall: a cluster is a topic when at least two *visible* notes are in it
(the wall never shows hidden notes); every other note is listed under "Einzelne Ideen" /
"Other ideas". Membership is `ExportNote.cluster`; `ExportCluster.note_ids` only gives the
order of the notes inside a topic, as arranged on the wall.

`stations.results` ranks the visible notes only; hidden notes (which the spreadsheets and
JSON keep) follow the visible ones of their topic, oldest first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from stations.results import Score, rank_station

from .model import ExportNote, ExportStation

TOP_GROUPS = 3  # the topics with the most dots in a station's "Top" list


@dataclass(frozen=True)
class Section:
    """A topic (label) or the single ideas (label None) of one station, in wall order."""

    label: str | None
    notes: tuple[ExportNote, ...]


def _by_time(note: ExportNote) -> tuple[datetime, int]:
    return (note.created_at, note.id)


def sections(station: ExportStation) -> list[Section]:
    """Topics in the station's cluster order, then one section of single ideas."""
    members: dict[str, list[ExportNote]] = {}
    for note in sorted(station.notes, key=_by_time):
        if note.cluster is not None:
            members.setdefault(note.cluster, []).append(note)
    sections: list[Section] = []
    placed: set[int] = set()
    seen_clusters: set[str] = set()
    for cluster in station.clusters:
        notes = members.get(cluster.id, [])
        if cluster.id in seen_clusters or sum(not n.hidden for n in notes) < 2:
            continue
        seen_clusters.add(cluster.id)
        # Wall order first (note_ids), then members the wall order does not mention.
        rank = {note_id: i for i, note_id in enumerate(cluster.note_ids)}
        ordered = sorted(notes, key=lambda n: (rank.get(n.id, len(rank)), *_by_time(n)))
        sections.append(Section(cluster.label, tuple(ordered)))
        placed.update(n.id for n in ordered)
    singles = tuple(n for n in sorted(station.notes, key=_by_time) if n.id not in placed)
    if singles:
        sections.append(Section(None, singles))
    return sections


@dataclass(frozen=True)
class RankedSection:
    """A topic (label) or the single ideas (label None), its notes best first."""

    label: str | None
    notes: tuple[ExportNote, ...]
    votes: int  # the dots of its visible notes
    plus_ones: int
    single: bool = False  # one single idea ranked among the topics (`board`)


@dataclass(frozen=True)
class Top:
    """A station's best: topics and notes with at least one dot, most dots first."""

    groups: tuple[RankedSection, ...]
    notes: tuple[ExportNote, ...]


def _scores(station: ExportStation) -> dict[int, Score]:
    return {n.id: Score(n.votes, n.plus_ones) for n in station.notes if not n.hidden}


def _section(label: str | None, ranked: tuple[int, ...], notes: dict[int, ExportNote],
             hidden: list[ExportNote]) -> RankedSection:  # fmt: skip
    visible = [notes[i] for i in ranked]
    return RankedSection(
        label,
        tuple(visible + hidden),
        sum(n.votes for n in visible),
        sum(n.plus_ones for n in visible),
    )


def ranked_sections(station: ExportStation) -> list[RankedSection]:
    """Topics by their dots (a tie keeps the wall's order), then the single ideas; inside
    each, notes by dots, then +1s, then the older first."""
    ranked = _Ranked(station)
    result = [ranked.topic(group.note_ids) for group in ranked.ranking.groups]
    if ranked.ranking.singles or ranked.hidden_singles:
        result.append(ranked.rest(ranked.ranking.singles))
    return result


def board(station: ExportStation) -> list[RankedSection]:
    """The results as the wall and the phones rank them (`stations.results.Ranking.board`):
    topics and single ideas with dots in one ranking by dots, a single idea as a section of
    its own (`single`); then the single ideas without a dot (label None)."""
    ranked = _Ranked(station)
    singles = set(ranked.ranking.singles)
    result = []
    for group in ranked.ranking.board:
        if len(group.note_ids) == 1 and group.note_ids[0] in singles:
            note = ranked.notes[group.note_ids[0]]
            result.append(RankedSection(None, (note,), note.votes, note.plus_ones, single=True))
        else:
            result.append(ranked.topic(group.note_ids))
    if ranked.ranking.rest or ranked.hidden_singles:
        result.append(ranked.rest(ranked.ranking.rest))
    return result


class _Ranked:
    """A station's wall sections ranked by `stations.results`, with the hidden notes each
    section keeps after its visible ones."""

    def __init__(self, station: ExportStation) -> None:
        self.notes = {n.id: n for n in station.notes}
        self.wall = sections(station)
        self.hidden_of = [[n for n in s.notes if n.hidden] for s in self.wall]
        clusters = [
            (s.label or "", [n.id for n in s.notes], False)
            for s in self.wall
            if s.label is not None
        ]
        loose = [n.id for s in self.wall if s.label is None for n in s.notes]
        self.ranking = rank_station(clusters, loose, _scores(station))
        # A topic is found again by its first note: labels need not be unique, notes are.
        self.index_of = {n.id: i for i, s in enumerate(self.wall) for n in s.notes}
        # `sections` makes a topic only of two or more visible notes, so every topic is ranked.
        self.hidden_singles = [
            n for i, s in enumerate(self.wall) if s.label is None for n in self.hidden_of[i]
        ]

    def topic(self, note_ids: tuple[int, ...]) -> RankedSection:
        i = self.index_of[note_ids[0]]
        return _section(self.wall[i].label, note_ids, self.notes, self.hidden_of[i])

    def rest(self, note_ids: tuple[int, ...]) -> RankedSection:
        return _section(None, note_ids, self.notes, self.hidden_singles)


def top(station: ExportStation) -> Top:
    """The topics with the most dots (at most `TOP_GROUPS`) and the notes with the most
    (as many as `stations.results` puts on top), none without a dot."""
    scores = _scores(station)
    groups = [s for s in ranked_sections(station) if s.label is not None and s.votes > 0]
    notes = {n.id: n for n in station.notes}
    best = rank_station([], list(scores), scores).top
    return Top(tuple(groups[:TOP_GROUPS]), tuple(notes[i] for i in best))

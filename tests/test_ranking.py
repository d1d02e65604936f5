"""The results' ranking (stations/results.py), without a database."""

from __future__ import annotations

from stations.results import Group, Score, rank_notes, rank_station


def test_notes_rank_by_dots_then_plus_ones_then_age():
    scores = {1: Score(0, 3), 2: Score(2, 0), 3: Score(2, 1), 4: Score(0, 3)}
    assert rank_notes(scores, scores) == (3, 2, 1, 4)


def test_a_station_ranks_its_groups_by_dots_and_keeps_singles_apart():
    scores = {1: Score(), 2: Score(1), 3: Score(4), 4: Score(2), 5: Score(), 6: Score(1, 2)}
    ranking = rank_station(
        [
            ("Radwege", [1, 2], False),
            ("Funk", [3, 4], False),
            ("", [5], True),
            ("Leer", [9], False),
        ],
        loose=[6],
        scores=scores,
    )
    assert ranking.groups == (Group("Funk", (3, 4), 6), Group("Radwege", (2, 1), 1))
    assert ranking.singles == (6, 5)  # a note not placed yet counts as a single idea
    assert ranking.top == (3, 4, 6, 2)  # only notes with a dot


def test_a_group_without_dots_never_ranks_above_one_with_dots():
    scores = {1: Score(), 2: Score(), 3: Score(6)}
    ranking = rank_station([("Null", [1, 2], False), ("Alle", [3], False)], [], scores)
    assert [g.label for g in ranking.groups] == ["Alle", "Null"]


def test_top_holds_at_most_five():
    scores = {n: Score(n) for n in range(1, 9)}
    assert rank_station([], list(scores), scores).top == (8, 7, 6, 5, 4)


def test_single_ideas_with_dots_rank_among_the_groups():
    scores = {1: Score(1), 2: Score(1), 3: Score(5), 4: Score(), 5: Score(2)}
    ranking = rank_station(
        [("Bus", [1, 2], False), ("", [3], True), ("", [4], True), ("Rad", [5], False)], [], scores
    )
    board = [(g.label, g.note_ids, g.votes) for g in ranking.board]
    assert board == [("", (3,), 5), ("Bus", (1, 2), 2), ("Rad", (5,), 2)]
    assert ranking.rest == (4,)  # no dot: among the other ideas

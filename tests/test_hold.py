"""The engine works with the facilitator: a move moves one note (and the notes clearly closer
to it), groups do not come and go as notes arrive, hints (topics, a number of groups) steer
the grouping, and `gallery cluster` takes all of it as JSON."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from stations import clustering
from stations.clustering import Cluster, cluster_notes, moved_notes, run_cli

from .test_clustering import GERMAN_WALL, assert_partition, notes_of, topic_embedder

NO_TEACHING = replace(clustering.TUNING, teach_cut=0.0)


def where(clusters: list[Cluster]) -> dict:
    return {n: c.id for c in clusters for n in c.note_ids}


def moved(clusters: list[Cluster], note: int, target: str) -> list[Cluster]:
    """The wall right after a drag: only `note` changed group."""
    out = [replace(c, note_ids=[n for n in c.note_ids if n != note]) for c in clusters]
    out = [replace(c, note_ids=[*c.note_ids, note]) if c.id == target else c for c in out]
    return [c for c in out if c.note_ids]


# A grouping the engine would not make afresh (fake topics bus 0-3, solar 4-6, verein 7-9),
# as a wall holds one after arrivals and the facilitator's changes.
ODD = [Cluster("x", [0, 4, 7]), Cluster("y", [1, 5, 8, 2]), Cluster("z", [3, 6, 9])]


def test_a_move_moves_one_note_when_nothing_else_is_closer() -> None:
    notes = notes_of(GERMAN_WALL)
    board = moved(ODD, 4, "z")  # the facilitator drags 4 from x to z
    after = cluster_notes(
        notes, "de", previous=board, moves={4: "z"}, embedder=topic_embedder,
        tuning=NO_TEACHING,
    ).clusters  # fmt: skip
    assert where(after) == where(board)
    assert moved_notes(board, after) == 0


def test_notes_clearly_closer_to_the_moved_note_follow_it() -> None:
    """Two near-identical notes sit in a group of other notes; the facilitator moves one of
    them out: the other follows (one pass), nothing else moves."""
    texts = [*GERMAN_WALL, "Solaranlagen auf alle Schuldächer!"]  # a twin of note 4
    notes = notes_of(texts)
    previous = [
        Cluster("a", [0, 1, 2, 3, 4, 10]),  # the twins 4 and 10 sit with the bus notes
        Cluster("b", [5, 6]),
        Cluster("c", [7, 8, 9]),
    ]
    board = moved(previous, 4, "b")
    after = cluster_notes(
        notes, "de", previous=board, moves={4: "b"}, embedder=topic_embedder
    ).clusters
    assert where(after)[10] == "b"
    others = {n: k for n, k in where(board).items() if n != 10}
    assert {n: k for n, k in where(after).items() if n != 10} == others


def test_a_group_of_three_never_dissolves_as_notes_arrive() -> None:
    """A note arrives on a wall whose groups the engine would not make afresh: every group
    of three or more keeps at least two notes (afresh, x and y would vanish)."""
    notes = notes_of([*GERMAN_WALL, "Noch ein Bus"])
    after = cluster_notes(notes, "de", previous=ODD, embedder=topic_embedder)
    assert_partition(after, notes)
    size = {c.id: len(c.note_ids) for c in after.clusters}
    assert all(size.get(c.id, 0) >= 2 for c in ODD), size


def test_groups_hold_while_a_wall_is_built_note_by_note() -> None:
    texts = [*GERMAN_WALL, "Busse und Solar am Vereinsheim", "Mehr Busse", "Solar und Verein"]
    notes = notes_of(texts)
    previous: list[Cluster] = []
    for k in range(1, len(notes) + 1):
        current = cluster_notes(notes[:k], "de", previous=previous, embedder=topic_embedder)
        assert_partition(current, notes[:k])
        size = {c.id: len(c.note_ids) for c in current.clusters}
        assert all(size.get(c.id, 0) >= 2 for c in previous if len(c.note_ids) >= 3)
        previous = current.clusters


def test_nothing_new_keeps_the_wall_as_it_is() -> None:
    """With no arrivals a re-clustering changes nothing (a deleted note just goes)."""
    notes = notes_of(GERMAN_WALL)
    after = cluster_notes(notes[:-1], "de", previous=ODD, embedder=topic_embedder).clusters
    assert where(after) == {n: k for n, k in where(ODD).items() if n != 9}


def test_a_regroup_asked_for_replaces_a_held_grouping() -> None:
    notes = notes_of(GERMAN_WALL)
    after = cluster_notes(notes, "de", previous=ODD, embedder=topic_embedder, hold=False)
    assert sorted(sorted(c.note_ids) for c in after.clusters) == [
        [0, 1, 2, 3],
        [4, 5, 6],
        [7, 8, 9],
    ]


def test_arrivals_named_by_the_caller_are_regrouped() -> None:
    """The wall's fast path has placed new notes before the re-clustering: `arrived` says
    which they are, and the re-clustering may then group them with the others."""
    notes = notes_of(GERMAN_WALL)
    before = cluster_notes(notes[:7], "de", embedder=topic_embedder).clusters
    placed = [*before, *(Cluster(f"s{i}", [i]) for i in (7, 8, 9))]  # three singles
    held = cluster_notes(notes, "de", previous=placed, embedder=topic_embedder).clusters
    assert all(len(c.note_ids) == 1 for c in held if c.note_ids[0] in (7, 8, 9))
    after = cluster_notes(
        notes, "de", previous=placed, arrived={7, 8, 9}, embedder=topic_embedder
    ).clusters
    assert where(after)[7] == where(after)[8] == where(after)[9]


@pytest.mark.parametrize("wanted", [1, 2, 3, 4])
def test_a_number_of_groups_is_cut_exactly(wanted: int) -> None:
    notes = notes_of(GERMAN_WALL)
    result = cluster_notes(notes, "de", groups=wanted, embedder=topic_embedder)
    assert len(result.groups) == wanted
    assert_partition(result, notes)


def test_one_fewer_counts_a_note_put_alone_by_hand_as_the_wall_does() -> None:
    """The facilitator dragged note 9 into a group of its own: the wall shows it as a group
    and counts four, so "−" asks for three. That is one merge, not nothing (the engine
    counted only groups of two or more) nor, after a split into singles, a split."""
    notes = notes_of(GERMAN_WALL)
    shown = [Cluster("a", [0, 1, 2, 3]), Cluster("b", [4, 5, 6]), Cluster("c", [7, 8]),
             Cluster("d", [9], "Verein")]  # fmt: skip
    after = cluster_notes(
        notes, "de", previous=shown, moves={9: "d"}, groups=3, hold=False, embedder=topic_embedder
    ).clusters
    assert where(after)[9] == "d" and len([c for c in after if c.note_ids]) == 3
    assert sorted(n for c in after for n in c.note_ids) == list(range(10))


def test_one_fewer_does_not_count_a_note_made_a_single_idea_by_hand() -> None:
    """A note moved to "Einzelne Ideen" has no name for good: the wall shows it among the
    single ideas and counts three groups, so "−" asks for two, one merge."""
    notes = notes_of(GERMAN_WALL)
    shown = [Cluster("a", [0, 1, 2, 3]), Cluster("b", [4, 5, 6]), Cluster("c", [7, 8]),
             Cluster("s", [9], "", label_locked=True)]  # fmt: skip
    after = cluster_notes(
        notes, "de", previous=shown, moves={9: "s"}, groups=2, hold=False, embedder=topic_embedder
    ).clusters
    assert where(after)[9] == "s"
    assert len([c for c in after if len(c.note_ids) > 1]) == 2


def test_topics_become_the_groups_under_the_facilitators_words() -> None:
    notes = notes_of(GERMAN_WALL)
    topics = ["Bus", "Solar", "Verein"]
    result = cluster_notes(notes, "de", topics=topics, embedder=topic_embedder)
    by_label = {c.label: sorted(c.note_ids) for c in result.clusters}
    assert by_label == {"Bus": [0, 1, 2, 3], "Solar": [4, 5, 6], "Verein": [7, 8, 9]}
    assert all(c.label_locked for c in result.clusters)
    again = cluster_notes(
        notes, "de", topics=topics, previous=result.clusters, embedder=topic_embedder,
        hold=False,
    )  # fmt: skip
    assert {c.label: c.id for c in again.clusters} == {c.label: c.id for c in result.clusters}


def test_a_topic_named_in_other_words_still_gets_its_notes() -> None:
    """The bus notes share nothing with "Nahverkehr" (the fake embedder knows no synonyms),
    but they are clearly not Solar nor Verein: per topic, their closeness to a name counts
    against how close the other notes are to it, and neighbours agree."""
    notes = notes_of(GERMAN_WALL)
    topics = ["Nahverkehr", "Solar", "Verein"]
    result = cluster_notes(notes, "de", topics=topics, embedder=topic_embedder)
    by_label = {c.label: sorted(c.note_ids) for c in result.clusters}
    assert by_label == {"Nahverkehr": [0, 1, 2, 3], "Solar": [4, 5, 6], "Verein": [7, 8, 9]}


def run(line: dict | list | str) -> dict:
    text = line if isinstance(line, str) else json.dumps(line)
    (out,) = run_cli([text], lang="de", embedder=topic_embedder)
    return json.loads(out)


def test_cli_takes_previous_clusters_moves_and_hints() -> None:
    first = run(GERMAN_WALL)["clusters"]
    assert all({"id", "label", "notes"} <= set(c) for c in first)
    bus = next(c for c in first if 0 in c["notes"])
    previous = [
        {"id": c["id"], "label": c["label"], "notes": [n for n in c["notes"] if n != 9]}
        for c in first
    ]
    previous = [c for c in previous if c["notes"]]
    answer = run(
        {"notes": GERMAN_WALL, "previous": previous, "moves": {"1": "mine"}, "prompt": "Ideen?"}
    )["clusters"]
    home = {n: c["id"] for c in answer for n in c["notes"]}
    assert home[1] == "mine"  # a new cluster under the id the move gave
    assert home[0] == bus["id"]
    assert sorted(home) == list(range(len(GERMAN_WALL)))  # 9, the arrival, placed too
    grouped = run({"notes": GERMAN_WALL, "groups": 2})["clusters"]
    assert sum(len(c["notes"]) > 1 for c in grouped) == 2
    named = run({"notes": GERMAN_WALL, "topics": ["Bus", "Solar", "Verein"]})["clusters"]
    assert {c["label"] for c in named} == {"Bus", "Solar", "Verein"}


@pytest.mark.parametrize(
    ("line", "code", "names"),
    [
        ({"notes": ["a"], "groups": 0}, "bad_groups", "groups"),
        ({"notes": ["a"], "topics": "Bus"}, "not_a_list_of_strings", "topics"),
        ({"notes": ["a"], "previous": [{"id": "x", "notes": [3]}]}, "bad_note_index", "notes"),
        ({"notes": ["a", "b"], "previous": [{"notes": [0]}]}, "bad_previous", "previous[0]"),
        ({"notes": ["a"], "moves": {"7": "x"}}, "bad_note_index", "moves"),
        ({"notes": ["a"], "moves": {"0": 5}}, "bad_moves", "moves"),
        ({"text": ["a"]}, "not_a_list_of_strings", "notes"),
    ],
)
def test_cli_names_the_first_bad_field(line: dict, code: str, names: str) -> None:
    error = run(line)["error"]
    assert error["code"] == code
    assert names in error["message"]

"""The facilitator's steering as pure rules (stations/steering.py), without a database: each
change touches exactly what was asked for and nothing else."""

from __future__ import annotations

import itertools

import pytest

from stations.clustering import Cluster
from stations.steering import (
    NEW_CLUSTER,
    SINGLE,
    Board,
    SteeringError,
    discard_changes,
    merge,
    move,
    note_label,
    parse_discard,
    parse_granularity,
    parse_label,
    pin,
    rename,
    split,
    split_parts,
)


def board(**moves) -> Board:
    """Three groups and a single: a = 1 2 3, b = 4 5, c = 6 7 8 9, d = 10 (one note)."""
    clusters = (
        Cluster("a", [1, 2, 3], "Radwege"),
        Cluster("b", [4, 5], "Funklöcher"),
        Cluster("c", [6, 7, 8, 9], "Online-Anträge"),
        Cluster("d", [10], "Glasfaser"),
    )
    return Board(clusters, {int(k[1:]): v for k, v in moves.items()})


def keys(start: int = 20):
    counter = itertools.count(start)
    return lambda: f"c{next(counter)}"


def groups(b: Board) -> dict[str, list]:
    return {c.id: c.note_ids for c in b.clusters}


def test_a_move_moves_one_note_and_nothing_else():
    before = board()
    after = move(before, 2, "c", keys())
    assert groups(after) == {"a": [1, 3], "b": [4, 5], "c": [6, 7, 8, 9, 2], "d": [10]}
    assert after.moves == {2: "c"}
    assert [c.label for c in after.clusters] == [c.label for c in before.clusters]
    assert groups(before)["a"] == [1, 2, 3]  # the board given is left as it was


def test_a_move_to_a_new_group_labels_it_with_the_note():
    after = move(board(), 4, NEW_CLUSTER, keys(), text="Mehr Ladesäulen am Bahnhof " * 3)
    new = after.clusters[-1]
    assert (new.id, new.note_ids, new.label) == (
        "c20",
        [4],
        "Mehr Ladesäulen am Bahnhof Mehr…",
    )
    assert groups(after)["b"] == [5] and after.moves == {4: "c20"}


def test_a_note_label_is_cut_between_words():
    assert note_label("Kurz und gut") == "Kurz und gut"
    assert note_label("x" * 50) == "x" * 39 + "…"
    assert len(note_label("Breitband, Glasfaser, Funk: " * 4)) <= 40


def test_a_note_can_become_a_single_idea():
    after = move(board(), 2, SINGLE, keys(), text="Radweg nach Mittweida")
    assert groups(after) == {"a": [1, 3], "b": [4, 5], "c": [6, 7, 8, 9], "d": [10], "c20": [2]}
    assert after.cluster("c20").label == "" and after.moves == {2: "c20"}
    again = move(after, 2, SINGLE, keys(30))
    assert groups(again) == groups(after)  # already one: nothing new


def test_an_emptied_group_goes_unless_pinned():
    assert "d" not in groups(move(board(), 10, "a", keys()))
    pinned = pin(board(), "d", True)
    assert groups(move(pinned, 10, "a", keys()))["d"] == []


def test_a_move_within_its_group_only_marks_it_placed():
    after = move(board(), 1, "a", keys())
    assert groups(after) == groups(board()) and after.moves == {1: "a"}


def test_a_loose_note_can_be_placed():
    loose = Board(board().clusters, {}, (11, 12))
    after = move(loose, 11, "b", keys())
    assert groups(after)["b"] == [4, 5, 11] and after.loose == (12,) and after.moves == {11: "b"}


def test_earlier_moves_are_kept():
    after = move(board(n7="a"), 2, "b", keys())
    assert after.moves == {7: "a", 2: "b"}


@pytest.mark.parametrize(("note", "target", "code"), [
    (99, "a", "note_not_found"), (True, "a", "note_not_found"), (None, "a", "note_not_found"),
    (1, "zz", "cluster_not_found"), (1, 5, "cluster_not_found"),
])  # fmt: skip
def test_a_move_to_or_of_what_is_not_there_is_refused(note, target, code):
    with pytest.raises(SteeringError) as err:
        move(board(), note, target, keys())
    assert err.value.code == code


def test_rename_keeps_the_label_and_touches_no_note():
    after = rename(board(), "b", "  Funk   und Netz ")
    assert after.cluster("b").label == "Funk und Netz" and after.cluster("b").label_locked
    assert groups(after) == groups(board()) and after.moves == {}
    with pytest.raises(SteeringError, match="label_too_long"):
        rename(board(), "b", "x" * 61)
    with pytest.raises(SteeringError, match="invalid_label"):
        rename(board(), "b", "   ")


def test_pin_and_unpin():
    assert pin(board(), "a", 1).cluster("a").pinned is True
    assert pin(pin(board(), "a", True), "a", False).cluster("a").pinned is False


def test_merge_takes_the_largest_groups_place_and_name_and_holds_the_notes_by_hand():
    # from either group's menu: the 4 notes of "Online-Anträge" name what the room has read
    for keys_given in (["c", "a"], ["a", "c"]):
        after = merge(board(), keys_given)
        assert set(groups(after)) == {"b", "c", "d"} and list(groups(after)) == ["b", "c", "d"]
        assert sorted(groups(after)["c"]) == [1, 2, 3, 6, 7, 8, 9]
        assert after.moves == dict.fromkeys(groups(after)["c"], "c")
        assert after.cluster("c").label == "Online-Anträge"


def test_merge_keeps_the_name_the_facilitator_gave_then_the_first_of_equals():
    named = rename(board(), "a", "Radwege & Busse")
    after = merge(named, ["c", "a"])
    assert list(groups(after)) == ["a", "b", "d"] and after.cluster("a").label == "Radwege & Busse"
    assert sorted(merge(board(), ["b", "d", "a"]).cluster("a").note_ids) == [1, 2, 3, 4, 5, 10]
    # a single idea made by hand is label-locked to no name: that is no name to keep
    idea = Board((Cluster("s", [1, 2], "", label_locked=True), Cluster("g", [3, 4, 5], "Netz")))
    assert merge(idea, ["s", "g"]).cluster("g").label == "Netz"
    two = Board((Cluster("x", [1, 2], "Funk"), Cluster("y", [3, 4], "Netz")))
    assert [c.id for c in merge(two, ["y", "x"]).clusters] == ["y"]


@pytest.mark.parametrize("bad", [["a"], ["a", "a"], "a", None, ["a", "zz"]])
def test_a_bad_merge_is_refused(bad):
    with pytest.raises(SteeringError):
        merge(board(), bad)


def test_split_keeps_the_first_part_in_place_and_adds_the_rest_after_it():
    after = split(board(), "c", [[6, 8], [7, 9]], ["Anträge", "Termine"], keys())
    assert groups(after) == {"a": [1, 2, 3], "b": [4, 5], "c": [6, 8], "c20": [7, 9], "d": [10]}
    assert after.cluster("c20").label == "Termine"
    assert after.moves == {6: "c", 8: "c", 7: "c20", 9: "c20"}


def test_split_follows_the_group_as_it_is_now():
    """The engine ran on the group as it was; a note moved out meanwhile stays out, one that
    came in stays with the first part."""
    now = move(move(board(), 9, "a", keys()), 4, "c", keys(30))
    after = split(now, "c", [[6, 7], [8, 9]], [], keys())
    assert groups(after)["c"] == [6, 7, 4] and groups(after)["c20"] == [8]
    assert groups(after)["a"] == [1, 2, 3, 9]
    assert after.cluster("c20").label == ""


def test_split_unpins():
    assert not split(pin(board(), "c", True), "c", [[6, 7], [8, 9]], [], keys()).cluster("c").pinned


def test_split_parts_fall_back_to_halves():
    assert split_parts([1, 2, 3, 4, 5], [[1, 2, 3, 4, 5]]) == [[1, 2], [3, 4, 5]]
    assert split_parts([1, 2, 3], [[1], [2, 3]]) == [[1], [2, 3]]
    # one group found: it and the notes it leaves out
    assert split_parts([1, 2, 3, 4, 5], [[2, 4, 5]]) == [[2, 4, 5], [1, 3]]
    with pytest.raises(SteeringError, match="cannot_split"):
        split_parts([1], [])


def test_label_and_granularity_parsing():
    assert parse_label("Mobilität\n im Kreis") == "Mobilität im Kreis"
    assert parse_granularity(9) == 3 and parse_granularity(-2.4) == -2
    for bad in (True, "1", None):
        with pytest.raises(SteeringError):
            parse_granularity(bad)


def test_back_to_the_suggestion_discards_only_when_asked():
    assert parse_discard(True) is True
    assert parse_discard(False) is False and parse_discard(None) is False
    for bad in ("ja", 1, [], {}):
        with pytest.raises(SteeringError, match="invalid_discard"):
            parse_discard(bad)


def test_discarding_drops_moves_pins_and_labels_given_by_hand():
    steered = pin(pin(rename(board(), "b", "Mobilfunk"), "b", True), "c", True)
    steered = move(move(steered, 4, "a", keys()), 5, "d", keys())  # b: pinned and empty
    assert groups(steered)["b"] == []
    after = discard_changes(steered)
    assert after.moves == {}
    assert not any(c.pinned or c.label_locked for c in after.clusters)
    assert "b" not in groups(after)  # the emptied pinned group goes
    # notes put by hand go loose for the engine to place afresh; the others stay put
    assert groups(after) == {"a": [1, 2, 3], "c": [6, 7, 8, 9], "d": [10]}
    assert set(after.loose) == {4, 5}
    assert after.cluster("a").label == "Radwege"


def test_discarding_an_unsteered_board_changes_nothing():
    assert discard_changes(board()) == board()

"""The facilitator steers a station's groups: move a note, rename, pin, merge, split, fewer or
more groups, back to the suggestion. Each loads the station's board, applies the pure change
from `stations.steering` and stores what it changed (manual decisions are authoritative: a
later re-clustering never undoes them), tells the walls at once, then asks for a
re-clustering."""

from __future__ import annotations

from typing import Any

from stations import clustering as engine
from stations import steering
from stations.clustering import jobs as engine_jobs
from stations.notes import parse_id

from ..clustering.scheduler import changed
from ..clustering.store import (
    board,
    keep_vectors,
    save_board,
    save_keys,
    station_write,
    stored_keys,
    vector_of,
)
from ..clustering.worker import off_loop
from ..errors import refusing
from ..store.models import Note, Station


def _refusing(rule, *args):
    with refusing():
        return rule(*args)


def _steer(station: Station, change) -> None:
    """Load the station's board, apply one pure change (`stations.steering`), store what it
    changed, tell the walls at once and ask for a re-clustering."""
    with station_write(station.id):
        before = board(station)
        keys = stored_keys(station)
        after = _refusing(change, before, keys)
        save_board(station, before, after)
        save_keys(station, keys)
    changed(station)


def _text(station: Station, note_id: Any) -> str:
    """The note's text, to label a group made of it ("" for no such note: the move refuses)."""
    if parse_id(note_id) is None:
        return ""
    note = Note.get_or_none((Note.id == note_id) & (Note.station == station))
    return note.text if note else ""


def move_note(station: Station, note_id: Any, target: Any) -> None:
    """Put a note into another cluster ("new": a cluster of its own) for good."""
    text = _text(station, note_id) if target == steering.NEW_CLUSTER else ""
    _steer(station, lambda b, keys: steering.move(b, note_id, target, keys, text))


def rename_cluster(station: Station, key: Any, label: Any) -> None:
    _steer(station, lambda b, _keys: steering.rename(b, key, label))


def pin_cluster(station: Station, key: Any, pinned: Any) -> None:
    _steer(station, lambda b, _keys: steering.pin(b, key, pinned))


def merge_clusters(station: Station, keys: Any) -> None:
    """Merge the clusters into one (`stations.steering.merge` says which stays); all its
    notes then stay together by hand."""
    _steer(station, lambda b, _keys: steering.merge(b, keys))


def split_cluster(station: Station, key: Any) -> None:
    """Split one cluster in two parts: the engine cuts the group's own notes into two groups
    (its notes that fit neither stay with the first part; `split_parts` when it finds fewer).
    A group cut at the finest granularity fell into up to eleven pieces."""
    with station_write(station.id):
        group = _refusing(board(station).cluster, key)
        rows = list(Note.select().where(Note.id << group.note_ids).order_by(Note.id))
    notes = [engine.Note(n.id, n.text, vector_of(n.vector, n.vector_kind)) for n in rows]
    _refusing(steering.split_parts, notes, [])  # fewer than two notes: nothing to split
    fresh, found, _ = off_loop(
        engine_jobs.cluster, notes, station.workshop.language,
        groups=2, prompt=station.prompt,
    )  # fmt: skip
    found_groups = found.groups
    parts = steering.split_parts([n.id for n in notes], [list(c.note_ids) for c in found_groups])
    labels = [c.label for c in found_groups] if len(parts) == len(found_groups) else []
    with station_write(station.id):
        keep_vectors(fresh, notes)
    _steer(station, lambda b, keys: steering.split(b, key, parts, labels, keys))


def _regroup(station: Station, **hints: Any) -> None:
    """Store the facilitator's hints to the engine; the next re-clustering regroups the notes
    left to it (instead of holding them where they are), then tell the walls."""
    with station_write(station.id):
        Station.update(regroup=True, **hints).where(Station.id == station.id).execute()
    _remember(station, regroup=True, **hints)
    changed(station)


def _remember(station: Station, **values: Any) -> None:
    """What was just written, on the object the caller holds (the walls are told from it)."""
    for name, value in values.items():
        setattr(station, name, value)


def set_granularity(station: Station, value: Any) -> None:
    """A step towards fewer or more groups than the engine's default cut."""
    _regroup(station, granularity=_refusing(steering.parse_granularity, value), groups=None)


def set_groups(station: Station, value: Any) -> None:
    """ "Gruppen: N": the engine cuts its tree into exactly N groups (None: its own choice)."""
    _regroup(station, groups=_refusing(steering.parse_groups, value), granularity=0)


def set_topics(station: Station, value: Any) -> None:
    """The station's expected topics: the notes go to their nearest topic, under its name."""
    _regroup(station, topics="\n".join(_refusing(steering.parse_topics, value)))


def back_to_suggestion(station: Station, discard: Any = False) -> None:
    """Back to the suggestion: the default granularity, and the engine regroups the notes
    the facilitator left to it. With `discard`, the facilitator's own changes go too: pins,
    labels given by hand, and where notes were put by hand; those notes are placed afresh
    (`stations.steering.discard_changes`)."""
    discard = _refusing(steering.parse_discard, discard)
    with station_write(station.id):
        Station.update(granularity=0, groups=None, regroup=True).where(
            Station.id == station.id
        ).execute()
        if discard:
            before = board(station)
            after = steering.discard_changes(before)
            Note.update(cluster=None).where(Note.id << list(after.loose)).execute()
            Note.update(cluster_manual=False).where(
                (Note.station == station) & Note.cluster_manual
            ).execute()
            save_board(station, before, after)
    _remember(station, granularity=0, groups=None, regroup=True)
    changed(station)

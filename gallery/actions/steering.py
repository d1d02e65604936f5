"""The facilitator steers a station's groups: move a note, rename, pin, merge, split, fewer or
more groups. What a request means is decided by `stations.steering`; this module stores it
(manual decisions are authoritative: a later re-clustering never undoes them) and tells the
walls at once, then asks for a re-clustering."""

from __future__ import annotations

from typing import Any

from stations import clustering as engine
from stations import steering
from stations.clustering import jobs as engine_jobs
from stations.steering import SteeringError

from ..clustering.scheduler import changed
from ..clustering.store import (
    keep_vectors,
    save_keys,
    station_write,
    stored_keys,
    vector_of,
)
from ..clustering.worker import off_loop
from ..errors import Refused
from ..store.models import Cluster, Note, Station


def _cluster(station: Station, key: Any) -> Cluster:
    row = None
    if isinstance(key, str):
        row = Cluster.get_or_none((Cluster.station == station) & (Cluster.key == key))
    if row is None:
        raise Refused("cluster_not_found")
    return row


def _note(station: Station, note_id: Any) -> Note:
    row = None
    if isinstance(note_id, int) and not isinstance(note_id, bool):
        row = Note.get_or_none((Note.id == note_id) & (Note.station == station))
    if row is None:
        raise Refused("note_not_found")
    return row


def _refusing(rule, *args):
    try:
        return rule(*args)
    except SteeringError as err:
        raise Refused(err.code) from None


def _new_cluster(station: Station, label: str = "") -> Cluster:
    """Inside a write transaction."""
    last = station.clusters.order_by(Cluster.position.desc()).first()
    keys = stored_keys(station)
    key = keys()
    save_keys(station, keys)
    return Cluster.create(
        station=station,
        key=key,
        label=steering.fit_label(label),
        position=(last.position + 1) if last else 0,
    )


def move_note(station: Station, note_id: Any, target: Any) -> None:
    """Put a note into another cluster ("new": a cluster of its own) for good."""
    with station_write(station.id):
        note = _note(station, note_id)
        if target == steering.NEW_CLUSTER:
            row = _new_cluster(station, note.text[: steering.NEW_LABEL_CHARS])
        else:
            row = _cluster(station, target)
        note.cluster = row
        note.cluster_manual = True
        note.save()
    changed(station)


def rename_cluster(station: Station, key: Any, label: Any) -> None:
    label = _refusing(steering.parse_label, label)
    with station_write(station.id):
        row = _cluster(station, key)
        row.label, row.label_manual = label, True
        row.save()
    changed(station)


def pin_cluster(station: Station, key: Any, pinned: Any) -> None:
    with station_write(station.id):
        row = _cluster(station, key)
        row.pinned = bool(pinned)
        row.save()
    changed(station)


def merge_clusters(station: Station, keys: Any) -> None:
    """Merge into the first cluster; all its notes then stay together by hand."""
    keys = _refusing(steering.parse_merge, keys)
    with station_write(station.id):
        rows = [_cluster(station, k) for k in keys]
        target, others = rows[0], rows[1:]
        Note.update(cluster=target, cluster_manual=True).where(
            Note.cluster << [target.id, *[o.id for o in others]]
        ).execute()
        Cluster.delete().where(Cluster.id << [o.id for o in others]).execute()
    changed(station)


def split_cluster(station: Station, key: Any) -> None:
    """Split one cluster into finer topics (the engine at its finest granularity)."""
    with station_write(station.id):
        row = _cluster(station, key)
    notes = [
        engine.Note(n.id, n.text, vector_of(n.vector, n.vector_kind))
        for n in list(row.notes.where(Note.hidden == False).order_by(Note.id))  # noqa: E712
    ]
    _refusing(steering.split_parts, notes, [])  # fewer than two notes: nothing to split
    fresh, found, _ = off_loop(
        engine_jobs.cluster, notes, station.workshop.language,
        granularity=engine.GRANULARITY_RANGE[1], prompt=station.prompt,
    )  # fmt: skip
    by_id = {n.id: n for n in notes}
    labels = [c.label for c in found.clusters]
    parts = steering.split_parts(notes, [[by_id[i] for i in c.note_ids] for c in found.clusters])
    engine_parts = len(parts) == len(found.clusters)
    with station_write(station.id):
        keep_vectors(fresh, notes)
        Note.update(cluster_manual=True).where(Note.cluster == row).execute()
        for index, part in enumerate(parts[1:], start=1):
            new = _new_cluster(station, labels[index] if engine_parts else "")
            Note.update(cluster=new).where(Note.id << [n.id for n in part]).execute()
        row.pinned = False
        row.save()
    changed(station)


def set_granularity(station: Station, value: Any) -> None:
    value = _refusing(steering.parse_granularity, value)
    with station_write(station.id):
        Station.update(granularity=value).where(Station.id == station.id).execute()
    station.granularity = value
    changed(station)

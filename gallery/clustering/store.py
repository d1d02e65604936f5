"""A station's clustering in the database: what the engine reads, what it leaves, and the
`clusters_updated` state the walls show.

The engine is pure (`stations.clustering`); the jobs (jobs.py) load its input here and save
its output here. Manual decisions are stored with the notes and clusters: a note the
facilitator moved (`Note.cluster_manual`), a pinned cluster, a renamed cluster.
"""

from __future__ import annotations

import contextlib
from typing import Any

import numpy as np

from stations import clustering as engine
from stations import steering
from stations.clustering.jobs import KeyCounter

from ..store import queries
from ..store.db import write_transaction
from ..store.models import Cluster, Note, Station
from ..store.queries import lock_stations

EMBEDDING_ID = engine.EMBEDDING_ID

# --- wire shape ----------------------------------------------------------------------------


def clusters_state(station: Station) -> dict:
    """`clusters_updated` payload: the station's clusters in wall order, visible notes only."""
    clusters = station.ordered_clusters()
    members: dict[int, list[int]] = {c.id: [] for c in clusters}
    by_hand: dict[int, bool] = dict.fromkeys(members, False)
    notes = queries.rows("wall_memberships", station.id, False)
    unclustered = []
    for note_id, cluster_id, manual in notes:
        if cluster_id in members:
            members[cluster_id].append(note_id)
            by_hand[cluster_id] |= bool(manual)
        else:
            unclustered.append(note_id)
    return {
        "station": station.token,
        "granularity": station.granularity,
        "groups": station.groups,
        "topics": topics_of(station.topics),
        "clusters": [
            {
                "id": c.key,
                "label": c.label,
                "note_ids": members[c.id],
                "manual": c.label_manual or c.pinned or by_hand[c.id],
                "pinned": c.pinned,
                "single": len(members[c.id]) == 1 and not c.pinned,
            }
            for c in clusters
            if members[c.id] or c.pinned
        ],
        "unclustered": unclustered,
    }


def topics_of(stored: str | None) -> list[str]:
    """A station's expected topics, stored one per line."""
    return [t for t in (stored or "").split("\n") if t]


# --- engine input and output ----------------------------------------------------------------


def vector_of(blob: bytes | None, kind: str = EMBEDDING_ID) -> np.ndarray | None:
    if blob is None or kind != EMBEDDING_ID:
        return None
    return np.frombuffer(blob, dtype=np.float32)


def _note_rows(station: Station, vectors: bool) -> list[tuple]:
    """(id, text, vector kind, cluster id, moved by hand[, vector]) of the station's visible
    notes, by id: plain rows, as this runs on the event loop for every burst of new notes."""
    query = "clustering_rows_with_vectors" if vectors else "clustering_rows"
    return queries.rows(query, station.id, False)


def workshop_places(station: Station) -> frozenset[str]:
    """The villages the workshop's other stations name ("Schule in Eschenhain"): a label
    names none of them even where its own station writes one only as "Radweg Eschenhain"."""
    others = (
        Note.select(Note.text)
        .join(Station)
        .where(
            (Station.workshop == station.workshop_id)
            & (Note.station != station.id)
            & (Note.hidden == False)  # noqa: E712
        )
    )
    return engine.places_in([text for (text,) in others.tuples()], station.workshop.language)


def load(station: Station, vectors: bool = True, with_fingerprint: bool = True) -> dict[str, Any]:
    """Everything the engine needs, plus (for a re-clustering) a fingerprint of the manual
    state. Without `vectors` the stored vectors are not read: the worker process has them
    cached.

    The fingerprint is read first: the worker reads on its own connection, statement by
    statement, while the facilitator steers; a change made after it makes the result stale,
    whereas one made between the rows and a later fingerprint would have been written back
    over by the engine's result."""
    manual = fingerprint(station) if with_fingerprint else None
    rows = _note_rows(station, vectors)
    clusters = station.ordered_clusters()
    key_of = {c.id: c.key for c in clusters}
    members: dict[str, list[int]] = {c.key: [] for c in clusters}
    for note_id, _text, _kind, cluster_id, _manual, *_ in rows:
        if cluster_id in key_of:
            members[key_of[cluster_id]].append(note_id)
    previous = [
        engine.Cluster(c.key, members[c.key], c.label, c.pinned, c.label_manual)
        for c in clusters
        if members[c.key] or c.pinned
    ]
    moves = {
        note_id: key_of[cluster_id]
        for note_id, _text, _kind, cluster_id, manual, *_ in rows
        if manual and cluster_id in key_of
    }
    if manual and manual[0]:
        granularity, groups, topics, regroup, settled = manual[0][0]
    else:
        granularity, groups, topics, regroup, settled = (
            station.granularity, station.groups, station.topics, station.regroup,
            station.settled_note,
        )  # fmt: skip
    return {
        "notes": [
            engine.Note(row[0], row[1], vector_of(row[5], row[2]) if vectors else None)
            for row in rows
        ],
        # notes whose vector is not stored yet (of the current model)
        "unstored": {row[0] for row in rows if row[2] != EMBEDDING_ID},
        "previous": previous,
        "moves": moves,
        "fingerprint": manual,
        # the facilitator's hints, as of the fingerprint (a change after it makes the
        # result stale)
        "granularity": granularity,
        "groups": groups,
        "topics": topics_of(topics),
        "regroup": bool(regroup),
        # notes a full re-clustering has not seen yet (placed by the fast path meanwhile)
        "arrived": {row[0] for row in rows if row[0] > (settled or 0)},
    }


def fingerprint(station: Station) -> tuple:
    """The facilitator's decisions: if they change while the engine runs, its result is stale.
    Plain rows (read twice per re-clustering, on the event loop), compared only with each other."""
    hints = queries.rows("station_hints", station.id)
    clusters = queries.rows("steered_clusters", station.id)
    moved = queries.rows("moved_notes", station.id, True)
    return tuple(hints), tuple(clusters), tuple(moved)


def keep_vectors(fresh: dict, notes: list[engine.Note], unstored: set[int] | None = None) -> None:
    """Store new vectors (inside the caller's write transaction), each note's once, in one
    statement for the burst. A vector is kept only while its note still has the text it was
    made from (`notes`): a typo fixed meanwhile gets a vector of its own later."""
    text_of = {n.id: n.text for n in notes}
    rows = [
        (Note.vector.db_value(vector.tobytes()), EMBEDDING_ID, note_id, text_of[note_id])
        for note_id, vector in fresh.items()
        if note_id in text_of and (unstored is None or note_id in unstored)
    ]
    if rows:
        queries.execute_many("keep_vector", rows)


def save(station: Station, clusters: list[engine.Cluster], only: set[int] | None = None) -> None:
    """Store a clustering: rows by key, positions in the engine's order, memberships.

    `only`: the notes the engine saw; notes that arrived meanwhile keep their fast-path place.
    Inside the caller's write transaction. A note already where the engine puts it is not
    written again (most of them); where each note is is read here, not taken from before the
    engine ran, since another process may have saved a clustering of the station meanwhile.
    """
    cluster_of = dict(queries.rows("note_clusters", station.id))
    existing = {c.key: c for c in station.ordered_clusters()}
    keep = set()
    moves: list[tuple[int, int, int]] = []
    for position, cluster in enumerate(clusters):
        row = existing.get(cluster.id)
        if row is None:
            row = Cluster.create(station=station, key=cluster.id, position=position)
        changed = (row.label, row.pinned, row.label_manual, row.position) != (
            cluster.label,
            cluster.pinned,
            cluster.label_locked,
            position,
        )
        if changed:
            row.label = steering.fit_label(cluster.label)
            row.pinned = cluster.pinned
            row.label_manual = cluster.label_locked
            row.position = position
            row.save()
        keep.add(row.id)
        moves += [(row.id, n, station.id) for n in cluster.note_ids if cluster_of.get(n) != row.id]
    if moves:  # one statement for every note that changed cluster
        queries.execute_many("set_note_cluster", moves)
    orphans = [c.id for c in existing.values() if c.id not in keep]
    if orphans:
        late = Note.select(Note.id).where(Note.cluster << orphans)
        if only is not None:
            late = late.where(~(Note.id << list(only)))
        stranded = [n.id for n in late]
        Cluster.delete().where(Cluster.id << orphans).execute()
        if stranded:  # arrived while the engine ran and sat in a cluster that is gone now
            Note.update(cluster=None).where(Note.id << stranded).execute()


def board(station: Station) -> steering.Board:
    """The station's groups as the facilitator steers them (inside `station_write`)."""
    data = load(station, vectors=False, with_fingerprint=False)
    placed = {n for c in data["previous"] for n in c.note_ids}
    loose = tuple(n.id for n in data["notes"] if n.id not in placed)
    return steering.Board(tuple(data["previous"]), data["moves"], loose)


def save_board(station: Station, before: steering.Board, after: steering.Board) -> None:
    """Store a steered board (inside `station_write`): its clusters as `save` does, and the
    notes the facilitator placed marked so, which no re-clustering moves again."""
    seen = {n for c in before.clusters for n in c.note_ids} | set(before.loose)
    save(station, list(after.clusters), only=seen)
    placed = [n for n, key in after.moves.items() if before.moves.get(n) != key]
    if placed:
        Note.update(cluster_manual=True).where(Note.id << placed).execute()


@contextlib.contextmanager
def station_write(station_id: int):
    """A write transaction on a station's clusters. SQLite has one writer at a time (BEGIN
    IMMEDIATE); PostgreSQL lets transactions interleave, so there the station's row is locked
    first, and a job's check-then-save, the facilitator's steering and the cluster id counter
    they share take turns (under READ COMMITTED each statement after the lock sees what the
    other committed). NO KEY UPDATE lets through the KEY SHARE lock with which a phone's post
    checks its note's foreign key, so posts never wait for a job's writes."""
    with write_transaction():
        lock_stations([station_id], "NO KEY UPDATE")
        yield


def stored_keys(station: Station) -> KeyCounter:
    """Cluster ids continue from a counter kept on the station, so an id is never used
    twice, even after its cluster was merged away (walls would mix them up)."""
    ((seq,),) = queries.rows("station_cluster_seq", station.id)
    return KeyCounter(seq)


def save_keys(station: Station, keys: KeyCounter) -> None:
    """Inside the caller's write transaction."""
    queries.execute("raise_cluster_seq", keys.last, station.id, keys.last)


def settled(station: Station, notes: list[engine.Note]) -> None:
    """After a full re-clustering (inside its write transaction): its notes are seen, and a
    regroup the facilitator asked for is done."""
    last = max((n.id for n in notes), default=0)
    queries.execute("settle_station", False, max(last, station.settled_note or 0), station.id)


def wall_update(station: Station) -> dict:
    """What the walls hear after a job or the facilitator changed the station's clusters."""
    return {"workshop": station.workshop.code, "clusters": clusters_state(station)}

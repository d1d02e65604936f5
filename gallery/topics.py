"""Keeps each station's topic clusters current and lets the facilitator steer them.

A new note is placed at once into the nearest cluster (the engine's fast path), off the
request path; a full re-clustering follows, debounced per station, in the background. Manual
decisions are authoritative: a note the facilitator moved stays where it was put
(`Note.cluster_manual`), a pinned cluster keeps its members, a renamed cluster keeps its
label. The engine is pure (`stations.clustering`); this module feeds it from the models and
stores what it returns.
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from flask import Flask, current_app

from stations import clustering as engine
from stations import topic_jobs as jobs

from . import socketio
from .db import execute_many, write_transaction
from .models import Cluster, Note, Station, database, fetch_rows, lock_stations, prepared

GRANULARITY = (-3, 3)
MAX_LABEL = 60


class SteeringError(ValueError):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


# --- wire shape ----------------------------------------------------------------------------


def clusters_state(station: Station) -> dict:
    """`clusters_updated` payload: the station's clusters in wall order, visible notes only."""
    clusters = station.ordered_clusters()
    members: dict[int, list[int]] = {c.id: [] for c in clusters}
    by_hand: dict[int, bool] = dict.fromkeys(members, False)
    notes = fetch_rows(
        "wall_memberships",
        lambda: (
            Note.select(Note.id, Note.cluster, Note.cluster_manual)
            .where((Note.station == 0) & (Note.hidden == False))  # noqa: E712
            .order_by(Note.created_at, Note.id)
        ),
        (station.id, False),
    )
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


# --- engine input and output ----------------------------------------------------------------


EMBEDDING_ID = engine.EMBEDDING_ID


def _vector(blob: bytes | None, kind: str = EMBEDDING_ID) -> np.ndarray | None:
    if blob is None or kind != EMBEDDING_ID:
        return None
    return np.frombuffer(blob, dtype=np.float32)


def _note_rows(station: Station, vectors: bool) -> list[tuple]:
    """(id, text, vector kind, cluster id, moved by hand[, vector]) of the station's visible
    notes, by id: plain rows, as this runs on the event loop for every burst of new notes."""
    fields = [Note.id, Note.text, Note.vector_kind, Note.cluster, Note.cluster_manual]
    if vectors:
        fields.append(Note.vector)
    return fetch_rows(
        f"clustering_rows:{vectors}",
        lambda: (
            Note.select(*fields)
            .where((Note.station == 0) & (Note.hidden == False))  # noqa: E712
            .order_by(Note.id)
        ),
        (station.id, False),
    )


def _load(station: Station, vectors: bool = True, fingerprint: bool = True) -> dict[str, Any]:
    """Everything the engine needs, plus (for a re-clustering) a fingerprint of the manual
    state. Without `vectors` the stored vectors are not read: the worker process has them
    cached.

    The fingerprint is read first: the worker reads on its own connection, statement by
    statement, while the facilitator steers; a change made after it makes the result stale,
    whereas one made between the rows and a later fingerprint would have been written back
    over by the engine's result."""
    manual = _fingerprint(station) if fingerprint else None
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
    return {
        "notes": [
            engine.Note(row[0], row[1], _vector(row[5], row[2]) if vectors else None)
            for row in rows
        ],
        # notes whose vector is not stored yet (of the current model)
        "unstored": {row[0] for row in rows if row[2] != EMBEDDING_ID},
        "previous": previous,
        "moves": moves,
        "fingerprint": manual,
        # as of the fingerprint (a change after it makes the result stale)
        "granularity": manual[0][0][0] if manual and manual[0] else station.granularity,
    }


def _fingerprint(station: Station) -> tuple:
    """The facilitator's decisions: if they change while the engine runs, its result is stale.
    Plain rows (read twice per re-clustering, on the event loop), compared only with each other."""
    granularity = fetch_rows(
        "fingerprint_granularity",
        lambda: Station.select(Station.granularity).where(Station.id == 0),
        (station.id,),
    )
    clusters = fetch_rows(
        "fingerprint_clusters",
        lambda: (
            Cluster.select(Cluster.key, Cluster.label, Cluster.pinned, Cluster.label_manual)
            .where((Cluster.station == 0) & ((Cluster.pinned) | (Cluster.label_manual)))
            .order_by(Cluster.key)
        ),
        (station.id,),
    )
    moved = fetch_rows(
        "fingerprint_moved",
        lambda: (
            Note.select(Note.id, Note.cluster, Note.hidden)
            .where((Note.station == 0) & (Note.cluster_manual == True))  # noqa: E712
            .order_by(Note.id)
        ),
        (station.id, True),
    )
    return tuple(granularity), tuple(clusters), tuple(moved)


def _keep_vectors(fresh: dict, notes: list[engine.Note], unstored: set[int] | None = None) -> None:
    """Store new vectors (inside the caller's write transaction), each note's once: one
    statement for the burst, compiled once (peewee building an UPDATE per note held the
    event loop ~0.15 ms a note). A vector is kept only while its note still has the text it
    was made from (`notes`): a typo fixed meanwhile gets a vector of its own later."""
    text_of = {n.id: n.text for n in notes}
    rows = [
        (Note.vector.db_value(vector.tobytes()), EMBEDDING_ID, note_id, text_of[note_id])
        for note_id, vector in fresh.items()
        if note_id in text_of and (unstored is None or note_id in unstored)
    ]
    if not rows:
        return
    _, sql = prepared(
        "keep_vectors_of_text",
        lambda: Note.update(vector=b"", vector_kind="").where((Note.id == 0) & (Note.text == "")),
    )
    execute_many(sql, rows)


def _save(station: Station, clusters: list[engine.Cluster], only: set[int] | None = None) -> None:
    """Store a clustering: rows by key, positions in the engine's order, memberships.

    `only`: the notes the engine saw; notes that arrived meanwhile keep their fast-path place.
    Inside the caller's write transaction. A note already where the engine puts it is not
    written again (most of them: this runs on the event loop, and rewrote every note of the
    station); where each note is is read here, not taken from before the engine ran, since
    another process may have saved a clustering of the station meanwhile.
    """
    cluster_of = dict(
        fetch_rows(
            "note_clusters",
            lambda: Note.select(Note.id, Note.cluster).where(Note.station == 0),
            (station.id,),
        )
    )
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
            row.label = cluster.label[:80]
            row.pinned = cluster.pinned
            row.label_manual = cluster.label_locked
            row.position = position
            row.save()
        keep.add(row.id)
        moves += [(row.id, n, station.id) for n in cluster.note_ids if cluster_of.get(n) != row.id]
    if moves:  # one compiled statement for every note that changed cluster
        _, sql = prepared(
            "move_note",
            lambda: Note.update(cluster=0).where((Note.id == 0) & (Note.station == 0)),
        )
        execute_many(sql, moves)
    orphans = [c.id for c in existing.values() if c.id not in keep]
    if orphans:
        late = Note.select(Note.id).where(Note.cluster << orphans)
        if only is not None:
            late = late.where(~(Note.id << list(only)))
        stranded = [n.id for n in late]
        Cluster.delete().where(Cluster.id << orphans).execute()
        if stranded:  # arrived while the engine ran and sat in a cluster that is gone now
            Note.update(cluster=None).where(Note.id << stranded).execute()


@contextlib.contextmanager
def _station_write(station_id: int):
    """A write transaction on a station's clusters. SQLite has one writer at a time (BEGIN
    IMMEDIATE); PostgreSQL lets transactions interleave, so there the station's row is locked
    first, and a job's check-then-save, the facilitator's steering and the cluster id counter
    they share take turns (under READ COMMITTED each statement after the lock sees what the
    other committed). NO KEY UPDATE: a phone's post checks its note's foreign key with a KEY
    SHARE lock on the same row, which this one lets through (FOR UPDATE held every post of
    the station, and psycopg2's wait the whole event loop, for the job's writes)."""
    with write_transaction():
        lock_stations([station_id], "NO KEY UPDATE")
        yield


# --- the two paths ----------------------------------------------------------------------


def _keys(station: Station) -> jobs.KeyCounter:
    """Cluster ids continue from a counter kept on the station, so an id is never used
    twice, even after its cluster was merged away (walls would mix them up)."""
    (seq,) = fetch_rows(
        "cluster_seq", lambda: Station.select(Station.cluster_seq).where(Station.id == 0),
        (station.id,),
    )[0]  # fmt: skip
    return jobs.KeyCounter(seq)


def _save_keys(station: Station, keys: jobs.KeyCounter) -> None:
    """Inside the caller's write transaction."""
    _, sql = prepared(
        "save_cluster_seq",
        lambda: Station.update(cluster_seq=0).where((Station.id == 0) & (Station.cluster_seq < 0)),
    )
    database.execute_sql(sql, (keys.last, station.id, keys.last))


def _inline(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return fn(*args, **kwargs)


def _wall_update(station: Station) -> dict:
    """What the walls hear after a job changed the station's clusters."""
    return {"workshop": station.workshop.code, "clusters": clusters_state(station)}


def _place(station_id: int, run: Callable[..., Any] = _inline, vectors: bool = True):
    """Fast path: put the station's new notes (no cluster yet) into the nearest clusters.
    Returns the walls' update, or None when there was nothing to place.

    New notes are taken together (a burst of posts costs one load, one embedding call and one
    update of the walls). Without `vectors` the stored vectors are not read (the worker
    process caches them by text)."""
    station = Station.by_id(station_id)
    if station is None:
        return None
    data = _load(station, vectors=vectors, fingerprint=False)
    placed = {n for c in data["previous"] for n in c.note_ids}
    pending = [n for n in data["notes"] if n.id not in placed]
    if not pending:
        return None
    fresh, placements, keys = run(
        jobs.place, pending, data["notes"], data["previous"], station.workshop.language,
        jobs.KeyCounter(station.cluster_seq), data["unstored"],
    )  # fmt: skip
    # Other writers wait while this transaction holds SQLite's write lock (the phones' posts
    # among them), so it runs compiled statements on plain rows: 2.3 -> 0.35 ms a burst.
    with _station_write(station.id):
        _keep_vectors(fresh, data["notes"], data["unstored"])
        keys.last = max(keys.last, _keys(station).last)  # a re-clustering may have run meanwhile
        rows = {
            key: (cluster_id, position, pinned)
            for key, cluster_id, position, pinned in fetch_rows(
                "cluster_keys",
                lambda: Cluster.select(
                    Cluster.key, Cluster.id, Cluster.position, Cluster.pinned
                ).where(Cluster.station == 0),
                (station.id,),
            )
        }
        made: dict[str, int] = {}  # the job's new single clusters, by the job's key
        last = max((position for _, position, _ in rows.values()), default=-1)
        joins: list[tuple[int, int]] = []
        for note_id, placement in placements:
            if placement.cluster_id in made:  # joined a single made earlier in this burst
                cluster_id = made[placement.cluster_id]
            elif placement.cluster is None:
                if placement.cluster_id not in rows or rows[placement.cluster_id][2]:
                    # its cluster is gone, or pinned meanwhile (a pin keeps its notes as they
                    # were): the next re-clustering places the note
                    continue
                cluster_id = rows[placement.cluster_id][0]
            else:
                # a fresh key here, in the transaction: the job's own may have been taken
                last += 1
                cluster_id = Cluster.create(
                    station=station, key=keys(), label=placement.cluster.label[:80], position=last
                ).id
                made[placement.cluster_id] = cluster_id
            joins.append((cluster_id, note_id))
        if joins:
            _, sql = prepared(
                "place_note",
                lambda: Note.update(cluster=0).where((Note.id == 0) & Note.cluster.is_null()),
            )
            execute_many(sql, joins)
        _save_keys(station, keys)
    return _wall_update(station)


def _recluster(station_id: int, run: Callable[..., Any] = _inline, vectors: bool = True):
    """Full re-clustering of one station. Returns False when the facilitator changed something
    while the engine ran (the result is dropped; the caller schedules another run), True when
    the station is gone, else the walls' update."""
    station = Station.by_id(station_id)
    if station is None:
        return True
    language = station.workshop.language
    data = _load(station, vectors=vectors)
    notes = data["notes"]
    fresh, result, keys = run(
        jobs.cluster,
        notes,
        language,
        jobs.KeyCounter(station.cluster_seq),  # just read with the station
        data["unstored"],
        granularity=float(data["granularity"]),
        previous=data["previous"],
        moves=data["moves"],
        prompt=station.prompt,
    )
    with _station_write(station.id):
        _keep_vectors(fresh, notes, data["unstored"])  # kept even when the clustering is dropped
        if _fingerprint(station) != data["fingerprint"]:
            return False
        _save_keys(station, keys)
        _save(station, result.clusters, only={n.id for n in notes})
    return _wall_update(station)


def _finish(result: Any) -> bool:
    """Tell the walls what a job changed; False when its result was stale."""
    if isinstance(result, dict):
        from .realtime import broadcast_clusters_state

        broadcast_clusters_state(result["workshop"], result["clusters"])
    return result is not False


def place_pending(station_id: int, run: Callable[..., Any] | None = None) -> None:
    """The fast path here and now (tests, tools); `run` runs the engine."""
    _finish(_place(station_id, run or _inline))


def recluster(station_id: int, run: Callable[..., Any] | None = None) -> bool:
    """A full re-clustering here and now (tests, tools, the demo); False when it was stale."""
    return _finish(_recluster(station_id, run or _inline))


# --- the jobs in the worker process -----------------------------------------------------------

JOBS = {"place": _place, "recluster": _recluster}

# Steering changes per station (this process): a job's result that crossed one is rebuilt.
_steered: dict[int, int] = {}


def run_job(name: str, database_url: str, station_id: int) -> Any:
    """In the clustering worker process: the whole job (reading the station, the engine,
    writing the result, building the walls' update) on the worker's own database connection.
    The event loop only sends a station id and emits what comes back: done on the loop, the
    reads, the write transaction and the update held it 1-15 ms per run while a room posted
    (bench/README.md, Latency)."""
    from . import db

    db.attach(database_url)
    return JOBS[name](station_id, vectors=False)


def _job(name: str, station_id: int) -> Any:
    """A station's job, in the worker process when serving (gevent), inline otherwise."""
    app = current_app
    if app.config["ASYNC_MODE"] != "gevent":
        return JOBS[name](station_id)
    steered = _steered.get(station_id, 0)
    result = _off_loop(run_job, name, app.config["DATABASE_URL"], station_id)
    if isinstance(result, dict) and _steered.get(station_id, 0) != steered:
        # The facilitator changed the station meanwhile and the walls have seen that: they
        # get the station as it is now, not as the job left it.
        station = Station.by_id(station_id)
        result = _wall_update(station) if station is not None else None
    return result


# --- scheduling ------------------------------------------------------------------------------


class Scheduler:
    """Debounces a job per station: it runs `delay` seconds after the last request, or
    `max_wait` after the first, whichever comes first, but not sooner than `min_interval`
    after its previous run for the station started; never twice at once for a station.
    The job returns False to ask for another run (its result was stale). A run that fails
    (the worker process died, the database stayed busy) is tried again after each of
    `retry_delays`, so a burst's notes are not left waiting for the next post."""

    def __init__(
        self,
        job: Callable[[int], bool],
        delay: str,
        max_wait: str,
        min_interval: str = "",
        retry_delays: tuple[float, ...] = (2.0, 10.0, 30.0),
    ) -> None:
        self.job = job
        self.retry_delays = retry_delays
        self.delay_key, self.max_wait_key = delay, max_wait  # config keys
        self.min_interval_key = min_interval
        self._lock = threading.Lock()
        self._pending: dict[int, list[float]] = {}  # station id -> [first, last] request
        self._started: dict[int, float] = {}  # station id -> start of its last run
        self._failures: dict[int, int] = {}  # station id -> failed runs in a row

    def request(self, app: Flask, station_id: int) -> None:
        now = time.monotonic()
        with self._lock:
            if station_id in self._pending:
                self._pending[station_id][1] = now
                return
            self._pending[station_id] = [now, now]
        socketio.start_background_task(self._worker, app, station_id)

    def _worker(self, app: Flask, station_id: int) -> None:
        delay, max_wait = app.config[self.delay_key], app.config[self.max_wait_key]
        spacing = app.config[self.min_interval_key] if self.min_interval_key else 0.0
        while True:
            with self._lock:
                first, last = self._pending[station_id]
                previous = self._started.get(station_id, -math.inf)
            due = max(min(last + delay, first + max_wait), previous + spacing)
            wait = due - time.monotonic()
            if wait <= 0:
                break
            socketio.sleep(wait)
        with self._lock:
            del self._pending[station_id]
            self._started[station_id] = time.monotonic()
        failed = False
        with app.app_context():
            try:
                done = self.job(station_id)
            except Exception:  # a failed run must not kill the worker or the wall
                app.logger.exception("clustering station %s failed", station_id)
                failed = True
        if failed:  # outside the app context: the retry waits seconds
            self._retry(app, station_id)
            return
        self._failures.pop(station_id, None)
        if done is False:
            self.request(app, station_id)

    def _retry(self, app: Flask, station_id: int) -> None:
        with self._lock:
            failures = self._failures[station_id] = self._failures.get(station_id, 0) + 1
        if failures > len(self.retry_delays):  # given up until the station's next request
            self._failures.pop(station_id, None)
            return
        socketio.sleep(self.retry_delays[failures - 1])
        self.request(app, station_id)


_offloader = None


def _off_loop(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run a CPU-heavy job of `stations.topic_jobs` in the worker process when serving
    (gevent), so the event loop keeps its core and the GIL; inline otherwise."""
    global _offloader
    if current_app.config["ASYNC_MODE"] != "gevent":
        return fn(*args, **kwargs)
    if _offloader is None:
        from .offload import Offloader

        _offloader = Offloader()
    return _offloader.call(fn, *args, **kwargs)


def _place_then_recluster(station_id: int) -> bool:
    try:
        _finish(_job("place", station_id))
    finally:  # a failed placement (worker gone, database busy) is made up for by the next run
        reclusterer.request(current_app._get_current_object(), station_id)
    return True


# New notes are placed in bursts (a room posting at once costs one run, not one per note);
# the full re-clustering follows after a quiet moment. A failed placement is not tried again:
# the re-clustering it asks for places every note, and its retries cover both (each retry of
# both would start a fresh worker, loading the model, twice as often).
placer = Scheduler(
    _place_then_recluster, "PLACE_DELAY", "PLACE_MAX_WAIT", "PLACE_MIN_INTERVAL", retry_delays=()
)
reclusterer = Scheduler(
    lambda sid: _finish(_job("recluster", sid)), "CLUSTER_DELAY", "CLUSTER_MAX_WAIT"
)


def note_added(note: Note) -> None:
    """Called after a new note was stored and broadcast."""
    app = current_app._get_current_object()
    if app.config["CLUSTER_DELAY"] <= 0:  # tests: everything inline and deterministic
        place_pending(note.station_id)
        recluster(note.station_id)
        return
    placer.request(app, note.station_id)


def changed(station: Station) -> None:
    """After a facilitator's change: tell the wall now, re-cluster soon."""
    _steered[station.id] = _steered.get(station.id, 0) + 1
    _finish(_wall_update(station))
    app = current_app._get_current_object()
    if app.config["CLUSTER_DELAY"] <= 0:
        recluster(station.id)
    else:
        reclusterer.request(app, station.id)


def ensure_clustered(station: Station, state: dict) -> bool:
    """Notes stored without clustering (demo data, an import, a crash in between): schedule
    a run. `state` is the station's `clusters_state`. True when it ran right now (tests)."""
    if not state["unclustered"]:
        return False
    app = current_app._get_current_object()
    if app.config["CLUSTER_DELAY"] <= 0:
        return recluster(station.id)
    reclusterer.request(app, station.id)
    return False


def warm_up(app: Flask) -> None:
    """Load the embedding model before the first note arrives (it takes a moment)."""

    def load() -> None:
        with app.app_context():
            try:
                _off_loop(jobs.warm_up)
            except Exception:  # the first real job starts a fresh worker
                app.logger.exception("warming up the clustering worker failed")

    socketio.start_background_task(load)


# --- the facilitator's steering ------------------------------------------------------------


def _cluster(station: Station, key: Any) -> Cluster:
    row = None
    if isinstance(key, str):
        row = Cluster.get_or_none((Cluster.station == station) & (Cluster.key == key))
    if row is None:
        raise SteeringError("cluster_not_found")
    return row


def _note(station: Station, note_id: Any) -> Note:
    row = None
    if isinstance(note_id, int) and not isinstance(note_id, bool):
        row = Note.get_or_none((Note.id == note_id) & (Note.station == station))
    if row is None:
        raise SteeringError("note_not_found")
    return row


def _new_cluster(station: Station, label: str = "") -> Cluster:
    """Inside a write transaction."""
    last = station.clusters.order_by(Cluster.position.desc()).first()
    keys = _keys(station)
    key = keys()
    _save_keys(station, keys)
    return Cluster.create(
        station=station,
        key=key,
        label=label,
        position=(last.position + 1) if last else 0,
    )


def move_note(station: Station, note_id: Any, target: Any) -> None:
    """Put a note into another cluster ("new": a cluster of its own) for good."""
    with _station_write(station.id):
        note = _note(station, note_id)
        if target == "new":
            row = _new_cluster(station, note.text[:40])
            row.label_manual = False
            row.save()
        else:
            row = _cluster(station, target)
        note.cluster = row
        note.cluster_manual = True
        note.save()
    changed(station)


def rename_cluster(station: Station, key: Any, label: Any) -> None:
    if not isinstance(label, str) or not " ".join(label.split()):
        raise SteeringError("invalid_label")
    label = " ".join(label.split())
    if len(label) > MAX_LABEL:
        raise SteeringError("label_too_long")
    with _station_write(station.id):
        row = _cluster(station, key)
        row.label, row.label_manual = label, True
        row.save()
    changed(station)


def pin_cluster(station: Station, key: Any, pinned: Any) -> None:
    with _station_write(station.id):
        row = _cluster(station, key)
        row.pinned = bool(pinned)
        row.save()
    changed(station)


def merge_clusters(station: Station, keys: Any) -> None:
    """Merge into the first cluster; all its notes then stay together by hand."""
    if not isinstance(keys, list) or len(keys) < 2 or len(set(map(str, keys))) != len(keys):
        raise SteeringError("invalid_clusters")
    with _station_write(station.id):
        rows = [_cluster(station, k) for k in keys]
        target, others = rows[0], rows[1:]
        Note.update(cluster=target, cluster_manual=True).where(
            Note.cluster << [target.id, *[o.id for o in others]]
        ).execute()
        Cluster.delete().where(Cluster.id << [o.id for o in others]).execute()
    changed(station)


def split_cluster(station: Station, key: Any) -> None:
    """Split one cluster into finer topics (the engine at its finest granularity)."""
    with _station_write(station.id):
        row = _cluster(station, key)
    notes = [
        engine.Note(n.id, n.text, _vector(n.vector, n.vector_kind))
        for n in list(row.notes.where(Note.hidden == False).order_by(Note.id))  # noqa: E712
    ]
    if len(notes) < 2:
        raise SteeringError("cannot_split")
    language = station.workshop.language

    fresh, found, _ = _off_loop(
        jobs.cluster, notes, language, granularity=engine.GRANULARITY_RANGE[1],
        prompt=station.prompt,
    )  # fmt: skip
    parts = found.clusters
    if len(parts) < 2:  # nothing to tell apart: one note per cluster is no use either
        half = len(notes) // 2
        parts = [
            engine.Cluster("a", [n.id for n in notes[:half]]),
            engine.Cluster("b", [n.id for n in notes[half:]]),
        ]
    with _station_write(station.id):
        _keep_vectors(fresh, notes)
        Note.update(cluster_manual=True).where(Note.cluster == row).execute()
        for part in parts[1:]:
            new = _new_cluster(station, part.label)
            Note.update(cluster=new).where(Note.id << list(part.note_ids)).execute()
        row.pinned = False
        row.save()
    changed(station)


def set_granularity(station: Station, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SteeringError("invalid_granularity")
    value = int(max(GRANULARITY[0], min(GRANULARITY[1], round(value))))
    with _station_write(station.id):
        Station.update(granularity=value).where(Station.id == station.id).execute()
    station.granularity = value
    changed(station)

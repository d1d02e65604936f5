"""The two clustering jobs of a station, each read, run and saved in one go: placing new
notes into their nearest clusters (the fast path), and re-clustering the station in full.

Serving (gevent), a job runs whole in the worker process on its own database connection
(worker.py); in tests and tools it runs inline. Either way the walls hear the result once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app

from stations.clustering import jobs

from ..facts import facts
from ..store import db, queries
from ..store.models import Cluster, Station
from .store import (
    fingerprint,
    keep_vectors,
    load,
    save,
    save_keys,
    settled,
    station_write,
    stored_keys,
    wall_update,
    workshop_places,
)
from .worker import off_loop


def _inline(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return fn(*args, **kwargs)


def _place(station_id: int, run: Callable[..., Any] = _inline, vectors: bool = True):
    """Fast path: put the station's new notes (no cluster yet) into the nearest clusters.
    Returns the walls' update, or None when there was nothing to place.

    New notes are taken together (a burst of posts costs one load, one embedding call and one
    update of the walls). Without `vectors` the stored vectors are not read (the worker
    process caches them by text)."""
    station = Station.by_id(station_id)
    if station is None:
        return None
    data = load(station, vectors=vectors, with_fingerprint=False)
    placed = {n for c in data["previous"] for n in c.note_ids}
    pending = [n for n in data["notes"] if n.id not in placed]
    if not pending:
        return None
    fresh, placements, keys = run(
        jobs.place, pending, data["notes"], data["previous"], station.workshop.language,
        jobs.KeyCounter(station.cluster_seq), data["unstored"],
    )  # fmt: skip
    # Other writers wait while this transaction holds SQLite's write lock (the phones' posts
    # among them): plain rows and one statement for all the burst's notes.
    with station_write(station.id):
        keep_vectors(fresh, data["notes"], data["unstored"])
        # a re-clustering may have handed out ids meanwhile
        keys.last = max(keys.last, stored_keys(station).last)
        rows = {
            key: (cluster_id, position, pinned)
            for key, cluster_id, position, pinned in queries.rows("cluster_keys", station.id)
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
            queries.execute_many("place_note", joins)
        save_keys(station, keys)
    return wall_update(station)


def _recluster(station_id: int, run: Callable[..., Any] = _inline, vectors: bool = True):
    """Full re-clustering of one station. Returns False when the facilitator changed something
    while the engine ran (the result is dropped; the caller schedules another run), True when
    the station is gone, else the walls' update."""
    station = Station.by_id(station_id)
    if station is None:
        return True
    language = station.workshop.language
    data = load(station, vectors=vectors)
    notes = data["notes"]
    fresh, result, keys = run(
        jobs.cluster,
        notes,
        language,
        jobs.KeyCounter(station.cluster_seq),  # just read with the station
        data["unstored"],
        granularity=float(data["granularity"]),
        groups=data["groups"],
        topics=data["topics"],
        hold=not data["regroup"],
        arrived=data["arrived"],
        previous=data["previous"],
        moves=data["moves"],
        prompt=station.prompt,
        places=workshop_places(station),
    )
    with station_write(station.id):
        keep_vectors(fresh, notes, data["unstored"])  # kept even when the clustering is dropped
        if fingerprint(station) != data["fingerprint"]:
            return False
        save_keys(station, keys)
        save(station, result.clusters, only={n.id for n in notes})
        settled(station, notes)
    return wall_update(station)


def _finish(result: Any) -> bool:
    """Tell the walls what a job changed; False when its result was stale."""
    if isinstance(result, dict):
        facts().clusters_changed(result["workshop"], result["clusters"])
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


def mark_steered(station_id: int) -> None:
    """The facilitator changed the station: a job running now must not show its stale result."""
    _steered[station_id] = _steered.get(station_id, 0) + 1


def run_job(name: str, database_url: str, station_id: int) -> Any:
    """In the clustering worker process: the whole job (reading the station, the engine,
    writing the result, building the walls' update) on the worker's own database connection.
    The event loop only sends a station id and emits what comes back, so the reads and the
    write transaction never hold it."""
    db.attach(database_url)
    return JOBS[name](station_id, vectors=False)


def run(name: str, station_id: int) -> Any:
    """A station's job, in the worker process when serving (gevent), inline otherwise."""
    app = current_app
    if app.config["ASYNC_MODE"] != "gevent":
        return JOBS[name](station_id)
    steered = _steered.get(station_id, 0)
    result = off_loop(run_job, name, app.config["DATABASE_URL"], station_id)
    if isinstance(result, dict) and _steered.get(station_id, 0) != steered:
        # The facilitator changed the station meanwhile and the walls have seen that: they
        # get the station as it is now, not as the job left it.
        station = Station.by_id(station_id)
        result = wall_update(station) if station is not None else None
    return result


def run_and_tell(name: str, station_id: int) -> bool:
    """A job, then the walls told of its result; False when it was stale (run it again)."""
    return _finish(run(name, station_id))

"""When the clustering jobs run: debounced per station, in the background.

New notes are placed in bursts (a room posting at once costs one run, not one per note);
the full re-clustering follows after a quiet moment, and soon after the facilitator steered.
With CLUSTER_DELAY 0 (tests) everything runs inline, at once and deterministically.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app

from stations.clustering import jobs as engine_jobs

from ..facts import facts
from ..store.models import Note, Station
from . import jobs
from .jobs import run_and_tell
from .store import clusters_state
from .worker import off_loop


class Tasks:
    """How this process runs work beside its requests: Flask-SocketIO's way for its async
    mode (greenlets when serving), handed over by create_app; plain threads until then."""

    def __init__(self) -> None:
        self.start: Callable[..., Any] = self._thread
        self.sleep: Callable[[float], None] = time.sleep

    def use(self, start: Callable[..., Any], sleep: Callable[[float], None]) -> None:
        self.start, self.sleep = start, sleep

    @staticmethod
    def _thread(fn: Callable[..., Any], *args: Any) -> None:
        threading.Thread(target=fn, args=args, daemon=True).start()


tasks = Tasks()


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
        tasks.start(self._worker, app, station_id)

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
            tasks.sleep(wait)
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
        tasks.sleep(self.retry_delays[failures - 1])
        self.request(app, station_id)


def _place_then_recluster(station_id: int) -> bool:
    try:
        run_and_tell("place", station_id)
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
    lambda sid: run_and_tell("recluster", sid), "CLUSTER_DELAY", "CLUSTER_MAX_WAIT"
)


def note_added(note: Note) -> None:
    """After a new note was stored and announced: place it soon, off the request path."""
    app = current_app._get_current_object()
    if app.config["CLUSTER_DELAY"] <= 0:  # tests: everything inline and deterministic
        jobs.place_pending(note.station_id)
        jobs.recluster(note.station_id)
        return
    placer.request(app, note.station_id)


def changed(station: Station) -> None:
    """After a facilitator's change: tell the wall now, re-cluster soon."""
    jobs.mark_steered(station.id)
    facts().clusters_changed(station.workshop.code, clusters_state(station))
    app = current_app._get_current_object()
    if app.config["CLUSTER_DELAY"] <= 0:
        jobs.recluster(station.id)
    else:
        reclusterer.request(app, station.id)


def ensure_clustered(station: Station, state: dict) -> bool:
    """Notes stored without clustering (demo data, an import, a crash in between): schedule
    a run. `state` is the station's `clusters_state`. True when it ran right now (tests)."""
    if not state["unclustered"]:
        return False
    app = current_app._get_current_object()
    if app.config["CLUSTER_DELAY"] <= 0:
        return jobs.recluster(station.id)
    reclusterer.request(app, station.id)
    return False


def warm_up(app: Flask) -> None:
    """Load the embedding model before the first note arrives (it takes a moment)."""

    def load() -> None:
        with app.app_context():
            try:
                off_loop(engine_jobs.warm_up)
            except Exception:  # the first real job starts a fresh worker
                app.logger.exception("warming up the clustering worker failed")

    tasks.start(load)

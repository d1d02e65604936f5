"""The clustering worker process: jobs in, results out, errors reported, deaths survived."""

import os

import pytest

from gallery.clustering.worker import Offloader, WorkerError
from stations import clustering as engine
from stations.clustering import jobs


@pytest.fixture
def offloader():
    off = Offloader()
    yield off
    if off._process is not None:
        off._process.kill()


def test_a_job_runs_in_another_process(offloader):

    assert offloader.call(os.getpid) != os.getpid()
    notes = [engine.Note(1, "Rufbus per App"), engine.Note(2, "Bürgerbus per App bestellen")]
    fresh, result, keys = offloader.call(jobs.cluster, notes, "de", jobs.KeyCounter(5))
    assert sorted(n for c in result.clusters for n in c.note_ids) == [1, 2]
    assert keys.last >= 6 and all(c.id.startswith("c") for c in result.clusters)


def test_errors_come_back_and_the_worker_keeps_serving(offloader):
    with pytest.raises(WorkerError, match="ZeroDivisionError"):
        offloader.call(divmod, 1, 0)
    assert offloader.call(divmod, 7, 2) == (3, 1)


def test_a_dead_worker_is_replaced(offloader):

    first = offloader.call(os.getpid)
    offloader._process.kill()
    offloader._process.wait()
    assert offloader.call(os.getpid) != first


def test_a_stations_job_runs_in_the_worker_on_its_own_connection(app, workshop, offloader):
    """Serving, placement and re-clustering run whole in the worker (read, engine, write, the
    walls' update); the event loop only sends the station id and emits the result."""
    from gallery.clustering import jobs
    from gallery.clustering import store as cstore
    from gallery.store.models import Note
    from stations.notes import NoteIn

    ws, _, (station, _) = workshop
    texts = ["Rufbus per App bestellen", "Carsharing im Dorf", "Smart Meter für alle",
             "Bürgerbus per App", "PV auf Gewerbedächern"]  # fmt: skip
    with app.app_context():
        ids = [Note.store(station, NoteIn(t, f"w-{i}"))[0].id for i, t in enumerate(texts)]
        url = app.config["DATABASE_URL"]
        placed = offloader.call(jobs.run_job, "place", url, station.id)
        # written by the worker into the database file this process reads
        assert placed == {"workshop": ws.code, "clusters": cstore.clusters_state(station)}
        state = placed["clusters"]
        assert sorted(n for c in state["clusters"] for n in c["note_ids"]) == sorted(ids)
        assert state["unclustered"] == []
        assert offloader.call(jobs.run_job, "place", url, station.id) is None  # nothing new
        again = offloader.call(jobs.run_job, "recluster", url, station.id)
        assert again["clusters"] == cstore.clusters_state(station)
        assert offloader.call(os.getpid) != os.getpid()

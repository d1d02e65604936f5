"""The clustering worker process: jobs in, results out, errors reported, deaths survived."""

import pytest

from gallery.offload import Offloader, WorkerError
from stations import clustering as engine
from stations import topic_jobs as jobs


@pytest.fixture
def offloader():
    off = Offloader()
    yield off
    if off._process is not None:
        off._process.kill()


def test_a_job_runs_in_another_process(offloader):
    import os

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
    import os

    first = offloader.call(os.getpid)
    offloader._process.kill()
    offloader._process.wait()
    assert offloader.call(os.getpid) != first

"""The event loop's hot paths take shortcuts past peewee (SQL compiled once, only changed rows
written): they must store and read exactly what the plain peewee calls would."""

from __future__ import annotations

import time

import pytest

from gallery.actions import steering
from gallery.clustering import jobs, scheduler
from gallery.clustering import store as cstore
from gallery.store import models
from gallery.store.models import Note, database
from stations.notes import NoteIn

TEXTS = [
    "Rufbus per App bestellen",
    "Carsharing im ländlichen Raum",
    "E-Bike-Verleih an Bahnhöfen",
    "Smart Meter für alle Haushalte",
    "PV-Anlagen auf Gewerbedächern vermitteln",
    "intelligente Stromnetze für Solar vom Dach",
]

# every column but the id and the moment of writing
COMPARED = [f.name for f in Note._meta.sorted_fields if f.name not in ("id", "created_at")]


def test_a_stored_note_equals_one_peewee_would_create(app, workshop):
    _, _, (station, other) = workshop
    with app.app_context():
        fast, created = Note.store(station, NoteIn("Glasfaser bis ins Dorf", "hp-1", "Eva"), "p1")
        assert created
        plain = Note.create(station=other, text="Glasfaser bis ins Dorf", author="Eva",
                            client_id="hp-1", participant="p1", source="phone")  # fmt: skip
        a, b = Note.get_by_id(fast.id), Note.get_by_id(plain.id)
        assert fast.id == a.id and fast.id != b.id
        assert {k: getattr(a, k) for k in COMPARED} == {
            **{k: getattr(b, k) for k in COMPARED},
            "station": station,
        }
        assert a.created_at is not None and a.created_at == fast.created_at
        # the returned object is what the ack and the broadcast are built from
        assert fast.to_dict(station.token) == a.to_dict(station.token)
        # a resend finds it, through the same compiled lookup
        again, created = Note.store(station, NoteIn("Glasfaser bis ins Dorf", "hp-1", "Eva"))
        assert not created and again.id == fast.id
        assert Note.count_at(station) == 1


@pytest.fixture
def statements(monkeypatch):
    """Every SQL statement run from now on."""
    seen: list[str] = []
    original = database.execute_sql

    def spy(sql, params=None, *args, **kwargs):
        seen.append(sql)
        return original(sql, params, *args, **kwargs)

    monkeypatch.setattr(database.obj, "execute_sql", spy)
    return seen


def test_a_reclustering_that_changes_nothing_writes_no_note(app, workshop, statements):
    _, _, (station, _) = workshop
    with app.app_context():
        for i, text in enumerate(TEXTS):
            Note.store(station, NoteIn(text, f"hp-{i}"))
        assert jobs.recluster(station.id)
        before = cstore.clusters_state(station)
        statements.clear()
        assert jobs.recluster(station.id)
        assert cstore.clusters_state(station) == before
        writes = [s for s in statements if s.lstrip().upper().startswith('UPDATE "NOTE"')]
        assert writes == []
        # moving a note by hand makes the next run write again only what it must
        note_ids = before["clusters"][0]["note_ids"]
        target = before["clusters"][-1]["id"]
        steering.move_note(station, note_ids[0], target)
        assert note_ids[0] in next(
            c["note_ids"] for c in cstore.clusters_state(station)["clusters"] if c["id"] == target
        )


def test_a_station_by_token_equals_the_peewee_join(app, workshop):
    from gallery.store.models import Station, Workshop

    _, _, (station, _) = workshop
    with app.app_context():
        Station.update(locked=True, granularity=-2).where(Station.id == station.id).execute()
        fast = Station.by_token(station.token)
        plain = (
            Station.select(Station, Workshop).join(Workshop).where(Station.token == station.token)
        ).get()
        assert fast.__data__ == plain.__data__ and fast.locked is True
        assert fast.workshop.__data__ == plain.workshop.__data__
        assert not fast._dirty and not fast.workshop._dirty  # a later save() writes nothing
        assert Station.by_token("no-such-token") is None and Station.by_token(None) is None


def test_a_clustering_saved_by_another_process_meanwhile_is_overwritten_whole(app, workshop):
    """Each process re-clusters on its own (PostgreSQL, several processes): when another one
    saves while this one's engine runs, this result is still stored whole, note by note,
    not only where it differs from what was read before the engine ran."""
    from gallery.store.db import write_transaction
    from gallery.store.models import Cluster, Station
    from stations import clustering as engine

    _, _, (station, _) = workshop
    with app.app_context():
        n1, n2, n3 = (Note.store(station, NoteIn(t, f"two-{t}"))[0].id for t in "abc")
        first = Cluster.create(station=station, key="c1", position=0)
        second = Cluster.create(station=station, key="c2", position=1)
        Note.update(cluster=first).where(Note.id << [n1, n2]).execute()
        Note.update(cluster=second).where(Note.id == n3).execute()
        Station.update(cluster_seq=2).where(Station.id == station.id).execute()

        def engine_while_another_process_saves(fn, notes, language, keys, unstored, **options):
            with write_transaction():
                cstore.save(
                    Station.get_by_id(station.id),
                    [engine.Cluster("c1", [n1]), engine.Cluster("c3", [n2, n3])],
                    only={n1, n2, n3},
                )
            ours = [engine.Cluster("c1", [n1, n2]), engine.Cluster("c2", [n3])]
            return {}, engine.Clustering(ours, "de"), keys

        assert jobs.recluster(station.id, run=engine_while_another_process_saves)
        state = cstore.clusters_state(station)
        assert {c["id"]: c["note_ids"] for c in state["clusters"]} == {"c1": [n1, n2], "c2": [n3]}
        assert state["unclustered"] == []


def test_placements_of_a_busy_station_are_spaced(app):
    """A room that keeps posting: a station's placement runs at most once per
    PLACE_MIN_INTERVAL (each reads the whole station on the event loop), while the first
    note of a quiet station is placed after PLACE_DELAY."""
    import threading
    import time

    runs: list[float] = []
    done = threading.Event()

    def job(station_id):
        runs.append(time.monotonic())
        if len(runs) == 2:
            done.set()
        return True

    app.config.update(PLACE_DELAY=0.01, PLACE_MAX_WAIT=0.02, PLACE_MIN_INTERVAL=0.4)
    sched = scheduler.Scheduler(job, "PLACE_DELAY", "PLACE_MAX_WAIT", "PLACE_MIN_INTERVAL")
    sched.request(app, 7)
    while not runs:
        time.sleep(0.005)
    sched.request(app, 7)  # right after the first run started
    assert done.wait(10)
    # a lower bound only: a slow machine may start it later, never sooner
    assert runs[1] - runs[0] >= 0.4


def test_serving_checkpoints_the_log_off_the_event_loop(tmp_path):
    """Served under gevent, no commit copies the write-ahead log into the database (SQLite
    does that in the commit crossing 1,000 pages, on the event loop); the checkpointer's
    native thread does, and the data is all there afterwards."""
    import sqlite3

    import gevent

    from gallery.store import db

    path = tmp_path / "served.db"
    served = db.open_database(f"sqlite:///{path}", shared_connection=True)
    try:
        assert served.execute_sql("PRAGMA wal_autocheckpoint").fetchone()[0] == 0
        served.execute_sql("CREATE TABLE t (x TEXT)")
        for _ in range(60):  # ~1,500 pages of log, past SQLite's automatic checkpoint
            with served.atomic():
                served.execute_sql("INSERT INTO t VALUES (?)", ("x" * 100_000,))
        wal = path.with_name("served.db-wal")
        assert wal.stat().st_size > 4_000_000
        assert path.stat().st_size < 100_000  # nothing copied yet: no commit checkpointed
        checkpointer = db.start_checkpointer(interval=0.05)
        try:
            deadline = time.monotonic() + 10
            while path.stat().st_size < 5_000_000 and time.monotonic() < deadline:
                gevent.sleep(0.05)
        finally:
            checkpointer.kill()
        assert path.stat().st_size > 5_000_000
        other = sqlite3.connect(path)
        assert other.execute("SELECT count(*) FROM t").fetchone()[0] == 60
        other.close()
    finally:
        served.close()


@pytest.mark.parametrize("kind", ["transaction", "statement"])
def test_a_write_waits_for_another_process_beside_the_event_loop(tmp_path, kind):
    """Served under gevent, the clustering worker process writes to the same SQLite file.
    A write of the event loop (a transaction, or one statement such as a note's INSERT) that
    finds the write lock taken waits in its greenlet: the other greenlets keep running
    meanwhile, and the write goes through."""
    import sqlite3

    import gevent

    from gallery.store import db

    path = tmp_path / "served.db"
    served = db.open_database(f"sqlite:///{path}", shared_connection=True)
    try:
        served.execute_sql("CREATE TABLE t (x TEXT)")
        db.wait_beside_the_loop()
        worker = sqlite3.connect(path, isolation_level=None)
        worker.execute("BEGIN IMMEDIATE")  # the worker holds the write lock
        ticks = []

        def other_greenlet():
            for _ in range(20):
                ticks.append(time.monotonic())
                gevent.sleep(0.005)

        def write():
            if kind == "statement":
                assert db.write_statement("INSERT INTO t VALUES ('from the loop')", ()) == []
            else:
                with db.write_transaction():
                    served.execute_sql("INSERT INTO t VALUES ('from the loop')")
            return time.monotonic()

        ticker = gevent.spawn(other_greenlet)
        writer = gevent.spawn(write)
        deadline = time.monotonic() + 5  # a slow, shared machine: wait for the ticks
        while len(ticks) < 5 and time.monotonic() < deadline:
            gevent.sleep(0.005)
        assert not writer.ready() and len(ticks) >= 5  # waiting, and not holding the loop
        worker.execute("INSERT INTO t VALUES ('from the worker')")
        worker.execute("COMMIT")
        written_at = writer.get(timeout=5)
        ticker.join()
        assert written_at - ticks[0] < 1
        assert [r[0] for r in served.execute_sql("SELECT x FROM t ORDER BY rowid")] == [
            "from the worker",
            "from the loop",
        ]
        # other statements still wait out a short lock as before
        assert served.execute_sql("PRAGMA busy_timeout").fetchone()[0] == db.BUSY_TIMEOUT_MS
    finally:
        db.close()
        db.open_database(f"sqlite:///{path}", shared_connection=False)  # the flag is reset
        assert db.write_transaction().__class__.__name__ != "_GeneratorContextManager"
        db.close()


def test_the_running_note_count_follows_the_exact_one(app, workshop):
    """Note.count_seen adds the visible notes stored since the last exact count (the cap
    counts only what is shown) and counts exactly again once that count is RECOUNT_SECONDS
    old."""
    _, _, (a, b) = workshop
    with app.app_context():
        assert (Note.count_seen(a), Note.count_seen(b)) == (0, 0)  # exact: nothing known yet
        for k in range(6):
            note, _ = Note.store(a if k % 3 else b, NoteIn(f"Idee {k}", f"hp-{k}"), "p1")
            if k == 2:
                Note.update(hidden=True).where(Note.id == note.id).execute()
            seen = Note.count_seen(a), Note.count_seen(b)
            assert (
                seen
                == (Note.count_at(a), Note.count_at(b))
                == (k + 1 - (k + 3) // 3 - (k >= 2), (k + 3) // 3)
            )
        # it builds on its last count: a wrong one stays until the next exact count
        count, newest, at = models._counted[a.token]
        models._counted[a.token] = (count + 100, newest, at)
        Note.store(a, NoteIn("Noch eine", "hp-later"), "p1")
        assert Note.count_seen(a) == 104
        models._counted[a.token] = (count + 100, newest, at - models.RECOUNT_SECONDS - 1)
        assert Note.count_seen(a) == 4 == Note.count_at(a)

"""The same core flow on PostgreSQL (the database for several processes)."""

import secrets

import pytest

from tests.support import PG, pg_admin


@pytest.fixture
def pg_url():
    admin = pg_admin()
    name = "gallery_test_" + secrets.token_hex(4)
    with admin.cursor() as cur:
        cur.execute(f"CREATE DATABASE {name}")
    yield PG.rsplit("/", 1)[0] + "/" + name
    from gallery.store import db

    db.close()
    with admin.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin.close()


def test_notes_once_and_clusters_on_postgres(pg_url, tmp_path):
    from gallery import create_app, socketio
    from gallery.clustering import store as cstore
    from gallery.store.models import Note, Station

    app = create_app(
        {
            "DATABASE": pg_url,
            "ASYNC_MODE": "threading",
            "SECRET_KEY": "t",
            "INSTANCE_PATH": str(tmp_path),
            "CLUSTER_DELAY": 0,
        }
    )
    app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    client = app.test_client()
    created = client.post(
        "/new",
        data={
            "title": "PG",
            "station_title": ["Mobilität"],
            "station_prompt": ["Wie kommen wir hin?"],
        },
    )
    assert created.status_code == 303
    station = Station.get()
    url = f"/api/v1/stations/{station.token}/notes"
    texts = ["Rufbus per App", "Carsharing auf dem Land", "Rufbus am Wochenende"]
    for i, text in enumerate(texts):
        assert client.post(url, json={"text": text, "client_id": f"pg-{i:06d}"}).status_code == 201
    again = client.post(url, json={"text": "anders", "client_id": "pg-000000"})
    assert again.status_code == 200 and again.get_json()["note"]["text"] == texts[0]
    assert Note.select().count() == 3
    state = cstore.clusters_state(station)
    assert sorted(n for c in state["clusters"] for n in c["note_ids"]) == sorted(
        n.id for n in Note.select()
    )
    wall = socketio.test_client(app, flask_test_client=client)
    ws = station.workshop
    client.get(f"/w/{ws.code}")  # not logged in: no key in the session
    ack = wall.emit("split_cluster", {"station": station.token, "cluster": "c1"}, callback=True)
    assert ack["error"]["code"] == "forbidden"


def test_writes_to_a_stations_clusters_take_turns_on_postgres(pg_url, tmp_path):
    """PostgreSQL lets transactions interleave. A clustering job's check-then-save and the
    facilitator's steering (and the cluster id counter they share) lock the station's row
    first, so the second waits until the first has committed; deleting the station waits too,
    locking the row before the notes as the job does (a recursive delete goes notes first and
    deadlocked with a job). A phone's post does not wait: its foreign
    key check passes the job's lock (a waiting post would hold the whole event loop)."""
    import threading
    import time

    from gallery import create_app
    from gallery.actions.workshops import create_workshop
    from gallery.clustering import store as cstore
    from gallery.store.db import write_transaction
    from gallery.store.models import Note
    from stations.notes import NoteIn

    create_app(
        {"DATABASE": pg_url, "ASYNC_MODE": "threading", "SECRET_KEY": "t",
         "INSTANCE_PATH": str(tmp_path), "CLUSTER_DELAY": 0}
    )  # fmt: skip
    ws, _ = create_workshop("PG", "de", [("Mobilität", "Wie?")])
    station = ws.ordered_stations()[0]
    earlier, _ = Note.store(station, NoteIn("Carsharing auf dem Land", "pg-earlier-01"))
    holding, times, errors = threading.Event(), {}, []

    def job():  # locks the station, then writes one of its notes (as _keep_vectors does)
        with cstore.station_write(station.id):
            holding.set()
            time.sleep(0.5)
            Note.update(vector_kind="").where(Note.id == earlier.id).execute()
            times["job_done"] = time.monotonic()

    def steer():
        holding.wait(5)
        with cstore.station_write(station.id):
            times["steering_in"] = time.monotonic()

    def post():
        holding.wait(5)
        Note.store(station, NoteIn("Rufbus per App", "pg-post-0001"))
        times["posted"] = time.monotonic()

    def delete():
        holding.wait(5)
        with write_transaction():
            station.delete_instance(recursive=True)
            times["delete_in"] = time.monotonic()

    def recording(fn):
        def run():
            try:
                fn()
            except Exception as err:  # a deadlock aborts one side
                errors.append(err)

        return run

    threads = [threading.Thread(target=recording(f)) for f in (job, steer, post, delete)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert errors == []
    assert times["posted"] < times["job_done"]
    assert times["steering_in"] >= times["job_done"]
    assert times["delete_in"] >= times["job_done"]


def test_a_database_from_before_the_place_is_migrated_on_postgres(pg_url, tmp_path):
    """v5 adds `workshop.place` on PostgreSQL as on SQLite: old workshops get none ("")."""
    from gallery import create_app
    from gallery.actions.workshops import create_workshop
    from gallery.store import db
    from gallery.store.models import SchemaVersion, Workshop
    from gallery.store.schema import MIGRATIONS

    config = {"DATABASE": pg_url, "ASYNC_MODE": "threading", "SECRET_KEY": "t",
              "INSTANCE_PATH": str(tmp_path)}  # fmt: skip
    create_app(config)
    create_workshop("Alt", "de", [("Eins", "")], place="weg")
    database = db.database.obj
    database.execute_sql("ALTER TABLE workshop DROP COLUMN place")
    database.execute_sql("ALTER TABLE workshop DROP COLUMN timezone")  # v6, after the place
    database.execute_sql("UPDATE schemaversion SET version = 4")
    db.close()
    create_app(config)
    assert SchemaVersion.get().version == len(MIGRATIONS) == 6
    assert Workshop.get().title == "Alt" and Workshop.get().place == ""


def test_a_database_from_before_the_time_zone_is_migrated_on_postgres(pg_url, tmp_path):
    """v6 adds `workshop.timezone` on PostgreSQL as on SQLite: old workshops keep the
    server's zone ("")."""
    from gallery import create_app
    from gallery.actions.workshops import create_workshop
    from gallery.store import db
    from gallery.store.models import SchemaVersion, Workshop
    from gallery.store.schema import MIGRATIONS

    config = {"DATABASE": pg_url, "ASYNC_MODE": "threading", "SECRET_KEY": "t",
              "INSTANCE_PATH": str(tmp_path)}  # fmt: skip
    create_app(config)
    create_workshop("Alt", "de", [("Eins", "")], place="Rathaus", timezone="Asia/Tokyo")
    database = db.database.obj
    database.execute_sql("ALTER TABLE workshop DROP COLUMN timezone")
    database.execute_sql("UPDATE schemaversion SET version = 5")
    db.close()
    create_app(config)
    assert SchemaVersion.get().version == len(MIGRATIONS) == 6
    workshop = Workshop.get()
    assert (workshop.title, workshop.place, workshop.timezone) == ("Alt", "Rathaus", "")

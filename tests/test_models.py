"""Models, schema, storing notes exactly once."""

import peewee
import pytest

from gallery.store import db, schema
from gallery.store.models import CODE_ALPHABET, Note, SchemaVersion, Station, Workshop, hash_key
from stations.notes import NoteIn


def test_schema_and_pragmas(app):
    with app.app_context():
        conn = db.database.obj
        assert conn.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
        assert conn.execute_sql("PRAGMA busy_timeout").fetchone()[0] == 5000
        assert SchemaVersion.select().count() == 1
        assert schema.migrate() == SchemaVersion.get().version  # idempotent


def test_workshop_key_is_stored_hashed(workshop):
    ws, key, _ = workshop
    assert ws.key_hash == hash_key(key) and key not in ws.key_hash
    assert ws.check_key(key)
    assert not ws.check_key("wrong")
    assert not ws.check_key(None)
    assert not ws.check_key(123)


def test_codes_and_tokens(workshop):
    ws, _, stations = workshop
    assert len(ws.code) == 5 and set(ws.code) <= set(CODE_ALPHABET)
    assert len({s.token for s in stations}) == 2
    assert all(len(s.token) >= 16 for s in stations)
    assert [s.short_code for s in stations] == [f"{ws.code}-1", f"{ws.code}-2"]


def test_note_stored_once_per_client_id(app, workshop):
    _, _, (s1, s2) = workshop
    with app.app_context():
        first, created = Note.store(s1, NoteIn("Glasfaser", "client-0001"), "p1")
        again, created_again = Note.store(s1, NoteIn("anderer Text", "client-0001"), "p1")
        assert created and not created_again
        assert again.id == first.id and again.text == "Glasfaser"
        # client ids are unique per station, not globally
        other, created_other = Note.store(s2, NoteIn("Glasfaser", "client-0001"), "p1")
        assert created_other and other.id != first.id
        assert Note.select().count() == 2


def test_unique_index_backs_the_rule(app, workshop):
    _, _, (s1, _) = workshop
    with app.app_context():
        Note.create(station=s1, text="a", client_id="dup-00001")
        with pytest.raises(peewee.IntegrityError):
            Note.create(station=s1, text="b", client_id="dup-00001")


def test_to_dict_wire_shape(app, workshop):
    _, _, (s1, _) = workshop
    with app.app_context():
        note, _ = Note.store(s1, NoteIn("Text", "client-0002", "Anna"), "p")
        wire = note.to_dict()
        assert set(wire) == {
            "id", "station", "text", "author", "client_id", "created_at", "edited", "paper"
        }  # fmt: skip
        assert wire["station"] == s1.token and wire["created_at"].endswith("Z")
        assert "participant" not in wire


def test_deleting_a_workshop_cascades(app, workshop):
    ws, _, (s1, _) = workshop
    with app.app_context():
        Note.store(s1, NoteIn("Text", "client-0003"), "p")
        Workshop.get_by_id(ws.id).delete_instance(recursive=True)
        assert Station.select().count() == 0 and Note.select().count() == 0


def test_database_url_resolution(tmp_path):
    assert db.resolve_url("", str(tmp_path)) == f"sqlite:///{tmp_path}/gallery.db"
    assert db.resolve_url("postgresql://u@h/d", "x") == "postgresql://u@h/d"
    assert db.resolve_url(str(tmp_path / "a.db"), "x") == f"sqlite:///{tmp_path}/a.db"


def test_start_up_beside_a_busy_writer(app, tmp_path):
    """Another process committing all the time (a running server) must never make start-up
    (the schema check) fail with "database is locked"."""
    import sqlite3
    import threading
    import time

    from gallery import create_app

    path = app.config["DATABASE_URL"].split("///", 1)[1]
    stop = threading.Event()

    def writer():
        conn = sqlite3.connect(path, isolation_level=None, timeout=10)
        conn.execute("CREATE TABLE IF NOT EXISTS busy (x)")
        while not stop.is_set():  # a busy server: a commit every millisecond
            conn.execute("INSERT INTO busy VALUES (1)")
            time.sleep(0.001)
        conn.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        deadline = time.monotonic() + 3
        starts = 0
        while time.monotonic() < deadline or starts < 5:
            create_app(
                {
                    "DATABASE": path,
                    "INSTANCE_PATH": str(tmp_path / "i"),
                    "SECRET_KEY": "t",
                    "ASYNC_MODE": "threading",
                }
            )
            starts += 1
    finally:
        stop.set()
        thread.join()

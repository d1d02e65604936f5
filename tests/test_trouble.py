"""Honest errors (issue 20): a full disk or a held database lock reaches phones as a
retryable refusal (the outbox sends again), walls as a warning, the log as advice."""

from __future__ import annotations

import logging
import sqlite3
import uuid

import peewee
import pytest

from gallery import socketio, trouble
from gallery.store.models import Note
from tests.test_limits import note


@pytest.fixture
def failing(monkeypatch):
    """Note.store fails as the database would, with the message given."""
    monkeypatch.setattr(trouble, "_last", {})
    monkeypatch.setattr(trouble, "_since", {})

    def fail_with(text: str) -> None:
        def store(*args, **kwargs):
            raise peewee.OperationalError(text)

        monkeypatch.setattr(Note, "store", store)

    return fail_with


def test_what_counts_as_passing_trouble():
    assert trouble.classify(peewee.OperationalError("database or disk is full")) == "storage_full"
    assert trouble.classify(sqlite3.OperationalError("database is locked")) == "storage_busy"
    postgres = peewee.OperationalError("could not extend file: No space left on device")
    assert trouble.classify(postgres) == "storage_full"
    assert trouble.classify(peewee.IntegrityError("UNIQUE constraint failed")) is None
    assert trouble.classify(ValueError("database is locked")) is None


def test_a_full_disk_is_a_retryable_refusal_everywhere(app, client, workshop, failing, caplog):
    ws, key, (s1, _) = workshop
    caplog.set_level(logging.ERROR, logger=app.logger.name)
    wall = socketio.test_client(app, flask_test_client=app.test_client())
    assert wall.emit("join_wall", {"workshop": ws.code, "key": key}, callback=True)["ok"]
    wall.get_received()
    client.get(f"/s/{s1.token}")
    phone = socketio.test_client(app, flask_test_client=client)
    phone.emit("join_station", {"station": s1.token}, callback=True)
    failing("database or disk is full")

    ack = phone.emit("post_note", {"station": s1.token, **note()}, callback=True)
    assert ack["ok"] is False and ack["error"]["code"] == "storage_full"
    assert ack["error"]["retry_after"] == 30 and "Bescheid" in ack["error"]["message"]
    (warning,) = [m["args"][0] for m in wall.get_received() if m["name"] == "server_trouble"]
    assert warning["code"] == "storage_full" and "disk is full" in warning["messages"]["en"]

    answer = client.post(f"/api/v1/stations/{s1.token}/notes", json=note())
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "30"
    assert answer.get_json()["error"]["code"] == "storage_full"
    form = client.post(f"/s/{s1.token}", data={"text": "Idee", "client_id": uuid.uuid4().hex})
    assert form.status_code == 503 and "Speicher ist voll" in form.get_data(as_text=True)

    logged = [r.getMessage() for r in caplog.records]
    assert len(logged) == 1 and "free space" in logged[0]  # once in ten seconds, with advice
    assert not any(r.exc_info for r in caplog.records)
    assert [m for m in wall.get_received() if m["name"] == "server_trouble"] == []  # not again
    phone.disconnect()
    wall.disconnect()


def test_a_held_lock_says_busy(app, client, workshop, failing):
    _, _, (s1, _) = workshop
    failing("database is locked")
    answer = client.post(f"/api/v1/stations/{s1.token}/notes", json=note())
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "5"
    assert answer.get_json()["error"]["code"] == "storage_busy"

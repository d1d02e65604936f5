"""Fixtures: an app on a temporary SQLite file (never :memory:, which dies with its
connection), its HTTP client, the CLI runner, Socket.IO test clients, and a workshop."""

from __future__ import annotations

import pytest

from gallery import create_app, socketio
from gallery.actions.workshops import create_workshop
from gallery.store import db
from tests.support import SHARED, app_config, need


@pytest.fixture
def app(tmp_path):
    app = create_app(app_config(tmp_path))
    app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    yield app
    db.close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def workshop(app):
    """A German workshop with two stations; yields (workshop, key, [station, station])."""
    with app.app_context():
        ws, key = create_workshop(
            "Digital-Gipfel",
            "de",
            [("Breitband", "Was kommt danach?"), ("Verwaltung", "Was soll online gehen?")],
        )
        stations = list(ws.ordered_stations())
    return ws, key, stations


@pytest.fixture
def sio(app, client):
    """Factory for Socket.IO test clients that share the HTTP client's cookies (pass another
    `flask_test_client` for another person)."""
    clients = []

    def make(**kwargs):
        kwargs.setdefault("flask_test_client", client)
        c = socketio.test_client(app, **kwargs)
        clients.append(c)
        return c

    yield make
    for c in clients:
        if c.is_connected():
            c.disconnect()


@pytest.fixture
def shared_dir():
    need(SHARED.is_dir(), f"../shared is missing ({SHARED})")
    return SHARED


@pytest.fixture
def wall(sio, workshop):
    """A facilitator's wall joined to the workshop (a Socket.IO test client)."""
    ws, key, _ = workshop
    wall = sio()
    ack = wall.emit("join_wall", {"workshop": ws.code, "key": key}, callback=True)
    assert ack["ok"]
    return wall

"""gallery/adapters.py leans on other libraries' internals; these tests fail loudly, with the
name of what moved, when an upgrade changes one of them (pyproject.toml pins the ranges)."""

from __future__ import annotations

import inspect

import flask
import flask_socketio
import peewee
from flask.ctx import RequestContext

from gallery import adapters, socketio

# --- peewee ----------------------------------------------------------------------------------

made = []


class Thing(peewee.Model):
    name = peewee.CharField()
    stamp = peewee.IntegerField(default=lambda: made.append(1) or len(made))
    size = peewee.IntegerField(null=True)

    class Meta:
        database = peewee.SqliteDatabase(":memory:")


def test_peewee_builds_a_row_without_defaults_and_nothing_dirty():
    made.clear()
    fields = [Thing.id, Thing.name, Thing.stamp, Thing.size]
    thing = adapters.model_from_row(Thing, fields, [7, "Bus", 3, None])
    assert made == [], "peewee's __no_default__ no longer skips callable defaults"
    assert (thing.id, thing.name, thing.stamp, thing.size) == (7, "Bus", 3, None)
    assert not thing.is_dirty(), "peewee's _dirty no longer holds the changed fields"
    assert hasattr(thing, "_dirty") and isinstance(thing._dirty, set)


def test_peewee_attach_marks_nothing_changed():
    class Owner(peewee.Model):
        class Meta:
            database = Thing._meta.database

    class Owned(peewee.Model):
        owner = peewee.ForeignKeyField(Owner)

        class Meta:
            database = Thing._meta.database

    owned = adapters.model_from_row(Owned, [Owned.id, Owned.owner], [1, 2])
    owner = adapters.model_from_row(Owner, [Owner.id], [2])
    adapters.attach(owned, "owner", owner)
    assert owned.owner is owner and not owned.is_dirty()


# --- Flask and Flask-SocketIO ----------------------------------------------------------------


def test_flask_still_has_the_hooks_the_event_context_overrides():
    assert flask.Flask.request_context is not None
    assert list(inspect.signature(flask.Flask.request_context).parameters) == ["self", "environ"]
    assert list(inspect.signature(flask.Flask.create_url_adapter).parameters) == [
        "self", "request",
    ]  # fmt: skip
    assert "session" in inspect.signature(RequestContext.__init__).parameters
    assert callable(RequestContext.match_request)


def test_flask_socketio_keeps_the_connection_session_where_the_adapter_looks():
    source = inspect.getsource(flask_socketio.SocketIO._handle_event)
    assert repr(adapters.SAVED_SESSION) in source, (
        "Flask-SocketIO no longer keeps the connection's session in environ['saved_session']"
    )


def test_socket_events_reuse_the_route_and_share_the_connection_session(app, sio):
    """Two events of one connection: the second reuses the first one's routing and URL
    adapter, and both see the same session."""
    seen = []

    def probe(_data=None):
        seen.append(
            (flask.request.environ, flask.session._get_current_object(), flask.request.url_rule)
        )

    socketio.on("adapters_probe")(probe)
    try:
        phone = sio()
        phone.emit("adapters_probe")
        phone.emit("adapters_probe")
    finally:
        socketio.server.handlers["/"].pop("adapters_probe", None)
        socketio.handlers[:] = [h for h in socketio.handlers if h[0] != "adapters_probe"]
    (env1, session1, rule1), (env2, session2, rule2) = seen
    assert env1 is env2 and adapters.ROUTE in env2 and adapters.URL_ADAPTER in env2
    assert session1 is session2 is env2[adapters.SAVED_SESSION]
    assert rule1 == rule2

"""Creation and login throttled (issue 20): workshops created per address are limited, and
wrong admin passwords wait exponentially longer per address, each one logged."""

from __future__ import annotations

import logging

from gallery import limits
from gallery.store.models import Workshop
from tests import test_limits

make_app = test_limits.make_app  # the fixture: an app with some settings changed


def _new(client, password: str | None = None, title: str = "Werkstatt"):
    data = {"title": title, "language": "de", "station_title": "Erste"}
    if password is not None:
        data["admin_password"] = password
    return client.post("/new", data=data)


def test_creating_workshops_is_limited_per_address(make_app):
    app = make_app(CREATE_LIMIT_IP="3/hour")
    client = app.test_client()
    assert [_new(client, title="").status_code for _ in range(5)] == [400] * 5  # free
    assert [_new(client).status_code for _ in range(3)] == [303] * 3
    refused = _new(client)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert "text/html" in refused.content_type  # a page for a person, not JSON
    assert client.get("/new").status_code == 200  # the form itself is never limited
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "10.0.0.9"
    assert _new(other).status_code == 303  # another address has its own budget
    with app.app_context():
        assert Workshop.select().count() == 1 + 4  # make_app's own, then four


def test_admin_password_guesses_wait_longer_each_time_and_are_logged(make_app, caplog):
    app = make_app(ADMIN_PASSWORD="richtig")
    guesser = app.test_client()
    caplog.set_level(logging.WARNING, logger=app.logger.name)
    answers = [_new(guesser, "falsch").status_code for _ in range(limits.ADMIN_FREE_TRIES + 1)]
    assert answers == [400] * (limits.ADMIN_FREE_TRIES + 1)
    waiting = _new(guesser, "richtig")  # even the right one waits: not checked at all
    assert waiting.status_code == 429 and waiting.headers["Retry-After"] == "1"
    assert "Zu viele falsche Passwörter" in waiting.get_data(as_text=True)
    logged = [r.getMessage() for r in caplog.records if "wrong admin password" in r.getMessage()]
    assert len(logged) == limits.ADMIN_FREE_TRIES + 1 and "127.0.0.1" in logged[-1]

    with app.app_context(), app.test_request_context(environ_base={"REMOTE_ADDR": "10.0.0.5"}):
        waits = []
        for _ in range(6):
            limits.admin_password_wrong()
            waits.append(limits.admin_wait())
        assert waits[:3] == [0, 0, 0] and waits[3:] == [1, 2, 4]  # doubling after the free ones
        for _ in range(30):
            limits.admin_password_wrong()
        assert limits.admin_wait() == limits.ADMIN_MAX_WAIT

    elsewhere = app.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "10.0.0.6"
    assert _new(elsewhere, "richtig").status_code == 303

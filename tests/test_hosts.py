"""Trusted host names (issue 20): a foreign Host gets 400 before anything runs, links and QR
codes name only this machine's addresses or listed names, Socket.IO takes only pages served
under them."""

from __future__ import annotations

import pytest

from gallery import socketio
from gallery.web import addresses, hosts


@pytest.fixture
def own(monkeypatch):
    """This machine, as the guard sees it: a laptop on a venue's LAN."""
    names = frozenset({"localhost", "127.0.0.1", "::1", "laptop", "192.168.1.20", "fd00::20"})
    monkeypatch.setattr(addresses, "_look_up_own", lambda: names)
    monkeypatch.setattr(addresses, "_own", (frozenset(), 0.0))
    return names


def test_a_foreign_host_gets_400_everywhere(app, client, workshop, own):
    ws, key, (s1, _) = workshop
    paths = ("/", f"/s/{s1.token}", f"/w/{ws.code}?key={key}",
             "/socket.io/?EIO=4&transport=polling", f"/api/v1/stations/{s1.token}")  # fmt: skip
    for path in paths:
        refused = client.get(path, headers={"Host": "evil.example"})
        assert refused.status_code == 400, path
        assert key not in refused.get_data(as_text=True)
    for host in ("localhost:8000", "127.0.0.1", "192.168.1.20:8000", "[fd00::20]:8000", "laptop"):
        assert client.get("/", headers={"Host": host}).status_code == 200, host


def test_the_allow_list_is_the_whole_list_and_star_trusts_any(app, client, own):
    app.config.update(ALLOWED_HOSTS="gallery.example")
    assert client.get("/", headers={"Host": "gallery.example:443"}).status_code == 200
    assert client.get("/", headers={"Host": "192.168.1.20"}).status_code == 400
    app.config.update(ALLOWED_HOSTS="*")
    assert client.get("/", headers={"Host": "anything.example"}).status_code == 200
    app.config.update(ALLOWED_HOSTS="", PUBLIC_URL="https://walk.example.org")
    assert client.get("/", headers={"Host": "walk.example.org"}).status_code == 200


def test_a_new_address_of_this_machine_is_found_again(app, client, own, monkeypatch):
    """The venue's router gave the laptop another address: looked up again, not refused."""
    client.get("/")  # the first look-up
    monkeypatch.setattr(addresses, "_look_up_own", lambda: own | {"10.1.2.3"})
    monkeypatch.setattr(addresses, "REFRESH_SECONDS", 0.0)
    assert client.get("/", headers={"Host": "10.1.2.3:8000"}).status_code == 200


def test_links_name_this_machines_addresses_only(app, client, workshop, own):
    ws, key, (s1, _) = workshop
    app.config.update(PUBLIC_URL="", LAN_URL="http://192.168.1.20:8000")
    display = f"/s/{s1.token}/display"
    html = client.get(display, headers={"Host": "laptop:8000"}).get_data(as_text=True)
    assert (
        "192.168.1.20:8000/s/" in html and "laptop:8000" not in html
    )  # a name a phone may not know
    html = client.get(display, headers={"Host": "[fd00::20]:8000"}).get_data(as_text=True)
    assert "[fd00::20]:8000/s/" in html  # an address of this machine: phones reach it


def test_socketio_takes_only_pages_served_under_our_names(app, own):
    ours = socketio.test_client(app, headers={"Origin": "http://192.168.1.20:8000"})
    assert ours.is_connected()
    allows = hosts.origin_check(app)
    assert allows("http://192.168.1.20:8000") and allows(None)
    assert not allows("http://evil.example") and not allows("http://evil.example:8000")
    app.config.update(CORS_ORIGINS="https://kiosk.example")
    assert allows("https://kiosk.example") and not allows("https://kiosk.example.evil")
    ours.disconnect()

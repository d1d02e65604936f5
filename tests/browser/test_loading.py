"""How the phone page loads on a slow network (bench/page_weight.py measures it; no timings are
asserted here): the note form works before the Socket.IO client is there, and the page goes
live once it arrives."""

from __future__ import annotations

import re

import pytest

from tests.browser.test_journeys import post, saved, wait_online

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips, or fails under CI=true
    expect = None

pytestmark = pytest.mark.browser


def test_critical_path_has_no_socket_client_and_nothing_blocking(people, workshop):
    phone = people.page("phone")
    phone.goto(workshop["stations"][0]["url"])
    scripts = phone.locator("script[src]")
    srcs = [s.get_attribute("src") for s in scripts.all()]
    assert srcs and not any("socket.io" in src for src in srcs[:3]), srcs  # clock, outbox, station
    assert all(s.get_attribute("defer") is not None for s in scripts.all()[:3])
    wait_online(phone)  # station.js added the client itself and connected
    assert phone.locator("script[src*='socket.io']").count() == 1


def test_note_posted_before_the_socket_client_loads_is_kept_and_sent(people, server, workshop):
    station = workshop["stations"][3]
    token = station["token"]
    phone = people.page("phone")
    blocked = True

    def client(route):
        if blocked:
            route.abort("connectionreset")
        else:
            route.continue_()

    phone.route(re.compile(r"/static/vendor/socket\.io-[\d.]+\.min\.js"), client)
    phone.goto(station["url"])
    expect(phone.locator("#connection")).to_have_class(re.compile("status--offline"))
    text = "Geschrieben, bevor die Live-Verbindung da war"
    post(phone, text)
    # sent over HTTP by the outbox, shown as the phone's own, stored once
    expect(phone.locator("#notes li.note--mine").filter(has_text=text)).to_have_count(1)
    expect(phone.locator("#outbox-section")).to_be_hidden()
    assert saved(server, token, text) == 1

    blocked = False  # the client loads on the next try and the page goes live
    wait_online(phone)
    server.post_note(token, "Von einem anderen Handy")
    expect(
        phone.locator("#notes li.note").filter(has_text="Von einem anderen Handy")
    ).to_have_count(1)
    assert saved(server, token, text) == 1

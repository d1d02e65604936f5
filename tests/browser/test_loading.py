"""How the phone page loads on a slow network (bench/page_weight.py measures it; no timings are
asserted here): the page is styled and its note form works from its HTML alone (stylesheet
and outbox inline, allowed by hash), a note written before station.js or the Socket.IO client
has loaded is kept and stored exactly once, and the page goes live once they arrive."""

from __future__ import annotations

import json
import re

import pytest

from tests.browser.test_journeys import cut_off, post, saved, wait_online

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips, or fails under CI=true
    expect = None

pytestmark = pytest.mark.browser

STATION_JS = re.compile(r"/static/js/station\.js")
OUTBOX_READY = "() => Boolean(window.GalleryOutbox && window.GalleryOutbox.page)"


def refusals(page) -> list[str]:
    """Console messages of the Content-Security-Policy refusing something on `page`."""
    found: list[str] = []
    page.on(
        "console",
        lambda m: found.append(m.text) if "Content Security Policy" in m.text else None,
    )
    return found


def hold(page, pattern) -> list:
    """Requests for `pattern` wait (unanswered) until the test lets them go: route.continue_()."""
    held: list = []
    page.route(pattern, lambda route: held.append(route))
    return held


def test_critical_path_is_the_html_alone(people, workshop):
    phone = people.page("phone")
    refused = refusals(phone)
    stylesheets: list[str] = []
    phone.on(
        "request", lambda r: stylesheets.append(r.url) if r.resource_type == "stylesheet" else None
    )
    phone.goto(workshop["stations"][0]["url"])
    # the outbox inline below the form; clock.js, typography.js and station.js with its parts
    # deferred, no Socket.IO client
    assert phone.locator("#outbox-section + script:not([src])").count() == 1
    assert phone.locator("script:not([src])").count() == 1
    scripts = phone.locator("script[src]").all()
    srcs = [s.get_attribute("src") for s in scripts]
    assert [src.split("/")[-1].split("?")[0] for src in srcs[:5]] == [
        "clock.js",
        "typography.js",
        "station_notes.js",
        "station_walk.js",
        "station.js",
    ], srcs  # socket.io: added later
    assert all(s.get_attribute("defer") is not None for s in scripts[:5])
    # styled by its inline stylesheet, which the policy allows by hash; no stylesheet file
    assert phone.locator("link[rel=stylesheet]").count() == 0 and stylesheets == []
    expect(phone.locator("#note-submit")).to_have_css("background-color", "rgb(11, 92, 173)")
    wait_online(phone)  # station.js added the client itself and connected
    assert phone.locator("script[src*='socket.io']").count() == 1
    assert refused == []


def test_note_posted_before_station_js_loads_is_stored_once(people, server, workshop):
    station = workshop["stations"][1]
    token = station["token"]
    phone = people.page("phone")
    refused = refusals(phone)
    held = hold(phone, STATION_JS)
    phone.goto(station["url"], wait_until="commit")
    phone.wait_for_function(OUTBOX_READY)
    text = "Geschrieben, bevor station.js da war"
    post(phone, text, author="Ada")
    # kept on the phone at once, then sent over HTTP by the inline outbox alone
    expect(phone.locator("#note-text")).to_have_value("")
    expect(phone.locator("#outbox-section")).to_be_hidden()  # saved: the outbox is empty
    assert saved(server, token, text) == 1
    assert phone.evaluate(f"localStorage.getItem('gallery.outbox.{token}')") == "[]"
    assert len(held) == 1 and phone.evaluate("() => !window.io")  # still without both

    held.pop().continue_()  # station.js arrives, loads the client, joins, flushes the outbox
    wait_online(phone)
    mine = phone.locator("#notes li.note--mine").filter(has_text=text)
    expect(mine).to_have_count(1)
    expect(mine.locator(".note__author")).to_have_text("— Ada")
    phone.wait_for_timeout(500)  # anything sent twice would be stored by now
    assert saved(server, token, text) == 1
    expect(phone.locator("#notes li.note").filter(has_text=text)).to_have_count(1)
    assert refused == []


def open_unreachable(people, station):
    """A phone on the station page with station.js held back and the HTTP API out of reach:
    only the inline outbox runs. Returns (phone, held station.js routes, a function that
    brings the API back)."""
    phone = people.page("phone")
    held = hold(phone, STATION_JS)
    open_api = cut_off(phone, ["**/api/v1/**"])
    phone.goto(station["url"], wait_until="commit")
    phone.wait_for_function(OUTBOX_READY)
    return phone, held, open_api


def test_note_kept_before_station_js_is_sent_once_when_both_ways_open(people, server, workshop):
    """The server is out of reach while only the inline outbox runs: the note waits on the
    phone. Then station.js and the API come back together: the outbox's HTTP retry and the
    socket's flush after joining race, and the note is still stored once."""
    station = workshop["stations"][2]
    token = station["token"]
    phone, held, open_api = open_unreachable(people, station)
    text = "Geschrieben im Funkloch, vor station.js"
    post(phone, text)
    expect(phone.locator("#outbox li.note--pending .note__text")).to_have_text(text)
    kept = json.loads(phone.evaluate(f"localStorage.getItem('gallery.outbox.{token}')"))
    assert [(item["text"], item["state"]) for item in kept] == [(text, "sending")]
    assert len(kept[0]["client_id"]) == 32  # the outbox's own id, as before
    phone.wait_for_timeout(300)  # a first try over HTTP has failed
    assert saved(server, token, text) == 0

    open_api()
    held.pop().continue_()
    wait_online(phone)
    expect(phone.locator("#outbox-section")).to_be_hidden()
    expect(phone.locator("#notes li.note--mine").filter(has_text=text)).to_have_count(1)
    phone.wait_for_timeout(2500)  # past the outbox's first HTTP retry (2 s)
    assert saved(server, token, text) == 1
    stored = [n for n in server.notes(token) if n["text"] == text]
    assert stored[0]["client_id"] == kept[0]["client_id"]
    assert phone.evaluate(f"localStorage.getItem('gallery.outbox.{token}')") == "[]"


def test_note_kept_before_station_js_survives_a_reload(people, server, workshop):
    """Kept by the inline outbox alone, the page reloaded before it could send: the next
    visit's inline outbox sends it (station.js is still held back), once."""
    station = workshop["stations"][3]
    token = station["token"]
    phone, held, open_api = open_unreachable(people, station)
    text = "Vor dem Neuladen geschrieben"
    post(phone, text)
    expect(phone.locator("#outbox li.note--pending")).to_have_count(1)
    assert saved(server, token, text) == 0

    open_api()
    phone.reload(wait_until="commit")
    phone.wait_for_function(OUTBOX_READY)
    expect(phone.locator("#outbox-section")).to_be_hidden()  # sent and saved
    assert saved(server, token, text) == 1
    assert phone.evaluate(f"localStorage.getItem('gallery.outbox.{token}')") == "[]"

    held[-1].continue_()  # this visit's station.js
    wait_online(phone)
    expect(phone.locator("#notes li.note--mine").filter(has_text=text)).to_have_count(1)
    phone.wait_for_timeout(500)
    assert saved(server, token, text) == 1


def test_note_posted_before_the_socket_client_loads_is_kept_and_sent(people, server, workshop):
    station = workshop["stations"][3]
    token = station["token"]
    phone = people.page("phone")
    release_client = cut_off(
        phone, [re.compile(r"/static/vendor/socket\.io-[\d.]+\.min\.js")], "connectionreset"
    )
    phone.goto(station["url"])
    expect(phone.locator("#connection")).to_have_class(re.compile("status--offline"))
    text = "Geschrieben, bevor die Live-Verbindung da war"
    post(phone, text)
    # sent over HTTP by the outbox, shown as the phone's own, stored once
    expect(phone.locator("#notes li.note--mine").filter(has_text=text)).to_have_count(1)
    expect(phone.locator("#outbox-section")).to_be_hidden()
    assert saved(server, token, text) == 1

    release_client()  # the client loads on the next try and the page goes live
    wait_online(phone)
    server.post_note(token, "Von einem anderen Handy")
    expect(
        phone.locator("#notes li.note").filter(has_text="Von einem anderen Handy")
    ).to_have_count(1)
    assert saved(server, token, text) == 1

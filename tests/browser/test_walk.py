"""The gallery walk in Chromium: two groups rotate over two stations on the server's timer,
build on each other's notes, vote, and read the results from the same QR link."""

from __future__ import annotations

import re

import pytest

from tests.browser.test_journeys import FITS_PHONE, post, saved, wait_online

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips, or fails under CI=true
    expect = None

pytestmark = pytest.mark.browser


def banner(page):
    return page.locator("#walk-where")


def test_one_full_rotation_with_two_groups_on_two_phones(people, server):
    links = server.seed(
        "workshop", "new", "Rundgang",
        "--station", "Mobilität: Wie kommen wir ohne Auto zur Arbeit?",
        "--station", "Verwaltung: Was soll online gehen?",
    )  # fmt: skip
    one, two = links["stations"]

    wall = people.page("wall")
    wall.goto(links["workshop"]["wall_url"])
    # joined: the join's rotation state no longer resets the fields filled in below
    expect(wall.locator("#columns > section.column")).to_have_count(2)
    wall.locator("#walk-panel summary").click()
    wall.fill("#groups-input", "2")
    wall.fill("#minutes-input", "0.5")  # a 30-second round, ended by the server's own timer
    wall.locator("#rotation-buttons [data-action=start]").click()
    expect(wall.locator("#wall-round")).to_have_text("Runde 1 von 2")
    expect(wall.locator("#column-" + one["token"] + " .group-chip").first).to_have_text("A")

    anna = people.page("phone")  # scans station 1 and is in group A
    anna.goto(one["url"])
    wait_online(anna)
    anna.locator("#group-buttons button", has_text="A").tap()
    expect(anna.locator("#walk-group")).to_have_text("Ihre Gruppe: A")
    expect(banner(anna)).to_contain_text("jetzt Station 1")
    expect(banner(anna)).to_contain_text(re.compile(r"als Nächstes Station 2 in 00:[0-3]\d"))
    expect(anna.locator("#walk-go")).to_be_hidden()

    ben = people.page("phone")  # also scans station 1, but group B starts at station 2
    ben.goto(one["url"])
    wait_online(ben)
    ben.locator("#group-buttons button", has_text="B").tap()
    expect(ben.locator("#walk-go")).to_have_text("Bitte gehen Sie zu Station 2: Verwaltung")
    ben.goto(two["url"])  # the group is remembered: no question again
    wait_online(ben)
    expect(ben.locator("#walk-group")).to_have_text("Ihre Gruppe: B")
    expect(ben.locator("#group-picker")).to_be_hidden()
    expect(ben.locator("#walk-go")).to_be_hidden()
    people.shot(ben, "walk-phone-round1")

    post(anna, "Mehr Busse am Abend")
    post(ben, "Wohngeld online beantragen")
    saved(server, one["token"], "Mehr Busse am Abend")
    saved(server, two["token"], "Wohngeld online beantragen")

    # The round ends by itself: both phones are told to move on, the wall shows round 2.
    expect(anna.locator("#walk-go")).to_have_text(
        "Bitte gehen Sie zu Station 2: Verwaltung", timeout=45_000
    )
    expect(ben.locator("#walk-go")).to_have_text("Bitte gehen Sie zu Station 1: Mobilität")
    expect(wall.locator("#wall-round")).to_have_text("Runde 2 von 2")
    expect(banner(anna)).to_contain_text("letzte Runde")
    people.shot(wall, "walk-wall-round2")

    # Group A reads what group B left at station 2 and builds on it.
    anna.goto(two["url"])
    wait_online(anna)
    note = anna.locator("#notes .note", has_text="Wohngeld online beantragen")
    note.locator(".chip--plus").tap()
    expect(note.locator(".chip--plus")).to_have_text("✓ +1 · 1")  # given, and marked so
    note.locator(".chip", has_text="Antworten").tap()
    anna.fill(".reply-form textarea", "Und den Kita-Antrag auch!")
    anna.locator(".reply-form button[type=submit]").tap()
    expect(note.locator(".reply")).to_have_text("Und den Kita-Antrag auch!")
    wall_note = wall.locator(".sticky", has_text="Wohngeld online beantragen")
    expect(wall_note.locator(".sticky__plus")).to_have_text("+1 · 1")
    expect(wall_note.locator(".sticky__reply")).to_have_text("Und den Kita-Antrag auch!")
    assert anna.evaluate(FITS_PHONE) == []
    people.shot(anna, "walk-phone-round2", full_page=True)

    # The facilitator ends the walk and opens the vote: one dot each, per station.
    expect(ben.locator("#round-end")).to_be_visible()  # "Die Runde ist zu Ende … Station 1"
    wall.locator("#rotation-buttons [data-action=next]").click()
    expect(wall.locator("#wall-round")).to_have_text("Rundgang beendet")
    expect(banner(anna)).to_have_text("— Der Rundgang ist zu Ende.")  # after "Ihre Gruppe: A"
    expect(ben.locator("#round-end")).to_be_hidden()  # "go to station 1" holds no more
    wall.fill("#dots-input", "1")
    wall.locator("#dots-save").click()
    wall.locator("#phase-buttons [data-phase=vote]").click()
    expect(anna.locator("#dots")).to_contain_text("noch 1 von 1 Punkten")  # the page reloaded
    expect(anna.locator("#note-form")).to_have_count(0)
    anna.locator("#notes .note", has_text="Wohngeld").locator(".chip--dot").tap()
    expect(anna.locator("#dots")).to_contain_text("alle Ihre Punkte vergeben")
    expect(anna.locator(".chip--dot").first).to_be_disabled()
    expect(wall_note.locator(".sticky__dots")).to_have_text("● 1")

    # Afterwards the same QR link shows the results, with Ben's own note highlighted.
    wall.locator("#phase-buttons [data-phase=results]").click()
    expect(ben.locator("#results")).to_be_visible()  # the open page reloads itself
    ben.goto(two["url"])
    expect(ben.locator("#results")).to_be_visible()
    top = ben.locator(".notes--ranked .note").first
    expect(top).to_contain_text("Wohngeld online beantragen")
    expect(top).to_contain_text("1 Punkt")
    expect(top.locator(".badge--mine")).to_have_text("Ihre Notiz")
    people.shot(ben, "walk-phone-results", full_page=True)


def test_closed_station_tells_the_phone_and_keeps_the_draft(people, server, workshop):
    station = workshop["stations"][0]
    phone = people.page("phone")
    phone.goto(station["url"])
    wait_online(phone)
    phone.fill("#note-text", "Halb geschrieben")
    staff = people.page("laptop")
    staff.goto(workshop["workshop"]["manage_url"])
    staff.goto(workshop["workshop"]["manage_url"].split("?")[0] + "/moderate")
    staff.locator(f"#mod-station-{station['token']} button", has_text="Station schließen").click()
    expect(phone.locator("#closed")).to_have_text("Die Moderation hat diese Station geschlossen.")
    people.shot(phone, "phone-station-closed")
    staff.locator(f"#mod-station-{station['token']} button", has_text="wieder öffnen").click()
    expect(phone.locator("#note-text")).to_have_value("Halb geschrieben")  # the draft survived

"""Building on notes and voting on the phone (360x740): a +1 given shows as given, nobody is
offered a +1 on their own note, the dots left stay in view while the person is far down the
list, and the round's end always says where to be."""

from __future__ import annotations

import re

import pytest

from tests.browser.test_journeys import FITS_PHONE, post, wait_online
from tests.browser.test_phone import IN_VIEW, msg, open_station

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips, or fails under CI=true
    expect = None

pytestmark = pytest.mark.browser

GREEN = "rgb(27, 110, 45)"  # --ok: the pressed state, as on "Signal an"


def test_a_given_plus_one_shows_as_given_and_own_notes_get_none(people, server, workshop):
    station = workshop["stations"][0]
    other = "Glasfaser auch für die Höfe am Waldrand"
    server.post_note(station["token"], other)
    phone = open_station(people, station)
    mine = "Ein Repair-Café im Dorfgemeinschaftshaus"
    post(phone, mine)
    own = phone.locator("#notes li.note--mine").filter(has_text=mine)
    expect(own.locator(".badge--mine")).to_have_text("Ihre Notiz")
    expect(own.locator(".chip--plus")).to_have_count(0)  # no +1 on one's own note
    expect(own.locator(".chip", has_text="Antworten")).to_be_visible()  # replying still is

    note = phone.locator("#notes li.note").filter(has_text=other)
    plus = note.locator(".chip--plus")
    expect(plus).to_have_attribute("aria-pressed", "false")
    plus.tap()
    expect(plus).to_have_text("✓ +1 · 1")
    expect(plus).to_have_attribute("aria-pressed", "true")
    expect(plus).to_have_attribute("aria-disabled", "true")  # the server has no taking back
    look = plus.evaluate(
        """b => { const s = getComputedStyle(b);
          return {disabled: b.disabled, background: s.backgroundColor, opacity: s.opacity}; }"""
    )
    assert look == {"disabled": False, "background": GREEN, "opacity": "1"}, look
    plus.tap(force=True)  # a second tap (aria-disabled) changes nothing
    expect(plus).to_have_text("✓ +1 · 1")
    people.shot(phone, "phone-plus-one-given")
    assert phone.evaluate(FITS_PHONE) == []

    phone.reload()  # the server remembers it
    wait_online(phone)
    expect(note.locator(".chip--plus")).to_have_text("✓ +1 · 1")
    expect(note.locator(".chip--plus")).to_have_attribute("aria-pressed", "true")
    expect(own.locator(".chip--plus")).to_have_count(0)


def test_the_dots_left_stay_in_view_far_down_the_list(people, server):
    links = server.seed("demo", "--notes", "60")  # in the vote phase
    station = links["stations"][0]
    phone = open_station(people, station)
    bar = phone.locator("#dots-left")
    expect(bar).to_have_attribute("role", "status")
    expect(bar).to_have_attribute("aria-live", "polite")
    total = int(re.search(r"von (\d+)", bar.inner_text()).group(1))
    expect(bar).to_have_text(f"● Noch {total} von {total} Punkten")

    last = phone.locator("#notes > li.note").last
    last.scroll_into_view_if_needed()
    assert not phone.locator("#dots").evaluate(IN_VIEW), "the list is too short to test this"
    last.locator(".chip--dot").tap()
    expect(bar).to_have_text(f"● Noch {total - 1} von {total} Punkten")
    assert bar.evaluate(IN_VIEW), "the dots left are out of view"
    expect(last.locator(".badge--dots")).to_be_visible()
    # The bar covers no button of the note the person just gave a dot to ("−" is new there).
    above = last.locator(".note__actions").evaluate(
        "(row, bar) => row.getBoundingClientRect().bottom <= bar.getBoundingClientRect().top + .5",
        bar.element_handle(),
    )
    people.shot(phone, "phone-vote-far-down")
    assert above, "the bar covers the note's buttons"
    assert phone.evaluate(FITS_PHONE) == []

    for _ in range(total - 1):  # all of them: the bar says so
        last.locator(".chip--dot").tap()
    expect(bar).to_have_text("● " + msg(phone, "dots-left-none"))
    expect(last.locator(".chip--dot")).to_be_disabled()
    last.locator(".chip", has_text="−").tap()  # one back
    expect(bar).to_have_text(f"● Noch 1 von {total} Punkten")
    people.shot(phone, "phone-vote-one-back")


def test_the_round_end_says_to_stay_when_the_group_comes_to_this_station(people, server):
    links = server.seed(
        "workshop", "new", "Vorausgegangen",
        "--station", "Mobilität: Wie ohne Auto?",
        "--station", "Verwaltung: Was soll online gehen?",
    )  # fmt: skip
    two = links["stations"][1]
    wall = people.page("wall")
    wall.goto(links["workshop"]["wall_url"])
    expect(wall.locator("#columns > section.column")).to_have_count(2)
    wall.locator("#walk-panel summary").click()
    wall.fill("#groups-input", "2")
    wall.fill("#minutes-input", "30")
    wall.locator("#rotation-buttons [data-action=start]").click()
    expect(wall.locator("#wall-round")).to_have_text("Runde 1 von 2")

    # Group A starts at station 1; this person already has station 2's page open.
    phone = open_station(people, two)
    phone.locator("#group-buttons button", has_text="A").tap()
    expect(phone.locator("#walk-go")).to_have_text("Bitte gehen Sie zu Station 1: Mobilität")
    wall.locator("#rotation-buttons [data-action=next]").click()
    notice = phone.locator("#round-end")
    expect(notice).to_be_visible()
    expect(phone.locator("#round-end-go")).to_have_text("Bleiben Sie hier: Station 2: Verwaltung")
    assert notice.evaluate(IN_VIEW)
    people.shot(phone, "phone-round-end-stay")
    phone.locator("#round-end-ok").tap()
    expect(notice).to_be_hidden()
    expect(phone.locator("#walk-go")).to_be_hidden()

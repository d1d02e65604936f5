"""Replies moderated on the wall itself (issues 18 and 20): in edit mode every reply has a small
menu (hide or restore, correct); a hidden reply leaves the phones and the overview at once and
stays on the wall, dimmed, in edit mode only, to be restored from there."""

from __future__ import annotations

import re

import pytest

from tests.browser.test_journeys import open_wall, post, saved, sticky, wait_online

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips, or fails under CI=true
    expect = None

pytestmark = pytest.mark.browser

NOTE = "Radweg nach Kirchberg beleuchten"
REPLY = "Und Bänke zum Ausruhen"


def test_the_facilitator_hides_corrects_and_restores_a_reply_from_the_wall(
    people, server, workshop
):
    station = workshop["stations"][0]
    token = station["token"]
    phone = people.page("phone")
    phone.goto(station["url"])
    wait_online(phone)
    post(phone, NOTE)
    saved(server, token, NOTE)
    on_phone = phone.locator("#notes .note", has_text=NOTE)
    on_phone.locator(".chip", has_text="Antworten").tap()
    phone.fill(".reply-form textarea", REPLY)
    phone.locator(".reply-form button[type=submit]").tap()
    expect(on_phone.locator(".reply")).to_have_text(REPLY)

    wall = open_wall(people, workshop)
    card = sticky(wall, token, NOTE)
    expect(card).to_have_count(1)
    expect(wall.locator(".group--new")).to_have_count(0, timeout=20_000)  # grouped
    if card.is_visible():  # the overview's fit may hold the card back ("+N")
        expect(card.locator(".sticky__reply")).to_have_text(REPLY)
    expect(wall.locator("select.sticky__reply-select")).to_have_count(0)  # the overview: calm
    wall.click("#toggle-edit")
    show_whole(wall, token, NOTE)
    menu = card.locator(".sticky__reply select.sticky__reply-select")
    expect(menu.locator("option")).to_have_text(["⋯", "Ausblenden", "Korrigieren"])
    menu.select_option("hide")

    expect(on_phone.locator(".reply")).to_have_count(0)  # gone from the phone at once
    hidden = card.locator(".sticky__reply--hidden")
    expect(hidden).to_have_text(re.compile(re.escape(REPLY) + "$"))
    assert float(hidden.evaluate("e => getComputedStyle(e).opacity")) < 1  # dimmed
    expect(hidden.locator("option")).to_have_text(["⋯", "Wiederherstellen", "Korrigieren"])
    people.shot(wall, "wall-reply-hidden")
    wall.click("#toggle-edit")  # the overview does not show it
    expect(card.locator(".sticky__reply")).to_have_count(0)
    expect(card).to_have_count(1)

    # The wall knows its hidden replies after a reload, and corrects one before restoring it.
    wall.reload()
    wall.click("#toggle-edit")
    show_whole(wall, token, NOTE)
    hidden = sticky(wall, token, NOTE).locator(".sticky__reply--hidden")
    hidden.locator("select").select_option("fix")
    form = sticky(wall, token, NOTE).locator("form.sticky__fix")
    form.locator("textarea").fill(REPLY + ", bitte")
    form.locator("button").click()
    expect(hidden).to_have_text(re.compile(re.escape(REPLY) + ", bitte$"))
    expect(on_phone.locator(".reply")).to_have_count(0)  # still hidden
    hidden.locator("select").select_option("restore")

    expect(on_phone.locator(".reply")).to_have_text(REPLY + ", bitte")
    card = sticky(wall, token, NOTE)
    expect(card.locator(".sticky__reply--hidden")).to_have_count(0)
    expect(card.locator(".sticky__reply")).to_have_text(re.compile(re.escape(REPLY) + ", bitte$"))
    wall.click("#toggle-edit")
    expect(card.locator(".sticky__reply")).to_have_text(REPLY + ", bitte")


def show_whole(wall, token: str, text: str) -> None:
    """Opens the note's group when edit mode's fit holds its card back ("+N")."""
    card = sticky(wall, token, text)
    expect(card).to_have_count(1)
    if not card.is_visible():
        group = card.get_attribute("data-group")
        box = ".group--singles" if group == "singles" else f'.group[data-cluster="{group}"]'
        wall.locator(f"#column-{token} {box} .group__count").first.click()
    expect(sticky(wall, token, text)).to_be_visible()

"""The facilitator's forms in Chromium: a refused form shows every problem at once, each
beside its field, which is outlined in red; the page opens at the refused form."""

from __future__ import annotations

import re

import pytest

from tests.browser.test_accessibility import axe_violations
from tests.browser.test_journeys import FITS_PHONE

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips, or fails under CI=true
    expect = None

pytestmark = pytest.mark.browser

DANGER = "rgb(163, 20, 28)"  # --danger
# A value past the field's maxlength, as a paste into an older browser or a script sends it.
TYPE = "([id, text]) => { document.getElementById(id).value = text; }"


def test_new_shows_every_problem_beside_its_field(people):
    page = people.page("laptop")
    page.goto("/new")
    page.evaluate(TYPE, ["title", "Zukunftswerkstatt " + "x" * 282])
    page.evaluate(TYPE, ["station_title_0", "Mobilität " + "y" * 290])
    page.fill("#station_prompt_0", "Wie kommen Jugendliche abends nach Hause?")
    page.fill("#station_prompt_1", "Eine Frage ohne Titel")
    page.locator("#new-workshop button[type=submit]").click()

    summary = page.locator("#form-errors")
    expect(summary).to_be_focused()  # new.js: read first, and in view
    expect(summary.locator("li")).to_have_count(3)
    for field, said in (
        ("title", "Der Titel ist länger als 200 Zeichen (eingegeben: 300)."),
        ("station_title_0", "Der Titel von Station 1 ist länger als 200 Zeichen"),
        ("station_title_1", "Station 2 hat eine Frage, aber keinen Titel."),
    ):
        box = page.locator(f"#{field}")
        expect(box).to_have_attribute("aria-invalid", "true")
        expect(page.locator(f"#{field}-error")).to_contain_text(said)
        expect(page.locator(f"#{field}-error")).to_be_visible()
        assert box.evaluate("e => getComputedStyle(e).borderTopColor") == DANGER
        # the message stands right above its field, not somewhere else on the page
        gap = page.evaluate(
            "f => document.getElementById(f).getBoundingClientRect().top"
            " - document.getElementById(f + '-error').getBoundingClientRect().bottom",
            field,
        )
        assert 0 <= gap < 20, (field, gap)
    fine = page.locator("#station_prompt_0")  # a field without a problem stays as it was
    assert fine.evaluate("e => getComputedStyle(e).borderTopColor") != DANGER
    expect(fine).not_to_have_attribute("aria-invalid", "true")
    expect(fine).to_have_value(re.compile("^Wie kommen"))  # and keeps what was typed
    people.shot(page, "new-errors", full_page=True)
    assert axe_violations(page, "new-errors") == []

    page.locator("#add-row").click()  # a fifth row, copied from a refused one, starts clean
    expect(page.locator("#station_title_4")).to_be_focused()
    expect(page.locator("#station-rows .station-row").last.locator(".field-error")).to_have_count(0)
    expect(page.locator("#station_title_4")).not_to_have_attribute("aria-invalid", "true")


def test_a_refused_station_form_opens_where_it_is(people, workshop):
    page = people.page("phone")
    page.goto(workshop["workshop"]["manage_url"])
    token = workshop["stations"][-1]["token"]
    page.evaluate(TYPE, [f"title-{token}", "T" * 201])
    page.locator(f"#station-{token} form").first.locator("button[type=submit]").click()
    problem = page.locator(f"#title-{token}-error")
    expect(problem).to_contain_text("Der Titel ist länger als 200 Zeichen (eingegeben: 201).")
    expect(problem).to_be_in_viewport()  # the last station's form, far down the page
    expect(page.locator(f"#title-{token}")).to_have_value("T" * 201)
    assert page.evaluate(FITS_PHONE) == []
    people.shot(page, "manage-station-error")


def test_new_sends_the_browsers_time_zone_and_the_report_keeps_it(people):
    """The server keeps whatever zone its machine has; the facilitator's laptop is in New
    York: the report's times are New York's."""
    page = people.new("laptop", timezone_id="America/New_York").new_page()
    page.goto("/new")
    expect(page.locator("#timezone")).to_have_value("America/New_York")  # new.js
    page.fill("#title", "Town hall")
    page.fill("#station_title_0", "Broadband")
    page.locator("#new-workshop button[type=submit]").click()
    expect(page.locator("#ws-timezone")).to_have_value("America/New_York")
    page.locator("a[href$='/report']").click()
    expect(page.locator(".protocol__facts").first).to_contain_text("America/New_York")

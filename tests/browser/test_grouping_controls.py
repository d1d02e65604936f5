"""The wall's grouping controls in edit mode (issue 18, part 6): "gröber" / "feiner" with the
number of groups the column shows, and "zurück zum Vorschlag"."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.test_journeys import CLIMATE, open_wall


def test_coarser_finer_show_the_groups_and_go_back_to_the_suggestion(people, server, workshop):
    token = workshop["stations"][1]["token"]
    wall = open_wall(people, workshop)
    for text in CLIMATE:
        server.post_note(token, text)
    column = wall.locator(f"#column-{token}")
    expect(column.locator(".group--new")).to_have_count(0)
    wall.click("#toggle-edit")
    tools = column.locator(".granularity")
    count = tools.locator(".granularity__count")

    def shown() -> int:
        return int(re.match(r"\d+", count.inner_text()).group())

    def groups_in_column() -> int:
        return column.locator(".group:not(.group--singles):not(.group--drop)").count()

    expect(count).to_have_text(re.compile(r"^\d+ Gruppen?$"))
    default = shown()
    assert default == groups_in_column()
    expect(tools.locator(".granularity__reset")).to_have_count(0)  # nothing to go back to

    tools.get_by_role("button", name="feiner", exact=True).click()
    expect(tools.locator(".granularity__reset")).to_have_text("zurück zum Vorschlag")
    finer = shown()
    assert finer >= default and finer == groups_in_column()
    tools.get_by_role("button", name="gröber", exact=True).click()
    tools.get_by_role("button", name="gröber", exact=True).click()
    expect(count).not_to_have_text(f"{finer} Gruppen")
    assert shown() <= default
    people.shot(wall, "wall-grouping-controls")

    tools.locator(".granularity__reset").click()
    expect(tools.locator(".granularity__reset")).to_have_count(0)
    expect(count).to_have_text(re.compile(rf"^{default} Gruppen?$"))  # after the re-clustering

    # a note put in a group of its own by hand: going back keeps it, unless the box is ticked
    note = column.locator("li.sticky", has_text=CLIMATE[0])
    note.locator("select.sticky__select").select_option("new")
    discard = tools.get_by_role("checkbox", name="auch meine Änderungen verwerfen")
    expect(discard).to_be_visible()
    tools.locator(".granularity__reset").click()
    expect(discard).to_be_visible()  # kept: still something of the facilitator's
    discard.check()
    tools.locator(".granularity__reset").click()
    expect(tools.locator(".granularity__reset")).to_have_count(0)
    expect(count).to_have_text(re.compile(rf"^{default} Gruppen?$"))

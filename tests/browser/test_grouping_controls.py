"""The wall's grouping controls in edit mode: "− N Gruppen +" asks for exactly one group fewer
or more ("Gruppen: N", issue 22), typed topics become the groups, and "zurück zum Vorschlag"."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.test_journeys import CLIMATE, open_wall


def climate_in_edit_mode(people, server, workshop):
    """The wall in edit mode with the climate notes on station 2: (wall, token, column, its
    grouping tools)."""
    token = workshop["stations"][1]["token"]
    wall = open_wall(people, workshop)
    for text in CLIMATE:
        server.post_note(token, text)
    column = wall.locator(f"#column-{token}")
    expect(column.locator(".group--new")).to_have_count(0)
    wall.click("#toggle-edit")
    return wall, token, column, column.locator(".granularity")


def test_fewer_more_show_the_groups_and_go_back_to_the_suggestion(people, server, workshop):
    wall, token, column, tools = climate_in_edit_mode(people, server, workshop)
    count = tools.locator(".granularity__count")

    def shown() -> int:
        return int(re.match(r"\d+", count.inner_text()).group())

    def groups_in_column() -> int:
        return column.locator(".group:not(.group--singles):not(.group--drop)").count()

    expect(count).to_have_text(re.compile(r"^\d+ Gruppen?$"))
    default = shown()
    assert default == groups_in_column()
    expect(tools.locator(".granularity__reset")).to_have_count(0)  # nothing to go back to

    more = tools.get_by_role("button", name="Mehr, kleinere Gruppen", exact=True)
    more.click()
    expect(tools.locator(".granularity__reset")).to_have_text("zurück zum Vorschlag")
    # the re-clustering answers a moment later: one group more, or (the notes allow no
    # more) the same groups and "+" greyed out
    wall.wait_for_function(
        """([token, n]) => {
          const tools = document.querySelector(`#column-${token} .granularity`);
          const shown = parseInt(tools.querySelector(".granularity__count").textContent, 10);
          return shown !== n || tools.querySelectorAll(".granularity__step")[1].disabled;
        }""",
        arg=[token, default],
        timeout=15000,
    )
    now = shown()
    assert now == groups_in_column()
    if now == default:  # the notes allow no more groups: the wall stays, and says so
        expect(more).to_be_disabled()
    else:
        assert now == default + 1  # exactly one more
    fewer = tools.get_by_role("button", name="Weniger, größere Gruppen", exact=True)
    fewer.click()
    expect(count).to_have_text(re.compile(rf"^{now - 1} Gruppen?$"), timeout=15000)  # one fewer
    fewer.click()
    expect(count).to_have_text(re.compile(rf"^{now - 2} Gruppen?$"), timeout=15000)
    assert shown() == groups_in_column()
    people.shot(wall, "wall-grouping-controls")

    tools.locator(".granularity__reset").click()
    expect(tools.locator(".granularity__reset")).to_have_count(0)
    # the engine's own grouping of these notes afresh (the live wall's may have had a pair
    # more, held as the notes arrived)
    wall.wait_for_timeout(2500)  # the re-clustering
    assert shown() == groups_in_column() >= 1

    # a note put in a group of its own by hand: going back keeps it, unless the box is ticked
    note = column.locator("li.sticky", has_text=CLIMATE[0])
    if not note.is_visible():  # held back by the fit (counted in "+N"): open its group
        group = note.get_attribute("data-group")
        box = ".group--singles" if group == "singles" else f'.group[data-cluster="{group}"]'
        column.locator(f"{box} .group__count").first.click()
    note.locator("select.sticky__select").select_option("new")
    discard = tools.get_by_role("checkbox", name="auch meine Änderungen verwerfen")
    expect(discard).to_be_visible()
    tools.locator(".granularity__reset").click()
    expect(discard).to_be_visible()  # kept: still something of the facilitator's
    discard.check()
    tools.locator(".granularity__reset").click()
    expect(tools.locator(".granularity__reset")).to_have_count(0)


def test_typed_topics_become_the_groups_on_the_wall(people, server, workshop):
    wall, token, column, tools = climate_in_edit_mode(people, server, workshop)
    tools.get_by_role("button", name="Themen", exact=True).click()
    box = tools.get_by_label("Erwartete Themen (optional, eines pro Zeile)")
    box.fill("Energie\nMobilität")
    tools.get_by_role("button", name="Übernehmen", exact=True).click()
    expect(tools.get_by_role("button", name="Themen (2)", exact=True)).to_be_visible()
    groups = column.locator(".group:not(.group--singles):not(.group--drop)")
    # the re-clustering follows a moment later: then every group is one of the topics
    expect(
        groups.filter(
            has_not=wall.locator(".group__label", has_text=re.compile(r"^(Energie|Mobilität)$"))
        )
    ).to_have_count(0, timeout=15000)
    expect(groups.locator(".group__label", has_text="Energie")).to_be_visible()
    people.shot(wall, "wall-topics")

"""Accessibility in Chromium against the real server: axe-core on every page, the page language,
zoom to 200 %, reduced motion, the wall's edit controls by keyboard, and a crowded wall.

axe-core is vendored (tests/browser/axe/, MPL-2.0). The pages send a Content-Security-Policy
without 'unsafe-inline', so axe is not added as a <script> tag (inline, blocked) but evaluated
through the DevTools protocol, which page CSP does not govern.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import urllib.request
from functools import cache
from pathlib import Path

import pytest

from tests.browser.test_journeys import FITS_PHONE, open_wall, sticky, wait_online

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips, or fails under CI=true
    expect = None

pytestmark = pytest.mark.browser

AXE = sorted((Path(__file__).parent / "axe").glob("axe-*.min.js"))[-1]
BLOCKING = {"serious", "critical"}

RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => n.target.join(' ') + (n.failureSummary ? ' :: ' + n.failureSummary
                                                   .replace(/\\s+/g, ' ') : '')),
  }));
}"""

STICKY_ANIMATION = """text => {
  const el = [...document.querySelectorAll('#columns li.sticky--new')]
    .find(li => li.querySelector('.sticky__text').textContent === text);
  return el && el.isConnected && getComputedStyle(el).animationName;
}"""


@cache
def axe_source() -> str:
    return AXE.read_text(encoding="utf-8")


def axe_violations(page, name: str) -> list[str]:
    """Run axe on the page as it is now; print every violation, return the blocking ones."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(axe_source())
    blocking = []
    for v in page.evaluate(RUN_AXE):
        line = f"[{name}] {v['impact']}: {v['id']} ({v['help']}): " + " | ".join(v["nodes"][:4])
        print(line)
        if v["impact"] in BLOCKING:
            blocking.append(line)
    return blocking


def test_axe_finds_nothing_serious_on_any_page(people, server, workshop):
    station = workshop["stations"][0]
    token = station["token"]
    code = workshop["workshop"]["code"]
    server.post_note(token, "Glasfaser bis zum letzten Hof")
    found: list[str] = []

    phone = people.page("phone")
    for name, path in (("home", "/"), ("new", "/new"), ("stations", f"/j/{code}")):
        phone.goto(path)
        found += axe_violations(phone, name)
    phone.goto(station["url"])
    wait_online(phone)
    found += axe_violations(phone, "station")
    phone.goto("/s/does-not-exist")
    assert phone.title().startswith("404")
    found += axe_violations(phone, "404")

    display = people.page("display")
    display.goto(station["display_url"])
    found += axe_violations(display, "display")

    laptop = people.page("laptop")
    laptop.goto(workshop["workshop"]["manage_url"])
    expect(laptop.locator("li.manage-station")).to_have_count(len(workshop["stations"]))
    found += axe_violations(laptop, "manage")
    laptop.goto(f"/w/{code}/posters")
    found += axe_violations(laptop, "posters")
    laptop.goto(f"/w/{code}/report")
    expect(laptop.locator(".report__station")).to_have_count(len(workshop["stations"]))
    found += axe_violations(laptop, "report")

    wall = open_wall(people, workshop)
    expect(sticky(wall, token, "Glasfaser bis zum letzten Hof")).to_have_count(1)
    found += axe_violations(wall, "wall")
    wall.click("#toggle-edit")
    expect(wall.locator("select.sticky__select:visible").first).to_be_visible()
    found += axe_violations(wall, "wall-edit")
    wall.goto(f"/w/{code}/wall/{token}")
    expect(wall.locator("#columns > section.column")).to_have_count(1)
    found += axe_violations(wall, "wall-station")

    assert not found, "serious or critical axe violations:\n" + "\n".join(found)


def tab_to(page, selector: str, limit: int = 120) -> None:
    """Press Tab until the focused element matches `selector`; its focus must be visible."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            ring = page.evaluate(
                "() => { const s = getComputedStyle(document.activeElement);"
                " return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0; }"
            )
            assert ring, f"{selector} has focus but shows no focus ring"
            return
    pytest.fail(f"{selector} cannot be reached with Tab")


def retype(page, text: str) -> None:
    """Replace the focused field's value from the keyboard."""
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type(text)


def test_walk_and_phases_by_keyboard_with_nothing_serious(people, server):
    """The pages the walk adds: the wall's walk menu (driven by keyboard alone: Tab to it,
    Enter opens it, its fields and buttons follow in Tab order), the wall and the station
    display with a running rotation, the phone with the rotation banner and group picker and
    in the review, vote and results phases, and the moderation page. axe finds nothing
    serious or critical; every tap target on the phone is at least 44 px high."""
    links = server.seed(
        "workshop", "new", "Rundgang barrierefrei",
        "--station", "Mobilität: Wie kommen wir ohne Auto zur Arbeit?",
        "--station", "Verwaltung: Was soll online gehen?",
    )  # fmt: skip
    one = links["stations"][0]
    code = links["workshop"]["code"]
    server.post_note(one["token"], "Mehr Busse am Abend")
    found: list[str] = []
    cramped: list[str] = []

    def phone_check(page, name: str) -> None:
        nonlocal found, cramped
        found += axe_violations(page, name)
        cramped += [f"[{name}] {problem}" for problem in page.evaluate(FITS_PHONE)]
        people.shot(page, f"a11y-{name}", full_page=True)

    wall = open_wall(people, links)
    wall.evaluate("document.activeElement && document.activeElement.blur()")
    tab_to(wall, "#walk-panel > summary")
    wall.keyboard.press("Enter")
    expect(wall.locator("#walk-panel")).to_have_attribute("open", "")
    tab_to(wall, "#phase-buttons [data-phase=collect]")
    tab_to(wall, "#groups-input")
    retype(wall, "2")
    tab_to(wall, "#minutes-input")
    retype(wall, "10")
    tab_to(wall, "#rotation-buttons [data-action=start]")
    wall.keyboard.press("Enter")
    expect(wall.locator("#wall-round")).to_have_text("Runde 1 von 2")
    expect(wall.locator("#walk-panel")).to_have_attribute("open", "")
    found += axe_violations(wall, "wall-walk-menu")
    people.shot(wall, "a11y-wall-walk-menu")
    wall.keyboard.press("Escape")  # closes like a menu, focus back on its button
    expect(wall.locator("#walk-panel")).not_to_have_attribute("open", "")
    assert wall.evaluate("document.activeElement.matches('#walk-panel > summary')")
    found += axe_violations(wall, "wall-rotation")

    display = people.page("display")
    display.goto(one["display_url"])
    expect(display.locator("#display-walk")).to_be_visible()
    found += axe_violations(display, "display-rotation")
    people.shot(display, "a11y-display-rotation")

    phone = people.page("phone")
    phone.goto(one["url"])
    wait_online(phone)
    expect(phone.locator("#group-picker")).to_be_visible()
    phone_check(phone, "phone-group-picker")
    phone.locator("#group-buttons button", has_text="A").tap()
    expect(phone.locator("#walk-group")).to_have_text("Ihre Gruppe: A")
    phone_check(phone, "phone-rotation")

    staff = people.page("laptop")
    staff.goto(links["workshop"]["manage_url"])
    staff.goto(f"/w/{code}/moderate")
    expect(staff.locator(f"#mod-station-{one['token']}")).to_be_visible()
    staff.locator(f"#mod-station-{one['token']} details.paper summary").click()
    found += axe_violations(staff, "moderate")
    people.shot(staff, "a11y-moderate", full_page=True)

    def set_phase(phase: str) -> None:  # by keyboard, from the closed walk menu
        wall.locator("#walk-panel > summary").focus()
        wall.keyboard.press("Enter")
        tab_to(wall, f"#phase-buttons [data-phase={phase}]")
        wall.keyboard.press("Enter")
        expect(wall.locator(f"#phase-buttons [data-phase={phase}]")).to_have_attribute(
            "aria-pressed", "true"
        )
        wall.keyboard.press("Escape")
        expect(phone.locator("#station")).to_have_attribute("data-phase", phase)  # reloaded

    set_phase("review")
    wait_online(phone)
    note = phone.locator("#notes .note", has_text="Mehr Busse am Abend")
    note.locator(".chip", has_text="Antworten").tap()
    expect(note.locator(".reply-form textarea")).to_be_focused()
    phone_check(phone, "phone-review")

    set_phase("vote")
    wait_online(phone)
    phone.locator("#notes .note", has_text="Mehr Busse").locator(".chip--dot").tap()
    expect(phone.locator("#notes .note .badge--dots")).to_have_count(1)
    phone_check(phone, "phone-vote")

    set_phase("results")
    expect(phone.locator("#results")).to_be_visible()
    phone_check(phone, "phone-results")
    found += axe_violations(wall, "wall-results")

    assert not found, "serious or critical axe violations:\n" + "\n".join(found)
    assert not cramped, "phone pages that do not fit or have small tap targets:\n" + "\n".join(
        cramped
    )


def test_page_language_follows_the_workshop(people, server, workshop):
    english = server.seed("workshop", "new", "Future Lab", "--lang", "en", "--station", "Go: How?")
    phone = people.page("phone")  # a German phone: the workshop's language still wins
    for links, lang in ((workshop, "de"), (english, "en")):
        station = links["stations"][0]
        for url in (station["url"], station["display_url"], f"/j/{links['workshop']['code']}"):
            phone.goto(url)
            assert phone.locator("html").get_attribute("lang") == lang, url
    phone.goto(english["stations"][0]["url"])
    expect(phone.locator("#note-submit")).to_have_text("Post note")


def test_phone_page_is_usable_at_200_percent_zoom(people, server, workshop):
    """200 % zoom on a 360 px phone leaves 180 CSS px: nothing may stick out sideways, and the
    note can still be written and posted."""
    station = workshop["stations"][1]
    phone = people.page("phone", viewport={"width": 180, "height": 370}, device_scale_factor=4)
    phone.goto(station["url"])
    wait_online(phone)
    overflow = """() => {
      const width = document.documentElement.clientWidth, wide = [];
      for (const el of document.querySelectorAll('body *')) {
        const r = el.getBoundingClientRect();
        if (r.width && (r.left < -0.5 || r.right > width + 0.5))
          wide.push(el.outerHTML.slice(0, 80));
      }
      return {scroll: document.documentElement.scrollWidth, width, wide};
    }"""
    fit = phone.evaluate(overflow)
    assert fit["scroll"] <= fit["width"] and fit["wide"] == [], fit
    submit = phone.locator("#note-submit")
    submit.scroll_into_view_if_needed()
    box = submit.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 180 and box["height"] >= 44, box
    text = "Vergrößert geschrieben und gesendet"
    phone.fill("#note-text", text)
    submit.tap()
    expect(phone.locator("#notes li.note--mine").filter(has_text=text)).to_have_count(1)
    assert phone.evaluate(overflow)["wide"] == []
    people.shot(phone, "phone-zoom-200")


def test_reduced_motion_stops_the_animations(people, server, workshop):
    station = workshop["stations"][2]
    token = station["token"]
    calm = open_wall(people, workshop)  # with the default context: animated, for comparison
    still = people.page("wall", reduced_motion="reduce")
    still.goto(workshop["workshop"]["wall_url"])
    expect(still.locator("#columns > section.column")).to_have_count(len(workshop["stations"]))
    phone = people.page("phone", reduced_motion="reduce")
    phone.goto(station["url"])
    wait_online(phone)

    text = "Bitte ohne Wackeln"
    server.post_note(token, text)
    for page, expected in ((calm, "arrive"), (still, "none")):  # it exists, and is off when asked
        expect(sticky(page, token, text)).to_have_count(1)
        # the wall redraws a column when its groups change: read the sticky on screen now
        name = page.wait_for_function(STICKY_ANIMATION, arg=text).json_value()
        assert name == expected, page
    on_phone = phone.locator("#notes li.note").filter(has_text=text)
    expect(on_phone).to_have_count(1)
    assert on_phone.evaluate("el => getComputedStyle(el).animationName") == "none"


def test_a_note_that_changes_group_is_marked_where_it_lands(people, server, workshop):
    """A note the facilitator (or the grouping) moves to another group fades in there with a
    ring, so the room can follow it; nothing flies across the wall (a glide passed over other
    cards), and with reduced motion nothing moves at all."""
    token = workshop["stations"][0]["token"]
    moving = open_wall(people, workshop)
    still = people.page("wall", reduced_motion="reduce")
    still.goto(workshop["workshop"]["wall_url"])
    expect(still.locator("#columns > section.column")).to_have_count(len(workshop["stations"]))
    moving.click("#toggle-edit")
    menu = moving.locator(f"#column-{token} select.sticky__select:visible").first
    note = menu.locator("xpath=ancestor::li[contains(@class,'sticky')][1]")
    note_id, before = note.get_attribute("data-id"), note.get_attribute("data-group") or ""
    menu.select_option("new")
    marked = re.compile(r"\bsticky--moved\b")
    for page in (moving, still):
        expect(page.locator(f"#wall-note-{note_id}")).not_to_have_attribute("data-group", before)
    expect(moving.locator(f"#wall-note-{note_id}")).to_have_class(marked)
    expect(still.locator(f"#wall-note-{note_id}")).not_to_have_class(marked)
    animated = "el => el.getAnimations().map(a => a.animationName)"
    if moving.locator(f"#wall-note-{note_id}").is_visible():  # drawn, not folded into a chip
        assert "regrouped" in moving.locator(f"#wall-note-{note_id}").evaluate(animated)


def test_wall_edit_controls_work_by_keyboard(people, server, workshop):
    station = workshop["stations"][0]
    token = station["token"]
    wall = people.page("wall")
    wall.goto(workshop["workshop"]["wall_url"])
    wall.goto(f"/w/{workshop['workshop']['code']}/wall/{token}")
    expect(wall.locator("#columns li.sticky").first).to_be_visible()
    wall.locator("#toggle-edit").focus()
    wall.keyboard.press("Enter")
    expect(wall.locator("select.sticky__select:visible").first).to_be_visible()

    for _ in range(200):  # Tab from the edit toggle to the first sticky's move menu
        wall.keyboard.press("Tab")
        if wall.evaluate("document.activeElement.matches('select.sticky__select')"):
            break
    else:
        pytest.fail("no move menu reachable with Tab")
    focused = wall.evaluate_handle("document.activeElement")
    assert focused.evaluate("el => getComputedStyle(el).outlineStyle") != "none"  # focus visible
    note_id = focused.evaluate("el => el.closest('li.sticky').dataset.id")
    before = focused.evaluate("el => el.closest('li.sticky').dataset.group")
    wall.keyboard.press("End")  # the last choice: a new group of its own
    moved = wall.locator(f"#wall-note-{note_id}")
    expect(moved).not_to_have_attribute("data-group", before or "")
    expect(moved).to_have_attribute("data-group", re.compile(".+"))


def post_from_phones(server, token: str, texts: list[str], per_phone: int = 20) -> None:
    """Many notes as a room of phones sends them: each phone its own session (the visit to the
    station page gives it its participant id), so the per-participant posting limit sees
    people, not one machine (gallery/limits.py)."""
    url = f"{server.url}/api/v1/stations/{token}/notes"
    for first in range(0, len(texts), per_phone):
        phone = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        phone.open(f"{server.url}/s/{token}", timeout=10).close()
        for text in texts[first : first + per_phone]:
            body = json.dumps({"text": text, "client_id": os.urandom(8).hex()}).encode()
            request = urllib.request.Request(
                url, data=body, headers={"Content-Type": "application/json"}
            )
            phone.open(request, timeout=10).close()


def test_wall_with_200_notes_on_one_station(people, server, artifacts):
    links = server.seed("workshop", "new", "Viele Ideen", "--station", "Alles: Was fehlt euch?")
    token = links["stations"][0]["token"]
    topics = ["Bus", "Radweg", "Glasfaser", "Schule", "Verein", "Rathaus", "Solar", "Markt"]
    ideas = [f"Idee {n + 1}: mehr {topics[n % 8]} und {topics[n * 3 % 8]}" for n in range(200)]
    post_from_phones(server, token, ideas)
    wall = people.page("wall")
    wall.goto(links["workshop"]["wall_url"])
    wall.goto(f"/w/{links['workshop']['code']}/wall/{token}")
    expect(wall.locator("#columns li.sticky")).to_have_count(200, timeout=20_000)
    expect(wall.locator(".group--new")).to_have_count(0, timeout=20_000)  # clustering done
    # the layout at rest: notes that changed group are marked for 1.6 s, new ones for 5 s
    wall.wait_for_function("() => document.getAnimations().length === 0", timeout=20_000)

    layout = wall.evaluate("""() => {
      const boxes = [...document.querySelectorAll('#columns li.sticky')]
        .map(el => el.getBoundingClientRect());
      const overlaps = [];
      for (let i = 0; i < boxes.length; i++)
        for (let j = i + 1; j < boxes.length; j++) {
          const a = boxes[i], b = boxes[j];
          if (Math.min(a.right, b.right) - Math.max(a.left, b.left) > 0.5 &&
              Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 0.5) overlaps.push([i, j]);
        }
      const columns = document.getElementById('columns');
      return {overlaps: overlaps.slice(0, 5), count: overlaps.length,
              page: document.documentElement.scrollWidth <= innerWidth,
              columns: columns.scrollWidth <= columns.clientWidth,
              smallest: Math.min(...[...document.querySelectorAll('#columns .sticky__text')]
                .map(el => parseFloat(getComputedStyle(el).fontSize)))};
    }""")
    people.shot(wall, "wall-200-notes")
    assert layout["count"] == 0, layout
    assert layout["page"] and layout["columns"], layout
    assert layout["smallest"] >= 18, layout  # the floor for note text on the projector


FIT_STATE = """() => {
  const body = document.querySelector('#columns .column__body');
  const labels = [...body.querySelectorAll('.group__label')].map(el => {
    const r = el.getBoundingClientRect(), b = body.getBoundingClientRect();
    return r.top >= b.top - 1 && r.bottom <= b.bottom + 1;
  });
  return {fits: body.scrollHeight <= body.clientHeight, labels: labels.length,
          seen: labels.filter(Boolean).length,
          px: parseFloat(getComputedStyle(body.querySelector('.sticky__text')).fontSize)};
}"""


def test_focused_station_fits_its_groups_on_the_projector(people, server):
    """One station on the screen: 16 notes in eight topics are shown whole, every group's
    label in view, the notes made smaller than with three notes but never below 18 px."""
    links = server.seed("workshop", "new", "Passt", "--station", "Was fehlt im Ort?")
    token = links["stations"][0]["token"]
    topics = [  # long words make long labels, and long labels a wide "merge with" menu
        "Bürgerbus-Rufsystem", "Radwegeverbindungen", "Glasfaseranschlüsse", "Schulsozialarbeit",
        "Vereinsdigitalisierung", "Rathausöffnungszeiten", "Solarstromförderung", "Wochenmarkt",
    ]  # fmt: skip
    ideas = [f"{t}: Vorschlag {n} für den Ort" for n in range(2) for t in topics]
    wall = people.page("wall")
    wall.goto(links["workshop"]["wall_url"])
    wall.goto(f"/w/{links['workshop']['code']}/wall/{token}")
    post_from_phones(server, token, ideas[:3])
    expect(wall.locator("#columns li.sticky")).to_have_count(3, timeout=20_000)
    expect(wall.locator(".group--new")).to_have_count(0, timeout=20_000)
    wall.wait_for_function("() => document.getAnimations().length === 0", timeout=20_000)
    few = wall.evaluate(FIT_STATE)
    assert few["fits"] and few["px"] >= 40, few  # nothing to fit: the notes stay large

    post_from_phones(server, token, ideas[3:])
    expect(wall.locator("#columns li.sticky")).to_have_count(16, timeout=20_000)
    # placed, re-clustered, every mark faded: then all of it is in view
    done = f"""() => {{ const s = ({FIT_STATE})();
      return document.querySelectorAll('.group--new').length === 0
        && document.getAnimations().length === 0
        && s.fits && s.labels >= 2 && s.seen === s.labels; }}"""
    wall.wait_for_function(done, timeout=20_000)
    many = wall.evaluate(FIT_STATE)
    people.shot(wall, "wall-focus-fitted")
    assert 18 <= many["px"] < few["px"], many

    wall.click("#toggle-edit")  # the facilitator's tools fit inside each group (those drawn)
    expect(wall.locator(".group__actions select").first).to_be_visible()
    sticking_out = wall.evaluate("""() => [...document.querySelectorAll(
        '.group__actions select, .group__count, .sticky__select')].filter(e => {
          const r = e.getBoundingClientRect(), g = e.closest('.group').getBoundingClientRect();
          return r.width && (r.left < g.left - 1 || r.right > g.right + 1); }).length""")
    people.shot(wall, "wall-focus-edit")
    assert sticking_out == 0

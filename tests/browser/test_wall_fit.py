"""The projected overview fits the screen (issue 18): at 1920×1080 nothing scrolls and
nothing is cut; a note card is whole on screen or not drawn, and every group that holds
cards back says how many ("+7"); labels and counts are in view; note text stays ≥ 18 px.
Edit mode fits the same way, with every drop target in view: the groups, their folded chips,
"Einzelne Ideen" and the field for a new group; there every group shown open shows at least one
card and a column's top group two, before the last chips give way to "+N"."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_accessibility import post_from_phones
from tests.browser.test_journeys import VISIBLE_POINT, drag, open_wall
from tests.browser.test_wall_text import burst_workshop

TOPICS = ["Bus", "Radweg", "Glasfaser", "Schule", "Verein", "Rathaus", "Solar", "Markt",
          "Pflege", "Handwerk"]  # fmt: skip

FIT = """() => {
  const out = {scrolls: [], cut: [], labels: 0, labelsSeen: 0, held: 0, counted: 0, px: 99,
               drawn: 0, targets: 0, targetsSeen: 0, cardless: [], topShows: []};
  const within = (r, b) => r.top >= b.top - 1 && r.bottom <= b.bottom + 1
                          && r.left >= b.left - 1 && r.right <= b.right + 1;
  const screen = {top: 0, left: 0, bottom: innerHeight, right: innerWidth};
  if (document.documentElement.scrollHeight > innerHeight + 1) out.scrolls.push('page');
  document.querySelectorAll('#columns .column__body').forEach(body => {
    if (body.scrollHeight > body.clientHeight + 1) out.scrolls.push(body.closest('.column').id);
    const b = body.getBoundingClientRect();
    body.querySelectorAll('.sticky').forEach(card => {
      const r = card.getBoundingClientRect();
      if (!r.width) { out.held++; return; }  // not drawn
      out.drawn++;
      if (!within(r, b) || !within(r, screen)) out.cut.push(card.dataset.id);
      const px = parseFloat(getComputedStyle(card.querySelector('.sticky__text')).fontSize);
      out.px = Math.min(out.px, px);
    });
    body.querySelectorAll('.group').forEach(group => {
      const label = group.querySelector('.group__label');
      if (!label || group.hidden) return;
      out.labels++;
      if (within(label.getBoundingClientRect(), b)) out.labelsSeen++;
      const more = group.querySelector('.group__more:not([hidden])');
      const folded = group.classList.contains('group--folded');
      if (folded) out.counted += group.querySelectorAll('.sticky').length;
      else if (more) out.counted += parseInt(more.textContent.match(/[0-9]+/)[0], 10);
    });
    const flat = body.querySelector('.flat__more:not([hidden])');  // "all notes", no groups
    if (flat) out.counted += parseInt(flat.textContent.match(/[0-9]+/)[0], 10);
    body.querySelectorAll('.column__folded > .group[hidden]').forEach(group => {
      out.counted += group.querySelectorAll('.sticky').length;
    });
    // the groups shown open (not folded into the strip): the cards each draws, of how many
    const open = [...body.querySelectorAll('.group:not(.group--drop):not(.group--folded)')]
      .filter(g => !g.hidden && g.querySelector('.sticky'));
    open.forEach((group, i) => {
      const cards = group.querySelectorAll('.sticky');
      const shown = [...cards].filter(c => c.getBoundingClientRect().width).length;
      if (!shown) out.cardless.push(group.dataset.cluster || group.className);
      if (i === 0) out.topShows.push([shown, cards.length]);
    });
    // where a dragged note can land: every group or chip drawn, and the new-group field
    body.querySelectorAll('.group:not([hidden])').forEach(target => {
      out.targets++;
      const r = target.getBoundingClientRect();
      if (r.width && r.height && within(r, b) && within(r, screen)) out.targetsSeen++;
    });
  });
  return out;
}"""


@pytest.mark.parametrize(("stations", "per_station"), [(4, 50), (2, 120), (8, 20)])
def test_the_overview_fits_the_projector(people, server, stations, per_station):
    links = server.seed("workshop", "new", "Digital-Gipfel", *[
        arg for n in range(stations) for arg in ("--station", f"Station {n + 1}: Was fehlt?")
    ])  # fmt: skip
    for s, station in enumerate(links["stations"]):
        ideas = [f"S{s} Idee {n + 1}: mehr {TOPICS[n % 10]} für {TOPICS[(n * 3 + s) % 10]}"
                 for n in range(per_station)]  # fmt: skip
        post_from_phones(server, station["token"], ideas)
    wall = open_wall(people, links)
    expect(wall.locator("#columns li.sticky")).to_have_count(stations * per_station, timeout=30_000)
    expect(wall.locator(".group--new")).to_have_count(0, timeout=30_000)  # clustering done
    settle(wall)
    state = fit_state(wall)
    people.shot(wall, f"wall-fit-{stations}x{per_station}")
    assert_fits(state)

    wall.click("#toggle-edit")  # edit mode: the same fit, the facilitator's tools added
    expect(wall.locator(".group__actions select").first).to_be_attached()
    settle(wall)
    state = fit_state(wall)
    people.shot(wall, f"wall-edit-fit-{stations}x{per_station}")
    assert_fits(state)
    assert state["targets"] and state["targetsSeen"] == state["targets"], state
    assert wall.locator(".group--drop").count() == stations  # a new group: one field a column
    assert_cards_before_chips(state)
    if stations == 4:
        a_note_dragged_onto_the_last_group_lands_there(wall)
        an_opened_group_shows_more_of_its_cards(wall)


def test_the_rehearsal_wall_in_edit_mode_shows_cards_before_chips(people, server):
    """The rehearsal wall (`gallery demo --notes 200`: four stations of 40-60 German notes, long
    topic names) fits in both modes; in edit mode its many chips (one a line) once took all the
    room of a column's top group, which showed no card but "+12"."""
    links = server.seed("demo", "--notes", "200")
    wall = open_wall(people, links)
    expect(wall.locator("#columns li.sticky")).to_have_count(200, timeout=30_000)
    settle(wall)
    assert_fits(fit_state(wall))
    wall.click("#toggle-edit")
    expect(wall.locator(".group__actions select").first).to_be_attached()
    settle(wall)
    state = fit_state(wall)
    people.shot(wall, "wall-edit-fit-demo-200")
    assert_fits(state)
    assert state["targets"] and state["targetsSeen"] == state["targets"], state
    assert_cards_before_chips(state)


def test_all_notes_without_groups_fit_the_projector(people, server):
    """ "Alle Notizen zeigen" on the rehearsal wall: the notes as one list a column, newest
    first; the cards that do not fit give way to "+N" at the column's foot instead of being
    cut in half by it."""
    links = server.seed("demo", "--notes", "200")
    wall = open_wall(people, links)
    expect(wall.locator("#columns li.sticky")).to_have_count(200, timeout=30_000)
    wall.click("#toggle-view")
    expect(wall.locator("#columns .group")).to_have_count(0)
    settle(wall)
    state = fit_state(wall)
    people.shot(wall, "wall-all-notes")
    assert state["scrolls"] == [] and state["cut"] == [], state
    assert state["drawn"] > 0 and state["px"] >= 18, state
    assert state["held"] == state["counted"], state  # every card held back is counted
    assert state["held"] > 0 and wall.locator(".flat__more:visible").count() == 4, state


# The share of a station's board its open groups cover (the rest is empty room).
COVERED = """() => {
  const body = document.querySelector('#columns .column__body'), b = body.getBoundingClientRect();
  let area = 0;
  body.querySelectorAll('.group:not(.group--folded)').forEach(g => {
    const r = g.getBoundingClientRect();
    area += r.width * r.height;
  });
  return area / (b.width * b.height);
}"""


@pytest.mark.parametrize("notes", [12, 40, 150, "demo"])
def test_one_station_full_screen_uses_the_screen(people, server, notes):
    """One station full screen stands its groups side by side: every group label in view,
    every card whole or counted, and when cards are held back, the groups fill most of the
    screen. The rehearsal wall's first station (60 notes in nine groups, more than fit side by
    side) once showed one group and folded the other eight into chips, the screen 80 % empty:
    the fit weighed side-by-side groups as if they stood in one column."""
    if notes == "demo":
        links = server.seed("demo", "--notes", "200")
        token = links["stations"][0]["token"]
    else:
        links = server.seed("workshop", "new", "Vollbild", "--station", "Was fehlt im Ort?")
        token = links["stations"][0]["token"]
        ideas = [f"Idee {n + 1}: mehr {TOPICS[n % 10]} für {TOPICS[(n * 3) % 10]}"
                 for n in range(notes)]  # fmt: skip
        post_from_phones(server, token, ideas)
    wall = open_wall(people, links)
    wall.goto(wall.url + "/" + token)
    expect(wall.locator("#columns > section.column")).to_have_count(1)
    expect(wall.locator("#columns li.sticky").first).to_be_attached(timeout=30_000)
    expect(wall.locator(".group--new")).to_have_count(0, timeout=30_000)  # clustering done
    settle(wall)
    state = fit_state(wall)
    people.shot(wall, f"wall-station-{notes}")
    assert_fits(state)
    if state["held"]:
        assert wall.evaluate(COVERED) > 0.5, wall.evaluate(COVERED)
        assert wall.locator(".group--folded").count() == 0 or state["px"] <= 19


def assert_cards_before_chips(state: dict) -> None:
    """Edit mode: every group shown open shows a card, a column's top group two (when it has
    them); the strip's last chips gave way to "+N" first."""
    assert state["cardless"] == [], state
    assert all(shown >= min(2, total) for shown, total in state["topShows"]), state["topShows"]


def a_note_dragged_onto_the_last_group_lands_there(wall) -> None:
    """A column's last group (a folded chip, if the fit folded groups) takes a note dragged
    from the top of the column: nothing needs scrolling to get there."""
    pick = wall.evaluate("""() => {
      for (const column of document.querySelectorAll('#columns > section.column')) {
        const targets = [...column.querySelectorAll('.group[data-cluster]:not([hidden])')];
        const target = targets.pop();
        if (!target) continue;
        const note = [...column.querySelectorAll('li.sticky')].find(li =>
          li.getBoundingClientRect().width && li.closest('section.group') !== target);
        if (note) return {cluster: target.dataset.cluster, note: note.dataset.id,
                          station: column.dataset.station};
      }
      return null;
    }""")
    assert pick, "some column has a group to drag a note of another group onto"
    column = wall.locator(f"#column-{pick['station']}")
    target = column.locator(f'.group[data-cluster="{pick["cluster"]}"]')
    assert target.evaluate(VISIBLE_POINT), "the last group must be in view"
    drag(wall, wall.locator(f"#wall-note-{pick['note']}"), target)
    moved = wall.locator(f"#wall-note-{pick['note']}")
    expect(moved).to_have_attribute("data-group", pick["cluster"])
    settle(wall)
    assert_fits(fit_state(wall))


def an_opened_group_shows_more_of_its_cards(wall) -> None:
    """ "+7" in edit mode opens its group: it shows more of its cards than before (all that
    fit; the others fold first), the column still fits; its count closes it again."""
    # in a column where another group shows cards, which can give way (where every other
    # group is already a chip, the column has no more room to give)
    cluster = wall.evaluate("""() => {
      const shows = g => [...g.querySelectorAll('.sticky')]
        .some(c => c.getBoundingClientRect().width);
      for (const body of document.querySelectorAll('#columns .column__body')) {
        const open = [...body.querySelectorAll('.group:not(.group--folded)')].filter(shows);
        const more = open.find(g => g.querySelector('button.group__more:not([hidden])'));
        if (open.length > 1 && more) return [body.parentNode.id, more.dataset.cluster];
      }
      return null;
    }""")
    assert cluster, "some column holds cards back in a group beside another"
    column, cluster = cluster
    group = wall.locator(f'#{column} section.group[data-cluster="{cluster}"]')
    more = group.locator("button.group__more")
    shown = group.locator("li.sticky:visible").count()
    more.click()
    opened = wall.locator(f'#{column} section.group--opened[data-cluster="{cluster}"]')
    expect(opened).to_have_count(1)
    settle(wall)
    assert_fits(fit_state(wall))
    assert opened.locator("li.sticky:visible").count() > shown
    opened.locator("button.group__count").click()
    expect(wall.locator("section.group--opened")).to_have_count(0)


def settle(wall) -> None:
    """No note waiting for its group and nothing gliding, three times 0.5 s apart: on a loaded
    machine a late regrouping redraws a column (and glides its notes) after the first look."""
    for _ in range(3):
        wall.wait_for_function(
            "() => !document.querySelector('.group--new') && document.getAnimations().length === 0",
            timeout=20_000,
        )
        wall.wait_for_timeout(500)


def fit_state(wall) -> dict:
    """FIT, taken in a frame with no note waiting and nothing gliding (a glide's cards are
    between two places on purpose)."""
    quiet = "!document.querySelector('.group--new') && document.getAnimations().length === 0"
    return wall.wait_for_function(f"() => {quiet} && ({FIT})()", timeout=20_000).json_value()


def assert_fits(state: dict) -> None:
    assert state["scrolls"] == [] and state["cut"] == [], state
    assert state["labels"] and state["labelsSeen"] == state["labels"], state
    assert state["drawn"] > 0 and state["px"] >= 18, state
    assert state["held"] == state["counted"], state  # every card held back is counted


def test_the_wall_shows_the_phase_and_how_to_join(people, workshop):
    """The room reads the phase off the wall as it changes, and can join from it: the short
    address of the station list and its QR code, in view, hideable by the facilitator."""
    wall = open_wall(people, workshop)
    code = workshop["workshop"]["code"]
    join = wall.locator("#wall-join")
    expect(join.locator(".wall__url")).to_have_text(re.compile(rf"/j/{code}$"))
    box = join.locator("img").bounding_box()
    assert box and box["width"] >= 100 and box["y"] >= 0 and box["x"] + box["width"] <= 1920
    assert wall.evaluate("document.querySelector('#wall-join img').naturalWidth") > 0  # loaded
    banner = wall.locator("#wall-phase")
    expect(banner).to_have_text("Sammeln")
    for phase, name in (("vote", "Abstimmen"), ("results", "Ergebnisse"),
                        ("review", "Lesen & ergänzen")):  # fmt: skip
        wall.click(".wall__walk summary")
        wall.click(f'#phase-buttons [data-phase="{phase}"]')
        wall.keyboard.press("Escape")
        expect(banner).to_have_text(name)
        expect(banner).to_have_attribute("data-phase", phase)
    assert float(wall.evaluate(
        "parseFloat(getComputedStyle(document.getElementById('wall-phase')).fontSize)"
    )) >= 24  # fmt: skip
    wall.click("#toggle-join")
    expect(join).to_be_hidden()
    wall.reload()
    expect(wall.locator("#wall-join")).to_be_hidden()  # the facilitator's choice is kept
    wall.click("#toggle-join")
    expect(wall.locator("#wall-join")).to_be_visible()


def test_the_move_menu_offers_groups_never_single_notes(people, workshop):
    """Edit mode's "Verschieben nach …" lists the station's groups, "Neue Gruppe" and
    "Einzelne Ideen", never a single note as if it were a group; a single idea's own menu
    does not offer "Einzelne Ideen" again."""
    wall = open_wall(people, workshop)
    expect(wall.locator(".group--new")).to_have_count(0, timeout=20_000)  # clustering done
    wall.click("#toggle-edit")
    expect(wall.locator("select.sticky__select:visible").first).to_be_visible()
    menus = wall.evaluate("""() => [...document.querySelectorAll('select.sticky__select')]
     .map(s => {
      const column = s.closest('.column');
      const groups = [...column.querySelectorAll('section.group[data-cluster]')]
        .map(g => g.dataset.cluster);
      const moves = [...s.querySelectorAll('optgroup')].pop();
      return {groups, single: !!s.closest('.group--singles'),
              values: [...moves.querySelectorAll('option')].map(o => o.value)};
    })""")
    assert menus and any(m["single"] for m in menus), menus  # the demo has single ideas
    for menu in menus:
        targets = [v for v in menu["values"] if v not in ("new", "single")]
        assert set(targets) <= set(menu["groups"]), menu  # only real groups
        assert "new" in menu["values"]
        assert ("single" in menu["values"]) is (not menu["single"]), menu


# Every frame: do two note cards drawn on the wall overlap (gliding ones too: their boxes are
# read with the transform of the moment)?
SAMPLE_OVERLAPS = """() => {
  const seen = window.__overlaps = {frames: 0, bad: 0, first: null, stop: false};
  const tick = () => {
    const boxes = [...document.querySelectorAll('#columns li.sticky')]
      .map(card => [card.dataset.id, card.getBoundingClientRect()]).filter(([, r]) => r.width);
    seen.frames++;
    for (let i = 0; i < boxes.length; i++)
      for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i][1], b = boxes[j][1];
        if (Math.min(a.right, b.right) - Math.max(a.left, b.left) > 1 &&
            Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 1) {
          seen.bad++;
          seen.first = seen.first || [boxes[i][0], boxes[j][0], seen.frames];
          i = boxes.length;
          break;
        }
      }
    if (!seen.stop) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}"""


def test_cards_never_overlap_during_a_burst(people, server):
    """30 notes arrive at one station within a few seconds while the wall is open, each drawn
    as it comes and then placed in its group: in no frame do two cards overlap."""
    links = burst_workshop(server)
    token = links["stations"][0]["token"]
    wall = open_wall(people, links)
    wall.evaluate(SAMPLE_OVERLAPS)
    texts = [f"{topic} {n // 10 + 1}: mehr {TOPICS[(n * 7) % 10]} im Ort"
             for n, topic in enumerate(TOPICS * 3)]  # fmt: skip
    for text in texts:
        server.post_note(token, text)
        wall.wait_for_timeout(120)
    expect(wall.locator("#columns li.sticky")).to_have_count(30, timeout=20_000)
    settle(wall)
    seen = wall.evaluate("() => { window.__overlaps.stop = true; return window.__overlaps; }")
    assert seen["frames"] > 50, seen  # sampled all along, not once
    assert seen["bad"] == 0, seen
    assert_fits(fit_state(wall))


# The title's words that the line breaks cut in two (a word drawn on two lines).
CUT_WORDS = """() => {
  const text = document.getElementById('wall-title').firstChild, cut = [], word = /\\S+/g;
  for (let m; (m = word.exec(text.data));) {
    const range = document.createRange();
    range.setStart(text, m.index);
    range.setEnd(text, m.index + m[0].length);
    if (range.getClientRects().length > 1) cut.push(m[0]);
  }
  return cut;
}"""


def test_the_title_stays_whole_beside_a_rotation_timer(people, server):
    """A rotation puts its timer on the bar beside the title: the rehearsal workshop's title
    once ran to four lines there, "Mittelsachse|n" cut mid-word; it now steps down a size."""
    links = server.seed("demo", "--notes", "40")
    wall = open_wall(people, links)
    wall.click(".wall__walk summary")
    wall.click('#phase-buttons [data-phase="collect"]')  # waits for the wall to have joined
    expect(wall.locator("#wall-phase")).to_have_attribute("data-phase", "collect")
    wall.fill("#groups-input", "4")
    wall.fill("#minutes-input", "8")
    wall.click('#rotation-buttons [data-action="start"]')
    wall.keyboard.press("Escape")
    expect(wall.locator("#wall-timer")).to_be_visible()
    people.shot(wall, "wall-rotation-bar")
    assert wall.evaluate(CUT_WORDS) == []
    title = wall.locator("#wall-title")
    line = title.evaluate("el => parseFloat(getComputedStyle(el).lineHeight)")
    assert title.bounding_box()["height"] < 3.6 * line  # three lines at most
    settle(wall)
    assert_fits(fit_state(wall))


# Per column: cards drawn, and open groups (not folded into the strip) that draw any.
SHOWN = """() => {
  const drawn = card => card.getBoundingClientRect().width > 0;
  return [...document.querySelectorAll('#columns .column__body')].map(body => ({
    cards: [...body.querySelectorAll('.sticky')].filter(drawn).length,
    open: [...body.querySelectorAll('.group:not(.group--drop):not(.group--folded)')]
      .filter(g => [...g.querySelectorAll('.sticky')].some(drawn)).length,
  }));
}"""


def test_notes_arriving_on_a_full_column_leave_its_cards(people, server):
    """Notes arrive one after the other at the rehearsal wall's fullest station: each shows
    in "Just in" on top, which once folded the column's open groups one by one for room and
    kept them folded once the note had found its group: the column ended as a strip of labels
    with no card and a third of it empty, until the page was reloaded."""
    links = server.seed("demo", "--notes", "200")
    wall = open_wall(people, links)
    wall.click(".wall__walk summary")
    wall.click('#phase-buttons [data-phase="collect"]')
    expect(wall.locator("#wall-phase")).to_have_attribute("data-phase", "collect")
    wall.keyboard.press("Escape")
    settle(wall)
    before = wall.evaluate(SHOWN)
    token = links["stations"][0]["token"]
    for text in (
        "Telemedizin im Gemeindehaus für Ältere",
        "Glasfaser auch für die Kirche",
        "Smart Farming braucht Netz auf dem Feld",
        "WLAN im Freibad",
    ):
        server.post_note(token, text)
        expect(wall.locator(".group--new")).to_have_count(1)
        settle(wall)
    after = wall.evaluate(SHOWN)
    people.shot(wall, "wall-after-arrivals")
    assert_fits(fit_state(wall))
    assert after[0]["open"] >= before[0]["open"], (before, after)
    assert after[0]["cards"] >= before[0]["cards"], (before, after)
    assert all(column["cards"] for column in after), after


WHOLE = """() => [...document.querySelectorAll('#columns .column__body')].map(b =>
  [b.querySelectorAll('.sticky__text--whole').length, b.scrollHeight, b.clientHeight])"""


def test_long_notes_show_whole_where_the_column_has_room(people, server):
    """A card is cut after four lines so that more cards fit; on a column with room (three
    long notes, in the overview and full screen) every note showed cut all the same."""
    links = server.seed("workshop", "new", "Lange Notizen", "--station", "Was fehlt im Ort?",
                        "--station", "Was wünschen Sie sich?")  # fmt: skip
    token = links["stations"][0]["token"]
    ideas = [
        "Wir brauchen in jeder Grundschule im Landkreis schnelles WLAN, Tablets für jede Klasse "
        "und jemanden, der sich um die Technik kümmert, sonst stehen die Geräte im Schrank.",
        "Als Bürgermeister einer kleinen Gemeinde wünsche ich mir eine Beratung, die zu uns "
        "kommt: Förderanträge, Breitband, Online-Dienste, alles aus einer Hand und ohne Fahrt.",
        "Carsharing auch in kleinen Dörfern, z. B. mit einem E-Auto am Gemeindehaus, das man "
        "per App bucht und das die Nachbarn gemeinsam nutzen.",
    ]
    post_from_phones(server, token, ideas)
    wall = open_wall(people, links)
    cut = """() => [...document.querySelectorAll('#columns .sticky__text')]
      .filter(t => t.getBoundingClientRect().height && t.scrollHeight > t.clientHeight + 1)
      .map(t => t.textContent)"""
    for address in (wall.url, wall.url + "/" + token):
        wall.goto(address)
        expect(wall.locator("#columns li.sticky")).to_have_count(3, timeout=30_000)
        expect(wall.locator(".group--new")).to_have_count(0, timeout=30_000)  # clustering done
        settle(wall)
        assert wall.evaluate(cut) == [], (address, wall.evaluate(WHOLE))
        assert_fits(fit_state(wall))

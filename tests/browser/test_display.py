"""The station display: the screen beside a station with its QR code, at 1280x800 and
1920x1080, in every phase, with a rotation running and without one. Nobody scrolls it, so
everything on it must be wholly on the screen."""

from __future__ import annotations

import contextlib

import pytest

from tests.browser.test_journeys import open_wall, remove_station

try:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips, or fails under CI=true
    expect = PlaywrightTimeout = None

pytestmark = pytest.mark.browser

SCREENS = [{"width": 1280, "height": 800}, {"width": 1920, "height": 1080}]

# Every line of text, button and picture the display shows, with what of it is off the screen
# or cut by a box that hides its overflow (the text column, a clamped title); `shortened`: the
# ids of texts that may be cut to fewer lines (a question too long for any screen).
CUT = """(shortened = []) => {
  const cut = [];
  const shown = e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const things = document.querySelectorAll(
    '#display p, #display h1, #display button, #display img, #display figcaption > span');
  for (const e of things) {
    if (!shown(e)) continue;
    const r = e.getBoundingClientRect();
    const name = (e.id || e.className || e.tagName) + ': ' + e.textContent.trim().slice(0, 50);
    if (r.top < -0.5 || r.left < -0.5 || r.bottom > innerHeight + 0.5 || r.right > innerWidth + 0.5)
      cut.push(`off the screen (${Math.round(r.top)}..${Math.round(r.bottom)}): ${name}`);
    for (let box = e.parentElement; box; box = box.parentElement) {
      if (getComputedStyle(box).overflowY === 'visible') continue;
      const b = box.getBoundingClientRect();
      if (r.bottom > b.bottom + 0.5 || r.top < b.top - 0.5)
        cut.push(`cut by ${box.className || box.tagName} at ${Math.round(b.bottom)} ` +
                 `(ends at ${Math.round(r.bottom)}): ${name}`);
    }
    if (e.scrollHeight > e.clientHeight + 1 && getComputedStyle(e).overflowY !== 'visible'
        && !shortened.includes(e.id))
      cut.push(`its own text cut (${e.scrollHeight} > ${e.clientHeight}): ${name}`);
  }
  return cut;
}"""


def fitted(page, shortened: tuple[str, ...] = ()) -> list[str]:
    """What is cut once the display has fitted its text (display.js does so as the rotation
    or the phase changes); [] when nothing is."""
    with contextlib.suppress(PlaywrightTimeout):
        page.wait_for_function(f"s => ({CUT})(s).length === 0", arg=list(shortened), timeout=5000)
    return page.evaluate(CUT, list(shortened))


def set_phase(wall, phase: str) -> None:
    panel = wall.locator("#walk-panel")
    if panel.get_attribute("open") is None:
        wall.locator("#walk-panel > summary").click()
    wall.locator(f"#phase-buttons [data-phase={phase}]").click()


def rotate(wall, action: str) -> None:
    panel = wall.locator("#walk-panel")
    if panel.get_attribute("open") is None:
        wall.locator("#walk-panel > summary").click()
    wall.locator(f"#rotation-buttons [data-action={action}]").click()


def test_everything_on_the_display_fits_in_every_phase_with_and_without_rotation(
    people, server, workshop
):
    station = workshop["stations"][0]
    displays = []
    for screen in SCREENS:
        page = people.page("display", viewport=screen)
        page.goto(station["display_url"])
        displays.append(page)
    wall = open_wall(people, workshop)
    found: list[str] = []

    # under the code, what it leads to now (the same sentence in every phase told nobody
    # that the room votes)
    how = {"collect": "hinterlassen Sie Ihre Gedanken", "review": "Lesen Sie, was andere",
           "vote": "geben Sie Ihre Punkte", "results": "die Ergebnisse dieser Station"}  # fmt: skip

    def check(phase: str, walking: bool) -> None:
        state = phase + ("-rotation" if walking else "")
        for page in displays:
            expect(page.locator("#display-phase")).to_have_attribute("data-phase", phase)
            expect(page.locator("#display-how")).to_contain_text(how[phase])
            walk = expect(page.locator("#display-walk"))
            if walking:
                walk.to_be_visible()
            else:
                walk.to_be_hidden()
            size = "{width}x{height}".format(**page.viewport_size)
            found.extend(f"[{size} {state}] {problem}" for problem in fitted(page))
            people.shot(page, f"display-{size}-{state}")

    wall.locator("#walk-panel > summary").click()
    wall.fill("#groups-input", "4")
    wall.fill("#minutes-input", "20")
    for phase in ("collect", "review", "vote"):
        set_phase(wall, phase)
        check(phase, walking=False)
        rotate(wall, "start")
        check(phase, walking=True)
        rotate(wall, "stop")
    rotate(wall, "start")
    set_phase(wall, "results")  # pauses the rotation: the results are no time to walk
    check("results", walking=False)
    assert not found, "\n".join(found)


def test_the_signal_button_comes_and_goes_with_the_rotation(people, workshop):
    station = workshop["stations"][1]
    display = people.page("display")
    display.goto(station["display_url"])
    wall = open_wall(people, workshop)
    signal = display.locator("#signal-toggle")
    help_text = display.locator("#signal-help")
    expect(display.locator("#display-walk")).to_be_hidden()
    expect(signal).to_be_hidden()  # no rotation: no round ends to be signalled
    expect(help_text).to_be_hidden()

    wall.locator("#walk-panel > summary").click()
    wall.fill("#groups-input", "2")
    wall.fill("#minutes-input", "20")
    rotate(wall, "start")
    expect(display.locator("#display-walk")).to_be_visible()
    expect(signal).to_be_visible()
    expect(help_text).to_be_visible()

    rotate(wall, "stop")
    expect(display.locator("#display-walk")).to_be_hidden()
    expect(signal).to_be_hidden()
    expect(help_text).to_be_hidden()


def test_the_longest_station_keeps_the_walk_and_the_signal_on_the_display(people, server):
    """A title and a question at their length limits during a rotation: the question (and if
    need be the title) gives way, never the walk, the signal or what to do with the code."""
    word = "Breitbandausbauförderungsrichtlinie"
    prompt = ("Wie erreichen wir Vereine, Schulen und Betriebe in jedem Ortsteil? " * 15)[:1000]
    links = server.seed(
        "workshop", "new", ("Zukunftswerkstatt Landkreis " + word * 6)[:200],
        "--station", f"{word} {word}: {prompt}",
        "--station", "Kurz: Und sonst?",
    )  # fmt: skip
    displays = []
    for screen in SCREENS:
        page = people.page("display", viewport=screen)
        page.goto(links["stations"][0]["display_url"])
        displays.append(page)
    wall = open_wall(people, links)
    wall.locator("#walk-panel > summary").click()
    wall.fill("#groups-input", "2")
    wall.fill("#minutes-input", "20")
    rotate(wall, "start")
    found: list[str] = []
    for page in displays:
        expect(page.locator("#signal-toggle")).to_be_visible()
        size = "{width}x{height}".format(**page.viewport_size)
        cut = fitted(page, ("display-workshop", "station-title", "station-prompt"))
        found += [f"[{size}] {problem}" for problem in cut]
        people.shot(page, f"display-{size}-longest-rotation")
    assert not found, "\n".join(found)


def test_a_removed_station_says_so_in_the_workshops_language(people, workshop):
    """The facilitator removes a station: its screen says so in German and shows no code that
    leads nowhere (it reloaded to a 'not found' in the browser's language)."""
    station = workshop["stations"][1]
    display = people.page("display", viewport={"width": 1280, "height": 800}, locale="en-GB")
    display.goto(station["display_url"])
    expect(display.locator("#display-phase")).to_have_attribute("data-phase", "collect")
    remove_station(people, workshop, station["token"])
    gone = display.locator("#display-gone")
    expect(gone).to_have_text("Die Moderation hat diese Station entfernt.")
    expect(display.locator(".display__qr")).to_be_hidden()
    people.shot(display, "display-removed")

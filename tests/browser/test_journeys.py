"""What people do in a workshop, in Chromium against the real server.

Each person is a browser context of their own: phones at 360x740 (touch, de-DE), the projected
wall at 1920x1080, a station display at 1280x800, a facilitator's laptop. Every page visited is
photographed into tests/artifacts/ for a human to look at.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import gallery

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips, or fails under CI=true
    expect = None

pytestmark = pytest.mark.browser

GERMAN = (Path(gallery.__file__).parent / "translations/de/LC_MESSAGES/messages.mo").exists()

FITS_PHONE = """() => {
  const problems = [];
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth > width)
    problems.push(`page scrolls sideways: ${document.documentElement.scrollWidth} > ${width}`);
  const targets = ['button', 'a.button', '.footer-link a', 'input:not([type=hidden])',
                   'textarea', 'select', 'summary'];
  for (const el of document.querySelectorAll(targets.join(','))) {
    const box = (el.matches('[type=radio], [type=checkbox]') && el.closest('label')) || el;
    const r = box.getBoundingClientRect();
    if (!r.width || !r.height) continue;  // not shown
    const name = el.outerHTML.slice(0, 70);
    if (r.left < -0.5 || r.right > width + 0.5) problems.push(`sticks out: ${name}`);
    if (r.height < 44 - 0.5) problems.push(`tap target ${Math.round(r.height)} px high: ${name}`);
  }
  return problems;
}"""


def wait_online(page) -> None:
    """The phone has joined its station's room (the status turns to "● ...")."""
    expect(page.locator("#connection")).to_have_text(re.compile(r"^●"))


def cut_off(page, patterns, error: str = "internetdisconnected"):
    """Requests to `patterns` (route globs or regexes) fail with `error` until the returned
    function is called; from then on they go through."""
    down = True

    def gate(route):
        if down:
            route.abort(error)
        else:
            route.continue_()

    for pattern in patterns:
        page.route(pattern, gate)

    def restore() -> None:
        nonlocal down
        down = False

    return restore


def post(page, text: str, author: str | None = None) -> None:
    if author:
        if not page.locator("details.author").evaluate("details => details.open"):
            page.locator("details.author summary").tap()
        page.fill("#note-author", author)
    page.fill("#note-text", text)
    page.locator("#note-submit").tap()


def saved(server, token: str, text: str) -> int:
    return sum(1 for note in server.notes(token) if note["text"] == text)


def remove_station(people, workshop: dict, token: str) -> None:
    """The facilitator removes a station on the manage page, as a person does: "Entfernen…",
    then the confirmation."""
    manage = people.page("laptop")
    manage.goto(workshop["workshop"]["manage_url"])
    form = f"form[action$='/{token}/delete']"
    row = manage.locator("li", has=manage.locator(form))
    row.locator("details.danger summary").click()
    row.locator(f"{form} button[type=submit]").click()
    expect(manage.locator(form)).to_have_count(0)


def open_wall(people, workshop: dict):
    wall = people.page("wall")
    wall.goto(workshop["workshop"]["wall_url"])
    expect(wall).to_have_url(re.compile(r"/w/[A-Z0-9]+/wall$"))  # the key left the address bar
    expect(wall.locator("#columns > section.column")).to_have_count(len(workshop["stations"]))
    wall.evaluate("window.__sameDocument = true")  # gone if anything reloads the wall
    return wall


def assert_qr_on_screen(display) -> None:
    """The station display's QR code is big (scannable from a few metres) and wholly in view
    of its 1280x800 screen, which never scrolls."""
    qr = display.locator(".display__qr img")
    expect(qr).to_be_visible()
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0"), "QR code did not load"
    box = qr.bounding_box()
    assert box["width"] >= 480 and box["height"] >= 480, box
    assert box["x"] >= 0 and box["x"] + box["width"] <= 1280, box
    assert box["y"] >= 0 and box["y"] + box["height"] <= 800, box
    assert display.evaluate("document.documentElement.scrollWidth <= innerWidth")


def font_px(page, selector: str) -> float:
    """The computed font size; the wall redraws a column when its clusters change, and an
    element replaced under the query reads as NaN: read again (bounded)."""
    size = float("nan")
    for _ in range(20):
        size = page.locator(selector).first.evaluate(
            "e => e.isConnected ? parseFloat(getComputedStyle(e).fontSize) : NaN"
        )
        if size == size:  # not NaN
            break
        page.wait_for_timeout(100)
    return size


def pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?!s)", pdf))


def sticky(wall, token: str, text: str):
    # long words on the wall carry soft hyphens (typography.js) where they may break
    spelled = "\u00ad?".join(re.escape(ch) for ch in text)
    exact = wall.locator(".sticky__text", has_text=re.compile("^" + spelled + "$"))
    return wall.locator(f"#column-{token} li.sticky").filter(has=exact)


def test_note_reaches_wall_and_other_phones_live(people, server, workshop):
    station = workshop["stations"][0]
    token = station["token"]
    wall = open_wall(people, workshop)
    people.shot(wall, "wall")
    total = int(wall.locator("#total-count").inner_text())

    neighbour = people.page("phone")
    neighbour.goto(station["url"])
    wait_online(neighbour)
    phone = people.page("phone")
    phone.goto(station["url"])
    wait_online(phone)
    people.shot(phone, "phone-station")
    assert phone.evaluate(FITS_PHONE) == []

    text = 'Glasfaser bis zum letzten Hof <img src=x onerror=alert(1)> & "Bürgerbus"'
    post(phone, text, author="Anke <b>Meier</b>")

    mine = phone.locator("#notes li.note--mine").filter(has=phone.get_by_text(text, exact=True))
    expect(mine).to_have_count(1)
    expect(phone.locator("#note-text")).to_have_value("")
    expect(phone.locator("#outbox-section")).to_be_hidden()
    expect(mine.locator(".note__author")).to_have_text("— Anke <b>Meier</b>")

    on_wall = sticky(wall, token, text)
    expect(on_wall).to_have_count(1)
    assert on_wall.locator(".sticky__text").text_content() == text
    expect(wall.locator("#total-count")).to_have_text(str(total + 1))
    assert wall.evaluate("window.__sameDocument") is True  # live, not reloaded

    on_neighbour = neighbour.locator("#notes li.note").filter(
        has=neighbour.get_by_text(text, exact=True)
    )
    expect(on_neighbour).to_have_count(1)
    expect(on_neighbour).not_to_have_class(re.compile("note--mine"))

    for page, scope in ((phone, "#notes"), (neighbour, "#notes"), (wall, "#columns")):
        assert page.locator(f"{scope} img, {scope} b").count() == 0  # text, never markup
    assert saved(server, token, text) == 1

    assert font_px(wall, "#columns .sticky") >= 18  # readable from the back of the room
    assert font_px(wall, ".wall__join strong") >= 36  # the join code, for latecomers

    people.shot(phone, "phone-posted")
    people.shot(phone, "phone-posted-full", full_page=True)
    people.shot(wall, "wall-live")
    assert phone.evaluate(FITS_PHONE) == []


def test_offline_note_waits_and_is_saved_once(people, server, workshop):
    station = workshop["stations"][1]
    token = station["token"]
    wall = open_wall(people, workshop)
    phone = people.page("phone")
    phone.goto(station["url"])
    wait_online(phone)

    phone.context.set_offline(True)
    expect(phone.locator("#connection")).to_have_class(re.compile("status--offline"))
    texts = ["Funkloch am Sportplatz schließen", "Sprechstunde per Video im Rathaus"]
    for text in texts:
        post(phone, text)

    waiting = phone.locator("#station").get_attribute("data-msg-waiting")
    pending = phone.locator("#outbox li.note--pending")
    expect(pending).to_have_count(2)
    for item, text in zip(pending.all(), texts, strict=True):
        expect(item.locator(".note__text")).to_have_text(text)
        expect(item.locator(".note__state--waiting")).to_have_text(waiting)
    kept = json.loads(phone.evaluate(f"localStorage.getItem('gallery.outbox.{token}')"))
    assert [item["text"] for item in kept] == texts
    people.shot(phone, "phone-offline")
    assert phone.evaluate(FITS_PHONE) == []
    assert [saved(server, token, t) for t in texts] == [0, 0]

    phone.context.set_offline(False)
    wait_online(phone)
    expect(phone.locator("#outbox-section")).to_be_hidden()
    for text in texts:
        expect(phone.locator("#notes li.note--mine").filter(has_text=text)).to_have_count(1)
        expect(sticky(wall, token, text)).to_have_count(1)
    assert [saved(server, token, t) for t in texts] == [1, 1]
    assert phone.evaluate(f"localStorage.getItem('gallery.outbox.{token}')") == "[]"
    assert wall.evaluate("window.__sameDocument") is True


def test_pending_note_survives_reload_and_is_sent_once(people, server, workshop):
    station = workshop["stations"][2]
    token = station["token"]
    phone = people.page("phone")
    # Socket.IO starts with HTTP long-polling: blocking it keeps the socket from ever opening.
    reconnect = cut_off(phone, ["**/socket.io/**", "**/api/v1/**"])
    phone.goto(station["url"])
    expect(phone.locator("#connection")).to_have_class(re.compile("status--offline"))
    text = "Ladesäulen am Dorfgemeinschaftshaus"
    post(phone, text)

    pending = phone.locator("#outbox li.note--pending")
    expect(pending).to_have_count(1)
    expect(pending.locator(".note__state--waiting")).to_have_text(
        phone.locator("#station").get_attribute("data-msg-waiting")
    )
    assert saved(server, token, text) == 0

    reconnect()
    phone.reload()
    wait_online(phone)
    expect(phone.locator("#outbox-section")).to_be_hidden()
    expect(phone.locator("#notes li.note--mine").filter(has_text=text)).to_have_count(1)
    assert saved(server, token, text) == 1
    assert phone.evaluate(f"localStorage.getItem('gallery.outbox.{token}')") == "[]"

    phone.reload()  # once more: nothing left to send, the note is still there once
    wait_online(phone)
    expect(phone.locator("#notes li.note").filter(has_text=text)).to_have_count(1)
    assert saved(server, token, text) == 1


def test_wall_says_when_it_cannot_connect_and_recovers(people, workshop):
    wall = people.page("wall")
    wall.route("**/socket.io/**", lambda route: route.abort("connectionrefused"))
    wall.goto(workshop["workshop"]["wall_url"])
    message = wall.locator("#wall").get_attribute("data-msg-offline")
    expect(wall.locator("#wall-status")).to_have_text(message)
    expect(wall.locator("#wall")).to_have_class(re.compile("wall--offline"))

    wall.unroute("**/socket.io/**")  # the server is back: the wall reconnects by itself
    columns = wall.locator("#columns > section.column")
    expect(columns).to_have_count(len(workshop["stations"]), timeout=15_000)
    expect(wall.locator("#wall-status")).to_have_text("")
    expect(wall.locator("#wall")).not_to_have_class(re.compile("wall--offline"))


def test_facilitator_creates_workshop_prints_posters_opens_wall(people, artifacts):
    page = people.page("laptop")
    page.goto("/new")
    people.shot(page, "new", full_page=True)
    page.fill("#title", "Zukunftswerkstatt Oberwiesenthal")
    page.fill("#station_title_0", "Mobilität ohne Auto")
    page.fill("#station_prompt_0", "Wie kommen Jugendliche abends nach Hause?")
    page.fill("#station_title_1", "Ehrenamt digital")
    page.fill("#station_prompt_1", "Was würde eurem Verein die Arbeit leichter machen?")
    page.locator("#new-workshop button[type=submit]").click()

    expect(page).to_have_url(re.compile(r"/w/[A-Z0-9]+$"))  # key remembered, then dropped
    expect(page.locator("li.manage-station")).to_have_count(2)
    expect(page.locator("h1")).to_have_text("Zukunftswerkstatt Oberwiesenthal")
    people.shot(page, "manage", full_page=True)
    manage_url = page.url

    page.locator("a[href$='/posters']").click()
    posters = page.locator("article.poster")
    expect(posters).to_have_count(2)
    expect(posters.nth(0).locator(".poster__title")).to_have_text("Mobilität ohne Auto")
    page.wait_for_load_state("load")
    assert page.evaluate(
        "[...document.images].every(img => img.complete && img.naturalWidth > 0)"
    ), "a QR code did not load"
    people.shot(page, "posters", full_page=True)
    pdf = page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
    (artifacts / "posters.pdf").write_bytes(pdf)
    assert pdf_pages(pdf) == 2  # one A4 page per station
    page.emulate_media(media="print")
    people.shot(page, "posters-print", full_page=True)
    page.emulate_media(media="screen")

    page.goto(manage_url)
    page.locator("a[href$='/wall']").first.click()
    expect(page).to_have_url(re.compile(r"/wall$"))
    columns = page.locator("#columns > section.column")
    expect(columns).to_have_count(2)
    expect(columns.nth(1).locator(".column__name")).to_have_text("Ehrenamt digital")


def test_form_works_without_javascript(people, server, workshop):
    station = workshop["stations"][3]
    token = station["token"]
    page = people.page("phone", java_script_enabled=False)
    page.goto(station["url"])
    text = "Repair-Café mit <script>alert(1)</script> der Berufsschule"
    page.fill("#note-text", text)
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.locator("#note-submit").tap()
    assert answer.value.status == 303
    expect(page).to_have_url(re.compile(r"\?posted=\d+#note-\d+$"))
    expect(page.locator(".saved[role=status]")).to_be_visible()
    mine = page.locator("#notes li.note--mine .note__text")
    expect(mine).to_have_text(text)
    assert page.locator("#notes script").count() == 0
    assert saved(server, token, text) == 1
    people.shot(page, "phone-nojs-posted")
    assert page.evaluate(FITS_PHONE) == []

    page.fill("#note-text", "   ")  # passes `required`, but is empty once trimmed
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.locator("#note-submit").tap()
    assert answer.value.status == 400
    alert = page.locator("#note-error[role=alert]")
    expect(alert).to_be_visible()
    if GERMAN:
        expect(alert).to_have_text("Bitte schreiben Sie zuerst etwas.")
    expect(page.locator("#note-text")).to_have_attribute("aria-invalid", "true")
    people.shot(page, "phone-nojs-error")
    assert page.evaluate(FITS_PHONE) == []
    assert saved(server, token, text) == 1


def test_join_by_code_from_the_home_page(people, workshop):
    station = workshop["stations"][1]
    page = people.page("phone")
    page.goto("/")
    people.shot(page, "home")
    assert page.evaluate(FITS_PHONE) == []

    page.fill("#code", "XXXXX-9")
    page.locator("#code").press("Enter")
    expect(page.locator("#code-error[role=alert]")).to_be_visible()

    page.fill("#code", station["code"].lower())  # "kx7pq-2": straight to station 2
    page.locator("form button[type=submit]").tap()
    expect(page).to_have_url(re.compile(re.escape(f"/s/{station['token']}") + "$"))
    expect(page.locator("#station-title")).to_have_text(station["title"])
    wait_online(page)

    page.goto("/")
    page.fill("#code", f" {workshop['workshop']['code']} ")  # the workshop: its stations
    page.locator("form button[type=submit]").tap()
    links = page.locator(".station-list a.station-link")
    expect(links).to_have_count(len(workshop["stations"]))
    people.shot(page, "phone-stations")
    assert page.evaluate(FITS_PHONE) == []
    links.nth(2).tap()
    expect(page.locator("#station-title")).to_have_text(workshop["stations"][2]["title"])


def test_station_display_and_focused_wall(people, workshop):
    station = workshop["stations"][0]
    display = people.page("display")
    display.goto(station["display_url"])
    people.shot(display, "display")
    assert_qr_on_screen(display)

    wall = open_wall(people, workshop)
    wall.locator(f"#column-{station['token']} a.column__open").click()
    expect(wall).to_have_url(re.compile(re.escape(f"/wall/{station['token']}") + "$"))
    expect(wall.locator("#columns > section.column")).to_have_count(1)
    expect(wall.locator(".column__name")).to_have_text(station["title"])
    people.shot(wall, "wall-focus")


def test_staff_pages_fit_a_phone(people, workshop):
    page = people.page("phone")
    page.goto(workshop["workshop"]["manage_url"])
    expect(page.locator("li.manage-station")).to_have_count(len(workshop["stations"]))
    assert page.evaluate(FITS_PHONE) == []
    people.shot(page, "phone-manage")

    page.goto("/new")
    assert page.evaluate(FITS_PHONE) == []
    rows = page.locator("#station-rows .station-row")
    expect(rows).to_have_count(4)
    page.locator("#add-row").tap()  # new.js: one more row, ready to type in
    expect(rows).to_have_count(5)
    expect(page.locator("#station_title_4")).to_be_focused()
    expect(page.locator("label[for=station_title_4]")).to_contain_text("5")
    assert page.evaluate(FITS_PHONE) == []


def test_longest_texts_keep_every_screen_whole(people, server, artifacts):
    """Titles, questions and notes at their length limits: no page scrolls sideways, the QR
    code stays on the display, and the posters still print one A4 page per station."""
    word = "Breitbandausbauförderungsrichtlinie"
    prompt = ("Wie erreichen wir Vereine, Schulen und Betriebe in jedem Ortsteil? " * 15)[:1000]
    links = server.seed(
        "workshop", "new", ("Zukunftswerkstatt Landkreis " + word * 6)[:200],
        "--station", f"{word}{word}: {prompt}",
        "--station", "Kurz: Und sonst?",
    )  # fmt: skip
    token = links["stations"][0]["token"]
    server.post_note(token, (word * 15)[:500])

    phone = people.page("phone")
    phone.goto(links["stations"][0]["url"])
    wait_online(phone)
    assert phone.evaluate(FITS_PHONE) == []

    display = people.page("display")
    display.goto(links["stations"][0]["display_url"])
    assert_qr_on_screen(display)
    people.shot(display, "display-longest")

    staff = people.page("laptop")
    staff.goto(links["workshop"]["wall_url"])
    expect(staff.locator("#columns li.sticky")).to_have_count(1)
    label = staff.locator("#total-label")  # "1 note", not "1 notes" (once the template has it)
    if label.count():
        expect(label).to_have_text(staff.locator("#wall").get_attribute("data-msg-note"))
    assert staff.evaluate("document.documentElement.scrollWidth <= innerWidth")
    people.shot(staff, "wall-longest")
    staff.goto(links["workshop"]["manage_url"].split("?")[0] + "/posters")
    pdf = staff.pdf(format="A4", print_background=True, prefer_css_page_size=True)
    (artifacts / "posters-longest.pdf").write_bytes(pdf)
    assert pdf_pages(pdf) == 2


def test_wall_with_eight_stations_fits_one_screen(people, server):
    stations = [f"Station {n}: Frage {n}?" for n in range(1, 9)]
    links = server.seed("workshop", "new", "Acht Stationen", *[
        arg for station in stations for arg in ("--station", station)
    ])  # fmt: skip
    for station in links["stations"]:
        server.post_note(station["token"], f"Eine Notiz für {station['title']}")
    wall = open_wall(people, links)
    expect(wall.locator("#columns li.sticky")).to_have_count(8)
    assert wall.evaluate(
        "document.documentElement.scrollWidth <= innerWidth"
        " && document.getElementById('columns').scrollWidth <= innerWidth"
    )
    assert font_px(wall, "#columns .sticky") >= 20
    people.shot(wall, "wall-eight")


# Not in the demo workshop (every text must be unique on the station).
CLIMATE = [
    "Bürgerbus auf Abruf per Smartphone",
    "Elektroauto-Sharing für Dörfer",
    "Leihfahrräder mit App an jedem Bahnhof",
    "Stromzähler, die den Verbrauch live zeigen",
    "Energiegenossenschaft der Bürger digital verwalten",
    "Photovoltaik auf Firmendächern vermitteln",
    "Stromnetz der Zukunft für Solarstrom",
    "Heizungssteuerung per App im Rathaus",
]


def group_of(wall, token: str, text: str) -> str:
    note = sticky(wall, token, text)
    expect(note).to_have_count(1)
    return note.get_attribute("data-group")


VISIBLE_POINT = """el => {
  // A point of `el` that is really on screen: inside its scrolling column, not under a header.
  const r = el.getBoundingClientRect();
  const body = el.closest('.column__body').getBoundingClientRect();
  const top = Math.max(r.top, body.top), bottom = Math.min(r.bottom, body.bottom);
  if (bottom - top < 12) return null;
  const x = r.left + Math.min(40, r.width / 2), y = top + Math.min(14, (bottom - top) / 2);
  return el.contains(document.elementFromPoint(x, y)) ? {x, y} : null;
}"""


def drag(page, source, target) -> None:
    """HTML drag and drop by mouse, without scrolling in between (a scroll under a held
    mouse button would start the drag on whatever moved under the pointer)."""
    target.scroll_into_view_if_needed()
    source.scroll_into_view_if_needed()
    start, end = source.evaluate(VISIBLE_POINT), target.evaluate(VISIBLE_POINT)
    assert start and end, "source and target must both be on screen"
    page.mouse.move(start["x"], start["y"])
    page.mouse.down()
    page.mouse.move(start["x"] + 8, start["y"] + 8, steps=3)
    page.mouse.move(end["x"], end["y"], steps=8)
    page.mouse.up()


def test_wall_groups_notes_and_the_facilitator_steers(people, server, workshop):
    station = workshop["stations"][2]
    token = station["token"]
    wall = open_wall(people, workshop)
    for text in CLIMATE:
        server.post_note(token, text)
    column = wall.locator(f"#column-{token}")
    # every note shows up, inside a labelled topic group or among the single ideas
    for text in CLIMATE:
        expect(
            sticky(wall, token, text).locator("xpath=ancestor::section[contains(@class,'group')]")
        ).to_have_count(1)
    expect(column.locator(".group--new")).to_have_count(0)  # nothing left waiting
    labels = column.locator(".group:not(.group--singles) .group__label").all_inner_texts()
    assert labels and all(label.strip() for label in labels)
    people.shot(wall, "wall-clustered")

    # flat view and back
    wall.click("#toggle-view")
    expect(column.locator(".group")).to_have_count(0)
    wall.click("#toggle-view")
    expect(column.locator(".group").first).to_be_visible()

    # edit mode: move a note with the keyboard-reachable menu into a new group of its own
    wall.click("#toggle-edit")
    note = sticky(wall, token, "Stromzähler, die den Verbrauch live zeigen")
    before = group_of(wall, token, "Stromzähler, die den Verbrauch live zeigen")
    if not note.locator("select.sticky__select").is_visible():  # held back by the fit: open
        column.locator(f'.group[data-cluster="{before}"] .group__count').first.click()
    note.locator("select.sticky__select").select_option("new")
    expect(sticky(wall, token, "Stromzähler, die den Verbrauch live zeigen")).not_to_have_attribute(
        "data-group", before
    )
    moved_to = group_of(wall, token, "Stromzähler, die den Verbrauch live zeigen")

    # rename that group; the name is kept
    box = column.locator(f'.group[data-cluster="{moved_to}"]')
    people.shot(wall, "wall-edit-moved")
    box.locator(".group__count").click()  # open it (a group the fit folded shows no menu)
    expect(box).to_have_class(re.compile("group--opened"))
    box.locator(".group__actions select").select_option("!rename")
    wall.keyboard.press("Control+a")
    wall.keyboard.type("Energie <zuhause>")
    wall.keyboard.press("Enter")
    expect(box.locator(".group__label")).to_have_text("Energie <zuhause>")

    # drag another note onto it (with the mouse, as a facilitator would: both in view)
    wall.wait_for_timeout(2500)  # let the debounced re-clustering after the rename redraw
    wall.goto(wall.url + "/" + token)  # this station full screen: its groups side by side
    wall.wait_for_load_state("networkidle")  # joined: no redraw from the join's answer later
    target = column.locator(f'.group[data-cluster="{moved_to}"]')
    dragged = sticky(wall, token, "Photovoltaik auf Firmendächern vermitteln")
    # A tall screen, so that both are in view whatever the grouping (drag needs both).
    wall.set_viewport_size({"width": 1920, "height": 3200})
    wall.wait_for_function("() => document.querySelector('.column__body').clientHeight > 2000")
    wall.wait_for_function("() => document.getAnimations().length === 0")
    drag(wall, dragged, target)
    expect(column.locator(f'.group[data-cluster="{moved_to}"] li.sticky')).to_have_count(2)
    people.shot(wall, "wall-edit")

    # a wall opened afterwards shows the same groups (stored, not just drawn)
    again = open_wall(people, workshop)
    expect(
        again.locator(f'#column-{token} .group[data-cluster="{moved_to}"] .group__label')
    ).to_have_text("Energie <zuhause>")
    expect(
        again.locator(f'#column-{token} .group[data-cluster="{moved_to}"] li.sticky')
    ).to_have_count(2)


def test_facilitator_downloads_results_and_prints_the_report(people, server, workshop):
    import io

    import openpyxl

    station = workshop["stations"][0]
    server.post_note(station["token"], "=SUMME(A1:A9) bitte nicht rechnen")
    wall = open_wall(people, workshop)
    wall.locator(".wall__export summary").click()
    with wall.expect_download() as download:
        wall.get_by_role("link", name="Excel").click()
    path = download.value.path()
    book = openpyxl.load_workbook(io.BytesIO(path.read_bytes()))
    assert len(book.sheetnames) == 2 + len(workshop["stations"])  # summary, top, stations
    first = book.worksheets[2]
    values = [c.value for row in first.iter_rows() for c in row]
    assert "'=SUMME(A1:A9) bitte nicht rechnen" in values  # inert, still readable
    assert not any(c.data_type == "f" for row in first.iter_rows() for c in row)

    laptop = people.page("laptop")
    laptop.goto(workshop["workshop"]["manage_url"])
    laptop.get_by_role("link", name=re.compile("Bericht zum Drucken|Printable report")).click()
    expect(laptop.locator(".report__station")).to_have_count(len(workshop["stations"]))
    people.shot(laptop, "report", full_page=True)
    pdf = laptop.pdf(format="A4", print_background=True)
    assert pdf_pages(pdf) >= 1
    (people.artifacts / "report.pdf").write_bytes(pdf)
    csv = laptop.request.get(laptop.url.replace("/report", "/export.csv")).body()
    assert csv.startswith(b"\xef\xbb\xbf") and io.BytesIO(csv).read().count(b"\n") > 5

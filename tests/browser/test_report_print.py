"""The printed Ergebnisprotokoll (issue 18, part 8): Chromium's PDF of a full workshop's
report splits no card across pages. Each card (a note with its dots, +1s and replies, a line
of the top results, a row of the verbatim annex) gets an invisible mark at its first and at
its last character before printing; pypdf reads on which page each mark landed."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader

MARK = """() => {
  const cards = [...document.querySelectorAll(
    '.protocol__note, .protocol__top li, .protocol__verbatim tbody tr')];
  const mark = text => {
    const span = document.createElement('span');
    span.textContent = text;
    span.style.fontSize = '1px';
    return span;
  };
  cards.forEach((card, i) => {
    let first = card, last = card;
    while (first.firstElementChild) first = first.firstElementChild;
    while (last.lastElementChild) last = last.lastElementChild;
    first.prepend(mark(` QZS${i}QZ `));
    last.append(mark(` QZE${i}QZ `));
  });
  return cards.length;
}"""

# What the report's CSS prevents (set through the CSSOM: the page's policy bars <style>).
LOOSE = (
    "() => document.querySelectorAll('.protocol *').forEach(e => { e.style.breakInside = 'auto'; })"
)


def split_cards(pdf: bytes) -> tuple[int, list[int], int]:
    """(cards found, cards whose first and last mark are on different pages, pages)."""
    start: dict[int, int] = {}
    end: dict[int, int] = {}
    pages = PdfReader(io.BytesIO(pdf)).pages
    for number, page in enumerate(pages):
        for kind, card in re.findall(r"QZ([SE])(\d+)QZ", page.extract_text()):
            (start if kind == "S" else end)[int(card)] = number
    assert start.keys() == end.keys()
    return len(start), sorted(c for c in start if start[c] != end[c]), len(pages)


def test_the_printed_report_splits_no_card_across_pages(people, server):
    links = server.seed("demo", "--notes", "200")
    code = links["workshop"]["code"]
    laptop = people.page("laptop")
    laptop.goto(links["workshop"]["manage_url"])  # the facilitator's link: logged in
    laptop.goto(f"/w/{code}/report")
    cards = laptop.evaluate(MARK)
    assert cards > 400  # 200 notes in the stations and again in the annex, the top lists

    pdf = laptop.pdf(format="A4", prefer_css_page_size=True)
    head = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "Ort" in head and "Kreishaus Freiberg, Großer Saal" in head  # title, date, place
    found, split, pages = split_cards(pdf)
    assert found == cards and pages >= 10, (found, cards, pages)
    assert split == [], f"cards split across pages: {split}"

    # The marks do see a split where the CSS allows one: the check cannot pass by chance.
    laptop.evaluate(LOOSE)
    _, loose, _ = split_cards(laptop.pdf(format="A4", prefer_css_page_size=True))
    assert loose, "without break-inside: avoid some card should have crossed a page"

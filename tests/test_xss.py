"""An XSS payload corpus, posted as note text, author, workshop title and station title and
question, stays inert on every page and in every export that shows it.

Each payload gets a workshop of its own. Every GET page of the application (found from the
URL map, so new pages are covered too) is fetched for it and parsed with html.parser: no
element or attribute the templates do not make themselves, no inline script, no event
handler attribute, no javascript: URL. The payload must still be there, as text. Exports:
Markdown renders to the same text (escaped), CSV/XLSX cells are data and never formulas,
JSON round-trips.
"""

from __future__ import annotations

import csv
import io
import json
import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest

from gallery import identity
from stations.notes import clean_text

PAYLOADS = [
    '<script>alert("xss-1")</script>',
    '"><img src=x onerror=alert("xss-2")>',
    "'><svg onload=alert('xss-3')>",
    "<a href=\"javascript:alert('xss-4')\">klick xss-4</a>",
    'javascript:alert("xss-5")',
    '</textarea><script>alert("xss-6")</script>',
    '</title><script>alert("xss-7")</script>',
    "{{7*7}} {% print 7*7 %} ${7*7} #{7*7} xss-8",
    "<iframe srcdoc=\"<script>alert('xss-9')</script>\"></iframe>",
    '<math><mtext></p><img src=x onerror=alert("xss-10")></mtext></math>',
    '＜script＞alert("xss-11")＜/script＞ \u202e<scr\x00ipt>alert("xss-11")</scr\x00ipt>',
    '" onmouseover="alert(\'xss-12\')" x="',
    '=HYPERLINK("javascript:alert(\'xss-13\')","klick")',
    '<style>body{display:none}</style><!-- xss-14 --><base href="//evil.example/">',
    '&lt;script&gt;alert("xss-15")&lt;/script&gt; &#60;b&#62;xss-15',
    "[klick xss-16](javascript:alert(1)) ![x](x onerror=alert(1)) <http://evil.example>",
]
MARKER = re.compile(r"xss-\d+")
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "srcdoc", "xlink:href", "poster", "data"}
BAD_SCHEMES = ("javascript:", "vbscript:", "data:text/html")
EXPORT_FORMATS = ("csv", "md", "json", "xlsx")
FORMULA = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet runs a cell starting so


class Scan(HTMLParser):
    """What a browser would build from the page: elements, attributes, scripts, text."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.attributes: list[tuple[str, str, str]] = []
        self.scripts: list[dict] = []
        self.inline_script = ""
        self.data: list[str] = []  # <script type="application/json">: the wall's state, no code
        self.text: list[str] = []
        self._in_script = False
        self._in_data = False
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        for name, value in attrs:
            self.attributes.append((tag, name, value or ""))
        if tag == "script" and dict(attrs).get("type") == "application/json":
            self.data.append("")
            self._in_data = True
        elif tag == "script":
            self.scripts.append(dict(attrs))
            self._in_script = True

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = self._in_data = False

    def handle_data(self, data):
        if self._in_data:
            self.data[-1] += data
        elif self._in_script:
            self.inline_script += data
        else:
            self.text.append(data)

    @property
    def visible(self) -> str:
        """Text and attribute values (a title in `value=` or `data-` is shown as well)."""
        return "".join(self.text) + " ".join(v for _t, _n, v in self.attributes)


def assert_inert(page: Scan, baseline: Scan, where: str) -> None:
    injected = page.tags - baseline.tags
    assert not injected, f"{where}: elements from the payload: {injected}"
    handlers = [(t, n) for t, n, _v in page.attributes if n.startswith("on")]
    assert not handlers, f"{where}: event handler attributes: {handlers}"
    for tag, name, value in page.attributes:
        if name in URL_ATTRIBUTES:
            squeezed = re.sub(r"[\x00-\x20]", "", value).lower()
            assert not squeezed.startswith(BAD_SCHEMES), f"{where}: <{tag} {name}={value!r}>"
    # The only inline code is the page's own (the station page's note form), the same as
    # without the payload; its policy allows exactly that by hash (tests/test_headers.py).
    assert page.inline_script == baseline.inline_script, f"{where}: inline script changed"
    # A data block holds the payload as JSON text, whole: had it ended the element early,
    # the rest would not parse (and would show up above as elements or text).
    assert len(page.data) == len(baseline.data), f"{where}: data blocks"
    for block in page.data:
        assert "<" not in block, f"{where}: '<' in a data block"
        json.loads(block)
    assert page.scripts == baseline.scripts, f"{where}: scripts {page.scripts}"
    assert all(s["src"].startswith("/static/") for s in page.scripts if "src" in s), where
    names = {(t, n) for t, n, _v in page.attributes} - {(t, n) for t, n, _v in baseline.attributes}
    assert not names, f"{where}: attributes from the payload: {names}"


def new_workshop(client, title: str, prompt: str, station: str) -> tuple[str, str, list[str]]:
    """Through the staff form, as a person creates one: (code, key, station tokens)."""
    response = client.post(
        "/new",
        data={
            "title": title,
            "language": "de",
            "station_title": [station, "Zweite Station"],
            "station_prompt": [prompt, "Was noch?"],
        },
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    location = urlsplit(response.headers["Location"])
    code = location.path.rstrip("/").rsplit("/", 1)[-1]
    key = parse_qs(location.query)["key"][0]
    manage = client.get(f"/w/{code}?key={key}")  # the browser now facilitates this workshop
    assert manage.status_code in (200, 303)
    tokens = re.findall(r"/s/([A-Za-z0-9_-]{16})", client.get(f"/w/{code}").get_data(as_text=True))
    return code, key, list(dict.fromkeys(tokens))


def post(client, token: str, text: str, author: str | None, client_id: str) -> None:
    body = {"text": text, "client_id": client_id}
    if author is not None:
        body["author"] = author
    response = client.post(f"/api/v1/stations/{token}/notes", json=body)
    assert response.status_code == 201, response.get_json()


def fill(app, client, text: str, n: int) -> dict:
    """A workshop whose every user-given field is `text`; its code, key and tokens. The
    facilitator is `client`; the notes come from a phone of their own (its own budget)."""
    code, key, tokens = new_workshop(client, text, text, text)
    phone = app.test_client()
    assert phone.get(f"/s/{tokens[0]}").status_code == 200  # the phone's participant cookie
    with phone.session_transaction() as session:
        session[identity.BORN] -= 60  # ...from a minute ago: a person reads, then writes
    post(phone, tokens[0], text, text[:60], f"xss-{n:03d}-note-a")
    post(phone, tokens[0], f"{text} Glasfaser im Dorf", None, f"xss-{n:03d}-note-b")
    post(phone, tokens[0], "Glasfaser im ganzen Dorf", "Jo", f"xss-{n:03d}-note-c")
    post(phone, tokens[1], text, None, f"xss-{n:03d}-note-d")
    return {"code": code, "key": key, "tokens": tokens}


def pages(app, workshop: dict) -> dict[str, str]:
    """Every GET route the app has that needs only a workshop code, a station token or an
    export format: endpoint -> URL."""
    values = {"code": workshop["code"], "token": workshop["tokens"][0]}
    urls = {}
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        if not set(rule.arguments) <= {"code", "token", "fmt"}:
            continue
        if "fmt" in rule.arguments:
            for fmt in EXPORT_FORMATS:
                urls[f"{rule.endpoint}.{fmt}"] = rule.build({**values, "fmt": fmt})[1]
        else:
            urls[rule.endpoint] = rule.build(values)[1]
    return urls


@pytest.fixture
def corpus(app, client):
    made = {"baseline": fill(app, client, "Harmlose Notiz über Radwege", 0)}
    for n, payload in enumerate(PAYLOADS, 1):
        made[payload] = fill(app, client, payload, n)
    return made


def test_payloads_are_inert_on_every_page(app, client, corpus):
    urls = {name: pages(app, w) for name, w in corpus.items()}
    baseline = {}
    for endpoint, url in urls["baseline"].items():
        response = client.get(url)
        if response.mimetype == "text/html" and response.status_code == 200:
            baseline[endpoint] = Scan(response.get_data(as_text=True))
    # The phone, the workshop page, the station display, the facilitator's pages, the wall,
    # the posters and the report: all of them must be among the pages checked.
    for needed in ("participant.station", "participant.workshop", "participant.display",
                   "staff.manage", "staff.posters", "staff.report", "wall.wall",
                   "wall.station_wall"):  # fmt: skip
        assert needed in baseline, sorted(baseline)

    checked = 0
    for payload in PAYLOADS:
        marker = MARKER.search(payload).group()
        for endpoint, url in urls[payload].items():
            if endpoint not in baseline:
                continue
            response = client.get(url)
            assert response.status_code == 200, (endpoint, response.status_code)
            page = Scan(response.get_data(as_text=True))
            assert_inert(page, baseline[endpoint], f"{endpoint} with {payload!r}")
            checked += 1
            if endpoint in ("participant.station", "staff.report", "staff.manage"):
                assert marker in page.visible, f"{endpoint} no longer shows {payload!r}"
        station = client.get(urls[payload]["participant.station"]).get_data(as_text=True)
        if "{{7*7}}" in payload:  # templates never evaluate what people typed
            assert "{{7*7}}" in Scan(station).visible and "${7*7}" in Scan(station).visible
        if "&lt;script&gt;" in payload:  # shown as typed: entities are not decoded twice
            assert "&lt;script&gt;" in Scan(station).visible
    assert checked >= len(PAYLOADS) * 8


def test_a_refused_note_comes_back_in_the_form_inert(app, client, corpus):
    """The no-JavaScript form re-renders a refused note into its <textarea> and <input>."""
    baseline_token = corpus["baseline"]["tokens"][0]
    refused = client.post(f"/s/{baseline_token}", data={"text": "x" * 600, "author": "Jo",
                                                        "client_id": "formbaseline01"})  # fmt: skip
    assert refused.status_code == 400
    baseline = Scan(refused.get_data(as_text=True))
    for payload in PAYLOADS:
        token = corpus[payload]["tokens"][0]
        response = client.post(
            f"/s/{token}",
            data={"text": payload + " " + "x" * 600, "author": payload, "client_id": "formxss0001"},
        )
        assert response.status_code == 400
        page = Scan(response.get_data(as_text=True))
        assert_inert(page, baseline, f"refused form with {payload!r}")
        assert MARKER.search(payload).group() in page.visible


def test_exports_carry_the_payloads_as_data(app, client, corpus):
    for payload in PAYLOADS:
        code = corpus[payload]["code"]
        texts = {clean_text(payload), clean_text(f"{payload} Glasfaser im Dorf")}  # as stored

        exported = client.get(f"/w/{code}/export.json")
        assert exported.status_code == 200
        data = exported.get_json()
        notes = [n for s in data["stations"] for n in s["notes"]]
        assert texts <= {n["text"] for n in notes}
        assert data["title"] == " ".join(clean_text(payload).split())

        raw = client.get(f"/w/{code}/export.csv").get_data(as_text=True).lstrip("\ufeff")
        cells = [cell for row in csv.reader(io.StringIO(raw), delimiter=";") for cell in row]
        for cell in cells:
            assert not cell.startswith(FORMULA), cell
        # A text a spreadsheet would run gets a leading ' (OWASP); any other is as typed.
        assert {"'" + t if t.startswith(FORMULA) else t for t in texts} <= set(cells), payload

        xlsx = client.get(f"/w/{code}/export.xlsx").get_data()
        for cell in spreadsheet_cells(xlsx):
            assert cell.data_type != "f", (payload, cell.value)

        markdown = client.get(f"/w/{code}/export.md").get_data(as_text=True)
        assert not unescaped(markdown, "<"), (payload, markdown)
        assert MARKER.search(payload).group() in markdown
        render_markdown_inert(markdown, payload)


def unescaped(markdown: str, char: str) -> list[int]:
    """Positions of `char` not escaped by a backslash (an escaped backslash does not count)."""
    found, i = [], 0
    while i < len(markdown):
        if markdown[i] == "\\":
            i += 2
            continue
        if markdown[i] == char:
            found.append(i)
        i += 1
    return found


def spreadsheet_cells(body: bytes):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.load_workbook(io.BytesIO(body))
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            yield from row


def render_markdown_inert(markdown: str, payload: str) -> None:
    """Rendered by a CommonMark renderer that allows raw HTML (the worst case), the export
    makes no element, link or image of its own from the payload."""
    try:
        from markdown_it import MarkdownIt
    except ImportError:  # markdown-it-py is optional here; the escaping check above stays
        return
    html = MarkdownIt("commonmark", {"html": True}).render(markdown)
    page = Scan(html)
    assert page.tags <= {"h1", "h2", "h3", "p", "ul", "li", "em", "strong", "blockquote", "br"}, (
        payload,
        page.tags,
    )
    assert not page.attributes, (payload, page.attributes)

"""The facilitator's forms (/new, the settings, a station, a new station): a refused form says
every problem at once, each beside its field, which is marked invalid and names its message;
what was typed stays in the fields, and nothing is saved."""

from __future__ import annotations

from html.parser import HTMLParser

from gallery.store.models import Station, Workshop

GERMAN = {"Accept-Language": "de"}


class Page(HTMLParser):
    """Elements by id: their attributes and the text directly inside them."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.by_id: dict[str, dict] = {}
        self._open: list[dict] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        element = {"tag": tag, **{k: v or "" for k, v in attrs}, "text": ""}
        if "id" in element:
            self.by_id[element["id"]] = element
        if tag not in ("input", "br", "img", "meta", "link"):
            self._open.append(element)

    def handle_endtag(self, tag):
        if self._open:
            self._open.pop()

    def handle_data(self, data):
        for element in self._open:
            element["text"] += data

    def problem(self, field: str) -> str:
        """The message beside `field`, checked to be the one the field names."""
        element = self.by_id[field]
        assert element.get("aria-invalid") == "true", f"{field} is not marked invalid"
        message = f"{field}-error"
        assert message in element.get("aria-describedby", "").split(), field
        return " ".join(self.by_id[message]["text"].split())

    def valid(self, field: str) -> bool:
        element = self.by_id[field]
        return "aria-invalid" not in element and f"{field}-error" not in self.by_id

    def listed(self) -> list[str]:
        """The fields the list of problems above the form links to, in its order."""
        return [href[1:] for href in self.links]


def _page(response) -> Page:
    html = response.get_data(True)
    page = Page(html)
    page.links = []
    if "form-errors" in page.by_id:
        start = html.index('id="form-errors"')
        block = html[start : html.index("</div>", start)]
        page.links = ["#" + part.split('"', 1)[0] for part in block.split('href="#')[1:]]
    return page


def test_new_shows_every_problem_beside_its_field_and_keeps_what_was_typed(app, client):
    """It showed the first problem only, above the form, and marked no field."""
    long_title, long_station = "Digital-Gipfel " + "x" * 285, "Breitband " + "y" * 290
    form = {
        "title": long_title,
        "place": "Kreishaus " + "z" * 120,
        "station_title": [long_station, "", "Klima", ""],
        "station_prompt": ["Was fehlt?", "Eine Frage ohne Titel", "", ""],
        "station_topics": ["", "", "\n".join(f"Thema {i}" for i in range(30)), ""],
    }
    response = client.post("/new", data=form, headers=GERMAN)
    assert response.status_code == 400
    page = _page(response)

    assert page.problem("title") == "Der Titel ist länger als 200 Zeichen (eingegeben: 300)."
    assert page.problem("place") == "Der Ort ist länger als 120 Zeichen (eingegeben: 130)."
    assert page.problem("station_title_0") == (
        "Der Titel von Station 1 ist länger als 200 Zeichen (eingegeben: 300)."
    )
    assert page.problem("station_title_1") == "Station 2 hat eine Frage, aber keinen Titel."
    assert page.problem("station_topics_2").startswith("Station 3: Höchstens")
    # ... listed once more above the form, in the page's order, each a link to its field
    fields = ["title", "place", "station_title_0", "station_title_1", "station_topics_2"]
    assert page.listed() == fields
    assert "diese 5 Angaben" in page.by_id["form-errors"]["text"]
    assert page.valid("station_prompt_0") and page.valid("station_title_2")
    # the topics' help is still read with its problem
    assert "topics-help" in page.by_id["station_topics_2"]["aria-describedby"].split()

    # what was typed stays: the page is the form to correct, not an empty one
    assert page.by_id["title"]["value"] == long_title
    assert page.by_id["station_title_0"]["value"] == long_station
    assert page.by_id["station_prompt_1"]["text"] == "Eine Frage ohne Titel"
    with app.app_context():
        assert not Workshop.select().exists()


def test_an_empty_new_form_asks_for_a_title_and_a_station_at_once(client):
    page = _page(client.post("/new", data={"title": " ", "station_title": [""]}, headers=GERMAN))
    assert page.problem("title") == "Bitte geben Sie dem Workshop einen Titel."
    assert (
        page.problem("station_title_0") == "Bitte legen Sie mindestens eine Station mit Titel an."
    )


def test_a_wrong_admin_password_is_said_beside_it_with_the_other_problems(app, client):
    app.config["ADMIN_PASSWORD"] = "geheim"
    data = {"admin_password": "falsch", "title": "", "station_title": ["Eins"]}
    page = _page(client.post("/new", data=data, headers=GERMAN))
    assert page.problem("admin_password") == "Das Admin-Passwort ist falsch."
    assert page.problem("title") == "Bitte geben Sie dem Workshop einen Titel."


def _facilitator(client) -> tuple[str, str]:
    created = client.post("/new", data={"title": "Dorfrunde", "place": "Rathaus",
                                        "station_title": ["Breitband"]})  # fmt: skip
    client.get(created.headers["Location"])  # the key, into the session
    workshop = Workshop.get()
    return workshop.code, workshop.ordered_stations()[0].token


def test_the_settings_show_both_problems_and_keep_what_was_typed(app, client):
    """They said one problem after a redirect and showed the stored values again."""
    with app.app_context():
        code, _ = _facilitator(client)
    data = {"title": "Neu " + "t" * 250, "place": "p" * 121, "language": "en", "address": "du"}
    response = client.post(f"/w/{code}/settings", data=data, headers=GERMAN)
    assert response.status_code == 400
    page = _page(response)
    assert page.problem("ws-title") == "Der Titel ist länger als 200 Zeichen (eingegeben: 254)."
    assert page.problem("ws-place") == "Der Ort ist länger als 120 Zeichen (eingegeben: 121)."
    assert page.listed() == ["ws-title", "ws-place"]
    assert page.by_id["ws-title"]["value"] == data["title"]
    assert page.by_id["ws-place"]["value"] == data["place"]
    html = response.get_data(True)
    assert '<option value="en" selected>' in html and '<option value="du" selected>' in html
    assert f'action="/w/{code}/settings#settings"' in html  # the page opens at the form
    with app.app_context():
        workshop = Workshop.get()
        assert (workshop.title, workshop.place, workshop.language) == ("Dorfrunde", "Rathaus", "de")


def test_a_station_form_shows_its_problems_beside_its_own_fields(app, client):
    """A too long title or too many topics answered a bare 400 page; typed text was lost."""
    with app.app_context():
        code, token = _facilitator(client)
    data = {"title": "T" * 201, "prompt": "Was fehlt im Dorf?",
            "topics": "\n".join(f"Thema {i}" for i in range(30))}  # fmt: skip
    response = client.post(f"/w/{code}/stations/{token}", data=data, headers=GERMAN)
    assert response.status_code == 400
    page = _page(response)
    assert page.problem(f"title-{token}") == (
        "Der Titel ist länger als 200 Zeichen (eingegeben: 201)."
    )
    assert page.problem(f"topics-{token}").startswith("Höchstens")
    assert page.valid(f"prompt-{token}") and page.valid("ws-title") and page.valid("new-title")
    assert page.by_id[f"prompt-{token}"]["text"] == "Was fehlt im Dorf?"
    assert page.by_id[f"title-{token}"]["value"] == "T" * 201
    with app.app_context():
        assert Station.get().title == "Breitband" and Station.get().prompt == ""

    empty = _page(client.post(f"/w/{code}/stations", data={"title": "", "prompt": "Und?"},
                              headers=GERMAN))  # fmt: skip
    assert empty.problem("new-title") == "Bitte geben Sie der Station einen Titel."
    assert empty.by_id["new-prompt"]["text"] == "Und?"
    with app.app_context():
        assert Station.select().count() == 1


def test_a_wrong_delete_code_is_said_beside_its_field(app, client):
    with app.app_context():
        code, _ = _facilitator(client)
    wrong = client.post(f"/w/{code}/delete", data={"confirm": "NOPE"})
    page = _page(client.get(wrong.headers["Location"], headers=GERMAN))
    assert page.problem("confirm-code") == ("Der Code stimmte nicht: Es wurde nichts gelöscht.")

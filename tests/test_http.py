"""HTTP views: pages, the JSON API, staff flow, access."""

import json
import re

import pytest

from gallery.store.models import Note, Station, Workshop


def station_path(station):
    return f"/api/v1/stations/{station.token}/notes"


# --- JSON API ------------------------------------------------------------------------


def test_post_note_201_then_200_for_the_same_client_id(client, workshop):
    _, _, (s1, _) = workshop
    body = {"text": "Glasfaser für alle", "client_id": "phone-0001", "author": "Anna"}
    first = client.post(station_path(s1), json=body)
    assert first.status_code == 201
    note = first.get_json()["note"]
    assert note["text"] == "Glasfaser für alle" and note["author"] == "Anna"
    assert note["station"] == s1.token and note["client_id"] == "phone-0001"
    second = client.post(station_path(s1), json={**body, "text": "geändert"})
    assert second.status_code == 200
    assert second.get_json()["note"] == note
    assert Note.select().count() == 1


@pytest.mark.parametrize(
    "body,status,code",
    [
        ({"text": "", "client_id": "phone-0001"}, 400, "empty_note"),
        ({"text": "x" * 501, "client_id": "phone-0001"}, 422, "note_too_long"),
        ({"text": "hi"}, 400, "invalid_client_id"),
        ([1, 2], 400, "invalid_payload"),
    ],
)
def test_bad_input_gets_code_and_message(client, workshop, body, status, code):
    _, _, (s1, _) = workshop
    response = client.post(station_path(s1), json=body)
    assert response.status_code == status
    error = response.get_json()["error"]
    assert error["code"] == code and error["message"]
    assert Note.select().count() == 0


def test_too_long_message_is_german_and_names_the_limit(client, workshop):
    _, _, (s1, _) = workshop
    response = client.post(station_path(s1), json={"text": "x" * 600, "client_id": "phone-0001"})
    message = response.get_json()["error"]["message"]
    assert "500" in message and "600" in message
    assert "zu lang" in message  # the workshop is German


def test_not_json_is_refused(client, workshop):
    _, _, (s1, _) = workshop
    response = client.post(station_path(s1), data="text=hi", content_type="text/plain")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_payload"


def test_unknown_station_is_404_with_code(client):
    response = client.post("/api/v1/stations/nope/notes", json={"text": "x", "client_id": "c" * 8})
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "station_not_found"


def test_get_station_state(client, workshop):
    _, _, (s1, _) = workshop
    client.post(station_path(s1), json={"text": "eins", "client_id": "phone-0001"})
    client.post(station_path(s1), json={"text": "zwei", "client_id": "phone-0002"})
    data = client.get(f"/api/v1/stations/{s1.token}").get_json()
    assert data["station"]["title"] == "Breitband" and data["station"]["note_count"] == 2
    assert [n["text"] for n in data["notes"]] == ["zwei", "eins"]  # newest first


# --- phone pages ---------------------------------------------------------------------


def test_station_page_shows_prompt_and_notes_escaped(client, workshop):
    _, _, (s1, _) = workshop
    client.post(station_path(s1), json={"text": "<script>alert(1)</script>", "client_id": "x" * 8})
    html = client.get(f"/s/{s1.token}").get_data(as_text=True)
    assert "Was kommt danach?" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)" not in html
    assert '<html lang="de">' in html
    assert "Notiz" in html  # German interface for a German workshop


def test_no_js_form_posts_and_redirects(client, workshop):
    _, _, (s1, _) = workshop
    response = client.post(
        f"/s/{s1.token}", data={"text": "Per Formular", "client_id": "form-0001"}
    )
    assert response.status_code == 303
    assert f"/s/{s1.token}?posted=" in response.headers["Location"]
    # a double submit of the same rendered form stores once
    client.post(f"/s/{s1.token}", data={"text": "Per Formular", "client_id": "form-0001"})
    assert Note.select().where(Note.text == "Per Formular").count() == 1
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Per Formular" in page and "note--mine" in page


def test_no_js_form_error_keeps_the_text(client, workshop):
    _, _, (s1, _) = workshop
    response = client.post(
        f"/s/{s1.token}", data={"text": "y" * 501, "client_id": "form-0002", "author": "Bo"}
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'role="alert"' in html and "500" in html
    assert "y" * 501 in html  # nothing typed is lost


def test_every_rendered_form_has_a_fresh_client_id(client, workshop):
    _, _, (s1, _) = workshop
    ids = {
        re.search(r'name="client_id" value="(\w+)"', client.get(f"/s/{s1.token}").get_data(True))[1]
        for _ in range(3)
    }
    assert len(ids) == 3


def test_unknown_station_page_is_404(client, workshop):
    response = client.get("/s/does-not-exist")
    assert response.status_code == 404
    assert "Gallery Walk" in response.get_data(as_text=True)


def test_english_workshop_and_accept_language(client, app):
    from gallery.actions.workshops import create_workshop

    with app.app_context():
        ws, _ = create_workshop("Summit", "en", [("Roads", "What next?")])
        station = ws.ordered_stations()[0]
    html = client.get(f"/s/{station.token}", headers={"Accept-Language": "de"}).get_data(True)
    assert '<html lang="en">' in html and "Post note" in html
    home_de = client.get("/", headers={"Accept-Language": "de-DE,de;q=0.9"}).get_data(True)
    home_en = client.get("/", headers={"Accept-Language": "en-GB"}).get_data(True)
    assert '<html lang="de">' in home_de and '<html lang="en">' in home_en


def test_join_by_code(client, workshop):
    ws, _, (s1, s2) = workshop
    assert (
        client.post("/join", data={"code": ws.code.lower()})
        .headers["Location"]
        .endswith(f"/j/{ws.code}")
    )
    assert (
        client.post("/join", data={"code": f" {ws.code}-2 "})
        .headers["Location"]
        .endswith(f"/s/{s2.token}")
    )
    missing = client.post("/join", data={"code": "ZZZZZ"})
    assert missing.status_code == 404 and 'role="alert"' in missing.get_data(True)
    listing = client.get(f"/j/{ws.code}").get_data(True)
    assert "Breitband" in listing and "Verwaltung" in listing


def test_display_page_and_qr(client, workshop):
    _, _, (s1, _) = workshop
    html = client.get(f"/s/{s1.token}/display").get_data(True)
    assert "gallery.test/s/" + s1.token in html and s1.short_code in html
    svg = client.get(f"/qr/{s1.token}.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    assert b"<svg" in svg.data and b"<path" in svg.data


def test_the_wall_shows_how_to_join(client, workshop):
    """The room joins from the projected wall: the short address of the station list and its
    QR code, which encodes the same address."""
    ws, key, _ = workshop
    html = client.get(f"/w/{ws.code}/wall?key={key}", follow_redirects=True).get_data(True)
    assert f"gallery.test/j/{ws.code}</strong>" in html
    assert f'src="/j/{ws.code}/qr.svg"' in html
    assert 'id="wall-phase" data-phase="collect">Sammeln<' in html
    svg = client.get(f"/j/{ws.code}/qr.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml" and b"<path" in svg.data
    assert client.get("/j/ZZZZZ/qr.svg").status_code == 404


def test_the_wall_page_carries_the_state_join_wall_answers(sio, client, workshop):
    """The wall is drawn from the page before its socket is up: the page holds the state as
    `join_wall` answers it, and a note's text cannot end the element that holds it."""
    ws, key, (s1, _) = workshop
    text = "</script><script>alert(1)</script> & <!-- Größe"
    client.post(
        f"/api/v1/stations/{s1.token}/notes", json={"text": text, "client_id": "wall-state-1"}
    )
    html = client.get(f"/w/{ws.code}/wall?key={key}", follow_redirects=True).get_data(True)
    start = html.index('<script type="application/json" id="wall-state">') + 48
    block = html[start : html.index("</script>", start)]
    assert "<" not in block and "alert(1)" in block  # escaped: the block ends only here
    ack = sio().emit("join_wall", {"workshop": ws.code, "key": key}, callback=True)
    page = json.loads(block)
    assert page["rotation"].pop("server_time") <= ack["rotation"].pop("server_time")
    assert {"ok": True, **page} == ack
    assert json.loads(block)["notes"][0]["text"] == text


def test_qr_never_points_at_localhost(app, client, workshop):
    from gallery.web import qr

    _, _, (s1, _) = workshop
    app.config.update(PUBLIC_URL="", LAN_URL="http://192.168.1.20:8000")
    html = client.get(f"/s/{s1.token}/display", base_url="http://localhost:8000").get_data(True)
    assert "192.168.1.20:8000/s/" + s1.token in html and "localhost" not in html
    client.get(f"/qr/{s1.token}.svg", base_url="http://127.0.0.1:8000")
    assert qr.svg.cache_info().currsize >= 1
    assert any("192.168.1.20" in key for key in _cached_urls(qr.svg))
    # a phone that reached us by a LAN name we were told about gets that name back
    app.config.update(ALLOWED_HOSTS="gallery.lan,localhost,127.0.0.1")
    html = client.get(f"/s/{s1.token}/display", base_url="http://gallery.lan:8000").get_data(True)
    assert "gallery.lan:8000/s/" in html


def _cached_urls(fn):
    # lru_cache has no public key listing; decode the QR inputs by calling with known URLs
    import qrcode  # noqa: F401

    return [url for url in ("http://192.168.1.20:8000/s/" + t for t in _tokens()) if fn(url)]


def _tokens():
    return [s.token for s in Station.select()]


# --- staff flow -----------------------------------------------------------------------


def test_create_workshop_in_the_web_ui(client):
    form = {
        "title": "Digital-Gipfel",
        "language": "de",
        "station_title": ["Breitband", "", "Klima"],
        "station_prompt": ["Was dann?", "", "Wie hilft Digitalisierung?"],
    }
    response = client.post("/new", data=form)
    assert response.status_code == 303
    ws = Workshop.get()
    assert [s.title for s in ws.ordered_stations()] == ["Breitband", "Klima"]
    location = response.headers["Location"]
    assert f"/w/{ws.code}?key=" in location
    # opening the facilitator link remembers the key and cleans the address bar
    cleaned = client.get(location)
    assert cleaned.status_code == 303 and "key=" not in cleaned.headers["Location"]
    manage = client.get(f"/w/{ws.code}").get_data(True)
    assert "Breitband" in manage and "key=" in manage  # the facilitator link is shown
    assert client.get(f"/w/{ws.code}/wall").status_code == 200


def test_the_form_of_address_is_set_when_created_and_changed_on_the_manage_page(client):
    form = {"title": "Dorfrunde", "language": "de", "station_title": ["Eins"], "address": "du"}
    location = client.post("/new", data=form).headers["Location"]
    ws = Workshop.get()
    assert ws.address == "du"
    client.get(location)  # remembers the key
    token = ws.ordered_stations()[0].token
    assert "Deine Notiz" in client.get(f"/s/{token}").get_data(True)
    manage = client.get(f"/w/{ws.code}").get_data(True)
    assert '<option value="du" selected>' in manage
    client.post(f"/w/{ws.code}/settings", data={"title": "Dorfrunde", "address": "sie"})
    assert Workshop.get().address == "sie"
    assert "Ihre Notiz" in client.get(f"/s/{token}").get_data(True)
    client.post(f"/w/{ws.code}/settings", data={"title": "Dorfrunde", "address": "ihr"})
    assert Workshop.get().address == "sie"  # an unknown form changes nothing


def test_titles_and_questions_are_cleaned_like_notes(client):
    """No control or bidi-override characters in what staff type either (they would spoof
    text on the wall and broke the XLSX document properties)."""
    form = {
        "title": "Digital\x00-Gipfel\u202e",
        "language": "de",
        "station_title": ["Breit\x1bband"],
        "station_prompt": ["Was\u202d dann?\r\nUnd?"],
    }
    assert client.post("/new", data=form).status_code == 303
    ws = Workshop.get()
    (station,) = ws.ordered_stations()
    assert (ws.title, station.title, station.prompt) == (
        "Digital-Gipfel", "Breitband", "Was dann?\nUnd?"
    )  # fmt: skip


@pytest.mark.parametrize(
    "form,fragment",
    [
        ({"title": "", "station_title": ["A"]}, "Titel"),
        ({"title": "T", "station_title": [""]}, "Station"),
        ({"title": "T", "station_title": [""], "station_prompt": ["Frage"]}, "Frage"),
    ],
)
def test_create_workshop_errors_are_clear(client, form, fragment):
    response = client.post("/new", data=form, headers={"Accept-Language": "de"})
    assert response.status_code == 400
    assert fragment in response.get_data(True)
    assert Workshop.select().count() == 0


def test_admin_password_guards_creation(app, client):
    app.config["ADMIN_PASSWORD"] = "geheim"
    form = {"title": "T", "station_title": ["A"], "station_prompt": ["?"]}
    assert 'name="admin_password"' in client.get("/new").get_data(True)
    assert client.post("/new", data={**form, "admin_password": "falsch"}).status_code == 400
    assert Workshop.select().count() == 0
    assert client.post("/new", data={**form, "admin_password": "geheim"}).status_code == 303
    assert client.post("/new", data=form).status_code == 303  # remembered in the session
    assert Workshop.select().count() == 2


def test_facilitator_pages_refuse_without_key(client, workshop):
    ws, _, (s1, _) = workshop
    for path in (
        f"/w/{ws.code}",
        f"/w/{ws.code}/wall",
        f"/w/{ws.code}/posters",
        f"/w/{ws.code}/wall/{s1.token}",
    ):
        response = client.get(path)
        assert response.status_code == 403, path
        assert "Breitband" not in response.get_data(True)
    assert client.get(f"/w/{ws.code}/wall?key=wrong").status_code == 403
    assert client.post(f"/w/{ws.code}/stations", data={"title": "X"}).status_code == 403
    assert client.get("/w/NOPE0/wall").status_code == 404


def login(client, ws, key):
    assert client.get(f"/w/{ws.code}?key={key}").status_code == 303


def test_manage_stations_add_edit_move_remove(client, workshop):
    ws, key, (s1, s2) = workshop
    login(client, ws, key)
    assert (
        client.post(f"/w/{ws.code}/stations", data={"title": "Klima", "prompt": "?"}).status_code
        == 303
    )
    client.post(f"/w/{ws.code}/stations/{s1.token}", data={"title": "Glasfaser", "prompt": "Neu?"})
    client.post(f"/w/{ws.code}/stations/{s1.token}/move", data={"direction": "down"})
    titles = [s.title for s in Workshop.get_by_id(ws.id).ordered_stations()]
    assert titles == ["Verwaltung", "Glasfaser", "Klima"]
    client.post(f"/w/{ws.code}/stations/{s2.token}/move", data={"direction": "up"})  # already first
    assert client.post(f"/w/{ws.code}/stations/{s2.token}/delete").status_code == 400  # no confirm
    client.post(f"/w/{ws.code}/stations/{s2.token}/delete", data={"confirm": "yes"})
    stations = list(Workshop.get_by_id(ws.id).ordered_stations())
    assert [(s.title, s.position) for s in stations] == [("Glasfaser", 0), ("Klima", 1)]


def test_cannot_touch_another_workshops_station(client, app, workshop):
    from gallery.actions.workshops import create_workshop

    ws, key, _ = workshop
    with app.app_context():
        other, _ = create_workshop("Andere", "de", [("Fremd", "")])
        foreign = other.ordered_stations()[0]
    login(client, ws, key)
    response = client.post(f"/w/{ws.code}/stations/{foreign.token}", data={"title": "gekapert"})
    assert response.status_code == 404
    assert Station.get_by_id(foreign.id).title == "Fremd"
    assert client.get(f"/w/{other.code}/wall").status_code == 403


def test_posters_page(client, workshop):
    ws, key, (s1, s2) = workshop
    login(client, ws, key)
    html = client.get(f"/w/{ws.code}/posters").get_data(True)
    assert html.count('class="poster"') == 2
    assert f"/qr/{s1.token}.svg" in html and s2.short_code in html


def test_csrf_is_enforced_on_forms(app, client, workshop):
    app.config["WTF_CSRF_ENABLED"] = True
    _, _, (s1, _) = workshop
    response = client.post(f"/s/{s1.token}", data={"text": "hi", "client_id": "form-0009"})
    assert response.status_code == 400
    assert Note.select().count() == 0
    # the JSON API is not a form: JSON cannot be sent cross-site without CORS
    ok = client.post(station_path(s1), json={"text": "hi", "client_id": "api-00009"})
    assert ok.status_code == 201

"""The server-rendered station page (GET /s/<token>) is bounded like a phone's join: the same
page of newest notes with their newest replies, and without JavaScript a link to the older
ones (issue 20)."""

from __future__ import annotations

import re

from gallery import socketio
from gallery.store.db import utcnow
from gallery.store.models import Note, Reply, Station
from stations.notes import MAX_AUTHOR, MAX_TEXT
from tests import test_limits
from tests.test_bounded import LONG, fill

make_app = test_limits.make_app
PAGE_BOUND = 64 * 1024  # bytes of HTML, as the join ack's bound


def replies_on(app, note_ids: list[int], each: int, text: str = LONG) -> None:
    now = utcnow()
    with app.app_context():
        rows = [dict(note=n, text=text, client_id=f"r{n}-{i:03}", participant=f"q{i}",
                     created_at=now) for n in note_ids for i in range(each)]  # fmt: skip
        for start in range(0, len(rows), 500):
            Reply.insert_many(rows[start : start + 500]).execute()


def shown(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'id="note-(\d+)"', html)]


def test_a_full_station_page_is_the_joins_page_and_every_note_is_reachable(make_app):
    app = make_app(MAX_NOTES_PER_STATION=2000, SOCKET_EVENT_BYTES=0)
    token = app.stations[0]
    ids = fill(app, token, 2000)
    replies_on(app, ids[::20], 50)  # 100 notes with 50 long replies each
    phone = socketio.test_client(app)
    joined = phone.emit("join_station", {"station": token}, callback=True)
    phone.disconnect()

    client = app.test_client()
    first = client.get(f"/s/{token}")
    html = first.get_data(as_text=True)
    assert first.status_code == 200 and len(first.get_data()) < PAGE_BOUND
    assert shown(html) == [n["id"] for n in joined["notes"]]
    assert '<span class="count" id="note-count">2000</span>' in html
    assert f'href="/s/{token}?before={joined["more"]}"' in html
    assert "Newest notes" not in html  # already the newest

    seen, url, pages = shown(html), f"/s/{token}?before={joined['more']}", 1
    while url:
        page = client.get(url)
        html = page.get_data(as_text=True)
        assert page.status_code == 200 and len(page.get_data()) < PAGE_BOUND
        assert f'href="/s/{token}">Newest notes</a>' in html
        seen += shown(html)
        older = re.search(r'href="(/s/[^"]*\?before=\d+)"', html)
        url, pages = (older.group(1) if older else None), pages + 1
    assert sorted(seen) == sorted(ids) and len(seen) == len(set(seen))
    assert pages > 20


def test_a_note_with_many_replies_shows_the_newest_and_counts_the_rest(make_app):
    app = make_app()
    token = app.stations[0]
    (note_id,) = fill(app, token, 1)
    replies_on(app, [note_id], 50)
    phone = socketio.test_client(app)
    (note,) = phone.emit("join_station", {"station": token}, callback=True)["notes"]
    phone.disconnect()
    html = app.test_client().get(f"/s/{token}").get_data(as_text=True)
    assert 0 < len(note["replies"]) < 50 and note["reply_count"] == 50
    assert html.count('<li class="reply">') == len(note["replies"])
    assert f"Earlier replies not shown: {50 - len(note['replies'])}" in html
    assert "Older notes" not in html


def test_a_cursor_that_is_no_id_shows_the_newest_page(make_app):
    app = make_app()
    token = app.stations[0]
    ids = fill(app, token, 3)
    client = app.test_client()
    for cursor in ("abc", "-1", str(2**63), ""):
        page = client.get(f"/s/{token}?before={cursor}")
        assert page.status_code == 200
        assert shown(page.get_data(as_text=True)) == ids[::-1]
    assert shown(client.get(f"/s/{token}?before={ids[1]}").get_data(as_text=True)) == [ids[0]]
    past_the_oldest = client.get(f"/s/{token}?before={ids[0]}").get_data(as_text=True)
    assert shown(past_the_oldest) == [] and 'id="notes-empty" hidden>' in past_the_oldest


def fill_with(app, token: str, texts: list[str], author: str | None = None) -> list[int]:
    with app.app_context():
        station = Station.by_token(token)
        now = utcnow()
        rows = [dict(station=station.id, text=text, author=author, client_id=f"esc-{i:06}",
                     participant=f"p{i}", created_at=now)
                for i, text in enumerate(texts)]  # fmt: skip
        Note.insert_many(rows).execute()
        return [n.id for n in Note.select(Note.id).where(Note.station == station)]


def walk_pages(client, token: str) -> list[int]:
    """Every page from the newest back, each below the bound; the notes they showed."""
    seen, url = [], f"/s/{token}"
    while url:
        page = client.get(url)
        assert page.status_code == 200 and len(page.get_data()) < PAGE_BOUND, len(page.get_data())
        html = page.get_data(as_text=True)
        seen += shown(html)
        older = re.search(r'href="(/s/[^"]*\?before=\d+)"', html)
        url = older.group(1) if older else None
    return seen


def test_the_page_bound_counts_html_bytes_notes_of_escaped_characters_too(make_app):
    """'<' is one byte in JSON and four in HTML (&lt;), '&' five (&amp;), a quote five: a page
    of such notes is weighed by what it is in HTML, and every note is still reachable."""
    app = make_app(MAX_NOTES_PER_STATION=0)
    token = app.stations[0]
    texts = ["<" * MAX_TEXT, "&" * MAX_TEXT, '"' * MAX_TEXT, "'<&>" * (MAX_TEXT // 4)] * 60
    ids = fill_with(app, token, texts, author="<&" * (MAX_AUTHOR // 2))
    replies_on(app, ids[::10], 5)  # long replies too
    replies_on(app, ids[-1:], 50, "&" * MAX_TEXT)  # the newest note: 50 replies of '&'
    seen = walk_pages(app.test_client(), token)
    assert sorted(seen) == sorted(ids) and len(seen) == len(set(seen))


def test_a_page_of_many_short_escaped_notes_stays_below_the_bound(make_app):
    app = make_app(MAX_NOTES_PER_STATION=0)
    token = app.stations[0]
    ids = fill_with(app, token, ["<&"] * 450, author="&" * MAX_AUTHOR)
    seen = walk_pages(app.test_client(), token)
    assert sorted(seen) == sorted(ids) and len(seen) == len(set(seen))

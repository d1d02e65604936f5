"""Exports for staff: downloads, the printable report, import, deleting and retention."""

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from gallery import create_app
from gallery.actions import results
from gallery.actions.walk import rotation_command
from gallery.actions.workshops import create_workshop
from gallery.cli import main
from gallery.store.models import Note, Station, Vote, Workshop
from gallery.store.retention import expired
from stations import export
from tests.support import app_config

GOLDEN = Path(__file__).parent / "golden"

TEXTS = [
    "Rufbus per App",
    '=HYPERLINK("http://x","klick")',
    "<script>alert(1)</script>",
    "Carsharing auf dem Land",
]


@pytest.fixture
def filled(client, workshop):
    ws, key, (s1, s2) = workshop
    for i, text in enumerate(TEXTS):
        r = client.post(
            f"/api/v1/stations/{s1.token}/notes",
            json={"text": text, "client_id": f"res-{i:05d}", "author": "Anna"},
        )
        assert r.status_code == 201
    hidden = Note.get(Note.text == TEXTS[-1])
    hidden.hidden = True
    hidden.save()
    return ws, key, s1, s2


def test_downloads_need_the_key(client, filled):
    ws, key, *_ = filled
    for fmt in ("xlsx", "csv", "json", "md"):
        refused = client.get(f"/w/{ws.code}/export.{fmt}")
        assert refused.status_code == 403 and b"Rufbus" not in refused.data
    assert client.get(f"/w/{ws.code}/report").status_code == 403
    assert client.get(f"/w/{ws.code}/export.csv?key=wrong").status_code == 403


def test_admin_password_opens_exports(app, client, filled):
    ws, *_ = filled
    app.config["ADMIN_PASSWORD"] = "geheim"
    client.post("/new", data={"admin_password": "geheim", "title": "", "station_title": [""]})
    assert client.get(f"/w/{ws.code}/export.json").status_code == 200


def test_every_format_downloads(client, filled):
    ws, key, s1, _ = filled
    client.get(f"/w/{ws.code}?key={key}")
    types = {
        "xlsx": "spreadsheetml",
        "csv": "text/csv",
        "json": "application/json",
        "md": "text/markdown",
    }
    for fmt, mime in types.items():
        r = client.get(f"/w/{ws.code}/export.{fmt}")
        assert r.status_code == 200 and mime in r.content_type, fmt
        assert f"gallery-walk-{ws.code}-" in r.headers["Content-Disposition"]
    csv = client.get(f"/w/{ws.code}/export.csv").data
    assert csv.startswith(b"\xef\xbb\xbf") and b";" in csv.splitlines()[0]
    assert b"'=HYPERLINK" in csv  # formula made inert
    comma = client.get(f"/w/{ws.code}/export.csv?sep=comma").data
    assert b"," in comma.splitlines()[0]
    data = client.get(f"/w/{ws.code}/export.json").get_json()
    notes = [n for s in data["stations"] for n in s["notes"]]
    assert len(notes) == 4 and sum(n["hidden"] for n in notes) == 1
    assert client.get(f"/w/{ws.code}/export.pdf").status_code == 404


@pytest.fixture
def golden(app, client):
    """The golden files' workshop (tests/test_export.py) imported as `gallery import` does:
    topics, votes, replies, a hidden note, umlauts, emoji, formulas. Logged in as its staff."""
    data = export.from_json(json.loads((GOLDEN / "export.json").read_bytes()))
    with app.app_context():
        ws, key = results.restore(data)
    client.get(f"/w/{ws.code}?key={key}")
    return ws


@pytest.mark.parametrize("source", ["filled", "golden"])
def test_downloads_are_the_bytes_the_golden_tests_check(app, client, request, source):
    """Each download is `export.build` of the workshop, byte for byte: the function that
    tests/test_export.py compares with the golden files (the JSON with its final newline)."""
    if source == "filled":
        ws, key, *_ = request.getfixturevalue("filled")
        client.get(f"/w/{ws.code}?key={key}")
    else:
        ws = request.getfixturevalue("golden")
    with app.app_context():
        data = results.collect(Workshop.get_by_id(ws.id))
    for fmt in export.FORMATS:
        r = client.get(f"/w/{ws.code}/export.{fmt}")
        assert r.status_code == 200 and r.mimetype == export.MIMETYPES[fmt].split(";")[0], fmt
        assert r.data == export.build(data, fmt, zone=app.config["TIMEZONE"]), fmt
    comma = client.get(f"/w/{ws.code}/export.csv?sep=comma").data
    assert comma == export.build(data, "csv", delimiter=",")
    downloaded = client.get(f"/w/{ws.code}/export.json").data
    assert downloaded.endswith(b"}\n") and export.from_json(json.loads(downloaded)) == data


def test_report_is_escaped_and_complete(client, filled):
    ws, key, s1, s2 = filled
    client.get(f"/w/{ws.code}?key={key}")
    html = client.get(f"/w/{ws.code}/report").get_data(True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert" not in html
    assert "Rufbus per App" in html and "Carsharing" not in html  # hidden notes stay out
    assert s1.title in html and s2.title in html and s1.prompt in html
    assert "Teilnehmende" in html  # in the workshop's language


def _between(html: str, start: str, end: str) -> str:
    return html[html.index(start) : html.index(end, html.index(start))]


def test_report_ranks_groups_by_dots_with_dots_plus_ones_and_replies(client, golden):
    html = client.get(f"/w/{golden.code}/report").get_data(True)
    assert "Ergebnisprotokoll" in html and "Top-Ergebnisse" in html
    station = _between(html, 'class="protocol__station', "Station 2:")
    # Mobilfunk (4 dots) before Glasfaser-Ausbau (2), though the wall has it second.
    assert station.index("1. Mobilfunk") < station.index("2. Glasfaser-Ausbau")
    assert station.index("5G für Landwirte") < station.index("Funklöcher an der B27")
    jurgen = _between(station, "Glasfaser bis in jedes Dorf", "</li>\n          \n")
    assert "2 Punkte" in jurgen and "+1: 3" in jurgen and "Jürgen" in jurgen
    replies = _between(station, "Glasfaser bis in jedes Dorf", "Förderung für Gemeinden")
    assert replies.index("Ja, unbedingt!") < replies.index("Und die Kosten?")  # under the note
    assert "Beleidigender" not in html  # hidden: left out, as in the Markdown
    assert "1 ausgeblendete Notiz nicht aufgeführt" in station
    top = _between(html, "Top-Ergebnisse", 'class="protocol__station')
    assert top.index("Mobilfunk") < top.index("Glasfaser-Ausbau")
    assert "Bürgerdienste" in top and "Ummeldung online" in top
    annex = html[html.index("Anhang: alle Notizen im Wortlaut") :]
    # The annex keeps the order of writing: the 09:05 note before the 09:07 one.
    assert annex.index("Glasfaser bis in jedes Dorf") < annex.index("Förderung für Gemeinden")
    assert "Uhrzeit (UTC)" in annex and "09:05" in annex


def test_report_ranks_a_single_idea_among_the_groups_as_the_wall_does(app, client, golden):
    """One ranking everywhere (stations.results): a single idea with 3 dots stands between
    the topics with 4 and 2 dots, numbered as they are; ideas without a dot come last."""
    with app.app_context():
        note = Note.get(Note.text.startswith("<script>alert('x')"))
        for i in range(3):
            Vote.create(station=note.station, note=note, participant=f"p{i}")
    html = client.get(f"/w/{golden.code}/report").get_data(True)
    station = _between(html, 'class="protocol__station', "Station 2:")
    assert station.index("1. Mobilfunk") < station.index("2. Einzelne Idee")
    assert station.index("2. Einzelne Idee") < station.index("3. Glasfaser-Ausbau")
    single = _between(station, "2. Einzelne Idee", "3. Glasfaser-Ausbau")
    assert "&lt;script&gt;alert" in single and "3 Punkte" in single
    assert station.index("3. Glasfaser-Ausbau") < station.index("Einzelne Ideen")


def test_report_says_how_many_rounds_of_the_rotation_ran(app, client):
    """A rotation stopped in round 2 of 4 was reported as "4 Gruppen, 4 Runden"."""
    with app.app_context():
        ws, key = create_workshop("Rundgang", "de", [(f"Station {n}", "") for n in range(1, 5)])
    client.get(f"/w/{ws.code}?key={key}")

    def rotation_line(*commands) -> str:
        with app.app_context():
            for command in commands:
                rotation_command(Workshop.get_by_id(ws.id), command, groups=4, minutes=5)
        html = client.get(f"/w/{ws.code}/report").get_data(True)
        return _between(html, "<dt>Rotation</dt>", "</dd>").split("<dd>")[1].strip()

    assert rotation_line("pause") == "4 Gruppen, 4 Runden zu je 5 Minuten geplant, nicht begonnen"
    assert rotation_line("start") == (
        "4 Gruppen, bisher 1 von 4 Runden zu je 5 Minuten (läuft noch)"
    )
    assert rotation_line("next", "stop") == (
        "4 Gruppen, 2 von 4 Runden zu je 5 Minuten (vorzeitig beendet)"
    )
    assert rotation_line("start", "next", "pause") == (
        "4 Gruppen, bisher 2 von 4 Runden zu je 5 Minuten (angehalten)"
    )
    assert rotation_line("next", "next", "next") == "4 Gruppen, 4 Runden zu je 5 Minuten"


def test_report_and_downloads_use_the_workshops_time_zone(tmp_path):
    app = create_app(app_config(tmp_path, TIMEZONE="Europe/Berlin"))
    data = export.from_json(json.loads((GOLDEN / "export.json").read_bytes()))
    with app.app_context():
        ws, key = results.restore(data)
    client = app.test_client()
    client.get(f"/w/{ws.code}?key={key}")
    html = client.get(f"/w/{ws.code}/report").get_data(True)
    # 09:05 UTC on 3 May 2024 is 11:05 in Berlin (summer time).
    assert "Uhrzeit (Europe/Berlin)" in html and "11:05" in html and "09:05" not in html
    csv = client.get(f"/w/{ws.code}/export.csv").data.decode("utf-8-sig")
    assert "Erstellt (Europe/Berlin)" in csv and "2024-05-03 11:05" in csv
    assert b'"2024-05-03T09:05:00Z"' in client.get(f"/w/{ws.code}/export.json").data


def test_an_unknown_time_zone_stops_the_start(tmp_path):
    with pytest.raises(ValueError, match="GALLERY_TIMEZONE"):
        create_app(app_config(tmp_path, TIMEZONE="Mars/Olympus"))


def test_export_import_round_trip(app, tmp_path, filled):
    ws, *_ = filled
    with app.app_context():
        before = results.collect(Workshop.get_by_id(ws.id))
    runner = CliRunner()
    env = {"GALLERY_INSTANCE_PATH": str(tmp_path / "i")}
    db = str(tmp_path / "test.db")
    out = tmp_path / "ws.json"
    assert (
        runner.invoke(
            main, ["export", ws.code, "--format", "json", "-o", str(out), "--db", db], env=env
        ).exit_code
        == 0
    )
    other = str(tmp_path / "other.db")
    imported = runner.invoke(main, ["import", str(out), "--db", other, "--json"], env=env)
    assert imported.exit_code == 0, imported.output
    new = json.loads(imported.stdout)
    assert new["workshop"]["code"] == ws.code and new["workshop"]["key"]
    again = tmp_path / "again.json"
    runner.invoke(
        main, ["export", ws.code, "--format", "json", "-o", str(again), "--db", other], env=env
    )
    first, second = json.loads(out.read_text()), json.loads(again.read_text())
    assert _without_ids(first) == _without_ids(second)
    assert before.participants == json.loads(again.read_text())["participants"]


def _without_ids(data):
    """Note ids are the database's: compare notes and clusters by position instead."""
    for station in data["stations"]:
        index = {n["id"]: i for i, n in enumerate(station["notes"])}
        for n in station["notes"]:
            n["id"] = index[n["id"]]
        for c in station["clusters"]:
            c["note_ids"] = [index[i] for i in c["note_ids"]]
    return data


def test_import_refuses_garbage(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"schema": "something else"}')
    result = CliRunner().invoke(
        main,
        ["import", str(bad), "--db", str(tmp_path / "x.db")],
        env={"GALLERY_INSTANCE_PATH": str(tmp_path)},
    )
    assert result.exit_code != 0 and "not a Gallery Walk export" in result.output


def test_cli_export_formats(filled, tmp_path):
    ws, *_ = filled
    db = str(tmp_path / "test.db")
    env = {"GALLERY_INSTANCE_PATH": str(tmp_path / "i")}
    for fmt in ("xlsx", "csv", "md", "html"):
        result = CliRunner().invoke(main, ["export", ws.code, "--format", fmt, "--db", db], env=env)
        assert result.exit_code == 0 and result.stdout_bytes, fmt
    html = CliRunner().invoke(main, ["export", ws.code, "--format", "html", "--db", db], env=env)
    assert "&lt;script&gt;" in html.stdout and 'lang="de"' in html.stdout
    missing = CliRunner().invoke(main, ["export", "NOPE0", "--db", db], env=env)
    assert missing.exit_code != 0


def test_delete_workshop_needs_the_typed_code(client, filled):
    ws, key, s1, _ = filled
    client.get(f"/w/{ws.code}?key={key}")
    wrong = client.post(f"/w/{ws.code}/delete", data={"confirm": "nope"})
    assert wrong.status_code == 303 and Workshop.select().count() == 1
    ok = client.post(f"/w/{ws.code}/delete", data={"confirm": ws.code.lower()})
    assert ok.status_code == 303 and "deleted=1" in ok.headers["Location"]
    assert Workshop.select().count() == 0 and Note.select().count() == 0
    assert Station.select().count() == 0
    assert client.get(f"/s/{s1.token}").status_code == 404


def test_retention(app, filled, tmp_path):
    ws, *_ = filled
    with app.app_context():
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        assert expired(30, now) == []
        assert [w.code for w, _ in expired(30, now + dt.timedelta(days=31))] == [ws.code]
    env = {"GALLERY_INSTANCE_PATH": str(tmp_path / "i")}
    db = str(tmp_path / "test.db")
    runner = CliRunner()
    assert runner.invoke(main, ["purge", "--db", db], env=env).exit_code != 0  # no period set
    kept = runner.invoke(main, ["purge", "--days", "30", "--db", db], env=env)
    assert kept.exit_code == 0 and kept.output == ""
    with app.app_context():
        Note.update(created_at=dt.datetime(2020, 1, 1)).execute()
        Workshop.update(created_at=dt.datetime(2020, 1, 1)).execute()
    dry = runner.invoke(main, ["purge", "--days", "30", "--dry-run", "--db", db], env=env)
    assert "would delete " + ws.code in dry.output and Workshop.select().count() == 1
    gone = runner.invoke(main, ["purge", "--db", db], env={**env, "GALLERY_RETENTION_DAYS": "30"})
    assert "deleted " + ws.code in gone.output
    assert Workshop.select().count() == 0 and Note.select().count() == 0


def test_xlsx_opens(client, filled):
    openpyxl = pytest.importorskip("openpyxl")
    ws, key, *_ = filled
    client.get(f"/w/{ws.code}?key={key}")
    book = openpyxl.load_workbook(io.BytesIO(client.get(f"/w/{ws.code}/export.xlsx").data))
    assert len(book.sheetnames) == 4  # summary, top + 2 stations

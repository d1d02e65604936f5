"""The workshop's place ("Ort"): typed in /new or the settings, shown in the results protocol
and every export that names the title and date, kept by `gallery import`, migrated in."""

from __future__ import annotations

import io
import json
import sqlite3

import openpyxl
from click.testing import CliRunner

from gallery import create_app
from gallery.cli import main
from gallery.store import db
from gallery.store.models import SchemaVersion, Workshop
from gallery.store.schema import MIGRATIONS
from tests.support import app_config

PLACE = "Kreishaus Freiberg, Saal 2 <b>&</b>"  # markup stays text everywhere


def _new(client, **fields):
    data = {"title": "Digital-Gipfel", "language": "de", "station_title": ["Breitband"],
            "station_prompt": ["Was fehlt?"], **fields}  # fmt: skip
    return client.post("/new", data=data)


def test_a_place_typed_in_new_shows_in_the_report_and_exports_and_survives_an_import(
    app, client, tmp_path
):
    created = _new(client, place=f"  {PLACE}  ")
    assert created.status_code == 303
    client.get(created.headers["Location"])  # the facilitator's key, into the session
    with app.app_context():
        ws = Workshop.get()
    assert ws.place == PLACE  # trimmed as the title is

    report = client.get(f"/w/{ws.code}/report").get_data(True)
    assert "<dt>Ort</dt><dd>Kreishaus Freiberg, Saal 2 &lt;b&gt;&amp;&lt;/b&gt;</dd>" in report
    assert "<b>&</b>" not in report
    manage = client.get(f"/w/{ws.code}").get_data(True)
    assert 'value="Kreishaus Freiberg, Saal 2 &lt;b&gt;&amp;&lt;/b&gt;"' in manage

    book = openpyxl.load_workbook(io.BytesIO(client.get(f"/w/{ws.code}/export.xlsx").data))
    assert [c.value for c in book["Übersicht"][4]][:2] == ["Ort", PLACE]
    markdown = client.get(f"/w/{ws.code}/export.md").get_data(True)
    assert "· Ort: Kreishaus Freiberg, Saal 2 \\<b\\>&\\</b\\> · Code:" in markdown
    exported = client.get(f"/w/{ws.code}/export.json").data
    assert json.loads(exported)["place"] == PLACE

    path, other = tmp_path / "ws.json", str(tmp_path / "other.db")
    path.write_bytes(exported)
    env = {"GALLERY_INSTANCE_PATH": str(tmp_path / "i")}
    runner = CliRunner()
    imported = runner.invoke(main, ["import", str(path), "--db", other], env=env)
    assert imported.exit_code == 0, imported.output
    again = runner.invoke(main, ["export", ws.code, "--format", "json", "--db", other], env=env)
    assert json.loads(again.stdout)["place"] == PLACE


def test_without_a_place_the_report_and_markdown_say_nothing_of_it(app, client):
    client.get(client.post("/new", data={"title": "Ohne Ort", "station_title": "Eins"})
               .headers["Location"])  # fmt: skip
    with app.app_context():
        code = Workshop.get().code
    assert "<dt>Ort</dt>" not in client.get(f"/w/{code}/report").get_data(True)
    assert "Ort:" not in client.get(f"/w/{code}/export.md").get_data(True)
    assert client.get(f"/w/{code}/export.json").get_json()["place"] == ""


def test_a_too_long_place_is_refused_with_a_german_message(app, client):
    refused = _new(client, place="x" * 121)
    page = refused.get_data(True)
    too_long = "Der Ort ist länger als 120 Zeichen (eingegeben: 121)."
    assert refused.status_code == 400 and too_long in page
    assert 'value="Digital-Gipfel"' in page  # the rest of the form is kept
    with app.app_context():
        assert not Workshop.select().exists()

    created = _new(client, place="Kreishaus")
    client.get(created.headers["Location"])
    with app.app_context():
        code = Workshop.get().code
    refused = client.post(f"/w/{code}/settings", data={"title": "T", "place": "y" * 121})
    shown = refused.get_data(True)  # the page again, beside the field (tests/test_forms.py)
    assert refused.status_code == 400 and too_long in shown and 'aria-invalid="true"' in shown
    with app.app_context():
        assert Workshop.get().place == "Kreishaus" and Workshop.get().title == "Digital-Gipfel"

    client.post(f"/w/{code}/settings", data={"title": "T", "place": "Rathaus Döbeln"})
    client.post(f"/w/{code}/settings", data={"title": "T"})  # an older form keeps the place
    with app.app_context():
        assert Workshop.get().place == "Rathaus Döbeln"
    client.post(f"/w/{code}/settings", data={"title": "T", "place": ""})
    with app.app_context():
        assert Workshop.get().place == ""


def test_cli_workshop_new_takes_a_place(app, tmp_path):
    env = {"GALLERY_INSTANCE_PATH": str(tmp_path / "i")}
    args = ["workshop", "new", "Dorfrunde", "--station", "Eins: Was?", "--db",
            str(tmp_path / "test.db"), "--json"]  # fmt: skip
    made = CliRunner().invoke(main, [*args, "--place", " Rathaus  Döbeln "], env=env)
    assert made.exit_code == 0, made.output
    with app.app_context():
        assert Workshop.get().place == "Rathaus Döbeln"
    refused = CliRunner().invoke(main, [*args, "--place", "z" * 121], env=env)
    assert refused.exit_code != 0 and "120" in refused.output


def test_a_database_from_before_the_place_gets_it_empty(tmp_path):
    """Yesterday's database (schema v4, no `place` column) is migrated with its workshops."""
    config = app_config(tmp_path)
    create_app(config)
    db.close()
    with sqlite3.connect(config["DATABASE"]) as con:
        con.execute(
            "INSERT INTO workshop (code, title, language, address, key_hash, created_at,"
            " imported_participants, phase, dots, rotation, place, timezone) VALUES ('ABCDE',"
            " 'Alt', 'de', 'sie', 'x', '2026-01-01 10:00:00', 0, 'collect', 5, '', 'weg', '')"
        )
        con.execute("ALTER TABLE workshop DROP COLUMN place")
        con.execute("ALTER TABLE workshop DROP COLUMN timezone")  # v6, after the place
        con.execute("UPDATE schemaversion SET version = 4")
    app = create_app(config)
    with app.app_context():
        assert SchemaVersion.get().version == len(MIGRATIONS) == 6
        assert Workshop.get().title == "Alt" and Workshop.get().place == ""
    db.close()

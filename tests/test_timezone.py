"""A workshop's time zone: the facilitator's browser names it in /new, the workshop keeps it
(settings change it, JSON export and import carry it), and the report and the exports show
its times in it. A workshop without one uses GALLERY_TIMEZONE, else the server's zone, but a
German one on a server kept in UTC uses Europe/Berlin (the report said "Etc/UTC", an hour off)."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from gallery import create_app
from gallery.actions import results
from gallery.actions.workshops import create_workshop, zone_of
from gallery.cli import main
from gallery.config import place_zone, workshop_zone
from gallery.store import db
from gallery.store.models import SchemaVersion, Workshop
from gallery.store.schema import MIGRATIONS
from stations import export
from tests.support import app_config

GOLDEN = Path(__file__).parent / "golden"
GERMAN = {"Accept-Language": "de"}


def _new(client, **fields):
    data = {"title": "Dorfrunde", "station_title": ["Breitband"], **fields}
    created = client.post("/new", data=data)
    assert created.status_code == 303
    client.get(created.headers["Location"])  # the facilitator's key, into the session
    return Workshop.select().order_by(Workshop.id.desc()).get()


def test_new_keeps_the_browsers_zone_over_the_servers(app, client):
    """The test server's zone is UTC (app_config); the browser was in Berlin."""
    with app.app_context():
        workshop = _new(client, timezone="Europe/Berlin")
    assert workshop.timezone == "Europe/Berlin"
    report = client.get(f"/w/{workshop.code}/report", headers=GERMAN).get_data(True)
    assert "<dt>Zeitzone</dt><dd>Europe/Berlin</dd>" in report
    assert "(Europe/Berlin) mit Gallery Walk" in report  # the footer's time too
    manage = client.get(f"/w/{workshop.code}", headers=GERMAN).get_data(True)
    assert 'id="ws-timezone" name="timezone" maxlength="64" list="zones" value="Europe/Berlin"' in (
        manage
    )


@pytest.mark.parametrize(
    "sent", ["", "Mars/Olympus", "UTC", "Etc/UTC", "../../etc/passwd", "x" * 300]
)
def test_new_ignores_a_zone_the_browser_cannot_vouch_for(app, client, sent):
    """The field is hidden: what it brings is taken or left, never refused. UTC is what a
    machine says whose zone nobody set."""
    with app.app_context():
        workshop = _new(client, timezone=sent)
        assert workshop.timezone == "" and zone_of(workshop) == "UTC"


def test_the_report_and_every_export_show_times_in_the_workshops_zone(app, client):
    data = export.from_json(json.loads((GOLDEN / "export.json").read_bytes()))
    with app.app_context():  # the server keeps UTC (app_config); the workshop New York's
        ws, key = results.restore(dataclasses.replace(data, timezone="America/New_York"))
    client.get(f"/w/{ws.code}?key={key}")
    html = client.get(f"/w/{ws.code}/report").get_data(True)
    # 09:05 UTC on 3 May 2024 is 05:05 in New York (summer time).
    assert "Uhrzeit (America/New_York)" in html and "05:05" in html and "09:05" not in html
    csv = client.get(f"/w/{ws.code}/export.csv").data.decode("utf-8-sig")
    assert "Erstellt (America/New_York)" in csv and "2024-05-03 05:05" in csv
    exported = json.loads(client.get(f"/w/{ws.code}/export.json").data)
    assert exported["timezone"] == "America/New_York"  # JSON keeps UTC, and names the zone
    assert exported["stations"][0]["notes"][0]["created_at"].endswith("Z")


def test_a_german_workshop_without_a_zone_on_a_utc_server_shows_berlin_time(tmp_path, monkeypatch):
    monkeypatch.setenv("TZ", "UTC")  # the machine's zone, as a server's usually is
    app = create_app(app_config(tmp_path, TIMEZONE="", WTF_CSRF_ENABLED=False))
    assert app.config["TIMEZONE"] == "UTC"
    client = app.test_client()
    with app.app_context():
        english, _ = create_workshop("Village round", "en", [("One", "")])
        assert zone_of(english) == "UTC"
        german = _new(client)  # no zone from the browser (no JavaScript)
        assert german.timezone == "" and zone_of(german) == "Europe/Berlin"
    report = client.get(f"/w/{german.code}/report").get_data(True)
    assert "<dd>Europe/Berlin</dd>" in report and "UTC" not in report
    db.close()


@pytest.mark.parametrize(
    ("own", "language", "setting", "server", "expected"),
    [
        ("Asia/Tokyo", "de", "Europe/Lisbon", "UTC", "Asia/Tokyo"),  # its own first
        ("", "de", "Europe/Lisbon", "UTC", "Europe/Lisbon"),  # then GALLERY_TIMEZONE (as server)
        ("", "de", "UTC", "UTC", "UTC"),  # UTC set on purpose stays
        ("", "de", "", "Etc/UTC", "Europe/Berlin"),  # a UTC machine: the German room's clock
        ("", "en", "", "Etc/UTC", "Etc/UTC"),
        ("", "de", "", "America/Chicago", "America/Chicago"),  # a machine's zone set on purpose
        ("Mars/Olympus", "de", "", "Europe/Vienna", "Europe/Vienna"),
    ],
)
def test_which_zone_a_workshop_uses(own, language, setting, server, expected):
    server = setting or server  # config.timezone: the setting, else the machine's zone
    assert workshop_zone(own, language, setting, server) == expected


def test_place_zone_takes_a_places_zone_only():
    assert place_zone(" Europe/Berlin ") == "Europe/Berlin"
    assert place_zone("Asia/Calcutta") == "Asia/Calcutta"  # an old name browsers still say
    for other in ("", None, 7, "UTC", "Etc/UTC", "GMT", "Mars/Olympus", "/etc/passwd", "a" * 65):
        assert place_zone(other) == ""


def test_the_settings_change_the_zone_and_refuse_an_unknown_one_beside_its_field(app, client):
    with app.app_context():
        workshop = _new(client, timezone="Europe/Berlin")
    code, base = workshop.code, {"title": "Dorfrunde", "place": ""}
    client.post(f"/w/{code}/settings", data={**base, "timezone": " Asia/Tokyo "})
    with app.app_context():
        assert Workshop.get().timezone == "Asia/Tokyo"
    refused = client.post(f"/w/{code}/settings", data={**base, "timezone": "Mars/Olympus"},
                          headers=GERMAN)  # fmt: skip
    page = refused.get_data(True)
    assert refused.status_code == 400
    assert ('<p class="field-error" id="ws-timezone-error">Unbekannte Zeitzone: Mars/Olympus. '
            "Bitte wählen Sie eine aus der Liste, z. B. Europe/Berlin.</p>") in page  # fmt: skip
    assert 'aria-describedby="ws-timezone-error ws-timezone-help"' in page
    assert 'value="Mars/Olympus"' in page  # as typed, to correct
    assert '<option value="Europe/Berlin">' in page and '<option value="US/Eastern">' not in page
    client.post(f"/w/{code}/settings", data=base)  # an older page without the field keeps it
    with app.app_context():
        assert Workshop.get().timezone == "Asia/Tokyo"
    client.post(f"/w/{code}/settings", data={**base, "timezone": ""})  # empty: the server's
    with app.app_context():
        assert Workshop.get().timezone == "" and zone_of(Workshop.get()) == "UTC"
    manage = client.get(f"/w/{code}", headers=GERMAN).get_data(True)
    assert "stehen in der Zeitzone UTC. Ohne Eintrag gilt die des Servers (UTC)." in manage


def test_the_cli_sets_a_zone_and_export_and_import_keep_it(app, tmp_path):
    env = {"GALLERY_INSTANCE_PATH": str(tmp_path / "i")}
    db_path, other = str(tmp_path / "test.db"), str(tmp_path / "other.db")
    args = ["workshop", "new", "Dorfrunde", "--station", "Eins: Was?", "--db", db_path, "--json"]
    runner = CliRunner()
    refused = runner.invoke(main, [*args, "--timezone", "Mars/Olympus"], env=env)
    assert refused.exit_code != 0 and "unknown time zone" in refused.output
    made = runner.invoke(main, [*args, "--timezone", "America/Sao_Paulo"], env=env)
    code = json.loads(made.stdout)["workshop"]["code"]
    exported = runner.invoke(main, ["export", code, "--format", "json", "--db", db_path], env=env)
    assert json.loads(exported.stdout)["timezone"] == "America/Sao_Paulo"
    (tmp_path / "ws.json").write_text(exported.stdout)
    imported = runner.invoke(main, ["import", str(tmp_path / "ws.json"), "--db", other], env=env)
    assert imported.exit_code == 0, imported.output
    again = runner.invoke(main, ["export", code, "--format", "md", "--db", other], env=env)
    assert again.exit_code == 0
    with sqlite3.connect(other) as con:
        assert con.execute("SELECT timezone FROM workshop").fetchall() == [("America/Sao_Paulo",)]

    broken = json.loads(exported.stdout) | {"timezone": "Mars/Olympus"}
    (tmp_path / "broken.json").write_text(json.dumps(broken))
    refused = runner.invoke(main, ["import", str(tmp_path / "broken.json"), "--db", other],
                            env=env)  # fmt: skip
    assert refused.exit_code != 0 and "$.timezone" in refused.output


def test_a_database_from_before_the_time_zone_keeps_the_servers(tmp_path):
    """Yesterday's database (schema v5, no `timezone` column) is migrated with its workshops."""
    config = app_config(tmp_path)
    create_app(config)
    db.close()
    with sqlite3.connect(config["DATABASE"]) as con:
        con.execute(
            "INSERT INTO workshop (code, title, language, address, key_hash, created_at,"
            " imported_participants, phase, dots, rotation, place, timezone) VALUES ('ABCDE',"
            " 'Alt', 'de', 'sie', 'x', '2026-01-01 10:00:00', 0, 'collect', 5, '', 'Rathaus',"
            " 'Asia/Tokyo')"
        )
        con.execute("ALTER TABLE workshop DROP COLUMN timezone")
        con.execute("UPDATE schemaversion SET version = 5")
    app = create_app(config)
    with app.app_context():
        assert SchemaVersion.get().version == len(MIGRATIONS) == 6
        workshop = Workshop.get()
        assert (workshop.title, workshop.place, workshop.timezone) == ("Alt", "Rathaus", "")
        assert zone_of(workshop) == "UTC"  # the server's, as before
    db.close()

"""`gallery demo --notes N`: a rehearsal wall, the same every time, made through the actions."""

from __future__ import annotations

import json
from collections import Counter

from click.testing import CliRunner

from gallery import create_app
from gallery.cli import main
from gallery.demo import STATIONS
from gallery.demo.plan import MAX_NOTES, plan, station_counts
from gallery.store import db
from gallery.store.models import Note, PlusOne, Reply, Vote, Workshop
from tests.support import app_config


def test_the_plan_is_the_same_every_time_and_every_note_differs():
    first, again = plan(200), plan(200)
    assert first == again
    assert plan(200, seed=7) != first
    texts = [n.text for n in first.notes]
    assert len(set(texts)) == 200
    assert Counter(n.station for n in first.notes) == dict(enumerate(station_counts(200)))
    assert len({n.participant for n in first.notes}) <= round(200 / 3)
    assert len(set(n.text for n in plan(MAX_NOTES).notes)) == MAX_NOTES


def test_notes_read_like_phones():
    notes = [n.text for n in plan(200).notes]
    words = [len(t.split()) for t in notes]
    assert sum(3 <= w <= 15 for w in words) >= 0.8 * len(notes)  # mostly short
    assert all(len(t) <= 200 for t in notes) and any(len(t) > 120 for t in notes)
    assert any(t == t.lower() for t in notes)  # typed in a hurry
    assert any("ae" in t or "ue" in t or "oe" in t for t in notes)  # no umlauts on that phone


def test_reactions_follow_the_rules():
    planned = plan(200, dots=3)
    assert len(set(planned.plus_ones)) == len(planned.plus_ones)  # one +1 per person and note
    assert all(planned.notes[i].participant != p for i, p in planned.plus_ones)
    spent = Counter((planned.notes[i].station, p) for i, p in planned.votes)
    assert spent and max(spent.values()) <= 3
    assert planned.replies and all(r.participant != planned.notes[r.note].participant
                                   for r in planned.replies)  # fmt: skip


def demo(tmp_path, *args):
    result = CliRunner().invoke(
        main,
        ["demo", "--json", "--db", str(tmp_path / "test.db"), *args],
        env={"GALLERY_INSTANCE_PATH": str(tmp_path / "instance")},
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_demo_with_notes_fills_the_wall_through_the_actions(tmp_path):
    links = demo(tmp_path, "--notes", "200")
    assert len(links["stations"]) == 4
    planned = plan(200)
    app = create_app(app_config(tmp_path))
    with app.app_context():
        workshop = Workshop.get()
        assert workshop.phase == "vote"  # the dots were spent there; the walk stays in it
        assert workshop.place == "Kreishaus Freiberg, Großer Saal"  # the report's "Ort"
        stations = workshop.ordered_stations()
        notes = list(Note.select().where(Note.hidden == False).order_by(Note.id))  # noqa: E712
        assert len(notes) == 200 and len({n.text for n in notes}) == 200
        index = {s.id: i for i, s in enumerate(stations)}
        assert [(index[n.station_id], n.text, n.author, n.participant) for n in notes] == [
            (d.station, d.text, d.author, d.participant) for d in planned.notes
        ]  # the plan, note for note: the same wall every time
        assert sorted(Counter(n.station_id for n in notes).values()) == sorted(station_counts(200))
        assert PlusOne.select().count() == len(planned.plus_ones) > 0
        assert Reply.select().count() == len(planned.replies) > 0
        assert Vote.select().count() == len(planned.votes) > 0
        assert Note.select().where(Note.cluster.is_null()).count() == 0  # opens grouped
    db.close()


def test_demo_without_notes_is_as_before(tmp_path):
    demo(tmp_path)
    app = create_app(app_config(tmp_path))
    with app.app_context():
        assert Workshop.get().phase == "collect"
        assert Note.select().count() == sum(len(notes) for _, _, notes in STATIONS)
        assert not Vote.select().exists() and not PlusOne.select().exists()
    db.close()

"""A strict importer (issue 20): `gallery import` checks the whole file against the limits of
the web forms and cleans its text as every other path does, refuses with the first bad field
named and no traceback, leaves the database untouched and unlocked, and writes in batches."""

from __future__ import annotations

import copy
import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from gallery import create_app
from gallery.actions import results
from gallery.cli import main
from gallery.store import db
from gallery.store.models import Note, PlusOne, Workshop
from tests.support import app_config

GOLDEN = json.loads((Path(__file__).parent / "golden" / "export.json").read_text())


@pytest.fixture
def target(tmp_path):
    """A database with one workshop in it, and a way to import a document into it."""
    path = tmp_path / "target.db"
    app = create_app(app_config(tmp_path, "target.db"))
    with app.app_context():
        Workshop.create_with_key("Schon da", "de")
    db.close()

    def run(document) -> object:
        file = tmp_path / "import.json"
        file.write_text(document if isinstance(document, str) else json.dumps(document))
        return CliRunner().invoke(main, ["import", str(file), "--db", str(path)],
                                  env={"GALLERY_INSTANCE_PATH": str(tmp_path)})  # fmt: skip

    run.path = path
    return run


def _workshops(path) -> int:
    with sqlite3.connect(path, timeout=0.1) as con:
        con.execute("BEGIN IMMEDIATE")  # unlocked: a writer gets in at once
        count = con.execute("SELECT COUNT(*) FROM workshop").fetchone()[0]
        con.rollback()
    return count


def _crafted(change) -> dict:
    data = copy.deepcopy(GOLDEN)
    change(data)
    return data


def _note(data) -> dict:
    return data["stations"][0]["notes"][0]


def _renumber(data: dict, new_id: int) -> None:
    """The first note gets `new_id`, and its topic follows."""
    old = _note(data)["id"]
    _note(data)["id"] = new_id
    for cluster in data["stations"][0]["clusters"]:
        cluster["note_ids"] = [new_id if i == old else i for i in cluster["note_ids"]]


CRAFTED = [
    (lambda d: d.update(code="../../etc/passwd"), "$.code"),
    (lambda d: d.update(code=""), "$.code"),
    (lambda d: _note(d).update(text="x" * 100_000), "$.stations[0].notes[0].text"),
    (lambda d: _note(d).update(text="\u0000 \u0001"), "$.stations[0].notes[0].text"),
    (lambda d: _note(d).update(plus_ones=3_000_000), "$.stations[0].notes[0].plus_ones"),
    (lambda d: _renumber(d, 2**63), "$.stations[0].notes[0].id"),
    (lambda d: _note(d).update(replies=["ja"] * 500), "$.stations[0].notes[0].replies"),
    (lambda d: d["stations"][0].update(title="T" * 5000), "$.stations[0].title"),
    (lambda d: d.update(stations=[{**d["stations"][1], "number": n} for n in range(200)]),
     "$.stations"),
    (lambda d: d.update(participants=10**12), "$.participants"),
]  # fmt: skip


@pytest.mark.parametrize(("change", "field"), CRAFTED)
def test_a_crafted_import_is_refused_naming_the_field(target, change, field):
    before = _workshops(target.path)
    result = target(_crafted(change))
    assert result.exit_code == 1, result.output
    assert field in result.output and "Traceback" not in result.output
    assert _workshops(target.path) == before


@pytest.mark.parametrize(
    "document", ["[" * 100_000 + "]" * 100_000, '{"version": ' + "9" * 5000 + "}"]
)
def test_no_traceback_on_deep_nesting_or_huge_numbers(target, document):
    result = target(document)
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output and "not a Gallery Walk export" in result.output


def test_text_is_cleaned_as_on_every_other_path(target, tmp_path):
    dirty = "Glas\u0000faser\u202e für\u200b alle"
    result = target(_crafted(lambda d: _note(d).update(text=dirty)))
    assert result.exit_code == 0, result.output
    app = create_app(app_config(tmp_path, "target.db"))
    with app.app_context():
        text = Note.get(Note.client_id.startswith("import00000001")).text
    db.close()
    assert not set(text) & {"\u0000", "\u202e", "\u200b"} and "faser" in text


def test_an_import_is_written_in_batches_and_undone_when_one_fails(app, monkeypatch):
    many = [{**_note(GOLDEN), "id": 1000 + i, "plus_ones": 2, "cluster": None} for i in range(250)]
    big = _crafted(lambda d: d["stations"][0].update(notes=many, clusters=[]))
    from stations.export import from_json

    data = from_json(big)
    transactions = []
    real = results.write_transaction
    monkeypatch.setattr(results, "write_transaction", lambda: transactions.append(1) or real())
    with app.app_context():
        results.restore(data)
        assert len(transactions) >= 1 + 2 + 3  # the workshop, each station, 3 batches of notes
        assert PlusOne.select().count() >= 500

        def fail(*args):
            raise sqlite3.OperationalError("disk I/O error")

        before = Workshop.select().count()
        monkeypatch.setattr(results, "_restore_reactions", fail)
        with pytest.raises(sqlite3.OperationalError):
            results.restore(data)
        assert Workshop.select().count() == before  # the half-made workshop is gone again

"""`gallery backup FILE`: a consistent copy of the SQLite database, also while the server runs."""

from __future__ import annotations

import random
import sqlite3
import subprocess
import threading

import pytest
from click.testing import CliRunner

from gallery.cli import main
from tests.phones import Phone, clean_env, new_workshop, wait_for
from tests.support import free_port, gallery_bin, start_server, stop


def run(*args: str, env: dict | None = None):
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


@pytest.fixture
def database(tmp_path):
    """A database with a workshop of two stations, made by the CLI."""
    db = tmp_path / "gallery.db"
    made = run("workshop", "new", "Sicherung", "--station", "Eins: Was?", "--station", "Zwei",
               "--db", str(db), env={"GALLERY_INSTANCE_PATH": str(tmp_path)})  # fmt: skip
    assert made.exit_code == 0, made.output
    return db


def notes_and_check(path) -> tuple[set[str], str]:
    with sqlite3.connect(path) as con:
        check = con.execute("PRAGMA integrity_check").fetchone()[0]
        client_ids = {row[0] for row in con.execute("SELECT client_id FROM note")}
    return client_ids, check


def test_backup_writes_a_checked_self_contained_copy(database, tmp_path):
    target = tmp_path / "copy.db"
    result = run("backup", str(target), "--db", str(database))
    assert result.exit_code == 0, result.output
    assert "Backed up" in result.output and "1 workshop, 0 notes" in result.output
    assert "integrity check ok" in result.output
    with sqlite3.connect(target) as con:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # no -wal beside it
        assert con.execute("SELECT title FROM workshop").fetchall() == [("Sicherung",)]
        assert con.execute("SELECT count(*) FROM station").fetchone()[0] == 2
    assert not list(tmp_path.glob("*.partial"))


def test_backup_refuses_to_overwrite_without_force(database, tmp_path):
    target = tmp_path / "copy.db"
    target.write_bytes(b"an older backup")
    result = run("backup", str(target), "--db", str(database))
    assert result.exit_code != 0
    assert "exists" in result.output and "--force" in result.output
    assert target.read_bytes() == b"an older backup"

    forced = run("backup", str(target), "--force", "--db", str(database))
    assert forced.exit_code == 0, forced.output
    assert notes_and_check(target)[1] == "ok"


def test_backup_never_overwrites_the_database_itself(database):
    result = run("backup", str(database), "--force", "--db", str(database))
    assert result.exit_code != 0 and "database itself" in result.output
    assert notes_and_check(database)[1] == "ok"


def test_backup_reads_the_database_setting(database, tmp_path):
    env = {"GALLERY_DATABASE": str(database), "GALLERY_INSTANCE_PATH": str(tmp_path)}
    result = run("backup", str(tmp_path / "from-env.db"), env=env)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "from-env.db").is_file()


def test_backup_of_a_missing_database_creates_nothing(tmp_path):
    missing = tmp_path / "nowhere.db"
    result = run("backup", str(tmp_path / "copy.db"), "--db", str(missing))
    assert result.exit_code != 0 and "no database" in result.output
    assert not missing.exists() and not (tmp_path / "copy.db").exists()


def test_backup_makes_the_folder_and_refuses_what_is_no_database(database, tmp_path):
    nested = tmp_path / "backups" / "today.db"
    assert run("backup", str(nested), "--db", str(database)).exit_code == 0
    assert notes_and_check(nested)[1] == "ok"
    not_sqlite = tmp_path / "notes.txt"
    not_sqlite.write_text("no database here\n" * 100)
    result = run("backup", str(tmp_path / "x.db"), "--db", str(not_sqlite))
    assert result.exit_code != 0 and "cannot back up" in result.output
    assert not (tmp_path / "x.db").exists() and not list(tmp_path.glob("*.partial"))


def test_backup_of_postgresql_points_to_pg_dump(tmp_path):
    target = tmp_path / "copy.db"
    result = run("backup", str(target), "--db", "postgresql://gallery@127.0.0.1/gallery")
    assert result.exit_code != 0
    assert "pg_dump" in result.output
    assert not target.exists()


@pytest.mark.server
def test_backup_while_phones_post(tmp_path):
    """Backups taken from the running server's database while 10 phones post: each copy
    passes the integrity check and holds every note acknowledged before it was started."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = clean_env(tmp_path)
    # The phones post far faster than people do, to keep the database busy: no rate limits.
    env["GALLERY_RATE_LIMITS"] = "false"
    db = tmp_path / "live.db"
    tokens = [s["token"] for s in new_workshop(db, base, env, stations=3)["stations"]]
    server = start_server(port, str(db), env)
    phones = [Phone(base, tokens[i % 3], f"backup-phone{i:02d}") for i in range(10)]
    done = threading.Event()

    def walk(phone: Phone, seed: int) -> None:
        rng = random.Random(seed)
        n = 0
        while not done.is_set() and n < 100:
            phone.write(f"Notiz {n} von {phone.name}: Bürgerbus, Glasfaser, Ärztehaus")
            n += 1
            done.wait(rng.uniform(0.02, 0.08))

    copies = []
    try:
        for p in phones:
            p.connect()
        writers = [threading.Thread(target=walk, args=(p, i)) for i, p in enumerate(phones)]
        for w in writers:
            w.start()
        for i in range(3):
            wait_for(lambda i=i: sum(len(p.acked) for p in phones) >= 80 * (i + 1), 60, "acks")
            acked_before = {cid for p in phones for cid in list(p.acked)}
            target = tmp_path / f"backup-{i}.db"
            result = subprocess.run(
                [gallery_bin(), "backup", str(target), "--db", str(db)],
                env=env,
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert result.returncode == 0, result.stderr
            assert "integrity check ok" in result.stdout
            copies.append((target, acked_before))
        done.set()
        for w in writers:
            w.join(30)
        wait_for(lambda: all(p.waiting() == 0 for p in phones), 60, "the last acks")
    finally:
        done.set()
        for p in phones:
            p.drop()
        stop(server)

    assert not [r for p in phones for r in p.refused]  # the backups made no post fail
    for target, acked_before in copies:
        in_copy, check = notes_and_check(target)
        assert check == "ok"
        assert acked_before <= in_copy, len(acked_before - in_copy)
        print(
            f"\nbackup: {target.name} holds {len(in_copy)} notes, all "
            f"{len(acked_before)} acked before it started among them"
        )
    written = sum(len(p.written) for p in phones)
    assert len(notes_and_check(db)[0]) == written
    print(f"backup: 3 copies while 10 phones posted {written} notes; 0 posts failed")

"""Schema creation and migration.

A new database gets every table at the current shape. An existing one gets the steps it has
not seen yet, in order; the count of applied steps is kept in SchemaVersion. Later work
appends steps (functions taking the database) to MIGRATIONS.
"""

from __future__ import annotations

import peewee
from playhouse.migrate import SchemaMigrator
from playhouse.migrate import migrate as run

from .db import database, is_sqlite, write_transaction
from .models import ALL_MODELS, Membership, PlusOne, Reply, SchemaVersion, Vote


def _add_walk_method(db) -> None:
    """v1: phases, dots, rotation, locked stations, edited and paper notes, +1, replies,
    votes, rotation groups. Existing rows get the defaults; peewee writes them for new rows."""
    m = SchemaMigrator.from_database(db)
    # null=True: a NOT NULL column makes peewee rebuild the table, and dropping the old
    # `station` table with foreign keys on would CASCADE-delete every note (seen in the test).
    run(
        m.add_column("workshop", "phase", peewee.CharField(max_length=16, null=True)),
        m.add_column("workshop", "dots", peewee.IntegerField(null=True)),
        m.add_column("workshop", "rotation", peewee.TextField(null=True)),
        m.add_column("station", "locked", peewee.BooleanField(null=True)),
        m.add_column("note", "original_text", peewee.TextField(null=True)),
        m.add_column("note", "edited_at", peewee.DateTimeField(null=True)),
        m.add_column("note", "source", peewee.CharField(max_length=8, null=True)),
    )
    false = "0" if is_sqlite() else "false"
    db.execute_sql("UPDATE workshop SET phase = 'collect', dots = 5, rotation = ''")
    db.execute_sql(f"UPDATE station SET locked = {false}")
    db.execute_sql("UPDATE note SET source = 'phone'")
    db.create_tables([PlusOne, Reply, Vote, Membership], safe=True)


def _add_form_of_address(db) -> None:
    """v2: how a workshop addresses participants; existing workshops get the formal "Sie"."""
    m = SchemaMigrator.from_database(db)
    run(m.add_column("workshop", "address", peewee.CharField(max_length=3, null=True)))
    db.execute_sql("UPDATE workshop SET address = 'sie'")


def _add_reply_moderation(db) -> None:
    """v3: notes and replies hidden together (everything of one participant), for undo;
    a reply's original text when the facilitator corrected it."""
    m = SchemaMigrator.from_database(db)
    for table, column, field in (
        ("note", "hidden_batch", peewee.CharField(max_length=16, null=True)),
        ("reply", "hidden_batch", peewee.CharField(max_length=16, null=True)),
        ("reply", "original_text", peewee.TextField(null=True)),
    ):
        if column not in {c.name for c in db.get_columns(table)}:  # v1 made `reply` as today
            run(m.add_column(table, column, field))


def _add_grouping_hints(db) -> None:
    """v4: the facilitator's hints to the clustering (topics, a group count) and what the
    last full re-clustering saw (a regroup asked for, the last note id)."""
    m = SchemaMigrator.from_database(db)
    run(
        m.add_column("station", "topics", peewee.TextField(null=True)),
        m.add_column("station", "groups", peewee.IntegerField(null=True)),
        m.add_column("station", "regroup", peewee.BooleanField(null=True)),
        m.add_column("station", "settled_note", peewee.IntegerField(null=True)),
    )
    false = "0" if is_sqlite() else "false"
    # every note so far counts as seen: an upgraded wall keeps its groups as they are
    db.execute_sql(
        f"UPDATE station SET topics = '', regroup = {false}, settled_note = "
        "COALESCE((SELECT MAX(id) FROM note WHERE note.station_id = station.id), 0)"
    )


def _add_place(db) -> None:
    """v5: where the workshop was held ("Ort" in the results protocol); existing ones have none."""
    m = SchemaMigrator.from_database(db)
    run(m.add_column("workshop", "place", peewee.CharField(max_length=120, null=True)))
    db.execute_sql("UPDATE workshop SET place = ''")


def _add_timezone(db) -> None:
    """v6: the zone a workshop's times are shown in; existing ones keep the server's ("")."""
    m = SchemaMigrator.from_database(db)
    run(m.add_column("workshop", "timezone", peewee.CharField(max_length=64, null=True)))
    db.execute_sql("UPDATE workshop SET timezone = ''")


MIGRATIONS: list = [
    _add_walk_method,
    _add_form_of_address,
    _add_reply_moderation,
    _add_grouping_hints,
    _add_place,
    _add_timezone,
]


MIGRATION_LOCK = 0x6761_6C6C  # "gall": the advisory lock key of migrate() on PostgreSQL


def migrate() -> int:
    """Create or bring the schema up to date; returns the schema version."""
    db = database.obj
    # The write lock first: a transaction that reads and then writes fails at once with
    # "database is locked" when another process (a server beside `gallery demo`) committed
    # in between; one that starts as a writer waits its turn instead.
    with write_transaction():
        if not is_sqlite():
            # PostgreSQL has no database write lock, and two processes starting at once both
            # ran CREATE TABLE IF NOT EXISTS ("duplicate key ... pg_type_typname_nsp_index").
            # A transaction-scoped advisory lock lets one migrate while the other waits.
            db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        db.create_tables([SchemaVersion], safe=True)
        row = SchemaVersion.select().first()
        if row is None:
            db.create_tables(ALL_MODELS, safe=True)
            SchemaVersion.create(version=len(MIGRATIONS))
        elif row.version < len(MIGRATIONS):
            for step in MIGRATIONS[row.version :]:
                step(db)
            row.version = len(MIGRATIONS)
            row.save()
    return len(MIGRATIONS)

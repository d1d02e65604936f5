"""The hot queries, as named plain SQL.

Each runs on the event loop for every post or every burst of notes, where peewee building
the statement cost more than the database running it. Written once here, in the dialect
SQLite and PostgreSQL share; `?` marks a parameter. tests/test_hot_paths.py checks that
each reads and writes exactly what the plain peewee calls would.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence

from .db import database, is_sqlite

WORKSHOP_COLUMNS = ("id", "code", "title", "language", "key_hash", "created_at",
                    "imported_participants", "phase", "dots", "rotation", "address",
                    "place", "timezone")  # fmt: skip
STATION_COLUMNS = ("id", "workshop_id", "title", "prompt", "position", "token", "created_at",
                   "granularity", "cluster_seq", "locked", "topics", "groups", "regroup",
                   "settled_note")  # fmt: skip
CLUSTER_COLUMNS = ("id", "station_id", "key", "label", "label_manual", "pinned", "position",
                   "created_at")  # fmt: skip
NOTE_COLUMNS = ("id", "station_id", "text", "author", "client_id", "participant", "created_at",
                "hidden", "cluster_id", "cluster_manual", "vector", "vector_kind",
                "original_text", "edited_at", "source", "hidden_batch")  # fmt: skip
# A new note's columns: all but its id.
NOTE_INSERT_COLUMNS = NOTE_COLUMNS[1:]


def _list(table: str, columns: Sequence[str]) -> str:
    return ", ".join(f'"{table}"."{c}"' for c in columns)


def _names(columns: Sequence[str]) -> str:
    return ", ".join(f'"{c}"' for c in columns)


_STATION_WITH_WORKSHOP = (
    f"SELECT {_list('station', STATION_COLUMNS)}, {_list('workshop', WORKSHOP_COLUMNS)} "
    'FROM "station" JOIN "workshop" ON "station"."workshop_id" = "workshop"."id" '
)

SQL: dict[str, str] = {
    # -- stations
    "station_by_token": _STATION_WITH_WORKSHOP + 'WHERE "station"."token" = ?',
    "station_by_id": _STATION_WITH_WORKSHOP + 'WHERE "station"."id" = ?',
    # what the facilitator asked of the engine (a change while it runs makes its result stale)
    "station_hints": (
        'SELECT "granularity", "groups", "topics", "regroup", "settled_note" FROM "station" '
        'WHERE "id" = ?'
    ),
    "settle_station": 'UPDATE "station" SET "regroup" = ?, "settled_note" = ? WHERE "id" = ?',
    "station_cluster_seq": 'SELECT "cluster_seq" FROM "station" WHERE "id" = ?',
    # only ever raised: two writers may each have handed out ids
    "raise_cluster_seq": (
        'UPDATE "station" SET "cluster_seq" = ? WHERE "id" = ? AND "cluster_seq" < ?'
    ),
    # -- notes
    "insert_note_once": (
        f'INSERT INTO "note" ({_names(NOTE_INSERT_COLUMNS)}) '
        f"VALUES ({', '.join('?' for _ in NOTE_INSERT_COLUMNS)}) "
        'ON CONFLICT ("station_id", "client_id") DO NOTHING RETURNING "id"'
    ),
    "note_by_client_id": (
        f'SELECT {_list("note", NOTE_COLUMNS)} FROM "note" '
        'WHERE "station_id" = ? AND "client_id" = ?'
    ),
    # Visible notes (the station's cap), and the highest id seen, hidden or not.
    "note_count": (
        'SELECT COUNT(CASE WHEN NOT "hidden" THEN 1 END), MAX("id") FROM "note" '
        'WHERE "station_id" = ?'
    ),
    "note_count_since": (
        'SELECT COUNT(CASE WHEN NOT "hidden" THEN 1 END), MAX("id") FROM "note" '
        'WHERE "station_id" = ? AND "id" > ?'
    ),
    # -- clusters and memberships
    "station_clusters": (
        f'SELECT {_list("cluster", CLUSTER_COLUMNS)} FROM "cluster" '
        'WHERE "station_id" = ? ORDER BY "position", "id"'
    ),
    "cluster_keys": (
        'SELECT "key", "id", "position", "pinned" FROM "cluster" WHERE "station_id" = ?'
    ),
    "wall_memberships": (
        'SELECT "id", "cluster_id", "cluster_manual" FROM "note" '
        'WHERE "station_id" = ? AND "hidden" = ? ORDER BY "created_at", "id"'
    ),
    "note_clusters": 'SELECT "id", "cluster_id" FROM "note" WHERE "station_id" = ?',
    "clustering_rows": (
        'SELECT "id", "text", "vector_kind", "cluster_id", "cluster_manual" FROM "note" '
        'WHERE "station_id" = ? AND "hidden" = ? ORDER BY "id"'
    ),
    "clustering_rows_with_vectors": (
        'SELECT "id", "text", "vector_kind", "cluster_id", "cluster_manual", "vector" '
        'FROM "note" WHERE "station_id" = ? AND "hidden" = ? ORDER BY "id"'
    ),
    "steered_clusters": (
        'SELECT "key", "label", "pinned", "label_manual" FROM "cluster" '
        'WHERE "station_id" = ? AND ("pinned" OR "label_manual") ORDER BY "key"'
    ),
    "moved_notes": (
        'SELECT "id", "cluster_id", "hidden" FROM "note" '
        'WHERE "station_id" = ? AND "cluster_manual" = ? ORDER BY "id"'
    ),
    "set_note_cluster": 'UPDATE "note" SET "cluster_id" = ? WHERE "id" = ? AND "station_id" = ?',
    "place_note": 'UPDATE "note" SET "cluster_id" = ? WHERE "id" = ? AND "cluster_id" IS NULL',
    # a vector is kept only while its note still has the text it was made from
    "keep_vector": (
        'UPDATE "note" SET "vector" = ?, "vector_kind" = ? WHERE "id" = ? AND "text" = ?'
    ),
}


@functools.cache
def _in_dialect(name: str, param: str) -> str:
    return SQL[name].replace("?", param)


def sql(name: str) -> str:
    """The statement in the open database's parameter style."""
    return _in_dialect(name, database.param)


def rows(name: str, *params) -> list[tuple]:
    """All rows, read to the end: a half-read SELECT keeps an SQLite read snapshot open, and
    a write begun meanwhile fails with "database is locked" once another process committed."""
    return database.execute_sql(sql(name), params).fetchall()


def execute(name: str, *params) -> None:
    database.execute_sql(sql(name), params)


def execute_many(name: str, params: Iterable[Sequence]) -> None:
    """One statement for many rows (inside the caller's transaction). psycopg2's
    `executemany` sends them one round trip each; `execute_batch` sends pages of them."""
    cursor = database.cursor()
    if is_sqlite():
        cursor.executemany(sql(name), params)
        return
    from psycopg2.extras import execute_batch  # only installed with the `scale` extra

    execute_batch(cursor, sql(name), list(params), page_size=500)


def lock_stations(station_ids: list[int], strength: str = "UPDATE") -> None:
    """PostgreSQL, inside a write transaction: lock these stations' rows (in id order) until it
    ends. SQLite needs none: a write transaction holds the file's one write lock. Clustering
    jobs and steering take them `NO KEY UPDATE` (topics), which phones' posts pass; a delete
    takes them `UPDATE` before its notes, the order a job goes in (a recursive delete goes notes
    first, and met a job going the other way in a deadlock)."""
    if is_sqlite() or not station_ids:
        return
    marks = ", ".join([database.param] * len(station_ids))
    database.execute_sql(
        f'SELECT "id" FROM "station" WHERE "id" IN ({marks}) ORDER BY "id" FOR {strength}',
        sorted(station_ids),
    )

"""The database: which one, its pragmas, connection lifetime, schema creation and migration.

Connection strategy (docs/deploy.md): Socket.IO handlers get no Flask `teardown_request`,
and opening an SQLite connection per event costs several times a long-lived one's query.
So the process keeps ONE long-lived connection:

* gevent (serving): every greenlet shares the connection (`thread_safe=False`). Greenlets only
  switch on network I/O and never inside our short transactions, so they cannot interleave.
* threading (tests, tools): one long-lived connection per OS thread (`thread_safe=True`).

PostgreSQL (several processes) gets the same: one connection per process, shared by its
greenlets. psycopg2 waits for each query without yielding to gevent, like SQLite, which is what
keeps the shared connection's transactions apart (a gevent wait callback such as psycogreen
would switch greenlets mid-transaction on one connection). A connection the server closed
(PostgreSQL restarted) is replaced before the next transaction. Commits do not wait for the disk
(`synchronous_commit=off`, see open_database): a commit that waited for it blocked the loop.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import time
from pathlib import Path

import peewee
from playhouse.db_url import connect as connect_url
from playhouse.db_url import parse as parse_url

database = peewee.DatabaseProxy()

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "synchronous": "normal",  # durable across process crashes in WAL mode; ~4x FULL
    "foreign_keys": 1,
    "busy_timeout": 5000,
    "cache_size": -64 * 1000,
}


BUSY_TIMEOUT_MS = SQLITE_PRAGMAS["busy_timeout"]


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def resolve_url(setting: str, instance_path: str) -> str:
    """GALLERY_DATABASE may be empty (default file), a plain path, or a database URL."""
    if not setting:
        return "sqlite:///" + str(Path(instance_path) / "gallery.db")
    if "://" in setting:
        return setting
    return "sqlite:///" + str(Path(setting).expanduser().resolve())


_wait_beside_the_loop = False  # see wait_beside_the_loop()

RETRYABLE = ("SELECT", "BEGIN")  # statements that changed nothing if the connection was dead


class PostgresDatabase(peewee.PostgresqlDatabase):
    """Reconnects between transactions when the server closed the long-lived connection
    (a restart or failover of PostgreSQL, an idle timeout). Without this every later query of
    the process failed with "connection already closed" until the process was restarted.
    A read outside a transaction, or a BEGIN, that found the connection dead is sent once
    more on a new one; a transaction that did fails, and its caller (a phone's outbox) sends
    again."""

    def _connection_lost(self) -> bool:
        if self.is_closed() or self.transaction_depth() > 0:
            return False
        return bool(self.connection().closed)

    def cursor(self, named_cursor=None):
        if self._connection_lost():
            self.close()  # forgets the dead connection; the next statement opens a new one
        return super().cursor(named_cursor)

    def execute_sql(self, sql, params=None):
        try:
            return super().execute_sql(sql, params)
        except (peewee.OperationalError, peewee.InterfaceError):
            if not (self._connection_lost() and sql.lstrip().upper().startswith(RETRYABLE)):
                raise
            return super().execute_sql(sql, params)


def open_database(url: str, *, shared_connection: bool) -> peewee.Database:
    global _wait_beside_the_loop
    _wait_beside_the_loop = False  # until the server asks for it
    kwargs: dict = {"thread_safe": not shared_connection}
    if url.startswith("sqlite"):
        pragmas = dict(SQLITE_PRAGMAS)
        if shared_connection:  # serving: start_checkpointer() checkpoints, off the event loop
            pragmas["wal_autocheckpoint"] = 0
        kwargs.update(pragmas=pragmas, check_same_thread=False)
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
    if url.startswith(("postgres://", "postgresql://")):
        # Like SQLite's synchronous=NORMAL: a commit returns before its WAL is flushed to disk
        # (the flush blocked the event loop at every commit). A crash of this process loses
        # nothing committed; a crash of PostgreSQL or the machine may lose the last moment
        # (3 x wal_writer_delay), and never corrupts the database. The URL may say otherwise:
        # ?options=-c%20synchronous_commit%3Don
        kwargs["options"] = "-c synchronous_commit=off"
        db = PostgresDatabase(**{**kwargs, **parse_url(url)})
    else:
        db = connect_url(url, **kwargs)
    database.initialize(db)
    return db


def attach(url: str) -> None:
    """A process that only runs jobs (the clustering worker) opens the database at its first
    job and keeps the connection. SQLite: the serving process checkpoints (start_checkpointer),
    and this process's write transactions wait their turn (busy_timeout)."""
    if database.obj is None:
        open_database(url, shared_connection=True)


CHECKPOINT_SECONDS = 1.0


def start_checkpointer(interval: float = CHECKPOINT_SECONDS):
    """Serving SQLite under gevent: copy the write-ahead log into the database file once a
    second in a native thread, instead of in whichever commit crosses SQLite's 1,000-page
    mark. That commit ran on the event loop and held every phone for the copy and its fsync.
    A PASSIVE checkpoint waits for no reader or writer, and
    sqlite3 lets go of the GIL while it works. Returns the greenlet."""
    import sqlite3

    import gevent

    path = database.obj.database
    pool = gevent.get_hub().threadpool
    conn = sqlite3.connect(path, timeout=0, check_same_thread=False, isolation_level=None)

    def checkpoint() -> None:
        conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()

    def run() -> None:
        while True:
            gevent.sleep(interval)
            try:
                pool.apply(checkpoint)
            except sqlite3.Error:  # busy or gone for a moment: the next round catches up
                continue

    return gevent.spawn(run)


def is_sqlite() -> bool:
    return isinstance(database.obj, peewee.SqliteDatabase)


def wait_beside_the_loop() -> None:
    """Serving SQLite under gevent: the clustering worker process writes too, and a write
    transaction of the event loop that finds the write lock taken must wait for it in a
    greenlet, not in SQLite's busy handler, which would hold every phone for the wait."""
    global _wait_beside_the_loop
    _wait_beside_the_loop = True


def write_transaction():
    """A write transaction that takes SQLite's write lock up front, so two writers
    never deadlock upgrading from read to write ("database is locked")."""
    if not is_sqlite():
        return database.atomic()
    if _wait_beside_the_loop and database.transaction_depth() == 0:
        return _immediate_when_free()
    return database.atomic("IMMEDIATE")


def write_statement(sql: str, params) -> list[tuple]:
    """One write statement on its own (SQLite and PostgreSQL run it atomically, committed
    when it returns), its rows read to the end. Serving SQLite under gevent, a statement that
    finds the write lock taken waits beside the loop (see `_when_free`)."""
    if is_sqlite() and _wait_beside_the_loop and database.transaction_depth() == 0:
        return _when_free(lambda: database.execute_sql(sql, params).fetchall())
    return database.execute_sql(sql, params).fetchall()


@contextlib.contextmanager
def _immediate_when_free():
    """BEGIN IMMEDIATE without blocking the loop (see `_when_free`). A failed BEGIN leaves no
    transaction open on the shared connection, so other greenlets may use it meanwhile."""
    with contextlib.ExitStack() as stack:
        _when_free(lambda: stack.enter_context(database.atomic("IMMEDIATE")))
        yield


def _when_free(attempt):
    """`attempt()`, which takes SQLite's write lock, without blocking the loop: while the lock
    is taken, try again after a short, growing pause in which other greenlets run (as short
    as the worker's transactions: longer ones only delay a note's way to the walls). Other
    greenlets see the usual busy timeout, restored before each pause."""
    import gevent

    connection = database.connection()
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    pause = 0.0005
    while True:
        connection.execute("PRAGMA busy_timeout = 0")
        try:
            return attempt()
        except peewee.OperationalError as err:
            if "locked" not in str(err) or time.monotonic() > deadline:
                raise
        finally:
            connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        gevent.sleep(pause)
        pause = min(2 * pause, 0.002)


def close() -> None:
    with contextlib.suppress(Exception):
        if not database.is_closed():
            database.close()


def store_once(model, find, fields: dict):
    """Insert `fields` unless `find()` (a lookup on a unique key) finds the row already;
    returns (row, created). Replies are stored this way (notes, the hot path, by one
    statement: `Note.store`), so a client may always resend."""
    with write_transaction():
        existing = find()
        if existing is not None:
            return existing, False
        if is_sqlite():  # BEGIN IMMEDIATE: no one else can insert until we commit
            return model.create(**fields), True
        try:
            with database.atomic():  # savepoint: a lost race leaves the outer tx usable
                created = model.create(**fields)
        except peewee.IntegrityError:
            # Another process stored the same client_id first (PostgreSQL, many workers).
            existing = find()
            if existing is None:  # some other constraint failed: not a race we can answer
                raise
            return existing, False
    return created, True

"""peewee models and their wire shapes (`to_dict`), which docs/protocol.md documents."""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import secrets
import time

import peewee as pw

from stations.notes import NoteIn

from ..adapters import attach, model_from_row
from . import queries
from .db import database, store_once, utcnow, write_statement, write_transaction
from .queries import lock_stations

# Join codes are read aloud and typed on phones: no 0/O, 1/I/L, no vowels (no words).
CODE_ALPHABET = "23456789BCDFGHJKMNPQRSTVWXZ"
CODE_LENGTH = 5
LANGUAGES = ("de", "en")
# How a German workshop speaks to participants: formal "Sie" (the default) or "du".
ADDRESSES = ("sie", "du")


def iso(value) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z" if value else None


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def new_token() -> str:
    return secrets.token_urlsafe(12)  # 96 bits: station URLs cannot be guessed


def hash_key(key: str) -> str:
    # Keys are 128-bit random strings, so a fast hash is enough (no dictionary to attack).
    return hashlib.sha256(key.encode()).hexdigest()


class BaseModel(pw.Model):
    class Meta:
        database = database

    def set(self, **values) -> bool:
        """Store these fields in one UPDATE of this row, and on this object; False (nothing
        written) when each already had its value."""
        if all(getattr(self, name) == value for name, value in values.items()):
            return False
        model = type(self)
        with write_transaction():
            model.update(**values).where(model.id == self.id).execute()
        for name, value in values.items():
            setattr(self, name, value)
        return True


@functools.cache
def _fields(model, columns: tuple[str, ...]) -> list[pw.Field]:
    """The model's fields in the order of `columns` (a hot query's column names)."""
    by_column = {f.column_name: f for f in model._meta.sorted_fields}
    return [by_column[c] for c in columns]


def _models(model, columns, query: str, *params) -> list:
    fields = _fields(model, columns)
    return [model_from_row(model, fields, row) for row in queries.rows(query, *params)]


class SchemaVersion(BaseModel):
    version = pw.IntegerField()


class Workshop(BaseModel):
    code = pw.CharField(max_length=16, unique=True)
    title = pw.CharField(max_length=200)
    place = pw.CharField(max_length=120, default="")  # "Ort" in the report and the exports
    timezone = pw.CharField(max_length=64, default="")  # its times' zone; "": the server's
    language = pw.CharField(max_length=2, default="de")
    address = pw.CharField(max_length=3, default="sie")
    key_hash = pw.CharField(max_length=64)
    created_at = pw.DateTimeField(default=utcnow)
    # An import's participants (`gallery import`): its notes no longer say who wrote what.
    imported_participants = pw.IntegerField(default=0)
    # The walk (actions/walk.py): phase, dots per person, rotation as JSON (the server's clock).
    phase = pw.CharField(max_length=16, default="collect")
    dots = pw.IntegerField(default=5)
    rotation = pw.TextField(default="")

    @property
    def locale(self) -> str:
        """The catalogue its pages speak: "de@du" adds the du sentences over the Sie ones
        (gallery/translations/de@du/LC_MESSAGES/du.po; see select_locale)."""
        return "de@du" if self.language == "de" and self.address == "du" else self.language

    def delete_instance(self, *args, **kwargs):
        lock_stations([s.id for s in self.stations])  # see lock_stations
        return super().delete_instance(*args, **kwargs)

    @property
    def rotation_data(self) -> dict:
        try:
            data = json.loads(self.rotation) if self.rotation else {}
        except ValueError:
            data = {}
        return data if isinstance(data, dict) else {}

    @classmethod
    def create_with_key(cls, title: str, language: str = "de") -> tuple[Workshop, str]:
        """Create a workshop with a fresh code; returns it with its facilitator key,
        which exists only in this return value (the database keeps its hash)."""
        key = secrets.token_urlsafe(16)
        for _ in range(20):
            code = new_code()
            if not cls.select().where(cls.code == code).exists():
                break
        workshop = cls.create(code=code, title=title, language=language, key_hash=hash_key(key))
        return workshop, key

    def check_key(self, key: str | None) -> bool:
        if not key or not isinstance(key, str):
            return False
        return hmac.compare_digest(hash_key(key), self.key_hash)

    def ordered_stations(self) -> list[Station]:
        """A list, not a lazy query: a SELECT left half-read keeps an SQLite read snapshot
        open, and a write begun meanwhile fails at once with "database is locked" when
        another process has committed since (found with `gallery demo` beside a busy server)."""
        return list(self.stations.order_by(Station.position, Station.id))

    def to_dict(self) -> dict:
        return {
            "code": self.code,
            "title": self.title,
            "language": self.language,
            "address": self.address,
            "created_at": iso(self.created_at),
            "phase": self.phase,
            "dots": self.dots,
        }


class Station(BaseModel):
    workshop = pw.ForeignKeyField(Workshop, backref="stations", on_delete="CASCADE")
    title = pw.CharField(max_length=200)
    prompt = pw.TextField(default="")
    position = pw.IntegerField(default=0)
    token = pw.CharField(max_length=32, unique=True, default=new_token)
    created_at = pw.DateTimeField(default=utcnow)
    granularity = pw.IntegerField(default=0)  # "gröber / feiner": -3..3, 0 the engine's
    cluster_seq = pw.IntegerField(default=0)  # the last cluster id handed out ("c<n>")
    locked = pw.BooleanField(default=False)  # the facilitator closed it: no new notes
    topics = pw.TextField(default="")  # hints to the engine: expected topics, one a line,
    groups = pw.IntegerField(null=True)  # and "Gruppen: N"
    regroup = pw.BooleanField(default=False)  # the next re-clustering regroups (not holds)
    settled_note = pw.IntegerField(default=0)  # the last note id a full re-clustering saw

    def delete_instance(self, *args, **kwargs):
        lock_stations([self.id])  # see lock_stations
        return super().delete_instance(*args, **kwargs)

    @classmethod
    def by_token(cls, token) -> Station | None:
        """The station with its workshop in one query (every event needs both)."""
        if not isinstance(token, str):
            return None
        return cls._with_workshop("station_by_token", token)

    @classmethod
    def by_id(cls, station_id: int) -> Station | None:
        """`by_token` for a station id (the clustering jobs)."""
        return cls._with_workshop("station_by_id", station_id)

    @classmethod
    def _with_workshop(cls, query: str, value) -> Station | None:
        rows = queries.rows(query, value)
        if not rows:
            return None
        split = len(queries.STATION_COLUMNS)
        station = model_from_row(cls, _fields(cls, queries.STATION_COLUMNS), rows[0][:split])
        workshop = model_from_row(
            Workshop, _fields(Workshop, queries.WORKSHOP_COLUMNS), rows[0][split:]
        )
        attach(station, "workshop", workshop)
        return station

    @property
    def number(self) -> int:
        """1-based number shown to people ("Station 3")."""
        return self.position + 1

    @property
    def short_code(self) -> str:
        """Typed by hand when a QR code will not scan: workshop code, dash, station number."""
        return f"{self.workshop.code}-{self.number}"

    def ordered_clusters(self) -> list[Cluster]:
        """The station's clusters in wall order, a list (see `ordered_stations`): placement,
        re-clustering and every wall update read it on the loop."""
        return _models(Cluster, queries.CLUSTER_COLUMNS, "station_clusters", self.id)

    def visible_notes(self):
        return (
            Note.select()
            .where((Note.station == self) & (Note.hidden == False))  # noqa: E712
            .order_by(Note.created_at.desc(), Note.id.desc())
        )

    def to_dict(self, note_count: int | None = None) -> dict:
        data = {
            "token": self.token,
            "workshop": self.workshop.code,
            "number": self.number,
            "code": self.short_code,
            "title": self.title,
            "prompt": self.prompt,
            "position": self.position,
            "locked": self.locked,
        }
        if note_count is not None:
            data["note_count"] = note_count
        return data


class Cluster(BaseModel):
    """A topic group of one station's notes, as shown on the wall."""

    station = pw.ForeignKeyField(Station, backref="clusters", on_delete="CASCADE")
    key = pw.CharField(max_length=16)  # the id on the wire; stable across re-clustering
    label = pw.CharField(max_length=80, default="")
    label_manual = pw.BooleanField(default=False)  # renamed by hand: keep the label
    pinned = pw.BooleanField(default=False)  # membership frozen by the facilitator
    position = pw.IntegerField(default=0)
    created_at = pw.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("station", "key"), True),)


# Per process, station token (never reused, unlike an id) -> (notes, the highest note id among
# them, time.monotonic() of the last exact count): Note.count_seen.
_counted: dict[str, tuple[int, int, float]] = {}
RECOUNT_SECONDS = 60.0


class Note(BaseModel):
    station = pw.ForeignKeyField(Station, backref="notes", on_delete="CASCADE")
    text = pw.TextField()
    author = pw.CharField(max_length=80, null=True)
    # Chosen by the phone; a resend with the same id returns the stored note (exactly once).
    client_id = pw.CharField(max_length=64)
    # Anonymous id from the phone's session cookie; never sent on the wire.
    participant = pw.CharField(max_length=32, default="")
    created_at = pw.DateTimeField(default=utcnow, index=True)
    hidden = pw.BooleanField(default=False)
    # Topic cluster on the wall; cluster_manual: the facilitator put it there, and
    # re-clustering never moves it.
    cluster = pw.ForeignKeyField(Cluster, null=True, backref="notes", on_delete="SET NULL")
    cluster_manual = pw.BooleanField(default=False)
    # The note's sentence embedding (float32 bytes), computed once, and which model made it:
    # vectors of another model (after an upgrade) are recomputed, never mixed.
    vector = pw.BlobField(null=True)
    vector_kind = pw.CharField(max_length=40, default="")
    # A typo corrected by the facilitator: `text` is what everyone sees, the original stays.
    original_text = pw.TextField(null=True)
    edited_at = pw.DateTimeField(null=True)
    source = pw.CharField(max_length=8, default="phone")  # "paper": typed in from a card
    # Hidden with everything else of its author at once: undo restores exactly this batch.
    hidden_batch = pw.CharField(max_length=16, null=True)

    class Meta:
        indexes = ((("station", "client_id"), True),)

    @classmethod
    def store(
        cls, station: Station, note: NoteIn, participant: str = "", source: str = "phone"
    ) -> tuple[Note, bool]:
        """Insert a note at most once per (station, client_id); returns (note, created).

        Committed before it returns, so an acknowledgement sent afterwards is a promise. One
        statement that inserts unless the (station, client_id) key exists, atomic in SQLite
        and PostgreSQL alike, so no transaction is opened around it; a resend, which finds
        the key taken, then reads the stored note.
        """
        fields = dict(station=station, text=note.text, author=note.author,
                      client_id=note.client_id, participant=participant, source=source)  # fmt: skip
        stored = cls._insert_once(fields)
        if stored is not None:
            return stored, True
        existing = cls.by_client_id(station, note.client_id)
        if existing is None:  # the key was taken and is gone again: its station was deleted
            raise pw.IntegrityError(f"note {note.client_id!r} vanished while it was stored")
        return existing, False

    @classmethod
    def _insert_once(cls, fields: dict) -> Note | None:
        """`create` unless a note with the same (station, client_id) exists (then None), with
        the defaults `create` fills in."""
        note = cls(**fields)
        values = [
            f.db_value(getattr(note, f.name)) for f in _fields(cls, queries.NOTE_INSERT_COLUMNS)
        ]
        rows = write_statement(queries.sql("insert_note_once"), values)
        if not rows:
            return None
        note.id = rows[0][0]
        return note

    @classmethod
    def by_client_id(cls, station: Station, client_id: str) -> Note | None:
        """The station's note sent under `client_id` (every resend asks)."""
        rows = _models(cls, queries.NOTE_COLUMNS, "note_by_client_id", station.id, client_id)
        if not rows:
            return None
        attach(rows[0], "station", station)  # the caller's, with its workshop: no query
        return rows[0]

    @classmethod
    def count_at(cls, station: Station) -> int:
        """How many visible notes the station holds (the cap counts them: spam the
        facilitator hid makes room again)."""
        count, newest = queries.rows("note_count", station.id)[0]
        _counted[station.token] = (count, newest or 0, time.monotonic())
        return count

    @classmethod
    def count_seen(cls, station: Station) -> int:
        """`count_at` from this process's last exact count (at most RECOUNT_SECONDS old) plus
        the notes stored since, found by id (ids only grow): a handful of index entries a
        post instead of all of the station's. Approximate: a lower id committed after a
        higher one (PostgreSQL), or an id reused after the newest note was deleted (SQLite),
        is missed until the next exact count, so decide near the cap with `count_at`."""
        known = _counted.get(station.token)
        if known is None or time.monotonic() - known[2] > RECOUNT_SECONDS:
            return cls.count_at(station)
        count, newest, at = known
        more, top = queries.rows("note_count_since", station.id, newest)[0]
        if more:
            count += more
            _counted[station.token] = (count, top, at)
        return count

    def to_dict(self, station_token: str | None = None) -> dict:
        token = station_token or self.station.token
        return _note_wire(self.id, self.text, self.author, self.client_id, self.created_at,
                          self.original_text, self.source, token)  # fmt: skip

    @classmethod
    def wire_dicts(cls, query, tokens: dict[int, str]) -> list[dict]:
        """`to_dict` for every note of `query`, read as plain rows: a phone's or a wall's
        (re)join reads hundreds of notes, and building a model object each cost most of it."""
        fields = (cls.id, cls.text, cls.author, cls.client_id, cls.created_at,
                  cls.original_text, cls.source, cls.station)  # fmt: skip
        return [_note_wire(*row[:7], tokens[row[7]]) for row in query.select(*fields).tuples()]


def _note_wire(note_id, text, author, client_id, created_at, original_text, source, token):
    return {
        "id": note_id,
        "station": token,
        "text": text,
        "author": author,
        "client_id": client_id,
        "created_at": iso(created_at),
        "edited": original_text is not None,
        "paper": source == "paper",
    }


class PlusOne(BaseModel):
    """ "+1" on a note: at most one per participant and note (the unique index says so)."""

    note = pw.ForeignKeyField(Note, backref="plus_ones", on_delete="CASCADE")
    participant = pw.CharField(max_length=32)
    created_at = pw.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("note", "participant"), True),)


class Reply(BaseModel):
    """A short answer attached to a note; like a note, stored once per client_id."""

    note = pw.ForeignKeyField(Note, backref="replies", on_delete="CASCADE")
    text = pw.TextField()
    author = pw.CharField(max_length=80, null=True)
    client_id = pw.CharField(max_length=64)
    participant = pw.CharField(max_length=32, default="")
    created_at = pw.DateTimeField(default=utcnow)
    hidden = pw.BooleanField(default=False)
    hidden_batch = pw.CharField(max_length=16, null=True)  # as Note.hidden_batch
    original_text = pw.TextField(null=True)  # as Note.original_text

    class Meta:
        indexes = ((("note", "client_id"), True),)

    @classmethod
    def store(cls, note: Note, reply: NoteIn, participant: str = "") -> tuple[Reply, bool]:
        """At most once per (note, client_id), like a note."""
        fields = dict(note=note, text=reply.text, author=reply.author,
                      client_id=reply.client_id, participant=participant)  # fmt: skip
        # a fresh query per call: peewee keeps a query's first result
        return store_once(
            cls,
            lambda: (
                cls.select().where((cls.note == note) & (cls.client_id == reply.client_id)).first()
            ),
            fields,
        )

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "note_id": self.note_id,
            "text": self.text,
            "author": self.author,
            "client_id": self.client_id,
            "created_at": iso(self.created_at),
            "edited": self.original_text is not None,
        }


class Vote(BaseModel):
    """One dot on a note: a participant may put several on one note, up to the workshop's
    `dots` per station. A topic group's score is the sum of its notes' dots."""

    station = pw.ForeignKeyField(Station, backref="votes", on_delete="CASCADE")
    participant = pw.CharField(max_length=32, index=True)
    note = pw.ForeignKeyField(Note, backref="votes", on_delete="CASCADE")
    created_at = pw.DateTimeField(default=utcnow)


class Membership(BaseModel):
    """Which rotation group a participant walks with (0 = A, 1 = B, ...)."""

    workshop = pw.ForeignKeyField(Workshop, backref="memberships", on_delete="CASCADE")
    participant = pw.CharField(max_length=32)
    group = pw.IntegerField()
    created_at = pw.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("workshop", "participant"), True),)


ALL_MODELS = [Workshop, Station, Cluster, Note, PlusOne, Reply, Vote, Membership]

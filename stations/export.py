"""Rows and documents for CSV / XLSX / JSON / Markdown exports, built from plain data.

The web view and the CLI read the models, hand an `ExportWorkshop` to a builder here and
send the result; nothing in this module knows Flask or peewee, so every format is tested
against golden files (tests/golden/) in milliseconds.

Every builder is deterministic: the same workshop gives byte-identical output, on any day.
No builder reads the clock, so an export can be diffed, cached and checked into a golden file.

Grouping follows the wall: a cluster is a topic when at least two *visible* notes are in it
(the wall never shows hidden notes); every other note is listed under "Einzelne Ideen" /
"Other ideas". Membership is `ExportNote.cluster`; `ExportCluster.note_ids` only gives the
order of the notes inside a topic, as arranged on the wall.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Callable, Mapping, Sequence
from copy import copy
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

SCHEMA = "gallery-walk/export"
VERSION = 1

Language = Literal["de", "en"]
LANGUAGES: tuple[str, ...] = ("de", "en")

# Stable column ids (keys of `rows()`); the headers people see come from `headers()`.
COLUMNS: tuple[str, ...] = (
    "station",
    "cluster",
    "note",
    "author",
    "plus_ones",
    "votes",
    "replies",
    "hidden",
    "created",
)

# "+1" alone would be a header that Excel evaluates (=+1 shows 1), so the +1 column gets a
# word in front; no header may start with a character that `inert()` would have to defuse.
_HEADERS: dict[str, dict[str, str]] = {
    "de": {
        "station": "Station",
        "cluster": "Thema",
        "note": "Notiz",
        "author": "Autor/in",
        "plus_ones": "Zustimmung (+1)",
        "votes": "Stimmen",
        "replies": "Antworten",
        "hidden": "Ausgeblendet",
        "created": "Erstellt (UTC)",
    },
    "en": {
        "station": "Station",
        "cluster": "Topic",
        "note": "Note",
        "author": "Author",
        "plus_ones": "Plus ones (+1)",
        "votes": "Votes",
        "replies": "Replies",
        "hidden": "Hidden",
        "created": "Created (UTC)",
    },
}

_WORDS: dict[str, dict[str, str]] = {
    "de": {
        "singles": "Einzelne Ideen",
        "yes": "ja",
        "no": "nein",
        "summary": "Übersicht",
        "title": "Titel",
        "code": "Code",
        "date": "Datum",
        "participants": "Teilnehmende",
        "notes": "Notizen",
        "hidden_count": "Ausgeblendet",
        "topics": "Themen",
        "number": "Nr.",
        "votes": "Stimmen",
        "no_notes": "Keine Notizen.",
        "hidden_one": "1 ausgeblendete Notiz nicht aufgeführt",
        "hidden_many": "{n} ausgeblendete Notizen nicht aufgeführt",
    },
    "en": {
        "singles": "Other ideas",
        "yes": "yes",
        "no": "no",
        "summary": "Summary",
        "title": "Title",
        "code": "Code",
        "date": "Date",
        "participants": "Participants",
        "notes": "Notes",
        "hidden_count": "Hidden",
        "topics": "Topics",
        "number": "No.",
        "votes": "votes",
        "no_notes": "No notes.",
        "hidden_one": "1 hidden note not listed",
        "hidden_many": "{n} hidden notes not listed",
    },
}

REPLY_SEPARATOR = " | "


class ExportError(ValueError):
    """An export document that cannot be read back; `code` is stable, `path` says where."""

    def __init__(self, code: str, message: str, path: str = "$") -> None:
        super().__init__(f"{path}: {message}")
        self.code = code
        self.message = message
        self.path = path


# --------------------------------------------------------------------------- input data


@dataclass(frozen=True)
class ExportNote:
    id: int
    text: str
    author: str | None
    created_at: datetime  # UTC, naive
    hidden: bool = False
    cluster: str | None = None  # ExportCluster.id of the same station
    plus_ones: int = 0
    votes: int = 0
    replies: tuple[str, ...] = ()


@dataclass(frozen=True)
class ExportCluster:
    id: str
    label: str
    note_ids: tuple[int, ...]


@dataclass(frozen=True)
class ExportStation:
    number: int
    title: str
    prompt: str
    notes: tuple[ExportNote, ...]
    clusters: tuple[ExportCluster, ...]


@dataclass(frozen=True)
class ExportWorkshop:
    code: str
    title: str
    language: str  # "de" | "en"
    created_at: datetime  # UTC, naive
    stations: tuple[ExportStation, ...]
    participants: int


# --------------------------------------------------------------------------- shared helpers


def _lang(workshop: ExportWorkshop) -> str:
    # An unknown language must not break an export that someone needs right now.
    return workshop.language if workshop.language in LANGUAGES else "en"


def headers(language: str) -> list[str]:
    """The column headers, in `COLUMNS` order, for "de" or "en" (anything else: English)."""
    table = _HEADERS.get(language, _HEADERS["en"])
    return [table[column] for column in COLUMNS]


@dataclass(frozen=True)
class Section:
    """A topic (label) or the single ideas (label None) of one station, in wall order."""

    label: str | None
    notes: tuple[ExportNote, ...]


def _by_time(note: ExportNote) -> tuple[datetime, int]:
    return (note.created_at, note.id)


def sections(station: ExportStation) -> list[Section]:
    """Topics in the station's cluster order, then one section of single ideas."""
    members: dict[str, list[ExportNote]] = {}
    for note in sorted(station.notes, key=_by_time):
        if note.cluster is not None:
            members.setdefault(note.cluster, []).append(note)
    sections: list[Section] = []
    placed: set[int] = set()
    seen_clusters: set[str] = set()
    for cluster in station.clusters:
        notes = members.get(cluster.id, [])
        if cluster.id in seen_clusters or sum(not n.hidden for n in notes) < 2:
            continue
        seen_clusters.add(cluster.id)
        # Wall order first (note_ids), then members the wall order does not mention.
        rank = {note_id: i for i, note_id in enumerate(cluster.note_ids)}
        ordered = sorted(notes, key=lambda n: (rank.get(n.id, len(rank)), *_by_time(n)))
        sections.append(Section(cluster.label, tuple(ordered)))
        placed.update(n.id for n in ordered)
    singles = tuple(n for n in sorted(station.notes, key=_by_time) if n.id not in placed)
    if singles:
        sections.append(Section(None, singles))
    return sections


def _utc_naive(value: datetime) -> datetime:
    # The contract is naive UTC; an aware value is converted instead of silently mislabelled.
    if value.tzinfo is None:
        return value
    return value.astimezone(UTC).replace(tzinfo=None)


def _minute(value: datetime) -> str:
    return _utc_naive(value).strftime("%Y-%m-%d %H:%M")


def _station_label(station: ExportStation) -> str:
    return f"{station.number}. {_one_line(station.title)}"


def _one_line(text: str) -> str:
    return " ".join(text.split())


# --------------------------------------------------------------------------- rows


def _station_rows(station: ExportStation, language: str) -> list[dict[str, Any]]:
    """Rows of one station; `created` is still a datetime (XLSX keeps it a real date)."""
    words = _WORDS[language]
    result: list[dict[str, Any]] = []
    for section in sections(station):
        label = section.label if section.label is not None else words["singles"]
        for note in section.notes:
            result.append(
                {
                    "station": _station_label(station),
                    "cluster": label,
                    "note": note.text,
                    "author": note.author or "",
                    "plus_ones": note.plus_ones,
                    "votes": note.votes,
                    "replies": REPLY_SEPARATOR.join(note.replies),
                    "hidden": words["yes"] if note.hidden else words["no"],
                    "created": _utc_naive(note.created_at),
                }
            )
    return result


def rows(workshop: ExportWorkshop) -> list[dict[str, str | int]]:
    """One row per note (hidden ones included), keyed by `COLUMNS`, in wall order.

    The values are the readable text; spreadsheet writers pass them through `inert()`.
    """
    language = _lang(workshop)
    result: list[dict[str, str | int]] = []
    for station in workshop.stations:
        for row in _station_rows(station, language):
            row["created"] = _minute(row["created"])
            result.append(row)
    return result


# --------------------------------------------------------------------------- spreadsheets

# OWASP "CSV Injection": a cell starting with one of these is a formula (or becomes one
# after the spreadsheet strips the tab / carriage return) in Excel, LibreOffice and Sheets.
FORMULA_TRIGGERS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")

# XML 1.0 cannot carry these; openpyxl would raise, a CSV consumer would choke. Tab, line
# feed and carriage return stay.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def inert(value: str) -> str:
    """Make a spreadsheet cell text that no spreadsheet evaluates (OWASP CSV injection).

    A leading single quote is OWASP's recommendation: it keeps the text readable and even
    a harmless "-" or "- Punkt" is prefixed, because the rule must not guess intent.
    """
    if value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def _cell_text(value: str) -> str:
    # Control characters go first: "\x01=1" must not turn into a live "=1" after stripping.
    return inert(_CONTROL.sub("", value))


def _spreadsheet_row(row: Mapping[str, Any]) -> list[Any]:
    return [_cell_text(v) if isinstance(v, str) else v for v in (row[c] for c in COLUMNS)]


def to_csv(workshop: ExportWorkshop, delimiter: str = ";") -> bytes:
    """UTF-8 with BOM (Excel then reads umlauts right), CRLF, one row per note.

    `;` is the default because German Excel splits on it; `,` for everyone else.
    """
    if delimiter not in (";", ",", "\t"):
        raise ValueError(f"unsupported CSV delimiter {delimiter!r}")
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter)  # lineterminator "\r\n"
    writer.writerow([_cell_text(h) for h in headers(_lang(workshop))])
    for row in rows(workshop):
        writer.writerow(_spreadsheet_row(row))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


# Sheet names: at most 31 characters, none of these, not starting/ending with an apostrophe,
# unique without regard to case (Excel refuses the file otherwise).
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\\x00-\x1f]")
_SHEET_MAX = 31


def sheet_name(wanted: str, taken: set[str]) -> str:
    """A valid Excel sheet name close to `wanted`, not in `taken` (compared casefolded).

    Adds the chosen name to `taken`.
    """
    base = _one_line(_SHEET_FORBIDDEN.sub(" ", wanted)).strip("' ")[:_SHEET_MAX].strip("' ")
    base = base or "Sheet"
    name, counter = base, 1
    while name.casefold() in taken or name.casefold() == "history":  # Excel reserves it
        counter += 1
        suffix = f" ({counter})"
        name = base[: _SHEET_MAX - len(suffix)].rstrip("' ") + suffix
    taken.add(name.casefold())
    return name


_WIDTH_CAP = {"note": 60, "replies": 50, "cluster": 30, "station": 30}
_WIDTH_DEFAULT_CAP = 24
_WRAPPED = ("note", "replies")


def _column_width(column: str, header: str, values: Sequence[Any]) -> float:
    """Longest line (header included) plus padding, capped so a long note cannot make a
    column wider than the screen; wrapped columns show the rest on more lines."""
    longest = len(header)
    for value in values:
        if isinstance(value, str):
            longest = max(longest, max(map(len, value.split("\n"))))
        elif isinstance(value, datetime):
            longest = max(longest, 16)
        elif value is not None:
            longest = max(longest, len(str(value)))
    return float(min(longest + 2, _WIDTH_CAP.get(column, _WIDTH_DEFAULT_CAP)))


class _FixedTimeZip(zipfile.ZipFile):
    """A ZipFile whose entries all carry one timestamp and fixed attributes.

    openpyxl stamps each entry with the current time (writestr) or the temporary file's
    mtime (write); either would make two exports of the same workshop differ.
    """

    def __init__(self, file: io.BytesIO, stamp: datetime) -> None:
        super().__init__(file, "w", zipfile.ZIP_DEFLATED)
        stamp = max(_utc_naive(stamp), datetime(1980, 1, 1))  # zip dates start in 1980
        self._stamp = (stamp.year, stamp.month, stamp.day, stamp.hour, stamp.minute, stamp.second)

    def writestr(  # type: ignore[override]
        self,
        zinfo_or_arcname: str | zipfile.ZipInfo,
        data: bytes | str,
        compress_type: int | None = None,
        compresslevel: int | None = None,
    ) -> None:
        name = (
            zinfo_or_arcname.filename
            if isinstance(zinfo_or_arcname, zipfile.ZipInfo)
            else zinfo_or_arcname
        )
        info = zipfile.ZipInfo(name, date_time=self._stamp)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.create_system = 3  # the default depends on the OS that builds the file
        info.external_attr = 0o600 << 16
        super().writestr(info, data, compress_type, compresslevel)

    def write(  # type: ignore[override]
        self,
        filename: str,
        arcname: str | None = None,
        compress_type: int | None = None,
        compresslevel: int | None = None,
    ) -> None:
        with open(filename, "rb") as source:
            data = source.read()
        self.writestr(arcname or filename, data, compress_type, compresslevel)


# openpyxl is imported inside the XLSX functions: CSV, JSON and Markdown work without it.


def _xlsx_summary(sheet: Any, workshop: ExportWorkshop, language: str) -> None:
    from openpyxl.styles import Font

    words = _WORDS[language]
    sheet.append([_cell_text(_one_line(workshop.title))])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([words["code"], _cell_text(workshop.code)])
    sheet.append([words["date"], _utc_naive(workshop.created_at).date()])
    sheet["B3"].number_format = "yyyy-mm-dd"
    sheet.append([words["participants"], workshop.participants])
    sheet.append([])
    table_header = [words["number"], "Station", words["notes"], words["hidden_count"]]
    sheet.append([*table_header, words["topics"]])
    for cell in sheet[6]:
        cell.font = Font(bold=True)
    for station in workshop.stations:
        topics = sum(section.label is not None for section in sections(station))
        hidden = sum(note.hidden for note in station.notes)
        title = _cell_text(_one_line(station.title))
        sheet.append([station.number, title, len(station.notes), hidden, topics])
    sheet.column_dimensions["A"].width = max(len(words["participants"]) + 2, 8)
    sheet.column_dimensions["B"].width = _column_width(
        "station", "Station", [_one_line(s.title) for s in workshop.stations]
    )


def _column_styles(sheet: Any) -> list[Any]:
    """One finished style per column: wrapped text for notes and replies, dates as dates,
    everything aligned to the top so a long note's row stays readable."""
    from openpyxl.cell.cell import Cell
    from openpyxl.styles import Alignment

    wrap = Alignment(wrap_text=True, vertical="top")
    top = Alignment(vertical="top")
    styles = []
    for column in COLUMNS:
        template = Cell(sheet)  # bound to the workbook's style tables, not placed in the sheet
        template.alignment = wrap if column in _WRAPPED else top
        if column == "created":
            template.number_format = "yyyy-mm-dd hh:mm"
        styles.append(copy(template._style))
    return styles


def _xlsx_station(sheet: Any, station: ExportStation, language: str) -> None:
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    header = headers(language)
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    station_rows = _station_rows(station, language)
    styles = _column_styles(sheet)
    for number, row in enumerate(station_rows, start=2):
        for index, value in enumerate(_spreadsheet_row(row), start=1):
            cell = sheet.cell(row=number, column=index, value=value if value != "" else None)
            if isinstance(value, str):
                cell.data_type = "s"  # belt and braces: never a formula, whatever the text
            # Copying a finished style array skips openpyxl's per-assignment style
            # interning, which dominates for tens of thousands of cells.
            cell._style = copy(styles[index - 1])
    for index, (column, title) in enumerate(zip(COLUMNS, header, strict=True), start=1):
        values = [
            _cell_text(r[column]) if isinstance(r[column], str) else r[column] for r in station_rows
        ]
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = _column_width(column, title, values)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{len(station_rows) + 1}"


def to_xlsx(workshop: ExportWorkshop) -> bytes:
    """A summary sheet and one sheet per station with the `rows()` columns.

    Needs openpyxl >= 3.1. Byte-identical for the same workshop: the document properties
    and every zip entry carry the workshop's `created_at`, never the build time.
    """
    from openpyxl import Workbook
    from openpyxl.writer.excel import ExcelWriter

    language = _lang(workshop)
    book = Workbook()
    taken: set[str] = set()
    summary = book.active
    summary.title = sheet_name(_WORDS[language]["summary"], taken)
    _xlsx_summary(summary, workshop, language)
    for station in workshop.stations:
        name = sheet_name(f"{station.number} {station.title}", taken)
        _xlsx_station(book.create_sheet(name), station, language)
    created = _utc_naive(workshop.created_at)
    book.properties.created = created
    book.properties.modified = created
    book.properties.creator = "Gallery Walk"
    book.properties.title = _CONTROL.sub("", _one_line(workshop.title))  # XML cannot carry them
    buffer = io.BytesIO()
    # Not book.save(): save_workbook() stamps properties.modified with the current time.
    archive = _FixedTimeZip(buffer, created)
    ExcelWriter(book, archive).save()
    return buffer.getvalue()


# --------------------------------------------------------------------------- JSON


def _iso(value: datetime) -> str:
    # "Z" says UTC to every consumer; isoformat keeps microseconds for an exact round trip.
    return _utc_naive(value).isoformat() + "Z"


def _note_json(note: ExportNote) -> dict[str, Any]:
    return {
        "id": note.id,
        "text": note.text,
        "author": note.author,
        "created_at": _iso(note.created_at),
        "hidden": note.hidden,
        "cluster": note.cluster,
        "plus_ones": note.plus_ones,
        "votes": note.votes,
        "replies": list(note.replies),
    }


def _station_json(station: ExportStation) -> dict[str, Any]:
    return {
        "number": station.number,
        "title": station.title,
        "prompt": station.prompt,
        "clusters": [
            {"id": c.id, "label": c.label, "note_ids": list(c.note_ids)} for c in station.clusters
        ],
        "notes": [_note_json(note) for note in station.notes],
    }


def to_json(workshop: ExportWorkshop) -> dict[str, Any]:
    """The complete workshop (hidden notes included) as a JSON-ready dict; see `from_json`."""
    return {
        "schema": SCHEMA,
        "version": VERSION,
        "code": workshop.code,
        "title": workshop.title,
        "language": workshop.language,
        "created_at": _iso(workshop.created_at),
        "participants": workshop.participants,
        "stations": [_station_json(station) for station in workshop.stations],
    }


def to_json_bytes(workshop: ExportWorkshop) -> bytes:
    """`to_json` serialised the one way the download and the golden file use."""
    text = json.dumps(to_json(workshop), ensure_ascii=False, indent=2)
    return (text + "\n").encode("utf-8")


_KIND_NAMES = {
    str: "a string",
    int: "an integer",
    bool: "true or false",
    list: "a list",
    dict: "an object",
}


def _need(
    data: Mapping[str, Any], key: str, kind: type, path: str, *, optional: bool = False
) -> Any:
    """data[key], checked to be of `kind` (bool is never an int here); None if optional."""
    if key not in data:
        raise ExportError("missing_field", f"field {key!r} is missing", path)
    value = data[key]
    where = f"{path}.{key}"
    if value is None and optional:
        return None
    if not _is_kind(value, kind):
        raise ExportError("wrong_type", f"must be {_KIND_NAMES[kind]}", where)
    return value


def _is_kind(value: Any, kind: type) -> bool:
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind is str:  # a lone surrogate ("\ud800" in JSON) is no text: it cannot be stored
        return isinstance(value, str) and _encodable(value)
    return isinstance(value, kind)


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _count(data: Mapping[str, Any], key: str, path: str) -> int:
    value: int = _need(data, key, int, path)
    if value < 0:
        raise ExportError("invalid_value", "must not be negative", f"{path}.{key}")
    return value


def _timestamp(data: Mapping[str, Any], key: str, path: str) -> datetime:
    text: str = _need(data, key, str, path)
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ExportError(
            "invalid_value", "must be an ISO 8601 date and time", f"{path}.{key}"
        ) from None
    return _utc_naive(value)


def _strings(data: Mapping[str, Any], key: str, path: str) -> tuple[str, ...]:
    items: list[Any] = _need(data, key, list, path)
    for index, item in enumerate(items):
        if not _is_kind(item, str):
            raise ExportError("wrong_type", "must be a string", f"{path}.{key}[{index}]")
    return tuple(items)


def _objects(data: Mapping[str, Any], key: str, path: str) -> list[tuple[str, dict[str, Any]]]:
    items: list[Any] = _need(data, key, list, path)
    result = []
    for index, item in enumerate(items):
        where = f"{path}.{key}[{index}]"
        if not isinstance(item, dict):
            raise ExportError("wrong_type", "must be an object", where)
        result.append((where, item))
    return result


def _note_from(data: dict[str, Any], path: str) -> ExportNote:
    return ExportNote(
        id=_need(data, "id", int, path),
        text=_need(data, "text", str, path),
        author=_need(data, "author", str, path, optional=True),
        created_at=_timestamp(data, "created_at", path),
        hidden=_need(data, "hidden", bool, path),
        cluster=_need(data, "cluster", str, path, optional=True),
        plus_ones=_count(data, "plus_ones", path),
        votes=_count(data, "votes", path),
        replies=_strings(data, "replies", path),
    )


def _cluster_from(data: dict[str, Any], path: str) -> ExportCluster:
    note_ids: list[Any] = _need(data, "note_ids", list, path)
    for index, note_id in enumerate(note_ids):
        if not _is_kind(note_id, int):
            raise ExportError("wrong_type", "must be an integer", f"{path}.note_ids[{index}]")
    return ExportCluster(
        id=_need(data, "id", str, path),
        label=_need(data, "label", str, path),
        note_ids=tuple(note_ids),
    )


def _station_from(data: dict[str, Any], path: str, note_ids: set[int]) -> ExportStation:
    clusters = tuple(_cluster_from(item, where) for where, item in _objects(data, "clusters", path))
    notes = tuple(_note_from(item, where) for where, item in _objects(data, "notes", path))
    _check_unique([c.id for c in clusters], "cluster id", f"{path}.clusters")
    for index, note in enumerate(notes):
        if note.id in note_ids:
            raise ExportError(
                "duplicate_id", f"note id {note.id} appears twice", f"{path}.notes[{index}]"
            )
        note_ids.add(note.id)
    _check_references(clusters, notes, path)
    return ExportStation(
        number=_need(data, "number", int, path),
        title=_need(data, "title", str, path),
        prompt=_need(data, "prompt", str, path),
        notes=notes,
        clusters=clusters,
    )


def _check_unique(values: Sequence[Any], what: str, path: str) -> None:
    seen: set[Any] = set()
    for value in values:
        if value in seen:
            raise ExportError("duplicate_id", f"{what} {value!r} appears twice", path)
        seen.add(value)


def _check_references(
    clusters: Sequence[ExportCluster], notes: Sequence[ExportNote], path: str
) -> None:
    # A dangling id would silently move a note between topics in every later export.
    cluster_ids = {c.id for c in clusters}
    note_ids = {n.id for n in notes}
    for index, note in enumerate(notes):
        if note.cluster is not None and note.cluster not in cluster_ids:
            raise ExportError(
                "unknown_cluster",
                f"cluster {note.cluster!r} is not in this station",
                f"{path}.notes[{index}].cluster",
            )
    for index, cluster in enumerate(clusters):
        for note_id in cluster.note_ids:
            if note_id not in note_ids:
                raise ExportError(
                    "unknown_note",
                    f"note {note_id} is not in this station",
                    f"{path}.clusters[{index}].note_ids",
                )


def from_json(data: Any) -> ExportWorkshop:
    """Read a `to_json` document back; `from_json(to_json(w)) == w` exactly.

    Raises `ExportError` with code wrong_schema, unsupported_version, missing_field,
    wrong_type, invalid_value, duplicate_id, unknown_cluster or unknown_note. Unknown
    extra fields are ignored (later minor additions stay readable by this version).
    """
    if not isinstance(data, dict):
        raise ExportError("wrong_type", "an export document must be a JSON object")
    if data.get("schema") != SCHEMA:
        raise ExportError("wrong_schema", f"schema must be {SCHEMA!r}", "$.schema")
    if "version" not in data:
        raise ExportError("missing_field", "field 'version' is missing")
    if not _is_kind(data["version"], int) or data["version"] != VERSION:
        raise ExportError("unsupported_version", f"only version {VERSION} can be read", "$.version")
    language: str = _need(data, "language", str, "$")
    if language not in LANGUAGES:
        raise ExportError("invalid_value", "language must be 'de' or 'en'", "$.language")
    note_ids: set[int] = set()
    stations = tuple(
        _station_from(item, where, note_ids) for where, item in _objects(data, "stations", "$")
    )
    _check_unique([s.number for s in stations], "station number", "$.stations")
    return ExportWorkshop(
        code=_need(data, "code", str, "$"),
        title=_need(data, "title", str, "$"),
        language=language,
        created_at=_timestamp(data, "created_at", "$"),
        stations=stations,
        participants=_count(data, "participants", "$"),
    )


# --------------------------------------------------------------------------- Markdown

# Escaped anywhere: these make emphasis, code, links, images, autolinks, raw HTML, tables
# (GFM), strikethrough (GFM) and headings' closing sequences.
_MD_ANYWHERE = re.compile(r"([\\`*_\[\]<>#|~])")
# An entity such as &lt; or &#60; would render as the character; "&" alone stays readable.
_MD_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
# At a line start these open a list, a quote, a heading or (=, -) underline a setext heading.
_MD_LINE_START = re.compile(r"^([-+=>])")
_MD_ORDERED = re.compile(r"^(\d+)([.)])")


def escape_markdown(text: str) -> str:
    """One line of user text as Markdown that renders as exactly this text, nothing more."""
    text = _MD_ANYWHERE.sub(r"\\\1", text)
    text = _MD_ENTITY.sub(r"\\&", text)
    text = _MD_LINE_START.sub(r"\\\1", text)
    return _MD_ORDERED.sub(r"\1\\\2", text)


def _md_lines(text: str) -> list[str]:
    """Non-empty, stripped, escaped lines: a blank line or indentation would end or
    restructure the surrounding list item."""
    return [escape_markdown(line.strip()) for line in text.splitlines() if line.strip()]


def _md_block(text: str, indent: str) -> str:
    # A backslash at the end of a line is a CommonMark hard break: the note keeps its lines.
    return ("\\\n" + indent).join(_md_lines(text))


def _md_note(note: ExportNote, words: Mapping[str, str]) -> list[str]:
    line = "- " + (_md_block(note.text, "  ") or "…")
    if note.author and note.author.strip():
        line += f" — *{escape_markdown(_one_line(note.author))}*"
    counts = []
    if note.plus_ones > 0:
        counts.append(f"+1: {note.plus_ones}")
    if note.votes > 0:
        counts.append(f"{words['votes']}: {note.votes}")
    if counts:
        line += f" ({', '.join(counts)})"
    lines = [line]
    for reply in note.replies:
        block = _md_block(reply, "    ")
        if block:
            lines.append("  - " + block)
    return lines


def _md_date(value: datetime, language: str) -> str:
    value = _utc_naive(value)
    return value.strftime("%d.%m.%Y") if language == "de" else value.strftime("%Y-%m-%d")


def _md_station(station: ExportStation, words: Mapping[str, str]) -> list[str]:
    out = [f"## {station.number}. {escape_markdown(_one_line(station.title))}", ""]
    prompt = _md_lines(station.prompt)
    if prompt:
        out += ["> " + line for line in prompt] + [""]
    listed = 0
    for section in sections(station):
        visible = [note for note in section.notes if not note.hidden]
        if not visible:
            continue
        label = section.label if section.label is not None else words["singles"]
        out += [f"### {escape_markdown(_one_line(label)) or '…'}", ""]
        for note in visible:
            out += _md_note(note, words)
        out.append("")
        listed += len(visible)
    if listed == 0:
        out += [words["no_notes"], ""]
    hidden = sum(note.hidden for note in station.notes)
    if hidden:
        text = words["hidden_one"] if hidden == 1 else words["hidden_many"].format(n=hidden)
        out += [f"*{text}*", ""]
    return out


def to_markdown(workshop: ExportWorkshop) -> str:
    """A readable record of the wall; hidden notes are left out (and counted)."""
    language = _lang(workshop)
    words = _WORDS[language]
    out = [
        f"# {escape_markdown(_one_line(workshop.title))}",
        "",
        f"{words['date']}: {_md_date(workshop.created_at, language)} · "
        f"{words['code']}: {escape_markdown(workshop.code)} · "
        f"{words['participants']}: {workshop.participants}",
        "",
    ]
    for station in workshop.stations:
        out += _md_station(station, words)
    return "\n".join(out).rstrip("\n") + "\n"


# Builders by format name, for the view and the CLI (`gallery export --format ...`).
BUILDERS: dict[str, Callable[[ExportWorkshop], bytes]] = {
    "csv": to_csv,
    "xlsx": to_xlsx,
    "json": to_json_bytes,
    "md": lambda workshop: to_markdown(workshop).encode("utf-8"),
}

"""A workshop's results as CSV / XLSX / JSON / Markdown, built from plain data.

The web view and the CLI read the models, hand an `ExportWorkshop` to `build` and send or
write exactly what it returns; nothing in this package knows Flask or peewee, so every format
is tested against golden files (tests/golden/) in milliseconds.

Every builder is deterministic: the same workshop gives byte-identical output, on any day.
No builder reads the clock, so an export can be diffed, cached and checked into a golden file.

model.py holds the data classes (and `local_time` for the workshop's time zone), grouping.py
the topics in wall and in result order, table.py the rows all formats share, spreadsheet.py the
formula-safe cells and CSV, xlsx.py, json_format.py (with `from_json`) and markdown.py one
format each.
"""

from __future__ import annotations

from .grouping import RankedSection, Section, Top, board, ranked_sections, sections, top
from .json_format import SCHEMA, VERSION, from_json, to_json, to_json_bytes
from .markdown import escape_markdown, to_markdown
from .model import (
    LANGUAGES,
    ExportCluster,
    ExportError,
    ExportNote,
    ExportStation,
    ExportWorkshop,
    Language,
    local_time,
)
from .spreadsheet import FORMULA_TRIGGERS, inert, to_csv
from .table import COLUMNS, REPLY_SEPARATOR, WORDS, headers, rows
from .xlsx import sheet_name, to_xlsx

__all__ = [
    "COLUMNS",
    "FORMATS",
    "FORMULA_TRIGGERS",
    "LANGUAGES",
    "MIMETYPES",
    "REPLY_SEPARATOR",
    "SCHEMA",
    "VERSION",
    "ExportCluster",
    "ExportError",
    "ExportNote",
    "ExportStation",
    "ExportWorkshop",
    "Language",
    "RankedSection",
    "Section",
    "Top",
    "WORDS",
    "build",
    "escape_markdown",
    "from_json",
    "headers",
    "inert",
    "local_time",
    "board",
    "ranked_sections",
    "rows",
    "sections",
    "sheet_name",
    "to_csv",
    "to_json",
    "to_json_bytes",
    "to_markdown",
    "to_xlsx",
    "top",
]

# Every downloadable format: its name is the file suffix (and the URL's, export.<fmt>).
MIMETYPES: dict[str, str] = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "md": "text/markdown; charset=utf-8",
}
FORMATS: tuple[str, ...] = tuple(MIMETYPES)


def build(data: ExportWorkshop, fmt: str, *, delimiter: str = ";", zone: str = "UTC") -> bytes:
    """The export in one of `FORMATS`, byte for byte what the download and `gallery export`
    deliver; the golden tests check these bytes, so no caller may serialise on its own.

    `delimiter` is the CSV's (";" for German Excel, "," or a tab); other formats ignore it.
    `zone` (an IANA name) is the workshop's time zone: CSV, XLSX and Markdown show times in
    it and say so; JSON keeps UTC, so that an import reads the same moment anywhere.
    """
    if fmt == "csv":
        return to_csv(data, delimiter=delimiter, zone=zone)
    if fmt == "xlsx":
        return to_xlsx(data, zone=zone)
    if fmt == "json":
        return to_json_bytes(data)
    if fmt == "md":
        return to_markdown(data, zone=zone).encode("utf-8")
    raise ValueError(f"unknown export format {fmt!r}")

"""The XLSX export: a summary sheet and one sheet per station, byte-identical for the same
workshop (no build time anywhere in the file).

openpyxl is imported inside the functions that need it: importing this package (CSV, JSON and
Markdown) must not pay for it.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from .grouping import sections, top
from .model import ExportStation, ExportWorkshop, local_time, utc_naive
from .spreadsheet import CONTROL, cell_text, spreadsheet_row
from .table import COLUMNS, WORDS, headers, language_of, one_line, station_rows

# Sheet names: at most 31 characters, none of these, not starting/ending with an apostrophe,
# unique without regard to case (Excel refuses the file otherwise).
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\\x00-\x1f]")
_SHEET_MAX = 31


def _shortened(text: str, limit: int) -> str:
    """`text` in at most `limit` characters, cut after a whole word with "…" ("1 Was kommt
    nach dem …", not "1 Was kommt nach dem Breitbanda")."""
    if len(text) <= limit:
        return text
    room = text[: limit - 2]  # and " …"
    if text[limit - 2] == " ":
        words = room  # the cut falls between two words: the last one is whole
    else:
        words = room.rsplit(" ", 1)[0] if " " in room.strip() else ""
    if len(words.rstrip("' ")) < limit // 2:  # a long word early on: cut it instead
        return text[: limit - 1].rstrip("' ") + "…"
    return words.rstrip("' ") + " …"


def sheet_name(wanted: str, taken: set[str]) -> str:
    """A valid Excel sheet name close to `wanted`, not in `taken` (compared casefolded).

    Adds the chosen name to `taken`.
    """
    base = one_line(_SHEET_FORBIDDEN.sub(" ", wanted)).strip("' ")
    base = base or "Sheet"
    name, counter = _shortened(base, _SHEET_MAX), 1
    while name.casefold() in taken or name.casefold() == "history":  # Excel reserves it
        counter += 1
        suffix = f" ({counter})"
        name = _shortened(base, _SHEET_MAX - len(suffix)) + suffix
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
        stamp = max(utc_naive(stamp), datetime(1980, 1, 1))  # zip dates start in 1980
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


def _xlsx_summary(sheet: Any, workshop: ExportWorkshop, language: str, zone: str) -> None:
    from openpyxl.styles import Font

    words = WORDS[language]
    sheet.append([cell_text(one_line(workshop.title))])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([words["code"], cell_text(workshop.code)])
    sheet.append([words["date"], local_time(workshop.created_at, zone).date()])
    sheet["B3"].number_format = "yyyy-mm-dd"
    # always a row, empty when not given: every summary has its cells in the same places
    sheet.append([words["place"], cell_text(one_line(workshop.place)) or None])
    sheet.append([words["participants"], workshop.participants])
    sheet.append([])
    table_header = [words["number"], "Station", words["notes"], words["hidden_count"]]
    sheet.append([*table_header, words["topics"]])
    for cell in sheet[7]:
        cell.font = Font(bold=True)
    for station in workshop.stations:
        topics = sum(section.label is not None for section in sections(station))
        hidden = sum(note.hidden for note in station.notes)
        title = cell_text(one_line(station.title))
        sheet.append([station.number, title, len(station.notes), hidden, topics])
    sheet.column_dimensions["A"].width = max(len(words["participants"]) + 2, 8)
    sheet.column_dimensions["B"].width = _column_width(
        "station", "Station", [one_line(s.title) for s in workshop.stations]
    )


def _column_styles(book: Any) -> list[str]:
    """One named style per column: wrapped text for notes and replies, dates as dates,
    everything aligned to the top so a long note's row stays readable. A cell takes its
    column's finished style by name, which is far cheaper than setting alignment and number
    format cell by cell (openpyxl interns each assignment)."""
    from openpyxl.styles import Alignment, NamedStyle

    wrap = Alignment(wrap_text=True, vertical="top")
    top = Alignment(vertical="top")
    kinds = {
        "Gallery Walk Text": dict(alignment=wrap),
        "Gallery Walk": dict(alignment=top),
        "Gallery Walk Datum": dict(alignment=top, number_format="yyyy-mm-dd hh:mm"),
    }
    for name, style in kinds.items():
        if name not in book.named_styles:
            book.add_named_style(NamedStyle(name=name, **style))
    return [
        "Gallery Walk Datum" if column == "created"
        else "Gallery Walk Text" if column in _WRAPPED
        else "Gallery Walk"
        for column in COLUMNS
    ]  # fmt: skip


def _xlsx_top(sheet: Any, workshop: ExportWorkshop, language: str) -> None:
    """Per station its best topics and notes by dots (grouping.top), one row each, in a
    table that filters by station or kind."""
    from openpyxl.styles import Alignment, Font

    words = WORDS[language]
    named = dict(zip(COLUMNS, headers(language), strict=True))  # the station sheets' words
    header = ["Station", words["kind"], words["rank"], words["text"],
              named["votes"], named["plus_ones"]]  # fmt: skip
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    texts = []
    for station in workshop.stations:
        best = top(station)
        name = cell_text(f"{station.number}. {one_line(station.title)}")
        lines = [(words["topic"], g.label or "", g.votes, g.plus_ones) for g in best.groups]
        lines += [(words["note"], n.text, n.votes, n.plus_ones) for n in best.notes]
        ranks = [*range(1, len(best.groups) + 1), *range(1, len(best.notes) + 1)]
        for rank, (kind, text, votes, plus_ones) in zip(ranks, lines, strict=True):
            sheet.append([name, kind, rank, cell_text(text), votes, plus_ones])
            cell = sheet.cell(row=sheet.max_row, column=4)
            cell.data_type = "s"  # never a formula, whatever the text
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            texts.append(text)
    widths = {"A": _column_width("station", "Station",
                                 [f"{s.number}. {one_line(s.title)}" for s in workshop.stations]),
              "B": 10.0, "C": 8.0, "D": _column_width("note", header[3], texts),
              "E": 10.0, "F": 16.0}  # fmt: skip
    for letter, width in widths.items():
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:F{sheet.max_row}"


def _xlsx_station(sheet: Any, station: ExportStation, language: str, zone: str) -> None:
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    header = headers(language, zone)
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    table = station_rows(station, language, zone)
    styles = _column_styles(sheet.parent)
    for number, row in enumerate(table, start=2):
        for index, value in enumerate(spreadsheet_row(row), start=1):
            cell = sheet.cell(row=number, column=index, value=value if value != "" else None)
            if isinstance(value, str):
                cell.data_type = "s"  # belt and braces: never a formula, whatever the text
            cell.style = styles[index - 1]
    for index, (column, title) in enumerate(zip(COLUMNS, header, strict=True), start=1):
        values = [cell_text(r[column]) if isinstance(r[column], str) else r[column] for r in table]
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = _column_width(column, title, values)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{len(table) + 1}"


def to_xlsx(workshop: ExportWorkshop, zone: str = "UTC") -> bytes:
    """A summary sheet, a "Top" sheet (each station's best topics and notes by dots) and one
    sheet per station with the `rows()` columns, times in `zone`.

    Needs openpyxl >= 3.1. Byte-identical for the same workshop: the document properties
    and every zip entry carry the workshop's `created_at`, never the build time.
    """
    from openpyxl import Workbook
    from openpyxl.writer.excel import ExcelWriter

    language = language_of(workshop)
    book = Workbook()
    taken: set[str] = set()
    summary = book.active
    summary.title = sheet_name(WORDS[language]["summary"], taken)
    _xlsx_summary(summary, workshop, language, zone)
    _xlsx_top(
        book.create_sheet(sheet_name(WORDS[language]["top_sheet"], taken)), workshop, language
    )
    for station in workshop.stations:
        name = sheet_name(f"{station.number} {station.title}", taken)
        _xlsx_station(book.create_sheet(name), station, language, zone)
    created = utc_naive(workshop.created_at)
    book.properties.created = created
    book.properties.modified = created
    book.properties.creator = "Gallery Walk"
    book.properties.title = CONTROL.sub("", one_line(workshop.title))  # XML cannot carry them
    buffer = io.BytesIO()
    # Not book.save(): save_workbook() stamps properties.modified with the current time.
    archive = _FixedTimeZip(buffer, created)
    ExcelWriter(book, archive).save()
    return buffer.getvalue()

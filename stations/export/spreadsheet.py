"""Spreadsheet cells no spreadsheet evaluates (OWASP CSV injection), and the CSV export.

The XLSX export (xlsx.py) writes its cells through the same `cell_text`.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from typing import Any

from .model import ExportWorkshop
from .table import COLUMNS, headers, language_of, rows

# OWASP "CSV Injection": a cell starting with one of these is a formula (or becomes one
# after the spreadsheet strips the tab / carriage return) in Excel, LibreOffice and Sheets.
FORMULA_TRIGGERS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")

# XML 1.0 cannot carry these; openpyxl would raise, a CSV consumer would choke. Tab, line
# feed and carriage return stay.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def inert(value: str) -> str:
    """Make a spreadsheet cell text that no spreadsheet evaluates (OWASP CSV injection).

    A leading single quote is OWASP's recommendation: it keeps the text readable and even
    a harmless "-" or "- Punkt" is prefixed, because the rule must not guess intent.
    """
    if value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def cell_text(value: str) -> str:
    # Control characters go first: "\x01=1" must not turn into a live "=1" after stripping.
    return inert(CONTROL.sub("", value))


def spreadsheet_row(row: Mapping[str, Any]) -> list[Any]:
    return [cell_text(v) if isinstance(v, str) else v for v in (row[c] for c in COLUMNS)]


def to_csv(workshop: ExportWorkshop, delimiter: str = ";", zone: str = "UTC") -> bytes:
    """UTF-8 with BOM (Excel then reads umlauts right), CRLF, one row per note, times in
    `zone` (named in the header).

    `;` is the default because German Excel splits on it; `,` for everyone else.
    """
    if delimiter not in (";", ",", "\t"):
        raise ValueError(f"unsupported CSV delimiter {delimiter!r}")
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter)  # lineterminator "\r\n"
    writer.writerow([cell_text(h) for h in headers(language_of(workshop), zone)])
    for row in rows(workshop, zone):
        writer.writerow(spreadsheet_row(row))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")

"""stations.export: golden files, XLSX read back, formula injection, JSON round trip.

The golden files in tests/golden/ are compared byte for byte with `build`, the one switch
whose bytes the download and `gallery export` deliver (tests/test_results.py checks that a
download is exactly `build`'s output). After an intended change to an export format, rewrite
them and review the diff before committing:

    GALLERY_UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_export.py

No test here needs the app, the database or the clock; timings are measured in
bench/export.py, never asserted.
"""

from __future__ import annotations

import csv
import io
import json
import os
import zipfile
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest

from stations.export import (
    COLUMNS,
    FORMATS,
    MIMETYPES,
    ExportCluster,
    ExportError,
    ExportNote,
    ExportStation,
    ExportWorkshop,
    board,
    build,
    escape_markdown,
    from_json,
    headers,
    inert,
    rows,
    sheet_name,
    to_csv,
    to_json,
    to_json_bytes,
    to_markdown,
    to_xlsx,
)

openpyxl = pytest.importorskip("openpyxl")

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("GALLERY_UPDATE_GOLDEN") == "1"
BOM = b"\xef\xbb\xbf"

INJECTIONS = [
    "=1+1",
    "+SUM(A1)",
    "-2+3",
    "@cmd",
    "\t=1",
    "\r=1",
    '=HYPERLINK("http://x","y")',
    "=cmd|' /C calc'!A0",
    "-",
    "- Punkt eins",
]


def t(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2024, 5, day, hour, minute)


def make_workshop() -> ExportWorkshop:
    """German, two stations: a topic, a single, a note without cluster, a hidden note, an
    author, replies, votes, umlauts, emoji, a multi-line note and HTML/Markdown-like text.
    "Mobilfunk" comes after "Glasfaser-Ausbau" on the wall but has more dots (4 to 2), so
    every format must put it first; inside it, the later note has more dots and leads."""
    breitband = ExportStation(
        number=1,
        title="Breitband & Glasfaser",
        prompt="Was kommt nach dem Ausbau?\nWer profitiert?",
        notes=(
            ExportNote(
                1,
                "Glasfaser bis in jedes Dorf 🚀",
                "Jürgen",
                t(3, 9, 5),
                cluster="c1",
                plus_ones=3,
                votes=2,
                replies=("Ja, unbedingt!", "Und die Kosten?"),
            ),
            ExportNote(
                2,
                "Förderung für Gemeinden\nmit weniger als 5.000 Einwohnern",
                None,
                t(3, 9, 7),
                cluster="c1",
                plus_ones=1,
            ),
            ExportNote(
                3,
                "<script>alert('x')</script> **fett** [Link](http://evil.example)",
                "Ümit",
                t(3, 9, 8),
                cluster="c2",
            ),
            ExportNote(4, "# Keine Überschrift\n- keine Liste\n1. keine Nummer", None, t(3, 9, 9)),
            ExportNote(5, "Beleidigender Text", None, t(3, 9, 10), hidden=True, cluster="c1"),
            ExportNote(6, "Funklöcher an der B27", None, t(3, 9, 11), cluster="c3", votes=1),
            ExportNote(7, "5G für Landwirte", "Bauer Max", t(3, 9, 12), cluster="c3", votes=3),
        ),
        clusters=(
            ExportCluster("c1", "Glasfaser-Ausbau", (2, 1, 5)),
            ExportCluster("c2", "Einzelne Notiz", (3,)),
            ExportCluster("c3", "Mobilfunk", (6, 7)),
        ),
    )
    verwaltung = ExportStation(
        number=2,
        title="Verwaltung: digital?",
        prompt="Was soll online gehen?",
        notes=(
            ExportNote(10, "Ummeldung online", "Anna", t(3, 10, 1), cluster="k", votes=4),
            ExportNote(
                11,
                "Kfz-Zulassung ohne Termin",
                None,
                t(3, 10, 2),
                cluster="k",
                replies=("=geht schon in Hessen",),
            ),
            ExportNote(12, "=1+1", "@bob", t(3, 10, 3)),
        ),
        clusters=(ExportCluster("k", "Bürgerdienste", (10, 11)),),
    )
    return ExportWorkshop(
        code="DG24",
        title="Digital-Gipfel 2024",
        language="de",
        created_at=t(3, 8, 30),
        stations=(breitband, verwaltung),
        participants=27,
        place="Kreishaus Freiberg, Saal 2",
    )


@pytest.fixture
def workshop() -> ExportWorkshop:
    return make_workshop()


@pytest.fixture
def english(workshop: ExportWorkshop) -> ExportWorkshop:
    return replace(workshop, language="en", title="Digital Summit")


def check_golden(name: str, data: bytes) -> None:
    path = GOLDEN / name
    if UPDATE:
        GOLDEN.mkdir(exist_ok=True)
        path.write_bytes(data)
    assert path.exists(), f"{path} missing: run with GALLERY_UPDATE_GOLDEN=1"
    assert data == path.read_bytes(), f"{name} differs from the golden file"


def read_csv(data: bytes, delimiter: str = ";") -> list[list[str]]:
    assert data.startswith(BOM)
    return list(csv.reader(io.StringIO(data[3:].decode("utf-8"), newline=""), delimiter=delimiter))


# --------------------------------------------------------------------------- golden files


def test_csv_golden(workshop: ExportWorkshop) -> None:
    check_golden("export.csv", build(workshop, "csv"))


def test_csv_comma_golden(workshop: ExportWorkshop) -> None:
    check_golden("export-comma.csv", build(workshop, "csv", delimiter=","))


def test_markdown_golden(workshop: ExportWorkshop) -> None:
    check_golden("export.md", build(workshop, "md"))


def test_json_golden(workshop: ExportWorkshop) -> None:
    check_golden("export.json", build(workshop, "json"))


def test_every_builder_is_deterministic(workshop: ExportWorkshop) -> None:
    for fmt in FORMATS:
        assert build(workshop, fmt) == build(make_workshop(), fmt), fmt


def test_build_is_the_one_switch(workshop: ExportWorkshop) -> None:
    assert set(FORMATS) == set(MIMETYPES) == {"xlsx", "csv", "json", "md"}
    # XLSX has no golden file (zip bytes): its switch case is the builder the tests read back.
    assert build(workshop, "xlsx") == to_xlsx(workshop)
    assert build(workshop, "json") == to_json_bytes(workshop)
    assert build(workshop, "json").endswith(b"}\n")
    with pytest.raises(ValueError):
        build(workshop, "pdf")


# --------------------------------------------------------------------------- rows and CSV


def test_rows_rank_topics_and_notes_by_dots(workshop: ExportWorkshop) -> None:
    table = rows(workshop)
    assert len(table) == 10  # every note, hidden included
    assert all(list(row) == list(COLUMNS) for row in table)
    first = [(r["note"][:12], r["cluster"], r["votes"], r["plus_ones"]) for r in table[:7]]
    assert first == [
        ("5G für Landw", "Mobilfunk", 3, 0),  # 4 dots: first, though second on the wall
        ("Funklöcher a", "Mobilfunk", 1, 0),
        ("Glasfaser bi", "Glasfaser-Ausbau", 2, 3),  # 2 dots; the wall had it second
        ("Förderung fü", "Glasfaser-Ausbau", 0, 1),
        ("Beleidigende", "Glasfaser-Ausbau", 0, 0),  # hidden: after its topic's visible notes
        ("<script>aler", "Einzelne Ideen", 0, 0),  # alone in its cluster; then by time
        ("# Keine Über", "Einzelne Ideen", 0, 0),  # no cluster
    ]
    jurgen = table[2]
    assert jurgen["station"] == "1. Breitband & Glasfaser"
    assert jurgen["author"] == "Jürgen"
    assert jurgen["replies"] == "Ja, unbedingt! | Und die Kosten?"
    assert jurgen["hidden"] == "nein" and table[4]["hidden"] == "ja"
    assert jurgen["created"] == "2024-05-03 09:05"


def test_board_ranks_single_ideas_among_the_topics_as_the_wall_does(
    workshop: ExportWorkshop,
) -> None:
    """`board` is `stations.results.Ranking.board`: a single idea with 3 dots between the
    topics with 4 and 2; the single ideas without a dot last, the hidden note after them."""
    station = workshop.stations[0]
    dotted = tuple(replace(n, votes=3) if n.text.startswith("<script>") else n
                   for n in station.notes)  # fmt: skip
    ranked = board(replace(station, notes=dotted))
    assert [(s.label, s.single, s.votes) for s in ranked] == [
        ("Mobilfunk", False, 4),
        (None, True, 3),
        ("Glasfaser-Ausbau", False, 2),
        (None, False, 0),
    ]
    assert [n.text[:8] for n in ranked[1].notes] == ["<script>"]
    assert [n.text[:8] for n in ranked[3].notes] == ["# Keine "]
    assert [s.label for s in board(station)][-1] is None  # no dot: not ranked, listed last


def test_csv_xlsx_and_markdown_rank_single_ideas_among_the_topics_as_the_report_does(
    workshop: ExportWorkshop,
) -> None:
    """A single idea with 3 dots stands between the topics with 4 and 2, in every format
    (the report's and the wall's `board`); the single ideas without a dot come last."""
    station = workshop.stations[0]
    dotted = tuple(replace(n, votes=3) if n.text.startswith("<script>") else n
                   for n in station.notes)  # fmt: skip
    w = replace(workshop, stations=(replace(station, notes=dotted), *workshop.stations[1:]))
    expected = [
        ("5G für Landw", "Mobilfunk"),
        ("Funklöcher a", "Mobilfunk"),
        ("<script>aler", "Einzelne Ideen"),  # 3 dots, a single idea: second place
        ("Glasfaser bi", "Glasfaser-Ausbau"),
        ("Förderung fü", "Glasfaser-Ausbau"),
        ("Beleidigende", "Glasfaser-Ausbau"),
        ("# Keine Über", "Einzelne Ideen"),  # no dot: after everything ranked
    ]
    assert [(r["note"][:12], r["cluster"]) for r in rows(w)[:7]] == expected
    csv_rows = read_csv(to_csv(w))[1:8]
    assert [(r[2][:12], r[1]) for r in csv_rows] == expected
    sheet = openpyxl.load_workbook(io.BytesIO(to_xlsx(w)))["1 Breitband & Glasfaser"]
    cells = [(row[2].value, row[1].value) for row in sheet.iter_rows(min_row=2, max_row=8)]
    assert [(text[:12], topic) for text, topic in cells] == expected
    markdown = to_markdown(w)
    first = markdown[markdown.index("\n## 1. Breitband") : markdown.index("\n## 2. Verwaltung")]
    headings = [line for line in first.splitlines() if line.startswith("### ")]
    assert headings == [
        "### Mobilfunk (Punkte: 4)",
        "### Einzelne Idee (Punkte: 3)",
        "### Glasfaser-Ausbau (Punkte: 2, +1: 4)",
        "### Einzelne Ideen",
    ]


def test_rows_tie_on_dots_goes_to_plus_ones_then_time() -> None:
    notes = (
        ExportNote(1, "alt", None, t(4, 9, 1), votes=1),
        ExportNote(2, "mehr +1", None, t(4, 9, 2), votes=1, plus_ones=2),
        ExportNote(3, "neu", None, t(4, 9, 3), votes=1),
    )
    w = ExportWorkshop("X", "T", "de", t(4, 8), (ExportStation(1, "S", "", notes, ()),), 1)
    assert [r["note"] for r in rows(w)] == ["mehr +1", "alt", "neu"]


def test_times_are_shown_in_the_workshops_zone(workshop: ExportWorkshop) -> None:
    # 09:05 UTC on 3 May is 11:05 in Berlin (summer time); JSON keeps UTC for the import.
    table = read_csv(to_csv(workshop, zone="Europe/Berlin"))
    assert table[0][-1] == "Erstellt (Europe/Berlin)"
    jurgen = next(r for r in table if r[2].startswith("Glasfaser bis"))
    assert jurgen[-1] == "2024-05-03 11:05"
    assert rows(workshop, zone="America/New_York")[2]["created"] == "2024-05-03 05:05"
    sheet = openpyxl.load_workbook(io.BytesIO(to_xlsx(workshop, zone="Europe/Berlin")))
    station = sheet["1 Breitband & Glasfaser"]
    assert station["I1"].value == "Erstellt (Europe/Berlin)"
    assert station["I4"].value == datetime(2024, 5, 3, 11, 5)
    late = replace(workshop, created_at=datetime(2024, 5, 3, 23, 30))  # already the 4th there
    assert "Datum: 04.05.2024" in to_markdown(late, zone="Europe/Berlin")
    assert build(workshop, "json", zone="Europe/Berlin") == build(workshop, "json")
    assert '"created_at": "2024-05-03T09:05:00Z"' in build(workshop, "json").decode()


def test_markdown_and_xlsx_put_the_top_results_first(workshop: ExportWorkshop) -> None:
    markdown = to_markdown(workshop)
    top = markdown[markdown.index("## Top-Ergebnisse") : markdown.index("\n## 1. Breitband")]
    assert top.index("1. Mobilfunk (Punkte: 4)") < top.index(
        "2. Glasfaser-Ausbau (Punkte: 2, +1: 4)"
    )
    assert "1. 5G für Landwirte (Punkte: 3)" in top
    assert "1. Bürgerdienste (Punkte: 4)" in top
    assert "Beleidigender" not in top and "\\=1+1" not in top  # no hidden, no dotless notes
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx(workshop)))
    sheet = book["Top"]
    assert [c.value for c in sheet[1]] == [
        "Station",
        "Art",
        "Platz",
        "Text",
        "Punkte",
        "Zustimmung (+1)",
    ]
    table = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert table[:3] == [
        ["1. Breitband & Glasfaser", "Thema", 1, "Mobilfunk", 4, 0],
        ["1. Breitband & Glasfaser", "Thema", 2, "Glasfaser-Ausbau", 2, 4],
        ["1. Breitband & Glasfaser", "Notiz", 1, "5G für Landwirte", 3, 0],
    ]
    assert ["2. Verwaltung: digital?", "Notiz", 1, "Ummeldung online", 4, 0] in table


def test_a_station_without_dots_says_so() -> None:
    note = ExportNote(1, "Idee", None, t(4, 9))
    w = ExportWorkshop("X", "T", "en", t(4, 8), (ExportStation(1, "S", "", (note,), ()),), 1)
    assert "### 1. S\n\nNo dots given." in to_markdown(w)


def test_csv_shape(workshop: ExportWorkshop) -> None:
    data = to_csv(workshop)
    assert data.startswith(BOM)
    assert data.count(b"\r\n") >= 9 and b"\r\n" in data
    table = read_csv(data)
    assert table[0] == headers("de")
    assert table[0][-1] == "Erstellt (UTC)"
    assert len(table) == 1 + 10
    multi = next(r for r in table if r[2].startswith("Förderung"))
    assert multi[2] == "Förderung für Gemeinden\nmit weniger als 5.000 Einwohnern"
    comma = read_csv(to_csv(workshop, delimiter=","), delimiter=",")
    assert comma == table


def test_csv_rejects_an_odd_delimiter(workshop: ExportWorkshop) -> None:
    with pytest.raises(ValueError):
        to_csv(workshop, delimiter="|")


def test_english_headers_and_words(english: ExportWorkshop) -> None:
    assert headers("en") == [
        "Station",
        "Topic",
        "Note",
        "Author",
        "Plus ones (+1)",
        "Dots",
        "Replies",
        "Hidden",
        "Created (UTC)",
    ]
    table = read_csv(to_csv(english))
    assert table[0] == headers("en")
    assert {r[7] for r in table[1:]} == {"yes", "no"}
    assert "Other ideas" in {r[1] for r in table[1:]}
    markdown = to_markdown(english)
    assert "### Other ideas" in markdown and "1 hidden note not listed" in markdown
    assert "Participants: 27" in markdown
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx(english)))
    assert book.sheetnames[0] == "Summary"


# --------------------------------------------------------------------------- formula injection


@pytest.mark.parametrize("text", INJECTIONS)
def test_inert_prefixes_every_trigger(text: str) -> None:
    assert inert(text) == "'" + text


@pytest.mark.parametrize("text", ["", "Hallo", "1+1", "'=1", " =1", "a=b", "Ärger", "🚀"])
def test_inert_keeps_harmless_text(text: str) -> None:
    assert inert(text) == text


def injected_workshop() -> ExportWorkshop:
    notes = tuple(
        ExportNote(i, text, text, t(4, 9, i), cluster="c", replies=(text,))
        for i, text in enumerate(INJECTIONS, start=1)
    )
    station = ExportStation(1, "=EVIL()", "@prompt", notes, (ExportCluster("c", "+label", ()),))
    return ExportWorkshop("X", "-title", "de", t(4, 8), (station,), 1)


def test_csv_cells_are_inert() -> None:
    table = read_csv(to_csv(injected_workshop()))
    for row in table:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    by_note = {r[2]: r for r in table[1:]}
    for text in INJECTIONS:
        row = by_note["'" + text]
        assert row[1] == "'+label"
        assert row[3] == "'" + text  # author
        assert row[6] == "'" + text  # replies


def test_xlsx_cells_are_inert_strings() -> None:
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx(injected_workshop())))
    values = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert cell.data_type == "s"
                    assert not cell.value.startswith(("=", "+", "-", "@", "\t", "\r"))
                    values.append(cell.value)
    for text in INJECTIONS:
        # XML turns a carriage return into a line feed on reading; the quote still leads.
        assert values.count("'" + text.replace("\r", "\n")) >= 3  # note, author, replies
    assert "'-title" in values and "'+label" in values
    # The raw zip must not contain a single formula element either.
    with zipfile.ZipFile(io.BytesIO(to_xlsx(injected_workshop()))) as archive:
        for name in archive.namelist():
            assert b"<f>" not in archive.read(name), name


def test_control_characters_cannot_hide_a_trigger() -> None:
    note = ExportNote(1, "\x01=1+1", None, t(4, 9))
    station = ExportStation(1, "S", "P", (note,), ())
    w = ExportWorkshop("X", "T", "de", t(4, 8), (station,), 1)
    assert read_csv(to_csv(w))[1][2] == "'=1+1"
    sheet = openpyxl.load_workbook(io.BytesIO(to_xlsx(w)))["1 S"]
    assert sheet["C2"].value == "'=1+1"


# --------------------------------------------------------------------------- XLSX


def test_xlsx_structure(workshop: ExportWorkshop) -> None:
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx(workshop)))
    assert book.sheetnames == [
        "Übersicht",
        "Top",
        "1 Breitband & Glasfaser",
        "2 Verwaltung digital",
    ]
    summary = book["Übersicht"]
    assert summary["A1"].value == "Digital-Gipfel 2024"
    assert summary["B2"].value == "DG24"
    assert summary["B3"].value.date() == t(3, 0).date()
    assert [summary["A4"].value, summary["B4"].value] == ["Ort", "Kreishaus Freiberg, Saal 2"]
    assert summary["B5"].value == 27
    assert [c.value for c in summary[8]] == [1, "Breitband & Glasfaser", 7, 1, 2]
    assert [c.value for c in summary[9]] == [2, "Verwaltung: digital?", 3, 0, 1]

    sheet = book["1 Breitband & Glasfaser"]
    assert [c.value for c in sheet[1]] == headers("de")
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:I8"
    assert sheet.max_row == 8
    jurgen = [c.value for c in sheet[4]]  # Mobilfunk's two notes first: more dots
    assert jurgen == [
        "1. Breitband & Glasfaser",
        "Glasfaser-Ausbau",
        "Glasfaser bis in jedes Dorf 🚀",
        "Jürgen",
        3,
        2,
        "Ja, unbedingt! | Und die Kosten?",
        "nein",
        t(3, 9, 5),
    ]
    assert sheet["C5"].value == "Förderung für Gemeinden\nmit weniger als 5.000 Einwohnern"
    assert sheet["C5"].alignment.wrap_text
    assert sheet["D5"].value is None  # no author: an empty cell, not ""
    for letter in "ABCDEFGHI":
        assert 4 <= sheet.column_dimensions[letter].width <= 60


def test_xlsx_is_byte_identical_and_carries_no_build_time(workshop: ExportWorkshop) -> None:
    first, second = to_xlsx(workshop), to_xlsx(workshop)
    assert first == second
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        stamps = {info.date_time for info in archive.infolist()}
        core = archive.read("docProps/core.xml").decode()
    assert stamps == {(2024, 5, 3, 8, 30, 0)}
    assert core.count("2024-05-03T08:30:00Z") == 2  # created and modified


def test_sheet_names_are_valid_and_unique() -> None:
    taken: set[str] = set()
    wanted = [
        "Übersicht",
        "übersicht",
        "Was? [Ideen]: A/B*C\\D",
        "x" * 40,
        "x" * 40,
        "'quoted'",
        "",
        "History",
    ]
    names = [sheet_name(w, taken) for w in wanted]
    assert len({n.casefold() for n in names}) == len(names)
    for name in names:
        assert 1 <= len(name) <= 31
        assert not set(name) & set("[]:*?/\\")
        assert not name.startswith("'") and not name.endswith("'")
    assert names[1] == "übersicht (2)"
    assert names[2] == "Was Ideen A B C D"
    assert names[3] == "x" * 30 + "…" and names[4] == "x" * 26 + "… (2)"
    # a station's title ends after a whole word, not mid-word
    long = ["1 Was kommt nach dem Breitbandausbau?"] * 2
    assert [sheet_name(w, taken) for w in long] == [
        "1 Was kommt nach dem …",
        "1 Was kommt nach dem … (2)",
    ]
    # a word ending where the cut falls stays; a long word early on is cut rather than lost
    assert (
        sheet_name("1 Was kommt nach dem Breitba Ausbau", set()) == "1 Was kommt nach dem Breitba …"
    )
    assert sheet_name("1 Verwaltungsdigitalisierungsgesetz neu", set()) == (
        "1 Verwaltungsdigitalisierungsg…"
    )


def test_xlsx_with_duplicate_station_titles() -> None:
    stations = tuple(ExportStation(1, "[Gleich]" * 8, "", (), ()) for _ in range(3))
    w = ExportWorkshop("X", "T", "en", t(4, 8), stations, 0)
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx(w)))
    assert len(set(book.sheetnames)) == 5  # summary, top and three stations
    assert all(len(name) <= 31 for name in book.sheetnames)


# --------------------------------------------------------------------------- JSON


def test_json_round_trip_is_exact(workshop: ExportWorkshop) -> None:
    assert from_json(to_json(workshop)) == workshop
    assert from_json(json.loads(to_json_bytes(workshop))) == workshop
    precise = replace(workshop, created_at=datetime(2024, 5, 3, 8, 30, 1, 123456))
    assert from_json(to_json(precise)) == precise


def test_json_is_complete(workshop: ExportWorkshop) -> None:
    data = to_json(workshop)
    assert (data["schema"], data["version"]) == ("gallery-walk/export", 1)
    notes = [n for s in data["stations"] for n in s["notes"]]
    assert len(notes) == 10 and any(n["hidden"] for n in notes)
    assert data["stations"][0]["clusters"][0] == {
        "id": "c1",
        "label": "Glasfaser-Ausbau",
        "note_ids": [2, 1, 5],
    }
    assert notes[0]["created_at"] == "2024-05-03T09:05:00Z"


def broken(path: str, value: object) -> dict:
    """The fixture's JSON with one value replaced (or removed, for value=...)."""
    data = to_json(make_workshop())
    *parents, last = path.split(".")
    target: object = data
    for part in parents:
        target = target[int(part)] if isinstance(target, list) else target[part]  # type: ignore[index]
    if value is ...:
        del target[last]  # type: ignore[attr-defined]
    else:
        target[int(last) if isinstance(target, list) else last] = value  # type: ignore[index]
    return data


@pytest.mark.parametrize(
    ("path", "value", "code"),
    [
        ("schema", "something/else", "wrong_schema"),
        ("schema", ..., "wrong_schema"),
        ("version", 2, "unsupported_version"),
        ("version", "1", "unsupported_version"),
        ("version", ..., "missing_field"),
        ("title", ..., "missing_field"),
        ("stations.0.notes.0.text", ..., "missing_field"),
        ("stations.0.clusters.0.note_ids", ..., "missing_field"),
        ("participants", True, "wrong_type"),
        ("participants", -1, "invalid_value"),
        ("stations", {}, "wrong_type"),
        ("stations.0", [], "wrong_type"),
        ("stations.0.notes.0.plus_ones", "3", "wrong_type"),
        ("stations.0.notes.0.hidden", "nein", "wrong_type"),
        ("stations.0.notes.0.author", 7, "wrong_type"),
        ("stations.0.notes.0.replies", ["ok", 1], "wrong_type"),
        ("stations.0.notes.0.text", "kaputt \ud800", "wrong_type"),  # a lone surrogate
        ("stations.0.notes.0.replies", ["\udfff"], "wrong_type"),
        ("stations.0.clusters.0.note_ids", [1, "2"], "wrong_type"),
        ("stations.0.notes.0.created_at", "gestern", "invalid_value"),
        ("stations.0.notes.0.text", "\u200d\u200d", "invalid_value"),  # draws nothing
        ("language", "fr", "invalid_value"),
        ("stations.0.notes.0.cluster", "nope", "unknown_cluster"),
        ("stations.0.clusters.0.note_ids", [999], "unknown_note"),
        ("stations.1.notes.0.id", 1, "duplicate_id"),
        ("stations.1.number", 1, "duplicate_id"),
    ],
)
def test_from_json_error_codes(path: str, value: object, code: str) -> None:
    with pytest.raises(ExportError) as caught:
        from_json(broken(path, value))
    assert caught.value.code == code
    assert caught.value.message


def test_import_keeps_combining_marks_on_their_letters() -> None:
    zalgo = "e" + "\u0301" * 490
    data = broken("stations.0.notes.0.text", zalgo)
    text = from_json(data).stations[0].notes[0].text
    assert text == "e" + "\u0301" * 4


def test_from_json_rejects_a_non_object() -> None:
    with pytest.raises(ExportError) as caught:
        from_json([1, 2])
    assert caught.value.code == "wrong_type"


def test_from_json_names_the_place() -> None:
    with pytest.raises(ExportError) as caught:
        from_json(broken("stations.0.notes.1.votes", "viele"))
    assert caught.value.path == "$.stations[0].notes[1].votes"


# --------------------------------------------------------------------------- Markdown


def test_markdown_leaves_hidden_notes_out(workshop: ExportWorkshop) -> None:
    markdown = to_markdown(workshop)
    assert "Beleidigender" not in markdown
    assert "*1 ausgeblendete Notiz nicht aufgeführt*" in markdown
    assert markdown.count("ausgeblendete") == 1  # station 2 has none
    assert "### Einzelne Ideen" in markdown
    assert "> Was kommt nach dem Ausbau?\n> Wer profitiert?" in markdown
    assert "- Glasfaser bis in jedes Dorf 🚀 — *Jürgen* (Punkte: 2, +1: 3)" in markdown
    assert "  - Ja, unbedingt!\n  - Und die Kosten?" in markdown


def test_markdown_counts_hidden_replies_per_note(workshop: ExportWorkshop) -> None:
    """Hidden replies are left out like hidden notes, and said under their note."""
    first, *rest = workshop.stations[0].notes
    first = replace(first, hidden_replies=("Spam", "Werbung"))
    fourth = replace(rest[2], hidden_replies=("Beleidigung",))
    notes = (first, rest[0], rest[1], fourth, *rest[3:])
    station = replace(workshop.stations[0], notes=notes)
    german = to_markdown(replace(workshop, stations=(station, *workshop.stations[1:])))
    assert "Spam" not in german and "Beleidigung" not in german
    assert "  - Und die Kosten?\n  - *(2 ausgeblendete Antworten)*" in german
    assert "keine Nummer\n  - *(1 ausgeblendete Antwort)*" in german
    english = to_markdown(replace(workshop, language="en", stations=(station,)))
    assert "*(2 hidden replies)*" in english and "*(1 hidden reply)*" in english
    assert to_markdown(workshop).count("ausgeblendete Antwort") == 0


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("# Titel", "\\# Titel"),
        ("- Liste", "\\- Liste"),
        ("+ Liste", "\\+ Liste"),
        ("1. Nummer", "1\\. Nummer"),
        ("12) Nummer", "12\\) Nummer"),
        ("> Zitat", "\\> Zitat"),
        ("===", "\\==="),
        ("[x](http://e.vil)", "\\[x\\](http://e.vil)"),
        ("![bild](x.png)", "!\\[bild\\](x.png)"),
        ("<img src=x onerror=alert(1)>", "\\<img src=x onerror=alert(1)\\>"),
        ("**fett** _kursiv_ `code`", "\\*\\*fett\\*\\* \\_kursiv\\_ \\`code\\`"),
        ("a\\b", "a\\\\b"),
        ("&lt;b&gt;", "\\&lt;b\\&gt;"),
        ("Forschung & Entwicklung: 3.5 Mio.", "Forschung & Entwicklung: 3.5 Mio."),
        ("Äpfel – 42 🍏", "Äpfel – 42 🍏"),
    ],
)
def test_escape_markdown(text: str, escaped: str) -> None:
    assert escape_markdown(text) == escaped


def test_markdown_multi_line_note_stays_in_its_bullet(workshop: ExportWorkshop) -> None:
    markdown = to_markdown(workshop)
    assert "- \\# Keine Überschrift\\\n  \\- keine Liste\\\n  1\\. keine Nummer\n" in markdown
    for line in markdown.splitlines():
        # Only our own headings start a line with "#".
        assert not line.startswith("#") or line.startswith(("# Digital", "## ", "### "))

"""The Markdown export: a readable record of the wall, with every piece of user text escaped
so that it renders as exactly that text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime

from .grouping import board, top
from .model import ExportNote, ExportStation, ExportWorkshop, local_time
from .table import WORDS, language_of, one_line

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


def _md_counts(votes: int, plus_ones: int, words: Mapping[str, str]) -> str:
    """ " (Punkte: 2, +1: 3)": dots first, as they rank; nothing when there are none."""
    counts = [f"{words['votes']}: {votes}"] if votes else []
    if plus_ones:
        counts.append(f"+1: {plus_ones}")
    return f" ({', '.join(counts)})" if counts else ""


def _md_note(note: ExportNote, words: Mapping[str, str]) -> list[str]:
    line = "- " + (_md_block(note.text, "  ") or "…")
    if note.author and note.author.strip():
        line += f" — *{escape_markdown(one_line(note.author))}*"
    line += _md_counts(note.votes, note.plus_ones, words)
    lines = [line]
    for reply in note.replies:
        block = _md_block(reply, "    ")
        if block:
            lines.append("  - " + block)
    # Left out like hidden notes, but said: a reader should not take the replies as all.
    hidden = len(note.hidden_replies)
    if hidden:
        key = "hidden_replies_one" if hidden == 1 else "hidden_replies_many"
        lines.append(f"  - *({words[key].format(n=hidden)})*")
    return lines


def _md_date(value: datetime, language: str, zone: str) -> str:
    value = local_time(value, zone)
    return value.strftime("%d.%m.%Y") if language == "de" else value.strftime("%Y-%m-%d")


def _md_station(station: ExportStation, words: Mapping[str, str]) -> list[str]:
    out = [f"## {station.number}. {escape_markdown(one_line(station.title))}", ""]
    prompt = _md_lines(station.prompt)
    if prompt:
        out += ["> " + line for line in prompt] + [""]
    listed = 0
    for section in board(station):
        visible = [note for note in section.notes if not note.hidden]
        if not visible:
            continue
        ranked = section.label is not None or section.single
        if section.single:
            label = words["single"]
        else:
            label = section.label if section.label is not None else words["singles"]
        heading = f"### {escape_markdown(one_line(label)) or '…'}"
        if ranked:
            heading += _md_counts(section.votes, section.plus_ones, words)
        out += [heading, ""]
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


def _md_top(station: ExportStation, words: Mapping[str, str]) -> list[str]:
    """One station's best topics and notes by dots, one line each."""
    best = top(station)
    out = [f"### {station.number}. {escape_markdown(one_line(station.title))}", ""]
    if not best.notes:
        return out + [words["no_dots"], ""]
    if best.groups:
        out += [f"{words['top_groups']}:", ""]
        for rank, group in enumerate(best.groups, start=1):
            label = escape_markdown(one_line(group.label or "")) or "…"
            out.append(f"{rank}. {label}{_md_counts(group.votes, group.plus_ones, words)}")
        out.append("")
    out += [f"{words['top_notes']}:", ""]
    for rank, note in enumerate(best.notes, start=1):
        text = escape_markdown(one_line(note.text)) or "…"
        out.append(f"{rank}. {text}{_md_counts(note.votes, note.plus_ones, words)}")
    return out + [""]


def to_markdown(workshop: ExportWorkshop, zone: str = "UTC") -> str:
    """A readable record of the wall: first each station's top results, then every station's
    topics and single ideas with dots in one ranking by dots (as the report), their notes by
    dots; hidden notes and replies are left out (and counted).
    The date is the one in `zone`."""
    language = language_of(workshop)
    words = WORDS[language]
    place = one_line(workshop.place)
    out = [
        f"# {escape_markdown(one_line(workshop.title))}",
        "",
        f"{words['date']}: {_md_date(workshop.created_at, language, zone)} · "
        + (f"{words['place']}: {escape_markdown(place)} · " if place else "")
        + f"{words['code']}: {escape_markdown(workshop.code)} · "
        f"{words['participants']}: {workshop.participants}",
        "",
        f"## {words['top']}",
        "",
    ]
    for station in workshop.stations:
        out += _md_top(station, words)
    for station in workshop.stations:
        out += _md_station(station, words)
    return "\n".join(out).rstrip("\n") + "\n"

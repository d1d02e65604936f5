"""What a valid sticky note is.

Every way a note enters the system (phone page form, HTTP API, Socket.IO event, CLI)
parses its raw payload here exactly once, into a `NoteIn`; the rest of the code never
sees raw input.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .errors import RuleError

MAX_TEXT = 500
MAX_AUTHOR = 60
CLIENT_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{8,64}$")

# Line breaks are kept (people write lists); every other control or format character
# (NUL, escape sequences, bidi overrides, zero-width joiners used for spoofing) goes.
_KEEP = {"\n"}
_BLANK_LINES = re.compile(r"\n{3,}")
# Combining marks kept on one base character: enough for any script's accents (Vietnamese
# stacks two, Indic clusters three), while "Zalgo" runs of hundreds draw across the page.
MAX_MARKS = 4
# Letters that draw nothing although they are not spaces (Hangul fillers, braille blank).
_BLANK_LETTERS = {"\u115f", "\u1160", "\u3164", "\uffa0", "\u2800"}
_UNSEEN = ("Z", "C", "M")  # separators, controls and format characters, lone marks
_TRAILING_SPACE = re.compile(r"[ \t]+\n")


class NoteError(RuleError):
    """A note payload that cannot be stored."""


@dataclass(frozen=True, slots=True)
class NoteIn:
    text: str
    client_id: str
    author: str | None = None


def clean_text(raw: str) -> str:
    """Normalise a note's text: NFC, control characters stripped, whitespace tidied."""
    text = unicodedata.normalize("NFC", raw.replace("\r\n", "\n").replace("\r", "\n"))
    text = text.replace("\t", " ")
    kept = []
    for ch in text:
        if ch in _KEEP:
            kept.append(ch)
        elif unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn") and ch != "\u200d":
            continue  # ZWJ stays: emoji sequences like 👩‍💻 need it
        else:
            kept.append(ch)
    text = unicodedata.normalize("NFC", "".join(kept))  # a removed char may have split a pair
    text = cap_marks(text)
    text = _TRAILING_SPACE.sub("\n", text)
    text = _BLANK_LINES.sub("\n\n", text)
    return text.strip()


def cap_marks(text: str) -> str:
    """At most MAX_MARKS combining marks on each base character; the rest are dropped, so no
    text can draw outside its card. Keeps the first marks (a prefix of NFC stays NFC)."""
    kept = []
    run = 0
    for ch in text:
        if unicodedata.category(ch).startswith("M"):
            run += 1
            if run > MAX_MARKS:
                continue
        else:
            run = 0
        kept.append(ch)
    return "".join(kept)


def is_visible(text: str) -> bool:
    """Whether the text draws anything: a note of zero-width joiners, spaces or marks
    without a letter would be a blank sticky."""
    return any(
        ch not in _BLANK_LETTERS and not unicodedata.category(ch).startswith(_UNSEEN) for ch in text
    )


def clean_author(raw: Any) -> str | None:
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise NoteError("invalid_author", "The name must be text.")
    author = " ".join(clean_text(raw).split())
    if len(author) > MAX_AUTHOR:
        raise NoteError(
            "author_too_long",
            f"The name is longer than {MAX_AUTHOR} characters.",
            limit=MAX_AUTHOR,
        )
    return author if is_visible(author) else None


MAX_ID = 2**31 - 1  # the largest id both databases hold (PostgreSQL's integer)


def parse_id(raw: Any) -> int | None:
    """A note's id as a client sends it: a positive integer the databases can hold; None for
    anything else, which callers answer as "not found" (never a database overflow)."""
    if isinstance(raw, bool) or not isinstance(raw, int) or not 0 < raw <= MAX_ID:
        return None
    return raw


def parse_id_text(raw: Any) -> int | None:
    """`parse_id`, also for an id written in ASCII digits (a form field, a query string)."""
    if isinstance(raw, str) and raw.isascii() and raw.isdigit() and len(raw) < 20:
        raw = int(raw)
    return parse_id(raw)


def parse_client_id(raw: Any) -> str:
    if not isinstance(raw, str) or not CLIENT_ID_PATTERN.fullmatch(raw):  # "$" allows "\n"
        raise NoteError(
            "invalid_client_id",
            "client_id must be 8-64 characters of A-Z, a-z, 0-9, '-' or '_'.",
        )
    return raw


def parse_text(raw: Any) -> str:
    if not isinstance(raw, str):
        raise NoteError("invalid_text", "The note must be text.")
    text = clean_text(raw)
    if not text:
        raise NoteError("empty_note", "The note is empty.")
    if not is_visible(text):
        raise NoteError("invisible_note", "The note has only invisible characters.")
    if len(text) > MAX_TEXT:
        raise NoteError(
            "note_too_long",
            f"The note is longer than {MAX_TEXT} characters ({len(text)}).",
            limit=MAX_TEXT,
            length=len(text),
        )
    return text


def parse_note(payload: Any) -> NoteIn:
    """Validate a raw payload (`{"text", "client_id", "author"?}`) into a NoteIn."""
    if not isinstance(payload, Mapping):
        raise NoteError("invalid_payload", "Expected a JSON object.")
    return NoteIn(
        text=parse_text(payload.get("text")),
        client_id=parse_client_id(payload.get("client_id")),
        author=clean_author(payload.get("author")),
    )

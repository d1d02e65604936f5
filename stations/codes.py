"""What a typed join code means: "KX7PQ-3" is station 3 of workshop KX7PQ, typed however a
phone's keyboard and autocorrect make it ("kx7pq 3", "KX7PQ3", "KX7PQ – 3")."""

from __future__ import annotations

import unicodedata

# U+2212 (minus) is a math symbol, not a dash; slashes and underscores sit near the dash on
# phone keyboards.
_SEPARATORS = {"\u2212", "_", "/"}


def normalise(raw: str) -> str:
    """Upper case, no spaces of any kind, every dash a plain "-" (full-width forms folded)."""
    text = unicodedata.normalize("NFKC", raw).upper()
    out = []
    for ch in text:
        if ch.isspace() or unicodedata.category(ch) == "Cf":
            continue
        out.append("-" if ch in _SEPARATORS or unicodedata.category(ch) == "Pd" else ch)
    return "".join(out).strip("-")


def readings(raw: str, code_length: int) -> list[tuple[str, int | None]]:
    """The (workshop code, station number or None) a typed code can mean, the likeliest first.
    Without a dash, "KX7PQ3" is either a whole code or a code of `code_length` and a number."""
    text = normalise(raw)
    if not text:
        return []
    if "-" in text:
        code, _, rest = text.partition("-")
        rest = rest.replace("-", "")
        return [(code, int(rest) if rest.isdigit() else None)]
    found: list[tuple[str, int | None]] = [(text, None)]
    tail = text[code_length:]
    if tail.isdigit():
        found.append((text[:code_length], int(tail)))
    return found

"""A rehearsal wall, planned: who writes which note at which station, who gives a +1, who
replies, and where the dots go. Pure and seeded, so `gallery demo --notes 200` makes the
same wall every time (only the workshop's code, key and the times differ).

The notes come from the hand-written phrases (`phrases.py`): mostly the stations' own notes,
some from templates naming the county's villages, and a fifth of them typed the way people
type on phones (no umlauts, all lower case, "nich", a swapped letter, "!!").
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from .phrases import AUTHORS, PLACES, REPLIES, STATION_PHRASES, lines

MAX_NOTES = 1000
# How the notes spread over the four stations (the first question draws the most).
STATION_SHARES = (0.30, 0.27, 0.23, 0.20)
SEED = 2026


@dataclass(frozen=True, slots=True)
class DemoNote:
    station: int  # 0-based, in the demo's station order
    text: str
    author: str | None
    participant: str


@dataclass(frozen=True, slots=True)
class DemoReply:
    note: int  # index into Plan.notes
    text: str
    author: str | None
    participant: str


@dataclass(frozen=True, slots=True)
class Plan:
    notes: tuple[DemoNote, ...]
    plus_ones: tuple[tuple[int, str], ...]  # (note index, participant), each pair once
    replies: tuple[DemoReply, ...]
    votes: tuple[tuple[int, str], ...]  # one dot each; at most `dots` per participant and station


def station_counts(count: int) -> list[int]:
    """`count` notes over the stations by their shares (largest remainder, so they add up)."""
    exact = [count * share for share in STATION_SHARES]
    counts = [int(x) for x in exact]
    by_remainder = sorted(range(len(exact)), key=lambda i: (counts[i] - exact[i], i))
    for i in by_remainder[: count - sum(counts)]:
        counts[i] += 1
    return counts


def plan(count: int, *, dots: int = 5, seed: int = SEED) -> Plan:
    """`count` notes (0-MAX_NOTES) by about count/3 participants, with +1s, replies and
    dots: every note's text distinct."""
    if not 0 <= count <= MAX_NOTES:
        raise ValueError(f"between 0 and {MAX_NOTES} notes")
    rng = random.Random(seed)
    people = [f"demo-{i:04d}" for i in range(max(2, round(count / 3)))]
    signers = rng.sample(range(len(people)), min(len(AUTHORS), round(len(people) * 0.3)))
    signature = {people[p]: AUTHORS[i] for i, p in enumerate(signers)}
    keenness = [rng.choice((1, 1, 1, 2, 2, 3, 5)) for _ in people]

    drafts = [
        (station, text)
        for station, n in enumerate(station_counts(count))
        for text in _texts(station, n, rng)
    ]
    rng.shuffle(drafts)  # the stations fill side by side, as in a real walk
    writers = rng.choices(people, weights=keenness, k=len(drafts))
    notes = tuple(
        DemoNote(station, text, signature.get(who), who)
        for (station, text), who in zip(drafts, writers, strict=True)
    )
    liked = [rng.random() ** 2 for _ in notes]  # a few notes many like, most few
    return Plan(
        notes=notes,
        plus_ones=_plus_ones(notes, liked, people, rng),
        replies=_replies(notes, people, signature, rng),
        votes=_votes(notes, liked, people, dots, rng),
    )


# --- the notes ---------------------------------------------------------------------------------


def _texts(station: int, count: int, rng: random.Random) -> list[str]:
    """`count` distinct notes for one station: three of four hand-written, the rest from the
    templates (a village each), a fifth typed sloppily; when the phrases run out, sloppy
    versions of notes already there (the same wish again, in other words)."""
    base_block, template_block, _ = STATION_PHRASES[station]
    base = lines(base_block)
    rng.shuffle(base)
    templated = [t.format(ort=o, ort2=rng.choice([p for p in PLACES if p != o]))
                 for t in lines(template_block) for o in PLACES]  # fmt: skip
    rng.shuffle(templated)
    out: list[str] = []
    seen: set[str] = set()

    def add(text: str) -> bool:
        if text in seen:
            return False
        seen.add(text)
        out.append(text)
        return True

    while len(out) < count and (base or templated):
        source = base if base and (not templated or rng.random() < 0.75) else templated
        text = source.pop()
        if rng.random() < 0.2:
            sloppy = phone_typed(text, rng)
            if add(sloppy):
                continue
        add(text)
    tries = 0
    while len(out) < count:
        tries += 1
        if tries > 100 * count:
            raise ValueError(f"not enough phrases for {count} notes at station {station + 1}")
        add(phone_typed(rng.choice(out), rng))
    return out


_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue",
                          "ß": "ss"})  # fmt: skip
_COLLOQUIAL = ((" nicht ", " nich "), (" ist ", " is "), (" eine ", " ne "),
               (" haben ", " ham "), ("Ich ", "ich "), (" etwas ", " was "))  # fmt: skip


def phone_typed(text: str, rng: random.Random) -> str:
    """The note as typed in a hurry on a phone (always different from `text`)."""
    ways = [
        lambda t: t.translate(_UMLAUTS),
        lambda t: t.lower(),
        lambda t: t.rstrip(".!?") + rng.choice(("!!", "!!!", " !", "...")),
        _colloquial,
        lambda t: _swap_letters(t, rng),
        lambda t: t[0].lower() + t[1:],
    ]
    rng.shuffle(ways)
    for way in ways:
        typed = way(text)
        if typed != text:
            return typed
    return text + "!"


def _colloquial(text: str) -> str:
    for formal, spoken in _COLLOQUIAL:
        text = text.replace(formal, spoken)
    return text


def _swap_letters(text: str, rng: random.Random) -> str:
    words = text.split(" ")
    long = [i for i, w in enumerate(words) if len(w) >= 6 and w.isalpha()]
    if not long:
        return text
    i = rng.choice(long)
    w = words[i]
    j = rng.randrange(1, len(w) - 2)
    words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
    return " ".join(words)


# --- building on them --------------------------------------------------------------------------


def _plus_ones(notes, liked, people, rng) -> tuple[tuple[int, str], ...]:
    pairs = []
    for i, note in enumerate(notes):
        many = rng.randint(1, 6) if liked[i] > 0.5 else rng.choice((0, 0, 0, 1, 1, 2))
        others = [p for p in people if p != note.participant]
        pairs += [(i, p) for p in rng.sample(others, min(many, len(others)))]
    return tuple(pairs)


def _replies(notes, people, signature, rng) -> tuple[DemoReply, ...]:
    generic = lines(REPLIES)
    out = []
    for i, note in enumerate(notes):
        roll = rng.random()
        many = 2 if roll < 0.04 else 1 if roll < 0.18 else 0
        if not many:
            continue
        texts = lines(STATION_PHRASES[note.station][2]) + generic
        others = [p for p in people if p != note.participant]
        for text, who in zip(rng.sample(texts, many), rng.sample(others, many), strict=True):
            out.append(DemoReply(i, text, signature.get(who), who))
    return tuple(out)


def _votes(notes, liked, people, dots, rng) -> tuple[tuple[int, str], ...]:
    at: dict[int, list[int]] = {}
    for i, note in enumerate(notes):
        at.setdefault(note.station, []).append(i)
    out = []
    for who in people:
        for station in sorted(at):
            if rng.random() > 0.6:
                continue  # did not vote here
            spend = min(dots, rng.choice((dots, dots, dots - 1, 2, 1)))
            weights = [liked[i] + 0.05 for i in at[station]]
            out += [(i, who) for i in rng.choices(at[station], weights=weights, k=max(1, spend))]
    return tuple(out)

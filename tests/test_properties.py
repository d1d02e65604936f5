"""Property-based tests (hypothesis) for what a note is and for the clustering.

Whatever a phone sends, `parse_note` either returns a note within the limits or refuses it
with a documented error code; whatever short texts a wall holds, `cluster_notes` puts each
note in exactly one cluster, deterministically, with unique non-empty labels.
"""

from __future__ import annotations

import unicodedata

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from stations.clustering import Note, cluster_notes  # noqa: E402
from stations.notes import (  # noqa: E402
    CLIENT_ID_PATTERN,
    MAX_AUTHOR,
    MAX_MARKS,
    MAX_TEXT,
    NoteError,
    NoteIn,
    clean_text,
    parse_note,
)

# The error codes docs/protocol.md documents for a note payload.
NOTE_ERRORS = {
    "invalid_payload",
    "invalid_text",
    "empty_note",
    "invisible_note",
    "note_too_long",
    "invalid_author",
    "author_too_long",
    "invalid_client_id",
}
# Characters that tend to break text handling: line ends, tabs, NUL and escapes, zero-width
# and bidi controls, a lone surrogate (JSON can carry one), combining marks, odd spaces.
TRICKY = [
    "\n", "\r", "\r\n", "\t", "\x00", "\x1b", "\x7f", "\x85", "\u200b", "\u200d", "\u202e",
    "\u2066", "\ufeff", "\ud800", "\udfff", "\u0301", "\u0308", "\u00a0", "\u3000", "\u2028",
    "\ue000", "\U000e0041", " ", "  ", "e", "u", "ä", "ß", "ﬁ", "\u0958", "👩", "👩‍💻", "🇩🇪",
    "<", ">", "&", '"',
]  # fmt: skip
tricky_text = st.lists(
    st.one_of(st.characters(exclude_categories=()), st.sampled_from(TRICKY)), max_size=80
).map("".join)
any_text = st.one_of(tricky_text, st.text(max_size=40))
client_ids = st.one_of(
    st.from_regex(r"[A-Za-z0-9_-]{8,64}", fullmatch=True),
    st.text(max_size=70),
)
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), any_text),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=6,
)
well_formed = st.fixed_dictionaries(
    {"text": any_text, "client_id": client_ids},
    optional={"author": st.one_of(st.none(), any_text), "station": st.text(max_size=20)},
)
payloads = st.one_of(
    well_formed,
    st.dictionaries(st.sampled_from(["text", "client_id", "author", "x"]), json_values),
    json_values,
)
limits = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def assert_clean(text: str) -> None:
    """What every stored text looks like."""
    assert text == text.strip()
    assert unicodedata.is_normalized("NFC", text)
    assert "\r" not in text and "\t" not in text
    assert "\n\n\n" not in text and " \n" not in text
    for ch in text:
        category = unicodedata.category(ch)
        assert category not in ("Cs", "Co", "Cn"), repr(ch)
        assert category != "Cc" or ch == "\n", repr(ch)
        assert category != "Cf" or ch == "\u200d", repr(ch)
    run = 0
    for ch in text:  # no stack of combining marks taller than MAX_MARKS
        run = run + 1 if unicodedata.category(ch).startswith("M") else 0
        assert run <= MAX_MARKS, repr(text)


@limits
@given(payloads)
def test_parse_note_accepts_within_limits_or_refuses_with_a_known_code(payload):
    try:
        note = parse_note(payload)
    except NoteError as err:
        assert err.code in NOTE_ERRORS
        assert isinstance(err.message, str) and err.message
        if err.code == "note_too_long":
            assert err.params["length"] > MAX_TEXT == err.params["limit"]
        return
    assert isinstance(note, NoteIn)
    assert 1 <= len(note.text) <= MAX_TEXT
    assert_clean(note.text)
    assert CLIENT_ID_PATTERN.match(note.client_id) and note.client_id == payload["client_id"]
    if note.author is not None:
        assert 1 <= len(note.author) <= MAX_AUTHOR
        assert_clean(note.author)
        assert "\n" not in note.author and "  " not in note.author
    # A stored note sent again parses to itself (a resend from the outbox changes nothing).
    again = {"text": note.text, "client_id": note.client_id, "author": note.author}
    assert parse_note(again) == note


@limits
@given(any_text)
def test_clean_text_is_idempotent_and_clean(raw):
    once = clean_text(raw)
    assert clean_text(once) == once
    assert_clean(once)


@limits
@given(st.text("eauo \n\t\r\x00\x1b\u200b\u200d\u202e\u0301\u0308\u0323", max_size=12))
def test_clean_text_is_idempotent_around_removed_characters(raw):
    """A removed character between a letter and its accent must not leave the pair
    decomposed: the stored text is NFC (docs/protocol.md), however it was typed."""
    once = clean_text(raw)
    assert clean_text(once) == once
    assert unicodedata.is_normalized("NFC", once)


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=1, max_value=3 * MAX_TEXT), st.sampled_from(["a", "ä", "👍", "x "]))
def test_length_limit_counts_characters_after_cleaning(n, unit):
    payload = {"text": unit * n, "client_id": "abcdefgh"}
    length = len(clean_text(unit * n))
    if length > MAX_TEXT:
        with pytest.raises(NoteError) as err:
            parse_note(payload)
        assert err.value.code == "note_too_long" and err.value.params["length"] == length
    else:
        assert len(parse_note(payload).text) == length


# --------------------------------------------------------------------------- clustering

WORDS = [
    "Glasfaser", "Bürgerbus", "Ärztehaus", "Förderung", "Straße", "Radweg", "Schule", "WLAN",
    "Kita", "bus", "Telemedizin", "café", "👍", "🚲", "👩‍💻", "!!!", "?", "...", "-", "#", "e-Akte",
]  # fmt: skip
# Everything a stored note can hold: clean_text removes lone surrogates before clustering.
STORABLE = [c for c in TRICKY if unicodedata.category(c[0]) != "Cs"]
short_notes = st.lists(
    st.one_of(
        st.lists(st.sampled_from(WORDS), max_size=5).map(" ".join),
        st.lists(st.sampled_from(STORABLE + WORDS), max_size=6).map("".join),
        st.text(max_size=15),
    ),
    max_size=10,
)
wall_settings = settings(max_examples=25, deadline=None)


def check_clustering(texts: list[str], lang: str, embedder) -> None:
    notes = [Note(i, t) for i, t in enumerate(texts)]
    result = cluster_notes(notes, lang, embedder=embedder)
    members = [n for c in result.clusters for n in c.note_ids]
    assert sorted(members) == list(range(len(texts)))  # each note in exactly one cluster
    assert all(c.note_ids for c in result.clusters)
    ids = [c.id for c in result.clusters]
    assert len(ids) == len(set(ids))
    labels = [c.label for c in result.clusters]
    assert all(label.strip() for label in labels), labels
    assert len({label.casefold() for label in labels}) == len(labels), labels
    again = cluster_notes(notes, lang, embedder=embedder)
    assert [c.to_dict() for c in again.clusters] == [c.to_dict() for c in result.clusters]

    # One more note, with the clusters shown now: still a partition, ids never doubled.
    more = [*notes, Note(len(notes), texts[0] if texts else "Noch eine Idee")]
    later = cluster_notes(more, lang, embedder=embedder, previous=result.clusters)
    members = [n for c in later.clusters for n in c.note_ids]
    assert sorted(members) == list(range(len(more)))
    assert len({c.id for c in later.clusters}) == len(later.clusters)
    assert len({c.label.casefold() for c in later.clusters}) == len(later.clusters)


@wall_settings
@given(short_notes, st.sampled_from(["de", "en", "auto"]))
def test_clustering_keyword_views(texts, lang):
    check_clustering(texts, lang, None)


@wall_settings
@given(short_notes)
def test_clustering_with_embeddings(texts):
    check_clustering(texts, "auto", "auto")


def test_clustering_a_lone_surrogate():
    notes = [Note(0, "Glasfaser \ud800 für alle"), Note(1, "Glasfaser")]
    check_clustering([n.text for n in notes], "auto", "auto")

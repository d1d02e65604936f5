"""stations.notes: what a valid note is."""

import pytest

from stations.notes import MAX_MARKS, MAX_TEXT, NoteError, NoteIn, clean_text, parse_note


def ok(**kw):
    return {"text": "Glasfaser für alle", "client_id": "abcdefgh12", **kw}


def test_valid_note_is_parsed():
    assert parse_note(ok(author=" Jens ")) == NoteIn("Glasfaser für alle", "abcdefgh12", "Jens")


@pytest.mark.parametrize("text", ["", "   ", "\n\t \n", "\x00\x01"])
def test_empty_or_whitespace_is_refused(text):
    with pytest.raises(NoteError) as err:
        parse_note(ok(text=text))
    assert err.value.code == "empty_note"


def test_too_long_names_the_limit():
    with pytest.raises(NoteError) as err:
        parse_note(ok(text="x" * (MAX_TEXT + 1)))
    assert err.value.code == "note_too_long"
    assert err.value.params == {"limit": MAX_TEXT, "length": MAX_TEXT + 1}
    assert str(MAX_TEXT) in err.value.message


def test_exactly_the_limit_is_fine():
    assert len(parse_note(ok(text="ä" * MAX_TEXT)).text) == MAX_TEXT


def test_control_characters_are_stripped_but_newlines_kept():
    raw = "Zeile\x00 eins\x1b[31m\r\nZeile\u202e zwei\n\n\n\nEnde\t!"
    assert clean_text(raw) == "Zeile eins[31m\nZeile zwei\n\nEnde !"


def test_emoji_sequences_survive():
    assert clean_text("👩‍💻 Coding-Kurse") == "👩‍💻 Coding-Kurse"


def test_nfc_normalisation():
    assert clean_text("Bu\u0308rger") == "Bürger"


def test_html_is_kept_as_text():
    # Escaping is the templates' and the scripts' job; the text itself stays as typed.
    assert parse_note(ok(text="<script>alert(1)</script>")).text == "<script>alert(1)</script>"


@pytest.mark.parametrize(
    "payload,code",
    [
        (None, "invalid_payload"),
        ([], "invalid_payload"),
        ("text", "invalid_payload"),
        ({"text": 5, "client_id": "abcdefgh12"}, "invalid_text"),
        ({"text": "hi"}, "invalid_client_id"),
        ({"text": "hi", "client_id": "short"}, "invalid_client_id"),
        ({"text": "hi", "client_id": "has space!"}, "invalid_client_id"),
        ({"text": "hi", "client_id": "x" * 65}, "invalid_client_id"),
        ({"text": "hi", "client_id": "abcdefgh12", "author": 3}, "invalid_author"),
        ({"text": "hi", "client_id": "abcdefgh12", "author": "a" * 61}, "author_too_long"),
    ],
)
def test_bad_payloads_have_codes(payload, code):
    with pytest.raises(NoteError) as err:
        parse_note(payload)
    assert err.value.code == code


def test_blank_author_means_anonymous():
    assert parse_note(ok(author="   ")).author is None
    assert parse_note(ok(author=None)).author is None


@pytest.mark.parametrize("text", ["\u200d", "\u200d\u200d \u200d", "\u3164\u2800", "\u0301\u0308"])
def test_a_note_that_draws_nothing_is_refused_with_its_own_code(text):
    with pytest.raises(NoteError) as err:
        parse_note(ok(text=text))
    assert err.value.code == "invisible_note"


def test_a_name_that_draws_nothing_is_no_name():
    assert parse_note(ok(author="\u200d\u3164")).author is None


def test_combining_marks_are_capped_per_letter():
    zalgo = "e" + "\u0301\u0316" * 245 + " und o" + "\u0308" * 3
    text = parse_note(ok(text=zalgo)).text
    first, rest = text.split(" ", 1)
    assert len(first) == 1 + MAX_MARKS  # é and four more marks
    assert rest == "und \u00f6\u0308\u0308"  # three marks (one composed into ö): all kept
    assert clean_text(text) == text


def test_accents_of_real_scripts_are_kept():
    for word in ["Vi\u1ec7t Nam", "ti\u1ebfng Vi\u1ec7t", "\u0915\u094d\u0937\u093f", "Ärztehaus"]:
        assert clean_text(word) == word

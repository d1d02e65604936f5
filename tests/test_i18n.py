"""Every interface sentence has a German translation, in the formal "Sie" and, where a
participant reads it, in "du" too; and the compiled catalogs are current."""

import io
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
PO = ROOT / "gallery/translations/de/LC_MESSAGES/messages.po"
MO = ROOT / "gallery/translations/de/LC_MESSAGES/messages.mo"
DU_PO = ROOT / "gallery/translations/de@du/LC_MESSAGES/du.po"
DU_MO = ROOT / "gallery/translations/de@du/LC_MESSAGES/du.mo"
# What a participant reads: their pages, and every error message (the API and socket too).
PARTICIPANT_METHODS = [
    ("templates/participant/**.html", "jinja2"),
    ("templates/base.html", "jinja2"),
    ("templates/error.html", "jinja2"),
    ("gallery/errors.py", "python"),
    ("gallery/web/participant.py", "python"),
]
DU_WORDS = re.compile(
    r"\b(du|dich|dir|dein|deine|deinen|deinem|deiner|deines|euch|euer|eure)\b", re.I
)
# The du imperatives these sentences use, where a sentence or "bitte" starts them.
DU_IMPERATIVES = re.compile(
    r"(^|[.!?:–] |bitte )(schreib|gib|wähl|wähle|scanne|lies|geh|mach|versuch|versuche|lade|leg|"
    r"lege|halte|setz|schick|blende|korrigiere|schließe|tippe|warte|antworte|prüf|hinterlass)\b",
    re.I,
)
SIE_WORDS = re.compile(r"\b(Sie|Ihr|Ihre|Ihren|Ihrem|Ihrer|Ihres|Ihnen)\b")
# The settings that name the two forms: "du (informal)" is the name of an option.
NAMES_OF_THE_FORMS = {"du (informal)"}
METHODS = [("gallery/**.py", "python"), ("templates/**.html", "jinja2")]
KEYWORDS = {"_": None, "gettext": None, "lazy_gettext": None, "ngettext": (1, 2)}


def source_messages(methods=METHODS) -> set[str]:
    found = set()
    for *_, message, _comments, _context in extract_from_dir(str(ROOT), methods, keywords=KEYWORDS):
        found.add(message if isinstance(message, str) else message[0])
    return found


def _key(value):
    """A message's id or translation; plurals are (singular, plural) / (form, form, ...)."""
    return value if isinstance(value, str) else tuple(value)


def test_every_message_is_translated_to_german():
    catalog = read_po(PO.open("rb"))
    translated = {
        _key(m.id)[0] if m.pluralizable else m.id
        for m in catalog
        if m.id and (all(m.string) if m.pluralizable else m.string)
    }
    missing = source_messages() - translated
    assert not missing, f"add German translations to {PO.name}: {sorted(missing)}"


def test_compiled_catalog_matches_po():
    po = {_key(m.id): _key(m.string) for m in read_po(PO.open("rb")) if m.id}
    mo = {_key(m.id): _key(m.string) for m in read_mo(io.BytesIO(MO.read_bytes())) if m.id}
    assert po == mo, "run: pybabel compile -d gallery/translations"


def test_compiled_du_catalog_matches_po():
    po = {_key(m.id): _key(m.string) for m in read_po(DU_PO.open("rb")) if m.id}
    mo = {_key(m.id): _key(m.string) for m in read_mo(io.BytesIO(DU_MO.read_bytes())) if m.id}
    assert po == mo, "run: pybabel compile -d gallery/translations -D du"


def _german(path: Path) -> dict[str, tuple[str, ...]]:
    """msgid (the singular for plurals) -> its German forms."""
    found = {}
    for m in read_po(path.open("rb")):
        if m.id:
            key = _key(m.id)[0] if m.pluralizable else m.id
            found[key] = (m.string,) if isinstance(m.string, str) else tuple(m.string)
    return found


def test_the_sie_catalog_never_says_du():
    for msgid, forms in _german(PO).items():
        if msgid in NAMES_OF_THE_FORMS:
            continue
        for text in forms:
            assert not DU_WORDS.search(text), f"du in the Sie catalog: {text!r}"
            assert not DU_IMPERATIVES.search(text), f"a du imperative in the Sie catalog: {text!r}"


def test_the_du_catalog_never_says_sie_and_only_overrides_known_sentences():
    sie = _german(PO)
    for msgid, forms in _german(DU_PO).items():
        assert msgid in sie, f"{DU_PO.name} translates {msgid!r}, which messages.po does not know"
        for text in forms:
            assert not SIE_WORDS.search(text), f"Sie in the du catalog: {text!r}"
            assert forms != sie[msgid], f"{msgid!r} reads the same in both: leave it out of du.po"


def test_every_sentence_a_participant_reads_exists_in_both_forms():
    sie, du = _german(PO), _german(DU_PO)
    for msgid in source_messages(PARTICIPANT_METHODS):
        if any(SIE_WORDS.search(text) for text in sie[msgid]):
            assert msgid in du, f"add the du form of {msgid!r} to {DU_PO.name}"


@pytest.mark.parametrize(("address", "expected"), [("sie", "Ihre Notiz"), ("du", "Deine Notiz")])
def test_a_workshop_speaks_in_its_form_of_address(app, client, address, expected):
    from gallery.store.models import Station, Workshop

    with app.app_context():
        workshop, _ = Workshop.create_with_key("Anrede", "de")
        workshop.address = address
        workshop.save()
        token = Station.create(workshop=workshop, title="Eins", prompt="", position=0).token
    html = client.get(f"/s/{token}").get_data(True)
    assert expected in html and '<html lang="de">' in html
    other = "Deine Notiz" if address == "sie" else "Ihre Notiz"
    assert other not in html


@pytest.mark.parametrize(
    ("msgid", "german"),
    # "verbinde neu" read as a fragment (who reconnects?); "persönlich" is not "informal", and
    # the two forms are named as a pair
    [
        ("Connection lost – reconnecting…", "Verbindung unterbrochen – wird wiederhergestellt …"),
        ("du (informal)", "du (informell)"),
        ("Sie (formal)", "Sie (formell)"),
    ],
)
def test_the_reviewed_sentences_read_as_reviewed(msgid, german):
    assert _german(PO)[msgid] == (german,)
    assert msgid not in _german(DU_PO)  # neither changes with the form of address

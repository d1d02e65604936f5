"""Every interface sentence has a German translation, and the compiled catalog is current."""

import io
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
PO = ROOT / "gallery/translations/de/LC_MESSAGES/messages.po"
MO = ROOT / "gallery/translations/de/LC_MESSAGES/messages.mo"
METHODS = [("gallery/**.py", "python"), ("templates/**.html", "jinja2")]
KEYWORDS = {"_": None, "gettext": None, "lazy_gettext": None, "ngettext": (1, 2)}


def source_messages() -> set[str]:
    found = set()
    for *_, message, _comments, _context in extract_from_dir(str(ROOT), METHODS, keywords=KEYWORDS):
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

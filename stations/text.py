"""Words of a sticky note: tokens, stop words, stems, compound parts, language.

German and English only. Pure Python plus `snowballstemmer`; the clustering engine uses it
for its keyword view and for cluster labels, where the most frequent *surface* form of a
stem is shown, so German nouns keep their capital letter.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Literal

import snowballstemmer

Lang = Literal["de", "en"]
LANGS: tuple[Lang, ...] = ("de", "en")

# Snowball's German list plus words that carry no topic on a workshop wall
# ("bitte", "mehr", "sollte", ...), prepositions and abbreviations ("per", "via", "bzw",
# "ggf.") that once made a label read "Rufbus · per · App". Kept lowercase; umlaut and ß
# spellings both listed.
_GERMAN_STOP_WORDS = """
    aber alle allem allen aller alles als also am an ander andere anderem anderen anderer
    anderes anderm andern anders auch auf aus bei beim bin bis bist bitte bzw da dabei dadurch
    dafür dagegen daher damit danach dann daran darauf darf darin darum darüber das dass daß
    davon dazu dein deine deinem deinen deiner deines dem den denn der deren des dessen deshalb
    dich die dies diese diesem diesen dieser dieses dir doch dort du durch eben ein eine einem
    einen einer eines einfach einig einige einigem einigen einiger einiges einmal er es etc etwa
    etwas euch euer eure eurem euren eurer eures für fuer gab gar gegen geht gehen gemacht gern
    gerne gewesen gibt gut hab habe haben hast hat hatte hätte hatten hätten her heute hier hin
    hinter ich ihm ihn ihnen ihr ihre ihrem ihren ihrer ihres im immer in indem ins irgendwie ist
    ja je jede jedem jeden jeder jedes jemand jene jenem jenen jener jenes jetzt kann kannst kein
    keine keinem keinen keiner keines könnt könnte könnten können machen macht mag mal man manche
    manchem manchen mancher manches mehr mein meine meinem meinen meiner meines mich mir mit möchte
    möchten muss muß müssen musste nach nein nicht nichts noch nun nur ob oder ohne pro schon sehr
    sein seine seinem seinen seiner seines seit selbst sich sie sind so sogar solche solchem
    solchen solcher solches soll sollen sollte sollten sondern sonst sowie statt über ueber um und
    uns unser unsere unserem unseren unserer unseres unter usw viel viele vielen vom von vor wann
    war wäre waren warst warum was weg weil weiter weitere welche welchem welchen welcher welches
    wenn wer werde werden werdet weshalb wie wieder will wir wird wirst wo wofür wollen wollte
    würde würden z zb zu zum zur zwar zwischen
    ans aufs durchs fürs hinters ins übers ums unters vors
    hallo hey hi okay ok danke
    ab außer ausser bezüglich dank entlang gegenüber gemäß innerhalb außerhalb ausserhalb
    laut mittels neben per samt seitens trotz via während waehrend wegen zwecks
    bspw ca dh evtl ggf inkl sog ua uvm vgl vs zb zzgl
    bereits eher ebenso falls ganz halt obwohl sodass sowohl weder vielleicht wirklich oft
"""
GERMAN_STOP_WORDS = frozenset(_GERMAN_STOP_WORDS.split())

# Snowball's English list plus common chat words. Deliberately not scikit-learn's list,
# which drops topic words such as "bill", "card"-adjacent "system", "call" or "fire".
_ENGLISH_STOP_WORDS = """
    a about above after again against all also am an and any are aren't as at be because been
    before being below between both but by can can't cannot could couldn't did didn't do does
    doesn't doing don't down during each etc even ever every few for from further get gets
    getting got had hadn't has hasn't have haven't having he he'd he'll he's her here here's hers
    herself him himself his how how's however i i'd i'll i'm i've if in into is isn't it it's its
    itself just let's like may me might more most much must mustn't my myself need needs no nor
    not now of off on once only or other ought our ours ourselves out over own please really
    same shall shan't she she'd she'll she's should shouldn't so some still such than that that's
    the their theirs them themselves then there there's these they they'd they'll they're they've
    this those through to too under until up us very via was wasn't we we'd we'll we're we've
    were weren't what what's when when's where where's whether which while who who's whom why
    why's will with won't would wouldn't yes yet you you'd you'll you're you've your yours
    yourself yourselves
    hi hello hey thanks thank ok okay think want wanted know tell
    across along among amongst around beside besides beyond despite e.g eg i.e ie incl
    onto per pro re toward towards upon versus vs within without
"""
ENGLISH_STOP_WORDS = frozenset(_ENGLISH_STOP_WORDS.split())

STOP_WORDS: dict[Lang, frozenset[str]] = {"de": GERMAN_STOP_WORDS, "en": ENGLISH_STOP_WORDS}

# A word: letters/digits joined by inner hyphens or apostrophes ("E-Bike-Verleih", "don't").
_WORD = re.compile(r"[^\W_]+(?:['\-][^\W_]+)*")
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "´": "'", "`": "'"})
_DASHES = re.compile(r"[‐‑‒–—]")
# German linking elements ("Fugen") tried when splitting a compound.
_LINKS = ("", "s", "n", "en", "es", "er", "e")
_MIN_PART = 4


def normalize(text: str) -> str:
    """NFC, uniform apostrophes and hyphens: the same word always looks the same."""
    text = unicodedata.normalize("NFC", text).translate(_APOSTROPHES)
    return _DASHES.sub("-", text)


def tokens(text: str) -> list[str]:
    """All word tokens in their written form (emoji and punctuation are not words)."""
    return _WORD.findall(normalize(text))


def is_content_word(token: str, lang: Lang) -> bool:
    """A word worth clustering or labelling on: not a stop word, not a bare number."""
    low = token.lower()
    if low in STOP_WORDS[lang] or low.isdigit():
        return False
    return len(low) > 1 or not low.isascii()


def content_words(text: str, lang: Lang) -> list[str]:
    """Content words of `text` in their written form, in order."""
    return [word for word, _ in analyze(text, lang)]


@lru_cache(maxsize=50_000)
def analyze(text: str, lang: Lang) -> tuple[tuple[str, str], ...]:
    """(written form, stem) of each content word. Cached: a wall is re-clustered often
    and its notes do not change."""
    return tuple((t, stem(t, lang)) for t in tokens(text) if is_content_word(t, lang))


@lru_cache(maxsize=50_000)
def char_ngram_counts(text: str, low: int = 3, high: int = 5) -> tuple[tuple[str, int], ...]:
    """(n-gram, count) for the character n-grams within space-padded lowercase words
    (scikit-learn's "char_wb"), cached per text for the same reason as `analyze`."""
    grams: Counter[str] = Counter()
    for word in normalize(text).lower().split():
        grams.update(word_ngrams(word, low, high))
    return tuple(grams.items())


@lru_cache(maxsize=100_000)
def word_ngrams(word: str, low: int = 3, high: int = 5) -> tuple[str, ...]:
    """The character n-grams of one space-padded word, cached: a wall repeats its words,
    and counting grams per word rather than per note halved the time for 5,000 notes."""
    padded = f" {word} "
    grams: list[str] = []
    for n in range(low, high + 1):
        if len(padded) <= n:  # a short word is one gram, once
            grams.append(padded)
            break
        grams.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
    return tuple(grams)


_local = threading.local()


def _stemmer(lang: Lang) -> snowballstemmer.stemmer:
    # Snowball stemmers keep the word being stemmed in the object: one per thread.
    stemmers = _local.__dict__.setdefault("stemmers", {})
    if lang not in stemmers:
        stemmers[lang] = snowballstemmer.stemmer("german" if lang == "de" else "english")
    return stemmers[lang]


@lru_cache(maxsize=100_000)
def _stem_lower(word: str, lang: Lang) -> str:
    return _stemmer(lang).stemWord(word)


def stem(word: str, lang: Lang) -> str:
    """Snowball stem of one word; German umlauts and ß fold (Förderung -> forder).
    Cached: the stemmer is pure Python and walls repeat their words."""
    return _stem_lower(word.lower(), lang)


def detect_language(texts: Iterable[str], default: Lang = "de") -> Lang:
    """Guess German or English from stop-word hits and German letters; ties give `default`."""
    score = 0
    for text in texts:
        for token in tokens(text):
            low = token.lower()
            score += (low in GERMAN_STOP_WORDS) - (low in ENGLISH_STOP_WORDS)
            score += 2 * any(ch in "äöüß" for ch in low)
    if score == 0:
        return default
    return "de" if score > 0 else "en"


def resolve_language(lang: str, texts: Sequence[str]) -> Lang:
    """Map "de" / "en" / "auto" (or any other value, treated as auto) to a language."""
    if lang in LANGS:
        return lang  # type: ignore[return-value]
    return detect_language(texts)


def compound_parts(word: str, vocabulary: frozenset[str] | set[str]) -> list[str]:
    """Parts of a compound that the wall itself uses as words, e.g. "Energieverbrauch" ->
    ["energie", "verbrauch"] when "energie" and "verbrauch" occur elsewhere on the wall.

    Hyphenated words always split. Unhyphenated ones split at the first point where both
    sides (allowing a German linking element such as "s" or "en") are known words of at
    least four letters; splitting by the wall's own vocabulary needs no dictionary.
    """
    low = word.lower()
    if "-" in low:
        return [p for p in low.split("-") if p]
    for cut in range(_MIN_PART, len(low) - _MIN_PART + 1):
        head, tail = low[:cut], low[cut:]
        if tail not in vocabulary:
            continue
        for link in _LINKS:
            if head.endswith(link) and head[: len(head) - len(link)] in vocabulary:
                return [head[: len(head) - len(link)], tail]
    return []


def keyword_stems(text: str, lang: Lang, vocabulary: frozenset[str] | set[str]) -> list[str]:
    """Stems of a note's content words plus the stems of their compound parts."""
    out: list[str] = []
    for word, word_stem in analyze(text, lang):
        out.append(word_stem)
        out.extend(
            stem(part, lang)
            for part in compound_parts(word, vocabulary)
            if part not in STOP_WORDS[lang] and len(part) > 1
        )
    return out


def wall_vocabulary(texts: Iterable[str], lang: Lang) -> frozenset[str]:
    """Lowercase content words of at least four letters: candidates for compound parts."""
    return frozenset(
        w.lower()
        for text in texts
        for w in content_words(text, lang)
        if len(w) >= _MIN_PART and "-" not in w
    )


def surface_forms(texts: Iterable[str], lang: Lang) -> dict[str, Counter[str]]:
    """For each stem, how often each written form occurs ("Vereine": 2, "vereine": 1)."""
    forms: dict[str, Counter[str]] = {}
    for text in texts:
        for word, word_stem in analyze(text, lang):
            forms.setdefault(word_stem, Counter())[word] += 1
    return forms


def clear_caches() -> None:
    """Forget every cached word analysis (benchmarks use it to measure a cold start)."""
    for cached in (analyze, char_ngram_counts, word_ngrams, _stem_lower):
        cached.cache_clear()

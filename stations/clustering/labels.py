"""Cluster labels of one to three nouns from the notes themselves (c-TF-IDF), written as
the notes write them ("Glasfaser", "Azubis & ÖPNV"), unique on the wall and steady while a
cluster keeps its topic."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Collection, Mapping, Sequence

from stations.text import Lang, content_words, resolve_language, stem, surface_forms, tokens

_MAX_LABEL_WORDS = 4  # three, and a fourth only to tell two labels apart
_CANDIDATES = 30  # a group's best words weighed for its label (a large group has hundreds)
_LABEL_SPLIT = re.compile(r"\s*(?:,|&|·)\s*")
# Words that may help group notes but name no topic in a label: adverbs and fillers seen
# on workshop walls ("Leerrohre · Baustelle · gleich", "Netz · Hauptsache · Tal"), and
# counts and units ("Straße · 3x · aufgerissen", "Wartemarke · Handy · 2h").
# Dialect and chat forms and the commonest verbs name no topic either ("Braucht · nen ·
# Admin", "5G · aufm · Land" were seen); capitalisation alone catches most German verbs.
# Nouns that only fill a phrase name no topic ("an einer Stelle", "auf einer Seite" gave
# "Dorffest & Stelle", "Kreis & Seite").
_GERMAN_LABEL_NOISE = """
    gleich erstmal ständig überall endlich eigentlich nochmal sowieso trotzdem bisschen
    überhaupt genau besser öfter teilweise komplett total hauptsache bald wenigstens
    zumindest leider
    nen ne aufm aufn inner fei koa ned net nich nix scho ois hoid gscheid gscheit bissl
    dat wat kriegt kriegen braucht brauchen fehlt fehlen fehlende stell stellt stellen
    schalte mach macht gebt gibts geht's wär wäre sollte müsste könnte bräuchte
    kommt läuft klappt passt reicht hilft nervt dauert kostet stimmt bringt zählt wirkt
    lohnt zeigt sucht findet fehlten fordern wünsche wünschen erzähl erzähle zeig
    stelle seite art weise sache sachen ding dinge mal teil fall beispiel stück leute
"""
_ENGLISH_LABEL_NOISE = """
    always already anyway basically better maybe often soon
    add added adding another any come comes coming configure did do does done go goes going
    got keep let make makes making new set sets show use used using way ways work works
    able can't didn't doesn't isn't won't wrong right still back
"""
_LABEL_NOISE: dict[Lang, frozenset[str]] = {
    "de": frozenset(_GERMAN_LABEL_NOISE.split()),
    "en": frozenset(_ENGLISH_LABEL_NOISE.split()),
}
_COUNT_OR_UNIT = re.compile(r"\d+(?:x|×|h|min|km|m|s|std)")  # "3x", "2h"; not "5G", "B169"


def _label_worthy(word: str, lang: Lang) -> bool:
    return word.casefold() not in _LABEL_NOISE[lang] and not _COUNT_OR_UNIT.fullmatch(word)


# German nouns are capitalised; a note's first word is too, whatever it is, so a word seen
# capitalised only there counts as a noun unless it reads as an adjective ("Digitale",
# "Intelligente", "Gemeinsam") or is written in lower case elsewhere on the wall.
_CODE = re.compile(r"(?=.*\d)|[A-ZÄÖÜ]{2,}")  # "5G", "B169", "WLAN", "FTTH", "E-Akte"
_ADJECTIVE = re.compile(
    r".{2,}(ig|lich|isch|bar|sam|los|haft|ell|iv|al|ent|ant|end)(e|en|er|es|em)?"
)


# A place names where, not what: a word written straight after "in", "aus", "zwischen" … (or
# after "und" following such a place) and never after an article is a village or town on a
# county's wall ("Turnhalle in Eschenhain", "zwischen Mühlgrund und Eschenhain"), and labels
# named "Ladesäule & Eschenhain" or "WLAN & Hohenwiese" where the notes were about Ladesäulen
# and WLAN in several villages. "in Schulen" is no place: "die Schule" is written elsewhere.
_PLACE_BEFORE = frozenset({"in", "aus", "nach", "zwischen", "bei", "richtung"})
_GERMAN_ARTICLES = """
    der die das den dem des ein eine einen einem einer eines jede jeder jedes jedem jeden
    unser unsere unseren unserem unserer kein keine keinen keinem
"""
_ARTICLES = frozenset(_GERMAN_ARTICLES.split())


class Nouns:
    """Which words of a wall read as nouns (or names and codes) in a label, and which of
    them name places."""

    def __init__(self, texts: Sequence[str], lang: Lang, places: Collection[str] = ()) -> None:
        self.lang = lang
        self.inside: set[str] = set()  # written capitalised after a note's first word
        self.lower: set[str] = set()  # written in lower case somewhere
        after_place: set[str] = set()  # stems written where a place goes
        after_article: set[str] = set()  # stems written as a common noun
        for text in texts:
            words = tokens(text)
            for i, word in enumerate(words):
                if word[:1].islower():
                    self.lower.add(word.casefold())
                elif i > 0:
                    self.inside.add(word)
                before = words[i - 1].casefold() if i else ""
                key = stem(word, lang)
                if before in _ARTICLES:
                    after_article.add(key)
                elif before in _PLACE_BEFORE or (
                    before == "und" and i > 1 and stem(words[i - 2], lang) in after_place
                ):
                    after_place.add(key)
        # `places`: stems the workshop's other stations write where a place goes (places_in):
        # "Radweg Eschenhain - Obermühlbach" names its village nowhere else on its station
        self.places = (after_place | set(places)) - after_article if lang == "de" else set()

    def place(self, word: str) -> bool:
        return stem(word, self.lang) in self.places

    def __contains__(self, word: str) -> bool:
        if not _label_worthy(word, self.lang):
            return False
        if _CODE.match(word) or "-" in word[1:]:
            return True
        if self.lang != "de":
            return not word.endswith("ly")
        if word in self.inside:
            return True
        return (
            word[:1].isupper()
            and word.casefold() not in self.lower
            and not _ADJECTIVE.fullmatch(word.casefold())
        )


def _display_word(stem_: str, forms: Mapping[str, Counter[str]]) -> str:
    """The most frequent written form of a stem; ties go to the capitalised one (German
    nouns), then alphabetical, so the choice is deterministic."""
    counts = forms[stem_]
    return min(counts, key=lambda w: (-counts[w], not w[:1].isupper(), w))


def _ranked_terms(cluster_stems: Sequence[Sequence[str]]) -> list[list[tuple[str, float]]]:
    """c-TF-IDF: each cluster's notes form one document; weight tf * log(1 + A / f) with A
    the mean document length and f the term's count over the wall (as in BERTopic)."""
    tfs = [Counter(stems) for stems in cluster_stems]
    wall: Counter[str] = Counter()
    for tf in tfs:
        wall.update(tf)
    average = max(sum(wall.values()) / max(len(tfs), 1), 1.0)
    ranked = []
    for tf in tfs:
        first = {t: i for i, t in enumerate(tf)}  # Counter keeps first-seen order
        scores = [(t, c * math.log(1 + average / wall[t])) for t, c in tf.items()]
        ranked.append(sorted(scores, key=lambda ts: (-ts[1], -tf[ts[0]], first[ts[0]])))
    return ranked


def _reading_words(texts: Sequence[str], lang: Lang, skip: set[str]) -> list[str]:
    """Content words in reading order, each once; the note's own tokens for emoji notes."""
    words: list[str] = []
    seen: set[str] = set()
    for text in texts:
        for word in content_words(text, lang):
            key = stem(word, lang)
            if key not in skip and key not in seen and _label_worthy(word, lang):
                seen.add(key)
                words.append(word)
    fallback = [w for t in texts for w in (tokens(t) or t.split())][:_MAX_LABEL_WORDS]
    return words or fallback or ["…"]  # emoji are their own words; blank notes get "…"


def _label_words(
    texts: Sequence[str],
    ranked: Sequence[tuple[str, float]],
    lang: Lang,
    skip: set[str],
    nouns: Nouns,
) -> tuple[list[str], int]:
    """Candidate words for one cluster, best first, and how many to show by default."""
    note_counts = Counter(s for t in texts for s in {stem(w, lang) for w in content_words(t, lang)})
    if len(texts) > 1 and ranked and note_counts[ranked[0][0]] > 1:
        forms = surface_forms(texts, lang)
        best = ranked[:_CANDIDATES]
        scored = _distinct(
            [(d, w) for t, w in best if _label_worthy(d := _display_word(t, forms), lang)]
            or [(_display_word(t, forms), w) for t, w in best]
        )
        named = [(d, w) for d, w in scored if d in nouns]
        if named:  # a label names its topic with nouns; other words only when none is left
            scored = [x for x in named if not nouns.place(x[0])] or named
        words = _phrases([d for d, _ in scored], texts)
        shared = [note_counts[stem(w.split()[0], lang)] for w in words[:3]]
        if shared[0] < 0.6 * len(texts):  # no word says it for most notes: two together
            return words, min(2, len(words))
        # the word most notes share, and the next two as far as they are shared like it
        # (in two notes at least and half as many): a word of one note is not the group's
        count = 1
        while count < len(shared) and shared[count] >= max(2, shared[0] / 2):
            count += 1
        return words, count
    # A single note, or notes that share no word: their own words in reading order, nouns
    # first.
    words, count = _nouns_first(_reading_words(texts, lang, skip), nouns)
    return _phrases(words, texts), count


def _phrases(words: list[str], texts: Sequence[str]) -> list[str]:
    """The two best words as the phrase they form when the notes write them together
    ("Smart Farming", not "Smart & Farming")."""
    if len(words) < 2:
        return words
    pair = f"{words[0]} {words[1]}"
    flipped = f"{words[1]} {words[0]}"
    both = [t for t in texts if words[0] in t and words[1] in t]
    for phrase in (pair, flipped):
        together = sum(phrase in t for t in both)
        if together and together * 2 >= len(both):  # one note alone may coin it
            return [phrase, *words[2:]]
    return words


def _nouns_first(words: list[str], nouns: Nouns) -> tuple[list[str], int]:
    """Words in reading order with the nouns first; show up to two nouns, or two words when
    there is none."""
    named = [w for w in words if w in nouns]
    rest = [w for w in words if w not in nouns]
    named = [w for w in named if not nouns.place(w)] + [w for w in named if nouns.place(w)]
    return named + rest, min(2, len(named) or len(rest))


def _distinct(scored: Sequence[tuple[str, float]]) -> list[tuple[str, float]]:
    """Drop words that say again what a better one says: a shared hyphenated part
    ("Sensoren" after "Bodenfeuchte-Sensoren") or another form of it ("Bus" after "Busse")."""
    kept: list[tuple[str, float]] = []
    seen: set[str] = set()
    for word, weight in scored:
        low = word.casefold()
        parts = {low, *low.split("-")} - {""}
        again = any(
            min(len(low), len(k)) >= 3 and (low.startswith(k) or k.startswith(low))
            for k in (w.casefold() for w, _ in kept)
        )
        if not parts & seen and not again:
            kept.append((word, weight))
            seen |= parts
    return kept


def _compose(words: Sequence[str], count: int) -> str:
    """ "A", "A & B", "A, B & C": as a person would write a topic (casing as in the notes)."""
    shown = list(words[: max(count, 1)])
    if len(shown) == 1:
        return shown[0]
    return f"{', '.join(shown[:-1])} & {shown[-1]}"


def _unique_labels(
    candidates: Sequence[tuple[list[str], int]], fixed: Sequence[str | None]
) -> list[str]:
    """One label per cluster: fixed ones as given, others lengthened with their next words
    (up to four) until no two clusters share a label; a numeral breaks any remaining tie."""
    taken = {f.casefold() for f in fixed if f}
    labels: list[str] = []
    for (words, count), keep in zip(candidates, fixed, strict=True):
        if keep is not None:  # "" too: a single idea the facilitator set apart
            labels.append(keep)
            continue
        label = _compose(words, count)
        while label.casefold() in taken and count < min(len(words), _MAX_LABEL_WORDS):
            count += 1
            label = _compose(words, count)
        base, n = label, 2
        while label.casefold() in taken:
            label, n = f"{base} ({n})", n + 1
        taken.add(label.casefold())
        labels.append(label)
    return labels


def places_in(texts: Sequence[str], lang: str) -> frozenset[str]:
    """The stems of the words `texts` write where a place goes and never after an article:
    the villages a workshop's notes name, which name no topic in a label (`Nouns`)."""
    language = resolve_language(lang, texts)
    return frozenset(Nouns(texts, language).places)


def _label_candidates(
    members: Sequence[Sequence[str]], lang: Lang, prompt: str, places: Collection[str] = ()
) -> list[tuple[list[str], int]]:
    """Per cluster (texts), its candidate label words best first and how many to show.
    Words of the station's prompt are left out: every note answers it, so they name no
    topic. c-TF-IDF is wall-wide, so every cluster takes part, labelled or not. `places`:
    `places_in` the workshop's other notes."""
    skip = {stem(w, lang) for w in content_words(prompt, lang)}
    cluster_stems = [
        [
            s
            for t in texts
            for w in content_words(t, lang)
            if (s := stem(w, lang)) not in skip and _label_worthy(w, lang)
        ]
        for texts in members
    ]
    nouns = Nouns([t for texts in members for t in texts], lang, places)
    return [
        _label_words(texts, terms, lang, skip, nouns)
        for texts, terms in zip(members, _ranked_terms(cluster_stems), strict=True)
    ]


def _still_fits(label: str, candidates: tuple[list[str], int], lang: Lang) -> bool:
    """An automatic label still names its cluster while the word it leads with is among
    the cluster's best few words: it does not flicker when a note joins, yet a label picked
    from a cluster's first notes gives way once other notes dominate the cluster."""
    words, _ = candidates
    said = _LABEL_SPLIT.split(label)
    best = {stem(w, lang) for w in words[: len(said) + 2]}
    return stem(said[0], lang) in best


def label_clusters(
    members: Sequence[Sequence[str]],
    lang: Lang,
    prompt: str = "",
    fixed: Sequence[str | None] | None = None,
    places: Collection[str] = (),
) -> list[str]:
    """Labels of 1-3 words taken from the notes (texts per cluster), unique on the wall.

    `fixed[i]`, a kept or facilitator-given label, is used as is and reserved. `places`:
    `places_in` the workshop's other notes.
    """
    fixed = list(fixed) if fixed is not None else [None] * len(members)
    return _unique_labels(_label_candidates(members, lang, prompt, places), fixed)


def _single_label(text: str, lang: Lang, taken: Sequence[str]) -> str:
    candidates = [
        *[([t], 1) for t in taken],
        _nouns_first(_reading_words([text], lang, set()), Nouns([text], lang)),
    ]
    return _unique_labels(candidates, [*taken, None])[-1]

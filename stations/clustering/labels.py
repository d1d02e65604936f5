"""Cluster labels of 2-4 words from the notes themselves (c-TF-IDF), unique on the wall and
steady while a cluster keeps its topic."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence

from stations.text import Lang, content_words, stem, surface_forms, tokens

_LABEL_JOIN = " · "
_MAX_LABEL_WORDS = 4
_NOUN_BONUS = 1.5
# Words that may help group notes but name no topic in a label: adverbs and fillers seen
# on workshop walls ("Leerrohre · Baustelle · gleich", "Netz · Hauptsache · Tal"), and
# counts and units ("Straße · 3x · aufgerissen", "Wartemarke · Handy · 2h").
_GERMAN_LABEL_NOISE = """
    gleich erstmal ständig überall endlich eigentlich nochmal sowieso trotzdem bisschen
    überhaupt genau besser öfter teilweise komplett total hauptsache bald wenigstens
    zumindest leider
"""
_ENGLISH_LABEL_NOISE = "always already anyway basically better maybe often soon"
_LABEL_NOISE: dict[Lang, frozenset[str]] = {
    "de": frozenset(_GERMAN_LABEL_NOISE.split()),
    "en": frozenset(_ENGLISH_LABEL_NOISE.split()),
}
_COUNT_OR_UNIT = re.compile(r"\d+(?:x|×|h|min|km|m|s|std)")  # "3x", "2h"; not "5G", "B169"


def _label_worthy(word: str, lang: Lang) -> bool:
    return word.casefold() not in _LABEL_NOISE[lang] and not _COUNT_OR_UNIT.fullmatch(word)


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
    texts: Sequence[str], ranked: Sequence[tuple[str, float]], lang: Lang, skip: set[str]
) -> tuple[list[str], int]:
    """Candidate words for one cluster, best first, and how many to show by default."""
    note_counts = Counter(s for t in texts for s in {stem(w, lang) for w in content_words(t, lang)})
    if len(texts) > 1 and ranked and note_counts[ranked[0][0]] > 1:
        forms = surface_forms(texts, lang)
        scored = [(_display_word(t, forms), w) for t, w in ranked]
        if lang == "de":  # capitalised words are nouns: they name a topic best
            scored = sorted(
                ((d, w * (_NOUN_BONUS if d[:1].isupper() else 1.0)) for d, w in scored),
                key=lambda dw: -dw[1],
            )
        scored = _distinct(scored)
        three = len(scored) >= 3 and scored[2][1] >= 0.8 * scored[1][1]
        return [d for d, _ in scored], 3 if three else 2
    # A single note, or notes that share no word: their own words in reading order.
    words = _reading_words(texts, lang, skip)
    return words, min(3, len(words))


def _distinct(scored: Sequence[tuple[str, float]]) -> list[tuple[str, float]]:
    """Drop words that share a hyphenated part with a better one ("Sensoren" after
    "Bodenfeuchte-Sensoren"): a label should not say the same thing twice."""
    kept: list[tuple[str, float]] = []
    seen: set[str] = set()
    for word, weight in scored:
        parts = {word.casefold(), *word.casefold().split("-")} - {""}
        if not parts & seen:
            kept.append((word, weight))
            seen |= parts
    return kept


def _compose(words: Sequence[str], count: int) -> str:
    label = _LABEL_JOIN.join(words[: max(count, 1)])
    return label[:1].upper() + label[1:]


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


def _label_candidates(
    members: Sequence[Sequence[str]], lang: Lang, prompt: str
) -> list[tuple[list[str], int]]:
    """Per cluster (texts), its candidate label words best first and how many to show.
    Words of the station's prompt are left out: every note answers it, so they name no
    topic. c-TF-IDF is wall-wide, so every cluster takes part, labelled or not."""
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
    return [
        _label_words(texts, terms, lang, skip)
        for texts, terms in zip(members, _ranked_terms(cluster_stems), strict=True)
    ]


def _still_fits(label: str, candidates: tuple[list[str], int], lang: Lang) -> bool:
    """An automatic label still names its cluster while the word it leads with is among
    the cluster's best few words: it does not flicker when a note joins, yet a label picked
    from a cluster's first notes gives way once other notes dominate the cluster."""
    words, _ = candidates
    said = label.split(_LABEL_JOIN)
    best = {stem(w, lang) for w in words[: len(said) + 2]}
    return stem(said[0], lang) in best


def label_clusters(
    members: Sequence[Sequence[str]],
    lang: Lang,
    prompt: str = "",
    fixed: Sequence[str | None] | None = None,
) -> list[str]:
    """Labels of 2-4 words taken from the notes (texts per cluster), unique on the wall.

    `fixed[i]`, a kept or facilitator-given label, is used as is and reserved.
    """
    fixed = list(fixed) if fixed is not None else [None] * len(members)
    return _unique_labels(_label_candidates(members, lang, prompt), fixed)


def _single_label(text: str, lang: Lang, taken: Sequence[str]) -> str:
    words = _reading_words([text], lang, set())
    candidates = [*[([t], 1) for t in taken], (words, min(3, len(words)))]
    return _unique_labels(candidates, [*taken, None])[-1]

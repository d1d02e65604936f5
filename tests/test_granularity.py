"""The facilitator's "coarser / finer" control (granularity -3..3): every step moves the
number of groups on the wall (clusters of two notes or more) the way its label says, or
leaves it; the default (0) is the engine's own cut."""

from __future__ import annotations

import json

import numpy as np
import pytest

from stations.clustering import EmbeddingCache, Note, cluster_notes, tree
from stations.clustering.model import TUNING

from .support import SHARED, need

STEPS = range(-3, 4)
WALLS = SHARED / "data" / "clustering"

# ten notes of the shared "Klima" wall on which the old control went backwards: groups
# 4, 4, 3, 1, 0, 0, 0 from -3 to 3 ("+" dissolved the only group, "-" made more)
SMALL_WALL = [
    "Rufbus per App bestellen",
    "Green IT bei Beschaffung beachten",
    "Sensoren für Waldbrandfrüherkennung",
    "Carsharing im ländlichen Raum",
    "Straßenlaternen nur bei Bewegung einschalten",
    "papierlose Verwaltung spart Ressourcen",
    "PV-Anlagen auf Gewerbedächern digital vermitteln",
    "Sitzungsunterlagen für Gemeinderäte auf Tablet",
    "Abwärme von Servern nutzen",
    "Bodenfeuchte-Sensoren für Bauern",
]


def groups(result) -> int:
    return sum(len(c.note_ids) > 1 for c in result.clusters)


def counts(notes, lang="de", prompt="", cache=None, **options) -> list[int]:
    cache = cache if cache is not None else EmbeddingCache()
    return [
        groups(cluster_notes(notes, lang, granularity=g, prompt=prompt, cache=cache, **options))
        for g in STEPS
    ]


def monotone(values) -> bool:
    return all(a <= b for a, b in zip(values, values[1:], strict=False))


def shared_walls() -> list[dict]:
    need(WALLS.is_dir(), f"{WALLS} not found")
    return [
        json.loads(line)
        for path in sorted(WALLS.glob("*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


def test_groups_are_monotone_over_the_whole_range_on_every_shared_wall() -> None:
    cache = EmbeddingCache()
    for wall in shared_walls():
        notes = [Note(i, n["text"]) for i, n in enumerate(wall["notes"])]
        found = counts(notes, wall["lang"], wall.get("prompt", ""), cache)
        assert monotone(found), (wall["id"], found)
        assert found[0] < found[-1], (wall["id"], found)  # the control does something


def test_finer_makes_groups_on_a_small_wall_instead_of_dissolving_the_only_one() -> None:
    klima = [w for w in shared_walls() if w["id"] == "workshop-de-klima"]
    need(bool(klima), "the shared Klima wall is missing")
    texts = {n["text"] for n in klima[0]["notes"]}
    need(set(SMALL_WALL) <= texts, "the shared Klima wall changed")
    notes = [Note(i, t) for i, t in enumerate(SMALL_WALL)]
    found = counts(notes)
    assert monotone(found), found
    assert found[3] >= 2  # the default pairs close notes up (tree._pair_singles)
    assert found[0] < found[3]  # "coarser" makes fewer, "finer" never fewer


def test_the_default_is_the_engine_s_own_cut() -> None:
    notes = [Note(i, t) for i, t in enumerate(SMALL_WALL)]
    assert cluster_notes(notes, "de", granularity=0.0) == cluster_notes(notes, "de")


def test_steps_are_group_counts_on_a_made_up_tree() -> None:
    # five pairs far apart and two lone notes: 5 groups by default
    rng = np.random.default_rng(3)
    points = np.repeat(np.arange(5)[:, None] * 10.0, 2, axis=0) + rng.random((10, 1))
    points = np.vstack([points, [[100.0], [200.0]]])
    dist = np.abs(points - points.T)
    found = []
    for g in STEPS:
        parts = tree._agglomerate(dist / dist.max(), 0.02, "average", g, TUNING)
        found.append(sum(len(p) > 1 for p in parts))
    assert found[3] == 5
    assert monotone(found), found
    assert found[0] >= 1 and found[2] < 5


def test_fractional_granularity_sits_between_the_steps() -> None:
    notes = [Note(i, t) for i, t in enumerate(SMALL_WALL)]
    cache = EmbeddingCache()
    at = {
        g: groups(cluster_notes(notes, "de", granularity=g, cache=cache))
        for g in (0.0, 0.5, 1.0, 1.5, 2.0)
    }
    assert monotone(list(at.values())), at


@pytest.mark.parametrize("g", [-3, 3])
def test_pins_and_moves_still_win_off_the_default(g) -> None:
    notes = [Note(i, t) for i, t in enumerate(SMALL_WALL)]
    first = cluster_notes(notes, "de").clusters
    moved = {notes[0].id: first[-1].id}
    result = cluster_notes(notes, "de", granularity=g, previous=first, moves=moved)
    assert result.cluster_of()[notes[0].id] == first[-1].id

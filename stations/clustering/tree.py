"""Average-linkage clustering and where to cut its tree, so the number of topics is never
given; stickiness keeps a grouping from flickering when one note arrives."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.optimize import linear_sum_assignment
from scipy.spatial.distance import squareform

from .model import GRANULARITY_RANGE, TUNING, Cluster, NoteId, Tuning


def _threshold(n: int, keyword_only: bool, tuning: Tuning, e5: bool = False) -> float:
    if keyword_only:
        return tuning.threshold_keyword_only
    if e5:
        return tuning.fused_threshold
    return tuning.threshold * n**tuning.threshold_exponent


def _cluster_count(default: int, n: int, granularity: float, tuning: Tuning) -> int:
    """How many clusters a granularity asks for, from the count of the default cut."""
    lo, hi = GRANULARITY_RANGE
    g = min(max(float(granularity), lo), hi)
    wanted = default * tuning.granularity_ratio**g
    step = math.ceil(abs(g))
    wanted = max(wanted, default + step) if g > 0 else min(wanted, default - step)
    return int(min(max(round(wanted), 1), n))


def _agglomerate(
    dist: np.ndarray,
    threshold: float,
    method: Literal["average", "ward"] = "average",
    granularity: float = 0.0,
    tuning: Tuning = TUNING,
) -> list[list[int]]:
    """Agglomerative groups of row indices, in order of their first member. The tree is
    cut at `threshold`; a non-zero granularity then asks for proportionally more or fewer
    clusters, so each step of the facilitator's control visibly changes the wall."""
    n = len(dist)
    if n == 0:
        return []
    if n == 1:
        return [[0]]
    condensed = squareform(dist, checks=False).astype(np.float64)
    if method == "ward":  # the fused distance is half a squared Euclidean one
        condensed = np.sqrt(2.0 * condensed)
    tree = linkage(condensed, method=method)
    labels = fcluster(tree, t=threshold, criterion="distance")
    if granularity:
        wanted = _cluster_count(int(labels.max()), n, granularity, tuning)
        labels = fcluster(tree, t=wanted, criterion="maxclust")
    groups: dict[int, list[int]] = {}
    for index, label in enumerate(labels):
        groups.setdefault(int(label), []).append(index)
    return sorted(groups.values(), key=lambda g: g[0])


def _sticky_distances(
    dist: np.ndarray, ids: Sequence[NoteId], previous: Sequence[Cluster], tuning: Tuning
) -> np.ndarray | None:
    """A copy of `dist` in which notes that shared a cluster before are pulled together,
    or None when no two of them did."""
    if not tuning.stickiness or not previous:
        return None
    before = {n: c.id for c in previous if len(c.note_ids) > 1 for n in c.note_ids}
    if not any(i in before for i in ids):
        return None
    keys = np.array([before.get(i, f"\0{k}") for k, i in enumerate(ids)], dtype=object)
    same = keys[:, None] == keys[None, :]
    sticky = dist.copy()
    sticky[same] *= 1.0 - tuning.stickiness
    return sticky


def _differing_notes(a: Sequence[Sequence[int]], b: Sequence[Sequence[int]], n: int) -> int:
    """How many of the n notes sit elsewhere in partition `b` than in `a`: n minus the
    notes the two share under the best one-to-one matching of their groups."""
    if not a or not b:
        return n
    labels_a, labels_b = np.empty(n, np.int64), np.empty(n, np.int64)
    for labels, groups in ((labels_a, a), (labels_b, b)):
        for g, members in enumerate(groups):
            labels[list(members)] = g
    table = np.zeros((len(a), len(b)))
    np.add.at(table, (labels_a, labels_b), 1.0)
    rows, cols = linear_sum_assignment(-table)
    return n - int(table[rows, cols].sum())

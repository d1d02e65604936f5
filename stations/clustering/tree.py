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
        cut = tuning.threshold_keyword_only
    elif e5:
        cut = tuning.fused_threshold
    else:
        cut = tuning.threshold * n**tuning.threshold_exponent
    return cut


def _reach(n: int, cut: float, tuning: Tuning) -> float:
    """How far a single note reaches for a partner on a wall of n notes (`_pair_singles`)."""
    small = tuning.small_wall_notes
    if not small or n >= 2 * small:
        return cut
    return cut * (1.0 + (tuning.small_wall_cut - 1.0) * min(1.0, (2 * small - n) / small))


def _pair_singles(
    groups: list[list[int]], dist: np.ndarray, cut: float, tuning: Tuning
) -> list[list[int]]:
    """On a small station, single notes that are each other's nearest single and close
    (within `small_wall_cut` of the cut) become a pair, and a single close to a group
    joins it: a facilitator sees pairs and triples there, not mostly single notes. The
    reach fades out by twice `small_wall_notes`, so the wall does not regroup as it grows."""
    n = len(dist)
    reach = _reach(n, cut, tuning)
    if reach <= cut:
        return groups
    singles = [g[0] for g in groups if len(g) == 1]
    if len(singles) < 2 and not tuning.small_wall_join:
        return groups
    taken: set[int] = set()
    out = [g for g in groups if len(g) > 1]
    for i in singles:
        if i in taken:
            continue
        others = [j for j in singles if j != i and j not in taken]
        if others:
            j = min(others, key=lambda k: dist[i, k])
            back = min((k for k in singles if k != j and k not in taken), key=lambda k: dist[j, k])
            if back == i and dist[i, j] <= reach:
                out.append([i, j])
                taken |= {i, j}
                continue
        if tuning.small_wall_join and out:
            best = min(out, key=lambda g: float(dist[i, g].mean()))
            if len(best) > 1 and float(dist[i, best].mean()) <= reach:
                best.append(i)
                taken.add(i)
                continue
        out.append([i])
        taken.add(i)
    return sorted((sorted(g) for g in out), key=lambda g: g[0])


def _group_counts(tree: np.ndarray, n: int) -> list[int]:
    """counts[k]: how many groups (clusters of two notes or more, the wall's topics) the cut
    of `tree` into k clusters has, for k = 1..n (counts[0] unused). Each merge of two single
    notes makes a group, of a single note and a group keeps the count, of two groups loses one."""
    counts = [0] * (n + 1)
    sizes = [1] * n + [int(row[3]) for row in tree]
    for m, (a, b, _h, _s) in enumerate(tree, start=1):
        sa, sb = sizes[int(a)], sizes[int(b)]
        counts[n - m] = counts[n - m + 1] + (1 if sa == sb == 1 else -1 if sa > 1 and sb > 1 else 0)
    return counts


def _step_cut(
    counts: Sequence[int], default_cut: int, default_groups: int, granularity: float,
    tuning: Tuning,
) -> int:  # fmt: skip
    """The number of clusters to cut the tree into for a granularity, stepping out from the
    default cut (`default_cut` clusters, `default_groups` groups). A step is a number of
    groups: each finer step asks for about `granularity_ratio` times as many groups (at least
    one more), each coarser one for as many fewer (at least one fewer, never none), so the
    groups on the wall never go the wrong way. A finer step takes the cut nearest the
    previous one with the wanted count (on a wall of mostly single notes, pairing them up);
    a coarser one only merges (the nearest coarser cut). A step that cannot move stays."""
    lo, hi = GRANULARITY_RANGE
    g = min(max(float(granularity), lo), hi)
    sign = 1 if g > 0 else -1
    cut, groups = default_cut, default_groups
    n = len(counts) - 1
    for step in range(1, math.ceil(abs(g)) + 1):
        wanted = default_groups * tuning.granularity_ratio ** (sign * min(step, abs(g)))
        if sign > 0:
            target = max(round(wanted), default_groups + step)
            options = [
                (abs(counts[k] - target), abs(k - cut), -k, k)
                for k in range(1, n + 1)
                if counts[k] > groups
            ]
        else:
            target = max(min(round(wanted), default_groups - step), 1)
            options = [
                (abs(counts[k] - target), cut - k, 0, k)
                for k in range(1, cut)
                if 1 <= counts[k] < groups
            ]
        if options:
            cut = min(options)[-1]
            groups = counts[cut]
    return cut


def _exact_cut(counts: Sequence[int], default_cut: int, groups: int) -> int:
    """The number of clusters to cut into so that exactly `groups` groups show (the
    facilitator's "Gruppen: N"), nearest the default cut; the nearest count when no cut
    has exactly that many."""
    n = len(counts) - 1
    return min(range(1, n + 1), key=lambda k: (abs(counts[k] - groups), abs(k - default_cut), k))


def _cut(tree: np.ndarray, n: int, clusters: int) -> np.ndarray:
    """Labels 1.. of the cut into `clusters` clusters: the tree's first n - clusters merges
    (ties in height broken as the tree lists them, unlike fcluster's maxclust)."""
    parent = list(range(2 * n - 1))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for m, (a, b, _h, _s) in enumerate(tree[: n - clusters]):
        parent[int(a)] = parent[int(b)] = n + m
    roots: dict[int, int] = {}
    return np.array([roots.setdefault(root(i), len(roots) + 1) for i in range(n)])


def _agglomerate(
    dist: np.ndarray,
    threshold: float,
    method: Literal["average", "ward"] = "average",
    granularity: float = 0.0,
    tuning: Tuning = TUNING,
    wanted: int | None = None,
) -> list[list[int]]:
    """Agglomerative groups of row indices, in order of their first member. The tree is
    cut at `threshold`; a non-zero granularity then asks for proportionally more or fewer
    groups (`_step_cut`), so each step of the facilitator's control visibly changes the
    wall, and the right way."""
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
    found = _groups_of(labels)
    if method == "average":
        found = _pair_singles(found, dist, threshold, tuning)
    if wanted is not None:
        counts = _group_counts(tree, n)
        cut = _exact_cut(counts, int(labels.max()), wanted)
        shown = sum(len(g) > 1 for g in found)
        # the default may show more groups than any cut of the tree (pairs): keep it when
        # no cut comes nearer, so "one more" never shows fewer
        if abs(counts[cut] - wanted) < abs(shown - wanted):
            found = _groups_of(_cut(tree, n, cut))
        found = _pair_up_to(found, dist, wanted)
    elif granularity:
        # steps count from the groups shown at 0 (pairs included), so they stay monotone
        shown = sum(len(g) > 1 for g in found)
        cut = _step_cut(_group_counts(tree, n), int(labels.max()), shown, granularity, tuning)
        if cut != labels.max():  # a step that cannot move keeps what 0 shows
            found = _groups_of(_cut(tree, n, cut))
    return found


def _pair_up_to(groups: list[list[int]], dist: np.ndarray, wanted: int) -> list[list[int]]:
    """More groups than any cut of the tree has, when the facilitator asks for them: the two
    closest single notes become a pair, again, until there are `wanted` groups (or no two
    single notes are left)."""
    shown = sum(len(g) > 1 for g in groups)
    singles = [g[0] for g in groups if len(g) == 1]
    if shown >= wanted or len(singles) < 2:
        return groups
    pairs: list[list[int]] = []
    near = dist[np.ix_(singles, singles)].astype(np.float64)
    np.fill_diagonal(near, np.inf)
    left = set(range(len(singles)))
    while shown + len(pairs) < wanted and len(left) >= 2:
        i, j = np.unravel_index(int(np.argmin(near)), near.shape)
        pairs.append([singles[i], singles[j]])
        left -= {int(i), int(j)}
        near[[i, j], :] = np.inf
        near[:, [i, j]] = np.inf
    kept = [g for g in groups if len(g) > 1] + [[singles[k]] for k in sorted(left)]
    return sorted((sorted(g) for g in kept + pairs), key=lambda g: g[0])


def _groups_of(labels: np.ndarray) -> list[list[int]]:
    """Row indices per cluster label, in order of their first member."""
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

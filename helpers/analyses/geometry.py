"""Class geometry of a layer: do the members of a group of classes (the dog breeds) cluster?

Each class is summarised by its centroid, the mean activation vector of its images
(:func:`class_centroids`); the distance between two classes is 1 minus the Pearson
correlation of their centroids (:func:`centroid_rdm`, :func:`helpers.analyses.rsa.rdm`).

The clustering index (:func:`clustering_index`) of a group of classes is

    mean distance between two members / mean distance from a member to a non-member

so 1 means the members are as far from each other as from everything else (what
cross-entropy's equally spaced one-hot targets ask of the last layer), below 1 that
they cluster. Its uncertainty:

- :func:`group_permutation_test`: is the group tighter than other groups of as many
  classes? Exact over every such group of classes (or a random sample of them);
- :func:`bootstrap_index`: interval from resampling the images within each class; the
  same resamples for several networks seen on the same images give paired intervals of
  their differences (:func:`compare_networks`);
- :func:`null_table`: many networks (several seeds each) judged by the permutation
  null alone: index, p and the random groups' median index, one row per network.

:func:`compare_networks` puts it together for several networks, with the agreement of
each centroid RDM with a reference RDM (e.g. :func:`helpers.organism.world.distance_matrix`,
the world's class hierarchy) by :func:`helpers.analyses.rsa.rsa_permutation_test`.

Shapes: activations (n_images, n_features), labels int (n_images,) in 0..n_classes-1.
NumPy only.
"""

from __future__ import annotations

from itertools import combinations
from math import comb
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from helpers.analyses.rsa import rdm, rsa_permutation_test
from helpers.stats.bootstrap import bootstrap_weights
from helpers.analyses.emergence import centred_interval
from helpers.stats.measure import check_finite, class_means

#: Above this many groups, :func:`group_permutation_test` samples groups at random.
EXACT_GROUPS = 20000


def class_centroids(A: np.ndarray, labels: np.ndarray, n_classes: int | None = None,
                    weights: np.ndarray | None = None) -> np.ndarray:
    """Mean activation vector of each class: float64 (n_classes, n_features).

    weights : optional (n_images,) resample counts (a bootstrap resample); a class with
    no image (weight) raises.
    """
    A = np.asarray(A, dtype=np.float64)
    check_finite(A.reshape(len(A), -1))
    return class_means(A.reshape(len(A), -1), labels, n_classes, weights)


def centroid_rdm(A: np.ndarray, labels: np.ndarray, n_classes: int | None = None,
                 weights: np.ndarray | None = None) -> np.ndarray:
    """1 - Pearson correlation between class centroids: float64 (n_classes, n_classes)."""
    return rdm(class_centroids(A, labels, n_classes, weights))


def _members(members: Sequence[int], n: int) -> np.ndarray:
    m = np.unique(np.asarray(members, dtype=np.int64))
    if len(m) < 2 or len(m) > n - 1 or m.min() < 0 or m.max() >= n:
        raise ValueError(f"A group needs at least 2 and at most {n - 1} of the {n} classes (indices "
                         f"0..{n - 1}); got {list(members)}.")
    return m


def clustering_index(D: np.ndarray, members: Sequence[int]) -> float:
    """Mean distance within the group / mean distance from the group to the other classes.

    D : (n, n) distances (an RDM); members : indices of the group's classes.
    1: no clustering; below 1: the members are closer to each other than to the rest.
    """
    D = np.asarray(D, dtype=np.float64)
    m = _members(members, len(D))
    rest = np.setdiff1d(np.arange(len(D)), m)
    iu = np.triu_indices(len(m), k=1)
    within = D[np.ix_(m, m)][iu].mean()
    between = D[np.ix_(m, rest)].mean()
    return float(within / between)


def group_indices(D: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """:func:`clustering_index` of many groups at once: groups int (n_groups, k) -> (n_groups,).

    Vectorised: a member's distances to the non-members are its row sum (diagonal left out)
    minus its distances to the other members.
    """
    D = np.asarray(D, dtype=np.float64)
    G = np.asarray(groups, dtype=np.int64)
    n, k = len(D), G.shape[1]
    off = D - np.diag(np.diag(D))
    iu = np.triu_indices(k, k=1)
    within = off[G[:, iu[0]], G[:, iu[1]]].sum(axis=1)  # each pair once
    between = off.sum(axis=1)[G].sum(axis=1) - 2 * within
    return (within / len(iu[0])) / (between / (k * (n - k)))


def group_null(D: np.ndarray, members: Sequence[int], max_groups: int = EXACT_GROUPS, seed: int = 0
               ) -> tuple[float, np.ndarray]:
    """The group's index and the indices of the groups it is compared with: (observed, values).

    values holds every group of ``len(members)`` classes (the observed one included) when
    there are at most ``max_groups``, else the observed one and ``max_groups`` random groups.
    """
    D = np.asarray(D, dtype=np.float64)
    m = _members(members, len(D))
    observed = clustering_index(D, m)
    n, k = len(D), len(m)
    if comb(n, k) <= max_groups:
        groups = np.array(list(combinations(range(n), k)), dtype=np.int64)
    else:
        rng = np.random.default_rng(seed)
        groups = np.vstack([m[None, :]] + [np.sort(rng.choice(n, k, replace=False))[None, :]
                                           for _ in range(int(max_groups))])
    return observed, group_indices(D, groups)


def group_permutation_test(D: np.ndarray, members: Sequence[int], max_groups: int = EXACT_GROUPS,
                           seed: int = 0) -> tuple[float, int]:
    """Is the group tighter than a group of as many classes picked at random?

    One-sided: p = fraction of all groups of ``len(members)`` classes (the observed one
    included) whose index is at most the observed one; exact when there are at most
    ``max_groups`` groups, else from ``max_groups`` random groups plus the observed one.
    Returns (p, number of groups compared).
    """
    observed, values = group_null(D, members, max_groups, seed)
    return float((values <= observed + 1e-12).mean()), int(len(values))


def null_table(acts: Mapping[str, np.ndarray], labels: np.ndarray, members: Sequence[int],
               max_groups: int = EXACT_GROUPS, seed: int = 0) -> pd.DataFrame:
    """The group's clustering index in each network, judged against random groups of classes.

    acts : network name -> (n_images, n_features) on the same images; labels : (n_images,)
    members : the group's class indices

    Returns one row per network: network, index, null_median (median index of the groups of
    as many classes, the observed one included), null_low (their 5th percentile: the index a
    group must beat to be among the tightest 5 %), perm_p, n_groups
    (:func:`group_permutation_test`).
    """
    labels = np.asarray(labels, dtype=np.int64)
    C = int(labels.max()) + 1
    rows = []
    for name, A in acts.items():
        observed, values = group_null(centroid_rdm(A, labels, C), members, max_groups, seed)
        rows.append({"network": name, "index": observed, "null_median": float(np.median(values)),
                     "null_low": float(np.percentile(values, 5)),
                     "perm_p": float((values <= observed + 1e-12).mean()), "n_groups": int(len(values))})
    return pd.DataFrame(rows)


def bootstrap_index(A: np.ndarray, labels: np.ndarray, members: Sequence[int], n_boot: int = 1000,
                    seed: int = 0, n_classes: int | None = None) -> np.ndarray:
    """The clustering index on ``n_boot`` resamples of the images (within each class): (n_boot,).

    The same ``labels`` and ``seed`` give the same resamples
    (:func:`helpers.stats.bootstrap.bootstrap_weights`), so two networks' replicates pair up.
    """
    A = np.asarray(A, dtype=np.float64)
    check_finite(A.reshape(len(A), -1))
    labels = np.asarray(labels, dtype=np.int64)
    C = int(labels.max()) + 1 if n_classes is None else int(n_classes)
    W = bootstrap_weights(labels, n_boot, seed).astype(np.float64)
    cent = np.empty((len(W), C, A.shape[1]))
    for c in range(C):  # resampled centroids, class by class: (n_boot, n_c) @ (n_c, F)
        idx = np.flatnonzero(labels == c)
        if len(idx) == 0:
            raise ValueError(f"Class {c} has no images.")
        cent[:, c] = (W[:, idx] @ A[idx]) / W[:, idx].sum(axis=1, keepdims=True)
    Z = cent - cent.mean(axis=2, keepdims=True)
    norm = np.sqrt((Z ** 2).sum(axis=2, keepdims=True))
    Z = Z / np.where(norm > 0, norm, np.nan)
    D = np.clip(1.0 - np.einsum("bcf,bdf->bcd", Z, Z), 0.0, 2.0)  # 1 - Pearson r, as helpers.analyses.rsa.rdm
    m = _members(members, C)
    rest = np.setdiff1d(np.arange(C), m)
    iu = np.triu_indices(len(m), k=1)
    within = D[:, m[:, None], m[None, :]][:, iu[0], iu[1]].mean(axis=1)
    between = D[:, m[:, None], rest[None, :]].reshape(len(W), -1).mean(axis=1)
    return within / between


def _interval(estimate: float, replicates: np.ndarray, confidence: float) -> tuple[float, float]:
    lo, hi = centred_interval(np.array([estimate]), np.asarray(replicates)[:, None], confidence, (-np.inf, np.inf))
    return float(lo[0]), float(hi[0])


def compare_networks(acts: Mapping[str, np.ndarray], labels: np.ndarray, members: Sequence[int],
                     reference: np.ndarray | None = None, n_boot: int = 1000, n_permutations: int = 1000,
                     seed: int = 0, confidence: float = 0.95, baseline: str | None = None
                     ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The group's clustering in several networks seen on the same images.

    acts : network name -> (n_images, n_features), e.g. each network's fc2 or logits
    labels : (n_images,); members : the group's class indices
    reference : optional (n_classes, n_classes) RDM to compare each centroid RDM with
    baseline : a network name; the second table gives every other network's index minus
        the baseline's, with a paired bootstrap interval (the same resamples of the images)

    Returns (table, differences). table: network, index, ci_low, ci_high (centred
    bootstrap interval), perm_p, n_groups (:func:`group_permutation_test`), and with a
    reference rsa_rho, rsa_p (:func:`helpers.analyses.rsa.rsa_permutation_test`).
    differences: network, baseline, difference, ci_low, ci_high, excludes_zero (empty
    without a baseline).
    """
    labels = np.asarray(labels, dtype=np.int64)
    C = int(labels.max()) + 1
    if baseline is not None and baseline not in acts:
        raise ValueError(f"baseline {baseline!r} is not one of the networks {list(acts)}.")
    rows, reps, est = [], {}, {}
    for name, A in acts.items():
        D = centroid_rdm(A, labels, C)
        est[name] = clustering_index(D, members)
        reps[name] = bootstrap_index(A, labels, members, n_boot, seed, C)
        lo, hi = _interval(est[name], reps[name], confidence)
        p, n_groups = group_permutation_test(D, members, seed=seed)
        row = {"network": name, "index": est[name], "ci_low": lo, "ci_high": hi, "perm_p": p, "n_groups": n_groups}
        if reference is not None:
            row["rsa_rho"], row["rsa_p"] = rsa_permutation_test(D, reference, n_permutations, seed)
        rows.append(row)
    diffs = []
    if baseline is not None:
        for name in acts:
            if name == baseline:
                continue
            d = est[name] - est[baseline]
            lo, hi = _interval(d, reps[name] - reps[baseline], confidence)
            diffs.append({"network": name, "baseline": baseline, "difference": d, "ci_low": lo, "ci_high": hi,
                          "excludes_zero": bool(lo > 0 or hi < 0)})
    return pd.DataFrame(rows), pd.DataFrame(diffs, columns=["network", "baseline", "difference", "ci_low",
                                                            "ci_high", "excludes_zero"])

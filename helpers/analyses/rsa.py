"""Representational similarity analysis (Kriegeskorte, Mur & Bandettini 2008), notebook 08.

- :func:`rdm`, :func:`upper_triangle`, :func:`spearman`, :func:`compare_rdms`: dissimilarity
  matrices and their rank agreement;
- :func:`rsa_permutation_test`: is the agreement more than chance?
- :func:`split_half_reliability`, :func:`noise_ceiling`: how high could it be?
- :func:`pooled_activations`: keeps a coarse spatial grid of each activation map, so that
  layers can be compared with pixel space, which has a layout (torch, imported lazily).

Shapes: X is (n_images, n_features); an RDM is (n_images, n_images). Plain NumPy.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from helpers.analyses.auc import rankdata
from helpers.stats.measure import check_finite


# --------------------------------------------------------------------------- RSA


def rdm(X: np.ndarray, chunk: int = 8192) -> np.ndarray:
    """Representational dissimilarity matrix: 1 - Pearson correlation between rows.

    X : array (n_items, n_features) of any real dtype, e.g. images x filters, or
        flattened uint8 pixels
    chunk : features converted to float64 at a time. The input is never copied whole,
        so 300 photographs of 224 x 224 x 3 pixels need about 20 MB beyond themselves.

    Returns float64 (n_items, n_items), symmetric, zero diagonal, values in [0, 2];
    rows without variance have no correlation and get NaN (off the diagonal).
    """
    X = np.asarray(X)
    if X.ndim != 2:
        raise ValueError(f"X must be (n_items, n_features); got shape {X.shape}. Flatten images first.")
    check_finite(X)
    n, m = X.shape
    mean = X.mean(axis=1, dtype=np.float64)[:, None]
    gram = np.zeros((n, n))
    for start in range(0, m, chunk):
        block = X[:, start:start + chunk].astype(np.float64) - mean
        gram += block @ block.T
    norm = np.sqrt(np.diag(gram).copy())
    flat = norm == 0
    scale = np.where(flat, 1.0, norm)
    D = np.clip(1.0 - gram / scale[:, None] / scale[None, :], 0.0, 2.0)
    D[flat, :] = np.nan
    D[:, flat] = np.nan
    np.fill_diagonal(D, 0.0)
    return D


POOLED_FORMAT = 1  # version of the pooled-activations cache entries


def pooled_activations(model, stimuli, layers: Sequence[str] | str, grid: int = 4, batch_size: int = 32,
                       device=None, channels_last: bool | None = None,
                       cache: bool = False) -> dict[str, np.ndarray]:
    """Activation maps averaged over a ``grid`` x ``grid`` layout of regions, flattened.

    The paper's per-filter maximum forgets *where* a filter fired; pixel space does
    not. Averaging each map over a coarse grid keeps the layout at every depth.

    Parameters
    ----------
    model : a CNN; stimuli : :class:`helpers.stimuli.sets.StimulusSet`
    layers : layer names or module paths (see :func:`helpers.cnn.models.resolve_layer`), or one
    grid : regions per side; fully connected layers are taken as they are
    batch_size, device, channels_last : as in :func:`helpers.cnn.activations.run_batches`,
        which runs the batches (channels-last on the CPU by default: faster there, and
        without the large im2col buffers the default format needs at 224 px)
    cache : keep the result in the course cache (``$COURSE_CACHE/pooled``) under the key
        :func:`helpers.cnn.activations.collect` uses (the values of every weight, the stimuli's
        contents, the layers, the code's versions) with the grid as the reduction; a model
        with forward hooks, or an unusable cache folder, is computed uncached

    Returns
    -------
    layer -> float32 array (n_images, n_filters * grid * grid) for convolutional
    layers, (n_images, n_units) for fully connected ones.
    """
    import torch.nn.functional as F

    from helpers.cache import key_digest, load_or_compute
    from helpers.cnn.activations import key_fields, layer_list, run_batches
    from helpers.cnn.models import forward_hooks, model_info, resolve_layer
    from helpers.config import cache_dir

    def reduce(out):
        return (F.adaptive_avg_pool2d(out, grid) if out.dim() == 4 else out).flatten(1).clone()

    def compute():
        return run_batches(model, stimuli, layers, reduce, batch_size, device, channels_last)

    if not cache or forward_hooks(model):
        return compute()
    try:
        root = cache_dir("pooled")
    except OSError:
        return compute()
    names = layer_list(layers)
    key = key_fields(model, stimuli.fingerprint(), [resolve_layer(model, n)[0] for n in names],
                      f"mean over a {int(grid)}x{int(grid)} grid")
    key["names"] = names  # the result's keys, as asked for

    def save(result, folder):
        np.savez(folder / "pooled.npz", **{f"a{i}": v for i, v in enumerate(result.values())})
        return {"layers": list(result)}

    def load(folder, meta):
        with np.load(folder / "pooled.npz", allow_pickle=False) as z:
            return {name: z[f"a{i}"] for i, name in enumerate(meta["layers"])}

    return load_or_compute(root / f"{model_info(model).arch}-{key_digest(key)}", key, POOLED_FORMAT, load, compute,
                           save, what="pooled activation cache", root=root)


def upper_triangle(D: np.ndarray) -> np.ndarray:
    """The entries above the diagonal of a square matrix, row by row: (n * (n - 1) / 2,)."""
    D = np.asarray(D)
    if D.ndim != 2 or D.shape[0] != D.shape[1]:
        raise ValueError(f"D must be square; got shape {D.shape}.")
    return D[np.triu_indices(D.shape[0], k=1)]


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman rank correlation of two 1-D arrays (pairs with a NaN are left out)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape or a.ndim != 1:
        raise ValueError(f"spearman needs two 1-D arrays of equal length; got {a.shape} and {b.shape}.")
    ok = ~(np.isnan(a) | np.isnan(b))
    if ok.sum() < 3:
        return float("nan")
    ra, rb = rankdata(a[ok]), rankdata(b[ok])
    ra -= ra.mean()
    rb -= rb.mean()
    denom = np.sqrt((ra ** 2).sum() * (rb ** 2).sum())
    return float((ra * rb).sum() / denom) if denom > 0 else float("nan")


def compare_rdms(D1: np.ndarray, D2: np.ndarray) -> float:
    """Spearman correlation between the upper triangles of two RDMs of the same items."""
    return spearman(upper_triangle(D1), upper_triangle(D2))


def rsa_permutation_test(D1: np.ndarray, D2: np.ndarray, n_permutations: int = 1000,
                         seed: int = 0) -> tuple[float, float] | list[tuple[float, float]]:
    """Is the agreement of two RDMs of the same items more than chance? (a Mantel test)

    The items of ``D2`` are relabelled at random (rows and columns together) and the
    Spearman correlation of the upper triangles recomputed; one-sided
    ``p = (1 + #{null >= observed}) / (1 + n_permutations)``. Items with undefined
    distances in either RDM (no variance: see :func:`rdm`) are left out first. Shuffling whole items,
    not single distances, keeps the dependence between distances that share an item.

    D1 : (n, n), or (k, n, n): k reference RDMs (a sequence of them will do), each tested
        against ``D2`` as by its own call; references that keep the same items share the
        permuted copies of ``D2``, the cost of the test
    D2 : (n, n)

    Returns (rho, p): the Spearman correlation on the kept items and its p-value; for k
    references, a list of k such pairs.
    """
    D1, D2 = np.asarray(D1, dtype=np.float64), np.asarray(D2, dtype=np.float64)
    refs = D1 if D1.ndim == 3 else D1[None]
    if refs.ndim != 3 or refs.shape[1:] != D2.shape or D2.ndim != 2 or D2.shape[0] != D2.shape[1]:
        raise ValueError(f"Both RDMs must be square and of the same items; got {D1.shape} and {D2.shape}.")
    if int(n_permutations) != n_permutations or n_permutations < 1:
        raise ValueError(f"n_permutations must be a positive integer; got {n_permutations!r}.")
    groups: dict[bytes, tuple[np.ndarray, list[int]]] = {}
    for k, D in enumerate(refs):
        keep = _defined_items(D, D2)
        groups.setdefault(keep.tobytes(), (keep, []))[1].append(k)
    results = {}
    for keep, ks in groups.values():
        kept = np.ix_(keep, keep)
        results.update(zip(ks, _mantel([refs[k][kept] for k in ks], D2[kept], int(n_permutations), seed)))
    return [results[k] for k in range(len(refs))] if D1.ndim == 3 else results[0]


def _defined_items(D1: np.ndarray, D2: np.ndarray) -> np.ndarray:
    """Bool (n,): the items left when, of two (n, n) RDMs, the item with the most undefined
    distances is dropped until none is left."""
    keep = np.ones(len(D1), bool)
    undefined = np.isnan(D1) | np.isnan(D2)
    while True:
        bad = undefined[np.ix_(keep, keep)].sum(axis=1)
        if not bad.any():
            return keep
        keep[np.flatnonzero(keep)[bad.argmax()]] = False


def _mantel(refs: list[np.ndarray], D2: np.ndarray, n_permutations: int, seed: int) -> list[tuple[float, float]]:
    """:func:`rsa_permutation_test` of each (n, n) RDM of ``refs`` against D2 (n, n), without
    undefined distances, under the same permutations: [(rho, p)] per reference."""
    n = len(D2)
    if n < 4:
        raise ValueError(f"Only {n} items have defined distances in both RDMs; at least 4 are needed.")
    iu = np.triu_indices(n, k=1)
    R2 = np.zeros((n, n))
    R2[iu] = rankdata(D2[iu])
    R2 = R2 + R2.T  # ranks of D2's distances, looked up by item pair
    centre = R2[iu].mean()
    spread = ((R2[iu] - centre) ** 2).sum()
    tests = {}  # reference -> observed rho, upper-triangle weights W (n, n), shift, norm
    for k, D in enumerate(refs):
        r1 = rankdata(D[iu])
        r1 -= r1.mean()
        norm = np.sqrt((r1 ** 2).sum() * spread)
        if norm > 0:
            W = np.zeros((n, n))
            W[iu] = r1
            tests[k] = (float((r1 * (R2[iu] - centre)).sum() / norm), W, centre * r1.sum(), norm)
    exceed = dict.fromkeys(tests, 0)
    rng = np.random.default_rng(seed)
    for done in range(0, n_permutations if tests else 0, 100):  # drawn 100 at a time: the seed's permutations
        for perm in np.argsort(rng.random((min(100, n_permutations - done), n)), axis=1):
            # rows, then columns: two cache-friendly gathers, cheaper than picking the n (n - 1) / 2
            # pairs one by one; the lower triangle is weighted 0
            R2p = R2[perm][:, perm]
            for k, (observed, W, shift, norm) in tests.items():
                # sum over pairs of (permuted rank - centre) * r1; einsum: one pass, no BLAS threads
                exceed[k] += bool((np.einsum("ij,ij->", R2p, W) - shift) / norm >= observed - 1e-12)
    return [(tests[k][0], (1 + exceed[k]) / (1 + n_permutations)) if k in tests else (float("nan"), float("nan"))
            for k in range(len(refs))]


def split_half_reliability(X: np.ndarray, n_splits: int = 20, seed: int = 0, chunk: int = 8192) -> float:
    """How reproducible an item geometry is, from random halves of its features.

    The features (columns: filters, or pixels) are split at random into two halves, an RDM
    is built from each (:func:`rdm`) and the two are compared (:func:`compare_rdms`); the
    correlation of halves is stepped up to the full set of features with the
    Spearman–Brown formula ``2 r / (1 + r)``. Returns the mean over ``n_splits`` splits.

    It is a property of the representation on these items: 1 means any half of the features
    gives the same geometry. It bounds how well another RDM can agree with this one (see
    :func:`noise_ceiling`).
    """
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[1] < 2:
        raise ValueError(f"X must be (n_items, n_features) with at least 2 features; got shape {X.shape}.")
    if int(n_splits) != n_splits or n_splits < 1:
        raise ValueError(f"n_splits must be a positive integer; got {n_splits!r}.")
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(int(n_splits)):
        cols = rng.permutation(X.shape[1])
        half = X.shape[1] // 2
        r = compare_rdms(rdm(X[:, np.sort(cols[:half])], chunk), rdm(X[:, np.sort(cols[half:])], chunk))
        values.append(2 * r / (1 + r) if r > -1 else float("nan"))
    return float(np.nanmean(values))


def noise_ceiling(reliability_1: float, reliability_2: float = 1.0) -> float:
    """The highest correlation two RDMs can reach given their reliabilities (attenuation:
    ``sqrt(r1 * r2)``; a model RDM without noise, such as the category model, has 1).
    Divide an observed RSA correlation by it to see how close it comes to that bound."""
    if not (0 <= reliability_1 <= 1 and 0 <= reliability_2 <= 1):
        raise ValueError(f"Reliabilities lie in [0, 1]; got {reliability_1!r} and {reliability_2!r} "
                         "(a negative split-half reliability means there is no stable geometry to compare).")
    return float(np.sqrt(reliability_1 * reliability_2))

"""Analyses that go beyond the paper's count of selective filters (notebooks 6 and 7).

Plain NumPy (and torch for the read-out) on arrays, no scikit-learn or SciPy:

- :func:`rankdata`, :func:`roc_auc`: how well one filter's activation separates a
  category from the rest (rank-based Mann-Whitney area under the ROC curve);
  :func:`crossfit_selection`: pick the most selective filter on some images and score it
  on the others, so that the score is not inflated by the choice.
- :func:`rdm`, :func:`upper_triangle`, :func:`spearman`, :func:`compare_rdms`:
  representational similarity analysis (Kriegeskorte, Mur & Bandettini 2008);
  :func:`rsa_permutation_test` (is the agreement more than chance?),
  :func:`split_half_reliability` and :func:`noise_ceiling` (how high could it be?);
  :func:`pooled_activations` keeps a coarse spatial grid of each activation map,
  so that layers can be compared with pixel space, which has a layout.
- :func:`stratified_folds`, :func:`standardize`, :func:`fit_softmax`,
  :func:`predict`, :func:`readout_accuracy`: a cross-validated linear read-out
  (multinomial logistic regression) of the categories from one layer.
- :func:`category_means`, :func:`strong_filter_counts`, :func:`detector_depth`:
  how many filters respond strongly to each category at each depth, the paper's
  suggested measure of a stimulus set's visual complexity.

Shapes: activations of one layer are (n_images, n_filters); labels are int
(n_images,) in 0..n_categories-1. Non-finite activations raise ValueError naming the
filters (and layer): :func:`helpers.measure.check_finite`.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from .measure import check_finite, normalize, selectivity_index


# --------------------------------------------------------------------------- ranks and AUC


def rankdata(x: np.ndarray) -> np.ndarray:
    """Ranks along axis 0, starting at 1, ties given their average rank.

    x : array (n,) or (n, ...) -> float64 array of the same shape; NaN stays NaN
    (NaNs are ranked last among themselves, then blanked).
    """
    x = np.asarray(x, dtype=np.float64)
    n = x.shape[0]
    order = np.argsort(x, axis=0, kind="stable")
    sx = np.take_along_axis(x, order, axis=0)
    pos = np.arange(n, dtype=np.float64).reshape((n,) + (1,) * (x.ndim - 1)) * np.ones_like(sx)
    starts = np.ones_like(sx, dtype=bool)
    ends = np.ones_like(sx, dtype=bool)
    if n > 1:
        same = sx[1:] == sx[:-1]
        starts[1:] = ~same
        ends[:-1] = ~same
    first = np.maximum.accumulate(np.where(starts, pos, 0.0), axis=0)
    last = np.flip(np.minimum.accumulate(np.flip(np.where(ends, pos, n - 1.0), 0), axis=0), 0)
    ranks = np.empty_like(sx)
    np.put_along_axis(ranks, order, (first + last) / 2.0 + 1.0, axis=0)
    ranks[np.isnan(x)] = np.nan
    return ranks


def roc_auc(scores: np.ndarray, positive: np.ndarray) -> float | np.ndarray:
    """Area under the ROC curve of ``scores`` for telling ``positive`` items from the rest.

    Rank-based (Mann-Whitney): the probability that a random positive item scores
    higher than a random negative one, ties counting one half. 1 = perfect
    separation, 0.5 = chance, 0 = perfectly reversed.

    Parameters
    ----------
    scores : array (n,) or (n, n_filters), e.g. one layer's activations
    positive : bool array (n,), True for members of the category

    Returns
    -------
    float for 1-D scores, else float64 array (n_filters,). Non-finite scores raise.
    """
    s = np.asarray(scores, dtype=np.float64)
    check_finite(s.reshape(len(s), -1))
    pos = np.asarray(positive, dtype=bool)
    if pos.shape != (s.shape[0],):
        raise ValueError(f"positive has shape {pos.shape}; expected ({s.shape[0]},), one flag per row of scores.")
    n1, n0 = int(pos.sum()), int((~pos).sum())
    if n1 == 0 or n0 == 0:
        raise ValueError("roc_auc needs at least one positive and one negative item.")
    r = rankdata(s)
    u = r[pos].sum(axis=0) - n1 * (n1 + 1) / 2.0
    auc = u / (n1 * n0)
    return float(auc) if s.ndim == 1 else auc


def crossfit_selection(acts: Mapping[str, np.ndarray] | np.ndarray, labels: np.ndarray, target: int,
                       k: int = 2, seed: int = 0, min_response: float = 0.5) -> pd.DataFrame:
    """Choose the filter most selective for ``target`` on some images, score it on the others.

    A filter chosen *because* it separates the category best on a set of images will
    separate it less well on new images: its score on the images that chose it is biased
    upwards (selection, or "double dipping"). Cross-fitting removes that bias: the images are
    split into ``k`` stratified folds (:func:`stratified_folds`); for each fold the filter
    is chosen on the other folds and scored on it.

    Choice: among filters that respond (maximum above 0) to at least ``min_response`` of the
    training images of ``target`` (all filters if none does), the largest share of eq. 2
    for ``target``, with eq. 1 computed on the training images alone.

    Parameters
    ----------
    acts : one layer (n_images, n_filters), or layer -> such arrays (the choice is made
        across all of them)
    labels : int (n_images,); target : the category's label

    Returns
    -------
    DataFrame, one row per fold: fold, layer, filter, train_share, train_auc (ROC AUC on the
    images that chose it: optimistic), test_auc (on the held-out fold: the honest score),
    n_train, n_test. The mean of ``test_auc`` is the cross-fitted estimate.
    """
    layers = {"layer": acts} if not isinstance(acts, Mapping) else dict(acts)
    labels = np.asarray(labels, dtype=np.int64)
    if not 0 <= target <= labels.max():
        raise ValueError(f"target must be one of the labels 0..{labels.max()}; got {target!r}.")
    if not 0 <= min_response <= 1:
        raise ValueError(f"min_response is a fraction of images in [0, 1]; got {min_response!r}.")
    for name, A in layers.items():
        check_finite(np.asarray(A), name)
    C = int(labels.max()) + 1
    rows = []
    for j, (train, test) in enumerate(stratified_folds(labels, k, seed)):
        best = None
        for name, A in layers.items():
            A = np.asarray(A, dtype=np.float64)
            S = selectivity_index(normalize(A[train]), labels[train], C)[:, target]
            responds = (A[train][labels[train] == target] > 0).mean(axis=0) >= min_response
            pool = np.where(responds & ~np.isnan(S))[0]
            if pool.size == 0:
                pool = np.flatnonzero(~np.isnan(S))
            if pool.size == 0:
                continue
            f = int(pool[np.argmax(S[pool])])
            if best is None or S[f] > best[2]:
                best = (name, f, float(S[f]))
        if best is None:
            raise ValueError("Every filter is silent on the training images: nothing to choose.")
        name, f, share = best
        score = np.asarray(layers[name], dtype=np.float64)[:, f]
        rows.append({"fold": j, "layer": name, "filter": f, "train_share": share,
                     "train_auc": roc_auc(score[train], labels[train] == target),
                     "test_auc": roc_auc(score[test], labels[test] == target),
                     "n_train": len(train), "n_test": len(test)})
    return pd.DataFrame(rows)


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
    model : a CNN; stimuli : :class:`helpers.stimuli.StimulusSet`
    layers : layer names or module paths (see :func:`helpers.models.resolve_layer`), or one
    grid : regions per side; fully connected layers are taken as they are
    batch_size, device, channels_last : as in :func:`helpers.activations.run_batches`,
        which runs the batches (channels-last on the CPU by default: faster there, and
        without the large im2col buffers the default format needs at 224 px)
    cache : keep the result in the course cache (``$COURSE_CACHE/pooled``) under the key
        :func:`helpers.activations.collect` uses (the values of every weight, the stimuli's
        contents, the layers, the code's versions) with the grid as the reduction; a model
        with forward hooks, or an unusable cache folder, is computed uncached

    Returns
    -------
    layer -> float32 array (n_images, n_filters * grid * grid) for convolutional
    layers, (n_images, n_units) for fully connected ones.
    """
    import torch.nn.functional as F

    from .activations import _key_fields, layer_list, run_batches
    from .cache import key_digest, load_or_compute
    from .config import cache_dir
    from .models import forward_hooks, model_info, resolve_layer

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
    key = _key_fields(model, stimuli.fingerprint(), [resolve_layer(model, n)[0] for n in names],
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
                         seed: int = 0) -> tuple[float, float]:
    """Is the agreement of two RDMs of the same items more than chance? (a Mantel test)

    The items of ``D2`` are relabelled at random (rows and columns together) and the
    Spearman correlation of the upper triangles recomputed; one-sided
    ``p = (1 + #{null >= observed}) / (1 + n_permutations)``. Items with undefined
    distances in either RDM (no variance: see :func:`rdm`) are left out first. Shuffling whole items,
    not single distances, keeps the dependence between distances that share an item.

    Returns (rho, p): the Spearman correlation on the kept items and its p-value.
    """
    D1, D2 = np.asarray(D1, dtype=np.float64), np.asarray(D2, dtype=np.float64)
    if D1.shape != D2.shape or D1.ndim != 2 or D1.shape[0] != D1.shape[1]:
        raise ValueError(f"Both RDMs must be square and of the same items; got {D1.shape} and {D2.shape}.")
    if int(n_permutations) != n_permutations or n_permutations < 1:
        raise ValueError(f"n_permutations must be a positive integer; got {n_permutations!r}.")
    keep = np.ones(len(D1), bool)
    while True:  # drop the item with the most undefined distances until none is left
        bad = (np.isnan(D1) | np.isnan(D2))[np.ix_(keep, keep)].sum(axis=1)
        if not bad.any():
            break
        keep[np.flatnonzero(keep)[bad.argmax()]] = False
    D1, D2 = D1[np.ix_(keep, keep)], D2[np.ix_(keep, keep)]
    n = len(D1)
    if n < 4:
        raise ValueError(f"Only {n} items have defined distances in both RDMs; at least 4 are needed.")
    iu = np.triu_indices(n, k=1)
    r1 = rankdata(D1[iu])
    r1 -= r1.mean()
    R2 = np.zeros((n, n))
    R2[iu] = rankdata(D2[iu])
    R2 = R2 + R2.T  # ranks of D2's distances, looked up by item pair
    centre = R2[iu].mean()
    norm = np.sqrt((r1 ** 2).sum() * ((R2[iu] - centre) ** 2).sum())
    if norm == 0:
        return float("nan"), float("nan")
    observed = float((r1 * (R2[iu] - centre)).sum() / norm)
    rng = np.random.default_rng(seed)
    exceed = 0
    for done in range(0, int(n_permutations), 100):
        perms = np.argsort(rng.random((min(100, int(n_permutations) - done), n)), axis=1)
        null = ((R2[perms[:, iu[0]], perms[:, iu[1]]] - centre) @ r1) / norm
        exceed += int((null >= observed - 1e-12).sum())
    return observed, (1 + exceed) / (1 + int(n_permutations))


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


# --------------------------------------------------------------------------- linear read-out


def stratified_folds(labels: np.ndarray, k: int = 5, seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """Stratified k-fold split: (train indices, test indices) for each of ``k`` folds.

    Each category's items are shuffled (``numpy.random.default_rng(seed)``) and dealt
    into ``k`` parts of near-equal size, so every test fold holds about 1/k of each
    category. Every item lands in exactly one test fold. Indices are sorted.
    """
    labels = np.asarray(labels)
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 2:
        raise ValueError(f"k is a number of folds and must be a whole number of at least 2; got {k!r}.")
    counts = np.bincount(labels)
    present = counts[counts > 0]
    if present.min() < k:
        raise ValueError(f"The smallest category has {present.min()} items; it cannot be split into {k} folds.")
    rng = np.random.default_rng(seed)
    parts = [[] for _ in range(k)]
    for c in np.flatnonzero(counts):
        members = rng.permutation(np.flatnonzero(labels == c))
        for j, chunk in enumerate(np.array_split(members, k)):
            parts[j].append(chunk)
    everything = np.arange(len(labels))
    folds = []
    for j in range(k):
        test = np.sort(np.concatenate(parts[j]))
        folds.append((np.setdiff1d(everything, test), test))
    return folds


def standardize(train: np.ndarray, *others: np.ndarray) -> list[np.ndarray]:
    """Z-score features with the mean and standard deviation of ``train`` only.

    Features constant over ``train`` are centred but not scaled. Returns
    [train, *others] standardised (float64), so no test statistics leak into training.
    """
    train = np.asarray(train, dtype=np.float64)
    mu = train.mean(axis=0)
    sd = train.std(axis=0)
    sd = np.where(sd > 0, sd, 1.0)
    return [(np.asarray(x, dtype=np.float64) - mu) / sd for x in (train, *others)]


def fit_softmax(X: np.ndarray, y: np.ndarray, n_classes: int | None = None, l2: float = 1e-2,
                max_iter: int = 100) -> tuple[np.ndarray, np.ndarray]:
    """Multinomial logistic regression by full-batch L-BFGS (torch, float64).

    Minimises mean cross-entropy + ``l2`` / 2 * ||W||^2 (bias not penalised),
    starting from zeros: the problem is convex, so the result is deterministic.

    Parameters
    ----------
    X : array (n_items, n_features), ideally standardised
    y : int array (n_items,)

    Returns
    -------
    W : float64 (n_features, n_classes), b : float64 (n_classes,)
    """
    import torch

    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.int64)
    C = int(y.max()) + 1 if n_classes is None else int(n_classes)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    W = torch.zeros(X.shape[1], C, dtype=torch.float64, requires_grad=True)
    b = torch.zeros(C, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([W, b], lr=1.0, max_iter=max_iter, tolerance_grad=1e-9,
                            tolerance_change=1e-12, history_size=20, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(Xt @ W + b, yt) + 0.5 * l2 * (W ** 2).sum()
        loss.backward()
        return loss

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # problems this small run fastest without thread hand-offs
    try:
        opt.step(closure)
    finally:
        torch.set_num_threads(threads)
    return W.detach().numpy(), b.detach().numpy()


def predict(X: np.ndarray, W: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Predicted class (int64, (n_items,)) of a model from :func:`fit_softmax`."""
    return np.argmax(np.asarray(X, dtype=np.float64) @ W + b, axis=1).astype(np.int64)


def readout_accuracy(X: np.ndarray, labels: np.ndarray, k: int = 5, seed: int = 0,
                     l2: float = 1e-2, max_iter: int = 100) -> np.ndarray:
    """Cross-validated accuracy of a linear read-out of the categories from ``X``.

    For each of the ``k`` stratified folds (:func:`stratified_folds`): standardise
    with the training part, fit :func:`fit_softmax`, score the held-out part.

    Returns float64 array (k,): the fraction of held-out items classified correctly
    in each fold (chance is about 1 / n_categories).
    """
    X = np.asarray(X, dtype=np.float64)
    check_finite(X)
    labels = np.asarray(labels, dtype=np.int64)
    C = int(labels.max()) + 1
    scores = []
    for train, test in stratified_folds(labels, k, seed):
        Xtr, Xte = standardize(X[train], X[test])
        W, b = fit_softmax(Xtr, labels[train], C, l2=l2, max_iter=max_iter)
        scores.append(float((predict(Xte, W, b) == labels[test]).mean()))
    return np.asarray(scores)


# --------------------------------------------------------------------------- visual complexity


def category_means(A: np.ndarray, labels: np.ndarray, n_categories: int | None = None) -> np.ndarray:
    """Each filter's mean normalised activation (eq. 1) per category.

    A : array (n_images, n_filters) of raw activations
    Returns float64 (n_filters, n_categories) in [0, 1]; NaN rows for silent filters.
    """
    AN = normalize(A)  # raises on non-finite values
    labels = np.asarray(labels, dtype=np.int64)
    C = int(labels.max()) + 1 if n_categories is None else int(n_categories)
    onehot = np.eye(C)[labels]
    return (AN.T @ onehot) / onehot.sum(axis=0)


def strong_filter_counts(acts: Mapping[str, np.ndarray], labels: np.ndarray, categories: Sequence[str],
                         level: float) -> pd.DataFrame:
    """How many filters of each layer respond strongly to each category.

    A filter responds strongly to a category when its mean normalised activation
    (:func:`category_means`) over that category's images is at least ``level``
    (in [0, 1]): the category's images typically drive it close to the highest
    activation it reaches on the whole set. A filter may respond strongly to
    several categories; silent filters to none.

    Returns a DataFrame with columns layer, depth (0 = shallowest), category,
    n_strong, n_filters, proportion.
    """
    if not 0 <= level <= 1:
        raise ValueError(f"level is a mean normalised activation and must lie in [0, 1]; got {level!r}.")
    rows = []
    for depth, (name, A) in enumerate(acts.items()):
        check_finite(np.asarray(A), name)
        M = category_means(A, labels, len(categories))
        with np.errstate(invalid="ignore"):
            strong = np.nan_to_num(M, nan=-1.0) >= level
        for c, cat in enumerate(categories):
            n = int(strong[:, c].sum())
            rows.append({"layer": name, "depth": depth, "category": cat, "n_strong": n,
                         "n_filters": int(A.shape[1]), "proportion": n / A.shape[1]})
    return pd.DataFrame(rows)


def detector_depth(table: pd.DataFrame, weight: str = "proportion") -> pd.Series:
    """Per category, the mean depth of its detectors, weighting each layer by ``weight``.

    table : :func:`strong_filter_counts` or :func:`helpers.selectivity.summary_table`
    weight : "proportion" (default): each layer counts by the share of its filters that are
        detectors, so that a layer's size does not matter (VGG16's fc1 and fc2 hold 8192 of
        its 12,416 filters and would pull every count-weighted mean towards the top); or a
        count column ("n_strong", "n_selective") for the count-weighted mean, which answers
        "where does the average detector sit?" instead.

    Lower values: the category's detectors sit in shallower layers. NaN for a category with
    no detector anywhere. Depth is the layer's position (0 = shallowest).
    """
    if weight not in table.columns or weight in ("layer", "category", "depth"):
        choices = [c for c in ("proportion", "n_strong", "n_selective") if c in table.columns]
        raise ValueError(f"Unknown weight {weight!r}; use one of {choices}.")
    w_all = table[weight].to_numpy(dtype=np.float64)
    if not np.isfinite(w_all).all() or (w_all < 0).any():
        raise ValueError(f"Column {weight!r} must hold finite non-negative numbers.")

    def centre(group):
        w = group[weight].to_numpy(dtype=np.float64)
        return float((w * group["depth"].to_numpy()).sum() / w.sum()) if w.sum() > 0 else float("nan")

    cats = list(dict.fromkeys(table["category"]))
    return pd.Series({c: centre(table[table["category"] == c]) for c in cats}, name=f"mean depth ({weight}-weighted)")

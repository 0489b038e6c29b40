"""A cross-validated linear read-out of the categories from one layer (notebook 10).

:func:`stratified_folds`, :func:`standardize`, :func:`fit_softmax` (multinomial logistic
regression by full-batch L-BFGS in torch, float64), :func:`predict`, :func:`readout_accuracy`.

Shapes: X is (n_images, n_features); labels are int (n_images,) in 0..n_categories-1.
"""

from __future__ import annotations

import numpy as np

from helpers.stats.measure import check_finite


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

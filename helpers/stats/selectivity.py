"""Category selectivity of every layer: the paper's analysis, with statistics that hold.

:func:`analyze` runs, for every layer of a network's activations, the paper's measure
(eq. 1 and eq. 2, :mod:`helpers.stats.measure`), the permutation test resolved for
Benjamini–Hochberg (:mod:`helpers.stats.permutation`) and the bootstrap over images
(:mod:`helpers.stats.bootstrap`), and keeps the result per layer (:class:`LayerSelectivity`,
:class:`Selectivity`). On that result:

- :func:`selective`, :func:`selective_any`: which filters a rule (:mod:`helpers.stats.rules`,
  validated by :func:`check_rule`) calls selective, per category or for any category;
  :func:`unsettled`: which of those decisions more shuffles could still change;
- :func:`summary_table`: per layer and category, the proportion of selective filters
  with its bootstrap and Wilson intervals (the paper's figure, as a table);
  :func:`most_selective`: a layer's top filters for a category;
- :func:`save_selectivity`, :func:`load_selectivity`: one ``.npz`` file, written
  atomically, stamped with :data:`STATS_VERSION`; :func:`analyze_cached`: :func:`analyze`
  of cached activations, kept in the course cache (shared by the notebooks and the report).

Each function has one home: eq. 1 and eq. 2 are imported from :mod:`helpers.stats.measure`,
the permutation test from :mod:`helpers.stats.permutation`, and so on, not from here.
"""

from __future__ import annotations

import inspect
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from helpers.cache import atomic_file
from helpers.labels import ModelMeta
from helpers.stats.binomial import wilson_interval
from helpers.stats.layer import LayerSelectivity
from helpers.stats.bootstrap import (N_BOOT, bootstrap_interval, bootstrap_proportions, bootstrap_shares,
    bootstrap_weights, pack_shares)
from helpers.stats.measure import check_finite, normalize, selectivity_index
from helpers.stats.permutation import (MAX_PERMUTATIONS, MC_CONFIDENCE, ShuffleStream, resolve_levels,
    run_permutations)
from helpers.stats.rules import Rule, check_rule, decide, open_decisions

__all__ = ["STATS_VERSION", "RESOLVE_Q", "RANK_BY", "Selectivity", "analysis_settings", "analyze", "selective",
           "selective_any", "unsettled", "summary_table", "most_selective", "save_selectivity", "load_selectivity"]

#: Version of the statistics: part of every cache key of selectivity results. Bump it
#: whenever p-values, their resolution, the critical values or the bootstrap change.
STATS_VERSION = 2
#: BH levels at which :func:`analyze` resolves the p-values by default: the paper's 0.01
#: and the conventional 0.05.
RESOLVE_Q = (0.01, 0.05)
RANK_BY = ("index", "p")


# --------------------------------------------------------------------------- per-layer results


@dataclass
class Selectivity(ModelMeta):
    """Selectivity of every layer: ``layers[name]`` is a :class:`LayerSelectivity`.

    n_permutations : shuffles every filter got; resolved filters got more (``n_perm``)
    resolve_q : BH levels at which decisions were resolved (see :func:`run_permutations`)
    n_boot : bootstrap resamples of the images kept per layer (0: none)
    mc_confidence : coverage of the p intervals used to judge decisions settled
    """

    layers: dict[str, LayerSelectivity]
    categories: list[str]
    n_permutations: int
    seed: int
    balanced: bool
    meta: dict = field(default_factory=dict)
    resolve_q: tuple = ()
    n_boot: int = 0
    mc_confidence: float = MC_CONFIDENCE

    def __getitem__(self, layer: str) -> LayerSelectivity:
        return self.layers[layer]


def analyze(acts: Mapping[str, np.ndarray], labels=None, categories: Sequence[str] | None = None,
            n_permutations: int = 1000, seed: int = 0, balanced: bool = True, eps: float = 1e-12,
            resolve_q: float | Sequence[float] | None = RESOLVE_Q, n_boot: int = N_BOOT,
            max_permutations: int = MAX_PERMUTATIONS, mc_confidence: float = MC_CONFIDENCE) -> Selectivity:
    """Eq. 1, eq. 2, the permutation test and the image bootstrap for every layer.

    Parameters
    ----------
    acts : layer -> array (n_images, n_filters), e.g. :func:`helpers.cnn.activations.collect`'s
        result (whose labels, categories and metadata are used when not given)
    n_permutations, seed : shuffles every filter gets, and their seed
    resolve_q : Benjamini–Hochberg level(s) whose decisions are resolved with more shuffles
        where needed (default 0.01 and 0.05; None for the plain test). Pass the level you
        will use with ``summary_table(..., correction="bh")`` if it is another one.
    n_boot : bootstrap resamples of the images within each category (0: no bootstrap
        intervals in :func:`summary_table`)
    max_permutations, mc_confidence : see :func:`run_permutations`

    Raises ValueError naming the layer and filters when activations are not finite, and
    for a ``resolve_q`` outside (0, 1] before any work.
    """
    labels = getattr(acts, "labels", None) if labels is None else labels
    categories = getattr(acts, "categories", None) if categories is None else categories
    if labels is None or categories is None:
        raise ValueError("Pass labels and categories (or an Activations object that carries them).")
    levels = resolve_levels(resolve_q)  # checked before any work
    weights = bootstrap_weights(labels, n_boot, seed) if n_boot else None
    stream = ShuffleStream(np.asarray(labels), seed)  # shared by the layers: drawn once
    layers = {}
    for name, A in acts.items():
        check_finite(A, name)
        AN = normalize(A, eps=eps)
        perms = run_permutations(AN, labels, n_permutations, seed, balanced, len(categories),
                                 resolve_q=levels or None, max_permutations=max_permutations,
                                 confidence=mc_confidence, keep_critical=bool(n_boot), stream=stream)
        boot = None
        if n_boot:
            boot = pack_shares(bootstrap_shares(A, labels, weights, balanced, len(categories), layer=name))
        layers[name] = LayerSelectivity(
            index=selectivity_index(AN, labels, len(categories), balanced), p=perms.p,
            silent=np.isnan(AN).any(axis=0), n_perm=perms.n_perm, crit=perms.crit, boot=boot)
    meta = dict(getattr(acts, "meta", {}) or {})
    meta["stats_version"] = STATS_VERSION
    meta["settings"] = analysis_settings(n_permutations=n_permutations, seed=seed, balanced=balanced, eps=eps,
                                         resolve_q=resolve_q, n_boot=n_boot, max_permutations=max_permutations,
                                         mc_confidence=mc_confidence)
    return Selectivity(layers, list(categories), int(n_permutations), seed, balanced, meta,
                       resolve_q=levels, n_boot=int(n_boot), mc_confidence=mc_confidence)


#: analyze()'s parameters, read once (so that a wrapped or patched analyze keys the same way).
_ANALYZE_PARAMETERS = dict(inspect.signature(analyze).parameters)


def analyze_cached(acts, cache: bool = True, **settings) -> Selectivity:
    """:func:`analyze` of cached activations, its result kept in the course cache beside them.

    acts : :func:`helpers.cnn.activations.collect`'s result; ``settings`` : analyze()'s settings
        (``n_permutations``, ``seed``, ...), not its data
    cache : False: plain :func:`analyze` (``python -m helpers report --no-cache``)

    The entry's key is the activations' own cache key (``acts.meta["key"]``: network, stimuli,
    preprocessing), their layers and every setting of :func:`analysis_settings`, defaults
    included; its format version is :data:`STATS_VERSION`, so neither other settings nor
    changed statistics are ever served a stale result. The notebooks (``course.selectivity``)
    and ``python -m helpers report`` share these entries: a report run at build time (Binder's
    ``postBuild``) leaves the notebooks' statistics computed. Activations without a key (not
    from the cache), or no usable cache folder: plain :func:`analyze`.
    """
    from helpers.cache import key_digest, load_or_compute
    from helpers.config import cache_dir

    key_of_acts = (getattr(acts, "meta", None) or {}).get("key")
    root = None
    if cache and key_of_acts is not None:
        try:
            root = cache_dir("selectivity")
        except OSError:
            pass  # no cache folder: compute below

    def compute():
        return analyze(acts, **settings)

    if root is None:
        return compute()
    key = {"activations": key_of_acts, "layers": list(acts), "settings": analysis_settings(**settings)}
    name = "selectivity.npz"

    def load(folder, meta):
        return load_selectivity(folder / name)

    def save(result, folder):
        save_selectivity(result, folder / name)

    return load_or_compute(root / key_digest(key), key, STATS_VERSION, load, compute, save,
                           what="selectivity cache", root=root)


def analysis_settings(**given) -> dict:
    """Every setting of :func:`analyze` (its current defaults, updated by ``given``) as plain
    JSON values: what a result was computed with, and what a cache of results must key on.
    :func:`analyze` records the same dict in ``result.meta["settings"]``, so a new setting or a
    changed default reaches every cache key without anyone copying it by hand.
    Raises TypeError for a name that is not a setting of :func:`analyze`."""
    data = ("acts", "labels", "categories")
    unknown = set(given) - set(_ANALYZE_PARAMETERS) | set(given) & set(data)
    if unknown:
        raise TypeError(f"analyze() has no setting {sorted(unknown)}.")
    out = {}
    for name, param in _ANALYZE_PARAMETERS.items():
        if name not in data:
            value = given.get(name, param.default)
            out[name] = [float(v) for v in value] if isinstance(value, (tuple, list)) else value
    return out


# --------------------------------------------------------------------------- decisions


def selective(layer: LayerSelectivity, criterion: "str | Rule" = "p", threshold: float = 0.01,
              correction: str | None = None) -> np.ndarray:
    """Boolean (n_filters, n_categories): which filters count as selective for which category.

    criterion "p": p-value <= threshold, or with ``correction="bh"`` Benjamini–Hochberg at
    level ``threshold`` over the layer's non-silent filters, separately per category;
    criterion "index": eq. 2 share >= threshold (no correction applies; one raises).
    Silent filters are never selective. ``criterion`` may be a :class:`helpers.stats.rules.Rule`
    (then ``threshold`` and ``correction`` are its own); see it for the valid values.
    """
    criterion, threshold, correction = check_rule(criterion, threshold, correction)
    if criterion == "p":
        return decide(layer.p, threshold, correction)
    return np.nan_to_num(layer.index, nan=-np.inf) >= threshold


def selective_any(layer: LayerSelectivity, criterion: "str | Rule" = "p", threshold: float = 0.01,
                  correction: str | None = None) -> np.ndarray:
    """Boolean (n_filters,): filters selective for at least one category, multiplicity corrected.

    "Selective for some category" is one hypothesis per filter tested with one p-value per
    category, so its p-value is Bonferroni's ``min(1, n_categories * min_c p[f, c])``
    (for this "any" question Holm's procedure gives the same answer). That p-value is then
    compared with ``threshold`` (no correction), or Benjamini–Hochberg at level
    ``threshold`` runs over the layer's non-silent filters (``correction="bh"``).
    criterion "index": some share >= threshold (a description, not a test).

    The p-values are resolved for BH per category (:func:`run_permutations`), not for this
    Bonferroni-then-BH rule: with ``correction="bh"`` the bar is ``n_categories`` times
    finer, and filters at the floor of the test can be missed.
    """
    criterion, threshold, correction = check_rule(criterion, threshold, correction)
    if criterion == "p":
        return decide(layer.p, threshold, correction, any_category=True)
    return (np.nan_to_num(layer.index, nan=-np.inf) >= threshold).any(axis=1)


def unsettled(layer: LayerSelectivity, criterion: "str | Rule" = "p", threshold: float = 0.01,
              correction: str | None = None, confidence: float = MC_CONFIDENCE) -> np.ndarray:
    """Boolean (n_filters, n_categories): decisions that more shuffles could still change.

    A decision of the p rule is settled when it is the same at both ends of every p-value's
    interval (:func:`p_interval`); the index rule involves no shuffles and is always settled.
    """
    criterion, threshold, correction = check_rule(criterion, threshold, correction)
    if criterion == "index":
        return np.zeros(layer.index.shape, bool)
    lo, hi = layer.p_interval(confidence, upto=threshold)
    return open_decisions(lo, hi, threshold, correction)


# --------------------------------------------------------------------------- summaries


def summary_table(result: Selectivity, criterion: "str | Rule" = "p", threshold: float = 0.01,
                  correction: str | None = None, confidence: float = 0.95) -> pd.DataFrame:
    """Per layer and category: selective filters, all filters, the proportion with intervals.

    Columns
    -------
    layer, depth (0 = shallowest), category, n_selective, n_filters, proportion;
    ci_low, ci_high: interval of the proportion from the bootstrap resamples of the images
    (uncertainty from the choice of stimuli; :func:`bootstrap_proportions`,
    :func:`bootstrap_interval`), NaN when the result has no resamples; wilson_low, wilson_high: Wilson interval, which
    treats the filters as independent draws (exact 0 and 1 at the ends); n_unsettled:
    decisions more shuffles could change (:func:`unsettled`; NaN when unknown);
    n_silent; criterion, threshold, correction, confidence (of both intervals), ci_method
    (what ci_low/ci_high are), model.
    The proportion's denominator is all filters of the layer, silent ones included.
    A correction is applied, never only printed: ``correction="bh"`` with
    ``criterion="index"`` raises (see :func:`check_rule`).
    """
    rule = check_rule(criterion, threshold, correction)  # checked here once, not again below
    criterion, threshold, correction = rule
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie in (0, 1); got {confidence!r}.")
    rows = []
    methods = set()
    for depth, (name, layer) in enumerate(result.layers.items()):
        mask = selective(layer, rule)
        n = layer.n_filters
        k = mask.sum(axis=0)
        lo, hi = wilson_interval(k, n, confidence)
        C = len(result.categories)
        if layer.boot is not None and (criterion == "index" or layer.crit is not None):
            props = bootstrap_proportions(layer, rule, base_permutations=result.n_permutations)
            b_lo, b_hi = bootstrap_interval(k / n, props, confidence)
            methods.add(f"{confidence:.0%} bootstrap interval ({layer.n_boot} resamples of the images "
                        "within each category, centred on the observed proportion)")
        else:
            b_lo = b_hi = np.full(C, np.nan)
            methods.add("none (no bootstrap resamples in this result)")
        if criterion == "p" and layer.n_perm is None:
            open_ = np.full(C, np.nan)
        else:
            open_ = unsettled(layer, rule, confidence=result.mc_confidence).sum(axis=0)
        for c, cat in enumerate(result.categories):
            rows.append({"layer": name, "depth": depth, "category": cat, "n_selective": int(k[c]),
                         "n_filters": n, "proportion": k[c] / n, "ci_low": b_lo[c], "ci_high": b_hi[c],
                         "wilson_low": lo[c], "wilson_high": hi[c], "n_unsettled": open_[c],
                         "n_silent": int(layer.silent.sum())})
    df = pd.DataFrame(rows)
    df["criterion"], df["threshold"] = criterion, threshold
    df["correction"] = correction or "none"
    df["confidence"] = confidence
    df["ci_method"] = "; ".join(sorted(methods))
    df["model"] = result.model_label
    return df


def most_selective(result: Selectivity, layer: str, category: str, k: int = 5,
                   by: str = "index") -> pd.DataFrame:
    """The ``k`` filters of ``layer`` most selective for ``category`` (fewer if the layer
    has fewer non-silent filters).

    Ranked by eq. 2 share (``by="index"``, ties broken by p) or by p-value
    (``by="p"``, ties broken by share). Silent filters are left out.
    Columns: filter, index, p, rank.
    """
    if by not in RANK_BY:
        raise ValueError(f"Unknown ranking {by!r}; use 'index' (eq. 2 share) or 'p' (p-value).")
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be a positive whole number of filters; got {k!r}.")
    if category not in result.categories:
        raise KeyError(f"Unknown category {category!r}; choose from {result.categories}.")
    if layer not in result.layers:
        raise KeyError(f"Unknown layer {layer!r}; choose from {list(result.layers)}.")
    L = result.layers[layer]
    c = result.categories.index(category)
    ok = np.flatnonzero(~L.silent)
    idx, p = L.index[ok, c], L.p[ok, c]
    order = np.lexsort((p, -idx)) if by == "index" else np.lexsort((-idx, p))
    top = ok[order[:k]]
    return pd.DataFrame({"filter": top, "index": L.index[top, c], "p": L.p[top, c],
                         "rank": np.arange(1, len(top) + 1)})


# --------------------------------------------------------------------------- saving


_FIELDS = ("index", "p", "silent", "n_perm", "crit", "boot")


def save_selectivity(result: Selectivity, path: str | Path) -> Path:
    """Write ``result`` to one ``.npz`` file (no pickles), atomically
    (:func:`helpers.cache.atomic_file`): the file appears complete or not at all. Every
    field of every layer is kept, with the version of the statistics
    (:data:`STATS_VERSION`) that :func:`load_selectivity` checks."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    header = {"stats_version": STATS_VERSION, "layers": list(result.layers), "categories": result.categories,
              "n_permutations": result.n_permutations, "seed": result.seed, "balanced": result.balanced,
              "meta": result.meta, "resolve_q": list(result.resolve_q), "n_boot": result.n_boot,
              "mc_confidence": result.mc_confidence}
    arrays = {"header": np.array(json.dumps(header, default=str))}
    for i, layer in enumerate(result.layers.values()):
        for name in _FIELDS:
            value = getattr(layer, name)
            if value is not None:
                arrays[f"{name}{i}"] = value
    with atomic_file(path) as f:
        np.savez(f, **arrays)
    return path


def load_selectivity(path: str | Path) -> Selectivity:
    """Read what :func:`save_selectivity` wrote. Raises ValueError if the file is unreadable
    or was written by another version of the statistics (:data:`STATS_VERSION`)."""
    try:
        with np.load(Path(path), allow_pickle=False) as z:
            header = json.loads(str(z["header"]))
            if header.get("stats_version") != STATS_VERSION:
                raise ValueError(f"written by statistics version {header.get('stats_version')}, "
                                 f"this is {STATS_VERSION}")
            layers = {name: LayerSelectivity(**{f: (z[f"{f}{i}"] if f"{f}{i}" in z else None) for f in _FIELDS})
                      for i, name in enumerate(header["layers"])}
    except (OSError, KeyError, json.JSONDecodeError, TypeError) as e:
        raise ValueError(f"unreadable selectivity file {path} ({e})") from None
    return Selectivity(layers, list(header["categories"]), int(header["n_permutations"]), int(header["seed"]),
                       bool(header["balanced"]), dict(header["meta"]), tuple(header["resolve_q"]),
                       int(header["n_boot"]), float(header["mc_confidence"]))

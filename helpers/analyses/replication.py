"""Does a result replicate? Intervals across training seeds and stimulus seeds.

A bootstrap over images (:mod:`helpers.stats.bootstrap`) says how much a number would move with
another sample of images *from the same generator seed, for the same trained network*. Two
larger sources of spread sit outside it:

- the **training seed**: another initialisation and data order give another network;
- the **stimulus seed**: another draw of the measurement images.

:func:`seed_summary` puts each beside the other for any table with one value per (training
seed, stimulus seed): the mean over everything, and a Student-t interval of that mean
across training seeds (each seed's value first averaged over the stimulus seeds) and across
stimulus seeds (each averaged over the training seeds), with the range of the raw values.
With three seeds a t interval is wide (t = 4.30 at 95 %): that width is the honest answer.

:func:`t_quantile` computes Student's t quantiles with NumPy alone (the course keeps its
statistics in NumPy).
"""

from __future__ import annotations

from functools import lru_cache
from math import lgamma, pi
from typing import Sequence

import numpy as np
import pandas as pd


def _t_cdf(x: float, df: float) -> float:
    """P(T <= x) for Student's t with ``df`` degrees of freedom, x >= 0 (Simpson's rule on the
    density after the substitution x = tan(theta), which keeps the integrand smooth and bounded)."""
    # density of T: c (1 + t^2/df)^(-(df+1)/2); with t = sqrt(df) tan(u), dt = sqrt(df) sec^2(u) du
    c = np.exp(lgamma((df + 1) / 2) - lgamma(df / 2)) / np.sqrt(df * pi)
    top = np.arctan(x / np.sqrt(df))
    u = np.linspace(0.0, top, 4001)
    f = c * np.sqrt(df) * np.cos(u) ** (df - 1)  # (1 + tan^2)^(-(df+1)/2) sec^2 = cos^(df-1)
    h = (top - 0.0) / 4000
    integral = h / 3 * (f[0] + f[-1] + 4 * f[1:-1:2].sum() + 2 * f[2:-1:2].sum())
    return 0.5 + float(integral)


@lru_cache(maxsize=256)  # the same few (p, df) recur for every row of a table
def t_quantile(p: float, df: float) -> float:
    """The ``p`` quantile of Student's t with ``df`` degrees of freedom (df > 0, 0 < p < 1).

    Bisection on the distribution function (:func:`_t_cdf`), accurate to about 1e-7.
    """
    if not 0 < p < 1:
        raise ValueError(f"p is a probability in (0, 1); got {p!r}.")
    if not df > 0:
        raise ValueError(f"df must be positive; got {df!r}.")
    if p < 0.5:
        return -t_quantile(1 - p, df)
    if p == 0.5:
        return 0.0
    lo, hi = 0.0, 1.0
    while _t_cdf(hi, df) < p:
        hi *= 2
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if _t_cdf(mid, df) < p else (lo, mid)
    return (lo + hi) / 2


def mean_interval(values: Sequence[float], confidence: float = 0.95) -> tuple[float, float, float]:
    """Mean of ``values`` (one per seed) with its Student-t interval: (mean, low, high).

    NaN values are dropped; with fewer than two values left the interval is (NaN, NaN).
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie in (0, 1); got {confidence!r}.")
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    if len(v) == 0:
        return np.nan, np.nan, np.nan
    m = float(v.mean())
    if len(v) < 2:
        return m, np.nan, np.nan
    half = t_quantile(0.5 + confidence / 2, len(v) - 1) * v.std(ddof=1) / np.sqrt(len(v))
    return m, m - half, m + half


def seed_summary(table: pd.DataFrame, value: str, by: Sequence[str], train_seed: str = "train_seed",
                 stim_seed: str | None = "stim_seed", confidence: float = 0.95) -> pd.DataFrame:
    """Mean of ``value`` per group ``by``, with intervals across training and stimulus seeds.

    table : one row per (``by``..., training seed, stimulus seed); ``stim_seed`` None when the
        table has one stimulus draw only.

    Returns one row per group: ``by`` columns, n_train_seeds, n_stim_seeds, mean, sd_train
    (standard deviation across training seeds, each averaged over stimulus seeds), train_low,
    train_high (t interval of the mean across training seeds), sd_stim, stim_low, stim_high
    (the same across stimulus seeds), min, max (of the raw values).
    """
    by = list(by)
    needed = by + [value, train_seed] + ([stim_seed] if stim_seed else [])
    missing = [c for c in needed if c not in table.columns]
    if missing:
        raise ValueError(f"The table lacks columns {missing}; it has {list(table.columns)}.")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie in (0, 1); got {confidence!r}.")
    g = table.groupby(by, sort=False, dropna=False)[value]
    out = pd.DataFrame({"mean": g.mean(), "min": g.min(), "max": g.max()})
    sources = [("train", train_seed)] + ([("stim", stim_seed)] if stim_seed else [])
    for short, col in sources:
        # one value per seed of this source (averaged over the other source), then across seeds
        per = table.groupby(by + [col], sort=False, dropna=False)[value].mean().groupby(level=list(range(len(by))),
                                                                                        sort=False)
        n, sd = per.count(), per.std(ddof=1)
        t = np.array([t_quantile(0.5 + confidence / 2, k - 1) if k > 1 else np.nan for k in n.to_numpy()])
        half = t * sd.to_numpy() / np.sqrt(n.to_numpy().clip(1))
        m = per.mean().to_numpy()
        out[f"n_{short}_seeds"] = n.to_numpy()
        out[f"sd_{short}"] = sd.to_numpy()
        out[f"{short}_low"], out[f"{short}_high"] = m - half, m + half
    cols = ["n_train_seeds", "mean", "sd_train", "train_low", "train_high"]
    if stim_seed:
        cols += ["n_stim_seeds", "sd_stim", "stim_low", "stim_high"]
    return out.reset_index()[by + cols + ["min", "max"]]

"""What :func:`helpers.stats.selectivity.analyze` keeps for one layer: eq. 2 shares, p-values,
silent filters, the shuffles behind each p-value, critical shares and the bootstrap's shares.

It lives below both :mod:`helpers.stats.bootstrap` and :mod:`helpers.stats.selectivity`, which
both read it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from helpers.stats.permutation import MC_CONFIDENCE, p_interval


@dataclass
class LayerSelectivity:
    """Selectivity of one layer's filters.

    index : (n_filters, n_categories) eq. 2 shares, NaN for silent filters
    p : (n_filters, n_categories) permutation p-values, NaN for silent filters
    silent : (n_filters,) bool
    n_perm : (n_filters,) int64 shuffles behind each filter's p-values (more for
        filters whose decision was resolved); None when unknown
    crit : float32 critical shares (:attr:`Permutations.crit`), or None
    boot : uint16 (n_boot, n_filters, n_categories) shares on each bootstrap resample
        (packed: share * 65534, 65535 for NaN), or None
    """

    index: np.ndarray
    p: np.ndarray
    silent: np.ndarray
    n_perm: np.ndarray | None = None
    crit: np.ndarray | None = None
    boot: np.ndarray | None = None

    @property
    def n_filters(self) -> int:
        return int(self.index.shape[0])

    @property
    def n_boot(self) -> int:
        return 0 if self.boot is None else int(self.boot.shape[0])

    def p_interval(self, confidence: float = MC_CONFIDENCE,
                   upto: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Interval for each exact permutation p-value (:func:`p_interval`)."""
        if self.n_perm is None:
            raise ValueError("This result does not record how many shuffles each filter got; "
                             "recompute it with helpers.stats.selectivity.analyze.")
        return p_interval(self.p, self.n_perm, confidence, upto)

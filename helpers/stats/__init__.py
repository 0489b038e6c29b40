"""The statistics core: eq. 1 and eq. 2, which filters count as selective, and how sure we are.

NumPy only (no torch, no plotting), on arrays validated once at each public entry:

- :mod:`helpers.stats.measure`      eq. 1 (min-max normalisation) and eq. 2 (share per category) on arrays
- :mod:`helpers.stats.rules`        selection rules, Benjamini-Hochberg, decisions
- :mod:`helpers.stats.permutation`  the permutation test of eq. 2
- :mod:`helpers.stats.bootstrap`    intervals from resampling the images within category
- :mod:`helpers.stats.binomial`     binomial proportions: exact tails, Clopper-Pearson and Wilson intervals
- :mod:`helpers.stats.selectivity`  the per-layer analysis (:func:`~helpers.stats.selectivity.analyze`)
"""

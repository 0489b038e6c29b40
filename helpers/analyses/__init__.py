"""Analyses built on the statistics core and the networks.

- :mod:`helpers.analyses.auc`         single-filter ROC AUC, cross-fitted selection
- :mod:`helpers.analyses.rsa`         representational similarity, its permutation test, reliability
- :mod:`helpers.analyses.readout`     cross-validated linear read-out of the categories
- :mod:`helpers.analyses.depth`       detector depth: strong filters per category and depth
- :mod:`helpers.analyses.emergence`   does selectivity emerge with training? trained minus untrained
- :mod:`helpers.analyses.controls`    what a face unit is made of: paired controls, live units, class overlap
- :mod:`helpers.analyses.replication` intervals across training seeds and stimulus seeds
- :mod:`helpers.analyses.claims`      the paper's claims scored on a run (holds / does not hold / undecided)
- :mod:`helpers.analyses.verdicts`    conclusions computed from the numbers: what a test shows and what not
- :mod:`helpers.analyses.breeds`      the essay's experiment: breed units, other breeds vs cars and cups
- :mod:`helpers.analyses.geometry`    class geometry: centroid RDMs, does a group of classes cluster?
- :mod:`helpers.analyses.exemplars`   the stimuli that drive a filter most and least, with activation maps
- :mod:`helpers.analyses.featureviz`  activation maximisation: parameterisations, transforms, objectives, render
"""

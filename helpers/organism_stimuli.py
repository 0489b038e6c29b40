"""The model organism's stimuli as :class:`helpers.stimuli.StimulusSet` objects.

:mod:`helpers.miniworld` draws arrays; the analyses (:func:`helpers.activations.collect`,
:func:`helpers.selectivity.analyze`) take stimulus sets. Two kinds are needed for the
organism's experiments:

- :func:`measurement_stimuli`: the paper's four categories (face, i-see-face, car, dog)
  drawn by the world's generators from their own image stream, never trained on;
- :func:`heldout_stimuli`: new images of the 14 training classes from the held-out
  ("test") stream with a seed the training never used (:data:`FRESH_SEED`), so that no
  image was seen in training nor used for the accuracy recorded in ``organism.json``.

Both are in memory (``pixels``), flagged ``schematic`` (generated drawings, so figure
titles say so) and deterministic per seed.
"""

from __future__ import annotations

import numpy as np

from . import miniworld
from .stimuli import Preprocess, StimulusSet

#: Seed of the held-out images used by the experiments: the organism was trained on
#: split "train" and evaluated on split "test" with its training seed (0, recorded in
#: ``organism.json``); split "test" with seed 1 was never drawn during training.
FRESH_SEED = 1


def measurement_stimuli(n_per_category: int = 36, size: int = miniworld.DEFAULT_SIZE, seed: int = 0,
                        categories=miniworld.MEASUREMENT_CATEGORIES) -> StimulusSet:
    """The measurement drawings as a stimulus set (see :func:`helpers.miniworld.measurement_set`).

    Dogs cycle through the six breeds (their breed is the image's subcategory), so use a
    multiple of 6 for ``n_per_category`` to represent every breed equally.
    Returns a :class:`StimulusSet` of ``n_per_category * len(categories)`` images of
    ``size`` px, preprocessing ``Preprocess(size, size)``.
    """
    images, labels, cats, breeds = miniworld.measurement_set(n_per_category, size, seed, categories)
    return StimulusSet(cats, labels, [f"miniworld:measure/{seed}/{i:05d}" for i in range(len(labels))],
                       Preprocess(size, size), source=f"miniworld measurement drawings (seed {seed})",
                       schematic=True, pixels=images, subcategories=np.asarray(breeds))


def heldout_stimuli(n_per_class: int = 40, size: int = miniworld.DEFAULT_SIZE, seed: int = FRESH_SEED,
                    classes=miniworld.CLASSES) -> StimulusSet:
    """New images of the training classes (split "test", ``seed``) as a stimulus set.

    Categories are ``classes`` in that order (default all 14, breeds first); labels index
    them. Raises ValueError for seed 0, the stream behind the recorded held-out accuracy
    (still never trained on, but no longer fresh); pass another seed.
    """
    if int(seed) == 0:
        raise ValueError("Seed 0 of the test split is the organism's recorded held-out set; "
                         f"use a fresh seed (default {FRESH_SEED}).")
    images, labels = miniworld.dataset("test", n_per_class, size, seed, classes)
    position = {miniworld.CLASSES.index(c): j for j, c in enumerate(classes)}
    local = np.asarray([position[int(k)] for k in labels], dtype=np.int64)
    return StimulusSet(list(classes), local, [f"miniworld:test/{seed}/{i:05d}" for i in range(len(labels))],
                       Preprocess(size, size), source=f"miniworld held-out drawings of the training classes "
                       f"(test split, seed {seed})", schematic=True, pixels=images)

"""Fresh held-out images of the model organism's training classes, as a stimulus set.

The organism's experiments need two kinds of stimuli: the paper's four measurement
categories (face, i-see-face, car, dog), which are
:func:`helpers.organism.world.measurement_stimuli`, and new images of the 14 training classes,
which are :func:`heldout_stimuli`: drawn from the held-out ("test") stream with a seed the
training never used (:data:`FRESH_SEED`), so that no image was seen in training nor used
for the accuracy recorded in ``organism.json``. In memory (``pixels``), flagged
``schematic`` (generated drawings, so figure titles say so), deterministic per seed.
"""

from __future__ import annotations

import numpy as np

from helpers.organism import world as miniworld
from helpers.stimuli.sets import Preprocess, StimulusSet

#: Seed of the held-out images used by the experiments: the organism was trained on
#: split "train" and evaluated on split "test" with its training seed (0, recorded in
#: ``organism.json``); split "test" with seed 1 was never drawn during training.
FRESH_SEED = 1


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
    paths = [f"miniworld:{classes[k]}/{i % int(n_per_class):04d}" for i, k in enumerate(local)]
    source = (f"generated drawings of the training classes (helpers.organism.world, held-out split, seed {int(seed)}, "
              f"{int(size)} px)")
    return StimulusSet(list(classes), local, paths, Preprocess(size, size), source=source, schematic=True,
                       pixels=images)

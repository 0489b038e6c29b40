"""Fresh held-out images of the model organism's training classes, as a stimulus set.

The organism's experiments need two kinds of stimuli: the measurement categories (face,
i-see-face, car, dog, and the novel umbrella), which are
:func:`helpers.organism.world.measurement_stimuli` (with the face's paired controls in
:func:`helpers.organism.world.control_stimuli`), and new images of the training classes, which
are :func:`heldout_stimuli`: drawn from the held-out ("test") stream with a seed no training
run uses (:data:`FRESH_SEED`), so that no image was seen in training nor used for an
accuracy recorded in ``organism.json``. In memory (``pixels``), flagged
``schematic`` (generated drawings, so figure titles say so), deterministic per seed.
"""

from __future__ import annotations

import numpy as np

from helpers.organism import world as miniworld
from helpers.stimuli.sets import Preprocess, StimulusSet

#: Seed of the held-out images used by the experiments. Each copy of the organism was
#: trained on split "train" and evaluated on split "test" of its training seed (recorded in
#: ``organism.json``); training seeds are below :data:`FRESH_SEED`, so split "test" with a
#: seed from :data:`FRESH_SEED` up was never drawn by any training run.
FRESH_SEED = 100


def heldout_stimuli(n_per_class: int = 40, size: int = miniworld.DEFAULT_SIZE, seed: int = FRESH_SEED,
                    classes=miniworld.CLASSES) -> StimulusSet:
    """New images of the training classes (split "test", ``seed``) as a stimulus set.

    Categories are ``classes`` in that order (default all of them, breeds first); labels
    index them. Raises ValueError for a seed below :data:`FRESH_SEED`: those are the
    training runs' seeds, whose test splits are the recorded held-out sets (never trained
    on, but no longer fresh); pass a seed from :data:`FRESH_SEED` up.
    """
    seed = miniworld.whole_number("seed", seed, 0)
    if seed < FRESH_SEED:
        raise ValueError(f"Seeds below {FRESH_SEED} of the test split are reserved for the organism's training runs "
                         f"(their recorded held-out sets); use a fresh seed (default {FRESH_SEED}).")
    images, labels = miniworld.dataset("test", n_per_class, size, seed, classes)
    position = {miniworld.CLASSES.index(c): j for j, c in enumerate(classes)}
    local = np.asarray([position[int(k)] for k in labels], dtype=np.int64)
    paths = [f"miniworld:{classes[k]}/{i % int(n_per_class):04d}" for i, k in enumerate(local)]
    source = (f"generated drawings of the training classes (helpers.organism.world, held-out split, seed {int(seed)}, "
              f"{int(size)} px)")
    return StimulusSet(list(classes), local, paths, Preprocess(size, size), source=source, schematic=True,
                       pixels=images)

"""Fresh held-out images of the organism's classes (helpers.organism.heldout)."""

import numpy as np
import pytest

from helpers.organism import world as miniworld, heldout as organism_stimuli


def test_heldout_stimuli_are_fresh_labelled_and_deterministic():
    s = organism_stimuli.heldout_stimuli(2, size=32)
    assert s.categories == list(miniworld.CLASSES) and s.counts() == {c: 2 for c in miniworld.CLASSES}
    assert s.schematic and s.pixels.shape == (28, 32, 32, 3) and "seed 1" in s.source
    images, labels = miniworld.dataset("test", 2, 32, organism_stimuli.FRESH_SEED)
    assert np.array_equal(s.pixels, images) and np.array_equal(s.labels, labels)
    # none of them is an image of the training stream or of the recorded held-out set (seed 0)
    seen = set(miniworld.image_hashes(miniworld.dataset("train", 2, 32, 0)[0])
               + miniworld.image_hashes(miniworld.dataset("test", 2, 32, 0)[0]))
    assert not seen & set(miniworld.image_hashes(s.pixels))
    assert s.fingerprint() == organism_stimuli.heldout_stimuli(2, size=32).fingerprint()


def test_heldout_stimuli_subset_relabels_and_refuses_the_recorded_seed():
    s = organism_stimuli.heldout_stimuli(3, size=32, classes=("cup", "beagle"))
    assert s.categories == ["cup", "beagle"] and s.labels.tolist() == [0, 0, 0, 1, 1, 1]
    with pytest.raises(ValueError, match="recorded held-out set"):
        organism_stimuli.heldout_stimuli(2, seed=0)

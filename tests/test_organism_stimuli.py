"""Fresh held-out images of the organism's classes (helpers.organism.heldout)."""

import numpy as np
import pytest

from helpers.organism import world as miniworld, heldout as organism_stimuli


def test_heldout_stimuli_are_fresh_labelled_and_deterministic():
    s = organism_stimuli.heldout_stimuli(2, size=32)
    assert s.categories == list(miniworld.CLASSES) and s.counts() == {c: 2 for c in miniworld.CLASSES}
    n = 2 * len(miniworld.CLASSES)
    assert s.schematic and s.pixels.shape == (n, 32, 32, 3) and f"seed {organism_stimuli.FRESH_SEED}" in s.source
    images, labels = miniworld.dataset("test", 2, 32, organism_stimuli.FRESH_SEED)
    assert np.array_equal(s.pixels, images) and np.array_equal(s.labels, labels)
    # none of them is an image of a training stream or of a recorded held-out set (seeds 0, 1, 2)
    seen = set()
    for seed in (0, 1, 2):
        seen |= set(miniworld.image_hashes(miniworld.dataset("train", 2, 32, seed)[0])
                    + miniworld.image_hashes(miniworld.dataset("test", 2, 32, seed)[0]))
    assert not seen & set(miniworld.image_hashes(s.pixels))
    assert s.fingerprint() == organism_stimuli.heldout_stimuli(2, size=32).fingerprint()


def test_heldout_stimuli_subset_relabels_and_refuses_the_recorded_seed():
    s = organism_stimuli.heldout_stimuli(3, size=32, classes=("cup", "beagle"))
    assert s.categories == ["cup", "beagle"] and s.labels.tolist() == [0, 0, 0, 1, 1, 1]
    for seed in (0, 1, organism_stimuli.FRESH_SEED - 1):
        with pytest.raises(ValueError, match="reserved for the organism's training runs"):
            organism_stimuli.heldout_stimuli(2, seed=seed)
    with pytest.raises(ValueError, match="whole number"):
        organism_stimuli.heldout_stimuli(2, seed=100.5)


def test_training_seeds_stay_below_the_fresh_seed():
    """Every committed copy was trained (and scored) on seeds below FRESH_SEED, so the
    experiments' held-out images were never drawn by a training run."""
    from helpers.organism import network as organism

    seeds = {int(s) for kind in organism.TRAINED_KINDS for s in organism.read_record()["models"].get(kind, {})}
    assert seeds and max(seeds) < organism_stimuli.FRESH_SEED

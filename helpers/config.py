"""Profiles, the cache folder and the course's one seed function.

The course runs in one of two profiles, chosen by the environment variable
``COURSE_PROFILE``:

``full`` (default)
    VGG16 with ImageNet weights, 224-px images, real photographs.
``quick``
    Never touches the network: a VGG16 with seeded random weights (an *untrained*
    network), the generated schematic stimulus set and small images. CI runs this.
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np

PROFILES = ("full", "quick")


class UntrainedWarning(UserWarning):
    """Results come from a network with random weights, not the pretrained one."""


@dataclass(frozen=True)
class Profile:
    """Sizes and sources that depend on the profile.

    Attributes
    ----------
    name : "full" or "quick"
    pretrained : whether models load ImageNet weights
    image_size : side of the square network input, in pixels
    resize : side the shorter image edge is resized to before the centre crop, in pixels
    n_per_category : images per category of the schematic set
    batch_size : images per forward pass when collecting activations
    n_permutations : label shuffles of the permutation test
    stimuli : "demo" (downloaded photographs) or "schematic" (generated offline)
    """

    name: str
    pretrained: bool
    image_size: int
    resize: int
    n_per_category: int
    batch_size: int
    n_permutations: int
    stimuli: str

    @property
    def is_quick(self) -> bool:
        return self.name == "quick"


_PROFILES = {
    # Batch 8 keeps a VGG16 run at 224 px within Binder's memory (block1 maps of 32 images
    # alone take 411 MB each) and was not slower than 32 on 2 cores (benchmarks/).
    "full": Profile("full", pretrained=True, image_size=224, resize=256, n_per_category=75,
                    batch_size=8, n_permutations=1000, stimuli="demo"),
    "quick": Profile("quick", pretrained=False, image_size=64, resize=64, n_per_category=24,
                     batch_size=32, n_permutations=1000, stimuli="schematic"),
}


def get_profile(name: str | None = None) -> Profile:
    """The active profile: ``name`` if given, else ``$COURSE_PROFILE``, else ``full``."""
    name = (name or os.environ.get("COURSE_PROFILE") or "full").strip().lower()
    if name not in _PROFILES:
        raise ValueError(
            f"Unknown profile {name!r}: COURSE_PROFILE must be one of {', '.join(PROFILES)} "
            "(e.g. `export COURSE_PROFILE=quick`)."
        )
    return _PROFILES[name]


def cache_dir(*parts: str) -> Path:
    """The course's cache folder (``$COURSE_CACHE``, default ``~/.cache/cnn-selectivity``).

    Sub-folders named by ``parts`` are created on demand.
    """
    root = os.environ.get("COURSE_CACHE") or Path.home() / ".cache" / "cnn-selectivity"
    path = Path(root).expanduser().joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path


def seed_everything(seed: int = 0) -> np.random.Generator:
    """Seed Python's ``random``, NumPy's global RNG and torch (CPU and CUDA).

    Returns a fresh ``numpy.random.Generator`` for code that prefers an explicit one.
    """
    import torch

    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    return np.random.default_rng(seed)

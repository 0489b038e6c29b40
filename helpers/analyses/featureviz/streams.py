"""One random stream per optimised image.

Everything random about an image (its initial parameters, the random transforms of
each step) is drawn from that image's own generator, seeded by ``(seed, key)``, where
the key is normally the filter the image is made for. An image therefore comes out
the same whichever other images share its batch: optimising filters together or one
at a time gives the same images (up to float rounding).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch


class ImageStreams:
    """Independent random generators, one per image of a batch.

    Parameters
    ----------
    seed : non-negative int, shared by the batch
    keys : one int per image (the filter index in :func:`helpers.analyses.featureviz.visualize`);
        the same (seed, key) always gives the same stream, so listing a filter twice
        gives two identical images

    Draws are made on the CPU (torch generators are device-bound) and are tiny.
    """

    def __init__(self, seed: int, keys: Sequence[int]):
        seed = int(seed)
        if seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed}.")
        self.seed = seed
        self.keys = [int(k) for k in keys]
        self.generators = [self._generator(seed, k) for k in self.keys]

    @staticmethod
    def _generator(seed: int, key: int) -> torch.Generator:
        # SeedSequence mixes (seed, key) into 64 well-spread bits: neighbouring keys
        # do not get correlated streams.
        hi, lo = np.random.SeedSequence([seed, key]).generate_state(2, np.uint32)
        return torch.Generator("cpu").manual_seed((int(hi) << 32) | int(lo))

    def __len__(self) -> int:
        return len(self.generators)

    def normal(self, shape: Sequence[int], dtype: torch.dtype = torch.float32) -> torch.Tensor:
        """Standard normal numbers, shape (N, *shape), row i from image i's stream."""
        return torch.stack([torch.randn(tuple(shape), generator=g, dtype=dtype) for g in self.generators])

    def uniform(self, k: int) -> torch.Tensor:
        """Uniform numbers in [0, 1), float32 (N, k), row i from image i's stream."""
        return torch.stack([torch.rand(k, generator=g) for g in self.generators])

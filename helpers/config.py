"""Where the course keeps things, and its one seed function.

- :func:`cache_dir`: the cache folder (``$COURSE_CACHE``, default
  ``~/.cache/cnn-selectivity``) for activations, results and untrained weights.
- :func:`data_root`: where downloaded photographs live (``$COURSE_DATA``, default
  the cache's ``data`` folder).
- :func:`package_data`: data files shipped inside the package (``helpers/data/``),
  found from the installed package itself, so a wheel works as well as a checkout.
- :func:`seed_everything`: seeds Python, NumPy and torch.

The profile (``COURSE_PROFILE``) is not read here: see :mod:`helpers.edge.profiles`.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import numpy as np

PACKAGE_DATA = Path(__file__).resolve().parent / "data"


class UntrainedWarning(UserWarning):
    """Results come from a network with random weights, not the pretrained one."""


def cache_dir(*parts: str) -> Path:
    """The course's cache folder (``$COURSE_CACHE``, default ``~/.cache/cnn-selectivity``).

    Sub-folders named by ``parts`` are created on demand; raises OSError when that
    is impossible (e.g. ``COURSE_CACHE`` names a file).
    """
    root = os.environ.get("COURSE_CACHE") or Path.home() / ".cache" / "cnn-selectivity"
    path = Path(root).expanduser().joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path


def data_root(root: str | os.PathLike | None = None) -> Path:
    """The folder holding the downloaded photographs (the demo set and its sources):
    ``root``, else ``$COURSE_DATA``, else ``cache_dir('data')``. Created here only when
    it is the cache's; raises OSError saying what to set when that is impossible."""
    if root is not None:
        return Path(root).expanduser()
    env = os.environ.get("COURSE_DATA")
    if env:
        return Path(env).expanduser()
    try:
        return cache_dir("data")
    except OSError as e:
        raise OSError(f"Cannot create the course cache folder ({type(e).__name__}: {e}). Set COURSE_CACHE "
                      "or COURSE_DATA to a folder you can write to.") from None


def package_data(*parts: str) -> Path:
    """Path of a data file shipped with the package, e.g. ``package_data("demo_set.csv")``."""
    return PACKAGE_DATA.joinpath(*parts)


def seed_everything(seed: int = 0) -> np.random.Generator:
    """Seed Python's ``random``, NumPy's global RNG and torch (CPU and CUDA).

    Returns a fresh ``numpy.random.Generator`` for code that prefers an explicit one.
    """
    import torch

    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    return np.random.default_rng(seed)

"""Glue shared by the notebooks: set-up, the profile's data, and exercise checks.

Every notebook starts with ``profile = course.setup()``. This module is one of the
edges that read the profile (:mod:`helpers.profiles`): it turns ``COURSE_PROFILE``
into the explicit arguments of the library functions. Heavy results (the model's
activations on the profile's stimulus set, their selectivity) are computed once,
cached on disk (:mod:`helpers.cache`), and reused by every later notebook.
"""

from __future__ import annotations

import functools
import os

from .profiles import Profile, get_profile

SEED = 0
SELECTIVITY_FORMAT = 1  # version of the selectivity cache entries


def banner(profile: Profile | None = None) -> str:
    """One paragraph saying what the numbers in this notebook come from."""
    p = profile or get_profile()
    if p.is_quick:
        return ("PROFILE quick: an UNTRAINED VGG16 (random weights, seed 0) and SCHEMATIC stimuli "
                f"(generated drawings, {p.image_size} px). Every number and figure below rehearses the "
                "method; none of them is the paper's result. Set COURSE_PROFILE=full for the real analysis.")
    return ("PROFILE full: VGG16 with ImageNet weights and real photographs at "
            f"{p.image_size} px. (If the weights cannot be downloaded you will see a loud warning, "
            "and results are labelled UNTRAINED.)")


def setup(threads: int | None = None) -> Profile:
    """Seed everything, set plotting defaults, print the profile banner; return the profile."""
    import matplotlib.pyplot as plt
    import seaborn as sns
    import torch

    from .config import seed_everything

    profile = get_profile()
    seed_everything(SEED)
    if threads or os.environ.get("COURSE_THREADS"):
        torch.set_num_threads(int(threads or os.environ["COURSE_THREADS"]))
    sns.set_theme(context="notebook", style="whitegrid")
    plt.rcParams.update({"figure.dpi": 90, "savefig.dpi": 120, "figure.max_open_warning": 0})
    print(banner(profile))
    return profile


def check(condition: bool, hint: str, success: str = "Correct!") -> None:
    """Assert an exercise's answer with a helpful message; print ``success`` if it holds."""
    if not bool(condition):
        raise AssertionError(f"Not yet: {hint}")
    print(f"✓ {success}")


@functools.lru_cache(maxsize=None)
def stimuli():
    """The profile's stimulus set (schematic drawings for quick; photographs for full)."""
    from .profiles import stimulus_set

    return stimulus_set(get_profile())


@functools.lru_cache(maxsize=None)
def model(trained: bool | None = None, seed: int = SEED):
    """The profile's VGG16 (``trained=None``), or explicitly a trained/untrained one.

    In the quick profile ``trained=True`` still gives an untrained network, because
    the quick profile never downloads anything; its label says so.
    """
    from .models import load_vgg16

    profile = get_profile()
    pretrained = profile.pretrained if trained is None else (trained and profile.pretrained)
    return load_vgg16(pretrained=pretrained, seed=seed)


def control_model():
    """The untrained control beside the profile's model: random weights with seed 0 under
    ``full``; under ``quick`` (whose main model is already untrained) a second random
    network, seed 1, so the two panels still differ only by their weights."""
    return model(trained=False, seed=SEED if get_profile().pretrained else SEED + 1)


def activations(net=None, layers=None, stim=None):
    """Per-filter maximum activations of ``net`` (default: the profile's VGG16) on ``stim``
    (default: the profile's stimulus set), from the disk cache when available."""
    from .activations import collect

    net = model() if net is None else net
    stim = stimuli() if stim is None else stim
    return collect(net, stim, layers=layers, batch_size=get_profile().batch_size)


def featureviz_settings(device=None) -> dict:
    """Image size (px) and steps of feature visualisation for the profile and ``device``,
    to pass on: ``featureviz.visualize(model, layer, filters, **course.featureviz_settings())``."""
    from .profiles import featureviz_settings as settings

    return settings(get_profile(), device)


def selectivity(acts=None):
    """Eq. 1, eq. 2 and the permutation test for every layer of ``acts`` (default: the
    profile's activations). Results of cached activations are cached on disk too
    (:func:`helpers.cache.load_or_compute`), under a key of the activations' own key,
    the layers and the test's settings."""
    import numpy as np

    from .cache import key_digest, load_or_compute
    from .config import cache_dir
    from .selectivity import LayerSelectivity, Selectivity, analyze

    acts = activations() if acts is None else acts
    n_perm = get_profile().n_permutations
    acts_key = acts.meta.get("key") if hasattr(acts, "meta") else None
    root = None
    if acts_key is not None:
        try:
            root = cache_dir("selectivity")
        except OSError:
            pass  # no cache folder: compute below
    if root is None:
        return analyze(acts, n_permutations=n_perm, seed=SEED)
    layers = list(acts)
    key = {"format": SELECTIVITY_FORMAT, "activations": acts_key, "layers": layers, "n_permutations": n_perm,
           "seed": SEED, "balanced": True,
           "statistics": 1}  # becomes selectivity.STATS_VERSION once the statistics module defines it

    def load(folder, meta):
        with np.load(folder / "arrays.npz", allow_pickle=False) as z:
            per_layer = {name: LayerSelectivity(z[f"index{i}"], z[f"p{i}"], z[f"silent{i}"])
                         for i, name in enumerate(layers)}
        return Selectivity(per_layer, list(acts.categories), n_perm, SEED, True, dict(acts.meta))

    def save(result, folder):
        arrays = {}
        for i, layer in enumerate(result.layers.values()):
            arrays.update({f"index{i}": layer.index, f"p{i}": layer.p, f"silent{i}": layer.silent})
        np.savez(folder / "arrays.npz", **arrays)

    return load_or_compute(root / key_digest(key), key, SELECTIVITY_FORMAT, load,
                           lambda: analyze(acts, n_permutations=n_perm, seed=SEED), save,
                           what="selectivity cache", root=root)

"""Glue shared by the notebooks: set-up, the profile's data, and exercise checks.

Every notebook starts with ``profile = course.setup()``; heavy results (the model's
activations on the profile's stimulus set) are computed once, cached on disk by
:func:`helpers.activations.collect`, and reused by every later notebook.
"""

from __future__ import annotations

import functools
import os

from .config import Profile, get_profile, seed_everything

SEED = 0


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
    from .stimuli import default_stimuli

    return default_stimuli()


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


def selectivity(acts=None):
    """Eq. 1, eq. 2, the permutation test and the image bootstrap for every layer of ``acts``
    (default: the profile's activations). Results of cached activations are cached on disk
    too, under a key of the activations' own key, the test's settings and the version of
    the statistics (:data:`helpers.selectivity.STATS_VERSION`)."""
    import hashlib
    import json

    from .config import cache_dir
    from .selectivity import STATS_VERSION, analyze, load_selectivity, save_selectivity

    acts = activations() if acts is None else acts
    n_perm = get_profile().n_permutations
    key = acts.meta.get("key") if hasattr(acts, "meta") else None
    if key is None:
        return analyze(acts, n_permutations=n_perm, seed=SEED)
    digest = hashlib.sha256(json.dumps([key, n_perm, SEED, True, list(acts), STATS_VERSION],
                                       sort_keys=True).encode()).hexdigest()[:24]
    path = cache_dir("selectivity") / f"{digest}.npz"
    if path.exists():
        try:
            return load_selectivity(path)
        except ValueError:
            path.unlink(missing_ok=True)  # unreadable or stale: recompute below
    result = analyze(acts, n_permutations=n_perm, seed=SEED)
    try:
        save_selectivity(result, path)
    except OSError:
        pass  # results are returned; only the cache is missing
    return result

"""The two profiles of the course and what each one means (read at the edges only).

The course runs in one of two profiles, chosen by the environment variable
``COURSE_PROFILE``:

``full`` (default)
    VGG16 with ImageNet weights, 224-px images, real photographs.
``quick``
    Never touches the network: the model organism (:mod:`helpers.organism.network`, a small
    VGG16-shaped network trained here on generated drawings, not the paper's VGG16;
    its cross-entropy copy), the same architecture untrained as its control, and the
    generated measurement drawings of :mod:`helpers.organism.world` (face, i-see-face, car,
    dog) at 64 px. CI runs this.

Three more variables shrink the ``full`` profile for a rehearsal (``tests/test_rehearsal.py``
runs every notebook under ``full`` on stand-in weights and photographs in a few minutes;
a class never sets them). :func:`get_profile` reads them, and banners say when they are set:

``COURSE_FULL_N``
    at most this many images per category of the demo set (evenly spaced within each
    category, so every dog breed keeps some), instead of all 372
``COURSE_FEATUREVIZ_SIZE``, ``COURSE_FEATUREVIZ_STEPS``
    image side (px) and optimisation steps of feature visualisation (default: by device,
    :func:`featureviz_settings`)

This module is the only one that reads ``COURSE_PROFILE`` (:func:`get_profile`), and
only the edges import it: :mod:`helpers.edge.course` (the notebooks' glue),
:mod:`helpers.__main__` (the command line) and :mod:`helpers.edge.envcheck`. Every other
function of the package takes explicit arguments with constant defaults; the
functions here turn a :class:`Profile` into those arguments.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass

NAMES = ("full", "quick")


@dataclass(frozen=True)
class Profile:
    """Sizes and sources that depend on the profile.

    Attributes
    ----------
    name : "full" or "quick"
    pretrained : whether the main model is trained (``model="vgg16"``: ImageNet weights;
        ``model="organism"``: the organism's committed copy named by ``organism``)
    image_size : side of the square network input, in pixels
    resize : side the shorter image edge is resized to before the centre crop, in pixels
    n_per_category : images per category of the generated set (miniworld)
    batch_size : images per forward pass when collecting activations
    n_permutations : label shuffles of the permutation test
    stimuli : "demo" (downloaded photographs), "miniworld" (the organism's measurement
        drawings, :func:`helpers.organism.world.measurement_stimuli`, offline)
    model : "vgg16" (torchvision's, :func:`helpers.cnn.models.load_vgg16`) or "organism"
        (:func:`helpers.organism.network.load_organism`)
    organism : which trained copy of the organism is the main model ("ce" or "soft")
    control_seed : seed of the untrained control's random weights (for the organism,
        0 is the seed the trained copies started from)
    featureviz_size, featureviz_steps : image side (px) and optimisation steps of
        feature visualisation; None: :func:`featureviz_settings` chooses by
        the device
    max_per_category : at most this many images per category of the demo set (None: all;
        ``COURSE_FULL_N`` sets it, for rehearsals)
    """

    name: str
    pretrained: bool
    image_size: int
    resize: int
    n_per_category: int
    batch_size: int
    n_permutations: int
    stimuli: str
    featureviz_size: int | None = None
    featureviz_steps: int | None = None
    model: str = "vgg16"
    organism: str = "ce"
    control_seed: int = 0
    max_per_category: int | None = None

    @property
    def is_quick(self) -> bool:
        return self.name == "quick"


#: name -> :class:`Profile`. A what-if can replace an entry (``dataclasses.replace``)
#: before the first :func:`get_profile` call of a kernel.
PROFILES = {
    # Batch 8 keeps a VGG16 run at 224 px within Binder's memory (block1 maps of 32 images
    # alone take 411 MB each) and was not slower than 32 on 2 cores (benchmarks/).
    "full": Profile("full", pretrained=True, image_size=224, resize=256, n_per_category=75,
                    batch_size=8, n_permutations=1000, stimuli="demo"),
    # Feature visualisation at 48 px and 24 steps runs every cell in CI; it shows little.
    # 36 drawings per category: 6 of each dog breed; the organism collects them in about a
    # second on 2 cores (benchmarks/), so every notebook stays within its minute.
    "quick": Profile("quick", pretrained=True, image_size=64, resize=64, n_per_category=36,
                     batch_size=32, n_permutations=1000, stimuli="miniworld",
                     featureviz_size=48, featureviz_steps=24, model="organism"),
}


#: The rehearsal's variables (see the module docstring) -> the Profile field each one sets.
REDUCTIONS = {"COURSE_FULL_N": "max_per_category", "COURSE_FEATUREVIZ_SIZE": "featureviz_size",
              "COURSE_FEATUREVIZ_STEPS": "featureviz_steps"}


def _positive(var: str) -> int | None:
    value = (os.environ.get(var) or "").strip()
    if not value:
        return None
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"{var}={value!r} must be a positive whole number (or unset it).")
    return int(value)


def get_profile(name: str | None = None) -> Profile:
    """The active profile: ``name`` if given, else ``$COURSE_PROFILE``, else ``full``;
    ``full`` reduced by the rehearsal's variables where set (see the module docstring)."""
    name = (name or os.environ.get("COURSE_PROFILE") or "full").strip().lower()
    if name not in PROFILES:
        raise ValueError(
            f"Unknown profile {name!r}: COURSE_PROFILE must be one of {', '.join(NAMES)} "
            "(e.g. `export COURSE_PROFILE=quick`)."
        )
    profile = PROFILES[name]
    if name == "full":
        changes = {field: v for var, field in REDUCTIONS.items() if (v := _positive(var)) is not None}
        if changes:
            size = changes.get("featureviz_size", profile.featureviz_size)
            steps = changes.get("featureviz_steps", profile.featureviz_steps)
            if (size is None) != (steps is None):  # one alone: the other from the CPU's defaults
                size, steps = size or 128, steps or 128
            changes.update(featureviz_size=size, featureviz_steps=steps)
            profile = dataclasses.replace(profile, **changes)
    return profile


def reductions(profile: Profile) -> str:
    """The rehearsal's reductions of ``profile`` in words, or "" when there are none."""
    if profile.name != "full":
        return ""
    parts = []
    if profile.max_per_category is not None:
        parts.append(f"at most {profile.max_per_category} images per category (COURSE_FULL_N)")
    if profile.featureviz_size is not None:
        parts.append(f"feature visualisation {profile.featureviz_size} px, {profile.featureviz_steps} steps "
                     "(COURSE_FEATUREVIZ_SIZE/STEPS)")
    return "REDUCED for a rehearsal: " + "; ".join(parts) if parts else ""


def limit_per_category(stim, n: int):
    """``stim`` with at most ``n`` images per category, evenly spaced within each category
    (the first and last kept), in the set's order."""
    import numpy as np

    keep = []
    for c in range(len(stim.categories)):
        idx = np.flatnonzero(stim.labels == c)
        keep.append(idx if len(idx) <= n else idx[np.unique(np.linspace(0, len(idx) - 1, n).round().astype(int))])
    if all(len(k) == (stim.labels == c).sum() for c, k in enumerate(keep)):
        return stim
    out = stim.subset(np.sort(np.concatenate(keep)))
    out.source = f"{stim.source} (at most {n} per category, COURSE_FULL_N)"
    return out


def preprocess(profile: Profile):
    """The :class:`helpers.stimuli.sets.Preprocess` of ``profile`` (full: ImageNet's 256 -> 224)."""
    from helpers.stimuli.sets import Preprocess

    return Preprocess(resize=profile.resize, crop=profile.image_size)


def stimulus_set(profile: Profile, progress: bool = True):
    """The profile's stimulus set: for ``quick`` the organism's measurement drawings
    (:func:`helpers.organism.world.measurement_stimuli`, seed 0); for ``full``, the demo
    photographs (fetched once, with a progress bar when ``progress``; see
    :func:`helpers.stimuli.demo.demo_set`)."""
    if profile.stimuli == "miniworld":
        from helpers.organism.world import measurement_stimuli

        return measurement_stimuli(profile.n_per_category, profile.image_size, seed=0)
    from helpers.stimuli.demo import demo_set

    stim = demo_set(preprocess=preprocess(profile), progress=progress)
    return stim if profile.max_per_category is None else limit_per_category(stim, profile.max_per_category)


def load_model(profile: Profile, trained: bool | None = None, seed: int | None = None):
    """The profile's network: trained as the profile says (``trained=None``) or explicitly
    trained / untrained.

    ``model="vgg16"``: :func:`helpers.cnn.models.load_vgg16` (trained = ImageNet weights; an
    untrained one has random weights with ``seed``, default ``profile.control_seed``).
    ``model="organism"``: :func:`helpers.organism.network.load_organism` (trained = the committed
    ``profile.organism`` copy; untrained = the same architecture with random weights,
    ``seed`` default ``profile.control_seed``, the seed the trained copies started from).
    """
    trained = profile.pretrained if trained is None else bool(trained)
    seed = profile.control_seed if seed is None else int(seed)
    if profile.model == "organism":
        from helpers.organism.network import load_organism

        return load_organism(profile.organism) if trained else load_organism("untrained", seed=seed)
    from helpers.cnn.models import load_vgg16

    return load_vgg16(pretrained=trained, seed=seed)


def describe_model(profile: Profile) -> str:
    """The profile's main model and its control, in a few words (for banners and checks)."""
    if profile.model == "organism":
        from helpers.labels import ORGANISM_LOSSES

        loss = ORGANISM_LOSSES.get(profile.organism, profile.organism)
        return ("a small VGG16-shaped network trained on generated drawings — not the paper's VGG16 "
                f"(the model organism, its {loss} copy), beside the same architecture UNTRAINED "
                f"(random weights, seed {profile.control_seed}) as its control")
    if profile.pretrained:
        from helpers.cnn.models import standin_weights

        standin = standin_weights("vgg16")
        weights = (f"STAND-IN weights ({standin}, from COURSE_VGG16_URL; not torchvision's ImageNet weights)"
                   if standin else "ImageNet weights")
        return (f"VGG16 with {weights}, beside VGG16 UNTRAINED (random weights, seed "
                f"{profile.control_seed}) as its control")
    return f"an UNTRAINED VGG16 (random weights, seed {profile.control_seed})"


def describe_stimuli(profile: Profile) -> str:
    """The profile's stimuli, in a few words."""
    what = {"miniworld": "generated drawings of face, i-see-face, car and dog (helpers.organism.world)",
            "demo": "real photographs (the demo set)"}[profile.stimuli]
    return f"{what} at {profile.image_size} px"


def featureviz_settings(profile: Profile, device=None) -> dict:
    """Image size (px) and number of steps of feature visualisation: the profile's when
    it sets them (quick: 48 px, 24 steps, enough to run every cell in CI, not to see
    much); otherwise by device: 224 px and 512 steps on a GPU, 128 px and 128 steps on
    the CPU (2-3 minutes for 8 VGG16 ``block4_conv3`` filters on 2 idle cores)."""
    if profile.featureviz_size is not None and profile.featureviz_steps is not None:
        return {"size": profile.featureviz_size, "steps": profile.featureviz_steps}
    import torch

    if torch.device(device or "cpu").type == "cpu":
        return {"size": 128, "steps": 128}
    return {"size": 224, "steps": 512}

"""Glue shared by the notebooks: set-up, the profile's data, and exercise checks.

Every notebook starts with ``profile = course.setup()``. This module is one of the
edges that read the profile (:mod:`helpers.edge.profiles`): it turns ``COURSE_PROFILE``
into the explicit arguments of the library functions. Heavy results (the model's
activations on the profile's stimulus set, their selectivity) are computed once,
cached on disk (:mod:`helpers.cache`), and reused by every later notebook.
"""

from __future__ import annotations

import functools
import os
import weakref

from helpers.labels import PAPER_CATEGORIES  # re-exported: the notebooks compare their sets with it
from helpers.edge.profiles import Profile, get_profile

SEED = 0


def banner(profile: Profile | None = None) -> str:
    """One paragraph saying what the numbers in this notebook come from."""
    from helpers.edge.profiles import describe_model, describe_stimuli

    p = profile or get_profile()
    if p.is_quick:
        return (f"PROFILE quick: {describe_model(p)}; stimuli: {describe_stimuli(p)}. "
                "Every number and figure below is measured on this small network, offline; none of "
                "them is the paper's result. Set COURSE_PROFILE=full for the pretrained VGG16 on photographs.")
    from helpers.cnn.models import standin_weights
    from helpers.edge.profiles import reductions

    standin = standin_weights("vgg16")
    if standin:
        text = (f"PROFILE full, REHEARSAL: VGG16 with STAND-IN weights ({standin}, from COURSE_VGG16_URL: "
                "not torchvision's ImageNet weights), and whatever photographs the data sources' mirror "
                f"variables point at, at {p.image_size} px. No number below means anything about VGG16.")
    else:
        text = ("PROFILE full: VGG16 with ImageNet weights and real photographs at "
                f"{p.image_size} px. (If the weights cannot be downloaded you will see a loud warning, "
                "and results are labelled UNTRAINED.)")
    reduced = reductions(p)
    return f"{text} {reduced}." if reduced else text



def describe(net=None, stim=None) -> str:
    """Markdown: which model and which categories this notebook's numbers come from, read off
    the loaded model and stimulus set (default: the profile's), and how they differ from the
    paper's (pretrained VGG16; 300 photographs of face, i-see-face, car and dog)."""
    import numpy as np

    from helpers.labels import ORGANISM_ARCH
    from helpers.cnn.models import model_info

    net = model() if net is None else net
    stim = stimuli() if stim is None else stim
    counts = np.bincount(stim.labels, minlength=len(stim.categories))
    parts = []
    for c, n in zip(stim.categories, counts):
        text = f"**{c}** ({n})"
        if stim.subcategories is not None:
            subs = sorted({str(s) for s, lab in zip(stim.subcategories, stim.labels)
                           if lab == stim.categories.index(c) and str(s)})
            if subs:
                text += f": {len(subs)} kinds ({', '.join(subs)})"
        parts.append(text)
    missing = [c for c in PAPER_CATEGORIES if c not in stim.categories]
    extra = [c for c in stim.categories if c not in PAPER_CATEGORIES]
    lines = [f"- **Model:** {model_info(net).label}",
             f"- **Stimuli:** {stim.source or 'a stimulus set'}; {len(stim.labels)} images in "
             f"{len(stim.categories)} categories: " + "; ".join(parts)]
    diff = []
    if missing:
        diff.append(f"lacks the paper's {', '.join(missing)}")
    if extra:
        diff.append(f"adds {', '.join(extra)} (not in the paper)")
    if stim.schematic:
        diff.append("uses generated drawings, not photographs")
    info = model_info(net)
    if info.arch == ORGANISM_ARCH:
        diff.append("runs a small VGG16-shaped network trained here on generated drawings of 18 classes "
                    "(6 dog breeds, 8 objects and 4 more animals, never a face), not the paper's VGG16 trained on "
                    "ImageNet"
                    if info.trained else "runs the organism's architecture untrained (random weights)")
    elif not info.trained:
        diff.append("runs an untrained network")
    elif info.standin:
        diff.append("runs STAND-IN weights (a rehearsal), not the ImageNet weights")
    lines.append("- **Compared with the paper** (pretrained VGG16, 300 photographs: face, i-see-face, car, "
                 "dog): " + ("this run " + "; ".join(diff) + "." if diff else "the same four categories."))
    return "\n".join(lines)


def _inline_figures() -> bool:
    """In a Jupyter kernel, draw figures inline whatever ``MPLBACKEND`` says: a kernel started
    from a shell with ``MPLBACKEND=Agg`` (as test runs and headless builds set it) would otherwise
    show no figure and store none in the executed notebook (why 9 of 11 teacher editions had
    none). Outside a kernel nothing changes; returns whether it switched."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover
        return False
    ip = get_ipython()
    if ip is None or type(ip).__name__ != "ZMQInteractiveShell":
        return False
    ip.run_line_magic("matplotlib", "inline")
    return True


def setup(threads: int | None = None) -> Profile:
    """Seed everything, set plotting defaults, print the profile banner; return the profile."""
    import matplotlib.pyplot as plt
    import seaborn as sns
    import torch

    from helpers.config import seed_everything
    from helpers.edge.exercises import watch_cells

    profile = get_profile()
    seed_everything(SEED)
    watch_cells()  # an answer cell that raised never passes its check (helpers.exercises)
    _inline_figures()
    if threads or os.environ.get("COURSE_THREADS"):
        torch.set_num_threads(int(threads or os.environ["COURSE_THREADS"]))
    sns.set_theme(context="notebook", style="whitegrid")
    plt.rcParams.update({"figure.dpi": 90, "savefig.dpi": 120, "figure.max_open_warning": 0})
    print(banner(profile))
    return profile


# --------------------------------------------------------------------------- exercise checks
# The checks live in helpers.exercises (see its docstring): a check never raises, never rebinds
# the learner's names (store what it returns under a name of its own, e.g. `ratio_used =
# course.check_answer(ratio, ...)`), says what is wrong, and shows the reference solution,
# collapsed, after an attempt. The learner edition (tools/editions.py) leaves its answers blank:
# Python's Ellipsis, ``...``.
from helpers.edge.exercises import (REFERENCE_NOTE, check, check_answer, check_function, check_text,
    is_blank, same, verify_prediction)


def reference(name: str, *args):
    """The reference answer of an exercise whose solution no helpers function computes
    (the check cell shows the call, not the solution). ``name`` is one of
    :data:`REFERENCES`; ``args`` are the exercise's inputs, as its check cell passes them."""
    if name not in REFERENCES:
        raise KeyError(f"No reference answer {name!r}; known: {', '.join(sorted(REFERENCES))}.")
    return REFERENCES[name](*args)


def _pixel_ratio():
    return (get_profile("full").image_size / get_profile("quick").image_size) ** 2


def _permutation_p(null, observed):
    import numpy as np

    null = np.asarray(null)
    return float((1 + np.sum(null >= observed)) / (1 + len(null)))


def _strongest_layer(result, category, threshold=0.05, correction="bh"):
    from helpers.stats.selectivity import summary_table

    t = summary_table(result, "p", threshold, correction)
    return t[t["category"] == category].set_index("layer")["proportion"].idxmax()


def _exemplar_purity(result, acts_layer, labels, layer, category, rank=2, k=10):
    import numpy as np

    from helpers.analyses.exemplars import top_exemplars
    from helpers.stats.selectivity import most_selective

    f = int(most_selective(result, layer, category, k=rank, by="p")["filter"].iloc[rank - 1])
    ex = top_exemplars(acts_layer, f, k=k, labels=labels)
    return float(np.mean(ex.labels == result.categories.index(category)))


def _zero_fraction(layer_result, acts_layer, labels, category_index, threshold=0.01):
    import numpy as np

    from helpers.stats.selectivity import selective

    chosen = np.flatnonzero(selective(layer_result, "p", threshold)[:, category_index])
    return (np.asarray(acts_layer)[np.asarray(labels) == category_index][:, chosen] == 0).mean(axis=0)


def _best_readout_layer(readout):
    return readout["mean"].idxmax()  # idxmax: the first, i.e. shallowest, of tied maxima


REFERENCES = {
    "pixel_ratio": _pixel_ratio,  # notebook 00: pixels of a full-profile image / a quick one
    "permutation_p": _permutation_p,  # 04: p-value of an observed share given its null
    "strongest_layer": _strongest_layer,  # 05: layer with the largest BH-corrected proportion
    "exemplar_purity": _exemplar_purity,  # 06: share of a filter's top-k exemplars in a category
    "zero_fraction": _zero_fraction,  # 07: per selective filter, share of own images at 0
    "best_readout_layer": _best_readout_layer,  # 10: layer with the best mean read-out
}


@functools.lru_cache(maxsize=None)
def stimuli():
    """The profile's stimulus set (quick: the organism's measurement drawings of face,
    i-see-face, car and dog; full: photographs)."""
    from helpers.edge.profiles import stimulus_set

    return stimulus_set(get_profile())


def model(trained: bool | None = None, seed: int = SEED):
    """The profile's network (``trained=None``: quick, the cross-entropy model organism;
    full, the pretrained VGG16), or explicitly a trained or untrained one of the same
    architecture; an untrained one has random weights with ``seed``. Every model says
    what it is in ``model.course_info`` (:func:`helpers.cnn.models.model_info`). The same
    network is one object, however it is asked for (``model()`` is ``model(trained=True)``
    where the profile's model is trained), as long as something holds it: a network nobody
    refers to any more is let go (a VGG16 takes 528 MB, and Binder's 2 GB do not hold two
    of them beside a notebook's work), and loaded again, from memory-mapped files in a
    fraction of a second, when asked for next."""
    profile = get_profile()
    trained = profile.pretrained if trained is None else bool(trained)
    return _model(profile.name, trained, None if trained else int(seed))


# (profile, trained, seed) -> network, while anything else refers to it (see model()).
_MODELS: "weakref.WeakValueDictionary[tuple, object]" = weakref.WeakValueDictionary()


def _model(profile_name: str, trained: bool, seed: int | None):
    from helpers.edge.profiles import load_model

    key = (profile_name, trained, seed)
    net = _MODELS.get(key)
    if net is None:
        net = load_model(get_profile(profile_name), trained=trained, seed=seed)
        _MODELS[key] = net
    return net


def control_model():
    """The untrained control beside the profile's model: the same architecture with random
    weights, seed ``SEED`` (quick: the organism's architecture at the very initialisation
    its trained copies started from; full: VGG16)."""
    return model(trained=False, seed=SEED)


def activations(net=None, layers=None, stim=None):
    """Per-filter maximum activations of ``net`` (default: the profile's VGG16) on ``stim``
    (default: the profile's stimulus set), from the disk cache when available."""
    from helpers.cnn.activations import collect

    net = model() if net is None else net
    stim = stimuli() if stim is None else stim
    return collect(net, stim, layers=layers, batch_size=get_profile().batch_size)


def featureviz_settings(device=None) -> dict:
    """Image size (px) and steps of feature visualisation for the profile and ``device``,
    to pass on: ``featureviz.visualize(model, layer, filters, **course.featureviz_settings())``."""
    from helpers.edge.profiles import featureviz_settings as settings

    return settings(get_profile(), device)


def selectivity(acts=None):
    """Eq. 1, eq. 2, the permutation test and the image bootstrap for every layer of ``acts``
    (default: the profile's activations), with the profile's number of shuffles. Results of
    cached activations are cached on disk too, beside those of ``python -m helpers report``
    (:func:`helpers.stats.selectivity.analyze_cached`: keyed by the activations' own key, the
    layers and every setting of the test, versioned by the statistics, never served stale)."""
    from helpers.stats import selectivity as sel

    acts = activations() if acts is None else acts
    return sel.analyze_cached(acts, n_permutations=get_profile().n_permutations, seed=SEED)

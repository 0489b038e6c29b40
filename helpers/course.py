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
import weakref

from .labels import PAPER_CATEGORIES  # re-exported: the notebooks compare their sets with it
from .profiles import Profile, get_profile

SEED = 0


def banner(profile: Profile | None = None) -> str:
    """One paragraph saying what the numbers in this notebook come from."""
    from .profiles import describe_model, describe_stimuli

    p = profile or get_profile()
    if p.is_quick:
        return (f"PROFILE quick: {describe_model(p)}; stimuli: {describe_stimuli(p)}. "
                "Every number and figure below is measured on this small network, offline; none of "
                "them is the paper's result. Set COURSE_PROFILE=full for the pretrained VGG16 on photographs.")
    from .models import standin_weights
    from .profiles import reductions

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

    from .labels import ORGANISM_ARCH
    from .models import model_info

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
        diff.append("runs a small VGG16-shaped network trained here on generated drawings of 14 classes "
                    "(6 dog breeds and 8 objects, never a face), not the paper's VGG16 trained on ImageNet"
                    if info.trained else "runs the organism's architecture untrained (random weights)")
    elif not info.trained:
        diff.append("runs an untrained network")
    elif info.standin:
        diff.append("runs STAND-IN weights (a rehearsal), not the ImageNet weights")
    lines.append("- **Compared with the paper** (pretrained VGG16, 300 photographs: face, i-see-face, car, "
                 "dog): " + ("this run " + "; ".join(diff) + "." if diff else "the same four categories."))
    return "\n".join(lines)


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


# --------------------------------------------------------------------------- exercise checks
# An exercise is an answer cell (the learner's code) and a check cell. A check never raises:
# it prints "✓ ..." for a right answer and "Not yet: <hint>" for a blank or wrong one, and
# check_answer / check_function hand back the reference in that case, so that every later
# cell of the notebook still runs on a correct value. The learner edition of a notebook
# (tools/editions.py) leaves its answers blank: Python's Ellipsis, ``...``.

REFERENCE_NOTE = "(the cells below use the reference answer)"


def is_blank(answer) -> bool:
    """Whether an answer is still the blank of the learner edition (``...``) or ``None``."""
    return answer is None or answer is Ellipsis


def same(answer, reference, rtol: float = 1e-5, atol: float = 1e-8) -> bool:
    """Whether ``answer`` equals ``reference``: numbers and arrays of equal shape within
    ``rtol``/``atol`` (NaN equals NaN), mappings key by key, strings exactly, anything else by
    ``==``. A blank answer, or one that cannot be compared, is never equal."""
    import numbers

    import numpy as np

    if is_blank(answer):
        return False
    try:
        if isinstance(reference, dict):
            return (isinstance(answer, dict) and set(answer) == set(reference)
                    and all(same(answer[k], reference[k], rtol, atol) for k in reference))
        if isinstance(reference, str):
            return isinstance(answer, str) and answer == reference
        if isinstance(reference, (numbers.Number, np.ndarray, np.generic)):
            if isinstance(answer, (str, bytes)):  # NumPy would read "0.25" as a number
                return False
            a = np.asarray(answer, dtype=np.float64)
            r = np.asarray(reference, dtype=np.float64)
            return a.shape == r.shape and bool(np.allclose(a, r, rtol=rtol, atol=atol, equal_nan=True))
        return bool(answer == reference)
    except (TypeError, ValueError, AttributeError):
        return False


def check(condition, hint: str, success: str = "Correct!") -> bool:
    """Report a yes/no exercise check: print ``✓ success`` when ``condition`` holds, else
    ``Not yet: hint``. Never raises (a learner's wrong answer is not an error); returns
    whether the condition held."""
    ok = bool(condition)
    print(f"✓ {success}" if ok else f"Not yet: {hint}")
    return ok


def _equal(answer, reference, equal, rtol, atol) -> bool:
    if is_blank(answer):
        return False
    if equal is None:
        return same(answer, reference, rtol, atol)
    try:
        return bool(equal(answer, reference))
    except Exception:  # a malformed answer (wrong type or shape) is a wrong answer
        return False


def check_answer(answer, reference, hint: str, success: str = "Correct!", *, equal=None,
                 rtol: float = 1e-5, atol: float = 1e-8):
    """Check a value the learner computed against ``reference``.

    ``equal(answer, reference) -> bool`` replaces the default comparison, :func:`same` with
    ``rtol``/``atol``. Prints ``✓ success`` or ``Not yet: hint``; returns ``answer`` when it is
    right and ``reference`` otherwise, so ``x = course.check_answer(x, ...)`` lets the rest
    of the notebook run on a correct ``x``.
    """
    if check(_equal(answer, reference, equal, rtol, atol), hint, success):
        return answer
    print(f"  {REFERENCE_NOTE}")
    return reference


def check_function(function, reference, cases, hint: str, success: str = "Correct!", *,
                   equal=None, rtol: float = 1e-5, atol: float = 1e-8):
    """Check a function the learner wrote against a ``reference`` function.

    ``cases`` is a list of argument tuples; the answer is right when ``function(*args)``
    equals ``reference(*args)`` for every one (compared as in :func:`check_answer`). An
    exception raised by the learner's function counts as not yet, and its message is shown.
    Returns ``function`` when it is right and ``reference`` otherwise.
    """
    ok, error = True, ""
    for args in cases:
        try:
            result = function(*args)
        except Exception as e:  # the learner's code: report, do not stop the notebook
            ok, error = False, f"your function raised {type(e).__name__}: {e}. "
            break
        if not _equal(result, reference(*args), equal, rtol, atol):
            ok = False
            break
    if check(ok, error + hint, success):
        return function
    print(f"  {REFERENCE_NOTE}")
    return reference


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
    from .selectivity import summary_table

    t = summary_table(result, "p", threshold, correction)
    return t[t["category"] == category].set_index("layer")["proportion"].idxmax()


def _exemplar_purity(result, acts_layer, labels, layer, category, rank=2, k=10):
    import numpy as np

    from .exemplars import top_exemplars
    from .selectivity import most_selective

    f = int(most_selective(result, layer, category, k=rank, by="p")["filter"].iloc[rank - 1])
    ex = top_exemplars(acts_layer, f, k=k, labels=labels)
    return float(np.mean(ex.labels == result.categories.index(category)))


def _zero_fraction(layer_result, acts_layer, labels, category_index, threshold=0.01):
    import numpy as np

    from .selectivity import selective

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
    from .profiles import stimulus_set

    return stimulus_set(get_profile())


def model(trained: bool | None = None, seed: int = SEED):
    """The profile's network (``trained=None``: quick, the cross-entropy model organism;
    full, the pretrained VGG16), or explicitly a trained or untrained one of the same
    architecture; an untrained one has random weights with ``seed``. Every model says
    what it is in ``model.course_info`` (:func:`helpers.models.model_info`). The same
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
    from .profiles import load_model

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
    """Eq. 1, eq. 2, the permutation test and the image bootstrap for every layer of ``acts``
    (default: the profile's activations). Results of cached activations are cached on disk
    too (:func:`helpers.cache.load_or_compute`, written by
    :func:`helpers.selectivity.save_selectivity`), under a key of the activations' own key,
    the layers and the test's settings; the entry's format version is the version of the
    statistics (:data:`helpers.selectivity.STATS_VERSION`), so a change to them is never
    served stale."""
    from . import selectivity as sel
    from .cache import key_digest, load_or_compute
    from .config import cache_dir

    acts = activations() if acts is None else acts
    n_perm = get_profile().n_permutations
    acts_key = acts.meta.get("key") if hasattr(acts, "meta") else None
    root = None
    if acts_key is not None:
        try:
            root = cache_dir("selectivity")
        except OSError:
            pass  # no cache folder: compute below

    def compute():
        return sel.analyze(acts, n_permutations=n_perm, seed=SEED)

    if root is None:
        return compute()
    # analyze()'s other settings are its defaults: they are in the key too, so that changing
    # one of them is never served a result computed with another.
    key = {"activations": acts_key, "layers": list(acts), "n_permutations": n_perm, "seed": SEED,
           "balanced": True, "resolve_q": list(sel.RESOLVE_Q), "n_boot": sel.N_BOOT,
           "max_permutations": sel.MAX_PERMUTATIONS, "mc_confidence": sel.MC_CONFIDENCE}
    name = "selectivity.npz"

    def load(folder, meta):
        return sel.load_selectivity(folder / name)

    def save(result, folder):
        sel.save_selectivity(result, folder / name)

    return load_or_compute(root / key_digest(key), key, sel.STATS_VERSION, load, compute, save,
                           what="selectivity cache", root=root)

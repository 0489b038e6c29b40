"""Is this machine ready for the course? One function that looks, one that prints.

:func:`check_environment` inspects the set-up and returns a list of
``(item, ok, message)`` triples; :func:`print_report` shows them as a checklist.
Nothing is installed or downloaded (the cache folder is created if missing). Under the ``quick`` profile nothing
touches the network either; under ``full`` the only network traffic is one short
``HEAD`` request asking whether the pretrained weights could be downloaded, and
only when they are not cached yet.

``ok`` means "this is in place"; the message says what to do when it is not and
whether the active profile needs it at all (the quick profile needs neither the
pretrained weights nor the demo photographs).
"""

from __future__ import annotations

import importlib.util
import os
import tempfile
import urllib.error
import urllib.request
from importlib import metadata
from pathlib import Path
from typing import Callable

# The packages the notebooks import (module name -> distribution name for pip).
REQUIRED = {"torch": "torch", "torchvision": "torchvision", "numpy": "numpy", "pandas": "pandas",
            "matplotlib": "matplotlib", "seaborn": "seaborn", "PIL": "pillow", "tqdm": "tqdm",
            "xxhash": "xxhash"}
# The two halves of working sliders: the kernel side (ipywidgets) and the front-end
# extensions, one for JupyterLab and one for the classic notebook.
WIDGET_FRONTENDS = ("jupyterlab_widgets", "widgetsnbextension")
ITEMS = ("profile", "packages", "cache folder", "stimuli", "pretrained weights", "GPU", "widgets")
PROBE_TIMEOUT = 5.0  # seconds for the HEAD request of the full profile


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def _check_profile():
    from helpers.edge.profiles import NAMES, get_profile

    raw = os.environ.get("COURSE_PROFILE")
    try:
        prof = get_profile()
    except ValueError:
        return None, ("profile", False,
                      f"COURSE_PROFILE={raw!r} is not a profile. Set it to one of {', '.join(NAMES)} "
                      "(e.g. `export COURSE_PROFILE=quick`) and restart the kernel; the other checks "
                      "below assume `full`, the default.")
    source = f"COURSE_PROFILE={raw}" if raw else "COURSE_PROFILE is not set, so the default applies"
    if prof.is_quick:
        from helpers.edge.profiles import describe_model, describe_stimuli

        what = (f"quick ({source}): {describe_model(prof)}; {describe_stimuli(prof)}; offline. Good for "
                "learning the method on a network whose training is fully known; for the paper's analysis "
                "set COURSE_PROFILE=full and restart the kernel.")
    else:
        from helpers.cnn.models import standin_weights
        from helpers.edge.profiles import reductions

        standin = standin_weights("vgg16")
        if standin:
            what = (f"full ({source}), REHEARSAL: VGG16 with STAND-IN weights ({standin}, from COURSE_VGG16_URL; "
                    f"not torchvision's ImageNet weights) at {prof.image_size} px; no number means anything "
                    "about VGG16. Unset COURSE_VGG16_URL for the real weights.")
        else:
            what = (f"full ({source}): VGG16 with ImageNet weights and real photographs at "
                    f"{prof.image_size} px. For an offline rehearsal set COURSE_PROFILE=quick.")
        if reductions(prof):
            what += f" {reductions(prof)}."
    return prof, ("profile", True, what)


def _check_packages():
    missing = [dist for mod, dist in REQUIRED.items() if importlib.util.find_spec(mod) is None]
    if missing:
        return ("packages", False,
                f"missing: {', '.join(missing)}. Run `make setup` in the repository (or "
                "`pip install -r requirements.txt`) and restart the kernel.")
    versions = ", ".join(f"{d} {_version(d)}" for d in ("torch", "torchvision", "numpy"))
    return ("packages", True, f"all present ({versions}).")


def _check_cache():
    from helpers.config import cache_dir

    try:
        folder = cache_dir()
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".envcheck-"):
            pass
    except OSError as e:
        where = os.environ.get("COURSE_CACHE") or str(Path.home() / ".cache" / "cnn-selectivity")
        return ("cache folder", False,
                f"{where} is not writable ({type(e).__name__}: {e}). Set COURSE_CACHE to a folder "
                "you can write to (e.g. `export COURSE_CACHE=$HOME/course-cache`) and restart the "
                "kernel; without it every notebook recomputes the activations.")
    return ("cache folder", True, f"{folder} is writable (activations are cached there).")


def _check_stimuli(prof):
    from helpers.edge.profiles import get_profile

    prof = prof or get_profile("full")
    try:
        from helpers.config import data_root
        from helpers.stimuli.demo import DEMO_DIRNAME, read_manifest

        folder = data_root() / DEMO_DIRNAME
        have_photos = read_manifest(folder) is not None
    except Exception as e:  # noqa: BLE001 - any failure here means "cannot tell"
        folder, have_photos = None, False
        why = f" ({type(e).__name__}: {e})"
    else:
        why = ""
    if prof.stimuli == "miniworld":
        photos = ("the demo photographs are there too" if have_photos else
                  "the demo photographs are not downloaded, which this profile does not need")
        what = "measurement drawings (helpers.organism.world)"
        try:
            import numpy as np

            from helpers.organism.world import draw

            draw("face", 32, np.random.default_rng(0))
        except Exception as e:  # noqa: BLE001
            return ("stimuli", False, f"the {what} cannot be generated ({type(e).__name__}: {e}); "
                    "reinstall the packages with `make setup`.")
        return ("stimuli", True, f"{what} are generated offline; {photos}.")
    if have_photos:
        return ("stimuli", True, f"demo photographs present in {folder}.")
    return ("stimuli", False,
            f"the demo photographs are not in {folder or 'the data folder'} yet{why}. They are fetched once "
            "(about 137 MB, plus Oxford-IIIT Pet's 790 MB archive streamed for the dog breeds and 75 Faces in Things "
            "images) when a notebook first needs them; to do it now run "
            "`python -c \"from helpers.stimuli import demo; demo.fetch_demo()\"`. Offline? Set COURSE_DATA "
            "to a folder that already holds them, COURSE_DEMO_URL to a mirror, or use COURSE_PROFILE=quick.")


def weights_file() -> tuple[Path, str]:
    """Where torch.hub keeps VGG16's ImageNet weights, and their download address (the file
    ``$COURSE_VGG16_URL`` names instead, when set: :func:`helpers.cnn.models.weights_source`)."""
    from torchvision.models import VGG16_Weights

    from helpers.cnn.models import weights_file as hub_file
    from helpers.cnn.models import weights_source

    return hub_file(VGG16_Weights.IMAGENET1K_V1, "vgg16"), weights_source(VGG16_Weights.IMAGENET1K_V1, "vgg16")[0]


def _probe(url: str, timeout: float) -> str | None:
    """None when a HEAD request for ``url`` succeeds within ``timeout`` s, else why not."""
    req = urllib.request.Request(url, method="HEAD")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            status = getattr(resp, "status", 200)
    except urllib.error.HTTPError as e:
        return f"the server answered HTTP {e.code}"
    except (urllib.error.URLError, OSError, ValueError) as e:
        return str(getattr(e, "reason", None) or e)
    return None if status < 400 else f"the server answered HTTP {status}"


def _check_weights(prof, probe):
    path, url = weights_file()
    if path.is_file():
        size = path.stat().st_size / 2**20
        from helpers.cnn.models import standin_weights

        what = " (STAND-IN weights, not torchvision's ImageNet weights)" if standin_weights("vgg16") else ""
        return ("pretrained weights", True, f"cached: {path} ({size:.0f} MiB){what}.")
    copy = (f"or copy {path.name} (about 528 MiB, from {url}) into {path.parent} "
            "(TORCH_HOME moves that folder)")
    if prof is not None and prof.is_quick:
        return ("pretrained weights", False,
                f"not cached in {path.parent}. The quick profile does not need them and does not download "
                f"anything{_organism_note(prof)}. For the full profile, run once with internet: "
                "`python -c \"from helpers.cnn.models import load_vgg16; load_vgg16()\"`, " + copy + ".")
    problem = probe(url, PROBE_TIMEOUT)
    if problem is None:
        return ("pretrained weights", True,
                f"not cached yet, but {url} is reachable: the first full-profile notebook downloads them "
                f"(about 528 MiB, once) into {path.parent}.")
    return ("pretrained weights", False,
            f"not cached in {path.parent}, and the download address cannot be reached ({problem}). "
            "Connect to the internet and run "
            "`python -c \"from helpers.cnn.models import load_vgg16; load_vgg16()\"` once, " + copy + ". "
            "Until then the full profile falls back to an UNTRAINED network (with a loud warning).")


def _organism_note(prof) -> str:
    """Whether the quick profile's own trained weights (the model organism's, shipped with
    the course) are there and intact, as a clause of the weights message."""
    if prof.model != "organism":
        return ""
    from helpers.organism.network import OrganismError, load_organism

    try:
        load_organism(prof.organism)
    except (OrganismError, ValueError, KeyError) as e:
        return f" (but its model organism's weights are unusable: {e})"
    return " (its model organism's weights ship with the course and check out against their sha256)"


def _check_gpu():
    import torch

    if torch.cuda.is_available():
        return ("GPU", True, f"CUDA GPU: {torch.cuda.get_device_name(0)}; activations are collected on it.")
    mps = getattr(torch.backends, "mps", None)
    extra = (" (an Apple GPU is present; the course uses the CPU, which is fast enough)"
             if mps is not None and mps.is_available() else "")
    threads = torch.get_num_threads()
    return ("GPU", True,
            f"none{extra}: fine, everything runs on the CPU ({threads} thread{'s' if threads != 1 else ''}). Expect under a minute per "
            "notebook with the quick profile. With the full profile, VGG16 needs roughly a second per "
            "224-px photograph on two CPU cores, so the first notebook that needs the activations of the "
            "~270 demo photographs spends about 5 minutes on them (once: they are cached).")


def _check_widgets():
    have_kernel = importlib.util.find_spec("ipywidgets") is not None
    fronts = {name: _version(name) for name in WIDGET_FRONTENDS}
    missing = [n for n, v in fronts.items() if v is None] + ([] if have_kernel else ["ipywidgets"])
    text_hint = ("If a slider shows up as text such as `IntSlider(value=…)` or `Error displaying widget`, "
                 "the page in your browser lacks the widget extension: install the packages into the "
                 "environment that runs JupyterLab itself, restart JupyterLab (not only the kernel) and "
                 "reload the page; in VS Code, install the Jupyter extension's renderers.")
    if missing:
        return ("widgets", False,
                f"missing: {', '.join(missing)}. Run `pip install ipywidgets jupyterlab_widgets "
                f"widgetsnbextension` (or `make setup`), then restart JupyterLab. {text_hint}")
    return ("widgets", True,
            f"ipywidgets {_version('ipywidgets')} with jupyterlab_widgets {fronts['jupyterlab_widgets']} "
            f"and widgetsnbextension {fronts['widgetsnbextension']}. {text_hint}")


def check_environment(probe: Callable[[str, float], str | None] | None = None) -> list[tuple[str, bool, str]]:
    """Look at this machine and say what is in place for the course.

    Parameters
    ----------
    probe : function ``(url, timeout) -> None | reason`` asking whether a URL could be
        downloaded (default: a HEAD request). Called only under the ``full`` profile
        and only when the weights are not cached; tests pass a fake.

    Returns
    -------
    list of ``(item, ok, message)``, one per entry of :data:`ITEMS`, in that order.
    """
    probe = _probe if probe is None else probe
    prof, profile_item = _check_profile()
    items = [profile_item]
    items.append(_check_packages())
    if not items[-1][1]:  # without the packages the remaining checks cannot run
        for name in ITEMS[2:]:
            items.append((name, False, "not checked: install the packages first."))
        return items
    checks = [
        _check_cache,
        lambda: _check_stimuli(prof),
        lambda: _check_weights(prof, probe),
        _check_gpu,
        _check_widgets,
    ]
    for name, check in zip(ITEMS[2:], checks):
        try:
            items.append(check())
        except Exception as e:  # noqa: BLE001 - a broken check must not hide the others
            items.append((name, False, f"the check itself failed ({type(e).__name__}: {e})."))
    return items


def format_report(items: list[tuple[str, bool, str]], width: int = 100) -> str:
    """The report as text: one ✓/✗ line per item, wrapped messages, a verdict at the end."""
    import textwrap

    pad = max(len(name) for name, _, _ in items) + 2
    lines = []
    for name, ok, message in items:
        mark = "✓" if ok else "✗"
        body = textwrap.wrap(message, width=max(20, width - pad - 2), break_on_hyphens=False,
                             break_long_words=False) or [""]
        lines.append(f"{mark} {name:<{pad}}{body[0]}")
        lines.extend(" " * (pad + 2) + rest for rest in body[1:])
    bad = [name for name, ok, _ in items if not ok]
    if bad:
        lines.append(f"\n{len(bad)} item(s) to look at: {', '.join(bad)}. Each message says what to do "
                     "and whether your profile needs it.")
    else:
        lines.append("\nAll set.")
    return "\n".join(lines)


def print_report(items: list[tuple[str, bool, str]] | None = None) -> list[tuple[str, bool, str]]:
    """Print :func:`format_report` of ``items`` (default: a fresh :func:`check_environment`);
    return the items."""
    items = check_environment() if items is None else items
    print(format_report(items))
    return items

"""Command line: ``python -m helpers report --stimuli DIR --out DIR``.

Runs the whole pipeline (stimuli -> activations -> selectivity) on the profile's model
(quick: the model organism, a small VGG16-shaped network trained on generated drawings;
full: the pretrained VGG16) or the one given with ``--model``, and writes the
per-layer table (CSV), a figure of proportions per layer and category (PNG) and
``run.json`` saying what was run. When the stimulus set has the paper's four categories it
also scores the paper's claims (:mod:`helpers.claims`): ``claims.csv`` and the ``claims``
section of run.json (``--control`` measures the untrained control that claim 4 needs).

Every argument is checked before any work starts. Every failure ends with one line
``error: ...`` on stderr and exit status 2; Ctrl-C with one line and status 130.
Outputs are written atomically: a file in the output folder is complete or absent.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import warnings
from pathlib import Path

EXIT_ERROR = 2
ORGANISM = "organism"  # --model value of the model organism (helpers.organism)
EXIT_INTERRUPTED = 130


class UsageError(Exception):
    """A bad argument or environment, found before any work; the message is one sentence."""


class _Parser(argparse.ArgumentParser):
    """argparse, but its errors are one ``error: ...`` line like every other failure."""

    def error(self, message):
        raise UsageError(f"{message} (see `python -m helpers report --help`)")


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


# --------------------------------------------------------------------------- checks


def check_rule(criterion: str, threshold: float, correction: str) -> dict:
    """The selection rule must make sense (:func:`helpers.stats.rules.check_rule`, the one
    validator); returns the arguments of ``analyze`` it needs: the Benjamini–Hochberg level
    to resolve the p-values for, when ``--correction bh`` asks for a level that
    :data:`helpers.stats.selectivity.RESOLVE_Q` does not resolve already."""
    from helpers.stats import permutation, rules, selectivity

    try:
        criterion, threshold, correction = rules.check_rule(criterion, threshold, correction)
    except ValueError as e:
        raise UsageError(f"{e} (--criterion, --threshold, --correction)") from None
    if correction == "bh" and not permutation.is_resolved(threshold, selectivity.RESOLVE_Q):
        return {"resolve_q": threshold}
    return {}


def check_out(out: Path) -> None:
    """``out`` is, or can become, a folder this process can write to."""
    ancestor = out
    while not (ancestor.exists() or ancestor.is_symlink()):
        if ancestor.parent == ancestor:
            break
        ancestor = ancestor.parent
    if ancestor.exists() and not ancestor.is_dir():
        where = "is a file" if ancestor == out else f"lies below the file {ancestor}"
        raise UsageError(f"--out {out} {where}; give a folder.")
    if ancestor.is_symlink() and not ancestor.exists():
        raise UsageError(f"--out {out}: {ancestor} is a broken symbolic link.")
    from helpers.cache import usable_folder

    why = usable_folder(out)
    if why is not None:
        raise UsageError(f"--out {out} cannot be written ({why}); choose a folder you can write to.")


def input_folders(stimuli: str | None, prof) -> list[tuple[str, Path]]:
    """(how the user named it, folder) of every folder the run reads images from: ``--stimuli``,
    or for the profile's photographs the data folder and ``$COURSE_EXTRA_CATEGORIES``."""
    if stimuli is not None:
        return [("--stimuli", Path(stimuli))]
    if prof.stimuli != "demo":  # generated drawings: no folder is read
        return []
    from helpers.config import data_root

    found = [("the demo photographs' folder (COURSE_DATA)", data_root())]
    extra = os.environ.get("COURSE_EXTRA_CATEGORIES")
    return found + ([("COURSE_EXTRA_CATEGORIES", Path(extra).expanduser())] if extra else [])


def check_apart(out: Path, folder: Path, flag: str = "--stimuli") -> None:
    """The output folder must not lie inside a folder the run reads images from (nor be it):
    a second run would measure the first run's figure as a stimulus."""
    real_out, real_in = out.resolve(), folder.resolve()
    if real_out == real_in or real_out.is_relative_to(real_in):
        raise UsageError(f"--out {out} lies inside {flag} {folder}: a later run would measure this report's "
                         "figure as a stimulus; choose an output folder outside it.")


MIN_PER_CATEGORY = 2  # one image gives no spread to compare: its filters' "selectivity" is that image's


def check_counts(counts: dict) -> None:
    """Every category of the stimulus set needs at least :data:`MIN_PER_CATEGORY` images."""
    few = {c: n for c, n in counts.items() if n < MIN_PER_CATEGORY}
    if few:
        raise UsageError(f"categories with fewer than {MIN_PER_CATEGORY} images: "
                         + ", ".join(f"{c!r} ({n})" for c, n in few.items())
                         + "; add images or remove those folders.")


def check_device(name: str | None):
    """The torch device for ``--device``, or UsageError when it is unknown or absent."""
    import torch

    if name is None:
        return None
    try:
        device = torch.device(name)
    except (RuntimeError, ValueError) as e:
        raise UsageError(f"--device {name!r} is not a device ({_one_line(e)}); use cpu, cuda or cuda:N.") from None
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise UsageError(f"--device {name}: no CUDA GPU is available here; leave --device out (CPU) or run "
                             "on a machine with a GPU.")
        if device.index is not None and device.index >= torch.cuda.device_count():
            raise UsageError(f"--device {name}: this machine has {torch.cuda.device_count()} CUDA GPU(s).")
    elif device.type == "mps":
        if not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
            raise UsageError(f"--device {name}: Apple's MPS is not available here; leave --device out (CPU).")
    elif device.type != "cpu":
        raise UsageError(f"--device {name}: only cpu, cuda and mps are supported.")
    return device


def check_args(args) -> dict:
    """Everything that can be checked before the work starts; returns what it found
    (the profile, the device, whether to cache). Raises UsageError."""
    from helpers.edge.profiles import get_profile

    try:
        prof = get_profile(args.profile)
    except ValueError as e:
        raise UsageError(str(e)) from None
    analyze_args = check_rule(args.criterion, args.threshold, args.correction)
    if args.permutations < 1:
        raise UsageError(f"--permutations {args.permutations}: at least 1 is needed (1000 gives p-values down "
                         "to 0.001).")
    if args.batch_size is not None and args.batch_size < 1:
        raise UsageError(f"--batch-size {args.batch_size}: at least 1 image per forward pass is needed.")
    if args.seed < 0:
        raise UsageError(f"--seed {args.seed}: seeds are non-negative integers.")
    if args.layers is not None and not args.layers:
        raise UsageError("--layers needs at least one layer name (or leave it out for all).")
    if args.stimuli is not None:
        folder = Path(args.stimuli)
        if not folder.exists():
            raise UsageError(f"--stimuli {folder} does not exist; give a folder with one sub-folder per category.")
        if not folder.is_dir():
            raise UsageError(f"--stimuli {folder} is a file; give a folder with one sub-folder per category.")
    for flag, folder in input_folders(args.stimuli, prof):
        check_apart(Path(args.out), folder, flag)
    check_out(Path(args.out))
    import torchvision

    if args.model is None:
        args.model = prof.model
    if args.model != ORGANISM and args.model not in torchvision.models.list_models(torchvision.models):
        raise UsageError(f"--model {args.model!r} is not a torchvision image classifier (e.g. vgg16, alexnet, "
                         f"resnet18) nor {ORGANISM!r} (the course's model organism).")
    device = check_device(args.device)
    cache = not args.no_cache
    if cache:
        from helpers.cache import usable_folder
        from helpers.config import cache_dir

        try:
            why = usable_folder(cache_dir("activations"))
        except OSError as e:
            why = f"{type(e).__name__}: {e}"
        if why is not None:
            where = os.environ.get("COURSE_CACHE") or "~/.cache/cnn-selectivity"
            print(f"warning: the cache folder {where} is unusable ({_one_line(why)}); running without the cache "
                  "(set COURSE_CACHE to a writable folder).", file=sys.stderr)
            cache = False
    return {"profile": prof, "device": device, "cache": cache, "analyze": analyze_args}


# --------------------------------------------------------------------------- the run


def _report(args, checked: dict) -> int:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from helpers.cnn import activations, models
    from helpers.present import plots
    from helpers.edge import profiles
    from helpers.stats import selectivity
    from helpers.stimuli import sets as stimuli
    from helpers.cache import atomic_file
    from helpers.config import seed_everything

    prof = checked["profile"]
    seed_everything(args.seed)
    if args.stimuli:
        stim = stimuli.load_folder(args.stimuli, preprocess=profiles.preprocess(prof))
    else:
        from helpers.download import DownloadError

        try:
            stim = profiles.stimulus_set(prof, progress=not args.no_progress)
        except DownloadError as e:
            raise DownloadError(f"{e} Offline? Pass your own folder with --stimuli, or use --profile quick.") from None
    check_counts(stim.counts())
    if args.pretrained is not None:
        pretrained = args.pretrained
    elif args.model == ORGANISM:
        pretrained = True  # its weights ship with the course
    else:  # ImageNet weights only where the profile downloads them (full), never under quick
        pretrained = prof.pretrained and prof.model != ORGANISM
    if args.model == ORGANISM:
        from helpers.organism.network import load_organism

        model = load_organism(prof.organism) if pretrained else load_organism("untrained", seed=args.seed)
    else:
        model = models.load_model(args.model, pretrained=pretrained, seed=args.seed)
    info = models.model_info(model)
    layers = args.layers or None
    for name in layers or ():
        models.resolve_layer(model, name)  # unknown names: one KeyError listing the valid ones, before the run
    print(f"{stim}\nModel: {info.label}", flush=True)
    acts = activations.collect(model, stim, layers=layers, batch_size=args.batch_size or prof.batch_size,
                               device=checked["device"], progress=not args.no_progress, cache=checked["cache"])
    # cached where the notebooks' course.selectivity() reads it (Binder's postBuild runs this report)
    result = selectivity.analyze_cached(acts, cache=checked["cache"], n_permutations=args.permutations,
                                        seed=args.seed, **checked["analyze"])
    table = selectivity.summary_table(result, criterion=args.criterion, threshold=args.threshold,
                                      correction=None if args.correction == "none" else args.correction)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with atomic_file(out / "selectivity_by_layer.csv", "w") as f:
        table.to_csv(f, index=False, lineterminator="\n")
    fig = plots.layer_profile_figure(table, title=plots.title(acts))
    try:
        with atomic_file(out / "selectivity_by_layer.png") as f:
            fig.savefig(f, format="png", dpi=120)
    finally:
        plt.close(fig)
    run = {"model": info.label, "arch": info.arch, "weights": info.weights, "trained": info.trained,
           "stimuli": stim.source,
           "schematic": stim.schematic, "counts": stim.counts(), "skipped": stim.skipped,
           "criterion": args.criterion, "threshold": args.threshold, "correction": args.correction,
           "n_permutations": args.permutations, "resolve_q": list(result.resolve_q), "seed": args.seed,
           "profile": prof.name}
    run["claims"] = _claims(args, checked, stim, acts, result, info, out)
    with atomic_file(out / "run.json", "w") as f:
        f.write(json.dumps(run, indent=1, ensure_ascii=False))
    pivot = table.pivot(index="layer", columns="category", values="n_selective").loc[list(result.layers)]
    print(f"\nSelective filters per layer ({args.criterion} threshold {args.threshold}):\n{pivot.to_string()}")
    if not info.trained:
        print("\nNOTE: these numbers come from an UNTRAINED network (random weights).")
    elif args.model == ORGANISM:
        print(f"\nNOTE: these numbers come from {info.label}.")
    wrote = [out / "selectivity_by_layer.csv", out / "selectivity_by_layer.png", out / "run.json"]
    if run["claims"]["scored"]:
        wrote.insert(2, out / "claims.csv")
    print(f"\nWrote {', '.join(map(str, wrote[:-1]))} and {wrote[-1]}")
    return 0


def _claims(args, checked: dict, stim, acts, result, info, out: Path) -> dict:
    """The paper's claims scored on this run (:func:`helpers.claims.scorecard`): written to
    ``claims.csv`` and printed when the stimulus set has the paper's four categories;
    returns the ``claims`` section of run.json (with ``why`` when not scored)."""
    from helpers.cnn import activations, models
    from helpers.analyses import claims
    from helpers.stats import selectivity
    from helpers.cache import atomic_file

    missing = claims.paper_categories_missing(stim.categories)
    if missing:
        why = (f"the stimulus set lacks the paper's categories {missing} (it has {stim.categories}); the claims "
               "concern face, i-see-face, car and dog")
        print(f"\nNo claims scorecard: {why}.")
        return {"scored": False, "why": why}
    control = None
    if args.control and info.trained:
        if args.model == ORGANISM:
            from helpers.organism.network import load_organism

            net = load_organism("untrained", seed=args.seed)
        else:
            net = models.load_model(args.model, pretrained=False, seed=args.seed)
        c_acts = activations.collect(net, stim, layers=list(acts), batch_size=args.batch_size or
                                     checked["profile"].batch_size, device=checked["device"],
                                     progress=not args.no_progress, cache=checked["cache"])
        control = selectivity.analyze_cached(c_acts, cache=checked["cache"], n_permutations=args.permutations,
                                             seed=args.seed)
    elif args.control:
        print("\nNote: --control adds nothing here: the measured network is itself untrained.")
    card = claims.scorecard(result, control, essay_reason="the command-line report does not run the essay's "
                            "breed experiment (helpers.analyses.breeds.essay_experiment; notebooks 05 and 09 do)")
    if control is None and info.trained:
        card.rows[3].reason += " (rerun with --control)"
    with atomic_file(out / "claims.csv", "w") as f:
        card.to_frame().to_csv(f, index=False, lineterminator="\n")
    print("\n" + card.to_text())
    return {"scored": True, **card.to_json()}


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m helpers", description=__doc__,
                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--debug", action="store_true", help="show Python tracebacks of unexpected errors")
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("report", help="selectivity per layer for a stimulus folder")
    r.add_argument("--stimuli", help="folder with one sub-folder per category (default: the profile's set)")
    r.add_argument("--out", default="build/report", help="output folder (default: build/report)")
    r.add_argument("--profile", choices=["full", "quick"], help="default: $COURSE_PROFILE or full")
    r.add_argument("--model", default=None,
                   help=f"{ORGANISM!r} (the course's model organism: a small VGG16-shaped network trained on "
                        "generated drawings) or a torchvision architecture such as vgg16 (default: the "
                        "profile's: quick organism, full vgg16)")
    g = r.add_mutually_exclusive_group()
    g.add_argument("--pretrained", dest="pretrained", action="store_true", default=None,
                   help="trained weights (ImageNet's; the organism's committed copy); default: the profile's")
    g.add_argument("--untrained", dest="pretrained", action="store_false",
                   help="random weights with --seed (the control)")
    r.add_argument("--layers", nargs="*", help="layer names (default: all of the model's)")
    r.add_argument("--criterion", choices=["p", "index"], default="p")
    r.add_argument("--threshold", type=float, default=0.01,
                   help="p: significance level in (0, 1]; index: share in [0, 1] (default 0.01)")
    r.add_argument("--correction", choices=["none", "bh"], default="none")
    r.add_argument("--permutations", type=int, default=1000)
    r.add_argument("--seed", type=int, default=0)
    r.add_argument("--batch-size", type=int, help="images per forward pass, at least 1 (default: the profile's)")
    r.add_argument("--device", default=None, help="cpu, cuda, cuda:N or mps (default: CUDA when available)")
    r.add_argument("--control", action="store_true",
                   help="also measure the untrained control (same architecture, random weights with --seed), "
                        "which the claims scorecard needs for claim 4")
    r.add_argument("--no-cache", action="store_true")
    r.add_argument("--no-progress", action="store_true")
    return parser


def _warning_line(message, category, filename, lineno, file=None, line=None):
    """Warnings as ``warning: ...`` lines, without the source location a user cannot act on."""
    print(f"warning: {message}", file=sys.stderr if file is None else file, flush=True)


def main(argv=None) -> int:
    debug = "--debug" in (sys.argv[1:] if argv is None else argv)
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _warning_line
            args = build_parser().parse_args(argv)
            checked = check_args(args)
            return _report(args, checked)
    except KeyboardInterrupt:
        print("interrupted (Ctrl-C): nothing more was written.", file=sys.stderr)
        return EXIT_INTERRUPTED
    except SystemExit as e:  # --help, or argparse's own exit
        return int(e.code or 0) if isinstance(e.code, int) or e.code is None else EXIT_ERROR
    except UsageError as e:
        print(f"error: {_one_line(e)}", file=sys.stderr)
        return EXIT_ERROR
    except Exception as e:  # noqa: BLE001 - no traceback reaches a command-line user
        if debug:
            raise
        known = (FileNotFoundError, NotADirectoryError, ValueError, KeyError, RuntimeError, OSError)
        text = e.args[0] if isinstance(e, KeyError) and e.args else e
        prefix = "" if isinstance(e, known) else f"unexpected {type(e).__name__} (rerun with --debug for details): "
        print(f"error: {prefix}{_one_line(text)}", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())

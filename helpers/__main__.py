"""Command line: ``python -m helpers report --stimuli DIR --out DIR``.

Runs the whole pipeline (stimuli -> activations -> selectivity) and writes the
per-layer table (CSV), a figure of proportions per layer and category (PNG) and a
short README of what was run.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def _report(args) -> int:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from . import activations, models, plots, selectivity, stimuli
    from .config import get_profile, seed_everything

    prof = get_profile(args.profile)
    seed_everything(args.seed)
    if args.stimuli:
        stim = stimuli.load_folder(args.stimuli, preprocess=stimuli.Preprocess.for_profile(prof))
    else:
        stim = stimuli.default_stimuli(prof)
    pretrained = prof.pretrained if args.pretrained is None else args.pretrained
    model = models.load_model(args.model, pretrained=pretrained, seed=args.seed)
    info = models.model_info(model)
    print(f"{stim}\nModel: {info.label}", flush=True)
    acts = activations.collect(model, stim, layers=args.layers or None, batch_size=args.batch_size or prof.batch_size,
                               device=args.device, progress=not args.no_progress,
                               cache=False if args.no_cache else True)
    result = selectivity.analyze(acts, n_permutations=args.permutations, seed=args.seed)
    table = selectivity.summary_table(result, criterion=args.criterion, threshold=args.threshold,
                                      correction=None if args.correction == "none" else args.correction)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    table.to_csv(out / "selectivity_by_layer.csv", index=False)
    fig, ax = plt.subplots(figsize=(11, 4.6))
    plots.plot_layer_profile(table, ax=ax, title=plots.title_for(info.label, info.trained, stim.schematic))
    fig.tight_layout()
    fig.savefig(out / "selectivity_by_layer.png", dpi=120)
    plt.close(fig)
    run = {"model": info.label, "trained": info.trained, "stimuli": stim.source,
           "schematic": stim.schematic, "counts": stim.counts(), "skipped": stim.skipped,
           "criterion": args.criterion, "threshold": args.threshold, "correction": args.correction,
           "n_permutations": args.permutations, "seed": args.seed, "profile": prof.name}
    (out / "run.json").write_text(json.dumps(run, indent=1, ensure_ascii=False), encoding="utf-8")
    pivot = table.pivot(index="layer", columns="category", values="n_selective").loc[list(result.layers)]
    print(f"\nSelective filters per layer ({args.criterion} threshold {args.threshold}):\n{pivot.to_string()}")
    if not info.trained:
        print("\nNOTE: these numbers come from an UNTRAINED network (random weights).")
    print(f"\nWrote {out / 'selectivity_by_layer.csv'} and {out / 'selectivity_by_layer.png'}")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("report", help="selectivity per layer for a stimulus folder")
    r.add_argument("--stimuli", help="folder with one sub-folder per category (default: the profile's set)")
    r.add_argument("--out", default="build/report", help="output folder (default: build/report)")
    r.add_argument("--profile", choices=["full", "quick"], help="default: $COURSE_PROFILE or full")
    r.add_argument("--model", default="vgg16", help="torchvision architecture (default: vgg16)")
    g = r.add_mutually_exclusive_group()
    g.add_argument("--pretrained", dest="pretrained", action="store_true", default=None)
    g.add_argument("--untrained", dest="pretrained", action="store_false")
    r.add_argument("--layers", nargs="*", help="layer names (default: all of the model's)")
    r.add_argument("--criterion", choices=["p", "index"], default="p")
    r.add_argument("--threshold", type=float, default=0.01)
    r.add_argument("--correction", choices=["none", "bh"], default="none")
    r.add_argument("--permutations", type=int, default=1000)
    r.add_argument("--seed", type=int, default=0)
    r.add_argument("--batch-size", type=int, help="images per forward pass (default: the profile's)")
    r.add_argument("--device", default=None)
    r.add_argument("--no-cache", action="store_true")
    r.add_argument("--no-progress", action="store_true")
    args = parser.parse_args(argv)
    try:
        return _report(args)
    except (FileNotFoundError, ValueError, KeyError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

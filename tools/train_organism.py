"""Train the model organism for one seed: its two copies, their weights and training record.

    python tools/train_organism.py --seed S --out DIR      # into a folder of your own
    python tools/train_organism.py --seed S --commit       # into the committed helpers/data/organism/
    python tools/train_organism.py --smoke                 # seconds: a check that the script works
    python tools/train_organism.py --from DIR --commit     # add the copies trained into DIR, checked

Generates the training and held-out test splits of the world in ``helpers.organism.world``
(seed S), trains a :class:`helpers.organism.network.MiniVGG16` (with batch norm) twice from the
same data, seed, initial weights, batch order and schedule -- once with cross-entropy on
one-hot labels ("ce"), once on hierarchy-aware soft labels ("soft") -- folds each batch
norm into its convolution, stores the weights as float16 and evaluates the *stored*
weights on the test split.

Output, all or nothing: the weights (``ce-seedS.pt``, ``soft-seedS.pt``, state dicts for
``torch.load(weights_only=True)``) and ``organism.json`` are written to a temporary folder
beside the output folder, checked there (the record reads back, every copy loads through
:func:`helpers.organism.network.load_organism`, its weights are finite and it gives the predictions
just measured) and only then swapped in (:func:`helpers.cache.atomic_folder`). A folder
that already holds a record of this script gains (or replaces) this seed's entries and
keeps the others; its other files stay. A run that diverges (non-finite loss), is
interrupted or fails a check exits non-zero and leaves the output folder as it was.

The record (format 2) lists every seed of every copy: file name, sha256, held-out
accuracy (overall, per class, confusion matrix), the predictions on the first images of
each class of the test split (what the tests recompute), training history, wall and CPU
time of each phase, versions, and the command that reproduces it.

``--out`` is required unless ``--commit`` (the committed folder, only then) or ``--smoke``
(a temporary folder) is given. ``--out`` must be a new or empty folder or one holding a
record of this script; anything else (someone's folder, an older record) is refused.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import platform
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's helpers, also when the package is installed elsewhere

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from helpers.organism import world as miniworld, network as organism  # noqa: E402
from helpers.cache import atomic_folder  # noqa: E402
from helpers.config import seed_everything  # noqa: E402
from helpers.organism.heldout import FRESH_SEED  # noqa: E402
from helpers.stimuli.sets import Preprocess  # noqa: E402

SUBSET_PER_CLASS = 10  # test images per class the tests recompute
SMOKE = dict(n_train=2, n_test=1, epochs=1, batch_size=16)
#: Upper bounds of the arguments (beyond them a run would exhaust memory or never end).
LIMITS = dict(n_train=20000, n_test=5000, epochs=100, batch_size=4096, threads=256, fc=4096, pool=8, size=256,
              width=1024, shift=64)


class UsageError(Exception):
    """Bad arguments or output folder: reported as one line, exit code 2."""


class TrainingFailed(Exception):
    """The run diverged or its output failed a check: one line, exit code 1, nothing written."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(message)


class Clock:
    """Wall and CPU seconds (this process, all threads, user + system) of named phases."""

    def __init__(self):
        self.phases: dict[str, dict] = {}

    @staticmethod
    def _cpu() -> float:
        r = resource.getrusage(resource.RUSAGE_SELF)
        return r.ru_utime + r.ru_stime

    def start(self):
        return time.perf_counter(), self._cpu()

    def stop(self, name: str, started) -> dict:
        wall, cpu = time.perf_counter() - started[0], self._cpu() - started[1]
        self.phases[name] = {"wall_s": round(wall, 1), "cpu_s": round(cpu, 1)}
        return self.phases[name]


DEFAULTS = dict(seed=0, n_train=800, n_test=200, size=miniworld.DEFAULT_SIZE, widths=list(organism.WIDTHS),
                fc=organism.FC, pool=organism.POOL, dropout=0.3, epochs=3, batch_size=64, optimizer="sgd", lr=0.1,
                weight_decay=5e-4, temperature=0.5, shift=4, threads=2, kinds=list(organism.TRAINED_KINDS))


def parse_args(argv):
    d = DEFAULTS
    ap = _Parser(prog="python tools/train_organism.py", description=__doc__,
                 formatter_class=argparse.RawDescriptionHelpFormatter)
    where = ap.add_mutually_exclusive_group()
    where.add_argument("--out", help="output folder: new, empty, or holding a record of this script")
    where.add_argument("--commit", action="store_true",
                       help=f"write into the committed folder {organism.DATA_DIR.relative_to(ROOT)} (merging)")
    ap.add_argument("--seed", type=int, default=d["seed"], help="seed of everything: data, initial weights, batch order")
    ap.add_argument("--n-train", type=int, default=d["n_train"], help="training images per class (default %(default)s)")
    ap.add_argument("--n-test", type=int, default=d["n_test"], help="held-out test images per class (default %(default)s)")
    ap.add_argument("--size", type=int, default=d["size"], help="image side in px (default %(default)s)")
    ap.add_argument("--widths", default=",".join(map(str, d["widths"])),
                    help="channels of the five blocks, comma-separated (default %(default)s)")
    ap.add_argument("--fc", type=int, default=d["fc"], help="units of fc1 and fc2 (default %(default)s)")
    ap.add_argument("--pool", type=int, default=d["pool"], help="side of the map fc1 reads (default %(default)s)")
    ap.add_argument("--dropout", type=float, default=d["dropout"], help="dropout after fc1 and fc2 in training")
    ap.add_argument("--epochs", type=int, default=d["epochs"])
    ap.add_argument("--batch-size", type=int, default=d["batch_size"])
    ap.add_argument("--optimizer", choices=("sgd", "adamw"), default=d["optimizer"])
    ap.add_argument("--lr", type=float, default=d["lr"], help="peak learning rate of the one-cycle schedule")
    ap.add_argument("--weight-decay", type=float, default=d["weight_decay"])
    ap.add_argument("--temperature", type=float, default=d["temperature"], help="soft labels: softmax(-distance / T)")
    ap.add_argument("--shift", type=int, default=d["shift"], help="augmentation: random translation up to this many px")
    ap.add_argument("--threads", type=int, default=d["threads"], help="torch CPU threads (default %(default)s)")
    ap.add_argument("--kinds", default=",".join(d["kinds"]), help="copies to train (default %(default)s)")
    ap.add_argument("--from", dest="sources", action="append", default=[], metavar="DIR",
                    help="add the copies recorded in DIR (a folder this script wrote) to the output, without "
                         "training (repeatable); checked first")
    ap.add_argument("--smoke", action="store_true", help="a run of seconds into a temporary folder (or --out)")
    ap.add_argument("--quiet", action="store_true", help="print only the summary")
    args = ap.parse_args(argv)
    if args.smoke:
        if args.commit:
            raise UsageError("--smoke never writes into the committed folder; drop --commit")
        for k, v in SMOKE.items():
            setattr(args, k, v)
    try:
        args.widths = [int(w) for w in args.widths.split(",")]
    except ValueError:
        raise UsageError(f"--widths must be five comma-separated integers, got {args.widths!r}") from None
    if len(args.widths) != len(organism.BLOCKS) or not all(1 <= w <= LIMITS["width"] for w in args.widths):
        raise UsageError(f"--widths must be five integers from 1 to {LIMITS['width']}, got {args.widths}")
    args.kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    if not args.kinds or not set(args.kinds) <= set(organism.TRAINED_KINDS) or len(set(args.kinds)) != len(args.kinds):
        raise UsageError(f"--kinds must name some of {', '.join(organism.TRAINED_KINDS)}, got {args.kinds}")
    for name in ("n_train", "n_test", "epochs", "batch_size", "threads", "fc", "pool"):
        value, top = getattr(args, name), LIMITS[name]
        if not 1 <= value <= top:
            raise UsageError(f"--{name.replace('_', '-')} must be from 1 to {top}, got {value}")
    if not 0 <= args.seed < FRESH_SEED:
        raise UsageError(f"--seed must be from 0 to {FRESH_SEED - 1} (the test splits of seeds from {FRESH_SEED} up are "
                         f"the experiments' fresh images, helpers.organism.heldout), got {args.seed}")
    if not 32 <= args.size <= LIMITS["size"]:
        raise UsageError(f"--size must be from 32 px (five 2x2 max-pools) to {LIMITS['size']}, got {args.size}")
    if args.pool > args.size // 32:
        raise UsageError(f"--pool must be at most {args.size // 32} at {args.size} px (the last map's side), got {args.pool}")
    if not 0 <= args.shift <= min(LIMITS["shift"], args.size // 2):
        raise UsageError(f"--shift must be from 0 to {min(LIMITS['shift'], args.size // 2)} px, got {args.shift}")
    if not (math.isfinite(args.dropout) and 0 <= args.dropout < 1):
        raise UsageError(f"--dropout must be in [0, 1), got {args.dropout}")
    if not (math.isfinite(args.lr) and args.lr > 0):
        raise UsageError(f"--lr must be a positive finite number, got {args.lr}")
    if not (math.isfinite(args.weight_decay) and 0 <= args.weight_decay <= 1):
        raise UsageError(f"--weight-decay must be in [0, 1], got {args.weight_decay}")
    if not (math.isfinite(args.temperature) and 1e-3 <= args.temperature <= 1e3):
        raise UsageError(f"--temperature must be from 0.001 to 1000, got {args.temperature}")
    committed = organism.DATA_DIR.resolve()
    if args.commit:
        out = committed
    elif args.out is not None:
        out = Path(args.out).expanduser().resolve()
        if out == committed:
            raise UsageError(f"--out {out} is the committed folder; pass --commit to write there")
    elif args.smoke:
        out = Path(tempfile.mkdtemp(prefix="organism-smoke-")) / "organism"
    else:
        raise UsageError("say where the weights go: --out DIR (a new or empty folder, or one this script wrote), "
                         "or --commit for the committed folder")
    args.out = out
    existing_record(out)  # refuse a foreign folder before hours of training, not after
    args.sources = [Path(s).expanduser().resolve() for s in args.sources]
    if out in args.sources:
        raise UsageError(f"--from {out} is the output folder itself")
    return args


def existing_record(out: Path) -> dict | None:
    """The record of this script already in ``out`` (None for a new or empty folder).
    UsageError for a file, a folder holding files without such a record, or a record
    this version cannot extend."""
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} exists and is not a folder")
    if not out.exists() or not any(out.iterdir()):
        return None
    if not (out / organism.RECORD).is_file():
        found = sorted(p.name for p in out.iterdir())[:3]
        raise UsageError(f"--out {out} holds files this script did not write ({', '.join(found)}); "
                         "pass a new or empty folder")
    try:
        return organism.read_record(out)
    except organism.OrganismError as e:
        raise UsageError(f"--out {out} holds a record this script cannot extend ({e}); pass a new or empty folder") \
            from None


def shifted(x: torch.Tensor, shift: int, gen: torch.Generator) -> torch.Tensor:
    """Each image translated by its own random (dy, dx) in [-shift, shift] px, edges replicated."""
    if shift == 0:
        return x
    b, _, h, w = x.shape
    padded = F.pad(x, (shift, shift, shift, shift), mode="replicate")
    offs = torch.randint(0, 2 * shift + 1, (b, 2), generator=gen)
    return torch.stack([padded[i, :, dy:dy + h, dx:dx + w] for i, (dy, dx) in enumerate(offs.tolist())])


def train_copy(kind: str, init_state: dict, images: np.ndarray, labels: np.ndarray, args, log) -> tuple:
    """Train one copy from ``init_state``; returns (trained batch-norm network, per-epoch history).
    Raises TrainingFailed as soon as the loss is not finite."""
    seed_everything(args.seed)  # same dropout masks, batch order and shifts for both copies
    C = len(miniworld.CLASSES)
    model = organism.initial_network(args.seed, C, args.widths, args.fc, args.dropout, args.pool)
    model.load_state_dict(init_state)
    model = model.to(memory_format=torch.channels_last).train()
    targets = torch.from_numpy(miniworld.soft_labels(labels, args.temperature)) if kind == "soft" else \
        F.one_hot(torch.from_numpy(labels), C).float()
    y = torch.from_numpy(labels)
    prep = Preprocess(resize=args.size, crop=args.size)
    steps_per_epoch = -(-len(images) // args.batch_size)
    if args.optimizer == "sgd":
        opt = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, nesterov=True,
                              weight_decay=args.weight_decay)
    else:
        opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=args.weight_decay)
    total_steps = args.epochs * steps_per_epoch
    # OneCycleLR divides by (warm-up steps - 1): a warm-up of exactly one step (4 steps in all,
    # e.g. a short benchmark run) would divide by zero, so such a run warms up for two.
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=total_steps,
                                                pct_start=0.5 if total_steps == 4 else 0.25)
    order = torch.Generator().manual_seed(args.seed)
    history = []
    for epoch in range(args.epochs):
        perm = torch.randperm(len(images), generator=order)
        total, correct, seen = 0.0, 0, 0
        for step, start in enumerate(range(0, len(images), args.batch_size)):
            idx = perm[start:start + args.batch_size]
            x = shifted(prep.normalize(images[idx.numpy()]), args.shift, order)
            x = x.contiguous(memory_format=torch.channels_last)
            logits = model(x)
            loss = F.cross_entropy(logits, targets[idx])
            if not torch.isfinite(loss):
                raise TrainingFailed(f"[{kind}] the loss became {float(loss.detach())} at epoch {epoch + 1}, step {step + 1} "
                                     f"(learning rate {args.lr} too high?); nothing was written")
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss.detach()) * len(idx)
            correct += int((logits.argmax(1) == y[idx]).sum())
            seen += len(idx)
        history.append({"epoch": epoch + 1, "loss": round(total / seen, 4), "train_top1": round(correct / seen, 4)})
        log(f"[{kind}] epoch {epoch + 1}/{args.epochs}: loss {total / seen:.3f}, training accuracy "
            f"{correct / seen:.3f} ({time.strftime('%H:%M:%S')})")
    return model.eval(), history


def command(args) -> str:
    """The command that reproduces this run's weights in the committed folder."""
    parts = ["python tools/train_organism.py", f"--seed {args.seed}"]
    for name, default in DEFAULTS.items():
        if name == "seed" or (args.smoke and name in SMOKE):
            continue
        value = getattr(args, name)
        if value != default:
            shown = ",".join(map(str, value)) if isinstance(value, list) else value
            parts.append(f"--{name.replace('_', '-')} {shown}")
    return " ".join(parts + (["--smoke"] if args.smoke else ["--commit"]))


def run(args) -> dict:
    """Train, evaluate, write and check; returns the record now in ``args.out``."""
    log = (lambda *a: None) if args.quiet else (lambda *a: print(*a, flush=True))
    torch.set_num_threads(args.threads)
    clock = Clock()
    t_all = clock.start()
    C = len(miniworld.CLASSES)

    t = clock.start()
    train_x, train_y = miniworld.dataset("train", args.n_train, args.size, args.seed)
    test_x, test_y = miniworld.dataset("test", args.n_test, args.size, args.seed)
    gen = clock.stop("generate", t)
    log(f"generated {len(train_x)} training and {len(test_x)} test images in {gen['wall_s']} s "
        f"(CPU {gen['cpu_s']} s)")

    init = organism.initial_network(args.seed, C, args.widths, args.fc, args.dropout, args.pool)
    init_state = {k: v.clone() for k, v in init.state_dict().items()}
    untrained = organism.fold_batch_norm(init)

    first = np.concatenate([np.arange(k * args.n_test, k * args.n_test + min(SUBSET_PER_CLASS, args.n_test))
                            for k in range(C)])
    subset_sha = hashlib.sha256(np.ascontiguousarray(test_x[first]).tobytes()).hexdigest()
    config = {
        "seed": args.seed, "n_train_per_class": args.n_train, "n_test_per_class": args.n_test,
        "image_size": args.size, "epochs": args.epochs, "batch_size": args.batch_size,
        "optimizer": {"sgd": "SGD, momentum 0.9, Nesterov", "adamw": "AdamW"}[args.optimizer], "lr_max": args.lr,
        "weight_decay": args.weight_decay, "schedule": "one-cycle (cosine), 25 % warm-up",
        "temperature": args.temperature, "augmentation": f"random translation up to {args.shift} px (edges replicated)",
        "threads": args.threads, "channels_last": True, "storage": "float16 (evaluated as stored)",
        "smoke": bool(args.smoke),
    }
    environment = {"torch": torch.__version__, "numpy": np.__version__, "python": platform.python_version(),
                   "machine": platform.machine(), "cpu_count": os.cpu_count()}
    models, states = {}, {}
    for kind in args.kinds:
        t = clock.start()
        net, history = train_copy(kind, init_state, train_x, train_y, args, log)
        took = clock.stop(f"train_{kind}", t)
        log(f"[{kind}] trained in {took['wall_s']} s (CPU {took['cpu_s']} s)")
        t = clock.start()
        deployed = organism.fold_batch_norm(net)
        stored = {k: v.half() for k, v in deployed.state_dict().items()}  # what ships, and what we evaluate
        if not all(torch.isfinite(v).all() for v in stored.values()):
            raise TrainingFailed(f"[{kind}] the trained weights hold NaN or infinite values (in float16); "
                                 "nothing was written")
        deployed.load_state_dict({k: v.float() for k, v in stored.items()})
        proba = organism.predict_proba(deployed, test_x)
        heldout = organism.confusions(test_y, proba)
        sub_pred = proba[first].argmax(1)
        evaluated = clock.stop(f"evaluate_{kind}", t)
        states[kind] = stored
        models[kind] = {
            "file": organism.weight_name(kind, args.seed), "dtype": "float16",
            "heldout": heldout,
            "subset": {"n_per_class": min(SUBSET_PER_CLASS, args.n_test), "images_sha256": subset_sha,
                       "top1": float((sub_pred == test_y[first]).mean()), "predictions": sub_pred.tolist()},
            "history": history,
            "timing": {"generate_shared": gen, "train": took, "evaluate": evaluated},
            "config": config, "environment": environment, "command": command(args),
        }
        log(f"[{kind}] held-out top-1 {heldout['top1']:.3f}")
    total = clock.stop("total", t_all)
    for entry in models.values():
        entry["timing"]["run_total"] = total
    architecture = {**untrained.config, "blocks": list(organism.BLOCKS), "input_size": args.size,
                    "parameters": int(sum(p.numel() for p in untrained.parameters())),
                    "batch_norm": "trained with batch norm after each convolution, folded into it"}
    return install(args.out, args.seed, models, states, architecture, organism.state_sha256(untrained.state_dict()),
                   log)


def add_from(args) -> dict:
    """``--from``: the copies recorded in each source folder (checked: record, sha256,
    weights) added to ``args.out``, one seed at a time, without training."""
    log = (lambda *a: None) if args.quiet else (lambda *a: print(*a, flush=True))
    record = None
    for source in args.sources:
        try:
            rec = organism.read_record(source)
            seeds = sorted({int(s) for kind in rec["models"] for s in rec["models"][kind]})
            for seed in seeds:
                models, states = {}, {}
                for kind in rec["models"]:
                    if str(seed) not in rec["models"][kind]:
                        continue
                    net = organism.load_organism(kind, seed=seed, folder=source)  # checks sha256 and weights
                    models[kind] = {k: v for k, v in rec["models"][kind][str(seed)].items()
                                    if k not in ("sha256", "bytes")}
                    states[kind] = {k: v.half() for k, v in net.state_dict().items()}
                record = install(args.out, seed, models, states, rec["architecture"],
                                 rec["untrained_sha256"].get(str(seed)), log)
        except organism.OrganismError as e:
            raise UsageError(f"--from {source}: {e}") from None
    return record


def install(out: Path, seed: int, models: dict, states: dict, architecture: dict, untrained_sha: str | None,
            log) -> dict:
    """Write this run's weights and the merged record to a temporary folder beside ``out``,
    check them there, and swap it in (all or nothing). Returns the record."""
    old = existing_record(out)
    record = {
        "format": organism.FORMAT,
        "model": "Mini-VGG16 model organism trained on generated drawings (helpers.organism)",
        "architecture": architecture,
        "classes": list(miniworld.CLASSES), "breeds": list(miniworld.BREEDS), "hierarchy": dict(miniworld.PARENTS),
        "default_seed": organism.DEFAULT_SEED,
        "config": next(iter(models.values()))["config"],
        "models": {}, "untrained_sha256": {},
    }
    keep: set[str] = set()
    if old is not None:
        if old["architecture"] != architecture or old["classes"] != record["classes"]:
            raise UsageError(f"--out {out} holds organisms of another architecture or world (classes); "
                             "pass a new or empty folder")
        for key in ("models", "untrained_sha256"):
            record[key] = json.loads(json.dumps(old.get(key, {})))
        if any(str(old["default_seed"]) in seeds for seeds in old["models"].values()):
            record["config"] = old["config"]
        replaced = {record["models"].get(kind, {}).get(str(seed), {}).get("file") for kind in models}
        listed = {e["file"] for seeds in old["models"].values() for e in seeds.values()}
        keep = {p.name for p in out.iterdir() if p.name != organism.RECORD and not p.name.startswith(".")
                and not (p.name in listed and p.name in replaced)}
    if str(organism.DEFAULT_SEED) == str(seed):
        record["config"] = next(iter(models.values()))["config"]
    for kind, entry in models.items():
        record["models"].setdefault(kind, {})[str(seed)] = entry
    record["models"] = {k: dict(sorted(v.items(), key=lambda kv: int(kv[0]))) for k, v in sorted(record["models"].items())}
    if untrained_sha:
        record["untrained_sha256"][str(seed)] = untrained_sha
    record["untrained_sha256"] = dict(sorted(record["untrained_sha256"].items(), key=lambda kv: int(kv[0])))
    with atomic_folder(out) as tmp:
        for name in sorted(keep):
            src = out / name
            (shutil.copytree if src.is_dir() else shutil.copy2)(src, tmp / name)
        for kind, state in states.items():
            path = tmp / models[kind]["file"]
            torch.save(state, path)
            models[kind]["sha256"] = organism.sha256_file(path)
            models[kind]["bytes"] = path.stat().st_size
        (tmp / organism.RECORD).write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
        check(tmp, seed, models)
        log(f"checked {', '.join(m['file'] for m in models.values())} and {organism.RECORD}; moving them into {out}")
    return organism.read_record(out)


def check(folder: Path, seed: int, models: dict) -> None:
    """The record in ``folder`` reads back and each new copy loads from it and reproduces
    the predictions measured before writing; TrainingFailed otherwise."""
    try:
        organism.read_record(folder)
        for kind, entry in models.items():
            net = organism.load_organism(kind, seed=seed, folder=folder)
            if not all(torch.isfinite(p).all() for p in net.parameters()):
                raise TrainingFailed(f"{entry['file']} holds non-finite weights")
    except organism.OrganismError as e:
        raise TrainingFailed(f"the written output failed its check ({e}); nothing was written") from None


def summary(record: dict, out: Path, seeds: dict) -> str:
    """What was written: per copy, held-out accuracy and training time. ``seeds``: kind -> seeds."""
    lines = [f"Wrote {organism.RECORD} and the weights of {sum(len(s) for s in seeds.values())} copies to {out}"]
    for kind, kind_seeds in seeds.items():
        for seed in kind_seeds:
            e = record["models"][kind][str(seed)]
            h, t, cfg = e["heldout"], e["timing"], e["config"]
            lines.append(f"{kind:>4} seed {seed}: {e['file']}, held-out top-1 {h['top1']:.3f}; breed images called "
                         f"another breed {h['breed_as_other_breed']:.3f}, car or cup {h['breed_as_car_or_cup']:.3f}; "
                         f"training {t['train']['wall_s']} s wall, {t['train']['cpu_s']} s CPU ({cfg['threads']} "
                         f"threads, {cfg['n_train_per_class']} images per class, {cfg['epochs']} epochs)")
    return "\n".join(lines)


#: How each failure ends a run: exception class, exit code, the one line printed.
FAILURES = (
    (UsageError, 2, "{}"),
    (TrainingFailed, 1, "{}"),
    (MemoryError, 1, "out of memory; lower --n-train, --size or --batch-size (nothing was written)"),
    (OSError, 2, "could not write the weights ({}); nothing was written"),
    (KeyboardInterrupt, 130, "interrupted; nothing was written (the output folder is as it was)"),
)


def main(argv=None) -> int:
    try:
        args = parse_args(argv)
        if args.sources:
            record = add_from(args)
            seeds = {k: [int(s) for s in v] for k, v in organism.read_record(args.out)["models"].items()}
        else:
            record = run(args)
            seeds = {k: [args.seed] for k in args.kinds}
    except (UsageError, TrainingFailed, MemoryError, OSError, KeyboardInterrupt) as e:
        code, text = next((code, text) for cls, code, text in FAILURES if isinstance(e, cls))
        print("error: " + text.format(e), file=sys.stderr)
        return code
    print(summary(record, args.out, seeds))
    return 0


if __name__ == "__main__":
    sys.exit(main())

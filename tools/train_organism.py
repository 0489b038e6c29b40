"""Train the model organism's two copies and write their weights and training record.

    python tools/train_organism.py [--out DIR] [--seed 0] [--smoke] [options]

Generates the training and held-out test splits of the world in ``helpers.organism.world``,
trains a :class:`helpers.organism.network.MiniVGG16` (with batch norm) twice from the same data,
seed, initial weights, batch order and schedule -- once with cross-entropy on one-hot
labels ("ce"), once on hierarchy-aware soft labels ("soft") -- folds each batch norm into
its convolution, stores the weights as float16, evaluates the *stored* weights on the
test split, and writes, each atomically (:func:`helpers.cache.atomic_file`):

- ``<out>/ce.pt`` and ``<out>/soft.pt``: state dicts for ``torch.load(weights_only=True)``;
- ``<out>/organism.json``: the full configuration, versions, CPU and wall time of each
  phase, sha256 of each file, held-out accuracy (overall, per class, confusion matrix,
  the breed-vs-breed and breed-vs-car/cup confusions) and the accuracy on the first
  images of each class of the test split (what the tests recompute).

``--out`` defaults to the committed weights in ``helpers/data/organism/``. ``--smoke``
trains on a few images for two steps per copy into a temporary folder (or ``--out``, never
the committed folder): a check that the script works, in seconds.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import resource
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
from helpers.cache import atomic_file, write_text  # noqa: E402
from helpers.config import seed_everything  # noqa: E402
from helpers.stimuli.sets import Preprocess  # noqa: E402

SUBSET_PER_CLASS = 10  # test images per class the tests recompute
SMOKE = dict(n_train=2, n_test=1, epochs=1, batch_size=16)


class UsageError(Exception):
    """Bad arguments: reported as one line, exit code 2."""


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


def parse_args(argv):
    ap = _Parser(prog="python tools/train_organism.py", description=__doc__,
                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", help=f"output folder (default: {organism.DATA_DIR.relative_to(ROOT)})")
    ap.add_argument("--seed", type=int, default=0, help="seed of everything: data, initial weights, batch order")
    ap.add_argument("--n-train", type=int, default=2200, help="training images per class (default %(default)s)")
    ap.add_argument("--n-test", type=int, default=200, help="held-out test images per class (default %(default)s)")
    ap.add_argument("--size", type=int, default=miniworld.DEFAULT_SIZE, help="image side in px (default 64)")
    ap.add_argument("--widths", default=",".join(map(str, organism.WIDTHS)),
                    help="channels of the five blocks, comma-separated (default %(default)s)")
    ap.add_argument("--fc", type=int, default=organism.FC, help="units of fc1 and fc2 (default %(default)s)")
    ap.add_argument("--pool", type=int, default=organism.POOL, help="side of the map fc1 reads (default %(default)s)")
    ap.add_argument("--dropout", type=float, default=0.3, help="dropout after fc1 and fc2 in training")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--optimizer", choices=("sgd", "adamw"), default="sgd")
    ap.add_argument("--lr", type=float, default=0.1, help="peak learning rate of the one-cycle schedule")
    ap.add_argument("--weight-decay", type=float, default=5e-4)
    ap.add_argument("--temperature", type=float, default=0.5, help="soft labels: softmax(-distance / T)")
    ap.add_argument("--shift", type=int, default=4, help="augmentation: random translation up to this many px")
    ap.add_argument("--threads", type=int, default=2, help="torch CPU threads (default 2)")
    ap.add_argument("--smoke", action="store_true", help="a run of seconds into a temporary folder")
    ap.add_argument("--quiet", action="store_true", help="print only the summary")
    args = ap.parse_args(argv)
    if args.smoke:
        for k, v in SMOKE.items():
            setattr(args, k, v)
    try:
        args.widths = [int(w) for w in args.widths.split(",")]
    except ValueError:
        raise UsageError(f"--widths must be five comma-separated integers, got {args.widths!r}") from None
    if len(args.widths) != len(organism.BLOCKS) or min(args.widths) < 1:
        raise UsageError(f"--widths must be five positive integers, got {args.widths}")
    if not 0 <= args.dropout < 1:
        raise UsageError(f"--dropout must be in [0, 1), got {args.dropout}")
    for name in ("n_train", "n_test", "epochs", "batch_size", "threads", "fc", "pool"):
        if getattr(args, name) < 1:
            raise UsageError(f"--{name.replace('_', '-')} must be at least 1, got {getattr(args, name)}")
    if args.seed < 0:
        raise UsageError(f"--seed must be non-negative, got {args.seed}")
    if args.size < 32:
        raise UsageError(f"--size must be at least 32 px (five 2x2 max-pools), got {args.size}")
    if not args.lr > 0 or args.weight_decay < 0 or not args.temperature > 0 or args.shift < 0:
        raise UsageError("--lr and --temperature must be positive, --weight-decay and --shift non-negative")
    default_out = organism.DATA_DIR.resolve()
    if args.out is None:
        args.out = tempfile.mkdtemp(prefix="organism-smoke-") if args.smoke else str(default_out)
    out = Path(args.out).resolve()
    if args.smoke and out == default_out:
        raise UsageError(f"--smoke never writes over the committed weights in {out}; pass another --out")
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} exists and is not a folder")
    args.out = out
    return args


def shifted(x: torch.Tensor, shift: int, gen: torch.Generator) -> torch.Tensor:
    """Each image translated by its own random (dy, dx) in [-shift, shift] px, edges replicated."""
    if shift == 0:
        return x
    b, _, h, w = x.shape
    padded = F.pad(x, (shift, shift, shift, shift), mode="replicate")
    offs = torch.randint(0, 2 * shift + 1, (b, 2), generator=gen)
    return torch.stack([padded[i, :, dy:dy + h, dx:dx + w] for i, (dy, dx) in enumerate(offs.tolist())])


def train_copy(kind: str, init_state: dict, images: np.ndarray, labels: np.ndarray, args, log) -> tuple:
    """Train one copy from ``init_state``; returns (trained batch-norm network, per-epoch history)."""
    seed_everything(args.seed)  # same dropout masks, batch order and shifts for both copies
    model = organism.initial_network(args.seed, len(miniworld.CLASSES), args.widths, args.fc, args.dropout, args.pool)
    model.load_state_dict(init_state)
    model = model.to(memory_format=torch.channels_last).train()
    targets = torch.from_numpy(miniworld.soft_labels(labels, args.temperature)) if kind == "soft" else \
        F.one_hot(torch.from_numpy(labels), len(miniworld.CLASSES)).float()
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
        for start in range(0, len(images), args.batch_size):
            idx = perm[start:start + args.batch_size]
            x = shifted(prep.normalize(images[idx.numpy()]), args.shift, order)
            x = x.contiguous(memory_format=torch.channels_last)
            logits = model(x)
            loss = F.cross_entropy(logits, targets[idx])
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


def _save_state(state: dict, path: Path) -> None:
    with atomic_file(path) as f:
        torch.save(state, f)


def run(args) -> dict:
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

    args.out.mkdir(parents=True, exist_ok=True)
    record_files, heldout, subset, histories = {}, {}, {}, {}
    first = np.concatenate([np.arange(k * args.n_test, k * args.n_test + min(SUBSET_PER_CLASS, args.n_test))
                            for k in range(C)])
    for kind in organism.TRAINED_KINDS:
        t = clock.start()
        net, histories[kind] = train_copy(kind, init_state, train_x, train_y, args, log)
        took = clock.stop(f"train_{kind}", t)
        log(f"[{kind}] trained in {took['wall_s']} s (CPU {took['cpu_s']} s)")
        t = clock.start()
        deployed = organism.fold_batch_norm(net)
        stored = {k: v.half() for k, v in deployed.state_dict().items()}  # what ships, and what we evaluate
        name = organism.WEIGHT_FILES[kind]
        _save_state(stored, args.out / f".{name}.staged")
        deployed.load_state_dict({k: v.float() for k, v in stored.items()})
        proba = organism.predict_proba(deployed, test_x)
        heldout[kind] = organism.confusions(test_y, proba)
        sub_pred = proba[first].argmax(1)
        subset[kind] = {"top1": float((sub_pred == test_y[first]).mean()), "predictions": sub_pred.tolist()}
        clock.stop(f"evaluate_{kind}", t)
        record_files[kind] = name
        log(f"[{kind}] held-out top-1 {heldout[kind]['top1']:.3f}")

    files = {}
    for kind, name in record_files.items():
        staged = args.out / f".{name}.staged"
        files[kind] = {"name": name, "sha256": organism.sha256_file(staged), "bytes": staged.stat().st_size,
                       "dtype": "float16"}
    total = clock.stop("total", t_all)
    record = {
        "format": 1,
        "model": "Mini-VGG16 model organism trained on generated drawings (helpers.organism.network)",
        "architecture": {**untrained.config, "blocks": list(organism.BLOCKS),
                         "input_size": args.size, "parameters": int(sum(p.numel() for p in untrained.parameters())),
                         "batch_norm": "trained with batch norm after each convolution, folded into it"},
        "classes": list(miniworld.CLASSES), "breeds": list(miniworld.BREEDS), "hierarchy": dict(miniworld.PARENTS),
        "config": {
            "seed": args.seed, "n_train_per_class": args.n_train, "n_test_per_class": args.n_test,
            "image_size": args.size, "epochs": args.epochs, "batch_size": args.batch_size,
            "optimizer": {"sgd": "SGD, momentum 0.9, Nesterov", "adamw": "AdamW"}[args.optimizer], "lr_max": args.lr, "weight_decay": args.weight_decay,
            "schedule": "one-cycle (cosine), 25 % warm-up", "temperature": args.temperature,
            "augmentation": f"random translation up to {args.shift} px (edges replicated)",
            "threads": args.threads, "channels_last": True, "storage": "float16 (evaluated as stored)",
            "smoke": bool(args.smoke),
        },
        "environment": {"torch": torch.__version__, "numpy": np.__version__, "python": platform.python_version(),
                        "machine": platform.machine(), "cpu_count": os.cpu_count()},
        "timing": clock.phases,
        "history": histories,
        "untrained_sha256": organism.state_sha256(untrained.state_dict()),
        "files": files,
        "heldout": heldout,
        "subset": {"n_per_class": min(SUBSET_PER_CLASS, args.n_test),
                   "images_sha256": hashlib.sha256(np.ascontiguousarray(test_x[first]).tobytes()).hexdigest(),
                   **subset},
    }
    for kind, name in record_files.items():
        os.replace(args.out / f".{name}.staged", args.out / name)
    write_text(args.out / organism.RECORD, json.dumps(record, indent=1) + "\n")
    return record


def run_cleanly(args) -> dict:
    """:func:`run`, leaving no staged file behind when it fails or is interrupted."""
    try:
        return run(args)
    finally:
        for name in organism.WEIGHT_FILES.values():
            (args.out / f".{name}.staged").unlink(missing_ok=True)


def summary(record: dict, out: Path) -> str:
    t = record["timing"]
    lines = [f"Wrote {', '.join(f['name'] for f in record['files'].values())} and {organism.RECORD} to {out}",
             f"data: {record['config']['n_train_per_class']} training / {record['config']['n_test_per_class']} "
             f"test images per class, {len(record['classes'])} classes; generation {t['generate']['wall_s']} s "
             f"(CPU {t['generate']['cpu_s']} s)"]
    for kind in organism.TRAINED_KINDS:
        h = record["heldout"][kind]
        lines.append(f"{kind:>4}: held-out top-1 {h['top1']:.3f}; breed images called another breed "
                     f"{h['breed_as_other_breed']:.3f}, car or cup {h['breed_as_car_or_cup']:.3f}; training "
                     f"{t['train_' + kind]['wall_s']} s wall, {t['train_' + kind]['cpu_s']} s CPU")
    lines.append(f"total {t['total']['wall_s']} s wall, {t['total']['cpu_s']} s CPU "
                 f"({record['config']['threads']} threads)")
    return "\n".join(lines)


def main(argv=None) -> int:
    try:
        args = parse_args(argv)
        record = run_cleanly(args)
    except UsageError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"error: could not write the weights ({e})", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted; the committed files were left as they were", file=sys.stderr)
        return 130
    print(summary(record, args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())

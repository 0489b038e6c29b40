"""Speed of :func:`helpers.analyses.featureviz.visualize` (issue #7).

    python benchmarks/featureviz_bench.py [--quick]    # prints JSON; CPU, and the GPU if there is one

Measures, for 8 filters of VGG16 ``block4_conv3`` at 128 px (weights untrained: speed
does not depend on their values):

- optimisation steps per second;
- one step against one forward+backward pass (gradient for the input, parameters
  frozen, as in the optimisation) of the network truncated after the layer, on the
  same input (the 128 px image on its padded canvas). Target: at most 1.25, i.e. the
  Fourier parameterisation, colour decorrelation, random transforms and Adam add
  little to the network's own cost;
- the same against the whole VGG16, classifier included (what running to the end
  instead of stopping at the layer would cost);
- the step's own work without the network (parameterisation, transforms, their
  backward pass, Adam) against the truncated forward+backward: the same overhead,
  measured directly, so less at the mercy of a busy machine than the ratio above;
- on the CPU, a step with channels-last tensors against the default layout.

The compared methods alternate within each round, after a warm-up; a ratio is the
median over rounds of that round's ratio, a time the median over rounds.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

LAYER = "block4_conv3"
N_FILTERS = 8
SIZE = 128
TARGET_RATIO = 1.25


def _timer(device: torch.device):
    def sync():
        if device.type == "cuda":
            torch.cuda.synchronize(device)

    def timed(fn):
        sync()
        t = time.perf_counter()
        fn()
        sync()
        return time.perf_counter() - t
    return timed


def _measure(model, device: torch.device, rounds: int, warmup: int) -> dict:
    from helpers.cnn.activations import forward_to
    from helpers.analyses.featureviz import ImageStreams, objectives, param, render, transform

    filters = list(range(N_FILTERS))
    layouts = [True, False] if device.type == "cpu" else [False]
    # One model copy per memory layout, each prepared once, so that rounds can alternate.
    models = {cl: model if i == 0 else copy.deepcopy(model) for i, cl in enumerate(layouts)}

    def session(cl):
        # The parts visualize() uses by default, each session with its own image.
        draws = ImageStreams(0, filters)
        return render.session(models[cl], LAYER, filters, objectives.mean(), param.fourier(SIZE, draws),
                              transform.standard(), draws, lr=0.05, device=device, channels_last=cl)

    with contextlib.ExitStack() as stack:
        runs = {cl: stack.enter_context(session(cl)) for cl in layouts}
        main = runs[layouts[0]]
        x = main.network_input(main.image().detach(), random=False).detach().requires_grad_(True)
        net = main.model

        def truncated():
            x.grad = None
            out = forward_to(net, x, [main.path], reduce=lambda o: o)[main.path]
            out[:, :N_FILTERS].mean().backward()

        def full():
            x.grad = None
            net(x).sum().backward()

        def overhead():
            # Everything of a step but the network: parameterisation, transforms, their
            # backward pass (from a stand-in loss on the input) and the Adam update.
            main.optimizer.zero_grad(set_to_none=True)
            main.network_input(main.image(), random=True).float().mean().backward()
            main.optimizer.step()

        steps = {cl: 0 for cl in layouts}

        def stepper(cl):
            def go():
                runs[cl].step(steps[cl])
                steps[cl] += 1
            return go

        methods = {f"step_{'channels_last' if cl else 'default_layout'}": stepper(cl) for cl in layouts}
        methods.update(truncated=truncated, full=full, overhead=overhead)
        timed = _timer(device)
        for fn in methods.values():
            for _ in range(warmup):
                timed(fn)
        times = {k: [] for k in methods}
        names = list(methods)
        for r in range(rounds):
            order = names[r % len(names):] + names[:r % len(names)]  # rotate which goes first
            for k in order:
                times[k].append(timed(methods[k]))
    step_key = names[0]
    med = {k: statistics.median(v) for k, v in times.items()}
    ratio = lambda a, b: statistics.median([x / y for x, y in zip(times[a], times[b])])  # noqa: E731
    out = {
        "device": str(device), "layer": LAYER, "filters": N_FILTERS, "size_px": SIZE,
        "canvas_px": main.canvas[0], "rounds": rounds, "threads": torch.get_num_threads(),
        "step_s": med[step_key], "steps_per_s": 1.0 / med[step_key],
        "truncated_fwd_bwd_s": med["truncated"], "full_fwd_bwd_s": med["full"],
        "ratio_step_vs_truncated": ratio(step_key, "truncated"),
        "ratio_step_vs_untruncated": ratio(step_key, "full"),
        "overhead_s": med["overhead"], "overhead_fraction_of_truncated": ratio("overhead", "truncated"),
        "times_s": times,
    }
    if device.type == "cpu":
        out["step_default_layout_s"] = med["step_default_layout"]
        out["channels_last_speedup"] = ratio("step_default_layout", "step_channels_last")
    return out


def _rows(m: dict) -> list:
    dev = "GPU" if m["device"].startswith("cuda") else "CPU"
    what = f"{m['filters']} {m['layer']} filters, {m['size_px']} px"
    note = f"median of {m['rounds']} rounds; input {m['canvas_px']} px (image + padding); {m['threads']} threads"
    rows = [
        {"name": f"visualize ({dev}): steps per second, {what}", "value": m["steps_per_s"], "unit": "steps/s",
         "note": note},
        {"name": f"one step ÷ forward+backward of the network truncated at {m['layer']} ({dev})",
         "value": m["ratio_step_vs_truncated"], "unit": "×", "target": f"≤ {TARGET_RATIO}",
         "met": m["ratio_step_vs_truncated"] <= TARGET_RATIO, "note": note},
        {"name": f"one step ÷ forward+backward of the whole VGG16 incl. classifier ({dev})",
         "value": m["ratio_step_vs_untruncated"], "unit": "×", "note": note},
        {"name": f"parameterisation + transforms + Adam, without the network ÷ truncated forward+backward ({dev})",
         "value": m["overhead_fraction_of_truncated"], "unit": "×", "target": f"≤ {TARGET_RATIO - 1:.2f}",
         "met": m["overhead_fraction_of_truncated"] <= TARGET_RATIO - 1, "note": note},
    ]
    if "channels_last_speedup" in m:
        rows.append({"name": "channels-last speed-up of a step (CPU; visualize's default there)",
                     "value": m["channels_last_speedup"], "unit": "×", "note": note})
    return rows


def run(quick: bool = False, device: str | None = None) -> dict:
    """Measure on ``device`` (default CPU; "all": the CPU and, where present, the GPU).

    quick : 3 rounds after 1 warm-up (about 30 s on 2 cores) instead of 7 after 2.
    Returns {"rows": [{name, value, unit, target, met, note}, ...], "<device>": {numbers}}.
    """
    from helpers.cnn.models import load_vgg16

    if device == "all":
        devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    else:
        devices = [device or "cpu"]
    rounds, warmup = (3, 1) if quick else (7, 2)
    model = load_vgg16(pretrained=False, progress=False)
    result: dict = {"rows": []}
    for dev in devices:
        m = _measure(model, torch.device(dev), rounds, warmup)
        result[m["device"]] = m
        result["rows"].extend(_rows(m))
    if len(devices) == 1 and not torch.cuda.is_available():
        result["gpu"] = "no CUDA GPU on this machine: GPU speed not measured"
    return result


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer rounds")
    ap.add_argument("--device", default="all", help="cpu, cuda or all (default)")
    args = ap.parse_args()
    print(json.dumps(run(args.quick, args.device), indent=1, ensure_ascii=False))

"""Two diagrams drawn in code (matplotlib only: no graphviz, no network): the course's
measurement pipeline, and VGG16's blocks with the paper's layer names.

:func:`pipeline_diagram` shows what happens to an image on its way to the paper's figure:
feature maps, per-filter maximum, eq. 1 (min-max per filter over images), eq. 2 (share of a
filter's activation on a category's exemplars), the permutation test with
Benjamini-Hochberg, and the proportion of selective filters per layer.

:func:`vgg16_diagram` draws VGG16's sixteen weight layers (Simonyan & Zisserman 2015) under
the names the paper uses (Keras's: ``block1_conv1`` ... ``block5_conv3``, ``fc1``, ``fc2``,
then the class head), with channel widths and map sizes read off a given model by one
forward pass (:func:`vgg16_layout`), so it draws the model organism
(:mod:`helpers.organism.network`, widths 16-32-64-96-128) as readily as torchvision's VGG16;
without a model it draws VGG16's published sizes.

Both return a :class:`matplotlib.figure.Figure`; every text is at least
:data:`MIN_FONTSIZE` points.
"""

from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Rectangle

from helpers.labels import PAPER_CATEGORIES

MIN_FONTSIZE = 9  # points; no text in these diagrams is smaller

#: VGG16's published layout (Simonyan & Zisserman 2015, configuration D): convolutions per
#: block, channels per block, units of fc1 and fc2, classes, input side in px.
VGG16_BLOCKS = (2, 2, 3, 3, 3)
VGG16_WIDTHS = (64, 128, 256, 512, 512)
VGG16_FC = 4096
VGG16_CLASSES = 1000
VGG16_INPUT = 224
ORGANISM_INPUT = 64  # the organism's training size (helpers.organism.network)

#: The paper's layer names in order, and the head (torchvision's ``classifier.6``).
CONV_NAMES = tuple(f"block{b + 1}_conv{k + 1}" for b, n in enumerate(VGG16_BLOCKS) for k in range(n))
LAYER_NAMES = CONV_NAMES + ("fc1", "fc2", "head")
HEAD_PATH = "classifier.6"



# --------------------------------------------------------------------------- the pipeline


def _box(ax, x, y, w, h, step):
    """A rounded box centred at (x, y): a bold title, text, an optional formula, more text.
    ``step`` is (title, text above, formula or "", text below, colour)."""
    title, above, formula, below, colour = step
    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.012,rounding_size=0.02",
                                facecolor=colour, edgecolor="0.3", linewidth=1.0))
    ax.text(x, y + h / 2 - 0.03, title, ha="center", va="top", fontsize=10, fontweight="bold")
    ax.text(x, y + h / 2 - 0.085, above, ha="center", va="top", fontsize=9, linespacing=1.3)
    if formula:
        ax.text(x, y - 0.03, formula, ha="center", va="center", fontsize=10.5)
    if below:
        ax.text(x, y - h / 2 + 0.025, below, ha="center", va="bottom", fontsize=9, linespacing=1.3)


def _arrow(ax, start, end, **kw):
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=14, color="0.25", linewidth=1.3,
                                 shrinkA=0, shrinkB=0, **kw))


def pipeline_diagram(categories: Sequence[str] = PAPER_CATEGORIES, n_permutations: int = 1000,
                     alpha: float = 0.01) -> Figure:
    """The measurement pipeline, image to the paper's figure, as a flow chart.

    categories : category names to show in eq. 2 (default: the paper's four)
    n_permutations, alpha : the permutation test's number of label shuffles and the
        significance level (course defaults: 1000 and 0.01)

    Shapes in the boxes: n images, C filters of a layer, h x w positions of its maps.
    Returns the Figure (two rows of boxes, about 13 x 6.4 inches).
    """
    cats = ", ".join(categories)
    fig = plt.figure(figsize=(13, 6.4))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.axis("off")
    w, h = 0.215, 0.33
    top, bottom = 0.72, 0.26
    xs_top = [0.125, 0.375, 0.625, 0.875]
    xs_bottom = [0.21, 0.5, 0.79]
    steps_top = [
        ("1  Images", "n labelled images", "", "categories:\n" + _wrap(cats, 28) + "\ntensor (n, 3, H, W)",
         "#e8eef7"),
        ("2  Feature maps", "forward pass; a hook on each\nlayer's ReLU reads its maps", "",
         "(n, C, h, w) per layer", "#e8eef7"),
        ("3  Per-filter maximum", "largest value of each map", r"$a_{if} = \max_{x,y}\ \mathrm{map}_{if}(x, y)$",
         "(n, C): one number\nper image and filter", "#e8eef7"),
        ("4  Eq. 1: min-max", "per filter, over the n images",
         r"$\hat a_{if} = \dfrac{a_{if} - \min_j a_{jf}}{\max_j a_{jf} - \min_j a_{jf}}$",
         "in [0, 1]; a constant filter\nis silent (never selective)", "#fdf1dc"),
    ]
    steps_bottom = [
        ("5  Eq. 2: share", "filter f's share of activation\non category c's exemplars",
         r"$s_{fc} = \dfrac{\sum_{i \in c}\, \hat a_{if}}{\sum_i\, \hat a_{if}}$",
         "chance: 1 / number of categories", "#fdf1dc"),
        ("6  More than chance?", f"shuffle the labels {n_permutations} times:\np-value of each $s_{{fc}}$", "",
         f"selective if p ≤ {alpha:g}\n(optionally Benjamini-Hochberg\nover a layer's filters)", "#e5f3e5"),
        ("7  Per layer", "proportion of a layer's filters\nselective for each category", "",
         "with a bootstrap interval\nover images: the paper's figure", "#e5f3e5"),
    ]
    for x, step in zip(xs_top, steps_top):
        _box(ax, x, top, w, h, step)
    for x, step in zip(xs_bottom, steps_bottom):
        _box(ax, x, bottom, w + 0.035, h, step)
    for a, b in zip(xs_top, xs_top[1:]):
        _arrow(ax, (a + w / 2 + 0.006, top), (b - w / 2 - 0.006, top))
    for a, b in zip(xs_bottom, xs_bottom[1:]):
        _arrow(ax, (a + (w + 0.035) / 2 + 0.006, bottom), (b - (w + 0.035) / 2 - 0.006, bottom))
    # from step 4 (top right) down and back to step 5 (bottom left)
    mid = (top - h / 2 + bottom + h / 2) / 2
    ax.plot([xs_top[-1], xs_top[-1], xs_bottom[0]], [top - h / 2 - 0.012, mid, mid], color="0.25", lw=1.3)
    _arrow(ax, (xs_bottom[0], mid), (xs_bottom[0], bottom + h / 2 + 0.012))
    ax.text(0.5, 0.965, "From images to the proportion of category-selective filters per layer "
            "(the paper's measure; no network or data drawn here)", ha="center", va="center", fontsize=11)
    ax.text(0.5, 0.035, "blue: the network   ·   orange: the paper's equations   ·   green: the statistics "
            "the course adds and the figure they feed", ha="center", va="center", fontsize=9, color="0.3")
    return fig


def _wrap(text: str, width: int) -> str:
    """``text`` broken at ", " into lines of at most about ``width`` characters."""
    lines, line = [], ""
    for part in text.split(", "):
        candidate = f"{line}, {part}" if line else part
        if len(candidate) > width and line:
            lines.append(line + ",")
            line = part
        else:
            line = candidate
    return "\n".join(lines + [line])


# --------------------------------------------------------------------------- VGG16's blocks


def vgg16_layout(model=None, input_size: int | None = None) -> list[dict]:
    """The sixteen weight layers of a VGG16-shaped network, shallow to deep.

    model : a network with torchvision ``vgg16``'s module paths (torchvision's VGG16, the
        model organism); its output shapes are read by one forward pass of a zero image
        with hooks on the ReLUs of :data:`helpers.cnn.models.VGG16_LAYERS` and on the head.
        None: VGG16's published sizes, computed without torch.
    input_size : side of the square input in px (default: 64 for the model organism,
        224 otherwise)

    Returns one dict per layer: ``name`` (:data:`LAYER_NAMES`), ``block`` (1-5 for the
    convolutions, 0 for fc1, fc2 and the head), ``channels`` (filters or units) and
    ``side`` (side of the output map in px; 1 for the fully connected layers).
    """
    if model is None:
        size = VGG16_INPUT if input_size is None else int(input_size)
        rows = []
        for b, (n, c) in enumerate(zip(VGG16_BLOCKS, VGG16_WIDTHS)):
            rows += [{"name": f"block{b + 1}_conv{k + 1}", "block": b + 1, "channels": c, "side": size}
                     for k in range(n)]
            size //= 2  # the 2 x 2 max-pool after each block
        rows += [{"name": "fc1", "block": 0, "channels": VGG16_FC, "side": 1},
                 {"name": "fc2", "block": 0, "channels": VGG16_FC, "side": 1},
                 {"name": "head", "block": 0, "channels": VGG16_CLASSES, "side": 1}]
        return rows
    return _read_layout(model, input_size)


def _read_layout(model, input_size):
    import torch

    from helpers.labels import ORGANISM_ARCH
    from helpers.cnn.models import VGG16_LAYERS, model_info

    if input_size is None:
        input_size = ORGANISM_INPUT if model_info(model).arch == ORGANISM_ARCH else VGG16_INPUT
    modules = dict(model.named_modules())
    paths = {**VGG16_LAYERS, "head": HEAD_PATH}
    missing = [f"{name} ({path})" for name, path in paths.items() if path not in modules]
    if missing:
        raise ValueError(f"This model lacks VGG16's module paths {', '.join(missing)}; vgg16_diagram draws "
                         "torchvision's vgg16 and networks built like it (helpers.organism.network.MiniVGG16).")
    shapes: dict[str, tuple] = {}

    def recorder(name):
        def hook(module, inputs, output):
            shapes[name] = tuple(output.shape[1:])
        return hook

    handles = [modules[path].register_forward_hook(recorder(name)) for name, path in paths.items()]
    was_training = model.training
    try:
        model.eval()
        dtype = next(model.parameters()).dtype
        with torch.inference_mode():
            model(torch.zeros(1, 3, input_size, input_size, dtype=dtype))
    finally:
        for h in handles:
            h.remove()
        model.train(was_training)
    rows = []
    for name in LAYER_NAMES:
        shape = shapes[name]
        block = int(name[5]) if name.startswith("block") else 0
        rows.append({"name": name, "block": block, "channels": int(shape[0]),
                     "side": int(shape[1]) if len(shape) == 3 else 1})
    return rows


def vgg16_diagram(model=None, input_size: int | None = None) -> Figure:
    """VGG16's five blocks, fc1, fc2 and the head, with the paper's layer names.

    Each convolution is a bar whose height grows with the side of its output map and whose
    width grows with its number of channels; the numbers are printed on it. Widths and
    sizes come from :func:`vgg16_layout` (read off ``model``, or VGG16's published sizes
    when ``model`` is None); the title names the model (``model.course_info``).

    Returns the Figure (about 14 x 5.6 inches).
    """
    rows = vgg16_layout(model, input_size)
    if model is None:
        who = "VGG16 (Simonyan & Zisserman 2015), published sizes"
        side_in = VGG16_INPUT if input_size is None else int(input_size)
    else:
        from helpers.cnn.models import model_info

        who = model_info(model).label
        side_in = rows[0]["side"]  # padding 1 keeps block 1 at the input's side
    max_c = max(r["channels"] for r in rows if r["block"])
    fig = plt.figure(figsize=(14, 5.6))
    ax = fig.add_axes((0.01, 0.02, 0.98, 0.86))
    ax.axis("off")
    x, gap, block_gap = 0.0, 0.25, 0.9
    positions, block_spans = [], {}
    colours = {1: "#c6dbef", 2: "#9ecae1", 3: "#6baed6", 4: "#4292c6", 5: "#2171b5", 0: "#fdae6b"}
    for i, r in enumerate(rows):
        if i and r["block"] != rows[i - 1]["block"]:
            x += block_gap
        width = 0.35 + 0.65 * (r["channels"] / max_c) ** 0.5 if r["block"] else 0.55
        height = 0.5 + 2.5 * (r["side"] / side_in) ** 0.5 if r["block"] else 1.6
        ax.add_patch(Rectangle((x, -height / 2), width, height, facecolor=colours[r["block"]], edgecolor="0.25"))
        positions.append((x + width / 2, height))
        ax.text(x + width / 2, height / 2 + 0.12, f"{r['channels']:,}", ha="center", va="bottom", fontsize=9,
                rotation=90 if r["channels"] >= 1000 else 0)
        ax.text(x + width / 2, -height / 2 - 0.12, r["name"], ha="center", va="top", fontsize=9, rotation=90)
        block_spans.setdefault(r["block"], [x, x + width])[1] = x + width
        x += width + gap
    top = max(h for _, h in positions) / 2
    for b, (x0, x1) in block_spans.items():
        side = next(r["side"] for r in rows if r["block"] == b)
        label = f"block {b}\n{side}×{side} px" if b else "fully connected"
        ax.plot([x0, x0, x1, x1], [top + 0.75, top + 0.85, top + 0.85, top + 0.75], color="0.3", lw=1)
        ax.text((x0 + x1) / 2, top + 0.95, label, ha="center", va="bottom", fontsize=10)
        if b:  # the max-pool that follows every block
            ax.annotate("", xy=(x1 + block_gap + gap - 0.08, 0), xytext=(x1 + 0.08, 0),
                        arrowprops={"arrowstyle": "-|>", "color": "0.3", "lw": 1.2})
            ax.text(x1 + (block_gap + gap) / 2, -0.25, "pool\n÷2" if b < 5 else "pool,\nflatten", ha="center", va="top", fontsize=9, color="0.3")
    ax.set_xlim(-0.3, x + 0.1)
    ax.set_ylim(-top - 2.6, top + 1.9)
    fig.suptitle(f"{who}\nits layers (the paper's names), channels and map sizes for a {side_in}-px input",
                 fontsize=11, y=0.985)
    ax.text(0, -top - 2.5, "bar height: side of the output map; bar width: number of channels (numbers on top: "
            "channels or units); the paper reads each layer after its ReLU", fontsize=9, color="0.3", va="bottom")
    return fig

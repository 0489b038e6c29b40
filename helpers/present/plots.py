"""Figures shared by the notebooks and the command line.

Every figure says which network and which stimuli produced it: :func:`title` builds
that title from a result itself (activations, selectivity results, feature
visualisations), :func:`title_for` from its parts (both from :mod:`helpers.labels`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.labels import UNTRAINED_NOTE, title, title_for  # noqa: F401 - part of this module's interface

LEGEND_PLACES = ("inside", "outside", "none")

#: One colour per category in every figure of the course (a learner who has seen "dog" in
#: vermilion should not meet it in green two notebooks later). Hues from seaborn's
#: colour-blind-safe palette for the measurement categories and the six breeds, then
#: Tableau's darker hues for the organism's other classes.
CATEGORY_COLOURS: dict[str, str] = {
    "face": "#0173b2", "i-see-face": "#de8f05", "car": "#029e73", "dog": "#d55e00",
    "dachshund": "#cc78bc", "greyhound": "#ca9161", "bulldog": "#949494", "husky": "#56b4e9",
    "dalmatian": "#ece133", "beagle": "#fbafe4",
    "cup": "#8c564b", "bottle": "#7f7f7f", "bird": "#17becf", "fish": "#1f77b4", "airplane": "#9467bd",
    "bicycle": "#bcbd22", "chair": "#e377c2",
}
#: Colours for categories the table above does not name (your own stimulus set), in order.
EXTRA_COLOURS: tuple[str, ...] = ("#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd",
                                  "#e6550d", "#31a354", "#756bb1", "#636363")
#: The smallest font size, in points, of any text in a course figure.
MIN_FONT_SIZE = 8.0


def category_colours(categories) -> dict[str, str]:
    """``{category: colour}`` for a list of category names: the course's fixed colour for
    each known name (:data:`CATEGORY_COLOURS`), the next unused :data:`EXTRA_COLOURS` entry
    for others, in the order given (so one call colours one figure consistently)."""
    cats = [str(c) for c in categories]
    used = {CATEGORY_COLOURS[c] for c in cats if c in CATEGORY_COLOURS}
    spare = [c for c in EXTRA_COLOURS if c not in used]
    out = {}
    for c in cats:
        if c in out:
            continue
        if c in CATEGORY_COLOURS:
            out[c] = CATEGORY_COLOURS[c]
        else:
            if not spare:
                raise ValueError(f"more than {len(EXTRA_COLOURS)} categories without a course colour; "
                                 "pass fewer categories or extend plots.EXTRA_COLOURS.")
            out[c] = spare.pop(0)
    return out


def category_colour(category: str) -> str:
    """The course's colour for one category (see :func:`category_colours`)."""
    return category_colours([category])[str(category)]


def plot_layer_profile(table: pd.DataFrame, ax=None, title: str | None = None, ci: bool = True,
                       legend: str = "inside"):
    """Proportion of category-selective filters per layer and category (the paper's figure).

    table : :func:`helpers.stats.selectivity.summary_table` output
    ci : draw error bars: the table's bootstrap interval over images (``ci_low``,
        ``ci_high``), or its Wilson interval where the result has no bootstrap; the legend
        says which
    legend : "inside" (the axes' upper left corner, compact for panels), "outside" (right
        of the axes, where it never covers a bar) or "none"
    Returns the matplotlib Axes.
    """
    if legend not in LEGEND_PLACES:
        raise ValueError(f"legend must be one of {', '.join(LEGEND_PLACES)}, got {legend!r}.")
    import matplotlib.pyplot as plt
    import seaborn as sns

    if ax is None:
        _, ax = plt.subplots(figsize=(10, 4.2))
    order = list(dict.fromkeys(table.sort_values("depth")["layer"]))
    sns.barplot(data=table, x="layer", y="proportion", hue="category", order=order, ax=ax,
                errorbar=None, palette=category_colours(dict.fromkeys(table["category"])), saturation=1)
    low, high, bars_note = _interval_columns(table)
    if ci:
        # Intervals computed in the table, drawn on the bars seaborn placed.
        cats = list(dict.fromkeys(table["category"]))
        for bars, cat in zip(ax.containers, cats):
            sub = table[table["category"] == cat].set_index("layer").reindex(order)
            xs = [b.get_x() + b.get_width() / 2 for b in bars]
            ax.errorbar(xs, sub["proportion"], yerr=[sub["proportion"] - sub[low], sub[high] - sub["proportion"]],
                        fmt="none", ecolor="0.25", elinewidth=0.8, capsize=1.5)
    crit = table["criterion"].iloc[0]
    thr = table["threshold"].iloc[0]
    corr = table["correction"].iloc[0]
    rule = f"p ≤ {thr:g}" if crit == "p" else f"selectivity index ≥ {thr:g}"
    if crit == "p" and corr != "none":
        rule += f" ({corr.upper()}-corrected)"
    ax.set_xlabel("layer (shallow → deep)")
    ax.set_ylabel(f"proportion of filters selective\n({rule})")
    ax.set_ylim(0, max(0.05, float(np.nanmax(table[high] if ci else table["proportion"])) * 1.1))
    ax.tick_params(axis="x", rotation=60)
    where = {"inside": {"loc": "upper left"},
             "outside": {"loc": "upper left", "bbox_to_anchor": (1.01, 1.0), "borderaxespad": 0.0}}
    if legend == "none":
        ax.legend().remove()
    else:
        ax.legend(title="category" + (f"\nerror bars: {bars_note}" if ci else ""), fontsize=8, title_fontsize=8,
                  **where[legend])
    if title:
        set_title(ax, title, fontsize=9)
    return ax


def set_title(ax, text: str, fontsize: float = 9, **kwargs):
    """``ax.set_title(text)``, the text broken at spaces so that no line is wider than the
    axes (a one-line caption from :func:`title_for` is often wider than one panel of a
    figure; too wide, it runs into its neighbour). Existing line breaks are kept. The width
    of a line is estimated at 0.6 ``fontsize`` per character, enough for matplotlib's
    default font. Returns the title's Text."""
    import textwrap

    fig = ax.figure
    width_in = ax.get_position().width * fig.get_figwidth()
    per_line = max(20, int(width_in * 72 / (0.6 * fontsize)))
    lines = [textwrap.fill(line, per_line, break_long_words=False) for line in str(text).split("\n")]
    return ax.set_title("\n".join(lines), fontsize=fontsize, **kwargs)


def layer_profile_figure(table: pd.DataFrame, title: str | None = None, ci: bool = True,
                         figsize: tuple[float, float] = (12.5, 4.8)):
    """A figure of its own for :func:`plot_layer_profile` (what the command line saves): the
    legend right of the bars, never over them, and the layout tightened around both.
    Returns the matplotlib Figure (close it with ``plt.close(fig)``)."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=figsize)
    plot_layer_profile(table, ax=ax, title=title, ci=ci, legend="outside")
    fig.tight_layout()
    return fig


def _interval_columns(table: pd.DataFrame) -> tuple[str, str, str]:
    """Which interval columns of a summary table to draw, and what to call them: the
    bootstrap over images when present, else Wilson's."""
    level = f"{float(table['confidence'].iloc[0]):.0%}" if "confidence" in table else "95%"
    if "ci_low" in table and table["ci_low"].notna().all():
        return "ci_low", "ci_high", f"{level} bootstrap over images\n(resampled within category)"
    return "wilson_low", "wilson_high", f"{level} Wilson\n(filters as independent draws)"


def image_grid(images: np.ndarray, titles=None, ncols: int = 8, size: float = 1.4, axes=None):
    """Show uint8 images (N, H, W, 3) in a grid with optional titles (e.g. category names)."""
    import matplotlib.pyplot as plt

    n = len(images)
    nrows = int(np.ceil(n / ncols))
    if axes is None:
        fig, axes = plt.subplots(nrows, ncols, figsize=(ncols * size, nrows * size * 1.15), squeeze=False)
    axes = np.asarray(axes).ravel()
    for i, ax in enumerate(axes):
        ax.axis("off")
        if i < n:
            ax.imshow(images[i])
            if titles is not None:
                ax.set_title(str(titles[i]), fontsize=MIN_FONT_SIZE)
    return axes


# --------------------------------------------------------------------------- figure audit
#
# A title printed over another title, or a label under a legend, is easy to miss by eye
# and impossible for a screen reader to untangle. text_problems() asks matplotlib's own
# renderer where every piece of text ended up.

def _texts(fig):
    """(text, group) for every visible, non-empty Text of ``fig``; ``group`` names where it
    belongs (tick labels of one axis share a group: rotated neighbours may touch)."""
    from matplotlib.text import Text

    out = []
    for i, ax in enumerate(fig.axes):
        if not ax.get_visible():
            continue
        out += [(t, f"axes {i} title") for t in (ax.title, ax._left_title, ax._right_title)]
        if ax.axison:  # ax.axis("off") hides labels and ticks without marking their Texts invisible
            out += [(ax.xaxis.label, f"axes {i} xlabel"), (ax.yaxis.label, f"axes {i} ylabel")]
        for name, axis in ((("x", ax.xaxis), ("y", ax.yaxis)) if ax.axison else ()):
            lo, hi = sorted(axis.get_view_interval())
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                if lo - 1e-9 * (abs(hi) + 1) <= tick.get_loc() <= hi + 1e-9 * (abs(hi) + 1):
                    out += [(tick.label1, f"axes {i} {name}ticks"), (tick.label2, f"axes {i} {name}ticks")]
        out += [(t, f"axes {i} text {j}") for j, t in enumerate(ax.texts)]
        if ax.axison:
            out += [(t, f"axes {i} offset") for t in (ax.xaxis.offsetText, ax.yaxis.offsetText)]
    out += [(t, f"figure text {j}") for j, t in enumerate(fig.texts)]
    if getattr(fig, "_suptitle", None) is not None:
        out.append((fig._suptitle, "suptitle"))
    seen, unique = set(), []
    for t, g in out:  # the suptitle is also one of fig.texts
        if id(t) not in seen and isinstance(t, Text) and t.get_visible() and t.get_text().strip():
            seen.add(id(t))
            unique.append((t, g))
    return unique


def _legends(fig):
    legends = [ax.get_legend() for ax in fig.axes if ax.get_visible()] + list(fig.legends)
    return [lg for lg in legends if lg is not None and lg.get_visible()]


def text_problems(fig, min_size: float = MIN_FONT_SIZE, tolerance: float = 1.0) -> list[str]:
    """Texts of ``fig`` that overlap each other or a legend, or are smaller than ``min_size`` pt.

    Draws the figure once and compares the bounding boxes that matplotlib's renderer
    reports (``get_window_extent``), shrunk by ``tolerance`` pixels so that boxes that
    merely touch pass. Tick labels of one axis are not compared with each other, nor
    texts inside a legend with that legend. Returns one line per problem (empty: none).
    """
    from matplotlib.text import Text

    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    problems = []
    boxes = []
    for t, group in _texts(fig):
        size = float(t.get_fontsize())
        if size < min_size - 1e-6:
            problems.append(f"{group}: {t.get_text()!r} is {size:g} pt (at least {min_size:g})")
        # An annotation's own extent includes its arrow; only the text is compared.
        bb = Text.get_window_extent(t, renderer)
        if bb.width > 0 and bb.height > 0:
            boxes.append((f"{group} {t.get_text()!r}", group, bb))
    for k, lg in enumerate(_legends(fig)):
        for t in [lg.get_title()] + lg.get_texts():
            if t.get_text().strip() and float(t.get_fontsize()) < min_size - 1e-6:
                problems.append(f"legend {k}: {t.get_text()!r} is {float(t.get_fontsize()):g} pt "
                                f"(at least {min_size:g})")
        boxes.append((f"legend {k}", f"legend {k}", lg.get_window_extent(renderer)))
    for i in range(len(boxes)):
        for j in range(i + 1, len(boxes)):
            (na, ga, a), (nb, gb, b) = boxes[i], boxes[j]
            if ga == gb and ga.endswith("ticks"):
                continue
            if (min(a.x1, b.x1) - max(a.x0, b.x0) > tolerance and min(a.y1, b.y1) - max(a.y0, b.y0) > tolerance):
                problems.append(f"overlap: {na} and {nb} (pixels x {a.x0:.0f}-{a.x1:.0f}, y {a.y0:.0f}-{a.y1:.0f} "
                                f"and x {b.x0:.0f}-{b.x1:.0f}, y {b.y0:.0f}-{b.y1:.0f})")
    return problems


def install_figure_audit(log_path) -> None:
    """Check every figure as it is rendered (shown inline, saved, or drawn into a widget):
    :func:`text_problems` of each, one JSON line per figure appended to ``log_path``
    (``{"figure": n, "problems": [...]}``). For tests and authors, who run a notebook with
    this installed in its first cell; it changes nothing in the figures."""
    import json

    from matplotlib.backend_bases import FigureCanvasBase

    original = getattr(FigureCanvasBase.print_figure, "_course_original", FigureCanvasBase.print_figure)
    counter = {"n": 0}

    def print_figure(self, *args, **kwargs):
        counter["n"] += 1
        try:
            problems = text_problems(self.figure)
        except Exception as err:  # an audit must never break the figure it audits
            problems = [f"audit failed: {type(err).__name__}: {err}"]
        with open(log_path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps({"figure": counter["n"], "problems": problems}) + "\n")
        return original(self, *args, **kwargs)

    print_figure._course_original = original
    FigureCanvasBase.print_figure = print_figure

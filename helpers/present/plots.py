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
                errorbar=None, palette="colorblind")
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
                ax.set_title(str(titles[i]), fontsize=7)
    return axes

"""Interactive explorers for the notebooks (ipywidgets).

Each builder returns ``(ui, update)``: ``ui`` is the widget to display, ``update``
a plain function of the widget values that redraws the figure and returns what it
drew, so tests (and learners) can call it directly without a browser.

- :func:`layer_profile_explorer` (notebook 05): the paper's figure, proportion of
  category-selective filters per layer, with a threshold slider, a p-value / index
  switch and Benjamini-Hochberg correction. Error bars are the bootstrap intervals of
  :func:`helpers.stats.selectivity.summary_table`; BH decisions are exact at the levels the
  p-values were resolved for (``Selectivity.resolve_q``, 0.01 and 0.05 by default) and
  the summary line says how many decisions are still open at any other level.
- :func:`filter_browser` (notebook 06): the most selective filters of a layer and
  category, with their most and least activating stimuli.

CSS classes on the widgets (for browser tests): ``layer-profile-explorer``,
``threshold-slider``, ``criterion-toggle``, ``correction-toggle``,
``profile-summary``, ``profile-plot``; ``filter-browser``, ``filter-info``.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from helpers.present.plots import plot_layer_profile, title_for
from helpers.stats.permutation import is_resolved
from helpers.stats.selectivity import Selectivity, most_selective, summary_table

#: Slider ranges: p-values from 0.0005 to 0.2 on a log scale, index shares 0.25-1.
P_RANGE = (0.0005, 0.2)
INDEX_RANGE = (0.25, 1.0)
CORRECTIONS = ("none", "bh")


# --------------------------------------------------------------------------- layer profiles


@dataclass
class ProfileView:
    """What one call of a layer-profile ``update`` drew.

    tables : network label -> :func:`helpers.stats.selectivity.summary_table` (one panel each)
    figure : the matplotlib Figure (one row of axes per network, same order)
    summary : the one-line-per-network count summary shown above the figure (HTML)
    """

    tables: dict[str, pd.DataFrame]
    figure: object
    summary: str


def profile_tables(results: Mapping[str, Selectivity], criterion: str = "p", threshold: float = 0.01,
                   correction: str = "none") -> dict[str, pd.DataFrame]:
    """One :func:`~helpers.stats.selectivity.summary_table` per network, same rule for all."""
    if correction not in CORRECTIONS:
        raise ValueError(f"Unknown correction {correction!r}; use one of {CORRECTIONS}.")
    corr = None if correction == "none" or criterion != "p" else correction
    return {name: summary_table(res, criterion=criterion, threshold=threshold, correction=corr)
            for name, res in results.items()}


def count_summary(tables: Mapping[str, pd.DataFrame], results: Mapping[str, Selectivity] | None = None) -> str:
    """HTML: per network, selective filters summed over layers for each category, and
    the layer with the largest proportion of them; how many decisions more shuffles could
    still change (:func:`helpers.stats.selectivity.unsettled`), and, for Benjamini–Hochberg at a
    level the p-values were not resolved for (``results`` given), a note saying so."""
    lines = []
    t0 = next(iter(tables.values()))
    crit, thr, corr = t0["criterion"].iloc[0], t0["threshold"].iloc[0], t0["correction"].iloc[0]
    for name, t in tables.items():
        cats = list(dict.fromkeys(t["category"]))
        totals = t.groupby("category", sort=False)["n_selective"].sum()
        parts = []
        for c in cats:
            sub = t[t["category"] == c]
            best = sub.loc[sub["proportion"].idxmax(), "layer"] if totals[c] > 0 else "none"
            parts.append(f"{html.escape(c)} {int(totals[c]):,} (most in {html.escape(str(best))})")
        line = f"<b>{html.escape(name)}</b>: " + " · ".join(parts)
        open_ = float(t["n_unsettled"].sum()) if "n_unsettled" in t else 0.0
        if open_ > 0:
            line += f"; {int(open_):,} decisions could still change with more shuffles"
        res = None if results is None else results.get(name)
        if crit == "p" and corr == "bh" and res is not None and not is_resolved(thr, res.resolve_q):
            levels = ", ".join(f"{q:g}" for q in res.resolve_q) or "none"
            line += (f" (p-values resolved for BH at q = {levels} only: at {thr:.3g}, filters at the "
                     "floor of the permutation test may be missed)")
        lines.append(line)
    rule = f"p ≤ {thr:.4g}" if crit == "p" else f"selectivity index ≥ {thr:.3g}"
    if crit == "p" and corr != "none":
        rule += f", {corr.upper()}-corrected"
    head = f"Selective filters, all layers together ({rule}):"
    return "<div>" + head + "<br>" + "<br>".join(lines) + "</div>"


def draw_profiles(tables: Mapping[str, pd.DataFrame], results: Mapping[str, Selectivity]):
    """The paper's figure, one panel per network, on a common y axis. Returns the Figure."""
    import matplotlib.pyplot as plt

    n = len(tables)
    fig, axes = plt.subplots(n, 1, figsize=(10, 3.9 * n), squeeze=False)
    for ax, (name, table) in zip(axes[:, 0], tables.items()):
        res = results[name]
        schematic = bool(res.meta.get("schematic", False))
        plot_layer_profile(table, ax=ax, title=f"{name}: " + title_for(res.model_label, res.trained, schematic))
        legend = ax.get_legend()
        if legend is not None:  # beside the axes, where it hides no bar
            legend.set_bbox_to_anchor((1.01, 1.0))
    top = max(ax.get_ylim()[1] for ax in axes[:, 0])
    for ax in axes[:, 0]:
        ax.set_ylim(0, top)
    fig.tight_layout()
    return fig


def _show(out, fig) -> None:
    """Replace what the Output widget ``out`` shows by ``fig`` (as PNG), then close ``fig``.

    The image is written into the widget's ``outputs`` state directly rather than
    captured with ``with out: display(fig)``: headless runners (nbclient, hence
    ``jupytext --execute`` and ``make course``) answer each captured output with a
    message on the kernel's shell channel, which can race with the cell's own reply
    and stall the run. Setting the state avoids that path and redraws in one step.
    """
    import base64
    import io

    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    plt.close(fig)
    out.outputs = ({"output_type": "display_data", "metadata": {},
                    "data": {"image/png": base64.b64encode(buf.getvalue()).decode("ascii"),
                             "text/plain": f"<Figure of {len(fig.axes)} axes>"}},)


def layer_profile_explorer(results: Mapping[str, Selectivity], criterion: str = "p", threshold: float = 0.01,
                           correction: str = "none"):
    """The paper's layer profile with a threshold slider, for one or more networks.

    Parameters
    ----------
    results : panel label -> :class:`helpers.stats.selectivity.Selectivity` (e.g. the profile's
        network and the untrained control); all must share layers and categories
    criterion, threshold, correction : the initial rule ("p" or "index"; "none" or "bh")

    Returns
    -------
    (ui, update). ``update(criterion, threshold, correction)`` recomputes the tables,
    redraws the figure and the count summary in ``ui`` and returns a :class:`ProfileView`.
    Moving a widget calls it with the widgets' values.
    """
    import ipywidgets as w

    if not results:
        raise ValueError("results is empty: pass at least one Selectivity.")
    if criterion not in ("p", "index"):
        raise ValueError(f"Unknown criterion {criterion!r}; use 'p' or 'index'.")
    lo, hi = np.log10(P_RANGE[0]), np.log10(P_RANGE[1])
    p_value = threshold if criterion == "p" else 0.01
    index_value = threshold if criterion == "index" else 0.5
    p_slider = w.FloatLogSlider(value=p_value, base=10, min=lo, max=hi, step=0.05, description="threshold",
                                readout_format=".4f", continuous_update=False,
                                tooltip="significance level: a filter counts as selective when p ≤ threshold",
                                layout=w.Layout(width="520px"))
    index_slider = w.FloatSlider(value=index_value, min=INDEX_RANGE[0], max=INDEX_RANGE[1], step=0.01,
                                 description="threshold", readout_format=".2f", continuous_update=False,
                                 tooltip="a filter counts as selective when its share (eq. 2) ≥ threshold",
                                 layout=w.Layout(width="520px"))
    for s in (p_slider, index_slider):
        s.add_class("threshold-slider")
    wide = {"button_width": "220px"}
    crit = w.ToggleButtons(options=[("p-value (permutation test)", "p"), ("selectivity index (eq. 2)", "index")],
                           value=criterion, description="criterion", style=wide)
    crit.add_class("criterion-toggle")
    corr = w.ToggleButtons(options=[("none", "none"), ("Benjamini–Hochberg", "bh")], value=correction,
                           description="correction", disabled=criterion != "p", style=wide)
    corr.add_class("correction-toggle")
    slider_box = w.HBox([p_slider if criterion == "p" else index_slider])
    summary = w.HTML()
    summary.add_class("profile-summary")
    out = w.Output(layout=w.Layout(min_height="300px"))
    out.add_class("profile-plot")
    ui = w.VBox([crit, corr, slider_box, summary, out])
    ui.add_class("layer-profile-explorer")

    quiet = [False]  # True while update() moves the controls itself

    def show_controls(criterion, threshold=None, correction=None):
        """Show the slider of ``criterion`` (and the given values) without redrawing."""
        is_p = criterion == "p"
        slider = p_slider if is_p else index_slider
        quiet[0] = True
        try:
            crit.value = criterion
            if correction is not None:
                corr.value = correction
            if threshold is not None:
                slider.value = threshold  # the slider shows the nearest end of its range if outside
            if slider_box.children != (slider,):
                slider_box.children = (slider,)
            corr.disabled = not is_p
        finally:
            quiet[0] = False
        return slider

    def update(criterion: str = "p", threshold: float = 0.01, correction: str = "none") -> ProfileView:
        tables = profile_tables(results, criterion, threshold, correction)
        fig = draw_profiles(tables, results)
        text = count_summary(tables, results)
        summary.value = text
        _show(out, fig)
        show_controls(criterion, threshold, correction)  # the controls always match the figure
        return ProfileView(tables, fig, text)

    def on_change(_=None):
        if quiet[0]:
            return
        slider = show_controls(crit.value)
        # Three significant digits: the log slider's raw values (0.0177407...) would clutter labels.
        update(crit.value, float(f"{slider.value:.3g}"), corr.value)

    for widget in (crit, corr, p_slider, index_slider):
        widget.observe(on_change, names="value")
    on_change()
    return ui, update


# --------------------------------------------------------------------------- representative filters


@dataclass
class FilterView:
    """What one call of a filter-browser ``update`` drew.

    layer, category, rank : the widget values; filter : the filter shown
    index, p : its eq. 2 share and permutation p-value for ``category``
    exemplars : DataFrame with columns kind ("most"/"least"), position (1 = most
        extreme), image (index into the stimulus set), category, activation
    figure : the matplotlib Figure
    """

    layer: str
    category: str
    rank: int
    filter: int
    index: float
    p: float
    exemplars: pd.DataFrame
    figure: object


def filter_browser(result: Selectivity, acts: Mapping[str, np.ndarray], stimuli, model, k: int = 5,
                   n_images: int = 6, layers: Sequence[str] | None = None,
                   feature_images: Mapping[tuple[str, int], np.ndarray] | None = None, heat: bool = True,
                   layer: str | None = None, category: str | None = None, by: str = "p"):
    """Browse the ``k`` most selective filters of each layer and category.

    Parameters
    ----------
    result : :class:`~helpers.stats.selectivity.Selectivity` of ``acts``
    acts : layer -> activations (n_images, n_filters) on ``stimuli``
    stimuli : the :class:`~helpers.stimuli.sets.StimulusSet` the activations came from
    model : the network (for activation maps; fully connected layers get none)
    k : filters per layer and category to browse (rank 1 = most selective)
    n_images : most and least activating images shown per filter
    layers : layers offered (default: all of ``result``)
    feature_images : optional (layer, filter) -> uint8 image (H, W, 3), e.g. activation
        maximisation results; shown beside the exemplars when available
    heat : overlay each image with the filter's activation map
    layer, category : initial choice (default: the deepest layer, the first category)
    by : rank filters by permutation p-value, ties broken by share ("p", default), or by
        share alone ("index"); see :func:`helpers.stats.selectivity.most_selective`

    Returns
    -------
    (ui, update). ``update(layer, category, rank)`` draws the filter ranked ``rank``
    (1-based) for ``category`` in ``layer`` and returns a :class:`FilterView`.
    """
    import ipywidgets as w

    from helpers.analyses.exemplars import activation_overlay, draw_exemplars, top_exemplars

    layers = list(result.layers) if layers is None else list(layers)
    unknown = [name for name in layers if name not in result.layers or name not in acts]
    if unknown:
        raise KeyError(f"Layers {unknown} are missing from result or acts.")
    feature_images = dict(feature_images or {})
    schematic = bool(getattr(stimuli, "schematic", False))
    maps_cache: dict[tuple[str, int], np.ndarray | None] = {}

    def heat_maps(name: str, filt: int, idx: np.ndarray):
        key = (name, filt, tuple(idx.tolist()))
        if key not in maps_cache:
            try:
                maps_cache[key] = activation_overlay(model, stimuli, name, filt, idx)
            except ValueError:  # a fully connected layer has no map to overlay
                maps_cache[key] = None
        return maps_cache[key]

    def draw(view_layer, view_cat, filt, ranks, info):
        idx = np.concatenate([r.indices for r in ranks])
        maps = heat_maps(view_layer, filt, idx) if heat else None
        res_title = title_for(result.model_label, result.trained, schematic).replace("\n", "; ")
        title = (f"{view_layer} filter {filt}: rank {info} for '{view_cat}'"
                 + ("; heat = activation map" if maps is not None else "") + f"\n{res_title}")
        return draw_exemplars(stimuli.images(idx), ranks, maps, feature_images.get((view_layer, filt)), title,
                              size=1.75)

    quiet = [False]  # True while update() moves the controls itself

    def update(layer: str, category: str, rank: int = 1) -> FilterView:
        if layer not in layers:
            raise KeyError(f"Layer {layer!r} is not offered; choose from {layers}.")
        top = most_selective(result, layer, category, k=max(k, int(rank)), by=by)
        if rank < 1 or rank > len(top):
            raise ValueError(f"rank must be between 1 and {len(top)} for {layer}/{category}.")
        row = top.iloc[int(rank) - 1]
        filt = int(row["filter"])
        A = np.asarray(acts[layer])
        ranks = [top_exemplars(A, filt, n_images, bottom=b, labels=stimuli.labels, categories=stimuli.categories)
                 for b in (False, True)]
        table = pd.DataFrame([{"kind": "least" if r.bottom else "most", "position": j + 1, "image": int(i),
                               "category": c, "activation": float(v)}
                              for r in ranks for j, (i, c, v) in enumerate(zip(r.indices, r.categories, r.values))])
        rank_text = f"{int(rank)} of {len(top)}, share {row['index']:.3f}, p = {row['p']:.4f}"
        fig = draw(layer, category, filt, ranks, rank_text)
        own = (table[table["kind"] == "most"]["category"] == category).mean()
        info.value = (f"<b>{html.escape(layer)}</b>, filter <b>{filt}</b>: share for {html.escape(category)} "
                      f"{row['index']:.3f} (chance {1 / len(result.categories):.3f}), p = {row['p']:.4f}; "
                      f"{own:.0%} of its top {n_images} images are {html.escape(category)}")
        _show(out, fig)
        quiet[0] = True  # the controls always match the figure, also when update() is called directly
        try:
            layer_w.value, cat_w.value, rank_w.value = layer, category, min(int(rank), rank_w.max)
        finally:
            quiet[0] = False
        return FilterView(layer, category, int(rank), filt, float(row["index"]), float(row["p"]), table, fig)

    layer_w = w.Dropdown(options=layers, value=layer or layers[-1], description="layer")
    cat_w = w.ToggleButtons(options=list(result.categories), value=category or result.categories[0],
                            description="category")
    rank_w = w.IntSlider(value=1, min=1, max=k, step=1, description="rank", continuous_update=False)
    info = w.HTML()
    info.add_class("filter-info")
    out = w.Output(layout=w.Layout(min_height="280px"))
    ui = w.VBox([w.HBox([layer_w, rank_w]), cat_w, info, out])
    ui.add_class("filter-browser")

    def on_change(_=None):
        if not quiet[0]:
            update(layer_w.value, cat_w.value, int(rank_w.value))

    for widget in (layer_w, cat_w, rank_w):
        widget.observe(on_change, names="value")
    on_change()
    return ui, update

"""The paper's figure draws the table's intervals and says which they are."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from helpers.present import plots  # noqa: E402
from helpers.stats import selectivity as sel  # noqa: E402


def all_selective_result(n_boot):
    """Every filter of one layer answers category 0 alone."""
    rng = np.random.default_rng(0)
    labels = np.repeat([0, 1], 20)
    A = rng.random((40, 6)) + 5.0 * (labels == 0)[:, None]
    return sel.analyze({"conv": A}, labels, ["a", "b"], n_permutations=199, n_boot=n_boot, resolve_q=None)


def test_a_layer_where_every_filter_is_selective_is_drawn():
    for n_boot, expected in ((50, "bootstrap over images"), (0, "Wilson")):
        table = sel.summary_table(all_selective_result(n_boot), "p", 0.01)
        row = table.set_index("category").loc["a"]
        assert row["proportion"] == 1.0 and row["wilson_high"] == 1.0
        ax = plots.plot_layer_profile(table)  # raised on 1 - 1e-16 before
        assert expected in ax.get_legend().get_title().get_text()
        plt.close(ax.figure)


def test_error_bars_are_the_bootstrap_interval():
    table = sel.summary_table(all_selective_result(50), "index", 0.6)
    ax = plots.plot_layer_profile(table)
    segments = [seg for coll in ax.collections for seg in coll.get_segments()]
    ends = sorted((float(seg[0][1]), float(seg[1][1])) for seg in segments)
    want = sorted(zip(table["ci_low"], table["ci_high"]))
    np.testing.assert_allclose(ends, want)
    plt.close(ax.figure)


def _bars_under_legend(ax) -> int:
    ax.figure.canvas.draw()
    box = ax.get_legend().get_window_extent()
    return sum(box.overlaps(bar.get_window_extent()) for bar in ax.patches if bar.get_height() > 0)


def test_the_command_line_figure_keeps_its_legend_off_the_bars():
    table = sel.summary_table(all_selective_result(50), "p", 0.01)  # a full-height bar at the left
    inside = plots.plot_layer_profile(table)
    assert _bars_under_legend(inside) > 0  # the compact panel legend does cover it: the case in point
    plt.close(inside.figure)
    title = "Mini-VGG16 organism (cross-entropy), trained on generated drawings — not the paper's VGG16"
    fig = plots.layer_profile_figure(table, title=title)
    ax = fig.axes[0]
    assert _bars_under_legend(ax) == 0
    figure_box = fig.bbox
    for artist in (ax.get_legend(), ax.title):  # nothing cut off at the figure's edge
        box = artist.get_window_extent()
        assert figure_box.x0 <= box.x0 and box.x1 <= figure_box.x1 and box.y1 <= figure_box.y1
    assert ax.get_title() == title
    plt.close(fig)
    none = plots.plot_layer_profile(table, legend="none")
    assert none.get_legend() is None
    plt.close(none.figure)
    with pytest.raises(ValueError, match="legend must be one of"):
        plots.plot_layer_profile(table, legend="left")


def test_set_title_breaks_a_caption_only_where_the_panel_is_too_narrow():
    caption = ("Mini-VGG16 organism (cross-entropy), trained on generated drawings — not the paper's VGG16 · "
               "measured on generated drawings")
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
    narrow = plots.set_title(axes[0], "profile's network: " + caption, fontsize=8)
    fig.canvas.draw()
    assert narrow.get_text().count("\n") >= 1 and narrow.get_text().replace("\n", " ") == "profile's network: " + caption
    panel = axes[0].get_window_extent()
    assert narrow.get_window_extent().width <= panel.width  # no longer runs into the next panel
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(12.5, 4.8))
    assert "\n" not in plots.set_title(ax, caption, fontsize=9).get_text()  # wide enough: one line
    assert plots.set_title(ax, "line one\nline two").get_text() == "line one\nline two"
    plt.close(fig)

"""The paper's figure draws the table's intervals and says which they are."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from helpers import plots  # noqa: E402
from helpers import selectivity as sel  # noqa: E402


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

"""The notebooks' widgets, driven through their plain update functions (no browser)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from matplotlib.container import BarContainer  # noqa: E402
from torch import nn  # noqa: E402

from helpers.present import widgets  # noqa: E402
from helpers.cnn.activations import collect  # noqa: E402
from helpers.stats.layer import LayerSelectivity  # noqa: E402
from helpers.stats.selectivity import Selectivity, analyze  # noqa: E402

CATS = ["face", "car", "dog"]


def fake_result(seed=0, sizes=(16, 32, 64), label="VGG16, UNTRAINED (random weights, seed 0)"):
    """A Selectivity with random shares and p-values, including silent filters."""
    rng = np.random.default_rng(seed)
    layers = {}
    for i, n in enumerate(sizes):
        index = rng.dirichlet(np.ones(len(CATS)) * 0.7, size=n)
        p = rng.choice(np.arange(1, 1002) / 1001, size=(n, len(CATS))) ** 2
        silent = rng.random(n) < 0.1
        index[silent] = np.nan
        p[silent] = np.nan
        layers[f"layer{i + 1}"] = LayerSelectivity(index=index, p=p, silent=silent)
    return Selectivity(layers, list(CATS), 1000, 0, True, {"model": label, "trained": False, "schematic": True})


@pytest.fixture(scope="module")
def explorer():
    ui, update = widgets.layer_profile_explorer(RESULTS)
    yield ui, update
    plt.close("all")


def totals(view):
    return {name: t.groupby("category")["n_selective"].sum().to_dict() for name, t in view.tables.items()}


# The tables behind the figure come from a plain function: the threshold sweeps test it
# directly, without drawing a figure per threshold; the tests below check that update()
# shows exactly those tables.
RESULTS = {"network": fake_result(0), "control": fake_result(1, label="control net")}


def test_counts_never_rise_as_p_threshold_tightens():
    previous = None
    for thr in [0.2, 0.1, 0.05, 0.01, 0.005, 0.001, 0.0005]:
        tables = widgets.profile_tables(RESULTS, "p", thr, "none")
        counts = {name: t["n_selective"].to_numpy() for name, t in tables.items()}
        if previous is not None:
            for name in counts:
                assert (counts[name] <= previous[name]).all()
        previous = counts
    assert sum(c.sum() for c in previous.values()) < sum(
        t["n_selective"].sum() for t in widgets.profile_tables(RESULTS, "p", 0.2, "none").values())


def test_counts_never_rise_as_index_threshold_tightens():
    previous = None
    for thr in np.linspace(0.25, 1.0, 7):
        tables = widgets.profile_tables(RESULTS, "index", float(thr), "none")
        counts = np.concatenate([t["n_selective"].to_numpy() for t in tables.values()])
        if previous is not None:
            assert (counts <= previous).all()
        previous = counts


def test_switching_criterion_changes_the_data(explorer):
    _, update = explorer
    a = update("p", 0.05, "none")
    b = update("index", 0.5, "none")
    assert a.tables["network"]["criterion"].iloc[0] == "p"
    assert b.tables["network"]["criterion"].iloc[0] == "index"
    assert totals(a) != totals(b)
    assert a.summary != b.summary


def test_bh_correction_never_increases_counts(explorer):
    _, update = explorer
    for thr in [0.2, 0.05, 0.01]:
        raw = widgets.profile_tables(RESULTS, "p", thr, "none")
        bh = widgets.profile_tables(RESULTS, "p", thr, "bh")
        for name in raw:
            assert (bh[name]["n_selective"].to_numpy() <= raw[name]["n_selective"].to_numpy()).all()
        assert bh["network"]["correction"].iloc[0] == "bh"
    # A correction has no meaning for the index criterion and is ignored there.
    assert widgets.profile_tables(RESULTS, "index", 0.5, "bh")["network"]["correction"].iloc[0] == "none"
    view = update("p", 0.05, "bh")  # and update() shows exactly these tables
    for name, table in widgets.profile_tables(RESULTS, "p", 0.05, "bh").items():
        assert view.tables[name].equals(table)


def test_bar_heights_equal_table_proportions(explorer):
    _, update = explorer
    view = update("p", 0.05, "none")
    axes = view.figure.axes
    assert len(axes) == len(view.tables)
    for ax, table in zip(axes, view.tables.values()):
        bars = [c for c in ax.containers if isinstance(c, BarContainer)]
        assert len(bars) == len(CATS)
        layers = list(dict.fromkeys(table.sort_values("depth")["layer"]))
        for cat, container in zip(dict.fromkeys(table["category"]), bars):
            expected = table[table["category"] == cat].set_index("layer").loc[layers, "proportion"].to_numpy()
            heights = np.array([b.get_height() for b in container])
            np.testing.assert_allclose(heights, expected)
    assert "UNTRAINED" in axes[0].get_title()


def test_moving_the_slider_redraws(explorer):
    ui, _ = explorer
    crit, corr, slider_box, summary, out = ui.children
    crit.value = "p"
    slider = slider_box.children[0]
    assert slider.description == "threshold" and not slider.continuous_update
    slider.value = 0.2
    before, image = summary.value, out.outputs[0]["data"]["image/png"]
    slider.value = 0.001
    assert summary.value != before
    assert out.outputs[0]["data"]["image/png"] != image  # the figure was redrawn
    assert len(out.outputs) == 1
    # The index criterion swaps in its own slider and disables the correction.
    crit.value = "index"
    assert slider_box.children[0] is not slider and corr.disabled
    before = summary.value
    slider_box.children[0].value = 0.9
    assert summary.value != before
    crit.value = "p"
    assert not corr.disabled
    plt.close("all")


def test_calling_update_directly_moves_the_controls(explorer):
    ui, update = explorer
    crit, corr, slider_box, summary, out = ui.children
    view = update("p", 0.05, "bh")
    assert (crit.value, corr.value) == ("p", "bh")
    assert slider_box.children[0].value == pytest.approx(0.05)
    assert summary.value == view.summary
    update("index", 0.6, "none")
    assert crit.value == "index" and corr.disabled
    assert slider_box.children[0].value == pytest.approx(0.6)
    # Moving a control after a direct call redraws with all the controls' values.
    slider_box.children[0].value = 0.7
    assert "index ≥ 0.7" in summary.value
    plt.close("all")


def test_explorer_rejects_bad_arguments():
    with pytest.raises(ValueError):
        widgets.layer_profile_explorer({})
    with pytest.raises(ValueError):
        widgets.profile_tables({"n": fake_result()}, "p", 0.01, "bonferroni")


# --------------------------------------------------------------------------- filter browser


@pytest.fixture(scope="module")
def tiny(coloured):
    """A two-layer CNN with a planted red detector (filter 0 of layer '1')."""
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.Conv2d(4, 6, 3, padding=1), nn.ReLU())
    with torch.no_grad():
        net[0].weight.zero_()
        net[0].bias.zero_()
        net[0].weight[0, 0, 1, 1] = 1.0  # the red channel, centre tap
        net[0].weight[1:, :, 1, 1] = torch.randn(3, 3)
    net.eval()
    stim = coloured
    acts = collect(net, stim, layers=["1", "3"], progress=False, cache=False)
    res = analyze(acts, n_permutations=200)
    return net, stim, acts, res


def test_filter_browser_shows_the_most_selective_filter(tiny):
    net, stim, acts, res = tiny
    ui, update = widgets.filter_browser(res, acts, stim, net, k=3, n_images=4, layer="1", category="red")
    view = update("1", "red", 1)
    assert view.filter == 0
    assert view.index == pytest.approx(np.nanmax(res["1"].index[:, 0]))
    most = view.exemplars[view.exemplars["kind"] == "most"]
    assert list(most["category"]) == ["red"] * 4
    assert (np.diff(most["activation"].to_numpy()) <= 0).all()
    least = view.exemplars[view.exemplars["kind"] == "least"]
    assert (least["category"] != "red").all()
    assert len(view.figure.axes) == 8 + 1  # 2 rows of 4 images and the heat maps' colour bar
    plt.close("all")


def test_filter_browser_ranks_and_widgets(tiny):
    net, stim, acts, res = tiny
    ui, update = widgets.filter_browser(res, acts, stim, net, k=3, n_images=3,
                                        feature_images={("3", 0): np.zeros((8, 8, 3), np.uint8)})
    views = [update("3", "green", r) for r in (1, 2, 3)]
    assert len({v.filter for v in views}) == 3
    assert views[0].index >= views[1].index >= views[2].index
    with pytest.raises(ValueError):
        update("3", "green", 9)
    (layer_w, rank_w), cat_w, info, out = ui.children[0].children, ui.children[1], ui.children[2], ui.children[3]
    before = info.value
    cat_w.value = "blue"
    assert info.value != before and "blue" in info.value
    rank_w.value = 2
    assert "filter" in info.value
    view = update("1", "red", 3)  # a direct call moves the controls too
    assert (layer_w.value, cat_w.value, rank_w.value) == ("1", "red", 3)
    assert f"filter <b>{view.filter}</b>" in info.value
    with pytest.raises(KeyError):
        update("nope", "red", 1)
    plt.close("all")

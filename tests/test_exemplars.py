"""Dataset exemplars: ranking (ties, NaN, bottom), activation overlays, the drawing
shared by plot_exemplars and the filter browser."""

import numpy as np
import pytest
import torch
from torch import nn

from helpers.analyses import exemplars as ex
from helpers.cnn.models import ModelInfo


def small_net():
    """One 7x7 convolution with 4 filters and its ReLU, hand-labelled."""
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(3, 4, 7, padding=3), nn.ReLU(inplace=True)).eval()
    net.course_info = ModelInfo("small", "hand-set")
    return net


def test_exemplar_ranking_matches_brute_force_sort():
    rng = np.random.default_rng(0)
    acts = np.round(rng.normal(size=(50, 6)), 1).astype(np.float32)  # rounding makes ties
    labels = rng.integers(0, 3, 50)
    cats = ["face", "car", "dog"]
    for f in range(6):
        v = acts[:, f].tolist()
        top = ex.top_exemplars(acts, f, k=10, labels=labels, categories=cats)
        low = ex.top_exemplars(acts, f, k=10, bottom=True, labels=labels, categories=cats)
        # The values are the 10 largest (smallest), in order; which of equal values is shown is a draw.
        assert top.values.tolist() == sorted(v, reverse=True)[:10]
        assert low.values.tolist() == sorted(v)[:10]
        assert top.values.tolist() == [v[i] for i in top.indices] and len(set(top.indices)) == 10
        assert top.categories == [cats[labels[i]] for i in top.indices] and low.bottom
        # A tie at the cut is reported with how many images share the value.
        cut = sorted(v, reverse=True)[9]
        n_cut, n_in = v.count(cut), sorted(v, reverse=True)[:10].count(cut)
        assert top.tied == (n_cut if n_cut > n_in else 0)
        if top.tied:
            assert top.tie_value == pytest.approx(cut) and top.tied_shown == n_in
            assert f"{n_cut} images at {cut:.3g}: {n_in} shown, drawn at random" == top.note
    with pytest.raises(ValueError, match="has 6 filters"):
        ex.top_exemplars(acts, 6)
    with pytest.raises(ValueError, match="positive whole number"):
        ex.top_exemplars(acts, 0, k=0)


def test_tied_exemplars_are_a_seeded_draw_not_the_first_images():
    acts = np.zeros((40, 1), np.float32)
    acts[35:] = 1.0  # five images activate the filter; 35 sit at 0 after a ReLU
    low = ex.top_exemplars(acts, 0, k=6, bottom=True)
    assert low.tied == 35 and low.tied_shown == 6 and low.note == "35 images at 0: 6 shown, drawn at random"
    assert low.label == "least\n(35 images at 0: 6 shown, drawn at random)"
    assert sorted(low.indices.tolist()) != list(range(6))  # not the first six by index
    again = ex.top_exemplars(acts, 0, k=6, bottom=True)
    np.testing.assert_array_equal(low.indices, again.indices)
    draws = {tuple(sorted(ex.top_exemplars(acts, 0, k=6, bottom=True, seed=s).indices)) for s in range(20)}
    assert len(draws) > 15 and all(max(d) < 35 for d in draws)
    top = ex.top_exemplars(acts, 0, k=5)
    assert sorted(top.indices.tolist()) == [35, 36, 37, 38, 39] and top.tied == 0 and top.label == "most"


def test_overlays_and_exemplar_figure(coloured):
    import matplotlib.pyplot as plt

    net = small_net()
    heat = ex.activation_overlay(net, coloured, "1", 0, [0, 5, 20])
    assert heat.shape == (3, 32, 32) and heat.dtype == np.float32
    img = coloured.image(0)
    out = ex.overlay(img, heat[0])
    assert out.shape == img.shape and out.dtype == np.uint8
    assert np.array_equal(ex.overlay(img, heat[0], alpha=0.0), img)
    acts = np.random.default_rng(1).normal(size=(len(coloured), 4)).astype(np.float32)
    fig = ex.plot_exemplars(net, coloured, acts, "1", 0, k=3)
    titles = [ax.get_title() for ax in fig.axes]
    assert any(t.split("\n")[0] in coloured.categories for t in titles)
    assert "hand-set" in fig._suptitle.get_text()
    plt.close(fig)


def test_draw_exemplars_lays_out_rows_and_the_optimised_image(coloured):
    import matplotlib.pyplot as plt

    acts = np.arange(len(coloured) * 2, dtype=np.float32).reshape(-1, 2)  # filter 0: image i -> 2i
    ranks = [ex.top_exemplars(acts, 0, 3, bottom=b, labels=coloured.labels, categories=coloured.categories)
             for b in (False, True)]
    idx = np.concatenate([r.indices for r in ranks])
    n = len(coloured)
    assert idx.tolist() == [n - 1, n - 2, n - 3, 0, 1, 2]
    feature = np.zeros((20, 20, 3), np.uint8)
    fig = ex.draw_exemplars(coloured.images(idx), ranks, feature_image=feature, title="a title")
    axes = np.array(fig.axes).reshape(2, 4)
    assert axes[0, 0].get_title() == "optimised\nimage" and not axes[1, 0].axison
    assert axes[0, 1].get_ylabel() == "most" and axes[1, 1].get_ylabel() == "least"
    cats = coloured.categories
    assert axes[0, 1].get_title() == f"{cats[coloured.labels[n - 1]]}\n{2 * (n - 1):.3g}"
    assert axes[1, 3].get_title() == f"{cats[coloured.labels[2]]}\n{4:.3g}"
    assert fig._suptitle.get_text() == "a title"
    assert len(fig.axes) == 8  # no heat maps: no colour bar
    plt.close(fig)
    # Heat maps: a uniform map at the top of the shared scale gives the colour map's end.
    maps = np.zeros((6, 32, 32), np.float32)
    maps[0] = 1.0
    fig = ex.draw_exemplars(coloured.images(idx), ranks, maps, alpha=1.0)
    shown = np.asarray(fig.axes[0].get_images()[0].get_array())
    assert shown.shape == (32, 32, 3) and len(np.unique(shown.reshape(-1, 3), axis=0)) == 1
    bar = fig.axes[-1]  # the colour bar that makes the overlay readable, spanning the shared scale
    assert len(fig.axes) == 7 and bar.get_ylim() == (0.0, 1.0) and "activation" in bar.get_ylabel()
    plt.close(fig)
    with pytest.raises(ValueError, match="Expected 2 rankings of 3 images"):
        ex.draw_exemplars(coloured.images(idx[:5]), ranks)

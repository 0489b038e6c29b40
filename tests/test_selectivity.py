"""The per-layer analysis (helpers.stats.selectivity): analyze, the decisions on its result, the
summary table, the most selective filters, saving and loading; and the public names it
re-exports from the modules below it."""

import numpy as np
import pytest

from helpers.stats import selectivity as sel
from helpers.stats.layer import LayerSelectivity
from helpers.stats import bootstrap, measure


@pytest.fixture(scope="module")
def planted_result():
    rng = np.random.default_rng(7)
    labels = np.repeat([0, 1, 2], 15)
    A1 = rng.random((45, 8))
    A1[labels == 0, :3] += 3  # three filters selective for category 0
    A1[:, 7] = 0.0  # one silent filter
    A2 = rng.random((45, 4))
    A2[labels == 2, 0] += 3
    acts = {"early": A1, "late": A2}
    return sel.analyze(acts, labels, ["a", "b", "c"], n_permutations=499, seed=0)


def test_summary_table_counts(planted_result):
    df = sel.summary_table(planted_result, threshold=0.01).set_index(["layer", "category"])
    assert df.loc[("early", "a"), "n_selective"] == 3
    assert df.loc[("early", "a"), "n_filters"] == 8
    assert df.loc[("early", "a"), "n_silent"] == 1
    assert df.loc[("late", "c"), "n_selective"] == 1
    assert df.loc[("early", "a"), "proportion"] == pytest.approx(3 / 8)
    assert df.loc[("early", "a"), "wilson_low"] < 3 / 8 < df.loc[("early", "a"), "wilson_high"]
    assert (df["ci_low"] <= df["proportion"]).all() and (df["proportion"] <= df["ci_high"]).all()
    assert (df["confidence"] == 0.95).all() and df["ci_method"].iloc[0].startswith("95% bootstrap")
    assert list(df.reset_index()["layer"].unique()) == ["early", "late"]


def test_summary_never_grows_as_threshold_tightens(planted_result):
    for criterion, thresholds in (("p", [0.5, 0.1, 0.05, 0.01, 0.002]), ("index", [0.2, 0.33, 0.4, 0.5, 0.7])):
        counts = [sel.summary_table(planted_result, criterion, t)["n_selective"].to_numpy() for t in thresholds]
        assert all((b <= a).all() for a, b in zip(counts, counts[1:]))
    bh = sel.summary_table(planted_result, "p", 0.05, correction="bh")["n_selective"].sum()
    raw = sel.summary_table(planted_result, "p", 0.05)["n_selective"].sum()
    assert bh <= raw


def test_most_selective(planted_result):
    top = sel.most_selective(planted_result, "early", "a", k=3)
    assert set(top["filter"]) == {0, 1, 2}
    assert list(top["index"]) == sorted(top["index"], reverse=True)
    with pytest.raises(KeyError, match="Unknown category"):
        sel.most_selective(planted_result, "early", "zebra")


def test_a_correction_is_applied_or_refused(planted_result):
    with pytest.raises(ValueError, match="correction applies to p-values"):
        sel.summary_table(planted_result, "index", 0.3, correction="bh")
    with pytest.raises(ValueError, match="threshold"):
        sel.summary_table(planted_result, "p", 5)
    with pytest.raises(ValueError, match="Unknown criterion"):
        sel.selective(planted_result["early"], "pp", 0.01)
    # Applied: BH differs from the raw rule on p-values built for it.
    layer = LayerSelectivity(index=np.full((4, 2), 0.5), p=np.array([[0.01, 1], [0.02, 1], [0.03, 1], [0.04, 1]]),
                                 silent=np.zeros(4, bool))
    assert sel.selective(layer, "p", 0.03).sum() == 3
    assert sel.selective(layer, "p", 0.03, "bh").sum() == 0  # BH: 0.01 * 4 / 1 = 0.04 > 0.03, ...
    assert sel.selective(layer, "p", 0.04, "bh").sum() == 4  # ... all four at q = 0.04


def test_most_selective_refuses_unknown_ranking_and_bad_k(planted_result):
    with pytest.raises(ValueError, match="'index' .* or 'p'"):
        sel.most_selective(planted_result, "early", "a", by="pp")
    for bad in (-1, 0, 2.5, True):
        with pytest.raises(ValueError, match="positive whole number"):
            sel.most_selective(planted_result, "early", "a", k=bad)
    assert len(sel.most_selective(planted_result, "early", "a", k=100)) == 7  # all non-silent filters


def test_non_finite_activations_name_layer_and_filters():
    A = np.random.default_rng(0).random((12, 6))
    A[3, 2], A[5, 4] = np.nan, np.inf
    labels = np.repeat([0, 1, 2], 4)
    with pytest.raises(ValueError, match=r"Layer 'conv9'.*filters 2, 4"):
        sel.analyze({"conv9": A}, labels, ["a", "b", "c"], n_permutations=9)
    with pytest.raises(ValueError, match=r"filters 2, 4"):
        measure.normalize(A)


def test_selective_for_any_category_is_corrected_over_categories():
    p = np.array([[0.005, 0.5, 0.5, 0.5], [0.002, 0.5, 0.5, 0.5], [np.nan] * 4])
    layer = LayerSelectivity(np.full((3, 4), 0.25), p, np.array([False, False, True]))
    # Bonferroni over the four categories: 4 * 0.005 > 0.01 >= 4 * 0.002.
    assert sel.selective_any(layer, "p", 0.01).tolist() == [False, True, False]
    assert sel.selective(layer, "p", 0.01).any(axis=1).tolist() == [True, True, False]
    # BH over the two filters on their Bonferroni p-values 0.02 and 0.008:
    # q = 0.02 takes both (0.02 <= 2 q / 2), q = 0.016 only the second (0.008 <= q / 2).
    assert sel.selective_any(layer, "p", 0.02, "bh").tolist() == [True, True, False]
    assert sel.selective_any(layer, "p", 0.016, "bh").tolist() == [False, True, False]
    with pytest.raises(ValueError, match="correction applies to p-values"):
        sel.selective_any(layer, "index", 0.5, "bh")


def test_save_and_load_keep_every_field(planted_result, tmp_path, monkeypatch):
    path = sel.save_selectivity(planted_result, tmp_path / "r.npz")
    back = sel.load_selectivity(path)
    assert back.categories == planted_result.categories and back.resolve_q == planted_result.resolve_q
    assert back.n_boot == planted_result.n_boot == bootstrap.N_BOOT
    for name, layer in planted_result.layers.items():
        for f in ("index", "p", "silent", "n_perm", "crit", "boot"):
            np.testing.assert_array_equal(getattr(back[name], f), getattr(layer, f))
    monkeypatch.setattr(sel, "STATS_VERSION", sel.STATS_VERSION + 1)
    with pytest.raises(ValueError, match="statistics version"):
        sel.load_selectivity(path)


def test_every_public_name_has_one_home():
    """selectivity exports only what it defines; eq. 1, eq. 2, the tests and the rules are
    imported from their own modules (no second import path)."""
    from helpers.stats import binomial, bootstrap, measure, permutation, rules

    assert all(getattr(sel, name).__module__ == sel.__name__ for name in sel.__all__
               if callable(getattr(sel, name)) and not isinstance(getattr(sel, name), type(None)))
    for module in (binomial, bootstrap, measure, permutation, rules):
        assert not set(sel.__all__) & {n for n in dir(module) if not n.startswith("_")}, module.__name__


def test_analyze_records_every_setting_it_ran_with():
    """The settings a cache keys on come from analyze's own signature: eps included, and any
    setting added later reaches the key without being copied by hand."""
    import inspect

    params = set(inspect.signature(sel.analyze).parameters) - {"acts", "labels", "categories"}
    defaults = sel.analysis_settings()
    assert set(defaults) == params and defaults["eps"] == 1e-12 and defaults["resolve_q"] == [0.01, 0.05]
    assert sel.analysis_settings(eps=1e-9, seed=3)["eps"] == 1e-9
    with pytest.raises(TypeError, match="no setting"):
        sel.analysis_settings(epsilon=1)
    with pytest.raises(TypeError, match="no setting"):
        sel.analysis_settings(labels=[0, 1])
    rng = np.random.default_rng(0)
    res = sel.analyze({"l": rng.random((12, 5))}, np.repeat([0, 1], 6), ["a", "b"], n_permutations=20, seed=1,
                      eps=1e-6, n_boot=0)
    assert res.meta["settings"] == sel.analysis_settings(n_permutations=20, seed=1, eps=1e-6, n_boot=0)

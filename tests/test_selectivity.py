"""Known answers for eq. 1, eq. 2, the permutation test (plain and resolved for BH), the
bootstrap over images, the per-layer summary and the validation of rules and inputs."""

import warnings

import numpy as np
import pytest

from helpers import selectivity as sel


def test_normalize_known_answer():
    A = np.array([[0.0, 2.0], [5.0, 4.0], [10.0, 6.0]])
    AN = sel.normalize(A, eps=0.0)
    np.testing.assert_allclose(AN, [[0, 0], [0.5, 0.5], [1, 1]])
    # The paper's epsilon shrinks the top value just below one.
    assert sel.normalize(A, eps=1e-3)[2, 0] == pytest.approx(10 / (10 + 1e-3))


def test_silent_filters_are_nan_without_warnings():
    A = np.array([[0.0, 3.0, 1.0], [0.0, 3.0, 2.0], [0.0, 3.0, 4.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        AN = sel.normalize(A)
        S = sel.selectivity_index(AN, np.array([0, 1, 1]))
        p = sel.permutation_test(AN, np.array([0, 1, 1]), n_permutations=50)
    assert np.isnan(AN[:, :2]).all() and not np.isnan(AN[:, 2]).any()
    assert np.isnan(S[:2]).all() and np.isnan(p[:2]).all()
    assert not np.isnan(S[2]).any()


def test_selectivity_index_hand_computed():
    # Two categories of two images; filter 0 fires only for category 0.
    AN = np.array([[1.0, 0.5], [0.5, 0.0], [0.0, 1.0], [0.0, 0.5]])
    labels = np.array([0, 0, 1, 1])
    S = sel.selectivity_index(AN, labels)
    np.testing.assert_allclose(S, [[1.0, 0.0], [0.25, 0.75]])


def test_unequal_classes_balanced_versus_plain():
    # Category 0 has three images, category 1 one; every image gives the same activation.
    AN = np.array([[1.0], [1.0], [1.0], [1.0]])
    labels = np.array([0, 0, 0, 1])
    np.testing.assert_allclose(sel.selectivity_index(AN, labels, balanced=False), [[0.75, 0.25]])
    # Share of class means: a filter that does not care about category sits at chance.
    np.testing.assert_allclose(sel.selectivity_index(AN, labels, balanced=True), [[0.5, 0.5]])


def test_balanced_equals_plain_for_equal_classes():
    rng = np.random.default_rng(1)
    AN = sel.normalize(rng.random((40, 30)))
    labels = np.repeat(np.arange(4), 10)
    rng.shuffle(labels)
    S1 = sel.selectivity_index(AN, labels, balanced=True)
    S2 = sel.selectivity_index(AN, labels, balanced=False)
    np.testing.assert_allclose(S1, S2, atol=1e-12)
    np.testing.assert_allclose(S1.sum(axis=1), 1.0)


def test_bad_labels_are_explained():
    AN = np.zeros((4, 2)) + np.arange(4)[:, None]
    with pytest.raises(ValueError, match="one label per image"):
        sel.selectivity_index(AN, np.array([0, 1, 1]))
    with pytest.raises(ValueError, match="at least two"):
        sel.selectivity_index(AN, np.zeros(4, int))
    with pytest.raises(ValueError, match="no images"):
        sel.selectivity_index(AN, np.array([0, 0, 2, 2]), n_categories=3)


def _reference_p(AN, labels, n_perm, seed, balanced=True):
    """Slow loop over the same shuffles: one selectivity_index call per permutation."""
    shuffles = np.random.default_rng(seed).permuted(
        np.broadcast_to(labels.astype(np.int16), (n_perm, len(labels))), axis=1)
    obs = sel.selectivity_index(AN, labels, balanced=balanced)
    count = np.zeros_like(obs)
    for perm in shuffles:
        count += sel.selectivity_index(AN, perm.astype(np.int64), labels.max() + 1, balanced) >= obs - 1e-12
    return (1 + count) / (1 + n_perm)


@pytest.mark.parametrize("balanced", [True, False])
def test_permutation_test_matches_loop_and_is_chunk_invariant(balanced):
    rng = np.random.default_rng(2)
    AN = sel.normalize(rng.random((23, 17)))
    labels = np.array([0] * 5 + [1] * 8 + [2] * 10)
    p_ref = _reference_p(AN, labels, 60, seed=3, balanced=balanced)
    for chunk in (7, 128):
        p = sel.permutation_test(AN, labels, n_permutations=60, seed=3, balanced=balanced, chunk=chunk)
        np.testing.assert_array_equal(p, p_ref)


def test_planted_filter_gets_smallest_possible_p():
    rng = np.random.default_rng(4)
    labels = np.repeat([0, 1, 2], 20)
    A = rng.random((60, 5))
    A[labels == 1, 0] += 5.0  # filter 0 answers category 1 only
    p = sel.permutation_test(sel.normalize(A), labels, n_permutations=999, seed=0)
    assert p[0, 1] == pytest.approx(1 / 1000)
    assert p[0, 0] > 0.5 and p[0, 2] > 0.5


def test_p_values_uniform_under_the_null():
    # Random activations, random labels: p-values should be uniform on (0, 1].
    # KS distance of 800 (discrete) p-values from U(0,1); critical value at alpha=0.001 is ~0.069.
    rng = np.random.default_rng(5)
    AN = sel.normalize(rng.random((60, 200)))
    labels = rng.permutation(np.repeat(np.arange(4), 15))
    p = sel.permutation_test(AN, labels, n_permutations=499, seed=6).ravel()
    grid = np.sort(p)
    ecdf = np.arange(1, len(grid) + 1) / len(grid)
    assert np.max(np.abs(ecdf - grid)) < 0.069
    assert abs(np.mean(p <= 0.05) - 0.05) < 0.025  # false-positive rate near nominal


def test_wilson_interval_known_values():
    lo, hi = sel.wilson_interval(np.array([0, 5]), np.array([10, 10]))
    np.testing.assert_allclose(lo, [0.0, 0.2366], atol=1e-4)
    np.testing.assert_allclose(hi, [0.2775, 0.7634], atol=1e-4)


def test_wilson_interval_ends_are_exact():
    lo, hi = sel.wilson_interval(np.array([0, 7, 512]), np.array([512, 7, 512]))
    assert lo[0] == 0.0 and hi[1] == 1.0 and hi[2] == 1.0  # not 3e-17 or 1 - 1e-16
    assert lo[1] < 1 and hi[0] > 0
    lo, hi = sel.wilson_interval(3, 0)
    assert np.isnan(lo) and np.isnan(hi)


def test_benjamini_hochberg_known_values():
    q = sel.benjamini_hochberg(np.array([0.01, 0.04, 0.03, 0.005, np.nan]))
    np.testing.assert_allclose(q[:4], [0.02, 0.04, 0.04, 0.02])
    assert np.isnan(q[4])


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


# --------------------------------------------------------------------------- validation


def test_check_rule_normalises_and_refuses():
    assert sel.check_rule("p", 0.01, "none") == ("p", 0.01, None)
    assert sel.check_rule("p", 1, "bh") == ("p", 1.0, "bh")
    assert sel.check_rule("index", 0, None) == ("index", 0.0, None)
    with pytest.raises(ValueError, match="'p' .*'index'"):
        sel.check_rule("pp", 0.01)
    with pytest.raises(ValueError, match="'none' or 'bh'"):
        sel.check_rule("p", 0.01, "holm")
    for bad in (5, 0, -0.1, float("nan"), "abc"):
        with pytest.raises(ValueError, match="threshold"):
            sel.check_rule("p", bad)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        sel.check_rule("index", 1.5)
    with pytest.raises(ValueError, match="correction applies to p-values"):
        sel.check_rule("index", 0.3, "bh")


def test_a_correction_is_applied_or_refused(planted_result):
    with pytest.raises(ValueError, match="correction applies to p-values"):
        sel.summary_table(planted_result, "index", 0.3, correction="bh")
    with pytest.raises(ValueError, match="threshold"):
        sel.summary_table(planted_result, "p", 5)
    with pytest.raises(ValueError, match="Unknown criterion"):
        sel.selective(planted_result["early"], "pp", 0.01)
    # Applied: BH differs from the raw rule on p-values built for it.
    layer = sel.LayerSelectivity(index=np.full((4, 2), 0.5), p=np.array([[0.01, 1], [0.02, 1], [0.03, 1], [0.04, 1]]),
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
        sel.normalize(A)


# --------------------------------------------------------------------------- resolution for BH


def planted_layer(n_filters=512, n_planted=20, seed=11):
    """300 images in 4 categories; the first ``n_planted`` filters answer faces (label 0)."""
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(4), 75)
    A = rng.normal(size=(300, n_filters))
    A[:, :n_planted] += 1.5 * (labels == 0)[:, None]
    return sel.normalize(np.maximum(A, 0)), labels


def test_bh_finds_planted_filters_once_resolved():
    AN, labels = planted_layer()
    plain = sel.permutation_test(AN, labels, n_permutations=1000, seed=0)
    # The floor: 1/1001 is above BH's bar 20 * 0.01 / 512 = 3.9e-4, so plain BH finds nothing.
    assert (plain[:20, 0] == 1 / 1001).all() and (sel.benjamini_hochberg(plain)[:, 0] <= 0.01).sum() == 0
    res = sel.run_permutations(AN, labels, n_permutations=1000, seed=0, resolve_q=0.01)
    found = np.flatnonzero(sel.benjamini_hochberg(res.p)[:, 0] <= 0.01)
    assert set(range(20)) <= set(found) and len(found) <= 21
    assert (res.n_perm[:20] > 1000).all() and not res.unsettled[:20].any()
    # The p-values of resolved filters are (1 + b) / (1 + n_f) with their own n_f.
    np.testing.assert_allclose(res.p[:20, 0] * (res.n_perm[:20] + 1), 1 + res.exceed[:20, 0])
    # Filters whose decision was never in doubt keep exactly the plain test's p-values.
    keep = res.n_perm == 1000
    np.testing.assert_array_equal(res.p[keep], plain[keep])
    layer = sel.LayerSelectivity(sel.selectivity_index(AN, labels), res.p, np.zeros(512, bool), res.n_perm)
    assert not sel.unsettled(layer, "p", 0.01, "bh")[:20].any()


def test_resolution_is_seeded_and_independent_of_chunking():
    AN, labels = planted_layer(n_filters=96, n_planted=6, seed=3)
    a = sel.run_permutations(AN, labels, n_permutations=200, seed=5, resolve_q=(0.01, 0.05), chunk=7)
    b = sel.run_permutations(AN, labels, n_permutations=200, seed=5, resolve_q=(0.05, 0.01), chunk=128)
    np.testing.assert_array_equal(a.exceed, b.exceed)
    np.testing.assert_array_equal(a.n_perm, b.n_perm)
    c = sel.run_permutations(AN, labels, n_permutations=200, seed=6, resolve_q=(0.01, 0.05))
    assert not np.array_equal(a.exceed, c.exceed)


def test_resolution_respects_the_budget_and_reports_what_stays_open():
    AN, labels = planted_layer(n_filters=64, n_planted=1, seed=4)
    res = sel.run_permutations(AN, labels, n_permutations=100, seed=0, resolve_q=0.01, max_permutations=800)
    assert res.n_perm.max() <= 800
    # One planted filter among 64: BH needs p <= 0.01 / 64 = 1.6e-4, which 800 shuffles cannot
    # show, so its decision is reported open.
    assert res.unsettled[0]


def test_resolved_p_values_stay_uniform_under_the_null():
    rng = np.random.default_rng(5)
    AN = sel.normalize(rng.random((60, 200)))
    labels = rng.permutation(np.repeat(np.arange(4), 15))
    p = sel.permutation_test(AN, labels, n_permutations=499, seed=6, resolve_q=0.05).ravel()
    assert abs(np.mean(p <= 0.05) - 0.05) < 0.025
    assert np.mean(p <= 0.01) < 0.03


def test_p_interval_known_ends():
    p = np.array([[1 / 1001, 1.0], [0.5, np.nan]])
    lo, hi = sel.p_interval(p, np.array([1000, 1000]), confidence=0.99)
    assert lo[0, 0] == 0 and hi[0, 0] == pytest.approx(1 - 0.005 ** (1 / 1000))
    assert hi[0, 1] == 1 and lo[0, 1] == pytest.approx(0.005 ** (1 / 1000))
    assert lo[1, 0] < 0.5 < hi[1, 0] and np.isnan(lo[1, 1])


def test_bh_cutoff_rejects_exactly_what_bh_rejects():
    p = np.array([[0.01, 0.3], [0.04, 0.2], [0.03, 0.9], [0.005, np.nan]])
    cut = sel.bh_cutoff(p, 0.05)
    np.testing.assert_allclose(cut, [0.05, 0.05 / 3])  # 4 rejections of 4; none of 3 -> one step
    np.testing.assert_array_equal(p <= cut, sel.benjamini_hochberg(p) <= 0.05)


def test_selective_for_any_category_is_corrected_over_categories():
    p = np.array([[0.005, 0.5, 0.5, 0.5], [0.002, 0.5, 0.5, 0.5], [np.nan] * 4])
    layer = sel.LayerSelectivity(np.full((3, 4), 0.25), p, np.array([False, False, True]))
    # Bonferroni over the four categories: 4 * 0.005 > 0.01 >= 4 * 0.002.
    assert sel.selective_any(layer, "p", 0.01).tolist() == [False, True, False]
    assert sel.selective(layer, "p", 0.01).any(axis=1).tolist() == [True, True, False]
    # BH over the two filters on their Bonferroni p-values 0.02 and 0.008:
    # q = 0.02 takes both (0.02 <= 2 q / 2), q = 0.016 only the second (0.008 <= q / 2).
    assert sel.selective_any(layer, "p", 0.02, "bh").tolist() == [True, True, False]
    assert sel.selective_any(layer, "p", 0.016, "bh").tolist() == [False, True, False]
    with pytest.raises(ValueError, match="correction applies to p-values"):
        sel.selective_any(layer, "index", 0.5, "bh")


# --------------------------------------------------------------------------- bootstrap


def test_bootstrap_weights_resample_within_categories():
    labels = np.repeat([0, 1, 2], [5, 7, 9])
    W = sel.bootstrap_weights(labels, n_boot=50, seed=1)
    assert W.shape == (50, 21) and (W >= 0).all()
    for c, n in enumerate([5, 7, 9]):
        assert (W[:, labels == c].sum(axis=1) == n).all()
    np.testing.assert_array_equal(W, sel.bootstrap_weights(labels, n_boot=50, seed=1))
    assert not np.array_equal(W, sel.bootstrap_weights(labels, n_boot=50, seed=2))


@pytest.mark.parametrize("balanced", [True, False])
def test_bootstrap_shares_of_the_full_set_are_eq_2(balanced):
    rng = np.random.default_rng(8)
    A = np.maximum(rng.normal(size=(30, 9)), 0)
    A[:, 8] = 2.0  # silent
    labels = np.repeat([0, 1, 2], [8, 10, 12])
    S = sel.bootstrap_shares(A, labels, np.ones((1, 30), int), balanced)[0]
    np.testing.assert_allclose(S, sel.selectivity_index(sel.normalize(A), labels, balanced=balanced), atol=1e-12)
    # A resample that draws only one image's value for a filter makes it silent there.
    A2 = A.copy()
    A2[:, 0] = np.arange(30.0)
    W = np.zeros((1, 30), int)
    W[0, [0, 8, 18]] = [8, 10, 12]  # one image per category ...
    A2[[0, 8, 18], 0] = 5.0  # ... with the same value
    assert np.isnan(sel.bootstrap_shares(A2, labels, W, balanced)[0, 0]).all()


def _population_dataset(rng, cats, eff, n_per=15, F=60):
    """Images whose category-typicality varies: filters selective for a category rise and fall
    together with the images drawn, so filters are not independent draws."""
    labels = np.repeat(np.arange(4), n_per)
    A = rng.uniform(0, 0.8, F) * rng.normal(size=(len(labels), 1)) + rng.normal(size=(len(labels), F))
    typical = rng.gamma(2.0, 0.5, size=(len(labels), 1))
    A[:, :len(cats)] += eff * typical * (labels[:, None] == cats)
    return np.maximum(A, 0), labels


def test_bootstrap_interval_covers_the_expected_proportion():
    """Coverage by simulation (seed 1): 300 stimulus sets give the expected proportion of
    each rule, 100 more each give a 95 % interval. Tolerance: coverage >= 0.88 per rule
    (the simulation's own standard error is about 0.02 at 0.95)."""
    pop = np.random.default_rng(123)
    cats, eff = pop.integers(0, 4, 40), pop.uniform(0.3, 2.0, 40)
    rng = np.random.default_rng(1)
    rules = [("p", 0.01, None), ("p", 0.05, "bh"), ("index", 0.4, None)]
    truth = np.zeros((len(rules), 4))
    for d in range(300):
        A, labels = _population_dataset(rng, cats, eff)
        res = sel.analyze({"l": A}, labels, list("abcd"), n_permutations=200, seed=d, resolve_q=None, n_boot=0)
        truth += [sel.summary_table(res, *rule)["proportion"].to_numpy() for rule in rules]
    truth /= 300
    covered = np.zeros((len(rules), 4))
    wilson = np.zeros((len(rules), 4))
    for d in range(100):
        A, labels = _population_dataset(rng, cats, eff)
        res = sel.analyze({"l": A}, labels, list("abcd"), n_permutations=200, seed=d, resolve_q=None, n_boot=200)
        for i, rule in enumerate(rules):
            t = sel.summary_table(res, *rule)
            covered[i] += (t["ci_low"] <= truth[i] + 1e-12) & (truth[i] <= t["ci_high"] + 1e-12)
            wilson[i] += (t["wilson_low"] <= truth[i]) & (truth[i] <= t["wilson_high"])
    coverage = covered.mean(axis=1) / 100
    assert (coverage >= 0.88).all(), coverage
    # Filters that share images are not independent draws: Wilson's interval falls short for BH.
    assert wilson[1].mean() / 100 < 0.85


# --------------------------------------------------------------------------- saving


def test_save_and_load_keep_every_field(planted_result, tmp_path, monkeypatch):
    path = sel.save_selectivity(planted_result, tmp_path / "r.npz")
    back = sel.load_selectivity(path)
    assert back.categories == planted_result.categories and back.resolve_q == planted_result.resolve_q
    assert back.n_boot == planted_result.n_boot == sel.N_BOOT
    for name, layer in planted_result.layers.items():
        for f in ("index", "p", "silent", "n_perm", "crit", "boot"):
            np.testing.assert_array_equal(getattr(back[name], f), getattr(layer, f))
    monkeypatch.setattr(sel, "STATS_VERSION", sel.STATS_VERSION + 1)
    with pytest.raises(ValueError, match="statistics version"):
        sel.load_selectivity(path)

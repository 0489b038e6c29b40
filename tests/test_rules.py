"""The rules that call filters selective (helpers.stats.rules): validation, Benjamini–Hochberg,
its cut-off, and the decisions of a p rule."""

import numpy as np
import pytest

from helpers.stats import rules


def test_check_rule_normalises_and_refuses():
    assert tuple(rules.check_rule("p", 0.01, "none")) == ("p", 0.01, None)
    assert tuple(rules.check_rule("p", 1, "bh")) == ("p", 1.0, "bh")
    assert tuple(rules.check_rule("index", 0, None)) == ("index", 0.0, None)
    rule = rules.Rule("p", 0.05, "bh")
    assert rules.check_rule(rule) is rule and rule == rules.check_rule("p", 0.05, "bh")
    with pytest.raises(ValueError, match="'p' .*'index'"):
        rules.check_rule("pp", 0.01)
    with pytest.raises(ValueError, match="'none' or 'bh'"):
        rules.check_rule("p", 0.01, "holm")
    for bad in (5, 0, -0.1, float("nan"), "abc"):
        with pytest.raises(ValueError, match="threshold"):
            rules.check_rule("p", bad)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        rules.check_rule("index", 1.5)
    with pytest.raises(ValueError, match="correction applies to p-values"):
        rules.check_rule("index", 0.3, "bh")


def test_benjamini_hochberg_known_values():
    q = rules.benjamini_hochberg(np.array([0.01, 0.04, 0.03, 0.005, np.nan]))
    np.testing.assert_allclose(q[:4], [0.02, 0.04, 0.04, 0.02])
    assert np.isnan(q[4])


def test_bh_cutoff_rejects_exactly_what_bh_rejects():
    p = np.array([[0.01, 0.3], [0.04, 0.2], [0.03, 0.9], [0.005, np.nan]])
    cut = rules.bh_cutoff(p, 0.05)
    np.testing.assert_allclose(cut, [0.05, 0.05 / 3])  # 4 rejections of 4; none of 3 -> one step
    np.testing.assert_array_equal(p <= cut, rules.benjamini_hochberg(p) <= 0.05)


def test_decisions_and_the_ones_left_open_between_interval_ends():
    P = np.array([[0.001, 0.5], [0.02, 0.04], [np.nan, np.nan]])
    assert rules.decide(P, 0.03).tolist() == [[True, False], [True, False], [False, False]]
    # BH over the two non-silent filters per column: 0.001 <= 0.03 / 2, 0.02 <= 2 * 0.03 / 2.
    assert rules.decide(P, 0.03, "bh").tolist() == [[True, False], [True, False], [False, False]]
    assert rules.decide(P, 0.03, any_category=True).tolist() == [True, False, False]  # 2 * min p
    lo, hi = P * 0.5, np.minimum(P * 2, 1)
    assert rules.open_decisions(lo, hi, 0.03).tolist() == [[False, False], [True, True], [False, False]]


def test_a_rule_is_validated_once_along_a_whole_analysis(monkeypatch):
    """emergence_table -> summary_table -> selective / unsettled / bootstrap_proportions, over
    two networks and three layers: the rule is checked at the public entry only."""
    from helpers.analyses.emergence import emergence_table, training_contrast
    from helpers.stats.selectivity import analyze

    rng = np.random.default_rng(0)
    labels = np.repeat([0, 1], 10)
    results = {(net, "s"): analyze({f"l{i}": rng.random((20, 6)) for i in range(3)}, labels, ["a", "b"],
                                   n_permutations=50, seed=0, n_boot=20) for net in ("trained", "untrained")}
    made = []
    real = rules.Rule.__post_init__
    monkeypatch.setattr(rules.Rule, "__post_init__", lambda self: (made.append(1), real(self)))
    emergence_table(results, criterion="p", threshold=0.05, correction="bh")
    assert len(made) == 1
    training_contrast(results[("trained", "s")], results[("untrained", "s")], criterion="p", threshold=0.05)
    assert len(made) == 2

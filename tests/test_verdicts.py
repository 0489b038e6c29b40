"""helpers.verdicts: planted numbers drive each branch, and the sentence follows the numbers."""

import math

import pytest

from helpers.analyses import verdicts as v


def test_verdict_prints_both_halves():
    out = v.against_reference(0.4, 0.35, 0.45, 0.25, effect_name="the share")
    assert str(out).startswith("What this run shows: the share is 0.40 (95% interval [0.35, 0.45])")
    assert "What it does not show:" in str(out)
    assert out.line().startswith("What this run shows:") and "does not show" not in out.line()


@pytest.mark.parametrize("effect, low, high, branch, words", [
    (0.40, 0.35, 0.45, "above", "above chance (0.25) by 0.15"),
    (0.10, 0.05, 0.15, "below", "below chance (0.25) by 0.15"),
    (0.27, 0.20, 0.33, "overlaps", "cannot tell the share from chance"),
])
def test_against_reference_branches(effect, low, high, branch, words):
    out = v.against_reference(effect, low, high, 0.25, effect_name="the share", control="the untrained network")
    assert out.branch == branch
    assert words in out.shows
    assert "the untrained network" in out.does_not_show


def test_against_reference_changes_with_the_numbers():
    a = v.against_reference(0.31, 0.26, 0.36, 0.25)
    b = v.against_reference(0.31, 0.24, 0.36, 0.25)  # only the lower end moved below chance
    assert (a.branch, b.branch) == ("above", "overlaps") and a.shows != b.shows


def test_against_reference_rejects_bad_input():
    with pytest.raises(v.VerdictError, match="does not contain"):
        v.against_reference(0.5, 0.1, 0.2, 0.25)
    with pytest.raises(v.VerdictError, match="finite"):
        v.against_reference(math.nan, 0.1, 0.2, 0.25)
    with pytest.raises(v.VerdictError, match="must be a number"):
        v.against_reference("high", 0.1, 0.2, 0.25)


@pytest.mark.parametrize("a, b, sa, sb, ceiling, branch", [
    (0.99, 0.98, 0.02, 0.05, 1.0, "ceiling"),          # notebook 10's case: both near 1
    (0.70, 0.68, 0.03, 0.04, 1.0, "within spread"),    # 0.02 < 2 * 0.05
    (0.80, 0.60, 0.03, 0.04, 1.0, "a higher"),         # 0.20 > 2 * 0.05
    (0.60, 0.80, 0.03, 0.04, None, "b higher"),
])
def test_difference_branches(a, b, sa, sb, ceiling, branch):
    out = v.difference(a, b, sa, sb, names=("block3", "block5"), quantity="read-out", ceiling=ceiling)
    assert out.branch == branch
    if branch == "ceiling":
        assert "cannot rank block3 and block5" in out.shows
    if branch == "within spread":
        assert "cannot be told apart" in out.shows and "0.10" in out.shows  # twice hypot(0.03, 0.04)
    if branch == "a higher":
        assert "block3 is higher by 0.20" in out.shows
    if branch == "b higher":
        assert "block5 is higher by 0.20" in out.shows


def test_difference_rejects_negative_spread():
    with pytest.raises(v.VerdictError, match="spreads"):
        v.difference(0.5, 0.4, -0.1, 0.1)


@pytest.mark.parametrize("rho, branch", [(1.0, "identical"), (0.9964, "identical"), (0.85, "strong"),
                                         (0.6, "moderate"), (0.2, "weak"), (-0.9, "strong")])
def test_rank_agreement_branches(rho, branch):
    out = v.rank_agreement(rho, 50, names=("FSI", "eq. 2"))
    assert out.branch == branch
    assert f"ρ = {rho:.2f}" in out.shows
    if branch == "identical":
        assert "same order" in out.shows and "differ in places" not in out.shows
    else:
        assert "differ in places" in out.shows
    assert ("reverse" in out.shows) == (rho < 0)


def test_rank_agreement_few_items_and_range():
    assert v.rank_agreement(1.0, 3).branch == "too few"
    with pytest.raises(v.VerdictError, match=r"\[-1, 1\]"):
        v.rank_agreement(1.5, 10)


def test_largest_share_trap_and_backed():
    trap = v.largest_share(0.97, 0.21, 1, 36, alpha=0.01, category="face")
    backed = v.largest_share(0.776, 0.00012, 35, 36, alpha=0.01, category="face")  # notebook 04's numbers
    assert trap.branch == "trap" and "1 of 36 face images" in trap.shows and "p = 0.21 > 0.01" in trap.shows
    assert backed.branch == "backed" and "does not show the trap" in backed.shows
    with pytest.raises(v.VerdictError, match="exceeds"):
        v.largest_share(0.5, 0.01, 40, 36)


@pytest.mark.parametrize("below, strong, objective, branch, words", [
    (12, 24, True, "split", "trained to tell dogs apart"),
    (12, 24, None, "split", "whether the objective asks for it"),
    (12, 24, False, "split", "one filter is an anecdote"),
    (0, 24, True, "none suppressed", "no sign of own-category suppression"),
    (5, 0, True, "weak", "none drives it strongly"),
])
def test_own_category_split(below, strong, objective, branch, words):
    out = v.own_category_split(below, strong, 36, category="dog", objective_separates=objective)
    assert out.branch == branch
    assert words in str(out)
    assert f"{below} of 36 dog images" in out.shows


def test_depth_trend_needs_the_control_to_credit_training():
    no_ctl = v.depth_trend(0.05, 0.42, trained=True)
    assert no_ctl.branch == "rises, no control" and "fingerprint" not in str(no_ctl)
    assert "untrained network" in no_ctl.does_not_show
    more = v.depth_trend(0.05, 0.42, trained=True, control_first=0.05, control_last=0.10)
    assert more.branch == "rises more than control" and "by 0.32" in more.shows
    same = v.depth_trend(0.05, 0.42, trained=True, control_first=0.05, control_last=0.40)
    assert same.branch == "rises like control"
    assert v.depth_trend(0.05, 0.42, trained=False).branch == "rises, untrained"
    assert v.depth_trend(0.30, 0.10, trained=True).branch == "falls"
    assert v.depth_trend(0.30, 0.32, trained=True).branch == "flat"


def test_feature_reliability_is_not_called_noise():
    out = v.feature_reliability(0.95, 0.99, n_splits=20)
    assert out.branch == "consistent"
    assert "not a noise ceiling" in out.does_not_show and "bootstrap over images" in out.does_not_show
    assert v.feature_reliability(0.6, 0.99, n_splits=20).branch == "mixed"
    assert v.feature_reliability(0.2, 0.99, n_splits=20).branch == "unreliable"
    with pytest.raises(v.VerdictError, match="above high"):
        v.feature_reliability(0.9, 0.5, n_splits=20)


def test_proportion_uses_the_wilson_interval():
    out = v.proportion(30, 100, what="filters", chance=0.1)
    # Wilson 95 % for 30/100: [0.2189, 0.3958]
    assert out.branch == "above chance" and "[0.22, 0.40]" in out.shows
    assert v.proportion(1, 100, chance=0.2).branch == "below chance"
    assert v.proportion(3, 10, chance=0.25).branch == "overlaps chance"
    assert v.proportion(3, 10).branch == "no chance given"
    with pytest.raises(v.VerdictError, match="n = 0"):
        v.proportion(0, 0)


def test_shows():
    assert v.shows(" 3 of 5 layers ") == "What this run shows: 3 of 5 layers"
    with pytest.raises(v.VerdictError):
        v.shows("  ")

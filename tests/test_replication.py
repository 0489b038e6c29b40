"""Intervals across training and stimulus seeds (helpers.replication): Student's t quantiles
against published table values, and seed summaries on planted tables with known answers."""

import numpy as np
import pandas as pd
import pytest

from helpers.analyses import replication


@pytest.mark.parametrize("df, expected", [(1, 12.7062), (2, 4.3027), (4, 2.7764), (9, 2.2622), (30, 2.0423),
                                          (1e6, 1.9600)])
def test_t_quantile_matches_tables(df, expected):
    assert replication.t_quantile(0.975, df) == pytest.approx(expected, abs=2e-4)


def test_t_quantile_symmetry_and_errors():
    assert replication.t_quantile(0.025, 4) == pytest.approx(-replication.t_quantile(0.975, 4))
    assert replication.t_quantile(0.5, 3) == 0.0
    assert replication.t_quantile(0.95, 2) == pytest.approx(2.9200, abs=2e-4)
    with pytest.raises(ValueError, match="probability"):
        replication.t_quantile(1.0, 3)
    with pytest.raises(ValueError, match="df"):
        replication.t_quantile(0.9, 0)


def test_mean_interval_by_hand():
    m, lo, hi = replication.mean_interval([1.0, 2.0, 3.0])
    half = 4.3027 * 1.0 / np.sqrt(3)
    assert m == 2.0 and lo == pytest.approx(2 - half, abs=1e-3) and hi == pytest.approx(2 + half, abs=1e-3)
    assert np.isnan(replication.mean_interval([5.0])[1])
    assert replication.mean_interval([np.nan, 1.0, 1.0])[1:] == (1.0, 1.0)


def test_seed_summary_separates_the_two_sources():
    # value = training-seed effect (0, 0.1, 0.2) + stimulus-seed effect (0, 0, 0) : stimulus seeds agree
    rows = [{"layer": "fc1", "train_seed": t, "stim_seed": s, "p": 0.1 * t} for t in range(3) for s in (0, 7, 21)]
    rows += [{"layer": "fc2", "train_seed": t, "stim_seed": s, "p": 0.5 + 0.01 * i}
             for t in range(3) for i, s in enumerate((0, 7, 21))]
    got = replication.seed_summary(pd.DataFrame(rows), "p", ["layer"]).set_index("layer")
    fc1, fc2 = got.loc["fc1"], got.loc["fc2"]
    assert fc1["mean"] == pytest.approx(0.1) and fc1["sd_train"] == pytest.approx(0.1)
    assert fc1["sd_stim"] == pytest.approx(0.0) and fc1["stim_low"] == pytest.approx(0.1)
    assert fc1["train_high"] - fc1["train_low"] == pytest.approx(2 * 4.3027 * 0.1 / np.sqrt(3), abs=1e-3)
    assert fc2["sd_train"] == pytest.approx(0.0) and fc2["sd_stim"] == pytest.approx(0.01)
    assert (fc1["min"], fc1["max"]) == (0.0, pytest.approx(0.2))
    assert fc1["n_train_seeds"] == 3 and fc1["n_stim_seeds"] == 3
    one = replication.seed_summary(pd.DataFrame(rows), "p", ["layer"], stim_seed=None)
    assert "sd_stim" not in one.columns
    with pytest.raises(ValueError, match="lacks columns"):
        replication.seed_summary(pd.DataFrame(rows), "q", ["layer"])

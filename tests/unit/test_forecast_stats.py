"""Block bootstrap of regression errors: agreement with sklearn, known nulls, dependence, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import mean_absolute_error, mean_squared_error

from fusionlab.stats.forecast_errors import bootstrap_error, compare_regressors, paired_error_bootstrap


def ar1(n: int, phi: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = np.zeros(n)
    for t in range(1, n):
        x[t] = phi * x[t - 1] + rng.standard_normal()
    return x


def test_estimates_agree_with_sklearn():
    rng = np.random.default_rng(0)
    y = rng.standard_normal(500)
    a, b = y + 0.3 * rng.standard_normal(500), y + 0.5 * rng.standard_normal(500)
    r = paired_error_bootstrap(y, a, b, "mae", n_boot=500)
    assert r.metric_a == pytest.approx(mean_absolute_error(y, a))
    assert r.estimate == pytest.approx(mean_absolute_error(y, a) - mean_absolute_error(y, b))
    est, low, high = bootstrap_error(y, b, "mse", n_boot=500)
    assert est == pytest.approx(mean_squared_error(y, b)) and low < est < high
    assert r.ci_low <= r.estimate <= r.ci_high
    assert r.ci_high < 0 and r.p_value < 0.01  # A is clearly better
    assert r.n_units == 21 and r.unit == "block of 24 points"  # 500 points = 20 whole days + 1 partial


def test_identical_models_do_not_differ():
    y = np.arange(100.0)
    r = paired_error_bootstrap(y, y + 1, y + 1, "mse", n_boot=200)
    assert r.estimate == 0 and r.p_value == 1.0


def test_blocks_widen_intervals_for_dependent_errors():
    # Errors that drift slowly (AR(1), phi = 0.95): resampling single points understates the spread.
    y = np.zeros(2400)
    pred = ar1(2400, 0.95, seed=1)
    _, low1, high1 = bootstrap_error(y, pred, "mse", block=1, n_boot=1000)
    _, low24, high24 = bootstrap_error(y, pred, "mse", block=48, n_boot=1000)
    assert (high24 - low24) > 2 * (high1 - low1)


def test_compare_regressors_table_and_errors():
    rng = np.random.default_rng(2)
    y = rng.standard_normal(240)
    preds = {"good": y + 0.1 * rng.standard_normal(240), "bad": y + rng.standard_normal(240), "mean": np.zeros(240)}
    table = compare_regressors(y, preds, [("good", "bad"), ("good", "mean")], n_boot=300)
    assert len(table) == 4 and set(table["metric"]) == {"mae", "mse"}
    assert (table["p_adjusted"] >= table["p_value"]).all()
    with pytest.raises(KeyError, match="nope"):
        compare_regressors(y, preds, [("good", "nope")])
    with pytest.raises(ValueError, match="prediction 1 has shape"):
        paired_error_bootstrap(y, y, y[:10])
    with pytest.raises(ValueError, match="fewer than 2 blocks"):
        bootstrap_error(y, y, block=1000)
    with pytest.raises(ValueError, match="metric must be one of"):
        bootstrap_error(y, y, "rmse")
    with pytest.raises(ValueError, match="NaN"):
        bootstrap_error(y, np.full(240, np.nan))

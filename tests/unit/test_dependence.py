"""fusionlab.dependence: task-aware information estimators on cases with a known answer."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.feature_selection import mutual_info_classif, mutual_info_regression

from fusionlab import dependence

LN2 = float(np.log(2))


@pytest.mark.parametrize("kind", dependence.INFORMATION_CASES)
@pytest.mark.parametrize("estimator", ["knn", "classifier"])
def test_information_decomposition_recovers_known_cases(kind, estimator):
    a, b, y, truth = dependence.synthetic_information_case(kind, 2000, seed=1)
    got = dependence.information_decomposition(a, b, y, estimator=estimator)
    for key, value in truth.items():
        assert got[key] == pytest.approx(value, abs=0.08), (kind, estimator, key, got)
    parts = got["redundancy"] + got["unique_a"] + got["unique_b"] + got["synergy"]
    assert parts == pytest.approx(got["I(Y;A,B)"])
    if kind == "redundant":
        assert got["interaction"] < -0.5 and got["redundancy"] > 0.6
    if kind == "unique":
        assert got["unique_a"] > 0.6 and got["synergy"] < 0.08
    if kind == "synergistic":
        assert got["interaction"] > 0.5 and got["synergy"] > 0.55


def test_estimators_agree_with_sklearn_and_the_gaussian_formula():
    rng = np.random.default_rng(0)
    x = rng.standard_normal(2000)
    y = (x + rng.standard_normal(2000) > 0).astype(int)
    assert dependence.label_mutual_information(x, y) == pytest.approx(
        mutual_info_classif(x[:, None], y, n_neighbors=3, random_state=0)[0], abs=1e-6)
    z = rng.standard_normal(2000)
    w = 0.8 * z + 0.6 * rng.standard_normal(2000)
    ksg = dependence.knn_mutual_information(z, w)
    assert ksg == pytest.approx(mutual_info_regression(z[:, None], w, n_neighbors=3, random_state=0)[0], abs=1e-6)
    assert ksg == pytest.approx(-0.5 * np.log(1 - 0.8**2), abs=0.05)  # 0.51 nats


def test_mean_of_univariate_mis_dilutes_a_strong_pair_the_joint_estimate_does_not():
    rng = np.random.default_rng(2)
    n = 2000
    s = rng.standard_normal(n)
    t = 0.8 * s + 0.6 * rng.standard_normal(n)  # one pair with I = 0.51 nats; everything else independent
    a = np.column_stack([3 * s, rng.standard_normal((n, 2))])
    b = np.column_stack([3 * t, rng.standard_normal((n, 2))])
    mean_univariate = dependence.mutual_information_between(a, b, k=3)
    joint = dependence.knn_mutual_information(dependence.principal_components(a, 3), dependence.principal_components(b, 3))
    assert mean_univariate < 0.1
    assert joint > 0.4 and joint > 5 * mean_univariate


def test_conditional_mutual_information_sees_the_xor():
    a, b, y, _ = dependence.synthetic_information_case("synergistic", 2000, seed=3)
    assert dependence.knn_mutual_information(a, b) < 0.03  # A and B are independent ...
    assert dependence.conditional_mutual_information(a, b, y) > 0.5  # ... but not given Y


def test_bad_input_is_named():
    a, b, y, _ = dependence.synthetic_information_case("unique", 200, seed=0)
    with pytest.raises(ValueError, match="y must hold one class label per sample"):
        dependence.label_mutual_information(a, y[:-1])
    with pytest.raises(ValueError, match="estimator must be"):
        dependence.label_mutual_information(a, y, estimator="binned")
    with pytest.raises(ValueError, match="same samples"):
        dependence.knn_mutual_information(a, b[:-1])
    with pytest.raises(ValueError, match="kind must be one of"):
        dependence.synthetic_information_case("xor")
    with pytest.raises(ValueError, match="NaN"):
        dependence.knn_mutual_information(np.full((50, 1), np.nan), b[:50])


def test_a_rare_class_survives_subsampling_and_caps_the_folds():
    # MIT-BIH-like imbalance: 4 F beats among thousands; a plain random subsample would lose them.
    rng = np.random.default_rng(5)
    y = np.repeat([0, 1, 2, 3], [2800, 60, 160, 4])
    x = rng.standard_normal((len(y), 3)) + y[:, None]
    for estimator in ("knn", "classifier"):
        assert dependence.label_mutual_information(x, y, estimator=estimator, max_samples=600) > 0.05
    with pytest.raises(ValueError, match=">= 2 samples"):
        dependence.label_mutual_information(x[:2801], np.r_[y[:2800], 9], estimator="classifier")

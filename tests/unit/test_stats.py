"""fusionlab.stats on known nulls and against scikit-learn / hand-worked references."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as skm

from fusionlab import stats


def _labels(rng, n, n_classes=4):
    return rng.integers(0, n_classes, n)


def _noisy(rng, y, accuracy, n_classes=4):
    """Predictions equal to ``y`` with probability ``accuracy``, otherwise a random other class."""
    wrong = rng.random(len(y)) >= accuracy
    other = (y + rng.integers(1, n_classes, len(y))) % n_classes
    return np.where(wrong, other, y)


def test_metrics_agree_with_sklearn():
    rng = np.random.default_rng(0)
    y = _labels(rng, 300, 5)
    p = _noisy(rng, y, 0.6, 5)
    p[p == 4] = 0  # class 4 never predicted: zero_division path
    conf, _ = stats.unit_confusions(y, p, 5)
    total = conf.sum(0)
    assert stats.metric_from_confusion(total, "accuracy") == pytest.approx(skm.accuracy_score(y, p))
    assert stats.metric_from_confusion(total, "macro_f1", [0, 1, 2, 3]) == pytest.approx(
        skm.f1_score(y, p, labels=[0, 1, 2, 3], average="macro", zero_division=0))
    recall = skm.recall_score(y, p, average=None, zero_division=0)
    precision = skm.precision_score(y, p, average=None, zero_division=0)
    for k in range(5):
        assert stats.metric_from_confusion(total, f"sensitivity:{k}") == pytest.approx(recall[k])
        assert stats.metric_from_confusion(total, f"ppv:{k}") == pytest.approx(precision[k])


def test_group_confusions_sum_to_the_whole():
    rng = np.random.default_rng(1)
    y, groups = _labels(rng, 200), rng.choice(["100", "101", "103"], 200)
    p = _noisy(rng, y, 0.7)
    by_beat, _ = stats.unit_confusions(y, p, 4)
    by_record, units = stats.unit_confusions(y, p, 4, groups)
    assert list(units) == ["100", "101", "103"]
    np.testing.assert_array_equal(by_beat.sum(0), by_record.sum(0))


def test_identical_models_are_never_significant():
    rng = np.random.default_rng(2)
    y = _labels(rng, 500)
    p = _noisy(rng, y, 0.7)
    groups = rng.integers(0, 20, 500)
    for g in (None, groups):
        res = stats.paired_bootstrap(y, p, p.copy(), "macro_f1", groups=g, n_boot=500)
        assert res.estimate == 0 and res.ci_low == 0 and res.ci_high == 0 and res.p_value == 1.0
        bayes = stats.bayesian_bootstrap(y, p, p.copy(), groups=g, n_draws=500)
        assert bayes.prob_a_better == 0 and bayes.prob_b_better == 0


def test_false_positive_rate_of_equal_models_is_near_alpha():
    # Two different models with the same error rate: p < 0.05 should happen in about 5% of test sets.
    rng = np.random.default_rng(3)
    p_values = []
    for _ in range(200):
        y = _labels(rng, 300)
        p_values.append(stats.paired_bootstrap(y, _noisy(rng, y, 0.75), _noisy(rng, y, 0.75), n_boot=400,
                                               seed=int(rng.integers(1 << 30))).p_value)
    rate = np.mean(np.array(p_values) < 0.05)
    assert rate <= 0.11, f"false positive rate {rate:.3f} at nominal 0.05"


def test_ci_coverage_close_to_nominal_for_independent_beats():
    rng = np.random.default_rng(4)
    covered = []
    for _ in range(200):
        y = _labels(rng, 400)
        res = stats.paired_bootstrap(y, _noisy(rng, y, 0.80), _noisy(rng, y, 0.75), n_boot=400,
                                     seed=int(rng.integers(1 << 30)))
        covered.append(res.ci_low <= 0.05 <= res.ci_high)  # true difference of accuracy
    assert 0.88 <= np.mean(covered) <= 0.99


def _clustered_test_set(rng, n_records=30, beats=40):
    # Each record has its own accuracy for each model; over the population of records both average 0.8.
    y, a, b, groups = [], [], [], []
    for r in range(n_records):
        acc_a, acc_b = 0.8 + rng.uniform(-0.15, 0.15, 2)
        yr = _labels(rng, beats)
        y.append(yr), a.append(_noisy(rng, yr, acc_a)), b.append(_noisy(rng, yr, acc_b))
        groups.append(np.full(beats, r))
    return tuple(np.concatenate(v) for v in (y, a, b, groups))


def test_cluster_bootstrap_covers_where_the_beat_bootstrap_does_not():
    rng = np.random.default_rng(5)
    cover_beat, cover_record, widths = [], [], []
    for _ in range(150):
        y, a, b, g = _clustered_test_set(rng)
        seed = int(rng.integers(1 << 30))
        beat = stats.paired_bootstrap(y, a, b, n_boot=300, seed=seed)
        record = stats.paired_bootstrap(y, a, b, groups=g, n_boot=300, seed=seed)
        cover_beat.append(beat.ci_low <= 0 <= beat.ci_high)
        cover_record.append(record.ci_low <= 0 <= record.ci_high)
        widths.append(record.ci_width / beat.ci_width)
    assert np.mean(cover_record) >= 0.85
    assert np.mean(cover_beat) < np.mean(cover_record) - 0.1
    assert np.median(widths) > 1.2


def test_a_real_difference_is_detected_and_bayes_agrees():
    rng = np.random.default_rng(6)
    y = _labels(rng, 2000)
    a, b = _noisy(rng, y, 0.9), _noisy(rng, y, 0.7)
    res = stats.paired_bootstrap(y, a, b, n_boot=1000)
    bayes = stats.bayesian_bootstrap(y, a, b, n_draws=1000)
    assert res.p_value < 0.01 and res.ci_low > 0
    assert bayes.prob_a_better > 0.99
    flipped = stats.bayesian_bootstrap(y, b, a, n_draws=1000)
    assert flipped.prob_b_better == pytest.approx(bayes.prob_a_better)


def test_adjust_pvalues_holm_bonferroni_bh():
    p = [0.01, 0.04, 0.03, 0.005]
    # Holm by hand: sorted 0.005, 0.01, 0.03, 0.04 times 4, 3, 2, 1 -> 0.02, 0.03, 0.06, 0.04 -> running max.
    np.testing.assert_allclose(stats.adjust_pvalues(p, "holm"), [0.03, 0.06, 0.06, 0.02])
    np.testing.assert_allclose(stats.adjust_pvalues(p, "bonferroni"), [0.04, 0.16, 0.12, 0.02])
    bh = stats.adjust_pvalues(p, "fdr_bh")
    assert np.all(bh >= p) and np.all(bh <= stats.adjust_pvalues(p, "holm") + 1e-12)
    with pytest.raises(ValueError, match="method must be one of"):
        stats.adjust_pvalues(p, "sidak-ish")
    with pytest.raises(ValueError, match="in \\[0, 1\\]"):
        stats.adjust_pvalues([0.5, 1.5])


def test_compare_models_table_and_bad_input():
    rng = np.random.default_rng(7)
    y = _labels(rng, 300)
    preds = {"a": _noisy(rng, y, 0.8), "b": _noisy(rng, y, 0.7), "c": _noisy(rng, y, 0.7)}
    table = stats.compare_models(y, preds, [("a", "b"), ("b", "c")], n_boot=200, labels=[0, 1, 2, 3])
    assert len(table) == 4 and (table["p_adjusted"] >= table["p_value"]).all()
    assert {"estimate", "ci_low", "ci_high", "prob_a_better"} <= set(table.columns)
    with pytest.raises(KeyError, match="'z'"):
        stats.compare_models(y, preds, [("a", "z")])
    with pytest.raises(ValueError, match="unknown metric 'auroc'"):
        stats.paired_bootstrap(y, preds["a"], preds["b"], "auroc")
    with pytest.raises(ValueError, match="same length"):
        stats.paired_bootstrap(y, preds["a"][:10], preds["b"])
    with pytest.raises(ValueError, match="at least 2 resampling units"):
        stats.paired_bootstrap(y, preds["a"], preds["b"], groups=np.zeros(300))


def test_collapsed_beat_bootstrap_matches_explicit_resampling():
    # Merging interchangeable beats must not change the distribution: compare with resampling beats one by one.
    rng = np.random.default_rng(8)
    y = _labels(rng, 400)
    a, b = _noisy(rng, y, 0.8), _noisy(rng, y, 0.7)
    fast = stats.paired_bootstrap(y, a, b, n_boot=4000, seed=1)
    idx = rng.integers(0, 400, (4000, 400))
    slow = (a[idx] == y[idx]).mean(1) - (b[idx] == y[idx]).mean(1)
    assert fast.estimate == pytest.approx(np.mean(a == y) - np.mean(b == y))
    assert fast.ci_low == pytest.approx(np.quantile(slow, 0.025), abs=0.01)
    assert fast.ci_high == pytest.approx(np.quantile(slow, 0.975), abs=0.01)
    assert fast.n_units == 400


def test_small_sample_t_interval_is_closer_to_nominal_than_percentile_with_5_records():
    # Known null, 5 records: the percentile cluster bootstrap calls equal models different far more
    # often than 5 %; the jackknife-t interval (the default for few records) must be much closer.
    table = stats.coverage_study(400, n_records=5, n_boot=200, seed=11, rows=("record percentile", "record t"))
    fp_percentile = table.loc["record percentile", "false_positive_rate"]
    fp_t = table.loc["record t", "false_positive_rate"]
    assert fp_percentile > 0.09, f"the percentile interval's known undercoverage vanished ({fp_percentile:.3f})"
    assert abs(fp_t - 0.05) < abs(fp_percentile - 0.05), (fp_t, fp_percentile)
    assert 0.02 <= fp_t <= 0.085, f"jackknife-t false-positive rate {fp_t:.3f} at nominal 0.05"
    assert table.loc["record t", "mean_ci_width"] > table.loc["record percentile", "mean_ci_width"]


def test_t_method_is_the_paired_t_test_over_records_for_accuracy():
    # Equal-sized records: the jackknife-t of an accuracy difference is exactly the paired t-test on
    # the per-record accuracy differences.
    import scipy.stats

    y, a, b, g = stats.simulate_clustered_predictions(7, 60, seed=3)
    res = stats.paired_bootstrap(y, a, b, groups=g, method="t")
    per_record = np.array([np.mean(a[g == r] == y[g == r]) - np.mean(b[g == r] == y[g == r]) for r in range(7)])
    test = scipy.stats.ttest_1samp(per_record, 0.0)
    ci = test.confidence_interval(0.95)
    assert res.method == "t" and res.n_units == 7
    assert res.estimate == pytest.approx(per_record.mean())
    assert res.p_value == pytest.approx(test.pvalue)
    assert (res.ci_low, res.ci_high) == pytest.approx((ci.low, ci.high))
    est, low, high = stats.bootstrap_metric(y, a, groups=g, method="t")
    acc = np.array([np.mean(a[g == r] == y[g == r]) for r in range(7)])
    ci_a = scipy.stats.ttest_1samp(acc, 0.0).confidence_interval(0.95)
    assert (est, low, high) == pytest.approx((acc.mean(), ci_a.low, ci_a.high))


def test_method_auto_picks_t_for_few_records_and_percentile_otherwise():
    y, a, b, g = stats.simulate_clustered_predictions(8, 30, seed=4)
    assert stats.paired_bootstrap(y, a, b, groups=g, n_boot=100).method == "t"
    assert stats.paired_bootstrap(y, a, b, n_boot=100).method == "percentile"
    assert stats.paired_bootstrap(y, a, b, groups=g, n_boot=100, method="percentile").method == "percentile"
    table = stats.compare_models(y, {"a": a, "b": b}, [("a", "b")], groups=g, n_boot=100)
    assert (table["method"] == "t").all()
    with pytest.raises(ValueError, match="method must be one of"):
        stats.paired_bootstrap(y, a, b, groups=g, method="bca")
    many = np.arange(len(y)) % stats.SMALL_SAMPLE_UNITS
    assert stats.resolve_method("auto", many, stats.SMALL_SAMPLE_UNITS) == "percentile"

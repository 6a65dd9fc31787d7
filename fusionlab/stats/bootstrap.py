"""Honest model comparison: paired (cluster) bootstrap, Bayesian bootstrap, multiple-comparison correction.

Two models predicted on the *same* test beats are compared by the difference of a metric
(``metric(A) - metric(B)``), resampling the test set so that both models see the same resample
(a *paired* bootstrap). Every metric here is a function of a confusion matrix, so a resample is
just a weight per resampling *unit* and the resampled confusion matrix is a weighted sum of the
units' confusion matrices -- thousands of resamples cost one matrix product.

Units are single beats (``groups=None``) or whole records (``groups=records``: the *cluster*
bootstrap). Beats of one patient are not independent; resampling beats treats them as if they
were and gives intervals that are too narrow. Resampling records respects the design (the test
set is a sample of patients) and is the one to report for inter-patient or record-wise protocols.

Few units: the percentile interval is too narrow
------------------------------------------------
With few records the percentile cluster bootstrap undercovers: on known nulls
(:func:`coverage_by_units`, 2000 simulated test sets per size, seed 0) it calls equal models
different in 13.9 % of test sets with 5 records, 10.0 % with 10 and 6.5 % with 20 (a 200-set run
gave 15.5 %, 10.5 % and 8.5 %), at nominal 5 %; the jackknife-t below gives 5.2 %, 5.6 % and 5.0 %.
Two reasons, both exact for a mean:
the bootstrap variance is the *plug-in* variance, smaller than the unbiased one by ``(G-1)/G``, and
its quantiles behave like the normal's (1.96) where Student's ``t`` with ``G-1`` degrees of freedom
is right (2.78 for 5 records). So ``method="t"`` (the default with fewer than
:data:`SMALL_SAMPLE_UNITS` records) reports ``estimate +- t_{G-1} * se`` with the delete-one-cluster
**jackknife** standard error ``se`` of the metric on the pooled confusion matrix. For accuracy with
records of equal size that is exactly the paired t-test over per-record differences; for macro-F1
or a sensitivity (ratios of sums over records) it is its jackknife generalisation (Davison &
Hinkley 1997, Sec. 3.8; Cameron, Gelbach & Miller 2008). We chose it over BCa (BCa corrects skew
and bias but keeps the plug-in width, so it undercovers as much with 5 units) and over the
studentised bootstrap-t (with 5 records only 126 distinct resamples exist, many with a standard
error near 0, which makes its quantiles erratic). ``method="percentile"`` keeps Efron's interval.

=================================  ===========================================================
:func:`paired_bootstrap`           CI and two-sided p-value of ``metric(A) - metric(B)``
:func:`bayesian_bootstrap`         posterior of the difference (Rubin 1981), ``P(A > B)``
:func:`bootstrap_metric`           CI of one model's metric
:func:`adjust_pvalues`             Holm, Bonferroni or Benjamini-Hochberg correction
:func:`compare_models`             all of the above for several pairs and metrics, as a table
:func:`coverage_study`             coverage / false positives of each interval on known nulls
:func:`metric_from_confusion`      accuracy, macro-F1, sensitivity/PPV of one class
=================================  ===========================================================

References
----------
B. Efron and R. Tibshirani, *An Introduction to the Bootstrap*, 1993 (percentile intervals, Ch. 13;
p-values by inverting the interval, Ch. 16).
A. C. Cameron, J. B. Gelbach and D. L. Miller, "Bootstrap-based improvements for inference with
clustered errors", *Rev. Econ. Stat.* 90(3), 2008 (few clusters: t with G-1 degrees of freedom).
D. B. Rubin, "The Bayesian bootstrap", *Annals of Statistics* 9(1), 1981.
S. Holm, "A simple sequentially rejective multiple test procedure", *Scand. J. Statist.* 6, 1979.
A. C. Davison and D. V. Hinkley, *Bootstrap Methods and their Application*, 1997, Sec. 3.8
(resampling clusters).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
import scipy.stats

MetricLike = str | Callable[[np.ndarray], np.ndarray]
CORRECTIONS = ("holm", "bonferroni", "fdr_bh", "none")
METHODS = ("auto", "percentile", "t")
#: With groups (records, nights) and fewer units than this, ``method="auto"`` uses the jackknife-t interval.
SMALL_SAMPLE_UNITS = 50


# ---------------------------------------------------------------------------------- metrics
def _class_stats(conf: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    tp = np.diagonal(conf, axis1=-2, axis2=-1)
    return tp, conf.sum(axis=-2) - tp, conf.sum(axis=-1) - tp  # tp, fp, fn


def _safe_ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    # zero_division=0, as scikit-learn's default for precision/recall/F1.
    return np.divide(num, den, out=np.zeros(np.broadcast_shapes(num.shape, den.shape)), where=den > 0)


def metric_from_confusion(conf: np.ndarray, metric: MetricLike, labels: Sequence[int] | None = None) -> np.ndarray:
    """A metric of (a stack of) confusion matrices.

    Parameters
    ----------
    conf : ndarray, shape (..., n_classes, n_classes)
        Rows are true classes, columns predicted classes; entries may be fractional weights.
    metric : str or callable
        ``"accuracy"``, ``"macro_f1"`` (mean F1 over ``labels``), ``"sensitivity:<k>"`` (recall of
        class index ``k``), ``"ppv:<k>"`` (precision of class ``k``), ``"f1:<k>"``; or a callable
        mapping ``conf`` to ``conf.shape[:-2]``.
    labels : sequence of int, optional
        Classes averaged by ``"macro_f1"`` (default all), e.g. ``[0, 1, 2, 3]`` for AAMI N/S/V/F.

    Returns
    -------
    ndarray, shape conf.shape[:-2]
        Agrees with scikit-learn's ``accuracy_score``/``f1_score(average="macro", zero_division=0)``
        on integer confusion matrices.
    """
    conf = np.asarray(conf, dtype=np.float64)
    if conf.ndim < 2 or conf.shape[-1] != conf.shape[-2]:
        raise ValueError(f"conf must have shape (..., n_classes, n_classes), got {conf.shape}")
    if callable(metric):
        return np.asarray(metric(conf), dtype=np.float64)
    n_classes = conf.shape[-1]
    if metric == "accuracy":
        return _safe_ratio(np.trace(conf, axis1=-2, axis2=-1), conf.sum(axis=(-2, -1)))
    tp, fp, fn = _class_stats(conf)
    f1 = _safe_ratio(2 * tp, 2 * tp + fp + fn)
    if metric == "macro_f1":
        chosen = list(range(n_classes)) if labels is None else [int(k) for k in labels]
        bad = [k for k in chosen if not 0 <= k < n_classes]
        if bad:
            raise ValueError(f"labels {bad} are out of range for {n_classes} classes")
        return f1[..., chosen].mean(axis=-1)
    name, _, index = str(metric).partition(":")
    if name in ("sensitivity", "ppv", "f1") and index.isdigit() and int(index) < n_classes:
        k = int(index)
        if name == "sensitivity":
            return _safe_ratio(tp[..., k], tp[..., k] + fn[..., k])
        if name == "ppv":
            return _safe_ratio(tp[..., k], tp[..., k] + fp[..., k])
        return f1[..., k]
    raise ValueError(
        f"unknown metric {metric!r}: expected 'accuracy', 'macro_f1', 'sensitivity:<k>', 'ppv:<k>' or 'f1:<k>' "
        f"with 0 <= k < {n_classes}, or a callable of the confusion matrix"
    )


def unit_confusions(y_true, y_pred, n_classes: int, groups=None) -> tuple[np.ndarray, np.ndarray]:
    """One confusion matrix per resampling unit (beat, or group such as a record).

    Parameters
    ----------
    y_true, y_pred : array, shape (n,)
        Class indices in ``[0, n_classes)``.
    groups : array, shape (n,), optional
        Unit of each sample (e.g. its record); each sample is its own unit when omitted.

    Returns
    -------
    conf : ndarray, shape (n_units, n_classes, n_classes)
    units : ndarray, shape (n_units,)
        The unit names (sorted) or the sample indices.
    """
    y_true, y_pred = _check_labels(y_true, y_pred, n_classes)
    if groups is None:
        units = np.arange(len(y_true))
        unit_index = units
    else:
        groups = np.asarray(groups)
        if groups.shape != y_true.shape:
            raise ValueError(f"groups must have one entry per sample, shape {y_true.shape}, got {groups.shape}")
        units, unit_index = np.unique(groups, return_inverse=True)
    flat = unit_index * n_classes * n_classes + y_true * n_classes + y_pred
    conf = np.bincount(flat, minlength=len(units) * n_classes * n_classes).astype(np.float64)
    return conf.reshape(len(units), n_classes, n_classes), units


def _check_labels(y_true, y_pred, n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.ndim != 1 or y_pred.shape != y_true.shape:
        raise ValueError(f"y_true and y_pred must be 1-D of the same length, got {y_true.shape} and {y_pred.shape}")
    if len(y_true) == 0:
        raise ValueError("y_true is empty: nothing to compare")
    for name, y in (("y_true", y_true), ("y_pred", y_pred)):
        if not np.issubdtype(y.dtype, np.integer) or y.min() < 0 or y.max() >= n_classes:
            raise ValueError(f"{name} must hold class indices in [0, {n_classes}), got dtype {y.dtype}, "
                             f"range [{y.min()}, {y.max()}]")
    return y_true.astype(np.int64), y_pred.astype(np.int64)


# ------------------------------------------------------------------------------ resampling
def resample_weights(multiplicity, n_boot: int, *, kind: str = "bootstrap", seed: int = 0) -> np.ndarray:
    """Weights of the units in each resample, shape ``(n_boot, n_units)``.

    Parameters
    ----------
    multiplicity : int or array of int, shape (n_units,)
        Number of units (each counted once), or how many identical original units each entry
        stands for (beats with the same true and predicted labels are interchangeable, so
        collapsing them keeps the resampling exact and makes it cost ``O(n_classes**3)`` per draw).
    kind : {"bootstrap", "bayesian"}
        ``"bootstrap"``: multinomial counts of ``n`` draws with replacement among the ``n`` original
        units (Efron); ``"bayesian"``: flat Dirichlet weights on the ``n`` original units, summed per
        entry (i.e. ``Dirichlet(multiplicity)``), scaled to sum to ``n`` (Rubin's Bayesian bootstrap).
    """
    counts = np.ones(int(multiplicity)) if np.ndim(multiplicity) == 0 else np.asarray(multiplicity, dtype=np.float64)
    total = round(counts.sum())
    if total < 2:
        raise ValueError(f"need at least 2 resampling units (beats or records), got {total}")
    if n_boot < 1:
        raise ValueError(f"n_boot must be >= 1, got {n_boot}")
    rng = np.random.default_rng(seed)
    if kind == "bootstrap":
        return rng.multinomial(total, counts / total, size=n_boot).astype(np.float64)
    if kind == "bayesian":
        return rng.dirichlet(counts, size=n_boot) * total
    raise ValueError(f"kind must be 'bootstrap' or 'bayesian', got {kind!r}")


def _resampling_units(y_true, predictions, n_classes: int, groups) -> tuple[list[np.ndarray], np.ndarray]:
    """Per-unit confusion matrices of each model and each unit's multiplicity.

    With ``groups`` the units are the groups. Without, beats sharing ``(y, pred_1, pred_2, ...)`` are
    merged into one unit with their count as multiplicity (an exact reduction of the beat bootstrap).
    """
    if groups is not None:
        confs = [unit_confusions(y_true, p, n_classes, groups)[0] for p in predictions]
        return confs, np.ones(len(confs[0]))
    y = _check_labels(y_true, predictions[0], n_classes)[0]
    preds = [_check_labels(y_true, p, n_classes)[1] for p in predictions]
    code = y.copy()
    for p in preds:
        code = code * n_classes + p
    _, first, counts = np.unique(code, return_index=True, return_counts=True)
    confs = [unit_confusions(y[first], p[first], n_classes)[0] for p in preds]
    return confs, counts.astype(np.float64)


@dataclass(frozen=True)
class BootstrapResult:
    """A paired comparison ``metric(A) - metric(B)`` on one test set.

    Attributes
    ----------
    metric : str
    estimate : float
        Observed difference on the full test set.
    ci_low, ci_high : float
        Percentile confidence interval of the difference.
    p_value : float
        Two-sided bootstrap p-value for "no difference" (smallest level at which the
        percentile interval excludes 0, with the ``(1 + count) / (1 + n_boot)`` correction); 1 when
        the two models never differ.
    metric_a, metric_b : float
        Each model's metric on the full test set.
    n_boot, n_units : int
    unit : str
        ``"beat"`` or ``"record"`` (what was resampled).
    confidence : float
    method : str
        ``"percentile"`` (Efron's percentile interval and p-value) or ``"t"`` (jackknife standard
        error over the units, Student's t with ``n_units - 1`` degrees of freedom).
    """

    metric: str
    estimate: float
    ci_low: float
    ci_high: float
    p_value: float
    metric_a: float
    metric_b: float
    n_boot: int
    n_units: int
    unit: str
    confidence: float
    method: str = "percentile"

    @property
    def ci_width(self) -> float:
        return self.ci_high - self.ci_low

    def as_dict(self) -> dict[str, float | str | int]:
        return asdict(self)


def _paired_draws(y_true, pred_a, pred_b, metric, *, n_classes, groups, labels, n_boot, kind, seed):
    (conf_a, conf_b), multiplicity = _resampling_units(y_true, [pred_a, pred_b], n_classes, groups)
    weights = resample_weights(multiplicity, n_boot, kind=kind, seed=seed)
    flat = lambda c: c.reshape(len(c), -1)
    shape = (n_boot, n_classes, n_classes)
    draws_a = metric_from_confusion((weights @ flat(conf_a)).reshape(shape), metric, labels)
    draws_b = metric_from_confusion((weights @ flat(conf_b)).reshape(shape), metric, labels)
    full_a = float(metric_from_confusion((multiplicity[:, None] * flat(conf_a)).sum(0).reshape(shape[1:]), metric, labels))
    full_b = float(metric_from_confusion((multiplicity[:, None] * flat(conf_b)).sum(0).reshape(shape[1:]), metric, labels))
    n_units = len(multiplicity) if groups is not None else int(multiplicity.sum())
    return draws_a - draws_b, full_a, full_b, n_units


def _n_classes(n_classes, *arrays) -> int:
    if n_classes is not None:
        return int(n_classes)
    return int(max(np.max(np.asarray(a)) for a in arrays)) + 1


def resolve_method(method: str, groups, n_units: int) -> str:
    """``"percentile"`` or ``"t"``: what ``method="auto"`` means for this design.

    ``"t"`` when units are groups (records, nights) and fewer than :data:`SMALL_SAMPLE_UNITS`;
    ``"percentile"`` otherwise (beats: thousands of units, where both agree).
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    if method != "auto":
        return method
    return "t" if groups is not None and n_units < SMALL_SAMPLE_UNITS else "percentile"


def jackknife_values(confs: np.ndarray, multiplicity: np.ndarray, metric: MetricLike,
                     labels: Sequence[int] | None = None) -> np.ndarray:
    """The metric with each unit left out once: ``theta_(i)``, shape ``(n_entries,)``.

    ``confs`` holds one confusion matrix per entry (a unit, or ``multiplicity`` identical units);
    leaving out one unit of entry ``i`` subtracts ``confs[i]`` from the pooled matrix.
    """
    total = (multiplicity[:, None, None] * confs).sum(0)
    return metric_from_confusion(total[None] - confs, metric, labels)


def jackknife_se(theta_loo: np.ndarray, multiplicity: np.ndarray) -> float:
    """Jackknife standard error ``sqrt((n-1)/n * sum (theta_(i) - mean)^2)`` over ``n = sum(multiplicity)`` units."""
    n = multiplicity.sum()
    mean = np.sum(multiplicity * theta_loo) / n
    return float(np.sqrt((n - 1) / n * np.sum(multiplicity * (theta_loo - mean) ** 2)))


def t_interval_and_p(estimate: float, se: float, n_units: int, confidence: float = 0.95) -> tuple[float, float, float]:
    """``estimate +- t_{n_units-1} * se`` and the two-sided p-value of ``estimate / se`` (1 when both are 0)."""
    if se <= 0:
        return float(estimate), float(estimate), 1.0 if estimate == 0 else 0.0
    df = n_units - 1
    q = scipy.stats.t.ppf(0.5 + confidence / 2, df)
    p = 2 * scipy.stats.t.sf(abs(estimate) / se, df)
    return float(estimate - q * se), float(estimate + q * se), float(min(1.0, p))


def percentile_interval_and_p(diffs: np.ndarray, confidence: float = 0.95) -> tuple[float, float, float]:
    """Percentile interval of bootstrap differences and the two-sided p-value for "no difference".

    The p-value is the smallest level at which the interval excludes 0, with the
    ``(1 + count) / (1 + n_boot)`` correction; 1 when every difference is 0.
    """
    diffs = np.asarray(diffs, dtype=np.float64)
    alpha = 1 - confidence
    low, high = np.quantile(diffs, [alpha / 2, 1 - alpha / 2])
    if np.all(diffs == 0):
        return float(low), float(high), 1.0
    below, above = np.sum(diffs <= 0), np.sum(diffs >= 0)
    return float(low), float(high), float(min(1.0, 2 * (1 + min(below, above)) / (1 + len(diffs))))


def paired_bootstrap(y_true, pred_a, pred_b, metric: MetricLike = "accuracy", *, groups=None,
                     n_classes: int | None = None, labels: Sequence[int] | None = None, n_boot: int = 2000,
                     confidence: float = 0.95, seed: int = 0, method: str = "auto") -> BootstrapResult:
    """Paired bootstrap of ``metric(A) - metric(B)`` on one test set.

    Parameters
    ----------
    y_true, pred_a, pred_b : array, shape (n,)
        True and predicted class indices of the same samples.
    metric : str or callable
        See :func:`metric_from_confusion`.
    groups : array, shape (n,), optional
        Resample whole groups (records) instead of beats: the cluster bootstrap.
    n_classes : int, optional
        Default: one more than the largest label seen.
    labels : sequence of int, optional
        Classes averaged by ``"macro_f1"``.
    n_boot : int
    confidence : float
        Level of the interval, in (0, 1).
    seed : int
    method : {"auto", "percentile", "t"}
        ``"percentile"``: Efron's percentile interval, p-value by inverting it. ``"t"``: jackknife
        standard error over the units (records) and Student's t with ``n_units - 1`` degrees of
        freedom -- the small-sample remedy (see the module docstring); for the built-in metrics the
        interval is clipped to the possible range [-1, 1]. ``"auto"``: ``"t"`` with
        groups and fewer than :data:`SMALL_SAMPLE_UNITS` of them, else ``"percentile"``.

    Returns
    -------
    BootstrapResult
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    n_classes = _n_classes(n_classes, y_true, pred_a, pred_b)
    diffs, full_a, full_b, n_units = _paired_draws(y_true, pred_a, pred_b, metric, n_classes=n_classes,
                                                   groups=groups, labels=labels, n_boot=n_boot,
                                                   kind="bootstrap", seed=seed)
    method = resolve_method(method, groups, n_units)
    if method == "t":
        (conf_a, conf_b), multiplicity = _resampling_units(y_true, [pred_a, pred_b], n_classes, groups)
        loo = jackknife_values(conf_a, multiplicity, metric, labels) - jackknife_values(conf_b, multiplicity, metric,
                                                                                        labels)
        low, high, p_value = t_interval_and_p(full_a - full_b, jackknife_se(loo, multiplicity), n_units, confidence)
        if isinstance(metric, str):  # built-in metrics lie in [0, 1]: a difference in [-1, 1]
            low, high = max(low, -1.0), min(high, 1.0)
    else:
        low, high, p_value = percentile_interval_and_p(diffs, confidence)
    return BootstrapResult(_metric_name(metric), full_a - full_b, float(low), float(high), float(p_value),
                           full_a, full_b, int(n_boot), int(n_units), "beat" if groups is None else "record",
                           float(confidence), method)


def _metric_name(metric: MetricLike) -> str:
    return metric if isinstance(metric, str) else getattr(metric, "__name__", "custom")


@dataclass(frozen=True)
class BayesianResult:
    """Posterior of ``metric(A) - metric(B)`` under the Bayesian bootstrap.

    Attributes
    ----------
    prob_a_better, prob_b_better : float
        Posterior probability that the difference is > 0 (resp. < 0); they sum to 1 minus the
        probability of an exact tie (e.g. identical predictions).
    mean, ci_low, ci_high : float
        Posterior mean and equal-tailed credible interval of the difference.
    """

    metric: str
    prob_a_better: float
    prob_b_better: float
    mean: float
    ci_low: float
    ci_high: float
    n_draws: int
    unit: str

    def as_dict(self) -> dict[str, float | str | int]:
        return asdict(self)


def bayesian_bootstrap(y_true, pred_a, pred_b, metric: MetricLike = "accuracy", *, groups=None,
                       n_classes: int | None = None, labels: Sequence[int] | None = None, n_draws: int = 4000,
                       credibility: float = 0.95, seed: int = 0) -> BayesianResult:
    """Bayesian bootstrap (Rubin 1981): the posterior probability that model A beats model B.

    Each draw weights the units (beats, or records with ``groups``) by a flat Dirichlet, i.e. a
    posterior over the population the test set was drawn from under a non-informative prior on
    its support; the metric difference of each draw is one posterior sample.

    Parameters are those of :func:`paired_bootstrap` (``n_draws`` posterior draws).
    """
    n_classes = _n_classes(n_classes, y_true, pred_a, pred_b)
    diffs, _, _, _ = _paired_draws(y_true, pred_a, pred_b, metric, n_classes=n_classes, groups=groups,
                                   labels=labels, n_boot=n_draws, kind="bayesian", seed=seed)
    alpha = 1 - credibility
    low, high = np.quantile(diffs, [alpha / 2, 1 - alpha / 2])
    return BayesianResult(_metric_name(metric), float(np.mean(diffs > 0)), float(np.mean(diffs < 0)),
                          float(diffs.mean()), float(low), float(high), int(n_draws),
                          "beat" if groups is None else "record")


def bootstrap_metric(y_true, y_pred, metric: MetricLike = "accuracy", *, groups=None, n_classes: int | None = None,
                     labels: Sequence[int] | None = None, n_boot: int = 2000, confidence: float = 0.95,
                     seed: int = 0, method: str = "auto") -> tuple[float, float, float]:
    """One model's metric with a bootstrap interval: ``(estimate, ci_low, ci_high)``.

    ``method`` as in :func:`paired_bootstrap`: ``"percentile"``, ``"t"`` (jackknife over the units,
    Student's t) or ``"auto"`` (``"t"`` for fewer than :data:`SMALL_SAMPLE_UNITS` groups).
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    n_classes = _n_classes(n_classes, y_true, y_pred)
    (conf,), multiplicity = _resampling_units(y_true, [y_pred], n_classes, groups)
    estimate = float(metric_from_confusion((multiplicity[:, None, None] * conf).sum(0), metric, labels))
    n_units = len(multiplicity) if groups is not None else int(multiplicity.sum())
    if n_units < 2:
        raise ValueError(f"need at least 2 resampling units (beats or records), got {n_units}")
    if resolve_method(method, groups, n_units) == "t":
        se = jackknife_se(jackknife_values(conf, multiplicity, metric, labels), multiplicity)
        low, high, _ = t_interval_and_p(estimate, se, n_units, confidence)
        if isinstance(metric, str):  # built-in metrics lie in [0, 1]
            low, high = max(low, 0.0), min(high, 1.0)
        return estimate, low, high
    weights = resample_weights(multiplicity, n_boot, seed=seed)
    draws = metric_from_confusion((weights @ conf.reshape(len(conf), -1)).reshape(n_boot, n_classes, n_classes),
                                  metric, labels)
    alpha = 1 - confidence
    low, high = np.quantile(draws, [alpha / 2, 1 - alpha / 2])
    return estimate, float(low), float(high)


# ------------------------------------------------------------------------ multiple testing
def adjust_pvalues(p_values: Sequence[float], method: str = "holm") -> np.ndarray:
    """P-values adjusted for multiple comparisons (family-wise or false-discovery rate).

    Parameters
    ----------
    p_values : sequence of float in [0, 1]
    method : {"holm", "bonferroni", "fdr_bh", "none"}
        Holm's step-down and Bonferroni control the family-wise error rate (Holm is uniformly more
        powerful); ``"fdr_bh"`` (Benjamini-Hochberg, via :func:`scipy.stats.false_discovery_control`)
        controls the false discovery rate.

    Returns
    -------
    ndarray, shape (n,)
        Adjusted p-values in the input order; reject where ``adjusted <= alpha``.
    """
    p = np.asarray(p_values, dtype=np.float64)
    if p.ndim != 1 or np.any((p < 0) | (p > 1)) or np.any(np.isnan(p)):
        raise ValueError(f"p_values must be a 1-D sequence of numbers in [0, 1], got {p_values!r}")
    if method not in CORRECTIONS:
        raise ValueError(f"method must be one of {CORRECTIONS}, got {method!r}")
    m = len(p)
    if m == 0 or method == "none":
        return p.copy()
    if method == "bonferroni":
        return np.minimum(1.0, p * m)
    if method == "fdr_bh":
        return scipy.stats.false_discovery_control(p, method="bh")
    order = np.argsort(p)
    stepped = np.maximum.accumulate((m - np.arange(m)) * p[order])
    adjusted = np.empty(m)
    adjusted[order] = np.minimum(1.0, stepped)
    return adjusted


# --------------------------------------------------------------------------------- tables
def compare_models(y_true, predictions: Mapping[str, np.ndarray], pairs: Sequence[tuple[str, str]],
                   metrics: Sequence[MetricLike] = ("accuracy", "macro_f1"), *, groups=None,
                   n_classes: int | None = None, labels: Sequence[int] | None = None, n_boot: int = 2000,
                   confidence: float = 0.95, correction: str = "holm", seed: int = 0,
                   method: str = "auto") -> pd.DataFrame:
    """Paired bootstrap + Bayesian bootstrap for each ``(A, B)`` pair and metric, with corrected p-values.

    Parameters
    ----------
    y_true : array, shape (n,)
    predictions : mapping model name -> array, shape (n,)
        Predicted class indices of each model on the same samples.
    pairs : sequence of (str, str)
        ``(A, B)``: the table reports ``metric(A) - metric(B)``.
    metrics : sequence
    groups : array, shape (n,), optional
        Records: resample whole records (recommended whenever beats of a patient are correlated).
    correction : {"holm", "bonferroni", "fdr_bh", "none"}
        Applied over all rows (pairs x metrics) of the table.
    method : {"auto", "percentile", "t"}
        Interval and p-value of each row, see :func:`paired_bootstrap` (``"auto"``: jackknife-t with
        fewer than :data:`SMALL_SAMPLE_UNITS` records).

    Returns
    -------
    DataFrame
        One row per pair and metric: ``a, b, metric, metric_a, metric_b, estimate, ci_low, ci_high,
        p_value, p_adjusted, prob_a_better, unit, n_units, method``.
    """
    unknown = sorted({m for pair in pairs for m in pair} - set(predictions))
    if unknown:
        raise KeyError(f"pairs name models {unknown} that are not in predictions {sorted(predictions)}")
    n_classes = _n_classes(n_classes, y_true, *predictions.values())
    rows = []
    for a, b in pairs:
        for metric in metrics:
            kw = {"groups": groups, "n_classes": n_classes, "labels": labels, "seed": seed}
            boot = paired_bootstrap(y_true, predictions[a], predictions[b], metric, n_boot=n_boot,
                                    confidence=confidence, method=method, **kw)
            bayes = bayesian_bootstrap(y_true, predictions[a], predictions[b], metric, n_draws=n_boot, **kw)
            rows.append({"a": a, "b": b, "metric": boot.metric, "metric_a": boot.metric_a, "metric_b": boot.metric_b,
                         "estimate": boot.estimate, "ci_low": boot.ci_low, "ci_high": boot.ci_high,
                         "p_value": boot.p_value, "prob_a_better": bayes.prob_a_better, "unit": boot.unit,
                         "n_units": boot.n_units, "method": boot.method})
    table = pd.DataFrame(rows)
    table.insert(table.columns.get_loc("p_value") + 1, "p_adjusted", adjust_pvalues(table["p_value"], correction))
    return table


# ------------------------------------------------------------------------- known nulls
def simulate_clustered_predictions(n_records: int = 20, beats_per_record: int = 100, *, accuracy: float = 0.8,
                                   spread: float = 0.15, n_classes: int = 4, seed: int = 0):
    """Two models with the *same* expected accuracy whose accuracy varies from record to record.

    Each record draws its own accuracy for each model from ``accuracy + U(-spread, spread)``;
    a wrong prediction is a uniformly chosen other class. The true difference is 0.

    Returns
    -------
    y_true, pred_a, pred_b, records : ndarray, shape (n_records * beats_per_record,)
    """
    rng = np.random.default_rng(seed)
    n = n_records * beats_per_record
    records = np.repeat(np.arange(n_records), beats_per_record)
    y = rng.integers(0, n_classes, n)
    preds = []
    for _ in range(2):
        acc = np.clip(accuracy + rng.uniform(-spread, spread, n_records), 0, 1)[records]
        wrong = rng.random(n) >= acc
        preds.append(np.where(wrong, (y + rng.integers(1, n_classes, n)) % n_classes, y))
    return y, preds[0], preds[1], records


COVERAGE_ROWS = {"beat": (False, "percentile"), "record percentile": (True, "percentile"), "record t": (True, "t")}


def coverage_study(n_sims: int = 100, *, n_boot: int = 300, confidence: float = 0.95, spread: float = 0.15,
                   n_records: int = 20, beats_per_record: int = 100, seed: int = 0,
                   rows: Sequence[str] = tuple(COVERAGE_ROWS)) -> pd.DataFrame:
    """How often each interval covers the true difference (0) of two equally good models.

    Runs :func:`simulate_clustered_predictions` ``n_sims`` times. ``spread=0`` makes beats independent
    (all should reach ``confidence``); a positive spread makes records matter.

    Parameters
    ----------
    rows : sequence of str
        Which intervals: ``"beat"`` (percentile, beats resampled), ``"record percentile"`` (cluster
        percentile bootstrap), ``"record t"`` (jackknife-t over records, the small-sample remedy).

    Returns
    -------
    DataFrame, one row per entry of ``rows``: ``coverage``, ``false_positive_rate`` (p < 1 - confidence),
    ``mean_ci_width``.
    """
    unknown = [r for r in rows if r not in COVERAGE_ROWS]
    if unknown:
        raise ValueError(f"rows {unknown} unknown: expected some of {list(COVERAGE_ROWS)}")
    rng = np.random.default_rng(seed)
    out = {row: [] for row in rows}
    for _ in range(n_sims):
        s = int(rng.integers(1 << 30))
        y, a, b, groups = simulate_clustered_predictions(n_records, beats_per_record, spread=spread, seed=s)
        for row in rows:
            by_record, method = COVERAGE_ROWS[row]
            r = paired_bootstrap(y, a, b, groups=groups if by_record else None, n_boot=n_boot, confidence=confidence,
                                 seed=s, method=method)
            out[row].append((r.ci_low <= 0 <= r.ci_high, r.p_value < 1 - confidence, r.ci_width))
    return pd.DataFrame({row: {"coverage": np.mean([v[0] for v in vals]),
                               "false_positive_rate": np.mean([v[1] for v in vals]),
                               "mean_ci_width": np.mean([v[2] for v in vals])}
                         for row, vals in out.items()}).T


def coverage_by_units(n_records: Sequence[int] = (5, 10, 20), n_sims: int = 200, *, n_boot: int = 300,
                      confidence: float = 0.95, spread: float = 0.15, beats_per_record: int = 100, seed: int = 0,
                      rows: Sequence[str] = ("record percentile", "record t")) -> pd.DataFrame:
    """:func:`coverage_study` for several numbers of records: a long table indexed by ``(n_records, interval)``.

    Each number of records uses its own seed (``seed + n``); the same simulated test sets serve every row.
    """
    if any(int(n) < 2 for n in n_records):
        raise ValueError(f"n_records must all be >= 2 (a cluster bootstrap needs 2 records), got {list(n_records)}")
    tables = {int(n): coverage_study(n_sims, n_boot=n_boot, confidence=confidence, spread=spread, n_records=int(n),
                                     beats_per_record=beats_per_record, seed=seed + int(n), rows=rows)
              for n in n_records}
    return pd.concat(tables, names=["n_records", "interval"])

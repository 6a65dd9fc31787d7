"""Bootstrap intervals for regression errors on a time series: the non-overlapping block bootstrap.

The errors of a forecaster on consecutive hours are correlated (a model that is off at 14:00 is off
at 15:00 too), so resampling single hours treats a few independent stretches as thousands of
independent points and gives intervals that are far too narrow. The *block* bootstrap resamples
whole blocks of consecutive test points (one day of hourly data by default) and keeps the
dependence inside each block (Carlstein 1986; Kuensch 1989 for the moving-block variant). As in
:mod:`fusionlab.stats`, a resample is a weight per unit (here: per block), so thousands of
resamples cost one matrix product, and two models are compared *paired*: both are judged on the
same resample.

=================================  ===========================================================
:func:`bootstrap_error`            one model's MAE or MSE with a percentile interval
:func:`paired_error_bootstrap`     CI and two-sided p-value of ``error(A) - error(B)``
:func:`compare_regressors`         several pairs and metrics as a table, Holm-corrected
=================================  ===========================================================

References
----------
E. Carlstein, "The use of subseries values for estimating the variance of a general statistic from
a stationary sequence", *Annals of Statistics* 14(3), 1986.
H. R. Kuensch, "The jackknife and the bootstrap for general stationary observations", *Annals of
Statistics* 17(3), 1989.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from fusionlab.stats.bootstrap import (
    BootstrapResult,
    adjust_pvalues,
    percentile_interval_and_p,
    resample_weights,
)

ERROR_METRICS = ("mae", "mse")


def _check(y_true, *predictions) -> tuple[np.ndarray, list[np.ndarray]]:
    y = np.asarray(y_true, dtype=np.float64)
    if y.ndim != 1 or len(y) < 2:
        raise ValueError(f"y_true must be a 1-D array of at least 2 values, got shape {y.shape}")
    preds = []
    for k, p in enumerate(predictions):
        p = np.asarray(p, dtype=np.float64)
        if p.shape != y.shape:
            raise ValueError(f"prediction {k} has shape {p.shape}, expected {y.shape} (one value per test point)")
        if not np.isfinite(p).all():
            raise ValueError(f"prediction {k} holds NaN or infinite values")
        preds.append(p)
    return y, preds


def _block_sums(errors: np.ndarray, block: int) -> np.ndarray:
    """Sum of ``errors`` per block of ``block`` consecutive points (the last block may be shorter)."""
    if int(block) < 1:
        raise ValueError(f"block must be a positive number of consecutive points, got {block}")
    starts = np.arange(0, len(errors), int(block))
    if len(starts) < 2:
        raise ValueError(f"block={block} leaves fewer than 2 blocks in {len(errors)} test points; use a smaller block")
    return np.add.reduceat(errors, starts)


def _pointwise(y: np.ndarray, pred: np.ndarray, metric: str) -> np.ndarray:
    if metric == "mae":
        return np.abs(pred - y)
    if metric == "mse":
        return (pred - y) ** 2
    raise ValueError(f"metric must be one of {ERROR_METRICS}, got {metric!r}")


def _draws(y, preds, metric, block, n_boot, seed) -> tuple[np.ndarray, np.ndarray, int]:
    """Resampled errors ``(n_models, n_boot)``, full-sample errors ``(n_models,)`` and the number of blocks."""
    counts = _block_sums(np.ones_like(y), block)
    sums = np.stack([_block_sums(_pointwise(y, p, metric), block) for p in preds])  # (n_models, n_blocks)
    weights = resample_weights(len(counts), n_boot, seed=seed)  # (n_boot, n_blocks)
    draws = (weights @ sums.T).T / (weights @ counts)[None, :]
    return draws, sums.sum(1) / counts.sum(), len(counts)


def bootstrap_error(y_true, y_pred, metric: str = "mae", *, block: int = 24, n_boot: int = 2000,
                    confidence: float = 0.95, seed: int = 0) -> tuple[float, float, float]:
    """``(estimate, ci_low, ci_high)`` of one model's MAE or MSE, resampling blocks of ``block`` points."""
    y, (pred,) = _check(y_true, y_pred)
    draws, full, _ = _draws(y, [pred], metric, block, n_boot, seed)
    alpha = 1 - confidence
    low, high = np.quantile(draws[0], [alpha / 2, 1 - alpha / 2])
    return float(full[0]), float(low), float(high)


def paired_error_bootstrap(y_true, pred_a, pred_b, metric: str = "mae", *, block: int = 24, n_boot: int = 2000,
                           confidence: float = 0.95, seed: int = 0) -> BootstrapResult:
    """Paired block bootstrap of ``error(A) - error(B)`` (negative: A has the smaller error).

    Parameters
    ----------
    y_true, pred_a, pred_b : array, shape (n,)
        Targets and the two models' predictions, in time order.
    metric : {"mae", "mse"}
    block : int
        Consecutive test points per resampling unit (24 = one day of hourly data).
    n_boot : int
    confidence : float
        Level of the percentile interval, in (0, 1).
    seed : int

    Returns
    -------
    BootstrapResult
        ``unit`` is ``"block of <block> points"``; the p-value inverts the percentile interval as in
        :func:`fusionlab.stats.paired_bootstrap`.
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    y, preds = _check(y_true, pred_a, pred_b)
    draws, full, n_blocks = _draws(y, preds, metric, block, n_boot, seed)
    low, high, p_value = percentile_interval_and_p(draws[0] - draws[1], confidence)
    return BootstrapResult(metric, float(full[0] - full[1]), float(low), float(high), float(p_value), float(full[0]),
                           float(full[1]), int(n_boot), int(n_blocks), f"block of {int(block)} points",
                           float(confidence))


def compare_regressors(y_true, predictions: Mapping[str, np.ndarray], pairs: Sequence[tuple[str, str]],
                       metrics: Sequence[str] = ERROR_METRICS, *, block: int = 24, n_boot: int = 2000,
                       confidence: float = 0.95, correction: str = "holm", seed: int = 0) -> pd.DataFrame:
    """Paired block bootstrap for each ``(A, B)`` pair and metric, with corrected p-values.

    Returns
    -------
    DataFrame
        One row per pair and metric: ``a, b, metric, metric_a, metric_b, estimate, ci_low, ci_high,
        p_value, p_adjusted, unit, n_units`` (``estimate = metric(A) - metric(B)``).
    """
    unknown = sorted({m for pair in pairs for m in pair} - set(predictions))
    if unknown:
        raise KeyError(f"pairs name models {unknown} that are not in predictions {sorted(predictions)}")
    rows = []
    for a, b in pairs:
        for metric in metrics:
            r = paired_error_bootstrap(y_true, predictions[a], predictions[b], metric, block=block, n_boot=n_boot,
                                       confidence=confidence, seed=seed)
            rows.append({"a": a, "b": b, "metric": metric, "metric_a": r.metric_a, "metric_b": r.metric_b,
                         "estimate": r.estimate, "ci_low": r.ci_low, "ci_high": r.ci_high, "p_value": r.p_value,
                         "unit": r.unit, "n_units": r.n_units})
    table = pd.DataFrame(rows)
    table.insert(table.columns.get_loc("p_value") + 1, "p_adjusted", adjust_pvalues(table["p_value"], correction))
    return table

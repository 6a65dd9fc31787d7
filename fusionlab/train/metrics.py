"""Classification and regression metrics used by every lesson (thin, documented wrappers over scikit-learn)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn import metrics as skm


def _labels(y_true, y_pred=None) -> tuple[np.ndarray, np.ndarray | None]:
    y_true = np.asarray(y_true)
    if y_true.ndim != 1:
        raise ValueError(f"y_true must be 1-D class indices, got shape {y_true.shape}")
    if y_pred is None:
        return y_true, None
    y_pred = np.asarray(y_pred)
    if y_pred.shape != y_true.shape:
        raise ValueError(f"y_true and y_pred must have the same shape, got {y_true.shape} and {y_pred.shape}")
    return y_true, y_pred


def accuracy(y_true, y_pred) -> float:
    """Fraction of correct predictions."""
    y_true, y_pred = _labels(y_true, y_pred)
    return float(skm.accuracy_score(y_true, y_pred))


def macro_f1(y_true, y_pred, labels: Sequence[int] | None = None) -> float:
    """Unweighted mean of per-class F1 (classes absent from both arrays count as 0 only if listed)."""
    y_true, y_pred = _labels(y_true, y_pred)
    return float(skm.f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0))


def cohen_kappa(y_true, y_pred) -> float:
    """Cohen's kappa: agreement corrected for chance (the usual sleep-staging score)."""
    y_true, y_pred = _labels(y_true, y_pred)
    return float(skm.cohen_kappa_score(y_true, y_pred))


def cross_entropy(y_true, probabilities) -> float:
    """Mean negative log-likelihood of the true class under ``probabilities (n, n_classes)``."""
    y_true, _ = _labels(y_true)
    probabilities = np.asarray(probabilities, dtype=float)
    if probabilities.ndim != 2 or probabilities.shape[0] != len(y_true):
        raise ValueError(f"probabilities must have shape ({len(y_true)}, n_classes), got {probabilities.shape}")
    # float32 softmax outputs sum to 1 only up to rounding: renormalise in float64.
    probabilities = probabilities / probabilities.sum(axis=1, keepdims=True)
    return float(skm.log_loss(y_true, probabilities, labels=np.arange(probabilities.shape[1])))


def confusion_matrix(y_true, y_pred, n_classes: int) -> np.ndarray:
    """Counts ``(n_classes, n_classes)``: rows are true classes, columns predicted classes."""
    y_true, y_pred = _labels(y_true, y_pred)
    return skm.confusion_matrix(y_true, y_pred, labels=np.arange(n_classes))


def classification_metrics(y_true, probabilities) -> dict[str, float]:
    """Accuracy, macro-F1, Cohen's kappa and cross-entropy from class probabilities."""
    probabilities = np.asarray(probabilities, dtype=float)
    y_pred = probabilities.argmax(axis=1)
    n_classes = probabilities.shape[1]
    return {
        "accuracy": accuracy(y_true, y_pred),
        "macro_f1": macro_f1(y_true, y_pred, labels=list(range(n_classes))),
        "kappa": cohen_kappa(y_true, y_pred),
        "cross_entropy": cross_entropy(y_true, probabilities),
    }


def regression_metrics(y_true, y_pred) -> dict[str, float]:
    """Mean absolute error, mean squared error and its root, of ``y_pred (n,)`` against ``y_true (n,)``.

    The errors are on the scale of the arrays given: on standardised targets they are the
    "normalised" MAE/MSE that forecasting papers report (e.g. ETT in Informer and its successors).
    """
    y_true = np.asarray(y_true, dtype=float)
    y_pred = np.asarray(y_pred, dtype=float)
    if y_true.ndim != 1 or y_true.shape != y_pred.shape or len(y_true) == 0:
        raise ValueError(f"y_true and y_pred must be non-empty 1-D arrays of one shape, got {y_true.shape} and "
                         f"{y_pred.shape}")
    mse = float(skm.mean_squared_error(y_true, y_pred))
    return {"mae": float(skm.mean_absolute_error(y_true, y_pred)), "mse": mse, "rmse": float(np.sqrt(mse))}

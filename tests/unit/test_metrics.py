"""Metrics agree with their definitions on cases with known answers."""

from __future__ import annotations

import numpy as np
import pytest

from fusionlab.train import metrics


def test_perfect_predictions():
    y = np.array([0, 1, 2, 1, 0])
    probs = np.eye(3)[y] * 0.98 + 0.01 / 1.5
    scores = metrics.classification_metrics(y, probs)
    assert scores["accuracy"] == 1.0 and scores["macro_f1"] == 1.0 and scores["kappa"] == 1.0
    assert scores["cross_entropy"] < 0.05


def test_uniform_probabilities_give_log_k_loss():
    y = np.array([0, 1, 2, 0])
    assert metrics.cross_entropy(y, np.full((4, 3), 1 / 3)) == pytest.approx(np.log(3))


def test_kappa_is_zero_for_constant_predictions_and_confusion_counts():
    y_true = np.array([0, 0, 1, 1, 2, 2])
    y_pred = np.zeros(6, dtype=int)
    assert metrics.cohen_kappa(y_true, y_pred) == pytest.approx(0.0)
    cm = metrics.confusion_matrix(y_true, y_pred, 3)
    assert cm.tolist() == [[2, 0, 0], [2, 0, 0], [2, 0, 0]]
    assert metrics.macro_f1(y_true, y_pred, labels=[0, 1, 2]) == pytest.approx((2 * 2 / 8) / 3)


def test_bad_shapes():
    with pytest.raises(ValueError, match="same shape"):
        metrics.accuracy([0, 1], [0])
    with pytest.raises(ValueError, match="probabilities must have shape \\(2, n_classes\\)"):
        metrics.cross_entropy([0, 1], np.ones((3, 2)) / 2)

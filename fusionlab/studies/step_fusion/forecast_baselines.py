"""Forecasting baselines that any learned forecaster must beat: persistence and a linear map of the window.

On standardised targets (e.g. :func:`fusionlab.data.ett.make_ett_windows`) their errors are on the
same "normalised" scale as the MAE/MSE tables of the ETT literature.

- :func:`mean_forecast` -- the training mean of the target, for every sample (the floor of any model).
- :func:`last_value_forecast` -- persistence: the last observed value of the target series.
- :func:`fit_linear_forecaster` -- ridge regression on the flattened input window, in the spirit of
  NLinear/DLinear (Zeng et al., "Are Transformers Effective for Time Series Forecasting?", AAAI 2023):
  one linear layer over the lookback window, here over all input series at once and fitted in closed
  form with an L2 penalty (no last-value subtraction or trend/season decomposition).
- :func:`relative_to_last` -- NLinear's normalisation: every input series minus its last value, the
  target as a change from the last observed target value (any model can use it; add ``last`` back).
- :func:`regression_metrics` -- MAE, MSE, RMSE (from :mod:`fusionlab.train.metrics`).
"""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import Ridge
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer

from fusionlab.train.metrics import regression_metrics

__all__ = ["fit_linear_forecaster", "flatten_windows", "last_value_forecast", "mean_forecast", "regression_metrics",
           "relative_to_last"]


def _windows(x, name: str = "x") -> np.ndarray:
    x = np.asarray(x)
    if x.ndim != 3 or x.shape[0] == 0 or x.shape[1] == 0:
        raise ValueError(f"{name} must be non-empty windows (n, window, n_features), got shape {x.shape}")
    return x


def flatten_windows(x) -> np.ndarray:
    """``(n, window, n_features) -> (n, window * n_features)`` (time-major, as ``reshape`` gives)."""
    x = _windows(x)
    return x.reshape(len(x), -1)


def _flat(x) -> np.ndarray:
    """Windows ``(n, window, n_features)`` flattened; already flat ``(n, window * n_features)`` passes through."""
    x = np.asarray(x)
    return x if x.ndim == 2 else flatten_windows(x)


def mean_forecast(y_train, n: int) -> np.ndarray:
    """The mean of the training targets ``y_train (m,)``, repeated ``n`` times: shape ``(n,)``."""
    y_train = np.asarray(y_train, dtype=np.float64)
    if y_train.ndim != 1 or len(y_train) == 0:
        raise ValueError(f"y_train must be a non-empty 1-D array, got shape {y_train.shape}")
    return np.full(int(n), y_train.mean())


def last_value_forecast(x, target_index: int) -> np.ndarray:
    """Persistence: the last input value of series ``target_index`` for each window.

    Parameters
    ----------
    x : array, shape (n, window, n_features)
    target_index : int
        Position of the target among the input features (``EttWindows.target_index``).

    Returns
    -------
    ndarray, shape (n,)
    """
    x = _windows(x)
    if target_index is None or not -x.shape[2] <= int(target_index) < x.shape[2]:
        raise ValueError(f"target_index must index one of the {x.shape[2]} input features, got {target_index!r}")
    return np.asarray(x[:, -1, int(target_index)], dtype=np.float64)


def fit_linear_forecaster(x_train, y_train, *, alpha: float = 1.0) -> Pipeline:
    """Ridge regression of the target on the flattened input window.

    Parameters
    ----------
    x_train : array, shape (n, window, n_features)
    y_train : array, shape (n,)
    alpha : float
        L2 penalty of :class:`sklearn.linear_model.Ridge` (inputs are standardised, so one value fits all).

    Returns
    -------
    sklearn Pipeline
        ``predict(x) -> (m,)`` for windows ``x (m, window, n_features)`` (or the same windows already
        flattened by :func:`flatten_windows`, ``(m, window * n_features)``).
    """
    x_train = _windows(x_train, "x_train")
    y_train = np.asarray(y_train)
    if y_train.shape != (len(x_train),):
        raise ValueError(f"y_train must have shape ({len(x_train)},) to match x_train, got {y_train.shape}")
    model = make_pipeline(FunctionTransformer(_flat), Ridge(alpha=alpha))
    return model.fit(x_train, y_train)


def relative_to_last(x, target_index: int, y=None) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """NLinear's normalisation (Zeng et al. 2023): subtract each window's last values.

    A forecaster trained on ``x_rel`` and ``y_rel`` predicts the *change* of the target; its forecast
    is ``prediction + last``. Predicting 0 is persistence, so a model starts from that baseline and
    the level shift between training and test periods (ETT's test months are colder) no longer has
    to be extrapolated.

    Parameters
    ----------
    x : array, shape (n, window, n_features)
    target_index : int
        Position of the target among the features.
    y : array, shape (n,), optional
        Targets on the same scale as ``x``.

    Returns
    -------
    x_rel : ndarray, shape (n, window, n_features), float32
        ``x - x[:, -1:, :]`` (the last step is all zeros).
    y_rel : ndarray, shape (n,), float32, or None
        ``y - last`` when ``y`` is given.
    last : ndarray, shape (n,), float64
        The last observed target value of each window.
    """
    x = _windows(x)
    last = last_value_forecast(x, target_index)
    x_rel = (x - x[:, -1:, :]).astype(np.float32)
    if y is None:
        return x_rel, None, last
    y = np.asarray(y, dtype=np.float64)
    if y.shape != (len(x),):
        raise ValueError(f"y must have shape ({len(x)},) to match x, got {y.shape}")
    return x_rel, (y - last).astype(np.float32), last

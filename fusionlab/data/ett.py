"""ETT-small (Electricity Transformer Temperature, hourly): loader, Informer splits, forecasting windows.

ETTh1/ETTh2 (Zhou et al., Informer, AAAI 2021) hold two years of hourly readings of one
transformer each: six load series (``HUFL, HULL, MUFL, MULL, LUFL, LULL``: high/middle/low
useful/useless load) and the oil temperature ``OT``, 17,420 rows from 2016-07-01 00:00.
It is the regression benchmark of Step Fusion (Qin et al.).

Task
----
**Multivariate in, OT out** (Informer's "MS" setting): the input of a sample is the ``window`` hours
ending at hour ``t`` of all ``features`` (OT included by default), its target is OT at ``t + horizon``.
Step Fusion does not state its horizon; the default is 1 hour, a parameter here.

Split
-----
Chronological, the Informer convention of 12 / 4 / 4 months of 30 days: *target* rows
``[0, 8640)`` train, ``[8640, 11520)`` validation, ``[11520, 14400)`` test; the last 3,020 rows are
not used. A sample belongs to the split that holds its target row, so the input window of the first
validation (test) samples reaches back into the training (validation) hours, exactly as in Informer's
data loader. Every column is standardised with the mean and standard deviation of the *training
rows* only (:class:`EttScaler`), so no statistic of validation or test hours leaks into the inputs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from fusionlab.data.errors import DataFormatError, MissingChannelError

__all__ = [
    "ETT_COLUMNS", "ETT_FEATURES", "ETT_SPLITS", "ETT_TARGET", "EttScaler", "EttWindows", "ett_path", "ett_splits",
    "load_ett", "make_ett_windows",
]

ETT_FEATURES: tuple[str, ...] = ("HUFL", "HULL", "MUFL", "MULL", "LUFL", "LULL", "OT")
"""The seven series of an ETT file, in file order."""
ETT_TARGET = "OT"
"""The usual forecasting target: oil temperature."""
ETT_COLUMNS: tuple[str, ...] = ("date", *ETT_FEATURES)
"""The columns of ETTh1.csv / ETTh2.csv, in file order."""

_MONTH = 30 * 24  # Informer counts a month as 30 days of hourly rows
ETT_SPLITS: dict[str, tuple[int, int]] = {
    "train": (0, 12 * _MONTH),
    "val": (12 * _MONTH, 16 * _MONTH),
    "test": (16 * _MONTH, 20 * _MONTH),
}
"""Target rows ``[start, stop)`` of each split (Informer: 12 / 4 / 4 months of hourly rows)."""


def ett_path(root: str | Path, name: str = "ETTh1") -> Path:
    """The CSV file of ETT variant ``name`` under ``root``.

    Parameters
    ----------
    root : path
        The folder that holds ``<name>.csv``, or a folder with an ``ett/`` sub-folder that does (such
        as the shared data folder).
    name : str
        ``"ETTh1"``, ``"ETTh2"`` (``".csv"`` may be included).

    Raises
    ------
    FileNotFoundError
        Naming every path tried and the CSV files that are there.
    """
    root = Path(root).expanduser()
    stem = name[:-4] if name.lower().endswith(".csv") else name
    tried = [root / f"{stem}.csv", root / "ett" / f"{stem}.csv"]
    for path in tried:
        if path.is_file():
            return path
    found = sorted(p.name for folder in (root, root / "ett") if folder.is_dir() for p in folder.glob("*.csv"))
    raise FileNotFoundError(
        f"ETT file {stem!r} not found: tried {', '.join(str(p) for p in tried)}; "
        f"CSV files there: {', '.join(found) if found else '(none)'}"
    )


def load_ett(path: str | Path) -> pd.DataFrame:
    """Read and check one ETT-small hourly CSV (ETTh1.csv or ETTh2.csv).

    Parameters
    ----------
    path : path
        The CSV file (see :func:`ett_path`).

    Returns
    -------
    pandas.DataFrame, shape (n_rows, 8)
        Columns :data:`ETT_COLUMNS`: ``date`` (datetime64) and the seven float series; a default
        ``RangeIndex``, so the index of a row is its position (the row indices of :data:`ETT_SPLITS`).

    Raises
    ------
    FileNotFoundError
        The file does not exist.
    MissingChannelError
        A column of :data:`ETT_COLUMNS` is missing (the message lists the columns found).
    DataFormatError
        Empty file, extra columns, unparseable dates, non-numeric or missing values, or dates that
        are not strictly hourly (each message names the file, the expectation and the first offender).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"ETT file not found: {path}")
    try:
        frame = pd.read_csv(path)
    except pd.errors.EmptyDataError:
        raise DataFormatError(f"{path}: empty file; expected a CSV with columns {list(ETT_COLUMNS)}") from None
    missing = [c for c in ETT_COLUMNS if c not in frame.columns]
    if missing:
        raise MissingChannelError(path, missing, frame.columns)
    extra = [c for c in frame.columns if c not in ETT_COLUMNS]
    if extra:
        raise DataFormatError(f"{path}: expected exactly the columns {list(ETT_COLUMNS)}, found extra column(s) {extra}")
    frame = frame[list(ETT_COLUMNS)]
    if frame.empty:
        raise DataFormatError(f"{path}: no data rows; expected hourly rows under the header {list(ETT_COLUMNS)}")
    for column in ETT_COLUMNS:
        na = frame[column].isna().to_numpy()
        if na.any():
            raise DataFormatError(
                f"{path}: column {column!r} has {int(na.sum())} missing value(s), the first at data row "
                f"{int(na.argmax())}; expected no missing values"
            )
    values = {}
    for column in ETT_FEATURES:
        numeric = pd.to_numeric(frame[column], errors="coerce")
        bad = numeric.isna().to_numpy()
        if bad.any():
            row = int(bad.argmax())
            raise DataFormatError(f"{path}: column {column!r} must be numeric; found {frame[column].iloc[row]!r} at "
                                  f"data row {row}")
        values[column] = numeric.to_numpy(dtype=np.float64)
    dates = pd.to_datetime(frame["date"], errors="coerce")
    bad = dates.isna().to_numpy()
    if bad.any():
        row = int(bad.argmax())
        raise DataFormatError(f"{path}: column 'date' must hold dates like '2016-07-01 00:00:00'; found "
                              f"{frame['date'].iloc[row]!r} at data row {row}")
    steps = dates.diff().iloc[1:].to_numpy()
    wrong = steps != np.timedelta64(1, "h")
    if wrong.any():
        row = int(wrong.argmax()) + 1
        raise DataFormatError(
            f"{path}: expected strictly hourly dates (a step of 1 h between rows); data row {row} is "
            f"{dates.iloc[row]} after {dates.iloc[row - 1]} (a step of {pd.Timedelta(steps[row - 1])})"
        )
    return pd.DataFrame({"date": dates.to_numpy(), **values})


def ett_splits(n_rows: int) -> dict[str, tuple[int, int]]:
    """Target rows ``[start, stop)`` of ``"train"``, ``"val"``, ``"test"`` for a file of ``n_rows`` rows.

    The Informer borders (:data:`ETT_SPLITS`); rows from 14400 on are unused.

    Raises
    ------
    ValueError
        If the file is shorter than the 14,400 rows the borders need.
    """
    needed = ETT_SPLITS["test"][1]
    if int(n_rows) < needed:
        raise ValueError(f"the Informer ETT split needs at least {needed} hourly rows (20 months), got {n_rows}")
    return dict(ETT_SPLITS)


@dataclass
class EttScaler:
    """Per-column standardisation ``(value - mean) / std`` with statistics of the rows it was fitted on.

    Fit it on the training rows only (as :func:`make_ett_windows` does). Like scikit-learn's
    ``StandardScaler``, the standard deviation is the population one (``ddof=0``) and a constant
    column gets ``std = 1``.

    Attributes
    ----------
    columns : tuple of str
    mean, std : ndarray, shape (n_columns,)
    target : str
        The column that :meth:`inverse_target` maps back to its units.
    """

    columns: tuple[str, ...] = ()
    mean: np.ndarray | None = None
    std: np.ndarray | None = None
    target: str = ETT_TARGET

    def fit(self, frame: pd.DataFrame, columns: Sequence[str] = ETT_FEATURES) -> EttScaler:
        """Learn the mean and standard deviation of ``columns`` over all rows of ``frame``; returns ``self``."""
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise MissingChannelError("EttScaler.fit(frame)", missing, frame.columns)
        if len(frame) < 2:
            raise ValueError(f"EttScaler.fit needs at least 2 rows, got {len(frame)}")
        values = frame[list(columns)].to_numpy(dtype=np.float64)
        std = values.std(axis=0)
        self.columns, self.mean, self.std = tuple(columns), values.mean(axis=0), np.where(std > 0, std, 1.0)
        return self

    def _check_fitted(self) -> None:
        if self.mean is None or self.std is None:
            raise RuntimeError("EttScaler is not fitted: call fit(train_rows) first")

    def transform(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The standardised ``columns`` of ``frame`` (same index), shape (n_rows, n_columns)."""
        self._check_fitted()
        missing = [c for c in self.columns if c not in frame.columns]
        if missing:
            raise MissingChannelError("EttScaler.transform(frame)", missing, frame.columns)
        values = (frame[list(self.columns)].to_numpy(dtype=np.float64) - self.mean) / self.std
        return pd.DataFrame(values, index=frame.index, columns=list(self.columns))

    def _target_stats(self) -> tuple[float, float]:
        self._check_fitted()
        if self.target not in self.columns:
            raise MissingChannelError("EttScaler (target)", [self.target], self.columns)
        i = self.columns.index(self.target)
        return float(self.mean[i]), float(self.std[i])

    def transform_target(self, values) -> np.ndarray:
        """Standardise target values (e.g. OT in degrees) ``(n,) -> (n,)``."""
        mean, std = self._target_stats()
        return (np.asarray(values, dtype=np.float64) - mean) / std

    def inverse_target(self, values) -> np.ndarray:
        """Map standardised target values (predictions, errors need ``* std`` only) back to their units."""
        mean, std = self._target_stats()
        return np.asarray(values, dtype=np.float64) * std + mean


@dataclass
class EttWindows:
    """Forecasting samples of one split (see :func:`make_ett_windows`).

    Attributes
    ----------
    x : ndarray, shape (n, window, n_features), float32
        Standardised inputs: the ``window`` hours ending at ``rows - horizon``.
    y : ndarray, shape (n,), float32
        Standardised target at ``rows``.
    rows : ndarray, shape (n,), int64
        Row index (in the loaded frame) of each sample's target.
    scaler : EttScaler
        Fitted on the training rows; ``scaler.inverse_target(y)`` gives degrees.
    features : tuple of str
    target : str
    window, horizon : int
    split : str
    """

    x: np.ndarray
    y: np.ndarray
    rows: np.ndarray
    scaler: EttScaler
    features: tuple[str, ...]
    target: str
    window: int
    horizon: int
    split: str

    def __len__(self) -> int:
        return len(self.y)

    @property
    def target_index(self) -> int | None:
        """Position of the target among ``features`` (``None`` when the target is not an input)."""
        return self.features.index(self.target) if self.target in self.features else None

    def to_dataset(self, modality: str = "series"):
        """A regression :class:`~fusionlab.data.batches.MultimodalTensorDataset` with one modality ``(window, n_features)``."""
        import torch

        from fusionlab.data.batches import MultimodalTensorDataset

        return MultimodalTensorDataset({modality: torch.from_numpy(self.x)}, torch.from_numpy(self.y),
                                       task="regression")


def make_ett_windows(
    frame: pd.DataFrame,
    *,
    window: int = 96,
    horizon: int = 1,
    features: Sequence[str] = ETT_FEATURES,
    target: str = ETT_TARGET,
    split: str = "train",
    stride: int = 1,
    scaler: EttScaler | None = None,
) -> EttWindows:
    """Sliding forecasting windows of one chronological split (multivariate in, OT out: Informer's "MS").

    Parameters
    ----------
    frame : DataFrame
        A whole file from :func:`load_ett` (row positions are the split's row indices).
    window : int
        Input length in hours (96, four days, as in Informer and its successors).
    horizon : int
        Hours ahead of the last input hour: the target of the window ending at ``t`` is at ``t + horizon``.
    features : sequence of str
        Input columns (all seven series by default, OT included).
    target : str
        The predicted column.
    split : {"train", "val", "test"}
        Samples whose *target row* lies in :data:`ETT_SPLITS` ``[split]``; inputs may reach back into
        the previous split (Informer's convention). Training targets start at row
        ``window + horizon - 1``, the first one with a complete input window.
    stride : int
        Take every ``stride``-th target row.
    scaler : EttScaler, optional
        Standardisation to use; by default one is fitted on the training rows ``[0, 8640)`` of
        ``features`` and ``target``. Pass the training windows' scaler to the other splits (the
        default gives the same one).

    Returns
    -------
    EttWindows
        ``x (n, window, n_features)`` float32, ``y (n,)`` float32, ``rows (n,)`` and the scaler.
    """
    if window < 1 or horizon < 1 or stride < 1:
        raise ValueError(f"window, horizon and stride must be >= 1, got window={window}, horizon={horizon}, "
                         f"stride={stride}")
    if split not in ETT_SPLITS:
        raise ValueError(f"split must be one of {list(ETT_SPLITS)}, got {split!r}")
    features = tuple(features)
    if not features:
        raise ValueError("features must name at least one column")
    columns = tuple(dict.fromkeys((*features, target)))
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise MissingChannelError("make_ett_windows(frame)", missing, frame.columns)
    start, stop = ett_splits(len(frame))[split]
    if scaler is None:
        train_start, train_stop = ETT_SPLITS["train"]
        scaler = EttScaler(target=target).fit(frame.iloc[train_start:train_stop], columns)
    elif not set(columns) <= set(scaler.columns) or scaler.target != target:
        raise ValueError(f"scaler was fitted on columns {list(scaler.columns)} with target {scaler.target!r}; "
                         f"these windows need columns {list(columns)} with target {target!r}")
    scaled = scaler.transform(frame)
    inputs = scaled[list(features)].to_numpy(dtype=np.float32)
    targets = scaled[target].to_numpy(dtype=np.float32)
    first = max(start, window + horizon - 1)
    rows = np.arange(first, stop, stride, dtype=np.int64)
    if len(rows) == 0:
        raise ValueError(f"split {split!r} (target rows [{start}, {stop})) holds no sample with window={window}, "
                         f"horizon={horizon}")
    ends = rows - horizon + 1  # exclusive end of each input window
    x = np.lib.stride_tricks.sliding_window_view(inputs, window, axis=0)[ends - window]  # (n, F, window)
    return EttWindows(
        x=np.ascontiguousarray(x.transpose(0, 2, 1)), y=targets[rows], rows=rows, scaler=scaler,
        features=features, target=target, window=int(window), horizon=int(horizon), split=split,
    )

"""Class imbalance on the training split: ADASYN (imbalanced-learn) or class weights -- never before the split.

MIT-BIH DS1 is ~90% normal beats. :func:`balance_beats` first caps the majority class by random
under-sampling (so a CPU epoch stays short), then lets ADASYN (He et al. 2008) synthesise minority
beats by interpolating between a beat and its minority-class neighbours, more where the classes
overlap. Views of synthetic beats are computed from the synthetic beat itself.

Resampling *before* the train/test split leaks: synthetic training beats are interpolations of
test beats. :func:`resampling_leak_demo` measures it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from imblearn.over_sampling import ADASYN, SMOTE
from imblearn.under_sampling import RandomUnderSampler
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import train_test_split
from sklearn.utils.class_weight import compute_class_weight

BALANCING = ("adasyn", "class_weight", "none")


def class_weights(labels: np.ndarray, n_classes: int) -> np.ndarray:
    """``n / (n_classes * count)`` per class (scikit-learn's "balanced"), 0 for an absent class."""
    labels = np.asarray(labels)
    present = np.unique(labels)
    weights = np.zeros(n_classes)
    weights[present] = compute_class_weight("balanced", classes=present, y=labels)
    return weights


def balance_beats(x: np.ndarray, y: np.ndarray, *, method: str = "adasyn", max_majority: int | None = None,
                  target: int | None = None, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Resample training beats.

    Parameters
    ----------
    x : ndarray, shape (n, n_features)
        Training beats (e.g. the time view) -- training split only.
    y : ndarray, shape (n,)
    method : {"adasyn", "class_weight", "none"}
        ``"adasyn"`` oversamples every class to ``target``; the other two only cap the majority.
    max_majority : int, optional
        Randomly keep at most this many beats of each class (under-sampling).
    target : int, optional
        Beats per class after ADASYN (default: the largest class after the cap).
    seed : int

    Returns
    -------
    x, y : resampled arrays
    synthetic : ndarray of bool, shape (n_out,)
        ``True`` for beats made by ADASYN.
    """
    if method not in BALANCING:
        raise ValueError(f"balancing method must be one of {BALANCING}, got {method!r}")
    x, y = np.asarray(x), np.asarray(y)
    if max_majority is not None:
        counts = np.bincount(y)
        strategy = {int(c): min(int(n), int(max_majority)) for c, n in enumerate(counts) if n}
        x, y = RandomUnderSampler(sampling_strategy=strategy, random_state=seed).fit_resample(x, y)
    synthetic = np.zeros(len(y), dtype=bool)
    if method != "adasyn":
        return x, y, synthetic
    counts = np.bincount(y)
    goal = int(target or counts.max())
    strategy = {int(c): goal for c, n in enumerate(counts) if 0 < n < goal}
    if not strategy:
        return x, y, synthetic
    smallest = min(counts[c] for c in strategy)
    if smallest < 2:
        raise ValueError(f"ADASYN needs at least 2 training beats of each class, class {int(np.argmin(counts))} has "
                         f"{smallest}")
    k = int(min(5, smallest - 1))
    try:
        xr, yr = ADASYN(sampling_strategy=strategy, n_neighbors=k, random_state=seed).fit_resample(x, y)
    except (RuntimeError, ValueError):
        # ADASYN gives up when a class has no majority neighbours at all; SMOTE interpolates uniformly.
        xr, yr = SMOTE(sampling_strategy=strategy, k_neighbors=k, random_state=seed).fit_resample(x, y)
    synthetic = np.zeros(len(yr), dtype=bool)
    synthetic[len(y):] = True  # imbalanced-learn appends the synthetic samples after the originals
    return xr.astype(x.dtype, copy=False), yr, synthetic


def resampling_leak_demo(x: np.ndarray, y: np.ndarray, *, max_majority: int = 2000, seed: int = 0,
                         test_fraction: float = 0.3) -> pd.DataFrame:
    """Macro-F1 of a gradient-boosted classifier when ADASYN runs before vs after a random split.

    Before: the resampled set (real + synthetic) is split, so test beats have synthetic near-copies
    in training, and synthetic beats are tested. After: only the training split is resampled and the
    test split holds real beats only. The gap is the leak.
    """
    from sklearn.metrics import f1_score

    rng_kw = {"test_size": test_fraction, "random_state": seed}
    model = lambda: HistGradientBoostingClassifier(max_iter=100, random_state=seed)
    xb, yb, _ = balance_beats(x, y, method="none", max_majority=max_majority, seed=seed)
    xa, ya, _ = balance_beats(xb, yb, method="adasyn", seed=seed)
    xtr, xte, ytr, yte = train_test_split(xa, ya, stratify=ya, **rng_kw)
    leaky = f1_score(yte, model().fit(xtr, ytr).predict(xte), average="macro")
    xtr, xte, ytr, yte = train_test_split(xb, yb, stratify=yb, **rng_kw)
    xtr, ytr, _ = balance_beats(xtr, ytr, method="adasyn", seed=seed)
    honest = f1_score(yte, model().fit(xtr, ytr).predict(xte), average="macro")
    return pd.DataFrame({"macro_f1": [leaky, honest]},
                        index=["ADASYN before the split (leaks)", "ADASYN on the training split only"])

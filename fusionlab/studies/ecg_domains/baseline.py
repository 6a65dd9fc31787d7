"""The classical baseline: RR-interval features + downsampled morphology into gradient boosting.

Features per beat (de Chazal et al. 2004 style): ``pre_rr``, ``post_rr``, ``local_rr``, the ratios
``pre_rr / record_rr`` and ``post_rr / pre_rr``, and the median-removed beat decimated to
``n_morphology`` samples. Classifier: scikit-learn's ``HistGradientBoostingClassifier`` with
balanced class weights. Note the deep models of the paper see the beat only, not the RR intervals.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.signal import resample
from sklearn.ensemble import HistGradientBoostingClassifier

from fusionlab.spectral.beat_views import beat_time_view


def baseline_features(windows: np.ndarray, rr: pd.DataFrame, n_morphology: int = 30) -> np.ndarray:
    """``(n_beats, 5 + n_morphology)`` float32 features (RR in seconds, morphology in mV)."""
    time = beat_time_view(windows)
    if len(rr) != len(time):
        raise ValueError(f"rr has {len(rr)} rows but there are {len(time)} beats")
    missing = [c for c in ("pre_rr", "post_rr", "local_rr", "record_rr") if c not in rr]
    if missing:
        raise ValueError(f"rr is missing columns {missing} (see fusionlab.data.mitdb.rr_features)")
    pre, post = rr["pre_rr"].to_numpy(), rr["post_rr"].to_numpy()
    interval = np.stack([pre, post, rr["local_rr"].to_numpy(), pre / rr["record_rr"].to_numpy(), post / pre], 1)
    morphology = resample(time, n_morphology, axis=1)
    return np.concatenate([interval, morphology], axis=1).astype(np.float32)


def gbm_baseline(seed: int = 0, max_iter: int = 200) -> HistGradientBoostingClassifier:
    """Gradient-boosted trees with balanced class weights."""
    return HistGradientBoostingClassifier(max_iter=max_iter, learning_rate=0.1, class_weight="balanced",
                                          random_state=seed)

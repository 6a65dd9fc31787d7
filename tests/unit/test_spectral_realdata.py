"""The spectral code on real recordings: a DREAMS sleep-spindle excerpt (skipped without shared data)."""

from __future__ import annotations

import numpy as np
import pytest

from fusionlab import spectral

pytestmark = pytest.mark.realdata


def _read_column(path):
    """DREAMS text files: a ``[name]`` header line, then numbers (read here with NumPy, not the loaders)."""
    import pandas as pd

    return pd.read_csv(path, skiprows=1, header=None, sep=r"\s+").to_numpy().squeeze()


def test_spindles_raise_sigma_power_in_core_sleep_stft(shared_data):
    folder = shared_data / "dreams-spindles"
    eeg = _read_column(folder / "excerpt1.txt")  # C3-A1, 100 Hz, 30 min, µV
    spindles = np.atleast_2d(_read_column(folder / "Visual_scoring1_excerpt1.txt"))  # onset_s, duration_s
    features = spectral.core_sleep_stft(eeg, 100.0)
    assert features.shape == (60, 29, 128) and np.isfinite(features).all()
    axes = spectral.core_sleep_stft_axes()
    sigma = (axes.freqs >= 11) & (axes.freqs <= 16)
    # frame f of epoch e covers [30 e + f, 30 e + f + 2) s; mark frames holding a spindle's centre
    starts = (30 * np.arange(60)[:, None] + np.arange(29)[None, :]).ravel()
    centres = spindles[:, 0] + spindles[:, 1] / 2
    has_spindle = ((centres[None, :] >= starts[:, None]) & (centres[None, :] < starts[:, None] + 2)).any(axis=1)
    sigma_db = features[..., sigma].mean(axis=-1).ravel()
    assert has_spindle.sum() >= 20
    # spindles are 11-16 Hz bursts: frames holding one are louder in that band than the rest
    assert np.median(sigma_db[has_spindle]) > np.median(sigma_db[~has_spindle]) + 3

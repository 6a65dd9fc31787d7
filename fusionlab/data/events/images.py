"""Event images: the "visual snapshots of EEG event detections" of Hayes & Sun, rendered from the window.

Two renderings of an EEG window as a small RGB image (grey levels copied to 3 channels, values in
[0, 1], fixed scales so that amplitude differences between events survive):

- ``"spectrogram"``: log power (dB) of a short-time Fourier transform, 0-30 Hz, low frequencies at
  the bottom row;
- ``"trace"``: the EEG trace as a clinician's screen shows it, drawn as a min/max envelope per pixel
  column at a fixed sensitivity (µV per half image height).
"""

from __future__ import annotations

import numpy as np
import scipy.signal
import torch
from torch.nn import functional as F

RENDERINGS = ("spectrogram", "trace")


def _check_windows(eeg: np.ndarray, sfreq: float) -> np.ndarray:
    eeg = np.asarray(eeg, dtype=np.float32)
    if eeg.ndim != 2 or eeg.shape[1] < 2:
        raise ValueError(f"eeg must have shape (n_events, n_samples), got {eeg.shape}")
    if not np.isfinite(eeg).all():
        raise ValueError("eeg contains NaN or infinite values")
    if sfreq <= 0:
        raise ValueError(f"sfreq must be positive, got {sfreq}")
    return eeg


def spectrogram_images(eeg: np.ndarray, sfreq: float, *, size: int = 64, fmax: float = 30.0,
                       db_range: tuple[float, float] = (-10.0, 30.0)) -> np.ndarray:
    """Log-power spectrogram images, shape (n_events, 3, size, size), float32 in [0, 1]."""
    eeg = _check_windows(eeg, sfreq)
    nperseg = min(eeg.shape[1], round(sfreq))  # 1-s segments: 1-Hz resolution
    freqs, _, power = scipy.signal.spectrogram(eeg, fs=sfreq, nperseg=nperseg, noverlap=nperseg * 3 // 4, axis=-1)
    keep = freqs <= fmax
    db = 10 * np.log10(power[:, keep] + 1e-6)  # (n, n_freqs, n_frames)
    low, high = db_range
    scaled = np.clip((db - low) / (high - low), 0, 1)[:, ::-1].copy()  # low frequencies at the bottom
    image = F.interpolate(torch.from_numpy(scaled).float()[:, None], size=(size, size), mode="bilinear",
                          align_corners=False)
    return image.expand(-1, 3, -1, -1).contiguous().numpy()


def trace_images(eeg: np.ndarray, sfreq: float, *, size: int = 64, microvolts: float = 100.0) -> np.ndarray:
    """EEG trace images (white envelope on black), shape (n_events, 3, size, size), float32 in {0, 1}."""
    eeg = _check_windows(eeg, sfreq)
    n_samples = eeg.shape[1]
    columns = np.array_split(np.arange(n_samples), size)
    low = np.stack([eeg[:, c].min(axis=1) for c in columns], axis=1)  # (n, size)
    high = np.stack([eeg[:, c].max(axis=1) for c in columns], axis=1)
    top, bottom = (np.clip(np.rint((1 - (v / microvolts + 1) / 2) * (size - 1)), 0, size - 1).astype(int)
                   for v in (high, low))
    rows = np.arange(size)[None, :, None]
    image = ((rows >= top[:, None, :]) & (rows <= bottom[:, None, :])).astype(np.float32)
    return np.repeat(image[:, None], 3, axis=1)


def render_events(eeg: np.ndarray, sfreq: float, *, kind: str = "spectrogram", size: int = 64) -> np.ndarray:
    """Render each EEG window as an image, shape (n_events, 3, size, size); ``kind`` in :data:`RENDERINGS`."""
    if kind == "spectrogram":
        return spectrogram_images(eeg, sfreq, size=size)
    if kind == "trace":
        return trace_images(eeg, sfreq, size=size)
    raise ValueError(f"unknown rendering {kind!r}; choose from {RENDERINGS}")

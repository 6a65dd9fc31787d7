"""Three views of one heartbeat: time (the beat), time-frequency (CWT scalogram), frequency (FFT spectrum).

Each view is a deterministic function of the beat window, so a synthetic beat (ADASYN) gets its
views by the same transform, and the views of a beat set can be cached once
(:func:`fusionlab.cache.cached_features`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import torch

from fusionlab.data.batches import MultimodalTensorDataset
from fusionlab.data.spec import ModalitySpec
from fusionlab.spectral import cwt_scalogram, fft_spectrum

DOMAINS = ("time", "tf", "freq")
DOMAIN_NAMES = {"time": "time (1D-CNN)", "tf": "time-frequency (2D-CNN)", "freq": "frequency (CNN-Transformer)"}


@dataclass(frozen=True)
class ViewSettings:
    """How the three views are computed from a beat sampled at ``sfreq``.

    Attributes
    ----------
    n_scales, fmin, fmax, wavelet : CWT rows (log-spaced frequencies, Hz) and mother wavelet
    time_pool : int
        Average-pool the scalogram's time axis by this factor (smaller images, faster 2D-CNN).
    n_fft : int
        FFT length (zero-padded); ``n_fft // 2 + 1`` bins.
    """

    n_scales: int = 24
    fmin: float = 2.0
    fmax: float = 40.0
    wavelet: str = "morl"
    time_pool: int = 2
    n_fft: int = 128

    def as_dict(self) -> dict:
        return asdict(self)


def beat_time_view(windows: np.ndarray) -> np.ndarray:
    """Beats with their median removed (baseline wander), ``(n, n_leads, T) or (n, T)`` -> ``(n, T)`` float32."""
    x = np.asarray(windows, dtype=np.float32)
    if x.ndim == 3:
        if x.shape[1] != 1:
            raise ValueError(f"the ECG views take one lead, got windows of shape {x.shape} ({x.shape[1]} leads); "
                             "load the beats with leads=('MLII',)")
        x = x[:, 0]
    if x.ndim != 2:
        raise ValueError(f"windows must have shape (n_beats, n_times) or (n_beats, 1, n_times), got {x.shape}")
    return x - np.median(x, axis=1, keepdims=True)


def beat_views(windows: np.ndarray, sfreq: float, settings: ViewSettings = ViewSettings(),
               batch: int = 4096) -> dict[str, np.ndarray]:
    """The three views of every beat.

    Returns
    -------
    dict
        ``"time"``: ``(n, T)``; ``"tf"``: ``(n, n_scales, ceil(T / time_pool))`` log(1 + |CWT|), lowest
        frequency first; ``"freq"``: ``(n, n_fft // 2 + 1)`` log(1 + amplitude spectrum in uV) of the
        Hann-windowed, mean-removed beat. All float32.
    """
    time = beat_time_view(windows)
    tf_parts, freq_parts = [], []
    for start in range(0, len(time), batch):
        chunk = torch.from_numpy(np.ascontiguousarray(time[start:start + batch]))
        scal = cwt_scalogram(chunk, sfreq, wavelet=settings.wavelet, n_scales=settings.n_scales,
                             fmin=settings.fmin, fmax=settings.fmax)
        if settings.time_pool > 1:
            scal = torch.nn.functional.avg_pool1d(scal.reshape(-1, 1, scal.shape[-1]), settings.time_pool,
                                                  ceil_mode=True).reshape(*scal.shape[:-1], -1)
        tf_parts.append(torch.log1p(scal).numpy())
        spec = fft_spectrum(chunk, sfreq, n_fft=settings.n_fft, window="hann", detrend=True)
        freq_parts.append(torch.log1p(1000 * spec).numpy())
    shape_tf = (0, settings.n_scales, -(-time.shape[1] // max(1, settings.time_pool)))
    return {"time": time,
            "tf": np.concatenate(tf_parts).astype(np.float32) if tf_parts else np.zeros(shape_tf, np.float32),
            "freq": np.concatenate(freq_parts).astype(np.float32) if freq_parts
            else np.zeros((0, settings.n_fft // 2 + 1), np.float32)}


def view_specs(views: dict[str, np.ndarray], domains=DOMAINS) -> dict[str, ModalitySpec]:
    """ModalitySpecs of the chosen views (kinds ``signal``, ``image``, ``spectrum``; ``rhythm`` for RR features)."""
    kinds = {"time": "signal", "tf": "image", "freq": "spectrum", "rhythm": "rhythm"}
    unknown = [d for d in domains if d not in kinds]
    if unknown:
        raise ValueError(f"unknown ECG domains {unknown}; choose from {list(kinds)}")
    return {d: ModalitySpec(d, tuple(views[d].shape[1:]), kind=kinds[d]) for d in domains}


@dataclass(frozen=True)
class ViewScaler:
    """One mean and standard deviation per view, fitted on training beats only."""

    mean: dict
    std: dict

    @classmethod
    def fit(cls, views: dict[str, np.ndarray]) -> ViewScaler:
        return cls({k: float(v.mean()) for k, v in views.items()},
                   {k: float(v.std()) or 1.0 for k, v in views.items()})

    def transform(self, views: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        return {k: ((v - self.mean[k]) / self.std[k]).astype(np.float32) for k, v in views.items()}


def views_to_dataset(views: dict[str, np.ndarray], labels: np.ndarray, domains=DOMAINS) -> MultimodalTensorDataset:
    """An in-memory dataset of the chosen views (modality names = domain names)."""
    return MultimodalTensorDataset({d: torch.from_numpy(np.ascontiguousarray(views[d])) for d in domains},
                                   torch.from_numpy(np.asarray(labels, dtype=np.int64)))

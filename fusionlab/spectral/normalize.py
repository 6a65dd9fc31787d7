"""Per-recording z-scoring of spectral features, with the statistics kept for the inverse.

Spectral features of one recording share its electrode impedance, amplifier gain and skull: a
per-recording z-score of each frequency bin (pooling every epoch and frame of that recording)
removes those offsets, as SleepTransformer-style pipelines do, while keeping the differences
between epochs that carry the sleep stage. The statistics are returned so that a figure can be
drawn back in dB, or so that statistics fitted on training recordings can be applied to others.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from fusionlab.spectral._arrays import ArrayLike, from_tensor, to_tensor

STFT_AXES = (-3, -2)  # (..., n_epochs, n_frames, n_freqs): pool epochs and frames, one value per bin
SCALOGRAM_AXES = (-3, -1)  # (..., n_beats, n_scales, n_times): pool beats and time, one value per scale


@dataclass(frozen=True)
class ZScoreStats:
    """Mean and standard deviation of features, broadcastable against them.

    Attributes
    ----------
    mean, std : ndarray or Tensor
        Shaped like the features with the pooled axes kept as size 1 (same kind and device).
    axis : tuple of int
        The pooled axes.
    """

    mean: ArrayLike
    std: ArrayLike
    axis: tuple[int, ...]

    def apply(self, features: ArrayLike) -> ArrayLike:
        """``(features - mean) / std``, e.g. other recordings with training statistics."""
        tensor, was_numpy = to_tensor(features, "features")
        mean, _ = to_tensor(self.mean, "mean")
        std, _ = to_tensor(self.std, "std")
        return from_tensor((tensor - mean.to(tensor)) / std.to(tensor), was_numpy)

    def inverse(self, z: ArrayLike) -> ArrayLike:
        """``z * std + mean``: back to the original units (dB) for plotting."""
        tensor, was_numpy = to_tensor(z, "z")
        mean, _ = to_tensor(self.mean, "mean")
        std, _ = to_tensor(self.std, "std")
        return from_tensor(tensor * std.to(tensor) + mean.to(tensor), was_numpy)


def fit_zscore(features: ArrayLike, *, axis: Sequence[int] = STFT_AXES, eps: float = 1e-8) -> ZScoreStats:
    """Statistics of ``features`` pooled over ``axis`` (population standard deviation, floored at ``eps``).

    Parameters
    ----------
    features : ndarray or Tensor, shape (..., n_epochs, n_frames, n_freqs)
        E.g. one recording's :func:`~fusionlab.spectral.core_sleep_stft` output, or a batch of
        recordings ``(n_recordings, n_epochs, 29, 128)``: each recording gets its own statistics.
    axis : sequence of int
        Axes to pool: ``(-3, -2)`` (epochs and frames; one mean per frequency bin) for STFT and
        log-mel, ``(-3, -1)`` (beats and time; one per scale) for scalograms of shape
        ``(..., n_beats, n_scales, n_times)``.
    """
    tensor, was_numpy = to_tensor(features, "features")
    axis = tuple(int(a) for a in axis)
    for a in axis:
        if not -tensor.ndim <= a < tensor.ndim:
            raise ValueError(f"axis {a} is out of range for features of shape {tuple(tensor.shape)}")
    if eps <= 0:
        raise ValueError(f"eps must be positive (it floors the standard deviation of constant features), got {eps}")
    mean = tensor.mean(dim=axis, keepdim=True)
    std = tensor.std(dim=axis, keepdim=True, correction=0).clamp_min(eps)
    return ZScoreStats(mean=from_tensor(mean, was_numpy), std=from_tensor(std, was_numpy), axis=axis)


def zscore_per_recording(features: ArrayLike, *, axis: Sequence[int] = STFT_AXES,
                         eps: float = 1e-8) -> tuple[ArrayLike, ZScoreStats]:
    """Z-score each recording's features over ``axis`` (see :func:`fit_zscore`).

    Returns
    -------
    z : ndarray or Tensor, same shape, kind and device as ``features``
        Zero mean and unit variance over the pooled axes, per remaining index.
    stats : ZScoreStats
        ``stats.inverse(z)`` gives ``features`` back.
    """
    stats = fit_zscore(features, axis=axis, eps=eps)
    return stats.apply(features), stats


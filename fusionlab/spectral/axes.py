"""Time and frequency axes of a spectral representation, for plotting and for reading values back.

A transform returns a bare array; its companion ``*_axes`` function returns a :class:`SpectralAxes`
that says where each row and column sits in seconds and Hz, and which axis of the array is which.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

LAYOUTS = ("time_freq", "freq_time", "freq")


@dataclass(frozen=True)
class SpectralAxes:
    """Coordinates of a spectral array.

    Attributes
    ----------
    times : ndarray, shape (n_frames,)
        Centre of each time frame in seconds from the start of the input (empty for a spectrum).
    freqs : ndarray, shape (n_freqs,)
        Frequency of each bin in Hz (centre frequency for mel bands and wavelet scales).
    layout : {"time_freq", "freq_time", "freq"}
        Order of the last axes of the array: ``(..., n_frames, n_freqs)`` (STFT and log-mel, the
        token layout of the sequence encoders), ``(..., n_freqs, n_frames)`` (CWT scalogram, the
        image layout of a 2-D CNN) or ``(..., n_freqs)`` (FFT spectrum).
    freq_scale : {"linear", "mel", "log"}
        How the bins are spaced: a matplotlib axis scale that shows them evenly is ``"linear"`` for
        STFT/FFT and ``"log"`` for mel bands and wavelet scales (mel is near-log above 700 Hz).
    value : str
        What the values are, with units, for colour-bar labels.
    """

    times: np.ndarray
    freqs: np.ndarray
    layout: str
    freq_scale: str = "linear"
    value: str = ""

    def __post_init__(self) -> None:
        if self.layout not in LAYOUTS:
            raise ValueError(f"layout must be one of {LAYOUTS}, got {self.layout!r}")

    @property
    def shape(self) -> tuple[int, ...]:
        """The trailing shape of the array these axes describe."""
        if self.layout == "time_freq":
            return (len(self.times), len(self.freqs))
        if self.layout == "freq_time":
            return (len(self.freqs), len(self.times))
        return (len(self.freqs),)

    def as_freq_time(self, values: np.ndarray) -> np.ndarray:
        """Transpose a 2-D ``values`` to ``(n_freqs, n_frames)`` (rows = frequency) for plotting."""
        values = np.asarray(values)
        if values.shape[-len(self.shape):] != self.shape:
            raise ValueError(f"values of shape {values.shape} do not end with these axes' shape {self.shape}")
        return np.swapaxes(values, -1, -2) if self.layout == "time_freq" else values

    def time_edges(self) -> np.ndarray:
        """Cell edges along time (seconds), ``n_frames + 1`` values, for ``pcolormesh``."""
        return _edges(self.times, log=False)

    def freq_edges(self) -> np.ndarray:
        """Cell edges along frequency (Hz), ``n_freqs + 1`` values, for ``pcolormesh``."""
        return _edges(self.freqs, log=self.freq_scale in ("log", "mel"))


def _edges(centres: np.ndarray, *, log: bool) -> np.ndarray:
    centres = np.asarray(centres, dtype=float)
    if centres.size == 0:
        return centres
    if centres.size == 1:
        return np.array([centres[0] - 0.5, centres[0] + 0.5])
    work = np.log(centres) if log and np.all(centres > 0) else centres
    mids = (work[1:] + work[:-1]) / 2
    edges = np.concatenate([[2 * work[0] - mids[0]], mids, [2 * work[-1] - mids[-1]]])
    return np.exp(edges) if work is not centres else edges

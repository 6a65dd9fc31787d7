"""Vectorised building blocks of synthetic physiology: shaped noise, slow envelopes, transient events.

Every generator draws from an explicit :class:`numpy.random.Generator` and works on whole nights
at once (no per-sample Python loop): noise is shaped in the frequency domain with one inverse FFT,
envelopes are built on a 1-Hz grid and interpolated, and transients are added with one
:func:`numpy.add.at` per event type.
"""

from __future__ import annotations

import numpy as np
import scipy.fft

__all__ = [
    "add_transients",
    "band_noise",
    "colored_noise",
    "poisson_times",
    "slow_envelope",
    "to_samples",
]


def colored_noise(rng: np.random.Generator, n: int, sfreq: float, exponent: float = 1.0,
                  f_min: float = 0.3, f_max: float | None = None) -> np.ndarray:
    """Noise with a power spectrum ~ 1/f**exponent between ``f_min`` and ``f_max``, unit std.

    Returns
    -------
    ndarray, shape (n,), float32
    """
    freqs = np.fft.rfftfreq(n, 1 / sfreq)
    gain = np.zeros_like(freqs)
    band = (freqs >= f_min) & (freqs <= (f_max if f_max is not None else sfreq / 2))
    gain[band] = freqs[band] ** (-exponent / 2)
    return _shaped(rng, n, gain)


def band_noise(rng: np.random.Generator, n: int, sfreq: float, f_center: float, bandwidth: float) -> np.ndarray:
    """Narrow-band Gaussian noise (Gaussian spectral peak at ``f_center``, std ``bandwidth`` Hz), unit std.

    Returns
    -------
    ndarray, shape (n,), float32
    """
    freqs = np.fft.rfftfreq(n, 1 / sfreq)
    gain = np.exp(-0.5 * ((freqs - f_center) / bandwidth) ** 2)
    gain[freqs < 0.1] = 0.0
    return _shaped(rng, n, gain)


def _shaped(rng: np.random.Generator, n: int, gain: np.ndarray) -> np.ndarray:
    nonzero = np.flatnonzero(gain > 1e-4)
    spectrum = np.zeros(len(gain), dtype=np.complex64)
    # Independent complex Gaussian coefficients only where the filter passes: cheap for narrow bands.
    noise = rng.standard_normal((2, len(nonzero)), dtype=np.float32)
    coeffs = gain[nonzero].astype(np.float32) * (noise[0] + 1j * noise[1])
    spectrum[nonzero] = coeffs
    # Parseval: the variance of the real signal follows from its one-sided spectrum (no pass over n samples).
    power = np.abs(coeffs) ** 2
    weight = np.where((nonzero == 0) | ((n % 2 == 0) & (nonzero == len(gain) - 1)), 1.0, 2.0)
    std = np.sqrt(float((weight * power).sum())) / n
    out = scipy.fft.irfft(spectrum, n=n)
    return out / np.float32(std) if std > 0 else out


def slow_envelope(rng: np.random.Generator, n_seconds: int, timescale: float, spread: float) -> np.ndarray:
    """A positive, slowly varying factor on a 1-Hz grid: ``exp(spread * smooth noise)``.

    Parameters
    ----------
    n_seconds : int
        Length of the grid.
    timescale : float
        Seconds over which it changes (correlation length).
    spread : float
        Standard deviation of its logarithm.

    Returns
    -------
    ndarray, shape (n_seconds,)
    """
    noise = colored_noise(rng, max(n_seconds, 4), 1.0, exponent=2.0, f_min=1 / (4 * timescale), f_max=1 / timescale)
    return np.exp(spread * noise[:n_seconds]).astype(np.float64)


def to_samples(grid_values: np.ndarray, grid_rate: float, n: int, sfreq: float) -> np.ndarray:
    """Linearly interpolate values on a coarse time grid (``grid_rate`` Hz) to ``n`` samples at ``sfreq``.

    Returns
    -------
    ndarray, shape (n,), float32
    """
    grid_t = (np.arange(len(grid_values)) + 0.5) / grid_rate
    t = np.arange(n, dtype=np.float64) / sfreq
    return np.interp(t, grid_t, grid_values).astype(np.float32)


def poisson_times(rng: np.random.Generator, hypnogram: np.ndarray, rate_per_min: np.ndarray,
                  epoch_len: float) -> np.ndarray:
    """Event times (s) of a Poisson process whose rate depends on the stage of each epoch.

    Parameters
    ----------
    hypnogram : ndarray, shape (n_epochs,)
    rate_per_min : ndarray, shape (5,)
        Events per minute in W, N1, N2, N3, REM.

    Returns
    -------
    ndarray, shape (n_events,), sorted
    """
    counts = rng.poisson(np.asarray(rate_per_min)[hypnogram] * epoch_len / 60)
    starts = np.repeat(np.arange(len(hypnogram)) * epoch_len, counts)
    return np.sort(starts + rng.uniform(0, epoch_len, len(starts)))


def add_transients(signal: np.ndarray, sfreq: float, onsets: np.ndarray, length: float, waveform) -> None:
    """Add one transient per onset to ``signal`` in place.

    Parameters
    ----------
    signal : ndarray, shape (n,)
    onsets : ndarray, shape (n_events,)
        Seconds.
    length : float
        Seconds of signal each transient may touch, from its onset.
    waveform : callable ``(t, index) -> values``
        ``t`` has shape (n_events, L): seconds since each event's onset; ``index`` is
        ``arange(n_events)[:, None]`` so per-event parameters can be indexed. It returns an array
        of the same shape.
    """
    if len(onsets) == 0:
        return
    n_win = int(np.ceil(length * sfreq))
    start = np.floor(np.asarray(onsets) * sfreq).astype(np.int64)
    idx = start[:, None] + np.arange(n_win)[None, :]
    t = idx / sfreq - np.asarray(onsets)[:, None]
    values = waveform(t, np.arange(len(onsets))[:, None])
    inside = (idx >= 0) & (idx < len(signal))
    np.add.at(signal, idx[inside], values[inside].astype(signal.dtype))

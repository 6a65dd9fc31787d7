"""FFT spectra: the input of the frequency-domain encoder (*Rethinking Multimodality*).

One spectrum per signal (beat, epoch, channel), batched over all leading axes, with a scaling
that says what the numbers mean:

``"magnitude"``  ``|X_k|`` as returned by ``rfft`` of the (windowed) signal;
``"amplitude"``  single-sided amplitude: a sine of amplitude ``A`` on bin ``k`` reads ``A``;
``"power"``      single-sided power: the bins sum to the mean square of the (windowed, zero-padded
                 to ``n_fft``) signal (Parseval), so the bin values are each frequency's share of it.
"""

from __future__ import annotations

import numpy as np
import scipy.signal
import torch

from fusionlab.spectral._arrays import ArrayLike, check_length, check_rate, from_tensor, to_tensor
from fusionlab.spectral.axes import SpectralAxes

SCALINGS = ("magnitude", "amplitude", "power")


def fft_spectrum(
    x: ArrayLike,
    fs: float,
    *,
    n_fft: int | None = None,
    window: str | None = None,
    detrend: bool = False,
    scaling: str = "amplitude",
    log: bool = False,
) -> ArrayLike:
    """One-sided FFT spectrum of every signal along the last axis.

    Parameters
    ----------
    x : ndarray or Tensor, shape (..., n_times)
        E.g. ``(n_beats, n_times)`` ECG beats.
    fs : float
        Sampling rate in Hz (only checked here; it sets the axis of :func:`fft_axes`).
    n_fft : int, optional
        FFT length: zero-padding (``> n_times``) interpolates the spectrum, a shorter length crops
        the signal. Default ``n_times``.
    window : str, optional
        A ``scipy.signal.get_window`` name (periodic) applied before the FFT, e.g. ``"hann"`` to
        reduce leakage; ``None`` for none (rectangular). Amplitudes are corrected for the window's
        coherent gain (``sum(w)``), so a sine still reads its amplitude.
    detrend : bool
        Subtract each signal's mean first (removes the DC bin's dominance).
    scaling : {"magnitude", "amplitude", "power"}
        See the module docstring.
    log : bool
        Return ``10 log10`` of the power (``"power"``) or ``20 log10`` of the magnitude/amplitude, in dB.

    Returns
    -------
    ndarray or Tensor, shape (..., n_fft // 2 + 1)
        Bins from 0 to ``fs / 2`` (:func:`fft_axes`). Same kind, dtype and device as ``x``.
    """
    check_rate(fs)
    if scaling not in SCALINGS:
        raise ValueError(f"scaling must be one of {SCALINGS}, got {scaling!r}")
    tensor, was_numpy = to_tensor(x, "x")
    n_times = tensor.shape[-1]
    check_length(n_times, 2, "x", "a spectrum")
    n_fft = n_times if n_fft is None else n_fft
    if isinstance(n_fft, bool) or not isinstance(n_fft, (int, np.integer)) or n_fft < 2:
        raise ValueError(f"n_fft must be an integer >= 2, got {n_fft!r}")
    signal = tensor[..., :n_fft]
    if detrend:
        signal = signal - signal.mean(dim=-1, keepdim=True)
    n_used = signal.shape[-1]
    if window is not None:
        w = torch.as_tensor(scipy.signal.get_window(window, n_used), dtype=tensor.dtype, device=tensor.device)
        signal = signal * w
        gain = float(w.sum())
    else:
        gain = float(n_used)
    spectrum = torch.fft.rfft(signal, n=n_fft)
    if scaling == "magnitude":
        out = spectrum.abs()
    else:
        # Interior bins stand for two (positive and negative) frequencies; DC and Nyquist for one.
        one_sided = torch.full((spectrum.shape[-1],), 2.0, dtype=tensor.dtype, device=tensor.device)
        one_sided[0] = 1.0
        if n_fft % 2 == 0:
            one_sided[-1] = 1.0
        if scaling == "amplitude":
            out = spectrum.abs() * one_sided / gain
        else:
            out = torch.view_as_real(spectrum).square().sum(-1) * one_sided / (n_fft * n_fft)
    if log:
        floor = torch.finfo(out.dtype).tiny
        out = (10 if scaling == "power" else 20) * torch.log10(out.clamp_min(floor))
    return from_tensor(out, was_numpy)


def fft_axes(n_times: int, fs: float, *, n_fft: int | None = None) -> SpectralAxes:
    """Axes of :func:`fft_spectrum`: ``freqs = rfftfreq(n_fft, 1 / fs)`` in Hz, no time axis."""
    fs = check_rate(fs)
    n_fft = n_times if n_fft is None else n_fft
    return SpectralAxes(times=np.zeros(0), freqs=np.fft.rfftfreq(int(n_fft), 1 / fs), layout="freq",
                        freq_scale="linear", value="amplitude")

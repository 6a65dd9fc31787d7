"""Continuous wavelet transform scalograms (PyWavelets), batched over beats and channels.

The time-frequency encoder of *Rethinking Multimodality* reads each ECG beat as a scalogram, the
magnitude of its continuous wavelet transform: a 2-D image with one row per wavelet scale
(frequency) and one column per sample. The mother wavelet and the scales are parameters (the
paper does not name them); Morlet (``"morl"``) with 64 log-spaced frequencies is the default.

**How it is fast and still exactly pywt's.** For signals of a fixed length ``N`` the CWT is a
linear map, so :func:`pywt.cwt` applied once to the ``N`` unit impulses gives its matrix
(``n_scales * N`` x ``N``); a batch of beats is then one matrix product (BLAS on CPU, cuBLAS on
GPU) instead of ``n_beats * n_scales`` convolutions. The matrix is built by pywt itself, so the
result equals ``pywt.cwt`` beat by beat to rounding, whatever the wavelet. For long signals the
matrix would be too big (it grows as ``N**2``), and ``pywt.cwt(method="fft", axis=-1)`` is called
on the whole batch instead.
"""

from __future__ import annotations

import functools

import numpy as np
import pywt
import torch

from fusionlab.spectral._arrays import ArrayLike, check_rate, from_tensor, to_tensor
from fusionlab.spectral.axes import SpectralAxes

OUTPUTS = ("magnitude", "power", "coefficients")
METHODS = ("auto", "matmul", "pywt")
MATMUL_MAX_BYTES = 64 * 2**20  # largest wavelet matrix (per dtype and device) the "auto" method builds
DEFAULT_N_SCALES = 64
DEFAULT_FMIN = 1.0  # Hz


def _wavelet_name(wavelet: str | pywt.ContinuousWavelet) -> str:
    if isinstance(wavelet, pywt.ContinuousWavelet):
        return wavelet.name
    try:
        return pywt.ContinuousWavelet(wavelet).name if isinstance(wavelet, str) else _bad_wavelet(wavelet)
    except ValueError:
        return _bad_wavelet(wavelet)


def _bad_wavelet(wavelet) -> str:
    raise ValueError(
        f"wavelet must name a continuous wavelet of PyWavelets, one of {pywt.wavelist(kind='continuous')} "
        f"(cmor, fbsp and shan take parameters, e.g. 'cmor1.5-1.0'), got {wavelet!r}"
    )


def cwt_scales(
    fs: float,
    *,
    wavelet: str = "morl",
    frequencies: ArrayLike | None = None,
    n_scales: int = DEFAULT_N_SCALES,
    fmin: float = DEFAULT_FMIN,
    fmax: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Wavelet scales for the wanted frequencies (``pywt.frequency2scale``).

    Parameters
    ----------
    fs : float
        Sampling rate in Hz.
    wavelet : str
        PyWavelets continuous wavelet name.
    frequencies : array, shape (n_scales,), optional
        Frequencies in Hz, in the order of the scalogram rows; by default ``n_scales``
        log-spaced frequencies from ``fmin`` to ``fmax`` (``fs / 4``), lowest first.

    Returns
    -------
    scales : ndarray, shape (n_scales,)
    frequencies : ndarray, shape (n_scales,)
        Centre frequency of each scale in Hz (``pywt.scale2frequency(wavelet, scales) * fs``).
    """
    fs = check_rate(fs)
    name = _wavelet_name(wavelet)
    if frequencies is None:
        fmax = fs / 4 if fmax is None else fmax
        if not 0 < fmin < fmax <= fs / 2:
            raise ValueError(f"need 0 < fmin < fmax <= fs/2 = {fs / 2} Hz, got fmin={fmin}, fmax={fmax}")
        if n_scales < 1:
            raise ValueError(f"n_scales must be a positive integer, got {n_scales}")
        frequencies = np.geomspace(fmin, fmax, int(n_scales))
    frequencies = np.atleast_1d(np.asarray(frequencies, dtype=float))
    if frequencies.ndim != 1 or np.any(frequencies <= 0) or np.any(frequencies > fs / 2):
        raise ValueError(f"frequencies must be a 1-D array of values in (0, fs/2 = {fs / 2}] Hz, got {frequencies}")
    scales = pywt.frequency2scale(name, frequencies / fs)
    return np.atleast_1d(scales), np.atleast_1d(pywt.scale2frequency(name, scales) * fs)


@functools.lru_cache(maxsize=8)
def _cwt_matrix(name: str, scales: tuple[float, ...], n_times: int, precision: int) -> np.ndarray:
    """pywt's CWT of the ``n_times`` unit impulses: the matrix ``W`` with ``coefs = x @ W``.

    Shape (n_times, n_scales * n_times); complex for complex wavelets.
    """
    impulses = np.eye(n_times)
    coefs, _ = pywt.cwt(impulses, np.asarray(scales), name, method="fft", axis=-1, precision=precision)
    # coefs[s, j, k]: coefficient at scale s and time k of the impulse at time j.
    return np.ascontiguousarray(coefs.transpose(1, 0, 2).reshape(n_times, -1))


@functools.lru_cache(maxsize=8)
def _cwt_matrix_on(name: str, scales: tuple[float, ...], n_times: int, precision: int,
                   dtype: torch.dtype, device: str) -> torch.Tensor:
    matrix = _cwt_matrix(name, scales, n_times, precision)
    target = {torch.float32: torch.complex64, torch.float64: torch.complex128}[dtype] if np.iscomplexobj(matrix) else dtype
    return torch.from_numpy(matrix).to(device=device, dtype=target)


def cwt_scalogram(
    x: ArrayLike,
    fs: float,
    *,
    wavelet: str = "morl",
    frequencies: ArrayLike | None = None,
    scales: ArrayLike | None = None,
    n_scales: int = DEFAULT_N_SCALES,
    fmin: float = DEFAULT_FMIN,
    fmax: float | None = None,
    output: str = "magnitude",
    method: str = "auto",
    precision: int = 12,
) -> ArrayLike:
    """CWT scalogram of every signal along the last axis (e.g. every ECG beat), as 2-D images.

    Parameters
    ----------
    x : ndarray or Tensor, shape (..., n_times)
        E.g. ``(n_beats, n_times)`` beat windows or ``(n_beats, n_leads, n_times)``.
    fs : float
        Sampling rate in Hz (360 for MIT-BIH).
    wavelet : str
        PyWavelets continuous wavelet: ``"morl"`` (real Morlet, default), ``"cmor1.5-1.0"``
        (complex Morlet: smooth magnitude), ``"mexh"``, ``"gaus1"``, ...
    frequencies, scales : array, shape (n_scales,), optional
        Rows of the scalogram, as frequencies in Hz or as pywt scales (give at most one); by
        default :func:`cwt_scales` with ``n_scales``, ``fmin`` and ``fmax``.
    output : {"magnitude", "power", "coefficients"}
        ``|W|``, ``|W|**2`` or the raw (real or complex) coefficients.
    method : {"auto", "matmul", "pywt"}
        ``"matmul"``: one product with pywt's CWT matrix (module docstring); ``"pywt"``:
        ``pywt.cwt(method="fft")`` on the whole batch (on the CPU); ``"auto"``: matmul when the
        matrix takes at most 64 MiB.
    precision : int
        pywt's wavelet sampling precision (``2**precision`` points).

    Returns
    -------
    ndarray or Tensor, shape (..., n_scales, n_times)
        Image layout: one row per scale in the order of ``frequencies`` (lowest frequency first
        by default), one column per sample. Same kind, device and real dtype as ``x``.
        Coordinates: :func:`cwt_axes`.
    """
    fs = check_rate(fs)
    name = _wavelet_name(wavelet)
    if output not in OUTPUTS:
        raise ValueError(f"output must be one of {OUTPUTS}, got {output!r}")
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    tensor, was_numpy = to_tensor(x, "x")
    scales = _resolve_scales(fs, name, frequencies, scales, n_scales, fmin, fmax)
    n_times = tensor.shape[-1]
    if n_times < 2:
        raise ValueError(f"x is too short: a CWT needs at least 2 samples on its last axis, got {n_times}")
    itemsize = tensor.element_size() * (2 if pywt.ContinuousWavelet(name).complex_cwt else 1)
    if method == "auto":
        method = "matmul" if len(scales) * n_times**2 * itemsize <= MATMUL_MAX_BYTES else "pywt"
    lead = tensor.shape[:-1]
    if method == "matmul":
        matrix = _cwt_matrix_on(name, tuple(float(s) for s in scales), n_times, precision,
                                tensor.dtype, str(tensor.device))
        flat = tensor.reshape(-1, n_times)
        coefs = (flat.to(matrix.dtype) @ matrix).reshape(*lead, len(scales), n_times)
    else:
        array = tensor.detach().cpu().numpy()
        out, _ = pywt.cwt(array, scales, name, method="fft", axis=-1, precision=precision)
        coefs = torch.from_numpy(np.moveaxis(out, 0, -2)).to(tensor.device)
        if not coefs.is_complex():
            coefs = coefs.to(tensor.dtype)
        else:
            coefs = coefs.to(torch.complex64 if tensor.dtype == torch.float32 else torch.complex128)
    if output == "magnitude":
        coefs = coefs.abs()
    elif output == "power":
        coefs = torch.view_as_real(coefs).square().sum(-1) if coefs.is_complex() else coefs.square()
    return from_tensor(coefs, was_numpy)


def _resolve_scales(fs, name, frequencies, scales, n_scales, fmin, fmax) -> np.ndarray:
    if scales is not None:
        if frequencies is not None:
            raise ValueError("give frequencies or scales, not both")
        scales = np.atleast_1d(np.asarray(scales, dtype=float))
        if scales.ndim != 1 or np.any(scales <= 0):
            raise ValueError(f"scales must be a 1-D array of positive numbers, got {scales}")
        return scales
    return cwt_scales(fs, wavelet=name, frequencies=frequencies, n_scales=n_scales, fmin=fmin, fmax=fmax)[0]


def cwt_axes(
    n_times: int,
    fs: float,
    *,
    wavelet: str = "morl",
    frequencies: ArrayLike | None = None,
    scales: ArrayLike | None = None,
    n_scales: int = DEFAULT_N_SCALES,
    fmin: float = DEFAULT_FMIN,
    fmax: float | None = None,
) -> SpectralAxes:
    """Axes of :func:`cwt_scalogram`: sample times ``k / fs`` (s) and each scale's centre frequency (Hz)."""
    fs = check_rate(fs)
    name = _wavelet_name(wavelet)
    scales = _resolve_scales(fs, name, frequencies, scales, n_scales, fmin, fmax)
    freqs = np.atleast_1d(pywt.scale2frequency(name, scales) * fs)
    return SpectralAxes(times=np.arange(n_times) / fs, freqs=freqs, layout="freq_time", freq_scale="log",
                        value="|CWT|")

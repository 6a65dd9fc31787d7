"""Short-time Fourier transform: the generic log-power STFT and the CoRe-Sleep preset.

CoRe-Sleep (Kontras et al., Section II-A) preprocesses EEG and EOG like SleepTransformer and
SeqSleepNet before it: resample to 100 Hz, band-pass FIR ([0.3, 40] Hz for EEG, [0.3, 23] Hz for
EOG), cut 30-s epochs, then an STFT with 2-s Hamming windows, 1-s hop (1-s overlap) and a
256-point FFT. The log-magnitude spectrum has 129 bins from 0 to 50 Hz; like the reference code
of that family we drop the 0-Hz bin (the band-pass is there to remove it), which leaves the paper's
128 features, and each 30-s epoch gives ``T = 29`` frames: a ``29 x 128`` image.

Choices the paper leaves open, taken from the SleepTransformer preprocessing it follows
(``fir1(100, ...)`` + ``filtfilt``, ``spectrogram(x, hamming(200), 100, 256)``, ``20*log10|X|``):
a 101-tap Hamming-window FIR applied forward and backward (zero phase), a symmetric Hamming
window, and log-power in dB (``20 log10 |X| = 10 log10 |X|^2``, no scaling by the window).
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

import numpy as np
import scipy.signal
import torch

from fusionlab.spectral._arrays import (
    ArrayLike,
    check_length,
    check_rate,
    from_tensor,
    numpy_dtype,
    to_tensor,
)
from fusionlab.spectral.axes import SpectralAxes

CORE_SLEEP_FS = 100.0  # Hz: every modality is resampled to this rate
CORE_SLEEP_BANDS: dict[str, tuple[float, float]] = {"eeg": (0.3, 40.0), "eog": (0.3, 23.0)}
CORE_SLEEP_EPOCH_S = 30.0  # seconds per scored epoch
CORE_SLEEP_FIR_TAPS = 101  # fir1(100, ...) in the SleepTransformer/CoRe-Sleep preprocessing
CORE_SLEEP_STFT = {"window_s": 2.0, "hop_s": 1.0, "n_fft": 256, "window": "hamming", "drop_dc": True}
LOG_FLOOR_DB = -200.0  # dB: the log of an all-zero frame, instead of -inf


def _samples(seconds: float, fs: float, name: str) -> int:
    n = round(seconds * fs)
    if n <= 0 or abs(seconds * fs - n) > 1e-6:
        raise ValueError(f"{name}={seconds} s at fs={fs} Hz is not a positive whole number of samples ({seconds * fs})")
    return int(n)


def _window(window: str | ArrayLike, n: int) -> np.ndarray:
    if isinstance(window, str):
        # Symmetric, as MATLAB's hamming(n) in the reference preprocessing (scipy's default is periodic).
        return scipy.signal.get_window(window, n, fftbins=False)
    w = np.asarray(window, dtype=float)
    if w.shape != (n,):
        raise ValueError(f"window must be a name or an array of shape ({n},) (window_s * fs), got shape {w.shape}")
    return w


def resample(x: ArrayLike, fs: float, fs_new: float) -> ArrayLike:
    """Polyphase resampling along the last axis (``scipy.signal.resample_poly``, like MATLAB ``resample``).

    Parameters
    ----------
    x : ndarray or Tensor, shape (..., n_times)
    fs, fs_new : float
        Current and wanted sampling rates in Hz; their ratio is approximated by a fraction with a
        denominator of at most 1000.

    Returns
    -------
    ndarray or Tensor, shape (..., n_times * fs_new / fs)
        Same kind, dtype and device as ``x``. Tensors are resampled on the CPU (a one-off
        preprocessing step) and moved back.
    """
    fs = check_rate(fs, "fs")
    fs_new = check_rate(fs_new, "fs_new")
    tensor, was_numpy = to_tensor(x, "x")
    return from_tensor(_resample(tensor, fs, fs_new), was_numpy)


def _resample(tensor: torch.Tensor, fs: float, fs_new: float) -> torch.Tensor:
    if fs == fs_new:
        return tensor
    ratio = Fraction(fs_new / fs).limit_denominator(1000)
    array = tensor.detach().cpu().numpy()
    out = scipy.signal.resample_poly(array, ratio.numerator, ratio.denominator, axis=-1).astype(array.dtype)
    return torch.from_numpy(out).to(tensor.device)


def design_bandpass_fir(fs: float, l_freq: float, h_freq: float, numtaps: int = CORE_SLEEP_FIR_TAPS) -> np.ndarray:
    """Hamming-window band-pass FIR, ``scipy.signal.firwin`` (MATLAB ``fir1(numtaps - 1, ...)``).

    ``firwin`` puts each cut-off at the -6 dB point of one pass when the transition band fits;
    forward-backward (:func:`zero_phase_fir`) doubles the attenuation in dB. With 101 taps at 100 Hz
    the transition bands are about 3 Hz wide, so the 40-Hz edge is a clean -12 dB point but the
    0.3-Hz edge cannot be: this filter passes DC at -6.6 dB and 1 Hz at -2.6 dB (two passes). It
    is the filter of the reference preprocessing; pass ``numtaps=1001`` for a real 0.3-Hz high-pass
    (notebook 02 plots both).

    Returns
    -------
    ndarray, shape (numtaps,)
    """
    fs = check_rate(fs, "fs")
    if not 0 < l_freq < h_freq < fs / 2:
        raise ValueError(
            f"band-pass edges must satisfy 0 < l_freq < h_freq < fs/2 = {fs / 2} Hz, got l_freq={l_freq}, h_freq={h_freq}"
        )
    if numtaps < 3 or numtaps % 2 == 0:
        raise ValueError(f"numtaps must be an odd integer >= 3 (a type-I linear-phase band-pass), got {numtaps}")
    return scipy.signal.firwin(numtaps, [l_freq, h_freq], pass_zero=False, fs=fs)


def zero_phase_fir(x: ArrayLike, taps: ArrayLike) -> ArrayLike:
    """Apply an FIR forward and backward (zero phase): equal to ``scipy.signal.filtfilt(taps, 1, x)``.

    Forward-backward filtering with ``b`` is one convolution with ``b * reversed(b)``; the signal
    is extended at both ends by an odd reflection, as ``filtfilt`` does, so the output equals
    ``filtfilt``'s to rounding on every sample. The convolution runs by overlap-save FFTs
    (``scipy.fft``, 8192-sample blocks) on the CPU and by one long FFT on other devices.

    Parameters
    ----------
    x : ndarray or Tensor, shape (..., n_times)
    taps : ndarray, shape (numtaps,) or (n_channels, numtaps)
        One filter for every signal, or one per channel, broadcast against ``x[..., :, :]``.

    Returns
    -------
    ndarray or Tensor, shape (..., n_times), same kind, dtype and device as ``x``.
    """
    tensor, was_numpy = to_tensor(x, "x")
    return from_tensor(_zero_phase_fir(tensor, taps), was_numpy)


def _zero_phase_fir(tensor: torch.Tensor, taps: ArrayLike) -> torch.Tensor:
    taps = np.asarray(taps, dtype=float)
    if taps.ndim not in (1, 2) or taps.shape[-1] < 2:
        raise ValueError(f"taps must have shape (numtaps,) or (n_channels, numtaps), got {taps.shape}")
    if taps.ndim == 2 and (tensor.ndim < 2 or tensor.shape[-2] != taps.shape[0]):
        raise ValueError(
            f"taps has one filter per channel ({taps.shape[0]}) but x has shape {tuple(tensor.shape)}: "
            f"expected (..., {taps.shape[0]}, n_times)"
        )
    numtaps = taps.shape[-1]
    edge = numtaps - 1  # samples of odd extension the kernel reaches past each end
    check_length(tensor.shape[-1], edge + 1, "x", f"zero-phase filtering with {numtaps} taps")
    # Forward then backward filtering with b == one pass of the symmetric kernel b * b[::-1].
    kernel = np.stack([np.convolve(t, t[::-1]) for t in taps.reshape(-1, numtaps)])
    kernel = kernel.reshape(taps.shape[:-1] + (2 * numtaps - 1,)).astype(numpy_dtype(tensor))
    kernel = kernel.reshape((1,) * (tensor.ndim - kernel.ndim) + kernel.shape)
    if tensor.device.type == "cpu":
        return torch.from_numpy(_odd_extended_convolve_numpy(tensor.detach().numpy(), kernel, edge))
    # Odd reflection about the end samples, as filtfilt (padtype="odd"); torch has no negative steps.
    head = 2 * tensor[..., :1] - tensor[..., 1 : edge + 1].flip(-1)
    tail = 2 * tensor[..., -1:] - tensor[..., -edge - 1 : -1].flip(-1)
    extended = torch.cat([head, tensor, tail], dim=-1)
    return _fft_convolve_valid(extended, torch.as_tensor(kernel, device=extended.device))


def _odd_extended_convolve_numpy(x: np.ndarray, kernel: np.ndarray, edge: int, block: int = 8192) -> np.ndarray:
    """CPU path: overlap-save FFT convolution of the odd-extended signal, one pass, in cache-sized chunks.

    Parameters
    ----------
    x : ndarray, shape (..., n_times)
    kernel : ndarray, shape (..., n_kernel) broadcastable against ``x``; ``n_kernel = 2 * edge + 1``.

    Returns
    -------
    ndarray, shape (..., n_times): ``out[n] = sum_j kernel[j] * ext[n + 2 edge - j]``.
    """
    import scipy.fft

    n_times, n_kernel = x.shape[-1], kernel.shape[-1]
    n_blocks = -(-n_times // block)
    seg = block + n_kernel - 1  # each output block reads this many extended samples
    n_fft = scipy.fft.next_fast_len(seg, real=True)
    # The odd extension and the zero tail of the last block, written once into one buffer.
    ext = np.zeros(x.shape[:-1] + (n_blocks * block + n_kernel - 1,), dtype=x.dtype)
    ext[..., edge : edge + n_times] = x
    ext[..., :edge] = 2 * x[..., :1] - x[..., edge:0:-1]
    ext[..., edge + n_times : 2 * edge + n_times] = 2 * x[..., -1:] - x[..., -2 : -edge - 2 : -1]
    segments = np.lib.stride_tricks.sliding_window_view(ext, seg, axis=-1)[..., ::block, :]
    kernel_fft = scipy.fft.rfft(kernel, n_fft, axis=-1)[..., None, :]  # broadcast over blocks
    out = np.empty(x.shape[:-1] + (n_blocks * block,), dtype=x.dtype)
    step = 32  # blocks per FFT batch
    for start in range(0, n_blocks, step):
        spectra = scipy.fft.rfft(segments[..., start:start + step, :], n_fft, axis=-1)
        spectra *= kernel_fft
        filtered = scipy.fft.irfft(spectra, n_fft, axis=-1, overwrite_x=True)
        count = filtered.shape[-2]
        target = out[..., start * block:(start + count) * block].reshape(x.shape[:-1] + (count, block))  # a view
        target[...] = filtered[..., n_kernel - 1 : n_kernel - 1 + block]
    return out[..., :n_times]


def _fft_convolve_valid(x: torch.Tensor, kernel: torch.Tensor) -> torch.Tensor:
    """``'valid'`` linear convolution along the last axis by one zero-padded FFT (any device)."""
    import scipy.fft

    n, k = x.shape[-1], kernel.shape[-1]
    size = scipy.fft.next_fast_len(n + k - 1, real=True)
    full = torch.fft.irfft(torch.fft.rfft(x, size) * torch.fft.rfft(kernel, size), size)
    return full[..., k - 1 : n]


def stft_log_power(
    x: ArrayLike,
    fs: float,
    *,
    window_s: float = 2.0,
    hop_s: float = 1.0,
    n_fft: int = 256,
    window: str | ArrayLike = "hamming",
    drop_dc: bool = True,
) -> ArrayLike:
    """Log-power STFT in dB of every signal along the last axis, batched over all leading axes.

    Frames start at samples ``0, hop, 2 hop, ...`` and hold ``window_s * fs`` samples (no centre
    padding: a frame never reaches outside the signal), each multiplied by the window and
    zero-padded to ``n_fft``, exactly as ``scipy.signal.spectrogram`` and MATLAB ``spectrogram``
    frame it. Values are ``10 log10 |X|^2`` in dB with no window scaling, floored at -200 dB.

    Parameters
    ----------
    x : ndarray or Tensor, shape (..., n_times)
        E.g. ``(n_epochs, 3000)`` 30-s epochs at 100 Hz, or ``(batch, n_channels, n_epochs, 3000)``.
    fs : float
        Sampling rate in Hz.
    window_s, hop_s : float
        Window length and hop in seconds; ``window_s * fs`` and ``hop_s * fs`` must be whole samples.
    n_fft : int
        FFT length, at least the window length; gives ``n_fft // 2 + 1`` bins from 0 to ``fs / 2``.
    window : str or array, shape (window_s * fs,)
        A ``scipy.signal.get_window`` name (made symmetric) or the window itself.
    drop_dc : bool
        Drop the 0-Hz bin (CoRe-Sleep keeps 128 of the 129 bins of a 256-point FFT).

    Returns
    -------
    ndarray or Tensor, shape (..., n_frames, n_freqs)
        ``n_frames = 1 + (n_times - window) // hop`` (29 for a 30-s epoch with the defaults),
        ``n_freqs = n_fft // 2 + 1 - drop_dc`` (128). Same kind, dtype and device as ``x``.
        Coordinates: :func:`stft_axes`.
    """
    fs = check_rate(fs)
    tensor, was_numpy = to_tensor(x, "x")
    out = _stft_log_power(tensor, fs, window_s=window_s, hop_s=hop_s, n_fft=n_fft, window=window, drop_dc=drop_dc)
    return from_tensor(out, was_numpy)


def _stft_log_power(tensor: torch.Tensor, fs: float, *, window_s: float, hop_s: float, n_fft: int,
                    window: str | ArrayLike, drop_dc: bool) -> torch.Tensor:
    win = _samples(window_s, fs, "window_s")
    hop = _samples(hop_s, fs, "hop_s")
    if isinstance(n_fft, bool) or not isinstance(n_fft, (int, np.integer)) or n_fft < win:
        raise ValueError(f"n_fft must be an integer >= the window length ({win} samples), got {n_fft!r}")
    check_length(tensor.shape[-1], win, "x", f"an STFT with a {window_s}-s window at {fs} Hz")
    frames_fn = _log_power_frames_numpy if tensor.device.type == "cpu" else _log_power_frames_torch
    return frames_fn(tensor, _window(window, win), hop, n_fft, int(drop_dc))


def _log_power_frames_numpy(tensor: torch.Tensor, window: np.ndarray, hop: int, n_fft: int,
                            first_bin: int) -> torch.Tensor:
    """CPU path: strided frame views, one batched pocketfft ``rfft`` (fastest on one core)."""
    import scipy.fft

    x = tensor.detach().numpy()
    frames = np.lib.stride_tricks.sliding_window_view(x, window.size, axis=-1)[..., ::hop, :]
    lead, n_frames = frames.shape[:-2], frames.shape[-2]
    frames = frames.reshape(-1, n_frames, window.size)  # still a view when x is contiguous
    window = window.astype(x.dtype)
    floor = x.dtype.type(10 ** (LOG_FLOOR_DB / 10))
    out = np.empty((frames.shape[0], n_frames, n_fft // 2 + 1 - first_bin), dtype=x.dtype)
    # Chunks of ~1000 frames keep the windowed frames and their spectra in cache (1.5-2x faster).
    chunk = max(1, 1024 // n_frames)
    padded = np.zeros((chunk, n_frames, n_fft), dtype=x.dtype)  # windowed frames, zero-padded to n_fft
    for start in range(0, frames.shape[0], chunk):
        count = min(chunk, frames.shape[0] - start)
        np.multiply(frames[start:start + count], window, out=padded[:count, :, : window.size])
        spectrum = scipy.fft.rfft(padded[:count], axis=-1)[..., first_bin:]
        power = out[start:start + chunk]
        np.square(spectrum.real, out=power)
        power += np.square(spectrum.imag)
        np.maximum(power, floor, out=power)
        np.log10(power, out=power)
        power *= 10
    return torch.from_numpy(out.reshape(*lead, n_frames, out.shape[-1]))


def _log_power_frames_torch(tensor: torch.Tensor, window: np.ndarray, hop: int, n_fft: int,
                            first_bin: int) -> torch.Tensor:
    """Any-device path: ``unfold`` frames and ``torch.fft.rfft``; same numbers as the CPU path."""
    frames = tensor.unfold(-1, window.size, hop)  # (..., n_frames, win), a view
    w = torch.as_tensor(window, dtype=tensor.dtype, device=tensor.device)
    spectrum = torch.fft.rfft(frames * w, n=n_fft)[..., first_bin:]
    power = spectrum.real.square() + spectrum.imag.square()
    return 10 * torch.log10(power.clamp_min(10 ** (LOG_FLOOR_DB / 10)))


def stft_axes(
    n_times: int,
    fs: float,
    *,
    window_s: float = 2.0,
    hop_s: float = 1.0,
    n_fft: int = 256,
    drop_dc: bool = True,
) -> SpectralAxes:
    """Axes of :func:`stft_log_power` for a signal of ``n_times`` samples.

    ``times`` are frame centres in seconds (1, 2, ..., 29 for a 30-s epoch), the convention of
    ``scipy.signal.spectrogram``; ``freqs`` are ``k * fs / n_fft`` in Hz.
    """
    fs = check_rate(fs)
    win, hop = _samples(window_s, fs, "window_s"), _samples(hop_s, fs, "hop_s")
    check_length(n_times, win, "n_times", f"an STFT with a {window_s}-s window at {fs} Hz")
    n_frames = 1 + (n_times - win) // hop
    freqs = np.arange(int(drop_dc), n_fft // 2 + 1) * fs / n_fft
    times = (np.arange(n_frames) * hop + win / 2) / fs
    return SpectralAxes(times=times, freqs=freqs, layout="time_freq", freq_scale="linear",
                        value="log-power (dB)")


def _bands(modality: str | Sequence[str], band: tuple[float, float] | None) -> list[tuple[float, float]]:
    names = [modality] if isinstance(modality, str) else list(modality)
    if not names:
        raise ValueError("modality must be 'eeg', 'eog' or a sequence of them (one per channel), got an empty sequence")
    if band is not None:
        return [tuple(band)] * len(names)
    unknown = [m for m in names if m not in CORE_SLEEP_BANDS]
    if unknown:
        raise ValueError(
            f"modality {unknown[0]!r} has no CoRe-Sleep band: expected one of {sorted(CORE_SLEEP_BANDS)} "
            f"(or pass band=(l_freq, h_freq))"
        )
    return [CORE_SLEEP_BANDS[m] for m in names]


def core_sleep_preprocess(
    x: ArrayLike,
    fs: float,
    *,
    modality: str | Sequence[str] = "eeg",
    band: tuple[float, float] | None = None,
    numtaps: int = CORE_SLEEP_FIR_TAPS,
) -> ArrayLike:
    """Resample a whole recording to 100 Hz and band-pass it (CoRe-Sleep, Section II-A).

    Parameters
    ----------
    x : ndarray or Tensor, shape (..., n_times) or (..., n_channels, n_times)
        Continuous recording(s) at ``fs``; filter whole recordings, not epochs, so that epoch
        edges carry no filter transients.
    fs : float
        Sampling rate of ``x`` in Hz: at least ``2 * h_freq`` (80 Hz for EEG, 46 Hz for EOG),
        since resampling up cannot create the band the preset keeps.
    modality : "eeg", "eog" or sequence of them
        Picks the band ([0.3, 40] Hz or [0.3, 23] Hz); a sequence gives one band per channel of
        ``x[..., :, :]``, e.g. ``("eeg", "eog")`` for an array of shape ``(2, n_times)``.
    band : (l_freq, h_freq), optional
        Override the band for every channel.
    numtaps : int
        FIR length (101, as the reference preprocessing).

    Returns
    -------
    ndarray or Tensor, shape (..., round(n_times * 100 / fs))
    """
    fs = check_rate(fs)
    tensor, was_numpy = to_tensor(x, "x")
    return from_tensor(_core_sleep_preprocess(tensor, fs, modality, band, numtaps), was_numpy)


def _core_sleep_preprocess(tensor: torch.Tensor, fs: float, modality: str | Sequence[str],
                           band: tuple[float, float] | None, numtaps: int) -> torch.Tensor:
    bands = _bands(modality, band)
    if len(bands) > 1 and (tensor.ndim < 2 or tensor.shape[-2] != len(bands)):
        raise ValueError(
            f"modality names {len(bands)} channels but x has shape {tuple(tensor.shape)}: "
            f"expected (..., {len(bands)}, n_times)"
        )
    top = max(h for _, h in bands)
    if fs < 2 * top:
        raise ValueError(
            f"fs={fs} Hz is too low for the CoRe-Sleep preset: its band reaches {top} Hz, so the "
            f"recording must be sampled at >= {2 * top} Hz (resampling up cannot recover it)"
        )
    tensor = _resample(tensor, fs, CORE_SLEEP_FS)
    taps = np.stack([design_bandpass_fir(CORE_SLEEP_FS, lo, hi, numtaps) for lo, hi in bands])
    return _zero_phase_fir(tensor, taps if len(bands) > 1 else taps[0])


def core_sleep_stft(
    x: ArrayLike,
    fs: float,
    *,
    modality: str | Sequence[str] = "eeg",
    band: tuple[float, float] | None = None,
    epoch_s: float = CORE_SLEEP_EPOCH_S,
    numtaps: int = CORE_SLEEP_FIR_TAPS,
) -> ArrayLike:
    """CoRe-Sleep input of a whole recording: 30-s epochs of 29 x 128 log-power STFT frames.

    Resample to 100 Hz and band-pass (:func:`core_sleep_preprocess`), cut consecutive
    non-overlapping epochs from sample 0 (a trailing partial epoch is dropped), then
    :func:`stft_log_power` with 2-s Hamming windows, 1-s hop and a 256-point FFT, without the 0-Hz bin.

    Parameters
    ----------
    x : ndarray or Tensor, shape (..., n_times) or (..., n_channels, n_times)
        Whole recording(s) at ``fs``; see :func:`core_sleep_preprocess` for ``modality``/``band``.
    fs : float
        Sampling rate of ``x`` in Hz (>= 80 Hz for EEG, >= 46 Hz for EOG).
    epoch_s : float
        Epoch length in seconds (30).

    Returns
    -------
    ndarray or Tensor, shape (..., n_epochs, 29, 128)
        Log-power in dB; epoch ``e`` covers seconds ``[30 e, 30 (e + 1))`` of the recording.
        Same kind, dtype and device as ``x``. Coordinates: :func:`core_sleep_stft_axes`.
    """
    fs = check_rate(fs)
    tensor, was_numpy = to_tensor(x, "x")
    epoch = _samples(epoch_s, CORE_SLEEP_FS, "epoch_s")
    n_out = round(tensor.shape[-1] * CORE_SLEEP_FS / fs)
    check_length(n_out, epoch, "x", f"one {epoch_s}-s epoch at {CORE_SLEEP_FS:g} Hz after resampling")
    filtered = _core_sleep_preprocess(tensor, fs, modality, band, numtaps)
    n_epochs = filtered.shape[-1] // epoch
    epochs = filtered[..., : n_epochs * epoch].reshape(*filtered.shape[:-1], n_epochs, epoch)  # a view
    return from_tensor(_stft_log_power(epochs, CORE_SLEEP_FS, **CORE_SLEEP_STFT), was_numpy)


def core_sleep_stft_axes(epoch_s: float = CORE_SLEEP_EPOCH_S) -> SpectralAxes:
    """Axes of one epoch of :func:`core_sleep_stft`: 29 frame centres (1..29 s) x 128 bins (0.39..50 Hz)."""
    kwargs = {k: v for k, v in CORE_SLEEP_STFT.items() if k != "window"}
    return stft_axes(_samples(epoch_s, CORE_SLEEP_FS, "epoch_s"), CORE_SLEEP_FS, **kwargs)

"""Log-mel spectrograms in the layout of an audio spectrogram transformer (AST / Distil-AST).

Hayes & Sun feed EEG to Distil-AST, an audio transformer whose input is the log-mel filter bank
of :class:`transformers.ASTFeatureExtractor`: 16 kHz audio, 25-ms Hann frames (400 samples)
every 10 ms (160 samples), a 512-point FFT, 128 Kaldi-mel bands from 20 Hz to 8 kHz, natural
log, padded or cut to 1024 frames and normalised with the AudioSet mean and standard deviation.

**How a 100 Hz EEG epoch becomes "audio".** The extractor only accepts 16 kHz input (it raises
on any other ``sampling_rate``), so the EEG samples have to be *presented* as 16 kHz samples.
Two mappings are possible:

- Resample the EEG to 16 kHz in real time (``upsample = 160`` at 100 Hz). Physically honest,
  but useless: EEG (0-50 Hz) lands below the first mel band (20 Hz) and in the lowest FFT bin
  (31 Hz wide), and a 30-s epoch gives 2998 frames, of which the extractor keeps the first
  1024 (10.24 s).
- **Time-stretch (the default, ``upsample = 1``)**: hand the EEG samples over unchanged and call
  them 16 kHz audio. Time runs 160x faster and every frequency is multiplied by
  ``stretch = 16000 / (fs * upsample)``: EEG 0-50 Hz fills the extractor's whole 0-8 kHz mel range,
  the mel warping (linear below 700 Hz audio = 4.4 Hz EEG, logarithmic above) spends 34 of
  the 128 bands below 4.4 Hz and spreads the rest over theta to beta. Those low bands are
  narrower than the FFT bins (0.195 Hz of EEG), so neighbours repeat the same bin and one catches
  none. The price is time resolution: a frame is 400 EEG samples (4 s) with a 1.6-s hop, so a
  30-s epoch gives 17 frames (the rest of the 1024 are padding, as for any short audio clip).

``upsample = k`` (an integer, polyphase) sits between the two: frames of ``4/k`` s every
``1.6/k`` s, and EEG 0-50 Hz maps to 0-8/k kHz, leaving the mel bands above that empty. Notebook
02 shows the trade-off. Amplitude units matter too: the log is taken of the power, so µV-scale
EEG sits far above the float32 floor (Kaldi's ``mel_floor`` 1.19e-7), whereas volts would be
clipped to it. Pass EEG in µV.
"""

from __future__ import annotations

import functools
import warnings

import numpy as np
import scipy.signal
import torch

from fusionlab.spectral._arrays import ArrayLike, check_length, check_rate, from_tensor, to_tensor
from fusionlab.spectral.axes import SpectralAxes

AST_SAMPLING_RATE = 16000  # Hz: the only rate ASTFeatureExtractor accepts
FRAME_LENGTH = 400  # 25 ms at 16 kHz (Kaldi default)
HOP_LENGTH = 160  # 10 ms at 16 kHz
FFT_LENGTH = 512
PREEMPHASIS = 0.97
MEL_FLOOR = 1.192092955078125e-07  # float32 eps, Kaldi's floor before the log
MIN_MEL_HZ = 20.0


@functools.lru_cache(maxsize=1)
def ast_feature_extractor():
    """The ``transformers.ASTFeatureExtractor`` with its default (AudioSet) configuration.

    Built from its constructor defaults, so it needs no download and works offline; these are the
    settings of the published AST and Distil-AST checkpoints (16 kHz, 128 mel bins, 1024 frames,
    AudioSet mean -4.2677 and std 4.5690).
    """
    from transformers import ASTFeatureExtractor

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "a mel filter has all zero values": see ast_mel_filterbank
        return ASTFeatureExtractor()


def _mel_filters(extractor) -> np.ndarray:
    """The extractor's mel filter bank, shape (257, num_mel_bins) (its own attribute when it has one)."""
    filters = getattr(extractor, "mel_filters", None)
    if filters is not None:
        return np.asarray(filters)
    from transformers.audio_utils import mel_filter_bank

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return mel_filter_bank(num_frequency_bins=FFT_LENGTH // 2 + 1, num_mel_filters=extractor.num_mel_bins,
                               min_frequency=MIN_MEL_HZ, max_frequency=extractor.sampling_rate // 2,
                               sampling_rate=extractor.sampling_rate, norm=None, mel_scale="kaldi",
                               triangularize_in_mel_space=True)


def _check_upsample(upsample: int) -> int:
    if isinstance(upsample, bool) or not isinstance(upsample, (int, np.integer)) or upsample < 1:
        raise ValueError(f"upsample must be a positive integer (1 = present the samples unchanged), got {upsample!r}")
    return int(upsample)


def ast_stretch(fs: float, upsample: int = 1) -> float:
    """Factor by which frequencies grow (and time shrinks) when ``fs``-Hz samples, upsampled
    ``upsample`` times, are presented as 16 kHz audio: ``16000 / (fs * upsample)`` (160 at 100 Hz)."""
    return AST_SAMPLING_RATE / (check_rate(fs) * _check_upsample(upsample))


def ast_n_frames(n_times: int, upsample: int = 1) -> int:
    """Frames the extractor computes (before padding to ``max_length``) for ``n_times`` samples."""
    n = n_times * _check_upsample(upsample)
    return 0 if n < FRAME_LENGTH else 1 + (n - FRAME_LENGTH) // HOP_LENGTH


def eeg_to_ast_waveform(x: ArrayLike, fs: float, *, upsample: int = 1) -> ArrayLike:
    """The "audio" handed to the extractor: ``x`` upsampled ``upsample`` times (polyphase), then
    read as 16 kHz samples. With ``upsample=1`` this is ``x`` itself (the time-stretch mapping).

    Returns
    -------
    ndarray or Tensor, shape (..., n_times * upsample)
    """
    check_rate(fs)
    upsample = _check_upsample(upsample)
    tensor, was_numpy = to_tensor(x, "x")
    if upsample == 1:
        return x
    array = tensor.detach().cpu().numpy()
    out = scipy.signal.resample_poly(array, upsample, 1, axis=-1).astype(array.dtype)
    return out if was_numpy else torch.from_numpy(out).to(tensor.device)


def ast_log_mel(
    x: ArrayLike,
    fs: float,
    *,
    upsample: int = 1,
    pad: bool = True,
    normalize: bool = True,
    backend: str = "torch",
    extractor=None,
) -> ArrayLike:
    """Log-mel filter-bank features of each signal along the last axis, as AST expects them.

    Parameters
    ----------
    x : ndarray or Tensor, shape (..., n_times)
        EEG at ``fs`` in µV, e.g. ``(n_epochs, 3000)`` 30-s epochs at 100 Hz.
    fs : float
        Sampling rate of ``x`` in Hz; with ``upsample`` it fixes the mapping to 16 kHz audio (module
        docstring): frequencies are multiplied by :func:`ast_stretch` ``= 16000 / (fs * upsample)``.
    upsample : int
        Integer upsampling before the samples are read as 16 kHz audio (1: pure time-stretch).
    pad : bool
        Pad with zeros (before normalisation, as the extractor does) or cut to the extractor's
        ``max_length`` (1024) frames; ``False`` returns only the computed frames.
    normalize : bool
        Apply the extractor's AudioSet normalisation ``(v - mean) / (2 std)``.
    backend : {"torch", "extractor"}
        ``"torch"``: a vectorised re-implementation (all signals at once, on ``x``'s device) of the
        extractor's NumPy path, checked against it in the tests; ``"extractor"``: call the real
        ``ASTFeatureExtractor`` signal by signal (the reference; slow).
    extractor : ASTFeatureExtractor, optional
        Settings to follow (default :func:`ast_feature_extractor`).

    Returns
    -------
    ndarray or Tensor, shape (..., max_length, num_mel_bins) = (..., 1024, 128)
        Time along the second-last axis, as ``input_values`` of the AST models (one row per 10-ms
        audio frame = ``1.6 / upsample`` s of 100 Hz EEG). With ``pad=False`` the second-last axis
        has :func:`ast_n_frames` rows. Same kind and device as ``x``; float32 like the extractor's
        output unless ``x`` is float64. Coordinates: :func:`ast_log_mel_axes`.
    """
    fs = check_rate(fs)
    upsample = _check_upsample(upsample)
    extractor = extractor if extractor is not None else ast_feature_extractor()
    tensor, was_numpy = to_tensor(x, "x")
    check_length(tensor.shape[-1] * upsample, FRAME_LENGTH, "x",
                 f"one {FRAME_LENGTH}-sample AST frame (with upsample={upsample}: "
                 f"{-(-FRAME_LENGTH // upsample)} samples = {FRAME_LENGTH / upsample / fs:g} s at {fs:g} Hz)")
    waveform = eeg_to_ast_waveform(tensor, fs, upsample=upsample)
    out_dtype = torch.float64 if tensor.dtype == torch.float64 else torch.float32
    if backend == "extractor":
        if not pad or normalize != extractor.do_normalize:
            raise ValueError(
                f"backend='extractor' returns exactly what ASTFeatureExtractor.__call__ gives: it needs "
                f"pad=True and normalize={extractor.do_normalize}, got pad={pad}, normalize={normalize}"
            )
        out = _log_mel_extractor(waveform, extractor).to(waveform.device)
        return from_tensor(out.to(out_dtype), was_numpy)
    if backend != "torch":
        raise ValueError(f"backend must be 'torch' or 'extractor', got {backend!r}")
    out = _log_mel_torch(waveform, extractor)
    # Normalise and cast before padding: the padded array is mostly padding (17 of 1024 rows for a
    # 30-s epoch), so it is filled with the normalised value of the extractor's zero padding.
    fill = 0.0
    if normalize:
        out = (out - extractor.mean) / (extractor.std * 2)
        fill = (0.0 - extractor.mean) / (extractor.std * 2)
    out = out.to(out_dtype)
    if pad:
        n_frames, max_length = out.shape[-2], extractor.max_length
        if n_frames >= max_length:
            out = out[..., :max_length, :]
        else:
            out = torch.nn.functional.pad(out, (0, 0, 0, max_length - n_frames), value=fill)
    return from_tensor(out, was_numpy)


def _log_mel_torch(waveform: torch.Tensor, extractor) -> torch.Tensor:
    """Kaldi-style fbank, vectorised: the steps of ``transformers.audio_utils.spectrogram``."""
    # The extractor casts the audio to float32, then computes in float64; do the same.
    work = waveform.to(torch.float32).to(torch.float64)
    frames = work.unfold(-1, FRAME_LENGTH, HOP_LENGTH)  # (..., n_frames, 400)
    frames = frames - frames.mean(dim=-1, keepdim=True)  # remove_dc_offset
    frames = torch.cat([frames[..., :1] * (1 - PREEMPHASIS),
                        frames[..., 1:] - PREEMPHASIS * frames[..., :-1]], dim=-1)
    window = torch.hann_window(FRAME_LENGTH, periodic=False, dtype=torch.float64, device=work.device)
    spectrum = torch.fft.rfft(frames * window, n=FFT_LENGTH)
    power = torch.view_as_real(spectrum).square().sum(-1)  # (..., n_frames, 257)
    filters = torch.as_tensor(_mel_filters(extractor), dtype=torch.float64, device=work.device)
    return torch.log((power @ filters).clamp_min(MEL_FLOOR))


def _log_mel_extractor(waveform: torch.Tensor, extractor) -> torch.Tensor:
    """The real extractor's public call on every signal (it loops over them itself)."""
    lead, n = waveform.shape[:-1], waveform.shape[-1]
    signals = list(waveform.detach().cpu().reshape(-1, n).numpy().astype(np.float32))
    features = extractor(signals, sampling_rate=extractor.sampling_rate, return_tensors="np")["input_values"]
    features = np.asarray(features, dtype=np.float64)
    return torch.from_numpy(features).reshape(*lead, *features.shape[-2:])


def ast_mel_filterbank(fs: float, *, upsample: int = 1, extractor=None) -> tuple[np.ndarray, np.ndarray]:
    """The extractor's mel filters on the EEG frequency axis.

    Returns
    -------
    fft_freqs : ndarray, shape (257,)
        Frequency of each 512-point FFT bin in EEG Hz (audio Hz / :func:`ast_stretch`).
    filters : ndarray, shape (257, num_mel_bins)
        Triangular Kaldi-mel weights. At 16 kHz the lowest bands are narrower than one FFT bin
        (31.25 Hz), so some of them are all zero and always hold the floor value.
    """
    extractor = extractor if extractor is not None else ast_feature_extractor()
    stretch = ast_stretch(fs, upsample)
    fft_freqs = np.arange(FFT_LENGTH // 2 + 1) * extractor.sampling_rate / FFT_LENGTH / stretch
    return fft_freqs, _mel_filters(extractor)


def ast_mel_centres_hz(extractor=None) -> np.ndarray:
    """Centre frequencies (audio Hz) of the extractor's mel bands, shape (num_mel_bins,)."""
    extractor = extractor if extractor is not None else ast_feature_extractor()
    edges = np.linspace(hz_to_mel(MIN_MEL_HZ), hz_to_mel(extractor.sampling_rate / 2), extractor.num_mel_bins + 2)
    return mel_to_hz(edges[1:-1])


def hz_to_mel(freq: ArrayLike) -> np.ndarray:
    """Kaldi's mel scale (the extractor's): ``1127 ln(1 + f / 700)``."""
    return 1127.0 * np.log1p(np.asarray(freq, dtype=float) / 700.0)


def mel_to_hz(mel: ArrayLike) -> np.ndarray:
    """Inverse of :func:`hz_to_mel`."""
    return 700.0 * np.expm1(np.asarray(mel, dtype=float) / 1127.0)


def ast_log_mel_axes(n_times: int, fs: float, *, upsample: int = 1, pad: bool = True,
                     extractor=None) -> SpectralAxes:
    """Axes of :func:`ast_log_mel` in EEG units.

    ``times``: centre of each frame in seconds of the original signal (``(160 i + 200) / (fs * upsample)``);
    with ``pad=True`` the grid continues over the padding rows (only the first
    :func:`ast_n_frames` rows hold signal). ``freqs``: mel band centres divided by :func:`ast_stretch`.
    """
    extractor = extractor if extractor is not None else ast_feature_extractor()
    fs = check_rate(fs)
    upsample = _check_upsample(upsample)
    n_frames = extractor.max_length if pad else ast_n_frames(n_times, upsample)
    times = (np.arange(n_frames) * HOP_LENGTH + FRAME_LENGTH / 2) / (fs * upsample)
    freqs = ast_mel_centres_hz(extractor) / ast_stretch(fs, upsample)
    return SpectralAxes(times=times, freqs=freqs, layout="time_freq", freq_scale="mel", value="log-mel")

"""CoRe-Sleep STFT and its pieces: shapes, axes, agreement with scipy, energy, sines, batching, bad input."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.signal
import torch

from fusionlab import spectral

FS = 100.0
EPOCH = 3000


def _noise(shape, seed=0, scale=30.0):
    return np.random.default_rng(seed).standard_normal(shape) * scale


def _scipy_epoch_stft(epochs: np.ndarray) -> np.ndarray:
    """Reference: scipy.signal.spectrogram with CoRe-Sleep's settings, unscaled, dB, DC dropped."""
    window = scipy.signal.windows.hamming(200, sym=True)
    _, _, mag = scipy.signal.spectrogram(epochs, FS, window=window, nperseg=200, noverlap=100, nfft=256,
                                         detrend=False, scaling="spectrum", mode="magnitude")
    return np.swapaxes(20 * np.log10(mag * window.sum()), -1, -2)[..., 1:]


def test_core_sleep_stft_shape_and_axes():
    x = _noise((2, 3 * EPOCH + 1234))  # EEG and EOG, three epochs and a partial one
    out = spectral.core_sleep_stft(x, FS, modality=("eeg", "eog"))
    assert out.shape == (2, 3, 29, 128)
    axes = spectral.core_sleep_stft_axes()
    assert axes.shape == (29, 128) and axes.layout == "time_freq"
    np.testing.assert_allclose(axes.times, np.arange(1, 30))
    np.testing.assert_allclose(axes.freqs, np.arange(1, 129) * 100 / 256)
    assert axes.freqs[-1] == 50.0


def test_stft_axes_match_scipy():
    window = scipy.signal.windows.hamming(200, sym=True)
    f, t, _ = scipy.signal.spectrogram(np.zeros(EPOCH), FS, window=window, nperseg=200, noverlap=100, nfft=256)
    axes = spectral.stft_axes(EPOCH, FS)
    np.testing.assert_allclose(axes.times, t)
    np.testing.assert_allclose(axes.freqs, f[1:])


def test_stft_matches_scipy_spectrogram():
    epochs = _noise((4, 2, EPOCH), seed=1)
    ours = spectral.stft_log_power(epochs, FS)
    np.testing.assert_allclose(ours, _scipy_epoch_stft(epochs), atol=1e-8)


def test_pipeline_matches_straightforward_scipy():
    """Resample (200 -> 100 Hz), filtfilt a 101-tap FIR, then per-epoch spectrogram: all in scipy."""
    fs = 200.0
    x = _noise((3 * EPOCH * 2 + 500,), seed=2)
    ours = spectral.core_sleep_stft(x, fs, modality="eog")
    resampled = scipy.signal.resample_poly(x, 1, 2)
    taps = scipy.signal.firwin(101, [0.3, 23.0], pass_zero=False, fs=FS)
    filtered = scipy.signal.filtfilt(taps, 1.0, resampled)
    epochs = filtered[: 3 * EPOCH].reshape(3, EPOCH)
    np.testing.assert_allclose(ours, _scipy_epoch_stft(epochs), atol=1e-6)


def test_zero_phase_fir_equals_filtfilt_per_channel():
    x = _noise((3, 2, 5000), seed=3)
    taps = np.stack([spectral.design_bandpass_fir(FS, lo, hi) for lo, hi in spectral.CORE_SLEEP_BANDS.values()])
    ours = spectral.zero_phase_fir(x, taps)
    for c in range(2):
        np.testing.assert_allclose(ours[:, c], scipy.signal.filtfilt(taps[c], 1.0, x[:, c]), atol=1e-10)


def test_zero_phase_fir_fft_path_matches_cpu_path():
    """The FFT convolution used off the CPU gives the same result as scipy's overlap-add."""
    from fusionlab.spectral.stft import _fft_convolve_valid

    x = torch.from_numpy(_noise((2, 4000), seed=4))
    kernel = torch.from_numpy(np.hanning(201))
    ref = scipy.signal.oaconvolve(x.numpy(), kernel.numpy()[None], mode="valid", axes=-1)
    np.testing.assert_allclose(_fft_convolve_valid(x, kernel).numpy(), ref, atol=1e-9)


@pytest.mark.parametrize("freq", [2.0, 10.0, 12.5, 13.7, 30.0])
def test_sine_lands_in_its_bin(freq):
    t = np.arange(EPOCH) / FS
    out = spectral.stft_log_power(np.sin(2 * np.pi * freq * t), FS)
    axes = spectral.stft_axes(EPOCH, FS)
    peaks = axes.freqs[out.argmax(axis=-1)]  # one peak per frame
    assert np.all(np.abs(peaks - freq) <= 0.5 * FS / 256)


def test_parseval_per_frame():
    """Sum of |X_k|^2 over the two-sided spectrum = n_fft * energy of the windowed frame."""
    x = _noise((EPOCH,), seed=5)
    power = 10 ** (spectral.stft_log_power(x, FS, drop_dc=False) / 10)  # (29, 129)
    two_sided = power[:, 0] + power[:, -1] + 2 * power[:, 1:-1].sum(axis=1)
    window = scipy.signal.windows.hamming(200, sym=True)
    frames = np.lib.stride_tricks.sliding_window_view(x, 200)[::100][:29]
    np.testing.assert_allclose(two_sided, 256 * ((frames * window) ** 2).sum(axis=1), rtol=1e-10)


def test_batched_equals_looped_and_torch_equals_numpy():
    x = _noise((2, 3, 2 * EPOCH), seed=6)
    batched = spectral.core_sleep_stft(x, FS)
    looped = np.stack([[spectral.core_sleep_stft(x[i, j], FS) for j in range(3)] for i in range(2)])
    np.testing.assert_allclose(batched, looped, atol=1e-10)
    as_torch = spectral.core_sleep_stft(torch.from_numpy(x), FS)
    assert isinstance(as_torch, torch.Tensor) and as_torch.dtype == torch.float64
    np.testing.assert_allclose(as_torch.numpy(), batched, atol=1e-10)
    single = spectral.core_sleep_stft(x.astype(np.float32), FS)
    assert single.dtype == np.float32
    # float32 keeps ~7 digits: compare bins within 60 dB of the loudest (quieter ones are rounding noise)
    loud = batched > batched.max() - 60
    np.testing.assert_allclose(single[loud], batched[loud], atol=0.01)


def test_resample_and_integer_input():
    x = np.random.default_rng(7).integers(-100, 100, size=(2, 2560))
    out = spectral.resample(x, 256, 100)
    assert out.shape == (2, 1000) and out.dtype == np.float64
    np.testing.assert_allclose(out, scipy.signal.resample_poly(x.astype(float), 25, 64, axis=-1))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_stays_on_device():
    x = torch.from_numpy(_noise((2, 2 * EPOCH), seed=8)).float()
    out = spectral.core_sleep_stft(x.cuda(), FS, modality=("eeg", "eog"))
    assert out.device.type == "cuda"
    ref = spectral.core_sleep_stft(x, FS, modality=("eeg", "eog"))
    np.testing.assert_allclose(out.cpu().numpy(), ref.numpy(), atol=0.05)


# --- bad input --------------------------------------------------------------------------------

def test_too_short_signal():
    with pytest.raises(ValueError, match="too short.*3000"):
        spectral.core_sleep_stft(_noise((2000,)), FS)
    with pytest.raises(ValueError, match="too short"):
        spectral.stft_log_power(_noise((150,)), FS)


def test_wrong_sampling_rate_for_preset():
    with pytest.raises(ValueError, match=r"fs=50.0 Hz is too low.*>= 80"):
        spectral.core_sleep_stft(_noise((50 * 60,)), 50)
    spectral.core_sleep_stft(_noise((50 * 60,)), 50, modality="eog")  # EOG needs only 46 Hz
    with pytest.raises(ValueError, match="hop_s=1.0 s at fs=99.5 Hz is not a positive whole number"):
        spectral.stft_log_power(_noise((3000,)), 99.5)
    with pytest.raises(ValueError, match="positive, finite sampling rate"):
        spectral.core_sleep_stft(_noise((3000,)), -100)


def test_nan_is_refused_with_position():
    x = _noise((2, 2 * EPOCH))
    x[1, 4321] = np.nan
    with pytest.raises(ValueError, match=r"x contains 1 non-finite value\(s\) \(1 NaN, 0 inf\), first at index \(1, 4321\)"):
        spectral.core_sleep_stft(x, FS)


def test_unknown_modality_and_channel_mismatch():
    with pytest.raises(ValueError, match="modality 'emg' has no CoRe-Sleep band.*'eeg', 'eog'"):
        spectral.core_sleep_stft(_noise((EPOCH,)), FS, modality="emg")
    with pytest.raises(ValueError, match=r"modality names 2 channels but x has shape \(3, 3000\)"):
        spectral.core_sleep_stft(_noise((3, EPOCH)), FS, modality=("eeg", "eog"))


def test_complex_input_refused():
    with pytest.raises(TypeError, match="real numbers"):
        spectral.stft_log_power(np.ones(EPOCH, dtype=complex), FS)


def test_torch_frame_path_matches_numpy_path():
    """The path used off the CPU (unfold + torch.fft) gives the numbers of the CPU path."""
    from fusionlab.spectral.stft import _log_power_frames_numpy, _log_power_frames_torch

    x = torch.from_numpy(_noise((3, 2, EPOCH), seed=9))
    window = scipy.signal.windows.hamming(200, sym=True)
    for first_bin in (0, 1):
        ours = _log_power_frames_torch(x, window, 100, 256, first_bin)
        np.testing.assert_allclose(ours.numpy(), _log_power_frames_numpy(x, window, 100, 256, first_bin).numpy(),
                                   atol=1e-9)

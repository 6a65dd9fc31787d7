"""CWT scalograms (against pywt), FFT spectra (Parseval, sines) and per-recording z-scores."""

from __future__ import annotations

import numpy as np
import pytest
import pywt
import torch

from fusionlab import spectral

FS = 360.0  # MIT-BIH
N = 256  # samples per beat window


def _noise(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


# --- CWT --------------------------------------------------------------------------------------

@pytest.mark.parametrize("wavelet", ["morl", "mexh", "cmor1.5-1.0"])
@pytest.mark.parametrize("method", ["matmul", "pywt"])
def test_cwt_matches_pywt_per_beat(wavelet, method):
    beats = _noise((3, 2, N), seed=1)
    ours = spectral.cwt_scalogram(beats, FS, wavelet=wavelet, n_scales=24, output="coefficients", method=method)
    scales, _ = spectral.cwt_scales(FS, wavelet=wavelet, n_scales=24)
    assert ours.shape == (3, 2, 24, N)
    for i in range(3):
        for j in range(2):
            reference, _ = pywt.cwt(beats[i, j], scales, wavelet)
            np.testing.assert_allclose(ours[i, j], reference, atol=1e-10)


def test_cwt_axes_and_default_scales():
    axes = spectral.cwt_axes(N, FS)
    assert axes.shape == (64, N) and axes.layout == "freq_time"
    np.testing.assert_allclose(axes.freqs, np.geomspace(1.0, FS / 4, 64), rtol=1e-9)
    np.testing.assert_allclose(axes.times, np.arange(N) / FS)
    freqs = [5.0, 10.0, 40.0]
    np.testing.assert_allclose(spectral.cwt_axes(N, FS, frequencies=freqs).freqs, freqs)


@pytest.mark.parametrize("freq", [8.0, 20.0, 45.0])
def test_sine_peaks_at_its_scale(freq):
    t = np.arange(720) / FS
    image = spectral.cwt_scalogram(np.sin(2 * np.pi * freq * t), FS, wavelet="cmor1.5-1.0", fmin=4.0, fmax=90.0)
    axes = spectral.cwt_axes(720, FS, wavelet="cmor1.5-1.0", fmin=4.0, fmax=90.0)
    profile = image[:, 240:480].mean(axis=1)  # the middle, away from the edges
    assert abs(axes.freqs[profile.argmax()] / freq - 1) < 0.06  # within one 64-per-decade-ish step


def test_cwt_batched_equals_looped_and_torch():
    beats = _noise((5, N), seed=2)
    batched = spectral.cwt_scalogram(beats, FS)
    looped = np.stack([spectral.cwt_scalogram(b, FS) for b in beats])
    np.testing.assert_allclose(batched, looped, atol=1e-12)
    as_torch = spectral.cwt_scalogram(torch.from_numpy(beats).float(), FS, output="power")
    assert isinstance(as_torch, torch.Tensor) and as_torch.dtype == torch.float32
    np.testing.assert_allclose(as_torch.numpy(), batched**2, rtol=1e-3, atol=1e-4)


def test_cwt_bad_input():
    with pytest.raises(ValueError, match="continuous wavelet of PyWavelets"):
        spectral.cwt_scalogram(_noise((N,)), FS, wavelet="db4")
    with pytest.raises(ValueError, match="frequencies or scales, not both"):
        spectral.cwt_scalogram(_noise((N,)), FS, frequencies=[10.0], scales=[3.0])
    with pytest.raises(ValueError, match=r"fs/2 = 180.0"):
        spectral.cwt_scalogram(_noise((N,)), FS, frequencies=[10.0, 200.0])
    with pytest.raises(ValueError, match="too short"):
        spectral.cwt_scalogram(_noise((1,)), FS)
    beats = _noise((2, N))
    beats[0, 3] = np.nan
    with pytest.raises(ValueError, match=r"first at index \(0, 3\)"):
        spectral.cwt_scalogram(beats, FS)


# --- FFT --------------------------------------------------------------------------------------

@pytest.mark.parametrize("n_fft", [None, 512])
def test_fft_parseval(n_fft):
    beats = _noise((4, N), seed=3)
    power = spectral.fft_spectrum(beats, FS, n_fft=n_fft, scaling="power")
    n = N if n_fft is None else n_fft
    np.testing.assert_allclose(power.sum(axis=-1), (beats**2).sum(axis=-1) / n, rtol=1e-12)


@pytest.mark.parametrize("window", [None, "hann"])
def test_fft_sine_amplitude_and_bin(window):
    freq, amplitude = 45.0, 2.5  # 45 Hz = bin 32 of a 256-point FFT at 360 Hz
    t = np.arange(N) / FS
    spectrum = spectral.fft_spectrum(amplitude * np.sin(2 * np.pi * freq * t), FS, window=window)
    axes = spectral.fft_axes(N, FS)
    assert axes.freqs[spectrum.argmax()] == pytest.approx(freq)
    assert spectrum.max() == pytest.approx(amplitude, rel=1e-9)
    np.testing.assert_allclose(axes.freqs, np.fft.rfftfreq(N, 1 / FS))


def test_fft_magnitude_matches_numpy_and_batches():
    beats = _noise((2, 3, N), seed=4)
    ours = spectral.fft_spectrum(beats, FS, scaling="magnitude")
    np.testing.assert_allclose(ours, np.abs(np.fft.rfft(beats)), atol=1e-10)
    as_torch = spectral.fft_spectrum(torch.from_numpy(beats), FS, scaling="magnitude", log=True)
    np.testing.assert_allclose(as_torch.numpy(), 20 * np.log10(ours), atol=1e-9)


def test_fft_bad_input():
    with pytest.raises(ValueError, match="scaling must be one of"):
        spectral.fft_spectrum(_noise((N,)), FS, scaling="psd")
    with pytest.raises(ValueError, match="too short"):
        spectral.fft_spectrum(_noise((1,)), FS)
    with pytest.raises(TypeError, match="sampling rate"):
        spectral.fft_spectrum(_noise((N,)), "360")


# --- z-score ----------------------------------------------------------------------------------

def test_zscore_per_recording_and_inverse():
    rng = np.random.default_rng(5)
    features = rng.standard_normal((2, 10, 29, 128)) * rng.uniform(1, 9, size=128) + rng.uniform(-40, 40, size=128)
    z, stats = spectral.zscore_per_recording(features)
    np.testing.assert_allclose(z.mean(axis=(1, 2)), 0, atol=1e-10)
    np.testing.assert_allclose(z.std(axis=(1, 2)), 1, atol=1e-10)
    assert stats.mean.shape == (2, 1, 1, 128)
    np.testing.assert_allclose(stats.inverse(z), features, atol=1e-10)
    other = spectral.fit_zscore(features[:1]).apply(features[1:])
    assert other.shape == (1, 10, 29, 128)


def test_zscore_scalogram_axes_torch_and_constant_features():
    scalograms = torch.ones(3, 8, 16, 20)  # constant: std floored, no NaN
    z, stats = spectral.zscore_per_recording(scalograms, axis=spectral.SCALOGRAM_AXES)
    assert isinstance(z, torch.Tensor) and torch.isfinite(z).all() and stats.mean.shape == (3, 1, 16, 1)
    with pytest.raises(ValueError, match="axis 5 is out of range"):
        spectral.fit_zscore(scalograms, axis=(5,))

"""Log-mel for an audio spectrogram transformer: agreement with ASTFeatureExtractor, the EEG->audio mapping."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from fusionlab import spectral

FS = 100.0


def _noise(shape, seed=0, scale=30.0):
    return np.random.default_rng(seed).standard_normal(shape) * scale


def test_extractor_builds_offline_with_audioset_defaults():
    extractor = spectral.ast_feature_extractor()
    assert extractor.sampling_rate == spectral.AST_SAMPLING_RATE == 16000
    assert (extractor.num_mel_bins, extractor.max_length) == (128, 1024)


@pytest.mark.parametrize("upsample", [1, 2])
def test_matches_the_extractor(upsample):
    x = _noise((2, 3, 3000), seed=upsample)
    ours = spectral.ast_log_mel(x, FS, upsample=upsample)
    reference = spectral.ast_log_mel(x, FS, upsample=upsample, backend="extractor")
    assert ours.shape == reference.shape == (2, 3, 1024, 128)
    np.testing.assert_allclose(ours, reference, atol=1e-4)


def test_extractor_called_directly_agrees():
    """The reference backend really is the extractor's public call on 16 kHz-labelled samples."""
    x = _noise((3000,), seed=3).astype(np.float32)
    direct = spectral.ast_feature_extractor()(x, sampling_rate=16000, return_tensors="np")["input_values"][0]
    np.testing.assert_allclose(spectral.ast_log_mel(x, FS), direct, atol=1e-4)


def test_time_stretch_mapping_frames_and_padding():
    assert spectral.ast_stretch(FS) == 160.0
    assert spectral.ast_n_frames(3000) == 17  # 4-s frames every 1.6 s in a 30-s epoch
    x = _noise((4, 3000), seed=4)
    short = spectral.ast_log_mel(x, FS, pad=False)
    assert short.shape == (4, 17, 128)
    full = spectral.ast_log_mel(x, FS)
    np.testing.assert_allclose(full[:, :17], short)
    extractor = spectral.ast_feature_extractor()
    np.testing.assert_allclose(full[:, 17:], -extractor.mean / (2 * extractor.std), rtol=1e-6)
    axes = spectral.ast_log_mel_axes(3000, FS, pad=False)
    assert axes.shape == (17, 128)
    np.testing.assert_allclose(axes.times[:2], [2.0, 3.6])
    assert 0 < axes.freqs[0] < axes.freqs[-1] < FS / 2


@pytest.mark.parametrize(("freq", "upsample"), [(3.0, 1), (11.0, 1), (25.0, 1), (11.0, 2)])
def test_sine_lands_in_its_mel_band(freq, upsample):
    t = np.arange(3000) / FS
    out = spectral.ast_log_mel(np.sin(2 * np.pi * freq * t) * 50, FS, upsample=upsample, pad=False)
    axes = spectral.ast_log_mel_axes(3000, FS, upsample=upsample, pad=False)
    band = out.mean(axis=0).argmax()
    # the peak band's neighbours bracket the sine frequency
    assert axes.freqs[max(band - 1, 0)] <= freq <= axes.freqs[min(band + 1, len(axes.freqs) - 1)]


def test_batched_equals_looped_and_torch_kind():
    x = _noise((3, 3000), seed=5)
    batched = spectral.ast_log_mel(x, FS, pad=False)
    looped = np.stack([spectral.ast_log_mel(row, FS, pad=False) for row in x])
    np.testing.assert_allclose(batched, looped, atol=1e-12)
    as_torch = spectral.ast_log_mel(torch.from_numpy(x).float(), FS, pad=False)
    assert isinstance(as_torch, torch.Tensor) and as_torch.dtype == torch.float32
    np.testing.assert_allclose(as_torch.numpy(), batched, atol=1e-4)


def test_mel_filterbank_on_eeg_axis():
    freqs, filters = spectral.ast_mel_filterbank(FS)
    assert freqs.shape == (257,) and filters.shape == (257, 128)
    assert freqs[-1] == pytest.approx(FS / 2)


def test_bad_input():
    with pytest.raises(ValueError, match="too short"):
        spectral.ast_log_mel(_noise((300,)), FS)
    spectral.ast_log_mel(_noise((300,)), FS, upsample=2)  # 600 audio samples: one frame
    with pytest.raises(ValueError, match="upsample must be a positive integer"):
        spectral.ast_log_mel(_noise((3000,)), FS, upsample=0)
    with pytest.raises(ValueError, match="backend must be"):
        spectral.ast_log_mel(_noise((3000,)), FS, backend="librosa")
    with pytest.raises(ValueError, match="needs pad=True"):
        spectral.ast_log_mel(_noise((3000,)), FS, pad=False, backend="extractor")
    x = _noise((3000,))
    x[10] = np.inf
    with pytest.raises(ValueError, match="non-finite"):
        spectral.ast_log_mel(x, FS)


def test_mel_scale_is_kaldis_and_inverts():
    from transformers.audio_utils import hertz_to_mel

    freqs = np.array([20.0, 700.0, 4000.0, 8000.0])
    np.testing.assert_allclose(spectral.hz_to_mel(freqs), hertz_to_mel(freqs, mel_scale="kaldi"))
    np.testing.assert_allclose(spectral.mel_to_hz(spectral.hz_to_mel(freqs)), freqs)
    # band centres on the EEG axis are the audio centres divided by the stretch
    audio = spectral.ast_log_mel_axes(3000, 16000.0, pad=False).freqs  # stretch 1
    np.testing.assert_allclose(spectral.ast_log_mel_axes(3000, FS, pad=False).freqs, audio / 160)

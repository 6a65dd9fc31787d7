"""Spectral views of biomedical signals: STFT, log-mel, CWT scalograms and FFT spectra.

Every transform takes a NumPy array or a torch Tensor of shape ``(..., n_times)``, works on all
leading axes (epochs, channels, beats) at once, and returns the same kind on the same device.
Each has a companion ``*_axes`` function giving its time (s) and frequency (Hz) coordinates.

- CoRe-Sleep STFT: :func:`core_sleep_stft` (whole recording -> ``(n_epochs, 29, 128)`` dB);
  the generic :func:`stft_log_power` (``(n_frames, n_freqs)`` dB);
- log-mel for an audio spectrogram transformer: :func:`ast_log_mel` (``(1024, 128)``, normalised);
- CWT scalograms: :func:`cwt_scalogram` (``(n_scales, n_times)`` images);
- FFT spectra: :func:`fft_spectrum` (``(n_fft // 2 + 1,)``);
- per-recording z-scoring: :func:`zscore_per_recording`, :func:`fit_zscore`, :class:`ZScoreStats`.

Plots (each returns a Figure) are in :mod:`fusionlab.spectral.plot`.
"""

from fusionlab._lazy import lazy_exports

# Public name -> where it lives; each submodule is imported on first use (fusionlab._lazy).
_EXPORTS = {
    "SpectralAxes": "fusionlab.spectral.axes:SpectralAxes",
    "cwt_axes": "fusionlab.spectral.cwt:cwt_axes",
    "cwt_scales": "fusionlab.spectral.cwt:cwt_scales",
    "cwt_scalogram": "fusionlab.spectral.cwt:cwt_scalogram",
    "fft_axes": "fusionlab.spectral.fft:fft_axes",
    "fft_spectrum": "fusionlab.spectral.fft:fft_spectrum",
    "AST_SAMPLING_RATE": "fusionlab.spectral.logmel:AST_SAMPLING_RATE",
    "ast_feature_extractor": "fusionlab.spectral.logmel:ast_feature_extractor",
    "ast_log_mel": "fusionlab.spectral.logmel:ast_log_mel",
    "ast_log_mel_axes": "fusionlab.spectral.logmel:ast_log_mel_axes",
    "ast_mel_filterbank": "fusionlab.spectral.logmel:ast_mel_filterbank",
    "ast_n_frames": "fusionlab.spectral.logmel:ast_n_frames",
    "ast_stretch": "fusionlab.spectral.logmel:ast_stretch",
    "eeg_to_ast_waveform": "fusionlab.spectral.logmel:eeg_to_ast_waveform",
    "hz_to_mel": "fusionlab.spectral.logmel:hz_to_mel",
    "mel_to_hz": "fusionlab.spectral.logmel:mel_to_hz",
    "SCALOGRAM_AXES": "fusionlab.spectral.normalize:SCALOGRAM_AXES",
    "STFT_AXES": "fusionlab.spectral.normalize:STFT_AXES",
    "ZScoreStats": "fusionlab.spectral.normalize:ZScoreStats",
    "fit_zscore": "fusionlab.spectral.normalize:fit_zscore",
    "zscore_per_recording": "fusionlab.spectral.normalize:zscore_per_recording",
    "CORE_SLEEP_BANDS": "fusionlab.spectral.stft:CORE_SLEEP_BANDS",
    "CORE_SLEEP_EPOCH_S": "fusionlab.spectral.stft:CORE_SLEEP_EPOCH_S",
    "CORE_SLEEP_FS": "fusionlab.spectral.stft:CORE_SLEEP_FS",
    "core_sleep_preprocess": "fusionlab.spectral.stft:core_sleep_preprocess",
    "core_sleep_stft": "fusionlab.spectral.stft:core_sleep_stft",
    "core_sleep_stft_axes": "fusionlab.spectral.stft:core_sleep_stft_axes",
    "design_bandpass_fir": "fusionlab.spectral.stft:design_bandpass_fir",
    "resample": "fusionlab.spectral.stft:resample",
    "stft_axes": "fusionlab.spectral.stft:stft_axes",
    "stft_log_power": "fusionlab.spectral.stft:stft_log_power",
    "zero_phase_fir": "fusionlab.spectral.stft:zero_phase_fir",
}
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

__all__ = [
    "AST_SAMPLING_RATE",
    "CORE_SLEEP_BANDS",
    "CORE_SLEEP_EPOCH_S",
    "CORE_SLEEP_FS",
    "SCALOGRAM_AXES",
    "STFT_AXES",
    "SpectralAxes",
    "ZScoreStats",
    "ast_feature_extractor",
    "ast_log_mel",
    "ast_log_mel_axes",
    "ast_mel_filterbank",
    "ast_n_frames",
    "ast_stretch",
    "core_sleep_preprocess",
    "core_sleep_stft",
    "core_sleep_stft_axes",
    "cwt_axes",
    "cwt_scales",
    "cwt_scalogram",
    "design_bandpass_fir",
    "eeg_to_ast_waveform",
    "fft_axes",
    "fft_spectrum",
    "fit_zscore",
    "hz_to_mel",
    "mel_to_hz",
    "resample",
    "stft_axes",
    "stft_log_power",
    "zero_phase_fir",
    "zscore_per_recording",
]

"""Figures of fusionlab.spectral.plot: they build from real transform outputs and return Figures."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure

from fusionlab import spectral
from fusionlab.viz import spectral as spectral_plot
from fusionlab.viz.spectral import SpectralView


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_plot_views_grid_of_all_four_views():
    x = np.random.default_rng(0).standard_normal((2, 3000)) * 20
    stft = spectral.stft_log_power(x, 100.0)
    logmel = spectral.ast_log_mel(x, 100.0, pad=False)
    cwt = spectral.cwt_scalogram(x, 100.0, n_scales=8, fmin=1.0, fmax=30.0)
    fft = spectral.fft_spectrum(x, 100.0, log=True, detrend=True)
    rows = {f"row {i}": [SpectralView("raw", x[i], fs=100.0),
                         SpectralView("stft", stft[i], spectral.stft_axes(3000, 100.0)),
                         SpectralView("log-mel", logmel[i], spectral.ast_log_mel_axes(3000, 100.0, pad=False)),
                         SpectralView("cwt", cwt[i], spectral.cwt_axes(3000, 100.0, n_scales=8, fmin=1.0, fmax=30.0)),
                         SpectralView("fft", fft[i], spectral.fft_axes(3000, 100.0), freq_limits=(0, 40))]
            for i in range(2)}
    fig = spectral_plot.plot_views(rows, title="four views")
    assert isinstance(fig, Figure) and len(fig.axes) >= 10


def test_view_checks_its_shape():
    with pytest.raises(ValueError, match="do not match its axes"):
        SpectralView("bad", np.zeros((3, 3)), spectral.stft_axes(3000, 100.0))
    with pytest.raises(ValueError, match="raw signal needs 1-D values and fs"):
        SpectralView("bad", np.zeros(10))


def test_other_figures():
    taps = spectral.design_bandpass_fir(100.0, 0.3, 40.0)
    assert isinstance(spectral_plot.plot_filter_response({"101": taps}, 100.0, (0.3, 40.0)), Figure)
    assert isinstance(spectral_plot.plot_mel_filterbank(*spectral.ast_mel_filterbank(100.0)), Figure)
    assert isinstance(spectral_plot.plot_wavelets("morl", [3.0, 30.0], 360.0), Figure)
    freqs = spectral.core_sleep_stft_axes().freqs
    assert isinstance(spectral_plot.plot_mean_spectra(freqs, {"a": np.zeros(128)}, spread={"a": np.ones(128)},
                                                      bands={"δ": (0.5, 4)}), Figure)

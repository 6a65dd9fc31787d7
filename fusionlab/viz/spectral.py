"""Figures of spectral views; every function returns a :class:`matplotlib.figure.Figure`.

A :class:`SpectralView` pairs an array with what is needed to draw it (its :class:`SpectralAxes`,
or a sampling rate for a raw signal); :func:`plot_views` lays out a grid of them, one example per
row and one view per column, with shared colour limits per column so that rows can be compared.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from fusionlab.spectral.axes import SpectralAxes
from fusionlab.viz.figures import use_style


@dataclass(frozen=True)
class SpectralView:
    """One panel: a raw signal (``axes=None``, give ``fs``), a spectrum or a time-frequency image.

    Attributes
    ----------
    title : str
        Column title (shown on the first row).
    values : ndarray
        ``(n_times,)`` for a signal, ``(n_freqs,)`` for a spectrum, 2-D for an image in the
        layout its ``axes`` state.
    axes : SpectralAxes, optional
    fs : float, optional
        Sampling rate of a raw signal.
    freq_limits : (float, float), optional
        Frequency range to show (Hz).
    unit : str, optional
        What the values are: the y-axis label of a signal (default "µV") or spectrum, the colour-bar
        label of an image (default: ``axes.value``).
    spans : sequence of (start_s, stop_s)
        Time intervals to mark (e.g. scored spindles) on signals and images, in seconds.
    """

    title: str
    values: np.ndarray
    axes: SpectralAxes | None = None
    fs: float | None = None
    freq_limits: tuple[float, float] | None = None
    unit: str | None = None
    spans: tuple[tuple[float, float], ...] = ()

    def __post_init__(self) -> None:
        values = np.asarray(self.values)
        if self.axes is None and (self.fs is None or values.ndim != 1):
            raise ValueError(f"view {self.title!r}: a raw signal needs 1-D values and fs; got shape {values.shape}, fs={self.fs}")
        if self.axes is not None and values.shape != self.axes.shape:
            raise ValueError(f"view {self.title!r}: values of shape {values.shape} do not match its axes {self.axes.shape}")

    @property
    def is_image(self) -> bool:
        return self.axes is not None and self.axes.layout != "freq"

    @property
    def layout_has_time(self) -> bool:
        return self.axes is None or self.is_image


def _robust_limits(arrays: Sequence[np.ndarray]) -> tuple[float, float]:
    stacked = np.concatenate([np.ravel(a) for a in arrays])
    low, high = np.percentile(stacked, [1, 99.5])
    return float(low), float(high if high > low else low + 1)


def draw_view(ax: plt.Axes, view: SpectralView, *, limits: tuple[float, float] | None = None,
              colorbar: bool = False) -> None:
    """Draw one view into an existing matplotlib Axes (used by the figure functions here)."""
    values = np.asarray(view.values, dtype=float)
    if view.axes is None:
        ax.plot(np.arange(values.size) / view.fs, values, lw=0.6, color="k")
        ax.set_xlabel("time (s)")
        ax.set_ylabel(view.unit or "µV")
    elif view.axes.layout == "freq":
        ax.plot(view.axes.freqs, values, lw=0.8)
        lo_f, hi_f = view.freq_limits or (0.0, np.inf)
        shown = values[(view.axes.freqs > max(lo_f, 0.0)) & (view.axes.freqs <= hi_f)]
        if shown.size:  # limits from the shown bins without DC: a detrended DC bin would read -600 dB
            low, high = np.percentile(shown, [0.5, 100])
            margin = 0.05 * (high - low if high > low else 1.0)
            ax.set_ylim(low - margin, high + margin)
        ax.set_xlabel("frequency (Hz)")
        ax.set_ylabel(view.unit or view.axes.value)
        if view.freq_limits:
            ax.set_xlim(*view.freq_limits)
    else:
        image = view.axes.as_freq_time(values)
        vmin, vmax = limits if limits is not None else _robust_limits([image])
        mesh = ax.pcolormesh(view.axes.time_edges(), view.axes.freq_edges(), image, shading="flat",
                             cmap="magma", vmin=vmin, vmax=vmax, rasterized=True)
        if view.axes.freq_scale in ("log", "mel"):
            ax.set_yscale("log")
        ax.set_xlabel("time (s)")
        ax.set_ylabel("frequency (Hz)")
        if view.freq_limits:
            ax.set_ylim(*view.freq_limits)
        if colorbar:
            ax.figure.colorbar(mesh, ax=ax, pad=0.02, label=view.unit or view.axes.value)
    if view.layout_has_time:
        for start, stop in view.spans:
            for edge in (start, stop):
                ax.axvline(edge, color="cyan", ls="--", lw=0.9)
    ax.grid(False)


def plot_views(rows: Mapping[str, Sequence[SpectralView]], *, title: str | None = None,
               share_colors: bool = True, panel_size: tuple[float, float] = (2.9, 1.9)) -> Figure:
    """Grid of views: one row per example (e.g. sleep stage, beat class), one column per view.

    Parameters
    ----------
    rows : mapping row label -> sequence of SpectralView
        Every row has the same views in the same order.
    share_colors : bool
        One colour scale per column (robust 1-99.5 % limits over all rows), so that a louder
        band in one row is visibly louder than in another.
    """
    use_style()
    labels = list(rows)
    n_cols = {len(views) for views in rows.values()}
    if len(n_cols) != 1:
        raise ValueError(f"every row needs the same number of views, got {sorted(n_cols)}")
    n_cols = n_cols.pop()
    fig, axes = plt.subplots(len(labels), n_cols, figsize=(panel_size[0] * n_cols, panel_size[1] * len(labels)),
                             squeeze=False, constrained_layout=True)
    limits = {}
    for col in range(n_cols):
        column = [rows[label][col] for label in labels]
        if share_colors and column[0].is_image:
            limits[col] = _robust_limits([v.axes.as_freq_time(v.values) for v in column])
    for r, label in enumerate(labels):
        for col, view in enumerate(rows[label]):
            ax = axes[r, col]
            draw_view(ax, view, limits=limits.get(col), colorbar=(r == 0 or not share_colors) and view.is_image)
            if r == 0:
                ax.set_title(view.title, fontsize=9)
            if col == 0:
                ax.set_ylabel(f"{label}\n{ax.get_ylabel()}")
            if r < len(labels) - 1:
                ax.set_xlabel("")
    if title:
        fig.suptitle(title)
    return fig


def plot_filter_response(filters: Mapping[str, np.ndarray], fs: float, band: tuple[float, float], *,
                         passes: int = 2, title: str | None = None) -> Figure:
    """Magnitude response of FIR filters applied ``passes`` times (2 = forward-backward), with the band edges.

    Parameters
    ----------
    filters : mapping label -> ndarray, shape (numtaps,)
        E.g. ``{"101 taps": design_bandpass_fir(100, 0.3, 40)}``.
    fs : float
        Sampling rate in Hz.
    band : (float, float)
        The nominal pass band, drawn as dashed lines.
    """
    import scipy.signal

    use_style()
    fig, axes = plt.subplots(1, 2, figsize=(9, 3), constrained_layout=True)
    for label, taps in filters.items():
        freqs, response = scipy.signal.freqz(taps, worN=16384, fs=fs)
        gain_db = 20 * passes * np.log10(np.maximum(np.abs(response), 1e-12))
        for ax, (lo, hi) in zip(axes, [(0.02, fs / 2), (0, 3)]):
            shown = (freqs >= lo) & (freqs <= hi)
            ax.plot(freqs[shown], gain_db[shown], label=label)
    for ax, (scale, limits) in zip(axes, [("log", (0.02, fs / 2)), ("linear", (0, 3))]):
        for edge in band:
            if limits[0] <= edge <= limits[1]:
                ax.axvline(edge, ls="--", color="gray", lw=1)
        ax.set_xscale(scale)
        ax.set_xlim(*limits)
        ax.set_ylim(-60, 3)
        ax.set_xlabel("frequency (Hz)")
        ax.set_ylabel("gain (dB)")
    axes[1].set_title("zoom on the low edge", fontsize=9)
    axes[1].legend(fontsize=8)
    if title:
        axes[0].set_title(title, fontsize=9)
    return fig


def plot_mel_filterbank(fft_freqs: np.ndarray, filters: np.ndarray, *, every: int = 4,
                        max_freq: float | None = None, title: str | None = None) -> Figure:
    """Triangular mel filters against frequency (every ``every``-th band), plus band width per band.

    Parameters
    ----------
    fft_freqs : ndarray, shape (n_bins,)
        Frequency of each FFT bin (e.g. EEG Hz from :func:`~fusionlab.spectral.ast_mel_filterbank`).
    filters : ndarray, shape (n_bins, n_mels)
    """
    use_style()
    fig, axes = plt.subplots(1, 2, figsize=(10, 3), constrained_layout=True)
    for band in range(0, filters.shape[1], every):
        axes[0].plot(fft_freqs, filters[:, band], lw=0.8)
    axes[0].set_xlabel("frequency (Hz)")
    axes[0].set_ylabel("weight")
    if max_freq is not None:
        axes[0].set_xlim(0, max_freq)
    n_bins = (filters > 0).sum(axis=0)
    axes[1].plot(np.arange(filters.shape[1]), n_bins, marker=".", ms=3, lw=0.8)
    axes[1].set_xlabel("mel band")
    axes[1].set_ylabel("FFT bins in the band")
    empty = int((n_bins == 0).sum())
    axes[1].set_title(f"{empty} band(s) catch no FFT bin; {int((n_bins == 1).sum())} catch one", fontsize=9)
    if title:
        axes[0].set_title(title)
    return fig


def plot_wavelets(wavelet: str, frequencies: Sequence[float], fs: float, *, title: str | None = None) -> Figure:
    """The mother wavelet stretched to a few frequencies, on one time axis: the time-frequency
    trade-off of the CWT (a low-frequency row averages over a long stretch of signal)."""
    import pywt

    from fusionlab.spectral.cwt import cwt_scales

    use_style()
    scales, freqs = cwt_scales(fs, wavelet=wavelet, frequencies=np.asarray(frequencies, dtype=float))
    psi, x = pywt.ContinuousWavelet(wavelet).wavefun(level=12)
    fig, ax = plt.subplots(figsize=(8, 2.8), constrained_layout=True)
    for offset, (scale, freq) in enumerate(zip(scales, freqs)):
        t = x * scale / fs  # seconds
        ax.plot(t, np.real(psi) / np.abs(psi).max() + 2.2 * offset, lw=0.8, label=f"{freq:.3g} Hz (scale {scale:.3g})")
    ax.set_xlabel("time (s)")
    ax.set_yticks([])
    ax.legend(fontsize=7, loc="upper right")
    if title:
        ax.set_title(title)
    return fig


def plot_mean_spectra(freqs: np.ndarray, curves: Mapping[str, np.ndarray], *, spread: Mapping[str, np.ndarray] | None = None,
                      ylabel: str = "z-scored log-power", title: str | None = None,
                      bands: Mapping[str, tuple[float, float]] | None = None) -> Figure:
    """One line per group (e.g. sleep stage) against frequency, optional +-spread bands and shaded EEG bands.

    Parameters
    ----------
    freqs : ndarray, shape (n_freqs,)
    curves : mapping name -> ndarray, shape (n_freqs,)
    spread : mapping name -> ndarray, shape (n_freqs,), optional
        Half-width of a shaded band around each curve (e.g. the standard deviation).
    bands : mapping label -> (low, high), optional
        Frequency bands to shade and label (e.g. delta, sigma).
    """
    use_style()
    fig, ax = plt.subplots(figsize=(7.5, 3.4), constrained_layout=True)
    if bands:
        for i, (label, (low, high)) in enumerate(bands.items()):
            ax.axvspan(low, high, color="0.9" if i % 2 else "0.95", zorder=0)
            ax.text((low + high) / 2, 1.0, label, transform=ax.get_xaxis_transform(), ha="center", va="bottom",
                    fontsize=7)
    for name, curve in curves.items():
        line, = ax.plot(freqs, curve, lw=1.2, label=name)
        if spread is not None and name in spread:
            ax.fill_between(freqs, curve - spread[name], curve + spread[name], color=line.get_color(), alpha=0.15)
    ax.set_xlabel("frequency (Hz)")
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=8, ncol=min(len(curves), 6))
    if title:
        ax.set_title(title, pad=14)
    return fig

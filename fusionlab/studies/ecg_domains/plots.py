"""Figures of the ECG feature-domain lessons (each returns a Figure)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure


def plot_heatmaps(matrices: Mapping[str, pd.DataFrame], titles: Mapping[str, str] | None = None) -> Figure:
    """One annotated heatmap per square matrix (e.g. Pearson, MI, CKA between domains)."""
    fig, axes = plt.subplots(1, len(matrices), figsize=(4.2 * len(matrices), 3.8), squeeze=False)
    for ax, (name, mat) in zip(axes[0], matrices.items()):
        values = mat.to_numpy(dtype=float)
        im = ax.imshow(values, cmap="viridis", vmin=0, vmax=max(1e-9, np.nanmax(values)))
        ax.set_xticks(range(len(mat.columns)), mat.columns, rotation=30, ha="right")
        ax.set_yticks(range(len(mat.index)), mat.index)
        for i in range(values.shape[0]):
            for j in range(values.shape[1]):
                if np.isfinite(values[i, j]):
                    ax.text(j, i, f"{values[i, j]:.2f}", ha="center", va="center", color="w", fontsize=9)
        ax.set_title((titles or {}).get(name, name))
        fig.colorbar(im, ax=ax, shrink=0.8)
    return fig


def plot_intervals(table: pd.DataFrame, label_cols: Sequence[str] = ("a", "b", "metric", "unit")) -> Figure:
    """Forest plot of ``estimate`` with ``[ci_low, ci_high]`` per row of a :func:`fusionlab.stats.compare_models` table."""
    labels = [" | ".join(str(r[c]) for c in label_cols if c in table) for _, r in table.iterrows()]
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(table) + 1.2))
    y = np.arange(len(table))[::-1]
    est = table["estimate"].to_numpy()
    ax.errorbar(est, y, xerr=[est - table["ci_low"], table["ci_high"] - est], fmt="o", capsize=3)
    ax.axvline(0, color="grey", lw=1, ls="--")
    ax.set_yticks(y, labels)
    ax.set_xlabel("metric(A) - metric(B), 95% interval")
    return fig


def plot_beat_saliency(time_views: np.ndarray, saliency: np.ndarray, labels: np.ndarray, class_names: Sequence[str],
                       sfreq: float, title: str = "") -> Figure:
    """Beats (rows) with a saliency/occlusion map drawn as the colour under each curve."""
    n = len(time_views)
    ncols = min(n, 4)
    nrows = -(-n // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(2.8 * ncols, 2.4 * nrows + 0.4), squeeze=False, sharey=True)
    for ax in axes.flat[n:]:
        ax.axis("off")
    t = np.arange(time_views.shape[1]) / sfreq
    for ax, beat, sal, lab in zip(axes.flat, time_views, saliency, labels):
        s = np.clip(sal / max(1e-12, np.abs(sal).max()), 0, 1)
        ax.scatter(t, beat, c=s, cmap="magma_r", s=10, vmin=0, vmax=1)
        ax.plot(t, beat, color="grey", lw=0.5)
        ax.set_title(class_names[int(lab)])
        ax.set_xlabel("s")
    fig.suptitle(title)
    return fig


def plot_beat_views(views: Mapping[str, np.ndarray], labels: np.ndarray, class_names: Sequence[str], sfreq: float,
                    *, fmin: float = 2.0, fmax: float = 40.0, n_fft: int = 128) -> Figure:
    """One row per beat (e.g. one per class): the time view, its CWT scalogram and its FFT spectrum."""
    n = len(labels)
    fig, axes = plt.subplots(n, 3, figsize=(9, 1.9 * n + 0.4), squeeze=False)
    n_times = views["time"].shape[1]
    t = np.arange(n_times) / sfreq
    freqs = np.arange(views["freq"].shape[1]) * sfreq / n_fft
    for i in range(n):
        axes[i, 0].plot(t, views["time"][i], lw=1)
        axes[i, 0].set_ylabel(class_names[int(labels[i])])
        axes[i, 1].imshow(views["tf"][i], aspect="auto", origin="lower", cmap="magma",
                          extent=(0, n_times / sfreq, 0, views["tf"].shape[1]))
        axes[i, 1].set_yticks([0, views["tf"].shape[1]], [f"{fmin:g}", f"{fmax:g}"])
        axes[i, 2].plot(freqs, views["freq"][i], lw=1)
    for j, title in enumerate(("time (s)", "CWT scalogram (Hz, log rows; time s)", "FFT spectrum (Hz)")):
        axes[0, j].set_title(title, fontsize=9)
    return fig

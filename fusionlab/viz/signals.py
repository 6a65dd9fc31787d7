"""Figures of the data lesson: beats per AAMI class, an annotated ECG strip, a DREAMS excerpt, a synthetic night.

Every function returns a :class:`matplotlib.figure.Figure`; write it with :func:`fusionlab.viz.savefig`.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from fusionlab.data.dreams import DreamsExcerpt
from fusionlab.data.mitdb import BeatSet, EcgRecord
from fusionlab.data.synthetic.psg import SyntheticNight
from fusionlab.data.windows import STAGES
from fusionlab.viz.figures import use_style

__all__ = ["plot_beats_by_class", "plot_dreams_excerpt", "plot_ecg_strip", "plot_hypnogram", "plot_synthetic_night"]

HYPNOGRAM_ROW = {0: 4, 4: 3, 1: 2, 2: 1, 3: 0}  # clinical order: W on top, then REM, N1, N2, N3
HYPNOGRAM_TICKS = ["N3", "N2", "N1", "REM", "W"]


def plot_hypnogram(ax, stages: np.ndarray, epoch_len: float, *, unit: str = "h") -> None:
    """Draw a hypnogram on ``ax`` in clinical order, REM as a thick red bar; -1 (unscored) left blank."""
    scale = {"h": 3600.0, "min": 60.0}[unit]
    t = np.arange(len(stages) + 1) * epoch_len / scale
    rows = np.array([HYPNOGRAM_ROW.get(int(s), np.nan) for s in stages] + [np.nan])
    rows[-1] = rows[-2]
    ax.step(t, rows, where="post", color="k", lw=1)
    ax.step(t, np.where(rows == 3, 3, np.nan), where="post", color="C3", lw=3)
    ax.set_yticks(range(5), HYPNOGRAM_TICKS)
    ax.set_xlim(0, t[-1])
    ax.set_ylim(-0.5, 4.5)
    ax.set_xlabel(f"time ({unit})")


def plot_beats_by_class(beats: BeatSet, *, before: float = 0.25, max_per_class: int = 60, seed: int = 0) -> Figure:
    """Overlaid beats (grey) and the class mean (orange) for each AAMI class present, first lead."""
    use_style()
    rng = np.random.default_rng(seed)
    present = [c for c in range(len(beats.classes)) if (beats.labels == c).any()]
    t_ms = (np.arange(beats.windows.shape[2]) - round(before * beats.sfreq)) / beats.sfreq * 1000
    fig, axes = plt.subplots(1, len(present), figsize=(2.9 * len(present), 3.0), sharey=True, squeeze=False)
    for ax, c in zip(axes[0], present):
        idx = np.flatnonzero(beats.labels == c)
        shown = rng.choice(idx, min(max_per_class, len(idx)), replace=False)
        ax.plot(t_ms, beats.windows[shown, 0].T, color="0.6", lw=0.5, alpha=0.5)
        ax.plot(t_ms, beats.windows[idx, 0].mean(axis=0), color="C1", lw=2)
        ax.axvline(0, color="k", lw=0.6, ls=":")
        ax.set_title(f"{beats.classes[c]}  (n = {len(idx)})")
        ax.set_xlabel("time from R peak (ms)")
    axes[0, 0].set_ylabel(f"{beats.leads[0]} (mV)")
    records = sorted(set(beats.records.tolist()))
    label = ", ".join(records) if len(records) <= 4 else f"{len(records)} records"
    fig.suptitle(f"MIT-BIH {label}: beats per AAMI class (grey: up to {max_per_class} beats, orange: class mean)")
    return fig


def plot_ecg_strip(record: EcgRecord, start: float = 60.0, seconds: float = 10.0) -> Figure:
    """``seconds`` of the first lead with the reference annotation symbols above the beats."""
    use_style()
    fs = record.sfreq
    a, b = int(start * fs), int((start + seconds) * fs)
    fig, ax = plt.subplots(figsize=(10, 2.6))
    ax.plot(np.arange(a, b) / fs, record.signal[0, a:b], lw=0.8)
    in_view = (record.ann_samples >= a) & (record.ann_samples < b)
    for sample, symbol in zip(record.ann_samples[in_view], record.ann_symbols[in_view]):
        ax.annotate(symbol, (sample / fs, record.signal[0, sample]), textcoords="offset points", xytext=(0, 6),
                    ha="center", fontsize=9, color="C1")
    ax.set_xlabel("time (s)")
    ax.set_ylabel(f"{record.leads[0]} ({record.units[0]})")
    ax.set_title(f"MIT-BIH record {record.name}: reference annotations")
    return fig


def plot_dreams_excerpt(excerpt: DreamsExcerpt, *, seconds: float = 20.0, around: float | None = None) -> Figure:
    """Hypnogram of the excerpt, then ``seconds`` of EEG with each expert's spindles shaded."""
    use_style()
    if around is None:
        marks = excerpt.spindles.get("expert1", pd.DataFrame({"onset": [excerpt.duration / 2]}))
        around = float(marks["onset"].iloc[len(marks) // 2])
    t0 = float(np.clip(around - seconds / 2, 0, excerpt.duration - seconds))
    fs = excerpt.sfreq
    seg = slice(int(t0 * fs), int((t0 + seconds) * fs))
    fig, (ax_h, ax_e) = plt.subplots(2, 1, figsize=(11, 5), gridspec_kw={"height_ratios": [1, 2]})
    plot_hypnogram(ax_h, excerpt.stages, excerpt.hypnogram_epoch, unit="min")
    ax_h.axvspan(t0 / 60, (t0 + seconds) / 60, color="C1", alpha=0.35)
    ax_h.set_title(f"DREAMS excerpt {excerpt.excerpt}: hypnogram (5-s epochs); shaded: the stretch below")
    ax_e.plot(np.arange(seg.start, seg.stop) / fs, excerpt.eeg[seg], lw=0.6, color="k")
    for k, (scorer, color) in enumerate([("expert1", "C0"), ("expert2", "C2")]):
        table = excerpt.spindles.get(scorer)
        if table is None:
            continue
        shown = table[(table["onset"] + table["duration"] > t0) & (table["onset"] < t0 + seconds)]
        for i, (onset, duration) in enumerate(zip(shown["onset"], shown["duration"])):
            ax_e.axvspan(onset, onset + duration, ymin=0.5 * k, ymax=0.5 * (k + 1), color=color, alpha=0.3,
                         label=f"{scorer} spindles ({'lower' if k == 0 else 'upper'} band)" if i == 0 else None)
    ax_e.legend(loc="upper right")
    ax_e.set_xlim(t0, t0 + seconds)
    ax_e.set_xlabel("time (s)")
    ax_e.set_ylabel(f"{excerpt.channel} (uV)")
    return fig


def plot_synthetic_night(night: SyntheticNight) -> Figure:
    """Hypnogram with the corrupted stretches shaded, then one 30-s epoch of every channel per stage."""
    use_style()
    fig = plt.figure(figsize=(12, 14))
    grid = fig.add_gridspec(1 + len(STAGES), 1, height_ratios=[1.3] + [2] * len(STAGES))
    ax = fig.add_subplot(grid[0])
    plot_hypnogram(ax, night.hypnogram, night.epoch_len)
    for row in night.corruptions.itertuples():
        text = f"{row.kind}: {row.channel}" + (f" (std x{row.factor:.0f})" if row.factor else "")
        ax.axvspan(row.start / 3600, min(row.stop, night.duration) / 3600, color="C1", alpha=0.3, label=text)
    if len(night.corruptions):
        ax.legend(loc="lower left", fontsize=8, frameon=True)
    ax.set_title(f"synthetic night (seed {night.seed}, subject {night.subject}): hypnogram and corruptions")
    fs = night.sfreq
    t = np.arange(int(night.epoch_len * fs)) / fs
    offsets = {"eeg": 0.0, "eog": -230.0, "emg": -400.0, "ecg": -520.0}
    scale = {"eeg": 1.0, "eog": 1.0, "emg": 1.0, "ecg": 0.05}
    for stage in range(len(STAGES)):
        axe = fig.add_subplot(grid[1 + stage])
        epochs = np.flatnonzero(night.hypnogram == stage)
        axe.set_ylim(-600, 150)
        axe.set_xlim(0, night.epoch_len)
        axe.set_yticks([offsets[m] for m in night.modalities], night.ch_names)
        if len(epochs) == 0:
            axe.set_title(f"{STAGES[stage]}: none in this night", loc="left")
            continue
        epoch = epochs[len(epochs) // 2]
        seg = slice(int(epoch * night.epoch_len * fs), int((epoch + 1) * night.epoch_len * fs))
        for row, modality in enumerate(night.modalities):
            axe.plot(t, night.signals[row, seg] * scale[modality] + offsets[modality], lw=0.5, color=f"C{row}")
        axe.set_title(f"{STAGES[stage]} (epoch {epoch}, {epoch * night.epoch_len / 3600:.2f} h)", loc="left")
    axe.set_xlabel("time in epoch (s); EEG, EOG, EMG in uV with offsets, ECG scaled x0.05")
    return fig

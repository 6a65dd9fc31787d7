"""Figures of notebook 06: one event in every modality, and the modality ablation beside the paper's."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from fusionlab.data.events.images import render_events
from fusionlab.data.events.metadata import serialize_metadata
from fusionlab.data.synthetic.events import SleepEventSet


def plot_event_modalities(events: SleepEventSet, index: Sequence[int], *, notes: Sequence[str],
                          size: int = 64) -> Figure:
    """One row per event in ``index``: the EEG window, its two rendered images, metadata and note.

    Parameters
    ----------
    events : SleepEventSet
    index : sequence of int
        Events to show (e.g. one per class).
    notes : sequence of str
        The clinical notes of all events.
    size : int
        Image size of :func:`fusionlab.data.events.render_events`.
    """
    index = list(index)
    spectrograms = dict(zip(index, render_events(events.eeg[index], events.sfreq, kind="spectrogram", size=size)))
    traces = dict(zip(index, render_events(events.eeg[index], events.sfreq, kind="trace", size=size)))
    fig, axes = plt.subplots(len(index), 4, figsize=(13, 2.3 * len(index)),
                             gridspec_kw={"width_ratios": [3, 1, 1, 2.6]}, squeeze=False)
    t = np.arange(events.eeg.shape[1]) / events.sfreq
    metadata = serialize_metadata(events.table.iloc[index])
    for row, i in enumerate(index):
        ax = axes[row, 0]
        ax.plot(t, events.eeg[i], lw=0.5, color="k")
        ax.set_ylabel("EEG (µV)")
        ax.set_title(f"event {i}: {events.classes[events.labels[i]]}", loc="left", fontsize=9)
        if row == len(index) - 1:
            ax.set_xlabel("time (s)")
        axes[row, 1].imshow(spectrograms[i][0], cmap="magma", vmin=0, vmax=1)
        axes[row, 1].set_title("spectrogram image", fontsize=8)
        axes[row, 2].imshow(traces[i][0], cmap="gray", vmin=0, vmax=1)
        axes[row, 2].set_title("trace image", fontsize=8)
        for ax in axes[row, 1:3]:
            ax.set_xticks([]), ax.set_yticks([])
        axes[row, 3].axis("off")
        text = "metadata: " + metadata[row] + "\n\nnote: " + "\n".join(textwrap.wrap(notes[i], 48))
        axes[row, 3].text(0, 0.5, text, va="center", fontsize=7.5, family="monospace")
    return fig


def plot_ablation(ours: Mapping[str, float], paper: Mapping[str, float] | None = None,
                  metric: str = "accuracy (%)", title: str = "") -> Figure:
    """Bars of ``metric`` with each modality removed (``"none"`` = full model), ours beside the paper's."""
    names = list(ours)
    x = np.arange(len(names))
    fig, ax = plt.subplots(figsize=(6.5, 3.2))
    width = 0.38 if paper else 0.6
    ax.bar(x - (width / 2 if paper else 0), [ours[n] for n in names], width, label="ours")
    if paper:
        ax.bar(x + width / 2, [paper.get(n, np.nan) for n in names], width, label="paper (CAP)", alpha=0.7)
    ax.set_xticks(x, ["full model" if n == "none" else f"w/o {n}" for n in names])
    ax.set_ylabel(metric)
    ax.set_title(title, fontsize=10)
    ax.legend(frameon=False)
    return fig

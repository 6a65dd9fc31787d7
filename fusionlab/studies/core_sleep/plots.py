"""Figures of the CoRe-Sleep lesson (each returns a Figure): Fig. 3 and Fig. 4 analogues."""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from fusionlab.studies.core_sleep.robustness import CHUNK_S, chunk_std
from fusionlab.viz.signals import plot_hypnogram


def plot_noisy_night(night, stages: Mapping[str, np.ndarray], *, epoch_len: float = 30.0) -> Figure:
    """Fig. 3 analogue: EEG and EOG of one noisy night, their 10-min chunk STD, and hypnograms.

    Parameters
    ----------
    night : NightFeatures
        Its ``signals`` (EEG, EOG) and ``corruptions`` (ground truth, shaded) are drawn.
    stages : mapping title -> ndarray, shape (n_epochs,)
        Hypnograms to stack under the signals, e.g. truth, EEG-only, EOG-only, CoRe-Sleep.
    """
    n = len(stages)
    fig, axes = plt.subplots(3 + n, 1, figsize=(11, 2.0 + 1.15 * (3 + n)), sharex=True,
                             gridspec_kw={"height_ratios": [1.2, 1.2, 0.9] + [1.0] * n})
    hours = np.arange(len(next(iter(night.signals.values())))) / night.sfreq / 3600
    step = max(1, int(night.sfreq * 2))  # thin the trace for drawing
    for ax, (m, x) in zip(axes[:2], night.signals.items()):
        ax.plot(hours[::step], x[::step], lw=0.3, color="tab:blue" if m == "eeg" else "tab:green")
        ax.set_ylabel(f"{m.upper()} (µV)")
        lim = 6 * np.median(np.abs(x)) / 0.6745 + 1e-6
        ax.set_ylim(-lim * 3, lim * 3)
    for row in night.corruptions.itertuples():
        ax = axes[0] if "EEG" in row.channel else axes[1]
        ax.axvspan(row.start / 3600, row.stop / 3600, color="tab:red", alpha=0.12, lw=0)
    for m, x in night.signals.items():
        s = chunk_std(x, night.sfreq, CHUNK_S)
        axes[2].step(np.arange(len(s)) * CHUNK_S / 3600, s / np.median(s), where="post", label=m.upper())
    axes[2].set_yscale("log")
    axes[2].set_ylabel("10-min STD\n/ night median")
    axes[2].legend(loc="upper left", fontsize=8)
    for ax, (title, y) in zip(axes[3:], stages.items()):
        plot_hypnogram(ax, np.asarray(y), epoch_len)
        ax.set_title(title, fontsize=9, loc="left")
        ax.set_xlabel("")
    axes[-1].set_xlabel("time (h)")
    axes[0].set_title(f"night {night.name}: shaded = ground-truth noisy stretch")
    fig.tight_layout()
    return fig


def plot_incomplete_curves(curves: pd.DataFrame, metric: str = "acc") -> Figure:
    """Fig. 4 analogue: one panel per scenario, ``metric`` of the three predictors vs added unimodal subjects.

    ``curves`` is :func:`fusionlab.studies.core_sleep.study.run_incomplete_data`'s output (several seeds
    allowed: mean ± std).
    """
    scenarios = list(dict.fromkeys(curves["scenario"]))
    fig, axes = plt.subplots(1, len(scenarios), figsize=(4.2 * len(scenarios), 3.4), squeeze=False, sharey=True)
    titles = {"both": "added EEG-only + EOG-only subjects", "eeg": "added EEG-only subjects",
              "eog": "added EOG-only subjects"}
    for ax, scenario in zip(axes[0], scenarios):
        part = curves[curves["scenario"] == scenario]
        for test, colour in (("EEG-EOG", "black"), ("EEG", "tab:blue"), ("EOG", "tab:green")):
            g = part[part["test"] == test].groupby("added")[metric].agg(["mean", "std"]).fillna(0.0)
            ax.errorbar(g.index, g["mean"], yerr=g["std"], marker="o", color=colour, label=f"test on {test}",
                        capsize=3)
        ax.set_title(titles.get(scenario, scenario), fontsize=10)
        ax.set_xlabel("unimodal subjects added (per modality)")
    axes[0][0].set_ylabel({"acc": "accuracy (%)", "kappa": "Cohen's kappa", "mf1": "macro-F1 (%)"}.get(metric, metric))
    axes[0][0].legend(fontsize=8)
    fig.tight_layout()
    return fig

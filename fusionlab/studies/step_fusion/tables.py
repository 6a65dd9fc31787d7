"""Tables and figures of notebook 09 (Qin et al., Step Fusion): our numbers beside the paper's, with intervals.

MIT-BIH intervals resample whole records (the cluster bootstrap of :mod:`fusionlab.stats`); ETT
intervals resample whole days of the test split (the block bootstrap of :mod:`fusionlab.stats.forecast_errors`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from fusionlab import stats
from fusionlab.stats.forecast_errors import bootstrap_error, compare_regressors
from fusionlab.stats.mitdb_protocol import CLASSES, metrics_table
from fusionlab.studies.step_fusion.reference import QIN_ETT, QIN_MITDB

FUSED = ("SF", "LMF", "Cross-attention", "Concat")


def _paper(reference: Mapping, name: str, k: int) -> float:
    values = reference.get(name)
    return np.nan if values is None else values[k]


def mitdb_table(result: Mapping, *, n_boot: int = 1000, seed: int = 0) -> pd.DataFrame:
    """Accuracy, macro-F1, per-class Se/PPV with record-bootstrap 95 % CIs, and the paper's Tables 2-6."""
    table = metrics_table(result["y_true"], result["predictions"], groups=result["records"], n_boot=n_boot,
                          seed=seed, protocol=result["protocol"])
    table["accuracy_paper"] = [_paper(QIN_MITDB, name, 0) for name in table.index]
    table["f1_paper"] = [_paper(QIN_MITDB, name, 1) for name in table.index]
    table["parameters"] = [result["parameters"].get(name, np.nan) for name in table.index]
    return table


def mitdb_comparisons(result: Mapping, pairs: Sequence[tuple[str, str]], *, n_boot: int = 1000,
                      seed: int = 0) -> pd.DataFrame:
    """Paired record-bootstrap comparisons (accuracy, macro-F1), Holm-corrected, with P(A better)."""
    return stats.compare_models(result["y_true"], result["predictions"], pairs, groups=result["records"],
                                n_classes=len(CLASSES), n_boot=n_boot, seed=seed)


def ett_table(results: Sequence[Mapping], *, block: int = 24, n_boot: int = 1000, seed: int = 0) -> pd.DataFrame:
    """Test MAE and MSE (standardised OT) with day-block bootstrap CIs, MAE in degrees, the paper's Table 1/3/5/6."""
    rows = []
    for result in results:
        for name, pred in result["predictions"].items():
            row = {"file": result["name"], "model": name}
            for metric in ("mae", "mse"):
                est, low, high = bootstrap_error(result["y_true"], pred, metric, block=block, n_boot=n_boot, seed=seed)
                row[metric], row[f"{metric}_ci"] = est, f"[{low:.4f}, {high:.4f}]"
            row["mae_degC"] = row["mae"] * result["ot_std"]
            row["mae_paper"], row["mse_paper"] = _paper(QIN_ETT, name, 0), _paper(QIN_ETT, name, 1)
            row["parameters"] = result["parameters"].get(name, np.nan)
            rows.append(row)
    return pd.DataFrame(rows).set_index(["file", "model"])


def ett_comparisons(result: Mapping, pairs: Sequence[tuple[str, str]], *, block: int = 24, n_boot: int = 1000,
                    seed: int = 0) -> pd.DataFrame:
    """Paired day-block bootstrap of ``error(A) - error(B)`` (MAE, MSE), Holm-corrected, for one ETT file."""
    table = compare_regressors(result["y_true"], result["predictions"], pairs, block=block, n_boot=n_boot, seed=seed)
    table.insert(0, "file", result["name"])
    return table


def plot_mitdb_scores(table: pd.DataFrame, *, metric: str = "macro_f1", title: str = "") -> plt.Figure:
    """Horizontal bars of one metric per model with its bootstrap CI, the paper's value as a marker."""
    rows = table.drop(index="majority class", errors="ignore")
    ci = rows[f"{metric}_ci"].str.strip("[]").str.split(", ", expand=True).astype(float)
    fig, ax = plt.subplots(figsize=(6.4, 0.45 * len(rows) + 1.2))
    y = np.arange(len(rows))
    ax.barh(y, rows[metric], color="#4C72B0", alpha=0.8, label="ours (record-bootstrap 95 % CI)")
    ax.errorbar(rows[metric], y, xerr=[rows[metric] - ci[0], ci[1] - rows[metric]], fmt="none", color="black",
                capsize=3)
    paper = rows["f1_paper" if metric == "macro_f1" else "accuracy_paper"]
    ax.scatter(paper, y, marker="D", color="#C44E52", zorder=3, label="paper")
    ax.set_yticks(y, rows.index)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel(metric.replace("_", "-"))
    ax.set_title(title)
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    return fig


def plot_ett_forecast(result: Mapping, models: Sequence[str], *, hours: int = 24 * 7, start: int = 0) -> plt.Figure:
    """One week of the test split: true oil temperature (degrees above the training mean) and predictions."""
    sl = slice(start, start + hours)
    fig, ax = plt.subplots(figsize=(8, 3.2))
    t = np.arange(len(result["y_true"]))[sl]
    ax.plot(t, result["y_true"][sl] * result["ot_std"], color="black", lw=1.5, label="measured")
    for name in models:
        ax.plot(t, result["predictions"][name][sl] * result["ot_std"], lw=1, label=name)
    ax.set_xlabel("test hour")
    ax.set_ylabel("OT - train mean (deg C)")
    ax.set_title(f"{result['name']}: one-hour-ahead oil temperature")
    ax.legend(fontsize=8, ncol=3)
    fig.tight_layout()
    return fig


def plot_beat_modalities(beats: np.ndarray, images: np.ndarray, labels: Sequence[str], sfreq: float) -> plt.Figure:
    """Top row: beats ``(n, T)`` in mV as series; bottom row: the same beats as rendered images ``(n, 1, H, T)``."""
    n = len(beats)
    fig, axes = plt.subplots(2, n, figsize=(2.4 * n, 4.2), squeeze=False)
    t = np.arange(beats.shape[1]) / sfreq - 0.25
    for k in range(n):
        axes[0, k].plot(t, beats[k] - np.median(beats[k]), color="black", lw=1)
        axes[0, k].set_title(f"class {labels[k]}")
        axes[0, k].set_xlabel("s from R peak")
        axes[1, k].imshow(images[k, 0], cmap="gray_r", aspect="auto", origin="lower")
        axes[1, k].set_xlabel("sample")
        axes[1, k].set_yticks([])
    axes[0, 0].set_ylabel("series (mV)")
    axes[1, 0].set_ylabel("image (32 rows)")
    fig.tight_layout()
    return fig


def plot_ett_modalities(window: np.ndarray, gaf: np.ndarray, features: Sequence[str]) -> plt.Figure:
    """One ETT window ``(T, F)`` (standardised series) and the Gramian angular field of each series ``(F, S, S)``."""
    n = len(features)
    fig = plt.figure(figsize=(1.6 * n, 4.4))
    grid = fig.add_gridspec(2, n, height_ratios=[1.2, 1])
    ax = fig.add_subplot(grid[0, :])
    for f, name in enumerate(features):
        ax.plot(window[:, f], lw=1, label=name)
    ax.set_xlabel("hour of the window")
    ax.set_ylabel("standardised")
    ax.legend(fontsize=7, ncol=n, loc="upper left")
    for f, name in enumerate(features):
        a = fig.add_subplot(grid[1, f])
        a.imshow(gaf[f], cmap="RdBu_r", vmin=-1, vmax=1)
        a.set_title(f"GAF {name}", fontsize=8)
        a.set_xticks([])
        a.set_yticks([])
    fig.tight_layout()
    return fig

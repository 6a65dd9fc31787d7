"""Plotting: every function returns a :class:`matplotlib.figure.Figure`; :func:`savefig` writes it.

Figures are written with a fixed dpi, the vendored style and no timestamp or software tag in the
PNG metadata, so that the same run on the same machine gives the same bytes (the figure
regression tests rely on this).
"""

from __future__ import annotations

import inspect
import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from fusionlab import paths

STYLE = Path(__file__).resolve().parent.parent / "styles" / "fusionlab.mplstyle"
DPI = 110


def use_style() -> None:
    """Apply the vendored fusionlab style to the current matplotlib session."""
    plt.style.use(STYLE)


def savefig(
    fig: Figure,
    name: str,
    *,
    profile: str | None = None,
    real_data: bool = False,
    directory: str | os.PathLike | None = None,
    show: bool = True,
) -> Path:
    """Write ``fig`` as ``<figures dir>/<name>.png`` atomically, show it inline, and return the path.

    Parameters
    ----------
    fig : Figure
        The figure to write.
    name : str
        File stem, e.g. ``"05_decision_boundaries"``; no folders, no extension.
    profile : str, optional
        Run profile; decides the folder (:func:`fusionlab.paths.figures_dir`): the ``smoke``
        profile never overwrites the committed reference figures.
    real_data : bool
        The figure shows real recordings: it is written under ``build/`` and never committed
        (see :func:`fusionlab.paths.figures_dir`).
    directory : path, optional
        Explicit folder, overriding the profile's.
    show : bool
        In a Jupyter kernel (JupyterLab, papermill), display the figure as the cell's output and
        close it, whatever the matplotlib backend: a student sees every saved figure inline, the
        executed notebook keeps it as an image, and the inline backend does not draw it twice.
        Outside a kernel (scripts, tests) nothing is shown.
    """
    if not isinstance(fig, Figure):
        raise TypeError(f"savefig expects a matplotlib Figure, got {type(fig).__name__}")
    if not name or "/" in name or "\\" in name or name.endswith(".png"):
        raise ValueError(f"figure name must be a bare file stem such as '05_decision_boundaries', got {name!r}")
    folder = Path(directory) if directory is not None else paths.figures_dir(profile, real_data=real_data)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{name}.png"
    # Write beside the target, then rename: a crash never leaves a half-written PNG.
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".png", dir=folder)
    os.close(fd)
    try:
        fig.savefig(tmp, dpi=DPI, format="png", metadata={"Software": None})
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    if show and _in_kernel():
        from IPython.display import Image, display

        # The written PNG itself, not the Figure: under a non-interactive backend (Agg) a displayed
        # Figure is only its text repr, while the PNG shows in every frontend and executed copy.
        display(Image(filename=str(target)))
        plt.close(fig)
    return target


def _in_kernel() -> bool:
    """True inside a Jupyter kernel (JupyterLab, papermill), where a figure can be shown as an output."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


HEADLESS_ENV = "FUSIONLAB_HEADLESS"


def interactive(draw, name: str, *, profile: str | None = None, **controls) -> Path:
    """A figure a student can play with in JupyterLab, and a fixed rendering under papermill.

    ``draw(**values)`` returns a Figure; ``controls`` are ipywidgets ``interact`` abbreviations
    (``(lo, hi, step)`` for a slider, a list for a drop-down). The figure at ``draw``'s default
    arguments is always written through :func:`savefig` as ``name`` (so the regression sees it);
    in a live JupyterLab kernel sliders then redraw it, while headless runs (papermill, where
    :mod:`fusionlab.cli.notebook_runner` sets ``FUSIONLAB_HEADLESS=1``) show the fixed figure only.
    """
    live = _in_kernel() and not os.environ.get(HEADLESS_ENV)
    if live:
        try:
            import ipywidgets
        except ImportError:  # the lesson still works, without sliders
            live = False
    target = savefig(draw(), name, profile=profile, show=not live)
    if live:
        def redraw(**values):
            from IPython.display import display

            fig = draw(**values)
            display(fig)
            plt.close(fig)

        redraw.__signature__ = inspect.signature(draw)  # sliders start at draw's defaults
        ipywidgets.interact(redraw, **controls)
    return target


def plot_history(history, metrics: Sequence[str] = ("loss", "accuracy"), title: str | None = None) -> Figure:
    """Training curves of a :class:`fusionlab.train.History` (train and validation per epoch)."""
    use_style()
    frame = history.to_frame()
    fig, axes = plt.subplots(1, len(metrics), figsize=(4.2 * len(metrics), 3.2), squeeze=False)
    for ax, metric in zip(axes[0], metrics):
        for split in ("train", "val"):
            column = f"{split}_{metric}"
            if column in frame:
                ax.plot(frame["epoch"], frame[column], marker="o", ms=3, label=split)
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric)
        ax.legend()
    if title:
        fig.suptitle(title)
    return fig


def plot_confusion(matrix: np.ndarray, class_names: Sequence[str], title: str = "", normalize: bool = True) -> Figure:
    """Confusion matrix as a heatmap (rows: true class, columns: predicted class)."""
    import seaborn as sns

    use_style()
    matrix = np.asarray(matrix, dtype=float)
    shown = matrix / np.clip(matrix.sum(axis=1, keepdims=True), 1, None) if normalize else matrix
    fig, ax = plt.subplots(figsize=(1.0 + 0.8 * len(class_names), 0.8 + 0.7 * len(class_names)))
    sns.heatmap(shown, annot=True, fmt=".2f" if normalize else ".0f", cmap="Blues", cbar=False,
                xticklabels=class_names, yticklabels=class_names, ax=ax, vmin=0)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title)
    return fig


def plot_decision_boundaries(
    grid_x: np.ndarray,
    grid_y: np.ndarray,
    probabilities: Mapping[str, np.ndarray],
    true_label: np.ndarray,
    points: tuple[np.ndarray, np.ndarray] | None = None,
    accuracies: Mapping[str, float] | None = None,
    axis_labels: tuple[str, str] = ("$x_1$", "$x_2$"),
) -> Figure:
    """One panel per model: predicted probability of class 1 on a grid, model boundary (p = 0.5)
    as a solid line, the true boundary as a dashed line.

    Parameters
    ----------
    grid_x, grid_y : ndarray, shape (n, n)
        Mesh of the two input features.
    probabilities : mapping name -> ndarray, shape (n, n)
        Each model's predicted probability of class 1 on the mesh.
    true_label : ndarray, shape (n, n)
        The generating rule evaluated on the mesh (0/1).
    points : (X, y), optional
        A few test points to scatter, ``X`` of shape (k, 2).
    accuracies : mapping name -> float, optional
        Test accuracy printed in each panel title.
    """
    use_style()
    names = list(probabilities)
    ncols = min(len(names), 4)
    nrows = int(np.ceil(len(names) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.3 * ncols, 3.3 * nrows), squeeze=False,
                             sharex=True, sharey=True)
    for ax, name in zip(axes.flat, names):
        mesh = ax.contourf(grid_x, grid_y, probabilities[name], levels=np.linspace(0, 1, 11),
                           cmap="RdBu_r", vmin=0, vmax=1, alpha=0.85)
        ax.contour(grid_x, grid_y, probabilities[name], levels=[0.5], colors="k", linewidths=1.4)
        ax.contour(grid_x, grid_y, true_label.astype(float), levels=[0.5], colors="gold",
                   linewidths=1.6, linestyles="--")
        if points is not None:
            X, y = points
            ax.scatter(X[:, 0], X[:, 1], c=y, cmap="RdBu_r", s=4, edgecolors="none", alpha=0.6, vmin=0, vmax=1)
        title = name.replace("_", " ")
        if accuracies is not None and name in accuracies:
            title += f"\nacc = {100 * accuracies[name]:.1f}%"
        ax.set_title(title)
        ax.set_xlabel(axis_labels[0])
        ax.set_ylabel(axis_labels[1])
        ax.grid(False)
    for ax in list(axes.flat)[len(names):]:
        ax.set_visible(False)
    fig.colorbar(mesh, ax=axes, shrink=0.8, label="P(class 1)")
    return fig


def plot_fusion_map() -> Figure:
    """The fusion design space of the course in its one taxonomy (:data:`fusionlab.course.TAXONOMY`).

    x: where the modalities meet -- early fusion, intermediate (feature-level) fusion, late (decision-level)
    fusion; y: encoder depth (basic: minimal or frozen encoders; enhanced: trainable modality-specific
    encoders). Each design is labelled with its paper's own name; a ring marks the designs trained with an
    alignment loss (coordinated representations).
    """
    use_style()
    fig, ax = plt.subplots(figsize=(10.0, 5.4))
    columns = ["early fusion", "intermediate\n(feature-level) fusion", "late\n(decision-level) fusion"]
    for x in range(len(columns)):
        ax.add_patch(plt.Rectangle((x - 0.48, -0.4), 0.96, 2.25, facecolor="#0072B2", alpha=0.05 + 0.04 * (x == 1),
                                   edgecolor="none"))
    designs = [  # (marker x, y, label, colour, coordinated)
        (-0.43, 0.0, "Basic Early (Hayes & Sun)\nminimal embeddings,\nshared transformer", "#0072B2", False),
        (-0.43, 0.8, "'Early' (CoRe-Sleep)\nmodalities concatenated,\nshared encoder", "#CC79A7", False),
        (0.57, 0.0, "Basic Late (Hayes & Sun): frozen encoders, pooled", "#0072B2", False),
        (0.57, 0.35, "LMF, MulT cross-attention (Step Fusion's baselines)", "#D55E00", False),
        (0.57, 0.7, "'Mid-Late' (CoRe-Sleep): representations summed", "#CC79A7", False),
        (0.57, 1.0, "Enhanced Early / Enhanced Late (Hayes & Sun)", "#0072B2", False),
        (0.57, 1.3, "Hybrid 1/2 (ECG domains); Step Fusion (Qin et al.)", "#009E73", False),
        (0.57, 1.62, "CoRe-Sleep: cross-attention + alignment loss", "#CC79A7", True),
        (1.57, 0.6, "average of per-modality\nprobabilities (lesson 03)", "#555555", False),
    ]
    for x, y, text, color, coordinated in designs:
        ax.scatter([x], [y], s=55, color=color, zorder=3)
        if coordinated:
            ax.scatter([x], [y], s=260, facecolors="none", edgecolors=color, linewidths=1.5, zorder=3)
        ax.text(x + 0.06, y, text, va="center", fontsize=7.5, color=color)
    ax.scatter([], [], s=200, facecolors="none", edgecolors="#CC79A7", linewidths=1.5,
               label="+ coordinated representations (alignment loss)")
    ax.legend(loc="lower right", fontsize=7.5, frameon=False)
    ax.set_xlim(-0.5, 2.5)
    ax.set_ylim(-0.4, 1.85)
    ax.set_xticks(range(len(columns)), columns)
    ax.set_yticks([0, 1.3], ["basic\n(minimal or frozen)", "enhanced\n(trainable, modality-aware)"])
    ax.set_xlabel("where the modalities meet")
    ax.set_ylabel("encoder depth")
    ax.grid(False)
    ax.set_title("The course's fusion designs in its taxonomy (labels: each paper's own name)")
    return fig


def plot_throughput(table, title: str = "") -> Figure:
    """Samples/s and activation memory against batch size, one line per precision
    (a table from :func:`fusionlab.train.throughput.throughput_table`)."""
    use_style()
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.4))
    for amp, rows in table.groupby("amp"):
        rows = rows.sort_values("batch_size")
        axes[0].plot(rows["batch_size"], rows["samples_per_s"], marker="o", label=f"amp={amp}")
        axes[1].plot(rows["batch_size"], rows["activation_mb"], marker="o", label=f"amp={amp}")
    for ax, label in zip(axes, ("samples / s", "activation memory (MB)")):
        ax.set_xscale("log", base=2)
        ax.set_xlabel("batch size")
        ax.set_ylabel(label)
        ax.legend()
    if title:
        fig.suptitle(title)
    return fig

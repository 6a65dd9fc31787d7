"""The synthetic study of Hayes & Sun: the four variants on logic tasks and the 2-D boundary data.

Notebook 05 calls :func:`run_logic_table` for Tables III (AND), IV (3-class) and the XOR table, and
:func:`run_boundary_study` for Fig. 5.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
import torch
from torch import nn

from fusionlab.data.batches import MultimodalTensorDataset
from fusionlab.data.synthetic.logic import LogicTask, boundary_inputs, boundary_rule, make_boundary_data
from fusionlab.models import count_parameters, create_model
from fusionlab.models.hayes_sun import HAYES_SUN_VARIANTS, set_encoder_mode
from fusionlab.models.pretraining import frozen_encoders, pretrain_frozen_encoders
from fusionlab.repro import get_device, seed_everything
from fusionlab.studies.base import ProfileSettings, Result
from fusionlab.train.loop import History, TrainConfig, evaluate, fit, predict


@dataclass
class StudySettings(ProfileSettings):
    """Sizes of one synthetic study: ``StudySettings.for_profile(profile, **overrides)`` (lesson 05's profiles).

    Attributes
    ----------
    n_train, n_val, n_test : int
        Samples per split (drawn with different seeds).
    d_model, depth, n_heads : int
        Width, depth of the shared/per-modality transformers, attention heads.
    patch_size : int
        Samples per token when a modality is a 1-D signal (the padded 2-D dataset).
    pretrain_epochs : int
        Epochs of label-free denoising pretraining of the frozen encoders (late variants).
    train : TrainConfig
    """

    n_train: int = 8000
    n_val: int = 2000
    n_test: int = 4000
    d_model: int = 32
    depth: int = 2
    n_heads: int = 4
    dropout: float = 0.1
    patch_size: int = 16
    pretrain_epochs: int = 5
    train: TrainConfig = field(default_factory=lambda: TrainConfig(num_epochs=20, batch_size=128, lr=2e-3,
                                                                   patience=4, progress=False))

    def model_kwargs(self) -> dict[str, Any]:
        return {"d_model": self.d_model, "depth": self.depth, "n_heads": self.n_heads, "dropout": self.dropout,
                "patch_size": self.patch_size}

    @classmethod
    def _profiles(cls) -> dict[str, StudySettings]:
        """Lesson 05's profiles.

        ``smoke``: seconds; ``standard`` (class time, <= 5 min on a 2-core CPU): a quarter of the data, a narrower
        and shallower model, fewer epochs; ``extended``: the former standard (~20 min on a 2-core CPU);
        ``full``: 16000 training samples, d 64, up to 40 epochs (GPU).
        """
        return {
            "smoke": cls(n_train=512, n_val=256, n_test=512, d_model=16, depth=1, pretrain_epochs=1,
                         train=TrainConfig(num_epochs=2, batch_size=128, lr=2e-3, patience=None, progress=False)),
            "standard": cls(n_train=1000, n_val=250, n_test=2000, d_model=16, depth=1, pretrain_epochs=2,
                            train=TrainConfig(num_epochs=6, batch_size=128, lr=2e-3, patience=2, progress=False)),
            "extended": cls(n_train=4000, n_val=1000, n_test=4000, d_model=32, depth=2, pretrain_epochs=5,
                            train=TrainConfig(num_epochs=12, batch_size=128, lr=2e-3, patience=3, progress=False)),
            "full": cls(n_train=16000, n_val=4000, n_test=20000, d_model=64, depth=2, pretrain_epochs=10,
                        train=TrainConfig(num_epochs=40, batch_size=256, lr=1e-3, patience=6, progress=False)),
        }


@dataclass
class TrainedVariant:
    """A trained model with its test metrics and training history."""

    variant: str
    seed: int
    model: nn.Module
    metrics: dict[str, float]
    history: History
    parameters: int
    trainable_parameters: int
    seconds: float


def train_variant(variant: str, train: MultimodalTensorDataset, val: MultimodalTensorDataset,
                  test: MultimodalTensorDataset, specs, num_classes: int, *, seed: int,
                  settings: StudySettings, device: str | torch.device = "auto",
                  encoder_mode: str = "frozen") -> TrainedVariant:
    """Build ``variant``, pretrain its frozen encoders (if any) label-free, train, test.

    ``encoder_mode`` (see :func:`fusionlab.models.hayes_sun.set_encoder_mode`) changes what happens to
    the pretrained encoders of the late variants before training: kept frozen (the paper),
    frozen with their output standardised by training-input statistics, or trained.
    """
    device = get_device(device)
    seed_everything(seed)
    tic = time.perf_counter()
    model = create_model(variant, specs, num_classes, **settings.model_kwargs())
    if frozen_encoders(model):
        pretrain_frozen_encoders(model, train.inputs, epochs=settings.pretrain_epochs, seed=seed, device=device)
        set_encoder_mode(model, encoder_mode, train.inputs)
    history = fit(model, train, val, replace(settings.train, seed=seed), device=device)
    scores = evaluate(model, test, device=device)
    return TrainedVariant(variant=variant, seed=seed, model=model, metrics=scores, history=history,
                          parameters=count_parameters(model),
                          trainable_parameters=count_parameters(model, trainable_only=True),
                          seconds=time.perf_counter() - tic)


def logic_splits(task: LogicTask, settings: StudySettings, seed: int) -> tuple[MultimodalTensorDataset, ...]:
    """Train/validation/test datasets of ``task``, each drawn with its own seed."""
    base = 1000 * seed
    return tuple(
        task.sample(n, seed=base + offset).to_dataset()
        for offset, n in ((1, settings.n_train), (2, settings.n_val), (3, settings.n_test))
    )


def run_logic_table(task: LogicTask, *, seeds: Sequence[int], settings: StudySettings,
                    variants: Sequence[str] = HAYES_SUN_VARIANTS, device: str | torch.device = "auto",
                    progress: bool = True) -> pd.DataFrame:
    """Train every variant on ``task`` once per seed; one row per (variant, seed).

    Columns: ``variant, seed, accuracy, macro_f1, kappa, cross_entropy, parameters,
    trainable_parameters, epochs, seconds``. New data are drawn for every seed.
    """
    rows = []
    for seed in seeds:
        train, val, test = logic_splits(task, settings, seed)
        for variant in variants:
            result = train_variant(variant, train, val, test, task.specs(), task.n_classes, seed=seed,
                                   settings=settings, device=device)
            rows.append({"variant": variant, "seed": seed, **result.metrics, "parameters": result.parameters,
                         "trainable_parameters": result.trainable_parameters,
                         "epochs": len(result.history.epochs), "seconds": result.seconds})
            if progress:
                print(f"  {task.rule:<11} seed {seed} {variant:<15} acc {result.metrics['accuracy']:.4f} "
                      f"loss {result.metrics['cross_entropy']:.4f} ({result.seconds:.0f} s)", flush=True)
    return pd.DataFrame(rows)


def summarize(results: pd.DataFrame, bayes: dict[str, float] | None = None,
              paper: pd.DataFrame | None = None) -> pd.DataFrame:
    """Mean and std over seeds per variant (accuracy in %), with the ceiling and the paper beside.

    Parameters
    ----------
    results : DataFrame
        Output of :func:`run_logic_table`.
    bayes : dict, optional
        Output of :meth:`LogicTask.bayes_optimal`.
    paper : DataFrame, optional
        The paper's table (:func:`fusionlab.reference.hayes_sun_logic_table`).
    """
    grouped = results.groupby("variant", sort=False)
    table = pd.DataFrame({
        "accuracy_mean": 100 * grouped["accuracy"].mean(),
        "accuracy_std": 100 * grouped["accuracy"].std(ddof=1),
        "macro_f1_mean": grouped["macro_f1"].mean(),
        "loss_mean": grouped["cross_entropy"].mean(),
        "loss_std": grouped["cross_entropy"].std(ddof=1),
        "parameters": grouped["parameters"].first(),
        "trainable_parameters": grouped["trainable_parameters"].first(),
        "n_seeds": grouped.size(),
    })
    if bayes is not None:
        table["bayes_accuracy"] = 100 * bayes["accuracy"]
        table["bayes_loss"] = bayes["cross_entropy"]
    if paper is not None:
        table = table.join(paper, how="left")
    table.index.name = "variant"
    return table


def format_table(table: pd.DataFrame) -> pd.DataFrame:
    """Human-readable version of :func:`summarize`'s output: ``mean ± std`` strings."""
    shown = pd.DataFrame(index=table.index)
    shown["accuracy (%)"] = [f"{m:.2f} ± {s:.2f}" for m, s in zip(table["accuracy_mean"], table["accuracy_std"].fillna(0))]
    shown["loss"] = [f"{m:.4f} ± {s:.4f}" for m, s in zip(table["loss_mean"], table["loss_std"].fillna(0))]
    shown["macro-F1"] = table["macro_f1_mean"].map("{:.4f}".format)
    for column, label, fmt in (("bayes_accuracy", "Bayes acc. (%)", "{:.2f}"), ("bayes_loss", "Bayes loss", "{:.4f}"),
                               ("paper_accuracy", "paper acc. (%)", "{:.2f}"), ("paper_loss", "paper loss", "{:.4f}")):
        if column in table:
            shown[label] = table[column].map(lambda v, f=fmt: "" if pd.isna(v) else f.format(v))
    shown["params (trainable)"] = [f"{p:,} ({t:,})" for p, t in zip(table["parameters"], table["trainable_parameters"])]
    return shown


@dataclass
class BoundaryStudy:
    """Fig. 5: each variant's predicted probability on a grid over [0, 500]^2."""

    grid_x: np.ndarray
    grid_y: np.ndarray
    probabilities: dict[str, np.ndarray]
    true_label: np.ndarray
    accuracies: dict[str, float]
    test_points: np.ndarray
    test_labels: np.ndarray
    rule: str
    models: dict[str, nn.Module] = field(default_factory=dict)
    data: Any = None  # the BoundaryData the models were trained on
    splits: dict[str, np.ndarray] = field(default_factory=dict)  # "train" / "val" / "test" -> indices into data


def boundary_splits(n: int, seed: int) -> dict[str, np.ndarray]:
    """The 70/15/15 split of :func:`run_boundary_study`: indices ``{"train", "val", "test"}``."""
    order = np.random.default_rng(seed).permutation(n)
    n_train, n_val = int(0.7 * n), int(0.15 * n)
    return {"train": order[:n_train], "val": order[n_train:n_train + n_val], "test": order[n_train + n_val:]}


def run_boundary_study(*, n: int = 20_000, pad: int = 500, rule: str = "sine", grid_size: int = 100,
                       seed: int = 0, settings: StudySettings,
                       variants: Sequence[str] = HAYES_SUN_VARIANTS,
                       device: str | torch.device = "auto", encoder_mode: str = "frozen") -> BoundaryStudy:
    """Train every variant on the 2-D dataset (70/15/15 split) and evaluate it on a grid.

    The trained models, the data and the split come back with the probabilities, so a lesson can
    look inside them (e.g. probe what a frozen encoder passes on).
    """
    data = make_boundary_data(n, pad=pad, rule=rule, seed=seed)
    splits = boundary_splits(n, seed)
    full = data.to_dataset()
    train, val, test = (full.subset(splits[k]) for k in ("train", "val", "test"))
    axis = np.linspace(0.0, 500.0, grid_size)
    grid_x, grid_y = np.meshgrid(axis, axis)
    grid_points = np.stack([grid_x.ravel(), grid_y.ravel()], axis=1)
    grid = MultimodalTensorDataset({m: torch.from_numpy(x) for m, x in boundary_inputs(grid_points, pad).items()},
                                   torch.zeros(len(grid_points), dtype=torch.long))
    probabilities, accuracies, models = {}, {}, {}
    for variant in variants:
        result = train_variant(variant, train, val, test, data.specs(), 2, seed=seed, settings=settings,
                               device=device, encoder_mode=encoder_mode)
        probs, _ = predict(result.model, grid, device=device)
        probabilities[variant] = probs[:, 1].reshape(grid_x.shape)
        accuracies[variant] = result.metrics["accuracy"]
        models[variant] = result.model
    test_index = splits["test"]
    return BoundaryStudy(grid_x=grid_x, grid_y=grid_y, probabilities=probabilities,
                         true_label=boundary_rule(grid_x, grid_y, rule), accuracies=accuracies,
                         test_points=data.points[test_index], test_labels=data.labels[test_index], rule=rule,
                         models=models, data=data, splits=splits)


# ------------------------------------------------------------------------------- the common study shape
Settings = StudySettings
"""This study's settings (:mod:`fusionlab.studies.base`): ``Settings.for_profile(profile, **overrides)``."""


def run(settings: StudySettings, *, device: str | torch.device = "auto", cache: bool = True,
        seeds: Sequence[int] = (0,), noise: float = 0.25, rules: Sequence[str] = ("and", "three_class", "xor"),
        variants: Sequence[str] = HAYES_SUN_VARIANTS, progress: bool = True) -> Result:
    """The logic-task tables (lesson 05's Tables III, IV and the XOR table): :func:`run_logic_table` per rule.

    ``cache`` is accepted for the common shape; this study is not cached (its models are what lesson 05 shows).
    Fig. 5 is :func:`run_boundary_study` (its grid probabilities are arrays, not a table).

    Returns
    -------
    Result
        ``tables``: one per rule (the rows of :func:`run_logic_table`) and ``summary`` (:func:`summarize` of every
        rule, a ``rule`` column added); ``extras["tasks"]``: the :class:`LogicTask` of each rule.
    """
    device = get_device(device)
    tasks = {rule: LogicTask(rule, noise=noise) for rule in rules}
    tables = {rule: run_logic_table(task, seeds=seeds, settings=settings, variants=variants, device=device,
                                    progress=progress) for rule, task in tasks.items()}
    tables["summary"] = pd.concat([summarize(tables[rule]).assign(rule=rule) for rule in rules])
    return Result("hayes-sun-logic", settings, tables, extras={"tasks": tasks, "device": str(device)})

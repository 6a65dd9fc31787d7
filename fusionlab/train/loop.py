"""Training and evaluation: one device-agnostic loop for every lesson.

AdamW, a cosine learning-rate schedule with linear warm-up, early stopping on the validation loss
(the best weights are restored), tqdm progress bars, gradient clipping and accumulation, mixed
precision on CUDA (bf16 where supported, fp16 with gradient scaling otherwise), optional
``torch.compile``, checkpoints that resume exactly, and data parallelism under ``torchrun``
(DistributedDataParallel). A :class:`History` records every epoch, including the share of the step
time spent waiting for data.

``task="regression"`` trains a single output (``MultimodalNet(..., num_classes=1)``) on float targets with
the mean squared error, and validation reports MSE and MAE.
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
from torch import Tensor, nn
from torch.nn import functional as F
from tqdm.auto import tqdm

from fusionlab.data.batches import TASKS, MultimodalTensorDataset, make_batches, to_device
from fusionlab.repro import get_device
from fusionlab.train import metrics
from fusionlab.train.checkpoint import load_checkpoint, rng_state, save_checkpoint, set_rng_state

LossFn = Callable[[nn.Module, Mapping[str, Any]], Tensor]


@dataclass
class TrainConfig:
    """Settings of :func:`fit` (plain names, as in d2l).

    Attributes
    ----------
    num_epochs : int
        Maximum number of passes over the training data.
    batch_size : int
        Samples per step *and per process* (data-parallel runs multiply it by the world size).
    lr : float
        Peak learning rate of AdamW.
    weight_decay : float
    warmup_frac : float
        Fraction of all optimisation steps spent in linear warm-up.
    patience : int or None
        Stop after this many epochs without a better validation loss (None: never stop early).
    grad_clip : float or None
        Clip the gradient norm to this value.
    accumulate_steps : int
        Average gradients over this many batches before each optimiser step.
    amp : {"auto", "off", "bf16", "fp16"}
        Mixed precision. "auto" uses bf16 (or fp16 + scaling) on CUDA and full precision elsewhere.
    compile : bool
        Run the training forward/backward through ``torch.compile``.
    data_on_device : bool
        Move an in-memory dataset (up to 1 GiB) to the accelerator once, so batches need no copies.
    seed : int
        Seed of the batch order.
    num_workers : int
        DataLoader workers for datasets that are not in memory.
    progress : bool
        Show tqdm progress bars (rank 0 only).
    eval_batch_size : int
        Batch size of the validation pass after every epoch (memory: its activations are alive at once).
    """

    num_epochs: int = 20
    batch_size: int = 128
    lr: float = 1e-3
    weight_decay: float = 1e-2
    warmup_frac: float = 0.05
    patience: int | None = 5
    grad_clip: float | None = 1.0
    accumulate_steps: int = 1
    amp: str = "auto"
    compile: bool = False
    data_on_device: bool = True
    seed: int = 0
    num_workers: int = 0
    progress: bool = True
    eval_batch_size: int = 512

    def __post_init__(self) -> None:
        if self.num_epochs < 1:
            raise ValueError(f"num_epochs must be >= 1, got {self.num_epochs}")
        if self.batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {self.batch_size}")
        if self.eval_batch_size < 1:
            raise ValueError(f"eval_batch_size must be >= 1, got {self.eval_batch_size}")
        if self.accumulate_steps < 1:
            raise ValueError(f"accumulate_steps must be >= 1, got {self.accumulate_steps}")
        if self.amp not in ("auto", "off", "bf16", "fp16"):
            raise ValueError(f"amp must be 'auto', 'off', 'bf16' or 'fp16', got {self.amp!r}")
        if not 0 <= self.warmup_frac < 1:
            raise ValueError(f"warmup_frac must be in [0, 1), got {self.warmup_frac}")


@dataclass
class History:
    """Per-epoch record of a :func:`fit` run."""

    epochs: list[dict[str, float]] = field(default_factory=list)
    best_epoch: int = -1
    stopped_early: bool = False
    seconds: float = 0.0

    def append(self, row: dict[str, float]) -> None:
        self.epochs.append(row)

    def to_frame(self) -> pd.DataFrame:
        """One row per epoch: ``epoch, train_loss, val_loss, val_accuracy`` (``val_mae`` for regression), ``lr``,
        ``seconds`` ..."""
        return pd.DataFrame(self.epochs)

    @property
    def best(self) -> dict[str, float]:
        """The row of the epoch whose weights were kept."""
        return self.epochs[self.best_epoch] if self.epochs else {}


def cross_entropy_loss(model: nn.Module, batch: Mapping[str, Any]) -> Tensor:
    """Default loss: cross-entropy of the fused logits."""
    return F.cross_entropy(model(batch["inputs"], batch["mask"]), batch["label"])


def mse_loss(model: nn.Module, batch: Mapping[str, Any]) -> Tensor:
    """Default regression loss: mean squared error of the first output ``model(...)[:, 0]``.

    The model gives ``(batch, k)`` values (``MultimodalNet(..., num_classes=1)``: ``k = 1``);
    ``batch["label"]`` holds float targets ``(batch,)``.
    """
    output = model(batch["inputs"], batch["mask"])
    return F.mse_loss(output[:, 0].float(), batch["label"].float())


def _check_task(task: str) -> str:
    if task not in TASKS:
        raise ValueError(f"task must be one of {TASKS}, got {task!r}")
    return task


def _autocast_dtype(amp: str, device: torch.device) -> torch.dtype | None:
    if amp == "off" or device.type != "cuda":
        return None
    if amp == "bf16" or (amp == "auto" and torch.cuda.is_bf16_supported()):
        return torch.bfloat16
    return torch.float16


def cosine_with_warmup(total_steps: int, warmup_steps: int) -> Callable[[int], float]:
    """Learning-rate factor per optimiser step: linear warm-up to 1, then cosine decay to 0."""
    def factor(step: int) -> float:
        if step < warmup_steps:
            return (step + 1) / warmup_steps
        progress = (step - warmup_steps) / max(1, total_steps - warmup_steps)
        return 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress)))

    return factor


def _batch_mask(batch_mask: Tensor, mask: Tensor | None, start: int, device: torch.device) -> Tensor:
    """The mask of the batch of samples ``[start, start + len(batch_mask))``: its own, or ``mask`` instead
    (``(n_modalities,)`` for every sample, or ``(n, n_modalities)`` per sample of the dataset)."""
    if mask is None:
        return batch_mask
    override = mask.to(device).bool()
    if override.dim() == 1:
        return override.expand_as(batch_mask)
    return override[start : start + len(batch_mask)]


def _forward(model: nn.Module, data, batch_size: int, device: str | torch.device, mask: Tensor | None):
    """Yield ``(model output, labels)`` for consecutive batches of ``data`` in order (eval mode, no shuffling)."""
    device = get_device(device)
    model.to(device).eval()
    for start, batch in zip(range(0, len(data), batch_size), make_batches(data, batch_size, shuffle=False)):
        batch = to_device(batch, device)
        yield model(batch["inputs"], _batch_mask(batch["mask"], mask, start, device)), batch["label"]


@torch.no_grad()
def predict(model: nn.Module, data, *, batch_size: int = 512, device: str | torch.device = "auto",
            mask: Tensor | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Class probabilities ``(n, n_classes)`` and labels ``(n,)`` of a dataset, in order.

    ``mask`` (optional, shape ``(n_modalities,)`` or ``(n, n_modalities)``) replaces the dataset's
    modality mask, e.g. to evaluate with one modality removed.
    """
    probs, labels = [], []
    for logits, label in _forward(model, data, batch_size, device, mask):
        probs.append(torch.softmax(logits.float(), dim=-1).cpu())
        labels.append(label.cpu())
    return torch.cat(probs).numpy(), torch.cat(labels).numpy()


@torch.no_grad()
def predict_values(model: nn.Module, data, *, batch_size: int = 512, device: str | torch.device = "auto",
                   mask: Tensor | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Regression outputs ``model(...)[:, 0]`` and targets of a dataset, both ``(n,)`` float, in order.

    ``mask`` works as in :func:`predict`.
    """
    values, targets = [], []
    for output, target in _forward(model, data, batch_size, device, mask):
        values.append(output[:, 0].float().cpu())
        targets.append(target.float().cpu())
    return torch.cat(values).numpy(), torch.cat(targets).numpy()


def evaluate(model: nn.Module, data, *, batch_size: int = 512, device: str | torch.device = "auto",
             task: str = "classification") -> dict[str, float]:
    """Scores of ``model`` on ``data``.

    ``task="classification"``: accuracy, macro-F1, Cohen's kappa and cross-entropy.
    ``task="regression"``: ``mae``, ``mse`` and ``rmse`` of ``model(...)[:, 0]`` against the targets.
    """
    if _check_task(task) == "regression":
        values, targets = predict_values(model, data, batch_size=batch_size, device=device)
        return metrics.regression_metrics(targets, values)
    probs, labels = predict(model, data, batch_size=batch_size, device=device)
    return metrics.classification_metrics(labels, probs)


class TrainingInterrupted(RuntimeError):
    """Raised by :func:`interrupt_after` to stop a run as a crash would."""


def interrupt_after(epoch: int) -> Callable[[int, dict[str, float]], None]:
    """An ``on_epoch_end`` callback that stops training after ``epoch`` (0-based) by raising
    :class:`TrainingInterrupted` -- a reproducible stand-in for a crash, to practise resuming."""

    def callback(current: int, row: dict[str, float]) -> None:
        if current >= epoch:
            raise TrainingInterrupted(f"training interrupted after epoch {current}")

    return callback


def distributed_context() -> tuple[int, int]:
    """``(rank, world_size)`` of the running process group, ``(0, 1)`` without one."""
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        return torch.distributed.get_rank(), torch.distributed.get_world_size()
    return 0, 1


def _run_epoch(model, batches, device, optimizer, scheduler, scaler, loss_fn, config, autocast_dtype, bar) -> dict[str, float]:
    """One pass over ``batches``; returns the mean loss and the time spent waiting for data."""
    model.train()
    total_loss, count, data_seconds = 0.0, 0, 0.0
    iterator = iter(batches)
    optimizer.zero_grad(set_to_none=True)
    step = 0
    while True:
        tic = time.perf_counter()
        try:
            batch = next(iterator)
        except StopIteration:
            break
        batch = to_device(batch, device, non_blocking=True)
        data_seconds += time.perf_counter() - tic
        with torch.autocast(device.type, dtype=autocast_dtype, enabled=autocast_dtype is not None):
            loss = loss_fn(model, batch)
        scaler.scale(loss / config.accumulate_steps).backward()
        step += 1
        last = step == len(batches)
        if step % config.accumulate_steps == 0 or last:
            if config.grad_clip is not None:
                scaler.unscale_(optimizer)
                nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)
            scaler.step(optimizer)
            scaler.update()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
        n = len(batch["label"])
        total_loss += float(loss.detach()) * n
        count += n
        if bar is not None:
            bar.update(1)
            bar.set_postfix(loss=f"{total_loss / count:.4f}")
    return {"train_loss": total_loss / max(count, 1), "data_seconds": data_seconds}


def fit(
    model: nn.Module,
    train_data,
    val_data=None,
    config: TrainConfig | None = None,
    *,
    device: str | torch.device = "auto",
    loss_fn: LossFn | None = None,
    checkpoint_dir: str | Path | None = None,
    resume_from: str | Path | None = None,
    on_epoch_end: Callable[[int, dict[str, float]], None] | None = None,
    task: str = "classification",
) -> History:
    """Train ``model`` on ``train_data``; early-stop on ``val_data`` and restore the best weights.

    Parameters
    ----------
    model : nn.Module
        Usually a :class:`fusionlab.models.MultimodalNet`; any module works with a matching ``loss_fn``.
    train_data, val_data : Dataset
        Datasets yielding fusionlab items (see :mod:`fusionlab.data.batches`). Without ``val_data`` the
        last epoch's weights are kept.
    config : TrainConfig
    device : str or torch.device
        ``"auto"`` picks CUDA, then MPS, then CPU. Under ``torchrun`` each process passes its own.
    loss_fn : callable (model, batch) -> scalar Tensor, optional
        Default: :func:`cross_entropy_loss` of the fused logits (classification) or :func:`mse_loss`
        of ``model(...)[:, 0]`` (regression); multi-term losses plug in here.
    checkpoint_dir : path, optional
        Write ``last.pt`` after every epoch (rank 0 only); see :mod:`fusionlab.train.checkpoint`.
    resume_from : path, optional
        A ``last.pt`` written by an earlier run with the same config: training continues after its
        last epoch and reproduces the uninterrupted run.
    on_epoch_end : callable (epoch, row) -> None, optional
        Called after every epoch with that epoch's history row.
    task : {"classification", "regression"}
        What validation measures. Classification records ``val_loss`` (cross-entropy) and
        ``val_accuracy``; regression (float targets, e.g. ``MultimodalNet(..., num_classes=1)`` on a
        ``MultimodalTensorDataset(..., task="regression")``) records ``val_loss`` (MSE) and ``val_mae``.
        Early stopping monitors ``val_loss`` in both cases.

    Returns
    -------
    History

    Notes
    -----
    When a ``torch.distributed`` process group is initialised (``torchrun``), the model is wrapped
    in :class:`~torch.nn.parallel.DistributedDataParallel`, every rank trains on its own shard of
    ``train_data``, and only rank 0 shows progress and writes checkpoints. Every rank evaluates
    the whole validation set, so all ranks take the same early-stopping decisions.
    """
    config = config or TrainConfig()
    _check_task(task)
    for name, data in (("train_data", train_data), ("val_data", val_data)):
        if isinstance(data, MultimodalTensorDataset) and data.task != task:
            raise ValueError(f"fit(task={task!r}) got {name} built with task={data.task!r}; build it with "
                             f"MultimodalTensorDataset(..., task={task!r}) or pass task={data.task!r}")
    if loss_fn is None:
        loss_fn = mse_loss if task == "regression" else cross_entropy_loss
    device = get_device(device)
    rank, world_size = distributed_context()
    model.to(device)
    trainable = [p for p in model.parameters() if p.requires_grad]
    if not trainable:
        raise ValueError("model has no trainable parameters")
    if (config.data_on_device and device.type != "cpu" and isinstance(train_data, MultimodalTensorDataset)
            and train_data.nbytes() < 2**30):
        train_data = train_data.to(device)
    batches = make_batches(train_data, config.batch_size, shuffle=True, seed=config.seed,
                           num_workers=config.num_workers, pin_memory=device.type == "cuda",
                           rank=rank, world_size=world_size)
    optimizer_steps = -(-len(batches) // config.accumulate_steps) * config.num_epochs
    optimizer = torch.optim.AdamW(trainable, lr=config.lr, weight_decay=config.weight_decay)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, cosine_with_warmup(optimizer_steps, max(1, int(config.warmup_frac * optimizer_steps))))
    autocast_dtype = _autocast_dtype(config.amp, device)
    scaler = torch.amp.GradScaler(device.type, enabled=autocast_dtype == torch.float16)

    training_model: nn.Module = model
    if world_size > 1:
        training_model = nn.parallel.DistributedDataParallel(
            model, device_ids=[device.index] if device.type == "cuda" else None)
    if config.compile:
        training_model = torch.compile(training_model)

    history = History()
    best_loss, best_state, waited, first_epoch = math.inf, None, 0, 0
    if resume_from is not None:
        state = load_checkpoint(resume_from, map_location=device)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        scaler.load_state_dict(state["scaler"])
        set_rng_state(state["rng"], getattr(batches, "generator", None))
        history.epochs = [dict(row) for row in state["history"]]
        history.best_epoch, waited, best_loss = state["best_epoch"], state["waited"], state["best_loss"]
        best_state = state["best_state"]
        history.stopped_early = state["stopped_early"]
        first_epoch = state["epoch"] + 1
    start = time.perf_counter()
    show = config.progress and rank == 0
    bar = tqdm(total=len(batches) * (config.num_epochs - first_epoch), desc="training", leave=False, disable=not show)
    for epoch in range(first_epoch, config.num_epochs):
        if history.stopped_early:
            break
        if hasattr(getattr(batches, "sampler", None), "set_epoch"):
            batches.sampler.set_epoch(epoch)
        tic = time.perf_counter()
        row: dict[str, float] = {"epoch": epoch}
        row.update(_run_epoch(training_model, batches, device, optimizer, scheduler, scaler, loss_fn, config,
                              autocast_dtype, bar))
        row["lr"] = scheduler.get_last_lr()[0]
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        row["train_seconds"] = time.perf_counter() - tic
        row["data_fraction"] = row["data_seconds"] / max(row["train_seconds"], 1e-12)
        if val_data is not None and task == "regression":
            scores = evaluate(model, val_data, batch_size=config.eval_batch_size, device=device,
                              task="regression")
            row["val_loss"], row["val_mae"] = scores["mse"], scores["mae"]
        elif val_data is not None:
            scores = evaluate(model, val_data, batch_size=config.eval_batch_size, device=device)
            row["val_loss"], row["val_accuracy"] = scores["cross_entropy"], scores["accuracy"]
        row["seconds"] = time.perf_counter() - tic
        history.append(row)
        monitored = row.get("val_loss", row["train_loss"])
        if monitored < best_loss:
            best_loss, waited, history.best_epoch = monitored, 0, epoch
            if val_data is not None:
                best_state = copy.deepcopy(model.state_dict())
        else:
            waited += 1
            if val_data is not None and config.patience is not None and waited >= config.patience:
                history.stopped_early = True
        if checkpoint_dir is not None and rank == 0:
            save_checkpoint(Path(checkpoint_dir) / "last.pt", {
                "epoch": epoch, "model": model.state_dict(), "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(), "scaler": scaler.state_dict(),
                "rng": rng_state(getattr(batches, "generator", None)), "history": history.epochs,
                "best_epoch": history.best_epoch, "waited": waited, "best_loss": best_loss,
                "best_state": best_state, "stopped_early": history.stopped_early, "config": asdict(config),
            })
        if on_epoch_end is not None:
            on_epoch_end(epoch, row)
    bar.close()
    if val_data is None:
        history.best_epoch = len(history.epochs) - 1
    elif best_state is not None:
        model.load_state_dict(best_state)
    history.seconds = time.perf_counter() - start
    return history

def config_dict(config: TrainConfig) -> dict[str, Any]:
    """``TrainConfig`` as a plain dict (for result tables)."""
    return asdict(config)

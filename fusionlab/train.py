"""Training and evaluation: one device-agnostic loop for every lesson.

AdamW, a cosine learning-rate schedule with linear warm-up, early stopping on the validation loss
(the best weights are restored), tqdm progress bars, gradient clipping, and mixed precision on CUDA
(bf16 where supported, fp16 with gradient scaling otherwise). A :class:`History` records every epoch.
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import torch
from torch import Tensor, nn
from torch.nn import functional as F
from tqdm.auto import tqdm

from fusionlab import metrics
from fusionlab.batches import make_batches, to_device
from fusionlab.repro import get_device

LossFn = Callable[[nn.Module, Mapping[str, Any]], Tensor]


@dataclass
class TrainConfig:
    """Settings of :func:`fit` (plain names, as in d2l).

    Attributes
    ----------
    num_epochs : int
        Maximum number of passes over the training data.
    batch_size : int
    lr : float
        Peak learning rate of AdamW.
    weight_decay : float
    warmup_frac : float
        Fraction of all optimisation steps spent in linear warm-up.
    patience : int or None
        Stop after this many epochs without a better validation loss (None: never stop early).
    grad_clip : float or None
        Clip the gradient norm to this value.
    amp : {"auto", "off", "bf16", "fp16"}
        Mixed precision. "auto" uses bf16 (or fp16 + scaling) on CUDA and full precision elsewhere.
    seed : int
        Seed of the batch order.
    num_workers : int
        DataLoader workers for datasets that are not in memory.
    progress : bool
        Show tqdm progress bars.
    """

    num_epochs: int = 20
    batch_size: int = 128
    lr: float = 1e-3
    weight_decay: float = 1e-2
    warmup_frac: float = 0.05
    patience: int | None = 5
    grad_clip: float | None = 1.0
    amp: str = "auto"
    seed: int = 0
    num_workers: int = 0
    progress: bool = True

    def __post_init__(self) -> None:
        if self.num_epochs < 1:
            raise ValueError(f"num_epochs must be >= 1, got {self.num_epochs}")
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
        """One row per epoch: ``epoch, train_loss, train_accuracy, val_loss, val_accuracy, lr, seconds``."""
        return pd.DataFrame(self.epochs)

    @property
    def best(self) -> dict[str, float]:
        """The row of the epoch whose weights were kept."""
        return self.epochs[self.best_epoch] if self.epochs else {}


def cross_entropy_loss(model: nn.Module, batch: Mapping[str, Any]) -> Tensor:
    """Default loss: cross-entropy of the fused logits."""
    return F.cross_entropy(model(batch["inputs"], batch["mask"]), batch["label"])


def _autocast_dtype(amp: str, device: torch.device) -> torch.dtype | None:
    if amp == "off" or device.type != "cuda":
        return None
    if amp == "bf16" or (amp == "auto" and torch.cuda.is_bf16_supported()):
        return torch.bfloat16
    return torch.float16


def _cosine_with_warmup(total_steps: int, warmup_steps: int) -> Callable[[int], float]:
    def factor(step: int) -> float:
        if step < warmup_steps:
            return (step + 1) / warmup_steps
        progress = (step - warmup_steps) / max(1, total_steps - warmup_steps)
        return 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress)))

    return factor


@torch.no_grad()
def predict(model: nn.Module, data, *, batch_size: int = 512, device: str | torch.device = "auto",
            mask: Tensor | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Class probabilities ``(n, n_classes)`` and labels ``(n,)`` of a dataset, in order.

    ``mask`` (optional, shape ``(n_modalities,)`` or ``(n, n_modalities)``) replaces the dataset's
    modality mask, e.g. to evaluate with one modality removed.
    """
    device = get_device(device)
    model.to(device).eval()
    probs, labels = [], []
    for batch in make_batches(data, batch_size, shuffle=False):
        batch = to_device(batch, device)
        batch_mask = batch["mask"]
        if mask is not None:
            override = mask.to(device).bool()
            batch_mask = override.expand_as(batch_mask) if override.dim() == 1 else override[: len(batch_mask)]
        logits = model(batch["inputs"], batch_mask)
        probs.append(torch.softmax(logits.float(), dim=-1).cpu())
        labels.append(batch["label"].cpu())
    return torch.cat(probs).numpy(), torch.cat(labels).numpy()


def evaluate(model: nn.Module, data, *, batch_size: int = 512, device: str | torch.device = "auto") -> dict[str, float]:
    """Accuracy, macro-F1, Cohen's kappa and cross-entropy of ``model`` on ``data``."""
    probs, labels = predict(model, data, batch_size=batch_size, device=device)
    return metrics.classification_metrics(labels, probs)


def _run_epoch(model, batches, device, optimizer, scheduler, scaler, loss_fn, config, autocast_dtype, bar) -> dict[str, float]:
    model.train()
    total_loss, correct, count = 0.0, 0, 0
    for batch in batches:
        batch = to_device(batch, device, non_blocking=True)
        with torch.autocast(device.type, dtype=autocast_dtype, enabled=autocast_dtype is not None):
            loss = loss_fn(model, batch)
        optimizer.zero_grad(set_to_none=True)
        scaler.scale(loss).backward()
        if config.grad_clip is not None:
            scaler.unscale_(optimizer)
            nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)
        scaler.step(optimizer)
        scaler.update()
        scheduler.step()
        n = len(batch["label"])
        total_loss += float(loss.detach()) * n
        count += n
        if bar is not None:
            bar.update(1)
            bar.set_postfix(loss=f"{total_loss / count:.4f}")
    return {"train_loss": total_loss / max(count, 1)}


def fit(
    model: nn.Module,
    train_data,
    val_data=None,
    config: TrainConfig | None = None,
    *,
    device: str | torch.device = "auto",
    loss_fn: LossFn = cross_entropy_loss,
) -> History:
    """Train ``model`` on ``train_data``; early-stop on ``val_data`` and restore the best weights.

    Parameters
    ----------
    model : nn.Module
        Usually a :class:`fusionlab.models.MultimodalNet`; any module works with a matching ``loss_fn``.
    train_data, val_data : Dataset
        Datasets yielding fusionlab items (see :mod:`fusionlab.batches`). Without ``val_data`` the
        last epoch's weights are kept.
    config : TrainConfig
    device : str or torch.device
        ``"auto"`` picks CUDA, then MPS, then CPU.
    loss_fn : callable (model, batch) -> scalar Tensor
        Cross-entropy of the fused logits by default; multi-term losses plug in here.

    Returns
    -------
    History
    """
    config = config or TrainConfig()
    device = get_device(device)
    model.to(device)
    trainable = [p for p in model.parameters() if p.requires_grad]
    if not trainable:
        raise ValueError("model has no trainable parameters")
    batches = make_batches(train_data, config.batch_size, shuffle=True, seed=config.seed,
                           num_workers=config.num_workers, pin_memory=device.type == "cuda")
    steps_per_epoch = len(batches)
    total_steps = steps_per_epoch * config.num_epochs
    optimizer = torch.optim.AdamW(trainable, lr=config.lr, weight_decay=config.weight_decay)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, _cosine_with_warmup(total_steps, max(1, int(config.warmup_frac * total_steps))))
    autocast_dtype = _autocast_dtype(config.amp, device)
    scaler = torch.amp.GradScaler(device.type, enabled=autocast_dtype == torch.float16)

    history = History()
    best_loss, best_state, waited = math.inf, None, 0
    start = time.perf_counter()
    bar = tqdm(total=total_steps, desc="training", leave=False, disable=not config.progress)
    for epoch in range(config.num_epochs):
        tic = time.perf_counter()
        row: dict[str, float] = {"epoch": epoch}
        row.update(_run_epoch(model, batches, device, optimizer, scheduler, scaler, loss_fn, config,
                              autocast_dtype, bar))
        row["lr"] = scheduler.get_last_lr()[0]
        if val_data is not None:
            scores = evaluate(model, val_data, device=device)
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
                break
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

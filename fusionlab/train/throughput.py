"""Measure training throughput and memory: samples/s, activation memory, the data-loading share.

Used by notebook 04 and ``benchmarks/training_throughput.py``. Activation memory is measured on any
device by summing the bytes of the tensors autograd saves for the backward pass
(:func:`torch.autograd.graph.saved_tensors_hooks`); on CUDA the allocator's peak is reported too.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd
import torch
from torch import nn
from torch.nn import functional as F

from fusionlab.data.batches import MultimodalTensorDataset, TensorBatches, to_device
from fusionlab.train.loop import TrainConfig, fit


def _loss(model: nn.Module, batch: dict[str, Any]) -> torch.Tensor:
    return F.cross_entropy(model(batch["inputs"], batch["mask"]), batch["label"])


def activation_bytes(model: nn.Module, batch: dict[str, Any]) -> int:
    """Bytes of the tensors autograd keeps from one forward pass of ``batch`` (freed after backward)."""
    total = 0
    seen: set[int] = set()

    def pack(tensor: torch.Tensor) -> torch.Tensor:
        nonlocal total
        storage = tensor.untyped_storage().data_ptr()
        if storage not in seen:  # views of one storage count once
            seen.add(storage)
            total += tensor.untyped_storage().nbytes()
        return tensor

    model.train()
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        loss = _loss(model, batch)
    loss.backward()
    model.zero_grad(set_to_none=True)
    return total


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def measure_step(model: nn.Module, batch: dict[str, Any], *, device: torch.device, amp: str = "off",
                 steps: int = 10, warmup: int = 2, compile: bool = False) -> dict[str, float]:
    """Time ``steps`` optimisation steps of ``model`` on one fixed ``batch``.

    Returns ``samples_per_s``, ``step_ms``, ``activation_mb`` and, on CUDA, ``peak_memory_mb``.
    ``amp`` is ``"off"``, ``"bf16"`` or ``"fp16"`` (fp16 uses a gradient scaler).
    """
    if amp not in ("off", "bf16", "fp16"):
        raise ValueError(f"amp must be 'off', 'bf16' or 'fp16', got {amp!r}")
    model = model.to(device)
    batch = to_device(batch, device)
    dtype = {"off": None, "bf16": torch.bfloat16, "fp16": torch.float16}[amp]
    runner = torch.compile(model) if compile else model
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-4)
    scaler = torch.amp.GradScaler(device.type, enabled=dtype == torch.float16)
    activations = activation_bytes(model, batch)
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    runner.train()
    for i in range(warmup + steps):
        if i == warmup:
            _sync(device)
            tic = time.perf_counter()
        with torch.autocast(device.type, dtype=dtype, enabled=dtype is not None):
            loss = _loss(runner, batch)
        optimizer.zero_grad(set_to_none=True)
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()
    _sync(device)
    seconds = (time.perf_counter() - tic) / steps
    n = len(batch["label"])
    result = {"samples_per_s": n / seconds, "step_ms": 1000 * seconds, "activation_mb": activations / 2**20}
    if device.type == "cuda":
        result["peak_memory_mb"] = torch.cuda.max_memory_allocated(device) / 2**20
    return result


def throughput_table(build_model: Callable[[], nn.Module], dataset: MultimodalTensorDataset, *,
                     batch_sizes: Sequence[int], amp_modes: Sequence[str] = ("off",), device: torch.device,
                     steps: int = 10, compile_modes: Sequence[bool] = (False,)) -> pd.DataFrame:
    """:func:`measure_step` for every batch size, precision and compile setting; one row each."""
    rows = []
    for compile_ in compile_modes:
        for amp in amp_modes:
            for batch_size in batch_sizes:
                if batch_size > len(dataset):
                    raise ValueError(f"batch size {batch_size} exceeds the dataset's {len(dataset)} samples")
                torch.manual_seed(0)
                batch = dataset[torch.arange(batch_size)]
                row = measure_step(build_model(), batch, device=device, amp=amp, steps=steps, compile=compile_)
                rows.append({"device": str(device), "amp": amp, "compile": compile_, "batch_size": batch_size, **row})
    return pd.DataFrame(rows)


def bare_loop_seconds(model: nn.Module, dataset: MultimodalTensorDataset, *, batch_size: int, device: torch.device,
                      seed: int = 0) -> float:
    """One epoch of the plainest PyTorch loop (AdamW, no schedule, no extras) -- the reference for
    the package loop's overhead."""
    model = model.to(device).train()
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-3)
    _sync(device)
    tic = time.perf_counter()
    for batch in TensorBatches(dataset, batch_size, shuffle=True, seed=seed):
        batch = to_device(batch, device)
        loss = _loss(model, batch)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    _sync(device)
    return time.perf_counter() - tic


def package_loop_seconds(model: nn.Module, dataset: MultimodalTensorDataset, *, batch_size: int,
                         device: torch.device, seed: int = 0) -> tuple[float, float]:
    """One epoch of :func:`fusionlab.train.fit` without validation: (train seconds, data-loading fraction)."""
    history = fit(model, dataset, None, TrainConfig(num_epochs=1, batch_size=batch_size, progress=False, seed=seed,
                                                    grad_clip=None, amp="off"), device=device)
    row = history.epochs[0]
    return row["train_seconds"], row["data_fraction"]

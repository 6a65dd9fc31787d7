"""Checkpoints that resume a run exactly: model, optimiser, scheduler, scaler, RNG states, history.

Everything is stored as tensors, numbers, strings, lists and dicts, so checkpoints load with
``torch.load(..., weights_only=True)`` -- no pickled code is ever executed when a file is read.
Files are written to a temporary name and renamed: an interrupted save never leaves a broken file.
"""

from __future__ import annotations

import os
import random
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import torch

CHECKPOINT_VERSION = 1


def rng_state(batch_generator: torch.Generator | None = None) -> dict[str, Any]:
    """Python, NumPy, torch (CPU and CUDA) and batch-order RNG states, in ``weights_only``-safe types."""
    name, keys, pos, has_gauss, cached = np.random.get_state()
    state: dict[str, Any] = {
        "python": list(random.getstate()[1]),
        "python_version": random.getstate()[0],
        "numpy": {"name": name, "keys": torch.from_numpy(keys.astype(np.int64)), "pos": int(pos),
                  "has_gauss": int(has_gauss), "cached": float(cached)},
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    if batch_generator is not None:
        state["batches"] = batch_generator.get_state()
    return state


def set_rng_state(state: dict[str, Any], batch_generator: torch.Generator | None = None) -> None:
    """Restore what :func:`rng_state` saved."""
    random.setstate((state["python_version"], tuple(state["python"]), None))
    numpy = state["numpy"]
    np.random.set_state((numpy["name"], numpy["keys"].numpy().astype(np.uint32), numpy["pos"],
                         numpy["has_gauss"], numpy["cached"]))
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])
    if batch_generator is not None and "batches" in state:
        batch_generator.set_state(state["batches"])


def save_checkpoint(path: str | os.PathLike, payload: dict[str, Any]) -> Path:
    """Write ``payload`` (plus a format version) to ``path`` atomically; return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        torch.save({"version": CHECKPOINT_VERSION, **payload}, tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def load_checkpoint(path: str | os.PathLike, map_location: str | torch.device = "cpu") -> dict[str, Any]:
    """Read a checkpoint with ``weights_only=True``; a missing or foreign file is a clear error."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint {path} does not exist")
    try:
        payload = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as err:  # truncated file, not a torch file, pickled objects ...
        raise ValueError(f"checkpoint {path} could not be read as a fusionlab checkpoint: {err}") from None
    if not isinstance(payload, dict) or payload.get("version") != CHECKPOINT_VERSION:
        raise ValueError(f"checkpoint {path}: expected a fusionlab checkpoint of version {CHECKPOINT_VERSION}, "
                         f"found {type(payload).__name__} with version {getattr(payload, 'get', lambda k: None)('version')!r}")
    return payload

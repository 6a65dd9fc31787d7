"""Train one model from a JSON run file, on one process or many (``torchrun``).

    python -m fusionlab.training_run --config run.json
    torchrun --standalone --nproc_per_node=2 -m fusionlab.training_run --config run.json
    fusionlab train --config run.json          # the same through the command-line entry point

A run file names a task, a registered model and the training settings, e.g.::

    {"task": {"name": "logic", "rule": "xor", "noise": 0.25, "n_train": 4000, "n_val": 1000, "n_test": 4000},
     "model": "enhanced_early", "model_kwargs": {"d_model": 32},
     "train": {"num_epochs": 10, "batch_size": 128, "lr": 0.002},
     "seed": 0, "output_dir": "build/runs/xor"}

Under ``torchrun`` every process joins a process group (NCCL on CUDA, gloo on CPU), trains its shard
with DistributedDataParallel, and rank 0 writes the checkpoint, ``metrics.json`` and ``history.csv``.
Every rank also writes ``rank<N>.json`` (samples seen, a checksum of its weights) so that a test can
check that the replicas stayed identical.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import torch

from fusionlab.data.batches import MultimodalTensorDataset
from fusionlab.data.synthetic.logic import LogicTask, make_boundary_data
from fusionlab.models import create_model
from fusionlab.models.pretraining import frozen_encoders, pretrain_frozen_encoders
from fusionlab.repro import get_device, seed_everything
from fusionlab.train.loop import TrainConfig, distributed_context, evaluate, fit

Splits = tuple[MultimodalTensorDataset, MultimodalTensorDataset, MultimodalTensorDataset, dict, int]


def _logic_task(options: dict[str, Any], seed: int) -> Splits:
    task = LogicTask(options.get("rule", "and"), noise=float(options.get("noise", 0.25)))
    sizes = [int(options.get(k, d)) for k, d in (("n_train", 4000), ("n_val", 1000), ("n_test", 4000))]
    train, val, test = (task.sample(n, seed=1000 * seed + i + 1).to_dataset() for i, n in enumerate(sizes))
    return train, val, test, task.specs(), task.n_classes


def _boundary_task(options: dict[str, Any], seed: int) -> Splits:
    data = make_boundary_data(int(options.get("n", 20000)), pad=int(options.get("pad", 500)),
                              rule=options.get("rule", "sine"), seed=seed)
    full = data.to_dataset()
    order = torch.randperm(len(full), generator=torch.Generator().manual_seed(seed))
    a, b = int(0.7 * len(full)), int(0.85 * len(full))
    return full.subset(order[:a]), full.subset(order[a:b]), full.subset(order[b:]), data.specs(), 2


# Task builders by name; a lesson adds its own here.
TASKS: dict[str, Callable[[dict[str, Any], int], Splits]] = {"logic": _logic_task, "boundary": _boundary_task}


@dataclass
class RunSpec:
    """A parsed run file (see the module docstring)."""

    task: dict[str, Any]
    model: str
    output_dir: str
    model_kwargs: dict[str, Any] = field(default_factory=dict)
    train: dict[str, Any] = field(default_factory=dict)
    seed: int = 0
    pretrain_epochs: int = 5
    resume: bool = True


def load_run_spec(path: str | os.PathLike) -> RunSpec:
    """Read and check a run file; every problem names the file and the key."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"run file {path} does not exist")
    try:
        raw = json.loads(path.read_text())
    except json.JSONDecodeError as err:
        raise ValueError(f"run file {path} is not valid JSON: {err}") from None
    if not isinstance(raw, dict):
        raise ValueError(f"run file {path}: expected a JSON object, found {type(raw).__name__}")
    known = {f.name for f in fields(RunSpec)}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ValueError(f"run file {path}: unknown key(s) {unknown}; expected some of {sorted(known)}")
    missing = [k for k in ("task", "model", "output_dir") if k not in raw]
    if missing:
        raise ValueError(f"run file {path}: missing required key(s) {missing}")
    if raw["task"].get("name") not in TASKS:
        raise ValueError(f"run file {path}: task.name must be one of {sorted(TASKS)}, got {raw['task'].get('name')!r}")
    TrainConfig(**raw.get("train", {}))  # fail early on a bad training setting
    return RunSpec(**raw)


def _write_json(path: Path, payload: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=path.parent, suffix=".tmp", delete=False) as handle:
        json.dump(payload, handle, indent=2)
    os.replace(handle.name, path)


def weights_checksum(model: torch.nn.Module) -> str:
    """SHA-256 of all parameters and buffers (identical replicas give identical checksums)."""
    digest = hashlib.sha256()
    for name, tensor in sorted(model.state_dict().items()):
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()


def run(spec: RunSpec) -> dict[str, Any]:
    """Train and test ``spec``; returns the test metrics (on every rank)."""
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    started_group = False
    if world_size > 1 and not torch.distributed.is_initialized():
        backend = "nccl" if torch.cuda.is_available() else "gloo"
        torch.distributed.init_process_group(backend)
        started_group = True
    try:
        rank, world_size = distributed_context()
        local_rank = int(os.environ.get("LOCAL_RANK", "0"))
        device = torch.device("cuda", local_rank) if torch.cuda.is_available() else get_device("auto")
        seed_everything(spec.seed)
        train, val, test, specs, n_classes = TASKS[spec.task["name"]](spec.task, spec.seed)
        model = create_model(spec.model, specs, n_classes, **spec.model_kwargs)
        if frozen_encoders(model):
            pretrain_frozen_encoders(model, train.inputs, epochs=spec.pretrain_epochs, seed=spec.seed, device=device)
        output = Path(spec.output_dir)
        checkpoint = output / "checkpoints" / "last.pt"
        config = TrainConfig(**{"progress": False, **spec.train, "seed": spec.seed})
        seen = {"samples": 0}

        def count_samples(model_, batch):
            seen["samples"] += len(batch["label"])
            return torch.nn.functional.cross_entropy(model_(batch["inputs"], batch["mask"]), batch["label"])

        history = fit(model, train, val, config, device=device, loss_fn=count_samples,
                      checkpoint_dir=output / "checkpoints",
                      resume_from=checkpoint if spec.resume and checkpoint.is_file() else None)
        metrics = evaluate(model, test, device=device)
        _write_json(output / f"rank{rank}.json", {"rank": rank, "world_size": world_size,
                                                   "samples_seen": seen["samples"],
                                                   "weights_sha256": weights_checksum(model)})
        if rank == 0:
            history.to_frame().to_csv(output / "history.csv", index=False)
            _write_json(output / "metrics.json", {"model": spec.model, "task": spec.task, "world_size": world_size,
                                                  "device": str(device), "epochs": len(history.epochs),
                                                  "seconds": history.seconds, **metrics})
        return metrics
    finally:
        if started_group:
            torch.distributed.destroy_process_group()


def write_run_spec(path: str | os.PathLike, spec: dict[str, Any]) -> Path:
    """Write ``spec`` as a run file (atomically) and check that it loads; return its path."""
    path = Path(path)
    _write_json(path, spec)
    load_run_spec(path)
    return path


def torchrun_command(run_file: str | os.PathLike, nproc_per_node: int = 2) -> list[str]:
    """The ``torchrun`` command line that trains ``run_file`` on ``nproc_per_node`` processes."""
    return [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={int(nproc_per_node)}",
            "-m", "fusionlab.train.distributed", "--config", str(run_file)]


def launch(run_file: str | os.PathLike, nproc_per_node: int = 2, *, timeout: float | None = 600,
           threads_per_process: int | None = 1) -> subprocess.CompletedProcess:
    """Run :func:`torchrun_command` and wait; a failure raises with the end of its error output.

    ``threads_per_process`` sets ``OMP_NUM_THREADS`` for the workers so that processes sharing a
    CPU do not oversubscribe its cores.
    """
    env = dict(os.environ)
    if threads_per_process is not None:
        env["OMP_NUM_THREADS"] = str(threads_per_process)
    result = subprocess.run(torchrun_command(run_file, nproc_per_node), capture_output=True, text=True, env=env,
                            timeout=timeout)
    if result.returncode != 0:
        raise RuntimeError(f"torchrun on {run_file} failed with exit code {result.returncode}:\n{result.stderr[-3000:]}")
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="fusionlab train", description="Train one model from a JSON run file.")
    parser.add_argument("--config", required=True, type=Path, help="JSON run file")
    args = parser.parse_args(argv)
    metrics = run(load_run_spec(args.config))
    if int(os.environ.get("RANK", "0")) == 0:
        print(json.dumps(metrics, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Checkpoints that resume exactly, data parallelism with torchrun (gloo, 2 CPU processes), feature caches."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

import fusionlab as fl
from fusionlab.data.synthetic.logic import LogicTask
from fusionlab.cache import cached_features
from fusionlab.train.checkpoint import load_checkpoint
from fusionlab.train.distributed import launch, load_run_spec
from fusionlab.train.loop import TrainConfig, TrainingInterrupted, evaluate, fit, interrupt_after

TASK = LogicTask("and", noise=0.5)


def _setup():
    fl.repro.seed_everything(0)
    train, val = TASK.sample(400, 1).to_dataset(), TASK.sample(200, 2).to_dataset()
    model = fl.create_model("enhanced_early", TASK.specs(), 2, d_model=16, depth=1)
    return model, train, val


CONFIG = TrainConfig(num_epochs=4, batch_size=50, lr=3e-3, patience=None, progress=False, seed=5)


def test_resumed_run_reproduces_the_uninterrupted_one(tmp_path):
    model, train, val = _setup()
    full = fit(model, train, val, CONFIG)
    reference = evaluate(model, val)

    model, train, val = _setup()

    with pytest.raises(TrainingInterrupted, match="after epoch 1"):
        fit(model, train, val, CONFIG, checkpoint_dir=tmp_path, on_epoch_end=interrupt_after(1))
    assert load_checkpoint(tmp_path / "last.pt")["epoch"] == 1

    fl.repro.seed_everything(123)  # a new process would start from other RNG states
    model, train, val = _setup()
    resumed = fit(model, train, val, CONFIG, resume_from=tmp_path / "last.pt")
    assert evaluate(model, val) == reference
    assert resumed.to_frame()["train_loss"].tolist() == full.to_frame()["train_loss"].tolist()


def test_checkpoint_loads_with_weights_only_and_rejects_garbage(tmp_path):
    model, train, val = _setup()
    fit(model, train, val, TrainConfig(num_epochs=1, batch_size=100, progress=False), checkpoint_dir=tmp_path)
    state = torch.load(tmp_path / "last.pt", weights_only=True)
    assert {"model", "optimizer", "scheduler", "rng", "history", "epoch"} <= set(state)
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match="bad.pt could not be read"):
        load_checkpoint(bad)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_checkpoint(tmp_path / "missing.pt")


def test_gradient_accumulation_matches_a_larger_batch():
    """Accumulating 2 batches of 50 takes the same steps as batches of 100 (no dropout, no clipping)."""
    def train(batch_size, accumulate):
        fl.repro.seed_everything(0)
        model = fl.create_model("basic_early", TASK.specs(), 2, d_model=16, depth=1, dropout=0.0)
        data = TASK.sample(200, 1).to_dataset()
        config = TrainConfig(num_epochs=1, batch_size=batch_size, accumulate_steps=accumulate,
                             grad_clip=None, progress=False, seed=0, lr=1e-2)
        fit(model, data, None, config)
        return torch.cat([p.flatten() for p in model.parameters()])

    # Same seed and dataset length give the same permutation, so the two accumulated batches of 50
    # hold exactly the samples of each batch of 100. Adam divides by sqrt(v), which magnifies float
    # rounding for near-zero gradients: a handful of such parameters may differ by a fraction of an update.
    difference = (train(100, 1) - train(50, 2)).abs()
    assert (difference < 1e-4).float().mean() > 0.99
    assert difference.max() < 1e-2  # one AdamW update is about lr = 1e-2


@pytest.mark.slow
def test_torchrun_two_processes_on_gloo(tmp_path):
    run_file = tmp_path / "run.json"
    output = tmp_path / "out"
    run_file.write_text(json.dumps({
        "task": {"name": "logic", "rule": "and", "n_train": 400, "n_val": 100, "n_test": 200},
        "model": "basic_early", "model_kwargs": {"d_model": 16, "depth": 1},
        "train": {"num_epochs": 2, "batch_size": 50}, "seed": 0, "output_dir": str(output),
    }))
    launch(run_file, nproc_per_node=2, timeout=300)
    ranks = [json.loads((output / f"rank{r}.json").read_text()) for r in (0, 1)]
    assert all(r["world_size"] == 2 for r in ranks)
    assert ranks[0]["weights_sha256"] == ranks[1]["weights_sha256"], "DDP replicas diverged"
    assert [r["samples_seen"] for r in ranks] == [400, 400]  # each rank saw half the data, for 2 epochs
    metrics = json.loads((output / "metrics.json").read_text())
    assert metrics["world_size"] == 2 and metrics["epochs"] == 2
    assert (output / "checkpoints" / "last.pt").is_file()


def test_bad_run_files(tmp_path):
    path = tmp_path / "run.json"
    path.write_text("{not json")
    with pytest.raises(ValueError, match="run.json is not valid JSON"):
        load_run_spec(path)
    path.write_text(json.dumps({"task": {"name": "logic"}, "model": "basic_early", "output_dir": "x", "epochs": 3}))
    with pytest.raises(ValueError, match="unknown key\\(s\\) \\['epochs'\\]"):
        load_run_spec(path)
    path.write_text(json.dumps({"task": {"name": "imagenet"}, "model": "basic_early", "output_dir": "x"}))
    with pytest.raises(ValueError, match="task.name must be one of"):
        load_run_spec(path)


def test_feature_cache_computes_once(tmp_path):
    calls = []

    def compute():
        calls.append(1)
        return np.arange(12, dtype=np.float32).reshape(3, 4)

    first = cached_features("demo", {"n_fft": 256}, compute, directory=tmp_path)
    second = cached_features("demo", {"n_fft": 256}, compute, directory=tmp_path)
    third = cached_features("demo", {"n_fft": 128}, compute, directory=tmp_path)
    assert len(calls) == 2
    assert isinstance(second, np.memmap) and not second.flags.writeable
    np.testing.assert_array_equal(first, second)
    np.testing.assert_array_equal(first, third)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary files left

"""The training loop: determinism, learning with a known answer, early stopping, errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import fusionlab as fl
from fusionlab.data.batches import MultimodalTensorDataset, TensorBatches
from fusionlab.data.synthetic.logic import LogicTask, make_boundary_data
from fusionlab.train.loop import TrainConfig, evaluate, fit, predict


def _xor_quadrants(n, seed):
    data = make_boundary_data(n, pad=14, rule="xor", seed=seed)
    return data.to_dataset(), data.specs()


def _train(seed):
    fl.repro.seed_everything(seed)
    train, specs = _xor_quadrants(600, seed=1)
    val, _ = _xor_quadrants(200, seed=2)
    model = fl.create_model("basic_early", specs, 2, d_model=16, depth=1, patch_size=8)
    history = fit(model, train, val, TrainConfig(num_epochs=2, batch_size=64, progress=False, seed=seed))
    return model, history, evaluate(model, val)


def test_same_seed_same_metrics():
    _, h1, m1 = _train(3)
    _, h2, m2 = _train(3)
    assert m1 == m2
    assert h1.to_frame()["train_loss"].tolist() == h2.to_frame()["train_loss"].tolist()


def test_learns_xor_with_a_known_answer():
    """Quadrant XOR of two modalities: each alone is at chance (50%), together the Bayes accuracy is 100%."""
    fl.repro.seed_everything(0)
    train, specs = _xor_quadrants(2000, seed=1)
    val, _ = _xor_quadrants(500, seed=2)
    test, _ = _xor_quadrants(1000, seed=3)
    model = fl.create_model("enhanced_early", specs, 2, d_model=32, depth=1, patch_size=8)
    fit(model, train, val, TrainConfig(num_epochs=15, batch_size=100, lr=5e-3, patience=None, progress=False))
    full = evaluate(model, test)["accuracy"]
    assert full > 0.85
    # Either modality alone carries no information about the label.
    only_x1 = predict(model, test, mask=torch.tensor([True, False]))
    assert abs((only_x1[0].argmax(1) == only_x1[1]).mean() - 0.5) < 0.1


def test_early_stopping_restores_best_weights():
    fl.repro.seed_everything(0)
    task = LogicTask("and", noise=5.0)  # nearly pure noise: validation loss soon stops improving
    train, val = task.sample(300, 1).to_dataset(), task.sample(300, 2).to_dataset()
    model = fl.create_model("basic_early", task.specs(), 2, d_model=16, depth=1)
    history = fit(model, train, val, TrainConfig(num_epochs=40, batch_size=32, lr=1e-2, patience=2, progress=False))
    frame = history.to_frame()
    assert history.stopped_early and len(frame) < 40
    assert history.best_epoch == int(frame["val_loss"].idxmin())
    np.testing.assert_allclose(evaluate(model, val)["cross_entropy"], frame["val_loss"].min(), rtol=1e-5)


def test_tensor_batches_cover_every_sample_once():
    data = MultimodalTensorDataset({"a": torch.arange(10).float()[:, None]}, torch.arange(10))
    seen = torch.cat([b["label"] for b in TensorBatches(data, 3, shuffle=True, seed=0)])
    assert sorted(seen.tolist()) == list(range(10))
    assert len(TensorBatches(data, 3)) == 4


def test_bad_training_input():
    with pytest.raises(ValueError, match="num_epochs must be >= 1"):
        TrainConfig(num_epochs=0)
    with pytest.raises(ValueError, match="amp must be"):
        TrainConfig(amp="int8")
    with pytest.raises(ValueError, match="modality 'a' has 3 samples but labels has 2"):
        MultimodalTensorDataset({"a": torch.zeros(3, 1)}, torch.zeros(2))
    model = fl.create_model("basic_late", {"a": fl.models.ModalitySpec("a", (2, 1))}, 2, d_model=8, n_heads=2)
    for p in model.parameters():
        p.requires_grad_(False)
    data = MultimodalTensorDataset({"a": torch.zeros(4, 2, 1)}, torch.zeros(4))
    with pytest.raises(ValueError, match="no trainable parameters"):
        fit(model, data, config=TrainConfig(num_epochs=1, progress=False))

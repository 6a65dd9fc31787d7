"""Regression through the shared trainer: float targets, one output, MSE loss, MAE/MSE validation."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import fusionlab as fl
from fusionlab.data.batches import MultimodalTensorDataset
from fusionlab.models import ModalitySpec, MultimodalNet
from fusionlab.train.loop import TrainConfig, evaluate, fit, mse_loss, predict_values

SPECS = {"a": ModalitySpec("a", (4, 3)), "b": ModalitySpec("b", (4, 2))}
WEIGHTS = {"a": np.array([1.5, -2.0, 1.0]), "b": np.array([2.5, 1.0])}


def _linear_problem(n, seed, noise=0.1):
    """y = w_a . mean_t(a) + w_b . mean_t(b) + 0.5 + noise: linear in what the tiny model averages."""
    rng = np.random.default_rng(seed)
    inputs = {m: rng.standard_normal((n, *spec.shape)).astype(np.float32) for m, spec in SPECS.items()}
    y = sum(inputs[m].mean(axis=1) @ WEIGHTS[m] for m in SPECS) + 0.5 + noise * rng.standard_normal(n)
    return MultimodalTensorDataset({m: torch.from_numpy(x) for m, x in inputs.items()}, torch.from_numpy(y),
                                   task="regression")


def _tiny_regressor(d_model=16):
    encoders = {m: fl.create_model("token_embedding", spec, d_model) for m, spec in SPECS.items()}
    return MultimodalNet(encoders, fl.create_model("mean", list(SPECS), d_model), 1, specs=SPECS)


def test_learns_a_linear_target_well_below_its_variance():
    fl.repro.seed_everything(0)
    train, val, test = _linear_problem(1024, 1), _linear_problem(256, 2), _linear_problem(512, 3)
    model = _tiny_regressor()
    history = fit(model, train, val, TrainConfig(num_epochs=30, batch_size=64, lr=1e-2, weight_decay=0.0,
                                                 patience=None, progress=False), task="regression")
    frame = history.to_frame()
    assert {"val_loss", "val_mae"} <= set(frame.columns) and "val_accuracy" not in frame.columns
    scores = evaluate(model, test, task="regression")
    variance = float(test.labels.var())
    assert variance > 1.0 and scores["mse"] < 0.05 * variance
    assert scores["rmse"] == pytest.approx(np.sqrt(scores["mse"]))
    assert frame["val_mae"].iloc[-1] < 0.5 * frame["val_mae"].iloc[0]
    # the best epoch's weights are kept, and val_loss is the validation MSE
    assert evaluate(model, val, task="regression")["mse"] == pytest.approx(frame["val_loss"].min(), rel=1e-5)
    values, targets = predict_values(model, test)
    assert values.shape == targets.shape == (512,) and values.dtype == np.float32
    np.testing.assert_allclose(targets, test.labels.numpy())
    np.testing.assert_allclose(np.mean((values - targets) ** 2), scores["mse"], rtol=1e-5)


def test_mse_loss_and_single_output():
    data = _linear_problem(8, 0)
    model = _tiny_regressor()
    batch = data[torch.arange(8)]
    output = model(batch["inputs"], batch["mask"])
    assert output.shape == (8, 1)
    assert float(mse_loss(model, batch)) == pytest.approx(float(((output[:, 0] - batch["label"]) ** 2).mean()))
    with pytest.raises(ValueError, match=r"num_classes must be >= 1 \(1: one regression output"):
        MultimodalNet({"a": fl.create_model("token_embedding", SPECS["a"], 8)}, fl.create_model("mean", ["a"], 8), 0)


def test_dataset_task_is_validated_and_kept():
    data = _linear_problem(10, 0)
    assert data.task == "regression" and data.labels.dtype == torch.float32
    assert data[3]["label"].dtype == torch.float32
    derived = [data.subset([1, 2, 3]), data.to("cpu"), data.with_mask(torch.ones(10, 2, dtype=torch.bool))]
    assert all(d.task == "regression" and d.labels.dtype == torch.float32 for d in derived)
    np.testing.assert_allclose(derived[0].labels.numpy(), data.labels.numpy()[1:4])
    classes = MultimodalTensorDataset({"a": torch.zeros(4, 1)}, torch.tensor([0.0, 1.0, 2.0, 1.0]))
    assert classes.task == "classification" and classes.labels.dtype == torch.long
    assert classes.subset([0, 1]).task == "classification"
    with pytest.raises(ValueError, match=r"task must be one of \('classification', 'regression'\), got 'ranking'"):
        MultimodalTensorDataset({"a": torch.zeros(4, 1)}, torch.zeros(4), task="ranking")
    with pytest.raises(ValueError, match=r"finite; found 1 NaN/inf"):
        MultimodalTensorDataset({"a": torch.zeros(3, 1)}, torch.tensor([0.0, float("nan"), 1.0]), task="regression")
    with pytest.raises(ValueError, match=r"shape \(n_samples,\), got \(3, 2\)"):
        MultimodalTensorDataset({"a": torch.zeros(3, 1)}, torch.zeros(3, 2), task="regression")


def test_fit_checks_the_task():
    data = _linear_problem(16, 0)
    config = TrainConfig(num_epochs=1, progress=False)
    with pytest.raises(ValueError, match="task must be one of"):
        fit(_tiny_regressor(), data, config=config, task="ranking")
    with pytest.raises(ValueError, match=r"fit\(task='classification'\) got train_data built with task='regression'"):
        fit(_tiny_regressor(), data, config=config)
    with pytest.raises(ValueError, match="task must be one of"):
        evaluate(_tiny_regressor(), data, task="ranking")


def test_per_sample_mask_follows_the_batches():
    """A (n, n_modalities) mask must be applied to the matching samples in every batch, not the first rows."""
    fl.repro.seed_everything(0)
    data = _linear_problem(10, 0)
    model = _tiny_regressor()
    mask = torch.ones(10, 2, dtype=torch.bool)
    mask[7:, 1] = False
    whole, _ = predict_values(model, data.with_mask(mask))
    batched, _ = predict_values(model, data, batch_size=3, mask=mask)
    np.testing.assert_allclose(batched, whole, atol=1e-6)

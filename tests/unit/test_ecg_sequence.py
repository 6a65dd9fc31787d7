"""A beat with its neighbours: the window index, the windows of every input, and the beat-sequence model."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from fusionlab.data.rhythm import beat_windows, neighbour_index
from fusionlab.models.ecg_sequence import BeatSequenceNet
from fusionlab.spectral.beat_views import views_to_dataset
from fusionlab.train.loop import TrainConfig, fit, predict


def test_neighbour_index_stays_inside_each_record():
    records = np.array(["a"] * 4 + ["b"] * 3)
    index = neighbour_index(records, 2)
    assert index.shape == (7, 5)
    np.testing.assert_array_equal(index[:, 2], np.arange(7))            # the centre is the beat itself
    np.testing.assert_array_equal(index[0], [0, 0, 0, 1, 2])            # a record's first beat repeats itself
    np.testing.assert_array_equal(index[3], [1, 2, 3, 3, 3])            # ... its last one too
    np.testing.assert_array_equal(index[4], [4, 4, 4, 5, 6])            # record b never sees record a
    assert neighbour_index(records, 0).tolist() == [[i] for i in range(7)]


def test_neighbour_index_rejects_bad_input():
    with pytest.raises(ValueError, match="consecutive"):
        neighbour_index(np.array(["a", "b", "a"]), 1)
    with pytest.raises(ValueError, match="half must be >= 0"):
        neighbour_index(np.array(["a"]), -1)


def test_beat_windows_gather_every_modality():
    records = np.array(["a"] * 5)
    inputs = {"time": np.arange(5 * 2 * 3, dtype=np.float32).reshape(5, 2, 3),
              "rhythm": np.arange(5 * 4, dtype=np.float32).reshape(5, 4)}
    out = beat_windows(inputs, np.array([0, 2]), neighbour_index(records, 1))
    assert out["time"].shape == (2, 3, 2, 3) and out["rhythm"].shape == (2, 3, 4)
    np.testing.assert_array_equal(out["rhythm"][1], inputs["rhythm"][[1, 2, 3]])
    np.testing.assert_array_equal(out["time"][0, 0], inputs["time"][0])


def test_beat_sequence_net_checks_its_window():
    net = BeatSequenceNet((2, 40), 9, 4, half=2, d_model=8)
    logits = net({"time": torch.zeros(3, 5, 2, 40), "rhythm": torch.zeros(3, 5, 9)})
    assert logits.shape == (3, 4)
    with pytest.raises(ValueError, match=r"time \(batch, 5, 2, 40\)"):
        net({"time": torch.zeros(3, 3, 2, 40), "rhythm": torch.zeros(3, 3, 9)})
    with pytest.raises(ValueError, match="rhythm"):
        net({"time": torch.zeros(3, 5, 2, 40), "rhythm": torch.zeros(3, 4, 9)})


def _context_task(n: int, seed: int):
    """Beats whose class is the *previous* beat's amplitude: a single beat cannot tell, its window can."""
    rng = np.random.default_rng(seed)
    amplitude = rng.integers(0, 2, n)
    wave = np.sin(np.linspace(0, np.pi, 32, dtype=np.float32))
    time = (1 + amplitude)[:, None, None] * wave[None, None] + 0.05 * rng.standard_normal((n, 1, 32))
    labels = np.r_[0, amplitude[:-1]]
    inputs = {"time": time.astype(np.float32), "rhythm": rng.standard_normal((n, 3)).astype(np.float32)}
    return inputs, labels, np.array(["r"] * n)


@pytest.mark.parametrize(("half", "learns"), [(1, True), (0, False)])
def test_only_the_window_sees_the_neighbouring_beat(half, learns):
    inputs, labels, records = _context_task(800, seed=0)
    neighbours = neighbour_index(records, half)
    train, test = np.arange(600), np.arange(600, 800)

    def data(rows):
        return views_to_dataset(beat_windows(inputs, rows, neighbours), labels[rows], ("time", "rhythm"))

    torch.manual_seed(0)
    net = BeatSequenceNet((1, 32), 3, 2, half=half, d_model=8, dropout=0.0)
    fit(net, data(train), config=TrainConfig(num_epochs=8, batch_size=32, lr=1e-2, progress=False, seed=0),
        device="cpu", loss_fn=lambda m, b: torch.nn.functional.cross_entropy(m(b["inputs"]), b["label"]))
    probs, y = predict(net, data(test), device="cpu")
    accuracy = float((probs.argmax(1) == y).mean())
    assert (accuracy > 0.9) if learns else (accuracy < 0.7), accuracy

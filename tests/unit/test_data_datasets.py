"""Torch datasets: the item format, sequences of neighbouring epochs, masks, compatibility checks."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from fusionlab.data import (
    DataFormatError,
    SamplingRateError,
    SleepEpochs,
    SleepSequenceDataset,
    epochs_to_dataset,
    events_to_dataset,
)
from fusionlab.data.synthetic import make_night, synthetic_event_dataset


def fake_night(n=30, fs=10.0, gap_at=None, subject="s0", missing=None):
    onsets = np.arange(n) * 30.0
    if gap_at is not None:
        onsets[gap_at:] += 60.0  # two epochs dropped (e.g. movement)
    rng = np.random.default_rng(0)
    signals = {"eeg": rng.standard_normal((n, 2, int(30 * fs))).astype(np.float32),
               "eog": rng.standard_normal((n, 1, int(30 * fs))).astype(np.float32)}
    available = np.ones((n, 2), dtype=bool)
    if missing is not None:
        available[missing, 1] = False
    return SleepEpochs(signals, np.arange(n) % 5, onsets, fs, 30.0, {"eeg": ["a", "b"], "eog": ["c"]}, available,
                       subject)


def test_item_format_and_centre_label():
    night = fake_night()
    dataset = SleepSequenceDataset(night, seq_len=5)
    assert dataset.modalities == ("eeg", "eog") and len(dataset) == 26
    item = dataset[3]
    assert set(item) == {"inputs", "mask", "epoch_mask", "label"}
    assert item["inputs"]["eeg"].shape == (5, 2, 300) and item["inputs"]["eog"].shape == (5, 1, 300)
    assert item["label"].dtype == torch.long and item["label"].shape == () and item["label"].item() == (3 + 2) % 5
    assert item["mask"].dtype == torch.bool and item["mask"].shape == (2,)
    torch.testing.assert_close(item["inputs"]["eeg"], torch.from_numpy(night.signals["eeg"][3:8]))


def test_sequence_labels_and_gaps():
    night = fake_night(gap_at=12)
    dataset = SleepSequenceDataset(night, seq_len=5, label="sequence")
    assert len(dataset) == (12 - 4) + (18 - 4)
    for i in range(len(dataset)):
        item = dataset[i]
        assert item["label"].shape == (5,)
    starts = [int(dataset._index[i, 1]) for i in range(len(dataset))]
    assert all(not (s < 12 < s + 5) for s in starts)  # no sequence spans the gap


def test_stride_and_single_epochs():
    night = fake_night()
    assert len(SleepSequenceDataset(night, seq_len=21, stride=21)) == 1
    assert len(SleepSequenceDataset(night, seq_len=1)) == 30


def test_mask_follows_availability():
    night = fake_night(missing=[10, 11])
    dataset = SleepSequenceDataset(night, seq_len=3)
    assert dataset[9]["mask"].tolist() == [True, False]  # centre epoch 10
    assert dataset[0]["mask"].tolist() == [True, True]
    assert dataset[8]["epoch_mask"][:, 1].tolist() == [True, True, False]


def test_several_nights_and_compatibility():
    a, b = fake_night(subject="a"), fake_night(n=10, subject="b")
    dataset = SleepSequenceDataset([a, b], seq_len=5)
    assert len(dataset) == 26 + 6 and dataset.item_night(30) == "b"
    assert np.bincount(dataset.night_indices()).tolist() == [26, 6]
    c = fake_night(fs=20.0, subject="c")
    with pytest.raises(SamplingRateError, match="'a' has 10 Hz.*'c' has 20 Hz"):
        SleepSequenceDataset([a, c])
    with pytest.raises(DataFormatError, match="lacks modalities"):
        SleepSequenceDataset([a], modalities=("eeg", "emg"))


def test_transforms_and_normalize():
    night = fake_night()
    dataset = SleepSequenceDataset(night, seq_len=3, transforms={"eeg": lambda x: x.mean(dim=-1)}, normalize=True)
    assert dataset[0]["inputs"]["eeg"].shape == (3, 2)
    with pytest.raises(ValueError, match="unknown modalities"):
        SleepSequenceDataset(night, transforms={"ecg": lambda x: x})


def test_dataloader_collates_batches():
    dataset = SleepSequenceDataset(fake_night(), seq_len=5)
    batch = next(iter(torch.utils.data.DataLoader(dataset, batch_size=4)))
    assert batch["inputs"]["eeg"].shape == (4, 5, 2, 300) and batch["mask"].shape == (4, 2)
    assert batch["label"].shape == (4,)


def test_synthetic_night_to_datasets():
    epochs = make_night(0, hours=0.5, modalities=("eeg", "emg"), missing_channels=["emg"]).to_epochs(("eeg", "emg"))
    tensors = epochs_to_dataset(epochs)
    assert tensors.modalities == ("eeg", "emg") and len(tensors) == 60
    assert tensors.mask[:, 1].sum() == 0 and tensors.mask[:, 0].all()
    item = tensors[0]
    assert item["inputs"]["eeg"].shape == (1, 3000)


def test_events_to_dataset():
    events = synthetic_event_dataset(50, seed=0, window=10.0)
    dataset = events_to_dataset(events)
    item = dataset[0]
    assert dataset.modalities == ("eeg", "emg", "metadata")
    assert item["inputs"]["eeg"].shape == (1, 1000) and item["inputs"]["metadata"].shape == (4,)
    assert item["inputs"]["metadata"][:3].sum() == 1
    with pytest.raises(ValueError, match="unknown event modalities"):
        events_to_dataset(events, ("eeg", "text"))

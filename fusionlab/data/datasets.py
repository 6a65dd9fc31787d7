"""Torch datasets over the loaders' arrays, yielding fusionlab items.

Every item has the format the trainer consumes::

    {"inputs": {modality: Tensor}, "mask": BoolTensor (n_modalities,), "label": LongTensor ()}

with ``mask`` in the order of the dataset's ``modalities`` attribute (``True`` = present).

- :class:`SleepSequenceDataset` — sequences of neighbouring 30-s epochs (CoRe-Sleep uses 21),
  built lazily from :class:`~fusionlab.data.staging.SleepEpochs` (no copy per sequence).
- :func:`epochs_to_dataset`, :func:`beats_to_dataset`, :func:`events_to_dataset` — in-memory
  :class:`~fusionlab.data.batches.MultimodalTensorDataset` for single epochs, heartbeats and sleep events
  (sliced in whole batches by the trainer, much faster than collating items).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import torch
from torch import Tensor
from torch.utils.data import Dataset

from fusionlab.data.batches import MultimodalTensorDataset
from fusionlab.data.errors import DataFormatError, SamplingRateError
from fusionlab.data.mitdb import BeatSet
from fusionlab.data.staging import SleepEpochs
from fusionlab.data.windows import sequence_index

__all__ = ["SleepSequenceDataset", "beats_to_dataset", "epochs_to_dataset", "events_to_dataset"]

Transform = Callable[[Tensor], Tensor]


def _as_nights(nights: SleepEpochs | Sequence[SleepEpochs]) -> list[SleepEpochs]:
    nights = [nights] if isinstance(nights, SleepEpochs) else list(nights)
    if not nights:
        raise ValueError("nights must hold at least one SleepEpochs")
    return nights


def _check_compatible(nights: list[SleepEpochs], modalities: Sequence[str]) -> None:
    ref = nights[0]
    for night in nights:
        missing = [m for m in modalities if m not in night.signals]
        if missing:
            raise DataFormatError(f"night {night.subject!r} lacks modalities {missing}; it has {list(night.signals)}")
        if night.sfreq != ref.sfreq or night.epoch_len != ref.epoch_len:
            raise SamplingRateError(
                f"nights disagree on sampling: {ref.subject!r} has {ref.sfreq:g} Hz / {ref.epoch_len:g}-s epochs, "
                f"{night.subject!r} has {night.sfreq:g} Hz / {night.epoch_len:g}-s epochs; load them with the same sfreq"
            )
        for m in modalities:
            if night.signals[m].shape[1:] != ref.signals[m].shape[1:]:
                raise DataFormatError(f"modality {m!r}: night {night.subject!r} has epochs of shape "
                                      f"{night.signals[m].shape[1:]}, {ref.subject!r} has {ref.signals[m].shape[1:]}")


class SleepSequenceDataset(Dataset):
    """Sequences of ``seq_len`` neighbouring epochs from one or more nights.

    Parameters
    ----------
    nights : SleepEpochs or sequence of SleepEpochs
    seq_len : int
        Epochs per item (21 in CoRe-Sleep; 1 for single epochs). Sequences never cross a gap
        (dropped or trimmed epochs) or a night boundary.
    stride : int
        Step between the first epochs of consecutive sequences (1: every epoch is the centre of
        one sequence, except near edges; ``seq_len``: non-overlapping).
    modalities : sequence of str, optional
        Which modalities to yield, in this order (default: all of the first night).
    label : {"center", "sequence"}
        ``"center"``: the stage of the middle epoch, a LongTensor scalar (the package-wide item
        format). ``"sequence"``: every epoch's stage, shape (seq_len,), for sequence-to-sequence
        models such as CoRe-Sleep.
    transforms : mapping modality -> callable, optional
        Applied to each modality tensor of shape (seq_len, n_channels, n_samples), e.g. an STFT.
    normalize : bool
        Z-score each channel of each night using its available epochs (robust to a lost stretch).

    Items
    -----
    ``inputs[m]`` : FloatTensor, shape (seq_len, n_channels, n_samples) (or transformed);
    ``mask`` : BoolTensor (n_modalities,) -- the modality is present in the centre epoch;
    ``epoch_mask`` : BoolTensor (seq_len, n_modalities) -- presence per epoch;
    ``label`` : LongTensor () or (seq_len,).
    """

    def __init__(self, nights: SleepEpochs | Sequence[SleepEpochs], seq_len: int = 21, *, stride: int = 1,
                 modalities: Sequence[str] | None = None, label: str = "center",
                 transforms: Mapping[str, Transform] | None = None, normalize: bool = False) -> None:
        if label not in ("center", "sequence"):
            raise ValueError(f"label must be 'center' or 'sequence', got {label!r}")
        self.nights = _as_nights(nights)
        self.modalities: tuple[str, ...] = tuple(modalities or self.nights[0].modalities)
        _check_compatible(self.nights, self.modalities)
        self.seq_len, self.label_mode = int(seq_len), label
        self.transforms = dict(transforms or {})
        unknown = set(self.transforms) - set(self.modalities)
        if unknown:
            raise ValueError(f"transforms given for unknown modalities {sorted(unknown)}; modalities are {self.modalities}")
        self._signals = []
        for night in self.nights:
            per_modality = {}
            for m in self.modalities:
                x = torch.from_numpy(np.ascontiguousarray(night.signals[m], dtype=np.float32))
                if normalize:
                    col = night.modalities.index(m)
                    ok = night.available[:, col]
                    ref = x[torch.from_numpy(ok)] if ok.any() else x
                    mean = ref.mean(dim=(0, 2), keepdim=True)
                    std = ref.std(dim=(0, 2), keepdim=True).clamp_min(1e-6)
                    x = (x - mean) / std
                per_modality[m] = x
            self._signals.append(per_modality)
        self._labels = [torch.from_numpy(n.labels.astype(np.int64)) for n in self.nights]
        self._available = [torch.from_numpy(n.available[:, [n.modalities.index(m) for m in self.modalities]])
                           for n in self.nights]
        index = []
        for k, night in enumerate(self.nights):
            starts = sequence_index(night.onsets, self.seq_len, epoch_len=night.epoch_len, stride=stride)[:, 0]
            index.append(np.stack([np.full(len(starts), k), starts], axis=1))
        self._index = np.concatenate(index) if index else np.zeros((0, 2), dtype=np.int64)

    def __len__(self) -> int:
        return len(self._index)

    def __getitem__(self, i: int) -> dict[str, Any]:
        night, start = (int(v) for v in self._index[i])
        window = slice(start, start + self.seq_len)
        centre = start + self.seq_len // 2
        inputs = {}
        for m in self.modalities:
            x = self._signals[night][m][window]
            inputs[m] = self.transforms[m](x) if m in self.transforms else x
        labels = self._labels[night]
        return {
            "inputs": inputs,
            "mask": self._available[night][centre].clone(),
            "epoch_mask": self._available[night][window].clone(),
            "label": labels[window].clone() if self.label_mode == "sequence" else labels[centre].clone(),
        }

    def item_night(self, i: int) -> str:
        """Subject/night name of item ``i`` (for night-wise splits)."""
        return self.nights[int(self._index[i, 0])].subject

    def night_indices(self) -> np.ndarray:
        """Night number of every item, shape (n_items,) -- use it to split by night or subject."""
        return self._index[:, 0].copy()


def epochs_to_dataset(nights: SleepEpochs | Sequence[SleepEpochs], modalities: Sequence[str] | None = None
                      ) -> MultimodalTensorDataset:
    """Single labelled epochs of one or more nights, in memory.

    Returns
    -------
    MultimodalTensorDataset
        ``inputs[m]`` of shape (n_epochs, n_channels, n_samples), ``mask`` from each night's ``available``.
    """
    nights = _as_nights(nights)
    modalities = tuple(modalities or nights[0].modalities)
    _check_compatible(nights, modalities)
    inputs = {m: torch.from_numpy(np.concatenate([n.signals[m] for n in nights]).astype(np.float32, copy=False))
              for m in modalities}
    mask = np.concatenate([n.available[:, [n.modalities.index(m) for m in modalities]] for n in nights])
    labels = torch.from_numpy(np.concatenate([n.labels for n in nights]).astype(np.int64))
    return MultimodalTensorDataset(inputs, labels, torch.from_numpy(mask))


def beats_to_dataset(beats: BeatSet, modalities: Sequence[str] = ("ecg", "rr")) -> MultimodalTensorDataset:
    """Heartbeats as an in-memory dataset.

    Modalities: ``"ecg"`` -- the beat window, shape (n_leads, n_samples); ``"rr"`` -- the four
    RR-interval features in seconds, shape (4,).
    """
    available = {"ecg": lambda: torch.from_numpy(beats.windows),
                 "rr": lambda: torch.from_numpy(beats.rr.to_numpy(np.float32).copy())}
    unknown = [m for m in modalities if m not in available]
    if unknown:
        raise ValueError(f"unknown beat modalities {unknown}; choose from {list(available)}")
    return MultimodalTensorDataset({m: available[m]() for m in modalities}, torch.from_numpy(beats.labels))


def events_to_dataset(events, modalities: Sequence[str] = ("eeg", "emg", "metadata")) -> MultimodalTensorDataset:
    """Sleep events (a :class:`~fusionlab.data.synthetic.events.SleepEventSet`) as an in-memory dataset.

    Modalities: ``"eeg"``/``"emg"`` -- the window, shape (1, n_samples); ``"metadata"`` -- the
    numeric event metadata, shape (4,): one-hot stage (N1, N2, N3) and duration in minutes.
    """
    table = events.table
    stage = np.stack([(table["stage"] == s).to_numpy() for s in ("N1", "N2", "N3")], axis=1)
    metadata = np.concatenate([stage, table[["duration"]].to_numpy() / 60.0], axis=1).astype(np.float32)
    available = {"eeg": lambda: torch.from_numpy(events.eeg[:, None, :]),
                 "emg": lambda: torch.from_numpy(events.emg[:, None, :]),
                 "metadata": lambda: torch.from_numpy(metadata)}
    unknown = [m for m in modalities if m not in available]
    if unknown:
        raise ValueError(f"unknown event modalities {unknown}; choose from {list(available)}")
    return MultimodalTensorDataset({m: available[m]() for m in modalities}, torch.from_numpy(events.labels.copy()))

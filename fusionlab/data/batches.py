"""In-memory multimodal datasets and seeded batch iteration.

The item format used across fusionlab (datasets in :mod:`fusionlab.data` yield the same)::

    {"inputs": {modality: Tensor}, "mask": BoolTensor (n_modalities,), "label": LongTensor ()}

A batch has the same keys with a leading batch dimension. Regression datasets
(``task="regression"``) hold a float32 target in ``"label"`` instead of a class index.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import torch
from torch import Tensor
from torch.utils.data import DataLoader, Dataset
from torch.utils.data.distributed import DistributedSampler

from fusionlab.repro import seed_worker, torch_generator

TASKS = ("classification", "regression")


class MultimodalTensorDataset(Dataset):
    """Aligned tensors of several modalities, labels and an optional modality mask.

    Parameters
    ----------
    inputs : mapping name -> Tensor, shape (n_samples, *per_sample_shape)
    labels : Tensor, shape (n_samples,)
    mask : Tensor, shape (n_samples, n_modalities), bool, optional
        ``True`` where a modality is present; all present when omitted.
    task : {"classification", "regression"}
        ``"classification"`` (default) stores ``labels`` as class indices (int64);
        ``"regression"`` stores them as float32 targets, which must be finite.
    """

    def __init__(self, inputs: Mapping[str, Tensor], labels: Tensor, mask: Tensor | None = None, *,
                 task: str = "classification") -> None:
        if task not in TASKS:
            raise ValueError(f"task must be one of {TASKS}, got {task!r}")
        if not inputs:
            raise ValueError("inputs must name at least one modality")
        self.task = task
        self.modalities: tuple[str, ...] = tuple(inputs)
        self.inputs = {m: torch.as_tensor(x) for m, x in inputs.items()}
        labels = torch.as_tensor(labels)
        if task == "regression":
            labels = labels.float()
            if labels.dim() != 1:
                raise ValueError(f"regression targets must have shape (n_samples,), got {tuple(labels.shape)}")
            if not bool(torch.isfinite(labels).all()):
                bad = int((~torch.isfinite(labels)).sum())
                raise ValueError(f"regression targets must be finite; found {bad} NaN/inf value(s)")
            self.labels = labels
        else:
            self.labels = labels.long()
        n = len(self.labels)
        for m, x in self.inputs.items():
            if len(x) != n:
                raise ValueError(f"modality {m!r} has {len(x)} samples but labels has {n}")
        if mask is None:
            mask = torch.ones(n, len(self.modalities), dtype=torch.bool)
        mask = torch.as_tensor(mask).bool()
        if mask.shape != (n, len(self.modalities)):
            raise ValueError(f"mask must have shape ({n}, {len(self.modalities)}), got {tuple(mask.shape)}")
        self.mask = mask

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index: int | Tensor | Sequence[int]) -> dict[str, Any]:
        """One item for an int index, or a whole batch for a tensor/list of indices."""
        return {
            "inputs": {m: x[index] for m, x in self.inputs.items()},
            "mask": self.mask[index],
            "label": self.labels[index],
        }

    def subset(self, index: Tensor | Sequence[int]) -> MultimodalTensorDataset:
        """A new dataset holding the samples at ``index``."""
        index = torch.as_tensor(index, dtype=torch.long)
        return MultimodalTensorDataset({m: x[index] for m, x in self.inputs.items()}, self.labels[index],
                                       self.mask[index], task=self.task)

    def to(self, device: torch.device | str) -> MultimodalTensorDataset:
        """The same samples on ``device`` (small in-memory datasets can live on the GPU whole)."""
        return MultimodalTensorDataset({m: x.to(device) for m, x in self.inputs.items()}, self.labels.to(device),
                                       self.mask.to(device), task=self.task)

    def nbytes(self) -> int:
        """Memory held by the tensors, in bytes."""
        tensors = [*self.inputs.values(), self.labels, self.mask]
        return sum(t.element_size() * t.nelement() for t in tensors)

    def with_mask(self, mask: Tensor) -> MultimodalTensorDataset:
        """The same samples with another modality mask (e.g. to test with a modality removed)."""
        return MultimodalTensorDataset(self.inputs, self.labels, mask, task=self.task)


class TensorBatches:
    """Iterate over a :class:`MultimodalTensorDataset` in (optionally shuffled) batches.

    Slicing whole tensors is much faster than collating single items, which matters for the small
    models of the lessons. Each pass draws a new permutation from a generator seeded once.
    Under data parallelism every rank draws the same permutation and keeps every
    ``world_size``-th index from ``rank`` on (padded by wrapping, as ``DistributedSampler`` does), so
    all ranks see disjoint shards with the same number of batches.
    """

    def __init__(self, dataset: MultimodalTensorDataset, batch_size: int, *, shuffle: bool = False,
                 seed: int = 0, drop_last: bool = False, rank: int = 0, world_size: int = 1) -> None:
        if batch_size <= 0:
            raise ValueError(f"batch_size must be positive, got {batch_size}")
        if not 0 <= rank < world_size:
            raise ValueError(f"rank must be in [0, world_size={world_size}), got {rank}")
        self.dataset, self.batch_size, self.shuffle, self.drop_last = dataset, int(batch_size), shuffle, drop_last
        self.rank, self.world_size = rank, world_size
        self.generator = torch_generator(seed)

    def _shard_size(self) -> int:
        return -(-len(self.dataset) // self.world_size)

    def __len__(self) -> int:
        n = self._shard_size()
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        n = len(self.dataset)
        order = torch.randperm(n, generator=self.generator) if self.shuffle else torch.arange(n)
        if self.world_size > 1:
            total = self._shard_size() * self.world_size
            order = torch.cat([order, order[: total - n]])[self.rank :: self.world_size]
            n = len(order)
        for start in range(0, n, self.batch_size):
            index = order[start : start + self.batch_size]
            if self.drop_last and len(index) < self.batch_size:
                return
            yield self.dataset[index]


def make_batches(dataset: Dataset, batch_size: int, *, shuffle: bool = False, seed: int = 0,
                 num_workers: int = 0, pin_memory: bool = False, rank: int = 0,
                 world_size: int = 1) -> TensorBatches | DataLoader:
    """Seeded batches of any dataset that yields fusionlab items.

    In-memory :class:`MultimodalTensorDataset` are sliced directly; any other dataset goes through a
    :class:`torch.utils.data.DataLoader` with a seeded generator and ``worker_init_fn`` (and a
    :class:`~torch.utils.data.distributed.DistributedSampler` when ``world_size > 1``; call its
    ``set_epoch`` every epoch).
    """
    if isinstance(dataset, MultimodalTensorDataset):
        return TensorBatches(dataset, batch_size, shuffle=shuffle, seed=seed, rank=rank, world_size=world_size)
    sampler = None
    if world_size > 1:
        sampler = DistributedSampler(dataset, num_replicas=world_size, rank=rank, shuffle=shuffle, seed=seed)
    return DataLoader(dataset, batch_size=batch_size, shuffle=shuffle and sampler is None, sampler=sampler,
                      num_workers=num_workers, generator=torch_generator(seed), worker_init_fn=seed_worker,
                      pin_memory=pin_memory, persistent_workers=num_workers > 0)


def to_device(batch: Mapping[str, Any], device: torch.device, non_blocking: bool = False) -> dict[str, Any]:
    """Move a batch (nested dicts of tensors) to ``device``."""
    moved: dict[str, Any] = {}
    for key, value in batch.items():
        if isinstance(value, Mapping):
            moved[key] = {k: v.to(device, non_blocking=non_blocking) for k, v in value.items()}
        elif isinstance(value, Tensor):
            moved[key] = value.to(device, non_blocking=non_blocking)
        else:
            moved[key] = value
    return moved

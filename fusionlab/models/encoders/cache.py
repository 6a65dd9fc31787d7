"""An embedding cache so that a frozen backbone runs once per dataset.

A frozen backbone gives the same features for the same input every epoch and every run, so the
Basic variants (and the frozen half of Enhanced Late) only need them once. :class:`EmbeddingCache`
keys each item by a SHA-256 of the backbone's :meth:`~fusionlab.models.encoders.backbones.Backbone.fingerprint`
(name, weights source and every parameter) and the item's content (the note's text, the image's
bytes), keeps hits in memory and, given a folder, on disk (one ``.npy`` per item, written to a
temporary name and renamed).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from fusionlab.models.encoders.backbones import Backbone


def item_key(backbone: Backbone, item: Any) -> str:
    """SHA-256 key of one input item (a string or an array/tensor) for ``backbone``."""
    digest = hashlib.sha256(backbone.fingerprint().encode())
    if isinstance(item, str):
        digest.update(b"str:" + item.encode())
    else:
        array = item.detach().cpu().numpy() if isinstance(item, torch.Tensor) else np.asarray(item)
        array = np.ascontiguousarray(array)
        digest.update(f"{array.dtype}{array.shape}".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


class EmbeddingCache:
    """Features of a frozen backbone, computed once per distinct input.

    Parameters
    ----------
    directory : path, optional
        Also keep the features on disk here (survives the process); in memory only when omitted.

    Attributes
    ----------
    hits, misses : int
        Items served from the cache / computed by the backbone so far.
    """

    def __init__(self, directory: str | os.PathLike | None = None) -> None:
        self.directory = Path(directory) if directory is not None else None
        self._memory: dict[str, np.ndarray] = {}
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._memory)

    def _load(self, key: str) -> np.ndarray | None:
        if key in self._memory:
            return self._memory[key]
        if self.directory is not None:
            path = self.directory / f"{key}.npy"
            if path.is_file():
                self._memory[key] = np.load(path)
                return self._memory[key]
        return None

    def _store(self, key: str, value: np.ndarray) -> None:
        self._memory[key] = value
        if self.directory is not None:
            self.directory.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{key}.", suffix=".npy", dir=self.directory)
            with os.fdopen(fd, "wb") as handle:
                np.save(handle, value)
            os.replace(tmp, self.directory / f"{key}.npy")

    @torch.no_grad()
    def embed(self, backbone: Backbone, items: Sequence[Any] | np.ndarray | torch.Tensor, *,
              batch_size: int = 32) -> np.ndarray:
        """Backbone features of every item, shape ``(n_items, L, width)`` float32.

        Parameters
        ----------
        backbone : Backbone
            Must be frozen (no parameter requires a gradient): a trainable backbone's features change
            during training and must not be cached.
        items : list of str, or array/Tensor of shape (n_items, ...)
            Notes for a text backbone; log-mels or images for the others.
        batch_size : int
            Items per backbone call for the items not in the cache.
        """
        if any(p.requires_grad for p in backbone.parameters()):
            raise ValueError(f"EmbeddingCache.embed: backbone {backbone.name!r} has trainable parameters; only "
                             "frozen backbones can be cached (freeze it, or call it directly)")
        if len(items) == 0:
            raise ValueError("EmbeddingCache.embed: items is empty")
        keys = [item_key(backbone, items[i]) for i in range(len(items))]
        found = [self._load(k) for k in keys]
        todo = [i for i, value in enumerate(found) if value is None]
        self.hits += len(keys) - len(todo)
        self.misses += len(todo)
        backbone.eval()
        for start in range(0, len(todo), batch_size):
            index = todo[start:start + batch_size]
            if isinstance(items, (np.ndarray, torch.Tensor)):
                batch = torch.as_tensor(items[index])
            else:
                batch = [items[i] for i in index]
            features = backbone(batch).float().cpu().numpy()
            for j, i in enumerate(index):
                found[i] = features[j]
                self._store(keys[i], features[j])
        return np.stack(found).astype(np.float32, copy=False)

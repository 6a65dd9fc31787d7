"""Compute expensive features once and memory-map them afterwards.

Spectral features of a whole database (STFTs of every night, scalograms of every beat) are costly to
compute and too large to keep in RAM on a laptop. :func:`cached_features` stores them as a ``.npy``
file keyed by a hash of everything that determines them, and returns a read-only
``numpy.memmap`` view: later epochs, notebooks and processes read pages from disk as needed.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from fusionlab import paths


def cache_key(name: str, params: Mapping[str, Any]) -> str:
    """A stable key for ``name`` and its parameters (JSON-serialisable values)."""
    try:
        text = json.dumps({"name": name, "params": params}, sort_keys=True, default=str)
    except TypeError as err:
        raise TypeError(f"cache parameters of {name!r} must be JSON-serialisable: {err}") from None
    return f"{name}-{hashlib.sha256(text.encode()).hexdigest()[:16]}"


def cache_dir() -> Path:
    """Folder of the feature cache: ``<build>/feature-cache`` (git-ignored)."""
    return paths.build_dir() / "feature-cache"


def cached_features(name: str, params: Mapping[str, Any], compute: Callable[[], np.ndarray], *,
                    directory: str | os.PathLike | None = None) -> np.ndarray:
    """Return ``compute()``'s array, computing it only when no cached copy exists.

    Parameters
    ----------
    name : str
        What the features are (``"stft-night"``), part of the file name.
    params : mapping
        Everything the features depend on (data identity, transform settings); a change gives a new key.
    compute : callable () -> ndarray
        Computes the features when they are not cached.
    directory : path, optional
        Cache folder (default :func:`cache_dir`).

    Returns
    -------
    numpy.memmap
        Read-only, memory-mapped view of the cached array.
    """
    folder = Path(directory) if directory is not None else cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{cache_key(name, params)}.npy"
    if not target.is_file():
        array = np.asarray(compute())
        fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=".npy", dir=folder)
        os.close(fd)
        try:
            out = np.lib.format.open_memmap(tmp, mode="w+", dtype=array.dtype, shape=array.shape)
            out[...] = array
            out.flush()
            del out
            os.replace(tmp, target)  # other processes only ever see a complete file
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    try:
        return np.load(target, mmap_mode="r")
    except ValueError as err:
        raise ValueError(f"feature cache file {target} is corrupt ({err}); delete it to recompute") from None

"""Compute expensive features once and memory-map them afterwards.

Spectral features of a whole database (STFTs of every night, scalograms of every beat) are costly to
compute and too large to keep in RAM on a laptop. :func:`cached_features` stores them as a ``.npy``
file keyed by a hash of everything that determines them, and returns a read-only
``numpy.memmap`` view: later epochs, notebooks and processes read pages from disk as needed.
:func:`cached_result` does the same for whole experiment results (pickled), so notebooks that share
a study's settings share one training run.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
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


def cached_result(folder: str, name: str, params: Mapping[str, Any], compute: Callable[[], Any], *,
                  cache: bool = True, log: Callable[[str], Any] = print) -> Any:
    """``compute()``, pickled to ``<build>/<folder>/<cache_key(name, params)>.pkl`` and read back next time.

    Parameters
    ----------
    folder : str
        Sub-folder of :func:`fusionlab.paths.build_dir` (one per study).
    name, params :
        What the result depends on (:func:`cache_key`): settings, input files, record lists.
    compute : callable () -> object
        Runs the study; only called when the file is absent or ``cache`` is False.
    cache : bool
        Read and write the file (False: always compute, write nothing).
    log : callable
        Told when a cached result is read.

    Notes
    -----
    The pickle is written to a temporary file and renamed, so an interrupted run leaves no partial result.
    Pickles run code when loaded: only read caches this project wrote.
    """
    path = paths.build_dir() / folder / f"{cache_key(name, params)}.pkl"
    if cache and path.is_file():
        log(f"loaded cached results {path.name}")
        with path.open("rb") as fh:
            return pickle.load(fh)
    result = compute()
    if cache:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                pickle.dump(result, fh)
            os.replace(tmp, path)
        finally:
            Path(tmp).unlink(missing_ok=True)
    return result

"""Every model input of a beat set, computed once and cached on disk: views, deviation and rhythm.

:func:`beat_inputs` returns ``{"time", "tf", "freq", "rhythm"}`` arrays for every beat of a
:class:`~fusionlab.data.mitdb.BeatSet`. The CWT scalograms are the costly part (tens of seconds for
DS1 on a laptop core), so the arrays are stored with :func:`fusionlab.cache.cached_features`
under a key that holds the records, the beat positions, the view settings *and a hash of the source
code* that computes them (:func:`code_version`): editing the transform gives a new key, never a
stale array. Lessons 08, 09, 10 and 11 therefore share one computation.
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
from collections.abc import Sequence
from dataclasses import asdict

import numpy as np

from fusionlab.cache import cached_features
from fusionlab.data.mitdb import BeatSet
from fusionlab.data.rhythm import deviation_from_record, record_normalised_beats, rhythm_features
from fusionlab.spectral.beat_views import ViewSettings, beat_time_view, beat_views

INPUT_MODULES = ("fusionlab.studies.ecg_domains.features", "fusionlab.data.rhythm", "fusionlab.spectral.beat_views", "fusionlab.spectral.cwt",
                 "fusionlab.spectral.fft", "fusionlab.data.mitdb", "fusionlab.data.windows")


def code_version(modules: Sequence[str]) -> str:
    """A short hash of the source code of ``modules`` (dotted names): part of every cache key."""
    digest = hashlib.sha256()
    for name in modules:
        digest.update(inspect.getsource(importlib.import_module(name)).encode())
    return digest.hexdigest()[:16]


def beat_set_identity(beats: BeatSet) -> dict:
    """What identifies a beat set: its records, beat count, sampling rate and a hash of its windows and R peaks."""
    digest = hashlib.sha256(np.ascontiguousarray(beats.windows).tobytes())
    digest.update(np.ascontiguousarray(beats.r_peaks).tobytes())
    return {"records": sorted(set(map(str, beats.records))), "n_beats": len(beats), "sfreq": float(beats.sfreq),
            "data": digest.hexdigest()[:16]}


def morphology(beats: BeatSet, *, record_norm: bool = True) -> np.ndarray:
    """Baseline-removed MLII beats ``(n, T)``, divided by their record's typical amplitude when ``record_norm``."""
    time = beat_time_view(beats.windows)
    return record_normalised_beats(time, beats.records) if record_norm else time


def compute_inputs(beats: BeatSet, views: ViewSettings | None = None, *, record_norm: bool = True,
                   deviation: bool = True) -> dict[str, np.ndarray]:
    """The model inputs of every beat (no cache).

    Returns
    -------
    dict
        ``"time"``: ``(n, T)``, or ``(n, 2, T)`` with ``deviation`` (the beat and the beat minus its
        record's median beat); ``"tf"``: ``(n, n_scales, T')``; ``"freq"``: ``(n, n_bins)``;
        ``"rhythm"``: ``(n, len(RHYTHM_FEATURES))``. All float32.
    """
    time = morphology(beats, record_norm=record_norm)
    out = beat_views(time, beats.sfreq, views or ViewSettings())
    if deviation:
        out["time"] = np.stack([out["time"], deviation_from_record(out["time"], beats.records)], axis=1)
    out["rhythm"] = rhythm_features(beats.rr, beats.records)
    return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in out.items()}


def beat_inputs(beats: BeatSet, views: ViewSettings | None = None, *, record_norm: bool = True,
                deviation: bool = True, cache: bool = True) -> dict[str, np.ndarray]:
    """:func:`compute_inputs`, cached on disk (read-only memory maps) under a key that includes the code.

    Parameters
    ----------
    beats : BeatSet
        N/S/V/F beats of whole records (one lead).
    views : ViewSettings
    record_norm, deviation : bool
        See :func:`compute_inputs`.
    cache : bool
        False computes without reading or writing the cache.
    """
    views = views or ViewSettings()
    if not cache:
        return compute_inputs(beats, views, record_norm=record_norm, deviation=deviation)
    params = {"beats": beat_set_identity(beats), "views": asdict(views), "record_norm": record_norm,
              "deviation": deviation, "code": code_version(INPUT_MODULES)}
    computed: dict[str, np.ndarray] = {}

    def part(name: str):
        def compute() -> np.ndarray:
            if not computed:
                computed.update(compute_inputs(beats, views, record_norm=record_norm, deviation=deviation))
            return computed[name]
        return compute

    return {name: cached_features(f"ecg-input-{name}", params, part(name)) for name in ("time", "tf", "freq", "rhythm")}

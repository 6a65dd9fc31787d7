"""Rhythm as a modality: RR-interval features of every beat, normalised by its own record.

A supraventricular (S) beat is recognised by its *timing* -- it comes early (short pre-RR) and is
often followed by a pause (long post-RR) -- more than by its shape. What counts as "early" depends on
the patient's heart rate, so every interval is divided by the record's own mean RR (the patient is
the reference), as in the inter-patient literature (de Chazal et al. 2004; Mondejar-Guerra et al. 2019).
No label is used: the normalisation of a test record uses only that record's beat times.

Features (:data:`RHYTHM_FEATURES`, logarithms of ratios, so "twice as long" and "half as long" are
symmetric around 0, clipped to +-3):

=====================  ===============================================================
``pre``                log(pre-RR / record mean RR)
``post``               log(post-RR / record mean RR)
``local``              log(local RR (mean of the 10 preceding) / record mean RR)
``pre_local``          log(pre-RR / local RR): premature against the recent rhythm
``post_pre``           log(post-RR / pre-RR): the compensatory pause
``prev_local``         log(pre-RR of the previous beat / local RR)
``next_local``         log(post-RR of the next beat / local RR)
``pre_median``         log(pre-RR / record median pre-RR)
``record_rr``          log(record mean RR in seconds): the patient's heart rate itself
=====================  ===============================================================

Morphology is normalised per record too (:func:`record_normalised_beats`): each record's beats are
divided by the spread of its median beat, so the amplitude of a patient's lead does not decide the class.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

RHYTHM_FEATURES: tuple[str, ...] = ("pre", "post", "local", "pre_local", "post_pre", "prev_local", "next_local",
                                    "pre_median", "record_rr")
_CLIP = 3.0


def _check_rows(name: str, values, n: int) -> None:
    if len(values) != n:
        raise ValueError(f"{name} has {len(values)} rows but records has {n} (one per beat expected)")


def rhythm_features(rr: pd.DataFrame, records: np.ndarray) -> np.ndarray:
    """Per-record normalised RR features of each beat.

    Parameters
    ----------
    rr : DataFrame, shape (n_beats, >= 3)
        Columns ``pre_rr``, ``post_rr``, ``local_rr`` in seconds (:func:`fusionlab.data.mitdb.rr_features`),
        beats of one record consecutive and in time order.
    records : ndarray, shape (n_beats,)
        Record of each beat (the normalisation group).

    Returns
    -------
    ndarray, shape (n_beats, len(RHYTHM_FEATURES)), float32
    """
    records = np.asarray(records)
    missing = [c for c in ("pre_rr", "post_rr", "local_rr") if c not in rr]
    if missing:
        raise ValueError(f"rr is missing columns {missing} (see fusionlab.data.mitdb.rr_features); got {list(rr)}")
    _check_rows("rr", rr, len(records))
    pre, post, local = (rr[c].to_numpy(dtype=np.float64) for c in ("pre_rr", "post_rr", "local_rr"))
    bad = ~(np.isfinite(pre) & np.isfinite(post) & np.isfinite(local) & (pre > 0) & (post > 0) & (local > 0))
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise ValueError(f"rr: {int(bad.sum())} beats have a non-positive or missing RR interval (first: beat "
                         f"{first} of record {str(records[first])!r}); a record needs >= 2 beats")
    out = np.zeros((len(records), len(RHYTHM_FEATURES)))
    for record in pd.unique(records):
        m = records == record
        p, q, loc = pre[m], post[m], local[m]
        mean_rr = p.mean()
        prev = np.concatenate([p[:1], p[:-1]])
        nxt = np.concatenate([q[1:], q[-1:]])
        out[m] = np.stack([np.log(p / mean_rr), np.log(q / mean_rr), np.log(loc / mean_rr), np.log(p / loc),
                           np.log(q / p), np.log(prev / loc), np.log(nxt / loc), np.log(p / np.median(p)),
                           np.full(len(p), np.log(mean_rr))], axis=1)
    return np.clip(out, -_CLIP, _CLIP).astype(np.float32)


def record_normalised_beats(beats: np.ndarray, records: np.ndarray) -> np.ndarray:
    """Beats divided by the standard deviation of their record's median beat.

    Parameters
    ----------
    beats : ndarray, shape (n_beats, n_times)
        Baseline-removed beats (e.g. :func:`fusionlab.spectral.beat_views.beat_time_view`).
    records : ndarray, shape (n_beats,)

    Returns
    -------
    ndarray, shape (n_beats, n_times), float32
        Unitless: a record's typical beat has unit standard deviation.
    """
    beats = np.asarray(beats, dtype=np.float32)
    if beats.ndim != 2:
        raise ValueError(f"beats must have shape (n_beats, n_times), got {beats.shape}")
    records = np.asarray(records)
    _check_rows("beats", beats, len(records))
    out = np.empty_like(beats)
    for record in pd.unique(records):
        m = records == record
        scale = float(np.std(np.median(beats[m], axis=0)))
        out[m] = beats[m] / (scale if scale > 1e-6 else 1.0)
    return out


def deviation_from_record(beats: np.ndarray, records: np.ndarray) -> np.ndarray:
    """Each beat minus its record's median beat, ``(n_beats, n_times)`` float32 (what is unusual for this patient)."""
    beats = np.asarray(beats, dtype=np.float32)
    records = np.asarray(records)
    _check_rows("beats", beats, len(records))
    out = np.empty_like(beats)
    for record in pd.unique(records):
        m = records == record
        out[m] = beats[m] - np.median(beats[m], axis=0)
    return out


def neighbour_index(records: np.ndarray, half: int) -> np.ndarray:
    """``(n_beats, 2 * half + 1)`` indices of the beats ``-half .. +half`` around each beat, within its record.

    Beats of one record must be consecutive and in time order (as :func:`fusionlab.data.mitdb.load_mitdb_beats`
    returns them); near a record's first or last beat the index repeats that beat, so a window never mixes
    two patients. Column ``half`` is the beat itself. No label is used.
    """
    records = np.asarray(records)
    if half < 0:
        raise ValueError(f"half must be >= 0 beats, got {half}")
    n = len(records)
    if n == 0:
        return np.zeros((0, 2 * half + 1), dtype=np.int64)
    starts = np.r_[0, np.flatnonzero(records[1:] != records[:-1]) + 1]
    if len(starts) != len(pd.unique(records)):
        raise ValueError("records: the beats of each record must be consecutive (sort them by record, then time)")
    ends = np.r_[starts[1:], n]
    first, last = np.repeat(starts, ends - starts), np.repeat(ends - 1, ends - starts)
    index = np.arange(n)[:, None] + np.arange(-half, half + 1)[None]
    return np.clip(index, first[:, None], last[:, None])


def beat_windows(inputs: dict[str, np.ndarray], rows: np.ndarray, neighbours: np.ndarray) -> dict[str, np.ndarray]:
    """Every input of the beats ``rows`` with their neighbours: ``(len(rows), 2 * half + 1, *per_beat_shape)``.

    ``neighbours`` is :func:`neighbour_index` of all beats; ``inputs`` maps a modality to one row per beat.
    """
    window = neighbours[np.asarray(rows)]
    return {m: np.asarray(x[window.ravel()]).reshape(*window.shape, *x.shape[1:]) for m, x in inputs.items()}

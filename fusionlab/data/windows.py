"""Cutting continuous signals into windows: 30-s epochs, sequences of neighbouring epochs, beats, events.

Everything here works on plain NumPy arrays, so the same functions serve real and synthetic data.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from fusionlab.data.errors import DataFormatError, SamplingRateError

__all__ = [
    "STAGES",
    "STAGE_TO_INDEX",
    "beat_windows",
    "epoch_signals",
    "event_windows",
    "samples_per_window",
    "sequence_index",
    "stage_epochs",
    "trim_wake",
]

STAGES: tuple[str, ...] = ("W", "N1", "N2", "N3", "REM")
"""The five AASM classes, in label order (``label == STAGES.index(stage)``)."""
STAGE_TO_INDEX: dict[str, int] = {stage: i for i, stage in enumerate(STAGES)}


def samples_per_window(sfreq: float, seconds: float, what: str = "epoch") -> int:
    """Samples in a window of ``seconds`` at ``sfreq``; raise if it is not a whole number."""
    n = sfreq * seconds
    if sfreq <= 0 or seconds <= 0 or abs(n - round(n)) > 1e-6:
        raise SamplingRateError(
            f"a {what} of {seconds:g} s at {sfreq:g} Hz is {n:g} samples: expected a whole, positive number; "
            "resample to a rate that divides the window"
        )
    return round(n)


def epoch_signals(data: np.ndarray, sfreq: float, onsets: np.ndarray, epoch_len: float = 30.0) -> np.ndarray:
    """Cut signals into fixed-length epochs that start at ``onsets``.

    Parameters
    ----------
    data : ndarray, shape (n_channels, n_times)
    sfreq : float
        Sampling rate (Hz); ``sfreq * epoch_len`` must be a whole number.
    onsets : ndarray, shape (n_epochs,)
        Epoch starts in seconds from the first sample.
    epoch_len : float
        Seconds per epoch.

    Returns
    -------
    ndarray, shape (n_epochs, n_channels, n_samples)
    """
    data = np.asarray(data)
    if data.ndim != 2:
        raise DataFormatError(f"data: expected shape (n_channels, n_times), found {data.shape}")
    n_samples = samples_per_window(sfreq, epoch_len)
    starts = np.rint(np.asarray(onsets, dtype=float) * sfreq).astype(np.int64)
    if len(starts) and (starts.min() < 0 or starts.max() + n_samples > data.shape[1]):
        raise DataFormatError(
            f"epochs run outside the signal: last epoch ends at sample {starts.max() + n_samples}, "
            f"the signal has {data.shape[1]} samples ({data.shape[1] / sfreq:g} s)"
        )
    # One fancy-indexing gather: (n_channels, n_epochs, n_samples) -> (n_epochs, n_channels, n_samples)
    index = starts[:, None] + np.arange(n_samples)[None, :]
    return np.ascontiguousarray(data[:, index].transpose(1, 0, 2))


def stage_epochs(
    stages: pd.DataFrame,
    signal_duration: float,
    *,
    epoch_len: float = 30.0,
    source: object = "hypnogram",
    on_length_mismatch: str = "error",
    tolerance: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Turn scored stage intervals into per-epoch onsets and labels.

    Parameters
    ----------
    stages : DataFrame
        Columns ``onset``, ``duration`` (s) and ``stage``: one of :data:`STAGES`, or ``None``/NaN
        for intervals that are not scored (movement, unknown) and are dropped.
    signal_duration : float
        Seconds of signal the hypnogram belongs to.
    epoch_len : float
        Seconds per epoch; each interval is split into ``duration // epoch_len`` epochs.
    source : str or Path
        Named in error messages.
    on_length_mismatch : {"error", "crop"}
        What to do when the hypnogram and the signal disagree on length by more than ``tolerance``:
        raise, or keep only epochs that lie inside both.
    tolerance : float, optional
        Seconds of disagreement accepted (default: one epoch).

    Returns
    -------
    onsets : ndarray, shape (n_epochs,), float
        Epoch starts in seconds, sorted.
    labels : ndarray, shape (n_epochs,), int64
        Indices into :data:`STAGES`.
    """
    if on_length_mismatch not in ("error", "crop"):
        raise ValueError(f"on_length_mismatch must be 'error' or 'crop', got {on_length_mismatch!r}")
    tolerance = epoch_len if tolerance is None else tolerance
    if len(stages) == 0:
        raise DataFormatError(f"{source}: the hypnogram holds no sleep stage annotations")
    span_end = float((stages["onset"] + stages["duration"]).max())
    scored = stages[stages["stage"].notna()]
    scored_end = float((scored["onset"] + scored["duration"]).max()) if len(scored) else 0.0
    if on_length_mismatch == "error":
        if scored_end > signal_duration + tolerance:
            raise DataFormatError(
                f"{source}: hypnogram longer than the signal: scored stages run to {scored_end:g} s but the "
                f"signal lasts {signal_duration:g} s; pass on_length_mismatch='crop' to drop the extra epochs"
            )
        if span_end < signal_duration - tolerance:
            raise DataFormatError(
                f"{source}: hypnogram shorter than the signal: stages end at {span_end:g} s but the signal "
                f"lasts {signal_duration:g} s; pass on_length_mismatch='crop' to keep only the scored part"
            )
    onsets, labels = [], []
    for onset, duration, stage in zip(scored["onset"], scored["duration"], scored["stage"]):
        n = int(np.floor(duration / epoch_len + 1e-6))
        onsets.append(onset + epoch_len * np.arange(n))
        labels.append(np.full(n, STAGE_TO_INDEX[stage], dtype=np.int64))
    onsets_arr = np.concatenate(onsets) if onsets else np.zeros(0)
    labels_arr = np.concatenate(labels) if labels else np.zeros(0, dtype=np.int64)
    inside = onsets_arr + epoch_len <= signal_duration + 1e-6
    order = np.argsort(onsets_arr[inside], kind="stable")
    return onsets_arr[inside][order], labels_arr[inside][order]


def trim_wake(labels: np.ndarray, *, mode: str = "deepsleepnet", keep_minutes: float = 30.0,
              epoch_len: float = 30.0) -> np.ndarray:
    """Indices of the epochs to keep after trimming long wake at both ends of a night.

    Parameters
    ----------
    labels : ndarray, shape (n_epochs,)
        Stage indices (``0`` is wake), in time order.
    mode : {"deepsleepnet", "core-sleep"}
        ``"deepsleepnet"`` keeps ``keep_minutes`` of wake before the first and after the last sleep
        epoch (DeepSleepNet's Sleep-EDF preprocessing). ``"core-sleep"`` removes
        ``(n_wake - n_second_most_common) / 2`` wake epochs from each end when wake is the most
        common stage (Kontras et al., CoRe-Sleep), never cutting into sleep.

    Returns
    -------
    ndarray, shape (n_kept,), int64
    """
    labels = np.asarray(labels)
    n = len(labels)
    sleep = np.flatnonzero(labels != STAGE_TO_INDEX["W"])
    if n == 0 or len(sleep) == 0:
        return np.arange(n)
    first, last = int(sleep[0]), int(sleep[-1])
    if mode == "deepsleepnet":
        keep = round(keep_minutes * 60 / epoch_len)
        return np.arange(max(0, first - keep), min(n, last + keep + 1))
    if mode == "core-sleep":
        counts = np.bincount(labels, minlength=len(STAGES))
        order = np.argsort(counts)[::-1]
        if order[0] != STAGE_TO_INDEX["W"]:
            return np.arange(n)
        cut = int((counts[order[0]] - counts[order[1]]) // 2)
        start = min(cut, first)
        stop = n - min(cut, n - 1 - last)
        return np.arange(start, stop)
    raise ValueError(f"mode must be 'deepsleepnet' or 'core-sleep', got {mode!r}")


def sequence_index(onsets: np.ndarray, seq_len: int, *, epoch_len: float = 30.0, stride: int = 1) -> np.ndarray:
    """Start indices of windows of ``seq_len`` *neighbouring* epochs (no gap inside a window).

    Epochs dropped from the middle of a night (movement, unknown, cropped) break the run, so a
    sequence never joins epochs that were not adjacent in time.

    Parameters
    ----------
    onsets : ndarray, shape (n_epochs,)
        Epoch starts in seconds, sorted.
    seq_len : int
        Epochs per sequence (CoRe-Sleep uses 21).
    stride : int
        Step between consecutive sequence starts inside a run.

    Returns
    -------
    ndarray, shape (n_sequences, seq_len), int64
        Epoch indices of each sequence.
    """
    if seq_len < 1 or stride < 1:
        raise ValueError(f"seq_len and stride must be >= 1, got seq_len={seq_len}, stride={stride}")
    onsets = np.asarray(onsets, dtype=float)
    if len(onsets) < seq_len:
        return np.zeros((0, seq_len), dtype=np.int64)
    breaks = np.flatnonzero(np.abs(np.diff(onsets) - epoch_len) > 1e-3) + 1
    run_starts = np.concatenate([[0], breaks])
    run_stops = np.concatenate([breaks, [len(onsets)]])
    starts = [np.arange(a, b - seq_len + 1, stride) for a, b in zip(run_starts, run_stops) if b - a >= seq_len]
    if not starts:
        return np.zeros((0, seq_len), dtype=np.int64)
    first = np.concatenate(starts)
    return first[:, None] + np.arange(seq_len)[None, :]


def beat_windows(signal: np.ndarray, peaks: np.ndarray, before: int, after: int) -> tuple[np.ndarray, np.ndarray]:
    """Windows centred on R peaks: ``before`` samples before each peak, ``after`` from it on.

    Parameters
    ----------
    signal : ndarray, shape (n_times,) or (n_channels, n_times)
    peaks : ndarray, shape (n_beats,), int
        Sample index of each R peak.

    Returns
    -------
    windows : ndarray, shape (n_kept, n_channels, before + after)
    kept : ndarray, shape (n_kept,), int64
        Indices into ``peaks`` of the beats whose window fits inside the signal.
    """
    signal = np.atleast_2d(np.asarray(signal))
    peaks = np.asarray(peaks, dtype=np.int64)
    if before < 0 or after < 1:
        raise ValueError(f"before must be >= 0 and after >= 1, got before={before}, after={after}")
    kept = np.flatnonzero((peaks - before >= 0) & (peaks + after <= signal.shape[1]))
    index = peaks[kept, None] + np.arange(-before, after)[None, :]
    return np.ascontiguousarray(signal[:, index].transpose(1, 0, 2)), kept


def event_windows(data: np.ndarray, sfreq: float, onsets: Sequence[float], durations: Sequence[float],
                  window: float, *, align: str = "center") -> tuple[np.ndarray, np.ndarray]:
    """Fixed-length windows around events (spindles, CAP A-phases, ...).

    Parameters
    ----------
    data : ndarray, shape (n_channels, n_times)
    onsets, durations : sequence of float, length n_events
        Seconds from the first sample.
    window : float
        Seconds per window.
    align : {"center", "onset"}
        Centre the window on the event's middle, or start it at the onset.

    Returns
    -------
    windows : ndarray, shape (n_kept, n_channels, n_samples)
    kept : ndarray, shape (n_kept,), int64
        Indices of the events whose window fits inside the signal.
    """
    data = np.atleast_2d(np.asarray(data))
    n_samples = samples_per_window(sfreq, window, "event window")
    onsets = np.asarray(onsets, dtype=float)
    durations = np.asarray(durations, dtype=float)
    if align == "center":
        starts = np.rint((onsets + durations / 2 - window / 2) * sfreq).astype(np.int64)
    elif align == "onset":
        starts = np.rint(onsets * sfreq).astype(np.int64)
    else:
        raise ValueError(f"align must be 'center' or 'onset', got {align!r}")
    kept = np.flatnonzero((starts >= 0) & (starts + n_samples <= data.shape[1]))
    index = starts[kept, None] + np.arange(n_samples)[None, :]
    return np.ascontiguousarray(data[:, index].transpose(1, 0, 2)), kept

"""CAP-like sleep *event* tables with EEG windows, for the event-classification lesson (Hayes & Sun).

The CAP Sleep Database scores A-phases of the cyclic alternating pattern in NREM sleep:

- **A1** — synchronised EEG: K-complex sequences and delta bursts, little EMG change; mostly N2/N3,
  short (median ~6 s).
- **A2** — a mix of slow waves and fast rhythms (alpha/beta cover 20-50 % of the phase); mostly N2.
- **A3** — desynchronised: fast low-amplitude rhythms (>50 %), often with a chin EMG rise, i.e. an
  arousal; N1/N2, longer (median ~12 s).

:func:`make_event_table` draws events with the table columns of the real CAP ``.txt`` files
(``type`` as ``MCAP-A1``..., ``stage``, ``onset``, ``duration``, ``channel``); the stage and
duration distributions of the classes overlap, so metadata alone does not give the answer.
:func:`synthetic_event_dataset` adds an EEG (and chin EMG) window per event whose content follows
the class, so that a model that fuses signal and metadata beats either alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from fusionlab.data.synthetic.waveforms import band_noise, colored_noise
from fusionlab.data.windows import samples_per_window

__all__ = ["EVENT_CLASSES", "SleepEventSet", "make_event_table", "synthetic_event_dataset"]

EVENT_CLASSES: tuple[str, ...] = ("MCAP-A1", "MCAP-A2", "MCAP-A3")
_CLASS_SHARE = np.array([0.55, 0.25, 0.20])  # A1 dominates in CAP scorings
_STAGES = ("N1", "N2", "N3")
_STAGE_GIVEN_CLASS = np.array([[0.05, 0.55, 0.40],   # A1
                               [0.10, 0.75, 0.15],   # A2
                               [0.30, 0.65, 0.05]])  # A3
_MEDIAN_DURATION = np.array([6.0, 9.0, 12.0])  # seconds
_CHANNELS = ("C4-A1", "F4-C4", "Fp2-F4", "C3-A2")
#                         A1    A2    A3   : std (µV) of the pattern inside the phase
_DELTA_IN_PHASE = np.array([45.0, 25.0, 6.0])
_FAST_IN_PHASE = np.array([3.0, 9.0, 14.0])
_EMG_RISE = np.array([1.1, 1.6, 3.0])
_STAGE_DELTA = {"N1": 6.0, "N2": 12.0, "N3": 30.0}


@dataclass
class SleepEventSet:
    """Sleep events with their windows of signal.

    Attributes
    ----------
    table : DataFrame
        One row per event: ``subject``, ``type``, ``label`` (0..2), ``stage``, ``onset``, ``duration`` (s),
        ``channel``.
    eeg : ndarray, shape (n_events, n_samples), float32
        EEG window centred on each event (µV).
    emg : ndarray, shape (n_events, n_samples), float32
        Chin EMG window (µV).
    sfreq : float
    window : float
        Seconds per window.
    classes : tuple of str
    """

    table: pd.DataFrame
    eeg: np.ndarray
    emg: np.ndarray
    sfreq: float
    window: float
    classes: tuple[str, ...] = EVENT_CLASSES

    @property
    def labels(self) -> np.ndarray:
        return self.table["label"].to_numpy(np.int64)

    def __len__(self) -> int:
        return len(self.table)


def make_event_table(n_events: int, *, seed: int = 0, n_subjects: int = 8,
                     class_share: Sequence[float] | None = None) -> pd.DataFrame:
    """Draw a CAP-like table of A-phase events.

    Parameters
    ----------
    n_events : int
    seed : int
    n_subjects : int
        Events are spread over this many subjects (for subject-wise splits).
    class_share : sequence of 3 floats, optional
        Proportions of A1, A2, A3 (default 0.55, 0.25, 0.20).

    Returns
    -------
    DataFrame
        Columns ``subject``, ``type``, ``label``, ``stage``, ``onset``, ``duration``, ``channel``;
        onsets increase within a subject's night.
    """
    if n_events < 1 or n_subjects < 1:
        raise ValueError(f"n_events and n_subjects must be >= 1, got {n_events}, {n_subjects}")
    share = np.asarray(class_share if class_share is not None else _CLASS_SHARE, dtype=float)
    if share.shape != (3,) or (share < 0).any() or share.sum() <= 0:
        raise ValueError(f"class_share must be 3 non-negative numbers, got {class_share!r}")
    rng = np.random.default_rng([seed, 7])
    label = rng.choice(3, size=n_events, p=share / share.sum())
    stage_idx = (rng.random(n_events)[:, None] > np.cumsum(_STAGE_GIVEN_CLASS[label], axis=1)).sum(axis=1)
    duration = np.clip(np.round(rng.lognormal(np.log(_MEDIAN_DURATION[label]), 0.45), 0), 2, 60)
    subject = np.sort(rng.integers(0, n_subjects, n_events))
    gaps = rng.exponential(60.0, n_events) + duration
    onset = np.zeros(n_events)
    for s in np.unique(subject):
        rows = np.flatnonzero(subject == s)
        onset[rows] = 1800 + np.cumsum(gaps[rows])
    return pd.DataFrame({
        "subject": subject, "type": np.asarray(EVENT_CLASSES)[label], "label": label,
        "stage": np.asarray(_STAGES)[stage_idx], "onset": np.round(onset, 0), "duration": duration,
        "channel": rng.choice(_CHANNELS, n_events),
    })


def synthetic_event_dataset(n_events: int = 600, *, seed: int = 0, window: float = 20.0, sfreq: float = 100.0,
                            n_subjects: int = 8, class_share: Sequence[float] | None = None) -> SleepEventSet:
    """CAP-like events with an EEG and chin-EMG window centred on each.

    The background of each window follows the event's sleep stage (theta in N1, spindle-band
    activity in N2, delta in N3); inside the phase the class pattern is added (delta bursts and
    K-complexes for A1, mixed for A2, alpha/beta and an EMG rise for A3), ramped in and out.

    Returns
    -------
    SleepEventSet
        ``eeg`` and ``emg`` of shape (n_events, window * sfreq).
    """
    table = make_event_table(n_events, seed=seed, n_subjects=n_subjects, class_share=class_share)
    n = samples_per_window(sfreq, window, "event window")
    rng = np.random.default_rng([seed, 11])
    total = n_events * n

    def batch(noise: np.ndarray) -> np.ndarray:
        return noise.reshape(n_events, n)

    label = table["label"].to_numpy()
    stage = table["stage"].to_numpy()
    t = np.arange(n) / sfreq - window / 2  # seconds from the window centre
    half = np.minimum(table["duration"].to_numpy(), window - 1) / 2
    inside = np.clip((half[:, None] - np.abs(t)[None, :]) / 0.5 + 0.5, 0, 1)  # 0.5-s ramps at phase edges

    stage_delta = np.array([_STAGE_DELTA[s] for s in stage])[:, None]
    stage_theta = np.where(stage == "N1", 9.0, 5.0)[:, None]
    stage_sigma = np.where(stage == "N2", 6.0, 2.0)[:, None]
    subject_gain = np.random.default_rng([seed, 13]).uniform(0.75, 1.3, table["subject"].max() + 1)
    gain = subject_gain[table["subject"].to_numpy()][:, None]

    eeg = 11.0 * batch(colored_noise(rng, total, sfreq, 1.0, 0.3, 40.0))
    eeg += stage_delta * batch(band_noise(rng, total, sfreq, 1.0, 0.45))
    eeg += stage_theta * batch(band_noise(rng, total, sfreq, 5.5, 0.9))
    eeg += stage_sigma * batch(band_noise(rng, total, sfreq, 13.0, 0.8))
    eeg += _DELTA_IN_PHASE[label][:, None] * inside * batch(band_noise(rng, total, sfreq, 1.2, 0.5))
    eeg += _FAST_IN_PHASE[label][:, None] * inside * batch(band_noise(rng, total, sfreq, 10.0, 1.2))
    eeg += 0.6 * _FAST_IN_PHASE[label][:, None] * inside * batch(band_noise(rng, total, sfreq, 20.0, 3.0))
    # A K-complex at the start of most A1 phases (and some A2).
    kc_prob = np.array([0.8, 0.4, 0.05])[label]
    has_kc = rng.random(n_events) < kc_prob
    kc_t = t[None, :] + half[:, None] - 0.3
    kc_amp = rng.uniform(60, 120, n_events)[:, None]
    kc = kc_amp * (-np.exp(-0.5 * ((kc_t - 0.15) / 0.07) ** 2) + 0.45 * np.exp(-0.5 * ((kc_t - 0.5) / 0.15) ** 2))
    eeg += np.where(has_kc[:, None], kc, 0.0)
    eeg *= gain

    tone = np.where(stage == "N1", 8.0, 6.0)[:, None] * rng.lognormal(0, 0.3, n_events)[:, None]
    emg_gain = 1 + (_EMG_RISE[label][:, None] - 1) * inside
    emg = tone * emg_gain * batch(colored_noise(rng, total, sfreq, 0.0, 10.0, None))
    return SleepEventSet(table, eeg.astype(np.float32), emg.astype(np.float32), float(sfreq), float(window))

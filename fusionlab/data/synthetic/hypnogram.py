"""A plausible adult hypnogram: ~90-min NREM-REM cycles, N3 early, REM lengthening towards morning.

The model is semi-Markov at the level of cycles (each cycle walks N1 -> N2 -> N3 -> N2 -> REM with
drawn durations) plus a first-order perturbation layer for the micro-structure scorers see: brief
awakenings and stage shifts (arousal to W/N1, N2 intrusions in N3, N1 in REM). The numbers follow
``shared/guide/SLEEP_PHYSIOLOGY.md``: sleep-onset latency 10-20 min, first REM 70-100 min after
sleep onset, cycles of ~80-110 min, N1 ~5 %, N2 ~50 %, N3 ~15-20 %, REM ~20-25 % of sleep.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from fusionlab.data.windows import STAGE_TO_INDEX

__all__ = ["SubjectTraits", "make_hypnogram"]

W, N1, N2, N3, REM = (STAGE_TO_INDEX[s] for s in ("W", "N1", "N2", "N3", "REM"))


@dataclass(frozen=True)
class SubjectTraits:
    """Per-subject physiology, drawn once per subject so that nights of one subject resemble each other.

    Attributes
    ----------
    alpha_freq : float
        Individual alpha peak (Hz), 8.5-11.5.
    spindle_freq : float
        Centre of spindle frequency (Hz), 12-14.
    eeg_gain : float
        Overall EEG amplitude factor (skull thickness, electrode impedance), 0.75-1.3.
    slow_wave_gain : float
        N3 amount and delta amplitude; lower in older subjects, 0.7-1.25.
    emg_gain : float
        Chin EMG tone factor, 0.6-1.6.
    heart_rate : float
        Resting heart rate in wake (beats/min), 58-78.
    alpha_gain : float
        Amplitude of the eyes-closed wake alpha (some people have almost none), 0.4-1.4.
    eog_gain : float
        EOG amplitude factor (electrode placement, corneo-retinal potential), 0.7-1.4.
    """

    alpha_freq: float = 10.0
    spindle_freq: float = 13.0
    eeg_gain: float = 1.0
    slow_wave_gain: float = 1.0
    emg_gain: float = 1.0
    heart_rate: float = 68.0
    alpha_gain: float = 1.0
    eog_gain: float = 1.0

    @classmethod
    def draw(cls, rng: np.random.Generator) -> SubjectTraits:
        """Draw a subject from the population ranges listed above."""
        return cls(
            alpha_freq=float(rng.uniform(8.5, 11.5)),
            spindle_freq=float(rng.uniform(12.0, 14.0)),
            eeg_gain=float(rng.uniform(0.75, 1.3)),
            slow_wave_gain=float(rng.uniform(0.7, 1.25)),
            emg_gain=float(np.exp(rng.uniform(np.log(0.6), np.log(1.6)))),
            heart_rate=float(rng.uniform(58.0, 78.0)),
            alpha_gain=float(rng.uniform(0.4, 1.4)),
            eog_gain=float(rng.uniform(0.7, 1.4)),
        )

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def _run(stage: int, minutes: float, epoch_len: float) -> list[int]:
    return [stage] * max(1, round(minutes * 60 / epoch_len))


def make_hypnogram(rng: np.random.Generator, n_epochs: int, *, epoch_len: float = 30.0,
                   traits: SubjectTraits | None = None) -> np.ndarray:
    """Draw a whole-night hypnogram.

    Parameters
    ----------
    rng : numpy Generator
    n_epochs : int
        Epochs in bed (8 h = 960 epochs of 30 s).
    epoch_len : float
    traits : SubjectTraits, optional
        ``slow_wave_gain`` scales the N3 duration.

    Returns
    -------
    ndarray, shape (n_epochs,), int64
        Stage indices 0..4 = W, N1, N2, N3, REM.
    """
    traits = traits or SubjectTraits()
    seq: list[int] = _run(W, rng.uniform(8, 20), epoch_len)  # lights off -> sleep onset
    cycle = 0
    while len(seq) < n_epochs:
        cycle_minutes = rng.normal(92, 10)
        n1 = rng.uniform(2, 7) if cycle == 0 else rng.uniform(0.5, 3)
        n3 = max(0.0, rng.normal(46 * 0.55 ** cycle, 6 * 0.7 ** cycle)) * traits.slow_wave_gain
        if cycle >= 3 and rng.random() < 0.6:
            n3 = 0.0
        rem = float(np.clip(rng.normal(9 + 8 * cycle, 3), 4, 45))
        n2 = max(10.0, cycle_minutes - n1 - n3 - rem)
        before = rng.uniform(0.45, 0.7)
        seq += _run(N1, n1, epoch_len) + _run(N2, n2 * before, epoch_len)
        if n3 >= epoch_len / 60:
            seq += _run(N3, n3, epoch_len)
        seq += _run(N2, n2 * (1 - before), epoch_len)
        if not (cycle == 0 and rng.random() < 0.1):  # the first REM period is sometimes skipped
            seq += _run(REM, rem, epoch_len)
        if rng.random() < 0.5:  # brief awakening at the end of a cycle
            seq += _run(W, rng.uniform(0.5, 3), epoch_len)
        cycle += 1
    hyp = np.asarray(seq[:n_epochs], dtype=np.int64)
    hyp[-max(1, int(rng.uniform(3, 10) * 60 / epoch_len)):] = W  # final awakening before lights on
    return _perturb(rng, hyp)


def _perturb(rng: np.random.Generator, hyp: np.ndarray) -> np.ndarray:
    """Add micro-structure: brief arousals and stage shifts that make boundaries fuzzy."""
    hyp = hyp.copy()
    n = len(hyp)
    asleep = np.flatnonzero(hyp != W)
    if len(asleep) == 0:
        return hyp
    onset, end = asleep[0], asleep[-1]
    i = onset + 2
    while i < end - 2:
        stage = hyp[i]
        u = rng.random()
        if stage in (N1, N2) and u < 0.012:  # arousal to wake, back through N1
            hyp[i] = W
            hyp[i + 1] = N1 if hyp[i + 1] != REM else hyp[i + 1]
            i += 2
            continue
        if stage == N2 and u < 0.03:  # shift to lighter sleep
            hyp[i] = N1
        elif stage == N3 and u < 0.07:  # N2 intrusion in slow-wave sleep
            hyp[i : i + int(rng.integers(1, 3))] = N2
        elif stage == REM and u < 0.02:
            hyp[i] = N1 if rng.random() < 0.6 else W
        i += 1
    hyp[:onset] = W
    hyp[min(n, end + 1):] = W
    return hyp

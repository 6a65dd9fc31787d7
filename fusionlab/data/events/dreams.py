"""DREAMS spindle events as a sleep-event set: the real-data check of notebook 06.

Spindles scored by expert 1 (label 1) against spindle-free windows of N1-N3 sleep (label 0), from
every excerpt in the DREAMS spindle folder; the stage comes from the excerpt's hypnogram, the
subject is the excerpt (one person each). Windows are resampled to a common rate.
"""

from __future__ import annotations

from collections.abc import Sequence
from math import gcd
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.signal

from fusionlab.data.dreams import load_dreams_excerpt
from fusionlab.data.synthetic.events import SleepEventSet
from fusionlab.data.windows import event_windows

SPINDLE_CLASSES: tuple[str, ...] = ("background", "spindle")
_STAGE_NAMES = ("W", "N1", "N2", "N3", "REM")


def dreams_excerpts(folder: str | Path) -> list[int]:
    """Excerpt numbers with a text EEG, a hypnogram and an expert-1 scoring in ``folder``."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"DREAMS folder {folder} does not exist")
    found = []
    for path in sorted(folder.glob("excerpt*.txt")):
        n = int(path.stem.removeprefix("excerpt"))
        if (folder / f"Hypnogram_excerpt{n}.txt").is_file() and (folder / f"Visual_scoring1_excerpt{n}.txt").is_file():
            found.append(n)
    if not found:
        raise FileNotFoundError(f"{folder}: no excerptN.txt with Hypnogram_excerptN.txt and Visual_scoring1_excerptN.txt")
    return found


def dreams_spindle_events(folder: str | Path, *, excerpts: Sequence[int] | None = None, window: float = 4.0,
                          sfreq: float = 100.0, negatives_per_spindle: float = 1.0, seed: int = 0) -> SleepEventSet:
    """Spindle and spindle-free NREM windows of several DREAMS excerpts, as a :class:`SleepEventSet`.

    Parameters
    ----------
    folder : path
        The DREAMS spindle folder (``../shared/data/dreams-spindles``).
    excerpts : sequence of int, optional
        Default: every excerpt with an expert-1 scoring (:func:`dreams_excerpts`).
    window : float
        Seconds per window, centred on the spindle or on the random spindle-free point.
    sfreq : float
        Common rate the windows are resampled to (polyphase).
    negatives_per_spindle : float
        Spindle-free windows drawn per spindle.
    seed : int

    Returns
    -------
    SleepEventSet
        ``table`` columns ``subject`` (excerpt), ``type`` (``"spindle"``/``"background"``), ``label``,
        ``stage``, ``onset`` (s), ``duration`` (s, 0 for background windows -- do not use it as an
        input: it gives the label away), ``channel``; ``emg`` is all zeros (no EMG channel here).
    """
    excerpts = list(excerpts) if excerpts is not None else dreams_excerpts(folder)
    rng = np.random.default_rng(seed)
    tables, windows = [], []
    for number in excerpts:
        excerpt = load_dreams_excerpt(folder, number)
        spindles = excerpt.spindles["expert1"]
        mask = excerpt.spindle_mask("expert1")
        data = excerpt.eeg[None, :]
        pos, kept = event_windows(data, excerpt.sfreq, spindles["onset"], spindles["duration"], window)
        pos_centre = (spindles["onset"] + spindles["duration"] / 2).to_numpy()[kept]
        n_neg = round(negatives_per_spindle * len(pos))
        centres = rng.uniform(window, excerpt.duration - window, 30 * max(n_neg, 1))
        half = int(window / 2 * excerpt.sfreq)
        free = np.array([not mask[max(0, int(c * excerpt.sfreq) - half): int(c * excerpt.sfreq) + half].any()
                         for c in centres])
        centres = centres[free & np.isin(excerpt.stage_at(centres), [1, 2, 3])][:n_neg]
        neg, _ = event_windows(data, excerpt.sfreq, centres, np.zeros(len(centres)), window)
        up, down = int(sfreq), int(excerpt.sfreq)
        g = gcd(up, down)
        both = np.concatenate([pos[:, 0], neg[:, 0]])
        windows.append(scipy.signal.resample_poly(both, up // g, down // g, axis=-1).astype(np.float32))
        all_centres = np.concatenate([pos_centre, centres])
        stage_index = excerpt.stage_at(all_centres)
        labels = np.concatenate([np.ones(len(pos), np.int64), np.zeros(len(neg), np.int64)])
        tables.append(pd.DataFrame({
            "subject": number, "type": np.asarray(SPINDLE_CLASSES)[labels], "label": labels,
            "stage": [_STAGE_NAMES[s] if s >= 0 else "N2" for s in stage_index],
            "onset": np.round(all_centres, 1),
            "duration": np.concatenate([spindles["duration"].to_numpy()[kept], np.zeros(len(neg))]),
            "channel": excerpt.channel.upper(),
        }))
    eeg = np.concatenate(windows)
    n = eeg.shape[1]
    expected = round(window * sfreq)
    if n != expected:  # resampling rounds; keep every window the same length
        eeg = eeg[:, :expected] if n > expected else np.pad(eeg, ((0, 0), (0, expected - n)))
    table = pd.concat(tables, ignore_index=True)
    return SleepEventSet(table, eeg, np.zeros_like(eeg), float(sfreq), float(window), classes=SPINDLE_CLASSES)

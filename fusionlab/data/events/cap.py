"""CAP Sleep Database A-phases as a sleep-event set: the paper's own data, when a user has fetched it.

Hayes & Sun classify the A-phases of the cyclic alternating pattern (A1 / A2 / A3) of the CAP Sleep
Database. ``fusionlab fetch cap --records n1 n2 ...`` puts nights (``<name>.edf`` + ``<name>.txt``)
in ``data/cap``; :func:`cap_sleep_events` turns every scored A-phase of those nights into an EEG
window with the same table columns as the synthetic CAP-like events, so notebook 06 runs on either.
The subject is the recording (one night per person in the CAP database), for subject-wise splits.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from fusionlab.data.cap import cap_event_windows
from fusionlab.data.synthetic.events import EVENT_CLASSES, SleepEventSet


def cap_recordings(folder: str | Path) -> list[str]:
    """Names of the nights in ``folder`` that have both ``<name>.edf`` and ``<name>.txt``, sorted.

    Raises
    ------
    FileNotFoundError
        The folder does not exist or holds no complete night.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"CAP folder {folder} does not exist; fetch nights with "
                                "`fusionlab fetch cap --records n1 n2 n3` (network needed)")
    names = sorted(p.stem for p in folder.glob("*.edf") if p.with_suffix(".txt").is_file())
    if not names:
        raise FileNotFoundError(f"{folder}: no CAP night found (expected pairs <name>.edf + <name>.txt, "
                                f"found {sorted(p.name for p in folder.iterdir())[:10]})")
    return names


def cap_sleep_events(folder: str | Path, *, recordings: Sequence[str] | None = None, channel: str = "C4-A1",
                     window: float = 20.0, sfreq: float = 100.0) -> SleepEventSet:
    """Every scored A1/A2/A3 phase of the CAP nights in ``folder``, as a :class:`SleepEventSet`.

    Parameters
    ----------
    folder : path
        A folder of CAP nights (``data/cap`` after ``fusionlab fetch cap``).
    recordings : sequence of str, optional
        Night names (``["n1", "n2"]``); default every complete night in the folder.
    channel : str
        EEG derivation the windows are cut from (the paper's events come from the scoring channel;
        C4-A1 is present in most CAP nights, and a missing one raises an error listing those present).
    window : float
        Seconds per window, centred on the event (events too close to the ends are dropped).
    sfreq : float
        Rate the EEG is resampled to.

    Returns
    -------
    SleepEventSet
        ``table`` columns ``subject`` (night name), ``type`` (``MCAP-A1/A2/A3``), ``label`` (0..2),
        ``stage``, ``onset`` (s), ``duration`` (s), ``channel`` (the derivation the event was scored
        on, the scoring's ``Location``). ``emg`` is all zeros: notebook 06 does not use it.

    Raises
    ------
    ValueError
        A night holds no A-phase whose window fits inside the recording.
    """
    folder = Path(folder)
    names = list(recordings) if recordings is not None else cap_recordings(folder)
    tables, windows = [], []
    for name in names:
        edf, txt = folder / f"{name}.edf", folder / f"{name}.txt"
        for path in (edf, txt):
            if not path.is_file():
                raise FileNotFoundError(f"CAP night {name!r}: {path} not found (each night needs .edf and .txt)")
        eeg, events = cap_event_windows(edf, txt, channel=channel, window=window, sfreq=sfreq, types=EVENT_CLASSES)
        if not len(events):
            raise ValueError(f"CAP night {name!r} ({txt}): no A1/A2/A3 phase with a full {window:g}-s window")
        windows.append(eeg.astype(np.float32))
        tables.append(pd.DataFrame({
            "subject": name, "type": events["type"].to_numpy(),
            "label": [EVENT_CLASSES.index(t) for t in events["type"]],
            "stage": events["stage"].to_numpy(), "onset": events["onset"].to_numpy(dtype=float),
            "duration": events["duration"].to_numpy(dtype=float), "channel": events["location"].to_numpy(),
        }))
    if not tables:
        raise ValueError(f"no CAP nights given (recordings={recordings!r})")
    eeg = np.concatenate(windows)
    table = pd.concat(tables, ignore_index=True)
    table["label"] = table["label"].astype(np.int64)
    return SleepEventSet(table, eeg, np.zeros_like(eeg), float(sfreq), float(window), classes=EVENT_CLASSES)

"""Write synthetic sleep events as CAP Sleep Database nights (EDF + REMlogic ``.txt``).

The CAP-like events of :mod:`fusionlab.data.synthetic.events` are windows, not nights. To exercise
the real CAP path of notebook 06 (``DATASET="cap"``) without the 40-GB database, each subject's
events are laid end to end in one EDF channel -- one event per slot of whole 30-s epochs, the
event's window centred in its slot, a flat trace in between -- and a scoring file in the exact
REMlogic layout of the CAP database lists a sleep stage per epoch and one ``MCAP-A1/A2/A3`` row per
event. :func:`fusionlab.data.events.cap_sleep_events` then reads back the same windows, types, stages,
durations and channels. Only the time of night is not kept: onsets are slot positions.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import tempfile
from pathlib import Path

import edfio
import numpy as np

from fusionlab.data.synthetic.events import SleepEventSet

__all__ = ["write_cap_nights"]

_START = dt.datetime(2000, 1, 1, 23, 0, 0)
_STAGE_COLUMN = {"W": "W", "N1": "S1", "N2": "S2", "N3": "S3", "REM": "R"}
_STAGE_EVENT = {"W": "SLEEP-S0", "N1": "SLEEP-S1", "N2": "SLEEP-S2", "N3": "SLEEP-S3", "REM": "SLEEP-REM"}
_HEADER = "Patient Name:\t{name}\nRoom:\tsynthetic\nRecording Date:\t{date}\nEvents Channels:\t\n\n"
_COLUMNS = "Sleep Stage\tPosition\tTime [hh:mm:ss]\tEvent\tDuration[s]\tLocation"


def _clock(seconds: float) -> str:
    return (_START + dt.timedelta(seconds=int(seconds))).strftime("%H:%M:%S")


def _atomic_write(path: Path, write) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


def write_cap_nights(events: SleepEventSet, folder: str | os.PathLike, *, channel: str = "C4-A1",
                     prefix: str = "syn") -> list[str]:
    """Write one CAP-format night per subject of ``events`` into ``folder``.

    Parameters
    ----------
    events : SleepEventSet
        Events with ``table`` columns ``subject, type, stage, duration, channel`` and ``eeg`` windows.
    folder : path
        Created if needed; ``<prefix><subject>.edf`` and ``.txt`` are written there (each to a
        temporary name first, then renamed).
    channel : str
        Label of the EDF channel holding the windows.
    prefix : str
        Night names are ``f"{prefix}{subject}"``.

    Returns
    -------
    list of str
        The night names, in subject order.

    Raises
    ------
    ValueError
        A stage the CAP scoring cannot express.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    table = events.table
    bad = sorted(set(table["stage"]) - set(_STAGE_COLUMN))
    if bad:
        raise ValueError(f"events.table['stage'] holds {bad}; a CAP scoring takes {sorted(_STAGE_COLUMN)}")
    n = events.eeg.shape[1]
    slot = 30 * math.ceil((events.window + 2) / 30)  # whole epochs, a little room around each window
    names = []
    for subject, rows in table.groupby("subject", sort=True):
        name = f"{prefix}{subject}"
        index = rows.sort_values("onset", kind="stable").index.to_numpy()
        seconds = 30 + slot * len(index) + 30  # a 30-s epoch of margin at both ends
        signal = np.zeros(round(seconds * events.sfreq))
        lines, stages = [], []
        for k, i in enumerate(index):
            row = table.loc[i]
            duration = float(row["duration"])
            onset = 30 + k * slot + round(slot / 2 - duration / 2)  # whole seconds (the clock column); may start before the slot
            start = int(np.rint((onset + duration / 2 - events.window / 2) * events.sfreq))
            signal[start:start + n] = events.eeg[i]
            stages += [row["stage"]] * (slot // 30)
            lines.append((onset, row["stage"], row["type"], f"{duration:g}", row["channel"]))
        stages = [stages[0], *stages, stages[-1]]
        lines += [(30 * e, s, _STAGE_EVENT[s], "30", channel) for e, s in enumerate(stages)]
        lines.sort(key=lambda line: (line[0], not line[2].startswith("SLEEP-")))
        text = _HEADER.format(name=name, date=_START.strftime("%d/%m/%Y")) + _COLUMNS + "\n" + "".join(
            f"{_STAGE_COLUMN[s]}\tUnknown\t{_clock(t)}\t{event}\t{d}\t{loc}\n" for t, s, event, d, loc in lines)
        edf = edfio.Edf([edfio.EdfSignal(signal, events.sfreq, label=channel, physical_dimension="uV")],
                        starttime=_START.time())
        edf.startdate = _START.date()
        _atomic_write(folder / f"{name}.edf", lambda p, edf=edf: edf.write(p))
        _atomic_write(folder / f"{name}.txt", lambda p, text=text: p.write_text(text, encoding="utf-8"))
        names.append(name)
    return names

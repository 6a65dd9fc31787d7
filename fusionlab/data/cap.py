"""CAP Sleep Database (PhysioNet ``capslpdb``): EDF + REMlogic ``.txt`` scoring -> stage epochs and events.

The ``.txt`` file opens with a few ``key:<TAB>value`` lines (patient, room, recording date ...),
then a tab-separated table whose header is one of::

    Sleep Stage	Position	Time [hh:mm:ss]	Event	Duration[s]	Location
    Sleep Stage	Time [hh:mm:ss]	Event	Duration[s]	Location

(some files write ``Duration [s]``). Each row is either a 30-s sleep stage (``Event`` =
``SLEEP-S0`` ... ``SLEEP-S4``, ``SLEEP-REM``, ``SLEEP-MT``) or a micro-structure event such as the
CAP A-phases ``MCAP-A1``, ``MCAP-A2``, ``MCAP-A3`` with its duration and the derivation it was
scored on. Times are clock times; onsets are measured from the EDF start, wrapping past midnight.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from fusionlab.data.edf import read_edf, read_edf_header
from fusionlab.data.errors import DataFormatError
from fusionlab.data.staging import SleepEpochs, epochs_from_psg
from fusionlab.data.windows import event_windows

__all__ = ["CAP_CHANNELS", "CAP_STAGE_EVENTS", "CapScoring", "cap_event_windows", "load_cap", "read_cap_txt"]

CAP_STAGE_EVENTS: dict[str, str | None] = {
    "SLEEP-S0": "W", "SLEEP-S1": "N1", "SLEEP-S2": "N2", "SLEEP-S3": "N3", "SLEEP-S4": "N3",
    "SLEEP-REM": "REM", "SLEEP-MT": None, "SLEEP-UNSCORED": None,
}
"""Stage event -> AASM stage (``None``: movement time / unscored, dropped)."""
CAP_STAGE_COLUMN: dict[str, str | None] = {"W": "W", "S1": "N1", "S2": "N2", "S3": "N3", "S4": "N3", "R": "REM",
                                           "REM": "REM", "MT": None}
CAP_CHANNELS: dict[str, list[str]] = {"eeg": ["C4-A1"], "eog": ["ROC-LOC"], "emg": ["EMG1-EMG2"]}
_TIME = re.compile(r"^(\d{1,2})[:.](\d{2})[:.](\d{2})$")


@dataclass
class CapScoring:
    """A parsed CAP ``.txt`` scoring.

    Attributes
    ----------
    stages : DataFrame
        ``onset``, ``duration`` (s from the EDF start), ``stage`` (W/N1/N2/N3/REM or None), ``description``.
    events : DataFrame
        Every non-stage row: ``type`` (e.g. ``MCAP-A1``), ``onset``, ``duration``, ``stage`` (the
        sleep stage column of that row, mapped), ``location`` (derivation), ``position``.
    header : dict
        The ``key: value`` lines before the table.
    """

    stages: pd.DataFrame
    events: pd.DataFrame
    header: dict[str, str]

    @property
    def cap_events(self) -> pd.DataFrame:
        """Only the A-phases ``MCAP-A1/A2/A3``."""
        return self.events[self.events["type"].isin(["MCAP-A1", "MCAP-A2", "MCAP-A3"])].reset_index(drop=True)


def _seconds(text: str, path: Path, line: int) -> int:
    match = _TIME.match(text.strip())
    if not match:
        raise DataFormatError(f"{path}: line {line}: time should look like hh:mm:ss, found {text!r}")
    h, m, s = (int(g) for g in match.groups())
    return h * 3600 + m * 60 + s


def read_cap_txt(path: str | Path, *, start_seconds: int | None = None) -> CapScoring:
    """Parse a CAP Sleep Database ``.txt`` scoring.

    Parameters
    ----------
    path : path
    start_seconds : int, optional
        Clock time of the EDF start in seconds after midnight; onsets are measured from it.
        Defaults to the time of the first row.

    Raises
    ------
    DataFormatError
        No table header, a malformed row or time, or an unknown sleep stage label.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"CAP scoring file not found: {path}")
    raw = path.read_bytes()
    text = raw.decode("utf-8") if _is_utf8(raw) else raw.decode("latin-1")  # some files are Latin-1
    lines = text.splitlines()
    head_idx = next((i for i, line in enumerate(lines) if line.strip().startswith("Sleep Stage")), None)
    if head_idx is None:
        raise DataFormatError(f"{path}: no table header starting with 'Sleep Stage' (expected columns "
                              "Sleep Stage / [Position] / Time [hh:mm:ss] / Event / Duration[s] / Location)")
    columns = [c.strip() for c in lines[head_idx].split("\t")]
    col = {}
    for i, name in enumerate(columns):
        key = name.lower()
        if key.startswith("sleep stage"):
            col["stage"] = i
        elif key.startswith("position"):
            col["position"] = i
        elif key.startswith("time"):
            col["time"] = i
        elif key.startswith("event"):
            col["event"] = i
        elif key.startswith("duration"):
            col["duration"] = i
        elif key.startswith("location"):
            col["location"] = i
    missing = {"stage", "time", "event", "duration"} - set(col)
    if missing:
        raise DataFormatError(f"{path}: table header lacks column(s) {sorted(missing)}; found {columns}")
    header = {}
    for line in lines[:head_idx]:
        if ":" in line:
            key, _, value = line.partition(":")
            header[key.strip()] = value.strip()
    rows = []
    for number, line in enumerate(lines[head_idx + 1:], start=head_idx + 2):
        if not line.strip():
            continue
        cells = [c.strip() for c in line.split("\t")]
        if len(cells) <= max(col["time"], col["event"], col["duration"]):
            raise DataFormatError(f"{path}: line {number}: expected {len(columns)} tab-separated columns, "
                                  f"found {len(cells)}: {line[:60]!r}")
        try:
            duration = float(cells[col["duration"]])
        except ValueError:
            raise DataFormatError(f"{path}: line {number}: duration should be a number, "
                                  f"found {cells[col['duration']]!r}") from None
        stage_label = cells[col["stage"]]
        if stage_label not in CAP_STAGE_COLUMN:
            raise DataFormatError(f"{path}: line {number}: unknown sleep stage {stage_label!r}; "
                                  f"expected one of {list(CAP_STAGE_COLUMN)}")
        rows.append({
            "clock": _seconds(cells[col["time"]], path, number), "type": cells[col["event"]], "duration": duration,
            "stage": CAP_STAGE_COLUMN[stage_label],
            "location": cells[col["location"]] if "location" in col and col["location"] < len(cells) else "",
            "position": cells[col["position"]] if "position" in col and col["position"] < len(cells) else "",
        })
    if not rows:
        raise DataFormatError(f"{path}: the table has no rows")
    frame = pd.DataFrame(rows)
    start = rows[0]["clock"] if start_seconds is None else int(start_seconds)
    frame["onset"] = ((frame["clock"] - start) % 86400).astype(float)
    is_stage = frame["type"].str.startswith("SLEEP-")
    unknown = sorted(set(frame.loc[is_stage, "type"]) - set(CAP_STAGE_EVENTS))
    if unknown:
        raise DataFormatError(f"{path}: unknown sleep stage event(s) {unknown}; expected {list(CAP_STAGE_EVENTS)}")
    stages = frame[is_stage].copy()
    stages["description"] = stages["type"]
    stages["stage"] = stages["type"].map(CAP_STAGE_EVENTS).astype(object)
    stages["stage"] = stages["stage"].where(stages["stage"].notna(), None)
    events = frame[~is_stage][["type", "onset", "duration", "stage", "location", "position"]]
    return CapScoring(stages[["onset", "duration", "stage", "description"]].reset_index(drop=True),
                      events.reset_index(drop=True), header)


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _start_seconds(edf_path: str | Path) -> int | None:
    start = read_edf_header(edf_path).start
    return None if start is None else start.hour * 3600 + start.minute * 60 + start.second


def load_cap(
    edf_path: str | Path,
    txt_path: str | Path,
    channels: Mapping[str, Sequence[str] | str] | None = None,
    *,
    sfreq: float | None = 100.0,
    on_length_mismatch: str = "error",
    on_missing: str = "error",
) -> tuple[SleepEpochs, pd.DataFrame]:
    """Load a CAP night: labelled 30-s epochs and the table of scored events.

    Parameters
    ----------
    edf_path, txt_path : path
        ``n1.edf`` and ``n1.txt``.
    channels : mapping modality -> channel name(s), optional
        Default :data:`CAP_CHANNELS` (C4-A1, ROC-LOC, EMG1-EMG2); names differ between
        recordings, and a missing one raises an error listing those present.
    sfreq : float or None
        Resample to this rate (CAP channels are stored at different rates).

    Returns
    -------
    epochs : SleepEpochs
    events : DataFrame
        ``type``, ``onset``, ``duration``, ``stage``, ``location``, ``position``; A-phases are
        ``type in {"MCAP-A1", "MCAP-A2", "MCAP-A3"}``.
    """
    scoring = read_cap_txt(txt_path, start_seconds=_start_seconds(edf_path))
    epochs = epochs_from_psg(edf_path, scoring.stages, channels or CAP_CHANNELS, sfreq=sfreq,
                             on_length_mismatch=on_length_mismatch, on_missing=on_missing,
                             subject=Path(edf_path).stem, source={"hypnogram": str(txt_path)})
    return epochs, scoring.events


def cap_event_windows(edf_path: str | Path, txt_path: str | Path, *, channel: str = "C4-A1", window: float = 20.0,
                      sfreq: float | None = 100.0,
                      types: Sequence[str] = ("MCAP-A1", "MCAP-A2", "MCAP-A3")) -> tuple[np.ndarray, pd.DataFrame]:
    """EEG windows centred on CAP events of the given types, with their rows of the event table.

    Returns
    -------
    windows : ndarray, shape (n_events, window * sfreq), float32
    events : DataFrame
        The kept events (those whose window fits inside the recording).
    """
    scoring = read_cap_txt(txt_path, start_seconds=_start_seconds(edf_path))
    events = scoring.events[scoring.events["type"].isin(list(types))].reset_index(drop=True)
    recording = read_edf(edf_path, [channel], sfreq=sfreq)
    windows, kept = event_windows(recording.data, recording.sfreq, events["onset"], events["duration"], window)
    return windows[:, 0], events.iloc[kept].reset_index(drop=True)

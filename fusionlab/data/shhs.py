"""SHHS (Sleep Heart Health Study, via NSRR): EDF + NSRR XML annotations -> stage epochs and events.

An NSRR annotation file (``shhs1-200001-nsrr.xml``) looks like::

    <PSGAnnotation>
      <EpochLength>30</EpochLength>
      <ScoredEvents>
        <ScoredEvent>
          <EventType>Stages|Stages</EventType>
          <EventConcept>Stage 2 sleep|2</EventConcept>
          <Start>930.0</Start>
          <Duration>60.0</Duration>
        </ScoredEvent>
        <ScoredEvent>
          <EventType>Respiratory|Respiratory</EventType>
          <EventConcept>Obstructive apnea|Obstructive Apnea</EventConcept>
          <Start>1234.5</Start> <Duration>14.2</Duration> <SignalLocation>ABDO RES</SignalLocation>
        </ScoredEvent>
        ...

Stage concepts end in an R&K code: 0 wake, 1-4 stages 1-4 (3 and 4 -> N3), 5 REM, 6 movement and
9 unscored (dropped). CoRe-Sleep uses EEG C4-A1 (``EEG``, 125 Hz) and EOG (``EOG(L)``/``EOG(R)``,
50 Hz), resampled to 100 Hz.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from fusionlab.data.errors import DataFormatError
from fusionlab.data.staging import SleepEpochs, epochs_from_psg

__all__ = ["NSRR_STAGE_CODES", "SHHS_CHANNELS", "load_shhs", "read_nsrr_xml"]

NSRR_STAGE_CODES: dict[str, str | None] = {"0": "W", "1": "N1", "2": "N2", "3": "N3", "4": "N3", "5": "REM",
                                           "6": None, "9": None}
"""R&K code at the end of a stage ``EventConcept`` -> AASM stage (``None``: movement/unscored)."""
SHHS_CHANNELS: dict[str, list[str]] = {"eeg": ["EEG"], "eog": ["EOG(L)", "EOG(R)"], "emg": ["EMG"]}


def read_nsrr_xml(path: str | Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Parse an NSRR XML annotation file.

    Returns
    -------
    stages : DataFrame
        ``onset``, ``duration`` (s), ``stage`` (W/N1/N2/N3/REM or None), ``description`` (the concept).
    events : DataFrame
        Every other scored event: ``type`` (``EventType``), ``concept``, ``onset``, ``duration``, ``location``.

    Raises
    ------
    DataFormatError
        Not XML, no ``ScoredEvents``, a non-numeric ``Start``/``Duration``, or an unknown stage concept.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"NSRR annotation file not found: {path}")
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as err:
        raise DataFormatError(f"{path}: not valid XML: {err}") from None
    scored = root.find("ScoredEvents")
    if scored is None:
        raise DataFormatError(f"{path}: no <ScoredEvents> element (root is <{root.tag}>); is it an NSRR XML file?")
    stages, events = [], []
    for number, event in enumerate(scored.findall("ScoredEvent"), start=1):
        kind = (event.findtext("EventType") or "").strip()
        concept = (event.findtext("EventConcept") or "").strip()
        try:
            onset = float(event.findtext("Start"))
            duration = float(event.findtext("Duration"))
        except (TypeError, ValueError):
            raise DataFormatError(f"{path}: ScoredEvent #{number} ({concept!r}) has a missing or non-numeric "
                                  f"Start/Duration") from None
        if kind.startswith("Stages"):
            code = concept.rsplit("|", 1)[-1].strip()
            if code not in NSRR_STAGE_CODES:
                raise DataFormatError(f"{path}: ScoredEvent #{number}: unknown stage concept {concept!r}; "
                                      f"expected a concept ending in one of {list(NSRR_STAGE_CODES)} (e.g. "
                                      "'Stage 2 sleep|2')")
            stages.append({"onset": onset, "duration": duration, "stage": NSRR_STAGE_CODES[code],
                           "description": concept})
        elif concept != "Recording Start Time":
            events.append({"type": kind, "concept": concept, "onset": onset, "duration": duration,
                           "location": (event.findtext("SignalLocation") or "").strip()})
    if not stages:
        raise DataFormatError(f"{path}: no sleep stage events (EventType 'Stages|Stages')")
    stage_frame = pd.DataFrame(stages).sort_values("onset", kind="stable").reset_index(drop=True)
    stage_frame["stage"] = stage_frame["stage"].astype(object).where(stage_frame["stage"].notna(), None)
    return stage_frame, pd.DataFrame(events, columns=["type", "concept", "onset", "duration", "location"])


def load_shhs(
    edf_path: str | Path,
    xml_path: str | Path,
    channels: Mapping[str, Sequence[str] | str] | None = None,
    *,
    sfreq: float | None = 100.0,
    trim: str | None = None,
    on_length_mismatch: str = "error",
    on_missing: str = "error",
) -> tuple[SleepEpochs, pd.DataFrame]:
    """Load an SHHS night: labelled 30-s epochs and the table of other scored events.

    Parameters
    ----------
    edf_path, xml_path : path
        ``shhs1-200001.edf`` and ``shhs1-200001-nsrr.xml``.
    channels : mapping, optional
        Default :data:`SHHS_CHANNELS`.
    sfreq : float or None
        Resample to this rate (EEG is 125 Hz and EOG 50 Hz in SHHS-1).
    trim : {None, "deepsleepnet", "core-sleep"}
        ``"core-sleep"`` is the wake trimming of Kontras et al.

    Returns
    -------
    epochs : SleepEpochs
    events : DataFrame
    """
    stages, events = read_nsrr_xml(xml_path)
    epochs = epochs_from_psg(edf_path, stages, channels or SHHS_CHANNELS, sfreq=sfreq, trim=trim,
                             on_length_mismatch=on_length_mismatch, on_missing=on_missing,
                             subject=Path(edf_path).stem, source={"hypnogram": str(xml_path)})
    return epochs, events

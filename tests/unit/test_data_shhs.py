"""SHHS: NSRR XML annotations in the exact layout, next to an SHHS-like EDF (EEG 125 Hz, EOG 50 Hz)."""

from __future__ import annotations

import datetime as dt

import edfio
import numpy as np
import pytest

from fusionlab.data import STAGES, DataFormatError, load_shhs, read_nsrr_xml

STAGE_EVENTS = [("Wake|0", 0, 60), ("Stage 1 sleep|1", 60, 30), ("Stage 2 sleep|2", 90, 60),
                ("Stage 3 sleep|3", 150, 30), ("Stage 4 sleep|4", 180, 30), ("Movement|6", 210, 30),
                ("REM sleep|5", 240, 30), ("Unscored|9", 270, 30)]


def scored_event(kind, concept, start, duration, location=""):
    loc = f"<SignalLocation>{location}</SignalLocation>" if location else ""
    return (f"<ScoredEvent><EventType>{kind}</EventType><EventConcept>{concept}</EventConcept>"
            f"<Start>{start}</Start><Duration>{duration}</Duration>{loc}</ScoredEvent>")


def write_xml(path, stages=STAGE_EVENTS):
    events = [scored_event("", "Recording Start Time", 0, 300)]
    events += [scored_event("Stages|Stages", c, s, d) for c, s, d in stages]
    events += [scored_event("Respiratory|Respiratory", "Obstructive apnea|Obstructive Apnea", 100.5, 14.2, "ABDO RES"),
               scored_event("Arousals|Arousals", "Arousal|Arousal ()", 160.0, 5.0, "EEG")]
    path.write_text('<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n<PSGAnnotation>'
                    "<SoftwareVersion>Compumedics</SoftwareVersion><EpochLength>30</EpochLength>"
                    f"<ScoredEvents>{''.join(events)}</ScoredEvents></PSGAnnotation>")
    return path


def write_edf(path, seconds=300):
    rng = np.random.default_rng(0)
    signals = [edfio.EdfSignal(20 * rng.standard_normal(seconds * fs), fs, label=name, physical_dimension="uV")
               for name, fs in (("EEG", 125), ("EOG(L)", 50), ("EOG(R)", 50), ("EMG", 125))]
    edf = edfio.Edf(signals, starttime=dt.time(22, 0, 4))
    edf.write(path)
    return path


def test_xml_stages_and_events(tmp_path):
    stages, events = read_nsrr_xml(write_xml(tmp_path / "shhs1-200001-nsrr.xml"))
    assert stages["stage"].tolist() == ["W", "N1", "N2", "N3", "N3", None, "REM", None]
    assert stages["onset"].tolist() == [0, 60, 90, 150, 180, 210, 240, 270]
    assert events["concept"].tolist() == ["Obstructive apnea|Obstructive Apnea", "Arousal|Arousal ()"]
    assert events["location"].tolist() == ["ABDO RES", "EEG"] and events["duration"].tolist() == [14.2, 5.0]


def test_load_shhs_resamples_and_labels(tmp_path):
    edf = write_edf(tmp_path / "shhs1-200001.edf")
    xml = write_xml(tmp_path / "shhs1-200001-nsrr.xml")
    epochs, events = load_shhs(edf, xml)
    assert [STAGES[i] for i in epochs.labels] == ["W", "W", "N1", "N2", "N2", "N3", "N3", "REM"]
    assert epochs.signals["eeg"].shape == (8, 1, 3000) and epochs.signals["eog"].shape == (8, 2, 3000)
    assert len(events) == 2


def test_unknown_stage_concept(tmp_path):
    xml = write_xml(tmp_path / "bad.xml", stages=[("Stage 7 sleep|7", 0, 30)])
    with pytest.raises(DataFormatError, match=r"unknown stage concept 'Stage 7 sleep\|7'") as info:
        read_nsrr_xml(xml)
    assert "bad.xml" in str(info.value)


def test_not_xml(tmp_path):
    path = tmp_path / "x.xml"
    path.write_text("<PSGAnnotation><ScoredEvents>")
    with pytest.raises(DataFormatError, match="not valid XML"):
        read_nsrr_xml(path)
    path.write_text("<Other/>")
    with pytest.raises(DataFormatError, match="no <ScoredEvents>"):
        read_nsrr_xml(path)

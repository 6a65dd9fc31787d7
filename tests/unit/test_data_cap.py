"""CAP Sleep Database: REMlogic .txt scorings (both column layouts) next to an EDF, read back."""

from __future__ import annotations

import datetime as dt

import edfio
import numpy as np
import pytest

from fusionlab.data import STAGES, DataFormatError, cap_event_windows, load_cap, read_cap_txt

HEADER = "Patient Name:\tn99\nRoom:\t\nRecording Date:\t14/03/2007\nEvents Channels:\t\n\n"
START = dt.datetime(2007, 3, 14, 23, 59, 0)


def clock(seconds: float) -> str:
    t = START + dt.timedelta(seconds=seconds)
    return t.strftime("%H:%M:%S")


def write_cap(folder, with_position=True, rows=None, seconds=300, duration_header="Duration[s]", encoding="utf-8"):
    rng = np.random.default_rng(0)
    signals = [edfio.EdfSignal(20 * rng.standard_normal(seconds * 512), 512, label="C4-A1", physical_dimension="uV"),
               edfio.EdfSignal(20 * rng.standard_normal(seconds * 512), 512, label="ROC-LOC", physical_dimension="uV"),
               edfio.EdfSignal(5 * rng.standard_normal(seconds * 256), 256, label="EMG1-EMG2", physical_dimension="uV")]
    edf = edfio.Edf(signals, starttime=START.time())
    edf.startdate = START.date()
    edf.write(folder / "n99.edf")
    rows = rows if rows is not None else [
        ("W", 0, "SLEEP-S0", 30, "ROC-LOC"), ("S1", 30, "SLEEP-S1", 30, "ROC-LOC"),
        ("S2", 60, "SLEEP-S2", 30, "C4-A1"), ("S2", 72, "MCAP-A1", 6, "C4-A1"),
        ("S2", 90, "SLEEP-S2", 30, "C4-A1"), ("S3", 120, "SLEEP-S3", 30, "C4-A1"),
        ("S3", 125, "MCAP-A2", 12, "F4-C4"), ("S4", 150, "SLEEP-S4", 30, "C4-A1"),
        ("MT", 180, "SLEEP-MT", 30, "C4-A1"), ("R", 210, "SLEEP-REM", 30, "C4-A1"),
        ("S2", 240, "SLEEP-S2", 30, "C4-A1"), ("S2", 250, "MCAP-A3", 15, "C4-A1"),
        ("W", 270, "SLEEP-S0", 30, "ROC-LOC"),
    ]
    columns = ["Sleep Stage"] + (["Position"] if with_position else []) + ["Time [hh:mm:ss]", "Event",
                                                                            duration_header, "Location"]
    lines = ["\t".join(columns)]
    for stage, onset, event, duration, location in rows:
        cells = [stage] + (["Unknown"] if with_position else []) + [clock(onset), event, str(duration), location]
        lines.append("\t".join(cells))
    (folder / "n99.txt").write_bytes((HEADER + "\n".join(lines) + "\n").encode(encoding))
    return folder / "n99.edf", folder / "n99.txt"


@pytest.mark.parametrize("with_position", [True, False])
def test_scoring_layouts_and_midnight(tmp_path, with_position):
    _, txt = write_cap(tmp_path, with_position=with_position, duration_header="Duration [s]")
    scoring = read_cap_txt(txt)
    assert scoring.header["Patient Name"] == "n99"
    assert scoring.stages["onset"].tolist() == [0, 30, 60, 90, 120, 150, 180, 210, 240, 270]  # wraps past 00:00
    assert scoring.stages["stage"].tolist() == ["W", "N1", "N2", "N2", "N3", "N3", None, "REM", "N2", "W"]
    cap = scoring.cap_events
    assert cap["type"].tolist() == ["MCAP-A1", "MCAP-A2", "MCAP-A3"]
    assert cap["onset"].tolist() == [72, 125, 250] and cap["duration"].tolist() == [6, 12, 15]
    assert cap["stage"].tolist() == ["N2", "N3", "N2"] and cap["location"].tolist() == ["C4-A1", "F4-C4", "C4-A1"]


def test_load_cap_epochs_and_events(tmp_path):
    edf, txt = write_cap(tmp_path, encoding="latin-1")
    epochs, events = load_cap(edf, txt)
    assert [STAGES[i] for i in epochs.labels] == ["W", "N1", "N2", "N2", "N3", "N3", "REM", "N2", "W"]
    assert epochs.signals["eeg"].shape == (9, 1, 3000) and epochs.sfreq == 100
    assert len(events) == 3
    windows, kept = cap_event_windows(edf, txt, window=10.0)
    assert windows.shape == (3, 1000) and kept["type"].tolist() == ["MCAP-A1", "MCAP-A2", "MCAP-A3"]


def test_unknown_stage_label(tmp_path):
    _, txt = write_cap(tmp_path, rows=[("S9", 0, "SLEEP-S0", 30, "C4-A1")])
    with pytest.raises(DataFormatError, match=r"line 7: unknown sleep stage 'S9'") as info:
        read_cap_txt(txt)
    assert "n99.txt" in str(info.value)


def test_unknown_stage_event(tmp_path):
    _, txt = write_cap(tmp_path, rows=[("W", 0, "SLEEP-S7", 30, "C4-A1")])
    with pytest.raises(DataFormatError, match="unknown sleep stage event"):
        read_cap_txt(txt)


def test_not_a_cap_scoring(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("hello\nworld\n")
    with pytest.raises(DataFormatError, match="no table header starting with 'Sleep Stage'"):
        read_cap_txt(path)


def test_bad_time(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text(HEADER + "Sleep Stage\tTime [hh:mm:ss]\tEvent\tDuration[s]\tLocation\nW\t25h\tSLEEP-S0\t30\tC4\n")
    with pytest.raises(DataFormatError, match="time should look like hh:mm:ss"):
        read_cap_txt(path)


def test_cap_sleep_events_for_notebook_06(tmp_path):
    from fusionlab.data import events as ev

    edf, txt = write_cap(tmp_path)
    (tmp_path / "n98.edf").write_bytes(edf.read_bytes())
    (tmp_path / "n98.txt").write_bytes(txt.read_bytes())
    assert ev.cap_recordings(tmp_path) == ["n98", "n99"]
    events = ev.cap_sleep_events(tmp_path, window=10.0, sfreq=100.0)
    assert events.eeg.shape == (6, 1000) and events.eeg.dtype == np.float32
    assert events.table["subject"].tolist() == ["n98"] * 3 + ["n99"] * 3
    assert events.labels.tolist() == [0, 1, 2, 0, 1, 2]
    assert events.table["type"].tolist()[:3] == ["MCAP-A1", "MCAP-A2", "MCAP-A3"]
    assert events.table["channel"].tolist()[:3] == ["C4-A1", "F4-C4", "C4-A1"]  # the scoring's Location
    assert events.table["stage"].tolist()[:3] == ["N2", "N3", "N2"]
    # The window is the EEG around the event, scaled like the recording (about 20 uV noise).
    assert 5 < float(events.eeg.std()) < 60
    # What notebook 06 builds from the table works on CAP events as on the synthetic ones.
    assert len(ev.serialize_metadata(events.table)) == 6
    assert len(ev.clinical_notes(events.table, seed=0)) == 6


def test_cap_sleep_events_bad_folders(tmp_path):
    from fusionlab.data import events as ev

    with pytest.raises(FileNotFoundError, match="does not exist.*fetch cap"):
        ev.cap_sleep_events(tmp_path / "nowhere")
    with pytest.raises(FileNotFoundError, match="no CAP night found"):
        ev.cap_recordings(tmp_path)
    write_cap(tmp_path)
    with pytest.raises(FileNotFoundError, match="n7.*not found"):
        ev.cap_sleep_events(tmp_path, recordings=["n7"])


def test_synthetic_events_round_trip_through_cap_files(tmp_path):
    from fusionlab.data import events as ev
    from fusionlab.data.synthetic import synthetic_event_dataset, write_cap_nights

    events = synthetic_event_dataset(30, seed=3, n_subjects=3)
    names = write_cap_nights(events, tmp_path)
    assert names == ["syn0", "syn1", "syn2"] and not list(tmp_path.glob(".*"))  # no temporary files left
    back = ev.cap_sleep_events(tmp_path, window=events.window, sfreq=events.sfreq)
    assert len(back) == len(events)
    # Same events, grouped by subject and in time order within a subject.
    order = events.table.sort_values(["subject", "onset"], kind="stable").index.to_numpy()
    original = events.table.loc[order].reset_index(drop=True)
    for column in ("type", "label", "stage", "channel"):
        assert back.table[column].tolist() == original[column].tolist(), column
    np.testing.assert_allclose(back.table["duration"], original["duration"], atol=1e-6)
    assert back.table["subject"].tolist() == [f"syn{s}" for s in original["subject"]]
    # The windows come back as written, up to the EDF's 16-bit quantisation.
    scale = np.abs(events.eeg).max()
    np.testing.assert_allclose(back.eeg, events.eeg[order], atol=scale / 2**14)
    with pytest.raises(ValueError, match="CAP scoring takes"):
        events.table.loc[0, "stage"] = "S9"
        write_cap_nights(events, tmp_path / "bad")

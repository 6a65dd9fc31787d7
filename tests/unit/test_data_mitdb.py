"""MIT-BIH through wfdb: records in the exact WFDB layout (wrsamp/wrann), AAMI labels, leads, splits."""

from __future__ import annotations

import numpy as np
import pytest
import wfdb

from fusionlab.data import (
    AAMI_CLASSES,
    DS1,
    DS2,
    PACED,
    DataFormatError,
    MissingChannelError,
    beats_to_dataset,
    extract_beats,
    inter_patient_split,
    intra_patient_random_split,
    load_mitdb_beats,
    load_mitdb_record,
    record_split,
    rr_features,
)
from fusionlab.data.mitdb import aami_labels

FS = 360
SYMBOLS = ["N", "A", "V", "F", "/", "L", "R", "E", "j", "Q"]


def write_record(folder, name="900", leads=("V5", "MLII"), seconds=60):
    """A 2-lead record whose MLII has a sharp peak at each annotated beat; V5 is small noise."""
    n = seconds * FS
    rng = np.random.default_rng(0)
    peaks = np.arange(FS, n - FS, int(0.8 * FS))
    mlii = 0.02 * rng.standard_normal(n)
    mlii[peaks] += 1.5
    v5 = 0.02 * rng.standard_normal(n)
    columns = {"MLII": mlii, "V5": v5, "V1": v5.copy(), "V2": v5.copy()}
    signal = np.stack([columns[lead] for lead in leads], axis=1)
    wfdb.wrsamp(name, fs=FS, units=["mV"] * len(leads), sig_name=list(leads), p_signal=signal,
                fmt=["212"] * len(leads), adc_gain=[200.0] * len(leads), baseline=[1024] * len(leads),
                write_dir=str(folder))
    symbols = [SYMBOLS[i % len(SYMBOLS)] for i in range(len(peaks))]
    # Non-beat annotations (rhythm change, noise) between beats must be ignored.
    extra = np.array([peaks[3] + 50, peaks[10] + 40])
    samples = np.concatenate([peaks, extra])
    all_symbols = symbols + ["+", "~"]
    order = np.argsort(samples)
    wfdb.wrann(name, "atr", samples[order], symbol=[all_symbols[i] for i in order],
               aux_note=["" if all_symbols[i] != "+" else "(N" for i in order], write_dir=str(folder))
    return peaks, symbols


def test_aami_mapping():
    assert [AAMI_CLASSES[i] for i in aami_labels(SYMBOLS)] == ["N", "S", "V", "F", "Q", "N", "N", "V", "N", "Q"]
    with pytest.raises(DataFormatError, match=r"\['\+'\] are not beat labels"):
        aami_labels(["N", "+"])


def test_record_beats_and_leads_by_name(tmp_path):
    peaks, symbols = write_record(tmp_path)
    record = load_mitdb_record(tmp_path, "900", ["MLII"])
    assert record.leads == ["MLII"] and record.signal.shape == (1, 60 * FS) and record.units == ["mV"]
    beats = extract_beats(record, before=0.25, after=0.45)
    assert len(beats) == len(peaks)  # the + and ~ annotations are not beats
    assert beats.windows.shape == (len(peaks), 1, 90 + 162)
    assert (beats.windows[:, 0].argmax(axis=1) == 90).all()  # centred on the R peak, MLII picked by name
    assert beats.symbols.tolist() == symbols
    assert [AAMI_CLASSES[i] for i in beats.labels[:5]] == ["N", "S", "V", "F", "Q"]
    np.testing.assert_allclose(beats.rr["pre_rr"].iloc[1:], 0.8, atol=1 / FS)


def test_resampling_keeps_peaks_centred(tmp_path):
    write_record(tmp_path)
    beats = extract_beats(load_mitdb_record(tmp_path, "900", ["MLII"]), before=0.25, after=0.45, sfreq=250)
    assert beats.sfreq == 250 and beats.windows.shape[2] == round(0.25 * 250) + round(0.45 * 250)
    assert np.abs(beats.windows[:, 0].argmax(axis=1) - round(0.25 * 250)).max() <= 1


def test_missing_lead_lists_available(tmp_path):
    write_record(tmp_path, name="902", leads=("V5", "V2"))
    with pytest.raises(MissingChannelError, match="'MLII' not found; available channels: 'V5', 'V2'"):
        load_mitdb_record(tmp_path, "902", ["MLII"])
    write_record(tmp_path, name="903", leads=("MLII", "V1"))
    beats = load_mitdb_beats(tmp_path, ["902", "903"], on_missing_lead="skip")
    assert set(beats.records) == {"903"}


def test_header_without_its_data_or_annotations(tmp_path):
    write_record(tmp_path)
    (tmp_path / "900.atr").unlink()
    with pytest.raises(DataFormatError, match=r"annotation file .*900\.atr is missing"):
        load_mitdb_record(tmp_path, "900")
    (tmp_path / "900.dat").unlink()
    with pytest.raises(DataFormatError, match=r"signal file .*900\.dat, which is missing"):
        load_mitdb_record(tmp_path, "900")
    with pytest.raises(FileNotFoundError, match="901.hea"):
        load_mitdb_record(tmp_path, "901")


def test_rr_features():
    rr = rr_features(np.array([0, 360, 720, 1260]), 360.0)
    np.testing.assert_allclose(rr["pre_rr"], [1, 1, 1, 1.5])
    np.testing.assert_allclose(rr["post_rr"], [1, 1, 1.5, 1.5])
    np.testing.assert_allclose(rr["local_rr"], [1, 1, 1, 1.125])
    assert rr["record_rr"].nunique() == 1


def test_splits_are_disjoint():
    split = inter_patient_split()
    assert len(split["train"]) == len(split["test"]) == 22
    assert not set(DS1) & set(DS2) and not set(PACED) & (set(DS1) | set(DS2))
    train, val = record_split(DS1, val_fraction=0.25, seed=3)
    assert not set(train) & set(val) and sorted(train + val) == sorted(DS1) and len(val) == 6
    assert record_split(DS1, seed=3) == record_split(DS1, seed=3)
    tr, te = intra_patient_random_split(1000, test_fraction=0.2, seed=0)
    assert len(te) == 200 and not set(tr) & set(te)


def test_beats_to_dataset(tmp_path):
    write_record(tmp_path)
    beats = extract_beats(load_mitdb_record(tmp_path, "900", ["MLII"]))
    dataset = beats_to_dataset(beats)
    item = dataset[0]
    assert dataset.modalities == ("ecg", "rr")
    assert item["inputs"]["ecg"].shape == (1, 252) and item["inputs"]["rr"].shape == (4,)
    assert item["mask"].tolist() == [True, True] and item["label"].dtype.is_floating_point is False


@pytest.mark.realdata
def test_real_ds1_counts_and_lead_quirks(shared_data):
    folder = shared_data / "mitdb"
    record = load_mitdb_record(folder, "114")
    assert record.leads == ["V5", "MLII"]  # swapped in the file
    assert load_mitdb_record(folder, "114", ["MLII"]).leads == ["MLII"]
    with pytest.raises(MissingChannelError, match="'V5', 'V2'"):
        load_mitdb_record(folder, "102", ["MLII"])
    beats = load_mitdb_beats(folder, DS1)
    counts = beats.class_counts()
    # README: N=45866, S=944, V=3788, F=415, Q=8 (a few beats at record edges have no full window).
    expected = {"N": 45866, "S": 944, "V": 3788, "F": 415, "Q": 8}
    for name, n in expected.items():
        assert n - 25 <= counts[name] <= n
    assert set(beats.records) == set(DS1)
    train, val = record_split(DS1, stratify_by=beats, seed=0)
    assert not set(beats.of_records(train).records) & set(beats.of_records(val).records)


def test_truncated_annotation_file_is_reported_with_record_and_coverage(tmp_path):
    peaks, symbols = write_record(tmp_path, seconds=60)
    early = peaks[peaks < 20 * FS]  # a download that stopped after 20 s of a 60 s record
    wfdb.wrann("900", "atr", early, symbol=symbols[:len(early)], write_dir=str(tmp_path))
    with pytest.raises(DataFormatError, match=r"record 900: annotations cover only 1\.0-1\d\.\d s of the 60\.0 s"):
        load_mitdb_record(tmp_path, "900", ["MLII"])
    with pytest.raises(DataFormatError, match="record 900"):
        load_mitdb_beats(tmp_path, ["900"])
    # Asked for explicitly, the covered part loads.
    record = load_mitdb_record(tmp_path, "900", ["MLII"], check_coverage=False)
    assert len(record.beats()[0]) == len(early)


def test_truncated_annotation_bytes(tmp_path):
    """Cutting the .atr file itself (a real interrupted download) is reported, not turned into fewer beats."""
    write_record(tmp_path, seconds=60)
    data = (tmp_path / "900.atr").read_bytes()
    (tmp_path / "900.atr").write_bytes(data[: len(data) // 3])
    with pytest.raises(DataFormatError, match="900"):
        load_mitdb_record(tmp_path, "900", ["MLII"])


@pytest.mark.parametrize(("header", "message"), [
    ("", "header is empty"),
    ("900\n", "no field 'number of signals'"),
    ("900 two 360 21600\n900.dat 212 200 11 1024 0 0 0 MLII\n", r"line 1: field 'number of signals' is 'two'"),
    ("900 1 fast 21600\n900.dat 212 200 11 1024 0 0 0 MLII\n", r"field 'sampling frequency' is 'fast'"),
    ("900 1 360 many\n900.dat 212 200 11 1024 0 0 0 MLII\n", r"field 'number of samples' is 'many'"),
    ("900 2 360 21600\n900.dat 212 200 11 1024 0 0 0 MLII\n", "announces 2 signals but 1 signal lines follow"),
    ("900 1 360 21600\n900.dat\n", r"line 2 \(signal 1\): missing field 'format'"),
    ("900 1 360 21600\n900.dat z12 200 11 1024 0 0 0 MLII\n", r"line 2: field 'format' is 'z12'"),
    ("900 1 360 21600\n900.dat 212 high 11 1024 0 0 0 MLII\n", r"line 2: field 'gain' is 'high'"),
])
def test_malformed_header_names_the_field(tmp_path, header, message):
    write_record(tmp_path, leads=("MLII",))
    (tmp_path / "900.hea").write_text(header)
    with pytest.raises(DataFormatError, match=message):
        load_mitdb_record(tmp_path, "900", ["MLII"])


def test_valid_headers_pass_the_check(tmp_path, shared_data):
    from fusionlab.data.mitdb import check_wfdb_header

    write_record(tmp_path)
    check_wfdb_header(tmp_path / "900.hea")  # what wfdb.wrsamp writes
    for header in sorted((shared_data / "mitdb").glob("*.hea"))[:5]:
        check_wfdb_header(header)  # real MIT-BIH headers (suffixes such as 200(1024)/mV are allowed)

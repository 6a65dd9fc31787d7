"""MIT-BIH Arrhythmia Database through :mod:`wfdb`: records, beat windows, AAMI classes, RR features, splits.

Protocol notes (what the heartbeat-classification literature does, and why):

- **AAMI classes** (ANSI/AAMI EC57) group the beat symbols into N, S, V, F, Q (:data:`AAMI_MAP`);
  non-beat annotations (rhythm ``+``, noise ``~``, comments ...) are not beats and are dropped.
- **Leads are picked by name**, not position: records 102 and 104 have no MLII (V5, V2) and record
  114 stores MLII second.
- **Inter-patient split** (de Chazal et al. 2004): train on DS1, test on DS2, paced records
  (102, 104, 107, 217) excluded. Beats of one patient are strongly correlated, so a random split
  of *beats* leaks the patient into the test set and inflates accuracy (often to >99 %); that
  split exists here only as :func:`intra_patient_random_split`, whose name says what it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import wfdb
from scipy.signal import resample_poly

from fusionlab.data.errors import DataFormatError, MissingChannelError
from fusionlab.data.windows import beat_windows

__all__ = [
    "AAMI_CLASSES",
    "AAMI_MAP",
    "DS1",
    "DS2",
    "PACED",
    "BeatSet",
    "EcgRecord",
    "aami_labels",
    "check_annotation_coverage",
    "check_wfdb_header",
    "extract_beats",
    "inter_patient_split",
    "intra_patient_random_split",
    "load_mitdb_beats",
    "load_mitdb_record",
    "record_split",
    "rr_features",
]

AAMI_CLASSES: tuple[str, ...] = ("N", "S", "V", "F", "Q")
AAMI_MAP: dict[str, str] = {
    **dict.fromkeys(["N", "L", "R", "e", "j"], "N"),  # normal, bundle branch blocks, escape beats
    **dict.fromkeys(["A", "a", "J", "S"], "S"),  # supraventricular ectopic
    **dict.fromkeys(["V", "E"], "V"),  # ventricular ectopic
    "F": "F",  # fusion of ventricular and normal
    **dict.fromkeys(["/", "f", "Q"], "Q"),  # paced, fusion of paced and normal, unclassifiable
}
"""Beat annotation symbol -> AAMI class."""

DS1: tuple[str, ...] = ("101", "106", "108", "109", "112", "114", "115", "116", "118", "119", "122", "124",
                        "201", "203", "205", "207", "208", "209", "215", "220", "223", "230")
DS2: tuple[str, ...] = ("100", "103", "105", "111", "113", "117", "121", "123", "200", "202", "210", "212",
                        "213", "214", "219", "221", "222", "228", "231", "232", "233", "234")
PACED: tuple[str, ...] = ("102", "104", "107", "217")


@dataclass
class EcgRecord:
    """One WFDB record with its reference annotations.

    Attributes
    ----------
    name : str
    signal : ndarray, shape (n_leads, n_times), float32
        Physical units (mV for MIT-BIH).
    sfreq : float
    leads, units : list of str
    ann_samples : ndarray, shape (n_annotations,), int64
    ann_symbols : ndarray, shape (n_annotations,), str
    """

    name: str
    signal: np.ndarray
    sfreq: float
    leads: list[str]
    units: list[str]
    ann_samples: np.ndarray
    ann_symbols: np.ndarray

    def beats(self) -> tuple[np.ndarray, np.ndarray]:
        """Samples and symbols of the annotations that are beats (AAMI-mapped)."""
        is_beat = np.isin(self.ann_symbols, list(AAMI_MAP))
        return self.ann_samples[is_beat], self.ann_symbols[is_beat]


@dataclass
class BeatSet:
    """Heartbeat windows with labels and interval features.

    Attributes
    ----------
    windows : ndarray, shape (n_beats, n_leads, n_samples), float32
        Centred on the annotated R peak (``before`` samples before it).
    labels : ndarray, shape (n_beats,), int64
        Index into :data:`AAMI_CLASSES`.
    symbols : ndarray, shape (n_beats,), str
        Original beat annotation symbol.
    records : ndarray, shape (n_beats,), str
        Record (patient) of each beat -- use it for record-wise splits.
    r_peaks : ndarray, shape (n_beats,), int64
        R-peak sample in the (resampled) record.
    rr : DataFrame, shape (n_beats, 4)
        ``pre_rr``, ``post_rr``, ``local_rr`` (mean of the 10 preceding RR), ``record_rr`` (record mean), seconds.
    sfreq : float
    leads : list of str
    """

    windows: np.ndarray
    labels: np.ndarray
    symbols: np.ndarray
    records: np.ndarray
    r_peaks: np.ndarray
    rr: pd.DataFrame
    sfreq: float
    leads: list[str]
    classes: tuple[str, ...] = AAMI_CLASSES

    def __len__(self) -> int:
        return len(self.labels)

    def subset(self, index: np.ndarray) -> BeatSet:
        """The beats at ``index`` (integer indices or a boolean mask)."""
        index = np.asarray(index)
        return BeatSet(self.windows[index], self.labels[index], self.symbols[index], self.records[index],
                       self.r_peaks[index], self.rr.iloc[index].reset_index(drop=True) if index.dtype != bool
                       else self.rr[index].reset_index(drop=True), self.sfreq, self.leads, self.classes)

    def of_records(self, records: Sequence[str | int]) -> BeatSet:
        """The beats of the given records."""
        return self.subset(np.isin(self.records, [str(r) for r in records]))

    def class_counts(self) -> pd.Series:
        return pd.Series(np.bincount(self.labels, minlength=len(self.classes)), index=list(self.classes), name="beats")


def aami_labels(symbols: Sequence[str]) -> np.ndarray:
    """AAMI class index of each beat symbol; a symbol that is not a beat raises, naming it."""
    unknown = sorted(set(symbols) - set(AAMI_MAP))
    if unknown:
        raise DataFormatError(f"annotation symbols {unknown} are not beat labels; AAMI maps {sorted(AAMI_MAP)}")
    index = {c: i for i, c in enumerate(AAMI_CLASSES)}
    return np.array([index[AAMI_MAP[s]] for s in symbols], dtype=np.int64)


def _record_path(folder: str | Path, record: str | int) -> Path:
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"WFDB folder not found: {folder}")
    return folder / str(record)


def _header_number(header_path: Path, line_no: int, field: str, text: str, kind: type, example: str) -> None:
    # WFDB allows suffixes on some fields: "360/1(0)" on the sampling rate, "200(1024)/mV" on the gain.
    core = text.split("/")[0].split("(")[0] if field in ("sampling frequency", "gain") else text
    if kind is int:
        core = core.split("x")[0].split(":")[0].split("+")[0] if field == "format" else core
    try:
        kind(core)
    except ValueError:
        raise DataFormatError(f"{header_path}, line {line_no}: field {field!r} is {text!r}, expected "
                              f"{'an integer' if kind is int else 'a number'} (e.g. {example})") from None


def check_wfdb_header(header_path: str | Path) -> None:
    """Check the record line and signal lines of a WFDB header; raise naming the line and field that is wrong.

    wfdb's own parser fails on a malformed header with errors such as ``IndexError: list index out of
    range``; this check runs first so that the message says what to fix.

    Raises
    ------
    DataFormatError
        Empty header, a record line without a signal count, a non-numeric sampling rate or sample
        count, fewer signal lines than announced, or a signal line without a numeric format.
    """
    header_path = Path(header_path)
    try:
        text = header_path.read_text(encoding="latin-1")
    except OSError as err:
        raise DataFormatError(f"{header_path}: cannot read the WFDB header: {err}") from err
    lines = [(i + 1, line.split()) for i, line in enumerate(text.splitlines())
             if line.strip() and not line.lstrip().startswith("#")]
    if not lines:
        raise DataFormatError(f"{header_path}: the WFDB header is empty (expected a record line such as "
                              "'101 2 360 650000')")
    line_no, record_line = lines[0]
    if len(record_line) < 2:
        raise DataFormatError(f"{header_path}, line {line_no}: the record line {' '.join(record_line)!r} has no "
                              "field 'number of signals' (expected 'name n_signals [fs [n_samples]]', e.g. "
                              "'101 2 360 650000')")
    _header_number(header_path, line_no, "number of signals", record_line[1], int, "2")
    if len(record_line) > 2:
        _header_number(header_path, line_no, "sampling frequency", record_line[2], float, "360")
    if len(record_line) > 3:
        _header_number(header_path, line_no, "number of samples", record_line[3], int, "650000")
    n_signals = int(record_line[1])
    signal_lines = lines[1:1 + n_signals]
    if len(signal_lines) < n_signals:
        raise DataFormatError(f"{header_path}: the record line announces {n_signals} signals but "
                              f"{len(signal_lines)} signal lines follow (truncated header?)")
    for k, (line_no, fields) in enumerate(signal_lines):
        if len(fields) < 2:
            raise DataFormatError(f"{header_path}, line {line_no} (signal {k + 1}): missing field 'format' "
                                  f"after the file name (expected e.g. '101.dat 212 200 11 1024 ...')")
        _header_number(header_path, line_no, "format", fields[1], int, "212")
        if len(fields) > 2:
            _header_number(header_path, line_no, "gain", fields[2], float, "200")
        for pos, (name, example) in enumerate((("ADC resolution", "11"), ("ADC zero", "1024"),
                                               ("initial value", "955"), ("checksum", "29832"),
                                               ("block size", "0")), start=3):
            if len(fields) > pos:
                _header_number(header_path, line_no, name, fields[pos], int, example)


def check_annotation_coverage(record: EcgRecord, *, max_gap: float = 10.0) -> None:
    """Raise when the annotations stop (or start) long before the signal does -- a truncated download.

    Parameters
    ----------
    record : EcgRecord
    max_gap : float
        Longest stretch (seconds) at either end of the signal allowed without an annotation.

    Raises
    ------
    DataFormatError
        Naming the record, the time the annotations cover and the signal's duration.
    """
    n = record.signal.shape[1]
    duration = n / record.sfreq
    if len(record.ann_samples) == 0:
        raise DataFormatError(f"record {record.name}: the annotation file holds no annotation for a "
                              f"{duration:.1f} s signal (truncated or empty annotation file?)")
    first, last = record.ann_samples.min() / record.sfreq, record.ann_samples.max() / record.sfreq
    if last > duration + 1.0 / record.sfreq:
        raise DataFormatError(f"record {record.name}: annotations run to {last:.1f} s but the signal ends at "
                              f"{duration:.1f} s (truncated signal file?)")
    if duration - last > max_gap or first > max_gap:
        raise DataFormatError(f"record {record.name}: annotations cover only {first:.1f}-{last:.1f} s of the "
                              f"{duration:.1f} s signal (more than {max_gap:g} s unannotated at an end); the "
                              "annotation file looks truncated -- download it again (or pass "
                              "check_coverage=False to use the covered part)")


def load_mitdb_record(folder: str | Path, record: str | int, leads: Sequence[str] | None = None,
                      *, annotator: str = "atr", check_coverage: bool = True) -> EcgRecord:
    """Read one record (``.hea`` + ``.dat``) and its annotations (``.atr``).

    Parameters
    ----------
    folder : path
        Folder holding ``<record>.hea``, ``<record>.dat``, ``<record>.atr``.
    record : str or int
        E.g. ``"101"``.
    leads : sequence of str, optional
        Lead names to keep, in this order (e.g. ``["MLII"]``); all when omitted.
    annotator : str
        Annotation file extension.
    check_coverage : bool
        Check that the annotations cover the signal (:func:`check_annotation_coverage`).

    Raises
    ------
    FileNotFoundError
        If the header is absent.
    DataFormatError
        If the header is malformed (naming the line and field, :func:`check_wfdb_header`), a signal
        file or the annotation file the header needs is missing or unreadable, or the annotations
        stop long before the signal (a truncated annotation file).
    MissingChannelError
        If a requested lead is not in the record (lists the record's leads).
    """
    base = _record_path(folder, record)
    header_path = base.with_suffix(".hea")
    if not header_path.is_file():
        raise FileNotFoundError(f"WFDB header not found: {header_path}")
    check_wfdb_header(header_path)
    try:
        header = wfdb.rdheader(str(base))
    except Exception as err:
        raise DataFormatError(f"{header_path}: not a readable WFDB header: {type(err).__name__}: {err}") from err
    for file_name in sorted(set(header.file_name or [])):
        if not (base.parent / file_name).is_file():
            raise DataFormatError(f"{header_path}: the header needs the signal file {base.parent / file_name}, "
                                  "which is missing (incomplete download?)")
    ann_path = base.with_suffix(f".{annotator}")
    if not ann_path.is_file():
        raise DataFormatError(f"{header_path}: the annotation file {ann_path} is missing (incomplete download?)")
    available = list(header.sig_name)
    picked = list(leads) if leads is not None else available
    missing = [lead for lead in picked if lead not in available]
    if missing:
        raise MissingChannelError(header_path, missing, available)
    try:
        rec = wfdb.rdrecord(str(base), channels=[available.index(lead) for lead in picked])
        ann = wfdb.rdann(str(base), annotator)
    except Exception as err:
        raise DataFormatError(f"{base}: wfdb could not read the record: {type(err).__name__}: {err}") from err
    signal = np.asarray(rec.p_signal, dtype=np.float32).T
    if not np.isfinite(signal).all():
        raise DataFormatError(f"{base}: the signal holds NaN samples (invalid ADC values)")
    out = EcgRecord(str(record), np.ascontiguousarray(signal), float(rec.fs), list(rec.sig_name), list(rec.units),
                    np.asarray(ann.sample, dtype=np.int64), np.asarray(ann.symbol, dtype=str))
    if check_coverage:
        check_annotation_coverage(out)
    return out


def rr_features(r_peaks: np.ndarray, sfreq: float, local: int = 10) -> pd.DataFrame:
    """RR-interval features of each beat (de Chazal et al. 2004), in seconds.

    Parameters
    ----------
    r_peaks : ndarray, shape (n_beats,)
        R-peak samples of consecutive beats of one record.

    Returns
    -------
    DataFrame, shape (n_beats, 4)
        ``pre_rr`` (to the previous beat), ``post_rr`` (to the next), ``local_rr`` (mean of the
        ``local`` preceding pre-RR), ``record_rr`` (mean RR of the record). The first/last beat borrow
        their missing neighbour interval from the adjacent one.
    """
    r_peaks = np.asarray(r_peaks, dtype=np.float64)
    if len(r_peaks) < 2:
        nan = np.full(len(r_peaks), np.nan)
        return pd.DataFrame({"pre_rr": nan, "post_rr": nan, "local_rr": nan, "record_rr": nan})
    rr = np.diff(r_peaks) / sfreq
    pre = np.concatenate([[rr[0]], rr])
    post = np.concatenate([rr, [rr[-1]]])
    csum = np.concatenate([[0.0], np.cumsum(pre)])
    idx = np.arange(len(pre))
    lo = np.maximum(0, idx - local + 1)
    local_rr = (csum[idx + 1] - csum[lo]) / (idx + 1 - lo)
    return pd.DataFrame({"pre_rr": pre, "post_rr": post, "local_rr": local_rr,
                         "record_rr": np.full(len(pre), rr.mean())})


def extract_beats(record: EcgRecord, *, before: float = 0.25, after: float = 0.45,
                  sfreq: float | None = None) -> BeatSet:
    """Cut one record into beat windows centred on its annotated R peaks.

    Parameters
    ----------
    record : EcgRecord
    before, after : float
        Seconds of signal before and after each R peak (0.25 + 0.45 s covers P wave to T wave).
    sfreq : float, optional
        Resample the record to this rate first (e.g. 250 or 128 Hz); R peaks are moved with it.

    Returns
    -------
    BeatSet
        Beats whose window runs past the record edges are left out.
    """
    signal, fs, samples = record.signal, record.sfreq, None
    beat_samples, symbols = record.beats()
    if sfreq is not None and abs(sfreq - fs) > 1e-9:
        from fractions import Fraction

        ratio = Fraction(sfreq / fs).limit_denominator(1000)
        signal = resample_poly(signal, ratio.numerator, ratio.denominator, axis=1).astype(np.float32)
        samples = np.rint(beat_samples * sfreq / fs).astype(np.int64)
        fs = float(sfreq)
    samples = beat_samples if samples is None else samples
    rr = rr_features(samples, fs)
    windows, kept = beat_windows(signal, samples, round(before * fs), round(after * fs))
    return BeatSet(windows.astype(np.float32, copy=False), aami_labels(symbols[kept]), symbols[kept],
                   np.full(len(kept), record.name), samples[kept], rr.iloc[kept].reset_index(drop=True), fs,
                   list(record.leads))


def load_mitdb_beats(folder: str | Path, records: Sequence[str | int] = DS1, *, leads: Sequence[str] = ("MLII",),
                     before: float = 0.25, after: float = 0.45, sfreq: float | None = None,
                     on_missing_lead: str = "error") -> BeatSet:
    """Beat windows with AAMI labels from several records, concatenated.

    Parameters
    ----------
    folder : path
    records : sequence
        Record names, default :data:`DS1`.
    leads : sequence of str
        Leads by name (default MLII).
    on_missing_lead : {"error", "skip"}
        A record without the lead (102, 104 have no MLII) raises, or is skipped.

    Returns
    -------
    BeatSet
    """
    if on_missing_lead not in ("error", "skip"):
        raise ValueError(f"on_missing_lead must be 'error' or 'skip', got {on_missing_lead!r}")
    parts = []
    for record in records:
        try:
            rec = load_mitdb_record(folder, record, leads)
        except MissingChannelError:
            if on_missing_lead == "skip":
                continue
            raise
        parts.append(extract_beats(rec, before=before, after=after, sfreq=sfreq))
    if not parts:
        raise DataFormatError(f"{folder}: none of the records {list(records)} has the leads {list(leads)}")
    return BeatSet(np.concatenate([p.windows for p in parts]), np.concatenate([p.labels for p in parts]),
                   np.concatenate([p.symbols for p in parts]), np.concatenate([p.records for p in parts]),
                   np.concatenate([p.r_peaks for p in parts]), pd.concat([p.rr for p in parts], ignore_index=True),
                   parts[0].sfreq, list(leads))


def inter_patient_split() -> dict[str, tuple[str, ...]]:
    """The de Chazal et al. (2004) inter-patient split: ``{"train": DS1, "test": DS2}`` (paced records out)."""
    return {"train": DS1, "test": DS2}


def record_split(records: Sequence[str | int], *, val_fraction: float = 0.2, seed: int = 0,
                 stratify_by: BeatSet | None = None) -> tuple[list[str], list[str]]:
    """Split *records* (patients) into train and validation, so no patient is on both sides.

    Parameters
    ----------
    records : sequence
    val_fraction : float
        Share of records in validation (at least one).
    seed : int
    stratify_by : BeatSet, optional
        When given, the validation records are chosen so that, if possible, every AAMI class that
        occurs in more than one record appears on both sides (tries up to 200 shuffles).

    Returns
    -------
    train, val : list of str
    """
    records = [str(r) for r in records]
    if len(records) < 2 or not 0 < val_fraction < 1:
        raise ValueError(f"need >= 2 records and 0 < val_fraction < 1, got {len(records)} records, {val_fraction}")
    n_val = max(1, round(val_fraction * len(records)))
    rng = np.random.default_rng(seed)
    best = None
    for _ in range(200 if stratify_by is not None else 1):
        order = rng.permutation(len(records))
        val = sorted(records[i] for i in order[:n_val])
        train = sorted(records[i] for i in order[n_val:])
        if stratify_by is None:
            return train, val
        per_record = {r: set(stratify_by.labels[stratify_by.records == r]) for r in records}
        shared = {c for c in range(len(AAMI_CLASSES)) if sum(c in s for s in per_record.values()) > 1}
        covered = shared <= set().union(*(per_record[r] for r in val)) and \
            shared <= set().union(*(per_record[r] for r in train))
        best = best or (train, val)
        if covered:
            return train, val
    return best


def intra_patient_random_split(n_beats: int, *, test_fraction: float = 0.2, seed: int = 0
                               ) -> tuple[np.ndarray, np.ndarray]:
    """Random split of *beats* regardless of patient -- the optimistic "intra-patient" protocol.

    Beats of the same patient land on both sides, so test accuracy measures how well a model
    recognises patients it has seen, not new ones. Use it only to show that gap next to
    :func:`inter_patient_split`/:func:`record_split`.

    Returns
    -------
    train_index, test_index : ndarray of int64
    """
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction}")
    order = np.random.default_rng(seed).permutation(n_beats)
    n_test = round(test_fraction * n_beats)
    return np.sort(order[n_test:]), np.sort(order[:n_test])


# Few DS1 records that hold all of N, S, V and F: the smoke profile of the MIT-BIH studies (ECG domains, Step Fusion).
SMOKE_RECORDS: tuple[str, ...] = ("201", "203", "207", "208", "209", "223")


def available_records(folder: str | Path) -> list[str]:
    """DS1/DS2 records (paced records excluded) whose header is in ``folder``."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"MITDB_DIR not found: {folder} (expected a folder of WFDB records)")
    found = sorted(r for r in (*DS1, *DS2) if (folder / f"{r}.hea").is_file())
    if not found:
        raise FileNotFoundError(f"{folder}: no MIT-BIH DS1/DS2 record headers (e.g. 101.hea) found")
    return found

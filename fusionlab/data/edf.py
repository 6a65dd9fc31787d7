"""Generic EDF/EDF+ reading through MNE, with checks that turn bad files into clear errors.

:func:`read_edf_header` parses the fixed-width EDF header itself (256 bytes + 256 per signal) for two
reasons MNE does not cover: a truncated file is reported as such (MNE may pad it silently), and the
*native* sampling rate of each signal is kept (MNE upsamples every signal to the highest rate).
:func:`read_edf` then reads the samples with :func:`mne.io.read_raw_edf` and returns a
:class:`Recording`: plain arrays plus metadata.
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import mne
import numpy as np
import pandas as pd

from fusionlab.data.errors import DataFormatError, MissingChannelError, SamplingRateError

__all__ = [
    "EdfHeader",
    "Recording",
    "channel_type",
    "check_signal",
    "read_edf",
    "read_edf_annotations",
    "read_edf_header",
    "resolve_channels",
]

VOLTAGE_UNITS = {"uv": 1.0, "µv": 1.0, "μv": 1.0, "mv": 1e3, "v": 1e6, "nv": 1e-3}
ANNOTATION_LABEL = "EDF Annotations"
_TYPE_PREFIXES = (("EEG", "eeg"), ("EOG", "eog"), ("EMG", "emg"), ("ECG", "ecg"), ("EKG", "ecg"))


@dataclass(frozen=True)
class EdfHeader:
    """What the EDF header says about a file.

    Attributes
    ----------
    path : Path
    variant : str
        ``"EDF"``, ``"EDF+C"`` (continuous) or ``"EDF+D"`` (discontinuous).
    start : datetime or None
        Recording start (local clock time, no time zone), ``None`` if the header date is unreadable.
    n_records : int
        Number of data records.
    record_duration : float
        Seconds per data record (0 for an annotation-only EDF+ file).
    labels, units : list of str
        Per signal, including ``"EDF Annotations"`` for EDF+.
    samples_per_record : list of int
    """

    path: Path
    variant: str
    start: dt.datetime | None
    n_records: int
    record_duration: float
    labels: list[str]
    units: list[str]
    samples_per_record: list[int]

    @property
    def signal_labels(self) -> list[str]:
        """Labels of the data signals (the EDF+ annotation signal left out)."""
        return [label for label in self.labels if label != ANNOTATION_LABEL]

    @property
    def native_sfreq(self) -> dict[str, float]:
        """Sampling rate of each data signal as stored (Hz)."""
        if self.record_duration <= 0:
            return {}
        return {label: n / self.record_duration for label, n in zip(self.labels, self.samples_per_record)
                if label != ANNOTATION_LABEL}

    @property
    def duration(self) -> float:
        """Seconds of signal in the file."""
        return self.n_records * self.record_duration


@dataclass
class Recording:
    """Signals of one file as plain arrays plus metadata.

    Attributes
    ----------
    data : ndarray, shape (n_channels, n_times), float32
        Voltages in µV (unit ``"uV"``); other signals in the physical unit of the file.
    sfreq : float
        Common sampling rate of ``data`` (Hz).
    ch_names, ch_types, units : list of str
        One entry per row of ``data``; types are ``"eeg"``, ``"eog"``, ``"emg"``, ``"ecg"`` or ``"misc"``.
    native_sfreq : dict name -> float
        Rate of each channel as stored in the file (it may be lower than ``sfreq``).
    start : datetime or None
        Recording start time.
    annotations : DataFrame
        Columns ``onset`` (s from the start), ``duration`` (s), ``description``.
    source : Path or None
        The file it came from.
    """

    data: np.ndarray
    sfreq: float
    ch_names: list[str]
    ch_types: list[str]
    units: list[str]
    native_sfreq: dict[str, float] = field(default_factory=dict)
    start: dt.datetime | None = None
    annotations: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["onset", "duration", "description"]))
    source: Path | None = None

    @property
    def n_times(self) -> int:
        return int(self.data.shape[1])

    @property
    def duration(self) -> float:
        """Seconds of signal."""
        return self.n_times / self.sfreq

    def channel(self, name: str) -> np.ndarray:
        """The samples of one channel, shape (n_times,); the error lists the channels there are."""
        if name not in self.ch_names:
            raise MissingChannelError(self.source or "recording", [name], self.ch_names)
        return self.data[self.ch_names.index(name)]


def channel_type(name: str) -> str:
    """Guess a channel's type from its label (``"EEG Fpz-Cz"`` -> ``"eeg"``, ``"ECG"`` -> ``"ecg"``).

    Labels without a type prefix fall back to common electrode names (``C3-A2`` -> eeg,
    ``LOC``/``ROC``/``E1`` -> eog, ``Chin``/``EMG1`` -> emg); anything else is ``"misc"``.
    """
    upper = name.strip().upper()
    for prefix, kind in _TYPE_PREFIXES:
        if upper.startswith(prefix):
            return kind
    if upper.startswith(("LOC", "ROC", "E1", "E2")) or "EOG" in upper:
        return "eog"
    if "CHIN" in upper or "EMG" in upper:
        return "emg"
    if "ECG" in upper or "EKG" in upper:
        return "ecg"
    electrodes = ("FP", "F", "C", "P", "O", "T", "A1", "A2", "M1", "M2", "CZ", "PZ", "FZ", "OZ")
    head = upper.replace(" ", "").split("-")[0]
    if head and head.startswith(electrodes) and any(ch.isdigit() or ch == "Z" for ch in head[1:]):
        return "eeg"
    return "misc"


def _field(raw: bytes, path: Path, what: str) -> str:
    return raw.decode("latin-1").strip()  # latin-1 decodes any byte


def _number(text: str, path: Path, what: str, kind: type = float) -> float:
    try:
        return kind(float(text)) if kind is int else kind(text)
    except ValueError:
        raise DataFormatError(
            f"{path}: not a valid EDF file: header field {what} should be a number, found {text!r}"
        ) from None


def read_edf_header(path: str | Path) -> EdfHeader:
    """Parse and validate the header of an EDF/EDF+ file.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    DataFormatError
        If the file is not EDF (wrong version field, unparsable numbers, BDF) or is truncated
        (fewer bytes than its header announces).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"EDF file not found: {path}")
    size = path.stat().st_size
    with open(path, "rb") as handle:
        head = handle.read(256)
        if len(head) < 256:
            raise DataFormatError(f"{path}: not a valid EDF file: {size} bytes, shorter than the 256-byte header")
        if head[:1] == b"\xff":
            raise DataFormatError(f"{path}: this is a BDF (24-bit) file, not EDF; read it with mne.io.read_raw_bdf")
        if head[:8] != b"0       ":
            raise DataFormatError(
                f"{path}: not a valid EDF file: the version field should be '0       ', found {head[:8]!r}"
            )
        header_bytes = int(_number(_field(head[184:192], path, "header bytes"), path, "'header bytes'", int))
        reserved = _field(head[192:236], path, "reserved")
        n_records = int(_number(_field(head[236:244], path, "n records"), path, "'number of data records'", int))
        record_duration = _number(_field(head[244:252], path, "duration"), path, "'duration of a data record'")
        n_signals = int(_number(_field(head[252:256], path, "ns"), path, "'number of signals'", int))
        if n_signals < 0 or header_bytes != 256 * (n_signals + 1):
            raise DataFormatError(
                f"{path}: not a valid EDF file: header size {header_bytes} does not match "
                f"{n_signals} signals (expected {256 * (n_signals + 1)} bytes)"
            )
        signal_head = handle.read(256 * n_signals)
    if len(signal_head) < 256 * n_signals:
        raise DataFormatError(f"{path}: truncated EDF file: the header of its {n_signals} signals is incomplete")

    def column(offset: int, width: int) -> list[str]:
        start = offset * n_signals
        return [_field(signal_head[start + i * width: start + (i + 1) * width], path, "signal header")
                for i in range(n_signals)]

    labels = column(0, 16)
    units = column(16 + 80, 8)
    samples = [int(_number(v, path, "'samples per record'", int)) for v in column(16 + 80 + 8 * 5 + 80, 8)]
    record_bytes = 2 * sum(samples)
    if n_records < 0 and record_bytes > 0:  # -1 = "unknown" while recording: infer from the file size
        n_records = (size - header_bytes) // record_bytes
    expected = header_bytes + n_records * record_bytes
    if size < expected:
        complete = (size - header_bytes) // record_bytes if record_bytes else 0
        raise DataFormatError(
            f"{path}: truncated EDF file: the header announces {n_records} data records "
            f"({expected} bytes) but the file has {size} bytes ({complete} complete records); "
            "the download or copy was probably interrupted"
        )
    start: dt.datetime | None
    try:
        day, month, year = (int(x) for x in _field(head[168:176], path, "date").split("."))
        hour, minute, second = (int(x) for x in _field(head[176:184], path, "time").split("."))
        year += 2000 if year < 85 else 1900  # EDF spec: yy 85-99 -> 19yy, 00-84 -> 20yy
        start = dt.datetime(year, month, day, hour, minute, second)
    except ValueError:
        start = None
    variant = reserved[:5] if reserved.startswith("EDF+") else "EDF"
    return EdfHeader(path, variant, start, n_records, record_duration, labels, units, samples)


def resolve_channels(requested: Sequence[str], available: Sequence[str], source: object) -> list[str]:
    """Match requested channel names to a file's labels (exact, then ignoring case and spaces).

    Raises
    ------
    MissingChannelError
        Listing the channels that are missing and every channel the file has.
    """
    def norm(name: str) -> str:
        return name.replace(" ", "").lower()

    lookup = {norm(a): a for a in available}
    resolved, missing = [], []
    for name in requested:
        if name in available:
            resolved.append(name)
        elif norm(name) in lookup:
            resolved.append(lookup[norm(name)])
        else:
            missing.append(name)
    if missing:
        raise MissingChannelError(source, missing, available)
    return resolved


def check_signal(data: np.ndarray, ch_names: Sequence[str], source: object, *, allow_flat: bool = False) -> None:
    """Raise a :class:`DataFormatError` if a channel holds NaN/inf or (unless allowed) is flat.

    Parameters
    ----------
    data : ndarray, shape (n_channels, n_times)
    ch_names : sequence of str
        Names of the rows, for the message.
    source : str or Path
        File or argument name, for the message.
    """
    data = np.asarray(data)
    if data.ndim != 2 or data.shape[0] != len(ch_names):
        raise DataFormatError(f"{source}: expected signals of shape (n_channels={len(ch_names)}, n_times), "
                              f"found {data.shape}")
    finite = np.isfinite(data)
    if not finite.all():
        bad = [f"{ch_names[i]} ({int((~finite[i]).sum())} samples)" for i in np.flatnonzero(~finite.all(axis=1))]
        raise DataFormatError(f"{source}: NaN or infinite values in channel(s) {', '.join(bad)}")
    if not allow_flat and data.shape[1] > 1:
        flat = np.flatnonzero(np.ptp(data, axis=1) == 0)
        if len(flat):
            names = ", ".join(f"{ch_names[i]!r} (constant {float(data[i, 0]):g})" for i in flat)
            raise DataFormatError(
                f"{source}: flat signal in channel(s) {names}: the sensor was probably disconnected; "
                "pass allow_flat=True to load it anyway"
            )


def _mne_unit_factors(raw: mne.io.BaseRaw) -> dict[str, float]:
    """The factor MNE multiplied each channel by when reading (1e-6 for a recognised µV, else 1)."""
    try:
        factors = np.asarray(raw._raw_extras[0]["units"], dtype=float).ravel()
        if len(factors) == len(raw.ch_names):
            return dict(zip(raw.ch_names, factors))
    except (AttributeError, KeyError, IndexError, TypeError, ValueError):
        pass
    # Fallback if MNE's internals change: MNE stores recognised voltage channels in volts.
    return {ch["ch_name"]: 1e-6 if ch["unit"] == 107 else 1.0 for ch in raw.info["chs"]}


def read_edf(
    path: str | Path,
    channels: Sequence[str] | None = None,
    *,
    sfreq: float | None = None,
    allow_flat: bool = False,
) -> Recording:
    """Read the signals of an EDF/EDF+ file through :func:`mne.io.read_raw_edf`.

    Parameters
    ----------
    path : path
        The ``.edf`` file.
    channels : sequence of str, optional
        Channels to keep, in this order (matched exactly, then ignoring case and spaces). All data
        channels when omitted.
    sfreq : float, optional
        Resample every kept channel to this rate. When omitted, the kept channels must share one
        native rate, otherwise a :class:`SamplingRateError` lists the rates.
    allow_flat : bool
        Accept channels that are constant over the whole file (by default they raise).

    Returns
    -------
    Recording
        ``data`` of shape (n_channels, n_times) in µV for voltage channels.

    Raises
    ------
    FileNotFoundError, DataFormatError, MissingChannelError, SamplingRateError
    """
    header = read_edf_header(path)
    path = header.path
    available = header.signal_labels
    if not available:
        raise DataFormatError(f"{path}: the file holds no signals (only annotations); is it a hypnogram file?")
    picked = resolve_channels(list(channels), available, path) if channels is not None else list(available)
    rates = {name: header.native_sfreq[name] for name in picked}
    if sfreq is None and len(set(rates.values())) > 1:
        listed = ", ".join(f"{name}: {rate:g} Hz" for name, rate in rates.items())
        raise SamplingRateError(
            f"{path}: the requested channels have different sampling rates ({listed}); "
            "pass sfreq=<Hz> to resample them to one rate, or pick channels that share a rate"
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            raw = mne.io.read_raw_edf(path, include=picked, preload=True, verbose="error")
    except Exception as err:  # MNE raises many types for malformed files
        raise DataFormatError(f"{path}: MNE could not read this EDF file: {type(err).__name__}: {err}") from err
    missing_after = [name for name in picked if name not in raw.ch_names]
    if missing_after:  # MNE renames duplicated labels; keep the error explicit
        raise MissingChannelError(path, missing_after, raw.ch_names)
    if sfreq is not None and abs(raw.info["sfreq"] - sfreq) > 1e-9:
        raw.resample(sfreq, verbose="error")
    data = raw.get_data(picks=picked)
    # MNE scales to volts only the unit spellings it recognises (not e.g. DREAMS' "UV"); undo its
    # factor to get the file's physical values, then convert every voltage to µV ourselves.
    mne_scale = _mne_unit_factors(raw)
    units = []
    unit_of = dict(zip(header.labels, header.units))
    for row, name in enumerate(picked):
        unit = unit_of.get(name, "")
        physical = data[row] / mne_scale.get(name, 1.0)
        if unit.lower() in VOLTAGE_UNITS:
            data[row] = physical * VOLTAGE_UNITS[unit.lower()]
            units.append("uV")
        else:
            data[row] = physical
            units.append(unit)
    data = data.astype(np.float32)
    check_signal(data, picked, path, allow_flat=allow_flat)
    annotations = pd.DataFrame({
        "onset": np.asarray(raw.annotations.onset, dtype=float),
        "duration": np.asarray(raw.annotations.duration, dtype=float),
        "description": [str(d) for d in raw.annotations.description],
    })
    return Recording(
        data=data, sfreq=float(raw.info["sfreq"]), ch_names=list(picked),
        ch_types=[channel_type(name) for name in picked], units=units, native_sfreq=rates,
        start=header.start, annotations=annotations, source=path,
    )


def read_edf_annotations(path: str | Path) -> tuple[pd.DataFrame, dt.datetime | None]:
    """The annotations of an EDF+ file (e.g. a Sleep-EDF hypnogram) and its start time.

    Returns
    -------
    annotations : DataFrame
        Columns ``onset`` (s from the file's start), ``duration`` (s), ``description``.
    start : datetime or None
    """
    header = read_edf_header(path)
    if header.variant == "EDF" and ANNOTATION_LABEL not in header.labels:
        raise DataFormatError(f"{header.path}: expected an EDF+ file with annotations, found plain EDF "
                              "without an 'EDF Annotations' signal")
    try:
        annotations = mne.read_annotations(header.path)
    except Exception as err:
        raise DataFormatError(f"{header.path}: MNE could not read its annotations: {type(err).__name__}: {err}") \
            from err
    frame = pd.DataFrame({
        "onset": np.asarray(annotations.onset, dtype=float),
        "duration": np.asarray(annotations.duration, dtype=float),
        "description": [str(d) for d in annotations.description],
    })
    return frame, header.start


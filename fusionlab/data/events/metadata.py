"""Event metadata as a modality: serialised to short text (as in the paper) or coded for learned embeddings.

Hayes & Sun encode "sleep stage, event type or event duration" either as text through the text
encoder's tokenizer, or as embeddings. Here the fields are ``stage``, ``duration``, ``channel`` and
``onset`` (time of night). The CAP ``type`` column is the *label* of the A-phase task; a field equal
to the target would hand the model the answer, so :func:`check_fields` refuses it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

STAGES: tuple[str, ...] = ("W", "N1", "N2", "N3", "REM")
CHANNELS: tuple[str, ...] = ("C4-A1", "F4-C4", "Fp2-F4", "C3-A2", "C3-A1", "CZ-A1", "FP1-A1", "O1-A1")
METADATA_FIELDS: dict[str, str] = {
    "stage": "categorical: sleep stage of the event (W, N1, N2, N3, REM)",
    "duration": "numeric: event duration in seconds",
    "channel": "categorical: EEG derivation the event was scored on",
    "onset": "numeric: seconds from the start of the recording (time of night)",
}
DEFAULT_FIELDS: tuple[str, ...] = ("stage", "duration", "channel", "onset")


def check_fields(table: pd.DataFrame, fields: Sequence[str], *, target: str = "type") -> tuple[str, ...]:
    """Validate ``fields`` against :data:`METADATA_FIELDS` and ``table``'s columns.

    Raises
    ------
    ValueError
        An unknown field (the message lists the known ones), a field missing from the table, or
        the target column itself (label leakage).
    """
    fields = tuple(fields)
    if not fields:
        raise ValueError("metadata fields must name at least one field")
    for field in fields:
        if field == target or field in ("label", "type"):
            raise ValueError(f"metadata field {field!r} is the label of the task (target {target!r}); "
                             "using it as an input leaks the answer")
        if field not in METADATA_FIELDS:
            raise ValueError(f"unknown metadata field {field!r}; known fields are {sorted(METADATA_FIELDS)}")
        if field not in table.columns:
            raise ValueError(f"metadata field {field!r} is not a column of the event table "
                             f"(columns: {list(table.columns)})")
    return fields


def _clock(seconds: float) -> str:
    return f"{seconds / 3600:.1f} h"


def serialize_metadata(table: pd.DataFrame, fields: Sequence[str] = DEFAULT_FIELDS) -> list[str]:
    """One short text per event, e.g. ``"stage: N2; duration: 7 s; channel: C4-A1; onset: 2.3 h"``.

    Parameters
    ----------
    table : DataFrame
        Event table (:func:`fusionlab.data.synthetic.make_event_table` columns).
    fields : sequence of str
        Subset of :data:`METADATA_FIELDS`.
    """
    fields = check_fields(table, fields)
    formatters = {"stage": str, "channel": str, "duration": lambda v: f"{float(v):g} s", "onset": _clock}
    columns = {f: table[f].to_numpy() for f in fields}
    return ["; ".join(f"{f}: {formatters[f](columns[f][i])}" for f in fields) for i in range(len(table))]


@dataclass(frozen=True)
class MetadataCoding:
    """Column layout of :func:`encode_metadata`: one-hot blocks for categories, one column per number.

    Attributes
    ----------
    fields : tuple of str
    columns : tuple of str
        Name of each output column (``"stage=N2"``, ``"duration"``...).
    slices : dict field -> (start, stop)
        Where each field's columns are.
    """

    fields: tuple[str, ...]
    columns: tuple[str, ...]
    slices: dict[str, tuple[int, int]]

    @property
    def width(self) -> int:
        return len(self.columns)


_CATEGORIES = {"stage": STAGES, "channel": CHANNELS}
_SCALE = {"duration": 30.0, "onset": 4 * 3600.0}  # fixed scales, so no statistic leaks across splits


def metadata_coding(fields: Sequence[str] = DEFAULT_FIELDS) -> MetadataCoding:
    """The column layout for ``fields`` (categorical fields -> one-hot, numbers -> one scaled column)."""
    columns: list[str] = []
    slices = {}
    for field in fields:
        if field not in METADATA_FIELDS:
            raise ValueError(f"unknown metadata field {field!r}; known fields are {sorted(METADATA_FIELDS)}")
        start = len(columns)
        columns += [f"{field}={c}" for c in _CATEGORIES[field]] if field in _CATEGORIES else [field]
        slices[field] = (start, len(columns))
    return MetadataCoding(tuple(fields), tuple(columns), slices)


def encode_metadata(table: pd.DataFrame, fields: Sequence[str] = DEFAULT_FIELDS) -> tuple[np.ndarray, MetadataCoding]:
    """Code the metadata for learned embeddings.

    Returns
    -------
    codes : ndarray, shape (n_events, coding.width), float32
        One-hot blocks (a linear map of a one-hot block *is* a learned embedding table) and numbers
        divided by fixed scales (duration / 30 s, onset / 4 h).
    coding : MetadataCoding
    """
    fields = check_fields(table, fields)
    coding = metadata_coding(fields)
    codes = np.zeros((len(table), coding.width), dtype=np.float32)
    for field in fields:
        start = coding.slices[field][0]
        values = table[field].to_numpy()
        if field in _CATEGORIES:
            known = _CATEGORIES[field]
            bad = sorted({str(v) for v in values} - set(known))
            if bad:
                raise ValueError(f"metadata field {field!r}: unknown values {bad}; expected one of {list(known)}")
            codes[np.arange(len(table)), start + np.array([known.index(str(v)) for v in values])] = 1.0
        else:
            codes[:, start] = values.astype(np.float32) / _SCALE[field]
    return codes, coding

"""Write synthetic nights as real EDF+ files in the Sleep-EDF layout, and read them back.

The PSG file goes through :func:`mne.export.export_raw` (EDF+ via edfio); the hypnogram is an
annotation-only EDF+ file written with :mod:`edfio`, holding ``"Sleep stage W"``,
``"Sleep stage 1"`` ... ``"Sleep stage 4"``, ``"Sleep stage R"`` intervals exactly as Sleep-EDF's
``*-Hypnogram.edf``. Both are written to a temporary name and renamed, so an interrupted run never
leaves a half-written file behind.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import edfio
import mne
import numpy as np

from fusionlab.data.sleep_edf import load_sleep_edf
from fusionlab.data.staging import SleepEpochs
from fusionlab.data.synthetic.psg import CHANNELS, SyntheticNight

__all__ = ["hypnogram_annotations", "read_synthetic_night", "write_sleep_edf"]

_STAGE_TEXT = {0: "Sleep stage W", 1: "Sleep stage 1", 2: "Sleep stage 2", 3: "Sleep stage 3", 4: "Sleep stage R"}
_MNE_TYPES = {"eeg": "eeg", "eog": "eog", "emg": "emg", "ecg": "ecg"}


def hypnogram_annotations(night: SyntheticNight) -> list[tuple[float, float, str]]:
    """The hypnogram as Sleep-EDF annotations: runs of one stage merged, deep N3 written as stage 4.

    Returns
    -------
    list of (onset, duration, description)
    """
    texts = [_STAGE_TEXT[int(s)] for s in night.hypnogram]
    for i, stage in enumerate(night.hypnogram):
        if stage == 3 and night.n3_depth[i] > 1.0:  # R&K: >50 % of the epoch in slow waves -> S4
            texts[i] = "Sleep stage 4"
    out: list[tuple[float, float, str]] = []
    for i, text in enumerate(texts):
        if out and out[-1][2] == text:
            onset, duration, _ = out[-1]
            out[-1] = (onset, duration + night.epoch_len, text)
        else:
            out.append((i * night.epoch_len, night.epoch_len, text))
    return out


def _atomic_target(folder: Path, name: str) -> tuple[Path, Path]:
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".edf", dir=folder)
    os.close(fd)
    return Path(tmp), folder / name


def write_sleep_edf(night: SyntheticNight, folder: str | os.PathLike, *, overwrite: bool = True) -> tuple[Path, Path]:
    """Write ``night`` as ``<name>-PSG.edf`` and ``<name[:7]>H-Hypnogram.edf`` in ``folder``.

    Parameters
    ----------
    night : SyntheticNight
    folder : path
        Created if needed.
    overwrite : bool
        Replace existing files of the same name (otherwise raise ``FileExistsError``).

    Returns
    -------
    psg_path, hypnogram_path : Path
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    psg_name, hyp_name = f"{night.name}-PSG.edf", f"{night.name[:7]}H-Hypnogram.edf"
    for name in (psg_name, hyp_name):
        if (folder / name).exists() and not overwrite:
            raise FileExistsError(f"{folder / name} exists; pass overwrite=True to replace it")
    info = mne.create_info(list(night.ch_names), night.sfreq, [_MNE_TYPES[m] for m in night.modalities])
    raw = mne.io.RawArray(night.signals.astype(np.float64) * 1e-6, info, verbose="error")  # µV -> V
    raw.set_meas_date(night.start.replace(tzinfo=dt.UTC))
    tmp_psg, psg_path = _atomic_target(folder, psg_name)
    tmp_hyp, hyp_path = _atomic_target(folder, hyp_name)
    try:
        mne.export.export_raw(tmp_psg, raw, fmt="edf", physical_range="channelwise", overwrite=True,
                              verbose="error")
        edf = edfio.Edf([], annotations=[edfio.EdfAnnotation(o, d, t) for o, d, t in hypnogram_annotations(night)],
                        starttime=night.start.time())
        edf.startdate = night.start.date()
        edf.write(tmp_hyp)
        os.replace(tmp_psg, psg_path)
        os.replace(tmp_hyp, hyp_path)
    finally:
        tmp_psg.unlink(missing_ok=True)
        tmp_hyp.unlink(missing_ok=True)
    return psg_path, hyp_path


def read_synthetic_night(psg_path: str | os.PathLike, hypnogram_path: str | os.PathLike,
                         modalities: Sequence[str] = ("eeg", "eog", "emg", "ecg"), **kwargs) -> SleepEpochs:
    """Read a night written by :func:`write_sleep_edf` through the real Sleep-EDF loader.

    Modalities whose channel is absent (a ``missing_channel`` corruption) come back zero-filled and
    masked unavailable (``on_missing="mask"``); ``kwargs`` go to :func:`~fusionlab.data.sleep_edf.load_sleep_edf`.
    """
    kwargs.setdefault("on_missing", "mask")
    kwargs.setdefault("sfreq", None)
    return load_sleep_edf(psg_path, hypnogram_path, {m: [CHANNELS[m]] for m in modalities}, **kwargs)

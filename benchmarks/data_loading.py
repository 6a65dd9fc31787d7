"""Speed and memory of the data layer; writes ``benchmarks/results/data_loading.json``.

Cases (each run ``--repeats`` times, median wall time reported; peak memory from tracemalloc, which
sees NumPy buffers):

1. ``synthetic_night_generate`` -- generate an 8-hour night (EEG, EOG, EMG at 100 Hz).
2. ``synthetic_night_load_epoch`` -- read that night back from its EDF+ pair through the real
   Sleep-EDF loader and cut it into labelled 30-s epochs. Target < 2 s.
3. ``mitdb_ds1_beats`` -- all 22 MIT-BIH DS1 records (``../shared/data/mitdb``) to MLII beat
   windows with AAMI labels and RR features. Target < 20 s. Skipped when the folder is absent.

Usage::

    python benchmarks/data_loading.py [--repeats 3] [--out benchmarks/results/data_loading.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

from fusionlab import paths
from fusionlab.data import DS1, load_mitdb_beats
from fusionlab.data.synthetic import make_night, read_synthetic_night, write_sleep_edf

MODALITIES = ("eeg", "eog", "emg")


def measure(func, repeats: int) -> tuple[dict, object]:
    """Median/min wall time over ``repeats`` runs and the peak traced memory of one run."""
    times, peak, result = [], 0, None
    for i in range(repeats):
        tracemalloc.start() if i == 0 else None
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
        if i == 0:
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
    # The first run is traced (slower); report the untraced runs when there are any.
    untraced = times[1:] or times
    return {"seconds_median": round(statistics.median(untraced), 3), "seconds_min": round(min(untraced), 3),
            "seconds_runs": [round(t, 3) for t in times], "peak_memory_mb": round(peak / 2**20, 1)}, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", default=str(paths.repo_root() / "benchmarks" / "results" / "data_loading.json"))
    args = parser.parse_args()
    repeats = max(2, args.repeats)
    results: dict = {
        "machine": {"platform": platform.platform(), "python": platform.python_version(),
                    "cpu_count": os.cpu_count(), "numpy": np.__version__},
        "repeats": repeats,
        "cases": {},
    }

    stats, night = measure(lambda: make_night(0, hours=8, sfreq=100.0, modalities=MODALITIES), repeats)
    results["cases"]["synthetic_night_generate"] = {
        **stats, "target_seconds": 2.0, "what": "8-h night, EEG+EOG+EMG at 100 Hz (3 x 2,880,000 samples)",
        "bound_by": "about 10 inverse FFTs of 2.88 M points (shaped noise) and linear interpolation of "
                    "envelopes; memory: a few float32/complex64 arrays of one channel-night each"}
    with tempfile.TemporaryDirectory() as folder:
        psg, hyp = write_sleep_edf(night, folder)
        stats, epochs = measure(lambda: read_synthetic_night(psg, hyp, MODALITIES), repeats)
        results["cases"]["synthetic_night_load_epoch"] = {
            **stats, "target_seconds": 2.0, "n_epochs": len(epochs),
            "epoch_shape": list(epochs.signals["eeg"].shape), "edf_mb": round(Path(psg).stat().st_size / 2**20, 1),
            "what": "read the EDF+ pair with mne.io.read_raw_edf and cut 960 labelled 30-s epochs",
            "bound_by": "MNE decoding 16-bit EDF records into a float64 array (the largest buffer, "
                        "3 x 2.88 M x 8 B = 66 MB) plus the float32 copy and the epoch gather"}

    shared = paths.shared_data_dir()
    mitdb = shared / "mitdb" if shared is not None else None
    if mitdb is not None and mitdb.is_dir():
        stats, beats = measure(lambda: load_mitdb_beats(mitdb, DS1, leads=("MLII",)), repeats)
        results["cases"]["mitdb_ds1_beats"] = {
            **stats, "target_seconds": 20.0, "n_beats": len(beats), "window_shape": list(beats.windows.shape[1:]),
            "class_counts": beats.class_counts().to_dict(),
            "what": "22 DS1 records (30 min, 360 Hz) -> MLII windows 0.25 s + 0.45 s around each R peak",
            "bound_by": "wfdb decoding format-212 signal files and reading .atr annotations record by record; "
                        "memory: one record's float64 p_signal (10 MB) plus all windows (51k x 252 x 4 B = 49 MB)"}
    else:
        results["cases"]["mitdb_ds1_beats"] = {"skipped": "../shared/data/mitdb not found"}

    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(json.dumps(results, indent=2) + "\n")
    os.replace(tmp, out)
    print(json.dumps(results["cases"], indent=2))


if __name__ == "__main__":
    main()

"""Speed of the spectral views against the straightforward per-epoch / per-beat loops.

Targets (issue 5), on ONE CPU thread:

- CoRe-Sleep STFT of a whole 8-hour synthetic night, EEG + EOG: under 1 s, and >= 5x faster
  than the straightforward loop (``scipy.signal.filtfilt`` per channel, then one
  ``scipy.signal.spectrogram`` call per 30-s epoch).
- CWT scalograms of every MIT-BIH DS1 beat: beats/s, >= 5x the per-beat ``pywt.cwt`` loop.

Both loops are measured in the same run and their outputs compared with ours. Usage::

    python benchmarks/spectral.py            # writes benchmarks/results/spectral.json
    python benchmarks/spectral.py --quick    # 1-hour night, 4 records: a check that it runs
"""

from __future__ import annotations

import os

# One thread everywhere, set before numpy/torch load their thread pools.
for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import pywt
import scipy.signal
import torch

import fusionlab as fl
from fusionlab import spectral


def best_of(fn, repeat: int) -> tuple[float, list[float], object]:
    """Best wall time of ``repeat`` calls (the usual benchmark statistic), all times, last result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), times, result


# --- CoRe-Sleep STFT of a whole night ---------------------------------------------------------

def stft_loop_reference(signals: np.ndarray, fs: float, modalities: tuple[str, ...]) -> np.ndarray:
    """The straightforward way: resample and filtfilt each channel, then one spectrogram per epoch."""
    window = scipy.signal.windows.hamming(200, sym=True)
    out = []
    for channel, modality in zip(signals, modalities):
        x = channel.astype(np.float64)
        if fs != 100:
            x = scipy.signal.resample_poly(x, 100, int(fs))
        taps = scipy.signal.firwin(101, list(spectral.CORE_SLEEP_BANDS[modality]), pass_zero=False, fs=100)
        x = scipy.signal.filtfilt(taps, 1.0, x)
        epochs = []
        for start in range(0, len(x) - 3000 + 1, 3000):
            _, _, mag = scipy.signal.spectrogram(x[start:start + 3000], 100, window=window, nperseg=200,
                                                 noverlap=100, nfft=256, detrend=False, scaling="spectrum",
                                                 mode="magnitude")
            epochs.append(20 * np.log10(np.maximum(mag * window.sum(), 1e-10))[1:].T)
        out.append(np.stack(epochs))
    return np.stack(out)


def bench_stft(hours: float, repeat: int) -> dict:
    from fusionlab.data.synthetic import make_night

    modalities = ("eeg", "eog")
    night = make_night(0, hours=hours, modalities=modalities)
    signals = np.stack([night.channel(m) for m in modalities])  # (2, n_times) float32, µV
    fs = float(night.sfreq)
    result = {"night_hours": hours, "sfreq": fs, "shape_in": list(signals.shape), "modalities": list(modalities)}
    for dtype in ("float32", "float64"):
        x = signals.astype(dtype)
        spectral.core_sleep_stft(x[:, :6000], fs, modality=modalities)  # warm-up (imports, caches)
        best, times, out = best_of(lambda x=x: spectral.core_sleep_stft(x, fs, modality=modalities), repeat)
        result[f"ours_{dtype}_s"] = best
        result[f"ours_{dtype}_all_s"] = times
        result["shape_out"] = list(out.shape)
        if dtype == "float64":
            ours64 = out
    best_ref, times_ref, ref = best_of(lambda: stft_loop_reference(signals, fs, modalities), max(1, repeat // 2))
    result["loop_s"] = best_ref
    result["loop_all_s"] = times_ref
    loud = ref > ref.max() - 60
    result["max_abs_diff_db_vs_loop"] = float(np.abs(ours64 - ref)[loud].max())
    for dtype in ("float32", "float64"):
        result[f"speedup_{dtype}"] = best_ref / result[f"ours_{dtype}_s"]
    # The STFT stage alone (epochs already filtered): torch.stft on all epochs vs the spectrogram loop.
    filtered = spectral.core_sleep_preprocess(signals.astype(np.float64), fs, modality=modalities)
    n_epochs = filtered.shape[-1] // 3000
    epochs = filtered[:, : n_epochs * 3000].reshape(2, n_epochs, 3000)
    best_stage, _, _ = best_of(lambda: spectral.stft_log_power(epochs, 100.0), repeat)
    window = scipy.signal.windows.hamming(200, sym=True)

    def stage_loop():
        return [scipy.signal.spectrogram(e, 100, window=window, nperseg=200, noverlap=100, nfft=256,
                                         detrend=False, mode="magnitude") for e in epochs.reshape(-1, 3000)]

    best_stage_loop, _, _ = best_of(stage_loop, 1)
    result["stft_stage_only"] = {"ours_float64_s": best_stage, "loop_s": best_stage_loop,
                                 "speedup": best_stage_loop / best_stage}
    result["target_s"] = 1.0
    result["meets_target_s"] = result["ours_float32_s"] < 1.0
    result["meets_target_speedup"] = result["speedup_float32"] >= 5.0
    return result


# --- CWT scalograms of the MIT-BIH DS1 beats --------------------------------------------------

def load_ds1_beats(folder: Path, records: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """MLII beat windows (0.25 s before to 0.45 s after each R peak) and AAMI classes, via the data layer."""
    from fusionlab.data.mitdb import load_mitdb_beats

    beats = load_mitdb_beats(folder, records, leads=("MLII",))
    return beats.windows[:, 0], np.asarray(beats.classes)[beats.labels]


def bench_cwt(folder: Path, records: tuple[str, ...], loop_beats: int, chunk: int) -> dict:
    beats, classes = load_ds1_beats(folder, records)
    fs = 360.0
    scales, freqs = spectral.cwt_scales(fs)  # Morlet, 64 log-spaced frequencies, 1-90 Hz
    result = {"records": list(records), "n_beats": len(beats), "beat_samples": int(beats.shape[1]),
              "class_counts": {c: int((classes == c).sum()) for c in "NSVFQ"}, "wavelet": "morl",
              "n_scales": len(scales), "freq_range_hz": [float(freqs[0]), float(freqs[-1])],
              "chunk": chunk, "dtype": "float32"}
    spectral.cwt_scalogram(beats[:2], fs)  # builds and caches the wavelet matrix
    start = time.perf_counter()
    for i in range(0, len(beats), chunk):
        spectral.cwt_scalogram(beats[i:i + chunk], fs)  # (chunk, 64, 256) images, dropped: 3 GB in all
    ours_s = time.perf_counter() - start
    result["ours_s"] = ours_s
    result["ours_beats_per_s"] = len(beats) / ours_s
    # matrix construction (once per beat length and scale set; cached afterwards)
    from fusionlab.spectral.cwt import _cwt_matrix

    _cwt_matrix.cache_clear()
    start = time.perf_counter()
    _cwt_matrix("morl", tuple(float(s) for s in scales), beats.shape[1], 12)
    result["matrix_build_s"] = time.perf_counter() - start
    # the straightforward loop: pywt.cwt beat by beat (default method "conv"), on a subset
    subset = beats[:loop_beats].astype(np.float64)
    start = time.perf_counter()
    reference = np.stack([np.abs(pywt.cwt(b, scales, "morl")[0]) for b in subset])
    loop_s = time.perf_counter() - start
    result["loop_beats"] = len(subset)
    result["loop_beats_per_s"] = len(subset) / loop_s
    result["speedup"] = result["ours_beats_per_s"] / result["loop_beats_per_s"]
    ours = spectral.cwt_scalogram(beats[:loop_beats], fs)
    result["max_abs_diff_vs_pywt"] = float(np.abs(ours - reference).max())
    result["max_abs_value"] = float(reference.max())
    result["meets_target_speedup"] = result["speedup"] >= 5.0
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a 1-hour night and 4 records (a smoke check)")
    parser.add_argument("--repeat", type=int, default=5, help="timed repetitions of our STFT (best is reported)")
    parser.add_argument("--loop-beats", type=int, default=2000, help="beats timed with the per-beat pywt loop")
    parser.add_argument("--chunk", type=int, default=2048, help="beats per cwt_scalogram call")
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("results") / "spectral.json")
    args = parser.parse_args()

    torch.set_num_threads(1)
    shared = fl.paths.shared_data_dir()
    report = {
        "benchmark": "spectral",
        "quick": args.quick,
        "threads": {"torch": torch.get_num_threads(), "torch_interop": torch.get_num_interop_threads(),
                    **{v: os.environ[v] for v in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")}},
        "env": fl.repro.env_info(),
        "versions": {"scipy": scipy.__version__, "pywt": pywt.__version__},
    }
    report["stft_core_sleep_night"] = bench_stft(1.0 if args.quick else 8.0, 2 if args.quick else args.repeat)
    print(json.dumps(report["stft_core_sleep_night"], indent=1))
    if shared is None or not (shared / "mitdb").is_dir():
        report["cwt_ds1_beats"] = {"skipped": "MIT-BIH records not found (shared/data/mitdb)"}
    else:
        from fusionlab.data.mitdb import DS1

        records = DS1[:4] if args.quick else DS1
        report["cwt_ds1_beats"] = bench_cwt(shared / "mitdb", records, 200 if args.quick else args.loop_beats,
                                            args.chunk)
    print(json.dumps(report["cwt_ds1_beats"], indent=1))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".spectral.", suffix=".json", dir=args.out.parent)
    with os.fdopen(fd, "w") as handle:
        json.dump(report, handle, indent=2)
        handle.write("\n")
    os.replace(tmp, args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()

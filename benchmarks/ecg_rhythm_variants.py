"""What was tried to reach issue 17's targets, and what it gave (JSON): variants of the fused ECG model.

    OMP_NUM_THREADS=1 python benchmarks/ecg_rhythm_variants.py      # -> benchmarks/results/ecg_rhythm_variants.json
    python benchmarks/ecg_rhythm_variants.py --seeds 5 --only "standard"   # re-measure one row, keep the others

Record-wise CV of DS1 with the lesson-08 ``standard`` settings (:mod:`fusionlab.studies.ecg_domains.study`)
as the starting point; each variant trains one model (default ``1D-CNN + rhythm``) with several seeds
and reports, over the pooled out-of-fold predictions:

- ``argmax``: the model's own decision (what the study's tables show);
- ``tuned``: one logit offset per class chosen on the fold's *validation records* (all their beats, at
  their real class frequencies) to maximise macro-F1, then applied to the test records -- threshold
  moving without looking at the test patients;
- ``ensemble``: the seeds' probabilities averaged before the argmax.

Variants: the standard settings; more training beats and epochs; stronger dropout; no deviation channel;
and the rhythm modality with *context*: in atrial fibrillation every beat looks premature, and a
premature beat inside an irregular stretch is not evidence of an S beat. Either two summary features
(rolling median and mean of |delta log RR| over 21 beats) or the RR series itself (log RR / record mean
of the 17 beats around the beat) are appended to the beat's rhythm features. Last, the N training beats
drawn equally from every training record instead of at random (an AF patient's irregular N beats are
otherwise ~5 % of them); and the time view with the previous and next beats as extra channels (a beat
compared with its neighbours: an S beat looks like them but comes early, a V beat does not look like them);
and half of the N training beats taken from the most premature N beats (hard negatives for the S class);
:class:`~fusionlab.models.ecg_sequence.BeatSequenceNet`, which classifies a beat from the morphology
and rhythm of the 9 beats around it (one encoder per modality shared by every beat, temporal convolutions);
last, late fusion: the 1D-CNN and the rhythm-only model trained separately, their probabilities multiplied
(:mod:`fusionlab.models.product_of_experts`, the rows ``... (late)`` of lesson 08).

Every row also records, for its seed ensemble, the best operating point for S when the S offset is chosen
on the *test* records (``ensemble_S_operating_point_chosen_on_test_records``): an upper bound that says
whether any threshold could have met the Se(S) and PPV(S) targets, not a result.

Per-record false positives of S are written too: they show where PPV(S) is lost. Seconds are wall
time on this machine (the load average is recorded beside them).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.special import softmax

import fusionlab as fl
from fusionlab.data import rhythm as ecg_features
from fusionlab.data.course_data import locate
from fusionlab.data.rhythm import beat_windows, neighbour_index
from fusionlab.models.ecg_sequence import BeatSequenceNet
from fusionlab.models.product_of_experts import product_of_experts
from fusionlab.spectral.beat_views import ViewScaler, views_to_dataset
from fusionlab.stats.mitdb_protocol import CLASSES, beat_metrics, make_folds
from fusionlab.studies.ecg_domains import study as ecg_study
from fusionlab.studies.ecg_domains.features import beat_inputs
from fusionlab.train.loop import predict

VARIANTS = {
    "standard": {},
    "3000 beats/class, <= 30 epochs": {"max_majority": 3000, "num_epochs": 30, "patience": 5},
    "dropout 0.5, <= 30 epochs": {"dropout": 0.5, "num_epochs": 30, "patience": 5},
    "no deviation channel": {"deviation": False},
    "rhythm + irregularity context": {"_context": "irregularity"},
    "rhythm + RR sequence (+-8 beats)": {"_context": "sequence"},
    "N beats drawn equally from every record": {"_n_per_record": True},
    "time view + the previous and next beats": {"_neighbours": True},
    "half of the N beats premature (hard negatives)": {"_hard_n": True},
    "beat sequence: +-4 beats, morphology + rhythm": {"_sequence": 4},
    "beat sequence, <= 15 epochs, patience 3": {"_sequence": 4, "num_epochs": 15, "patience": 3},
    "late fusion: 1D-CNN x Rhythm only (product of experts)": {"_late": ("1D-CNN", "Rhythm only")},
}
OFFSET_GRID = np.linspace(-4.0, 4.0, 33)


def irregularity(rr: pd.DataFrame, records: np.ndarray, window: int = 21) -> np.ndarray:
    """``(n, 2)``: log of the rolling median and mean of |delta log pre-RR| over ``window`` beats, per record."""
    pre = np.log(rr["pre_rr"].to_numpy(dtype=float))
    out = np.zeros((len(pre), 2))
    for record in pd.unique(records):
        m = records == record
        steps = pd.Series(np.abs(np.diff(pre[m], prepend=pre[m][0])))
        rolling = steps.rolling(window, center=True, min_periods=3)
        out[m, 0] = np.log(rolling.median().to_numpy() + 0.01)
        out[m, 1] = np.log(rolling.mean().to_numpy() + 0.01)
    return out.astype(np.float32)


def rr_sequence(rr: pd.DataFrame, records: np.ndarray, half: int = 8) -> np.ndarray:
    """``(n, 2 * half + 1)``: log(pre-RR / record mean RR) of the beats ``-half .. +half`` around each beat
    (edge beats repeat the record's first / last value)."""
    pre = rr["pre_rr"].to_numpy(dtype=float)
    out = np.zeros((len(pre), 2 * half + 1))
    for record in pd.unique(records):
        m = np.flatnonzero(records == record)
        values = np.log(pre[m] / pre[m].mean())
        padded = np.concatenate([np.full(half, values[0]), values, np.full(half, values[-1])])
        out[m] = np.lib.stride_tricks.sliding_window_view(padded, 2 * half + 1)
    return np.clip(out, -3, 3).astype(np.float32)


def tune_offsets(log_probs: np.ndarray, labels: np.ndarray, rounds: int = 3) -> np.ndarray:
    """Per-class logit offsets (class N fixed at 0) maximising macro-F1, by coordinate search on a grid."""
    offsets = np.zeros(log_probs.shape[1])
    for _ in range(rounds):
        for c in range(1, log_probs.shape[1]):
            scores = []
            for value in OFFSET_GRID:
                trial = offsets.copy()
                trial[c] = value
                scores.append(beat_metrics(labels, (log_probs + trial).argmax(1))["macro_f1"])
            offsets[c] = OFFSET_GRID[int(np.argmax(scores))]
    return offsets


def false_positives_of_s(y: np.ndarray, pred: np.ndarray, records: np.ndarray) -> dict[str, int]:
    frame = pd.DataFrame({"record": records, "fp": (pred == 1) & (y != 1)})
    counts = frame.groupby("record")["fp"].sum()
    return {str(r): int(n) for r, n in counts[counts > 0].sort_values(ascending=False).items()}


def n_from_every_record(beats, fit_index: np.ndarray, capped: np.ndarray, n_total: int, seed: int) -> np.ndarray:
    """``capped`` with its N beats replaced by ``n_total / n_records`` random N beats of every training record
    (a patient with atrial fibrillation then brings as many irregular N beats as any other patient brings N)."""
    rng = np.random.default_rng(seed)
    records, labels = beats.records[fit_index], beats.labels[fit_index]
    per_record = n_total // len(set(records))
    n_keep = [rng.permutation(np.flatnonzero((records == r) & (labels == 0)))[:per_record] for r in sorted(set(records))]
    return np.sort(np.concatenate([fit_index[np.concatenate(n_keep)], capped[beats.labels[capped] != 0]]))


def with_neighbours(time: np.ndarray, records: np.ndarray) -> np.ndarray:
    """``(n, 3 * C, T)``: each beat's channels, then the previous and the next beat's (same record; the first and
    last beat of a record repeat themselves), so the 1D-CNN compares a beat with its neighbours."""
    time = time if time.ndim == 3 else time[:, None]
    before, after = np.roll(time, 1, axis=0), np.roll(time, -1, axis=0)
    first = np.r_[True, records[1:] != records[:-1]]
    last = np.r_[records[1:] != records[:-1], True]
    before[first], after[last] = time[first], time[last]
    return np.concatenate([time, before, after], axis=1).astype(np.float32)


def premature_n(fit_index: np.ndarray, capped: np.ndarray, labels: np.ndarray, rhythm: np.ndarray, n_total: int,
                seed: int) -> np.ndarray:
    """``capped`` with its N beats replaced by the ``n_total / 2`` most premature N beats (lowest pre-RR / local RR)
    of the training records plus ``n_total / 2`` random ones: the N beats a rhythm rule would call S."""
    rng = np.random.default_rng(seed)
    normal = fit_index[labels[fit_index] == 0]
    pre_local = rhythm[normal, ecg_features.RHYTHM_FEATURES.index("pre_local")]
    hardest = normal[np.argsort(pre_local, kind="stable")[: n_total // 2]]
    rest = rng.permutation(np.setdiff1d(normal, hardest))[: n_total - len(hardest)]
    return np.sort(np.concatenate([hardest, rest, capped[labels[capped] != 0]]))


def take(inputs: dict, index: np.ndarray, neighbours: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Every input array's rows ``index`` (copies, so the cached memory maps stay read-only); with
    ``neighbours`` (:func:`neighbour_index`) each row is the window of beats around it."""
    if neighbours is not None:
        return beat_windows({m: inputs[m] for m in ("time", "rhythm")}, index, neighbours)
    return {m: np.asarray(inputs[m][index]) for m in inputs}


def sequence_builder(settings, half: int):
    """``build(specs)`` for :func:`ecg_study.train_model`: a :class:`BeatSequenceNet` on windows of ``2 * half + 1``
    beats (the specs are those of the windowed inputs), trained like the study's models."""
    def build(specs: dict) -> BeatSequenceNet:
        return BeatSequenceNet(specs["time"].shape[1:], specs["rhythm"].shape[1], len(CLASSES), half=half,
                               d_model=settings.d_model, dropout=settings.dropout)
    return build


def run_variant(beats, model: str, overrides: dict, seeds: int) -> dict:
    overrides = dict(overrides)
    context = overrides.pop("_context", None)
    n_per_record = overrides.pop("_n_per_record", False)
    neighbours = overrides.pop("_neighbours", False)
    hard_n = overrides.pop("_hard_n", False)
    sequence = overrides.pop("_sequence", None)
    late = overrides.pop("_late", None)
    settings = ecg_study.EcgSettings.for_profile("standard", **overrides)
    inputs = dict(beat_inputs(beats, settings.views, record_norm=settings.record_norm, deviation=settings.deviation))
    if context:
        extra = {"irregularity": irregularity, "sequence": rr_sequence}[context](beats.rr, np.asarray(beats.records))
        inputs["rhythm"] = np.concatenate([inputs["rhythm"], extra], 1)
    if neighbours:
        inputs["time"] = with_neighbours(np.asarray(inputs["time"]), np.asarray(beats.records))
    domains = ecg_study.MODEL_DOMAINS[model] if sequence is None else ("time", "rhythm")
    neighbours = None if sequence is None else neighbour_index(np.asarray(beats.records), sequence)
    folds = make_folds(beats, "record-cv", n_folds=settings.n_folds, seed=settings.seed)
    y = np.concatenate([beats.labels[f.test] for f in folds])
    records = np.concatenate([beats.records[f.test] for f in folds])
    argmax, tuned, probs = [], [], []
    tic = time.perf_counter()
    for s in range(seeds):
        parts_a, parts_t, parts_p = [], [], []
        for k, fold in enumerate(folds):
            val_recs = ecg_study.validation_records(beats, fold.train, settings.val_records, settings.seed + k)
            in_val = np.isin(beats.records[fold.train], val_recs)
            fit_index, val_index = fold.train[~in_val], fold.train[in_val]
            capped = fit_index[ecg_study.cap_per_class(beats.labels[fit_index], settings.max_majority, settings.seed + k)]
            if n_per_record:
                capped = n_from_every_record(beats, fit_index, capped, settings.max_majority, settings.seed + k)
            if hard_n:
                capped = premature_n(fit_index, capped, beats.labels, np.asarray(inputs["rhythm"]),
                                     settings.max_majority, settings.seed + k)
            fit_raw = take(inputs, capped, neighbours)
            scaler = ViewScaler.fit({v: fit_raw[v] for v in ("time", "tf", "freq") if v in fit_raw})

            def scale(raw: dict, scaler: ViewScaler = scaler) -> dict:
                return ecg_study.scale_inputs(scaler, raw)

            val_keep = val_index[ecg_study.cap_per_class(beats.labels[val_index], settings.val_cap,
                                                         settings.seed + k)]
            val_data = (scale(take(inputs, val_keep, neighbours)), beats.labels[val_keep])
            seed = settings.seed + 1000 * s + k
            val_all = scale(take(inputs, val_index, neighbours))
            test_all = scale(take(inputs, fold.test, neighbours))

            fit_scaled = scale(fit_raw)
            build = None if sequence is None else sequence_builder(settings, sequence)
            rows = {model: domains} if late is None else {e: ecg_study.MODEL_DOMAINS[e] for e in late}
            predicted = []  # (validation, test) probabilities of each trained model
            for name, modalities in rows.items():
                trained, _, _ = ecg_study.train_model(name, modalities, fit_scaled, beats.labels[capped], val_data,
                                                      settings, seed, "cpu", build=build)
                predicted.append([predict(trained, views_to_dataset(x, beats.labels[index], modalities),
                                          device="cpu")[0] for x, index in ((val_all, val_index), (test_all, fold.test))])
            # One model: its probabilities; late fusion: the experts' product, renormalised.
            p_val, p_test = predicted[0] if late is None else (
                softmax(product_of_experts([p[i] for p in predicted]), axis=1) for i in (0, 1))
            offsets = tune_offsets(np.log(p_val + 1e-9), beats.labels[val_index])
            parts_a.append(p_test.argmax(1))
            parts_t.append((np.log(p_test + 1e-9) + offsets).argmax(1))
            parts_p.append(p_test)
        argmax.append(np.concatenate(parts_a))
        tuned.append(np.concatenate(parts_t))
        probs.append(np.concatenate(parts_p))
    seconds = time.perf_counter() - tic

    def summary(predictions: list[np.ndarray]) -> dict:
        rows = [beat_metrics(y, p) for p in predictions]
        keys = ("macro_f1", "Se_S", "PPV_S", "Se_V", "PPV_V", "Se_F", "accuracy")
        return {k: {"mean": float(np.mean([r[k] for r in rows])), "sd": float(np.std([r[k] for r in rows])),
                    "per_seed": [round(float(r[k]), 4) for r in rows]} for k in keys}

    ensemble = np.mean(probs, axis=0).argmax(1)
    # Upper bound, not a result: the S offset chosen on the *test* records to maximise min(Se S, PPV S).
    oracle = []
    log_ensemble = np.log(np.mean(probs, axis=0) + 1e-9)
    for offset in OFFSET_GRID:
        shifted = log_ensemble.copy()
        shifted[:, CLASSES.index("S")] += offset
        m = beat_metrics(y, shifted.argmax(1))
        oracle.append({"offset": float(offset), "Se_S": m["Se_S"], "PPV_S": m["PPV_S"], "macro_f1": m["macro_f1"]})
    best_point = max(oracle, key=lambda r: min(r["Se_S"], np.nan_to_num(r["PPV_S"])))
    return {"date": time.strftime("%Y-%m-%d"), "settings_overrides": overrides, "rhythm_context": context, "seeds": seeds,
            "model": (f"BeatSequenceNet (half={sequence})" if sequence is not None
                      else " x ".join(late) + " (late fusion)" if late else model),
            "ensemble_S_operating_point_chosen_on_test_records": best_point,
            "argmax": summary(argmax), "tuned_on_validation_records": summary(tuned),
            "ensemble_of_seeds": beat_metrics(y, ensemble),
            "false_positives_of_S_seed0": false_positives_of_s(y, argmax[0], records),
            "false_positives_of_S_ensemble": false_positives_of_s(y, ensemble, records),
            "seconds": round(seconds, 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="1D-CNN + rhythm", choices=list(ecg_study.MODEL_DOMAINS))
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--only", nargs="*", choices=list(VARIANTS), default=list(VARIANTS))
    parser.add_argument("--output", type=Path, default=Path(__file__).with_name("results") / "ecg_rhythm_variants.json")
    args = parser.parse_args()
    settings = ecg_study.EcgSettings.for_profile("standard")
    beats = ecg_study.load_ecg_beats(locate("mitdb"), settings)
    counts = {c: int((beats.labels == k).sum()) for k, c in enumerate(CLASSES)}
    f_records = pd.Series(beats.records[beats.labels == CLASSES.index("F")]).value_counts()
    payload = {"benchmark": "ecg_rhythm_variants", "date": time.strftime("%Y-%m-%d"), "model": args.model,
               "protocol": "record-cv (DS1 records present)", "class_counts": counts,
               "F_beats_by_record": {str(r): int(n) for r, n in f_records.items()},
               "load_average_before": os.getloadavg(), "env": fl.repro.env_info(), "variants": {}}
    for name in args.only:
        row = run_variant(beats, args.model, VARIANTS[name], args.seeds)
        payload["variants"][name] = row
        a, t, e = row["argmax"], row["tuned_on_validation_records"], row["ensemble_of_seeds"]
        print(f"{name:32s} macro-F1 {a['macro_f1']['mean']:.3f} +- {a['macro_f1']['sd']:.3f} "
              f"(Se/PPV S {a['Se_S']['mean']:.2f}/{a['PPV_S']['mean']:.2f}) | tuned {t['macro_f1']['mean']:.3f} "
              f"(S {t['Se_S']['mean']:.2f}/{t['PPV_S']['mean']:.2f}) | ensemble {e['macro_f1']:.3f} "
              f"(S {e['Se_S']:.2f}/{e['PPV_S']:.2f}) | {row['seconds']:.0f} s", flush=True)
    payload["load_average_after"] = os.getloadavg()
    if args.output.exists() and set(args.only) != set(VARIANTS):
        # --only re-measures some variants: keep the others' earlier rows (each row says when it was measured).
        earlier = json.loads(args.output.read_text())
        kept = {name: {"date": earlier.get("date"), **row} for name, row in earlier.get("variants", {}).items()}
        payload["variants"] = {**kept, **payload["variants"]}
    args.output.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".ecg_rhythm_variants.", suffix=".json", dir=args.output.parent)
    with os.fdopen(fd, "w") as handle:
        handle.write(json.dumps(fl.results.to_jsonable(payload), indent=1, sort_keys=True) + "\n")
    os.replace(tmp, args.output)
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

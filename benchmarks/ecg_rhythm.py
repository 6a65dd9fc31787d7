"""Issue 17's benchmark: ECG models with and without rhythm against the GBM, record-wise CV of DS1 (JSON).

    OMP_NUM_THREADS=1 python benchmarks/ecg_rhythm.py --profile standard   # -> benchmarks/results/ecg_rhythm.json

Runs :func:`fusionlab.ecg.run_ecg_domains` with the lesson-08 settings of the profile (cached like the
lesson: after lesson 08 this only computes the tables), then writes, under the profile's key:
the metrics table (accuracy, macro-F1, Se/PPV of N/S/V/F, record-bootstrap 95 % intervals), the
paired record-bootstrap differences (each model with rhythm minus without; each late fusion minus the
intermediate fusion of the same modalities; ADASYN minus class weights; the best fused model minus the GBM), the targets (macro-F1 >= 0.65 and above the GBM, Se(S)
and PPV(S) >= 0.5), the seeds' spread, training seconds, and the load average while it ran (other
jobs on the machine inflate times: they are upper bounds).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import fusionlab as fl
from fusionlab.studies import ecg_domains as ecg


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="standard", choices=fl.profiles.PROFILES)
    parser.add_argument("--mitdb", type=Path, default=None, help="MIT-BIH folder (default ../shared/data/mitdb)")
    parser.add_argument("--protocol", default="auto")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--n-boot", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", type=Path, default=Path(__file__).with_name("results") / "ecg_rhythm.json")
    args = parser.parse_args()

    folder = args.mitdb or fl.paths.shared_data_dir() / "mitdb"
    settings = ecg.study_settings(args.profile, protocol=args.protocol, seed=args.seed)
    load_before = os.getloadavg()
    start = time.perf_counter()
    result = ecg.run_ecg_domains(folder, settings, device=args.device)
    seconds = time.perf_counter() - start
    table = ecg.metrics_table(result.y_true, result.predictions, groups=result.records, n_boot=args.n_boot,
                              seed=args.seed, protocol=result.protocol)
    comparisons = ecg.tables.rhythm_comparisons(result, table, n_boot=args.n_boot, seed=args.seed)
    best = ecg.tables.best_fused_model(table)
    row = {
        "protocol": result.protocol, "settings": result.settings, "records": sorted(set(map(str, result.records))),
        "metrics": fl.results.to_jsonable(table.reset_index()),
        "comparisons": fl.results.to_jsonable(comparisons),
        "best_fused_model": best,
        "targets": ecg.tables.target_check(table, comparisons, best).to_dict(),
        "seed_scores": fl.results.to_jsonable(result.seed_scores),
        "train_seconds": result.train_seconds, "best_epochs": {f["fold"]: f["best_epoch"] for f in result.folds},
        "run_seconds_incl_cache_reads": seconds, "load_average_before": load_before,
        "load_average_after": os.getloadavg(), "env": fl.repro.env_info(),
    }
    existing = json.loads(args.output.read_text()) if args.output.is_file() else {}
    existing[args.profile] = row
    args.output.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".ecg_rhythm.", suffix=".json", dir=args.output.parent)
    with os.fdopen(fd, "w") as handle:
        handle.write(json.dumps(existing, indent=1, default=str, sort_keys=True) + "\n")
    os.replace(tmp, args.output)
    print(table.drop(columns=["protocol"]).round(3).to_string())
    print(comparisons[["a", "b", "metric", "estimate", "ci_low", "ci_high", "p_adjusted"]].round(3).to_string())
    print(f"best fused model: {best}; wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

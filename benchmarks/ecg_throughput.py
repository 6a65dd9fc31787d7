"""Training throughput (beats/s) of the ECG feature-domain models on CPU (JSON to benchmarks/results/).

    OMP_NUM_THREADS=1 python benchmarks/ecg_throughput.py

Random beats with the shapes of the real views (0.7 s at 128 Hz: time 90 samples, scalogram 24 x 45,
spectrum 65 bins), so it needs no data. For each model: training samples/s at a few batch sizes
(forward + backward + AdamW step, :func:`fusionlab.throughput.throughput_table`) and the view
computation rate (beats/s through CWT + FFT).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np
import torch

import fusionlab as fl
from fusionlab.models.ecg_domains import ecg_domain_net
from fusionlab.studies import ecg_domains as ecg
from fusionlab.train import throughput


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch-sizes", nargs="*", type=int, default=[64, 128, 256])
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--n-beats", type=int, default=2048)
    parser.add_argument("--output", type=Path, default=Path(__file__).with_name("results") / "ecg_throughput.json")
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    windows = rng.standard_normal((args.n_beats, 1, 90)).astype(np.float32)
    start = time.perf_counter()
    views = ecg.beat_views(windows, 128.0)
    view_rate = args.n_beats / (time.perf_counter() - start)
    labels = rng.integers(0, 4, args.n_beats)
    views["rhythm"] = rng.standard_normal((args.n_beats, len(ecg.rhythm.RHYTHM_FEATURES))).astype(np.float32)
    specs = ecg.view_specs(views, tuple(views))
    device = torch.device("cpu")
    results = []
    for name, domains in ecg.MODEL_DOMAINS.items():
        data = ecg.views_to_dataset(views, labels, domains)

        def build(domains=domains):
            torch.manual_seed(0)
            return ecg_domain_net({d: specs[d] for d in domains}, 4)

        table = throughput.throughput_table(build, data, batch_sizes=args.batch_sizes, amp_modes=["off"],
                                            device=device, steps=args.steps)
        results.append({"model": name, "domains": list(domains), "parameters": fl.count_parameters(build()),
                        "rows": table.to_dict(orient="records")})
        print(name, table.to_string(index=False))
    out = {"device": "cpu", "torch_threads": torch.get_num_threads(), "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
           "view_beats_per_s": view_rate, "models": results, "env": fl.repro.env_info()}
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(out, indent=1, default=str))
    print(f"views: {view_rate:.0f} beats/s; wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Training throughput and memory of the lessons' main models (JSON to benchmarks/results/).

    python benchmarks/training_throughput.py                 # CPU (and CUDA when present)
    python benchmarks/training_throughput.py --compile       # also with torch.compile

For each model: samples/s and activation memory (plus the CUDA allocator's peak on a GPU) at several
batch sizes, with and without mixed precision (CUDA only) and torch.compile (when asked); the share
of step time the package loop spends waiting for data; and the package loop's epoch time against a
bare PyTorch loop on the same model and data. Targets: on CUDA, data loading < 10% of step time; on
CPU, the package loop within 10% of the bare loop.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import torch

import fusionlab as fl
from fusionlab.data.synthetic.logic import LogicTask
from fusionlab.models.hayes_sun import HAYES_SUN_VARIANTS
from fusionlab.train import throughput


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="*", default=list(HAYES_SUN_VARIANTS))
    parser.add_argument("--batch-sizes", nargs="*", type=int, default=[32, 128, 512])
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--n-train", type=int, default=4096)
    parser.add_argument("--repeats", type=int, default=3, help="repeats of the loop-overhead comparison")
    parser.add_argument("--compile", action="store_true", help="also measure with torch.compile")
    parser.add_argument("--output", type=Path, default=Path(__file__).with_name("results") / "training_throughput.json")
    args = parser.parse_args()

    task = LogicTask("and", noise=0.25)
    data = task.sample(args.n_train, seed=0).to_dataset()
    devices = [torch.device("cpu")] + ([torch.device("cuda")] if torch.cuda.is_available() else [])
    results = []
    for device in devices:
        amp_modes = ["off", "bf16", "fp16"] if device.type == "cuda" else ["off"]
        for name in args.models:
            def build(name=name):
                torch.manual_seed(0)
                return fl.create_model(name, task.specs(), task.n_classes)

            table = throughput.throughput_table(build, data, batch_sizes=args.batch_sizes, amp_modes=amp_modes,
                                                device=device, steps=args.steps,
                                                compile_modes=(False, True) if args.compile else (False,))
            bare, package, fractions = [], [], []
            for _ in range(args.repeats):  # alternate to share any drift of the machine's speed
                bare.append(throughput.bare_loop_seconds(build(), data, batch_size=128, device=device))
                seconds, fraction = throughput.package_loop_seconds(build(), data, batch_size=128, device=device)
                package.append(seconds)
                fractions.append(fraction)
            results.append({
                "model": name, "device": str(device), "parameters": fl.count_parameters(build()),
                "steps": table.round(3).to_dict(orient="records"),
                "epoch_seconds_bare_loop_min": min(bare), "epoch_seconds_package_loop_min": min(package),
                "package_over_bare": min(package) / min(bare),
                "data_loading_fraction": min(fractions),
            })
            print(f"{device} {name:<15} best {table['samples_per_s'].max():8.0f} samples/s; "
                  f"package/bare = {min(package) / min(bare):.3f}; data share = {min(fractions):.3%}", flush=True)
    summary = {
        "benchmark": "training_throughput",
        "date": time.strftime("%Y-%m-%d"),
        "machine": fl.repro.env_info(),
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
        "task": "AND logic task (4 modalities, 28 tokens per sample)",
        "n_train": args.n_train,
        "results": results,
        "targets": {"cpu_package_over_bare_max": 1.10, "cuda_data_loading_fraction_max": 0.10},
        "targets_met": {
            "cpu_package_within_10pct": all(r["package_over_bare"] <= 1.10 for r in results if r["device"] == "cpu"),
            "cuda_data_loading_below_10pct": (all(r["data_loading_fraction"] < 0.10 for r in results if r["device"] != "cpu")
                                              if torch.cuda.is_available() else None),
        },
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=args.output.parent, suffix=".tmp", delete=False) as handle:
        json.dump(summary, handle, indent=2)
    os.replace(handle.name, args.output)
    print(f"-> {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

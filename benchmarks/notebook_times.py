"""Wall time and peak memory of every notebook, executed headlessly with papermill.

    python benchmarks/notebook_times.py --profile smoke           # -> benchmarks/results/notebook_times_smoke.json
    python benchmarks/notebook_times.py --profile standard --only 05

Each notebook runs in its own child process (``python -m fusionlab.notebook_runner --only NAME``);
its peak resident memory is read from ``os.wait4`` and covers the child and the Jupyter kernel it
started (Linux reports the largest RSS in that process tree). Targets (2-core CPU): the whole smoke
suite <= 600 s; notebook 05 in the standard profile <= 900 s.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from fusionlab.notebook_runner import list_notebooks
from fusionlab.repro import env_info

TARGETS_S = {"smoke": {"__total__": 600.0}, "standard": {"05_decision_boundaries": 900.0}}


def run_one(name: str, profile: str) -> dict:
    command = [sys.executable, "-m", "fusionlab.notebook_runner", "--profile", profile, "--only", name]
    tic = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output = process.stdout.read().decode(errors="replace")
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - tic
    process.returncode = os.waitstatus_to_exitcode(status)
    return {"notebook": name, "seconds": round(seconds, 2), "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
            "ok": process.returncode == 0, "log_tail": output[-2000:] if process.returncode else ""}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="smoke", choices=("smoke", "standard", "full"))
    parser.add_argument("--only", nargs="*", default=())
    parser.add_argument("--output", type=Path, default=None)
    args = parser.parse_args()
    rows = []
    for notebook in list_notebooks(only=args.only):
        row = run_one(notebook.stem, args.profile)
        rows.append(row)
        print(f"{row['notebook']:<40} {row['seconds']:>8.1f} s {row['peak_rss_mb']:>8.0f} MB {'ok' if row['ok'] else 'FAILED'}",
              flush=True)
    total = sum(r["seconds"] for r in rows)
    targets = TARGETS_S.get(args.profile, {})
    measured = {"__total__": total, **{r["notebook"]: r["seconds"] for r in rows}}
    result = {
        "benchmark": "notebook_times",
        "profile": args.profile,
        "date": time.strftime("%Y-%m-%d"),
        "machine": {"platform": platform.platform(), "cpu_count": os.cpu_count(),
                    "omp_num_threads": os.environ.get("OMP_NUM_THREADS"), **{k: env_info()[k] for k in ("torch", "cuda_available")}},
        "notebooks": rows,
        "total_seconds": round(total, 2),
        "targets_seconds": targets,
        "targets_met": {name: measured[name] <= limit for name, limit in targets.items() if name in measured},
    }
    output = args.output or Path(__file__).with_name("results") / f"notebook_times_{args.profile}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=output.parent, suffix=".tmp", delete=False) as handle:
        json.dump(result, handle, indent=2)
    os.replace(handle.name, output)
    print(f"total {total:.1f} s -> {output}")
    return 0 if all(r["ok"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())

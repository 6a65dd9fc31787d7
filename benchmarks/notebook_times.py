"""Wall time and peak memory of every notebook, executed headlessly with papermill.

    python benchmarks/notebook_times.py --profile smoke           # -> benchmarks/results/notebook_times_smoke.json
    python benchmarks/notebook_times.py --profile standard --only 05 --repeat 2

Each notebook runs in its own child process (``python -m fusionlab.notebook_runner --only NAME``);
its peak resident memory is read from ``os.wait4`` and covers the child and the Jupyter kernel it
started (Linux reports the largest RSS in that process tree). With ``--repeat N`` each notebook runs
N times and the median time is kept. Every run starts from a cold build folder (a fresh temporary
``FUSIONLAB_BUILD`` per repetition, shared by the notebooks of that repetition in course order, as a
student's session would be), so cached studies of an earlier run never make a lesson look fast.

A run with ``--only`` updates the named notebooks' rows in the existing JSON and keeps the others,
so lessons can be re-measured one at a time. The machine's load average is recorded beside each row:
a value well above 0 means other work shared the CPU and the time is an upper bound.

Targets (2-core CPU): the whole smoke suite <= 600 s; in the class-time ``standard`` profile every
lesson <= 300 s, the course <= 2700 s, and peak memory <= 2048 MB per lesson.
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

from fusionlab.cli.notebook_runner import list_notebooks
from fusionlab.repro import env_info

TARGETS_S = {"smoke": {"__total__": 600.0}, "standard": {"__each__": 300.0, "__total__": 2700.0}}
TARGET_PEAK_MB = {"standard": 2048.0}
PROFILES = ("smoke", "standard", "extended", "full")


def run_one(name: str, profile: str, build: Path) -> dict:
    command = [sys.executable, "-m", "fusionlab.cli.notebook_runner", "--profile", profile, "--only", name]
    env = {**os.environ, "FUSIONLAB_BUILD": str(build)}
    load_before = os.getloadavg()[0]
    tic = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    output = process.stdout.read().decode(errors="replace")
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - tic
    process.returncode = os.waitstatus_to_exitcode(status)
    return {"notebook": name, "seconds": round(seconds, 2), "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
            "ok": process.returncode == 0, "load_avg_1min_before": round(load_before, 2),
            "log_tail": output[-2000:] if process.returncode else ""}


def median_row(runs: list[dict]) -> dict:
    """The median-time run of one notebook, with every repetition's time beside it."""
    ordered = sorted(runs, key=lambda r: r["seconds"])
    row = dict(ordered[(len(ordered) - 1) // 2])
    row["seconds_all"] = [r["seconds"] for r in runs]
    row["peak_rss_mb"] = max(r["peak_rss_mb"] for r in runs)
    row["ok"] = all(r["ok"] for r in runs)
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="smoke", choices=PROFILES)
    parser.add_argument("--only", nargs="*", default=())
    parser.add_argument("--repeat", type=int, default=1, help="runs per notebook; the median time is kept")
    parser.add_argument("--output", type=Path, default=None)
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error(f"--repeat must be >= 1, got {args.repeat}")
    notebooks = list_notebooks(only=args.only)
    runs: dict[str, list[dict]] = {nb.stem: [] for nb in notebooks}
    for repetition in range(args.repeat):
        with tempfile.TemporaryDirectory(prefix="fusionlab-build-") as build:
            for notebook in notebooks:
                row = run_one(notebook.stem, args.profile, Path(build))
                runs[notebook.stem].append(row)
                print(f"[{repetition + 1}/{args.repeat}] {row['notebook']:<40} {row['seconds']:>8.1f} s "
                      f"{row['peak_rss_mb']:>8.0f} MB load {row['load_avg_1min_before']:.1f} "
                      f"{'ok' if row['ok'] else 'FAILED'}", flush=True)
    output = args.output or Path(__file__).with_name("results") / f"notebook_times_{args.profile}.json"
    previous = json.loads(output.read_text()).get("notebooks", []) if args.only and output.is_file() else []
    fresh = {name: median_row(r) for name, r in runs.items()}
    rows = [row for row in previous if row["notebook"] not in fresh] + list(fresh.values())
    rows.sort(key=lambda r: r["notebook"])
    total = sum(r["seconds"] for r in rows)
    targets = TARGETS_S.get(args.profile, {})
    measured = {"__total__": total, **{r["notebook"]: r["seconds"] for r in rows}}
    met = {name: measured[name] <= limit for name, limit in targets.items() if name in measured}
    if "__each__" in targets:
        met.update({r["notebook"]: r["seconds"] <= targets["__each__"] for r in rows})
    if args.profile in TARGET_PEAK_MB:
        met.update({f"{r['notebook']}:peak": r["peak_rss_mb"] <= TARGET_PEAK_MB[args.profile] for r in rows})
    result = {
        "benchmark": "notebook_times",
        "profile": args.profile,
        "date": time.strftime("%Y-%m-%d"),
        "machine": {"platform": platform.platform(), "cpu_count": os.cpu_count(),
                    "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
                    "torch_threads": _torch_threads(),
                    **{k: env_info()[k] for k in ("torch", "cuda_available")}},
        "repeat": args.repeat,
        "cold_build_folder": True,
        "notebooks": rows,
        "total_seconds": round(total, 2),
        "targets_seconds": targets,
        "target_peak_rss_mb": TARGET_PEAK_MB.get(args.profile),
        "targets_met": met,
    }
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=output.parent, suffix=".tmp", delete=False) as handle:
        json.dump(result, handle, indent=2)
    os.replace(handle.name, output)
    print(f"total {total:.1f} s -> {output}")
    return 0 if all(r["ok"] for r in rows) else 1


def _torch_threads() -> int:
    import torch

    return torch.get_num_threads()


if __name__ == "__main__":
    sys.exit(main())

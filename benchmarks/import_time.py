"""Cost of ``import fusionlab`` and of the ``fusionlab`` command, side by side with ``import torch``.

    python benchmarks/import_time.py      # -> benchmarks/results/import_time.json

Each statement runs in a fresh interpreter ``--repeat`` times (median kept); wall time and peak RSS
come from ``os.wait4``. Targets (issue: light imports): ``import fusionlab`` <= 1.3 x ``import torch``;
``fusionlab --help`` and ``fusionlab fetch --list`` < 1 s.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CASES = {
    "import torch": [sys.executable, "-c", "import torch"],
    "import fusionlab": [sys.executable, "-c", "import fusionlab"],
    "fl.create_model (models + registry)": [sys.executable, "-c", "import fusionlab as fl; fl.create_model"],
    "fusionlab --help": [sys.executable, "-m", "fusionlab.cli", "--help"],
    "fusionlab fetch --list": [sys.executable, "-m", "fusionlab.cli", "fetch", "--list"],
}


def measure(command: list[str]) -> tuple[float, float, bool]:
    tic = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    return time.perf_counter() - tic, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status) in (0, 1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--output", type=Path, default=Path(__file__).with_name("results") / "import_time.json")
    args = parser.parse_args()
    rows = []
    for name, command in CASES.items():
        runs = [measure(command) for _ in range(args.repeat)]
        seconds = statistics.median(r[0] for r in runs)
        rows.append({"case": name, "median_seconds": round(seconds, 3), "seconds_all": [round(r[0], 3) for r in runs],
                     "peak_rss_mb": round(max(r[1] for r in runs), 1), "ok": all(r[2] for r in runs)})
        print(f"{name:<40} {seconds:7.3f} s {rows[-1]['peak_rss_mb']:8.0f} MB", flush=True)
    by_name = {r["case"]: r["median_seconds"] for r in rows}
    result = {
        "benchmark": "import_time",
        "date": time.strftime("%Y-%m-%d"),
        "machine": {"platform": platform.platform(), "cpu_count": os.cpu_count(),
                    "load_avg_1min": round(os.getloadavg()[0], 2)},
        "repeat": args.repeat,
        "rows": rows,
        "ratio_fusionlab_to_torch": round(by_name["import fusionlab"] / by_name["import torch"], 3),
        "targets": {"import fusionlab <= 1.3 x import torch": by_name["import fusionlab"] <= 1.3 * by_name["import torch"],
                    "fusionlab --help < 1 s": by_name["fusionlab --help"] < 1.0,
                    "fusionlab fetch --list < 1 s": by_name["fusionlab fetch --list"] < 1.0},
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=args.output.parent, suffix=".tmp", delete=False) as handle:
        json.dump(result, handle, indent=2)
    os.replace(handle.name, args.output)
    print(json.dumps(result["targets"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())

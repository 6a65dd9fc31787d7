"""Cost of ``import fusionlab`` and of the ``fusionlab`` command, side by side with ``import torch``.

    python benchmarks/import_time.py      # -> benchmarks/results/import_time.json

Each statement runs in a fresh interpreter ``--repeat`` times (median kept), the cases interleaved so that a
change in the machine's load hits them alike; wall time and peak RSS come from ``os.wait4``. The package is
imported from this checkout (``PYTHONPATH``); ``--compare DIR`` measures another checkout (e.g. the commit before
a change, ``git archive REV | tar -x -C DIR``) in the same run, interleaved too. Targets (issue: light imports): ``import fusionlab`` <= 1.3 x ``import torch``;
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
    "import fusionlab.data; fusionlab.data.fetch": [sys.executable, "-c", "import fusionlab.data as d; d.fetch"],
    "fusionlab --help": [sys.executable, "-m", "fusionlab.cli", "--help"],
    "fusionlab fetch --list": [sys.executable, "-m", "fusionlab.cli", "fetch", "--list"],
}


ROOT = Path(__file__).resolve().parents[1]


def measure(command: list[str], root: Path = ROOT) -> tuple[float, float, bool]:
    env = {**os.environ, "PYTHONPATH": str(root), "PYTHONDONTWRITEBYTECODE": "1"}
    tic = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=root, env=env)
    _, status, usage = os.wait4(process.pid, 0)
    return time.perf_counter() - tic, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status) in (0, 1)


def summarise(name: str, runs: list[tuple[float, float, bool]]) -> dict:
    seconds = statistics.median(r[0] for r in runs)
    return {"case": name, "median_seconds": round(seconds, 3), "seconds_all": [round(r[0], 3) for r in runs],
            "peak_rss_mb": round(max(r[1] for r in runs), 1), "ok": all(r[2] for r in runs)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--compare", type=Path, default=None, help="another checkout, measured in the same run")
    parser.add_argument("--output", type=Path, default=Path(__file__).with_name("results") / "import_time.json")
    args = parser.parse_args()
    trees = {"this checkout": ROOT}
    if args.compare is not None:
        if not (args.compare / "fusionlab" / "__init__.py").is_file():
            parser.error(f"--compare {args.compare}: expected a checkout with fusionlab/__init__.py")
        trees["compare"] = args.compare.resolve()
    runs: dict[tuple[str, str], list] = {(tree, name): [] for tree in trees for name in CASES}
    load = [os.getloadavg()[0]]
    for _ in range(args.repeat):
        for tree, root in trees.items():
            for name, command in CASES.items():
                runs[tree, name].append(measure(command, root))
        load.append(os.getloadavg()[0])
    tables = {}
    for tree in trees:
        rows = [summarise(name, runs[tree, name]) for name in CASES]
        tables[tree] = rows
        print(f"-- {tree} ({trees[tree]})")
        for row in rows:
            print(f"{row['case']:<40} {row['median_seconds']:7.3f} s {row['peak_rss_mb']:8.0f} MB", flush=True)
    rows = tables["this checkout"]
    by_name = {r["case"]: r["median_seconds"] for r in rows}
    result = {
        "benchmark": "import_time",
        "date": time.strftime("%Y-%m-%d"),
        "machine": {"platform": platform.platform(), "cpu_count": os.cpu_count(),
                    "load_avg_1min_during_run": [round(v, 2) for v in load]},
        "repeat": args.repeat,
        "rows": rows,
        "ratio_fusionlab_to_torch": round(by_name["import fusionlab"] / by_name["import torch"], 3),
        "targets": {"import fusionlab <= 1.3 x import torch": by_name["import fusionlab"] <= 1.3 * by_name["import torch"],
                    "fusionlab --help < 1 s": by_name["fusionlab --help"] < 1.0,
                    "fusionlab fetch --list < 1 s": by_name["fusionlab fetch --list"] < 1.0},
    }
    if args.compare is not None:
        result["compare"] = {"checkout": str(args.compare), "rows": tables["compare"]}
    args.output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=args.output.parent, suffix=".tmp", delete=False) as handle:
        json.dump(result, handle, indent=2)
    os.replace(handle.name, args.output)
    print(json.dumps(result["targets"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())

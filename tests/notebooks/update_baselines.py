"""Regenerate the notebook regression baselines: ``make baselines`` (``ONLY=05`` for some lessons).

Executes each lesson in the smoke profile (exactly as ``make test`` does), then for each lesson that ran
to its end prints which figures changed and by how much (RMS) and which numbers changed, and copies its
figures to ``tests/baselines/`` and its results JSON to ``tests/baselines/results/``. Baselines a lesson
no longer writes are removed. A lesson that fails keeps its old baselines and makes the command fail.

Usage::

    python tests/notebooks/update_baselines.py                 # execute every lesson, update
    python tests/notebooks/update_baselines.py --only 05 07    # some lessons
    python tests/notebooks/update_baselines.py --from-build    # reuse the last `make test` execution
    python tests/notebooks/update_baselines.py --check         # report only (e.g. determinism), copy nothing
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time

import regression_harness as harness

from fusionlab.cli.notebook_runner import list_notebooks
from fusionlab.results import SUFFIX, load_results


def report_figures(run: harness.Execution) -> tuple[list[str], int]:
    """Lines describing each figure of ``run`` against its baseline; and how many exceed their tolerance."""
    baselines = harness.figure_baselines(run.notebook)
    produced = {p.stem: p for p in run.figures}
    lines, beyond = [], 0
    for name in sorted(set(baselines) | set(produced)):
        if name not in produced:
            lines.append(f"  figure  {name}.png: REMOVED (the lesson no longer writes it)")
            beyond += 1
        elif name not in baselines:
            lines.append(f"  figure  {name}.png: NEW")
            beyond += 1
        else:
            rms, note = harness.figure_rms(baselines[name], produced[name])
            tol = harness.figure_tolerance(name)
            if rms is None:
                lines.append(f"  figure  {name}.png: CHANGED, {note}")
                beyond += 1
            elif rms == 0:
                lines.append(f"  figure  {name}.png: unchanged")
            else:
                over = rms > tol
                beyond += over
                lines.append(f"  figure  {name}.png: {'CHANGED' if over else 'changed within tolerance'}, "
                             f"RMS {rms:.3f} (tolerance {tol:g}; {note})")
    return lines, beyond


def report_results(run: harness.Execution) -> tuple[list[str], int]:
    """Lines describing each changed number of ``run``'s results; and how many exceed their tolerance."""
    baselines = harness.result_baselines(run.notebook)
    produced = {p.name[: -len(SUFFIX)]: p for p in run.results}
    lines, beyond = [], 0
    for lesson in sorted(set(baselines) | set(produced)):
        if lesson not in produced:
            lines.append(f"  results {lesson}: REMOVED (the lesson no longer writes {lesson}{SUFFIX})")
            beyond += 1
        elif lesson not in baselines:
            lines.append(f"  results {lesson}: NEW ({len(_leaves(load_results(produced[lesson])))} values)")
            beyond += 1
        else:
            diffs = harness.diff_results(lesson, load_results(baselines[lesson]), load_results(produced[lesson]))
            if not diffs:
                lines.append(f"  results {lesson}: unchanged")
            for path, message, over in diffs:
                beyond += over
                lines.append(f"  results {lesson}: {path}: {'CHANGED' if over else 'within tolerance'}: {message}")
    if not baselines and not produced:
        lines.append("  results (none: the lesson does not call fl.results.save_results)")
    return lines, beyond


def _leaves(tree) -> list:
    if isinstance(tree, dict):
        return [leaf for value in tree.values() for leaf in _leaves(value)]
    if isinstance(tree, list):
        return [leaf for value in tree for leaf in _leaves(value)]
    return [tree]


def copy_baselines(run: harness.Execution) -> None:
    """Make ``run``'s figures and results the baselines of its notebook (and drop the ones it no longer writes)."""
    harness.RESULT_BASELINES.mkdir(parents=True, exist_ok=True)
    produced = {p.stem for p in run.figures}
    for name, path in harness.figure_baselines(run.notebook).items():
        if name not in produced:
            path.unlink()
    for figure in run.figures:
        shutil.copyfile(figure, harness.BASELINES / figure.name)
    written = {p.name for p in run.results}
    for path in harness.result_baselines(run.notebook).values():
        if path.name not in written:
            path.unlink()
    for result in run.results:
        shutil.copyfile(result, harness.RESULT_BASELINES / result.name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", default=(), help="lessons whose name starts with these (e.g. 05)")
    parser.add_argument("--from-build", action="store_true",
                        help="reuse the executions of the last `make test` (build/test-smoke/manifest.json)")
    parser.add_argument("--check", action="store_true", help="report the differences only; copy nothing")
    args = parser.parse_args(argv)
    for name, value in harness.SMOKE_ENV.items():
        if os.environ.get(name, value) != value:
            print(f"warning: {name}={os.environ[name]}, but `make test` uses {value}: baselines may not match",
                  file=sys.stderr)
        os.environ[name] = value

    notebooks = list_notebooks(only=args.only)
    if args.from_build:
        manifest = harness.read_manifest()
        missing = [p.stem for p in notebooks if p.stem not in manifest]
        if missing:
            print(f"build/test-smoke/manifest.json has no execution of {missing}: run without --from-build",
                  file=sys.stderr)
            return 2
        runs = [manifest[p.stem] for p in notebooks]
    else:
        if not args.only:
            harness.clean_outputs()
        runs = []
        out = harness.session_dir() / "baselines-run"
        for notebook in notebooks:
            print(f"[smoke] executing {notebook.name} ...", flush=True)
            tic = time.perf_counter()
            runs.append(harness.execute(notebook, out))
            print(f"[smoke] {notebook.name}: {'ok' if runs[-1].ok else 'FAILED'} in {time.perf_counter() - tic:.0f} s",
                  flush=True)

    failed, changed = [], 0
    print("\nChanges against tests/baselines/ (RMS in 0-255 grey levels; tolerances in "
          "tests/notebooks/regression_tolerances.py):")
    for run in runs:
        print(f"\n{run.notebook} ({run.seconds:.0f} s, {len(run.figures)} figure(s) compared, "
              f"{len(run.real_figures)} real-data figure(s) never committed, {len(run.results)} results file(s))")
        if not run.ok:
            failed.append(run.notebook)
            print(f"  FAILED, its baselines are kept: {run.error[:1500]}")
            continue
        figure_lines, figure_beyond = report_figures(run)
        result_lines, result_beyond = report_results(run)
        print("\n".join(figure_lines + result_lines))
        changed += figure_beyond + result_beyond
        if not args.check:
            copy_baselines(run)
    verb = "differ beyond tolerance from" if args.check else "were new, removed or beyond tolerance; updated"
    print(f"\n{changed} figure(s)/number(s) {verb} tests/baselines/"
          + ("" if args.check else f" for {len(runs) - len(failed)} lesson(s); review with `git diff --stat tests/baselines`"))
    if failed:
        print(f"{len(failed)} lesson(s) failed and kept their old baselines: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    sys.exit(main())

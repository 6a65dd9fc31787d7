"""Execute the ordered lessons headlessly with papermill (``make notebooks`` and ``make test`` use it).

Usage::

    python -m fusionlab.cli.notebook_runner --profile standard            # every notebook, in order
    python -m fusionlab.cli.notebook_runner --profile smoke --only 05     # notebooks whose name starts with 05

Executed copies go to ``build/notebooks/<profile>/`` (git-ignored); figures go where each
notebook's profile sends them (:func:`fusionlab.paths.figures_dir`).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from fusionlab import paths
from fusionlab.profiles import ENV_VAR, PROFILES, check_profile


@dataclass
class NotebookRun:
    """Outcome of one executed notebook."""

    name: str
    profile: str
    seconds: float
    output: Path


# A lesson is ``NN_name.ipynb`` or, for a lesson inserted after NN, ``NNa_name.ipynb`` ("00_" sorts before "00a_").
LESSON_NAME = re.compile(r"^[0-9]{2}[a-z]?_.+\.ipynb$")


def list_notebooks(directory: Path | None = None, only: Sequence[str] = ()) -> list[Path]:
    """The lessons ``NN_*.ipynb`` / ``NNa_*.ipynb`` in course order, optionally only those whose name starts with
    one of ``only`` (``--only 00`` selects 00 and 00a; ``--only 00_`` only 00)."""
    directory = directory or paths.notebooks_dir()
    notebooks = sorted(p for p in directory.glob("[0-9][0-9]*_*.ipynb") if LESSON_NAME.match(p.name))
    if only:
        notebooks = [p for p in notebooks if any(p.name.startswith(prefix) for prefix in only)]
        if not notebooks:
            raise FileNotFoundError(f"no notebook in {directory} starts with any of {list(only)}")
    return notebooks


def execute_notebook(path: Path, profile: str, output_dir: Path | None = None,
                     parameters: dict | None = None) -> NotebookRun:
    """Run one notebook with papermill in ``profile``; the executed copy is written to ``output_dir``."""
    import papermill

    profile = check_profile(profile)
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"notebook {path} does not exist")
    output_dir = Path(output_dir or paths.build_dir() / "notebooks" / profile)
    output_dir.mkdir(parents=True, exist_ok=True)
    output = output_dir / path.name
    previous = os.environ.get(ENV_VAR)
    os.environ[ENV_VAR] = profile  # the kernel inherits it: code that reads the default agrees
    os.environ.setdefault("FUSIONLAB_HEADLESS", "1")  # widgets render as fixed figures (fusionlab.viz.interactive)
    tic = time.perf_counter()
    try:
        papermill.execute_notebook(
            str(path), str(output), parameters={"PROFILE": profile, **(parameters or {})},
            cwd=str(path.parent), kernel_name="python3", progress_bar=False, log_output=False,
        )
    finally:
        if previous is None:
            os.environ.pop(ENV_VAR, None)
        else:
            os.environ[ENV_VAR] = previous
    return NotebookRun(name=path.stem, profile=profile, seconds=time.perf_counter() - tic, output=output)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fusionlab.cli.notebook_runner", description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="standard", choices=PROFILES)
    parser.add_argument("--only", nargs="*", default=(), help="run only notebooks whose name starts with these")
    parser.add_argument("--output", type=Path, default=None, help="folder for executed copies")
    args = parser.parse_args(argv)
    runs = []
    for notebook in list_notebooks(only=args.only):
        print(f"[{args.profile}] {notebook.name} ...", flush=True)
        run = execute_notebook(notebook, args.profile, args.output)
        runs.append(run)
        print(f"[{args.profile}] {notebook.name} done in {run.seconds:.1f} s -> {run.output}", flush=True)
    total = sum(r.seconds for r in runs)
    print(f"{len(runs)} notebooks executed in {total:.1f} s ({args.profile} profile)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The papermill regression harness: execute a lesson once, record what it wrote, compare it with baselines.

Used by the notebook tests (one execution per notebook per session, see ``conftest.py``) and by
``make baselines`` (``update_baselines.py``). A lesson's outputs are found by what changed on disk
while it ran:

- figures in ``build/figures-smoke/`` (compared with ``tests/baselines/<name>.png``);
- figures of real recordings in ``build/figures-real/smoke/`` (counted, never compared or committed);
- results JSON in ``build/results/smoke/`` (compared with ``tests/baselines/results/<lesson>.results.json``).

Baselines belong to the notebook whose two-digit prefix they carry (``05_*.png`` belongs to
``05_decision_boundaries.ipynb``), so a figure that a lesson stops writing is noticed too.
"""

from __future__ import annotations

import contextlib
import fnmatch
import json
import math
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from regression_tolerances import FIGURE_TOLERANCE, FIGURE_TOLERANCE_DEFAULT, RESULT_TOLERANCE, Tolerance

from fusionlab import paths
from fusionlab.results import SUFFIX, load_results

PROFILE = "smoke"
TESTS = Path(__file__).resolve().parents[1]
BASELINES = TESTS / "baselines"
RESULT_BASELINES = BASELINES / "results"
# The environment of `make test` (see the Makefile); set here too so a bare pytest or `make baselines` agrees.
SMOKE_ENV = {"OMP_NUM_THREADS": "1", "FUSIONLAB_PROFILE": PROFILE}
# The lessons in notebooks/ are the instructor version: every exercise check must pass (fusionlab.cli.exercises).
INSTRUCTOR_ENV = {"FUSIONLAB_EXERCISES": "strict"}
# The kernel draws with the backend a Jupyter kernel uses by default (what a student sees in JupyterLab), not
# the Agg that `make test` sets for the test process: under Agg, IPython registers no image formatter for
# figures, so ``display(fig)`` would leave only "<Figure size ...>" text in the executed copy. Saved PNGs
# are rendered by Agg under both backends (same pixels).
KERNEL_MPLBACKEND = "module://matplotlib_inline.backend_inline"
HOW_TO_UPDATE = "if the change is intended, run `make baselines` and commit tests/baselines/"


def session_dir() -> Path:
    """Scratch folder of the test session: executed notebooks, manifest, figure comparisons, the site."""
    return paths.build_dir() / "test-smoke"


def output_dirs() -> dict[str, Path]:
    """The folders a smoke run writes figures and results to."""
    return {"figures": paths.figures_dir(PROFILE), "real_figures": paths.figures_dir(PROFILE, real_data=True),
            "results": paths.results_dir(PROFILE)}


def clean_outputs() -> None:
    """Empty the smoke output folders, so that every file found afterwards was written by this session."""
    for folder in output_dirs().values():
        shutil.rmtree(folder, ignore_errors=True)
    shutil.rmtree(session_dir() / "figure-compare", ignore_errors=True)


def prefix(notebook: str) -> str:
    """``"05_"`` for ``05_decision_boundaries``: the prefix of the figures and results a lesson owns."""
    return notebook.split("_", 1)[0] + "_"


@dataclass
class Execution:
    """What one smoke execution of a notebook did."""

    notebook: str
    executed: Path
    seconds: float
    error: str | None = None
    figures: list[Path] = field(default_factory=list)
    real_figures: list[Path] = field(default_factory=list)
    results: list[Path] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_json(self) -> dict:
        return {"notebook": self.notebook, "executed": str(self.executed), "seconds": round(self.seconds, 2),
                "error": self.error, "figures": [str(p) for p in self.figures],
                "real_figures": [str(p) for p in self.real_figures], "results": [str(p) for p in self.results]}

    @classmethod
    def from_json(cls, data: dict) -> Execution:
        return cls(notebook=data["notebook"], executed=Path(data["executed"]), seconds=data["seconds"],
                   error=data["error"], figures=[Path(p) for p in data["figures"]],
                   real_figures=[Path(p) for p in data["real_figures"]], results=[Path(p) for p in data["results"]])


def _snapshot(folder: Path, pattern: str) -> dict[Path, int]:
    return {p: p.stat().st_mtime_ns for p in folder.glob(pattern)} if folder.is_dir() else {}


def _written(before: dict[Path, int], after: dict[Path, int]) -> list[Path]:
    return sorted(p for p, mtime in after.items() if before.get(p) != mtime)


@contextlib.contextmanager
def environment(values: dict[str, str | None]):
    """Set (or, for ``None``, remove) environment variables for the kernel papermill starts; restore them after."""
    saved = {name: os.environ.get(name) for name in values}
    try:
        for name, value in values.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def execute(notebook: Path, output_dir: Path) -> Execution:
    """Execute ``notebook`` (instructor version, exercise checks strict) in the smoke profile with papermill;
    never raises for a failing lesson."""
    for name, value in SMOKE_ENV.items():
        os.environ.setdefault(name, value)  # the kernel inherits them
    with environment(INSTRUCTOR_ENV):
        return _execute(notebook, output_dir)


def student_scratch() -> Path:
    """Build folder of the student run: its figures and results never mix with the instructor run's."""
    return session_dir() / "student-build"


def execute_student(notebook: Path, output_dir: Path) -> Execution:
    """Execute the student version of a lesson (solutions removed) in the smoke profile; never raises.

    Exercise checks are not strict (an unanswered exercise prints "not done yet"), and every file the
    lesson writes goes under :func:`student_scratch` (``FUSIONLAB_BUILD`` and ``FUSIONLAB_FIGURES``), so the
    instructor run's figure and result regression never sees it. Figures and results are not compared.
    """
    for name, value in SMOKE_ENV.items():
        os.environ.setdefault(name, value)
    scratch = student_scratch()
    with environment({"FUSIONLAB_EXERCISES": None, "FUSIONLAB_BUILD": str(scratch),
                      "FUSIONLAB_FIGURES": str(scratch / "figures")}):
        return _execute(notebook, output_dir)


def _execute(notebook: Path, output_dir: Path) -> Execution:
    from fusionlab.cli.notebook_runner import execute_notebook

    dirs = output_dirs()
    globs = {"figures": "*.png", "real_figures": "*.png", "results": f"*{SUFFIX}"}
    before = {key: _snapshot(dirs[key], globs[key]) for key in dirs}
    tic = time.perf_counter()
    error = None
    backend = os.environ.get("MPLBACKEND")
    os.environ["MPLBACKEND"] = KERNEL_MPLBACKEND  # inherited by the kernel papermill starts
    try:
        execute_notebook(notebook, PROFILE, output_dir)
    except Exception as err:  # papermill's PapermillExecutionError names the cell and the exception
        error = f"{type(err).__name__}: {err}"
    finally:
        if backend is None:
            os.environ.pop("MPLBACKEND", None)
        else:
            os.environ["MPLBACKEND"] = backend
    after = {key: _snapshot(dirs[key], globs[key]) for key in dirs}
    return Execution(notebook=notebook.stem, executed=Path(output_dir) / notebook.name,
                     seconds=time.perf_counter() - tic, error=error,
                     **{key: _written(before[key], after[key]) for key in dirs})


def write_manifest(executions: dict[str, Execution]) -> Path:
    """Record the session's executions in ``build/test-smoke/manifest.json`` (read by ``make baselines --from-build``)."""
    target = session_dir() / "manifest.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".json.tmp")
    tmp.write_text(json.dumps({name: run.to_json() for name, run in sorted(executions.items())}, indent=1) + "\n")
    os.replace(tmp, target)
    return target


def read_manifest() -> dict[str, Execution]:
    target = session_dir() / "manifest.json"
    if not target.is_file():
        raise FileNotFoundError(f"no {target}: run `make test` (or drop --from-build) first")
    return {name: Execution.from_json(data) for name, data in json.loads(target.read_text()).items()}


def count_images(executed: Path) -> int:
    """Number of ``image/png`` outputs in an executed notebook."""
    import nbformat

    nb = nbformat.read(executed, as_version=4)
    return sum("image/png" in output.get("data", {}) for cell in nb.cells if cell.cell_type == "code"
               for output in cell.get("outputs", []))


# ----------------------------------------------------------------------------------------------- figures
def _rel(path: Path) -> str:
    """``path`` relative to the repository when it is inside it."""
    try:
        return str(Path(path).relative_to(TESTS.parent))
    except ValueError:
        return str(path)


def figure_baselines(notebook: str) -> dict[str, Path]:
    """Committed baseline images owned by ``notebook`` (by its two-digit prefix), by figure name."""
    return {p.stem: p for p in sorted(BASELINES.glob(f"{prefix(notebook)}*.png"))}


def figure_tolerance(name: str) -> float:
    return FIGURE_TOLERANCE.get(name, FIGURE_TOLERANCE_DEFAULT)


def figure_rms(baseline: Path, produced: Path) -> tuple[float | None, str]:
    """RMS difference (0-255 grey levels) of two PNGs, and a note (size change, path of the diff image).

    The images are copied to ``build/test-smoke/figure-compare/`` first, so that matplotlib's
    ``*-failed-diff.png`` lands there, not beside the figures. ``None`` when the sizes differ.
    """
    import numpy as np
    from matplotlib.testing.compare import compare_images
    from PIL import Image

    folder = session_dir() / "figure-compare"
    folder.mkdir(parents=True, exist_ok=True)
    expected = folder / f"{produced.stem}-expected.png"
    actual = folder / f"{produced.stem}.png"
    shutil.copyfile(baseline, expected)
    shutil.copyfile(produced, actual)
    with Image.open(expected) as a, Image.open(actual) as b:
        if a.size != b.size:
            return None, f"size changed from {a.size[0]}x{a.size[1]} to {b.size[0]}x{b.size[1]} pixels"
        if np.array_equal(np.asarray(a.convert("RGBA")), np.asarray(b.convert("RGBA"))):
            return 0.0, "identical pixels"
    result = compare_images(str(expected), str(actual), tol=0, in_decorator=True)
    if result is None:
        return 0.0, "identical after conversion"
    return float(result["rms"]), f"diff image {result['diff']}"


def compare_figures(run: Execution) -> list[str]:
    """Problems with ``run``'s figures against their baselines (empty when all match within tolerance)."""
    baselines = figure_baselines(run.notebook)
    produced = {p.stem: p for p in run.figures}
    problems = [f"{name}.png: written by {run.notebook}, but a lesson's figure names start with its number "
                f"{prefix(run.notebook)!r} (that is how baselines are matched to lessons)"
                for name in sorted(produced) if not name.startswith(prefix(run.notebook))]
    for name in sorted(set(baselines) - set(produced)):
        problems.append(f"{name}.png: has a baseline ({_rel(baselines[name])}) but "
                        f"{run.notebook} did not write it in this run")
    for name in sorted(set(produced) - set(baselines)):
        problems.append(f"{name}.png: written by {run.notebook} but has no baseline in "
                        f"{_rel(BASELINES)}/: run `make baselines` and commit it")
    for name in sorted(set(produced) & set(baselines)):
        rms, note = figure_rms(baselines[name], produced[name])
        tol = figure_tolerance(name)
        if rms is None:
            problems.append(f"{name}.png differs from its baseline: {note}")
        elif rms > tol:
            problems.append(f"{name}.png differs from its baseline: RMS {rms:.2f} > tolerance {tol:g} ({note})")
    return problems


# ----------------------------------------------------------------------------------------------- results
def result_baselines(notebook: str) -> dict[str, Path]:
    """Committed results baselines owned by ``notebook``, by lesson name."""
    return {p.name[: -len(SUFFIX)]: p for p in sorted(RESULT_BASELINES.glob(f"{prefix(notebook)}*{SUFFIX}"))}


def result_tolerance(lesson: str, key: str) -> Tolerance:
    """The first rule of ``RESULT_TOLERANCE`` whose lesson and key patterns match (fnmatch), else the default."""
    for lesson_pattern, key_pattern, tolerance in RESULT_TOLERANCE:
        if fnmatch.fnmatchcase(lesson, lesson_pattern) and fnmatch.fnmatchcase(key, key_pattern):
            return tolerance
    return Tolerance()


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _as_number(value):
    """Numbers, and the strings JSON keeps for non-finite floats ("nan", "inf")."""
    if _is_number(value):
        return float(value)
    if isinstance(value, str) and value in ("nan", "inf", "-inf"):
        return float(value)
    return None


def diff_results(lesson: str, expected, found, key: str = "") -> list[tuple[str, str, bool]]:
    """Every difference between two results trees: ``(key path, message, beyond tolerance)``.

    Key paths join dict keys and list indices with ``/`` (``table3_and/basic_early/accuracy_mean``);
    numbers are compared with :func:`result_tolerance`, everything else exactly.
    """
    where = key or "(top level)"
    if isinstance(expected, dict) and isinstance(found, dict):
        out = []
        for k in sorted(set(expected) | set(found)):
            path = f"{key}/{k}" if key else k
            if k not in found:
                out.append((path, f"expected {_short(expected[k])}, found nothing (key missing)", True))
            elif k not in expected:
                out.append((path, f"found {_short(found[k])}, not in the baseline (new key)", True))
            else:
                out.extend(diff_results(lesson, expected[k], found[k], path))
        return out
    if isinstance(expected, list) and isinstance(found, list):
        if len(expected) != len(found):
            return [(where, f"expected {len(expected)} items {_short(expected)}, found {len(found)} {_short(found)}",
                     True)]
        out = []
        for i, (e, f) in enumerate(zip(expected, found)):
            out.extend(diff_results(lesson, e, f, f"{key}/{i}" if key else str(i)))
        return out
    tolerance = result_tolerance(lesson, key)
    e_num, f_num = _as_number(expected), _as_number(found)
    if e_num is not None and f_num is not None and (_is_number(expected) or _is_number(found)):
        if tolerance.ignore:
            return []
        if math.isnan(e_num) and math.isnan(f_num) or e_num == f_num:
            return []
        gap = abs(f_num - e_num)
        allowed = tolerance.allowed(e_num)
        return [(where, f"expected {expected!r}, found {found!r} (|diff| {gap:.3g} "
                        f"{'>' if gap > allowed else '<='} tolerance {allowed:.3g} = {tolerance})", gap > allowed)]
    if expected == found and type(expected) is type(found):
        return []
    if tolerance.ignore:
        return []
    return [(where, f"expected {expected!r}, found {found!r}", True)]


def _short(value, limit: int = 80) -> str:
    text = json.dumps(value, sort_keys=True)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def compare_results(run: Execution) -> list[str]:
    """Problems with ``run``'s results JSON against the committed baselines (empty when all match)."""
    baselines = result_baselines(run.notebook)
    produced = {p.name[: -len(SUFFIX)]: p for p in run.results}
    problems = [f"{lesson}: written by {run.notebook}, but save_results' lesson name must start with "
                f"{prefix(run.notebook)!r} (that is how baselines are matched to lessons)"
                for lesson in sorted(produced) if not lesson.startswith(prefix(run.notebook))]
    if not produced and baselines:
        names = ", ".join(p.name for p in baselines.values())
        return [f"{run.notebook} wrote no results JSON in this run, but tests/baselines/results/ has {names}: "
                f"the lesson must call fl.results.save_results(...) (or, if the lesson dropped it on purpose, "
                f"delete the baseline)"]
    for lesson in sorted(set(baselines) - set(produced)):
        problems.append(f"{lesson}: has a baseline ({baselines[lesson].name}) but {run.notebook} did not write "
                        f"{lesson}{SUFFIX} in this run")
    for lesson in sorted(set(produced) - set(baselines)):
        problems.append(f"{lesson}: {run.notebook} wrote {produced[lesson].name} but there is no baseline "
                        f"tests/baselines/results/{lesson}{SUFFIX}: run `make baselines` and commit it")
    for lesson in sorted(set(produced) & set(baselines)):
        diffs = [d for d in diff_results(lesson, load_results(baselines[lesson]), load_results(produced[lesson]))
                 if d[2]]
        if diffs:
            lines = "\n".join(f"    {path}: {message}" for path, message, _ in diffs)
            problems.append(f"{lesson}: {len(diffs)} number(s) differ from tests/baselines/results/{lesson}{SUFFIX}"
                            f"\n{lines}")
    return problems

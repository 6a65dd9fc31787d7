"""Execute each notebook once per test session (smoke profile) and share the outcome.

Every notebook test (runs, figures, results, inline images, the site) reads this one execution:
``smoke_runs.get(path)`` executes the notebook on first use and caches what it did. That run is the
instructor version (the lessons as committed, exercise checks strict).

The student version (``make course``: solutions removed) is a second, separate execution per lesson,
``student_runs.get(path)``: it writes its figures and results to a scratch build folder and is only
checked for running to its end and for saying "not done yet" for every exercise.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import regression_harness as harness


def skip_without_course_data(path: Path) -> None:
    """Skip (naming what is missing) a lesson whose real recordings are not on this machine.

    CI has ``../shared`` beside the clone; a clone without it and without ``make fetch`` still runs every other
    test. The lessons' own data-check cells stop with the same message (``fusionlab preflight``).
    """
    from fusionlab.data.course_data import datasets_for_lessons, locate, missing_message, missing_files

    missing = [name for name in datasets_for_lessons([Path(path).stem[:2]]) if missing_files(name, locate(name))]
    if missing:
        pytest.skip(f"{Path(path).name} needs course data that is not here: {', '.join(missing)} "
                    f"(put ../shared beside the clone or run `make fetch`)\n"
                    + missing_message(missing, lesson=Path(path).stem[:2]))


# Lessons that run without these recordings (a synthetic fallback, or a section left out) but whose key numbers,
# and so their results baselines, come from them.
OPTIONAL_DATA = {"00a": ("mitdb",), "06": ("dreams",)}


def skip_results_without_optional_data(path: Path) -> None:
    """Skip the results regression of a lesson that ran without the optional recordings its baseline used."""
    from fusionlab.data.course_data import locate, missing_files

    missing = [name for name in OPTIONAL_DATA.get(Path(path).stem.split("_")[0], ())
               if missing_files(name, locate(name))]
    if missing:
        pytest.skip(f"{Path(path).name} ran without {', '.join(missing)}; its results baseline was made with them "
                    "(put ../shared beside the clone or run `make fetch`)")


class SmokeRuns:
    """Lazily executed smoke runs of the lessons, one per notebook per session."""

    def __init__(self) -> None:
        self.runs: dict[str, harness.Execution] = {}
        self.notebooks_dir = harness.session_dir() / "notebooks"
        self._cleaned = False

    def get(self, path: Path) -> harness.Execution:
        path = Path(path)
        skip_without_course_data(path)
        if path.stem not in self.runs:
            if not self._cleaned:  # stale figures or results of an earlier run must not pass for this one's
                harness.clean_outputs()
                self._cleaned = True
            self.runs[path.stem] = harness.execute(path, self.notebooks_dir)
            harness.write_manifest(self.runs)
        return self.runs[path.stem]

    def get_ok(self, path: Path) -> harness.Execution:
        """The run, or a test failure naming the notebook when it did not run to its end."""
        run = self.get(path)
        if not run.ok:
            pytest.fail(f"not compared: {path.name} did not run to its end in the smoke profile "
                        f"(see test_notebook_runs_in_smoke_profile[{path.stem}]): {run.error[:1500]}")
        return run


class StudentRuns:
    """Lazily executed smoke runs of the student version of the lessons, one per notebook per session."""

    def __init__(self) -> None:
        self.runs: dict[str, harness.Execution] = {}
        self.course_dir = harness.session_dir() / "course"
        self.notebooks_dir = harness.session_dir() / "student-notebooks"
        self._built = False

    def student_notebook(self, path: Path) -> Path:
        """The student copy of ``path``, written (for every lesson at once) on first use."""
        from fusionlab import exercises
        from fusionlab.cli.notebook_runner import list_notebooks

        if not self._built:
            shutil.rmtree(self.course_dir, ignore_errors=True)
            shutil.rmtree(harness.student_scratch(), ignore_errors=True)
            exercises.build(list_notebooks(), self.course_dir)
            self._built = True
        return self.course_dir / "student" / Path(path).name

    def get(self, path: Path) -> harness.Execution:
        path = Path(path)
        skip_without_course_data(path)
        if path.stem not in self.runs:
            self.runs[path.stem] = harness.execute_student(self.student_notebook(path), self.notebooks_dir)
        return self.runs[path.stem]


@pytest.fixture(scope="session")
def smoke_runs() -> SmokeRuns:
    return SmokeRuns()


@pytest.fixture(scope="session")
def student_runs() -> StudentRuns:
    return StudentRuns()

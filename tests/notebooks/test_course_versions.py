"""The two versions of the course that `make course` writes, both executed by `make test`.

- Instructor version (the lessons in ``notebooks/`` as committed): the session's one smoke execution runs
  with ``FUSIONLAB_EXERCISES=strict`` (see ``regression_harness.execute``), so a failing exercise check stops
  the lesson; here we also require that each exercise printed "RIGHT".
- Student version (solutions removed, ``fusionlab.cli.exercises.student_version``): a second, separate smoke
  execution per lesson (``student_runs``), writing to a scratch build folder; every cell must run, the last
  cell must print "all checks passed", and every exercise must say "not done yet".
"""

from __future__ import annotations

import re

import nbformat
import pytest
import regression_harness as harness

from fusionlab import exercises
from fusionlab.cli.notebook_runner import list_notebooks

NOTEBOOKS = list_notebooks()


def _texts(executed) -> list[str]:
    nb = nbformat.read(executed, as_version=4)
    return [o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_exercises_are_well_formed(path):
    """Each solution block can be removed, each exercise is checked once, each "Think!" answer is markdown."""
    nb = nbformat.read(path, as_version=4)
    student = exercises.student_version(nb)  # raises ValueError naming the cell for a malformed block
    ids = exercises.exercise_ids(nb)
    assert len(ids) == len(set(ids)), f"{path.name}: an exercise number is checked twice: {ids}"
    assert exercises.count_exercises(nb) == 0 or ids, f"{path.name}: solution blocks but no check cell"
    assert exercises.BEGIN not in "\n".join(c.source for c in student.cells), path.name
    for cell in nb.cells:
        if exercises.SOLUTION_TAG in cell.get("metadata", {}).get("tags", []):
            assert cell.cell_type == "markdown", f"{path.name}: a cell tagged 'solution' must be markdown"


@pytest.mark.notebooks
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_instructor_version_passes_every_exercise(path, smoke_runs):
    run = smoke_runs.get_ok(path)  # executed with FUSIONLAB_EXERCISES=strict
    text = "\n".join(_texts(run.executed))
    missing = [i for i in exercises.exercise_ids(nbformat.read(path, as_version=4))
               if f"Exercise {i}: RIGHT" not in text]
    assert not missing, f"{path.name}: the instructor run did not print 'RIGHT' for exercises {missing}"


@pytest.mark.notebooks
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_student_version_runs_and_says_not_done(path, student_runs):
    run = student_runs.get(path)
    assert run.ok, f"student version of {path.name} failed in the smoke profile after {run.seconds:.0f} s:\n{run.error}"
    executed = nbformat.read(run.executed, as_version=4)
    errors = [o.get("ename") for c in executed.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors, f"student version of {path.name}: error outputs {errors}"
    texts = _texts(run.executed)
    assert any("all checks passed" in t for t in texts), \
        f"student version of {path.name}: the last cell did not print 'all checks passed'"
    ids = exercises.exercise_ids(nbformat.read(path, as_version=4))
    text = "\n".join(texts)
    missing = [i for i in ids if f"Exercise {i}: not done yet" not in text]
    assert not missing, f"student version of {path.name}: no 'not done yet' for exercises {missing}"
    assert not re.search(r"Exercise \S+: RIGHT", text), \
        f"student version of {path.name}: an exercise passed without its solution (is the check too weak?)"
    # the student run wrote its files to the scratch folder, never where the instructor run's regression looks
    assert all(harness.student_scratch() in p.parents for p in run.figures + run.results), run.figures + run.results

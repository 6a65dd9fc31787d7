"""Exercises in the lessons: starter code, a check that says right or wrong (and why), and solutions.

The notebooks in ``notebooks/`` are the **instructor version**: every exercise there carries its
solution. ``make course`` (``python -m fusionlab.cli.exercises``) writes both versions to
``build/course/{student,instructor}/``; the student version has the solutions taken out.

How an exercise is written in a lesson
--------------------------------------
1. A markdown cell states the task ("Exercise 3.1 - ...", about 10 minutes in the default profile).
2. A code cell holds the starter code: a function whose body the student writes. The solution sits
   between two marker lines, *inside* the function::

       def late_fusion(logits_a, logits_b):
           # BEGIN SOLUTION
           return (logits_a.softmax(-1) + logits_b.softmax(-1)) / 2
           # END SOLUTION

   In the student version the lines between the markers become
   ``raise NotImplementedError("Exercise: your code here")`` at the same indentation, so the cell
   still runs (it only defines the function).
3. A check cell calls :func:`check`::

       fl.exercises.check("3.1", lambda: late_fusion(a, b), lambda got: _compare(got, expected))

   ``check`` runs the attempt; an unanswered exercise (``NotImplementedError``) reports
   "not done yet", a wrong one reports why, a right one says so.

"Think!" questions keep their short answers in a markdown cell tagged ``solution``; the student
version replaces that cell by a pointer to the instructor version.

In CI the instructor version runs with ``FUSIONLAB_EXERCISES=strict``: there every check must pass
(a wrong or unanswered exercise raises). Students run without it: a check prints its verdict and
the lesson goes on, so "Run all" reaches the end whatever they have answered.
"""

from __future__ import annotations

import argparse
import copy
import os
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BEGIN = "# BEGIN SOLUTION"
END = "# END SOLUTION"
SOLUTION_TAG = "solution"
STRICT_ENV = "FUSIONLAB_EXERCISES"
NOT_DONE_MESSAGE = "Exercise: your code here"
HIDDEN_ANSWER = "*Answer: in the instructor version of this lesson (`make course`).*"


class ExerciseNotPassed(AssertionError):
    """Raised by :func:`check` in strict mode (CI on the instructor version) when an exercise fails."""


@dataclass(frozen=True)
class Verdict:
    """Outcome of one :func:`check`: ``status`` is ``"right"``, ``"wrong"`` or ``"not done"``."""

    exercise: str
    status: str
    message: str

    @property
    def passed(self) -> bool:
        return self.status == "right"

    def _ipython_display_(self) -> None:
        """Nothing: :func:`check` has printed the verdict already (a check cell's value would repeat it)."""

    def __str__(self) -> str:
        mark = {"right": "RIGHT", "wrong": "NOT YET RIGHT", "not done": "not done yet"}[self.status]
        return f"Exercise {self.exercise}: {mark}" + (f" - {self.message}" if self.message else "")


def strict() -> bool:
    """True when checks must pass (``FUSIONLAB_EXERCISES=strict``, set by CI for the instructor version)."""
    return os.environ.get(STRICT_ENV, "").strip().lower() == "strict"


def check(exercise: str, attempt: Callable[[], Any], test: Callable[[Any], Any]) -> Verdict:
    """Run ``attempt()`` and judge its result with ``test``; print and return the :class:`Verdict`.

    Parameters
    ----------
    exercise : str
        The exercise's number in the lesson, e.g. ``"3.1"``.
    attempt : callable
        Calls the student's code and returns what it produced (a ``NotImplementedError`` from the
        starter code means "not done yet").
    test : callable
        Receives the result; raises ``AssertionError("why")`` when it is wrong. Its return value,
        if a string, is printed with a right answer (e.g. the number the student found).
    """
    try:
        result = attempt()
    except NotImplementedError:
        verdict = Verdict(exercise, "not done", "replace the `raise NotImplementedError` with your code")
    except Exception as err:  # the student's code raised: say what, as a wrong answer
        verdict = Verdict(exercise, "wrong", f"your code raised {type(err).__name__}: {err}")
    else:
        try:
            note = test(result)
        except AssertionError as err:
            verdict = Verdict(exercise, "wrong", str(err) or "the check failed")
        except Exception as err:  # the check could not use the result (wrong type or shape, ...)
            verdict = Verdict(exercise, "wrong", f"the check could not use your result: {type(err).__name__}: {err}")
        else:
            verdict = Verdict(exercise, "right", note if isinstance(note, str) else "")
    print(verdict)
    if strict() and not verdict.passed:
        raise ExerciseNotPassed(str(verdict))
    return verdict


# --------------------------------------------------------------------------- student / instructor versions
_MARKER = re.compile(r"^(?P<indent>[ \t]*)(?P<marker># (BEGIN|END) SOLUTION)\s*$")


def strip_solutions(source: str, where: str = "cell") -> str:
    """The student form of one code cell: each ``BEGIN/END SOLUTION`` block becomes a ``raise``.

    Raises ``ValueError`` (naming ``where``) for an unclosed or nested block, or for a block at the
    top level of the cell, where a ``raise`` would stop the student's "Run all".
    """
    out: list[str] = []
    inside = False
    for number, line in enumerate(source.splitlines(), start=1):
        match = _MARKER.match(line)
        if match and match["marker"] == BEGIN:
            if inside:
                raise ValueError(f"{where}, line {number}: '{BEGIN}' inside another solution block")
            if not match["indent"]:
                raise ValueError(f"{where}, line {number}: a solution block must sit inside a function "
                                 f"(indented), found it at the top level of the cell")
            inside = True
            out.append(f'{match["indent"]}raise NotImplementedError("{NOT_DONE_MESSAGE}")')
        elif match and match["marker"] == END:
            if not inside:
                raise ValueError(f"{where}, line {number}: '{END}' without a '{BEGIN}'")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise ValueError(f"{where}: '{BEGIN}' is never closed by '{END}'")
    return "\n".join(out)


def student_version(notebook):
    """A copy of ``notebook`` (an ``nbformat`` node) with every solution taken out."""
    student = copy.deepcopy(notebook)
    for index, cell in enumerate(student.cells):
        tags = cell.get("metadata", {}).get("tags", [])
        if SOLUTION_TAG in tags:
            cell.cell_type = "markdown"
            cell.source = HIDDEN_ANSWER
            cell.pop("outputs", None)
            cell.pop("execution_count", None)
            cell.metadata["tags"] = [t for t in tags if t != SOLUTION_TAG]
        elif cell.cell_type == "code" and BEGIN in cell.source:
            cell.source = strip_solutions(cell.source, where=f"cell {index}")
    return student


def instructor_version(notebook):
    """The instructor copy: the lesson as committed, marker lines kept so solutions are easy to find."""
    return copy.deepcopy(notebook)


def count_exercises(notebook) -> int:
    """Number of solution blocks in a notebook's code cells."""
    return sum(cell.source.count(BEGIN) for cell in notebook.cells if cell.cell_type == "code")


_CHECK_CALL = re.compile(r"""exercises\.check\(\s*["']([^"']+)["']""")


def exercise_ids(notebook) -> list[str]:
    """The exercise numbers a notebook checks (``check("3.1", ...)`` -> ``"3.1"``), in order of appearance."""
    return [match for cell in notebook.cells if cell.cell_type == "code" for match in _CHECK_CALL.findall(cell.source)]


def count_think_answers(notebook) -> int:
    """Number of "Think!" answers (markdown cells tagged ``solution``)."""
    return sum(SOLUTION_TAG in cell.get("metadata", {}).get("tags", []) for cell in notebook.cells)


def build(notebooks: Sequence[Path], output: Path) -> dict[str, list[Path]]:
    """Write ``output/student/*.ipynb`` and ``output/instructor/*.ipynb``; return what was written."""
    import nbformat

    written: dict[str, list[Path]] = {"student": [], "instructor": []}
    for version, make in (("student", student_version), ("instructor", instructor_version)):
        folder = Path(output) / version
        folder.mkdir(parents=True, exist_ok=True)
        for path in notebooks:
            node = make(nbformat.read(path, as_version=4))
            target = folder / Path(path).name
            tmp = target.with_name(f".{target.name}.tmp")
            nbformat.write(node, tmp)
            os.replace(tmp, target)  # never a half-written notebook
            written[version].append(target)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    from fusionlab import paths
    from fusionlab.cli.notebook_runner import list_notebooks

    parser = argparse.ArgumentParser(prog="python -m fusionlab.cli.exercises",
                                     description="Write the student and instructor versions of the lessons.")
    parser.add_argument("--output", type=Path, default=None, help="folder (default build/course)")
    parser.add_argument("--only", nargs="*", default=(), help="only lessons whose name starts with these")
    args = parser.parse_args(argv)
    output = args.output or paths.build_dir() / "course"
    notebooks = list_notebooks(only=args.only)
    written = build(notebooks, output)
    import nbformat

    total = sum(count_exercises(nbformat.read(p, as_version=4)) for p in notebooks)
    think = sum(count_think_answers(nbformat.read(p, as_version=4)) for p in notebooks)
    print(f"{len(written['student'])} lessons, {total} coding exercises, {think} Think! answers -> "
          f"{output}/student (solutions removed), "
          f"{output}/instructor (with solutions)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The exercise convention: checks say right / wrong / not done, the student version hides solutions."""

import nbformat
import pytest

from fusionlab.cli import exercises

CELL = '''import numpy as np

def mean_of(x):
    """Exercise 0.1: the mean of x."""
    # BEGIN SOLUTION
    return float(np.mean(x))
    # END SOLUTION
'''


def _test(got):
    assert got == 2.0, f"expected 2.0, got {got}"


def test_check_reports_each_outcome(capsys, monkeypatch):
    monkeypatch.delenv(exercises.STRICT_ENV, raising=False)
    assert exercises.check("0.1", lambda: 2.0, _test).status == "right"
    assert exercises.check("0.1", lambda: 3.0, _test).status == "wrong"

    def unanswered():
        raise NotImplementedError("Exercise: your code here")

    verdict = exercises.check("0.1", unanswered, _test)
    assert verdict.status == "not done"
    out = capsys.readouterr().out
    assert "RIGHT" in out and "expected 2.0, got 3.0" in out and "not done yet" in out


def test_strict_mode_raises_on_anything_but_right(monkeypatch):
    monkeypatch.setenv(exercises.STRICT_ENV, "strict")
    exercises.check("0.1", lambda: 2.0, _test)
    with pytest.raises(exercises.ExerciseNotPassed, match="expected 2.0"):
        exercises.check("0.1", lambda: 1.0, _test)


def test_student_cell_still_runs_and_reports_not_done(monkeypatch):
    monkeypatch.delenv(exercises.STRICT_ENV, raising=False)
    student = exercises.strip_solutions(CELL)
    assert "np.mean" not in student and "raise NotImplementedError" in student
    namespace: dict = {}
    exec(student, namespace)  # defining the function does not raise
    assert exercises.check("0.1", lambda: namespace["mean_of"]([1, 2, 3]), _test).status == "not done"
    instructor: dict = {}
    exec(CELL, instructor)
    assert exercises.check("0.1", lambda: instructor["mean_of"]([1, 2, 3]), _test).passed


@pytest.mark.parametrize("source, problem", [
    ("# BEGIN SOLUTION\nx = 1\n# END SOLUTION", "top level"),
    ("def f():\n    # BEGIN SOLUTION\n    return 1\n", "never closed"),
    ("def f():\n    return 1\n    # END SOLUTION", "without"),
])
def test_malformed_blocks_are_named(source, problem):
    with pytest.raises(ValueError, match=problem):
        exercises.strip_solutions(source, where="lesson 99, cell 3")


def test_build_writes_both_versions(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Lesson"), nbformat.v4.new_code_cell(CELL),
                nbformat.v4.new_markdown_cell("Because the mean is linear.", metadata={"tags": ["solution"]})]
    source = tmp_path / "99_demo.ipynb"
    nbformat.write(nb, source)
    written = exercises.build([source], tmp_path / "course")
    student = nbformat.read(written["student"][0], as_version=4)
    instructor = nbformat.read(written["instructor"][0], as_version=4)
    assert "np.mean" not in student.cells[1].source and "np.mean" in instructor.cells[1].source
    assert student.cells[2].source == exercises.HIDDEN_ANSWER
    assert "linear" in instructor.cells[2].source
    assert exercises.count_exercises(instructor) == 1


def test_exercise_ids_and_think_answers_are_found():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(CELL),
                nbformat.v4.new_code_cell('fl.exercises.check("3.1", lambda: 1, t)\nexercises.check( "3.2", f, t)'),
                nbformat.v4.new_markdown_cell("Because.", metadata={"tags": ["solution"]}),
                nbformat.v4.new_markdown_cell("Think! Why?")]
    assert exercises.exercise_ids(nb) == ["3.1", "3.2"]
    assert exercises.count_think_answers(nb) == 1


def test_a_result_the_check_cannot_use_is_wrong_not_a_crash(monkeypatch):
    monkeypatch.delenv(exercises.STRICT_ENV, raising=False)
    verdict = exercises.check("0.2", lambda: "not a number", lambda got: float(got) + 1)
    assert verdict.status == "wrong" and "ValueError" in verdict.message

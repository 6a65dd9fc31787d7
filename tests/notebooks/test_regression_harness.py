"""The regression harness itself: it must notice a moved number, a missing key and a changed figure."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest
import regression_harness as harness
from regression_tolerances import Tolerance

BASE = {"table": {"early": {"accuracy": 91.25, "parameters": 1200}, "late": {"accuracy": 88.0, "parameters": 900}},
        "names": ["a", "b"], "fit_seconds": 3.2, "ok": True}


def _copy(tree):
    import json

    return json.loads(json.dumps(tree))


def test_identical_results_have_no_difference():
    assert harness.diff_results("05_x", BASE, _copy(BASE)) == []


def test_a_moved_number_is_named_with_its_key_path_expected_and_found():
    found = _copy(BASE)
    found["table"]["late"]["accuracy"] = 80.5
    (diff,) = harness.diff_results("05_x", BASE, found)
    path, message, beyond = diff
    assert path == "table/late/accuracy" and beyond
    assert "expected 88.0" in message and "found 80.5" in message


def test_round_off_passes_within_the_default_tolerance():
    found = _copy(BASE)
    found["table"]["early"]["accuracy"] = 91.25 * (1 + 1e-9)
    assert not [d for d in harness.diff_results("05_x", BASE, found) if d[2]]


def test_missing_and_new_keys_and_changed_lists_are_reported():
    found = _copy(BASE)
    del found["table"]["early"]
    found["table"]["mid"] = {"accuracy": 1.0}
    found["names"] = ["a"]
    found["ok"] = False
    paths = {d[0] for d in harness.diff_results("05_x", BASE, found) if d[2]}
    assert paths == {"table/early", "table/mid", "names", "ok"}


def test_timings_are_ignored():
    found = _copy(BASE)
    found["fit_seconds"] = 99.0
    assert harness.diff_results("05_x", BASE, found) == []


def test_tolerance_rules_match_lesson_and_key_patterns():
    assert harness.result_tolerance("03_fusion_zoo", "manual_gap").abs == pytest.approx(1e-5)
    assert harness.result_tolerance("99_new_lesson", "any/key") == Tolerance()


def _figure(path, linewidth):
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot([0, 1, 2], [0, 1, 0], linewidth=linewidth)
    fig.savefig(path, dpi=80)
    plt.close(fig)


def test_a_changed_figure_fails_and_an_identical_one_passes(tmp_path, monkeypatch):
    monkeypatch.setattr(harness, "session_dir", lambda: tmp_path / "session")
    monkeypatch.setattr(harness, "BASELINES", tmp_path / "baselines")
    harness.BASELINES.mkdir()
    _figure(harness.BASELINES / "99_curve.png", 1.0)
    same, changed = tmp_path / "same" / "99_curve.png", tmp_path / "changed" / "99_curve.png"
    same.parent.mkdir(), changed.parent.mkdir()
    _figure(same, 1.0)
    _figure(changed, 4.0)
    run = harness.Execution("99_lesson", tmp_path / "x.ipynb", 0.0, figures=[same])
    assert harness.compare_figures(run) == []
    run.figures = [changed]
    (problem,) = harness.compare_figures(run)
    assert problem.startswith("99_curve.png differs from its baseline: RMS") and "> tolerance" in problem
    run.figures = []
    (problem,) = harness.compare_figures(run)
    assert "did not write it" in problem


def test_a_lesson_that_stops_writing_results_fails_and_a_missing_baseline_says_make_baselines(tmp_path, monkeypatch):
    monkeypatch.setattr(harness, "RESULT_BASELINES", tmp_path / "results")
    harness.RESULT_BASELINES.mkdir()
    (harness.RESULT_BASELINES / "99_lesson.results.json").write_text('{"a": 1}\n')
    run = harness.Execution("99_lesson", tmp_path / "x.ipynb", 0.0)
    (problem,) = harness.compare_results(run)
    assert "wrote no results JSON" in problem and "fl.results.save_results" in problem
    (harness.RESULT_BASELINES / "99_lesson.results.json").unlink()
    produced = tmp_path / "99_lesson.results.json"
    produced.write_text('{"a": 1}\n')
    run.results = [produced]
    (problem,) = harness.compare_results(run)
    assert "make baselines" in problem

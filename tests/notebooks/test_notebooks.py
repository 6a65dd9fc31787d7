"""Every lesson runs headlessly with papermill in the smoke profile, once per session; that one execution is
checked for errors, its figures and result numbers against the committed baselines, and its inline images.

Baselines live in ``tests/baselines/`` (figures) and ``tests/baselines/results/`` (numbers); tolerances in
``regression_tolerances.py``; ``make baselines`` regenerates them and prints what changed.
"""

from __future__ import annotations

import re

import nbformat
import pytest
import regression_harness as harness
from conftest import skip_results_without_optional_data

from fusionlab import paths
from fusionlab.cli.notebook_runner import list_notebooks

NOTEBOOKS = list_notebooks()


def test_course_has_its_lessons():
    names = [p.stem for p in NOTEBOOKS]
    for required in ("00_setup_and_map", "03_fusion_zoo", "05_decision_boundaries"):
        assert required in names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_structure(path):
    nb = nbformat.read(path, as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1, f"{path.name}: {len(tagged)} cells tagged 'parameters', papermill needs exactly one"
    source = tagged[0].source
    for name in ("PROFILE: str = fl.profiles.default_profile()", "SEED: int", 'DEVICE: str = "auto"'):
        assert name in source, f"{path.name}: parameters cell lacks {name!r}"
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), f"{path.name}: commit without outputs"
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    # Lessons write the mechanism they teach in their own cells (functions and classes welcome);
    # what stays out: path hacks, device-specific calls, and running other scripts into the kernel.
    for forbidden in ("sys.path", ".cuda()", "%run"):
        assert forbidden not in code, f"{path.name} contains {forbidden!r}"
    assert "all checks passed" in nb.cells[-1].source, f"{path.name}: last cell must be the checks"


@pytest.mark.notebooks
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_in_smoke_profile(path, smoke_runs):
    run = smoke_runs.get(path)
    assert run.ok, f"{path.name} failed in the smoke profile after {run.seconds:.0f} s:\n{run.error}"
    executed = nbformat.read(run.executed, as_version=4)
    errors = [o for c in executed.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors, f"{path.name}: error outputs {[e.get('ename') for e in errors]}"
    last = executed.cells[-1]
    assert any("all checks passed" in o.get("text", "") for o in last.get("outputs", [])), \
        f"{path.name}: the last cell did not print 'all checks passed'"


@pytest.mark.figures
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_figures_match_baselines(path, smoke_runs):
    """Each figure the lesson wrote to build/figures-smoke/ equals its baseline within its RMS tolerance."""
    run = smoke_runs.get_ok(path)
    problems = harness.compare_figures(run)
    assert not problems, (f"{path.name}: {len(problems)} figure problem(s):\n  " + "\n  ".join(problems)
                          + f"\n{harness.HOW_TO_UPDATE}")


@pytest.mark.notebooks
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_results_match_baselines(path, smoke_runs):
    """The lesson's results JSON equals its baseline within the tolerances of regression_tolerances.py."""
    run = smoke_runs.get_ok(path)
    skip_results_without_optional_data(path)
    if not run.results and not harness.result_baselines(run.notebook):
        pytest.skip(f"{path.name} writes no results JSON (fl.results.save_results) and has no baseline yet")
    problems = harness.compare_results(run)
    assert not problems, (f"{path.name}: results differ from the baselines:\n  " + "\n  ".join(problems)
                          + f"\n{harness.HOW_TO_UPDATE}")


@pytest.mark.notebooks
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_saved_figure_is_shown_inline(path, smoke_runs):
    """A student sees each saved figure: the executed notebook holds at least one image/png per figure."""
    run = smoke_runs.get_ok(path)
    saved = run.figures + run.real_figures
    shown = harness.count_images(run.executed)
    assert shown >= len(saved), (f"{path.name} saved {len(saved)} figure(s) ({', '.join(p.name for p in saved)}) "
                                 f"but its executed copy {run.executed} shows only {shown} image/png output(s)")


def test_real_data_figures_are_never_committed():
    """Figures saved with ``real_data=True`` show licensed recordings: none may sit in figures/ or the baselines."""
    committed = {p.stem for p in (paths.repo_root() / "figures").glob("*.png")}
    baselines = {p.stem for p in harness.BASELINES.glob("*.png")}
    for path in NOTEBOOKS:
        code = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code")
        for name in re.findall(r'savefig\(fig, "([^"]+)",[^)]*real_data=True', code):
            assert name not in committed, f"figures/{name}.png shows real recordings ({path.name}); delete it"
            assert name not in baselines, f"tests/baselines/{name}.png shows real recordings ({path.name}); delete it"


@pytest.mark.notebooks
def test_event_notebook_runs_on_cap_files(tmp_path, monkeypatch):
    """Notebook 06 with ``DATASET="cap"`` reads CAP-format nights through the real CAP loader.

    This second version of 06 writes its figures and results under its own build folder, so the
    session's smoke outputs (and their regression) stay those of the default version.
    """
    from fusionlab.cli.notebook_runner import execute_notebook
    from fusionlab.data.synthetic import synthetic_event_dataset, write_cap_nights

    monkeypatch.setenv("FUSIONLAB_BUILD", str(tmp_path / "build"))  # the kernel inherits it
    events = synthetic_event_dataset(240, seed=1, n_subjects=8)
    write_cap_nights(events, tmp_path / "cap")
    notebook = next(p for p in NOTEBOOKS if p.stem.startswith("06_"))
    run = execute_notebook(notebook, "smoke", tmp_path / "executed",
                           parameters={"DATASET": "cap", "CAP_DIR": str(tmp_path / "cap")})
    executed = nbformat.read(run.output, as_version=4)
    text = "\n".join(o.get("text", "") for c in executed.cells if c.cell_type == "code" for o in c.get("outputs", []))
    assert "cap: 240 events from 8 subjects" in text
    assert "all checks passed" in text

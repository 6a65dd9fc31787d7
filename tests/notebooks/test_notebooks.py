"""Every lesson runs headlessly with papermill in the smoke profile; its figures match the baselines."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from matplotlib.testing.compare import compare_images

from fusionlab import paths
from fusionlab.notebook_runner import list_notebooks

NOTEBOOKS = list_notebooks()
BASELINES = Path(__file__).resolve().parents[1] / "baselines"
# Figures compared against a committed baseline, with the RMS tolerance (0-255 grey levels).
# Training on CPU is deterministic for a fixed thread count; the tolerance absorbs font/antialiasing drift.
FIGURE_TOLERANCE = {"05_decision_boundaries": 6.0}


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
    for forbidden in ("sys.path", ".cuda()", "%run", "\ndef "):
        assert forbidden not in code, f"{path.name} contains {forbidden!r}: logic belongs in the package"
    assert "all checks passed" in nb.cells[-1].source, f"{path.name}: last cell must be the checks"


@pytest.mark.notebooks
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_in_smoke_profile(path, run_smoke):
    run = run_smoke(path)
    executed = nbformat.read(run.output, as_version=4)
    errors = [o for c in executed.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors
    last = executed.cells[-1]
    assert any("all checks passed" in o.get("text", "") for o in last.get("outputs", []))


@pytest.mark.figures
@pytest.mark.parametrize("name", sorted(FIGURE_TOLERANCE))
def test_figure_matches_baseline(name, run_smoke):
    notebook = next(p for p in NOTEBOOKS if p.stem == name)
    run_smoke(notebook)
    produced = paths.figures_dir("smoke") / f"{name}.png"
    baseline = BASELINES / f"{name}.png"
    assert produced.is_file(), f"{notebook.name} did not write {produced}"
    assert baseline.is_file(), f"no baseline {baseline}: copy a reviewed smoke figure there"
    result = compare_images(str(baseline), str(produced), tol=FIGURE_TOLERANCE[name], in_decorator=True)
    assert result is None, f"{name} differs from its baseline: RMS {result['rms']:.2f} > {result['tol']}"


def test_real_data_figures_are_never_committed():
    """Figures saved with ``real_data=True`` show licensed recordings: none may sit in figures/."""
    import re

    committed = {p.stem for p in (paths.repo_root() / "figures").glob("*.png")}
    for path in NOTEBOOKS:
        code = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code")
        for name in re.findall(r'savefig\(fig, "([^"]+)",[^)]*real_data=True', code):
            assert name not in committed, f"figures/{name}.png shows real recordings ({path.name}); delete it"


@pytest.mark.notebooks
def test_event_notebook_runs_on_cap_files(tmp_path):
    """Notebook 06 with ``DATASET="cap"`` reads CAP-format nights through the real CAP loader."""
    from fusionlab.data.synthetic import synthetic_event_dataset, write_cap_nights
    from fusionlab.notebook_runner import execute_notebook

    events = synthetic_event_dataset(240, seed=1, n_subjects=8)
    write_cap_nights(events, tmp_path / "cap")
    notebook = next(p for p in NOTEBOOKS if p.stem.startswith("06_"))
    run = execute_notebook(notebook, "smoke", tmp_path / "executed",
                           parameters={"DATASET": "cap", "CAP_DIR": str(tmp_path / "cap")})
    executed = nbformat.read(run.output, as_version=4)
    text = "\n".join(o.get("text", "") for c in executed.cells if c.cell_type == "code" for o in c.get("outputs", []))
    assert "cap: 240 events from 8 subjects" in text
    assert "all checks passed" in text

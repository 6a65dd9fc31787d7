"""The module names from before the layer layout still work (fusionlab._compat), so lessons, scripts and other
branches written against them keep running: same module objects, the attributes lessons read, ``python -m``."""

from __future__ import annotations

import importlib
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from fusionlab import _compat

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("old", sorted(_compat.MOVED))
def test_old_module_name_gives_the_moved_module(old):
    module = importlib.import_module(f"fusionlab.{old}")
    assert module is importlib.import_module(f"fusionlab.{_compat.MOVED[old]}")
    assert module.__spec__.name == f"fusionlab.{_compat.MOVED[old]}"  # its own spec, not the alias's


def test_old_packages_expose_their_old_attributes():
    import fusionlab as fl
    from fusionlab import ecg
    from fusionlab import events as ev

    assert ecg.protocol is importlib.import_module("fusionlab.stats.mitdb_protocol")
    assert ecg.views is importlib.import_module("fusionlab.spectral.beat_views")
    assert callable(ecg.run_ecg_domains) and callable(ecg.tables.best_fused_model)
    assert callable(ev.plot_ablation) and callable(ev.check_fields)
    assert fl.reference.qin is importlib.import_module("fusionlab.studies.step_fusion.reference")
    assert callable(fl.reference.hayes_sun_logic_table) and callable(fl.reference.core_sleep_table_i)
    assert callable(fl.exercises.check) and callable(fl.course.course_table)
    with pytest.raises(AttributeError, match="no attribute 'no_such_name'"):
        ev.no_such_name  # noqa: B018


@pytest.mark.parametrize("old", ["fusionlab.notebook_runner", "fusionlab.exercises"])
def test_python_dash_m_runs_an_old_name(old):
    done = subprocess.run([sys.executable, "-m", old, "--help"], cwd=ROOT, capture_output=True, text=True,
                          check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "usage:" in done.stdout


def test_every_import_line_of_the_lessons_resolves():
    """The import statements in the notebooks' code cells, executed in one fresh interpreter."""
    lines = set()
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        for cell in json.loads(path.read_text())["cells"]:
            if cell["cell_type"] != "code":
                continue
            source = "".join(cell["source"])
            for match in re.finditer(r"^(from fusionlab[\w.]* import [^\n(]+|from fusionlab[\w.]* import \([^)]*\)|"
                                     r"import fusionlab[\w.]*(?: as \w+)?)", source, re.M):
                lines.add(match.group(1))
    assert lines, "no import lines found in notebooks/"
    done = subprocess.run([sys.executable, "-c", "\n".join(sorted(lines))], cwd=ROOT, capture_output=True,
                          text=True, check=False, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]

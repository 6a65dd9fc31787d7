"""Light imports: what a command or a lesson does not use is not loaded (issue #14). Each check runs in a fresh
interpreter and looks at ``sys.modules``; the timings are in ``benchmarks/import_time.py``, not here."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("mne", "timm", "transformers", "pyts", "seaborn", "sklearn.decomposition", "torchvision", "imblearn")


def loaded_after(code: str, watch: tuple[str, ...]) -> list[str]:
    """Which of ``watch`` are in ``sys.modules`` after running ``code`` in a fresh interpreter."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps([m for m in {list(watch)!r} if m in sys.modules]))"
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=False,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_import_fusionlab_loads_no_scientific_stack():
    assert loaded_after("import fusionlab", ("torch", "numpy", "pandas", *HEAVY)) == []


@pytest.mark.parametrize("argv", [["--help"], ["fetch", "--help"], ["fetch", "--list"]])
def test_cli_does_not_load_torch_or_heavy_dependencies(argv):
    code = ("import contextlib, io\nfrom fusionlab.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            f"    try:\n        main({argv!r})\n    except SystemExit:\n        pass")
    assert loaded_after(code, ("torch", "scipy", "pandas", *HEAVY)) == []


def test_create_model_loads_no_heavy_dependency():
    code = ("import fusionlab as fl\nspecs = fl.get_entry('basic_late').example_spec\n"
            "fl.create_model('basic_late', specs, 3)")
    assert loaded_after(code, (*HEAVY, "fusionlab.data.events.cap", "fusionlab.data.edf")) == []


def _lazy_maps() -> dict[str, dict[str, str]]:
    maps = {}
    for init in (ROOT / "fusionlab").rglob("__init__.py"):
        tree = ast.parse(init.read_text())
        for node in tree.body:
            if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "_EXPORTS" for t in node.targets):
                package = ".".join(init.parent.relative_to(ROOT).parts)
                maps[package] = ast.literal_eval(node.value)
    return maps


def test_lazy_maps_point_only_inside_their_package():
    """A lazy name cannot hide an upward import: it names only the package's own submodules."""
    maps = _lazy_maps()
    assert "fusionlab.data" in maps, "fusionlab/data/__init__.py is expected to re-export lazily"
    for package, exports in maps.items():
        outside = {name: target for name, target in exports.items() if not target.startswith(package + ".")}
        assert not outside, f"{package}: lazy names that point outside the package: {outside}"


def test_lazy_names_resolve():
    import importlib

    for package, exports in _lazy_maps().items():
        module = importlib.import_module(package)
        for name in exports:
            assert getattr(module, name) is not None, f"{package}.{name}"

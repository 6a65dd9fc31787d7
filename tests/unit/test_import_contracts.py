"""The package's import contracts (``[tool.importlinter]`` in pyproject.toml) hold.

Layers: foundation (paths, profiles, repro, results) -> data -> spectral -> models -> train -> stats | viz ->
studies -> cli; no paper's study imports another; encoders do not import fusion blocks. import-linter reads
every import statement, function-local ones included, so a lazy import cannot hide an upward edge.
The tool comes with the dev extras (``pip install -e .[dev]``, as ``make test`` and CI do).
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _run_lint_imports() -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    code = "import sys; from importlinter.cli import lint_imports; sys.exit(lint_imports(no_cache=True))"
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=600, check=False)


@pytest.mark.skipif(importlib.util.find_spec("importlinter") is None,
                    reason="import-linter is not installed (it is in the dev extras: pip install -e '.[dev]')")
def test_import_contracts_hold():
    done = _run_lint_imports()
    assert done.returncode == 0, f"lint-imports found broken contracts:\n{done.stdout}\n{done.stderr}"


@pytest.mark.skipif(importlib.util.find_spec("importlinter") is None,
                    reason="import-linter is not installed (it is in the dev extras: pip install -e '.[dev]')")
def test_contracts_name_every_layer_package():
    """Every subpackage of fusionlab sits in a layer of the contract, so a new one cannot escape the check."""
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    layers = next(c for c in config["contracts"] if c["type"] == "layers")["layers"]
    named = {part.strip() for layer in layers for part in layer.replace("|", ":").split(":")}
    package = ROOT / "fusionlab"
    found = {p.name for p in package.iterdir() if (p / "__init__.py").is_file()}
    found |= {p.stem for p in package.glob("*.py") if not p.stem.startswith("_")}
    assert found <= named, f"not in any layer of [tool.importlinter]: {sorted(found - named)}"


def test_the_package_itself_uses_no_old_module_name():
    """Old names (fusionlab._compat) are for lessons and scripts; inside the package an import of one would be
    invisible to the contracts, so every import names a module's current home."""
    import ast

    from fusionlab import _compat

    old = {f"fusionlab.{name}" for name in (*_compat.MOVED, *_compat.MERGED)}
    found = []
    for path in sorted((ROOT / "fusionlab").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
            found += [f"{path.relative_to(ROOT)}:{node.lineno} imports {n}" for n in names
                      if any(n == o or n.startswith(o + ".") for o in old)]
    assert not found, "\n".join(found)

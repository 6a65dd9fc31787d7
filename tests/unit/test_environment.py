"""pyproject.toml and environment.yml name the same dependencies; the two commands stay true."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# conda-forge spells a few packages differently from PyPI.
CONDA_NAMES = {"torch": "pytorch"}


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~;\[ ]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _pyproject() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = {_name(r) for r in project["dependencies"]}
    names |= {_name(r) for r in project["optional-dependencies"]["dev"]}
    return {CONDA_NAMES.get(n, n) for n in names}


def _environment() -> set[str]:
    """Packages of the top-level ``dependencies:`` list, conda items and the ``pip:`` sub-list."""
    names, inside = set(), False
    for line in (ROOT / "environment.yml").read_text().splitlines():
        if not line.startswith(" "):
            inside = line.startswith("dependencies:")
            continue
        match = re.match(r"^\s+- ([A-Za-z0-9_][A-Za-z0-9_.\-]*)", line)
        if inside and match and match.group(1) not in ("pip", "python"):
            names.add(_name(match.group(1)))
    return names


def test_every_dependency_is_in_both_files():
    pyproject, environment = _pyproject(), _environment()
    assert pyproject - environment == set(), "in pyproject.toml but not environment.yml"
    assert environment - pyproject == set(), "in environment.yml but not pyproject.toml"


def test_environment_installs_the_package():
    text = (ROOT / "environment.yml").read_text()
    assert "conda-forge" in text and "python=3.11" in text and "-e .[dev]" in text


def test_user_named_libraries_are_dependencies():
    for name in ("jupyterlab", "papermill", "pytorch", "transformers", "timm", "mne", "matplotlib", "seaborn",
                 "scikit-learn"):
        assert name in _pyproject(), name


def test_requirements_admit_the_tested_torch_pair():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    torch_req = next(r for r in project["dependencies"] if _name(r) == "torch")
    vision_req = next(r for r in project["dependencies"] if _name(r) == "torchvision")
    from packaging.requirements import Requirement

    assert Requirement(torch_req).specifier.contains("2.14.1")
    assert Requirement(vision_req).specifier.contains("0.29.1")


def test_readme_two_commands_and_ci():
    readme = (ROOT / "README.md").read_text()
    assert "make notebooks" in readme and "make test" in readme
    assert "make test" in (ROOT / ".ci" / "run").read_text()

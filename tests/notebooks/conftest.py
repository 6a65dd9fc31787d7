"""Execute each notebook once per test session (smoke profile) and share the result."""

from __future__ import annotations

from pathlib import Path

import pytest

from fusionlab import paths
from fusionlab.notebook_runner import NotebookRun, execute_notebook


@pytest.fixture(scope="session")
def smoke_dirs() -> dict[str, Path]:
    """Fresh folders for executed notebooks and smoke figures of this session."""
    base = paths.build_dir() / "test-smoke"
    return {"notebooks": base / "notebooks", "figures": paths.figures_dir("smoke")}


@pytest.fixture(scope="session")
def run_smoke(smoke_dirs):
    """``run_smoke(path)`` executes a notebook in the smoke profile once and caches the outcome."""
    cache: dict[Path, NotebookRun | BaseException] = {}

    def run(path: Path) -> NotebookRun:
        if path not in cache:
            try:
                cache[path] = execute_notebook(path, "smoke", smoke_dirs["notebooks"])
            except BaseException as err:  # remembered, so a second test does not run it again
                cache[path] = err
        outcome = cache[path]
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    return run

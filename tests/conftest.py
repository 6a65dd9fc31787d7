"""Shared fixtures: the real-recordings folder, and a clean figures folder per test session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` (or ``$FUSIONLAB_SHARED_DATA``); skips the test with a reason when absent."""
    from fusionlab.paths import shared_data_dir

    folder = shared_data_dir()
    if folder is None:
        pytest.skip("real recordings not found: set FUSIONLAB_SHARED_DATA or place shared/data beside the repo")
    return folder

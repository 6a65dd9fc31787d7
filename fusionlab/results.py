"""A lesson's key numbers as a small JSON file, for papermill-driven regression.

Each lesson ends by recording the numbers its tables show::

    fl.results.save_results("05_decision_boundaries", {"table3_and": table3, "bayes": 0.93}, profile=PROFILE)

The file ``<build>/results/<profile>/<lesson>.results.json`` is what the notebook tests compare with
the committed baselines in ``tests/baselines/results/`` (within stated tolerances).

Values may be numbers, strings, booleans, ``None``, lists, dicts, numpy scalars/arrays and pandas
Series/DataFrames; a DataFrame is stored as ``{row: {column: value}}`` so that a diff names the cell.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fusionlab import paths

SUFFIX = ".results.json"


def to_jsonable(value: Any, where: str = "results") -> Any:
    """Convert ``value`` to plain JSON types; ``where`` names it in errors (e.g. ``results['table3']``)."""
    import numpy as np

    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas is a dependency
        pd = None
    if pd is not None and isinstance(value, pd.DataFrame):
        return {str(row): {str(col): to_jsonable(v, f"{where}[{row!r}][{col!r}]") for col, v in cells.items()}
                for row, cells in value.to_dict(orient="index").items()}
    if pd is not None and isinstance(value, pd.Series):
        return {str(k): to_jsonable(v, f"{where}[{k!r}]") for k, v in value.items()}
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v, f"{where}[{k!r}]") for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return [to_jsonable(v, f"{where}[{i}]") for i, v in enumerate(value.tolist())]
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)  # JSON has no NaN/inf: keep them readable
    raise TypeError(f"{where}: cannot store a {type(value).__name__} as a result; "
                    "expected a number, string, bool, None, list, dict, numpy value or pandas table")


def results_path(lesson: str, profile: str | None = None) -> Path:
    """Where :func:`save_results` writes ``lesson``'s numbers for ``profile``."""
    if not lesson or "/" in lesson or "\\" in lesson or lesson.endswith(".json"):
        raise ValueError(f"lesson must be a bare name such as '05_decision_boundaries', got {lesson!r}")
    return paths.results_dir(profile) / f"{lesson}{SUFFIX}"


def save_results(lesson: str, results: Mapping[str, Any], *, profile: str | None = None) -> Path:
    """Write ``results`` (name -> value) as the lesson's results JSON, atomically; return the path."""
    if not isinstance(results, Mapping) or not results:
        raise ValueError(f"results of {lesson!r} must be a non-empty mapping name -> value, got {results!r}")
    target = results_path(lesson, profile)
    payload = json.dumps(to_jsonable(dict(results)), indent=1, sort_keys=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{lesson}.", suffix=".json", dir=target.parent)
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(payload + "\n")
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def load_results(path: str | os.PathLike) -> dict:
    """Read a results JSON written by :func:`save_results`."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no results file {path}: run the lesson first")
    return json.loads(path.read_text())

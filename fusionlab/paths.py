"""Where fusionlab reads and writes: repository root, data cache, figures and results.

Every location can be moved with an environment variable, so that tests, CI and users with
their own data layout never need to edit code:

``FUSIONLAB_DATA``         download cache (default ``<repo>/data``)
``FUSIONLAB_SHARED_DATA``  read-only real recordings for tests (default ``<repo>/../shared/data``)
``FUSIONLAB_FIGURES``      where :func:`fusionlab.viz.savefig` writes (default: see :func:`figures_dir`)
``FUSIONLAB_BUILD``        scratch outputs: executed notebooks, smoke figures, results (default ``<repo>/build``)
"""

from __future__ import annotations

import os
from pathlib import Path

from fusionlab.profiles import check_profile, default_profile


def repo_root() -> Path:
    """The repository checkout that holds this package (falls back to the working directory).

    The package is installed in editable mode by the Makefile, so its parent folder is the
    checkout; an ordinary (non-editable) install has no checkout and uses the current directory.
    """
    here = Path(__file__).resolve().parent.parent
    if (here / "pyproject.toml").is_file() and (here / "notebooks").is_dir():
        return here
    return Path.cwd()


def _env_path(name: str) -> Path | None:
    value = os.environ.get(name)
    return Path(value).expanduser() if value else None


def build_dir() -> Path:
    """Scratch folder for executed notebooks, smoke-profile figures and results (git-ignored)."""
    return _env_path("FUSIONLAB_BUILD") or repo_root() / "build"


def data_dir() -> Path:
    """The download cache for datasets fetched by ``fusionlab fetch`` (git-ignored)."""
    return _env_path("FUSIONLAB_DATA") or repo_root() / "data"


def shared_data_dir() -> Path | None:
    """Folder of real recordings used by tests and lessons, or ``None`` when it is absent."""
    path = _env_path("FUSIONLAB_SHARED_DATA") or repo_root().parent / "shared" / "data"
    return path if path.is_dir() else None


def figures_dir(profile: str | None = None, *, real_data: bool = False) -> Path:
    """Where figures of a notebook run go.

    The ``standard`` and ``full`` profiles write the committed reference figures in
    ``<repo>/figures``. The ``smoke`` profile (CI) writes to ``<build>/figures-smoke`` so that
    a quick run never overwrites the reference figures.

    Figures that show real recordings (``real_data=True``) go to ``<build>/figures-real/<profile>``
    in every profile: they are derived from the databases, whose licences (DREAMS: no derivatives)
    do not let the project redistribute them, so they are never committed.
    """
    override = _env_path("FUSIONLAB_FIGURES")
    if override is not None:
        return override / "real" if real_data else override
    profile = check_profile(profile if profile is not None else default_profile())
    if real_data:
        return build_dir() / "figures-real" / profile
    if profile == "smoke":
        return build_dir() / "figures-smoke"
    return repo_root() / "figures"


def results_dir(profile: str | None = None) -> Path:
    """Where result tables (CSV/JSON) of a notebook run go: ``<build>/results/<profile>``."""
    profile = check_profile(profile if profile is not None else default_profile())
    return build_dir() / "results" / profile


def notebooks_dir() -> Path:
    """The folder of the ordered lessons."""
    return repo_root() / "notebooks"

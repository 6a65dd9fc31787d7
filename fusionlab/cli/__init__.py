"""The ``fusionlab`` command (:mod:`~fusionlab.cli.main`), the notebook runner, the course outline and the
exercise tooling (student / instructor versions).

Nothing heavy is imported here: ``fusionlab --help`` loads only argparse.
"""

from fusionlab.cli.main import main

__all__ = ["main"]

from fusionlab._lazy import lazy_exports  # noqa: E402

# Submodules (``.reference``, ``.study`` ...) load on first attribute access.
__getattr__, __dir__ = lazy_exports(__name__, {})

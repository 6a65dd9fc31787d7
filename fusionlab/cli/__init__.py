"""The ``fusionlab`` command (:mod:`~fusionlab.cli.main`), the notebook runner, the course outline and the
exercise tooling (student / instructor versions).

Nothing heavy is imported here: ``fusionlab --help`` loads only argparse.
"""

from fusionlab.cli.main import main

__all__ = ["main"]

"""``python -m fusionlab.cli``: the ``fusionlab`` command."""

import sys

from fusionlab.cli.main import main

sys.exit(main())

"""``python -m helpers report ...``: the command line lives in :mod:`helpers.edge.cli`."""

import sys

from helpers.edge.cli import main

if __name__ == "__main__":
    sys.exit(main())

"""`python -m estimator` entry point."""

import sys

from estimator.cli import main

sys.exit(main())

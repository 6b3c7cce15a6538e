"""`python -m estimator` entry point. It hands the clinic store's commands (`clinic ...`, `batch --clinic`) to the
`clinic` package, imported only when such a command runs: this is the one module of estimator/ that may name it."""

import sys

from estimator.cli import StoreHandler, main


def _clinic_store() -> StoreHandler:
    from clinic.cli import run

    return run


sys.exit(main(store=_clinic_store))

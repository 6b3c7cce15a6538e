"""Cost and insurance estimator for ketamine and SPRAVATO treatment (pure core, no UI)."""

from estimator.engine import estimate
from estimator.models import Scenario

__all__ = ["Scenario", "estimate"]

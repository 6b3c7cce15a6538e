"""Warnings with stable codes (SPEC §4.7): at most one per code and date, in plain English."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

CODES = (
    "no_coverage_info",
    "prior_auth_expired",
    "plan_year_reset",
    "oop_max_reached",
    "program_max_reached",
    "savings_program_ineligible",
    "mileage_rate_assumed",
    "fsa_over_limit",
    "horizon_cuts_course",
    "prior_auth_units_exhausted",
    "program_state_restricted",
)
# A short name for each code, for lists that cannot hold the full message (the Compare page).
LABELS = {
    "no_coverage_info": "a service has no coverage information",
    "prior_auth_expired": "prior authorization ends before the course does",
    "plan_year_reset": "a new plan year starts",
    "oop_max_reached": "out-of-pocket maximum reached",
    "program_max_reached": "a savings program's yearly maximum is used up",
    "savings_program_ineligible": "a savings program does not apply to this coverage",
    "mileage_rate_assumed": "a mileage rate is assumed",
    "fsa_over_limit": "the FSA election is above the IRS limit",
    "horizon_cuts_course": "the estimate ends before the course does",
    "prior_auth_units_exhausted": "the prior authorization's units run out",
    "program_state_restricted": "a savings program is not valid in some states",
}


@dataclass(frozen=True, slots=True)
class Warning:
    code: str
    message: str
    date: dt.date | None


class WarningLog:
    """Collects warnings; a second warning with the same code and date joins the first one's message."""

    def __init__(self) -> None:
        self._items: dict[tuple[str, dt.date | None], list[str]] = {}

    def add(self, code: str, message: str, date: dt.date | None = None) -> None:
        assert code in CODES, code
        messages = self._items.setdefault((code, date), [])
        if message not in messages:
            messages.append(message)

    def result(self) -> list[Warning]:
        """Undated warnings first, then by date; same-date warnings keep the order they were raised."""
        keys = sorted(self._items, key=lambda k: (k[1] is not None, k[1] or dt.date.min))
        return [Warning(code, " ".join(self._items[(code, d)]), d) for code, d in keys]

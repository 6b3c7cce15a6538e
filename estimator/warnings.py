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
)


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

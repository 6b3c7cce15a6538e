"""Warnings with stable codes (SPEC §4.7): at most one per code and date, each raised with the values it is about
(dates, amounts, names) and worded from them in estimator.wording."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import Field

from estimator.wording import warning_sentence

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


@dataclass(frozen=True, slots=True)
class Warning:
    """`message` is the result JSON's text (ISO dates, SPEC §4.7); `facts` holds the values of each sentence joined
    in it, for people text (wording.warning_text), and stays out of the JSON."""

    code: str
    message: str
    date: dt.date | None
    facts: Annotated[tuple[dict[str, Any], ...], Field(exclude=True)] = field(default=(), hash=False)


class WarningLog:
    """Collects warnings; a second warning with the same code and date joins the first one's message."""

    def __init__(self) -> None:
        self._items: dict[tuple[str, dt.date | None], list[dict[str, Any]]] = {}

    def add(self, code: str, date: dt.date | None = None, **facts: Any) -> None:
        """Raise `code` on `date` about `facts` (the values its wording needs); the same facts twice count once."""
        assert code in CODES, code
        raised = self._items.setdefault((code, date), [])
        if facts not in raised:
            raised.append(facts)

    def result(self) -> list[Warning]:
        """Undated warnings first, then by date; same-date warnings keep the order they were raised."""
        keys = sorted(self._items, key=lambda k: (k[1] is not None, k[1] or dt.date.min))
        return [
            Warning(
                code,
                " ".join(warning_sentence(code, f) for f in self._items[(code, d)]),
                d,
                tuple(self._items[(code, d)]),
            )
            for code, d in keys
        ]

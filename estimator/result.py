"""The estimate result (SPEC §4.7) and its JSON form."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pydantic import TypeAdapter

from estimator.accounts import AccountsResult, TimeOffResult, TravelResult
from estimator.financing import FinancingResult
from estimator.warning_log import Warning


@dataclass(slots=True)
class Line:
    service: str
    code: str
    quantity: int
    charge: Decimal
    allowed: Decimal
    write_off: Decimal
    balance_bill: Decimal
    deductible: Decimal
    coinsurance: Decimal
    copay: Decimal
    plan_pays: Decimal
    program_pays: Decimal
    patient_pays: Decimal
    covered: bool
    plan_year: dt.date
    network: str | None  # "in" or "out": the tier a covered line used (pharmacy "in"); None when not covered


@dataclass(slots=True)
class Session:
    date: dt.date
    phase: str
    lines: list[Line]

    @property
    def patient_pays(self) -> Decimal:
        return sum((ln.patient_pays for ln in self.lines), Decimal("0.00"))


@dataclass(frozen=True, slots=True)
class Totals:
    sessions: int
    visits: int
    charges: Decimal
    plan_pays: Decimal
    program_pays: Decimal
    patient_pays: Decimal
    balance_bill: Decimal
    write_off: Decimal
    not_covered: Decimal


@dataclass(frozen=True, slots=True)
class PlanYearTotal:
    plan_year: dt.date
    patient_pays: Decimal
    deductible: Decimal
    oop_reached_on: dt.date | None


@dataclass(frozen=True, slots=True)
class PhaseTotal:
    sessions: int
    patient_pays: Decimal


@dataclass(frozen=True, slots=True)
class Result:
    sessions: list[Session]
    totals: Totals
    by_plan_year: list[PlanYearTotal]
    by_phase: dict[str, PhaseTotal]
    accounts: AccountsResult | None
    travel: TravelResult | None
    time_off: TimeOffResult | None
    financing: FinancingResult | None
    warnings: list[Warning]


RESULT_ADAPTER: TypeAdapter[Result] = TypeAdapter(Result)


def result_to_json(result: Result) -> dict[str, Any]:
    """The result as JSON-ready data: amounts as strings with two decimals, dates as YYYY-MM-DD."""
    return RESULT_ADAPTER.dump_python(result, mode="json")

"""Chart and table views of a result over time (pure data; the UI only draws them)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from estimator.money import ZERO, round_cents
from estimator.result import Result
from estimator.wording import service_label

if TYPE_CHECKING:
    from estimator.models import Scenario


@dataclass(frozen=True, slots=True)
class CumulativePoint:
    date: dt.date
    plan_year: dt.date
    you_pay: Decimal  # paid on this date
    cumulative: Decimal  # paid so far over the whole course
    cumulative_in_plan_year: Decimal  # paid so far in this plan year (resets with the plan year)


def cumulative_points(result: Result) -> list[CumulativePoint]:
    """What the patient has paid by each visit date, overall and within the plan year."""
    by_day: dict[tuple[dt.date, dt.date], Decimal] = {}
    for s in result.sessions:
        for ln in s.lines:
            key = (s.date, ln.plan_year)
            by_day[key] = by_day.get(key, ZERO) + ln.patient_pays
    points: list[CumulativePoint] = []
    total = ZERO
    year_totals: dict[dt.date, Decimal] = {}
    for (day, year), paid in sorted(by_day.items()):
        total += paid
        year_totals[year] = year_totals.get(year, ZERO) + paid
        points.append(CumulativePoint(day, year, paid, total, year_totals[year]))
    return points


@dataclass(frozen=True, slots=True)
class MonthShare:
    month: str  # YYYY-MM
    payer: str  # "You", "Insurance", "Savings program"
    amount: Decimal


PAYERS = ("You", "Insurance", "Savings program")


def monthly_by_payer(result: Result) -> list[MonthShare]:
    """Who pays what in each calendar month of the course, months without a visit and zeros included (a
    chart's month axis then keeps its spacing)."""
    months: dict[str, list[Decimal]] = {}
    if result.sessions:
        day, last = result.sessions[0].date.replace(day=1), result.sessions[-1].date
        while day <= last:
            months[day.strftime("%Y-%m")] = [ZERO, ZERO, ZERO]
            day = (day + dt.timedelta(days=32)).replace(day=1)
    for s in result.sessions:
        row = months.setdefault(s.date.strftime("%Y-%m"), [ZERO, ZERO, ZERO])
        for ln in s.lines:
            row[0] += ln.patient_pays
            row[1] += ln.plan_pays
            row[2] += ln.program_pays
    return [MonthShare(m, payer, amounts[i]) for m, amounts in sorted(months.items()) for i, payer in enumerate(PAYERS)]


@dataclass(frozen=True, slots=True)
class SessionRow:
    date: dt.date
    phase: str
    services: str
    charge: Decimal
    insurance: Decimal
    program: Decimal
    you_pay: Decimal
    running_total: Decimal


def session_rows(result: Result, scenario: Scenario | None = None) -> list[SessionRow]:
    """One row per session: what was billed, who pays, and the patient's running total.

    Services are the ids ("spravato_drug x2, therapy"), or with the scenario their names for people ("SPRAVATO 28 mg
    device × 2; Integration psychotherapy, 60 min": a clinic's description may hold a comma)."""
    rows: list[SessionRow] = []
    running = ZERO
    for s in result.sessions:
        you = sum((ln.patient_pays for ln in s.lines), ZERO)
        running += you
        if scenario is None:
            services = ", ".join(ln.service if ln.quantity == 1 else f"{ln.service} x{ln.quantity}" for ln in s.lines)
        else:
            services = "; ".join(
                service_label(scenario, ln.service) + (f" × {ln.quantity}" if ln.quantity != 1 else "")
                for ln in s.lines
            )
        rows.append(
            SessionRow(
                s.date,
                s.phase,
                services,
                sum((ln.charge for ln in s.lines), ZERO),
                sum((ln.plan_pays for ln in s.lines), ZERO),
                sum((ln.program_pays for ln in s.lines), ZERO),
                you,
                running,
            )
        )
    return rows


def plan_year_resets(result: Result) -> list[dt.date]:
    """Start dates of plan years after the first that the course reaches (where accumulators reset)."""
    return [py.plan_year for py in result.by_plan_year[1:]]


def average_per_session(result: Result) -> Decimal | None:
    """What the patient pays per treatment session on average, half-up to cents (None with no sessions)."""
    n = result.totals.sessions
    return round_cents(result.totals.patient_pays / n) if n else None

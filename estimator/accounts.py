"""Paying with FSA/HSA money, tax savings, travel and time off (SPEC §4.6)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from estimator.models import Accounts, TimeOff, Travel
from estimator.money import ZERO, pct_of, round_cents
from estimator.reference import decimal_for_year, known_years
from estimator.warning_log import WarningLog


@dataclass(frozen=True, slots=True)
class AccountsResult:
    from_fsa: Decimal
    from_hsa: Decimal
    post_tax: Decimal
    tax_savings: Decimal
    net_cost: Decimal


@dataclass(frozen=True, slots=True)
class TravelResult:
    visits: int
    total: Decimal


@dataclass(frozen=True, slots=True)
class TimeOffResult:
    hours: Decimal
    total: Decimal


def travel_per_visit(travel: Travel, visits: list[dt.date], warnings: WarningLog) -> dict[dt.date, Decimal]:
    """Mileage at the entered (or IRS medical) rate for the visit's year, plus parking and rideshare."""
    per_visit: dict[dt.date, Decimal] = {}
    assumed_years: set[int] = set()
    for day in visits:
        rate = travel.mileage_rate
        if rate is None:
            rate, assumed = decimal_for_year("irs_medical_mileage_rate", day.year)
            if assumed and travel.round_trip_miles > 0 and day.year not in assumed_years:
                assumed_years.add(day.year)
                years = known_years("irs_medical_mileage_rate")
                # The rate as text: a rate per mile has more than two decimals, and no amount in a result does.
                warnings.add(
                    "mileage_rate_assumed",
                    day,
                    year=day.year,
                    rate=str(rate),
                    first_known=years[0],
                    last_known=years[-1],
                )
        extras = travel.parking_per_visit + travel.rideshare_per_visit
        per_visit[day] = round_cents(travel.round_trip_miles * rate) + extras
    return per_visit


def pay_from_accounts(
    accounts: Accounts,
    expenses_by_visit: list[tuple[dt.date, dt.date, Decimal]],
    first_plan_year: dt.date,
    fica_pct: Decimal,
) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    """(from_fsa, from_hsa, post_tax, tax_savings) paying each visit, in date order, FSA then HSA then cash.

    `expenses_by_visit` holds (date, plan year start, qualified expense) per visit.
    """
    fsa_left: dict[dt.date, Decimal] = {}
    hsa_left = accounts.hsa_available
    from_fsa = from_hsa = post_tax = ZERO
    for _day, year, expense in sorted(expenses_by_visit):
        if year not in fsa_left:
            fsa_left[year] = accounts.fsa_available if year == first_plan_year else accounts.fsa_next_years
        use_fsa = min(expense, fsa_left[year])
        fsa_left[year] -= use_fsa
        use_hsa = min(expense - use_fsa, hsa_left)
        hsa_left -= use_hsa
        from_fsa += use_fsa
        from_hsa += use_hsa
        post_tax += expense - use_fsa - use_hsa
    rate = accounts.federal_rate_pct + accounts.state_rate_pct + (fica_pct if accounts.payroll else ZERO)
    return from_fsa, from_hsa, post_tax, pct_of(from_fsa + from_hsa, rate)


def fsa_limit_warnings(accounts: Accounts, later_plan_years: list[dt.date], warnings: WarningLog) -> None:
    """Warn when the later plan years' FSA election is above the IRS health FSA limit of their year."""
    for year in later_plan_years:
        limit, assumed = decimal_for_year("health_fsa_limit", year.year)
        if accounts.fsa_next_years > limit:
            warnings.add(
                "fsa_over_limit", year, election=accounts.fsa_next_years, plan_year=year, limit=limit, assumed=assumed
            )


def time_off_cost(time_off: TimeOff, visits: int) -> TimeOffResult:
    """Hours away for treatment and the wages they represent (an indirect cost)."""
    hours = visits * time_off.hours_per_visit
    return TimeOffResult(hours, round_cents(hours * time_off.hourly_wage))

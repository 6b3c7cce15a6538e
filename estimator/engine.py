"""One estimate: calendar, charges, adjudication, programs, accounts and totals (SPEC §4)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from estimator.accounts import (
    AccountsResult,
    TravelResult,
    fsa_limit_warnings,
    pay_from_accounts,
    time_off_cost,
    travel_per_visit,
)
from estimator.adjudication import Adjudicator
from estimator.financing import amortize
from estimator.models import Scenario
from estimator.money import CENT, ZERO
from estimator.pricing import line_charges
from estimator.programs import ProgramBook
from estimator.reference import latest_decimal
from estimator.result import Line, PhaseTotal, PlanYearTotal, Result, Session, Totals
from estimator.schedule import build_calendar
from estimator.warning_log import Warning, WarningLog
from estimator.wording import quiet_years_note


def _sum(values: list[Decimal]) -> Decimal:
    return sum(values, ZERO)


def year_change_is_quiet(scenario: Scenario) -> bool:
    """A new year changes nothing in the estimate: self-pay prices don't reset, and no FSA election is in play."""
    a = scenario.accounts
    return scenario.coverage.kind == "self_pay" and (a is None or not (a.fsa_available or a.fsa_next_years))


def split_quiet_years(scenario: Scenario, warnings: Sequence[Warning]) -> tuple[list[Warning], str]:
    """The warnings to show, and one note for the year changes that change nothing (else ""): a 156-week
    self-pay course otherwise shows three warnings saying its prices are not affected."""
    if not year_change_is_quiet(scenario):
        return list(warnings), ""
    quiet = [w.date for w in warnings if w.code == "plan_year_reset" and w.date is not None]
    if not quiet:
        return list(warnings), ""
    rest = [w for w in warnings if not (w.code == "plan_year_reset" and w.date is not None)]
    return rest, quiet_years_note(quiet)


def estimate(scenario: Scenario) -> Result:
    """The full estimate for a validated scenario."""
    warnings = WarningLog()
    cov = scenario.coverage
    calendar = build_calendar(scenario.protocol, scenario.horizon_weeks)
    start = scenario.start_date
    if calendar.first_cut_day is not None:
        try:
            cut_on: dt.date | None = start + dt.timedelta(days=calendar.first_cut_day)
        except OverflowError:  # a custom day far beyond any calendar
            cut_on = None
        warnings.add("horizon_cuts_course", cut_on, weeks=scenario.horizon_weeks)
    flat = [line for s in calendar.sessions for line in s.lines]
    charges = iter(line_charges(flat, scenario.fees, scenario.packages))
    codes = {f.service: f.code for f in scenario.fees}

    adj = Adjudicator(cov, start, warnings)
    book = ProgramBook(list(scenario.savings_programs), cov.kind, warnings, scenario.patient_state)
    oop_reached: dict[dt.date, dt.date] = {}
    sessions: list[Session] = []
    for planned in calendar.sessions:
        day = start + dt.timedelta(days=planned.day)
        year = adj.plan_year(day)
        acc = adj.accumulators(year)
        book.start_session()
        lines: list[Line] = []
        for service, quantity in planned.lines:
            charge = next(charges)
            share = adj.share(day, acc, service, quantity, charge)
            if share is None:
                lines.append(
                    Line(
                        service,
                        codes[service],
                        quantity,
                        charge,
                        charge,
                        ZERO,
                        ZERO,
                        ZERO,
                        ZERO,
                        ZERO,
                        ZERO,
                        ZERO,
                        charge,
                        False,
                        year,
                        None,
                    )
                )
                continue
            total = share.total
            program_pays = ZERO
            index = book.program_for(service)
            if index is not None:
                program_pays = book.pay(index, total, day)
            counts = index is None or book.programs[index].counts_toward_accumulators
            adj.accrue(acc, share, None if counts else total - program_pays)
            if year not in oop_reached and adj.oop_reached(acc, cov.network):
                oop_reached[year] = day
            adj.warn_if_oop_reached(day, year, acc, share.tier)
            # Every amount is already in cents: inputs are held as cents and only cents are added.
            lines.append(
                Line(
                    service,
                    codes[service],
                    quantity,
                    charge,
                    share.allowed,
                    share.write_off,
                    share.balance_bill,
                    share.deductible,
                    share.coinsurance,
                    share.copay,
                    share.allowed - total,
                    program_pays,
                    total - program_pays + share.balance_bill,
                    True,
                    year,
                    share.tier,
                )
            )
        sessions.append(Session(day, planned.phase, lines))

    all_lines = [ln for s in sessions for ln in s.lines]
    visit_days = sorted({s.date for s in sessions})
    treatment_sessions = sum(1 for planned in calendar.sessions if not planned.evaluation)

    years = sorted({ln.plan_year for ln in all_lines})
    for year in years:
        if year != adj.first_year:
            change = "plan" if cov.kind != "self_pay" else "fsa" if not year_change_is_quiet(scenario) else "none"
            warnings.add("plan_year_reset", year, plan_year=year, change=change)
    # One pass over the lines for every total (sums of cents, so exact).
    year_paid: dict[dt.date, Decimal] = dict.fromkeys(years, ZERO)
    year_ded: dict[dt.date, Decimal] = dict.fromkeys(years, ZERO)
    charges = plan_pays = program_total = patient_total = balance_bill = write_off = not_covered = ZERO
    for ln in all_lines:
        charges += ln.charge
        plan_pays += ln.plan_pays
        program_total += ln.program_pays
        patient_total += ln.patient_pays
        balance_bill += ln.balance_bill
        write_off += ln.write_off
        if not ln.covered:
            not_covered += ln.patient_pays
        year_paid[ln.plan_year] += ln.patient_pays
        year_ded[ln.plan_year] += ln.deductible
    by_plan_year = [PlanYearTotal(y, year_paid[y], year_ded[y], oop_reached.get(y)) for y in years]
    by_phase: dict[str, PhaseTotal] = {}
    for s in sessions:
        prev = by_phase.get(s.phase, PhaseTotal(0, ZERO))
        by_phase[s.phase] = PhaseTotal(prev.sessions + 1, prev.patient_pays + s.patient_pays)
    totals = Totals(
        sessions=treatment_sessions,
        visits=len(visit_days),
        charges=charges,
        plan_pays=plan_pays,
        program_pays=program_total,
        patient_pays=patient_total,
        balance_bill=balance_bill,
        write_off=write_off,
        not_covered=not_covered,
    )

    travel = travel_by_visit = None
    if scenario.travel is not None:
        travel_by_visit = travel_per_visit(scenario.travel, visit_days, warnings)
        travel = TravelResult(len(visit_days), _sum(list(travel_by_visit.values())))

    accounts = None
    if scenario.accounts is not None:
        paid_by_day: dict[dt.date, Decimal] = dict.fromkeys(visit_days, ZERO)
        for ln_day, ln in ((s.date, ln) for s in sessions for ln in s.lines):
            paid_by_day[ln_day] += ln.patient_pays
        expenses = [
            (day, adj.plan_year(day), paid_by_day[day] + (travel_by_visit[day] if travel_by_visit else ZERO))
            for day in visit_days
        ]
        fica = latest_decimal("fica_rate_pct")
        from_fsa, from_hsa, post_tax, tax_savings = pay_from_accounts(scenario.accounts, expenses, adj.first_year, fica)
        travel_total = travel.total if travel else ZERO
        accounts = AccountsResult(from_fsa, from_hsa, post_tax, tax_savings, patient_total + travel_total - tax_savings)
        fsa_limit_warnings(scenario.accounts, [y for y in years if y != adj.first_year], warnings)

    time_off = time_off_cost(scenario.time_off, len(visit_days)) if scenario.time_off is not None else None
    financing = None
    if scenario.financing is not None:
        f = scenario.financing
        principal = patient_total if f.amount is None else f.amount
        financing = amortize(principal.quantize(CENT), f.apr_pct, f.months)

    return Result(
        sessions=sessions,
        totals=totals,
        by_plan_year=by_plan_year,
        by_phase=by_phase,
        accounts=accounts,
        travel=travel,
        time_off=time_off,
        financing=financing,
        warnings=warnings.result(),
    )


def finance_after_accounts(scenario: Scenario, result: Result) -> Scenario:
    """The scenario with its payment plan financing what HSA/FSA money leaves of the treatment bill: what the
    patient pays for treatment less the account money `result` used (which may also have paid travel), never
    below 0. `result` is the estimate of `scenario` as it is."""
    if scenario.financing is None or result.accounts is None:
        return scenario
    used = result.accounts.from_fsa + result.accounts.from_hsa
    amount = max(result.totals.patient_pays - used, ZERO)
    return scenario.model_copy(update={"financing": scenario.financing.model_copy(update={"amount": amount})})

"""The printable estimate (pure: a function of the scenario and its result), laid out with documents.pdf_layout."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from estimator.documents.letterhead import Letterhead, draw_letterhead, end_note
from estimator.documents.pdf_layout import Column, Doc, day, render_pdf, usd
from estimator.engine import split_quiet_years
from estimator.financing import interest_words, total_repaid
from estimator.gfe import ClinicDetails
from estimator.models import Scenario, Tier, billed_services
from estimator.money import ZERO, fmt_plain, round_cents
from estimator.reference import state_name
from estimator.result import Result, Session
from estimator.text import clean_text, count, pct
from estimator.wording import (
    AVERAGE_PER_SESSION,
    CRISIS_LINE,
    CRISIS_SHORT,
    DISCLAIMER,
    INSURANCE_PAYS,
    MONTHLY_PAYMENT,
    NET_COST_AFTER_TAX,
    NETWORKS,
    NOT_ADVICE_SHORT,
    PROGRAMS_PAY,
    TAX_SAVINGS,
    TOTAL_CHARGES,
    TRAVEL,
    YOU_PAY,
    course_words,
    coverage_kind,
    phase_label,
    phase_span,
    service_label,
    warning_text,
)

# ---------------------------------------------------------------- the printable estimate


def course_lines(scenario: Scenario, result: Result) -> list[tuple[str, str]]:
    """The course in words: type, schedule, dates and counts."""
    p = scenario.protocol
    kind, schedule = course_words(scenario)
    once = ", ".join(service_label(scenario, s) for s in p.once) or "none"
    per_session = getattr(p, "per_session", [])
    dates = [s.date for s in result.sessions]
    rows = [
        ("Treatment", kind),
        ("Schedule", schedule),
        ("Billed once, at the start", once),
    ]
    if per_session:
        rows.append(("Also at every session", ", ".join(service_label(scenario, s) for s in per_session)))
    last_visit = f" (last visit {day(max(dates))})" if dates else ""
    rows += [
        ("Starts", day(scenario.start_date)),
        ("Estimate covers", count(scenario.horizon_weeks, "week") + last_visit),
        ("Treatment sessions", str(result.totals.sessions)),
        ("Clinic visits", str(result.totals.visits)),
    ]
    return rows


def phase_runs(result: Result) -> list[tuple[str, list[Session]]]:
    """Consecutive sessions of the same phase, in course order."""
    runs: list[tuple[str, list[Session]]] = []
    for s in result.sessions:
        if runs and runs[-1][0] == s.phase:
            runs[-1][1].append(s)
        else:
            runs.append((s.phase, [s]))
    return runs


def phase_summary(phase: str, sessions: Sequence[Session]) -> str:
    """'Induction: 8 sessions, twice a week, Mar 2, 2026 to Mar 26, 2026'."""
    return phase_span(phase, [s.date for s in sessions])


def _schedule_table(doc: Doc, scenario: Scenario, result: Result) -> None:
    """Who pays what, line by line. Columns that could only hold dashes or $0.00 are left out: Insurance for
    self-pay, Program when no savings program pays anything, Discount when the clinic writes nothing off."""
    self_pay = scenario.coverage.kind == "self_pay"
    show_write_off = result.totals.write_off > 0
    show_program = result.totals.program_pays > 0
    columns = [
        Column("Date", wrap=False),
        Column("Service"),
        Column("Code", wrap=False),
        Column("Qty", "RIGHT", wrap=False),
        Column("Charge", "RIGHT", wrap=False),
    ]
    if show_write_off:
        columns.append(Column("Discount", "RIGHT", wrap=False))
    if not self_pay:
        columns.append(Column("Insurance", "RIGHT", wrap=False))
    if show_program:
        columns.append(Column("Program", "RIGHT", wrap=False))
    columns.append(Column(YOU_PAY, "RIGHT", wrap=False))
    groups: list[tuple[str, list[list[str]]]] = []
    for phase, sessions in phase_runs(result):
        rows: list[list[str]] = []
        for s in sessions:
            for ln in s.lines:
                row = [day(s.date), service_label(scenario, ln.service), clean_text(ln.code)]
                row += [str(ln.quantity), usd(ln.charge)]
                if show_write_off:
                    row.append(usd(ln.write_off))
                if not self_pay:
                    row.append(usd(ln.plan_pays) if ln.covered else "not covered")
                if show_program:
                    row.append(usd(ln.program_pays))
                row.append(usd(ln.patient_pays))
                rows.append(row)
        groups.append((phase_summary(phase, sessions), rows))
    t = result.totals
    total = ["Total", f"{count(t.sessions, 'session')}, {count(t.visits, 'visit')}", "", "", usd(t.charges)]
    if show_write_off:
        total.append(usd(t.write_off))
    if not self_pay:
        total.append(usd(t.plan_pays))
    if show_program:
        total.append(usd(t.program_pays))
    total.append(usd(t.patient_pays))
    doc.grouped_table(columns, groups, total)
    notes = []
    if t.balance_bill > 0:
        notes.append(
            f"'You pay' includes {usd(t.balance_bill)} of out-of-network balance billing (the gap between the "
            "clinic's charge and what the plan allows), which does not count toward the out-of-pocket maximum."
        )
    if show_write_off:
        notes.append(
            "'Discount' is the part of the charge above the plan's contracted rate, which the clinic writes off."
        )
    if not self_pay and t.not_covered > 0:
        notes.append(f"Services the plan does not cover: you pay {usd(t.not_covered)} for them.")
    for note in notes:
        doc.para(note, size=8, muted=True)


def _coverage_section(doc: Doc, scenario: Scenario) -> None:
    cov = scenario.coverage
    pairs: list[tuple[str, str]] = [("Coverage", coverage_kind(cov.kind))]
    if cov.kind == "self_pay":
        pairs.append(("Assumption", "No insurance is billed: you pay the clinic's price for every service."))
    else:
        pairs.append(("Clinic is", NETWORKS[cov.network]))
        month, dom = (int(x) for x in cov.plan_year_start.split("-"))
        pairs.append(("Plan year starts", f"every year on {dt.date(2000, month, dom):%b} {dom}"))

        def tier(t: Tier, out: bool) -> str:
            text = (
                f"deductible {usd(t.deductible)} ({usd(t.deductible_met)} met), coinsurance {pct(t.coinsurance_pct)}, "
            )
            text += (
                "no out-of-pocket maximum"
                if t.oop_max is None
                else f"out-of-pocket maximum {usd(t.oop_max)} ({usd(t.oop_met)} met)"
            )
            if out:
                text += f"; the plan allows {pct(t.allowed_pct_of_charge)} of the clinic's charge"
            return text

        pairs.append(
            ("In network", tier(cov.in_network, False) if cov.in_network else "no in-network benefits entered")
        )
        pairs.append(
            (
                "Out of network",
                tier(cov.out_of_network, True) if cov.out_of_network else "no out-of-network benefit",
            )
        )
        if cov.pharmacy is not None:
            ph = cov.pharmacy
            text = (
                "uses the medical deductible"
                if ph.integrated_deductible
                else f"deductible {usd(ph.deductible)} ({usd(ph.deductible_met)} met)"
            )
            text += f", copay {usd(ph.copay)}" if ph.copay is not None else f", coinsurance {pct(ph.coinsurance_pct)}"
            if ph.max_per_fill is not None:
                text += f" (at most {usd(ph.max_per_fill)} a fill)"
            pairs.append(("Pharmacy benefit", text))
        if cov.family is not None:
            fam = cov.family
            text = f"{fam.type} deductible {usd(fam.deductible)} ({usd(fam.deductible_met)} met)"
            if fam.oop_max is not None:
                text += f", out-of-pocket maximum {usd(fam.oop_max)} ({usd(fam.oop_met)} met)"
            pairs.append(("Family", text))
        if cov.prior_auth_until is not None:
            pairs.append(("Prior authorization", f"approved until {day(cov.prior_auth_until)}"))
    if scenario.patient_state is not None:
        pairs.append(("Patient lives in", state_name(scenario.patient_state)))
    doc.key_values(pairs)
    if cov.kind != "self_pay":
        rows = []
        for sid in billed_services(scenario.protocol):
            rule = cov.services.get(sid)
            if rule is None:
                rows.append([service_label(scenario, sid), "no information (assumed not covered)", "", "", "", ""])
                continue
            benefit = rule.benefit
            if rule.network is not None:  # version 2: billed in another network than the plan's
                benefit += ", " + NETWORKS[rule.network]
            if rule.oon_allowed is not None:
                out = (rule.network or cov.network) == "out"
                benefit += f" (allowed at most {usd(rule.oon_allowed)} a unit{'' if out else ' out of network'})"
            rows.append(
                [
                    service_label(scenario, sid),
                    "yes" if rule.covered else "no",
                    benefit,
                    usd(rule.copay) if rule.copay is not None else "—",
                    "yes" if rule.deductible_applies else "no",
                    ("yes" if rule.prior_auth else "no") + (f", {rule.auth_units} units" if rule.auth_units else ""),
                ]
            )
        doc.subheading("Coverage by service")
        doc.table_rows(
            [
                Column("Service", weight=1.5),
                Column("Covered"),
                Column("Benefit"),
                Column("Copay", "RIGHT", wrap=False),
                Column("Deductible applies", wrap=False),
                Column("Prior auth", wrap=False),
            ],
            rows,
        )
    doc.subheading("Your coverage notes")
    notes = clean_text(cov.notes, multiline=True)
    doc.para(notes if notes else "(none entered)", muted=not notes)


def _programs_section(doc: Doc, scenario: Scenario, result: Result) -> None:
    if not scenario.savings_programs:
        doc.para("No savings program is included in this estimate.")
        return
    rows = []
    for prog in scenario.savings_programs:
        eligible = scenario.coverage.kind in prog.eligible_kinds
        rows.append(
            [
                clean_text(prog.name),
                ", ".join(service_label(scenario, s) for s in prog.services),
                usd(prog.patient_pays_per_session),
                usd(prog.annual_max) if prog.annual_max is not None else "no limit",
                ("yes" if prog.counts_toward_accumulators else "no"),
                "applies" if eligible else "not eligible with this coverage",
            ]
        )
    doc.table_rows(
        [
            Column("Program", weight=1.2),
            Column("Pays toward", weight=1.2),
            Column("You pay a session", "RIGHT", wrap=False),
            Column("Yearly maximum", "RIGHT", wrap=False),
            Column("Counts toward deductible", wrap=False),
            Column("Status", weight=0.8),
        ],
        rows,
    )
    doc.para(f"{PROGRAMS_PAY} {usd(result.totals.program_pays)} in this estimate.")


def _paying_section(doc: Doc, scenario: Scenario, result: Result) -> None:
    any_shown = False
    if scenario.accounts is not None and result.accounts is not None:
        a, r = scenario.accounts, result.accounts
        doc.subheading("HSA / FSA and taxes")
        doc.key_values(
            [
                ("FSA available", f"{usd(a.fsa_available)} this plan year, {usd(a.fsa_next_years)} in each later year"),
                ("HSA available", usd(a.hsa_available)),
                (
                    "Tax rates",
                    f"federal {pct(a.federal_rate_pct)}, state {pct(a.state_rate_pct)}"
                    + (", plus FICA on payroll contributions" if a.payroll else ""),
                ),
                ("Paid from the FSA", usd(r.from_fsa)),
                ("Paid from the HSA", usd(r.from_hsa)),
                ("Paid with after-tax money", usd(r.post_tax)),
                (TAX_SAVINGS, usd(r.tax_savings)),
                (NET_COST_AFTER_TAX, usd(r.net_cost) + " (what you pay plus travel, less tax savings)"),
            ]
        )
        any_shown = True
    if scenario.travel is not None and result.travel is not None:
        doc.subheading(TRAVEL)
        doc.key_values(
            [
                ("Visits", str(result.travel.visits)),
                (
                    "Travel cost",
                    usd(result.travel.total) + " (mileage, parking and rides; an HSA/FSA-eligible expense)",
                ),
            ]
        )
        any_shown = True
    if scenario.time_off is not None and result.time_off is not None:
        doc.subheading("Time off work")
        doc.key_values(
            [
                ("Hours away", fmt_plain(result.time_off.hours)),
                ("Lost wages", usd(result.time_off.total) + " (an indirect cost, not an out-of-pocket expense)"),
            ]
        )
        any_shown = True
    if scenario.financing is not None and result.financing is not None:
        f, r2 = scenario.financing, result.financing
        doc.subheading("Payment plan")
        doc.key_values(
            [
                ("Amount financed", usd(r2.principal)),
                ("APR and term", f"{pct(f.apr_pct)} over {f.months} months"),
                (MONTHLY_PAYMENT, usd(r2.monthly_payment)),
                ("Total interest", interest_words(r2, f.apr_pct, f.months)),
                ("Total repaid", usd(total_repaid(r2, f.apr_pct, f.months))),
            ]
        )
        any_shown = True
    if not any_shown:
        doc.para("No HSA/FSA, travel, time-off or payment-plan figures were entered.")


def headline_figures(scenario: Scenario, result: Result) -> list[tuple[str, str]]:
    """The summary's figures, named as on the Estimate page."""
    t = result.totals
    rows = [(TOTAL_CHARGES, usd(t.charges))]
    if scenario.coverage.kind != "self_pay" or t.plan_pays:
        rows.append((INSURANCE_PAYS, usd(t.plan_pays)))
    if scenario.savings_programs or t.program_pays:
        rows.append((PROGRAMS_PAY, usd(t.program_pays)))
    rows.append((YOU_PAY, usd(t.patient_pays)))
    if result.accounts is not None:
        rows.append((NET_COST_AFTER_TAX, usd(result.accounts.net_cost)))
    if t.sessions:
        rows.append((AVERAGE_PER_SESSION, usd(round_cents(t.patient_pays / t.sessions))))
    if result.financing is not None and scenario.financing is not None:
        rows.append(
            (MONTHLY_PAYMENT, f"{usd(result.financing.monthly_payment)} for {scenario.financing.months} months")
        )
    return rows


def estimate_pdf(
    scenario: Scenario,
    result: Result,
    *,
    made_on: dt.date,
    clinic: ClinicDetails | None = None,
    letterhead: Letterhead | None = None,
) -> bytes:
    """The printable estimate for any coverage: course, dated schedule with who pays what, totals by plan year,
    coverage assumptions and notes, savings programs, HSA/FSA and payment-plan figures, warnings, disclaimer.
    A `letterhead` puts the clinic's logo, name and contact at the top, its name and phone in every page's footer
    and who to ask at the end."""

    def build(doc: Doc) -> None:
        if letterhead is not None:
            draw_letterhead(doc, letterhead)
        subtitle = clean_text(scenario.name) or "Ketamine / SPRAVATO treatment"
        doc.title_block("Treatment cost estimate", subtitle)
        doc.key_values([("Made on", day(made_on)), ("Coverage", coverage_kind(scenario.coverage.kind))])
        doc.callout(CRISIS_LINE)
        doc.para(DISCLAIMER, muted=True)

        if clinic is not None:
            doc.heading("Clinic")
            pairs = [("Name", clinic.name), ("Address", clinic.address), ("State", clinic.state)]
            if clinic.location:
                pairs.append(("Location of care", clinic.location))
            if clinic.phone:
                pairs.append(("Phone", clinic.phone))
            pairs.append(("NPI", clinic.npi))
            doc.key_values(pairs)

        doc.heading("Course")
        doc.key_values(course_lines(scenario, result))

        doc.heading("Summary")
        figures = headline_figures(scenario, result)
        doc.table_rows(
            [Column("Figure"), Column("Amount", "RIGHT", wrap=False)],
            [[k, v] for k, v in figures],
            bold_rows=[i for i, (k, _) in enumerate(figures) if k == YOU_PAY],
            zebra=False,
            stretch=False,
        )

        doc.heading("Session schedule: who pays what")
        if result.sessions:
            _schedule_table(doc, scenario, result)
        else:
            doc.para("No sessions fall within the estimate's time frame.")

        self_pay = scenario.coverage.kind == "self_pay"
        doc.heading("Totals by year" if self_pay else "Totals by plan year")  # a self-pay year follows plan_year_start
        if result.by_plan_year:
            rows = []
            for py in result.by_plan_year:
                row = [day(py.plan_year), usd(py.patient_pays)]
                if not self_pay:
                    row += [usd(py.deductible), day(py.oop_reached_on) or "not reached"]
                rows.append(row)
            cols = [
                Column("Year starting" if self_pay else "Plan year starting", wrap=False),
                Column(YOU_PAY, "RIGHT", wrap=False),
            ]
            if not self_pay:
                cols += [Column("Deductible applied", "RIGHT", wrap=False), Column("Out-of-pocket maximum reached")]
            doc.table_rows(cols, rows, zebra=False, stretch=False)
            if not self_pay and scenario.savings_programs:
                accumulator = any(not p.counts_toward_accumulators for p in scenario.savings_programs)
                doc.para(
                    "Deductible applied includes amounts a savings program paid for you"
                    + (
                        "; with a copay accumulator those payments don't count, so the deductible can apply "
                        "again on later visits and this figure can exceed the deductible."
                        if accumulator
                        else "."
                    )
                )
        if result.by_phase:
            doc.subheading("By phase")
            doc.table_rows(
                [Column("Phase"), Column("Sessions", "RIGHT", wrap=False), Column(YOU_PAY, "RIGHT", wrap=False)],
                [[phase_label(k), str(v.sessions), usd(v.patient_pays)] for k, v in result.by_phase.items()],
                zebra=False,
                stretch=False,
            )

        doc.heading("Coverage assumptions")
        _coverage_section(doc, scenario)

        doc.heading("Savings programs")
        _programs_section(doc, scenario, result)

        doc.heading("Paying for it: HSA/FSA, travel, time off, payment plan")
        _paying_section(doc, scenario, result)

        doc.heading("Warnings and assumptions")
        warnings, quiet = split_quiet_years(scenario, result.warnings)
        bullets = [warning_text(w, scenario) for w in warnings]
        if bullets or quiet:
            doc.bullets(bullets + ([quiet] if quiet else []))
        else:
            doc.para("None.")
        if result.totals.program_pays == ZERO and scenario.savings_programs:
            doc.para("No savings program pays anything in this estimate.", muted=True)

        doc.heading("Important")
        doc.para(DISCLAIMER)
        doc.para(
            f"Estimate made on {day(made_on)}. Prices, plan terms and program rules change; ask for a new estimate."
        )
        if letterhead is not None:
            end_note(doc, letterhead)
        doc.callout(CRISIS_LINE)

    footer = f"Estimate made {day(made_on)} · {NOT_ADVICE_SHORT} · {CRISIS_SHORT}"
    if letterhead is not None and letterhead.footer_note():
        footer = f"{letterhead.footer_note()} · {footer}"
    return render_pdf(build, title="Treatment cost estimate", footer_text=footer, made_on=made_on)

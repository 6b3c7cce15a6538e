"""Side-by-side comparison of scenarios, and one-click variants of a scenario (SPEC §5 page 2).

Pure functions: no Streamlit. A summary holds the headline figures of one estimate; differences
are taken against the first scenario. Variants are full, validated scenarios with clear names.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from estimator.adjudication import plan_year_of
from estimator.documents.exports import write_csv
from estimator.engine import estimate
from estimator.models import LATEST_VERSION, Scenario, billed_services
from estimator.money import fmt_usd
from estimator.presets import course_preset, example_prices, plan_preset, program_templates
from estimator.result import Result
from estimator.scenario_io import scenario_from_data
from estimator.text import count, fmt_day
from estimator.timeline import average_per_session
from estimator.wording import (
    AVERAGE_PER_SESSION,
    INSURANCE_PAYS,
    MONTHLY_PAYMENT,
    NET_COST_AFTER_TAX,
    NETWORKS,
    NO_FIGURE,
    PROGRAMS_PAY,
    TOTAL_CHARGES,
    YOU_PAY,
    short_course,
)

Z = Decimal("0.00")
NAME_MAX = 200  # Scenario.name limit
DEFAULT_NAME = "Current estimate"

# Course presets the IV-vs-SPRAVATO variant swaps to.
IV_PRESET = "iv6"
SPRAVATO_PRESET = "spravato_6m"
PROGRAM_TEMPLATE = "withme_medication"


# ---------------------------------------------------------------- summaries


@dataclass(frozen=True, slots=True)
class Summary:
    """The headline figures of one scenario's estimate."""

    name: str
    total_charges: Decimal
    insurance_pays: Decimal
    program_pays: Decimal
    you_pay: Decimal
    after_tax_savings: Decimal | None  # accounts.net_cost (you pay + travel - tax savings); None without HSA/FSA
    sessions: int
    average_per_session: Decimal | None  # you_pay / sessions, half-up to cents; None with no sessions
    monthly_payment: Decimal | None  # None without financing
    oop_max_reached_on: dt.date | None  # first date the OOP maximum is reached in any plan year
    you_pay_by_plan_year: tuple[tuple[dt.date, Decimal], ...]
    warning_codes: tuple[str, ...]
    insured: bool = True  # False for self-pay: no insurance, so no out-of-pocket maximum and no plan year
    course: str = ""  # the kind of course in a few words (from the protocol itself, `short_course`)
    start: dt.date | None = None  # the first treatment day
    weeks: int = 0  # the weeks the estimate covers


def summarize(name: str, scenario: Scenario, result: Result | None = None) -> Summary:
    """Summary figures for one scenario (estimated here unless `result` is given)."""
    r = result if result is not None else estimate(scenario)
    t = r.totals
    average = average_per_session(r)
    reached = [py.oop_reached_on for py in r.by_plan_year if py.oop_reached_on is not None]
    return Summary(
        name=name,
        total_charges=t.charges,
        insurance_pays=t.plan_pays,
        program_pays=t.program_pays,
        you_pay=t.patient_pays,
        after_tax_savings=r.accounts.net_cost if r.accounts is not None else None,
        sessions=t.sessions,
        average_per_session=average,
        monthly_payment=r.financing.monthly_payment if r.financing is not None else None,
        oop_max_reached_on=min(reached) if reached else None,
        you_pay_by_plan_year=tuple((py.plan_year, py.patient_pays) for py in r.by_plan_year),
        warning_codes=tuple(dict.fromkeys(w.code for w in r.warnings)),
        insured=scenario.coverage.kind != "self_pay",
        course=short_course(scenario),
        start=scenario.start_date,
        weeks=scenario.horizon_weeks,
    )


# Figures shown as table rows, in order: (attribute, label). Differences are taken for the numeric ones.
FIGURES: tuple[tuple[str, str], ...] = (
    ("course", "Course"),
    ("start", "Starts"),
    ("weeks", "Weeks estimated"),
    ("total_charges", TOTAL_CHARGES),
    ("insurance_pays", INSURANCE_PAYS),
    ("program_pays", PROGRAMS_PAY),
    ("you_pay", YOU_PAY),
    ("after_tax_savings", NET_COST_AFTER_TAX),
    ("sessions", "Treatment sessions"),
    ("average_per_session", AVERAGE_PER_SESSION),
    ("monthly_payment", MONTHLY_PAYMENT),
    ("oop_max_reached_on", "Out-of-pocket maximum reached on"),
    ("you_pay_by_plan_year", "You pay per plan year"),
)
DIFF_FIGURES: tuple[str, ...] = (
    "total_charges",
    "insurance_pays",
    "program_pays",
    "you_pay",
    "after_tax_savings",
    "sessions",
    "average_per_session",
    "monthly_payment",
)


def differences(summaries: Sequence[Summary]) -> list[dict[str, Decimal | int | None]]:
    """For each scenario after the first: figure -> (this - first); None where either side has no value."""
    if not summaries:
        return []
    first = summaries[0]
    out: list[dict[str, Decimal | int | None]] = []
    for s in summaries[1:]:
        row: dict[str, Decimal | int | None] = {}
        for key in DIFF_FIGURES:
            a, b = getattr(s, key), getattr(first, key)
            row[key] = None if a is None or b is None else a - b
        out.append(row)
    return out


def _fmt(key: str, value: Any, when: Callable[[dt.date], str]) -> str:
    if value is None:
        return {
            "monthly_payment": "no payment plan",
            "oop_max_reached_on": "not reached",
            "average_per_session": "no sessions",
            "after_tax_savings": "no HSA/FSA",
        }.get(key, NO_FIGURE)
    if key == "sessions":
        return str(value)
    if key == "course":
        return str(value) or NO_FIGURE
    if key == "weeks":
        return count(value, "week") if value else NO_FIGURE
    if key in ("oop_max_reached_on", "start"):
        return when(value)
    return fmt_usd(value)


def _fmt_diff(key: str, value: Decimal | int | None) -> str:
    if value is None:
        return NO_FIGURE
    if key == "sessions":
        return f"{value:+d}" if value else "same"
    if value == 0:
        return "same"
    return ("+" if value > 0 else "-") + fmt_usd(abs(Decimal(value)))


def column_labels(summaries: Sequence[Summary], max_chars: int | None = None) -> list[str]:
    """Unique, numbered column labels ("1. name") so equal names never collide.

    Names longer than `max_chars` keep their end, where variants differ ("Base - out of network")."""
    labels = []
    for i, s in enumerate(summaries, start=1):
        name = s.name or DEFAULT_NAME
        if max_chars is not None and len(name) > max_chars:
            name = "…" + name[len(name) - max_chars + 1 :].lstrip()
        labels.append(f"{i}. {name}")
    return labels


def comparison_table(
    summaries: Sequence[Summary], max_chars: int | None = None, *, when: Callable[[dt.date], str] = dt.date.isoformat
) -> list[dict[str, str]]:
    """Rows = figures, one text column per scenario (plus "Figure"); dates written by `when` (ISO for files,
    `fmt_day` for people).

    "You pay per plan year" becomes one row per plan year any scenario has ("—" where it has none)."""
    labels = column_labels(summaries, max_chars)
    rows: list[dict[str, str]] = []
    for key, label in FIGURES:
        if key == "you_pay_by_plan_year":
            years = sorted({year for s in summaries for year, _ in s.you_pay_by_plan_year})
            kind = "plan year" if any(s.insured for s in summaries) else "year"  # self-pay has no plan
            for year in years:
                row = {"Figure": f"{YOU_PAY}, {kind} from {when(year)}"}
                for col, s in zip(labels, summaries, strict=True):
                    amount = dict(s.you_pay_by_plan_year).get(year)
                    row[col] = NO_FIGURE if amount is None else fmt_usd(amount)
                rows.append(row)
            continue
        row = {"Figure": label}
        for col, s in zip(labels, summaries, strict=True):
            uninsured = key == "oop_max_reached_on" and not s.insured
            row[col] = "no insurance" if uninsured else _fmt(key, getattr(s, key), when)
        rows.append(row)
    return rows


def differences_table(summaries: Sequence[Summary], max_chars: int | None = None) -> list[dict[str, str]]:
    """Rows = numeric figures, one column per scenario after the first: its difference against the first."""
    labels = column_labels(summaries, max_chars)[1:]
    diffs = differences(summaries)
    names = dict(FIGURES)
    rows: list[dict[str, str]] = []
    for key in DIFF_FIGURES:
        row = {"Figure": names[key]}
        for col, d in zip(labels, diffs, strict=True):
            row[col] = _fmt_diff(key, d[key])
        rows.append(row)
    return rows


def chart_rows(summaries: Sequence[Summary], max_chars: int | None = None) -> list[dict[str, object]]:
    """Long-form rows for a grouped bar chart: scenario (its label and number), who pays, amount (float for
    plotting only)."""
    rows: list[dict[str, object]] = []
    for number, (label, s) in enumerate(zip(column_labels(summaries, max_chars), summaries, strict=True), start=1):
        for payer, amount in (
            (YOU_PAY, s.you_pay),
            (INSURANCE_PAYS, s.insurance_pays),
            (PROGRAMS_PAY, s.program_pays),
        ):
            rows.append(
                {"scenario": label, "number": number, "payer": payer, "amount": float(amount), "label": fmt_usd(amount)}
            )
    return rows


def comparison_csv(summaries: Sequence[Summary]) -> str:
    """The comparison table as CSV (every text cell formula-safe): one row per figure, one column per scenario,
    then the differences against scenario 1."""
    labels = column_labels(summaries)
    rows: list[dict[str, object]] = list(comparison_table(summaries))
    if len(summaries) > 1:  # differences as signed numbers a spreadsheet can add up; scenario 1's column blank
        names = dict(FIGURES)
        diffs = differences(summaries)
        for key in DIFF_FIGURES:
            row: dict[str, object] = {"Figure": f"{names[key]}, difference against scenario 1"}
            row |= {label: "" if d[key] is None else d[key] for label, d in zip(labels[1:], diffs, strict=True)}
            rows.append(row)
    return write_csv(["Figure", *labels], rows)


# ---------------------------------------------------------------- variants


@dataclass(frozen=True, slots=True)
class Variant:
    """A one-click alternative to a scenario."""

    kind: str  # stable id: "course", "network", "programs", "start"
    label: str  # short button text (never contains user text)
    description: str  # what changed, in plain English (never contains user text)
    scenario: Scenario


def _name(base: str, suffix: str) -> str:
    base = base.strip() or DEFAULT_NAME
    tail = f" - {suffix}"
    if len(base) + len(tail) > NAME_MAX:
        base = base[: NAME_MAX - len(tail) - 3].rstrip() + "..."
    return base + tail


def _build(data: dict[str, Any]) -> Scenario | None:
    """A validated scenario, or None when the change cannot make one (the variant is then not offered)."""
    try:
        return scenario_from_data(data)
    except ValueError:
        return None


def _fill_fees(data: dict[str, Any], protocol: Any) -> list[str] | None:
    """Add example prices for services the course bills but the scenario has no fee for.

    Returns the services filled in, or None when one has no example price either."""
    have = {f["service"] for f in data["fees"]}
    examples = {f.service: f for f in example_prices().scenario_fees()}
    filled: list[str] = []
    for sid in billed_services(protocol):
        if sid in have:
            continue
        if sid not in examples:
            return None
        data["fees"].append(examples[sid].model_dump())
        filled.append(sid)
    return filled


def course_variant(scenario: Scenario, preset_id: str) -> Variant | None:
    """The same coverage, programs and extras with the course swapped to a course preset."""
    preset = course_preset(preset_id)
    data = scenario.model_dump()
    data["protocol"] = preset.protocol.model_dump()
    data["horizon_weeks"] = preset.horizon_weeks
    filled = _fill_fees(data, preset.protocol)
    if filled is None:
        return None
    data["name"] = _name(scenario.name, preset.label)
    built = _build(data)
    if built is None:
        return None
    desc = f"The course becomes '{preset.label}' ({preset.horizon_weeks} weeks) with the same coverage."
    if filled:
        desc += " Example prices were used for " + ", ".join(filled) + " (the scenario had no price for them)."
    if scenario.coverage.kind != "self_pay":
        no_rule = [sid for sid in billed_services(preset.protocol) if sid not in scenario.coverage.services]
        if no_rule:
            desc += (
                " The coverage has no rule for " + ", ".join(no_rule) + ", so it counts as not covered; "
                "set it on the Estimate page if the plan covers it."
            )
    return Variant("course", f"{preset.label} instead", desc, built)


def network_variant(scenario: Scenario) -> Variant | None:
    """In network <-> out of network, offered only when the plan has the other tier."""
    cov = scenario.coverage
    if cov.kind == "self_pay":
        return None
    other = "out" if cov.network == "in" else "in"
    if (cov.out_of_network if other == "out" else cov.in_network) is None:
        return None
    data = scenario.model_dump()
    data["coverage"]["network"] = other
    where = NETWORKS[other]
    data["name"] = _name(scenario.name, where)
    built = _build(data)
    if built is None:
        return None
    return Variant("network", f"Clinic {where}", f"The same plan with the clinic {where}.", built)


def programs_variant(scenario: Scenario) -> Variant | None:
    """Without the savings programs (when it has some), or with the SPRAVATO withMe medication template."""
    data = scenario.model_dump()
    if scenario.savings_programs:
        data["savings_programs"] = []
        data["name"] = _name(scenario.name, "without savings programs")
        built = _build(data)
        if built is None:
            return None
        return Variant("programs", "Without savings programs", "The same estimate with no savings program.", built)
    template = next((t for t in program_templates() if t.id == PROGRAM_TEMPLATE), None)
    if template is None or not set(template.program.services) & set(billed_services(scenario.protocol)):
        return None  # the program would pay nothing for this course
    data["savings_programs"] = [template.program.model_dump()]
    data["name"] = _name(scenario.name, f"with {template.label}")
    built = _build(data)
    if built is None:
        return None
    desc = f"Adds the {template.label} program as last published; check its current terms."
    if scenario.coverage.kind not in template.program.eligible_kinds:
        desc += " Your coverage type is not eligible, so it will not pay."
    return Variant("programs", f"With {template.label}", desc, built)


def _next_plan_year(scenario: Scenario) -> dt.date:
    month, mday = scenario.coverage.plan_year_month_day
    current = plan_year_of(scenario.start_date, month, mday)
    return dt.date(current.year + 1, month, mday)


def _reset_met(data: dict[str, Any]) -> None:
    """A different plan year starts with nothing met (the entered *_met describe the original one)."""
    cov = data["coverage"]
    for tier in ("in_network", "out_of_network", "family"):
        if cov.get(tier):
            cov[tier]["deductible_met"] = Z
            cov[tier]["oop_met"] = Z
    if cov.get("pharmacy"):
        cov["pharmacy"]["deductible_met"] = Z


def start_variant(scenario: Scenario, today: dt.date) -> Variant | None:
    """Start this month (today) when the scenario starts in another month, else at the next plan year."""
    month, mday = scenario.coverage.plan_year_month_day
    same_month = (scenario.start_date.year, scenario.start_date.month) == (today.year, today.month)
    if same_month:
        new_start = _next_plan_year(scenario)
        suffix, label = f"starting {fmt_day(new_start)} (next plan year)", "Start at the next plan year"
    else:
        new_start = today
        suffix, label = f"starting {fmt_day(new_start)} (this month)", "Start this month"
    data = scenario.model_dump()
    data["start_date"] = new_start
    desc = f"The same course starting on {fmt_day(new_start)}."
    if plan_year_of(new_start, month, mday) != plan_year_of(scenario.start_date, month, mday):
        _reset_met(data)
        desc += (
            " That is in a different plan year, so nothing is counted as met toward the deductible or "
            "out-of-pocket maximum yet; change the amounts met if you know them."
        )
    data["name"] = _name(scenario.name, suffix)
    built = _build(data)
    if built is None:
        return None
    return Variant("start", label, desc, built)


def variants(scenario: Scenario, today: dt.date | None = None) -> list[Variant]:
    """Every one-click variant that makes sense for the scenario, each a valid Scenario with a clear name.

    - IV series vs SPRAVATO (course preset iv6 / spravato_6m; a custom course gets both),
    - in vs out of network (only when the plan has the other tier),
    - with vs without savings programs (with = the withMe medication template, only for courses it pays for),
    - starting this month vs at the start of the next plan year.
    """
    today = today or dt.date.today()
    ptype = scenario.protocol.type
    out: list[Variant | None] = []
    if ptype != "spravato":
        out.append(course_variant(scenario, SPRAVATO_PRESET))
    if ptype != "iv_ketamine":
        out.append(course_variant(scenario, IV_PRESET))
    out += [network_variant(scenario), programs_variant(scenario), start_variant(scenario, today)]
    return [v for v in out if v is not None]


def default_scenario(today: dt.date | None = None) -> Scenario:
    """The example used when no estimate exists yet: SPRAVATO first 6 months, 2026 HDHP, withMe, example prices."""
    course = course_preset(SPRAVATO_PRESET)
    prices = example_prices()
    template = next(t for t in program_templates() if t.id == PROGRAM_TEMPLATE)
    return scenario_from_data(
        {
            "version": LATEST_VERSION,
            "name": "Example: SPRAVATO, HDHP, withMe",
            "start_date": today or dt.date.today(),
            "horizon_weeks": course.horizon_weeks,
            "protocol": course.protocol.model_dump(),
            "fees": [f.model_dump() for f in prices.scenario_fees()],
            "packages": [p.model_dump() for p in prices.scenario_packages()],
            "coverage": plan_preset("hdhp_2026").coverage.model_dump(),
            "savings_programs": [template.program.model_dump()],
        }
    )

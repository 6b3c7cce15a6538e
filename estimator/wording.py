"""One home for the words people read: labels, course and phase phrases, coverage kinds, the disclaimer and crisis
line, headline figure names and the warnings' people text, so the pages, the printouts and the command line say
the same thing the same way."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from typing import TYPE_CHECKING

from estimator.text import clean_text, count, fmt_day

if TYPE_CHECKING:  # types only: the models never import this module, so there is no cycle either way
    from estimator.models import Scenario

# ---------------------------------------------------------------- disclaimer and crisis line

DISCLAIMER = (
    "This is an estimate, not medical, legal or tax advice. Your clinic's bill and your plan's decisions may "
    "differ; check with both before you start."
)
CRISIS_LINE = "If you are in crisis or thinking about suicide, call or text 988 (Suicide & Crisis Lifeline, US)."
CRISIS_SHORT = "In crisis? Call or text 988"  # a printout's footer
NOT_ADVICE_SHORT = "Not medical, legal or tax advice"  # a printout's footer
SHORT_DISCLAIMER = "This is an estimate, not medical, legal or tax advice. In crisis, call or text 988."  # terminal

# ---------------------------------------------------------------- headline figures

TOTAL_CHARGES = "Total charges"
YOU_PAY = "You pay"
INSURANCE_PAYS = "Insurance pays"
PROGRAMS_PAY = "Savings programs pay"
NET_COST_AFTER_TAX = "Net cost after tax savings"
AVERAGE_PER_SESSION = "Average per session"
MONTHLY_PAYMENT = "Monthly payment"
# The parts of a headline sum: treatment + travel - tax savings = net cost.
TREATMENT = "Treatment"
TRAVEL = "Travel"
TAX_SAVINGS = "Tax savings"
NET_COST = "Net cost"
NO_FIGURE = "—"  # the dash every page and printout shows for an empty value

# ---------------------------------------------------------------- coverage, networks and services

COVERAGE_KINDS = {
    "self_pay": "Self-pay / uninsured",
    "commercial": "Commercial (employer or marketplace)",
    "medicare": "Medicare",
    "medicaid": "Medicaid",
}
NETWORKS = {"in": "in network", "out": "out of network"}
SERVICES = {
    "consult": "Consultation",
    "iv_infusion": "IV ketamine infusion",
    "spravato_drug": "SPRAVATO 28 mg device",
    "spravato_observation": "SPRAVATO administration and 2-hour observation",
    "therapy": "Psychotherapy",
    "follow_up": "Follow-up visit",
}


def coverage_kind(kind: str) -> str:
    """ "Medicare" for "medicare"; an unknown kind as it is."""
    return COVERAGE_KINDS.get(kind, kind)


def year_word(insured: bool) -> str:
    """ "Plan year", or "Year" for self-pay: a self-pay year has no plan, though it starts on plan_year_start."""
    return "Plan year" if insured else "Year"


def service_label(scenario: Scenario, service: str) -> str:
    """The clinic's description of a service, else a readable name for it."""
    for fee in scenario.fees:
        if fee.service == service and fee.description.strip():
            return clean_text(fee.description)
    return SERVICES.get(service, service.replace("_", " ").capitalize())


def phase_label(phase: str) -> str:
    """A phase as a label: "Induction" for "induction" (typed phases are cleaned, as any user text printed)."""
    text = clean_text(phase)
    return text[:1].upper() + text[1:]


# ---------------------------------------------------------------- courses and schedules


def every_weeks(weeks: int) -> str:
    return "every week" if weeks == 1 else f"every {weeks} weeks"


def course_words(scenario: Scenario) -> tuple[str, str]:
    """The kind of course and its schedule in words, from the protocol itself (not the preset it came from)."""
    from estimator.models import Custom, IvKetamine, Spravato

    p = scenario.protocol
    if isinstance(p, IvKetamine):
        kind = "IV ketamine infusions"
        schedule = f"{count(p.induction_infusions, 'induction infusion')} over {count(p.induction_weeks, 'week')}"
        if p.booster_every_weeks:
            schedule += f", then a booster {every_weeks(p.booster_every_weeks)}"
    elif isinstance(p, Spravato):
        indication = (
            "treatment-resistant depression" if p.indication == "trd" else "depression with acute suicidal ideation"
        )
        kind = f"SPRAVATO (esketamine) nasal spray for {indication}, {p.dose_mg} mg"
        if p.indication == "mdsi":
            schedule = "Twice a week for 4 weeks (label schedule)"
        else:
            first = " (first session 56 mg)" if p.start_session == 1 else ""
            schedule = (
                f"Weeks 1-4 twice a week{first}, weeks 5-8 weekly, then {every_weeks(p.week9_every_weeks)} "
                "(label schedule)"
            )
    else:
        assert isinstance(p, Custom)
        kind = "Custom course"
        schedule = count(len(p.sessions), "planned session")
    if not isinstance(p, Custom) and p.start_session > 1:
        schedule += f"; this estimate continues the course from session {p.start_session}"
    return kind, schedule


def short_course(scenario: Scenario) -> str:
    """The kind of course in a few words, for a table column a phone can show: "SPRAVATO 84 mg, from session 13"."""
    from estimator.models import IvKetamine, Spravato

    p = scenario.protocol
    if isinstance(p, IvKetamine):
        text = "IV ketamine" + (" with boosters" if p.booster_every_weeks else "")
    elif isinstance(p, Spravato):
        text = f"SPRAVATO {p.dose_mg} mg" + (" (suicidal ideation)" if p.indication == "mdsi" else "")
    else:
        return "Custom course"
    return text + (f", from session {p.start_session}" if p.start_session > 1 else "")


def frequency(dates: Sequence[dt.date]) -> str:
    """'twice a week', 'every week', 'every 2 weeks', 'about 3 times a week'... ('' for fewer than two dates)."""
    ds = sorted(set(dates))
    if len(ds) < 2:
        return ""
    gaps = [(b - a).days for a, b in itertools.pairwise(ds)]
    if len(set(gaps)) == 1:
        g = gaps[0]
        if g % 7 == 0:
            return every_weeks(g // 7)
        return "every day" if g == 1 else f"every {g} days"
    if set(gaps) <= {3, 4}:
        return "twice a week"
    mean = (ds[-1] - ds[0]).days / (len(ds) - 1)
    if mean < 7:
        per_week = round(7 / mean)
        return "about once a week" if per_week <= 1 else f"about {per_week} times a week"
    weeks = round(mean / 7)
    return "about once a week" if weeks <= 1 else f"about every {weeks} weeks"


def phase_span(phase: str, dates: Sequence[dt.date]) -> str:
    """One phase of a course: "Induction: 8 sessions, twice a week, Mar 2, 2026 to Mar 26, 2026" (a single session
    reads "Evaluation: 1 session, on Mar 2, 2026"). `dates` holds one date per session."""
    ds = sorted(dates)
    when = f"on {fmt_day(ds[0])}" if len(ds) == 1 else f"{frequency(ds)}, {fmt_day(ds[0])} to {fmt_day(ds[-1])}"
    return f"{phase_label(phase)}: {count(len(ds), 'session')}, {when}"

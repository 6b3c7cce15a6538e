"""One home for the words people read: labels, course and phase phrases, coverage kinds, the disclaimer and crisis
line, headline figure names and the warnings' people text, so the pages, the printouts and the command line say
the same thing the same way."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from estimator.money import fmt_usd
from estimator.reference import state_name
from estimator.text import clean_text, count, fmt_day, join_words

if TYPE_CHECKING:  # a type only: the models never import this module
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


def service_name(service: str, description: str = "") -> str:
    """A service as people read it: the clinic's description of it, else a readable name for its id ("Consultation"
    for consult, "Ketamine im" for a clinic's own ketamine_im). Ids stay in files, links and the result JSON."""
    if description.strip():
        return clean_text(description)
    return SERVICES.get(service, service.replace("_", " ").capitalize())


def service_label(scenario: Scenario, service: str) -> str:
    """A service of this scenario as people read it: its price's description, else a readable name."""
    return service_name(service, next((f.description for f in scenario.fees if f.service == service), ""))


def service_names(services: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Each service id's name for a list to choose from, from (id, description) pairs: a name that two services
    share gets the id after it, so no two choices read the same."""
    names = {sid: service_name(sid, description) for sid, description in services}
    shared = {name for name, n in Counter(names.values()).items() if n > 1}
    return {sid: f"{name} ({sid})" if name in shared else name for sid, name in names.items()}


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


# ---------------------------------------------------------------- warnings

# A short name for each warning code, for lists that cannot hold the full text (the Compare page).
WARNING_NAMES = {
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
# Warnings whose text names their own date, so people text puts no date before them.
_NAMES_ITS_DATE = frozenset({"plan_year_reset", "fsa_over_limit"})

Day = Callable[[dt.date], str]


def _iso(d: dt.date) -> str:
    return d.isoformat()


def warning_sentence(code: str, facts: Mapping[str, Any], day: Day = _iso, service: Callable[[str], str] = str) -> str:
    """One warning in plain English from the values it was raised with; `day` writes its dates (ISO for the
    result JSON, SPEC §4.7; `fmt_day` for people) and `service` its services (the id for the JSON; the name for
    people). Amounts are always "$1,234.50"; names are quoted as typed."""
    f = facts
    if code == "horizon_cuts_course":
        return (
            f"The estimate covers {count(f['weeks'], 'week')}, which ends before the planned course does; "
            "lengthen the horizon to include every planned session."
        )
    if code == "no_coverage_info":
        return (
            f"There is no coverage information for '{service(f['service'])}', so it is counted as not covered "
            "(you pay the full charge). Ask your plan whether it is covered."
        )
    if code == "prior_auth_expired":
        return (
            f"Prior authorization ends on {day(f['until'])}; from this date services that need it are counted as "
            "not covered unless it is renewed."
        )
    if code == "prior_auth_units_exhausted":
        left, named = f["left"], service(f["service"])
        short = (
            "they were all used by the sessions before this date"
            if left == 0
            else f"this session needs {f['needed']} and only {left} {'is' if left == 1 else 'are'} left"
        )
        return (
            f"The prior authorization for '{named}' approves {count(f['units'], 'unit')}: {short}. From this date "
            f"on, '{named}' is counted as not covered (you pay the full charge). Ask the clinic to renew the "
            "authorization for more units before this date."
        )
    if code == "oop_max_reached":
        where = "in-network" if f["network"] == "in" else "out-of-network"
        return (
            f"You reach the {where} out-of-pocket maximum for the plan year starting {day(f['plan_year'])}: "
            f"covered {where} services after this date cost you nothing more until the plan year ends."
        )
    if code == "plan_year_reset":
        year = day(f["plan_year"])
        if f["change"] == "plan":
            return f"A new plan year starts on {year}: the deductible and out-of-pocket maximum start again from zero."
        if f["change"] == "fsa":
            return f"A new year starts on {year}: an FSA election for the new year applies from then."
        return f"A new year starts on {year}; self-pay prices are not affected."
    if code == "savings_program_ineligible":
        if "state" in f:
            return (
                f"'{f['program']}' is not valid for residents of {state_name(f['state'])}, where the patient "
                "lives, so it is left out."
            )
        return (
            f"'{f['program']}' is not available with {f['kind'].replace('_', '-')} coverage "
            "(manufacturer programs exclude Medicare, Medicaid and other government plans), so it is left out."
        )
    if code == "program_state_restricted":
        return (
            f"'{f['program']}' is not valid for residents of {join_words([state_name(s) for s in f['states']])}. "
            "It is included because the patient's state is not given: check the program's residence rule, or "
            "enter the state where the patient lives."
        )
    if code == "program_max_reached":
        return (
            f"'{f['program']}' reaches its {f['year']} annual maximum; you pay the program's part yourself for the "
            "rest of the calendar year."
        )
    if code == "mileage_rate_assumed":
        year, rate = f["year"], f"${f['rate']} a mile"
        if year < f["first_known"]:
            return (
                f"This estimator holds IRS medical mileage rates for {f['first_known']} to {f['last_known']} only, "
                f"not {year}; the latest known rate ({rate}) is used. Enter that year's rate for an exact figure."
            )
        return f"The IRS has not published a medical mileage rate for {year}; the latest known rate ({rate}) is used."
    if code == "fsa_over_limit":
        known = "the latest known limit" if f["assumed"] else "the IRS limit"
        return (
            f"The FSA election of {fmt_usd(f['election'])} for the plan year starting {day(f['plan_year'])} is "
            f"above {known} of {fmt_usd(f['limit'])} for {f['plan_year'].year}."
        )
    raise ValueError(f"no wording for the warning code {code!r}")


class _Warning(Protocol):
    """What people text needs of a warning (estimator.warning_log.Warning)."""

    @property
    def code(self) -> str: ...
    @property
    def date(self) -> dt.date | None: ...
    @property
    def facts(self) -> tuple[Mapping[str, Any], ...]: ...


def warning_text(warning: _Warning, scenario: Scenario | None = None) -> str:
    """A warning as people read it on the page and the printouts: dates as "Mar 2, 2026", amounts as "$1,234.50",
    names as typed, services by name (the scenario's descriptions when given), and the date it applies from first
    unless the text names it already."""
    named = service_name if scenario is None else lambda sid: service_label(scenario, sid)
    text = " ".join(warning_sentence(warning.code, f, fmt_day, named) for f in warning.facts)
    if warning.date is None or warning.code in _NAMES_ITS_DATE:
        return text
    return f"{fmt_day(warning.date)}: {text}"


def quiet_years_note(starts: Sequence[dt.date]) -> str:
    """The one note for self-pay year changes that change nothing (instead of a warning for each)."""
    lead = "New years start on " if len(starts) > 1 else "A new year starts on "
    return lead + join_words([fmt_day(d) for d in starts]) + "; self-pay prices are not affected."

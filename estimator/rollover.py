"""Plan-year rollover of a quote (issue 19), pure: which session of its course a patient is at on a day, and the
version 2 scenario that re-quotes the course from that session with the plan's amounts met set back to zero.

Sessions are numbered as SPEC §4.9 numbers them (the protocol's treatment sessions 1, 2, 3, ... with no horizon);
a scenario that already starts at session k has session k on its start_date and session j on
`start_date + (d_j - d_k)`. A custom course has no session numbers in the scenario format, so its re-quote keeps
the sessions from that one on, with their days counted from it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from estimator.models import LATEST_VERSION, Coverage, Custom, CustomSession, Scenario
from estimator.schedule import build_calendar

ZERO_MET = Decimal("0.00")
_LONGEST_GAP_WEEKS = 27  # boosters every 26 weeks at most (models.IvKetamine), plus a week


@dataclass(frozen=True, slots=True)
class SessionAt:
    """A session of a scenario's course: its number (SPEC §4.9; for a custom course its place in day order,
    from 1) and its date."""

    number: int
    date: dt.date


def _first_session(scenario: Scenario) -> int:
    p = scenario.protocol
    return 1 if isinstance(p, Custom) else p.start_session


def session_on_or_after(scenario: Scenario, day: dt.date) -> SessionAt | None:
    """The first treatment session of the scenario's course on or after `day` (the session the patient will be
    at), whatever the scenario's horizon; None when the course has no session left by then (a fixed course that
    has ended). Evaluation visits (`once` services) are not treatment sessions."""
    start = scenario.start_date
    if day <= start:
        return SessionAt(_first_session(scenario), start)
    offset = (day - start).days
    weeks = offset // 7 + 1 + _LONGEST_GAP_WEEKS
    calendar = build_calendar(scenario.protocol, weeks)
    treatments = [s for s in calendar.sessions if not s.evaluation]
    for index, planned in enumerate(treatments):
        if planned.day >= offset:
            return SessionAt(_first_session(scenario) + index, start + dt.timedelta(days=planned.day))
    return None


def reset_accumulators(coverage: Coverage) -> Coverage:
    """The coverage at the start of a new plan year: deductible and out-of-pocket amounts met are zero in both
    network tiers, the family's and the pharmacy benefit's. Everything else (the plan's limits, prior
    authorization and its units) is kept."""
    update: dict[str, Any] = {}
    for tier in ("in_network", "out_of_network"):
        value = getattr(coverage, tier)
        if value is not None:
            update[tier] = value.model_copy(update={"deductible_met": ZERO_MET, "oop_met": ZERO_MET})
    if coverage.family is not None:
        update["family"] = coverage.family.model_copy(update={"deductible_met": ZERO_MET, "oop_met": ZERO_MET})
    if coverage.pharmacy is not None:
        update["pharmacy"] = coverage.pharmacy.model_copy(update={"deductible_met": ZERO_MET})
    return coverage.model_copy(update=update)


def _from_session(scenario: Scenario, at: SessionAt) -> Any:
    """The protocol of a course under way started at session `at` (version 2 `start_session`; a custom course
    re-based on it), without its `once` services: the evaluation was on the course's first day, already past."""
    p = scenario.protocol
    if not isinstance(p, Custom):
        return p.model_copy(update={"start_session": at.number, "once": []})
    ordered = sorted(p.sessions, key=lambda s: s.day)
    kept = ordered[at.number - 1 :]
    first_day = kept[0].day
    sessions = [CustomSession(day=s.day - first_day, phase=s.phase, services=s.services) for s in kept]
    return p.model_copy(update={"sessions": sessions, "once": []})


def rollover_scenario(
    scenario: Scenario, plan_year_start: dt.date, horizon_weeks: int | None = None
) -> Scenario | None:
    """The re-quote for the plan year starting on `plan_year_start`: version 2, starting at the session the patient
    will be at on that day (start_date moved to that session's date, the `once` services left out as already
    given, no package bought, as for any course under way), amounts met set back to zero, the same horizon unless
    `horizon_weeks` is given. A course that starts on or after that day keeps its start. None when the course has
    no session left on or after that day.

    The result is validated again as a scenario (it is built from one, so it always is)."""
    at = session_on_or_after(scenario, plan_year_start)
    if at is None:
        return None
    begun = plan_year_start > scenario.start_date  # else the course starts in the new plan year: kept as it is
    data: dict[str, Any] = {"version": LATEST_VERSION, "coverage": reset_accumulators(scenario.coverage)}
    if begun:
        # a course under way buys no package (as clinic_setup.apply_price_list and the batch have it)
        data |= {"start_date": at.date, "protocol": _from_session(scenario, at), "packages": []}
    if horizon_weeks is not None:
        data["horizon_weeks"] = horizon_weeks
    updated = scenario.model_copy(update=data)
    return Scenario.model_validate(updated.model_dump(mode="json"))

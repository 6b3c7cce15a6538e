"""The session calendar of a protocol (SPEC §4.1, §4.9): which days, which phase, which service lines."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from estimator.models import SPRAVATO_INDUCTION_SESSIONS, Custom, IvKetamine, Spravato
from estimator.reference import latest_decimal

# Label schedule (SPRAVATO prescribing information): weeks 1-4 twice weekly, 5-8 weekly, 9+ every 1-2 weeks.
_SPRAVATO_INDUCTION = tuple(int(7 * i) // 2 for i in range(SPRAVATO_INDUCTION_SESSIONS))  # floor(3.5 i): 0, 3, ... 24
_SPRAVATO_WEEKLY = (28, 35, 42, 49)
_SPRAVATO_WEEK9 = 56
_SPRAVATO_FIXED = len(_SPRAVATO_INDUCTION) + len(_SPRAVATO_WEEKLY)  # weeks 1-8: sessions 1-12


@dataclass(frozen=True, slots=True)
class PlannedSession:
    day: int
    phase: str
    lines: tuple[tuple[str, int], ...]  # (service id, quantity)
    evaluation: bool = False  # the day-0 session of `once` services (not a treatment session)


@dataclass(frozen=True, slots=True)
class Calendar:
    sessions: tuple[PlannedSession, ...]
    first_cut_day: int | None  # first day of the protocol's fixed part that the horizon leaves out


@cache
def _devices(dose_mg: int) -> int:
    """Nasal spray devices per dose (56 mg = 2, 84 mg = 3)."""
    return int(dose_mg // latest_decimal("spravato_device_mg"))


def _numbered(
    day_of: Callable[[int], int], total: int | None, fixed: int, start: int, horizon_days: int
) -> tuple[list[tuple[int, int]], int | None]:
    """(session number, day counted from session `start`) for the sessions from `start` on (SPEC §4.9) within the
    horizon, and the first such day of a fixed session (numbered <= `fixed`) that the horizon leaves out. A
    protocol's days never go down from one session to the next, so the first day past the horizon ends the course."""
    origin = day_of(start)
    kept: list[tuple[int, int]] = []
    j = start
    while total is None or j <= total:
        day = day_of(j) - origin
        if day >= horizon_days:
            return kept, (day if j <= fixed else None)
        kept.append((j, day))
        j += 1
    return kept, None


def _iv(p: IvKetamine, horizon_days: int) -> tuple[list[PlannedSession], int | None]:
    lines = (("iv_infusion", 1), *((s, 1) for s in p.per_session))
    n, step = p.induction_infusions, 7 * p.booster_every_weeks
    last_induction = (n - 1) * 7 * p.induction_weeks // n

    def day_of(j: int) -> int:
        return (j - 1) * 7 * p.induction_weeks // n if j <= n else last_induction + (j - n) * step

    numbered, cut = _numbered(day_of, p.session_count(), n, p.start_session, horizon_days)
    return [PlannedSession(day, "induction" if j <= n else "maintenance", lines) for j, day in numbered], cut


def _spravato(p: Spravato, horizon_days: int) -> tuple[list[PlannedSession], int | None]:
    extra = tuple((s, 1) for s in p.per_session)
    step = 7 * p.week9_every_weeks

    def day_of(j: int) -> int:
        if j <= len(_SPRAVATO_INDUCTION):
            return _SPRAVATO_INDUCTION[j - 1]
        if j <= _SPRAVATO_FIXED:
            return _SPRAVATO_WEEKLY[j - len(_SPRAVATO_INDUCTION) - 1]
        return _SPRAVATO_WEEK9 + (j - _SPRAVATO_FIXED - 1) * step

    def phase(j: int) -> str:
        if j <= len(_SPRAVATO_INDUCTION):
            return "induction"
        return "maintenance" if j <= _SPRAVATO_FIXED else "continuation"

    def lines(j: int) -> tuple[tuple[str, int], ...]:
        dose = 56 if (p.indication == "trd" and j == 1) else p.dose_mg  # label: day 1 of TRD is 56 mg
        return (("spravato_drug", _devices(dose)), ("spravato_observation", 1), *extra)

    fixed = p.session_count() or _SPRAVATO_FIXED  # mdsi: the induction only
    numbered, cut = _numbered(day_of, p.session_count(), fixed, p.start_session, horizon_days)
    return [PlannedSession(day, phase(j), lines(j)) for j, day in numbered], cut


def _custom(p: Custom, horizon_days: int) -> tuple[list[PlannedSession], int | None]:
    ordered = sorted(p.sessions, key=lambda s: s.day)  # stable for equal days
    sessions = [PlannedSession(s.day, s.phase, tuple((sq.service, sq.quantity) for sq in s.services)) for s in ordered]
    cut = [s.day for s in ordered if s.day >= horizon_days]  # every custom session is part of the fixed course
    return [s for s in sessions if s.day < horizon_days], min(cut) if cut else None


def build_calendar(protocol: IvKetamine | Spravato | Custom, horizon_weeks: int) -> Calendar:
    """Treatment sessions within the horizon, preceded by the day-0 evaluation for `once` services."""
    horizon_days = horizon_weeks * 7
    if isinstance(protocol, IvKetamine):
        kept, cut = _iv(protocol, horizon_days)
    elif isinstance(protocol, Spravato):
        kept, cut = _spravato(protocol, horizon_days)
    else:
        kept, cut = _custom(protocol, horizon_days)
    if protocol.once:
        kept.insert(0, PlannedSession(0, "evaluation", tuple((s, 1) for s in protocol.once), evaluation=True))
    return Calendar(tuple(kept), cut)

"""The session calendar of a protocol (SPEC §4.1): which days, which phase, which service lines."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from estimator.models import Custom, IvKetamine, Spravato
from estimator.reference import latest_decimal

# Label schedule (SPRAVATO prescribing information): weeks 1-4 twice weekly, 5-8 weekly, 9+ every 1-2 weeks.
_SPRAVATO_INDUCTION = tuple(int(7 * i) // 2 for i in range(8))  # floor(3.5 i): 0, 3, 7, ... 24
_SPRAVATO_WEEKLY = (28, 35, 42, 49)
_SPRAVATO_WEEK9 = 56


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


def _iv(p: IvKetamine, horizon_days: int) -> tuple[list[PlannedSession], list[int]]:
    lines = (("iv_infusion", 1), *((s, 1) for s in p.per_session))
    n = p.induction_infusions
    induction = [i * 7 * p.induction_weeks // n for i in range(n)]
    sessions = [PlannedSession(d, "induction", lines) for d in induction]
    if p.booster_every_weeks > 0:
        step = 7 * p.booster_every_weeks
        day = induction[-1] + step
        while day < horizon_days:
            sessions.append(PlannedSession(day, "maintenance", lines))
            day += step
    return sessions, induction


def _spravato(p: Spravato, horizon_days: int) -> tuple[list[PlannedSession], list[int]]:
    extra = tuple((s, 1) for s in p.per_session)

    def lines(dose: int) -> tuple[tuple[str, int], ...]:
        return (("spravato_drug", _devices(dose)), ("spravato_observation", 1), *extra)

    planned: list[tuple[int, str]] = [(d, "induction") for d in _SPRAVATO_INDUCTION]
    if p.indication == "trd":
        planned += [(d, "maintenance") for d in _SPRAVATO_WEEKLY]
        day, step = _SPRAVATO_WEEK9, 7 * p.week9_every_weeks
        while day < horizon_days:
            planned.append((day, "continuation"))
            day += step
    fixed = [d for d, phase in planned if phase != "continuation"]
    sessions = []
    for i, (day, phase) in enumerate(planned):
        dose = 56 if (p.indication == "trd" and i == 0) else p.dose_mg
        sessions.append(PlannedSession(day, phase, lines(dose)))
    return sessions, fixed


def _custom(p: Custom) -> tuple[list[PlannedSession], list[int]]:
    ordered = sorted(p.sessions, key=lambda s: s.day)  # stable for equal days
    sessions = [PlannedSession(s.day, s.phase, tuple((sq.service, sq.quantity) for sq in s.services)) for s in ordered]
    return sessions, [s.day for s in ordered]


def build_calendar(protocol: IvKetamine | Spravato | Custom, horizon_weeks: int) -> Calendar:
    """Treatment sessions within the horizon, preceded by the day-0 evaluation for `once` services."""
    horizon_days = horizon_weeks * 7
    if isinstance(protocol, IvKetamine):
        sessions, fixed = _iv(protocol, horizon_days)
    elif isinstance(protocol, Spravato):
        sessions, fixed = _spravato(protocol, horizon_days)
    else:
        sessions, fixed = _custom(protocol)
    cut = [d for d in fixed if d >= horizon_days]
    kept = [s for s in sessions if s.day < horizon_days]
    if protocol.once:
        kept.insert(0, PlannedSession(0, "evaluation", tuple((s, 1) for s in protocol.once), evaluation=True))
    return Calendar(tuple(kept), min(cut) if cut else None)

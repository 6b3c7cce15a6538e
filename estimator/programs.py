"""Manufacturer savings programs such as SPRAVATO withMe (SPEC §4.5, residence rules §4.9)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from estimator.models import SavingsProgram
from estimator.money import ZERO
from estimator.warning_log import WarningLog


class ProgramBook:
    """Which program pays which line, with per-session patient amounts and calendar-year maximums."""

    def __init__(
        self, programs: list[SavingsProgram], kind: str, warnings: WarningLog, patient_state: str | None = None
    ) -> None:
        self.programs = programs
        self.warnings = warnings
        self._by_service: dict[str, int] = {}
        for i, p in enumerate(programs):
            if kind not in p.eligible_kinds:
                warnings.add("savings_program_ineligible", program=p.name, kind=kind)
                continue
            if patient_state is not None and patient_state in p.excluded_states:
                warnings.add("savings_program_ineligible", program=p.name, state=patient_state)
                continue
            if patient_state is None and p.excluded_states:
                warnings.add("program_state_restricted", program=p.name, states=tuple(p.excluded_states))
            for service in p.services:
                self._by_service.setdefault(service, i)
        self._left: dict[int, Decimal] = {}
        self._used: dict[tuple[int, int], Decimal] = {}
        self._warned: set[tuple[int, int]] = set()

    def program_for(self, service: str) -> int | None:
        return self._by_service.get(service)

    def start_session(self) -> None:
        """Each session the patient's per-session amount starts afresh."""
        self._left = {}

    def pay(self, index: int, share: Decimal, day: dt.date) -> Decimal:
        """What program `index` pays of a covered line's share on `day`."""
        p = self.programs[index]
        left = self._left.get(index, p.patient_pays_per_session)
        keep = min(share, left)
        self._left[index] = left - keep
        wanted = share - keep
        if p.annual_max is None:
            return wanted
        key = (index, day.year)
        available = p.annual_max - self._used.get(key, ZERO)
        paid = min(wanted, available)
        self._used[key] = self._used.get(key, ZERO) + paid
        if wanted > 0 and available - paid <= 0 and key not in self._warned:
            self._warned.add(key)
            self.warnings.add("program_max_reached", day, program=p.name, year=day.year)
        return paid

"""Plan-year rollover: every active patient of a clinic whose course goes on gets a new version of their latest
quote for the new plan year (estimator.rollover.rollover_scenario: from the session they will be at on the plan
year's first day, amounts met back to zero), with a summary of old against new patient cost.

Which patients: active ones whose latest saved quote (the newest version of any of their quotes) has a session on
or after the plan year's start, whose plan year starts on that month and day (`match_plan_year`; a July plan is
not rolled over on January 1) and which does not already start on or after it (so a second run re-quotes no
one twice). Everyone else is listed as skipped, with why.

The work is streamed: patients are read in batches by id, each batch re-quoted and written in one transaction
(each new version with its audit row), so memory stays flat however many patients there are; `progress(done,
total)` is called after each batch. A quote saved by someone else meanwhile is skipped, not overwritten.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clinic.audit import record
from clinic.orm import PatientRow, QuoteRow
from clinic.patients import clinic_id
from clinic.quotes import QuoteTotals, insert_version, stored_scenario
from clinic.records_common import Account, Part
from estimator.documents.exports import write_csv
from estimator.engine import estimate
from estimator.rollover import rollover_scenario, session_on_or_after
from estimator.scenario_io import ScenarioError, scenario_from_data

Progress = Callable[[int, int], None]
CSV_COLUMNS = [
    "patient_reference",
    "patient_id",
    "quote_number",
    "old_version",
    "new_version",
    "start_session",
    "start_date",
    "old_patient_pays",
    "new_patient_pays",
    "change",
]


@dataclass(frozen=True, slots=True)
class RolloverLine:
    """One patient re-quoted."""

    patient_id: int
    patient_reference: str
    quote_number: int
    old_version: int
    new_version: int
    new_quote_id: int
    start_session: int  # the session the new quote starts at (a custom course: its place in day order)
    start_date: dt.date
    old_patient_pays: Decimal
    new_patient_pays: Decimal

    @property
    def change(self) -> Decimal:
        return self.new_patient_pays - self.old_patient_pays


@dataclass(frozen=True, slots=True)
class RolloverSkip:
    patient_id: int
    patient_reference: str
    reason: str


@dataclass(frozen=True, slots=True)
class RolloverSummary:
    plan_year_start: dt.date
    lines: tuple[RolloverLine, ...]  # biggest change in patient cost first (up or down), then by reference
    skipped: tuple[RolloverSkip, ...]

    def csv(self) -> str:
        """The summary as CSV (text cells neutralized against formula injection, amounts plain)."""
        return write_csv(
            CSV_COLUMNS,
            [
                {
                    "patient_reference": ln.patient_reference,
                    "patient_id": ln.patient_id,
                    "quote_number": ln.quote_number,
                    "old_version": ln.old_version,
                    "new_version": ln.new_version,
                    "start_session": ln.start_session,
                    "start_date": ln.start_date.isoformat(),
                    "old_patient_pays": ln.old_patient_pays,
                    "new_patient_pays": ln.new_patient_pays,
                    "change": ln.change,
                }
                for ln in self.lines
            ],
        )


@dataclass(frozen=True, slots=True)
class _Planned:
    patient_id: int
    reference: str
    quote_number: int
    old_version: int
    old_patient_pays: Decimal
    start_session: int
    scenario_json: dict[str, object]
    start_date: dt.date
    totals: QuoteTotals


def _plan(
    patient_id: int, reference: str, quote: QuoteRow | None, day: dt.date, horizon: int | None, match: bool
) -> _Planned | RolloverSkip:
    """What to write for one patient, or why not (pure: no database)."""
    if quote is None:
        return RolloverSkip(patient_id, reference, "no saved quote")
    try:
        scenario = scenario_from_data(quote.scenario)
    except ScenarioError:
        return RolloverSkip(patient_id, reference, f"quote {quote.quote_number} no longer reads as a scenario")
    if match and scenario.coverage.plan_year_start != f"{day:%m-%d}":
        return RolloverSkip(patient_id, reference, f"plan year starts on {scenario.coverage.plan_year_start}")
    if scenario.start_date >= day:
        return RolloverSkip(patient_id, reference, "quoted from the new plan year on already")
    try:
        new = rollover_scenario(scenario, day, horizon)
    except ValidationError:
        return RolloverSkip(patient_id, reference, "the session reached is past what a scenario can start at")
    if new is None:
        return RolloverSkip(patient_id, reference, "course over before the plan year starts")
    at = session_on_or_after(scenario, day)
    assert at is not None
    return _Planned(
        patient_id,
        reference,
        quote.quote_number,
        quote.version,
        Decimal(quote.totals["patient_pays"]),
        at.number,
        stored_scenario(new),
        new.start_date,
        QuoteTotals.of(estimate(new)),
    )


class Rollover(Part):
    def _batches(self, clinic: int, batch_size: int) -> Iterator[list[tuple[int, str, QuoteRow | None]]]:
        """Active patients by id, a batch at a time, each with their latest quote version (newest row)."""
        last = 0
        while True:
            with Session(self.engine) as session:
                patients = session.execute(
                    select(PatientRow.id, PatientRow.reference)
                    .where(PatientRow.clinic_id == clinic, PatientRow.active.is_(True), PatientRow.id > last)
                    .order_by(PatientRow.id)
                    .limit(batch_size)
                ).all()
                if not patients:
                    return
                ids = [p[0] for p in patients]
                newest = select(func.max(QuoteRow.id)).where(QuoteRow.patient_id.in_(ids)).group_by(QuoteRow.patient_id)
                quotes = {q.patient_id: q for q in session.scalars(select(QuoteRow).where(QuoteRow.id.in_(newest)))}
                session.expunge_all()
            yield [(pid, ref, quotes.get(pid)) for pid, ref in patients]
            last = ids[-1]

    def run(
        self,
        actor: Account,
        clinic: str,
        plan_year_start: dt.date,
        *,
        horizon_weeks: int | None = None,
        match_plan_year: bool = True,
        progress: Progress | None = None,
        batch_size: int = 200,
    ) -> RolloverSummary:
        """Re-quote the clinic's active patients for the plan year starting on `plan_year_start` (see the module's
        note); returns the summary, biggest changes first. Records one audit row per new quote version and one
        for the run."""
        with Session(self.engine) as session, session.begin():
            self.acting(session, actor)
            clinic_key = clinic_id(session, clinic)
            total = session.scalar(
                select(func.count())
                .select_from(PatientRow)
                .where(PatientRow.clinic_id == clinic_key, PatientRow.active.is_(True))
            )
        total = total or 0
        lines: list[RolloverLine] = []
        skipped: list[RolloverSkip] = []
        done = 0
        for batch in self._batches(clinic_key, batch_size):
            planned: list[_Planned] = []
            for pid, ref, quote in batch:
                item = _plan(pid, ref, quote, plan_year_start, horizon_weeks, match_plan_year)
                (skipped if isinstance(item, RolloverSkip) else planned).append(item)  # type: ignore[arg-type]
            self._write(actor, planned, {pid: q for pid, _, q in batch}, lines, skipped)
            done += len(batch)
            if progress is not None:
                progress(done, total)
        with Session(self.engine) as session, session.begin():
            detail = f"{len(lines)} re-quoted, {len(skipped)} skipped"
            record(session, actor, "rolled-over", "rollover", plan_year_start.isoformat(), self.clock(), detail)
        lines.sort(key=lambda ln: (-abs(ln.change), ln.patient_reference, ln.patient_id))
        return RolloverSummary(plan_year_start, tuple(lines), tuple(skipped))

    def _write(
        self,
        actor: Account,
        planned: list[_Planned],
        read: dict[int, QuoteRow | None],
        lines: list[RolloverLine],
        skipped: list[RolloverSkip],
    ) -> None:
        """One batch in one transaction: each new version with its audit row, unless that quote changed since it
        was read (then skipped)."""
        if not planned:
            return
        now = self.clock()
        with Session(self.engine) as session, session.begin():
            self.acting(session, actor)
            latest = dict(
                session.execute(
                    select(QuoteRow.patient_id, func.max(QuoteRow.id))
                    .where(QuoteRow.patient_id.in_([p.patient_id for p in planned]))
                    .group_by(QuoteRow.patient_id)
                ).all()
            )
            for p in planned:
                before = read[p.patient_id]
                if before is None or latest.get(p.patient_id) != before.id:
                    skipped.append(RolloverSkip(p.patient_id, p.reference, "a quote was saved meanwhile; run again"))
                    continue
                row = insert_version(
                    session,
                    actor,
                    patient_id=p.patient_id,
                    quote_number=p.quote_number,
                    version=p.old_version + 1,  # `before` is the newest row: its quote's latest
                    scenario_json=p.scenario_json,
                    totals=p.totals,
                    reason="rollover",
                    at=now,
                )
                lines.append(
                    RolloverLine(
                        p.patient_id,
                        p.reference,
                        p.quote_number,
                        p.old_version,
                        row.version,
                        row.id,
                        p.start_session,
                        p.start_date,
                        p.old_patient_pays,
                        p.totals.patient_pays,
                    )
                )
            session.expunge_all()

    def export_csv(self, actor: Account, summary: RolloverSummary) -> str:
        """The summary as CSV, the export recorded."""
        with Session(self.engine) as session, session.begin():
            self.acting(session, actor)
            day = summary.plan_year_start.isoformat()
            record(session, actor, "exported", "rollover", day, self.clock(), f"{len(summary.lines)} lines as CSV")
        return summary.csv()

"""A patient's quotes: saved scenarios with their totals, versioned (1, 2, 3 ... per patient and quote number).

Saving again adds the next version; nothing is overwritten. A version holds the scenario itself, exactly as
validated and as version 2 (fees, coverage and all, not references to a price list or template), so it reopens
with the same figures whatever happened to the clinic's setup since. Totals are computed by the estimator when
the version is saved. Every save and every opening is audited by id.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from clinic.audit import record
from clinic.orm import AccountRow, QuoteRow
from clinic.patients import patient_row
from clinic.records_common import Account, Invalid, NotFound, Part, Problem, RecordsError, VersionConflict, aware
from estimator.engine import estimate
from estimator.models import LATEST_VERSION, Scenario
from estimator.result import Result
from estimator.scenario_io import ScenarioError, scenario_from_data

Reason = Literal["saved", "rollover"]
TOTALS = ("patient_pays", "plan_pays", "program_pays", "charges")


@dataclass(frozen=True, slots=True)
class QuoteTotals:
    patient_pays: Decimal
    plan_pays: Decimal
    program_pays: Decimal
    charges: Decimal

    @classmethod
    def of(cls, result: Result) -> QuoteTotals:
        t = result.totals
        return cls(t.patient_pays, t.plan_pays, t.program_pays, t.charges)

    def as_json(self) -> dict[str, str]:
        return {name: str(getattr(self, name)) for name in TOTALS}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> QuoteTotals:
        return cls(*(Decimal(data[name]) for name in TOTALS))


@dataclass(frozen=True, slots=True)
class Quote:
    """One saved version of a quote."""

    id: int
    patient_id: int
    quote_number: int
    version: int
    scenario: Scenario
    totals: QuoteTotals
    reason: Reason  # saved by a counselor, or made by the plan-year rollover
    saved_by: int  # account id
    saved_by_username: str
    saved_at: dt.datetime


def stored_scenario(scenario: Scenario) -> dict[str, Any]:
    """The scenario as a quote keeps it: version 2, validated, in its JSON form (amounts as strings)."""
    return scenario.model_copy(update={"version": LATEST_VERSION}).model_dump(mode="json")


def quote_from_row(row: QuoteRow, username: str) -> Quote:
    return Quote(
        id=row.id,
        patient_id=row.patient_id,
        quote_number=row.quote_number,
        version=row.version,
        scenario=scenario_from_data(row.scenario),
        totals=QuoteTotals.from_json(row.totals),
        reason=row.reason,  # type: ignore[arg-type]
        saved_by=row.saved_by,
        saved_by_username=username,
        saved_at=aware(row.saved_at),
    )


def insert_version(
    session: Session,
    actor: Account,
    *,
    patient_id: int,
    quote_number: int,
    version: int,
    scenario_json: dict[str, Any],
    totals: QuoteTotals,
    reason: Reason,
    at: dt.datetime,
) -> QuoteRow:
    """Add one quote version and its audit row in the caller's transaction (the rollover adds many)."""
    row = QuoteRow(
        patient_id=patient_id,
        quote_number=quote_number,
        version=version,
        scenario=scenario_json,
        totals=totals.as_json(),
        reason=reason,
        saved_by=actor.id,
        saved_at=at,
    )
    session.add(row)
    session.flush()
    detail = f"quote {quote_number} version {version}" + (" (plan-year rollover)" if reason == "rollover" else "")
    record(session, actor, "saved", "quote", row.id, at, f"patient {patient_id} {detail}")
    return row


def _latest_version(session: Session, patient_id: int, quote_number: int) -> int | None:
    return session.scalar(
        select(func.max(QuoteRow.version)).where(
            QuoteRow.patient_id == patient_id, QuoteRow.quote_number == quote_number
        )
    )


_WITH_USER = select(QuoteRow, AccountRow.username).join(AccountRow, AccountRow.id == QuoteRow.saved_by)


class Quotes(Part):
    def save(
        self,
        actor: Account,
        patient_id: int,
        scenario: Scenario,
        *,
        quote_number: int | None = None,
        expected_version: int | None = None,
    ) -> Quote:
        """Save a scenario for a patient: a new quote (quote_number None: the patient's next number, version 1),
        or the next version of `quote_number`, which must still be at `expected_version` (else VersionConflict).
        The scenario is estimated here; its totals are kept with it."""
        if quote_number is not None and expected_version is None:
            raise Invalid([Problem("expected_version", "name the version the new one follows")])
        if not isinstance(scenario, Scenario):
            raise Invalid([Problem("scenario", "a validated scenario is needed")])
        scenario_json = stored_scenario(scenario)
        try:
            again = scenario_from_data(scenario_json)  # what reopening will read: checked before it is kept
        except ScenarioError as e:
            raise Invalid([Problem(p.loc, p.message) for p in e.problems]) from None
        totals = QuoteTotals.of(estimate(again))
        now = self.clock()
        try:
            with Session(self.engine) as session, session.begin():
                self.acting(session, actor)
                patient_row(session, patient_id)
                if quote_number is None:
                    latest_number = session.scalar(
                        select(func.max(QuoteRow.quote_number)).where(QuoteRow.patient_id == patient_id)
                    )
                    number, version = (latest_number or 0) + 1, 1
                else:
                    stored = _latest_version(session, patient_id, quote_number)
                    if stored is None:
                        raise NotFound(f"patient {patient_id} has no quote {quote_number}")
                    if stored != expected_version:
                        raise VersionConflict(f"quote {quote_number}", expected_version or 0, stored)
                    number, version = quote_number, stored + 1
                row = insert_version(
                    session,
                    actor,
                    patient_id=patient_id,
                    quote_number=number,
                    version=version,
                    scenario_json=scenario_json,
                    totals=totals,
                    reason="saved",
                    at=now,
                )
                return quote_from_row(row, actor.username)
        except IntegrityError:  # the same version saved at the same moment by someone else
            raise VersionConflict(f"quote {quote_number or 'new'}", expected_version or 0, None) from None

    def get(self, actor: Account, quote_id: int) -> Quote:
        """One saved version, exactly as saved (recorded as viewed)."""
        with Session(self.engine) as session, session.begin():
            self.acting(session, actor)
            found = session.execute(_WITH_USER.where(QuoteRow.id == quote_id)).first()
            if found is None:
                raise NotFound(f"no quote {quote_id}")
            record(session, actor, "viewed", "quote", quote_id, self.clock())
            return quote_from_row(found[0], found[1])

    def version(self, actor: Account, patient_id: int, quote_number: int, version: int | None = None) -> Quote:
        """A quote's version (default: its latest), recorded as viewed."""
        with Session(self.engine) as session:
            where = [QuoteRow.patient_id == patient_id, QuoteRow.quote_number == quote_number]
            if version is None:
                version = _latest_version(session, patient_id, quote_number)
            quote_id = session.scalar(select(QuoteRow.id).where(*where, QuoteRow.version == version))
        if quote_id is None:
            raise NotFound(f"patient {patient_id} has no quote {quote_number} version {version}")
        return self.get(actor, quote_id)

    def history(self, actor: Account, patient_id: int, quote_number: int | None = None) -> list[Quote]:
        """Every version of the patient's quotes (or of one quote), newest first: what the page lists."""
        with Session(self.engine) as session, session.begin():
            self.acting(session, actor)
            patient_row(session, patient_id)
            query = _WITH_USER.where(QuoteRow.patient_id == patient_id)
            if quote_number is not None:
                query = query.where(QuoteRow.quote_number == quote_number)
            rows = session.execute(query.order_by(QuoteRow.quote_number.desc(), QuoteRow.version.desc())).all()
            record(session, actor, "viewed", "patient", patient_id, self.clock(), f"{len(rows)} quote versions")
            return [quote_from_row(r[0], r[1]) for r in rows]

    def latest(self, actor: Account, patient_id: int) -> list[Quote]:
        """The latest version of each of the patient's quotes, newest quote first."""
        newest: dict[int, Quote] = {}
        for q in self.history(actor, patient_id):
            newest.setdefault(q.quote_number, q)
        return list(newest.values())


__all__ = ["Quote", "QuoteTotals", "Quotes", "RecordsError", "insert_version", "stored_scenario"]

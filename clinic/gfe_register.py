"""The Good Faith Estimate register (No Surprises Act, 45 CFR 149.610 and 149.620).

Issuing a GFE from a self-pay patient's quote gives it the clinic's next number for the year ("LKC-2026-000123":
prefix, year, six-digit sequence). The number is taken from a counter row inside the issuing transaction (the row
is locked until commit), so two counselors issuing at once get consecutive numbers, and a failed issue gives its
number back: no gaps, no duplicates. The entry keeps the exact document content (clinic, patient, request, items,
total, as JSON) and the PDF bytes, and how and when it was delivered. Reissuing adds the next version of the same
number, naming the version it replaces. Nothing is ever changed or deleted.

Status on a day: `replaced` (a later version names it), else `expired` after the last day of the period the
document states (estimator.bill_check), else `current`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from clinic.audit import record
from clinic.orm import ClinicRow, CounterRow, GfeDeliveryRow, GfeRow, PatientRow, QuoteRow
from clinic.patients import clinic_id as find_clinic
from clinic.records_common import Account, Invalid, NotFound, Part, Problem, RecordsError, aware
from estimator.bill_check import BillCheck, GfeStatus, check_bill, gfe_status
from estimator.gfe import (
    ClinicDetails,
    GfeRequest,
    PatientDetails,
    course_fits_period,
    gfe_ineligibility,
    gfe_items,
    gfe_total,
    recurring_scope,
)
from estimator.models import Scenario
from estimator.result import Result
from estimator.scenario_io import scenario_from_data

DeliveryMethod = Literal["paper", "email", "portal", "mail", "fax"]
_SKIP_WORDS = {"and", "of", "the", "for", "at", "in"}


class GfeItemData(BaseModel):
    """One itemized line as the document printed it (estimator.gfe.GfeItem, as data)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    description: str
    code: str
    diagnosis_codes: tuple[str, ...] = Field(repr=False)
    quantity: int
    expected_charge: Decimal
    when: str
    sessions: int
    first_date: dt.date
    last_date: dt.date
    phase: str


class GfeDocument(BaseModel):
    """Exactly what a Good Faith Estimate document was generated from. The patient's details and the diagnosis
    codes are left out of repr()."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    clinic: ClinicDetails
    patient: PatientDetails = Field(repr=False)
    request: GfeRequest = Field(repr=False)
    made_on: dt.date
    items: tuple[GfeItemData, ...]
    total: Decimal
    scope: tuple[str, ...] = ()


def gfe_document(
    scenario: Scenario,
    result: Result,
    *,
    clinic: ClinicDetails,
    patient: PatientDetails,
    request: GfeRequest,
    made_on: dt.date,
) -> GfeDocument:
    """The document's content from a self-pay scenario and its estimate (what documents.gfe_pdf prints); raises
    Invalid when a GFE does not apply or the period does not cover the course."""
    why_not = gfe_ineligibility(scenario)
    if why_not is not None:
        raise Invalid([Problem("coverage.kind", why_not)])
    problems = course_fits_period(result, request)
    if problems:
        raise Invalid([Problem(p.loc, p.message) for p in problems])
    items = gfe_items(scenario, result, request.diagnosis_codes)
    details = ClinicDetails.model_validate(clinic.model_dump(include=set(ClinicDetails.model_fields)))
    return GfeDocument(
        clinic=details,
        patient=patient,
        request=request,
        made_on=made_on,
        items=tuple(GfeItemData.model_validate(i, from_attributes=True) for i in items),
        total=gfe_total(items),
        scope=tuple(recurring_scope(result)),
    )


def clinic_prefix(clinic_name: str) -> str:
    """The number's default prefix: the initials of the clinic's name ("Lakeside Ketamine Clinic" -> "LKC"),
    at most 6, skipping small words; "GFE" when the name has none."""
    words = [w for w in re.findall(r"[A-Za-z0-9]+", clinic_name) if w.casefold() not in _SKIP_WORDS]
    return "".join(w[0] for w in words).upper()[:6] or "GFE"


def format_number(prefix: str, year: int, sequence: int) -> str:
    return f"{prefix}-{year}-{sequence:06d}"


@dataclass(frozen=True, slots=True)
class Delivery:
    method: DeliveryMethod
    at: dt.datetime


@dataclass(frozen=True, slots=True)
class GfeEntry:
    """One version of an issued GFE in the register. `document` is None in register lists (read one entry with
    `GfeRegister.get` for it; the PDF with `GfeRegister.pdf`)."""

    id: int
    number: str
    version: int
    replaces_id: int | None
    replaced_by_id: int | None
    patient_id: int
    patient_reference: str
    quote_id: int
    total: Decimal
    period_end: dt.date | None
    issued_at: dt.datetime
    issued_by: int
    status: GfeStatus
    deliveries: tuple[Delivery, ...]
    document: GfeDocument | None = field(default=None, repr=False)


def _next_in_counter(session: Session, name: str) -> int:
    """The counter's next value, taken in the caller's transaction: the row stays locked (PostgreSQL: row lock;
    SQLite: the database's write lock) until commit, and a rollback gives the value back."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(CounterRow).values(name=name, value=0).on_conflict_do_nothing(index_elements=["name"]))
    stmt = update(CounterRow).where(CounterRow.name == name).values(value=CounterRow.value + 1)
    return int(session.execute(stmt.returning(CounterRow.value)).scalar_one())


def _pdf_bytes(pdf: bytes | Callable[[str], bytes], label: str) -> bytes:
    data = pdf(label) if callable(pdf) else pdf
    if not isinstance(data, (bytes, bytearray)) or not bytes(data).startswith(b"%PDF"):
        raise Invalid([Problem("pdf", "the Good Faith Estimate's PDF is missing or not a PDF")])
    return bytes(data)


class GfeRegister(Part):
    # ------------------------------------------------------------ issuing

    def _check_quote(self, session: Session, quote_id: int, document: GfeDocument) -> QuoteRow:
        quote = session.get(QuoteRow, quote_id)
        if quote is None:
            raise NotFound(f"no quote {quote_id}")
        why_not = gfe_ineligibility(scenario_from_data(quote.scenario))
        if why_not is not None:
            raise Invalid([Problem("quote", why_not)])
        if Decimal(quote.totals["charges"]) != document.total:
            raise Invalid([Problem("document", "the document's total is not the quote's charges: build it again")])
        return quote

    def _insert(
        self,
        session: Session,
        actor: Account,
        *,
        quote: QuoteRow,
        clinic_id: int,
        number: str,
        version: int,
        replaces_id: int | None,
        document: GfeDocument,
        pdf: bytes | Callable[[str], bytes],
        delivery: Delivery,
        now: dt.datetime,
    ) -> GfeEntry:
        label = number if version == 1 else f"{number} (version {version})"
        row = GfeRow(
            clinic_id=clinic_id,
            patient_id=quote.patient_id,
            quote_id=quote.id,
            number=number,
            version=version,
            replaces_id=replaces_id,
            content=document.model_dump(mode="json"),
            pdf=_pdf_bytes(pdf, label),
            total=str(document.total),
            period_end=document.request.period_end,
            issued_by=actor.id,
            issued_at=now,
        )
        session.add(row)
        session.flush()
        session.add(
            GfeDeliveryRow(gfe_id=row.id, method=delivery.method, delivered_at=delivery.at, recorded_by=actor.id)
        )
        detail = f"{number} version {version}" + (f", replaces entry {replaces_id}" if replaces_id else "")
        record(session, actor, "issued", "gfe", row.id, now, f"{detail}; quote {quote.id}")
        record(session, actor, "delivered", "gfe", row.id, now, f"by {delivery.method}")
        return self._entry(session, row.id, now.date(), with_document=True)

    def issue(
        self,
        actor: Account,
        quote_id: int,
        document: GfeDocument,
        pdf: bytes | Callable[[str], bytes],
        delivery: Delivery,
        *,
        prefix: str | None = None,
    ) -> GfeEntry:
        """Issue a GFE for a self-pay quote version: the next number of the clinic's year (prefix: the clinic's
        initials unless given), the document's content, its PDF (bytes, or a function of the number that renders
        them, called inside the transaction) and its first delivery. One transaction with its audit rows."""
        if prefix is not None and not re.fullmatch(r"[A-Z0-9]{2,8}", prefix):
            raise Invalid([Problem("prefix", "use 2-8 capital letters or digits")])
        now = self.clock()
        with Session(self.engine) as session, session.begin():
            self.acting(session, actor)
            quote = self._check_quote(session, quote_id, document)
            patient = session.get(PatientRow, quote.patient_id)
            assert patient is not None
            clinic = session.get(ClinicRow, patient.clinic_id)
            assert clinic is not None
            sequence = _next_in_counter(session, f"gfe/{clinic.id}/{now.year}")
            number = format_number(prefix or clinic_prefix(clinic.name), now.year, sequence)
            return self._insert(
                session,
                actor,
                quote=quote,
                clinic_id=clinic.id,
                number=number,
                version=1,
                replaces_id=None,
                document=document,
                pdf=pdf,
                delivery=delivery,
                now=now,
            )

    def reissue(
        self,
        actor: Account,
        replaces: int,
        quote_id: int,
        document: GfeDocument,
        pdf: bytes | Callable[[str], bytes],
        delivery: Delivery,
    ) -> GfeEntry:
        """Reissue the GFE entry `replaces` (its latest version) from a quote of the same patient: the next version
        of the same number, naming the one it replaces. RecordsError when that one was replaced already."""
        now = self.clock()
        try:
            with Session(self.engine) as session, session.begin():
                self.acting(session, actor)
                old = session.get(GfeRow, replaces)
                if old is None:
                    raise NotFound(f"no GFE entry {replaces}")
                quote = self._check_quote(session, quote_id, document)
                if quote.patient_id != old.patient_id:
                    raise Invalid([Problem("quote", "the quote is another patient's")])
                if session.scalar(select(GfeRow.id).where(GfeRow.replaces_id == replaces)) is not None:
                    raise RecordsError(f"{old.number} version {old.version} was replaced already; reissue the latest")
                return self._insert(
                    session,
                    actor,
                    quote=quote,
                    clinic_id=old.clinic_id,
                    number=old.number,
                    version=old.version + 1,
                    replaces_id=old.id,
                    document=document,
                    pdf=pdf,
                    delivery=delivery,
                    now=now,
                )
        except IntegrityError:
            raise RecordsError("this GFE was reissued at the same moment by someone else; open it again") from None

    def record_delivery(self, actor: Account, gfe_id: int, delivery: Delivery) -> GfeEntry:
        """Another delivery of an issued GFE (for example on paper, then by e-mail)."""
        with Session(self.engine) as session, session.begin():
            self.acting(session, actor)
            if session.get(GfeRow, gfe_id) is None:
                raise NotFound(f"no GFE entry {gfe_id}")
            session.add(
                GfeDeliveryRow(gfe_id=gfe_id, method=delivery.method, delivered_at=delivery.at, recorded_by=actor.id)
            )
            now = self.clock()
            record(session, actor, "delivered", "gfe", gfe_id, now, f"by {delivery.method}")
            return self._entry(session, gfe_id, now.date())

    # ------------------------------------------------------------ reading

    def _query(self):  # type: ignore[no-untyped-def]
        newer = aliased(GfeRow)
        cols = (
            GfeRow.id,
            GfeRow.number,
            GfeRow.version,
            GfeRow.replaces_id,
            newer.id,
            GfeRow.patient_id,
            PatientRow.reference,
            GfeRow.quote_id,
            GfeRow.total,
            GfeRow.period_end,
            GfeRow.issued_at,
            GfeRow.issued_by,
        )
        return (
            select(*cols)
            .join(PatientRow, PatientRow.id == GfeRow.patient_id)
            .outerjoin(newer, newer.replaces_id == GfeRow.id)
        )

    def _entries(self, session: Session, query, today: dt.date) -> list[GfeEntry]:  # type: ignore[no-untyped-def]
        rows = session.execute(query).all()
        ids = [r[0] for r in rows]
        deliveries: dict[int, list[Delivery]] = {}
        if ids:
            found = session.execute(
                select(GfeDeliveryRow.gfe_id, GfeDeliveryRow.method, GfeDeliveryRow.delivered_at)
                .where(GfeDeliveryRow.gfe_id.in_(ids))
                .order_by(GfeDeliveryRow.id)
            )
            for gfe_id, method, at in found:
                deliveries.setdefault(gfe_id, []).append(Delivery(method, aware(at)))
        out = []
        for r in rows:
            issued = aware(r[10])
            out.append(
                GfeEntry(
                    id=r[0],
                    number=r[1],
                    version=r[2],
                    replaces_id=r[3],
                    replaced_by_id=r[4],
                    patient_id=r[5],
                    patient_reference=r[6],
                    quote_id=r[7],
                    total=Decimal(r[8]),
                    period_end=r[9],
                    issued_at=issued,
                    issued_by=r[11],
                    status=gfe_status(issued.date(), r[9], r[4] is not None, today),
                    deliveries=tuple(deliveries.get(r[0], ())),
                )
            )
        return out

    def _entry(self, session: Session, gfe_id: int, today: dt.date, *, with_document: bool = False) -> GfeEntry:
        found = self._entries(session, self._query().where(GfeRow.id == gfe_id), today)
        if not found:
            raise NotFound(f"no GFE entry {gfe_id}")
        entry = found[0]
        if with_document:
            content = session.scalar(select(GfeRow.content).where(GfeRow.id == gfe_id))
            try:
                document = GfeDocument.model_validate(content)
            except ValidationError:  # pydantic's message would repeat the values: a patient's name among them
                raise RecordsError(f"GFE entry {gfe_id}'s stored document no longer reads as one") from None
            entry = _with_document(entry, document)
        return entry

    def get(self, actor: Account, gfe_id: int, today: dt.date | None = None) -> GfeEntry:
        """One entry with its document content (recorded as viewed)."""
        with Session(self.engine) as session, session.begin():
            self.acting(session, actor)
            entry = self._entry(session, gfe_id, today or self.clock().date(), with_document=True)
            record(session, actor, "viewed", "gfe", gfe_id, self.clock())
            return entry

    def pdf(self, actor: Account, gfe_id: int) -> bytes:
        """The PDF exactly as issued (recorded as exported)."""
        with Session(self.engine) as session, session.begin():
            self.acting(session, actor)
            data = session.scalar(select(GfeRow.pdf).where(GfeRow.id == gfe_id))
            if data is None:
                raise NotFound(f"no GFE entry {gfe_id}")
            record(session, actor, "exported", "gfe", gfe_id, self.clock(), "PDF")
            return bytes(data)

    def register(
        self,
        actor: Account,
        clinic: str,
        *,
        today: dt.date | None = None,
        patient_id: int | None = None,
        status: GfeStatus | None = None,
        limit: int = 200,
        before_id: int | None = None,
    ) -> list[GfeEntry]:
        """The clinic's register, newest first: every version of every GFE with its status on `today` (default:
        the clock's day); filter by patient or status; page on with `before_id` (the last id shown)."""
        today = today or self.clock().date()
        with Session(self.engine) as session, session.begin():
            self.acting(session, actor)
            query = self._query().where(GfeRow.clinic_id == find_clinic(session, clinic))
            if patient_id is not None:
                query = query.where(GfeRow.patient_id == patient_id)
            if before_id is not None:
                query = query.where(GfeRow.id < before_id)
            entries = self._entries(session, query.order_by(GfeRow.id.desc()), today)
            if status is not None:
                entries = [e for e in entries if e.status == status]
            entries = entries[:limit]
            record(session, actor, "viewed", "gfe", "", self.clock(), f"register, {len(entries)} entries")
            return entries

    def check_bill(self, actor: Account, gfe_id: int, billed_total: Decimal, bill_date: dt.date) -> BillCheck:
        """Whether a bill may be disputed against this GFE (at least $400.00 more than its total), by when and where
        (estimator.bill_check.check_bill on the entry's total)."""
        with Session(self.engine) as session, session.begin():
            self.acting(session, actor)
            total = session.scalar(select(GfeRow.total).where(GfeRow.id == gfe_id))
            if total is None:
                raise NotFound(f"no GFE entry {gfe_id}")
            record(session, actor, "viewed", "gfe", gfe_id, self.clock(), "bill check")
        return check_bill(Decimal(total), billed_total, bill_date)


def _with_document(entry: GfeEntry, document: GfeDocument) -> GfeEntry:
    return replace(entry, document=document)

"""A clinic's patients: reference (MRN), name, date of birth, state of residence, the payer template used.

Patients are never deleted, only marked inactive. Search is by reference or name, ignoring case, on any part.
Every read and write is audited by id (a search by how many it found, never by what was typed). A patient's name
and birth date never appear in a log, an error message or an audit row, and are left out of `repr()`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from clinic.audit import record
from clinic.orm import ClinicRow, PatientRow
from clinic.records_common import Account, Invalid, NotFound, Part, Problem, RecordsError, VersionConflict, aware
from estimator.clinic_setup import name_key
from estimator.reference import us_states
from estimator.scenario_io import problems_from
from estimator.text import clean_text


def _required(value: object, what: str, max_len: int) -> str:
    text = clean_text(value) if isinstance(value, str) else ""
    if not text:
        raise ValueError(f"enter the {what}")
    if len(text) > max_len:
        raise ValueError(f"the {what} is too long (at most {max_len} characters)")
    return text


class PatientDetails(BaseModel):
    """What a counselor enters for a patient (validated; the name and birth date are kept out of repr)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    reference: str
    name: str = Field(repr=False)
    date_of_birth: dt.date = Field(repr=False)
    state: str | None = None
    payer_template: str | None = None  # the name of the payer template used (clinic setup), if any

    @field_validator("reference", mode="before")
    @classmethod
    def _reference(cls, value: object) -> str:
        return _required(value, "patient's reference (MRN)", 40)

    @field_validator("name", mode="before")
    @classmethod
    def _name(cls, value: object) -> str:
        return _required(value, "patient's name", 200)

    @field_validator("date_of_birth")
    @classmethod
    def _dob(cls, value: dt.date) -> dt.date:
        if value > dt.date.today():
            raise ValueError("the date of birth is in the future")
        if value < dt.date(1900, 1, 1):
            raise ValueError("the date of birth is before 1900; check the year")
        return value

    @field_validator("state", mode="before")
    @classmethod
    def _state(cls, value: object) -> str | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        code = value.strip().upper() if isinstance(value, str) else ""
        if code not in us_states():
            raise ValueError("use the 2-letter postal code of a US state or territory, for example CA or NY")
        return code

    @field_validator("payer_template", mode="before")
    @classmethod
    def _template(cls, value: object) -> str | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        return _required(value, "payer template's name", 100)


def patient_details(data: dict[str, object] | PatientDetails) -> PatientDetails:
    """Validated details, or Invalid with one `field: message` problem per field (no value repeated)."""
    if isinstance(data, PatientDetails):
        data = data.model_dump()
    try:
        return PatientDetails.model_validate(data)
    except ValidationError as e:
        raise Invalid([Problem(p.loc, p.message) for p in problems_from(e)]) from None


@dataclass(frozen=True, slots=True)
class Patient:
    """A kept patient; `version` is what to name when saving changes."""

    id: int
    clinic_id: int
    reference: str
    name: str = field(repr=False)
    date_of_birth: dt.date = field(repr=False)
    state: str | None
    payer_template: str | None
    active: bool
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime

    @property
    def details(self) -> PatientDetails:
        return PatientDetails(
            reference=self.reference,
            name=self.name,
            date_of_birth=self.date_of_birth,
            state=self.state,
            payer_template=self.payer_template,
        )


def patient_from_row(row: PatientRow) -> Patient:
    return Patient(
        row.id,
        row.clinic_id,
        row.reference,
        row.name,
        row.date_of_birth,
        row.state,
        row.payer_template,
        row.active,
        row.version,
        aware(row.created_at),
        aware(row.updated_at),
    )


def _columns(details: PatientDetails) -> dict[str, object]:
    return {
        "reference": details.reference,
        "reference_key": name_key(details.reference),
        "name": details.name,
        "name_key": name_key(details.name),
        "date_of_birth": details.date_of_birth,
        "state": details.state,
        "payer_template": details.payer_template,
    }


def clinic_id(session: Session, clinic: str) -> int:
    found = session.scalar(select(ClinicRow.id).where(ClinicRow.name_key == name_key(clinic)))
    if found is None:
        raise NotFound(f"no clinic named {clinic!r} is kept")
    return found


def patient_row(session: Session, patient_id: int) -> PatientRow:
    row = session.get(PatientRow, patient_id)
    if row is None:
        raise NotFound(f"no patient {patient_id}")
    return row


def _like(text: str) -> str:
    escaped = name_key(text).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class Patients(Part):
    def create(self, actor: Account, clinic: str, details: PatientDetails | dict[str, object]) -> Patient:
        details = patient_details(details)
        now = self.clock()
        try:
            with Session(self.engine) as session, session.begin():
                self.acting(session, actor)
                row = PatientRow(
                    clinic_id=clinic_id(session, clinic),
                    **_columns(details),
                    active=True,
                    version=1,
                    created_at=now,
                    updated_at=now,
                )
                session.add(row)
                session.flush()
                record(session, actor, "created", "patient", row.id, now)
                return patient_from_row(row)
        except IntegrityError:
            raise RecordsError(f"a patient with the reference {details.reference!r} is kept already") from None

    def get(self, actor: Account, patient_id: int) -> Patient:
        """One patient (recorded as viewed)."""
        with Session(self.engine) as session, session.begin():
            self.acting(session, actor)
            patient = patient_from_row(patient_row(session, patient_id))
            record(session, actor, "viewed", "patient", patient_id, self.clock())
            return patient

    def by_reference(self, actor: Account, clinic: str, reference: str) -> Patient:
        """The clinic's patient with this reference (MRN), ignoring case (recorded as viewed)."""
        with Session(self.engine) as session, session.begin():
            self.acting(session, actor)
            where = (
                PatientRow.clinic_id == clinic_id(session, clinic),
                PatientRow.reference_key == name_key(reference),
            )
            row = session.scalar(select(PatientRow).where(*where))
            if row is None:
                raise NotFound(f"no patient with the reference {reference!r}")
            record(session, actor, "viewed", "patient", row.id, self.clock())
            return patient_from_row(row)

    def search(
        self, actor: Account, clinic: str, query: str = "", *, include_inactive: bool = False, limit: int = 50
    ) -> list[Patient]:
        """Patients whose reference or name contains `query` (ignoring case; blank: all), by name, at most
        `limit`. The search is recorded with how many it found, not with what was typed."""
        with Session(self.engine) as session, session.begin():
            self.acting(session, actor)
            stmt = select(PatientRow).where(PatientRow.clinic_id == clinic_id(session, clinic))
            if query.strip():
                pattern = _like(query)
                stmt = stmt.where(
                    or_(
                        PatientRow.reference_key.like(pattern, escape="\\"),
                        PatientRow.name_key.like(pattern, escape="\\"),
                    )
                )
            if not include_inactive:
                stmt = stmt.where(PatientRow.active.is_(True))
            rows = session.scalars(stmt.order_by(PatientRow.name_key, PatientRow.id).limit(limit)).all()
            found = [patient_from_row(r) for r in rows]
            record(session, actor, "searched", "patient", "", self.clock(), f"{len(found)} found")
            return found

    def _update(
        self, session: Session, actor: Account, patient_id: int, expected: int, values: dict[str, object]
    ) -> Patient:
        now = self.clock()
        done = session.execute(
            update(PatientRow)
            .where(PatientRow.id == patient_id, PatientRow.version == expected)
            .values(**values, version=expected + 1, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        if done.rowcount != 1:  # type: ignore[attr-defined]
            stored = session.scalar(select(PatientRow.version).where(PatientRow.id == patient_id))
            if stored is None:
                raise NotFound(f"no patient {patient_id}")
            raise VersionConflict(f"patient {patient_id}", expected, stored)
        row = session.scalar(
            select(PatientRow).where(PatientRow.id == patient_id).execution_options(populate_existing=True)
        )
        assert row is not None
        return patient_from_row(row)

    def update(
        self, actor: Account, patient_id: int, details: PatientDetails | dict[str, object], expected_version: int
    ) -> Patient:
        """Save changed details, if nobody saved since `expected_version` (else VersionConflict)."""
        details = patient_details(details)
        try:
            with Session(self.engine) as session, session.begin():
                self.acting(session, actor)
                patient = self._update(session, actor, patient_id, expected_version, _columns(details))
                record(session, actor, "changed", "patient", patient_id, self.clock(), f"version {patient.version}")
                return patient
        except IntegrityError:
            raise RecordsError(f"a patient with the reference {details.reference!r} is kept already") from None

    def set_active(self, actor: Account, patient_id: int, active: bool, expected_version: int | None = None) -> Patient:
        """Mark a patient inactive (kept, hidden from search and the rollover) or active again."""
        with Session(self.engine) as session, session.begin():
            self.acting(session, actor)
            row = patient_row(session, patient_id)
            if row.active == active:
                return patient_from_row(row)
            expected = row.version if expected_version is None else expected_version
            patient = self._update(session, actor, patient_id, expected, {"active": active})
            record(session, actor, "reactivated" if active else "deactivated", "patient", patient_id, self.clock())
            return patient

"""The clinic store's tables (SQLAlchemy 2 declarative): clinics, their price lists and payer templates (issue 18);
accounts, the audit log, patients, their quotes, and the Good Faith Estimate register (issue 19).

Each setup row holds its validated content as JSON (amounts as strings, never floats), a version for optimistic
concurrency, and an archived flag: nothing is ever deleted, so an old quote can still name what it used. Quotes and
register entries are written once and never changed; patients are marked inactive, never deleted.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAME_LENGTH = 300  # a clinic's name may be 300 characters (the GFE's limit); list names 100


class Base(DeclarativeBase):
    pass


class _Kept:
    """The columns every kept thing has."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    name_key: Mapped[str] = mapped_column(String(NAME_LENGTH))  # casefolded name: unique, for look-ups
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer, default=1)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ClinicRow(_Kept, Base):
    __tablename__ = "clinics"
    __table_args__ = (UniqueConstraint("name_key", name="uq_clinics_name_key"),)

    logo_png: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)


class PriceListRow(_Kept, Base):
    __tablename__ = "price_lists"
    __table_args__ = (UniqueConstraint("clinic_id", "name_key", name="uq_price_lists_clinic_name"),)

    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id", name="fk_price_lists_clinic"), index=True)


class PayerTemplateRow(_Kept, Base):
    __tablename__ = "payer_templates"
    __table_args__ = (UniqueConstraint("clinic_id", "name_key", name="uq_payer_templates_clinic_name"),)

    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id", name="fk_payer_templates_clinic"), index=True)


# ---------------------------------------------------------------- issue 19: who, patients, quotes, the GFE register


class AccountRow(Base):
    """Someone who signs in: an admin or a counselor. Never deleted (the audit log names them); deactivated."""

    __tablename__ = "accounts"
    __table_args__ = (UniqueConstraint("username_key", name="uq_accounts_username_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    username_key: Mapped[str] = mapped_column(String(64))  # casefolded
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))  # admin | counselor
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    password_hash: Mapped[str] = mapped_column(String(200))  # argon2id, with its own parameters and salt
    failed_count: Mapped[int] = mapped_column(Integer, default=0)  # failed sign-ins since the last success or lock
    last_failed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_sign_in_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class CounterRow(Base):
    """Named counters taken inside a transaction (the GFE numbers of a clinic's year: no gaps, no duplicates)."""

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)


class AuditRow(Base):
    """Who did what to which object, when. Only ids and fixed words: never a patient's name, birth date or
    diagnosis. Rows are only ever added."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_at", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", name="fk_audit_log_account"), nullable=True, index=True
    )
    username: Mapped[str] = mapped_column(String(64))  # as it was then ("" for an unknown one)
    action: Mapped[str] = mapped_column(String(40))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str] = mapped_column(String(80))
    detail: Mapped[str] = mapped_column(String(500))


class PatientRow(Base):
    """A clinic's patient: reference (MRN), name, birth date, state of residence, payer template used."""

    __tablename__ = "patients"
    __table_args__ = (UniqueConstraint("clinic_id", "reference_key", name="uq_patients_clinic_reference"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id", name="fk_patients_clinic"), index=True)
    reference: Mapped[str] = mapped_column(String(40))
    reference_key: Mapped[str] = mapped_column(String(40))  # casefolded, for look-ups and search
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200))  # casefolded, for search
    date_of_birth: Mapped[dt.date] = mapped_column(Date)
    state: Mapped[str | None] = mapped_column(String(2), nullable=True)
    payer_template: Mapped[str | None] = mapped_column(String(NAME_LENGTH), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class QuoteRow(Base):
    """One saved version of one of a patient's quotes: the scenario as validated (version 2) and its totals.
    Saving again adds a row (the next version); a row is never changed."""

    __tablename__ = "quotes"
    __table_args__ = (
        UniqueConstraint("patient_id", "quote_number", "version", name="uq_quotes_patient_number_version"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", name="fk_quotes_patient"), index=True)
    quote_number: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    scenario: Mapped[dict[str, Any]] = mapped_column(JSON)
    totals: Mapped[dict[str, Any]] = mapped_column(JSON)  # patient_pays, plan_pays, program_pays, charges (strings)
    reason: Mapped[str] = mapped_column(String(20))  # saved | rollover
    saved_by: Mapped[int] = mapped_column(ForeignKey("accounts.id", name="fk_quotes_account"))
    saved_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class GfeRow(Base):
    """One issued Good Faith Estimate (a version of a numbered one): the document's content as JSON and its PDF.
    A reissue adds the next version of the same number, naming the one it replaces. Never changed or deleted."""

    __tablename__ = "gfes"
    __table_args__ = (
        UniqueConstraint("number", "version", name="uq_gfes_number_version"),
        UniqueConstraint("replaces_id", name="uq_gfes_replaces"),  # a version is replaced at most once
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id", name="fk_gfes_clinic"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", name="fk_gfes_patient"), index=True)
    quote_id: Mapped[int] = mapped_column(ForeignKey("quotes.id", name="fk_gfes_quote"))
    number: Mapped[str] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(Integer)
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("gfes.id", name="fk_gfes_replaces"), nullable=True)
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    total: Mapped[str] = mapped_column(String(20))
    period_end: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    issued_by: Mapped[int] = mapped_column(ForeignKey("accounts.id", name="fk_gfes_account"))
    issued_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class GfeDeliveryRow(Base):
    """How and when an issued GFE reached the patient (paper, e-mail, portal...): one row per delivery."""

    __tablename__ = "gfe_deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    gfe_id: Mapped[int] = mapped_column(ForeignKey("gfes.id", name="fk_gfe_deliveries_gfe"), index=True)
    method: Mapped[str] = mapped_column(String(20))
    delivered_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    recorded_by: Mapped[int] = mapped_column(ForeignKey("accounts.id", name="fk_gfe_deliveries_account"))

"""The clinic store's tables (SQLAlchemy 2 declarative): clinics, their price lists and payer templates.

Each row holds its validated content as JSON (amounts as strings, never floats), a version for optimistic
concurrency, and an archived flag: nothing is ever deleted, so an old quote can still name what it used.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, LargeBinary, String, UniqueConstraint, func
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

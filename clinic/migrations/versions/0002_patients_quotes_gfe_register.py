"""Patients, quotes and the Good Faith Estimate register, behind a sign-in (issue 19): accounts, counters, the
audit log, patients, quotes (one row per version), GFEs (one row per version) and their deliveries.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-12
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _when(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _now(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False)


def _fk(column: str, target: str, name: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [target], name=name)


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("username_key", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("failed_count", sa.Integer(), nullable=False),
        _when("last_failed_at", nullable=True),
        _when("locked_until", nullable=True),
        _when("last_sign_in_at", nullable=True),
        _now("created_at"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("username_key", name="uq_accounts_username_key"),
    )
    op.create_table(
        "counters",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        _when("at"),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("object_type", sa.String(length=40), nullable=False),
        sa.Column("object_id", sa.String(length=80), nullable=False),
        sa.Column("detail", sa.String(length=500), nullable=False),
        _fk("account_id", "accounts.id", "fk_audit_log_account"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_audit_log_account_id", "audit_log", ["account_id"], unique=False)
    op.create_index("ix_audit_log_at", "audit_log", ["at"], unique=False)
    op.create_table(
        "patients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column("reference_key", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("name_key", sa.String(length=200), nullable=False),
        sa.Column("date_of_birth", sa.Date(), nullable=False),
        sa.Column("state", sa.String(length=2), nullable=True),
        sa.Column("payer_template", sa.String(length=300), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        _now("created_at"),
        _now("updated_at"),
        _fk("clinic_id", "clinics.id", "fk_patients_clinic"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("clinic_id", "reference_key", name="uq_patients_clinic_reference"),
    )
    op.create_index("ix_patients_clinic_id", "patients", ["clinic_id"], unique=False)
    op.create_table(
        "quotes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("quote_number", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("scenario", sa.JSON(), nullable=False),
        sa.Column("totals", sa.JSON(), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("saved_by", sa.Integer(), nullable=False),
        _when("saved_at"),
        _fk("patient_id", "patients.id", "fk_quotes_patient"),
        _fk("saved_by", "accounts.id", "fk_quotes_account"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("patient_id", "quote_number", "version", name="uq_quotes_patient_number_version"),
    )
    op.create_index("ix_quotes_patient_id", "quotes", ["patient_id"], unique=False)
    op.create_table(
        "gfes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("quote_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("replaces_id", sa.Integer(), nullable=True),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.Column("total", sa.String(length=20), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=True),
        sa.Column("issued_by", sa.Integer(), nullable=False),
        _when("issued_at"),
        _fk("clinic_id", "clinics.id", "fk_gfes_clinic"),
        _fk("issued_by", "accounts.id", "fk_gfes_account"),
        _fk("patient_id", "patients.id", "fk_gfes_patient"),
        _fk("quote_id", "quotes.id", "fk_gfes_quote"),
        _fk("replaces_id", "gfes.id", "fk_gfes_replaces"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number", "version", name="uq_gfes_number_version"),
        sa.UniqueConstraint("replaces_id", name="uq_gfes_replaces"),
    )
    op.create_index("ix_gfes_clinic_id", "gfes", ["clinic_id"], unique=False)
    op.create_index("ix_gfes_patient_id", "gfes", ["patient_id"], unique=False)
    op.create_table(
        "gfe_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("gfe_id", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=False),
        _when("delivered_at"),
        sa.Column("recorded_by", sa.Integer(), nullable=False),
        _fk("gfe_id", "gfes.id", "fk_gfe_deliveries_gfe"),
        _fk("recorded_by", "accounts.id", "fk_gfe_deliveries_account"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_gfe_deliveries_gfe_id", "gfe_deliveries", ["gfe_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_gfe_deliveries_gfe_id", table_name="gfe_deliveries")
    op.drop_table("gfe_deliveries")
    op.drop_index("ix_gfes_patient_id", table_name="gfes")
    op.drop_index("ix_gfes_clinic_id", table_name="gfes")
    op.drop_table("gfes")
    op.drop_index("ix_quotes_patient_id", table_name="quotes")
    op.drop_table("quotes")
    op.drop_index("ix_patients_clinic_id", table_name="patients")
    op.drop_table("patients")
    op.drop_index("ix_audit_log_at", table_name="audit_log")
    op.drop_index("ix_audit_log_account_id", table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_table("counters")
    op.drop_table("accounts")

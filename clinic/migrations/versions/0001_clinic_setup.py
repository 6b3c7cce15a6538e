"""Clinic setup: clinics, their price lists and payer templates (issue 18).

Revision ID: 0001
Revises:
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _kept() -> list[sa.Column]:
    """The columns every kept thing has (clinic.orm._Kept)."""
    return [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("name_key", sa.String(length=300), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    ]


def upgrade() -> None:
    op.create_table(
        "clinics",
        *_kept(),
        sa.Column("logo_png", sa.LargeBinary(), nullable=True),
        sa.UniqueConstraint("name_key", name="uq_clinics_name_key"),
    )
    for table, short in (("price_lists", "price_lists"), ("payer_templates", "payer_templates")):
        op.create_table(
            table,
            *_kept(),
            sa.Column("clinic_id", sa.Integer(), nullable=False),
            sa.ForeignKeyConstraint(["clinic_id"], ["clinics.id"], name=f"fk_{short}_clinic"),
            sa.UniqueConstraint("clinic_id", "name_key", name=f"uq_{short}_clinic_name"),
        )
        op.create_index(f"ix_{table}_clinic_id", table, ["clinic_id"], unique=False)


def downgrade() -> None:
    for table in ("payer_templates", "price_lists"):
        op.drop_index(f"ix_{table}_clinic_id", table_name=table)
        op.drop_table(table)
    op.drop_table("clinics")

"""The audit log: who (account), did what (a fixed word), to which object (type and id), when.

Rows are written by `record`, inside the transaction of the change they describe, so a change and its audit row
commit together or not at all. The text is built from fixed words, ids, references and version numbers only: a
patient's name, birth date or diagnosis codes never appear in it. There is no function to change or delete a row;
admins read and export the log (reading and exporting are audited too).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from clinic.orm import AuditRow
from clinic.records_common import Account, Part, aware
from estimator.documents.exports import write_csv

Action = Literal[
    "viewed",
    "searched",
    "created",
    "changed",
    "deactivated",
    "reactivated",
    "saved",
    "issued",
    "delivered",
    "exported",
    "rolled-over",
    "signed-in",
    "signed-out",
    "failed-sign-in",
    "locked",
    "unlocked",
]
ObjectType = Literal["account", "patient", "quote", "gfe", "audit_log", "rollover", "session"]
AUDIT_COLUMNS = ["id", "at", "username", "account_id", "action", "object_type", "object_id", "detail"]


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at: dt.datetime
    account_id: int | None
    username: str
    action: str
    object_type: str
    object_id: str
    detail: str


def record(
    session: Session,
    actor: Account | None,
    action: Action,
    object_type: ObjectType,
    object_id: object,
    at: dt.datetime,
    detail: str = "",
) -> None:
    """Add one audit row in the caller's transaction (ids and fixed words only: see the module's note)."""
    session.add(
        AuditRow(
            at=at,
            account_id=actor.id if actor is not None else None,
            username=actor.username if actor is not None else "",
            action=action,
            object_type=object_type,
            object_id="" if object_id is None else str(object_id)[:80],
            detail=detail[:500],
        )
    )


def _entry(row: AuditRow) -> AuditEntry:
    return AuditEntry(
        row.id, aware(row.at), row.account_id, row.username, row.action, row.object_type, row.object_id, row.detail
    )


class AuditLog(Part):
    """Reading and exporting the log: admins only."""

    def entries(
        self,
        actor: Account,
        *,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        object_type: str | None = None,
        object_id: object = None,
        limit: int = 500,
        before_id: int | None = None,
    ) -> list[AuditEntry]:
        """The newest entries first (at most `limit`; page on with `before_id` = the last id shown), filtered by
        time and object. Reading the log is itself recorded."""
        with Session(self.engine) as session, session.begin():
            self.acting(session, actor, admin=True)
            query = select(AuditRow)
            if since is not None:
                query = query.where(AuditRow.at >= since)
            if until is not None:
                query = query.where(AuditRow.at < until)
            if object_type is not None:
                query = query.where(AuditRow.object_type == object_type)
            if object_id is not None:
                query = query.where(AuditRow.object_id == str(object_id))
            if before_id is not None:
                query = query.where(AuditRow.id < before_id)
            rows = session.scalars(query.order_by(AuditRow.id.desc()).limit(limit)).all()
            entries = [_entry(r) for r in rows]
            record(session, actor, "viewed", "audit_log", "", self.clock(), f"{len(entries)} entries")
            return entries

    def export_csv(self, actor: Account, *, since: dt.datetime | None = None, until: dt.datetime | None = None) -> str:
        """The log (oldest first) as CSV, formula-safe; the export is recorded in the same transaction."""
        with Session(self.engine) as session, session.begin():
            self.acting(session, actor, admin=True)
            query = select(AuditRow).order_by(AuditRow.id)
            if since is not None:
                query = query.where(AuditRow.at >= since)
            if until is not None:
                query = query.where(AuditRow.at < until)
            rows = [_csv_row(_entry(row)) for row in session.scalars(query.execution_options(yield_per=1000))]
            record(session, actor, "exported", "audit_log", "", self.clock(), f"{len(rows)} entries as CSV")
            return write_csv(AUDIT_COLUMNS, rows)


def _csv_row(e: AuditEntry) -> dict[str, object]:
    return {
        "id": e.id,
        "at": e.at.isoformat(),
        "username": e.username,
        "account_id": "" if e.account_id is None else e.account_id,
        "action": e.action,
        "object_type": e.object_type,
        "object_id": e.object_id,
        "detail": e.detail,
    }

"""What the record modules (accounts, audit, patients, quotes, GFE register, rollover) share: the signed-in
account as the pages hold it, the errors they raise, the clock, and the check that the acting account may act.

Privacy: errors name objects by id or reference only, never by a patient's name, birth date or diagnosis codes,
since messages end up in logs and on screens.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from clinic.orm import AccountRow
from clinic.store import NotFound, StoreError

Role = Literal["admin", "counselor"]
ROLES: tuple[Role, ...] = ("admin", "counselor")
Clock = Callable[[], dt.datetime]

__all__ = ["Account", "NotAllowed", "NotFound", "Problem", "RecordsError", "VersionConflict", "utc_now"]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def aware(value: dt.datetime) -> dt.datetime:
    """SQLite hands back naive timestamps; everything is written in UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


@dataclass(frozen=True, slots=True)
class Account:
    """A signed-in person as the pages keep it (no password hash). Every action re-reads the account, so a
    deactivated or demoted account loses its rights at once."""

    id: int
    username: str
    display_name: str
    role: Role
    active: bool

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def account_from_row(row: AccountRow) -> Account:
    return Account(row.id, row.username, row.display_name, row.role, row.active)  # type: ignore[arg-type]


class RecordsError(StoreError):
    """Something the records refused, in plain English (never with a patient's name, birth date or diagnosis)."""


class NotAllowed(RecordsError, PermissionError):
    """The acting account may not do this (inactive, or not an admin)."""


class VersionConflict(RecordsError):
    """A save that started from an older version than the store holds: `stored_version` is the newer one."""

    def __init__(self, what: str, expected: int, stored_version: int | None) -> None:
        now = f"version {stored_version}" if stored_version is not None else "a newer version"
        super().__init__(
            f"the {what} was changed by someone else since you opened it (you started from version {expected}; "
            f"the store has {now}); open it again and redo your change"
        )
        self.expected = expected
        self.stored_version = stored_version


@dataclass(frozen=True, slots=True)
class Problem:
    """One invalid field: where, and what to do (no input value is ever repeated)."""

    loc: str
    message: str

    def __str__(self) -> str:
        return f"{self.loc}: {self.message}" if self.loc else self.message


class Invalid(RecordsError, ValueError):
    """Details that fail validation, one problem per field."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(map(str, problems)))
        self.problems = problems


class _Part:
    """One part of the records on an engine, with the clock its timestamps come from."""

    def __init__(self, engine: Engine, clock: Clock = utc_now) -> None:
        self.engine = engine
        self.clock = clock

    def acting(self, session: Session, actor: Account, *, admin: bool = False) -> AccountRow:
        """The acting account's row, read again: NotAllowed when it is inactive, or not an admin when `admin`."""
        row = session.get(AccountRow, actor.id)
        if row is None or not row.active:
            raise NotAllowed("this account is not active; sign in again")
        if admin and row.role != "admin":
            raise NotAllowed("only an admin may do this")
        return row


Part = _Part

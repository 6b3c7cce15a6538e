"""Who gets in: accounts (admin | counselor), argon2id password hashes, sign-in with growing delays and a lock
(clinic.signin_policy), and the first admin. Every sign-in, failure, lock and account change is audited in the
same transaction.

The pages: `needs_first_admin()` -> `create_first_admin(...)` on the very first run; `authenticate(username,
password)` -> Account (keep it in the session with the time last seen; `signin_policy.is_idle`) or SignInFailure
(show `.message`); admins manage accounts with the acting account passed in.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from clinic.audit import record
from clinic.orm import AccountRow, CounterRow
from clinic.records_common import (
    ROLES,
    Account,
    Clock,
    Invalid,
    NotAllowed,
    NotFound,
    Part,
    Problem,
    RecordsError,
    Role,
    account_from_row,
    aware,
    utc_now,
)
from clinic.signin_policy import DEFAULT_POLICY, Attempts, SignInPolicy, after_failure, locked_until, wait_until
from estimator.text import clean_text

_USERNAME = re.compile(r"[a-z0-9][a-z0-9._@-]{2,63}")
_FIRST_ADMIN = "first-admin"  # a counters row: only one transaction can ever insert it


@dataclass(frozen=True, slots=True)
class SignInFailure:
    """Why a sign-in did not succeed. `wrong` covers an unknown username and an inactive account too (the page
    must not tell which); `wait` and `locked` say until when (`retry_at`, UTC)."""

    reason: Literal["wrong", "wait", "locked"]
    retry_at: dt.datetime | None = None

    @property
    def message(self) -> str:
        return self.said("failed sign-ins", "The username or password is wrong.")

    def said(self, failures: str, wrong: str) -> str:
        """The message, naming what failed ("failed sign-ins") and what a wrong attempt is told."""
        if self.reason == "locked" and self.retry_at is not None:
            return f"Too many {failures}: this account is locked until {self.retry_at:%H:%M} UTC."
        if self.reason == "wait" and self.retry_at is not None:
            return f"Too many {failures}: wait until {self.retry_at:%H:%M:%S} UTC and try again."
        return wrong


class PasswordRefused(NotAllowed):
    """A change of one's own password refused: the current password was wrong, or the account waits or is locked."""

    def __init__(self, failure: SignInFailure) -> None:
        self.failure = failure
        super().__init__(failure.said("wrong passwords", "The current password is wrong.").rstrip("."))


@dataclass(frozen=True, slots=True)
class AccountInfo:
    """An account as admins see it in the list."""

    account: Account
    failed_count: int
    locked_until: dt.datetime | None
    last_sign_in_at: dt.datetime | None
    created_at: dt.datetime


def _username(value: str) -> str:
    name = clean_text(value).casefold()
    if not _USERNAME.fullmatch(name):
        raise Invalid(
            [Problem("username", "use 3-64 lowercase letters, digits or . _ @ -, starting with a letter or digit")]
        )
    return name


def _display_name(value: str) -> str:
    text = clean_text(value)
    if not 1 <= len(text) <= 100:
        raise Invalid([Problem("display_name", "enter a name of 1-100 characters")])
    return text


def _admins(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(AccountRow).where(AccountRow.role == "admin")) or 0


class Accounts(Part):
    def __init__(
        self,
        engine: Engine,
        clock: Clock = utc_now,
        policy: SignInPolicy = DEFAULT_POLICY,
        hasher: PasswordHasher | None = None,
    ) -> None:
        super().__init__(engine, clock)
        self.policy = policy
        self.hasher = hasher or PasswordHasher()
        self._dummy_hash = self.hasher.hash("not a password: evens out the time an unknown username takes")

    # ------------------------------------------------------------ creating

    def _password(self, password: str) -> str:
        if len(password) < self.policy.min_password_length:
            raise Invalid([Problem("password", f"use at least {self.policy.min_password_length} characters")])
        if len(password) > 1000:
            raise Invalid([Problem("password", "use at most 1,000 characters")])
        return self.hasher.hash(password)

    def needs_first_admin(self) -> bool:
        """True until the first admin exists (the first run asks for one)."""
        with Session(self.engine) as session:
            return not _admins(session)

    def _insert(self, session: Session, username: str, display_name: str, role: Role, password: str) -> AccountRow:
        if role not in ROLES:
            raise Invalid([Problem("role", "choose admin or counselor")])
        key = _username(username)
        row = AccountRow(
            username=key,
            username_key=key,
            display_name=_display_name(display_name),
            role=role,
            active=True,
            password_hash=self._password(password),
            failed_count=0,
            created_at=self.clock(),
        )
        session.add(row)
        try:
            session.flush()
        except IntegrityError:
            raise RecordsError(f"the username {key!r} is taken") from None
        return row

    def create_first_admin(self, username: str, display_name: str, password: str) -> Account:
        """The first admin, only while there is none (two first runs at the same moment: one wins, the other is
        refused)."""
        try:
            with Session(self.engine) as session, session.begin():
                if session.get(CounterRow, _FIRST_ADMIN) is not None or _admins(session):
                    raise NotAllowed("the first admin exists already: sign in, and ask an admin for an account")
                session.add(CounterRow(name=_FIRST_ADMIN, value=1))
                session.flush()  # the other first run's insert fails here, or at its commit
                row = self._insert(session, username, display_name, "admin", password)
                account = account_from_row(row)
                record(session, account, "created", "account", row.id, self.clock(), "first admin")
                return account
        except IntegrityError:
            raise NotAllowed("the first admin exists already: sign in, and ask an admin for an account") from None

    def create_account(self, actor: Account, username: str, display_name: str, role: Role, password: str) -> Account:
        """A new account (admins only)."""
        with Session(self.engine) as session, session.begin():
            self.acting(session, actor, admin=True)
            row = self._insert(session, username, display_name, role, password)
            record(session, actor, "created", "account", row.id, self.clock(), f"role {role}")
            return account_from_row(row)

    # ------------------------------------------------------------ signing in

    def authenticate(self, username: str, password: str, now: dt.datetime | None = None) -> Account | SignInFailure:
        """The account when the password is right and it may sign in at `now` (default: the clock), else why not.
        Failures are counted and audited; the attempt the delay or the lock refuses does not check the password."""
        now = now or self.clock()
        key = clean_text(username).casefold()[:64]
        with Session(self.engine) as session, session.begin():
            row = session.scalar(select(AccountRow).where(AccountRow.username_key == key).with_for_update())
            if row is None or not row.active:
                self._verify(self._dummy_hash, password)
                who = None if row is None else account_from_row(row)
                detail = "unknown username" if row is None else "inactive account"
                record(session, who, "failed-sign-in", "account", "" if row is None else row.id, now, detail)
                return SignInFailure("wrong")
            account = account_from_row(row)
            failure = self._check(session, row, account, password, now, "failed-sign-in")
            if failure is not None:
                return failure
            row.failed_count, row.last_failed_at, row.locked_until, row.last_sign_in_at = 0, None, None, now
            if self.hasher.check_needs_rehash(row.password_hash):
                row.password_hash = self.hasher.hash(password)
            record(session, account, "signed-in", "account", row.id, now)
            return account

    def _check(
        self, session: Session, row: AccountRow, account: Account, password: str, now: dt.datetime, action: str
    ) -> SignInFailure | None:
        """Check a password as a sign-in does: None when right; else the failure, counted toward the delay and the
        lock and audited as `action`. While the delay or the lock holds, the password is not checked at all."""
        attempts = Attempts(
            row.failed_count,
            aware(row.last_failed_at) if row.last_failed_at else None,
            aware(row.locked_until) if row.locked_until else None,
        )
        wait = wait_until(attempts, now, self.policy)
        if wait is not None:
            locked = locked_until(attempts, now) is not None
            detail = f"refused: {'locked' if locked else 'too soon after a failure'} until {wait.isoformat()}"
            record(session, account, action, "account", row.id, now, detail)
            return SignInFailure("locked" if locked else "wait", wait)
        if self._verify(row.password_hash, password):
            return None
        after = after_failure(attempts, now, self.policy)
        row.failed_count, row.last_failed_at, row.locked_until = (
            after.failed_count,
            after.last_failed_at,
            after.locked_until,
        )
        record(session, account, action, "account", row.id, now, f"{after.failed_count} in a row")
        if after.locked_until is not None:
            record(session, account, "locked", "account", row.id, now, f"until {after.locked_until.isoformat()}")
            return SignInFailure("locked", after.locked_until)
        return SignInFailure("wrong", wait_until(after, now, self.policy))

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return self.hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def sign_out(self, actor: Account, *, idle: bool = False) -> None:
        """Record the end of a signed-in session (by the person, or because it was idle)."""
        with Session(self.engine) as session, session.begin():
            detail = "idle timeout" if idle else ""
            record(session, actor, "signed-out", "session", actor.id, self.clock(), detail)

    # ------------------------------------------------------------ managing (admins)

    def list_accounts(self, actor: Account) -> list[AccountInfo]:
        with Session(self.engine) as session, session.begin():
            self.acting(session, actor, admin=True)
            rows = session.scalars(select(AccountRow).order_by(AccountRow.username_key)).all()
            return [
                AccountInfo(
                    account_from_row(r),
                    r.failed_count,
                    aware(r.locked_until) if r.locked_until else None,
                    aware(r.last_sign_in_at) if r.last_sign_in_at else None,
                    aware(r.created_at),
                )
                for r in rows
            ]

    def _target(self, session: Session, account_id: int) -> AccountRow:
        row = session.get(AccountRow, account_id)
        if row is None:
            raise NotFound(f"no account {account_id}")
        return row

    def set_active(self, actor: Account, account_id: int, active: bool) -> Account:
        """Deactivate (never delete) or reactivate an account (admins; not the last active admin)."""
        with Session(self.engine) as session, session.begin():
            self.acting(session, actor, admin=True)
            row = self._target(session, account_id)
            if not active and row.role == "admin":
                admins = select(func.count()).select_from(AccountRow).where(AccountRow.role == "admin")
                if session.scalar(admins.where(AccountRow.active.is_(True))) == 1 and row.active:
                    raise NotAllowed("this is the last active admin; make another admin first")
            if row.active != active:
                row.active = active
                record(session, actor, "reactivated" if active else "deactivated", "account", row.id, self.clock())
            return account_from_row(row)

    def reset_password(self, actor: Account, account_id: int, new_password: str) -> None:
        """Set another account's password (admins); it also clears a lock."""
        with Session(self.engine) as session, session.begin():
            self.acting(session, actor, admin=True)
            row = self._target(session, account_id)
            row.password_hash = self._password(new_password)
            row.failed_count, row.last_failed_at, row.locked_until = 0, None, None
            record(session, actor, "changed", "account", row.id, self.clock(), "password reset")

    def change_password(self, actor: Account, old_password: str, new_password: str) -> None:
        """Change one's own password. The current one is checked as a sign-in's is (PasswordRefused): a wrong one
        is counted and audited toward the same delay and lock, and a delayed or locked account isn't checked."""
        now = self.clock()
        with Session(self.engine) as session, session.begin():
            row = self.acting(session, actor)
            refused = self._check(session, row, actor, old_password, now, "failed-password-change")
            if refused is None:
                row.password_hash = self._password(new_password)
                row.failed_count, row.last_failed_at, row.locked_until = 0, None, None
                record(session, actor, "changed", "account", row.id, now, "own password")
        if refused is not None:  # raised once the count and the audit rows are committed
            raise PasswordRefused(refused)

    def unlock(self, actor: Account, account_id: int) -> None:
        """End a lock and clear the failed sign-ins (admins)."""
        with Session(self.engine) as session, session.begin():
            self.acting(session, actor, admin=True)
            row = self._target(session, account_id)
            row.failed_count, row.last_failed_at, row.locked_until = 0, None, None
            record(session, actor, "unlocked", "account", row.id, self.clock())

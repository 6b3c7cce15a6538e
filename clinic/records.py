"""Patients, quotes and the Good Faith Estimate register behind a sign-in (issue 19): one object for the pages.

    records = ClinicRecords.open()                  # ESTIMATOR_DATABASE_URL, else the SQLite file; migrated
    if records.accounts.needs_first_admin(): records.accounts.create_first_admin(...)
    who = records.accounts.authenticate(username, password)   # Account, or SignInFailure (.message)
    records.patients.search(who, clinic, "smi")
    quote = records.quotes.save(who, patient.id, scenario)
    entry = records.gfes.issue(who, quote.id, gfe_document(...), pdf_bytes, Delivery("paper", now))
    summary = records.rollover.run(who, clinic, dt.date(2027, 1, 1), progress=callback)
    records.audit.export_csv(admin)

Every function takes the acting account first, re-reads it (an inactive account may do nothing; admin-only
functions check the role) and writes its audit rows in the same transaction as its change. Nothing in the register
or the audit log can be changed or deleted through this API; patients are deactivated, never deleted.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from sqlalchemy import Engine

from clinic.accounts import Accounts
from clinic.audit import AuditLog
from clinic.db import init_db
from clinic.gfe_register import GfeRegister
from clinic.patients import Patients
from clinic.quotes import Quotes
from clinic.records_common import Clock, utc_now
from clinic.rollover import Rollover
from clinic.signin_policy import DEFAULT_POLICY, SignInPolicy


class ClinicRecords:
    """The records on one database: `accounts`, `audit`, `patients`, `quotes`, `gfes`, `rollover`."""

    def __init__(
        self,
        engine: Engine,
        *,
        clock: Clock = utc_now,
        policy: SignInPolicy = DEFAULT_POLICY,
        hasher: PasswordHasher | None = None,
    ) -> None:
        self.engine = engine
        self.accounts = Accounts(engine, clock, policy, hasher)
        self.audit = AuditLog(engine, clock)
        self.patients = Patients(engine, clock)
        self.quotes = Quotes(engine, clock)
        self.gfes = GfeRegister(engine, clock)
        self.rollover = Rollover(engine, clock)

    @classmethod
    def open(
        cls,
        url: str | None = None,
        *,
        clock: Clock = utc_now,
        policy: SignInPolicy = DEFAULT_POLICY,
        hasher: PasswordHasher | None = None,
    ) -> ClinicRecords:
        """The records at `url` (default: ESTIMATOR_DATABASE_URL, else the SQLite file), migrated to the latest."""
        return cls(init_db(url), clock=clock, policy=policy, hasher=hasher)

"""Patients, quote versions, accounts and the audit log (issue 19), on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, select

import clinic.records as records_module
from clinic.accounts import PasswordRefused, SignInFailure
from clinic.audit import AuditLog
from clinic.db import alembic_config, database_url, init_db
from clinic.orm import AuditRow, Base
from clinic.records_common import Invalid, NotAllowed, VersionConflict
from clinic.signin_policy import SignInPolicy, delay_after, is_idle
from estimator.clinic_setup import apply_price_list
from estimator.engine import estimate
from estimator.scenario_io import scenario_from_data
from tests.clinic_backends import db_url, pg_server  # noqa: F401 - fixtures
from tests.records_helpers import CLINIC, PASSWORD, Clinic, open_clinic, self_pay

NAME, DOB = "Jordan Q. Testpatient", dt.date(1984, 2, 29)


@pytest.fixture
def kept(db_url: str) -> Clinic:  # noqa: F811
    return open_clinic(db_url)


def _patient(c: Clinic, reference: str = "MRN-0042", name: str = NAME) -> int:
    details = {"reference": reference, "name": name, "date_of_birth": DOB, "state": "mi", "payer_template": "Aetna PPO"}
    return c.records.patients.create(c.counselor, CLINIC, details).id


# ---------------------------------------------------------------- the schema


def test_migrations_from_empty_reach_0002_and_match_the_models(db_url: str) -> None:  # noqa: F811
    config = alembic_config(db_url)
    command.upgrade(config, "0001")  # the issue 18 schema first, then 0002 on top of it
    engine = create_engine(database_url(db_url))
    assert "patients" not in inspect(engine).get_table_names()
    command.upgrade(config, "head")
    tables = set(inspect(engine).get_table_names())
    assert {"accounts", "audit_log", "patients", "quotes", "gfes", "gfe_deliveries", "counters"} <= tables
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []  # autogenerate would write nothing
        assert context.get_current_revision() == "0002"
    command.downgrade(config, "0001")  # and back
    assert "patients" not in inspect(engine).get_table_names()
    engine.dispose()
    init_db(db_url)


def test_no_delete_functions_on_the_register_or_the_audit_log() -> None:
    from clinic.gfe_register import GfeRegister

    for cls in (GfeRegister, AuditLog, records_module.ClinicRecords):
        names = [n for n in dir(cls) if not n.startswith("__")]
        assert not [n for n in names if any(w in n.lower() for w in ("delete", "remove", "purge", "drop"))]


# ---------------------------------------------------------------- accounts and signing in


def test_first_admin_then_only_admins_create_accounts(db_url: str) -> None:  # noqa: F811
    c = open_clinic(db_url)
    accounts = c.records.accounts
    assert not accounts.needs_first_admin()
    with pytest.raises(NotAllowed, match="first admin exists"):
        accounts.create_first_admin("second", "Second Admin", PASSWORD)
    with pytest.raises(NotAllowed, match="only an admin"):
        accounts.create_account(c.counselor, "eve", "Eve", "admin", PASSWORD)
    with pytest.raises(Invalid, match="at least 10"):
        accounts.create_account(c.admin, "sam", "Sam", "counselor", "short")
    sam = accounts.create_account(c.admin, "Sam.Lee", "Sam Lee", "counselor", PASSWORD)
    assert sam.username == "sam.lee" and sam.role == "counselor"
    assert accounts.authenticate("SAM.LEE", PASSWORD) == sam  # usernames ignore case
    accounts.set_active(c.admin, sam.id, False)
    assert accounts.authenticate("sam.lee", PASSWORD) == SignInFailure("wrong")  # inactive: said as wrong
    with pytest.raises(NotAllowed, match="not active"):
        c.records.patients.search(sam, CLINIC)  # a deactivated account's open session can do nothing
    with pytest.raises(NotAllowed, match="last active admin"):
        accounts.set_active(c.admin, c.admin.id, False)


def test_the_stored_password_is_an_argon2id_hash(kept: Clinic) -> None:
    from sqlalchemy.orm import Session

    from clinic.orm import AccountRow

    with Session(kept.records.engine) as session:
        stored = session.scalar(select(AccountRow.password_hash).where(AccountRow.username == "dana"))
    assert stored is not None and stored.startswith("$argon2id$") and PASSWORD not in stored


def test_failures_slow_sign_ins_then_lock_the_account(kept: Clinic) -> None:
    accounts, clock = kept.records.accounts, kept.clock
    t0 = clock.now
    for _ in range(2):  # the first failures cost nothing
        assert accounts.authenticate("dana", "wrong password", t0) == SignInFailure("wrong")
    third = accounts.authenticate("dana", "wrong password", t0)
    assert third == SignInFailure("wrong", t0 + dt.timedelta(seconds=2))  # from the 3rd on, a delay
    waited = accounts.authenticate("dana", PASSWORD, t0 + dt.timedelta(seconds=1))  # too soon: not even checked
    assert waited == SignInFailure("wait", t0 + dt.timedelta(seconds=2))
    t1 = t0 + dt.timedelta(seconds=2)
    assert accounts.authenticate("dana", "wrong password", t1) == SignInFailure("wrong", t1 + dt.timedelta(seconds=4))
    t2 = t1 + dt.timedelta(seconds=4)
    locked = accounts.authenticate("dana", "wrong password", t2)  # the 5th failure locks for 15 minutes
    assert locked == SignInFailure("locked", t2 + dt.timedelta(minutes=15))
    assert "locked until" in locked.message
    assert accounts.authenticate("dana", PASSWORD, t2 + dt.timedelta(minutes=14)).reason == "locked"  # type: ignore[union-attr]
    info = {i.account.username: i for i in accounts.list_accounts(kept.admin)}["dana"]
    assert info.failed_count == 5 and info.locked_until == t2 + dt.timedelta(minutes=15)
    assert accounts.authenticate("dana", PASSWORD, t2 + dt.timedelta(minutes=15)) == kept.counselor  # lock over
    assert accounts.authenticate("dana", "wrong password", t2 + dt.timedelta(minutes=16)) == SignInFailure("wrong")
    with pytest.raises(NotAllowed):
        accounts.unlock(kept.counselor, kept.counselor.id)
    accounts.unlock(kept.admin, kept.counselor.id)
    assert {i.account.username: i for i in accounts.list_accounts(kept.admin)}["dana"].failed_count == 0


def test_a_wrong_current_password_counts_as_a_failed_sign_in_and_locks_the_same_way(kept: Clinic) -> None:
    """Someone at a signed-in screen can't guess the password by changing it: each wrong current password is
    counted and audited like a failed sign-in, the delay and the lock refuse without checking."""
    accounts, clock = kept.records.accounts, kept.clock
    new = "a different secret"
    for _ in range(2):
        with pytest.raises(PasswordRefused) as refused:
            accounts.change_password(kept.counselor, "wrong password", new)
        assert refused.value.failure == SignInFailure("wrong")
    with pytest.raises(PasswordRefused) as refused:  # the 3rd: a delay starts
        accounts.change_password(kept.counselor, "wrong password", new)
    assert refused.value.failure == SignInFailure("wrong", clock.now + dt.timedelta(seconds=2))
    with pytest.raises(PasswordRefused) as refused:  # too soon: the right password isn't even checked
        accounts.change_password(kept.counselor, PASSWORD, new)
    assert refused.value.failure.reason == "wait"
    clock.advance(seconds=2)
    with pytest.raises(PasswordRefused):
        accounts.change_password(kept.counselor, "wrong password", new)
    clock.advance(seconds=4)
    with pytest.raises(PasswordRefused) as refused:  # the 5th failure locks, as at the sign-in
        accounts.change_password(kept.counselor, "wrong password", new)
    assert refused.value.failure == SignInFailure("locked", clock.now + dt.timedelta(minutes=15))
    assert "locked until" in str(refused.value)
    assert accounts.authenticate("dana", PASSWORD).reason == "locked"  # type: ignore[union-attr]
    log = [e for e in kept.records.audit.entries(kept.admin, limit=100) if e.username == "dana"]
    assert sum(1 for e in log if e.action == "failed-password-change") == 6
    assert any(e.action == "locked" for e in log)
    accounts.unlock(kept.admin, kept.counselor.id)
    accounts.change_password(kept.counselor, PASSWORD, new)  # right: changed, and the count starts again
    assert accounts.authenticate("dana", new) == kept.counselor
    info = {i.account.username: i for i in accounts.list_accounts(kept.admin)}["dana"]
    assert info.failed_count == 0


def test_sign_in_rules_are_pure_and_configurable() -> None:
    policy = SignInPolicy(slow_after=5, lock_after=10, first_delay_seconds=1, max_delay_seconds=8)
    assert [delay_after(n, policy).seconds for n in range(4, 11)] == [0, 1, 2, 4, 8, 8, 8]
    with pytest.raises(ValueError):
        SignInPolicy(slow_after=6, lock_after=5)
    seen = dt.datetime(2026, 12, 14, 9, 0, tzinfo=dt.UTC)
    assert not is_idle(seen, seen + dt.timedelta(minutes=14, seconds=59))
    assert is_idle(seen, seen + dt.timedelta(minutes=15))


# ---------------------------------------------------------------- patients


def test_patients_are_searched_by_reference_or_name_and_never_deleted(kept: Clinic) -> None:
    patients, who = kept.records.patients, kept.counselor
    first = _patient(kept)
    _patient(kept, "MRN-0043", "Ana O'Brien_Smith")
    _patient(kept, "X-100%", "Bo Li")
    assert [p.reference for p in patients.search(who, CLINIC, "testpat")] == ["MRN-0042"]  # part of a name
    assert [p.reference for p in patients.search(who, CLINIC, "mrn-004")] == ["MRN-0043", "MRN-0042"]  # by name
    assert [p.reference for p in patients.search(who, CLINIC, "100%")] == ["X-100%"]  # % is a character
    assert patients.search(who, CLINIC, "o_b") == []  # _ is not a wildcard
    assert [p.reference for p in patients.search(who, CLINIC, "BRIEN_S")] == ["MRN-0043"]
    with pytest.raises(Exception, match=r"(?i)mrn-0042.*already") as info:
        _patient(kept, "mrn-0042", "Someone Else")
    assert NAME not in str(info.value)
    p = patients.get(who, first)
    assert (p.state, p.payer_template, p.version, p.active) == ("MI", "Aetna PPO", 1, True)
    assert NAME not in repr(p) and "1984" not in repr(p) and NAME not in repr(p.details)
    gone = patients.set_active(who, first, False)
    assert (gone.active, gone.version) == (False, 2)
    assert [x.reference for x in patients.search(who, CLINIC, "MRN-0042")] == []
    assert [x.reference for x in patients.search(who, CLINIC, "MRN-0042", include_inactive=True)] == ["MRN-0042"]
    changed = patients.update(who, first, {**p.details.model_dump(), "state": "OH"}, 2)
    assert (changed.state, changed.version, changed.active) == ("OH", 3, False)
    with pytest.raises(VersionConflict):
        patients.update(who, first, p.details, 2)  # started from version 2, the store has 3
    with pytest.raises(Invalid) as bad:
        patients.create(who, CLINIC, {"reference": "M1", "name": NAME, "date_of_birth": "2999-01-01"})
    assert "date_of_birth: the date of birth is in the future" in str(bad.value) and NAME not in str(bad.value)


# ---------------------------------------------------------------- quotes


def test_a_quote_version_reopens_as_saved_after_the_price_list_changed(kept: Clinic) -> None:
    quotes, who, store = kept.records.quotes, kept.counselor, kept.store
    patient = _patient(kept)
    price_list = store.get_price_list(CLINIC, "Standard 2026")
    data = apply_price_list(self_pay().model_dump(mode="json"), price_list.content)
    v1 = quotes.save(who, patient, scenario_from_data({**data, "version": 1}))  # a version 1 scenario is kept as 2
    assert (v1.quote_number, v1.version, v1.reason, v1.scenario.version) == (1, 1, "saved", 2)
    first_totals = v1.totals
    assert first_totals.patient_pays == estimate(v1.scenario).totals.patient_pays > 0
    v2 = quotes.save(
        who, patient, v1.scenario.model_copy(update={"horizon_weeks": 2}), quote_number=1, expected_version=1
    )
    v3 = quotes.save(
        who, patient, v1.scenario.model_copy(update={"horizon_weeks": 1}), quote_number=1, expected_version=2
    )
    assert (v2.version, v3.version) == (2, 3)
    with pytest.raises(VersionConflict, match=r"version 1.*version 3"):
        quotes.save(who, patient, v1.scenario, quote_number=1, expected_version=1)
    other = quotes.save(who, patient, self_pay())
    assert (other.quote_number, other.version) == (2, 1)

    # The clinic raises its prices; the kept version 1 does not move.
    dearer = price_list.content.model_copy(
        update={"fees": [f.model_copy(update={"charge": f.charge + 100}) for f in price_list.content.fees]}
    )
    store.save_price_list(CLINIC, dearer, price_list.version)
    reopened = quotes.version(who, patient, 1, 1)
    assert reopened.scenario == v1.scenario and reopened.totals == first_totals
    assert estimate(reopened.scenario).totals.patient_pays == first_totals.patient_pays
    assert quotes.version(who, patient, 1).version == 3  # the latest by default
    assert [(q.quote_number, q.version) for q in quotes.history(who, patient)] == [(2, 1), (1, 3), (1, 2), (1, 1)]
    assert [(q.quote_number, q.version) for q in quotes.latest(who, patient)] == [(2, 1), (1, 3)]
    assert reopened.saved_by_username == "dana" and reopened.saved_at == kept.clock.now


# ---------------------------------------------------------------- the audit log


def test_every_action_of_a_session_is_audited_without_patient_details(
    kept: Clinic, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    r, who = kept.records, kept.counselor
    start = len(r.audit.entries(kept.admin, limit=1000))
    assert r.accounts.authenticate("dana", "not it") == SignInFailure("wrong")
    assert r.accounts.authenticate("dana", PASSWORD) == who
    patient = _patient(kept)
    r.patients.search(who, CLINIC, "Testpatient")
    r.patients.get(who, patient)
    quote = r.quotes.save(who, patient, self_pay())
    r.quotes.get(who, quote.id)
    r.patients.set_active(who, patient, False)
    r.accounts.sign_out(who, idle=True)
    with pytest.raises(NotAllowed):
        r.audit.entries(who)  # counselors can't read the log
    entries = r.audit.entries(kept.admin, limit=1000)
    mine = [(e.username, e.action, e.object_type) for e in reversed(entries[: len(entries) - start - 1])]
    assert mine == [
        ("dana", "failed-sign-in", "account"),
        ("dana", "signed-in", "account"),
        ("dana", "created", "patient"),
        ("dana", "searched", "patient"),
        ("dana", "viewed", "patient"),
        ("dana", "saved", "quote"),
        ("dana", "viewed", "quote"),
        ("dana", "deactivated", "patient"),
        ("dana", "signed-out", "session"),
    ]
    assert (entries[9].action, entries[9].object_type) == ("viewed", "audit_log")  # the first read, audited
    assert {e.object_id for e in entries if e.object_type == "patient" and e.action != "searched"} == {str(patient)}
    exported = r.audit.export_csv(kept.admin)
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert rows[-1]["action"] == "viewed" and len(rows) == len(entries) + 1
    assert r.audit.entries(kept.admin, limit=1)[0].action == "exported"
    everything = exported + " ".join(str(e) for e in r.audit.entries(kept.admin, limit=1000)) + caplog.text
    for secret in (NAME, "Testpatient", "1984-02-29", "02/29/1984"):
        assert secret not in everything


def test_a_write_and_its_audit_row_commit_together(kept: Clinic, monkeypatch: pytest.MonkeyPatch) -> None:
    import clinic.patients as patients_module

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the audit row could not be written")

    monkeypatch.setattr(patients_module, "record", broken)
    with pytest.raises(RuntimeError):
        _patient(kept)
    monkeypatch.undo()
    assert kept.records.patients.search(kept.counselor, CLINIC, "MRN-0042") == []  # the patient was not kept
    from sqlalchemy.orm import Session

    with Session(kept.records.engine) as session:
        assert not session.scalars(
            select(AuditRow).where(AuditRow.action == "created", AuditRow.object_type == "patient")
        ).all()

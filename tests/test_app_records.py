"""AppTest checks of the clinic workspace's pages (issue 19): every workspace page and download refuses a session
that is not signed in, a counselor can't reach the admins' pages, the lockout message after the configured
failures, the idle sign-out, the first admin on the first visit, and an audit row for each action of a scripted
session (sign in, add a patient, save a quote, view, issue a GFE, download). Also the GFE PDF's number."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

import ui.clinic_state as cs
from clinic.db import URL_VARIABLE, dispose_all
from clinic.gfe_register import Delivery
from clinic.records import ClinicRecords
from clinic.records_common import Account
from estimator.documents.gfe_pdf import gfe_pdf
from estimator.engine import estimate
from estimator.gfe import GfeRequest, PatientDetails, example_self_pay_scenario
from tests.conftest import ROOT
from tests.records_helpers import CLINIC, FAST_HASHER, PASSWORD, POLICY, Clinic, Clock, open_clinic, self_pay
from ui.common import SCENARIO_KEY
from ui.signin import ACCOUNT_KEY, LAST_SEEN_KEY

APP = str(ROOT / "app.py")
WORKSPACE = ["patients", "gfe_register", "rollover", "clinic", "accounts", "audit_log"]
ADMIN_ONLY = ["accounts", "audit_log"]
NAME, REFERENCE, BORN = "Quinn Marisol Example", "MRN-5521", dt.date(1983, 2, 17)


@pytest.fixture
def kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Clinic]:
    """A fresh SQLite database with the example clinic, an admin and a counselor; the pages use these records
    (a clock the test moves, cheap hashing, the test's sign-in policy)."""
    url = f"sqlite:///{tmp_path / 'clinic.sqlite3'}"
    monkeypatch.setenv(URL_VARIABLE, url)
    clinic = open_clinic(url)
    monkeypatch.setattr(cs, "records", lambda: clinic.records)
    yield clinic
    dispose_all()


def _seed_patient(c: Clinic) -> int:
    patient = c.records.patients.create(
        c.counselor, CLINIC, {"reference": REFERENCE, "name": NAME, "date_of_birth": BORN, "state": "CA"}
    )
    quote = c.records.quotes.save(c.counselor, patient.id, self_pay())
    result = estimate(quote.scenario)
    first = min(s.date for s in result.sessions)
    request = GfeRequest(
        diagnosis_codes=("F33.1",), period_start=first, period_end=first + dt.timedelta(days=60), scheduled_date=first
    )
    from clinic.gfe_register import gfe_document

    details = c.store.get_clinic(CLINIC).content.gfe_details()
    person = PatientDetails(name=NAME, date_of_birth=BORN)
    doc = gfe_document(
        quote.scenario, result, clinic=details, patient=person, request=request, made_on=c.clock.now.date()
    )
    c.records.gfes.issue(c.counselor, quote.id, doc, b"%PDF-1.4 test " + NAME.encode(), Delivery("paper", c.clock.now))
    return patient.id


def _app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    return at


def _go(at: AppTest, page: str) -> AppTest:
    at.switch_page(f"ui/pages/{page}.py")
    at.run()
    assert not at.exception, at.exception
    return at


def _everything(at: AppTest) -> str:
    """All the text the run sent to the page (every element's proto), to look for patient data in."""
    parts = [str(node.proto) for node in at._tree.main if hasattr(node, "proto")]  # type: ignore[attr-defined]

    def walk(node: object) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            parts.append(str(proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)  # type: ignore[attr-defined]
    return re.sub(r"\\(.)", r"\1", "\n".join(parts))


def _sign_in(at: AppTest, username: str, password: str = PASSWORD) -> AppTest:
    fields = {t.label: t for t in at.text_input}
    fields["Username"].input(username)
    fields["Password"].input(password)
    next(b for b in at.button if b.label == "Sign in").click()
    at.run()
    assert not at.exception, at.exception
    return at


def _button(at: AppTest, label: str):  # type: ignore[no-untyped-def]
    return next(b for b in at.button if b.label == label)


@pytest.mark.parametrize("page", WORKSPACE)
def test_every_workspace_page_refuses_a_session_not_signed_in(kept: Clinic, page: str) -> None:
    _seed_patient(kept)
    at = _app()
    if page in ADMIN_ONLY:  # not in the navigation without an admin: Streamlit can't switch to it at all
        with pytest.raises(Exception):  # noqa: B017 - AppTest refuses a page the navigation does not list
            _go(at, page)
        return
    _go(at, page)
    text = _everything(at)
    assert "Sign in" in [s.value for s in at.subheader]
    assert NAME not in text and REFERENCE not in text and "1983" not in text and "LKSC" not in text
    assert not at.get("download_button") and not at.dataframe


def test_a_counselor_cannot_reach_the_admin_pages(kept: Clinic) -> None:
    _seed_patient(kept)
    at = _go(_app(), "patients")
    _sign_in(at, "dana")
    assert at.session_state[ACCOUNT_KEY].username == "dana"
    for page in [*ADMIN_ONLY, "clinic"]:  # the setup is an admin's once patients are kept
        with pytest.raises(Exception):  # noqa: B017 - not listed for a counselor, so not reachable
            _go(at, page)
    # Each admin page refuses a counselor itself too, should it ever be reached.
    for page in [*ADMIN_ONLY, "clinic"]:
        alone = AppTest.from_file(str(ROOT / "ui" / "pages" / f"{page}.py"), default_timeout=60)
        alone.session_state[ACCOUNT_KEY] = kept.counselor
        alone.session_state[LAST_SEEN_KEY] = kept.clock.now
        alone.run()
        assert not alone.exception, alone.exception
        assert any("for the clinic's admins" in e.value for e in alone.error), page
        text = _everything(alone)
        assert "LKSC" not in text and not alone.dataframe and not alone.get("download_button")


def test_a_signed_in_counselor_changes_their_own_password_from_the_account_bar(kept: Clinic) -> None:
    at = _go(_app(), "patients")
    _sign_in(at, "dana")
    new = "a brand new secret"

    def change(current: str, password: str, again: str) -> AppTest:
        fields = {t.label: t for t in at.text_input}
        fields["Current password"].input(current)
        fields["New password (at least 10 characters)"].input(password)
        fields["New password again"].input(again)
        _button(at, "Change my password").click()
        at.run()
        assert not at.exception, at.exception
        return at

    change("not the password", new, new)
    assert [e.value for e in at.error] == ["The current password is wrong\\."]
    change(PASSWORD, new, new + "!")
    assert [e.value for e in at.error] == ["The two new passwords differ; type the same one twice."]
    change(PASSWORD, "short", "short")
    assert "at least 10 characters" in at.error[0].value
    assert not isinstance(kept.records.accounts.authenticate("dana", new), Account)  # nothing changed yet
    kept.clock.advance(seconds=61)
    change(PASSWORD, new, new)
    assert not at.error and [s.value for s in at.success] == ["Your password is changed."]
    assert at.session_state[ACCOUNT_KEY].username == "dana"  # still signed in
    kept.clock.advance(seconds=61)
    assert isinstance(kept.records.accounts.authenticate("dana", new), Account)
    kept.clock.advance(seconds=61)
    assert not isinstance(kept.records.accounts.authenticate("dana", PASSWORD), Account)
    # Guessing at a signed-in screen: the failures lock the account as at the sign-in, and sign the session out.
    failed = next(i for i in kept.records.accounts.list_accounts(kept.admin) if i.account.username == "dana")
    for _ in range(POLICY.lock_after - failed.failed_count):  # the old password just tried above counted too
        kept.clock.advance(seconds=61)
        change("a guess", PASSWORD, PASSWORD)
    assert ACCOUNT_KEY not in at.session_state
    assert any("locked until" in i.value for i in at.info), [i.value for i in at.info]


def test_a_patients_details_are_edited_on_the_patients_page_and_kept_as_a_new_version(kept: Clinic) -> None:
    patient_id = _seed_patient(kept)
    at = _go(_app(), "patients")
    _sign_in(at, "dana")
    next(s for s in at.selectbox if s.label.startswith("Patient")).set_value(patient_id).run()
    fields = {t.label: t for t in at.text_input if t.form_id.startswith("ws_edit_patient")}
    assert fields["Name"].value == NAME and fields["Reference (MRN)"].value == REFERENCE  # filled in to edit
    (born,) = [d for d in at.date_input if d.form_id.startswith("ws_edit_patient")]
    assert born.value == BORN
    fields["Name"].input("Quinn M. Example")
    born.set_value(dt.date(1983, 2, 18))
    next(s for s in at.selectbox if s.label.startswith("State") and s.form_id.startswith("ws_edit")).set_value("OR")
    _button(at, "Save the details").click()
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert [s.value for s in at.success] == ["Saved the details of patient MRN\\-5521\\."]
    saved = kept.records.patients.get(kept.counselor, patient_id)
    assert (saved.name, saved.date_of_birth, saved.state, saved.version) == (
        "Quinn M. Example",
        dt.date(1983, 2, 18),
        "OR",
        2,
    )
    shown = " ".join(m.value for m in at.markdown)
    assert "Quinn M\\. Example" in shown and "OR" in shown  # the details above show the saved values
    # Saved again unchanged: no new version.
    _button(at, "Save the details").click()
    at.run()
    assert [i.value for i in at.info if "Nothing changed" in i.value]
    assert kept.records.patients.get(kept.counselor, patient_id).version == 2
    # Someone else saved meanwhile: this form's save is refused and says so at once, showing their details in the
    # details and the form, so the next save starts from them; nothing is overwritten.
    kept.records.patients.update(kept.admin, patient_id, {**saved.details.model_dump(), "state": "WA"}, 2)
    fields = {t.label: t for t in at.text_input if t.form_id.startswith("ws_edit_patient")}
    fields["Name"].input("Stale Name")
    _button(at, "Save the details").click()
    at.run()
    assert [w.value for w in at.warning] == [
        "Someone else saved the details of patient MRN\\-5521 after you opened them\\. The details below are the "
        "saved ones now\\: make your change again\\."
    ]
    assert kept.records.patients.get(kept.counselor, patient_id).name == "Quinn M. Example"
    fields = {t.label: t for t in at.text_input if t.form_id.startswith("ws_edit_patient")}
    assert fields["Name"].value == "Quinn M. Example" and "WA" in " ".join(m.value for m in at.markdown)
    # An optional detail can be taken back: the state set to None.
    next(s for s in at.selectbox if s.label.startswith("State") and s.form_id.startswith("ws_edit")).select_index(0)
    _button(at, "Save the details").click()
    at.run()
    assert kept.records.patients.get(kept.counselor, patient_id).state is None
    log = kept.records.audit.entries(kept.admin, limit=100)
    assert sum(1 for e in log if e.action == "changed" and e.object_type == "patient") == 3  # none unchanged


def test_lockout_message_after_the_configured_failures(kept: Clinic) -> None:
    at = _go(_app(), "patients")
    for attempt in range(POLICY.lock_after):
        kept.clock.advance(seconds=61)  # past any growing delay: each attempt is checked
        _sign_in(at, "dana", "not the password")
        messages = [e.value for e in at.error]
        if attempt < POLICY.lock_after - 1:
            assert messages == ["The username or password is wrong\\."]
    assert "locked until" in messages[0], messages
    kept.clock.advance(seconds=30)
    _sign_in(at, "dana")  # the right password is refused while locked
    assert "locked until" in at.error[0].value and ACCOUNT_KEY not in at.session_state
    # Tried again at once after a failure, the delay answers.
    kept.records.accounts.unlock(kept.admin, kept.counselor.id)
    for _ in range(POLICY.slow_after):
        _sign_in(at, "dana", "wrong again")
    _sign_in(at, "dana")
    assert "wait until" in at.error[0].value


def test_idle_sign_out_after_15_minutes(kept: Clinic) -> None:
    at = _go(_app(), "patients")
    _sign_in(at, "dana")
    assert ACCOUNT_KEY in at.session_state
    at.session_state["current_scenario"] = "a quote opened on the Estimate page"
    at.session_state["comparison"] = [{"name": "quote v1"}]
    at.session_state[LAST_SEEN_KEY] = kept.clock.now - dt.timedelta(minutes=16)
    at.run()
    assert ACCOUNT_KEY not in at.session_state
    # A quote's scenario on the public pages goes with the session too.
    assert "current_scenario" not in at.session_state and "comparison" not in at.session_state
    assert not [k for k in at.session_state.keys() if k.startswith("ws_")]  # noqa: SIM118 - nothing kept
    assert "Sign in" in [s.value for s in at.subheader]
    assert any("15 minutes without activity" in i.value for i in at.info)
    log = kept.records.audit.entries(kept.admin, object_type="session")
    assert log[0].action == "signed-out" and log[0].detail == "idle timeout"
    # 14 minutes is not idle.
    _sign_in(at, "dana")
    at.session_state[LAST_SEEN_KEY] = kept.clock.now - dt.timedelta(minutes=14)
    at.run()
    assert ACCOUNT_KEY in at.session_state


def test_the_first_visit_asks_for_the_first_admin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    monkeypatch.setenv(URL_VARIABLE, url)
    records = ClinicRecords.open(url, clock=Clock(), policy=POLICY, hasher=FAST_HASHER)
    monkeypatch.setattr(cs, "records", lambda: records)
    at = _go(_app(), "patients")
    assert "Create the clinic's admin account" in [s.value for s in at.subheader]
    fields = {t.label: t for t in at.text_input}
    fields["Username"].input("avery")
    fields["Your name"].input("Avery Admin")
    fields["Password"].input(PASSWORD)
    fields["Password again"].input(PASSWORD)
    _button(at, "Create the admin account").click()
    at.run()
    assert at.session_state[ACCOUNT_KEY].role == "admin"
    assert any("No clinic is set up yet" in w.value for w in at.warning)
    dispose_all()


def test_a_scripted_session_leaves_an_audit_row_for_each_action(
    kept: Clinic, recorded_downloads: list[MediaFileManager]
) -> None:
    at = _go(_app(), "estimate")
    assert at.session_state[SCENARIO_KEY].coverage.kind == "self_pay"
    _go(at, "patients")
    _sign_in(at, "dana")
    fields = {t.label: t for t in at.text_input}
    fields["Reference (MRN)"].input(REFERENCE)
    fields["Name"].input(NAME)
    at.date_input[0].set_value(BORN)
    _button(at, "Add the patient").click()
    at.run()
    assert [s.value for s in at.subheader] == [f"Patient {REFERENCE.replace('-', chr(92) + '-')}"]
    _button(at, "Save the quote").click()
    at.run()
    assert any("Saved quote 1, version 1" in s.value.replace("\\", "") for s in at.success)
    _go(at, "gfe_register")
    pick = next(s for s in at.selectbox if s.label.startswith("Patient"))
    pick.set_value(kept.records.patients.by_reference(kept.counselor, CLINIC, REFERENCE).id).run()
    next(t for t in at.text_input if t.label.startswith("Diagnosis")).input("F33.1")
    _button(at, "Issue the GFE").click()
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    (button,) = at.get("download_button")
    assert button.proto.label.startswith("Download LKSC-2026-000001")
    deferred = recorded_downloads[-1]._deferred_callables[button.proto.deferred_file_id]
    assert deferred["filename"] == "good-faith-estimate-LKSC-2026-000001-v1.pdf"  # the number, never the name
    data = deferred["callable"]()
    assert data.startswith(b"%PDF") and "LKSC-2026-000001" in _pdf_text(data)
    log = kept.records.audit.entries(kept.admin, limit=100)
    done = {(e.username, e.action, e.object_type) for e in log}
    for action in [
        ("dana", "signed-in", "account"),
        ("dana", "created", "patient"),
        ("dana", "saved", "quote"),
        ("dana", "viewed", "patient"),
        ("dana", "issued", "gfe"),
        ("dana", "delivered", "gfe"),
        ("dana", "exported", "gfe"),
    ]:
        assert action in done, action
    assert not any(NAME in e.detail or "1983" in e.detail or "F33.1" in e.detail for e in log)
    # A second GFE for the same quote is not offered: the current one is named, with reissue as the way on.
    assert not [b for b in at.button if b.label == "Issue the GFE"]
    assert any("LKSC-2026-000001 is the current GFE for this quote" in i.value for i in at.info)


def _pdf_text(data: bytes) -> str:
    return " ".join((p.extract_text() or "") for p in PdfReader(io.BytesIO(data)).pages)


def test_gfe_pdf_prints_the_register_number_only_when_given() -> None:
    scenario = example_self_pay_scenario(dt.date(2026, 3, 2))
    result = estimate(scenario)
    request = GfeRequest(
        diagnosis_codes=("F33.1",),
        period_start=dt.date(2026, 3, 2),
        period_end=dt.date(2026, 6, 30),
        scheduled_date=dt.date(2026, 3, 2),
    )
    from estimator.gfe import ClinicDetails

    clinic = ClinicDetails(
        name="Bright Path", npi="1234567893", tin="12-3456789", address="1 Main St, Springfield, IL", state="IL"
    )
    patient = PatientDetails(name="Sam Example", date_of_birth=dt.date(1990, 1, 1))
    kwargs = {"clinic": clinic, "patient": patient, "request": request, "made_on": dt.date(2026, 2, 20)}
    plain_pdf = gfe_pdf(scenario, result, **kwargs)
    numbered = gfe_pdf(scenario, result, **kwargs, number="BPK-2026-000042")
    assert "BPK-2026-000042" in " ".join(_pdf_text(numbered).split())
    assert "Good Faith Estimate number" not in _pdf_text(plain_pdf)
    assert gfe_pdf(scenario, result, **kwargs, number=None) == plain_pdf


def test_rollover_runs_with_a_progress_bar_and_lists_old_against_new(
    kept: Clinic, recorded_downloads: list[MediaFileManager]
) -> None:
    _seed_patient(kept)
    at = _go(_app(), "rollover")
    _sign_in(at, "dana")
    at.date_input[0].set_value(dt.date(2027, 1, 1))
    _button(at, "Run the rollover").click()
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert [s.value for s in at.subheader] == ["Plan year from Jan 1, 2027"]
    table = at.dataframe[0].value
    assert list(table["Patient"]) == [REFERENCE] and NAME not in table.to_string()
    (button,) = at.get("download_button")
    deferred = recorded_downloads[-1]._deferred_callables[button.proto.deferred_file_id]
    assert deferred["filename"] == "rollover-2027-01-01.csv"
    assert REFERENCE in deferred["callable"]() and NAME not in deferred["callable"]()
    assert kept.records.audit.entries(kept.admin, object_type="rollover")[0].action == "exported"


def test_every_date_field_on_every_page_reads_month_day_year(kept: Clinic) -> None:
    """One date format wherever a date is entered, the one US patients expect (03/02/2026): the Estimate, Good
    Faith Estimate, Clinic and Audit log pages showed 2026-03-02, the GFE register 2026/03/02, and only Patients and
    Rollover 03/02/2026."""
    _seed_patient(kept)
    at = AppTest.from_file(APP, default_timeout=60)
    shown: dict[str, str] = {}

    def look(page: str) -> None:
        for field in at.date_input:
            shown[f"{page}: {field.label}"] = field.proto.format

    at.session_state["sec_insurance"] = True
    at.run()
    _go(at, "good_faith_estimate")  # while the estimate is self-pay
    look("good_faith_estimate")
    _go(at, "estimate")
    at.selectbox(key="plan").set_value("ppo_copays").run()
    at.toggle(key="pa_on").set_value(True).run()  # the prior authorization's end date too
    look("estimate")
    _go(at, "patients")
    _sign_in(at, "admin")
    look("patients")  # the new patient's date of birth
    _go(at, "gfe_register")
    (entry,) = kept.records.gfes.register(kept.admin, CLINIC)
    at.selectbox(key="ws_gfe_pick").set_value(entry.id).run()  # its bill check and its reissue form
    look("gfe_register")
    for page in ("rollover", "audit_log"):
        _go(at, page)
        look(page)
    _go(at, "clinic")
    next(b for b in at.button if "price list" in b.label.lower()).click().run()
    look("clinic")
    assert len(shown) == 16, shown
    assert {label.split(":")[0] for label in shown} == {
        "estimate",
        "good_faith_estimate",
        "patients",
        "gfe_register",
        "rollover",
        "audit_log",
        "clinic",
    }
    assert {label: format for label, format in shown.items() if format != "MM/DD/YYYY"} == {}

"""Who gets into the clinic workspace (issue 19): the sign-in, the first admin, the idle timeout and sign-out.

The public pages (Estimate, Compare, Good Faith Estimate, Batch, Sources) never ask for it. The workspace pages
(Patients, GFE register, Rollover, and the admins' Accounts and Audit log) always do; the Clinic setup page does
once the workspace holds patient data, and then only for admins.

The signed-in account is kept in this browser session's state only (never in the URL, a cookie or a log), with the
time it was last seen: every run checks it against the idle timeout (`clinic.signin_policy.is_idle`, 15 minutes)
and signs it out when it is over. Everything the workspace pages keep in the session sits under keys starting
`ws_`; sign-out drops the whole session, so the next person at the computer finds no patient on screen.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, MutableMapping
from typing import Any

import streamlit as st
from sqlalchemy import select

import ui.clinic_state as cs
from clinic.accounts import PasswordRefused, SignInFailure
from clinic.orm import PatientRow
from clinic.records import ClinicRecords
from clinic.records_common import Account, Invalid, NotAllowed, RecordsError, VersionConflict
from clinic.signin_policy import is_idle
from ui.common import page_footer, page_header, plain, sentence
from ui.errors import where

LOG = logging.getLogger("estimator.app")
ACCOUNT_KEY = "ws_account"  # clinic.records_common.Account: who is signed in (no password, no hash)
LAST_SEEN_KEY = "ws_last_seen"  # UTC datetime of this session's last run while signed in
NOTE_KEY = "signin_note"  # a message for the sign-in form (kept across sign-out, unlike the ws_ keys)
WS_PREFIX = "ws_"
FIELDS = {  # the records' problem locations, as the forms label them
    "username": "Username",
    "display_name": "Name",
    "password": "Password",
    "role": "Role",
    "reference": "Reference (MRN)",
    "name": "Name",
    "date_of_birth": "Date of birth",
    "state": "State",
    "payer_template": "Payer template",
}
State = MutableMapping[str, Any]


def signed_in(state: State) -> Account | None:
    """The signed-in account, without checking the timeout (app.py's `current_account` did, this run)."""
    who = state.get(ACCOUNT_KEY)
    return who if isinstance(who, Account) else None


def _forget(state: State) -> None:
    """Drop the whole session: the workspace's keys, and also an estimate, comparison or GFE details a quote put
    on the public pages, so the next person at the computer finds no patient's scenario anywhere."""
    for key in list(state):
        del state[key]


def sign_out(state: State, *, idle: bool = False) -> None:
    """End the session's sign-in (recorded), and drop everything the workspace pages kept in the session."""
    who = signed_in(state)
    if who is not None:
        try:
            cs.records().accounts.sign_out(who, idle=idle)
        except Exception as error:  # an account deactivated meanwhile, or the database gone: sign out anyway
            LOG.error("sign-out: %s", where(error))
    _forget(state)
    state[NOTE_KEY] = (
        "You were signed out after 15 minutes without activity. Sign in again to go on."
        if idle
        else "You are signed out."
    )


def current_account(state: State) -> Account | None:
    """The signed-in account, checked against the idle timeout on every run (app.py calls this first): idle
    for 15 minutes or more, the session is signed out; otherwise this run counts as activity."""
    who = signed_in(state)
    if who is None:
        return None
    accounts = cs.records().accounts
    now = accounts.clock()
    last = state.get(LAST_SEEN_KEY)
    if last is None or is_idle(last, now, accounts.policy):
        sign_out(state, idle=True)
        return None
    state[LAST_SEEN_KEY] = now
    return who


def workspace_has_patients() -> bool:
    """Whether any patient is kept (then every workspace page needs a sign-in). Never creates a database; when
    the database can't be read, it answers yes, so a fault never opens a page."""
    if not cs.setup_may_exist():
        return False
    try:
        with cs.records().engine.connect() as connection:
            return connection.scalar(select(PatientRow.id).limit(1)) is not None
    except Exception as error:
        LOG.error("patient check: %s", where(error))
        return True


def _signed_in_as(records: ClinicRecords, account: Account) -> None:
    st.session_state[ACCOUNT_KEY] = account
    st.session_state[LAST_SEEN_KEY] = records.accounts.clock()
    st.session_state.pop(NOTE_KEY, None)


def _signin_form(records: ClinicRecords) -> None:
    note = st.session_state.get(NOTE_KEY)
    if note:
        st.info(plain(note), icon=":material/logout:")
    st.subheader("Sign in")
    st.caption("The clinic workspace holds patient records: sign in with the account an admin made for you.")
    with st.form("signin_form", clear_on_submit=True, enter_to_submit=True):
        username = st.text_input("Username", autocomplete="username", max_chars=64)
        password = st.text_input("Password", type="password", autocomplete="current-password", max_chars=1000)
        sent = st.form_submit_button("Sign in", type="primary")
    if not sent:
        return
    result = records.accounts.authenticate(username, password)
    if isinstance(result, SignInFailure):
        st.error(plain(result.message), icon=":material/lock:")
        return
    _signed_in_as(records, result)
    st.rerun()


def _first_admin_form(records: ClinicRecords) -> None:
    st.subheader("Create the clinic's admin account")
    st.caption(
        "No one can sign in yet. The first account is the clinic's admin: the admin keeps the clinic's setup, makes "
        "the counselors' accounts and reads the audit log. Use a password of at least "
        f"{records.accounts.policy.min_password_length} characters."
    )
    with st.form("first_admin_form", clear_on_submit=True):
        username = st.text_input("Username", autocomplete="username", max_chars=64, help="For example: avery")
        name = st.text_input("Your name", max_chars=100)
        password = st.text_input("Password", type="password", autocomplete="new-password", max_chars=1000)
        again = st.text_input("Password again", type="password", autocomplete="new-password", max_chars=1000)
        sent = st.form_submit_button("Create the admin account", type="primary")
    if not sent:
        return
    if password != again:
        st.error("The two passwords differ: type the same password twice.", icon=":material/error:")
        return
    with shown_errors():
        records.accounts.create_first_admin(username, name, password)
        result = records.accounts.authenticate(username, password)
        if isinstance(result, Account):
            _signed_in_as(records, result)
            st.rerun()
        st.error(plain(result.message), icon=":material/lock:")


def account_bar(records: ClinicRecords, who: Account) -> None:
    """Who is signed in and the sign-out button; below them, changing one's own password."""
    with st.container(horizontal=True, vertical_alignment="center", key="ws_account_bar"):
        role = "admin" if who.is_admin else "counselor"
        st.caption(f"Signed in as {plain(who.display_name)} ({plain(who.username)}, {role}).", width="stretch")
        if st.button("Sign out", icon=":material/logout:", key="sign_out_button"):
            sign_out(st.session_state)
            st.rerun()
    # Inline (not a popover): its fields come next in the keyboard's order, and its message shows beside them.
    with st.expander("Change my password", icon=":material/key:"):
        _own_password(records, who)


def _own_password(records: ClinicRecords, who: Account) -> None:
    """The current password and the new one twice; a wrong current password counts as a failed sign-in."""
    least = records.accounts.policy.min_password_length
    with st.form("ws_own_password", clear_on_submit=True, border=False):
        current = st.text_input("Current password", type="password", autocomplete="current-password", max_chars=1000)
        new = st.text_input(
            f"New password (at least {least} characters)", type="password", autocomplete="new-password", max_chars=1000
        )
        again = st.text_input("New password again", type="password", autocomplete="new-password", max_chars=1000)
        sent = st.form_submit_button("Change my password", type="primary")
    if not sent:
        return
    if new != again:
        st.error("The two new passwords differ; type the same one twice.", icon=":material/error:")
        return
    try:
        records.accounts.change_password(who, current, new)
    except PasswordRefused as refused:
        if refused.failure.reason == "locked":  # signed out: the account can't go on until the lock ends
            sign_out(st.session_state)
            st.session_state[NOTE_KEY] = sentence(str(refused)) + " An admin can unlock it."
            st.rerun()
        st.error(plain(sentence(str(refused))), icon=":material/lock:")
        return
    except Invalid as error:
        st.error(
            plain(sentence("New password: " + "; ".join(p.message for p in error.problems))), icon=":material/error:"
        )
        return
    st.success("Your password is changed.", icon=":material/check:")


def _stop_with_footer() -> None:
    page_footer()
    st.stop()


def workspace_gate(title: str, intro: str, *, admin: bool = False) -> tuple[ClinicRecords, Account]:
    """The top of a workspace page: its header, then the signed-in account and the records. Without a sign-in
    the page shows the sign-in form (or, before any account exists, the first admin's) and stops there; a
    counselor on an admin page is refused."""
    page_header(title, intro)
    try:
        records = cs.records()
        who = current_account(st.session_state)
    except Exception as error:  # an unreachable server or an unwritable file: said plainly, never a traceback
        LOG.error("records: %s", where(error))
        st.error(
            "The clinic database can't be opened. Check that it is running and reload the page.",
            icon=":material/database:",
        )
        _stop_with_footer()
        raise  # not reached: st.stop() ends the run
    if who is None:
        if records.accounts.needs_first_admin():
            _first_admin_form(records)
        else:
            _signin_form(records)
        _stop_with_footer()
    assert who is not None
    account_bar(records, who)
    if admin and not who.is_admin:
        st.error("This page is for the clinic's admins; your account is a counselor's.", icon=":material/block:")
        _stop_with_footer()
    return records, who


def guard_setup() -> None:
    """The Clinic setup page's guard: open to anyone while no patient is kept (as before issue 19); once the
    workspace holds patient data, only a signed-in admin gets past (everyone else sees the sign-in or a refusal,
    and nothing of the page)."""
    if not workspace_has_patients():
        return
    who = current_account(st.session_state)
    if who is not None and who.is_admin:
        return
    workspace_gate("Clinic", "The clinic's setup: its details, price lists and payer coverage templates.", admin=True)


@contextlib.contextmanager
def shown_errors() -> Iterator[None]:
    """Show a refusal of the records plainly (its text names ids and references, never a patient's name); an
    account deactivated meanwhile is signed out."""
    try:
        yield
    except Invalid as error:
        lines = [sentence(f"{FIELDS.get(p.loc, p.loc)}: {p.message}" if p.loc else p.message) for p in error.problems]
        st.error("  \n".join(plain(line) for line in lines), icon=":material/error:")
    except VersionConflict as error:
        st.warning(plain(sentence(str(error))), icon=":material/sync_problem:")
    except NotAllowed as error:
        st.error(plain(sentence(str(error))), icon=":material/block:")
        if "not active" in str(error):
            sign_out(st.session_state)
    except RecordsError as error:
        st.error(plain(sentence(str(error))), icon=":material/error:")

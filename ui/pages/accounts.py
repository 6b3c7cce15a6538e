"""Accounts (issue 19, admins only): who may sign in to the clinic workspace. List the accounts, make a counselor's
or an admin's, deactivate one (never deleted), end a lock after too many failed sign-ins, and set a new password.
Every change is recorded in the audit log by the records."""

from __future__ import annotations

import streamlit as st

from clinic.accounts import AccountInfo
from ui.common import page_footer, plain
from ui.signin import shown_errors, workspace_gate
from ui.workspace import cached, forget

ss = st.session_state
LIST = "ws_accounts"
FLASH = "ws_accounts_flash"
ROLES = {"counselor": "Counselor (patients, quotes, GFEs, rollover)", "admin": "Admin (also setup, accounts, audit)"}


def _when(value: object) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value is not None else ""  # type: ignore[attr-defined]


def _rows(accounts: list[AccountInfo]) -> list[dict[str, object]]:
    return [
        {
            "Username": a.account.username,
            "Name": a.account.display_name,
            "Role": a.account.role,
            "Active": "yes" if a.account.active else "no",
            "Failed sign-ins": a.failed_count,
            "Locked until (UTC)": _when(a.locked_until),
            "Last sign-in (UTC)": _when(a.last_sign_in_at),
        }
        for a in accounts
    ]


def _create(records, who) -> None:  # type: ignore[no-untyped-def]
    with st.expander("Make an account", icon=":material/person_add:"):
        with st.form("ws_new_account", clear_on_submit=True):
            c1, c2 = st.columns(2)
            username = c1.text_input("Username", max_chars=64, help="3-64 lowercase letters, digits or . _ @ -")
            name = c2.text_input("Name", max_chars=100)
            role = c1.selectbox("Role", list(ROLES), format_func=ROLES.__getitem__)
            password = c2.text_input(
                f"First password (at least {records.accounts.policy.min_password_length} characters)",
                type="password",
                autocomplete="new-password",
            )
            sent = st.form_submit_button("Make the account", type="primary")
        if sent:
            with shown_errors():
                made = records.accounts.create_account(who, username, name, role, password)
                forget(LIST)
                ss[FLASH] = f"Made the {made.role}'s account {made.username}. Give them the password in person."
                st.rerun()


def _manage(records, who, accounts: list[AccountInfo]) -> None:  # type: ignore[no-untyped-def]
    by_id = {a.account.id: a for a in accounts}
    picked = st.selectbox(
        "Change an account",
        list(by_id),
        index=None,
        format_func=lambda i: f"{by_id[i].account.username} ({by_id[i].account.display_name})",
        key="ws_account_pick",
        placeholder="Choose an account",
    )
    if picked is None:
        return
    info = by_id[picked]
    c1, c2 = st.columns(2)
    active = info.account.active
    if c1.button("Deactivate" if active else "Reactivate", width="stretch", disabled=picked == who.id and active):
        with shown_errors():
            records.accounts.set_active(who, picked, not active)
            forget(LIST)
            ss[FLASH] = f"{info.account.username} is {'deactivated' if active else 'active again'}."
            st.rerun()
    locked = info.failed_count > 0 or info.locked_until is not None
    if c2.button("Unlock", width="stretch", disabled=not locked, help="End a lock and clear the failed sign-ins."):
        with shown_errors():
            records.accounts.unlock(who, picked)
            forget(LIST)
            ss[FLASH] = f"{info.account.username} can sign in again."
            st.rerun()
    with st.form("ws_reset_password", clear_on_submit=True):
        password = st.text_input(
            f"New password for {info.account.username}", type="password", autocomplete="new-password"
        )
        if st.form_submit_button("Set the new password"):
            with shown_errors():
                records.accounts.reset_password(who, picked, password)
                forget(LIST)
                ss[FLASH] = f"Set a new password for {info.account.username} (this also ends a lock)."
                st.rerun()


def main() -> None:
    records, who = workspace_gate(
        "Accounts", "Who may sign in to the clinic workspace, and with which role.", admin=True
    )
    message = ss.pop(FLASH, None)
    if message:
        st.success(plain(message), icon=":material/check:")
    with shown_errors():
        accounts = cached(LIST, who.id, lambda: records.accounts.list_accounts(who))
        st.dataframe(_rows(accounts), hide_index=True, width="stretch")
        _create(records, who)
        _manage(records, who, accounts)
        st.caption("Accounts are never deleted: a deactivated account can't sign in, and its past actions stay logged.")


main()
page_footer()

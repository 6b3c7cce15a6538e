"""Audit log (issue 19, admins only): who did what, to which record, when; filtered by dates and the kind of
record, and exported as CSV. The log holds ids, references and fixed words only, never a patient's name, birth
date or diagnosis; reading and exporting it are themselves recorded."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from clinic.audit import AuditEntry
from ui.common import page_footer
from ui.signin import shown_errors, workspace_gate
from ui.widgets import DATE_FORMAT
from ui.workspace import cached

ss = st.session_state
ENTRIES = "ws_audit_entries"
OBJECT_TYPES = {
    "patient": "Patients",
    "quote": "Quotes",
    "gfe": "Good Faith Estimates",
    "rollover": "Rollovers",
    "account": "Accounts and sign-ins",
    "session": "Sign-outs",
    "audit_log": "The audit log itself",
}
LIMIT = 500


def _rows(entries: list[AuditEntry]) -> list[dict[str, object]]:
    return [
        {
            "When (UTC)": e.at.strftime("%Y-%m-%d %H:%M:%S"),
            "Who": e.username or "(unknown username)",
            "Action": e.action,
            "Record": e.object_type,
            "Record id": e.object_id,
            "Detail": e.detail,
        }
        for e in entries
    ]


def _day_start(day: dt.date | None) -> dt.datetime | None:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC) if day is not None else None


def main() -> None:
    records, who = workspace_gate(
        "Audit log", "Every sign-in, view, change, GFE issued and export, newest first.", admin=True
    )
    c1, c2, c3, c4 = st.columns(4)
    since = c1.date_input("From (UTC day)", value=None, format=DATE_FORMAT, key="ws_audit_since")
    until = c2.date_input("To (UTC day, included)", value=None, format=DATE_FORMAT, key="ws_audit_until")
    kind = c3.selectbox(
        "Record", list(OBJECT_TYPES), index=None, format_func=OBJECT_TYPES.__getitem__, placeholder="All"
    )
    record_id = c4.text_input("Record id", max_chars=80, placeholder="All", key="ws_audit_id").strip()
    start = _day_start(since)
    end = _day_start(until + dt.timedelta(days=1)) if until is not None else None
    filters = (start, end, kind, record_id)
    if st.button("Refresh", icon=":material/refresh:"):
        ss.pop(ENTRIES, None)
    with shown_errors():
        entries = cached(
            ENTRIES,
            filters,
            lambda: records.audit.entries(
                who, since=start, until=end, object_type=kind, object_id=record_id or None, limit=LIMIT
            ),
        )
        more = f" (the newest {LIMIT}; narrow the dates to see older ones)" if len(entries) >= LIMIT else ""
        st.caption(f"{len(entries)} entries{more}.")
        st.dataframe(_rows(entries), hide_index=True, width="stretch")
        name = f"audit-log-{dt.date.today().isoformat()}.csv"
        st.download_button(
            "Download the log as CSV (between the dates chosen)",
            lambda: records.audit.export_csv(who, since=start, until=end),
            file_name=name,
            mime="text/csv",
            icon=":material/download:",
            on_click="ignore",
        )


main()
page_footer()

"""What the clinic workspace's pages share (issue 19): the clinic they work for, finding a patient, and how a quote
version or a patient is written in a list. Everything kept in the session sits under `ws_` keys (ui.signin drops
them at sign-out). Patient names and birth dates are shown only in widgets and tables or escaped with `plain`,
never in a URL, a page title, a log or a file name.

Reading a patient or a list is audited by the records, so what was read is kept in the session and read again
only when the choice changes or something was saved: a rerun (any click) does not add audit rows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

import ui.clinic_state as cs
from clinic.patients import Patient
from clinic.quotes import Quote
from clinic.records import ClinicRecords
from clinic.records_common import Account
from estimator.text import fmt_day
from estimator.wording import coverage_kind
from ui.common import usd

ss = st.session_state
CLINIC_PICK = "ws_clinic_pick"
REASONS = {"saved": "saved", "rollover": "plan-year rollover"}


def workspace_clinic() -> str | None:
    """The clinic the workspace works for: the chosen one, the only one kept, or one picked here when there are
    several; None (with a note) when no clinic is set up yet."""
    names = cs.clinic_names()
    if not names:
        st.warning(
            "No clinic is set up yet: an admin enters the clinic's details on the Clinic page first.",
            icon=":material/local_hospital:",
        )
        return None
    if len(names) == 1:
        return names[0]
    chosen = cs.chosen_clinic(ss)
    index = names.index(chosen) if chosen in names else 0
    picked = st.selectbox("Clinic", names, index=index, key=CLINIC_PICK)
    ss[cs.CLINIC_KEY] = picked
    return picked


def cached(key: str, token: object, load: Callable[[], Any]) -> Any:
    """`load()` once per `token` (for example the search typed), kept in the session under `key`; `forget(key)`
    makes the next call read again."""
    kept = ss.get(key)
    if kept is not None and kept[0] == token:
        return kept[1]
    value = load()
    ss[key] = (token, value)
    return value


def forget(*keys: str) -> None:
    for key in keys:
        ss.pop(key, None)


def sticky(key: str) -> str:
    """A widget key whose value outlives a visit to another page: Streamlit drops the state of a widget that a
    run did not draw, so its value is also kept under a plain key and put back before the widget is drawn."""
    shadow = f"{key}__kept"
    if key not in ss and shadow in ss:
        ss[key] = ss[shadow]
    return key


def keep(key: str, value: object) -> object:
    """After drawing a `sticky` widget: remember what it holds."""
    ss[f"{key}__kept"] = value
    return value


def patient_label(p: Patient) -> str:
    """For a widget's option (shown as plain text, never as Markdown)."""
    inactive = "" if p.active else " (inactive)"
    return f"{p.reference} · {p.name} · born {fmt_day(p.date_of_birth)}{inactive}"


def quote_label(q: Quote) -> str:
    return (
        f"Quote {q.quote_number}, version {q.version}: patient pays {usd(q.totals.patient_pays)} "
        f"(saved {fmt_day(q.saved_at.date())} by {q.saved_by_username})"
    )


def quote_rows(quotes: list[Quote]) -> list[dict[str, object]]:
    return [
        {
            "Quote": q.quote_number,
            "Version": q.version,
            "Patient pays": usd(q.totals.patient_pays),
            "Charges": usd(q.totals.charges),
            "Coverage": coverage_kind(q.scenario.coverage.kind),
            "Starts": fmt_day(q.scenario.start_date),
            "Saved by": q.saved_by_username,
            "Saved at (UTC)": q.saved_at.strftime("%Y-%m-%d %H:%M"),
            "How": REASONS.get(q.reason, q.reason),
        }
        for q in quotes
    ]


def find_patient(records: ClinicRecords, who: Account, clinic: str, *, key: str, inactive: bool = False) -> int | None:
    """A search box and the patients it finds to pick from; the id of the one picked (None before a choice).
    The search is run (and audited) when what was typed changes, not on every rerun."""
    query = st.text_input(
        "Find a patient by reference (MRN) or name",
        key=sticky(f"{key}_query"),
        max_chars=100,
        placeholder="For example: MRN-1042 or Rivera",
    )
    keep(f"{key}_query", query)
    include = inactive and bool(
        keep(f"{key}_inactive", st.checkbox("Include inactive patients", key=sticky(f"{key}_inactive")))
    )
    found: list[Patient] = cached(
        f"{key}_found",
        (clinic, query.strip(), include),
        lambda: records.patients.search(who, clinic, query, include_inactive=include),
    )
    if not found:
        st.caption("No patient matches." if query.strip() else "No patient is kept yet.")
        return None
    by_id = {p.id: p for p in found}
    picked = st.selectbox(
        f"Patient ({len(found)} found{', the first 50 shown' if len(found) >= 50 else ''})",
        list(by_id),
        index=None,
        format_func=lambda pid: patient_label(by_id[pid]),
        key=sticky(f"{key}_pick"),
        placeholder="Choose a patient",
    )
    keep(f"{key}_pick", picked)
    return picked

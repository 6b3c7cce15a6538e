"""Patients (issue 19, behind the sign-in): find or add a clinic's patient, see their quotes with every version
(who saved each and when), save the Estimate page's current estimate as a quote or a new version of one, open a
version on the Estimate page exactly as saved, add versions to the Compare page, and mark a patient inactive.

Names and birth dates appear only in widgets and tables, or escaped; the page's title, its URL, the log and the
comparison names carry the patient's reference (MRN) at most.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from clinic.patients import Patient, patient_details
from clinic.quotes import Quote
from clinic.records_common import VersionConflict
from estimator.models import Scenario
from estimator.reference import us_states
from ui.clinic_state import store
from ui.common import COMPARISON_KEY, MAX_COMPARE, RESULT_KEY, SCENARIO_KEY, fmt_day, page_footer, plain, usd
from ui.signin import shown_errors, workspace_gate
from ui.state import restore
from ui.widgets import DATE_FORMAT
from ui.workspace import cached, find_patient, forget, keep, quote_label, quote_rows, workspace_clinic

ss = st.session_state
OPEN = "ws_patient"  # (patient id, Patient) as read when opened
GFE_QUOTES = "ws_gfe_quotes"  # ui/pages/gfe_register.py keeps its self-pay quotes here
QUOTES = "ws_patient_quotes"  # (patient id, [Quote]) every version, newest first
FLASH = "ws_patients_flash"
WARN = "ws_patients_warn"
FOUND = "ws_patients_found"
PICK_NEXT = "ws_patients_pick_next"
NEW_QUOTE = "As a new quote"
OLDEST = dt.date(1900, 1, 1)


def _open(records, who, patient_id: int) -> tuple[Patient, list[Quote]]:  # type: ignore[no-untyped-def]
    patient = cached(OPEN, patient_id, lambda: records.patients.get(who, patient_id))
    quotes = cached(QUOTES, patient_id, lambda: records.quotes.history(who, patient_id))
    return patient, quotes


def _flash() -> None:
    message = ss.pop(FLASH, None)
    if message:
        st.success(plain(message), icon=":material/check:")
    warning = ss.pop(WARN, None)
    if warning:
        st.warning(plain(warning), icon=":material/sync_problem:")


def _templates(clinic: str, kept: str | None = None) -> list[str]:
    """The clinic's payer templates' names (and the one a patient has kept, should it be archived since)."""
    try:
        names = [t.name for t in store().list_payer_templates(clinic)]
    except Exception:  # no templates kept: the field offers none
        names = []
    return [*names, kept] if kept and kept not in names else names


def _optional(label: str, options: list[str], kept: str | None) -> str | None:
    """A choice that may be none, with "None" as a choice of its own (so a kept one can be taken back)."""
    return st.selectbox(
        label, [None, *options], index=options.index(kept) + 1 if kept in options else 0, format_func=_or_none
    )


def _or_none(value: str | None) -> str:
    return "None" if value is None else value


def _fields(templates: list[str], patient: Patient | None = None) -> dict[str, object]:
    """The patient form's fields, empty for a new patient or filled in from `patient` to edit (inside a form).
    A row at a time, so a phone stacks them in reading order."""
    c1, c2 = st.columns(2)
    details: dict[str, object] = {
        "reference": c1.text_input("Reference (MRN)", value=patient.reference if patient else "", max_chars=40),
        "name": c2.text_input("Name", value=patient.name if patient else "", max_chars=200),
    }
    c1, c2 = st.columns(2)
    with c1:
        details["date_of_birth"] = st.date_input(
            "Date of birth",
            value=patient.date_of_birth if patient else None,
            min_value=OLDEST,
            max_value=dt.date.today(),
            format=DATE_FORMAT,
        )
    with c2:
        details["state"] = _optional("State of residence (optional)", list(us_states()), patient and patient.state)
    details["payer_template"] = _optional(
        "Payer template (optional)", templates, patient.payer_template if patient else None
    )
    return details


def _born_missing(details: dict[str, object]) -> bool:
    if details["date_of_birth"] is None:
        st.error("Date of birth: enter the patient's date of birth.", icon=":material/error:")
        return True
    return False


def _new_patient(records, who, clinic: str) -> None:  # type: ignore[no-untyped-def]
    with st.expander("Add a patient", icon=":material/person_add:"):
        with st.form("ws_new_patient", clear_on_submit=True):
            details = _fields(_templates(clinic))
            sent = st.form_submit_button("Add the patient", type="primary")
        if not sent or _born_missing(details):
            return
        with shown_errors():
            patient = records.patients.create(who, clinic, details)
            forget(FOUND + "_found", OPEN, QUOTES)
            ss[PICK_NEXT] = (patient.reference, patient.id)
            ss[FLASH] = f"Added the patient {patient.reference}."
            st.rerun()


def _edit_patient(records, who, clinic: str, patient: Patient) -> None:  # type: ignore[no-untyped-def]
    """Correct a patient's details; saved as the next version, refused if someone saved since this was read."""
    with st.expander("Edit details", icon=":material/edit:"):
        with st.form(f"ws_edit_patient_{patient.id}_{patient.version}"):  # a new form (and fields) per version
            details = _fields(_templates(clinic, patient.payer_template), patient)
            sent = st.form_submit_button("Save the details", type="primary")
        if not sent or _born_missing(details):
            return
        with shown_errors():
            if patient_details(details) == patient.details:  # (a detail that can't be saved is named instead)
                st.info("Nothing changed, so nothing was saved.", icon=":material/info:")
                return
            try:
                saved = records.patients.update(who, patient.id, details, expected_version=patient.version)
            except VersionConflict:  # shown at once with the newer details, and a form that starts from them
                forget(OPEN, FOUND + "_found")
                ss[WARN] = (
                    f"Someone else saved the details of patient {patient.reference} after you opened them. The "
                    "details below are the saved ones now: make your change again."
                )
                st.rerun()
            forget(OPEN, FOUND + "_found")
            ss[FLASH] = f"Saved the details of patient {saved.reference}."
            st.rerun()


def _details(patient: Patient) -> None:
    rows = [
        ("Name", patient.name),
        ("Date of birth", fmt_day(patient.date_of_birth)),
        ("State", patient.state or "not given"),
        ("Payer template", patient.payer_template or "none"),
        ("Status", "active" if patient.active else "inactive (hidden from search and the rollover)"),
    ]
    st.markdown("  \n".join(f"**{label}:** {plain(value)}" for label, value in rows))


def _save_quote(records, who, patient: Patient, quotes: list[Quote]) -> None:  # type: ignore[no-untyped-def]
    st.markdown("#### Save the current estimate as a quote")
    scenario = ss.get(SCENARIO_KEY)
    if not isinstance(scenario, Scenario):
        st.info("Make an estimate on the Estimate page first; it can then be saved here.", icon=":material/info:")
        st.page_link("ui/pages/estimate.py", label="Go to the Estimate page", icon=":material/calculate:")
        return
    result = ss.get(RESULT_KEY)
    pays = f": the patient pays {usd(result.totals.patient_pays)}" if result is not None else ""
    st.caption(
        f"The Estimate page's last valid estimate{plain(pays)} (a course from {plain(fmt_day(scenario.start_date))})."
    )
    latest = {}
    for q in quotes:
        latest.setdefault(q.quote_number, q)
    options = [NEW_QUOTE] + [f"As version {q.version + 1} of quote {n}" for n, q in latest.items()]
    choice = st.radio("Save it", options, key="ws_save_as", horizontal=True)
    if st.button("Save the quote", type="primary", icon=":material/save:", key="ws_save_quote"):
        with shown_errors():
            if choice == NEW_QUOTE:
                saved = records.quotes.save(who, patient.id, scenario)
            else:
                number = list(latest)[options.index(choice) - 1]
                saved = records.quotes.save(
                    who, patient.id, scenario, quote_number=number, expected_version=latest[number].version
                )
            forget(QUOTES, GFE_QUOTES)  # the GFE register's list of self-pay quotes is read again too
            ss[FLASH] = f"Saved quote {saved.quote_number}, version {saved.version}."
            st.rerun()


def _add_to_compare(patient: Patient, chosen: list[Quote]) -> str:
    items = [i for i in ss.get(COMPARISON_KEY) or [] if isinstance(i, dict) and isinstance(i.get("scenario"), Scenario)]
    added = 0
    for q in chosen:
        if len(items) >= MAX_COMPARE:
            break
        if any(i["scenario"] == q.scenario for i in items):
            continue
        items.append({"name": f"{patient.reference} quote {q.quote_number} v{q.version}", "scenario": q.scenario})
        added += 1
    ss[COMPARISON_KEY] = items
    left = len(chosen) - added
    note = f" ({left} not added: already there, or the comparison holds {MAX_COMPARE} at most)" if left else ""
    return f"Added {added} to the Compare page{note}."


def _quotes(records, who, patient: Patient, quotes: list[Quote]) -> None:  # type: ignore[no-untyped-def]
    st.markdown("#### Quotes")
    if not quotes:
        st.caption("No quote saved for this patient yet.")
        return
    st.dataframe(quote_rows(quotes), hide_index=True, width="stretch")
    by_id = {q.id: q for q in quotes}
    picked = st.multiselect(
        "Choose quote versions",
        list(by_id),
        format_func=lambda qid: quote_label(by_id[qid]),
        key=f"ws_versions_{patient.id}",
        placeholder="Choose one to open, or up to four to compare",
    )
    c1, c2 = st.columns(2)
    if c1.button(
        "Open on the Estimate page", icon=":material/open_in_new:", disabled=len(picked) != 1, width="stretch"
    ):
        with shown_errors():
            quote = records.quotes.get(who, picked[0])  # exactly that version, as saved (recorded as viewed)
            restore(ss, quote.scenario)
            st.switch_page("ui/pages/estimate.py")
    if c2.button("Add to Compare", icon=":material/compare_arrows:", disabled=not picked, width="stretch"):
        ss[FLASH] = _add_to_compare(patient, [by_id[q] for q in picked])
        st.rerun()
    st.caption("Opening a version replaces the Estimate page's inputs with exactly what was saved.")


def _status(records, who, patient: Patient) -> None:  # type: ignore[no-untyped-def]
    label = "Mark inactive" if patient.active else "Mark active again"
    if st.button(label, icon=":material/person_off:" if patient.active else ":material/person_check:"):
        with shown_errors():
            records.patients.set_active(who, patient.id, not patient.active, expected_version=patient.version)
            forget(OPEN, FOUND + "_found")
            ss[FLASH] = f"The patient {patient.reference} is {'inactive' if patient.active else 'active'} now."
            st.rerun()


def main() -> None:
    records, who = workspace_gate(
        "Patients",
        "The clinic's patients and their saved quotes: find or add a patient, save the estimate you made as a quote, "
        "and open a saved version again.",
    )
    clinic = workspace_clinic()
    if clinic is None:
        return
    _flash()
    just_added = ss.pop(PICK_NEXT, None)
    if just_added is not None:  # find and open the patient just added
        ss[FOUND + "_query"], ss[FOUND + "_pick"] = just_added
        keep(FOUND + "_query", just_added[0])
        keep(FOUND + "_pick", just_added[1])
        forget(FOUND + "_found")
    with shown_errors():
        _new_patient(records, who, clinic)
        found = find_patient(records, who, clinic, key=FOUND, inactive=True)
        if found is None:
            return
        patient, quotes = _open(records, who, found)
        st.divider()
        st.subheader(f"Patient {plain(patient.reference)}")
        _details(patient)
        _edit_patient(records, who, clinic, patient)
        _quotes(records, who, patient, quotes)
        _save_quote(records, who, patient, quotes)
        _status(records, who, patient)


main()
page_footer()

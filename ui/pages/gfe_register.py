"""GFE register (issue 19, behind the sign-in): issue a numbered Good Faith Estimate from a self-pay patient's saved
quote, list every GFE the clinic issued with its status (current, replaced, expired), download one exactly as
issued, record another delivery, reissue it, and check a bill against it (the $400 dispute rule).

The document is built from the quote's scenario, its estimate, the clinic's kept details and the patient's, and
printed by the same PDF function as the Good Faith Estimate page, with the register's number on it. File names
carry the GFE number, never the patient's name.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import streamlit as st
from pydantic import ValidationError

import ui.clinic_state as cs
from clinic.gfe_register import Delivery, GfeEntry, gfe_document
from clinic.patients import Patient
from clinic.quotes import Quote
from clinic.records_common import Invalid, Problem
from estimator.documents.gfe_pdf import gfe_pdf
from estimator.engine import estimate
from estimator.gfe import GfeRequest, PatientDetails, default_period, default_primary_service, gfe_ineligibility
from estimator.scenario_io import problems_from
from ui.common import fmt_day, page_footer, plain, usd
from ui.signin import shown_errors, workspace_gate
from ui.widgets import DATE_FORMAT
from ui.workspace import cached, find_patient, forget, keep, quote_label, sticky, workspace_clinic

ss = st.session_state
REGISTER = "ws_gfe_register"
QUOTES = "ws_gfe_quotes"
FLASH = "ws_gfe_flash"
PICK = "ws_gfe_pick"
METHODS = {"paper": "On paper", "email": "By e-mail", "portal": "Patient portal", "mail": "By mail", "fax": "By fax"}
STATUS = {"current": "Current", "replaced": "Replaced", "expired": "Expired"}


def _file_name(entry: GfeEntry) -> str:
    return f"good-faith-estimate-{entry.number}-v{entry.version}.pdf"


def _delivered_at(records, day: dt.date) -> dt.datetime:  # type: ignore[no-untyped-def]
    now = records.gfes.clock()
    return now if day == now.date() else dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)


def _self_pay(records, who, patient_id: int) -> list[Quote]:  # type: ignore[no-untyped-def]
    quotes = cached(QUOTES, patient_id, lambda: records.quotes.history(who, patient_id))
    return [q for q in quotes if gfe_ineligibility(q.scenario) is None]


def _build(records, who, clinic: str, quote: Quote, patient: Patient, request: GfeRequest):  # type: ignore[no-untyped-def]
    """The document and a function printing it with the number the register gives it."""
    profile = cs.store().get_clinic(clinic).content
    try:
        details = profile.gfe_details()
    except ValidationError:
        raise Invalid([Problem("", "the clinic's details lack what a GFE needs: an admin completes them")]) from None
    scenario, result = quote.scenario, estimate(quote.scenario)
    person = PatientDetails(name=patient.name, date_of_birth=patient.date_of_birth)
    made_on = records.gfes.clock().date()
    document = gfe_document(scenario, result, clinic=details, patient=person, request=request, made_on=made_on)
    letterhead = cs.letterhead_for(profile)

    def render(number: str) -> bytes:
        return gfe_pdf(
            scenario,
            result,
            clinic=details,
            patient=person,
            request=request,
            made_on=made_on,
            letterhead=letterhead,
            number=number,
        )

    return document, render


def _request_form(quote: Quote, key: str, old: GfeRequest | None = None) -> dict[str, object] | None:
    """The counselor's part of the GFE (diagnosis codes, the period, the primary service) and its delivery."""
    result = estimate(quote.scenario)
    first, last = default_period(result, quote.scenario.start_date)
    c1, c2 = st.columns(2)
    codes = c1.text_input(
        "Diagnosis codes (ICD-10-CM)",
        value=", ".join(old.diagnosis_codes) if old else "",
        placeholder="For example: F33.1, F32.9",
        key=f"{key}_codes",
    )
    primary = c2.text_input(
        "Primary item or service",
        value=old.primary_service if old else "",
        placeholder=default_primary_service(quote.scenario),
        max_chars=200,
        key=f"{key}_primary",
    )
    start = c1.date_input(
        "Period from", value=old.period_start if old else first, key=f"{key}_start", format=DATE_FORMAT
    )
    end = c2.date_input(
        "Period to (at most 12 months)", value=old.period_end if old else last, key=f"{key}_end", format=DATE_FORMAT
    )
    scheduled = c1.date_input("Primary service scheduled on", value=first, key=f"{key}_scheduled", format=DATE_FORMAT)
    method = c2.selectbox("Delivered", list(METHODS), format_func=METHODS.__getitem__, key=f"{key}_method")
    day = c1.date_input("Delivered on", value=dt.date.today(), key=f"{key}_day", format=DATE_FORMAT)
    return {
        "codes": codes,
        "primary": primary,
        "start": start,
        "end": end,
        "scheduled": scheduled,
        "method": method,
        "day": day,
    }


def _request(values: dict[str, object]) -> GfeRequest:
    try:
        return GfeRequest(
            diagnosis_codes=values["codes"],
            period_start=values["start"],
            period_end=values["end"],
            scheduled_date=values["scheduled"],
            primary_service=values["primary"],
        )
    except ValidationError as error:
        raise Invalid([Problem("", p.message) for p in problems_from(error)]) from None


def _issue(records, who, clinic: str) -> None:  # type: ignore[no-untyped-def]
    with st.expander("Issue a Good Faith Estimate", icon=":material/note_add:", expanded=True):
        patient_id = find_patient(records, who, clinic, key="ws_gfe_find")
        if patient_id is None:
            return
        quotes = _self_pay(records, who, patient_id)
        if not quotes:
            st.info(
                "This patient has no self-pay quote: a GFE is for uninsured and self-pay patients. Save a self-pay "
                "estimate for them on the Patients page first.",
                icon=":material/info:",
            )
            return
        by_id = {q.id: q for q in quotes}
        quote_id = st.selectbox(
            "From the quote", list(by_id), format_func=lambda i: quote_label(by_id[i]), key="ws_gfe_quote"
        )
        quote = by_id[quote_id]
        entries = _register_entries(records, who, clinic)
        issued = [e for e in entries if e.quote_id == quote.id and e.status == "current"]
        if issued:
            st.info(
                f"{issued[0].number} is the current GFE for this quote. To change it, choose it in the register "
                "below and reissue it (the new version names the one it replaces); a second GFE for the same quote "
                "would leave two current ones.",
                icon=":material/info:",
            )
            return
        with st.form(f"ws_gfe_issue_{quote.id}", clear_on_submit=True):
            values = _request_form(quote, f"ws_gfe_issue_{quote.id}")
            sent = st.form_submit_button("Issue the GFE", type="primary", icon=":material/verified:")
        if not sent or values is None:
            return
        with shown_errors():
            patient = records.patients.get(who, patient_id)
            document, render = _build(records, who, clinic, quote, patient, _request(values))
            delivery = Delivery(values["method"], _delivered_at(records, values["day"]))
            entry = records.gfes.issue(who, quote.id, document, render, delivery)
            forget(REGISTER)
            ss[PICK] = keep(PICK, entry.id)
            ss[FLASH] = f"Issued {entry.number}: download it below to give it to the patient."
            st.rerun()


def _rows(entries: list[GfeEntry]) -> list[dict[str, object]]:
    return [
        {
            "GFE number": e.number,
            "Version": e.version,
            "Patient": e.patient_reference,
            "Issued": fmt_day(e.issued_at.date()),
            "Total": usd(e.total),
            "Status": STATUS.get(e.status, e.status),
            "Delivered": ", ".join(f"{d.method} {d.at:%Y-%m-%d}" for d in e.deliveries),
        }
        for e in entries
    ]


def _register(records, who, clinic: str) -> list[GfeEntry]:  # type: ignore[no-untyped-def]
    st.subheader("Register")
    with st.container(horizontal=True, vertical_alignment="bottom"):
        status = st.segmented_control("Status", ["All", *STATUS.values()], default="All", key="ws_gfe_status")
        refresh = st.button("Refresh", icon=":material/refresh:", help="Read the register again (others may issue).")
    if refresh:
        forget(REGISTER, QUOTES)
    entries = _register_entries(records, who, clinic)
    shown = [e for e in entries if status in (None, "All") or STATUS.get(e.status) == status]
    if not shown:
        st.caption("No GFE issued yet." if not entries else "No GFE with this status.")
        return entries
    st.dataframe(_rows(shown), hide_index=True, width="stretch")
    return entries


def _register_entries(records, who, clinic: str) -> list[GfeEntry]:  # type: ignore[no-untyped-def]
    entries: list[GfeEntry] = cached(REGISTER, clinic, lambda: records.gfes.register(who, clinic))
    return entries


def _bill_check(records, who, entry: GfeEntry) -> None:  # type: ignore[no-untyped-def]
    st.markdown("#### Check a bill against this GFE")
    with st.form(f"ws_bill_{entry.id}"):
        c1, c2 = st.columns(2)
        billed = c1.number_input("Billed total ($)", min_value=0.0, step=100.0, format="%.2f", value=None)
        day = c2.date_input("Date on the bill", value=dt.date.today(), format=DATE_FORMAT)
        sent = st.form_submit_button("Check the bill")
    if not sent:
        return
    if billed is None:
        st.error("Enter the bill's total.", icon=":material/error:")
        return
    with shown_errors():
        check = records.gfes.check_bill(who, entry.id, Decimal(str(billed)).quantize(Decimal("0.01")), day)
        if check.disputable:
            st.warning(
                plain(
                    f"{usd(check.over_by)} above the GFE: the patient may start the dispute process by "
                    f"{fmt_day(check.deadline)} at {check.where} (fee {usd(check.fee)})."
                ),
                icon=":material/gavel:",
            )
        else:
            st.success(
                plain(f"Not {usd(check.threshold)} or more above the GFE's {usd(check.estimate_total)}: no dispute."),
                icon=":material/check:",
            )


def _reissue(records, who, clinic: str, entry: GfeEntry) -> None:  # type: ignore[no-untyped-def]
    if entry.status == "replaced":
        st.caption("This version was replaced: reissue the latest version of this number.")
        return
    with st.expander(f"Reissue {entry.number} as version {entry.version + 1}", icon=":material/autorenew:"):
        quotes = _self_pay(records, who, entry.patient_id)
        by_id = {q.id: q for q in quotes}
        if not by_id:
            st.caption("The patient has no self-pay quote to reissue it from.")
            return
        default = next((i for i, q in enumerate(quotes) if q.id == entry.quote_id), 0)
        quote_id = st.selectbox(
            "From the quote",
            list(by_id),
            index=default,
            format_func=lambda i: quote_label(by_id[i]),
            key=f"ws_gfe_reissue_quote_{entry.id}",
        )
        quote = by_id[quote_id]
        key = f"ws_gfe_reissue_{entry.id}_{quote.id}"
        old = cached(f"ws_gfe_doc_{entry.id}", entry.id, lambda: records.gfes.get(who, entry.id).document)
        with st.form(key):
            values = _request_form(quote, key, old.request if old is not None else None)
            sent = st.form_submit_button("Reissue", type="primary", icon=":material/autorenew:")
        if not sent or values is None:
            return
        with shown_errors():
            patient = records.patients.get(who, entry.patient_id)
            document, render = _build(records, who, clinic, quote, patient, _request(values))
            delivery = Delivery(values["method"], _delivered_at(records, values["day"]))
            new = records.gfes.reissue(who, entry.id, quote.id, document, render, delivery)
            forget(REGISTER)
            ss[PICK] = keep(PICK, new.id)
            ss[FLASH] = f"Reissued {new.number} as version {new.version}."
            st.rerun()


def _one(records, who, clinic: str, entries: list[GfeEntry]) -> None:  # type: ignore[no-untyped-def]
    by_id = {e.id: e for e in entries}
    if ss.get(PICK, ss.get(PICK + "__kept")) not in by_id:
        forget(PICK, PICK + "__kept")
    sticky(PICK)
    picked = st.selectbox(
        "Work with a GFE",
        list(by_id),
        index=None,
        format_func=lambda i: (
            f"{by_id[i].number} version {by_id[i].version} · {by_id[i].patient_reference} · "
            f"{STATUS.get(by_id[i].status, by_id[i].status).lower()}"
        ),
        key=PICK,
        placeholder="Choose a GFE to download, reissue or check a bill",
    )
    keep(PICK, picked)
    if picked is None:
        return
    entry = by_id[picked]
    c1, c2, c3 = st.columns([2, 2, 1], vertical_alignment="bottom")
    c1.download_button(
        f"Download {entry.number} (PDF)",
        lambda: records.gfes.pdf(who, entry.id),  # exactly as issued; recorded as exported
        file_name=_file_name(entry),
        mime="application/pdf",
        icon=":material/download:",
        on_click="ignore",
        width="stretch",
    )
    method = c2.selectbox("Delivered again", list(METHODS), format_func=METHODS.__getitem__, key="ws_gfe_again")
    if c3.button("Record", width="stretch", help="Record that it was delivered again today, this way."):
        with shown_errors():
            records.gfes.record_delivery(who, entry.id, Delivery(method, records.gfes.clock()))
            forget(REGISTER)
            ss[FLASH] = f"Recorded the delivery of {entry.number} ({METHODS[method].lower()})."
            st.rerun()
    _reissue(records, who, clinic, entry)
    _bill_check(records, who, entry)


def main() -> None:
    records, who = workspace_gate(
        "GFE register",
        "Good Faith Estimates issued to self-pay patients, numbered and kept exactly as given, with the bill check.",
    )
    clinic = workspace_clinic()
    if clinic is None:
        return
    message = ss.pop(FLASH, None)
    if message:
        st.success(plain(message), icon=":material/check:")
    with shown_errors():
        _issue(records, who, clinic)
        entries = _register(records, who, clinic)
        if entries:
            _one(records, who, clinic, entries)


main()
page_footer()

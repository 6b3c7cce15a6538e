"""Good Faith Estimate page: for uninsured and self-pay patients, a printable GFE (45 CFR 149.610).

Uses the estimate made on the Estimate page (or, when there is none, the example self-pay "Six IV infusions"
course). Clinic details can be loaded from and saved to a small clinic-profile file, or, where a clinic setup is
kept (issue 18), filled in from the clinic's details, with a kept price list pricing the estimate and the clinic's
letterhead on the printout. The setup is only read here: patient details are kept only in this browser session
(never saved, never in the database, the URL, a log or a file name). Text the user typed is shown with st.text /
st.dataframe or escaped, never as Markdown or HTML.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import streamlit as st

from clinic.store import StoreError
from estimator.clinic_setup import ClinicPriceList, apply_price_list
from estimator.documents.gfe_pdf import gfe_pdf
from estimator.documents.letterhead import Letterhead
from estimator.documents.pdf_layout import unprintable_chars
from estimator.engine import estimate
from estimator.gfe import (
    MAX_PROFILE_BYTES,
    ClinicDetails,
    GfeError,
    GfeRequest,
    PatientDetails,
    clinic_from_profile,
    clinic_profile_json,
    course_fits_dates,
    default_period,
    default_primary_service,
    example_self_pay_scenario,
    gfe_ineligibility,
    gfe_items,
    gfe_total,
    max_gfe_months,
    period_problem,
    validate_details,
)
from estimator.models import Scenario
from estimator.money import fmt_usd
from estimator.result import Result
from estimator.scenario_io import Problem, ScenarioError, scenario_from_data
from estimator.text import count, join_words
from estimator.wording import course_words, phase_label
from ui.clinic_state import CLINIC_KEY, chosen_clinic, clinic_names, clinic_profile, letterhead_for, store
from ui.common import (
    SCENARIO_KEY,
    STALE_KEY,
    STALE_NOTE,
    fmt_day,
    page_footer,
    page_header,
    plain,
    refused_file_hint,
    sentence,
)
from ui.widgets import DATE_FORMAT

PROFILE_BOX_MB = MAX_PROFILE_BYTES // 1_000_000  # the profile box's limit, as Streamlit takes it (whole MB)
# Widget keys. Clinic fields persist across page switches; patient fields and diagnoses do not.
CLINIC_FIELDS = {
    "name": ("gfe_clinic_name", "Clinic or provider name"),
    "address": ("gfe_clinic_address", "Address"),
    "state": ("gfe_clinic_state", "State (2-letter code)"),
    "location": ("gfe_clinic_location", "Location of care, if not the address (optional)"),
    "npi": ("gfe_clinic_npi", "NPI (10 digits)"),
    "tin": ("gfe_clinic_tin", "TIN / EIN (XX-XXXXXXX)"),
    "phone": ("gfe_clinic_phone", "Phone (optional)"),
}
# The label of each field a problem can name (scenario paths as validate_details locates them), said once for the
# form and for the reason a download is not available.
FIELD_LABELS = {f"clinic.{field}": label for field, (_, label) in CLINIC_FIELDS.items()} | {
    "patient.name": "Patient name",
    "patient.date_of_birth": "Date of birth",
    "diagnosis_codes": "Diagnosis codes (ICD-10-CM), separated by commas",
    "primary_service": "Primary service (leave blank for the default)",
    "period_start": "Period starts",
    "period_end": "Period ends",
    "scheduled_date": "Primary service scheduled for",
    "separate_services": "Items or services to be scheduled separately (optional)",
}
# The same fields named briefly, in lists of what is still needed.
SHORT_NAMES = {
    "clinic.name": "clinic name",
    "clinic.address": "address",
    "clinic.state": "state",
    "clinic.location": "location of care",
    "clinic.npi": "NPI",
    "clinic.tin": "TIN",
    "clinic.phone": "phone",
    "patient.name": "patient name",
    "patient.date_of_birth": "date of birth",
    "diagnosis_codes": "diagnosis codes",
    "primary_service": "primary service",
    "period_start": "period start",
    "period_end": "period end",
    "scheduled_date": "scheduled date",
    "separate_services": "separately scheduled services",
}
PATIENT_NAME = "gfe_patient_name"
PATIENT_DOB = "gfe_patient_dob"
DX = "gfe_dx"
PERIOD_START = "gfe_period_start"
PERIOD_END = "gfe_period_end"
SCHEDULED = "gfe_scheduled"
PRIMARY = "gfe_primary"
SEPARATE = "gfe_separate"
UPLOAD = "gfe_profile_upload"
_LOADED = "_gfe_profile_loaded"  # file id of the clinic profile last applied
_PERIOD_FOR = "_gfe_period_for"  # the course the period defaults were set for
PRICE_LIST = "gfe_price_list"  # the clinic's price list pricing the GFE, or OWN_PRICES
OWN_PRICES = "The estimate's own prices"
_SETUP_NOTE = "_gfe_setup_note"  # what "Use the clinic's details" did, said once after the rerun

_REQUIRED_HINTS = {
    "patient.date_of_birth": "enter the patient's date of birth",
    "period_start": "choose the first day of the period",
    "period_end": "choose the last day of the period",
    "scheduled_date": "choose the scheduled date of the primary service",
}


def _current() -> tuple[Scenario, Result, bool]:
    """The scenario from the Estimate page, or the example self-pay course; and whether it is the example."""
    scenario = st.session_state.get(SCENARIO_KEY)
    if isinstance(scenario, Scenario):
        if st.session_state.get(STALE_KEY):
            st.warning(STALE_NOTE, icon=":material/warning:")
        try:
            return scenario, estimate(scenario), False
        except Exception:  # never a traceback on screen; fall back to the example
            st.error("The estimate from the Estimate page could not be used here; showing the example course.")
    example = example_self_pay_scenario(dt.date.today())
    return example, estimate(example), True


def _error(slot: Any, message: str) -> None:
    slot.error(plain(message), icon=":material/error:")


def _profile_problem(p: Problem) -> str:
    """A problem in an opened clinic profile as a sentence, naming the field by its label on this page."""
    field = p.loc.removeprefix("clinic.")
    label = CLINIC_FIELDS[field][1] if field in CLINIC_FIELDS else p.loc
    return sentence(f"{label}: {p.message}" if p.loc else p.message)


def _load_profile() -> None:
    """Apply a newly uploaded clinic profile to the clinic fields (before those widgets are drawn)."""
    upload = st.file_uploader(
        "Load clinic profile (JSON)",
        type=["json"],
        key=UPLOAD,
        max_upload_size=PROFILE_BOX_MB,
        help="A file saved with “Save clinic profile”. It holds clinic details only.",
    )
    if upload is None:
        refused_file_hint(PROFILE_BOX_MB, ".json")
    if upload is None or st.session_state.get(_LOADED) == upload.file_id:
        return
    st.session_state[_LOADED] = upload.file_id
    if upload.size > MAX_PROFILE_BYTES:
        _error(st, f"The clinic profile is larger than {PROFILE_BOX_MB} MB.")
        return
    try:
        clinic = clinic_from_profile(upload.read(MAX_PROFILE_BYTES + 1))
    except GfeError as e:
        for p in e.problems:
            _error(st, _profile_problem(p))
        return
    for field, (key, _) in CLINIC_FIELDS.items():
        st.session_state[key] = getattr(clinic, field)
    st.success("Clinic profile loaded.", icon=":material/check:")


def _use_setup_details(clinic: str) -> None:
    """Fill the clinic fields from the clinic's kept details (a button's callback, so before the fields are drawn)."""
    profile = clinic_profile(clinic)
    if profile is None:
        st.session_state[_SETUP_NOTE] = ("error", f"The details of the clinic “{clinic}” could not be read.")
        return
    details = profile.gfe_details()
    for field, (key, _) in CLINIC_FIELDS.items():
        st.session_state[key] = getattr(details, field)
    st.session_state[_SETUP_NOTE] = ("success", f"Clinic details filled in from the setup of “{profile.name}”.")


def _price_list_names(clinic: str) -> list[str]:
    try:
        return [k.name for k in store().list_price_lists(clinic)]
    except StoreError:
        return []


def _in_effect(clinic: str) -> str | None:
    try:
        return store().price_list_in_effect(clinic).name
    except StoreError:
        return None


def _setup_box(is_example: bool) -> tuple[str | None, ClinicPriceList | None]:
    """Where a clinic setup is kept: the clinic, "Use the clinic's details" and a price list to price the GFE.
    Returns the clinic chosen and the price list (None: the estimate's own prices)."""
    names = clinic_names()
    if not names:
        return None, None
    with st.container(border=True):
        if len(names) > 1:
            st.selectbox("Clinic", names, key=CLINIC_KEY, index=None, placeholder="Choose the clinic")
        clinic = chosen_clinic(st.session_state)
        if clinic is None:
            st.caption("Choose the clinic to use its details and price lists.")
            return None, None
        st.caption(plain(f"From the setup of {clinic} (change it on the Clinic page)."))
        options = [OWN_PRICES, *_price_list_names(clinic)]
        if st.session_state.get(PRICE_LIST) not in options:  # never chosen, or archived since
            st.session_state.pop(PRICE_LIST, None)
        # The example course has only example prices: the clinic's list in effect prices it instead.
        first = (_in_effect(clinic) if is_example else None) or OWN_PRICES
        c1, c2 = st.columns([2, 3], vertical_alignment="bottom")
        c1.button(
            "Use the clinic's details",
            key="gfe_use_setup",
            on_click=_use_setup_details,
            args=(clinic,),
            icon=":material/badge:",
            help="Fills in the clinic fields below from the clinic's setup; you can still change them here.",
        )
        choice = c2.selectbox(
            "Price list",
            options,
            index=options.index(first) if first in options else 0,
            key=PRICE_LIST,
            help="The clinic's kept price list prices the Good Faith Estimate's items; the course stays the same.",
        )
        note = st.session_state.pop(_SETUP_NOTE, None)
        if note is not None:
            level, text = note
            (st.success if level == "success" else st.error)(plain(text))
        if choice == OWN_PRICES:
            return clinic, None
        try:
            return clinic, store().get_price_list(clinic, choice).content
        except StoreError as e:
            _error(st, str(e))
            return clinic, None


def _priced(scenario: Scenario, result: Result, price_list: ClinicPriceList | None) -> tuple[Scenario, Result]:
    """The estimate priced by the clinic's price list (the same course and coverage), or as it was."""
    if price_list is None:
        return scenario, result
    why = ""
    try:
        priced = scenario_from_data(apply_price_list(scenario.model_dump(mode="json"), price_list))
        return priced, estimate(priced)
    except ScenarioError as e:
        why = " (" + "; ".join(p.message for p in e.problems[:3]) + ")"
    except Exception:  # never a traceback on screen
        pass
    _error(st, f"The price list “{price_list.name}” cannot price this course{why}; using the estimate's own prices.")
    return scenario, result


def _clinic_form(slots: dict[str, Any], is_example: bool) -> tuple[dict[str, str], str | None, ClinicPriceList | None]:
    st.subheader("1. Clinic")
    setup_clinic, price_list = _setup_box(is_example)
    _load_profile()
    left, right = st.columns(2)
    values: dict[str, str] = {}
    layout = {"name": left, "address": left, "state": left, "location": left, "npi": right, "tin": right}
    layout["phone"] = right
    for field, (key, label) in CLINIC_FIELDS.items():
        col = layout[field]
        with col:
            values[field] = (
                st.text_input(
                    label,
                    key=key,
                    max_chars=2 if field == "state" else 300,
                    autocomplete="off",
                    persist_state="session",
                )
                or ""
            )
            slots[f"clinic.{field}"] = st.empty()
    return values, setup_clinic, price_list


def _patient_form(slots: dict[str, Any]) -> dict[str, Any]:
    st.subheader("2. Patient")
    st.caption(
        "Patient details stay in this browser session only: they are not saved, not put in the web address, "
        "not written to logs and not used in file names."
    )
    left, right = st.columns(2)
    with left:
        name = (
            st.text_input(
                FIELD_LABELS["patient.name"],
                key=PATIENT_NAME,
                max_chars=200,
                autocomplete="off",
                persist_state="session",
            )
            or ""
        )
        slots["patient.name"] = st.empty()
    with right:
        dob = st.date_input(
            FIELD_LABELS["patient.date_of_birth"],
            value=None,
            min_value=dt.date(1900, 1, 1),
            # No max_value: a typed future date would get Streamlit's own "outside allowed range" and come back
            # empty, so the page said "still needed" beside a filled-in date. The model says what is wrong.
            key=PATIENT_DOB,
            format=DATE_FORMAT,
            persist_state="session",
        )
        slots["patient.date_of_birth"] = st.empty()
    data: dict[str, Any] = {"name": name}
    if dob is not None:
        data["date_of_birth"] = dob
    return data


def _service_form(slots: dict[str, Any], scenario: Scenario, result: Result) -> dict[str, Any]:
    st.subheader("3. Diagnosis, service and period")
    first, last = default_period(result, scenario.start_date)
    signature = (scenario.start_date, first, last)
    if st.session_state.get(_PERIOD_FOR) != signature:  # a new course: start from its own dates
        st.session_state[_PERIOD_FOR] = signature
        st.session_state[PERIOD_START] = first
        st.session_state[PERIOD_END] = last
        st.session_state[SCHEDULED] = first
    months = max_gfe_months()
    dx = st.text_input(
        FIELD_LABELS["diagnosis_codes"],
        key=DX,
        placeholder="For example F33.1, F32.9",
        autocomplete="off",
        persist_state="session",
        help="For example F32.9 (major depressive disorder, single episode) or F33.1 (recurrent, moderate).",
    )
    slots["diagnosis_codes"] = st.empty()
    default_primary = default_primary_service(scenario)
    primary = st.text_input(
        FIELD_LABELS["primary_service"],
        key=PRIMARY,
        placeholder=f"Default: {default_primary}",
        max_chars=200,
        persist_state="session",
    )
    slots["primary_service"] = st.empty()
    c1, c2, c3 = st.columns(3)
    with c1:
        start = st.date_input(
            FIELD_LABELS["period_start"], key=PERIOD_START, format=DATE_FORMAT, persist_state="session"
        )
        slots["period_start"] = st.empty()
    with c2:
        end = st.date_input(
            FIELD_LABELS["period_end"],
            key=PERIOD_END,
            format=DATE_FORMAT,
            persist_state="session",
            help=f"One Good Faith Estimate covers recurring services for at most {months} months.",
        )
        slots["period_end"] = st.empty()
    with c3:
        scheduled = st.date_input(
            FIELD_LABELS["scheduled_date"], key=SCHEDULED, format=DATE_FORMAT, persist_state="session"
        )
        slots["scheduled_date"] = st.empty()
    separate = st.text_area(
        FIELD_LABELS["separate_services"],
        key=SEPARATE,
        max_chars=2000,
        persist_state="session",
        height=80,
        placeholder="For example: medication management visits with another provider",
    )
    slots["separate_services"] = st.empty()
    data: dict[str, Any] = {
        "diagnosis_codes": dx or "",
        "primary_service": primary or "",
        "separate_services": separate or "",
    }
    for field, value in (("period_start", start), ("period_end", end), ("scheduled_date", scheduled)):
        if isinstance(value, dt.date):
            data[field] = value
    return data


def _raw_empty(loc: str, clinic: dict[str, str], patient: dict[str, Any], request: dict[str, Any]) -> bool:
    if loc.startswith("clinic."):
        return not str(clinic.get(loc.split(".", 1)[1], "")).strip()
    if loc.startswith("patient."):
        return not str(patient.get(loc.split(".", 1)[1], "")).strip()
    return not str(request.get(loc, "")).strip()


def _show_problems(
    problems: list[Problem],
    slots: dict[str, Any],
    raw: tuple[dict[str, str], dict[str, Any], dict[str, Any]],
) -> None:
    """A message under each field that has one; empty required fields are listed once, without alarm."""
    missing: list[str] = []
    for p in problems:
        if _raw_empty(p.loc, *raw):
            missing.append(p.loc)
            continue
        message = _REQUIRED_HINTS.get(p.loc, p.message) if p.message == "this field is required" else p.message
        slot = slots.get(p.loc)
        if slot is not None:
            _error(slot, sentence(message, stop=False))
        else:
            _error(st, str(p))
    if missing:
        still = ", ".join(dict.fromkeys(SHORT_NAMES.get(loc, loc) for loc in missing))
        st.info(plain(f"Still needed for the Good Faith Estimate: {still}."), icon=":material/edit_note:")


def _preview(scenario: Scenario, result: Result, codes: tuple[str, ...]) -> None:
    st.subheader("4. Preview")
    items = gfe_items(scenario, result, codes)
    total = gfe_total(items)
    frame = pd.DataFrame(
        {
            # The charge next to the service, so it is never the column cut off on a narrower screen.
            "Service": [i.description for i in items],
            "Expected charge": [fmt_usd(i.expected_charge) for i in items],
            "Qty": [i.quantity for i in items],
            "Date or frequency": [f"{phase_label(i.phase)}: {i.when}" for i in items],
            "Service code": [i.code for i in items],
            "Diagnosis codes": [", ".join(i.diagnosis_codes) for i in items],
        }
    )
    # On a phone the grid scrolls sideways: the service and its charge stay pinned, so no amount is out of sight.
    st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        column_config={
            "Service": st.column_config.TextColumn(pinned=True, width="medium"),
            "Expected charge": st.column_config.TextColumn(pinned=True),
        },
    )
    st.metric("Expected total", fmt_usd(total))
    st.caption(
        f"The itemized charges add up to the estimate's total charges ({fmt_usd(result.totals.charges)}), "
        f"for {result.totals.sessions} treatment sessions."
    )


def _glyph_note(clinic: dict[str, str], patient: dict[str, Any]) -> None:
    texts = [str(v) for v in clinic.values()] + [str(patient.get("name", ""))]
    chars = unprintable_chars(" ".join(texts))
    if chars:
        st.warning(
            plain(
                "The PDF font has no picture for some characters you typed ("
                + " ".join(chars[:10])
                + "): they stay in the PDF's text (search, copy and screen readers) but print as empty boxes. "
                "Consider adding the name in Latin letters as well."
            ),
            icon=":material/font_download:",
        )


def _letterhead(setup_clinic: str | None, clinic: ClinicDetails) -> Letterhead | None:
    """The clinic's letterhead when the provider on the form is the setup's clinic (the same NPI): the form's name,
    address and phone, with the setup's counselor and logo. Other providers' printouts stay plain."""
    profile = clinic_profile(setup_clinic)
    if profile is None or profile.npi != clinic.npi:
        return None
    head = letterhead_for(profile)
    return Letterhead(clinic.name, clinic.address, clinic.phone, head.contact, head.logo_png)


def _downloads(
    scenario: Scenario,
    result: Result,
    clinic: ClinicDetails | None,
    patient: PatientDetails | None,
    request: GfeRequest | None,
    problems: list[Problem],
    setup_clinic: str | None = None,
) -> None:
    ready = not problems
    c1, c2 = st.columns(2)
    if ready and clinic is not None and patient is not None and request is not None:
        made_on = dt.date.today()
        head = _letterhead(setup_clinic, clinic)
        c1.download_button(
            "Download Good Faith Estimate (PDF)",
            lambda: gfe_pdf(
                scenario, result, clinic=clinic, patient=patient, request=request, made_on=made_on, letterhead=head
            ),
            file_name="good-faith-estimate.pdf",
            mime="application/pdf",
            icon=":material/picture_as_pdf:",
            on_click="ignore",
            type="primary",
            key="gfe_download",
            width="stretch",
        )
    else:
        c1.button(
            "Download Good Faith Estimate (PDF)",
            disabled=True,
            key="gfe_download_disabled",
            help="Fill in the details above first.",
            width="stretch",
        )
        fields = list(dict.fromkeys(SHORT_NAMES.get(p.loc, "details") for p in problems))
        c1.caption(plain(f"The PDF is not available yet: complete or correct the {join_words(fields)} above."))
    if clinic is not None:
        c2.download_button(
            "Save clinic profile",
            clinic_profile_json(clinic),
            file_name="clinic-profile.json",
            mime="application/json",
            icon=":material/save:",
            on_click="ignore",
            key="gfe_save_profile",
            help="Clinic details only: nothing about the patient is saved.",
            width="stretch",
        )


def _clear_patient() -> None:
    for key in (PATIENT_NAME, PATIENT_DOB, DX, SEPARATE, PRIMARY):
        st.session_state.pop(key, None)


def main() -> None:
    page_header(
        "Good Faith Estimate",
        "For uninsured and self-pay patients: a printable Good Faith Estimate under the No Surprises Act "
        "(45 CFR 149.610), built from your estimate.",
    )
    scenario, result, is_example = _current()
    if is_example:
        st.info(
            "No estimate from the Estimate page yet, so this uses the example course “Six IV infusions” at the "
            "example prices, self-pay, starting today. Make an estimate on the Estimate page first to use your "
            "clinic's own prices and course.",
            icon=":material/info:",
        )
    else:
        st.caption("Course from the Estimate page:")
        kind, schedule = course_words(scenario)  # from the course itself: an edited preset is no longer the preset
        weeks = count(scenario.horizon_weeks, "week")
        named = scenario.name + ": " if scenario.name else ""
        st.text(f"{named}{kind}. {schedule}; {weeks} from {fmt_day(scenario.start_date)}.")

    why_not = gfe_ineligibility(scenario)
    if why_not is not None:
        st.warning(plain(why_not), icon=":material/block:")
        return

    slots: dict[str, Any] = {}
    clinic_raw, setup_clinic, price_list = _clinic_form(slots, is_example)
    scenario, result = _priced(scenario, result, price_list)
    patient_raw = _patient_form(slots)
    request_raw = _service_form(slots, scenario, result)
    st.button("Clear patient details", on_click=_clear_patient, key="gfe_clear", icon=":material/delete:")

    clinic, patient, request, problems = validate_details(clinic_raw, patient_raw, request_raw)
    # The period's own dates tell what is wrong with it and whether the course fits, even before the rest of
    # the form is filled in (a complete form has already checked the period: then only the fit can be new).
    start, end = request_raw.get("period_start"), request_raw.get("period_end")
    scheduled = request_raw.get("scheduled_date")
    if isinstance(start, dt.date) and isinstance(end, dt.date):
        when = scheduled if isinstance(scheduled, dt.date) else None
        # The form's own check words the period problem with ISO dates: said here once, in the page's date style.
        iso = period_problem(start, end, when)
        problems = [p for p in problems if iso is None or (p.loc, p.message) != (iso.loc, iso.message)]
        wrong = period_problem(start, end, when, day=fmt_day)
        more = [wrong] if wrong is not None else course_fits_dates(result, start, end, day=fmt_day)
        seen = {(p.loc, p.message) for p in problems}
        problems += [p for p in more if (p.loc, p.message) not in seen]
    _show_problems(problems, slots, (clinic_raw, patient_raw, request_raw))
    _glyph_note(clinic_raw, patient_raw)

    _preview(scenario, result, request.diagnosis_codes if request is not None else ())
    _downloads(scenario, result, clinic, patient, request, problems, setup_clinic)


main()
page_footer()

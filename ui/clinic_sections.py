"""The Clinic page's three forms: the clinic's details (with its logo), a price list and a payer coverage template.
Each draws its fields under the editor's keys (`ui.clinic_forms`) and hands the draft, as data for the model, to
`finish`, which saves it and places its problems beside the fields. Typed text is shown only in widgets or escaped."""

from __future__ import annotations

from typing import Any

import streamlit as st

from clinic.profile import MAX_LOGO_BYTES, MAX_LOGO_SIZE, LogoError, normalize_logo
from estimator.clinic_setup import ClinicPriceList, PayerTemplate
from estimator.presets import example_prices
from estimator.scenario_io import Problem
from ui import clinic_tables as T
from ui.clinic_forms import Editor, Slots, finish, table
from ui.common import plain, refused_file_hint, sentence
from ui.widgets import DATE_FORMAT

ss = st.session_state
LOGO_BOX_MB = MAX_LOGO_BYTES // 1_000_000
CLINIC_FIELDS = {  # field: (label, help)
    "name": ("Clinic name", "How the clinic is named on estimates; other pages choose the clinic by it"),
    "address": ("Address", None),
    "state": ("State (2-letter code)", "The state where care is given, for example MI"),
    "location": ("Location of care, if not the address (optional)", None),
    "phone": ("Clinic phone (optional)", None),
    "npi": ("NPI (10 digits)", "The clinic's National Provider Identifier; its last digit is a check digit"),
    "tin": ("TIN / EIN (XX-XXXXXXX)", "The clinic's Taxpayer Identification Number"),
    "counselor_name": ("Financial counselor (optional)", "Who patients call about costs"),
    "counselor_phone": ("Counselor phone (optional)", None),
    "counselor_email": ("Counselor e-mail (optional)", None),
}
KINDS = {"commercial": "Commercial", "medicare": "Medicare", "medicaid": "Medicaid", "self_pay": "Self-pay"}
NETWORKS = {"in": "In network", "out": "Out of network"}


def _text(ed: Editor, name: str, label: str, value: str, slots: Slots, **options: Any) -> str:
    text = st.text_input(label, value=value, key=ed.key(name), persist_state="session", **options) or ""
    slots.add(name)
    return text


# ---------------------------------------------------------------- the clinic's details


def _logo(ed: Editor, slots: Slots) -> bytes | None:
    """The logo: uploaded images are re-encoded (`normalize_logo`) as soon as they arrive; a preview beside."""
    logo_key = ed.key("logo")
    if logo_key not in ss:
        ss[logo_key] = ed.loaded.content.logo_png if ed.loaded.content is not None else None
    left, right = st.columns([2, 1])
    with left:
        upload = st.file_uploader(
            f"Logo (optional; PNG or JPEG, up to {LOGO_BOX_MB} MB)",
            type=["png", "jpg", "jpeg"],
            key=ed.key("logo_upload"),
            max_upload_size=LOGO_BOX_MB,
            help=f"Shrunk to at most {MAX_LOGO_SIZE[0]} x {MAX_LOGO_SIZE[1]} pixels and kept as PNG.",
        )
        if upload is None:
            refused_file_hint(LOGO_BOX_MB, "PNG or JPEG")
        elif ss.get(ed.key("logo_file")) != upload.file_id:
            ss[ed.key("logo_file")] = upload.file_id
            ss.pop(ed.key("logo_error"), None)
            try:
                ss[logo_key] = normalize_logo(upload.getvalue())
            except LogoError as e:
                ss[ed.key("logo_error")] = sentence(str(e))
        slots.add("logo_png")
        if ss.get(ed.key("logo_error")):
            st.error(plain(ss[ed.key("logo_error")]), icon=":material/error:")
    with right:
        if ss[logo_key]:
            st.image(ss[logo_key], caption="The logo as kept", width="content")
            st.button(
                "Remove logo",
                key=ed.key("logo_remove"),
                icon=":material/hide_image:",
                on_click=_no_logo,
                args=(logo_key,),
            )
        else:
            st.caption("No logo.")
    return ss[logo_key]


def _no_logo(key: str) -> None:
    ss[key] = None


def clinic_form(ed: Editor) -> None:
    content = ed.loaded.content
    slots = Slots()
    values: dict[str, Any] = {}
    left, right = st.columns(2)
    layout = {"name": left, "address": left, "state": left, "location": left, "phone": left}
    for name, (label, help) in CLINIC_FIELDS.items():
        with layout.get(name, right):
            value = getattr(content, name) if content is not None else ""
            limit = 2 if name == "state" else 300
            values[name] = _text(ed, name, label, value, slots, help=help, max_chars=limit, autocomplete="off")
    values["logo_png"] = _logo(ed, slots)
    finish(ed, values, [], slots)


# ---------------------------------------------------------------- price lists


def _starter_fees() -> Any:
    """A new price list starts from the example's services, codes and descriptions; the charges are the clinic's
    to fill in."""
    return T.starter_fees(example_prices().scenario_fees())


def price_list_form(ed: Editor) -> None:
    content: ClinicPriceList | None = ed.loaded.content
    slots = Slots()
    c1, c2 = st.columns([2, 1])
    with c1:
        name = _text(
            ed,
            "name",
            "Price list name",
            content.name if content else "",
            slots,
            max_chars=100,
            placeholder="For example Standard 2026",
        )
    with c2:
        effective = st.date_input(
            "In effect from (optional)",
            value=content.effective if content else None,
            key=ed.key("effective"),
            format=DATE_FORMAT,
            persist_state="session",
            help="The batch uses the latest list in effect on the day; a list without a date is always in effect.",
        )
        slots.add("effective")
    description = _text(
        ed, "description", "Description (optional)", content.description if content else "", slots, max_chars=200
    )
    st.markdown("**Fees**")
    st.caption(
        "One row per service: its id as in a scenario, billing code, description and charge per unit. "
        "Add a row at the bottom of the table; select a row's box at its left to delete it."
    )
    fees = table(
        ed,
        "fees",
        T.fees_frame(content) if content else _starter_fees(),
        num_rows="dynamic",
        column_config=T.FEE_CONFIG,
    )
    slots.add("fees", "Fees")
    st.markdown("**Packages (optional)**")
    st.caption("A price for a number of sessions of one service bought together, for example 6 infusions.")
    packages = table(ed, "packages", T.packages_frame(content), num_rows="dynamic", column_config=T.PACKAGE_CONFIG)
    slots.add("packages", "Packages")
    draft = {
        "name": name,
        "effective": effective.isoformat() if effective else None,
        "description": description,
        "fees": T.fees_data(fees),
        "packages": T.packages_data(packages),
    }
    finish(ed, draft, [], slots)


# ---------------------------------------------------------------- payer templates


def _starter_services() -> Any:
    """A new template lists the example's services, each covered with the deductible applying."""
    return T.starter_services([f.service for f in example_prices().scenario_fees()])


def template_form(ed: Editor) -> None:
    content: PayerTemplate | None = ed.loaded.content
    slots = Slots()
    name = _text(
        ed,
        "name",
        "Template name",
        content.name if content else "",
        slots,
        max_chars=100,
        placeholder="For example Aetna Open Access PPO",
    )
    c1, c2, c3 = st.columns(3)
    with c1:
        kinds = list(KINDS)
        kind = st.selectbox(
            "Coverage",
            kinds,
            index=kinds.index(content.kind) if content else 0,
            key=ed.key("kind"),
            format_func=KINDS.__getitem__,
            persist_state="session",
        )
        slots.add("kind")
    with c2:
        networks = list(NETWORKS)
        network = st.selectbox(
            "The clinic is",
            networks,
            index=networks.index(content.network) if content else 0,
            key=ed.key("network"),
            format_func=NETWORKS.__getitem__,
            persist_state="session",
            help="Whether the clinic is in or out of this plan's network",
        )
        slots.add("network")
    with c3:
        plan_year = _text(
            ed,
            "plan_year_start",
            "Plan year starts (MM-DD, optional)",
            (content.plan_year_start or "") if content else "",
            slots,
            max_chars=5,
            placeholder="01-01",
            help="Blank: January 1, unless the patient's own plan says otherwise",
        )
    st.markdown("**What the plan covers, per service**")
    st.caption(
        "Tick what is covered; a copay replaces coinsurance; blank amounts use the plan's share of the "
        "charge. Network, out-of-network allowed and authorized units matter only when a service is billed "
        "in another tier or needs prior authorization."
    )
    services = table(
        ed,
        "services",
        T.services_frame(content) if content else _starter_services(),
        num_rows="dynamic",
        column_config=T.SERVICE_CONFIG,
    )
    slots.add("services", "Services")
    st.markdown("**The plan's usual figures (optional)**")
    st.caption(
        "Deductible, coinsurance and out-of-pocket maximum differ per patient: a patient's own figures "
        "replace these in their tier. Leave a tier's row blank when the template has no figures for it."
    )
    tiers = table(ed, "tiers", T.tiers_frame(content), num_rows="fixed", column_config=T.TIER_CONFIG)
    slots.add("in_network", "In network")
    slots.add("out_of_network", "Out of network")
    st.markdown("**Pharmacy benefit**")
    st.caption("Needed when a service above is billed under the pharmacy benefit; leave the row blank otherwise.")
    pharmacy = table(ed, "pharmacy", T.pharmacy_frame(content), num_rows="fixed", column_config=T.PHARMACY_CONFIG)
    slots.add("pharmacy", "Pharmacy")
    notes = st.text_area(
        "Notes (optional)",
        value=content.notes if content else "",
        key=ed.key("notes"),
        max_chars=5000,
        height=80,
        persist_state="session",
        placeholder="For example: prior authorization renewed every 6 months",
    )
    slots.add("notes")
    rules, pre = T.services_data(services)
    draft = {
        "name": name,
        "kind": kind,
        "network": network,
        "plan_year_start": plan_year.strip() or None,
        **T.tiers_data(tiers, content),
        "pharmacy": T.pharmacy_data(pharmacy, content),
        "services": rules,
        "notes": notes or "",
    }
    finish(ed, draft, [Problem(p.loc, p.message) for p in pre], slots)

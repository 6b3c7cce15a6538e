"""The Estimate page's inputs, one function per section, in the order a person thinks."""

from __future__ import annotations

import streamlit as st

from estimator.models import Scenario
from estimator.presets import course_preset, course_presets, plan_presets
from estimator.reference import latest_decimal, reference, us_states
from estimator.scenario_io import Problem, ScenarioError, scenario_from_json
from estimator.text import count
from ui import state as S
from ui.common import (
    RESULT_KEY,
    SCENARIO_KEY,
    plain,
    refused_file_hint,
    sentence,
    usd,
)
from ui.sections import (
    SECTION_NAMES,
    decimal_input,
    input_section,
    int_input,
    money_input,
    pct_input,
    section_of,
    show_problems,
    toggle,
)

MAX_SCENARIO_UPLOAD = 1_000_000  # bytes: 1 MB, the uploader's own limit
SCENARIO_BOX_MB = MAX_SCENARIO_UPLOAD // 1_000_000  # the same limit as Streamlit takes it (whole MB)
# Prior auth before "Ded. 1st" (usually left on): in a half-width column the last column needs a sideways scroll.
RULE_ORDER = [
    "service",
    "covered",
    "copay",
    "prior_auth",
    "deductible_applies",
    "benefit",
    "allowed",
    "network",
    "oon_allowed",
    "auth_units",
]
RULE_DETAILS = ("benefit", "allowed", "network", "oon_allowed", "auth_units")  # shown on request
FICA_PCT = latest_decimal("fica_rate_pct")
CARD_APR = max(reference().param("medical_credit_card_apr").values, key=lambda v: v.year)
ss = st.session_state

COURSE_LABELS = {p.id: p.label for p in course_presets()}
PLAN_LABELS = {p.id: p.label for p in plan_presets()} | {"custom_plan": "My own plan (entered below)"}
DOSE_LABELS = {56: "56 mg", 84: "84 mg"}
STATES = us_states()
STATE_CHOICES = ["", *sorted(STATES, key=STATES.__getitem__)]  # "" = not given; by name, as people look for it
WEEK9_LABELS = {2: "every 2 weeks", 1: "weekly"}
NETWORK_LABELS = {"in": "in network", "out": "out of network"}
KIND_LABELS = {
    "self_pay": "Self-pay / uninsured",
    "commercial": "Commercial (employer or marketplace)",
    "medicare": "Medicare",
    "medicaid": "Medicaid",
}


# ---------------------------------------------------------------- callbacks (run before the page redraws)


def _on_course() -> None:
    S.apply_course(ss, ss["course"])


def _on_plan() -> None:
    if ss["plan"] != "custom_plan":
        S.apply_plan(ss, ss["plan"])


def _save(name: str, key: str) -> None:
    S.save_table(ss, name, key)


def _on_kind() -> None:
    """A coverage kind chosen by hand no longer matches the plan preset the fields came from."""
    ss["plan"] = "custom_plan"


def _on_upload() -> None:
    file = ss.get("upload")
    ss.pop("upload_error", None)
    if file is None:  # the file was removed: its name must not follow later estimates onto printouts
        _clear_name()
        return
    data = file.getvalue()
    if len(data) > MAX_SCENARIO_UPLOAD:
        ss["upload_error"] = [f"The file is larger than {SCENARIO_BOX_MB} MB; a scenario file is small."]
        return
    try:
        S.restore(ss, scenario_from_json(data))
        ss["upload_ok"] = True
    except ScenarioError as e:
        ss["upload_error"] = [_file_problem(p) for p in e.problems]


def _file_problem(p: Problem) -> str:
    """A problem in an opened file: its section, where in the file (for whoever edits it), and the message."""
    if not p.loc:
        return sentence(p.message)
    name = section_of(p.loc)
    return sentence(f"{SECTION_NAMES[name] if name else 'In the file'} ({p.loc}): {p.message}")


def _clear_name() -> None:
    """Forget the opened file's name, also in the last valid estimate that Compare and GFE use while the
    inputs need attention."""
    ss["name"] = ""
    last = ss.get(SCENARIO_KEY)
    if isinstance(last, Scenario) and last.name:
        ss[SCENARIO_KEY] = last.model_copy(update={"name": ""})


def start_session_input() -> None:
    """Where a course already under way picks up (scenario version 2): session 1 is a new course."""
    int_input(
        "Start at session (1 = a new course)",
        "start_session",
        1,
        300,
        help="For a patient already under way, e.g. a re-quote when the plan year rolls over: the session number "
        "the patient will be at on the first treatment day. It keeps that session's phase and dose.",
    )
    show_problems("protocol.start_session", exact=True)
    if ss["start_session"] > 1 and ss.get("once"):
        st.caption(
            "A course under way usually bills nothing once: clear “Billed once, at the first visit” below if the "
            "patient has had the first evaluation."
        )


@input_section("course")
def course_section() -> None:
    st.selectbox(
        "Course",
        list(COURSE_LABELS),
        key="course",
        format_func=COURSE_LABELS.get,
        on_change=_on_course,
        persist_state="session",
        help="Presets follow the FDA label for SPRAVATO and a typical six-infusion IV series.",
    )
    c1, c2 = st.columns(2)
    c1.date_input("First treatment day", key="start", persist_state="session", format="YYYY-MM-DD")
    with c2:
        int_input("Weeks to estimate", "weeks", 1, 156, help="Sessions within this many weeks are counted.")
    show_problems("start_date", "horizon_weeks")
    protocol = course_preset(ss["course"]).protocol
    priced = [s for s in S.current_prices(ss)["service"].dropna().astype(str) if s]
    if protocol.type == "iv_ketamine":
        c1, c2, c3 = st.columns(3)
        with c1:
            int_input("Infusions", "iv_n", 1, 12)
        with c2:
            int_input("Over weeks", "iv_weeks", 1, 8)
        with c3:
            int_input("Booster every (weeks, 0 = none)", "boost", 0, 26)
        start_session_input()
        if ss["iv_n"] > 7 * ss["iv_weeks"]:
            st.caption(
                f"{ss['iv_n']} infusions over {count(ss['iv_weeks'], 'week')} puts "
                "two on some days; check the number of weeks."
            )
    elif protocol.type == "spravato":
        st.segmented_control(
            "Dose",
            [56, 84],
            key="dose",
            format_func=DOSE_LABELS.get,
            persist_state="session",
            help="Session 1 of the TRD schedule is 56 mg per the label; later sessions use this dose.",
        )
        if protocol.indication == "trd":
            st.segmented_control(
                "From week 9",
                [2, 1],
                key="week9",
                format_func=WEEK9_LABELS.get,
                persist_state="session",
            )
        start_session_input()
        st.caption(
            "SPRAVATO is given only in a REMS-certified setting with at least 2 hours of observation; "
            "no driving until the next day. The schedule follows the label; your prescriber decides."
        )
    else:
        st.caption(
            "One row per service line; rows with the same day and phase form one session (day 0 = start). For two "
            "separate sessions on one day and phase, number them 1 and 2 under Session."
        )
        st.data_editor(
            ss["custom_base"],
            key=(key := S.editor_key(ss, "custom")),
            placeholder="",
            num_rows="dynamic",
            hide_index=True,
            on_change=_save,
            args=("custom", key),
            column_config={
                "day": st.column_config.NumberColumn(
                    "Day", min_value=0, max_value=S.CUSTOM_MAX_DAY, step=1, required=True
                ),
                "phase": st.column_config.TextColumn(
                    "Phase",
                    max_chars=40,
                    help="Blank means treatment. A shared link carries the schedule when every phase is blank or one "
                    "of: " + ", ".join(sorted(S.LINK_PHASES)) + " (other words are never put in a link).",
                ),
                "service": st.column_config.SelectboxColumn("Service", options=priced, required=True),
                "quantity": st.column_config.NumberColumn("Qty", min_value=1, max_value=S.CUSTOM_MAX_QUANTITY, step=1),
                "session": st.column_config.NumberColumn(
                    "Session",
                    min_value=1,
                    max_value=S.CUSTOM_MAX_SESSION,
                    step=1,
                    help="Leave blank, except for two separate sessions on the same day and phase: 1 and 2.",
                ),
            },
        )
    options = sorted(set(priced) | set(ss.get("once") or []) | set(ss.get("extra") or []))
    st.multiselect(
        "Billed once, at the first visit",
        options,
        key="once",
        persist_state="session",
        help="For example the initial evaluation (consult).",
    )
    if protocol.type != "custom":
        st.multiselect(
            "Also billed at every session",
            options,
            key="extra",
            persist_state="session",
            help="For example integration therapy after each infusion.",
        )
    show_problems("protocol")


@input_section("prices")
def prices_section() -> None:
    st.caption(
        "Example prices to start from: replace them with your clinic's. SPRAVATO drug is priced per 28 mg "
        "device (56 mg = 2, 84 mg = 3)."
    )
    st.data_editor(
        ss["prices_base"],
        key=(key := S.editor_key(ss, "prices")),
        placeholder="",
        num_rows="dynamic",
        hide_index=True,
        on_change=_save,
        args=("prices", key),
        column_config={
            # `required` holds a new row in the grid until it is complete. Without it the row is sent once its
            # service id is typed, and that rerun ate keystrokes in the next cell: "400" typed after Tab became
            # $4.00 or $40.00 (3 of 3 browser trials; $400.00 in 3 of 3 with `required`). The cost: a half-typed
            # new row is dropped if its section is closed before the row is complete.
            "service": st.column_config.TextColumn("Service id", max_chars=40, required=True),
            "code": st.column_config.TextColumn("CPT/HCPCS", max_chars=40),
            "description": st.column_config.TextColumn("Description", max_chars=120),
            "charge": st.column_config.NumberColumn(
                "Price ($)", min_value=0.0, max_value=10_000_000.0, step=0.01, format="dollar", required=True
            ),
        },
    )
    show_problems("fees")
    if toggle("Package price", "pkg_on", help="A clinic price for a bundle of sessions, split evenly."):
        priced = [s for s in S.current_prices(ss)["service"].dropna().astype(str) if s]
        chosen = ss.get("pkg_service")
        # A service whose price row was deleted stays chosen (and is flagged as unpriced) instead of the box
        # quietly moving the package to the first service left, which changed the estimate once the row was back.
        options = priced + ([chosen] if chosen and chosen not in priced else []) or ["iv_infusion"]
        c1, c2, c3 = st.columns(3)
        c1.selectbox("Service", options, key="pkg_service", persist_state="session")
        with c2:
            st.number_input("Sessions", key="pkg_sessions", min_value=2, max_value=52, step=1, persist_state="session")
        with c3:
            money_input("Package price", "pkg_price")
    show_problems("packages")


@input_section("insurance")
def insurance_section() -> None:
    st.selectbox(
        "Start from a plan",
        list(PLAN_LABELS),
        key="plan",
        format_func=PLAN_LABELS.get,
        on_change=_on_plan,
        persist_state="session",
        help="Fills the fields below; change any of them to match your plan.",
    )
    c1, c2 = st.columns(2)
    c1.selectbox(
        "Coverage",
        list(KIND_LABELS),
        key="kind",
        format_func=KIND_LABELS.get,
        on_change=_on_kind,
        persist_state="session",
    )
    if ss["kind"] == "self_pay":
        st.caption("Self-pay: you pay the clinic's prices. Ask the clinic for a Good Faith Estimate.")
        show_problems("coverage")
        return
    c2.radio(
        "Clinic is",
        ["in", "out"],
        key="network",
        horizontal=True,
        persist_state="session",
        format_func=NETWORK_LABELS.get,
    )
    show_problems("coverage.in_network", "coverage.out_of_network", exact=True)
    st.markdown("**In-network benefits**")
    c1, c2 = st.columns(2)
    with c1:
        money_input("Deductible", "ded")
    with c2:
        money_input(
            "Deductible met so far",
            "ded_met",
            help="In the plan year containing the first session: usually $0 if that plan year has not begun.",
        )
    show_problems("coverage.in_network.deductible_met", "coverage.in_network.deductible")
    c1, c2 = st.columns(2)
    with c1:
        pct_input("Coinsurance (%)", "coins", help="Your share after the deductible.")
    with c2:
        st.text_input("Plan year starts (MM-DD)", key="py_start", max_chars=5, persist_state="session")
    show_problems("coverage.plan_year_start", "coverage.in_network.coinsurance_pct")
    if toggle("Plan has an out-of-pocket maximum", "has_oop", help="Original Medicare has none."):
        c1, c2 = st.columns(2)
        with c1:
            money_input("Out-of-pocket maximum", "oop")
        with c2:
            money_input("Out-of-pocket met so far", "oop_met", help="In the plan year containing the first session.")
    show_problems("coverage.in_network.oop_max", "coverage.in_network.oop_met")
    if ss["network"] == "out" or toggle("Plan has out-of-network benefits", "oon_on"):
        st.markdown("**Out-of-network benefits**")
        c1, c2 = st.columns(2)
        with c1:
            pct_input("Plan allows (% of the charge)", "oon_pct", help="The rest is billed to you (balance bill).")
        with c2:
            money_input("Out-of-network deductible", "oon_ded")
        c1, c2 = st.columns(2)
        with c1:
            pct_input("Out-of-network coinsurance (%)", "oon_coins")
        with c2:
            money_input(
                "Out-of-network deductible met so far",
                "oon_ded_met",
                help="In the plan year containing the first session.",
            )
        c1, c2 = st.columns(2)
        with c1:
            money_input("Out-of-network out-of-pocket max (0 = none)", "oon_oop")
        with c2:
            money_input(
                "Out-of-network out-of-pocket met so far",
                "oon_oop_met",
                help="In the plan year containing the first session.",
            )
    show_problems("coverage.out_of_network")
    st.markdown("**What the plan covers**")
    st.caption(
        "An empty copay (—) means coinsurance applies. Ded. 1st: the deductible applies before the copay or "
        "coinsurance (scroll the table sideways on narrow screens)."
    )
    details = st.toggle(
        "Show benefit type, network, allowed amounts and authorized units",
        key="rules_details",
        persist_state="session",
        help="Benefit: medical or pharmacy. Allowed: the in-network contracted rate per unit (optional). Network: "
        "for a service billed in or out of network unlike the rest (blank: the plan's). OON max: the plan's maximum "
        "allowed amount per unit out of network. Auth units: how many units the prior authorization approves.",
    )
    st.data_editor(
        ss["rules_base"],
        key=(key := S.editor_key(ss, "rules")),
        placeholder="—",
        column_order=RULE_ORDER if details else [c for c in RULE_ORDER if c not in RULE_DETAILS],
        num_rows="dynamic",
        hide_index=True,
        on_change=_save,
        args=("rules", key),
        column_config={
            "service": st.column_config.TextColumn("Service", max_chars=40, required=True, width=140),
            # A new row starts as the scenario file's defaults: not covered, deductible first, no prior auth.
            "covered": st.column_config.CheckboxColumn("Covered", width=80, default=False),
            "benefit": st.column_config.SelectboxColumn(
                "Benefit", options=["medical", "pharmacy"], width="small", help="Medical or pharmacy benefit"
            ),
            "copay": st.column_config.NumberColumn(
                "Copay", min_value=0.0, step=0.01, format="dollar", width=70, help="Blank: coinsurance"
            ),
            "deductible_applies": st.column_config.CheckboxColumn(
                "Ded. 1st", width=84, default=True, help="The deductible applies before the copay or coinsurance"
            ),
            "allowed": st.column_config.NumberColumn(
                "Allowed",
                min_value=0.0,
                step=0.01,
                format="dollar",
                width="small",
                help="In-network contracted rate per unit (optional)",
            ),
            "prior_auth": st.column_config.CheckboxColumn(
                "Prior auth", width=92, default=False, help="Needs prior authorization"
            ),
            "network": st.column_config.SelectboxColumn(
                "Network", options=["in", "out"], width="small", help="Blank: the plan's network (above)"
            ),
            "oon_allowed": st.column_config.NumberColumn(
                "OON max",
                min_value=0.0,
                step=0.01,
                format="dollar",
                width="small",
                help="The plan's maximum allowed amount per unit out of network (optional)",
            ),
            "auth_units": st.column_config.NumberColumn(
                "Auth units",
                min_value=1,
                max_value=999,
                step=1,
                width="small",
                help="Units the prior authorization approves, e.g. 23 SPRAVATO devices (optional; needs Prior auth)",
            ),
        },
    )
    show_problems("coverage.services")
    oon_rules = [r for r in S.current_rules(ss).to_dict("records") if r.get("network") == "out"]
    if oon_rules and ss["network"] != "out" and not ss.get("oon_on"):
        st.warning(
            "A service set to Network “out” needs the plan's out-of-network benefits: turn on “Plan has "
            "out-of-network benefits” above, or it counts as not covered.",
            icon=":material/warning:",
        )
    rules = S.current_rules(ss)
    if (rules["benefit"] == "pharmacy").any():
        st.markdown("**Pharmacy benefit**")
        c1, c2 = st.columns(2)
        with c1:
            money_input("Pharmacy deductible", "ph_ded")
        with c2:
            money_input("Pharmacy deductible met", "ph_ded_met")
        toggle("Deductible shared with medical (integrated)", "ph_integrated")
        c1, c2 = st.columns(2)
        with c1:
            pct_input("Pharmacy coinsurance (%)", "ph_coins")
        with c2:
            if toggle("Flat copay instead", "ph_copay_on"):
                money_input("Pharmacy copay", "ph_copay")
        if toggle("Cap per fill", "ph_fill_on"):
            money_input("Most you pay per fill", "ph_fill")
        show_problems("coverage.pharmacy")
    if toggle("Family plan", "fam_on"):
        c1, c2 = st.columns(2)
        c1.radio(
            "Family deductible", ["embedded", "aggregate"], key="fam_type", horizontal=True, persist_state="session"
        )
        with c2:
            money_input("Family deductible", "fam_ded")
        c1, c2 = st.columns(2)
        with c1:
            money_input("Family deductible met", "fam_ded_met")
        with c2:
            money_input("Family out-of-pocket maximum (0 = none)", "fam_oop")
        money_input("Family out-of-pocket met", "fam_oop_met")
        show_problems("coverage.family")
    if toggle("Prior authorization has an end date", "pa_on"):
        st.date_input("Prior authorization valid until", key="pa_until", persist_state="session")
    st.text_area(
        "Coverage notes (printed on your estimate, never put in the link)",
        key="notes",
        max_chars=2000,
        persist_state="session",
        placeholder="e.g. reference number of the benefits call, who you spoke to, what they said",
    )
    show_problems("coverage")


@input_section("programs")
def programs_section() -> None:
    st.caption("Manufacturer programs are for commercial insurance only; check the program's current terms.")
    if toggle("SPRAVATO withMe (medication)", "wm_on"):
        c1, c2 = st.columns(2)
        with c1:
            money_input("You pay per treatment", "wm_per", step=5.0)
        with c2:
            money_input("Program maximum per calendar year", "wm_max")
    if toggle("SPRAVATO withMe observation rebate", "obs_on"):
        money_input("Rebate maximum per calendar year", "obs_max")
    st.selectbox(
        "State where you live",
        STATE_CHOICES,
        key="patient_state",
        format_func=lambda code: STATES.get(code, "Not given"),
        persist_state="session",
        help="Some programs are not valid in some states (the observation rebate: MA, MI, MN, RI).",
    )
    show_problems("patient_state", exact=True)
    toggle(
        "My plan has a copay accumulator",
        "accum",
        help="Program payments then don't count toward your deductible or out-of-pocket maximum.",
    )
    for prog in ss.get("programs_extra") or []:
        st.caption("Also from the opened file: " + plain(prog.get("name", "program")))
    show_problems("savings_programs")


@input_section("accounts")
def accounts_section() -> None:
    if toggle("Pay with HSA or FSA money", "acct_on"):
        c1, c2 = st.columns(2)
        with c1:
            money_input("FSA left this plan year", "fsa")
        with c2:
            money_input("FSA election in later plan years", "fsa_next")
        money_input("HSA money available", "hsa")
        c1, c2 = st.columns(2)
        with c1:
            pct_input("Federal tax rate (%)", "fed")
        with c2:
            pct_input("State tax rate (%)", "state")
        toggle(
            "I contribute directly, not through payroll",
            "direct",
            help=f"Payroll contributions also save Social Security and Medicare tax (FICA, {FICA_PCT} %).",
        )
    show_problems("accounts")


@input_section("travel")
def travel_section() -> None:
    if toggle("Count travel costs", "trav_on"):
        c1, c2, c3 = st.columns(3)
        with c1:
            decimal_input("Round-trip miles", "miles", 10_000.0, 5.0)
        with c2:
            money_input("Parking per visit", "parking", step=1.0)
        with c3:
            money_input("Rideshare per visit", "ride", step=5.0)
        if toggle("Use my own mileage rate", "rate_on"):
            money_input("Mileage rate ($ per mile)", "rate", step=0.01)
        else:
            st.caption("Uses the IRS medical mileage rate for each visit's year.")
    if toggle("Count time off work", "to_on"):
        c1, c2 = st.columns(2)
        with c1:
            decimal_input("Hours away per visit", "hours", 24.0, 0.5)
        with c2:
            money_input("Hourly wage", "wage", step=1.0)
    show_problems("travel", "time_off")


@input_section("financing")
def financing_section() -> None:
    if toggle("Spread payments over months", "fin_on"):
        c1, c2 = st.columns(2)
        with c1:
            pct_input(
                "APR (%)", "apr", help=f"Typical medical credit card APR: {CARD_APR.value} % ({CARD_APR.source})."
            )
        with c2:
            int_input("Months", "months", 1, 120)
        if toggle("Finance a different amount", "fin_amount_on"):
            money_input("Amount to finance", "fin_amount")
            estimate_now = ss.get(RESULT_KEY)  # the amount as estimated, beside the figures it is checked against
            financed = estimate_now.financing if estimate_now is not None else None
            if financed is not None and financed.principal > estimate_now.totals.patient_pays:
                st.caption(
                    ":material/warning: More than you pay for treatment in this estimate ("
                    + usd(estimate_now.totals.patient_pays)
                    + "): check the amount, unless other costs are financed too."
                )
            elif financed is not None and financed.principal == 0:
                st.caption("Nothing is financed at $0, so there is no monthly payment.")
        else:
            st.caption("Finances everything you pay for treatment.")
            estimate_now = ss.get(RESULT_KEY)
            if ss.get("acct_on") and estimate_now is not None and estimate_now.accounts is not None:
                rest = estimate_now.accounts.post_tax
                st.caption(
                    "Paying part with HSA/FSA money? To finance only the rest, finance "
                    + usd(rest)
                    + " (what the accounts don't cover, travel included)."
                    if rest > 0
                    else "Your HSA/FSA money covers everything you pay, travel included: a payment plan would "
                    "only add interest."
                )
        st.caption(
            "Deferred-interest cards charge all the interest from the purchase date if the balance "
            "isn't paid in full in time."
        )
    show_problems("financing")


@input_section("file", "Open a saved estimate (.json)")
def file_section() -> None:
    st.file_uploader(
        "Scenario file",
        type=["json"],
        key="upload",
        on_change=_on_upload,
        max_upload_size=SCENARIO_BOX_MB,
        help="A file saved with “Scenario file” below. It is read as data only.",
    )
    if ss.get("upload") is None:
        refused_file_hint(SCENARIO_BOX_MB, ".json")
    for msg in ss.get("upload_error") or []:
        st.error(plain(msg))
    if ss.pop("upload_ok", False):
        st.success("Estimate restored from the file.")

"""Section 3 of the Estimate page, Insurance: the plan picker, the benefits, the coverage table, pharmacy and
family limits. Fields are drawn from `ui.form`; the notes beside them say where figures came from."""

from __future__ import annotations

from functools import partial

import streamlit as st

from estimator.models import ServiceRule
from estimator.presets import plan_preset, plan_presets
from estimator.wording import COVERAGE_KINDS, NETWORKS
from ui import state as S
from ui import widget_state as W
from ui.clinic_inputs import setup_box
from ui.common import usd
from ui.form import BY_KEY, label, model_bounds
from ui.sections import input_section, show_problems
from ui.tables import name_of, price_names
from ui.widgets import draw, pair, table_editor

ss = st.session_state
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
PLAN_LABELS = {p.id: p.label for p in plan_presets()} | {"custom_plan": "My own plan (entered below)"}


# ---------------------------------------------------------------- callbacks (run before the page redraws)


def _on_plan() -> None:
    if ss["plan"] in PLAN_LABELS and ss["plan"] != "custom_plan":
        S.apply_plan(ss, ss["plan"])


def _on_kind() -> None:
    """A coverage kind chosen by hand no longer matches the plan preset the fields came from."""
    ss["plan"] = "custom_plan"


def _on_met(own: str) -> None:
    S.follow_met(ss, own)


def _own_met(own: str) -> None:
    ss[f"{own}_own"] = True


def plan_picker_label() -> str:
    """The plan picker's label, which says "edited" once a field the chosen preset filled in has changed. The
    options' own names stay fixed: the browser sends the chosen option back by its name, so a name that
    changed between runs came back as an unknown value."""
    return label("plan") + (" (edited since it was filled in)" if S.plan_edited(ss) else "")


def preset_note() -> None:
    """Say what the chosen plan preset filled in, so no figure appears as the user's own without notice."""
    plan = ss.get("plan")
    if plan in (None, "custom_plan") or plan not in {p.id for p in plan_presets()}:
        return
    cov = plan_preset(plan).coverage
    bits = []
    if cov.in_network:
        t = cov.in_network
        bits.append(f"deductible {usd(t.deductible)}, coinsurance {t.coinsurance_pct} %")
        bits.append(f"out-of-pocket maximum {usd(t.oop_max)}" if t.oop_max is not None else "no out-of-pocket maximum")
    if cov.out_of_network:
        o = cov.out_of_network
        bits.append(
            f"out of network: allowed {o.allowed_pct_of_charge} % of the charge, deductible {usd(o.deductible)}, "
            f"coinsurance {o.coinsurance_pct} %" + (f", maximum {usd(o.oop_max)}" if o.oop_max is not None else "")
        )
    bits.append("which services it covers (the table below)")
    st.caption(
        "Filled in from this preset, typical figures rather than your plan's: "
        + "; ".join(bits)
        + ". Change any of them to match your plan."
    )


def met_note(own: str, follows: str) -> None:
    """A value met below the deductible met is flagged: deductible payments count toward the maximum."""
    own_v, follows_v = ss.get(own), ss.get(follows)
    if isinstance(own_v, float) and isinstance(follows_v, float) and own_v < follows_v:
        st.caption(
            f":material/warning: Less than the deductible met ({usd(follows_v)}): money paid toward the deductible "
            "usually counts toward the out-of-pocket maximum too."
        )


@input_section("insurance")
def insurance_section() -> None:
    setup_box("template")
    st.selectbox(
        plan_picker_label(),
        list(PLAN_LABELS),
        key="plan",
        format_func=PLAN_LABELS.get,
        on_change=_on_plan,
        persist_state="session",
        help=BY_KEY["plan"].help,
    )
    preset_note()
    c1, c2 = st.columns(2)
    c1.selectbox(
        label("kind"),
        list(COVERAGE_KINDS),
        key="kind",
        format_func=COVERAGE_KINDS.get,
        on_change=_on_kind,
        persist_state="session",
    )
    if ss["kind"] == "self_pay":
        st.caption("Self-pay: you pay the clinic's prices. Ask the clinic for a Good Faith Estimate.")
        show_problems("coverage")
        return
    c2.radio(
        label("network"),
        list(BY_KEY["network"].choices),
        key="network",
        horizontal=True,
        persist_state="session",
        format_func=NETWORKS.get,
    )
    show_problems("coverage.in_network", "coverage.out_of_network", exact=True)
    st.markdown("**In-network benefits**")
    c1, c2 = st.columns(2)
    with c1:
        draw("ded")
    with c2:
        draw("ded_met", on_change=_on_met, args=("oop_met",))
    pair("coins", "py_start")
    if draw("has_oop"):
        c1, c2 = st.columns(2)
        with c1:
            draw("oop")
        with c2:
            draw("oop_met", on_change=_own_met, args=("oop_met",))
            met_note("oop_met", "ded_met")
    if ss["network"] == "out" or draw("oon_on"):
        out_of_network()
    show_problems("coverage.out_of_network")
    coverage_table()
    if S.active_groups(ss) & {"pharmacy"}:
        pharmacy()
    if draw("fam_on"):
        family()
    if draw("pa_on"):
        draw("pa_until")
    st.text_area(
        label("notes"),
        key="notes",
        max_chars=2000,
        persist_state="session",
        placeholder="For example the reference number of the benefits call, who you spoke to, what they said",
    )
    show_problems("coverage")


def out_of_network() -> None:
    st.markdown("**Out-of-network benefits**")
    pair("oon_pct", "oon_ded")
    c1, c2 = st.columns(2)
    with c1:
        draw("oon_coins")
    with c2:
        draw("oon_ded_met", on_change=_on_met, args=("oon_oop_met",))
    if draw("oon_oop_on"):
        c1, c2 = st.columns(2)
        with c1:
            draw("oon_oop")
        with c2:
            draw("oon_oop_met", on_change=_own_met, args=("oon_oop_met",))
            met_note("oon_oop_met", "oon_ded_met")


def coverage_table() -> None:
    st.markdown("**What the plan covers**")
    st.caption(
        "An empty copay (—) means coinsurance applies. Ded. 1st: the deductible applies before the copay or "
        "coinsurance (scroll the table sideways on narrow screens)."
    )
    details = draw("rules_details")
    # The Service column shows names and holds ids: a row names a priced service (or one the table already has).
    names = price_names(W.current_prices(ss))
    services = list(dict.fromkeys([*names, *W.current_rules(ss)["service"].dropna().astype(str)]))
    table_editor(
        "rules",
        placeholder="—",
        column_order=RULE_ORDER if details else [c for c in RULE_ORDER if c not in RULE_DETAILS],
        column_config={
            "service": st.column_config.SelectboxColumn(
                "Service",
                options=[s for s in services if s],
                format_func=partial(name_of, names),
                required=True,
                # As wide as the half-page column allows at 1440 px with the four columns after it still in view: the
                # longest example names lose their last few letters (whole in the cell's list), never Ded. 1st.
                width=215,
                pinned=True,
            ),
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
                min_value=int(model_bounds(ServiceRule, "auth_units")[0]),
                max_value=int(model_bounds(ServiceRule, "auth_units")[1]),
                step=1,
                width="small",
                help="Units the prior authorization approves, e.g. 23 SPRAVATO devices (optional; needs Prior auth)",
            ),
        },
    )
    show_problems("coverage.services")
    oon_rules = [r for r in W.current_rules(ss).to_dict("records") if r.get("network") == "out"]
    if oon_rules and ss["network"] != "out" and not ss.get("oon_on"):
        st.warning(
            "A service set to Network “out” needs the plan's out-of-network benefits: turn on “Plan has "
            "out-of-network benefits” above, or it counts as not covered.",
            icon=":material/warning:",
        )


def pharmacy() -> None:
    st.markdown("**Pharmacy benefit**")
    pair("ph_ded", "ph_ded_met")
    draw("ph_integrated")
    c1, c2 = st.columns(2)
    with c1:
        draw("ph_coins")
    with c2:
        if draw("ph_copay_on"):
            draw("ph_copay")
    if draw("ph_fill_on"):
        draw("ph_fill")
    show_problems("coverage.pharmacy")


def family() -> None:
    c1, c2 = st.columns(2)
    c1.radio(
        label("fam_type"), list(BY_KEY["fam_type"].choices), key="fam_type", horizontal=True, persist_state="session"
    )
    with c2:
        draw("fam_ded")
    c1, c2 = st.columns(2)
    with c1:
        draw("fam_ded_met")
    with c2:
        if draw("fam_oop_on"):
            draw("fam_oop")
            draw("fam_oop_met")
    show_problems("coverage.family")

"""Estimate page body: the inputs in the order a person thinks, and the estimate beside them.

Kept in an importable module (the page script only calls `render`) so reruns reuse its compiled code.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from functools import wraps
from typing import Any

import pandas as pd
import streamlit as st

from estimator import estimate
from estimator.adjudication import met_in_unstarted_plan_year
from estimator.engine import split_quiet_years, typed_names
from estimator.exports import schedule_csv, sessions_ics
from estimator.financing import interest_words
from estimator.models import Scenario
from estimator.money import fmt_plain
from estimator.presets import course_preset, course_presets, plan_presets
from estimator.reference import latest_decimal, reference, us_states
from estimator.result import Result
from estimator.scenario_io import Problem, ScenarioError, scenario_from_data, scenario_from_json, scenario_to_json
from estimator.text import count
from estimator.timeline import average_per_session, session_rows
from ui import state as S
from ui.charts import cumulative_caption, cumulative_chart, monthly_chart
from ui.common import (
    COMPARISON_KEY,
    MAX_COMPARE,
    PHONE_MEDIA,
    RESULT_KEY,
    SCENARIO_KEY,
    STALE_KEY,
    fmt_day,
    friendly_dates,
    page_footer,
    page_header,
    plain,
    refused_file_hint,
    sentence,
    usd,
)

# The page's own fixed CSS (never user text), in one element:
# - Headline figures scale with the window so an amount like $519,450.00 is never cut off ("$519,4...") where
#   the estimate column is narrow (641-1100 px: tablets, half-screen windows).
# - On a phone Streamlit stacks the two columns in order, which put the estimate two screens below the course
#   inputs. Once the columns stack, the estimate goes first, and the six figures stay two to a row, so all of
#   them fit on the first screen.
FIGURE = ".st-key-estimate_layout [data-testid='stMetricValue']"
FIGURE_CELL = "[data-testid='stColumn']:has(> * > * > [data-testid='stMetric'])"
LAYOUT_CSS = (
    f"<style>{FIGURE} {{ font-size: min(2.25rem, 2.4vw); }}"
    " .st-key-estimate_layout [data-testid='stMetricLabel'] * { white-space: normal; }"  # wrap, never "Net cost af..."
    # The four view buttons fit a half-width column or a phone: Streamlit's 1 rem each side cut off "Downloads".
    " .st-key-view button { padding-left: 0.5rem; padding-right: 0.5rem; }"
    f" {PHONE_MEDIA} {{"
    " .st-key-estimate_layout > [data-testid='stLayoutWrapper'] > [data-testid='stHorizontalBlock']"
    " > [data-testid='stColumn']:nth-child(2) { order: -1; }"
    f" .st-key-estimate_layout [data-testid='stHorizontalBlock']:has(> {FIGURE_CELL}) {{ flex-wrap: nowrap; }}"
    f" .st-key-estimate_layout {FIGURE_CELL} {{ min-width: 0; }}"
    f" {FIGURE} {{ font-size: min(1.5rem, 5.2vw); }}"
    " }</style>"
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
VIEWS = ["Over time", "By month", "Sessions", "Downloads"]
RESEND_KEY = "resend_inputs"  # a section was opened: runs to end that still set the inputs again (_remember_section)
RESEND_RUNS = 2
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


def _add_to_comparison(scenario: Scenario) -> None:
    items = ss.setdefault(COMPARISON_KEY, [])
    name = (ss.get("compare_name") or "").strip() or f"Scenario {len(items) + 1}"
    same = next((i for i in items if i["scenario"] == scenario), None)
    if same is not None:
        ss["compare_msg"] = f"This estimate is already in the comparison, as “{same['name']}”."
        return
    if len(items) >= MAX_COMPARE:
        ss["compare_msg"] = f"The comparison already holds {MAX_COMPARE} scenarios; remove one on the Compare page."
        return
    items.append({"name": name[:60], "scenario": scenario})
    ss["compare_msg"] = f"Added “{name[:60]}” ({len(items)} of {MAX_COMPARE}). Open the Compare page to see them."


# ---------------------------------------------------------------- input helpers


def decimal_input(label: str, key: str, hi: float, step: float, *, help: str | None = None) -> None:
    """A number from 0 to `hi` shown with 2 decimals; the scenario gets what is shown (ui.state.money)."""
    st.number_input(
        label,
        key=key,
        min_value=0.0,
        max_value=hi,
        step=step,
        format="%.2f",
        help=help,
        persist_state="session",
    )


def money_input(label: str, key: str, *, help: str | None = None, step: float = 50.0) -> None:
    decimal_input(label, key, 10_000_000.0, step, help=help)


def pct_input(label: str, key: str, *, help: str | None = None) -> None:
    decimal_input(label, key, 100.0, 1.0, help=help)


def int_input(label: str, key: str, lo: int, hi: int, *, help: str | None = None) -> None:
    st.number_input(label, key=key, min_value=lo, max_value=hi, step=1, help=help, persist_state="session")


def toggle(label: str, key: str, *, help: str | None = None) -> bool:
    return st.toggle(label, key=key, help=help, persist_state="session")


_run = threading.local()  # per script run (each session's script runs in its own thread)


PRICE_COLUMN_LABELS = {"service": "Service id", "code": "CPT/HCPCS", "description": "Description", "charge": "Price"}


def table_place(loc: str) -> str:
    """Where in the price grid a problem is ("Row 7, Price: "), since a grid cell has no message of its own."""
    parts = loc.split(".")
    if len(parts) == 3 and parts[0] == "fees" and parts[1].isdigit() and parts[2] in PRICE_COLUMN_LABELS:
        return f"Row {int(parts[1]) + 1}, {PRICE_COLUMN_LABELS[parts[2]]}: "
    return ""


def show_problems(*prefixes: str, exact: bool = False) -> None:
    """Messages about the scenario paths under `prefixes` (only those paths if `exact`; every one not shown yet
    for "*"), beside their fields."""
    for i, p in enumerate(_run.problems):
        if i in _run.shown:
            continue
        if any(x == "*" or p.loc == x or (not exact and p.loc.startswith(x + ".")) for x in prefixes):
            _run.shown.add(i)
            st.error(plain(sentence(table_place(p.loc) + p.message, stop=False)), icon=":material/error:")


# ---------------------------------------------------------------- sections

# Which scenario fields each input section holds: a section with a problem in it opens, so the message beside
# the field is seen.
SECTION_FIELDS = {
    "course": ("start_date", "horizon_weeks", "protocol"),
    "prices": ("fees", "packages"),
    "insurance": ("coverage",),
    "programs": ("savings_programs",),
    "accounts": ("accounts",),
    "travel": ("travel", "time_off"),
    "financing": ("financing",),
}
SECTION_NAMES = {
    "course": "Treatment course",
    "prices": "Clinic prices",
    "insurance": "Insurance",
    "programs": "Savings programs",
    "accounts": "HSA / FSA and taxes",
    "travel": "Travel and time off",
    "financing": "Payment plan",
}


def section_of(loc: str) -> str | None:
    """The input section that holds a scenario path such as `coverage.in_network.deductible`."""
    for name, prefixes in SECTION_FIELDS.items():
        if any(loc == x or loc.startswith(x + ".") for x in prefixes):
            return name
    return None


def open_sections(problems: list[Problem]) -> None:
    """Set which sections are open before their expanders are drawn.

    Back from another page (the expanders' own state is gone), sections open as the user left them; the course
    section starts open. A section opens when a problem appears in it, once: a user who closes it again keeps it
    closed (the summary above the estimate still names it), and the browser never shows a stale closed state.
    """
    remembered = ss.setdefault("open_sections", {"course": True})
    for name in [*SECTION_FIELDS, "file"]:
        key = S.section_key(ss, name)
        if key not in ss:
            ss[key] = remembered.get(name, False)
    seen = ss.get("problems_seen", set())
    for p in problems:
        name = section_of(p.loc)
        if name is not None and (p.loc, p.message) not in seen:
            ss[S.section_key(ss, name)] = remembered[name] = True
    ss["problems_seen"] = {(p.loc, p.message) for p in problems}


# The editable table each section holds.
SECTION_TABLES = {"course": "custom", "prices": "prices", "insurance": "rules"}


def _remember_section(name: str, key: str) -> None:
    """Remember whether the section is open; on opening it, give its expander a new key (`state.open_section`)
    and have the inputs drawn with their stored values.

    Streamlit 1.67 skips its stale-widget cleanup when a rerun is cut short by the next one. A section closed and
    reopened while the closing rerun was still running (a busy server, a quick double click) was then drawn at
    its defaults in the browser while the server kept the user's values, and the next rerun sent those defaults
    back: the deductible became $0 and the plan "custom". Each run sets the stored values again until one run
    has drawn the page to its end (`render`), which makes Streamlit send them with the widgets; a run cut short
    in turn (another click straight after) leaves the job to the next. The run after that sets them once more:
    on a slow machine the browser at times still showed the default after the reopening run had ended (the
    server kept the value), and nothing else would correct the field. A table gets a fresh editor instead,
    drawn from the saved table: its grid came back without an added row.
    """
    if not S.is_current_section(ss, name, key):  # the old expander of a section reopened since: a stale value
        return
    opened = bool(ss.get(key))
    ss["open_sections"][name] = opened
    if opened:
        S.open_section(ss, name)
        ss[RESEND_KEY] = RESEND_RUNS
        if name in SECTION_TABLES:
            S.fresh_editor(ss, SECTION_TABLES[name])


def input_section(name: str, label: str | None = None) -> Callable[[Callable[[], None]], Callable[[], None]]:
    """Make a function the body of an input section, drawn only while the section is open: a closed one costs
    nothing on each rerun or first load. Its inputs keep their values while closed (`persist_state`), and
    opening it reruns the page to draw them. The label is "**n · name**" from SECTION_NAMES unless given."""
    title = label or f"**{list(SECTION_NAMES).index(name) + 1} · {SECTION_NAMES[name]}**"

    def wrap(body: Callable[[], None]) -> Callable[[], None]:
        @wraps(body)
        def draw() -> None:
            key = S.section_key(ss, name)
            box = st.expander(title, key=key, on_change=_remember_section, args=(name, key))
            if box.open:
                with box:
                    body()

        return draw

    return wrap


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


# ---------------------------------------------------------------- results


def metrics(scenario: Scenario, result: Result) -> None:
    t = result.totals
    avg = average_per_session(result)
    evaluations = len(result.sessions) - t.sessions
    cells = st.columns(2) + st.columns(2) + st.columns(2)
    cells[0].metric(
        "You pay", usd(t.patient_pays), border=True, help="For treatment, before tax savings; travel is shown apart."
    )
    if result.accounts:
        cells[1].metric(
            "Net cost after tax savings",
            usd(result.accounts.net_cost),
            border=True,
            help="Treatment and travel, less the tax you save paying with HSA/FSA money.",
        )
    else:
        cells[1].metric("Net cost after tax savings", "—", border=True, help="Turn on HSA/FSA in section 5.")
    cells[2].metric("Insurance pays", usd(t.plan_pays), border=True)
    cells[3].metric("Savings programs pay", usd(t.program_pays), border=True)
    cells[4].metric(
        "Average per session",
        usd(avg) if avg is not None else "—",
        border=True,
        help=f"What you pay for treatment{', the first-visit evaluation included,' if evaluations else ''} "
        f"divided by {t.sessions} treatment sessions.",
    )
    if result.financing and scenario.financing:
        f = result.financing
        cells[5].metric(
            "Monthly payment",
            usd(f.monthly_payment),
            border=True,
            help=f"{scenario.financing.months} months; interest "
            + interest_words(f, scenario.financing.apr_pct, scenario.financing.months)
            + ".",
        )
    else:
        cells[5].metric("Monthly payment", "—", border=True, help="Turn on a payment plan in section 7.")
    lines = [
        count(t.sessions, "treatment session")
        + (" and the first-visit evaluation" if evaluations > 0 else "")
        + f" on {count(t.visits, 'visit day')}, total charges {usd(t.charges)}."
    ]
    for py in result.by_plan_year:
        reached = f"; out-of-pocket maximum reached {fmt_day(py.oop_reached_on)}" if py.oop_reached_on else ""
        year = "Plan year" if scenario.coverage.kind != "self_pay" else "Year"
        lines.append(f"{year} from {fmt_day(py.plan_year)}: you pay {usd(py.patient_pays)}{reached}.")
    if result.travel:
        lines.append(f"Travel: {usd(result.travel.total)} for {result.travel.visits} visits.")
    if result.time_off:
        hours = fmt_plain(result.time_off.hours)
        lines.append(f"Time off: {hours} hours, about {usd(result.time_off.total)} in wages.")
    st.markdown("  \n".join(plain(x) for x in lines))


def assumptions(scenario: Scenario) -> list[str]:
    cov = scenario.coverage
    items = [
        "Amounts are estimates from the prices and plan details entered; the clinic's bill and the plan's "
        "decisions can differ.",
        "Each line is billed at the price per unit x quantity; package prices are split evenly over the first "
        "sessions they cover.",
    ]
    if cov.kind == "self_pay":
        items.append("Self-pay: nothing is billed to insurance.")
    else:
        items += [
            "Services without coverage information, or not covered, are paid in full by you.",
            "The deductible applies first, then coinsurance or the copay, up to the out-of-pocket maximum. "
            "Out-of-network balance bills never count toward it.",
            "The amounts already met apply to the plan year of the first session; each later plan year starts at zero.",
        ]
    if scenario.savings_programs:
        items.append(
            "Savings programs pay part of your share on covered lines only, up to their yearly maximum "
            "(each calendar year)."
        )
        counted = [p.counts_toward_accumulators for p in scenario.savings_programs]
        if any(counted):
            items.append(
                "What a program pays counts toward your deductible and out-of-pocket maximum, so the maximum can "
                "be reached before you have paid it yourself (unless the plan has a copay accumulator)."
            )
        if not all(counted):
            items.append("Copay accumulator: only what you pay yourself counts toward the deductible and maximum.")
    if scenario.accounts:
        items.append(
            "FSA money of each plan year is used first, then HSA money, then your own; tax savings use "
            f"the rates entered (plus {FICA_PCT} % FICA for payroll contributions)."
        )
    if scenario.travel:
        items.append("Travel counts as a medical expense (IRS Pub. 502); lost wages do not.")
    return items


def package_notes(scenario: Scenario, result: Result) -> list[str]:
    """A package bought for more sessions than the estimate holds counts only their share of its price.

    A package for a service the course never bills (the IV package under a SPRAVATO course) is left alone."""
    notes = []
    for pkg in scenario.packages:
        used = sum(1 for s in result.sessions for ln in s.lines if ln.service == pkg.service)
        if 0 < used < pkg.sessions:
            notes.append(
                f"The {usd(pkg.price)} {pkg.service} package is for {pkg.sessions} sessions; this estimate holds "
                f"{used}, so it counts only their share of the package price. If the clinic charges the whole "
                "package, you pay the rest too."
            )
    return notes


def rollover_notes(scenario: Scenario, today: dt.date) -> list[str]:
    """Amounts met entered for a plan year that has not begun: likely left over from the current one."""
    year = met_in_unstarted_plan_year(scenario.coverage, scenario.start_date, today)
    if year is None:
        return []
    return [
        f"The first session is in the plan year starting {fmt_day(year)}, which has not begun yet, so usually "
        "nothing is met in it. Set “Deductible met so far” and “Out-of-pocket met so far” in section 3 "
        "(Insurance) to $0 unless the plan says otherwise."
    ]


def results(scenario: Scenario, result: Result, stale: bool = False) -> None:
    metrics(scenario, result)
    warnings, quiet = split_quiet_years(scenario, result.warnings)
    keep = typed_names(scenario)
    for w in warnings:
        when = f"{fmt_day(w.date)}: " if w.date and w.date.isoformat() not in w.message else ""
        st.warning(plain(when + friendly_dates(w.message, keep=keep)), icon=":material/warning:")
    if quiet:
        st.caption(plain(quiet))
    for note in package_notes(scenario, result) + rollover_notes(scenario, dt.date.today()):
        st.info(plain(note), icon=":material/info:")
    box = st.expander("Assumptions used", key="sec_assumptions", on_change="rerun")
    if box.open:
        box.markdown("  \n".join("• " + plain(a) for a in assumptions(scenario)))
    view = (
        st.segmented_control(
            "Show",
            VIEWS,
            key="view",
            default=VIEWS[0],
            persist_state="session",
            label_visibility="collapsed",
            width="stretch",  # the four views share the column's width instead of running off its right edge
        )
        or VIEWS[0]
    )
    if view == "Over time":
        insured = scenario.coverage.kind != "self_pay"
        spec = cumulative_chart(result, insured=insured)
        if spec is not None:
            st.vega_lite_chart(spec, width="stretch")
            st.caption(cumulative_caption(result, insured=insured))
    elif view == "By month":
        spec = monthly_chart(result)
        if spec is not None:
            st.vega_lite_chart(spec, width="stretch")
            st.caption("Who pays what in each month of the course.")
    elif view == "Sessions":
        rows = session_rows(result)
        # What matters most first, so it is visible without scrolling sideways in a narrow column.
        df = pd.DataFrame(
            {
                "Date": [r.date for r in rows],
                "You pay": [float(r.you_pay) for r in rows],
                "Paid so far (course)": [float(r.running_total) for r in rows],
                "Insurance": [float(r.insurance) for r in rows],
                "Program": [float(r.program) for r in rows],
                "Charge": [float(r.charge) for r in rows],
                "Phase": [r.phase for r in rows],
                "Services": [r.services for r in rows],
            }
        )
        money_col = st.column_config.NumberColumn(format="dollar")
        st.dataframe(
            df,
            hide_index=True,
            width="stretch",
            column_config={c: money_col for c in ["Charge", "Insurance", "Program", "You pay", "Paid so far (course)"]}
            | {"Date": st.column_config.DateColumn(format="MMM D, YYYY")},
        )
    elif stale:
        st.info("Fix the inputs marked in red to download files for them.", icon=":material/info:")
    else:
        downloads(scenario, result)


def downloads(scenario: Scenario, result: Result) -> None:
    c1, c2 = st.columns(2)
    c1.download_button(
        "Schedule (CSV)",
        schedule_csv(result),
        file_name="treatment-schedule.csv",
        mime="text/csv",
        icon=":material/table:",
        on_click="ignore",
        width="stretch",
    )
    c2.download_button(
        "Calendar (.ics)",
        lambda: sessions_ics(result),
        file_name="treatment-sessions.ics",
        mime="text/calendar",
        icon=":material/event:",
        on_click="ignore",
        width="stretch",
    )
    c1, c2 = st.columns(2)
    try:
        from estimator.pdf import estimate_pdf
    except ImportError:  # the printable estimate ships in its own module
        estimate_pdf = None
    if estimate_pdf is not None:
        c1.download_button(
            "Printable estimate (PDF)",
            lambda: estimate_pdf(scenario, result, made_on=dt.date.today()),
            file_name="cost-estimate.pdf",
            mime="application/pdf",
            icon=":material/picture_as_pdf:",
            on_click="ignore",
            width="stretch",
        )
    c2.download_button(
        "Scenario file (.json)",
        scenario_to_json(scenario),
        file_name="estimate-scenario.json",
        mime="application/json",
        icon=":material/save:",
        on_click="ignore",
        width="stretch",
        help="Open it later with “Open a saved estimate”.",
    )


def compare_box(scenario: Scenario, stale: bool = False) -> None:
    with st.container(border=True):  # stacked: side by side, the button's label was cut at tablet widths
        st.text_input(
            "Name for this scenario", key="compare_name", max_chars=60, placeholder="e.g. SPRAVATO in network"
        )
        st.button(
            "Add to comparison",
            on_click=_add_to_comparison,
            args=(scenario,),
            icon=":material/add:",
            disabled=stale,
            help="Fix the inputs marked in red first." if stale else None,
        )
        if ss.get("compare_msg"):
            st.caption(plain(ss.pop("compare_msg")))


# ---------------------------------------------------------------- page


def problem_line(p: Problem) -> str:
    """A problem for the summary above the estimate, named by the input section that holds it."""
    name = section_of(p.loc)
    place = table_place(p.loc)
    return f"{SECTION_NAMES[name]}: {place[:1].lower()}{place[1:]}{p.message}" if name else p.message


def current() -> tuple[Scenario | None, Result | None, list[Problem]]:
    """Validate the inputs; keep the last good estimate when they are invalid."""
    try:
        data: dict[str, Any] = S.scenario_dict(ss.to_dict())  # one snapshot: cheaper than many lookups
        scenario = scenario_from_data(data)
    except ScenarioError as e:
        return ss.get(SCENARIO_KEY), ss.get(RESULT_KEY), e.problems
    except (ValueError, TypeError, KeyError, OverflowError) as e:
        return (
            ss.get(SCENARIO_KEY),
            ss.get(RESULT_KEY),
            [Problem("", f"An input could not be read ({type(e).__name__}).")],
        )
    result = estimate(scenario)
    ss[SCENARIO_KEY] = scenario
    ss[RESULT_KEY] = result
    return scenario, result, []


def render() -> None:
    """Validate and estimate from the current inputs, show the estimate, and draw the inputs beside it.

    The estimate column is drawn first so it reaches the browser first; a shared link's values are put into
    the inputs before anything is computed, so the first estimate already uses them. The page writes the link
    itself at the end of each run (every input but free text and tables), so zeros and defaults survive too.
    """
    page_header(
        "Estimate your treatment costs",
        "IV ketamine or SPRAVATO (esketamine): what you will pay, when, who pays the rest, and how to pay it.",
    )
    S.init_state(ss, dt.date.today(), st.query_params.to_dict())
    if ss.get(RESEND_KEY):
        S.resend_inputs(ss)
    for name in S.TABLES:
        S.settle_cleared_ticks(ss, name)
    S.remount_tables(ss)
    scenario, result, problems = current()
    ss[STALE_KEY] = bool(problems)
    if scenario is not None and not problems:
        params, gaps = S.link_params(ss, scenario, dt.date.today())
    else:  # no valid scenario to check a link against: keep the tables the link already carries
        tables = {k: st.query_params[k] for k in ("fees", "cov", "sched") if k in st.query_params}
        params, gaps = S.url_params(ss, dt.date.today()) | tables, []
    _run.problems, _run.shown = problems, set()
    open_sections(problems)
    layout = st.container(key="estimate_layout")
    layout.html(LAYOUT_CSS)
    left, right = layout.columns([1, 1], gap="large")
    with right:
        st.subheader("Your estimate")
        if ss.get("name"):  # from an opened file: shown, so it never rides along unseen onto the next printout
            c1, c2 = st.columns([5, 1], vertical_alignment="center")
            c1.caption("Name from the opened file (printed on the PDF and saved in the file): " + plain(ss["name"]))
            c2.button("Clear", key="clear_name", on_click=_clear_name, type="tertiary", help="Remove this name")
        if problems:
            listed = "  \n".join("• " + plain(problem_line(p)) for p in problems[:8])
            st.error(
                "Some inputs need attention (messages are also shown beside the fields). "
                + ("The figures below are from the last valid inputs." if result else "")
                + "  \n"
                + listed,
                icon=":material/error:",
            )
        if ss.get("link_without_schedule"):
            st.info(
                "The estimate this link came from had a custom schedule that is not in the link (or could not "
                "be read from it): the schedule here is the preset's. Ask for the scenario file to see that "
                "estimate.",
                icon=":material/link_off:",
            )
        if scenario is None or result is None:
            st.info("The estimate appears once the inputs marked in red are fixed.", icon=":material/info:")
        else:
            results(scenario, result, stale=bool(problems))
            if gaps:
                st.caption(
                    ":material/link: The link in the address bar leaves out "
                    + " and ".join(gaps)
                    + ". To share or keep this estimate exactly, save the scenario file (Downloads)."
                )
            compare_box(scenario, stale=bool(problems))
    with left:
        file_section()
        course_section()
        prices_section()
        insurance_section()
        programs_section()
        accounts_section()
        travel_section()
        financing_section()
        show_problems("*")
    page_footer()
    if params != st.query_params.to_dict():
        st.query_params.from_dict(params)
    if ss.get(RESEND_KEY, 0) > 1:  # this run was not cut short: one fewer run left to set the inputs again
        ss[RESEND_KEY] -= 1
    else:  # gone, not 0: every input widget copies the whole session state
        ss.pop(RESEND_KEY, None)

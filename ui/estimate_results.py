"""The Estimate page's results column: headline figures, notes, views and downloads."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from estimator.adjudication import met_in_unstarted_plan_year
from estimator.documents.exports import schedule_csv, sessions_ics
from estimator.engine import split_quiet_years
from estimator.financing import interest_words
from estimator.models import Scenario
from estimator.money import fmt_plain
from estimator.reference import latest_decimal
from estimator.result import Result
from estimator.scenario_io import scenario_to_json
from estimator.text import count
from estimator.timeline import average_per_session, session_rows
from estimator.wording import (
    AVERAGE_PER_SESSION,
    INSURANCE_PAYS,
    MONTHLY_PAYMENT,
    NET_COST,
    NET_COST_AFTER_TAX,
    NO_FIGURE,
    PROGRAMS_PAY,
    TAX_SAVINGS,
    TRAVEL,
    TREATMENT,
    YOU_PAY,
    service_label,
    warning_text,
    year_word,
)
from ui.charts import cumulative_caption, cumulative_chart, monthly_chart
from ui.clinic_state import current_letterhead
from ui.common import (
    COMPARISON_KEY,
    MAX_COMPARE,
    fmt_day,
    plain,
    usd,
)
from ui.form import field

VIEWS = ["Over time", "By month", "Sessions", "Downloads"]
FICA_PCT = latest_decimal("fica_rate_pct")
ss = st.session_state


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


# ---------------------------------------------------------------- results


def metrics(scenario: Scenario, result: Result) -> None:
    t = result.totals
    avg = average_per_session(result)
    evaluations = len(result.sessions) - t.sessions
    # One wrapping row of six figures, two to a line (the page's CSS): one layout block where three rows of two
    # columns took nine, and each block is an update the browser applies on every rerun.
    grid = st.container(horizontal=True, key="figures", gap="small")
    cells = [grid] * 6
    cells[0].metric(
        YOU_PAY, usd(t.patient_pays), border=True, help="For treatment, before tax savings; travel is added below."
    )
    if result.accounts:
        cells[1].metric(
            NET_COST_AFTER_TAX,
            usd(result.accounts.net_cost),
            border=True,
            help="Treatment and travel, less the tax you save paying with HSA/FSA money: the sum below.",
        )
    else:
        cells[1].metric(NET_COST_AFTER_TAX, NO_FIGURE, border=True, help="Turn on HSA/FSA in section 5.")
    cells[2].metric(INSURANCE_PAYS, usd(t.plan_pays), border=True)
    cells[3].metric(PROGRAMS_PAY, usd(t.program_pays), border=True)
    cells[4].metric(
        AVERAGE_PER_SESSION,
        usd(avg) if avg is not None else NO_FIGURE,
        border=True,
        help=f"What you pay for treatment{', the first-visit evaluation included,' if evaluations else ''} "
        f"divided by {t.sessions} treatment sessions.",
    )
    if result.financing and scenario.financing:
        f = result.financing
        cells[5].metric(
            MONTHLY_PAYMENT,
            usd(f.monthly_payment),
            border=True,
            help=f"{scenario.financing.months} months; interest "
            + interest_words(f, scenario.financing.apr_pct, scenario.financing.months)
            + ".",
        )
    else:
        cells[5].metric(MONTHLY_PAYMENT, NO_FIGURE, border=True, help="Turn on a payment plan in section 7.")
    headline_sum(scenario, result)
    lines = [
        count(t.sessions, "treatment session")
        + (" and the first-visit evaluation" if evaluations > 0 else "")
        + f" on {count(t.visits, 'visit day')}, total charges {usd(t.charges)}."
    ]
    for py in result.by_plan_year:
        reached = f"; out-of-pocket maximum reached {fmt_day(py.oop_reached_on)}" if py.oop_reached_on else ""
        year = year_word(scenario.coverage.kind != "self_pay")
        lines.append(f"{year} from {fmt_day(py.plan_year)}: you pay {usd(py.patient_pays)}{reached}.")
    if result.travel:
        lines.append(f"{TRAVEL}: {usd(result.travel.total)} for {count(result.travel.visits, 'visit')}.")
    if result.time_off:
        hours = fmt_plain(result.time_off.hours)
        lines.append(f"Time off: {hours} hours, about {usd(result.time_off.total)} in wages.")
    st.markdown("  \n".join(plain(x) for x in lines))


def sum_rows(scenario: Scenario, result: Result) -> list[tuple[str, str]]:
    """The headline as a sum a patient can follow: treatment, plus travel, minus tax savings, equals net cost
    (each labelled, the tax rates named, FICA only when the contributions go through payroll). Empty when
    "You pay" is the whole story (no travel, no HSA/FSA)."""
    travel = result.travel.total if result.travel else None
    accounts = result.accounts
    if travel is None and accounts is None:
        return []
    rows = [(f"{TREATMENT} ({YOU_PAY.lower()})", usd(result.totals.patient_pays))]
    if travel is not None:
        rows.append((f"+ {TRAVEL}", usd(travel)))
    if accounts is not None and scenario.accounts is not None:
        a = scenario.accounts
        rates = [f"federal {fmt_plain(a.federal_rate_pct)} %", f"state {fmt_plain(a.state_rate_pct)} %"]
        if a.payroll:
            rates.append(f"FICA {fmt_plain(FICA_PCT)} % (payroll)")
        spent = usd(accounts.from_fsa + accounts.from_hsa)
        rows.append(
            (f"− {TAX_SAVINGS} on {spent} of HSA/FSA money ({', '.join(rates)})", "−" + usd(accounts.tax_savings))
        )
        rows.append((f"= {NET_COST}", usd(accounts.net_cost)))
        net = accounts.net_cost
    else:
        net = result.totals.patient_pays + (travel or 0)
        rows.append((f"= {NET_COST}", usd(net)))
    f, plan = result.financing, scenario.financing
    # At 0 % APR the "interest" is only the rounding of the payment (see financing.interest_words).
    if f is not None and plan is not None and f.total_interest > 0 and plan.apr_pct > 0:
        rows.append(("+ Interest on the payment plan", usd(f.total_interest)))
        rows.append((f"= {NET_COST} with the payment plan's interest", usd(net + f.total_interest)))
    return rows


def headline_sum(scenario: Scenario, result: Result) -> None:
    rows = sum_rows(scenario, result)
    if rows:
        # st.table reads Markdown: escaped, so "+ Travel" is a sum's line, not a list bullet.
        frame = pd.DataFrame([(plain(k), plain(v)) for k, v in rows], columns=["", "Amount"])
        st.table(frame.set_index(""), border="horizontal")


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
            "the rates entered"
            + (
                f" plus {FICA_PCT} % FICA, since the contributions go through payroll."
                if scenario.accounts.payroll
                else "."
            )
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
            name = service_label(scenario, pkg.service)
            notes.append(
                f"The {usd(pkg.price)} {name} package is for {pkg.sessions} sessions; this estimate holds "
                f"{used}, so it counts only their share of the package price. If the clinic charges the whole "
                "package, you pay the rest too."
            )
    return notes


def program_notes(scenario: Scenario, result: Result) -> list[str]:
    """A savings program that pays nothing says why, rather than leaving a $0 unexplained."""
    if not scenario.savings_programs or result.totals.program_pays > 0:
        return []
    if not any(ln.covered for s in result.sessions for ln in s.lines):
        return [
            "The savings programs pay nothing here: they pay part of your share of covered services only, and no "
            "service in this estimate is covered by the plan (section 3, “What the plan covers”)."
        ]
    return [
        "The savings programs pay nothing here: no covered service in this estimate is one they pay for, or "
        "your share of it is already $0."
    ]


def rollover_notes(scenario: Scenario, today: dt.date) -> list[str]:
    """Amounts met entered for a plan year that has not begun: likely left over from the current one."""
    year = met_in_unstarted_plan_year(scenario.coverage, scenario.start_date, today)
    if year is None:
        return []
    return [
        f"The first session is in the plan year starting {fmt_day(year)}, which has not begun yet, so usually "
        f"nothing is met in it. Set “{field('ded_met').label}” and “{field('oop_met').label}” in section 3 "
        "(Insurance) to $0 unless the plan says otherwise."
    ]


def results(scenario: Scenario, result: Result, stale: bool = False) -> None:
    metrics(scenario, result)
    warnings, quiet = split_quiet_years(scenario, result.warnings)
    for w in warnings:
        st.warning(plain(warning_text(w, scenario)), icon=":material/warning:")
    if quiet:
        st.caption(plain(quiet))
    for note in (
        package_notes(scenario, result) + program_notes(scenario, result) + rollover_notes(scenario, dt.date.today())
    ):
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
            required=True,  # clicking the chosen view again keeps it chosen (it used to show none chosen)
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
        rows = session_rows(result, scenario)
        # What matters most first, so it is visible without scrolling sideways in a narrow column.
        df = pd.DataFrame(
            {
                "Date": [r.date for r in rows],
                YOU_PAY: [float(r.you_pay) for r in rows],
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
            column_config={c: money_col for c in ["Charge", "Insurance", "Program", "Paid so far (course)"]}
            # The date and what you pay stay pinned while a narrow screen scrolls the rest sideways.
            | {YOU_PAY: st.column_config.NumberColumn(format="dollar", pinned=True, width=96)}  # fits $12,345.00
            | {"Date": st.column_config.DateColumn(format="MMM D, YYYY", pinned=True)},
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
        from estimator.documents.pdf import estimate_pdf
    except ImportError:  # the printable estimate ships in its own module
        estimate_pdf = None
    if estimate_pdf is not None:
        letterhead = current_letterhead(st.session_state)  # the chosen clinic's letterhead, else None (issue 18)
        c1.download_button(
            "Printable estimate (PDF)",
            lambda: estimate_pdf(scenario, result, made_on=dt.date.today(), letterhead=letterhead),
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
    # The name above the button (side by side, the button's label was cut at tablet widths), and no box around
    # them: a box is one more update on every rerun.
    st.text_input(
        "Name for this scenario", key="compare_name", max_chars=60, placeholder="For example: SPRAVATO in network"
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

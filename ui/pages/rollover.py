"""Rollover (issue 19, behind the sign-in): re-quote the clinic's active patients for a new plan year. Each patient
whose latest quote goes on past the plan year's first day gets a new version of it, from the session they will be
at, with the amounts met back to zero. The summary compares old and new patient cost, biggest changes first, and
downloads as CSV (references, never names)."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from clinic.rollover import RolloverSummary
from ui.common import fmt_day, page_footer, plain, usd
from ui.signin import shown_errors, workspace_gate
from ui.widgets import DATE_FORMAT
from ui.workspace import workspace_clinic

ss = st.session_state
SUMMARY = "ws_rollover_summary"


def _next_january() -> dt.date:
    return dt.date(dt.date.today().year + 1, 1, 1)


def _signed(amount: object) -> str:
    text = usd(amount)
    return text if text.startswith("-") or text in {"$0.00", "$0"} else "+" + text


def _summary(records, who, summary: RolloverSummary) -> None:  # type: ignore[no-untyped-def]
    st.subheader(f"Plan year from {plain(fmt_day(summary.plan_year_start))}")
    st.caption(f"{len(summary.lines)} patients re-quoted, {len(summary.skipped)} skipped. Biggest changes first.")
    if summary.lines:
        st.dataframe(
            [
                {
                    "Patient": ln.patient_reference,
                    "Quote": ln.quote_number,
                    "Versions": f"{ln.old_version} → {ln.new_version}",
                    "From session": ln.start_session,
                    "From": fmt_day(ln.start_date),
                    "Old patient cost": usd(ln.old_patient_pays),
                    "New patient cost": usd(ln.new_patient_pays),
                    "Change": _signed(ln.change),
                }
                for ln in summary.lines
            ],
            hide_index=True,
            width="stretch",
        )
        st.download_button(
            "Download the summary as CSV",
            lambda: records.rollover.export_csv(who, summary),
            file_name=f"rollover-{summary.plan_year_start.isoformat()}.csv",
            mime="text/csv",
            icon=":material/download:",
            on_click="ignore",
        )
    if summary.skipped:
        with st.expander(f"Skipped ({len(summary.skipped)})"):
            st.dataframe(
                [{"Patient": s.patient_reference, "Why": s.reason} for s in summary.skipped],
                hide_index=True,
                width="stretch",
            )


def main() -> None:
    records, who = workspace_gate(
        "Plan-year rollover",
        "Re-quote every active patient whose course goes on into a new plan year: deductibles and out-of-pocket "
        "amounts met start again from zero.",
    )
    clinic = workspace_clinic()
    if clinic is None:
        return
    with st.form("ws_rollover_form"):
        c1, c2 = st.columns(2)
        day = c1.date_input("First day of the new plan year", value=_next_january(), format=DATE_FORMAT)
        match = c2.checkbox(
            "Only plans whose year starts on this day",
            value=True,
            help="A plan whose year starts in July is not re-quoted on January 1.",
        )
        st.caption(
            "Each patient re-quoted gets a new version of their latest quote; nothing is overwritten, and running "
            "again for the same day re-quotes no one twice."
        )
        run = st.form_submit_button("Run the rollover", type="primary", icon=":material/play_arrow:")
    if run:
        bar = st.progress(0.0, text="Re-quoting…")

        def progress(done: int, total: int) -> None:
            bar.progress(done / total if total else 1.0, text=f"Re-quoted {done:,} of {total:,} patients")

        with shown_errors():
            ss[SUMMARY] = records.rollover.run(who, clinic, day, match_plan_year=match, progress=progress)
        bar.empty()
    summary = ss.get(SUMMARY)
    if isinstance(summary, RolloverSummary):
        _summary(records, who, summary)


main()
page_footer()

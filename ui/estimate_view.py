"""Estimate page body: the inputs in the order a person thinks, and the estimate beside them.

Kept in an importable module (the page script only calls `render`) so reruns reuse its compiled code.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from estimator.models import Scenario
from estimator.result import Result
from estimator.scenario_io import Problem, ScenarioError
from ui import state as S
from ui import widget_state as W
from ui.common import (
    RESULT_KEY,
    SCENARIO_KEY,
    STALE_KEY,
    page_footer,
    page_header,
    plain,
)
from ui.estimate_inputs import (
    _clear_name,
    accounts_section,
    course_section,
    file_section,
    financing_section,
    prices_section,
    programs_section,
    travel_section,
)
from ui.estimate_results import compare_box, results
from ui.insurance_inputs import insurance_section
from ui.sections import RESEND_KEY, SECTION_NAMES, _run, open_sections, section_of, show_problems, table_place

# ---------------------------------------------------------------- page

ss = st.session_state


def problem_line(p: Problem) -> str:
    """A problem for the summary above the estimate, named by the input section that holds it."""
    name = section_of(p.loc)
    place = table_place(p.loc)
    return f"{SECTION_NAMES[name]}: {place[:1].lower()}{place[1:]}{p.message}" if name else p.message


def current() -> tuple[Scenario | None, Result | None, list[Problem]]:
    """Validate the inputs; keep the last good estimate when they are invalid.

    An empty number field is asked for, never read as 0."""
    snapshot = ss.to_dict()  # one snapshot: cheaper than many lookups
    blanks = [Problem(loc, message) for loc, message in S.input_problems(snapshot)]
    if blanks:
        return ss.get(SCENARIO_KEY), ss.get(RESULT_KEY), blanks
    try:
        scenario, result = S.estimated_scenario(snapshot)
    except ScenarioError as e:
        return ss.get(SCENARIO_KEY), ss.get(RESULT_KEY), e.problems
    except (ValueError, TypeError, KeyError, OverflowError) as e:
        return (
            ss.get(SCENARIO_KEY),
            ss.get(RESULT_KEY),
            [Problem("", f"An input could not be read ({type(e).__name__}).")],
        )
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
        W.resend_inputs(ss)
    for name in W.TABLES:
        W.settle_cleared_ticks(ss, name)
    W.remount_tables(ss)
    scenario, result, problems = current()
    ss[STALE_KEY] = bool(problems)
    if scenario is not None and not problems:
        params, gaps = S.link_params(ss, scenario, dt.date.today())
    else:  # no valid scenario to check a link against: keep the tables the link already carries
        tables = {k: st.query_params[k] for k in ("fees", "cov", "sched") if k in st.query_params}
        params, gaps = S.state_params(ss, dt.date.today()) | tables, []
    _run.problems, _run.shown = problems, set()
    open_sections(problems)
    layout = st.container(key="estimate_layout")
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
        # The footer closes the inputs' column: below the two columns, it ended them a footer's height above the
        # page's end, so the sticky estimate column (as tall as the window) was pushed up off the top there.
        page_footer()
    if params != st.query_params.to_dict():
        st.query_params.from_dict(params)
    if ss.get(RESEND_KEY, 0) > 1:  # this run was not cut short: one fewer run left to set the inputs again
        ss[RESEND_KEY] -= 1
    else:  # gone, not 0: every input widget copies the whole session state
        ss.pop(RESEND_KEY, None)

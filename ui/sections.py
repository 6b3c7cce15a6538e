"""The Estimate page's input sections: problems shown beside their fields, and sections that open and
close (and the Streamlit workaround they need)."""

from __future__ import annotations

import html
import threading
from collections.abc import Callable
from functools import wraps

import streamlit as st

from estimator.scenario_io import Problem
from estimator.wording import NET_COST, YOU_PAY
from ui import widget_state as W
from ui.common import (
    RESULT_KEY,
    STALE_KEY,
    plain,
    sentence,
    usd,
)

RESEND_KEY = "resend_inputs"  # a section was opened: runs to end that still set the inputs again (_remember_section)
RESEND_RUNS = 2
ss = st.session_state

# ---------------------------------------------------------------- input helpers


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
        key = W.section_key(ss, name)
        if key not in ss:
            ss[key] = remembered.get(name, False)
    seen = ss.get("problems_seen", set())
    for p in problems:
        name = section_of(p.loc)
        if name is not None and (p.loc, p.message) not in seen:
            ss[W.section_key(ss, name)] = remembered[name] = True
    ss["problems_seen"] = {(p.loc, p.message) for p in problems}


# The editable table each section holds.
SECTION_TABLES = {"course": "custom", "prices": "prices", "insurance": "rules"}


def _remember_section(name: str, key: str) -> None:
    """Remember whether the section is open; on opening it, give its expander a new key, have the next runs set
    the stored inputs again (each run until one has drawn the page to its end, and the run after that) and give
    its table a fresh editor: the Streamlit workaround explained in `ui.widget_state`."""
    if not W.is_current_section(ss, name, key):  # the old expander of a section reopened since: a stale value
        return
    opened = bool(ss.get(key))
    ss["open_sections"][name] = opened
    if opened:
        W.open_section(ss, name)
        ss[RESEND_KEY] = RESEND_RUNS
        if name in SECTION_TABLES:
            W.fresh_editor(ss, SECTION_TABLES[name])


def near_figures(name: str) -> None:
    """The headline at the end of an open section, for a phone, where the estimate column is screens away (the
    page's CSS hides it on wider screens, where the column stays beside the section)."""
    result = ss.get(RESULT_KEY)
    if result is None:
        return
    parts = [f"{YOU_PAY} {usd(result.totals.patient_pays)}"]
    if result.accounts is not None:
        parts.append(f"{NET_COST} {usd(result.accounts.net_cost)}")
    stale = " (from the last valid inputs)" if ss.get(STALE_KEY) else ""
    # One element (a container and a caption were two updates on every rerun); the text is amounts only.
    st.html(f'<p class="near-figures">{html.escape("Estimate now: " + " · ".join(parts) + stale)}</p>')


def input_section(name: str, label: str | None = None) -> Callable[[Callable[[], None]], Callable[[], None]]:
    """Make a function the body of an input section, drawn only while the section is open: a closed one costs
    nothing on each rerun or first load. Its inputs keep their values while closed (`persist_state`), and
    opening it reruns the page to draw them. The label is "**n · name**" from SECTION_NAMES unless given."""
    title = label or f"**{list(SECTION_NAMES).index(name) + 1} · {SECTION_NAMES[name]}**"

    def wrap(body: Callable[[], None]) -> Callable[[], None]:
        @wraps(body)
        def draw() -> None:
            key = W.section_key(ss, name)
            box = st.expander(title, key=key, on_change=_remember_section, args=(name, key))
            if box.open:
                with box:
                    body()
                    if name in SECTION_FIELDS:
                        near_figures(name)

        return draw

    return wrap

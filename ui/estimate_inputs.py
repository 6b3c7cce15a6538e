"""The Estimate page's inputs, one function per section, in the order a person thinks.

Each field is drawn from its description in `ui.form` (`draw`); what is written here is the layout, the hand-made
parts (course and plan pickers, tables, package, program switches) and the notes beside the fields."""

from __future__ import annotations

from functools import partial

import streamlit as st

from estimator.models import Fee, Scenario
from estimator.presets import course_preset, course_presets
from estimator.reference import latest_decimal, reference, us_states
from estimator.scenario_io import Problem, ScenarioError, scenario_from_json
from estimator.text import count
from ui import state as S
from ui import widget_state as W
from ui.clinic_inputs import setup_box
from ui.common import RESULT_KEY, SCENARIO_KEY, plain, refused_file_hint, sentence, usd
from ui.form import BY_KEY, help_of, label, model_bounds
from ui.link import LINK_PHASES
from ui.sections import SECTION_NAMES, input_section, section_of, show_problems
from ui.tables import CUSTOM_MAX_DAY, CUSTOM_MAX_QUANTITY, CUSTOM_MAX_SESSION, name_of, price_names
from ui.widgets import draw, pair, row, table_editor

MAX_SCENARIO_UPLOAD = 1_000_000  # bytes: 1 MB, the uploader's own limit
SCENARIO_BOX_MB = MAX_SCENARIO_UPLOAD // 1_000_000  # the same limit as Streamlit takes it (whole MB)
FICA_PCT = latest_decimal("fica_rate_pct")
CARD_APR = max(reference().param("medical_credit_card_apr").values, key=lambda v: v.year)
ss = st.session_state

COURSE_LABELS = {p.id: p.label for p in course_presets()}
DOSE_LABELS = {56: "56 mg", 84: "84 mg"}
STATES = us_states()
WEEK9_LABELS = {2: "every 2 weeks", 1: "weekly"}
FIN_BASE_LABELS = {
    "rest": "What HSA/FSA money leaves",
    "all": "Everything you pay for treatment",
    "amount": "Another amount",
}


# ---------------------------------------------------------------- callbacks (run before the page redraws)


def _on_course() -> None:
    S.apply_course(ss, ss["course"])


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
    draw("start_session")
    if (ss.get("start_session") or 1) > 1 and ss.get("once"):
        st.caption(
            "A course under way usually bills nothing once: clear “Billed once, at the first visit” below if the "
            "patient has had the first evaluation."
        )


def service_names() -> dict[str, str]:
    """The priced services' names, in the price grid's order: every list and grid here shows these, never ids."""
    return price_names(W.current_prices(ss))


@input_section("course")
def course_section() -> None:
    st.selectbox(
        label("course"),
        list(COURSE_LABELS),
        key="course",
        format_func=COURSE_LABELS.get,
        on_change=_on_course,
        persist_state="session",
        help=help_of("course"),
    )
    row("start", "weeks")
    protocol = course_preset(ss["course"]).protocol
    names = service_names()
    priced = list(names)
    if protocol.type == "iv_ketamine":
        row("iv_n", "iv_weeks", "boost")
        start_session_input()
        n, weeks = ss.get("iv_n"), ss.get("iv_weeks")
        if isinstance(n, int) and isinstance(weeks, int) and n > 7 * weeks:
            st.caption(f"{n} infusions over {count(weeks, 'week')} puts two on some days; check the number of weeks.")
    elif protocol.type == "spravato":
        st.segmented_control(
            label("dose"),
            list(BY_KEY["dose"].choices),
            key="dose",
            format_func=DOSE_LABELS.get,
            persist_state="session",
            help=help_of("dose"),
        )
        if protocol.indication == "trd":
            st.segmented_control(
                label("week9"),
                list(BY_KEY["week9"].choices),
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
        custom_grid(names)
    options = list(dict.fromkeys([*priced, *(ss.get("once") or []), *(ss.get("extra") or [])]))
    name = partial(name_of, names)
    st.multiselect(label("once"), options, key="once", format_func=name, persist_state="session", help=help_of("once"))
    if protocol.type != "custom":
        st.multiselect(
            label("extra"), options, key="extra", format_func=name, persist_state="session", help=help_of("extra")
        )
    show_problems("protocol")


def custom_grid(names: dict[str, str]) -> None:
    st.caption(
        "One row per service line; rows with the same day and phase form one session (day 0 = start). For two "
        "separate sessions on one day and phase, number them 1 and 2 under Session."
    )
    table_editor(
        "custom",
        placeholder="",
        column_config={
            # Widths that leave the service's name room to be read whole in the half-page column at 1440 px.
            "day": st.column_config.NumberColumn(
                "Day", min_value=0, max_value=CUSTOM_MAX_DAY, step=1, required=True, width=60
            ),
            "phase": st.column_config.TextColumn(
                "Phase",
                max_chars=40,
                width=90,
                help="Blank means treatment. A shared link carries the schedule when every phase is blank or one "
                "of: " + ", ".join(sorted(LINK_PHASES)) + " (other words are never put in a link).",
            ),
            "service": st.column_config.SelectboxColumn(
                "Service", options=list(names), format_func=names.get, required=True, width=245
            ),
            "quantity": st.column_config.NumberColumn(
                "Qty", min_value=1, max_value=CUSTOM_MAX_QUANTITY, step=1, width=60
            ),
            "session": st.column_config.NumberColumn(
                "Session",
                min_value=1,
                max_value=CUSTOM_MAX_SESSION,
                step=1,
                width=80,
                help="Leave blank, except for two separate sessions on the same day and phase: 1 and 2.",
            ),
        },
    )


def free_services() -> list[str]:
    """Services the estimate bills at $0.00: a price left at 0 by mistake would make the estimate rosy."""
    result = ss.get(RESULT_KEY)
    if result is None:
        return []
    return sorted({ln.service for s in result.sessions for ln in s.lines if ln.charge == 0})


@input_section("prices")
def prices_section() -> None:
    setup_box("prices")
    st.caption(
        "Example prices to start from: replace them with your clinic's. SPRAVATO drug is priced per 28 mg "
        "device (56 mg = 2, 84 mg = 3)."
    )
    table_editor(
        "prices",
        placeholder="",
        column_config={
            # `required` holds a new row in the grid until it is complete. Without it the row is sent once its
            # service id is typed, and that rerun ate keystrokes in the next cell: "400" typed after Tab became
            # $4.00 or $40.00 (3 of 3 browser trials; $400.00 in 3 of 3 with `required`). The cost: a half-typed
            # new row is dropped if its section is closed before the row is complete.
            "service": st.column_config.TextColumn(
                "Service id",
                max_chars=40,
                required=True,
                help="A short id for files and links: lower-case letters, digits and _, for example iv_infusion.",
            ),
            "code": st.column_config.TextColumn("CPT/HCPCS", max_chars=40),
            "description": st.column_config.TextColumn(
                "Description",
                max_chars=120,
                help="The service's name in the lists and tables here and on printouts (blank: a name made from the "
                "id).",
            ),
            "charge": st.column_config.NumberColumn(
                "Price ($)",
                min_value=0.0,
                max_value=model_bounds(Fee, "charge")[1],
                step=0.01,
                format="dollar",
                required=True,
            ),
        },
    )
    show_problems("fees")
    free = free_services()
    if free:
        names = service_names()
        st.warning(
            plain(
                "Priced at $0.00 and billed in this estimate: "
                + "; ".join(name_of(names, sid) for sid in free)
                + ". Is that right? If the clinic charges for it, enter its price; if it is free, leave $0."
            ),
            icon=":material/help:",
        )
    package_input()
    show_problems("packages")


def package_input() -> None:
    """The package price is opt-in, and says what it replaces."""
    if not draw("pkg_on"):
        return
    names = service_names()
    priced = list(names)
    chosen = ss.get("pkg_service")
    # A service whose price row was deleted stays chosen (and is flagged as unpriced) instead of the box
    # quietly moving the package to the first service left, which changed the estimate once the row was back.
    options = priced + ([chosen] if chosen and chosen not in priced else []) or ["iv_infusion"]
    # The service on a line of its own, so its name is not cut off; sessions and price side by side below it.
    st.selectbox(
        label("pkg_service"), options, key="pkg_service", format_func=partial(name_of, names), persist_state="session"
    )
    pair("pkg_sessions", "pkg_price")
    prices = W.current_prices(ss)
    row = prices[prices["service"] == ss.get("pkg_service")]
    sessions, price = ss.get("pkg_sessions"), ss.get("pkg_price")
    if len(row) and isinstance(sessions, int) and price is not None:
        each = float(row["charge"].iloc[0])
        st.caption(
            f"Replaces {sessions} × {usd(each)} = {usd(each * sessions)} for "
            f"{plain(name_of(names, ss['pkg_service']))} with {usd(price)} ({usd(price / sessions)} a session)."
        )


@input_section("programs")
def programs_section() -> None:
    st.caption("Manufacturer programs are for commercial insurance only; check the program's current terms.")
    if draw("wm_on"):
        pair("wm_per", "wm_max")
    if draw("obs_on"):
        draw("obs_max")
    states = BY_KEY["patient_state"]
    st.selectbox(
        states.label,
        list(states.choices),
        key="patient_state",
        format_func=lambda code: STATES.get(code, "Not given"),
        persist_state="session",
        help=states.help,
    )
    show_problems("patient_state", exact=True)
    draw("accum")
    for prog in ss.get("programs_extra") or []:
        st.caption("Also from the opened file: " + plain(prog.get("name", "program")))
    show_problems("savings_programs")


@input_section("accounts")
def accounts_section() -> None:
    if draw("acct_on"):
        pair("fsa", "fsa_next")
        draw("hsa")
        pair("fed", "state")
        draw(
            "direct",
            help=f"Payroll contributions also save Social Security and Medicare tax (FICA, {FICA_PCT} %); "
            "contributions you make yourself don't.",
        )
        st.caption(
            "Tax savings count your federal and state rates"
            + (f" and FICA ({FICA_PCT} %), since the money goes in through payroll." if not ss.get("direct") else ".")
        )
    show_problems("accounts")


@input_section("travel")
def travel_section() -> None:
    if draw("trav_on"):
        c1, c2, c3 = st.columns(3)
        with c1:
            draw("miles")
        with c2:
            draw("parking")
        with c3:
            draw("ride")
        if draw("rate_on"):
            draw("rate")
        else:
            st.caption("Uses the IRS medical mileage rate for each visit's year.")
    if draw("to_on"):
        pair("hours", "wage")
    show_problems("travel", "time_off")


@input_section("financing")
def financing_section() -> None:
    if draw("fin_on"):
        c1, c2 = st.columns(2)
        with c1:
            draw("apr", help=f"For example {CARD_APR.value} %, a typical medical credit card ({CARD_APR.source}).")
        with c2:
            draw("months")
        st.radio(
            label("fin_base"),
            list(FIN_BASE_LABELS),
            key="fin_base",
            format_func=FIN_BASE_LABELS.get,
            persist_state="session",
            horizontal=True,
        )
        financed_note()
        st.caption(
            "Deferred-interest cards charge all the interest from the purchase date if the balance "
            "isn't paid in full in time."
        )
    show_problems("financing")


def financed_note() -> None:
    """What is financed, in figures the user can follow."""
    now = ss.get(RESULT_KEY)
    financed = now.financing if now is not None else None
    base = ss.get("fin_base")
    if base == "amount":
        draw("fin_amount")
        if financed is not None and financed.principal > now.totals.patient_pays:
            st.caption(
                ":material/warning: More than you pay for treatment in this estimate ("
                + usd(now.totals.patient_pays)
                + "): check the amount, unless other costs are financed too."
            )
        elif financed is not None and financed.principal == 0:
            st.caption("Nothing is financed at $0, so there is no monthly payment.")
        return
    if now is None or financed is None:
        return
    accounts = now.accounts
    if base == "rest" and accounts is not None:
        used = accounts.from_fsa + accounts.from_hsa
        st.caption(
            f"Finances {usd(financed.principal)}: what you pay for treatment ({usd(now.totals.patient_pays)}) less "
            f"the HSA/FSA money used ({usd(used)})."
            + (" Your HSA/FSA money covers it all, so there is nothing to finance." if financed.principal == 0 else "")
        )
    else:
        st.caption(f"Finances {usd(financed.principal)}: everything you pay for treatment.")


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

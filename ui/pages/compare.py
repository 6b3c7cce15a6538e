"""Compare page: two to four saved scenarios side by side, and one-click variants (estimator.workflows.compare)."""

from __future__ import annotations

import datetime as dt

import altair as alt
import pandas as pd
import streamlit as st

from estimator.documents.comparison_pdf import comparison_pdf
from estimator.models import Scenario
from estimator.wording import INSURANCE_PAYS, PROGRAMS_PAY, WARNING_NAMES, YOU_PAY
from estimator.workflows.compare import (
    DEFAULT_NAME,
    Summary,
    chart_rows,
    comparison_csv,
    comparison_table,
    default_scenario,
    differences_table,
    summarize,
    variants,
)
from ui.charts import PAYER_COLORS as ESTIMATE_COLORS
from ui.common import (
    COMPARISON_KEY,
    MAX_COMPARE,
    PHONE_MEDIA,
    SCENARIO_KEY,
    STALE_KEY,
    STALE_NOTE,
    fmt_day,
    page_footer,
    page_header,
    plain,
)

FLASH_KEY = "compare_flash"  # (level, message) shown once after a button callback
PAYERS = [YOU_PAY, INSURANCE_PAYS, PROGRAMS_PAY]
PAYER_COLORS = list(ESTIMATE_COLORS.values())  # the Estimate page's colours: you, insurance, programs
LABEL_CHARS = 24  # chart labels keep the last characters of a name (where variants differ); cards show it whole


def _saved() -> list[dict[str, object]]:
    """The comparison list, keeping only well-formed entries (another page wrote it)."""
    items = st.session_state.get(COMPARISON_KEY)
    if not isinstance(items, list):
        items = []
    good = [i for i in items if isinstance(i, dict) and isinstance(i.get("scenario"), Scenario)]
    if len(good) != len(items) or COMPARISON_KEY not in st.session_state:
        st.session_state[COMPARISON_KEY] = good
    return good


def _name(item: dict[str, object]) -> str:
    scenario = item["scenario"]
    assert isinstance(scenario, Scenario)
    return str(item.get("name") or scenario.name or DEFAULT_NAME)


def _add(name: str, scenario: Scenario) -> None:
    items = _saved()
    if len(items) >= MAX_COMPARE:
        st.session_state[FLASH_KEY] = (
            "warning",
            f"The comparison is full ({MAX_COMPARE} scenarios). Remove one to add another.",
        )
        return
    if any(i["scenario"] == scenario for i in items):
        st.session_state[FLASH_KEY] = ("info", "That scenario is already in the comparison.")
        return
    items.append({"name": name, "scenario": scenario})
    st.session_state[COMPARISON_KEY] = items
    st.session_state[FLASH_KEY] = ("success", f"Added as scenario {len(items)}.")


def _remove(index: int) -> None:
    items = _saved()
    if 0 <= index < len(items):
        del items[index]
        st.session_state[COMPARISON_KEY] = items


def _clear() -> None:
    st.session_state[COMPARISON_KEY] = []


def _base() -> tuple[Scenario, bool]:
    """The scenario variants start from: the Estimate page's, or the example one."""
    current = st.session_state.get(SCENARIO_KEY)
    if isinstance(current, Scenario):
        if not current.name:  # named in the comparison already: its variants carry that name too
            named = next((str(i["name"]) for i in _saved() if i["scenario"] == current), "")
            if named:
                current = current.model_copy(update={"name": named})
        return current, True
    return default_scenario(dt.date.today()), False


def _variant_buttons(full: bool) -> None:
    base, from_estimate = _base()
    if from_estimate:
        if st.session_state.get(STALE_KEY):
            st.warning(STALE_NOTE, icon=":material/warning:")
        st.caption("Variants of the estimate on the Estimate page:")
    else:
        st.caption(
            "No estimate on the Estimate page yet, so these start from an example: SPRAVATO first 6 months, "
            "the 2026 HDHP preset, the withMe medication program and the example clinic prices."
        )
    st.text(base.name or DEFAULT_NAME)
    options = [("This estimate as it is", "The estimate itself, to compare the variants against.", base)]
    options += [(v.label, v.description, v.scenario) for v in variants(base, dt.date.today())]
    cols = st.columns(3)
    for i, (label, description, scenario) in enumerate(options):
        with cols[i % 3], st.container(border=True):
            st.button(
                label,
                key=f"variant_{i}",
                icon=":material/add:",
                disabled=full,
                on_click=_add,
                args=(scenario.name or DEFAULT_NAME, scenario),
                width="stretch",
            )
            st.caption(plain(description))


def _summaries(items: list[dict[str, object]]) -> list[Summary]:
    out: list[Summary] = []
    for i, item in enumerate(items, start=1):
        scenario = item["scenario"]
        assert isinstance(scenario, Scenario)
        try:
            out.append(summarize(_name(item), scenario))
        except Exception:  # never a traceback on screen
            st.error(f"Scenario {i} could not be estimated; remove it and add it again.", icon=":material/error:")
    return out


def _chart(summaries: list[Summary]) -> alt.Chart:
    """Grouped horizontal bars: one group per scenario, one bar per payer, each group labelled with its number and
    name (cut to LABEL_CHARS, keeping the end where variants differ)."""
    data = pd.DataFrame(chart_rows(summaries, LABEL_CHARS))
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=alt.Y("scenario:N", title=None, sort=None, axis=alt.Axis(labelLimit=170)),  # bars keep room on a phone
            yOffset=alt.YOffset("payer:N", sort=PAYERS),
            x=alt.X("amount:Q", title="Dollars", axis=alt.Axis(format="$,.0f")),
            color=alt.Color(
                "payer:N",
                title=None,
                sort=PAYERS,
                scale=alt.Scale(domain=PAYERS, range=PAYER_COLORS),
                legend=alt.Legend(orient="bottom", direction="vertical"),  # fits a phone; "top" was cut off
            ),
            tooltip=[
                alt.Tooltip("scenario:N", title="Scenario"),
                alt.Tooltip("payer:N", title="Who"),
                alt.Tooltip("label:N", title="Amount"),
            ],
        )
        .properties(height=alt.Step(16), description=_chart_description(summaries))
    )


def _chart_description(summaries: list[Summary]) -> str:
    """The chart in words, with the scenarios' whole names and every amount: Vega makes it the chart's aria-label,
    which a screen reader reads (on the chart itself the amounts show only to a pointer)."""
    groups: dict[str, list[str]] = {}
    for row in chart_rows(summaries):
        groups.setdefault(str(row["scenario"]), []).append(f"{str(row['payer']).lower()} {row['label']}")
    parts = [f"{label}: {', '.join(amounts)}" for label, amounts in groups.items()]
    return "Bar chart of who pays what in each scenario. " + "; ".join(parts) + "."


def _table(rows: list[dict[str, str]]) -> None:
    """A static table: long scenario names wrap in their headers instead of being cut. st.table reads Markdown,
    so every header and cell (scenario names are user text) is escaped."""
    rows = [{plain(k): plain(v) for k, v in row.items()} for row in rows]
    st.table(pd.DataFrame(rows).set_index("Figure"))


# Four scenarios side by side need a smaller type on a phone, or the last column runs off the screen. When even
# that is too wide (six-figure amounts on a 360 px phone), Streamlit's table box scrolls sideways; the figure
# names stay put while it does, on the page's own background.
PAGE_BACKGROUND = st.get_option("theme.backgroundColor") or "#ffffff"  # config's theme; white without it
COMPACT_TABLES_CSS = (
    f"<style>{PHONE_MEDIA} {{"
    " [data-testid='stTable'] th, [data-testid='stTable'] td { font-size: 0.8rem; padding: 0.3rem 0.35rem; }"
    " [data-testid='stTable'] tr > th:first-child"
    f" {{ position: sticky; left: 0; z-index: 1; background-color: {PAGE_BACKGROUND}; }}"
    " }</style>"
)


def _side_by_side(items: list[dict[str, object]]) -> None:
    cols = st.columns(len(items))
    for i, (col, item) in enumerate(zip(cols, items, strict=True)):
        with col, st.container(border=True):
            st.text(f"{i + 1}. {_name(item)}")
            st.button("Remove", key=f"remove_{i}", icon=":material/delete:", on_click=_remove, args=(i,))
    st.button("Clear all", icon=":material/clear_all:", on_click=_clear, key="clear_all")

    summaries = _summaries(items)
    if not summaries:
        return
    st.html(COMPACT_TABLES_CSS)
    _table(comparison_table(summaries, when=fmt_day))  # the pages' date style
    st.altair_chart(_chart(summaries), width="stretch")
    st.caption("Point at a bar for its amount.")
    made_on = dt.date.today()
    c1, c2 = st.columns(2)
    c1.download_button(
        "Comparison (CSV)",
        comparison_csv(summaries).encode("utf-8"),
        file_name="comparison.csv",
        mime="text/csv",
        icon=":material/download:",
        on_click="ignore",
        key="compare_csv",
        width="stretch",
    )
    c2.download_button(
        "Printable comparison (PDF)",
        lambda: comparison_pdf(summaries, made_on=made_on),
        file_name="comparison.pdf",
        mime="application/pdf",
        icon=":material/picture_as_pdf:",
        on_click="ignore",
        key="compare_pdf",
        width="stretch",
    )
    if len(summaries) < 2:
        st.info("Add at least one more scenario to see the differences.", icon=":material/info:")
        return
    st.markdown("**Differences against scenario 1** (+ means more than scenario 1)")
    _table(differences_table(summaries))
    with st.expander("Warnings for each scenario"):
        for label, s in zip([f"{i}." for i in range(1, len(summaries) + 1)], summaries, strict=True):
            named = [WARNING_NAMES.get(code, code.replace("_", " ")) for code in s.warning_codes]
            st.text(f"{label} {'; '.join(named) if named else 'no warnings'}")
        st.caption("The Estimate page explains each warning in full.")


page_header(
    "Compare scenarios",
    "Two to four estimates side by side: for example IV infusions vs SPRAVATO, in vs out of network, "
    "with vs without a savings program.",
)

items = _saved()
full = len(items) >= MAX_COMPARE

flash = st.session_state.pop(FLASH_KEY, None)
if flash:
    level, message = flash
    {"warning": st.warning, "info": st.info, "success": st.success}.get(level, st.info)(message)

st.subheader(f"Scenarios in the comparison ({len(items)} of {MAX_COMPARE})")
if not items:
    st.info(
        "No scenarios to compare yet. On the Estimate page, set up an estimate and press "
        "'Add to comparison'; or add the estimate and its variants with the buttons below.",
        icon=":material/info:",
    )
else:
    _side_by_side(items)

st.subheader("Add variants")
if full:
    st.warning(
        f"The comparison is full ({MAX_COMPARE} scenarios). Remove one to add another.", icon=":material/warning:"
    )
_variant_buttons(full)

page_footer()

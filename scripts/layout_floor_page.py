"""A static copy of the Estimate page's default view, for the benchmark only (never part of the app).

Same elements as the page opens with SPRAVATO first year (header, crisis line, six headline figures, summary,
assumptions box, view switch, cumulative chart, comparison box, eight input sections with the course section
open, footer), but fixed numbers and no validation, estimate or link. Its rerun time is the floor any page
holding this issue's required content pays in Streamlit, whatever its calculation costs.
"""

import streamlit as st

st.title("Estimate your treatment costs")
st.caption("IV ketamine or SPRAVATO (esketamine): what you will pay, when, who pays the rest, and how to pay it.")
st.info("If you are in crisis or thinking about suicide, call or text **988**.", icon=":material/support:")
left, right = st.columns([1, 1], gap="large")
with right:
    st.subheader("Your estimate")
    cells = st.columns(2) + st.columns(2) + st.columns(2)
    for i, cell in enumerate(cells):
        cell.metric(f"Figure {i}", "$12,345.67", border=True, help="What it means.")
    st.markdown("57 treatment sessions on 57 visit days, total charges $40,000.00.  \nPlan year from Jan 1: ...")
    box = st.expander("Assumptions used", key="sec_assumptions", on_change="rerun")
    st.segmented_control(
        "Show",
        ["Over time", "By month", "Sessions", "Downloads"],
        key="view",
        default="Over time",
        label_visibility="collapsed",
    )
    points = [{"date": f"2027-{1 + i // 5:02d}-{1 + 5 * (i % 5):02d}", "year_total": 50.0 * i} for i in range(57)]
    st.vega_lite_chart(
        {
            "height": 280,
            "data": {"values": points},
            "mark": {"type": "line", "interpolate": "step-after", "point": True},
            "encoding": {
                "x": {"field": "date", "type": "temporal"},
                "y": {"field": "year_total", "type": "quantitative"},
            },
        },
        width="stretch",
    )
    st.caption("What you have paid so far in each plan year.")
    with st.container(border=True):
        c1, c2 = st.columns([3, 2], vertical_alignment="bottom")
        c1.text_input("Name for this scenario", key="compare_name", max_chars=60)
        c2.button("Add to comparison", width="stretch")
with left:
    for name in ["file", "course", "prices", "insurance", "programs", "accounts", "travel", "financing"]:
        section = st.expander(name, key="sec_" + name, on_change="rerun", expanded=name == "course")
        if name == "course" and section.open:
            with section:
                st.selectbox("Course", ["SPRAVATO first year", "Six IV infusions"], key="course")
                c1, c2 = st.columns(2)
                c1.date_input("First treatment day", key="start", format="YYYY-MM-DD")
                c2.number_input("Weeks to estimate", min_value=1, max_value=156, value=52, key="weeks")
                st.segmented_control("Dose", [56, 84], key="dose", default=84)
                st.segmented_control("From week 9", [2, 1], key="week9", default=2)
                st.caption("SPRAVATO is given only in a REMS-certified setting.")
                st.multiselect("Billed once, at the first visit", ["consult", "therapy"], key="once")
                st.multiselect("Also billed at every session", ["consult", "therapy"], key="extra")
st.divider()
st.caption("This is an estimate, not medical, legal or tax advice.")

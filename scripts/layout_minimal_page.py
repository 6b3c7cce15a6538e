"""The leanest page that still holds this issue's required content, for the benchmark only (never part of the app).

Where `layout_floor_page.py` copies the page's default view, this one strips it to the bone: the six headline
figures as one Markdown table instead of six metric cards, one chart, one switch choosing the input section
instead of eight expanders, the course inputs, the crisis line and the disclaimer. Fixed numbers, no session
state of its own, no validation, estimate or link. If even this page reruns at more than 3x a bare page, no
page with the required inputs and results can meet that ratio in this Streamlit version.
"""

import streamlit as st

st.title("Estimate your treatment costs")
st.info("If you are in crisis or thinking about suicide, call or text **988**.")
left, right = st.columns([1, 1], gap="large")
with right:
    st.markdown(
        "| You pay | After tax savings | Insurance pays |\n|-|-|-|\n| $1,234.56 | $1,000.00 | $9,876.54 |\n\n"
        "| Program pays | Per session | Monthly payment |\n|-|-|-|\n| $500.00 | $21.66 | $102.88 |"
    )
    points = [{"date": f"2027-{1 + i // 5:02d}-{1 + 5 * (i % 5):02d}", "year_total": 50.0 * i} for i in range(57)]
    st.vega_lite_chart(
        {
            "height": 280,
            "data": {"values": points},
            "mark": {"type": "line"},
            "encoding": {
                "x": {"field": "date", "type": "temporal"},
                "y": {"field": "year_total", "type": "quantitative"},
            },
        },
        width="stretch",
    )
with left:
    names = ["file", "course", "prices", "insurance", "programs", "accounts", "travel", "financing"]
    if st.segmented_control("Section", names, key="sec", default="course") == "course":
        st.selectbox("Course", ["SPRAVATO first year", "Six IV infusions"], key="course")
        c1, c2 = st.columns(2)
        c1.date_input("First treatment day", key="start", format="YYYY-MM-DD")
        c2.number_input("Weeks to estimate", min_value=1, max_value=156, value=52, key="weeks")
        st.segmented_control("Dose", [56, 84], key="dose", default=84)
        st.segmented_control("From week 9", [2, 1], key="week9", default=2)
        st.multiselect("Billed once, at the first visit", ["consult", "therapy"], key="once")
        st.multiselect("Also billed at every session", ["consult", "therapy"], key="extra")
st.caption("This is an estimate, not medical, legal or tax advice.")

"""Altair charts of a result (drawing only; the data comes from estimator.timeline)."""

from __future__ import annotations

import altair as alt
import pandas as pd

from estimator.result import Result
from estimator.timeline import cumulative_points, monthly_by_payer, plan_year_resets

PAYER_COLORS = {"You": "#c0504d", "Insurance": "#2f6f73", "Savings program": "#e3a33b"}


def cumulative_chart(result: Result, oop_limit: float | None) -> alt.LayerChart | None:
    """Cumulative out-of-pocket within each plan year, with resets and the OOP-maximum date marked."""
    points = cumulative_points(result)
    if not points:
        return None
    df = pd.DataFrame(
        {
            "Date": [p.date.isoformat() for p in points],
            "Paid this visit": [float(p.you_pay) for p in points],
            "You have paid (plan year)": [float(p.cumulative_in_plan_year) for p in points],
            "You have paid (whole course)": [float(p.cumulative) for p in points],
            "Plan year": [f"from {p.plan_year.isoformat()}" for p in points],
        }
    )
    tooltip = [
        alt.Tooltip("Date:T"),
        alt.Tooltip("Paid this visit:Q", format="$,.2f"),
        alt.Tooltip("You have paid (plan year):Q", format="$,.2f"),
        alt.Tooltip("You have paid (whole course):Q", format="$,.2f"),
    ]
    span = (points[-1].date - points[0].date).days
    base = alt.Chart(df).encode(x=alt.X("Date:T", title=None, axis=alt.Axis(format="%b %d" if span < 120 else "%b %Y")))
    line = base.mark_line(interpolate="step-after", point=True, strokeWidth=2.5).encode(
        y=alt.Y("You have paid (plan year):Q", title="You have paid this plan year", axis=alt.Axis(format="$,.0f")),
        color=alt.Color("Plan year:N", legend=alt.Legend(orient="bottom", title="Plan year")),
        tooltip=tooltip,
    )
    layers: list[alt.Chart] = [line]
    marks = [{"Date": d.isoformat(), "Event": "Plan year resets"} for d in plan_year_resets(result)]
    marks += [
        {"Date": py.oop_reached_on.isoformat(), "Event": "Out-of-pocket maximum reached"}
        for py in result.by_plan_year
        if py.oop_reached_on
    ]
    if marks:
        ev = alt.Chart(pd.DataFrame(marks)).encode(x="Date:T")
        layers.append(ev.mark_rule(strokeDash=[5, 4], color="#555").encode(tooltip=[alt.Tooltip("Event:N"), "Date:T"]))
        layers.append(
            ev.mark_text(align="left", dx=4, dy=-6, fontSize=11, color="#333").encode(text="Event:N", y=alt.value(10))
        )
    if oop_limit and max(p.cumulative_in_plan_year for p in points) >= oop_limit * 0.4:
        layers.append(
            alt.Chart(pd.DataFrame({"limit": [oop_limit], "label": ["Out-of-pocket maximum"]}))
            .mark_rule(color="#c0504d", strokeDash=[2, 2])
            .encode(y="limit:Q", tooltip=[alt.Tooltip("label:N"), alt.Tooltip("limit:Q", format="$,.2f")])
        )
    return alt.layer(*layers).properties(height=280)


def monthly_chart(result: Result) -> alt.Chart | None:
    """Who pays what each month, stacked."""
    shares = monthly_by_payer(result)
    if not shares:
        return None
    df = pd.DataFrame(
        {
            "Month": [s.month for s in shares],
            "Who pays": [s.payer for s in shares],
            "Amount": [float(s.amount) for s in shares],
        }
    )
    df = df[df["Amount"] > 0]
    return (
        alt.Chart(df)
        .mark_bar()
        .encode(
            x=alt.X("Month:O", title=None, axis=alt.Axis(labelAngle=0)),
            y=alt.Y("sum(Amount):Q", title="Amount", axis=alt.Axis(format="$,.0f")),
            color=alt.Color(
                "Who pays:N",
                scale=alt.Scale(domain=list(PAYER_COLORS), range=list(PAYER_COLORS.values())),
                legend=alt.Legend(orient="bottom"),
            ),
            tooltip=["Month:O", "Who pays:N", alt.Tooltip("Amount:Q", format="$,.2f")],
        )
        .properties(height=260)
    )

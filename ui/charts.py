"""Vega-Lite chart specs of a result (drawing only; the data comes from estimator.timeline).

Specs are plain dicts for `st.vega_lite_chart`: building them directly is ~50x faster than Altair's
schema-validated objects, which keeps a rerun within the app's time budget.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from estimator.result import Result
from estimator.timeline import cumulative_points, monthly_by_payer, plan_year_resets
from ui.common import fmt_day

PAYER_COLORS = {"You": "#c0504d", "Insurance": "#2f6f73", "Savings program": "#e3a33b"}
Spec = dict[str, Any]


def cumulative_chart(result: Result) -> Spec | None:
    """Cumulative out-of-pocket within each plan year, with resets and the OOP-maximum date marked."""
    points = cumulative_points(result)
    if not points:
        return None
    values = [
        {
            "date": p.date.isoformat(),
            "visit": float(p.you_pay),
            "year_total": float(p.cumulative_in_plan_year),
            "course_total": float(p.cumulative),
            "plan_year": f"from {fmt_day(p.plan_year)}",
        }
        for p in points
    ]
    span = (points[-1].date - points[0].date).days
    x = {"field": "date", "type": "temporal", "title": None, "axis": {"format": "%b %d" if span < 120 else "%b %Y"}}
    layers: list[Spec] = [
        {
            "data": {"values": values},
            "mark": {"type": "line", "interpolate": "step-after", "point": True, "strokeWidth": 2.5},
            "encoding": {
                "x": x,
                "y": {
                    "field": "year_total",
                    "type": "quantitative",
                    "title": "You have paid this plan year",
                    "axis": {"format": "$,.0f"},
                },
                "color": {
                    "field": "plan_year",
                    "type": "nominal",
                    "legend": {"orient": "bottom", "title": "Plan year"},
                },
                "tooltip": [
                    {"field": "date", "type": "temporal", "title": "Date"},
                    {"field": "visit", "type": "quantitative", "title": "Paid this visit", "format": "$,.2f"},
                    {"field": "year_total", "type": "quantitative", "title": "Paid this plan year", "format": "$,.2f"},
                    {"field": "course_total", "type": "quantitative", "title": "Paid in all", "format": "$,.2f"},
                ],
            },
        }
    ]
    # Vertical marks only. A horizontal line at the out-of-pocket maximum would mislead: the maximum also
    # counts amounts met before the course and savings-program payments, and not uncovered services or
    # balance bills, so "what you have paid" can reach it far below the line or run above it.
    events = [("Plan year resets", plan_year_resets(result))]
    events.append(
        ("Out-of-pocket maximum reached", [py.oop_reached_on for py in result.by_plan_year if py.oop_reached_on])
    )
    for row, (event, dates) in enumerate(events):
        if not dates:
            continue
        marks = [{"date": d.isoformat(), "event": event} for d in dates]
        layers.append(
            {
                "data": {"values": marks},
                "mark": {"type": "rule", "strokeDash": [5, 4], "color": "#555"},
                "encoding": {"x": {"field": "date", "type": "temporal"}, "tooltip": [{"field": "event"}]},
            }
        )
        layers.append(  # each kind of mark labelled on its own line, so labels of nearby dates never overlap
            {
                "data": {"values": marks},
                "mark": {
                    "type": "text",
                    "align": "left",
                    "dx": 4,
                    "dy": 10 + 16 * row,
                    "fontSize": 11,
                    "color": "#333",
                },
                "encoding": {"x": {"field": "date", "type": "temporal"}, "y": {"value": 0}, "text": {"field": "event"}},
            }
        )
    return {"height": 280, "layer": layers}


def cumulative_caption(result: Result, *, insured: bool) -> str:
    """What the cumulative chart shows, naming only the marks it has."""
    text = "What you have paid so far in each plan year."
    if plan_year_resets(result):
        text += " Dashed lines mark where a new plan year starts"
        text += " and where the out-of-pocket maximum is reached." if insured else "."
    elif insured:
        text += " A dashed line marks the date the out-of-pocket maximum is reached, if it is."
    if insured:
        text += (
            " Amounts met before the course and savings-program payments count toward that maximum too, so it can"
            " be reached before your own payments add up to it."
        )
    return text


def month_label(month: str) -> str:
    """ "2026-11" as "Nov 2026", the style the other chart's axis uses."""
    return f"{dt.date(int(month[:4]), int(month[5:7]), 1):%b %Y}"


def monthly_chart(result: Result) -> Spec | None:
    """Who pays what each month, stacked."""
    values = [
        {"month": month_label(s.month), "payer": s.payer, "amount": float(s.amount)}
        for s in monthly_by_payer(result)
        if s.amount
    ]
    if not values:
        return None
    return {
        "height": 260,
        "data": {"values": values},
        "mark": "bar",
        "encoding": {
            "x": {
                "field": "month",
                "type": "ordinal",
                "sort": None,  # data order is calendar order
                "title": None,
                # "Nov 2026" on two lines, so a year of months fits a phone; crowded labels are thinned.
                "axis": {"labelAngle": 0, "labelExpr": "split(datum.label, ' ')", "labelOverlap": "greedy"},
            },
            "y": {
                "aggregate": "sum",
                "field": "amount",
                "type": "quantitative",
                "title": "Amount",
                "axis": {"format": "$,.0f"},
            },
            "color": {
                "field": "payer",
                "type": "nominal",
                "title": "Who pays",
                "scale": {"domain": list(PAYER_COLORS), "range": list(PAYER_COLORS.values())},
                "legend": {"orient": "bottom"},
            },
            "tooltip": [
                {"field": "month", "title": "Month"},
                {"field": "payer", "title": "Who pays"},
                {"field": "amount", "type": "quantitative", "title": "Amount", "format": "$,.2f"},
            ],
        },
    }

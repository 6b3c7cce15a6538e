"""Vega-Lite chart specs of a result (drawing only; the data comes from estimator.timeline).

Specs are plain dicts for `st.vega_lite_chart`: building them directly is ~50x faster than Altair's
schema-validated objects, which keeps a rerun within the app's time budget.
"""

from __future__ import annotations

from typing import Any

from estimator.result import Result
from estimator.timeline import cumulative_points, monthly_by_payer, plan_year_resets
from ui.common import fmt_day

PAYER_COLORS = {"You": "#c0504d", "Insurance": "#2f6f73", "Savings program": "#e3a33b"}
Spec = dict[str, Any]


def cumulative_chart(result: Result, oop_limit: float | None) -> Spec | None:
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
    marks = [{"date": d.isoformat(), "event": "Plan year resets"} for d in plan_year_resets(result)]
    marks += [
        {"date": py.oop_reached_on.isoformat(), "event": "Out-of-pocket maximum reached"}
        for py in result.by_plan_year
        if py.oop_reached_on
    ]
    if marks:
        layers.append(
            {
                "data": {"values": marks},
                "mark": {"type": "rule", "strokeDash": [5, 4], "color": "#555"},
                "encoding": {"x": {"field": "date", "type": "temporal"}, "tooltip": [{"field": "event"}]},
            }
        )
        layers.append(
            {
                "data": {"values": marks},
                "mark": {"type": "text", "align": "left", "dx": 4, "dy": 10, "fontSize": 11, "color": "#333"},
                "encoding": {"x": {"field": "date", "type": "temporal"}, "y": {"value": 0}, "text": {"field": "event"}},
            }
        )
    if oop_limit and max(p.cumulative_in_plan_year for p in points) >= oop_limit * 0.4:
        layers.append(
            {
                "data": {"values": [{"limit": oop_limit, "label": "Out-of-pocket maximum"}]},
                "mark": {"type": "rule", "color": "#c0504d", "strokeDash": [2, 2]},
                "encoding": {
                    "y": {"field": "limit", "type": "quantitative"},
                    "tooltip": [{"field": "label"}, {"field": "limit", "format": "$,.2f"}],
                },
            }
        )
    return {"height": 280, "layer": layers}


def monthly_chart(result: Result) -> Spec | None:
    """Who pays what each month, stacked."""
    values = [
        {"month": s.month, "payer": s.payer, "amount": float(s.amount)} for s in monthly_by_payer(result) if s.amount
    ]
    if not values:
        return None
    return {
        "height": 260,
        "data": {"values": values},
        "mark": "bar",
        "encoding": {
            "x": {"field": "month", "type": "ordinal", "title": None, "axis": {"labelAngle": 0}},
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

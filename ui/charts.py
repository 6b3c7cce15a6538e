"""Vega-Lite chart specs of a result (drawing only; the data comes from estimator.timeline).

Specs are plain dicts for `st.vega_lite_chart`: building them directly is ~50x faster than Altair's
schema-validated objects, which keeps a rerun within the app's time budget.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from estimator.money import fmt_usd
from estimator.result import Result
from estimator.timeline import CumulativePoint, cumulative_points, monthly_by_payer, plan_year_resets
from ui.common import fmt_day

PAYER_COLORS = {"You": "#c0504d", "Insurance": "#2f6f73", "Savings program": "#e3a33b"}
Spec = dict[str, Any]


RESET = "Plan year resets"
REACHED = "Out-of-pocket maximum reached"
MARK_DASH = {RESET: [6, 4], REACHED: [2, 2]}


def cumulative_chart(result: Result, *, insured: bool) -> Spec | None:
    """What the patient has paid over time: within each plan year when insured (with resets and the
    OOP-maximum dates marked), over the whole course for self-pay (no plan year matters to its prices)."""
    points = cumulative_points(result)
    if not points:
        return None
    values = [
        {
            "date": p.date.isoformat(),
            "visit": float(p.you_pay),
            "total": float(p.cumulative_in_plan_year if insured else p.cumulative),
            "course_total": float(p.cumulative),
            "plan_year": f"from {fmt_day(p.plan_year)}",
        }
        for p in points
    ]
    span = (points[-1].date - points[0].date).days
    # At most one tick a month on longer courses, so "%b %Y" never repeats a label.
    axis: Spec = {"format": "%b %d"} if span < 120 else {"format": "%b %Y", "tickCount": {"interval": "month"}}
    x = {"field": "date", "type": "temporal", "title": None, "axis": {**axis, "labelOverlap": "greedy"}}
    tooltip: list[Spec] = [
        {"field": "date", "type": "temporal", "title": "Date"},
        {"field": "visit", "type": "quantitative", "title": "Paid this visit", "format": "$,.2f"},
    ]
    if insured:
        tooltip += [
            {"field": "total", "type": "quantitative", "title": "Paid this plan year", "format": "$,.2f"},
            {"field": "course_total", "type": "quantitative", "title": "Paid in all", "format": "$,.2f"},
        ]
    else:
        tooltip.append({"field": "total", "type": "quantitative", "title": "Paid in all", "format": "$,.2f"})
    line: Spec = {
        "data": {"values": values},
        "mark": {"type": "line", "interpolate": "step-after", "point": True, "strokeWidth": 2.5},
        "encoding": {
            "x": x,
            "y": {
                "field": "total",
                "type": "quantitative",
                "title": "You have paid this plan year" if insured else "You have paid so far",
                "axis": {"format": "$,.0f"},
            },
            "tooltip": tooltip,
        },
    }
    if insured:  # one colour per plan year; two legend columns fit a phone
        line["encoding"]["color"] = {
            "field": "plan_year",
            "type": "nominal",
            "legend": {"orient": "bottom", "title": "Plan year", "columns": 2},
        }
    else:
        line["mark"] |= {"color": PAYER_COLORS["You"], "point": {"color": PAYER_COLORS["You"]}}
    layers: list[Spec] = [line]
    marks = chart_marks(result) if insured else []
    if marks:
        # Told apart by their dash and named in a legend above the chart: text labels on the chart collided
        # with each other and with the line, which peaks right where a plan year ends.
        kinds = [k for k in MARK_DASH if any(m["event"] == k for m in marks)]
        layers.append(
            {
                "data": {"values": marks},
                "mark": {"type": "rule", "strokeWidth": 1.5, "color": "#555555"},
                "encoding": {
                    "x": {"field": "date", "type": "temporal"},
                    "strokeDash": {
                        "field": "event",
                        "type": "nominal",
                        "scale": {"domain": kinds, "range": [MARK_DASH[k] for k in kinds]},
                        "legend": {
                            "orient": "top",
                            "title": None,
                            "columns": 1,  # one per line: two side by side were cut off on a phone
                            "labelLimit": 0,
                            "symbolType": "stroke",
                            "symbolStrokeWidth": 1.5,
                            "symbolStrokeColor": "#555555",
                        },
                    },
                    "tooltip": [{"field": "event", "title": "Mark"}, {"field": "label", "title": "Date"}],
                },
            }
        )
    # Streamlit fits the whole chart, legends included, into this height: more legend rows, taller chart.
    legend_rows = (len({v["plan_year"] for v in values}) + 1) // 2 if insured else 0
    return {
        "height": 270 + 22 * (legend_rows + len({m["event"] for m in marks})),
        "description": cumulative_description(result, insured=insured),
        "layer": layers,
    }


def cumulative_description(result: Result, *, insured: bool) -> str:
    """The cumulative chart in words, its figures included: a screen reader reads it as the chart's label (Vega
    sets the spec's description as the chart's aria-label)."""
    points = cumulative_points(result)
    if not points:
        return ""
    last = points[-1]
    if not insured:
        return (
            f"Line chart of what you have paid so far: {fmt_usd(last.cumulative)} by {fmt_day(last.date)}, "
            f"over {len(points)} visit days from {fmt_day(points[0].date)}."
        )
    years: dict[dt.date, CumulativePoint] = {}
    for p in points:
        years[p.plan_year] = p  # the last point of each plan year
    parts = [
        f"{fmt_usd(p.cumulative_in_plan_year)} in the plan year from {fmt_day(year)} (by {fmt_day(p.date)})"
        for year, p in years.items()
    ]
    text = "Line chart of what you have paid so far in each plan year: " + "; ".join(parts) + "."
    reached = [m["label"] for m in chart_marks(result) if m["event"] == REACHED]
    if reached:
        text += " The out-of-pocket maximum is reached on " + " and ".join(reached) + "."
    return text


def chart_marks(result: Result) -> list[dict[str, str]]:
    """The cumulative chart's vertical marks: plan-year resets and the dates the OOP maximum is reached."""
    marks = [{"date": d.isoformat(), "label": fmt_day(d), "event": RESET} for d in plan_year_resets(result)]
    marks += [
        {"date": py.oop_reached_on.isoformat(), "label": fmt_day(py.oop_reached_on), "event": REACHED}
        for py in result.by_plan_year
        if py.oop_reached_on
    ]
    return marks


def cumulative_caption(result: Result, *, insured: bool) -> str:
    """What the cumulative chart shows, naming only the marks it draws."""
    if not insured:
        return "What you have paid so far over the course."
    kinds = {m["event"] for m in chart_marks(result)}
    text = "What you have paid so far in each plan year."
    if kinds == {RESET, REACHED}:
        text += (
            " The lines named above the chart mark where a new plan year starts and where the out-of-pocket"
            " maximum is reached."
        )
    elif kinds == {RESET}:
        text += " The dashed line marks where a new plan year starts."
    elif kinds == {REACHED}:
        text += " The dotted line marks where the out-of-pocket maximum is reached."
    if REACHED in kinds:
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
        for s in monthly_by_payer(result)  # zeros kept: a month without a visit keeps its place on the axis
    ]
    if not any(v["amount"] for v in values):
        return None
    return {
        "height": 260,
        "description": monthly_description(result),
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


PAYER_WORDS = {"You": "you pay", "Insurance": "insurance pays", "Savings program": "savings programs pay"}


def monthly_description(result: Result) -> str:
    """The monthly chart in words (its aria-label): the months it spans and who pays how much in all."""
    shares = monthly_by_payer(result)
    if not shares:
        return ""
    months = sorted({s.month for s in shares})
    totals: dict[str, Decimal] = {}
    for s in shares:
        totals[s.payer] = totals.get(s.payer, Decimal(0)) + s.amount
    paid = [f"{PAYER_WORDS.get(payer, payer)} {fmt_usd(amount)}" for payer, amount in totals.items() if amount]
    span = month_label(months[0]) if len(months) == 1 else f"{month_label(months[0])} to {month_label(months[-1])}"
    return f"Bar chart of who pays what in each month, {span}. In all, " + ", ".join(paid) + "."

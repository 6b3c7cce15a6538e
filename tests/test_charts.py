"""The chart specs and their captions, checked as data (ui.charts is pure: a result in, a Vega-Lite dict out)."""

from __future__ import annotations

import json

from estimator import estimate
from estimator.result import Result
from estimator.scenario_io import scenario_from_json
from tests.conftest import CASES_DIR, case_path
from ui.charts import (
    REACHED,
    RESET,
    cumulative_caption,
    cumulative_chart,
    cumulative_description,
    month_label,
    monthly_chart,
    monthly_description,
)


def _result(case: str) -> Result:
    return estimate(scenario_from_json(case_path(case).read_text()))


def _marks(spec: dict) -> list[tuple[str, str]]:
    return [
        (v["event"], v["date"])
        for layer in spec["layer"]
        if layer["mark"]["type"] == "rule"
        for v in layer["data"]["values"]
    ]


def test_cumulative_chart_marks_resets_and_the_oop_date_but_draws_no_oop_line() -> None:
    """A horizontal line at the OOP maximum misled: the maximum also counts amounts met before the course and
    program payments, so the patient's own total reached it far below the line."""
    result = _result("06_spravato_plan_year_withme")
    spec = cumulative_chart(result, insured=True)
    assert spec is not None
    reached = [py.oop_reached_on.isoformat() for py in result.by_plan_year if py.oop_reached_on]
    assert reached, "the case reaches its OOP maximum"
    marks = _marks(spec)
    assert [d for e, d in marks if e == REACHED] == reached
    assert [d for e, d in marks if e == RESET] == [py.plan_year.isoformat() for py in result.by_plan_year[1:]]
    assert not any("y" in layer["encoding"] for layer in spec["layer"] if layer["mark"]["type"] == "rule")
    # Marks are told apart by their dash and named in a legend, never by text drawn over the line.
    assert not any(layer["mark"]["type"] == "text" for layer in spec["layer"])
    rule = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "rule")
    assert rule["encoding"]["strokeDash"]["scale"]["domain"] == [RESET, REACHED]
    json.dumps(spec)  # plain data, as st.vega_lite_chart needs


def test_self_pay_plots_the_course_total_without_plan_years() -> None:
    result = _result("04_six_iv_self_pay_package")
    spec = cumulative_chart(result, insured=False)
    assert spec is not None and len(spec["layer"]) == 1
    line = spec["layer"][0]
    assert "color" not in line["encoding"] and line["encoding"]["y"]["title"] == "You have paid so far"
    assert line["data"]["values"][-1]["total"] == float(result.totals.patient_pays)


def test_cumulative_caption_names_only_the_marks_the_chart_draws() -> None:
    both = cumulative_caption(_result("06_spravato_plan_year_withme"), insured=True)
    assert "new plan year" in both and "out-of-pocket maximum is reached" in both
    assert "Amounts met before the course" in both
    assert cumulative_caption(_result("04_six_iv_self_pay_package"), insured=False) == (
        "What you have paid so far over the course."
    )
    for case in CASES_DIR.glob("*.json"):
        if case.name.endswith(".expected.json"):
            continue
        result = _result(case.stem)
        text = cumulative_caption(result, insured=True)
        kinds = {e for e, _ in _marks(cumulative_chart(result, insured=True) or {"layer": []})}
        assert ("new plan year" in text) == (RESET in kinds), case.name
        assert ("maximum is reached" in text) == (REACHED in kinds), case.name
        assert ("Amounts met before" in text) == (REACHED in kinds), case.name


def test_months_read_like_the_other_chart_and_stay_in_calendar_order() -> None:
    assert month_label("2026-11") == "Nov 2026" and month_label("2027-01") == "Jan 2027"
    spec = monthly_chart(_result("06_spravato_plan_year_withme"))
    assert spec is not None and spec["encoding"]["x"]["sort"] is None
    months = list(dict.fromkeys(v["month"] for v in spec["data"]["values"]))
    assert months[:3] == ["Nov 2026", "Dec 2026", "Jan 2027"]  # calendar order, not alphabetical


def test_each_chart_carries_its_figures_in_words_for_a_screen_reader() -> None:
    """Vega makes a spec's description the chart's aria-label: the text alternative of a drawing."""
    insured = _result("06_spravato_plan_year_withme")
    spec = cumulative_chart(insured, insured=True)
    assert spec is not None and spec["description"] == cumulative_description(insured, insured=True)
    assert spec["description"] == (
        "Line chart of what you have paid so far in each plan year: $1,500.00 in the plan year from Jan 1, 2026"
        " (by Dec 28, 2026); $1,890.00 in the plan year from Jan 1, 2027 (by Oct 18, 2027). The out-of-pocket"
        " maximum is reached on Oct 18, 2027."
    )
    monthly = monthly_chart(insured)
    assert monthly is not None and monthly["description"] == monthly_description(insured)
    assert monthly["description"] == (
        "Bar chart of who pays what in each month, Nov 2026 to Oct 2027. In all, you pay $3,390.00, insurance"
        " pays $34,225.00, savings programs pay $10,810.00."
    )
    self_pay = _result("04_six_iv_self_pay_package")
    assert cumulative_description(self_pay, insured=False) == (
        "Line chart of what you have paid so far: $3,050.00 by Jun 18, 2026, over 6 visit days from Jun 1, 2026."
    )
    assert monthly_description(self_pay) == (
        "Bar chart of who pays what in each month, Jun 2026. In all, you pay $3,050.00."
    )

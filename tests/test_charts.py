"""The chart specs and their captions, checked as data (ui.charts is pure: a result in, a Vega-Lite dict out)."""

from __future__ import annotations

import json

from estimator import estimate
from estimator.io import scenario_from_json
from estimator.result import Result
from tests.conftest import CASES_DIR
from ui.charts import cumulative_caption, cumulative_chart, month_label, monthly_chart


def _result(case: str) -> Result:
    return estimate(scenario_from_json((CASES_DIR / f"{case}.json").read_text()))


def _marks(spec: dict) -> list[tuple[str, str]]:
    return [
        (v["event"], v["date"])
        for layer in spec["layer"]
        if layer["mark"]["type"] == "text"
        for v in layer["data"]["values"]
    ]


def test_cumulative_chart_marks_resets_and_the_oop_date_but_draws_no_oop_line() -> None:
    """A horizontal line at the OOP maximum misled: the maximum also counts amounts met before the course and
    program payments, so the patient's own total reached it far below the line."""
    result = _result("06_spravato_plan_year_withme")
    spec = cumulative_chart(result)
    assert spec is not None
    reached = [py.oop_reached_on.isoformat() for py in result.by_plan_year if py.oop_reached_on]
    assert reached, "the case reaches its OOP maximum"
    marks = _marks(spec)
    assert [d for e, d in marks if e == "Out-of-pocket maximum reached"] == reached
    assert any(e == "Plan year resets" for e, _ in marks)
    assert not any("y" in layer["encoding"] and layer["mark"]["type"] == "rule" for layer in spec["layer"])
    dys = {layer["mark"]["dy"] for layer in spec["layer"] if layer["mark"]["type"] == "text"}
    assert len(dys) == 2  # each kind of mark labelled on its own line, so nearby labels never overlap
    json.dumps(spec)  # plain data, as st.vega_lite_chart needs


def test_cumulative_caption_names_only_the_marks_the_chart_has() -> None:
    insured = cumulative_caption(_result("06_spravato_plan_year_withme"), insured=True)
    assert "new plan year" in insured and "out-of-pocket maximum is reached" in insured
    assert "Amounts met before the course" in insured
    self_pay = cumulative_caption(_result("04_six_iv_self_pay_package"), insured=False)
    assert "out-of-pocket" not in self_pay and self_pay.startswith("What you have paid")


def test_months_read_like_the_other_chart_and_stay_in_calendar_order() -> None:
    assert month_label("2026-11") == "Nov 2026" and month_label("2027-01") == "Jan 2027"
    spec = monthly_chart(_result("06_spravato_plan_year_withme"))
    assert spec is not None and spec["encoding"]["x"]["sort"] is None
    months = list(dict.fromkeys(v["month"] for v in spec["data"]["values"]))
    assert months[:3] == ["Nov 2026", "Dec 2026", "Jan 2027"]  # calendar order, not alphabetical

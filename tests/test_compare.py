"""Comparison summaries and one-click variants (estimator.workflows.compare)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from estimator.engine import estimate
from estimator.models import Scenario, billed_services
from estimator.presets import course_preset, example_prices, plan_preset
from estimator.scenario_io import scenario_from_data
from estimator.workflows.compare import (
    DIFF_FIGURES,
    FIGURES,
    chart_rows,
    column_labels,
    comparison_table,
    default_scenario,
    differences,
    differences_table,
    start_variant,
    summarize,
    variants,
)

TODAY = dt.date(2026, 3, 10)


def _scenario(course: str = "spravato_6m", plan: str = "hdhp_2026", **extra: object) -> Scenario:
    preset = course_preset(course)
    prices = example_prices()
    return scenario_from_data(
        {
            "version": 1,
            "name": extra.pop("name", "Base"),
            "start_date": extra.pop("start_date", TODAY),
            "horizon_weeks": preset.horizon_weeks,
            "protocol": preset.protocol.model_dump(),
            "fees": [f.model_dump() for f in prices.scenario_fees()],
            "packages": [p.model_dump() for p in prices.scenario_packages()],
            "coverage": extra.pop("coverage", plan_preset(plan).coverage.model_dump()),
            **extra,
        }
    )


def _by_kind(scenario: Scenario) -> dict[str, Scenario]:
    return {v.kind: v.scenario for v in variants(scenario, TODAY)}


def test_summary_figures() -> None:
    s = _scenario(
        accounts={"hsa_available": "1000", "federal_rate_pct": "22"},
        financing={"apr_pct": "0", "months": 12},
        coverage={
            "kind": "commercial",
            "in_network": {"deductible": "500", "coinsurance_pct": "20", "oop_max": "1500"},
            "services": {s: {"covered": True} for s in billed_services(course_preset("spravato_6m").protocol)},
        },
    )
    r = estimate(s)
    summary = summarize("mine", s, r)
    assert summary.name == "mine"
    assert summary.you_pay == r.totals.patient_pays == Decimal("1500.00")
    assert summary.total_charges == r.totals.charges
    assert summary.insurance_pays == r.totals.plan_pays
    assert summary.program_pays == r.totals.program_pays
    assert summary.after_tax_savings == r.accounts.net_cost < summary.you_pay
    assert summary.sessions == 21
    assert summary.average_per_session == Decimal("71.43")  # 1500 / 21 = 71.428... half-up
    assert summary.monthly_payment == Decimal("125.00")
    assert summary.oop_max_reached_on is not None
    assert summary.oop_max_reached_on == r.by_plan_year[0].oop_reached_on
    assert summary.you_pay_by_plan_year == ((dt.date(2026, 1, 1), Decimal("1500.00")),)
    assert summarize("mine", s) == summary  # estimated on its own when no result is given


def test_summary_without_extras() -> None:
    summary = summarize("", _scenario(plan="self_pay"))
    assert summary.after_tax_savings is None  # shown as "no HSA/FSA", not a copy of "You pay"
    assert summary.monthly_payment is None
    assert summary.oop_max_reached_on is None


def test_average_rounds_half_up() -> None:
    # Six IV infusions, self-pay, no package: 350 + 6 x 550 = 3650; 3650 / 6 = 608.333...
    s = _scenario("iv6", "self_pay", packages=[])
    assert summarize("", s).average_per_session == Decimal("608.33")
    s = _scenario(
        "iv6",
        "self_pay",
        packages=[],
        fees=[{"service": "consult", "charge": "0.03"}, {"service": "iv_infusion", "charge": "0"}],
    )
    assert summarize("", s).average_per_session == Decimal("0.01")  # 0.005 rounds up


def test_differences_against_the_first() -> None:
    base = _scenario()
    other = _by_kind(base)["programs"]  # with the withMe program (the base has none)
    summaries = [summarize("a", base), summarize("b", other)]
    (diff,) = differences(summaries)
    assert set(diff) == set(DIFF_FIGURES)
    assert diff["you_pay"] == summaries[1].you_pay - summaries[0].you_pay < 0
    assert diff["program_pays"] == summaries[1].program_pays > 0
    assert diff["sessions"] == 0
    assert diff["monthly_payment"] is None
    assert differences([]) == [] and differences(summaries[:1]) == []


def test_tables_and_chart_rows() -> None:
    base = _scenario(name="Same")
    summaries = [summarize("Same", base), summarize("Same", _by_kind(base)["network"])]
    labels = column_labels(summaries)
    assert labels == ["1. Same", "2. Same"]  # equal names never collide
    table = comparison_table(summaries)
    assert [r["Figure"] for r in table] == [label for _, label in FIGURES[:-1]] + ["You pay, plan year from 2026-01-01"]
    by_figure = {r["Figure"]: r for r in table}
    assert by_figure["You pay"][labels[0]].startswith("$")
    assert by_figure["Net cost after tax savings"][labels[0]] == "no HSA/FSA"  # not a copy of "You pay"
    # what each column is a course of, from when and for how long (issue 17: a course and weeks row)
    assert by_figure["Course"][labels[0]] == "SPRAVATO 84 mg"  # the example is the SPRAVATO first 6 months
    assert by_figure["Starts"][labels[0]] == base.start_date.isoformat()
    assert by_figure["Weeks estimated"][labels[0]] == f"{base.horizon_weeks} weeks"
    diffs = differences_table(summaries)
    assert list(diffs[0]) == ["Figure", "2. Same"]
    assert diffs[3]["2. Same"].startswith("+$")
    rows = chart_rows(summaries)
    assert len(rows) == 6 and {r["payer"] for r in rows} == {"You pay", "Insurance pays", "Savings programs pay"}
    assert [r["number"] for r in rows] == [1, 1, 1, 2, 2, 2]  # the chart labels groups by number


def test_variants_are_valid_and_named() -> None:
    base = _scenario(name="Base")
    found = variants(base, TODAY)
    assert {v.kind for v in found} == {"course", "network", "programs", "start"}
    for v in found:
        assert isinstance(v.scenario, Scenario)
        assert Scenario.model_validate(v.scenario.model_dump()) == v.scenario
        assert v.scenario.name.startswith("Base - ") and len(v.scenario.name) <= 200
        assert v.label and v.description
        estimate(v.scenario)
    names = [v.scenario.name for v in found]
    assert len(set(names)) == len(names)


def test_course_variant_swaps_protocol_keeps_coverage_and_fills_fees() -> None:
    base = _scenario(
        "spravato_6m",
        fees=[
            {"service": "consult", "charge": "200"},
            {"service": "spravato_drug", "charge": "300"},
            {"service": "spravato_observation", "charge": "250"},
        ],
        packages=[],
    )
    iv = _by_kind(base)["course"]
    assert iv.protocol.type == "iv_ketamine" and iv.horizon_weeks == course_preset("iv6").horizon_weeks
    assert iv.coverage == base.coverage and iv.savings_programs == base.savings_programs
    fees = {f.service: f.charge for f in iv.fees}
    assert fees["consult"] == Decimal("200.00")  # the scenario's own price is kept
    assert fees["iv_infusion"] == Decimal("550.00")  # filled from the example list
    back = _by_kind(_scenario("iv6"))["course"]
    assert back.protocol.type == "spravato"
    custom = [v.scenario.protocol.type for v in variants(_scenario("custom"), TODAY) if v.kind == "course"]
    assert sorted(custom) == ["iv_ketamine", "spravato"]


def test_network_variant_differs_and_needs_the_tier() -> None:
    base = _scenario()
    out = _by_kind(base)["network"]
    assert out.coverage.network == "out"
    assert summarize("", out).you_pay != summarize("", base).you_pay
    assert _by_kind(out)["network"].coverage.network == "in"
    # No out-of-network benefit: not offered. Self-pay: not offered.
    assert "network" not in _by_kind(_scenario(plan="medicare_b_2026"))
    assert "network" not in _by_kind(_scenario(plan="self_pay"))


def test_without_program_pays_at_least_as_much() -> None:
    base = _scenario(
        savings_programs=[
            {"name": "withMe", "services": ["spravato_drug"], "patient_pays_per_session": "10", "annual_max": "7150"}
        ]
    )
    without = _by_kind(base)["programs"]
    assert without.savings_programs == []
    assert summarize("", without).you_pay >= summarize("", base).you_pay
    assert summarize("", without).program_pays == 0
    # Without a program, the variant adds the withMe template, which pays something here.
    with_program = _by_kind(without)["programs"]
    assert len(with_program.savings_programs) == 1
    assert summarize("", with_program).you_pay <= summarize("", without).you_pay
    # Not offered for a course the program pays nothing for.
    assert "programs" not in _by_kind(_scenario("iv6"))


def test_start_variants() -> None:
    tier = {"deductible": "1700", "deductible_met": "500", "coinsurance_pct": "20", "oop_max": "8500", "oop_met": "600"}
    cov = {
        "kind": "commercial",
        "in_network": tier,
        "plan_year_start": "07-01",
        "services": {"consult": {"covered": True}},
    }
    base = _scenario(coverage=cov, start_date=dt.date(2026, 3, 16))
    nxt = start_variant(base, TODAY)
    assert nxt is not None and nxt.scenario.start_date == dt.date(2026, 7, 1)
    assert nxt.scenario.coverage.in_network.deductible_met == 0  # a new plan year starts from zero
    assert nxt.scenario.coverage.in_network.oop_met == 0
    assert "next plan year" in nxt.scenario.name
    later = _scenario(coverage=cov, start_date=dt.date(2026, 5, 4))
    now = start_variant(later, TODAY)
    assert now is not None and now.scenario.start_date == TODAY
    assert now.scenario.coverage.in_network.deductible_met == Decimal("500.00")  # same plan year: kept
    assert "this month" in now.scenario.name


@pytest.mark.parametrize("name", ["", "x" * 200])
def test_variant_names_fit(name: str) -> None:
    for v in variants(_scenario(name=name), TODAY):
        assert 0 < len(v.scenario.name) <= 200


def test_default_scenario_offers_every_kind() -> None:
    s = default_scenario(TODAY)
    assert s.start_date == TODAY
    assert {v.kind for v in variants(s, TODAY)} == {"course", "network", "programs", "start"}


def test_plan_year_rows_and_short_labels() -> None:
    base = _scenario(name="A long scenario name for the header")
    later = start_variant(base, TODAY)
    assert later is not None
    summaries = [summarize(base.name, base), summarize(later.scenario.name, later.scenario)]
    labels = column_labels(summaries, 20)
    assert all(len(label) <= 23 for label in labels)
    assert labels[1].endswith("(next plan year)")  # the end, where variants differ, is kept
    table = comparison_table(summaries, 20)
    by_figure = {r["Figure"]: r for r in table}
    assert by_figure["You pay, plan year from 2026-01-01"][labels[1]] == "—"
    assert by_figure["You pay, plan year from 2027-01-01"][labels[0]] == "—"
    assert by_figure["You pay, plan year from 2027-01-01"][labels[1]].startswith("$")


def test_course_variant_says_when_the_coverage_has_no_rule() -> None:
    cov = {"kind": "commercial", "in_network": {"deductible": "500"}, "services": {"consult": {"covered": True}}}
    variant = next(v for v in variants(_scenario("iv6", coverage=cov), TODAY) if v.kind == "course")
    assert "no rule for spravato_drug, spravato_observation" in variant.description
    assert "no rule" not in next(v for v in variants(_scenario("iv6"), TODAY) if v.kind == "course").description


def test_self_pay_columns_say_there_is_no_insurance() -> None:
    """Self-pay has no out-of-pocket maximum to reach and no plan year: "not reached" and "plan year from" read as
    if it had insurance."""
    insured = _scenario("iv6")
    self_pay = _scenario("iv6", coverage={"kind": "self_pay"})
    mixed = comparison_table([summarize("A", insured), summarize("B", self_pay)])
    oop = next(r for r in mixed if r["Figure"] == dict(FIGURES)["oop_max_reached_on"])
    assert oop["2. B"] == "no insurance" and oop["1. A"] != "no insurance"
    assert any(r["Figure"].startswith("You pay, plan year from") for r in mixed)  # one of them has a plan
    alone = comparison_table([summarize("B", self_pay), summarize("C", self_pay)])
    assert any(r["Figure"].startswith("You pay, year from") for r in alone)
    assert not any("plan year" in r["Figure"] for r in alone)


def test_the_comparison_exports_as_csv_and_pdf() -> None:
    import csv
    import io

    from pypdf import PdfReader

    from estimator.documents.comparison_pdf import comparison_pdf
    from estimator.workflows.compare import comparison_csv

    base = _scenario(name="=HYPERLINK(1) plan")
    summaries = [summarize(base.name, base), summarize("Out of network", _by_kind(base)["network"])]
    rows = list(csv.DictReader(io.StringIO(comparison_csv(summaries))))
    header = next(csv.reader(io.StringIO(comparison_csv(summaries))))
    assert header == ["Figure", "1. =HYPERLINK(1) plan", "2. Out of network"]  # a label starts with its number
    by_figure = {r["Figure"]: r for r in rows}
    assert by_figure["You pay"]["2. Out of network"].startswith("$")
    assert by_figure["You pay, difference against scenario 1"]["1. =HYPERLINK(1) plan"] == ""
    # a difference is a signed number, which a spreadsheet reads as one (not text behind a formula guard)
    you_pay_diff = by_figure["You pay, difference against scenario 1"]["2. Out of network"]
    assert Decimal(you_pay_diff) == summaries[1].you_pay - summaries[0].you_pay
    assert by_figure["Starts"]["2. Out of network"] == base.start_date.isoformat()  # CSV keeps ISO dates

    text = " ".join(
        (p.extract_text() or "") for p in PdfReader(io.BytesIO(comparison_pdf(summaries, made_on=TODAY))).pages
    )
    text = " ".join(text.split())
    assert "Scenario comparison" in text and "2. Out of network" in text and "988" in text
    assert "Differences against scenario 1" in text and by_figure["You pay"]["2. Out of network"] in text


def test_short_course_names_fit_a_table_column() -> None:
    from estimator.wording import short_course

    assert short_course(_scenario("iv6")) == "IV ketamine"
    assert short_course(_scenario("iv6_boosters")) == "IV ketamine with boosters"
    assert short_course(_scenario("spravato_mdsi")) == "SPRAVATO 84 mg (suicidal ideation)"
    continuing = course_preset("spravato_continuing").protocol
    assert short_course(_scenario().model_copy(update={"protocol": continuing})) == "SPRAVATO 84 mg, from session 13"
    assert short_course(_scenario("custom")) == "Custom course"

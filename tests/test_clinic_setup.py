"""Payer templates and clinic price lists as data (estimator.clinic_setup): validated like a scenario's coverage
and fees, and turned into one patient's coverage the same way wherever they are used."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import ValidationError

from estimator.clinic_setup import ClinicPriceList, PayerTemplate, scenario_with_setup, template_coverage
from estimator.models import Coverage
from estimator.scenario_io import problems_from

FEES = [{"service": "consult", "charge": "300"}, {"service": "iv_infusion", "charge": "500"}]


def _problems(model: type, data: dict) -> dict[str, str]:
    with pytest.raises(ValidationError) as info:
        model.model_validate(data)
    return {p.loc: p.message for p in problems_from(info.value)}


def test_a_price_list_is_checked_like_a_scenarios_fees() -> None:
    assert _problems(ClinicPriceList, {"name": " ", "fees": FEES}) == {"name": "enter a name"}
    assert "fees" in _problems(ClinicPriceList, {"name": "A", "fees": [*FEES, FEES[0]]})
    found = _problems(ClinicPriceList, {"name": "A", "fees": [{"service": "Consult!", "charge": "1.005"}]})
    assert set(found) == {"fees.0.service", "fees.0.charge"}
    assert ClinicPriceList(name="  Spring\tlist ", fees=FEES).name == "Spring list"  # one printable line


def test_a_template_is_checked_like_a_coverage() -> None:
    base = {"name": "T", "kind": "commercial"}
    pharmacy_rule = {"services": {"spravato_drug": {"covered": True, "benefit": "pharmacy"}}}
    assert "pharmacy" in _problems(PayerTemplate, {**base, **pharmacy_rule})
    assert "plan_year_start" in _problems(PayerTemplate, {**base, "plan_year_start": "02-29"})
    rule = {"covered": True, "auth_units": 10}  # authorized units without prior auth (a version 2 rule)
    assert "services.spravato_drug.auth_units" in _problems(
        PayerTemplate, {**base, "services": {"spravato_drug": rule}}
    )
    assert "in_network.deductible_met" in _problems(
        PayerTemplate, {**base, "in_network": {"deductible": "100", "deductible_met": "200"}}
    )


def test_a_patients_figures_go_over_the_templates_in_their_networks_tier() -> None:
    template = PayerTemplate(
        name="PPO",
        kind="commercial",
        plan_year_start="07-01",
        in_network={"deductible": "1000", "coinsurance_pct": "20", "oop_max": "5000"},
        out_of_network={"deductible": "3000", "coinsurance_pct": "40", "allowed_pct_of_charge": "70"},
        services={"iv_infusion": {"covered": True}},
    )
    coverage = Coverage.model_validate(template_coverage(template, {"deductible_met": Decimal("250"), "oop_max": None}))
    assert coverage.in_network is not None and coverage.out_of_network is not None
    assert (coverage.in_network.deductible, coverage.in_network.deductible_met) == (1000, 250)
    assert coverage.in_network.oop_max is None and coverage.in_network.coinsurance_pct == 20  # given: no cap
    assert coverage.out_of_network.deductible == 3000 and coverage.plan_year_start == "07-01"
    out = Coverage.model_validate(template_coverage(template, {"deductible": Decimal("0")}, network="out"))
    assert out.network == "out" and out.out_of_network is not None and out.out_of_network.deductible == 0
    assert out.out_of_network.allowed_pct_of_charge == 70 and out.in_network == coverage.in_network.model_copy(
        update={"deductible_met": Decimal("0.00"), "oop_max": Decimal("5000.00")}
    )


def test_a_template_without_the_other_tier_lends_the_patients_one_when_a_service_needs_it() -> None:
    template = PayerTemplate(name="T", kind="commercial", services={"therapy": {"covered": True, "network": "out"}})
    coverage = template_coverage(template, {"deductible": Decimal("500")})
    assert coverage["out_of_network"] == coverage["in_network"] and coverage["in_network"]["deductible"] == 500
    assert template_coverage(template.model_copy(update={"services": {}}))["out_of_network"] is None


def test_scenario_with_setup_prices_and_covers_a_scenario() -> None:
    price_list = ClinicPriceList(
        name="P", fees=FEES, packages=[{"service": "iv_infusion", "sessions": 6, "price": "2700"}]
    )
    template = PayerTemplate(name="T", kind="medicare", in_network={"coinsurance_pct": "20"})
    base = {"version": 2, "start_date": "2026-03-02", "protocol": {"type": "iv_ketamine"}, "fees": [], "coverage": {}}
    data = scenario_with_setup(base, price_list=price_list, template=template)
    assert [f["service"] for f in data["fees"]] == ["consult", "iv_infusion"] and len(data["packages"]) == 1
    assert data["coverage"]["kind"] == "medicare" and base["fees"] == []  # the input is not changed
    under_way = {**base, "protocol": {"type": "iv_ketamine", "start_session": 3}}
    assert scenario_with_setup(under_way, price_list=price_list)["packages"] == []  # bought at a course's start

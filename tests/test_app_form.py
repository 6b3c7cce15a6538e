"""The Estimate form (issue 17): no silent numbers, presets that say what they filled in, figures that add up."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from pydantic import BaseModel
from streamlit.testing.v1 import AppTest

from estimator.models import Scenario
from tests.conftest import ROOT
from ui import form as F
from ui import state as S

SECTIONS = ["course", "prices", "insurance", "programs", "accounts", "travel", "financing", "file"]


def _app() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    for name in SECTIONS:
        at.session_state["sec_" + name] = True
    return at.run()


def _metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def _errors(at: AppTest) -> list[str]:
    return [str(e.value).replace("\\", "") for e in at.error]


def _captions(at: AppTest) -> list[str]:
    return [str(c.value).replace("\\", "") for c in at.caption]


def _insured(at: AppTest, plan: str = "hdhp_2026") -> AppTest:
    return at.selectbox(key="plan").set_value(plan).run()


@pytest.mark.parametrize("key", ["ded", "ded_met", "coins"])
def test_an_emptied_number_is_asked_for_and_the_estimate_keeps_its_last_figures(key: str) -> None:
    at = _insured(_app())
    at.number_input(key="ded").set_value(1000.0).run()
    paid = _metric(at, "You pay")
    at.number_input(key=key).set_value(None).run()
    assert not at.exception
    wanted = "Enter a percentage; 0 if none." if key == "coins" else "Enter an amount; 0 if none."
    assert wanted in _errors(at)
    assert _metric(at, "You pay") == paid
    assert any("figures below are from the last valid inputs" in e for e in _errors(at))


def test_a_negative_amount_is_named_beside_the_field_and_never_counted() -> None:
    at = _insured(_app())
    paid = _metric(at, "You pay")
    at.number_input(key="ded").set_value(-500.0).run()
    assert not at.exception
    assert at.number_input(key="ded").value == -500.0  # the field keeps what was typed, and says why it is wrong
    assert any("greater than or equal to 0" in e for e in _errors(at))
    assert _metric(at, "You pay") == paid


def test_a_plan_preset_says_what_it_filled_in_and_the_picker_says_edited() -> None:
    at = _insured(_app())
    assert any(c.startswith("Filled in from this preset") and "$1,700.00" in c for c in _captions(at))
    assert at.selectbox(key="plan").label == "Start from a plan"
    at.number_input(key="ded").set_value(2500.0).run()
    assert at.selectbox(key="plan").label == "Start from a plan (edited since it was filled in)"
    assert at.selectbox(key="plan").value == "hdhp_2026"
    at.number_input(key="ded").set_value(1700.0).run()  # back to the preset's figure
    assert at.selectbox(key="plan").label == "Start from a plan"


def test_out_of_pocket_met_follows_deductible_met_until_set_and_less_is_flagged() -> None:
    at = _insured(_app())
    at.number_input(key="ded_met").set_value(500.0).run()
    assert at.number_input(key="oop_met").value == 500.0
    assert at.session_state["current_scenario"].coverage.in_network.oop_met == Decimal("500.00")
    at.number_input(key="oop_met").set_value(100.0).run()
    at.number_input(key="ded_met").set_value(600.0).run()
    assert at.number_input(key="oop_met").value == 100.0  # set by the user: no longer follows
    assert any("Less than the deductible met ($600.00)" in c for c in _captions(at))


def test_the_payment_plan_finances_what_hsa_money_leaves_and_says_so() -> None:
    at = _app()
    at.toggle(key="acct_on").set_value(True).run()
    at.number_input(key="hsa").set_value(2000.0).run()
    at.toggle(key="fin_on").set_value(True).run()
    assert "Enter a percentage; 0 if none." in _errors(at)  # the APR is the user's to give, never a preset 26.99 %
    at.number_input(key="apr").set_value(0.0).run()
    at.number_input(key="months").set_value(10).run()
    paid = Decimal(_metric(at, "You pay").replace("$", "").replace(",", ""))
    assert _metric(at, "Monthly payment") == f"${(paid - 2000) / 10:,.2f}"
    assert any("less the HSA/FSA money used ($2,000.00)" in c for c in _captions(at))
    at.radio(key="fin_base").set_value("all").run()
    assert _metric(at, "Monthly payment") == f"${paid / 10:,.2f}"


def test_the_package_price_is_opt_in_and_says_what_it_replaces() -> None:
    at = _app()
    assert not at.toggle(key="pkg_on").value
    alone = _metric(at, "You pay")
    at.toggle(key="pkg_on").set_value(True).run()
    assert _metric(at, "You pay") != alone
    named = "Replaces 6 × $550.00 = $3,300.00 for IV ketamine infusion with monitoring with"  # not iv_infusion
    assert any(c.startswith(named) for c in _captions(at))


def test_a_service_billed_at_zero_is_asked_about() -> None:
    at = _app()
    at.session_state["prices_saved"] = at.session_state["prices_base"].assign(
        charge=lambda df: df["charge"].where(df["service"] != "consult", 0.0)
    )
    at.session_state["editor_version"] = at.session_state["editor_version"] + 1
    at.run()
    assert not at.exception
    warned = [str(w.value).replace("\\", "") for w in at.warning]  # the names in it are escaped as user text
    assert any("Priced at $0.00 and billed in this estimate: Initial psychiatric evaluation." in w for w in warned)


def _model_field(model: type[BaseModel], parts: list[str]) -> Any:
    """The pydantic field at `parts` below `model` (through optional and union members), or None."""
    from typing import get_args

    info = model.model_fields.get(parts[0])
    if info is None:
        return None
    if len(parts) == 1:
        return info
    rest = parts[2:] if len(parts) > 1 and parts[1].isdigit() else parts[1:]
    candidates = [info.annotation, *get_args(info.annotation)]
    for c in list(candidates):
        candidates += list(get_args(c))
    for c in candidates:
        if isinstance(c, type) and issubclass(c, BaseModel):
            found = _model_field(c, rest)
            if found is not None:
                return found
    return None


@pytest.mark.parametrize("field", [f for f in F.FIELDS if f.path], ids=lambda f: f.key)
def test_every_field_fills_a_scenario_field_with_the_same_bounds(field: F.Field) -> None:
    assert _model_field(Scenario, field.path.split(".")) is not None, field.path
    if field.model is not None:
        _, attr = field.model
        assert field.path.endswith(attr)
        lo, hi = F.bounds(field.key)
        assert lo >= 0 and hi > lo


def test_a_link_from_before_versions_reads_a_zero_maximum_as_none_and_a_chosen_amount_as_chosen() -> None:
    state: dict[str, Any] = {}
    S.init_state(
        state,
        dt.date(2026, 12, 5),
        {"plan": "ppo_copays", "oon_on": "true", "oon_oop": "0", "fin_on": "true", "fin_amount_on": "true"},
    )
    assert state["oon_oop_on"] is False and state["fin_base"] == "amount" and state["pkg_on"] is True
    fresh: dict[str, Any] = {}
    S.init_state(fresh, dt.date(2026, 12, 5), {"v": "2", "plan": "ppo_copays"})
    assert fresh["pkg_on"] is False and fresh["fin_base"] == "rest" and fresh["apr"] is None


def _sum(at: AppTest) -> dict[str, str]:
    table = at.table[0].value
    return {
        str(k).replace("\\", ""): str(v).replace("\\", "") for k, v in zip(table.index, table["Amount"], strict=True)
    }


def test_the_headline_reads_as_a_sum_that_adds_up_and_names_fica_only_with_payroll() -> None:
    at = _app()
    assert not at.table  # no travel, no HSA/FSA: "You pay" is the whole story
    at.toggle(key="trav_on").set_value(True).run()
    at.toggle(key="acct_on").set_value(True).run()
    at.number_input(key="hsa").set_value(1000.0).run()
    rows = _sum(at)
    amounts = [Decimal(v.replace("−", "-").replace("$", "").replace(",", "")) for v in rows.values()]
    labels = list(rows)
    assert labels[0] == "Treatment (you pay)" and labels[1] == "+ Travel" and labels[-1] == "= Net cost"
    assert "FICA" in labels[2] and "(payroll)" in labels[2]
    assert amounts[0] + amounts[1] + amounts[2] == amounts[3]
    assert rows["Treatment (you pay)"] == _metric(at, "You pay")
    assert rows["= Net cost"] == _metric(at, "Net cost after tax savings")
    at.toggle(key="direct").set_value(True).run()
    assert not any("FICA" in label for label in _sum(at))


def test_a_savings_program_that_pays_nothing_says_why() -> None:
    at = _app()
    at.toggle(key="wm_on").set_value(True).run()
    assert _metric(at, "Savings programs pay") == "$0.00"
    assert any("no service in this estimate is covered" in str(i.value) for i in at.info)


def test_amounts_met_are_no_edit_of_the_plan_preset() -> None:
    at = _insured(_app())
    at.number_input(key="ded_met").set_value(400.0).run()
    assert at.selectbox(key="plan").label == "Start from a plan"


def test_the_sum_adds_the_payment_plans_interest_and_the_link_leaves_nothing_out() -> None:
    at = _app()
    at.toggle(key="acct_on").set_value(True).run()
    at.number_input(key="hsa").set_value(1000.0).run()
    at.toggle(key="fin_on").set_value(True).run()
    at.number_input(key="apr").set_value(9.9).run()
    rows = _sum(at)
    labels = list(rows)
    assert labels[-2:] == ["+ Interest on the payment plan", "= Net cost with the payment plan's interest"]
    value = [Decimal(v.replace("−", "-").replace("$", "").replace(",", "")) for v in rows.values()]
    assert value[-3] + value[-2] == value[-1]
    # HSA money and a payment plan on what it leaves: the link carries it all (it used to say it left some out).
    assert not any("leaves out" in str(c.value) for c in at.caption)

"""Unit tests for the calculation rules of SPEC §4.1-4.6, each with hand-worked numbers.

Scenarios are built as plain dicts, validated with `scenario_from_data` and estimated; amounts are
compared as Decimals from the JSON result (`result_to_json`), so the tests also pin the output form.
"""

from __future__ import annotations

import copy
import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

import pytest

from estimator.engine import estimate
from estimator.result import result_to_json
from estimator.scenario_io import scenario_from_data

D = Decimal
START = "2026-03-02"  # a Monday; day 3 = 03-05, day 7 = 03-09, day 8 = 03-10, day 14 = 03-16, day 21 = 03-23

# ---------------------------------------------------------------- helpers


def custom(*sessions: tuple[int, list[Any]], once: list[str] | None = None) -> dict[str, Any]:
    """A custom protocol: each session is (day, [service id | (service id, quantity)])."""
    out = []
    for day, services in sessions:
        items = [
            {"service": s, "quantity": 1} if isinstance(s, str) else {"service": s[0], "quantity": s[1]}
            for s in services
        ]
        out.append({"day": day, "services": items})
    return {"type": "custom", "sessions": out, "once": once or []}


def fees(**charges: str) -> list[dict[str, str]]:
    return [{"service": s, "charge": c} for s, c in charges.items()]


def make(protocol: dict[str, Any], fee_list: list[dict[str, str]], coverage: dict[str, Any], **extra: Any) -> dict:
    data: dict[str, Any] = {
        "version": 1,
        "start_date": START,
        "horizon_weeks": 26,
        "protocol": protocol,
        "fees": fee_list,
        "coverage": coverage,
    }
    data.update(extra)
    return data


def run(data: dict[str, Any]) -> dict[str, Any]:
    return result_to_json(estimate(scenario_from_data(data)))


def all_lines(res: dict[str, Any]) -> list[dict[str, Any]]:
    return [ln for s in res["sessions"] for ln in s["lines"]]


def lines_for(res: dict[str, Any], service: str) -> list[dict[str, Any]]:
    return [ln for ln in all_lines(res) if ln["service"] == service]


def check(line: dict[str, Any], **want: str | bool) -> None:
    """Compare the named fields of a result line (amounts as Decimals)."""
    for key, value in want.items():
        if isinstance(value, bool):
            assert line[key] is value, (key, line)
        elif key == "plan_year":
            assert line[key] == value, (key, line)
        else:
            assert D(line[key]) == D(value), f"{key}: {line[key]} != {value} in {line}"


def codes(res: dict[str, Any]) -> list[tuple[str, str | None]]:
    return [(w["code"], w["date"]) for w in res["warnings"]]


def conserves(line: dict[str, Any]) -> None:
    """Money conservation on one line (SPEC §4.4, see the note in test_properties.py on the balance bill).

    Every dollar of the charge is paid by someone or written off: charge = plan + program + patient + write_off;
    and allowed = plan + program + patient - balance_bill (which is the SPEC identity whenever the line has no
    balance bill). Covered lines: patient = share - program + balance_bill.
    """
    v = {k: D(line[k]) for k in line if k not in ("service", "code", "quantity", "covered", "plan_year", "network")}
    paid = v["plan_pays"] + v["program_pays"] + v["patient_pays"]
    assert v["charge"] == paid + v["write_off"]
    assert v["allowed"] == paid - v["balance_bill"]
    assert v["charge"] == v["allowed"] + v["write_off"] + v["balance_bill"]
    if v["balance_bill"] == 0:
        assert v["charge"] == paid - v["balance_bill"] + v["write_off"]
    if line["covered"]:
        share = v["deductible"] + v["copay"] + v["coinsurance"]
        assert v["patient_pays"] == share - v["program_pays"] + v["balance_bill"]
    else:
        assert v["allowed"] == v["charge"] == v["patient_pays"]
        assert all(v[k] == 0 for k in v if k not in ("charge", "allowed", "patient_pays"))


def commercial(services: dict[str, Any], **in_network: str | None) -> dict[str, Any]:
    return {"kind": "commercial", "in_network": dict(in_network), "services": services}


COVERED = {"covered": True}

# ---------------------------------------------------------------- §4.4 step 1: self-pay


def test_self_pay_patient_pays_every_charge() -> None:
    res = run(make(custom((0, ["iv_infusion"]), (3, ["iv_infusion"])), fees(iv_infusion="550"), {"kind": "self_pay"}))
    for ln in all_lines(res):
        check(ln, charge="550", allowed="550", patient_pays="550", plan_pays="0", covered=False)
    # 2 x 550 = 1100, all of it not covered (self-pay lines count as not covered)
    assert res["totals"]["patient_pays"] == "1100.00"
    assert res["totals"]["not_covered"] == "1100.00"
    assert res["warnings"] == []


# ---------------------------------------------------------------- §4.4 step 5: copays


def test_copay_without_deductible() -> None:
    rule = {"covered": True, "copay": "40", "deductible_applies": False, "allowed": "25"}
    cov = commercial(
        {"consult": {"covered": True, "copay": "40", "deductible_applies": False}, "therapy": rule},
        deductible="1000",
        coinsurance_pct="20",
    )
    res = run(make(custom((0, ["consult", "consult", "therapy"])), fees(consult="300", therapy="180"), cov))
    c1, c2, th = all_lines(res)
    # share = min(copay 40, allowed 300) = 40, no deductible; plan = 300 - 40 = 260, on every line
    check(c1, deductible="0", copay="40", coinsurance="0", plan_pays="260", patient_pays="40", covered=True)
    check(c2, deductible="0", copay="40", plan_pays="260", patient_pays="40")
    # allowed = min(180, 25 x 1) = 25, write-off 155; share = min(40, 25) = 25; plan 0
    check(th, allowed="25", write_off="155", copay="25", plan_pays="0", patient_pays="25")
    assert res["by_plan_year"][0]["deductible"] == "0.00"


def test_copay_after_deductible() -> None:
    cov = commercial({"consult": {"covered": True, "copay": "40", "deductible_applies": True}}, deductible="500")
    res = run(make(custom((0, ["consult"]), (7, ["consult"]), (14, ["consult"])), fees(consult="300"), cov))
    l1, l2, l3 = all_lines(res)
    # line 1: ded = min(300, 500) = 300; copay = min(40, 300 - 300) = 0; share 300, plan 0
    check(l1, deductible="300", copay="0", plan_pays="0", patient_pays="300")
    # line 2: ded = min(300, 500 - 300 = 200) = 200; copay = min(40, 100) = 40; share 240, plan 60
    check(l2, deductible="200", copay="40", plan_pays="60", patient_pays="240")
    # line 3: deductible met; copay 40; plan 260
    check(l3, deductible="0", copay="40", plan_pays="260", patient_pays="40")
    assert res["by_plan_year"][0]["deductible"] == "500.00"  # 300 + 200


def test_coinsurance_after_partly_met_deductible_rounds_half_up() -> None:
    cov = commercial({"therapy": COVERED}, deductible="1000", deductible_met="200", coinsurance_pct="20")
    res = run(make(custom(*[(7 * i, ["therapy"]) for i in range(4)]), fees(therapy="333.33"), cov))
    l1, l2, l3, l4 = all_lines(res)
    # remaining 1000 - 200 = 800: lines 1 and 2 fully deductible (333.33 each, 666.66 used)
    check(l1, deductible="333.33", coinsurance="0", plan_pays="0")
    check(l2, deductible="333.33", coinsurance="0", plan_pays="0")
    # line 3: ded = 800 - 666.66 = 133.34; coins = round(199.99 x 0.20 = 39.998) = 40.00; plan = 333.33 - 173.34
    check(l3, deductible="133.34", coinsurance="40.00", plan_pays="159.99", patient_pays="173.34")
    # line 4: coins = round(333.33 x 0.20 = 66.666) = 66.67
    check(l4, deductible="0", coinsurance="66.67", plan_pays="266.66", patient_pays="66.67")
    assert res["by_plan_year"][0]["deductible"] == "800.00"


def test_coinsurance_and_out_of_network_allowed_round_half_up_at_half_a_cent() -> None:
    cov = commercial({"therapy": COVERED}, coinsurance_pct="10")
    (ln,) = all_lines(run(make(custom((0, ["therapy"])), fees(therapy="100.05"), cov)))
    # 100.05 x 10 % = 10.005 -> 10.01 (half up; half-even would give 10.00)
    check(ln, coinsurance="10.01", plan_pays="90.04", patient_pays="10.01")
    oon = {
        "kind": "commercial",
        "network": "out",
        "out_of_network": {"allowed_pct_of_charge": "50"},
        "services": {"therapy": COVERED},
    }
    (ln,) = all_lines(run(make(custom((0, ["therapy"])), fees(therapy="100.05"), oon)))
    # allowed = 100.05 x 50 % = 50.025 -> 50.03; balance bill 50.02; coinsurance 0 %: plan pays the allowed
    check(ln, allowed="50.03", balance_bill="50.02", plan_pays="50.03", patient_pays="50.02")


# ---------------------------------------------------------------- §4.4 step 7: the OOP cap


def test_oop_cap_lands_inside_a_deductible_line() -> None:
    cov = commercial({"iv_infusion": COVERED}, deductible="2000", coinsurance_pct="20", oop_max="3000", oop_met="2600")
    res = run(make(custom((0, ["iv_infusion"]), (3, ["iv_infusion"])), fees(iv_infusion="1000"), cov))
    l1, l2 = all_lines(res)
    # uncapped: ded = min(1000, 2000) = 1000, coins 0, share 1000 > OOP remaining 3000 - 2600 = 400
    # capped: ded = min(1000, 400) = 400, coins = 400 - 400 = 0; plan = 1000 - 400 = 600
    check(l1, deductible="400", coinsurance="0", copay="0", plan_pays="600", patient_pays="400")
    # OOP met: the next line costs nothing
    check(l2, deductible="0", coinsurance="0", plan_pays="1000", patient_pays="0")
    year = res["by_plan_year"][0]
    assert (year["deductible"], year["oop_reached_on"]) == ("400.00", "2026-03-02")
    assert ("oop_max_reached", "2026-03-02") in codes(res)


def test_oop_cap_lands_inside_coinsurance() -> None:
    cov = commercial({"iv_infusion": COVERED}, deductible="500", coinsurance_pct="50", oop_max="1000")
    res = run(make(custom((0, ["iv_infusion"])), fees(iv_infusion="2000"), cov))
    (ln,) = all_lines(res)
    # ded 500, coins = round(1500 x 0.5) = 750, share 1250 > 1000 -> ded 500, coins 1000 - 500 = 500
    check(ln, deductible="500", coinsurance="500", plan_pays="1000", patient_pays="1000")


def test_oop_cap_limits_a_copay() -> None:
    cov = commercial(
        {"therapy": {"covered": True, "copay": "40", "deductible_applies": False}}, oop_max="100", oop_met="70"
    )
    res = run(make(custom((0, ["therapy"]), (7, ["therapy"])), fees(therapy="180"), cov))
    l1, l2 = all_lines(res)
    # share min(40, 180) = 40 > remaining 100 - 70 = 30 -> copay 30; then 0
    check(l1, copay="30", plan_pays="150", patient_pays="30")
    check(l2, copay="0", plan_pays="180", patient_pays="0")
    assert res["by_plan_year"][0]["oop_reached_on"] == "2026-03-02"


def test_no_oop_cap_when_oop_max_is_null() -> None:
    cov = commercial({"therapy": COVERED}, coinsurance_pct="50")
    res = run(make(custom(*[(7 * i, ["therapy"]) for i in range(10)]), fees(therapy="1000"), cov))
    # 10 x round(1000 x 0.5) = 5000; never capped, no warning
    assert res["totals"]["patient_pays"] == "5000.00"
    assert res["by_plan_year"][0]["oop_reached_on"] is None
    assert "oop_max_reached" not in {c for c, _ in codes(res)}


# ---------------------------------------------------------------- §4.4 step 4 and 7: family


def _family_run(family_type: str) -> list[dict[str, Any]]:
    cov = commercial({"therapy": COVERED}, deductible="200", coinsurance_pct="10")
    cov["family"] = {"type": family_type, "deductible": "1500", "deductible_met": "1000"}
    return all_lines(run(make(custom((0, ["therapy"]), (7, ["therapy"])), fees(therapy="600"), cov)))


def test_embedded_family_deductible_uses_the_smaller_remaining() -> None:
    l1, l2 = _family_run("embedded")
    # remaining = min(individual 200, family 1500 - 1000 = 500) = 200; coins = round(400 x 0.1) = 40
    check(l1, deductible="200", coinsurance="40", patient_pays="240", plan_pays="360")
    # individual met: ded 0; coins = round(600 x 0.1) = 60
    check(l2, deductible="0", coinsurance="60", patient_pays="60")


def test_aggregate_family_deductible_uses_the_family_remaining_only() -> None:
    l1, l2 = _family_run("aggregate")
    # remaining = family 500 (the individual 200 is ignored); coins = round(100 x 0.1) = 10
    check(l1, deductible="500", coinsurance="10", patient_pays="510", plan_pays="90")
    # family met: ded 0; coins 60
    check(l2, deductible="0", coinsurance="60", patient_pays="60")


def test_family_oop_remaining_caps_before_the_individual_one() -> None:
    cov = commercial({"therapy": COVERED}, coinsurance_pct="20", oop_max="5000")
    cov["family"] = {"type": "embedded", "deductible": "0", "oop_max": "3000", "oop_met": "2900"}
    res = run(make(custom((0, ["therapy"]), (7, ["therapy"])), fees(therapy="1000"), cov))
    l1, l2 = all_lines(res)
    # coins 200 > min(individual 5000, family 3000 - 2900 = 100) = 100 -> coins 100
    check(l1, coinsurance="100", plan_pays="900", patient_pays="100")
    check(l2, coinsurance="0", patient_pays="0")
    assert res["by_plan_year"][0]["oop_reached_on"] == "2026-03-02"


def test_family_accumulates_each_line_deductible() -> None:
    # embedded: individual deductible 1000, family 300 left; two lines of 200
    cov = commercial({"therapy": COVERED}, deductible="1000")
    cov["family"] = {"type": "embedded", "deductible": "3000", "deductible_met": "2700"}
    res = run(make(custom((0, ["therapy"]), (7, ["therapy"])), fees(therapy="200"), cov))
    l1, l2 = all_lines(res)
    check(l1, deductible="200")  # min(1000, 300) = 300 left; line 200
    check(l2, deductible="100")  # family 300 - 200 = 100 left; min(900, 100) = 100; rest coinsurance 0 %
    check(l2, plan_pays="100")


def test_family_limits_do_not_apply_out_of_network() -> None:
    cov = {
        "kind": "commercial",
        "network": "out",
        "out_of_network": {"deductible": "200"},
        "family": {"type": "embedded", "deductible": "1500", "deductible_met": "1500"},
        "services": {"therapy": COVERED},
    }
    (ln,) = all_lines(run(make(custom((0, ["therapy"])), fees(therapy="300"), cov)))
    # family deductible fully met, but the out-of-network deductible is the tier's own 200
    check(ln, allowed="300", deductible="200", plan_pays="100", patient_pays="200")


# ---------------------------------------------------------------- §4.4 step 3: allowed amounts


def test_out_of_network_allowed_pct_and_balance_bill_without_oop_max() -> None:
    cov = {
        "kind": "commercial",
        "network": "out",
        "out_of_network": {"deductible": "0", "coinsurance_pct": "30", "allowed_pct_of_charge": "60"},
        "services": {"therapy": COVERED},
    }
    res = run(make(custom(*[(7 * i, ["therapy"]) for i in range(20)]), fees(therapy="200"), cov))
    # healthcare.gov example: allowed = round(200 x 0.60) = 120; balance bill 80; coins = 36; plan 84;
    # patient = 36 + 80 = 116; the same on all 20 lines (no cap, balance bill never capped)
    for ln in all_lines(res):
        check(ln, allowed="120", balance_bill="80", coinsurance="36", plan_pays="84", patient_pays="116")
        conserves(ln)
    t = res["totals"]
    assert (t["patient_pays"], t["balance_bill"], t["plan_pays"]) == ("2320.00", "1600.00", "1680.00")
    assert res["by_plan_year"][0]["oop_reached_on"] is None


def test_out_of_network_allowed_rounds_half_up_and_balance_bill_is_never_capped() -> None:
    cov = {
        "kind": "commercial",
        "network": "out",
        "out_of_network": {"coinsurance_pct": "30", "allowed_pct_of_charge": "60", "oop_max": "50"},
        "services": {"therapy": COVERED},
    }
    res = run(make(custom((0, ["therapy"]), (7, ["therapy"]), (14, ["therapy"])), fees(therapy="200.01"), cov))
    l1, l2, l3 = all_lines(res)
    # allowed = round(200.01 x 0.6 = 120.006) = 120.01; bb = 80.00; coins = round(36.003) = 36.00
    check(l1, allowed="120.01", balance_bill="80.00", coinsurance="36.00", plan_pays="84.01", patient_pays="116.00")
    # OOP left 50 - 36 = 14 -> coins 14; the balance bill still paid in full: 14 + 80 = 94
    check(l2, coinsurance="14", balance_bill="80", plan_pays="106.01", patient_pays="94")
    # OOP reached: share 0, balance bill 80 still owed
    check(l3, coinsurance="0", balance_bill="80", plan_pays="120.01", patient_pays="80")
    assert res["by_plan_year"][0]["oop_reached_on"] == "2026-03-09"
    assert ("oop_max_reached", "2026-03-09") in codes(res)


def test_in_network_contracted_rate_gives_a_write_off() -> None:
    cov = commercial(
        {
            "therapy": {"covered": True, "allowed": "350"},
            "spravato_drug": {"covered": True, "allowed": "300"},
            "consult": {"covered": True, "allowed": "999"},
        },
        coinsurance_pct="20",
    )
    res = run(
        make(
            custom((0, ["therapy", ("spravato_drug", 3), "consult"])),
            fees(therapy="500", spravato_drug="400", consult="250"),
            cov,
        )
    )
    th, drug, consult = all_lines(res)
    # therapy: allowed = min(500, 350) = 350; write-off 150; coins 70; plan 280
    check(th, allowed="350", write_off="150", coinsurance="70", plan_pays="280", patient_pays="70")
    # drug: charge 400 x 3 = 1200; allowed = min(1200, 300 x 3 = 900); write-off 300; coins 180; plan 720
    check(drug, charge="1200", allowed="900", write_off="300", coinsurance="180", plan_pays="720", patient_pays="180")
    # consult: contracted rate above the charge: allowed = charge, no write-off
    check(consult, allowed="250", write_off="0", coinsurance="50", plan_pays="200")
    assert res["totals"]["write_off"] == "450.00"
    for ln in all_lines(res):
        conserves(ln)


# ---------------------------------------------------------------- §4.4 step 6: pharmacy benefit


PHARMACY_RULE = {"covered": True, "benefit": "pharmacy", "copay": "999", "deductible_applies": False}


def test_pharmacy_separate_deductible_and_max_per_fill() -> None:
    cov = commercial({"spravato_drug": PHARMACY_RULE, "therapy": COVERED}, deductible="1000", coinsurance_pct="20")
    cov["pharmacy"] = {"deductible": "250", "coinsurance_pct": "25", "max_per_fill": "50"}
    res = run(
        make(
            custom((0, ["spravato_drug", "therapy"]), (7, ["spravato_drug"])),
            fees(spravato_drug="300", therapy="100"),
            cov,
        )
    )
    d1, th, d2 = all_lines(res)
    # drug 1: rule copay/deductible_applies ignored; ded = min(300, 250) = 250;
    # coins = min(round(50 x 0.25 = 12.5) = 12.50, 50) -> share 262.50
    check(d1, deductible="250", coinsurance="12.50", copay="0", plan_pays="37.50", patient_pays="262.50")
    # therapy: the medical deductible is separate and untouched: ded = min(100, 1000) = 100
    check(th, deductible="100", coinsurance="0", patient_pays="100")
    # drug 2: pharmacy deductible met; coins = min(round(300 x 0.25) = 75, max_per_fill 50) = 50
    check(d2, deductible="0", coinsurance="50", plan_pays="250", patient_pays="50")


def test_pharmacy_integrated_deductible_shares_the_medical_one() -> None:
    cov = commercial({"spravato_drug": PHARMACY_RULE, "therapy": COVERED}, deductible="400", coinsurance_pct="20")
    cov["pharmacy"] = {"deductible": "5000", "integrated_deductible": True, "coinsurance_pct": "10"}
    res = run(make(custom((0, ["spravato_drug", "therapy"])), fees(spravato_drug="300", therapy="200"), cov))
    drug, th = all_lines(res)
    # drug: in-network medical deductible 400 (the pharmacy 5000 is not used): ded 300, coins 0
    check(drug, deductible="300", coinsurance="0", patient_pays="300")
    # therapy: 400 - 300 = 100 left: ded 100, coins = round(100 x 0.20) = 20
    check(th, deductible="100", coinsurance="20", plan_pays="80", patient_pays="120")
    assert res["by_plan_year"][0]["deductible"] == "400.00"


def test_pharmacy_copay_and_combined_in_network_oop() -> None:
    cov = commercial({"spravato_drug": PHARMACY_RULE}, oop_max="300")
    cov["pharmacy"] = {"deductible": "100", "copay": "150", "coinsurance_pct": "50"}
    res = run(make(custom((0, ["spravato_drug"]), (7, ["spravato_drug"])), fees(spravato_drug="300"), cov))
    d1, d2 = all_lines(res)
    # ded = min(300, 100) = 100; copay = min(150, 200) = 150; share 250 (coinsurance unused with a copay)
    check(d1, deductible="100", copay="150", coinsurance="0", plan_pays="50", patient_pays="250")
    # in-network OOP 300 - 250 = 50 left: copay capped to 50
    check(d2, deductible="0", copay="50", plan_pays="250", patient_pays="50")
    assert res["by_plan_year"][0]["oop_reached_on"] == "2026-03-09"


def test_pharmacy_benefit_is_in_network_even_when_the_course_is_out_of_network() -> None:
    cov = {
        "kind": "commercial",
        "network": "out",
        "out_of_network": {"allowed_pct_of_charge": "50"},
        "pharmacy": {"coinsurance_pct": "10"},
        "services": {"spravato_drug": {"covered": True, "benefit": "pharmacy", "allowed": "250"}},
    }
    (ln,) = all_lines(run(make(custom((0, ["spravato_drug"])), fees(spravato_drug="300"), cov)))
    # no balance bill; allowed = min(300, 250) = 250 (contracted), write-off 50; coins 25
    check(ln, allowed="250", write_off="50", balance_bill="0", coinsurance="25", plan_pays="225", patient_pays="25")


# ---------------------------------------------------------------- §4.5 savings programs


def _program_scenario(**program: Any) -> dict[str, Any]:
    cov = commercial({"spravato_drug": COVERED, "spravato_observation": COVERED}, coinsurance_pct="50")
    cov["plan_year_start"] = "07-01"
    session = [("spravato_drug", 3), "spravato_observation"]
    prog = {
        "name": "withMe",
        "services": ["spravato_drug", "spravato_observation"],
        "patient_pays_per_session": "10",
        "annual_max": "1000",
    }
    prog.update(program)
    return make(
        custom((0, session), (7, session), (14, session)),
        fees(spravato_drug="400", spravato_observation="200"),
        cov,
        start_date="2026-12-21",
        savings_programs=[prog],
    )


def test_program_annual_max_runs_out_mid_session_and_restarts_on_january_first() -> None:
    res = run(_program_scenario())
    (d1, o1), (d2, o2), (d3, o3) = [s["lines"] for s in res["sessions"]]
    # drug share = round(1200 x 0.5) = 600; observation share = 100
    # session 1: patient keeps min(600, 10) = 10, program 590; observation: left 0, program 100 (used 690)
    check(d1, coinsurance="600", program_pays="590", patient_pays="10", plan_pays="600")
    check(o1, coinsurance="100", program_pays="100", patient_pays="0")
    # session 2: drug wants 590, annual max left 1000 - 690 = 310 -> program 310, patient 600 - 310 = 290;
    # observation: nothing left of the maximum -> patient 100
    check(d2, program_pays="310", patient_pays="290")
    check(o2, program_pays="0", patient_pays="100")
    # session 3 on 2027-01-04: a new calendar year (not a new plan year: those start 07-01)
    check(d3, program_pays="590", patient_pays="10", plan_year="2026-07-01")
    check(o3, program_pays="100", patient_pays="0")
    assert d3["plan_year"] == "2026-07-01"
    assert ("program_max_reached", "2026-12-28") in codes(res)
    assert [c for c, _ in codes(res)].count("program_max_reached") == 1
    assert res["totals"]["program_pays"] == "1690.00"  # 690 + 310 + 690
    for ln in all_lines(res):
        conserves(ln)


def test_program_patient_amount_is_per_session() -> None:
    res = run(_program_scenario(annual_max=None, patient_pays_per_session="650"))
    for drug, obs in (s["lines"] for s in res["sessions"]):
        # left 650: drug keeps min(600, 650) = 600 (left 50), observation keeps min(100, 50) = 50, program 50
        check(drug, program_pays="0", patient_pays="600")
        check(obs, program_pays="50", patient_pays="50")
    assert res["totals"]["patient_pays"] == "1950.00"  # 3 x 650


def test_first_matching_program_in_list_order_pays_and_never_not_covered_lines() -> None:
    data = _program_scenario(annual_max=None, services=["spravato_drug"])
    data["savings_programs"].insert(
        0,
        {
            "name": "Obs",
            "services": ["spravato_observation", "spravato_drug"],
            "patient_pays_per_session": "0",
            "annual_max": None,
        },
    )
    data["coverage"]["services"]["spravato_observation"] = {"covered": False}
    res = run(data)
    for drug, obs in (s["lines"] for s in res["sessions"]):
        check(drug, program_pays="600", patient_pays="0")  # the first program ("Obs", $0) pays the drug
        check(obs, covered=False, program_pays="0", patient_pays="200")  # never a not-covered line


def test_accumulator_plan_accrues_only_what_the_patient_paid() -> None:
    def scenario(counts: bool) -> dict[str, Any]:
        cov = commercial(
            {"spravato_drug": COVERED, "spravato_observation": COVERED},
            deductible="1000",
            coinsurance_pct="20",
            oop_max="3000",
        )
        prog = {
            "name": "withMe",
            "services": ["spravato_drug"],
            "patient_pays_per_session": "10",
            "annual_max": None,
            "counts_toward_accumulators": counts,
        }
        session = [("spravato_drug", 3), "spravato_observation"]
        return make(
            custom((0, session), (7, session)),
            fees(spravato_drug="400", spravato_observation="200"),
            cov,
            savings_programs=[prog],
        )

    (d1, o1), (d2, o2) = [s["lines"] for s in run(scenario(False))["sessions"]]
    # drug 1: ded 1000, coins round(200 x 0.2) = 40, share 1040, program 1030, patient 10;
    # accrues only 10 (deductible min(1000, 10) = 10)
    check(d1, deductible="1000", coinsurance="40", program_pays="1030", patient_pays="10")
    # observation 1: 990 left: ded = 200, patient 200 (accrues 200; 210 in all)
    check(o1, deductible="200", coinsurance="0", patient_pays="200")
    # drug 2: 790 left: ded 790, coins round(410 x 0.2) = 82, share 872, program 862, patient 10 (accrued 220)
    check(d2, deductible="790", coinsurance="82", program_pays="862", patient_pays="10")
    # observation 2: 780 left: ded 200 again
    check(o2, deductible="200", patient_pays="200")

    (d1, o1), (d2, o2) = [s["lines"] for s in run(scenario(True))["sessions"]]
    # counting program: the drug's full 1000 deductible accrues; observation 1 pays coins round(40) only
    check(d1, deductible="1000", coinsurance="40", program_pays="1030", patient_pays="10")
    check(o1, deductible="0", coinsurance="40", patient_pays="40")
    check(d2, deductible="0", coinsurance="240", program_pays="230", patient_pays="10")
    check(o2, deductible="0", coinsurance="40", patient_pays="40")


def test_program_for_an_ineligible_kind_pays_nothing_and_warns_once_undated() -> None:
    cov = {
        "kind": "medicare",
        "in_network": {"deductible": "283", "coinsurance_pct": "20"},
        "services": {"spravato_drug": COVERED},
    }
    prog = {"name": "withMe", "services": ["spravato_drug"], "patient_pays_per_session": "10", "annual_max": "8000"}
    unused = {"name": "Other", "services": ["therapy"], "annual_max": None}  # names no billed service
    res = run(
        make(
            custom((0, [("spravato_drug", 2)]), (7, [("spravato_drug", 2)])),
            fees(spravato_drug="400"),
            cov,
            savings_programs=[prog, unused],
        )
    )
    d1, d2 = all_lines(res)
    # Part B: ded 283, coins round(517 x 0.2 = 103.4) = 103.40 -> 386.40; then round(800 x 0.2) = 160
    check(d1, deductible="283", coinsurance="103.40", program_pays="0", patient_pays="386.40")
    check(d2, deductible="0", coinsurance="160", program_pays="0", patient_pays="160")
    assert res["totals"]["program_pays"] == "0.00"
    assert codes(res) == [("savings_program_ineligible", None)]
    assert "withMe" in res["warnings"][0]["message"] and "Other" in res["warnings"][0]["message"]


def test_program_eligible_for_medicare_when_listed() -> None:
    cov = {"kind": "medicare", "in_network": {"coinsurance_pct": "20"}, "services": {"spravato_drug": COVERED}}
    prog = {"name": "Foundation", "services": ["spravato_drug"], "annual_max": None, "eligible_kinds": ["medicare"]}
    res = run(make(custom((0, ["spravato_drug"])), fees(spravato_drug="400"), cov, savings_programs=[prog]))
    # coins 80, all paid by the program
    check(all_lines(res)[0], coinsurance="80", program_pays="80", patient_pays="0")
    assert res["warnings"] == []


# ---------------------------------------------------------------- §4.4 step 2: not covered


def test_prior_auth_expiry_stops_coverage_after_the_date() -> None:
    cov = commercial({"therapy": {"covered": True, "prior_auth": True}, "consult": COVERED}, coinsurance_pct="20")
    cov["prior_auth_until"] = "2026-03-10"
    res = run(
        make(
            custom((0, ["therapy"]), (8, ["therapy"]), (14, ["therapy", "consult"]), (21, ["therapy"])),
            fees(therapy="100", consult="100"),
            cov,
        )
    )
    t1, t2, t3, c3, t4 = all_lines(res)
    check(t1, covered=True, coinsurance="20", patient_pays="20")
    check(t2, covered=True, coinsurance="20", patient_pays="20")  # on 03-10 itself: still authorized
    check(t3, covered=False, plan_pays="0", patient_pays="100")  # 03-16: after the date
    check(c3, covered=True, coinsurance="20")  # a service without prior auth stays covered
    check(t4, covered=False, patient_pays="100")
    assert codes(res) == [("prior_auth_expired", "2026-03-16")]
    assert res["totals"]["not_covered"] == "200.00"


def test_no_coverage_info_warns_once_per_service_and_nothing_accrues() -> None:
    cov = commercial({"consult": COVERED}, deductible="500")
    res = run(
        make(
            custom((0, ["therapy"]), (7, ["therapy", "follow_up"]), (14, ["consult"])),
            fees(therapy="300", follow_up="80", consult="200"),
            cov,
        )
    )
    th1, th2, fu, consult = all_lines(res)
    for ln in (th1, th2, fu):
        check(ln, covered=False, deductible="0")
        conserves(ln)
    # nothing accrued from the uncovered 680: the consult still meets its deductible from zero
    check(consult, covered=True, deductible="200", patient_pays="200")
    assert codes(res) == [("no_coverage_info", "2026-03-02"), ("no_coverage_info", "2026-03-09")]
    assert res["totals"]["not_covered"] == "680.00"


def test_covered_false_is_not_covered_without_a_warning() -> None:
    cov = commercial({"iv_infusion": {"covered": False}})
    res = run(make(custom((0, ["iv_infusion"])), fees(iv_infusion="500"), cov))
    check(all_lines(res)[0], covered=False, patient_pays="500")
    assert res["warnings"] == []


# ---------------------------------------------------------------- plan years


def test_course_crossing_two_plan_year_boundaries_resets_accumulators() -> None:
    cov = commercial(
        {"therapy": COVERED},
        deductible="500",
        deductible_met="400",
        coinsurance_pct="20",
        oop_max="1000",
        oop_met="900",
    )
    data = make(
        custom((0, ["therapy"]), (61, ["therapy"]), (62, ["therapy"]), (426, ["therapy"])),
        fees(therapy="300"),
        cov,
        start_date="2026-11-02",
        horizon_weeks=70,
    )
    res = run(data)
    y1, y2a, y2b, y3 = all_lines(res)
    # 2026: ded = min(300, 100) = 100, coins round(200 x .2) = 40, share 140 > OOP left 100 -> ded 100, coins 0
    check(y1, deductible="100", coinsurance="0", patient_pays="100", plan_year="2026-01-01")
    # 2027-01-02: all accumulators at zero (the *_met inputs are not used again): ded 300 of 500
    check(y2a, deductible="300", coinsurance="0", patient_pays="300", plan_year="2027-01-01")
    # 2027-01-03: 200 left: ded 200, coins round(100 x .2) = 20
    check(y2b, deductible="200", coinsurance="20", patient_pays="220")
    # 2028-01-02: reset again
    check(y3, deductible="300", coinsurance="0", patient_pays="300", plan_year="2028-01-01")
    assert [ln["plan_year"] for ln in (y1, y2a, y2b, y3)] == ["2026-01-01", "2027-01-01", "2027-01-01", "2028-01-01"]
    assert res["by_plan_year"] == [
        {"plan_year": "2026-01-01", "patient_pays": "100.00", "deductible": "100.00", "oop_reached_on": "2026-11-02"},
        {"plan_year": "2027-01-01", "patient_pays": "520.00", "deductible": "500.00", "oop_reached_on": None},
        {"plan_year": "2028-01-01", "patient_pays": "300.00", "deductible": "300.00", "oop_reached_on": None},
    ]
    assert codes(res) == [
        ("oop_max_reached", "2026-11-02"),
        ("plan_year_reset", "2027-01-01"),
        ("plan_year_reset", "2028-01-01"),
    ]


def test_plan_year_starting_july_first() -> None:
    cov = commercial({"therapy": COVERED}, deductible="500", deductible_met="450")
    cov["plan_year_start"] = "07-01"
    res = run(
        make(
            custom((0, ["therapy"]), (9, ["therapy"]), (14, ["therapy"])),
            fees(therapy="100"),
            cov,
            start_date="2026-06-22",
        )
    )
    a, b, c = all_lines(res)
    check(a, plan_year="2025-07-01", deductible="50", plan_pays="50")  # 500 - 450 = 50 left in the 2025-26 year
    check(b, plan_year="2026-07-01", deductible="100")  # 2026-07-01 begins a new year on that very day
    check(c, plan_year="2026-07-01", deductible="100")
    assert codes(res) == [("plan_year_reset", "2026-07-01")]
    assert [y["plan_year"] for y in res["by_plan_year"]] == ["2025-07-01", "2026-07-01"]


def test_plan_year_starting_march_fifteenth() -> None:
    cov = commercial({"therapy": COVERED}, deductible="1000")
    cov["plan_year_start"] = "03-15"
    res = run(
        make(
            custom((0, ["therapy"]), (13, ["therapy"]), (14, ["therapy"])),
            fees(therapy="100"),
            cov,
            start_date="2026-03-01",
        )
    )
    assert [ln["plan_year"] for ln in all_lines(res)] == ["2025-03-15", "2025-03-15", "2026-03-15"]
    assert codes(res) == [("plan_year_reset", "2026-03-15")]
    assert [(y["plan_year"], y["deductible"]) for y in res["by_plan_year"]] == [
        ("2025-03-15", "200.00"),
        ("2026-03-15", "100.00"),
    ]


# ---------------------------------------------------------------- §4.2 fees and packages


def test_package_splits_price_with_remainder_on_the_last_line() -> None:
    proto = {"type": "iv_ketamine"}
    data = make(
        proto,
        fees(consult="250", iv_infusion="400"),
        {"kind": "self_pay"},
        packages=[{"service": "iv_infusion", "sessions": 3, "price": "1000.00"}],
    )
    res = run(data)
    charges = [ln["charge"] for ln in lines_for(res, "iv_infusion")]
    # floor(1000 / 3) = 333.33 twice, the last 1000 - 666.66 = 333.34; then the normal fee
    assert charges == ["333.33", "333.33", "333.34", "400.00", "400.00", "400.00"]
    assert lines_for(res, "consult")[0]["charge"] == "250.00"
    assert res["totals"]["charges"] == "2450.00"  # 250 + 1000 + 3 x 400


def test_package_share_is_floored_not_rounded_half_up() -> None:
    """SPEC §3 lists the package share among the half-up points, but §4.2 gives the exact rule:
    floor_to_cent(price / sessions), the remainder on the last line. 1000 / 6 = 166.666... tells them apart."""
    data = make(
        {"type": "iv_ketamine"},
        fees(consult="250", iv_infusion="400"),
        {"kind": "self_pay"},
        packages=[{"service": "iv_infusion", "sessions": 6, "price": "1000.00"}],
    )
    charges = [ln["charge"] for ln in lines_for(run(data), "iv_infusion")]
    assert charges == ["166.66"] * 5 + ["166.70"]  # half up would give 166.67 x 5 and 166.65


def test_package_lines_follow_processing_order_and_ignore_quantity() -> None:
    proto = custom((7, [("therapy", 2)]), (0, ["therapy"]), (14, ["therapy"]), once=["therapy"])
    data = make(
        proto,
        fees(therapy="150"),
        {"kind": "self_pay"},
        packages=[{"service": "therapy", "sessions": 2, "price": "100.01"}],
    )
    res = run(data)
    # processing order: evaluation (day 0), day 0, day 7 (x2), day 14; package = 50.00 + 50.01
    assert [(s["phase"], s["date"]) for s in res["sessions"]] == [
        ("evaluation", "2026-03-02"),
        ("treatment", "2026-03-02"),
        ("treatment", "2026-03-09"),
        ("treatment", "2026-03-16"),
    ]
    assert [ln["charge"] for ln in all_lines(res)] == ["50.00", "50.01", "300.00", "150.00"]


def test_line_charge_is_unit_times_quantity() -> None:
    res = run(make(custom((0, [("im_ketamine", 3)])), fees(im_ketamine="33.33"), {"kind": "self_pay"}))
    (ln,) = all_lines(res)
    assert (ln["quantity"], ln["charge"]) == (3, "99.99")


# ---------------------------------------------------------------- §4.1 the session calendar


def _days(res: dict[str, Any], phase: str | None = None) -> list[int]:
    start = dt.date.fromisoformat(res["sessions"][0]["date"])
    return [
        (dt.date.fromisoformat(s["date"]) - start).days
        for s in res["sessions"]
        if s["phase"] != "evaluation" and (phase is None or s["phase"] == phase)
    ]


def test_iv_six_over_three_weeks_and_boosters() -> None:
    proto = {
        "type": "iv_ketamine",
        "induction_infusions": 6,
        "induction_weeks": 3,
        "booster_every_weeks": 4,
        "per_session": ["therapy"],
    }
    res = run(make(proto, fees(consult="200", iv_infusion="500", therapy="100"), {"kind": "self_pay"}))
    assert _days(res, "induction") == [0, 3, 7, 10, 14, 17]
    # boosters: 17 + 28 = 45, then every 28 days while < 26 x 7 = 182: 45, 73, 101, 129, 157
    assert _days(res, "maintenance") == [45, 73, 101, 129, 157]
    assert res["totals"]["sessions"] == 11
    assert res["totals"]["visits"] == 11  # the evaluation shares day 0
    first, second = res["sessions"][:2]
    assert (first["phase"], [ln["service"] for ln in first["lines"]]) == ("evaluation", ["consult"])
    assert (second["phase"], [ln["service"] for ln in second["lines"]]) == ("induction", ["iv_infusion", "therapy"])
    assert res["by_phase"] == {
        "evaluation": {"sessions": 1, "patient_pays": "200.00"},
        "induction": {"sessions": 6, "patient_pays": "3600.00"},
        "maintenance": {"sessions": 5, "patient_pays": "3000.00"},
    }
    assert res["warnings"] == []


def test_iv_induction_floor_formula() -> None:
    proto = {"type": "iv_ketamine", "induction_infusions": 4, "induction_weeks": 2, "once": []}
    res = run(make(proto, fees(iv_infusion="500"), {"kind": "self_pay"}))
    # floor(i x 14 / 4) = 0, 3, 7, 10; no consult when `once` is empty
    assert _days(res) == [0, 3, 7, 10]
    assert res["sessions"][0]["phase"] == "induction"


@pytest.mark.parametrize(
    ("weeks", "every", "count"),
    [(26, 2, 21), (26, 1, 30), (52, 2, 34), (52, 1, 56)],
)
def test_spravato_session_counts(weeks: int, every: int, count: int) -> None:
    proto = {"type": "spravato", "week9_every_weeks": every}
    res = run(
        make(
            proto,
            fees(consult="200", spravato_drug="375", spravato_observation="250"),
            {"kind": "self_pay"},
            horizon_weeks=weeks,
        )
    )
    assert res["totals"]["sessions"] == count
    assert _days(res, "induction") == [0, 3, 7, 10, 14, 17, 21, 24]
    assert _days(res, "maintenance") == [28, 35, 42, 49]
    cont = _days(res, "continuation")
    assert cont[0] == 56 and all(b - a == 7 * every for a, b in itertools.pairwise(cont))
    assert cont[-1] < weeks * 7 <= cont[-1] + 7 * every


def test_spravato_trd_first_session_is_two_devices() -> None:
    proto = {"type": "spravato", "per_session": ["therapy"]}
    res = run(
        make(
            proto,
            fees(consult="200", spravato_drug="375", spravato_observation="250", therapy="100"),
            {"kind": "self_pay"},
            horizon_weeks=8,
        )
    )
    treatment = [s for s in res["sessions"] if s["phase"] != "evaluation"]
    assert [ln["service"] for ln in treatment[0]["lines"]] == ["spravato_drug", "spravato_observation", "therapy"]
    drug = [s["lines"][0] for s in treatment]
    # day 1: 56 mg = 2 devices (750.00); later 84 mg = 3 devices (1125.00)
    assert (drug[0]["quantity"], drug[0]["charge"]) == (2, "750.00")
    assert {(d["quantity"], d["charge"]) for d in drug[1:]} == {(3, "1125.00")}
    assert len(treatment) == 12 and res["warnings"] == []


def test_spravato_56mg_is_two_devices_every_session() -> None:
    proto = {"type": "spravato", "dose_mg": 56, "once": []}
    res = run(make(proto, fees(spravato_drug="375", spravato_observation="250"), {"kind": "self_pay"}, horizon_weeks=4))
    assert {ln["quantity"] for ln in lines_for(res, "spravato_drug")} == {2}


def test_spravato_mdsi_is_eight_sessions_at_the_dose() -> None:
    proto = {"type": "spravato", "indication": "mdsi", "once": []}
    res = run(
        make(proto, fees(spravato_drug="375", spravato_observation="250"), {"kind": "self_pay"}, horizon_weeks=26)
    )
    assert _days(res) == [0, 3, 7, 10, 14, 17, 21, 24]
    assert {ln["quantity"] for ln in lines_for(res, "spravato_drug")} == {3}  # 84 mg from the first session
    assert res["warnings"] == []
    # 8 x (3 x 375 + 250) = 8 x 1375 = 11000
    assert res["by_phase"] == {"induction": {"sessions": 8, "patient_pays": "11000.00"}}


def test_horizon_cuts_course_warnings() -> None:
    sp_fees = fees(spravato_drug="375", spravato_observation="250")
    iv = run(make({"type": "iv_ketamine", "once": []}, fees(iv_infusion="500"), {"kind": "self_pay"}, horizon_weeks=2))
    # 14 days: infusions on 0, 3, 7, 10 kept; 14 and 17 cut -> dated day 14
    assert _days(iv) == [0, 3, 7, 10]
    assert codes(iv) == [("horizon_cuts_course", "2026-03-16")]

    trd = run(make({"type": "spravato", "once": []}, sp_fees, {"kind": "self_pay"}, horizon_weeks=6))
    assert codes(trd) == [("horizon_cuts_course", "2026-04-13")]  # day 42 of weeks 5-8 is cut
    trd8 = run(make({"type": "spravato", "once": []}, sp_fees, {"kind": "self_pay"}, horizon_weeks=8))
    assert trd8["warnings"] == []  # only continuation is cut

    mdsi = run(
        make({"type": "spravato", "indication": "mdsi", "once": []}, sp_fees, {"kind": "self_pay"}, horizon_weeks=3)
    )
    assert _days(mdsi) == [0, 3, 7, 10, 14, 17]
    assert codes(mdsi) == [("horizon_cuts_course", "2026-03-23")]

    boost = {"type": "iv_ketamine", "once": [], "booster_every_weeks": 4}
    assert run(make(boost, fees(iv_infusion="500"), {"kind": "self_pay"}, horizon_weeks=3))["warnings"] == []

    cust = run(
        make(custom((0, ["therapy"]), (30, ["therapy"])), fees(therapy="100"), {"kind": "self_pay"}, horizon_weeks=4)
    )
    assert _days(cust) == [0]
    assert codes(cust) == [("horizon_cuts_course", "2026-04-01")]


def test_evaluation_session_comes_first_and_custom_sessions_sort_stably() -> None:
    sessions = [
        {"day": 7, "phase": "a", "services": [{"service": "therapy"}, {"service": "im_ketamine"}]},
        {"day": 0, "phase": "b", "services": [{"service": "im_ketamine"}]},
        {"day": 7, "phase": "c", "services": [{"service": "follow_up"}]},
    ]
    proto = {"type": "custom", "sessions": sessions, "once": ["consult", "follow_up"]}
    res = run(make(proto, fees(consult="1", im_ketamine="2", therapy="3", follow_up="4"), {"kind": "self_pay"}))
    got = [(s["date"], s["phase"], [ln["service"] for ln in s["lines"]]) for s in res["sessions"]]
    assert got == [
        ("2026-03-02", "evaluation", ["consult", "follow_up"]),
        ("2026-03-02", "b", ["im_ketamine"]),
        ("2026-03-09", "a", ["therapy", "im_ketamine"]),
        ("2026-03-09", "c", ["follow_up"]),
    ]
    assert (res["totals"]["sessions"], res["totals"]["visits"]) == (3, 2)


def test_evaluation_lines_are_adjudicated_first() -> None:
    # the consult on the evaluation session takes the deductible before the same-day infusion
    cov = commercial({"consult": COVERED, "iv_infusion": COVERED}, deductible="300", coinsurance_pct="10")
    res = run(
        make(
            {"type": "iv_ketamine", "induction_infusions": 1, "induction_weeks": 1},
            fees(consult="200", iv_infusion="500"),
            cov,
        )
    )
    consult, infusion = all_lines(res)
    check(consult, deductible="200", patient_pays="200")
    check(infusion, deductible="100", coinsurance="40", patient_pays="140")  # 300 - 200; round(400 x .1) = 40


# ---------------------------------------------------------------- §4.6 travel, accounts, time off, financing


def test_travel_uses_the_mileage_rate_of_the_visit_year_and_warns_for_2027() -> None:
    data = make(
        custom((0, ["therapy"]), (14, ["therapy"]), (380, ["therapy"]), once=["consult"]),
        fees(therapy="100", consult="100"),
        {"kind": "self_pay"},
        start_date="2025-12-22",
        horizon_weeks=55,
        travel={"round_trip_miles": "30", "parking_per_visit": "8"},
    )
    res = run(data)
    # 2025: round(30 x 0.21) = 6.30 + 8 = 14.30; 2026: round(30 x 0.205 = 6.15) + 8 = 14.15;
    # 2027 (no published rate): latest 0.205 -> 14.15; 3 visits (the evaluation shares day 0) = 42.60
    assert res["travel"] == {"visits": 3, "total": "42.60"}
    # (the course also crosses two calendar plan years: the resets are dated 2026-01-01 and 2027-01-01)
    assert codes(res) == [
        ("plan_year_reset", "2026-01-01"),
        ("plan_year_reset", "2027-01-01"),
        ("mileage_rate_assumed", "2027-01-06"),
    ]


def test_the_mileage_note_says_why_the_rate_was_assumed_for_past_and_future_years() -> None:
    """Before the reference data's first year the IRS did publish a rate: the app just doesn't hold it."""

    def message(start: str) -> str:
        data = make(
            custom((0, ["therapy"])),
            fees(therapy="100"),
            {"kind": "self_pay"},
            start_date=start,
            travel={"round_trip_miles": "10"},
        )
        (w,) = [w for w in run(data)["warnings"] if w["code"] == "mileage_rate_assumed"]
        return w["message"]

    from estimator.reference import known_years

    years = known_years("irs_medical_mileage_rate")
    past, future = message("2019-03-04"), message("2031-03-03")
    assert "has not published" not in past and f"for {years[0]} to {years[-1]} only, not 2019" in past
    assert "The IRS has not published a medical mileage rate for 2031" in future


def test_travel_rounds_each_visit_half_up_with_an_entered_rate() -> None:
    data = make(
        custom((0, ["therapy"]), (7, ["therapy"])),
        fees(therapy="100"),
        {"kind": "self_pay"},
        start_date="2027-03-01",
        travel={"round_trip_miles": "17", "mileage_rate": "0.65", "rideshare_per_visit": "12.50"},
    )
    res = run(data)
    # round(17 x 0.65 = 11.05) = 11.05 + 12.50 = 23.55 per visit; an entered rate needs no assumption
    assert res["travel"] == {"visits": 2, "total": "47.10"}
    assert res["warnings"] == []
    half = make(
        custom((0, ["therapy"])),
        fees(therapy="100"),
        {"kind": "self_pay"},
        travel={"round_trip_miles": "12.5", "mileage_rate": "0.21"},
    )
    assert run(half)["travel"]["total"] == "2.63"  # 12.5 x 0.21 = 2.625 -> 2.63 (half up)


def _accounts_scenario(**accounts: Any) -> dict[str, Any]:
    acc = {
        "fsa_available": "600",
        "fsa_next_years": "700",
        "hsa_available": "300",
        "federal_rate_pct": "22",
        "state_rate_pct": "5",
    }
    acc.update(accounts)
    return make(
        custom((0, ["therapy"]), (7, ["therapy"]), (61, ["therapy"]), (68, ["therapy"])),
        fees(therapy="500"),
        {"kind": "self_pay"},
        start_date="2026-11-02",
        accounts=acc,
    )


def test_fsa_then_hsa_then_post_tax_per_plan_year() -> None:
    res = run(_accounts_scenario())
    # 11-02: FSA 500 (100 left); 11-09: FSA 100 + HSA 300 + post-tax 100;
    # 2027-01-02: next year's FSA 700 -> 500 (200 left); 01-09: FSA 200 + post-tax 300
    # tax savings = round((1300 + 300) x (22 + 5 + 7.65) / 100 = 554.40); net = 2000 - 554.40
    assert res["accounts"] == {
        "from_fsa": "1300.00",
        "from_hsa": "300.00",
        "post_tax": "400.00",
        "tax_savings": "554.40",
        "net_cost": "1445.60",
    }
    assert codes(res) == [("plan_year_reset", "2027-01-01")]


def test_tax_savings_without_payroll_and_with_travel() -> None:
    data = _accounts_scenario(
        payroll=False, fsa_available="0", fsa_next_years="0", hsa_available="5000", state_rate_pct="4.5"
    )
    data["travel"] = {"parking_per_visit": "10"}
    res = run(data)
    # HSA pays everything: 4 x (500 + 10) = 2040; savings = round(2040 x 26.5 / 100 = 540.60); net 2040 - 540.60
    assert res["accounts"] == {
        "from_fsa": "0.00",
        "from_hsa": "2040.00",
        "post_tax": "0.00",
        "tax_savings": "540.60",
        "net_cost": "1499.40",
    }


def test_fsa_over_limit_for_later_plan_years() -> None:
    over = run(_accounts_scenario(fsa_available="9000", fsa_next_years="3400.01"))
    # later plan year begins 2027-01-01: no published 2027 limit, the latest (3400 for 2026) is used
    assert ("fsa_over_limit", "2027-01-01") in codes(over)
    at = run(_accounts_scenario(fsa_available="9000", fsa_next_years="3400"))
    # exactly the limit is not over it; the first year's FSA amount is never checked
    assert "fsa_over_limit" not in {c for c, _ in codes(at)}
    early = _accounts_scenario(fsa_next_years="3350")
    early["start_date"] = "2025-11-03"  # later plan year begins 2026-01-01: the 2026 limit is 3400
    assert "fsa_over_limit" not in {c for c, _ in codes(run(early))}
    early["accounts"]["fsa_next_years"] = "3450"
    assert ("fsa_over_limit", "2026-01-01") in codes(run(early))


def test_time_off_hours_and_wages() -> None:
    data = make(
        custom((0, ["therapy"]), (0, ["im_ketamine"]), (7, ["therapy"]), (9, ["therapy"])),
        fees(therapy="100", im_ketamine="100"),
        {"kind": "self_pay"},
        time_off={"hours_per_visit": "2.5", "hourly_wage": "31.19"},
    )
    res = run(data)
    # 3 visits (distinct dates) x 2.5 h = 7.5 h; round(7.5 x 31.19 = 233.925) = 233.93 (half up)
    assert D(res["time_off"]["hours"]) == D("7.5")
    assert res["time_off"]["total"] == "233.93"
    assert res["accounts"] is None  # time off is an indirect cost, not part of the net cost


@pytest.mark.parametrize(
    ("charge", "months", "payment", "interest"),
    [
        ("1000", 3, "333.33", "0.00"),  # round(1000 / 3); 999.99 - 1000 < 0 -> 0
        ("200", 3, "66.67", "0.01"),  # round(66.666..) = 66.67; 200.01 - 200 = 0.01
        ("1200", 1, "1200.00", "0.00"),
        ("100.05", 2, "50.03", "0.01"),  # 50.025 -> 50.03 (half up); 100.06 - 100.05 = 0.01
    ],
)
def test_financing_at_zero_apr(charge: str, months: int, payment: str, interest: str) -> None:
    data = make(
        custom((0, ["therapy"])),
        fees(therapy=charge),
        {"kind": "self_pay"},
        financing={"apr_pct": "0", "months": months},
    )
    assert run(data)["financing"] == {
        "principal": f"{D(charge):.2f}",
        "monthly_payment": payment,
        "total_interest": interest,
    }


def test_financing_at_an_apr() -> None:
    data = make(
        custom((0, ["therapy"])), fees(therapy="1200"), {"kind": "self_pay"}, financing={"apr_pct": "12", "months": 12}
    )
    # r = 0.01; 1200 x 0.01 / (1 - 1.01^-12) = 12 / 0.1124492 = 106.6185 -> 106.62; 12 x 106.62 - 1200 = 79.44
    assert run(data)["financing"] == {"principal": "1200.00", "monthly_payment": "106.62", "total_interest": "79.44"}
    data["financing"]["amount"] = "5000"
    data["financing"]["apr_pct"] = "26.99"
    data["financing"]["months"] = 24
    # r = 26.99 / 1200 = 0.02249167; (1 + r)^24 = 1.705474; 5000 r / (1 - 1 / 1.705474) = 112.4583 / 0.413650
    # = 271.8758 -> 271.88; 24 x 271.88 - 5000 = 1525.12 (the amount overrides the patient total of 1200)
    assert run(data)["financing"] == {"principal": "5000.00", "monthly_payment": "271.88", "total_interest": "1525.12"}


@pytest.mark.parametrize(
    ("amount", "apr", "months", "payment", "interest"),
    [
        # r = 5/1200 = 1/240 is not a finite decimal; one month: 1482 x 241/240 = 1488.175 exactly -> 1488.18
        ("1482", "5", 1, "1488.18", "6.18"),
        # r = 0.0025; 1602 x 1.0025^2 x 0.0025 / (1.0025^2 - 1) = 1602 x 1.00500625 / 2.0025 = 804.005 -> 804.01
        ("1602", "3", 2, "804.01", "6.02"),
        ("3", "2", 1, "3.01", "0.01"),  # 3 x (1 + 2/1200) = 3.005 -> 3.01
    ],
)
def test_financing_payment_on_an_exact_half_cent_rounds_up(
    amount: str, apr: str, months: int, payment: str, interest: str
) -> None:
    """SPEC §3: the monthly payment rounds half up, also when the exact payment ends in half a cent (a
    28-digit Decimal r = APR/1200 made these x.xx4999... and rounded them down)."""
    data = make(
        custom((0, ["therapy"])),
        fees(therapy="5000"),
        {"kind": "self_pay"},
        financing={"apr_pct": apr, "months": months, "amount": amount},
    )
    assert run(data)["financing"] == {
        "principal": f"{D(amount):.2f}",
        "monthly_payment": payment,
        "total_interest": interest,
    }


# ---------------------------------------------------------------- money conservation on a full scenario


def test_money_conservation_on_every_line_of_a_full_scenario() -> None:
    cov = {
        "kind": "commercial",
        "network": "in",
        "in_network": {
            "deductible": "1500",
            "deductible_met": "300",
            "coinsurance_pct": "20",
            "oop_max": "4000",
            "oop_met": "500",
        },
        "pharmacy": {"deductible": "100", "coinsurance_pct": "33.33", "max_per_fill": "250"},
        "family": {"type": "embedded", "deductible": "3000", "oop_max": "8000"},
        "services": {
            "spravato_drug": {"covered": True, "benefit": "pharmacy", "allowed": "333.33"},
            "spravato_observation": {"covered": True, "allowed": "412.37", "prior_auth": True},
            "therapy": {"covered": True, "copay": "35", "deductible_applies": True},
        },
        "prior_auth_until": "2026-08-31",
    }
    prog = {"name": "withMe", "services": ["spravato_drug"], "patient_pays_per_session": "10", "annual_max": "1234.56"}
    data = make(
        {"type": "spravato", "week9_every_weeks": 1, "per_session": ["therapy"], "once": ["consult"]},
        fees(consult="401.01", spravato_drug="377.77", spravato_observation="519.99", therapy="181.18"),
        cov,
        horizon_weeks=52,
        savings_programs=[prog],
        packages=[{"service": "therapy", "sessions": 7, "price": "1000"}],
    )
    res = run(data)
    lines = all_lines(res)
    assert len(lines) == 1 + 3 * 56
    for ln in lines:
        conserves(ln)
    t = res["totals"]
    total = {
        k: sum((D(ln[k]) for ln in lines), D(0))
        for k in ("charge", "plan_pays", "program_pays", "patient_pays", "balance_bill", "write_off")
    }
    assert D(t["charges"]) == total["charge"]
    assert D(t["charges"]) == D(t["plan_pays"]) + D(t["program_pays"]) + D(t["patient_pays"]) + D(t["write_off"])
    # drug (pharmacy benefit) allowed = min(3 x 377.77, 3 x 333.33) = 999.99; coins round(999.99 x 33.33 %) = 333.30,
    # capped at max_per_fill 250. Session 1 (2 devices): allowed 666.66, ded 100 + coins round(566.66 x 33.33 %) =
    # 188.87 -> program 288.87 - 10 = 278.87; then 240 a session: 518.87, 758.87, 998.87, and on day 14
    # (2026-03-16) the 1234.56 maximum runs out. It starts again on 2027-01-01 (calendar year): 2027-01-04 is the
    # first 2027 session (pharmacy deductible reset: 100 + 250 -> 340), then 580, 820, 1060, out on 2027-02-01.
    assert D(t["program_pays"]) == 2 * D("1234.56")
    assert [d for c, d in codes(res) if c == "program_max_reached"] == ["2026-03-16", "2027-02-01"]
    assert {c for c, _ in codes(res)} >= {"no_coverage_info", "prior_auth_expired", "program_max_reached"}


def test_program_paid_deductible_lowers_later_lines_per_spec() -> None:
    """A counting program that pays a deductible line leaves less deductible for later lines (SPEC §4.4 step 9).

    This is why raising a charge can lower what the patient pays when such a program applies
    (see the monotonicity property in test_properties.py, which therefore excludes counting programs).
    """
    cov = commercial(
        {"spravato_drug": COVERED, "spravato_observation": COVERED}, deductible="1000", coinsurance_pct="20"
    )
    prog = {"name": "withMe", "services": ["spravato_drug"], "patient_pays_per_session": "10", "annual_max": None}
    base = make(
        custom((0, ["spravato_drug", "spravato_observation"])),
        fees(spravato_drug="500", spravato_observation="500"),
        cov,
        savings_programs=[prog],
    )
    # drug 500: all deductible, program 490, patient 10; observation: ded 500 -> patient 510
    assert run(base)["totals"]["patient_pays"] == "510.00"
    higher = copy.deepcopy(base)
    higher["fees"][0]["charge"] = "900"
    # drug 900: ded 900, program 890, patient 10; observation: ded 100, coins round(400 x .2) = 80 -> 190
    assert run(higher)["totals"]["patient_pays"] == "190.00"

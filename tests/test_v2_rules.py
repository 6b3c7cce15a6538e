"""Unit tests for scenario version 2 (SPEC §4.9), each with hand-worked numbers.

Start part-way through a course, per-service network, out-of-network maximum allowed amounts, authorized units,
and the patient's state for savings programs. Scenarios are plain dicts (version 2 unless a test says otherwise),
validated with `scenario_from_data` and estimated; amounts are compared as Decimals from the JSON result.
"""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from estimator.scenario_io import ScenarioError, scenario_from_data
from tests import test_rules as rules
from tests.conftest import run_cli
from tests.test_rules import all_lines, codes, custom, fees, lines_for, run

D = Decimal
# Scenarios start on test_rules.START, 2026-03-02, a Monday. Day offsets: 3 = 03-05, 4 = 03-06, 7 = 03-09,
# 10 = 03-12, 14 = 03-16, 17 = 03-19, 21 = 03-23, 28 = 03-30, 35 = 04-06, 42 = 04-13, 56 = 04-27, 84 = 05-25,
# 112 = 06-22, 140 = 07-20, 168 = 08-17.

# ---------------------------------------------------------------- helpers


def make(protocol: dict[str, Any], fee_list: list[dict[str, str]], coverage: dict[str, Any], **extra: Any) -> dict:
    """A version 2 scenario (test_rules' helper with the version changed)."""
    return rules.make(protocol, fee_list, coverage, **({"version": 2} | extra))


def check(line: dict[str, Any], **want: Any) -> None:
    """Compare the named fields of a result line (amounts as Decimals; booleans, None and text exactly)."""
    for key, value in want.items():
        if isinstance(value, bool) or value is None or key in ("network", "plan_year", "service"):
            assert line[key] == value and type(line[key]) is type(value), f"{key}: {line[key]!r} != {value!r}"
        elif key == "quantity":
            assert line[key] == value, f"quantity: {line[key]} != {value}"
        else:
            assert D(line[key]) == D(value), f"{key}: {line[key]} != {value} in {line}"


def schedule(res: dict[str, Any]) -> list[tuple[str, str]]:
    return [(s["date"], s["phase"]) for s in res["sessions"]]


def conserves(line: dict[str, Any]) -> None:
    """test_rules' money conservation, and a line names a tier exactly when it is covered (SPEC §4.9)."""
    rules.conserves(line)
    assert (line["network"] is None) == (not line["covered"]), line


def problems(data: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(ScenarioError) as exc:
        scenario_from_data(data)
    return [(p.loc, p.message) for p in exc.value.problems]


def problem_at(data: dict[str, Any], loc: str) -> str:
    """The message of the problem at `loc` (fails when there is none)."""
    found = problems(data)
    messages = [m for at, m in found if at == loc]
    assert messages, f"no problem at {loc}: {found}"
    return messages[0]


SELF_PAY = {"kind": "self_pay"}
IV_FEES = fees(consult="400", iv_infusion="500")
SPRAVATO_FEES = fees(consult="300", spravato_drug="100", spravato_observation="200")


def iv(**kw: Any) -> dict[str, Any]:
    return {"type": "iv_ketamine", "induction_infusions": 6, "induction_weeks": 3, "once": [], **kw}


def spravato(**kw: Any) -> dict[str, Any]:
    return {"type": "spravato", "once": [], **kw}


# ---------------------------------------------------------------- start part-way: IV ketamine


def test_iv_start_on_a_booster() -> None:
    # 6 over 3 weeks: d_1..d_6 = floor(21 i / 6) = 0, 3, 7, 10, 14, 17; boosters every 28 days from 17 + 28:
    # d_7 = 45, d_8 = 73, ... d_13 = 213, d_14 = 241. Start 7: days d_j - 45 < 182 -> j = 7..13 (241 - 45 = 196).
    res = run(make(iv(booster_every_weeks=4, start_session=7), IV_FEES, SELF_PAY))
    dates = ["2026-03-02", "2026-03-30", "2026-04-27", "2026-05-25", "2026-06-22", "2026-07-20", "2026-08-17"]
    assert schedule(res) == [(d, "maintenance") for d in dates]
    assert res["totals"]["sessions"] == 7
    # 7 x 500 = 3500, self-pay
    assert res["totals"]["patient_pays"] == "3500.00"
    assert res["by_phase"] == {"maintenance": {"sessions": 7, "patient_pays": "3500.00"}}
    # the fixed part (the induction) is all before session 7: nothing is cut
    assert res["warnings"] == []


def test_iv_start_on_a_later_booster_ends_at_the_horizon() -> None:
    # start 9: d_9 = 101; 12 weeks = 84 days: d_10 - 101 = 28, d_11 - 101 = 56, d_12 - 101 = 84 (not < 84)
    res = run(make(iv(booster_every_weeks=4, start_session=9), IV_FEES, SELF_PAY, horizon_weeks=12))
    assert schedule(res) == [
        ("2026-03-02", "maintenance"),
        ("2026-03-30", "maintenance"),
        ("2026-04-27", "maintenance"),
    ]
    assert res["totals"]["sessions"] == 3
    assert res["warnings"] == []


def test_iv_start_inside_the_induction_keeps_phases() -> None:
    # start 4: d_4 = 10 is day 0; d_5 = 14 -> 4, d_6 = 17 -> 7 (induction), d_7 = 45 -> 35 (booster),
    # d_8 = 73 -> 63 >= 56 (8 weeks): 4 sessions
    res = run(make(iv(booster_every_weeks=4, start_session=4), IV_FEES, SELF_PAY, horizon_weeks=8))
    assert schedule(res) == [
        ("2026-03-02", "induction"),
        ("2026-03-06", "induction"),
        ("2026-03-09", "induction"),
        ("2026-04-06", "maintenance"),
    ]
    assert res["by_phase"] == {
        "induction": {"sessions": 3, "patient_pays": "1500.00"},
        "maintenance": {"sessions": 1, "patient_pays": "500.00"},
    }
    assert res["warnings"] == []


def test_iv_start_inside_the_induction_cut_by_the_horizon() -> None:
    # no boosters, start 4, 1 week = 7 days: d_4 - 10 = 0, d_5 - 10 = 4, d_6 - 10 = 7 (not < 7): session 6 is a
    # fixed (induction) session numbered >= 4 that the horizon leaves out -> horizon_cuts_course dated day 7
    res = run(make(iv(start_session=4), IV_FEES, SELF_PAY, horizon_weeks=1))
    assert schedule(res) == [("2026-03-02", "induction"), ("2026-03-06", "induction")]
    assert codes(res) == [("horizon_cuts_course", "2026-03-09")]
    # start 6 (the last one) in the same week: one session, nothing cut
    res = run(make(iv(start_session=6), IV_FEES, SELF_PAY, horizon_weeks=1))
    assert schedule(res) == [("2026-03-02", "induction")]
    assert res["warnings"] == []


def test_iv_start_session_one_is_version_one_schedule() -> None:
    # start 1 (the default written out): 0, 3, 7, 10, 14, 17 in 3 weeks
    res = run(make(iv(start_session=1), IV_FEES, SELF_PAY, horizon_weeks=3))
    days = ["2026-03-02", "2026-03-05", "2026-03-09", "2026-03-12", "2026-03-16", "2026-03-19"]
    assert [d for d, _ in schedule(res)] == days


# ---------------------------------------------------------------- start part-way: SPRAVATO


def test_spravato_start_at_week_9() -> None:
    # d_13 = 56, then every 14 days; 26 weeks = 182 days: d_j - 56 = 14 (j - 13) < 182 -> j = 13..25, 13 sessions
    # TRD 84 mg, session 13 is not session 1: every session 3 devices
    res = run(make(spravato(start_session=13), SPRAVATO_FEES, SELF_PAY))
    assert res["totals"]["sessions"] == 13
    assert {p for _, p in schedule(res)} == {"continuation"}
    assert [s["date"] for s in res["sessions"][:3]] == ["2026-03-02", "2026-03-16", "2026-03-30"]
    assert res["sessions"][-1]["date"] == "2026-08-17"  # day 168 = 12 x 14
    assert [ln["quantity"] for ln in lines_for(res, "spravato_drug")] == [3] * 13
    # per session 3 x 100 + 200 = 500; 13 x 500 = 6500
    assert res["totals"]["patient_pays"] == "6500.00"
    assert res["warnings"] == []


def test_spravato_start_at_session_19_weekly() -> None:
    # weekly from week 9: d_13 = 56, d_j = 56 + 7 (j - 13); d_19 = 98. 4 weeks: days 0, 7, 14, 21 -> 4 sessions
    res = run(make(spravato(start_session=19, week9_every_weeks=1), SPRAVATO_FEES, SELF_PAY, horizon_weeks=4))
    assert schedule(res) == [(d, "continuation") for d in ("2026-03-02", "2026-03-09", "2026-03-16", "2026-03-23")]
    # every 2 weeks: d_19 = 56 + 6 x 14 = 140; 8 weeks = 56 days: days 0, 14, 28, 42
    res = run(make(spravato(start_session=19), SPRAVATO_FEES, SELF_PAY, horizon_weeks=8))
    assert [d for d, _ in schedule(res)] == ["2026-03-02", "2026-03-16", "2026-03-30", "2026-04-13"]
    assert [ln["quantity"] for ln in lines_for(res, "spravato_drug")] == [3, 3, 3, 3]


def test_spravato_start_inside_induction_cut_by_the_horizon() -> None:
    # start 5: d_5 = 14. 4 weeks = 28 days: d_5..d_8 = 14, 17, 21, 24 -> 0, 3, 7, 10 (induction);
    # d_9 = 28 -> 14, d_10 = 35 -> 21 (maintenance, weeks 5-8); d_11 = 42 -> 28 (not < 28) and session 11 is in
    # weeks 1-8 (fixed): horizon_cuts_course dated day 28 = 03-30
    res = run(make(spravato(start_session=5), SPRAVATO_FEES, SELF_PAY, horizon_weeks=4))
    assert schedule(res) == [
        ("2026-03-02", "induction"),
        ("2026-03-05", "induction"),
        ("2026-03-09", "induction"),
        ("2026-03-12", "induction"),
        ("2026-03-16", "maintenance"),
        ("2026-03-23", "maintenance"),
    ]
    assert codes(res) == [("horizon_cuts_course", "2026-03-30")]
    # TRD 84 mg with start > 1: every session 84 mg = 3 devices
    assert [ln["quantity"] for ln in lines_for(res, "spravato_drug")] == [3] * 6
    # 6 x (3 x 100 + 200) = 3000
    assert res["totals"]["patient_pays"] == "3000.00"


def test_spravato_trd_first_session_is_56_mg_only_when_starting_at_1() -> None:
    # start 1, 1 week: sessions on days 0 and 3; session 1 is 56 mg = 2 devices, session 2 84 mg = 3 devices
    res = run(make(spravato(start_session=1), SPRAVATO_FEES, SELF_PAY, horizon_weeks=1))
    assert [ln["quantity"] for ln in lines_for(res, "spravato_drug")] == [2, 3]
    # start 2, 1 week: d_2 = 3, d_3 = 7 -> 4, d_4 = 10 -> 7 (cut): both 3 devices
    res = run(make(spravato(start_session=2), SPRAVATO_FEES, SELF_PAY, horizon_weeks=1))
    assert [ln["quantity"] for ln in lines_for(res, "spravato_drug")] == [3, 3]
    assert [ln["charge"] for ln in lines_for(res, "spravato_drug")] == ["300.00", "300.00"]
    # 56 mg courses: 2 devices everywhere
    res = run(make(spravato(start_session=2, dose_mg=56), SPRAVATO_FEES, SELF_PAY, horizon_weeks=1))
    assert [ln["quantity"] for ln in lines_for(res, "spravato_drug")] == [2, 2]


def test_mdsi_start_at_the_last_session() -> None:
    # mdsi has 8 sessions; start 8 leaves one, at 84 mg = 3 devices; nothing fixed is cut
    res = run(make(spravato(indication="mdsi", start_session=8), SPRAVATO_FEES, SELF_PAY))
    assert schedule(res) == [("2026-03-02", "induction")]
    assert [(ln["service"], ln["quantity"]) for ln in all_lines(res)] == [
        ("spravato_drug", 3),
        ("spravato_observation", 1),
    ]
    assert res["warnings"] == []
    # start 5, 1 week: d_5 = 14 -> 0, d_6 = 17 -> 3, d_7 = 21 -> 7 (cut, within weeks 1-4)
    res = run(make(spravato(indication="mdsi", start_session=5), SPRAVATO_FEES, SELF_PAY, horizon_weeks=1))
    assert [d for d, _ in schedule(res)] == ["2026-03-02", "2026-03-05"]
    assert codes(res) == [("horizon_cuts_course", "2026-03-09")]


@pytest.mark.parametrize(
    "protocol",
    [
        spravato(start_session=13, once=["consult"]),
        spravato(indication="mdsi", start_session=8, once=["consult"]),
        iv(booster_every_weeks=4, start_session=9, once=["consult"]),
        iv(start_session=1, once=["consult"]),
    ],
)
def test_once_services_are_billed_on_day_0_whatever_the_start(protocol: dict[str, Any]) -> None:
    res = run(
        make(
            protocol,
            fees(consult="300", iv_infusion="500", spravato_drug="100", spravato_observation="200"),
            SELF_PAY,
            horizon_weeks=2,
        )
    )
    first, second = res["sessions"][:2]
    assert (first["date"], first["phase"]) == ("2026-03-02", "evaluation")
    assert [(ln["service"], ln["charge"]) for ln in first["lines"]] == [("consult", "300.00")]
    assert second["date"] == "2026-03-02" and second["phase"] != "evaluation"
    # the evaluation is not a treatment session, and shares its date with the first one
    assert res["totals"]["sessions"] == len(res["sessions"]) - 1
    assert res["totals"]["visits"] == len({s["date"] for s in res["sessions"]})
    assert [s["phase"] for s in res["sessions"]].count("evaluation") == 1


# ---------------------------------------------------------------- validation


def test_start_session_beyond_an_iv_course_names_its_length() -> None:
    # no boosters: the course has induction_infusions = 6 sessions
    msg = problem_at(make(iv(start_session=7), IV_FEES, SELF_PAY), "protocol.start_session")
    assert "6" in msg
    msg = problem_at(make(iv(induction_infusions=9, start_session=10), IV_FEES, SELF_PAY), "protocol.start_session")
    assert "9" in msg
    # the last one is fine; with boosters any start up to 300 is fine
    scenario_from_data(make(iv(start_session=6), IV_FEES, SELF_PAY))
    scenario_from_data(make(iv(booster_every_weeks=4, start_session=300), IV_FEES, SELF_PAY))
    problem_at(make(iv(booster_every_weeks=4, start_session=301), IV_FEES, SELF_PAY), "protocol.start_session")
    problem_at(make(iv(booster_every_weeks=4, start_session=0), IV_FEES, SELF_PAY), "protocol.start_session")


def test_start_session_beyond_an_mdsi_course_names_8() -> None:
    msg = problem_at(
        make(spravato(indication="mdsi", start_session=9), SPRAVATO_FEES, SELF_PAY), "protocol.start_session"
    )
    assert "8" in msg
    scenario_from_data(make(spravato(indication="mdsi", start_session=8), SPRAVATO_FEES, SELF_PAY))
    scenario_from_data(make(spravato(start_session=300), SPRAVATO_FEES, SELF_PAY))  # TRD goes on


def _commercial_with(rule: dict[str, Any], **cov: Any) -> dict[str, Any]:
    return {
        "kind": "commercial",
        "in_network": {"coinsurance_pct": "20"},
        "pharmacy": {"copay": "50"},
        "services": {"spravato_drug": rule, "spravato_observation": {"covered": True}},
        **cov,
    }


def test_auth_units_need_prior_auth() -> None:
    data = make(spravato(), SPRAVATO_FEES, _commercial_with({"covered": True, "auth_units": 23}))
    msg = problem_at(data, "coverage.services.spravato_drug.auth_units")
    assert "prior_auth" in msg
    ok = make(spravato(), SPRAVATO_FEES, _commercial_with({"covered": True, "prior_auth": True, "auth_units": 23}))
    scenario_from_data(ok)
    bad = make(spravato(), SPRAVATO_FEES, _commercial_with({"covered": True, "prior_auth": True, "auth_units": 0}))
    problem_at(bad, "coverage.services.spravato_drug.auth_units")


def test_network_on_a_pharmacy_rule_is_refused() -> None:
    for network in ("in", "out"):
        rule = {"covered": True, "benefit": "pharmacy", "network": network}
        msg = problem_at(
            make(spravato(), SPRAVATO_FEES, _commercial_with(rule)), "coverage.services.spravato_drug.network"
        )
        assert "pharmacy" in msg
    # null is the default and fine
    scenario_from_data(
        make(spravato(), SPRAVATO_FEES, _commercial_with({"covered": True, "benefit": "pharmacy", "network": None}))
    )


def test_unknown_state_codes_are_refused() -> None:
    program = {"name": "withMe", "services": ["spravato_drug"], "annual_max": None}
    base = make(spravato(), SPRAVATO_FEES, _commercial_with({"covered": True}), savings_programs=[program])
    for bad in ("XX", "mi", "Michigan"):
        data = copy.deepcopy(base)
        data["patient_state"] = bad
        assert problems(data)[0][0] == "patient_state"
    data = copy.deepcopy(base)
    data["savings_programs"][0]["excluded_states"] = ["MA", "ZZ"]
    locs = [loc for loc, _ in problems(data)]
    assert locs and all(loc.startswith("savings_programs.0.excluded_states") for loc in locs), locs
    # every code the spec lists is accepted: a state, DC and the territories
    for good in ("MI", "DC", "PR", "VI", "GU", "AS", "MP"):
        data = copy.deepcopy(base)
        data["patient_state"] = good
        data["savings_programs"][0]["excluded_states"] = [good]
        scenario_from_data(data)


def _v1_base() -> dict[str, Any]:
    program = {"name": "withMe", "services": ["spravato_drug"], "patient_pays_per_session": "10", "annual_max": "8000"}
    return make(
        spravato(once=["consult"]),
        SPRAVATO_FEES,
        {
            "kind": "commercial",
            "plan_year_start": "07-01",
            "in_network": {"deductible": "1500", "deductible_met": "200", "coinsurance_pct": "20", "oop_max": "4000"},
            "out_of_network": {"deductible": "3000", "coinsurance_pct": "40", "allowed_pct_of_charge": "70"},
            "family": {"type": "embedded", "deductible": "3000", "oop_max": "8000"},
            "services": {
                "consult": {"covered": True, "copay": "40", "deductible_applies": False},
                "spravato_drug": {"covered": True, "prior_auth": True},
                "spravato_observation": {"covered": True, "allowed": "180"},
            },
            "prior_auth_until": "2026-08-31",
        },
        version=1,
        horizon_weeks=52,
        savings_programs=[program],
        accounts={"hsa_available": "1000", "federal_rate_pct": "22"},
        travel={"round_trip_miles": "30"},
        financing={"apr_pct": "9.99", "months": 12},
    )


@pytest.mark.parametrize(
    ("path", "value", "loc"),
    [
        (("protocol", "start_session"), 13, "protocol.start_session"),
        (("patient_state",), "MI", "patient_state"),
        (
            ("coverage", "services", "spravato_observation", "network"),
            "out",
            "coverage.services.spravato_observation.network",
        ),
        (
            ("coverage", "services", "spravato_observation", "oon_allowed"),
            "150",
            "coverage.services.spravato_observation.oon_allowed",
        ),
        (("coverage", "services", "spravato_drug", "auth_units"), 23, "coverage.services.spravato_drug.auth_units"),
        (("savings_programs", 0, "excluded_states"), ["MA"], "savings_programs.0.excluded_states"),
    ],
)
def test_version_1_file_using_a_version_2_field_is_refused(path: tuple[Any, ...], value: Any, loc: str) -> None:
    data = _v1_base()
    scenario_from_data(data)  # valid as it is
    target: Any = data
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    msg = problem_at(data, loc)
    assert "version 2" in msg
    data["version"] = 2
    scenario_from_data(data)  # the same file says version 2: fine


def test_version_1_file_with_defaults_written_out_is_accepted() -> None:
    data = _v1_base()
    data["protocol"]["start_session"] = 1
    data["patient_state"] = None
    data["coverage"]["services"]["spravato_drug"].update(network=None, oon_allowed=None, auth_units=None)
    data["savings_programs"][0]["excluded_states"] = []
    assert run(data) == run(_v1_base())


def test_version_1_file_read_as_version_2_gives_the_same_result() -> None:
    v1 = _v1_base()
    v2 = copy.deepcopy(v1)
    v2["version"] = 2
    a, b = run(v1), run(v2)
    assert a == b
    # a real course: 52 weeks every 2 weeks = 34 sessions plus the evaluation, over two plan years
    assert a["totals"]["sessions"] == 34
    assert len(a["by_plan_year"]) == 2
    assert {ln["network"] for ln in all_lines(a) if ln["covered"]} == {"in"}
    # the same for an out-of-network IV course with boosters
    v1 = make(
        iv(booster_every_weeks=4, once=["consult"]),
        IV_FEES,
        {
            "kind": "commercial",
            "network": "out",
            "out_of_network": {"deductible": "1000", "coinsurance_pct": "40", "allowed_pct_of_charge": "60"},
            "services": {"iv_infusion": {"covered": True}},
        },
        version=1,
    )
    v2 = dict(v1, version=2)
    assert run(v1) == run(v2)


def test_cli_refuses_a_version_1_file_with_a_version_2_field(tmp_path: Path) -> None:
    data = _v1_base()
    data["protocol"]["start_session"] = 13
    path = tmp_path / "v1.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    proc = run_cli("estimate", str(path))
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert any(ln.startswith("protocol.start_session: ") and "version 2" in ln for ln in lines), proc.stderr
    # and a start beyond an mdsi course
    data = make(spravato(indication="mdsi", start_session=9), SPRAVATO_FEES, SELF_PAY)
    path.write_text(json.dumps(data), encoding="utf-8")
    proc = run_cli("estimate", str(path))
    assert (proc.returncode, proc.stdout) == (2, "")
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("protocol.start_session: ") and "8" in proc.stderr


# ---------------------------------------------------------------- per-service network


def test_rule_out_of_network_under_in_network_coverage() -> None:
    cov = {
        "kind": "commercial",
        "network": "in",
        "in_network": {"deductible": "100", "coinsurance_pct": "20", "oop_max": "3000"},
        "out_of_network": {
            "deductible": "500",
            "coinsurance_pct": "40",
            "oop_max": "700",
            "allowed_pct_of_charge": "80",
        },
        "services": {"iv_infusion": {"covered": True, "network": "out"}, "therapy": {"covered": True}},
    }
    res = run(
        make(
            custom((0, ["iv_infusion", "therapy"]), (7, ["iv_infusion", "therapy"])),
            fees(iv_infusion="1000", therapy="200"),
            cov,
        )
    )
    iv1, th1, iv2, th2 = all_lines(res)
    # iv day 0, out tier: allowed = round(1000 x 80 %) = 800, balance bill 200; ded = min(800, 500) = 500;
    # coins = round(300 x 40 %) = 120; share 620 (out OOP left 700); plan 180; patient 620 + 200 = 820
    check(
        iv1,
        allowed="800",
        balance_bill="200",
        write_off="0",
        deductible="500",
        coinsurance="120",
        plan_pays="180",
        patient_pays="820",
        covered=True,
        network="out",
    )
    # therapy day 0, in tier, its own deductible untouched by the out line: ded 100; coins round(100 x 20 %) = 20
    check(
        th1,
        allowed="200",
        balance_bill="0",
        deductible="100",
        coinsurance="20",
        plan_pays="80",
        patient_pays="120",
        covered=True,
        network="in",
    )
    # iv day 7: out ded met; coins round(800 x 40 %) = 320 > out OOP left 700 - 620 = 80 -> coins 80;
    # plan 800 - 80 = 720; patient 80 + balance bill 200 (never capped) = 280
    check(
        iv2,
        allowed="800",
        balance_bill="200",
        deductible="0",
        coinsurance="80",
        plan_pays="720",
        patient_pays="280",
        network="out",
    )
    # therapy day 7: in ded met; coins round(200 x 20 %) = 40; in OOP 3000 far away
    check(th2, deductible="0", coinsurance="40", plan_pays="160", patient_pays="40", network="in")
    for ln in all_lines(res):
        conserves(ln)
    # the out-of-network OOP is reached on 03-09 (warned), but oop_reached_on follows coverage.network "in"
    assert ("oop_max_reached", "2026-03-09") in codes(res)
    assert "out-of-network" in next(w["message"] for w in res["warnings"] if w["code"] == "oop_max_reached")
    (year,) = res["by_plan_year"]
    assert year["oop_reached_on"] is None
    # deductible parts: 500 + 100 = 600; patient 820 + 120 + 280 + 40 = 1260; balance bills 400
    assert (year["deductible"], year["patient_pays"]) == ("600.00", "1260.00")
    assert (res["totals"]["balance_bill"], res["totals"]["patient_pays"]) == ("400.00", "1260.00")


def test_rule_in_network_under_out_of_network_coverage() -> None:
    cov = {
        "kind": "commercial",
        "network": "out",
        "in_network": {"deductible": "300", "coinsurance_pct": "10", "oop_max": "1000"},
        "out_of_network": {"deductible": "200", "coinsurance_pct": "40", "allowed_pct_of_charge": "60"},
        "family": {"type": "embedded", "deductible": "500", "deductible_met": "300", "oop_max": "225"},
        "services": {"consult": {"covered": True}, "therapy": {"covered": True, "network": "in", "allowed": "250"}},
    }
    res = run(
        make(custom((0, ["consult", "therapy"]), (7, ["consult", "therapy"])), fees(consult="300", therapy="300"), cov)
    )
    c1, t1, c2, t2 = all_lines(res)
    # consult day 0, out tier (no family limits): allowed = round(300 x 60 %) = 180, balance bill 120;
    # ded = min(180, 200) = 180 (the family's 200 left does not limit it); share 180, plan 0, patient 300
    check(
        c1,
        allowed="180",
        balance_bill="120",
        write_off="0",
        deductible="180",
        coinsurance="0",
        plan_pays="0",
        patient_pays="300",
        network="out",
    )
    # therapy day 0, in tier: allowed = min(300, 250) = 250, write-off 50; ded left = min(300, 500 - 300) = 200
    # (the out line's deductible did not go to the family): ded 200; coins round(50 x 10 %) = 5; share 205
    # (OOP left min(1000, 225) = 225); plan 45
    check(
        t1,
        allowed="250",
        write_off="50",
        balance_bill="0",
        deductible="200",
        coinsurance="5",
        plan_pays="45",
        patient_pays="205",
        network="in",
    )
    # consult day 7: out ded left 200 - 180 = 20; coins round(160 x 40 %) = 64; share 84, no out OOP maximum (the
    # family's does not apply out of network); plan 96; patient 84 + 120 = 204
    check(
        c2,
        allowed="180",
        balance_bill="120",
        deductible="20",
        coinsurance="64",
        plan_pays="96",
        patient_pays="204",
        network="out",
    )
    # therapy day 7: family deductible met (500); coins round(250 x 10 %) = 25 > OOP left min(795, 225 - 205 = 20)
    # -> 20; plan 250 - 20 = 230
    check(
        t2,
        allowed="250",
        write_off="50",
        deductible="0",
        coinsurance="20",
        plan_pays="230",
        patient_pays="20",
        network="in",
    )
    for ln in all_lines(res):
        conserves(ln)
    # the in-network (family) OOP is reached on 03-09; oop_reached_on follows coverage.network "out" (no maximum)
    assert ("oop_max_reached", "2026-03-09") in codes(res)
    assert "in-network" in next(w["message"] for w in res["warnings"] if w["code"] == "oop_max_reached")
    (year,) = res["by_plan_year"]
    assert year["oop_reached_on"] is None
    # deductible parts 180 + 200 + 20 + 0 = 400; write-offs 50 + 50 = 100; balance bills 240
    assert year["deductible"] == "400.00"
    assert (res["totals"]["write_off"], res["totals"]["balance_bill"]) == ("100.00", "240.00")
    # patient 300 + 205 + 204 + 20 = 729
    assert res["totals"]["patient_pays"] == "729.00"


def test_oop_reached_on_follows_coverage_network_when_that_tier_is_reached() -> None:
    # coverage "out" with an out OOP of 100; therapy is billed in network (no in OOP maximum)
    cov = {
        "kind": "commercial",
        "network": "out",
        "in_network": {"coinsurance_pct": "50"},
        "out_of_network": {"coinsurance_pct": "50", "oop_max": "100"},
        "services": {"consult": {"covered": True}, "therapy": {"covered": True, "network": "in"}},
    }
    res = run(
        make(custom((0, ["therapy"]), (7, ["therapy"]), (14, ["consult"])), fees(consult="300", therapy="300"), cov)
    )
    t1, t2, c1 = all_lines(res)
    # therapy (in, no cap): coins 150 each; never reaches the out OOP
    check(t1, coinsurance="150", patient_pays="150", network="in")
    check(t2, coinsurance="150", patient_pays="150", network="in")
    # consult (out, allowed 100 %): coins 150 > 100 left -> 100; out OOP reached on day 14 = 03-16
    check(c1, coinsurance="100", plan_pays="200", patient_pays="100", network="out")
    assert res["by_plan_year"][0]["oop_reached_on"] == "2026-03-16"
    assert codes(res) == [("oop_max_reached", "2026-03-16")]


def test_rule_network_with_no_such_tier_is_not_covered() -> None:
    # in-network coverage without an out-of-network benefit: a service billed out of network is not covered
    cov = {
        "kind": "commercial",
        "in_network": {"deductible": "100", "coinsurance_pct": "20"},
        "services": {"iv_infusion": {"covered": True, "network": "out"}, "therapy": {"covered": True}},
    }
    res = run(make(custom((0, ["iv_infusion", "therapy"])), fees(iv_infusion="1000", therapy="200"), cov))
    ivl, th = all_lines(res)
    check(
        ivl,
        allowed="1000",
        patient_pays="1000",
        plan_pays="0",
        deductible="0",
        balance_bill="0",
        covered=False,
        network=None,
    )
    # nothing accrued from the iv line: therapy still meets the whole 100 deductible; coins round(100 x 20 %) = 20
    check(th, deductible="100", coinsurance="20", plan_pays="80", patient_pays="120", covered=True, network="in")
    assert res["totals"]["not_covered"] == "1000.00"
    assert res["warnings"] == []  # the service has a rule: no no_coverage_info
    # out-of-network coverage without an in-network benefit: a service billed in network is not covered
    cov = {
        "kind": "commercial",
        "network": "out",
        "out_of_network": {"coinsurance_pct": "40", "allowed_pct_of_charge": "50"},
        "services": {"iv_infusion": {"covered": True}, "therapy": {"covered": True, "network": "in"}},
    }
    res = run(make(custom((0, ["iv_infusion", "therapy"])), fees(iv_infusion="1000", therapy="200"), cov))
    ivl, th = all_lines(res)
    # iv out: allowed 500, balance 500; coins 200; plan 300; patient 700
    check(
        ivl,
        allowed="500",
        balance_bill="500",
        coinsurance="200",
        plan_pays="300",
        patient_pays="700",
        covered=True,
        network="out",
    )
    check(th, allowed="200", patient_pays="200", plan_pays="0", covered=False, network=None)
    for ln in all_lines(res):
        conserves(ln)


def test_network_field_on_lines_pharmacy_self_pay_and_not_covered() -> None:
    # out-of-network coverage, SPRAVATO drug on the pharmacy benefit (always in network)
    cov = {
        "kind": "commercial",
        "network": "out",
        "out_of_network": {"coinsurance_pct": "40", "allowed_pct_of_charge": "50"},
        "pharmacy": {"copay": "50"},
        "services": {
            "spravato_drug": {"covered": True, "benefit": "pharmacy"},
            "spravato_observation": {"covered": True},
        },
    }
    res = run(make(spravato(start_session=13, once=["consult"]), SPRAVATO_FEES, cov, horizon_weeks=1))
    consult, drug, obs = all_lines(res)
    # consult has no rule: not covered (no_coverage_info)
    check(consult, covered=False, network=None, patient_pays="300")
    # drug: 3 x 100 = 300; pharmacy copay min(50, 300) = 50; plan 250; "in"
    check(
        drug,
        quantity=3,
        charge="300",
        allowed="300",
        copay="50",
        plan_pays="250",
        patient_pays="50",
        network="in",
        covered=True,
    )
    # observation out: allowed round(200 x 50 %) = 100, balance 100; coins 40; plan 60; patient 140
    check(obs, allowed="100", balance_bill="100", coinsurance="40", plan_pays="60", patient_pays="140", network="out")
    assert codes(res) == [("no_coverage_info", "2026-03-02")]
    # self-pay lines carry no network
    res = run(make(spravato(start_session=13), SPRAVATO_FEES, SELF_PAY, horizon_weeks=1))
    assert [ln["network"] for ln in all_lines(res)] == [None, None]


# ---------------------------------------------------------------- out-of-network maximum allowed amount


def _oon(rule: dict[str, Any], network: str = "out") -> dict[str, Any]:
    return {
        "kind": "commercial",
        "network": network,
        "in_network": {"coinsurance_pct": "20"},
        "out_of_network": {"coinsurance_pct": "20", "allowed_pct_of_charge": "50"},
        "services": {"spravato_drug": rule, "spravato_observation": {"covered": True}},
    }


def test_oon_allowed_below_the_charge() -> None:
    # one continuation session: spravato_drug x3 at 100 = 300, observation 200
    res = run(
        make(
            spravato(start_session=13), SPRAVATO_FEES, _oon({"covered": True, "oon_allowed": "75.50"}), horizon_weeks=1
        )
    )
    drug, obs = all_lines(res)
    # drug: allowed = min(300, 75.50 x 3 = 226.50) = 226.50 (not 50 % = 150); balance 73.50;
    # coins round(226.50 x 20 % = 45.30) = 45.30; plan 181.20; patient 45.30 + 73.50 = 118.80
    check(
        drug,
        quantity=3,
        charge="300",
        allowed="226.50",
        balance_bill="73.50",
        write_off="0",
        coinsurance="45.30",
        plan_pays="181.20",
        patient_pays="118.80",
        network="out",
    )
    # observation has no oon_allowed: allowed = round(200 x 50 %) = 100, balance 100, coins 20, plan 80
    check(obs, allowed="100", balance_bill="100", coinsurance="20", plan_pays="80", patient_pays="120", network="out")
    for ln in all_lines(res):
        conserves(ln)


def test_oon_allowed_above_the_charge() -> None:
    res = run(
        make(spravato(start_session=13), SPRAVATO_FEES, _oon({"covered": True, "oon_allowed": "400"}), horizon_weeks=1)
    )
    drug = lines_for(res, "spravato_drug")[0]
    # allowed = min(300, 400 x 3 = 1200) = 300: no balance bill; coins round(300 x 20 %) = 60; plan 240
    check(drug, allowed="300", balance_bill="0", coinsurance="60", plan_pays="240", patient_pays="60", network="out")
    # oon_allowed 100 per unit x 3 = 300 exactly equals the charge: no balance bill either
    res = run(
        make(spravato(start_session=13), SPRAVATO_FEES, _oon({"covered": True, "oon_allowed": "100"}), horizon_weeks=1)
    )
    check(lines_for(res, "spravato_drug")[0], allowed="300", balance_bill="0")


def test_oon_allowed_is_ignored_in_network() -> None:
    # coverage in network: oon_allowed 50 x 3 = 150 does not limit; allowed = charge 300 (no `allowed`):
    # coins round(300 x 20 %) = 60, plan 240, no write-off or balance bill
    res = run(
        make(
            spravato(start_session=13),
            SPRAVATO_FEES,
            _oon({"covered": True, "oon_allowed": "50"}, network="in"),
            horizon_weeks=1,
        )
    )
    check(
        lines_for(res, "spravato_drug")[0],
        allowed="300",
        write_off="0",
        balance_bill="0",
        coinsurance="60",
        plan_pays="240",
        network="in",
    )
    # rule network "in" under out-of-network coverage: same line; the contracted `allowed` 80 x 3 = 240 applies
    res = run(
        make(
            spravato(start_session=13),
            SPRAVATO_FEES,
            _oon({"covered": True, "network": "in", "oon_allowed": "50", "allowed": "80"}),
            horizon_weeks=1,
        )
    )
    # allowed = min(300, 240) = 240, write-off 60; coins round(240 x 20 %) = 48; plan 192; patient 48
    check(
        lines_for(res, "spravato_drug")[0],
        allowed="240",
        write_off="60",
        balance_bill="0",
        coinsurance="48",
        plan_pays="192",
        patient_pays="48",
        network="in",
    )


# ---------------------------------------------------------------- authorized units


def _auth(drug_rule: dict[str, Any], **cov: Any) -> dict[str, Any]:
    return {
        "kind": "commercial",
        "in_network": {"coinsurance_pct": "20"},
        "services": {
            "spravato_drug": {"covered": True, "prior_auth": True, **drug_rule},
            "spravato_observation": {"covered": True, "prior_auth": True, "auth_units": 5},
        },
        **cov,
    }


def test_auth_units_run_out_mid_course() -> None:
    # drug 3 units per session on days 0, 7, 14 (9 of 10 used, 1 left), 3 on day 21 (> 1 left: not covered,
    # warned 03-23), then 1 on day 28 (would fit the 1 left, but none are left once they ran out; no new warning)
    protocol = custom(
        (0, [("spravato_drug", 3), "spravato_observation"]),
        (7, [("spravato_drug", 3), "spravato_observation"]),
        (14, [("spravato_drug", 3), "spravato_observation"]),
        (21, [("spravato_drug", 3), "spravato_observation"]),
        (28, [("spravato_drug", 1), "spravato_observation"]),
    )
    res = run(make(protocol, SPRAVATO_FEES, _auth({"auth_units": 10})))
    drugs = lines_for(res, "spravato_drug")
    # covered: 300 each, coins 60, plan 240
    for ln in drugs[:3]:
        check(ln, charge="300", coinsurance="60", plan_pays="240", patient_pays="60", covered=True, network="in")
    check(drugs[3], charge="300", allowed="300", patient_pays="300", plan_pays="0", covered=False, network=None)
    check(drugs[4], quantity=1, charge="100", patient_pays="100", covered=False, network=None)
    # observation has its own 5 units, 1 per session: all 5 fit (coins 40, plan 160)
    for ln in lines_for(res, "spravato_observation"):
        check(ln, coinsurance="40", plan_pays="160", covered=True, network="in")
    assert codes(res) == [("prior_auth_units_exhausted", "2026-03-23")]
    assert "spravato_drug" in res["warnings"][0]["message"]
    # not covered: 300 + 100 = 400; patient 3 x 60 + 400 + 5 x 40 = 780
    assert res["totals"]["not_covered"] == "400.00"
    assert res["totals"]["patient_pays"] == "780.00"
    for ln in all_lines(res):
        conserves(ln)


def test_auth_units_exactly_used_up() -> None:
    # 9 units: 3 + 3 + 3 on days 0, 7, 14 leave 0; the day 21 line needs 3: not covered and warned that day
    protocol = custom(*[(d, [("spravato_drug", 3)]) for d in (0, 7, 14, 21, 28)])
    res = run(make(protocol, fees(spravato_drug="100"), _auth({"auth_units": 9})))
    assert [ln["covered"] for ln in all_lines(res)] == [True, True, True, False, False]
    assert codes(res) == [("prior_auth_units_exhausted", "2026-03-23")]
    # one more unit and the day 21 line fits too (12 used), leaving 0 for day 28
    res = run(make(protocol, fees(spravato_drug="100"), _auth({"auth_units": 12})))
    assert [ln["covered"] for ln in all_lines(res)] == [True, True, True, True, False]
    assert codes(res) == [("prior_auth_units_exhausted", "2026-03-30")]
    # 15 units cover all five lines: no warning
    res = run(make(protocol, fees(spravato_drug="100"), _auth({"auth_units": 15})))
    assert all(ln["covered"] for ln in all_lines(res))
    assert res["warnings"] == []


def test_auth_units_do_not_reset_with_the_plan_year() -> None:
    # plan year starts 04-01; lines on 03-02, 03-30 (plan year 2025-04-01) and 04-06, 04-13 (2026-04-01), 3 each
    protocol = custom(*[(d, [("spravato_drug", 3)]) for d in (0, 28, 35, 42)])
    cov = _auth({"auth_units": 9}, plan_year_start="04-01", in_network={"deductible": "100", "coinsurance_pct": "20"})
    res = run(make(protocol, fees(spravato_drug="100"), cov))
    l1, l2, l3, l4 = all_lines(res)
    # 03-02: ded 100, coins round(200 x 20 %) = 40 -> 140; 03-30: coins 60
    check(l1, deductible="100", coinsurance="40", patient_pays="140", plan_year="2025-04-01", covered=True)
    check(l2, deductible="0", coinsurance="60", patient_pays="60", plan_year="2025-04-01", covered=True)
    # 04-06: the deductible starts again (ded 100, coins 40) but the 9 units do not: 04-06 uses the last 3
    check(l3, deductible="100", coinsurance="40", patient_pays="140", plan_year="2026-04-01", covered=True)
    check(l4, patient_pays="300", plan_year="2026-04-01", covered=False, network=None)
    assert codes(res) == [("plan_year_reset", "2026-04-01"), ("prior_auth_units_exhausted", "2026-04-13")]


def test_lines_failing_an_earlier_check_use_no_units() -> None:
    # prior auth until 03-10: days 0 and 7 are covered (6 of 6 units used); days 14 and 21 are after it:
    # not covered by the expiry, which comes first, so no units are asked for and no units warning is given
    protocol = custom(*[(d, [("spravato_drug", 3)]) for d in (0, 7, 14, 21)])
    res = run(make(protocol, fees(spravato_drug="100"), _auth({"auth_units": 6}, prior_auth_until="2026-03-10")))
    assert [ln["covered"] for ln in all_lines(res)] == [True, True, False, False]
    assert codes(res) == [("prior_auth_expired", "2026-03-16")]
    # covered: false with too few units: not covered, no units warning
    res = run(make(protocol, fees(spravato_drug="100"), _auth({"covered": False, "auth_units": 1})))
    assert not any(ln["covered"] for ln in all_lines(res))
    assert res["warnings"] == []
    # a line not covered because its tier is missing (billed out of network, no out-of-network benefit) uses no
    # units either: 1 unit authorized, 3 needed on every line, and still no units warning
    res = run(make(protocol, fees(spravato_drug="100"), _auth({"network": "out", "auth_units": 1})))
    assert not any(ln["covered"] for ln in all_lines(res))
    assert res["warnings"] == []


def test_units_running_out_leave_other_services_alone() -> None:
    # the drug's 3 units run out on day 7 (03-09); the observation's own 5 units are untouched, and therapy
    # (prior auth, no auth_units) is never limited
    protocol = custom(*[(d, [("spravato_drug", 3), "spravato_observation", "therapy"]) for d in (0, 7)])
    cov = _auth({"auth_units": 3})
    cov["services"]["therapy"] = {"covered": True, "prior_auth": True}
    res = run(make(protocol, fees(spravato_drug="100", spravato_observation="200", therapy="150"), cov))
    assert [(ln["service"], ln["covered"]) for ln in all_lines(res)] == [
        ("spravato_drug", True),
        ("spravato_observation", True),
        ("therapy", True),
        ("spravato_drug", False),
        ("spravato_observation", True),
        ("therapy", True),
    ]
    assert codes(res) == [("prior_auth_units_exhausted", "2026-03-09")]


def test_auth_units_on_a_pharmacy_benefit() -> None:
    # pharmacy copay 50; 4 units: 3 on day 0 fit (1 left), 3 on day 7 do not
    cov = _auth({"benefit": "pharmacy", "auth_units": 4}, pharmacy={"copay": "50"})
    protocol = custom(*[(d, [("spravato_drug", 3)]) for d in (0, 7)])
    res = run(make(protocol, fees(spravato_drug="100"), cov))
    l1, l2 = all_lines(res)
    check(l1, copay="50", plan_pays="250", patient_pays="50", covered=True, network="in")
    check(l2, patient_pays="300", covered=False, network=None)
    assert codes(res) == [("prior_auth_units_exhausted", "2026-03-09")]


# ---------------------------------------------------------------- where the patient lives


def _program_scenario(state: str | None, kind: str = "commercial", **program: Any) -> dict[str, Any]:
    withme = {
        "name": "withMe",
        "services": ["spravato_drug"],
        "patient_pays_per_session": "10",
        "annual_max": None,
        "excluded_states": ["MA", "MI", "MN", "RI"],
        **program,
    }
    cov = {
        "kind": kind,
        "in_network": {"coinsurance_pct": "20"},
        "services": {"spravato_drug": {"covered": True}},
    }
    return make(
        custom((0, [("spravato_drug", 3)])),
        fees(spravato_drug="100"),
        cov,
        patient_state=state,
        savings_programs=[withme],
    )


def test_program_not_valid_in_the_patients_state() -> None:
    res = run(_program_scenario("MI"))
    # not applied: coins round(300 x 20 %) = 60, all of it the patient's
    check(all_lines(res)[0], coinsurance="60", program_pays="0", patient_pays="60")
    assert codes(res) == [("savings_program_ineligible", None)]
    assert "Michigan" in res["warnings"][0]["message"]
    assert "withMe" in res["warnings"][0]["message"]


def test_program_with_excluded_states_and_no_patient_state() -> None:
    res = run(_program_scenario(None))
    # applied: patient keeps min(60, 10) = 10, program pays 50
    check(all_lines(res)[0], coinsurance="60", program_pays="50", patient_pays="10")
    assert codes(res) == [("program_state_restricted", None)]


def test_program_in_a_state_it_does_not_exclude() -> None:
    res = run(_program_scenario("NY"))
    check(all_lines(res)[0], program_pays="50", patient_pays="10")
    assert res["warnings"] == []
    # no excluded states and no patient state: applied, nothing to warn about
    res = run(_program_scenario(None, excluded_states=[]))
    check(all_lines(res)[0], program_pays="50", patient_pays="10")
    assert res["warnings"] == []


@pytest.mark.parametrize("state", [None, "MI", "NY"])
def test_program_the_coverage_kind_excludes_gets_only_the_kind_warning(state: str | None) -> None:
    res = run(_program_scenario(state, kind="medicaid"))
    check(all_lines(res)[0], coinsurance="60", program_pays="0", patient_pays="60")
    assert codes(res) == [("savings_program_ineligible", None)]
    assert "program_state_restricted" not in [c for c, _ in codes(res)]


def test_the_next_program_pays_when_the_first_is_excluded_by_state() -> None:
    other = {"name": "Clinic fund", "services": ["spravato_drug"], "patient_pays_per_session": "20", "annual_max": None}
    data = _program_scenario("MA")
    data["savings_programs"].append(other)
    res = run(data)
    # withMe is left out (Massachusetts); the clinic fund keeps min(60, 20) = 20 for the patient, pays 40
    check(all_lines(res)[0], program_pays="40", patient_pays="20")
    assert codes(res) == [("savings_program_ineligible", None)]
    assert "Massachusetts" in res["warnings"][0]["message"]


def test_a_version_1_file_using_several_version_2_fields_names_each_one() -> None:
    data = make(
        spravato(start_session=5),
        fees(consult="1", spravato_drug="1", spravato_observation="1"),
        {
            "kind": "commercial",
            "in_network": {},
            "services": {"spravato_drug": {"covered": True, "prior_auth": True, "auth_units": 3}},
        },
        version=1,
        patient_state="MI",
    )
    with pytest.raises(ScenarioError) as err:
        scenario_from_data(data)
    assert [p.loc for p in err.value.problems] == [
        "patient_state",
        "protocol.start_session",
        "coverage.services.spravato_drug.auth_units",
    ]
    assert all(p.message == 'this field is new in version 2: set "version": 2 to use it' for p in err.value.problems)


def test_start_session_on_a_custom_course_says_custom_courses_have_no_numbered_sessions() -> None:
    protocol = {"type": "custom", "sessions": [{"day": 0, "services": [{"service": "therapy"}]}], "start_session": 2}
    with pytest.raises(ScenarioError) as err:
        scenario_from_data(make(protocol, fees(therapy="100"), {"kind": "self_pay"}))
    (problem,) = err.value.problems
    assert problem.loc == "protocol.start_session"
    assert problem.message.startswith("a custom course has no numbered sessions")


def test_the_units_warning_says_whether_units_were_used_up_or_too_few_are_left() -> None:
    def warning(units: int) -> str:
        rule = {"covered": True, "prior_auth": True, "auth_units": units}
        cov = {
            "kind": "commercial",
            "in_network": {},
            "services": {"spravato_drug": rule, "spravato_observation": rule},
        }
        data = make(spravato(dose_mg=56), fees(consult="1", spravato_drug="1", spravato_observation="1"), cov)
        return next(w["message"] for w in run(data)["warnings"] if w["code"] == "prior_auth_units_exhausted")

    # 56 mg = 2 devices a session: 10 units last five sessions exactly; 9 leave 1 for the fifth, which needs 2
    assert "approves 10 units: they were all used by the sessions before this date" in warning(10)
    assert "approves 9 units: this session needs 2 and only 1 is left" in warning(9)
    assert "renew the authorization" in warning(9)


def test_the_oop_warning_names_the_network_whose_services_cost_nothing_more() -> None:
    cov = {
        "kind": "commercial",
        "network": "out",
        "in_network": {"coinsurance_pct": "20", "oop_max": "100"},
        "out_of_network": {"coinsurance_pct": "40", "oop_max": "9000"},
        "services": {"spravato_drug": {"covered": True}, "spravato_observation": {"covered": True, "network": "in"}},
    }
    res = run(make(spravato(), fees(consult="0", spravato_drug="375", spravato_observation="300"), cov))
    in_network, out_of_network = [w["message"] for w in res["warnings"] if w["code"] == "oop_max_reached"]
    assert "covered in-network services after this date cost you nothing more" in in_network
    assert "covered out-of-network services after this date cost you nothing more" in out_of_network


def test_a_saved_scenario_file_is_written_as_version_2_and_reads_back_to_the_same_result() -> None:
    from estimator.scenario_io import scenario_from_json, scenario_to_json

    v1 = scenario_from_data(make(iv(booster_every_weeks=4), fees(iv_infusion="500"), {"kind": "self_pay"}, version=1))
    text = scenario_to_json(v1)
    assert json.loads(text)["version"] == 2
    assert run(json.loads(text)) == run(v1.model_dump(mode="json"))
    assert scenario_from_json(text).protocol == v1.protocol

"""Edge cases found in a conformance review of SPEC §3-4.8 (each was wrong once)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from typing import Any

import pytest

from estimator import estimate
from estimator.result import result_to_json
from estimator.scenario_io import ScenarioError, scenario_from_data
from tests.conftest import ROOT


def _base(**over: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "version": 1,
        "start_date": "2026-03-02",
        "horizon_weeks": 4,
        "protocol": {"type": "custom", "sessions": [{"day": 0, "services": [{"service": "therapy"}]}]},
        "fees": [{"service": "therapy", "charge": "100"}],
        "coverage": {
            "kind": "commercial",
            "in_network": {"coinsurance_pct": "20"},
            "services": {"therapy": {"covered": True}},
        },
    }
    data.update(over)
    return data


def _json(data: dict[str, Any]) -> dict[str, Any]:
    return result_to_json(estimate(scenario_from_data(data)))


def test_amounts_from_defaults_are_written_with_two_decimals() -> None:
    line = _json(_base())["sessions"][0]["lines"][0]
    assert line["deductible"] == "0.00" and line["coinsurance"] == "20.00" and line["copay"] == "0.00"


def test_pharmacy_lines_have_no_cap_without_an_in_network_tier_even_with_a_family_oop() -> None:
    """SPEC §4.4 step 6: the pharmacy OOP is the in-network one, none if in_network is null."""
    data = _base(
        protocol={"type": "custom", "sessions": [{"day": d, "services": [{"service": "drug"}]} for d in (0, 1)]},
        fees=[{"service": "drug", "charge": "100"}],
        coverage={
            "kind": "commercial",
            "network": "out",
            "out_of_network": {},
            "pharmacy": {"coinsurance_pct": "50"},
            "family": {"type": "embedded", "deductible": "0", "oop_max": "60"},
            "services": {"drug": {"covered": True, "benefit": "pharmacy"}},
        },
    )
    out = _json(data)
    assert out["totals"]["patient_pays"] == "100.00"  # 50 % of 100, twice, never capped at 60
    assert not any(w["code"] == "oop_max_reached" for w in out["warnings"])


def test_a_custom_day_far_beyond_the_horizon_is_valid_and_cut() -> None:
    data = _base(
        protocol={
            "type": "custom",
            "sessions": [
                {"day": 0, "services": [{"service": "therapy"}]},
                {"day": 1200, "services": [{"service": "therapy"}]},
            ],
        }
    )
    out = _json(data)
    assert out["totals"]["sessions"] == 1
    cut = [w for w in out["warnings"] if w["code"] == "horizon_cuts_course"]
    assert cut and cut[0]["date"] == "2029-06-14"  # 2026-03-02 + 1200 days


def test_a_custom_phase_named_evaluation_is_still_a_treatment_session() -> None:
    sessions = [
        {"day": 0, "phase": "evaluation", "services": [{"service": "therapy"}]},
        {"day": 7, "services": [{"service": "therapy"}]},
    ]
    out = _json(_base(protocol={"type": "custom", "sessions": sessions, "once": ["therapy"]}))
    assert out["totals"]["sessions"] == 2  # the once-services evaluation session is the only one left out
    assert out["by_phase"]["evaluation"]["sessions"] == 2


def test_a_program_with_a_null_annual_maximum_has_no_maximum() -> None:
    data = _base(
        savings_programs=[{"name": "p", "services": ["therapy"], "patient_pays_per_session": "5", "annual_max": None}]
    )
    out = _json(data)
    assert out["totals"]["program_pays"] == "15.00" and out["totals"]["patient_pays"] == "5.00"


@pytest.mark.parametrize("start", ["0001-01-01", "9999-12-31"])
def test_start_dates_outside_any_plan_calendar_are_refused(start: str) -> None:
    with pytest.raises(ScenarioError) as err:
        scenario_from_data(_base(start_date=start))
    assert err.value.problems[0].loc == "start_date"


def test_jsonl_keeps_output_lines_in_step_with_input_lines() -> None:
    good = json.dumps(_base())
    proc = subprocess.run(
        [sys.executable, "-m", "estimator", "estimate", "--jsonl"],
        input=f"{good}\n\n{good}\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert proc.returncode == 0
    lines = proc.stdout.splitlines()
    assert len(lines) == 3
    assert "totals" in json.loads(lines[0]) and "totals" in json.loads(lines[2])
    assert json.loads(lines[1])["errors"]


def _messages(data: dict[str, Any], code: str) -> list[str]:
    return [w["message"] for w in _json(data)["warnings"] if w["code"] == code]


def test_warning_wording_found_in_a_review() -> None:
    """'1 weeks', an FSA mention with no FSA, and a limit without cents each read wrong to a patient once."""
    one_week = _base(
        horizon_weeks=1,
        protocol={"type": "custom", "sessions": [{"day": d, "services": [{"service": "therapy"}]} for d in (0, 9)]},
    )
    assert _messages(one_week, "horizon_cuts_course")[0].startswith("The estimate covers 1 week, which ends")
    year_end = _base(start_date="2026-12-21", coverage={"kind": "self_pay"})
    year_end["protocol"]["sessions"].append({"day": 14, "services": [{"service": "therapy"}]})
    (reset,) = _messages(year_end, "plan_year_reset")
    assert reset == "A new year starts on 2027-01-01; self-pay prices are not affected."
    accounts = {"fsa_available": "100", "fsa_next_years": "9000", "federal_rate_pct": "22", "state_rate_pct": "0"}
    with_fsa = year_end | {"accounts": accounts}
    assert "FSA election for the new year" in _messages(with_fsa, "plan_year_reset")[0]
    (over,) = _messages(with_fsa, "fsa_over_limit")
    assert "The FSA election of $9,000.00 for the plan year starting 2027-01-01" in over
    assert re.search(r"limit of \$\d{1,3}(,\d{3})*\.\d{2} for 2027\.$", over), over  # dollars and cents

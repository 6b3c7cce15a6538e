"""The command line (SPEC §4.8): estimate, --summary, --jsonl and schema."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from estimator.engine import estimate
from estimator.result import result_to_json
from estimator.scenario_io import scenario_from_json
from tests.conftest import CASES_DIR, run_cli

SCENARIO: dict[str, Any] = {
    "version": 1,
    "name": "CLI test: SPRAVATO 8 weeks with withMe",
    "start_date": "2026-03-02",
    "horizon_weeks": 8,
    "protocol": {"type": "spravato"},
    "fees": [
        {"service": "consult", "code": "99205", "charge": "300"},
        {"service": "spravato_drug", "code": "J0013", "charge": "375"},
        {"service": "spravato_observation", "code": "99215+99415", "charge": "250"},
    ],
    "coverage": {
        "kind": "commercial",
        "in_network": {"deductible": "1500", "coinsurance_pct": "20", "oop_max": "4000"},
        "services": {"spravato_drug": {"covered": True}, "spravato_observation": {"covered": True}},
    },
    "savings_programs": [
        {"name": "withMe", "services": ["spravato_drug"], "patient_pays_per_session": "10", "annual_max": "8000"}
    ],
    "travel": {"round_trip_miles": "20"},
    "financing": {"apr_pct": "0", "months": 6},
}


def _write(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_estimate_prints_the_result_json(tmp_path: Path) -> None:
    path = _write(tmp_path, SCENARIO)
    proc = run_cli("estimate", str(path))
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    printed = json.loads(proc.stdout)
    assert printed == result_to_json(estimate(scenario_from_json(path.read_bytes())))
    # 12 treatment sessions in 8 weeks, one visit each (the evaluation shares day 0)
    assert (printed["totals"]["sessions"], printed["totals"]["visits"]) == (12, 12)
    assert set(printed) == {
        "sessions",
        "totals",
        "by_plan_year",
        "by_phase",
        "accounts",
        "travel",
        "time_off",
        "financing",
        "warnings",
    }
    # amounts are strings with two decimals
    assert printed["totals"]["charges"].count(".") == 1 and len(printed["totals"]["charges"].split(".")[1]) == 2


def test_estimate_matches_result_to_json_for_every_shared_case() -> None:
    cases = sorted(p for p in CASES_DIR.glob("*.json") if not p.name.endswith(".expected.json"))
    for path in cases:
        proc = run_cli("estimate", str(path))
        assert proc.returncode == 0, (path.name, proc.stderr)
        assert json.loads(proc.stdout) == result_to_json(estimate(scenario_from_json(path.read_bytes()))), path.name


def test_summary_prints_a_table(tmp_path: Path) -> None:
    proc = run_cli("estimate", "--summary", str(_write(tmp_path, SCENARIO)))
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "You pay" in out
    assert "988" in out
    assert "estimate" in out.lower()
    total = result_to_json(estimate(scenario_from_json(json.dumps(SCENARIO))))["totals"]["patient_pays"]
    assert f"${Decimal(total):,.2f}" in out  # the headline figure, formatted for people
    assert not out.lstrip().startswith("{")  # a table, not the JSON result


def test_jsonl_keeps_going_past_an_invalid_line() -> None:
    good = json.dumps(SCENARIO)
    bad = json.dumps({**SCENARIO, "horizon_weeks": 0})
    other = json.dumps({**SCENARIO, "horizon_weeks": 4, "coverage": {"kind": "self_pay"}})
    proc = run_cli("estimate", "--jsonl", stdin="\n".join([good, bad, other]) + "\n")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.splitlines()
    assert len(out) == 3
    first, middle, last = (json.loads(line) for line in out)
    assert first == result_to_json(estimate(scenario_from_json(good)))
    assert last == result_to_json(estimate(scenario_from_json(other)))
    assert set(middle) == {"errors"}
    assert middle["errors"] and all(set(e) == {"loc", "message"} for e in middle["errors"])
    assert [e["loc"] for e in middle["errors"]] == ["horizon_weeks"]
    assert "Traceback" not in proc.stderr


def test_jsonl_malformed_line_gives_an_errors_object() -> None:
    good = json.dumps({**SCENARIO, "coverage": {"kind": "self_pay"}})
    proc = run_cli("estimate", "--jsonl", stdin=good + "\n{not json\n" + good + "\n")
    assert proc.returncode == 0, proc.stderr
    out = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(out) == 3
    assert "totals" in out[0] and "totals" in out[2]
    assert out[1]["errors"][0]["loc"] == "" and "JSON" in out[1]["errors"][0]["message"]


def test_jsonl_deeply_nested_line_does_not_stop_the_stream() -> None:
    good = json.dumps({**SCENARIO, "coverage": {"kind": "self_pay"}})
    proc = run_cli("estimate", "--jsonl", stdin=good + "\n" + "[" * 20_000 + "\n" + good + "\n")
    assert proc.returncode == 0, proc.stderr
    out = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(out) == 3 and "totals" in out[0] and "totals" in out[2]
    assert "nested too deeply" in out[1]["errors"][0]["message"]
    assert "Traceback" not in proc.stderr


def test_jsonl_each_output_line_is_compact_json() -> None:
    proc = run_cli("estimate", "--jsonl", stdin=json.dumps(SCENARIO) + "\n")
    assert proc.returncode == 0
    assert proc.stdout.endswith("\n") and proc.stdout.count("\n") == 1


def test_schema_prints_the_scenario_json_schema() -> None:
    proc = run_cli("schema")
    assert proc.returncode == 0, proc.stderr
    schema = json.loads(proc.stdout)
    assert "properties" in schema
    props = schema["properties"]
    for key in ("version", "start_date", "horizon_weeks", "protocol", "fees", "coverage", "savings_programs"):
        assert key in props
    assert schema.get("additionalProperties") is False  # unknown keys are an error
    assert {"version", "start_date", "protocol", "fees", "coverage"} <= set(schema["required"])


def test_schema_describes_version_2() -> None:
    schema = json.loads(run_cli("schema").stdout)
    defs = schema["$defs"]
    assert schema["properties"]["version"]["enum"] == [1, 2]
    states = schema["properties"]["patient_state"]["anyOf"][0]["enum"]
    assert len(states) == 56 and {"MI", "DC", "PR", "VI", "GU", "AS", "MP"} <= set(states)
    for protocol in ("IvKetamine", "Spravato"):
        start = defs[protocol]["properties"]["start_session"]
        assert (start["minimum"], start["maximum"], start["default"]) == (1, 300, 1)
    assert "start_session" not in defs["Custom"]["properties"]
    rule = defs["ServiceRule"]["properties"]
    assert rule["network"]["anyOf"][0]["enum"] == ["in", "out"] and rule["network"]["default"] is None
    assert rule["auth_units"]["anyOf"][0] == {"maximum": 999, "minimum": 1, "type": "integer"}
    assert "oon_allowed" in rule
    excluded = defs["SavingsProgram"]["properties"]["excluded_states"]
    assert excluded["items"]["enum"] == states and "excluded_states" not in defs["SavingsProgram"]["required"]
    # every new field says it is version 2, and no bound is written in a form JSON Schema does not know
    for described in (start, rule["network"], rule["oon_allowed"], rule["auth_units"], excluded):
        assert described["description"].startswith("Version 2")
    text = json.dumps({k: v for k, v in defs.items() if k != "Scenario"})
    assert '"ge"' not in text and '"le"' not in text


def test_summary_says_a_zero_apr_plan_has_no_interest(tmp_path: Path) -> None:
    """As on the page and the PDF: at 0 % APR the SPEC's `payment x n - P` is only the payment's rounding."""
    data = SCENARIO | {"financing": {"apr_pct": "0", "months": 7}}
    result = estimate(scenario_from_json(json.dumps(data)))
    assert result.financing is not None and result.financing.monthly_payment * 7 != result.financing.principal
    out = run_cli("estimate", "--summary", str(_write(tmp_path, data))).stdout
    assert "(interest none (0\u00a0% APR)" in out

"""Invalid scenarios: exit 2, nothing on stdout, no traceback, and a `field.path: message` line (SPEC §4, §4.8)."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from estimator.scenario_io import Problem, ScenarioError, scenario_from_data, scenario_from_json
from tests.conftest import run_cli

VALID: dict[str, Any] = {
    "version": 1,
    "start_date": "2026-03-02",
    "protocol": {"type": "iv_ketamine", "per_session": ["therapy"]},
    "fees": [
        {"service": "consult", "charge": "200"},
        {"service": "iv_infusion", "charge": "500.50"},
        {"service": "therapy", "charge": "150"},
    ],
    "coverage": {
        "kind": "commercial",
        "in_network": {"deductible": "1000", "deductible_met": "100", "coinsurance_pct": "20", "oop_max": "5000"},
        "services": {"iv_infusion": {"covered": True}, "therapy": {"covered": True, "copay": "30"}},
    },
}


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """Set a dotted path ("fees.0.charge") in a scenario dict; list indexes are numbers."""

    def mutate(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = data
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value

    return mutate


def _drop(path: str) -> Callable[[dict[str, Any]], None]:
    def mutate(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = data
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if isinstance(node, list):
            del node[int(last)]
        else:
            del node[last]

    return mutate


def _both(*mutations: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
    def mutate(data: dict[str, Any]) -> None:
        for m in mutations:
            m(data)

    return mutate


# (id, mutation, the loc a problem must have)
INVALID: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    ("horizon_not_an_int", _set("horizon_weeks", "twenty"), "horizon_weeks"),
    ("horizon_fraction", _set("horizon_weeks", 26.5), "horizon_weeks"),
    ("horizon_too_long", _set("horizon_weeks", 157), "horizon_weeks"),
    ("start_date_bad_form", _set("start_date", "03/02/2026"), "start_date"),
    ("start_date_number", _set("start_date", 0), "start_date"),
    ("start_date_not_a_day", _set("start_date", "2026-02-30"), "start_date"),
    ("name_number", _set("name", 5), "name"),
    ("fees_object", _set("fees", {"consult": "200"}), "fees"),
    ("charge_bool", _set("fees.0.charge", True), "fees.0.charge"),
    ("charge_text", _set("fees.0.charge", "two hundred"), "fees.0.charge"),
    ("covered_text", _set("coverage.services.iv_infusion.covered", "maybe"), "coverage.services.iv_infusion.covered"),
    ("protocol_type", _set("protocol.type", "oral"), "protocol"),
    ("protocol_count", _set("protocol.induction_infusions", 13), "protocol.induction_infusions"),
    ("kind_unknown", _set("coverage.kind", "tricare"), "coverage.kind"),
    ("negative_charge", _set("fees.1.charge", "-0.01"), "fees.1.charge"),
    ("negative_charge_number", _set("fees.1.charge", -5), "fees.1.charge"),
    ("negative_deductible", _set("coverage.in_network.deductible", "-1"), "coverage.in_network.deductible"),
    ("three_decimals", _set("fees.1.charge", "500.505"), "fees.1.charge"),
    ("three_decimals_number", _set("fees.1.charge", 10.555), "fees.1.charge"),
    ("three_decimals_copay", _set("coverage.services.therapy.copay", "30.001"), "coverage.services.therapy.copay"),
    ("money_too_big", _set("fees.0.charge", "10000000.01"), "fees.0.charge"),
    # SPEC §3: no input takes more than 2 decimal places, miles and hours included
    ("miles_three_decimals", _set("travel", {"round_trip_miles": "12.345"}), "travel.round_trip_miles"),
    (
        "hours_three_decimals",
        _set("time_off", {"hours_per_visit": "1.125", "hourly_wage": "20"}),
        "time_off.hours_per_visit",
    ),
    ("pct_over_100", _set("coverage.in_network.coinsurance_pct", "100.01"), "coverage.in_network.coinsurance_pct"),
    (
        "pct_three_decimals",
        _set("coverage.in_network.coinsurance_pct", "20.125"),
        "coverage.in_network.coinsurance_pct",
    ),
    ("unknown_top_key", _set("colour", "blue"), "colour"),
    ("unknown_tier_key", _set("coverage.in_network.dedcutible", "1"), "coverage.in_network.dedcutible"),
    ("unknown_fee_key", _set("fees.0.price", "1"), "fees.0.price"),
    ("missing_start_date", _drop("start_date"), "start_date"),
    (
        "deductible_met_above",
        _set("coverage.in_network.deductible_met", "1000.01"),
        "coverage.in_network.deductible_met",
    ),
    ("oop_met_above", _set("coverage.in_network.oop_met", "5000.01"), "coverage.in_network.oop_met"),
    (
        "family_deductible_met_above",
        _set("coverage.family", {"type": "aggregate", "deductible": "100", "deductible_met": "200"}),
        "coverage.family.deductible_met",
    ),
    (
        "pharmacy_deductible_met_above",
        _set("coverage.pharmacy", {"deductible": "50", "deductible_met": "60"}),
        "coverage.pharmacy.deductible_met",
    ),
    ("missing_fee", _drop("fees.2"), "fees"),
    ("missing_fee_once", _drop("fees.0"), "fees"),
    ("duplicate_fee", _set("fees.2", {"service": "consult", "charge": "1"}), "fees"),
    ("service_id_case", _set("fees.0.service", "Consult"), "fees.0.service"),
    (
        "pharmacy_without_pharmacy",
        _set("coverage.services.iv_infusion", {"covered": True, "benefit": "pharmacy"}),
        "coverage.pharmacy",
    ),
    (
        "integrated_without_in_network",
        _both(
            _set("coverage.kind", "self_pay"),
            _drop("coverage.in_network"),
            _set("coverage.pharmacy", {"integrated_deductible": True}),
        ),
        "coverage.pharmacy",
    ),
    ("plan_year_0229", _set("coverage.plan_year_start", "02-29"), "coverage.plan_year_start"),
    ("plan_year_1301", _set("coverage.plan_year_start", "13-01"), "coverage.plan_year_start"),
    ("plan_year_form", _set("coverage.plan_year_start", "1-1"), "coverage.plan_year_start"),
    ("commercial_without_in_network", _drop("coverage.in_network"), "coverage.in_network"),
    ("medicare_out_without_tier", _set("coverage.network", "out"), "coverage.out_of_network"),
    (
        "medicaid_without_tier",
        _both(_set("coverage.kind", "medicaid"), _drop("coverage.in_network")),
        "coverage.in_network",
    ),
    ("prior_auth_date", _set("coverage.prior_auth_until", "soon"), "coverage.prior_auth_until"),
    (
        "program_annual_max_missing",
        _set("savings_programs", [{"name": "x", "services": ["therapy"]}]),
        "savings_programs.0.annual_max",
    ),
    ("financing_months", _set("financing", {"apr_pct": "5", "months": 0}), "financing.months"),
    ("version", _set("version", 3), "version"),
]


def _invalid(mutation: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    data = copy.deepcopy(VALID)
    mutation(data)
    return data


def _problem_locs(stderr: str) -> list[str]:
    """The `field.path` of each `field.path: message` line."""
    return [line.split(": ", 1)[0] for line in stderr.splitlines() if ": " in line]


def test_the_base_scenario_is_valid(tmp_path: Path) -> None:
    path = tmp_path / "ok.json"
    path.write_text(json.dumps(VALID))
    proc = run_cli("estimate", str(path))
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["totals"]["sessions"] == 6


def test_negative_zero_money_is_plain_zero() -> None:
    """ "-0" passes the >= 0 check; it is held, and written, as 0.00 rather than "-0.00"."""
    data = copy.deepcopy(VALID)
    data["fees"][2]["charge"] = "-0"
    scenario = scenario_from_data(data)
    assert str(scenario.fees[2].charge) == "0.00"


@pytest.mark.parametrize(("mutation", "loc"), [(m, loc) for _, m, loc in INVALID], ids=[i for i, _, _ in INVALID])
def test_invalid_file_exits_2_with_field_path(tmp_path: Path, mutation: Callable[[dict], None], loc: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(_invalid(mutation)))
    proc = run_cli("estimate", str(path))
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert lines and all(": " in line for line in lines), proc.stderr
    assert loc in _problem_locs(proc.stderr), proc.stderr


@pytest.mark.parametrize(("mutation", "loc"), [(m, loc) for _, m, loc in INVALID], ids=[i for i, _, _ in INVALID])
def test_invalid_scenario_problems_name_the_field(mutation: Callable[[dict], None], loc: str) -> None:
    data = _invalid(mutation)
    with pytest.raises(ScenarioError) as err:
        scenario_from_json(json.dumps(data))
    problems = err.value.problems
    assert problems and all(isinstance(p, Problem) and p.message for p in problems)
    assert loc in [p.loc for p in problems]
    # the already-parsed path gives the same problems
    with pytest.raises(ScenarioError) as err2:
        scenario_from_data(data)
    assert [p.loc for p in err2.value.problems] == [p.loc for p in problems]


def test_deductible_met_loc_ends_with_the_field() -> None:
    with pytest.raises(ScenarioError) as err:
        scenario_from_json(json.dumps(_invalid(_set("coverage.in_network.deductible_met", "2000"))))
    (problem,) = err.value.problems
    assert problem.loc.endswith("deductible_met")
    assert "$2,000.00" in problem.message and "$1,000.00" in problem.message


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("fees.0.charge", None, "this field can't be blank"),
        ("fees.0.charge", "abc", "enter an amount as a number, for example 1500 or 1500.00"),
        ("start_date", None, "this field can't be blank"),
        ("start_date", "2026-13-01", "enter a date as YYYY-MM-DD, for example 2026-09-14"),
        ("horizon_weeks", 2.5, "enter a whole number"),
        ("fees.0.service", None, "this field can't be blank"),
    ],
)
def test_type_errors_read_like_a_form(path: str, value: Any, message: str) -> None:
    """What the app shows beside a blank or mistyped field: no pydantic wording such as 'Decimal object'."""
    with pytest.raises(ScenarioError) as err:
        scenario_from_data(_invalid(_set(path, value)))
    assert Problem(path, message) in err.value.problems


@pytest.mark.parametrize("value", ["0²-01", "٠١-٠١", "०७-०१"])
def test_plan_year_start_takes_ascii_digits_only(value: str) -> None:
    """"²" passes str.isdigit() but not int(): it once put Python's own "invalid literal" text beside the field.
    Other scripts' digits would have been stored and put in the link as typed."""
    with pytest.raises(ScenarioError) as err:
        scenario_from_data(_invalid(_set("coverage.plan_year_start", value)))
    assert Problem("coverage.plan_year_start", "use the form MM-DD, for example 01-01 or 07-01") in err.value.problems


def test_missing_fee_message_names_the_service() -> None:
    with pytest.raises(ScenarioError) as err:
        scenario_from_json(json.dumps(_invalid(_drop("fees.2"))))
    (problem,) = err.value.problems
    assert problem.loc == "fees" and "therapy" in problem.message


def test_several_problems_give_one_line_each(tmp_path: Path) -> None:
    data = _invalid(_both(_set("horizon_weeks", 0), _set("fees.0.charge", "-1"), _set("colour", "red")))
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    proc = run_cli("estimate", str(path))
    assert proc.returncode == 2 and proc.stdout == ""
    assert sorted(_problem_locs(proc.stderr)) == ["colour", "fees.0.charge", "horizon_weeks"]


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ('{"version": 1,', "JSON"),
        ("", "it is empty"),
        ("not json at all", "JSON"),
        ('{"version": 1} trailing', "JSON"),
        ("\ufeff{", "JSON"),
    ],
    ids=["truncated", "empty", "prose", "trailing", "bom"],
)
def test_malformed_json(tmp_path: Path, text: str, says: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(text, encoding="utf-8")
    proc = run_cli("estimate", str(path))
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr
    assert says in proc.stderr
    with pytest.raises(ScenarioError) as err:
        scenario_from_json(text)
    assert err.value.problems and says in err.value.problems[0].message


def test_a_byte_order_mark_is_accepted() -> None:
    """Windows Notepad saves UTF-8 with a BOM; the file is still the same scenario."""
    text = json.dumps(VALID)
    assert scenario_from_json("\ufeff" + text) == scenario_from_json(text)
    assert scenario_from_json(b"\xef\xbb\xbf" + text.encode()) == scenario_from_json(text)


@pytest.mark.parametrize("text", ["[" * 100_000 + "]" * 100_000, '{"a":' * 50_000 + "1" + "}" * 50_000])
def test_deeply_nested_json_is_a_bad_file_not_a_crash(text: str) -> None:
    with pytest.raises(ScenarioError) as err:
        scenario_from_json(text)
    assert "nested too deeply" in err.value.problems[0].message


@pytest.mark.parametrize("text", ["[1, 2, 3]", '"a string"', "42"])
def test_a_file_that_is_not_one_object_says_so(text: str) -> None:
    with pytest.raises(ScenarioError) as err:
        scenario_from_json(text)
    assert err.value.problems[0].message == "the file must hold one scenario, a JSON object {...}"


def test_not_an_object(tmp_path: Path) -> None:
    path = tmp_path / "list.json"
    path.write_text("[1, 2, 3]")
    proc = run_cli("estimate", str(path))
    assert (proc.returncode, proc.stdout) == (2, "")
    assert "Traceback" not in proc.stderr and proc.stderr.strip()


def test_binary_file(tmp_path: Path) -> None:
    path = tmp_path / "blob.json"
    path.write_bytes(b"\xff\xfe\x00\x01garbage")
    proc = run_cli("estimate", str(path))
    assert (proc.returncode, proc.stdout) == (2, "")
    assert "Traceback" not in proc.stderr and proc.stderr.strip()


def test_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"
    proc = run_cli("estimate", str(missing))
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr
    assert str(missing) in proc.stderr


def test_directory_instead_of_file(tmp_path: Path) -> None:
    proc = run_cli("estimate", str(tmp_path))
    assert (proc.returncode, proc.stdout) == (2, "")
    assert "Traceback" not in proc.stderr


def test_estimate_without_a_file() -> None:
    proc = run_cli("estimate")
    assert (proc.returncode, proc.stdout) == (2, "")
    assert "Traceback" not in proc.stderr and proc.stderr.strip()


def test_summary_of_an_invalid_file_also_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(_invalid(_set("coverage.plan_year_start", "02-29"))))
    proc = run_cli("estimate", "--summary", str(path))
    assert (proc.returncode, proc.stdout) == (2, "")
    assert _problem_locs(proc.stderr) == ["coverage.plan_year_start"]

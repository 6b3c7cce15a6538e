"""Every worked case in ../shared/cases and cases/v2 (scenario version 2) reproduces its expected result to the cent."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from estimator import estimate
from estimator.result import result_to_json
from estimator.scenario_io import scenario_from_json
from tests.conftest import CASES_DIR

CASES = sorted(
    p for folder in (CASES_DIR, CASES_DIR / "v2") for p in folder.glob("*.json") if not p.stem.endswith(".expected")
)


def _same(expected: object, actual: object, where: str) -> None:
    """Amounts compare as Decimals (to the cent); everything else exactly."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict), where
        for key, value in expected.items():
            assert key in actual, f"{where}.{key} missing"
            _same(value, actual[key], f"{where}.{key}")
    elif isinstance(expected, str) and isinstance(actual, str) and expected.replace(".", "").isdigit():
        assert Decimal(actual) == Decimal(expected), f"{where}: {actual} != {expected}"
    else:
        assert actual == expected, f"{where}: {actual!r} != {expected!r}"


@pytest.mark.skipif(not CASES, reason=f"no shared cases folder at {CASES_DIR}")
@pytest.mark.parametrize("path", CASES, ids=lambda p: p.relative_to(CASES_DIR).with_suffix("").as_posix())
def test_case_matches_expected(path: Path) -> None:
    expected = json.loads(path.with_name(path.stem + ".expected.json").read_text())
    result = result_to_json(estimate(scenario_from_json(path.read_bytes())))
    for key in ("totals", "accounts", "travel", "time_off", "financing"):
        _same(expected[key], result[key], key)
    assert len(result["by_plan_year"]) == len(expected["by_plan_year"])
    for i, (exp, act) in enumerate(zip(expected["by_plan_year"], result["by_plan_year"], strict=True)):
        _same(exp, act, f"by_plan_year[{i}]")
    assert sorted({w["code"] for w in result["warnings"]}) == sorted(set(expected["warning_codes"]))
    if "sessions" in expected:
        got = [
            (s["date"], s["phase"], sum((Decimal(ln["patient_pays"]) for ln in s["lines"]), Decimal(0)))
            for s in result["sessions"]
        ]
        want = [(s["date"], s["phase"], Decimal(s["patient_pays"])) for s in expected["sessions"]]
        assert got == want

"""The core stays pure (SPEC §2, §3): no Streamlit anywhere in estimator/, no floats in its money code, and no
database: the clinic store (the `clinic` package, SQLAlchemy, Alembic, psycopg) is only named by the entry point
`estimator/__main__.py`, which hands the store's commands to it."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

CORE = ROOT / "estimator"
MODULES = sorted(CORE.rglob("*.py"))  # documents/ and workflows/ included
# The modules that compute money (SPEC §3, §4). Presentation modules (PDF layout in millimetres, chart data)
# may use floats for geometry or plotting; they are still checked for Streamlit and for Decimal(float).
MONEY_MODULES = [
    CORE / f"{name}.py"
    for name in (
        "money",
        "models",
        "scenario_io",
        "schedule",
        "pricing",
        "adjudication",
        "programs",
        "accounts",
        "financing",
        "engine",
        "result",
        "reference",
        "warning_log",
    )
]


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def test_core_modules_found() -> None:
    names = {p.stem for p in MODULES}
    assert {p.stem for p in MONEY_MODULES} <= names


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.relative_to(CORE).as_posix())
def test_no_streamlit_import(path: Path) -> None:
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Import):
            roots = [alias.name.split(".")[0] for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            roots = [(node.module or "").split(".")[0]]
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "__import__":
            roots = [
                a.value.split(".")[0] for a in node.args[:1] if isinstance(a, ast.Constant) and isinstance(a.value, str)
            ]
        else:
            continue
        assert "streamlit" not in roots, f"{path.name}:{node.lineno} imports streamlit"
    assert "import streamlit" not in path.read_text(encoding="utf-8")


STORAGE = {"clinic", "sqlalchemy", "alembic", "psycopg"}
ENTRY_POINT = CORE / "__main__.py"  # not part of the core: `python -m estimator` runs it, nothing imports it


def _import_roots(path: Path) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level:
            roots.add((node.module or "").split(".")[0])
    return roots


@pytest.mark.parametrize("path", [p for p in MODULES if p != ENTRY_POINT], ids=lambda p: p.relative_to(CORE).as_posix())
def test_the_core_never_imports_the_clinic_store(path: Path) -> None:
    assert not _import_roots(path) & STORAGE, f"{path.name} imports the clinic store or a database library"


def test_only_the_entry_point_hands_commands_to_the_store() -> None:
    assert "clinic" in _import_roots(ENTRY_POINT)
    proc = subprocess.run(
        [sys.executable, "-c", "import estimator.cli, estimator.workflows.batch, sys; "
         "print(sorted(m for m in ('clinic', 'sqlalchemy', 'alembic', 'psycopg') if m in sys.modules))"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 0 and proc.stdout.strip() == "[]", proc.stderr


@pytest.mark.parametrize("path", MONEY_MODULES, ids=lambda p: p.name)
def test_no_float_literals_or_float_calls(path: Path) -> None:
    """Money is Decimal (SPEC §3): no float literal such as 0.2 or 1e3, and no float() conversion in the core."""
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Constant) and isinstance(node.value, float):
            raise AssertionError(f"{path.name}:{node.lineno} has the float literal {node.value!r}")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "float":
            raise AssertionError(f"{path.name}:{node.lineno} calls float()")


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.relative_to(CORE).as_posix())
def test_decimals_are_built_from_strings_or_ints(path: Path) -> None:
    """Decimal(0.1) would carry the float's binary error; every Decimal(...) literal is a str or an int."""
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Decimal":
            for arg in node.args:
                if isinstance(arg, ast.Constant):
                    assert isinstance(arg.value, (str, int)), f"{path.name}:{node.lineno} Decimal({arg.value!r})"


def test_importing_the_engine_does_not_load_streamlit() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", "import estimator.engine, estimator.cli, sys; print('streamlit' in sys.modules)"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "False"


def test_an_estimate_computes_only_decimals() -> None:
    """Every amount in a result is a Decimal with exactly two places (no float crept in)."""
    import dataclasses
    from decimal import Decimal

    from estimator.engine import estimate
    from estimator.scenario_io import scenario_from_data

    scenario = scenario_from_data(
        {
            "version": 1,
            "start_date": "2026-03-02",
            "protocol": {"type": "iv_ketamine", "booster_every_weeks": 4},
            "fees": [{"service": "consult", "charge": 199.99}, {"service": "iv_infusion", "charge": 550}],
            "coverage": {
                "kind": "commercial",
                "in_network": {"deductible": 1000, "coinsurance_pct": 17.5, "oop_max": 3000},
                "services": {"iv_infusion": {"covered": True, "allowed": 433.33}},
            },
            "accounts": {"hsa_available": 800, "federal_rate_pct": 22},
            "travel": {"round_trip_miles": 13.7},
            "time_off": {"hours_per_visit": 2.5, "hourly_wage": 27.35},
            "financing": {"apr_pct": 9.99, "months": 12},
        }
    )
    result = estimate(scenario)

    def walk(value: object, where: str) -> None:
        assert not isinstance(value, float), where
        if isinstance(value, Decimal) and where.split(".")[-1] != "hours":
            assert value.as_tuple().exponent == -2, f"{where} = {value}"
        if dataclasses.is_dataclass(value):
            for f in dataclasses.fields(value):
                walk(getattr(value, f.name), f"{where}.{f.name}")
        elif isinstance(value, (list, tuple)):
            for i, item in enumerate(value):
                walk(item, f"{where}[{i}]")
        elif isinstance(value, dict):
            for k, item in value.items():
                walk(item, f"{where}.{k}")

    walk(result, "result")

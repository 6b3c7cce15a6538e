"""Fuzzing the command line in process (issue 16): mutated scenarios, JSON lines and batch rows never make it show a
traceback or lose a line. Bounded by the hypothesis profile (CI: 500 examples each) to run in well under a minute."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from estimator.cli import main, run_jsonl
from estimator.workflows.batch import run_batch_cli
from estimator.workflows.batch_input import INPUT_COLUMNS, TEMPLATE_ROWS
from tests.test_hardening import SCENARIO

BASE = json.dumps(SCENARIO)
SPRAVATO = json.dumps(
    {
        "version": 2,
        "start_date": "2027-01-04",
        "horizon_weeks": 26,
        "patient_state": "MI",
        "protocol": {"type": "spravato", "start_session": 5},
        "fees": [
            {"service": "consult", "charge": "350"},
            {"service": "spravato_drug", "charge": "375"},
            {"service": "spravato_observation", "charge": "300"},
        ],
        "coverage": {
            "kind": "commercial",
            "in_network": {"deductible": "1500", "coinsurance_pct": "20", "oop_max": "6000"},
            "out_of_network": {"deductible": "3000", "coinsurance_pct": "40"},
            "services": {
                "spravato_drug": {"covered": True, "prior_auth": True, "auth_units": 20, "network": "out"},
                "spravato_observation": {"covered": True, "oon_allowed": "200"},
            },
        },
        "savings_programs": [
            {"name": "rebate", "services": ["spravato_drug"], "annual_max": "1000", "excluded_states": ["MA"]}
        ],
    }
)

# JSON values a field might be given instead of its own: wrong types, extremes, text in other scripts, nesting.
ODD_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**30), 10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
    st.sampled_from(["", "-0", "1e9", "١٢", "02-29", "9999-12-31", "NaN", "Infinity", "=1+1", "\r\n", "in", "out"]),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON document (object keys and list positions)."""
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, (*prefix, i))
    return out


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """A scenario file changed the way a hand edit, a bad export or an attacker might change it."""
    text = draw(st.sampled_from([BASE, SPRAVATO]))
    doc = json.loads(text)
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(doc) if p]
        path = draw(st.sampled_from(paths))
        parent = doc
        for part in path[:-1]:
            parent = parent[part]
        action = draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "delete":
            del parent[path[-1]]
        elif action == "add" and isinstance(parent, dict):
            parent[draw(st.text(max_size=12))] = draw(ODD_VALUES)
        else:
            parent[path[-1]] = draw(ODD_VALUES)
        if not isinstance(doc, dict):
            break
    raw = json.dumps(doc, ensure_ascii=draw(st.booleans())).encode("utf-8")
    byte_edit = draw(st.sampled_from(["none", "none", "truncate", "insert", "duplicate_key"]))
    if byte_edit == "truncate":
        raw = raw[: draw(st.integers(0, len(raw)))]
    elif byte_edit == "insert":
        at = draw(st.integers(0, len(raw)))
        raw = raw[:at] + draw(st.binary(min_size=1, max_size=4)) + raw[at:]
    elif byte_edit == "duplicate_key" and raw.endswith(b"}"):
        raw = raw[:-1] + b', "name": "again"}'
    return raw


FUZZ = settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture], deadline=None)


@FUZZ
@given(raw=mutated(), summary=st.booleans())
def test_a_mutated_scenario_file_exits_0_or_2_without_a_traceback(
    raw: bytes, summary: bool, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "scenario.json"
    path.write_bytes(raw)
    status = main(["estimate", str(path), *(["--summary"] if summary else [])])
    out, err = capsys.readouterr()
    assert status in (0, 2)
    assert "Traceback" not in err
    if status == 0:
        assert out and not err
        if not summary:
            assert "totals" in json.loads(out)
    else:
        assert out == "" and err.strip()


@FUZZ
@given(st.lists(mutated(), min_size=1, max_size=6))
def test_mutated_jsonl_lines_give_one_line_out_each_in_order(lines: list[bytes]) -> None:
    data = b"\n".join(line.replace(b"\n", b" ") for line in lines) + b"\n"
    out = io.BytesIO()
    run_jsonl(io.BytesIO(data), out)
    results = out.getvalue().decode("utf-8").splitlines()
    assert len(results) == len(lines)
    for line, result in zip(lines, results, strict=True):
        parsed = json.loads(result)
        assert ("errors" in parsed) != ("totals" in parsed)
        if "totals" in parsed:  # only a line that is a valid scenario on its own (a BOM allowed) gives a result
            assert json.loads(line.decode("utf-8-sig"))


CELLS = st.one_of(
    st.text(max_size=12).filter(lambda s: "\n" not in s and "\r" not in s and "\x00" not in s),
    st.sampled_from(["", "iv6", "spravato_1y", "custom", "self_pay", "commercial", "1/4/2027", "1-Jan", "19", "MI"]),
)


@FUZZ
@given(rows=st.lists(st.lists(CELLS, min_size=0, max_size=len(INPUT_COLUMNS) + 2), min_size=1, max_size=6))
def test_mutated_batch_rows_keep_every_row_and_never_show_a_traceback(rows: list[list[str]], tmp_path: Path) -> None:
    import csv

    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(INPUT_COLUMNS)
    writer.writerows([[str(r[c]) for c in INPUT_COLUMNS] for r in TEMPLATE_ROWS])
    writer.writerows(rows)
    path = tmp_path / "patients.csv"
    path.write_text(text.getvalue(), encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    status = run_batch_cli(str(path), None, out, err)
    assert status in (0, 2), err.getvalue()
    assert "Traceback" not in err.getvalue()
    if status == 0:
        written = list(csv.reader(io.StringIO(out.getvalue())))
        kept = [r for r in rows if any(c.strip() for c in r)]  # blank lines are skipped, by design
        assert len(written) == 1 + len(TEMPLATE_ROWS) + len(kept)


def test_the_fuzzers_start_from_valid_scenarios() -> None:
    """Mutations start from scenarios that are valid, so every example tests a near miss, not noise."""
    out = io.BytesIO()
    run_jsonl(io.BytesIO(f"{BASE}\n{SPRAVATO}\n".encode()), out)
    assert all("totals" in json.loads(line) for line in out.getvalue().splitlines())

"""The clinic store's command line (issue 18) on SQLite and PostgreSQL: `clinic import/export/list` and
`batch --clinic` with a `payer_template` column, whose rows equal the single estimates of the same scenarios."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from clinic.clinic_file import setup_from_json
from estimator.clinic_setup import PayerTemplate, scenario_with_setup
from estimator.engine import estimate
from estimator.presets import course_preset, program_templates
from estimator.scenario_io import scenario_from_data
from estimator.workflows.batch import run_batch
from estimator.workflows.batch_input import INPUT_COLUMNS, CoverageTable, prices_from_price_list
from tests.clinic_backends import db_url, pg_server  # noqa: F401 - fixtures
from tests.conftest import ROOT

SETUP_FILE = ROOT / "tests" / "data" / "clinic_setup.json"
CLINIC = "Lakeside Ketamine & SPRAVATO Clinic"
SETUP = setup_from_json(SETUP_FILE.read_bytes())
TEMPLATES = SETUP.active_templates()
PRICES = next(p.content for p in SETUP.price_lists if p.content.name == "Standard 2026")


def _cli(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ESTIMATOR_DATABASE_URL": url}
    return subprocess.run(
        [sys.executable, "-m", "estimator", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


# Five patients, each naming a payer template (one in another case, one with a plan_preset it overrides).
ROWS: list[dict[str, str]] = [
    {"patient_ref": "R1", "course_preset": "spravato_6m", "start_date": "2026-03-02", "coverage_kind": "commercial",
     "deductible": "1500", "oop_max": "6000", "payer_template": "Aetna Open Access PPO", "plan_preset": "ppo_copays"},
    {"patient_ref": "R2", "course_preset": "spravato_6m", "start_date": "2026-04-06", "coverage_kind": "commercial",
     "network": "out", "deductible": "3000", "deductible_met": "500", "oop_max": "12000",
     "payer_template": "BCBS PPO, clinic out of network"},
    {"patient_ref": "R3", "course_preset": "spravato_1y", "start_date": "2026-02-02", "coverage_kind": "medicare",
     "payer_template": "medicare part b"},
    {"patient_ref": "R4", "course_preset": "iv6", "start_date": "2026-03-09", "coverage_kind": "commercial",
     "deductible": "1000", "coinsurance_pct": "30", "plan_year_start": "01-01",
     "payer_template": "Aetna Open Access PPO"},
    {"patient_ref": "R5", "course_preset": "spravato_continuing", "start_date": "2026-05-04",
     "coverage_kind": "commercial", "start_session": "13", "savings_program": "yes", "deductible": "2000",
     "deductible_met": "2000", "oop_max": "7000", "oop_met": "2500", "payer_template": "Aetna Open Access PPO"},
]  # fmt: skip


def _csv(rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=INPUT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows({c: r.get(c, "") for c in INPUT_COLUMNS} for r in rows)
    return out.getvalue()


def _single(row: dict[str, str], template: PayerTemplate) -> Any:
    """The single estimate of a row's patient, built as the Estimate page would with the same template."""
    course = course_preset(row["course_preset"])
    protocol = course.protocol.model_dump()
    if row.get("start_session"):
        protocol.update(start_session=int(row["start_session"]), once=[])
    program = next(t.program for t in program_templates() if t.id == "withme_medication")
    base = {
        "version": 2,
        "name": row["patient_ref"],
        "start_date": row["start_date"],
        "horizon_weeks": course.horizon_weeks,
        "protocol": protocol,
        "fees": [],
        "coverage": {"kind": "self_pay"},
        "savings_programs": [program.model_dump()] if row.get("savings_program") == "yes" else [],
    }
    figures = {k: Decimal(row[k]) for k in ("deductible", "deductible_met", "coinsurance_pct", "oop_max", "oop_met")
               if row.get(k)}  # fmt: skip
    data = scenario_with_setup(
        base,
        price_list=PRICES,
        template=template,
        figures=figures,
        network=row.get("network") or None,  # type: ignore[arg-type]
        plan_year_start=row.get("plan_year_start") or None,
    )
    return estimate(scenario_from_data(data))


def _assert_rows_equal_single_estimates(out: list[dict[str, Any]]) -> None:
    assert len(out) == len(ROWS)
    for got, row in zip(out, ROWS, strict=True):
        template = next(t for t in TEMPLATES.values() if t.name.casefold() == row["payer_template"].casefold())
        assert got["error"] == "" and got["coverage_used"] == f"payer template {template.name}", got
        t = _single(row, template).totals
        assert (got["sessions"], got["charges"], got["insurance_pays"], got["program_pays"]) == (
            str(t.sessions), str(t.charges), str(t.plan_pays), str(t.program_pays)
        ), row["patient_ref"]  # fmt: skip
        assert got["patient_pays_total"] == str(t.patient_pays), row["patient_ref"]


def test_five_rows_with_payer_templates_equal_the_single_estimates_in_process() -> None:
    out = run_batch(_csv(ROWS), prices_from_price_list(PRICES), payer_templates=TEMPLATES)
    _assert_rows_equal_single_estimates([{k: str(v) for k, v in r.items()} for r in out.rows])
    # the template's figures stand in for blank cells, and the row's own figures come first
    (r3,) = [r for r in out.rows if r["patient_ref"] == "R3"]
    assert Decimal(str(r3["insurance_pays"])) > 0


def test_import_export_and_batch_from_the_store(db_url: str, tmp_path: Path) -> None:  # noqa: F811
    imported = _cli(db_url, "clinic", "import", str(SETUP_FILE))
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.splitlines()[0] == f"clinic {CLINIC!r}: added"
    assert len(imported.stdout.splitlines()) == 6
    exported = tmp_path / "export.json"
    done = _cli(db_url, "clinic", "export", str(exported))
    assert done.returncode == 0, done.stderr
    assert exported.read_bytes() == SETUP_FILE.read_bytes()

    patients = tmp_path / "patients.csv"
    patients.write_text(_csv(ROWS), encoding="utf-8")
    batch = _cli(db_url, "batch", str(patients), "--clinic", CLINIC.lower(), "--price-list", "Standard 2026")
    assert batch.returncode == 0, batch.stderr
    _assert_rows_equal_single_estimates(_rows(batch.stdout))
    # without --price-list: the active list in effect today (the 2025 one is archived)
    default = _cli(db_url, "batch", str(patients), "--clinic", CLINIC)
    assert default.returncode == 0 and default.stdout == batch.stdout, default.stderr

    listing = _cli(db_url, "clinic", "list")
    assert "price list: Standard 2025 (version 1) (archived)" in listing.stdout


def test_a_bad_clinic_file_exits_2_with_path_messages(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(
        SETUP_FILE.read_text(encoding="utf-8").replace('"1234567893"', '"1234567890"').replace('"325.00"', '"-1"'),
        encoding="utf-8",
    )
    url = f"sqlite:///{tmp_path / 'never.sqlite3'}"
    done = _cli(url, "clinic", "import", str(bad))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    assert any(line.startswith("clinic.npi: ") and "check digit" in line for line in lines), lines
    assert any(line.startswith("price_lists.1.fees.0.charge: ") for line in lines), lines
    assert not (tmp_path / "never.sqlite3").exists()  # validated before the store is opened
    for args, words in [
        (("clinic", "import", str(tmp_path / "missing.json")), "cannot read the file"),
        (("clinic", "export", "-"), "name the clinic with --clinic NAME (none is kept yet)"),
        (("batch", "x.csv", "--clinic", "Nowhere"), "no clinic named 'Nowhere' is kept"),
    ]:
        done = _cli(url, *args)
        assert done.returncode == 2 and words in done.stderr and "Traceback" not in done.stderr, done.stderr


def test_an_unreachable_server_is_a_message_not_a_traceback() -> None:
    done = _cli("postgresql://nobody@127.0.0.1:9/none?connect_timeout=3", "clinic", "list")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.startswith("the clinic store (PostgreSQL postgresql+psycopg://nobody@127.0.0.1:9/none")


def test_clinic_options_need_a_clinic_and_help_names_the_commands() -> None:
    done = _cli("sqlite://", "batch", "x.csv", "--payer-template", "Aetna")
    assert done.returncode == 2 and "give --clinic NAME too" in done.stderr
    assert "clinic" in _cli("sqlite://", "--help").stdout
    assert "--payer-template" in _cli("sqlite://", "batch", "--help").stdout


# ---------------------------------------------------------------- precedence (no database: templates as data)


def _used(row: dict[str, str], **kwargs: Any) -> str:
    (out,) = run_batch(_csv([row]), prices_from_price_list(PRICES), **kwargs).rows
    return str(out["coverage_used"]) or str(out["error"])


def test_coverage_precedence_row_template_then_preset_then_batch_template_or_file_then_default() -> None:
    row = {"course_preset": "spravato_6m", "start_date": "2026-03-02", "coverage_kind": "commercial"}
    aetna, bcbs = TEMPLATES["Aetna Open Access PPO"], TEMPLATES["BCBS PPO, clinic out of network"]
    file = CoverageTable(aetna.services, "coverage file cov.json")
    both = {"payer_templates": TEMPLATES, "payer_template": bcbs}
    assert _used({**row, "payer_template": "aetna open access ppo", "plan_preset": "ppo_copays"}, **both) == (
        "payer template Aetna Open Access PPO"
    )
    assert _used({**row, "plan_preset": "ppo_copays"}, **both) == "plan preset ppo_copays"
    assert _used(row, **both) == "payer template BCBS PPO, clinic out of network"
    assert _used(row, coverage=file) == "coverage file cov.json"
    assert _used({**row, "coverage_kind": "medicare"}, **both).startswith("plan preset medicare_b_2026 (the default")
    assert _used(row).startswith("plan preset hdhp_2026 (the default")


@pytest.mark.parametrize(
    ("cells", "templates", "words"),
    [
        ({"payer_template": "Cigna"}, TEMPLATES, "payer_template: 'Cigna' is not one of the clinic's payer templates"),
        ({"payer_template": "Medicare Part B"}, TEMPLATES, "is a medicare template but coverage_kind is commercial"),
        ({"payer_template": "Aetna Open Access PPO"}, None, "choose the clinic first"),
    ],
)
def test_a_template_that_cannot_be_used_names_the_column(
    cells: dict[str, str], templates: dict[str, PayerTemplate] | None, words: str
) -> None:
    row = {"course_preset": "iv6", "start_date": "2026-03-02", "coverage_kind": "commercial", **cells}
    (out,) = run_batch(_csv([row]), payer_templates=templates).rows
    assert words in str(out["error"]), out["error"]


def test_a_row_figure_breaking_the_templates_tier_names_its_column() -> None:
    row = {"course_preset": "spravato_6m", "start_date": "2026-03-02", "coverage_kind": "medicare",
           "deductible_met": "400", "payer_template": "Medicare Part B"}  # fmt: skip
    (out,) = run_batch(_csv([row]), payer_templates=TEMPLATES).rows
    assert str(out["error"]).startswith("deductible_met: the amount already met ($400.00) is more than"), out

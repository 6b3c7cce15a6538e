"""Batch estimates (estimator.workflows.batch): rows in, result rows out, no row dropped, CSV safe."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from decimal import Decimal

import pytest

from estimator.engine import estimate
from estimator.models import billed_services
from estimator.presets import course_preset, example_prices, plan_preset, program_templates
from estimator.scenario_io import scenario_from_data
from estimator.workflows.batch import run_batch, run_batch_cli, stream_results_csv
from estimator.workflows.batch_input import (
    INPUT_COLUMNS,
    MAX_CSV_BYTES,
    OUTPUT_COLUMNS,
    RESULT_COLUMNS,
    BatchInputError,
    example_price_list,
    prices_from_json,
    read_rows,
    template_csv,
)
from tests.conftest import ROOT

HEADER = ",".join(INPUT_COLUMNS)
GOOD_1 = "A-1,spravato_6m,2026-03-02,commercial,in,1700.00,250,20,8500,400,01-01,yes"
BAD = "B-2,iv6,2026-02-30,commercial,in,1500,0,20,6000,0,01-01,no"
GOOD_3 = "C-3,iv6_boosters,2026-05-04,self_pay,,,,,,,,no"


def _csv(*rows: str) -> str:
    return "\n".join([HEADER, *rows]) + "\n"


def _parse(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def _scenario(course_id: str, start: str, coverage: dict, programs: bool):
    """A single scenario built by hand the way the batch documents it."""
    course = course_preset(course_id)
    prices = example_prices()
    if coverage["kind"] != "self_pay":
        coverage = {**coverage, "services": {s: {"covered": True} for s in billed_services(course.protocol)}}
    withme = next(t for t in program_templates() if t.id == "withme_medication").program
    return scenario_from_data(
        {
            "version": 1,
            "start_date": start,
            "horizon_weeks": course.horizon_weeks,
            "protocol": course.protocol.model_dump(),
            "fees": [f.model_dump() for f in prices.scenario_fees()],
            "packages": [p.model_dump() for p in prices.scenario_packages()],
            "coverage": coverage,
            "savings_programs": [withme.model_dump()] if programs else [],
        }
    )


def _assert_matches(row: dict[str, str], result) -> None:
    t = result.totals
    assert row["error"] == ""
    assert int(row["sessions"]) == t.sessions
    assert Decimal(row["charges"]) == t.charges
    assert Decimal(row["insurance_pays"]) == t.plan_pays
    assert Decimal(row["program_pays"]) == t.program_pays
    assert Decimal(row["patient_pays_total"]) == t.patient_pays
    assert row["patient_pays_by_plan_year"] == "; ".join(
        f"{py.plan_year.isoformat()}: {py.patient_pays}" for py in result.by_plan_year
    )


def test_three_rows_one_bad_none_dropped() -> None:
    out = run_batch(_csv(GOOD_1, BAD, GOOD_3))
    assert (out.good, out.bad) == (2, 1)
    rows = _parse(out.csv())
    assert [r["patient_ref"] for r in rows] == ["A-1", "B-2", "C-3"]
    assert list(rows[0]) == OUTPUT_COLUMNS

    tier = {
        "deductible": "1700.00",
        "deductible_met": "250",
        "coinsurance_pct": "20",
        "oop_max": "8500",
        "oop_met": "400",
    }
    first = estimate(_scenario("spravato_6m", "2026-03-02", {"kind": "commercial", "in_network": tier}, True))
    _assert_matches(rows[0], first)
    assert Decimal(rows[0]["program_pays"]) > 0

    third = estimate(_scenario("iv6_boosters", "2026-05-04", {"kind": "self_pay"}, False))
    _assert_matches(rows[2], third)

    bad = rows[1]
    assert bad["error"].startswith("start_date:")
    assert "2026-02-30" in bad["error"] and "YYYY-MM-DD" in bad["error"]
    assert bad["sessions"] == bad["patient_pays_total"] == ""


def test_out_of_network_row_uses_both_tiers() -> None:
    row = "oon,spravato_6m,2026-03-02,commercial,out,3000,0,40,12000,0,01-01,no"
    (out,) = _parse(run_batch(_csv(row)).csv())
    tier = {"deductible": "3000", "coinsurance_pct": "40", "oop_max": "12000"}
    cov = {"kind": "commercial", "network": "out", "in_network": tier, "out_of_network": tier}
    _assert_matches(out, estimate(_scenario("spravato_6m", "2026-03-02", cov, False)))


@pytest.mark.parametrize(
    ("row", "column", "words"),
    [
        ("x,iv7,2026-03-02,self_pay,,,,,,,,no", "course_preset", "not a course preset"),
        ("x,iv6,,self_pay,,,,,,,,no", "start_date", "required"),
        ("x,iv6,2026-03-02,private,,,,,,,,no", "coverage_kind", "not one of"),
        ("x,iv6,2026-03-02,commercial,maybe,0,0,0,,0,,no", "network", "not one of"),
        ("x,iv6,2026-03-02,commercial,in,1500.005,0,20,,0,,no", "deductible", "2 decimal places"),
        ("x,iv6,2026-03-02,commercial,in,1500,0,120,,0,,no", "coinsurance_pct", "100"),
        ("x,iv6,2026-03-02,commercial,in,1500,2000,20,,0,,no", "deductible_met", "more than the deductible"),
        ("x,iv6,2026-03-02,commercial,in,1500,0,20,abc,0,,no", "oop_max", "not a number"),
        ("x,iv6,2026-03-02,commercial,in,1500,0,20,1000,2000,,no", "oop_met", "more than"),
        ("x,iv6,2026-03-02,commercial,in,1500,0,20,,0,02-29,no", "plan_year_start", "02-29"),
        ("x,iv6,2026-03-02,self_pay,,,,,,,,perhaps", "savings_program", "yes or no"),
        ("x,iv6,2026-03-02,self_pay,,,,,,,,no,,,,,extra", "row", "cells"),
    ],
)
def test_bad_cells_name_the_column(row: str, column: str, words: str) -> None:
    out = run_batch(_csv(row, GOOD_3))
    assert (out.good, out.bad) == (1, 1)
    error = str(out.rows[0]["error"])
    assert column in error and words in error, error


def test_several_problems_reported_together() -> None:
    (row,) = run_batch(_csv("x,iv7,3/32/2026,commercial,in,-5,0,20,,0,,no")).rows
    error = str(row["error"])
    for column in ("course_preset", "start_date", "deductible"):
        assert column + ":" in error


def test_formula_injection_is_neutralized() -> None:
    evil = '"=HYPERLINK(""http://evil.example"",""x"")",iv6,2026-03-02,self_pay,,,,,,,,no'
    evil_bad = "+cmd|' /C calc'!A0,iv6,not-a-date,self_pay,,,,,,,,no"
    text = run_batch(_csv(evil, evil_bad)).csv()
    rows = _parse(text)
    assert rows[0]["patient_ref"].startswith("'=HYPERLINK(")
    assert rows[0]["error"] == ""
    assert rows[1]["patient_ref"].startswith("'+cmd")
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value


def test_template_parses_and_computes() -> None:
    out = run_batch(template_csv())
    assert (out.good, out.bad) == (2, 0)
    assert all(r["error"] == "" and int(r["sessions"]) > 0 for r in out.rows)


def test_the_downloaded_template_starts_on_the_coming_mondays() -> None:
    import datetime as dt

    text = template_csv(dt.date(2026, 11, 23))  # a Monday
    assert [r["start_date"] for r in csv.DictReader(io.StringIO(text))] == ["2026-11-30", "2026-12-07"]
    out = run_batch(text)
    assert (out.good, out.bad) == (2, 0)


def test_defaults_whitespace_case_and_currency_formats() -> None:
    row = '  p  , SPRAVATO_6M , 2026-03-02 , Commercial , IN ,"$1,700.00",, 20% , $8500 ,, , YES'
    (got,) = run_batch(_csv(row)).rows
    (ref,) = run_batch(_csv("p,spravato_6m,2026-03-02,commercial,in,1700,0,20,8500,0,01-01,yes")).rows
    assert got["error"] == ""
    assert {k: got[k] for k in RESULT_COLUMNS} == {k: ref[k] for k in RESULT_COLUMNS}
    # the input cells are repeated as read (stripped), so the row can be checked and re-run
    cells = [c.strip() for c in row.split(",", 5)[:5]] + ["$1,700.00", "", "20%", "$8500", "", "", "YES"]
    assert [got[c] for c in INPUT_COLUMNS[:12]] == cells


def test_missing_optional_columns_and_blank_lines() -> None:
    text = "course_preset,start_date,coverage_kind\n\niv6,2026-03-02,self_pay\n,,\nspravato_6m,2026-03-02,self_pay\n"
    out = run_batch(text)
    assert (out.good, out.bad) == (2, 0)
    assert [r["line"] for r in out.rows] == [3, 5]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "empty"),
        ("patient_ref,course_preset,start_date\n", "missing required column(s): coverage_kind"),
        ("patient_ref,course_preset,start_date,coverage_kind,deductable\n", "unknown column"),
        ("course_preset,start_date,coverage_kind,start_date\n", "more than once"),
        (  # a stray quote used to swallow the next row into this one's patient_ref, losing it silently
            'patient_ref,course_preset,start_date,coverage_kind\n"oops,iv6,2026-03-02,self_pay\nx,iv6,2026-03-02,self_pay\n',
            'line 2: a quote (") opened on this line is not closed on it',
        ),
    ],
)
def test_bad_files_are_refused(text: str, words: str) -> None:
    with pytest.raises(BatchInputError) as e:
        run_batch(text)
    assert words in str(e.value)


def test_size_limit() -> None:
    with pytest.raises(BatchInputError, match="larger than"):
        run_batch(b"x" * (MAX_CSV_BYTES + 1))


def test_cp1252_and_bom_are_read() -> None:
    text = _csv("Jos\u00e9,iv6,2026-03-02,self_pay,,,,,,,,no")
    assert run_batch(text.encode("cp1252")).rows[0]["patient_ref"] == "Jos\u00e9"
    assert run_batch(b"\xef\xbb\xbf" + text.encode("utf-8")).rows[0]["patient_ref"] == "Jos\u00e9"


def test_ten_thousand_rows_fit_the_size_limit() -> None:
    text = _csv(*([GOOD_1] * 10_000))
    assert len(text.encode()) < MAX_CSV_BYTES
    assert len(read_rows(text).rows) == 10_000


def test_progress_callback() -> None:
    calls: list[tuple[int, int]] = []
    run_batch(_csv(*([GOOD_3] * 250)), progress=lambda done, total: calls.append((done, total)))
    assert calls[-1] == (250, 250)
    assert len(calls) <= 101
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)


def test_uploaded_price_list() -> None:
    prices = prices_from_json(
        '{"fees": [{"service": "consult", "charge": "100"}, {"service": "iv_infusion", "charge": "400"}],'
        ' "packages": []}'
    )
    out = run_batch(_csv("a,iv6,2026-03-02,self_pay,,,,,,,,no", "b,spravato_6m,2026-03-02,self_pay,,,,,,,,no"), prices)
    assert out.rows[0]["charges"] == Decimal("2500.00")
    assert "price list" in str(out.rows[1]["error"]) and "spravato_drug" in str(out.rows[1]["error"])
    # The example file (with descriptions and sources) is accepted as an upload too.
    assert prices_from_json((ROOT / "data" / "prices_example.json").read_bytes()).fees == example_price_list().fees


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ("not json", "not valid JSON"),
        ("[" * 100_000, "nested too deeply"),
        ("[]", "JSON object"),
        ('{"fees": [{"service": "consult", "charge": "1.234"}]}', "fees.0.charge"),
        ('{"fees": [{"service": "consult", "charge": 1}, {"service": "consult", "charge": 2}]}', "more than once"),
        ('{"fees": [{"service": "consult", "charge": 1}], "eval": "x"}', "eval"),
    ],
)
def test_bad_price_lists(raw: str, words: str) -> None:
    with pytest.raises(BatchInputError) as e:
        prices_from_json(raw)
    assert words in str(e.value)


def test_run_batch_cli_in_process(tmp_path) -> None:
    path = tmp_path / "in.csv"
    path.write_text(_csv(GOOD_1, BAD), encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    assert run_batch_cli(str(path), None, out, err) == 0
    assert len(_parse(out.getvalue())) == 2
    assert "1 estimated, 1 with errors" in err.getvalue()
    out, err = io.StringIO(), io.StringIO()
    assert run_batch_cli(str(tmp_path / "missing.csv"), None, out, err) == 2
    assert out.getvalue() == "" and "cannot read" in err.getvalue()
    bad_prices = tmp_path / "p.json"
    bad_prices.write_text("{}", encoding="utf-8")
    assert run_batch_cli(str(path), str(bad_prices), io.StringIO(), err) == 2


def test_cli_subprocess(tmp_path) -> None:
    path = tmp_path / "patients.csv"
    path.write_text(_csv(GOOD_1, BAD, GOOD_3), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "estimator", "batch", str(path)], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    rows = _parse(done.stdout)
    assert [r["patient_ref"] for r in rows] == ["A-1", "B-2", "C-3"]
    assert [bool(r["error"]) for r in rows] == [False, True, False]
    assert "Traceback" not in done.stderr

    header_only = tmp_path / "bad.csv"
    header_only.write_text("name,dob\nJane,1990-01-01\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "estimator", "batch", str(header_only)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stdout == "" and "unknown column" in done.stderr and "Traceback" not in done.stderr


def test_streamed_csv_equals_the_collected_one() -> None:
    text = _csv(*([GOOD_1, BAD, GOOD_3] * 7))
    expected = run_batch(text).csv()
    out = io.StringIO()
    assert stream_results_csv(read_rows(text).rows, example_price_list(), out, chunk=4) == (14, 7)
    assert out.getvalue() == expected
    empty = io.StringIO()
    assert stream_results_csv([], example_price_list(), empty) == (0, 0)
    assert empty.getvalue() == ",".join(OUTPUT_COLUMNS) + "\n"


def test_self_pay_rows_ignore_the_plan_columns() -> None:
    (row,) = run_batch(_csv("sp,iv6,2026-03-02,self_pay,sideways,abc,,,,,,no")).rows
    (ref,) = run_batch(_csv("sp,iv6,2026-03-02,self_pay,,,,,,,,no")).rows
    assert row["error"] == "" and row["patient_pays_total"] == ref["patient_pays_total"]


# ---------------------------------------------------------------- scenario version 2 columns (SPEC §4.9)

V2_HEADER = ",".join(INPUT_COLUMNS)
V2_ROWS = [
    # patient_ref,course_preset,start_date,coverage_kind,network,deductible,deductible_met,coinsurance_pct,oop_max,
    # oop_met,plan_year_start,savings_program,start_session,patient_state,plan_preset
    "R-1,iv6,1/4/2027,commercial,in,1500,0,20,6000,0,1-Jan,no,,CA,ppo_copays",
    "R-2,spravato_1y,2027-01-05,commercial,in,2000,0,20,6000,0,Jan-01,yes,19,MI,hdhp_2026",
    "R-3,iv6_boosters,2027-01-11,self_pay,,,,,,,,no,9,,",
    "R-4,spravato_6m,2027-02-01,medicare,in,283,0,20,,0,01-01,no,,,",
    "R-5,spravato_mdsi,2027-02-01,commercial,in,1000,0,20,5000,0,07-01,no,9,ZZ,medicare_b_2026",
    "R-6,iv6_boosters,2027-03-01,commercial,out,1000,0,30,6000,0,01-01,no,7,,",
]


def _v2_batch(*rows: str, coverage=None):
    return run_batch("\n".join([V2_HEADER, *rows]) + "\n", coverage=coverage)


def _single(course_id: str, start: str, coverage: dict, *, start_session: int = 1, state=None, programs=()):
    """The single estimate of the scenario a batch row describes, built by hand."""
    course = course_preset(course_id)
    protocol = course.protocol.model_dump()
    prices = example_prices()
    packages = [p.model_dump() for p in prices.scenario_packages()]
    if start_session > 1:  # a course under way: no one-time services, no package bought at the start
        protocol.update(start_session=start_session, once=[])
        packages = []
    return estimate(
        scenario_from_data(
            {
                "version": 2,
                "start_date": start,
                "horizon_weeks": course.horizon_weeks,
                "protocol": protocol,
                "fees": [f.model_dump() for f in prices.scenario_fees()],
                "packages": packages,
                "coverage": coverage,
                "savings_programs": list(programs),
                "patient_state": state,
            }
        )
    )


def test_six_v2_rows_with_one_bad_keep_every_row_and_repeat_the_inputs() -> None:
    out = _v2_batch(*V2_ROWS)
    assert (out.good, out.bad) == (5, 1)
    rows = _parse(out.csv())
    assert len(rows) == 6 and list(rows[0]) == OUTPUT_COLUMNS
    for row, source in zip(rows, V2_ROWS, strict=True):
        cells = source.split(",")  # every input cell, as read (the columns after the row's last are blank)
        assert [row[c] for c in INPUT_COLUMNS] == cells + [""] * (len(INPUT_COLUMNS) - len(cells)), row
    bad = rows[4]
    # mdsi has 8 sessions; ZZ is no state; a Medicare preset on a commercial row: all found in one pass, each
    # naming its column, in the file's column order
    assert [p.split(":")[0] for p in out.rows[4]["problems"]] == ["start_session", "patient_state", "plan_preset"]
    assert "start_session: the course has 8 sessions" in bad["error"]
    assert "patient_state: 'ZZ' is not a US state" in bad["error"]
    assert "plan_preset: medicare_b_2026 is a medicare plan but coverage_kind is commercial" in bad["error"]
    assert bad["sessions"] == bad["coverage_used"] == ""
    assert [r["coverage_used"] for r in rows] == [
        "plan preset ppo_copays",
        "plan preset hdhp_2026",
        "self-pay (no insurance)",
        "plan preset medicare_b_2026 (the default for medicare; name a plan_preset to choose)",
        "",
        "plan preset hdhp_2026 (the default for commercial; name a plan_preset to choose)",
    ]


def test_an_iv_row_on_a_commercial_plan_preset_pays_the_infusions_itself() -> None:
    (row,) = _parse(_v2_batch(V2_ROWS[0]).csv())
    ppo = plan_preset("ppo_copays").coverage
    tier = {"deductible": "1500", "coinsurance_pct": "20", "oop_max": "6000"}
    coverage = {"kind": "commercial", "in_network": tier, "services": ppo.model_dump()["services"]}
    single = _single("iv6", "2027-01-04", coverage, state="CA")  # 1/4/2027 and 1-Jan were read
    _assert_matches(row, single)
    infusions = [ln for s in single.sessions for ln in s.lines if ln.service == "iv_infusion"]
    assert len(infusions) == 6 and not any(ln.covered for ln in infusions)
    assert Decimal(row["patient_pays_total"]) >= sum((ln.charge for ln in infusions), Decimal(0))
    assert Decimal(row["insurance_pays"]) > 0  # the consult is covered ($40 copay)


def test_rows_under_way_equal_the_single_estimate_of_the_same_version_2_scenario() -> None:
    rows = _parse(_v2_batch(*V2_ROWS).csv())
    withme = next(t for t in program_templates() if t.id == "withme_medication").program.model_dump()
    hdhp = plan_preset("hdhp_2026").coverage.model_dump()["services"]
    tier = {"deductible": "2000", "coinsurance_pct": "20", "oop_max": "6000"}
    cov = {"kind": "commercial", "in_network": tier, "services": hdhp}
    second = _single("spravato_1y", "2027-01-05", cov, start_session=19, state="MI", programs=[withme])
    _assert_matches(rows[1], second)
    assert {s.phase for s in second.sessions} == {"continuation"} and second.totals.sessions == 26
    third = _single("iv6_boosters", "2027-01-11", {"kind": "self_pay"}, start_session=9)
    _assert_matches(rows[2], third)
    assert [s.phase for s in third.sessions] == ["maintenance"] * third.totals.sessions
    oon = {"deductible": "1000", "coinsurance_pct": "30", "oop_max": "6000"}
    sixth = _single(
        "iv6_boosters",
        "2027-03-01",
        {"kind": "commercial", "network": "out", "in_network": oon, "out_of_network": oon, "services": hdhp},
        start_session=7,
    )
    _assert_matches(rows[5], sixth)


def test_v2_cells_that_cannot_be_used_name_their_column() -> None:
    cases = {
        "x,spravato_mdsi,2027-02-01,self_pay,,,,,,,,no,9,,": "start_session: the course has 8 sessions",
        "x,custom,2027-02-01,self_pay,,,,,,,,no,3,,": "start_session: a custom course has no numbered sessions",
        "x,iv6,2027-02-01,self_pay,,,,,,,,no,two,,": "start_session: 'two' is not a whole number",
        "x,iv6,2027-02-01,self_pay,,,,,,,,no,,Michigan,": "patient_state: 'MICHIGAN' is not a US state",
        "x,iv6,2027-02-01,commercial,in,0,0,0,,0,,no,,,gold_plan": "plan_preset: 'gold_plan' is not a plan preset",
        "x,iv6,13/1/2027,self_pay,,,,,,,,no,,,": "start_date: '13/1/2027' is not a date",
        "x,iv6,2027-02-01,commercial,in,0,0,0,,0,1-Jna,no,,,": "plan_year_start: '1-Jna'",
        "x,iv6,2027-02-01,commercial,in,0,0,0,,0,Feb-29,no,,,": "plan_year_start: 'Feb-29'",
    }
    out = _v2_batch(*cases)
    assert out.bad == len(cases)
    for row, words in zip(out.rows, cases.values(), strict=True):
        assert words in str(row["error"]), row["error"]


@pytest.mark.parametrize(
    ("cell", "month_day"),
    [("1-Jan", "01-01"), ("01-jan", "01-01"), ("Jan-01", "01-01"), ("JUL-1", "07-01"), ("15-March", "03-15")],
)
def test_plan_year_starts_in_the_forms_a_spreadsheet_writes(cell: str, month_day: str) -> None:
    row = "x,spravato_1y,2026-11-02,commercial,in,1000,0,20,5000,0,{},no,,,"
    (got,) = _v2_batch(row.format(cell)).rows
    (ref,) = _v2_batch(row.format(month_day)).rows
    assert got["error"] == "" and got["patient_pays_by_plan_year"] == ref["patient_pays_by_plan_year"]


def test_a_results_file_runs_again_to_the_same_results() -> None:
    first = _v2_batch(*V2_ROWS).csv()
    again = run_batch(first).csv()
    assert again == first


def test_a_coverage_file_stands_in_for_rows_without_a_plan_preset(tmp_path) -> None:
    from estimator.workflows.batch_input import coverage_from_json

    table = '{"iv_infusion": {"covered": true, "oon_allowed": "350"}, "consult": {"covered": true}}'
    coverage = coverage_from_json(table, label="coverage file cov.json")
    rows = _parse(_v2_batch(V2_ROWS[5], V2_ROWS[0], coverage=coverage).csv())
    assert rows[0]["coverage_used"] == "coverage file cov.json"
    assert rows[1]["coverage_used"] == "plan preset ppo_copays"  # a row's own preset wins
    oon = {"deductible": "1000", "coinsurance_pct": "30", "oop_max": "6000"}
    services = {"iv_infusion": {"covered": True, "oon_allowed": "350"}, "consult": {"covered": True}}
    cov = {"kind": "commercial", "network": "out", "in_network": oon, "out_of_network": oon, "services": services}
    _assert_matches(rows[0], _single("iv6_boosters", "2027-03-01", cov, start_session=7))

    path = tmp_path / "patients.csv"
    path.write_text("\n".join([V2_HEADER, V2_ROWS[5]]) + "\n", encoding="utf-8")
    cov_path = tmp_path / "cov.json"
    cov_path.write_text('{"services": ' + table + "}", encoding="utf-8")
    stdout, stderr = io.StringIO(), io.StringIO()
    assert run_batch_cli(str(path), None, stdout, stderr, str(cov_path)) == 0
    (cli_row,) = _parse(stdout.getvalue())
    assert cli_row["patient_pays_total"] == rows[0]["patient_pays_total"]
    assert cli_row["coverage_used"] == f"coverage file {cov_path}"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("[]", "must be a JSON object"),
        ("{}", "names no service"),
        ('{"iv_infusion": {"covered": "maybe"}}', "iv_infusion.covered"),
        ('{"spravato_drug": {"covered": true, "benefit": "pharmacy"}}', "pharmacy-benefit"),
        ('{"iv_infusion": {"covered": true, "auth_units": 6}}', "prior_auth"),
    ],
)
def test_bad_coverage_files_are_refused(text: str, words: str) -> None:
    from estimator.workflows.batch_input import coverage_from_json

    with pytest.raises(BatchInputError, match=words):
        coverage_from_json(text)


def test_cli_batch_refuses_a_bad_coverage_file_without_a_traceback(tmp_path) -> None:
    from tests.conftest import run_cli

    path = tmp_path / "patients.csv"
    path.write_text("\n".join([V2_HEADER, V2_ROWS[0]]) + "\n", encoding="utf-8")
    cov = tmp_path / "cov.json"
    cov.write_text('{"iv_infusion": {"covered": true, "network": "sideways"}}', encoding="utf-8")
    done = run_cli("batch", str(path), "--coverage", str(cov))
    assert done.returncode == 2 and done.stdout == ""
    assert "iv_infusion.network" in done.stderr and "Traceback" not in done.stderr


def test_a_service_billed_out_of_network_on_an_in_network_row_uses_the_rows_figures_for_that_tier() -> None:
    from estimator.workflows.batch_input import coverage_from_json

    coverage = coverage_from_json('{"iv_infusion": {"covered": true, "network": "out", "oon_allowed": "250"}}')
    row = "r3,iv_boosters_continuing,3/1/2027,commercial,in,500,0,20,3000,0,07-01,no,9,CA,"
    (out,) = _parse(_v2_batch(row, coverage=coverage).csv())
    tier = {"deductible": "500", "coinsurance_pct": "20", "oop_max": "3000"}
    services = {"iv_infusion": {"covered": True, "network": "out", "oon_allowed": "250"}}
    cov = {
        "kind": "commercial",
        "plan_year_start": "07-01",
        "in_network": tier,
        "out_of_network": tier,
        "services": services,
    }
    single = _single("iv_boosters_continuing", "2027-03-01", cov, start_session=9, state="CA")
    _assert_matches(out, single)
    lines = [ln for s in single.sessions for ln in s.lines]
    assert all(ln.covered and ln.network == "out" for ln in lines)  # covered, out of network, not dropped
    assert Decimal(out["insurance_pays"]) > 0


def test_a_course_under_way_is_charged_without_the_packages_bought_at_a_courses_start() -> None:
    (row,) = _parse(_v2_batch("d,iv_boosters_continuing,2027-01-04,self_pay,,,,,,,,no,,,").csv())
    fee = next(f.charge for f in example_prices().scenario_fees() if f.service == "iv_infusion")
    assert example_prices().scenario_packages()  # the example list has an induction package...
    assert Decimal(row["charges"]) == fee * int(row["sessions"])  # ...which a booster patient does not get


def test_a_whole_coverage_block_is_refused_with_what_to_give_instead() -> None:
    from estimator.workflows.batch_input import coverage_from_json

    block = '{"kind": "commercial", "in_network": {"deductible": "500"}, "services": {"consult": {"covered": true}}}'
    with pytest.raises(BatchInputError, match="give only the per-service table"):
        coverage_from_json(block)

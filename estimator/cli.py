"""Command line: `python -m estimator estimate FILE.json | --jsonl`, `schema` (SPEC §4.8)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import TextIO

from estimator.engine import estimate
from estimator.financing import interest_words
from estimator.io import ScenarioError, scenario_from_json
from estimator.models import Scenario
from estimator.money import fmt_usd
from estimator.result import Result, result_to_json

MAX_FILE_BYTES = 5_000_000


def summary_text(scenario: Scenario, result: Result) -> str:
    """A short human-readable table of the estimate."""
    t = result.totals
    rows = [
        ("Scenario", scenario.name or "(unnamed)"),
        ("Sessions / visits", f"{t.sessions} / {t.visits}"),
        ("Total charges", fmt_usd(t.charges)),
        ("Insurance pays", fmt_usd(t.plan_pays)),
        ("Savings programs pay", fmt_usd(t.program_pays)),
        ("You pay", fmt_usd(t.patient_pays)),
    ]
    for py in result.by_plan_year:
        reached = f", OOP max reached {py.oop_reached_on}" if py.oop_reached_on else ""
        rows.append((f"  plan year from {py.plan_year}", fmt_usd(py.patient_pays) + reached))
    if result.accounts:
        rows.append(("After tax savings", fmt_usd(result.accounts.net_cost)))
    if result.financing and scenario.financing:
        f = result.financing
        interest = interest_words(f, scenario.financing.apr_pct, scenario.financing.months)
        rows.append(("Monthly payment", f"{fmt_usd(f.monthly_payment)} (interest {interest})"))
    width = max(len(k) for k, _ in rows)
    lines = [f"{k.ljust(width)}  {v}" for k, v in rows]
    lines += [f"! {w.code}{' ' + str(w.date) if w.date else ''}: {w.message}" for w in result.warnings]
    lines.append("This is an estimate, not medical, legal or tax advice. In crisis, call or text 988.")
    return "\n".join(lines)


def _dumps(data: object) -> str:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def run_jsonl(stdin: TextIO, stdout: TextIO) -> None:
    """One scenario per input line to one result per output line; bad lines give an errors object."""
    for raw in stdin:  # a blank line is an invalid scenario too, so output lines stay in step with input lines
        try:
            out = result_to_json(estimate(scenario_from_json(raw)))
        except ScenarioError as e:
            out = {"errors": [{"loc": p.loc, "message": p.message} for p in e.problems]}
        stdout.write(_dumps(out))
        stdout.write("\n")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m estimator", description="Ketamine & SPRAVATO cost estimator")
    sub = parser.add_subparsers(dest="command", required=True)
    est = sub.add_parser("estimate", help="estimate a scenario file (or --jsonl from stdin)")
    est.add_argument("file", nargs="?", help="scenario JSON file")
    est.add_argument("--summary", action="store_true", help="print a short table instead of JSON")
    est.add_argument("--jsonl", action="store_true", help="read one scenario per line on stdin")
    sub.add_parser("schema", help="print the scenario JSON Schema")
    batch = sub.add_parser("batch", help="estimate a CSV of patients")
    batch.add_argument("csv")
    batch.add_argument("--prices", help="clinic price list JSON (default: the example list)")
    batch.add_argument(
        "--coverage",
        help="what the plan covers per service, a JSON services table as in a scenario's coverage.services, for "
        "rows without a plan_preset (default: the plan preset for the row's coverage kind)",
    )
    args = parser.parse_args(argv)

    if args.command == "schema":
        print(json.dumps(Scenario.model_json_schema(), indent=2))
        return 0
    if args.command == "batch":
        from estimator.batch import run_batch_cli

        return run_batch_cli(args.csv, args.prices, sys.stdout, sys.stderr, args.coverage)
    if args.jsonl:
        run_jsonl(sys.stdin, sys.stdout)
        return 0
    if not args.file:
        print("estimate: give a scenario FILE.json or --jsonl", file=sys.stderr)
        return 2
    try:
        with open(args.file, "rb") as fh:
            text = fh.read(MAX_FILE_BYTES + 1)
    except OSError as e:
        print(f"{args.file}: cannot read the file ({e.strerror})", file=sys.stderr)
        return 2
    if len(text) > MAX_FILE_BYTES:
        print(f"{args.file}: the file is larger than {MAX_FILE_BYTES:,} bytes", file=sys.stderr)
        return 2
    try:
        scenario = scenario_from_json(text)
    except ScenarioError as e:
        for p in e.problems:
            print(str(p), file=sys.stderr)
        return 2
    result = estimate(scenario)
    if args.summary:
        print(summary_text(scenario, result))
    else:
        print(json.dumps(result_to_json(result), indent=2, ensure_ascii=False))
    return 0

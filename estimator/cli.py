"""Command line: `python -m estimator estimate FILE.json | --jsonl`, `schema` (SPEC §4.8), `batch`, and the
clinic store's commands (`clinic ...`, `batch --clinic`), which are declared here for one --help but run by a
handler the entry point passes in: the pure core never imports the store."""

from __future__ import annotations

import argparse
import io
import json
import os
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import BinaryIO, TextIO

from estimator.engine import estimate
from estimator.financing import interest_words
from estimator.models import Scenario
from estimator.money import fmt_usd
from estimator.result import Result, result_to_json
from estimator.scenario_io import ScenarioError, scenario_from_json
from estimator.text import printable
from estimator.wording import (
    INSURANCE_PAYS,
    MONTHLY_PAYMENT,
    NET_COST_AFTER_TAX,
    PROGRAMS_PAY,
    SHORT_DISCLAIMER,
    TOTAL_CHARGES,
    YOU_PAY,
)

MAX_FILE_BYTES = 5_000_000


def summary_text(scenario: Scenario, result: Result) -> str:
    """A short human-readable table of the estimate."""
    t = result.totals
    rows = [
        ("Scenario", printable(scenario.name) or "(unnamed)"),
        ("Sessions / visits", f"{t.sessions} / {t.visits}"),
        (TOTAL_CHARGES, fmt_usd(t.charges)),
        (INSURANCE_PAYS, fmt_usd(t.plan_pays)),
        (PROGRAMS_PAY, fmt_usd(t.program_pays)),
        (YOU_PAY, fmt_usd(t.patient_pays)),
    ]
    for py in result.by_plan_year:
        reached = f", OOP max reached {py.oop_reached_on}" if py.oop_reached_on else ""
        rows.append((f"  plan year from {py.plan_year}", fmt_usd(py.patient_pays) + reached))
    if result.accounts:
        rows.append((NET_COST_AFTER_TAX, fmt_usd(result.accounts.net_cost)))
    if result.financing and scenario.financing:
        f = result.financing
        interest = interest_words(f, scenario.financing.apr_pct, scenario.financing.months)
        rows.append((MONTHLY_PAYMENT, f"{fmt_usd(f.monthly_payment)} (interest {interest})"))
    width = max(len(k) for k, _ in rows)
    lines = [f"{k.ljust(width)}  {v}" for k, v in rows]
    lines += [f"! {w.code}{' ' + str(w.date) if w.date else ''}: {printable(w.message)}" for w in result.warnings]
    lines.append(SHORT_DISCLAIMER)
    return "\n".join(lines)


# Characters that some line readers (Python's str.splitlines among them) take as the end of a line: written as
# JSON escapes, so a name holding one can never split a result line in two.
_LINE_ENDS = str.maketrans({"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"})


def _dumps(data: object) -> str:
    """One JSON line, UTF-8 text kept as it is but for the line ends above."""
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False).translate(_LINE_ENDS)


def _lines(stdin: BinaryIO, limit: int) -> Iterator[bytes | None]:
    """Input lines as bytes; None for a line over `limit` bytes, which is skipped unread past the limit, so a huge
    line costs no more memory than the limit does."""
    while True:
        line = stdin.readline(limit + 1)
        if not line:
            return
        if len(line) > limit and not line.endswith(b"\n"):
            while True:  # the rest of the oversized line, a chunk at a time
                rest = stdin.readline(1 << 20)
                if not rest or rest.endswith(b"\n"):
                    break
            yield None
        else:
            yield line


def _errors(message: str) -> dict[str, object]:
    return {"errors": [{"loc": "", "message": message}]}


def run_jsonl(stdin: BinaryIO, stdout: BinaryIO) -> None:
    """One scenario per input line to one result per output line; a line that is not a valid scenario (too large,
    not UTF-8, not JSON, invalid) gives an errors object on its own line and the others go on, in order."""
    for raw in _lines(stdin, MAX_FILE_BYTES):  # a blank line is an invalid scenario too: output stays in step
        if raw is None:
            out = _errors(f"the line is larger than {MAX_FILE_BYTES:,} bytes (the most a scenario file may have)")
        else:
            try:
                out = result_to_json(estimate(scenario_from_json(raw.decode("utf-8"))))
            except UnicodeDecodeError:
                out = _errors("the line is not UTF-8 text")
            except ScenarioError as e:
                out = {"errors": [{"loc": p.loc, "message": p.message} for p in e.problems]}
        # backslashreplace writes a lone surrogate (a key "\ud800" quoted in a message) as its JSON escape
        stdout.write(_dumps(out).encode("utf-8", "backslashreplace") + b"\n")


def _utf8(stream: TextIO) -> TextIO:
    """The stream written as UTF-8 whatever the locale (a cp1252 console can't encode a name in another script)."""
    if isinstance(stream, io.TextIOWrapper):
        stream.reconfigure(encoding="utf-8", errors="backslashreplace")
    return stream


# Runs a clinic store command from the parsed arguments: (args, stdout, stderr) -> exit status.
StoreHandler = Callable[[argparse.Namespace, TextIO, TextIO], int]


def main(argv: Sequence[str] | None = None, store: Callable[[], StoreHandler] | None = None) -> int:
    """Run the command line; a reader that stops early (`| head`) ends it quietly with status 141. `store` loads
    the clinic store's handler, only when a command needs it (python -m estimator passes the clinic package's)."""
    try:
        return _main(argv, store)
    except BrokenPipeError:
        # Python would report the pipe again when it flushes stdout at exit: point stdout at nothing first.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 128 + signal.SIGPIPE


def build_parser() -> argparse.ArgumentParser:
    """Every command and option, the clinic store's included."""
    parser = argparse.ArgumentParser(prog="python -m estimator", description="Ketamine & SPRAVATO cost estimator")
    sub = parser.add_subparsers(dest="command", required=True)
    est = sub.add_parser("estimate", help="estimate a scenario file (or --jsonl from stdin)")
    est.add_argument("file", nargs="?", help="scenario JSON file")
    est.add_argument("--summary", action="store_true", help="print a short table instead of JSON")
    est.add_argument("--jsonl", action="store_true", help="read one scenario per line on stdin")
    est.set_defaults(usage_of=est)  # its own usage line for the estimate command's errors
    sub.add_parser("schema", help="print the scenario JSON Schema")
    batch = sub.add_parser("batch", help="estimate a CSV of patients")
    batch.add_argument("csv")
    batch.add_argument("--prices", help="clinic price list JSON (default: the example list)")
    batch.add_argument(
        "--coverage",
        help="what the plan covers per service, a JSON services table as in a scenario's coverage.services, for "
        "rows without a plan_preset (default: the plan preset for the row's coverage kind)",
    )
    batch.add_argument("--clinic", help="use this clinic's kept setup: its price list and payer templates")
    batch.add_argument("--price-list", help="the clinic's price list to use (default: the one in effect today)")
    batch.add_argument(
        "--payer-template",
        help="the clinic's payer template for rows of its coverage kind that name no payer_template or plan_preset",
    )
    clinic = sub.add_parser("clinic", help="the clinic's kept setup: details, price lists, payer templates")
    clinic_sub = clinic.add_subparsers(dest="clinic_command", required=True)
    export = clinic_sub.add_parser("export", help="write one clinic's setup to a JSON file (- for stdout)")
    export.add_argument("file")
    export.add_argument("--clinic", help="which clinic (needed when the store keeps more than one)")
    clinic_sub.add_parser("import", help="add or replace a clinic's setup from a JSON file").add_argument("file")
    clinic_sub.add_parser("list", help="where the store is, and the clinics, price lists and templates it keeps")
    return parser


def _main(argv: Sequence[str] | None, store: Callable[[], StoreHandler] | None = None) -> int:
    out, err = _utf8(sys.stdout), _utf8(sys.stderr)
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "clinic" or (args.command == "batch" and args.clinic):
        if store is None:
            parser.error("the clinic store is not available here; run python -m estimator")
        return store()(args, out, err)
    if args.command == "batch" and (args.price_list or args.payer_template):
        parser.error("--price-list and --payer-template name parts of a clinic's setup: give --clinic NAME too")

    if args.command == "schema":
        print(json.dumps(Scenario.model_json_schema(), indent=2), file=out)
        return 0
    if args.command == "batch":
        from estimator.workflows.batch import run_batch_cli

        return run_batch_cli(args.csv, args.prices, out, err, args.coverage)
    if args.jsonl:
        if args.summary or args.file:
            why = "--jsonl reads scenarios from stdin and writes JSON lines: give no FILE and no --summary"
            args.usage_of.error(why)
        out.flush()
        run_jsonl(sys.stdin.buffer, sys.stdout.buffer)
        return 0
    if not args.file:
        args.usage_of.error("give a scenario FILE.json, or --jsonl to read scenarios from stdin")
    try:
        with open(args.file, "rb") as fh:
            text = fh.read(MAX_FILE_BYTES + 1)
    except OSError as e:
        print(f"{args.file}: cannot read the file ({e.strerror})", file=err)
        return 2
    if len(text) > MAX_FILE_BYTES:
        print(f"{args.file}: the file is larger than {MAX_FILE_BYTES:,} bytes", file=err)
        return 2
    try:
        scenario = scenario_from_json(text)
    except ScenarioError as e:
        for p in e.problems:
            print(printable(str(p)), file=err)  # a field path can be any key the file has
        return 2
    result = estimate(scenario)
    if args.summary:
        print(summary_text(scenario, result), file=out)
    else:
        print(json.dumps(result_to_json(result), indent=2, ensure_ascii=False), file=out)
    out.flush()
    return 0

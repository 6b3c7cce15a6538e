"""Batch estimates for counselors: a CSV of patients in, a CSV of estimates out (SPEC §5 page 4).

Every cell is parsed as data (never evaluated). One scenario per row with the chosen clinic price
list; bad rows are never dropped: they get an `error` naming the column and why, and the good
rows still compute. Rows are estimated one at a time and only their summary figures are kept.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, TextIO

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from estimator.engine import estimate
from estimator.exports import write_csv
from estimator.io import ScenarioError, parse_json, problems_from, scenario_from_data
from estimator.models import LATEST_VERSION, Fee, Package, Scenario, Tier, billed_services, parse_month_day
from estimator.presets import CoursePreset, PricedFee, PricedPackage, course_presets, example_prices, program_templates
from estimator.result import Result

MEGABYTE = 1_000_000  # as Streamlit counts an upload limit: its "2MB" refuses 2,010,000 bytes
MAX_CSV_BYTES = 2 * MEGABYTE  # about 25,000 typical rows
MAX_PRICES_BYTES = 200_000
MAX_REF_CHARS = 100
PROGRAM_TEMPLATE = "withme_medication"

INPUT_COLUMNS = [
    "patient_ref",
    "course_preset",
    "start_date",
    "coverage_kind",
    "network",
    "deductible",
    "deductible_met",
    "coinsurance_pct",
    "oop_max",
    "oop_met",
    "plan_year_start",
    "savings_program",
]
REQUIRED_COLUMNS = ("course_preset", "start_date", "coverage_kind")

# What each input column means (shown on the Batch page and in the docs).
COLUMN_HELP: dict[str, str] = {
    "patient_ref": "Your own reference for the row (an MRN or initials), not a name; optional, at most 100 characters",
    "course_preset": "Course id: {presets}",
    "start_date": "Day of the first session, YYYY-MM-DD",
    "coverage_kind": "self_pay, commercial, medicare or medicaid",
    "network": "in or out [in]; insured kinds only",
    "deductible": "Individual deductible in dollars [0]",
    "deductible_met": "Deductible already met this plan year [0]",
    "coinsurance_pct": "Coinsurance in percent, 20 = 20 % [0]",
    "oop_max": "Out-of-pocket maximum in dollars [blank = no cap]",
    "oop_met": "Out-of-pocket already met this plan year [0]",
    "plan_year_start": "MM-DD the plan year starts [01-01]",
    "savings_program": "yes = SPRAVATO withMe (medication) as last published; no [no]",
}

OUTPUT_COLUMNS = [
    "line",
    "patient_ref",
    "course_preset",
    "coverage_kind",
    "sessions",
    "charges",
    "insurance_pays",
    "program_pays",
    "patient_pays_total",
    "patient_pays_by_plan_year",
    "oop_max_reached_on",
    "warnings",
    "error",
]

TEMPLATE_ROWS: list[dict[str, object]] = [
    {
        "patient_ref": "example-001",
        "course_preset": "spravato_6m",
        "start_date": "2026-03-02",
        "coverage_kind": "commercial",
        "network": "in",
        "deductible": "1700.00",
        "deductible_met": "250.00",
        "coinsurance_pct": "20",
        "oop_max": "8500.00",
        "oop_met": "400.00",
        "plan_year_start": "01-01",
        "savings_program": "yes",
    },
    {
        "patient_ref": "example-002",
        "course_preset": "iv6",
        "start_date": "2026-03-09",
        "coverage_kind": "self_pay",
        "network": "",
        "deductible": "",
        "deductible_met": "",
        "coinsurance_pct": "",
        "oop_max": "",
        "oop_met": "",
        "plan_year_start": "",
        "savings_program": "no",
    },
]

_KINDS = {"self_pay", "commercial", "medicare", "medicaid"}
_NETWORKS = {"in": "in", "in_network": "in", "out": "out", "out_of_network": "out", "oon": "out"}
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_YES = {"yes", "y", "true", "1"}
_NO = {"no", "n", "false", "0", ""}

ProgressFn = Callable[[int, int], None]


class BatchInputError(ValueError):
    """The file as a whole cannot be used (unreadable, too large, bad header, bad price list)."""


def column_help() -> list[dict[str, str]]:
    """The input columns for people: name, required or not, meaning."""
    ids = ", ".join(p.id for p in course_presets())
    return [
        {
            "column": c,
            "required": "yes" if c in REQUIRED_COLUMNS else "no",
            "meaning": COLUMN_HELP[c].format(presets=ids),
        }
        for c in INPUT_COLUMNS
    ]


def template_csv(today: dt.date | None = None) -> str:
    """The downloadable template: the header and two example rows, starting on the Mondays one and two weeks
    after `today` when given (a template of past dates invites quoting courses that already began)."""
    rows = TEMPLATE_ROWS
    if today is not None:
        monday = today + dt.timedelta(days=7 - today.weekday())
        rows = [{**r, "start_date": (monday + dt.timedelta(weeks=i)).isoformat()} for i, r in enumerate(rows)]
    return write_csv(INPUT_COLUMNS, rows)


# ---------------------------------------------------------------- price list


class _PriceFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    description: str = ""
    effective: str = ""
    status: str = ""
    name: str = ""
    fees: list[PricedFee] = Field(min_length=1, max_length=100)
    packages: list[PricedPackage] = Field(default_factory=list, max_length=50)


@dataclass(frozen=True, slots=True)
class Prices:
    """The clinic price list used for every row."""

    fees: tuple[Fee, ...]
    packages: tuple[Package, ...]
    label: str


def example_price_list() -> Prices:
    p = example_prices()
    return Prices(tuple(p.scenario_fees()), tuple(p.scenario_packages()), "example price list")


def prices_from_json(raw: bytes | str, label: str = "uploaded price list") -> Prices:
    """A price list JSON {"fees": [...], "packages": [...]}; raises BatchInputError in plain English."""
    if len(raw) > MAX_PRICES_BYTES:
        raise BatchInputError(f"the price list is larger than {MAX_PRICES_BYTES:,} bytes")
    try:
        data = parse_json(raw)
    except ValueError as e:
        raise BatchInputError(f"the price list can't be read: {e}") from None
    if not isinstance(data, dict):
        raise BatchInputError('the price list must be a JSON object like {"fees": [...], "packages": [...]}')
    try:
        parsed = _PriceFile.model_validate(data)
    except ValidationError as e:
        raise BatchInputError("; ".join(str(p) for p in problems_from(e))) from None
    for what, ids in (("fees", [f.service for f in parsed.fees]), ("packages", [p.service for p in parsed.packages])):
        dup = next((s for s in ids if ids.count(s) > 1), None)
        if dup is not None:
            raise BatchInputError(f"{what}: service '{dup}' appears more than once")
    fees = tuple(Fee(**f.model_dump(exclude={"source"})) for f in parsed.fees)
    packages = tuple(Package(**p.model_dump(exclude={"source"})) for p in parsed.packages)
    return Prices(fees, packages, label)


# ---------------------------------------------------------------- reading the CSV


def decode_csv(raw: bytes) -> str:
    """Text of an uploaded CSV: UTF-8 (with or without BOM), else Windows-1252 as spreadsheets save it."""
    if len(raw) > MAX_CSV_BYTES:
        raise BatchInputError(f"the file is larger than {MAX_CSV_BYTES // MEGABYTE} MB; split it into smaller files")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


@dataclass(slots=True)
class InputRow:
    line: int  # line number in the file (the header is line 1)
    cells: dict[str, str]
    error: str = ""  # a structural problem with the row itself


@dataclass(slots=True)
class ParsedCsv:
    columns: list[str]
    rows: list[InputRow] = field(default_factory=list)


def read_rows(text: str) -> ParsedCsv:
    """Header check and rows as stripped text cells; completely blank lines are skipped."""
    if "\x00" in text:
        raise BatchInputError("the file is not a text CSV (it contains NUL bytes)")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        while header is not None and not any(c.strip() for c in header):
            header = next(reader, None)
        if header is None:
            raise BatchInputError("the file is empty; start from the template")
        columns = [c.strip().lower() for c in header]
        unknown = [c for c in columns if c not in INPUT_COLUMNS]
        if unknown:
            raise BatchInputError(
                "unknown column(s) "
                + ", ".join(repr(c[:40]) for c in unknown)
                + "; the columns are: "
                + ", ".join(INPUT_COLUMNS)
            )
        dups = sorted({c for c in columns if columns.count(c) > 1})
        if dups:
            raise BatchInputError("column(s) given more than once: " + ", ".join(dups))
        missing = [c for c in REQUIRED_COLUMNS if c not in columns]
        if missing:
            raise BatchInputError("missing required column(s): " + ", ".join(missing))
        parsed = ParsedCsv(columns)
        first_line = reader.line_num + 1
        for cells in reader:
            line, first_line = first_line, reader.line_num + 1
            if any("\n" in c or "\r" in c for c in cells):  # a stray quote swallows the lines after it
                raise BatchInputError(
                    f'line {line}: a quote (") opened on this line is not closed on it, so the next lines were '
                    "read as part of this row; close or remove the quote (cells can't span lines)"
                )
            if not any(c.strip() for c in cells):
                continue
            row = InputRow(line, {c: (cells[i].strip() if i < len(cells) else "") for i, c in enumerate(columns)})
            if len(cells) > len(columns) and any(c.strip() for c in cells[len(columns) :]):
                row.error = f"the row has {len(cells)} cells but the header has {len(columns)} columns"
            parsed.rows.append(row)
    except csv.Error as e:
        raise BatchInputError(f"the file is not a readable CSV (line {reader.line_num}: {e})") from None
    return parsed


# ---------------------------------------------------------------- one row -> one scenario


class _RowProblems(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def _show(value: str) -> str:
    """A cell quoted in an error message (shortened)."""
    return repr(value if len(value) <= 40 else value[:37] + "...")


def _money(cells: dict[str, str], col: str, problems: list[str], default: str | None = "0") -> Decimal | None:
    raw = cells.get(col, "")
    if raw == "":
        return None if default is None else Decimal(default)
    text = raw.replace("$", "").replace(",", "").replace(" ", "")
    if col == "coinsurance_pct":
        text = text.removesuffix("%")
    try:
        value = Decimal(text)
    except InvalidOperation:
        problems.append(f"{col}: {_show(raw)} is not a number")
        return None
    if not value.is_finite():
        problems.append(f"{col}: {_show(raw)} is not a number")
        return None
    return value


def _choice(cells: dict[str, str], col: str, allowed: dict[str, str], problems: list[str], hint: str) -> str | None:
    raw = cells.get(col, "")
    key = raw.lower().replace("-", "_").replace(" ", "_")
    if key in allowed:
        return allowed[key]
    problems.append(f"{col}: {_show(raw)} is not one of {hint}" if raw else f"{col}: this column is required")
    return None


@dataclass(frozen=True, slots=True)
class RowContext:
    """What every row shares: course presets by id, the price list and the program template."""

    courses: dict[str, CoursePreset]
    fees: list[dict[str, Any]]
    packages: list[dict[str, Any]]
    program: dict[str, Any] | None

    @classmethod
    def build(cls, prices: Prices) -> RowContext:
        template = next((t for t in program_templates() if t.id == PROGRAM_TEMPLATE), None)
        return cls(
            courses={p.id: p for p in course_presets()},
            fees=[f.model_dump() for f in prices.fees],
            packages=[p.model_dump() for p in prices.packages],
            program=template.program.model_dump() if template else None,
        )


def _column_order(problem: str) -> int:
    column = problem.split(":", 1)[0]
    return INPUT_COLUMNS.index(column) if column in INPUT_COLUMNS else len(INPUT_COLUMNS)


def scenario_data(cells: dict[str, str], ctx: RowContext) -> dict[str, Any]:
    """The scenario (as data) a row describes; raises _RowProblems naming every bad column."""
    problems: list[str] = []
    ref = cells.get("patient_ref", "")
    if len(ref) > MAX_REF_CHARS:
        problems.append(f"patient_ref: at most {MAX_REF_CHARS} characters")
    course_id = cells.get("course_preset", "").lower()
    course = ctx.courses.get(course_id)
    if course is None:
        what = (
            f"{_show(cells.get('course_preset', ''))} is not a course preset"
            if course_id
            else "this column is required"
        )
        problems.append(f"course_preset: {what} (use one of {', '.join(ctx.courses)})")
    raw_start = cells.get("start_date", "")
    start: dt.date | None = None
    if not raw_start:
        problems.append("start_date: this column is required (YYYY-MM-DD)")
    else:
        try:
            if not _ISO_DATE.fullmatch(raw_start):
                raise ValueError
            start = dt.date.fromisoformat(raw_start)
        except ValueError:
            problems.append(f"start_date: {_show(raw_start)} is not a date in the form YYYY-MM-DD")
    kind = _choice(cells, "coverage_kind", {k: k for k in _KINDS}, problems, "self_pay, commercial, medicare, medicaid")
    insured = kind != "self_pay"  # self-pay rows ignore the plan columns (also when kind itself is bad: check them)
    network = "in"
    if insured and cells.get("network", ""):
        network = _choice(cells, "network", _NETWORKS, problems, "in, out") or "in"
    plan_year_start = cells.get("plan_year_start", "") or "01-01"
    try:
        parse_month_day(plan_year_start)
    except ValueError as e:
        problems.append(f"plan_year_start: {_show(plan_year_start)}: {e}")
    program_cell = cells.get("savings_program", "").lower()
    if program_cell not in _YES | _NO:
        problems.append(f"savings_program: {_show(cells.get('savings_program', ''))} is not yes or no")
    tier: dict[str, Any] = {}
    if insured:
        for col in ("deductible", "deductible_met", "coinsurance_pct", "oop_met"):
            value = _money(cells, col, problems)
            if value is not None:
                tier[col] = value
        tier["oop_max"] = _money(cells, "oop_max", problems, default=None)
    if problems and insured:
        # Report range and decimal problems of the plan numbers too, so one pass finds them all.
        try:
            Tier.model_validate(tier)
        except ValidationError as e:
            # Field checks only: a cross-field check could blame a value defaulted after a parse error.
            only_fields = [err for err in e.errors(include_url=False) if err["type"] != "cross_field"]
            if only_fields:
                field_error = ValidationError.from_exception_data("Tier", only_fields)  # type: ignore[arg-type]
                problems += [
                    f"{_column_for('coverage.in_network.' + p.loc)}: {p.message}" for p in problems_from(field_error)
                ]
    if problems:
        raise _RowProblems(sorted(problems, key=_column_order))
    assert course is not None and kind is not None
    coverage: dict[str, Any] = {"kind": kind, "plan_year_start": plan_year_start}
    if insured:
        coverage["network"] = network
        coverage["in_network"] = tier
        if network == "out":
            coverage["out_of_network"] = tier
        coverage["services"] = {sid: {"covered": True} for sid in billed_services(course.protocol)}
    programs = [ctx.program] if program_cell in _YES and ctx.program is not None else []
    return {
        "version": LATEST_VERSION,
        "name": ref,
        "start_date": start,
        "horizon_weeks": course.horizon_weeks,
        "protocol": course.protocol,
        "fees": ctx.fees,
        "packages": ctx.packages,
        "coverage": coverage,
        "savings_programs": programs,
    }


# Scenario locations -> the CSV column a person should fix.
_LOC_COLUMNS = {
    "start_date": "start_date",
    "name": "patient_ref",
    "coverage.kind": "coverage_kind",
    "coverage.network": "network",
    "coverage.plan_year_start": "plan_year_start",
    "coverage.in_network": "network",
    "coverage.out_of_network": "network",
    "fees": "price list",
    "packages": "price list",
}


def _column_for(loc: str) -> str:
    if loc in _LOC_COLUMNS:
        return _LOC_COLUMNS[loc]
    last = loc.rsplit(".", 1)[-1]
    if loc.startswith(("coverage.in_network.", "coverage.out_of_network.")) and last in INPUT_COLUMNS:
        return last
    return loc or "row"


def row_scenario(cells: dict[str, str], ctx: RowContext) -> Scenario:
    """A validated scenario for one row; raises _RowProblems with column-named problems."""
    data = scenario_data(cells, ctx)
    try:
        return scenario_from_data(data)
    except ScenarioError as e:
        problems = list(dict.fromkeys(f"{_column_for(p.loc)}: {p.message}" for p in e.problems))
        raise _RowProblems(problems) from None


# ---------------------------------------------------------------- estimating


def result_row(base: dict[str, object], result: Result) -> dict[str, object]:
    t = result.totals
    return {
        **base,
        "sessions": t.sessions,
        "charges": t.charges,
        "insurance_pays": t.plan_pays,
        "program_pays": t.program_pays,
        "patient_pays_total": t.patient_pays,
        "patient_pays_by_plan_year": "; ".join(
            f"{py.plan_year.isoformat()}: {py.patient_pays}" for py in result.by_plan_year
        ),
        "oop_max_reached_on": "; ".join(
            py.oop_reached_on.isoformat() for py in result.by_plan_year if py.oop_reached_on is not None
        ),
        "warnings": "; ".join(dict.fromkeys(w.code for w in result.warnings)),
        "error": "",
    }


def _error_row(base: dict[str, object], problems: list[str]) -> dict[str, object]:
    # `problems` (one "column: why" each) is not written to the CSV; the page lists them one per line.
    return {**base, **dict.fromkeys(OUTPUT_COLUMNS[4:], ""), "error": "; ".join(problems), "problems": problems}


def estimate_row(row: InputRow, ctx: RowContext) -> dict[str, object]:
    """One output row: the figures, or an `error` naming the column(s) and why. Never raises."""
    base: dict[str, object] = {
        "line": row.line,
        "patient_ref": row.cells.get("patient_ref", "")[:MAX_REF_CHARS],
        "course_preset": row.cells.get("course_preset", ""),
        "coverage_kind": row.cells.get("coverage_kind", ""),
    }
    if row.error:
        return _error_row(base, [f"row: {row.error}"])
    try:
        scenario = row_scenario(row.cells, ctx)
    except _RowProblems as e:
        return _error_row(base, e.problems)
    try:
        return result_row(base, estimate(scenario))
    except Exception as e:  # an engine bug must not drop the row or show a traceback
        return _error_row(base, [f"row: could not estimate this row ({type(e).__name__})"])


def iter_results(
    rows: list[InputRow], prices: Prices, progress: ProgressFn | None = None
) -> Iterator[dict[str, object]]:
    """Output rows in input order, one at a time (Result objects are not kept).

    `progress(done, total)` is called at most about 100 times, and once at the end."""
    ctx = RowContext.build(prices)
    total = len(rows)
    step = max(1, -(-total // 100))  # ceil: at most 100 updates
    for i, row in enumerate(rows, start=1):
        yield estimate_row(row, ctx)
        if progress is not None and (i % step == 0 or i == total):
            progress(i, total)
    if progress is not None and total == 0:
        progress(0, 0)


@dataclass(frozen=True, slots=True)
class BatchOutput:
    rows: list[dict[str, object]]
    good: int
    bad: int

    def csv(self) -> str:
        return results_csv(self.rows)


def results_csv(rows: Iterable[dict[str, object]]) -> str:
    """The results CSV (text cells neutralized against formula injection)."""
    return write_csv(OUTPUT_COLUMNS, list(rows))


def stream_results_csv(
    rows: list[InputRow], prices: Prices, out: TextIO, progress: ProgressFn | None = None, chunk: int = 500
) -> tuple[int, int]:
    """Write the results CSV to `out` a chunk of rows at a time (flat memory); returns (good, bad) counts."""
    good = bad = 0
    pending: list[dict[str, object]] = []
    header = True

    def flush() -> None:
        nonlocal header
        text = write_csv(OUTPUT_COLUMNS, pending)
        out.write(text if header else text.split("\n", 1)[1])
        header = False
        pending.clear()

    for row in iter_results(rows, prices, progress):
        if row["error"]:
            bad += 1
        else:
            good += 1
        pending.append(row)
        if len(pending) >= chunk:
            flush()
    if pending or header:
        flush()
    return good, bad


def run_batch(raw: bytes | str, prices: Prices | None = None, progress: ProgressFn | None = None) -> BatchOutput:
    """A CSV upload to its result rows; raises BatchInputError when the file as a whole is unusable."""
    text = decode_csv(raw) if isinstance(raw, bytes) else raw
    if isinstance(raw, str) and len(raw.encode("utf-8")) > MAX_CSV_BYTES:
        raise BatchInputError(f"the file is larger than {MAX_CSV_BYTES // MEGABYTE} MB; split it into smaller files")
    parsed = read_rows(text)
    out = list(iter_results(parsed.rows, prices or example_price_list(), progress))
    bad = sum(1 for r in out if r["error"])
    return BatchOutput(out, len(out) - bad, bad)


def _read_head(path: str, limit: int, what: str) -> bytes:
    """The first `limit` + 1 bytes of a file (one more than allowed, so the parser can tell it is too large)."""
    try:
        with open(path, "rb") as fh:
            return fh.read(limit + 1)
    except OSError as e:
        raise BatchInputError(f"{path}: cannot read {what} ({e.strerror})") from None


def run_batch_cli(csv_path: str, prices_path: str | None, stdout: TextIO, stderr: TextIO) -> int:
    """`python -m estimator batch FILE.csv [--prices PRICES.json]`: results CSV on stdout.

    Exit 0 when the file was processed (bad rows carry their error); 2 with a message when the
    file, its header or the price list cannot be used."""
    try:
        prices = example_price_list()
        if prices_path:
            raw_prices = _read_head(prices_path, MAX_PRICES_BYTES, "the price list")
            try:
                prices = prices_from_json(raw_prices, label=prices_path)
            except BatchInputError as e:
                raise BatchInputError(f"{prices_path}: {e}") from None
        raw = _read_head(csv_path, MAX_CSV_BYTES, "the file")
        try:
            parsed = read_rows(decode_csv(raw))
        except BatchInputError as e:
            raise BatchInputError(f"{csv_path}: {e}") from None
    except BatchInputError as e:
        print(str(e), file=stderr)
        return 2
    good, bad = stream_results_csv(parsed.rows, prices, stdout)
    print(f"{good + bad} rows: {good} estimated, {bad} with errors", file=stderr)
    return 0

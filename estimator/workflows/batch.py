"""Batch estimates for counselors: a CSV of patients in, a CSV of estimates out (SPEC §5 page 4).

One scenario per row with the chosen clinic price list, the row's plan figures and a per-service coverage table
(a payer template or plan preset named in the row, else the batch's template or coverage file, else the preset
for the row's coverage kind). Payer templates come in as data (`payer_templates`): the clinic store loads them,
this module never touches it. Bad rows
are never dropped: they get an `error` naming the column and why, and the good rows still compute. Rows are
estimated one at a time and only their summary figures are kept. The page and the CLI share this code path.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TextIO

from pydantic import TypeAdapter, ValidationError

from estimator.clinic_setup import PATIENT_FIGURES, PayerTemplate, name_key, template_coverage
from estimator.documents.exports import write_csv
from estimator.engine import estimate
from estimator.models import LATEST_VERSION, Custom, Scenario, StateCode, Tier
from estimator.presets import (
    CoursePreset,
    PlanPreset,
    course_presets,
    default_plan_for_kind,
    plan_presets,
    program_templates,
)
from estimator.result import Result
from estimator.scenario_io import ScenarioError, problems_from, scenario_from_data
from estimator.workflows.batch_input import (
    INPUT_COLUMNS,
    MAX_COVERAGE_BYTES,
    MAX_CSV_BYTES,
    MAX_PRICES_BYTES,
    MAX_REF_CHARS,
    MEGABYTE,
    OUTPUT_COLUMNS,
    RESULT_COLUMNS,
    BatchInputError,
    CoverageTable,
    InputRow,
    Prices,
    choice_cell,
    coverage_from_json,
    date_cell,
    decode_csv,
    example_price_list,
    money_cell,
    month_day_cell,
    prices_from_json,
    read_rows,
    show_cell,
    whole_number_cell,
)
from estimator.workflows.batch_input import column_help as _column_help

PROGRAM_TEMPLATE = "withme_medication"

_KINDS = {"self_pay", "commercial", "medicare", "medicaid"}
_NETWORKS = {"in": "in", "in_network": "in", "out": "out", "out_of_network": "out", "oon": "out"}
_YES = {"yes", "y", "true", "1"}
_NO = {"no", "n", "false", "0", ""}

ProgressFn = Callable[[int, int], None]
_STATE: TypeAdapter[str] = TypeAdapter(StateCode)


def column_help() -> list[dict[str, str]]:
    """The input columns for people, with today's course and plan preset ids."""
    defaults = ", ".join(f"{p.id} for {kind}" for kind, p in default_plan_for_kind().items() if kind != "self_pay")
    return _column_help(", ".join(p.id for p in course_presets()), ", ".join(p.id for p in plan_presets()), defaults)


# ---------------------------------------------------------------- one row -> one scenario


class _RowProblems(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class RowContext:
    """What every row shares: presets by id, the price list, the coverage file, the clinic's payer templates (by
    name_key; None: no clinic chosen), the batch's own template and the program template."""

    courses: dict[str, CoursePreset]
    plans: dict[str, PlanPreset]
    fees: list[dict[str, Any]]
    packages: list[dict[str, Any]]
    program: dict[str, Any] | None
    coverage: CoverageTable | None
    templates: dict[str, PayerTemplate] | None = None
    template: PayerTemplate | None = None

    @classmethod
    def build(
        cls,
        prices: Prices,
        coverage: CoverageTable | None = None,
        payer_templates: Mapping[str, PayerTemplate] | None = None,
        payer_template: PayerTemplate | None = None,
    ) -> RowContext:
        program = next((t for t in program_templates() if t.id == PROGRAM_TEMPLATE), None)
        return cls(
            courses={p.id: p for p in course_presets()},
            plans={p.id: p for p in plan_presets()},
            fees=[f.model_dump() for f in prices.fees],
            packages=[p.model_dump() for p in prices.packages],
            program=program.program.model_dump() if program else None,
            coverage=coverage,
            templates=None if payer_templates is None else {name_key(t.name): t for t in payer_templates.values()},
            template=payer_template,
        )


def _problems_in(validate: Callable[[Any], object], data: Any) -> list[str]:
    """What a model finds wrong in one part of a row's scenario, checked before the whole scenario is, so that the
    row's first pass reports it beside the other cells' problems ("column: why", or just "why" for a bare value)."""
    try:
        validate(data)
    except ValidationError as e:
        return [f"{_column_for(p.loc)}: {p.message}" if p.loc else p.message for p in problems_from(e)]
    return []


def _column_order(problem: str) -> int:
    column = problem.split(":", 1)[0]
    return INPUT_COLUMNS.index(column) if column in INPUT_COLUMNS else len(INPUT_COLUMNS)


def _row_template(
    cells: dict[str, str], kind: str | None, ctx: RowContext, problems: list[str]
) -> PayerTemplate | None:
    """The payer template the row names, if it names one that can be used."""
    raw = cells.get("payer_template", "")
    if ctx.templates is None:
        problems.append("payer_template: payer templates come from a clinic's setup; choose the clinic first")
        return None
    template = ctx.templates.get(name_key(raw))
    if template is None:
        names = ", ".join(t.name for t in ctx.templates.values()) or "none is kept"
        problems.append(f"payer_template: {show_cell(raw)} is not one of the clinic's payer templates ({names})")
    elif kind is not None and template.kind != kind:
        problems.append(
            f"payer_template: {show_cell(template.name)} is a {template.kind} template but coverage_kind is {kind}; "
            "name a template of the row's kind"
        )
    else:
        return template
    return None


def _services(
    cells: dict[str, str], kind: str | None, ctx: RowContext, problems: list[str]
) -> tuple[Any, str, PayerTemplate | None]:
    """The row's per-service coverage (rules as data), in words where it came from, and the payer template used."""
    if cells.get("payer_template", ""):
        template = _row_template(cells, kind, ctx, problems)
        if template is None:
            return {}, "", None
        return template.services, f"payer template {template.name}", template
    preset_id = cells.get("plan_preset", "").lower()
    if preset_id:
        preset = ctx.plans.get(preset_id)
        if preset is None:
            problems.append(
                f"plan_preset: {show_cell(cells.get('plan_preset', ''))} is not a plan preset "
                f"(use one of {', '.join(ctx.plans)})"
            )
        elif kind is not None and preset.coverage.kind != kind:
            problems.append(
                f"plan_preset: {preset_id} is a {preset.coverage.kind} plan but coverage_kind is {kind}; "
                "name a plan of the row's kind"
            )
        else:
            return preset.coverage.services, f"plan preset {preset_id}", None
        return {}, "", None
    if kind == "self_pay" or kind is None:
        return {}, "self-pay (no insurance)" if kind == "self_pay" else "", None
    if ctx.template is not None and ctx.template.kind == kind:  # a template serves the rows of its own kind
        return ctx.template.services, f"payer template {ctx.template.name}", ctx.template
    if ctx.coverage is not None:
        return ctx.coverage.services, ctx.coverage.label, None
    preset = default_plan_for_kind()[kind]
    used = f"plan preset {preset.id} (the default for {kind}; name a plan_preset to choose)"
    return preset.coverage.services, used, None


def scenario_data(cells: dict[str, str], ctx: RowContext) -> tuple[dict[str, Any], str]:
    """The scenario (as data) a row describes, and where its coverage table came from; raises _RowProblems
    naming every bad column."""
    problems: list[str] = []
    ref = cells.get("patient_ref", "")
    if len(ref) > MAX_REF_CHARS:
        problems.append(f"patient_ref: at most {MAX_REF_CHARS} characters")
    course_id = cells.get("course_preset", "").lower()
    course = ctx.courses.get(course_id)
    if course is None:
        what = (
            f"{show_cell(cells.get('course_preset', ''))} is not a course preset"
            if course_id
            else "this column is required"
        )
        problems.append(f"course_preset: {what} (use one of {', '.join(ctx.courses)})")
    start_session = whole_number_cell(cells, "start_session", problems)
    protocol = course.protocol.model_dump() if course is not None else {}
    if start_session is not None and course is not None:
        if isinstance(course.protocol, Custom):
            problems.append("start_session: a custom course has no numbered sessions; leave start_session blank")
        else:
            # A course under way: its first session here is not the first visit, so nothing is billed once.
            protocol.update(start_session=start_session, once=[] if start_session > 1 else protocol["once"])
            problems += _problems_in(type(course.protocol).model_validate, protocol)
    patient_state = cells.get("patient_state", "").upper() or None
    if patient_state is not None:
        problems += [f"patient_state: {why}" for why in _problems_in(_STATE.validate_python, patient_state)]
    start = date_cell(cells, "start_date", problems)
    kind = choice_cell(
        cells, "coverage_kind", {k: k for k in _KINDS}, problems, "self_pay, commercial, medicare, medicaid"
    )
    insured = kind != "self_pay"  # self-pay rows ignore the plan columns (also when kind itself is bad: check them)
    network = "in"
    if insured and cells.get("network", ""):
        network = choice_cell(cells, "network", _NETWORKS, problems, "in, out") or "in"
    plan_year_start = month_day_cell(cells, "plan_year_start", problems)
    program_cell = cells.get("savings_program", "").lower()
    if program_cell not in _YES | _NO:
        problems.append(f"savings_program: {show_cell(cells.get('savings_program', ''))} is not yes or no")
    services, coverage_used, template = _services(cells, kind, ctx, problems)
    tier: dict[str, Any] = {}
    given: dict[str, Any] = {}  # the figures the row gives (a template's stand for the blank ones)
    if insured:
        for col in ("deductible", "deductible_met", "coinsurance_pct", "oop_met"):
            value = money_cell(cells, col, problems)
            if value is not None:
                tier[col] = value
        tier["oop_max"] = money_cell(cells, "oop_max", problems, default=None)
        given = {col: tier.get(col) for col in PATIENT_FIGURES if cells.get(col, "")}
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
    if template is not None:
        year = plan_year_start if cells.get("plan_year_start", "") else None
        coverage = template_coverage(template, given, network=network if insured else None, plan_year_start=year)
    elif insured:
        coverage["network"] = network
        coverage["in_network"] = tier
        if network == "out" or any(rule.network == "out" for rule in services.values()):
            coverage["out_of_network"] = tier  # the row's figures serve both tiers
        coverage["services"] = {sid: rule.model_dump() for sid, rule in services.items()}
    under_way = protocol.get("start_session", 1) > 1
    programs = [ctx.program] if program_cell in _YES and ctx.program is not None else []
    data = {
        "version": LATEST_VERSION,
        "name": ref,
        "start_date": start,
        "horizon_weeks": course.horizon_weeks,
        "protocol": protocol,
        "fees": ctx.fees,
        "packages": [] if under_way else ctx.packages,  # a package is bought at a course's start
        "coverage": coverage,
        "savings_programs": programs,
        "patient_state": patient_state,
    }
    return data, coverage_used


# Scenario locations -> the CSV column a person should fix.
_LOC_COLUMNS = {
    "start_date": "start_date",
    "name": "patient_ref",
    "patient_state": "patient_state",
    "protocol.start_session": "start_session",
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


def row_scenario(cells: dict[str, str], ctx: RowContext) -> tuple[Scenario, str]:
    """A validated scenario for one row and where its coverage came from; raises _RowProblems with column-named
    problems."""
    data, coverage_used = scenario_data(cells, ctx)
    try:
        return scenario_from_data(data), coverage_used
    except ScenarioError as e:
        problems = list(dict.fromkeys(f"{_column_for(p.loc)}: {p.message}" for p in e.problems))
        raise _RowProblems(problems) from None


# ---------------------------------------------------------------- estimating


def result_row(base: dict[str, object], result: Result, coverage_used: str) -> dict[str, object]:
    t = result.totals
    return {
        **base,
        "coverage_used": coverage_used,
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
    return {**base, **dict.fromkeys(RESULT_COLUMNS, ""), "error": "; ".join(problems), "problems": problems}


def estimate_row(row: InputRow, ctx: RowContext) -> dict[str, object]:
    """One output row: the figures, or an `error` naming the column(s) and why. Never raises."""
    # Every input cell is repeated as read, so the row can be checked against its figures and re-run.
    base: dict[str, object] = {"line": row.line, **{c: row.cells.get(c, "") for c in INPUT_COLUMNS}}
    base["patient_ref"] = row.cells.get("patient_ref", "")[:MAX_REF_CHARS]
    if row.error:
        return _error_row(base, [f"row: {row.error}"])
    try:
        scenario, coverage_used = row_scenario(row.cells, ctx)
    except _RowProblems as e:
        return _error_row(base, e.problems)
    try:
        return result_row(base, estimate(scenario), coverage_used)
    except Exception as e:  # an engine bug must not drop the row or show a traceback
        return _error_row(base, [f"row: could not estimate this row ({type(e).__name__})"])


def iter_results(
    rows: list[InputRow],
    prices: Prices,
    progress: ProgressFn | None = None,
    coverage: CoverageTable | None = None,
    *,
    payer_templates: Mapping[str, PayerTemplate] | None = None,
    payer_template: PayerTemplate | None = None,
) -> Iterator[dict[str, object]]:
    """Output rows in input order, one at a time (Result objects are not kept).

    `payer_templates` are the clinic's templates a row's `payer_template` may name (None: no clinic chosen);
    `payer_template` serves the rows of its kind that name neither a template nor a plan preset.
    `progress(done, total)` is called at most about 100 times, and once at the end."""
    ctx = RowContext.build(prices, coverage, payer_templates, payer_template)
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
    note: str = ""  # how the file was read, when the user should know (a Windows-1252 file)

    def csv(self) -> str:
        return results_csv(self.rows)


def results_csv(rows: Iterable[dict[str, object]]) -> str:
    """The results CSV (text cells neutralized against formula injection)."""
    return write_csv(OUTPUT_COLUMNS, list(rows))


def stream_results_csv(
    rows: list[InputRow],
    prices: Prices,
    out: TextIO,
    progress: ProgressFn | None = None,
    chunk: int = 500,
    coverage: CoverageTable | None = None,
    *,
    payer_templates: Mapping[str, PayerTemplate] | None = None,
    payer_template: PayerTemplate | None = None,
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

    for row in iter_results(
        rows, prices, progress, coverage, payer_templates=payer_templates, payer_template=payer_template
    ):
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


def run_batch(
    raw: bytes | str,
    prices: Prices | None = None,
    progress: ProgressFn | None = None,
    coverage: CoverageTable | None = None,
    *,
    payer_templates: Mapping[str, PayerTemplate] | None = None,
    payer_template: PayerTemplate | None = None,
) -> BatchOutput:
    """A CSV upload to its result rows; raises BatchInputError when the file as a whole is unusable."""
    text, note = decode_csv(raw) if isinstance(raw, bytes) else (raw, "")
    if isinstance(raw, str) and len(raw.encode("utf-8")) > MAX_CSV_BYTES:
        raise BatchInputError(f"the file is larger than {MAX_CSV_BYTES // MEGABYTE} MB; split it into smaller files")
    parsed = read_rows(text)
    out = list(
        iter_results(
            parsed.rows,
            prices or example_price_list(),
            progress,
            coverage,
            payer_templates=payer_templates,
            payer_template=payer_template,
        )
    )
    bad = sum(1 for r in out if r["error"])
    return BatchOutput(out, len(out) - bad, bad, note)


def _read_head(path: str, limit: int, what: str) -> bytes:
    """The first `limit` + 1 bytes of a file (one more than allowed, so the parser can tell it is too large)."""
    try:
        with open(path, "rb") as fh:
            return fh.read(limit + 1)
    except OSError as e:
        raise BatchInputError(f"{path}: cannot read {what} ({e.strerror})") from None


def run_batch_cli(
    csv_path: str,
    prices_path: str | None,
    stdout: TextIO,
    stderr: TextIO,
    coverage_path: str | None = None,
    *,
    prices: Prices | None = None,
    payer_templates: Mapping[str, PayerTemplate] | None = None,
    payer_template: PayerTemplate | None = None,
) -> int:
    """`python -m estimator batch FILE.csv [--prices PRICES.json] [--coverage COVERAGE.json]`: results CSV on
    stdout. A clinic's kept setup (`--clinic`) comes in as data: its price list (`prices`) and payer templates.

    Exit 0 when the file was processed (bad rows carry their error); 2 with a message when the
    file, its header, the price list or the coverage file cannot be used."""
    try:
        prices = prices or example_price_list()
        if prices_path:
            raw_prices = _read_head(prices_path, MAX_PRICES_BYTES, "the price list")
            try:
                prices = prices_from_json(raw_prices, label=prices_path)
            except BatchInputError as e:
                raise BatchInputError(f"{prices_path}: {e}") from None
        coverage = None
        if coverage_path:
            raw_coverage = _read_head(coverage_path, MAX_COVERAGE_BYTES, "the coverage file")
            try:
                coverage = coverage_from_json(raw_coverage, label=f"coverage file {coverage_path}")
            except BatchInputError as e:
                raise BatchInputError(f"{coverage_path}: {e}") from None
        raw = _read_head(csv_path, MAX_CSV_BYTES, "the file")
        try:
            text, note = decode_csv(raw)
            parsed = read_rows(text)
        except BatchInputError as e:
            raise BatchInputError(f"{csv_path}: {e}") from None
    except BatchInputError as e:
        print(str(e), file=stderr)
        return 2
    if note:
        print(f"{csv_path}: {note}", file=stderr)
    good, bad = stream_results_csv(
        parsed.rows, prices, stdout, coverage=coverage, payer_templates=payer_templates, payer_template=payer_template
    )
    print(f"{good + bad} rows: {good} estimated, {bad} with errors", file=stderr)
    return 0

"""What the batch reads: the patients CSV (its columns and cells), the clinic price list and the coverage file.

Every cell is parsed as data (never evaluated); a cell that can't be read names its column and why.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from estimator.clinic_setup import ClinicPriceList
from estimator.documents.exports import write_csv
from estimator.models import Fee, Package, ServiceId, ServiceRule, parse_month_day
from estimator.presets import PricedFee, PricedPackage, example_prices
from estimator.scenario_io import parse_json, problems_from

MEGABYTE = 1_000_000  # as Streamlit counts an upload limit: its "2MB" refuses 2,010,000 bytes
MAX_CSV_BYTES = 2 * MEGABYTE  # about 25,000 typical rows
MAX_PRICES_BYTES = 200_000
MAX_COVERAGE_BYTES = 200_000
MAX_REF_CHARS = 100

# New columns go at the end, so a file made from an older template still reads the same.
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
    "start_session",
    "patient_state",
    "plan_preset",
    "payer_template",
]
REQUIRED_COLUMNS = ("course_preset", "start_date", "coverage_kind")

# What each input column means (shown on the Batch page and in the docs).
COLUMN_HELP: dict[str, str] = {
    "patient_ref": "Your own reference for the row (an MRN or initials), not a name; optional, at most 100 characters",
    "course_preset": "Course id: {presets}",
    "start_date": "Day of the first session: YYYY-MM-DD or M/D/YYYY",
    "coverage_kind": "self_pay, commercial, medicare or medicaid",
    "network": "in or out [in]; insured kinds only",
    "deductible": "Individual deductible in dollars [0]",
    "deductible_met": "Deductible already met this plan year [0]",
    "coinsurance_pct": "Coinsurance in percent, 20 = 20 % [0]",
    "oop_max": "Out-of-pocket maximum in dollars [blank = no cap]",
    "oop_met": "Out-of-pocket already met this plan year [0]",
    "plan_year_start": "Month and day the plan year starts: MM-DD, 1-Jan or Jan-01 [01-01]",
    "savings_program": "yes = SPRAVATO withMe (medication) as last published; no [no]",
    "start_session": (
        "For a course under way, the session the patient will be at on start_date; IV and SPRAVATO courses only; "
        "such a row bills no one-time services (consult) and no package [blank = where the course preset starts]"
    ),
    "patient_state": "Where the patient lives, two-letter USPS code such as MI [blank = not given]",
    "plan_preset": (
        "Which services the plan covers, from a plan preset of the row's coverage kind: {plans} "
        "[blank = the coverage file, else {defaults}]"
    ),
    "payer_template": (
        "A payer coverage template kept in the clinic's setup, by name, of the row's coverage kind: its per-service "
        "table, plan year and usual figures (the row's own figures come first); used before plan_preset "
        "[blank = plan_preset, else the batch's template or coverage file, else the kind's default]"
    ),
}

# The results written beside the input columns (the input columns are repeated so a row can be checked and re-run).
RESULT_COLUMNS = [
    "coverage_used",
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
OUTPUT_COLUMNS = ["line", *INPUT_COLUMNS, *RESULT_COLUMNS]
_OUTPUT_ONLY = frozenset(OUTPUT_COLUMNS) - frozenset(INPUT_COLUMNS)  # read back and ignored: a results file re-runs

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
        "start_session": "",
        "patient_state": "",
        "plan_preset": "hdhp_2026",
        "payer_template": "",
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
        "start_session": "",
        "patient_state": "",
        "plan_preset": "",
        "payer_template": "",
    },
]


class BatchInputError(ValueError):
    """The file as a whole cannot be used (unreadable, too large, bad header, bad price list or coverage file)."""


def column_help(presets: str, plans: str, defaults: str) -> list[dict[str, str]]:
    """The input columns for people: name, required or not, meaning (with the preset ids filled in)."""
    return [
        {
            "column": c,
            "required": "yes" if c in REQUIRED_COLUMNS else "no",
            "meaning": COLUMN_HELP[c].format(presets=presets, plans=plans, defaults=defaults),
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


def prices_from_price_list(price_list: ClinicPriceList) -> Prices:
    """A clinic's kept price list as the batch's price list."""
    return Prices(tuple(price_list.fees), tuple(price_list.packages), f"price list {price_list.name}")


def _json_object(raw: bytes | str, limit: int, what: str, shape: str) -> dict[str, Any]:
    """A small JSON object file, or BatchInputError saying why not."""
    if len(raw) > limit:
        raise BatchInputError(f"the {what} is larger than {limit:,} bytes")
    try:
        data = parse_json(raw)
    except ValueError as e:
        raise BatchInputError(f"the {what} can't be read: {e}") from None
    if not isinstance(data, dict):
        raise BatchInputError(f"the {what} must be a JSON object like {shape}")
    return data


def prices_from_json(raw: bytes | str, label: str = "uploaded price list") -> Prices:
    """A price list JSON {"fees": [...], "packages": [...]}; raises BatchInputError in plain English."""
    data = _json_object(raw, MAX_PRICES_BYTES, "price list", '{"fees": [...], "packages": [...]}')
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


# ---------------------------------------------------------------- coverage file

_SERVICES = TypeAdapter(dict[ServiceId, ServiceRule])


@dataclass(frozen=True, slots=True)
class CoverageTable:
    """What the plan covers, per service (SPEC §4.3 `services`), for rows that name no plan preset."""

    services: dict[str, ServiceRule]
    label: str


def coverage_from_json(raw: bytes | str, label: str = "coverage file") -> CoverageTable:
    """A services table as in SPEC §4.3 ({"service id": {"covered": true, ...}}), bare or under "services"."""
    data = _json_object(raw, MAX_COVERAGE_BYTES, "coverage file", '{"spravato_drug": {"covered": true}, ...}')
    if "services" in data:  # a coverage block: only its table is used, so nothing else may stand beside it
        if set(data) != {"services"} or not isinstance(data["services"], dict):
            raise BatchInputError(
                'give only the per-service table, {"services": {...}} or the table itself: the deductible, '
                "coinsurance and other plan figures come from each row's columns"
            )
        data = data["services"]
    try:
        services = _SERVICES.validate_python(data)
    except ValidationError as e:
        raise BatchInputError("; ".join(str(p) for p in problems_from(e))) from None
    if not services:
        raise BatchInputError("the coverage file names no service")
    pharmacy = [sid for sid, rule in services.items() if rule.benefit == "pharmacy"]
    if pharmacy:
        raise BatchInputError(
            f"{pharmacy[0]}: the batch has no pharmacy-benefit columns, so every service must use the medical benefit"
        )
    return CoverageTable(services, label)


# ---------------------------------------------------------------- reading the CSV


# A UTF-8 character of two to four bytes, and the ranges in which one is a real sign of UTF-8 text: letters with
# accents, Greek, Cyrillic, Hebrew, Arabic, punctuation, currency, CJK and Hangul. A Windows-1252 file can hold a
# byte pair that is valid UTF-8 by chance ("É–" is C9 96, U+0256), but it falls outside these.
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
_TEXT_RANGES = ((0xA0, 0x24F), (0x370, 0x6FF), (0x2000, 0x20CF), (0x3000, 0x9FFF), (0xAC00, 0xD7AF))
WINDOWS_NOTE = "The file is not UTF-8, so it was read as Windows-1252 (as Excel saves 'CSV'); check names with accents."


def _has_utf8_text(raw: bytes) -> bool:
    for m in _UTF8_MULTIBYTE.finditer(raw):
        try:
            code = ord(m.group().decode("utf-8"))
        except (UnicodeDecodeError, TypeError):
            continue
        if any(lo <= code <= hi for lo, hi in _TEXT_RANGES):
            return True
    return False


def decode_csv(raw: bytes) -> tuple[str, str]:
    """Text of an uploaded CSV and a note for the user: UTF-8 (with or without BOM) or UTF-16 with its BOM (Excel's
    "Unicode text"); Windows-1252, as spreadsheets save it, only for a file with no UTF-8 text in it anywhere (and
    the note says so); a file mixing the two is refused, since either reading would change some of its names."""
    if len(raw) > MAX_CSV_BYTES:
        raise BatchInputError(f"the file is larger than {MAX_CSV_BYTES // MEGABYTE} MB; split it into smaller files")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16"), ""
        except UnicodeDecodeError:
            raise BatchInputError("the file starts as UTF-16 text but is not; save it again as 'CSV UTF-8'") from None
    try:
        return raw.decode("utf-8-sig"), ""
    except UnicodeDecodeError as e:
        if raw.startswith(b"\xef\xbb\xbf") or _has_utf8_text(raw):
            line = raw[: e.start].count(b"\n") + 1
            raise BatchInputError(
                f"the file mixes text encodings (UTF-8, and another from line {line}); save it again as "
                "'CSV UTF-8' and upload that"
            ) from None
        return raw.decode("cp1252", errors="replace"), WINDOWS_NOTE


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
    """Header check and rows as stripped text cells; completely blank lines are skipped. A results file can be
    read back: its result columns are ignored and recomputed."""
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
        unknown = [c for c in columns if c not in INPUT_COLUMNS and c not in _OUTPUT_ONLY]
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
        parsed = ParsedCsv([c for c in columns if c in INPUT_COLUMNS])
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
            row = InputRow(
                line,
                {c: (cells[i].strip() if i < len(cells) else "") for i, c in enumerate(columns) if c in INPUT_COLUMNS},
            )
            if len(cells) > len(columns) and any(c.strip() for c in cells[len(columns) :]):
                row.error = f"the row has {len(cells)} cells but the header has {len(columns)} columns"
            parsed.rows.append(row)
    except csv.Error as e:
        raise BatchInputError(f"the file is not a readable CSV (line {reader.line_num}: {e})") from None
    return parsed


# ---------------------------------------------------------------- cells (each appends "column: why" to `problems`)


def show_cell(value: str) -> str:
    """A cell quoted in an error message (shortened)."""
    return repr(value if len(value) <= 40 else value[:37] + "...")


def money_cell(cells: dict[str, str], col: str, problems: list[str], default: str | None = "0") -> Decimal | None:
    """An amount or percentage as spreadsheets write it ($1,500.00, 20%); blank gives `default`."""
    raw = cells.get(col, "")
    if raw == "":
        return None if default is None else Decimal(default)
    text = raw.replace("$", "").replace(",", "").replace(" ", "")
    if col == "coinsurance_pct":
        text = text.removesuffix("%")
    try:
        if not _NUMBER.fullmatch(text):  # Decimal() also reads other scripts' digits and "3_00"
            raise InvalidOperation
        value = Decimal(text)
    except InvalidOperation:
        problems.append(f"{col}: {show_cell(raw)} is not a number")
        return None
    if not value.is_finite():
        problems.append(f"{col}: {show_cell(raw)} is not a number")
        return None
    return value


_NUMBER = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)")  # a plain number as written in a cell, digits 0-9


def choice_cell(cells: dict[str, str], col: str, allowed: dict[str, str], problems: list[str], hint: str) -> str | None:
    raw = cells.get(col, "")
    key = raw.lower().replace("-", "_").replace(" ", "_")
    if key in allowed:
        return allowed[key]
    problems.append(f"{col}: {show_cell(raw)} is not one of {hint}" if raw else f"{col}: this column is required")
    return None


def whole_number_cell(cells: dict[str, str], col: str, problems: list[str]) -> int | None:
    """A whole number written with ASCII digits (blank gives None)."""
    raw = cells.get(col, "")
    if raw == "":
        return None
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 6:
        problems.append(f"{col}: {show_cell(raw)} is not a whole number")
        return None
    return int(raw)


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_US_DATE = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")  # M/D/YYYY, as US spreadsheets write dates


def date_cell(cells: dict[str, str], col: str, problems: list[str]) -> dt.date | None:
    """A date written YYYY-MM-DD or M/D/YYYY."""
    raw = cells.get(col, "")
    if not raw:
        problems.append(f"{col}: this column is required (YYYY-MM-DD or M/D/YYYY)")
        return None
    try:
        if _ISO_DATE.fullmatch(raw):
            return dt.date.fromisoformat(raw)
        us = _US_DATE.fullmatch(raw)
        if us:
            return dt.date(int(us[3]), int(us[1]), int(us[2]))
    except ValueError:
        pass
    problems.append(f"{col}: {show_cell(raw)} is not a date in the form YYYY-MM-DD or M/D/YYYY")
    return None


_MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_DAY_MONTH = re.compile(r"([0-9]{1,2})-([a-z]{3,9})")  # 1-Jan: how a spreadsheet shows 01-01 once it took it for a date
_MONTH_DAY = re.compile(r"([a-z]{3,9})-([0-9]{1,2})")  # Jan-01


def _month_number(name: str) -> int | None:
    """1 for "jan" or "january" (English, any case: the cell is lowered first); None for anything else."""
    for i, full in enumerate(_MONTHS, start=1):
        if name in (full, full[:3]):
            return i
    return None


def month_day_cell(cells: dict[str, str], col: str, problems: list[str], default: str = "01-01") -> str:
    """A plan-year start as MM-DD, also in the forms a spreadsheet turns 01-01 into (1-Jan, Jan-01)."""
    raw = cells.get(col, "") or default
    text = raw.lower()
    for pattern, day_first in ((_DAY_MONTH, True), (_MONTH_DAY, False)):
        m = pattern.fullmatch(text)
        if m:
            day, name = (m[1], m[2]) if day_first else (m[2], m[1])
            month = _month_number(name)
            if month is not None:
                text = f"{month:02d}-{int(day):02d}"
            break
    try:
        parse_month_day(text)
    except ValueError as e:
        problems.append(f"{col}: {show_cell(raw)}: {e} (1-Jan and Jan-01 are read too)")
        return default
    return text

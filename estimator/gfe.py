"""Good Faith Estimate for uninsured and self-pay patients (No Surprises Act, 45 CFR 149.610).

Pure: the details a counselor enters (clinic, patient, diagnosis codes, period) as validated pydantic models with
plain-English messages, and the itemized list built from an estimate's Result; the printed GFE is in
documents.gfe_pdf. The 12-month limit for recurring services comes from data/reference.json.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, ValidationInfo, field_validator, model_validator

from estimator.models import LATEST_VERSION, Coverage, Custom, IvKetamine, Package, Scenario, Spravato, field_error
from estimator.money import ZERO, usd_whole
from estimator.presets import course_preset, example_prices
from estimator.pricing import package_flags
from estimator.reference import latest_decimal, us_states
from estimator.result import Result
from estimator.scenario_io import Problem, parse_json, problems_from
from estimator.text import clean_text, fmt_day
from estimator.wording import COVERAGE_KINDS, frequency, phase_span, service_label

CMS_URL = "www.cms.gov/nosurprises"
CMS_PHONE = "1-800-985-3059"
MAX_PROFILE_BYTES = 1_000_000  # 1 MB, the uploader's own limit (a profile is a few hundred bytes)
MAX_DIAGNOSIS_CODES = 12


# ICD-10-CM: a letter, a digit, a digit or letter, then optionally a dot and 1-4 letters or digits (F33.1, F32.9).
_ICD10CM = re.compile(r"[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?")


class GfeError(ValueError):
    """A Good Faith Estimate that cannot be made, with one plain-English problem per field."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(map(str, problems)))
        self.problems = problems


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _text(value: object, what: str, max_len: int, *, required: bool) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValueError(f"enter the {what} as text")
    text = clean_text(value)
    if required and not text:
        raise ValueError(f"enter the {what}")
    if len(text) > max_len:
        raise ValueError(f"the {what} is too long (at most {max_len} characters)")
    return text


# ---------------------------------------------------------------- NPI and TIN


def npi_is_valid(npi: str) -> bool:
    """10 digits whose last is the Luhn check digit computed with the prefix 80840 (CMS NPI standard)."""
    if not re.fullmatch(r"[0-9]{10}", npi):
        return False
    total = 0
    for i, ch in enumerate(reversed("80840" + npi)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def _npi(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("enter the clinic's 10-digit NPI (National Provider Identifier)")
    npi = re.sub(r"[\s-]", "", value)
    if not re.fullmatch(r"[0-9]{10}", npi):
        raise ValueError("an NPI is exactly 10 digits, for example 1234567893")
    if not npi_is_valid(npi):
        raise ValueError(
            "this is not a valid NPI: its last digit (the check digit) does not match the first nine; check for a typo"
        )
    return npi


def _tin(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("enter the clinic's TIN (employer identification number), written XX-XXXXXXX")
    m = re.fullmatch(r"([0-9]{2})[\s-]?([0-9]{7})", value.strip())
    if m is None:
        raise ValueError("a TIN is 9 digits written XX-XXXXXXX, for example 12-3456789")
    if m.group(1) + m.group(2) == "0" * 9:
        raise ValueError("00-0000000 is not a real TIN")
    return f"{m.group(1)}-{m.group(2)}"


def us_phone(value: object) -> str:
    """A US phone number written 555-123-4567 (blank stays blank); the clinic store's counselor phone uses it too."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return ""
    if not isinstance(value, str):
        raise ValueError("enter the phone number as text, for example 555-123-4567")
    digits = re.sub(r"[\s().+-]", "", value)
    if digits.startswith("1") and len(digits) == 11:
        digits = digits[1:]
    if not re.fullmatch(r"[0-9]{10}", digits):
        raise ValueError("enter a 10-digit US phone number, for example 555-123-4567")
    return f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"


# ---------------------------------------------------------------- the models


class ClinicDetails(_Model):
    """The provider giving the estimate (saved and loaded as a clinic profile; never holds patient data)."""

    name: str
    address: str
    state: str
    npi: str
    tin: str
    phone: str = ""
    location: str = ""  # where care is given, when it differs from the address

    @field_validator("name", "address", "location", mode="before")
    @classmethod
    def _texts(cls, value: object, info: ValidationInfo) -> str:
        what = {"name": "clinic's name", "address": "clinic's address", "location": "location of care"}
        return _text(value, what[str(info.field_name)], 300, required=info.field_name != "location")

    @field_validator("state", mode="before")
    @classmethod
    def _state(cls, value: object) -> str:
        code = value.strip().upper() if isinstance(value, str) else ""
        if code not in us_states():
            raise ValueError("use the 2-letter postal code of a US state or territory, for example CA or NY")
        return code

    @field_validator("npi", mode="before")
    @classmethod
    def _valid_npi(cls, value: object) -> str:
        return _npi(value)

    @field_validator("tin", mode="before")
    @classmethod
    def _valid_tin(cls, value: object) -> str:
        return _tin(value)

    @field_validator("phone", mode="before")
    @classmethod
    def _phone(cls, value: object) -> str:
        return us_phone(value)

    @property
    def location_of_care(self) -> str:
        return self.location or self.address


class PatientDetails(_Model):
    """Who the estimate is for. Never saved by the app, never put in a URL, a log or a file name."""

    name: str
    date_of_birth: dt.date

    @field_validator("name", mode="before")
    @classmethod
    def _name(cls, value: object) -> str:
        return _text(value, "patient's name", 200, required=True)

    @field_validator("date_of_birth")
    @classmethod
    def _dob(cls, value: dt.date) -> dt.date:
        if value > dt.date.today():
            raise ValueError("the date of birth is in the future")
        if value < dt.date(1900, 1, 1):
            raise ValueError("the date of birth is before 1900; check the year")
        return value


def normalize_diagnosis_code(code: str) -> str:
    """F331 -> F33.1, f32.9 -> F32.9 (a dot is added after the third character)."""
    text = re.sub(r"\s", "", code).upper()
    if "." not in text and len(text) > 3:
        text = text[:3] + "." + text[3:]
    return text


def max_gfe_months() -> int:
    return int(latest_decimal("gfe_max_months"))


def add_months(start: dt.date, months: int) -> dt.date:
    """The same day `months` later (the last day of the month when that day does not exist)."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def latest_period_end(start: dt.date) -> dt.date:
    """The last day a Good Faith Estimate starting on `start` may cover (12 months, from the reference data)."""
    return add_months(start, max_gfe_months()) - dt.timedelta(days=1)


class GfeRequest(_Model):
    """What the counselor adds for the GFE: diagnosis codes, the period it covers and the primary service."""

    diagnosis_codes: tuple[str, ...]
    period_start: dt.date
    period_end: dt.date
    scheduled_date: dt.date
    primary_service: str = ""  # blank: described from the course
    separate_services: str = ""  # items or services expected to be scheduled separately

    @field_validator("diagnosis_codes", mode="before")
    @classmethod
    def _codes(cls, value: object) -> tuple[str, ...]:
        if isinstance(value, str):
            raw = [c for c in re.split(r"[,;\s]+", value) if c]
        elif isinstance(value, (list, tuple)):
            raw = [str(c) for c in value if str(c).strip()]
        else:
            raise ValueError("enter ICD-10-CM diagnosis codes separated by commas, for example F33.1")
        typed = {c: normalize_diagnosis_code(c) for c in raw}
        codes = list(dict.fromkeys(typed.values()))
        if not codes:
            raise ValueError("enter at least one ICD-10-CM diagnosis code, for example F33.1 or F32.9")
        if len(codes) > MAX_DIAGNOSIS_CODES:
            raise ValueError(f"enter at most {MAX_DIAGNOSIS_CODES} diagnosis codes")
        bad = [c for c, code in typed.items() if not _ICD10CM.fullmatch(code)]  # named as typed, not as normalized
        if bad:
            shown = ", ".join(f"“{clean_text(c)[:20]}”" for c in bad[:3])  # as typed, in the page's own quotes
            raise ValueError(
                f"{shown} {'is not an ICD-10-CM code' if len(bad) == 1 else 'are not ICD-10-CM codes'}: "
                "use a letter, two digits, then optionally a dot and up to 4 more characters (for example F33.1)"
            )
        return tuple(codes)

    @field_validator("primary_service", mode="before")
    @classmethod
    def _primary(cls, value: object) -> str:
        return _text(value, "primary service description", 200, required=False)

    @field_validator("separate_services", mode="before")
    @classmethod
    def _separate(cls, value: object) -> str:
        if value is None:
            return ""
        if not isinstance(value, str):
            raise ValueError("enter the services to be scheduled separately as text")
        text = clean_text(value, multiline=True)
        if len(text) > 2000:
            raise ValueError("the list of separately scheduled services is too long (at most 2,000 characters)")
        return text

    @model_validator(mode="after")
    def _period(self) -> GfeRequest:
        problem = period_problem(self.period_start, self.period_end, self.scheduled_date)
        if problem is not None:
            raise field_error(problem.loc, problem.message)
        return self


def period_problem(
    start: dt.date, end: dt.date, scheduled: dt.date | None, day: Callable[[dt.date], str] = dt.date.isoformat
) -> Problem | None:
    """What is wrong with a GFE period, if anything: on its own so the page can say it before the rest of the
    form is filled in (its dates written by `day`: the page passes fmt_day)."""
    if end < start:
        return Problem("period_end", "the period ends before it starts")
    last = latest_period_end(start)
    if end > last:
        return Problem(
            "period_end",
            f"a Good Faith Estimate for recurring services covers at most {max_gfe_months()} months: end the period "
            f"on or before {day(last)} and give a new estimate for care after that",
        )
    if scheduled is not None and not start <= scheduled <= end:
        return Problem("scheduled_date", "the scheduled date of the primary service is outside the period")
    return None


def validate_details(
    clinic: dict[str, Any], patient: dict[str, Any], request: dict[str, Any]
) -> tuple[ClinicDetails | None, PatientDetails | None, GfeRequest | None, list[Problem]]:
    """Validate the three forms at once; problems are located as `clinic.npi`, `patient.name`, `period_end`..."""
    problems: list[Problem] = []
    out: list[Any] = []
    for prefix, model, data in (
        ("clinic", ClinicDetails, clinic),
        ("patient", PatientDetails, patient),
        ("", GfeRequest, request),
    ):
        try:
            out.append(model.model_validate(data))
        except ValidationError as e:
            out.append(None)
            problems += _problems(e, prefix)
    return out[0], out[1], out[2], problems


def _problems(error: ValidationError, prefix: str) -> list[Problem]:
    """Plain-English problems located under `prefix` (clinic., patient.)."""
    out = []
    for p in problems_from(error):
        message = p.message.replace("part of the scenario format", "one of the expected details")
        out.append(Problem(".".join(x for x in (prefix, p.loc) if x), message))
    return out


# ---------------------------------------------------------------- clinic profile (clinic details only)


def clinic_profile_json(clinic: ClinicDetails) -> str:
    """The clinic profile file: clinic details only, never anything about a patient."""
    return json.dumps({"type": "clinic_profile", "version": 1, "clinic": clinic.model_dump()}, indent=2)


def clinic_from_profile(data: bytes | str) -> ClinicDetails:
    """Read a clinic profile (at most 1 MB of JSON, parsed as data only); raises GfeError."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if len(raw) > MAX_PROFILE_BYTES:
        raise GfeError([Problem("", f"the clinic profile is larger than {MAX_PROFILE_BYTES // 1_000_000} MB")])
    try:
        doc = parse_json(raw)
    except ValueError as e:
        raise GfeError([Problem("", f"the clinic profile can't be read: {e}")]) from None
    if isinstance(doc, dict) and {"version", "protocol"} <= doc.keys():
        raise GfeError([Problem("", "this is a saved estimate (open it on the Estimate page), not a clinic profile")])
    if isinstance(doc, dict) and doc.get("type") == "clinic_profile":
        doc = doc.get("clinic")
    if not isinstance(doc, dict):
        raise GfeError([Problem("", "the file is not a clinic profile (saved with 'Save clinic profile')")])
    try:
        return ClinicDetails.model_validate(doc)
    except ValidationError as e:
        raise GfeError(_problems(e, "clinic")) from None


# ---------------------------------------------------------------- eligibility and the example course


def gfe_ineligibility(scenario: Scenario) -> str | None:
    """None when a Good Faith Estimate applies (self-pay), else why it does not, in plain English."""
    kind = scenario.coverage.kind
    if kind == "self_pay":
        return None
    base = (
        "A Good Faith Estimate under the No Surprises Act (45 CFR 149.610) is for uninsured and self-pay patients: "
        "people without coverage, or with private insurance who choose not to have the clinic bill it. "
    )
    if kind == "commercial":
        return base + (
            "This estimate bills commercial insurance, so a Good Faith Estimate does not apply; ask your plan and "
            "the clinic what you will pay. If you will pay the clinic yourself without billing your plan, set the "
            f"coverage to '{COVERAGE_KINDS['self_pay']}' on the Estimate page."
        )
    program = COVERAGE_KINDS[kind]
    return base + (
        f"This estimate bills {program}. People enrolled in Medicare, Medicaid or TRICARE (federal health care "
        f"programs) are not eligible for a Good Faith Estimate; {program}'s own rules on what you may be charged apply."
    )


def example_self_pay_scenario(start_date: dt.date) -> Scenario:
    """The default when no estimate has been made: the 'Six IV infusions' course, example prices, self-pay."""
    preset = course_preset("iv6")
    prices = example_prices()
    return Scenario(
        version=LATEST_VERSION,
        name=preset.label,
        start_date=start_date,
        horizon_weeks=preset.horizon_weeks,
        protocol=preset.protocol,
        fees=prices.scenario_fees(),
        packages=prices.scenario_packages(),
        coverage=Coverage(kind="self_pay"),
    )


def default_primary_service(scenario: Scenario) -> str:
    p = scenario.protocol
    if isinstance(p, IvKetamine):
        return "IV ketamine infusion treatment for depression"
    if isinstance(p, Spravato):
        return "SPRAVATO (esketamine) nasal spray treatment with 2-hour observation"
    assert isinstance(p, Custom)
    for s in sorted(p.sessions, key=lambda s: s.day):
        return service_label(scenario, s.services[0].service)
    return "Treatment"


def default_period(result: Result, start: dt.date) -> tuple[dt.date, dt.date]:
    """From the first to the last session of the course, at most 12 months."""
    dates = [s.date for s in result.sessions]
    first = min(dates, default=start)
    last = max(dates, default=start)
    return first, min(last, latest_period_end(first))


# ---------------------------------------------------------------- the itemized list


@dataclass(frozen=True, slots=True)
class GfeItem:
    """One itemized line of the estimate: a service in one phase of the course."""

    description: str
    code: str
    diagnosis_codes: tuple[str, ...]
    quantity: int
    expected_charge: Decimal
    when: str  # the date, or the frequency with the dates it runs between
    sessions: int
    first_date: dt.date
    last_date: dt.date
    phase: str


def _when(dates: Sequence[dt.date]) -> str:
    ds = sorted(set(dates))
    if len(ds) == 1:
        return fmt_day(ds[0])
    return f"{frequency(ds)}, {len(ds)} sessions, {fmt_day(ds[0])} to {fmt_day(ds[-1])}"


def _package_note(package: Package | None, entries: Sequence[tuple[object, ...]]) -> str:
    """Why an item's charge is not quantity x the unit fee: some or all of its lines are package shares."""
    in_package = sum(1 for e in entries if e[-1])
    if package is None or not in_package:
        return ""
    price = usd_whole(package.price)
    if in_package < len(entries):
        return f" ({in_package} in the {package.sessions}-session package for {price}, the rest at the regular fee)"
    if in_package < package.sessions:
        return f" ({in_package} of a {package.sessions}-session package for {price})"
    return f" (package of {package.sessions} for {price})"


def gfe_items(scenario: Scenario, result: Result, diagnosis_codes: Sequence[str] = ()) -> list[GfeItem]:
    """The itemized list: every line of the estimate grouped by phase and service, in the order first billed.
    The expected charges add up to `result.totals.charges` exactly."""
    flags = iter(package_flags((ln.service for s in result.sessions for ln in s.lines), scenario.packages))
    groups: dict[tuple[str, str], list[tuple[dt.date, int, Decimal, str, bool]]] = {}
    for s in result.sessions:
        for ln in s.lines:
            entry = (s.date, ln.quantity, ln.charge, ln.code, next(flags))
            groups.setdefault((s.phase, ln.service), []).append(entry)
    packages = {p.service: p for p in scenario.packages}
    codes = tuple(diagnosis_codes)
    items: list[GfeItem] = []
    for (phase, service), entries in groups.items():
        dates = [e[0] for e in entries]
        items.append(
            GfeItem(
                description=service_label(scenario, service) + _package_note(packages.get(service), entries),
                code=clean_text(entries[0][3]),
                diagnosis_codes=codes,
                quantity=sum(e[1] for e in entries),
                expected_charge=sum((e[2] for e in entries), ZERO),
                when=_when(dates),
                sessions=len(set(dates)),
                first_date=min(dates),
                last_date=max(dates),
                phase=phase,
            )
        )
    total = sum((i.expected_charge for i in items), ZERO)
    assert total == result.totals.charges, (total, result.totals.charges)
    return items


def gfe_total(items: Sequence[GfeItem]) -> Decimal:
    return sum((i.expected_charge for i in items), ZERO)


def recurring_scope(result: Result) -> list[str]:
    """The expected scope of recurring services, one line per phase: frequency, number of sessions and dates."""
    by_phase: dict[str, list[dt.date]] = {}
    for s in result.sessions:
        if s.phase != "evaluation":
            by_phase.setdefault(s.phase, []).append(s.date)
    return [phase_span(phase, dates) for phase, dates in by_phase.items()]


def course_fits_period(result: Result, request: GfeRequest) -> list[Problem]:
    """Every session must fall in the period (so the GFE total is the estimate's total)."""
    return course_fits_dates(result, request.period_start, request.period_end)


def course_fits_dates(
    result: Result, period_start: dt.date, period_end: dt.date, day: Callable[[dt.date], str] = dt.date.isoformat
) -> list[Problem]:
    """`course_fits_period` on the period's dates alone, so the page can say it before the rest is filled in (its
    dates written by `day`)."""
    dates = [s.date for s in result.sessions]
    problems = []
    if not dates:
        return [Problem("", "the estimate has no sessions to list")]
    if min(dates) < period_start:
        problems.append(
            Problem(
                "period_start",
                f"the course starts on {day(min(dates))}, before the period; start the period on or before it",
            )
        )
    if max(dates) > period_end:
        last = latest_period_end(period_start)
        hint = (
            "end the period on or after it"
            if max(dates) <= last
            else f"a Good Faith Estimate covers at most {max_gfe_months()} months, so shorten the estimate's "
            "time frame on the Estimate page and give a new estimate for later care"
        )
        problems.append(
            Problem("period_end", f"the course has sessions until {day(max(dates))}, after the period: {hint}")
        )
    return problems

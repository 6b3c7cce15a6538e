"""Scenario file versions 1 and 2 (SPEC §4, §4.9) as pydantic v2 models: every constraint validated at the edge."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal, Union

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from estimator.money import CENT
from estimator.reference import us_states


def _to_cents(value: Decimal) -> Decimal:
    """Amounts are held with exactly two decimals, so every sum and product of them stays in cents.
    A "-0" input becomes 0.00, never "-0.00" in the result."""
    return value.quantize(CENT).copy_abs()


def _ascii_number(value: object) -> object:
    """Numbers are written with the digits 0-9: Decimal() also reads other scripts' digits ("٢٠٠٠٠" is 20000), which
    a person checking the file would not read as the amount the estimate uses."""
    if isinstance(value, str) and (not value.isascii() or "_" in value):  # Decimal() reads "3_00" as 300 too
        raise ValueError("use the digits 0-9 for numbers, for example 1500 or 1500.00")
    return value


Money = Annotated[
    Decimal,
    Field(ge=0, le=10_000_000, decimal_places=2, allow_inf_nan=False),
    BeforeValidator(_ascii_number),
    AfterValidator(_to_cents),
]
Pct = Annotated[Decimal, Field(ge=0, le=100, decimal_places=2, allow_inf_nan=False), BeforeValidator(_ascii_number)]
Amount = Annotated[Decimal, BeforeValidator(_ascii_number)]  # a non-money decimal (miles, hours)
ServiceId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]{1,40}$")]
Kind = Literal["self_pay", "commercial", "medicare", "medicaid"]
ShortText = Annotated[str, StringConstraints(max_length=200)]
LongText = Annotated[str, StringConstraints(max_length=5000)]


def _not_a_number(value: object) -> object:
    """Dates are "YYYY-MM-DD": pydantic would read a number as a Unix timestamp (0 -> 1970-01-01)."""
    if isinstance(value, (int, float, Decimal)):
        raise ValueError("use a date in the form YYYY-MM-DD")
    return value


IsoDate = Annotated[dt.date, BeforeValidator(_not_a_number)]


def _not_a_bool(value: object) -> object:
    """Counts are whole numbers: pydantic would read true/false as 1/0."""
    if isinstance(value, bool):
        raise ValueError("use a whole number, not true/false")
    return value


Count = Annotated[int, BeforeValidator(_not_a_bool)]


def _usps(value: str) -> str:
    if value not in us_states():
        raise ValueError(f"{value!r} is not a US state or territory code (two capital letters, for example MI or PR)")
    return value


StateCode = Annotated[
    str,
    AfterValidator(_usps),
    WithJsonSchema({"type": "string", "enum": sorted(us_states()), "description": "USPS code of a state or territory"}),
]
# Bounds come before the bool check in these: after it, pydantic writes them into the JSON Schema as "ge"/"le".
StartSession = Annotated[
    int,
    Field(
        ge=1,
        le=300,
        description="Version 2: the protocol's session number the estimate starts at (that session is on start_date)",
    ),
    BeforeValidator(_not_a_bool),
]
AuthUnits = Annotated[int, Field(ge=1, le=999), BeforeValidator(_not_a_bool)]


def field_error(field: str, message: str) -> PydanticCustomError:
    """A cross-field error that names `field` (the error formatter appends it to the path)."""
    return PydanticCustomError("cross_field", message, {"field": field})


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# ---------------------------------------------------------------- protocols (§4.1)

SPRAVATO_INDUCTION_SESSIONS = 8  # the label's twice-weekly weeks 1-4: all of an mdsi course (later use not studied)


def _check_start(start: int, sessions: int | None, why: str) -> None:
    """Version 2: a course can only start at a session it has."""
    if sessions is not None and start > sessions:
        message = f"the course has {sessions} sessions ({why}), so it can start at session {sessions} at most"
        raise field_error("start_session", message)



class IvKetamine(_Model):
    type: Literal["iv_ketamine"]
    induction_infusions: Count = Field(6, ge=1, le=12)
    induction_weeks: Count = Field(3, ge=1, le=8)
    booster_every_weeks: Count = Field(0, ge=0, le=26)
    once: list[ServiceId] = Field(default_factory=lambda: ["consult"], max_length=20)
    per_session: list[ServiceId] = Field(default_factory=list, max_length=20)
    start_session: StartSession = 1

    def session_count(self) -> int | None:
        """How many treatment sessions the course has (None: boosters go on for ever)."""
        return None if self.booster_every_weeks else self.induction_infusions

    @model_validator(mode="after")
    def _start_within_course(self) -> IvKetamine:
        _check_start(self.start_session, self.session_count(), "its induction infusions, with no boosters")
        return self


class Spravato(_Model):
    type: Literal["spravato"]
    indication: Literal["trd", "mdsi"] = "trd"
    dose_mg: Literal[56, 84] = 84
    week9_every_weeks: Literal[1, 2] = 2
    once: list[ServiceId] = Field(default_factory=lambda: ["consult"], max_length=20)
    per_session: list[ServiceId] = Field(default_factory=list, max_length=20)
    start_session: StartSession = 1

    def session_count(self) -> int | None:
        """How many treatment sessions the course has (None: week 9 on goes on for ever)."""
        return SPRAVATO_INDUCTION_SESSIONS if self.indication == "mdsi" else None

    @model_validator(mode="after")
    def _start_within_course(self) -> Spravato:
        _check_start(self.start_session, self.session_count(), "twice a week for 4 weeks, for acute suicidal ideation")
        return self


class ServiceQty(_Model):
    service: ServiceId
    quantity: Count = Field(1, ge=1, le=20)


class CustomSession(_Model):
    day: Count = Field(ge=0)
    phase: Annotated[str, StringConstraints(min_length=1, max_length=40)] = "treatment"
    services: list[ServiceQty] = Field(min_length=1, max_length=20)


class Custom(_Model):
    type: Literal["custom"]
    sessions: list[CustomSession] = Field(max_length=2000)
    once: list[ServiceId] = Field(default_factory=list, max_length=20)


Protocol = Annotated[Union[IvKetamine, Spravato, Custom], Field(discriminator="type")]


# ---------------------------------------------------------------- fees and packages (§4.2)


class Fee(_Model):
    service: ServiceId
    code: ShortText = ""
    description: ShortText = ""
    charge: Money


class Package(_Model):
    service: ServiceId
    sessions: Count = Field(ge=2, le=52)
    price: Money


# ---------------------------------------------------------------- coverage (§4.3)


def _check_met(met: Decimal, limit: Decimal | None, met_name: str, limit_name: str) -> None:
    if limit is not None and met > limit:
        raise field_error(met_name, f"the amount already met (${met:,}) is more than the {limit_name} (${limit:,})")


class Tier(_Model):
    deductible: Money = Decimal("0.00")
    deductible_met: Money = Decimal("0.00")
    coinsurance_pct: Pct = Decimal("0")
    oop_max: Money | None = None
    oop_met: Money = Decimal("0.00")
    allowed_pct_of_charge: Pct = Decimal("100")

    @model_validator(mode="after")
    def _met_within_limits(self) -> Tier:
        _check_met(self.deductible_met, self.deductible, "deductible_met", "deductible")
        _check_met(self.oop_met, self.oop_max, "oop_met", "out-of-pocket maximum")
        return self


class Pharmacy(_Model):
    deductible: Money = Decimal("0.00")
    deductible_met: Money = Decimal("0.00")
    integrated_deductible: bool = False
    coinsurance_pct: Pct = Decimal("0")
    copay: Money | None = None
    max_per_fill: Money | None = None

    @model_validator(mode="after")
    def _met_within_limits(self) -> Pharmacy:
        _check_met(self.deductible_met, self.deductible, "deductible_met", "pharmacy deductible")
        return self


class Family(_Model):
    type: Literal["embedded", "aggregate"]
    deductible: Money
    deductible_met: Money = Decimal("0.00")
    oop_max: Money | None = None
    oop_met: Money = Decimal("0.00")

    @model_validator(mode="after")
    def _met_within_limits(self) -> Family:
        _check_met(self.deductible_met, self.deductible, "deductible_met", "family deductible")
        _check_met(self.oop_met, self.oop_max, "oop_met", "family out-of-pocket maximum")
        return self


class ServiceRule(_Model):
    covered: bool
    benefit: Literal["medical", "pharmacy"] = "medical"
    copay: Money | None = None
    deductible_applies: bool = True
    allowed: Money | None = None
    prior_auth: bool = False
    network: Literal["in", "out"] | None = Field(
        None, description="Version 2: the tier this service is billed in; null = coverage.network"
    )
    oon_allowed: Money | None = Field(
        None, description="Version 2: the plan's maximum allowed amount per unit out of network"
    )
    auth_units: AuthUnits | None = Field(
        None, description="Version 2: units the prior authorization approves over the whole horizon"
    )

    @model_validator(mode="after")
    def _v2_rules(self) -> ServiceRule:
        if self.auth_units is not None and not self.prior_auth:
            raise field_error("auth_units", "authorized units need prior_auth: true (the authorization approves them)")
        if self.network is not None and self.benefit == "pharmacy":
            raise field_error(
                "network", "pharmacy-benefit services are always in network; leave network out (null) for them"
            )
        return self


def parse_month_day(value: str) -> tuple[int, int]:
    """'MM-DD' to (month, day); 02-29 is refused because a plan year must start every year."""
    digits = value[:2] + value[3:]
    # ASCII only: str.isdigit() also takes "²" (which int() refuses) and other scripts' digits.
    if len(value) != 5 or value[2] != "-" or not (digits.isascii() and digits.isdigit()):
        raise ValueError("use the form MM-DD, for example 01-01 or 07-01")
    month, day = int(value[:2]), int(value[3:])
    if (month, day) == (2, 29):
        raise ValueError("a plan year cannot start on 02-29 (it does not exist every year)")
    try:
        dt.date(2025, month, day)
    except ValueError:
        raise ValueError(f"{value} is not a real month and day") from None
    return month, day


class Coverage(_Model):
    kind: Kind
    network: Literal["in", "out"] = "in"
    plan_year_start: str = "01-01"
    in_network: Tier | None = None
    out_of_network: Tier | None = None
    pharmacy: Pharmacy | None = None
    family: Family | None = None
    services: dict[ServiceId, ServiceRule] = Field(default_factory=dict, max_length=100)
    prior_auth_until: IsoDate | None = None
    notes: LongText = ""

    @field_validator("plan_year_start")
    @classmethod
    def _valid_month_day(cls, value: str) -> str:
        parse_month_day(value)
        return value

    @model_validator(mode="after")
    def _cross_field(self) -> Coverage:
        if self.kind != "self_pay":
            tier_field = "in_network" if self.network == "in" else "out_of_network"
            if getattr(self, tier_field) is None:
                where = "in-network" if self.network == "in" else "out-of-network"
                raise field_error(tier_field, f"{self.kind} coverage used {where} needs the plan's {where} benefits")
        if self.pharmacy is None:
            for sid, rule in self.services.items():
                if rule.benefit == "pharmacy":
                    raise field_error(
                        "pharmacy", f"service '{sid}' uses the pharmacy benefit, so the pharmacy benefit is needed"
                    )
        if self.pharmacy is not None and self.pharmacy.integrated_deductible and self.in_network is None:
            raise field_error("pharmacy", "an integrated pharmacy deductible needs the in-network medical deductible")
        return self

    @property
    def plan_year_month_day(self) -> tuple[int, int]:
        return parse_month_day(self.plan_year_start)


# ---------------------------------------------------------------- savings programs (§4.5)


class SavingsProgram(_Model):
    name: ShortText
    services: list[ServiceId] = Field(min_length=1, max_length=20)
    patient_pays_per_session: Money = Decimal("0.00")
    annual_max: Money | None  # required (SPEC §4.5 gives no default); null = no maximum
    eligible_kinds: list[Kind] = Field(default_factory=lambda: ["commercial"], max_length=4)
    counts_toward_accumulators: bool = True
    excluded_states: list[StateCode] = Field(
        default_factory=list, max_length=60, description="Version 2: where the program is not valid (USPS codes)"
    )


# ---------------------------------------------------------------- accounts, travel, time off, financing (§4.6)


class Accounts(_Model):
    fsa_available: Money = Decimal("0.00")
    fsa_next_years: Money = Decimal("0.00")
    hsa_available: Money = Decimal("0.00")
    federal_rate_pct: Pct
    state_rate_pct: Pct = Decimal("0")
    payroll: bool = True


class Travel(_Model):
    round_trip_miles: Amount = Field(Decimal("0"), ge=0, le=100_000, decimal_places=2, allow_inf_nan=False)
    mileage_rate: Money | None = None
    parking_per_visit: Money = Decimal("0.00")
    rideshare_per_visit: Money = Decimal("0.00")


class TimeOff(_Model):
    hours_per_visit: Amount = Field(ge=0, le=24, decimal_places=2, allow_inf_nan=False)
    hourly_wage: Money


class Financing(_Model):
    apr_pct: Pct
    months: Count = Field(ge=1, le=120)
    amount: Money | None = None


# ---------------------------------------------------------------- the scenario (§4)


def billed_services(protocol: IvKetamine | Spravato | Custom) -> list[str]:
    """Every service id the protocol bills, in first-billed order (for the missing-fee check)."""
    ids: list[str] = list(protocol.once)
    if isinstance(protocol, IvKetamine):
        ids += ["iv_infusion", *protocol.per_session]
    elif isinstance(protocol, Spravato):
        ids += ["spravato_drug", "spravato_observation", *protocol.per_session]
    else:
        ids += [sq.service for s in protocol.sessions for sq in s.services]
    return list(dict.fromkeys(ids))


def v2_fields_used(scenario: Scenario) -> list[str]:
    """The version 2 fields a scenario gives a value other than their default (as paths): a version 1 file may use
    none of them. A default written out (`"start_session": 1`, `"network": null`) changes nothing and is accepted."""
    used = ["patient_state"] if scenario.patient_state is not None else []
    p = scenario.protocol
    if not isinstance(p, Custom) and p.start_session != 1:
        used.append("protocol.start_session")
    for sid, rule in scenario.coverage.services.items():
        used += [f"coverage.services.{sid}.{f}" for f in V2_RULE_FIELDS if getattr(rule, f) is not None]
    programs = enumerate(scenario.savings_programs)
    used += [f"savings_programs.{i}.excluded_states" for i, pr in programs if pr.excluded_states]
    return used


V2_RULE_FIELDS = ("network", "oon_allowed", "auth_units")
LATEST_VERSION = 2


class Scenario(_Model):
    version: Literal[1, 2] = Field(description="1, or 2 to use the fields marked 'Version 2' (SPEC §4.9)")
    name: ShortText = ""
    start_date: Annotated[IsoDate, Field(ge=dt.date(1900, 1, 1), le=dt.date(9000, 12, 31))]
    horizon_weeks: Count = Field(26, ge=1, le=156)
    protocol: Protocol
    fees: list[Fee] = Field(max_length=100)
    packages: list[Package] = Field(default_factory=list, max_length=50)
    coverage: Coverage
    savings_programs: list[SavingsProgram] = Field(default_factory=list, max_length=10)
    accounts: Accounts | None = None
    travel: Travel | None = None
    time_off: TimeOff | None = None
    financing: Financing | None = None
    patient_state: StateCode | None = Field(None, description="Version 2: where the patient lives (USPS code)")

    @model_validator(mode="after")
    def _cross_field(self) -> Scenario:
        newer = v2_fields_used(self) if self.version == 1 else []
        if newer:  # every one named, each at its own place
            message = PydanticCustomError("cross_field", 'this field is new in version 2: set "version": 2 to use it')
            raise ValidationError.from_exception_data(
                "Scenario",
                [
                    InitErrorDetails(type=message, loc=tuple(int(p) if p.isdigit() else p for p in path.split(".")))
                    for path in newer
                ],
            )
        priced = [f.service for f in self.fees]
        if len(priced) != len(set(priced)):
            dup = next(s for s in priced if priced.count(s) > 1)
            raise field_error("fees", f"service '{dup}' has more than one price")
        missing = [s for s in billed_services(self.protocol) if s not in set(priced)]
        if missing:
            names = ", ".join(f"'{s}'" for s in missing)
            raise field_error("fees", f"no price for {names}, which the course bills")
        packaged = [p.service for p in self.packages]
        if len(packaged) != len(set(packaged)):
            dup = next(s for s in packaged if packaged.count(s) > 1)
            raise field_error("packages", f"service '{dup}' has more than one package")
        return self

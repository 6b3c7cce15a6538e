"""Course presets, plan presets, the example price list and program templates from `data/`."""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any, get_args

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from estimator.models import (
    Coverage,
    Custom,
    Fee,
    IvKetamine,
    Kind,
    Package,
    Protocol,
    SavingsProgram,
    Spravato,
    Tier,
)
from estimator.money import fmt_plain, usd_whole
from estimator.reference import DATA_DIR, state_name
from estimator.text import join_words, pct


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CoursePreset(_Data):
    id: str
    label: str
    horizon_weeks: int = Field(ge=1, le=156)
    protocol: Protocol
    source: str


class PlanPreset(_Data):
    id: str
    label: str
    year: int
    coverage: Coverage
    source: str


class PricedFee(Fee):
    source: str = ""


class PricedPackage(Package):
    source: str = ""


class PriceList(_Data):
    description: str
    effective: str
    status: str
    fees: list[PricedFee]
    packages: list[PricedPackage] = []

    def scenario_fees(self) -> list[Fee]:
        return [Fee(**f.model_dump(exclude={"source"})) for f in self.fees]

    def scenario_packages(self) -> list[Package]:
        return [Package(**p.model_dump(exclude={"source"})) for p in self.packages]


class ProgramTemplate(_Data):
    id: str
    label: str
    program: SavingsProgram
    status: str
    year: int
    source: str


def _load(name: str) -> Any:
    return json.loads((DATA_DIR / name).read_text(encoding="utf-8"))


@cache
def course_presets() -> tuple[CoursePreset, ...]:
    return tuple(TypeAdapter(list[CoursePreset]).validate_python(_load("protocols.json")["presets"]))


@cache
def plan_presets() -> tuple[PlanPreset, ...]:
    return tuple(TypeAdapter(list[PlanPreset]).validate_python(_load("plans.json")["presets"]))


@cache
def default_plan_for_kind() -> dict[str, PlanPreset]:
    """The plan preset whose per-service coverage stands in for a coverage kind when nothing else says what the
    plan covers (the batch); checked once: every kind names a preset of that kind."""
    by_id = {p.id: p for p in plan_presets()}
    chosen = TypeAdapter(dict[Kind, str]).validate_python(_load("plans.json")["default_for_kind"])
    out: dict[str, PlanPreset] = {}
    for kind in get_args(Kind):
        preset = by_id.get(chosen.get(kind, ""))
        if preset is None or preset.coverage.kind != kind:
            raise ValueError(f"data/plans.json: default_for_kind must name a {kind} plan preset")
        out[kind] = preset
    return out


@cache
def example_prices() -> PriceList:
    return PriceList.model_validate(_load("prices_example.json"))


@cache
def program_templates() -> tuple[ProgramTemplate, ...]:
    return tuple(TypeAdapter(list[ProgramTemplate]).validate_python(_load("programs.json")["programs"]))


def course_preset(preset_id: str) -> CoursePreset:
    return next(p for p in course_presets() if p.id == preset_id)


def plan_preset(preset_id: str) -> PlanPreset:
    return next(p for p in plan_presets() if p.id == preset_id)


# ---------------------------------------------------------------- plain-English descriptions (Sources page)


def describe_protocol(protocol: Protocol) -> str:
    """A course's schedule settings in words: what the preset actually fills in."""
    if isinstance(protocol, IvKetamine):
        boosters = (
            f"a booster every {protocol.booster_every_weeks} weeks" if protocol.booster_every_weeks else "no boosters"
        )
        text = f"{protocol.induction_infusions} infusions over {protocol.induction_weeks} weeks, {boosters}"
    elif isinstance(protocol, Spravato):
        if protocol.indication == "trd":
            first = " (56 mg at the first session)" if protocol.start_session == 1 else ""
            text = f"TRD label schedule, {protocol.dose_mg} mg{first}, from week 9 every " + (
                "week" if protocol.week9_every_weeks == 1 else f"{protocol.week9_every_weeks} weeks"
            )
        else:
            text = f"MDSI label schedule, {protocol.dose_mg} mg twice weekly for 4 weeks"
    elif isinstance(protocol, Custom):
        days = [
            f"day {x.day} {x.phase}: "
            + ", ".join(q.service + (f" x{q.quantity}" if q.quantity != 1 else "") for q in x.services)
            for x in protocol.sessions
        ]
        text = f"{len(protocol.sessions)} sessions entered by hand (" + "; ".join(days) + ")"
    if not isinstance(protocol, Custom) and protocol.start_session > 1:
        text += f"; starting at session {protocol.start_session}"
    if protocol.once:
        text += "; billed once: " + ", ".join(protocol.once)
    return text


def _tier(label: str, tier: Tier) -> str:
    parts = [f"deductible {usd_whole(tier.deductible)}", f"coinsurance {pct(tier.coinsurance_pct)}"]
    parts.append(f"out-of-pocket max {usd_whole(tier.oop_max)}" if tier.oop_max is not None else "no out-of-pocket max")
    if tier.allowed_pct_of_charge != 100:
        parts.append(f"allows {pct(tier.allowed_pct_of_charge)} of the charge")
    return f"{label}: " + ", ".join(parts)


def describe_coverage(coverage: Coverage) -> str:
    """A plan preset's figures in words: tiers, and the per-service rules that differ from the plain default."""
    if coverage.kind == "self_pay":
        return "No insurance: the clinic's price"
    parts = []
    if coverage.in_network:
        parts.append(_tier("In network", coverage.in_network))
    if coverage.out_of_network:
        parts.append(_tier("Out of network", coverage.out_of_network))
    covered = [s for s, r in coverage.services.items() if r.covered]
    not_covered = [s for s, r in coverage.services.items() if not r.covered]
    if covered:
        parts.append("covers " + ", ".join(covered))
    if not_covered:
        parts.append("not covered: " + ", ".join(not_covered))
    for sid, rule in coverage.services.items():
        notes = []
        if rule.copay is not None:
            notes.append(f"copay {usd_whole(rule.copay)}" + ("" if rule.deductible_applies else ", no deductible"))
        if rule.allowed is not None:
            notes.append(f"allowed {usd_whole(rule.allowed)} per unit")
        if rule.network is not None:
            notes.append("in network" if rule.network == "in" else "out of network")
        if rule.oon_allowed is not None:
            notes.append(f"out-of-network maximum {usd_whole(rule.oon_allowed)} per unit")
        if rule.prior_auth:
            notes.append("prior authorization" + (f" for {rule.auth_units} units" if rule.auth_units else ""))
        if rule.benefit == "pharmacy":
            notes.append("pharmacy benefit")
        if notes:
            parts.append(f"{sid}: " + ", ".join(notes))
    parts.append(f"plan year from {coverage.plan_year_start}")
    return "; ".join(parts)


def describe_program(program: SavingsProgram) -> str:
    """A savings program template's terms in words."""
    cap = (
        f"the program pays up to {usd_whole(program.annual_max)} per calendar year"
        if program.annual_max is not None
        else "no annual maximum"
    )
    counts = (
        "counts toward your deductible and out-of-pocket max"
        if program.counts_toward_accumulators
        else "does not count toward your deductible or out-of-pocket max (copay accumulator)"
    )
    text = (
        f"You pay {usd_whole(program.patient_pays_per_session)} per session for {', '.join(program.services)}; {cap}; "
        f"for {', '.join(program.eligible_kinds)} insurance; {counts}"
    )
    if program.excluded_states:
        text += "; not valid for residents of " + join_words([state_name(s) for s in program.excluded_states])
    return text


def describe_amount(value: str, unit: str) -> str:
    """A reference value with its unit for people: "$0.205 per mile", "$3,400 per year", "7.65 %", "$400–$800"."""
    parts = value.split("-")
    try:
        numbers = [Decimal(p) for p in parts]
    except InvalidOperation:
        return f"{value} {unit}"
    if unit.startswith("USD"):
        shown = "–".join(f"${fmt_plain(n)}" if -n.as_tuple().exponent > 2 else usd_whole(n) for n in numbers)
        return shown + unit.removeprefix("USD")
    shown = "–".join(fmt_plain(n) for n in numbers)
    return pct(Decimal(shown)) if unit == "percent" and len(numbers) == 1 else f"{shown} {unit}"

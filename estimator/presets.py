"""Course presets, plan presets, the example price list and program templates from `data/`."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from estimator.models import Coverage, Fee, Package, Protocol, SavingsProgram
from estimator.reference import DATA_DIR


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
def example_prices() -> PriceList:
    return PriceList.model_validate(_load("prices_example.json"))


@cache
def program_templates() -> tuple[ProgramTemplate, ...]:
    return tuple(TypeAdapter(list[ProgramTemplate]).validate_python(_load("programs.json")["programs"]))


def course_preset(preset_id: str) -> CoursePreset:
    return next(p for p in course_presets() if p.id == preset_id)


def plan_preset(preset_id: str) -> PlanPreset:
    return next(p for p in plan_presets() if p.id == preset_id)

"""Dated, sourced reference values from `data/reference.json`, loaded and validated once."""

from __future__ import annotations

import json
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

DATA_DIR = Path(__file__).resolve().parent.parent / "data"


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DatedValue(_Data):
    year: int = Field(ge=2000, le=2100)
    value: str
    status: Literal["confirmed", "secondary"]
    source: str = Field(min_length=1)
    url: str = Field(pattern=r"^https://[^\s()<>\[\]]+$")  # safe inside a Markdown link on the Sources page


class Parameter(_Data):
    id: str
    label: str
    unit: str
    used_for: str = ""
    values: list[DatedValue] = Field(min_length=1)

    def for_year(self, year: int) -> tuple[DatedValue, bool]:
        """The value in force for `year`, and whether it had to be assumed (latest known used)."""
        by_year = {v.year: v for v in self.values}
        if year in by_year:
            return by_year[year], False
        return max(self.values, key=lambda v: v.year), True


class ReferenceData(_Data):
    description: str
    parameters: list[Parameter]

    def param(self, pid: str) -> Parameter:
        for p in self.parameters:
            if p.id == pid:
                return p
        raise KeyError(pid)


@cache
def reference() -> ReferenceData:
    """All reference values (validated once per process)."""
    raw = json.loads((DATA_DIR / "reference.json").read_text(encoding="utf-8"))
    return ReferenceData.model_validate(raw)


@cache
def decimal_for_year(pid: str, year: int) -> tuple[Decimal, bool]:
    """A numeric reference value for a year, and whether the latest known one was assumed."""
    value, assumed = reference().param(pid).for_year(year)
    return Decimal(value.value), assumed


def known_years(pid: str) -> list[int]:
    """The years a parameter has a value for, in order."""
    return sorted(v.year for v in reference().param(pid).values)


def latest_decimal(pid: str) -> Decimal:
    """The most recent numeric value of a parameter."""
    values = reference().param(pid).values
    return Decimal(max(values, key=lambda v: v.year).value)


class _States(_Data):
    description: str
    source: str
    url: str = Field(pattern=r"^https://[^\s()<>\[\]]+$")
    states: dict[str, str] = Field(min_length=1)


@cache
def us_states() -> dict[str, str]:
    """USPS code -> name of every place a patient can live (SPEC §4.9: the 50 states, DC, PR, VI, GU, AS, MP)."""
    raw = json.loads((DATA_DIR / "states.json").read_text(encoding="utf-8"))
    return dict(_States.model_validate(raw).states)


def state_name(code: str) -> str:
    """"Michigan" for "MI" (the code itself for anything unknown)."""
    return us_states().get(code, code)

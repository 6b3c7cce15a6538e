"""A clinic's kept setup as data (issue 18): named price lists and payer coverage templates, and the pure functions
that turn them into a scenario's fees, packages and coverage for one patient.

Pure: the clinic store (the `clinic` package) saves and loads these models, and the batch and the Estimate page use
the functions below, so a template gives the same coverage wherever it is used. Nothing here touches a database.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from estimator.models import (
    Fee,
    IsoDate,
    Kind,
    LongText,
    Package,
    Pharmacy,
    ServiceId,
    ServiceRule,
    ShortText,
    Tier,
    field_error,
    parse_month_day,
)
from estimator.text import clean_text

# The patient's own plan figures, as a batch row or the Estimate page gives them; each one given replaces the
# template's figure in the tier of the patient's network.
PATIENT_FIGURES = ("deductible", "deductible_met", "coinsurance_pct", "oop_max", "oop_met")


def _setup_name(value: str) -> str:
    """A name people pick from a list: one printable line, 1-100 characters."""
    text = clean_text(value)
    if not text:
        raise ValueError("enter a name")
    if len(text) > 100:
        raise ValueError("use at most 100 characters")
    return text


SetupName = Annotated[str, AfterValidator(_setup_name)]


def name_key(name: str) -> str:
    """How names are compared (and kept unique): 'Aetna PPO' and 'aetna ppo' are one name."""
    return clean_text(name).casefold()


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ClinicPriceList(_Model):
    """A named price list: the fees and packages of a scenario (SPEC §4.2), checked the same way."""

    name: SetupName
    effective: IsoDate | None = None
    description: ShortText = ""
    fees: list[Fee] = Field(min_length=1, max_length=100)
    packages: list[Package] = Field(default_factory=list, max_length=50)

    @model_validator(mode="after")
    def _one_price_each(self) -> ClinicPriceList:
        for what, ids, says in (
            ("fees", [f.service for f in self.fees], "has more than one price"),
            ("packages", [p.service for p in self.packages], "has more than one package"),
        ):
            dup = next((s for s in ids if ids.count(s) > 1), None)
            if dup is not None:
                raise field_error(what, f"service '{dup}' {says}")
        return self


class PayerTemplate(_Model):
    """A named payer coverage template: what a payer's plan covers per service (version 2 fields included) and its
    usual figures. Deductible and out-of-pocket figures are optional, since they differ per patient."""

    name: SetupName
    kind: Kind
    network: Literal["in", "out"] = "in"
    plan_year_start: str | None = None
    in_network: Tier | None = None
    out_of_network: Tier | None = None
    pharmacy: Pharmacy | None = None
    services: dict[ServiceId, ServiceRule] = Field(default_factory=dict, max_length=100)
    notes: LongText = ""

    @field_validator("plan_year_start")
    @classmethod
    def _valid_month_day(cls, value: str | None) -> str | None:
        if value is not None:
            parse_month_day(value)
        return value

    @model_validator(mode="after")
    def _pharmacy_when_used(self) -> PayerTemplate:
        """As in a scenario's coverage (SPEC §4.3): a pharmacy-benefit service needs the pharmacy benefit."""
        used = next((sid for sid, rule in self.services.items() if rule.benefit == "pharmacy"), None)
        if used is not None and self.pharmacy is None:
            message = f"service '{used}' uses the pharmacy benefit, so the pharmacy benefit is needed"
            raise field_error("pharmacy", message)
        return self


def _tier(base: Tier | None, figures: Mapping[str, Decimal | None]) -> dict[str, Any]:
    tier = base.model_dump() if base is not None else {}
    tier.update({k: v for k, v in figures.items() if k in PATIENT_FIGURES})
    return tier


def template_coverage(
    template: PayerTemplate,
    figures: Mapping[str, Decimal | None] | None = None,
    *,
    network: Literal["in", "out"] | None = None,
    plan_year_start: str | None = None,
) -> dict[str, Any]:
    """The scenario coverage (as data, for `Coverage` or a scenario to validate) a template gives one patient.

    `figures` holds only the patient figures given (PATIENT_FIGURES; an `oop_max` of None is no cap): each replaces
    the template's figure in the tier of the patient's network. The other tier is the template's, or when it has
    none and a service needs it, the patient's tier again (as the batch has always done for out-of-network rows)."""
    figures = figures or {}
    network = network or template.network
    coverage: dict[str, Any] = {
        "kind": template.kind,
        "network": network,
        "plan_year_start": plan_year_start or template.plan_year_start or "01-01",
        "in_network": None,
        "out_of_network": None,
        "pharmacy": template.pharmacy.model_dump() if template.pharmacy is not None else None,
        "services": {sid: rule.model_dump() for sid, rule in template.services.items()},
        "notes": template.notes,
    }
    if template.kind == "self_pay":
        return coverage
    own, other = ("in_network", "out_of_network") if network == "in" else ("out_of_network", "in_network")
    coverage[own] = _tier(getattr(template, own), figures)
    other_tier = getattr(template, other)
    needs_other = network == "out" or any(rule.network == "out" for rule in template.services.values())
    if other_tier is not None:
        coverage[other] = other_tier.model_dump()
    elif needs_other or (template.pharmacy is not None and template.pharmacy.integrated_deductible):
        coverage[other] = coverage[own]
    return coverage


def apply_price_list(scenario: Mapping[str, Any], price_list: ClinicPriceList) -> dict[str, Any]:
    """A scenario (as data) with the price list's fees and packages; a course under way (start_session above 1)
    buys no package, as in the batch."""
    protocol = scenario.get("protocol") or {}
    under_way = isinstance(protocol, Mapping) and int(protocol.get("start_session", 1) or 1) > 1
    return {
        **scenario,
        "fees": [f.model_dump() for f in price_list.fees],
        "packages": [] if under_way else [p.model_dump() for p in price_list.packages],
    }


def scenario_with_setup(
    scenario: Mapping[str, Any],
    *,
    price_list: ClinicPriceList | None = None,
    template: PayerTemplate | None = None,
    figures: Mapping[str, Decimal | None] | None = None,
    network: Literal["in", "out"] | None = None,
    plan_year_start: str | None = None,
) -> dict[str, Any]:
    """A scenario (as data) priced by a clinic price list and covered as a payer template says, with the patient's
    own figures, network and plan year (None: the template's); what is not given stays as the scenario has it.
    The batch builds each row's scenario this way; validate the result with `scenario_from_data`."""
    out = apply_price_list(scenario, price_list) if price_list is not None else dict(scenario)
    if template is not None:
        out["coverage"] = template_coverage(template, figures, network=network, plan_year_start=plan_year_start)
    return out

"""The Estimate page's inputs from and to the clinic's setup (issue 18): price a course with a kept price list,
cover it as a kept payer template, and keep the page's tables as either. Pure functions of the session state;
the store itself is reached through `ui.clinic_state`."""

from __future__ import annotations

import datetime as dt

from estimator.clinic_setup import ClinicPriceList, PayerTemplate, apply_price_list, template_coverage
from estimator.models import Fee
from ui import form as F
from ui.state import PLAN_FILLED, State, scenario_dict
from ui.tables import prices_frame_from, rules_frame
from ui.widget_state import current_prices, replace_table

TEMPLATE_SWITCHES = ("has_oop", "oon_oop_on", "ph_copay_on", "ph_fill_on")


def use_price_list(state: State, price_list: ClinicPriceList) -> None:
    """Price the inputs with a clinic price list: its fees become the price table, its first package the
    package inputs (switched on, as the list offers it) and any other packages ride along as from a file."""
    data = apply_price_list(scenario_dict(state), price_list)
    replace_table(state, "prices", prices_frame_from([Fee.model_validate(f) for f in data["fees"]]))
    packages = data["packages"]
    state["pkg_on"] = bool(packages)
    if packages:
        first = packages[0]
        state.update(pkg_service=first["service"], pkg_sessions=int(first["sessions"]), pkg_price=float(first["price"]))
    state["packages_extra"] = [{**p, "price": str(p["price"])} for p in packages[1:]]


def use_template(state: State, template: PayerTemplate) -> None:
    """Cover the inputs as a payer template says: kind, network, plan year, the per-service table, pharmacy and
    notes. The tier figures the template gives replace the page's; those it leaves out (they differ per
    patient) stay as entered."""
    coverage = template_coverage(template)
    values = F.restored({"coverage": coverage}, dt.date(2026, 1, 1))
    keep_own = {
        "coverage.in_network": template.in_network is None,
        "coverage.out_of_network": template.out_of_network is None,
    }
    for f in F.FIELDS:
        if not f.path or not f.path.startswith("coverage.") or f.key in ("pa_until",):
            continue
        tier = ".".join(f.path.split(".")[:2])
        if keep_own.get(tier):
            continue
        state[f.key] = values[f.key]
        if f.optional in TEMPLATE_SWITCHES:
            state[f.optional] = values[f.optional]
    state["oon_on"] = coverage.get("out_of_network") is not None
    state["plan"] = "custom_plan"
    state.pop(PLAN_FILLED, None)
    services = [s for s in current_prices(state)["service"].dropna() if s]
    replace_table(state, "rules", rules_frame(dict(template.services), services))


def current_price_list(state: State, name: str) -> ClinicPriceList:
    """The page's prices and packages as a named clinic price list (validated; raises ValidationError)."""
    data = scenario_dict(state)
    return ClinicPriceList.model_validate({"name": name, "fees": data["fees"], "packages": data.get("packages", [])})


def current_template(state: State, name: str) -> PayerTemplate:
    """The page's coverage as a named payer template: the plan's figures without the amounts already met, which
    belong to one patient (validated; raises ValidationError)."""
    cov = scenario_dict(state)["coverage"]
    tiers = {}
    for tier in ("in_network", "out_of_network"):
        if cov.get(tier):
            tiers[tier] = {**cov[tier], "deductible_met": "0", "oop_met": "0"}
    pharmacy = cov.get("pharmacy")
    if pharmacy:
        pharmacy = {**pharmacy, "deductible_met": "0"}
    return PayerTemplate.model_validate(
        {
            "name": name,
            "kind": cov["kind"],
            "network": cov.get("network", "in"),
            "plan_year_start": cov.get("plan_year_start"),
            **tiers,
            "pharmacy": pharmacy,
            "services": cov.get("services", {}),
            "notes": cov.get("notes", ""),
        }
    )

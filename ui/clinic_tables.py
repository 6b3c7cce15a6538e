"""The Clinic page's editable tables (fees, packages, a template's services, its tiers and pharmacy benefit): the
frame each editor shows for a kept price list or template, and the content (as data, for validation) its cells
give back. Amounts go through the same conversion as the Estimate page's grids (`ui.form.money`)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from estimator.clinic_setup import ClinicPriceList, PayerTemplate
from estimator.models import Pharmacy, Tier
from estimator.scenario_io import Problem
from ui.form import blank, money
from ui.tables import text_cell, ticked, whole_cell

NAN = float("nan")
FEE_COLUMNS = ["service", "charge", "code", "description"]  # the charge beside its service on a phone
PACKAGE_COLUMNS = ["service", "sessions", "price"]
SERVICE_COLUMNS = [
    "service",
    "covered",
    "benefit",
    "copay",
    "deductible_applies",
    "allowed",
    "prior_auth",
    "network",
    "oon_allowed",
    "auth_units",
]
TIER_FIGURES = ["deductible", "coinsurance_pct", "oop_max", "allowed_pct_of_charge"]
TIERS = {"in_network": "In network", "out_of_network": "Out of network"}
PHARMACY_FIGURES = ["deductible", "integrated_deductible", "coinsurance_pct", "copay", "max_per_fill"]
SERVICE_HELP = "The service's id as in a scenario: lower-case letters, digits and _, for example iv_infusion."


def _num(x: Any) -> float:
    return float(x) if x is not None else NAN


def _money_column(label: str, help: str) -> Any:
    return st.column_config.NumberColumn(label, help=help, min_value=0.0, step=0.01, format="%.2f")


def _pct_column(label: str, help: str) -> Any:
    return st.column_config.NumberColumn(label, help=help, min_value=0.0, max_value=100.0, step=0.01, format="%g")


# ---------------------------------------------------------------- price lists


def fees_frame(price_list: ClinicPriceList | None) -> pd.DataFrame:
    fees = price_list.fees if price_list is not None else []
    rows = [
        {"service": f.service, "code": f.code, "description": f.description, "charge": float(f.charge)} for f in fees
    ]
    return pd.DataFrame(rows, columns=FEE_COLUMNS).astype({"charge": float})


def packages_frame(price_list: ClinicPriceList | None) -> pd.DataFrame:
    packages = price_list.packages if price_list is not None else []
    rows = [{"service": p.service, "sessions": float(p.sessions), "price": float(p.price)} for p in packages]
    return pd.DataFrame(rows, columns=PACKAGE_COLUMNS).astype({"sessions": float, "price": float})


# Each table's service stays in sight when a narrow screen scrolls the table sideways.
SERVICE_COLUMN = st.column_config.TextColumn("Service", help=SERVICE_HELP, required=True, pinned=True, width="medium")
FEE_CONFIG = {
    "service": SERVICE_COLUMN,
    "charge": _money_column("Charge ($)", "The clinic's charge for one unit of the service"),
    "code": st.column_config.TextColumn("Code", help="Billing code(s), for example 99214 or 96365+J3490"),
    "description": st.column_config.TextColumn("Description", width="large"),
}


def starter_fees(fees: list[Any]) -> pd.DataFrame:
    """Fee rows with each service, code and description, and no charge yet."""
    rows = [{"service": f.service, "code": f.code, "description": f.description, "charge": NAN} for f in fees]
    return pd.DataFrame(rows, columns=FEE_COLUMNS).astype({"charge": float})


PACKAGE_CONFIG = {
    "service": SERVICE_COLUMN,
    "sessions": st.column_config.NumberColumn("Sessions", help="Sessions in the package (2-52)", step=1, format="%d"),
    "price": _money_column("Package price ($)", "What the package costs in all"),
}


def _rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The frame's rows, without the ones left wholly empty (a row added and never filled in)."""
    return [r for r in frame.to_dict("records") if not all(blank(v) or v is False for v in r.values())]


def fees_data(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [
        {
            "service": text_cell(r["service"]).strip(),
            "code": text_cell(r["code"]).strip(),
            "description": text_cell(r["description"]).strip(),
            "charge": money(r["charge"]),
        }
        for r in _rows(frame)
    ]


def packages_data(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [
        {
            "service": text_cell(r["service"]).strip(),
            "sessions": None if blank(r["sessions"]) else whole_cell(r["sessions"]),
            "price": money(r["price"]),
        }
        for r in _rows(frame)
    ]


# ---------------------------------------------------------------- payer templates


def services_frame(template: PayerTemplate | None) -> pd.DataFrame:
    services = template.services if template is not None else {}
    rows = [
        {
            "service": sid,
            "covered": rule.covered,
            "benefit": rule.benefit,
            "copay": _num(rule.copay),
            "deductible_applies": rule.deductible_applies,
            "allowed": _num(rule.allowed),
            "prior_auth": rule.prior_auth,
            "network": rule.network,
            "oon_allowed": _num(rule.oon_allowed),
            "auth_units": _num(rule.auth_units),
        }
        for sid, rule in services.items()
    ]
    frame = pd.DataFrame(rows, columns=SERVICE_COLUMNS)
    return frame.astype(
        {"covered": bool, "deductible_applies": bool, "prior_auth": bool, "network": object}
        | dict.fromkeys(("copay", "allowed", "oon_allowed", "auth_units"), float)
    )


def starter_services(services: list[str]) -> pd.DataFrame:
    """A row per service, covered, the deductible applying, nothing else set."""
    template = PayerTemplate(name="new", kind="commercial", services={s: {"covered": True} for s in services})
    return services_frame(template)


SERVICE_CONFIG = {
    "service": SERVICE_COLUMN,
    "covered": st.column_config.CheckboxColumn("Covered", default=True),
    "benefit": st.column_config.SelectboxColumn(
        "Benefit",
        options=["medical", "pharmacy"],
        default="medical",
        help="Billed under the medical or pharmacy benefit",
    ),
    "copay": _money_column("Copay ($)", "A fixed copay per unit (blank: coinsurance applies)"),
    "deductible_applies": st.column_config.CheckboxColumn("Deductible applies", default=True),
    "allowed": _money_column("Allowed ($)", "The plan's allowed amount per unit (blank: a share of the charge)"),
    "prior_auth": st.column_config.CheckboxColumn("Prior auth", default=False),
    "network": st.column_config.SelectboxColumn(
        "Network", options=["in", "out"], help="The tier this service is billed in (blank: the template's network)"
    ),
    "oon_allowed": _money_column("Out-of-network allowed ($)", "The plan's maximum allowed per unit out of network"),
    "auth_units": st.column_config.NumberColumn(
        "Authorized units", help="Units the prior authorization approves (needs Prior auth)", step=1, format="%d"
    ),
}


def services_data(frame: pd.DataFrame) -> tuple[dict[str, Any], list[Problem]]:
    """The services as a template holds them (keyed by service), and the problems a dict cannot hold: a row
    without a service, or a service given twice."""
    services: dict[str, Any] = {}
    problems: list[Problem] = []
    for i, r in enumerate(_rows(frame), start=1):
        sid = text_cell(r["service"]).strip()
        if not sid:
            problems.append(Problem("services", f"row {i} has no service: enter one, or delete the row"))
            continue
        if sid in services:
            problems.append(Problem("services", f"service '{sid}' is listed more than once"))
            continue
        services[sid] = {
            "covered": ticked(r["covered"]),
            "benefit": text_cell(r["benefit"]) or "medical",
            "copay": money(r["copay"]),
            "deductible_applies": ticked(r["deductible_applies"]),
            "allowed": money(r["allowed"]),
            "prior_auth": ticked(r["prior_auth"]),
            "network": text_cell(r["network"]) or None,
            "oon_allowed": money(r["oon_allowed"]),
            "auth_units": None if blank(r["auth_units"]) else whole_cell(r["auth_units"]),
        }
    return services, problems


def tiers_frame(template: PayerTemplate | None) -> pd.DataFrame:
    rows = []
    for field, label in TIERS.items():
        tier: Tier | None = getattr(template, field) if template is not None else None
        figures = {f: _num(getattr(tier, f)) if tier is not None else NAN for f in TIER_FIGURES}
        rows.append({"tier": label, **figures})
    return pd.DataFrame(rows, columns=["tier", *TIER_FIGURES])


TIER_CONFIG = {
    "tier": st.column_config.TextColumn("Tier", disabled=True, pinned=True),
    "deductible": _money_column("Deductible ($)", "The plan's usual deductible; a patient's own figure replaces it"),
    "coinsurance_pct": _pct_column("Coinsurance (%)", "The patient's share after the deductible"),
    "oop_max": _money_column("Out-of-pocket max ($)", "Blank: no out-of-pocket maximum"),
    "allowed_pct_of_charge": _pct_column(
        "Allowed (% of charge)", "What the plan allows, as a share of the clinic's charge (often 100 in network)"
    ),
}


def tiers_data(frame: pd.DataFrame, template: PayerTemplate | None) -> dict[str, Any]:
    """Each tier's figures, None for a tier left blank. The amounts already met are the patient's: a kept
    template's are carried over unchanged."""
    out: dict[str, Any] = {}
    for (field, _), row in zip(TIERS.items(), frame.to_dict("records"), strict=True):
        if all(blank(row[f]) for f in TIER_FIGURES):
            out[field] = None
            continue
        kept: Tier | None = getattr(template, field) if template is not None else None
        tier: dict[str, Any] = (
            {"deductible_met": str(kept.deductible_met), "oop_met": str(kept.oop_met)} if kept else {}
        )
        for f in TIER_FIGURES:
            if f == "oop_max" or not blank(row[f]):
                tier[f] = money(row[f])
        out[field] = tier
    return out


def pharmacy_frame(template: PayerTemplate | None) -> pd.DataFrame:
    ph: Pharmacy | None = template.pharmacy if template is not None else None
    row: dict[str, Any] = {f: _num(getattr(ph, f)) if ph is not None else NAN for f in PHARMACY_FIGURES}
    row["integrated_deductible"] = bool(ph.integrated_deductible) if ph is not None else False
    return pd.DataFrame([row], columns=PHARMACY_FIGURES).astype({"integrated_deductible": bool})


PHARMACY_CONFIG = {
    "deductible": _money_column("Pharmacy deductible ($)", "A separate pharmacy deductible (0 when none)"),
    "integrated_deductible": st.column_config.CheckboxColumn(
        "Integrated with medical", help="The pharmacy benefit shares the medical deductible"
    ),
    "coinsurance_pct": _pct_column("Coinsurance (%)", "The patient's share of a fill"),
    "copay": _money_column("Copay per fill ($)", "Blank: coinsurance applies"),
    "max_per_fill": _money_column("Most per fill ($)", "A cap on what the patient pays per fill (blank: none)"),
}


def pharmacy_data(frame: pd.DataFrame, template: PayerTemplate | None) -> dict[str, Any] | None:
    row = frame.to_dict("records")[0]
    if all(blank(row[f]) for f in PHARMACY_FIGURES if f != "integrated_deductible") and not ticked(
        row["integrated_deductible"]
    ):
        return None
    kept = template.pharmacy if template is not None else None
    data: dict[str, Any] = {"deductible_met": str(kept.deductible_met)} if kept is not None else {}
    data["integrated_deductible"] = ticked(row["integrated_deductible"])
    for f in ("deductible", "coinsurance_pct", "copay", "max_per_fill"):
        if f in ("copay", "max_per_fill") or not blank(row[f]):
            data[f] = money(row[f])
    return data

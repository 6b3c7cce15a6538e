"""The Estimate form described as data: each input's key, scenario path, kind, bounds, default and link rule.

The widgets (`ui.widgets`), the defaults, the scenario built from the inputs, the inputs restored from a scenario
and the shareable link (`ui.link`) are all derived from FIELDS. Hand-written code is left only where a field
really is special: the tables, the course and plan presets, the savings programs and the package (`ui.state`).
Bounds are read from the scenario's pydantic models, so a field, its link value and the file agree on them.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any, Literal, get_args

from annotated_types import Ge, Le
from pydantic import BaseModel

from estimator.models import (
    Accounts,
    Family,
    Financing,
    IvKetamine,
    Package,
    Pharmacy,
    SavingsProgram,
    Scenario,
    Tier,
    TimeOff,
    Travel,
)
from estimator.money import round_cents
from estimator.presets import program_templates
from estimator.reference import us_states

Kind = Literal["money", "pct", "amount", "int", "bool", "date", "choice", "text", "services"]
NUMBERS = frozenset({"money", "pct", "amount", "int"})

# What a blank number field says, by kind: never a silent 0.
BLANK = {
    "money": "Enter an amount; 0 if none.",
    "pct": "Enter a percentage; 0 if none.",
    "amount": "Enter a number; 0 if none.",
    "int": "Enter a whole number.",
}


@dataclass(frozen=True, slots=True)
class Field:
    """One input. `path` is where its value goes in the scenario (None: a switch of the page's own); `model`
    names the scenario model field whose bounds apply; `group` is the condition under which the value goes
    into the scenario at all (see `ui.state.active_groups`); `optional` is the switch that says the value is
    given (off: null in the scenario, e.g. "no maximum")."""

    key: str
    kind: Kind
    label: str
    path: str | None = None
    model: tuple[type[BaseModel], str] | None = None
    default: Any = None
    group: str | None = None
    optional: str | None = None
    help: str | None = None
    link: bool = True
    choices: tuple[Any, ...] = ()
    step: float = 1.0
    invert: bool = False  # a switch whose scenario value is its negation ("I contribute directly" -> payroll)


def _withme(template_id: str) -> SavingsProgram:
    return next(t.program for t in program_templates() if t.id == template_id)


def _f(x: Decimal | None) -> float | None:
    return None if x is None else float(x)


MET_HELP = "In the plan year containing the first session: usually $0 if that plan year has not begun."
OOP_MET_HELP = (
    "In the plan year containing the first session. Money paid toward the deductible counts toward the "
    "out-of-pocket maximum, so this follows “Deductible met so far” until you change it."
)

FIELDS: tuple[Field, ...] = (
    # ---- 1 · Treatment course
    Field("course", "choice", "Course", default="iv6",
          help="Presets follow the FDA label for SPRAVATO and a typical six-infusion IV series."),
    Field("start", "date", "First treatment day", "start_date"),
    Field("weeks", "int", "Weeks to estimate", "horizon_weeks", (Scenario, "horizon_weeks"), 4,
          help="Sessions within this many weeks are counted."),
    Field("iv_n", "int", "Infusions", "protocol.induction_infusions", (IvKetamine, "induction_infusions"), 6,
          group="iv"),
    Field("iv_weeks", "int", "Over weeks", "protocol.induction_weeks", (IvKetamine, "induction_weeks"), 3,
          group="iv"),
    Field("boost", "int", "Booster every (weeks, 0 = none)", "protocol.booster_every_weeks",
          (IvKetamine, "booster_every_weeks"), 0, group="iv"),
    Field("dose", "choice", "Dose", "protocol.dose_mg", None, 84, group="spravato", choices=(56, 84),
          help="Session 1 of the TRD schedule is 56 mg per the label; later sessions use this dose."),
    Field("week9", "choice", "From week 9", "protocol.week9_every_weeks", None, 2, group="trd", choices=(2, 1)),
    Field("start_session", "int", "Start at session (1 = a new course)", "protocol.start_session",
          (IvKetamine, "start_session"), 1, group="preset_course",
          help="For a patient already under way, e.g. a re-quote when the plan year rolls over: the session number "
          "the patient will be at on the first treatment day. It keeps that session's phase and dose."),
    Field("once", "services", "Billed once, at the first visit", "protocol.once", default=("consult",),
          help="For example the initial evaluation."),
    Field("extra", "services", "Also billed at every session", "protocol.per_session", default=(),
          group="preset_course", help="For example integration therapy after each infusion."),
    # ---- 2 · Clinic prices (the package; the price table is a table)
    Field("pkg_on", "bool", "Use a package price", default=False,
          help="A clinic price for a bundle of sessions, split evenly over them. Off: each session at its price."),
    Field("pkg_service", "choice", "Service", "packages.0.service", None, "iv_infusion", group="package"),
    Field("pkg_sessions", "int", "Sessions", "packages.0.sessions", (Package, "sessions"), 6, group="package"),
    Field("pkg_price", "money", "Package price", "packages.0.price", (Package, "price"), 2400.0, group="package",
          step=50.0),
    # ---- 3 · Insurance
    Field("plan", "choice", "Start from a plan", default="self_pay",
          help="Fills the fields below; change any of them to match your plan."),
    Field("kind", "choice", "Coverage", "coverage.kind", None, "self_pay",
          choices=("self_pay", "commercial", "medicare", "medicaid")),
    Field("network", "choice", "Clinic is", "coverage.network", None, "in", group="insured", choices=("in", "out")),
    Field("ded", "money", "Deductible", "coverage.in_network.deductible", (Tier, "deductible"), 0.0,
          group="insured", step=50.0),
    Field("ded_met", "money", "Deductible met so far", "coverage.in_network.deductible_met",
          (Tier, "deductible_met"), 0.0, group="insured", step=50.0, help=MET_HELP),
    Field("coins", "pct", "Coinsurance (%)", "coverage.in_network.coinsurance_pct", (Tier, "coinsurance_pct"), 0.0,
          group="insured", help="Your share after the deductible."),
    Field("py_start", "text", "Plan year starts (MM-DD)", "coverage.plan_year_start", None, "01-01",
          group="insured"),
    Field("has_oop", "bool", "Plan has an out-of-pocket maximum", default=False, help="Original Medicare has none."),
    Field("oop", "money", "Out-of-pocket maximum", "coverage.in_network.oop_max", (Tier, "oop_max"), 0.0,
          group="insured", optional="has_oop", step=50.0),
    Field("oop_met", "money", "Out-of-pocket met so far", "coverage.in_network.oop_met", (Tier, "oop_met"), 0.0,
          group="insured", step=50.0, help=OOP_MET_HELP),
    Field("oon_on", "bool", "Plan has out-of-network benefits", default=False),
    Field("oon_pct", "pct", "Plan allows (% of the charge)", "coverage.out_of_network.allowed_pct_of_charge",
          (Tier, "allowed_pct_of_charge"), 100.0, group="oon", help="The rest is billed to you (balance bill)."),
    Field("oon_ded", "money", "Out-of-network deductible", "coverage.out_of_network.deductible",
          (Tier, "deductible"), 0.0, group="oon", step=50.0),
    Field("oon_coins", "pct", "Out-of-network coinsurance (%)", "coverage.out_of_network.coinsurance_pct",
          (Tier, "coinsurance_pct"), 0.0, group="oon"),
    Field("oon_ded_met", "money", "Out-of-network deductible met so far", "coverage.out_of_network.deductible_met",
          (Tier, "deductible_met"), 0.0, group="oon", step=50.0, help=MET_HELP),
    Field("oon_oop_on", "bool", "Out-of-network benefits have an out-of-pocket maximum", default=False),
    Field("oon_oop", "money", "Out-of-network out-of-pocket maximum", "coverage.out_of_network.oop_max",
          (Tier, "oop_max"), 0.0, group="oon", optional="oon_oop_on", step=50.0),
    Field("oon_oop_met", "money", "Out-of-network out-of-pocket met so far", "coverage.out_of_network.oop_met",
          (Tier, "oop_met"), 0.0, group="oon", step=50.0, help=OOP_MET_HELP.replace("“Deductible", "the “Deductible")),
    Field("rules_details", "bool", "Show benefit type, network, allowed amounts and authorized units", default=False,
          link=False,
          help="Benefit: medical or pharmacy. Allowed: the in-network contracted rate per unit (optional). Network: "
          "for a service billed in or out of network unlike the rest (blank: the plan's). OON max: the plan's maximum "
          "allowed amount per unit out of network. Auth units: how many units the prior authorization approves."),
    Field("ph_ded", "money", "Pharmacy deductible", "coverage.pharmacy.deductible", (Pharmacy, "deductible"), 0.0,
          group="pharmacy", step=50.0),
    Field("ph_ded_met", "money", "Pharmacy deductible met", "coverage.pharmacy.deductible_met",
          (Pharmacy, "deductible_met"), 0.0, group="pharmacy", step=50.0),
    Field("ph_integrated", "bool", "Deductible shared with medical (integrated)",
          "coverage.pharmacy.integrated_deductible", default=False, group="pharmacy"),
    Field("ph_coins", "pct", "Pharmacy coinsurance (%)", "coverage.pharmacy.coinsurance_pct",
          (Pharmacy, "coinsurance_pct"), 0.0, group="pharmacy"),
    Field("ph_copay_on", "bool", "Flat copay instead", default=False),
    Field("ph_copay", "money", "Pharmacy copay", "coverage.pharmacy.copay", (Pharmacy, "copay"), 0.0,
          group="pharmacy", optional="ph_copay_on", step=5.0),
    Field("ph_fill_on", "bool", "Cap per fill", default=False),
    Field("ph_fill", "money", "Most you pay per fill", "coverage.pharmacy.max_per_fill", (Pharmacy, "max_per_fill"),
          0.0, group="pharmacy", optional="ph_fill_on", step=5.0),
    Field("fam_on", "bool", "Family plan", default=False),
    Field("fam_type", "choice", "Family deductible", "coverage.family.type", None, "embedded", group="family",
          choices=("embedded", "aggregate")),
    Field("fam_ded", "money", "Family deductible", "coverage.family.deductible", (Family, "deductible"), 0.0,
          group="family", step=50.0),
    Field("fam_ded_met", "money", "Family deductible met", "coverage.family.deductible_met",
          (Family, "deductible_met"), 0.0, group="family", step=50.0),
    Field("fam_oop_on", "bool", "Family out-of-pocket maximum", default=False),
    Field("fam_oop", "money", "Family out-of-pocket maximum", "coverage.family.oop_max", (Family, "oop_max"), 0.0,
          group="family", optional="fam_oop_on", step=50.0),
    Field("fam_oop_met", "money", "Family out-of-pocket met", "coverage.family.oop_met", (Family, "oop_met"), 0.0,
          group="family", step=50.0),
    Field("pa_on", "bool", "Prior authorization has an end date", default=False),
    Field("pa_until", "date", "Prior authorization valid until", "coverage.prior_auth_until", group="insured",
          optional="pa_on"),
    Field("notes", "text", "Coverage notes (printed on your estimate, never put in the link)", "coverage.notes",
          default="", link=False),
    # ---- 4 · Savings programs (assembled in ui.state from these values)
    Field("wm_on", "bool", "SPRAVATO withMe: help with the medication cost", default=False,
          help="Janssen's program for the SPRAVATO drug itself, on commercial insurance."),
    Field("wm_per", "money", "You pay per treatment", None, (SavingsProgram, "patient_pays_per_session"),
          _f(_withme("withme_medication").patient_pays_per_session), group="withme", step=5.0),
    Field("wm_max", "money", "Program maximum per calendar year", None, (SavingsProgram, "annual_max"),
          _f(_withme("withme_medication").annual_max), group="withme", step=50.0),
    Field("obs_on", "bool", "SPRAVATO withMe: rebate on the observation visits", default=False,
          help="A rebate on what you pay for the monitored sessions at the clinic (not the drug)."),
    Field("obs_max", "money", "Rebate maximum per calendar year", None, (SavingsProgram, "annual_max"),
          _f(_withme("withme_observation").annual_max), group="observation", step=50.0),
    Field("patient_state", "choice", "State where you live", "patient_state", None, "",
          choices=("", *sorted(us_states(), key=us_states().__getitem__)),
          help="Some programs are not valid in some states (the observation rebate: MA, MI, MN, RI)."),
    Field("accum", "bool", "My plan has a copay accumulator", default=False,
          help="Program payments then don't count toward your deductible or out-of-pocket maximum."),
    # ---- 5 · HSA / FSA and taxes
    Field("acct_on", "bool", "Pay with HSA or FSA money", default=False),
    Field("fsa", "money", "FSA left this plan year", "accounts.fsa_available", (Accounts, "fsa_available"), 0.0,
          group="accounts", step=50.0),
    Field("fsa_next", "money", "FSA election in later plan years", "accounts.fsa_next_years",
          (Accounts, "fsa_next_years"), 0.0, group="accounts", step=50.0),
    Field("hsa", "money", "HSA money available", "accounts.hsa_available", (Accounts, "hsa_available"), 0.0,
          group="accounts", step=50.0),
    Field("fed", "pct", "Federal tax rate (%)", "accounts.federal_rate_pct", (Accounts, "federal_rate_pct"), 22.0,
          group="accounts"),
    Field("state", "pct", "State tax rate (%)", "accounts.state_rate_pct", (Accounts, "state_rate_pct"), 5.0,
          group="accounts"),
    Field("direct", "bool", "I contribute directly, not through payroll", "accounts.payroll", default=False,
          group="accounts", invert=True),
    # ---- 6 · Travel and time off
    Field("trav_on", "bool", "Count travel costs", default=False),
    Field("miles", "amount", "Round-trip miles", "travel.round_trip_miles", (Travel, "round_trip_miles"), 20.0,
          group="travel", step=5.0),
    Field("parking", "money", "Parking per visit", "travel.parking_per_visit", (Travel, "parking_per_visit"), 0.0,
          group="travel"),
    Field("ride", "money", "Rideshare per visit", "travel.rideshare_per_visit", (Travel, "rideshare_per_visit"),
          0.0, group="travel", step=5.0),
    Field("rate_on", "bool", "Use my own mileage rate", default=False),
    Field("rate", "money", "Mileage rate ($ per mile)", "travel.mileage_rate", (Travel, "mileage_rate"), 0.0,
          group="travel", optional="rate_on", step=0.01),
    Field("to_on", "bool", "Count time off work", default=False),
    Field("hours", "amount", "Hours away per visit", "time_off.hours_per_visit", (TimeOff, "hours_per_visit"), 3.0,
          group="time_off", step=0.5),
    Field("wage", "money", "Hourly wage", "time_off.hourly_wage", (TimeOff, "hourly_wage"), 25.0, group="time_off"),
    # ---- 7 · Payment plan
    Field("fin_on", "bool", "Spread payments over months", default=False),
    Field("apr", "pct", "APR (%)", "financing.apr_pct", (Financing, "apr_pct"), None, group="financing"),
    Field("months", "int", "Months", "financing.months", (Financing, "months"), 12, group="financing"),
    Field("fin_base", "choice", "Amount to finance", default="rest", choices=("rest", "all", "amount")),
    Field("fin_amount", "money", "Amount to finance ($)", "financing.amount", (Financing, "amount"), 0.0,
          group="financing", optional="fin_amount_on", step=50.0),
)  # fmt: skip

BY_KEY: dict[str, Field] = {f.key: f for f in FIELDS}
BY_PATH: dict[str, Field] = {f.path: f for f in FIELDS if f.path}


def field(key: str) -> Field:
    return BY_KEY[key]


def label(key: str) -> str:
    """A field's label, for the few fields drawn by hand (pickers, segmented choices)."""
    return BY_KEY[key].label


def help_of(key: str) -> str | None:
    return BY_KEY[key].help


# ---------------------------------------------------------------- bounds from the models


def _limits(metadata: Iterable[Any]) -> tuple[float | None, float | None]:
    lo = hi = None
    for m in metadata:
        if isinstance(m, Ge):
            lo = float(m.ge)  # type: ignore[arg-type]
        elif isinstance(m, Le):
            hi = float(m.le)  # type: ignore[arg-type]
    return lo, hi


def _annotation_limits(annotation: Any) -> tuple[float | None, float | None]:
    """Bounds held inside an annotation such as `Money | None` (Annotated[Decimal, Field(ge=0, le=...)])."""
    meta = getattr(annotation, "__metadata__", None)
    if meta is not None:
        found = _limits(m for x in meta for m in [x, *getattr(x, "metadata", [])])
        if found != (None, None):
            return found
    for arg in get_args(annotation):
        found = _annotation_limits(arg)
        if found != (None, None):
            return found
    return None, None


@cache
def model_bounds(model: type[BaseModel], attr: str) -> tuple[float, float]:
    """The lowest and highest value a scenario model's field takes (0 and infinity where it sets none)."""
    info = model.model_fields[attr]
    lo, hi = _limits(info.metadata)
    if lo is None and hi is None:
        lo, hi = _annotation_limits(info.annotation)
    return (lo if lo is not None else 0.0), (hi if hi is not None else math.inf)


def bounds(key: str) -> tuple[float, float]:
    """The lowest and highest value a number field takes: those of the scenario field it fills."""
    f = BY_KEY[key]
    return model_bounds(*f.model) if f.model is not None else (0.0, math.inf)


# ---------------------------------------------------------------- defaults


def next_monday(today: dt.date) -> dt.date:
    return today + dt.timedelta(days=(7 - today.weekday()) % 7 or 7)


def field_defaults(today: dt.date) -> dict[str, Any]:
    """Every field's starting value: a self-pay six-infusion course starting next Monday."""
    start = next_monday(today)
    values = {f.key: list(f.default) if isinstance(f.default, tuple) else f.default for f in FIELDS}
    values.update(start=start, pa_until=start + dt.timedelta(days=90), fin_amount_on=False)
    return values


# ---------------------------------------------------------------- values <-> scenario


def blank(x: Any) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x)) or (isinstance(x, str) and not x.strip())


def shown_cents(x: float | int) -> Decimal:
    """A widget number as the 2-decimal amount its field shows.

    Number fields show 2 decimals with the browser's toFixed: the float's exact binary value, rounded half up.
    Doing the same here keeps what is shown, what is estimated and what the link carries equal: a typed 1.005
    (binary 1.00499...) shows 1.00 and is 1.00; a typed 20.125 (exactly binary) shows 20.13 and is 20.13.
    Decimal(str(x)) would make the first 1.01. The result is a plain cents Decimal, so no float artifact gets
    into the core."""
    return round_cents(Decimal(x))


def money(x: Any) -> str | None:
    """A widget number as the 2-decimal string its field shows (None stays None so validation can name the empty
    field). A third decimal typed is not an error the user can no longer see; scenario files with 3 decimals
    are still refused (SPEC §3)."""
    if blank(x):
        return None
    if isinstance(x, (float, int)) and not isinstance(x, bool) and math.isfinite(x) and abs(x) < 10**15:
        return str(shown_cents(x))
    return str(Decimal(str(x)))


def scenario_value(f: Field, value: Any) -> Any:
    """A field's value as the scenario file writes it."""
    if f.kind in ("money", "pct", "amount"):
        return money(value)
    if f.kind == "int":
        return int(value) if isinstance(value, (int, float)) and not blank(value) else value
    if f.kind == "bool":
        return (not value) if f.invert else bool(value)
    if f.kind == "date":
        return value.isoformat() if isinstance(value, dt.date) else None
    if f.kind == "services":
        return list(value or [])
    return value


def put(data: dict[str, Any], path: str, value: Any) -> None:
    """Set `a.b.c` in nested dicts (a numeric part indexes a list, which grows as needed)."""
    parts = path.split(".")
    node: Any = data
    for part, nxt in itertools.pairwise(parts):
        if part.isdigit():
            while len(node) <= int(part):
                node.append({})
            node = node[int(part)]
        else:
            node = node.setdefault(part, [] if nxt.isdigit() else {})
    last = parts[-1]
    if last.isdigit():
        while len(node) <= int(last):
            node.append(None)
        node[int(last)] = value
    else:
        node[last] = value


def get(data: Any, path: str) -> Any:
    """`a.b.c` from nested dicts and lists; a KeyError when any part is missing (or null)."""
    node = data
    for part in path.split("."):
        if node is None:
            raise KeyError(path)
        node = node[int(part)] if part.isdigit() and isinstance(node, list) and int(part) < len(node) else node[part]
    return node


def fill(data: dict[str, Any], state: Mapping[str, Any], active: set[str]) -> None:
    """Put every field that applies into the scenario dict: its group is active, and its value is given (an
    optional value whose switch is off is null)."""
    for f in FIELDS:
        if f.path is None or (f.group is not None and f.group not in active):
            continue
        if f.optional is not None and not state.get(f.optional):
            put(data, f.path, None)
        else:
            put(data, f.path, scenario_value(f, state.get(f.key)))


def blank_problems(state: Mapping[str, Any], active: set[str]) -> list[tuple[str, str]]:
    """(where, message) for each number field in use that is empty: the estimate waits for a value instead of
    reading it as 0."""
    out = []
    for f in FIELDS:
        if f.kind not in NUMBERS or (f.group is not None and f.group not in active):
            continue
        if f.optional is not None and not state.get(f.optional):
            continue
        if blank(state.get(f.key)):
            out.append((f.path or f.key, BLANK[f.kind]))
    return out


def widget_value(f: Field, value: Any) -> Any:
    """A scenario value as the field holds it."""
    if value is None:
        return None
    if f.kind in ("money", "pct", "amount"):
        return float(value)
    if f.kind == "bool":
        return (not value) if f.invert else bool(value)
    if f.kind == "date":
        return dt.date.fromisoformat(value) if isinstance(value, str) else value
    if f.kind == "services":
        return list(value)
    return value


def restored(data: Mapping[str, Any], today: dt.date) -> dict[str, Any]:
    """The fields' values from a scenario (as JSON data): each field found at its path, the others at their
    defaults; an optional value's switch says whether the scenario gives it."""
    defaults = field_defaults(today)
    out: dict[str, Any] = {}
    for f in FIELDS:
        if f.path is None:
            continue
        try:
            value = get(data, f.path)
        except (KeyError, IndexError, TypeError):
            value = None
        if f.optional is not None:
            out[f.optional] = value is not None
        out[f.key] = widget_value(f, value) if value is not None else defaults[f.key]
    return out


def section_switch_values(data: Mapping[str, Any]) -> dict[str, bool]:
    """The switches that say a whole part of the scenario is there."""
    cov = data.get("coverage") or {}
    return {
        "acct_on": data.get("accounts") is not None,
        "trav_on": data.get("travel") is not None,
        "to_on": data.get("time_off") is not None,
        "fin_on": data.get("financing") is not None,
        "oon_on": cov.get("out_of_network") is not None,
        "fam_on": cov.get("family") is not None,
        "pkg_on": bool(data.get("packages")),
    }

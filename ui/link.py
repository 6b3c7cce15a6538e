"""The shareable link: the Estimate form's inputs as query parameters and back, as pure functions.

Every field marked `link` in `ui.form` travels, typed and bounded by its description; free text (names, notes)
never does. A link holds only what differs from what its course and plan presets give (`ui.state.link_baseline`),
plus the start date and the link's version. The prices, coverage table and custom schedule travel in short forms
of their own when the presets would give other ones. Anything unreadable in a hand-edited link is ignored.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import pandas as pd

from estimator.models import Fee, Scenario
from estimator.money import fmt_plain
from estimator.presets import course_presets, example_prices, plan_presets
from estimator.reference import latest_decimal
from ui.form import BY_KEY, FIELDS, bounds, model_bounds, shown_cents
from ui.tables import (
    CUSTOM_COLUMNS,
    CUSTOM_MAX_DAY,
    CUSTOM_MAX_QUANTITY,
    CUSTOM_MAX_SESSION,
    NAN,
    PRICE_COLUMNS,
    RULE_COLUMNS,
    custom_rows,
)

VERSION = "2"  # links written since the form rebuild say `v=2`; a link without it is read with the old defaults
# What the page started with before links had a version: a link written then leaves these out when they were
# unchanged, so it is read with them (the package price was on, the APR the typical card's, and a payment plan
# financed everything; an out-of-network or family maximum of 0 meant none).
LEGACY_DEFAULTS: dict[str, Any] = {"pkg_on": True, "fin_base": "all"}
MAX_AMOUNT = Decimal(int(model_bounds(Fee, "charge")[1]))  # a link's amounts keep to a scenario's
LINKED = tuple(f for f in FIELDS if f.link)
DATE_RANGE = (dt.date(1900, 1, 1), dt.date(9000, 12, 31))


def _choices() -> dict[str, frozenset[Any]]:
    out = {f.key: frozenset(f.choices) for f in LINKED if f.kind == "choice" and f.choices}
    out["course"] = frozenset(p.id for p in course_presets())
    out["plan"] = frozenset(p.id for p in plan_presets()) | {"custom_plan"}
    return out


def _read(kind: str, key: str, raw: str) -> Any:
    """One link value typed as its field holds it, or None when it is unreadable or out of bounds."""
    try:
        if kind == "services":
            value: Any = [] if raw == "-" else raw.split(",")[:_LINK_ROWS]
            return value if all(_SERVICE_ID.fullmatch(x) for x in value) else None
        if kind == "bool":
            return {"true": True, "false": False}.get(raw)
        if kind in ("int", "money", "pct", "amount"):
            number = int(raw) if kind == "int" else float(raw)
            lo, hi = bounds(key)
            return number if lo <= number <= hi else None  # also refuses NaN
        if kind == "date":
            day = dt.date.fromisoformat(raw)
            return day if DATE_RANGE[0] <= day <= DATE_RANGE[1] else None
        if kind == "choice" and any(isinstance(c, int) for c in BY_KEY[key].choices):
            return int(raw)  # a numeric choice (the SPRAVATO dose) arrives as text
    except ValueError:
        return None
    return raw[:40]


def url_values(url: Mapping[str, str]) -> dict[str, Any]:
    """Inputs from a link's query parameters, typed and bounded as their fields; anything unreadable is ignored."""
    out: dict[str, Any] = {}
    choices = _choices()
    for key, kind in ((f.key, f.kind) for f in LINKED):
        raw = url.get(key)
        if raw is None:
            continue
        value = _read(kind, key, raw)
        if value is None or (key in choices and value not in choices[key]):
            continue
        out[key] = value
    return out


def legacy_values(url: Mapping[str, str]) -> dict[str, Any]:
    """What a link written before links had a version meant by the values it left out or wrote differently
    (nothing for a link of this version)."""
    if url.get("v") == VERSION:
        return {}
    old: dict[str, Any] = dict(LEGACY_DEFAULTS)
    old["apr"] = float(latest_decimal("medical_credit_card_apr"))
    if url.get("fin_amount_on") == "true":
        old["fin_base"] = "amount"
    for key in ("oon_oop", "fam_oop"):
        amount = _read("money", key, url.get(key, ""))
        if amount is not None:
            old[f"{key}_on"] = amount > 0
    return old


def url_params(state: Mapping[str, Any], baseline: Mapping[str, Any]) -> dict[str, str]:
    """The query parameters of a link that reproduces the inputs: every value that differs from `baseline` (what
    the link's course and plan presets give), plus the start date (its default moves with the calendar)."""
    out: dict[str, str] = {"v": VERSION}
    for f in LINKED:
        value = state.get(f.key)
        if value is None or (value == baseline.get(f.key) and f.key != "start"):
            continue
        if isinstance(value, float) and not math.isfinite(value):
            continue
        if f.kind == "services":
            out[f.key] = ",".join(value) or "-"
        elif isinstance(value, bool):
            out[f.key] = "true" if value else "false"
        elif isinstance(value, float):
            out[f.key] = fmt_plain(shown_cents(value))  # what the field shows and the estimate uses
        elif isinstance(value, dt.date):
            out[f.key] = value.isoformat()
        else:
            out[f.key] = str(value)
    return out


# ---------------------------------------------------------------- tables in a link
#
# A link carries the prices (service:charge) and the coverage table (service:flags:copay:allowed, flags c =
# covered, d = deductible applies, a = prior auth, p = pharmacy benefit) when they differ from what the

_SERVICE_ID = re.compile(r"[a-z0-9_]{1,40}")
_LINK_ROWS = 60


def _link_amount(raw: str) -> Decimal | None:
    """An amount from a link: 0 to 10,000,000 with at most two decimals, else None."""
    if not re.fullmatch(r"\d{1,8}(\.\d{1,2})?", raw):
        return None
    value = Decimal(raw)
    return value if value <= MAX_AMOUNT else None


def _link_number(value: Decimal | None) -> str:
    return "" if value is None else fmt_plain(value)


def fees_param(scenario: Scenario) -> str:
    return ",".join(f"{f.service}:{_link_number(f.charge)}" for f in scenario.fees)


def coverage_param(scenario: Scenario) -> str:
    rows = []
    for sid, r in scenario.coverage.services.items():
        flags = "".join(
            flag
            for flag, on in (
                ("c", r.covered),
                ("d", r.deductible_applies),
                ("a", r.prior_auth),
                ("p", r.benefit == "pharmacy"),
            )
            if on
        )
        rows.append(f"{sid}:{flags}:{_link_number(r.copay)}:{_link_number(r.allowed)}")
    return ",".join(rows)


def prices_from_param(raw: str) -> pd.DataFrame | None:
    """The prices table a link's `fees` describes (example descriptions kept), or None if any part is unreadable."""
    known = {f.service: f for f in example_prices().scenario_fees()}
    rows = []
    for item in raw.split(",")[:_LINK_ROWS]:
        sid, _, charge = item.partition(":")
        amount = _link_amount(charge)
        if not _SERVICE_ID.fullmatch(sid) or amount is None:
            return None
        example = known.get(sid)
        rows.append(
            {
                "service": sid,
                "charge": float(amount),
                "code": example.code if example else "",
                "description": example.description if example else "",
            }
        )
    if not rows or len({r["service"] for r in rows}) != len(rows):
        return None
    return pd.DataFrame(rows, columns=PRICE_COLUMNS)


def rules_from_param(raw: str) -> pd.DataFrame | None:
    """The coverage table a link's `cov` describes, or None if any part is unreadable."""
    rows = []
    for item in raw.split(",")[:_LINK_ROWS]:
        parts = item.split(":")
        if len(parts) != 4 or not _SERVICE_ID.fullmatch(parts[0]) or set(parts[1]) - set("cdap"):
            return None
        sid, flags, copay, allowed = parts
        amounts = [None if not x else _link_amount(x) for x in (copay, allowed)]
        if any(x and a is None for x, a in zip((copay, allowed), amounts, strict=True)):
            return None
        rows.append(
            {
                "service": sid,
                "covered": "c" in flags,
                "benefit": "pharmacy" if "p" in flags else "medical",
                "copay": NAN if amounts[0] is None else float(amounts[0]),
                "deductible_applies": "d" in flags,
                "allowed": NAN if amounts[1] is None else float(amounts[1]),
                "prior_auth": "a" in flags,
                "network": None,
                "oon_allowed": NAN,
                "auth_units": NAN,
            }
        )
    if not rows or len({r["service"] for r in rows}) != len(rows):
        return None  # a service twice: no way to know which row was meant
    return pd.DataFrame(rows, columns=RULE_COLUMNS)


# A custom schedule travels as `sched=day:service:quantity:phase:session,…` (`-` for an empty grid), the grid's
# rows as the user sees them. A phase is typed freely and could hold anything a link must never carry, so a
# schedule travels only when every phase is blank or one of these words (any case, a space for the hyphen);
# otherwise the link names the schedule as what it leaves out.
LINK_PHASES = frozenset(
    {"treatment", "evaluation", "induction", "maintenance", "continuation", "booster", "follow-up", "taper"}
)


def link_phase(phase: str) -> bool:
    """True when a phase may go in a link: blank, or one of `LINK_PHASES` however capitalised."""
    return not phase or phase.lower().replace(" ", "-") in LINK_PHASES


def schedule_param(frame: pd.DataFrame) -> tuple[str | None, str]:
    """The custom grid in link form, or None and why a link cannot carry it (in words for the page)."""
    rows = custom_rows(frame)
    if len(rows) > _LINK_ROWS:
        return None, f"more than {_LINK_ROWS} rows"
    if not all(link_phase(r["phase"]) for r in rows):
        return None, "a phase name of its own; " + ", ".join(sorted(LINK_PHASES)) + " or a blank phase travel"
    if any(r["day"] > CUSTOM_MAX_DAY or (r["session"] or 1) > CUSTOM_MAX_SESSION for r in rows):
        return None, f"a day after {CUSTOM_MAX_DAY} or a session number over {CUSTOM_MAX_SESSION}"
    if not rows:
        return "-", ""
    return ",".join(
        f"{r['day']}:{r['service']}:{r['quantity']}:{r['phase']}:{'' if r['session'] is None else r['session']}"
        for r in rows
    ), ""


def schedule_from_param(raw: str) -> pd.DataFrame | None:
    """The custom grid a link's `sched` describes, or None if any part is unreadable."""
    if raw == "-":
        return pd.DataFrame([], columns=CUSTOM_COLUMNS)
    rows = []
    for item in raw.split(",")[: _LINK_ROWS + 1]:
        parts = item.split(":")
        if len(parts) != 5 or not _SERVICE_ID.fullmatch(parts[1]) or not link_phase(parts[3]):
            return None
        day, service, quantity, phase, session = parts
        if not (re.fullmatch(r"\d{1,4}", day) and re.fullmatch(r"\d{1,2}", quantity)):
            return None
        if session and not re.fullmatch(r"\d", session):
            return None
        number = int(session) if session else None
        if int(day) > CUSTOM_MAX_DAY or not 1 <= int(quantity) <= CUSTOM_MAX_QUANTITY or number == 0:
            return None
        rows.append({"day": int(day), "phase": phase, "service": service, "quantity": int(quantity), "session": number})
    if not rows or len(rows) > _LINK_ROWS:
        return None
    return pd.DataFrame(rows, columns=CUSTOM_COLUMNS)

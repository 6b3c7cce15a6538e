"""The Estimate page's inputs: defaults, presets, and the mapping between widgets and a scenario.

Widgets keep their values in `st.session_state` under the short keys below (the URL-bound ones appear in
shareable links). This module turns those values into a scenario dict for the core to validate, and back.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter
from collections.abc import MutableMapping
from decimal import Decimal
from functools import cache, lru_cache
from typing import Any

import pandas as pd

from estimator.models import LATEST_VERSION, V2_RULE_FIELDS, Custom, IvKetamine, Scenario, Spravato
from estimator.money import fmt_plain, round_cents
from estimator.presets import (
    course_preset,
    course_presets,
    example_prices,
    plan_preset,
    plan_presets,
    program_templates,
)
from estimator.reference import latest_decimal, us_states
from estimator.scenario_io import scenario_from_data

State = MutableMapping[str, Any]

PRICE_COLUMNS = ["service", "charge", "code", "description"]
RULE_COLUMNS = [
    "service",
    "covered",
    "benefit",
    "copay",
    "deductible_applies",
    "allowed",
    "prior_auth",
    *V2_RULE_FIELDS,  # network, oon_allowed, auth_units (scenario version 2)
]
CUSTOM_COLUMNS = ["day", "phase", "service", "quantity", "session"]

# Every scalar input goes in a shareable link except free text (names, notes): the course, dates and every
# plan figure. Tables (prices, coverage, custom sessions) do not fit a link; the scenario file carries those.
URL_EXCLUDED = frozenset({"name", "notes", "editor_version"})
# Choices whose values must be one of a fixed set (anything else in a hand-edited link is ignored).
URL_CHOICES: dict[str, frozenset[Any]] = {
    "network": frozenset({"in", "out"}),
    "dose": frozenset({56, 84}),
    "week9": frozenset({1, 2}),
    "kind": frozenset({"self_pay", "commercial", "medicare", "medicaid"}),
    "fam_type": frozenset({"embedded", "aggregate"}),
    "patient_state": frozenset({"", *us_states()}),
}


def _f(x: Decimal | None) -> float:
    return float(x) if x is not None else 0.0


def _withme() -> tuple[Decimal, Decimal]:
    prog = next(t.program for t in program_templates() if t.id == "withme_medication")
    return prog.patient_pays_per_session, prog.annual_max or Decimal(0)


def _obs_max() -> Decimal:
    prog = next(t.program for t in program_templates() if t.id == "withme_observation")
    return prog.annual_max or Decimal(0)


def defaults(today: dt.date) -> dict[str, Any]:
    """Every input's starting value, tables included: a self-pay six-infusion course starting next Monday."""
    values = {k: list(v) if isinstance(v, list) else v for k, v in scalar_defaults(today).items()}
    values.update(_default_tables())
    for name in TABLES:
        values[f"{name}_saved"] = values[f"{name}_base"]
    values["editor_version"] = 0
    return values


@cache
def _default_tables() -> dict[str, pd.DataFrame]:
    """The starting tables, built once. Shared by every session: tables are never changed in place (an edit or
    a preset makes a new frame)."""
    prices = prices_frame_from(example_prices().scenario_fees())
    return {
        "prices_base": prices,
        "rules_base": rules_frame({}, list(prices["service"])),
        "custom_base": custom_frame_from(course_preset("custom").protocol),
    }


@lru_cache(maxsize=4)
def scalar_defaults(today: dt.date) -> dict[str, Any]:
    """The starting value of every input but the tables; cached per day, since the page compares the inputs
    with it on each rerun to write the link. Read only: `defaults` hands out copies."""
    wm_per, wm_max = _withme()
    start = today + dt.timedelta(days=(7 - today.weekday()) % 7 or 7)
    values: dict[str, Any] = {
        "course": "iv6",
        "start": start,
        "weeks": 4,
        "iv_n": 6,
        "iv_weeks": 3,
        "boost": 0,
        "dose": 84,
        "week9": 2,
        "start_session": 1,
        "once": ["consult"],
        "extra": [],
        "name": "",
        "programs_extra": [],
        "patient_state": "",
        "packages_extra": [],
        "plan": "self_pay",
        "kind": "self_pay",
        "network": "in",
        "ded": 0.0,
        "ded_met": 0.0,
        "coins": 0.0,
        "oop": 0.0,
        "has_oop": False,
        "oop_met": 0.0,
        "py_start": "01-01",
        "oon_pct": 100.0,
        "oon_ded": 0.0,
        "oon_ded_met": 0.0,
        "oon_coins": 0.0,
        "oon_oop": 0.0,
        "oon_oop_met": 0.0,
        "oon_on": False,
        "pa_on": False,
        "pa_until": start + dt.timedelta(days=90),
        "notes": "",
        "ph_ded": 0.0,
        "ph_ded_met": 0.0,
        "ph_integrated": False,
        "ph_coins": 0.0,
        "ph_copay_on": False,
        "ph_copay": 0.0,
        "ph_fill_on": False,
        "ph_fill": 0.0,
        "fam_on": False,
        "rules_details": False,
        "fam_type": "embedded",
        "fam_ded": 0.0,
        "fam_ded_met": 0.0,
        "fam_oop": 0.0,
        "fam_oop_met": 0.0,
        "wm_on": False,
        "wm_per": _f(wm_per),
        "wm_max": _f(wm_max),
        "obs_on": False,
        "obs_max": _f(_obs_max()),
        "accum": False,
        "acct_on": False,
        "fsa": 0.0,
        "fsa_next": 0.0,
        "hsa": 0.0,
        "fed": 22.0,
        "state": 5.0,
        "direct": False,
        "trav_on": False,
        "miles": 20.0,
        "parking": 0.0,
        "ride": 0.0,
        "rate_on": False,
        "rate": 0.0,
        "to_on": False,
        "hours": 3.0,
        "wage": 25.0,
        "fin_on": False,
        "apr": _f(latest_decimal("medical_credit_card_apr")),
        "months": 12,
        "fin_amount_on": False,
        "fin_amount": 0.0,
    }
    example_package = next(iter(example_prices().scenario_packages()), None)
    values.update(
        pkg_on=example_package is not None,
        pkg_service=example_package.service if example_package else "iv_infusion",
        pkg_sessions=example_package.sessions if example_package else 6,
        pkg_price=_f(example_package.price) if example_package else 0.0,
    )
    return values


@cache
def _default_keys() -> tuple[str, ...]:
    return tuple(defaults(dt.date(2026, 1, 1)))


def init_state(state: State, today: dt.date, url: dict[str, str] | None = None) -> None:
    """Fill in any missing input with its default (never overwrites what the user set).

    On a session's first run a shared link's values (`url`, the page's query parameters) are read into the
    inputs, so the first estimate already uses them: the course and plan presets it names are applied first
    (schedule, horizon and coverage table), then its figures on top.
    """
    present = set(state.keys())
    missing = [k for k in _default_keys() if k not in present]
    if not missing:
        return
    first_run = "prices_base" not in present
    values = defaults(today)
    for key in missing:
        state[key] = values[key]
    if first_run and url:
        seeded = url_values(url, values)
        prices = prices_from_param(url.get("fees", ""))
        if prices is not None:
            replace_table(state, "prices", prices)
        if seeded.get("course") in {p.id for p in course_presets()}:
            apply_course(state, seeded["course"])
        if seeded.get("plan") in {p.id for p in plan_presets()}:
            apply_plan(state, seeded["plan"])
        rules = rules_from_param(url.get("cov", ""))
        if rules is not None:
            replace_table(state, "rules", rules)
        if seeded.get("course") == "custom" and "sched" in url:
            schedule = schedule_from_param(url["sched"])
            if schedule is not None:
                replace_table(state, "custom", schedule)
            else:  # "own", or a schedule mangled on its way: never show the preset's as if it were the link's
                state["link_without_schedule"] = True
        priced = set(current_prices(state)["service"])
        if seeded.get("pkg_service") not in priced:
            seeded.pop("pkg_service", None)  # a package only for a priced service, as the page's list offers
        for key in URL_LISTS & seeded.keys():
            seeded[key] = [x for x in seeded[key] if x in priced]  # the lists offer priced services only
        state.update(seeded)


# Widget bounds, so a hand-edited link can never put a value into an input that the input would refuse.
_PCT = (0, 100)
URL_BOUNDS: dict[str, tuple[float, float]] = {
    "weeks": (1, 156), "iv_n": (1, 12), "iv_weeks": (1, 8), "boost": (0, 26), "start_session": (1, 300),
    "months": (1, 120),
    "hours": (0, 24), "miles": (0, 10_000), "pkg_sessions": (2, 52), "coins": _PCT, "oon_pct": _PCT,
    "oon_coins": _PCT, "fed": _PCT, "state": _PCT, "apr": _PCT, "ph_coins": _PCT,
}  # fmt: skip
_MONEY_BOUNDS = (0, 10_000_000)


# Service lists that travel in a link as comma-joined ids ("-" for none).
URL_LISTS = frozenset({"once", "extra"})


def _url_keys(like: dict[str, Any]) -> list[str]:
    return [
        k
        for k, v in like.items()
        if k not in URL_EXCLUDED
        and (isinstance(v, (bool, int, float, str, dt.date)) or k in URL_LISTS)
        and not k.endswith("_base")
    ]


def url_values(url: dict[str, str], like: dict[str, Any]) -> dict[str, Any]:
    """Inputs from a link's query parameters, typed like their defaults; anything unreadable is ignored."""
    out: dict[str, Any] = {}
    choices = URL_CHOICES | {
        "course": frozenset(p.id for p in course_presets()),
        "plan": frozenset(p.id for p in plan_presets()) | {"custom_plan"},
    }
    for key in _url_keys(like):
        raw = url.get(key)
        if raw is None:
            continue
        default = like[key]
        try:
            value: Any
            if key in URL_LISTS:
                value = [] if raw == "-" else raw.split(",")[:_LINK_ROWS]
                if not all(_SERVICE_ID.fullmatch(x) for x in value):
                    continue
            elif isinstance(default, bool):
                if raw not in ("true", "false"):
                    continue
                value = raw == "true"
            elif isinstance(default, (int, float)):
                value = int(raw) if isinstance(default, int) else float(raw)
                lo, hi = URL_BOUNDS.get(key, _MONEY_BOUNDS)
                if not lo <= value <= hi:  # also refuses NaN
                    continue
            elif isinstance(default, dt.date):
                value = dt.date.fromisoformat(raw)
                if not dt.date(1900, 1, 1) <= value <= dt.date(9000, 12, 31):
                    continue
            else:
                value = raw[:40]
        except ValueError:
            continue
        if key in choices and value not in choices[key]:
            continue
        out[key] = value
    return out


@lru_cache(maxsize=64)
def link_baseline(today: dt.date, course: str, plan: str) -> dict[str, Any]:
    """What a fresh visit to a link naming `course` and `plan` has in every scalar input before the link's own
    figures: the defaults with the course and plan presets applied, as `init_state` does. A value equal to
    this needs no place in the link; one equal only to the app's default (coinsurance 0 % on the HDHP preset,
    whose own figure is 20 %) does. Read only."""
    like = scalar_defaults(today)
    fresh = defaults(today)
    if course != like["course"] and course in {p.id for p in course_presets()}:
        apply_course(fresh, course)
    if plan != like["plan"] and plan in {p.id for p in plan_presets()}:
        apply_plan(fresh, plan)
    return {k: fresh[k] for k in like}


def url_params(state: State, today: dt.date) -> dict[str, str]:
    """The query parameters of a link that reproduces the inputs: every value that differs from what the link's
    course and plan presets give, plus the start date (its default moves with the calendar)."""
    like = link_baseline(today, str(state.get("course")), str(state.get("plan")))
    out: dict[str, str] = {}
    for key in _url_keys(like):
        value = state.get(key)
        if value is None or (value == like[key] and key != "start"):
            continue
        if key in URL_LISTS:
            out[key] = ",".join(value) or "-"
        elif isinstance(value, bool):
            out[key] = "true" if value else "false"
        elif isinstance(value, float) and math.isfinite(value):
            out[key] = fmt_plain(shown_cents(value))  # what the field shows and the estimate uses
        elif isinstance(value, dt.date):
            out[key] = value.isoformat()
        else:
            out[key] = str(value)
    return out


# ---------------------------------------------------------------- tables in a link
#
# A link carries the prices (service:charge) and the coverage table (service:flags:copay:allowed, flags c =
# covered, d = deductible applies, a = prior auth, p = pharmacy benefit) when they differ from what the
# link's presets would give, so a link made after opening a file or editing a table still reproduces the
# estimate. Only service ids (lowercase letters, digits, _) and amounts: descriptions and codes stay out.

_SERVICE_ID = re.compile(r"[a-z0-9_]{1,40}")
NAN = float("nan")
_LINK_ROWS = 60


def _link_amount(raw: str) -> Decimal | None:
    """An amount from a link: 0 to 10,000,000 with at most two decimals, else None."""
    if not re.fullmatch(r"\d{1,8}(\.\d{1,2})?", raw):
        return None
    value = Decimal(raw)
    return value if value <= _MONEY_BOUNDS[1] else None


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
CUSTOM_MAX_DAY = 1100  # the custom grid's limits, which a link keeps to as well
CUSTOM_MAX_SESSION = 9
CUSTOM_MAX_QUANTITY = 20  # as the scenario's own limit on a line's quantity


def link_phase(phase: str) -> bool:
    """True when a phase may go in a link: blank, or one of `LINK_PHASES` however capitalised."""
    return not phase or phase.lower().replace(" ", "-") in LINK_PHASES


def custom_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The custom grid's rows as the page reads them: empty rows dropped, an empty day 0 and quantity 1; phase
    and session as typed ("" and None when empty)."""
    rows = []
    for row in frame.to_dict("records"):
        if _blank(row.get("service")) and _blank(row.get("day")):
            continue
        rows.append(
            {
                "day": 0 if _blank(row.get("day")) else int(row["day"]),
                "phase": _text(row.get("phase")).strip(),
                "service": _text(row.get("service")).strip(),
                "quantity": 1 if _blank(row.get("quantity")) else int(row["quantity"]),
                "session": None if _blank(row.get("session")) else int(row["session"]),
            }
        )
    return rows


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


@lru_cache(maxsize=32)
def linked_scenario(params: tuple[tuple[str, str], ...], today: dt.date) -> Scenario | None:
    """The scenario a fresh visit to a link with these query parameters would estimate (None if invalid)."""
    state: dict[str, Any] = {}
    init_state(state, today, dict(params))
    try:
        return scenario_from_data(scenario_dict(state))
    except (ValueError, TypeError, KeyError):
        return None


def _comparable(scenario: Scenario) -> dict[str, Any]:
    """A scenario without the text a link never carries (name, notes, fee codes and descriptions), and without its
    file version (a version 1 file and the page's version 2 scenario estimate the same)."""
    data = scenario.model_dump()  # Decimals compare by value: 20 == 20.0
    data.pop("name", None)
    data.pop("version", None)
    data["coverage"].pop("notes", None)
    data["fees"] = [(f["service"], f["charge"]) for f in data["fees"]]
    return data


LINK_GAPS = {
    "packages": "more than one package price",
    "savings_programs": "the savings programs from the opened file",
}


def link_params(state: State, scenario: Scenario, today: dt.date) -> tuple[dict[str, str], list[str]]:
    """The query parameters of a link that reproduces `scenario`, and what such a link still leaves out (in
    words for the page): the scalar inputs, then the prices and coverage table when the presets alone would
    give other ones."""
    params = url_params(state, today)
    want = _comparable(scenario)

    def linked() -> dict[str, Any] | None:
        got = linked_scenario(tuple(sorted(params.items())), today)
        return _comparable(got) if got is not None else None

    got = linked()
    if got is None or got["fees"] != want["fees"]:
        params["fees"] = fees_param(scenario)
        got = linked()
    services = want["coverage"].get("services")
    if services and (got is None or got["coverage"].get("services") != services):
        params["cov"] = coverage_param(scenario)
        got = linked()
    custom = scenario.protocol.type == "custom"
    schedule = "the custom schedule"
    if custom and (got is None or got["protocol"] != want["protocol"]):
        sched, why = schedule_param(current_custom(state))
        if sched is not None:
            params["sched"] = sched
            got = linked()
        schedule += f" ({why})" if why else ""
    if got is None:  # a fresh visit would not even validate (a custom schedule needs services the link lacks)
        missing = [schedule if custom else "some inputs"]
    else:
        names = LINK_GAPS | {"protocol": schedule if custom else "some inputs"}
        missing = list(dict.fromkeys(names.get(k, "some inputs") for k in want if got.get(k) != want.get(k)))
    if schedule in missing or state.get("link_without_schedule"):
        # Whoever opens the link is told the schedule they see is the preset's (also after a reload of a link that
        # said so and whose schedule has not been touched since).
        params["sched"] = "own"
    return params, missing


# ---------------------------------------------------------------- tables


def prices_frame_from(fees: list[Any]) -> pd.DataFrame:
    rows = [
        {"service": f.service, "code": f.code, "description": f.description, "charge": float(f.charge)} for f in fees
    ]
    return pd.DataFrame(rows, columns=PRICE_COLUMNS)


def rules_frame(services: dict[str, Any], all_services: list[str]) -> pd.DataFrame:
    """Per-service coverage rows: the plan's rules, then every other priced service as not covered."""
    rows = []
    for sid in list(dict.fromkeys([*services, *all_services])):
        rule = services.get(sid)
        rows.append(
            {
                "service": sid,
                "covered": bool(rule.covered) if rule else False,
                "benefit": rule.benefit if rule else "medical",
                # NaN, not None, keeps the column float: a blank shows as an empty cell rather than "None".
                "copay": _f(rule.copay) if rule and rule.copay is not None else NAN,
                "deductible_applies": rule.deductible_applies if rule else True,
                "allowed": _f(rule.allowed) if rule and rule.allowed is not None else NAN,
                "prior_auth": rule.prior_auth if rule else False,
                "network": rule.network if rule else None,  # blank: the plan's network
                "oon_allowed": _f(rule.oon_allowed) if rule and rule.oon_allowed is not None else NAN,
                "auth_units": float(rule.auth_units) if rule and rule.auth_units is not None else NAN,
            }
        )
    return pd.DataFrame(rows, columns=RULE_COLUMNS)


def custom_frame_from(protocol: Any) -> pd.DataFrame:
    """One grid row per service line. Rows of one session share its day and phase; a second session on the same
    day and phase (a file may hold one) is numbered in the Session column, so the grid keeps the two apart."""
    rows = []
    if isinstance(protocol, Custom):
        shared = Counter((s.day, s.phase) for s in protocol.sessions)
        seen: Counter[tuple[int, str]] = Counter()
        for s in protocol.sessions:
            seen[(s.day, s.phase)] += 1
            number = seen[(s.day, s.phase)] if shared[(s.day, s.phase)] > 1 else None
            for sq in s.services:
                line = {"service": sq.service, "quantity": sq.quantity, "session": number}
                rows.append({"day": s.day, "phase": s.phase, **line})
    return pd.DataFrame(rows, columns=CUSTOM_COLUMNS)


def apply_editor_delta(base: pd.DataFrame, delta: dict[str, Any] | None) -> pd.DataFrame:
    """A data editor's edits (edited/added/deleted rows) applied to the frame it was shown."""
    if not delta:
        return base
    df = base.copy().reset_index(drop=True)
    for idx, changes in (delta.get("edited_rows") or {}).items():
        for col, value in changes.items():
            if col in df.columns and int(idx) < len(df):
                _set_cell(df, int(idx), col, value)
    deleted = {int(i) for i in delta.get("deleted_rows") or []}
    if deleted:
        df = df.drop(index=[i for i in deleted if i < len(df)]).reset_index(drop=True)
    added = [r for r in delta.get("added_rows") or [] if r]
    if added:
        df = pd.concat([df, pd.DataFrame(added, columns=df.columns)], ignore_index=True)
    return df


def _set_cell(df: pd.DataFrame, row: int, col: str, value: Any) -> None:
    """Put one edited cell into the frame.

    A tick box the user cleared (Delete on selected cells, or a paste) arrives as None: it is unticked, as the grid
    shows it. Any other value the column's dtype cannot hold turns the column to object, so the scenario's
    validation reports it beside the table: pandas 3 raises instead of widening the column itself.
    """
    if pd.api.types.is_bool_dtype(df[col].dtype) and _blank(value):
        value = False
    try:
        df.at[row, col] = value
    except (TypeError, ValueError):
        df[col] = df[col].astype(object)
        df.at[row, col] = value


def _ticked(x: Any) -> bool:
    """A tick-box cell: a blank one (None, or NaN in a new grid row) is unticked, as the grid shows it."""
    return not _blank(x) and bool(x)


# ---------------------------------------------------------------- presets


def apply_course(state: State, preset_id: str) -> None:
    """Load a course preset's schedule settings and horizon into the inputs.

    The custom course keeps the grid as the user left it (their own schedule, one from a file or a link
    included): the preset's example is only the grid a session starts with, and a user who looks at a preset and
    comes back would otherwise lose every row. Its horizon is the preset's, or longer to cover the last row."""
    preset = course_preset(preset_id)
    state.pop("link_without_schedule", None)
    state["weeks"] = preset.horizon_weeks
    p = preset.protocol
    if isinstance(p, IvKetamine):
        state.update(
            iv_n=p.induction_infusions,
            iv_weeks=p.induction_weeks,
            boost=p.booster_every_weeks,
            start_session=p.start_session,
        )
    elif isinstance(p, Spravato):
        state.update(dose=p.dose_mg, week9=p.week9_every_weeks, start_session=p.start_session)
    else:
        days = [row["day"] for row in custom_rows(current_custom(state))]
        last_week = max(days, default=0) // 7 + 1
        state["weeks"] = max(preset.horizon_weeks, min(last_week, int(URL_BOUNDS["weeks"][1])))
    state["once"] = list(p.once)


def apply_plan(state: State, preset_id: str) -> None:
    """Load a plan preset into the insurance inputs (the user can change every field afterwards)."""
    cov = plan_preset(preset_id).coverage
    tier = cov.in_network
    oon = cov.out_of_network
    state.update(
        kind=cov.kind,
        network=cov.network,
        py_start=cov.plan_year_start,
        ded=_f(tier.deductible) if tier else 0.0,
        ded_met=0.0,
        coins=_f(tier.coinsurance_pct) if tier else 0.0,
        oop=_f(tier.oop_max) if tier and tier.oop_max is not None else 0.0,
        has_oop=bool(tier and tier.oop_max is not None),
        oop_met=0.0,
        oon_on=oon is not None,
        oon_pct=_f(oon.allowed_pct_of_charge) if oon else 100.0,
        oon_ded=_f(oon.deductible) if oon else 0.0,
        oon_ded_met=0.0,
        oon_coins=_f(oon.coinsurance_pct) if oon else 0.0,
        oon_oop=_f(oon.oop_max) if oon and oon.oop_max is not None else 0.0,
        oon_oop_met=0.0,
    )
    services = list(current_prices(state)["service"].dropna())
    replace_table(state, "rules", rules_frame(dict(cov.services), [s for s in services if s]))


# Editable tables. A table's editor shows `<name>_base`; its edits are the editor's widget state, and each edit
# is also saved to `<name>_saved` (a plain value that outlives page switches). When the editor is not mounted
# (first run, or back from another page) the saved table becomes the base. Presets and restores replace the
# table and bump `editor_version`, which mounts fresh editors; opening a table's section bumps `<name>_fresh`,
# which mounts a fresh editor for that table alone.
TABLES = ("prices", "rules", "custom")


def editor_key(state: State, name: str) -> str:
    return f"{name}_editor_{state.get('editor_version', 0)}_{state.get(f'{name}_fresh', 0)}"


def current_table(state: State, name: str) -> pd.DataFrame:
    return apply_editor_delta(state[f"{name}_base"], state.get(editor_key(state, name)))


def save_table(state: State, name: str, key: str) -> None:
    """After an edit in the editor `key`: keep the edited table (the editor itself stays mounted, so focus stays
    in the grid). An editor that is no longer the table's current one is ignored: it can still report its last
    edit in the rerun that has just replaced it (`fresh_editor`, a preset), and that edit is already saved."""
    if key != editor_key(state, name):
        return
    state[f"{name}_saved"] = current_table(state, name)
    if name == "custom":
        state.pop("link_without_schedule", None)


def remount_tables(state: State) -> None:
    """Editors that are not mounted start from the saved tables."""
    for name in TABLES:
        if editor_key(state, name) not in state:
            state[f"{name}_base"] = state[f"{name}_saved"]


def resend_inputs(state: State) -> None:
    """Set every stored input to its own value again, so a widget drawn after this shows the stored value
    whatever the browser last held (see `estimate_view._remember_section`)."""
    for key in _scalar_keys():
        if key in state:
            state[key] = state[key]


SECTION_OPENINGS = "section_openings"  # section name -> how many times the user has opened it


def section_key(state: State, name: str) -> str:
    """The session-state key of an input section's expander: `sec_<name>`, then a new key each time the user
    opens the section (`open_section`)."""
    openings = state.get(SECTION_OPENINGS, {}).get(name, 0)
    return f"sec_{name}_{openings}" if openings else f"sec_{name}"


def open_section(state: State, name: str) -> None:
    """Record that the user opened a section, under a new expander key that holds True.

    The browser sets an expander's value from the server's as a side effect of drawing it. With two runs racing
    (a section closed and reopened while the server is busy) it could keep the closing run's False while
    showing the section open, and send that False with the next click: the section just opened closed again by
    itself. A new key is a new expander in the browser, drawn open from the server's value; what the browser
    still holds for the old one is a stale report (`is_current_section`).
    """
    openings = state.setdefault(SECTION_OPENINGS, {})
    openings[name] = openings.get(name, 0) + 1
    state[section_key(state, name)] = True


def is_current_section(state: State, name: str, key: str) -> bool:
    """Whether `key` is the section's expander as last drawn, not one the section has been reopened past."""
    return key == section_key(state, name)


def settle_cleared_ticks(state: State, name: str) -> None:
    """Give a table a fresh editor when its edits hold a cleared tick box.

    A tick box cleared with Delete (or a paste) reaches the editor's state as None, which Streamlit's editor cannot
    put into the table's bool column: it logged a warning with a traceback for each such cell on every later rerun.
    The edit is kept (a cleared box is unticked, `apply_editor_delta`) and the fresh editor starts without it."""
    delta = state.get(editor_key(state, name))
    if not isinstance(delta, dict):
        return
    base = state[f"{name}_base"]
    ticks = {c for c in base.columns if pd.api.types.is_bool_dtype(base[c].dtype)}
    rows = [*(delta.get("edited_rows") or {}).values(), *(delta.get("added_rows") or [])]
    if any(col in ticks and _blank(value) for row in rows for col, value in row.items()):
        fresh_editor(state, name)


def fresh_editor(state: State, name: str) -> None:
    """Keep the table as edited and give it a fresh editor (a new key), which the browser draws from the saved
    table instead of from edits it may have lost (see `estimate_view._remember_section`)."""
    if editor_key(state, name) in state:
        state[f"{name}_saved"] = current_table(state, name)
    state[f"{name}_fresh"] = state.get(f"{name}_fresh", 0) + 1


@cache
def _scalar_keys() -> tuple[str, ...]:
    return tuple(scalar_defaults(dt.date(2026, 1, 1)))


def replace_table(state: State, name: str, frame: pd.DataFrame) -> None:
    state[f"{name}_base"] = state[f"{name}_saved"] = frame
    state["editor_version"] = state.get("editor_version", 0) + 1


def current_prices(state: State) -> pd.DataFrame:
    return current_table(state, "prices")


def current_rules(state: State) -> pd.DataFrame:
    return current_table(state, "rules")


def current_custom(state: State) -> pd.DataFrame:
    return current_table(state, "custom")


# ---------------------------------------------------------------- state -> scenario dict


def shown_cents(x: float | int) -> Decimal:
    """A widget number as the 2-decimal amount its field shows.

    Number fields show 2 decimals with the browser's toFixed: the float's exact binary value, rounded half up.
    (Grids round to their 0.01 step themselves before the value reaches the app, so it arrives as shown.)
    Doing the same here keeps what is shown, what is estimated and what the link carries equal: a typed 1.005
    (binary 1.00499...) shows 1.00 and is 1.00; a typed 20.125 (exactly binary) shows 20.13 and is 20.13.
    Decimal(str(x)) would make the first 1.01. The result is a plain cents Decimal, so no float artifact gets
    into the core."""
    return round_cents(Decimal(x))


def money(x: Any) -> str | None:
    """A widget number as the 2-decimal string its field shows (None stays None so validation can name the empty
    field). A third decimal typed is not an error the user can no longer see; scenario files with 3 decimals
    are still refused (SPEC §3)."""
    if x is None or (isinstance(x, float) and pd.isna(x)):
        return None
    if isinstance(x, (float, int)) and not isinstance(x, bool) and math.isfinite(x) and abs(x) < 10**15:
        return str(shown_cents(x))
    return str(Decimal(str(x)))


def _text(x: Any) -> str:
    """A grid text cell: "" when empty (None or NaN), else the text."""
    return "" if _blank(x) else str(x)


def _whole(x: Any) -> int | str:
    """A whole-number grid cell (a float column holds 23 as 23.0); anything else goes on as text, which the
    scenario's validation then names beside the table."""
    return int(x) if isinstance(x, (int, float)) and float(x).is_integer() else _text(x)


def _blank(x: Any) -> bool:
    return x is None or (isinstance(x, float) and pd.isna(x)) or (isinstance(x, str) and not x.strip())


def _protocol(state: State) -> dict[str, Any]:
    preset = course_preset(state["course"])
    once = list(state.get("once") or [])
    extra = list(state.get("extra") or [])
    p = preset.protocol
    if isinstance(p, IvKetamine):
        return {
            "type": "iv_ketamine",
            "induction_infusions": int(state["iv_n"]),
            "induction_weeks": int(state["iv_weeks"]),
            "booster_every_weeks": int(state["boost"]),
            "once": once,
            "per_session": extra,
            "start_session": int(state["start_session"]),
        }
    if isinstance(p, Spravato):
        return {
            "type": "spravato",
            "indication": p.indication,
            "dose_mg": int(state["dose"]),
            "week9_every_weeks": int(state["week9"]),
            "once": once,
            "per_session": extra,
            "start_session": int(state["start_session"]),
        }
    sessions: dict[tuple[int, str, int], list[dict[str, Any]]] = {}
    for row in custom_rows(current_custom(state)):
        line = {"service": row["service"], "quantity": row["quantity"]}
        sessions.setdefault((row["day"], row["phase"] or "treatment", row["session"] or 1), []).append(line)
    return {
        "type": "custom",
        "once": once,
        "sessions": [{"day": d, "phase": ph, "services": svc} for (d, ph, _), svc in sessions.items()],
    }


def _tier(state: State, prefix: str) -> dict[str, Any]:
    if prefix == "":
        return {
            "deductible": money(state["ded"]),
            "deductible_met": money(state["ded_met"]),
            "coinsurance_pct": money(state["coins"]),
            "oop_max": money(state["oop"]) if state["has_oop"] else None,
            "oop_met": money(state["oop_met"]),
        }
    return {
        "deductible": money(state["oon_ded"]),
        "deductible_met": money(state["oon_ded_met"]),
        "coinsurance_pct": money(state["oon_coins"]),
        "oop_max": money(state["oon_oop"]) if state["oon_oop"] else None,
        "oop_met": money(state["oon_oop_met"]),
        "allowed_pct_of_charge": money(state["oon_pct"]),
    }


def _coverage(state: State) -> dict[str, Any]:
    kind = state["kind"]
    cov: dict[str, Any] = {"kind": kind, "notes": state.get("notes") or ""}
    if kind == "self_pay":
        return cov
    cov.update(network=state["network"], plan_year_start=state["py_start"], in_network=_tier(state, ""))
    if state["network"] == "out" or state.get("oon_on"):
        cov["out_of_network"] = _tier(state, "oon")
    services: dict[str, Any] = {}
    for row in current_rules(state).to_dict("records"):
        sid = _text(row.get("service")).strip()
        if not sid:
            continue
        services[sid] = {
            "covered": _ticked(row.get("covered")),
            "benefit": _text(row.get("benefit")) or "medical",
            "copay": None if _blank(row.get("copay")) else money(row["copay"]),
            "deductible_applies": _ticked(row.get("deductible_applies")),
            "allowed": None if _blank(row.get("allowed")) else money(row["allowed"]),
            "prior_auth": _ticked(row.get("prior_auth")),
            "network": None if _blank(row.get("network")) else _text(row["network"]),
            "oon_allowed": None if _blank(row.get("oon_allowed")) else money(row["oon_allowed"]),
            "auth_units": None if _blank(row.get("auth_units")) else _whole(row["auth_units"]),
        }
    cov["services"] = services
    if any(r["benefit"] == "pharmacy" for r in services.values()):
        cov["pharmacy"] = {
            "deductible": money(state["ph_ded"]),
            "deductible_met": money(state["ph_ded_met"]),
            "integrated_deductible": bool(state["ph_integrated"]),
            "coinsurance_pct": money(state["ph_coins"]),
            "copay": money(state["ph_copay"]) if state["ph_copay_on"] else None,
            "max_per_fill": money(state["ph_fill"]) if state["ph_fill_on"] else None,
        }
    if state.get("fam_on"):
        cov["family"] = {
            "type": state["fam_type"],
            "deductible": money(state["fam_ded"]),
            "deductible_met": money(state["fam_ded_met"]),
            "oop_max": money(state["fam_oop"]) if state["fam_oop"] else None,
            "oop_met": money(state["fam_oop_met"]),
        }
    if state.get("pa_on") and state.get("pa_until"):
        cov["prior_auth_until"] = state["pa_until"].isoformat()
    return cov


def scenario_dict(state: State) -> dict[str, Any]:
    """The scenario file (SPEC §4) the current inputs describe; the core validates it."""
    fees = []
    for row in current_prices(state).to_dict("records"):
        if all(_blank(row.get(c)) for c in PRICE_COLUMNS):
            continue
        fees.append(
            {
                # A cell left empty in a new grid row is NaN, which `or ""` would keep (and print as "nan").
                "service": _text(row.get("service")).strip(),
                "code": _text(row.get("code")),
                "description": _text(row.get("description")),
                "charge": money(row.get("charge")),
            }
        )
    data: dict[str, Any] = {
        "version": LATEST_VERSION,
        "name": state.get("name") or "",
        "start_date": state["start"].isoformat() if state.get("start") else None,  # blank: a message, not a crash
        "horizon_weeks": int(state["weeks"]),
        "protocol": _protocol(state),
        "fees": fees,
        "coverage": _coverage(state),
        "patient_state": state.get("patient_state") or None,
    }
    packages = list(state.get("packages_extra") or [])
    if state.get("pkg_on"):
        packages.insert(
            0,
            {
                "service": state["pkg_service"],
                "sessions": int(state["pkg_sessions"]),
                "price": money(state["pkg_price"]),
            },
        )
    if packages:
        data["packages"] = packages
    programs = []
    counts = not state.get("accum")
    if state.get("wm_on"):
        prog = next(t.program for t in program_templates() if t.id == "withme_medication")
        programs.append(
            {
                **prog.model_dump(mode="json"),
                "patient_pays_per_session": money(state["wm_per"]),
                "annual_max": money(state["wm_max"]),
                "counts_toward_accumulators": counts,
            }
        )
    if state.get("obs_on"):
        prog = next(t.program for t in program_templates() if t.id == "withme_observation")
        programs.append(
            {
                **prog.model_dump(mode="json"),
                "annual_max": money(state["obs_max"]),
                "counts_toward_accumulators": counts,
            }
        )
    programs += list(state.get("programs_extra") or [])
    if programs:
        data["savings_programs"] = programs
    if state.get("acct_on"):
        data["accounts"] = {
            "fsa_available": money(state["fsa"]),
            "fsa_next_years": money(state["fsa_next"]),
            "hsa_available": money(state["hsa"]),
            "federal_rate_pct": money(state["fed"]),
            "state_rate_pct": money(state["state"]),
            "payroll": not state["direct"],
        }
    if state.get("trav_on"):
        data["travel"] = {
            "round_trip_miles": money(state["miles"]),
            "parking_per_visit": money(state["parking"]),
            "rideshare_per_visit": money(state["ride"]),
            "mileage_rate": money(state["rate"]) if state.get("rate_on") else None,
        }
    if state.get("to_on"):
        data["time_off"] = {"hours_per_visit": money(state["hours"]), "hourly_wage": money(state["wage"])}
    if state.get("fin_on"):
        data["financing"] = {
            "apr_pct": money(state["apr"]),
            "months": int(state["months"]),
            "amount": money(state["fin_amount"]) if state.get("fin_amount_on") else None,
        }
    return data


# ---------------------------------------------------------------- scenario -> state (restore an upload)


def matching_course(protocol: Any, horizon_weeks: int) -> str:
    """The course preset a scenario's protocol is a form of: the same kind of course (and indication, or
    boosters), preferring the preset nearest in weeks (a 40-week SPRAVATO course is closer to the first year than to
    6 months; ties go to the shorter preset)."""
    like = []
    for preset in course_presets():
        p = preset.protocol
        if p.type != protocol.type:
            continue
        if isinstance(protocol, Spravato) and isinstance(p, Spravato) and p.indication != protocol.indication:
            continue
        boosters = isinstance(p, IvKetamine) and bool(p.booster_every_weeks)
        if isinstance(protocol, IvKetamine) and boosters != bool(protocol.booster_every_weeks):
            continue
        if not isinstance(p, Custom) and (p.start_session > 1) != (protocol.start_session > 1):
            continue  # a course under way matches the continuing presets, a new one the others
        like.append(preset)
    if not like:
        return "custom"
    return min(like, key=lambda p: (abs(p.horizon_weeks - horizon_weeks), p.horizon_weeks)).id


def state_from_scenario(s: Scenario) -> dict[str, Any]:
    """Widget values that reproduce a scenario exactly (used to restore an uploaded scenario file)."""
    p = s.protocol
    v: dict[str, Any] = {
        "course": matching_course(p, s.horizon_weeks),
        "start": s.start_date,
        "weeks": s.horizon_weeks,
        "once": list(p.once),
        "name": s.name,
        "patient_state": s.patient_state or "",
    }
    if isinstance(p, IvKetamine):
        v.update(
            iv_n=p.induction_infusions,
            iv_weeks=p.induction_weeks,
            boost=p.booster_every_weeks,
            extra=list(p.per_session),
            start_session=p.start_session,
        )
    elif isinstance(p, Spravato):
        v.update(dose=p.dose_mg, week9=p.week9_every_weeks, extra=list(p.per_session), start_session=p.start_session)
    else:
        v["custom_base"] = custom_frame_from(p)
        v["extra"] = []
    v["prices_base"] = prices_frame_from(list(s.fees))
    pkg = s.packages[0] if s.packages else None
    v.update(pkg_on=pkg is not None, packages_extra=[x.model_dump(mode="json") for x in s.packages[1:]])
    if pkg:
        v.update(pkg_service=pkg.service, pkg_sessions=pkg.sessions, pkg_price=_f(pkg.price))
    c = s.coverage
    v.update(kind=c.kind, network=c.network, py_start=c.plan_year_start, notes=c.notes, plan="custom_plan")
    t = c.in_network
    v.update(
        ded=_f(t.deductible) if t else 0.0,
        ded_met=_f(t.deductible_met) if t else 0.0,
        coins=_f(t.coinsurance_pct) if t else 0.0,
        oop=_f(t.oop_max) if t and t.oop_max is not None else 0.0,
        has_oop=bool(t and t.oop_max is not None),
        oop_met=_f(t.oop_met) if t else 0.0,
    )
    o = c.out_of_network
    v.update(
        oon_on=o is not None,
        oon_pct=_f(o.allowed_pct_of_charge) if o else 100.0,
        oon_ded=_f(o.deductible) if o else 0.0,
        oon_ded_met=_f(o.deductible_met) if o else 0.0,
        oon_coins=_f(o.coinsurance_pct) if o else 0.0,
        oon_oop=_f(o.oop_max) if o and o.oop_max is not None else 0.0,
        oon_oop_met=_f(o.oop_met) if o else 0.0,
    )
    v["rules_base"] = (
        rules_frame(dict(c.services), [f.service for f in s.fees])
        if c.kind != "self_pay"
        else (rules_frame({}, [f.service for f in s.fees]))
    )
    ph = c.pharmacy
    if ph:
        v.update(
            ph_ded=_f(ph.deductible),
            ph_ded_met=_f(ph.deductible_met),
            ph_integrated=ph.integrated_deductible,
            ph_coins=_f(ph.coinsurance_pct),
            ph_copay_on=ph.copay is not None,
            ph_copay=_f(ph.copay),
            ph_fill_on=ph.max_per_fill is not None,
            ph_fill=_f(ph.max_per_fill),
        )
    fam = c.family
    v.update(fam_on=fam is not None)
    if fam:
        v.update(
            fam_type=fam.type,
            fam_ded=_f(fam.deductible),
            fam_ded_met=_f(fam.deductible_met),
            fam_oop=_f(fam.oop_max),
            fam_oop_met=_f(fam.oop_met),
        )
    v.update(pa_on=c.prior_auth_until is not None)
    if c.prior_auth_until:
        v["pa_until"] = c.prior_auth_until
    # The two standard programs map to their toggles (in list order, first); any other program is kept as is.
    progs = list(s.savings_programs)
    wm = obs = None
    counts = {pr.counts_toward_accumulators for pr in progs}
    if len(counts) <= 1:
        templates = {t.id: t.program for t in program_templates()}

        def is_toggle(pr: Any, template_id: str, fields: tuple[str, ...]) -> bool:
            if pr.annual_max is None:
                return False
            same = templates[template_id].model_copy(update={f: getattr(pr, f) for f in fields})
            return same == pr

        fields = ("patient_pays_per_session", "annual_max", "counts_toward_accumulators")
        if progs and is_toggle(progs[0], "withme_medication", fields):
            wm = progs.pop(0)
        if progs and is_toggle(progs[0], "withme_observation", fields[1:]):
            obs = progs.pop(0)
    v.update(
        wm_on=wm is not None,
        obs_on=obs is not None,
        accum=counts == {False},
        programs_extra=[pr.model_dump(mode="json") for pr in progs],
    )
    if wm:
        v.update(wm_per=_f(wm.patient_pays_per_session), wm_max=_f(wm.annual_max))
    if obs:
        v.update(obs_max=_f(obs.annual_max))
    a = s.accounts
    v.update(acct_on=a is not None)
    if a:
        v.update(
            fsa=_f(a.fsa_available),
            fsa_next=_f(a.fsa_next_years),
            hsa=_f(a.hsa_available),
            fed=_f(a.federal_rate_pct),
            state=_f(a.state_rate_pct),
            direct=not a.payroll,
        )
    tr = s.travel
    v.update(trav_on=tr is not None)
    if tr:
        v.update(
            miles=_f(tr.round_trip_miles),
            parking=_f(tr.parking_per_visit),
            ride=_f(tr.rideshare_per_visit),
            rate_on=tr.mileage_rate is not None,
            rate=_f(tr.mileage_rate),
        )
    to = s.time_off
    v.update(to_on=to is not None)
    if to:
        v.update(hours=_f(to.hours_per_visit), wage=_f(to.hourly_wage))
    f = s.financing
    v.update(fin_on=f is not None)
    if f:
        v.update(apr=_f(f.apr_pct), months=f.months, fin_amount_on=f.amount is not None, fin_amount=_f(f.amount))
    v["rules_details"] = any(
        r.benefit == "pharmacy" or r.allowed is not None or any(getattr(r, f) is not None for f in V2_RULE_FIELDS)
        for r in c.services.values()
    )
    for name in TABLES:
        if f"{name}_base" in v:
            v[f"{name}_saved"] = v[f"{name}_base"]
    return v


def restore(state: State, scenario: Scenario) -> None:
    """Put an uploaded scenario into the inputs; editors restart from the restored tables."""
    state.update(state_from_scenario(scenario))
    state["editor_version"] = state.get("editor_version", 0) + 1

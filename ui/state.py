"""The Estimate page's inputs: their starting values, the presets, and the scenario they describe (and back).

Widgets keep their values in `st.session_state` under the keys of `ui.form.FIELDS`. Most of the mapping is
derived from that description; what is written here is only what is special: the course and plan presets, the
tables, the savings programs and the package, and the shareable link's baseline.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import MutableMapping
from functools import cache, lru_cache
from typing import Any

import pandas as pd

from estimator.engine import estimate, finance_after_accounts
from estimator.models import LATEST_VERSION, V2_RULE_FIELDS, Custom, IvKetamine, Scenario, Spravato
from estimator.presets import (
    course_preset,
    course_presets,
    example_prices,
    plan_preset,
    plan_presets,
    program_templates,
)
from estimator.result import Result
from estimator.scenario_io import scenario_from_data
from ui import form as F
from ui.link import (
    coverage_param,
    fees_param,
    legacy_values,
    prices_from_param,
    rules_from_param,
    schedule_from_param,
    schedule_param,
    url_params,
    url_values,
)
from ui.tables import (
    PRICE_COLUMNS,
    blank,
    custom_frame_from,
    custom_rows,
    prices_frame_from,
    rules_frame,
    text_cell,
    ticked,
    whole_cell,
)
from ui.widget_state import TABLES, current_custom, current_prices, current_rules, replace_table

State = MutableMapping[str, Any]
PLAN_FILLED = "plan_filled"  # the values the chosen plan preset put in the fields, to tell when they are edited
OWN_MET = {"oop_met": "ded_met", "oon_oop_met": "oon_ded_met"}  # out-of-pocket met follows deductible met


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
    """The starting value of every input but the tables; cached per day. Read only: `defaults` hands out copies.
    The package starts as the example price list's, off until chosen."""
    values = F.field_defaults(today)
    values.update(name="", programs_extra=[], packages_extra=[])
    example_package = next(iter(example_prices().scenario_packages()), None)
    if example_package is not None:
        values.update(
            pkg_service=example_package.service,
            pkg_sessions=example_package.sessions,
            pkg_price=float(example_package.price),
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
        seeded = legacy_values(url) | url_values(url)
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
        for key in ("once", "extra"):
            if key in seeded:
                seeded[key] = [x for x in seeded[key] if x in priced]  # the lists offer priced services only
        state.update(seeded)
        for own, follows in OWN_MET.items():  # a link's amounts met are as written, whatever they are
            state[f"{own}_own"] = state.get(own) != state.get(follows)


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
        state["weeks"] = max(preset.horizon_weeks, min(last_week, int(F.bounds("weeks")[1])))
    state["once"] = list(p.once)


def plan_values(preset_id: str) -> dict[str, Any]:
    """The insurance fields a plan preset fills in: its figures, and nothing met yet."""
    cov = plan_preset(preset_id).coverage
    data = cov.model_dump(mode="json")
    values = {k: v for k, v in F.restored({"coverage": data}, dt.date(2026, 1, 1)).items() if k in _PLAN_KEYS}
    values["oon_on"] = cov.out_of_network is not None
    return values


_PLAN_KEYS = frozenset(
    f.key
    for f in F.FIELDS
    if f.path and f.path.split(".")[:2] in (["coverage", "in_network"], ["coverage", "out_of_network"])
) | {"kind", "network", "py_start", "has_oop", "oon_oop_on"}


def apply_plan(state: State, preset_id: str) -> None:
    """Load a plan preset into the insurance inputs (the user can change every field afterwards), and remember
    what it filled in, so the page can say so and tell when the user has edited it."""
    values = plan_values(preset_id)
    state.update(values)
    for own in OWN_MET:
        state[f"{own}_own"] = False
    services = list(current_prices(state)["service"].dropna())
    cov = plan_preset(preset_id).coverage
    replace_table(state, "rules", rules_frame(dict(cov.services), [s for s in services if s]))
    state[PLAN_FILLED] = {"plan": preset_id, "values": values}


def plan_edited(state: State) -> bool:
    """Whether an insurance field differs from what the chosen plan preset filled in."""
    filled = state.get(PLAN_FILLED)
    if not filled or filled.get("plan") != state.get("plan"):
        return False
    # Amounts already met are the patient's, not the plan's terms: entering them is no edit of the preset.
    return any(state.get(k) != v for k, v in filled["values"].items() if not k.endswith("_met"))


def follow_met(state: State, own: str) -> None:
    """After the deductible met changes: the out-of-pocket met follows it until the user sets it."""
    if not state.get(f"{own}_own"):
        state[own] = state.get(OWN_MET[own])


# ---------------------------------------------------------------- state -> scenario dict


def active_groups(state: State) -> set[str]:
    """The conditions (`ui.form.Field.group`) under which fields go into the scenario."""
    protocol = course_preset(state["course"]).protocol
    on = {
        "iv": isinstance(protocol, IvKetamine),
        "spravato": isinstance(protocol, Spravato),
        "trd": isinstance(protocol, Spravato) and protocol.indication == "trd",
        "preset_course": not isinstance(protocol, Custom),
        "insured": state["kind"] != "self_pay",
        "package": bool(state.get("pkg_on")),
        "withme": bool(state.get("wm_on")),
        "observation": bool(state.get("obs_on")),
        "accounts": bool(state.get("acct_on")),
        "travel": bool(state.get("trav_on")),
        "time_off": bool(state.get("to_on")),
        "financing": bool(state.get("fin_on")),
    }
    on["oon"] = on["insured"] and (state["network"] == "out" or bool(state.get("oon_on")))
    on["family"] = on["insured"] and bool(state.get("fam_on"))
    on["pharmacy"] = on["insured"] and bool((current_rules(state)["benefit"] == "pharmacy").any())
    return {k for k, v in on.items() if v}


def _fees(state: State) -> list[dict[str, Any]]:
    fees = []
    for row in current_prices(state).to_dict("records"):
        if all(blank(row.get(c)) for c in PRICE_COLUMNS):
            continue
        fees.append(
            {
                # A cell left empty in a new grid row is NaN, which `or ""` would keep (and print as "nan").
                "service": text_cell(row.get("service")).strip(),
                "code": text_cell(row.get("code")),
                "description": text_cell(row.get("description")),
                "charge": F.money(row.get("charge")),
            }
        )
    return fees


def _services(state: State) -> dict[str, Any]:
    services: dict[str, Any] = {}
    for row in current_rules(state).to_dict("records"):
        sid = text_cell(row.get("service")).strip()
        if not sid:
            continue
        services[sid] = {
            "covered": ticked(row.get("covered")),
            "benefit": text_cell(row.get("benefit")) or "medical",
            "copay": None if blank(row.get("copay")) else F.money(row["copay"]),
            "deductible_applies": ticked(row.get("deductible_applies")),
            "allowed": None if blank(row.get("allowed")) else F.money(row["allowed"]),
            "prior_auth": ticked(row.get("prior_auth")),
            "network": None if blank(row.get("network")) else text_cell(row["network"]),
            "oon_allowed": None if blank(row.get("oon_allowed")) else F.money(row["oon_allowed"]),
            "auth_units": None if blank(row.get("auth_units")) else whole_cell(row["auth_units"]),
        }
    return services


def _custom_sessions(state: State) -> list[dict[str, Any]]:
    sessions: dict[tuple[int, str, int], list[dict[str, Any]]] = {}
    for row in custom_rows(current_custom(state)):
        line = {"service": row["service"], "quantity": row["quantity"]}
        sessions.setdefault((row["day"], row["phase"] or "treatment", row["session"] or 1), []).append(line)
    return [{"day": d, "phase": ph, "services": svc} for (d, ph, _), svc in sessions.items()]


def _programs(state: State, active: set[str]) -> list[dict[str, Any]]:
    templates = {t.id: t.program for t in program_templates()}
    counts = not state.get("accum")
    programs = []
    if "withme" in active:
        programs.append(
            templates["withme_medication"].model_dump(mode="json")
            | {"patient_pays_per_session": F.money(state["wm_per"]), "annual_max": F.money(state["wm_max"])}
        )
    if "observation" in active:
        programs.append(
            templates["withme_observation"].model_dump(mode="json") | {"annual_max": F.money(state["obs_max"])}
        )
    for p in programs:
        p["counts_toward_accumulators"] = counts
    return programs + list(state.get("programs_extra") or [])


def scenario_dict(state: State) -> dict[str, Any]:
    """The scenario file (SPEC §4) the current inputs describe; the core validates it."""
    active = active_groups(state)
    protocol = course_preset(state["course"]).protocol
    data: dict[str, Any] = {
        "version": LATEST_VERSION,
        "name": state.get("name") or "",
        "protocol": {"type": protocol.type},
        "fees": _fees(state),
        "coverage": {},
        "patient_state": None,
    }
    if isinstance(protocol, Spravato):
        data["protocol"]["indication"] = protocol.indication
    view = {**state, "fin_amount_on": state.get("fin_base") == "amount"}
    F.fill(data, view, active)
    data["patient_state"] = data.get("patient_state") or None
    cov = data["coverage"]
    if "insured" in active:
        cov["services"] = _services(state)
    if "oon" not in active:
        cov.pop("out_of_network", None)
    if isinstance(protocol, Custom):
        data["protocol"]["sessions"] = _custom_sessions(state)
    packages = data.pop("packages", [])
    packages += list(state.get("packages_extra") or [])
    if packages:
        data["packages"] = packages
    programs = _programs(state, active)
    if programs:
        data["savings_programs"] = programs
    return data


def input_problems(state: State) -> list[tuple[str, str]]:
    """(scenario path, message) for each number field in use left empty: asked for, never read as 0."""
    return F.blank_problems(state, active_groups(state))


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
    data = s.model_dump(mode="json")
    v: dict[str, Any] = F.restored(data, s.start_date)
    v.update(F.section_switch_values(data))
    p = s.protocol
    v.update(course=matching_course(p, s.horizon_weeks), name=s.name, patient_state=s.patient_state or "")
    if isinstance(p, Custom):
        v["custom_base"] = custom_frame_from(p)
        v["extra"] = []
    v["prices_base"] = prices_frame_from(list(s.fees))
    v["packages_extra"] = [x.model_dump(mode="json") for x in s.packages[1:]]
    c = s.coverage
    v["plan"] = "custom_plan"
    v["rules_base"] = rules_frame(dict(c.services) if c.kind != "self_pay" else {}, [f.service for f in s.fees])
    v["rules_details"] = any(
        r.benefit == "pharmacy" or r.allowed is not None or any(getattr(r, f) is not None for f in V2_RULE_FIELDS)
        for r in c.services.values()
    )
    f = s.financing
    v["fin_base"] = "amount" if f is not None and f.amount is not None else "all"
    for own, follows in OWN_MET.items():
        v[f"{own}_own"] = v.get(own) != v.get(follows)
    v.update(_program_switches(s))
    for name in TABLES:
        if f"{name}_base" in v:
            v[f"{name}_saved"] = v[f"{name}_base"]
    return v


def _program_switches(s: Scenario) -> dict[str, Any]:
    """The two standard programs map to their switches (in list order, first); any other program is kept as is."""
    progs = list(s.savings_programs)
    wm = obs = None
    counts = {pr.counts_toward_accumulators for pr in progs}
    if len(counts) <= 1:
        templates = {t.id: t.program for t in program_templates()}

        def is_switch(pr: Any, template_id: str, fields: tuple[str, ...]) -> bool:
            if pr.annual_max is None:
                return False
            same = templates[template_id].model_copy(update={f: getattr(pr, f) for f in fields})
            return same == pr

        fields = ("patient_pays_per_session", "annual_max", "counts_toward_accumulators")
        if progs and is_switch(progs[0], "withme_medication", fields):
            wm = progs.pop(0)
        if progs and is_switch(progs[0], "withme_observation", fields[1:]):
            obs = progs.pop(0)
    v: dict[str, Any] = {
        "wm_on": wm is not None,
        "obs_on": obs is not None,
        "accum": counts == {False},
        "programs_extra": [pr.model_dump(mode="json") for pr in progs],
    }
    if wm:
        v.update(wm_per=float(wm.patient_pays_per_session), wm_max=float(wm.annual_max))
    if obs:
        v.update(obs_max=float(obs.annual_max))
    return v


def restore(state: State, scenario: Scenario) -> None:
    """Put an uploaded scenario into the inputs; editors restart from the restored tables."""
    state.update(state_from_scenario(scenario))
    state.pop(PLAN_FILLED, None)
    state["editor_version"] = state.get("editor_version", 0) + 1


# ---------------------------------------------------------------- the shareable link


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


def state_params(state: State, today: dt.date) -> dict[str, str]:
    """The link's scalar part for the current inputs."""
    return url_params(state, link_baseline(today, str(state.get("course")), str(state.get("plan"))))


@lru_cache(maxsize=32)
def linked_scenario(params: tuple[tuple[str, str], ...], today: dt.date) -> Scenario | None:
    """The scenario a fresh visit to a link with these query parameters would estimate (None if invalid)."""
    state: dict[str, Any] = {}
    init_state(state, today, dict(params))
    try:
        return estimated_scenario(state)[0]
    except (ValueError, TypeError, KeyError):
        return None


def estimated_scenario(state: State) -> tuple[Scenario, Result]:
    """The scenario the inputs describe, validated (raises ScenarioError), and its estimate. A payment plan on
    "what HSA/FSA money leaves" is estimated twice: the first estimate says how much account money is used, the
    second finances the rest. The page and the link check both build it here, so they agree."""
    scenario = scenario_from_data(scenario_dict(state))
    result = estimate(scenario)
    if state.get("fin_base") == "rest" and scenario.financing is not None and result.accounts is not None:
        scenario = finance_after_accounts(scenario, result)
        result = estimate(scenario)
    return scenario, result


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
    params = state_params(state, today)
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

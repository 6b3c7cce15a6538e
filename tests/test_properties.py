"""Property tests (SPEC §6) over generated valid scenarios.

The number of examples comes from the hypothesis profile loaded in conftest.py (CI: 500, locally 100).

Note on money conservation: SPEC §4.4 writes `charge = plan_pays + program_pays + patient_pays - balance_bill +
write_off`. With a balance bill that identity cannot hold together with the rest of §4.4: the balance bill is
part of `patient_pays` (`patient_pays = share - program_pays + balance_bill`) and `allowed = charge -
balance_bill` out of network, so the right-hand side equals the *allowed* amount, not the charge (worked case
03: charge 200 = plan 84 + patient 116, balance bill 80). The properties therefore check the identity in the
form that holds on every line — `allowed = plan + program + patient - balance_bill` and `charge = plan +
program + patient + write_off` (with `charge = allowed + write_off + balance_bill`) — and the SPEC's form
verbatim on every line without a balance bill.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import json
import random
from decimal import Decimal
from typing import Any

from hypothesis import assume, given, note
from hypothesis import strategies as st

from estimator.adjudication import plan_year_of
from estimator.engine import estimate
from estimator.reference import us_states
from estimator.result import result_to_json
from estimator.scenario_io import scenario_from_data, scenario_from_json

D = Decimal
AMOUNTS = (
    "charge",
    "allowed",
    "write_off",
    "balance_bill",
    "deductible",
    "coinsurance",
    "copay",
    "plan_pays",
    "program_pays",
    "patient_pays",
)
KINDS = ("commercial", "medicare", "medicaid", "self_pay")

# ---------------------------------------------------------------- strategies


# Strategies are built once and reused (building them on every draw made generation the slow part).


def _dollars(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


@functools.cache
def money(lo: int = 0, hi: int = 3000) -> st.SearchStrategy[str]:
    """A money string with two decimals, from `lo` to `hi` dollars."""
    return st.integers(lo * 100, hi * 100).map(_dollars)


_THOUSANDTHS = st.one_of(st.just(0), st.just(1000), st.integers(0, 1000))


def part_of(draw: st.DrawFn, limit: str) -> str:
    """An amount from 0 to `limit` (both ends often), e.g. a `*_met` within its limit."""
    return _dollars(int(D(limit) * 100) * draw(_THOUSANDTHS) // 1000)


@functools.cache
def pct() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(("20", "0", "10", "30", "50", "100")), st.integers(0, 10000).map(_dollars))


@functools.cache
def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


@st.composite
def tiers(draw: st.DrawFn) -> dict[str, Any]:
    deductible = draw(money(0, 5000))
    oop_max = draw(OPT_MONEY_12000)
    tier: dict[str, Any] = {
        "deductible": deductible,
        "deductible_met": part_of(draw, deductible),
        "coinsurance_pct": draw(pct()),
        "oop_max": oop_max,
        "allowed_pct_of_charge": draw(pct()),
    }
    if oop_max is not None:
        tier["oop_met"] = part_of(draw, oop_max)
    return tier


OPT_MONEY_12000 = maybe(money(0, 12000))
TIERS = tiers()
OPT_TIERS = maybe(TIERS)
ONCE = st.lists(st.sampled_from(("consult", "follow_up", "therapy")), max_size=2, unique=True)
PER_SESSION = st.lists(st.sampled_from(("therapy", "follow_up")), max_size=2, unique=True)
BOOSTERS = st.one_of(st.just(0), st.integers(1, 26))
MAX_START = 60  # start_session of a course that goes on for ever (the SPEC allows 300; small keeps runs fast)
STATES = tuple(sorted(us_states()))
# mostly a few states, so a patient's state is often one a program excludes (withMe: MA, MI, MN, RI)
STATE = st.one_of(st.sampled_from(("MA", "MI", "MN", "RI", "NY", "PR")), st.sampled_from(STATES))
EXCLUDED_STATES = st.lists(STATE, max_size=4, unique=True)
NETWORK = st.sampled_from(("in", "out", None))
AUTH_UNITS = st.one_of(st.integers(1, 12), st.integers(1, 999))  # small counts run out within the horizon
CUSTOM_SESSIONS = st.lists(
    st.fixed_dictionaries(
        {
            "day": st.integers(0, 400),
            "phase": st.sampled_from(("treatment", "im", "kap")),
            "services": st.lists(
                st.fixed_dictionaries(
                    {
                        "service": st.sampled_from(("im_ketamine", "therapy", "kap_session", "spravato_drug")),
                        "quantity": st.integers(1, 4),
                    }
                ),
                min_size=1,
                max_size=3,
            ),
        }
    ),
    max_size=12,
)


@st.composite
def protocols(draw: st.DrawFn, v2: bool = False) -> dict[str, Any]:
    """A protocol; with `v2` an IV or SPRAVATO course may start part-way through (SPEC §4.9 start_session)."""
    kind = draw(st.sampled_from(("iv_ketamine", "spravato", "custom")))
    once = draw(ONCE)
    per_session = draw(PER_SESSION)
    if kind == "iv_ketamine":
        protocol: dict[str, Any] = {
            "type": kind,
            "induction_infusions": draw(st.integers(1, 12)),
            "induction_weeks": draw(st.integers(1, 8)),
            "booster_every_weeks": draw(BOOSTERS),
            "once": once,
            "per_session": per_session,
        }
        # with no boosters the course has induction_infusions sessions, and can only start at one of them
        last = protocol["induction_infusions"] if protocol["booster_every_weeks"] == 0 else MAX_START
    elif kind == "spravato":
        protocol = {
            "type": kind,
            "indication": draw(st.sampled_from(("trd", "mdsi"))),
            "dose_mg": draw(st.sampled_from((56, 84))),
            "week9_every_weeks": draw(st.sampled_from((1, 2))),
            "once": once,
            "per_session": per_session,
        }
        last = 8 if protocol["indication"] == "mdsi" else MAX_START  # mdsi: the 8 induction sessions only
    else:
        return {"type": kind, "sessions": draw(CUSTOM_SESSIONS), "once": once}
    if v2 and draw(st.integers(0, 2)) > 0:
        protocol["start_session"] = draw(st.one_of(st.just(1), st.just(last), st.integers(1, last)))
    return protocol


def billed(protocol: dict[str, Any]) -> list[str]:
    """Service ids the protocol bills, in first-billed order (mirrors SPEC §4.1)."""
    ids = list(protocol["once"])
    if protocol["type"] == "iv_ketamine":
        ids += ["iv_infusion", *protocol["per_session"]]
    elif protocol["type"] == "spravato":
        ids += ["spravato_drug", "spravato_observation", *protocol["per_session"]]
    else:
        ids += [sq["service"] for s in protocol["sessions"] for sq in s["services"]]
    return list(dict.fromkeys(ids))


@st.composite
def scenarios(draw: st.DrawFn, program_counts: bool | None = None, v2: bool = True) -> dict[str, Any]:
    """A valid scenario dict. `program_counts` fixes every program's counts_toward_accumulators (None: random).

    With `v2` (the default) a version 2 scenario that uses the SPEC §4.9 fields often: a course's start_session,
    a rule's network (the tier it names may be null: that service is then not covered), oon_allowed and auth_units,
    the patient's state and programs' excluded_states. Without it a plain version 1 scenario with none of them.
    """
    protocol = draw(protocols(v2))
    services = billed(protocol)
    start = draw(st.dates(dt.date(2025, 1, 1), dt.date(2027, 12, 31)))
    horizon = draw(st.one_of(st.integers(1, 30), st.integers(1, 156)))

    fee_ids = services + draw(st.lists(st.sampled_from(("extra_service", "lab_panel")), max_size=1))
    fees = [
        {"service": s, "code": draw(st.sampled_from(("", "96365", "J0013", "99215+99415"))), "charge": draw(money())}
        for s in fee_ids
    ]
    packages = []
    if services:
        for s in draw(st.lists(st.sampled_from(services), max_size=2, unique=True)):
            packages.append({"service": s, "sessions": draw(st.integers(2, 10)), "price": draw(money(0, 8000))})

    kind = draw(st.sampled_from(("commercial", "commercial", *KINDS)))
    network = draw(st.sampled_from(("in", "out")))
    in_tier = draw(OPT_TIERS)
    out_tier = draw(OPT_TIERS)
    if kind != "self_pay" and network == "in" and in_tier is None:
        in_tier = draw(TIERS)
    if kind != "self_pay" and network == "out" and out_tier is None:
        out_tier = draw(TIERS)
    coverage: dict[str, Any] = {
        "kind": kind,
        "network": network,
        "plan_year_start": draw(st.sampled_from(("01-01", "07-01", "03-15", "10-01", "12-31", "02-28"))),
        "in_network": in_tier,
        "out_of_network": out_tier,
    }
    pharmacy = None
    if draw(st.booleans()):
        ph_ded = draw(money(0, 2000))
        pharmacy = {
            "deductible": ph_ded,
            "deductible_met": part_of(draw, ph_ded),
            "integrated_deductible": in_tier is not None and draw(st.booleans()),
            "coinsurance_pct": draw(pct()),
            "copay": draw(maybe(money(0, 200))),
            "max_per_fill": draw(maybe(money(0, 500))),
        }
        coverage["pharmacy"] = pharmacy
    if draw(st.booleans()):
        fam_ded = draw(money(0, 8000))
        fam_oop = draw(maybe(money(0, 20000)))
        family: dict[str, Any] = {
            "type": draw(st.sampled_from(("embedded", "aggregate"))),
            "deductible": fam_ded,
            "deductible_met": part_of(draw, fam_ded),
            "oop_max": fam_oop,
        }
        if fam_oop is not None:
            family["oop_met"] = part_of(draw, fam_oop)
        coverage["family"] = family
    rules: dict[str, Any] = {}
    for s in services:
        if draw(st.integers(0, 7)) == 7:
            continue  # no rule: no_coverage_info, not covered
        rule: dict[str, Any] = {"covered": draw(st.integers(0, 7)) < 7}
        if pharmacy is not None and draw(st.booleans()):
            rule["benefit"] = "pharmacy"
        if draw(st.booleans()):
            rule["copay"] = draw(money(0, 300))
        rule["deductible_applies"] = draw(st.booleans())
        if draw(st.booleans()):
            rule["allowed"] = draw(money(0, 2000))
        rule["prior_auth"] = draw(st.booleans())
        if v2:
            if rule.get("benefit") != "pharmacy" and draw(st.booleans()):
                rule["network"] = draw(NETWORK)  # pharmacy lines are always in network: no network on them
            if draw(st.integers(0, 2)) == 0:
                rule["oon_allowed"] = draw(maybe(money(0, 2000)))
            if rule["prior_auth"] and draw(st.booleans()):
                rule["auth_units"] = draw(AUTH_UNITS)
        rules[s] = rule
    coverage["services"] = rules
    if draw(st.booleans()):
        coverage["prior_auth_until"] = (start + dt.timedelta(days=draw(st.integers(-30, 400)))).isoformat()

    programs = []
    if services:
        for _ in range(draw(st.sampled_from((1, 0, 2)))):
            programs.append(
                {
                    "name": draw(st.sampled_from(("withMe", "Clinic fund", "Copay card"))),
                    "services": draw(st.lists(st.sampled_from(services), min_size=1, max_size=3, unique=True)),
                    "patient_pays_per_session": draw(money(0, 100)),
                    "annual_max": draw(maybe(money(0, 10000))),
                    "eligible_kinds": draw(
                        st.one_of(
                            st.just([kind]),
                            st.lists(st.sampled_from(KINDS), min_size=1, max_size=4, unique=True),
                        )
                    ),
                    "counts_toward_accumulators": draw(st.booleans()) if program_counts is None else program_counts,
                }
            )
            if v2 and draw(st.booleans()):
                programs[-1]["excluded_states"] = draw(EXCLUDED_STATES)

    data: dict[str, Any] = {
        "version": 2 if v2 else 1,
        "name": "generated",
        "start_date": start.isoformat(),
        "horizon_weeks": horizon,
        "protocol": protocol,
        "fees": fees,
        "packages": packages,
        "coverage": coverage,
        "savings_programs": programs,
    }
    if v2 and draw(st.integers(0, 3)) > 0:
        data["patient_state"] = draw(maybe(STATE))
    if draw(st.booleans()):
        data["accounts"] = {
            "fsa_available": draw(money(0, 3300)),
            "fsa_next_years": draw(money(0, 4000)),
            "hsa_available": draw(money(0, 9000)),
            "federal_rate_pct": draw(st.sampled_from(("0", "10", "12", "22", "24", "32", "37"))),
            "state_rate_pct": draw(st.integers(0, 1500).map(lambda c: f"{c // 100}.{c % 100:02d}")),
            "payroll": draw(st.booleans()),
        }
    if draw(st.booleans()):
        data["travel"] = {
            "round_trip_miles": draw(st.integers(0, 2000).map(lambda t: str(D(t) / 10))),
            "mileage_rate": draw(maybe(money(0, 1))),
            "parking_per_visit": draw(money(0, 40)),
            "rideshare_per_visit": draw(money(0, 80)),
        }
    if draw(st.booleans()):
        data["time_off"] = {
            "hours_per_visit": draw(st.sampled_from(("0", "1.5", "3", "8"))),
            "hourly_wage": draw(money(0, 120)),
        }
    if draw(st.booleans()):
        data["financing"] = {
            "apr_pct": draw(st.one_of(st.just("0"), pct())),
            "months": draw(st.integers(1, 120)),
            "amount": draw(maybe(money(0, 50000))),
        }
    return data


def run(data: dict[str, Any]) -> dict[str, Any]:
    return result_to_json(estimate(scenario_from_data(data)))


def lines(res: dict[str, Any]) -> list[dict[str, Any]]:
    return [ln for s in res["sessions"] for ln in s["lines"]]


def amounts(line: dict[str, Any]) -> dict[str, Decimal]:
    return {k: D(line[k]) for k in AMOUNTS}


def share(v: dict[str, Decimal]) -> Decimal:
    return v["deductible"] + v["copay"] + v["coinsurance"]


# ---------------------------------------------------------------- (a) money conservation


@given(scenarios())
def test_money_is_conserved_on_every_line(data: dict[str, Any]) -> None:
    res = run(data)
    for ln in lines(res):
        v = amounts(ln)
        note(str(ln))
        assert all(x >= 0 for x in v.values()), ln
        assert all(D(ln[k]).as_tuple().exponent == -2 for k in AMOUNTS), ln  # cents, written "x.yy"
        paid = v["plan_pays"] + v["program_pays"] + v["patient_pays"]
        assert v["charge"] == v["allowed"] + v["write_off"] + v["balance_bill"]
        assert v["allowed"] == paid - v["balance_bill"]
        assert v["charge"] == paid + v["write_off"]
        if v["balance_bill"] == 0:  # SPEC §4.4 verbatim
            assert (
                v["charge"]
                == v["plan_pays"] + v["program_pays"] + v["patient_pays"] - v["balance_bill"] + v["write_off"]
            )
        if ln["covered"]:
            assert v["patient_pays"] == share(v) - v["program_pays"] + v["balance_bill"]
            assert v["program_pays"] <= share(v) <= v["allowed"]
            assert v["plan_pays"] == v["allowed"] - share(v)
        else:
            assert v["allowed"] == v["charge"] == v["patient_pays"]
            assert all(v[k] == 0 for k in AMOUNTS if k not in ("charge", "allowed", "patient_pays")), ln

    # the totals are the exact sums of the lines
    t = res["totals"]
    all_v = [amounts(ln) for ln in lines(res)]
    for total_key, line_key in (
        ("charges", "charge"),
        ("plan_pays", "plan_pays"),
        ("program_pays", "program_pays"),
        ("patient_pays", "patient_pays"),
        ("balance_bill", "balance_bill"),
        ("write_off", "write_off"),
    ):
        assert D(t[total_key]) == sum((v[line_key] for v in all_v), D(0)), total_key
    not_covered = sum((D(ln["patient_pays"]) for ln in lines(res) if not ln["covered"]), D(0))
    assert D(t["not_covered"]) == not_covered
    assert sum((D(y["patient_pays"]) for y in res["by_plan_year"]), D(0)) == D(t["patient_pays"])
    assert sum((D(p["patient_pays"]) for p in res["by_phase"].values()), D(0)) == D(t["patient_pays"])
    assert t["visits"] == len({s["date"] for s in res["sessions"]})
    assert t["sessions"] == sum(1 for s in res["sessions"] if s["phase"] != "evaluation")
    keys = [(w["code"], w["date"]) for w in res["warnings"]]
    assert len(keys) == len(set(keys))  # a code at most once per date


# ---------------------------------------------------------------- (b) the OOP maximum


def _tier_of(line: dict[str, Any], data: dict[str, Any]) -> str:
    """The tier a covered line is adjudicated in (SPEC §4.9): the pharmacy benefit always in network, a medical line
    its rule's network, or coverage.network when that is null. The result line says it too, and must agree."""
    rule = data["coverage"]["services"].get(line["service"], {})
    if rule.get("benefit") == "pharmacy":
        return "in"
    return rule.get("network") or data["coverage"]["network"]


@given(scenarios(program_counts=True))
def test_patient_share_within_a_plan_year_never_exceeds_the_oop_maximum(data: dict[str, Any]) -> None:
    res = run(data)
    cov = data["coverage"]
    month, mday = (int(x) for x in cov["plan_year_start"].split("-"))
    first_year = plan_year_of(dt.date.fromisoformat(data["start_date"]), month, mday).isoformat()

    def limit(block: dict[str, Any] | None, year: str) -> Decimal | None:
        if block is None or block.get("oop_max") is None:
            return None
        met = D(block.get("oop_met", "0")) if year == first_year else D(0)
        return D(block["oop_max"]) - met

    by_year: dict[str, dict[str, Decimal]] = {}
    for ln in lines(res):
        if not ln["covered"]:
            continue
        tier = ln["network"]
        assert tier == _tier_of(ln, data), ln
        year = by_year.setdefault(ln["plan_year"], {"in": D(0), "out": D(0)})
        year[tier] += share(amounts(ln))
    for year, sums in by_year.items():
        for tier, block in (("in", cov.get("in_network")), ("out", cov.get("out_of_network"))):
            cap = limit(block, year)
            if cap is not None:
                assert sums[tier] <= cap, (year, tier, sums[tier], cap)
        # Family limits apply to the in-network tier only; with no in-network tier there is no cap at all,
        # pharmacy lines included (SPEC §4.4 step 6: "none if in_network is null").
        fam_cap = limit(cov.get("family"), year) if cov.get("in_network") is not None else None
        if fam_cap is not None:
            assert sums["in"] <= fam_cap, (year, "family", sums["in"], fam_cap)
    # and a plan year marked as having reached the OOP maximum really spent it (network tier, family included);
    # `oop_reached_on` follows coverage.network also when some services use the other tier (SPEC §4.9)
    for year in res["by_plan_year"]:
        if year["oop_reached_on"] is not None:
            tier_key = cov["network"]
            caps = [limit(cov.get("in_network" if tier_key == "in" else "out_of_network"), year["plan_year"])]
            if tier_key == "in":
                caps.append(limit(cov.get("family"), year["plan_year"]))
            spent = by_year[year["plan_year"]][tier_key]
            assert any(c is not None and spent >= c for c in caps), (year, spent, caps)


# ---------------------------------------------------------------- (c) monotone in the charges


@given(scenarios(program_counts=False), st.data())
def test_raising_a_fee_never_lowers_what_the_patient_pays(data: dict[str, Any], extra: st.DataObject) -> None:
    """Programs here are copay-accumulator ones (counts_toward_accumulators false).

    A program that counts toward the accumulators can pay a line's deductible for the patient and so leave less
    deductible for later lines; raising that line's charge then lowers the patient's total (SPEC §4.4 step 9,
    shown in test_rules.test_program_paid_deductible_lowers_later_lines_per_spec), so the invariant of SPEC §6
    only holds without them.
    """
    assume(data["fees"])
    index = extra.draw(st.integers(0, len(data["fees"]) - 1), label="fee")
    raise_by = extra.draw(st.integers(1, 200_000), label="cents")
    higher = copy.deepcopy(data)
    fee = higher["fees"][index]
    fee["charge"] = str(D(fee["charge"]) + D(raise_by) / 100)
    before = D(run(data)["totals"]["patient_pays"])
    after = D(run(higher)["totals"]["patient_pays"])
    assert after >= before, (fee["service"], before, after)


@given(scenarios(program_counts=False), st.data())
def test_raising_a_package_price_never_lowers_what_the_patient_pays(data: dict[str, Any], extra: st.DataObject) -> None:
    assume(data["fees"])
    if not data["packages"]:
        service = extra.draw(st.sampled_from([f["service"] for f in data["fees"]]), label="package service")
        data["packages"] = [{"service": service, "sessions": extra.draw(st.integers(2, 10)), "price": "1000.00"}]
    index = extra.draw(st.integers(0, len(data["packages"]) - 1), label="package")
    higher = copy.deepcopy(data)
    pkg = higher["packages"][index]
    # A raise of a multiple of `sessions` cents raises every line's share by the same whole cents. Any other
    # raise can move the remainder cent between lines (4.24 over 5 = 0.84 x 4 + 0.88; 4.25 = 0.85 x 5), so one
    # line's charge falls while the package rises, and the SPEC's rounding may then lower the total by a cent.
    steps = extra.draw(st.integers(1, 100_000 // pkg["sessions"] + 1), label="cents per session")
    pkg["price"] = str(D(pkg["price"]) + D(steps * pkg["sessions"]) / 100)
    assert D(run(higher)["totals"]["patient_pays"]) >= D(run(data)["totals"]["patient_pays"])


# ---------------------------------------------------------------- (d) programs never raise what the patient pays


@given(scenarios())
def test_savings_programs_never_raise_what_the_patient_pays(data: dict[str, Any]) -> None:
    with_programs = run(data)
    without = copy.deepcopy(data)
    without["savings_programs"] = []
    bare = run(without)
    assert D(with_programs["totals"]["patient_pays"]) <= D(bare["totals"]["patient_pays"])
    # the plan's payments do not depend on a program that counts toward the accumulators
    if all(p["counts_toward_accumulators"] for p in data["savings_programs"]):
        assert with_programs["totals"]["plan_pays"] == bare["totals"]["plan_pays"]
        saved = D(bare["totals"]["patient_pays"]) - D(with_programs["totals"]["patient_pays"])
        assert saved == D(with_programs["totals"]["program_pays"])


# ---------------------------------------------------------------- (e) key order does not matter


def _shuffled(value: Any, rng: random.Random, path: str = "") -> Any:
    """Every JSON object with its keys in a random order; fee and package lists (sets by service) reordered too."""
    if isinstance(value, dict):
        keys = list(value)
        rng.shuffle(keys)
        return {k: _shuffled(value[k], rng, f"{path}.{k}") for k in keys}
    if isinstance(value, list):
        items = [_shuffled(v, rng, path) for v in value]
        if path in (".fees", ".packages"):
            rng.shuffle(items)
        return items
    return value


@given(scenarios(), st.integers(0, 2**32 - 1))
def test_results_do_not_depend_on_key_order(data: dict[str, Any], seed: int) -> None:
    expected = run(data)
    shuffled = _shuffled(data, random.Random(seed))
    note(json.dumps(shuffled))
    assert run(shuffled) == expected
    assert result_to_json(estimate(scenario_from_json(json.dumps(shuffled)))) == expected


# ---------------------------------------------------------------- (f) version 2 (SPEC §4.9)


@given(scenarios(v2=False))
def test_a_version_1_file_read_as_version_2_gives_the_same_result(data: dict[str, Any]) -> None:
    assert data["version"] == 1
    expected = run(data)
    as_v2 = copy.deepcopy(data)
    as_v2["version"] = 2
    assert run(as_v2) == expected
    assert result_to_json(estimate(scenario_from_json(json.dumps(as_v2)))) == expected


@given(scenarios())
def test_a_line_names_its_tier_exactly_when_it_is_covered(data: dict[str, Any]) -> None:
    for ln in lines(run(data)):
        note(str(ln))
        if not ln["covered"]:
            assert ln["network"] is None, ln
            continue
        assert ln["network"] in ("in", "out"), ln
        rule = data["coverage"]["services"][ln["service"]]
        if rule.get("benefit") == "pharmacy":
            assert ln["network"] == "in", ln
        assert ln["network"] == _tier_of(ln, data), ln
        tier = data["coverage"]["in_network" if ln["network"] == "in" else "out_of_network"]
        assert tier is not None or rule.get("benefit") == "pharmacy", ln  # a medical line's tier exists


def _passes_earlier_checks(day: str, service: str, data: dict[str, Any]) -> bool:
    """A line of `service` on `day` passes every check of SPEC §4.4 step 2 that comes before authorized units."""
    cov = data["coverage"]
    rule = cov["services"].get(service)
    if cov["kind"] == "self_pay" or rule is None or not rule["covered"]:
        return False
    until = cov.get("prior_auth_until")
    if rule["prior_auth"] and until is not None and day > until:  # ISO dates compare as strings
        return False
    if rule.get("benefit") == "pharmacy":
        return True
    tier = rule.get("network") or cov["network"]
    return cov["in_network" if tier == "in" else "out_of_network"] is not None


@given(scenarios())
def test_authorized_units_are_never_exceeded(data: dict[str, Any]) -> None:
    res = run(data)
    dated = [(s["date"], ln) for s in res["sessions"] for ln in s["lines"]]  # processing order
    exhausted = {w["date"]: w["message"] for w in res["warnings"] if w["code"] == "prior_auth_units_exhausted"}
    first_short_dates: set[str] = set()
    for service, rule in data["coverage"]["services"].items():
        units = rule.get("auth_units")
        if units is None:
            continue
        own = [(day, ln) for day, ln in dated if ln["service"] == service]
        assert sum(ln["quantity"] for _, ln in own if ln["covered"]) <= units, service
        # a line that passes the earlier checks but is not covered ran out of units: no later line is covered
        short = [
            i for i, (day, ln) in enumerate(own) if not ln["covered"] and _passes_earlier_checks(day, service, data)
        ]
        if short:
            first = short[0]
            assert not any(ln["covered"] for _, ln in own[first:]), service
            day = own[first][0]
            first_short_dates.add(day)
            assert day in exhausted and f"'{service}'" in exhausted[day], (service, day, exhausted)
        # and exactly: units are taken in processing order from the lines that pass the earlier checks
        left = units
        for day, ln in own:
            if not _passes_earlier_checks(day, service, data):
                assert not ln["covered"], ln
                continue
            fits = ln["quantity"] <= left
            left = left - ln["quantity"] if fits else 0
            assert ln["covered"] == fits, (service, day, ln, left)
    assert set(exhausted) == first_short_dates  # the warning is dated each service's first line that did not fit

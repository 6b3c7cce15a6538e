"""The presets from data/ described in words for the Sources page: every figure the preset fills in."""

from __future__ import annotations

from estimator.presets import (
    course_preset,
    describe_coverage,
    describe_program,
    describe_protocol,
    plan_preset,
    program_templates,
)


def test_course_descriptions_name_the_schedule_settings() -> None:
    assert (
        describe_protocol(course_preset("iv6").protocol)
        == "6 infusions over 3 weeks, no boosters; billed once: consult"
    )
    assert "a booster every 4 weeks" in describe_protocol(course_preset("iv6_boosters").protocol)
    assert "84 mg (56 mg at the first session), from week 9 every 2 weeks" in describe_protocol(
        course_preset("spravato_6m").protocol
    )
    assert "day 7 treatment: iv_infusion, therapy" in describe_protocol(course_preset("custom").protocol)


def test_plan_descriptions_give_every_tier_figure_and_service_rule() -> None:
    hdhp = describe_coverage(plan_preset("hdhp_2026").coverage)
    assert "In network: deductible $1,700, coinsurance 20\u00a0%, out-of-pocket max $8,500" in hdhp
    assert (
        "Out of network: deductible $3,400, coinsurance 40\u00a0%, no out-of-pocket max, "
        "allows 60\u00a0% of the charge" in hdhp
    )
    assert "not covered: iv_infusion" in hdhp
    ppo = describe_coverage(plan_preset("ppo_copays").coverage)
    assert "consult: copay $40, no deductible" in ppo and "spravato_drug: prior authorization" in ppo
    assert describe_coverage(plan_preset("self_pay").coverage) == "No insurance: the clinic's price"


def test_program_descriptions_give_the_amounts() -> None:
    medication = next(t for t in program_templates() if t.id == "withme_medication").program
    assert describe_program(medication).startswith(
        "You pay $10 per session for spravato_drug; the program pays up to $7,150 per calendar year"
    )
    no_cap = medication.model_copy(update={"annual_max": None, "counts_toward_accumulators": False})
    assert "no annual maximum" in describe_program(no_cap) and "copay accumulator" in describe_program(no_cap)


def test_reference_amounts_read_with_their_units() -> None:
    from estimator.presets import describe_amount

    assert describe_amount("0.205", "USD per mile") == "$0.205 per mile"  # a rate's third decimal is kept
    assert describe_amount("0.21", "USD per mile") == "$0.21 per mile"
    assert describe_amount("3400", "USD per year") == "$3,400 per year"
    assert describe_amount("202.90", "USD per month") == "$202.90 per month"
    assert describe_amount("400-800", "USD") == "$400–$800"
    assert describe_amount("7.65", "percent") == "7.65\u00a0%"
    assert describe_amount("120", "days") == "120 days"
    assert describe_amount("n/a", "USD") == "n/a USD"  # not a number: shown as written


def test_continuing_course_presets_start_part_way_through() -> None:
    from estimator.schedule import build_calendar

    spravato = course_preset("spravato_continuing")
    assert spravato.label == "SPRAVATO, continuing (week 9 on)"
    cal = build_calendar(spravato.protocol, spravato.horizon_weeks)
    # session 13 is week 9 (day 56 of the course): every 2 weeks from the start date, no evaluation, all 84 mg
    assert [s.day for s in cal.sessions][:3] == [0, 14, 28]
    assert {s.phase for s in cal.sessions} == {"continuation"}
    assert {s.lines[0] for s in cal.sessions} == {("spravato_drug", 3)}
    assert describe_protocol(spravato.protocol).endswith("84 mg, from week 9 every 2 weeks; starting at session 13")
    iv = course_preset("iv_boosters_continuing")
    assert iv.label == "IV boosters, continuing"
    cal = build_calendar(iv.protocol, iv.horizon_weeks)
    assert [s.day for s in cal.sessions][:3] == [0, 28, 56] and {s.phase for s in cal.sessions} == {"maintenance"}
    assert cal.first_cut_day is None


def test_medicare_spravato_allowed_amounts_give_the_midpoint_of_each_g_code() -> None:
    """Secondary sources disagree on the 2026 G2082/G2083 rates: the presets' per-device and per-visit allowed
    amounts reproduce the midpoint of each published pair at 56 mg (2 devices) and 84 mg (3 devices)."""
    from decimal import Decimal

    from estimator.reference import reference

    def midpoint(pid: str) -> Decimal:
        low, high = (Decimal(x) for x in reference().param(pid).for_year(2026)[0].value.split("-"))
        return (low + high) / 2

    for preset_id in ("medicare_b_2026", "medicare_medigap_g"):
        services = plan_preset(preset_id).coverage.services
        device, visit = services["spravato_drug"].allowed, services["spravato_observation"].allowed
        assert device is not None and visit is not None
        assert 2 * device + visit == midpoint("medicare_g2082") == Decimal("929.55")
        assert 3 * device + visit == midpoint("medicare_g2083") == Decimal("1322.95")
        assert "$906.51 or $952.59" in plan_preset(preset_id).source


def test_every_coverage_kind_has_a_default_plan_preset_of_that_kind() -> None:
    from estimator.presets import default_plan_for_kind

    defaults = default_plan_for_kind()
    assert set(defaults) == {"self_pay", "commercial", "medicare", "medicaid"}
    assert all(p.coverage.kind == kind for kind, p in defaults.items())
    assert defaults["commercial"].coverage.services["iv_infusion"].covered is False


def test_the_observation_rebate_names_the_states_it_excludes() -> None:
    rebate = next(t for t in program_templates() if t.id == "withme_observation").program
    assert rebate.excluded_states == ["MA", "MI", "MN", "RI"]
    assert describe_program(rebate).endswith(
        "not valid for residents of Massachusetts, Michigan, Minnesota and Rhode Island"
    )

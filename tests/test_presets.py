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

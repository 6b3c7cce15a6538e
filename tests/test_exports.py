"""Exports and chart data are pure functions of a result: schedule CSV, calendar .ics, timeline views."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from icalendar import Calendar

from estimator import estimate
from estimator.documents.exports import SCHEDULE_COLUMNS, csv_safe, schedule_csv, sessions_ics
from estimator.result import Result
from estimator.scenario_io import scenario_from_data
from estimator.timeline import average_per_session, cumulative_points, monthly_by_payer, session_rows


def _scenario(**over: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "version": 1,
        "start_date": "2026-12-07",
        "horizon_weeks": 8,
        "protocol": {"type": "iv_ketamine", "per_session": ["therapy"]},
        "fees": [
            {"service": "consult", "code": "99205", "description": '=HYPERLINK("http://x")', "charge": "350"},
            {"service": "iv_infusion", "code": "+96365", "description": "@SUM(A1)", "charge": "550"},
            {"service": "therapy", "code": "-90837", "description": "\tTab start", "charge": "180"},
        ],
        "coverage": {
            "kind": "commercial",
            "in_network": {"deductible": "500", "coinsurance_pct": "20", "oop_max": "1500"},
            "services": {"iv_infusion": {"covered": True}, "therapy": {"covered": True, "copay": "30"}},
            "notes": "Patient Jane Doe, DOB 1980-01-01",
        },
    }
    data.update(over)
    return data


def _result(**over: Any) -> Result:
    return estimate(scenario_from_data(_scenario(**over)))


def test_csv_safe_neutralizes_every_formula_start() -> None:
    for bad in ("=1+1", "+1", "-1", "@A1", "\tx"):
        assert csv_safe(bad) == "'" + bad
    assert csv_safe("\rx") == "' x"  # neutralized, and the line break inside a cell becomes a space (issue 16)
    assert csv_safe("plain text") == "plain text"
    assert csv_safe(None) == ""


def test_schedule_csv_rows_totals_and_injection_safety() -> None:
    result = _result()
    rows = list(csv.DictReader(io.StringIO(schedule_csv(result))))
    assert list(rows[0]) == SCHEDULE_COLUMNS
    assert len(rows) == sum(len(s.lines) for s in result.sessions)
    assert rows[0]["code"] == "99205" and rows[1]["code"] == "'+96365" and rows[2]["code"] == "'-90837"
    assert sum(Decimal(r["you_pay"]) for r in rows) == result.totals.patient_pays
    assert Decimal(rows[-1]["running_total_you_pay"]) == result.totals.patient_pays
    assert sum(Decimal(r["insurance_pays"]) for r in rows) == result.totals.plan_pays
    for row in rows:  # no text cell can start a formula
        assert not any(str(v).startswith(("=", "+", "-", "@", "\t", "\r")) for v in row.values())
    # the tier each covered line used, blank where a line is not covered (SPEC §4.9 line network): the consult
    # has no coverage rule; infusions and therapy are covered in network
    assert [(r["service"], r["network"]) for r in rows[:3]] == [
        ("consult", ""),
        ("iv_infusion", "in network"),
        ("therapy", "in network"),
    ]
    services = {"iv_infusion": {"covered": True}, "therapy": {"covered": True, "network": "out"}}
    oon = {"deductible": "0", "coinsurance_pct": "40"}
    coverage = _scenario()["coverage"] | {"services": services, "out_of_network": oon}
    split = list(csv.DictReader(io.StringIO(schedule_csv(_result(version=2, coverage=coverage)))))
    assert {r["service"]: r["network"] for r in split} == {
        "consult": "",
        "iv_infusion": "in network",
        "therapy": "out of network",
    }


def test_ics_has_one_event_per_visit_and_no_patient_details() -> None:
    result = _result()
    ics = sessions_ics(result, clinic_name="Calm Clinic", now=dt.datetime(2026, 11, 23, tzinfo=dt.UTC))
    cal = Calendar.from_ical(ics)
    events = [c for c in cal.walk() if c.name == "VEVENT"]
    visit_days = sorted({s.date for s in result.sessions})
    assert [e.decoded("dtstart") for e in events] == visit_days
    assert all("Calm Clinic" in str(e.get("summary")) for e in events)
    text = ics.decode()
    assert "Jane" not in text and "1980" not in text


def test_cumulative_points_reset_with_the_plan_year() -> None:
    result = _result(
        start_date="2026-12-07", horizon_weeks=26, protocol={"type": "iv_ketamine", "booster_every_weeks": 4}
    )
    points = cumulative_points(result)
    assert points[-1].cumulative == result.totals.patient_pays
    years = [py.plan_year for py in result.by_plan_year]
    assert len(years) == 2
    first_2027 = next(p for p in points if p.plan_year == years[1])
    assert first_2027.cumulative_in_plan_year == first_2027.you_pay  # starts again from zero
    for py in result.by_plan_year:
        last = [p for p in points if p.plan_year == py.plan_year][-1]
        assert last.cumulative_in_plan_year == py.patient_pays


def test_monthly_shares_add_up_to_the_totals() -> None:
    result = _result(horizon_weeks=12, protocol={"type": "iv_ketamine", "booster_every_weeks": 4})
    shares = monthly_by_payer(result)
    by_payer: dict[str, Decimal] = {}
    for s in shares:
        by_payer[s.payer] = by_payer.get(s.payer, Decimal(0)) + s.amount
    assert by_payer["You"] == result.totals.patient_pays
    assert by_payer["Insurance"] == result.totals.plan_pays
    assert by_payer["Savings program"] == result.totals.program_pays
    assert sorted({s.month for s in shares}) == ["2026-12", "2027-01", "2027-02"]


def test_session_rows_and_average() -> None:
    result = _result()
    rows = session_rows(result)
    assert len(rows) == len(result.sessions)
    assert rows[-1].running_total == result.totals.patient_pays
    assert rows[1].services == "iv_infusion, therapy"
    avg = average_per_session(result)
    assert avg == (result.totals.patient_pays / result.totals.sessions).quantize(Decimal("0.01"), ROUND_HALF_UP)


def test_session_rows_name_services_for_people_and_names_are_told_apart() -> None:
    from estimator.presets import example_prices
    from estimator.wording import service_name, service_names

    fees = [f.model_dump(mode="json", exclude={"source"}) for f in example_prices().fees]
    scenario = scenario_from_data(
        _scenario(protocol={"type": "spravato", "dose_mg": 84, "per_session": ["therapy"]}, fees=fees)
    )
    rows = session_rows(estimate(scenario), scenario)
    # a description may hold a comma, so names are joined by semicolons; the quantity follows the name
    assert rows[1].services == "SPRAVATO 28 mg device × 2; Administration and 2-hour observation; " + (
        "Integration psychotherapy, 60 min"
    )
    assert session_rows(estimate(scenario))[1].services == "spravato_drug x2, spravato_observation, therapy"
    assert service_name("consult") == "Consultation" and service_name("ketamine_im") == "Ketamine im"
    assert service_name("consult", "  Evaluation\tvisit ") == "Evaluation visit"
    named = service_names([("follow_up", "Visit"), ("consult", "Visit"), ("therapy", "")])
    assert named == {"follow_up": "Visit (follow_up)", "consult": "Visit (consult)", "therapy": "Psychotherapy"}


def test_monthly_shares_keep_months_without_a_visit() -> None:
    """Boosters every 10 weeks leave whole months without a visit; the chart's month axis keeps them."""
    result = _result(horizon_weeks=30, protocol={"type": "iv_ketamine", "booster_every_weeks": 10})
    months = list(dict.fromkeys(s.month for s in monthly_by_payer(result)))
    visited = {s.date.strftime("%Y-%m") for s in result.sessions}
    first, last = result.sessions[0].date, result.sessions[-1].date
    expected = []
    day = first.replace(day=1)
    while day <= last:
        expected.append(day.strftime("%Y-%m"))
        day = dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)
    assert months == expected and set(months) > visited  # every month, in order, some without a visit
    empty = [s for s in monthly_by_payer(result) if s.month not in visited]
    assert empty and all(s.amount == 0 for s in empty)

"""Plan-year rollover (issue 19): which session a course is at on a day (pure), and the re-quote of 50 generated
patients mid-course on SQLite and PostgreSQL, each new version equal to a single estimate of its scenario."""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import subprocess
import sys
from decimal import Decimal

from estimator.engine import estimate
from estimator.rollover import SessionAt, reset_accumulators, rollover_scenario, session_on_or_after
from estimator.scenario_io import scenario_from_data
from tests.clinic_backends import db_url, pg_server  # noqa: F401 - fixtures
from tests.conftest import ROOT
from tests.records_helpers import CLINIC, FEES, mid_course, open_clinic

START = dt.date(2026, 3, 2)
NEW_YEAR = dt.date(2027, 1, 1)


def _scenario(protocol: dict[str, object], **extra: object) -> object:
    data = {
        "version": 2,
        "start_date": START.isoformat(),
        "protocol": protocol,
        "fees": [*FEES, {"service": "ketamine_im", "charge": "200"}],
        "coverage": {"kind": "self_pay"},
    }
    return scenario_from_data(data | extra)


def _day(n: int) -> dt.date:
    return START + dt.timedelta(days=n)


# ---------------------------------------------------------------- which session on a day (pure)


def test_the_session_a_course_is_at_follows_the_protocols_numbering() -> None:
    spravato = _scenario({"type": "spravato"})  # days 0 3 7 10 14 17 21 24 28 35 42 49 56 70 84 ...
    assert session_on_or_after(spravato, _day(-5)) == SessionAt(1, START)  # not begun: session 1 on its day
    assert session_on_or_after(spravato, _day(8)) == SessionAt(4, _day(10))
    assert session_on_or_after(spravato, _day(10)) == SessionAt(4, _day(10))  # a session on the day itself
    assert session_on_or_after(spravato, _day(57)) == SessionAt(14, _day(70))  # week 9 on: every 2 weeks
    assert session_on_or_after(spravato, _day(1000)) == SessionAt(81, _day(1008))  # 13 + (1008 - 56) / 14: goes on
    # A scenario already starting at session 5 (day 14 of the course) has it on its start date.
    under_way = _scenario({"type": "spravato", "start_session": 5})
    assert session_on_or_after(under_way, _day(10)) == SessionAt(8, _day(10))  # session 8: course day 24
    iv = _scenario({"type": "iv_ketamine", "booster_every_weeks": 4})  # 0 3 7 10 14 17, boosters 45 73 ...
    assert session_on_or_after(iv, _day(20)) == SessionAt(7, _day(45))
    assert session_on_or_after(_scenario({"type": "iv_ketamine"}), _day(18)) is None  # six infusions: over
    mdsi = _scenario({"type": "spravato", "indication": "mdsi"})
    assert session_on_or_after(mdsi, _day(24)) == SessionAt(8, _day(24))
    assert session_on_or_after(mdsi, _day(25)) is None
    custom = {"type": "custom", "sessions": [{"day": d, "services": [{"service": "ketamine_im"}]} for d in (30, 0, 7)]}
    assert session_on_or_after(_scenario(custom), _day(8)) == SessionAt(3, _day(30))  # in day order


def test_the_re_quote_starts_at_that_session_with_nothing_met() -> None:
    commercial = {
        "kind": "commercial",
        "in_network": {
            "deductible": 1000,
            "deductible_met": 400,
            "coinsurance_pct": 20,
            "oop_max": 5000,
            "oop_met": 900,
        },
        "out_of_network": {"deductible": 2000, "deductible_met": 100, "oop_max": 9000, "oop_met": 50},
        "pharmacy": {"deductible": 300, "deductible_met": 300},
        "family": {"type": "aggregate", "deductible": 3000, "deductible_met": 1200, "oop_max": 9000, "oop_met": 800},
        "services": {"spravato_drug": {"covered": True, "benefit": "pharmacy"}},
    }
    packages = [{"service": "therapy", "sessions": 10, "price": "1500"}]
    old = _scenario({"type": "spravato", "per_session": ["therapy"]}, coverage=commercial, packages=packages)
    new = rollover_scenario(old, _day(57))
    assert new is not None and new.version == 2
    assert (new.start_date, new.protocol.start_session, new.protocol.once) == (_day(70), 14, [])  # type: ignore[union-attr]
    assert new.packages == [] and new.horizon_weeks == old.horizon_weeks and new.fees == old.fees
    c = new.coverage
    met = [c.in_network.deductible_met, c.in_network.oop_met, c.out_of_network.deductible_met]  # type: ignore[union-attr]
    met += [c.out_of_network.oop_met, c.pharmacy.deductible_met, c.family.deductible_met, c.family.oop_met]  # type: ignore[union-attr]
    assert met == [Decimal("0.00")] * 7
    assert c.in_network.deductible == 1000 and c == reset_accumulators(old.coverage)  # type: ignore[union-attr]
    assert rollover_scenario(old, _day(57), horizon_weeks=52).horizon_weeks == 52  # type: ignore[union-attr]
    not_begun = rollover_scenario(old, _day(-3))
    assert not_begun is not None and not_begun.start_date == START and not_begun.protocol == old.protocol
    assert not_begun.packages == old.packages
    custom = {
        "type": "custom",
        "sessions": [{"day": d, "services": [{"service": "ketamine_im"}]} for d in (0, 7, 30, 44)],
    }
    rebased = rollover_scenario(_scenario(custom, horizon_weeks=52), _day(8))
    assert rebased is not None and rebased.start_date == _day(30)
    assert [s.day for s in rebased.protocol.sessions] == [0, 14]  # type: ignore[union-attr]


# ---------------------------------------------------------------- the re-quote of a clinic's patients


def test_rollover_of_50_patients_mid_course_equals_single_estimates(db_url: str) -> None:  # noqa: F811
    c = open_clinic(db_url)
    rng = random.Random(19)
    old: dict[int, object] = {}
    for i in range(50):
        details = {"reference": f"R{i:03d}", "name": f"Patient {i}", "date_of_birth": "1980-01-01"}
        patient = c.records.patients.create(c.counselor, CLINIC, details)
        scenario = mid_course(rng, i)
        c.records.quotes.save(c.counselor, patient.id, scenario)
        old[patient.id] = c.records.quotes.save(
            c.counselor, patient.id, scenario.model_copy(update={"name": "v2"}), quote_number=1, expected_version=1
        )
    finished = c.records.patients.create(
        c.counselor, CLINIC, {"reference": "=cmd|'/c calc'!A1", "name": "X Y", "date_of_birth": "1990-01-01"}
    )
    six = scenario_from_data(
        {
            "version": 1,
            "start_date": "2026-05-04",
            "protocol": {"type": "iv_ketamine"},
            "fees": FEES,
            "coverage": {"kind": "self_pay"},
        }
    )
    c.records.quotes.save(c.counselor, finished.id, six)
    gone = c.records.patients.create(
        c.counselor, CLINIC, {"reference": "R-gone", "name": "Z Z", "date_of_birth": "1990-01-01"}
    )
    c.records.quotes.save(c.counselor, gone.id, mid_course(rng, 99))
    c.records.patients.set_active(c.counselor, gone.id, False)

    calls: list[tuple[int, int]] = []
    summary = c.records.rollover.run(
        c.counselor, CLINIC, NEW_YEAR, progress=lambda d, t: calls.append((d, t)), batch_size=16
    )
    assert calls == [(16, 51), (32, 51), (48, 51), (51, 51)]
    assert len(summary.lines) == 50 and [s.reason for s in summary.skipped] == [
        "course over before the plan year starts"
    ]
    changes = [abs(ln.change) for ln in summary.lines]
    assert changes == sorted(changes, reverse=True)  # biggest changes first
    for line in summary.lines:
        before = old[line.patient_id]
        new = c.records.quotes.get(c.counselor, line.new_quote_id)
        assert (new.quote_number, new.version, new.reason, line.old_version) == (1, 3, "rollover", 2)
        assert new.scenario == rollover_scenario(before.scenario, NEW_YEAR)  # type: ignore[attr-defined]
        single = estimate(new.scenario).totals
        assert (new.totals.patient_pays, new.totals.plan_pays) == (single.patient_pays, single.plan_pays)
        assert (new.totals.program_pays, new.totals.charges) == (single.program_pays, single.charges)
        assert line.new_patient_pays == single.patient_pays and line.old_patient_pays == before.totals.patient_pays  # type: ignore[attr-defined]
        assert new.scenario.start_date >= NEW_YEAR and line.start_date == new.scenario.start_date
        assert line.start_session == session_on_or_after(before.scenario, NEW_YEAR).number  # type: ignore[attr-defined, union-attr]
    table = list(csv.DictReader(io.StringIO(summary.csv())))
    assert [r["patient_reference"] for r in table] == [ln.patient_reference for ln in summary.lines]
    assert Decimal(table[0]["change"]) == summary.lines[0].change

    again = c.records.rollover.run(c.counselor, CLINIC, NEW_YEAR)  # a second run re-quotes no one twice
    assert again.lines == () and {s.reason for s in again.skipped} == {
        "quoted from the new plan year on already",
        "course over before the plan year starts",
    }
    july = c.records.rollover.run(c.counselor, CLINIC, dt.date(2027, 7, 1))
    assert july.lines == () and "plan year starts on 01-01" in {s.reason for s in july.skipped}
    exported = c.records.rollover.export_csv(c.counselor, summary)
    assert exported == summary.csv()
    audit = c.records.audit.entries(c.admin, object_type="rollover")
    assert [e.action for e in audit] == ["exported", "rolled-over", "rolled-over", "rolled-over"]
    assert audit[-1].detail == "50 re-quoted, 1 skipped"


def test_the_summary_csv_neutralizes_formulas(db_url: str) -> None:  # noqa: F811
    c = open_clinic(db_url)
    patient = c.records.patients.create(
        c.counselor, CLINIC, {"reference": "=1+2", "name": "A B", "date_of_birth": "1980-01-01"}
    )
    c.records.quotes.save(c.counselor, patient.id, mid_course(random.Random(1), 0))
    summary = c.records.rollover.run(c.counselor, CLINIC, NEW_YEAR)
    assert summary.csv().splitlines()[1].startswith("'=1+2,")
    assert len(summary.lines) == 1


def test_the_rollover_benchmark_runs() -> None:
    """scripts/bench_rollover.py (`./dev bench`) with 20 patients: it runs and prints its figures (never timed here)."""
    done = subprocess.run(
        [sys.executable, "scripts/bench_rollover.py", "20"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "rollover, 20 patients on SQLite" in done.stdout and "20 re-quoted" in done.stdout
    assert "child peak memory" in done.stdout

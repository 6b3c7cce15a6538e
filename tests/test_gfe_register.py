"""The Good Faith Estimate register (issue 19) on SQLite and PostgreSQL: numbers without gaps or duplicates when two
sessions issue at once, the document and PDF kept exactly, reissues naming what they replace, status with the
12-month expiry, and the bill check at $399.99 / $400.00 / $400.01 over."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest

from clinic.gfe_register import Delivery, GfeDocument, clinic_prefix, format_number, gfe_document
from clinic.records_common import Invalid, RecordsError
from estimator.bill_check import check_bill, dispute_start_url, gfe_in_force_until, gfe_status
from estimator.engine import estimate
from estimator.gfe import GfeRequest, PatientDetails, add_months
from estimator.models import Scenario
from tests.clinic_backends import db_url, pg_server  # noqa: F401 - fixtures
from tests.records_helpers import CLINIC, Clinic, open_clinic, self_pay

PATIENT = PatientDetails(name="Robin Example", date_of_birth=dt.date(1979, 7, 4))
PDF = b"%PDF-1.4 a Good Faith Estimate"


@pytest.fixture
def kept(db_url: str) -> Clinic:  # noqa: F811
    return open_clinic(db_url)


def _document(c: Clinic, scenario: Scenario, made_on: dt.date = dt.date(2026, 12, 14)) -> GfeDocument:
    result = estimate(scenario)
    first = min(s.date for s in result.sessions)
    request = GfeRequest(
        diagnosis_codes=("F33.1",),
        period_start=first,
        period_end=add_months(first, 12) - dt.timedelta(days=1),
        scheduled_date=first,
    )
    clinic = c.store.get_clinic(CLINIC).content
    return gfe_document(scenario, result, clinic=clinic, patient=PATIENT, request=request, made_on=made_on)


def _quote(c: Clinic, reference: str = "MRN-7", start: str = "2026-12-21") -> tuple[int, GfeDocument]:
    details = {"reference": reference, "name": PATIENT.name, "date_of_birth": PATIENT.date_of_birth}
    patient = c.records.patients.create(c.counselor, CLINIC, details)
    quote = c.records.quotes.save(c.counselor, patient.id, self_pay(start))
    return quote.id, _document(c, quote.scenario)


def test_issue_keeps_the_document_and_pdf_and_reissue_names_what_it_replaces(kept: Clinic) -> None:
    gfes, who, clock = kept.records.gfes, kept.counselor, kept.clock
    quote_id, document = _quote(kept)
    numbers: list[str] = []

    def render(number: str) -> bytes:
        numbers.append(number)
        return PDF + number.encode()

    first = gfes.issue(who, quote_id, document, render, Delivery("paper", clock.now))
    assert clinic_prefix(CLINIC) == "LKSC" and first.number == "LKSC-2026-000001" == numbers[0]
    assert (first.version, first.replaces_id, first.status, first.total) == (1, None, "current", document.total)
    assert first.document == document and first.deliveries == (Delivery("paper", clock.now),)
    assert gfes.pdf(who, first.id) == PDF + b"LKSC-2026-000001"
    assert "Robin" not in repr(first) and "F33.1" not in repr(first) and "1979" not in repr(document)
    again = gfes.get(who, first.id)
    assert again.document == document and again.document.items[0].diagnosis_codes == ("F33.1",)

    clock.advance(days=3)
    later = gfes.record_delivery(who, first.id, Delivery("email", clock.now))
    assert [d.method for d in later.deliveries] == ["paper", "email"]
    second = gfes.reissue(who, first.id, quote_id, document, PDF, Delivery("portal", clock.now))
    assert (second.number, second.version, second.replaces_id) == (first.number, 2, first.id)
    with pytest.raises(RecordsError, match="replaced already"):
        gfes.reissue(who, first.id, quote_id, document, PDF, Delivery("portal", clock.now))
    other_quote, other_document = _quote(kept, "MRN-8", "2027-01-11")
    next_one = gfes.issue(who, other_quote, other_document, PDF, Delivery("mail", clock.now), prefix="LKC")
    assert next_one.number == "LKC-2026-000002"  # one sequence per clinic and year, whatever the prefix

    register = gfes.register(who, CLINIC)
    assert [(e.number, e.version, e.status) for e in register] == [
        ("LKC-2026-000002", 1, "current"),
        ("LKSC-2026-000001", 2, "current"),
        ("LKSC-2026-000001", 1, "replaced"),
    ]
    assert register[2].replaced_by_id == second.id and register[2].document is None
    assert [e.number for e in gfes.register(who, CLINIC, status="replaced")] == ["LKSC-2026-000001"]
    last_day = document.request.period_end
    expired = gfes.register(who, CLINIC, today=last_day + dt.timedelta(days=1))
    assert [e.status for e in expired] == ["current", "expired", "replaced"]  # MRN-8's period ends later
    assert [e.status for e in gfes.register(who, CLINIC, today=last_day)] == ["current", "current", "replaced"]


def test_a_gfe_is_only_for_self_pay_and_for_its_own_figures(kept: Clinic) -> None:
    quote_id, document = _quote(kept)
    with pytest.raises(Invalid, match="not a PDF"):
        kept.records.gfes.issue(kept.counselor, quote_id, document, b"<html>", Delivery("paper", kept.clock.now))
    wrong_total = document.model_copy(update={"total": document.total + 1})
    with pytest.raises(Invalid, match="total"):
        kept.records.gfes.issue(kept.counselor, quote_id, wrong_total, PDF, Delivery("paper", kept.clock.now))
    commercial = self_pay().model_copy(update={"coverage": self_pay().coverage.model_copy(update={"kind": "medicaid"})})
    with pytest.raises(Invalid, match="Medicaid"):
        _document(kept, commercial)
    assert kept.records.gfes.register(kept.counselor, CLINIC) == []  # nothing issued, no number used


def test_two_sessions_issuing_at_once_get_numbers_without_gaps_or_duplicates(kept: Clinic) -> None:
    quote_id, document = _quote(kept)
    per_thread, threads = 6, 2
    barrier = threading.Barrier(threads)
    issued: list[str] = []
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            barrier.wait()
            for i in range(per_thread):
                fail = n == 0 and i == 2  # a failed issue (its PDF could not be made) gives its number back

                def render(number: str, fail: bool = fail) -> bytes:
                    if fail:
                        raise RuntimeError("renderer crashed")
                    return PDF

                try:
                    entry = kept.records.gfes.issue(
                        kept.counselor, quote_id, document, render, Delivery("paper", kept.clock.now)
                    )
                    issued.append(entry.number)
                except RuntimeError:
                    pass
        except BaseException as e:  # reported below
            errors.append(e)

    workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
    assert not errors, errors
    expected = [format_number("LKSC", 2026, i) for i in range(1, per_thread * threads)]  # one failed
    assert sorted(issued) == expected  # consecutive: no gap, no duplicate
    assert sorted(e.number for e in kept.records.gfes.register(kept.counselor, CLINIC)) == expected


def test_a_new_year_starts_the_sequence_again(kept: Clinic) -> None:
    quote_id, document = _quote(kept)
    gfes, who, clock = kept.records.gfes, kept.counselor, kept.clock
    assert gfes.issue(who, quote_id, document, PDF, Delivery("paper", clock.now)).number == "LKSC-2026-000001"
    clock.now = dt.datetime(2027, 1, 2, 9, 0, tzinfo=dt.UTC)
    assert gfes.issue(who, quote_id, document, PDF, Delivery("paper", clock.now)).number == "LKSC-2027-000001"


# ---------------------------------------------------------------- the bill check and expiry (pure)


@pytest.mark.parametrize(
    ("over", "disputable"), [("399.99", False), ("400.00", True), ("400.01", True), ("-50", False), ("0", False)]
)
def test_a_bill_at_least_400_over_the_estimate_may_be_disputed_within_120_days(over: str, disputable: bool) -> None:
    estimate_total = Decimal("3300.00")
    check = check_bill(estimate_total, estimate_total + Decimal(over), dt.date(2027, 3, 1))
    assert check.disputable is disputable and check.over_by == Decimal(over).quantize(Decimal("0.01"))
    assert check.threshold == Decimal("400")
    if disputable:
        assert check.deadline == dt.date(2027, 6, 29)  # 120 days after the bill's date
        assert check.where == dispute_start_url() == "https://www.cms.gov/nosurprises"
    else:
        assert check.deadline is None and check.where is None


def test_the_bill_check_on_a_register_entry(kept: Clinic) -> None:
    quote_id, document = _quote(kept)
    entry = kept.records.gfes.issue(kept.counselor, quote_id, document, PDF, Delivery("paper", kept.clock.now))
    bill = dt.date(2027, 2, 1)
    assert not kept.records.gfes.check_bill(kept.counselor, entry.id, entry.total + Decimal("399.99"), bill).disputable
    check = kept.records.gfes.check_bill(kept.counselor, entry.id, entry.total + Decimal("400.00"), bill)
    assert check.disputable and check.deadline == bill + dt.timedelta(days=120)


def test_a_gfe_expires_after_its_12_month_period() -> None:
    issued = dt.date(2026, 3, 15)
    assert gfe_in_force_until(issued, None) == dt.date(2027, 3, 14)  # no period in the document: 12 months
    assert gfe_status(issued, None, False, dt.date(2027, 3, 14)) == "current"
    assert gfe_status(issued, None, False, dt.date(2027, 3, 15)) == "expired"
    assert gfe_status(issued, dt.date(2026, 9, 30), False, dt.date(2026, 10, 1)) == "expired"  # its own period
    assert gfe_status(issued, dt.date(2026, 9, 30), True, dt.date(2026, 5, 1)) == "replaced"
    assert gfe_in_force_until(dt.date(2024, 2, 29), None) == dt.date(2025, 2, 27)  # Feb 28 is the 12th month's day

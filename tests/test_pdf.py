"""The printable estimate (estimator.documents.pdf): contents, plain-text safety, Unicode, the table layout rules."""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
import tempfile
from collections import Counter
from decimal import Decimal

import pytest
from pypdf import PdfReader

from estimator.documents.pdf import estimate_pdf
from estimator.documents.pdf_layout import (
    FONT_BOLD,
    FONT_DIR,
    FONT_REGULAR,
    Column,
    Doc,
    render_pdf,
    unprintable_chars,
)
from estimator.engine import estimate
from estimator.gfe import ClinicDetails
from estimator.models import Accounts, Coverage, Fee, Financing, Scenario, TimeOff, Travel
from estimator.money import fmt_usd
from estimator.presets import course_preset, example_prices, plan_preset, program_templates
from estimator.text import clean_text, fmt_day
from estimator.wording import CRISIS_LINE, DISCLAIMER, warning_text

START = dt.date(2026, 3, 2)
MADE_ON = dt.date(2026, 2, 25)
NOTES = "Called the plan 2026-02-20, ref #A123.\nRep said *covered* at 80 % <b>after</b> prior auth; 李小龍 checked."


def _pages(pdf: bytes) -> list[str]:
    return [" ".join((p.extract_text() or "").split()) for p in PdfReader(io.BytesIO(pdf)).pages]


def _text(pdf: bytes) -> str:
    return " ".join(_pages(pdf))


def _insured_year() -> Scenario:
    """52 weeks of SPRAVATO on a 2026 HDHP with withMe, HSA/FSA, travel, time off and a payment plan."""
    p = course_preset("spravato_1y")
    coverage = plan_preset("hdhp_2026").coverage.model_copy(update={"notes": NOTES})
    return Scenario(
        version=2,
        name="SPRAVATO first year — Zoë's plan",
        start_date=START,
        horizon_weeks=52,
        protocol=p.protocol,
        fees=example_prices().scenario_fees(),
        coverage=coverage,
        savings_programs=[t.program for t in program_templates()],
        accounts=Accounts(fsa_available=Decimal("1500"), hsa_available=Decimal("2000"), federal_rate_pct=Decimal("22")),
        travel=Travel(round_trip_miles=Decimal("30"), parking_per_visit=Decimal("5")),
        time_off=TimeOff(hours_per_visit=Decimal("3"), hourly_wage=Decimal("30")),
        financing=Financing(apr_pct=Decimal("26.99"), months=24),
    )


def _six_iv_self_pay() -> Scenario:
    p = course_preset("iv6")
    prices = example_prices()
    return Scenario(
        version=1,
        name=p.label,
        start_date=START,
        horizon_weeks=p.horizon_weeks,
        protocol=p.protocol,
        fees=prices.scenario_fees(),
        packages=prices.scenario_packages(),
        coverage=Coverage(kind="self_pay", notes="Paying cash; clinic offers the 6-infusion package."),
    )


@pytest.fixture(scope="module")
def insured() -> tuple[Scenario, object, bytes]:
    scenario = _insured_year()
    result = estimate(scenario)
    return scenario, result, estimate_pdf(scenario, result, made_on=MADE_ON)


def test_fonts_and_license_ship_with_the_package() -> None:
    assert FONT_REGULAR.is_file() and FONT_BOLD.is_file()
    assert "Bitstream Vera" in (FONT_DIR / "LICENSE-DejaVu.txt").read_text(encoding="utf-8")


def test_estimate_pdf_contains_notes_totals_and_every_section(insured) -> None:
    _, result, pdf = insured
    assert pdf.startswith(b"%PDF-")
    text = _text(pdf)
    t = result.totals
    required = [
        "Treatment cost estimate",
        "SPRAVATO first year — Zoë's plan",
        "Made on Feb 25, 2026",
        # the coverage notes, as plain text (no Markdown or HTML interpretation)
        "Called the plan 2026-02-20, ref #A123.",
        "Rep said *covered* at 80 % <b>after</b> prior auth; 李小龍 checked.",
        # totals
        fmt_usd(t.charges),
        fmt_usd(t.plan_pays),
        fmt_usd(t.program_pays),
        fmt_usd(t.patient_pays),
        f"{t.sessions} sessions, {t.visits} visits",
        # totals by plan year
        "Totals by plan year",
        *[fmt_day(py.plan_year) for py in result.by_plan_year],
        *[fmt_usd(py.patient_pays) for py in result.by_plan_year],
        # coverage assumptions, savings programs, accounts, payment plan
        "Coverage assumptions",
        "deductible $1,700.00",
        "Plan year starts every year on Jan 1",  # as the pages say it, not "01-01 (month-day)"
        "SPRAVATO withMe (medication)",
        "Paid from the FSA " + fmt_usd(result.accounts.from_fsa),
        "Tax savings " + fmt_usd(result.accounts.tax_savings),
        "Monthly payment " + fmt_usd(result.financing.monthly_payment),
        "Total interest " + fmt_usd(result.financing.total_interest),
        # the schedule: codes and dates
        "J0013",
        "99215+99415+99416",
        *[fmt_day(s.date) for s in result.sessions],
        # warnings, disclaimer and crisis line
        *[warning_text(w)[:40] for w in result.warnings],
        DISCLAIMER,
        CRISIS_LINE,
    ]
    missing = [r for r in required if " ".join(r.split()) not in text]
    assert not missing, missing
    # dates read as on the pages; the only ISO date left is the one typed in the notes
    assert re.findall(r"\d{4}-\d{2}-\d{2}", text) == ["2026-02-20"]


def test_every_schedule_page_repeats_the_table_header(insured) -> None:
    _, result, pdf = insured
    pages = _pages(pdf)
    assert len(pages) >= 3
    dates = [fmt_day(s.date) for s in result.sessions]
    assert sum(any(f"{d} SPRAVATO" in text or f"{d} Administration" in text for d in dates) for text in pages) >= 2
    for text in pages:
        if any(f"{d} SPRAVATO" in text or f"{d} Administration" in text for d in dates):
            assert "Date Service Code Qty Charge Insurance Program You pay" in text
        assert "988" in text  # the footer carries the crisis line on every page


def test_self_pay_estimate_with_clinic() -> None:
    scenario = _six_iv_self_pay()
    result = estimate(scenario)
    clinic = ClinicDetails(
        name="Clínica Ñandú", address="1 Main St, Springfield", state="IL", npi="1234567893", tin="12-3456789"
    )
    text = _text(estimate_pdf(scenario, result, made_on=MADE_ON, clinic=clinic))
    for needle in (
        "Clínica Ñandú",
        "NPI 1234567893",
        "Self-pay / uninsured",
        "Paying cash; clinic offers the 6-infusion package.",
        "96365+J3490",
        f"You pay {fmt_usd(result.totals.patient_pays)}",
        "Totals by year",  # not "calendar": a self-pay year starts on the scenario's plan_year_start
        "No savings program is included",
    ):
        assert needle in text, needle
    assert result.totals.charges == result.totals.patient_pays


def test_user_text_is_cleaned_but_kept() -> None:
    assert clean_text("a\x00b\x1bc\u202ed\tz") == "abcd z"
    assert clean_text("  two\n\nlines  ") == "two lines"
    assert clean_text("one\r\n\r\n\r\ntwo\n", multiline=True) == "one\n\ntwo"
    assert clean_text("Zoe\u0308") == "Zoë"  # NFC
    assert clean_text(None) == ""


def test_unprintable_chars_are_reported_and_still_extractable() -> None:
    assert unprintable_chars("Zoë Ångström-Núñez") == []
    assert unprintable_chars("李小龍 Zoë") == []  # the shipped CJK fallback font has these
    assert unprintable_chars("𓀀 李 𐀀") == ["𓀀", "𐀀"]  # no shipped font has these: printed as boxes
    fee = Fee(service="consult", code="99205", description="Évaluation initiale 初診 𓀀", charge=Decimal("350"))
    scenario = _six_iv_self_pay()
    scenario = scenario.model_copy(update={"fees": [fee, *scenario.fees[1:]], "name": "李小龍 — Zoë"})
    pdf = estimate_pdf(scenario, estimate(scenario), made_on=MADE_ON)
    text = _text(pdf)
    assert "李小龍 — Zoë" in text and "Évaluation initiale 初診 𓀀" in text
    assert b"+DroidSansFallback" in pdf  # CJK glyphs come from the shipped fallback font, not boxes


def test_missing_glyph_names_never_reach_the_log_and_no_temp_files_stay(caplog, monkeypatch, tmp_path) -> None:
    # A private temporary folder, so other processes' files cannot make this pass or fail.
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    scenario = _six_iv_self_pay().model_copy(update={"name": "患者 龍 𓀀"})  # 𓀀 needs the temporary box font
    with caplog.at_level(logging.DEBUG):
        pdf = estimate_pdf(scenario, estimate(scenario), made_on=MADE_ON)
    assert b"+MissingGlyph" in pdf  # the temporary font was really built and used
    assert not any(ch in r.getMessage() for r in caplog.records for ch in "患者龍𓀀")
    assert list(tmp_path.iterdir()) == []


def test_huge_amounts_fit_the_page_width_without_wrapping() -> None:
    """Numbers and codes are measured: the fixed columns get their full width, the table fits Letter width."""
    columns = [
        Column("Date", wrap=False),
        Column("Service"),
        Column("Code", wrap=False),
        Column("Qty", "RIGHT", wrap=False),
        *[Column(h, "RIGHT", wrap=False) for h in ("Charge", "Discount", "Insurance", "Program", "You pay")],
    ]
    big = fmt_usd(Decimal("200000000.00"))  # the largest line: $10,000,000 a unit x 20
    rows = [["2026-03-02", "A long service description " * 3, "99215+99415+99416", "20", *[big] * 5]] * 3
    rows.append(["Total", "", "", "", *[fmt_usd(Decimal("999999999.99"))] * 5])

    def build(doc: Doc) -> None:
        size, widths = doc.fit_table(columns, rows, bold_rows=[3])
        assert sum(widths) <= doc.epw + 1e-6
        for i, col in enumerate(columns):
            if col.wrap:
                continue
            for n, row in enumerate(rows):
                doc.set_font("DejaVu", "B" if n == 3 else "", size)
                assert widths[i] >= doc.get_string_width(row[i]), (col.header, widths[i], row[i])
        doc.table_rows(columns, rows, bold_rows=[3])

    text = _text(render_pdf(build, title="t", footer_text="f", made_on=MADE_ON))
    assert big in text and "$999,999,999.99" in text


def test_a_page_break_never_splits_a_row() -> None:
    columns = [Column("Row", wrap=False), Column("Text"), Column("End", wrap=False)]
    words = " ".join(f"word{i}" for i in range(60))  # several lines per row
    rows = [[f"R{n:02d}", f"START{n:02d} {words} STOP{n:02d}", f"E{n:02d}"] for n in range(40)]

    def build(doc: Doc) -> None:
        doc.table_rows(columns, rows)

    pages = _pages(render_pdf(build, title="t", footer_text="f", made_on=MADE_ON))
    assert len(pages) > 2
    for n in range(40):
        holding = [i for i, p in enumerate(pages) if f"START{n:02d}" in p or f"STOP{n:02d}" in p]
        assert len(set(holding)) == 1, (n, holding)
    for text in pages:
        assert text.startswith("Row Text End")  # the header repeats at the top of every page


def test_counts_agree_in_number_and_percents_never_break_from_their_sign() -> None:
    from estimator.text import count, pct

    assert count(1, "session") == "1 session" and count(2, "visit") == "2 visits" and count(0, "visit") == "0 visits"
    assert pct(Decimal("60")) == "60\u00a0%" and pct(Decimal("12.50")) == "12.5\u00a0%"


def test_a_one_session_one_week_course_reads_in_the_singular() -> None:
    from estimator.models import Custom

    one = Custom.model_validate({"type": "custom", "sessions": [{"day": 0, "services": [{"service": "iv_infusion"}]}]})
    scenario = _six_iv_self_pay().model_copy(update={"horizon_weeks": 1, "protocol": one, "packages": []})
    text = _text(estimate_pdf(scenario, estimate(scenario), made_on=MADE_ON))
    assert "1 planned session" in text and "1 planned sessions" not in text
    assert "1 week (last visit" in text and "1 weeks" not in text
    assert "1 session, 1 visit" in text


def test_a_zero_apr_plan_shows_no_interest_and_names_the_rounding() -> None:
    """SPEC §4.6's interest `payment x n - P` holds only the rounding at 0 % APR: $8,260 over 60 months is
    $137.67 a month, 20 cents over; no lender calls that interest."""
    from estimator.financing import amortize, interest_words

    over = amortize(Decimal("8260"), Decimal("0"), 60)
    assert (over.monthly_payment, over.total_interest) == (Decimal("137.67"), Decimal("0.20"))  # the SPEC figures
    assert interest_words(over, Decimal("0"), 60) == (
        "none (0\u00a0% APR); the last payment is usually $0.20 less to settle the rounding"
    )
    under = amortize(Decimal("3050"), Decimal("0"), 60)  # $50.83 a month, 20 cents short
    assert interest_words(under, Decimal("0"), 60).endswith("$0.20 more to settle the rounding")
    assert interest_words(amortize(Decimal("600"), Decimal("0"), 12), Decimal("0"), 12) == "none (0\u00a0% APR)"
    paid = amortize(Decimal("1602"), Decimal("3"), 2)
    assert interest_words(paid, Decimal("3"), 2) == fmt_usd(paid.total_interest)

    scenario = _six_iv_self_pay().model_copy(
        update={"financing": Financing(apr_pct=Decimal("0"), months=60, amount=Decimal("8260"))}
    )
    text = _text(estimate_pdf(scenario, estimate(scenario), made_on=MADE_ON))
    assert "Total interest none (0 % APR)" in " ".join(text.split()) and "Total repaid $8,260.00" in text


def test_a_self_pay_schedule_has_no_insurance_or_empty_program_column() -> None:
    """Self-pay rows showed "—" under Insurance and $0.00 under Program on every line."""
    scenario = _six_iv_self_pay()
    assert not scenario.savings_programs
    text = " ".join(_text(estimate_pdf(scenario, estimate(scenario), made_on=MADE_ON)).split())
    assert "Date Service Code Qty Charge You pay" in text
    assert "Insurance" not in text.split("Session schedule")[1].split("Important")[0]


def test_user_typed_program_names_print_as_typed_and_quiet_years_are_one_line() -> None:
    """A program named with a date kept its ISO date in one place and became "Jan 15, 2026" in a warning; a
    156-week self-pay course printed a bullet per year saying nothing changes."""
    from estimator.models import SavingsProgram

    odd = SavingsProgram(
        name="withMe card 2026-01-15",
        services=["iv_infusion"],
        patient_pays_per_session=Decimal("10"),
        annual_max=Decimal("50"),
        eligible_kinds=["commercial"],
    )
    long = course_preset("iv6_boosters")
    scenario = _six_iv_self_pay().model_copy(
        update={"savings_programs": [odd], "protocol": long.protocol, "horizon_weeks": 156, "packages": []}
    )
    result = estimate(scenario)
    assert any(odd.name in w.message for w in result.warnings)  # the ineligible-program warning quotes it
    text = " ".join(_text(estimate_pdf(scenario, result, made_on=MADE_ON)).split())
    assert "withMe card Jan 15, 2026" not in text and text.count("withMe card 2026-01-15") >= 2
    assert text.count("self-pay prices are not affected") == 1
    assert "New years start on Jan 1, 2027, Jan 1, 2028 and Jan 1, 2029; self-pay prices" in text
    # the program pays nothing here (self-pay isn't eligible): no column of $0.00
    assert result.totals.program_pays == 0 and "Charge You pay" in text and "Program You pay" not in text


def test_warnings_name_services_as_the_price_list_describes_them() -> None:
    """A warning about a service names it as people read it ("'Integration psychotherapy, 60 min'"), never by its
    id; the result JSON's message keeps the id (SPEC §4.7)."""
    scenario = _insured_year()
    services = {k: v for k, v in scenario.coverage.services.items() if k != "therapy"}
    protocol = scenario.protocol.model_copy(update={"per_session": ["therapy"]})
    scenario = scenario.model_copy(
        update={"protocol": protocol, "coverage": scenario.coverage.model_copy(update={"services": services})}
    )
    result = estimate(scenario)
    missing = next(w for w in result.warnings if w.code == "no_coverage_info")
    assert "'therapy'" in missing.message
    assert "'Integration psychotherapy, 60 min'" in warning_text(missing, scenario)
    assert "'Psychotherapy'" in warning_text(missing)  # without the scenario: the service's usual name
    text = " ".join(_text(estimate_pdf(scenario, result, made_on=MADE_ON)).split())
    assert "no coverage information for 'Integration psychotherapy, 60 min'" in text
    assert "'therapy'" not in text


def test_a_course_under_way_says_where_it_continues_from() -> None:
    from estimator.wording import course_words

    scenario = _insured_year()
    under_way = scenario.model_copy(update={"protocol": course_preset("spravato_continuing").protocol})
    _, schedule = course_words(under_way)
    assert "first session 56 mg" not in schedule  # only session 1 is 56 mg, and this course starts at 13
    assert schedule.endswith("; this estimate continues the course from session 13")
    assert "first session 56 mg" in course_words(scenario)[1]


def test_the_coverage_table_prints_each_services_version_2_terms() -> None:
    from estimator.scenario_io import scenario_from_json
    from tests.conftest import case_path

    scenario = scenario_from_json(case_path("v2/08_spravato_split_network_auth_units").read_bytes())
    text = _text(estimate_pdf(scenario, estimate(scenario), made_on=MADE_ON))
    assert "medical, out of network (allowed at most $300.00 a unit)" in text
    assert "yes, 56 units" in text
    state = scenario.model_copy(update={"patient_state": "MI"})
    assert "Patient lives in Michigan" in _text(estimate_pdf(state, estimate(state), made_on=MADE_ON))


# ---------------------------------------------------------------- the clinic's letterhead (issue 18)


def _logo_png(width: int = 600, height: int = 200) -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (width, height), (255, 255, 255, 0))
    ImageDraw.Draw(image).ellipse((10, 10, height - 10, height - 10), fill=(30, 110, 160, 255))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


LETTERHEAD_NAME = "Lakeside Ketamine & SPRAVATO Clinic"
LETTERHEAD_ADDRESS = "1200 Lakeside Dr, Suite 4, Ann Arbor, MI 48104"


def _letterhead(**changes: object):  # type: ignore[no-untyped-def]
    from estimator.documents.letterhead import Letterhead, contact_line

    values: dict[str, object] = {
        "name": LETTERHEAD_NAME,
        "address": LETTERHEAD_ADDRESS,
        "phone": "734-555-0100",
        "contact": contact_line("Dana Whitfield", "734-555-0111", "billing@lakeside.example"),
        "logo_png": _logo_png(),
    } | changes
    return Letterhead(**values)  # type: ignore[arg-type]


def test_the_letterhead_prints_the_clinic_and_its_contact_at_the_top_and_end() -> None:
    scenario = _six_iv_self_pay()
    result = estimate(scenario)
    pdf = estimate_pdf(scenario, result, made_on=MADE_ON, letterhead=_letterhead())
    pages = _pages(pdf)
    first = pages[0]
    for needle in (LETTERHEAD_NAME, LETTERHEAD_ADDRESS, "Phone 734-555-0100", "Dana Whitfield"):
        assert needle in first, needle
    assert first.index(LETTERHEAD_NAME) < first.index("Treatment cost estimate")  # at the top, above the title
    assert "Questions about this estimate: Dana Whitfield, 734-555-0111, billing@lakeside.example" in pages[-1]
    assert all(f"{LETTERHEAD_NAME} · 734-555-0100 · Estimate made" in page for page in pages)  # every footer
    reader = PdfReader(io.BytesIO(pdf))
    assert len(list(reader.pages[0].images)) == 1 and not any(list(p.images) for p in reader.pages[1:])


def test_without_a_letterhead_the_estimate_is_unchanged() -> None:
    scenario = _six_iv_self_pay()
    result = estimate(scenario)
    plain = estimate_pdf(scenario, result, made_on=MADE_ON)
    assert estimate_pdf(scenario, result, made_on=MADE_ON, letterhead=None) == plain
    text = _text(plain)
    assert text.startswith("Treatment cost estimate")
    assert "Questions about this estimate" not in text and "Contact:" not in text
    with_head = _text(estimate_pdf(scenario, result, made_on=MADE_ON, letterhead=_letterhead(logo_png=None)))
    # the letterhead only adds (a page break may move): every word of the plain printout is still there
    assert not Counter(text.split()) - Counter(with_head.split())
    assert len(with_head.split()) > len(text.split())


def test_a_letterhead_without_logo_or_contact_and_with_a_long_name_still_prints() -> None:
    scenario = _six_iv_self_pay()
    result = estimate(scenario)
    long_name = "The Lakeside Regional Center for Interventional Psychiatry, Ketamine Infusions & SPRAVATO of Michigan"
    head = _letterhead(name=long_name, contact="", logo_png=b"not a png")  # a bad logo is left out, never a failure
    pdf = estimate_pdf(scenario, result, made_on=MADE_ON, letterhead=head)
    pages = _pages(pdf)
    assert long_name in pages[0] and "Questions about this estimate: call the clinic at 734-555-0100." in pages[-1]
    shortened = "The Lakeside Regional Center for Interventional Psychiatry… · 734-555-0100 · Estimate"
    assert shortened in pages[0]  # in the footer
    assert not list(PdfReader(io.BytesIO(pdf)).pages[0].images)
    square = _letterhead(logo_png=_logo_png(200, 200), name="Ñandú 李 Clinic")
    assert "Ñandú 李 Clinic" in _text(estimate_pdf(scenario, result, made_on=MADE_ON, letterhead=square))

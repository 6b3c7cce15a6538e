"""Good Faith Estimate (45 CFR 149.610): validation, the itemized list, and every required element in the PDF."""

from __future__ import annotations

import datetime as dt
import io
import json
import re

import pytest
from pydantic import ValidationError
from pypdf import PdfReader

from estimator.documents.gfe_pdf import gfe_pdf
from estimator.engine import estimate
from estimator.gfe import (
    CMS_PHONE,
    CMS_URL,
    MAX_PROFILE_BYTES,
    ClinicDetails,
    GfeError,
    GfeRequest,
    PatientDetails,
    add_months,
    clinic_from_profile,
    clinic_profile_json,
    course_fits_period,
    default_period,
    example_self_pay_scenario,
    gfe_ineligibility,
    gfe_items,
    gfe_total,
    latest_period_end,
    max_gfe_months,
    npi_is_valid,
    validate_details,
)
from estimator.models import Coverage, Scenario
from estimator.money import fmt_usd
from estimator.presets import course_preset, example_prices, plan_preset
from estimator.reference import latest_decimal
from estimator.scenario_io import problems_from
from estimator.wording import frequency

START = dt.date(2026, 3, 2)
MADE_ON = dt.date(2026, 2, 25)
CLINIC = {
    "name": "Bright Path Ketamine Clinic",
    "address": "123 Main St, Suite 200, Springfield, IL 62701",
    "state": "IL",
    "npi": "1234567893",
    "tin": "12-3456789",
    "phone": "(217) 555-0100",
    "location": "Infusion suite B, 125 Main St, Springfield, IL",
}


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def _messages(model: type, data: dict) -> dict[str, str]:
    with pytest.raises(ValidationError) as info:
        model.model_validate(data)
    return {p.loc: p.message for p in problems_from(info.value)}


def _scenario(preset: str = "iv6", *, kind: str = "self_pay", weeks: int | None = None) -> Scenario:
    p = course_preset(preset)
    prices = example_prices()
    coverage = Coverage(kind="self_pay") if kind == "self_pay" else plan_preset(kind).coverage
    return Scenario(
        version=1,
        name=p.label,
        start_date=START,
        horizon_weeks=weeks or p.horizon_weeks,
        protocol=p.protocol,
        fees=prices.scenario_fees(),
        packages=prices.scenario_packages(),
        coverage=coverage,
    )


def _request(result, codes: str = "F33.1, F32.9", **extra) -> GfeRequest:
    first, last = default_period(result, START)
    data = {"diagnosis_codes": codes, "period_start": first, "period_end": last, "scheduled_date": first} | extra
    return GfeRequest.model_validate(data)


# ---------------------------------------------------------------- NPI, TIN, state, phone


def test_a_valid_npi_passes_and_is_kept() -> None:
    assert npi_is_valid("1234567893")
    clinic = ClinicDetails.model_validate(CLINIC)
    assert clinic.npi == "1234567893"


@pytest.mark.parametrize("npi", ["1234567890", "1234567894", "9876543210"])
def test_an_npi_with_a_bad_check_digit_is_refused_clearly(npi: str) -> None:
    assert not npi_is_valid(npi)
    msg = _messages(ClinicDetails, CLINIC | {"npi": npi})["npi"]
    assert "not a valid NPI" in msg and "check digit" in msg


@pytest.mark.parametrize("npi", ["12345", "12345678931", "123456789A", ""])
def test_an_npi_that_is_not_ten_digits_is_refused(npi: str) -> None:
    msg = _messages(ClinicDetails, CLINIC | {"npi": npi})["npi"]
    assert "10" in msg and "NPI" in msg


def test_npi_luhn_uses_the_80840_prefix() -> None:
    # Without the prefix 1234567893 fails a plain Luhn check; with it, it passes (CMS example).
    digits = [int(c) for c in "1234567893"]
    plain_luhn = sum(d if i % 2 == 0 else (d * 2 - 9 if d * 2 > 9 else d * 2) for i, d in enumerate(digits[::-1]))
    assert plain_luhn % 10 != 0
    assert npi_is_valid("1234567893")


@pytest.mark.parametrize("tin", ["12-34567", "1234567890", "AB-CDEFGHI", "123-45-6789", "00-0000000", ""])
def test_an_invalid_tin_is_refused_clearly(tin: str) -> None:
    msg = _messages(ClinicDetails, CLINIC | {"tin": tin})["tin"]
    assert "TIN" in msg or "not a real TIN" in msg
    if tin and tin != "00-0000000":
        assert "XX-XXXXXXX" in msg


def test_a_tin_of_nine_digits_is_written_xx_xxxxxxx() -> None:
    assert ClinicDetails.model_validate(CLINIC | {"tin": "123456789"}).tin == "12-3456789"


def test_state_is_a_us_postal_code() -> None:
    assert ClinicDetails.model_validate(CLINIC | {"state": " ny "}).state == "NY"
    msg = _messages(ClinicDetails, CLINIC | {"state": "ZZ"})["state"]
    assert "2-letter" in msg


def test_phone_is_optional_and_normalized() -> None:
    assert ClinicDetails.model_validate(CLINIC | {"phone": ""}).phone == ""
    assert ClinicDetails.model_validate(CLINIC | {"phone": "+1 (217) 555-0100"}).phone == "217-555-0100"
    assert "phone" in _messages(ClinicDetails, CLINIC | {"phone": "555-01"})


def test_required_clinic_text_and_extra_fields() -> None:
    msgs = _messages(ClinicDetails, CLINIC | {"name": "   ", "address": ""})
    assert msgs["name"] == "enter the clinic's name"
    assert msgs["address"] == "enter the clinic's address"
    assert "patient_name" in _messages(ClinicDetails, CLINIC | {"patient_name": "x"})


def test_patient_details() -> None:
    p = PatientDetails.model_validate({"name": " Zoë  Ångström-Núñez ", "date_of_birth": "1985-04-12"})
    assert p.name == "Zoë Ångström-Núñez"
    future = dt.date.today() + dt.timedelta(days=1)
    assert "future" in _messages(PatientDetails, {"name": "A", "date_of_birth": future})["date_of_birth"]
    assert _messages(PatientDetails, {"name": "", "date_of_birth": "1985-04-12"})["name"] == "enter the patient's name"


# ---------------------------------------------------------------- diagnosis codes and the period


@pytest.mark.parametrize(
    ("raw", "codes"),
    [("F33.1", ("F33.1",)), ("f331, F32.9", ("F33.1", "F32.9")), ("F32.A; F33.1 F33.1", ("F32.A", "F33.1"))],
)
def test_diagnosis_codes_are_normalized(raw: str, codes: tuple[str, ...]) -> None:
    req = GfeRequest(diagnosis_codes=raw, period_start=START, period_end=START, scheduled_date=START)
    assert req.diagnosis_codes == codes


@pytest.mark.parametrize("raw", ["F3", "33.1", "F33.12345", "F33-1", "ketamine"])
def test_a_bad_diagnosis_code_is_refused(raw: str) -> None:
    data = {"diagnosis_codes": raw, "period_start": START, "period_end": START, "scheduled_date": START}
    msg = _messages(GfeRequest, data)["diagnosis_codes"]
    assert "ICD-10-CM" in msg
    assert msg.startswith(f"“{raw}”")  # named as typed: "ketamine", not the normalized "KET.AMINE"


def test_at_least_one_diagnosis_code() -> None:
    data = {"diagnosis_codes": " ", "period_start": START, "period_end": START, "scheduled_date": START}
    assert "at least one" in _messages(GfeRequest, data)["diagnosis_codes"]


def test_a_13_month_period_is_refused() -> None:
    months = max_gfe_months()
    assert months == int(latest_decimal("gfe_max_months")) == 12
    end = add_months(START, 13)
    data = {"diagnosis_codes": "F33.1", "period_start": START, "period_end": end, "scheduled_date": START}
    msg = _messages(GfeRequest, data)["period_end"]
    assert f"at most {months} months" in msg
    assert latest_period_end(START).isoformat() in msg


def test_a_full_12_month_period_is_accepted_and_a_day_more_is_not() -> None:
    last = latest_period_end(START)
    assert last == dt.date(2027, 3, 1)
    GfeRequest(diagnosis_codes="F33.1", period_start=START, period_end=last, scheduled_date=START)
    data = {"diagnosis_codes": "F33.1", "period_start": START, "period_end": last + dt.timedelta(days=1)}
    assert "period_end" in _messages(GfeRequest, data | {"scheduled_date": START})


def test_period_order_and_scheduled_date() -> None:
    data = {"diagnosis_codes": "F33.1", "period_start": START, "period_end": START - dt.timedelta(days=1)}
    assert "before it starts" in _messages(GfeRequest, data | {"scheduled_date": START})["period_end"]
    data = {"diagnosis_codes": "F33.1", "period_start": START, "period_end": START + dt.timedelta(days=30)}
    late = START + dt.timedelta(days=31)
    assert "outside the period" in _messages(GfeRequest, data | {"scheduled_date": late})["scheduled_date"]


def test_add_months_clamps_to_month_end() -> None:
    assert add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2026, 3, 2), 12) == dt.date(2027, 3, 2)


def test_validate_details_locates_every_problem() -> None:
    clinic, patient, request, problems = validate_details(
        CLINIC | {"npi": "1234567890"},
        {"name": "Ann"},
        {"diagnosis_codes": "F33.1", "period_start": START, "period_end": add_months(START, 13)},
    )
    assert clinic is None and patient is None and request is None
    locs = {p.loc for p in problems}
    assert {"clinic.npi", "patient.date_of_birth", "scheduled_date"} <= locs


# ---------------------------------------------------------------- the itemized list


@pytest.mark.parametrize(
    ("preset", "weeks"), [("iv6", None), ("iv6_boosters", None), ("spravato_1y", 52), ("custom", None)]
)
def test_items_add_up_to_the_estimate_total_to_the_cent(preset: str, weeks: int | None) -> None:
    scenario = _scenario(preset, weeks=weeks)
    result = estimate(scenario)
    items = gfe_items(scenario, result, ("F33.1",))
    assert gfe_total(items) == result.totals.charges
    assert sum(i.quantity for i in items) == sum(ln.quantity for s in result.sessions for ln in s.lines)
    for item in items:
        assert item.description and item.code and item.when and item.diagnosis_codes == ("F33.1",)


def test_six_iv_items_say_when_and_how_often() -> None:
    scenario = example_self_pay_scenario(START)
    result = estimate(scenario)
    items = gfe_items(scenario, result, ("F33.1",))
    consult, infusions = items
    assert consult.when == "Mar 2, 2026" and consult.quantity == 1 and consult.code == "99205"
    assert infusions.quantity == 6 and infusions.code == "96365+J3490"
    assert infusions.when.startswith("twice a week, 6 sessions, Mar 2, 2026 to Mar 19, 2026")
    assert infusions.expected_charge == example_prices().scenario_packages()[0].price


def test_frequency_wording() -> None:
    d = [START + dt.timedelta(days=x) for x in (0, 3, 7, 10, 14, 17)]
    assert frequency(d) == "twice a week"
    assert frequency([START + dt.timedelta(days=7 * i) for i in range(4)]) == "every week"
    assert frequency([START + dt.timedelta(days=14 * i) for i in range(4)]) == "every 2 weeks"
    assert frequency([START + dt.timedelta(days=x) for x in (0, 2, 4, 7, 9, 11)]) == "about 3 times a week"
    assert frequency([START]) == ""


# ---------------------------------------------------------------- eligibility


def test_only_self_pay_is_eligible() -> None:
    assert gfe_ineligibility(_scenario()) is None
    commercial = gfe_ineligibility(_scenario(kind="hdhp_2026"))
    assert commercial and "commercial insurance" in commercial and "Self-pay / uninsured" in commercial
    medicare = gfe_ineligibility(_scenario(kind="medicare_b_2026"))
    assert medicare and "Medicare, Medicaid or TRICARE" in medicare and "not eligible" in medicare


def test_gfe_pdf_refuses_an_insured_scenario() -> None:
    scenario = _scenario(kind="hdhp_2026")
    result = estimate(scenario)
    with pytest.raises(GfeError) as info:
        gfe_pdf(
            scenario,
            result,
            clinic=ClinicDetails.model_validate(CLINIC),
            patient=PatientDetails(name="A B", date_of_birth=dt.date(1980, 1, 1)),
            request=_request(result),
            made_on=MADE_ON,
        )
    assert info.value.problems[0].loc == "coverage.kind"


def test_the_period_must_cover_every_session() -> None:
    scenario = _scenario("spravato_1y", weeks=78)  # 18 months of sessions: more than one GFE may cover
    result = estimate(scenario)
    request = _request(result)
    problems = course_fits_period(result, request)
    assert [p.loc for p in problems] == ["period_end"]
    assert "at most 12 months" in problems[0].message
    with pytest.raises(GfeError):
        gfe_pdf(
            scenario,
            result,
            clinic=ClinicDetails.model_validate(CLINIC),
            patient=PatientDetails(name="A B", date_of_birth=dt.date(1980, 1, 1)),
            request=request,
            made_on=MADE_ON,
        )


# ---------------------------------------------------------------- clinic profile


def test_clinic_profile_round_trip_holds_clinic_details_only() -> None:
    clinic = ClinicDetails.model_validate(CLINIC)
    text = clinic_profile_json(clinic)
    data = json.loads(text)
    assert data["type"] == "clinic_profile" and set(data["clinic"]) == set(ClinicDetails.model_fields)
    assert clinic_from_profile(text) == clinic
    assert clinic_from_profile(json.dumps(CLINIC).encode()) == clinic  # a bare object works too


@pytest.mark.parametrize(
    ("payload", "needle"),
    [
        (b"{not json", "can't be read: it is not valid JSON"),
        (b"[" * 90_000, "nested too deeply"),
        (b"[1, 2]", "not a clinic profile"),
        (b'{"version": 1, "start_date": "2026-03-02", "protocol": {"type": "iv_ketamine"}}', "a saved estimate"),
        (json.dumps({"type": "clinic_profile", "clinic": CLINIC | {"npi": "1234567890"}}).encode(), "check digit"),
        (b" " * (MAX_PROFILE_BYTES + 1), "larger than 1 MB"),
        ("\udcff".encode("utf-8", "surrogatepass"), "not a text (UTF-8) JSON file"),
    ],
)
def test_bad_clinic_profiles_are_refused(payload: bytes, needle: str) -> None:
    with pytest.raises(GfeError) as info:
        clinic_from_profile(payload)
    assert needle in str(info.value)


# ---------------------------------------------------------------- the PDF


def _gfe(scenario: Scenario, patient_name: str = "Zoë Ångström-Núñez", **request) -> tuple[str, Scenario, object]:
    result = estimate(scenario)
    pdf = gfe_pdf(
        scenario,
        result,
        clinic=ClinicDetails.model_validate(CLINIC),
        patient=PatientDetails(name=patient_name, date_of_birth=dt.date(1985, 4, 12)),
        request=_request(result, **request),
        made_on=MADE_ON,
    )
    assert pdf.startswith(b"%PDF-")
    return _text(pdf), scenario, result


def test_gfe_pdf_has_every_required_element_and_disclaimer() -> None:
    separately = "Monthly medication management with Dr. Ng, billed separately"
    text, scenario, result = _gfe(example_self_pay_scenario(START), separate_services=separately)
    items = gfe_items(scenario, result, ("F33.1", "F32.9"))
    threshold = latest_decimal("gfe_dispute_threshold")
    days = latest_decimal("gfe_dispute_days")
    fee = latest_decimal("gfe_dispute_fee")
    required = [
        # patient
        "Zoë Ångström-Núñez",
        "Apr 12, 1985",
        # primary service and its scheduled date
        "Primary item or service",
        "IV ketamine infusion treatment for depression",
        "Scheduled date Mar 2, 2026",
        # diagnosis and service codes, expected charges
        "ICD-10-CM",
        "F33.1, F32.9",
        "CPT/HCPCS",
        "99205",
        "96365+J3490",
        *[fmt_usd(i.expected_charge) for i in items],
        # provider: name, NPI, TIN, address, state, location of care
        CLINIC["name"],
        "NPI 1234567893",
        "TIN 12-3456789",
        CLINIC["address"],
        "State IL",
        "Location of care " + CLINIC["location"],
        # services to be scheduled separately
        "Items or services to be scheduled separately",
        separately,
        # disclaimers
        "not included in this Good Faith Estimate",
        "This is only an estimate",
        "actual items, services or charges may differ",
        "patient-provider dispute resolution",
        f"at least ${threshold:,.0f} more than this Good Faith Estimate",
        f"within {days} calendar days",
        f"a ${fee:,.0f} fee",
        "will not adversely affect the quality",
        "is not a contract",
        CMS_URL,
        CMS_PHONE,
        # recurring services: timeframe, frequency, total number, the 12-month limit
        "Recurring services: expected scope",
        "Timeframe: Mar 2, 2026 to Mar 19, 2026",
        "Total number of treatment sessions: 6",
        "twice a week",
        "at most 12 months",
        # date issued, crisis line and the product disclaimer
        "Date of this estimate Feb 25, 2026",
        "988",
        "not medical, legal or tax advice",
    ]
    missing = [r for r in required if r not in text]
    assert not missing, missing
    assert not re.findall(r"\d{4}-\d{2}-\d{2}", text)  # dates read as on the pages


def test_gfe_total_equals_the_estimate_total_to_the_cent() -> None:
    for preset, weeks in (("iv6", None), ("spravato_1y", 52), ("iv6_boosters", None)):
        text, scenario, result = _gfe(_scenario(preset, weeks=weeks))
        items = gfe_items(scenario, result, ("F33.1",))
        assert gfe_total(items) == result.totals.charges
        stated = re.findall(r"Expected total:? (\$[\d,]+\.\d\d)", text)
        assert stated and set(stated) == {fmt_usd(result.totals.charges)}, stated
        for item in items:
            assert fmt_usd(item.expected_charge) in text


def test_gfe_with_non_ascii_names_is_extractable() -> None:
    text, _, _ = _gfe(example_self_pay_scenario(START), patient_name="李小龍 Zoë Ångström-Núñez")
    assert "李小龍 Zoë Ångström-Núñez" in text
    clinic = ClinicDetails.model_validate(CLINIC | {"name": "Clínica Ñandú – Łódź"})
    scenario = example_self_pay_scenario(START)
    result = estimate(scenario)
    pdf = gfe_pdf(
        scenario,
        result,
        clinic=clinic,
        patient=PatientDetails(name="Zoë", date_of_birth=dt.date(1985, 4, 12)),
        request=_request(result),
        made_on=MADE_ON,
    )
    assert "Clínica Ñandú – Łódź" in _text(pdf)


def test_a_52_week_gfe_spans_pages_with_the_table_header_repeated() -> None:
    scenario = _scenario("spravato_1y", weeks=52)
    result = estimate(scenario)
    pdf = gfe_pdf(
        scenario,
        result,
        clinic=ClinicDetails.model_validate(CLINIC),
        patient=PatientDetails(name="Zoë", date_of_birth=dt.date(1985, 4, 12)),
        request=_request(result),
        made_on=MADE_ON,
    )
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 2
    for page in reader.pages:
        assert page.mediabox.width == pytest.approx(612) and page.mediabox.height == pytest.approx(792)
        text = " ".join((page.extract_text() or "").split())
        if "J0013" in text:  # a page with item rows starts them under the table header
            assert "Expected charge" in text and "CPT/HCPCS" in text
    text = _text(pdf)
    assert "Continuation: every 2 weeks, 22 sessions" in text
    assert "Total number of treatment sessions: 34" in text


def test_an_item_charged_at_a_package_price_says_so() -> None:
    """6 infusions at $450 each would read as a mistake against a $550 fee unless the package is named."""
    six = _scenario("iv6")
    items = gfe_items(six, estimate(six))
    infusions = next(i for i in items if i.quantity == 6 and i.expected_charge == 2700)
    assert infusions.description.endswith("(package of 6 for $2,700)")
    assert not any("package" in i.description for i in items if i is not infusions)  # the consult is at its fee

    boosters = _scenario("iv6_boosters")  # 6 infusions in the package, then boosters at the unit fee
    by_phase = {i.phase: i for i in gfe_items(boosters, estimate(boosters)) if "package" in i.description}
    assert list(by_phase) == ["induction"]

    four = six.model_copy(update={"packages": [six.packages[0].model_copy(update={"sessions": 4})]})
    partial = next(i for i in gfe_items(four, estimate(four)) if "package" in i.description)
    assert partial.description.endswith("(4 in the 4-session package for $2,700, the rest at the regular fee)")
    assert partial.quantity == 6 and partial.expected_charge == 2700 + 2 * 550

    short = six.model_copy(update={"horizon_weeks": 2})  # 4 of the package's 6 infusions fall in the estimate
    cut = next(i for i in gfe_items(short, estimate(short)) if "package" in i.description)
    assert cut.description.endswith("(4 of a 6-session package for $2,700)") and cut.quantity == 4


def test_package_flags_mark_the_first_lines_of_each_packaged_service() -> None:
    from estimator.models import Package
    from estimator.pricing import package_flags

    pkg = [Package(service="a", sessions=2, price="10")]
    assert package_flags(["a", "b", "a", "a"], pkg) == [True, False, True, False]
    assert package_flags(["b"], []) == [False]


# ---------------------------------------------------------------- the clinic's letterhead (issue 18)


def test_the_gfe_prints_the_clinics_letterhead_and_contact() -> None:
    from PIL import Image

    from estimator.documents.letterhead import Letterhead, contact_line

    logo = io.BytesIO()
    Image.new("RGB", (300, 100), (30, 110, 160)).save(logo, format="PNG")
    clinic = ClinicDetails.model_validate(CLINIC)
    head = Letterhead(
        clinic.name, clinic.address, clinic.phone, contact_line("Dana Whitfield", "217-555-0111"), logo.getvalue()
    )
    scenario = example_self_pay_scenario(START)
    result = estimate(scenario)
    patient = PatientDetails(name="Zoë Ångström-Núñez", date_of_birth=dt.date(1985, 4, 12))
    kwargs = {"clinic": clinic, "patient": patient, "request": _request(result), "made_on": MADE_ON}
    pdf = gfe_pdf(scenario, result, **kwargs, letterhead=head)
    reader = PdfReader(io.BytesIO(pdf))
    first = " ".join((reader.pages[0].extract_text() or "").split())
    assert first.startswith(f"{CLINIC['name']} {CLINIC['address']} Phone 217-555-0100 Contact: Dana Whitfield")
    assert first.index("Contact: Dana Whitfield, 217-555-0111") < first.index("Good Faith Estimate for Health Care")
    assert len(list(reader.pages[0].images)) == 1
    text = _text(pdf)
    assert "Questions about this estimate: Dana Whitfield, 217-555-0111, or call the clinic at 217-555-0100." in text
    assert f"{CLINIC['name']} · 217-555-0100 · Good Faith Estimate dated" in text  # in every footer
    assert text.count(f"{CLINIC['name']} · 217-555-0100 ·") == len(reader.pages)

    plain = gfe_pdf(scenario, result, **kwargs)
    assert gfe_pdf(scenario, result, **kwargs, letterhead=None) == plain
    plain_text = _text(plain)
    assert plain_text.startswith("Good Faith Estimate for Health Care Items and Services")
    assert "Dana Whitfield" not in plain_text and "Questions about this estimate" not in plain_text
    assert not any(list(p.images) for p in PdfReader(io.BytesIO(plain)).pages)

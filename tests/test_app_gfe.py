"""AppTest checks of the Good Faith Estimate page (server side, no browser)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from streamlit.testing.v1 import AppTest

from estimator.engine import estimate
from estimator.gfe import MAX_PROFILE_BYTES, ClinicDetails, add_months, clinic_profile_json, example_self_pay_scenario
from estimator.models import Scenario
from estimator.money import fmt_usd
from estimator.presets import course_preset, example_prices, plan_preset
from tests.conftest import ROOT
from ui.common import SCENARIO_KEY

APP = str(ROOT / "app.py")
PAGE = "ui/pages/good_faith_estimate.py"
START = dt.date(2026, 3, 2)
PATIENT = "Zoë Ångström-Núñez"


def _unescape(text: object) -> str:
    """Messages are Markdown-escaped before display (user text is never rendered as Markdown)."""
    return re.sub(r"\\(.)", r"\1", str(text))


def _scenario(kind: str = "self_pay") -> Scenario:
    p = course_preset("spravato_6m")
    coverage = plan_preset(kind).coverage
    return Scenario(
        version=1,
        name="SPRAVATO first 6 months",
        start_date=START,
        horizon_weeks=p.horizon_weeks,
        protocol=p.protocol,
        fees=example_prices().scenario_fees(),
        coverage=coverage,
    )


def _gfe_page(scenario: Scenario | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.run()
    if scenario is not None:
        at.session_state[SCENARIO_KEY] = scenario
    at.switch_page(PAGE)
    at.run()
    assert not at.exception
    return at


def _fill(at: AppTest, **overrides: str) -> AppTest:
    values = {
        "gfe_clinic_name": "Bright Path Ketamine Clinic",
        "gfe_clinic_address": "123 Main St, Springfield, IL 62701",
        "gfe_clinic_state": "IL",
        "gfe_clinic_npi": "1234567893",
        "gfe_clinic_tin": "12-3456789",
        "gfe_clinic_phone": "217-555-0100",
        "gfe_patient_name": PATIENT,
        "gfe_dx": "F33.1, F32.9",
    } | overrides
    for key, value in values.items():
        at.text_input(key=key).input(value)
    at.date_input(key="gfe_patient_dob").set_value(dt.date(1985, 4, 12))
    at.run()
    return at


def _errors(at: AppTest) -> list[str]:
    return [_unescape(e.value) for e in at.error]


def _download_labels(at: AppTest) -> list[str]:
    return [b.label for b in at.get("download_button")]


def test_filling_the_gfe_page_gives_a_preview_and_a_download() -> None:
    at = _fill(_gfe_page(_scenario()))
    assert not at.exception
    assert not at.error, _errors(at)
    expected = estimate(at.session_state[SCENARIO_KEY]).totals.charges
    assert [m.value for m in at.metric if m.label == "Expected total"] == [fmt_usd(expected)]
    assert "Download Good Faith Estimate (PDF)" in _download_labels(at)
    assert "Save clinic profile" in _download_labels(at)
    frame = at.dataframe[0].value
    assert list(frame["Diagnosis codes"].unique()) == ["F33.1, F32.9"]
    assert "J0013" in set(frame["Service code"])
    # Patient details never go in the URL.
    assert all(PATIENT not in str(v) for v in at.query_params.values())


def test_the_page_shows_the_988_line_and_the_disclaimer() -> None:
    at = _gfe_page(_scenario())
    text = " ".join(str(i.value) for i in at.info) + " ".join(str(c.value) for c in at.caption)
    assert "988" in text and "not medical, legal or tax advice" in text


def test_field_level_errors_for_bad_npi_tin_and_codes() -> None:
    at = _fill(_gfe_page(_scenario()), gfe_clinic_npi="1234567890", gfe_clinic_tin="12-34567", gfe_dx="F33.1, X9")
    assert not at.exception
    errors = " ".join(_errors(at))
    assert "not a valid NPI" in errors and "check digit" in errors
    assert "XX-XXXXXXX" in errors
    assert "“X9” is not an ICD-10-CM code" in errors
    assert "Download Good Faith Estimate (PDF)" not in _download_labels(at)
    assert any(b.label == "Download Good Faith Estimate (PDF)" and b.disabled for b in at.button)


def test_a_13_month_period_is_refused_on_the_page() -> None:
    at = _fill(_gfe_page(_scenario()))
    start = at.date_input(key="gfe_period_start").value
    at.date_input(key="gfe_period_end").set_value(add_months(start, 13)).run()
    assert not at.exception
    assert any("at most 12 months" in e for e in _errors(at)), _errors(at)
    assert "Download Good Faith Estimate (PDF)" not in _download_labels(at)


def test_an_insured_scenario_gets_an_explanation_instead_of_the_form() -> None:
    at = _gfe_page(_scenario("hdhp_2026"))
    warnings = " ".join(_unescape(w.value) for w in at.warning)
    assert "uninsured and self-pay patients" in warnings
    assert "commercial insurance" in warnings and "Self-pay / uninsured" in warnings
    assert not [t for t in at.text_input if t.key == "gfe_patient_name"]
    assert "Download Good Faith Estimate (PDF)" not in _download_labels(at)


def test_a_medicare_scenario_is_not_eligible() -> None:
    at = _gfe_page(_scenario("medicare_b_2026"))
    warnings = " ".join(_unescape(w.value) for w in at.warning)
    assert "Medicare, Medicaid or TRICARE" in warnings and "not eligible" in warnings
    assert not at.exception


def test_without_an_estimate_the_example_six_iv_course_is_used() -> None:
    at = AppTest.from_file(str(ROOT / PAGE), default_timeout=30).run()
    assert not at.exception
    assert any("Six IV infusions" in str(i.value) for i in at.info)
    example = example_self_pay_scenario(dt.date.today())
    assert [m.value for m in at.metric] == [fmt_usd(estimate(example).totals.charges)]


def test_clear_patient_details() -> None:
    at = _fill(_gfe_page(_scenario()))
    at.button(key="gfe_clear").click().run()
    assert not at.exception
    assert at.text_input(key="gfe_patient_name").value == ""
    assert at.date_input(key="gfe_patient_dob").value is None
    assert at.text_input(key="gfe_clinic_name").value == "Bright Path Ketamine Clinic"


def test_load_clinic_profile_fills_the_clinic_fields() -> None:
    clinic = ClinicDetails(
        name="Clínica Ñandú", address="1 Main St, Springfield", state="IL", npi="1234567893", tin="12-3456789"
    )
    at = _gfe_page(_scenario())
    at.file_uploader(key="gfe_profile_upload").set_value(
        ("clinic-profile.json", clinic_profile_json(clinic).encode(), "application/json")
    )
    at.run()
    assert not at.exception
    assert any("Clinic profile loaded" in str(s.value) for s in at.success)
    assert at.text_input(key="gfe_clinic_name").value == "Clínica Ñandú"
    assert at.text_input(key="gfe_clinic_tin").value == "12-3456789"
    # Later edits are kept: the same upload is not applied again on the next run.
    at.text_input(key="gfe_clinic_name").input("Clínica Ñandú East").run()
    assert at.text_input(key="gfe_clinic_name").value == "Clínica Ñandú East"


def test_the_empty_profile_box_explains_a_file_the_browser_refused() -> None:
    at = _gfe_page(_scenario())
    hint = [str(c.value) for c in at.caption if "marked in red was not opened" in str(c.value)]
    assert len(hint) == 1 and "larger than 1 MB or not a .json file" in hint[0]
    clinic = ClinicDetails(name="A", address="1 Main St", state="IL", npi="1234567893", tin="12-3456789")
    profile = clinic_profile_json(clinic)
    at.file_uploader(key="gfe_profile_upload").set_value(("p.json", profile.encode(), "application/json")).run()
    assert not [c for c in at.caption if "marked in red was not opened" in str(c.value)]


def test_a_bad_or_oversized_clinic_profile_is_refused() -> None:
    at = _gfe_page(_scenario())
    at.file_uploader(key="gfe_profile_upload").set_value(("p.json", b'{"name": 1}', "application/json")).run()
    assert not at.exception
    # named by the field's label on the page, as a sentence
    assert any(e.startswith("Clinic or provider name: ") and e.endswith(".") for e in _errors(at)), _errors(at)
    big = b"{" + b" " * (MAX_PROFILE_BYTES + 10) + b"}"
    at.file_uploader(key="gfe_profile_upload").set_value(("big.json", big, "application/json")).run()
    assert not at.exception
    assert any("larger than 1 MB" in e for e in _errors(at)), _errors(at)
    nested = b"[" * 90_000  # raised RecursionError and replaced the page with Streamlit's error screen
    at.file_uploader(key="gfe_profile_upload").set_value(("deep.json", nested, "application/json")).run()
    assert not at.exception
    assert any("nested too deeply" in e for e in _errors(at)), _errors(at)


@pytest.mark.parametrize("page", [PAGE, "ui/pages/compare.py"])
def test_gfe_and_compare_say_when_they_use_an_older_estimate(page: str) -> None:
    from ui.common import STALE_NOTE

    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params["plan"] = "hdhp_2026"
    at.run()
    at.switch_page(page).run()
    assert STALE_NOTE not in [str(w.value) for w in at.warning]
    at.switch_page("ui/pages/estimate.py").run()
    at.session_state["ded_met"] = 5000.0  # more than the deductible: the Estimate page keeps its last estimate
    at.run()
    assert at.error
    at.switch_page(page).run()
    assert not at.exception
    assert STALE_NOTE in [str(w.value) for w in at.warning]


def test_gfe_names_the_course_it_uses() -> None:
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params.update({"start": "2027-01-04", "weeks": "4"})
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception
    texts = [str(t.value) for t in at.text]
    assert "IV ketamine infusions. 6 induction infusions over 3 weeks; 4 weeks from Jan 4, 2027." in texts, texts


def test_gfe_describes_an_edited_preset_as_it_is_not_as_another_preset() -> None:
    """SPRAVATO first year cut to 30 weeks was named "SPRAVATO first 6 months", and 8 infusions "Six IV
    infusions": the page now says what the course is."""
    for params, expected in (
        ({"course": "spravato_1y", "weeks": "30"}, "then every 2 weeks (label schedule); 30 weeks from"),
        ({"iv_n": "8", "iv_weeks": "4"}, "8 induction infusions over 4 weeks;"),
    ):
        at = AppTest.from_file(APP, default_timeout=30)
        at.query_params.update(params)
        at.run()
        at.switch_page(PAGE).run()
        assert not at.exception
        texts = [str(t.value) for t in at.text]
        assert any(expected in t for t in texts), texts
        assert not any("first 6 months" in t or "Six IV" in t for t in texts), texts


def test_a_course_longer_than_a_gfe_can_cover_is_said_before_anything_is_typed() -> None:
    """A 60-week course cannot fit one GFE (12 months): the page says so at once, not after diagnosis codes."""
    long_course = _scenario().model_copy(update={"horizon_weeks": 60})
    at = _gfe_page(long_course)
    assert not at.exception
    messages = _errors(at)
    assert any("the course has sessions until" in m.lower() and "12 months" in m for m in messages), messages
    assert not any(re.search(r"\d{4}-\d{2}-\d{2}", m) for m in messages)  # dates in the pages' style


def test_a_period_too_long_or_reversed_is_said_before_anything_is_typed() -> None:
    at = _gfe_page(_scenario())
    start = at.date_input(key="gfe_period_start").value
    at.date_input(key="gfe_period_end").set_value(add_months(start, 14)).run()
    assert any("covers at most 12 months" in m for m in _errors(at)), _errors(at)
    at.date_input(key="gfe_period_end").set_value(start - dt.timedelta(days=1)).run()
    assert any("the period ends before it starts" in m.lower() for m in _errors(at)), _errors(at)
    assert len(_errors(at)) == len(set(_errors(at)))  # each said once


def test_a_future_date_of_birth_is_named_beside_the_field_not_listed_as_missing() -> None:
    """With a max_value the widget dropped a typed future date and the page said "still needed: date of birth"
    beside a filled-in field; now the one message says what is wrong."""
    at = _fill(_gfe_page(_scenario()))
    at.date_input(key="gfe_patient_dob").set_value(dt.date.today() + dt.timedelta(days=30)).run()
    assert not at.exception
    assert any("date of birth is in the future" in e for e in _errors(at)), _errors(at)
    assert not any("date of birth" in _unescape(i.value) for i in at.info if "Still needed" in str(i.value))


def test_patient_details_survive_a_visit_to_another_page() -> None:
    """The page said they stay for the session, but the name, birth date and codes vanished after visiting
    another page and coming back (their widgets' state was dropped with the page)."""
    at = _fill(_gfe_page(_scenario()), gfe_primary="Esketamine sessions")
    at.text_area(key="gfe_separate").input("Therapy elsewhere").run()
    at.switch_page("ui/pages/estimate.py")
    at.run()
    at.switch_page(PAGE)
    at.run()
    assert at.text_input(key="gfe_patient_name").value == PATIENT
    assert at.date_input(key="gfe_patient_dob").value == dt.date(1985, 4, 12)
    assert at.text_input(key="gfe_dx").value == "F33.1, F32.9"
    assert at.text_input(key="gfe_primary").value == "Esketamine sessions"
    assert at.text_area(key="gfe_separate").value == "Therapy elsewhere"
    assert "Download Good Faith Estimate (PDF)" in _download_labels(at)


def test_an_unavailable_download_says_why_beside_the_button() -> None:
    at = _fill(_gfe_page(_scenario()), gfe_clinic_npi="1234567890")  # the check digit is wrong
    assert "Download Good Faith Estimate (PDF)" not in _download_labels(at)
    reasons = [_unescape(c.value) for c in at.caption if "not available yet" in str(c.value)]
    assert reasons == ["The PDF is not available yet: complete or correct the NPI above."]


def test_placeholders_read_as_examples_not_as_values() -> None:
    at = _gfe_page(_scenario())
    assert at.text_input(key="gfe_dx").placeholder.startswith("For example")
    assert at.text_input(key="gfe_primary").placeholder.startswith("Default:")

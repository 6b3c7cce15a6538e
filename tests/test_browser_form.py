"""Browser checks of the Estimate form's promises (issue 17), in the system Chromium: no silent numbers, the
headline in view while editing, and details that survive a page switch."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import require_chromium

LINK = "/?v=2&plan=hdhp_2026&course=spravato_6m&start=2027-01-04&ded=1000"
ANY_FIGURE = '[data-testid="stMetric"]'


def _you_pay(page: object) -> str:
    metric = page.locator(ANY_FIGURE, has_text="You pay")  # type: ignore[attr-defined]
    return metric.locator('[data-testid="stMetricValue"]').inner_text().strip()


def _open_insurance(page: object, app_url: str) -> object:
    page.goto(app_url + LINK)  # type: ignore[attr-defined]
    page.wait_for_selector('[data-testid="stMetricValue"]')  # type: ignore[attr-defined]
    page.get_by_text("3 · Insurance", exact=True).click()  # type: ignore[attr-defined]
    deductible = page.get_by_role("spinbutton", name="Deductible", exact=True)  # type: ignore[attr-defined]
    expect(deductible).to_have_value("1000.00")
    return deductible


def _message_beside(page: object, field: object, text: str) -> None:
    """The message is in the same column as the field, just below it."""
    column = field.locator("xpath=ancestor::*[@data-testid='stColumn'][1]")  # type: ignore[attr-defined]
    expect(column.get_by_text(text)).to_be_visible()


@pytest.mark.parametrize(
    ("typed", "message"),
    [("", "Enter an amount; 0 if none."), ("abc", "Enter an amount; 0 if none."), ("-500", "greater than or equal")],
    ids=["cleared", "abc", "minus-500"],
)
def test_an_unusable_deductible_is_named_beside_it_and_the_headline_keeps_its_value(
    page: object, app_url: str, typed: str, message: str
) -> None:
    require_chromium()
    deductible = _open_insurance(page, app_url)
    before = _you_pay(page)
    deductible.fill("")  # type: ignore[attr-defined]
    if typed:
        deductible.press_sequentially(typed)  # type: ignore[attr-defined]
    deductible.press("Enter")  # type: ignore[attr-defined]
    _message_beside(page, deductible, message)
    expect(page.get_by_text("The figures below are from the last valid inputs.", exact=False)).to_be_visible()
    assert _you_pay(page) == before


def test_the_headline_stays_in_view_while_section_6_is_edited_on_a_desktop(page: object, app_url: str) -> None:
    require_chromium()
    page.goto(app_url + "/")  # type: ignore[attr-defined]
    page.wait_for_selector('[data-testid="stMetricValue"]')  # type: ignore[attr-defined]
    for name in ("2 · Clinic prices", "3 · Insurance", "6 · Travel and time off"):
        page.get_by_text(name, exact=True).click()  # type: ignore[attr-defined]
        page.wait_for_timeout(500)  # type: ignore[attr-defined]
    page.get_by_text("Count travel costs").click()  # type: ignore[attr-defined]
    miles = page.get_by_role("spinbutton", name="Round-trip miles")  # type: ignore[attr-defined]
    miles.scroll_into_view_if_needed()
    miles.fill("120")
    miles.press("Enter")
    page.wait_for_timeout(1500)  # type: ignore[attr-defined]
    figure = page.locator(ANY_FIGURE, has_text="You pay")  # type: ignore[attr-defined]
    box, field = figure.bounding_box(), miles.bounding_box()
    height = page.viewport_size["height"]  # type: ignore[attr-defined]
    assert 0 <= field["y"] <= height, "the field edited is on screen"
    assert box["y"] >= 0 and box["y"] + box["height"] <= height, f"the headline is in view too: {box}"
    scrolled = page.evaluate(  # type: ignore[attr-defined]
        "() => Math.max(window.scrollY, ...[...document.querySelectorAll('*')].map(e => e.scrollTop))"
    )
    assert scrolled > 500, "the inputs did scroll to section 6"


def test_good_faith_estimate_details_survive_a_visit_to_another_page(page: object, app_url: str) -> None:
    require_chromium()
    page.goto(app_url + "/good_faith_estimate")  # type: ignore[attr-defined]
    page.wait_for_selector("h1")  # type: ignore[attr-defined]
    typed = {"Patient name": "Zoë Ångström", "Diagnosis codes (ICD-10-CM), separated by commas": "F33.1"}
    for label, value in typed.items():
        box = page.get_by_role("textbox", name=label, exact=True)  # type: ignore[attr-defined]
        box.fill(value)
        box.press("Enter")
    page.wait_for_timeout(800)  # type: ignore[attr-defined]
    page.get_by_role("link", name="Compare").click()  # type: ignore[attr-defined]
    page.get_by_role("heading", name="Compare scenarios").wait_for()  # type: ignore[attr-defined]
    page.get_by_role("link", name="Good Faith Estimate").click()  # type: ignore[attr-defined]
    for label, value in typed.items():
        expect(page.get_by_role("textbox", name=label, exact=True)).to_have_value(value)  # type: ignore[attr-defined]

"""Browser test of the main flow in the system Chromium (Playwright, never a downloaded browser)."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from tests.conftest import require_chromium


def _you_pay(page: object) -> str:
    metric = page.locator('[data-testid="stMetric"]', has_text="You pay")  # type: ignore[attr-defined]
    return metric.locator('[data-testid="stMetricValue"]').inner_text().strip()


def test_change_an_input_then_download_the_schedule(page: object, app_url: str) -> None:
    require_chromium()
    page.goto(app_url + "/")  # type: ignore[attr-defined]
    page.wait_for_selector('[data-testid="stMetricValue"]')  # type: ignore[attr-defined]
    # The default estimate: self-pay consult $350 + the example six-infusion package of $2,700.
    assert _you_pay(page) == "$3,050.00"
    assert page.get_by_text("988").count() > 0  # type: ignore[attr-defined]

    weeks = page.get_by_role("spinbutton", name="Weeks to estimate")  # type: ignore[attr-defined]
    weeks.fill("2")
    weeks.press("Enter")
    # Two weeks hold the infusions on days 0, 3, 7 and 10, each at the package share $450: $350 + 4 x $450.
    page.wait_for_function(  # type: ignore[attr-defined]
        """() => [...document.querySelectorAll('[data-testid="stMetric"]')]
              .some(m => m.innerText.includes('You pay') && m.innerText.includes('$2,150.00'))""",
        timeout=30_000,
    )
    assert _you_pay(page) == "$2,150.00"
    assert re.search(r"weeks=2", page.url)  # type: ignore[attr-defined]

    page.get_by_role("radio", name="Downloads", exact=True).click()  # type: ignore[attr-defined]
    with page.expect_download() as info:  # type: ignore[attr-defined]
        page.get_by_role("button", name="Schedule (CSV)").click()  # type: ignore[attr-defined]
    download = info.value
    assert download.suggested_filename == "treatment-schedule.csv"
    rows = list(csv.DictReader(io.StringIO(Path(download.path()).read_text(encoding="utf-8"))))
    assert [r["service"] for r in rows] == ["consult"] + ["iv_infusion"] * 4
    assert rows[-1]["running_total_you_pay"] == "2150.00"
    assert [r["charge"] for r in rows] == ["350.00"] + ["450.00"] * 4


def test_printable_estimate_pdf_downloads(page: object, app_url: str) -> None:
    require_chromium()
    page.goto(app_url + "/")  # type: ignore[attr-defined]
    page.wait_for_selector('[data-testid="stMetricValue"]')  # type: ignore[attr-defined]
    page.get_by_role("radio", name="Downloads", exact=True).click()  # type: ignore[attr-defined]
    with page.expect_download(timeout=60_000) as info:  # type: ignore[attr-defined]
        page.get_by_role("button", name="Printable estimate (PDF)").click()  # type: ignore[attr-defined]
    download = info.value
    assert download.suggested_filename == "cost-estimate.pdf"
    data = Path(download.path()).read_bytes()
    assert data.startswith(b"%PDF")
    assert len(data) > 10_000


def test_good_faith_estimate_pdf_downloads(page: object, app_url: str) -> None:
    """Fill the GFE page as a counselor would and download the PDF (patient name never in the file name)."""
    require_chromium()
    page.goto(app_url + "/good_faith_estimate")  # type: ignore[attr-defined]
    page.wait_for_selector("h1")  # type: ignore[attr-defined]
    fields = {
        "Clinic or provider name": "Calm Harbor Clinic",
        "Address": "12 Elm St, Springfield",
        "State (2-letter code)": "IL",
        "NPI (10 digits)": "1234567893",
        "TIN / EIN (XX-XXXXXXX)": "12-3456789",
        "Patient name": "Zoë Ångström",
        "Diagnosis codes (ICD-10-CM), separated by commas": "F33.1",
    }
    for label, value in fields.items():
        box = page.get_by_role("textbox", name=label, exact=True)  # type: ignore[attr-defined]
        box.fill(value)
        box.press("Enter")
    # The date field is three spin-button segments (year, month, day) that advance as you type.
    page.get_by_role("spinbutton", name="year, Date of birth").click()  # type: ignore[attr-defined]
    page.keyboard.type("19850402")  # type: ignore[attr-defined]
    page.keyboard.press("Tab")  # type: ignore[attr-defined]
    page.keyboard.press("Escape")  # type: ignore[attr-defined]
    page.get_by_role("heading", name="2. Patient").click()  # commit the date by leaving the field

    button = page.get_by_role("button", name="Download Good Faith Estimate (PDF)")  # type: ignore[attr-defined]
    page.wait_for_function(  # type: ignore[attr-defined]
        """() => [...document.querySelectorAll('button')]
              .some(b => b.innerText.includes('Download Good Faith Estimate') && !b.disabled)""",
        timeout=30_000,
    )
    with page.expect_download(timeout=60_000) as info:  # type: ignore[attr-defined]
        button.click()
    download = info.value
    assert download.suggested_filename == "good-faith-estimate.pdf"
    assert Path(download.path()).read_bytes().startswith(b"%PDF")

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

"""Browser test of the Clinic page (issue 18): a clinic, a price list and a payer template made on the page in
Chromium are there again after the app is restarted (a new server process on the same database file).

The servers here are this test's own, on a temporary SQLite file, never the user's setup."""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import expect

from scripts.localapp import running_app_process
from tests.conftest import isolated_store_env, require_chromium
from tests.test_browser_a11y import AXE, _assert_clean

CLINIC = "Bright Path Ketamine Clinic"
FIELDS = {
    "Clinic name": CLINIC,
    "Address": "123 Main St, Springfield, IL 62701",
    "State (2-letter code)": "IL",
    "NPI (10 digits)": "1234567893",
    "TIN / EIN (XX-XXXXXXX)": "12-3456789",
    "Financial counselor (optional)": "Dana Whitfield",
}
CHARGES = ["325", "575", "390", "310", "185", "160"]  # the six example services' rows, in order


def _settled(page: object) -> None:
    """No rerun under way (Streamlit shows its status widget and fades stale elements while one runs)."""
    page.wait_for_function(  # type: ignore[attr-defined]
        """() => !document.querySelector('[data-testid="stStatusWidget"]')
              && !document.querySelector('[data-stale="true"]')""",
        timeout=30_000,
    )
    page.wait_for_timeout(300)  # type: ignore[attr-defined]


def _type(page: object, label: str, value: str) -> None:
    field = page.get_by_label(label, exact=True)  # type: ignore[attr-defined]
    field.fill(value)
    field.press("Enter")
    _settled(page)


def _fill_second_grid_column(page: object, grid_index: int, values: list[str]) -> None:
    """Type values down the column after the pinned Service column (200 px wide, after the row markers) of a data
    editor: select its first row's cell, then for each value open
    the cell (Enter), type it and save it (Enter, which also moves down a row)."""
    grid = page.locator('[data-testid="stDataFrame"]').nth(grid_index)  # type: ignore[attr-defined]
    grid.scroll_into_view_if_needed()
    _settled(page)
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 33 + 200 + 30, box["y"] + 35 + 17)  # type: ignore[attr-defined]
    # The cell must hold the keyboard before Enter: a rerun still on its way (the previous field's) redraws the
    # grid and drops a selection made a moment before it, and the Enter then opened nothing (seen under load).
    expect(grid.locator('td[role="gridcell"][aria-selected="true"][aria-colindex="2"]')).to_have_count(1)
    _settled(page)
    expect(page.locator('td[role="gridcell"][aria-colindex="2"]:focus')).to_have_count(1)  # type: ignore[attr-defined]
    cell_editor = page.locator("#portal input, #portal textarea")  # type: ignore[attr-defined]
    for value in values:
        page.keyboard.press("Enter")  # type: ignore[attr-defined]
        expect(cell_editor).to_be_visible()  # keys typed before the cell's editor opens are lost
        page.keyboard.type(value)  # type: ignore[attr-defined]
        expect(cell_editor).to_have_value(value)
        page.wait_for_timeout(300)  # type: ignore[attr-defined]  # the number cell takes its value a moment later
        page.keyboard.press("Enter")  # type: ignore[attr-defined]
        expect(cell_editor).to_have_count(0)
        page.wait_for_timeout(300)  # type: ignore[attr-defined]
    page.keyboard.press("Escape")  # type: ignore[attr-defined]
    page.wait_for_timeout(1000)  # type: ignore[attr-defined]  # the last edit reaches the server
    _settled(page)


def _shot(page: object, name: str) -> None:
    if folder := os.environ.get("CLINIC_SCREENSHOTS"):  # e.g. CLINIC_SCREENSHOTS=/tmp to look at the page
        page.screenshot(path=str(Path(folder) / f"clinic-{name}.png"), full_page=True)  # type: ignore[attr-defined]


def test_setup_made_on_the_clinic_page_is_there_after_a_restart(browser: object, tmp_path: Path) -> None:
    require_chromium()
    env = isolated_store_env(tmp_path) | {"ESTIMATOR_DATABASE_URL": f"sqlite:///{tmp_path / 'clinic.sqlite3'}"}
    context = browser.new_context(viewport={"width": 1440, "height": 1000})  # type: ignore[attr-defined]
    page = context.new_page()
    page.set_default_timeout(30_000)
    with running_app_process(env=env) as (url, _):
        page.goto(f"{url}/clinic")
        expect(page.get_by_role("heading", name="1. Clinic details")).to_be_visible()
        _settled(page)
        for label, value in FIELDS.items():
            _type(page, label, value)
        page.get_by_role("button", name="Create clinic").click()
        expect(page.get_by_text(f"Saved the clinic “{CLINIC}” (version 1).")).to_be_visible()
        _settled(page)

        _type(page, "Price list name", "Standard 2026")
        _fill_second_grid_column(page, 0, CHARGES)  # the fees table's Charge column
        _shot(page, "grid")
        page.get_by_role("button", name="Create price list").click()
        expect(page.get_by_text("Saved the price list “Standard 2026” (version 1).")).to_be_visible()
        _settled(page)

        _type(page, "Template name", "Aetna PPO")
        _type(page, "Plan year starts (MM-DD, optional)", "07-01")
        page.get_by_role("button", name="Create payer template").click()
        expect(page.get_by_text("Saved the payer template “Aetna PPO” (version 1).")).to_be_visible()
        _settled(page)
        _shot(page, "made")

    with running_app_process(env=env) as (url, _):  # the app restarted, on the same database file
        page.goto(f"{url}/clinic")
        expect(page.get_by_label("Clinic name", exact=True)).to_have_value(CLINIC)
        expect(page.get_by_label("NPI (10 digits)", exact=True)).to_have_value("1234567893")
        expect(page.get_by_label("Financial counselor (optional)", exact=True)).to_have_value("Dana Whitfield")
        expect(page.get_by_label("Template name", exact=True)).to_have_value("Aetna PPO")
        expect(page.get_by_label("Price list name", exact=True)).to_have_value("Standard 2026")
        expect(page.get_by_label("Plan year starts (MM-DD, optional)", exact=True)).to_have_value("07-01")
        _settled(page)
        _shot(page, "restarted")
        if AXE.exists():  # the page with a setup in it (test_browser_a11y checks it empty, installing axe-core)
            _assert_clean(page, AXE.read_text(encoding="utf-8"), "Clinic page with a clinic, price list and template")
    context.close()
    assert not (tmp_path / "ketamine-estimator").exists()  # the named database, not the default file

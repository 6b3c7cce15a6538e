"""Browser test of the clinic's setup used on a page (issue 18): on an app server whose clinic store is a temporary
SQLite file holding one clinic, the Good Faith Estimate filled in from the setup downloads with the clinic's details
and letterhead."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader

from scripts.localapp import running_app_process
from tests.conftest import require_chromium
from tests.records_helpers import CLINIC, store_setup_with_logo


@pytest.fixture(scope="module")
def setup_app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An app server of its own whose clinic store is a temporary database holding the test clinic (never the
    user's own store: the data folder is temporary too)."""
    require_chromium()
    folder = tmp_path_factory.mktemp("clinic-setup")
    url = f"sqlite:///{folder / 'clinic.sqlite3'}"
    store_setup_with_logo(url)
    env = {"ESTIMATOR_DATABASE_URL": url, "XDG_DATA_HOME": str(folder / "data")}
    with running_app_process(env=env) as (app_url, _):
        yield app_url


def test_the_gfe_printout_shows_the_clinics_details_from_the_setup(browser, setup_app_url: str) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        page.goto(setup_app_url + "/good_faith_estimate")
        page.get_by_role("combobox", name="Price list").wait_for()  # the setup's box is drawn
        page.get_by_role("button", name="Use the clinic's details").click()
        name_box = page.get_by_role("textbox", name="Clinic or provider name", exact=True)
        page.wait_for_function(
            "name => [...document.querySelectorAll('input')].some(i => i.value === name)", arg=CLINIC
        )
        assert name_box.input_value() == CLINIC
        for label, value in {
            "Patient name": "Zoë Ångström",
            "Diagnosis codes (ICD-10-CM), separated by commas": "F33.1",
        }.items():
            box = page.get_by_role("textbox", name=label, exact=True)
            box.fill(value)
            box.press("Enter")
        page.get_by_role("spinbutton", name="month, Date of birth").click()
        page.keyboard.type("04021985")  # month, day, year: the one date format (ui.widgets.DATE_FORMAT)
        page.keyboard.press("Tab")
        page.keyboard.press("Escape")
        page.get_by_role("heading", name="2. Patient").click()  # commit the date by leaving the field
        page.wait_for_function(
            # The enabled button alone: the disabled one it replaces stays on the page until the run ends.
            """() => {
                const shown = [...document.querySelectorAll('button')]
                    .filter(b => b.innerText.includes('Download Good Faith Estimate'));
                return shown.length === 1 && !shown[0].disabled;
            }""",
            timeout=30_000,
        )
        price_list = page.get_by_role("combobox", name="Price list")
        assert price_list.input_value() == "Standard 2026"  # the example course is priced by the list in effect
        if shot := os.environ.get("GFE_SCREENSHOT"):  # e.g. GFE_SCREENSHOT=/tmp/gfe.png to look at the page
            page.screenshot(path=shot, full_page=True)
        with page.expect_download(timeout=60_000) as info:
            page.get_by_role("button", name="Download Good Faith Estimate (PDF)").click()
        download = info.value
        assert download.suggested_filename == "good-faith-estimate.pdf"
        reader = PdfReader(io.BytesIO(Path(download.path()).read_bytes()))
    finally:
        context.close()
    text = " ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages)
    assert text.startswith(f"{CLINIC} 1200 Lakeside Dr, Suite 4, Ann Arbor, MI 48104 Phone 734-555-0100")
    for needle in (
        "Contact: Dana Whitfield, 734-555-0111, billing@lakeside.example",
        f"Provider / facility {CLINIC}",
        "NPI 1234567893",
        "TIN 12-3456789",
        "State MI",
        "Zoë Ångström",
        "Questions about this estimate: Dana Whitfield",
    ):
        assert needle in text, needle
    assert len(list(reader.pages[0].images)) == 1  # the clinic's logo

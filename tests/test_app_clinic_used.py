"""The clinic's setup used on the Good Faith Estimate and Batch pages (issue 18), in AppTest on a temporary SQLite
database: the GFE's details and price list from the setup and its printout with the clinic's letterhead; the Batch
page's price list and payer templates giving the same rows as `python -m estimator batch --clinic`."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader
from streamlit.testing.v1 import AppTest

from clinic.clinic_file import setup_from_json
from estimator.clinic_setup import apply_price_list
from estimator.engine import estimate
from estimator.gfe import example_self_pay_scenario
from estimator.money import fmt_usd
from estimator.scenario_io import scenario_from_data
from tests.conftest import ROOT, download_data
from tests.records_helpers import CLINIC, SETUP_FILE, store_setup_with_logo
from tests.test_clinic_cli import ROWS, _cli, _csv  # the same five patients as the command line's test
from ui.common import SCENARIO_KEY

APP = str(ROOT / "app.py")
GFE = "ui/pages/good_faith_estimate.py"
BATCH = "ui/pages/batch.py"
PATIENT = "Zoë Ångström-Núñez"
RESULT_STATE = "batch_output"  # the Batch page's (key, output, results CSV) (importing the page would run it)


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, Path]]:
    """A temporary SQLite clinic store holding the test clinic's setup (with a logo), named by the environment."""
    path = tmp_path / "clinic.sqlite3"
    url = f"sqlite:///{path}"
    monkeypatch.setenv("ESTIMATOR_DATABASE_URL", url)
    store_setup_with_logo(url)
    yield url, path


def _page(page: str, scenario: object = None) -> AppTest:
    """The page alone (no estimate made: the GFE uses the example course), or reached from the app with a scenario
    made on the Estimate page."""
    if scenario is None:
        at = AppTest.from_file(str(ROOT / page), default_timeout=60).run()
    else:
        at = AppTest.from_file(APP, default_timeout=60).run()
        at.session_state[SCENARIO_KEY] = scenario
        at.switch_page(page)
        at.run()
    assert not at.exception, at.exception
    return at


def _pdf_text(pdf: bytes) -> str:
    return " ".join(" ".join((p.extract_text() or "").split()) for p in PdfReader(io.BytesIO(pdf)).pages)


# ---------------------------------------------------------------- the Good Faith Estimate page


def test_gfe_fills_the_clinic_from_the_setup_and_prints_its_letterhead(  # type: ignore[no-untyped-def]
    db, recorded_downloads
) -> None:
    _, path = db
    at = _page(GFE)
    assert at.text_input(key="gfe_clinic_name").value == ""
    # the example course has only example prices: the clinic's list in effect prices it
    assert at.selectbox(key="gfe_price_list").value == "Standard 2026"
    at.button(key="gfe_use_setup").click().run()
    assert not at.exception
    filled = {f: at.text_input(key=f"gfe_clinic_{f}").value for f in ("name", "address", "state", "npi", "tin")}
    assert filled == {
        "name": CLINIC,
        "address": "1200 Lakeside Dr, Suite 4, Ann Arbor, MI 48104",
        "state": "MI",
        "npi": "1234567893",
        "tin": "12-3456789",
    }
    assert at.text_input(key="gfe_clinic_phone").value == "734-555-0100"
    assert any("filled in from the setup" in s.value for s in at.success)

    # the GFE is priced by the clinic's price list
    example = example_self_pay_scenario(dt.date.today())
    setup = setup_from_json(SETUP_FILE.read_bytes())
    standard = next(p.content for p in setup.price_lists if p.content.name == "Standard 2026")
    priced = estimate(scenario_from_data(apply_price_list(example.model_dump(mode="json"), standard)))
    assert priced.totals.charges != estimate(example).totals.charges
    assert [m.value for m in at.metric] == [fmt_usd(priced.totals.charges)]

    at.text_input(key="gfe_patient_name").input(PATIENT)
    at.text_input(key="gfe_dx").input("F33.1")
    at.date_input(key="gfe_patient_dob").set_value(dt.date(1985, 4, 12))
    at.run()
    assert not at.exception and not at.error
    pdf = download_data(at, "Download Good Faith Estimate (PDF)", recorded_downloads)
    text = _pdf_text(pdf)
    assert text.startswith(f"{CLINIC} 1200 Lakeside Dr, Suite 4, Ann Arbor, MI 48104 Phone 734-555-0100")
    for needle in (
        "Contact: Dana Whitfield, 734-555-0111, billing@lakeside.example",
        "NPI 1234567893",
        "TIN 12-3456789",
        PATIENT,
        f"Expected total: {fmt_usd(priced.totals.charges)}",
        "Questions about this estimate: Dana Whitfield",
    ):
        assert needle in text, needle
    assert len(list(PdfReader(io.BytesIO(pdf)).pages[0].images)) == 1  # the clinic's logo

    # the setup is only read: nothing about the patient reaches the database
    assert PATIENT.encode() not in path.read_bytes() and "Ångström".encode() not in path.read_bytes()
    for extra in path.parent.glob("clinic.sqlite3-*"):  # a journal or WAL file, if any
        assert "Ångström".encode() not in extra.read_bytes()


def test_gfe_keeps_the_estimates_prices_and_a_typed_provider_gets_no_letterhead(  # type: ignore[no-untyped-def]
    db, recorded_downloads
) -> None:
    scenario = example_self_pay_scenario(dt.date.today()).model_copy(update={"name": "From the Estimate page"})
    at = _page(GFE, scenario)
    assert at.selectbox(key="gfe_price_list").value == "The estimate's own prices"
    assert [m.value for m in at.metric] == [fmt_usd(estimate(scenario).totals.charges)]
    values = {
        "gfe_clinic_name": "Another Clinic",
        "gfe_clinic_address": "1 Main St, Springfield, IL 62701",
        "gfe_clinic_state": "IL",
        "gfe_clinic_npi": "1245319599",
        "gfe_clinic_tin": "98-7654321",
        "gfe_patient_name": PATIENT,
        "gfe_dx": "F33.1",
    }
    for key, value in values.items():
        at.text_input(key=key).input(value)
    at.date_input(key="gfe_patient_dob").set_value(dt.date(1985, 4, 12))
    at.run()
    assert not at.exception and not at.error
    text = _pdf_text(download_data(at, "Download Good Faith Estimate (PDF)", recorded_downloads))
    assert text.startswith("Good Faith Estimate for Health Care Items and Services")
    assert "Dana Whitfield" not in text and CLINIC not in text and "Another Clinic" in text


def test_without_a_setup_the_gfe_page_offers_none_and_creates_no_database(  # type: ignore[no-untyped-def]
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ESTIMATOR_DATABASE_URL", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    at = _page(GFE)
    assert not [b for b in at.button if b.label == "Use the clinic's details"]
    assert not [s for s in at.selectbox if s.label == "Price list"]
    assert next(u.label for u in at.get("file_uploader")) == "Load clinic profile (JSON)"
    assert not any(tmp_path.iterdir())


# ---------------------------------------------------------------- the Estimate page's printable estimate


def test_the_estimate_pages_printout_carries_the_chosen_clinics_letterhead(  # type: ignore[no-untyped-def]
    db, recorded_downloads
) -> None:
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.segmented_control(key="view").set_value("Downloads").run()
    assert not at.exception
    pdf = download_data(at, "Printable estimate (PDF)", recorded_downloads)
    text = _pdf_text(pdf)
    assert text.startswith(f"{CLINIC} 1200 Lakeside Dr, Suite 4, Ann Arbor, MI 48104 Phone 734-555-0100")
    assert "Questions about this estimate: Dana Whitfield, 734-555-0111, billing@lakeside.example" in text
    assert len(list(PdfReader(io.BytesIO(pdf)).pages[0].images)) == 1


# ---------------------------------------------------------------- the Batch page


def _page_results(at: AppTest) -> str:
    """The results CSV the page offers for download."""
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    assert [b for b in at.get("download_button") if b.label == "Download the results CSV"]
    return str(at.session_state[RESULT_STATE][2])


def test_batch_page_with_the_clinics_setup_equals_the_command_line(db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    url, _ = db
    text = _csv(ROWS)
    source = tmp_path / "patients.csv"
    source.write_text(text, encoding="utf-8")
    at = _page(BATCH)
    # the clinic's price list in effect today and no batch template, as `batch --clinic` takes them
    assert at.selectbox(key="batch_price_list").value == "Standard 2026"
    assert at.selectbox(key="batch_price_list").options == ["Standard 2026", "none"]  # the archived 2025 list is not
    assert at.selectbox(key="batch_payer_template").value == "none"
    assert not [r for r in at.radio if r.label == "Clinic price list"]  # the setup's list replaces the choice
    at.file_uploader(key="batch_csv").upload("patients.csv", text.encode(), "text/csv").run()
    page = list(csv.DictReader(io.StringIO(_page_results(at))))

    done = _cli(url, "batch", str(source), "--clinic", CLINIC)
    assert done.returncode == 0, done.stderr
    cli = list(csv.DictReader(io.StringIO(done.stdout)))
    assert len(page) == len(cli) == 5
    for got, want in zip(page, cli, strict=True):
        assert got == want, got["patient_ref"]
    assert all(r["error"] == "" and r["coverage_used"].startswith("payer template ") for r in page)

    # a batch template for rows naming none, and another price list, as --payer-template / --price-list
    plain = [{k: v for k, v in r.items() if k != "payer_template"} for r in ROWS[:2]]
    text2 = _csv(plain)
    source.write_text(text2, encoding="utf-8")
    at.selectbox(key="batch_payer_template").set_value("Aetna Open Access PPO").run()
    assert not [r for r in at.radio if r.label.startswith("Coverage for rows")]  # a template, or a coverage file
    at.file_uploader(key="batch_csv").upload("patients2.csv", text2.encode(), "text/csv").run()
    page = list(csv.DictReader(io.StringIO(_page_results(at))))
    done = _cli(url, "batch", str(source), "--clinic", CLINIC, "--payer-template", "Aetna Open Access PPO",
                "--price-list", "Standard 2026")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert page == list(csv.DictReader(io.StringIO(done.stdout)))
    assert [r["coverage_used"] for r in page] == ["plan preset ppo_copays", "payer template Aetna Open Access PPO"]

"""The Estimate page started from the clinic's kept setup (issue 18): a price list and a payer template give the
same figures as the scenario file with the same content, and the page's own tables can be kept as either."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from clinic.clinic_file import setup_from_json
from clinic.store import ClinicStore
from estimator import estimate
from estimator.clinic_setup import scenario_with_setup
from estimator.scenario_io import scenario_from_data
from tests.conftest import ROOT

SETUP = Path(__file__).parent / "data" / "clinic_setup.json"
SECTIONS = ["course", "prices", "insurance"]


@pytest.fixture
def kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ClinicStore:
    """A clinic setup kept in a fresh SQLite file, which the app then finds through ESTIMATOR_DATABASE_URL."""
    url = f"sqlite:///{tmp_path / 'clinic.sqlite3'}"
    monkeypatch.setenv("ESTIMATOR_DATABASE_URL", url)
    store = ClinicStore.open(url)
    store.import_setup(setup_from_json(SETUP.read_bytes()))
    return store


def _app() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    for name in SECTIONS:
        at.session_state["sec_" + name] = True
    return at.run()


def _you_pay(at: AppTest) -> Decimal:
    value = next(m.value for m in at.metric if m.label == "You pay")
    return Decimal(value.replace("$", "").replace(",", ""))


@pytest.mark.parametrize("template", ["Aetna Open Access PPO", "BCBS PPO, clinic out of network", "Medicare Part B"])
def test_the_page_from_a_kept_price_list_and_template_equals_the_same_scenario_file(
    kept: ClinicStore, template: str
) -> None:
    at = _app()
    at.selectbox(key="course").set_value("spravato_1y").run()
    before = at.session_state["current_scenario"].model_dump(mode="json")
    clinic = kept.list_clinics()[0].name
    price_list = kept.get_price_list(clinic, "Standard 2026").content
    payer = kept.get_payer_template(clinic, template).content
    at.selectbox(key="setup_price_list").set_value("Standard 2026").run()
    at.button(key="use_prices").click().run()
    at.selectbox(key="setup_template").set_value(template).run()
    at.button(key="use_template").click().run()
    assert not at.exception
    assert [str(s.value) for s in at.success][-1].replace("\\", "").startswith("From the clinic's payer template")
    page = at.session_state["current_scenario"]
    expected = scenario_from_data(scenario_with_setup(before, price_list=price_list, template=payer))
    assert estimate(page).totals == estimate(expected).totals
    assert _you_pay(at) == estimate(expected).totals.patient_pays
    # The page lists every priced service; those the template leaves out are rows marked not covered.
    shown = page.coverage.services
    assert {k: shown[k] for k in expected.coverage.services} == expected.coverage.services
    assert not any(rule.covered for k, rule in shown.items() if k not in expected.coverage.services)


def test_the_pages_prices_and_coverage_can_be_kept_as_a_price_list_and_a_template(kept: ClinicStore) -> None:
    at = _app()
    at.selectbox(key="plan").set_value("ppo_copays").run()
    at.text_input(key="setup_new_prices").input("Walk-in 2027").run()
    at.button(key="keep_prices").click().run()
    at.text_input(key="setup_new_template").input("PPO as quoted").run()
    at.button(key="keep_template").click().run()
    assert not at.exception
    clinic = kept.list_clinics()[0].name
    prices = kept.get_price_list(clinic, "Walk-in 2027").content
    page = at.session_state["current_scenario"]
    assert [(f.service, f.charge) for f in prices.fees] == [(f.service, f.charge) for f in page.fees]
    template = kept.get_payer_template(clinic, "PPO as quoted").content
    assert template.services == page.coverage.services and template.kind == "commercial"
    assert template.in_network is not None and template.in_network.deductible_met == 0  # one patient's, not kept
    at.text_input(key="setup_new_template").input("PPO as quoted").run()
    at.button(key="keep_template").click().run()
    assert any("already kept" in str(e.value) for e in at.error)  # never overwritten unseen


def test_without_a_setup_the_page_offers_none(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ESTIMATOR_DATABASE_URL", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    at = _app()
    assert not at.exception
    assert "setup_price_list" not in [s.key for s in at.selectbox]
    assert not (tmp_path / "ketamine-estimator").exists()  # a patient's visit creates no database


# The acceptance, end to end: the batch rows of five patients, each naming a payer template, equal the
# estimates a counselor builds on the Estimate page from the same template and price list.
TIER_FIELDS = {
    "in": {"deductible": "ded", "deductible_met": "ded_met", "coinsurance_pct": "coins", "oop_max": "oop",
           "oop_met": "oop_met"},
    "out": {"deductible": "oon_ded", "deductible_met": "oon_ded_met", "coinsurance_pct": "oon_coins",
            "oop_max": "oon_oop", "oop_met": "oon_oop_met"},
}  # fmt: skip
SWITCHES = {"oop": "has_oop", "oon_oop": "oon_oop_on"}


def _page_estimate(row: dict[str, str], template: str) -> Any:
    """The row's patient entered on the Estimate page as a counselor would: course, first day, the clinic's
    price list and the row's payer template, then the patient's own figures."""
    import datetime as dt

    at = _app()
    at.selectbox(key="course").set_value(row["course_preset"]).run()
    at.date_input(key="start").set_value(dt.date.fromisoformat(row["start_date"])).run()
    if row.get("start_session"):
        at.number_input(key="start_session").set_value(int(row["start_session"])).run()
        at.multiselect(key="once").set_value([]).run()
    at.selectbox(key="setup_price_list").set_value("Standard 2026").run()
    at.button(key="use_prices").click().run()
    at.selectbox(key="setup_template").set_value(template).run()
    at.button(key="use_template").click().run()
    network = row.get("network") or "in"
    if network != at.session_state["network"]:
        at.radio(key="network").set_value(network).run()
    if row.get("plan_year_start"):
        at.text_input(key="py_start").input(row["plan_year_start"]).run()
    for column, key in TIER_FIELDS[network].items():
        if row.get(column):
            if key in SWITCHES and not at.session_state[SWITCHES[key]]:
                at.toggle(key=SWITCHES[key]).set_value(True).run()
            at.number_input(key=key).set_value(float(row[column])).run()
    if row.get("savings_program") == "yes":
        at.session_state["sec_programs"] = True
        at.run()
        at.toggle(key="wm_on").set_value(True).run()
    assert not at.exception
    assert not [e for e in at.error], [str(e.value) for e in at.error]
    return at.session_state["current_scenario"]


def test_batch_rows_naming_templates_equal_the_estimates_built_on_the_page(kept: ClinicStore) -> None:
    from estimator.workflows.batch import run_batch
    from estimator.workflows.batch_input import prices_from_price_list
    from tests.test_clinic_cli import PRICES, ROWS, TEMPLATES, _csv

    out = run_batch(_csv(ROWS), prices_from_price_list(PRICES), payer_templates=TEMPLATES)
    for got, row in zip(out.rows, ROWS, strict=True):
        template = next(t.name for t in TEMPLATES.values() if t.name.casefold() == row["payer_template"].casefold())
        t = estimate(_page_estimate(row, template)).totals
        assert (str(got["charges"]), str(got["insurance_pays"]), str(got["program_pays"])) == (
            str(t.charges), str(t.plan_pays), str(t.program_pays)
        ), row["patient_ref"]  # fmt: skip
        assert str(got["patient_pays_total"]) == str(t.patient_pays), row["patient_ref"]

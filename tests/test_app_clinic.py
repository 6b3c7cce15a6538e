"""AppTest checks of the Clinic page (issue 18): the clinic's details, a price list and a payer template made on
the page and kept in the store (a new app shows them again), problems beside their fields with nothing saved, an
edit conflict shown with both versions and no edit lost, and the clinic file in and out."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from clinic.clinic_file import setup_from_json, setup_to_json
from clinic.db import URL_VARIABLE, dispose_all
from clinic.store import ClinicStore
from tests.conftest import ROOT, download_data
from ui.clinic_state import CLINIC_KEY

APP = str(ROOT / "app.py")
PAGE = "ui/pages/clinic.py"
SETUP_FILE = ROOT / "tests" / "data" / "clinic_setup.json"
LAKESIDE = "Lakeside Ketamine & SPRAVATO Clinic"
CLINIC = {
    "Clinic name": "Bright Path Ketamine Clinic",
    "Address": "123 Main St, Springfield, IL 62701",
    "State (2-letter code)": "IL",
    "NPI (10 digits)": "1234567893",
    "TIN / EIN (XX-XXXXXXX)": "12-3456789",
    "Counselor e-mail (optional)": "billing@brightpath.example",
}


@pytest.fixture
def db_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh SQLite file per test (the page caches its store per URL, so a new URL is a fresh store)."""
    url = f"sqlite:///{tmp_path / 'clinic.sqlite3'}"
    monkeypatch.setenv(URL_VARIABLE, url)
    yield url
    dispose_all()


def _unescape(text: object) -> str:
    return re.sub(r"\\(.)", r"\1", str(text))


def _page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page(PAGE)
    at.run()
    assert not at.exception, at.exception
    return at


def _text(at: AppTest, label: str) -> object:
    return next(w for w in at.text_input if w.label == label)


def _button(at: AppTest, label: str) -> object:
    return next(b for b in at.button if b.label == label)


def _editor(at: AppTest, name: str) -> str:
    return next(d.key for d in at.data_editor if d.key.endswith("_" + name))


def _edit(at: AppTest, name: str, edited: dict | None = None, added: list | None = None) -> None:
    at.session_state[_editor(at, name)] = {"edited_rows": edited or {}, "added_rows": added or [], "deleted_rows": []}


def _beside(at: AppTest, label_or_key: str) -> str:
    """The message right below a field (by its label) or a table (by its key): "" when there is none."""
    nodes = list(at.main)
    for i, node in enumerate(nodes):
        if getattr(node, "label", None) == label_or_key or getattr(node, "key", None) == label_or_key:
            after = nodes[i + 1]
            return _unescape(after.value).replace("\u200b", "") if type(after).__name__ == "Error" else ""
    raise AssertionError(f"no field {label_or_key!r}")


def _conflict_tables(at: AppTest) -> list[object]:
    return [d.value for d in at.dataframe if d.value.columns[0] == "Field"]


def _errors(at: AppTest) -> list[str]:
    return [_unescape(e.value) for e in at.error]


def _successes(at: AppTest) -> list[str]:
    return [_unescape(s.value) for s in at.success]


def _make_clinic(at: AppTest, **overrides: str) -> AppTest:
    for label, value in (CLINIC | overrides).items():
        _text(at, label).input(value)
    _button(at, "Create clinic").click()
    at.run()
    assert not at.exception, at.exception
    return at


def _make_price_list(at: AppTest) -> None:
    _text(at, "Price list name").input("Standard 2026")
    # A new list starts from the example's six services without charges: price them.
    _edit(at, "fees", {i: {"charge": 100.0 + i} for i in range(6)})
    _edit(at, "packages", added=[{"service": "iv_infusion", "sessions": 6, "price": 2900.0}])
    _button(at, "Create price list").click()
    at.run()
    assert not at.exception, at.exception


def _make_template(at: AppTest) -> None:
    _text(at, "Template name").input("Aetna PPO")
    consult = 0  # the first of the example's services
    _edit(at, "services", {consult: {"copay": 40.0, "deductible_applies": False}})
    _edit(at, "tiers", {0: {"deductible": 1500.0, "coinsurance_pct": 20.0, "oop_max": 6000.0}})
    _text(at, "Plan year starts (MM-DD, optional)").input("07-01")
    _button(at, "Create payer template").click()
    at.run()
    assert not at.exception, at.exception


def test_the_page_shows_where_the_setup_is_kept_and_how_to_use_postgresql(db_url: str) -> None:
    at = _page()
    captions = " ".join(_unescape(c.value) for c in at.caption)
    assert "Kept in the SQLite file " + db_url.removeprefix("sqlite:///") in captions
    assert "ESTIMATOR_DATABASE_URL=postgresql://" in captions
    assert at.info and "Create the clinic above first" in _unescape(at.info[1].value)
    # Every page's furniture: the crisis line and the disclaimer.
    assert "988" in at.info[0].value and "988" in at.caption[-1].value


def test_clinic_price_list_and_template_made_on_the_page_are_there_after_a_restart(db_url: str) -> None:
    at = _make_clinic(_page())
    assert not _errors(at)
    assert any("Saved the clinic “Bright Path Ketamine Clinic” (version 1)" in s for s in _successes(at))
    assert at.session_state[CLINIC_KEY] == "Bright Path Ketamine Clinic"
    _make_price_list(at)
    assert not _errors(at), _errors(at)
    _make_template(at)
    assert not _errors(at), _errors(at)

    kept = ClinicStore.open(db_url)
    price_list = kept.get_price_list("Bright Path Ketamine Clinic", "Standard 2026").content
    assert [f.charge for f in price_list.fees] == [Decimal(100 + i) for i in range(6)]
    assert price_list.packages[0].sessions == 6 and price_list.packages[0].price == Decimal("2900.00")
    template = kept.get_payer_template("Bright Path Ketamine Clinic", "Aetna PPO").content
    assert template.services["consult"].copay == Decimal("40.00")
    assert not template.services["consult"].deductible_applies
    assert template.in_network is not None and template.in_network.oop_max == Decimal("6000.00")
    assert template.out_of_network is None and template.plan_year_start == "07-01"

    again = _page()  # a restarted app: a new session on the same database
    assert again.selectbox(key="cl_pick").value == "Bright Path Ketamine Clinic"
    assert _text(again, "NPI (10 digits)").value == "1234567893"
    assert _text(again, "Counselor e-mail (optional)").value == "billing@brightpath.example"
    assert again.selectbox(key="pl_pick").value == "Standard 2026"
    assert again.selectbox(key="pt_pick").value == "Aetna PPO"
    assert _text(again, "Plan year starts (MM-DD, optional)").value == "07-01"
    fees = again.session_state[_editor(again, "fees") + "_base"]
    assert list(fees["charge"]) == [100.0 + i for i in range(6)]


def test_a_bad_npi_is_named_beside_its_field_and_nothing_is_saved(db_url: str) -> None:
    at = _make_clinic(_page(), **{"NPI (10 digits)": "1234567890", "Counselor e-mail (optional)": "billing"})
    assert not at.exception
    assert "check digit" in _beside(at, "NPI (10 digits)")
    assert _beside(at, "Counselor e-mail (optional)").startswith("Enter an e-mail address such as")
    assert _beside(at, "TIN / EIN (XX-XXXXXXX)") == ""
    assert "Not saved: correct what is marked in this clinic first." in _errors(at)
    assert ClinicStore.open(db_url).list_clinics(include_archived=True) == []
    # Fixing a field takes its message away on the next run, without another click.
    _text(at, "NPI (10 digits)").input("1234567893")
    at.run()
    assert _beside(at, "NPI (10 digits)") == ""
    assert _beside(at, "Counselor e-mail (optional)") != ""
    _text(at, "Counselor e-mail (optional)").input("billing@brightpath.example")
    _button(at, "Create clinic").click()
    at.run()
    assert not _errors(at)
    assert [k.name for k in ClinicStore.open(db_url).list_clinics()] == ["Bright Path Ketamine Clinic"]


def test_a_price_list_problem_is_named_beside_its_table_by_row(db_url: str) -> None:
    at = _make_clinic(_page())
    _text(at, "Price list name").input("Standard 2026")
    _edit(at, "fees", {i: {"charge": 100.0} for i in range(1, 6)})  # the first row left without a charge
    _edit(at, "packages", added=[{"service": "iv_infusion", "sessions": 60, "price": 2900.0}])
    _button(at, "Create price list").click()
    at.run()
    assert not at.exception
    assert _beside(at, _editor(at, "fees")) == "Fees, row 1, charge: this field can't be blank."
    assert _beside(at, _editor(at, "packages")).startswith("Packages, row 1, sessions: ")
    assert ClinicStore.open(db_url).list_price_lists("Bright Path Ketamine Clinic") == []


def _kept_setup(url: str) -> ClinicStore:
    kept = ClinicStore.open(url)
    kept.import_setup(setup_from_json(SETUP_FILE.read_bytes()))
    return kept


def test_an_edit_conflict_shows_both_versions_and_keep_mine_saves_mine(db_url: str) -> None:
    kept = _kept_setup(db_url)
    at = _page()
    assert at.selectbox(key="cl_pick").value == LAKESIDE
    assert at.selectbox(key="pl_pick").value == "Standard 2026"
    _text(at, "Description (optional)").input("Mine: prices from March")
    _edit(at, "fees", {0: {"charge": 333.0}})
    at.run()
    assert any("unsaved changes" in c.value for c in at.caption)
    # Someone else saves the same price list in between.
    theirs = kept.get_price_list(LAKESIDE, "Standard 2026")
    changed = theirs.content.model_copy(update={"description": "Theirs: prices from April"})
    assert kept.save_price_list(LAKESIDE, changed, expected_version=theirs.version).version == 2
    _button(at, "Save price list").click()
    at.run()
    assert not at.exception
    assert any("Someone else saved this price list" in _unescape(w.value) for w in at.warning)
    (diff,) = _conflict_tables(at)
    assert list(diff.columns) == ["Field", "Kept now (version 2)", "Yours (not saved)"]
    rows = {r[0]: (r[1], r[2]) for r in diff.itertuples(index=False)}
    assert rows["Description"] == ("Theirs: prices from April", "Mine: prices from March")
    assert rows["Fees, consult, charge"] == ("325.00", "333.00")
    assert len(rows) == 2  # only what differs
    # Nothing is lost: the store still has theirs, the form still has mine.
    assert kept.get_price_list(LAKESIDE, "Standard 2026").content == changed
    assert _text(at, "Description (optional)").value == "Mine: prices from March"
    _button(at, "Keep mine").click()
    at.run()
    assert not at.exception, at.exception
    now = kept.get_price_list(LAKESIDE, "Standard 2026")
    assert now.version == 3 and now.content.description == "Mine: prices from March"
    assert now.content.fees[0].charge == Decimal("333.00")
    assert not at.warning and any("(version 3)" in s for s in _successes(at))


def test_keep_theirs_shows_the_kept_version_in_the_form(db_url: str) -> None:
    kept = _kept_setup(db_url)
    at = _page()
    assert at.selectbox(key="pt_pick").value == "Aetna Open Access PPO"
    _text(at, "Plan year starts (MM-DD, optional)").input("01-01")
    theirs = kept.get_payer_template(LAKESIDE, "Aetna Open Access PPO")
    changed = theirs.content.model_copy(update={"notes": "Call before each renewal"})
    kept.save_payer_template(LAKESIDE, changed, expected_version=theirs.version)
    _button(at, "Save payer template").click()
    at.run()
    (diff,) = _conflict_tables(at)
    assert set(diff["Field"]) == {"Notes", "Plan year starts"}
    _button(at, "Keep theirs").click()
    at.run()
    assert not at.exception
    assert _text(at, "Plan year starts (MM-DD, optional)").value == "07-01"
    assert next(w for w in at.text_area if w.label == "Notes (optional)").value == "Call before each renewal"
    assert kept.get_payer_template(LAKESIDE, "Aetna Open Access PPO").version == 2


def test_archiving_hides_a_price_list_until_shown_and_keeps_it(db_url: str) -> None:
    kept = _kept_setup(db_url)
    at = _page()
    assert at.selectbox(key="pl_pick").options == ["Standard 2026", "New price list…"]
    at.toggle(key="pl_show_archived").set_value(True).run()
    assert at.selectbox(key="pl_pick").options == ["Standard 2025 (archived)", "Standard 2026", "New price list…"]
    at.selectbox(key="pl_pick").set_value("Standard 2025").run()
    _button(at, "Unarchive price list").click()
    at.run()
    assert not at.exception
    assert not kept.get_price_list(LAKESIDE, "Standard 2025").archived
    _button(at, "Archive price list").click()
    at.run()
    assert kept.get_price_list(LAKESIDE, "Standard 2025").archived
    assert any("archived: it is kept" in s for s in _successes(at))


def test_a_clinic_file_is_imported_with_a_report_and_exported_as_the_store_has_it(
    db_url: str, recorded_downloads: list[MediaFileManager]
) -> None:
    at = _page()
    at.file_uploader(key="clinic_import").upload("clinic.json", SETUP_FILE.read_bytes(), "application/json").run()
    assert not at.exception, at.exception
    (report,) = _successes(at)
    assert report.startswith(f"Imported the clinic “{LAKESIDE}”:")
    assert "Price list 'Standard 2026': added." in report and "Payer template 'Medicare Part B': added." in report
    assert at.session_state[CLINIC_KEY] == LAKESIDE
    assert at.selectbox(key="cl_pick").value == LAKESIDE
    assert _text(at, "Clinic name").value == LAKESIDE
    assert at.selectbox(key="pl_pick").value == "Standard 2026"
    exported = download_data(at, "Download the clinic's setup (JSON)", recorded_downloads)
    kept = ClinicStore.open(db_url)
    assert exported.decode() == setup_to_json(kept.load_setup(LAKESIDE)) == SETUP_FILE.read_text(encoding="utf-8")

    # The same file again: every part unchanged.
    at.file_uploader(key="clinic_import").upload("again.json", SETUP_FILE.read_bytes(), "application/json").run()
    assert "Clinic 'Lakeside Ketamine & SPRAVATO Clinic': unchanged." in _successes(at)[0]


def test_a_bad_clinic_file_is_refused_with_its_problems_never_a_traceback(db_url: str) -> None:
    at = _page()
    doc = json.loads(SETUP_FILE.read_text(encoding="utf-8"))
    doc["clinic"]["npi"] = "1234567890"
    doc["price_lists"][1]["fees"][0]["charge"] = "-5"
    at.file_uploader(key="clinic_import").upload("bad.json", json.dumps(doc).encode(), "application/json").run()
    assert not at.exception
    (error,) = _errors(at)
    assert error.startswith("This file was not imported: nothing was changed.")
    assert "Clinic.npi: " in error and "Price_lists.1.fees.0.charge: " in error
    at.file_uploader(key="clinic_import").upload("x.json", b"{not json", "application/json").run()
    assert "The file can't be read" in _errors(at)[0]
    assert ClinicStore.open(db_url).list_clinics(include_archived=True) == []

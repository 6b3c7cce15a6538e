"""The clinic workspace (issue 19) in a running app and the system Chromium: raw HTTP and websocket requests
without a sign-in get no patient data; a counselor's whole flow in the browser (sign in, add a patient, save the
estimate as a quote, issue a GFE, download it, find all three again after a reload, sign out) with the patient's
name in no URL, download file name or server log line; and axe-core finds no violation on the workspace pages.

The server runs on its own temporary SQLite database seeded through the records API; its stderr goes to a file the
privacy checks read."""

from __future__ import annotations

import datetime as dt
import re
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from clinic.clinic_file import setup_from_json
from clinic.db import dispose_all
from clinic.records import ClinicRecords
from clinic.store import ClinicStore
from scripts.localapp import running_app_process
from tests.conftest import require_chromium
from tests.records_helpers import CLINIC, PASSWORD, SETUP_FILE, self_pay
from tests.test_browser_a11y import _assert_clean, axe_source  # noqa: F401 - the axe fixture

SEEDED = ("Quinn Marisol Example", "MRN-5521", dt.date(1983, 2, 17))
NEW = ("Harper Solenne Testcase", "MRN-8830", "03/04/1977")
HEADINGS = {"Rollover": "Plan-year rollover"}  # a page's heading, where it differs from its link
WORKSPACE = ["patients", "gfe_register", "rollover", "clinic", "accounts", "audit_log"]


class Server:
    def __init__(self, url: str, log: Path) -> None:
        self.url, self.log = url, log


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`streamlit run app.py` on a seeded database: the example clinic, an admin, a counselor, and one patient
    with a quote."""
    require_chromium()
    folder = tmp_path_factory.mktemp("records-app")
    url = f"sqlite:///{folder / 'clinic.sqlite3'}"
    ClinicStore.open(url).import_setup(setup_from_json(SETUP_FILE.read_bytes()))
    records = ClinicRecords.open(url)
    admin = records.accounts.create_first_admin("avery", "Avery Admin", PASSWORD)
    records.accounts.create_account(admin, "dana", "Dana Whitfield", "counselor", PASSWORD)
    name, reference, born = SEEDED
    patient = records.patients.create(admin, CLINIC, {"reference": reference, "name": name, "date_of_birth": born})
    records.quotes.save(admin, patient.id, self_pay())
    dispose_all()
    log = folder / "server.log"
    with running_app_process(env={"ESTIMATOR_DATABASE_URL": url}, log=log) as (base, _):
        yield Server(base, log)


def _secret_words(*people: tuple[str, str, object]) -> list[str]:
    words = []
    for name, reference, _ in people:
        words += [name, reference, *name.split()[:2]]
    return words


def test_raw_http_and_websocket_without_a_sign_in_get_no_patient_data(server: Server) -> None:
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from websockets.sync.client import connect

    secrets = _secret_words(SEEDED)
    for page in WORKSPACE:
        with urllib.request.urlopen(f"{server.url}/{page}", timeout=10) as response:
            body = response.read().decode("utf-8", "replace")
        assert response.status == 200 and not [s for s in secrets if s in body], page

    for page in ["patients", "gfe_register", "rollover", "accounts", "audit_log", "clinic"]:
        ws_url = server.url.replace("http://", "ws://") + "/_stcore/stream"
        received: list[bytes] = []
        with connect(ws_url, subprotocols=["streamlit"], open_timeout=10) as ws:  # type: ignore[list-item]
            request = BackMsg()
            request.rerun_script.query_string = ""
            request.rerun_script.page_name = page
            ws.send(request.SerializeToString())
            deadline = time.monotonic() + 30
            finished = False
            while time.monotonic() < deadline and not finished:
                data = ws.recv(timeout=30)
                assert isinstance(data, bytes)
                received.append(data)
                message = ForwardMsg()
                message.ParseFromString(data)
                finished = message.WhichOneof("type") == "script_finished"
        everything = b"".join(received)
        assert finished, page
        assert not [s for s in secrets if s.encode() in everything], page
        if page in ("patients", "gfe_register", "rollover"):
            assert b"Sign in" in everything, page  # the page ran, and showed only the sign-in


def _nav(page: object, name: str) -> None:
    """Open a workspace page through the top bar's menu (the session, and so the sign-in, is kept)."""
    page.get_by_test_id("stTopNavSection").filter(has_text="Clinic workspace").click()  # type: ignore[attr-defined]
    page.get_by_role("menuitem").filter(has_text=re.compile(f"{name}$")).click()  # type: ignore[attr-defined]
    heading = HEADINGS.get(name, name)
    expect(page.get_by_role("heading", name=heading, exact=True).first).to_be_visible()  # type: ignore[attr-defined]


def _sign_in(page: object, username: str) -> None:
    page.get_by_label("Username").fill(username)  # type: ignore[attr-defined]
    page.get_by_label("Password", exact=True).fill(PASSWORD)  # type: ignore[attr-defined]
    page.get_by_role("button", name="Sign in").click()  # type: ignore[attr-defined]
    expect(page.get_by_text("Signed in as")).to_be_visible()  # type: ignore[attr-defined]


def _find(page: object, reference: str) -> None:
    box = page.get_by_label("Find a patient by reference (MRN) or name")  # type: ignore[attr-defined]
    box.fill(reference)
    box.press("Enter")
    _choose(page, "Patient (1 found)", reference)


def _choose(page: object, label: str, option: str) -> None:
    page.get_by_role("combobox", name=label).click()  # type: ignore[attr-defined]
    page.get_by_role("option", name=option).first.click()  # type: ignore[attr-defined]


def test_a_counselor_signs_in_adds_a_patient_saves_a_quote_issues_and_downloads_a_gfe(
    browser: object, server: Server, tmp_path: Path
) -> None:
    name, reference, born = NEW
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, accept_downloads=True)  # type: ignore[attr-defined]
    page = context.new_page()
    page.set_default_timeout(60_000)
    visited: list[str] = []
    page.on("framenavigated", lambda frame: visited.append(frame.url))
    page.on("request", lambda request: visited.append(request.url))
    try:
        page.goto(server.url + "/")
        expect(page.locator('[data-testid="stMetric"]', has_text="You pay").first).to_be_visible()
        _nav(page, "Patients")
        _sign_in(page, "dana")
        page.get_by_test_id("stExpander").get_by_text("Add a patient").click()
        page.get_by_label("Reference (MRN)", exact=True).fill(reference)
        page.get_by_label("Name", exact=True).fill(name)
        page.get_by_role("spinbutton", name="month, Date of birth").click()
        page.keyboard.type(born.replace("/", ""))  # mm dd yyyy: each part moves on to the next
        page.get_by_role("button", name="Add the patient").click()
        expect(page.get_by_role("heading", name=f"Patient {reference}")).to_be_visible()
        page.get_by_role("button", name="Save the quote").click()
        expect(page.get_by_text("Saved quote 1, version 1.")).to_be_visible()

        _nav(page, "GFE register")
        _find(page, reference)
        page.get_by_label("Diagnosis codes (ICD-10-CM)").fill("F33.1")
        page.get_by_role("button", name="Issue the GFE").click()
        expect(page.get_by_text(re.compile(r"^Issued LKSC-"))).to_be_visible()
        download_button = page.get_by_role("button", name="Download").filter(has_text="(PDF)")
        with page.expect_download() as info:
            download_button.click()
        download = info.value
        saved = tmp_path / download.suggested_filename
        download.save_as(saved)
        assert saved.read_bytes().startswith(b"%PDF")
        number = download.suggested_filename.removeprefix("good-faith-estimate-").removesuffix("-v1.pdf")
        assert number.startswith("LKSC-") and name.split()[0] not in download.suggested_filename

        # A reload is a new session: signed out, then everything is found again.
        page.reload()
        _sign_in(page, "dana")
        _choose(page, "Work with a GFE", number)  # the register lists it (its table is drawn on a canvas)
        expect(page.get_by_role("button", name=f"Download {number} (PDF)")).to_be_visible()
        _nav(page, "Patients")
        _find(page, reference)
        expect(page.get_by_role("heading", name=f"Patient {reference}")).to_be_visible()
        expect(page.get_by_text(name).first).to_be_visible()
        versions = page.get_by_role("combobox", name="Choose quote versions")
        versions.click()
        versions.fill("Quote 1")  # typing opens the list, filtered
        expect(page.get_by_role("option", name=re.compile(r"^Quote 1, version 1: patient pays"))).to_be_visible()
        page.mouse.click(5, 600)  # closes the list (while it is open the page is hidden from the accessibility tree)
        page.get_by_test_id("stButton").filter(has_text="Sign out").click()
        expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
        expect(page.get_by_text(name)).to_have_count(0)
    finally:
        context.close()
    secrets = _secret_words(SEEDED, NEW)
    assert not [u for u in visited if any(s.replace(" ", "%20") in u or s in u for s in secrets)]
    log = server.log.read_text(errors="replace")
    assert not [s for s in secrets if s in log], "patient data in the server log"
    assert born not in log and "1977" not in log


@pytest.mark.parametrize("name", ["Patients", "GFE register", "Rollover", "Accounts", "Audit log"])
def test_workspace_pages_have_no_axe_violations(
    browser: object,
    server: Server,
    axe_source: str,  # noqa: F811
    name: str,
) -> None:
    context = browser.new_context(viewport={"width": 1440, "height": 1000})  # type: ignore[attr-defined]
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        page.goto(server.url + "/patients")
        expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
        _assert_clean(page, axe_source, "the sign-in form")
        _sign_in(page, "avery")
        if name == "Patients":
            _find(page, SEEDED[1])  # with a patient and their quotes open
        else:
            _nav(page, name)
        _assert_clean(page, axe_source, f"{name} page, signed in as an admin")
    finally:
        context.close()

"""Browser test of the main flow in the system Chromium (Playwright, never a downloaded browser)."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import signal
import time
from pathlib import Path

from playwright.sync_api import expect

from tests.conftest import require_chromium


def _you_pay(page: object) -> str:
    metric = page.locator('[data-testid="stMetric"]', has_text="You pay")  # type: ignore[attr-defined]
    return metric.locator('[data-testid="stMetricValue"]').inner_text().strip()


def test_change_an_input_then_download_the_schedule(page: object, app_url: str) -> None:
    require_chromium()
    page.goto(app_url + "/")  # type: ignore[attr-defined]
    page.wait_for_selector('[data-testid="stMetricValue"]')  # type: ignore[attr-defined]
    page.get_by_text("2 · Clinic prices", exact=True).click()  # type: ignore[attr-defined]
    page.get_by_text("Use a package price").click()  # type: ignore[attr-defined]  # opt-in since issue 17
    page.get_by_text("2 · Clinic prices", exact=True).click()  # type: ignore[attr-defined]
    # The default estimate with the package: self-pay consult $350 + the example six-infusion package of $2,700.
    expect(page.locator('[data-testid="stMetric"]', has_text="You pay")).to_contain_text("$3,050.00")  # type: ignore[attr-defined]
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
    # The page writes the link at the end of its rerun, just after the figures.
    page.wait_for_url(re.compile(r"[?&]weeks=2(&|$)"))  # type: ignore[attr-defined]

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
    # The date field is three spin-button segments (month, day, year: ui.widgets.DATE_FORMAT) that advance as you type.
    page.get_by_role("spinbutton", name="month, Date of birth").click()  # type: ignore[attr-defined]
    page.keyboard.type("04021985")  # type: ignore[attr-defined]
    page.keyboard.press("Tab")  # type: ignore[attr-defined]
    page.keyboard.press("Escape")  # type: ignore[attr-defined]
    page.get_by_role("heading", name="2. Patient").click()  # commit the date by leaving the field

    button = page.get_by_role("button", name="Download Good Faith Estimate (PDF)")  # type: ignore[attr-defined]
    page.wait_for_function(  # type: ignore[attr-defined]
        # The enabled button alone: the disabled one it replaces stays on the page until the run ends.
        """() => {
            const shown = [...document.querySelectorAll('button')]
                .filter(b => b.innerText.includes('Download Good Faith Estimate'));
            return shown.length === 1 && !shown[0].disabled;
        }""",
        timeout=30_000,
    )
    with page.expect_download(timeout=60_000) as info:  # type: ignore[attr-defined]
        button.click()
    download = info.value
    assert download.suggested_filename == "good-faith-estimate.pdf"
    assert Path(download.path()).read_bytes().startswith(b"%PDF")


def _expected_you_pay(params: dict[str, str], **changes: float) -> str:
    """What the core says the patient pays for a shared link's inputs (plus changes): the page must show it."""
    import datetime as dt

    from estimator import estimate
    from estimator.scenario_io import scenario_from_data
    from ui import state as S
    from ui.common import usd

    state: dict = {}
    S.init_state(state, dt.date.today(), params)
    state.update(changes)
    return usd(estimate(scenario_from_data(S.scenario_dict(state))).totals.patient_pays)


def test_open_the_insurance_section_and_change_the_deductible(page: object, app_url: str) -> None:
    require_chromium()
    params = {"course": "spravato_6m", "plan": "hdhp_2026", "start": "2027-01-04"}
    before, after = _expected_you_pay(params), _expected_you_pay(params, ded=500.0)
    assert before != after
    page.goto(app_url + "/?" + "&".join(f"{k}={v}" for k, v in params.items()))  # type: ignore[attr-defined]
    page.wait_for_selector('[data-testid="stMetricValue"]')  # type: ignore[attr-defined]
    assert _you_pay(page) == before
    deductible = page.get_by_role("spinbutton", name="Deductible", exact=True)  # type: ignore[attr-defined]
    assert deductible.count() == 0  # a closed section is not drawn
    header = page.get_by_text("3 · Insurance", exact=True)  # type: ignore[attr-defined]
    header.click()
    expect(deductible).to_have_value("1700.00")  # drawn by the rerun that opening the section starts
    deductible.fill("500")
    deductible.press("Enter")
    page.wait_for_function(  # type: ignore[attr-defined]
        """(want) => [...document.querySelectorAll('[data-testid="stMetric"]')]
              .some(m => m.innerText.includes('You pay') && m.innerText.includes(want))""",
        arg=after,
        timeout=30_000,
    )
    # The page writes the link at the end of its rerun, just after the figures.
    page.wait_for_url(re.compile(r"[?&]ded=500(&|$)"))  # type: ignore[attr-defined]
    header.click()  # close: the value stays and still counts
    deductible.wait_for(state="detached")
    assert _you_pay(page) == after
    header.click()
    expect(deductible).to_have_value("500.00")
    # To another page and back: the sections are open as the user left them, the values kept.
    page.get_by_role("link", name="Compare").click()  # type: ignore[attr-defined]
    page.get_by_role("heading", name="Compare scenarios").wait_for()  # type: ignore[attr-defined]
    page.get_by_role("link", name="Estimate", exact=True).click()  # type: ignore[attr-defined]
    expect(deductible).to_have_value("500.00")
    assert _you_pay(page) == after


def _reopen_while_busy(page: object, header: object, pid: int, delay_ms: int) -> None:
    """Close a section and reopen it while the server is still busy with the closing rerun: the server is paused
    `delay_ms` after the close click (as a loaded machine would stall it), the reopen click waits in its socket,
    and both are handled when it resumes."""
    header.click()  # type: ignore[attr-defined]
    page.wait_for_timeout(delay_ms)  # type: ignore[attr-defined]
    os.kill(pid, signal.SIGSTOP)
    try:
        header.click()  # type: ignore[attr-defined]
        time.sleep(0.2)
    finally:
        os.kill(pid, signal.SIGCONT)


def _add_a_price_row(page: object) -> object:
    """Type a new row into the open price grid by keyboard, as a counselor would: ketamine_im, Tab, 400, Tab,
    J3490, Enter. Returns the grid."""
    grid = page.locator('[data-testid="stDataFrame"]').first  # type: ignore[attr-defined]
    expect(grid).to_be_visible()
    grid.evaluate("g => g.scrollIntoView({block: 'center'})")  # the whole grid in view, its add-row line too
    page.wait_for_timeout(800)  # type: ignore[attr-defined]
    box = grid.bounding_box()  # in the viewport now, where a mouse click lands
    page.mouse.click(box["x"] + 100, box["y"] + box["height"] - 18)  # type: ignore[attr-defined]  # the add-row line
    page.wait_for_timeout(500)  # type: ignore[attr-defined]
    for text, key in (("ketamine_im", "Tab"), ("400", "Tab"), ("J3490", "Enter")):
        page.keyboard.type(text, delay=120)  # type: ignore[attr-defined]  # a quick typist, not a script
        page.keyboard.press(key)  # type: ignore[attr-defined]
        page.wait_for_timeout(300)  # type: ignore[attr-defined]
    return grid


def _grid_cells(page: object) -> list[str]:
    """The price grid's cells as the browser shows them (the grid's accessible copy of its canvas)."""
    return page.evaluate(  # type: ignore[attr-defined]
        """() => [...document.querySelectorAll('[data-testid="stDataFrame"] td')].map(c => c.textContent)"""
    )


def test_a_section_reopened_while_the_server_is_busy_keeps_what_was_entered(
    page: object, app_server: tuple[str, int]
) -> None:
    """Streamlit skips its widget cleanup for a rerun cut short by the next one. A section closed and reopened
    during the closing rerun came back at its defaults in the browser (Deductible 0.00, at times an empty price
    grid) while the server kept the values, and the next rerun sent the defaults back: the plan became "custom"
    and "You pay" $29,900. Pausing the server at a spread of moments after the close hit that window in 3 of 10
    tries for the deductible, and left the grid empty in 2 of 8, before the fix. (The field itself may still show
    a stale figure until that next rerun, a display slip in Streamlit's widgets; no value is lost.) In one CI run
    the reopened section then closed by itself on that next click: the browser had kept the closing run's False
    for the expander while showing it open. Each opening now gives the expander a new key
    (`ui.state.open_section`); with a new key on closing as well, the reopen click itself was lost in 2 of 2 runs
    here, so closing keeps the key."""
    require_chromium()
    url, pid = app_server
    params = {"course": "spravato_6m", "plan": "hdhp_2026", "start": "2027-01-04"}
    page.goto(url + "/?" + "&".join(f"{k}={v}" for k, v in params.items()))  # type: ignore[attr-defined]
    page.wait_for_selector('[data-testid="stMetricValue"]')  # type: ignore[attr-defined]
    insurance = page.get_by_text("3 · Insurance", exact=True)  # type: ignore[attr-defined]
    deductible = page.get_by_role("spinbutton", name="Deductible", exact=True)  # type: ignore[attr-defined]
    insurance.click()
    deductible.fill("500")
    deductible.press("Enter")
    page.wait_for_url(re.compile(r"[?&]ded=500(&|$)"))  # type: ignore[attr-defined]
    after = _expected_you_pay(params, ded=500.0)
    for i, delay in enumerate(range(0, 50, 5)):
        _reopen_while_busy(page, insurance, pid, delay)
        expect(deductible).to_be_visible()
        # The next rerun (here: another view of the estimate) sends every input the browser holds.
        view, caption = ("By month", "Who pays what in each month") if i % 2 == 0 else ("Over time", "paid so far")
        page.get_by_role("radio", name=view, exact=True).click()  # type: ignore[attr-defined]
        expect(page.get_by_text(caption)).to_be_visible()  # type: ignore[attr-defined]
        page.wait_for_timeout(300)  # type: ignore[attr-defined]
        expect(deductible).to_have_value("500.00")
        assert _you_pay(page) == after, delay
        assert "plan=hdhp_2026" in page.url and "ded=500" in page.url, (delay, page.url)  # type: ignore[attr-defined]
    insurance.click()
    deductible.wait_for(state="detached")

    prices = page.get_by_text("2 · Clinic prices", exact=True)  # type: ignore[attr-defined]
    prices.click()
    grid = _add_a_price_row(page)
    shows_row = """() => [...document.querySelectorAll('[data-testid="stDataFrame"] td')]
        .some(c => c.textContent === 'J3490')"""
    page.wait_for_function(shows_row, timeout=30_000)  # type: ignore[attr-defined]
    for delay in range(0, 30, 5):
        _reopen_while_busy(page, prices, pid, delay)
        expect(grid).to_be_visible()
        page.wait_for_timeout(1500)  # type: ignore[attr-defined]  # the reruns settle (a fresh grid may replace it)
        try:  # the grid fills its accessible copy a moment after it is drawn
            page.wait_for_function(shows_row, timeout=15_000)  # type: ignore[attr-defined]
        finally:
            cells = _grid_cells(page)
        assert "ketamine_im" in cells and "J3490" in cells, (delay, cells)


def _tops(page: object) -> tuple[float, float]:
    """The top of the "You pay" figure and of the course section, in page pixels."""
    return page.evaluate(  # type: ignore[attr-defined]
        """() => [document.querySelector('[data-testid="stMetricValue"]').getBoundingClientRect().top,
                  document.querySelector('.st-key-sec_course').getBoundingClientRect().top]"""
    )


def test_on_a_phone_the_estimate_comes_before_the_inputs(page: object, app_url: str) -> None:
    """Streamlit stacks columns in order; the page's own CSS puts the estimate first once they stack."""
    require_chromium()
    page.set_viewport_size({"width": 420, "height": 900})  # type: ignore[attr-defined]
    page.goto(app_url + "/")  # type: ignore[attr-defined]
    page.wait_for_selector('[data-testid="stMetricValue"]')  # type: ignore[attr-defined]
    # The CSS arrives in its own (lazily loaded) element, possibly a moment after the figures.
    page.wait_for_function(  # type: ignore[attr-defined]
        """() => document.querySelector('[data-testid="stMetricValue"]').getBoundingClientRect().top
                 < document.querySelector('.st-key-sec_course').getBoundingClientRect().top""",
        timeout=15_000,
    )
    figure, course = _tops(page)
    assert figure < 900 < course  # the figure on the first screen, the inputs after the estimate
    labels = page.locator('[data-testid="stMetricLabel"]')  # type: ignore[attr-defined]
    # The figures keep their order (read with retries: a label can be read mid-redraw on a loaded machine).
    expect(labels.nth(0)).to_have_text("You pay")
    expect(labels.nth(1)).to_have_text("Net cost after tax savings")
    page.set_viewport_size({"width": 1440, "height": 1000})  # type: ignore[attr-defined]
    page.wait_for_timeout(300)  # type: ignore[attr-defined]
    figure, course = _tops(page)
    assert abs(figure - course) < 200  # side by side again on a desktop


def test_a_price_row_typed_in_the_grid_keeps_every_keystroke(page: object, app_url: str) -> None:
    """Add a service in the price grid by keyboard, as a counselor would: id, Tab, price, Tab, code, Enter. The
    grid's required columns keep the row back until it is complete; without them the rerun after the id ate the
    price's digits ("400" became $4.00). Cells left empty must not come back as "nan"."""
    require_chromium()
    page.goto(app_url + "/")  # type: ignore[attr-defined]
    page.wait_for_selector('[data-testid="stMetricValue"]')  # type: ignore[attr-defined]
    page.get_by_text("2 · Clinic prices", exact=True).click()  # type: ignore[attr-defined]
    _add_a_price_row(page)
    page.wait_for_timeout(1500)  # type: ignore[attr-defined]
    page.get_by_role("radio", name="Downloads", exact=True).click()  # type: ignore[attr-defined]
    with page.expect_download() as info:  # type: ignore[attr-defined]
        page.get_by_role("button", name="Scenario file (.json)").click()  # type: ignore[attr-defined]
    fees = json.loads(Path(info.value.path()).read_text(encoding="utf-8"))["fees"]
    assert {"service": "ketamine_im", "code": "J3490", "description": "", "charge": "400.00"} in fees, fees


def test_sources_reference_values_read_on_a_phone_and_a_desktop(page: object, app_url: str) -> None:
    """On a phone the wide reference table would show only its first column, so a list replaces it there."""
    require_chromium()
    page.set_viewport_size({"width": 420, "height": 900})  # type: ignore[attr-defined]
    page.goto(app_url + "/sources")  # type: ignore[attr-defined]
    listed = page.locator(".st-key-ref_list")  # type: ignore[attr-defined]
    expect(listed).to_be_visible(timeout=30_000)
    expect(page.locator(".st-key-ref_table")).to_be_hidden()  # type: ignore[attr-defined]
    text = listed.inner_text()
    assert "2026: $0.205 per mile (confirmed), IRS Notice 2026-10" in text
    assert "2025: $400–$800 (secondary)" in text
    link = listed.get_by_role("link", name="IRS Notice 2026-10")
    assert (link.get_attribute("href") or "").startswith("https://www.irs.gov/")
    assert listed.bounding_box()["width"] <= 420  # type: ignore[index]
    page.set_viewport_size({"width": 1440, "height": 1000})  # type: ignore[attr-defined]
    expect(page.locator(".st-key-ref_table")).to_be_visible()  # type: ignore[attr-defined]
    expect(listed).to_be_hidden()


BIG_COURSE = (
    "/?course=spravato_1y&weeks=156&week9=1&plan=ppo_copays"
    "&fees=consult%3A350%2Cspravato_drug%3A900%2Cspravato_observation%3A700"
)
CUT_FIGURES = """() => [...document.querySelectorAll('[data-testid="stMetricValue"], [data-testid="stMetricLabel"]')]
    .flatMap(e => [e, ...e.querySelectorAll('*')])
    .filter(e => e.scrollWidth > e.clientWidth + 1)
    .map(e => e.innerText)"""


CUT_CONTROLS = """() => [
    ...document.querySelectorAll('.st-key-view [data-testid="stButtonGroup"] > div'),
    ...document.querySelectorAll('.st-key-estimate_layout [data-testid="stButton"] button div'),
].filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.innerText)"""


def test_headline_figures_are_never_cut_off_and_fit_the_first_phone_screen(page: object, app_url: str) -> None:
    """Where the estimate column is narrow (tablets, 641-1100 px) "$519,450.00" used to show as "$519,4..."."""
    require_chromium()
    for width in (768, 360, 1440):
        page.set_viewport_size({"width": width, "height": 900})  # type: ignore[attr-defined]
        page.goto(app_url + BIG_COURSE)  # type: ignore[attr-defined]
        expect(page.locator('[data-testid="stMetric"]', has_text="$519,450.00")).to_be_visible(timeout=30_000)  # type: ignore[attr-defined]
        page.wait_for_timeout(500)  # type: ignore[attr-defined]
        assert page.evaluate(CUT_FIGURES) == [], width  # type: ignore[attr-defined]
        if width == 360:  # two to a row on a phone: all six figures on the first screen
            last = page.locator('[data-testid="stMetric"]').nth(5).bounding_box()  # type: ignore[attr-defined]
            assert last["y"] + last["height"] < 900
        # Nor are the view buttons ("Downloads" ran off the column) or the comparison button's label.
        assert page.evaluate(CUT_CONTROLS) == [], width  # type: ignore[attr-defined]


def test_four_scenarios_fit_a_phone_on_the_compare_page(page: object, app_url: str) -> None:
    """Compare's tables wrap long names; on a phone they also use a smaller type so a fourth column never
    runs off the screen."""
    require_chromium()
    page.set_viewport_size({"width": 412, "height": 900})  # type: ignore[attr-defined]
    page.goto(app_url + "/compare")  # type: ignore[attr-defined]
    expect(page.locator(".st-key-variant_0 button")).to_be_visible(timeout=30_000)  # type: ignore[attr-defined]
    for i in range(4):
        # Each add reruns the page and moves the buttons down (a card appears above): find this one afresh.
        page.locator(f".st-key-variant_{i} button").click()  # type: ignore[attr-defined]
        added = page.locator('[data-testid="stAlert"]', has_text=f"Added as scenario {i + 1}.")  # type: ignore[attr-defined]
        expect(added).to_be_visible(timeout=20_000)
    tables = page.locator('[data-testid="stTable"]')  # type: ignore[attr-defined]
    expect(tables).to_have_count(2)
    widths = page.evaluate(  # type: ignore[attr-defined]
        """() => [...document.querySelectorAll('[data-testid="stTable"]')]
              .map(t => [t.querySelector('table').getBoundingClientRect().width, t.clientWidth])"""
    )
    assert all(table <= box + 1 for table, box in widths), widths
    # On a 360 px phone the first table is wider than the screen: its own box scrolls sideways (never the page)
    # and the figure names stay in view while it does.
    page.set_viewport_size({"width": 360, "height": 900})  # type: ignore[attr-defined]
    page.wait_for_timeout(500)  # type: ignore[attr-defined]
    state = page.evaluate(  # type: ignore[attr-defined]
        """() => {
            const box = document.querySelector('[data-testid="stTable"] table').parentElement;
            const name = () => box.querySelector('tbody tr th').getBoundingClientRect().left;
            const before = name();
            box.scrollLeft = box.scrollWidth;
            return {page: document.documentElement.scrollWidth, scrolled: box.scrollLeft, before, after: name()};
        }"""
    )
    assert state["page"] <= 360, state
    assert state["scrolled"] > 0, state  # the example scenarios' first table is wider than 360 px
    assert abs(state["after"] - state["before"]) < 1, state


def test_nothing_any_page_loads_comes_from_outside_the_computer(page: object, app_url: str) -> None:
    """The page icon was a Material icon name, which made the browser fetch it from Google's font servers."""
    require_chromium()
    outside: list[str] = []

    def note(request: object) -> None:
        url = request.url  # type: ignore[attr-defined]
        if not url.startswith((app_url, "data:", "blob:", "about:")):
            outside.append(url)

    page.on("request", note)  # type: ignore[attr-defined]
    for path in ("", "compare", "good_faith_estimate", "batch", "sources"):
        page.goto(f"{app_url}/{path}", wait_until="networkidle")  # type: ignore[attr-defined]
        page.wait_for_selector('[data-testid="stMainBlockContainer"]')  # type: ignore[attr-defined]
    assert outside == []

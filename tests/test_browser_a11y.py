"""Accessibility in the system Chromium (issue 17): axe-core finds no WCAG 2.0/2.1 A or AA violation on any page, the
main flow works by keyboard alone with a visible focus, and the phone's page menu closes after a choice.

axe-core comes from the npm registry at the version package-lock.json pins (`npm ci`: .ci/run runs it; a local run
without node_modules runs it here)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.conftest import ROOT, require_chromium

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# Nodes left out of the check, each a Streamlit fault the app cannot reach (selector: why). None at present.
EXCLUDE: dict[str, str] = {}
SECTION_HEADERS = re.compile(r"^(\d · .+|Open a saved estimate \(\.json\))$")


def _need(message: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def axe_source() -> str:
    """axe-core's script, installed from package-lock.json when node_modules lacks it."""
    require_chromium()
    if not AXE.exists():
        npm = shutil.which("npm")
        if npm is None:
            _need("npm is missing: install Node.js and npm (apt-get install -y nodejs npm), then run `npm ci`")
        done = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
        )
        if done.returncode != 0 or not AXE.exists():
            _need(f"`npm ci` did not install axe-core: {done.stderr[-2000:]}")
    return AXE.read_text(encoding="utf-8")


@pytest.fixture
def phone(browser: object, app_url: str) -> Iterator[object]:
    """A fresh 400 px wide page (a desktop browser window that narrow, as on a small tablet or a phone)."""
    context = browser.new_context(viewport={"width": 400, "height": 850})  # type: ignore[attr-defined]
    pg = context.new_page()
    pg.set_default_timeout(30_000)
    yield pg
    context.close()


def _settled(page: object) -> None:
    """Wait until the page-wide CSS has arrived and no rerun is under way (Streamlit fades stale elements, which
    would read as low contrast)."""
    page.wait_for_function(  # type: ignore[attr-defined]
        """() => getComputedStyle(document.documentElement).getPropertyValue('--page-a11y-css').trim() === 'loaded'
              && !document.querySelector('[data-stale="true"]')
              && !document.querySelector('[data-testid="stStatusWidget"]')""",
        timeout=30_000,
    )
    page.wait_for_timeout(400)  # type: ignore[attr-defined]  # charts and transitions finish drawing


def _violations(page: object, axe_source: str) -> list[dict]:
    _settled(page)
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):  # type: ignore[attr-defined]
        page.add_script_tag(content=axe_source)  # type: ignore[attr-defined]
    return page.evaluate(  # type: ignore[attr-defined]
        """async ([tags, exclude]) => {
            const context = exclude.length ? {include: [document], exclude: exclude.map(s => [s])} : document;
            const result = await axe.run(context, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary})),
            }));
        }""",
        [WCAG_TAGS, list(EXCLUDE)],
    )


def _report(where: str, violations: list[dict]) -> str:
    lines = [f"{where}: {len(violations)} axe violation(s)"]
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']}")
        for node in v["nodes"]:
            lines.append(f"    {node['target']}")
            lines.append("      " + (node["summary"] or "").replace("\n", " / ")[:400])
    return "\n".join(lines)


def _assert_clean(page: object, axe_source: str, where: str) -> None:
    violations = _violations(page, axe_source)
    assert violations == [], _report(where, violations)


def _you_pay(page: object) -> object:
    metric = page.locator('[data-testid="stMetric"]', has_text="You pay")  # type: ignore[attr-defined]
    return metric.locator('[data-testid="stMetricValue"]')


def _open_every_section(page: object) -> None:
    """Open each closed input section, one at a time (each opening reruns the page)."""
    for _ in range(20):
        closed = [
            label
            for label in page.locator('[data-testid="stExpander"] details:not([open]) summary').all_inner_texts()  # type: ignore[attr-defined]
            if SECTION_HEADERS.match(label.split("\n")[-1].strip())
        ]
        if not closed:
            return
        header = closed[0].split("\n")[-1].strip()
        page.get_by_text(header, exact=True).click()  # type: ignore[attr-defined]
        expander = page.locator('[data-testid="stExpander"]', has_text=header)  # type: ignore[attr-defined]
        expect(expander.locator("details").first).to_have_attribute("open", "")
        _settled(page)
    raise AssertionError("the input sections would not all open")


def _chart_label(page: object) -> str:
    """The chart's accessible name: Vega sets the spec's description as its container's aria-label."""
    chart = page.locator('[data-testid="stVegaLiteChart"]').first  # type: ignore[attr-defined]
    expect(chart).to_have_attribute("aria-label", re.compile(r"chart"))
    return chart.get_attribute("aria-label") or ""


def test_estimate_page_has_no_axe_violations(page: object, app_url: str, axe_source: str) -> None:
    page.goto(app_url + "/")  # type: ignore[attr-defined]
    expect(_you_pay(page)).to_be_visible()
    _assert_clean(page, axe_source, "Estimate page with the estimate shown")
    # The chart has a text alternative with its figures (here the self-pay default: the course total).
    assert _chart_label(page).startswith("Line chart of what you have paid so far: $")
    _open_every_section(page)
    expect(_you_pay(page)).to_be_visible()
    _assert_clean(page, axe_source, "Estimate page with every input section open")
    for view in ("By month", "Sessions", "Downloads"):
        page.get_by_role("radio", name=view, exact=True).click()  # type: ignore[attr-defined]
        expect(page.get_by_role("radio", name=view, exact=True)).to_have_attribute("aria-checked", "true")  # type: ignore[attr-defined]
        _assert_clean(page, axe_source, f"Estimate page, view '{view}'")
        if view == "By month":
            assert _chart_label(page).startswith("Bar chart of who pays what in each month"), _chart_label(page)


def test_compare_page_with_two_scenarios_has_no_axe_violations(page: object, app_url: str, axe_source: str) -> None:
    page.goto(app_url + "/")  # type: ignore[attr-defined]
    expect(_you_pay(page)).to_be_visible()
    page.get_by_role("button", name="Add to comparison").click()  # type: ignore[attr-defined]
    expect(page.get_by_text(re.compile(r"^Added .*\(1 of 4\)"))).to_be_visible()  # type: ignore[attr-defined]
    before = _you_pay(page).inner_text()  # type: ignore[attr-defined]
    weeks = page.get_by_role("spinbutton", name="Weeks to estimate")  # type: ignore[attr-defined]
    weeks.fill("2")
    weeks.press("Enter")
    expect(_you_pay(page)).not_to_have_text(before)
    page.get_by_role("button", name="Add to comparison").click()  # type: ignore[attr-defined]
    expect(page.get_by_text(re.compile(r"^Added .*\(2 of 4\)"))).to_be_visible()  # type: ignore[attr-defined]
    page.get_by_role("link", name="Compare").click()  # type: ignore[attr-defined]
    expect(page.get_by_role("heading", name="Scenarios in the comparison (2 of 4)")).to_be_visible()  # type: ignore[attr-defined]
    expect(page.locator('[data-testid="stTable"]')).to_have_count(2)  # type: ignore[attr-defined]
    page.get_by_text("Warnings for each scenario", exact=True).click()  # type: ignore[attr-defined]
    _assert_clean(page, axe_source, "Compare page with two scenarios")
    label = _chart_label(page)
    assert label.startswith("Bar chart of who pays what in each scenario. 1. Scenario 1: you pay $"), label
    assert "; 2. Scenario 2: you pay $" in label, label


@pytest.mark.parametrize(
    ("path", "heading"),
    [("good_faith_estimate", "Good Faith Estimate"), ("batch", "Batch"), ("clinic", "Clinic"), ("sources", "Sources")],
)
def test_page_has_no_axe_violations(page: object, app_url: str, axe_source: str, path: str, heading: str) -> None:
    page.goto(f"{app_url}/{path}")  # type: ignore[attr-defined]
    expect(page.locator("h1").first).to_be_visible()  # type: ignore[attr-defined]
    page.wait_for_timeout(500)  # type: ignore[attr-defined]
    _assert_clean(page, axe_source, f"{heading} page")


# ------------------------------------------------------------------------------------------------- keyboard only

FOCUSED = """() => {
    const e = document.activeElement;
    if (!e || e === document.body) return {name: '', ring: false};
    const name = e.getAttribute('aria-label') || (e.labels && e.labels[0] && e.labels[0].innerText) || e.innerText;
    // A focus ring: an outline or a box shadow on the element, or (Streamlit's text and number fields) on the
    // field's frame around it.
    const ringed = (el) => {
        const s = getComputedStyle(el);
        return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none';
    };
    return {name: (name || '').replace(/\\s+/g, ' ').trim(), ring: ringed(e)};
}"""


def _tab_to(page: object, name: str, rings: list[str], *, back: bool = False, limit: int = 120) -> None:
    """Press Tab (Shift+Tab with `back`) until the focus is on the control whose accessible name matches `name`
    (a regular expression); note the names of focused controls that show a focus ring."""
    seen: list[str] = []
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if back else "Tab")  # type: ignore[attr-defined]
        focused = page.evaluate(FOCUSED)  # type: ignore[attr-defined]
        seen.append(focused["name"])
        if re.search(name, focused["name"]):
            if focused["ring"]:
                rings.append(focused["name"])
            return
    raise AssertionError(f"{name!r} not reached by keyboard; the focus went through {seen}")


HIGHLIGHTED = """() => {
    const id = document.activeElement && document.activeElement.getAttribute('aria-activedescendant');
    const option = id && document.getElementById(id);
    return option ? option.innerText.trim() : null;
}"""


def _choose_by_arrows(page: object, option: str) -> None:
    """In a focused select: open its list with ArrowDown, move down to `option` (the one the field names as its
    active descendant, as a screen reader announces it), choose it with Enter."""
    seen = []
    for _ in range(30):
        page.keyboard.press("ArrowDown")  # type: ignore[attr-defined]
        page.wait_for_timeout(50)  # type: ignore[attr-defined]
        seen.append(page.evaluate(HIGHLIGHTED))  # type: ignore[attr-defined]
        if seen[-1] == option:
            page.keyboard.press("Enter")  # type: ignore[attr-defined]
            return
    raise AssertionError(f"{option!r} not reached with the arrow keys: {seen}")


def test_the_main_flow_by_keyboard_alone(page: object, app_url: str) -> None:
    """Choose a course, open the insurance section, choose a plan, type a deductible, read the estimate and
    download the printable estimate, with the keyboard only."""
    require_chromium()
    page.goto(app_url + "/")  # type: ignore[attr-defined]
    you_pay = _you_pay(page)
    expect(you_pay).to_be_visible()
    _settled(page)
    rings: list[str] = []

    _tab_to(page, r"^Course$", rings)
    first = you_pay.inner_text()  # type: ignore[attr-defined]
    page.keyboard.type("SPRAVATO first year", delay=20)  # type: ignore[attr-defined]  # filters the list
    page.keyboard.press("Enter")  # type: ignore[attr-defined]
    expect(you_pay).not_to_have_text(first)
    _settled(page)

    _tab_to(page, r"3 · Insurance$", rings)
    page.keyboard.press("Enter")  # type: ignore[attr-defined]
    expect(page.get_by_role("combobox", name="Start from a plan")).to_be_visible()  # type: ignore[attr-defined]
    _settled(page)
    # The focus stays on the section's header (the rerun that opens it draws the section anew).
    assert re.search(r"3 · Insurance$", page.evaluate(FOCUSED)["name"]), page.evaluate(FOCUSED)  # type: ignore[attr-defined]

    # A plan with a deductible (self-pay, the default, has none), chosen with the arrow keys in the open list.
    _tab_to(page, r"^Start from a plan$", rings)
    self_pay = you_pay.inner_text()  # type: ignore[attr-defined]
    _choose_by_arrows(page, "2026 HDHP with HSA (self-only)")
    expect(you_pay).not_to_have_text(self_pay)
    deductible = page.get_by_role("spinbutton", name="Deductible", exact=True)  # type: ignore[attr-defined]
    expect(deductible).to_be_visible()
    _settled(page)

    _tab_to(page, r"^Deductible$", rings)
    no_deductible = you_pay.inner_text()  # type: ignore[attr-defined]
    page.keyboard.press("Control+A")  # type: ignore[attr-defined]
    page.keyboard.type("1500")  # type: ignore[attr-defined]
    page.keyboard.press("Enter")  # type: ignore[attr-defined]
    expect(deductible).to_have_value("1500.00")
    expect(you_pay).not_to_have_text(no_deductible)
    assert re.fullmatch(r"\$[\d,]+\.\d\d", you_pay.inner_text()), you_pay.inner_text()  # type: ignore[attr-defined]
    _settled(page)

    # The views are one group of radio buttons: Tab reaches the chosen one, the arrow keys move between them.
    _tab_to(page, r"^Over time$", rings)
    for _ in range(3):
        page.keyboard.press("ArrowRight")  # type: ignore[attr-defined]
    assert page.evaluate(FOCUSED)["name"] == "Downloads"  # type: ignore[attr-defined]
    page.keyboard.press("Space")  # type: ignore[attr-defined]
    pdf = page.get_by_role("button", name="Printable estimate (PDF)")  # type: ignore[attr-defined]
    expect(pdf).to_be_visible()
    _settled(page)
    _tab_to(page, r"Printable estimate \(PDF\)$", rings)
    with page.expect_download(timeout=60_000) as info:  # type: ignore[attr-defined]
        page.keyboard.press("Enter")  # type: ignore[attr-defined]
    assert Path(info.value.path()).read_bytes().startswith(b"%PDF")

    assert any("3 · Insurance" in r for r in rings), rings  # a ring on the section header
    assert any("Printable estimate" in r for r in rings), rings  # and on the download button


def test_page_links_show_keyboard_focus(page: object, app_url: str) -> None:
    require_chromium()
    page.goto(app_url + "/")  # type: ignore[attr-defined]
    expect(_you_pay(page)).to_be_visible()
    _settled(page)
    rings: list[str] = []
    _tab_to(page, r"Compare$", rings)
    assert rings, "the Compare link shows no focus ring"
    page.keyboard.press("Enter")  # type: ignore[attr-defined]
    expect(page.get_by_role("heading", name="Compare scenarios")).to_be_visible()  # type: ignore[attr-defined]


# ---------------------------------------------------------------------------------------------- the phone's menu


def test_the_page_menu_closes_after_a_choice_on_a_narrow_screen(phone: object, app_url: str) -> None:
    """Under 768 px the page links move into a menu that covers the page. Streamlit closes it after a choice only
    for a phone's user agent; in a narrow window it stayed open over the page just chosen."""
    require_chromium()
    phone.goto(app_url + "/sources")  # type: ignore[attr-defined]
    expect(phone.locator("h1").first).to_be_visible()  # type: ignore[attr-defined]
    _settled(phone)
    sidebar = phone.locator('[data-testid="stSidebar"]')  # type: ignore[attr-defined]
    expect(sidebar).to_have_attribute("data-collapsed", "true")
    phone.get_by_role("button", name="Expand sidebar").click()  # type: ignore[attr-defined]
    expect(sidebar).to_have_attribute("data-collapsed", "false")
    link = sidebar.get_by_role("link", name="Compare")
    expect(link).to_be_in_viewport()
    link.click()
    expect(phone.get_by_role("heading", name="Compare scenarios")).to_be_visible()  # type: ignore[attr-defined]
    expect(sidebar).to_have_attribute("data-collapsed", "true")
    expect(link).not_to_be_in_viewport()
    # And again, after a second choice from the page just opened.
    phone.get_by_role("button", name="Expand sidebar").click()  # type: ignore[attr-defined]
    expect(sidebar).to_have_attribute("data-collapsed", "false")
    sidebar.get_by_role("link", name="Batch").click()
    expect(phone.locator("h1", has_text="Batch").first).to_be_visible()  # type: ignore[attr-defined]
    expect(sidebar).to_have_attribute("data-collapsed", "true")

"""AppTest checks of the Estimate and Sources pages (server side, no browser)."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from estimator.presets import (
    course_presets,
    describe_coverage,
    describe_program,
    describe_protocol,
    example_prices,
    plan_presets,
    program_templates,
)
from estimator.reference import reference
from estimator.scenario_io import scenario_from_json
from tests.conftest import CASES_DIR, ROOT, case_path
from ui.common import plain
from ui.link import LINK_PHASES
from ui.sections import SECTION_FIELDS
from ui.state import state_from_scenario

APP = str(ROOT / "app.py")
SECTIONS = [*SECTION_FIELDS, "file"]


def _app(open_all: bool = True) -> AppTest:
    """The app with every input section open (as a user who opened them all), so each section's code runs."""
    at = AppTest.from_file(APP, default_timeout=60)
    if open_all:
        for name in SECTIONS:
            at.session_state["sec_" + name] = True
    return at


def _metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def _usd(text: str) -> Decimal:
    return Decimal(text.replace("$", "").replace(",", ""))


def _load_case(at: AppTest, name: str) -> dict:
    path = case_path(name)
    for key, value in state_from_scenario(scenario_from_json(path.read_bytes())).items():
        at.session_state[key] = value
    return json.loads(path.with_name(f"{name}.expected.json").read_text())


def test_first_load_shows_an_estimate_with_disclaimer_and_988() -> None:
    at = _app().run()
    assert not at.exception
    assert _usd(_metric(at, "You pay")) > 0
    text = " ".join(str(i.value) for i in at.info) + " ".join(str(c.value) for c in at.caption)
    assert "988" in text
    assert "not medical, legal or tax advice" in text


@pytest.mark.parametrize("preset", [p.id for p in course_presets()])
def test_every_course_preset_runs(preset: str) -> None:
    at = _app().run()
    at.selectbox(key="course").set_value(preset).run()
    assert not at.exception
    assert not at.error, [e.value for e in at.error]
    assert _usd(_metric(at, "You pay")) > 0


@pytest.mark.parametrize("plan", [p.id for p in plan_presets()])
def test_every_plan_preset_runs(plan: str) -> None:
    at = _app().run()
    at.selectbox(key="course").set_value("spravato_6m").run()
    at.selectbox(key="plan").set_value(plan).run()
    assert not at.exception
    assert not at.error, [e.value for e in at.error]


@pytest.mark.parametrize("kind", ["self_pay", "commercial", "medicare", "medicaid"])
def test_every_coverage_kind_runs(kind: str) -> None:
    at = _app().run()
    at.selectbox(key="plan").set_value("hdhp_2026").run()
    at.selectbox(key="kind").set_value(kind).run()
    assert not at.exception
    assert not at.error, [e.value for e in at.error]


def test_case_totals_and_a_deductible_change() -> None:
    """Case 02 gives its expected $6,000; a $500 deductible gives 500 + 20 % x (22,050 - 500) = $4,810."""
    at = _app()
    expected = _load_case(at, "02_spravato_21_sessions_insured")
    at.run()
    assert not at.exception
    assert _usd(_metric(at, "You pay")) == Decimal(expected["totals"]["patient_pays"])
    assert _usd(_metric(at, "Insurance pays")) == Decimal(expected["totals"]["plan_pays"])
    at.number_input(key="ded").set_value(500.0).run()
    assert not at.exception
    assert _usd(_metric(at, "You pay")) == Decimal("4810.00")


def test_invalid_input_shows_a_message_and_keeps_the_last_estimate() -> None:
    at = _app()
    _load_case(at, "02_spravato_21_sessions_insured")
    at.run()
    before = _metric(at, "You pay")
    at.number_input(key="ded_met").set_value(2500.0).run()  # more than the $2,000 deductible
    assert not at.exception
    messages = [str(e.value).replace("\\", "") for e in at.error]
    # Beside the field, and in the summary above the estimate named by its section (never a field path).
    assert "The amount already met ($2,500.00) is more than the deductible ($2,000.00)" in messages
    assert any("• Insurance: the amount already met" in m for m in messages)
    assert not any("deductible_met" in m for m in messages)
    assert _metric(at, "You pay") == before


def test_all_features_case_shows_accounts_and_payment_plan() -> None:
    at = _app()
    expected = _load_case(at, "05_iv_partial_coverage_accounts")
    at.run()
    assert not at.exception
    assert _usd(_metric(at, "You pay")) == Decimal(expected["totals"]["patient_pays"])
    assert _usd(_metric(at, "Net cost after tax savings")) == Decimal(expected["accounts"]["net_cost"])
    assert _usd(_metric(at, "Monthly payment")) == Decimal(expected["financing"]["monthly_payment"])


def test_add_to_comparison_keeps_the_scenario() -> None:
    at = _app().run()
    at.text_input(key="compare_name").set_value("IV series").run()
    at.button[[b.label for b in at.button].index("Add to comparison")].click().run()
    assert not at.exception
    saved = at.session_state["comparison"]
    assert [s["name"] for s in saved] == ["IV series"]
    at.button[[b.label for b in at.button].index("Add to comparison")].click().run()  # the same estimate again
    assert [s["name"] for s in at.session_state["comparison"]] == ["IV series"]
    assert any("already in the comparison" in str(c.value) for c in at.caption)


def test_sources_page_lists_every_reference_value() -> None:
    at = _app().run()
    at.switch_page("ui/pages/sources.py").run()
    assert not at.exception
    table = at.dataframe[0].value
    labels = set(table["Value"])
    for param in reference().parameters:
        assert param.label in labels
        rows = table[table["Value"] == param.label]
        assert sorted(rows["Year"]) == sorted(v.year for v in param.values)
        assert set(rows["Source"]) == {v.source for v in param.values}
    assert "988" in " ".join(str(i.value) for i in at.info)
    # The presets' own figures are values in data/ too: every one is written out, with its source.
    text = " ".join(str(m.value) for m in at.markdown) + " ".join(str(c.value) for c in at.caption)
    for figures, source in (
        [(describe_protocol(p.protocol), p.source) for p in course_presets()]
        + [(describe_coverage(p.coverage), p.source) for p in plan_presets()]
        + [(describe_program(t.program), t.source) for t in program_templates()]
    ):
        assert plain(figures) in text and plain(source) in text
    assert all(plain(x) in text for x in ("$1,700", "$8,500", "60\u00a0%", "$7,150", "copay $40, no deductible"))
    prices = example_prices()
    assert plain(prices.effective) in text
    listed = at.dataframe[1].value
    assert [float(f.charge) for f in prices.fees] + [float(p.price) for p in prices.packages] == list(listed["Price"])


def test_scenario_restore_round_trip_for_every_case() -> None:
    """Inputs restored from a scenario file describe the same scenario again (so the same totals)."""
    from estimator import estimate
    from estimator.scenario_io import scenario_from_data
    from ui.state import defaults, scenario_dict

    folders = (Path(CASES_DIR), Path(CASES_DIR) / "v2")
    cases = sorted(p for d in folders for p in d.glob("*.json") if not p.name.endswith(".expected.json"))
    if not cases:
        pytest.skip("no shared cases")
    for path in cases:
        original = scenario_from_json(path.read_bytes())
        state = defaults(dt.date(2026, 1, 1)) | {"editor_version": 0} | state_from_scenario(original)
        again = scenario_from_data(scenario_dict(state))
        assert estimate(again).totals == estimate(original).totals, path.name


def _linked(params: dict[str, str]) -> AppTest:
    at = _app()
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


def test_a_shared_link_reproduces_the_estimate_on_first_load() -> None:
    """SPRAVATO first year (34 sessions), HDHP preset coverage table, deductible 1,700, 20 %, OOP max 8,500."""
    from estimator import estimate
    from estimator.scenario_io import scenario_from_data

    at = _linked(
        {
            "course": "spravato_1y",
            "weeks": "52",
            "plan": "hdhp_2026",
            "kind": "commercial",
            "ded": "1700.0",
            "coins": "20.0",
            "has_oop": "true",
            "oop": "8500.0",
            "start": "2026-11-30",
        }
    )
    assert not at.exception
    scenario = at.session_state["current_scenario"]
    assert scenario.protocol.type == "spravato" and scenario.horizon_weeks == 52
    assert scenario.coverage.kind == "commercial" and scenario.coverage.in_network.oop_max == Decimal("8500.00")
    assert scenario.coverage.services["spravato_drug"].covered  # the table came from the linked plan preset
    expected = estimate(scenario_from_data(scenario.model_dump(mode="json"))).totals.patient_pays
    assert _usd(_metric(at, "You pay")) == expected
    assert _usd(_metric(at, "Insurance pays")) > 0


def test_a_link_with_inconsistent_values_opens_the_section_and_says_what_to_fix() -> None:
    """Each value is in range but together they are invalid: no estimate yet, so say what to fix, not 'enter'."""
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in {"plan": "hdhp_2026", "ded": "1000", "ded_met": "1500"}.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception
    assert not at.metric
    assert at.number_input(key="ded_met").value == 1500.0  # the insurance section opened by itself
    errors = [str(e.value).replace("\\", "") for e in at.error]
    assert "The amount already met ($1,500.00) is more than the deductible ($1,000.00)" in errors
    assert any("• Insurance: the amount already met" in e for e in errors)
    assert [str(i.value) for i in at.info][-1] == "The estimate appears once the inputs marked in red are fixed."


@pytest.mark.parametrize("course", ["iv6", "foo", "spravato_1yr", "../../etc"])
def test_a_tampered_link_is_ignored_not_fatal(course: str) -> None:
    at = _linked(
        {"course": course, "weeks": "9999", "ded": "-5", "coins": "250", "kind": "<script>", "start": "yesterday"}
        | {"iv_n": "x", "plan": "xyz", "pkg_service": "ghost", "fees": "consult:abc", "cov": "<script>"}
    )
    assert not at.exception
    assert _usd(_metric(at, "You pay")) == Decimal("3050.00")  # the defaults: consult + six-infusion package


def test_the_link_the_page_writes_reproduces_every_input_including_zeros() -> None:
    at = _app().run()
    at.toggle(key="acct_on").set_value(True).run()
    at.number_input(key="hsa").set_value(2000.0).run()
    at.number_input(key="fed").set_value(0.0).run()
    at.toggle(key="fin_on").set_value(True).run()
    at.number_input(key="apr").set_value(0.0).run()
    at.number_input(key="weeks").set_value(1).run()
    assert not at.exception
    params = {k: v[0] if isinstance(v, list) else v for k, v in dict(at.query_params).items()}
    assert params["fed"] == "0" and params["apr"] == "0" and params["weeks"] == "1" and "start" in params
    figures = {m.label: m.value for m in at.metric}
    again = _linked(params)
    assert not again.exception
    assert {m.label: m.value for m in again.metric} == figures


def _keys(at: AppTest) -> set[str]:
    return {w.key for w in at.number_input} | {w.key for w in at.selectbox} | {w.key for w in at.toggle}


def test_closed_sections_are_not_drawn_and_keep_their_values() -> None:
    at = _app(open_all=False).run()
    assert not at.exception
    assert "course" in _keys(at) and "ded" not in _keys(at) and "acct_on" not in _keys(at)
    at.selectbox(key="course").set_value("spravato_1y").run()
    at.session_state["sec_insurance"] = True
    at.run()
    at.selectbox(key="plan").set_value("hdhp_2026").run()
    at.number_input(key="ded").set_value(3000.0).run()
    paid = _metric(at, "You pay")
    at.session_state["sec_insurance"] = False
    at.run()
    assert "ded" not in _keys(at)
    assert _metric(at, "You pay") == paid  # the closed section's values still count
    at.session_state["sec_insurance"] = True
    at.run()
    assert at.number_input(key="ded").value == 3000.0
    assert at.selectbox(key="plan").value == "hdhp_2026"


def test_the_two_runs_after_a_section_opens_set_the_inputs_again_and_keep_an_edit() -> None:
    """Opening a section has the next two completed runs set every stored input again (see
    `sections._remember_section`); an edit made in the second of them is what gets set, not the old value."""
    from ui.sections import RESEND_KEY, RESEND_RUNS

    at = _app(open_all=False).run()
    at.session_state["sec_insurance"] = True
    at.run()
    at.selectbox(key="plan").set_value("hdhp_2026").run()
    assert RESEND_KEY not in at.session_state
    at.session_state[RESEND_KEY] = RESEND_RUNS  # what the section's on-change callback sets on opening
    at.run()
    assert at.session_state[RESEND_KEY] == RESEND_RUNS - 1
    at.number_input(key="ded").set_value(1200.0).run()
    assert RESEND_KEY not in at.session_state
    assert at.number_input(key="ded").value == 1200.0
    at.run()
    assert at.number_input(key="ded").value == 1200.0 and at.session_state["ded"] == 1200.0


def test_switching_to_a_preset_and_back_keeps_the_custom_grid() -> None:
    at = _linked({"course": "custom", "weeks": "11", "sched": "0:iv_infusion:1::,70:therapy:2:follow-up:"})
    paid = _metric(at, "You pay")
    at.selectbox(key="course").set_value("iv6").run()
    assert _metric(at, "You pay") != paid
    at.selectbox(key="course").set_value("custom").run()
    assert not at.exception
    rows = at.session_state["custom_saved"].to_dict("records")
    assert [(r["day"], r["service"], r["quantity"]) for r in rows] == [(0, "iv_infusion", 1), (70, "therapy", 2)]
    assert at.number_input(key="weeks").value == 11 and _metric(at, "You pay") == paid


def test_a_problem_in_a_closed_section_opens_it() -> None:
    at = _app(open_all=False)
    _load_case(at, "02_spravato_21_sessions_insured")
    at.run()
    before = _metric(at, "You pay")
    assert "ded_met" not in _keys(at)
    at.session_state["ded_met"] = 2500.0  # more than the $2,000 deductible
    at.run()
    assert not at.exception
    assert at.number_input(key="ded_met").value == 2500.0  # the insurance section opened
    messages = [str(e.value).replace("\\", "") for e in at.error]
    assert "The amount already met ($2,500.00) is more than the deductible ($2,000.00)" in messages
    assert _metric(at, "You pay") == before


def test_a_section_closed_by_the_user_stays_closed_while_its_problem_remains() -> None:
    """It opened once for the problem; closing it again is respected (the summary still names the section)."""
    at = _app(open_all=False)
    _load_case(at, "02_spravato_21_sessions_insured")
    at.session_state["ded_met"] = 2500.0
    at.run()
    assert at.number_input(key="ded_met").value == 2500.0
    at.session_state["sec_insurance"] = False  # what the browser sends when the user closes it
    at.run()
    assert "ded_met" not in _keys(at)
    assert any("• Insurance: the amount already met" in str(e.value).replace("\\", "") for e in at.error)
    at.session_state["ded_met"] = 2600.0  # a different problem opens it again
    at.run()
    assert at.number_input(key="ded_met").value == 2600.0


def test_dates_read_the_same_way_everywhere_on_the_page() -> None:
    from estimator.warning_log import WarningLog
    from estimator.wording import warning_text
    from ui.common import fmt_day

    assert fmt_day(dt.date(2027, 1, 4)) == "Jan 4, 2027"
    # a warning's result JSON keeps ISO dates; people read it with the page's dates, and a typed name as typed
    log = WarningLog()
    log.add("oop_max_reached", dt.date(2027, 3, 1), network="in", plan_year=dt.date(2027, 1, 1))
    log.add("program_max_reached", dt.date(2027, 3, 1), program="Card 2026-01-15", year=2027)
    oop, program = log.result()
    assert "plan year starting 2027-01-01" in oop.message
    assert warning_text(oop).startswith("Mar 1, 2027: You reach the in-network out-of-pocket maximum for the plan year")
    assert "plan year starting Jan 1, 2027:" in warning_text(oop)
    assert warning_text(program) == "Mar 1, 2027: " + program.message and "'Card 2026-01-15'" in program.message
    at = _app(open_all=False)
    for key, value in {"course": "spravato_1y", "plan": "hdhp_2026", "start": "2027-10-04", "weeks": "30"}.items():
        at.query_params[key] = value
    at.run()
    shown = " ".join(str(w.value) for w in at.warning) + " ".join(str(m.value) for m in at.markdown)
    assert "Jan 1, 2028" in shown and not re.search(r"\d{4}-\d{2}-\d{2}", shown.replace("\\", ""))


@pytest.mark.parametrize(
    "name", sorted(p.stem for p in Path(CASES_DIR).glob("*.json") if not p.name.endswith(".expected.json"))
)
def test_the_link_after_opening_a_file_reproduces_it_or_says_what_it_leaves_out(name: str) -> None:
    """Opening a file sets 'My own plan' and its own tables: the link carries the prices and coverage table."""
    at = _app(open_all=False)
    _load_case(at, name)
    at.run()
    figures = {m.label: m.value for m in at.metric}
    notice = [str(c.value) for c in at.caption if "leaves out" in str(c.value)]
    again = AppTest.from_file(APP, default_timeout=60)
    for key, value in at.query_params.items():
        again.query_params[key] = value[0] if isinstance(value, list) else value
    again.run()
    assert not again.exception
    scenario = at.session_state["current_scenario"]
    custom = scenario.protocol.type == "custom"
    schedule_stays_out = custom and any(
        s.phase.lower().replace(" ", "-") not in LINK_PHASES for s in scenario.protocol.sessions
    )
    if schedule_stays_out or len(scenario.packages) > 1:
        assert notice, "a link that cannot carry the schedule must say so"
        if schedule_stays_out:  # and whoever opens it is told too
            assert any("had a custom schedule that is not in the link" in str(i.value) for i in again.info)
    else:
        assert not notice
        assert {m.label: m.value for m in again.metric} == figures


def test_a_custom_schedule_with_its_own_phase_words_stays_out_of_the_link() -> None:
    """A custom phase typed freely never enters the address bar: the page says the link leaves out the schedule,
    and whoever opens the link is told that the schedule they see is the preset's."""
    data = json.loads(case_path("01_healthcare_gov_oop_max").read_bytes())
    assert data["protocol"]["type"] == "custom"
    data["protocol"]["sessions"][0]["phase"] = "Robin ketamine PTSD"
    at = _upload(_app().run(), json.dumps(data).encode())
    assert not at.exception
    params = {k: v[0] if isinstance(v, list) else v for k, v in at.query_params.items()}
    assert params["course"] == "custom" and params["sched"] == "own"
    assert not any("PTSD" in v or "Robin" in v for v in params.values())
    assert any("leaves out the custom schedule" in str(c.value) for c in at.caption)
    again = AppTest.from_file(APP, default_timeout=60)
    for key, value in params.items():
        again.query_params[key] = value
    again.run()
    assert any("had a custom schedule that is not in the link" in str(i.value) for i in again.info)


def test_a_package_for_more_sessions_than_the_estimate_holds_is_pointed_out() -> None:
    at = _linked({"pkg_sessions": "12"})
    assert not at.exception
    notes = [str(i.value).replace("\\", "") for i in at.info]
    assert any("package is for 12 sessions; this estimate holds 6" in n for n in notes)
    assert not any("package is for" in str(i.value) for i in _linked({}).info)
    assert not any("package is for" in str(i.value) for i in _linked({"course": "spravato_6m"}).info)


def test_a_link_whose_prices_leave_the_course_unpriced_keeps_them_while_the_problem_shows() -> None:
    at = _linked({"fees": "ghost:100"})
    assert not at.exception
    assert any("no price" in str(e.value).lower() for e in at.error)
    assert at.query_params.get("fees") in ("ghost:100", ["ghost:100"])  # reloading it shows the same thing


def _upload(at: AppTest, content: bytes | None) -> AppTest:
    uploader = at.file_uploader(key="upload")
    uploader.set_value(None if content is None else ("scenario.json", content, "application/json"))
    return at.run()


def _refused_hint(at: AppTest) -> list[str]:
    return [str(c.value) for c in at.caption if "marked in red was not opened" in str(c.value)]


def test_an_empty_upload_box_explains_a_file_the_browser_refused() -> None:
    """Streamlit refuses a file over the box's limit in the browser and tells the app nothing, so the reason
    must already be beside the box; it goes once a file is open."""
    at = _app().run()
    assert _refused_hint(at) == [
        "A file marked in red was not opened: it is larger than 1 MB or not a .json file (point at it to see "
        "which). Remove it with ✕ and choose another."
    ]
    at = _upload(at, case_path("05_iv_partial_coverage_accounts").read_bytes())
    assert any("restored" in str(s.value) for s in at.success)
    assert _refused_hint(at) == []


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"[" * 150_000, "nested too deeply"),  # used to replace the whole page with Streamlit's error screen
        (b'{"type": "clinic_profile", "version": 1, "clinic": {}}', "clinic profile"),
        (b'{"version": 1,', "not valid JSON"),
    ],
    ids=["nested", "clinic_profile", "truncated"],
)
def test_a_bad_scenario_file_is_a_message_and_the_estimate_stays(content: bytes, words: str) -> None:
    at = _app().run()
    before = _metric(at, "You pay")
    _upload(at, content)
    assert not at.exception
    assert any(words in e.value for e in at.error), [e.value for e in at.error]
    assert _metric(at, "You pay") == before
    assert any("988" in i.value for i in at.info)


def test_a_files_name_is_shown_and_cleared_when_the_file_goes_or_on_request() -> None:
    """A restored name is printed on the PDF; it must be visible, and never ride along unseen to the next quote."""
    path = case_path("02_spravato_21_sessions_insured")
    data = json.loads(path.read_text())
    data["name"] = "Jane **Doe** quote"
    at = _upload(_app().run(), json.dumps(data).encode())
    assert not at.exception
    shown = [c.value for c in at.caption if "Name from the opened file" in c.value]
    assert shown and "Jane \\*\\*Doe\\*\\* quote" in shown[0]  # shown as typed, never as Markdown
    assert at.session_state["current_scenario"].name == "Jane **Doe** quote"
    _upload(at, None)  # the user removes the file from the uploader
    assert at.session_state["current_scenario"].name == ""
    assert not any("Name from the opened file" in c.value for c in at.caption)
    at = _upload(at, json.dumps(data).encode())
    at.button(key="clear_name").click().run()
    assert at.session_state["current_scenario"].name == ""
    # While an input needs attention, Compare and GFE use the last valid estimate: Clear reaches it too.
    at = _upload(at, json.dumps(data).encode())
    at.session_state["sec_insurance"] = True
    at.number_input(key="ded_met").set_value(999_999.0).run()
    assert at.session_state["estimate_inputs_invalid"]
    at.button(key="clear_name").click().run()
    assert at.session_state["current_scenario"].name == ""


def test_a_files_field_problem_names_the_section_and_the_place_in_the_file() -> None:
    path = case_path("02_spravato_21_sessions_insured")
    data = json.loads(path.read_text())
    data["fees"][0]["charge"] = "1.234"
    at = _upload(_app().run(), json.dumps(data).encode())
    assert not at.exception
    assert plain("Clinic prices (fees.0.charge): use at most 2 decimal places.") in [e.value for e in at.error]


def test_a_third_decimal_typed_in_a_field_is_used_as_the_field_shows_it() -> None:
    """Fields show 2 decimals the browser's way (the float's exact value, half up): the estimate and the link
    use exactly what is shown, without an error about a digit the user can no longer see. A scenario file
    with 3 decimals is still refused (SPEC §3)."""
    at = _app().run()
    at.toggle(key="trav_on").set_value(True).run()
    at.number_input(key="miles").set_value(12.345).run()  # binary 12.34500000000000064: shows 12.35
    at.number_input(key="parking").set_value(1.005).run()  # binary 1.00499999999999989: shows 1.00
    at.toggle(key="to_on").set_value(True).run()
    at.number_input(key="hours").set_value(1.255).run()  # binary 1.25499999999999989: shows 1.25
    at.session_state["sec_insurance"] = True
    at.selectbox(key="plan").set_value("ppo_copays").run()
    at.number_input(key="coins").set_value(20.125).run()  # exactly 20.125 in binary: shows 20.13 (half up)
    assert not at.exception and not at.error, [e.value for e in at.error]
    scenario = at.session_state["current_scenario"]
    assert scenario.travel.round_trip_miles == Decimal("12.35")
    assert scenario.travel.parking_per_visit == Decimal("1.00")
    assert scenario.time_off.hours_per_visit == Decimal("1.25")
    assert scenario.coverage.in_network.coinsurance_pct == Decimal("20.13")
    # The link carries the same values, so opening it gives the same scenario.
    assert (at.query_params["miles"], at.query_params["parking"]) == ("12.35", "1")
    assert (at.query_params["hours"], at.query_params["coins"]) == ("1.25", "20.13")


def test_a_price_row_missing_a_value_is_named_by_row_and_column() -> None:
    """A grid cell has no message of its own: the message beside the grid and the summary say which row and
    column need a value (for example from an opened file or a restored table)."""
    import pandas as pd

    at = _app().run()
    prices = at.session_state["prices_saved"]
    half = pd.concat([prices, pd.DataFrame([{"service": "ketamine_im"}])], ignore_index=True)
    at.session_state["prices_saved"] = half
    at.session_state["editor_version"] = at.session_state["editor_version"] + 1  # a fresh grid from the saved table
    at.run()
    assert not at.exception
    row = len(half)
    errors = [e.value for e in at.error]
    assert plain(f"Row {row}, Price: this field can't be blank") in errors, errors
    assert any(plain(f"Clinic prices: row {row}, Price: this field can't be blank") in e for e in errors), errors


def test_amounts_met_for_a_plan_year_that_has_not_begun_are_questioned() -> None:
    """A counselor re-quoting a course that starts after the plan year rolls over easily leaves this year's
    amounts met in; they would count in next year's plan year."""
    today = dt.date.today()
    next_year = dt.date(today.year + 1, 1, 1)
    start = (next_year + dt.timedelta(days=7 - next_year.weekday())).isoformat()  # a Monday in next plan year
    base = {"course": "spravato_6m", "plan": "hdhp_2026", "start": start, "py_start": "01-01"}

    def notes(at: AppTest) -> list[str]:
        return [str(i.value).replace("\\", "") for i in at.info if "has not begun yet" in str(i.value)]

    flagged = _linked({**base, "ded_met": "600"})
    assert not flagged.exception
    assert len(notes(flagged)) == 1 and f"plan year starting Jan 1, {next_year.year}" in notes(flagged)[0]
    assert notes(_linked({**base, "ded_met": "0", "oop_met": "0"})) == []  # nothing met: nothing to question
    this_year = {**base, "start": today.isoformat(), "ded_met": "600"}
    assert notes(_linked(this_year)) == []  # the current plan year: amounts met are expected


def test_met_in_unstarted_plan_year_reads_every_amount_met() -> None:
    from estimator.adjudication import met_in_unstarted_plan_year
    from estimator.models import Coverage

    today = dt.date(2026, 11, 23)
    cov = Coverage.model_validate(
        {"kind": "commercial", "plan_year_start": "07-01", "in_network": {"deductible": "1000"}}
    )
    assert met_in_unstarted_plan_year(cov, dt.date(2027, 7, 6), today) is None  # nothing met
    for change in (
        {"in_network": {"deductible": "1000", "deductible_met": "1"}},
        {"in_network": {"oop_max": "5000", "oop_met": "1"}},
        {"pharmacy": {"deductible": "100", "deductible_met": "1"}},
        {"family": {"type": "embedded", "deductible": "2000", "deductible_met": "1"}},
    ):
        met = Coverage.model_validate({**cov.model_dump(mode="json"), **change})
        assert met_in_unstarted_plan_year(met, dt.date(2027, 7, 6), today) == dt.date(2027, 7, 1), change
        assert met_in_unstarted_plan_year(met, dt.date(2027, 6, 30), today) is None  # the current plan year
        self_pay = Coverage.model_validate({**met.model_dump(mode="json"), "kind": "self_pay"})
        assert met_in_unstarted_plan_year(self_pay, dt.date(2027, 7, 6), today) is None


def test_deleting_a_packaged_service_row_keeps_the_package_on_that_service() -> None:
    """Deleting the infusion price row used to move the package to the first service left (the consult), so
    putting the row back gave a different estimate: the consult at a package share, six infusions at full fee."""
    import pandas as pd

    at = _linked({"course": "iv6", "kind": "self_pay"})
    assert at.session_state["pkg_on"] and at.session_state["pkg_service"] == "iv_infusion"
    before = at.session_state["current_result"].totals.patient_pays
    prices = at.session_state["prices_saved"]
    row = prices[prices["service"] == "iv_infusion"]
    at.session_state["prices_saved"] = prices[prices["service"] != "iv_infusion"].reset_index(drop=True)
    at.session_state["editor_version"] = at.session_state["editor_version"] + 1
    at.run()
    assert not at.exception
    assert at.session_state["pkg_service"] == "iv_infusion"
    assert at.session_state["estimate_inputs_invalid"]  # the unpriced service is pointed out
    at.session_state["prices_saved"] = pd.concat([at.session_state["prices_saved"], row], ignore_index=True)
    at.session_state["editor_version"] = at.session_state["editor_version"] + 1
    at.run()
    assert not at.session_state["estimate_inputs_invalid"]
    assert at.session_state["current_result"].totals.patient_pays == before


def test_financing_more_than_you_pay_or_nothing_is_pointed_out() -> None:
    """An amount to finance far above what the patient pays gave a huge monthly payment with no note."""
    big = _linked({"fin_on": "true", "fin_amount_on": "true", "fin_amount": "10000000", "months": "120"})
    assert not big.exception
    assert any("More than you pay for treatment" in str(c.value) for c in big.caption)
    zero = _linked({"fin_on": "true", "fin_amount_on": "true", "fin_amount": "0"})
    assert any("Nothing is financed at $0" in str(c.value) for c in zero.caption)
    usual = _linked({"fin_on": "true", "fin_amount_on": "true", "fin_amount": "100"})
    assert not any("More than you pay" in str(c.value) or "Nothing is financed" in str(c.value) for c in usual.caption)


def test_self_pay_year_changes_are_one_quiet_note_not_a_warning_each() -> None:
    """A 156-week self-pay course showed three warning boxes saying nothing changes; with only an HSA they spoke
    of an FSA election."""
    for params in (
        {"course": "iv6_boosters", "kind": "self_pay", "weeks": "156"},
        {"course": "iv6_boosters", "kind": "self_pay", "weeks": "156", "acct_on": "true", "hsa": "500", "fsa": "0"},
    ):
        at = _linked(params)
        assert not at.exception
        assert not [w for w in at.warning if "new year" in str(w.value).lower()], params
        notes = [str(c.value).replace("\\", "") for c in at.caption if "New years start on" in str(c.value)]
        assert len(notes) == 1 and notes[0].endswith("self-pay prices are not affected."), notes
    with_fsa = _linked({"course": "iv6_boosters", "kind": "self_pay", "weeks": "156", "acct_on": "true", "fsa": "500"})
    assert any("FSA election" in str(w.value) for w in with_fsa.warning)


def test_cleared_tick_boxes_in_the_coverage_table_are_unticked_not_a_crash() -> None:
    """Selecting cells of the coverage table and pressing Delete sends None for its tick boxes. Put into the
    table's bool column, that raised in pandas 3 and the whole page gave way to "This app has encountered an
    error" (seen in Chromium). A cleared tick box is unticked, as the grid shows it: the service is then not
    covered, and the estimate says so."""
    at = _app()
    at.query_params["plan"] = "ppo_copays"
    at.run()
    before = _usd(_metric(at, "You pay"))
    assert at.session_state["current_scenario"].coverage.services["consult"].covered
    key = next(d.key for d in at.data_editor if d.key.startswith("rules_editor"))
    consult = list(at.session_state["rules_base"]["service"]).index("consult")
    copay = Decimal(str(at.session_state["rules_base"]["copay"][consult])).quantize(Decimal("0.01"))
    cleared = {"covered": None, "deductible_applies": None, "prior_auth": None, "copay": None}
    at.session_state[key] = {"edited_rows": {consult: cleared}, "added_rows": [], "deleted_rows": []}
    at.run()
    assert not at.exception
    assert not [e.value for e in at.error]
    rule = at.session_state["current_scenario"].coverage.services["consult"]
    assert (rule.covered, rule.deductible_applies, rule.prior_auth, rule.copay) == (False, False, False, None)
    # The consult was a copay; now it is the patient's to pay in full (the preset covers no IV line, so nothing
    # else moves).
    charge = next(f.charge for f in at.session_state["current_scenario"].fees if f.service == "consult")
    assert _usd(_metric(at, "You pay")) - before == charge - copay


def test_a_cleared_first_treatment_day_is_a_message_not_a_crash() -> None:
    at = _app().run()
    before = _metric(at, "You pay")
    at.date_input(key="start").set_value(None).run()
    assert not at.exception
    assert plain("this field can't be blank") in " ".join(e.value for e in at.error).lower()
    assert _metric(at, "You pay") == before  # the last good estimate stays


def test_a_course_under_way_starts_at_its_session_and_a_bad_start_is_named_beside_the_field() -> None:
    from ui.common import SCENARIO_KEY

    at = _app().run()
    at.selectbox(key="course").set_value("spravato_continuing").run()
    assert not at.exception and at.number_input(key="start_session").value == 13
    scenario = at.session_state[SCENARIO_KEY]
    assert scenario.version == 2 and scenario.protocol.start_session == 13 and scenario.protocol.once == []
    at.number_input(key="start_session").set_value(19).run()
    assert at.session_state[SCENARIO_KEY].protocol.start_session == 19
    at.selectbox(key="course").set_value("iv6").run()
    assert at.number_input(key="start_session").value == 1  # a new course starts at session 1
    before = _metric(at, "You pay")
    at.number_input(key="start_session").set_value(7).run()  # six infusions, no boosters
    messages = [str(e.value).replace("\\", "") for e in at.error]
    assert any("The course has 6 sessions" in m and "session 6 at most" in m for m in messages), messages
    assert _metric(at, "You pay") == before  # the last good estimate stays


def test_the_patients_state_decides_a_state_restricted_program() -> None:
    from ui.common import SCENARIO_KEY

    at = _linked({"course": "spravato_6m", "plan": "hdhp_2026", "obs_on": "true"})
    for name in SECTIONS:
        at.session_state["sec_" + name] = True
    at.run()
    restricted = [str(w.value) for w in at.warning if "residence rule" in str(w.value)]
    assert len(restricted) == 1 and "Michigan" in restricted[0]
    with_rebate = _usd(_metric(at, "You pay"))
    at.selectbox(key="patient_state").set_value("MI").run()
    assert at.session_state[SCENARIO_KEY].patient_state == "MI"
    assert not [w for w in at.warning if "residence rule" in str(w.value)]
    assert any("not valid for residents of Michigan" in str(w.value) for w in at.warning)
    assert _usd(_metric(at, "You pay")) > with_rebate
    at.selectbox(key="patient_state").set_value("NY").run()
    assert _usd(_metric(at, "You pay")) == with_rebate
    assert not [w for w in at.warning if "residents of" in str(w.value)]


def test_a_service_set_out_of_network_without_the_plans_oon_benefits_is_pointed_out() -> None:
    """It counted as not covered with no word on the page (a walkthrough saw You pay jump by $6,240)."""
    data = json.loads(case_path("v2/08_spravato_split_network_auth_units").read_text())
    del data["coverage"]["out_of_network"]
    at = _app()
    for key, value in state_from_scenario(scenario_from_json(json.dumps(data))).items():
        at.session_state[key] = value
    at.run()
    assert not at.exception
    assert any("needs the plan's out-of-network benefits" in str(w.value) for w in at.warning)
    at.toggle(key="oon_on").set_value(True).run()
    assert not any("needs the plan's out-of-network benefits" in str(w.value) for w in at.warning)


def test_a_course_under_way_that_bills_a_first_visit_says_so() -> None:
    at = _app().run()
    at.number_input(key="start_session").set_value(3).run()  # Six IV infusions bills the consult once
    assert any("A course under way usually bills nothing once" in str(c.value) for c in at.caption)


# ---------------------------------------------------------------- service names, never ids, where people read

FEE_NAMES = {f.service: f.description for f in example_prices().fees}  # consult -> "Initial psychiatric evaluation"


def _ids_in(text: str) -> list[str]:
    """The example price list's service ids in `text`: one with an underscore anywhere, a one-word id (consult,
    therapy: English words too) where it stands as an id, quoted, in brackets, alone or listed after a colon."""
    return [
        s
        for s in FEE_NAMES
        if re.search(rf"(?<![\w-]){s}(?![\w-])" if "_" in s else rf"['(]{s}[')]|: {s}(?:[.,;]|$)|^{s}$", text)
    ]


def _grid_column(at: AppTest, table: str, column: str) -> dict:
    editor = next(d for d in at.data_editor if d.key.startswith(f"{table}_editor"))
    return json.loads(editor.proto.columns)[column]


def test_service_lists_and_the_coverage_table_show_names_and_keep_ids_behind_them() -> None:
    """Sections 1 to 3 name each service as the price list describes it ("Initial psychiatric evaluation"), never by
    its id (`consult`); what is chosen is still the id, so the scenario, its file and the link are unchanged."""
    at = _linked({"course": "spravato_1y", "plan": "ppo_copays", "pkg_on": "true", "extra": "therapy"})
    assert not at.exception
    for key, chosen in (("once", ["consult"]), ("extra", ["therapy"])):
        box = at.multiselect(key=key)
        assert sorted(box.options) == sorted(FEE_NAMES.values()), box.options
        assert box.value == chosen  # ids behind the names
        assert not _ids_in(box.help or ""), box.help
    package = at.selectbox(key="pkg_service")
    assert sorted(package.options) == sorted(FEE_NAMES.values()) and package.value == "iv_infusion"
    replaces = [str(c.value).replace("\\", "") for c in at.caption if "Replaces" in str(c.value)]
    assert replaces and "for IV ketamine infusion with monitoring with" in replaces[0], replaces
    column = _grid_column(at, "rules", "service")
    assert column["type_config"]["type"] == "selectbox"
    shown = {o["value"]: o["label"] for o in column["type_config"]["options"]}
    assert {s: shown[s] for s in FEE_NAMES} == FEE_NAMES  # each row's id is shown by its name
    assert set(at.session_state["rules_base"]["service"]) <= set(shown)  # the table itself still holds ids
    scenario = at.session_state["current_scenario"]
    assert scenario.protocol.once == ["consult"] and scenario.protocol.per_session == ["therapy"]
    assert "consult" in scenario.coverage.services
    for element in [*at.caption, *at.markdown, *at.warning, *at.info, *at.error]:
        assert not _ids_in(str(element.value)), element.value


def test_a_custom_schedule_and_a_clinics_own_service_are_listed_by_name() -> None:
    """The custom grid's Service column shows names; a service the clinic adds to its prices is listed by the
    description it was given, and a custom service without one by a name made from its id."""
    at = _app().run()
    at.selectbox(key="course").set_value("custom").run()
    prices = next(d.key for d in at.data_editor if d.key.startswith("prices_editor"))
    added = [
        {"service": "tms", "code": "", "description": "TMS session", "charge": 300.0},
        {"service": "ketamine_im", "code": "", "description": "", "charge": 400.0},
    ]
    at.session_state[prices] = {"edited_rows": {}, "added_rows": added, "deleted_rows": []}
    at.run()
    assert not at.exception
    column = _grid_column(at, "custom", "service")
    shown = {o["value"]: o["label"] for o in column["type_config"]["options"]}
    assert shown == FEE_NAMES | {"tms": "TMS session", "ketamine_im": "Ketamine im"}
    assert {"TMS session", "Ketamine im"} <= set(at.multiselect(key="once").options)


def test_estimate_warnings_notes_and_the_sessions_view_name_services() -> None:
    """A service priced at $0, one with no coverage row, and the Sessions view's Services column: names, not ids."""
    at = _linked({"course": "spravato_1y", "plan": "ppo_copays", "weeks": "4"})
    prices = next(d.key for d in at.data_editor if d.key.startswith("prices_editor"))
    consult = list(at.session_state["prices_base"]["service"]).index("consult")
    at.session_state[prices] = {"edited_rows": {consult: {"charge": 0.0}}, "added_rows": [], "deleted_rows": []}
    rules = next(d.key for d in at.data_editor if d.key.startswith("rules_editor"))
    therapy = list(at.session_state["rules_base"]["service"]).index("therapy")
    at.session_state[rules] = {"edited_rows": {}, "added_rows": [], "deleted_rows": [therapy]}
    at.multiselect(key="extra").set_value(["therapy"])
    at.run()
    assert not at.exception
    warnings = [str(w.value).replace("\\", "") for w in at.warning]
    free = next(w for w in warnings if w.startswith("Priced at $0.00"))
    assert "Initial psychiatric evaluation" in free and not _ids_in(free), free
    missing = next(w for w in warnings if "no coverage information" in w)
    assert "'Integration psychotherapy, 60 min'" in missing and not _ids_in(missing), missing
    # The result JSON's message keeps the id (SPEC §4.7): only what people read changes.
    result = at.session_state["current_result"]
    assert any("'therapy'" in w.message for w in result.warnings if w.code == "no_coverage_info")
    at.segmented_control(key="view").set_value("Sessions").run()
    services = list(next(d.value for d in at.dataframe if "Services" in d.value.columns)["Services"])
    assert services[1] == "SPRAVATO 28 mg device × 2; Administration and 2-hour observation; " + (
        "Integration psychotherapy, 60 min"
    ), services[:2]
    assert not any(_ids_in(s) for s in services), services

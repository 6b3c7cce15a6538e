"""AppTest runs of the Compare and Batch pages (server side, no browser)."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
from streamlit.testing.v1 import AppTest

from estimator.workflows.batch_input import INPUT_COLUMNS
from estimator.workflows.compare import default_scenario, variants
from tests.conftest import ROOT
from ui.common import COMPARISON_KEY, MAX_COMPARE, SCENARIO_KEY, plain

APP = str(ROOT / "app.py")
COMPARE = "ui/pages/compare.py"
BATCH = "ui/pages/batch.py"


def _page(path: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.run()
    at.switch_page(path)
    return at


def _texts(at: AppTest, kind: str) -> list[str]:
    return [str(e.value) for e in getattr(at, kind)]


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def _tables(at: AppTest) -> list[pd.DataFrame]:
    """The Compare page's static tables as shown: st.table reads Markdown, so the page escapes every cell."""
    frames = []
    for t in at.table:
        frame = t.value
        frames.append(
            frame.rename(index=_unescape, columns=_unescape).map(_unescape)  # what the reader sees
        )
    return frames


def test_compare_empty_state() -> None:
    at = _page(COMPARE)
    at.session_state[COMPARISON_KEY] = []
    at.run()
    assert not at.exception
    assert any("No scenarios to compare yet" in t for t in _texts(at, "info"))
    assert at.button(key="variant_0").label == "This estimate as it is"


def test_compare_two_scenarios_side_by_side() -> None:
    base = default_scenario(dt.date.today())
    other = variants(base)[0].scenario
    at = _page(COMPARE)
    at.session_state[COMPARISON_KEY] = [
        {"name": "**bold** <b>html</b>", "scenario": base},
        {"name": "IV instead", "scenario": other},
    ]
    at.run()
    assert not at.exception
    raw = at.table[0].value
    assert list(raw.columns) == [plain("1. **bold** <b>html</b>"), "2\\. IV instead"]  # escaped: never Markdown
    table, diffs = _tables(at)
    assert list(table.columns) == ["1. **bold** <b>html</b>", "2. IV instead"]
    assert "You pay" in table.index
    assert list(diffs.columns) == ["2. IV instead"]
    assert len(at.get("vega_lite_chart")) == 1
    # User text is shown as plain text, never as Markdown.
    assert "1. **bold** <b>html</b>" in _texts(at, "text")
    assert not any("<b>html</b>" in t or "**bold**" in t for t in _texts(at, "markdown"))

    at.button(key="remove_0").click().run()
    assert not at.exception
    assert [i["name"] for i in at.session_state[COMPARISON_KEY]] == ["IV instead"]
    at.button(key="clear_all").click().run()
    assert at.session_state[COMPARISON_KEY] == []


def test_compare_variants_from_the_current_scenario_and_full_message() -> None:
    at = _page(COMPARE)
    at.session_state[SCENARIO_KEY] = default_scenario(dt.date.today())
    at.session_state[COMPARISON_KEY] = []
    at.run()
    keys = [b.key for b in at.button if b.key and b.key.startswith("variant_")]
    assert len(keys) == 5  # the estimate and its four variants
    for key in keys[:MAX_COMPARE]:
        at.button(key=key).click().run()
        assert not at.exception
    assert len(at.session_state[COMPARISON_KEY]) == MAX_COMPARE
    assert any("comparison is full" in t for t in _texts(at, "warning"))
    assert at.button(key=keys[-1]).disabled
    assert len(at.table) == 2


def test_compare_ignores_malformed_entries() -> None:
    at = _page(COMPARE)
    at.session_state[COMPARISON_KEY] = [{"name": "x"}, "junk", {"name": "ok", "scenario": default_scenario()}]
    at.run()
    assert not at.exception
    assert len(at.session_state[COMPARISON_KEY]) == 1


def test_batch_page_runs() -> None:
    at = _page(BATCH)
    at.run()
    assert not at.exception
    assert any("Upload a CSV" in t for t in _texts(at, "info"))


def test_batch_upload_flow() -> None:
    at = _page(BATCH)
    at.run()
    csv_text = "\n".join(
        [
            ",".join(INPUT_COLUMNS),
            "r1,spravato_6m,2026-03-02,commercial,in,1700,0,20,8500,0,01-01,yes",
            "=HYPERLINK(1),iv6,2026-02-30,self_pay,,,,,,,,no",
            "r3,iv6,2026-03-02,self_pay,,,,,,,,no",
        ]
    )
    at.file_uploader(key="batch_csv").upload("patients.csv", csv_text.encode(), "text/csv").run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {"Rows": "3", "Estimated": "2", "With errors": "1"}
    preview = at.dataframe[-1].value
    assert list(preview["patient_ref"]) == ["r1", "=HYPERLINK(1)", "r3"]
    assert preview["error"].iloc[1].startswith("start_date:")


def test_empty_batch_upload_boxes_explain_a_file_the_browser_refused() -> None:
    at = _page(BATCH)
    at.run()
    hints = [str(c.value) for c in at.caption if "marked in red was not opened" in str(c.value)]
    assert hints == [
        "A file marked in red was not opened: it is larger than 2 MB or not a .csv file (point at it to see "
        "which). Remove it with ✕ and choose another."
    ]
    at.radio[0].set_value("Upload a price list (JSON)").run()
    hints = [str(c.value) for c in at.caption if "marked in red was not opened" in str(c.value)]
    assert len(hints) == 2 and "larger than 1 MB or not a .json file" in hints[0]


def test_batch_header_only_file_says_there_are_no_rows() -> None:
    at = _page(BATCH)
    at.run()
    at.file_uploader(key="batch_csv").upload("empty.csv", ",".join(INPUT_COLUMNS).encode(), "text/csv").run()
    assert not at.exception
    assert not at.success  # "Every row was estimated." used to greet a file with no rows
    assert any("no patient rows" in t for t in _texts(at, "info"))


def test_batch_bad_file_and_bad_price_list() -> None:
    at = _page(BATCH)
    at.run()
    at.file_uploader(key="batch_csv").upload("x.csv", b"name,dob\nJane,1990-01-01\n", "text/csv").run()
    assert not at.exception
    assert any("cannot be used" in t for t in _texts(at, "error"))
    at.radio[0].set_value("Upload a price list (JSON)").run()
    at.file_uploader(key="batch_prices").upload("p.json", b"{not json", "application/json").run()
    assert not at.exception
    assert any("price list cannot be used" in t for t in _texts(at, "error"))
    at.file_uploader(key="batch_prices").set_value(("deep.json", b"[" * 150_000, "application/json")).run()
    assert not at.exception  # it re-reads on every redraw, so a crash here used to stick until the file went
    assert any("price list cannot be used" in t for t in _texts(at, "error"))
    assert any("nested too deeply" in t for t in _texts(at, "code"))


def test_compare_shows_dates_and_warnings_the_way_the_estimate_page_does() -> None:
    from estimator.warning_log import CODES
    from estimator.wording import WARNING_NAMES

    assert set(WARNING_NAMES) == set(CODES)
    base = default_scenario(dt.date(2026, 11, 23))  # 26 weeks of SPRAVATO from late November: two plan years
    at = _page(COMPARE)
    at.session_state[COMPARISON_KEY] = [{"name": "A", "scenario": base}, {"name": "B", "scenario": base}]
    at.run()
    assert not at.exception
    table = _tables(at)[0]
    assert "You pay, plan year from Jan 1, 2027" in table.index
    warned = " ".join(_texts(at, "text"))
    assert "a new plan year starts" in warned and "plan_year_reset" not in warned


def test_variants_carry_the_name_the_estimate_has_in_the_comparison() -> None:
    """Variants of an estimate added as "PPO + withMe" read "PPO + withMe - ...", not "Current estimate - ..."."""
    base = default_scenario(dt.date.today()).model_copy(update={"name": ""})
    at = _page(COMPARE)
    at.session_state[SCENARIO_KEY] = base
    at.session_state[COMPARISON_KEY] = [{"name": "PPO + withMe", "scenario": base}]
    at.run()
    assert not at.exception
    at.button(key="variant_1").click().run()
    names = [i["name"] for i in at.session_state[COMPARISON_KEY]]
    assert len(names) == 2 and names[1].startswith("PPO + withMe - "), names


def test_batch_page_takes_a_coverage_file_for_rows_without_a_plan_preset() -> None:
    at = _page(BATCH)
    at.run()
    csv_text = "\n".join(
        [
            ",".join(INPUT_COLUMNS),
            "r1,iv6_boosters,3/1/2027,commercial,out,1000,0,30,6000,0,1-Jan,no,7,CA,",
            "r2,iv6,2027-03-01,commercial,in,1000,0,20,6000,0,01-01,no,,,ppo_copays",
        ]
    )
    at.file_uploader(key="batch_csv").upload("patients.csv", csv_text.encode(), "text/csv").run()
    preview = at.dataframe[-1].value
    assert list(preview["coverage_used"]) == [
        "plan preset hdhp_2026 (the default for commercial; name a plan_preset to choose)",
        "plan preset ppo_copays",
    ]
    radio = next(r for r in at.radio if r.label.startswith("Coverage for rows"))
    radio.set_value("Upload a coverage file (JSON)").run()
    assert any("Upload a coverage file" in str(i.value) for i in at.info)
    bad = b'{"iv_infusion": {"covered": true, "benefit": "pharmacy"}}'
    at.file_uploader(key="batch_coverage").upload("cov.json", bad, "application/json").run()
    assert [e.value for e in at.error] == ["This coverage file cannot be used."]
    good = b'{"iv_infusion": {"covered": true, "oon_allowed": "350"}}'
    at.file_uploader(key="batch_coverage").upload("cov.json", good, "application/json").run()
    assert not at.exception and not at.error
    preview = at.dataframe[-1].value
    assert list(preview["coverage_used"]) == ["uploaded coverage file", "plan preset ppo_copays"]
    assert list(preview["error"]) == ["", ""]


def test_compare_names_the_scenarios_on_its_chart_and_offers_csv_and_pdf() -> None:
    """The chart's bars were labelled "1" and "2", and nothing could be exported or printed."""
    at = _page(COMPARE)
    base = default_scenario(dt.date.today())
    at.session_state[COMPARISON_KEY] = [
        {"name": "SPRAVATO plan", "scenario": base},
        {"name": "IV series", "scenario": variants(base)[0].scenario},
    ]
    at.run()
    assert not at.exception
    import json

    chart = next(e for e in at.main if getattr(e, "type", "") == "vega_lite_chart")
    assert json.loads(chart.proto.spec)["encoding"]["y"]["field"] == "scenario"  # "1. SPRAVATO plan", not "1"
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["Comparison (CSV)", "Printable comparison (PDF)"]

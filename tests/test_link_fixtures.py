"""Links written by the Estimate page before the form rebuild (issue 17) open the same estimate afterwards.

`data/links_2026-12.json` was recorded from the app as it was on 2026-12-05: the query parameters the page put
in the address bar for the defaults, each shared case opened as a file, and preset courses and plans with edits
(amounts met, an FSA, a payment plan, travel), with what a fresh visit to each link estimated then.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from estimator import estimate
from estimator.result import result_to_json
from tests.conftest import ROOT

LINKS = json.loads((Path(__file__).parent / "data" / "links_2026-12.json").read_text())
KEPT = ("totals", "financing", "accounts", "travel", "time_off", "by_plan_year")


@pytest.mark.parametrize("link", LINKS, ids=[x["name"] for x in LINKS])
def test_a_link_from_before_the_rebuild_opens_the_same_estimate(link: dict) -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    for key, value in link["params"].items():
        at.query_params[key] = value
    at.run()
    assert not at.exception
    result = result_to_json(estimate(at.session_state["current_scenario"]))
    assert {k: result[k] for k in KEPT} == link["result"]

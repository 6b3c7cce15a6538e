"""Browser test of the Batch page: upload a CSV, wait for the results, download the results CSV."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

from estimator.workflows.batch_input import INPUT_COLUMNS

ROWS = [
    "br-1,spravato_6m,2026-03-02,commercial,in,1700,0,20,8500,0,01-01,yes",
    "br-2,iv6,2026-02-30,self_pay,,,,,,,,no",
    '=HYPERLINK("http://evil.example"),iv6,2026-03-02,self_pay,,,,,,,,no',
]


def test_batch_upload_and_download(page, app_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    source = tmp_path / "patients.csv"
    source.write_text("\n".join([",".join(INPUT_COLUMNS), *ROWS]) + "\n", encoding="utf-8")

    page.goto(f"{app_url}/batch")
    page.get_by_text("Upload the patients CSV").wait_for()
    page.set_input_files("input[type=file]", str(source))

    download_button = page.get_by_role("button", name="Download the results CSV")
    download_button.wait_for(timeout=60_000)
    page.get_by_text("With errors", exact=True).wait_for()
    page.locator("[data-testid=stDataFrame]").last.wait_for()
    if shot := os.environ.get("BATCH_SCREENSHOT"):  # e.g. BATCH_SCREENSHOT=/tmp/batch.png to look at the page
        page.screenshot(path=shot, full_page=True)

    with page.expect_download() as info:
        download_button.click()
    download = info.value
    assert download.suggested_filename == "batch_estimates.csv"
    rows = list(csv.DictReader(io.StringIO(Path(download.path()).read_text(encoding="utf-8"))))

    assert [r["patient_ref"] for r in rows] == ["br-1", "br-2", '\'=HYPERLINK("http://evil.example")']
    assert [bool(r["error"]) for r in rows] == [False, True, False]
    assert rows[1]["error"].startswith("start_date:")
    assert int(rows[0]["sessions"]) == 21 and float(rows[0]["program_pays"]) > 0

"""Hardening (issue 16): formula-safe CSV exports, a CLI that never loses a line or shows a traceback, safe text.

Each test reproduces one finding of the security review as it was reported."""

from __future__ import annotations

import copy
import csv
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from estimator import estimate
from estimator.documents.exports import csv_safe, schedule_csv, write_csv
from estimator.scenario_io import ScenarioError, parse_json, scenario_from_json
from estimator.workflows.batch import run_batch
from estimator.workflows.batch_input import INPUT_COLUMNS, BatchInputError, decode_csv
from tests.conftest import ROOT

SCENARIO = {
    "version": 2,
    "name": "Hardening",
    "start_date": "2027-01-04",
    "horizon_weeks": 4,
    "protocol": {
        "type": "custom",
        "once": [],
        "sessions": [
            {"day": 0, "phase": "x\r=1+1", "services": [{"service": "iv_infusion"}]},
            {"day": 7, "phase": "\x00=2+2", "services": [{"service": "iv_infusion"}]},
            {"day": 10, "phase": "\uff1d3+3", "services": [{"service": "iv_infusion"}]},
        ],
    },
    "fees": [{"service": "iv_infusion", "code": "99205\r=1+1", "description": "a\nb", "charge": "500"}],
    "coverage": {"kind": "self_pay"},
}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def _cli(*args: str, stdin: bytes = b"", env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "estimator", *args],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        timeout=120,
        check=False,
        env={**os.environ, **(env or {})},
    )


def _no_live_cell(text: str, rows: int) -> list[list[str]]:
    """The CSV parsed as a spreadsheet would: `rows` rows (no split), no cell a formula could start."""
    parsed = list(csv.reader(io.StringIO(text, newline="")))
    assert len(parsed) == rows, parsed
    for row in parsed:
        for cell in row:
            assert not cell.startswith(FORMULA_STARTS), cell
            assert "\r" not in cell and "\n" not in cell, cell
    return parsed


# ---------------------------------------------------------------- 1. formula injection through a carriage return


def test_a_carriage_return_in_a_code_or_phase_neither_splits_the_row_nor_starts_a_formula() -> None:
    result = estimate(scenario_from_json(json.dumps(SCENARIO)))
    text = schedule_csv(result)
    parsed = _no_live_cell(text, 1 + 3)
    header = parsed[0]
    assert parsed[1][header.index("code")] == "99205 =1+1"
    assert parsed[1][header.index("phase")] == "x =1+1"
    assert parsed[2][header.index("phase")] == "'=2+2"  # a leading NUL hid the formula start (review)
    assert parsed[3][header.index("phase")] == "'\uff1d3+3"


@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_every_formula_start_is_neutralized_full_width_forms_included(start: str) -> None:
    assert csv_safe(start + "1+1").startswith("'")


def test_every_csv_writer_neutralizes_every_text_cell() -> None:
    rows = [{"a": "\uff1dSUM(A1)", "b": "ok\r\n=2+2", "c": "\uff20x"}, {"a": "plain", "b": 5, "c": "-3"}]
    _no_live_cell(write_csv(["a", "b", "c"], rows), 3)
    # the batch's results carry the input cells back: a reference typed with a full-width equals sign stays text
    header = ",".join(INPUT_COLUMNS)
    out = run_batch(header + "\n\uff1dHYPERLINK(1),iv6,2027-01-04,self_pay\n").csv()
    parsed = _no_live_cell(out, 2)
    assert parsed[1][1] == "'\uff1dHYPERLINK(1)"


def _batch_export() -> str:
    """A batch results CSV whose references start formulas, plain and full-width (cells can't hold line breaks)."""
    refs = ["=1+1", "@SUM(2;2)", "+3+3", "\uff1d3+3"]
    rows = "".join(f"{ref},iv6,2027-01-04,self_pay\n" for ref in refs)
    return run_batch("patient_ref,course_preset,start_date,coverage_kind\n" + rows).csv()


def _schedule_export() -> str:
    return schedule_csv(estimate(scenario_from_json(json.dumps(SCENARIO))))


@pytest.mark.skipif(
    shutil.which("soffice") is None and not os.environ.get("CI"), reason="LibreOffice is not installed (CI installs it)"
)
@pytest.mark.parametrize(
    ("export", "column", "shown"),
    [
        (_schedule_export, "phase", ["x =1+1", "'=2+2", "'\uff1d3+3"]),
        (_schedule_export, "code", ["99205 =1+1"] * 3),
        (_batch_export, "patient_ref", ["'=1+1", "'@SUM(2;2)", "'+3+3", "'\uff1d3+3"]),
    ],
)
def test_libreoffice_reads_the_exports_without_computing_a_formula(
    export: Any, column: str, shown: list[str], tmp_path: Path
) -> None:
    """A spreadsheet program, not only Python's csv module: LibreOffice computed '=1+1' from the old schedule CSV.
    Every cell comes back as the text written, on its own row: none computed, none split."""
    source = tmp_path / "export.csv"
    source.write_text(export(), encoding="utf-8")
    done = subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--headless",
            "--infilter=CSV:44,34,76,1",  # read as UTF-8, so the full-width cells reach Calc as themselves
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false",
            "--outdir",
            str(tmp_path / "out"),
            str(source),
        ],
        capture_output=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    rendered = (tmp_path / "out" / "export.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(rendered, newline="")))
    assert [row[column] for row in rows] == shown


# ---------------------------------------------------------------- 2, 3. --jsonl: per-line limit, undecodable bytes


def test_jsonl_keeps_every_line_with_a_bad_byte_and_oversized_lines_under_a_strict_utf8_locale() -> None:
    good = json.dumps(SCENARIO | {"name": "ok"}).encode()
    lines = [good] * 1000
    lines[499] = good.replace(b'"ok"', b'"o\xffk"')  # one invalid byte
    lines[700] = b'{"name": "' + b"x" * 20_000_000 + b'"}'  # 20 MB
    lines[900] = b'{"name": "' + b"y" * 6_000_000 + b'"}'  # 6 MB: over the 5 MB a file may have
    done = _cli("estimate", "--jsonl", stdin=b"\n".join(lines) + b"\n", env={"LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"})
    assert done.returncode == 0, done.stderr
    assert b"Traceback" not in done.stderr
    out = done.stdout.decode("utf-8").splitlines()
    assert len(out) == 1000
    bad = {i: json.loads(line) for i, line in enumerate(out) if line.startswith('{"errors"')}
    assert sorted(bad) == [499, 700, 900]
    assert "UTF-8" in bad[499]["errors"][0]["message"]
    assert "5,000,000 bytes" in bad[700]["errors"][0]["message"]
    assert all(json.loads(line)["totals"]["sessions"] == 3 for i, line in enumerate(out) if i not in bad)


def test_jsonl_reads_huge_lines_in_bounded_memory(tmp_path: Path) -> None:
    """A 48 MB line used to take 1.6 GB: now it is refused unread beyond the limit."""
    path = tmp_path / "huge.jsonl"
    line = b'{"name": "' + b"z" * 48_000_000 + b'"}\n'
    path.write_bytes(line + json.dumps(SCENARIO).encode() + b"\n" + line)
    # Peak memory as VmHWM, the high-water mark of this program's own memory: ru_maxrss can carry the parent's
    # peak over to a child started by fork and exec.
    code = (
        "import io, re; from estimator.cli import run_jsonl; out = io.BytesIO(); "
        f"run_jsonl(open({str(path)!r}, 'rb'), out); "
        "hwm = re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()); "
        "print(out.getvalue().count(b'\\n'), int(hwm[1]) // 1024)"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    lines_out, peak_mb = (int(x) for x in done.stdout.split())
    assert lines_out == 3
    assert peak_mb < 150, peak_mb  # about the 5 MB limit and the interpreter, not the 96 MB of input


# ---------------------------------------------------------------- 4. a reader that stops early


@pytest.mark.parametrize("mode", ["jsonl", "file", "batch"])
def test_a_closed_pipe_ends_quietly(mode: str, tmp_path: Path) -> None:
    if mode == "jsonl":
        command = f"{sys.executable} -m estimator estimate --jsonl < {tmp_path}/many.jsonl | head -n1"
        (tmp_path / "many.jsonl").write_text((json.dumps(SCENARIO) + "\n") * 3000, encoding="utf-8")
    elif mode == "file":
        data = copy.deepcopy(SCENARIO)
        data["horizon_weeks"] = 156
        data["protocol"]["sessions"] = [{"day": d, "services": [{"service": "iv_infusion"}]} for d in range(1000)]
        (tmp_path / "one.json").write_text(json.dumps(data), encoding="utf-8")
        command = f"{sys.executable} -m estimator estimate {tmp_path}/one.json | head -n1"
    else:
        rows = "\n".join(f"r{i},iv6,2027-01-04,self_pay" for i in range(3000))
        (tmp_path / "p.csv").write_text("patient_ref,course_preset,start_date,coverage_kind\n" + rows + "\n")
        command = f"{sys.executable} -m estimator batch {tmp_path}/p.csv | head -n1"
    done = subprocess.run(
        ["bash", "-o", "pipefail", "-c", command], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr, done.stderr
    assert done.stdout.count("\n") == 1
    assert done.returncode in (0, 141), done.returncode  # 141: the conventional status after SIGPIPE


# ---------------------------------------------------------------- 5. stdout that cannot encode the user's text


@pytest.mark.parametrize("summary", [False, True])
def test_output_is_utf8_whatever_the_locale(summary: bool, tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    # the program's name is quoted in a warning, so it reaches the JSON as well as the summary
    program = {"name": "Zoë 東京 ✓", "services": ["iv_infusion"], "annual_max": None}
    path.write_text(json.dumps(SCENARIO | {"name": "Zoë 東京 ✓", "savings_programs": [program]}), encoding="utf-8")
    args = ["estimate", str(path), *(["--summary"] if summary else [])]
    done = _cli(*args, env={"PYTHONIOENCODING": "cp1252"})
    assert done.returncode == 0, done.stderr
    assert b"Traceback" not in done.stderr
    assert "Zoë 東京 ✓" in done.stdout.decode("utf-8")
    jsonl = _cli("estimate", "--jsonl", stdin=path.read_bytes(), env={"PYTHONIOENCODING": "cp1252"})
    assert jsonl.returncode == 0 and b"Traceback" not in jsonl.stderr


# ---------------------------------------------------------------- 8. control characters in --summary


def test_summary_strips_control_characters_from_user_text(tmp_path: Path) -> None:
    name = "Evil\x1b[2J\x1b]0;pwned\x07\x00 name\u202e"
    program = {"name": "Card\x1b[31m", "services": ["iv_infusion"], "annual_max": None, "eligible_kinds": ["medicare"]}
    path = tmp_path / "s.json"
    path.write_text(json.dumps(SCENARIO | {"name": name, "savings_programs": [program]}), encoding="utf-8")
    done = _cli("estimate", str(path), "--summary")
    assert done.returncode == 0, done.stderr
    text = done.stdout.decode("utf-8")
    assert "\x1b" not in text and "\x00" not in text and "\x07" not in text and "\u202e" not in text
    assert "Evil[2J]0;pwned name" in text and "'Card[31m'" in text


# ---------------------------------------------------------------- flags that don't combine


@pytest.mark.parametrize("args", [["estimate", "--jsonl", "--summary"], ["estimate", "x.json", "--jsonl"]])
def test_flags_that_do_not_combine_are_refused_with_usage(args: list[str]) -> None:
    done = _cli(*args, stdin=b"")
    assert done.returncode == 2
    assert b"usage:" in done.stderr and b"Traceback" not in done.stderr and done.stdout == b""


# ---------------------------------------------------------------- scenario JSON: duplicate keys, digits, messages


def test_a_duplicate_key_is_refused_naming_it() -> None:
    text = json.dumps(SCENARIO)[:-1] + ', "horizon_weeks": 8}'
    with pytest.raises(ScenarioError) as err:
        scenario_from_json(text)
    assert "horizon_weeks" in str(err.value) and "more than once" in str(err.value)


@pytest.mark.parametrize("amount", ["\u0662\u0660\u0660\u0660\u0660", "\uff15\uff10\uff10", "5\u0660\u0660"])
def test_money_takes_ascii_digits_only(amount: str) -> None:
    data = copy.deepcopy(SCENARIO)
    data["fees"][0]["charge"] = amount
    with pytest.raises(ScenarioError) as err:
        scenario_from_json(json.dumps(data))
    assert [p.loc for p in err.value.problems] == ["fees.0.charge"]
    assert "digits 0-9" in err.value.problems[0].message


def test_json_error_messages_read_once() -> None:
    with pytest.raises(ValueError) as err:
        parse_json('{"name": "unterminated')
    assert "at at" not in str(err.value) and "line 1" in str(err.value)


# ---------------------------------------------------------------- batch file encodings


def test_a_batch_file_mixing_encodings_is_refused_and_a_windows_file_is_read_and_said_so() -> None:
    header = "patient_ref,course_preset,start_date,coverage_kind\n"
    mixed = (header + "Zoë,iv6,2027-01-04,self_pay\n").encode() + "René,iv6,2027-01-04,self_pay\n".encode("cp1252")
    with pytest.raises(BatchInputError, match="mixes"):
        decode_csv(mixed)
    text, note = decode_csv((header + "René,iv6,2027-01-04,self_pay\n").encode("cp1252"))
    assert "René" in text and "Windows-1252" in note
    text, note = decode_csv(("\ufeff" + header + "Zoë,iv6,2027-01-04,self_pay\n").encode("utf-8"))
    assert text.startswith("patient_ref") and note == ""


# ---------------------------------------------------------------- 7. character references in shown text


def test_a_character_reference_in_a_name_is_shown_as_typed_not_decoded() -> None:
    from streamlit.testing.v1 import AppTest

    from ui.common import plain
    from ui.state import state_from_scenario

    assert plain("&lt;E&gt; & co") == "\\&lt;E\\&gt; \\& co"  # Markdown would decode &lt; to <
    program = {"name": "&lt;E&gt;", "services": ["iv_infusion"], "annual_max": None, "eligible_kinds": ["medicare"]}
    scenario = scenario_from_json(json.dumps(SCENARIO | {"savings_programs": [program]}))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    for key, value in state_from_scenario(scenario).items():
        at.session_state[key] = value
    at.run()
    shown = [str(w.value) for w in at.warning if "E" in str(w.value) and "not available" in str(w.value)]
    assert shown and all("\\&lt;E\\&gt;" in w for w in shown), shown


# ---------------------------------------------------------------- 6. the server log after clearing tick boxes


def test_cleared_tick_boxes_leave_nothing_in_the_server_log() -> None:
    """Select the coverage table's tick boxes and press Delete: Streamlit's editor logged 18 tracebacks (~72 KB)
    on every later rerun, trying to put None into the table's bool columns."""
    import logging

    from streamlit.testing.v1 import AppTest

    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    logger = logging.getLogger("streamlit.elements.widgets.data_editor")
    handler = Keep(level=logging.WARNING)
    logger.addHandler(handler)
    try:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
        at.session_state["sec_insurance"] = True
        at.query_params["plan"] = "ppo_copays"
        at.run()
        key = next(d.key for d in at.data_editor if d.key.startswith("rules_editor"))
        rows = len(at.session_state["rules_base"])
        cleared = {"covered": None, "deductible_applies": None, "prior_auth": None}
        at.session_state[key] = {
            "edited_rows": dict.fromkeys(range(rows), cleared),
            "added_rows": [],
            "deleted_rows": [],
        }
        at.run()
        at.run()
        at.run()
    finally:
        logger.removeHandler(handler)
    assert not at.exception
    assert records == [], [r.getMessage() for r in records]
    services = at.session_state["current_scenario"].coverage.services
    assert not any(r.covered or r.prior_auth or r.deductible_applies for r in services.values())


# ---------------------------------------------------------------- an unexpected error on a page


def test_an_unexpected_page_error_logs_where_it_happened_never_its_message() -> None:
    """A crash message that held patient text reached the server console in full."""
    import logging

    from streamlit.testing.v1 import AppTest

    def crashing_page() -> None:
        from ui.errors import run_safely

        def page() -> None:
            raise ValueError("Jane Doe, born 1980-01-01, F33.1, owes $4,000")

        run_safely(page)

    records: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(self.format(record) + (str(record.exc_info) if record.exc_info else ""))

    handler = Keep()
    for name in ("estimator.app", "streamlit"):
        logging.getLogger(name).addHandler(handler)
    try:
        at = AppTest.from_function(crashing_page, default_timeout=30).run()
    finally:
        for name in ("estimator.app", "streamlit"):
            logging.getLogger(name).removeHandler(handler)
    assert not at.exception
    assert next(e.value for e in at.error).startswith("Something went wrong on this page")
    assert any(r.startswith("page error: ValueError in ") for r in records), records
    assert not any("Jane" in r or "F33" in r or "4,000" in r for r in records), records


def test_where_an_error_happened_names_the_projects_own_line_and_not_the_message() -> None:
    from ui.errors import where

    def fail() -> None:
        raise KeyError("Jane Doe")

    try:
        fail()
    except KeyError as error:
        line = error.__traceback__.tb_next.tb_lineno  # type: ignore[union-attr]
        assert where(error) == f"KeyError in fail (tests/test_hardening.py:{line})"


def test_a_json_line_never_holds_a_character_line_readers_split_on() -> None:
    """Found by the CLI fuzzer: a field named with U+0085 came back raw in the error's `loc`, and a reader that
    splits lines on it (Python's str.splitlines) read two lines for one."""
    import io as _io

    from estimator.cli import run_jsonl

    line = json.dumps(SCENARIO | {"\x85\u2028\u2029": None}, ensure_ascii=False).encode("utf-8")
    out = _io.BytesIO()
    run_jsonl(_io.BytesIO(line + b"\n" + line + b"\n"), out)
    text = out.getvalue().decode("utf-8")
    assert len(text.splitlines()) == 2
    assert json.loads(text.splitlines()[0])["errors"][0]["loc"] == "\x85\u2028\u2029"


# ---------------------------------------------------------------- from the review of the fixes


def test_a_huge_exponent_is_refused_at_once_not_computed_for_minutes() -> None:
    """'1e999999999' read exactly became a whole number of a billion digits for horizon_weeks: the CLI hung."""
    for text in ('{"horizon_weeks": 1e999999999}', '{"version": 2, "fees": [{"charge": 1e-999999999}]}'):
        done = _cli("estimate", "--jsonl", stdin=(text + "\n").encode())  # a hang fails by the timeout
        assert done.returncode == 0 and b"far too long" in done.stdout, done.stdout


def test_a_lone_surrogate_in_a_duplicate_key_is_an_errors_line_not_a_traceback() -> None:
    done = _cli("estimate", "--jsonl", stdin=b'{"\\ud800":1,"\\ud800":2}\n{}\n')
    assert done.returncode == 0 and b"Traceback" not in done.stderr
    lines = done.stdout.decode("utf-8").splitlines()
    assert len(lines) == 2 and all(json.loads(line)["errors"] for line in lines)


def test_error_lines_on_the_terminal_leave_out_control_characters(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text(json.dumps(SCENARIO | {"\x1b]0;pwned\x07\x1b[2J\u202eevil": 1}), encoding="utf-8")
    done = _cli("estimate", str(path))
    assert done.returncode == 2
    assert b"\x1b" not in done.stderr and b"\x07" not in done.stderr and "\u202e".encode() not in done.stderr
    assert b"]0;pwned[2Jevil: this field is not expected here" in done.stderr


def test_an_error_in_a_widget_callback_is_logged_without_its_message() -> None:
    """Callbacks run before the page, outside run_safely: Streamlit logged their whole exception."""
    import logging

    from streamlit.testing.v1 import AppTest

    def page_with_a_failing_button() -> None:
        import streamlit as st

        from ui.errors import redact_streamlit_logs

        redact_streamlit_logs()

        def fail() -> None:
            raise ValueError("patient Jane Doe, diagnosis F33.1")

        st.button("Go", on_click=fail)

    records: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record.getMessage() + (repr(record.exc_info) if record.exc_info else ""))

    at = AppTest.from_function(page_with_a_failing_button, default_timeout=30).run()
    loggers = [logging.getLogger(n) for n in list(logging.Logger.manager.loggerDict) if n.startswith("streamlit")]
    handler = Keep()
    for logger in loggers:
        logger.addHandler(handler)
    try:
        at.button[0].click().run()
    finally:
        for logger in loggers:
            logger.removeHandler(handler)
    assert records, "Streamlit logs an error raised in a callback"
    assert any("ValueError in fail" in r and "details withheld" in r for r in records), records
    assert not any("Jane" in r or "F33" in r for r in records), records


def test_batch_cells_take_the_digits_0_9_only() -> None:
    header = ",".join(INPUT_COLUMNS)
    rows = [
        "b,spravato_6m,\u0663/\u0662/\u0662\u0660\u0662\u0666,commercial,in,1500,0,20,,0,,no",
        "c,spravato_6m,2026-03-02,commercial,in,\uff11\uff15\uff10\uff10,0,2_0,,0,,no",
    ]
    out = run_batch("\n".join([header, *rows]) + "\n")
    assert out.bad == 2
    assert str(out.rows[0]["error"]).startswith("start_date:")
    assert "deductible:" in str(out.rows[1]["error"]) and "coinsurance_pct:" in str(out.rows[1]["error"])
    data = copy.deepcopy(SCENARIO)
    data["fees"][0]["charge"] = "3_00"
    with pytest.raises(ScenarioError, match="digits 0-9"):
        scenario_from_json(json.dumps(data))


def test_a_windows_file_with_byte_pairs_that_look_like_utf8_is_read_and_utf16_is_read_too() -> None:
    header = "patient_ref,course_preset,start_date,coverage_kind\n"
    # É– is C9 96 and ß’ DF 92, valid UTF-8 by chance; the é of José is not, so the file is not UTF-8
    text = header + "José,iv6,2027-01-04,self_pay\nRENÉ–ANNE ß’,iv6,2027-01-04,self_pay\n"
    decoded, note = decode_csv(text.encode("cp1252"))
    assert decoded == text and note
    decoded, note = decode_csv(text.encode("utf-16"))  # Excel's "Unicode text", with its BOM
    assert decoded == text and note == ""


def test_user_text_never_becomes_a_heading() -> None:
    from ui.common import plain

    for text in ("Prog\n=", "Prog\r===", "Prog\r\n---"):
        shown = plain(text)
        assert "\\=" in shown or "\\-" in shown, shown
        assert "\r" not in shown


def test_the_shipped_config_keeps_data_local_and_csv_safe() -> None:
    """Streamlit's own table download wrote a batch reference '=HYPERLINK(...)' as it was (review): it is off, so
    every CSV comes from the app's own writers; usage statistics and error details stay off too."""
    import tomllib

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["disableDataExport"] is True
    assert config["client"]["showErrorDetails"] == "none"
    assert config["browser"]["gatherUsageStats"] is False
    assert config["server"]["address"] == "127.0.0.1"
    # no framing site may stop or rerun the app (Streamlit's default allows its cloud's sites)
    assert config["client"]["allowedOrigins"] == []

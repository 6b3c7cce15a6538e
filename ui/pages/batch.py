"""Batch page: a CSV of patients in, a CSV of estimates out (counselors). Calculation in estimator.workflows.batch.

Where a clinic setup is kept (issue 18), the batch takes the clinic's price list and payer templates by name, as
`python -m estimator batch FILE --clinic NAME [--price-list NAME] [--payer-template NAME]` does: every active template
may be named in a row's `payer_template` column, one may serve the rows that name none, and without a chosen price
list the one in effect today is used. Without a setup the page is as it always was."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from typing import TypeVar

import pandas as pd
import streamlit as st

from clinic.store import StoreError
from estimator.clinic_setup import PayerTemplate
from estimator.presets import default_plan_for_kind
from estimator.workflows.batch import BatchOutput, column_help, run_batch
from estimator.workflows.batch_input import (
    MAX_COVERAGE_BYTES,
    MAX_CSV_BYTES,
    MAX_PRICES_BYTES,
    MEGABYTE,
    OUTPUT_COLUMNS,
    BatchInputError,
    CoverageTable,
    Prices,
    coverage_from_json,
    example_price_list,
    prices_from_json,
    prices_from_price_list,
    template_csv,
)
from ui.clinic_state import CLINIC_KEY, chosen_clinic, clinic_names, store
from ui.common import page_footer, page_header, plain, refused_file_hint

CSV_BOX_MB = MAX_CSV_BYTES // MEGABYTE  # the patients CSV box's limit, as Streamlit takes it
T = TypeVar("T")
# The price-list and coverage boxes' own limit (whole MB, as Streamlit takes it); each file then has its byte limit.
JSON_BOX_MB = 1
RESULT_STATE = "batch_output"  # (cache key, BatchOutput, results CSV text)
SETUP_PRICE_LIST = "batch_price_list"  # the clinic's price list by name, or NONE
SETUP_TEMPLATE = "batch_payer_template"  # the clinic's payer template for rows naming none, or NONE
NONE = "none"
MONEY_COLUMNS = ["charges", "insurance_pays", "program_pays", "patient_pays_total"]
# The preview shows what identifies a row and its figures; the CSV has every column.
PREVIEW_ORDER = [
    "line",
    "patient_ref",
    "course_preset",
    "start_session",
    "coverage_kind",
    "coverage_used",
    "sessions",
    *MONEY_COLUMNS,
    "patient_pays_by_plan_year",
    "oop_max_reached_on",
    "warnings",
    "error",
]
PREVIEW_CONFIG = {
    "line": st.column_config.NumberColumn("line", help="Line in your file (the header is line 1)", pinned=True),
    "patient_ref": st.column_config.TextColumn("patient ref", pinned=True),
    "course_preset": st.column_config.TextColumn("course"),
    "coverage_kind": st.column_config.TextColumn("coverage"),
    "start_session": st.column_config.TextColumn("start session"),
    "coverage_used": st.column_config.TextColumn("coverage used", width="medium"),
    "sessions": st.column_config.NumberColumn("sessions", format="%d"),
    "charges": st.column_config.NumberColumn("charges", format="dollar"),
    "insurance_pays": st.column_config.NumberColumn("insurance pays", format="dollar"),
    "program_pays": st.column_config.NumberColumn("program pays", format="dollar"),
    "patient_pays_total": st.column_config.NumberColumn("patient pays", format="dollar"),
    "patient_pays_by_plan_year": st.column_config.TextColumn("patient pays per plan year", width="medium"),
    "oop_max_reached_on": st.column_config.TextColumn("OOP max reached"),
    "warnings": st.column_config.TextColumn("warnings"),
    "error": st.column_config.TextColumn("error", width="medium"),
    "problem": st.column_config.TextColumn("problem", width="large"),
}


def _problem(headline: str, detail: str) -> None:
    """A fixed headline, and the detail (which may quote the user's file) shown as plain text."""
    st.error(headline, icon=":material/error:")
    st.code(detail, language=None, wrap_lines=True)


def _price_table(prices: Prices) -> pd.DataFrame:
    rows = [
        {"service": f.service, "code": f.code, "description": f.description, "charge": float(f.charge)}
        for f in prices.fees
    ]
    return pd.DataFrame(rows)


def _json_upload(
    label: str, key: str, what: str, instead: str, limit: int, parse: Callable[[bytes], T]
) -> tuple[T, str] | None:
    """A small JSON file from its upload box, parsed, and a key that changes with its content; None (with the
    reason shown) while there is none or it cannot be used."""
    upload = st.file_uploader(label, type=["json"], max_upload_size=JSON_BOX_MB, key=key)
    if upload is None:
        st.info(f"Upload a {what}, or {instead}.", icon=":material/info:")
        refused_file_hint(JSON_BOX_MB, ".json")
        return None
    if upload.size > limit:
        st.error(f"The {what} is larger than {limit:,} bytes.", icon=":material/error:")
        return None
    raw = upload.getvalue()
    try:
        value = parse(raw)
    except BatchInputError as e:
        _problem(f"This {what} cannot be used.", str(e))
        return None
    return value, hashlib.sha256(raw).hexdigest()


def _setup_clinic() -> str | None:
    """The clinic whose setup the batch uses (None: no setup kept, or none chosen among several)."""
    names = clinic_names()
    if not names:
        return None
    if len(names) > 1:
        st.selectbox("Clinic", names, key=CLINIC_KEY, index=None, placeholder="Choose the clinic")
    clinic = chosen_clinic(st.session_state)
    if clinic is None:
        st.caption("Choose the clinic to use its price lists and payer templates.")
    else:
        st.caption(
            plain(f"From the setup of {clinic}: its price lists and payer templates (change them on the Clinic page).")
        )
    return clinic


def _setup_prices(clinic: str) -> tuple[Prices, str] | None:
    """The clinic's price list chosen by name (at first the one in effect today, as the command line's
    `batch --clinic` takes), with a key that changes when it is edited; None for "none"."""
    try:
        kept = store().list_price_lists(clinic)
    except StoreError:
        kept = []
    try:
        in_effect: str | None = store().price_list_in_effect(clinic).name
    except StoreError:  # none in effect today: the example list or an upload, until one is chosen
        in_effect = None
    options = [*(k.name for k in kept), NONE]
    if st.session_state.get(SETUP_PRICE_LIST) not in options:  # never chosen, or archived since
        st.session_state.pop(SETUP_PRICE_LIST, None)
    choice = st.selectbox(
        "The clinic's price list",
        options,
        index=options.index(in_effect if in_effect in options else NONE),
        key=SETUP_PRICE_LIST,
        help="The same prices are used for every row. 'none': the example list or one you upload.",
    )
    chosen = next((k for k in kept if k.name == choice), None)
    if chosen is None:
        return None
    return prices_from_price_list(chosen.content), f"setup price list {chosen.name} v{chosen.version}"


def _setup_templates(clinic: str) -> tuple[dict[str, PayerTemplate], PayerTemplate | None, str]:
    """Every active payer template of the clinic by name (what a row's `payer_template` may name), the one chosen
    for rows naming neither a template nor a plan preset (None for "none"), and a key that changes with them."""
    try:
        kept = store().list_payer_templates(clinic)
    except StoreError:
        kept = []
    names = [k.name for k in kept]
    if st.session_state.get(SETUP_TEMPLATE) not in [NONE, *names]:  # archived since it was chosen
        st.session_state.pop(SETUP_TEMPLATE, None)
    choice = st.selectbox(
        "The clinic's payer template for rows without a payer_template or plan_preset",
        [NONE, *names],
        key=SETUP_TEMPLATE,
        help="It serves only rows of its own coverage kind. A row may name any of the clinic's payer templates "
        "in its payer_template column (" + (", ".join(names) or "none kept yet") + ").",
    )
    default = next((k.content for k in kept if k.name == choice), None)
    key = "setup templates " + "|".join(f"{k.name} v{k.version}" for k in kept) + f" default {choice}"
    return {k.name: k.content for k in kept}, default, key


def _choose_prices(setup: tuple[Prices, str] | None = None) -> tuple[Prices | None, str]:
    """The price list for every row (the clinic's, when one is chosen above), and a key that changes when it does."""
    if setup is not None:
        prices, key = setup
        _show_prices(prices)
        return prices, key
    choice = st.radio(
        "Clinic price list",
        ["Example price list", "Upload a price list (JSON)"],
        horizontal=True,
        help="The same prices are used for every row. Replace the example figures with your clinic's own.",
    )
    if choice == "Example price list":
        prices = example_price_list()
        key = "example"
        st.caption("Example figures from published typical ranges, not any clinic's prices.")
    else:
        uploaded = _json_upload(
            'Price list JSON: {"fees": [{"service", "code", "description", "charge"}, ...], "packages": [...]}',
            "batch_prices",
            "price list",
            "use the example list",
            MAX_PRICES_BYTES,
            prices_from_json,
        )
        if uploaded is None:
            return None, ""
        prices, key = uploaded
    _show_prices(prices)
    return prices, key


def _show_prices(prices: Prices) -> None:
    n_fees, n_packages = len(prices.fees), len(prices.packages)
    label = f"Prices used ({n_fees} service{'s' * (n_fees != 1)}, {n_packages} package{'s' * (n_packages != 1)})"
    with st.expander(label):
        st.dataframe(
            _price_table(prices),
            hide_index=True,
            column_config={"charge": st.column_config.NumberColumn("charge per unit", format="dollar")},
        )
        if prices.packages:
            st.dataframe(
                pd.DataFrame(
                    [{"service": p.service, "sessions": p.sessions, "price": float(p.price)} for p in prices.packages]
                ),
                hide_index=True,
                column_config={"price": st.column_config.NumberColumn(format="dollar")},
            )


def _choose_coverage() -> tuple[CoverageTable | None, str] | None:
    """What the plan covers for rows without a plan_preset, and a key that changes when it does (None: not ready)."""
    defaults = ", ".join(f"{p.label} for {kind}" for kind, p in default_plan_for_kind().items() if kind != "self_pay")
    choice = st.radio(
        "Coverage for rows without a plan_preset",
        ["The plan preset for the row's coverage kind", "Upload a coverage file (JSON)"],
        horizontal=True,
        help="A row's plan_preset column always wins. The presets cover what such plans usually cover: " + defaults,
    )
    if choice.startswith("The plan preset"):
        st.caption("Defaults: " + defaults + ". Each row's results say which coverage it used.")
        return None, "presets"
    return _json_upload(
        'Coverage JSON, per service: {"spravato_drug": {"covered": true, "prior_auth": true}, ...}',
        "batch_coverage",
        "coverage file",
        "use the plan presets",
        MAX_COVERAGE_BYTES,
        lambda raw: coverage_from_json(raw, label="uploaded coverage file"),
    )


def _estimate(
    raw: bytes,
    prices: Prices,
    coverage: CoverageTable | None,
    key: str,
    templates: dict[str, PayerTemplate] | None = None,
    template: PayerTemplate | None = None,
) -> tuple[BatchOutput, str] | None:
    """Run the batch with a progress bar, once per (file, price list, coverage, the clinic's templates)."""
    cached = st.session_state.get(RESULT_STATE)
    if cached and cached[0] == key:
        return cached[1], cached[2]
    bar = st.progress(0.0, text="Reading the file...")

    def progress(done: int, total: int) -> None:
        bar.progress(done / total if total else 1.0, text=f"Estimated {done:,} of {total:,} rows")

    try:
        output = run_batch(raw, prices, progress, coverage, payer_templates=templates, payer_template=template)
    except BatchInputError as e:
        bar.empty()
        _problem("This file cannot be used.", str(e))
        return None
    bar.empty()
    text = output.csv()
    st.session_state[RESULT_STATE] = (key, output, text)
    return output, text


def _preview(output: BatchOutput) -> pd.DataFrame:
    frame = pd.DataFrame(output.rows, columns=OUTPUT_COLUMNS)  # without the "problems" lists
    for col in [*MONEY_COLUMNS, "sessions"]:
        frame[col] = pd.to_numeric(frame[col].map(lambda v: None if v == "" else float(v)), errors="coerce")
    return frame


def _problems(output: BatchOutput) -> pd.DataFrame:
    rows = []
    for r in output.rows:
        for problem in r.get("problems") or ():
            column, _, why = str(problem).partition(": ")
            rows.append({"line": r["line"], "patient_ref": r["patient_ref"], "column": column, "problem": why})
    return pd.DataFrame(rows, columns=["line", "patient_ref", "column", "problem"])


def _results(output: BatchOutput, text: str) -> None:
    total = output.good + output.bad
    if output.note:
        st.info(output.note, icon=":material/info:")
    c1, c2, c3 = st.columns(3)
    c1.metric("Rows", f"{total:,}", border=True)
    c2.metric("Estimated", f"{output.good:,}", border=True)
    c3.metric("With errors", f"{output.bad:,}", border=True)
    if output.bad:
        st.warning(
            f"{output.bad:,} row(s) could not be estimated. Each keeps its place in the results with an "
            "'error' naming the column to fix; the other rows are estimated.",
            icon=":material/warning:",
        )
    elif total == 0:
        st.info("The file has its header but no patient rows: add one row per patient.", icon=":material/info:")
    else:
        st.success("Every row was estimated.", icon=":material/check_circle:")
    st.download_button(
        "Download the results CSV",
        data=text.encode("utf-8"),
        file_name="batch_estimates.csv",
        mime="text/csv",
        type="primary",
        icon=":material/download:",
        on_click="ignore",
    )
    frame = _preview(output)
    if output.bad:
        st.markdown("**Rows to fix** (one line per problem)")
        st.dataframe(_problems(output), hide_index=True, column_config=PREVIEW_CONFIG)
    st.markdown("**All rows**")
    st.dataframe(frame, hide_index=True, column_config=PREVIEW_CONFIG, column_order=PREVIEW_ORDER, placeholder="-")
    st.caption("The results CSV also has every other input column.")
    st.caption(
        "Amounts are for the treatment course only (no travel, tax savings or payment plans). Each row's plan "
        "numbers are used for its network; out of network the plan is taken to allow the full charge (no "
        "balance bill) unless the coverage gives a maximum per service. What each service's coverage is comes "
        "from the row's plan preset, the coverage file or the preset for its kind ('coverage used'): check it "
        "against each patient's benefits. The results CSV repeats every input column, so it can be run again."
    )


page_header(
    "Batch estimates",
    "For clinic financial counselors: a CSV of patients in, a CSV of estimates out. Nothing is stored; "
    "use a reference, not a patient's name.",
)

st.subheader("1. Start from the template")
st.download_button(
    "Download the CSV template",
    data=template_csv(dt.date.today()).encode("utf-8"),
    file_name="batch_template.csv",
    mime="text/csv",
    icon=":material/download:",
    on_click="ignore",
)
with st.expander("What each column means"):
    st.dataframe(pd.DataFrame(column_help()), hide_index=True)
    st.caption(
        "Blank optional cells take the default in brackets. Amounts may be written 1500, 1500.00 or $1,500.00; "
        "percentages as percent numbers (20 = 20 %). Self-pay rows ignore the plan columns."
    )

st.subheader("2. Choose the clinic price list")
setup_clinic = _setup_clinic()
prices, prices_key = _choose_prices(_setup_prices(setup_clinic) if setup_clinic else None)

st.subheader("3. Choose what the plans cover")
templates: dict[str, PayerTemplate] | None = None
default_template: PayerTemplate | None = None
templates_key = "no setup"
if setup_clinic:
    templates, default_template, templates_key = _setup_templates(setup_clinic)
if default_template is not None:  # as on the command line, a batch template and a coverage file exclude each other
    st.caption(
        f"Rows without a payer_template or plan_preset use the payer template “{default_template.name}” when it is "
        "of their coverage kind, else the plan preset for their kind. Each row's results say which coverage it used."
    )
    coverage_choice: tuple[CoverageTable | None, str] | None = (None, "template")
else:
    coverage_choice = _choose_coverage()

st.subheader("4. Upload the patients CSV")
upload = st.file_uploader(
    f"Patients CSV (up to {CSV_BOX_MB} MB, about 25,000 rows)",
    type=["csv"],
    max_upload_size=CSV_BOX_MB,
    key="batch_csv",
)
if upload is None:
    st.info("Upload a CSV in the template's format to estimate every row.", icon=":material/upload_file:")
    refused_file_hint(CSV_BOX_MB, ".csv")
elif upload.size > MAX_CSV_BYTES:
    st.error(
        f"The file is larger than {CSV_BOX_MB} MB; split it into smaller files.",
        icon=":material/error:",
    )
elif prices is None:
    st.info("Choose a price list above to estimate the file.", icon=":material/info:")
elif coverage_choice is None:
    st.info("Choose the coverage above to estimate the file.", icon=":material/info:")
else:
    raw = upload.getvalue()
    coverage, coverage_key = coverage_choice
    key = ":".join([hashlib.sha256(raw).hexdigest(), prices_key, coverage_key, templates_key])
    done = _estimate(raw, prices, coverage, key, templates, default_template)
    if done is not None:
        st.subheader("5. Results")
        _results(*done)

page_footer()

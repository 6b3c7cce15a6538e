"""Sources page: every reference value with its year and source, the presets, and the assumptions."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from estimator.presets import (
    course_presets,
    describe_amount,
    describe_coverage,
    describe_program,
    describe_protocol,
    example_prices,
    plan_presets,
    program_templates,
)
from estimator.reference import latest_decimal, reference
from ui.common import PHONE_MEDIA, WIDE_MEDIA, page_footer, page_header, plain

ROW_PX = 35
NARROW_SWAP_CSS = (
    f"<style>{PHONE_MEDIA} {{ .st-key-ref_table {{ display: none; }} }}"
    f" {WIDE_MEDIA} {{ .st-key-ref_list {{ display: none; }} }}</style>"
)

page_header(
    "Sources and assumptions",
    "Every reference value the estimator uses or shows, with its year and source. "
    "“Secondary” values come from clinic, vendor or news pages: treat them as typical and replace them "
    "with your own figures.",
)

st.subheader("Reference values")
# A wide table for desktops; on a phone its columns would need a sideways scroll, so a list is shown instead.
st.html(NARROW_SWAP_CSS)
rows = [
    {
        "Value": p.label,
        "Amount": describe_amount(v.value, p.unit),
        "Year": v.year,
        "Status": v.status,
        "Source": v.source,
        "Link": v.url,
    }
    for p in reference().parameters
    for v in p.values
]
st.container(key="ref_table").dataframe(
    pd.DataFrame(rows),
    hide_index=True,
    width="stretch",
    row_height=ROW_PX,
    height=ROW_PX * (len(rows) + 1) + 3,  # every value visible without scrolling inside the table, no blank rows
    column_config={
        "Value": st.column_config.TextColumn(width="large"),
        "Amount": st.column_config.TextColumn(width=130),
        "Link": st.column_config.LinkColumn("Link", display_text="open"),
        "Year": st.column_config.NumberColumn(format="%d", width="small"),
    },
)
st.container(key="ref_list").markdown(
    "\n".join(
        f"- **{plain(p.label)}**"
        + "".join(
            f"  \n  {v.year}: {plain(describe_amount(v.value, p.unit))} ({v.status}), [{plain(v.source)}]({v.url})"
            for v in p.values
        )
        for p in reference().parameters
    )
)


def with_note(label: str, note: str) -> str:
    """'Medicare Part B (2026)' stays as it is rather than becoming 'Medicare Part B (2026) (2026)'."""
    return label if note in label else f"{label} ({note})"


def preset_list(items: list[tuple[str, str, str]]) -> None:
    """Presets as a list rather than a table: their figures are sentences that a table cell would cut off."""
    st.markdown(
        "\n".join(
            f"- **{plain(label)}**: {plain(figures)}.  \n  Source: {plain(source)}" for label, figures, source in items
        )
    )


st.subheader("Course presets")
preset_list(
    [
        (with_note(p.label, f"{p.horizon_weeks} weeks"), describe_protocol(p.protocol), p.source)
        for p in course_presets()
    ]
)

st.subheader("Plan presets")
preset_list([(with_note(p.label, str(p.year)), describe_coverage(p.coverage), p.source) for p in plan_presets()])

prices = example_prices()
st.subheader("Example clinic prices")
st.caption(plain(f"{prices.description} Effective {prices.effective}; status: {prices.status}."))
st.dataframe(
    pd.DataFrame(
        [
            {
                "Service": f.service,
                "Price": float(f.charge),
                "Code": f.code,
                "Description": f.description,
                "Source": f.source,
            }
            for f in prices.fees
        ]
        + [
            {
                "Service": f"{p.service} (package of {p.sessions})",
                "Price": float(p.price),
                "Code": "",
                "Description": "Package price",
                "Source": p.source,
            }
            for p in prices.packages
        ]
    ),
    hide_index=True,
    width="stretch",
    column_config={"Price": st.column_config.NumberColumn(format="dollar", width="small")},
)

st.subheader("Savings programs")
preset_list([(f"{t.label} ({t.year}, {t.status})", describe_program(t.program), t.source) for t in program_templates()])

st.subheader("How the estimate is calculated")
for item in [
    "Sessions follow the chosen course: six IV infusions spread over the induction weeks (days 0, 3, 7, 10, 14, 17 "
    "for six over three weeks) with optional boosters; SPRAVATO follows the label schedule (twice weekly in weeks "
    "1-4, weekly in weeks 5-8, then every one or two weeks). Only sessions inside the chosen number of weeks count.",
    "Each session bills its services at the clinic's price per unit times the quantity. A package price is split "
    "evenly, to the cent, over the first sessions it covers; the last of them takes any remainder.",
    "Insurance pays nothing for self-pay care, for services the plan does not cover, or after prior authorization "
    "ends. In network, the plan's contracted rate (when entered) is the most the clinic may charge; out of network "
    "the plan allows a share of the charge and the clinic may bill you the rest (a balance bill).",
    "Your share is the deductible first, then coinsurance (rounded to the cent) or a copay, limited by what is left "
    "of the out-of-pocket maximum. Balance bills and uncovered services never count toward it.",
    "A new plan year resets the deductible and out-of-pocket maximum to zero; amounts already met apply to the plan "
    "year of the first session only.",
    "A savings program pays part of your share on the services it names, leaving you its per-session amount, up "
    "to its maximum per calendar year. It is not available with Medicare or Medicaid. With a copay accumulator, "
    "only what you paid yourself counts toward your deductible and out-of-pocket maximum.",
    "HSA/FSA: each visit's costs (treatment and travel) are paid from that plan year's FSA first, then the HSA, "
    "then your own money. Tax savings = money paid from the accounts x (federal + state rate, plus "
    f"{latest_decimal('fica_rate_pct')} % FICA "
    "when contributions go through payroll).",
    "Travel per visit = round-trip miles x the IRS medical mileage rate of the visit's year (or your own rate) + "
    "parking + rideshare. Time off = visits x hours x wage, shown apart because lost wages are not a medical "
    "expense.",
    "A payment plan's monthly payment is the standard amortized payment at the APR entered, rounded to the cent.",
]:
    st.markdown("• " + plain(item))

st.subheader("What this tool does not do")
st.markdown(
    plain(
        "It covers only prescribed, supervised treatment (clinic IV/IM ketamine, REMS-certified SPRAVATO, prescribed "
        "programs entered as a custom course). It gives no dosing advice beyond the labeled session schedule, and "
        "it is an estimate, not medical, legal or tax advice. Nothing you enter is sent anywhere."
    )
)
page_footer()

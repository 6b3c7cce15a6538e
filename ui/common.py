"""Shared page furniture and session-state keys for every page."""

from __future__ import annotations

import re

import streamlit as st

from estimator.money import fmt_usd
from estimator.text import fmt_day as fmt_day  # re-exported: the pages take the date style from here
from estimator.wording import CRISIS_LINE, DISCLAIMER

# Session-state contract between pages.
SCENARIO_KEY = "current_scenario"  # estimator.models.Scenario last validated on the Estimate page
RESULT_KEY = "current_result"  # estimator.result.Result for that scenario
STALE_KEY = "estimate_inputs_invalid"  # True while the Estimate page's inputs need attention
STALE_NOTE = (
    "The inputs on the Estimate page need attention, so this uses the last valid estimate from it. Fix them "
    "there to use your latest changes."
)
COMPARISON_KEY = "comparison"  # list[dict(name=str, scenario=Scenario)], at most MAX_COMPARE
MAX_COMPARE = 4

# Streamlit stacks columns below this width; pages rearrange a few things for phones there.
PHONE_MEDIA = "@media (max-width: 640px)"
WIDE_MEDIA = "@media (min-width: 641px)"
CRISIS = CRISIS_LINE.replace("988", "**988**")  # the number stands out on the page


def page_header(title: str, intro: str = "") -> None:
    """Title, the one-line purpose, and the crisis line shown on every page."""
    st.title(title)
    if intro:
        st.caption(intro)
    st.info(CRISIS, icon=":material/support:")


def page_footer() -> None:
    """The disclaimer repeated at the bottom of every page."""
    st.divider()
    st.caption(DISCLAIMER + " " + CRISIS_LINE)


def usd(value: object) -> str:
    """Money for people: $1,234.50."""
    from decimal import Decimal

    return fmt_usd(value if isinstance(value, Decimal) else Decimal(str(value)))


_MD_SPECIAL = "\\`*_{}[]()#+-.!|<>~$:&="  # "=" under a line makes it a heading


_AUTOLINK = re.compile(r"(://|(?i:www)\.|@)")


def sentence(text: str, *, stop: bool = True) -> str:
    """A message as a sentence: capital first letter and, with `stop`, a full stop (never two)."""
    text = text[:1].upper() + text[1:]
    return text if not stop or text.endswith(".") else text + "."


def plain(text: object) -> str:
    """User or data text made safe for Streamlit's Markdown: every special character escaped, and web or e-mail
    addresses broken by an invisible space so they are not turned into links."""
    text = _AUTOLINK.sub(lambda m: m.group(0)[:-1] + "\u200b" + m.group(0)[-1], str(text))
    text = text.replace("\r\n", "\n").replace("\r", "\n")  # Markdown reads a bare CR as a line end too
    out = []
    for ch in text:
        if ch in _MD_SPECIAL:
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("  \n")
        else:
            out.append(ch)
    return "".join(out)


def refused_file_hint(limit_mb: int, kind: str) -> None:
    """Streamlit refuses a file that is too large or of another type in the browser: it marks the file red, gives
    the reason only on hover, and never tells the app. Shown while an upload box holds no file, so that a red file
    is explained beside the box."""
    st.caption(
        f"A file marked in red was not opened: it is larger than {limit_mb} MB or not a {kind} file "
        "(point at it to see which). Remove it with ✕ and choose another."
    )

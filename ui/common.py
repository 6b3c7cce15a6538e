"""Shared page furniture and session-state keys for every page."""

from __future__ import annotations

import re

import streamlit as st

from estimator.money import fmt_usd
from estimator.text import fmt_day as fmt_day  # re-exported: the pages take the date style from here
from estimator.wording import CRISIS_LINE, DISCLAIMER
from ui.styles import ESTIMATE_CSS
from ui.styles import PHONE_MEDIA as PHONE_MEDIA  # re-exported: the pages take the screen widths from here
from ui.styles import WIDE_MEDIA as WIDE_MEDIA

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


# Page-wide CSS and script for accessibility (issue 17), drawn by app.py at the top of every page. The rules carry
# the reason; tests/test_browser_a11y.py runs axe-core (WCAG 2.1 A/AA) and the keyboard and phone-menu checks.
FOCUS_COLOR = st.get_option("theme.primaryColor") or "#275d61"  # the theme's: 7.2:1 on the page background
PAGE_CSS = f"""
:root {{ --page-a11y-css: loaded; }}
/* Streamlit draws captions in the text colour at 60% opacity, 4.0:1 on the page background; AA asks 4.5:1 for
   small text. This grey, drawn opaque, keeps them lighter than body text at 5.7:1 (5.0:1 on an info box's blue). */
[data-testid="stCaptionContainer"] {{ color: #5d6669; opacity: 1; }}
/* The page links show no sign of keyboard focus of their own. */
[data-testid="stTopNavLink"]:focus-visible, [data-testid="stSidebarNavLink"]:focus-visible {{
  outline: 2px solid {FOCUS_COLOR}; outline-offset: 2px;
}}
/* The furniture's own box (and its wrapper's share of the page's gaps) takes no room on the page. */
[data-testid="stLayoutWrapper"]:has(> .st-key-page_furniture), .st-key-page_furniture {{ display: none; }}
"""
# Fixed text written here (never user input), so running it is safe.
PAGE_SCRIPT = """
(() => {
  if (window.__pageFurniture) return;  // once per browser tab: the page draws this on every run
  window.__pageFurniture = true;
  // 1. On a narrow screen the page links move into a sidebar that covers the page. Streamlit closes it after a
  //    choice only for a phone's user agent; a narrow desktop window or a tablet kept it open over the page.
  document.addEventListener('click', (event) => {
    if (!event.target.closest('[data-testid="stSidebarNavLink"]')) return;
    setTimeout(() => {
      const bar = document.querySelector('[data-testid="stSidebar"]');
      if (!bar || bar.getAttribute('data-collapsed') !== 'false') return;  // already closed (a phone)
      const close = document.querySelector('[data-testid="stSidebarCollapseButton"] button');
      if (close) close.click();
    }, 0);
  });
  // 2. A section opened by keyboard can be drawn anew by the rerun that opening starts (a new element), which
  //    drops the keyboard focus to the top of the page. Put it back on the section's new header.
  document.addEventListener('keydown', (event) => {
    if (event.key !== 'Enter' && event.key !== ' ') return;
    const summary = event.target.closest && event.target.closest('[data-testid="stExpander"] summary');
    if (!summary) return;
    const label = (s) => (s.querySelector('[data-testid="stMarkdownContainer"]') || s).innerText;  // not the icon
    const name = label(summary);
    const started = Date.now();
    const watch = setInterval(() => {
      if (Date.now() - started > 10000) return clearInterval(watch);
      if (summary.isConnected) return;  // still the same header: nothing to do yet
      const active = document.activeElement;
      if (active && active !== document.body) return clearInterval(watch);  // focus is somewhere: leave it
      const again = [...document.querySelectorAll('[data-testid="stExpander"] summary')]
        .find((s) => label(s) === name);
      if (again) {
        clearInterval(watch);
        again.focus({preventScroll: true});
      }
    }, 100);
  });
})();
"""


def page_furniture() -> None:
    """The page-wide CSS and script above, in a box that takes no room (app.py draws it before every page)."""
    with st.container(key="page_furniture"):
        st.html(f"<style>{PAGE_CSS}{ESTIMATE_CSS}</style><script>{PAGE_SCRIPT}</script>", unsafe_allow_javascript=True)

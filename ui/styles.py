"""The app's fixed CSS for page layouts (never user text): screen widths, and the Estimate page's layout."""

from __future__ import annotations

# Streamlit stacks columns below this width; pages rearrange a few things for phones there.
PHONE_MEDIA = "@media (max-width: 640px)"
WIDE_MEDIA = "@media (min-width: 641px)"

# The Estimate page's own fixed CSS (never user text), drawn with the page-wide CSS by `ui.common.page_furniture`
# (an element of its own was one more update on every rerun):
# - Headline figures scale with the window so an amount like $519,450.00 is never cut off ("$519,4...") where
#   the estimate column is narrow (641-1100 px: tablets, half-screen windows).
# - On a phone Streamlit stacks the two columns in order, which put the estimate two screens below the course
#   inputs. Once the columns stack, the estimate goes first, and the six figures stay two to a row, so all of
#   them fit on the first screen.
# - On a wider screen the estimate column stays in view (sticky, scrolling on its own when taller than the window)
#   while the inputs beside it scroll, so the headline is visible beside every section being edited. Its height
#   leaves room for the page's bottom margin: a sticky column stops at the end of its row, and a taller one was
#   pushed up off the top once the inputs were scrolled to their end.
# - On a phone each open section ends with the headline figures (`.near-figures`), next to the field edited;
#   elsewhere those are hidden, since the estimate column is beside the section.
# - The layout's own selectors are scoped to the Estimate page's keys, so the rules do nothing on other pages.
RESULTS_COLUMN = (
    ".st-key-estimate_layout > [data-testid='stLayoutWrapper'] > [data-testid='stHorizontalBlock']"
    " > [data-testid='stColumn']:nth-child(2)"
)
FIGURE = ".st-key-estimate_layout [data-testid='stMetricValue']"
FIGURE_CELL = ".st-key-figures > *"
ESTIMATE_CSS = (
    f"{FIGURE} {{ font-size: min(2.25rem, 2.4vw); }}"
    f" {FIGURE_CELL} {{ flex: 1 1 calc(50% - 0.5rem); min-width: 0; }}"
    " .near-figures { font-size: 0.875rem; color: #5d6669; margin: 0; }"  # a caption's look (ui.common's grey)
    " .st-key-estimate_layout [data-testid='stMetricLabel'] * { white-space: normal; }"  # wrap, never "Net cost af..."
    # The four view buttons fit a half-width column or a phone: Streamlit's 1 rem each side cut off "Downloads".
    " .st-key-view button { padding-left: 0.5rem; padding-right: 0.5rem; }"
    f" {WIDE_MEDIA} {{"
    f" {RESULTS_COLUMN} {{ position: sticky; top: 3.75rem; align-self: flex-start;"
    " max-height: calc(100vh - 13rem); overflow-y: auto; }"
    " [data-testid='stElementContainer']:has(.near-figures) { display: none; } }"
    f" {PHONE_MEDIA} {{"
    f" {RESULTS_COLUMN} {{ order: -1; }}"
    f" {FIGURE} {{ font-size: min(1.5rem, 5.2vw); }}"
    " }"
)

"""Placeholder page (built in its own issue)."""

from ui.common import page_footer, page_header

page_header("compare".replace("_", " ").capitalize(), "Coming soon.")
page_footer()

"""Estimate page (the body lives in ui.estimate_view so reruns reuse its compiled code)."""

from ui.estimate_view import render

render()

"""What happens to an unexpected error on a page: the person sees a plain message, the server log sees where it
happened and its type, and never its message (which can quote a patient's name, a diagnosis or an amount)."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from pathlib import Path

import streamlit as st

LOG = logging.getLogger("estimator.app")
ROOT = Path(__file__).resolve().parent.parent


def where(error: BaseException) -> str:
    """The error's type and the innermost line of the project's own code it passed through, without its message."""
    frames = traceback.extract_tb(error.__traceback__)
    ours = [f for f in frames if Path(f.filename).resolve().is_relative_to(ROOT)] or frames
    if not ours:
        return type(error).__name__
    last = ours[-1]
    try:
        name = Path(last.filename).resolve().relative_to(ROOT).as_posix()
    except ValueError:
        name = Path(last.filename).name
    return f"{type(error).__name__} in {last.name} ({name}:{last.lineno})"


def run_safely(page: Callable[[], object]) -> None:
    """Run a page; an unexpected error is logged as `where` and shown as a plain message instead of Streamlit's
    error box (Streamlit's own stop and rerun signals are not errors and pass through)."""
    try:
        page()
    except Exception as error:
        LOG.error("page error: %s", where(error))
        st.error(
            "Something went wrong on this page. Your inputs are kept for this session: reload the page, and if it "
            "happens again, save your estimate from another page or start again.",
            icon=":material/error:",
        )
